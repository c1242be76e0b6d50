"""One assessment of one scenario: results, simulation, readiness and decision, made once.

`assess` is the only place where "evaluate, simulate, read readiness, decide" happens.
The CLI, the memo, the batch, the app and the portfolio report all take the
`Assessment` it returns and present it; `Assessment.to_dict()` is the JSON contract of
`roi run --json`, the batch's notebooks and the app's results output.

The headline basis: wherever a simulation exists (a scenario with ranges, unless
`samples=0`), the headline annual impact, payback and NPV are the Monte Carlo's P50,
the basis the decision uses too; the likely (point) value is the detail. Without a
simulation (no ranges: every sample would be the likely value) the basis is the likely
value.

The headline measures are the ones the decision tests: payback on the scenario's
`payback_basis` (the cash flow with its adoption ramp, unless the scenario asks for the
simple formula) and NPV at the decision (one-time costs now, value from go-live, so a
slipping plan lowers it). The simple payback and NPV at go-live stay as named details.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any, Literal

from roi.decision import Decision, DecisionRule, decide
from roi.evaluate import Results, evaluate, payback_key
from roi.evidence import Evidence, gather
from roi.gates import Checklists, Readiness, load_checklists, readiness_status
from roi.scenario import Scenario
from roi.uncertainty import DEFAULT_SAMPLES, Simulation, simulate

Basis = Literal["P50", "likely"]
HEADLINES: tuple[tuple[str, str, str], ...] = (
    ("annual_impact", "Annual impact", "money"),
    ("payback_months", "Payback", "months"),
    ("npv", "NPV at the decision", "money"),
)
"""(key, label, kind) of the three headline numbers, in the order every screen shows them.
The key names the question (a `headline` key of the JSON); `headline_source` names the
result that answers it: the payback and NPV the decision tests."""

MORE_HEADLINES: tuple[tuple[str, str, str], ...] = (
    ("time_to_value_months", "Time to value", "months"),
)
"""Numbers a screen may show beside the three, on the same basis (the memo's fourth card)."""

MONTE_CARLO_JSON_KEYS = (
    *(
        f"{metric}_p{q}"
        for metric in (
            "annual_impact",
            "payback_months",
            "payback_months_cash_flow",
            "npv",
            "npv_at_decision",
        )
        for q in (10, 50, 90)
    ),
    "prob_meets_threshold",
)
"""Keys the JSON carries from the simulation (payback is null where never)."""


ROW_RESULTS = (
    "annual_impact",
    "monthly_net_impact",
    "one_time_cost",
    "payback_months",
    "meets_payback_threshold",
    "payback_months_cash_flow",
    "meets_payback_threshold_cash_flow",
    "payback_basis",
    "payback_threshold_months",
    "npv",
    "npv_at_decision",
    "roi_pct",
    "roi_on_investment_pct",
    "time_value",
    "incremental_revenue",
    "running_costs",
    "payback_month_with_ramp",
    "time_to_value_months",
    "cumulative_cash_at_horizon",
)
"""The likely results a portfolio row carries, under their `Results.to_dict()` names."""

SPREAD_COLUMNS = (
    *(f"headline_{key}_p{q}" for key, _, _ in HEADLINES for q in (10, 90)),
    *(
        f"{metric}_p{q}"
        for metric in ("annual_impact", "payback_months", "npv")
        for q in (10, 50, 90)
    ),
    "prob_meets_threshold",
    "prob_never_pays_back",
    "samples",
    "seed",
)
"""The Monte Carlo numbers a portfolio row carries (empty without a simulation)."""

EVIDENCE_COLUMNS = (
    "criteria_met",
    "criteria_close",
    "criteria_missed",
    "risk_adjusted_npv",
    "expected_commercial_value",
    "evpi",
    "measure_next",
    "measure_next_value",
)
"""The evidence a portfolio row carries: criteria counts, gate-risked value, what to
measure next (the input with the largest EVPPI, and that value) and EVPI."""


def likely_headline(scenario: Scenario, results: Results, key: str) -> Headline:
    """A headline number at the likely values, as an assessment without a Monte Carlo
    states it; needs only the point results (the app's cards move on it first)."""
    label, kind = next((lbl, knd) for k, lbl, knd in HEADLINES + MORE_HEADLINES if k == key)
    source = headline_source(scenario, key)
    likely = _plain(getattr(results, source))
    definition = headline_definition(scenario, key)
    return Headline(key, label, kind, "likely", likely, likely, None, None, source, definition)


def headline_source(scenario: Scenario, key: str) -> str:
    """The result that answers a headline question for this scenario.

    >>> from roi.files import load_scenario
    >>> from roi.resources import EXAMPLE_SCENARIO
    >>> s = load_scenario(EXAMPLE_SCENARIO)
    >>> headline_source(s, "payback_months"), headline_source(s, "npv")
    ('payback_months_cash_flow', 'npv_at_decision')
    >>> headline_source(s.evolve(payback_basis="simple"), "payback_months")
    'payback_months'
    """
    if key == "payback_months":
        return payback_key(scenario)
    if key == "npv":
        return "npv_at_decision"
    return key


def headline_definition(scenario: Scenario, key: str) -> str:
    """What a headline measure is, in a few words a finance reviewer can check."""
    source = headline_source(scenario, key)
    horizon = f"{scenario.value('horizon_months'):g} months"
    ramp = scenario.value("adoption_months")
    definitions = {
        "annual_impact": (
            "a year at full adoption: time value + revenue + other benefits - running costs"
        ),
        "payback_months": "simple: one-time costs / monthly net impact, from go-live",
        "payback_months_cash_flow": (
            f"on the cash flow from go-live, the {ramp:g}-month adoption ramp included"
            if ramp > 0
            else "on the cash flow from go-live (no adoption ramp)"
        ),
        "npv_at_decision": f"at the decision: one-time costs now, value from go-live, over "
        f"{horizon} from the decision",
        "time_to_value_months": "from the decision to payback: the plan, then the payback",
    }
    return definitions[source]


def _plain(value: float | None) -> float | None:
    if value is None:
        return None
    value = float(value)
    return value if math.isfinite(value) else None


@dataclass(frozen=True)
class Headline:
    """One headline number on the assessment's basis, with its likely value and spread.

    `value`, `likely`, `p10` and `p90` are None where payback never comes. `source` is
    the result behind it (`headline_source`), `definition` says what it measures.
    """

    key: str
    label: str
    kind: str  # "money" or "months"
    basis: Basis
    value: float | None
    likely: float | None
    p10: float | None
    p90: float | None
    source: str = ""
    definition: str = ""

    @property
    def uncertain(self) -> bool:
        """Whether the simulation gives this number a spread worth showing."""
        if self.basis != "P50":
            return False
        if self.p10 is None or self.p90 is None:
            return self.p10 != self.p90
        return not math.isclose(self.p10, self.p90, rel_tol=1e-9, abs_tol=1e-9)

    def to_dict(self) -> dict[str, Any]:
        return {
            "value": self.value,
            "likely": self.likely,
            "p10": self.p10,
            "p90": self.p90,
            "uncertain": self.uncertain,
            "of": self.source,
            "definition": self.definition,
        }


@dataclass(frozen=True)
class Assessment:
    """Everything roi says about one scenario; every front end presents this, nothing else."""

    scenario: Scenario
    results: Results
    simulation: Simulation | None
    readiness: Readiness
    decision: Decision
    checklists: Checklists
    evidence: Evidence

    @property
    def rule(self) -> DecisionRule:
        return self.decision.rule

    @property
    def basis(self) -> Basis:
        return "P50" if self.simulation is not None else "likely"

    @property
    def basis_text(self) -> str:
        """The basis in words, as the decision states it."""
        return self.decision.basis

    @property
    def outcome(self) -> str:
        return self.decision.outcome

    def headline(self, key: str) -> Headline:
        """One of HEADLINES' (or MORE_HEADLINES') numbers on the assessment's basis."""
        point = likely_headline(self.scenario, self.results, key)
        if self.simulation is None:
            return point
        p10, p50, p90 = (_plain(self.simulation.percentile(point.source, q)) for q in (10, 50, 90))
        return replace(point, basis="P50", value=p50, p10=p10, p90=p90)

    def headlines(self) -> tuple[Headline, ...]:
        return tuple(self.headline(key) for key, _, _ in HEADLINES)

    @property
    def prob_meets_threshold(self) -> float | None:
        return None if self.simulation is None else float(self.simulation.prob_meets_threshold)

    def summary_row(self) -> dict[str, Any]:
        """One flat row for a portfolio table (batch summary.csv, the app's portfolio tab).

        `headline_annual_impact`, `headline_payback_months` and `headline_npv` are on the
        row's `basis` (what the portfolio shows and ranks by); the keys of ROW_RESULTS
        are the likely values, SPREAD_COLUMNS the Monte Carlo's. Payback that never
        comes is None.
        """
        data = self.results.to_dict()
        row: dict[str, Any] = {
            "name": self.scenario.name,
            "decision": self.outcome,
            "basis": self.basis,
        }
        row.update({f"headline_{h.key}": h.value for h in self.headlines()})
        row.update({key: data[key] for key in ROW_RESULTS})
        row["timeline_weeks_likely"] = data["timeline_weeks"]["likely"]
        if self.simulation is not None:
            summary = self.simulation.summary()
            row.update({key: summary[key] for key in SPREAD_COLUMNS if key in summary})
            for h in self.headlines():
                row[f"headline_{h.key}_p10"], row[f"headline_{h.key}_p90"] = h.p10, h.p90
        else:
            row.update(dict.fromkeys(SPREAD_COLUMNS))
        evidence = self.evidence
        for status in ("met", "close", "missed"):
            row[f"criteria_{status}"] = sum(c.status == status for c in evidence.criteria)
        row["risk_adjusted_npv"] = evidence.risk_adjusted_npv
        row["expected_commercial_value"] = evidence.expected_commercial_value
        row["evpi"] = evidence.evpi
        plan = [item for item in evidence.plan() if item.evppi > 0]
        row["measure_next"] = plan[0].label if plan else None
        row["measure_next_value"] = plan[0].evppi if plan else None
        row["why"] = self.decision.main_reason
        row["decision_reasons"] = " ".join(self.decision.reasons)
        return row

    def to_dict(self) -> dict[str, Any]:
        """The JSON contract: the results' keys, the Monte Carlo's, the decision's, the basis.

        Existing keys of `Results.to_dict()` keep their meaning (likely values);
        `headline` holds the three headline numbers on the stated `basis`.
        """
        data = self.results.to_dict()
        if self.simulation is not None:
            summary = self.simulation.summary()
            data.update({key: summary[key] for key in MONTE_CARLO_JSON_KEYS})
            data["prob_never_pays_back"] = summary["prob_never_pays_back"]
            for q, value in self.simulation.percentiles("cost_per_1000_requests").items():
                data[f"cost_per_1000_inferences_p{q}"] = value
            data["samples"] = summary["samples"]
            data["seed"] = summary["seed"]
        decision = self.decision
        data.update(
            {
                "decision": decision.outcome,
                "reasons": list(decision.reasons),
                "conditions": list(decision.conditions),
                "kill_criteria": list(decision.kill_criteria),
                "checks": [
                    {"name": c.name, "verdict": c.verdict, "reason": c.reason}
                    for c in decision.checks
                ],
                "basis": self.basis,
                "headline": {h.key: h.to_dict() for h in self.headlines()},
                "readiness_assessed": self.readiness.assessed,
                "decision_rule": decision.rule.to_dict(),
            }
        )
        data.update(self.evidence.to_dict())
        return data


def assess(
    scenario: Scenario,
    *,
    samples: int = DEFAULT_SAMPLES,
    seed: int = 0,
    rule: DecisionRule | None = None,
    readiness: Readiness | Mapping[str, Any] | None = None,
    checklists: Checklists | str | os.PathLike[str] | None = None,
    simulation: Simulation | None = None,
    results: Results | None = None,
) -> Assessment:
    """Evaluate, simulate, read readiness and decide: the one assembly of an Assessment.

    A scenario with ranges is simulated (`samples` draws, `seed`); one without, or
    `samples=0`, is not, and the decision rests on the likely values.
    `readiness` overrides the scenario's own answers, `checklists` (an object or a YAML
    path) its checklists file. `simulation` and `results` reuse runs already made for
    this scenario (the app computes its results before the Monte Carlo).

    >>> from roi.files import load_scenario
    >>> from roi.resources import EXAMPLE_SCENARIO, SCENARIOS
    >>> a = assess(load_scenario(EXAMPLE_SCENARIO), samples=2_000)  # no ranges
    >>> a.outcome, a.basis, a.simulation is None, a.decision.conditions[0][:28]
    ('Conditional go', 'likely', True, 'Close: A product owner and a')
    >>> assess(load_scenario(SCENARIOS / "sales_copilot.yaml"), samples=2_000).basis
    'P50'
    """
    if not isinstance(checklists, Checklists):
        checklists = load_checklists(checklists if checklists is not None else scenario.checklists)
    if isinstance(readiness, Readiness):
        status = readiness
    else:
        answers = scenario.readiness if readiness is None else readiness
        status = readiness_status(answers, checklists)
    if results is None:
        results = evaluate(scenario)
    if simulation is None and samples and scenario.is_uncertain:
        simulation = simulate(scenario, samples=samples, seed=seed)
    decision = decide(results, simulation, status, rule)
    evidence = gather(scenario, results, simulation, decision.rule.confidence)
    return Assessment(scenario, results, simulation, status, decision, checklists, evidence)


__all__ = [
    "EVIDENCE_COLUMNS",
    "HEADLINES",
    "MONTE_CARLO_JSON_KEYS",
    "ROW_RESULTS",
    "SPREAD_COLUMNS",
    "Assessment",
    "Headline",
    "assess",
]
