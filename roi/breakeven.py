"""Break-even: for any input, the value at which payback equals the threshold."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from roi._types import Numbers
from roi.impact import MONTHS_PER_YEAR, running_costs, time_value
from roi.precision import at_least, at_most
from roi.scenario import FIELD_SPECS, NUMERIC_FIELDS

TIME_FACTORS = (
    "users",
    "tasks_per_day",
    "minutes_saved_per_task",
    "hourly_rate",
    "workdays_per_year",
)
COST_FIELDS = ("platform_cost_annual", "model_cost_annual", "support_cost_annual")
ONE_TIME_FIELDS = ("build_cost", "change_cost")
NO_EFFECT = ("adoption_months", "discount_rate", "horizon_months")

# Which way a field must move from its break-even for payback to meet the threshold.
DIRECTION = {
    **{f: "at least" for f in (*TIME_FACTORS, "incremental_revenue", "payback_threshold_months")},
    **{f: "at most" for f in (*COST_FIELDS, *ONE_TIME_FIELDS)},
}


def break_even_values(values: Mapping[str, Numbers], field: str) -> np.ndarray:
    """Value of `field` at which payback equals the threshold, others held; NaN where none.

    Notes
    -----
    Payback equals the threshold T when annual net = 12 * (build + change) / T, so each
    input has a closed form: a time-value factor scales by needed / current time value,
    revenue and costs shift by the gap, one-time costs by T * monthly net. NaN marks
    "no such value" (no one-time cost, a zero factor elsewhere, or a value that would
    have to be negative); `break_even_table` explains each in words.

    Examples
    --------
    The invoice-triage assistant must net $300,000 a year to repay $300,000 in 12
    months, so its time saved must be worth $436,000 (with $136,000 of running costs).
    Each user saves 12 x 4 / 60 hours x $55 x 230 days = $10,120 a year, so it breaks
    even at 436,000 / 10,120 users:

    >>> v = dict(users=200, tasks_per_day=12, minutes_saved_per_task=4, hourly_rate=55,
    ...          workdays_per_year=230, incremental_revenue=0, platform_cost_annual=60_000,
    ...          model_cost_annual=36_000, support_cost_annual=40_000, build_cost=250_000,
    ...          change_cost=50_000, payback_threshold_months=12)
    >>> round(float(break_even_values(v, "users")), 2)
    43.08
    """
    # Broadcast first: a column for one field and numbers for the rest must work.
    arrays = np.broadcast_arrays(*(np.asarray(values[k], float) for k in values))
    v = dict(zip(values, arrays, strict=True))
    one_time = v["build_cost"] + v["change_cost"]
    threshold = v["payback_threshold_months"]
    needed_net = MONTHS_PER_YEAR * one_time / threshold
    value = time_value(*(v[f] for f in TIME_FACTORS))
    revenue = v["incremental_revenue"]
    costs = running_costs(*(v[f] for f in COST_FIELDS))
    net = value + revenue - costs
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        if field in TIME_FACTORS:
            others = np.prod([v[f] for f in TIME_FACTORS if f != field], axis=0) / 60
            needed_value = needed_net - revenue + costs
            result = np.where(others > 0, needed_value / np.where(others > 0, others, 1), np.nan)
        elif field == "incremental_revenue":
            result = needed_net - value + costs
        elif field in COST_FIELDS:
            result = value + revenue - needed_net - (costs - v[field])
        elif field in ONE_TIME_FIELDS:
            other = one_time - v[field]
            result = np.where(net > 0, threshold * net / MONTHS_PER_YEAR - other, np.nan)
        elif field == "payback_threshold_months":
            result = np.where(
                net > 0, one_time * MONTHS_PER_YEAR / np.where(net > 0, net, 1), np.nan
            )
        elif field in NO_EFFECT:
            result = np.full(np.broadcast(*v.values()).shape, np.nan)
        else:
            raise KeyError(f"no break-even for unknown field {field!r}")
    # Payback is exactly 0 (never T > 0) when nothing is spent up front; and a value that
    # would have to go below zero does not exist.
    result = np.where((one_time > 0) | (field == "payback_threshold_months"), result, np.nan)
    result = np.where(result >= 0, result, np.nan)
    return result[()] if np.ndim(result) == 0 else result


@dataclass(frozen=True)
class BreakEven:
    """One row of the break-even table."""

    field: str
    label: str
    likely: float
    value: float | None
    direction: str
    change_pct: float | None
    within_allowed: bool
    note: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "field": self.field,
            "likely": self.likely,
            "break_even": self.value,
            "direction": self.direction,
            "change_pct": self.change_pct,
            "within_allowed": self.within_allowed,
            "note": self.note,
        }


def _reason(field: str, values: Mapping[str, float]) -> str:
    one_time = values["build_cost"] + values["change_cost"]
    if field in NO_EFFECT:
        return "does not change payback months (it changes cash flow, NPV or ROI)"
    if one_time == 0 and field != "payback_threshold_months":
        return "no one-time cost: payback is immediate whenever net impact is positive"
    if field in (*ONE_TIME_FIELDS, "payback_threshold_months"):
        return "never pays back: monthly net impact is not positive"
    if field in TIME_FACTORS:
        others = [f for f in TIME_FACTORS if f != field and values[f] == 0]
        if others:
            return f"no value works while {', '.join(others)} is 0"
        return "meets the threshold at any value, even 0"
    if field == "incremental_revenue":
        return "meets the threshold even with no revenue"
    return "misses the threshold even at zero cost"


def break_even_table(values: Mapping[str, float]) -> list[BreakEven]:
    """For each numeric input, its break-even value and distance from the likely value.

    `values` holds every numeric field at its likely value (``scenario.point_values()``).
    """
    rows = []
    for field in NUMERIC_FIELDS:
        spec = FIELD_SPECS[field]
        current = float(values[field])
        found = float(break_even_values(values, field))
        if np.isnan(found):
            rows.append(
                BreakEven(
                    field,
                    spec.label,
                    current,
                    None,
                    DIRECTION.get(field, ""),
                    None,
                    False,
                    _reason(field, values),
                )
            )
            continue
        change = (found - current) / current * 100 if current else None
        allowed = spec.check(found) if not spec.whole else spec.check(round(found))
        meets_now = bool(
            at_most(found, current) if DIRECTION[field] == "at least" else at_least(found, current)
        )
        note = "met at the likely value" if meets_now else "missed at the likely value"
        if not allowed:
            note += f"; the break-even is outside what is allowed ({spec.allowed()})"
        rows.append(
            BreakEven(field, spec.label, current, found, DIRECTION[field], change, allowed, note)
        )
    return rows
