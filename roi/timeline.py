"""How long a finished proof of concept takes to reach production: phases, checkpoints, go-live."""

from __future__ import annotations

import functools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from graphlib import CycleError, TopologicalSorter
from importlib import resources
from types import MappingProxyType
from typing import Any

import numpy as np
import yaml

from roi.exceptions import ConfigError

DAYS_PER_WEEK = 5  # business days; checkpoint durations are given in days
GOVERNANCE = "governance"  # the node that stands for all checkpoints in the phase graph
FULL_TEAM = "Full team"  # a phase's role that means every role the plan names


@dataclass(frozen=True)
class Phase:
    """One phase of production engineering, with its duration range in weeks and roles."""

    id: str
    name: str
    min_weeks: float
    max_weeks: float
    roles: tuple[str, ...]
    after: tuple[str, ...] = ()
    likely_weeks: float | None = None

    @property
    def likely(self) -> float:
        """The most likely duration: the given one, or the midpoint of min and max."""
        if self.likely_weeks is not None:
            return self.likely_weeks
        return (self.min_weeks + self.max_weeks) / 2

    @property
    def pert_mean(self) -> float:
        """PERT mean (min + 4 likely + max) / 6.

        >>> PHASES[0].pert_mean  # planning, 1-2 weeks, likely 1.5
        1.5
        """
        return (self.min_weeks + 4 * self.likely + self.max_weeks) / 6

    @property
    def pert_sd(self) -> float:
        """PERT spread (max - min) / 6."""
        return (self.max_weeks - self.min_weeks) / 6


@dataclass(frozen=True)
class Checkpoint:
    """A governance checkpoint: who owns it, what it needs, how long it takes in days."""

    id: str
    name: str
    owner: str
    min_days: float
    max_days: float
    artifacts: tuple[str, ...]
    pass_criteria: str
    likely_days: float | None = None

    @property
    def likely(self) -> float:
        if self.likely_days is not None:
            return self.likely_days
        return (self.min_days + self.max_days) / 2


@dataclass(frozen=True)
class PlanProfile:
    """How long production engineering should take for a kind of initiative, and the
    line past which the plan is stopped and audited (a scenario's `plan_profile`)."""

    id: str
    name: str
    weeks: tuple[float, float]  # the articles' range for the whole plan
    audit_past_weeks: float
    phase_scale: float  # each phase's weeks are the full plan's times this

    def phase_range(self, phase: Phase) -> tuple[float, float, float]:
        """A phase's (min, likely, max) weeks under this profile."""
        k = self.phase_scale
        return phase.min_weeks * k, phase.likely * k, phase.max_weeks * k


PLAN_PROFILES: tuple[str, ...] = ("full", "well_scoped")
"""The profile ids `roi.scenario.Scenario.plan_profile` accepts (the data must define
exactly these)."""


@dataclass(frozen=True)
class TimelineConfig:
    phases: tuple[Phase, ...]
    checkpoints: tuple[Checkpoint, ...]
    checkpoints_after: str
    profiles: dict[str, PlanProfile]
    poc_ratio: tuple[float, float]
    governance_at_end_weeks: tuple[float, float] = (26.0, 39.0)
    rate_card: Mapping[str, float] = field(default_factory=dict)
    hidden_cost_share: float = 0.0

    @property
    def end_review(self) -> tuple[float, float, float]:
        """(min, likely, max) weeks the compliance review adds when governance is left
        to the end."""
        low, high = self.governance_at_end_weeks
        return low, (low + high) / 2, high


def _load_config() -> TimelineConfig:
    text = resources.files("roi").joinpath("data/timeline.yaml").read_text(encoding="utf-8")
    return parse_config(yaml.safe_load(text), source="roi/data/timeline.yaml")


def parse_config(data: Any, source: str = "timeline data") -> TimelineConfig:
    """Phases and checkpoints from plain data, checked for ranges and a valid order."""
    try:
        phases = tuple(
            Phase(
                id=str(p["id"]),
                name=str(p["name"]),
                min_weeks=float(p["min_weeks"]),
                max_weeks=float(p["max_weeks"]),
                roles=tuple(p.get("roles", ())),
                after=tuple(p.get("after", ())),
                likely_weeks=None if p.get("likely_weeks") is None else float(p["likely_weeks"]),
            )
            for p in data["phases"]
        )
        checkpoints = tuple(
            Checkpoint(
                id=str(c["id"]),
                name=str(c["name"]),
                owner=str(c["owner"]),
                min_days=float(c["min_days"]),
                max_days=float(c["max_days"]),
                artifacts=tuple(c.get("artifacts", ())),
                pass_criteria=str(c.get("pass_criteria", "")),
                likely_days=None if c.get("likely_days") is None else float(c["likely_days"]),
            )
            for c in data["checkpoints"]
        )
        config = TimelineConfig(
            phases=phases,
            checkpoints=checkpoints,
            checkpoints_after=str(data["checkpoints_after"]),
            profiles={
                str(key): PlanProfile(
                    id=str(key),
                    name=str(p["name"]),
                    weeks=(float(p["weeks"][0]), float(p["weeks"][1])),
                    audit_past_weeks=float(p["audit_past_weeks"]),
                    phase_scale=float(p["phase_scale"]),
                )
                for key, p in data["plan_profiles"].items()
            },
            poc_ratio=(float(data["poc_ratio"][0]), float(data["poc_ratio"][1])),
            governance_at_end_weeks=tuple(  # type: ignore[arg-type]
                float(w) for w in data.get("governance_at_end_weeks", (26, 39))
            ),
            rate_card=MappingProxyType(
                {str(role): float(rate) for role, rate in (data.get("rate_card") or {}).items()}
            ),
            hidden_cost_share=float(data.get("hidden_cost_share", 0.0)),
        )
    except (KeyError, TypeError, ValueError, IndexError) as error:
        raise ConfigError(f"{source}: malformed timeline data ({error!r})") from None
    ids = [p.id for p in phases]
    for phase in phases:
        if not 0 <= phase.min_weeks <= phase.likely <= phase.max_weeks:
            raise ConfigError(f"{source}: phase '{phase.id}' needs 0 <= min <= likely <= max")
        for dep in phase.after:
            if dep not in ids and dep != GOVERNANCE:
                raise ConfigError(f"{source}: phase '{phase.id}' follows unknown '{dep}'")
    for checkpoint in checkpoints:
        if not 0 <= checkpoint.min_days <= checkpoint.likely <= checkpoint.max_days:
            raise ConfigError(f"{source}: checkpoint '{checkpoint.id}' needs 0 <= min <= max")
    if sorted(config.profiles) != sorted(PLAN_PROFILES):
        raise ConfigError(
            f"{source}: plan_profiles must be exactly {', '.join(PLAN_PROFILES)}: "
            f"got {', '.join(config.profiles) or 'none'}"
        )
    for profile in config.profiles.values():
        low, high = profile.weeks
        if not (0 <= low <= high <= profile.audit_past_weeks and profile.phase_scale > 0):
            raise ConfigError(
                f"{source}: plan profile '{profile.id}' needs 0 <= weeks low <= high <= "
                "audit_past_weeks and phase_scale > 0"
            )
    named = {role for phase in phases for role in phase.roles if role != FULL_TEAM}
    if config.rate_card and set(config.rate_card) != named:
        raise ConfigError(
            f"{source}: rate_card must price exactly the roles the phases name: "
            f"{', '.join(sorted(named))}"
        )
    if any(rate < 0 for rate in config.rate_card.values()) or not (
        0 <= config.hidden_cost_share <= 1
    ):
        raise ConfigError(f"{source}: rates must be >= 0 and hidden_cost_share in [0, 1]")
    if config.checkpoints_after not in ids:
        raise ConfigError(f"{source}: checkpoints_after names unknown '{config.checkpoints_after}'")
    _topological_order(config)  # raises on a cycle
    return config


def _graph(config: TimelineConfig) -> dict[str, tuple[str, ...]]:
    graph = {phase.id: phase.after for phase in config.phases}
    graph[GOVERNANCE] = (config.checkpoints_after,)
    return graph


def _topological_order(config: TimelineConfig) -> list[str]:
    """Phases (and the governance node) with every phase after those it depends on
    (the standard library's graphlib); a cycle is a ConfigError naming a phase in it."""
    try:
        return list(TopologicalSorter(_graph(config)).static_order())
    except CycleError as error:
        cycle = error.args[1]
        raise ConfigError(
            f"timeline phases depend on each other in a cycle at '{cycle[0]}'"
        ) from None


CONFIG = _load_config()
PHASES: tuple[Phase, ...] = CONFIG.phases
CHECKPOINTS: tuple[Checkpoint, ...] = CONFIG.checkpoints
_ORDER = _topological_order(CONFIG)


def governance_weeks(checkpoint_days: Mapping[str, Any], mode: str) -> np.ndarray:
    """Weeks the checkpoints take together: the longest (parallel) or the sum (sequential,
    and at the end, where the compliance review's delay comes on top: `schedule`).

    >>> float(governance_weeks({c.id: c.likely for c in CHECKPOINTS}, "parallel"))
    0.8
    >>> float(governance_weeks({c.id: c.likely for c in CHECKPOINTS}, "sequential"))
    3.1
    """
    combine = {"parallel": np.maximum, "sequential": np.add, "end": np.add}.get(mode)
    if combine is None:
        raise ValueError(f"governance must be 'parallel', 'sequential' or 'end': got {mode!r}")
    days = [np.asarray(d, float) for d in checkpoint_days.values()]
    return functools.reduce(combine, days) / DAYS_PER_WEEK


def schedule(
    phase_weeks: Mapping[str, Any],
    checkpoint_days: Mapping[str, Any],
    governance: str = "parallel",
    end_review_weeks: Any = None,
) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Start and finish week of every phase (and of the governance block) in the graph.

    Durations may be numbers or arrays of samples; they broadcast together, so one call
    schedules 100k sampled timelines. Each node starts when all it follows have finished.
    With governance left to the `end`, the checkpoints run one after another once every
    phase has finished, and the compliance review adds `end_review_weeks` (its likely
    weeks when not given) before go-live.
    """
    at_end = governance == "end"
    durations = {pid: np.asarray(phase_weeks[pid], float) for pid in phase_weeks}
    gov = governance_weeks(checkpoint_days, governance)
    durations[GOVERNANCE] = np.zeros(()) if at_end else gov
    graph = _graph(CONFIG)
    times: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    for node in _ORDER:
        deps = graph[node]
        start = functools.reduce(np.maximum, (times[d][1] for d in deps), np.zeros(()))
        times[node] = (start, start + durations[node])
    if at_end:
        review = CONFIG.end_review[1] if end_review_weeks is None else end_review_weeks
        built = functools.reduce(np.maximum, (times[p.id][1] for p in CONFIG.phases))
        times[GOVERNANCE] = (built, built + gov + np.asarray(review, float))
    return times


def total_weeks(times: Mapping[str, tuple[np.ndarray, np.ndarray]]) -> np.ndarray:
    """Weeks from the start of planning to the end of the last phase (go-live)."""
    return functools.reduce(np.maximum, (finish for _, finish in times.values()))


def critical_path(times: Mapping[str, tuple[np.ndarray, np.ndarray]]) -> list[str]:
    """The chain of nodes that sets the total, for one (scalar) schedule."""
    graph = _graph(CONFIG)
    phases_end = max(float(times[p.id][1]) for p in CONFIG.phases if p.id in times)
    gov = times.get(GOVERNANCE)
    if gov is not None and float(gov[0]) >= phases_end > 0 and float(gov[1]) > phases_end:
        # Governance left to the end: the build's own path, then the checkpoints.
        after = times[CONFIG.checkpoints_after][1]
        build = critical_path({**times, GOVERNANCE: (after, after)})
        return [*(node for node in build if node != GOVERNANCE), GOVERNANCE]
    # On a tie the later node in the graph ends the path (a 0-week rollout still goes live).
    end = max(reversed(list(times)), key=lambda node: float(times[node][1]))
    path = [end]
    while graph[path[-1]]:
        deps = graph[path[-1]]
        path.append(max(deps, key=lambda node: float(times[node][1])))
    return path[::-1]


@dataclass(frozen=True)
class PhasePlan:
    """One row of the plan: a phase or the governance block, with its likely schedule."""

    id: str
    name: str
    roles: tuple[str, ...]
    min_weeks: float
    likely_weeks: float
    max_weeks: float
    pert_mean: float
    pert_sd: float
    start_week: float
    finish_week: float
    critical: bool


@dataclass(frozen=True)
class Timeline:
    """The production-engineering plan for one scenario, with its totals and warnings."""

    phases: tuple[PhasePlan, ...]
    checkpoints: tuple[Checkpoint, ...]
    governance: str
    min_weeks: float
    likely_weeks: float
    max_weeks: float
    pert_mean_weeks: float
    pert_sd_weeks: float
    critical_path: tuple[str, ...]
    start_date: date | None = None
    go_live_date: date | None = None
    go_live_earliest: date | None = None
    go_live_latest: date | None = None
    poc_weeks: float | None = None
    poc_ratio: float | None = None
    warnings: tuple[str, ...] = field(default_factory=tuple)
    profile: str = "full"  # the plan profile (`PlanProfile`) it follows

    @property
    def plan_profile(self) -> PlanProfile:
        return CONFIG.profiles[self.profile]

    @property
    def audit_past_weeks(self) -> float:
        """The line past which production engineering is stopped and audited."""
        return self.plan_profile.audit_past_weeks

    def to_dict(self) -> dict[str, Any]:
        return {
            "profile": self.profile,
            "audit_past_weeks": self.audit_past_weeks,
            "min": self.min_weeks,
            "likely": self.likely_weeks,
            "max": self.max_weeks,
            "pert_mean": self.pert_mean_weeks,
            "pert_sd": self.pert_sd_weeks,
            "governance": self.governance,
            "critical_path": list(self.critical_path),
            "go_live_date": self.go_live_date.isoformat() if self.go_live_date else None,
            "poc_ratio": self.poc_ratio,
            "warnings": list(self.warnings),
        }


def add_business_days(start: date, weeks: float, holidays: Sequence[date] = ()) -> date:
    """The date `weeks` working weeks (5 business days each) after `start`, skipping
    weekends and `holidays`.

    >>> add_business_days(date(2026, 1, 5), 2)  # a Monday, plus 10 business days
    datetime.date(2026, 1, 19)
    >>> add_business_days(date(2026, 1, 5), 2, [date(2026, 1, 12)])  # one day off
    datetime.date(2026, 1, 20)
    """
    days = math.ceil(weeks * DAYS_PER_WEEK - 1e-9)
    off = np.array(sorted(holidays), dtype="datetime64[D]")
    moved = np.busday_offset(np.datetime64(start, "D"), days, roll="forward", holidays=off)
    day: date = moved.astype(date)
    return day


def public_holidays(
    country: str | None, extra: Sequence[date], start: date, weeks: float
) -> tuple[date, ...]:
    """`country`'s public holidays (the `holidays` package) from `start` to well past
    `weeks` later, with the `extra` dates.

    >>> [d.isoformat() for d in public_holidays("US", (), date(2026, 12, 1), 4)][:2]
    ['2026-12-25', '2027-01-01']
    """
    days: set[date] = set(extra)
    if country is not None:
        from holidays import country_holidays

        # Holidays shift go-live a few days; two years beyond the plan is ample.
        years = range(start.year, start.year + int(weeks // 52) + 3)
        days.update(d for d in country_holidays(country, years=years) if d >= start)
    return tuple(sorted(days))


def _three_point(value: Any, phase: Phase, plan: PlanProfile) -> tuple[float, float, float]:
    if value is None:
        return plan.phase_range(phase)
    if hasattr(value, "low"):
        return value.low, value.likely, value.high
    return float(value), float(value), float(value)


def phase_points(
    phase_weeks: Mapping[str, Any] | None = None,
    profile: str = "full",
    gap_weeks: Mapping[str, tuple[float, float, float]] | None = None,
) -> dict[str, tuple[float, float, float]]:
    """Each phase's (min, likely, max) weeks: the profile's, or the scenario's override,
    plus the weeks the priced open items add to it.

    >>> phase_points(gap_weeks={"refactoring": (13.0, 19.5, 26.0)})["refactoring"]
    (15.0, 22.5, 30.0)
    """
    overrides = dict(phase_weeks or {})
    unknown = set(overrides) - {p.id for p in PHASES}
    if unknown:
        raise ValueError(f"unknown phase ids: {sorted(unknown)}")
    if profile not in CONFIG.profiles:
        raise ValueError(
            f"plan profile must be one of {', '.join(CONFIG.profiles)}: got {profile!r}"
        )
    plan = CONFIG.profiles[profile]
    points = {p.id: _three_point(overrides.get(p.id), p, plan) for p in PHASES}
    for pid, added in (gap_weeks or {}).items():
        points[pid] = tuple(a + b for a, b in zip(points[pid], added, strict=True))  # type: ignore[assignment]
    return points


def estimate_timeline(
    phase_weeks: Mapping[str, Any] | None = None,
    governance: str = "parallel",
    start_date: date | None = None,
    poc_weeks: float | None = None,
    country: str | None = None,
    holidays: Sequence[date] = (),
    profile: str = "full",
    gap_weeks: Mapping[str, tuple[float, float, float]] | None = None,
) -> Timeline:
    """The plan with min, likely and max totals, PERT mean and spread, and the critical path.

    `profile` (a `PlanProfile` id) sets every phase's default weeks (the full plan's, or
    a well-scoped feature's shorter ones) and the audit line; `phase_weeks` overrides a
    phase's duration with a number or a Range (low, likely, high); `gap_weeks` adds
    (min, likely, max) weeks to a phase for the priced readiness items left open. The
    totals come from scheduling every phase at its min, likely and max; PERT mean and
    spread add up the phases on the likely critical path.

    >>> plan = estimate_timeline()
    >>> plan.min_weeks, plan.likely_weeks, plan.max_weeks
    (11.0, 16.0, 21.0)
    >>> small = estimate_timeline(profile="well_scoped")
    >>> small.min_weeks, small.likely_weeks, small.max_weeks, small.audit_past_weeks
    (5.5, 8.0, 10.5, 16.0)
    """
    points = phase_points(phase_weeks, profile, gap_weeks)
    plan = CONFIG.profiles[profile]
    cps = CHECKPOINTS

    def run(index: int) -> dict[str, tuple[np.ndarray, np.ndarray]]:
        days = {c.id: (c.min_days, c.likely, c.max_days)[index] for c in cps}
        phases = {pid: pt[index] for pid, pt in points.items()}
        return schedule(phases, days, governance, CONFIG.end_review[index])

    low, mid, high = run(0), run(1), run(2)
    path = critical_path(mid)
    means = {pid: (a + 4 * m + b) / 6 for pid, (a, m, b) in points.items()}
    sds = {pid: (b - a) / 6 for pid, (a, m, b) in points.items()}
    gov_three = [
        float(
            governance_weeks({c.id: (c.min_days, c.likely, c.max_days)[i] for c in cps}, governance)
        )
        + (CONFIG.end_review[i] if governance == "end" else 0.0)
        for i in range(3)
    ]
    means[GOVERNANCE] = (gov_three[0] + 4 * gov_three[1] + gov_three[2]) / 6
    sds[GOVERNANCE] = (gov_three[2] - gov_three[0]) / 6
    mean_times = schedule(
        {pid: means[pid] for pid in points},
        {c.id: (c.min_days + 4 * c.likely + c.max_days) / 6 for c in cps},
        governance,
    )
    pert_path = critical_path(mean_times)
    pert_mean = float(total_weeks(mean_times))
    pert_sd = math.sqrt(sum(sds[node] ** 2 for node in pert_path))

    rows = _phase_rows(points, means, sds, mid, path, gov_three, governance)
    total_low, total_mid, total_high = (float(total_weeks(t)) for t in (low, mid, high))

    warnings, ratio = _plan_warnings(plan, total_mid, poc_weeks)
    dates = _go_live_dates(start_date, country, holidays, (total_low, total_mid, total_high))
    return Timeline(
        phases=tuple(rows),
        checkpoints=cps,
        governance=governance,
        min_weeks=total_low,
        likely_weeks=total_mid,
        max_weeks=total_high,
        pert_mean_weeks=pert_mean,
        pert_sd_weeks=pert_sd,
        critical_path=tuple(path),
        start_date=start_date,
        poc_weeks=None if poc_weeks is None else float(getattr(poc_weeks, "likely", poc_weeks)),
        poc_ratio=ratio,
        warnings=tuple(warnings),
        profile=profile,
        **dates,
    )


def _phase_rows(
    points: Mapping[str, tuple[float, float, float]],
    means: Mapping[str, float],
    sds: Mapping[str, float],
    mid: Mapping[str, tuple[Any, Any]],
    path: Sequence[str],
    gov_three: Sequence[float],
    governance: str,
) -> list[PhasePlan]:
    """The plan's rows: each phase, and the governance checkpoints after theirs."""
    rows = []
    for phase in PHASES:
        a, m, b = points[phase.id]
        rows.append(
            PhasePlan(
                phase.id,
                phase.name,
                phase.roles,
                a,
                m,
                b,
                means[phase.id],
                sds[phase.id],
                float(mid[phase.id][0]),
                float(mid[phase.id][1]),
                phase.id in path,
            )
        )
    rows.insert(
        [p.id for p in PHASES].index(CONFIG.checkpoints_after) + 1,
        PhasePlan(
            GOVERNANCE,
            f"Governance checkpoints ({governance})",
            tuple(dict.fromkeys(c.owner for c in CHECKPOINTS)),
            gov_three[0],
            gov_three[1],
            gov_three[2],
            means[GOVERNANCE],
            sds[GOVERNANCE],
            float(mid[GOVERNANCE][0]),
            float(mid[GOVERNANCE][1]),
            GOVERNANCE in path,
        ),
    )
    return rows


def _plan_warnings(
    plan: Any, likely_weeks: float, poc_weeks: Any
) -> tuple[list[str], float | None]:
    """A likely plan past its profile's range, and production engineering out of the
    usual proportion to the PoC (with that ratio, when the PoC's weeks are known)."""
    warnings = []
    low_weeks, high_weeks = plan.weeks
    if likely_weeks > high_weeks:
        warnings.append(
            f"The likely plan takes {likely_weeks:.1f} weeks, past the {low_weeks:g}-"
            f"{high_weeks:g} weeks of a {plan.name.lower()}: plans this long usually hide "
            "gaps (pipelines, versioning, fallbacks, observability, governance left to the "
            f"end). Audit them before committing; past {plan.audit_past_weeks:g} weeks the "
            "plan is stopped and audited."
        )
    if poc_weeks is None:
        return warnings, None
    poc = float(getattr(poc_weeks, "likely", poc_weeks))
    ratio = likely_weeks / poc
    lo, hi = CONFIG.poc_ratio
    if not lo <= ratio <= hi:
        side = "less" if ratio < lo else "more"
        warnings.append(
            f"Production engineering is {ratio:.1f}x the {poc:g}-week PoC, {side} than the "
            f"usual {lo:g}-{hi:g}x: "
            + (
                "the plan may be optimistic."
                if ratio < lo
                else "the PoC may have skipped production concerns, or the plan is padded."
            )
        )
    return warnings, ratio


def _go_live_dates(
    start_date: date | None,
    country: str | None,
    holidays: Sequence[date],
    totals: tuple[float, float, float],
) -> dict[str, date | None]:
    """Go-live on the likely, earliest and latest plan, counted in business days from
    the start date (weekends and public holidays off); none without a start date."""
    if start_date is None:
        return {"go_live_date": None, "go_live_earliest": None, "go_live_latest": None}
    low, likely, high = totals
    off = public_holidays(country, holidays, start_date, high)
    return {
        "go_live_date": add_business_days(start_date, likely, off),
        "go_live_earliest": add_business_days(start_date, low, off),
        "go_live_latest": add_business_days(start_date, high, off),
    }


NAMED_ROLES: tuple[str, ...] = tuple(
    dict.fromkeys(role for phase in PHASES for role in phase.roles if role != FULL_TEAM)
)
"""Every role the plan names, in the order it first names them ("Full team" is all)."""


def phase_people(roles: Sequence[str]) -> tuple[str, ...]:
    """The people a phase needs, one of each role: its roles, or for a "Full team" phase
    every role the plan names."""
    return NAMED_ROLES if FULL_TEAM in roles else tuple(roles)


def role_weeks(timeline: Timeline) -> dict[str, float]:
    """Weeks the plan asks of each named role, in the order the plan first names them:
    one person of the role for each phase's likely weeks; a "Full team" phase counts for
    every role. Governance checkpoints are sign-offs, not team members.

    >>> weeks = role_weeks(estimate_timeline({}))
    >>> weeks["ML engineer"], weeks["Data engineer"]  # 3 + (1.5 + 3), 3 + (1.5 + 3)
    (7.5, 7.5)
    """
    out = dict.fromkeys(NAMED_ROLES, 0.0)
    for phase in timeline.phases:
        if phase.id != GOVERNANCE:
            for role in phase_people(phase.roles):
                out[role] += phase.likely_weeks
    return out


RATE_CARD: Mapping[str, float] = CONFIG.rate_card
"""The loaded weekly rate of each role the plan names, US dollars (roi/data/timeline.yaml;
roi's assumptions, a scenario's `rate_card` replaces any of them)."""
HIDDEN_COST_SHARE: float = CONFIG.hidden_cost_share
"""Hidden costs (meetings, context switching, partial allocation) as a share of the plan's
labour (roi/data/timeline.yaml; roi's assumption)."""


def phase_rates(rates: Mapping[str, float]) -> dict[str, float]:
    """What a week of each phase costs: the weekly rates of the roles it names, one
    person each; a "Full team" phase costs every role the plan names.

    >>> week = phase_rates(RATE_CARD)
    >>> week["refactoring"], week["rollout"]  # ML + software engineer; all seven roles
    (9200.0, 31800.0)
    """
    return {p.id: float(sum(rates[role] for role in phase_people(p.roles))) for p in PHASES}


def plan_cost(
    phase_weeks: Mapping[str, Any], rates: Mapping[str, float], hidden_share: float
) -> Any:
    """The plan's build cost: each phase's weeks times its people's weekly rates, summed,
    plus the hidden-cost share. Weeks may be numbers or arrays of samples (one
    vectorized sum); a phase that slips costs its people's extra weeks.

    The default plan at its likely weeks (planning 1.5, refactoring 3, data pipeline 3,
    infrastructure 2.5, integration testing 1.5, monitoring 1.5, rollout 3), worked by
    hand: 1.5 x 9,000 + 3 x 9,200 + 3 x 4,400 + 2.5 x 4,600 + 1.5 x 31,800
    + 1.5 x 4,600 + 3 x 31,800 = 215,800 of labour; with 20% hidden costs 258,960.

    >>> likely = {phase.id: phase.likely for phase in PHASES}
    >>> round(float(plan_cost(likely, RATE_CARD, 0.2)), 2)
    258960.0
    """
    week = phase_rates(rates)
    labour = sum(np.asarray(phase_weeks[pid], float) * rate for pid, rate in week.items())
    return labour * (1.0 + hidden_share)


def person_weeks(phase_weeks: Mapping[str, Any]) -> Any:
    """The plan's person-weeks: each phase's weeks times the people it names.

    >>> float(person_weeks({phase.id: phase.likely for phase in PHASES}))
    47.5
    """
    return plan_cost(phase_weeks, dict.fromkeys(CONFIG.rate_card, 1.0), 0.0)
