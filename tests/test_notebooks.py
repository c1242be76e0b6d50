"""Every notebook is thin, valid, stripped, and runs headless under papermill with parameters.

(The workbook's own papermill checks against roi's numbers live in
test_workbook_papermill.py; the tests here cover the parameters cell, the headless
contract the batch runner relies on, and the portfolio and timeline notebooks.)
"""

from __future__ import annotations

import ast
import html
import json
import re
from pathlib import Path

import nbformat
import papermill
import pytest

from roi.assess import assess
from roi.evaluate import timeline_for
from roi.files import load_scenario, load_scenarios
from roi.presentation import present
from roi.reports.notebook import RESULTS_MIMETYPE, scenario_from_parameters
from roi.reports.portfolio import decision_rank
from roi.scenario import SCENARIO_KEYS
from roi.uncertainty import DEFAULT_SAMPLES

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
WORKBOOK = ROOT / "notebooks" / "workbook.ipynb"
TUTORIAL = ROOT / "notebooks" / "tutorial.ipynb"
"""Teaches the Python API cell by cell; the other notebooks are thin pages of the app."""
SCENARIOS = ROOT / "templates" / "scenarios"


def parameters_cell(path: Path) -> dict:
    """The literals of a notebook's `parameters` cell, by name (fails on anything else)."""
    notebook = json.loads(path.read_text())
    (cell,) = [c for c in notebook["cells"] if "parameters" in c["metadata"].get("tags", [])]
    values = {}
    for node in ast.parse("".join(cell["source"])).body:
        assert isinstance(node, ast.Assign), f"{path.name}: parameters must be assignments"
        values[node.targets[0].id] = ast.literal_eval(node.value)  # literals only
    return values


def json_outputs(path: Path) -> list[dict]:
    notebook = json.loads(path.read_text())
    return [
        output["data"][RESULTS_MIMETYPE]
        for cell in notebook["cells"]
        for output in cell.get("outputs", [])
        if RESULTS_MIMETYPE in output.get("data", {})
    ]


def run(notebook: Path, out: Path, **parameters) -> Path:
    papermill.execute_notebook(
        str(notebook),
        str(out),
        parameters=parameters,
        kernel_name="python3",
        progress_bar=False,
        cwd=str(ROOT),
    )
    return out


def test_workbook_parameters_cell_lists_every_scenario_key_exactly():
    """The workbook's parameters are SCENARIO_KEYS, scenario_file, the Monte Carlo's
    samples and seed (the batch refuses a notebook without them) and the decision rule's
    confidence: no more, no fewer; exactly what the batch may set."""
    from roi.batch.tasks import NOTEBOOK_ONLY_PARAMETERS

    assert set(parameters_cell(WORKBOOK)) == {*SCENARIO_KEYS, *NOTEBOOK_ONLY_PARAMETERS}
    assert set(NOTEBOOK_ONLY_PARAMETERS) == {"scenario_file", "samples", "seed", "confidence"}


def test_workbook_default_parameters_are_the_built_in_example():
    """The defaults open the example file exactly: readiness answers, PoC weeks, notes and
    all, so the app's first screen is `roi run templates/scenarios/invoice_triage.yaml`."""
    scenario = scenario_from_parameters(parameters_cell(WORKBOOK))
    example = load_scenario(SCENARIOS / "invoice_triage.yaml")
    assert scenario.to_dict() == example.to_dict()
    assert example.readiness and "poc_weeks" in example.to_dict()
    assert assess(scenario).to_dict() == assess(example).to_dict()


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_is_thin_valid_and_stripped(path):
    """Valid nbformat, no outputs or counts, a Python kernelspec (Voila needs its language),
    literal parameters, and short calls into roi.app: one, or two for the workbook (Voila
    sends a cell's output when the cell ends, so a preheated page is built in one cell and
    waits for its visitor's link in the next)."""
    notebook = nbformat.read(path, as_version=4)
    nbformat.validate(notebook)
    assert notebook.metadata.kernelspec["language"] == "python"
    parameters_cell(path)
    code = [c for c in notebook.cells if c.cell_type == "code"]
    for cell in code:
        assert cell.outputs == [] and cell.execution_count is None
    calls = [c for c in code if "parameters" not in c.metadata.get("tags", [])]
    if path == TUTORIAL:  # short cells that ask roi for each figure, no code of their own
        for cell in calls:
            assert len(cell.source.splitlines()) <= 15
            assert not any(line.startswith(("def ", "class ")) for line in cell.source.splitlines())
        return
    assert 1 <= len(calls) <= (2 if path == WORKBOOK else 1)
    for call in calls:
        assert "roi.app." in call.source and len(call.source.splitlines()) <= 3


@pytest.mark.slow
def test_workbook_headless_run_shows_results_json_and_stores_no_widget_state(tmp_path):
    """papermill: one JSON output with roi's results, decision and Monte Carlo; no widgets."""
    out = run(WORKBOOK, tmp_path / "out.ipynb", scenario_file=str(SCENARIOS / "sales_copilot.yaml"))
    notebook = json.loads(out.read_text())
    assert "widgets" not in notebook["metadata"]
    assert not any(
        "application/vnd.jupyter.widget-view+json" in o.get("data", {})
        for c in notebook["cells"]
        for o in c.get("outputs", [])
    )
    assert out.stat().st_size < 200_000
    (shown,) = json_outputs(out)
    scenario = load_scenario(SCENARIOS / "sales_copilot.yaml")
    expected = assess(scenario, samples=DEFAULT_SAMPLES, seed=0).to_dict()
    assert shown == json.loads(json.dumps(expected))  # the `roi run --json` contract, exactly
    assert shown["samples"] == DEFAULT_SAMPLES and shown["decision"] in ("Go", "Conditional go")


@pytest.mark.slow
def test_portfolio_notebook_ranks_by_decision_then_npv(tmp_path):
    """The starter portfolio, headless: rows ranked as roi decides and values them."""
    source = SCENARIOS / "portfolio.csv"
    out = run(
        ROOT / "notebooks" / "portfolio.ipynb", tmp_path / "p.ipynb", scenarios_file=str(source)
    )
    (shown,) = json_outputs(out)
    rows = shown["portfolio"]
    expected = []
    for scenario in load_scenarios(source):
        assessment = assess(scenario, samples=DEFAULT_SAMPLES, seed=0)
        npv = assessment.headline("npv").value  # P50 where there are ranges
        outcome = assessment.outcome
        expected.append((decision_rank(outcome), -npv, scenario.name, outcome))
    expected.sort()
    assert [r["name"] for r in rows] == [name for _, _, name, _ in expected]
    assert [r["decision"] for r in rows] == [outcome for *_, outcome in expected]
    assert [r["rank"] for r in rows] == list(range(1, len(rows) + 1))
    # A reader sees the page's table (money as $, not 9.23e+05) and its chart.
    outputs = [o for c in json.loads(out.read_text())["cells"] for o in c.get("outputs", [])]
    [table] = ["".join(o["data"]["text/html"]) for o in outputs if "text/html" in o.get("data", {})]
    assert "e+0" not in table and re.search(r"\$\d{1,3}(,\d{3})+", table)
    assert all(f">{html.escape(r['name'])}<" in table for r in rows)
    assert any("application/vnd.plotly.v1+json" in o.get("data", {}) for o in outputs)


@pytest.mark.slow
def test_portfolio_notebook_chooses_what_to_fund_as_the_cli_does(tmp_path, capsys):
    """With a budget and ML capacity, the notebook shows the same choice `roi portfolio`
    prints: the same set, total and left-out initiatives."""
    from roi.cli import main

    source = SCENARIOS / "portfolio.csv"
    out = run(
        ROOT / "notebooks" / "portfolio.ipynb",
        tmp_path / "p.ipynb",
        scenarios_file=str(source),
        budget="1.2M",
        capacity={"ml_engineer": 20},
    )
    (_, shown) = json_outputs(out)
    assert (
        main(
            ["portfolio", str(source), "--budget", "1.2M", "--capacity", "ml_engineer=20", "--json"]
        )
        == 0
    )
    cli = json.loads(capsys.readouterr().out)
    funding = shown["funding"]
    assert funding["selected"] == cli["selected"] and len(cli["selected"]) == 2
    assert funding["total"] == pytest.approx(cli["total"])
    assert [e["name"] for e in funding["excluded"]] == [e["name"] for e in cli["excluded"]]
    text = out.read_text()
    assert "Ranking by productivity index" in text and "What binds" in text


@pytest.mark.slow
def test_timeline_notebook_shows_both_governance_plans(tmp_path):
    """Sequential checkpoints and a start date: both plans are roi.timeline's own."""
    out = run(
        ROOT / "notebooks" / "timeline.ipynb",
        tmp_path / "t.ipynb",
        governance="sequential",
        start_date="2026-01-05",
        phase_weeks={"rollout": 4},
    )
    (shown,) = json_outputs(out)
    base = load_scenario(SCENARIOS / "invoice_triage.yaml").evolve(
        start_date="2026-01-05", phase_weeks={"rollout": 4}
    )
    for mode in ("parallel", "sequential"):
        expected = timeline_for(base.evolve(governance=mode)).to_dict()
        assert shown["timeline"]["plans"][mode] == json.loads(json.dumps(expected))
    assert shown["timeline"]["governance"] == "sequential"


@pytest.mark.slow
def test_timeline_notebook_refuses_an_unknown_phase(tmp_path):
    """A misspelt phase id stops the run with ScenarioError naming it and a suggestion."""
    with pytest.raises(papermill.PapermillExecutionError) as raised:
        run(ROOT / "notebooks" / "timeline.ipynb", tmp_path / "t.ipynb", phase_weeks={"rolout": 4})
    assert raised.value.ename == "ScenarioError"
    assert "rolout" in raised.value.evalue and "rollout" in raised.value.evalue


def _text_outputs(path: Path) -> list[str]:
    notebook = json.loads(path.read_text())
    return [
        "".join(o.get("text", "")) or "".join(o.get("data", {}).get("text/plain", ""))
        for c in notebook["cells"]
        for o in c.get("outputs", [])
    ]


@pytest.mark.slow
def test_the_tutorial_runs_under_papermill_and_shows_roi_s_own_figures(tmp_path):
    """The tutorial's cells, executed: the decision and headline of the example as roi
    states them, a sweep, 1,000 variants evaluated, a chart and a memo on disk."""
    out = run(TUTORIAL, tmp_path / "t.ipynb", out_dir=str(tmp_path / "memo"), samples=1000)
    texts = _text_outputs(out)
    a = assess(load_scenario(SCENARIOS / "invoice_triage.yaml"), samples=1000, seed=0)
    assert texts[0].startswith(f"{a.outcome} - {a.decision.main_reason}")
    for figure in present(a).headline:  # each headline figure, as present() words it
        assert figure.label in texts[1] and figure.text in texts[1]
    assert "likely values" in texts[1]  # the example has no ranges: no Monte Carlo
    # 400 users x 12 tasks x 4 min / 60 x $55 x 230 days - $136,000 running = $3,912,000
    assert "3912000" in texts[2].replace(".0", "").replace(",", "")
    assert re.search(r"count\s+1000\.0", texts[3])
    notebook = json.loads(out.read_text())
    assert any(
        "application/vnd.plotly.v1+json" in o.get("data", {})
        for c in notebook["cells"]
        for o in c.get("outputs", [])
    )
    assert (tmp_path / "memo" / "invoice-triage-assistant.html").is_file()
    assert (tmp_path / "memo" / "invoice-triage-assistant.md").is_file()
