"""The precision at which roi compares money and months: the one place it is stated.

Inputs are decimal numbers (cents, tenths of a minute) but arithmetic is binary floating
point, so a payback that is exactly 12 months in decimal can come out as
12.000000000000002. A comparison against a threshold is therefore made at a stated
precision, the same in every output (CLI, memo, batch, app, Monte Carlo):

- months (payback against its threshold, a break-even against the likely value):
  equal when within a relative `RELATIVE_TOLERANCE` (1e-9, a few seconds in a decade);
- money (NPV against zero): to the cent, `CENT`.

Vectorized: numbers and numpy arrays alike.
"""

from __future__ import annotations

import numpy as np

from roi._types import Numbers

RELATIVE_TOLERANCE = 1e-9
"""Two quantities (months, people, dollars as inputs) within this relative distance are equal."""

CENT = 0.01
"""Money is compared to the cent."""


def at_most(value: Numbers, limit: Numbers) -> np.ndarray:
    """value <= limit, where a value within RELATIVE_TOLERANCE of the limit counts as equal.

    >>> bool(at_most(12.000000000000002, 12)), bool(at_most(12.01, 12)), bool(at_most(0.0, 0))
    (True, False, True)
    >>> at_most([11.0, float("inf")], 12).tolist()
    [True, False]
    """
    value = np.asarray(value, float)
    limit = np.asarray(limit, float)
    with np.errstate(invalid="ignore"):
        slack = RELATIVE_TOLERANCE * np.maximum(np.abs(value), np.abs(limit))
        out = value <= limit + np.where(np.isfinite(slack), slack, 0.0)
    return out[()] if out.ndim == 0 else out


def at_least(value: Numbers, limit: Numbers) -> np.ndarray:
    """value >= limit at the same relative tolerance as `at_most`.

    >>> bool(at_least(119.99999999999999, 120)), bool(at_least(119.9, 120))
    (True, False)
    """
    return at_most(limit, value)


def money_not_negative(amount: Numbers) -> np.ndarray:
    """amount >= 0 to the cent: -$0.004 rounds to $0.00 and is not a loss.

    >>> money_not_negative([-0.004, -0.006, 0.0, 5.0]).tolist()
    [True, False, True, True]
    """
    out = np.asarray(amount, float) > -CENT / 2
    return out[()] if out.ndim == 0 else out
