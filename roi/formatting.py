"""How numbers read to people: money, months, percentages; shared by CLI, app and memo."""

from __future__ import annotations

import math


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
