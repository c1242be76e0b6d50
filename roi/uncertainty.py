"""Monte Carlo over every uncertain input: how likely the payback line is met, and when.

Every numeric field given as a Range is sampled (PERT by default, triangular or uniform
per range); point fields stay fixed. The production timeline is sampled too: each phase
between its min, likely and max weeks (or the scenario's `phase_weeks` override) and
each governance checkpoint between its min, likely and max days, scheduled in one
vectorized call, so weeks to go-live and time to value are uncertain as well. Chosen
inputs can be correlated through a Gaussian copula (the scenario's `correlations`).

All samples then go through ONE call of `roi.evaluate.compute`, the engine every other
part of roi uses; nothing here re-implements a formula, and there is no Python loop per
sample.

Draws are randomized quasi-Monte Carlo by default: a scrambled Sobol' sequence, one
dimension per uncertain input, turned into values by each range's exact inverse CDF
(the copula works on those uniforms). At 2**15 samples it halves the standard error of
the probability of meeting the payback line against plain pseudo-random draws
(`sampling="random"`, kept as the baseline).

Reproducible: the same scenario and seed give identical samples, and moving one range's
bounds leaves the other inputs' draws as they were (the app's charts do not jitter when
one slider moves).
"""

from __future__ import annotations

import functools
import math
import os
import warnings
import zlib
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from roi.evaluate import compute, payback_key, timeline_for
from roi.exceptions import RoiError
from roi.gates import priced_open_items
from roi.scenario import NUMERIC_FIELDS, Range, Scenario
from roi.timeline import CHECKPOINTS, PHASES, schedule, total_weeks
from roi.timeline import CONFIG as TIMELINE_CONFIG

DEFAULT_SAMPLES = 32_768
"""2**15: a power of two keeps the Sobol' sequence's balance; at this count the standard
error of the probability of meeting the payback line is under half of what as many
pseudo-random draws give (BENCHMARKS.md)."""
MAX_SAMPLES = 1_000_000
"""Most Monte Carlo samples a run takes: about 570 bytes each (1M: ~0.6 GB, ~4 s on one
core); more would exhaust an ordinary machine's memory before the first result."""
HEADLINE_QUANTILES = (10, 50, 90)

METRICS = (
    "annual_impact",
    "monthly_net_impact",
    "payback_months",
    "payback_months_cash_flow",
    "npv",
    "npv_at_decision",
    "roi_pct",
    "weeks_to_go_live",
    "time_to_value_months",
    "payback_month_with_ramp",
)
"""Outputs whose percentiles `Simulation.summary` reports."""

_SE_METRICS = (  # standard errors of the headline figures and their named details
    "annual_impact",
    "payback_months",
    "payback_months_cash_flow",
    "npv",
    "npv_at_decision",
)

# Stable stream ids: an input's draws depend only on the seed and on which input it is.
_FIELD_STREAM = {name: index for index, name in enumerate(NUMERIC_FIELDS, start=1)}
_PHASE_STREAM = {phase.id: 1_000 + index for index, phase in enumerate(PHASES)}
_CHECKPOINT_STREAM = {cp.id: 2_000 + index for index, cp in enumerate(CHECKPOINTS)}
_END_REVIEW_STREAM = 2_100  # the compliance review's weeks, governance left to the end
_GAP_STREAM = 5_000  # + a digest of the item's id: a priced open item's added weeks
_SOBOL_STREAM = 3_000  # scrambles the Sobol' sequence
_SHUFFLE_STREAM = 3_001  # orders a run's points (portfolio members)
_CRITERION_STREAM = 10_000  # + a digest of the criterion's name: adding one moves no other


def _criterion_stream(name: str) -> int:
    return _CRITERION_STREAM + zlib.crc32(name.encode("utf-8"))


class SimulationError(RoiError, ValueError):
    """A Monte Carlo was asked for something it cannot do (bad sample count, seed, metric)."""


END_REVIEW_COLUMN = "governance_end_review_weeks"
"""Input column holding the compliance review's sampled weeks (governance at the end)."""


def gap_column(item_id: str) -> str:
    """Input column holding a priced open item's sampled weeks, e.g.
    'gap_weeks_gap_notebook_to_pipeline'."""
    return f"gap_weeks_{item_id}"


def phase_column(phase_id: str) -> str:
    """Input column holding a phase's sampled weeks, e.g. 'phase_weeks_planning'."""
    return f"phase_weeks_{phase_id}"


def criterion_column(name: str) -> str:
    """Input column holding a success criterion's sampled measurement, e.g. 'criterion:F1'."""
    return f"criterion:{name}"


def checkpoint_column(checkpoint_id: str) -> str:
    """Input column holding a checkpoint's sampled days, e.g. 'checkpoint_days_bias_audit'."""
    return f"checkpoint_days_{checkpoint_id}"


# --- sampling ------------------------------------------------------------------------

SAMPLING = ("sobol", "random")
"""How the Monte Carlo draws: "sobol" (the default) is randomized quasi-Monte Carlo, a
scrambled Sobol' sequence with one dimension per uncertain input; "random" is plain
pseudo-random sampling, kept as the baseline it is measured against (BENCHMARKS.md)."""

_GRID = (1 - np.cos(np.linspace(0.0, np.pi, 4_097))) / 2
"""Chebyshev-spaced points of [0, 1]: they crowd towards both ends, where a Beta
quantile function bends most."""
_TAILS = np.logspace(-16, -4, 97)
_PROBABILITIES = np.unique(np.concatenate([_GRID, _TAILS, 1 - _TAILS]))


@functools.lru_cache(maxsize=512)
def _beta_table(alpha: float, beta: float) -> tuple[np.ndarray, np.ndarray]:
    """(probabilities, values) of a Beta(alpha, beta) on a grid dense both in probability
    (exact quantiles) and in value (exact CDF at `_GRID`), sorted by probability."""
    from scipy import special  # imported on first use: a scenario without ranges never pays

    probabilities = np.concatenate([_PROBABILITIES, special.betainc(alpha, beta, _GRID)])
    values = np.concatenate([special.betaincinv(alpha, beta, _PROBABILITIES), _GRID])
    # Where a value's probability rounds to one already listed, keep the exact quantile.
    probabilities, first = np.unique(probabilities, return_index=True)
    return probabilities, values[first]


_CELLS = 2**15  # a uniform lookup grid for the body of the distribution (see _beta_lookup)
_BODY = (0.005, 0.995)  # outside it (the tails, where the quantile bends sharply): the table
_BODY_CELLS = (math.floor(_BODY[0] * _CELLS), math.ceil(_BODY[1] * _CELLS))


@functools.lru_cache(maxsize=128)
def _beta_lookup(alpha: float, beta: float) -> np.ndarray:
    """(_CELLS + 1, 2): the quantile at k / _CELLS and its rise to the next one, k =
    0.._CELLS, from the exact table: a cell's value and slope side by side, so a lookup
    reads one place in memory (the last cell, u = 1 exactly, rises no further).

    Stored as float32, 256 kB, so a table stays in a core's 512 kB cache while it is
    read at random: with both cores busy, the 1 MB float64 table of 2^16 cells was fetched
    from shared memory and a portfolio's Monte Carlo ran 10% slower. Linear
    interpolation between 2^15 cells in the body (0.005..0.995) and float32's 6e-8 keep
    every quantile within 5e-7 of the range's width of the exact one (a test checks 1e-6).
    Up to 128 kept (a scenario uses a few dozen shapes; a portfolio whose ranges take up
    to about a hundred shapes between them builds each once, where 64 built one afresh
    for every initiative)."""
    values = np.interp(np.linspace(0.0, 1.0, _CELLS + 1), *_beta_table(alpha, beta))
    table = np.empty((_CELLS + 1, 2), np.float32)
    table[:, 0] = values
    table[:-1, 1] = values[1:] - table[:-1, 0]  # the rise from the stored value
    table[-1, 1] = 0.0
    return table


def _beta_quantile(
    u: np.ndarray, alpha: float, beta: float, low: float = 0.0, span: float = 1.0
) -> np.ndarray:
    """low + span x the Beta(alpha, beta) quantiles at u (an array of any shape): a
    constant-time lookup in the body (linear between 32,769 evenly spaced quantiles), a
    search of the exact table in the tails. Worked out in one buffer, in place: this is
    the Monte Carlo's innermost step (a portfolio runs it some 25 times per initiative)."""
    u = np.asarray(u, float)
    flat = u.reshape(-1)
    out = flat * _CELLS
    cell = out.astype(np.int32)  # 3x as fast as to intp, and 65,536 cells fit
    out -= cell  # the position within the cell, 0..1
    base_rise = _beta_lookup(alpha, beta).take(cell, axis=0)
    np.multiply(base_rise[:, 1], out, out=out)
    out += base_rise[:, 0]
    # Cells outside the body, with one comparison: below it, cell - start wraps around.
    cell -= _BODY_CELLS[0]
    tails = np.flatnonzero(cell.view(np.uint32) >= _BODY_CELLS[1] - _BODY_CELLS[0])
    if tails.size:
        out[tails] = np.interp(flat[tails], *_beta_table(alpha, beta))
    if span != 1.0:
        out *= span
    if low != 0.0:
        out += low
    return out.reshape(u.shape)


def three_point_quantile(
    u: np.ndarray, low: float, likely: float, high: float, distribution: str = "pert"
) -> np.ndarray:
    """The value below which a share `u` (0..1) of a three-point range's draws fall.

    Notes
    -----
    PERT is a Beta distribution scaled to [low, high] with shape parameters
    alpha = 1 + 4 (likely - low) / (high - low) and beta = 1 + 4 (high - likely) /
    (high - low), so its mean is (low + 4 likely + high) / 6. Its quantiles are the exact
    inverse of the regularized incomplete beta function, tabulated once per shape at
    4,291 probabilities (`scipy.special.betaincinv`; Chebyshev-spaced, plus the tails
    down to 1e-16) and 4,097 values (`scipy.special.betainc`) and interpolated: within
    1e-6 of the range's width of the exact quantile, tails included (the tests check
    it). Triangular (peak at likely) and uniform
    (likely ignored) are inverted in closed form. A range with low == high is that
    value exactly.

    Examples
    --------
    >>> three_point_quantile(np.array([0.0, 0.5, 1.0]), 2, 4, 6).tolist()
    [2.0, 4.0, 6.0]
    >>> three_point_quantile(np.array([0.5]), 0, 1, 4, "triangular").round(6).tolist()
    [1.55051]
    """
    u = np.asarray(u, float)
    if high == low:
        return np.full(u.shape, float(likely))
    span = high - low
    if distribution == "pert":
        alpha = 1 + 4 * (likely - low) / span
        beta = 1 + 4 * (high - likely) / span
        return _beta_quantile(u, alpha, beta, low, span)
    if distribution == "triangular":
        c = (likely - low) / span
        return low + span * np.where(u < c, np.sqrt(u * c), 1 - np.sqrt((1 - u) * (1 - c)))
    if distribution == "uniform":
        return low + span * u
    raise SimulationError(
        f"distribution must be one of: pert, triangular, uniform: got {distribution!r}"
    )


def sample_three_point(
    rng: np.random.Generator,
    low: float,
    likely: float,
    high: float,
    samples: int,
    distribution: str = "pert",
) -> np.ndarray:
    """`samples` pseudo-random draws between low and high around likely (the
    distributions of `three_point_quantile`, inverted at uniform draws from `rng`).

    >>> rng = np.random.default_rng(0)
    >>> draws = sample_three_point(rng, 2, 4, 6, 50_000)
    >>> bool(2 <= draws.min() and draws.max() <= 6), round(float(draws.mean()), 1)
    (True, 4.0)
    >>> sample_three_point(rng, 3, 3, 3, 2).tolist()
    [3.0, 3.0]
    """
    return three_point_quantile(rng.random(samples), low, likely, high, distribution)


def _stream(seed: int, key: int) -> np.random.Generator:
    return np.random.default_rng([seed, key])


def _parity(x: np.ndarray) -> np.ndarray:
    """1 where an unsigned integer has an odd number of bits set, else 0 (XOR folding)."""
    x = x.copy()
    for shift in (32, 16, 8, 4, 2, 1):
        if shift < 8 * x.dtype.itemsize:
            x ^= x >> np.asarray(shift, x.dtype)
    odd: np.ndarray = x & np.asarray(1, x.dtype)
    return odd


def _linear_matrix_scramble(sv: np.ndarray, ltm: np.ndarray, bits: int) -> np.ndarray:
    """Sobol' direction numbers `sv` (d, bits) multiplied by lower-triangular binary
    matrices `ltm` (d, bits, bits; diagonal set to 1 here) over GF(2): bit (bits-1-p) of
    a scrambled number is the parity of row p of its matrix (first entry the most
    significant bit) AND the number. What scipy's `_cscramble` works out in a loop of
    d x bits^3 steps (0.7 ms for 28 dimensions), as a few array operations."""
    dtype = sv.dtype
    index = np.arange(bits)
    ltm[:, index, index] = 1
    place = (bits - 1 - index).astype(dtype)  # row p's entry k is bit bits-1-k
    rows = np.bitwise_or.reduce(ltm << place[None, None, :], axis=2)  # (d, bits)
    odd = _parity(rows[:, :, None] & sv[:, None, :])  # (d, p, j)
    scrambled: np.ndarray = np.bitwise_or.reduce(odd << place[None, :, None], axis=1)
    return scrambled


@functools.cache
def _sobol_engine() -> type:
    """`scipy.stats.qmc.Sobol` with its linear matrix scrambling vectorized: the same
    random draws in the same order and the same points (checked here against scipy's
    own on first use; on any difference, or if scipy's internals have moved, scipy's
    class is used as it is). A portfolio builds one engine per initiative, so the
    scrambling was a tenth of its Monte Carlo's time."""
    from scipy.stats import qmc  # ~0.4 s to import: only when something is sampled

    class Sobol(qmc.Sobol):  # type: ignore[misc]  # scipy ships no types: qmc.Sobol is Any
        def _scramble(self) -> None:  # scipy's Sobol._scramble, same draws, same order
            bits, dtype = self.bits, self.dtype_i
            draws = self.rng.integers(2, size=(self.d, bits), dtype=dtype)
            self._shift = np.dot(draws, 2 ** np.arange(bits, dtype=dtype))
            ltm = np.tril(self.rng.integers(2, size=(self.d, bits, bits), dtype=dtype))
            sv = self._sv  # type: ignore[has-type]  # scipy's, set before _scramble runs
            self._sv = _linear_matrix_scramble(sv, ltm, bits)

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            same = all(
                np.array_equal(
                    Sobol(d, rng=np.random.default_rng(seed)).random(64),
                    qmc.Sobol(d, rng=np.random.default_rng(seed)).random(64),
                )
                for d, seed in ((1, 0), (3, 1), (29, 2))
            )
    except Exception:  # scipy changed what the subclass relies on
        same = False
    return Sobol if same else qmc.Sobol


def uniforms(keys: Iterable[int], samples: int, seed: int, sampling: str = "sobol") -> np.ndarray:
    """A (len(keys), samples) array of uniform draws in [0, 1), one row per input.

    "sobol": the first `samples` points of a Sobol' sequence in as many dimensions as
    there are keys, scrambled (Owen-type linear matrix scrambling and a digital shift,
    `scipy.stats.qmc.Sobol`) from the seed; the points fill the unit cube more evenly
    than independent draws, so estimates converge faster (BENCHMARKS.md measures it).
    Powers of two keep the sequence's balance exactly; other counts work. Row k
    depends on the seed and on k, so moving a range's bounds leaves every other input's
    draws as they were; making a point value a range (or back) re-assigns the rows
    after it. "random": each key's own pseudo-random stream, seeded by (seed, key).

    Each row is contiguous in memory: an input's draws are read many times over (its
    quantile function, the copula), and a column of a points-by-dimensions array would
    put every one of its values on a cache line of its own.
    """
    keys = list(keys)
    if not keys:
        return np.empty((0, samples))
    if sampling == "random":
        return np.stack([_stream(seed, key).random(samples) for key in keys])
    if sampling != "sobol":
        raise SimulationError(f"sampling must be one of: {', '.join(SAMPLING)}: got {sampling!r}")
    engine = _sobol_engine()(len(keys), scramble=True, rng=_stream(seed, _SOBOL_STREAM))
    # Drawn and transposed a block of points at a time: the sequence continues from
    # block to block, and each block stays in cache (a transposed copy of all 100k x 25
    # points at once takes 3-4x as long).
    rows = np.empty((len(keys), samples))
    with warnings.catch_warnings():  # "balance properties ... power of 2": known, fine
        warnings.simplefilter("ignore", UserWarning)
        for start in range(0, samples, _BLOCK):
            block = engine.random(min(_BLOCK, samples - start))
            rows[:, start : start + len(block)] = block.T
    return rows


_BLOCK = 4_096
_TINY = 2.0**-53  # the copula's uniforms stay this far inside (0, 1)


def correlate(u: Mapping[str, np.ndarray], correlations: Iterable[Any]) -> dict[str, np.ndarray]:
    """Uniform draws re-paired so chosen inputs move together (a Gaussian copula).

    Each named input's uniforms become standard normals (inverse normal CDF), the
    normals of correlated inputs are mixed with the square root of the requested
    correlation matrix, and mapped back to uniforms; each input's own quantile function
    then gives its values, so every marginal keeps its distribution exactly. The rank
    (Spearman) correlation that results is 6/pi * arcsin(rho / 2), within 0.02 of rho.
    Working on the (quasi-)random uniforms themselves keeps their even spread.

    `correlations` are objects with `between` (two names) and `rho`; pairs naming an
    input that is not in `u` (a point value) are ignored.
    """
    chosen = [c for c in correlations if all(name in u for name in c.between)]
    names = list(dict.fromkeys(name for c in chosen for name in c.between))
    out = dict(u)
    if not names:
        return out
    matrix = np.eye(len(names))
    for c in chosen:
        i, j = names.index(c.between[0]), names.index(c.between[1])
        matrix[i, j] = matrix[j, i] = c.rho
    # A symmetric square root works for semi-definite matrices (rho = +-1) where
    # Cholesky does not.
    eigenvalues, eigenvectors = np.linalg.eigh(matrix)
    root = (eigenvectors * np.sqrt(np.clip(eigenvalues, 0.0, None))) @ eigenvectors.T
    from scipy import special

    # A uniform of exactly 0 would be an infinite normal (and inf - inf, nan, once mixed).
    finite = [special.ndtri(np.clip(u[name], _TINY, 1 - _TINY)) for name in names]
    normals = root @ np.stack(finite)  # a row each
    out.update(zip(names, special.ndtr(normals), strict=True))
    return out


def _check_count(samples: Any) -> int:
    if isinstance(samples, bool) or not isinstance(samples, int | np.integer) or samples < 1:
        raise SimulationError(f"samples must be a whole number >= 1: got {samples!r}")
    return int(samples)


def _check_seed(seed: Any) -> int:
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
        raise SimulationError(f"seed must be a whole number >= 0: got {seed!r}")
    return int(seed)


def _three_point(value: Range, u: np.ndarray) -> np.ndarray:
    return three_point_quantile(u, value.low, value.likely, value.high, value.distribution)


@dataclass(frozen=True, eq=False)
class _Draws:
    """One run's uniforms, before they become values: each drawn input's uniforms (after
    the shuffle and the copula) and its bounds, plus what needs no quantile."""

    ranges: tuple[str, ...]  # the fields drawn
    u: dict[str, np.ndarray]
    bounds: dict[str, tuple[float, float, float, str]]
    fixed_phases: dict[str, np.ndarray]  # phases given as a point (an override)
    ranged_phases: tuple[str, ...]
    measured: dict[str, np.ndarray]  # success criteria measured as a range
    sample_timeline: bool
    gaps: tuple[tuple[str, str], ...] = ()  # (column, phase): priced open items' weeks


def _draws(
    scenario: Scenario,
    samples: int,
    seed: int,
    *,
    sample_timeline: bool,
    sampling: str,
    shared: Mapping[str, np.ndarray] | None,
    shuffle: bool,
) -> _Draws:
    shared = dict(shared or {})
    measured = {
        criterion_column(c.name): _three_point(
            c.measured, _stream(seed, _criterion_stream(c.name)).random(samples)
        )
        for c in scenario.success_criteria
        if isinstance(c.measured, Range) and not c.measured.is_point
    }
    # One dimension per uncertain input, in a fixed order: fields, phases, checkpoints.
    ranges: dict[str, Range] = {}
    for name in NUMERIC_FIELDS:
        value = getattr(scenario, name)
        if isinstance(value, Range) and not value.is_point:
            ranges[name] = value
    keys = {name: _FIELD_STREAM[name] for name in ranges if name not in shared}
    plan_bounds: dict[str, tuple[float, float, float, str]] = {}
    fixed_phases: dict[str, np.ndarray] = {}
    ranged_phases: tuple[str, ...] = ()
    priced: tuple[Any, ...] = ()
    if sample_timeline:
        plan_keys, plan_bounds, fixed_phases, ranged_phases, priced = _plan_dimensions(
            scenario, samples
        )
        keys |= plan_keys
    draws = uniforms(keys.values(), samples, seed, sampling)
    if shuffle:
        draws = draws[:, _shuffle_order(seed, samples)]
    u = dict(zip(keys, draws, strict=True))
    u.update({name: np.asarray(shared[name], float) for name in ranges if name in shared})
    u = correlate({name: u[name] for name in ranges}, scenario.correlations) | {
        name: u[name] for name in keys if name not in ranges
    }
    bounds_of: dict[str, tuple[float, float, float, str]] = {
        name: (v.low, v.likely, v.high, v.distribution) for name, v in ranges.items()
    }
    bounds_of |= plan_bounds
    return _Draws(
        ranges=tuple(ranges),
        u=u,
        bounds=bounds_of,
        fixed_phases=fixed_phases,
        ranged_phases=ranged_phases,
        measured=measured,
        sample_timeline=sample_timeline,
        gaps=tuple((gap_column(i.id), i.price.phase) for i in priced if i.price is not None),
    )


def _plan_dimensions(
    scenario: Scenario, samples: int
) -> tuple[
    dict[str, int],
    dict[str, tuple[float, float, float, str]],
    dict[str, np.ndarray],
    tuple[str, ...],
    tuple[Any, ...],
]:
    """The plan's dimensions of a Monte Carlo, in a fixed order: each phase given as a
    range (an override's, or the plan profile's weeks), each checkpoint's days, the
    compliance review when governance is left to the end, and each priced item answered
    open. Returns their random streams and bounds by input column, the phases given as a
    point (their weeks, constant), the ranged phases' ids and the priced open items."""
    keys: dict[str, int] = {}
    bounds: dict[str, tuple[float, float, float, str]] = {}
    fixed: dict[str, np.ndarray] = {}
    ranged: list[str] = []
    for phase in PHASES:
        override = scenario.phase_weeks.get(phase.id)
        if isinstance(override, Range):
            three = (override.low, override.likely, override.high, override.distribution)
        elif override is not None:
            fixed[phase.id] = _constant(override, samples)
            continue
        else:  # the scenario's plan profile's weeks
            three = (*TIMELINE_CONFIG.profiles[scenario.plan_profile].phase_range(phase), "pert")
        keys[phase_column(phase.id)] = _PHASE_STREAM[phase.id]
        bounds[phase_column(phase.id)] = three
        ranged.append(phase.id)
    for cp in CHECKPOINTS:
        keys[checkpoint_column(cp.id)] = _CHECKPOINT_STREAM[cp.id]
        bounds[checkpoint_column(cp.id)] = (cp.min_days, cp.likely, cp.max_days, "pert")
    if scenario.governance == "end":
        keys[END_REVIEW_COLUMN] = _END_REVIEW_STREAM
        bounds[END_REVIEW_COLUMN] = (*TIMELINE_CONFIG.end_review, "pert")
    priced = priced_open_items(scenario)
    for item in priced:
        assert item.price is not None
        keys[gap_column(item.id)] = _GAP_STREAM + zlib.crc32(item.id.encode("utf-8")) % 1_000
        bounds[gap_column(item.id)] = (*item.price.three_point, "pert")
    return keys, bounds, fixed, tuple(ranged), tuple(priced)


def sampled_ranges(scenario: Scenario) -> dict[str, tuple[float, float, float, str]]:
    """Every range the Monte Carlo samples for a scenario, by input column: its uncertain
    fields, the phases and checkpoints of its plan, the compliance review when
    governance is left to the end, and the weeks of each priced item answered open.

    >>> from roi.resources import SCENARIOS
    >>> from roi.files import load_scenario
    >>> ranges = sampled_ranges(load_scenario(SCENARIOS / "invoice_triage.yaml"))
    >>> len(ranges), ranges["gap_weeks_gap_notebook_to_pipeline"]  # no field ranges: 7 + 5 + 1
    (13, (13.0, 19.5, 26.0, 'pert'))
    """
    draws = _draws(
        scenario, 2, 0, sample_timeline=True, sampling="random", shared=None, shuffle=False
    )
    return dict(draws.bounds)


def _shuffle_order(seed: int, samples: int) -> np.ndarray:
    """The order a shuffled run puts its points in (`sample_inputs`' `shuffle`)."""
    return _stream(seed, _SHUFFLE_STREAM).permutation(samples)


def _inputs(
    scenario: Scenario, draws: _Draws, values: Mapping[str, np.ndarray], samples: int
) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """`sample_inputs`' result from a run's draws and the values at their uniforms."""
    drawn = {name: values[name] for name in draws.ranges}
    if "horizon_months" in drawn:  # the horizon counts whole months
        drawn["horizon_months"] = np.round(drawn["horizon_months"])
    inputs = {
        name: drawn[name] if name in drawn else _constant(scenario.value(name), samples)
        for name in NUMERIC_FIELDS
    }
    inputs.update(draws.measured)
    if not draws.sample_timeline:
        return inputs, _constant(timeline_for(scenario).likely_weeks, samples)
    phase_weeks = dict(draws.fixed_phases)
    phase_weeks.update({pid: values[phase_column(pid)] for pid in draws.ranged_phases})
    checkpoint_days = {cp.id: values[checkpoint_column(cp.id)] for cp in CHECKPOINTS}
    phase_weeks = {phase.id: phase_weeks[phase.id] for phase in PHASES}
    for column, phase_id in draws.gaps:  # a priced item left open lengthens its phase
        phase_weeks[phase_id] = phase_weeks[phase_id] + values[column]
        inputs[column] = values[column]
    if scenario.build_cost_from_plan:  # a slipping phase costs its people's extra weeks
        inputs["build_cost"] = np.broadcast_to(
            scenario.plan_build_cost(phase_weeks), (samples,)
        ).astype(float)
    review = values.get(END_REVIEW_COLUMN)
    weeks = total_weeks(schedule(phase_weeks, checkpoint_days, scenario.governance, review))
    if review is not None:
        inputs[END_REVIEW_COLUMN] = review
    inputs.update({phase_column(pid): weeks_ for pid, weeks_ in phase_weeks.items()})
    inputs.update({checkpoint_column(cid): days for cid, days in checkpoint_days.items()})
    if weeks.shape != (samples,):  # no phase or checkpoint varies
        weeks = _constant(weeks, samples)
    return inputs, weeks


def sample_inputs(
    scenario: Scenario,
    samples: int = DEFAULT_SAMPLES,
    seed: int = 0,
    *,
    sample_timeline: bool = True,
    sampling: str = "sobol",
    shared: Mapping[str, np.ndarray] | None = None,
    shuffle: bool = False,
) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """Sampled inputs (every numeric field, phase weeks, checkpoint days) and go-live weeks.

    Point fields are constant arrays; a success criterion measured as a range is drawn
    under `criterion_column(name)` from its own pseudo-random stream. With
    `sample_timeline=False` the timeline stays at its likely plan (what
    `roi.evaluate.evaluate` uses). `sampling` is one of `SAMPLING`. `shared` maps
    fields to uniforms drawn elsewhere (a portfolio's shared drivers, `roi.portfolio`):
    those fields take them instead of a dimension of their own. `shuffle` puts this
    run's points in an order of its own (seeded): two Sobol' runs scrambled from
    different seeds are still dependent point by point (a linear scramble keeps the
    first digit's pattern), so initiatives summed sample by sample must be shuffled to
    be independent; each run's own set of points, and so its estimates, is unchanged.
    """
    samples, seed = _check_count(samples), _check_seed(seed)
    draws = _draws(
        scenario,
        samples,
        seed,
        sample_timeline=sample_timeline,
        sampling=sampling,
        shared=shared,
        shuffle=shuffle,
    )
    return _inputs(scenario, draws, _quantiles(draws.u, draws.bounds, samples), samples)


_PARALLEL_FROM = 2**15  # samples; below it, starting threads costs more than they save


def drawing_threads() -> int:
    """Threads that draw a large run's inputs: ROI_THREADS, else the cores this process
    may use (at most 4)."""
    setting = os.environ.get("ROI_THREADS", "").strip()
    if setting.isdigit() and int(setting) >= 1:
        return int(setting)
    return min(len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 1, 4)


def _quantiles(
    u: Mapping[str, np.ndarray], bounds: Mapping[str, tuple[float, float, float, str]], samples: int
) -> dict[str, np.ndarray]:
    """Each input's values at its uniforms (`three_point_quantile` of its bounds).

    Inputs are independent of each other, and numpy lets other threads run while it
    works on whole arrays, so a large run spreads them over `drawing_threads()` threads; the
    values are the same either way."""

    def one(name: str) -> np.ndarray:
        return three_point_quantile(u[name], *bounds[name])

    threads = drawing_threads()
    if threads < 2 or samples < _PARALLEL_FROM or len(bounds) < 2:
        return {name: one(name) for name in bounds}
    with ThreadPoolExecutor(threads, thread_name_prefix="roi-draw") as pool:
        return dict(zip(bounds, pool.map(one, bounds), strict=True))


def _constant(value: Any, samples: int) -> np.ndarray:
    """`value` for every sample: a read-only view of one number (no memory per sample)."""
    return np.broadcast_to(np.array(value, float), (samples,))


def _is_constant(array: np.ndarray) -> bool:
    """Whether `array` is a `_constant`: read-only, one number seen at every index."""
    return array.strides == (0,) and not array.flags.writeable


def simulate(
    scenario: Scenario,
    samples: int = DEFAULT_SAMPLES,
    seed: int = 0,
    *,
    sample_timeline: bool = True,
    sampling: str = "sobol",
    shared: Mapping[str, np.ndarray] | None = None,
    shuffle: bool = False,
) -> Simulation:
    """Monte Carlo of a scenario: every range and the timeline sampled, one compute call.

    >>> from roi.scenario import Scenario
    >>> s = Scenario(name="Invoice triage", users={"low": 150, "likely": 200, "high": 220},
    ...     tasks_per_day=12, minutes_saved_per_task={"low": 2, "likely": 4, "high": 6},
    ...     hourly_rate=55, platform_cost_annual=60_000, model_cost_annual=36_000,
    ...     support_cost_annual=40_000, build_cost=250_000, change_cost=50_000)
    >>> sim = simulate(s, samples=10_000, seed=1)
    >>> sim.samples, sim.prob_meets_threshold
    (10000, 1.0)
    >>> sim.percentile("annual_impact", 10) < sim.percentile("annual_impact", 90)
    True
    """
    if not 0 <= samples <= MAX_SAMPLES:
        raise ValueError(f"samples must be from 0 to {MAX_SAMPLES:,}: got {samples!r}")
    inputs, weeks = sample_inputs(
        scenario,
        samples,
        seed,
        sample_timeline=sample_timeline,
        sampling=sampling,
        shared=shared,
        shuffle=shuffle,
    )
    raw = compute({name: inputs[name] for name in NUMERIC_FIELDS}, weeks)
    count = len(weeks)
    outputs = dict(raw)
    for arrays in (inputs, outputs):
        for name, value in arrays.items():
            array = np.asarray(value)
            if array.shape != (count,):  # the same for every sample
                array = _constant(array, count)
            elif not (array.flags.owndata or _is_constant(array)):
                array = array.copy()  # a view of something else: our own copy
            array.flags.writeable = False
            arrays[name] = array
    return Simulation(
        scenario=scenario, seed=int(seed), samples=count, inputs=inputs, outputs=outputs
    )


def _table(bounds: tuple[float, float, float, str]) -> tuple[Any, ...]:
    """What a range's quantile function looks up: a PERT's Beta shape (ranges of one
    shape share a table), or the distribution's name."""
    low, likely, high, distribution = bounds
    if distribution != "pert" or high == low:
        return (distribution,)
    return ("pert", 1 + 4 * (likely - low) / (high - low), 1 + 4 * (high - likely) / (high - low))


SUM_BATCH = 16
"""Runs `simulate_sums` draws together: each shape's lookup table (256 kB) is read for up
to 16 runs in a row while it is in cache (fetched afresh for every input of every run,
the quantiles took 1.5x as long), and 16 runs' inputs (~70 MB at 20,000 samples and 28
ranges) stay small."""


def simulate_sums(
    runs: Sequence[tuple[Scenario, int, Mapping[str, np.ndarray] | None]],
    samples: int,
    outputs: Sequence[str],
) -> np.ndarray:
    """(len(outputs), samples): the sum over `runs`, each (scenario, seed, shared
    uniforms or None), of `simulate(scenario, samples, seed, shared=shared,
    shuffle=True).outputs[name]` for each name in `outputs`.

    The same numbers (the tests compare them), worked out leaner for a portfolio of
    thousands: only the named outputs are computed; each run's points are shuffled as
    three output rows rather than as every input's uniforms (the results are worked out
    sample by sample, so shuffling after gives the same values as shuffling before, with
    the shared uniforms put in the matching order); and the quantiles of `SUM_BATCH`
    runs are drawn shape by shape.
    """
    samples = _check_count(samples)
    totals = np.zeros((len(outputs), samples))
    for start in range(0, len(runs), SUM_BATCH):
        batch = []
        for scenario, seed, shared in runs[start : start + SUM_BATCH]:
            seed = _check_seed(seed)
            order = _shuffle_order(seed, samples)
            if shared:
                back = np.empty_like(order)
                back[order] = np.arange(samples)
                shared = {name: np.asarray(u, float)[back] for name, u in shared.items()}
            draws = _draws(
                scenario,
                samples,
                seed,
                sample_timeline=True,
                sampling="sobol",
                shared=shared,
                shuffle=False,
            )
            batch.append((scenario, order, draws))
        jobs = sorted(
            (
                (_table(d.bounds[name]), i, name)
                for i, (_, _, d) in enumerate(batch)
                for name in d.bounds
            ),
            key=lambda job: (job[0], job[1]),
        )
        values: list[dict[str, np.ndarray]] = [{} for _ in batch]
        for _, i, name in jobs:
            d = batch[i][2]
            values[i][name] = three_point_quantile(d.u.pop(name), *d.bounds[name])
        for (scenario, order, draws), drawn in zip(batch, values, strict=True):
            inputs, weeks = _inputs(scenario, draws, drawn, samples)
            raw = compute({name: inputs[name] for name in NUMERIC_FIELDS}, weeks, only=outputs)
            for row, name in enumerate(outputs):
                value = np.asarray(raw[name], float)
                totals[row] += value[order] if value.shape == (samples,) else value
    return totals


# --- results ---------------------------------------------------------------------------


def _plain(value: float) -> float | None:
    return float(value) if math.isfinite(value) else None


@dataclass(frozen=True, eq=False)  # samples are compared with numpy, not ==
class Simulation:
    """The samples of one Monte Carlo run and what they say.

    `inputs` holds every numeric field (constant where it is a point value), the sampled
    phase weeks and checkpoint days; `outputs` holds `roi.evaluate.compute`'s results for
    every sample. Payback is inf where a sample never pays back: those samples are kept
    and counted, never dropped.
    """

    scenario: Scenario
    seed: int
    samples: int
    inputs: dict[str, np.ndarray]
    outputs: dict[str, np.ndarray]
    _sorted: dict[str, np.ndarray] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    def __repr__(self) -> str:
        return (
            f"Simulation(scenario={self.scenario.name!r}, samples={self.samples}, seed={self.seed})"
        )

    # --- percentiles ---------------------------------------------------------------

    def _values(self, metric: str) -> np.ndarray:
        if metric in self.outputs:
            values = self.outputs[metric]
        elif metric in self.inputs:
            values = self.inputs[metric]
        else:
            known = ", ".join([*self.outputs, *self.inputs])
            raise SimulationError(f"no such metric {metric!r}; known: {known}")
        if values.dtype == bool:
            raise SimulationError(f"{metric!r} is yes/no: ask for its probability instead")
        return values

    def sorted_values(self, metric: str) -> np.ndarray:
        """The samples of a metric in ascending order (inf = never pays back, last)."""
        if metric not in self._sorted:
            ordered = np.sort(self._values(metric))
            ordered.flags.writeable = False
            self._sorted[metric] = ordered
        return self._sorted[metric]

    def percentile(self, metric: str, q: float) -> float | None:
        """The q-th percentile (0-100) of a metric; None where it falls among never-pays-back.

        Linear interpolation between order statistics (numpy's default method). A
        percentile that touches an infinite sample is None, so a payback P90 is None
        when more than about 10% of samples never pay back.
        """
        if not 0 <= q <= 100:
            raise SimulationError(f"percentile q must be from 0 to 100: got {q!r}")
        ordered = self.sorted_values(metric)
        position = (len(ordered) - 1) * q / 100
        below = math.floor(position)
        above = min(below + 1, len(ordered) - 1)
        weight = position - below
        low_value, high_value = float(ordered[below]), float(ordered[above])
        if not math.isfinite(low_value) or (weight > 0 and not math.isfinite(high_value)):
            return None
        return low_value + weight * (high_value - low_value) if weight > 0 else low_value

    def percentiles(
        self, metric: str, qs: Iterable[float] = HEADLINE_QUANTILES
    ) -> dict[float, float | None]:
        """Several percentiles of a metric: {q: value or None}."""
        return {q: self.percentile(metric, q) for q in qs}

    def standard_error(self, metric: str, q: float) -> float | None:
        """Standard error of the q-th percentile estimate (order-statistic method).

        Notes
        -----
        The rank of the sample percentile varies with standard deviation
        d = sqrt(n p (1 - p)) (binomial), so its standard error is the change in value
        over +-d ranks around it: SE = (x[k + d] - x[k - d]) / 2. It needs no assumption
        about the distribution. None where the neighbourhood includes never-pays-back
        samples. Quadrupling the samples halves it: compare with the size of a change
        that matters to decide whether the sample count is enough. It assumes
        independent draws; the default Sobol' points spread more evenly than that, so
        for them it is an upper bound.
        """
        if not 0 < q < 100:
            raise SimulationError(
                f"standard errors are for percentiles strictly between 0 and 100: got {q!r}"
            )
        ordered = self.sorted_values(metric)
        n = len(ordered)
        p = q / 100
        spread = math.sqrt(n * p * (1 - p))
        centre = (n - 1) * p
        below = max(0, math.floor(centre - spread))
        above = min(n - 1, math.ceil(centre + spread))
        if above == below:
            return None
        low_value, high_value = float(ordered[below]), float(ordered[above])
        if not (math.isfinite(low_value) and math.isfinite(high_value)):
            return None
        return (high_value - low_value) / (above - below) * spread

    def convergence(
        self, metrics: Iterable[str] = _SE_METRICS, qs: Iterable[float] = HEADLINE_QUANTILES
    ) -> pd.DataFrame:
        """A table of headline percentiles with their standard errors and relative size."""
        rows = []
        for metric in metrics:
            for q in qs:
                value, error = self.percentile(metric, q), self.standard_error(metric, q)
                relative = abs(error / value) * 100 if value and error is not None else None
                rows.append(
                    {
                        "metric": metric,
                        "percentile": q,
                        "value": value,
                        "standard_error": error,
                        "relative_error_pct": relative,
                    }
                )
        return pd.DataFrame(rows)

    # --- probabilities -------------------------------------------------------------

    @property
    def payback_key(self) -> str:
        """The output holding the payback the decision uses (the scenario's basis)."""
        return payback_key(self.scenario)

    @property
    def prob_meets_threshold(self) -> float:
        """Share of samples whose payback, on the scenario's `payback_basis` (the cash
        flow with its ramp, by default), comes within the payback threshold."""
        meets = "meets_payback_threshold" + (
            "" if self.payback_key == "payback_months" else "_cash_flow"
        )
        return float(np.mean(self.outputs[meets]))

    @property
    def prob_positive_net(self) -> float:
        """Share of samples whose annual net impact is above zero."""
        return float(np.mean(self.outputs["annual_impact"] > 0))

    @property
    def prob_never_pays_back(self) -> float:
        """Share of samples that never pay back (monthly net impact <= 0)."""
        return float(np.mean(np.isinf(self.outputs["payback_months"])))

    # --- reports -------------------------------------------------------------------

    def summary(self) -> dict[str, Any]:
        """Flat, JSON-ready headline numbers: percentiles, standard errors, probabilities.

        Keys are `<metric>_p10`, `_p50`, `_p90` for every metric in METRICS (None where
        a percentile falls among never-pays-back samples), `<metric>_p<q>_se` for annual
        impact, payback and NPV, the three probabilities, `samples` and `seed`.
        """
        out: dict[str, Any] = {"samples": self.samples, "seed": self.seed}
        for metric in METRICS:
            for q, value in self.percentiles(metric).items():
                out[f"{metric}_p{q}"] = value
        for metric in _SE_METRICS:
            for q in HEADLINE_QUANTILES:
                out[f"{metric}_p{q}_se"] = self.standard_error(metric, q)
        out["annual_impact_mean"] = _plain(float(np.mean(self.outputs["annual_impact"])))
        out["npv_mean"] = _plain(float(np.mean(self.outputs["npv"])))
        out["prob_meets_threshold"] = self.prob_meets_threshold
        out["prob_positive_net"] = self.prob_positive_net
        out["prob_never_pays_back"] = self.prob_never_pays_back
        return out

    def to_frame(self) -> pd.DataFrame:
        """One row per sample: every input, then every output (the audit trail)."""
        columns = {**self.inputs, **{n: v for n, v in self.outputs.items() if n not in self.inputs}}
        frame = pd.DataFrame(columns)
        frame.index.name = "sample"
        return frame


def uncertain_fields(scenario: Scenario) -> list[str]:
    """Numeric fields the Monte Carlo samples (ranges whose low and high differ)."""
    return [name for name, value in scenario.ranges().items() if not value.is_point]
