"""The Monte Carlo (impact, payback, NPV, timeline) vs bare numpy and vs a per-sample loop."""

from __future__ import annotations

import math
import random

import numpy as np

from benchmarks.run import one_thread, timed, verdict
from roi.evaluate import compute
from roi.scenario import NUMERIC_FIELDS, Scenario, scenario_from_dict
from roi.timeline import CHECKPOINTS, PHASES
from roi.uncertainty import (
    DEFAULT_SAMPLES,
    checkpoint_column,
    drawing_threads,
    phase_column,
    sample_inputs,
    simulate,
)

TITLE = "Monte Carlo: 100,000 samples vs bare numpy and vs a per-sample Python loop"
SAMPLES = 100_000
DEFAULT = DEFAULT_SAMPLES
LOOP_SAMPLES = 2_000  # the loops are timed on a slice and scaled per sample

# Every numeric input a business case is usually unsure about is a range, two of them
# correlated, so the run samples 14 inputs plus 7 phases and 5 checkpoints.
SCENARIO = {
    "name": "Invoice triage assistant, every estimate uncertain",
    "users": {"low": 150, "likely": 200, "high": 260},
    "tasks_per_day": {"low": 8, "likely": 12, "high": 15},
    "minutes_saved_per_task": {"low": 2, "likely": 4, "high": 6},
    "hourly_rate": {"low": 45, "likely": 55, "high": 65, "distribution": "triangular"},
    "incremental_revenue": {"low": 0, "likely": 20_000, "high": 80_000},
    "platform_cost_annual": {"low": 40_000, "likely": 60_000, "high": 90_000},
    "model_cost_annual": {"low": 20_000, "likely": 36_000, "high": 80_000},
    "support_cost_annual": {"low": 30_000, "likely": 40_000, "high": 60_000},
    "build_cost": {"low": 200_000, "likely": 250_000, "high": 400_000},
    "change_cost": {"low": 30_000, "likely": 50_000, "high": 90_000, "distribution": "uniform"},
    "payback_threshold_months": 12,
    "adoption_months": {"low": 1, "likely": 3, "high": 6},
    "discount_rate": {"low": 0.06, "likely": 0.10, "high": 0.14},
    "horizon_months": {"low": 24, "likely": 36, "high": 48},
    "correlations": [{"between": ["users", "tasks_per_day"], "rho": 0.5}],
}


def _bare_common(v: dict[str, np.ndarray]):
    time_value = (
        v["users"]
        * v["tasks_per_day"]
        * v["minutes_saved_per_task"]
        / 60
        * v["hourly_rate"]
        * v["workdays_per_year"]
    )
    running = v["platform_cost_annual"] + v["model_cost_annual"] + v["support_cost_annual"]
    net = time_value + v["incremental_revenue"] - running
    one_time = v["build_cost"] + v["change_cost"]
    monthly = net / 12
    payback = np.where(monthly > 0, one_time / np.where(monthly > 0, monthly, 1), np.inf)
    benefit = (time_value + v["incremental_revenue"]) / 12
    p = {phase.id: v[phase_column(phase.id)] for phase in PHASES}
    governance = np.max([v[checkpoint_column(c.id)] for c in CHECKPOINTS], axis=0) / 5
    weeks = (
        p["planning"]
        + p["refactoring"]
        + p["data_pipeline"]
        + p["infrastructure"]
        + np.maximum(p["integration_testing"] + p["monitoring"], governance)
        + p["rollout"]
    )
    return net, payback, one_time, benefit, running / 12, weeks


def _share(months: np.ndarray, ramp: np.ndarray) -> np.ndarray:
    """Share of the full benefit in each month under a linear adoption ramp."""
    safe = np.where(ramp > 0, ramp, 1)

    def adopted(t):
        return np.where(t <= ramp, np.where(ramp > 0, t**2 / (2 * safe), 0), t - ramp / 2)

    return adopted(months) - adopted(months - 1)


def bare_numpy_matrix(v: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """The formulas written out in numpy on pre-drawn samples, NPV as the month-by-month
    sum the formula states (a samples x months matrix).

    Impact, payback, NPV and weeks to go-live (standard phase graph, parallel
    checkpoints); it skips what `compute` adds besides (ROI, ramp-aware payback, time to
    value, cash at horizon).
    """
    net, payback, one_time, benefit, running, weeks = _bare_common(v)
    months = np.arange(1, int(v["horizon_months"].max()) + 1)
    flows = benefit[:, None] * _share(months, v["adoption_months"][:, None]) - running[:, None]
    flows = np.where(months <= v["horizon_months"][:, None], flows, 0)
    discount = (1 + v["discount_rate"][:, None]) ** (-months / 12)
    npv = (flows * discount).sum(axis=1) - one_time
    return {"annual_impact": net, "payback_months": payback, "npv": npv, "weeks_to_go_live": weeks}


def bare_numpy_closed_form(v: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """The same, with NPV in roi's closed form: an annuity at full adoption, less the
    benefit missing in the ramp months (the algorithm `roi.payback.npv` uses)."""
    net, payback, one_time, benefit, running, weeks = _bare_common(v)
    horizon, ramp = v["horizon_months"], v["adoption_months"]
    log_v = -np.log1p(v["discount_rate"]) / 12
    annuity = np.exp(log_v) * np.expm1(horizon * log_v) / np.expm1(log_v)
    width = int(min(horizon.max(), np.ceil(ramp.max())))
    months = np.arange(1, width + 1)
    missing = np.where(months <= horizon[:, None], 1 - _share(months, ramp[:, None]), 0)
    ramp_loss = benefit * (missing * np.exp(log_v[:, None] * months)).sum(axis=1)
    npv = (benefit - running) * annuity - one_time - ramp_loss
    return {"annual_impact": net, "payback_months": payback, "npv": npv, "weeks_to_go_live": weeks}


def _pert(low: float, likely: float, high: float) -> float:
    if high == low:
        return low
    span = high - low
    return low + span * random.betavariate(
        1 + 4 * (likely - low) / span, 1 + 4 * (high - likely) / span
    )


def _draw(value) -> float:
    if isinstance(value, int | float):
        return float(value)
    if value.distribution == "triangular":
        return random.triangular(value.low, value.high, value.likely)
    if value.distribution == "uniform":
        return random.uniform(value.low, value.high)
    return _pert(value.low, value.likely, value.high)


def python_loop(scenario: Scenario, samples: int) -> list[tuple[float, float, float, float]]:
    """One sample at a time in plain Python: draw, then impact, payback, NPV, go-live.

    Correlation is left out (it would make the loop slower still).
    """
    out = []
    for _ in range(samples):
        v = {name: _draw(getattr(scenario, name)) for name in NUMERIC_FIELDS}
        horizon = round(v["horizon_months"])
        time_value = (
            v["users"]
            * v["tasks_per_day"]
            * v["minutes_saved_per_task"]
            / 60
            * v["hourly_rate"]
            * v["workdays_per_year"]
        )
        running = v["platform_cost_annual"] + v["model_cost_annual"] + v["support_cost_annual"]
        net = time_value + v["incremental_revenue"] - running
        one_time = v["build_cost"] + v["change_cost"]
        payback = one_time / (net / 12) if net > 0 else math.inf
        ramp = v["adoption_months"]

        def adopted(t, ramp=ramp):
            if t <= ramp:
                return t * t / (2 * ramp) if ramp > 0 else 0.0
            return t - ramp / 2

        npv = -one_time
        for month in range(1, horizon + 1):
            cash = (time_value + v["incremental_revenue"]) / 12 * (
                adopted(month) - adopted(month - 1)
            ) - running / 12
            npv += cash / (1 + v["discount_rate"]) ** (month / 12)
        p = {phase.id: _pert(phase.min_weeks, phase.likely, phase.max_weeks) for phase in PHASES}
        governance = max(_pert(c.min_days, c.likely, c.max_days) for c in CHECKPOINTS) / 5
        weeks = (
            p["planning"]
            + p["refactoring"]
            + p["data_pipeline"]
            + p["infrastructure"]
            + max(p["integration_testing"] + p["monitoring"], governance)
            + p["rollout"]
        )
        out.append((net, payback, npv, weeks))
    return out


def engine_loop(inputs: dict[str, np.ndarray], weeks: np.ndarray, samples: int) -> list:
    """One `compute` call per pre-drawn sample: the engine used the slow way."""
    return [
        compute({name: inputs[name][i] for name in NUMERIC_FIELDS}, weeks[i])
        for i in range(samples)
    ]


def _interleaved(functions: dict, repeat: int) -> dict[str, float]:
    """Best time of each function, run in turns so that load on a shared machine falls
    on all of them alike (the ratios are what matter)."""
    best = dict.fromkeys(functions, float("inf"))
    for _ in range(repeat):
        for name, function in functions.items():
            best[name] = min(best[name], timed(function, repeat=1))
    return best


def run() -> str:
    scenario = scenario_from_dict(SCENARIO)
    sim = simulate(scenario, SAMPLES, seed=1)
    drawn = {name: np.ascontiguousarray(values) for name, values in sim.inputs.items()}
    for baseline in (bare_numpy_matrix, bare_numpy_closed_form):  # the same numbers
        for metric, values in baseline(drawn).items():
            assert np.allclose(values, sim.outputs[metric], rtol=1e-9), metric
    weeks = sim.outputs["weeks_to_go_live"]
    random.seed(1)
    times = _interleaved(
        {
            "mc": lambda: simulate(scenario, SAMPLES, seed=1),
            "mc1": one_thread(lambda: simulate(scenario, SAMPLES, seed=1)),
            "draw": lambda: sample_inputs(scenario, SAMPLES, seed=1),
            "default": lambda: simulate(scenario, DEFAULT, seed=1),
            "matrix": lambda: bare_numpy_matrix(drawn),
            "closed": lambda: bare_numpy_closed_form(drawn),
            "loop": lambda: python_loop(scenario, LOOP_SAMPLES),
            "engine": lambda: engine_loop(drawn, weeks, LOOP_SAMPLES),
        },
        repeat=7,
    )
    mc_s, draw_s, default_s = times["mc"], times["draw"], times["default"]
    mc1_s = times["mc1"]
    matrix_s, closed_s = times["matrix"], times["closed"]
    loop_s = times["loop"] * SAMPLES / LOOP_SAMPLES
    engine_s = times["engine"] * SAMPLES / LOOP_SAMPLES
    vs_matrix, vs_closed = mc_s / matrix_s, mc_s / closed_s
    vs_loop, vs_engine = loop_s / mc_s, engine_s / mc_s
    threads = drawing_threads()
    return "\n".join(
        [
            f"{SAMPLES:,} samples of a scenario with 13 ranges (one pair correlated), 7 phases and"
            " 5 checkpoints: 25 sampled inputs; NPV over a 24-48 month horizon with a 1-6 month"
            " adoption ramp.",
            "",
            "| what | time for 100,000 samples |",
            "|---|---|",
            f"| `simulate`: draw, correlate, schedule, one `compute` call (every result), "
            f"inputs drawn on {threads} threads | {mc_s * 1e3:,.0f} ms |",
            f"| `simulate` on one thread (`ROI_THREADS=1`) | {mc1_s * 1e3:,.0f} ms |",
            "| ... of which `sample_inputs`: 25 draws, copula, schedule "
            f"| {draw_s * 1e3:,.0f} ms |",
            f"| bare numpy on pre-drawn samples, NPV as a month-by-month matrix "
            f"| {matrix_s * 1e3:,.0f} ms |",
            f"| bare numpy on pre-drawn samples, NPV in roi's closed form "
            f"| {closed_s * 1e3:,.0f} ms |",
            f"| Python loop: `random` draws + scalar formulas ({LOOP_SAMPLES:,} timed, scaled) "
            f"| {loop_s:,.1f} s |",
            f"| loop calling `compute` once per pre-drawn sample ({LOOP_SAMPLES:,} timed, scaled) "
            f"| {engine_s:,.1f} s |",
            "",
            f"- vs bare numpy with the month matrix: **{vs_matrix:.1f}x** its time (target: "
            f"within 3x: {verdict(vs_matrix <= 3)}).",
            f"- vs bare numpy with the same closed-form NPV: **{vs_closed:.1f}x** its time "
            f"(target: within 3x: {verdict(vs_closed <= 3)}). The baseline is handed its samples;"
            f" `sample_inputs` is {draw_s / mc_s:.0%} of the Monte Carlo, so this ratio is bounded"
            " below by the cost of drawing (Sobol' points, inverse CDFs), not roi's plumbing.",
            f"- `simulate` without `sample_inputs` ({(mc_s - draw_s) * 1e3:,.0f} ms: one `compute`"
            f" with every result, arrays frozen) is **{(mc_s - draw_s) / closed_s:.1f}x** the bare"
            " closed-form expression (target: within 3x: "
            f"{verdict(mc_s - draw_s <= 3 * closed_s)}).",
            f"- vs the plain-Python loop: **{vs_loop:,.0f}x** faster (target: at least 100x: "
            f"{verdict(vs_loop >= 100)}); on one thread **{loop_s / mc1_s:,.0f}x**. Both are"
            " dominated by drawing samples, and numpy's inverse CDFs are only some tens of times"
            " faster per draw than `random.betavariate`.",
            f"- vs the loop calling `compute` per sample: **{vs_engine:,.0f}x** faster "
            f"(target: at least 100x: {verdict(vs_engine >= 100)}).",
            f"- Default run, {DEFAULT:,} samples: **{default_s * 1e3:,.0f} ms** "
            "(what the app pays on every slider move).",
        ]
    )
