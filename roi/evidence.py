"""The PoC's evidence: success criteria, the value of learning more, importance, gate odds.

A proof of concept exists to retire one or two named unknowns against success criteria
written down before it started. This module joins that technical evidence to the money:

- **Success criteria.** Each criterion (`roi.scenario.Criterion`) is *met* (at its
  target), *close* (between its minimum viable value and the target) or *missed* (past
  the minimum, the kill line). A measurement given as a range is sampled with the other
  inputs; the rule is then: missed when it is at least 50% likely to be past the
  minimum (the median is), met when it is at least the decision rule's `confidence`
  (70% by default) likely to reach the target, close otherwise. A point measurement has
  probabilities 0 or 1, so the same rule reads it directly.
- **Value of the go decision per sample.** V = NPV at the decision, except where a
  sampled criterion is past its kill line: the system would not work, the initiative
  stops at the proof-of-value gate, and V = - the spend committed to reach it.
- **Value of information** (Strong and Oakley, 2014). EVPI = E[max(V, 0)] - max(E[V], 0):
  what knowing everything before deciding is worth. EVPPI of one input X =
  E[max(E[V | X], 0)] - max(E[V], 0), with E[V | X] estimated from the same samples by a
  piecewise-linear regression of V on X over equal-count bins of X (one vectorized pass).
- **Importance** (first-order, variance-based): the share of Var(Y) explained by X alone,
  Var(E[Y | X]) / Var(Y), from the same regression, bias-corrected for the bins' fitted
  parameters (epsilon squared). It needs no independence, so it stays right when inputs
  are correlated through the copula (where each input's share includes what it carries
  of its correlated partners, and shares may sum above 1).
- **Odds across the gates** after the PoC (2 proof of value, 3 MVP, 4 controlled pilot):
  each has a probability of passing (`gate_probabilities`, default 0.81 each, so that
  the three together give Gartner's 53% of AI projects that make it from prototype to
  production) and a spend that reaching it commits (the build cost in proportion to the
  likely plan's weeks, plus the change cost at the pilot). Risk-adjusted NPV =
  P(pass all) E[V] - sum over gates of P(reach it and stop there) x its spend. The
  expected commercial value (Cooper's Stage-Gate) = (PV x Pcs - C) x Pts - D, with PV the
  value before one-time costs, Pts = p2 p3, Pcs = p4, C the change cost and D the build
  cost.

Pure functions over numbers and numpy arrays; no Python loop per sample.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from roi.base_rates import default_prior, priors
from roi.evaluate import Results, compute, timeline_for
from roi.gates import priced_open_items
from roi.precision import CENT, at_least, at_most
from roi.scenario import FIELD_SPECS, GATE_PROBABILITY_GATES, Criterion, Range, Scenario, likely
from roi.uncertainty import Simulation, criterion_column, uncertain_fields

DEFAULT_CONFIDENCE = 0.70
"""The decision rule's default: the least chance of meeting a target (payback within the
threshold, a criterion's target) for a Go. `DecisionRule` and every command start here."""

Status = Literal["met", "close", "missed"]
STATUSES: tuple[str, ...] = ("met", "close", "missed")

POC_TIMEBOX_WEEKS = 3.0
"""The longest a feasibility PoC should run (the articles: timebox PoCs to 2-3 weeks)."""

DEFAULT_GATE_PROBABILITY = priors()[default_prior()].gate_probability
"""Chance of passing each of the three gates after the PoC when a scenario gives none:
the default base rate of roi/data/priors.yaml, 0.81 (0.81^3 = 0.53, Gartner's share of AI
projects that make it from prototype to production, quoted in the reference article on
the PoC-to-production gap)."""

TIMELINE_KEY = "weeks_to_go_live"
"""The name under which the production timeline (all phases together) is an input of the
measurement plan and the importance."""

MIN_PER_BIN = 400
MAX_BINS = 50


@dataclass(frozen=True)
class GateStage:
    """One gate after the PoC: where it sits on the plan and which kill criteria it checks."""

    number: int
    name: str
    phases: tuple[str, ...]  # reached when these phases of the plan have finished
    checks: str  # what the kill criteria at this gate test, in words


GATE_STAGES: tuple[GateStage, ...] = (
    GateStage(
        2,
        "Proof of value",
        ("planning",),
        "a success criterion past its kill line, or payback above the threshold",
    ),
    GateStage(
        3,
        "MVP",
        ("planning", "refactoring", "data_pipeline", "infrastructure"),
        "production engineering past the plan's audit line (its profile's: 21 weeks for"
        " the full plan, 16 for a well-scoped feature)",
    ),
    GateStage(
        4,
        "Controlled pilot",
        (),  # all of them: the pilot ends at go-live
        "monthly net impact not positive once live",
    ),
)
assert tuple(g.number for g in GATE_STAGES) == GATE_PROBABILITY_GATES


# --- success criteria ---------------------------------------------------------------


def meets_target(criterion: Criterion, measured: Any) -> np.ndarray:
    """Whether a measured value (or array of samples) reaches the criterion's target."""
    if criterion.higher_is_better:
        return at_least(measured, criterion.target)
    return at_most(measured, criterion.target)


def past_minimum(criterion: Criterion, measured: Any) -> np.ndarray:
    """Whether a measured value (or samples) is past the kill line, on its worse side."""
    if criterion.higher_is_better:
        return ~np.asarray(at_least(measured, criterion.minimum))
    return ~np.asarray(at_most(measured, criterion.minimum))


def metric_text(value: float, unit: str) -> str:
    """A criterion's value in its unit: a share as a percent, else the number and unit.

    >>> metric_text(0.935, "share"), metric_text(180, "ms"), metric_text(0.4, "")
    ('93.5%', '180 ms', '0.4')
    """
    if unit.strip().lower() in ("share", "fraction"):
        return f"{value * 100:.4g}%"
    return f"{value:,.4g} {unit}".strip()


@dataclass(frozen=True)
class CriterionResult:
    """Where one success criterion stands: its status, and its odds when measured as a range."""

    criterion: Criterion
    status: Status
    prob_meets_target: float | None  # None: measured as a number (or not simulated)
    prob_misses_minimum: float | None

    @property
    def name(self) -> str:
        return self.criterion.name

    @property
    def measured(self) -> float:
        return likely(self.criterion.measured)

    @property
    def gap(self) -> float:
        """How far the likely measurement is from the target (0 when it is reached)."""
        c = self.criterion
        short = c.target - self.measured if c.higher_is_better else self.measured - c.target
        return max(0.0, short)

    def text(self, value: float) -> str:
        return metric_text(value, self.criterion.unit)

    @property
    def criterion_range(self) -> tuple[float, float] | None:
        """(low, high) of a measured range; None for a single measurement."""
        m = self.criterion.measured
        if isinstance(m, Range) and not m.is_point:
            return (m.low, m.high)
        return None

    @property
    def gap_text(self) -> str:
        """The gap in the criterion's unit; a gap between shares in percentage points."""
        if self.criterion.unit.strip().lower() in ("share", "fraction"):
            return f"{self.gap * 100:.3g} percentage points"
        return self.text(self.gap)

    @property
    def sentence(self) -> str:
        """The criterion's standing in one sentence, as the decision states it."""
        c = self.criterion
        measured = self.text(self.measured)
        where = f"measured {measured}"
        if isinstance(c.measured, Range) and not c.measured.is_point:
            where += f" (range {self.text(c.measured.low)} to {self.text(c.measured.high)})"
        lines = {
            "met": f"{c.name}: {where}, meets the target of {self.text(c.target)}",
            "close": (
                f"{c.name}: {where}, "
                + (
                    f"short of the target of {self.text(c.target)} by {self.gap_text}"
                    if self.gap > 0
                    else f"not reliably at the target of {self.text(c.target)}"
                )
                + f" but not past the kill line of {self.text(c.minimum)}"
            ),
            "missed": (
                f"{c.name}: {where}, past the kill line of {self.text(c.minimum)} "
                f"(target {self.text(c.target)})"
            ),
        }
        sentence = lines[self.status]
        if self.prob_meets_target is not None:
            sentence += (
                f"; {_share(self.prob_meets_target)} likely to reach the target, "
                f"{_share(self.prob_misses_minimum)} to be past the kill line"
            )
        return sentence + "."

    def to_dict(self) -> dict[str, Any]:
        c = self.criterion
        return {
            "name": c.name,
            "status": self.status,
            "direction": c.direction,
            "target": c.target,
            "minimum": c.minimum,
            "measured": self.measured,
            "measured_low": c.measured.low if isinstance(c.measured, Range) else None,
            "measured_high": c.measured.high if isinstance(c.measured, Range) else None,
            "unit": c.unit,
            "source": c.source,
            "gap": self.gap,
            "prob_meets_target": self.prob_meets_target,
            "prob_misses_minimum": self.prob_misses_minimum,
        }


def _share(p: float | None) -> str:
    from roi.formatting import share

    return share(p)


def criterion_status(
    prob_meets_target: float, prob_misses_minimum: float, confidence: float
) -> Status:
    """The documented rule: missed when the kill line is at least 50% likely to be passed,
    met when the target is at least `confidence` likely, close otherwise.

    >>> criterion_status(1.0, 0.0, 0.7), criterion_status(0.0, 0.0, 0.7)
    ('met', 'close')
    >>> criterion_status(0.2, 0.5, 0.7), criterion_status(0.69, 0.1, 0.7)
    ('missed', 'close')
    """
    if prob_misses_minimum >= 0.5:
        return "missed"
    if prob_meets_target >= confidence:
        return "met"
    return "close"


def assess_criteria(
    scenario: Scenario, simulation: Simulation | None = None, confidence: float = DEFAULT_CONFIDENCE
) -> tuple[CriterionResult, ...]:
    """Every success criterion's status; a measured range takes its odds from the samples."""
    out = []
    for c in scenario.success_criteria:
        column = criterion_column(c.name)
        if simulation is not None and column in simulation.inputs:
            samples = simulation.inputs[column]
            meets = float(np.mean(meets_target(c, samples)))
            misses = float(np.mean(past_minimum(c, samples)))
            out.append(
                CriterionResult(c, criterion_status(meets, misses, confidence), meets, misses)
            )
        else:
            value = likely(c.measured)
            meets = float(bool(meets_target(c, value)))
            misses = float(bool(past_minimum(c, value)))
            out.append(CriterionResult(c, criterion_status(meets, misses, confidence), None, None))
    return tuple(out)


def _lower(label: str) -> str:
    """A label inside a sentence: first letter lower-cased unless it is an acronym."""
    if len(label) > 1 and label[:2].isupper():
        return label
    return label[:1].lower() + label[1:]


def poc_flags(scenario: Scenario) -> tuple[str, ...]:
    """What the PoC overran: its timebox (3 weeks) and, when both are given, its budget."""
    flags = []
    if scenario.poc_weeks is not None:
        weeks = likely(scenario.poc_weeks)
        if weeks > POC_TIMEBOX_WEEKS:
            flags.append(
                f"The PoC ran {weeks:g} weeks, past the {POC_TIMEBOX_WEEKS:g}-week timebox: "
                "a PoC that drifts is one more experiment after another; timebox the next "
                "one and cap its spend."
            )
    budget, spent = scenario.poc_budget, scenario.poc_spent
    if budget is not None and spent is not None and spent > budget:
        from roi.formatting import money

        flags.append(f"The PoC spent {money(spent)}, past its budget of {money(budget)}.")
    return tuple(flags)


# --- estimators over samples --------------------------------------------------------


def bins_for(count: int) -> int:
    """Equal-count bins for a conditional mean: about 400 samples each, at most 50.

    >>> bins_for(20_000), bins_for(2_000), bins_for(100)
    (50, 5, 1)
    """
    return max(1, min(MAX_BINS, count // MIN_PER_BIN))


def bin_index(x: np.ndarray, bins: int) -> np.ndarray:
    """Which of `bins` equal-count bins of x each sample falls in (ties in sample order).

    >>> bin_index(np.array([5.0, 1.0, 3.0, 2.0]), 2).tolist()
    [1, 0, 1, 0]
    """
    count = len(x)
    order = np.argsort(x, kind="stable")
    which = np.empty(count, dtype=np.intp)
    which[order] = np.arange(count) * bins // count
    return which


def _regression(
    x: np.ndarray, y: np.ndarray, bins: int, which: np.ndarray | None = None
) -> tuple[np.ndarray, int]:
    """E[y | x] at every sample, piecewise linear over `bins` equal-count bins of x,
    and the number of parameters fitted. `which` is `bin_index(x, bins)` if known: one
    input's bins serve every result regressed on it."""
    if which is None:
        which = bin_index(x, bins)
    size = np.bincount(which, minlength=bins).astype(float)
    mean_x = np.bincount(which, x, bins) / size
    mean_y = np.bincount(which, y, bins) / size
    dx = x - mean_x[which]
    sxx = np.bincount(which, dx * dx, bins)
    sxy = np.bincount(which, dx * (y - mean_y[which]), bins)
    # No slope where x does not vary within the bin (beyond rounding of its mean).
    flat = (sxx == 0) | (sxx <= 1e-14 * size * mean_x**2)
    slope = np.where(flat, 0.0, sxy / np.where(flat, 1.0, sxx))
    return mean_y[which] + slope[which] * dx, bins + int((~flat).sum())


def conditional_mean(x: Any, y: Any, bins: int | None = None) -> np.ndarray:
    """E[y | x] estimated at each sample (Strong and Oakley's regression, binned).

    >>> x = np.linspace(0, 1, 1_000)
    >>> bool(np.allclose(conditional_mean(x, 3 * x + 1), 3 * x + 1))
    True
    """
    x, y = np.asarray(x, float), np.asarray(y, float)
    fitted, _ = _regression(x, y, bins or bins_for(len(x)))
    return fitted


def evpi(values: Any) -> float:
    """Expected value of perfect information on a go (value V) / no-go (0) choice.

    >>> evpi([-1.0, 3.0]), evpi([2.0, 5.0])
    (0.5, 0.0)
    """
    v = np.asarray(values, float)
    return max(0.0, float(np.mean(np.maximum(v, 0.0)) - max(float(np.mean(v)), 0.0)))


def evppi(x: Any, values: Any, bins: int | None = None, which: np.ndarray | None = None) -> float:
    """Expected value of partial perfect information about x: E[max(E[V|x], 0)] - max(E[V], 0).

    Reported as 0 below twice the estimator's own noise (`evppi_noise`): what the max()
    makes of the regression's noise is not value. `which` is `bin_index(x, bins)`, when
    already known."""
    x, v = np.asarray(x, float), np.asarray(values, float)
    bins = bins or bins_for(len(x))
    if which is None:
        which = bin_index(x, bins)
    fitted, _ = _regression(x, v, bins, which)
    gain = float(np.mean(np.maximum(fitted, 0.0))) - max(float(np.mean(v)), 0.0)
    rounding = 1e-9 * float(np.mean(np.abs(v)))
    if gain <= 2 * evppi_noise(v, fitted, which, bins) + rounding:
        return 0.0
    return gain


def evppi_noise(values: np.ndarray, fitted: np.ndarray, which: np.ndarray, bins: int) -> float:
    """How much the max() in EVPPI gains from the regression's noise alone.

    Notes
    -----
    In bin b the fitted line carries noise of standard deviation up to
    s_b = sigma_b sqrt(4 / n_b) (twice a line's average leverage 2 / n_b, as at the bin's
    edges; sigma_b the residual standard deviation there). Where the fitted mean m_b lies
    d from zero, max(m_b + e, 0) gains s_b phi(d / s_b) - d (1 - Phi(d / s_b)) on
    average from that noise. The fitted m_b is itself noisy, so d is taken 2 s_b closer
    to zero than it looks (at least 0): a bin far from the choice's edge adds nothing, one
    on it adds s_b / sqrt(2 pi). The bound is the bins' average, weighted by their size.

    >>> v = np.array([-1.0, 1.0] * 500)
    >>> round(evppi_noise(v, np.zeros(1_000), np.repeat(np.arange(10), 100), 10), 4)
    0.0806
    """
    from scipy.special import ndtr

    n = len(values)
    size = np.bincount(which, minlength=bins).astype(float)
    residual = np.bincount(which, (values - fitted) ** 2, bins)
    mean = np.bincount(which, fitted, bins) / np.maximum(size, 1.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        sigma2 = residual / np.maximum(size - 2, 1.0)
        s = np.sqrt(sigma2 * 4 / np.maximum(size, 1.0))
        d = np.maximum(np.abs(mean) - 2 * s, 0.0)
        z = np.where(s > 0, d / np.where(s > 0, s, 1.0), np.inf)
        pdf = np.exp(-0.5 * np.minimum(z, 40.0) ** 2) / np.sqrt(2 * np.pi)
        bias = np.where(s > 0, s * pdf - d * (1 - ndtr(np.minimum(z, 40.0))), 0.0)
    return float(np.sum(size * np.maximum(bias, 0.0)) / n)


def first_order_share(
    x: Any, y: Any, bins: int | None = None, which: np.ndarray | None = None
) -> float:
    """Share of Var(y) explained by x alone, Var(E[y|x]) / Var(y), bias-corrected.

    The regression fits a few parameters per bin, which explain a little of pure noise;
    epsilon squared subtracts that: (SS_model - df_model x MS_residual) / SS_total.
    `which` is `bin_index(x, bins)`, when already known.

    >>> rng = np.random.default_rng(0)
    >>> a, b = rng.standard_normal((2, 20_000))
    >>> round(first_order_share(a, 2 * a + b), 1), round(first_order_share(b, 2 * a + b), 1)
    (0.8, 0.2)
    """
    x, y = np.asarray(x, float), np.asarray(y, float)
    count = len(y)
    total = float(np.sum((y - y.mean()) ** 2))
    if count < 3 or not total > 0 or not np.isfinite(total):
        return 0.0
    fitted, parameters = _regression(x, y, bins or bins_for(count), which)
    model = float(np.sum((fitted - y.mean()) ** 2))
    residual = float(np.sum((y - fitted) ** 2))
    if count <= parameters:
        return min(1.0, max(0.0, model / total))
    corrected = model - (parameters - 1) * residual / (count - parameters)
    return min(1.0, max(0.0, corrected / total))


# --- the gates ----------------------------------------------------------------------


@dataclass(frozen=True)
class GateOdds:
    """One gate after the PoC: the chance of passing it, of reaching it, and what it commits."""

    number: int
    name: str
    probability: float  # of passing it, once reached
    source: str  # "scenario", "default" or "default, capped by its kill criteria"
    prob_reach: float  # of reaching it (every earlier gate passed)
    spend: float  # committed by the time it is reached (lost if it stops the initiative)
    kill_probability: float | None  # P(its kill criteria fire), from the simulation
    checks: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "gate": self.number,
            "name": self.name,
            "probability": self.probability,
            "source": self.source,
            "prob_reach": self.prob_reach,
            "spend": self.spend,
            "kill_probability": self.kill_probability,
            "checks": self.checks,
        }


def gate_fractions(results: Results) -> dict[int, float]:
    """Share of the likely plan's weeks done when each gate is reached (1 at the pilot)."""
    plan = {p.id: p for p in results.timeline.phases}
    total = results.timeline.likely_weeks
    out = {}
    for stage in GATE_STAGES:
        if not stage.phases or total <= 0:
            out[stage.number] = 1.0
            continue
        finish = max(plan[pid].finish_week for pid in stage.phases if pid in plan)
        out[stage.number] = min(1.0, finish / total)
    return out


def gate_spends(build: Any, change: Any, fractions: Mapping[int, float]) -> dict[int, Any]:
    """Spend committed by each gate: the build cost by the plan's progress, and the change
    cost as well at the last gate (the rollout)."""
    last = GATE_STAGES[-1].number
    return {
        g: np.asarray(build, float) * f + (np.asarray(change, float) if g == last else 0.0)
        for g, f in fractions.items()
    }


def risk_adjusted_npv(
    value: float, probabilities: Sequence[float], spends: Sequence[float]
) -> float:
    """P(pass every gate) x value - sum of P(reach gate k and stop there) x spend at k.

    >>> risk_adjusted_npv(1_000.0, [0.5, 1.0], [100.0, 400.0])  # 0.5 x 1000 - 0.5 x 100
    450.0
    """
    reach, total = 1.0, 0.0
    for p, spend in zip(probabilities, spends, strict=True):
        total -= reach * (1.0 - p) * spend
        reach *= p
    return reach * value + total


def expected_commercial_value(
    present_value: float, p_technical: float, p_commercial: float, launch: float, develop: float
) -> float:
    """Cooper's ECV = (PV x Pcs - C) x Pts - D.

    >>> expected_commercial_value(1_000.0, 0.5, 0.8, 100.0, 200.0)  # (800 - 100) x 0.5 - 200
    150.0
    """
    return (present_value * p_commercial - launch) * p_technical - develop


# --- everything together ------------------------------------------------------------


@dataclass(frozen=True)
class PlanItem:
    """One input the PoC could measure next, with what knowing it is worth."""

    key: str
    label: str
    evppi: float


@dataclass(frozen=True)
class OpenItemPrice:
    """What closing one priced open readiness item is worth at the decision: the weeks
    it takes off go-live and the NPV at the decision it adds (likely values)."""

    item: str
    text: str
    owner: str
    weeks: float
    npv_gain: float

    def to_dict(self) -> dict[str, Any]:
        return {
            "item": self.item,
            "text": self.text,
            "owner": self.owner,
            "weeks": self.weeks,
            "npv_gain": self.npv_gain,
        }


def open_item_prices(scenario: Scenario, results: Results) -> tuple[OpenItemPrice, ...]:
    """The price of each priced readiness item the scenario answers open (roi/data/
    gates.yaml): the likely plan with that item done, and NPV at the decision on it (the
    same likely values; only the plan is worked out again, not every point result: this
    runs with every assessment, the app's slider included); largest NPV gain first."""
    prices = []
    values = scenario.point_values()
    for item in priced_open_items(scenario):
        closed = scenario.evolve(readiness={**scenario.readiness, item.id: "done"})
        weeks = timeline_for(closed).likely_weeks
        npv = float(compute(values, weeks, only=("npv_at_decision",))["npv_at_decision"])
        prices.append(
            OpenItemPrice(
                item=item.id,
                text=item.text,
                owner=scenario.readiness[item.id].owner or item.owner,
                weeks=results.timeline.likely_weeks - weeks,
                npv_gain=npv - results.npv_at_decision,
            )
        )
    return tuple(sorted(prices, key=lambda p: (-p.npv_gain, p.item)))


@dataclass(frozen=True)
class Evidence:
    """The PoC's evidence and what more of it is worth, for one scenario."""

    criteria: tuple[CriterionResult, ...]
    poc_flags: tuple[str, ...]
    evpi: float | None  # None: uncertain but not simulated
    evppi: dict[str, float]
    importance: dict[str, dict[str, float]]  # metric -> input -> first-order share
    gates: tuple[GateOdds, ...]
    risk_adjusted_npv: float
    expected_commercial_value: float
    expected_value: float  # E[V]: the value of going ahead, before the gates
    labels: dict[str, str]
    item_prices: tuple[OpenItemPrice, ...] = ()  # priced open readiness items, ranked

    def item_prices_sentence(self) -> str:
        """'Closing the open ... takes 19.5 weeks off go-live and adds $X ...'; "" when no
        priced item is open."""
        from roi.formatting import money

        if not self.item_prices:
            return ""
        parts = [
            f"getting \u201c{p.text}\u201d done ({p.owner}) brings go-live {p.weeks:g} weeks "
            f"sooner and adds {money(p.npv_gain)} of NPV at the decision"
            for p in self.item_prices
        ]
        return "Open items' price (likely values): " + "; ".join(parts) + "."

    def plan(self) -> tuple[PlanItem, ...]:
        """The measurement plan: inputs by the value of knowing them, largest first."""
        items = [PlanItem(k, self.labels.get(k, k), v) for k, v in self.evppi.items()]
        return tuple(sorted(items, key=lambda item: (-item.evppi, item.key)))

    def plan_sentence(self, shown: int = 2) -> str:
        """'Measure minutes saved per task next: knowing it is worth up to $X; ...'."""
        from roi.formatting import money

        if self.evpi is None:
            return "The value of more evidence was not estimated (no simulation)."
        if not self.evppi:
            return (
                "No input is a range yet: give the uncertain ones a range to see what "
                "measuring each would be worth."
            )
        if self.evpi <= 0:
            return (
                "No uncertain input can change the go/no-go choice: more PoC work to "
                "narrow them is worth nothing to this decision."
            )
        plan = self.plan()
        head = [item for item in plan[:shown] if item.evppi >= 0.5]  # worth at least $1
        rest = plan[len(head) :]
        if not head:
            return (
                f"Everything together is worth up to {money(self.evpi)} to know before "
                "deciding, but no single input is worth $1 to measure on its own."
            )
        first = head[0]
        text = f"Measure {_lower(first.label)} next: knowing it is worth up to {money(first.evppi)}"
        for item in head[1:]:
            text += f"; {_lower(item.label)} {money(item.evppi)}"
        if rest:
            most = max(i.evppi for i in rest)
            text += (
                f"; the rest at most {money(most)} each"
                if most >= 0.5
                else "; nothing else is worth measuring on its own"
            )
        return (
            text + f". Everything together is worth up to {money(self.evpi)}: the most "
            "worth spending on more PoC work before deciding."
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "success_criteria": [c.to_dict() for c in self.criteria],
            "poc_flags": list(self.poc_flags),
            "evpi": self.evpi,
            "evppi": dict(self.evppi),
            "importance": {m: dict(v) for m, v in self.importance.items()},
            "gates": [g.to_dict() for g in self.gates],
            "risk_adjusted_npv": self.risk_adjusted_npv,
            "expected_commercial_value": self.expected_commercial_value,
            "expected_value": self.expected_value,
            "open_item_prices": [p.to_dict() for p in self.item_prices],
        }


def decision_values(
    scenario: Scenario,
    npv: Any,
    gate2_spend: Any,
    measured: Mapping[str, Any],
) -> np.ndarray:
    """V per sample: NPV at the decision, or - the proof-of-value spend where a criterion
    is past its kill line (`measured` holds each criterion's value or samples)."""
    npv = np.asarray(npv, float)
    fails = np.zeros(npv.shape, dtype=bool)
    for c in scenario.success_criteria:
        fails |= np.broadcast_to(past_minimum(c, measured[c.name]), npv.shape)
    return np.where(fails, -np.broadcast_to(np.asarray(gate2_spend, float), npv.shape), npv)


def _labels(scenario: Scenario) -> dict[str, str]:
    labels = {name: spec.label for name, spec in FIELD_SPECS.items()}
    labels.update({c.name: c.name for c in scenario.success_criteria})
    labels[TIMELINE_KEY] = "Weeks to go-live"
    return labels


STOPPING_KILL_GATES = (2, 4)
"""Gates whose kill criteria stop the initiative (payback, criteria past their kill line,
a net loss once live); their simulated firing caps the default odds of passing."""


def gather(
    scenario: Scenario,
    results: Results,
    simulation: Simulation | None = None,
    confidence: float = DEFAULT_CONFIDENCE,
) -> Evidence:
    """Criteria, value of information, importance and gate odds, from one simulation."""
    criteria = assess_criteria(scenario, simulation, confidence)
    fractions = gate_fractions(results)
    base = priors()[scenario.priors or default_prior()].gate_probability  # roi.base_rates
    probabilities = {g: scenario.gate_probabilities.get(g, base) for g in GATE_PROBABILITY_GATES}
    values = scenario.point_values()
    if simulation is not None:
        inputs, outputs = simulation.inputs, simulation.outputs
        build, change = inputs["build_cost"], inputs["change_cost"]
        measured = {
            c.name: inputs.get(criterion_column(c.name), np.asarray(likely(c.measured)))
            for c in scenario.success_criteria
        }
        npv = outputs["npv_at_decision"]
    else:
        build, change = np.asarray(values["build_cost"]), np.asarray(values["change_cost"])
        measured = {c.name: np.asarray(likely(c.measured)) for c in scenario.success_criteria}
        npv = np.asarray(results.npv_at_decision)
    spends = gate_spends(build, change, fractions)
    v = decision_values(scenario, npv, spends[2], measured)
    expected = float(np.mean(v))
    mean_spends = {g: float(np.mean(s)) for g, s in spends.items()}

    evpi_value, evppi_values, importance = _value_of_information(scenario, simulation, v)
    odds = _gate_odds(scenario, results, simulation, measured, probabilities, mean_spends)
    ordered = [probabilities[g] for g in GATE_PROBABILITY_GATES]
    rnpv = risk_adjusted_npv(expected, ordered, [mean_spends[g] for g in GATE_PROBABILITY_GATES])
    mean_build, mean_change = float(np.mean(build)), float(np.mean(change))
    ecv = expected_commercial_value(
        expected + mean_build + mean_change,
        probabilities[2] * probabilities[3],
        probabilities[4],
        mean_change,
        mean_build,
    )
    return Evidence(
        criteria=criteria,
        poc_flags=poc_flags(scenario),
        evpi=evpi_value,
        evppi=evppi_values,
        importance=importance,
        gates=tuple(odds),
        risk_adjusted_npv=rnpv,
        expected_commercial_value=ecv,
        expected_value=expected,
        labels=_labels(scenario),
        item_prices=open_item_prices(scenario, results),
    )


def _value_of_information(
    scenario: Scenario, simulation: Simulation | None, v: np.ndarray
) -> tuple[float | None, dict[str, float], dict[str, dict[str, float]]]:
    """EVPI, each uncertain input's EVPPI (to the cent) and each input's first-order
    share of the headline NPV's and payback's variance, from the decision values `v`
    of the simulation's samples; without one, EVPI is 0 for a certain scenario (None
    when it has ranges but was not simulated)."""
    if simulation is None:
        return (None if scenario.is_uncertain else 0.0), {}, {}
    evpi_value = evpi(v)
    candidates: dict[str, np.ndarray] = {
        name: simulation.inputs[name] for name in uncertain_fields(scenario)
    }
    candidates.update(
        {
            c.name: simulation.inputs[criterion_column(c.name)]
            for c in scenario.success_criteria
            if criterion_column(c.name) in simulation.inputs
        }
    )
    weeks = simulation.outputs["weeks_to_go_live"]
    if float(np.ptp(weeks)) > 0:
        candidates[TIMELINE_KEY] = weeks
    bins = bins_for(simulation.samples)
    which = {name: bin_index(x, bins) for name, x in candidates.items()}  # sorted once
    evppi_values: dict[str, float] = {}
    for name, x in candidates.items():
        worth = 0.0 if evpi_value <= 0 else min(evppi(x, v, bins, which[name]), evpi_value)
        evppi_values[name] = worth if worth >= CENT / 2 else 0.0  # to the cent
    horizon = scenario.value("horizon_months")
    payback = np.minimum(simulation.outputs[simulation.payback_key], horizon)
    # The headline figures: NPV at the decision and the decision's payback.
    npv = simulation.outputs["npv_at_decision"]
    importance = {
        metric: {name: first_order_share(x, y, bins, which[name]) for name, x in candidates.items()}
        for metric, y in (("npv", npv), ("payback_months", payback))
    }
    return evpi_value, evppi_values, importance


def _gate_odds(
    scenario: Scenario,
    results: Results,
    simulation: Simulation | None,
    measured: Mapping[str, np.ndarray],
    probabilities: dict[int, float],
    mean_spends: Mapping[int, float],
) -> list[GateOdds]:
    """Each gate ahead: its chance of passing, the chance of reaching it, its spend and
    the chance its kill criteria fire. A default (base-rate) chance of passing is capped
    by the chance its stopping kill criteria stay quiet, in `probabilities` too."""
    odds = []
    reach = 1.0
    for stage in GATE_STAGES:
        kill = _kill_probability(stage.number, scenario, results, simulation, measured)
        source = "scenario" if stage.number in scenario.gate_probabilities else "default"
        p = probabilities[stage.number]
        # A default (base-rate) chance of passing cannot exceed the chance that the gate's
        # own kill criteria stay quiet; odds the scenario states are kept as typed. Gate
        # 3's line (a plan past its audit line) calls for an audit, not a stop: it caps nothing.
        stops = stage.number in STOPPING_KILL_GATES
        if source == "default" and stops and kill is not None and 1.0 - kill < p:
            p = probabilities[stage.number] = 1.0 - kill
            source = "default, capped by its kill criteria"
        odds.append(
            GateOdds(
                number=stage.number,
                name=stage.name,
                probability=p,
                source=source,
                prob_reach=reach,
                spend=mean_spends[stage.number],
                kill_probability=kill,
                checks=stage.checks,
            )
        )
        reach *= p
    return odds


def _kill_probability(
    gate: int,
    scenario: Scenario,
    results: Results,
    simulation: Simulation | None,
    measured: Mapping[str, Any],
) -> float:
    """P(the kill criteria checked at a gate fire), from the samples (or the likely values)."""
    threshold = scenario.value("payback_threshold_months")
    if simulation is not None:
        payback = simulation.outputs[simulation.payback_key]
        weeks = simulation.outputs["weeks_to_go_live"]
        monthly = simulation.outputs["monthly_net_impact"]
    else:
        payback_value = results.decision_payback_months
        payback = np.asarray(math.inf if payback_value is None else payback_value)
        weeks = np.asarray(results.timeline.likely_weeks)
        monthly = np.asarray(results.monthly_net_impact)
    if gate == 2:
        fires = ~np.asarray(at_most(payback, threshold))
        for c in scenario.success_criteria:
            fires = fires | past_minimum(c, measured[c.name])
    elif gate == 3:
        fires = np.asarray(weeks) > results.timeline.audit_past_weeks
    else:
        fires = np.asarray(monthly) <= 0
    return float(np.mean(fires))


__all__ = [
    "DEFAULT_GATE_PROBABILITY",
    "GATE_STAGES",
    "POC_TIMEBOX_WEEKS",
    "CriterionResult",
    "Evidence",
    "GateOdds",
    "assess_criteria",
    "conditional_mean",
    "criterion_status",
    "evpi",
    "evppi",
    "expected_commercial_value",
    "first_order_share",
    "gather",
    "risk_adjusted_npv",
]
