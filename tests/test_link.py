"""Tests for roi.app.link: a link opens exactly the inputs it was made from."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from strategies import scenarios

from roi.app.link import left_out, query_parameters, share_query, starters
from roi.exceptions import ScenarioError
from roi.files import load_scenario
from roi.reports.notebook import scenario_from_parameters
from roi.resources import SCENARIOS


def opened(query: str):
    return scenario_from_parameters(query_parameters(query))


def comparable(scenario) -> dict:
    """What a link carries: everything but the checklists file (a file on the server).
    Before: readiness owners and notes, source notes, correlations, holidays and phase
    overrides were dropped too, the starter's own included once readiness changed."""
    return {k: v for k, v in scenario.to_dict().items() if k != "checklists"}


@settings(max_examples=60, deadline=None)
@given(scenarios())
def test_a_link_without_a_starter_opens_the_same_scenario(scenario):
    assert comparable(opened(share_query(scenario))) == comparable(scenario)


@pytest.mark.parametrize("name", sorted(starters()))
def test_a_link_from_a_starter_carries_only_the_changes_and_keeps_the_rest(name):
    starter = load_scenario(SCENARIOS / name)
    base = (name, starter)
    assert share_query(starter, base) == f"scenario_file={name}"
    changed = starter.evolve(
        hourly_rate={"low": 30, "likely": starter.value("hourly_rate"), "high": 90},
        readiness={**dict(starter.readiness), "value_signal": "done"},
    )
    query = share_query(changed, base)
    assert query.startswith(f"scenario_file={name}&hourly_rate=")
    assert "users=" not in query  # unchanged fields stay in the starter
    back = opened(query)
    assert comparable(back) == comparable(changed)
    assert back.notes == starter.notes  # the starter's notes come along
    assert back.readiness == changed.readiness  # owners and notes too
    assert left_out(changed, base) == []


@pytest.mark.parametrize("name", sorted(starters()))
def test_every_field_of_every_starter_round_trips_through_a_link(name):
    """With and without the starter as base, the link opens exactly the starter, readiness
    owners and notes, source notes, correlations, holidays and phase overrides included."""
    starter = load_scenario(SCENARIOS / name)
    assert opened(share_query(starter)) == starter.evolve(checklists=None)
    noted = starter.evolve(
        notes={**starter.notes, "users": "HR headcount, May"},
        readiness={
            **dict(starter.readiness),
            "value_signal": {"status": "open", "owner": "Ana Q.", "note": "re-measure"},
        },
    )
    for base in ((name, starter), None):
        back = opened(share_query(noted, base))
        assert comparable(back) == comparable(noted), base
        assert back.readiness["value_signal"].owner == "Ana Q."


@pytest.mark.parametrize(
    "more",
    ["!!!", "eJzLSM3JyVcozy_KSQEAGgQEXQ", "eNpLy0nMBQAEYgGv"],
    ids=["not-base64", "not-a-mapping", "wrong-keys"],
)
def test_a_damaged_more_parameter_is_named(more):
    with pytest.raises(ScenarioError, match="'more'"):
        query_parameters(f"users=3&more={more}")


def test_a_more_parameter_that_unpacks_past_its_limit_is_refused():
    import base64
    import zlib

    bomb = base64.urlsafe_b64encode(zlib.compress(b'{"notes":"' + b"x" * 10_000_000)).decode()
    assert len(bomb) < 16_000
    with pytest.raises(ScenarioError, match="unpacks to more than 64,000 bytes"):
        query_parameters(f"more={bomb}")


@pytest.mark.parametrize(
    ("query", "field", "allowed"),
    [
        ("userz=3", "userz", "is not a scenario field"),
        ("users=1&users=2", "users", "is given twice"),
        ("notes=x", "notes", "cannot be set by a link"),
        ("scenario_file=../../etc/passwd", "scenario_file", "must name a starter"),
    ],
)
def test_a_bad_link_names_the_parameter_and_the_rule(query, field, allowed):
    with pytest.raises(ScenarioError) as error:
        query_parameters(query)
    (problem,) = error.value.problems
    assert problem.field == field and allowed in problem.allowed and problem.source == "link"


def test_a_link_value_is_checked_like_a_files():
    with pytest.raises(ScenarioError, match=r"'users' must be a number >= 0: got '-5'"):
        opened("scenario_file=invoice_triage.yaml&users=-5")


def test_the_servers_own_query_names_are_not_scenario_fields():
    """A shared server's ?token=... (and Voila's voila-* names) pass the link by."""
    assert query_parameters("token=abc&voila-theme=dark&users=3") == {"users": "3"}
