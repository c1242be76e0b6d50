"""Tests for roi.decision: one case per reason of the rule, kill criteria, the rule's bounds."""

from __future__ import annotations

import dataclasses

import pytest
from conftest import GO_READY
from hypothesis import given
from strategies import FAST, scenarios

from roi.decision import CONDITIONAL, GO, NO_GO, DecisionRule, RuleError, decide, value_text
from roi.evaluate import evaluate
from roi.gates import readiness_status
from roi.precision import CENT, RELATIVE_TOLERANCE
from roi.scenario import Scenario, scenario_from_dict
from roi.uncertainty import simulate

# Every PoC exit criterion answered done.
POC_DONE = {
    "value_signal": "done",
    "feasibility_baseline": "done",
    "risks_documented": "done",
    "owner_sponsor_committed": "done",
    "decision_memo": "done",
}


def _scenario(invoice_fields, **changes) -> Scenario:
    """The example with what a Go needs beyond the numbers (`GO_READY`), and `changes`."""
    return scenario_from_dict({**invoice_fields, **GO_READY, **changes})


# Hand-worked numbers for the invoice example (tests/conftest.py):
# time value = 200 x 12 x 4 / 60 x 55 x 230 = 2,024,000 a year; running costs 136,000;
# net 1,888,000 a year = 157,333.33 a month; payback = 300,000 / 157,333.33 = 1.91 months.
CASES = [
    # (id, changes to the example, simulate?, readiness answers, rule, outcome, reason text)
    (
        "all met, point values",
        {},
        False,
        POC_DONE,
        DecisionRule(),
        GO,
        "Payback at the likely values is 1.9 months, within the 12-month threshold.",
    ),
    (
        "not assessed: the PoC exit criteria are unproven",
        {},
        False,
        None,
        DecisionRule(),
        CONDITIONAL,
        "Readiness was not assessed: the PoC exit criteria",
    ),
    # A 24-month ramp, build 1,500,000: simple payback 1,550,000 / 157,333.33 = 9.9
    # months, but the cash flow crosses 0 only at t = A (K + sqrt(K^2 + 2 B C / A)) / B =
    # 24 x (11,333 + sqrt(11,333^2 + 2 x 168,667 x 1,550,000 / 24)) / 168,667 = 22.7.
    (
        "simple payback met, cash flow with a long ramp missed",
        {"build_cost": 1_500_000, "adoption_months": 24},
        False,
        POC_DONE,
        DecisionRule(),
        NO_GO,
        "Payback on the cash flow (with the 24-month adoption ramp) at the likely values is "
        "22.7 months, above",
    ),
    (
        "the same on the simple basis is met",
        {"build_cost": 1_500_000, "adoption_months": 24, "payback_basis": "simple"},
        False,
        POC_DONE,
        DecisionRule(),
        GO,
        "Simple payback (one-time costs / monthly net) at the likely values is 9.9 months",
    ),
    # 10 users: 101,200 - 136,000 = -34,800 a year, -2,900 a month.
    (
        "never pays back, point",
        {"users": 10},
        False,
        POC_DONE,
        DecisionRule(),
        NO_GO,
        "Never pays back: monthly net impact is -$2,900 at the likely values.",
    ),
    # Users 1-5-20: the median sample has ~7 users, net < 0.
    (
        "never pays back at P50",
        {"users": {"low": 1, "likely": 5, "high": 20}},
        True,
        POC_DONE,
        DecisionRule(),
        NO_GO,
        "Never pays back: in at least half of the simulated outcomes.",
    ),
    # Build 2,500,000: 2,550,000 / 157,333.33 = 16.2 months.
    (
        "payback above threshold, point",
        {"build_cost": 2_500_000},
        False,
        POC_DONE,
        DecisionRule(),
        NO_GO,
        "Payback at the likely values is 16.2 months, above the 12-month",
    ),
    (
        "payback above threshold at P50",
        {"build_cost": 2_500_000, "minutes_saved_per_task": {"low": 3, "likely": 4, "high": 5}},
        True,
        POC_DONE,
        DecisionRule(),
        NO_GO,
        "Payback at P50 is",
    ),
    # Threshold 24 so 16.2 months passes; 6 months of 157,333 do not repay 2,550,000.
    (
        "NPV negative",
        {"build_cost": 2_500_000, "payback_threshold_months": 24, "horizon_months": 6},
        False,
        POC_DONE,
        DecisionRule(),
        NO_GO,
        "NPV at the decision over 6 months at the likely values is -$",
    ),
    # Build 1.5M: likely payback 9.9 months but minutes 1-4-6 put ~31% of outcomes past 12.
    (
        "probability below confidence",
        {"build_cost": 1_500_000, "minutes_saved_per_task": {"low": 1, "likely": 4, "high": 6}},
        True,
        POC_DONE,
        DecisionRule(),
        CONDITIONAL,
        "below the 70% confidence required",
    ),
    (
        "open items within bounded effort",
        {},
        False,
        {**POC_DONE, "owner_sponsor_committed": {"status": "open", "owner": "CFO"}},
        DecisionRule(),
        CONDITIONAL,
        "1 of 5 items open, few enough to close",
    ),
    (
        "too many open items",
        {},
        False,
        {"value_signal": "done"},
        DecisionRule(),
        NO_GO,
        "4 of 5 items open, more than the 3 that bounded effort can close",
    ),
    (
        "maturity below the required level",
        {},
        False,
        POC_DONE,
        DecisionRule(min_maturity=2),
        CONDITIONAL,
        "MLOps maturity is level 1, below the level 2 required",
    ),
]


@pytest.mark.parametrize(
    ("changes", "simulated", "answers", "rule", "outcome", "reason"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_decision_rule_gives_the_outcome_with_its_reason(
    invoice_fields, changes, simulated, answers, rule, outcome, reason
):
    scenario = _scenario(invoice_fields, **changes)
    simulation = simulate(scenario, samples=4_000, seed=1) if simulated else None
    readiness = None if answers is None else readiness_status(answers)
    decision = decide(evaluate(scenario), simulation, readiness, rule)
    assert decision.outcome == outcome
    assert any(reason in r for r in decision.reasons), decision.reasons
    if outcome == NO_GO:
        assert decision.reasons[0] == next(
            c.reason for c in decision.checks if c.verdict == "no-go"
        )


def test_every_failed_check_is_listed_not_only_the_first(invoice_fields):
    scenario = _scenario(invoice_fields, build_cost=2_500_000, horizon_months=6)
    # One PoC exit criterion done, four open: more than the three bounded effort closes.
    decision = decide(evaluate(scenario), readiness=readiness_status({"decision_memo": "done"}))
    failed = [c.name for c in decision.checks if c.verdict == "no-go"]
    assert failed == ["payback_threshold", "npv", "readiness"]
    assert len(decision.reasons) == len(decision.checks)


def test_no_answers_at_all_is_not_assessed_rather_than_everything_open(invoice_fields):
    """An empty readiness block means nobody assessed it, exactly as when no readiness is
    passed (app, memo and batch all pass what the scenario holds): not a No-go for four
    open items, but not a Go either, since the PoC exit criteria are unproven."""
    results = evaluate(_scenario(invoice_fields))
    empty = decide(results, readiness=readiness_status({}))
    assert empty.outcome == decide(results).outcome == CONDITIONAL
    assert empty.reasons == decide(results).reasons
    assert any("not assessed" in r for r in empty.reasons)
    assert empty.conditions == (
        "Assess readiness: answer the PoC exit criteria (done, open or n/a, with owners) "
        "and decide again.",
    )


def test_conditional_go_lists_one_condition_per_open_item_with_its_owner(invoice_fields):
    answers = {
        **POC_DONE,
        "risks_documented": "open",
        "owner_sponsor_committed": {"status": "open", "owner": "CFO"},
    }
    decision = decide(evaluate(_scenario(invoice_fields)), readiness=readiness_status(answers))
    assert decision.outcome == CONDITIONAL
    assert decision.conditions == (
        "Close: Risks are written down, with security and privacy among them (owner: Tech lead).",
        "Close: A product owner and a sponsor are committed to fund and adopt the MVP "
        "(owner: CFO).",
    )
    assert (
        decision.kill_criteria[-1] == "Stop if the conditions are not met by the next gate review."
    )


def test_low_confidence_condition_states_the_probability(invoice_fields):
    scenario = _scenario(
        invoice_fields,
        build_cost=1_500_000,
        minutes_saved_per_task={"low": 1, "likely": 4, "high": 6},
    )
    simulation = simulate(scenario, samples=4_000, seed=1)
    done = readiness_status(POC_DONE)
    decision = decide(evaluate(scenario), simulation, done)
    assert decision.probability == simulation.prob_meets_threshold
    shown = f"{simulation.prob_meets_threshold * 100:.0f}%"
    assert decision.conditions[0].endswith(f"it is {shown} now.")
    # A lower bar turns the same numbers into a go.
    lower = DecisionRule(confidence=0.5)
    assert decide(evaluate(scenario), simulation, done, rule=lower).outcome == GO


def test_simulation_decides_on_p50_not_on_the_likely_value(invoice_fields):
    # Likely payback 11.5 months meets 12, but the skewed range puts the median above it.
    scenario = _scenario(
        invoice_fields,
        build_cost=1_750_000,
        minutes_saved_per_task={"low": 0.5, "likely": 4, "high": 4.2},
    )
    results = evaluate(scenario)
    assert results.payback_months <= 12
    simulation = simulate(scenario, samples=4_000, seed=1)
    assert simulation.percentile("payback_months", 50) > 12
    done = readiness_status(POC_DONE)
    assert decide(results, readiness=done).outcome == GO
    decision = decide(results, simulation, done)
    assert decision.outcome == NO_GO
    assert decision.payback_months == simulation.percentile(simulation.payback_key, 50)
    # No ramp: the cash-flow payback is the simple one (to rounding).
    assert decision.payback_months == pytest.approx(simulation.percentile("payback_months", 50))


def test_no_go_has_no_conditions(invoice_fields):
    decision = decide(
        evaluate(_scenario(invoice_fields, users=10)),
        readiness=readiness_status({**POC_DONE, "decision_memo": "open"}),
    )
    assert decision.outcome == NO_GO
    assert decision.conditions == ()


def test_kill_criteria_name_the_inputs_closest_to_break_even_with_the_packages_values(
    invoice_fields,
):
    results = evaluate(_scenario(invoice_fields))
    decision = decide(results)
    rows = {row.field: row for row in results.break_even}
    # users, tasks and minutes all sit 78% above break-even, the closest of the inputs.
    users = rows["users"]
    assert f"Stop if users falls below {users.value:,.1f} people" in " ".join(
        decision.kill_criteria
    )
    assert "Stop if payback measured in the pilot rises above the 12-month threshold." in (
        decision.kill_criteria
    )
    assert any("past 21 weeks" in k for k in decision.kill_criteria)  # the full plan's line


def test_kill_input_count_is_a_parameter(invoice_fields):
    results = evaluate(_scenario(invoice_fields))
    few = decide(results, rule=DecisionRule(kill_inputs=1)).kill_criteria
    many = decide(results, rule=DecisionRule(kill_inputs=5)).kill_criteria
    assert len(many) - len(few) == 4


def test_decide_is_pure_same_inputs_same_decision(invoice_fields):
    scenario = _scenario(invoice_fields, minutes_saved_per_task={"low": 2, "likely": 4, "high": 6})
    results, simulation = evaluate(scenario), simulate(scenario, samples=2_000, seed=3)
    readiness = readiness_status({"value_signal": "done"})
    assert decide(results, simulation, readiness) == decide(results, simulation, readiness)


@pytest.mark.parametrize(
    "changes",
    [
        {"confidence": 0},
        {"confidence": 1.5},
        {"max_open_items": -1},
        {"min_maturity": 4},
        {"kill_inputs": -2},
        {"required_checklists": "poc_exit"},
    ],
)
def test_rule_rejects_thresholds_outside_their_bounds(changes):
    with pytest.raises(RuleError):
        DecisionRule(**changes)


def test_rule_is_frozen():
    with pytest.raises(dataclasses.FrozenInstanceError):
        DecisionRule().confidence = 0.5  # type: ignore[misc]


def test_decision_to_dict_is_json_ready(invoice_fields):
    import json

    decision = decide(evaluate(_scenario(invoice_fields)), readiness=readiness_status(POC_DONE))
    data = json.loads(json.dumps(decision.to_dict()))
    assert data["outcome"] == GO
    assert data["rule"]["confidence"] == 0.7


@FAST
@given(scenarios(with_ranges=False))
def test_point_decision_is_no_go_exactly_when_payback_or_npv_fails(scenario):
    """With the PoC exit criteria done: No-go exactly when payback on the scenario's
    basis misses the threshold (at roi's precision) or NPV is negative (to the cent); the
    readiness review is signed off and the production owner named (`GO_READY`)."""
    results = evaluate(scenario.evolve(**GO_READY))
    decision = decide(results, readiness=readiness_status(POC_DONE))
    threshold = scenario.value("payback_threshold_months")
    payback = results.decision_payback_months
    fails = (
        payback is None
        or payback > threshold * (1 + RELATIVE_TOLERANCE)
        or results.npv_at_decision <= -CENT / 2
    )
    assert decision.outcome == (NO_GO if fails else GO)
    assert decision.conditions == ()
    assert len(decision.reasons) == len(decision.checks) >= 2


# --- kill criteria on the decision's basis --------------------------------------------------


@pytest.mark.parametrize("starter", ["invoice_triage.yaml", "sales_copilot.yaml"])
def test_at_each_kill_line_the_decisions_payback_is_the_threshold(starter):
    """Every 'Stop if <input> falls below / rises above <value>' line of a starter's
    decision names the break-even on the decision's own basis: with that input at the
    value (the rest at likely), payback on the scenario's basis, ramp included, equals
    the threshold to roi's precision; the value printed is that number as value_text
    writes it."""
    from roi.evaluate import compute, payback_key
    from roi.files import load_scenario
    from roi.resources import SCENARIOS

    scenario = load_scenario(SCENARIOS / starter)
    results = evaluate(scenario)
    decision = decide(results)
    values = scenario.point_values()
    threshold = values["payback_threshold_months"]
    checked = 0
    for row in results.break_even:
        lines = [k for k in decision.kill_criteria if k.startswith(f"Stop if {row.label.lower()} ")]
        if not lines:
            continue
        (line,) = lines
        assert value_text(row.field, row.value) in line
        payback = float(compute({**values, row.field: row.value})[payback_key(scenario)])
        assert payback == pytest.approx(threshold, rel=1e-9)
        checked += 1
    assert checked == 3  # DecisionRule.kill_inputs


def test_between_the_simple_and_the_cash_flow_break_even_the_plan_is_a_no_go():
    """The invoice starter at 45 users: simple payback 300,000 / (45 x 10,120 - 136,000)
    x 12 = 11.4 months would pass, but on the cash flow with the 3-month ramp it is
    (300,000 + 455,400 / 12 x 1.5) / ((455,400 - 136,000) / 12) = 13.4 months: a No-go,
    and the kill line (49.2 users, the cash-flow break-even) agrees."""
    from roi.files import load_scenario
    from roi.resources import EXAMPLE_SCENARIO

    scenario = load_scenario(EXAMPLE_SCENARIO).evolve(users=45)
    results = evaluate(scenario)
    assert results.payback_months == pytest.approx(300_000 / ((45 * 10_120 - 136_000) / 12))
    assert results.payback_months < 12
    expected = (300_000 + 45 * 10_120 / 12 * 1.5) / ((45 * 10_120 - 136_000) / 12)
    assert results.payback_months_cash_flow == pytest.approx(expected, rel=1e-12)
    decision = decide(results, readiness=readiness_status(POC_DONE))
    assert decision.outcome == NO_GO
    users = next(row for row in results.break_even if row.field == "users")
    assert users.value == pytest.approx(436_000 / 10.5 * 12 / 10_120, rel=1e-12)  # 49.24


# --- fallbacks (issue 34) --------------------------------------------------------------------


def test_a_stated_fallback_rate_gets_a_kill_criterion_at_its_break_even():
    """The invoice example with 20% of invoices handed back and 3 minutes of review each:
    'Stop if fallback rate exceeds X%' names the rate at which the decision's payback
    (on the cash flow, with the ramp) equals the 12-month threshold; at X it does."""
    from roi.assess import assess
    from roi.breakeven import break_even_values
    from roi.files import load_scenario
    from roi.precision import at_least, at_most
    from roi.resources import EXAMPLE_SCENARIO

    s = load_scenario(EXAMPLE_SCENARIO).evolve(fallback_rate=0.2, review_minutes_per_fallback=3)
    decision = assess(s, samples=0).decision
    x = float(break_even_values(s.point_values(), "fallback_rate"))
    expected = f"Stop if fallback rate exceeds {x * 100:.1f}% (break-even; the plan assumes 20.0%)."
    assert expected in decision.kill_criteria
    at_x = assess(s.evolve(fallback_rate=x), samples=0).decision
    assert at_most(at_x.payback_months, 12) and at_least(at_x.payback_months, 12)
    past = assess(s.evolve(fallback_rate=min(1.0, x + 0.01)), samples=0).decision
    assert past.outcome == NO_GO


def test_a_fallback_rate_past_the_articles_alarm_is_flagged_in_their_words():
    from roi.files import load_scenario
    from roi.resources import EXAMPLE_SCENARIO

    base = load_scenario(EXAMPLE_SCENARIO)
    for rate, flagged in ((0.15, False), (0.16, True), (0.0, False)):
        checks = decide(evaluate(base.evolve(fallback_rate=rate))).checks
        flags = [c for c in checks if c.name == "fallback"]
        assert bool(flags) is flagged, rate
        if flags:
            assert flags[0].verdict == "info"
            assert flags[0].reason.startswith("A fallback rate of 16.0% is past the 15-20%")


# --- the plan without AI (issue 34) ----------------------------------------------------------

RULES = {
    "name": "Rules engine",
    "minutes_saved_per_task": 3.8,  # a little less time saved than the model's 4 minutes
    "model_cost_annual": 0,  # no model to pay for
    "build_cost": 80_000,  # and a smaller build
}


def test_a_cheaper_rules_alternative_is_a_no_go_that_names_it():
    """The invoice example against a rules engine that saves 3.8 minutes with no model
    and an $80,000 build: NPV at the decision $3,826,060 against the AI plan's
    $3,129,507 (likely values; the AI plan's open notebook-to-pipeline gap puts its
    go-live 19.5 weeks later, the rules engine has no model to re-engineer), so the
    articles' No-go, naming it."""
    from roi.assess import assess
    from roi.files import load_scenario
    from roi.resources import EXAMPLE_SCENARIO

    base = load_scenario(EXAMPLE_SCENARIO)
    a = assess(base.evolve(alternative=RULES), samples=0)
    assert a.outcome == NO_GO
    [check] = [c for c in a.decision.checks if c.name == "alternative"]
    assert check.verdict == "no-go"
    assert check.reason == (
        "The plan without AI, Rules engine, is worth as much or more: NPV at the decision "
        "$3,129,507 against $3,826,060 for Rules engine (likely values). The problem is "
        "better solved without AI."
    )
    alone = evaluate(base.evolve(alternative=RULES).without_ai())
    assert round(alone.npv_at_decision) == 3_826_060  # the same figure, evaluated alone
    # Page 1 lists it among the alternatives considered, with that value.
    import datetime as dt

    from roi.ask import decision_ask

    ask = decision_ask(a, dt.date(2026, 12, 7))
    [row] = [alt for alt in ask.alternatives if alt.name == "Without AI: Rules engine"]
    assert row.value_text == "$3,826,060" and ask.title == "Stop"
    # A rules engine that saves 2.5 minutes is worth less: the AI plan passes this check.
    weaker = assess(base.evolve(alternative={**RULES, "minutes_saved_per_task": 2.5}), samples=0)
    [check] = [c for c in weaker.decision.checks if c.name == "alternative"]
    assert check.verdict == "pass" and weaker.outcome != NO_GO
