"""One assessment behind every screen: roi.assess and what each front end shows of it.

The property at the heart of issue 9: for any valid scenario (with or without ranges,
with any readiness answers, any sample count and seed), `roi run --json`, the HTML memo
written by `roi memo`, the batch's summary.csv and portfolio.html, and the app's model
state the same decision and the same headline numbers on the same basis. Each front end
is driven from the scenario file as its user would; the expected values come from one
call of `roi.assess`.
"""

from __future__ import annotations

import html as html_lib
import json
import math
import re
import tempfile
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from strategies import readiness_answers, scenario_fields

from roi.app.model import WorkbookModel
from roi.assess import HEADLINES, MONTE_CARLO_JSON_KEYS, assess
from roi.batch import BatchOptions, run_batch
from roi.cli import main
from roi.files import load_scenario, save_scenario
from roi.formatting import money, months, share
from roi.resources import EXAMPLE_SCENARIO
from roi.scenario import Scenario

FORMAT = {"money": money, "months": months}


@st.composite
def assessed_inputs(draw: st.DrawFn) -> tuple[Scenario, int, int]:
    """A valid scenario with readiness answers, a small sample count (0: none) and a seed."""
    fields = draw(scenario_fields(with_ranges=draw(st.booleans())))
    fields["readiness"] = draw(readiness_answers())
    samples = draw(st.sampled_from([0, 200, 500]))
    seed = draw(st.integers(0, 2**31 - 1))
    return Scenario(**fields), samples, seed


def _cli_json(path: Path, samples: int, seed: int, capsys) -> dict:
    code = main(["run", str(path), "--json", "--samples", str(samples), "--seed", str(seed)])
    out = capsys.readouterr().out
    assert code == 0, out
    (line,) = out.splitlines()
    return json.loads(line)


def _memo_html(path: Path, out: Path, samples: int, seed: int, capsys) -> str:
    args = ["memo", str(path), "-o", str(out), "--samples", str(samples), "--seed", str(seed)]
    assert main([*args, "--date", "2026-01-05"]) == 0
    capsys.readouterr()
    (memo,) = out.glob("*.html")
    return memo.read_text(encoding="utf-8")


def _memo_card(page: str, key: str) -> tuple[str, str]:
    """(label, value) of one headline card in the HTML memo, unescaped."""
    card = re.search(
        rf'data-metric="{key}">\s*<div class="label">([^<]*)</div>\s*<div class="value">([^<]*)<',
        page,
    )
    assert card, key
    return html_lib.unescape(card.group(1)), html_lib.unescape(card.group(2))


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(inputs=assessed_inputs())
def test_every_front_end_states_the_same_decision_and_numbers(inputs, capsys):
    scenario, samples, seed = inputs
    expected = assess(scenario, samples=samples, seed=seed)
    contract = json.loads(json.dumps(expected.to_dict(), allow_nan=False))
    basis = "P50" if scenario.is_uncertain and samples else "likely"
    assert expected.basis == contract["basis"] == basis
    headline = {h.key: h for h in expected.headlines()}
    # The headline payback and NPV are the ones the decision tests, on its basis (the
    # cash flow with its ramp, or simple where the scenario asks; NPV at the decision).
    assert headline["payback_months"].value == expected.decision.payback_months
    assert headline["npv"].value == expected.decision.npv
    assert contract["headline"]["payback_months"]["value"] == expected.decision.payback_months

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        path = save_scenario(scenario, folder / "scenario.yaml")
        assert load_scenario(path) == scenario  # the file holds exactly these inputs

        # roi run --json: the contract itself.
        assert _cli_json(path, samples, seed, capsys) == contract

        # roi memo: the decision word, the reasons, each card's label and value.
        page = _memo_html(path, folder / "memo", samples, seed, capsys)
        assert re.search(r'id="decision">([^<]*)<', page).group(1) == expected.outcome
        reasons = re.search(r'id="reasons">(.*?)</ul>', page, re.S).group(1)
        shown = [html_lib.unescape(r) for r in re.findall(r"<li[^>]*>([^<]*)</li>", reasons)]
        assert sorted(shown) == sorted(expected.decision.reasons)
        for key, label, kind in HEADLINES:
            card_label, value = _memo_card(page, key)
            assert card_label == label + (" (P50)" if basis == "P50" else "")
            assert value == FORMAT[kind](headline[key].value)

        # roi batch (no notebooks): summary.csv and portfolio.html.
        options = BatchOptions(
            folder / "batch", notebook=None, formats=(), samples=samples, seed=seed, progress=False
        )
        report = run_batch(path, options)
        assert report.exit_code == 0, [o.error for o in report.outcomes]
        (row,) = pd.read_csv(folder / "batch" / "summary.csv").to_dict("records")
        assert row["decision"] == expected.outcome
        assert row["basis"] == basis
        for key, _, _ in HEADLINES:
            value = headline[key].value
            if value is None:
                assert math.isnan(row[f"headline_{key}"])
            else:
                assert row[f"headline_{key}"] == value  # exact: the CSV keeps every digit
        if expected.simulation is None:
            assert math.isnan(row["prob_meets_threshold"])
        else:
            assert row["prob_meets_threshold"] == contract["prob_meets_threshold"]
        portfolio = html_lib.unescape((folder / "batch" / "portfolio.html").read_text())
        assert f">{expected.outcome}<" in portfolio
        assert money(headline["npv"].value) in portfolio

    # The app: the banner and the KPI cards.
    model = WorkbookModel(scenario, samples=samples, seed=seed)
    assert model.verdict.outcome == expected.outcome
    assert model.verdict.reasons == expected.decision.reasons
    assert model.verdict.conditions == expected.decision.conditions
    cards = {k.key: k for k in model.kpis()}
    for key, label, kind in HEADLINES:
        assert cards[key].label == f"{label} ({basis})"
        assert cards[key].value == FORMAT[kind](headline[key].value)
    assert cards["prob_meets_threshold"].value == share(contract.get("prob_meets_threshold"))


def test_the_example_is_the_same_initiative_on_every_path(capsys):
    """The built-in example, worked through the CLI and the app, with its readiness:
    one PoC exit item open makes it a Conditional go (see the example's readiness)."""
    expected = assess(load_scenario(EXAMPLE_SCENARIO))
    assert expected.outcome == "Conditional go"
    assert expected.decision.conditions[0].startswith("Close: A product owner")
    model = WorkbookModel(load_scenario(EXAMPLE_SCENARIO))
    assert model.verdict.outcome == expected.outcome
    shown = _cli_json(EXAMPLE_SCENARIO, 20_000, 0, capsys)
    assert shown["decision"] == expected.outcome
    assert shown["conditions"] == list(expected.decision.conditions)


@pytest.mark.parametrize("samples", [0, 300])
def test_json_contract_has_every_key_and_nothing_unserialisable(samples):
    scenario = load_scenario(EXAMPLE_SCENARIO).evolve(
        users={"low": 150, "likely": 200, "high": 260}
    )
    data = assess(scenario, samples=samples, seed=3).to_dict()
    json.dumps(data, allow_nan=False)  # raises on NaN or inf
    for key in ("decision", "reasons", "conditions", "kill_criteria", "checks", "basis"):
        assert key in data
    assert set(data["headline"]) == {key for key, _, _ in HEADLINES}
    assert all(key in data for key in MONTE_CARLO_JSON_KEYS) == bool(samples)
    assert data["basis"] == ("P50" if samples else "likely")


@pytest.mark.parametrize(
    "starter", ["invoice_triage", "sales_copilot", "support_ticket_classifier"]
)
def test_a_starter_in_the_portfolio_table_is_the_same_initiative(starter):
    """templates/scenarios/portfolio.csv holds the YAML starters' rows (readiness
    statuses included), so the batch and the memo of a starter agree."""
    from roi.files import load_scenarios
    from roi.resources import SCENARIOS

    own = load_scenario(SCENARIOS / f"{starter}.yaml")
    (row,) = [s for s in load_scenarios(SCENARIOS / "portfolio.csv") if s.name == own.name]
    mine, theirs = assess(own, samples=500, seed=4), assess(row, samples=500, seed=4)
    assert mine.outcome == theirs.outcome
    assert mine.headlines() == theirs.headlines()
    assert mine.to_dict()["success_criteria"] == theirs.to_dict()["success_criteria"]
    assert (own.poc_budget, own.poc_spent) == (row.poc_budget, row.poc_spent)
    assert {k: a.status for k, a in own.readiness.items()} == {
        k: a.status for k, a in row.readiness.items()
    }
