"""Numbers as people write them, read one way in every channel: files, table cells, CLI
options, the app's boxes and links.

- Thousands separators are commas in groups of three (`1,500`, `1,234,567.5`); a dollar
  sign may lead (`$70`, `-$5,000`); `k`, `M`/`MM`, `B`/`bn` scale (`2k`, `$1.2M`).
- A trailing `%` makes a percent (`10%` is 0.10).
- Where a number could be read two ways, it is refused with both readings, never guessed:
  a decimal comma (`1,5M`: 1.5M or 15M?), a thousands point (`250.000`: 250 or 250,000?)
  or both (`1.234,56`).
- A percent field (the discount rate, stored as a fraction) takes `12%` and `12` as 12%,
  and `0.12` as 12%: a number above 1 is a percent, one up to 1 a fraction (the number
  1 in a file is 100%, as the stored form says), and the text `1` typed in a box or a
  table cell is refused as ambiguous (1% or 100%?).

`read_number` raises ValueError with a message that says what is allowed; callers add the
field's name and the value (`roi.exceptions.Problem`).
"""

from __future__ import annotations

import math
import re
from typing import Any

SCALES = {"k": 1e3, "m": 1e6, "mm": 1e6, "b": 1e9, "bn": 1e9}
"""Suffixes people use for thousands, millions and billions (case-insensitive)."""

PERCENT_UNITS = ("per year", "share")
"""Units of fields stored as a fraction but read by people as a percent."""

PERCENT_RULE = (
    "a percent: 12% or 12 is 12%, 0.12 is 12% too (above 1 is a percent, below 1 a fraction)"
)
"""The rule for percent fields, as the README and the app's help state it."""

_NUMBER = re.compile(
    r"""^(?P<sign>[-+]?)\$?(?P<sign2>[-+]?)
    (?P<body>[0-9][0-9,._]*|[.][0-9][0-9_]*)
    (?:[eE](?P<exp>[-+]?[0-9]+))?
    (?P<suffix>k|m|mm|b|bn)?
    (?P<percent>%)?$""",
    re.X | re.I,
)
_GROUPED = re.compile(r"^[0-9]{1,3}(?:,[0-9]{3})+(?:\.[0-9]+)?$")
_THOUSANDS_POINT = re.compile(r"^[1-9][0-9]{0,2}(?:\.[0-9]{3})+$")
_EUROPEAN = re.compile(r"^[0-9]{1,3}(?:\.[0-9]{3})+,[0-9]+$")
_DECIMAL_COMMA = re.compile(r"^[0-9]+,[0-9]{1,2}$|^[0-9]+,[0-9]{4,}$")

_ALLOWED = "a number (1500, 1,500, 2k, $70, 1.2M or 10%)"


def _plain(body: str) -> str:
    return body.replace(",", "").replace("_", "")


def _body_value(text: str, body: str, suffix: str = "") -> float:
    """The digits of a number, refusing the separators that read two ways (`suffix`, a
    scale such as M, is repeated in the readings offered)."""
    if "," in body and "." in body and _EUROPEAN.match(body):
        european = body.replace(".", "").replace(",", ".")
        raise ValueError(
            "has a thousands point and a decimal comma: write "
            f"{float(european):,.2f}{suffix} (a comma for thousands, a point for decimals)"
        )
    if "," in body and not _GROUPED.match(body):
        if _DECIMAL_COMMA.match(body):
            whole, _, tail = body.partition(",")
            raise ValueError(
                f"reads two ways: {whole}.{tail}{suffix} with a decimal comma, or "
                f"{whole}{tail}{suffix} with a thousands comma; write {whole}.{tail}{suffix} or "
                f"{int(whole + tail):,}{suffix} (commas group thousands in threes, a point is "
                "decimal)"
            )
        raise ValueError("has commas out of place: commas group thousands in threes")
    if "," not in body and _THOUSANDS_POINT.match(body):
        thousands = f"{int(body.replace('.', '')):,}{suffix}"
        decimal = f"{float(body):g}{suffix}"
        raise ValueError(
            f"reads two ways: {decimal} with a decimal point, or {thousands} with a "
            f"thousands point; write {thousands} for thousands (a comma groups thousands) "
            f"or {decimal}"
        )
    if body.count(".") > 1:
        raise ValueError("has more than one decimal point")
    return float(_plain(body))


def parse_text(text: str) -> tuple[float, bool]:
    """(number, written as a percent) from text as people write it.

    >>> parse_text("1,500"), parse_text("$70"), parse_text("2k"), parse_text("1.2M")
    ((1500.0, False), (70.0, False), (2000.0, False), (1200000.0, False))
    >>> parse_text("12%"), parse_text("-$5,000"), parse_text("1e6")
    ((12.0, True), (-5000.0, False), (1000000.0, False))
    >>> parse_text("1,5M")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: reads two ways: 1.5M with a decimal comma, or 15M with a thousands comma; ...
    """
    cleaned = str(text).strip().replace(" ", "").replace("\u00a0", "")
    if cleaned.lower().lstrip("+-") in ("nan", "inf", "infinity"):
        raise ValueError("must be a finite number (not NaN or infinity)")
    match = _NUMBER.match(cleaned)
    if not match or (match["sign"] and match["sign2"]):
        raise ValueError(f"must be {_ALLOWED}")
    value = _body_value(str(text).strip(), match["body"], match["suffix"] or "")
    if match["exp"]:
        value *= 10.0 ** int(match["exp"])
    if match["suffix"]:
        if match["percent"]:
            raise ValueError(f"mixes a scale ({match['suffix']}) with a percent")
        value *= SCALES[match["suffix"].lower()]
    if "-" in (match["sign"] + match["sign2"]):
        value = -value
    if not math.isfinite(value):
        raise ValueError("must be a finite number")
    return value, bool(match["percent"])


def read_number(value: Any, unit: str | None = None) -> float:
    """One number of a field with `unit` (None: any number), from a number or text.

    Text is read by `parse_text`; a `%` is allowed on a percent field or where no unit
    is known (its value is then the fraction) and refused elsewhere, as a `$` is on a
    field that is not money. A percent field reads numbers above 1 as percents (`12` is
    0.12) and refuses 1.

    >>> read_number("1,500", "people"), read_number("$250k", "$"), read_number(" 7 ", "min")
    (1500.0, 250000.0, 7.0)
    >>> read_number("12%", "per year"), read_number(12, "per year"), read_number("0.12", "per year")
    (0.12, 0.12, 0.12)
    >>> read_number("10%", "people")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: is a percent; this field is in people: write a number in people
    """
    if isinstance(value, bool) or value is None:
        raise ValueError("must be a number")
    percent_field = unit in PERCENT_UNITS
    if isinstance(value, str):
        number, is_percent = parse_text(value)
        if is_percent and not percent_field and unit is not None:
            raise ValueError(f"is a percent; this field is in {unit}: write a number in {unit}")
        if "$" in value and unit is not None and not unit.startswith("$"):
            raise ValueError(f"is money; this field is in {unit}: write a number in {unit}")
        if is_percent:
            return number / 100
    elif isinstance(value, int | float) or hasattr(value, "__float__"):
        try:
            number = float(value)
        except OverflowError:  # an integer with hundreds of digits
            number = math.inf
        if not math.isfinite(number):
            raise ValueError("must be a finite number (not NaN or infinity)")
    else:
        raise ValueError("must be a number")
    if percent_field:
        if number == 1 and isinstance(value, str):
            raise ValueError(
                "is ambiguous for a percent: write 1% or 100% (above 1 is a percent, "
                "below 1 a fraction)"
            )
        if number > 1:
            return number / 100
    return number


SHARE_UNITS = ("share", "fraction")
"""Criterion units whose values are fractions from 0 to 1 (93% is 0.93)."""
PERCENT_METRIC_UNITS = ("%", "percent", "pct")
"""Criterion units whose values are percents (93% is 93)."""


def read_metric(value: Any, unit: str | None) -> float:
    """A success criterion's value in its own unit: a share takes 0.93 or 93% (0.93) and
    refuses 93 with a hint; a percent unit takes 93 or 93%; any other unit refuses a %.

    >>> read_metric("93%", "share"), read_metric(0.93, "share"), read_metric("93%", "%")
    (0.93, 0.93, 93.0)
    >>> read_metric(93, "share")
    Traceback (most recent call last):
    ...
    ValueError: is a share, from 0 to 1: write 0.93 or 93% for 93%
    """
    kind = (unit or "").strip().lower()
    if isinstance(value, str):
        number, is_percent = parse_text(value)
        if is_percent and kind in SHARE_UNITS:
            number /= 100
        elif is_percent and kind not in PERCENT_METRIC_UNITS:
            raise ValueError(
                f"is a percent; this criterion is in {unit or 'plain numbers'}: "
                "write the number in its unit, or make the unit share or %"
            )
    else:
        number = read_number(value)
    if kind in SHARE_UNITS and not 0 <= number <= 1:
        if number > 1:
            raise ValueError(
                f"is a share, from 0 to 1: write {number / 100:g} or {number:g}% for {number:g}%"
            )
        raise ValueError("is a share, from 0 to 1")
    return number


__all__ = [
    "PERCENT_METRIC_UNITS",
    "PERCENT_RULE",
    "PERCENT_UNITS",
    "SCALES",
    "SHARE_UNITS",
    "parse_text",
    "read_metric",
    "read_number",
]
