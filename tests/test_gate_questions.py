"""The whole decision gate (issue 33): the articles' gate questions answered in the
scenario, the production readiness review's sign-offs and the production owner a Go
needs, and the MLOps maturity a Go needs, set from the scenario or the CLI."""

from __future__ import annotations

import json

import pytest
import yaml
from conftest import GO_READY
from hypothesis import given
from hypothesis import strategies as st

from roi.assess import assess
from roi.cli import main
from roi.exceptions import ConfigError, ScenarioError
from roi.gates import load_checklists
from roi.scenario import scenario_from_dict

POC_DONE = dict.fromkeys(
    (
        "value_signal",
        "feasibility_baseline",
        "risks_documented",
        "owner_sponsor_committed",
        "decision_memo",
    ),
    "done",
)
ROLES = ("Data science lead", "Platform engineer", "Business product owner")


def _assessed(invoice_fields, **changes):
    """The example, every PoC exit item done, signed off and owned: a Go unless `changes`
    say otherwise (payback 1.9 months; no ranges, so no Monte Carlo)."""
    data = {**invoice_fields, **GO_READY, "readiness": POC_DONE, **changes}
    return assess(scenario_from_dict(data), samples=0)


def test_the_example_ready_and_signed_off_is_a_go(invoice_fields):
    a = _assessed(invoice_fields)
    assert a.outcome == "Go"
    names = {c.name: c.verdict for c in a.decision.checks}
    assert names["readiness_review"] == names["production_owner"] == "pass"


# What the articles' decision gate says each answer means (004, "The Decision Gate"):
# Go needs skills, data, change readiness; No-go when critical data dependencies cannot
# be maintained or traditional software solves it better; Conditional go when data
# quality issues are addressable or the integration still needs assessing.
ARTICLES = [
    ("team_skills", "yes", "Go"),
    ("team_skills", "no", "Conditional go"),
    ("data_available", "yes", "Go"),
    ("data_available", "no", "Conditional go"),
    ("change_ready", "yes", "Go"),
    ("change_ready", "no", "Conditional go"),
    ("data_dependencies_maintainable", "yes", "Go"),
    ("data_dependencies_maintainable", "no", "No-go"),
    ("traditional_software_better", "no", "Go"),
    ("traditional_software_better", "yes", "No-go"),
    ("data_quality_addressable", "yes", "Conditional go"),
    ("data_quality_addressable", "no", "No-go"),
    ("data_quality_addressable", "n/a", "Go"),
    ("integration_assessed", "yes", "Go"),
    ("integration_assessed", "no", "Conditional go"),
]


@pytest.mark.parametrize(("question", "answer", "outcome"), ARTICLES)
def test_each_gate_question_gives_the_articles_outcome(invoice_fields, question, answer, outcome):
    a = _assessed(
        invoice_fields,
        gate_questions={question: {"answer": answer, "note": "seen in the PoC", "owner": "Eve"}},
    )
    assert a.outcome == outcome
    check = next(c for c in a.decision.checks if c.name == f"question_{question}")
    text = load_checklists().question(question).text
    assert check.reason.startswith(text) and "(Eve): seen in the PoC." in check.reason
    if outcome == "No-go":
        assert a.decision.main_reason == check.reason


def test_addressable_data_quality_is_a_conditional_go_naming_the_issues(invoice_fields):
    a = _assessed(
        invoice_fields,
        gate_questions={
            "data_quality_addressable": {
                "answer": "yes",
                "note": "4% duplicate invoices; vendor names unnormalised",
                "owner": "Data engineering",
            }
        },
    )
    assert a.outcome == "Conditional go"
    assert a.decision.conditions == (
        "Address the data quality issues found in the PoC: 4% duplicate invoices; vendor "
        "names unnormalised (owner: Data engineering).",
    )
    assert a.decision.condition_owners == ("Data engineering",)


def test_short_answers_and_booleans_read_as_yes_and_no(invoice_fields):
    """`yes`, `no`, `n/a` and YAML's true/false are answers; anything else is refused
    naming the question and what is allowed; an unknown question suggests the near one."""
    a = _assessed(invoice_fields, gate_questions={"team_skills": True, "change_ready": "no"})
    assert a.outcome == "Conditional go"
    with pytest.raises(ScenarioError, match="question 'team_skills' must be yes, no or n/a"):
        _assessed(invoice_fields, gate_questions={"team_skills": "probably"})
    with pytest.raises(ScenarioError, match=r"unknown question 'team_skill' \(did you mean"):
        _assessed(invoice_fields, gate_questions={"team_skill": "yes"})


@given(
    signed=st.sets(st.sampled_from(ROLES), max_size=2),
    owner=st.booleans(),
)
def test_a_go_is_impossible_while_a_sign_off_or_the_owner_is_missing(signed, owner):
    """Any missing role of the readiness review (or no production owner) keeps an
    otherwise passing initiative at a Conditional go, whose condition names what is
    missing; signed by every role and owned, it is a Go."""
    from conftest import INVOICE_VALUES

    data = {
        "name": "Invoice triage",
        **INVOICE_VALUES,
        "readiness": POC_DONE,
        "review_sign_offs": [
            {"name": f"Person {i}", "role": role.upper(), "date": "2026-12-01"}  # any case
            for i, role in enumerate(sorted(signed))
        ],
    }
    if owner:
        data["production_owner"] = {"name": "Dana Park"}
    a = assess(scenario_from_dict(data), samples=0)
    assert a.outcome == "Conditional go"
    missing = [role.lower() for role in ROLES if role not in signed]
    review = next(c for c in a.decision.conditions if c.startswith("Hold"))
    assert review.endswith(f"of the {', '.join(missing)}.")
    assert any(c.startswith("Name the production owner") for c in a.decision.conditions) != owner


def test_the_review_and_its_roles_come_from_the_gates_file(invoice_fields, tmp_path):
    """A team's gates file may name its own review roles and add a question; a review
    before an unknown phase is refused naming it."""
    own = tmp_path / "gates.yaml"
    own.write_text(
        yaml.safe_dump(
            {
                "readiness_review": {"roles": ["CISO"]},
                "gate_questions": [
                    {
                        "id": "vendor_exit",
                        "text": "Can we leave the model vendor within a quarter?",
                        "if_yes": "pass",
                        "if_no": "conditional",
                        "condition": "Plan the exit from the model vendor",
                    }
                ],
            }
        ),
        encoding="utf-8",
    )
    signed = [{"name": "Ira", "role": "CISO", "date": "2026-12-02"}]
    a = _assessed(
        invoice_fields,
        checklists=str(own),
        review_sign_offs=signed,
        gate_questions={"vendor_exit": "no"},
    )
    assert a.outcome == "Conditional go"
    assert a.decision.conditions == ("Plan the exit from the model vendor (owner: unassigned).",)
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump({"readiness_review": {"before_phase": "infra"}}), "utf-8")
    with pytest.raises(ConfigError, match="before unknown phase 'infra'"):
        load_checklists(bad)


def test_min_maturity_is_set_by_the_scenario_and_replaced_by_the_cli(
    invoice_fields, tmp_path, capsys
):
    """`min_maturity: 2` in the scenario asks for automated pipelines (two production
    readiness items): without them a Go becomes a Conditional go; `--min-maturity 1` on
    the command line replaces the scenario's own, and the JSON's rule says which held."""
    a = _assessed(invoice_fields, min_maturity=2)
    assert a.outcome == "Conditional go" and a.decision.rule.min_maturity == 2
    assert any("MLOps maturity level 2" in c for c in a.decision.conditions)
    done = {**POC_DONE, "versioned_artifact": "done", "automated_pipelines": "done"}
    assert _assessed(invoice_fields, min_maturity=2, readiness=done).outcome == "Go"
    path = tmp_path / "mature.yaml"
    data = {**invoice_fields, **GO_READY, "readiness": POC_DONE, "min_maturity": 2}
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    assert main(["run", str(path), "--json"]) == 0
    first = json.loads(capsys.readouterr().out)
    assert first["decision"] == "Conditional go" and first["decision_rule"]["min_maturity"] == 2
    assert main(["run", str(path), "--json", "--min-maturity", "1"]) == 0
    second = json.loads(capsys.readouterr().out)
    assert second["decision"] == "Go" and second["decision_rule"]["min_maturity"] == 1
    with pytest.raises(SystemExit) as refused:
        main(["run", str(path), "--min-maturity", "4"])
    assert refused.value.code == 2
    assert "--min-maturity: invalid choice: 4" in capsys.readouterr().err


def test_the_new_sections_survive_a_round_trip(invoice_fields):
    data = {
        **invoice_fields,
        **GO_READY,
        "gate_questions": {
            "team_skills": "yes",
            "data_quality_addressable": {"answer": "yes", "note": "dupes"},
        },
        "min_maturity": 2,
    }
    scenario = scenario_from_dict(data)
    again = scenario_from_dict(scenario.to_dict())
    assert again == scenario
    assert again.to_dict()["gate_questions"]["team_skills"] == "yes"
    assert again.to_dict()["review_sign_offs"][0] == GO_READY["review_sign_offs"][0]


# --- the app and links ---------------------------------------------------------------------


def test_the_app_answers_gate_questions_and_sets_the_maturity_a_go_needs(invoice_fields):
    """The workbook model (what the app's Readiness tab drives): answering a question
    moves the decision, taking the answer back restores it, and the maturity level is a
    scenario option like any other; a link carries all of them."""
    from roi.app.link import query_parameters, share_query
    from roi.app.model import WorkbookModel
    from roi.reports.notebook import scenario_from_parameters

    data = {**invoice_fields, **GO_READY, "readiness": POC_DONE}
    model = WorkbookModel(scenario_from_dict(data), samples=0)
    assert model.assessment.outcome == "Go"
    assert [q for q, _ in model.gate_questions()][:2] == ["team_skills", "data_available"]
    assert model.set_gate_answer("traditional_software_better", answer="yes")
    assert model.assessment.outcome == "No-go"
    assert model.set_gate_answer("traditional_software_better", note="rules cover 95%")
    assert model.scenario.gate_questions["traditional_software_better"].note == "rules cover 95%"
    assert model.set_gate_answer("traditional_software_better", answer="", note="")
    assert model.assessment.outcome == "Go" and not model.scenario.gate_questions
    assert model.set_gate_answer("integration_assessed", answer="no")
    assert model.set_option("min_maturity", 3)
    assert model.assessment.decision.rule.min_maturity == 3
    assert model.assessment.outcome == "Conditional go"
    opened = scenario_from_parameters(query_parameters(share_query(model.scenario)))
    assert opened.gate_questions == model.scenario.gate_questions
    assert opened.min_maturity == 3
    assert opened.review_sign_offs == model.scenario.review_sign_offs
    assert opened.production_owner == model.scenario.production_owner
