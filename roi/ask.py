"""Page 1 as a decision record: what the decision asks of its reader and what happens next.

`decision_ask(assessment, on)` words, for the outcome the rule reached, the request
(Go: approve the budget and the team; Conditional go: approve bounded work and its
deadline, then decide again; No-go: stop, what was learnt, what is released), who decides
and by when (the scenario's `decider` and `decide_by`, "to be named" when absent), the
alternatives with their value, the gate that follows from the decision, the first dated
steps with owners, the team the plan names (each role once, with its weeks) and the
sign-offs. Every figure in it is one the assessment already states; the memo and the
CLI render it, none re-words it.

Dates: the decision is taken on `decide_by` when given, else on the day the record is
written (`on`). Bounded work is due CONDITION_WEEKS after it; a Go's first steps follow
the plan's phases, dated from the scenario's `start_date` when given, else from the
decision.
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass

from roi.assess import Assessment
from roi.decision import CONDITIONAL, GO, NO_GO
from roi.evaluate import evaluate
from roi.formatting import money, share
from roi.timeline import GOVERNANCE, add_business_days, public_holidays, role_weeks

CONDITION_WEEKS = 3
"""Weeks the bounded work of a conditional go may take: gate 1's timebox of 2-3 weeks
(roi/data/gates.yaml), so the extra work cannot drift into another open-ended PoC."""

TO_BE_NAMED = "to be named"

FIRST_PHASES = 3
"""How many of a Go plan's phases page 1 dates as first steps."""

GLOSSARY: tuple[tuple[str, str], ...] = (
    ("P50", "the middle simulated outcome: half come out better, half worse"),
    ("P10-P90", "eight in ten simulated outcomes fall between these two values"),
    ("NPV", "net present value: every cost and gain over the horizon, discounted to today"),
    ("risk-adjusted NPV", "NPV weighed by the odds of passing the gates still ahead"),
    ("kill line", "the measured value past which the initiative is stopped"),
    ("PoC exit criteria", "what a proof of concept must show before production money"),
    ("Proof of value", "the gate where real users and data show the value, in a sandbox"),
)
"""Terms page 1 may use, each with the one-line gloss it is shown with."""


@dataclass(frozen=True)
class Step:
    """One dated step after the decision, with its owner."""

    due: _dt.date
    what: str
    owner: str

    @property
    def due_text(self) -> str:
        return f"{self.due:%d %b %Y}"


@dataclass(frozen=True)
class Alternative:
    """One course the decider could take, with its value as the assessment states it."""

    name: str
    value: float | None
    value_text: str
    detail: str
    chosen: bool


@dataclass(frozen=True)
class DecisionAsk:
    """What page 1 asks of its reader (see the module notes)."""

    outcome: str
    title: str  # "Approve the budget and the team", "Approve bounded work, then decide again"
    request: str
    heading: str  # "The ask", or for a No-go "What stopping releases"
    budget_label: str  # the one-time budget as this outcome treats it
    plan_label: str  # the go-live row: the plan asked for, or the one not pursued
    decider: str
    decide_by: str
    decided_on: _dt.date
    next_gate: str
    alternatives: tuple[Alternative, ...]
    steps: tuple[Step, ...]
    team: tuple[tuple[str, float], ...]  # (role, weeks), in plan order
    sign_offs: tuple[str, ...]

    @property
    def team_text(self) -> str:
        return ", ".join(f"{role} ({weeks:g} wk)" for role, weeks in self.team)


def glossary(text: str) -> tuple[tuple[str, str], ...]:
    """The glossary's terms that `text` uses, each once, with its gloss.

    >>> [term for term, _ in glossary("NPV at P50; the risk-adjusted NPV")]
    ['P50', 'NPV', 'risk-adjusted NPV']
    """
    lowered = text.lower()
    return tuple((term, gloss) for term, gloss in GLOSSARY if term.lower() in lowered)


def _alternatives(a: Assessment) -> tuple[Alternative, ...]:
    e, r = a.evidence, a.results
    go_value = e.risk_adjusted_npv
    delay = max(r.cost_of_delay_per_week, 0.0) * CONDITION_WEEKS
    cap = a.scenario.poc_budget or 0.0
    if e.evpi is None or not e.evppi:
        extra_value = None
        extra_text = "not estimated"
        extra_detail = (
            "no input is a range, so what more evidence is worth is not estimated; "
            f"{CONDITION_WEEKS} more weeks cost {money(delay)} of delay"
        )
    else:
        extra_value = max(go_value, 0.0) + e.evpi - delay - cap
        extra_text = f"at most {money(extra_value)}"
        extra_detail = (
            f"{CONDITION_WEEKS} more weeks{f' capped at {money(cap)}' if cap else ''}: "
            f"learning is worth up to {money(e.evpi)}, the delay costs {money(delay)}"
        )
    without = a.scenario.without_ai()
    others: tuple[Alternative, ...] = ()
    if without is not None:
        value = evaluate(without).npv_at_decision
        others = (
            Alternative(
                f"Without AI: {without.name}",
                value,
                money(value),
                "NPV at the decision of the plan without AI (likely values; the AI plan's "
                f"is {money(r.npv_at_decision)})",
                False,
            ),
        )
    return (
        Alternative(
            "Go now",
            go_value,
            money(go_value),
            f"risk-adjusted NPV of going ahead with the plan (one-time {money(r.one_time_cost)})",
            a.outcome == GO,
        ),
        Alternative(
            "Bounded extra work, then decide again",
            extra_value,
            extra_text,
            extra_detail,
            a.outcome == CONDITIONAL,
        ),
        Alternative(
            "Stop",
            0.0,
            money(0),
            "nothing more is spent; what the PoC spent is gone either way",
            a.outcome == NO_GO,
        ),
        *others,
    )


def _go_steps(a: Assessment, decided: _dt.date, decider: str) -> list[Step]:
    s, timeline = a.scenario, a.results.timeline
    start = s.start_date or decided
    # Working weeks, with the holidays go-live skips, so the steps agree with go-live.
    off = public_holidays(s.country, s.holidays, start, timeline.max_weeks)
    steps = [Step(decided, "Commit the one-time budget and name the team", decider)]
    phases = [p for p in timeline.phases if p.id != GOVERNANCE]
    for phase in phases[:FIRST_PHASES]:
        due = add_business_days(start, phase.start_week, off)
        steps.append(Step(due, f"Start {phase.name.lower()}", ", ".join(phase.roles)))
    return steps


def _conditional_steps(a: Assessment, decided: _dt.date, decider: str) -> list[Step]:
    due = decided + _dt.timedelta(weeks=CONDITION_WEEKS)
    d = a.decision
    steps = [
        Step(due, condition, d.owner_of(i) or TO_BE_NAMED)
        for i, condition in enumerate(d.conditions)
    ]
    steps.append(Step(due, "Decide again on the closed conditions", decider))
    return steps


def _no_go_steps(a: Assessment, decided: _dt.date, decider: str) -> list[Step]:
    return [
        Step(decided, "Record the No-go and the reasons for it", decider),
        Step(decided, "Release the budget and the team the plan held", decider),
        Step(
            decided + _dt.timedelta(weeks=2),
            "File the PoC's data, code and evaluation so a later idea can reuse them",
            TO_BE_NAMED,
        ),
    ]


def decision_ask(assessment: Assessment, on: _dt.date) -> DecisionAsk:
    """Page 1's decision record for `assessment`, written on `on` (see the module notes).

    >>> from roi.files import load_scenario
    >>> from roi.resources import SCENARIOS
    >>> from roi.assess import assess
    >>> a = assess(load_scenario(SCENARIOS / "invoice_triage.yaml"), samples=0)
    >>> ask = decision_ask(a, _dt.date(2027, 1, 4))
    >>> ask.title, ask.decider, ask.steps[-1].due_text
    ('Approve bounded work, then decide again', 'to be named', '25 Jan 2027')
    """
    a = assessment
    s, r, d = a.scenario, a.results, a.decision
    decider = s.decider or TO_BE_NAMED
    decided = s.decide_by or on
    budget, weeks = money(r.one_time_cost), f"{r.timeline.likely_weeks:g} weeks"
    gates = a.evidence.gates
    following = f"gate {gates[0].number}, {gates[0].name}" if gates else "production"
    if d.outcome == GO:
        title = "Approve the budget and the team"
        request = (
            f"Approve the one-time budget of {budget} and the team the plan names, for "
            f"go-live about {weeks} after the start; running costs are "
            f"{money(r.running_costs)} a year."
        )
        odds = f" ({share(gates[0].probability)} likely to pass)" if gates else ""
        next_gate = f"Go on to {following}{odds}."
        steps = _go_steps(a, decided, decider)
    elif d.outcome == CONDITIONAL:
        due = decided + _dt.timedelta(weeks=CONDITION_WEEKS)
        count = len(d.conditions)
        title = "Approve bounded work, then decide again"
        request = (
            f"Approve the bounded work ({count} condition{'s' if count != 1 else ''}), "
            f"due {due:%d %b %Y}, and decide again then. The one-time budget of {budget} is "
            "not asked for until the conditions are closed."
        )
        next_gate = (
            f"This decision again on {due:%d %b %Y}; with every condition closed, a Go "
            f"moves on to {following}."
        )
        steps = _conditional_steps(a, decided, decider)
    else:
        title = "Stop"
        request = (
            f"Learnt: {d.main_reason} Released: the one-time budget of {budget} "
            f"and the team the plan held for {weeks}."
        )
        next_gate = "None: the initiative stops here. A new idea starts again at gate 0."
        steps = _no_go_steps(a, decided, decider)
    heading, budget_label, plan_label = {
        GO: ("The ask", "One-time budget", "Go-live"),
        CONDITIONAL: ("The ask", "One-time budget (asked at the next decision)", "Go-live"),
        NO_GO: ("What stopping releases", "One-time budget released", "Plan not pursued"),
    }[d.outcome]
    team = tuple(role_weeks(r.timeline).items())
    sign_offs = tuple(dict.fromkeys(c.owner for c in r.timeline.checkpoints))
    return DecisionAsk(
        outcome=d.outcome,
        title=title,
        request=request,
        heading=heading,
        budget_label=budget_label,
        plan_label=plan_label,
        decider=decider,
        decide_by=f"{s.decide_by:%d %b %Y}" if s.decide_by else TO_BE_NAMED,
        decided_on=decided,
        next_gate=next_gate,
        alternatives=_alternatives(a),
        steps=tuple(steps),
        team=team,
        sign_offs=sign_offs,
    )


__all__ = [
    "CONDITION_WEEKS",
    "GLOSSARY",
    "TO_BE_NAMED",
    "Alternative",
    "DecisionAsk",
    "Step",
    "decision_ask",
    "glossary",
]
