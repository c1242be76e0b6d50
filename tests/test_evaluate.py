"""The one computation path: evaluate(), compute() and evaluate_table() agree with the
hand-worked example, with numpy-financial, and with each other."""

from __future__ import annotations

import math

import numpy as np
import numpy_financial as npf
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from strategies import FAST, scenario_fields, scenarios

from roi.evaluate import RESULT_COLUMNS, cash_flow_table, compute, evaluate, evaluate_table
from roi.exceptions import ScenarioError
from roi.files import load_scenario
from roi.payback import monthly_rate
from roi.scenario import Scenario, scenario_from_dict, scenarios_table
from roi.timeline import PHASES


@pytest.fixture
def invoice(invoice_fields) -> Scenario:
    return scenario_from_dict(invoice_fields)


def test_invoice_example_results_worked_by_hand(invoice):
    """The issue's example, adoption ramp 0.

    Annual impact 2,024,000 - 136,000 = 1,888,000; monthly 157,333.33; payback
    300,000 / 157,333.33 = 1.907 months (met at 12). Cumulative cash after 36 months:
    36 x 157,333.33 - 300,000 = 5,364,000. ROI: 5,364,000 / (36 x 11,333.33 + 300,000
    = 708,000) = 757.63%. Ramp-aware payback month 2 (month 1: -142,667; month 2:
    +14,667). Time to value: 16 weeks x 12 / 52 = 3.692 months to go-live, + 2 = 5.692.
    """
    results = evaluate(invoice)
    assert results.annual_impact == pytest.approx(1_888_000, rel=1e-12)
    assert results.monthly_net_impact == pytest.approx(157_333.33, abs=0.005)
    assert results.payback_months == pytest.approx(1.907, abs=5e-4)
    assert results.meets_payback_threshold is True
    assert results.one_time_cost == 300_000
    assert results.cumulative_cash_at_horizon == pytest.approx(5_364_000, rel=1e-12)
    assert results.roi_pct == pytest.approx(757.627, abs=1e-3)
    assert results.payback_month_with_ramp == 2
    assert results.time_to_value_months == pytest.approx(16 * 12 / 52 + 2, rel=1e-12)
    timeline = results.to_dict()["timeline_weeks"]
    assert timeline == {"min": 11, "likely": 16, "max": 21}


def test_built_in_example_with_its_three_month_ramp(invoice_yaml):
    """invoice_triage.yaml has a 3-month ramp: payback month 4 (cumulative -81,000 at
    month 3, +76,333.33 at month 4), 36-month cumulative 168,666.67 x 34.5 - 408,000 -
    300,000 = 5,111,000."""
    results = evaluate(load_scenario(invoice_yaml))
    assert results.payback_month_with_ramp == 4
    assert results.cumulative_cash_at_horizon == pytest.approx(5_111_000, rel=1e-12)
    cumulative = results.cash_flow["cumulative"].to_numpy()
    assert cumulative[3] == pytest.approx(-81_000)
    assert cumulative[4] == pytest.approx(76_333.33, abs=0.01)


def test_never_pays_back(invoice_fields):
    """10 users x 1 task x 1 min / 60 x $60 x 230 days = 2,300 a year against 136,000 of
    running costs: net -133,700, payback never, threshold missed, no time to value."""
    scenario = scenario_from_dict(
        {**invoice_fields, "users": 10, "tasks_per_day": 1, "minutes_saved_per_task": 1}
        | {"hourly_rate": 60}
    )
    results = evaluate(scenario)
    assert results.annual_impact == pytest.approx(-133_700)
    assert results.payback_months is None and not results.pays_back
    assert results.meets_payback_threshold is False
    assert results.payback_month_with_ramp is None
    assert results.time_to_value_months is None
    assert results.to_dict()["payback_months"] is None
    assert results.npv < 0 and results.roi_pct < 0


def test_net_exactly_zero_never_pays_back(invoice_fields):
    """1 user x 1 task x 60 minutes x $10 x 100 days = 1,000 a year, running costs 1,000."""
    scenario = scenario_from_dict(
        {
            **invoice_fields,
            "users": 1,
            "tasks_per_day": 1,
            "minutes_saved_per_task": 60,
            "hourly_rate": 10,
            "workdays_per_year": 100,
            "platform_cost_annual": 1_000,
            "model_cost_annual": 0,
            "support_cost_annual": 0,
        }
    )
    results = evaluate(scenario)
    assert results.annual_impact == 0
    assert results.payback_months is None
    assert results.meets_payback_threshold is False


def test_exactly_at_the_threshold_is_met(invoice_fields):
    """10 users x 6 tasks x 10 min = 10 h a day x $60 x 200 days = 120,000 a year, no
    running costs: 10,000 a month repays 100,000 + 20,000 in exactly 12 months."""
    scenario = scenario_from_dict(
        {
            **invoice_fields,
            "users": 10,
            "tasks_per_day": 6,
            "minutes_saved_per_task": 10,
            "hourly_rate": 60,
            "workdays_per_year": 200,
            "platform_cost_annual": 0,
            "model_cost_annual": 0,
            "support_cost_annual": 0,
            "build_cost": 100_000,
            "change_cost": 20_000,
        }
    )
    results = evaluate(scenario)
    assert results.payback_months == 12.0
    assert results.meets_payback_threshold is True
    assert results.payback_month_with_ramp == 12
    assert not evaluate(scenario.evolve(build_cost=100_001)).meets_payback_threshold


def test_incremental_revenue(invoice_fields):
    """Sales copilot: 50 x 10 x 6 min = 50 h a day x $60 x 200 days = 600,000, + 400,000
    revenue - 200,000 running = 800,000 a year; 500,000 / 66,666.67 = 7.5 months."""
    scenario = scenario_from_dict(
        {
            **invoice_fields,
            "users": 50,
            "tasks_per_day": 10,
            "minutes_saved_per_task": 6,
            "hourly_rate": 60,
            "workdays_per_year": 200,
            "incremental_revenue": 400_000,
            "platform_cost_annual": 100_000,
            "model_cost_annual": 50_000,
            "support_cost_annual": 50_000,
            "build_cost": 400_000,
            "change_cost": 100_000,
        }
    )
    results = evaluate(scenario)
    assert results.incremental_revenue == 400_000
    assert results.annual_impact == pytest.approx(800_000, rel=1e-12)
    assert results.payback_months == pytest.approx(7.5, rel=1e-12)
    assert results.meets_payback_threshold is True


def test_ranges_are_evaluated_at_their_likely_value(invoice_fields):
    """A range's likely value is the point the results use."""
    ranged = scenario_from_dict({**invoice_fields, "users": {"low": 1, "likely": 200, "high": 900}})
    assert evaluate(ranged).annual_impact == pytest.approx(1_888_000, rel=1e-12)


@given(
    fields=scenario_fields(),
    rate=st.sampled_from([0.0, 0.05, 0.10, 0.25, 1.0]),
)
@FAST
def test_npv_equals_numpy_financial_on_the_cash_flow_table(fields, rate):
    """Oracle: npf.npv((1 + r) ** (1/12) - 1, monthly net cash flows from month 0); and the
    ramp-aware payback month is the table's first month with cumulative cash >= 0."""
    scenario = Scenario(**{**fields, "discount_rate": rate})
    results = evaluate(scenario)
    table = results.cash_flow
    expected = npf.npv((1 + rate) ** (1 / 12) - 1, table["net"].to_numpy())
    scale = float(np.abs(table["net"]).sum()) + 1
    assert results.npv == pytest.approx(expected, rel=1e-9, abs=1e-9 * scale)
    assert float(table["discounted"].sum()) == pytest.approx(expected, rel=1e-9, abs=1e-9 * scale)
    # The ramp-aware payback month is where the table's cumulative cash turns >= 0.
    month, cumulative = results.payback_month_with_ramp, table["cumulative"].to_numpy()
    if month is not None and month < len(cumulative):
        assert cumulative[month] >= -1e-9 * scale
        assert np.all(cumulative[:month] < 1e-9 * scale)
    elif month is None:
        assert np.all(cumulative[1:] < 1e-9 * scale)


def test_cash_flow_table_columns(invoice_yaml):
    """Month 0 holds the one-time costs; net = benefit - running - one-time; cumulative is
    the running sum and ends at the horizon's cumulative cash; adoption shares sum to
    the months of benefit delivered (36 - 3 / 2 = 34.5)."""
    results = evaluate(load_scenario(invoice_yaml))
    table = results.cash_flow
    assert table["month"].tolist() == list(range(37))
    assert table.loc[0, "one_time_cost"] == 300_000 and table.loc[0, "net"] == -300_000
    net = table["benefit"] - table["running_cost"] - table["one_time_cost"]
    np.testing.assert_allclose(table["net"], net, rtol=1e-12, atol=1e-6)
    np.testing.assert_allclose(table["cumulative"], np.cumsum(table["net"]), rtol=1e-12)
    assert table["cumulative"].iloc[-1] == pytest.approx(results.cumulative_cash_at_horizon)
    assert table["adoption"].sum() == pytest.approx(34.5)
    discount = (1 + float(monthly_rate(0.10))) ** -table["month"]
    np.testing.assert_allclose(table["discounted"], table["net"] * discount, rtol=1e-12)


def test_cash_flow_table_is_the_shared_engine(invoice):
    """cash_flow_table works from compute()'s output (the one computation path)."""
    raw = compute(invoice.point_values())
    table = cash_flow_table(invoice, raw)
    assert float(table["net"].iloc[1]) == pytest.approx(157_333.33, abs=0.005)


@given(fields=st.lists(scenario_fields(), min_size=1, max_size=4))
@FAST
def test_evaluate_table_rows_equal_evaluate(fields):
    """Each row of one vectorized evaluate_table call equals evaluate() of its scenario
    (standard parallel timeline, so no phase overrides)."""
    scenarios = [Scenario(**{**f, "governance": "parallel", "phase_weeks": {}}) for f in fields]
    table = evaluate_table(scenarios_table(scenarios))
    assert list(table.columns) == list(RESULT_COLUMNS)
    for index, scenario in enumerate(scenarios):
        row = table.iloc[index]
        one = evaluate(scenario)
        pairs = {
            "time_value": one.time_value,
            "incremental_revenue_value": one.incremental_revenue,
            "running_costs": one.running_costs,
            "annual_impact": one.annual_impact,
            "monthly_net_impact": one.monthly_net_impact,
            "one_time_cost": one.one_time_cost,
            "payback_months": one.payback_months,
            "npv": one.npv,
            "roi_pct": one.roi_pct,
            "payback_month_with_ramp": one.payback_month_with_ramp,
            "weeks_to_go_live": one.timeline.likely_weeks,
            "time_to_value_months": one.time_to_value_months,
            "cumulative_cash_at_horizon": one.cumulative_cash_at_horizon,
        }
        for column, expected in pairs.items():
            got = float(row[column])
            if expected is None:  # evaluate says None where the table holds inf
                assert math.isinf(got), column
            else:
                assert got == pytest.approx(expected, rel=1e-12, abs=1e-9), column
        assert bool(row["meets_payback_threshold"]) is one.meets_payback_threshold


def test_compute_scalar_in_gives_scalar_out(invoice_values):
    """Numbers in: every result is a numpy scalar, not a 0-d array."""
    for name, value in compute(invoice_values).items():
        assert np.ndim(value) == 0, name
        assert not isinstance(value, np.ndarray), name


def test_compute_broadcasts_columns(invoice_values):
    """A column for one field and numbers for the others give one result per row (results
    that do not depend on it, like one-time cost, may stay numbers that broadcast)."""
    results = compute({**invoice_values, "users": np.array([0.0, 200.0])})
    assert np.broadcast_shapes(*(np.shape(v) for v in results.values())) == (2,)
    for name in ("annual_impact", "payback_months", "npv", "roi_pct", "payback_month_with_ramp"):
        assert np.shape(results[name]) == (2,), name
    assert results["annual_impact"].tolist() == pytest.approx([-136_000, 1_888_000])


def test_to_dict_is_json_ready(invoice):
    """Plain floats, bools and None; the CLI's contract keys present."""
    data = evaluate(invoice).to_dict()
    for key in (
        "name",
        "annual_impact",
        "monthly_net_impact",
        "payback_months",
        "meets_payback_threshold",
        "npv",
        "roi_pct",
        "timeline_weeks",
    ):
        assert key in data
    assert type(data["annual_impact"]) is float
    assert type(data["meets_payback_threshold"]) is bool


# --- tables of scenarios: malformed input ---------------------------------------------


def table_of(invoice_values, **columns) -> pd.DataFrame:
    return pd.DataFrame({**{k: [v, v] for k, v in invoice_values.items()}, **columns})


def table_problems(table: pd.DataFrame) -> list[str]:
    with pytest.raises(ScenarioError) as caught:
        evaluate_table(table)
    return [str(p) for p in caught.value.problems]


@pytest.mark.parametrize(
    ("column", "cells", "expected"),
    [
        ("users", [200, -5], "table row 1: 'users' must be a number >= 0: got -5"),
        (
            "users",
            [200, "lots"],
            "table row 1: 'users' must be a number (1500, 1,500, 2k, $70, 1.2M or 10%): got 'lots'",
        ),
        ("users", [200, "1,5k"], "table row 1: 'users' reads two ways: 1.5k with a decimal"),
        ("users", [True, 200], "table row 0: 'users' must be a number >= 0: got True"),
        ("users", [np.nan, 200], "table row 0: 'users' must be a number >= 0: got nan"),
        ("hourly_rate", [55, np.inf], "table row 1: 'hourly_rate' must be a number >= 0: got inf"),
        (
            "workdays_per_year",
            [367, 0],
            "table row 0: 'workdays_per_year' must be a number from 1 to 366: got 367",
        ),
        (
            "horizon_months",
            [12.5, 36],
            "table row 0: 'horizon_months' must be a whole number from 1 to 120: got 12.5",
        ),
        (
            "discount_rate",
            [0.1, 150],  # 150 reads as 150% (above 1 is a percent): past 100%
            "table row 1: 'discount_rate' must be a percent from 0% to 100%",
        ),
        (
            "payback_threshold_months",
            [0, 12],
            "table row 0: 'payback_threshold_months' must be a number > 0: got 0",
        ),
    ],
)
def test_evaluate_table_rejects_bad_cells(invoice_values, column, cells, expected):
    """Each bad cell is named by row label, field, value and rule."""
    problems = table_problems(table_of(invoice_values, **{column: cells}))
    assert problems[0].startswith(expected), problems[0]


def test_evaluate_table_rejects_bool_columns(invoice_values):
    """A column of true/false is not a number of users."""
    problems = table_problems(table_of(invoice_values, users=[True, False]))
    assert problems == [
        "table row 0: 'users' must be a number >= 0: got True",
        "table row 1: 'users' must be a number >= 0: got False",
    ]


def test_evaluate_table_unknown_and_missing_columns(invoice_values):
    """A misspelled column is named with a suggestion; a missing required one as required."""
    table = table_of(invoice_values, userz=[1, 2]).drop(columns=["build_cost"])
    assert table_problems(table) == [
        "table: 'userz' is not a scenario column (did you mean 'users'?)",
        "table: 'build_cost' is required (no such column)",
    ]


def test_evaluate_table_day_limit_and_problem_limit(invoice_values):
    """More minutes than a day has is caught per row; past 20 problems the rest are counted."""
    table = table_of(invoice_values)
    table = pd.concat([table] * 15, ignore_index=True)  # 30 rows
    table["tasks_per_day"] = 100
    table["minutes_saved_per_task"] = 15
    with pytest.raises(ScenarioError) as caught:
        evaluate_table(table)
    problems = [str(p) for p in caught.value.problems]
    assert problems[0] == (
        "table row 0: 'tasks_per_day x minutes_saved_per_task' must not exceed 1440 minutes "
        "(24 hours) saved per user per day: got 1500.0"
    )
    assert len(problems) == 20
    assert caught.value.hidden == 10
    message = str(caught.value)
    assert message.startswith("30 problems in the scenario input:")
    assert message.endswith("  - ... and 10 more not listed")


def test_inputs_too_large_to_compute_are_refused(invoice_fields):
    """1e308 + 1e308 of one-time costs overflows to inf: a ScenarioError naming the inputs
    to change and the result that cannot be computed (before: only the result,
    'one_time_cost'), not 'never' or an inf that JSON cannot hold."""
    scenario = scenario_from_dict({**invoice_fields, "build_cost": 1e308, "change_cost": 1e308})
    with pytest.raises(ScenarioError) as caught:
        evaluate(scenario)
    problems = [str(p) for p in caught.value.problems]
    tail = (
        "is too large: the results cannot be computed (one_time_cost, npv, "
        "cumulative_cash_at_horizon overflows); allowed: a value whose results stay finite: "
        "got 1e+308"
    )
    assert problems == [
        f"scenario 'Invoice triage assistant': '{name}' {tail}"
        for name in ("build_cost", "change_cost")
    ]


def test_compute_fills_in_optional_defaults(invoice_values):
    """Only the required fields: workdays 230, threshold 12 etc. are the defaults; a
    missing required field is named."""
    required = {
        k: v
        for k, v in invoice_values.items()
        if k
        not in (
            "workdays_per_year",
            "incremental_revenue",
            "payback_threshold_months",
            "adoption_months",
            "discount_rate",
            "horizon_months",
        )
    }
    full = compute(invoice_values)
    partial = compute(required)
    for name in full:
        assert float(partial[name]) == pytest.approx(float(full[name]), rel=1e-12), name
    del required["users"]
    with pytest.raises(KeyError, match="'users'"):
        compute(required)


@FAST
@given(scenario=scenarios(with_ranges=False), data=st.data())
def test_stretching_a_critical_phase_by_a_week_costs_the_cost_of_delay(scenario, data):
    """One more week in any phase on the critical path moves go-live a week: NPV at the
    decision falls by exactly the reported cost of delay; a phase off the path moves
    go-live by no more than the slack it had. With every operating month profitable, a
    longer plan is never worth more."""
    before = evaluate(scenario)
    phases = {row.id: row for row in before.timeline.phases}
    chosen = data.draw(st.sampled_from([phase.id for phase in PHASES]))  # overridable ones
    weeks = dict(scenario.phase_weeks)
    weeks[chosen] = phases[chosen].likely_weeks + 1
    after = evaluate(scenario.evolve(phase_weeks=weeks))
    moved = after.timeline.likely_weeks - before.timeline.likely_weeks
    scale = abs(before.npv_at_decision) + before.one_time_cost + abs(before.annual_impact) * 10
    if chosen in before.timeline.critical_path:
        assert moved == pytest.approx(1.0)
        expected = before.npv_at_decision - before.cost_of_delay_per_week
        assert after.npv_at_decision == pytest.approx(expected, rel=1e-9, abs=1e-9 * scale)
    else:  # off the path it may become critical, but it moves go-live a week at most
        assert -1e-12 <= moved <= 1 + 1e-12
    if scenario.value("adoption_months") == 0 and before.monthly_net_impact > 0:
        assert before.cost_of_delay_per_week >= -1e-9 * scale
        assert after.npv_at_decision <= before.npv_at_decision + 1e-9 * scale
