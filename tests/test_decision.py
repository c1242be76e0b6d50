"""Tests for roi.decision: one case per reason of the rule, kill criteria, the rule's bounds."""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import given
from strategies import FAST, scenarios

from roi.decision import CONDITIONAL, GO, NO_GO, DecisionRule, RuleError, decide
from roi.evaluate import evaluate
from roi.gates import readiness_status
from roi.scenario import Scenario
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
    return Scenario(**{**invoice_fields, **changes})


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
        "not assessed: numbers only",
        {},
        False,
        None,
        DecisionRule(),
        GO,
        "Readiness was not assessed",
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
        "NPV over 6 months at the likely values is -$",
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
    """An empty readiness block means nobody assessed it: the decision rests on the
    numbers and says so, exactly as when no readiness is passed (app, memo and batch
    all pass what the scenario holds)."""
    results = evaluate(_scenario(invoice_fields))
    empty = decide(results, readiness=readiness_status({}))
    assert empty.outcome == decide(results).outcome == GO
    assert empty.reasons == decide(results).reasons
    assert any("not assessed" in r for r in empty.reasons)


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
    decision = decide(evaluate(scenario), simulation)
    assert decision.probability == simulation.prob_meets_threshold
    shown = f"{simulation.prob_meets_threshold * 100:.0f}%"
    assert decision.conditions[0].endswith(f"it is {shown} now.")
    # A lower bar turns the same numbers into a go.
    assert decide(evaluate(scenario), simulation, rule=DecisionRule(confidence=0.5)).outcome == GO


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
    assert decide(results).outcome == GO
    decision = decide(results, simulation)
    assert decision.outcome == NO_GO
    assert decision.payback_months == simulation.percentile("payback_months", 50)


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
    assert any("16 weeks" in k for k in decision.kill_criteria)


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

    decision = decide(evaluate(_scenario(invoice_fields)))
    data = json.loads(json.dumps(decision.to_dict()))
    assert data["outcome"] == GO
    assert data["rule"]["confidence"] == 0.7


@FAST
@given(scenarios(with_ranges=False))
def test_point_decision_is_no_go_exactly_when_payback_or_npv_fails(scenario):
    results = evaluate(scenario)
    decision = decide(results)
    threshold = scenario.value("payback_threshold_months")
    fails = results.payback_months is None or results.payback_months > threshold or results.npv < 0
    assert decision.outcome == (NO_GO if fails else GO)
    assert decision.conditions == ()
    assert len(decision.reasons) == len(decision.checks) >= 2
