"""When an initiative pays back: simple payback, monthly cash flow with adoption, NPV, ROI.

All functions are vectorized: numbers, numpy arrays and pandas columns broadcast
together. "Never pays back" is explicit: payback is `numpy.inf` exactly when monthly net
impact is <= 0, never a division error or a huge meaningless number.

Cash flow is counted from go-live (month 0 holds the one-time costs). Benefits (time
value and revenue) ramp up linearly over `adoption_months`; running costs are paid in
full from go-live.
"""

from __future__ import annotations

import functools
import math

import numpy as np

from roi._types import Numbers
from roi.impact import MONTHS_PER_YEAR
from roi.precision import CENT, at_most

_EPS = 1e-9  # months; absorbs floating error when a payback lands exactly on a month


def payback_months(one_time_cost: Numbers, monthly_net: Numbers) -> np.ndarray:
    """Months until the monthly net impact repays the one-time costs; inf if never.

    Notes
    -----
    payback = (build_cost + change_cost) / monthly_net, and inf when monthly_net <= 0.

    Examples
    --------
    $300,000 to build and roll out, $157,333.33 net a month:

    >>> round(float(payback_months(300_000, 1_888_000 / 12)), 3)
    1.907
    >>> float(payback_months(300_000, -5_000))
    inf
    """
    cost = np.asarray(one_time_cost, float)
    net = np.asarray(monthly_net, float)
    cost, net = np.broadcast_arrays(cost, net)
    # A net so tiny that the division overflows is inf too: it never pays back in practice.
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        months = np.where(net > 0, cost / np.where(net > 0, net, 1.0), np.inf)
    return months[()] if months.ndim == 0 else months


def meets_threshold(payback: Numbers, threshold_months: Numbers) -> np.ndarray:
    """True where payback comes within the threshold; exactly at it counts as met, at
    roi's stated precision (`roi.precision`: 12.000000000000002 months is 12).

    >>> meets_threshold([6.0, 12.0, 12.000000000000002, 12.5, np.inf], 12).tolist()
    [True, True, True, False, False]
    """
    return at_most(payback, threshold_months)


def adopted_months(t: Numbers, adoption_months: Numbers) -> np.ndarray:
    """Months of full benefit delivered by month t under a linear adoption ramp.

    The share of the full benefit grows from 0 at go-live to 1 at `adoption_months`;
    this is its integral from 0 to t.

    >>> adopted_months([1, 2, 3, 4], 2).tolist()  # half a month of benefit in the ramp
    [0.25, 1.0, 2.0, 3.0]
    >>> adopted_months(3, 0).item()
    3.0
    """
    t = np.asarray(t, float)
    ramp = np.asarray(adoption_months, float)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        during = t**2 / (2 * np.where(ramp > 0, ramp, 1.0))
    delivered = np.where(t <= ramp, np.where(ramp > 0, during, 0.0), t - ramp / 2)
    return delivered[()] if delivered.ndim == 0 else delivered


def monthly_cash_flows(
    one_time_cost: Numbers,
    monthly_benefit: Numbers,
    monthly_running_cost: Numbers,
    adoption_months: Numbers,
    months: int,
) -> np.ndarray:
    """Net cash in each month 0..months (last axis): -one-time costs, then ramped net.

    >>> monthly_cash_flows(100, 60, 10, 0, 3).tolist()
    [-100.0, 50.0, 50.0, 50.0]
    """
    cost, benefit, running, ramp = (
        np.asarray(x, float)[..., None]
        for x in (one_time_cost, monthly_benefit, monthly_running_cost, adoption_months)
    )
    m = np.arange(1, months + 1, dtype=float)
    share = adopted_months(m, ramp) - adopted_months(m - 1, ramp)
    flows = benefit * share - running
    shape = np.broadcast_shapes(cost.shape[:-1], flows.shape[:-1])
    first = np.broadcast_to(-cost, (*shape, 1))
    return np.concatenate([first, np.broadcast_to(flows, (*shape, months))], axis=-1)


def monthly_rate(annual_rate: Numbers) -> np.ndarray:
    """Monthly rate equivalent to an annual one: (1 + r) ** (1/12) - 1.

    >>> round(float(monthly_rate(0.10)), 6)
    0.007974
    """
    return (1 + np.asarray(annual_rate, float)) ** (1 / MONTHS_PER_YEAR) - 1


def npv(
    one_time_cost: Numbers,
    monthly_benefit: Numbers,
    monthly_running_cost: Numbers,
    adoption_months: Numbers,
    annual_discount_rate: Numbers,
    horizon_months: Numbers,
) -> np.ndarray:
    """Net present value at go-live of the monthly cash flows over the horizon.

    Notes
    -----
    NPV = sum over m = 0..horizon of cash_m / (1 + i) ** m with i the monthly rate;
    the same as ``numpy_financial.npv(i, cash)`` (the tests check it), but one call
    handles a whole table. No month-by-month matrix over the horizon is needed: at full
    adoption the monthly net (benefit - running) is an annuity, v (1 - v^H) / (1 - v)
    with v = 1 / (1 + i), less the benefit still missing in the months of the adoption
    ramp, which is a closed form too (`_ramp_shortfall`).

    Examples
    --------
    $100 now for $60 a month net over 2 months, at 0% and at 12% a year:

    >>> float(npv(100, 70, 10, 0, 0.0, 2))
    20.0
    >>> round(float(npv(100, 70, 10, 0, 0.12, 2)), 2)  # -100 + 60/1.00949 + 60/1.00949**2
    18.31
    """
    flows = PresentValues(
        one_time_cost,
        monthly_benefit,
        monthly_running_cost,
        adoption_months,
        annual_discount_rate,
        horizon_months,
    )
    return flows.npv()


def _ramp_shortfall(
    ramp: np.ndarray,
    months: np.ndarray,
    log_v: np.ndarray,
    factors: tuple[np.ndarray, np.ndarray] | None = None,
) -> np.ndarray:
    """Sum over months m = 1..months of (share of the benefit missing in month m) x v^m.

    Notes
    -----
    With a linear ramp over R months, month m <= R delivers (2m - 1) / (2R) of the full
    benefit, so misses a + b m with a = 1 + 1/(2R), b = -1/R; the month after a
    fractional R (k = floor(R) + 1) misses 1 - (k - R/2) + (k - 1)^2 / (2R); later
    months miss nothing. With K = min(floor(R), months), the sum is
    a G0 + b G1 + (that month's share) v^k, where G0 = sum of v^m and G1 = sum of m v^m
    over m = 1..K, in closed form: no month-by-month matrix. For |log v| under 1e-6
    (rates under about 1e-5 a year) G1 is the series to second order in log v.
    `factors` are `_factors(log_v)`, when they are at hand.
    """
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        positive = ramp > 0
        r = np.where(positive, ramp, 1.0)
        whole = np.floor(r)
        k_count = np.clip(np.minimum(whole, months), 0.0, None)
        x = log_v
        v, v_less_one = _factors(x) if factors is None else factors
        g0, growth = _annuity_and_growth(k_count, x, (v, v_less_one))
        g1 = k_count * g0 - (v * k_count - g0) / (-v_less_one)
        small = np.flatnonzero(np.abs(x) < 1e-6)  # rates this low lose G1's digits
        if small.size:
            g0[small], g1[small] = _small_rate_sums(k_count[small], x[small])
        inside = (1 + 1 / (2 * r)) * g0 - g1 / r
        k = whole + 1
        partial = (r > whole) & (k <= months)
        last = 1 - (k - r / 2) + (k - 1) ** 2 / (2 * r)
        # Where that month counts, k = K + 1: v^k = v (1 + (v^K - 1)).
        tail = np.where(partial, last * (v * (1.0 + growth)), 0.0)
        total = inside + tail
        endless = np.flatnonzero(np.isinf(ramp))  # never fully adopted: all is missing
        if endless.size:
            total[endless] = _annuity(months[endless], x[endless])
    return np.where(positive, total, 0.0)


def _small_rate_sums(count: np.ndarray, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """G0 and G1 of `_ramp_shortfall` for |log v| under 1e-6, as series to second order
    in log v."""
    s1 = count * (count + 1) / 2
    s2 = count * (count + 1) * (2 * count + 1) / 6
    return count + x * s1 + x**2 / 2 * s2, s1 + x * s2 + x**2 / 2 * s1**2


def _annuity(
    months: np.ndarray, log_v: np.ndarray, factors: tuple[np.ndarray, np.ndarray] | None = None
) -> np.ndarray:
    """v + v^2 + ... + v^months with v = exp(log_v): expm1 keeps it exact for rates near 0,
    and at 0 it is the number of months (none for a negative count). `factors` are
    `_factors(log_v)`, when they are at hand."""
    return _annuity_and_growth(months, log_v, factors)[0]


def _annuity_and_growth(
    months: np.ndarray, log_v: np.ndarray, factors: tuple[np.ndarray, np.ndarray] | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """`_annuity`, and v^n - 1 for the n = max(months, 0) it sums to: so v^(n+1) is
    v (1 + that), one multiplication instead of another exponential (each is about
    5-10 ns a sample, most of a Monte Carlo's present values)."""
    v, v_less_one = _factors(log_v) if factors is None else factors
    with np.errstate(divide="ignore", invalid="ignore"):
        count = np.clip(months, 0.0, None)
        growth = np.expm1(count * log_v)
        return np.where(log_v == 0, count, v * growth / v_less_one), growth


def _factors(log_v: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(v, v - 1) for `_annuity`: v is 1 + (v - 1), within a unit in the last place of
    exp(log_v) and one exponential fewer."""
    less_one = np.expm1(log_v)
    return less_one + 1.0, less_one


def _month_flow(m: np.ndarray, benefit: Numbers, running: Numbers, ramp: Numbers) -> np.ndarray:
    """Net cash of operating month m (1, 2, ...) after go-live, ramp included."""
    share = adopted_months(m, ramp) - adopted_months(m - 1, ramp)
    flow: np.ndarray = np.asarray(benefit, float) * share - np.asarray(running, float)
    return flow


WEEK_IN_MONTHS = MONTHS_PER_YEAR / 52
"""One week of slip, in months (52 weeks = 12 months)."""


class PresentValues:
    """The present values of one or many cash flows (numbers or arrays that broadcast
    together), with what they all share worked out once: the monthly discount factor,
    and the benefit missing in the adoption ramp (the same for every window that
    outlasts the ramp). `npv`, `npv_at_decision` and `cost_of_delay_per_week` are each
    one of its methods; `roi.evaluate.compute` builds one for all three.

    >>> pv = PresentValues(100, 70, 10, 0, 0.0, 2, go_live_months=0.5)
    >>> float(pv.npv()), float(pv.at_decision()), round(float(pv.cost_of_delay()), 6)
    (20.0, -10.0, 13.846154)
    """

    def __init__(
        self,
        one_time_cost: Numbers,
        monthly_benefit: Numbers,
        monthly_running_cost: Numbers,
        adoption_months: Numbers,
        annual_discount_rate: Numbers,
        horizon_months: Numbers,
        go_live_months: Numbers = 0.0,
    ) -> None:
        given = [
            np.asarray(x, float)
            for x in (
                one_time_cost,
                monthly_benefit,
                monthly_running_cost,
                adoption_months,
                annual_discount_rate,
                horizon_months,
                go_live_months,
            )
        ]
        self.shape = np.broadcast_shapes(*(a.shape for a in given))
        size = math.prod(self.shape)
        flat = [np.broadcast_to(a, self.shape).reshape(size) for a in given]
        self.cost, self.benefit, self.running, self.ramp, flat_rate, self.horizon, go_live = flat
        self.go_live = go_live
        # What depends on the ramp and the rate alone is worked out once per distinct
        # pair: a Monte Carlo whose ramp and rate are point values (the usual case)
        # takes one logarithm, two exponentials and one shortfall, not 20,000 of each.
        ramp, rate = given[3], given[4]
        if ramp.size == 1 and rate.size == 1:
            ramp, rate = ramp.reshape(1), rate.reshape(1)
        else:
            ramp, rate = self.ramp, flat_rate
        log_v = -np.log1p(rate) / MONTHS_PER_YEAR  # log of the monthly discount factor v
        factors = _factors(log_v)
        # A window of at least ceil(ramp) months holds the whole ramp: its shortfall is
        # this one. An endless ramp (inf) never ends: it is worked out for each window.
        ramp_end = np.where(ramp > 0, np.ceil(ramp), 0.0)
        whole_ramp = _ramp_shortfall(
            ramp, np.where(np.isfinite(ramp_end), ramp_end, 0.0), log_v, factors
        )
        full = functools.partial(np.broadcast_to, shape=(size,))  # read-only views
        self.log_v, self._ramp_end, self._whole_ramp = full(log_v), full(ramp_end), full(whole_ramp)
        self._factors = (full(factors[0]), full(factors[1]))
        self._at_decision: dict[float, np.ndarray] = {}

    def _shaped(self, out: np.ndarray) -> np.ndarray:
        if out.shape != self.shape:
            out = out.reshape(self.shape)
        return out[()] if out.ndim == 0 else out

    def shortfall(self, months: np.ndarray) -> np.ndarray:
        """`_ramp_shortfall(ramp, months, log_v)`, worked out afresh only for windows
        shorter than their ramp."""
        short = np.flatnonzero(~(months >= self._ramp_end))
        if short.size == 0:
            return self._whole_ramp
        out = self._whole_ramp.copy()
        out[short] = _ramp_shortfall(self.ramp[short], months[short], self.log_v[short])
        return out

    def operating_value(self, months: np.ndarray) -> np.ndarray:
        """Present value at go-live of `months` whole operating months (no one-time cost)."""
        return self._operating(months)[0]

    def _operating(self, months: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """`operating_value`, and v^months - 1 (months >= 0)."""
        annuity, growth = _annuity_and_growth(months, self.log_v, self._factors)
        value = (self.benefit - self.running) * annuity - self.benefit * self.shortfall(months)
        return value, growth

    def npv(self) -> np.ndarray:
        """`npv`: valued at go-live over the whole months of the horizon."""
        months = np.floor(self.horizon)
        out = self.operating_value(months) - self.cost
        return self._shaped(np.where(self.horizon >= 0, out, 0.0))

    def at_decision(self, slip: float = 0.0) -> np.ndarray:
        """`npv_at_decision`, with go-live `slip` months later than given."""
        if slip not in self._at_decision:
            self._at_decision[slip] = self._at_decision_uncached(slip)
        return self._at_decision[slip]

    def _at_decision_uncached(self, slip: float) -> np.ndarray:
        delay = np.maximum(self.go_live + slip, 0.0)
        operating = np.maximum(self.horizon - delay, 0.0)
        whole = np.floor(operating)
        part = operating - whole
        last = part * _month_flow(whole + 1, self.benefit, self.running, self.ramp)
        operating_value, growth = self._operating(whole)  # whole >= 0
        value = -self.cost + np.exp(self.log_v * delay) * (
            operating_value + last * (self._factors[0] * (1.0 + growth))
        )
        return self._shaped(value)

    def cost_of_delay(self) -> np.ndarray:
        """`cost_of_delay_per_week`: the value one more week to go-live loses."""
        lost: np.ndarray = self.at_decision() - self.at_decision(WEEK_IN_MONTHS)
        return lost


def npv_at_decision(
    one_time_cost: Numbers,
    monthly_benefit: Numbers,
    monthly_running_cost: Numbers,
    adoption_months: Numbers,
    annual_discount_rate: Numbers,
    horizon_months: Numbers,
    go_live_months: Numbers,
) -> np.ndarray:
    """Net present value at the decision date, over the horizon counted from the decision.

    Notes
    -----
    The one-time costs are paid at the decision (month 0: a documented, conservative
    choice); go-live comes `go_live_months` D later (production engineering), and
    operating month k (benefit ramped, running costs in full) falls at D + k. Only what
    falls inside the horizon H counts: M = max(H - D, 0) operating months, the last one
    pro rata, so a slip of any length loses the benefit it pushes past the horizon and
    discounts the rest. With v = (1 + r) ** (-1/12):

        NPV = -C + v^D * (sum of k = 1..floor(M) of cash_k v^k
                          + (M - floor(M)) * cash_(floor(M)+1) * v^(floor(M)+1))

    At D = 0 it is `npv` (valued at go-live) over the same whole months.

    Examples
    --------
    $100 now, $60 a month net from go-live, a 2-month window at 0%: go-live at once
    earns 2 months (20), go-live after half a month earns 1.5 months (-10).

    >>> npv_at_decision(100, 70, 10, 0, 0.0, 2, [0.0, 0.5]).tolist()
    [20.0, -10.0]
    """
    return PresentValues(
        one_time_cost,
        monthly_benefit,
        monthly_running_cost,
        adoption_months,
        annual_discount_rate,
        horizon_months,
        go_live_months,
    ).at_decision()


def cost_of_delay_per_week(
    one_time_cost: Numbers,
    monthly_benefit: Numbers,
    monthly_running_cost: Numbers,
    adoption_months: Numbers,
    annual_discount_rate: Numbers,
    horizon_months: Numbers,
    go_live_months: Numbers,
) -> np.ndarray:
    """Value lost by one more week before go-live: NPV at the decision now, less NPV at
    the decision with go-live a week later (negative when the extra week saves money,
    e.g. when operating months lose money).

    >>> float(cost_of_delay_per_week(100, 70, 10, 0, 0.0, 2, 0.0))  # a week of $60/month
    13.846153846153854
    """
    return PresentValues(
        one_time_cost,
        monthly_benefit,
        monthly_running_cost,
        adoption_months,
        annual_discount_rate,
        horizon_months,
        go_live_months,
    ).cost_of_delay()


def decision_cash_flows(
    one_time_cost: float,
    monthly_benefit: float,
    monthly_running_cost: float,
    adoption_months: float,
    horizon_months: float,
    go_live_months: float,
) -> tuple[np.ndarray, np.ndarray]:
    """(times in months from the decision, net cash) of one scenario as of the decision:
    the one-time costs at 0, then each operating month at D + k, the last one pro rata
    to the horizon (the flows `npv_at_decision` discounts).

    >>> times, cash = decision_cash_flows(100, 70, 10, 0, 2, 0.5)
    >>> times.tolist(), cash.tolist()
    ([0.0, 1.5, 2.5], [-100.0, 60.0, 30.0])
    """
    delay = max(float(go_live_months), 0.0)
    operating = max(float(horizon_months) - delay, 0.0)
    count = int(np.ceil(operating))
    k = np.arange(1, count + 1, dtype=float)
    weight = np.clip(operating - (k - 1), 0.0, 1.0)
    flows = weight * _month_flow(k, monthly_benefit, monthly_running_cost, adoption_months)
    times = np.concatenate([[0.0], delay + k])
    return times, np.concatenate([[-float(one_time_cost)], flows])


IRR_MAX_ANNUAL = 10_000.0
"""The top of the IRR search, a year (1,000,000%): past it the IRR is reported as above it."""


def irr_annual(times: np.ndarray, cash: np.ndarray) -> float | None:
    """The annual rate at which cash at `times` (months) has zero present value; None when
    there is none (no sign change, or the value is negative even at -99.9% a year), inf
    when the value is still positive at IRR_MAX_ANNUAL (the IRR is above it).

    The root in the log of (1 + monthly rate), by scipy's brentq: the flows start with
    the cost and turn positive once, so their present value falls as the rate rises and
    the root is unique.

    >>> round(irr_annual(np.array([0.0, 12.0]), np.array([-100.0, 110.0])), 12)
    0.1
    """
    times = np.asarray(times, float)
    cash = np.asarray(cash, float)
    if not (np.any(cash < 0) and np.any(cash > 0)):
        return None

    def value(log_growth: float) -> float:  # log of (1 + monthly rate)
        return float(np.sum(cash * np.exp(-log_growth * times)))

    low, high = np.log1p(-0.999) / 12, np.log1p(IRR_MAX_ANNUAL) / 12
    f_low, f_high = value(low), value(high)
    if f_low * f_high > 0:
        return math.inf if f_high > 0 else None
    from scipy.optimize import brentq  # loaded only when an IRR is asked for

    root = float(brentq(value, low, high, xtol=1e-15, maxiter=500))
    return float(np.expm1(12 * root))


def discounted_payback(
    times: np.ndarray, cash: np.ndarray, annual_discount_rate: float
) -> float | None:
    """Months from the decision until the discounted cumulative cash reaches zero for good
    (after its last time below zero), linear within the month it crosses; None if it is
    still below zero at the horizon. With no one-time cost and a ramp that loses money in
    its first months, that is the later crossing, as for the cash-flow payback.

    >>> times, cash = np.array([0.0, 1.0, 2.0]), np.array([-100.0, 60.0, 60.0])
    >>> round(discounted_payback(times, cash, 0.0), 9)  # 1 + 40 / 60
    1.666666667
    >>> discounted_payback(times, np.array([0.0, -10.0, 20.0]), 0.0)  # 1 + 10 / 20
    1.5
    """
    log_v = -np.log1p(annual_discount_rate) / MONTHS_PER_YEAR
    cumulative = np.cumsum(np.asarray(cash, float) * np.exp(log_v * np.asarray(times, float)))
    short = np.flatnonzero(cumulative < -CENT / 2)
    if short.size == 0:
        return 0.0
    last = int(short[-1])
    if last == cumulative.size - 1:
        return None
    before, after = cumulative[last], cumulative[last + 1]
    return float(times[last] + (times[last + 1] - times[last]) * (-before) / (after - before))


def cumulative_cash(
    t: Numbers,
    one_time_cost: Numbers,
    monthly_benefit: Numbers,
    monthly_running_cost: Numbers,
    adoption_months: Numbers,
) -> np.ndarray:
    """Cumulative net cash at the end of month t (closed form, no month-by-month loop).

    >>> float(cumulative_cash(3, 100, 60, 10, 0))
    50.0
    """
    t = np.asarray(t, float)
    cash: np.ndarray = (
        np.asarray(monthly_benefit, float) * adopted_months(t, adoption_months)
        - np.asarray(monthly_running_cost, float) * t
        - one_time_cost
    )
    return cash


def cash_flow_payback_months(
    one_time_cost: Numbers,
    monthly_benefit: Numbers,
    monthly_running_cost: Numbers,
    adoption_months: Numbers,
) -> np.ndarray:
    """Months after go-live until cumulative cash, adoption ramp included, reaches 0; inf
    if never. The payback the cash flow shows, to a fraction of a month.

    Notes
    -----
    Cumulative cash is B * adopted_months(t) - K * t - C. During the ramp (t <= A) it is
    a quadratic in t, after it a line, so the crossing has a closed form; it does not
    stop at the horizon. Never pays back exactly when B - K (monthly net) <= 0. With no
    ramp it is the simple payback C / (B - K).

    Examples
    --------
    $300,000 up front, $170,667 a month of benefit, $11,333 a month to run: 1.88 months
    with no ramp; with a 3-month adoption ramp the cash is still negative when the ramp
    ends, so (C + B A / 2) / (B - K) = 556,000 / 159,333 = 3.49 months.

    >>> benefit, running = 2_048_000 / 12, 136_000 / 12
    >>> cash_flow_payback_months(300_000, benefit, running, [0, 3]).round(2).tolist()
    [1.88, 3.49]
    """
    cost, benefit, running, ramp = np.broadcast_arrays(
        *(
            np.asarray(x, float)
            for x in (one_time_cost, monthly_benefit, monthly_running_cost, adoption_months)
        )
    )
    net = benefit - running
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        safe_benefit = np.where(benefit > 0, benefit, 1.0)
        safe_ramp = np.where(ramp > 0, ramp, 1.0)
        in_ramp = ramp * (running + np.sqrt(running**2 + 2 * benefit * cost / safe_ramp))
        in_ramp = in_ramp / safe_benefit
        after_ramp = (cost + benefit * ramp / 2) / np.where(net > 0, net, 1.0)
    crossing = np.where((ramp > 0) & (in_ramp <= ramp), in_ramp, after_ramp)
    crossing = np.where(net > 0, np.maximum(crossing, 0.0), np.inf)
    return crossing[()] if crossing.ndim == 0 else crossing


def ramp_payback_month(
    one_time_cost: Numbers,
    monthly_benefit: Numbers,
    monthly_running_cost: Numbers,
    adoption_months: Numbers,
) -> np.ndarray:
    """First whole month after go-live whose cumulative cash is >= 0; inf if never:
    `cash_flow_payback_months` rounded up to the month.

    Examples
    --------
    $300,000 up front, $170,667 a month of benefit, $11,333 a month to run: month 2 with
    no ramp, month 4 with a 3-month adoption ramp.

    >>> benefit, running = 2_048_000 / 12, 136_000 / 12
    >>> ramp_payback_month(300_000, benefit, running, [0, 3]).tolist()
    [2.0, 4.0]
    """
    return payback_month(
        cash_flow_payback_months(
            one_time_cost, monthly_benefit, monthly_running_cost, adoption_months
        )
    )


def payback_month(crossing: Numbers) -> np.ndarray:
    """The whole month in which a cash-flow payback of `crossing` months falls (inf stays
    inf); one within 1e-9 of a month's end is that month (floating error, not a new month).

    >>> payback_month([0.0, 3.0, 3.0000000005, 3.2, np.inf]).tolist()
    [0.0, 3.0, 3.0, 4.0, inf]
    """
    crossing = np.asarray(crossing, float)
    with np.errstate(invalid="ignore"):
        month = np.where(np.isfinite(crossing), np.ceil(np.maximum(crossing - _EPS, 0.0)), np.inf)
    return month[()] if month.ndim == 0 else month


def roi_pct(
    one_time_cost: Numbers,
    monthly_benefit: Numbers,
    monthly_running_cost: Numbers,
    adoption_months: Numbers,
    horizon_months: Numbers,
) -> np.ndarray:
    """Return on all money spent over the horizon, in percent; NaN-free where spend > 0.

    Notes
    -----
    ROI % = (benefits - running costs - one-time costs) / (running costs + one-time costs)
    * 100, all summed over the horizon. Where nothing is spent the ratio is undefined and
    the result is inf (or 0 when nothing is gained either).

    Examples
    --------
    >>> float(roi_pct(100, 60, 10, 0, 3))  # gain 180 - 30 - 100 = 50 on 130 spent
    38.46153846153847
    """
    horizon = np.asarray(horizon_months, float)
    benefits = np.asarray(monthly_benefit, float) * adopted_months(horizon, adoption_months)
    spend = np.asarray(monthly_running_cost, float) * horizon + one_time_cost
    gain = benefits - spend
    with np.errstate(divide="ignore", invalid="ignore"):
        pct = np.where(
            spend > 0, gain / np.where(spend > 0, spend, 1.0) * 100, np.where(gain > 0, np.inf, 0.0)
        )
    return pct[()] if pct.ndim == 0 else pct


def weeks_to_months(weeks: Numbers) -> np.ndarray:
    """Weeks as months (52 weeks = 12 months).

    >>> float(weeks_to_months(13))
    3.0
    """
    return np.asarray(weeks, float) * MONTHS_PER_YEAR / 52
