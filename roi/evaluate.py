"""One computation path: from input values to every headline result.

`compute` is the engine: it takes numbers or arrays, so the same call serves one
scenario, a table of a million scenarios and a Monte Carlo of 100k samples. `evaluate`
wraps it for one Scenario; `evaluate_table` for a pandas DataFrame.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
import pandas as pd

from roi._types import Numbers
from roi.amounts import PERCENT_UNITS, read_number
from roi.breakeven import BreakEven, break_even_table
from roi.exceptions import MISSING, Problem, ScenarioError, suggestion
from roi.impact import (
    IMPACT_FIELDS,
    MONTHS_PER_YEAR,
    annual_impact,
    cost_per_1000_requests,
    fte_released,
)
from roi.payback import (
    PresentValues,
    adopted_months,
    cash_flow_payback_months,
    cumulative_cash,
    decision_cash_flows,
    discounted_payback,
    irr_annual,
    meets_threshold,
    monthly_cash_flows,
    monthly_rate,
    payback_month,
    payback_months,
    roi_pct,
    weeks_to_months,
)
from roi.scenario import FIELD_SPECS, MINUTES_PER_DAY, NUMERIC_FIELDS, Range, Scenario, likely
from roi.timeline import (
    CHECKPOINTS,
    PHASES,
    Timeline,
    estimate_timeline,
    person_weeks,
    schedule,
    total_weeks,
)

RESULT_COLUMNS = (
    "time_value",
    "incremental_revenue_value",
    "protected_revenue_value",
    "reduced_cost_value",
    "mitigated_risk_value",
    "benefits",
    "model_cost",
    "requests_per_year",
    "cost_per_1000_requests",
    "hours_saved",
    "fte_released",
    "running_costs",
    "annual_impact",
    "monthly_net_impact",
    "one_time_cost",
    "payback_months",
    "meets_payback_threshold",
    "payback_months_cash_flow",
    "meets_payback_threshold_cash_flow",
    "npv",
    "npv_at_decision",
    "cost_of_delay_per_week",
    "roi_pct",
    "payback_month_with_ramp",
    "weeks_to_go_live",
    "time_to_value_months",
    "cumulative_cash_at_horizon",
)


def compute(
    values: Mapping[str, Numbers],
    weeks_to_go_live: Numbers = 0.0,
    *,
    only: Iterable[str] | None = None,
) -> dict[str, Any]:
    """Every headline result from the numeric inputs (numbers or broadcastable arrays),
    or the ones named in `only` (a result nobody asked for is not worked out).

    `values` maps each numeric Scenario field to its value(s) (optional fields may be
    left out: they take their defaults); `weeks_to_go_live` is the
    production-engineering time before benefits start. Payback values are inf where
    the initiative never pays back.

    >>> r = compute(dict(users=200, tasks_per_day=12, minutes_saved_per_task=4,
    ...     hourly_rate=55, workdays_per_year=230, incremental_revenue=0,
    ...     platform_cost_annual=60_000, model_cost_annual=36_000,
    ...     support_cost_annual=40_000, build_cost=250_000, change_cost=50_000,
    ...     payback_threshold_months=12, adoption_months=0, discount_rate=0.1,
    ...     horizon_months=36))
    >>> float(r["annual_impact"]), round(float(r["payback_months"]), 3)
    (1888000.0, 1.907)
    """
    missing = [f for f in NUMERIC_FIELDS if f not in values and FIELD_SPECS[f].required]
    if missing:
        raise KeyError(f"compute needs a value for every required field; missing: {missing}")
    v = {
        field: np.asarray(values[field] if field in values else FIELD_SPECS[field].default, float)
        for field in NUMERIC_FIELDS
    }
    impact = annual_impact(**{field: v[field] for field in IMPACT_FIELDS})
    one_time = v["build_cost"] + v["change_cost"]
    monthly_net = impact.monthly_net
    benefit = impact.benefits / MONTHS_PER_YEAR
    running = impact.running_costs / MONTHS_PER_YEAR
    ramp = v["adoption_months"]
    horizon = np.round(v["horizon_months"])
    threshold = v["payback_threshold_months"]
    weeks = np.asarray(weeks_to_go_live, float)
    weeks = weeks[()] if weeks.ndim == 0 else weeks  # a number in, a number out

    # Worked out once, and only when a result asked for needs them.
    @functools.cache
    def payback() -> Any:
        return payback_months(one_time, monthly_net)

    @functools.cache
    def cash_payback() -> Any:
        return cash_flow_payback_months(one_time, benefit, running, ramp)

    @functools.cache
    def ramp_month() -> Any:
        return payback_month(cash_payback())

    @functools.cache
    def present() -> PresentValues:
        return PresentValues(
            one_time, benefit, running, ramp, v["discount_rate"], horizon, weeks_to_months(weeks)
        )

    results: dict[str, Callable[[], Any]] = {
        "time_value": lambda: impact.time_value,
        "incremental_revenue_value": lambda: impact.incremental_revenue,
        "protected_revenue_value": lambda: impact.protected_revenue,
        "reduced_cost_value": lambda: impact.reduced_cost,
        "mitigated_risk_value": lambda: impact.mitigated_risk,
        "benefits": lambda: impact.benefits,
        "model_cost": lambda: impact.model_cost,
        "requests_per_year": lambda: impact.requests,
        "cost_per_1000_requests": lambda: cost_per_1000_requests(
            impact.model_cost, impact.requests
        ),
        "hours_saved": lambda: impact.hours,
        "fte_released": lambda: fte_released(impact.hours, v["workdays_per_year"]),
        "running_costs": lambda: impact.running_costs,
        "annual_impact": lambda: impact.net,
        "monthly_net_impact": lambda: monthly_net,
        "one_time_cost": lambda: one_time,
        "payback_months": payback,
        "meets_payback_threshold": lambda: meets_threshold(payback(), threshold),
        "payback_months_cash_flow": cash_payback,
        "meets_payback_threshold_cash_flow": lambda: meets_threshold(cash_payback(), threshold),
        "npv": lambda: present().npv(),
        "npv_at_decision": lambda: present().at_decision(),
        "cost_of_delay_per_week": lambda: present().cost_of_delay(),
        "roi_pct": lambda: roi_pct(one_time, benefit, running, ramp, horizon),
        "payback_month_with_ramp": ramp_month,
        "weeks_to_go_live": lambda: weeks,
        "time_to_value_months": lambda: weeks_to_months(weeks) + ramp_month(),
        "cumulative_cash_at_horizon": lambda: cumulative_cash(
            horizon, one_time, benefit, running, ramp
        ),
    }
    if only is None:
        return {name: result() for name, result in results.items()}
    unknown = sorted(set(only) - set(results))
    if unknown:
        raise KeyError(f"compute has no result {unknown[0]!r}; known: {', '.join(results)}")
    return {name: results[name]() for name in only}


def payback_key(scenario: Scenario) -> str:
    """The result key of the payback the decision tests, on the scenario's basis:
    `payback_months_cash_flow` (the default, ramp included) or `payback_months` (simple).
    """
    return "payback_months" if scenario.payback_basis == "simple" else "payback_months_cash_flow"


def _finite_or_none(x: float) -> float | None:
    return float(x) if math.isfinite(float(x)) else None


@dataclass(frozen=True)
class Results:
    """Everything the workbook shows for one scenario at its likely values."""

    scenario: Scenario
    time_value: float  # unlocked capacity: the time saved, as realised, in $ a year
    incremental_revenue: float
    protected_revenue: float  # as realised, like the two below
    reduced_cost: float
    mitigated_risk: float
    model_cost: float  # fixed plus per-request, a year
    requests_per_year: float
    cost_per_1000_requests: float | None  # the model's cost per 1,000; None: no requests
    hours_saved: float  # a year, as realised
    fte_released: float  # hours_saved over a full-time year (HOURS_PER_FTE_DAY a workday)
    running_costs: float
    annual_impact: float
    monthly_net_impact: float
    one_time_cost: float
    payback_months: float | None  # simple: one-time costs / monthly net; None: never
    meets_payback_threshold: bool
    payback_months_cash_flow: float | None  # cumulative cash reaches 0, ramp included
    meets_payback_threshold_cash_flow: bool
    npv: float  # valued at go-live, over horizon_months of operation
    npv_at_decision: float  # valued at the decision, over horizon_months from it
    cost_of_delay_per_week: float  # npv_at_decision lost by one more week to go-live
    irr: float | None  # annual, of the cash as of the decision; None: none; inf: above range
    discounted_payback_months: float | None  # from the decision; None: not in the horizon
    roi_pct: float | None  # net gain over the horizon / (one-time + running costs)
    roi_on_investment_pct: float | None  # net gain over the horizon / one-time costs
    payback_month_with_ramp: int | None
    time_to_value_months: float | None
    cumulative_cash_at_horizon: float
    timeline: Timeline

    @functools.cached_property
    def cash_flow(self) -> pd.DataFrame:
        """Month by month from go-live (`cash_flow_table`), made when first read."""
        benefits = (  # compute's sum, in its order
            self.time_value
            + self.incremental_revenue
            + self.protected_revenue
            + self.reduced_cost
            + self.mitigated_risk
        )
        point = {
            "benefits": benefits,
            "running_costs": self.running_costs,
            "one_time_cost": self.one_time_cost,
        }
        return cash_flow_table(self.scenario, point)

    @functools.cached_property
    def break_even(self) -> tuple[BreakEven, ...]:
        """Each input's break-even on the decision's payback basis (worked out when first
        read: the app's cards move before it is needed)."""
        return tuple(break_even_table(self.scenario.point_values(), self.scenario.payback_basis))

    @property
    def pays_back(self) -> bool:
        return self.payback_months is not None

    @property
    def payback_basis(self) -> str:
        """Which payback the decision's kill test uses: "cash_flow" or "simple"."""
        return self.scenario.payback_basis

    @property
    def decision_payback_months(self) -> float | None:
        """The payback on the scenario's `payback_basis` (None: never)."""
        if self.payback_basis == "simple":
            return self.payback_months
        return self.payback_months_cash_flow

    @property
    def go_live_date(self) -> date | None:
        return self.timeline.go_live_date

    @property
    def build_cost(self) -> float:
        """The build cost the figures use: typed, or the plan's (`build_cost: plan`)."""
        return self.scenario.value("build_cost")

    @functools.cached_property
    def plan_build_cost(self) -> float:
        """What the likely plan costs to build: its person-weeks at the rate card, plus
        the hidden-cost share (the build cost itself when `build_cost: plan`)."""
        return float(self.scenario.plan_build_cost())

    @functools.cached_property
    def plan_person_weeks(self) -> float:
        return float(person_weeks(self.scenario.likely_phase_weeks()))

    def benefits_by_kind(self) -> dict[str, float]:
        """The year's benefits by the articles' kinds, as realised (new revenue apart)."""
        return {
            "unlocked_capacity": self.time_value,
            "incremental_revenue": self.incremental_revenue,
            "protected_revenue": self.protected_revenue,
            "reduced_cost": self.reduced_cost,
            "mitigated_risk": self.mitigated_risk,
        }

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready results; keys follow the Scenario's field names and the CLI contract."""
        return {
            "name": self.scenario.name,
            "annual_impact": self.annual_impact,
            "monthly_net_impact": self.monthly_net_impact,
            "payback_months": self.payback_months,
            "meets_payback_threshold": self.meets_payback_threshold,
            "payback_threshold_months": self.scenario.value("payback_threshold_months"),
            "payback_months_cash_flow": self.payback_months_cash_flow,
            "meets_payback_threshold_cash_flow": self.meets_payback_threshold_cash_flow,
            "payback_basis": self.payback_basis,
            "npv": self.npv,
            "npv_at_decision": self.npv_at_decision,
            "cost_of_delay_per_week": self.cost_of_delay_per_week,
            "irr": None if self.irr is None or math.isinf(self.irr) else self.irr,
            "irr_above_max": self.irr is not None and math.isinf(self.irr),
            "discounted_payback_months": self.discounted_payback_months,
            "roi_pct": self.roi_pct,
            "roi_on_investment_pct": self.roi_on_investment_pct,
            "time_value": self.time_value,
            "incremental_revenue": self.incremental_revenue,
            "benefits": self.benefits_by_kind(),
            "model_cost": self.model_cost,
            "requests_per_year": self.requests_per_year,
            "cost_per_1000_inferences": self.cost_per_1000_requests,
            "hours_saved": self.hours_saved,
            "fte_released": self.fte_released,
            "running_costs": self.running_costs,
            "one_time_cost": self.one_time_cost,
            "build_cost": self.build_cost,
            "build_cost_basis": "plan" if self.scenario.build_cost_from_plan else "typed",
            "plan_build_cost": self.plan_build_cost,
            "plan_person_weeks": self.plan_person_weeks,
            "hidden_cost_share": self.scenario.hidden_share(),
            "payback_month_with_ramp": self.payback_month_with_ramp,
            "time_to_value_months": self.time_to_value_months,
            "cumulative_cash_at_horizon": self.cumulative_cash_at_horizon,
            "timeline_weeks": {
                "min": self.timeline.min_weeks,
                "likely": self.timeline.likely_weeks,
                "max": self.timeline.max_weeks,
            },
            "go_live_date": self.go_live_date.isoformat() if self.go_live_date else None,
            "critical_path": list(self.timeline.critical_path),
            "warnings": list(self.timeline.warnings),
        }


def timeline_for(scenario: Scenario) -> Timeline:
    """The production-engineering plan for a scenario (the same plan object for scenarios
    whose plan inputs are the same: a slider that moves users reuses it)."""
    phases = tuple(
        (pid, (value.low, value.likely, value.high) if isinstance(value, Range) else value)
        for pid, value in sorted(scenario.phase_weeks.items())
    )
    return _timeline(
        phases,
        scenario.governance,
        scenario.start_date,
        None if scenario.poc_weeks is None else likely(scenario.poc_weeks),
        scenario.country,
        scenario.holidays,
        scenario.plan_profile,
        tuple(sorted(gap_weeks(scenario).items())),
    )


@dataclass(frozen=True)
class _ThreePoint:
    low: float
    likely: float
    high: float


@functools.lru_cache(maxsize=256)
def _timeline(
    phases: tuple[tuple[str, Any], ...],
    governance: str,
    start_date: date | None,
    poc_weeks: float | None,
    country: str | None,
    holidays: tuple[date, ...],
    profile: str,
    gaps: tuple[tuple[str, tuple[float, float, float]], ...],
) -> Timeline:
    return estimate_timeline(
        {pid: _ThreePoint(*v) if isinstance(v, tuple) else v for pid, v in phases},
        governance=governance,
        start_date=start_date,
        poc_weeks=poc_weeks,
        country=country,
        holidays=holidays,
        profile=profile,
        gap_weeks=dict(gaps),
    )


def gap_weeks(scenario: Scenario) -> dict[str, tuple[float, float, float]]:
    """(min, likely, max) weeks the priced items the scenario answers open add, by the
    phase they lengthen (roi/data/gates.yaml: notebook code not yet a service adds 3-6
    months of re-engineering to refactoring)."""
    return scenario.gap_weeks()


def cash_flow_table(scenario: Scenario, results: Mapping[str, Any]) -> pd.DataFrame:
    """Month-by-month cash flow from go-live over the scenario's horizon."""
    values = scenario.point_values()
    horizon = round(values["horizon_months"])
    benefit = results["benefits"] / MONTHS_PER_YEAR
    running = results["running_costs"] / MONTHS_PER_YEAR
    ramp = values["adoption_months"]
    flows = monthly_cash_flows(results["one_time_cost"], benefit, running, ramp, horizon)
    months = np.arange(horizon + 1)
    share = np.concatenate(
        [[0.0], adopted_months(months[1:], ramp) - adopted_months(months[1:] - 1, ramp)]
    )
    discount = (1 + monthly_rate(values["discount_rate"])) ** -months
    return pd.DataFrame(
        {
            "month": months,
            "adoption": share,
            "benefit": np.where(months > 0, benefit * share, 0.0),
            "running_cost": np.where(months > 0, running, 0.0),
            "one_time_cost": np.where(months == 0, results["one_time_cost"], 0.0),
            "net": flows,
            "cumulative": np.cumsum(flows),
            "discounted": flows * discount,
        }
    )


# Results that are finite for any sane input; inf or NaN here means the inputs overflow.
_MUST_BE_FINITE = (
    "time_value",
    "running_costs",
    "annual_impact",
    "one_time_cost",
    "npv",
    "cumulative_cash_at_horizon",
)


_HUGE = 1e100
"""An input at or past this size is named as a cause when a result overflows."""


def _check_finite(scenario: Scenario, raw: Mapping[str, Any]) -> None:
    """Refuse inputs so large that a result overflows, rather than print a wrong number.

    The problem names the inputs to change (those of 1e100 or more, or else the largest),
    not only the result that overflowed.
    """
    overflowed = [name for name in _MUST_BE_FINITE if not math.isfinite(float(raw[name]))]
    if not overflowed:
        return
    values = {
        name: float(value)
        for name, value in scenario.point_values().items()
        if isinstance(value, int | float) and math.isfinite(float(value))
    }
    causes = [name for name, value in values.items() if abs(value) >= _HUGE]
    if not causes:
        causes = sorted(values, key=lambda name: -abs(values[name]))[:1]
    results = ", ".join(overflowed)
    raise ScenarioError(
        [
            Problem(
                name,
                values[name],
                f"is too large: the results cannot be computed ({results} overflows); "
                "allowed: a value whose results stay finite",
                f"scenario {scenario.name!r}",
            )
            for name in causes
        ]
    )


def evaluate(scenario: Scenario) -> Results:
    """All point results for one scenario: impact, payback, cash flow, timeline, break-even."""
    timeline = timeline_for(scenario)
    values = scenario.point_values()
    with np.errstate(over="ignore", invalid="ignore"):  # overflow is reported just below
        raw = compute(values, timeline.likely_weeks)
    _check_finite(scenario, raw)
    ramp_month = float(raw["payback_month_with_ramp"])
    times, cash = decision_cash_flows(
        float(raw["one_time_cost"]),
        float(raw["benefits"]) / MONTHS_PER_YEAR,
        float(raw["running_costs"]) / MONTHS_PER_YEAR,
        values["adoption_months"],
        round(values["horizon_months"]),
        float(weeks_to_months(timeline.likely_weeks)),
    )
    return Results(
        scenario=scenario,
        time_value=float(raw["time_value"]),
        incremental_revenue=float(raw["incremental_revenue_value"]),
        protected_revenue=float(raw["protected_revenue_value"]),
        reduced_cost=float(raw["reduced_cost_value"]),
        mitigated_risk=float(raw["mitigated_risk_value"]),
        model_cost=float(raw["model_cost"]),
        requests_per_year=float(raw["requests_per_year"]),
        cost_per_1000_requests=_finite_or_none(raw["cost_per_1000_requests"]),
        hours_saved=float(raw["hours_saved"]),
        fte_released=float(raw["fte_released"]),
        running_costs=float(raw["running_costs"]),
        annual_impact=float(raw["annual_impact"]),
        monthly_net_impact=float(raw["monthly_net_impact"]),
        one_time_cost=float(raw["one_time_cost"]),
        payback_months=_finite_or_none(raw["payback_months"]),
        meets_payback_threshold=bool(raw["meets_payback_threshold"]),
        payback_months_cash_flow=_finite_or_none(raw["payback_months_cash_flow"]),
        meets_payback_threshold_cash_flow=bool(raw["meets_payback_threshold_cash_flow"]),
        npv=float(raw["npv"]),
        npv_at_decision=float(raw["npv_at_decision"]),
        cost_of_delay_per_week=float(raw["cost_of_delay_per_week"]),
        irr=irr_annual(times, cash),
        # Never pays back (monthly net not positive) is never, discounted as well.
        discounted_payback_months=(
            discounted_payback(times, cash, values["discount_rate"])
            if math.isfinite(float(raw["payback_months"]))
            else None
        ),
        roi_pct=_finite_or_none(raw["roi_pct"]),
        roi_on_investment_pct=(
            float(raw["cumulative_cash_at_horizon"]) / float(raw["one_time_cost"]) * 100
            if float(raw["one_time_cost"]) > 0
            else None
        ),
        payback_month_with_ramp=int(ramp_month) if math.isfinite(ramp_month) else None,
        time_to_value_months=_finite_or_none(raw["time_to_value_months"]),
        cumulative_cash_at_horizon=float(raw["cumulative_cash_at_horizon"]),
        timeline=timeline,
    )


# --- tables of scenarios ---------------------------------------------------------------


_PLAIN_NUMBER = r"[-+]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][-+]?[0-9]+)?"
_THOUSANDS_POINT = r"[-+]?[1-9][0-9]{0,2}(?:\.[0-9]{3})+"


def column_numbers(raw: pd.Series, unit: str) -> tuple[np.ndarray, dict[int, str]]:
    """A table column's cells as numbers of a field in `unit`, read as `roi.amounts`
    reads any value: plain numbers in one vectorized pass, written forms (1,500, $70,
    2k, 10%) cell by cell. Returns the numbers (NaN where a cell is blank or not read)
    and, by position, why a cell could not be read.

    >>> numbers, why = column_numbers(pd.Series(["1,500", "2k", 7, "250.000", ""]), "people")
    >>> numbers.tolist()[:3], sorted(why)
    ([1500.0, 2000.0, 7.0], [3])
    """
    values = raw.to_numpy(dtype=object)
    text = raw.map(lambda cell: cell.strip() if isinstance(cell, str) else None)
    is_text = text.notna().to_numpy() & (text.fillna("") != "").to_numpy()
    plain = (
        text.fillna("").str.fullmatch(_PLAIN_NUMBER).to_numpy()
        & ~text.fillna("").str.fullmatch(_THOUSANDS_POINT).to_numpy()
    )
    direct = np.where(is_text & ~plain, None, values)
    numeric = np.array(
        pd.to_numeric(pd.Series(direct), errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    )
    reasons: dict[int, str] = {}
    if unit in PERCENT_UNITS:  # the percent rule, as read_number applies it to one value
        ambiguous = (numeric == 1) & is_text  # typed "1": 1% or 100%?
        numeric = np.where(numeric > 1, numeric / 100, numeric)
        for index in np.flatnonzero(ambiguous):
            reasons[int(index)] = "1 is ambiguous for a percent: write 1% or 100%"
        numeric = np.where(ambiguous, np.nan, numeric)
    for index in np.flatnonzero(is_text & ~plain):
        try:
            numeric[index] = read_number(values[index], unit)
        except ValueError as error:
            numeric[index] = np.nan
            reasons[int(index)] = str(error)
    return numeric, reasons


def validate_table(
    table: pd.DataFrame, *, source: str = "table", limit: int = 20
) -> dict[str, Any]:
    """Numeric columns of a scenario table, checked in vectorized form.

    Returns the columns as float arrays (defaults filled in). Raises ScenarioError
    naming the row, field, value and rule of the first `limit` problems.
    """
    problems: list[Problem] = []
    count = 0
    columns: dict[str, np.ndarray] = {}
    rows = len(table)
    known = {
        "name",
        "description",
        *FIELD_SPECS,
        *(f"{f}_{part}" for f in FIELD_SPECS for part in ("low", "high", "distribution")),
    }
    unknown = [c for c in table.columns if c not in known]
    for column in unknown:
        hint = suggestion(str(column), sorted(known))
        problems.append(Problem(str(column), MISSING, "is not a scenario column" + hint, source))
    for field, spec in FIELD_SPECS.items():
        if field not in table.columns:
            if spec.required:
                problems.append(Problem(field, MISSING, "is required (no such column)", source))
                continue
            columns[field] = np.full(rows, spec.default_value)
            continue
        raw = table[field]
        numeric, reasons = column_numbers(raw, spec.unit)
        blank = raw.isna().to_numpy() | (raw.astype(str).str.strip() == "").to_numpy()
        if not spec.required:
            numeric = np.where(blank, spec.default_value, numeric)
        bad = ~np.isfinite(numeric)
        # true/false is not a number, though pandas would read it as 1/0.
        if raw.dtype == bool:
            bad |= True
        elif raw.dtype == object:
            bad |= raw.map(lambda cell: isinstance(cell, bool | np.bool_)).to_numpy(dtype=bool)
        low_ok = numeric > spec.minimum if spec.exclusive_minimum else numeric >= spec.minimum
        bad |= ~low_ok
        if spec.maximum is not None:
            bad |= numeric > spec.maximum
        if spec.whole:
            bad |= numeric != np.round(numeric)
        for index in np.flatnonzero(bad):
            count += 1
            if count <= limit:
                label = table.index[index]
                cell = raw.iloc[index]
                cell = cell.item() if isinstance(cell, np.generic) else cell  # -5, not np.int64(-5)
                why = reasons.get(int(index), spec.allowed())
                problems.append(Problem(field, cell, why, source, label))
        columns[field] = numeric
    if "tasks_per_day" in columns and "minutes_saved_per_task" in columns:
        day = columns["tasks_per_day"] * columns["minutes_saved_per_task"]
        for index in np.flatnonzero(day > MINUTES_PER_DAY):
            count += 1
            if count <= limit:
                problems.append(
                    Problem(
                        "tasks_per_day x minutes_saved_per_task",
                        float(day[index]),
                        f"must not exceed {MINUTES_PER_DAY} minutes (24 hours) saved per user "
                        "per day",
                        source,
                        table.index[index],
                    )
                )
    if problems:
        raise ScenarioError(problems, hidden=max(count - limit, 0))
    return columns


def evaluate_table(table: pd.DataFrame, governance: str = "parallel") -> pd.DataFrame:
    """Results for every row of a table of scenarios, in one vectorized call.

    Columns are Scenario field names (likely values); optional fields may be absent.
    Every row uses the standard timeline at its likely durations.

    >>> table = pd.DataFrame({"users": [200, 0], "tasks_per_day": 12,
    ...     "minutes_saved_per_task": 4, "hourly_rate": 55, "platform_cost_annual": 60_000,
    ...     "model_cost_annual": 36_000, "support_cost_annual": 40_000,
    ...     "build_cost": 250_000, "change_cost": 50_000})
    >>> evaluate_table(table)[["annual_impact", "meets_payback_threshold"]]
       annual_impact  meets_payback_threshold
    0      1888000.0                     True
    1      -136000.0                    False
    """
    columns = validate_table(table)
    weeks = float(
        total_weeks(
            schedule(
                {p.id: p.likely for p in PHASES}, {c.id: c.likely for c in CHECKPOINTS}, governance
            )
        )
    )
    results = compute(columns, np.full(len(table), weeks))
    return pd.DataFrame(
        {name: np.broadcast_to(results[name], (len(table),)) for name in RESULT_COLUMNS},
        index=table.index,
    )
