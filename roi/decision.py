"""The decision at the end of a proof of concept: Go, Conditional go or No-go, with reasons.

`decide` is a pure function of the results (and, when given, the Monte Carlo simulation
and the readiness answers). Every check it makes is listed as a reason, passed or not,
so a reader sees why; conditions say what must be closed for a conditional go, and kill
criteria say when to stop later. The thresholds are parameters of `DecisionRule`.

Checks, in order:

1. It pays back at all (monthly net impact > 0): otherwise No-go.
2. Payback (P50 of the simulation, else the likely value) is within the scenario's
   threshold, at roi's stated precision (`roi.precision`): otherwise No-go. Payback is
   on the scenario's `payback_basis`: by default what the cash flow shows, adoption ramp
   included (`cash_flow`); `simple` is one-time costs / monthly net.
3. NPV at the decision over the horizon (P50, else likely; one-time costs now, value
   from go-live, so a slipping plan lowers it) is not negative (`require_positive_npv`):
   otherwise No-go.
4. The probability that payback meets the threshold is at least `confidence`:
   otherwise Conditional go (narrow the uncertainty first).
5. The required checklists (the PoC exit criteria) have no open items: up to
   `max_open_items` open items can be closed with bounded effort (Conditional go, one
   condition per item); more is No-go. No readiness answers at all leave the criteria
   unproven: Conditional go at best, with the condition to assess them.
6. Optionally, MLOps maturity is at least `min_maturity`: otherwise Conditional go.
7. Each success criterion (`roi.evidence`): missed (past its kill line) is No-go; close
   (between the kill line and the target) is a Conditional go whose condition names the
   metric and the gap; met passes. A measured range is missed when it is at least 50%
   likely past the kill line and met when it is at least `confidence` likely to reach
   the target. No criteria leave the money and readiness checks to decide.
8. A PoC that ran past its 3-week timebox, or past its budget, is flagged (a note, not a
   verdict).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from typing import Any, Literal

from roi.evaluate import Results, evaluate
from roi.evidence import DEFAULT_CONFIDENCE, CriterionResult, assess_criteria, poc_flags
from roi.exceptions import RoiError
from roi.formatting import money, months, share
from roi.gates import Readiness, load_checklists, review_roles
from roi.precision import at_most, money_not_negative
from roi.scenario import FIELD_SPECS, Scenario
from roi.uncertainty import Simulation

GO = "Go"
CONDITIONAL = "Conditional go"
NO_GO = "No-go"
OUTCOMES: tuple[str, ...] = (GO, CONDITIONAL, NO_GO)
OUTCOME_CSS: dict[str, str] = {GO: "go", CONDITIONAL: "conditional", NO_GO: "no-go"}
"""The CSS class of each outcome, shared by the memo, the app and the portfolio report."""

Verdict = Literal["info", "pass", "conditional", "no-go"]
SEVERITY = {"info": 0, "pass": 0, "conditional": 1, "no-go": 2}

# Inputs whose break-even makes a useful kill criterion (the rest are settings).
FALLBACK_ALARM = 0.15
"""A fallback rate above this is flagged: the articles' 15-20% alarm (reference article
002: past it, the confidence threshold is too aggressive or the model needs retraining)."""

_KILL_FIELDS = tuple(
    f
    for f in FIELD_SPECS
    if f not in ("payback_threshold_months", "workdays_per_year")
    and (FIELD_SPECS[f].group in ("Impact", "Costs") or f == "adoption_months")
)
_KILL_FIELDS_WHEN_GIVEN = tuple(
    f for f in FIELD_SPECS if FIELD_SPECS[f].group in ("Benefits", "Unit economics")
)
"""A benefit's realised share or the model's unit economics make a kill line only where
the scenario states them (a token count or a share of protected revenue measured live)."""


class RuleError(RoiError, ValueError):
    """A decision rule threshold is outside what makes sense."""


@dataclass(frozen=True)
class DecisionRule:
    """The thresholds of the decision, as parameters.

    confidence: least probability that payback meets the threshold for a Go.
    max_open_items: most open items in `required_checklists` that still allow a
        conditional go (bounded effort); more is a No-go.
    required_checklists: checklists that must be complete for a Go.
    require_positive_npv: a negative NPV over the horizon is a No-go.
    min_maturity: MLOps maturity level needed for a Go (None: not required).
    kill_inputs: how many of the inputs closest to break-even become kill criteria.
    """

    confidence: float = DEFAULT_CONFIDENCE
    max_open_items: int = 3
    required_checklists: tuple[str, ...] = ("poc_exit",)
    require_positive_npv: bool = True
    min_maturity: int | None = None
    kill_inputs: int = 3

    def __post_init__(self) -> None:
        if not 0 < self.confidence <= 1:
            raise RuleError(f"confidence must be > 0 and <= 1: got {self.confidence!r}")
        if self.max_open_items < 0:
            raise RuleError(f"max_open_items must be >= 0: got {self.max_open_items!r}")
        if self.min_maturity not in (None, 1, 2, 3):
            raise RuleError(f"min_maturity must be 1, 2, 3 or None: got {self.min_maturity!r}")
        if self.kill_inputs < 0:
            raise RuleError(f"kill_inputs must be >= 0: got {self.kill_inputs!r}")
        if isinstance(self.required_checklists, str):
            raise RuleError("required_checklists must be a tuple of checklist ids, not text")

    def to_dict(self) -> dict[str, Any]:
        return {
            "confidence": self.confidence,
            "max_open_items": self.max_open_items,
            "required_checklists": list(self.required_checklists),
            "require_positive_npv": self.require_positive_npv,
            "min_maturity": self.min_maturity,
            "kill_inputs": self.kill_inputs,
        }


@dataclass(frozen=True)
class Check:
    """One check of the rule and how it came out."""

    name: str
    verdict: Verdict
    reason: str


@dataclass(frozen=True)
class Decision:
    """The outcome with every reason, the conditions of a conditional go, and kill criteria."""

    outcome: str
    checks: tuple[Check, ...]
    conditions: tuple[str, ...]
    kill_criteria: tuple[str, ...]
    basis: str
    payback_months: float | None  # the payback the rule used (P50 or likely); None: never
    npv: float | None
    probability: float | None  # P(payback <= threshold), when simulated
    rule: DecisionRule = field(default_factory=DecisionRule)
    # Who owns each condition, in the same order ("" where nobody is named).
    condition_owners: tuple[str, ...] = ()

    def owner_of(self, index: int) -> str:
        """The named owner of condition `index`, or ""."""
        return self.condition_owners[index] if index < len(self.condition_owners) else ""

    @property
    def reasons(self) -> tuple[str, ...]:
        """Every check's reason, failures first, each once."""
        ordered = sorted(self.checks, key=lambda c: -SEVERITY[c.verdict])
        return tuple(c.reason for c in ordered)

    @property
    def main_reason(self) -> str:
        """The one line that decides: the weightiest failing check's reason, or, when
        every check passes, that they all do (the memo's page 1 and the app's banner).

        >>> Decision(GO, (Check("p", "pass", "Payback 2 months."),), (), (), "likely", 2, 1,
        ...          None, DecisionRule()).main_reason
        'Every check passes: the value, the payback, the evidence and the readiness.'
        """
        worst = max(self.checks, key=lambda c: SEVERITY[c.verdict], default=None)
        if worst is None or SEVERITY[worst.verdict] == 0:
            return "Every check passes: the value, the payback, the evidence and the readiness."
        return worst.reason

    @property
    def summary(self) -> str:
        """The outcome and its weightiest reason, in one line.

        >>> rule = DecisionRule()
        >>> Decision(CONDITIONAL, (Check("r", "conditional", "1 PoC exit item open."),
        ...          Check("p", "pass", "Payback 2 months.")), (), (), "likely", 2, 1, None,
        ...          rule).summary
        'Conditional go: 1 PoC exit item open.'
        """
        return f"{self.outcome}: {self.reasons[0]}" if self.reasons else self.outcome

    def to_dict(self) -> dict[str, Any]:
        return {
            "outcome": self.outcome,
            "reasons": list(self.reasons),
            "checks": [
                {"name": c.name, "verdict": c.verdict, "reason": c.reason} for c in self.checks
            ],
            "conditions": list(self.conditions),
            "kill_criteria": list(self.kill_criteria),
            "basis": self.basis,
            "payback_months": self.payback_months,
            "npv": self.npv,
            "probability": self.probability,
            "rule": self.rule.to_dict(),
        }


def _finite(value: float | None) -> float | None:
    if value is None:
        return None
    value = float(value)
    return value if math.isfinite(value) else None


def _pct(p: float) -> str:
    return share(p)


def value_text(field_name: str, value: float) -> str:
    """An input value in its unit, for sentences: money for $ fields, else the number.

    >>> value_text("build_cost", 250_000), value_text("users", 36.17)
    ('$250,000', '36.2 people')
    """
    unit = FIELD_SPECS[field_name].unit
    if unit.startswith("$"):
        suffix = unit[1:]
        return money(value, 2 if abs(value) < 100 else 0) + (suffix if suffix else "")
    if unit == "share":  # a fraction read as a percent: 0.316 is 31.6%
        return f"{value * 100:,.1f}%"
    digits = 0 if float(value).is_integer() else 1
    return f"{value:,.{digits}f} {unit}"


def kill_criteria(results: Results, rule: DecisionRule, conditional: bool) -> tuple[str, ...]:
    """When to stop later: the threshold, a non-positive net, the inputs nearest break-even."""
    threshold = results.scenario.value("payback_threshold_months")
    items = [
        f"Stop if payback measured in the pilot rises above the {threshold:g}-month threshold.",
        "Stop if the monthly net impact (value less running costs) is not positive once live.",
    ]
    scenario = results.scenario
    given = [f for f in _KILL_FIELDS_WHEN_GIVEN if scenario.value(f) != FIELD_SPECS[f].default]
    near = [
        row
        for row in results.break_even
        if (row.field in _KILL_FIELDS or row.field in given)
        and row.value is not None
        and row.change_pct is not None
        and row.within_allowed
        and row.note.startswith("met")
    ]
    near.sort(key=lambda row: abs(row.change_pct or 0.0))  # None filtered out above
    chosen = near[: rule.kill_inputs]
    # A stated fallback rate always gets its own: the most common AI-specific overrun.
    if results.scenario.value("fallback_rate") > 0:
        chosen += [r for r in near[rule.kill_inputs :] if r.field == "fallback_rate"]
    for row in chosen:
        side = "falls below" if row.direction == "at least" else "rises above"
        side = "exceeds" if row.field == "fallback_rate" else side
        items.append(
            f"Stop if {row.label.lower()} {side} {value_text(row.field, row.value or 0.0)} "
            f"(break-even; the plan assumes {value_text(row.field, row.likely)})."
        )
    items.append(
        f"Stop and audit the plan if production engineering runs past "
        f"{results.timeline.audit_past_weeks:g} weeks."
    )
    if conditional:
        items.append("Stop if the conditions are not met by the next gate review.")
    return tuple(items)


_CRITERION_VERDICT: dict[str, Verdict] = {"met": "pass", "close": "conditional", "missed": "no-go"}


def _alternative_check(results: Results, without: Results, name: str) -> Check:
    """The AI plan against the plan without AI, both on their likely values: NPV at the
    decision (each with its own plan's length). The articles' No-go when the problem is
    better solved with traditional software."""
    ai, other = results.npv_at_decision, without.npv_at_decision
    both = f"NPV at the decision {money(ai)} against {money(other)} for {name} (likely values)"
    if other >= ai:
        return Check(
            "alternative",
            "no-go",
            f"The plan without AI, {name}, is worth as much or more: {both}. The problem is "
            "better solved without AI.",
        )
    return Check("alternative", "pass", f"Worth more than the plan without AI: {both}.")


_ANSWER_WORDS = {"yes": "Yes", "no": "No", "n/a": "Not applicable"}
_OUTCOME_VERDICT: dict[str, Verdict] = {
    "pass": "pass",
    "conditional": "conditional",
    "no-go": "no-go",
}


def _gate_answers(scenario: Scenario) -> list[tuple[Check, str, str]]:
    """(check, condition or "", its owner) for each gate question the scenario answers,
    with the outcome roi/data/gates.yaml gives the answer (the articles' decision gate)."""
    if not scenario.gate_questions:
        return []
    definitions = load_checklists(scenario.checklists)
    out = []
    for question_id, answer in scenario.gate_questions.items():
        question = definitions.question(question_id)
        outcome = question.outcome(answer.answer)
        said = _ANSWER_WORDS[answer.answer]
        if answer.owner:
            said += f" ({answer.owner})"
        if answer.note:
            said += f": {answer.note}"
        check = Check(
            f"question_{question_id}", _OUTCOME_VERDICT[outcome], f"{question.text} {said}."
        )
        condition = ""
        if outcome == "conditional":
            condition = question.condition + (f": {answer.note}" if answer.note else "")
            condition += f" (owner: {answer.owner or 'unassigned'})."
        out.append((check, condition, answer.owner))
    return out


def _review_and_owner(scenario: Scenario) -> list[tuple[Check, str]]:
    """The production readiness review's sign-offs (every role roi/data/gates.yaml names)
    and the named production owner: each missing one is a condition of a Go."""
    roles = review_roles(scenario.review_sign_offs, scenario.checklists)
    out: list[tuple[Check, str]] = []
    missing = [role.lower() for role, signed in roles if signed is None]
    if missing:
        needed = ", ".join(missing)
        out.append(
            (
                Check(
                    "readiness_review",
                    "conditional",
                    f"The production readiness review is not signed off by the {needed}: "
                    "it must pass before infrastructure is provisioned.",
                ),
                "Hold the production readiness review before infrastructure is "
                f"provisioned, and record the sign-off (name, role, date) of the {needed}.",
            )
        )
    elif roles:
        names = "; ".join(
            f"{signed.name}, {role.lower()}, {signed.date.isoformat()}"
            for role, signed in roles
            if signed is not None
        )
        out.append(
            (
                Check(
                    "readiness_review",
                    "pass",
                    f"The production readiness review is signed off ({names}).",
                ),
                "",
            )
        )
    owner = scenario.production_owner
    if owner is None:
        out.append(
            (
                Check(
                    "production_owner",
                    "conditional",
                    "No production owner is named: once live, the system needs a team that "
                    "runs it, with the mandate and the budget to do so.",
                ),
                "Name the production owner, with the mandate and the budget to run the "
                "system once live.",
            )
        )
    else:
        detail = owner.name + (f" ({owner.team})" if owner.team else "")
        if owner.mandate:
            detail += f"; mandate: {owner.mandate}"
        if owner.budget is not None:
            detail += f"; budget {money(owner.budget)} a year"
        out.append((Check("production_owner", "pass", f"Production owner: {detail}."), ""))
    return out


def _criterion_check(result: CriterionResult) -> Check:
    return Check(
        f"criterion:{result.name}",
        _CRITERION_VERDICT[result.status],
        "Success criterion " + result.sentence,
    )


def _criterion_condition(result: CriterionResult, rule: DecisionRule) -> str:
    c = result.criterion
    text = (
        f"Close the gap on {c.name}: {result.text(result.measured)} measured against the "
        f"target of {result.text(c.target)} "
        + (f"({result.gap_text} to go)" if result.gap > 0 else "(not yet reliably)")
        + ", with bounded effort, and measure it again on realistic data before the next gate"
    )
    if result.prob_meets_target is not None:
        text += (
            f" (it is {_pct(result.prob_meets_target)} likely to reach the target; "
            f"{_pct(rule.confidence)} is needed)"
        )
    return text + "."


def decide(
    results: Results,
    simulation: Simulation | None = None,
    readiness: Readiness | None = None,
    rule: DecisionRule | None = None,
) -> Decision:
    """Go, Conditional go or No-go from the numbers and, when given, the readiness answers.

    Pure: same inputs, same decision. With a simulation the payback and NPV checks use
    its P50 and the confidence check its probability of meeting the threshold; without
    one they use the likely values and skip the confidence check. Without readiness
    answers the PoC exit criteria are unproven: at best a Conditional go.

    >>> from roi.evaluate import evaluate
    >>> from roi.scenario import Scenario
    >>> s = Scenario(name="Invoice triage", users=200, tasks_per_day=12,
    ...              minutes_saved_per_task=4, hourly_rate=55, platform_cost_annual=60_000,
    ...              model_cost_annual=36_000, support_cost_annual=40_000,
    ...              build_cost=250_000, change_cost=50_000)
    >>> decide(evaluate(s)).outcome  # no readiness answers: the criteria are unproven
    'Conditional go'
    >>> decide(evaluate(s.evolve(build_cost=2_500_000))).outcome  # payback 17.8 months
    'No-go'
    """
    rule = rule or DecisionRule()
    scenario = results.scenario
    if rule.min_maturity is None and scenario.min_maturity is not None:
        rule = replace(rule, min_maturity=scenario.min_maturity)  # the scenario's own
    at = _Basis.of(results, simulation)
    ledger = _Ledger()
    _payback_checks(ledger, results, simulation, at)  # 1-2
    _npv_check(ledger, rule, scenario, at)  # 3
    alternative = scenario.without_ai()  # 3b. a better plan without AI is a No-go
    if alternative is not None:
        ledger.check(_alternative_check(results, evaluate(alternative), alternative.name))
    _confidence_check(ledger, rule, scenario, at)  # 4
    _readiness_checks(ledger, readiness, rule)  # 5-6
    _scenario_checks(ledger, scenario, simulation, rule)  # 6b-9
    worst = max((SEVERITY[c.verdict] for c in ledger.checks), default=0)
    outcome = {0: GO, 1: CONDITIONAL, 2: NO_GO}[worst]
    conditional = outcome == CONDITIONAL
    return Decision(
        outcome=outcome,
        checks=tuple(ledger.checks),
        conditions=tuple(ledger.conditions) if conditional else (),
        kill_criteria=kill_criteria(results, rule, conditional=conditional),
        basis=at.basis,
        payback_months=at.payback,
        npv=at.npv,
        probability=at.probability,
        rule=rule,
        condition_owners=tuple(ledger.owners) if conditional else (),
    )


@dataclass
class _Ledger:
    """The checks made so far, and the conditions of a Conditional go with their owners."""

    checks: list[Check] = field(default_factory=list)
    conditions: list[str] = field(default_factory=list)
    owners: list[str] = field(default_factory=list)  # one per condition ("" unnamed)

    def check(self, check: Check) -> None:
        self.checks.append(check)

    def condition(self, text: str, owner: str = "") -> None:
        self.conditions.append(text)
        self.owners.append(owner)


@dataclass(frozen=True)
class _Basis:
    """What the decision tests: the Monte Carlo's P50s and probability, or the likely
    values (no probability) without one."""

    where: str
    payback: float | None
    npv: float | None
    probability: float | None
    basis: str

    @classmethod
    def of(cls, results: Results, simulation: Simulation | None) -> _Basis:
        if simulation is None:
            return cls(
                "at the likely values",
                results.decision_payback_months,
                results.npv_at_decision,
                None,
                "likely (point) values; no simulation",
            )
        return cls(
            "at P50",
            _finite(simulation.percentile(simulation.payback_key, 50)),
            _finite(simulation.percentile("npv_at_decision", 50)),
            float(simulation.prob_meets_threshold),
            "P50 of the Monte Carlo simulation",
        )


def _payback_checks(
    ledger: _Ledger, results: Results, simulation: Simulation | None, at: _Basis
) -> None:
    """1-2. Pays back, within the threshold, on the scenario's payback basis."""
    scenario = results.scenario
    threshold = scenario.value("payback_threshold_months")
    ramp = scenario.value("adoption_months")
    if scenario.payback_basis == "cash_flow" and ramp > 0:
        what = f"Payback on the cash flow (with the {ramp:g}-month adoption ramp)"
    elif scenario.payback_basis == "simple":
        what = "Simple payback (one-time costs / monthly net)"
    else:
        what = "Payback"
    if at.payback is None:
        detail = (
            f"monthly net impact is {money(results.monthly_net_impact)} at the likely values"
            if simulation is None
            else "in at least half of the simulated outcomes"
        )
        ledger.check(Check("pays_back", "no-go", f"Never pays back: {detail}."))
        return
    within = at_most(at.payback, threshold)
    ledger.check(
        Check(
            "payback_threshold",
            "pass" if within else "no-go",
            f"{what} {at.where} is {months(at.payback)}, "
            f"{'within' if within else 'above'} the {threshold:g}-month threshold.",
        )
    )


def _npv_check(ledger: _Ledger, rule: DecisionRule, scenario: Scenario, at: _Basis) -> None:
    """3. NPV at the decision over the horizon, the plan's time included."""
    if not rule.require_positive_npv or at.npv is None:
        return
    horizon = scenario.value("horizon_months")
    said = f"NPV at the decision over {horizon:g} months {at.where} is {money(at.npv)}"
    if money_not_negative(at.npv):
        ledger.check(Check("npv", "pass", f"{said}."))
    else:
        ledger.check(
            Check(
                "npv",
                "no-go",
                f"{said}: the initiative loses money over the horizon, its plan's time included.",
            )
        )


def _confidence_check(ledger: _Ledger, rule: DecisionRule, scenario: Scenario, at: _Basis) -> None:
    """4. How likely payback within the threshold is, against the rule's confidence."""
    if at.probability is None:
        return
    threshold = scenario.value("payback_threshold_months")
    likely, needed = _pct(at.probability), _pct(rule.confidence)
    if at.probability >= rule.confidence:
        ledger.check(
            Check(
                "confidence",
                "pass",
                f"Payback within {threshold:g} months is {likely} likely "
                f"(at least {needed} required).",
            )
        )
        return
    ledger.check(
        Check(
            "confidence",
            "conditional",
            f"Payback within {threshold:g} months is {likely} likely, below the "
            f"{needed} confidence required.",
        )
    )
    ledger.condition(
        f"Narrow the uncertain inputs (measure them with real users) until payback "
        f"within {threshold:g} months is at least {needed} likely; it is {likely} now."
    )


def _readiness_checks(ledger: _Ledger, readiness: Readiness | None, rule: DecisionRule) -> None:
    """5-6. The required checklists and the MLOps maturity. No answers at all is "not
    assessed", not "everything open"; but the PoC exit criteria are then unproven, so
    it is at best a conditional go."""
    if readiness is None or not readiness.assessed:
        ledger.check(
            Check(
                "readiness",
                "conditional",
                "Readiness was not assessed: the PoC exit criteria (value signal, owner and "
                "sponsor, decision memo) are not shown to be met.",
            )
        )
        ledger.condition(
            "Assess readiness: answer the PoC exit criteria (done, open or n/a, with owners) "
            "and decide again."
        )
        return
    required = [s for s in readiness.checklists if s.checklist.id in rule.required_checklists]
    names = ", ".join(s.checklist.name for s in required) or "no checklist"
    open_items = [item for s in required for item in s.open_items]
    total = sum(len(s.items) for s in required)
    if not open_items:
        ledger.check(
            Check("readiness", "pass", f"{names}: all {total} items are done or not applicable.")
        )
    elif len(open_items) <= rule.max_open_items:
        ledger.check(
            Check(
                "readiness",
                "conditional",
                f"{names}: {len(open_items)} of {total} items open, few enough to close with "
                f"bounded effort (at most {rule.max_open_items}).",
            )
        )
        for item in open_items:
            owner = item.owner or ""
            ledger.condition(f"Close: {item.item.text} (owner: {owner or 'unassigned'}).", owner)
    else:
        ledger.check(
            Check(
                "readiness",
                "no-go",
                f"{names}: {len(open_items)} of {total} items open, more than the "
                f"{rule.max_open_items} that bounded effort can close.",
            )
        )
    if rule.min_maturity is not None:
        _maturity_check(ledger, readiness, rule.min_maturity)


def _maturity_check(ledger: _Ledger, readiness: Readiness, needed: int) -> None:
    """6. The MLOps maturity level a Go needs before production."""
    level = readiness.maturity
    if level >= needed:
        ledger.check(
            Check("maturity", "pass", f"MLOps maturity is level {level} (level {needed} required).")
        )
        return
    name = readiness.definitions.maturity[needed - 1].name.lower()
    ledger.check(
        Check(
            "maturity",
            "conditional",
            f"MLOps maturity is level {level}, below the level {needed} required before "
            "production.",
        )
    )
    ledger.condition(f"Reach MLOps maturity level {needed} ({name}) before production.")


def _scenario_checks(
    ledger: _Ledger, scenario: Scenario, simulation: Simulation | None, rule: DecisionRule
) -> None:
    """6b-9. What the scenario itself answers: the decision gate's questions, the success
    criteria written down before the PoC, the review's sign-offs and the production
    owner, the PoC's own timebox and budget, and a fallback rate past the alarm."""
    for check, condition, owner in _gate_answers(scenario):
        ledger.check(check)
        if condition:
            ledger.condition(condition, owner)
    for result in assess_criteria(scenario, simulation, rule.confidence):
        ledger.check(_criterion_check(result))
        if result.status == "close":
            ledger.condition(_criterion_condition(result, rule))
    for check, condition in _review_and_owner(scenario):
        ledger.check(check)
        if condition:
            ledger.condition(condition)
    for flag in poc_flags(scenario):
        ledger.check(Check("poc", "info", flag))
    fallback = scenario.value("fallback_rate")
    if fallback > FALLBACK_ALARM:
        ledger.check(
            Check(
                "fallback",
                "info",
                f"A fallback rate of {value_text('fallback_rate', fallback)} is past the "
                "15-20% at which the model's confidence threshold is too strict or the model "
                "needs retraining: watch it from day one.",
            )
        )
