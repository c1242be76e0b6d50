"""How numbers and names read to people: the one place for each text form.

Probabilities (`share`), money, months, weeks, percentages, plain numbers, Markdown
escaping of user text (`md_escape`) and file-name stems (`safe_stem`): every front end
(CLI, app, memo, batch, portfolio report) formats through these, never by itself.
"""

from __future__ import annotations

import hashlib
import math
import re
import unicodedata
from collections.abc import Iterable
from typing import Any


def money(value: float | None, digits: int = 0) -> str:
    """Dollars with thousands separators and a real minus sign for losses.

    >>> money(1888000), money(-136000.4), money(157333.333, 2)
    ('$1,888,000', '-$136,000', '$157,333.33')
    """
    if value is None or not math.isfinite(value):
        return "n/a"
    text = f"${abs(value):,.{digits}f}"
    return "-" + text if round(value, digits) < 0 else text


def months(value: float | None, digits: int = 1) -> str:
    """Months, or 'never' when there is no value.

    >>> months(1.9067), months(None)
    ('1.9 months', 'never')
    """
    if value is None or not math.isfinite(value):
        return "never"
    unit = "month" if round(value, digits) == 1 else "months"
    return f"{value:.{digits}f} {unit}"


def percent(value: float | None, digits: int = 0) -> str:
    """A percentage (given in percent), or 'n/a'.

    >>> percent(38.46), percent(None)
    ('38%', 'n/a')
    """
    if value is None or not math.isfinite(value):
        return "n/a"
    return f"{value:,.{digits}f}%"


def weeks(value: float, digits: int = 1) -> str:
    """Weeks.

    >>> weeks(16)
    '16.0 weeks'
    """
    return f"{value:.{digits}f} weeks"


def share(probability: float | None) -> str:
    """A probability as a whole percent that never rounds a rare outcome away.

    A 99.6% chance is not a certainty and a 0.4% risk is not none, so those read as
    '>99%' and '<1%'.

    >>> share(0.996), share(0.004), share(1.0), share(0.25), share(None)
    ('>99%', '<1%', '100%', '25%', 'n/a')
    """
    if probability is None or not math.isfinite(probability):
        return "n/a"
    if 0 < probability < 0.01:
        return "<1%"
    if 0.99 < probability < 1:
        return ">99%"
    return f"{probability:.0%}"


def number_text(value: float | None, digits: int = 2) -> str:
    """A plain number with thousands separators and no trailing zeros.

    >>> number_text(1200), number_text(2.5), number_text(0.125, 3)
    ('1,200', '2.5', '0.125')
    """
    if value is None or not math.isfinite(value):
        return "n/a"
    text = f"{value:,.{digits}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


# --- Markdown ---------------------------------------------------------------------------

_MD_INLINE = re.compile(r"([\\`*_\[\]|~$])")  # $: code hosts render $...$ as math
_MD_LINE_START = re.compile(r"^(\s*)(?:(#+|[+=-])|(\d+)([.)]))(?=\s|$)")


def md_escape(text: Any) -> str:
    """User text made safe for a Markdown paragraph, list item or table cell.

    Newlines become spaces (a table row stays one line), HTML-significant characters
    become entities (so `<script>` shows as text), inline Markdown punctuation (the
    pipe above all, and $ which code hosts take for math) is backslash-escaped, and so
    is a leading mark that would start a heading or a list.

    >>> print(md_escape("a|b <script>`x`</script>\\nnext"))
    a\\|b &lt;script&gt;\\`x\\`&lt;/script&gt; next
    >>> print(md_escape("# not a heading [link](x)"))
    \\# not a heading \\[link\\](x)
    """
    text = "" if text is None else str(text)
    text = re.sub(r"[\r\n\t\v\f\x1c-\x1e\x85\u2028\u2029]+", " ", text)  # any line break
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    text = _MD_INLINE.sub(r"\\\1", text)
    return _MD_LINE_START.sub(_escape_line_start, text)


def _escape_line_start(match: re.Match[str]) -> str:
    indent, mark, digits, dot = match.groups()
    return indent + ("\\" + mark if mark else digits + "\\" + dot)


# --- file names ---------------------------------------------------------------------

MAX_STEM = 60
WINDOWS_RESERVED = frozenset(
    {"con", "prn", "aux", "nul", *(f"com{i}" for i in range(10)), *(f"lpt{i}" for i in range(10))}
)


def safe_stem(name: str) -> str:
    """A file-name stem from a scenario name: lower-case ASCII letters, digits and dashes.

    Nothing in it can name a parent folder, a hidden file, a device or a path separator.
    Letters with accents keep their base letter; a name with none left, or one cut to
    MAX_STEM characters, gets a short hash of the full name so distinct names stay
    distinct.

    >>> safe_stem("Invoice triage assistant")
    'invoice-triage-assistant'
    >>> safe_stem("../../etc/passwd"), safe_stem("CON"), safe_stem("Prüfung 2")
    ('etc-passwd', 'con-scenario', 'prufung-2')
    >>> safe_stem("請求書")
    'scenario-666097c3'
    """
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    stem = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")
    digest = hashlib.sha256(name.encode("utf-8")).hexdigest()[:8]
    if not stem:
        return f"scenario-{digest}"
    if len(stem) > MAX_STEM:
        return f"{stem[: MAX_STEM - 9].rstrip('-')}-{digest}"
    if stem in WINDOWS_RESERVED:
        return f"{stem}-scenario"
    return stem


def _with_digest(stem: str, name: str) -> str:
    digest = hashlib.sha256(name.encode("utf-8")).hexdigest()[:8]
    return f"{stem[: MAX_STEM - 9].rstrip('-')}-{digest}"


def unique_stems(names: Iterable[str]) -> list[str]:
    """Safe stems for names, distinct, and each independent of the names' order.

    Different names that clean to the same stem each get a short hash of the exact name,
    so reordering a portfolio's rows never swaps two scenarios' folders (a rerun would
    otherwise skip or overwrite the wrong one). Only names repeated exactly, which nothing
    can tell apart, are numbered -2, -3, ... in order.

    >>> unique_stems(["Pilot", "pilot", "Claims", "Pilot"])
    ['pilot-383e2d94', 'pilot-07ae38b9', 'claims', 'pilot-383e2d94-2']
    >>> unique_stems(["pilot", "Pilot"])[::-1] == unique_stems(["Pilot", "pilot"])
    True
    """
    names = list(names)
    stems = [safe_stem(name) for name in names]
    spellings: dict[str, set[str]] = {}
    for name, stem in zip(names, stems, strict=True):
        spellings.setdefault(stem, set()).add(name)
    stems = [
        _with_digest(stem, name) if len(spellings[stem]) > 1 else stem
        for name, stem in zip(names, stems, strict=True)
    ]
    taken: set[str] = set()
    unique = []
    for stem in stems:
        candidate, number = stem, 2
        while candidate in taken:
            candidate = f"{stem}-{number}"
            number += 1
        taken.add(candidate)
        unique.append(candidate)
    return unique


def parse_amount(text: str) -> float:
    """A number as people type it: '$250k', '250,000', '1.2M', '10%' (a share, 0.10),
    '-5'; read by `roi.amounts` as every channel reads it. Raises ValueError naming what
    is allowed (and both readings of '1,5M' or '250.000'); the caller checks the bounds.

    >>> parse_amount("$250k"), parse_amount("250,000"), parse_amount("1.2M"), parse_amount("10%")
    (250000.0, 250000.0, 1200000.0, 0.1)
    """
    from roi.amounts import read_number

    return read_number(str(text))


TERMINAL_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")
"""Characters a terminal would act on rather than show (see `terminal_safe`)."""


def terminal_safe(text: str) -> str:
    r"""Text a terminal shows as written: control characters (an escape sequence that
    moves the cursor or recolours, a carriage return that overwrites the line) and
    bidirectional overrides are shown as escapes; line breaks and tabs stay.

    >>> terminal_safe("No-go\rDecision Go\x1b[2K")
    'No-go\\rDecision Go\\x1b[2K'
    >>> terminal_safe("two\nlines\tand a tab")
    'two\nlines\tand a tab'
    """
    return TERMINAL_UNSAFE.sub(lambda m: m.group(0).encode("unicode_escape").decode(), text)
