"""WorkbookModel: what the app does, driven without widgets or a browser."""

from __future__ import annotations

import io
import json
import subprocess
import sys

import openpyxl
import pytest
import yaml
from conftest import SCENARIOS_DIR
from hypothesis import given, settings
from hypothesis import strategies as st
from strategies import field_values

from roi.app.model import (
    GROUPS,
    UNCERTAIN_FIELDS,
    WorkbookModel,
    control_for,
    range_bounds,
)
from roi.cli import main
from roi.decision import decide
from roi.evaluate import evaluate
from roi.exceptions import ScenarioError
from roi.files import load_scenario, load_scenarios, save_scenario
from roi.formatting import money, months, share
from roi.gates import readiness_status
from roi.scenario import NUMERIC_FIELDS, Range
from roi.uncertainty import simulate

SAMPLES = 2_000  # enough for the checks here, cheap enough for property tests


@pytest.fixture
def invoice(invoice_yaml):
    return load_scenario(invoice_yaml)


@pytest.fixture
def model(invoice):
    return WorkbookModel(invoice, samples=SAMPLES)


def test_model_module_does_not_import_ipywidgets():
    """The model is importable and usable where no widget library is loaded."""
    code = (
        "import sys, roi.app.model\n"
        "assert 'ipywidgets' not in sys.modules, 'roi.app.model imported ipywidgets'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_moving_users_recomputes_annual_impact_worked_by_hand(model):
    """100 users x 12 tasks x 4 min / 60 x $55 x 230 days - $136,000 costs = $876,000."""
    assert model.set_value("users", 100) is True
    assert model.valid
    assert model.results.annual_impact == pytest.approx(876_000)
    assert model.inputs["users"] == 100


@given(field=st.sampled_from(NUMERIC_FIELDS), data=st.data())
@settings(max_examples=150, deadline=None)
def test_any_allowed_value_gives_roi_results_for_the_changed_scenario(field, data):
    """For every numeric field and allowed value, the model shows evaluate(evolved scenario)."""
    invoice = load_scenario(SCENARIOS_DIR / "invoice_triage.yaml")
    value = data.draw(field_values(field))
    if field == "tasks_per_day":
        value = min(value, 1440 / 4)  # the example saves 4 minutes a task
    model = WorkbookModel(invoice, samples=200)
    assert model.set_value(field, value), model.errors
    expected = evaluate(invoice.evolve(**{field: value}))
    assert model.results.annual_impact == pytest.approx(expected.annual_impact, rel=1e-12)
    assert model.results.npv == pytest.approx(expected.npv, rel=1e-12)
    assert model.results.payback_months == expected.payback_months


def test_more_than_a_day_saved_puts_the_rule_under_both_fields(model):
    """100 tasks x 20 minutes = 2000 > 1440 minutes: message on both, results unchanged."""
    before = model.results
    assert model.set_value("tasks_per_day", 100)
    kept = model.results
    assert model.set_value("minutes_saved_per_task", 20) is False
    assert set(model.errors) == {"tasks_per_day", "minutes_saved_per_task"}
    message = model.errors["minutes_saved_per_task"]
    assert "1440" in message and "100 x 20 = 2000" in message
    assert model.results is kept and model.results is not before
    assert model.inputs["minutes_saved_per_task"] == 20  # the control keeps what was typed
    assert model.set_value("minutes_saved_per_task", 10)  # 1000 minutes: allowed again
    assert model.errors == {}
    assert model.results.scenario.value("minutes_saved_per_task") == 10


def test_out_of_bounds_value_names_field_rule_and_value(model):
    """A negative user count is refused with the field, the rule and the value."""
    assert model.set_value("users", -5) is False
    assert model.errors == {"users": "Users must be a number >= 0: got -5"}  # the screen's words


def test_range_makes_an_input_uncertain_and_back(model):
    """Low/high around the likely value make a Range; low == high == likely a point again."""
    assert model.set_range("minutes_saved_per_task", 2, 6)
    value = model.scenario.minutes_saved_per_task
    assert isinstance(value, Range) and (value.low, value.likely, value.high) == (2, 4, 6)
    assert model.range("minutes_saved_per_task") == (2, 6)
    assert model.set_range("minutes_saved_per_task", 4, 4)
    assert model.scenario.minutes_saved_per_task == 4


def test_likely_outside_its_range_is_an_error_on_that_field(model):
    """Moving the likely value above the range's high shows the ordering rule."""
    assert model.set_range("users", 150, 250)
    assert model.set_value("users", 300) is False
    assert "low <= likely <= high" in model.errors["users"]


def test_kpis_show_p50_headlines_labelled_with_the_likely_value_as_detail(invoice):
    """With ranges, annual impact, payback and NPV cards are the P50 of the same seeded
    Monte Carlo the CLI runs, labelled (P50), with the likely value in the detail line."""
    scenario = invoice.evolve(minutes_saved_per_task={"low": 1, "likely": 4, "high": 6})
    model = WorkbookModel(scenario, samples=SAMPLES, seed=3)
    results = evaluate(scenario)
    simulation = simulate(scenario, samples=SAMPLES, seed=3)
    cards = {kpi.key: kpi for kpi in model.kpis()}
    # The headline NPV is valued at the decision; payback is the cash flow's (the basis).
    for key, source in (("annual_impact", "annual_impact"), ("npv", "npv_at_decision")):
        assert cards[key].value == money(simulation.percentile(source, 50))
        assert cards[key].label.endswith("(P50)")
        assert cards[key].detail.startswith(f"likely {money(getattr(results, source))}")
    assert cards["npv"].label == "NPV at the decision (P50)"
    payback = "payback_months_cash_flow"
    p10, p50, p90 = (simulation.percentile(payback, q) for q in (10, 50, 90))
    assert cards["payback_months"].value == months(p50)
    assert cards["payback_months"].label == "Payback (P50)"
    assert cards["payback_months"].detail == (
        f"likely {months(results.payback_months_cash_flow)}; P10-P90 {p10:.1f} to {p90:.1f}; "
        f"simple {months(results.payback_months)}"
    )
    assert cards["monthly_net_impact"].value == money(results.monthly_net_impact)
    assert cards["time_to_value_months"].value == months(results.time_to_value_months)
    assert cards["prob_meets_threshold"].value == share(simulation.prob_meets_threshold)
    assert set(cards) == {
        "annual_impact",
        "monthly_net_impact",
        "payback_months",
        "prob_meets_threshold",
        "npv",
        "go_live",
        "cost_of_delay_per_week",
        "time_to_value_months",
        "cost_per_1000_inferences",
    }
    assert cards["cost_per_1000_inferences"].value == money(results.cost_per_1000_requests, 2)
    assert cards["cost_of_delay_per_week"].value == f"{money(results.cost_of_delay_per_week)}/week"
    assert cards["cost_of_delay_per_week"].detail == "a week of slip loses this much NPV"


def test_kpis_without_ranges_are_likely_values_and_say_so(model):
    """The example has no ranges: no Monte Carlo, cards on the likely basis, labelled."""
    cards = {kpi.key: kpi for kpi in model.kpis()}
    assert model.simulation is None
    assert cards["annual_impact"].label == "Annual impact (likely)"
    assert cards["annual_impact"].value == "$1,888,000"  # 200 x 12 x 4 / 60 x 55 x 230 - 136k
    # On the cash flow with the 3-month ramp: (300,000 + 168,666.67 x 1.5) / 157,333.33.
    assert cards["payback_months"].value == "3.5 months"
    assert cards["prob_meets_threshold"].value == "n/a"


def test_go_live_card_is_a_date_once_a_start_date_is_set(model):
    """Start 2026-01-05 and the starter's 35.5-week likely plan (16 weeks, plus 19.5 for
    its open notebook-to-pipeline gap): go-live is roi.timeline's date."""
    assert model.set_option("start_date", "2026-01-05")
    card = {kpi.key: kpi for kpi in model.kpis()}["go_live"]
    assert card.value == model.results.go_live_date.isoformat()
    # 35 weeks after Monday 5 Jan 2026 is Monday 7 Sep; 2.5 business days more, a started
    # day counted whole: Thursday 10 Sep.
    assert card.value == "2026-09-10"


def test_who_decides_and_by_when_reach_the_memo_and_can_be_cleared(model):
    """The Timeline tab's 'Decided by' and 'Decide by' set the scenario's decider and
    decide_by, which page 1 of the memo shows; an empty box is 'to be named' again."""
    from datetime import date

    from roi.ask import decision_ask

    assert model.set_option("decider", "Ana Ruiz")
    assert model.set_option("decide_by", date(2027, 1, 5))
    assert (model.scenario.decider, model.scenario.decide_by) == ("Ana Ruiz", date(2027, 1, 5))
    ask = decision_ask(model.assessment, date(2026, 12, 7))
    assert (ask.decider, ask.decide_by) == ("Ana Ruiz", "05 Jan 2027")
    assert model.set_option("decider", "") and model.set_option("decide_by", None)
    ask = decision_ask(model.assessment, date(2026, 12, 7))
    assert (ask.decider, ask.decide_by) == ("to be named", "to be named")
    assert not model.set_option("decide_by", "soon")  # refused, named
    assert model.errors["decide_by"] == "'decide_by' must be a date like 2026-01-31: got 'soon'"


def test_decision_banner_is_roi_decision(invoice):
    """The banner's outcome and reasons are decide(results, simulation, readiness).

    2,500,000 + 50,000 over 157,333.33 a month is 16.2 months, past the 12-month
    threshold: a No-go whatever the readiness."""
    costly = invoice.evolve(build_cost=2_500_000, users={"low": 180, "likely": 200, "high": 220})
    model = WorkbookModel(costly, samples=SAMPLES)
    expected = decide(
        evaluate(costly), simulate(costly, samples=SAMPLES, seed=0), readiness_status(costly)
    )
    assert model.verdict.outcome == expected.outcome == "No-go"
    assert model.verdict.reasons == tuple(expected.reasons)


def test_readiness_toggles_reach_the_scenario_and_the_decision(invoice):
    """Ticking an item stores it as 'done' and the decision then weighs the answers."""
    model = WorkbookModel(invoice.evolve(readiness={}), samples=SAMPLES)
    unassessed = model.verdict
    item = model.checklists()[0][2][0][0]
    assert not model.readiness_done(item)
    assert model.set_readiness(item, True)
    assert model.readiness_done(item)
    assert model.scenario.readiness[item].status == "done"
    assert model.verdict != unassessed
    expected = decide(evaluate(model.scenario), None, readiness_status(model.scenario))
    assert model.verdict.outcome == expected.outcome
    assert model.verdict.reasons == tuple(expected.reasons)


def test_reset_returns_to_the_opened_scenario(model, invoice):
    """After changes and an error, Reset shows the scenario the page opened with."""
    model.set_value("users", 999)
    model.set_value("hourly_rate", -1)
    model.reset()
    assert model.errors == {}
    assert model.scenario == invoice
    assert model.results.annual_impact == evaluate(invoice).annual_impact


def test_listeners_hear_point_results_first_then_the_monte_carlo(model):
    """A change notifies twice: KPIs can move before the sampling finishes."""
    heard = []
    model.observe(lambda m: heard.append((m.simulating, m.results.scenario.value("users"))))
    model.set_value("users", 321)
    assert heard == [(True, 321), (False, 321)]


def test_templates_list_every_starter_scenario(model, invoice_yaml):
    """The picker offers each scenario in templates/scenarios (a CSV gives one per row)."""
    found = model.templates()
    names = [scenario.name for _, scenario in found]
    expected = [
        s.name
        for path in sorted(invoice_yaml.parent.iterdir())
        if path.suffix in (".yaml", ".yml", ".json", ".csv", ".xlsx")
        for s in load_scenarios(path)
    ]
    assert names == expected
    other = next(s for _, s in found if s.name != model.scenario.name)
    model.open(other)
    assert model.scenario == other
    model.set_value("users", 1)
    model.reset()
    assert model.scenario == other  # the opened scenario is the new reset point


def test_upload_opens_a_scenario_file_or_names_the_problem(model, invoice):
    """A YAML upload opens; a broken one raises ScenarioError naming the uploaded file."""
    text = yaml.safe_dump({**invoice.to_dict(), "name": "Uploaded", "users": 50})
    model.open_upload("mine.yaml", text.encode())
    assert model.scenario.name == "Uploaded" and model.scenario.value("users") == 50
    with pytest.raises(ScenarioError) as raised:
        model.open_upload("bad.yaml", b"name: x\nusers: -3\n")
    assert "bad.yaml" in str(raised.value) and "'users' must be a number >= 0" in str(raised.value)
    with pytest.raises(ScenarioError, match=r"must be a \.yaml"):
        model.open_upload("notes.txt", b"hello")
    assert model.scenario.name == "Uploaded"  # a failed upload changes nothing


def test_an_upload_cannot_name_a_server_file_and_every_fault_is_a_message(model, invoice, tmp_path):
    """A visitor's file may not point at the server's files, even a real checklists YAML
    (before: `checklists: /etc/shadow` printed its lines back); a file no reader takes,
    a bomb or one past the size limit is a ScenarioError the page shows, never silence."""
    real = tmp_path / "checklists.yaml"
    real.write_text("checklists: []\n", encoding="utf-8")
    for target in ("/etc/shadow", str(real)):
        text = yaml.safe_dump({**invoice.to_dict(), "checklists": target})
        with pytest.raises(ScenarioError) as raised:
            model.open_upload("leak.yaml", text.encode())
        assert "'checklists'" in str(raised.value) and "file on the server" in str(raised.value)
    with pytest.raises(ScenarioError, match="cannot be read as XLSX"):
        model.open_upload("fake.xlsx", b"PK\x03\x04 not a workbook")
    bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{c}: &{c} [{', '.join([f'*{p}'] * 10)}]\n" for p, c in zip("abcde", "bcdef", strict=True)
    )
    with pytest.raises(ScenarioError, match="expands to more than"):
        model.open_upload("bomb.yaml", bomb.encode())
    with pytest.raises(ScenarioError, match="uploads may be 10 MiB"):
        model.open_upload("big.csv", b"x" * (10 * 2**20 + 1))
    assert model.scenario.name == invoice.name


def test_scenario_download_is_yaml_that_loads_back(model, tmp_path):
    """The YAML link holds the current scenario: loading it gives the same scenario."""
    model.set_value("users", 321)
    (yaml_file,) = [d for d in model.downloads(formats=()) if d.filename.endswith(".yaml")]
    path = tmp_path / yaml_file.filename
    path.write_bytes(yaml_file.data)
    assert load_scenario(path) == model.scenario
    assert yaml_file.data_uri.startswith("data:application/x-yaml;base64,")
    assert f'download="{yaml_file.filename}"' in yaml_file.link_html()


def test_memo_downloads_carry_the_pages_decision(model):
    """HTML and Markdown memos name the same outcome as the banner."""
    model.set_value("build_cost", 2_500_000)
    files = {d.label: d for d in model.downloads(formats=("html", "md"))}
    assert set(files) == {"Scenario (YAML)", "Memo (HTML)", "Memo (Markdown)"}
    html_text = files["Memo (HTML)"].data.decode()
    assert f'id="decision">{model.verdict.outcome}<' in html_text
    assert f"**Decision: {model.verdict.outcome}**" in files["Memo (Markdown)"].data.decode()


def test_excel_download_is_the_live_model_of_the_current_inputs(model):
    """The Excel link holds the page's scenario: users 321 in its Inputs sheet, and results
    that are formulas (recalculated against roi in tests/test_excel.py)."""
    model.set_value("users", 321)
    (book,) = [d for d in model.downloads(formats=("xlsx",)) if d.filename.endswith(".xlsx")]
    assert book.label == "Excel model" and book.data_uri.startswith("data:application/vnd.")
    sheets = openpyxl.load_workbook(io.BytesIO(book.data))
    inputs = {r[0]: r[2] for r in sheets["Inputs"].iter_rows(values_only=True)}
    assert inputs["users"] == 321
    results = {r[0]: r[2] for r in sheets["Results"].iter_rows(min_row=2, values_only=True)}
    assert results["annual_impact"] == "=benefits-running_costs"


def test_saved_variants_compare_side_by_side(model):
    """Two saved variants: one column each, with their own annual impact."""
    model.save_variant("Base")
    model.set_value("users", 100)
    model.save_variant("Half the users")
    rows = dict(model.comparison())
    assert list(model.variants) == ["Base", "Half the users"]
    # Worked above and in roi's docs; no ranges, so both are likely values and say so,
    # and the second says how far it is from the first (876,000 - 1,888,000).
    assert rows["Annual impact"] == [
        "$1,888,000 (likely)",
        "$876,000 (likely), -$1,012,000 on Base",
    ]
    assert rows["Users"] == ["200 people", "100 people"]
    assert rows["Loaded hourly rate"] == ["$55/h", "$55/h"]
    assert model.rename_variant("Half the users", "100 users")
    assert not model.rename_variant("Base", "100 users")  # taken
    assert not model.rename_variant("Base", "  ")
    assert list(model.variants) == ["Base", "100 users"]
    model.remove_variant("Base")
    assert list(model.variants) == ["100 users"]


def test_saved_variants_export_as_a_table_roi_batch_runs(model, tmp_path, capsys):
    """variants.csv: one row per variant, named as saved; `roi batch` runs it and gives
    the numbers the variants had."""
    import csv
    import io

    from roi.cli import main

    model.save_variant("Base")
    model.set_range("users", 150, 260)
    model.save_variant("Wider users")
    download = model.variants_download()
    assert download.filename == "variants.csv" and download.mimetype == "text/csv"
    source = tmp_path / "variants.csv"
    source.write_bytes(download.data)
    rows = list(csv.DictReader(io.StringIO(download.data.decode())))
    assert [r["name"] for r in rows] == ["Base", "Wider users"]
    assert (rows[1]["users_low"], rows[1]["users_high"]) == ("150", "260")
    out = tmp_path / "out"
    code = main(
        [
            "batch",
            str(source),
            "--out",
            str(out),
            "--no-notebooks",
            "--quiet",
            "--samples",
            "0",
            "--formats",
            "none",
        ]
    )
    capsys.readouterr()
    assert code == 0
    summary = {r["name"]: r for r in csv.DictReader((out / "summary.csv").open())}
    for name, variant in model.variants.items():
        assert float(summary[name]["npv"]) == pytest.approx(variant.results.npv, abs=0.01)


def test_results_payload_is_what_roi_run_json_prints(invoice, capsys, tmp_path):
    """The JSON for tools is the CLI's: Results.to_dict() unchanged, plus the decision and
    the Monte Carlo keys, for the same scenario, samples and seed."""
    ranged = invoice.evolve(users={"low": 150, "likely": 200, "high": 260})
    model = WorkbookModel(ranged, samples=SAMPLES, seed=4)
    payload = model.results_payload()
    expected = evaluate(ranged).to_dict()
    assert {k: payload[k] for k in expected} == expected
    path = tmp_path / "ranged.yaml"
    save_scenario(ranged, path)
    assert main(["run", str(path), "--json", "--samples", str(SAMPLES), "--seed", "4"]) == 0
    assert payload == json.loads(capsys.readouterr().out)
    assert payload["decision"] == model.verdict.outcome
    assert payload["samples"] == SAMPLES


def test_controls_cover_every_field_in_the_five_groups():
    """Every numeric field has a control in a known group; bounds hold the starter values."""
    assert GROUPS == ("Impact", "Costs", "Timeline", "Uncertainty", "Evidence", "Readiness")
    for field in NUMERIC_FIELDS:
        control = control_for(field)
        assert control.group in GROUPS
        assert control.minimum < control.maximum
        assert control.unit
    assert set(UNCERTAIN_FIELDS) <= set(NUMERIC_FIELDS)


def test_control_bounds_widen_to_fit_a_scenario(invoice):
    """5,000 users is the slider's top; a 12,000-user scenario widens it to fit."""
    big = invoice.evolve(users=12_000)
    assert control_for("users").maximum == 5_000
    assert control_for("users", big).maximum >= 12_000
    low, high, _ = range_bounds("build_cost", big)
    assert low == 0 and high >= big.value("build_cost")


def test_the_payback_card_is_the_payback_that_decides(invoice):
    """The card shows the payback the decision tests (the cash flow, ramp included, as
    the CLI and memo do); the simple formula is named in its detail, and the other way
    round when the scenario asks for the simple basis."""
    model = WorkbookModel(invoice, samples=0)
    results = evaluate(invoice)
    (card,) = [kpi for kpi in model.kpis() if kpi.key == "payback_months"]
    assert results.payback_months_cash_flow > results.payback_months  # a 3-month ramp
    assert card.value == months(results.payback_months_cash_flow)
    assert card.detail == (
        "on the cash flow from go-live, the 3-month adoption ramp included; "
        f"simple {months(results.payback_months)}"
    )
    simple = WorkbookModel(invoice.evolve(payback_basis="simple"), samples=0)
    (card,) = [kpi for kpi in simple.kpis() if kpi.key == "payback_months"]
    assert card.value == months(results.payback_months)
    assert card.detail.endswith(f"; on the cash flow {months(results.payback_months_cash_flow)}")
