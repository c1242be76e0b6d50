"""Annual impact: known values worked by hand, linearity, broadcasting, scalars."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from numpy.testing import assert_allclose
from strategies import FAST, point_values

from roi.impact import (
    IMPACT_FIELDS,
    annual_impact,
    monthly_net_impact,
    running_costs,
    time_value,
)


def impact_of(values):
    """`annual_impact` of a mapping of fields; optional ones left out take their default
    (no fallbacks)."""
    return annual_impact(**{f: values[f] for f in IMPACT_FIELDS if f in values})


def test_invoice_example_from_the_issue(invoice_values):
    """The issue's example: 1,888,000 a year, 157,333.33 a month.

    By hand: 200 users x 12 tasks x 4 min = 9,600 min = 160 h a day; x $55 = $8,800 a
    day; x 230 days = $2,024,000. Running costs 60,000 + 36,000 + 40,000 = 136,000.
    Net 2,024,000 - 136,000 = 1,888,000; / 12 = 157,333.33.
    """
    impact = impact_of(invoice_values)
    assert float(impact.time_value) == pytest.approx(2_024_000, rel=1e-12)
    assert float(impact.incremental_revenue) == 0
    assert float(impact.running_costs) == 136_000
    assert float(impact.net) == pytest.approx(1_888_000, rel=1e-12)
    assert float(impact.monthly_net) == pytest.approx(157_333.33, abs=0.005)


def test_incremental_revenue_adds_to_time_value():
    """A sales copilot with revenue: net 800,000 a year, 66,666.67 a month.

    By hand: 50 users x 10 tasks x 6 min = 3,000 min = 50 h a day; x $60 = $3,000; x 200
    days = 600,000. Plus revenue 400,000, less running 100,000 + 50,000 + 50,000 =
    200,000: 600,000 + 400,000 - 200,000 = 800,000.
    """
    impact = annual_impact(50, 10, 6, 60, 200, 400_000, 100_000, 50_000, 50_000)
    assert float(impact.time_value) == pytest.approx(600_000, rel=1e-12)
    assert float(impact.incremental_revenue) == 400_000
    assert float(impact.running_costs) == 200_000
    assert float(impact.net) == pytest.approx(800_000, rel=1e-12)
    assert float(impact.monthly_net) == pytest.approx(66_666.6667, rel=1e-9)


def test_running_costs_larger_than_value_give_a_negative_net():
    """10 users x 1 task x 1 min / 60 x $60 x 230 days = 2,300 of value; less 10,000."""
    impact = annual_impact(10, 1, 1, 60, 230, 0, 10_000, 0, 0)
    assert float(impact.net) == pytest.approx(-7_700, rel=1e-12)


def test_monthly_net_impact_is_a_twelfth():
    """1,200,000 a year is 100,000 a month."""
    assert float(monthly_net_impact(1_200_000)) == 100_000


@given(values=point_values(), factor=st.floats(0, 10, allow_nan=False))
@FAST
def test_time_value_and_net_are_linear_in_users(values, factor):
    """Scaling users by k scales time value and requests by k; net moves by (k - 1) x
    (time value - what the requests cost), the other benefits and fixed costs held."""
    base = impact_of(values)
    scaled = impact_of({**values, "users": values["users"] * factor})
    usage = base.model_cost - values["model_cost_annual"]
    assert_allclose(scaled.time_value, factor * base.time_value, rtol=1e-9, atol=1e-6)
    assert_allclose(scaled.requests, factor * base.requests, rtol=1e-9, atol=1e-6)
    moved = (factor - 1) * (base.time_value - usage)
    scale = abs(base.time_value) + abs(usage) + abs(base.net)
    assert_allclose(scaled.net, base.net + moved, rtol=1e-9, atol=1e-4 + 1e-12 * factor * scale)


@given(values=point_values())
@FAST
def test_net_is_the_sum_of_its_parts(values):
    """net = time value + revenue + the realised protected revenue, reduced cost and
    mitigated risk - running costs (with the requests' cost), for any valid input."""
    impact = impact_of(values)
    v = values
    requests = v["users"] * v["tasks_per_day"] * v["requests_per_task"] * v["workdays_per_year"]
    per_request = (
        v["input_tokens_per_request"] * v["price_per_million_input_tokens"] / 1e6
        + v["output_tokens_per_request"] * v["price_per_million_output_tokens"] / 1e6
        + v["serving_cost_per_1000_requests"] / 1000
    )
    expected = (
        impact.time_value
        + v["incremental_revenue"]
        + v["protected_revenue"] * v["protected_revenue_realised"]
        + v["reduced_cost"] * v["reduced_cost_realised"]
        + v["risk_probability"] * v["risk_loss_avoided"] * v["risk_realised"]
        - running_costs(
            v["platform_cost_annual"],
            v["model_cost_annual"] + requests * per_request,
            v["support_cost_annual"],
        )
    )
    scale = abs(impact.benefits) + abs(impact.running_costs)
    assert_allclose(impact.net, expected, rtol=1e-12, atol=1e-6 + 1e-12 * float(scale))


def test_arrays_and_pandas_columns_broadcast_like_numbers(invoice_values):
    """A column of users against scalar others gives one result per row, same as scalars."""
    users = pd.Series([0.0, 100.0, 200.0])
    others = {f: invoice_values[f] for f in IMPACT_FIELDS if f in invoice_values and f != "users"}
    impact = annual_impact(users, **others)
    assert np.shape(impact.net) == (3,)
    for index, count in enumerate(users):
        one = impact_of({**invoice_values, "users": count})
        assert impact.net[index] == pytest.approx(float(one.net), rel=1e-12)
    # Revenue alone given as an array still broadcasts against scalar time value.
    assert np.shape(annual_impact(1, 1, 1, 1, 1, [0, 1]).time_value) == (2,)


def test_scalar_in_gives_scalar_out(invoice_values):
    """Every part of the impact is a numpy scalar, not a 0-d array, when inputs are numbers."""
    impact = impact_of(invoice_values)
    for part in (*impact, impact.monthly_net, time_value(1, 1, 1, 1), running_costs(1, 2, 3)):
        assert np.ndim(part) == 0
        assert not isinstance(part, np.ndarray), type(part)


def test_impact_fields_are_scenario_fields_in_order():
    """annual_impact's parameters are named like the Scenario fields, in the same order,
    so `compute` can pass a scenario's values by name."""
    from roi.scenario import NUMERIC_FIELDS

    assert set(IMPACT_FIELDS) <= set(NUMERIC_FIELDS)
    assert list(IMPACT_FIELDS) == [f for f in NUMERIC_FIELDS if f in IMPACT_FIELDS]


def test_a_20_percent_human_escalation_rate_cuts_time_value_to_the_served_share_and_adds_review(
    invoice_values,
):
    """Hand-worked (issue 34): 20% of the 2,400 invoices a day go to a person who spends
    3 minutes reviewing each. Time is saved only on the 80% served: 0.8 x $2,024,000 =
    $1,619,200; review costs 480 tasks x 3 min = 24 h a day x $55 x 230 = $303,600; the
    time value is $1,315,600 and the net $1,315,600 - $136,000 = $1,179,600."""
    base = impact_of(invoice_values)
    escalated = impact_of(
        {**invoice_values, "fallback_rate": 0.2, "review_minutes_per_fallback": 3}
    )
    review = 200 * 12 * 0.2 * 3 / 60 * 55 * 230
    assert review == pytest.approx(303_600)
    assert float(escalated.time_value) == pytest.approx(0.8 * float(base.time_value) - review)
    assert float(escalated.time_value) == pytest.approx(1_315_600)
    assert float(escalated.net) == pytest.approx(1_179_600)
    # No review time: exactly the served share; nothing falls back: nothing changes.
    served = impact_of({**invoice_values, "fallback_rate": 0.2})
    assert float(served.time_value) == pytest.approx(0.8 * 2_024_000)
    assert float(impact_of({**invoice_values, "fallback_rate": 0}).net) == float(base.net)
