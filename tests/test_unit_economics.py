"""Issue 34: the model's unit economics, the four kinds of benefit, a named model's list
prices, and an alternative kept in its own file. Values are worked by hand in the
docstrings from the invoice example (200 users x 12 tasks x 230 days = 552,000 tasks a
year; 4 minutes saved at $55 an hour = $2,024,000 of time a year)."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from hypothesis import given
from strategies import FAST, point_values

from roi.assess import assess
from roi.cli import EXIT_BAD_INPUT, EXIT_OK, main
from roi.evaluate import compute, evaluate
from roi.exceptions import ScenarioError
from roi.files import load_scenario
from roi.presentation import present
from roi.prices import price_list
from roi.resources import EXAMPLE_SCENARIO
from roi.scenario import EXTRA_FIELDS, FIELD_SPECS, scenario_from_dict

PRICED = {
    "requests_per_task": 2,
    "input_tokens_per_request": 1_500,
    "output_tokens_per_request": 300,
    "price_per_million_input_tokens": 2.5,
    "price_per_million_output_tokens": 10,
    "serving_cost_per_1000_requests": 0.4,
}


@pytest.fixture(scope="module")
def base():
    return load_scenario(EXAMPLE_SCENARIO)


def run_main(capsys, *argv: str) -> tuple[int, str, str]:
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_cost_per_1000_inferences_is_the_model_cost_over_thousands_of_requests(base):
    """2 requests a task: 1,104,000 a year. Each costs 1,500 x $2.50 / 1e6 + 300 x $10 /
    1e6 + $0.40 / 1000 = $0.00375 + $0.003 + $0.0004 = $0.00715, so $7,893.60 a year on
    top of the $36,000 fixed: $43,893.60 / 1,104 thousand = $39.7587 per 1,000."""
    r = evaluate(base.evolve(**PRICED))
    assert r.requests_per_year == 1_104_000
    assert r.model_cost == pytest.approx(43_893.60, abs=1e-6)
    assert r.cost_per_1000_requests == pytest.approx(43_893.60 / 1_104, rel=1e-12)
    assert r.running_costs == pytest.approx(60_000 + 43_893.60 + 40_000, abs=1e-6)
    # The requests' cost comes straight off the annual impact.
    assert evaluate(base).annual_impact - r.annual_impact == pytest.approx(7_893.60, abs=1e-6)
    # Without unit economics it is the typed model cost over one request a task.
    assert evaluate(base).cost_per_1000_requests == pytest.approx(36_000 / 552, rel=1e-12)


def test_cost_per_1000_inferences_reaches_the_json_cli_and_its_p10_p90(base, tmp_path, capsys):
    """A range of output tokens gives the cost a P10-P90 (the Monte Carlo's), shown in
    `roi run` and carried as `cost_per_1000_inferences` in the JSON."""
    scenario = base.evolve(**{**PRICED, "output_tokens_per_request": [100, 300, 900]})
    a = assess(scenario, samples=4_000, seed=3)
    figure = present(a).unit_cost
    low = a.simulation.percentile("cost_per_1000_requests", 10)
    high = a.simulation.percentile("cost_per_1000_requests", 90)
    assert low < a.results.cost_per_1000_requests < high
    assert figure.spread_text == f"${low:,.2f} to ${high:,.2f}"
    path = tmp_path / "priced.yaml"
    path.write_text(json.dumps(scenario.to_dict()))
    code, out, _ = run_main(capsys, "run", path, "--json", "--samples", "4000", "--seed", "3")
    assert code == EXIT_OK
    data = json.loads(out)
    assert data["cost_per_1000_inferences"] == pytest.approx(
        a.results.cost_per_1000_requests, rel=1e-12
    )
    assert (data["cost_per_1000_inferences_p10"], data["cost_per_1000_inferences_p90"]) == (
        pytest.approx(low, rel=1e-12),
        pytest.approx(high, rel=1e-12),
    )
    code, out, _ = run_main(capsys, "run", path, "--samples", "4000", "--seed", "3")
    [line] = [x for x in out.splitlines() if x.startswith("  Cost per 1,000 inferences")]
    assert figure.text in line and f"P10-P90 {figure.spread_text}" in line


def test_benefits_by_kind_each_at_its_realised_share(base):
    """80% of the capacity realised: $1,619,200; protected revenue $500,000 x 60% =
    $300,000; reduced cost $120,000 x 75% = $90,000; mitigated risk 10% a year x
    $2,000,000 x 50% = $100,000. Net: 2,109,200 - 136,000 = $1,973,200."""
    scenario = base.evolve(
        capacity_realised=0.8,
        protected_revenue=500_000,
        protected_revenue_realised=0.6,
        reduced_cost=120_000,
        reduced_cost_realised=0.75,
        risk_probability=0.1,
        risk_loss_avoided=2_000_000,
        risk_realised=0.5,
    )
    r = evaluate(scenario)
    assert r.benefits_by_kind() == pytest.approx(
        {
            "unlocked_capacity": 1_619_200,
            "incremental_revenue": 0,
            "protected_revenue": 300_000,
            "reduced_cost": 90_000,
            "mitigated_risk": 100_000,
        }
    )
    assert r.annual_impact == pytest.approx(1_973_200)
    # Capacity in hours and people: 552,000 tasks x 4 min / 60 x 80% = 29,440 hours,
    # over 230 days x 8 hours = 16 full-time people.
    assert (r.hours_saved, r.fte_released) == pytest.approx((29_440, 16))
    kinds = {f.key: f.text for f in present(assess(scenario, samples=0)).benefits}
    assert kinds == {
        "unlocked_capacity": "$1,619,200",
        "protected_revenue": "$300,000",
        "reduced_cost": "$90,000",
        "mitigated_risk": "$100,000",
    }


def test_a_scenario_with_only_the_ten_numbers_gives_todays_figures(base):
    """Every new input at its default changes nothing: $1,888,000 a year as the articles'
    formula gives it, and the saved scenario does not list them."""
    r = evaluate(base)
    assert r.annual_impact == 1_888_000
    assert r.model_cost == 36_000 and r.benefits_by_kind()["unlocked_capacity"] == 2_024_000
    saved = base.to_dict()
    assert "capacity_realised" not in saved and "requests_per_task" not in saved


def test_a_named_model_takes_its_list_prices_and_refuses_other_prices(base):
    """`model: gpt-4o-mini` fills $0.15 and $0.60 a million from the dated list; typing a
    different price beside it is refused, naming both; an unknown name gets a suggestion."""
    data = {**base.to_dict(), "model": "gpt-4o-mini", "input_tokens_per_request": 1_000}
    data.pop("model_cost_annual")  # priced per request: the fixed part is 0 unless typed
    scenario = scenario_from_dict(data)
    listed = price_list()["gpt-4o-mini"]
    assert scenario.price_per_million_input_tokens == listed.input == 0.15
    assert scenario.price_per_million_output_tokens == listed.output == 0.60
    assert scenario.model_cost_annual == 0
    # 552,000 requests x 1,000 tokens x $0.15 / 1e6 = $82.80 a year.
    assert evaluate(scenario).model_cost == pytest.approx(82.80)
    assert scenario.evolve(users=300).model == "gpt-4o-mini"  # a round trip keeps it
    with pytest.raises(ScenarioError) as caught:
        scenario.evolve(price_per_million_input_tokens=3)
    [problem] = caught.value.problems
    assert problem.field == "price_per_million_input_tokens" and problem.value == 3
    assert "gpt-4o-mini's list price ($0.15 a million" in problem.allowed
    with pytest.raises(ScenarioError) as caught:
        scenario.evolve(model="gpt4o")
    assert "did you mean 'gpt-4o'?" in caught.value.problems[0].allowed


def test_a_price_list_of_ones_own_replaces_the_shipped_one(base, tmp_path):
    """`price_list: prices.yaml`, next to the scenario file, with a house model."""
    (tmp_path / "prices.yaml").write_text(
        "as_of: '2026-12-01'\nmodels:\n  house-llm: {input: 0.05, output: 0.2}\n"
    )
    data = {**base.to_dict(), "model": "house-llm", "price_list": "prices.yaml"}
    path = tmp_path / "s.yaml"
    path.write_text(json.dumps(data))
    scenario = load_scenario(path)
    assert (scenario.price_per_million_input_tokens, scenario.price_per_million_output_tokens) == (
        0.05,
        0.2,
    )
    path.write_text(json.dumps({**data, "model": "gpt-4o"}))  # only the shipped list has it
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path)
    assert "is not in the price list" in caught.value.problems[0].allowed


def test_an_alternative_in_its_own_file_is_read_next_to_the_scenario(base, tmp_path, capsys):
    """`alternative: rules.yaml` holds what the inline mapping holds; the cheaper rules
    engine of tests/test_decision.py gives the same No-go from a file. A missing file is
    refused at the CLI with exit 2, naming it."""
    (tmp_path / "rules.yaml").write_text(
        "name: Rules engine\nminutes_saved_per_task: 3.8\nmodel_cost_annual: 0\nbuild_cost: 80000\n"
    )
    path = tmp_path / "ai.yaml"
    path.write_text(json.dumps({**base.to_dict(), "alternative": "rules.yaml"}))
    a = assess(load_scenario(path), samples=0)
    assert a.outcome == "No-go"
    assert a.scenario.alternative == {
        "name": "Rules engine",
        "minutes_saved_per_task": 3.8,
        "model_cost_annual": 0.0,
        "build_cost": 80_000.0,
    }
    path.write_text(json.dumps({**base.to_dict(), "alternative": "missing.yaml"}))
    code, out, err = run_main(capsys, "run", path)
    assert code == EXIT_BAD_INPUT and out == ""
    assert "'alternative' names a file that cannot be read" in err and "missing.yaml" in err


def test_break_even_of_each_new_input_puts_payback_on_the_threshold(base):
    """The kill line of a unit-economics or benefit input: with it there, payback on the
    decision's basis equals the 12-month threshold (to 1e-9 of it)."""
    scenario = base.evolve(
        **PRICED, protected_revenue=200_000, capacity_realised=0.9, build_cost=1_500_000
    )
    rows = {row.field: row for row in evaluate(scenario).break_even}
    for field in (
        "input_tokens_per_request",
        "price_per_million_output_tokens",
        "capacity_realised",
    ):
        value = rows[field].value
        assert value is not None and math.isfinite(value), field
        at = evaluate(scenario.evolve(**{field: value}))
        assert at.decision_payback_months == pytest.approx(12, rel=1e-9), field
    assert rows["risk_realised"].value is None  # no risk given: it moves nothing
    assert rows["risk_realised"].note.startswith("does not change payback here")


def test_every_new_input_samples_as_a_range(base):
    """Ranges on the new inputs are sampled like any other: the model cost's samples
    follow from the sampled tokens, and the fixed part does not move."""
    scenario = base.evolve(**{**PRICED, "input_tokens_per_request": [500, 1_500, 4_000]})
    a = assess(scenario, samples=2_000, seed=1)
    tokens = a.simulation.inputs["input_tokens_per_request"]
    costs = a.simulation.outputs["model_cost"]
    expected = 36_000 + 1_104_000 * (tokens * 2.5 / 1e6 + 300 * 10 / 1e6 + 0.4 / 1000)
    np.testing.assert_allclose(costs, expected, rtol=1e-12)


@given(values=point_values())
@FAST
def test_cost_per_1000_is_the_model_cost_over_thousands_of_requests_for_any_input(values):
    """For any valid inputs: requests = users x tasks x requests per task x workdays, the
    model cost is the fixed part plus requests x cost per request, and the cost per
    1,000 is that over requests / 1,000 (none without requests)."""
    r = compute(values)
    v = values
    requests = v["users"] * v["tasks_per_day"] * v["requests_per_task"] * v["workdays_per_year"]
    per_request = (
        v["input_tokens_per_request"] * v["price_per_million_input_tokens"]
        + v["output_tokens_per_request"] * v["price_per_million_output_tokens"]
    ) / 1e6 + v["serving_cost_per_1000_requests"] / 1000
    model = v["model_cost_annual"] + requests * per_request
    assert float(r["requests_per_year"]) == pytest.approx(requests, rel=1e-12)
    assert float(r["model_cost"]) == pytest.approx(model, rel=1e-12, abs=1e-9)
    if requests > 0:
        assert float(r["cost_per_1000_requests"]) == pytest.approx(
            model / (requests / 1000), rel=1e-9
        )
    else:
        assert math.isnan(float(r["cost_per_1000_requests"]))


@given(values=point_values())
@FAST
def test_extra_inputs_at_their_defaults_change_no_figure(values):
    """Typing every new input at its default gives the same figures as leaving it out:
    the articles' formulas stand unless a scenario says otherwise."""
    left_out = {f: x for f, x in values.items() if f not in EXTRA_FIELDS}
    typed = {**left_out, **{f: FIELD_SPECS[f].default for f in EXTRA_FIELDS}}
    a, b = compute(left_out, 16), compute(typed, 16)
    for key, value in a.items():
        np.testing.assert_array_equal(value, b[key], err_msg=key)


def test_a_stated_benefit_share_can_be_a_kill_line_and_a_default_one_cannot(base):
    """With every eligible input listed (kill_inputs=20): 80% of the capacity realised
    has its kill line at its break-even. By hand: with the 3-month ramp, $300,000 plus 12
    months of $11,333 running costs must be earned in 10.5 months of full benefit, so
    $498,286 a year of the $2,024,000 time value: 24.6%. Left at its default 100% it is
    never a kill criterion, so starters read as before."""
    from roi.decision import DecisionRule

    every = DecisionRule(kill_inputs=20)
    stated = assess(base.evolve(capacity_realised=0.8), samples=0, rule=every)
    row = next(r for r in stated.results.break_even if r.field == "capacity_realised")
    assert row.value == pytest.approx(0.246188594, rel=1e-6)
    line = next(k for k in stated.decision.kill_criteria if "capacity realised" in k)
    assert line == (
        "Stop if capacity realised falls below 24.6% (break-even; the plan assumes 80.0%)."
    )
    default = assess(base, samples=0, rule=every)
    assert not any("capacity realised" in k for k in default.decision.kill_criteria)
