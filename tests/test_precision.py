"""Comparisons at roi's stated precision (roi.precision): the issue's exact-threshold case.

The case (issue 10), worked in decimal by hand (and by `decimal` in the first test):
  time value  = 120 x 8 x 2.2 / 60 x 41.3 x 229 = 332,911.04 a year
  annual net  = 332,911.04 - (60,000 + 36,000 + 40,000) = 196,911.04
  one-time    = 146,911.04 + 50,000 = 196,911.04
  payback     = 196,911.04 / (196,911.04 / 12) = 12 months exactly: the threshold, met.
Binary floating point gives 12.000000000000002.
"""

from __future__ import annotations

import json
from decimal import Decimal

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from roi.assess import assess
from roi.breakeven import break_even_table
from roi.cli import main
from roi.evaluate import evaluate
from roi.files import save_scenario
from roi.precision import RELATIVE_TOLERANCE, at_least, at_most, money_not_negative
from roi.reports.memo import render
from roi.scenario import Scenario

EDGE = dict(
    name="Exactly at the threshold",
    users=120,
    tasks_per_day=8,
    minutes_saved_per_task=2.2,
    hourly_rate=41.3,
    workdays_per_year=229,
    platform_cost_annual=60_000,
    model_cost_annual=36_000,
    support_cost_annual=40_000,
    build_cost=146_911.04,
    change_cost=50_000,
    payback_threshold_months=12,
    adoption_months=1,
)


def test_the_case_is_exactly_twelve_months_in_decimal_and_not_in_floats():
    d = Decimal
    time_value = d(120) * 8 * d("2.2") / 60 * d("41.3") * 229
    net = time_value - 136_000
    assert d("196911.04") / (net / 12) == 12
    assert evaluate(Scenario(**EDGE)).payback_months != 12.0  # the float artefact exists


def test_exactly_at_the_threshold_is_met_in_results_json_and_break_even(capsys, tmp_path):
    scenario = Scenario(**EDGE)
    results = evaluate(scenario)
    assert results.meets_payback_threshold
    # On the simple basis the users' break-even is the likely value itself; on the
    # cash flow (the default) the 1-month ramp puts it just past (the test below).
    users = next(
        b for b in break_even_table(scenario.point_values(), "simple") if b.field == "users"
    )
    assert users.note == "met at the likely value"
    users = next(b for b in results.break_even if b.field == "users")
    assert users.note == "missed at the likely value"
    path = save_scenario(scenario, tmp_path / "edge.yaml")
    assert main(["run", str(path), "--json", "--samples", "0"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["meets_payback_threshold"] is True
    assert data["payback_months"] == pytest.approx(12.0, rel=1e-12)


def test_exactly_at_the_threshold_on_the_simple_basis_is_a_met_decision_and_memo():
    scenario = Scenario(**EDGE, payback_basis="simple")
    assessment = assess(scenario, samples=0)
    check = next(c for c in assessment.decision.checks if c.name == "payback_threshold")
    assert check.verdict == "pass" and "within the 12-month threshold" in check.reason
    memo = render(assessment, "md", images="none")
    assert check.reason.replace("$", "\\$") in memo
    assert assessment.outcome != "No-go"


def test_on_the_cash_flow_the_one_month_ramp_misses_the_threshold():
    """With a 1-month ramp the first month earns half its benefit B = 332,911.04 / 12 =
    27,742.59, so cash reaches 0 at (C + B A / 2) / (B - K) = (196,911.04 + 13,871.29) /
    16,409.25 = 12.85 months: the kill test on real cash is a No-go, while the simple
    figure (12 months) stays met."""
    assessment = assess(Scenario(**EDGE), samples=0)
    results = assessment.results
    benefit = 332_911.04 / 12
    expected = (196_911.04 + benefit / 2) / (196_911.04 / 12)
    assert results.payback_months_cash_flow == pytest.approx(expected, rel=1e-12)
    assert results.meets_payback_threshold and not results.meets_payback_threshold_cash_flow
    assert assessment.outcome == "No-go"
    assert "Payback on the cash flow (with the 1-month adoption ramp)" in " ".join(
        assessment.decision.reasons
    )


def test_a_simulation_exactly_at_the_threshold_meets_it_in_every_sample():
    """The discount rate is uncertain, payback is not: every sample is at 12 months."""
    scenario = Scenario(
        **{**EDGE, "discount_rate": {"low": 0.05, "likely": 0.1, "high": 0.2}},
        payback_basis="simple",
    )
    assessment = assess(scenario, samples=2_000, seed=1)
    assert assessment.simulation is not None
    assert assessment.simulation.prob_meets_threshold == 1.0


@given(
    st.floats(0.01, 1e9, allow_nan=False),
    st.integers(-3, 3),
)
def test_at_most_is_plain_comparison_beyond_the_tolerance(limit, ulps):
    """Within a few ulps of the limit it is met; clearly above (1e-8 relative) it is not."""
    near = limit
    for _ in range(abs(ulps)):
        near = np.nextafter(near, np.inf if ulps > 0 else -np.inf)
    assert at_most(near, limit) and at_least(near, limit)
    above = limit * (1 + 10 * RELATIVE_TOLERANCE)
    assert not at_most(above, limit) and at_most(limit, above)


def test_money_is_compared_to_the_cent():
    assert money_not_negative(-0.004) and not money_not_negative(-0.01)
