"""Break-even values: worked by hand, round trips for every field, clear 'none' answers."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from strategies import FAST, point_values

from roi.breakeven import NO_EFFECT, break_even_table, break_even_values
from roi.evaluate import compute
from roi.payback import cumulative_cash
from roi.precision import at_most
from roi.scenario import NUMERIC_FIELDS

# Invoice example: it must net 12 x 300,000 / 12 = 300,000 a year to repay 300,000 in 12
# months. With 136,000 of running costs its time saved must be worth 436,000 a year
# (it is worth 2,024,000). Per unit of each time factor, the others held:
#   users:    12 x 4 / 60 x 55 x 230 = 10,120   -> 436,000 / 10,120  = 43.083 users
#   tasks:    200 x 4 / 60 x 55 x 230 = 168,667 -> 436,000 / 168,667 = 2.5850 tasks a day
#   minutes:  200 x 12 / 60 x 55 x 230 = 506,000 -> 436,000 / 506,000 = 0.86166 minutes
#   rate:     200 x 12 x 4 / 60 x 230 = 36,800  -> 436,000 / 36,800  = 11.848 $/h
#   workdays: 200 x 12 x 4 / 60 x 55 = 8,800    -> 436,000 / 8,800   = 49.545 days
# A running cost may rise until net is 300,000: 2,024,000 - 300,000 - (the other two).
# A one-time cost may rise until 12 months x 157,333.33 = 1,888,000 less the other one.
# The threshold at break-even is the payback itself: 300,000 / 157,333.33 = 1.9068.
INVOICE_BREAK_EVEN = {
    "users": 436_000 / 10_120,
    "tasks_per_day": 436_000 / (200 * 4 / 60 * 55 * 230),
    "minutes_saved_per_task": 436_000 / 506_000,
    "hourly_rate": 436_000 / 36_800,
    "workdays_per_year": 436_000 / 8_800,
    "platform_cost_annual": 2_024_000 - 300_000 - 76_000,
    "model_cost_annual": 2_024_000 - 300_000 - 100_000,
    "support_cost_annual": 2_024_000 - 300_000 - 96_000,
    "build_cost": 1_888_000 - 50_000,
    "change_cost": 1_888_000 - 250_000,
    "payback_threshold_months": 300_000 / (1_888_000 / 12),
}


@pytest.mark.parametrize("field", sorted(INVOICE_BREAK_EVEN))
def test_invoice_break_even_worked_by_hand(invoice_values, field):
    """Each field's break-even for the invoice example, from the arithmetic above."""
    found = float(break_even_values(invoice_values, field))
    assert found == pytest.approx(INVOICE_BREAK_EVEN[field], rel=1e-9)


def test_invoice_users_break_even_rounds_to_43_08(invoice_values):
    """The docstring's example: 436,000 / 10,120 = 43.08 users."""
    assert round(float(break_even_values(invoice_values, "users")), 2) == 43.08


def test_revenue_break_even_does_not_exist_when_met_without_revenue(invoice_values):
    """It would need 300,000 - 2,024,000 + 136,000 = -1,588,000 of revenue: none (NaN)."""
    assert math.isnan(float(break_even_values(invoice_values, "incremental_revenue")))
    row = {r.field: r for r in break_even_table(invoice_values)}["incremental_revenue"]
    assert row.value is None
    assert row.note == "meets the threshold even with no revenue"


@pytest.mark.parametrize("field", NO_EFFECT)
def test_fields_that_do_not_move_payback_have_no_break_even(invoice_values, field):
    """Discount rate and horizon change no payback: a clear 'none' on either basis."""
    for basis in ("cash_flow", "simple"):
        assert math.isnan(float(break_even_values(invoice_values, field, basis)))
        row = {r.field: r for r in break_even_table(invoice_values, basis)}[field]
        assert row.value is None and "does not change payback" in row.note


def test_the_ramp_moves_only_the_cash_flow_payback(invoice_values):
    """The simple formula ignores the ramp (no break-even, said why); the cash flow does not."""
    values = {**invoice_values, "adoption_months": 3}
    assert math.isnan(float(break_even_values(values, "adoption_months", "simple")))
    row = {r.field: r for r in break_even_table(values, "simple")}["adoption_months"]
    assert "does not change simple payback" in row.note
    # Invoice: B = 2,024,000 / 12, K = 136,000 / 12, C = 300,000, T = 12. Owed by month
    # 12: C + 12 K = 436,000 < B T / 2 = 1,012,000, so the ramp may run past T:
    # A = B T^2 / (2 x owed) = 168,666.67 x 144 / 872,000 = 27.85 months.
    found = float(break_even_values(values, "adoption_months"))
    assert found == pytest.approx(2_024_000 / 12 * 144 / (2 * 436_000), rel=1e-12)
    row = {r.field: r for r in break_even_table(values)}["adoption_months"]
    assert row.direction == "at most" and row.note.startswith("met")


# With the invoice example's numbers and a 3-month adoption ramp (the starter's), the
# cash must cover C + 12 K = 436,000 by month 12, from 12 - 3 / 2 = 10.5 months of full
# benefit: B* = 436,000 / 10.5 a month, 498,285.71 a year. Per unit of each time factor
# the arithmetic is the table above's with 498,285.71 in place of 436,000:
#   users: 498,285.71 / 10,120 = 49.238 (the "about 49.2 users", not 43.1).
# With B = 2,024,000 / 12 = 168,666.67 a month, a running cost may rise until
# K* = (B x 10.5 - C) / 12: (1,771,000 - 300,000) / 12 a month, 1,471,000 a year, less
# the other two; a one-time cost until C* = B x 10.5 - 12 K = 1,771,000 - 136,000 =
# 1,635,000, less the other one.
RAMP_BREAK_EVEN = {
    "users": 436_000 / 10.5 * 12 / 10_120,
    "incremental_revenue": None,  # met without revenue
    "platform_cost_annual": 1_471_000 - 76_000,
    "build_cost": 1_635_000 - 50_000,
    "change_cost": 1_635_000 - 250_000,
}


@pytest.mark.parametrize("field", sorted(RAMP_BREAK_EVEN))
def test_cash_flow_break_even_with_a_ramp_worked_by_hand(invoice_values, field):
    """Break-even on the decision's default basis, ramp included, from the arithmetic above."""
    values = {**invoice_values, "adoption_months": 3}
    found = float(break_even_values(values, field))
    expected = RAMP_BREAK_EVEN[field]
    if expected is None:
        assert math.isnan(found)
    else:
        assert found == pytest.approx(expected, rel=1e-9)


def test_no_one_time_cost_has_no_break_even(invoice_values):
    """With nothing to repay, payback is 0 whatever the input: no break-even, said why."""
    values = {**invoice_values, "build_cost": 0, "change_cost": 0}
    assert math.isnan(float(break_even_values(values, "users")))
    row = {r.field: r for r in break_even_table(values)}["users"]
    assert row.value is None and "no one-time cost" in row.note


def test_a_zero_factor_elsewhere_has_no_break_even(invoice_values):
    """With 0 minutes saved, no number of users repays anything."""
    values = {**invoice_values, "minutes_saved_per_task": 0}
    assert math.isnan(float(break_even_values(values, "users")))
    row = {r.field: r for r in break_even_table(values)}["users"]
    assert row.note == "no value works while minutes_saved_per_task is 0"


def test_never_paying_back_has_no_one_time_break_even(invoice_values):
    """When monthly net is not positive no build cost, however small, pays back."""
    values = {**invoice_values, "users": 1}
    for field in ("build_cost", "change_cost", "payback_threshold_months"):
        assert math.isnan(float(break_even_values(values, field)))
        row = {r.field: r for r in break_even_table(values)}[field]
        assert "never pays back" in row.note


def test_break_even_table_covers_every_numeric_field(invoice_values):
    """One row per numeric field, in order, with direction and met/missed at the likely value."""
    rows = break_even_table(invoice_values)
    assert [row.field for row in rows] == list(NUMERIC_FIELDS)
    users = rows[0]
    assert users.direction == "at least"
    assert users.note == "met at the likely value"
    assert users.change_pct == pytest.approx((43.083 - 200) / 200 * 100, abs=1e-2)
    build = {r.field: r for r in rows}["build_cost"]
    assert build.direction == "at most" and build.within_allowed


def test_break_even_outside_the_allowed_range_is_flagged(invoice_values):
    """One user would need 436,000 / 44 = 9,909 workdays a year: more than 366 allowed."""
    values = {**invoice_values, "users": 1}
    # 1 user: 12 x 4 / 60 x 55 = 44 $ a day; needed 436,000 -> 9,909.1 workdays.
    found = float(break_even_values(values, "workdays_per_year"))
    assert found == pytest.approx(436_000 / 44, rel=1e-9)
    row = {r.field: r for r in break_even_table(values)}["workdays_per_year"]
    assert not row.within_allowed
    assert "outside what is allowed" in row.note


def test_break_even_is_vectorized(invoice_values):
    """A column of users gives each row's break-even of minutes saved, same as one at a time."""
    users = np.array([100.0, 200.0, 400.0])
    column = break_even_values({**invoice_values, "users": users}, "minutes_saved_per_task")
    for index, count in enumerate(users):
        one = break_even_values({**invoice_values, "users": count}, "minutes_saved_per_task")
        assert column[index] == pytest.approx(float(one), rel=1e-12)


def test_unknown_field_is_an_error(invoice_values):
    """Asking for a field that does not exist names it."""
    with pytest.raises(KeyError, match="userz"):
        break_even_values(invoice_values, "userz")


PAYBACK_KEY = {"cash_flow": "payback_months_cash_flow", "simple": "payback_months"}


@given(values=point_values(), basis=st.sampled_from(sorted(PAYBACK_KEY)))
@FAST
def test_break_even_round_trips_for_every_field(values, basis):
    """Plugging a field's break-even back in gives payback on that basis == threshold:
    the cumulative cash at the threshold is zero (the ramp counted on the cash flow)."""
    key = PAYBACK_KEY[basis]
    for field in NUMERIC_FIELDS:
        found = float(break_even_values(values, field, basis))
        if math.isnan(found):
            continue
        assert found >= 0
        plugged = {**values, field: found}
        result = compute(plugged)
        if field == "payback_threshold_months":  # the threshold at break-even is the payback
            assert float(result[key]) == pytest.approx(found, rel=1e-12)
            continue
        threshold = plugged["payback_threshold_months"]
        one_time = float(result["one_time_cost"])
        benefit = float(result["benefits"]) / 12
        running = float(result["running_costs"]) / 12
        ramp = plugged["adoption_months"] if basis == "cash_flow" else 0.0
        cash = float(cumulative_cash(threshold, one_time, benefit, running, ramp))
        # Cancellation in benefit - costs: tolerance on the size of the parts (a negative
        # time value, from review minutes, cancels the other benefits too).
        parts = sum(
            abs(float(result[k]))
            for k in (
                "time_value",
                "incremental_revenue_value",
                "protected_revenue_value",
                "reduced_cost_value",
                "mitigated_risk_value",
            )
        )
        scale = (parts / 12 + running) * threshold + one_time
        assert cash == pytest.approx(0.0, abs=1e-9 * scale)
        if one_time > 1e-6 * scale:
            assert float(result[key]) == pytest.approx(threshold, rel=1e-5)


@given(values=point_values(), basis=st.sampled_from(sorted(PAYBACK_KEY)))
@FAST
def test_kill_line_side_decides(values, basis):
    """Just on the safe side of a break-even, payback on the basis meets the threshold;
    just past it, it misses: the kill line is where the decision's payback test flips."""
    key = PAYBACK_KEY[basis]
    rows = break_even_table(values, basis)
    for row in rows:
        if row.value is None or row.field == "payback_threshold_months" or row.value == 0:
            continue
        step = 1e-3 * row.value
        safe = row.value + step if row.direction == "at least" else row.value - step
        unsafe = row.value - step if row.direction == "at least" else row.value + step
        threshold = values["payback_threshold_months"]
        if safe >= 0:
            assert at_most(float(compute({**values, row.field: safe})[key]), threshold)
        if unsafe >= 0:
            missed = float(compute({**values, row.field: unsafe})[key])
            if abs(missed - threshold) <= 1e-9 * threshold:
                # The input barely moves payback (a rate x a task served 1e-16 of the
                # time): a 0.1% step is inside roi.precision's tolerance, so no side.
                continue
            assert not at_most(missed, threshold)


@given(values=point_values())
@FAST
def test_break_even_exists_for_time_factors_when_others_are_positive_and_cost_is_due(values):
    """A time factor has a break-even unless no value works or every value (even 0) does:
    one exists where the cash at the threshold (ramp included) rises with it (its time
    value outruns the requests it adds) and falls short of zero at 0."""
    one_time = values["build_cost"] + values["change_cost"]

    def cash_at_threshold(changed: dict) -> float:
        r = compute({**values, **changed})
        return float(
            cumulative_cash(
                values["payback_threshold_months"],
                float(r["one_time_cost"]),
                float(r["benefits"]) / 12,
                float(r["running_costs"]) / 12,
                values["adoption_months"],
            )
        )

    for field in ("users", "hourly_rate", "workdays_per_year"):
        found = float(break_even_values(values, field))
        at_zero = cash_at_threshold({field: 0})
        rises = cash_at_threshold({field: 1}) > at_zero
        if one_time > 0 and rises and at_zero < 0:
            assert not math.isnan(found)
        elif one_time == 0:
            assert math.isnan(found)


def test_scalar_in_gives_scalar_out(invoice_values):
    """Numbers in, a numpy scalar (not a 0-d array) out, found or not."""
    for field in ("users", "incremental_revenue", "adoption_months"):
        value = break_even_values(invoice_values, field)
        assert np.ndim(value) == 0 and not isinstance(value, np.ndarray), field
