"""Tests for roi.sensitivity: tornado, break-even frame, scenario comparison."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from conftest import INVOICE_VALUES, SCENARIOS_DIR
from hypothesis import given, settings
from numpy.testing import assert_allclose
from strategies import scenarios

from roi.evaluate import evaluate, evaluate_table
from roi.scenario import FIELD_SPECS, NUMERIC_FIELDS, scenario_from_dict
from roi.sensitivity import (
    COMPARE_COLUMNS,
    TORNADO_COLUMNS,
    SensitivityError,
    break_even_frame,
    compare,
    required_annual_impact,
    tornado,
)

# The invoice-triage example by hand: each user saves 12 x 4 / 60 h x $55 x 230 days =
# $10,120 a year; running costs $136,000 a year; one-time costs $300,000.
PER_USER = 10_120
RUNNING = 136_000


def with_fields(invoice_fields: dict, **changes):
    return scenario_from_dict({**invoice_fields, **changes})


# --- tornado --------------------------------------------------------------------------


def test_tornado_annual_impact_worked_by_hand(invoice_fields):
    """Users 100-250: impact 10,120 x users - 136,000 gives $876,000 to $2,394,000 (swing
    $1,518,000); minutes 3-5: $1,382,000 to $2,394,000 (swing $1,012,000), so users first."""
    scenario = with_fields(
        invoice_fields,
        minutes_saved_per_task={"low": 3, "likely": 4, "high": 5},
        users={"low": 100, "likely": 200, "high": 250},
    )
    frame = tornado(scenario, "annual_impact")
    assert list(frame.columns) == list(TORNADO_COLUMNS)
    assert frame["field"].tolist() == ["users", "minutes_saved_per_task"]
    assert_allclose(frame["result_low"], [876_000, 1_382_000])
    assert_allclose(frame["result_high"], [2_394_000, 2_394_000])
    assert_allclose(frame["swing"], [1_518_000, 1_012_000])
    assert_allclose(frame["base"], 1_888_000)
    assert frame["label"].tolist() == ["Users", "Minutes saved per task"]
    assert frame.attrs["metric"] == "annual_impact"


def test_tornado_payback_never_is_an_infinite_swing_and_comes_first(invoice_fields):
    """A low that can never pay back (13 users < 13.4 needed to cover running costs)
    outweighs any finite swing."""
    scenario = with_fields(
        invoice_fields,
        users={"low": 13, "likely": 200, "high": 210},
        build_cost={"low": 100_000, "likely": 250_000, "high": 2_000_000},
    )
    frame = tornado(scenario)  # payback by default
    assert frame["field"].tolist() == ["users", "build_cost"]
    assert math.isinf(frame.loc[0, "result_low"]) and math.isinf(frame.loc[0, "swing"])
    # build cost 2,050,000 one-time over 1,888,000 / 12 a month
    assert frame.loc[1, "result_high"] == pytest.approx(2_050_000 / (1_888_000 / 12))


def test_tornado_with_never_at_both_ends_has_no_swing(invoice_fields):
    """Never paying back at the low and at the high is no change at all."""
    scenario = with_fields(
        invoice_fields,
        users=1,
        hourly_rate={"low": 40, "likely": 55, "high": 70},
        build_cost={"low": 200_000, "likely": 250_000, "high": 300_000},
    )
    frame = tornado(scenario, "payback_months")
    assert (frame["swing"] == 0).all()
    assert np.isinf(frame["result_low"]).all()


def test_tornado_without_ranges_is_empty(invoice_fields):
    """No uncertain input, no bars (but the same columns)."""
    frame = tornado(scenario_from_dict(invoice_fields), "npv")
    assert frame.empty and list(frame.columns) == list(TORNADO_COLUMNS)


def test_tornado_refuses_unknown_metrics(invoice_fields):
    """The metric must be one the inputs can move."""
    with pytest.raises(SensitivityError, match="metric must be one of"):
        tornado(scenario_from_dict(invoice_fields), "weeks_to_go_live")


@settings(max_examples=20, deadline=None)
@given(scenario=scenarios())
def test_tornado_rows_are_what_evaluate_gives_at_each_end(scenario):
    """One computation path: each bar's end is evaluate() of the scenario with that input
    at its low or high (and the base is evaluate() at likely values)."""
    for metric in ("npv", "annual_impact"):
        frame = tornado(scenario, metric)
        base = getattr(evaluate(scenario), metric)
        assert_allclose(frame["base"], base, rtol=1e-12)
        assert (frame["swing"].diff().dropna() <= 0).all()  # sorted by swing
    frame = tornado(scenario, "npv")
    for row in frame.head(3).itertuples():
        point = scenario.evolve(**{row.field: row.low})
        assert evaluate(point).npv == pytest.approx(row.result_low, rel=1e-9, abs=1e-6)


# --- break-even --------------------------------------------------------------------------


def test_break_even_frame_worked_by_hand(invoice_fields):
    """Users break even at (300,000 + 136,000) / 10,120 = 43.08, 78.5% below 200."""
    frame = break_even_frame(scenario_from_dict(invoice_fields))
    assert frame["field"].tolist() == list(NUMERIC_FIELDS)
    users = frame.set_index("field").loc["users"]
    assert users["break_even"] == pytest.approx(436_000 / PER_USER)
    assert users["distance_pct"] == pytest.approx((436_000 / PER_USER - 200) / 200 * 100)
    assert users["direction"] == "at least" and users["unit"] == FIELD_SPECS["users"].unit
    # build cost may rise until payback = 12 months: 12 x 1,888,000 / 12 - 50,000.
    build = frame.set_index("field").loc["build_cost"]
    assert build["break_even_value"] == pytest.approx(1_888_000 - 50_000)


def test_break_even_frame_says_none_with_the_reason(invoice_fields):
    """Inputs that cannot reach the threshold say "none" and why, never a number."""
    frame = break_even_frame(scenario_from_dict(invoice_fields)).set_index("field")
    rate = frame.loc["discount_rate"]
    assert rate["break_even"] == "none"
    assert math.isnan(rate["break_even_value"]) and math.isnan(rate["distance_pct"])
    assert "does not change payback" in rate["reason"]
    revenue = frame.loc["incremental_revenue"]
    assert revenue["break_even"] == "none" and "even with no revenue" in revenue["reason"]


# --- comparison ------------------------------------------------------------------------


def test_compare_differences_from_the_baseline_worked_by_hand(invoice_fields):
    """300 users instead of 200 add 100 x $10,120 = $1,012,000 a year."""
    base = scenario_from_dict(invoice_fields)
    bigger = base.evolve(name="More users", users=300)
    frame = compare([base, bigger])
    assert frame["name"].tolist() == ["Invoice triage assistant", "More users"]
    assert frame["baseline"].tolist() == [True, False]
    assert frame.loc[1, "annual_impact_vs_baseline"] == pytest.approx(100 * PER_USER)
    assert frame.loc[0, "annual_impact_vs_baseline"] == 0
    expected = 300_000 / ((300 * PER_USER - RUNNING) / 12) - 300_000 / (1_888_000 / 12)
    assert frame.loc[1, "payback_months_vs_baseline"] == pytest.approx(expected)
    assert set(COMPARE_COLUMNS) <= set(frame.columns)
    assert frame.attrs["baseline"] == "Invoice triage assistant"


def test_compare_baseline_by_name_and_never_paying_back(invoice_fields):
    """A baseline named; never vs never is no difference, never vs some is infinite."""
    base = scenario_from_dict(invoice_fields)
    dead = base.evolve(name="Dead", users=1)
    deader = base.evolve(name="Deader", users=2)
    frame = compare([base, dead, deader], baseline="Dead").set_index("name")
    assert frame.loc["Deader", "payback_months_vs_baseline"] == 0
    assert frame.loc["Invoice triage assistant", "payback_months_vs_baseline"] == -math.inf
    assert frame.loc["Deader", "annual_impact_vs_baseline"] == pytest.approx(PER_USER)


def test_compare_a_table_matches_evaluate_table(invoice_values):
    """A DataFrame is evaluated by evaluate_table; names come from its name column."""
    table = pd.DataFrame([invoice_values, {**invoice_values, "build_cost": 500_000}])
    table.insert(0, "name", ["A", "B"])
    frame = compare(table, baseline=-1)
    expected = evaluate_table(table.drop(columns="name"))
    assert_allclose(frame["npv"], expected["npv"])
    assert frame["baseline"].tolist() == [False, True]
    assert frame.loc[0, "one_time_cost_vs_baseline"] == -250_000


def test_compare_a_scenario_file_keeps_each_timeline(tmp_path):
    """Scenarios from a file; a scenario with a longer plan has a later time to value."""
    from roi.files import load_scenarios

    frame = compare(load_scenarios(SCENARIOS_DIR / "portfolio.csv"))
    assert len(frame) >= 2 and frame["baseline"].sum() == 1
    with pytest.raises(SensitivityError, match="read the file first"):
        compare(SCENARIOS_DIR / "portfolio.csv")  # the calculators read no files
    base = scenario_from_dict({"name": "Plan", **INVOICE_VALUES})
    slow = base.evolve(name="Slow plan", phase_weeks={"rollout": 10})
    frame = compare([base, slow])
    assert frame.loc[1, "weeks_to_go_live_vs_baseline"] == pytest.approx(10 - 3)


@pytest.mark.parametrize(
    ("source", "baseline", "fragment"),
    [
        ([], 0, "at least one scenario"),
        (pd.DataFrame(), 0, "the table is empty"),
        ("one", 0, "not a file name .* read the file first"),
        (42, 0, "got a int"),
        (["not a scenario"], 0, "got a str among them"),
        (None, 5, "baseline row must be from 0 to 0"),
        (None, "Nobody", "'Nobody' is not one of the scenarios"),
        (None, 1.5, "a row number or a scenario name"),
    ],
)
def test_compare_refuses_what_it_cannot_compare(invoice_fields, source, baseline, fragment):
    """Bad sources and baselines get a message, not a traceback from pandas."""
    if source is None:
        source = [scenario_from_dict(invoice_fields)]
    with pytest.raises(ValueError, match=fragment):
        compare(source, baseline=baseline)


def test_required_annual_impact_is_the_inverse_of_payback():
    """Payback of one-time cost over required impact / 12 is exactly the threshold."""
    needed = required_annual_impact(np.array([300_000, 90_000]), np.array([12, 6]))
    assert_allclose(np.array([300_000, 90_000]) / (needed / 12), [12, 6])
