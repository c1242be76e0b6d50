"""Tests for roi.gates: the gates and checklists data, a user's file, readiness, maturity."""

from __future__ import annotations

import os
import textwrap
from pathlib import Path

import pytest

from roi.exceptions import ConfigError, ScenarioError
from roi.gates import (
    check_answers,
    load_checklists,
    maturity_level,
    next_gate,
    readiness_status,
)
from roi.scenario import Scenario, scenario_from_dict
from roi.timeline import CHECKPOINTS

# --- the shipped data ----------------------------------------------------------------------


def test_six_gates_numbered_0_to_5_each_with_purpose_exit_artifacts_and_pitfall():
    gates = load_checklists().gates
    assert [g.number for g in gates] == [0, 1, 2, 3, 4, 5]
    names = [g.name for g in gates]
    assert names[0] == "Value hypothesis" and names[-1] == "Scale"
    for gate in gates:
        assert gate.purpose and gate.exit_criteria and gate.artifacts and gate.pitfall


def test_feasibility_poc_gate_is_timeboxed_to_2_3_weeks():
    assert "2-3 weeks" in load_checklists().gate(1).timebox


@pytest.mark.parametrize(
    ("checklist", "count"),
    [
        # Counts from the reference articles' printable lists.
        ("poc_exit", 5),
        ("mvp_readiness", 5),
        ("mvp_essentials", 8),
        ("production_readiness", 7),
        ("structural_gaps", 5),
        ("governance", 5),
    ],
)
def test_each_checklist_holds_the_items_of_its_source_list(checklist, count):
    assert len(load_checklists().checklist(checklist).items) == count


def test_governance_checklist_reuses_timeline_checkpoints_owners_and_durations():
    items = load_checklists().checklist("governance").items
    assert [i.id for i in items] == [c.id for c in CHECKPOINTS]
    for item, checkpoint in zip(items, CHECKPOINTS, strict=True):
        assert item.owner == checkpoint.owner
        assert item.criteria == checkpoint.pass_criteria
        assert item.artifacts == checkpoint.artifacts
        assert item.duration == f"{checkpoint.min_days:g}-{checkpoint.max_days:g} business days"


def test_rollback_item_keeps_the_15_minute_limit():
    checklist = load_checklists().checklist("production_readiness")
    texts = {i.id: i.text for i in checklist.items}
    assert "15 minutes" in texts["rollback_tested"]


def test_item_ids_are_unique_across_every_checklist():
    checklists = load_checklists()
    all_ids = [i.id for c in checklists.checklists for i in c.items]
    assert len(all_ids) == len(set(all_ids)) == len(checklists.item_ids)


# --- a user's own file ---------------------------------------------------------------------


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "my_gates.yaml"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def test_users_file_adds_a_checklist_extends_one_and_overrides_a_gate_field(tmp_path):
    path = _write(
        tmp_path,
        """
        gates:
          - number: 2
            pitfall: Our own pitfall.
            checklists: [structural_gaps, legal]
        checklists:
          - id: legal
            name: Legal review
            items:
              - {id: dpa_signed, text: Data processing agreement signed, owner: Legal}
          - id: poc_exit
            name: PoC exit criteria
            items:
              - {id: value_signal, text: Value proven on three months of data}
              - {id: security_signoff, text: Security signed off, owner: CISO}
    """,
    )
    checklists = load_checklists(path)
    gate = checklists.gate(2)
    assert gate.pitfall == "Our own pitfall."
    assert gate.name == "Proof of value"  # fields not given are kept
    assert checklists.checklist("legal").items[0].owner == "Legal"
    poc = {i.id: i for i in checklists.checklist("poc_exit").items}
    assert len(poc) == 6
    assert poc["value_signal"].text == "Value proven on three months of data"
    assert poc["value_signal"].owner == "Product owner"  # replaced fields merge with the old
    assert checklists.gate_of("legal").number == 2


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("gatez: []\n", "unknown key 'gatez' (did you mean 'gates'?)"),
        (
            "checklists:\n  - {id: x, name: X, items: [{id: value_signal, text: again}]}\n",
            "item id 'value_signal' is in both checklist 'poc_exit' and 'x'",
        ),
        (
            "gates:\n  - {number: 1, checklists: [poc_exits]}\n",
            "gate 1 needs unknown checklist 'poc_exits' (did you mean 'poc_exit'?)",
        ),
        (
            "checklists:\n  - {id: Bad Id, name: X, items: [{id: a, text: b}]}\n",
            "checklist 'Bad Id' id: string should match pattern",
        ),
        ("checklists:\n  - {id: empty, name: X, items: []}\n", "checklist 'empty' items"),
        (
            "gates:\n  - {number: 7, name: Seven, purpose: p, exit_criteria: [e]}\n",
            "without gaps: got [0, 1, 2, 3, 4, 5, 7]",
        ),
        (
            "maturity:\n  - {level: 2, requires: [no_such_item]}\n",
            "maturity level 2 requires unknown item 'no_such_item'",
        ),
        ("- just a list\n", "must hold a mapping"),
        (
            "checklists:\n  - {id: [a], name: X, items: [{id: a, text: b}]}\n",
            "checklist ['a'] id: input should be a valid string",
        ),
        (
            "checklists:\n  - {name: X, items: [{id: a, text: b}]}\n  - {name: Y, items: [{id: "
            "c, text: d}]}\n",
            "checklist '?' id: field required",
        ),
        ("gates: [unclosed\n", "not valid YAML at line"),
    ],
)
def test_a_bad_users_file_is_rejected_with_the_file_and_the_problem_named(tmp_path, text, message):
    path = _write(tmp_path, text)
    with pytest.raises(ConfigError) as caught:
        load_checklists(path)
    assert str(path) in str(caught.value)
    assert message in str(caught.value)


def test_a_missing_users_file_says_so(tmp_path):
    with pytest.raises(ConfigError, match="does not exist"):
        load_checklists(tmp_path / "nope.yaml")


def test_users_file_is_reread_when_it_changes(tmp_path):
    path = _write(tmp_path, "gates:\n  - {number: 0, pitfall: First.}\n")
    assert load_checklists(path).gate(0).pitfall == "First."
    path.write_text("gates:\n  - {number: 0, pitfall: Second.}\n", encoding="utf-8")
    os.utime(path, (1, 1))  # a different mtime, whatever the clock resolution
    assert load_checklists(path).gate(0).pitfall == "Second."


# --- answers and readiness -----------------------------------------------------------------


def test_counts_per_checklist_count_unanswered_items_as_open():
    status = readiness_status(
        {"value_signal": "done", "risks_documented": "n/a", "feasibility_baseline": "open"}
    )
    poc = status.checklist("poc_exit")
    assert (poc.done, poc.open, poc.not_applicable, poc.unanswered) == (1, 3, 1, 2)
    assert not poc.complete
    assert [i.item.id for i in poc.open_items] == [
        "feasibility_baseline",
        "owner_sponsor_committed",
        "decision_memo",
    ]


def test_open_items_carry_the_answers_owner_else_the_items_usual_owner():
    status = readiness_status(
        {"owner_sponsor_committed": {"status": "open", "owner": "CFO", "note": "Q3 budget"}}
    )
    items = {i.item.id: i for i in status.checklist("poc_exit").open_items}
    assert items["owner_sponsor_committed"].owner == "CFO"
    assert items["owner_sponsor_committed"].note == "Q3 budget"
    assert items["value_signal"].owner == "Product owner"


def test_a_checklist_with_every_item_done_or_not_applicable_is_complete():
    answers = {i: "done" for i in ("value_signal", "feasibility_baseline", "risks_documented")}
    answers |= {"owner_sponsor_committed": "done", "decision_memo": "n/a"}
    assert readiness_status(answers).checklist("poc_exit").complete


def test_no_answers_means_not_assessed():
    assert not readiness_status({}).assessed
    assert readiness_status({"on_call": "open"}).assessed


@pytest.mark.parametrize(
    ("value", "status"),
    [
        ("done", "done"),
        ("open", "open"),
        ("n/a", "n/a"),
        ("NA", "n/a"),
        ("not done", "open"),
        (True, "done"),
        (False, "open"),
        ({"status": "done", "note": "x"}, "done"),
    ],
)
def test_short_and_long_answer_forms(value, status):
    assert check_answers({"on_call": value})["on_call"].status == status


def test_an_unknown_item_id_is_rejected_with_a_suggestion():
    with pytest.raises(ConfigError, match=r"'on_cal' \(did you mean 'on_call'\?\)"):
        check_answers({"on_cal": "done"})


def test_a_bad_status_is_rejected_naming_the_item():
    with pytest.raises(ConfigError, match="'on_call' must be done, open or n/a, not 'maybe'"):
        check_answers({"on_call": "maybe"})


# --- the scenario's readiness section --------------------------------------------------------


def test_scenario_readiness_round_trips_through_to_dict(invoice_fields):
    answers = {"value_signal": "done", "on_call": {"status": "open", "owner": "SRE lead"}}
    scenario = scenario_from_dict({**invoice_fields, "readiness": answers})
    assert scenario.readiness["on_call"].owner == "SRE lead"
    assert scenario_from_dict(scenario.to_dict()) == scenario
    assert scenario.to_dict()["readiness"] == answers


@pytest.mark.parametrize(
    ("readiness", "message"),
    [
        (
            {"valu_signal": "done"},
            "unknown checklist item 'valu_signal' (did you mean 'value_signal'?)",
        ),
        ({"value_signal": "yes please"}, "item 'value_signal' must be done, open or n/a"),
        (
            {"value_signal": {"status": "done", "ownr": "x"}},
            "unknown key 'ownr' (did you mean 'owner'?)",
        ),
        ({"value_signal": {"note": "x"}}, "needs a status"),
        (["value_signal"], "must be a mapping of checklist item id"),
    ],
)
def test_scenario_rejects_bad_readiness_naming_the_field(invoice_fields, readiness, message):
    with pytest.raises(ScenarioError) as caught:
        scenario_from_dict({**invoice_fields, "readiness": readiness})
    assert "'readiness'" in str(caught.value)
    assert message in str(caught.value)


def test_a_scenarios_checklists_file_is_found_next_to_the_scenario_file(tmp_path, invoice_fields):
    import yaml

    _write(
        tmp_path,
        """
        checklists:
          - id: legal
            name: Legal review
            items: [{id: dpa_signed, text: Data processing agreement signed}]
    """,
    )
    data = {**invoice_fields, "checklists": "my_gates.yaml", "readiness": {"dpa_signed": "done"}}
    path = tmp_path / "scenario.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    from roi.files import load_scenario

    scenario = load_scenario(path)
    assert Path(scenario.checklists) == tmp_path / "my_gates.yaml"
    assert readiness_status(scenario).checklist("legal").complete
    # Without the file, the same answer is an unknown item.
    with pytest.raises(ScenarioError, match="unknown checklist item 'dpa_signed'"):
        Scenario(**{**invoice_fields, "readiness": {"dpa_signed": "done"}})


def test_a_scenario_naming_a_missing_checklists_file_is_rejected(invoice_fields):
    with pytest.raises(ScenarioError, match=r"'checklists' .*does not exist"):
        Scenario(**invoice_fields, checklists="/no/such/gates.yaml")


# --- maturity and the next gate ------------------------------------------------------------


@pytest.mark.parametrize(
    ("answers", "level"),
    [
        ({}, 1),
        ({"versioned_artifact": "done"}, 1),
        ({"versioned_artifact": "done", "automated_pipelines": "done"}, 2),
        ({"versioned_artifact": "done", "automated_pipelines": "n/a"}, 2),
        # Level 3 items without level 2 do not count: levels build on each other.
        (
            {
                "continuous_training": "done",
                "automated_evaluation_gates": "done",
                "canary_deployments": "done",
            },
            1,
        ),
        (
            {
                "versioned_artifact": "done",
                "automated_pipelines": "done",
                "continuous_training": "done",
                "automated_evaluation_gates": "done",
                "canary_deployments": "done",
            },
            3,
        ),
        (
            {
                "versioned_artifact": "done",
                "automated_pipelines": "done",
                "continuous_training": "done",
                "automated_evaluation_gates": "open",
                "canary_deployments": "done",
            },
            2,
        ),
    ],
)
def test_maturity_level_from_the_answers(answers, level):
    assert maturity_level(answers) == level
    assert readiness_status(answers).maturity == level


def test_next_gate_is_the_first_with_open_items_and_lists_them_with_owners():
    found = next_gate({"value_signal": "done"})
    assert found.gate.number == 1
    assert found.passed == (0,)
    assert "Tech lead" in found.needs[1]
    assert found.needs[0] == found.gate.exit_criteria[0]
    assert len(found.open_items) == 4


def test_next_gate_stops_at_an_open_earlier_gate_even_when_later_ones_are_done():
    later = {i.id: "done" for i in load_checklists().checklist("mvp_readiness").items}
    assert next_gate(later).gate.number == 1


def test_next_gate_walks_past_complete_gates_and_is_none_when_all_are_passed():
    checklists = load_checklists()
    answers = {item_id: "done" for item_id in checklists.item_ids}
    assert next_gate(answers).gate is None
    del answers["on_call"]  # production readiness, gate 4
    found = next_gate(answers)
    assert found.gate.number == 4
    assert found.passed == (0, 1, 2, 3)
    assert [i.item.id for i in found.open_items] == ["on_call"]
