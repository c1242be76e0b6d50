"""Tests for roi.uncertainty: the Monte Carlo, and `roi run`'s Monte Carlo output."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest
import yaml
from conftest import INVOICE_VALUES
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose, assert_array_equal
from strategies import correlations, scenarios

from roi.assess import MONTE_CARLO_JSON_KEYS
from roi.cli import main
from roi.evaluate import compute, evaluate, timeline_for
from roi.exceptions import ScenarioError
from roi.precision import RELATIVE_TOLERANCE
from roi.scenario import NUMERIC_FIELDS, Range, Scenario, scenario_from_dict
from roi.timeline import CHECKPOINTS, PHASES, estimate_timeline
from roi.uncertainty import (
    METRICS,
    SAMPLING,
    SimulationError,
    checkpoint_column,
    phase_column,
    sample_three_point,
    simulate,
    three_point_quantile,
)

# The invoice-triage example: each user saves 12 x 4 / 60 h x $55 x 230 days = $10,120 a
# year; running costs are 60,000 + 36,000 + 40,000 = $136,000; one-time 250,000 + 50,000.
PER_USER = 12 * 4 / 60 * 55 * 230
RUNNING = 136_000
ONE_TIME = 300_000
N = 20_000


def uniform_quantile_tolerance(span: float, q: float, n: int = N) -> float:
    """Four standard errors of a sample quantile of a uniform on a span of `span`.

    The sample q-quantile of n uniform draws has standard error span * sqrt(q(1-q)/n)
    (asymptotic order-statistic variance, density 1/span).
    """
    return 4 * span * math.sqrt(q * (1 - q) / n)


def with_fields(invoice_fields: dict, **changes) -> Scenario:
    return scenario_from_dict({**invoice_fields, **changes})


# --- the point case ----------------------------------------------------------------------


def test_zero_variance_ranges_give_exactly_the_point_results(invoice_fields):
    """Every field a range with low = likely = high reproduces evaluate() bit for bit."""
    invoice_fields["adoption_months"] = 3  # so the ramp-aware results are exercised too
    point = scenario_from_dict(invoice_fields)
    ranged = scenario_from_dict(
        {
            **invoice_fields,
            **{f: {"low": v, "likely": v, "high": v} for f, v in point.point_values().items()},
        }
    )
    assert len(ranged.ranges()) == len(NUMERIC_FIELDS)
    expected = evaluate(point)
    sim = simulate(ranged, samples=1_000, seed=3, sample_timeline=False)
    for name, value in [
        ("annual_impact", expected.annual_impact),
        ("monthly_net_impact", expected.monthly_net_impact),
        ("payback_months", expected.payback_months),
        ("npv", expected.npv),
        ("roi_pct", expected.roi_pct),
        ("payback_month_with_ramp", expected.payback_month_with_ramp),
        ("time_to_value_months", expected.time_to_value_months),
        ("weeks_to_go_live", expected.timeline.likely_weeks),
    ]:
        assert_array_equal(sim.outputs[name], np.full(1_000, value), err_msg=name)
        assert sim.percentile(name, 10) == sim.percentile(name, 90) == value
    assert sim.prob_meets_threshold == 1.0


def test_zero_variance_ranges_stay_exact_when_the_timeline_is_sampled(invoice_fields):
    """A sampled timeline moves time to value, never the money results."""
    point = scenario_from_dict(invoice_fields)
    sim = simulate(point, samples=500, seed=0)
    expected = evaluate(point)
    assert_array_equal(sim.outputs["annual_impact"], expected.annual_impact)
    assert_array_equal(sim.outputs["npv"], expected.npv)
    assert np.ptp(sim.outputs["weeks_to_go_live"]) > 0


# --- known distributions -------------------------------------------------------------------


@pytest.mark.parametrize("q", [2.5, 10, 25, 50, 75, 90, 97.5])
def test_uniform_users_give_uniform_impact_with_analytic_quantiles(invoice_fields, q):
    """Impact is linear in users, so uniform users give impact quantiles low' + q (high' - low')."""
    scenario = with_fields(
        invoice_fields, users={"low": 100, "likely": 200, "high": 300, "distribution": "uniform"}
    )
    sim = simulate(scenario, samples=N, seed=11)
    low, high = PER_USER * 100 - RUNNING, PER_USER * 300 - RUNNING
    expected = low + q / 100 * (high - low)
    tolerance = uniform_quantile_tolerance(high - low, q / 100)
    assert abs(sim.percentile("annual_impact", q) - expected) < tolerance


@pytest.mark.parametrize("q", [5, 30, 60, 95])
def test_triangular_minutes_match_the_inverse_cdf(invoice_fields, q):
    """Triangular(2, 3, 6) minutes: impact quantiles follow the triangular inverse CDF."""
    scenario = with_fields(
        invoice_fields,
        minutes_saved_per_task={"low": 2, "likely": 3, "high": 6, "distribution": "triangular"},
    )
    sim = simulate(scenario, samples=N, seed=5)
    a, c, b, p = 2.0, 3.0, 6.0, q / 100
    if p < (c - a) / (b - a):
        minutes = a + math.sqrt(p * (b - a) * (c - a))
    else:
        minutes = b - math.sqrt((1 - p) * (b - a) * (b - c))
    per_minute = 200 * 12 / 60 * 55 * 230  # impact per minute saved per task
    expected = per_minute * minutes - RUNNING
    assert sim.percentile("annual_impact", q) == pytest.approx(expected, rel=0.01)


def test_pert_samples_have_the_pert_mean_and_spread():
    """PERT(100, 150, 400) is a Beta(5/3, 13/3) on [100, 400]: mean 183.3, sd 50.8."""
    draws = sample_three_point(np.random.default_rng(2), 100, 150, 400, 40_000)
    alpha, beta = 1 + 4 * 50 / 300, 1 + 4 * 250 / 300
    sd = 300 * math.sqrt(alpha * beta / ((alpha + beta) ** 2 * (alpha + beta + 1)))
    assert pytest.approx(100 + 300 * alpha / (alpha + beta)) == (100 + 4 * 150 + 400) / 6
    assert draws.mean() == pytest.approx(1100 / 6, abs=4 * sd / math.sqrt(40_000))
    assert draws.std() == pytest.approx(sd, rel=0.02)
    assert draws.min() >= 100 and draws.max() <= 400


def test_pert_peaks_at_the_likely_value():
    """The most common PERT draws sit around `likely`, not in the middle of the range."""
    draws = sample_three_point(np.random.default_rng(4), 0, 2, 10, 50_000)
    counts, edges = np.histogram(draws, bins=20, range=(0, 10))
    assert 1.0 <= edges[np.argmax(counts)] <= 2.5


def test_never_pays_back_samples_are_counted_not_dropped(invoice_fields):
    """Users uniform on [0, 100]: payback is never below 13.44 users, met above 43.08."""
    scenario = with_fields(
        invoice_fields, users={"low": 0, "likely": 50, "high": 100, "distribution": "uniform"}
    )
    sim = simulate(scenario, samples=N, seed=8)
    assert sim.outputs["payback_months"].shape == (N,)
    never = RUNNING / PER_USER / 100  # share of users below the running-cost break-even
    met = 1 - (RUNNING + ONE_TIME) / PER_USER / 100  # annual net >= 12 x 300,000 / 12
    binomial = 4 * math.sqrt(0.25 / N)
    assert sim.prob_never_pays_back == pytest.approx(never, abs=binomial)
    assert sim.prob_meets_threshold == pytest.approx(met, abs=binomial)
    assert sim.prob_positive_net == pytest.approx(1 - never, abs=binomial)
    # inf sorts last: the top ~13% of paybacks are "never", so P90 is never, P50 is not.
    assert sim.percentile("payback_months", 90) is None
    assert sim.percentile("payback_months", 50) is not None
    assert sim.summary()["payback_months_p90"] is None


def test_all_samples_never_paying_back_have_no_payback_percentiles(invoice_fields):
    """If nothing ever pays back, every payback percentile is None and P(meet) is 0."""
    scenario = with_fields(invoice_fields, users={"low": 0, "likely": 1, "high": 5})
    sim = simulate(scenario, samples=2_000)
    assert sim.percentiles("payback_months", (0, 50, 100)) == {0: None, 50: None, 100: None}
    assert (sim.prob_meets_threshold, sim.prob_never_pays_back) == (0.0, 1.0)
    assert sim.standard_error("payback_months", 50) is None


# --- reproducibility --------------------------------------------------------------------


def test_same_seed_gives_identical_samples_and_another_seed_does_not(invoice_fields):
    """Seeded: the same scenario and seed reproduce every input and output exactly."""
    scenario = with_fields(
        invoice_fields,
        users={"low": 100, "likely": 200, "high": 300},
        hourly_rate={"low": 40, "likely": 55, "high": 90},
    )
    first, again, other = (simulate(scenario, 5_000, seed) for seed in (7, 7, 8))
    for name in first.outputs:
        assert_array_equal(first.outputs[name], again.outputs[name], err_msg=name)
    assert first.summary() == again.summary()
    assert not np.array_equal(first.inputs["users"], other.inputs["users"])


def test_changing_one_range_leaves_the_other_inputs_draws_alone(invoice_fields):
    """Each input has its own stream: widening users does not reshuffle hourly_rate."""
    base = {"hourly_rate": {"low": 40, "likely": 55, "high": 90}}
    a = simulate(
        with_fields(invoice_fields, **base, users={"low": 100, "likely": 200, "high": 300}),
        3_000,
        1,
    )
    b = simulate(
        with_fields(invoice_fields, **base, users={"low": 50, "likely": 200, "high": 400}), 3_000, 1
    )
    assert_array_equal(a.inputs["hourly_rate"], b.inputs["hourly_rate"])
    assert_array_equal(a.inputs[phase_column("planning")], b.inputs[phase_column("planning")])


# --- correlation --------------------------------------------------------------------------


def _spearman(x: np.ndarray, y: np.ndarray) -> float:
    rank_x, rank_y = np.argsort(np.argsort(x)), np.argsort(np.argsort(y))
    return float(np.corrcoef(rank_x, rank_y)[0, 1])


@pytest.mark.parametrize("rho", [0.8, -0.5, 1.0])
def test_correlated_inputs_have_the_gaussian_copula_rank_correlation(invoice_fields, rho):
    """Spearman's rho of a Gaussian copula is 6/pi asin(rho/2); marginals stay the same:
    the k-th smallest of n draws sits near the range's (k - 1/2)/n quantile."""
    fields = dict(
        users={"low": 100, "likely": 200, "high": 300},
        tasks_per_day={"low": 8, "likely": 12, "high": 20, "distribution": "uniform"},
    )
    independent = simulate(with_fields(invoice_fields, **fields), N, seed=4)
    correlated = simulate(
        with_fields(
            invoice_fields,
            **fields,
            correlations=[{"between": ["users", "tasks_per_day"], "rho": rho}],
        ),
        N,
        seed=4,
    )
    expected = 6 / math.pi * math.asin(rho / 2)
    measured = _spearman(correlated.inputs["users"], correlated.inputs["tasks_per_day"])
    assert measured == pytest.approx(expected, abs=0.02)
    assert abs(_spearman(independent.inputs["users"], independent.inputs["tasks_per_day"])) < 0.03
    levels = (np.arange(N) + 0.5) / N
    for name, width in (("users", 200), ("tasks_per_day", 12)):
        exact = three_point_quantile(levels, **{k: v for k, v in fields[name].items()})
        for sim in (correlated, independent):
            assert np.abs(np.sort(sim.inputs[name]) - exact).max() < 0.01 * width, name


def test_positive_correlation_of_multiplied_inputs_widens_impact(invoice_fields):
    """Users and tasks multiply: moving together makes the impact spread wider."""
    fields = dict(
        users={"low": 100, "likely": 200, "high": 300},
        tasks_per_day={"low": 8, "likely": 12, "high": 16},
    )
    loose = simulate(with_fields(invoice_fields, **fields), N, 2)
    tight = simulate(
        with_fields(
            invoice_fields,
            **fields,
            correlations=[{"between": ["users", "tasks_per_day"], "rho": 0.9}],
        ),
        N,
        2,
    )
    spread = [
        s.percentile("annual_impact", 90) - s.percentile("annual_impact", 10)
        for s in (loose, tight)
    ]
    assert spread[1] > spread[0] * 1.1


def test_correlation_with_a_point_value_is_ignored(invoice_fields):
    """Only ranges are sampled, so correlating with a point input changes nothing."""
    users = {"users": {"low": 100, "likely": 200, "high": 300}}
    plain = simulate(with_fields(invoice_fields, **users), 2_000, 9)
    paired = simulate(
        with_fields(
            invoice_fields,
            **users,
            correlations=[{"between": ["users", "hourly_rate"], "rho": 0.7}],
        ),
        2_000,
        9,
    )
    assert_array_equal(plain.inputs["users"], paired.inputs["users"])


@pytest.mark.parametrize(
    ("correlations", "fragment"),
    [
        ([{"between": ["users", "userz"], "rho": 0.5}], "'userz' is not a numeric field"),
        ([{"between": ["users", "users"], "rho": 0.5}], "two different fields"),
        ([{"between": ["users", "hourly_rate"], "rho": 1.5}], "from -1 to 1 (it is 1.5)"),
        ([{"between": ["users"], "rho": 0.5}], "two numeric fields"),
        ([{"between": ["users", "hourly_rate"]}], "missing: rho"),
        (
            [
                {"between": ["users", "hourly_rate"], "rho": 0.1},
                {"between": ["hourly_rate", "users"], "rho": 0.2},
            ],
            "given twice",
        ),
        (
            [
                {"between": ["users", "tasks_per_day"], "rho": 0.9},
                {"between": ["users", "hourly_rate"], "rho": 0.9},
                {"between": ["tasks_per_day", "hourly_rate"], "rho": -0.9},
            ],
            "positive semi-definite",
        ),
        ("users", "must be a list"),
    ],
)
def test_bad_correlations_are_rejected_with_a_message(invoice_fields, correlations, fragment):
    """Every mistake in `correlations` names the field and what is allowed."""
    with pytest.raises(ScenarioError) as error:
        with_fields(invoice_fields, correlations=correlations)
    assert "'correlations'" in str(error.value)
    assert fragment in str(error.value)


@settings(max_examples=30, deadline=None)
@given(pairs=correlations())
def test_correlations_survive_to_dict_and_back(pairs):
    """to_dict keeps the correlations so a saved scenario samples the same way."""
    scenario = with_fields({"name": "x", **INVOICE_VALUES}, correlations=pairs)
    again = scenario_from_dict(yaml.safe_load(yaml.safe_dump(scenario.to_dict())))
    assert again.correlations == scenario.correlations
    assert len(scenario.correlations) == len(pairs)


# --- the timeline ---------------------------------------------------------------------


def test_sampled_timeline_is_the_phase_graph_on_the_sampled_durations(invoice_fields):
    """Go-live equals the standard graph worked by hand: four phases in a row, then the
    longer of (integration + monitoring) and the slowest checkpoint, then rollout."""
    sim = simulate(scenario_from_dict(invoice_fields), 5_000, 3)
    p = {phase.id: sim.inputs[phase_column(phase.id)] for phase in PHASES}
    slowest = np.max([sim.inputs[checkpoint_column(c.id)] for c in CHECKPOINTS], axis=0)
    by_hand = (
        p["planning"]
        + p["refactoring"]
        + p["data_pipeline"]
        + p["infrastructure"]
        + np.maximum(p["integration_testing"] + p["monitoring"], slowest / 5)
        + p["rollout"]
    )
    assert_allclose(sim.outputs["weeks_to_go_live"], by_hand, rtol=1e-12)
    plan = estimate_timeline()
    weeks = sim.outputs["weeks_to_go_live"]
    assert plan.min_weeks <= weeks.min() and weeks.max() <= plan.max_weeks
    assert sim.percentile("weeks_to_go_live", 50) == pytest.approx(plan.likely_weeks, abs=0.5)


def test_phase_overrides_and_sequential_governance_are_sampled(invoice_fields):
    """A fixed override stays fixed, a ranged one is sampled in its range, sequential
    checkpoints add up."""
    scenario = with_fields(
        invoice_fields,
        governance="sequential",
        phase_weeks={"planning": 3, "rollout": {"low": 5, "likely": 6, "high": 9}},
    )
    sim = simulate(scenario, 4_000, 0)
    assert_array_equal(sim.inputs[phase_column("planning")], 3.0)
    rollout = sim.inputs[phase_column("rollout")]
    assert rollout.min() >= 5 and rollout.max() <= 9 and np.ptp(rollout) > 2
    days = sum(sim.inputs[checkpoint_column(c.id)] for c in CHECKPOINTS)
    assert (sim.outputs["weeks_to_go_live"] >= days / 5 + 3 + rollout).all()
    plan = timeline_for(scenario)
    assert plan.min_weeks <= sim.outputs["weeks_to_go_live"].min()


def test_horizon_samples_are_whole_months(invoice_fields):
    """The horizon counts whole months, so its samples are rounded."""
    scenario = with_fields(invoice_fields, horizon_months={"low": 24, "likely": 36, "high": 48})
    horizon = simulate(scenario, 3_000, 1).inputs["horizon_months"]
    assert_array_equal(horizon, np.round(horizon))
    assert horizon.min() >= 24 and horizon.max() <= 48 and len(np.unique(horizon)) > 10


# --- consistency and properties -------------------------------------------------------------


def test_outputs_are_compute_on_the_sampled_inputs(invoice_fields):
    """One computation path: the outputs are exactly compute() of the recorded inputs."""
    scenario = with_fields(
        invoice_fields,
        users={"low": 50, "likely": 200, "high": 300},
        adoption_months={"low": 0, "likely": 3, "high": 8},
        discount_rate={"low": 0, "likely": 0.1, "high": 0.3},
    )
    sim = simulate(scenario, 2_000, 6)
    again = compute({f: sim.inputs[f] for f in NUMERIC_FIELDS}, sim.outputs["weeks_to_go_live"])
    for name, values in again.items():
        assert_array_equal(sim.outputs[name], np.broadcast_to(values, (2_000,)), err_msg=name)


@settings(max_examples=25, deadline=None)
@given(scenario=scenarios(), seed=st.integers(0, 2**32 - 1))
def test_probabilities_are_shares_of_the_samples(scenario, seed):
    """Probabilities lie in [0, 1] and equal the share of samples they describe; every
    sample stays inside its range; percentiles never decrease with q."""
    sim = simulate(scenario, samples=400, seed=seed)
    payback = sim.outputs["payback_months"]
    threshold = sim.inputs["payback_threshold_months"]
    assert 0 <= sim.prob_meets_threshold <= 1
    # On the decision's basis (the cash flow by default), to roi's stated precision.
    basis_payback = sim.outputs[sim.payback_key]
    assert (
        sim.payback_key
        == {"cash_flow": "payback_months_cash_flow", "simple": "payback_months"}[
            scenario.payback_basis
        ]
    )
    assert sim.prob_meets_threshold == np.mean(
        basis_payback <= threshold * (1 + RELATIVE_TOLERANCE)
    )
    # The cash flow never pays back sooner than the simple formula says.
    finite = np.isfinite(payback)
    assert np.all(sim.outputs["payback_months_cash_flow"][finite] >= payback[finite] * (1 - 1e-12))
    assert sim.prob_never_pays_back == np.mean(np.isinf(payback))
    assert sim.prob_positive_net == np.mean(sim.outputs["annual_impact"] > 0)
    assert sim.prob_never_pays_back + sim.prob_positive_net == pytest.approx(1.0)
    for name, value in scenario.ranges().items():
        drawn = sim.inputs[name]
        assert value.low - 0.5 <= drawn.min() and drawn.max() <= value.high + 0.5
    for metric in ("annual_impact", "payback_months", "npv"):
        found = [sim.percentile(metric, q) for q in (5, 25, 50, 75, 95)]
        finite = [v for v in found if v is not None]
        assert finite == sorted(finite)
        if None in found:  # once a percentile is "never", every higher one is too
            assert found[found.index(None) :] == [None] * (len(found) - found.index(None))
    json.dumps(sim.summary(), allow_nan=False)


# --- convergence ------------------------------------------------------------------------


@pytest.mark.parametrize("q", [10, 50, 90])
def test_standard_error_matches_the_analytic_one_for_a_uniform(invoice_fields, q):
    """For uniform impact the quantile's standard error is span x sqrt(q(1-q)/n)."""
    scenario = with_fields(
        invoice_fields, users={"low": 100, "likely": 200, "high": 300, "distribution": "uniform"}
    )
    span = PER_USER * 200
    analytic = span * math.sqrt(q / 100 * (1 - q / 100) / N)
    assert simulate(scenario, N, 1).standard_error("annual_impact", q) == pytest.approx(
        analytic, rel=0.2
    )


def test_four_times_the_samples_halve_the_standard_error(invoice_fields):
    """The convergence check behaves like 1/sqrt(n)."""
    scenario = with_fields(invoice_fields, users={"low": 100, "likely": 200, "high": 300})
    small = simulate(scenario, 10_000, 1).standard_error("npv", 50)
    large = simulate(scenario, 40_000, 1).standard_error("npv", 50)
    assert large / small == pytest.approx(0.5, abs=0.12)
    table = simulate(scenario, 10_000, 1).convergence()
    assert set(table["metric"]) == {
        "annual_impact",
        "payback_months",
        "payback_months_cash_flow",
        "npv",
        "npv_at_decision",
    }
    assert (table["relative_error_pct"] > 0).all()


# --- reports ------------------------------------------------------------------------------


def test_summary_is_flat_and_json_ready(invoice_fields):
    """The summary holds the headline keys, P10 <= P50 <= P90, and no NaN or inf."""
    scenario = with_fields(invoice_fields, users={"low": 5, "likely": 200, "high": 300})
    summary = simulate(scenario, 5_000, 2).summary()
    json.dumps(summary, allow_nan=False)
    for metric in METRICS:
        values = [summary[f"{metric}_p{q}"] for q in (10, 50, 90)]
        finite = [v for v in values if v is not None]
        assert finite == sorted(finite), metric
    for key in (
        "prob_meets_threshold",
        "prob_positive_net",
        "prob_never_pays_back",
        "annual_impact_p50_se",
        "samples",
        "seed",
    ):
        assert key in summary
    assert (summary["samples"], summary["seed"]) == (5_000, 2)


def test_export_writes_every_sample_to_csv_and_parquet(invoice_fields, tmp_path):
    """The audit trail: one row per sample, inputs and outputs, read back the same."""
    scenario = with_fields(invoice_fields, users={"low": 0, "likely": 200, "high": 300})
    sim = simulate(scenario, 1_000, 3)
    frame = sim.to_frame()
    assert len(frame) == 1_000
    assert {"users", phase_column("rollout"), "payback_months", "npv"} <= set(frame.columns)
    from roi.files import export_samples

    csv = pd.read_csv(export_samples(sim, tmp_path / "samples.csv"), index_col="sample")
    assert_allclose(csv["users"], sim.inputs["users"])
    assert_array_equal(csv["payback_months"], sim.outputs["payback_months"])  # inf kept
    parquet = pd.read_parquet(export_samples(sim, tmp_path / "out" / "samples.parquet"))
    assert_array_equal(parquet["npv"], sim.outputs["npv"])
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["out", "samples.csv", "samples.parquet"]
    with pytest.raises(SimulationError, match=r"\.csv or \.parquet"):
        export_samples(sim, tmp_path / "samples.xlsx")


def test_samples_are_read_only(invoice_fields):
    """A Simulation is a value: its arrays cannot be changed behind its back, point
    values (held as one number seen at every sample) included."""
    sim = simulate(scenario_from_dict(invoice_fields), 100)
    with pytest.raises(ValueError):
        sim.outputs["npv"][0] = 0
    for name, array in {**sim.inputs, **sim.outputs}.items():
        assert array.shape == (100,) and not array.flags.writeable, name
    assert sim.inputs["hourly_rate"].tolist() == [invoice_fields["hourly_rate"]] * 100


def test_drawing_on_threads_gives_the_same_samples(invoice_fields, monkeypatch):
    """A large run draws its inputs on several threads; one thread gives every sample
    and result bit for bit the same."""
    scenario = with_fields(
        invoice_fields,
        users={"low": 150, "likely": 200, "high": 260},
        hourly_rate={"low": 45, "likely": 55, "high": 65, "distribution": "triangular"},
        correlations=[{"between": ["users", "hourly_rate"], "rho": 0.4}],
    )
    runs = []
    for threads in ("1", "3"):
        monkeypatch.setenv("ROI_THREADS", threads)
        runs.append(simulate(scenario, 2**15, seed=7))
    for name in [*runs[0].inputs, *runs[0].outputs]:
        first = {**runs[0].inputs, **runs[0].outputs}[name]
        assert_array_equal(first, {**runs[1].inputs, **runs[1].outputs}[name], err_msg=name)


@pytest.mark.parametrize("samples", [1, 5, 4_096, 4_097, 10_000])
def test_uniforms_are_the_scrambled_sobol_sequence_drawn_at_once(samples):
    """Drawn a block at a time, the uniforms are the first `samples` points of scipy's
    scrambled Sobol' sequence, exactly as one call would give them (one row an input)."""
    import warnings

    from scipy.stats import qmc

    from roi.uncertainty import _SOBOL_STREAM, uniforms

    engine = qmc.Sobol(3, scramble=True, rng=np.random.default_rng([5, _SOBOL_STREAM]))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        expected = engine.random(samples).T
    assert_array_equal(uniforms([11, 12, 13], samples, 5), expected)


@settings(max_examples=25, deadline=None)
@given(st.integers(1, 120), st.integers(0, 2**32 - 1), st.integers(1, 3_000))
def test_the_vectorized_scrambling_gives_scipys_sobol_points_exactly(dims, seed, samples):
    """roi's Sobol' engine scrambles with array operations instead of scipy's loop; from
    the same generator it must give scipy's points bit for bit, and on this stack the
    fast engine is the one in use (a scipy whose internals moved fails here, not in a
    figure)."""
    import warnings

    from scipy.stats import qmc

    from roi.uncertainty import _sobol_engine

    engine = _sobol_engine()
    assert engine is not qmc.Sobol
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        ours = engine(dims, scramble=True, rng=np.random.default_rng(seed)).random(samples)
        scipys = qmc.Sobol(dims, scramble=True, rng=np.random.default_rng(seed)).random(samples)
    assert_array_equal(ours, scipys)


def test_the_copula_keeps_uniforms_of_exactly_zero_finite():
    """A uniform of exactly 0 (a Sobol' point can be one) is an infinite normal; mixed
    with another it would be inf - inf. The copula keeps every value finite, in [0, 1]."""
    from types import SimpleNamespace

    from roi.uncertainty import correlate

    u = {"a": np.array([0.0, 0.5, 0.999]), "b": np.array([0.999, 0.0, 0.0])}
    mixed = correlate(u, [SimpleNamespace(between=("a", "b"), rho=-0.9)])
    for values in mixed.values():
        assert np.isfinite(values).all() and ((values >= 0) & (values <= 1)).all()


@pytest.mark.parametrize(
    ("kwargs", "fragment"),
    [
        ({"samples": 0}, "samples must be a whole number >= 1"),
        ({"samples": 2.5}, "samples must be a whole number >= 1"),
        ({"samples": True}, "samples must be a whole number >= 1"),
        ({"seed": -1}, "seed must be a whole number >= 0"),
        ({"seed": "1"}, "seed must be a whole number >= 0"),
    ],
)
def test_bad_sample_counts_and_seeds_are_refused(invoice_fields, kwargs, fragment):
    """simulate names what is wrong instead of failing deep inside numpy."""
    with pytest.raises(SimulationError, match=fragment):
        simulate(scenario_from_dict(invoice_fields), **kwargs)


def test_bad_percentile_requests_are_refused(invoice_fields):
    """Unknown metrics, yes/no outputs and q outside 0-100 get a clear message."""
    sim = simulate(scenario_from_dict(invoice_fields), 100)
    with pytest.raises(SimulationError, match="no such metric 'payback'"):
        sim.percentile("payback", 50)
    with pytest.raises(SimulationError, match="probability"):
        sim.percentile("meets_payback_threshold", 50)
    with pytest.raises(SimulationError, match="from 0 to 100"):
        sim.percentile("npv", 101)
    with pytest.raises(SimulationError, match="strictly between"):
        sim.standard_error("npv", 0)


def test_a_range_that_is_a_point_is_not_sampled():
    """Range(low=likely=high) is sampled as exactly that value."""
    assert sample_three_point(np.random.default_rng(0), 4, 4, 4, 3, "uniform").tolist() == [4.0] * 3
    assert Range(low=4, likely=4, high=4).is_point


# --- roi run ------------------------------------------------------------------------------


@pytest.fixture
def ranged_yaml(tmp_path, invoice_fields):
    """A scenario file with ranges, some samples of which never pay back."""
    invoice_fields["users"] = {"low": 1, "likely": 20, "high": 60}
    path = tmp_path / "ranged.yaml"
    path.write_text(yaml.safe_dump(invoice_fields))
    return path


def test_run_json_adds_percentiles_when_the_scenario_has_ranges(ranged_yaml, capsys):
    """--json gains P10/P50/P90 of impact and payback (null for never) and P(meet)."""
    assert main(["run", str(ranged_yaml), "--json", "--samples", "4000", "--seed", "5"]) == 0
    data = json.loads(capsys.readouterr().out)
    expected = simulate(scenario_from_dict(yaml.safe_load(ranged_yaml.read_text())), 4_000, 5)
    assert set(MONTE_CARLO_JSON_KEYS) <= set(data)
    for key in MONTE_CARLO_JSON_KEYS:
        assert data[key] == expected.summary()[key], key
    assert data["payback_months_p90"] is None  # above ~13 users only: most never pay back
    assert data["annual_impact_p10"] < data["annual_impact_p50"] < data["annual_impact_p90"]


def test_run_json_of_a_point_scenario_has_no_monte_carlo(tmp_path, invoice_fields, capsys):
    """Without ranges there is nothing to sample and the JSON keeps its point form."""
    path = tmp_path / "point.yaml"
    path.write_text(yaml.safe_dump(invoice_fields))
    assert main(["run", str(path), "--json"]) == 0
    assert not set(MONTE_CARLO_JSON_KEYS) & set(json.loads(capsys.readouterr().out))


def test_run_summary_mentions_the_monte_carlo(ranged_yaml, capsys):
    """The readable summary gains the sample count, seed and P10/P50/P90 lines."""
    assert main(["run", str(ranged_yaml), "--samples", "2000", "--seed", "9"]) == 0
    out = capsys.readouterr().out
    assert "2,000 samples (seed 9)" in out
    assert "P10 / P50 / P90" in out and "never" in out


@pytest.mark.parametrize("argv", [["--samples", "-1"], ["--samples", "x"], ["--seed", "-2"]])
def test_run_refuses_bad_samples_and_seeds(ranged_yaml, argv, capsys):
    """Bad --samples/--seed exit with status 2 and say what is allowed."""
    with pytest.raises(SystemExit) as exit_:
        main(["run", str(ranged_yaml), *argv])
    assert exit_.value.code == 2
    assert "must be a whole number" in capsys.readouterr().err


# --- sampling: exact quantiles, quasi-Monte Carlo -----------------------------------------


@settings(max_examples=60, deadline=None)
@given(
    st.floats(0, 1),
    st.floats(0.01, 1000),
    st.lists(st.floats(0, 1, allow_subnormal=False), min_size=1, max_size=50),
)
def test_pert_quantiles_match_the_exact_beta_inverse(share, width, probabilities):
    """Tabulated PERT quantiles are within 1e-6 of the width of scipy's exact
    `betaincinv`, for any likely value in the range and any probability (tails too)."""
    from scipy import special

    low, likely = 10.0, 10.0 + share * width
    alpha, beta = 1 + 4 * share, 1 + 4 * (1 - share)
    u = np.array([*probabilities, 1e-12, 1e-07, 1 - 1e-07])
    got = three_point_quantile(u, low, likely, low + width)
    exact = low + width * special.betaincinv(alpha, beta, u)
    known = np.isfinite(exact)  # scipy gives nan below about 1e-300
    assert np.isfinite(got).all() and ((low <= got) & (got <= low + width)).all()
    assert np.abs(got - exact)[known].max() <= 1e-6 * width


def test_triangular_and_uniform_quantiles_are_the_closed_forms():
    """Triangular(0, 1, 4): F(x) = x^2/4 up to the peak (F(1) = 1/4), so the median
    solves 1 - (4 - x)^2 / 12 = 1/2: x = 4 - sqrt(6) = 1.5505."""
    assert three_point_quantile(np.array([0.25, 0.5]), 0, 1, 4, "triangular") == pytest.approx(
        [1.0, 4 - math.sqrt(6)]
    )
    assert three_point_quantile(np.array([0.3]), 10, 99, 20, "uniform").tolist() == [13.0]


def test_an_unknown_sampling_method_is_named_with_the_allowed_ones(invoice_fields):
    with pytest.raises(SimulationError, match="sampling must be one of: sobol, random: got 'lhs'"):
        simulate(
            with_fields(invoice_fields, users={"low": 1, "likely": 2, "high": 3}),
            8,
            0,
            sampling="lhs",
        )


def test_sobol_halves_the_spread_of_the_probability_of_meeting_the_line(invoice_fields):
    """Over 24 seeds at 4,096 samples, the estimated P(meets 12 months) varies less than
    half as much with scrambled Sobol' points as with pseudo-random draws, and both agree
    on its value (the same distribution, sampled more evenly)."""
    scenario = with_fields(
        invoice_fields,
        users={"low": 100, "likely": 200, "high": 260},
        minutes_saved_per_task={"low": 1, "likely": 2.2, "high": 5},
        build_cost={"low": 400_000, "likely": 800_000, "high": 1_500_000},
        correlations=[{"between": ["users", "minutes_saved_per_task"], "rho": 0.4}],
    )
    estimates = {
        method: np.array(
            [
                simulate(scenario, 4_096, seed, sampling=method).prob_meets_threshold
                for seed in range(24)
            ]
        )
        for method in SAMPLING
    }
    assert 0.2 < estimates["random"].mean() < 0.8  # not a trivially certain outcome
    assert estimates["sobol"].mean() == pytest.approx(estimates["random"].mean(), abs=0.01)
    assert estimates["sobol"].std(ddof=1) < 0.5 * estimates["random"].std(ddof=1)


def test_sobol_draws_stay_inside_the_ranges_and_fill_them_evenly(invoice_fields):
    """With 1,024 Sobol' points, each tenth of a uniform range holds 102 or 103 draws
    (pseudo-random counts wander by about +-10)."""
    sim = simulate(
        with_fields(
            invoice_fields, users={"low": 0, "likely": 5, "high": 10, "distribution": "uniform"}
        ),
        1_024,
        3,
    )
    counts, _ = np.histogram(sim.inputs["users"], bins=10, range=(0, 10))
    assert counts.min() >= 101 and counts.max() <= 104


# --- the portfolio's lean sums -------------------------------------------------------------

SUMMED = ("npv_at_decision", "one_time_cost", "monthly_net_impact", "payback_months_cash_flow")


@settings(max_examples=15, deadline=None)
@given(
    first=scenarios(),
    second=scenarios(),
    seeds=st.tuples(st.integers(0, 2**32 - 1), st.integers(0, 2**32 - 1)),
    share=st.booleans(),
)
def test_simulate_sums_adds_up_each_runs_own_shuffled_simulation_exactly(
    first, second, seeds, share
):
    """`simulate_sums` (the portfolio's lean path: only the asked-for outputs, shuffled
    after, quantiles shape by shape across runs) gives, to the bit, the sum of each run's
    `simulate(..., shuffle=True)`; with a shared driver's uniforms too, which the lean path
    puts in the matching order. Any scenario: phase overrides, correlations, criteria."""
    from roi.uncertainty import simulate_sums

    samples = 1_024
    shared = None
    if share:
        shared = {"hourly_rate": np.random.default_rng(seeds[0]).random(samples)}
    runs = [(first, seeds[0], shared), (second, seeds[1], None)]
    expected = np.zeros((len(SUMMED), samples))
    for scenario, seed, drawn in runs:
        sim = simulate(scenario, samples, seed, shared=drawn, shuffle=True)
        expected += np.stack([sim.outputs[name] for name in SUMMED])
    assert_array_equal(simulate_sums(runs, samples, SUMMED), expected)


def test_simulate_sums_draws_many_runs_shape_by_shape_with_the_same_numbers(invoice_fields):
    """More runs than one batch (`SUM_BATCH`), sharing some shapes and not others: the
    order the quantiles are drawn in changes no number."""
    from roi.uncertainty import SUM_BATCH, simulate_sums

    runs = [
        (
            with_fields(
                invoice_fields,
                users={"low": 100 + i % 3, "likely": 200, "high": 300},
                hourly_rate={"low": 40, "likely": 55, "high": 70, "distribution": "triangular"},
            ),
            i,
            None,
        )
        for i in range(SUM_BATCH + 3)
    ]
    expected = sum(
        simulate(s, 512, seed, shuffle=True).outputs["npv_at_decision"] for s, seed, _ in runs
    )
    assert_array_equal(simulate_sums(runs, 512, ("npv_at_decision",))[0], expected)


def test_compute_works_out_only_what_it_is_asked_for_with_the_same_values(invoice_values):
    """`compute(only=...)` gives exactly the full call's values for the names asked, in
    their order, and refuses a name it does not know."""
    weeks = np.array([10.0, 16.0, 30.0])
    values = {**invoice_values, "adoption_months": np.array([0.0, 3.0, 7.5])}
    full = compute(values, weeks)
    asked = ("time_to_value_months", "npv_at_decision", "payback_month_with_ramp")
    lean = compute(values, weeks, only=asked)
    assert list(lean) == list(asked)
    for name in asked:
        assert_array_equal(lean[name], full[name])
    with pytest.raises(KeyError, match="'npv_at_decison'"):
        compute(values, weeks, only=["npv_at_decison"])
