"""roi.formatting: the one way to write each kind of text. Expected strings are worked
by hand from each function's stated rule (thousands separators, a real minus, never
rounding a rare outcome to 0% or 100%, escaping every Markdown mark)."""

from __future__ import annotations

import hashlib
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from strategies import FAST

from roi.batch.inputs import scenario_folder
from roi.formatting import (
    MAX_STEM,
    md_escape,
    money,
    months,
    number_text,
    percent,
    safe_stem,
    share,
    unique_stems,
    weeks,
)

SAFE = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
RESERVED = {"con", "prn", "aux", "nul", "com1", "lpt1"}
HOSTILE_NAMES = [
    "../../etc/passwd",
    "con",
    "Pilot",
    "pilot",
    "x" * 300,
    "請求書の自動仕分け",
    '<script>alert("memo")</script>',
    '=HYPERLINK("http://example.com","open me")',
]


def sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def md_cells(line: str) -> list[str]:
    """Cells of a Markdown table row, split on pipes that are not backslash-escaped."""
    return [c.strip() for c in re.split(r"(?<!\\)\|", line.strip())[1:-1]]


# --- numbers ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "digits", "text"),
    [
        (1_888_000, 0, "$1,888,000"),
        (-135_789.17, 0, "-$135,789"),
        (-0.4, 0, "$0"),  # rounds to zero: no minus sign on nothing
        (157_333.333, 2, "$157,333.33"),
        (None, 0, "n/a"),
        (float("inf"), 0, "n/a"),
    ],
)
def test_money(value, digits, text):
    assert money(value, digits) == text


@pytest.mark.parametrize(
    ("value", "text"),
    [(1.9067, "1.9 months"), (1.04, "1.0 month"), (None, "never"), (float("inf"), "never")],
)
def test_months(value, text):
    assert months(value) == text


def test_percent_weeks_and_plain_numbers():
    assert percent(722.2) == "722%" and percent(None) == "n/a"
    assert weeks(16.1) == "16.1 weeks"
    assert number_text(1200) == "1,200" and number_text(0.125, 3) == "0.125"


@pytest.mark.parametrize(
    ("probability", "text"),
    [
        (0.002, "<1%"),  # 0.2% never pays back is not "0%"
        (0.0, "0%"),
        (0.994, ">99%"),
        (0.99995, ">99%"),  # 1 in 20,000 misses: not "100%"
        (1.0, "100%"),
        (0.7, "70%"),
        (None, "n/a"),
    ],
)
def test_share_never_rounds_a_rare_outcome_away(probability, text):
    assert share(probability) == text


@given(st.floats(min_value=0, max_value=1))
@FAST
def test_share_says_0_or_100_only_when_exact(probability):
    text = share(probability)
    assert (text == "0%") == (probability == 0)
    assert (text == "100%") == (probability == 1)


# --- Markdown -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "escaped"),
    [
        ("a|b", "a\\|b"),
        ("`x`", "\\`x\\`"),
        ("line\nbreak", "line break"),
        ("<script>", "&lt;script&gt;"),
        ("# h", "\\# h"),
        ("- item", "\\- item"),
        ("1. one", "1\\. one"),
        ("[a](b)", "\\[a\\](b)"),
        ("-$1,200", "-\\$1,200"),
        ("1.9 months", "1.9 months"),
        ("a & b", "a &amp; b"),
    ],
)
def test_md_escape(text, escaped):
    assert md_escape(text) == escaped


@settings(max_examples=200, deadline=None)
@given(st.text())
def test_md_escape_output_cannot_break_a_table_row_or_inject_html(text):
    escaped = md_escape(text)
    assert not re.search(r"[<>]", escaped) and len(escaped.splitlines()) <= 1
    assert md_cells(f"| {escaped} | x |") == [escaped.strip(), "x"]  # every pipe is escaped
    assert not re.search(r"(?<!\\)`", escaped)


# --- file names ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "stem"),
    [
        ("Invoice triage", "invoice-triage"),
        ("../../etc/passwd", "etc-passwd"),
        ("/abs/path", "abs-path"),
        ("..", "scenario-" + sha("..")[:8]),
        ("C:\\x\\y", "c-x-y"),
        ("Überweisung prüfen", "uberweisung-prufen"),
        ("名前", "scenario-" + sha("名前")[:8]),
        ("a" * 300, "a" * 51 + "-" + sha("a" * 300)[:8]),
    ],
)
def test_safe_stem_never_makes_a_path(name, stem):
    assert safe_stem(name) == stem


@pytest.mark.parametrize("name", [*HOSTILE_NAMES, "", ".", "..", "a/b\\c", "NUL", " COM1 "])
def test_hostile_names_become_safe_stems_inside_the_output_folder(name, tmp_path):
    """Traversal, devices, huge and non-Latin names give a plain stem under scenarios/."""
    stem = safe_stem(name)
    assert SAFE.fullmatch(stem), stem
    assert len(stem) <= MAX_STEM
    assert stem not in RESERVED
    assert scenario_folder(tmp_path, stem).parent == (tmp_path / "scenarios").resolve()


@given(st.lists(st.text(max_size=80), min_size=1, max_size=8))
@FAST
def test_any_names_get_distinct_safe_stems(names):
    """Whatever the names, stems are safe, and distinct even for equal or clashing names."""
    stems = unique_stems(names)
    assert len(set(stems)) == len(stems)
    assert all(SAFE.fullmatch(stem) for stem in stems)


@given(st.lists(st.text(max_size=80), min_size=1, max_size=8, unique=True), st.randoms())
@FAST
def test_a_names_stem_does_not_depend_on_the_order_of_the_rows(names, random):
    """Reordering a portfolio keeps each scenario's folder (before: names that clean to
    the same stem were numbered -2, -3 by row order, so a reordered rerun swapped them)."""
    shuffled = list(names)
    random.shuffle(shuffled)
    assert dict(zip(names, unique_stems(names), strict=True)) == dict(
        zip(shuffled, unique_stems(shuffled), strict=True)
    )


def test_clashing_names_are_told_apart_by_a_hash_of_the_name():
    """'A/B' and 'a b' both clean to 'a-b': each gets 8 hex digits of its name's SHA-256."""
    digest = {name: hashlib.sha256(name.encode()).hexdigest()[:8] for name in ("A/B", "a b")}
    assert unique_stems(["A/B", "a b", "c"]) == [
        f"a-b-{digest['A/B']}",
        f"a-b-{digest['a b']}",
        "c",
    ]
