"""Payback, cash flow with adoption, NPV and ROI: hand-worked values and invariants."""

from __future__ import annotations

import math

import numpy as np
import numpy_financial as npf
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from numpy.testing import assert_allclose
from strategies import FAST, field_values

from roi.payback import (
    adopted_months,
    cost_of_delay_per_week,
    cumulative_cash,
    decision_cash_flows,
    discounted_payback,
    irr_annual,
    meets_threshold,
    monthly_cash_flows,
    monthly_rate,
    npv,
    npv_at_decision,
    payback_months,
    ramp_payback_month,
    roi_pct,
    weeks_to_months,
)

# --- simple payback -----------------------------------------------------------------


def test_invoice_example_pays_back_in_1_907_months():
    """(250,000 + 50,000) / (1,888,000 / 12) = 300,000 / 157,333.33 = 1.9068 months."""
    months = payback_months(250_000 + 50_000, 1_888_000 / 12)
    assert float(months) == pytest.approx(1.907, abs=5e-4)
    assert bool(meets_threshold(months, 12))


@pytest.mark.parametrize("monthly_net", [-7_700 / 12, 0.0, -0.0, -1e-12])
def test_never_pays_back_when_monthly_net_is_not_positive(monthly_net):
    """Payback is inf (never), not a division error, and misses any threshold."""
    months = payback_months(300_000, monthly_net)
    assert math.isinf(float(months)) and float(months) > 0
    assert not bool(meets_threshold(months, 12))
    assert not bool(meets_threshold(months, 1e9))


def test_nothing_to_repay_pays_back_at_once():
    """No one-time cost and a positive net: payback 0 months."""
    assert float(payback_months(0, 10)) == 0.0


def test_exactly_at_threshold_counts_as_met():
    """120,000 of one-time costs at 10,000 a month is exactly 12 months: met at 12.

    The net comes from 10 users x 6 tasks x 10 min = 600 min = 10 h a day, x $60 x 200
    days = 120,000 a year, no running costs: 10,000 a month. One dollar more misses.
    """
    annual_net = 10 * 6 * 10 / 60 * 60 * 200
    assert annual_net == 120_000
    months = payback_months(100_000 + 20_000, annual_net / 12)
    assert float(months) == 12.0
    assert bool(meets_threshold(months, 12))
    assert not bool(meets_threshold(payback_months(120_001, annual_net / 12), 12))


def test_payback_vectorized_over_a_column():
    """One call over an array gives each row's payback, inf where it never pays back."""
    months = payback_months([300_000, 300_000, 0], [150_000, -1, 5])
    assert months.tolist() == [2.0, math.inf, 0.0]


@given(
    one_time=field_values("build_cost"),
    net=st.one_of(
        st.sampled_from([0.0, -0.0, 0.01, -0.01]),
        st.floats(-1e6, 1e6, allow_nan=False).filter(lambda net: abs(net) >= 0.01),
    ),
)
@FAST
def test_payback_is_never_iff_monthly_net_is_not_positive(one_time, net):
    """inf exactly when monthly net <= 0; otherwise finite and >= 0 (nets of a cent or more:
    below ~1e-300 a month the division overflows to inf, which is never in practice)."""
    months = float(payback_months(one_time, net))
    assert math.isinf(months) == (net <= 0)
    if net > 0:
        assert 0 <= months < math.inf


@given(
    one_time=field_values("build_cost"),
    minutes=st.lists(field_values("minutes_saved_per_task"), min_size=2, max_size=6),
    running=field_values("platform_cost_annual"),
)
@FAST
def test_payback_falls_as_minutes_saved_rise(one_time, minutes, running):
    """More minutes saved never lengthens payback (200 users x 12 tasks x $55 x 230 days)."""
    minutes = np.sort(np.asarray(minutes))
    net = (200 * 12 * minutes / 60 * 55 * 230 - running) / 12
    months = payback_months(one_time, net)
    for shorter, longer in zip(months[1:], months[:-1], strict=True):
        assert shorter <= longer * (1 + 1e-12)  # inf <= inf holds: never stays never


# --- adoption ramp and cash flow ----------------------------------------------------


def test_adopted_months_of_a_two_month_ramp():
    """Ramp over 2 months: share t/2, so delivered benefit is t^2/4 in the ramp, t - 1 after."""
    assert adopted_months([0, 1, 2, 3], 2).tolist() == [0.0, 0.25, 1.0, 2.0]


def test_cash_flows_without_a_ramp():
    """-one-time costs in month 0, then benefit - running costs every month."""
    assert monthly_cash_flows(1_000, 600, 100, 0, 3).tolist() == [-1_000, 500, 500, 500]


def test_ramp_payback_after_the_ramp_worked_by_hand():
    """C = 1,000, B = 600 a month, K = 100 a month, 2-month ramp: month 4.

    In the ramp cumulative = 600 t^2 / 4 - 100 t - 1,000 (-600 at t = 2); after it
    600 (t - 1) - 100 t - 1,000 = 500 t - 1,600, zero at t = 3.2. Month 3: -100,
    month 4: +400. Month flows: 150 - 100, 450 - 100, 600 - 100, 600 - 100.
    """
    flows = monthly_cash_flows(1_000, 600, 100, 2, 4)
    assert_allclose(flows, [-1_000, 50, 350, 500, 500])
    assert_allclose(np.cumsum(flows), [-1_000, -950, -600, -100, 400])
    assert float(ramp_payback_month(1_000, 600, 100, 2)) == 4
    assert float(cumulative_cash(3.2, 1_000, 600, 100, 2)) == pytest.approx(0, abs=1e-9)


def test_ramp_payback_within_the_ramp_worked_by_hand():
    """C = 100, B = 600, no running cost, 4-month ramp: 600 t^2 / 8 = 75 t^2 = 100 at
    t = 1.155, so month 2 (month 1: 75 - 100 = -25; month 2: 300 - 100 = +200)."""
    assert float(ramp_payback_month(100, 600, 0, 4)) == 2
    assert float(cumulative_cash(2 / math.sqrt(3), 100, 600, 0, 4)) == pytest.approx(0, abs=1e-9)


def test_ramp_payback_of_the_invoice_example():
    """Invoice example, benefit 2,024,000 / 12 = 168,666.67, running 11,333.33 a month.

    No ramp: month 1 -300,000 + 157,333 < 0, month 2 +14,667: month 2.
    3-month ramp: at t = 3, 168,666.67 x 1.5 - 34,000 - 300,000 = -81,000; at t = 4,
    168,666.67 x 2.5 - 45,333.33 - 300,000 = +76,333.33: month 4.
    """
    benefit, running = 2_024_000 / 12, 136_000 / 12
    assert ramp_payback_month(300_000, benefit, running, [0, 3]).tolist() == [2, 4]
    assert float(cumulative_cash(3, 300_000, benefit, running, 3)) == pytest.approx(-81_000)
    assert float(cumulative_cash(4, 300_000, benefit, running, 3)) == pytest.approx(76_333.33)


def test_ramp_payback_never_when_running_costs_eat_the_benefit():
    """Benefit 100 a month against running 100 a month never repays anything."""
    assert math.isinf(float(ramp_payback_month(1_000, 100, 100, 3)))
    assert math.isinf(float(ramp_payback_month(1_000, 50, 100, 0)))


@st.composite
def cash_flow_inputs(draw):
    one_time = draw(st.floats(1, 5e6, allow_nan=False))
    running = draw(st.floats(0, 2e5, allow_nan=False))
    benefit = draw(st.floats(0, 1e6, allow_nan=False))
    ramp = draw(
        st.one_of(st.just(0.0), st.integers(1, 24).map(float), field_values("adoption_months"))
    )
    return one_time, benefit, running, ramp


@given(inputs=cash_flow_inputs())
@FAST
def test_ramp_payback_closed_form_matches_the_month_by_month_cash_flow(inputs):
    """The closed form is the first month whose cumulative cash is >= 0 (within 120 months)."""
    one_time, benefit, running, ramp = inputs
    month = float(ramp_payback_month(one_time, benefit, running, ramp))
    horizon = 120
    cumulative = np.cumsum(monthly_cash_flows(one_time, benefit, running, ramp, horizon))
    tolerance = 1e-9 * (one_time + (benefit + running) * horizon)
    if benefit <= running:
        assert math.isinf(month)
        assert np.all(cumulative < tolerance)
        return
    assume(month <= horizon)
    m = int(month)
    assert m == month and m >= 1
    assert cumulative[m] >= -tolerance
    assert np.all(cumulative[:m] < tolerance)


@given(inputs=cash_flow_inputs(), months=st.integers(0, 120))
@FAST
def test_cumulative_cash_closed_form_equals_the_sum_of_monthly_flows(inputs, months):
    """cumulative_cash(t) is the running sum of monthly_cash_flows up to month t."""
    one_time, benefit, running, ramp = inputs
    flows = monthly_cash_flows(one_time, benefit, running, ramp, months)
    expected = float(np.sum(flows))
    scale = one_time + (benefit + running) * max(months, 1)
    got = float(cumulative_cash(months, one_time, benefit, running, ramp))
    assert got == pytest.approx(expected, abs=1e-9 * scale)


# --- NPV and ROI --------------------------------------------------------------------


def test_monthly_rate_compounds_to_the_annual_rate():
    """(1 + i)^12 = 1 + r: 10% a year is 0.7974% a month."""
    assert (1 + float(monthly_rate(0.10))) ** 12 == pytest.approx(1.10, rel=1e-12)
    assert float(monthly_rate(0.10)) == pytest.approx(0.0079741, abs=1e-7)


def test_npv_worked_by_hand():
    """-100 now, +60 in months 1 and 2: 20 at 0%; at 12% a year (i = 0.9489% a month)
    -100 + 60 / 1.009489 + 60 / 1.009489^2 = -100 + 59.436 + 58.877 = 18.31."""
    assert float(npv(100, 70, 10, 0, 0.0, 2)) == pytest.approx(20.0, abs=1e-12)
    assert float(npv(100, 70, 10, 0, 0.12, 2)) == pytest.approx(18.31, abs=0.005)


@given(
    inputs=cash_flow_inputs(),
    rate=field_values("discount_rate"),
    horizon=field_values("horizon_months"),
)
@FAST
def test_npv_equals_numpy_financial_npv(inputs, rate, horizon):
    """Oracle: numpy_financial.npv at the monthly rate over the month-by-month cash flow."""
    one_time, benefit, running, ramp = inputs
    flows = monthly_cash_flows(one_time, benefit, running, ramp, int(horizon))
    expected = npf.npv(float(monthly_rate(rate)), flows)
    got = float(npv(one_time, benefit, running, ramp, rate, horizon))
    scale = one_time + (benefit + running) * horizon
    assert got == pytest.approx(expected, rel=1e-9, abs=1e-9 * scale)


def test_npv_of_rows_with_different_horizons_in_one_call():
    """Each row stops at its own horizon: a 1-month and a 3-month row in one array."""
    got = npv([100, 100], 60, 10, 0, 0.0, [1, 3])
    assert got.tolist() == [-50.0, 50.0]


def test_roi_pct_worked_by_hand():
    """Invoice example over 36 months, no ramp: benefits 168,666.67 x 36 = 6,072,000;
    spend 11,333.33 x 36 + 300,000 = 708,000; (6,072,000 - 708,000) / 708,000 = 757.63%.
    With a 3-month ramp benefits are 168,666.67 x 34.5 = 5,819,000: 721.89%."""
    benefit, running = 2_024_000 / 12, 136_000 / 12
    assert float(roi_pct(300_000, benefit, running, 0, 36)) == pytest.approx(757.627, abs=1e-3)
    assert float(roi_pct(300_000, benefit, running, 3, 36)) == pytest.approx(721.893, abs=1e-3)


def test_roi_pct_when_nothing_is_spent():
    """No spend: inf when something is gained, 0 when nothing is."""
    assert math.isinf(float(roi_pct(0, 10, 0, 0, 12)))
    assert float(roi_pct(0, 0, 0, 0, 12)) == 0.0


def test_weeks_to_months():
    """52 weeks are 12 months: 13 weeks are 3 months."""
    assert float(weeks_to_months(13)) == pytest.approx(3.0)


def test_scalar_in_gives_scalar_out():
    """Numbers in, numpy scalars (not 0-d arrays) out, for every calculator."""
    outputs = [
        payback_months(1, 1),
        meets_threshold(1, 2),
        adopted_months(1, 2),
        npv(1, 2, 0, 0, 0.1, 3),
        cumulative_cash(1, 1, 1, 0, 0),
        ramp_payback_month(1, 2, 0, 1),
        roi_pct(1, 2, 0, 0, 3),
        monthly_rate(0.1),
        weeks_to_months(4),
    ]
    for value in outputs:
        assert np.ndim(value) == 0
        assert not isinstance(value, np.ndarray), type(value)


@given(inputs=cash_flow_inputs(), longer=field_values("adoption_months"))
@FAST
def test_a_longer_ramp_never_brings_payback_sooner(inputs, longer):
    """Benefits arrive later on a longer ramp, so the payback month cannot come earlier;
    with no ramp it is the simple payback rounded up to a whole month."""
    one_time, benefit, running, ramp = inputs
    shorter, longer = sorted((ramp, longer))
    early = float(ramp_payback_month(one_time, benefit, running, shorter))
    late = float(ramp_payback_month(one_time, benefit, running, longer))
    assert late >= early
    simple = float(payback_months(one_time, benefit - running))
    no_ramp = float(ramp_payback_month(one_time, benefit, running, 0))
    assert no_ramp == (math.ceil(simple - 1e-9) if math.isfinite(simple) else math.inf)


# --- value as of the decision ----------------------------------------------------------


@given(
    inputs=cash_flow_inputs(),
    rate=field_values("discount_rate"),
    horizon=st.integers(1, 120),
    delay=st.integers(0, 12),
)
@FAST
def test_npv_at_decision_equals_numpy_financial_with_go_live_delayed(inputs, rate, horizon, delay):
    """Oracle at a whole-month go-live D: the one-time costs in month 0, nothing in months
    1..D, then the operating months until the horizon, numpy_financial.npv discounting."""
    one_time, benefit, running, ramp = inputs
    operating = max(horizon - delay, 0)
    ops = monthly_cash_flows(0.0, benefit, running, ramp, operating)[1:]
    flows = np.concatenate([[-one_time], np.zeros(min(delay, horizon)), ops])
    expected = npf.npv(float(monthly_rate(rate)), flows)
    got = float(npv_at_decision(one_time, benefit, running, ramp, rate, horizon, delay))
    scale = one_time + (benefit + running) * horizon
    assert got == pytest.approx(expected, rel=1e-9, abs=1e-9 * scale)
    if delay == 0:  # valued at go-live, the two NPVs agree
        same = float(npv(one_time, benefit, running, ramp, rate, horizon))
        assert got == pytest.approx(same, rel=1e-12, abs=1e-9 * scale)


def test_cost_of_delay_worked_by_hand():
    """Invoice example, no ramp, 0% a year, 36-month window: a week of slip pushes one
    week of the full monthly net (157,333.33 x 12 / 52 = 36,307.69) past the horizon."""
    benefit, running = 2_024_000 / 12, 136_000 / 12
    cost = float(cost_of_delay_per_week(300_000, benefit, running, 0, 0.0, 36, 3.0))
    assert cost == pytest.approx(1_888_000 / 52, rel=1e-12)


def test_irr_equals_numpy_financial_irr_on_whole_months():
    """-300,000, then three idle months, then 33 months of 157,333.33: monthly IRR from
    numpy_financial, compounded to a year."""
    benefit, running = 2_024_000 / 12, 136_000 / 12
    times, cash = decision_cash_flows(300_000, benefit, running, 0, 36, 3.0)
    dense = np.zeros(37)
    dense[times.astype(int)] = cash
    expected = (1 + npf.irr(dense)) ** 12 - 1
    assert irr_annual(times, cash) == pytest.approx(expected, rel=1e-9)


def test_irr_and_discounted_payback_say_none_when_they_do_not_exist():
    times, cash = decision_cash_flows(300_000, 1_000, 2_000, 0, 36, 0.0)  # loses money
    assert irr_annual(times, cash) is None
    assert discounted_payback(times, cash, 0.1) is None
    times, cash = decision_cash_flows(0, 1_000, 0, 0, 36, 0.0)  # nothing spent
    assert irr_annual(times, cash) is None
    assert discounted_payback(times, cash, 0.1) == 0.0


def test_discounted_payback_is_later_than_at_zero_rate():
    """At 0% it is go-live plus the simple payback (3 + 300,000 / 157,333.33 months);
    discounting makes it later."""
    benefit, running = 2_024_000 / 12, 136_000 / 12
    times, cash = decision_cash_flows(300_000, benefit, running, 0, 36, 3.0)
    at_zero = discounted_payback(times, cash, 0.0)
    assert at_zero == pytest.approx(3 + 300_000 / (1_888_000 / 12), rel=1e-12)
    assert discounted_payback(times, cash, 0.25) > at_zero


@pytest.mark.parametrize("rate", [0.0, 1e-12, 3e-7, 0.1, 1.5])
@pytest.mark.parametrize("ramp", [0.0, 0.4, 3.0, 5.5, 40.0])
@pytest.mark.parametrize("horizon", [0, 1, 7, 36])
def test_the_closed_form_ramp_matches_the_month_by_month_sum(rate, ramp, horizon):
    """NPV's ramp months in closed form (tiny rates through the series, a fractional ramp,
    one longer than the horizon) equal summing each month's ramped cash, discounted."""
    from roi.payback import adopted_months

    months = np.arange(1, horizon + 1, dtype=float)
    share = adopted_months(months, ramp) - adopted_months(months - 1, ramp)
    v = (1 + rate) ** (-months / 12)
    expected = -250_000 + float(np.sum((60_000 * share - 9_000) * v))
    assert npv(250_000, 60_000, 9_000, ramp, rate, horizon) == pytest.approx(
        expected, rel=1e-12, abs=1e-6
    )


@given(
    rows=st.lists(
        st.tuples(
            cash_flow_inputs(),
            field_values("discount_rate"),
            st.integers(1, 60),
            st.floats(0, 70, allow_nan=False),
        ),
        min_size=2,
        max_size=12,
    )
)
@FAST
def test_a_table_of_cash_flows_is_each_row_on_its_own(rows):
    """`compute` values a whole table in one call, working out the ramp's missing benefit
    once for windows that outlast the ramp and afresh for the rest (a go-live late in the
    horizon leaves a window shorter than the ramp). Mixed in one call, every row's NPV,
    NPV at the decision and cost of delay equal the same row valued on its own."""
    table = np.array([(*inputs, r, h, d) for inputs, r, h, d in rows], float)
    cost, benefit, running, ramp, rate, horizon, delay = table.T
    together = (
        npv(cost, benefit, running, ramp, rate, horizon),
        npv_at_decision(cost, benefit, running, ramp, rate, horizon, delay),
        cost_of_delay_per_week(cost, benefit, running, ramp, rate, horizon, delay),
    )
    for i in range(len(rows)):
        alone = (
            npv(cost[i], benefit[i], running[i], ramp[i], rate[i], horizon[i]),
            npv_at_decision(
                cost[i], benefit[i], running[i], ramp[i], rate[i], horizon[i], delay[i]
            ),
            cost_of_delay_per_week(
                cost[i], benefit[i], running[i], ramp[i], rate[i], horizon[i], delay[i]
            ),
        )
        assert [float(a[i]) for a in together] == [float(a) for a in alone]


def test_an_endless_ramp_misses_all_of_the_benefit():
    """A ramp that never ends (inf months) delivers nothing: NPV is the running costs and
    the one-time cost alone, whatever the window (one row beside an ordinary ramp)."""
    got = npv([100.0, 100.0], 60.0, 10.0, [np.inf, 0.0], 0.0, 3)
    assert got.tolist() == [-130.0, 50.0]


@FAST
@given(
    st.floats(0, 24),
    st.floats(0, 0.5),
    st.lists(st.floats(0, 60), min_size=1, max_size=20),
    st.floats(1, 120),
)
def test_present_values_with_one_ramp_and_rate_match_them_given_per_sample(
    ramp, rate, go_live, horizon
):
    """With the ramp and the rate point values (the usual Monte Carlo), what depends on
    them alone is worked out once and broadcast: every present value equals the one
    worked out with them repeated per sample."""
    from roi.payback import PresentValues

    go_live = np.array(go_live)
    n = len(go_live)
    cost, benefit, running = np.full(n, 250_000.0), np.full(n, 90_000.0), np.full(n, 12_000.0)
    once = PresentValues(cost, benefit, running, ramp, rate, horizon, go_live)
    each = PresentValues(
        cost, benefit, running, np.full(n, ramp), np.full(n, rate), horizon, go_live
    )
    for name in ("npv", "at_decision", "cost_of_delay"):
        assert_allclose(getattr(once, name)(), getattr(each, name)(), rtol=1e-13, atol=1e-6)
