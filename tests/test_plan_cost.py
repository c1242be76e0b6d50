"""The plan's cost (`build_cost: plan`): people x weeks x loaded weekly rates, plus hidden
costs, in every channel, and sampled with the plan in the Monte Carlo.

Hand-worked values use roi/data/timeline.yaml's rate card (product manager 4,000, tech
lead 5,000, ML engineer 5,000, software engineer 4,200, data engineer 4,400, both DevOps /
MLOps and MLOps engineer 4,600 a week; 31,800 a week for the full team) and its 20%
hidden-cost share.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from roi.app.link import query_parameters, share_query
from roi.app.model import WorkbookModel
from roi.assess import assess
from roi.cli import main
from roi.evaluate import evaluate
from roi.exceptions import ScenarioError
from roi.files import load_scenario, load_scenarios
from roi.resources import SCENARIOS
from roi.scenario import scenario_from_dict
from roi.timeline import HIDDEN_COST_SHARE, PHASES, RATE_CARD, phase_rates, plan_cost
from roi.uncertainty import phase_column, sample_inputs

INVOICE = SCENARIOS / "invoice_triage.yaml"

# Each phase's weekly cost, by hand from the rate card: planning = PM + tech lead;
# refactoring = ML + software engineer; integration testing and rollout = all seven roles.
WEEK = {
    "planning": 4_000 + 5_000,
    "refactoring": 5_000 + 4_200,
    "data_pipeline": 4_400,
    "infrastructure": 4_600,
    "integration_testing": 4_000 + 5_000 + 5_000 + 4_200 + 4_400 + 4_600 + 4_600,
    "monitoring": 4_600,
    "rollout": 31_800,
}


def ten_numbers():
    """The scenario with only the numbers of the impact and payback formulas."""
    return scenario_from_dict(
        dict(
            name="Ten numbers",
            users=200,
            tasks_per_day=12,
            minutes_saved_per_task=4,
            hourly_rate=55,
            platform_cost_annual=60_000,
            model_cost_annual=36_000,
            support_cost_annual=40_000,
            build_cost="plan",
            change_cost=50_000,
        )
    )


def test_the_rate_card_prices_each_phase_as_worked_by_hand():
    assert phase_rates(RATE_CARD) == WEEK
    assert HIDDEN_COST_SHARE == 0.2


def test_the_default_plan_costs_its_person_weeks_at_the_rate_card_plus_hidden_costs():
    # Likely weeks 1.5, 3, 3, 2.5, 1.5, 1.5, 3: 13,500 + 27,600 + 13,200 + 11,500 +
    # 47,700 + 6,900 + 95,400 = 215,800 of labour; x 1.2 = 258,960.
    scenario = ten_numbers()
    assert scenario.build_cost_from_plan
    assert scenario.build_cost == pytest.approx(258_960.0)
    results = evaluate(scenario)
    assert results.one_time_cost == pytest.approx(258_960.0 + 50_000)
    assert results.plan_person_weeks == pytest.approx(47.5)


def test_an_open_notebook_gap_costs_its_re_engineering_weeks():
    # The invoice starter answers gap_notebook_to_pipeline open: refactoring takes 3 +
    # 19.5 weeks (13-26 added, likely midway), so 19.5 more weeks of ML and software
    # engineer: 215,800 + 19.5 x 9,200 = 395,200; x 1.2 = 474,240.
    starter = load_scenario(INVOICE)
    planned = starter.evolve(build_cost="plan")
    assert planned.build_cost == pytest.approx(474_240.0)
    closed = planned.evolve(
        readiness={**planned.to_dict()["readiness"], "gap_notebook_to_pipeline": "done"}
    )
    assert closed.build_cost == pytest.approx(258_960.0)
    a, b = assess(planned, samples=0).results, assess(closed, samples=0).results
    assert b.npv_at_decision > a.npv_at_decision  # cheaper and sooner


def test_a_typed_build_cost_wins_and_is_shown_beside_the_plans():
    starter = load_scenario(INVOICE)
    typed = starter.evolve(rate_card={"ML engineer": 9_000}, hidden_cost_share=0.5)
    assert not typed.build_cost_from_plan and typed.build_cost == 250_000
    shown = evaluate(typed).to_dict()
    assert shown["build_cost_basis"] == "typed" and shown["build_cost"] == 250_000
    # The plan itself at those rates: (395,200 + 22.5 x 4,000 more for the ML engineer
    # over refactoring and 4.5 weeks in the two full-team phases) x 1.5.
    labour = 395_200 + (22.5 + 4.5) * 4_000
    assert shown["plan_build_cost"] == pytest.approx(labour * 1.5)


def test_the_plan_word_survives_every_channel():
    """YAML's to_dict, a link, a CSV row and the app all keep `plan`, so the cost follows
    the plan after any edit rather than freezing at one amount."""
    planned = load_scenario(INVOICE).evolve(build_cost="plan", rate_card={"Tech lead": "$6k"})
    assert planned.to_dict()["build_cost"] == "plan"
    assert planned.to_dict()["rate_card"] == {"Tech lead": 6000}
    linked = scenario_from_dict(query_parameters(share_query(planned)))
    assert linked == planned and linked.build_cost_from_plan
    longer = planned.evolve(phase_weeks={"refactoring": 5})  # 2 weeks more, gap on top
    assert longer.build_cost - planned.build_cost == pytest.approx(2 * 9_200 * 1.2)


def test_a_table_cell_saying_plan_prices_the_plan(tmp_path):
    table = tmp_path / "plans.csv"
    table.write_text(
        "name,users,tasks_per_day,minutes_saved_per_task,hourly_rate,platform_cost_annual,"
        "model_cost_annual,support_cost_annual,build_cost,change_cost\n"
        "Ten numbers,200,12,4,55,60000,36000,40000,Plan,50000\n"
    )
    (scenario,) = load_scenarios(table)
    assert scenario.build_cost_from_plan and scenario.build_cost == pytest.approx(258_960.0)


@pytest.mark.parametrize(
    ("changes", "says"),
    [
        ({"build_cost": "plann"}, "or plan (the plan's cost"),
        ({"rate_card": {"ML engineeer": 5000}}, "did you mean 'ML engineer'"),
        ({"rate_card": {"ML engineer": -1}}, "must be dollars a week >= 0"),
        ({"rate_card": "5000"}, "must be a mapping of role to loaded weekly rate"),
        ({"hidden_cost_share": "150%"}, "must be a share from 0 to 1"),
    ],
)
def test_bad_plan_inputs_are_refused_naming_the_field(changes, says):
    with pytest.raises(ScenarioError) as error:
        ten_numbers().evolve(**changes)
    assert says in str(error.value)
    assert next(iter(changes)) in str(error.value)


weeks_strategy = st.fixed_dictionaries({p.id: st.floats(0, 60, allow_nan=False) for p in PHASES})


@settings(max_examples=60, deadline=None)
@given(weeks=weeks_strategy, phase=st.sampled_from([p.id for p in PHASES]), slip=st.floats(0, 30))
def test_a_slip_costs_its_people_exactly_and_never_less(weeks, phase, slip):
    share = 0.2
    before = float(plan_cost(weeks, RATE_CARD, share))
    after = float(plan_cost({**weeks, phase: weeks[phase] + slip}, RATE_CARD, share))
    assert after >= before
    assert after - before == pytest.approx(slip * WEEK[phase] * (1 + share), rel=1e-9, abs=1e-6)


@settings(max_examples=25, deadline=None)
@given(
    profile=st.sampled_from(["full", "well_scoped"]),
    refactoring=st.one_of(st.none(), st.floats(0.5, 40)),
    gap=st.sampled_from(["open", "done"]),
)
def test_closing_the_priced_gap_never_raises_the_plans_cost(profile, refactoring, gap):
    base = ten_numbers().evolve(
        plan_profile=profile,
        phase_weeks={} if refactoring is None else {"refactoring": refactoring},
        readiness={"gap_notebook_to_pipeline": gap},
    )
    closed = base.evolve(readiness={"gap_notebook_to_pipeline": "done"})
    assert closed.build_cost <= base.build_cost
    assert evaluate(closed).npv_at_decision >= evaluate(base).npv_at_decision - 1e-6


def test_the_monte_carlo_prices_each_samples_plan():
    """Every sample's build cost is the plan's cost at that sample's phase weeks (the open
    gap's sampled weeks included): a slow sample is a dear one."""
    planned = load_scenario(INVOICE).evolve(build_cost="plan")
    inputs, weeks = sample_inputs(planned, 4_096, seed=3)
    phase_weeks = {p.id: inputs[phase_column(p.id)] for p in PHASES}
    expected = plan_cost(phase_weeks, RATE_CARD, 0.2)
    np.testing.assert_allclose(inputs["build_cost"], expected, rtol=1e-12)
    assert np.corrcoef(inputs["build_cost"], weeks)[0, 1] > 0.5
    assert np.median(inputs["build_cost"]) == pytest.approx(planned.build_cost, rel=0.05)
    typed = load_scenario(INVOICE)
    typed_inputs, _ = sample_inputs(typed, 256, seed=3)
    assert np.all(typed_inputs["build_cost"] == 250_000)


def test_the_app_toggles_the_build_cost_between_typed_and_the_plan():
    model = WorkbookModel(load_scenario(INVOICE), samples=0)
    assert not model.build_cost_from_plan
    assert model.set_build_cost_from_plan(True)
    assert model.build_cost_from_plan and model.value("build_cost") == pytest.approx(474_240)
    assert model.results.one_time_cost == pytest.approx(474_240 + 50_000)
    assert model.set_option("plan_profile", "well_scoped")  # half the phases' weeks
    assert model.value("build_cost") < 474_240
    now = model.value("build_cost")
    assert model.set_build_cost_from_plan(False)  # typed: the plan's present cost
    assert not model.build_cost_from_plan and model.scenario.build_cost == pytest.approx(now)


def test_roi_run_says_the_build_cost_comes_from_the_plan(tmp_path, capsys):
    path = tmp_path / "plan.yaml"
    path.write_text(INVOICE.read_text().replace("build_cost: 250000", "build_cost: plan"))
    assert main(["run", str(path)]) == 0
    text = capsys.readouterr().out
    assert "build $474,240 from the plan: 86.5 person-weeks at roi's rate card" in text
    assert main(["run", str(path), "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    results = shown.get("results", shown)
    assert results["build_cost_basis"] == "plan"
    assert results["one_time_cost"] == pytest.approx(524_240)
