"""Break-even: for any input, the value at which the decision's payback equals the threshold."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from roi._types import Numbers
from roi.impact import IMPACT_FIELDS, MONTHS_PER_YEAR, annual_impact
from roi.payback import cash_flow_payback_months
from roi.precision import RELATIVE_TOLERANCE, at_least, at_most
from roi.scenario import BENEFIT_FIELDS, FIELD_SPECS, NUMERIC_FIELDS, UNIT_ECONOMICS_FIELDS

TIME_FACTORS = (
    "users",
    "tasks_per_day",
    "minutes_saved_per_task",
    "hourly_rate",
    "workdays_per_year",
)
FALLBACK_FIELDS = ("fallback_rate", "review_minutes_per_fallback")
"""Cut the time saved: a task handed back saves nothing and costs review minutes."""
COST_FIELDS = ("platform_cost_annual", "model_cost_annual", "support_cost_annual")
ONE_TIME_FIELDS = ("build_cost", "change_cost")
NO_EFFECT = ("discount_rate", "horizon_months")
"""Inputs that never move payback (they change cash flow's value: NPV, IRR)."""
RAMP = "adoption_months"
"""Moves payback on the cash-flow basis only: the simple formula ignores the ramp."""

Basis = Literal["cash_flow", "simple"]

# Which way a field must move from its break-even for payback to meet the threshold.
DIRECTION = {
    **{
        f: "at least"
        for f in (
            *TIME_FACTORS,
            "incremental_revenue",
            *BENEFIT_FIELDS,
            "payback_threshold_months",
        )
    },
    **{
        f: "at most"
        for f in (*COST_FIELDS, *ONE_TIME_FIELDS, RAMP, *FALLBACK_FIELDS, *UNIT_ECONOMICS_FIELDS)
    },
}


def _monthly(v: Mapping[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Monthly benefit at full adoption and monthly running costs of the inputs `v`."""
    impact = annual_impact(**{name: v[name] for name in IMPACT_FIELDS})
    return impact.benefits / MONTHS_PER_YEAR, impact.running_costs / MONTHS_PER_YEAR


def no_effect(field: str, basis: Basis) -> bool:
    """Whether `field` leaves payback on `basis` unchanged whatever its value."""
    return field in NO_EFFECT or (field == RAMP and basis == "simple")


def break_even_values(
    values: Mapping[str, Numbers], field: str, basis: Basis = "cash_flow"
) -> np.ndarray:
    """Value of `field` at which payback on `basis` equals the threshold, others held;
    NaN where none.

    Notes
    -----
    Payback on the cash flow (the decision's default basis) is when cumulative cash
    B * adopted(t) - K * t - C first reaches 0, with B the monthly benefit (time value
    plus revenue), K the monthly running cost, C the one-time costs and a linear
    adoption ramp of A months. At the threshold T that cash is exactly 0:

    - T >= A (it pays back after the ramp): B (T - A / 2) = C + K T;
    - T < A (during the ramp): B T^2 / (2 A) = C + K T.

    Each input then has a closed form: the benefit needed is B* = (C + K T) / (T - A/2)
    (or 2 A (C + K T) / T^2), a time-value factor scales by needed / current time value,
    revenue shifts by the gap, a running cost solves for K, a one-time cost for C, and
    the ramp for A. On the `simple` basis A is taken as 0, so T = C / (B - K), the
    articles' formula. NaN marks "no such value" (no one-time cost, a zero factor
    elsewhere, or a value that would have to be negative); `break_even_table` explains
    each in words.

    Examples
    --------
    The invoice-triage assistant must net $300,000 a year to repay $300,000 in 12
    months, so with no ramp its time saved must be worth $436,000 (with $136,000 of
    running costs). Each user saves 12 x 4 / 60 hours x $55 x 230 days = $10,120 a
    year, so it breaks even at 436,000 / 10,120 users:

    >>> v = dict(users=200, tasks_per_day=12, minutes_saved_per_task=4, hourly_rate=55,
    ...          workdays_per_year=230, incremental_revenue=0, platform_cost_annual=60_000,
    ...          model_cost_annual=36_000, support_cost_annual=40_000, build_cost=250_000,
    ...          change_cost=50_000, payback_threshold_months=12, adoption_months=0)
    >>> round(float(break_even_values(v, "users")), 2)
    43.08

    With a 3-month ramp the cash must cover $300,000 + 12 x $11,333 by month 12 from
    10.5 months of full benefit: B* = 436,000 / 10.5 a month, $498,286 a year, so
    498,286 / 10,120 users:

    >>> round(float(break_even_values({**v, "adoption_months": 3}, "users")), 2)
    49.24
    >>> round(float(break_even_values({**v, "adoption_months": 3}, "users", "simple")), 2)
    43.08
    """
    if basis not in ("cash_flow", "simple"):
        raise ValueError(f"basis must be 'cash_flow' or 'simple': got {basis!r}")
    # Broadcast first: a column for one field and numbers for the rest must work.
    arrays = np.broadcast_arrays(*(np.asarray(values[k], float) for k in values))
    v = dict(zip(values, arrays, strict=True))
    threshold = v["payback_threshold_months"]
    for name in IMPACT_FIELDS:  # optional inputs left out take their defaults
        if name not in v:
            v[name] = np.full_like(threshold, FIELD_SPECS[name].default_value)
    one_time = v["build_cost"] + v["change_cost"]
    ramp = v.get(RAMP, np.zeros_like(threshold)) if basis == "cash_flow" else 0.0 * threshold
    benefit, running = _monthly(v)
    net = benefit - running
    after = threshold >= ramp  # at break-even, payback comes after the ramp
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        # What the cash must cover by T, and what one month of full benefit adds by then.
        owed = one_time + running * threshold
        months_of_benefit = np.where(after, threshold - ramp / 2, threshold**2 / (2 * ramp))
        if field in ONE_TIME_FIELDS:
            allowed = benefit * months_of_benefit - running * threshold
            result = np.where(net > 0, allowed - (one_time - v[field]), np.nan)
        elif field == "payback_threshold_months":
            result = cash_flow_payback_months(one_time, benefit, running, ramp)
            result = np.where(np.isfinite(result), result, np.nan)
        elif field == RAMP and basis == "cash_flow":
            # Payback rises with the ramp; at A = T the two cases meet (owed = B T / 2).
            safe = np.where(benefit > 0, benefit, 1.0)
            result = np.where(
                owed >= benefit * threshold / 2,
                2 * (threshold - owed / safe),
                benefit * threshold**2 / (2 * owed),
            )
            result = np.where((benefit > 0) & (owed < benefit * threshold), result, np.nan)
        elif no_effect(field, basis):
            result = np.full(np.broadcast(*v.values()).shape, np.nan)
        elif field in IMPACT_FIELDS:
            result = _impact_break_even(v, field, benefit, running, months_of_benefit, owed)
        else:
            raise KeyError(f"no break-even for unknown field {field!r}")
    # Payback is exactly 0 (never T > 0) when nothing is spent up front; and a value that
    # would have to go below zero does not exist.
    result = np.where((one_time > 0) | (field == "payback_threshold_months"), result, np.nan)
    result = np.where(result >= 0, result, np.nan)
    return result[()] if np.ndim(result) == 0 else result


def _impact_break_even(
    v: Mapping[str, np.ndarray],
    field: str,
    benefit: np.ndarray,
    running: np.ndarray,
    months_of_benefit: np.ndarray,
    owed: np.ndarray,
) -> np.ndarray:
    """`break_even_values` for one input of the impact (users, minutes, prices...)."""
    threshold = v["payback_threshold_months"]
    one_time = v["build_cost"] + v["change_cost"]
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        # The cash at T, g = B months_of_benefit - K T - C, is affine in any one input
        # of the impact: solve g = 0 from its value and slope at the likely value.
        x = v[field]
        step = np.maximum(np.abs(x), 1.0)
        moved, moved_running = _monthly({**v, field: x + step})
        slope = (moved - benefit) * months_of_benefit - (moved_running - running) * threshold
        slope = slope / step
        gap = benefit * months_of_benefit - owed
        safe_slope = np.where(slope != 0, slope, 1)
        result = x - gap / safe_slope
        # A secant step more: the slope over the whole way there cancels less than
        # over one step (a price per token moves the cash by a hair per unit).
        at, at_running = _monthly({**v, field: result})
        moved_gap = at * months_of_benefit - (one_time + at_running * threshold)
        secant = (moved_gap - gap) / np.where(result != x, result - x, 1)
        safe_slope = np.where((result != x) & (secant != 0), secant, safe_slope)
        gap = moved_gap
        # Only a field that moves the cash the way its direction says has a kill line
        # (more users add nothing when each costs more in requests than it saves).
        right_way = slope > 0 if DIRECTION.get(field) == "at least" else slope < 0
        result = np.where(right_way, result - gap / safe_slope, np.nan)
        # At the threshold exactly (a kill line at 0), rounding must not push it below.
        result = np.where((result < 0) & (result > -RELATIVE_TOLERANCE * step), 0.0, result)
        if field == "minutes_saved_per_task":
            # Nothing served (a rate within 1e-9 of 1): no minutes saved make it up.
            result = np.where(1 - v["fallback_rate"] > RELATIVE_TOLERANCE, result, np.nan)
    return result


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


def _reason(field: str, values: Mapping[str, float], basis: Basis) -> str:
    one_time = values["build_cost"] + values["change_cost"]
    if field == RAMP and basis == "simple":
        return "does not change simple payback (only the cash flow's)"
    if field in NO_EFFECT:
        return "does not change payback"
    if one_time == 0 and field != "payback_threshold_months":
        return "no one-time cost: payback is immediate whenever net impact is positive"
    if field in (*ONE_TIME_FIELDS, "payback_threshold_months"):
        return "never pays back: monthly net impact is not positive"
    if field == "fallback_rate":
        if values["minutes_saved_per_task"] + values.get("review_minutes_per_fallback", 0) == 0:
            return "does not change payback while minutes saved and review minutes are 0"
        return "misses the threshold even with no fallbacks"
    if field == "review_minutes_per_fallback":
        if values.get("fallback_rate", 0) == 0:
            return "does not change payback while the fallback rate is 0"
        return "misses the threshold even with no review time"
    if field in (*BENEFIT_FIELDS, *UNIT_ECONOMICS_FIELDS):
        v = {name: np.asarray(values[name], float) for name in IMPACT_FIELDS}
        before = _monthly(v)
        after = _monthly({**v, field: v[field] + max(abs(float(v[field])), 1.0)})
        if all(np.array_equal(a, b) for a, b in zip(before, after, strict=True)):
            return "does not change payback here (an input it multiplies is 0)"
        if DIRECTION[field] == "at least":
            return "meets the threshold at any value, even 0"
        return "misses the threshold even at 0"
    if field in TIME_FACTORS:
        others = [f for f in TIME_FACTORS if f != field and values[f] == 0]
        if others:
            return f"no value works while {', '.join(others)} is 0"
        return "meets the threshold at any value, even 0"
    if field == "incremental_revenue":
        return "meets the threshold even with no revenue"
    if field == RAMP:
        return "misses the threshold even with no ramp (everyone from go-live)"
    return "misses the threshold even at zero cost"


def break_even_table(values: Mapping[str, float], basis: Basis = "cash_flow") -> list[BreakEven]:
    """For each numeric input, its break-even value on the payback `basis` and distance
    from the likely value.

    `values` holds every numeric field at its likely value (``scenario.point_values()``);
    `basis` is the scenario's `payback_basis`, the one the decision tests.
    """
    rows = []
    # Optional fields left out take their defaults (no fallbacks, for example).
    values = {
        f: values[f] if f in values or FIELD_SPECS[f].required else FIELD_SPECS[f].default_value
        for f in NUMERIC_FIELDS
    }
    for field in NUMERIC_FIELDS:
        spec = FIELD_SPECS[field]
        current = float(values[field])
        found = float(break_even_values(values, field, basis))
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
                    _reason(field, values, basis),
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
