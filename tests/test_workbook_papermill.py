"""The workbook notebook runs headless under papermill and shows roi's own numbers."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import papermill
import pytest
import yaml

from roi.evaluate import evaluate
from roi.files import load_scenario
from roi.reports.notebook import RESULTS_MIMETYPE

ROOT = Path(__file__).resolve().parents[1]
WORKBOOK = ROOT / "notebooks" / "workbook.ipynb"
SCENARIOS = ROOT / "templates" / "scenarios"

pytestmark = pytest.mark.slow


def results_output(notebook_path: Path) -> dict:
    """The results dict the executed notebook displayed as application/json."""
    notebook = json.loads(notebook_path.read_text())
    found = [
        output["data"][RESULTS_MIMETYPE]
        for cell in notebook["cells"]
        for output in cell.get("outputs", [])
        if RESULTS_MIMETYPE in output.get("data", {})
    ]
    assert len(found) == 1, f"expected one results output, found {len(found)}"
    return found[0]


def test_parameters_from_a_scenario_file_give_roi_numbers(tmp_path):
    """Scenario YAML as papermill parameters (ranges included) → the same results as roi."""
    source = SCENARIOS / "sales_copilot.yaml"
    out = tmp_path / "out.ipynb"
    papermill.execute_notebook(
        str(WORKBOOK),
        str(out),
        parameters=yaml.safe_load(source.read_text()),
        kernel_name="python3",
        progress_bar=False,
        cwd=str(ROOT),
    )
    shown = results_output(out)
    expected = evaluate(load_scenario(source)).to_dict()
    assert shown["name"] == "Sales copilot"
    for key in ("annual_impact", "monthly_net_impact", "payback_months", "npv", "roi_pct"):
        assert shown[key] == pytest.approx(expected[key], rel=1e-12), key
    assert shown["timeline_weeks"] == expected["timeline_weeks"]


def test_scenario_file_parameter_and_papermill_cli(tmp_path):
    """The README's command: `papermill workbook out -f scenario.yaml`, plus scenario_file."""
    params = tmp_path / "params.yaml"
    params.write_text(f"scenario_file: {SCENARIOS / 'support_ticket_classifier.yaml'}\n")
    out = tmp_path / "out.ipynb"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "papermill",
            str(WORKBOOK),
            str(out),
            "-f",
            str(params),
            "-k",
            "python3",
            "--no-progress-bar",
        ],
        check=True,
        cwd=ROOT,
        capture_output=True,
        timeout=180,
    )
    shown = results_output(out)
    expected = evaluate(load_scenario(SCENARIOS / "support_ticket_classifier.yaml")).to_dict()
    assert shown["name"] == "Support ticket classifier"
    assert shown["annual_impact"] == pytest.approx(expected["annual_impact"])
    assert shown["payback_months"] == pytest.approx(expected["payback_months"])


def test_invalid_parameters_fail_with_the_field_named(tmp_path):
    """A negative user count stops the run with a ScenarioError naming field and value."""
    out = tmp_path / "out.ipynb"
    with pytest.raises(papermill.PapermillExecutionError) as raised:
        papermill.execute_notebook(
            str(WORKBOOK),
            str(out),
            parameters={"users": -5},
            kernel_name="python3",
            progress_bar=False,
            cwd=str(ROOT),
        )
    assert raised.value.ename == "ScenarioError"
    assert "'users' must be a number >= 0: got -5" in raised.value.evalue
    assert out.exists(), "papermill keeps the partial notebook"


def test_executed_notebook_html_tells_the_decision_kpis_and_charts(tmp_path):
    """Converted by nbconvert (which runs no JavaScript), the executed workbook shows the
    decision with its reasons and conditions, the KPI table and the charts as SVG: what
    the memo says, for the same inputs."""
    import html as html_lib

    from nbconvert import HTMLExporter

    from roi.assess import assess
    from roi.formatting import money

    source = SCENARIOS / "sales_copilot.yaml"
    out = tmp_path / "out.ipynb"
    papermill.execute_notebook(
        str(WORKBOOK),
        str(out),
        parameters={"scenario_file": str(source), "samples": 2_000, "seed": 4},
        kernel_name="python3",
        progress_bar=False,
        cwd=str(ROOT),
    )
    page, _ = HTMLExporter().from_filename(str(out))
    text = html_lib.unescape(page)
    assessment = assess(load_scenario(source), samples=2_000, seed=4)
    decision = assessment.decision
    assert f'class="roi-outcome" style="color:#9a6700">{decision.outcome}</b>' in text
    for line in (*decision.reasons, *decision.conditions):
        assert line in text
    assert money(assessment.headline("annual_impact").value) in text  # the KPI table
    # Four charts as SVG images (the memo's), with their axis titles as text.
    import base64
    import re

    images = re.findall(r'src="data:image/svg\+xml;base64,([A-Za-z0-9+/=]+)"', page)
    assert len(images) == 4
    svgs = "".join(base64.b64decode(image).decode("utf-8") for image in images)
    for title in (
        "Months after go-live",
        "Payback on the cash flow (months)",
        "Weeks from kickoff",
    ):
        assert title in svgs


MINIMAL = """\
name: Minimal initiative
users: 80
tasks_per_day: 6
minutes_saved_per_task: 5
hourly_rate: 60
platform_cost_annual: 20000
model_cost_annual: 10000
support_cost_annual: 15000
build_cost: 150000
change_cost: 20000
"""
"""The ten numbers of the two formulas and a name: nothing for the example to fill in."""


def _papermill_f(tmp_path: Path, scenario_file: Path) -> dict:
    out = tmp_path / f"{scenario_file.stem}.ipynb"
    command = [sys.executable, "-m", "papermill", str(WORKBOOK), str(out)]
    subprocess.run(
        [*command, "-f", str(scenario_file), "-k", "python3", "--no-progress-bar"],
        check=True,
        cwd=ROOT,
        capture_output=True,
        timeout=300,
    )
    return results_output(out)


def _roi_run_json(scenario_file: Path) -> dict:
    done = subprocess.run(
        [sys.executable, "-m", "roi.cli", "run", str(scenario_file), "--json"],
        check=True,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    return json.loads(done.stdout)


@pytest.mark.parametrize("starter", ["minimal", *sorted(p.name for p in SCENARIOS.glob("*.yaml"))])
def test_papermill_f_file_is_the_whole_scenario(tmp_path, starter):
    """`papermill workbook.ipynb out.ipynb -f FILE` (the README's command) gives what
    `roi run FILE --json` gives, key for key: nothing comes from the built-in example
    (its ramp, readiness answers, criteria or PoC weeks). The minimal file has none of
    those: a Conditional go on unassessed readiness, not the example's reasons."""
    if starter == "minimal":
        source = tmp_path / "minimal.yaml"
        source.write_text(MINIMAL, encoding="utf-8")
    else:
        source = SCENARIOS / starter
    shown, expected = _papermill_f(tmp_path, source), _roi_run_json(source)
    assert shown == expected
    if starter == "minimal":
        assert shown["decision"] == "Conditional go"
        assert not any("adoption ramp" in reason for reason in shown["reasons"])
        assert shown["success_criteria"] == []
