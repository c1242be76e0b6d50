"""The validated Scenario: every rule rejects bad input with a message naming the field,
the value and what is allowed; valid input (ranges, Unicode) is kept exactly."""

from __future__ import annotations

import math
from datetime import date

import pytest
from hypothesis import given
from pydantic import ValidationError
from strategies import FAST, scenario_fields, scenarios

from roi.exceptions import ScenarioError
from roi.scenario import (
    BENEFIT_FIELDS,
    FIELD_SPECS,
    REQUIRED_FIELDS,
    SCENARIO_KEYS,
    UNIT_ECONOMICS_FIELDS,
    Range,
    Scenario,
    scenario_from_dict,
)


def problems_of(fields: dict) -> ScenarioError:
    with pytest.raises(ScenarioError) as caught:
        scenario_from_dict(fields)
    return caught.value


def only_problem(fields: dict) -> str:
    """The text of the one problem the input has."""
    error = problems_of(fields)
    assert len(error.problems) == 1, str(error)
    assert str(error.problems[0]) in str(error)
    return str(error.problems[0])


# (changes to the valid example, the problem's text must hold each of these fragments:
# the field, the value as given, and the rule)
MALFORMED = {
    "negative": ({"users": -5}, ["'users'", "got -5", "must be a number >= 0"]),
    "negative cost": (
        {"build_cost": -1.5},
        ["'build_cost'", "got -1.5", "must be a number >= 0"],
    ),
    "NaN": (
        {"hourly_rate": math.nan},
        ["'hourly_rate'", "got nan", "must be a finite number (not NaN or infinity)"],
    ),
    "infinity": (
        {"model_cost_annual": math.inf},
        ["'model_cost_annual'", "got inf", "must be a finite number"],
    ),
    "negative infinity": (
        {"users": -math.inf},
        ["'users'", "got -inf", "must be a finite number"],
    ),
    "integer too large for a float": (
        {"users": 10**400},
        ["'users'", "got 1000000000", "must be a finite number"],
    ),
    "text where a number belongs": (
        {"tasks_per_day": "lots"},
        [
            "'tasks_per_day'",
            "got 'lots'",
            "must be a number (1500, 1,500, 2k, $70, 1.2M or 10%) or a range {low, likely, high}",
        ],
    ),
    "bool where a number belongs": (
        {"users": True},
        ["'users'", "got True", "must be a number"],
    ),
    "None where a number belongs": (
        {"users": None},
        ["'users'", "got None", "must be a number"],
    ),
    "list of two": (
        {"users": [1, 2]},
        ["'users'", "got [1, 2]", "must be a number or a range"],
    ),
    "range not ordered": (
        {"users": {"low": 300, "likely": 200, "high": 100}},
        [
            "'users'",
            "got {'low': 300, 'likely': 200, 'high': 100}",
            "range must have low <= likely <= high",
        ],
    ),
    "range missing a part": (
        {"users": {"low": 100, "high": 300}},
        ["'users'", "got {'low': 100, 'high': 300}", "range needs low, likely and high", "likely"],
    ),
    "range unknown key": (
        {"users": {"low": 1, "likley": 2, "high": 3}},
        ["'users'", "range has an unknown key 'likley' (did you mean 'likely'?)", "got {"],
    ),
    "range part negative": (
        {"users": {"low": -1, "likely": 2, "high": 3}},
        ["'users'", "'low': -1", "must be a number >= 0 (its low)"],
    ),
    "range part NaN": (
        {"users": {"low": math.nan, "likely": 2, "high": 3}},
        ["'users'", "'low': nan", "range low must be a finite number"],
    ),
    "range part text": (
        {"users": {"low": "x", "likely": 2, "high": 3}},
        ["'users'", "'low': 'x'", "range low must be a number"],
    ),
    "range part bool": (
        {"users": {"low": 1, "likely": True, "high": 3}},
        ["'users'", "'likely': True", "range likely must be a number"],
    ),
    "range unknown distribution": (
        {"users": {"low": 1, "likely": 2, "high": 3, "distribution": "normal"}},
        ["'users'", "'distribution': 'normal'", "must be one of: pert, triangular, uniform"],
    ),
    "range above the maximum": (
        {"discount_rate": {"low": 0.05, "likely": 0.1, "high": 120}},
        ["'discount_rate'", "'high': 120", "must be a percent from 0% to 100% (12% or 12 is 12%"],
    ),
    "misspelled key": (
        {"userz": 200},
        ["'userz'", "got 200", "is not a scenario field (did you mean 'users'?)"],
    ),
    "workdays 0": (
        {"workdays_per_year": 0},
        ["'workdays_per_year'", "got 0", "must be a number from 1 to 366"],
    ),
    "workdays 367": (
        {"workdays_per_year": 367},
        ["'workdays_per_year'", "got 367", "must be a number from 1 to 366"],
    ),
    "horizon 0": (
        {"horizon_months": 0},
        ["'horizon_months'", "got 0", "must be a whole number from 1 to 120"],
    ),
    "horizon 121": (
        {"horizon_months": 121},
        ["'horizon_months'", "got 121", "must be a whole number from 1 to 120"],
    ),
    "horizon not whole": (
        {"horizon_months": 12.5},
        ["'horizon_months'", "got 12.5", "must be a whole number from 1 to 120"],
    ),
    "discount rate 150 (read as 150%)": (
        {"discount_rate": 150},
        ["'discount_rate'", "got 150", "must be a percent from 0% to 100%"],
    ),
    "discount rate typed as 1 (1% or 100%?)": (
        {"discount_rate": "1"},
        ["'discount_rate'", "got '1'", "is ambiguous for a percent: write 1% or 100%"],
    ),
    "a European amount": (
        {"build_cost": "1,5M"},
        ["'build_cost'", "got '1,5M'", "reads two ways: 1.5M with a decimal comma, or 15M"],
    ),
    "a thousands point": (
        {"users": "250.000"},
        ["'users'", "got '250.000'", "reads two ways: 250 with a decimal point, or 250,000"],
    ),
    "a percent where people are counted": (
        {"users": "10%"},
        ["'users'", "got '10%'", "is a percent; this field is in people"],
    ),
    "payback threshold 0": (
        {"payback_threshold_months": 0},
        ["'payback_threshold_months'", "got 0", "must be a number > 0"],
    ),
    "adoption negative": (
        {"adoption_months": -1},
        ["'adoption_months'", "got -1", "must be a number >= 0"],
    ),
    "more minutes saved than a day has": (
        {"tasks_per_day": 100, "minutes_saved_per_task": 15},
        [
            "'tasks_per_day x minutes_saved_per_task'",
            "100 x 15 = 1500 minutes",
            "must not exceed 1440 minutes (24 hours) saved per user per day",
        ],
    ),
    "a day's worth at the top of the ranges": (
        {"tasks_per_day": {"low": 10, "likely": 20, "high": 100}, "minutes_saved_per_task": 15},
        ["'tasks_per_day x minutes_saved_per_task'", "100 x 15 = 1500", "must not exceed 1440"],
    ),
    "blank name": ({"name": "   "}, ["'name'", "got '   '", "must be non-empty text"]),
    "name not text": ({"name": ["a"]}, ["'name'", "got ['a']", "must be text"]),
    "governance misspelled": (
        {"governance": "paralel"},
        ["'governance'", "got 'paralel'", "must be one of: parallel, sequential or end"],
    ),
    "unknown phase": (
        {"phase_weeks": {"planing": 2}},
        ["'phase_weeks'", "unknown phase 'planing' (did you mean 'planning'?)", "got {"],
    ),
    "negative phase weeks": (
        {"phase_weeks": {"planning": -2}},
        ["'phase_weeks'", "got {'planning': -2}", "must be a number from 0 to 520"],
    ),
    "phase weeks longer than 10 years": (
        {"phase_weeks": {"rollout": 1e6}},
        ["'phase_weeks'", "got {'rollout': 1000000.0}", "must be a number from 0 to 520"],
    ),
    "note for an unknown field": (
        {"notes": {"userz": "HR report"}},
        ["'notes'", "unknown field 'userz' (did you mean 'users'?)", "got {'userz'"],
    ),
    "start date not a date": (
        {"start_date": "next spring"},
        ["'start_date'", "got 'next spring'", "must be a date like 2026-01-31"],
    ),
    "start date out of range": (
        {"start_date": "9999-12-01"},
        ["'start_date'", "got '9999-12-01'", "must be a date from 1900-01-01 to 2999-12-31"],
    ),
    "PoC weeks 0": ({"poc_weeks": 0}, ["'poc_weeks'", "got 0", "must be a number > 0"]),
}


@pytest.mark.parametrize("case", sorted(MALFORMED))
def test_malformed_input_names_field_value_and_rule(invoice_fields, case):
    """Each rule of the issue's table rejects bad input with one clear problem."""
    changes, fragments = MALFORMED[case]
    text = only_problem({**invoice_fields, **changes})
    for fragment in fragments:
        assert fragment in text, f"{fragment!r} not in {text!r}"


@pytest.mark.parametrize("field", REQUIRED_FIELDS)
def test_missing_required_field(invoice_fields, field):
    """Leaving out a field without a default names it as required."""
    del invoice_fields[field]
    assert only_problem(invoice_fields) == f"'{field}' is required"


def test_optional_fields_take_their_defaults(invoice_fields):
    """Workdays 230, revenue 0, threshold 12, ramp 0, discount 10%, horizon 36, no
    fallbacks and no review time."""
    for field, spec in FIELD_SPECS.items():
        if not spec.required:
            invoice_fields.pop(field, None)
    scenario = scenario_from_dict(invoice_fields)
    extras = {f: FIELD_SPECS[f].default for f in (*BENEFIT_FIELDS, *UNIT_ECONOMICS_FIELDS)}
    assert extras["capacity_realised"] == 1.0 and extras["requests_per_task"] == 1.0
    assert extras["price_per_million_input_tokens"] == 0.0
    assert scenario.point_values() == {
        **extras,
        **{f: float(v) for f, v in invoice_fields.items() if f != "name"},
        "workdays_per_year": 230.0,
        "incremental_revenue": 0.0,
        "payback_threshold_months": 12.0,
        "adoption_months": 0.0,
        "discount_rate": 0.10,
        "horizon_months": 36.0,
        "fallback_rate": 0.0,
        "review_minutes_per_fallback": 0.0,
    }


def test_every_problem_is_listed_at_once(invoice_fields):
    """A misspelled key, a negative, text for a number, a bad range and a missing field
    all come back in one error, each on its own line."""
    del invoice_fields["build_cost"]
    error = problems_of(
        {
            **invoice_fields,
            "userz": 3,
            "users": -1,
            "hourly_rate": "abc",
            "change_cost": {"low": 3, "likely": 2, "high": 1},
        }
    )
    fields = [p.field for p in error.problems]
    assert sorted(fields) == ["build_cost", "change_cost", "hourly_rate", "users", "userz"]
    text = str(error)
    assert text.startswith("5 problems in the scenario input:")
    assert len(text.splitlines()) == 6


def test_a_mapping_is_required():
    """A list, a number, text or nothing instead of a mapping says what it got."""
    for data, kind in [
        ([1, 2], "a list"),
        (42, "a number (42)"),
        ("hello", "text ('hello')"),
        (None, "empty"),
    ]:
        text = only_problem_of_non_mapping(data)
        assert text == f"file must hold a mapping of scenario fields, but it is {kind}"


def only_problem_of_non_mapping(data) -> str:
    with pytest.raises(ScenarioError) as caught:
        scenario_from_dict(data)
    (problem,) = caught.value.problems
    return str(problem)


def test_source_and_row_prefix_every_problem(invoice_fields):
    """Problems name the file and row they come from."""
    with pytest.raises(ScenarioError) as caught:
        scenario_from_dict({**invoice_fields, "users": -1}, source="plan.csv", row=3)
    assert str(caught.value.problems[0]) == "plan.csv row 3: 'users' must be a number >= 0: got -1"


def test_scenario_error_is_a_value_error(invoice_fields):
    """Callers that catch ValueError catch bad scenarios too."""
    with pytest.raises(ValueError):
        Scenario(**{**invoice_fields, "users": -1})


def test_direct_construction_raises_scenario_error_not_pydantic(invoice_fields):
    """Scenario(...) itself translates pydantic's errors into ours."""
    with pytest.raises(ScenarioError) as caught:
        Scenario(**{**invoice_fields, "users": "many"})
    assert not isinstance(caught.value, ValidationError)
    assert "'users' must be a number" in str(caught.value)


def test_the_example_validates_to_the_numbers_given(invoice_fields):
    """Numbers are kept as floats; name, defaults and optional sections as given."""
    scenario = scenario_from_dict(invoice_fields)
    assert scenario.users == 200.0 and isinstance(scenario.users, float)
    assert scenario.value("build_cost") == 250_000
    assert scenario.governance == "parallel"
    assert not scenario.is_uncertain


def test_numeric_text_and_ranges_as_lists_are_accepted(invoice_fields):
    """'12' (as a CSV cell holds it) is 12; [1, 2, 3] is a range low/likely/high."""
    scenario = scenario_from_dict({**invoice_fields, "users": "12", "hourly_rate": [40, 55, 70]})
    assert scenario.users == 12.0
    assert scenario.hourly_rate == Range(low=40, likely=55, high=70)
    assert scenario.value("hourly_rate") == 55
    assert scenario.ranges() == {"hourly_rate": scenario.hourly_rate}
    assert scenario.is_uncertain


def test_unicode_name_and_number_name(invoice_fields):
    """Any Unicode text is a name, trimmed; a number given as a name becomes text."""
    assert scenario_from_dict({**invoice_fields, "name": " Rechnungs-Triage 請求書 🚀 "}).name == (
        "Rechnungs-Triage 請求書 🚀"
    )
    assert scenario_from_dict({**invoice_fields, "name": 2026}).name == "2026"


def test_scenario_is_frozen_and_evolve_validates(invoice_fields):
    """A changed scenario is a new, validated one; the original is untouched."""
    scenario = scenario_from_dict(invoice_fields)
    with pytest.raises(ValidationError):
        scenario.users = 1  # type: ignore[misc]
    bigger = scenario.evolve(users=300)
    assert (scenario.users, bigger.users) == (200, 300)
    with pytest.raises(ScenarioError, match="'users' must be a number >= 0: got -3"):
        scenario.evolve(users=-3)


def test_a_scenario_is_a_value_its_mappings_cannot_change_and_it_hashes(invoice_fields):
    """Issue 29: the "frozen" scenario's mappings could be changed in place
    (`scenario.readiness.clear()` worked) and it could not be hashed. Every mapping is
    now fixed once validated, defaults included; equal scenarios hash alike; pickling,
    deep copies and YAML round trips keep it."""
    import copy
    import pickle

    import yaml

    fields = {
        **invoice_fields,
        "readiness": {"gap_notebook_to_pipeline": "open"},
        "phase_weeks": {"rollout": {"low": 2, "likely": 3, "high": 6}},
        "notes": {"users": "HR report"},
        "rate_card": {"Tech lead": 5200},
        "gate_probabilities": {2: 0.8},
        "alternative": {
            "name": "Rules",
            "minutes_saved_per_task": {"low": 1, "likely": 2, "high": 3},
        },
    }
    scenario = scenario_from_dict(fields)
    bare = scenario_from_dict(invoice_fields)  # every mapping at its default
    changes = [
        lambda: scenario.readiness.clear(),
        lambda: scenario.phase_weeks.update(rollout=9),
        lambda: scenario.notes.__setitem__("users", "edited"),
        lambda: scenario.rate_card.pop("Tech lead"),
        lambda: scenario.gate_probabilities.setdefault(3, 0.5),
        lambda: scenario.alternative["minutes_saved_per_task"].__delitem__("low"),
        lambda: bare.readiness.__setitem__("gap_notebook_to_pipeline", "open"),
        lambda: bare.gate_questions.popitem(),
    ]
    for change in changes:
        with pytest.raises(TypeError, match="cannot change"):
            change()
    assert scenario.readiness["gap_notebook_to_pipeline"].status == "open"
    assert scenario.value("users") == 200 and not bare.readiness
    again = scenario_from_dict(fields)
    assert again == scenario and hash(again) == hash(scenario)
    assert hash(bare) != hash(scenario)
    assert len({scenario, again, bare}) == 2
    assert pickle.loads(pickle.dumps(scenario)) == scenario == copy.deepcopy(scenario)
    assert scenario_from_dict(yaml.safe_load(yaml.safe_dump(scenario.to_dict()))) == scenario
    mutable = dict(scenario.notes)
    mutable["users"] = "a copy of one's own"
    assert scenario.notes["users"] == "HR report"


def test_optional_sections(invoice_fields):
    """Dates, PoC weeks, governance mode, phase overrides and notes are validated and kept."""
    scenario = scenario_from_dict(
        {
            **invoice_fields,
            "start_date": "2026-01-05",
            "poc_weeks": 5,
            "governance": "sequential",
            "phase_weeks": {"rollout": {"low": 2, "likely": 3, "high": 6}},
            "notes": {"users": "HR report", "name": "from the PoC deck"},
            "description": "Routes invoices.",
        }
    )
    assert scenario.start_date == date(2026, 1, 5)
    assert scenario.poc_weeks == 5
    assert scenario.phase_weeks == {"rollout": Range(low=2, likely=3, high=6)}
    assert scenario.notes["users"] == "HR report"
    assert scenario.is_uncertain


def test_file_keys_are_the_contract():
    """The flat field names of the issue, in order, then the optional sections."""
    assert SCENARIO_KEYS[:16] == (
        "name",
        "users",
        "tasks_per_day",
        "minutes_saved_per_task",
        "hourly_rate",
        "workdays_per_year",
        "incremental_revenue",
        "platform_cost_annual",
        "model_cost_annual",
        "support_cost_annual",
        "build_cost",
        "change_cost",
        "payback_threshold_months",
        "adoption_months",
        "discount_rate",
        "horizon_months",
    )


@given(fields=scenario_fields())
@FAST
def test_valid_fields_always_validate_and_keep_their_values(fields):
    """Any input the rules allow is accepted, its numbers and ranges unchanged."""
    scenario = Scenario(**fields)
    for field in FIELD_SPECS:
        given_value = fields[field]
        if isinstance(given_value, Range):
            assert getattr(scenario, field) == given_value
        else:
            assert getattr(scenario, field) == float(given_value)


@given(scenario=scenarios())
@FAST
def test_to_dict_round_trips(scenario):
    """scenario_from_dict(s.to_dict()) == s, for ranges, Unicode names and optional sections."""
    assert scenario_from_dict(scenario.to_dict()) == scenario


def test_day_rule_is_listed_with_other_problems(invoice_fields):
    """100 tasks x 15 minutes > 1,440 is reported alongside a negative user count, not
    only after it is fixed; negative tasks are reported as negative, not as a long day."""
    error = problems_of(
        {**invoice_fields, "users": -1, "tasks_per_day": 100, "minutes_saved_per_task": 15}
    )
    assert [str(p) for p in error.problems] == [
        "'users' must be a number >= 0: got -1",
        "'tasks_per_day x minutes_saved_per_task' must not exceed 1440 minutes (24 hours) "
        "saved per user per day: got 100 x 15 = 1500 minutes",
    ]
    error = problems_of({**invoice_fields, "tasks_per_day": -100, "minutes_saved_per_task": -15})
    assert [p.field for p in error.problems] == ["tasks_per_day", "minutes_saved_per_task"]


def test_a_description_is_stripped_as_a_table_cell_or_a_link_would_be(invoice_fields):
    """Hypothesis found a description of " " that a link (like a CSV cell) reads back as
    none; every source now strips it, so the scenario is the same wherever it came from."""
    from roi.scenario import scenario_from_dict

    assert (
        scenario_from_dict({**invoice_fields, "description": "  Triage  "}).description == "Triage"
    )
    assert scenario_from_dict({**invoice_fields, "description": " "}).description == ""
