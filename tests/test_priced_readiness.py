"""Priced readiness (issue 33): a readiness item the articles price, answered open, moves
go-live, NPV at the decision and the gate odds; closing it is worth its price."""

from __future__ import annotations

import json

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from strategies import scenarios

from roi.assess import assess
from roi.evaluate import evaluate
from roi.exceptions import ConfigError
from roi.files import load_scenario
from roi.gates import load_checklists
from roi.resources import EXAMPLE_SCENARIO
from roi.scenario import scenario_from_dict
from roi.uncertainty import gap_column, simulate

GAP = "gap_notebook_to_pipeline"


def _answered(scenario, status: str):
    return scenario.evolve(readiness={**scenario.readiness, GAP: status})


@settings(max_examples=40, deadline=None)
@given(
    scenario=scenarios(),
    profile=st.sampled_from(["full", "well_scoped"]),
    governance=st.sampled_from(["parallel", "sequential", "end"]),
)
def test_closing_a_priced_item_never_lowers_npv_nor_delays_go_live(scenario, profile, governance):
    """For any scenario, plan profile and governance: with the notebook-to-pipeline gap
    done instead of open, the likely plan is shorter by the gap's likely 19.5 weeks
    (or less, when refactoring is off the critical path) and never longer. NPV at the
    decision is never lower for an initiative that makes money in every month it is live
    (no ramp, a positive monthly net): one that loses money once live loses less by
    going live later within a horizon counted from the decision (hypothesis found it;
    such an initiative is a No-go anyway)."""
    base = scenario.evolve(plan_profile=profile, governance=governance)
    open_, done = evaluate(_answered(base, "open")), evaluate(_answered(base, "done"))
    saved = open_.timeline.likely_weeks - done.timeline.likely_weeks
    assert -1e-9 <= saved <= 19.5 + 1e-9
    if base.value("adoption_months") == 0 and done.monthly_net_impact > 0:
        tolerance = 1e-9 * max(1.0, abs(open_.npv_at_decision))
        assert done.npv_at_decision >= open_.npv_at_decision - tolerance


def test_the_invoice_starters_open_gap_moves_p50_go_live_by_the_cited_range():
    """The starter answers the gap open: its P50 go-live is later than with the gap done
    by the articles' 3-6 months of re-engineering (13-26 weeks; refactoring is on the
    critical path), and each sample's added weeks lie in that range."""
    starter = load_scenario(EXAMPLE_SCENARIO)
    assert starter.readiness[GAP].status == "open"
    opened = simulate(starter, 8_192, 2)
    closed = simulate(_answered(starter, "done"), 8_192, 2)
    moved = opened.percentile("weeks_to_go_live", 50) - closed.percentile("weeks_to_go_live", 50)
    assert 13 <= moved <= 26
    added = opened.inputs[gap_column(GAP)]
    assert added.min() >= 13 and added.max() <= 26
    assert gap_column(GAP) not in closed.inputs
    assert opened.percentile("npv_at_decision", 50) < closed.percentile("npv_at_decision", 50)


def test_the_open_items_price_is_what_closing_it_gains(tmp_path, capsys):
    """The price ranks what closing each priced open item gains, on the likely values:
    the starter's gap takes 19.5 weeks off go-live (midway in 13-26) and adds the NPV at
    the decision the closed plan has over the open one; roi run prints it and its JSON
    carries it."""
    from roi.cli import main

    starter = load_scenario(EXAMPLE_SCENARIO)
    a = assess(starter, samples=0)
    [price] = a.evidence.item_prices
    closed = evaluate(_answered(starter, "done"))
    assert price.item == GAP and price.weeks == pytest.approx(19.5)
    assert price.npv_gain == pytest.approx(closed.npv_at_decision - a.results.npv_at_decision)
    assert price.npv_gain > 0
    assert "brings go-live 19.5 weeks sooner" in a.evidence.item_prices_sentence()
    assert main(["run", str(EXAMPLE_SCENARIO), "--json", "--samples", "0"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["open_item_prices"][0]["item"] == GAP
    assert data["open_item_prices"][0]["weeks"] == pytest.approx(19.5)
    assert main(["run", str(EXAMPLE_SCENARIO), "--samples", "0"]) == 0
    assert "  Open items' price          Open items' price (likely values): getting" in (
        capsys.readouterr().out
    )


def test_an_unanswered_item_is_not_priced_so_ten_numbers_give_todays_figures(invoice_fields):
    """Only an item answered open is priced: a scenario without readiness answers (the
    ten numbers alone) has the 16-week plan and no price list, as before."""
    plain = assess(scenario_from_dict(invoice_fields), samples=0)
    assert plain.results.timeline.likely_weeks == 16
    assert plain.evidence.item_prices == ()
    answered = assess(scenario_from_dict({**invoice_fields, "readiness": {GAP: "open"}}), samples=0)
    assert answered.results.timeline.likely_weeks == 35.5  # 16 + (13 + 26) / 2


def test_a_price_on_an_unknown_phase_is_refused(tmp_path):
    path = tmp_path / "gates.yaml"
    path.write_text(
        yaml.safe_dump(
            {
                "checklists": [
                    {
                        "id": "structural_gaps",
                        "items": [
                            {
                                "id": GAP,
                                "text": "Notebook code is a service",
                                "price": {"delay_weeks": [13, 26], "phase": "refactor"},
                            }
                        ],
                    }
                ]
            }
        ),
        encoding="utf-8",
    )
    with pytest.raises(ConfigError, match="priced on unknown phase 'refactor'"):
        load_checklists(path)
