"""Which initiatives to fund under one budget and one team: an exact integer program.

Each initiative i has a value v_i (risk-adjusted NPV or NPV), a one-time cost c_i and
the engineer-weeks w_ir its plan asks of each role r. Choosing x_i in {0, 1}:

    maximise   sum v_i x_i
    subject to sum c_i x_i      <= budget              (when a budget is given)
               sum w_ir x_i     <= capacity_r           (for each role given)
               sum x_i          <= max_count            (when a count is given)

solved exactly by `scipy.optimize.milp` (HiGHS' branch and bound), never greedily.
An initiative whose value is not positive is never worth choosing, and one whose gate
says No-go is never chosen (`blocked`).

What binds is answered by re-solving, not by LP duals (which an integer program does
not have): the value another $100k of budget or another engineer of a role would buy
is the optimum with that constraint loosened, less the optimum, and a constraint binds
when that is more than nothing (with whole initiatives, a limit can bind with slack
left: the next initiative does not fit in it). "Another engineer" is one person for
13 weeks (a quarter) unless the caller says otherwise; an excluded
initiative's shortfall is how much value the portfolio loses if it is forced in, so
the amount its value would have to rise by to be chosen.

Engineer-weeks come from each plan (`roi.timeline`): one person of each named role for
the phase's likely weeks; a "Full team" phase counts for every role the plan names
elsewhere; the governance checkpoints are owned outside the build team and are not
counted. Roles are keyed in snake case: "ML engineer" is `ml_engineer`.
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp

from roi.assess import Assessment, assess
from roi.decision import DecisionRule
from roi.exceptions import RoiError
from roi.scenario import Scenario
from roi.timeline import Timeline, role_weeks
from roi.uncertainty import (
    DEFAULT_SAMPLES,
    _check_count,
    _check_seed,
    simulate_sums,
    uniforms,
)

OBJECTIVES = {"risk_adjusted": "risk_adjusted_npv", "npv": "headline_npv"}
"""Objective names (`--objective`) and the summary-row value each maximises."""

BUDGET_STEP = 100_000.0
"""How much more budget the marginal value of the budget is quoted for."""

_TOLERANCE = 1e-9  # relative: a gain below this share of the total is rounding


class PortfolioError(RoiError, ValueError):
    """A portfolio cannot be chosen as asked (unknown role, negative budget...)."""


def role_key(role: str) -> str:
    """A plan's role name as a key: 'DevOps / MLOps engineer' -> 'devops_mlops_engineer'.

    >>> role_key("ML engineer"), role_key("DevOps / MLOps engineer")
    ('ml_engineer', 'devops_mlops_engineer')
    """
    return "_".join(re.findall(r"[a-z0-9]+", role.lower()))


def engineer_weeks(timeline: Timeline) -> dict[str, float]:
    """Engineer-weeks the plan asks of each role (likely weeks; see the module notes).

    >>> from roi.timeline import estimate_timeline
    >>> weeks = engineer_weeks(estimate_timeline({}))
    >>> weeks["ml_engineer"], weeks["data_engineer"]  # 3 + (1.5 + 3), 3 + (1.5 + 3)
    (7.5, 7.5)
    """
    weeks = role_weeks(timeline)
    return {role_key(role): weeks[role] for role in sorted(weeks)}


@dataclass(frozen=True)
class Candidates:
    """The numbers the selection needs, one entry per initiative (immutable arrays)."""

    names: tuple[str, ...]
    value: np.ndarray  # the objective, per initiative
    cost: np.ndarray  # one-time cost still to spend
    weeks: Mapping[str, np.ndarray]  # engineer-weeks per role key
    blocked: Mapping[int, str] = field(default_factory=dict)  # index -> why it cannot be funded

    def __post_init__(self) -> None:
        for array in (self.value, self.cost, *self.weeks.values()):
            array.flags.writeable = False

    @property
    def productivity_index(self) -> np.ndarray:
        """Value per dollar still to spend (nan where nothing is left to spend)."""
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(
                self.cost > 0, self.value / np.where(self.cost > 0, self.cost, 1), np.nan
            )


def candidates(
    names: Sequence[str],
    value: Sequence[float],
    cost: Sequence[float],
    weeks: Sequence[Mapping[str, float]] = (),
    blocked: Mapping[int, str] | None = None,
) -> Candidates:
    """Candidates from plain lists; `weeks` holds each initiative's engineer-weeks by role
    (a role an initiative does not name counts 0); `blocked` maps the position of an
    initiative that may not be funded (a No-go) to the reason."""
    n = len(names)
    roles = sorted({role for w in weeks for role in w})
    by_role = {role: np.array([float(w.get(role, 0.0)) for w in weeks]) for role in roles}
    out = Candidates(
        tuple(names),
        np.asarray(value, float).copy(),
        np.asarray(cost, float).copy(),
        by_role,
        dict(blocked or {}),
    )
    if len(out.value) != n or len(out.cost) != n or any(len(a) != n for a in by_role.values()):
        raise PortfolioError("every initiative needs a name, a value, a cost and its weeks")
    bad = [names[i] for i in range(n) if not math.isfinite(out.value[i] + out.cost[i])]
    if bad:
        raise PortfolioError(f"value and one-time cost must be numbers: not so for {bad}")
    return out


@dataclass(frozen=True)
class Constraints:
    """The limits a selection must respect; None (or no entry) means no limit."""

    budget: float | None = None
    capacity: Mapping[str, float] = field(default_factory=dict)
    max_count: int | None = None

    def loosened(
        self, *, budget: float = 0.0, role: str | None = None, weeks: float = 0.0
    ) -> Constraints:
        capacity = dict(self.capacity)
        if role is not None:
            capacity[role] += weeks
        return Constraints(
            None if self.budget is None else self.budget + budget, capacity, self.max_count
        )


def check_constraints(c: Candidates, limits: Constraints) -> None:
    """Refuse limits that name no known role or are not numbers >= 0."""
    if limits.budget is not None and not (math.isfinite(limits.budget) and limits.budget >= 0):
        raise PortfolioError(f"budget must be an amount >= 0: got {limits.budget!r}")
    if limits.max_count is not None and limits.max_count < 0:
        raise PortfolioError(f"max count must be a whole number >= 0: got {limits.max_count!r}")
    for role, weeks in limits.capacity.items():
        if role not in c.weeks:
            known = ", ".join(sorted(c.weeks)) or "(none: no plan names a role)"
            raise PortfolioError(
                f"capacity names role {role!r}, which no initiative's plan uses; roles: {known}"
            )
        if not (math.isfinite(weeks) and weeks >= 0):
            raise PortfolioError(f"capacity {role} must be engineer-weeks >= 0: got {weeks!r}")


def _solve(c: Candidates, limits: Constraints, forced: int | None = None) -> np.ndarray | None:
    """The optimal 0/1 choice, or None when none is feasible (only with `forced`)."""
    n = len(c.names)
    if n == 0:
        return np.zeros(0, bool)
    rows, upper = [], []
    if limits.budget is not None:
        rows.append(c.cost)
        upper.append(limits.budget)
    for role, weeks in limits.capacity.items():
        rows.append(c.weeks[role])
        upper.append(weeks)
    if limits.max_count is not None:
        rows.append(np.ones(n))
        upper.append(limits.max_count)
    low = np.zeros(n)
    high = np.where(c.value > 0, 1.0, 0.0)  # a non-positive value is never worth it
    high[list(c.blocked)] = 0.0  # nor is one its gate kills
    if forced is not None:
        low[forced] = high[forced] = 1.0
    constraints = (
        [LinearConstraint(np.vstack(rows), -np.inf, np.array(upper, float))] if rows else []
    )
    # HiGHS prints nothing unless asked (`disp`): a test reads the process's own stdout.
    result = milp(
        -c.value,
        integrality=np.ones(n),
        bounds=Bounds(low, high),
        constraints=constraints,
        options={"mip_rel_gap": 0.0},
    )
    if result.x is None:
        return None
    chosen: np.ndarray = np.round(result.x).astype(bool)
    return chosen


@dataclass(frozen=True)
class Binding:
    """One constraint: how much of it the choice uses, and what loosening it buys."""

    name: str  # "budget", a role key, or "count"
    limit: float
    used: float
    binds: bool  # loosening it by `step` buys more value
    step: float  # the loosening quoted: $100k, one engineer's weeks, one more initiative
    gain: float  # value that step buys (re-solved; 0 when it buys nothing)

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "limit": self.limit,
            "used": self.used,
            "binds": self.binds,
            "step": self.step,
            "gain": self.gain,
        }


@dataclass(frozen=True)
class Selection:
    """The optimal set, what binds, and what each excluded initiative falls short by."""

    candidates: Candidates
    constraints: Constraints
    chosen: np.ndarray  # bool per initiative
    total: float
    bindings: tuple[Binding, ...]
    shortfall: tuple[float | None, ...]  # per initiative: 0 when chosen, None: cannot fit

    @property
    def selected(self) -> list[str]:
        return [n for n, x in zip(self.candidates.names, self.chosen, strict=True) if x]

    @property
    def excluded(self) -> list[str]:
        return [n for n, x in zip(self.candidates.names, self.chosen, strict=True) if not x]

    @property
    def spent(self) -> float:
        return float(self.candidates.cost[self.chosen].sum())

    def to_dict(self) -> dict[str, Any]:
        c = self.candidates
        pi = c.productivity_index
        return {
            "selected": self.selected,
            "total": self.total,
            "spent": self.spent,
            "excluded": [
                {
                    "name": name,
                    "value": float(c.value[i]),
                    "one_time_cost": float(c.cost[i]),
                    "shortfall": self.shortfall[i],
                    "blocked": c.blocked.get(i),
                }
                for i, name in enumerate(c.names)
                if not self.chosen[i]
            ],
            "constraints": [b.to_dict() for b in self.bindings],
            "ranking": [
                {
                    "name": c.names[i],
                    "value": float(c.value[i]),
                    "one_time_cost": float(c.cost[i]),
                    "productivity_index": None if math.isnan(pi[i]) else float(pi[i]),
                    "selected": bool(self.chosen[i]),
                }
                for i in ranking(c)
            ],
        }


def ranking(c: Candidates) -> list[int]:
    """Initiatives by productivity index, highest first (no cost left: first; ties by
    value, then name)."""
    pi = c.productivity_index
    key = np.where(np.isnan(pi), np.inf, pi)
    return sorted(range(len(c.names)), key=lambda i: (-key[i], -c.value[i], c.names[i]))


def _total(c: Candidates, chosen: np.ndarray | None) -> float | None:
    return None if chosen is None else float(c.value[chosen].sum())


def select(
    c: Candidates,
    limits: Constraints,
    *,
    engineer: Mapping[str, float] | None = None,
    shortfalls: bool = True,
) -> Selection:
    """The set that maximises the summed value under `limits`, exactly.

    `engineer` maps a role to the engineer-weeks "another engineer" adds (default 13:
    one person for a quarter); the budget's step is `BUDGET_STEP`.

    >>> c = candidates(["A", "B", "C"], [300, 200, 150], [100, 60, 50])
    >>> s = select(c, Constraints(budget=110))
    >>> s.selected, s.total
    (['B', 'C'], 350.0)
    """
    check_constraints(c, limits)
    chosen = _solve(c, limits)
    assert chosen is not None  # choosing nothing is always feasible
    total = float(c.value[chosen].sum())
    bindings = []
    step_weeks = dict(engineer or {})
    checks: list[tuple[str, float, float, Constraints, float]] = []
    if limits.budget is not None:
        checks.append(
            (
                "budget",
                limits.budget,
                float(c.cost[chosen].sum()),
                limits.loosened(budget=BUDGET_STEP),
                BUDGET_STEP,
            )
        )
    for role, weeks in limits.capacity.items():
        step = float(step_weeks.get(role, 13.0))
        checks.append(
            (
                role,
                weeks,
                float(c.weeks[role][chosen].sum()),
                limits.loosened(role=role, weeks=step),
                step,
            )
        )
    if limits.max_count is not None:
        more = Constraints(limits.budget, limits.capacity, limits.max_count + 1)
        checks.append(("count", float(limits.max_count), float(chosen.sum()), more, 1.0))
    for name, limit, used, loosened, step in checks:
        better = _total(c, _solve(c, loosened)) or 0.0
        gain = max(better - total, 0.0)
        binds = gain > _TOLERANCE * max(1.0, abs(total))
        bindings.append(Binding(name, float(limit), used, binds, step, gain))
    shortfall: list[float | None] = [0.0] * len(c.names)
    if shortfalls:
        for i in np.flatnonzero(~chosen):
            if int(i) in c.blocked:
                shortfall[i] = None
                continue
            forced = _total(c, _solve(c, limits, forced=int(i)))
            shortfall[i] = None if forced is None else max(total - forced, 0.0)
    return Selection(c, limits, chosen, total, tuple(bindings), tuple(shortfall))


def frontier(c: Candidates, limits: Constraints, points: int = 21) -> list[tuple[float, float]]:
    """(budget, best value) from no budget to enough for every worthwhile initiative,
    the other limits kept: the value each extra dollar of budget can buy."""
    fundable = c.value > 0
    fundable[list(c.blocked)] = False
    worthwhile = float(c.cost[fundable].sum())
    top = worthwhile if limits.budget is None else max(worthwhile, limits.budget)
    budgets = np.unique(np.concatenate([np.linspace(0.0, top, points), [limits.budget or 0.0]]))
    out = []
    for budget in budgets:
        chosen = _solve(c, Constraints(float(budget), limits.capacity, limits.max_count))
        out.append((float(budget), _total(c, chosen) or 0.0))
    return out


# --- the portfolio's Monte Carlo: shared drivers drawn once per sample ------------------

_DRIVER_STREAM = 4_000


def initiative_seed(seed: int, index: int) -> int:
    """Each initiative's own seed in a portfolio run, so two initiatives never draw the
    same (non-shared) numbers; it depends only on the run's seed and the position.

    >>> initiative_seed(0, 1) == initiative_seed(0, 1) != initiative_seed(0, 2)
    True
    """
    return int(np.random.SeedSequence([seed, index]).generate_state(1)[0])


def driver_uniforms(names: Sequence[str], samples: int, seed: int) -> dict[str, np.ndarray]:
    """One column of uniforms per shared driver (sorted by name), drawn once per sample
    for everyone who shares it: scrambled Sobol' points, like each initiative's own."""
    names = sorted(set(names))
    draws = uniforms(
        [_DRIVER_STREAM + i for i in range(len(names))], samples, _check_seed(seed), "sobol"
    )
    return dict(zip(names, draws, strict=True))


@dataclass(frozen=True)
class Member:
    """One initiative of a portfolio: its scenario and the shared drivers it uses
    ({field: driver name})."""

    scenario: Scenario
    uses: Mapping[str, str] = field(default_factory=dict)


def _partial_sums(
    chunk: Sequence[tuple[int, Member]],
    samples: int,
    seed: int,
    common: Mapping[str, np.ndarray],
) -> np.ndarray:
    """(3, samples) sums over one chunk's (position, member) pairs: NPV, one-time cost,
    monthly net; `common` holds each shared driver's uniforms (empty: every member draws
    its own). A chunk carries only its own members, so a Dask task ships 64 scenarios,
    not the whole portfolio."""
    runs = [
        (
            member.scenario,
            initiative_seed(seed, index),
            {f: common[d] for f, d in member.uses.items()} if common else None,
        )
        for index, member in chunk
    ]
    # The headline NPV, the one-time cost and the monthly net of each member's own run
    # (`simulate(..., shuffle=True)`), summed sample by sample.
    return simulate_sums(runs, samples, ("npv_at_decision", "one_time_cost", "monthly_net_impact"))


CHUNK = 64
"""Initiatives per task of a portfolio Monte Carlo (locally and on Dask alike, so the
sums are added in the same order and the results are identical)."""


def chunks(count: int, size: int = CHUNK) -> list[range]:
    return [range(start, min(start + size, count)) for start in range(0, count, size)]


@dataclass(frozen=True, eq=False)
class PortfolioSimulation:
    """Totals over the funded set, per sample: NPV, one-time cost and monthly net."""

    names: tuple[str, ...]
    npv: np.ndarray
    one_time_cost: np.ndarray
    monthly_net: np.ndarray
    threshold_months: float
    samples: int
    seed: int
    independent: bool  # True: shared drivers drawn separately (the comparison)

    @property
    def prob_pays_back_together(self) -> float:
        """Share of samples where the set's summed one-time cost is repaid by its summed
        monthly net within the threshold (simple payback of the set as a whole)."""
        within = self.one_time_cost <= self.threshold_months * self.monthly_net * (1 + 1e-12)
        return float(np.mean(within & (self.monthly_net > 0)))

    def percentile(self, q: float) -> float:
        return float(np.percentile(self.npv, q))

    def to_dict(self) -> dict[str, Any]:
        return {
            "initiatives": list(self.names),
            "samples": self.samples,
            "seed": self.seed,
            "shared_drawn_once": not self.independent,
            "total_npv_p10": self.percentile(10),
            "total_npv_p50": self.percentile(50),
            "total_npv_p90": self.percentile(90),
            "total_npv_mean": float(self.npv.mean()),
            "total_npv_sd": float(self.npv.std()),
            "prob_total_npv_positive": float(np.mean(self.npv > 0)),
            "prob_pays_back_together": self.prob_pays_back_together,
            "threshold_months": self.threshold_months,
        }


def simulate_portfolio(
    members: Sequence[Member],
    samples: int = DEFAULT_SAMPLES,
    seed: int = 0,
    *,
    independent: bool = False,
    map_chunks: Any = None,
) -> PortfolioSimulation:
    """Monte Carlo of a set of initiatives together: every shared driver is drawn once
    per sample for all who use it; everything else each draws from its own seed.

    `independent=True` draws each initiative's copy of a driver on its own (what adding
    up separate runs assumes), for comparison. `map_chunks(function, chunks)`
    runs the per-chunk sums elsewhere (a Dask client's map/gather); by default here, in
    order. The chunks and their order are fixed, so the results are the same either way.
    The payback line is the strictest of the members' thresholds.
    """
    samples, seed = _check_count(samples), _check_seed(seed)
    parts_of = chunks(len(members))

    drivers = sorted({name for m in members for name in m.uses.values()})
    common = driver_uniforms(drivers, samples, seed) if drivers and not independent else {}

    work = functools.partial(_partial_sums, samples=samples, seed=seed, common=common)
    items = [[(i, members[i]) for i in indices] for indices in parts_of]
    parts = list(map(work, items)) if map_chunks is None else list(map_chunks(work, items))
    totals = np.zeros((3, samples))
    for part in parts:  # always in chunk order
        totals += part
    thresholds = [m.scenario.value("payback_threshold_months") for m in members]
    return PortfolioSimulation(
        names=tuple(m.scenario.name for m in members),
        npv=totals[0],
        one_time_cost=totals[1],
        monthly_net=totals[2],
        threshold_months=float(min(thresholds, default=12.0)),
        samples=samples,
        seed=seed,
        independent=independent,
    )


# --- from files and assessments ---------------------------------------------------------


def portfolio_candidates(assessments: Sequence[Assessment], objective: str) -> Candidates:
    """The selection's numbers from each initiative's assessment: the objective (see
    `OBJECTIVES`), the one-time cost at its likely value, and the plan's engineer-weeks.
    An initiative its gate decides No-go is never funded, whatever its value."""
    if objective not in OBJECTIVES:
        raise PortfolioError(
            f"objective must be one of: {', '.join(OBJECTIVES)}: got {objective!r}"
        )
    rows = [a.summary_row() for a in assessments]
    return candidates(
        [row["name"] for row in rows],
        [row[OBJECTIVES[objective]] for row in rows],
        [a.results.one_time_cost for a in assessments],
        [engineer_weeks(a.results.timeline) for a in assessments],
        blocked={i: "No-go at its gate" for i, a in enumerate(assessments) if a.outcome == "No-go"},
    )


# --- guidance from the reference articles on how to staff the portfolio ----------------


@dataclass(frozen=True)
class Guidance:
    """Which operating model fits the portfolio, and whether MLOps should be its own team."""

    active: int  # AI initiatives in production or being built (funded + already running)
    engineers: int | None  # ML engineers across the organisation, when known
    operating_model: str
    why: str
    mlops: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "active": self.active,
            "engineers": self.engineers,
            "operating_model": self.operating_model,
            "why": self.why,
            "mlops": self.mlops,
        }


def guidance(active: int, engineers: int | None = None) -> Guidance:
    """The operating model and MLOps advice for `active` initiatives and `engineers` ML
    engineers, on the thresholds of the reference articles: embedded ML engineers suit
    3-5 active products, a hybrid (a 3-5 person platform team, product teams owning
    their models) scales best for 5-20, a central platform team works above 10-15 ML
    engineers; a dedicated MLOps function pays for itself above 10 models, and below 5
    MLOps is a role within the platform or SRE team.

    >>> guidance(4).operating_model, guidance(12).operating_model, guidance(30, 40).operating_model
    ('embedded ML engineers', 'hybrid with shared infrastructure', 'central ML platform team')
    """
    if active <= 5:
        model = "embedded ML engineers"
        why = (
            f"{active} active initiative{'s' if active != 1 else ''}: one or two engineers in "
            "each product team bridge data science and production (suits 3-5 products); "
            "watch for practices drifting apart between teams"
        )
    elif active <= 20 or engineers is None or engineers < 10:
        model = "hybrid with shared infrastructure"
        why = (
            f"{active} active initiatives: a small platform team (3-5 people) runs the "
            "serving and monitoring stack while product teams own their models and "
            "pipelines; the model that scales best for 5-20 products"
        )
        if active > 20:
            why += "; grow the platform team before centralising (under 10 ML engineers)"
    else:
        model = "central ML platform team"
        why = (
            f"{active} active initiatives and {engineers} ML engineers: one team builds "
            "the shared registry, serving and monitoring for everyone (works above 10-15 ML "
            "engineers); keep it from becoming the bottleneck"
        )
    if active < 5:
        mlops = (
            "no dedicated MLOps team yet: make it a role within the platform or SRE team, "
            "held by an engineer who knows both ML pipelines and production infrastructure"
        )
    elif active <= 10:
        mlops = (
            "name an MLOps owner now; a dedicated MLOps function pays for itself above 10 "
            f"models ({active} today)"
        )
    else:
        mlops = f"a dedicated MLOps function pays for itself above 10 models ({active} active)"
    return Guidance(active, engineers, model, why, mlops)


# --- the whole answer, for every front end ------------------------------------------------


def plan_portfolio(
    members: Sequence[Member],
    limits: Constraints,
    *,
    objective: str = "risk_adjusted",
    samples: int = DEFAULT_SAMPLES,
    seed: int = 0,
    engineer_weeks: float = 13.0,
    running: int = 0,
    engineers: int | None = None,
    map_ordered: Any = None,
    rule: DecisionRule | None = None,
) -> dict[str, Any]:
    """Assess every member, choose the set, run it together, advise: one JSON-ready dict
    (`roi portfolio --json`, the report, the portfolio notebook all show this).

    `map_ordered(function, items)` runs the assessments and the Monte Carlo chunks
    elsewhere (a Dask cluster) and returns results in order; by default, here. `rule`
    decides each member (None: roi's default, as `roi run` without options).
    """
    run = map_ordered or (lambda function, items: list(map(function, items)))

    def one(scenario: Scenario) -> Assessment:
        return assess(scenario, samples=samples, seed=seed, rule=rule)

    assessments = run(one, [m.scenario for m in members])
    pool = portfolio_candidates(assessments, objective)
    choice = select(pool, limits, engineer=dict.fromkeys(limits.capacity, float(engineer_weeks)))
    funded = [m for m, x in zip(members, choice.chosen, strict=True) if x]
    together = independent = None
    if funded and samples:
        together = simulate_portfolio(funded, samples, seed, map_chunks=map_ordered)
        if any(m.uses for m in funded):
            independent = simulate_portfolio(
                funded, samples, seed, independent=True, map_chunks=map_ordered
            )
    advice = guidance(len(funded) + running, engineers)
    return choice.to_dict() | {
        "objective": objective,
        "limits": {
            "budget": limits.budget,
            "capacity": dict(limits.capacity),
            "max_count": limits.max_count,
        },
        "decisions": {a.scenario.name: a.outcome for a in assessments},
        "frontier": [{"budget": b, "total": v} for b, v in frontier(pool, limits)],
        "simulation": together.to_dict() if together else None,
        "simulation_independent": independent.to_dict() if independent else None,
        "total_npv_samples": None if together is None else together.npv,
        "total_npv_samples_independent": None if independent is None else independent.npv,
        "guidance": advice.to_dict(),
        "shared": sorted({d for m in members for d in m.uses.values()}),
    }


SAMPLE_KEYS = ("total_npv_samples", "total_npv_samples_independent")
"""Keys of `plan_portfolio`'s answer that hold sample arrays (charts), not JSON."""


def json_ready(result: Mapping[str, Any]) -> dict[str, Any]:
    """`plan_portfolio`'s answer without its sample arrays."""
    return {key: value for key, value in result.items() if key not in SAMPLE_KEYS}
