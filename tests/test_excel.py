"""The live-formula Excel model (roi.reports.excel, `roi export --xlsx`), recalculated by
LibreOffice: a spreadsheet engine no one here wrote computes every formula, and each
result must equal roi's own number (relative 1e-9).

Slow (LibreOffice starts per batch of workbooks); CI runs it. LibreOffice is Debian's
`libreoffice-calc-nogui` (`make browser` installs it); ROI_SOFFICE points to another.
A missing LibreOffice is an error, never a skip. ROI_EXCEL_EXAMPLES=40 draws more
scenarios (320 passed on 2026-12-03, 2 min 47 s).
"""

from __future__ import annotations

import math
import os
import shutil
import subprocess
from pathlib import Path

import openpyxl
import pytest
from hypothesis import Phase, given, settings
from hypothesis import strategies as st
from strategies import readiness_answers, scenario_fields
from test_precision import EDGE as AT_THRESHOLD

from roi.assess import assess
from roi.cli import main
from roi.evaluate import evaluate
from roi.exceptions import EXIT_BAD_INPUT, EXIT_OK
from roi.files import load_scenario, load_scenarios
from roi.reports.excel import result_keys, workbook_bytes
from roi.resources import SCENARIOS
from roi.scenario import Scenario

pytestmark = pytest.mark.slow

RTOL = 1e-9
EXAMPLES = int(os.environ.get("ROI_EXCEL_EXAMPLES", "3"))
"""Hypothesis examples of 8 scenarios each (one LibreOffice run per example)."""


def soffice() -> str:
    found = os.environ.get("ROI_SOFFICE") or shutil.which("soffice")
    if not found:
        pytest.fail("LibreOffice (soffice) is needed: `make browser` installs it")
    return found


def recalculated(paths: list[Path], work: Path) -> dict[Path, dict[str, object]]:
    """Every workbook recalculated by LibreOffice (one headless run), as {name: value}
    of its Results sheet."""
    out = work / "recalculated"
    profile = (work / "lo-profile").resolve().as_uri()
    done = subprocess.run(
        [
            soffice(),
            f"-env:UserInstallation={profile}",
            "--headless",
            "--calc",
            "--convert-to",
            "xlsx",
            "--outdir",
            str(out),
            *map(str, paths),
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr
    values = {}
    for path in paths:
        sheet = openpyxl.load_workbook(out / path.name, data_only=True)["Results"]
        values[path] = {row[0]: row[2] for row in sheet.iter_rows(min_row=2, values_only=True)}
    return values


def assert_same(shown: object, expected: object, scale: float, what: str) -> None:
    if isinstance(expected, bool):
        assert shown is expected, what
    elif expected is None:
        assert shown in ("never", "none", "inf"), f"{what}: {shown!r}"
    else:
        assert isinstance(shown, int | float), f"{what}: {shown!r}"
        assert math.isclose(shown, expected, rel_tol=RTOL, abs_tol=RTOL * scale), (
            what,
            shown,
            expected,
        )


def check_workbook(values: dict[str, object], scenario: Scenario) -> None:
    results = evaluate(scenario)
    data = results.to_dict()
    scale = results.one_time_cost + abs(results.time_value) + abs(results.running_costs) + 1
    scale *= max(1.0, scenario.value("horizon_months") / 12)
    for key in result_keys():
        assert_same(values[key], data[key], scale, key)
    kinds = data["benefits"]  # the benefits by kind, each its own formula
    for key, name in (
        ("protected_revenue", "protected_revenue_value"),
        ("reduced_cost", "reduced_cost_value"),
        ("mitigated_risk", "mitigated_risk_value"),
    ):
        assert_same(values[name], kinds[key], scale, name)
    assert_same(values["benefits"], sum(kinds.values()), scale, "benefits")
    # The plan's length from the Plan sheet's schedule (priced open items included).
    assert_same(values["go_live_weeks"], results.timeline.likely_weeks, 100.0, "go_live_weeks")
    for row in results.break_even:
        name = f"break_even_{row.field}"
        if name in values:
            assert_same(values[name], row.value, scale, name)
    assert values["rows_cover_horizon"] is True


def _write(folder: Path, scenarios: list[Scenario]) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for index, scenario in enumerate(scenarios):
        path = folder / f"s{index:03d}.xlsx"
        path.write_bytes(workbook_bytes(assess(scenario, samples=0)))
        paths.append(path)
    return paths


# The exactly-at-the-threshold case (tests/test_precision.py), ramp left to each case.
EDGE = {k: v for k, v in AT_THRESHOLD.items() if k != "adoption_months"}


def edge_cases() -> list[Scenario]:
    """The cases the issue names: ramp 0 and 24, horizon 12 and 120, rate 0 and 100%,
    never pays back, no one-time cost, exactly at the threshold, a plan past the horizon."""
    return [
        Scenario(**EDGE),  # payback exactly 12 months in decimal
        Scenario(**EDGE, adoption_months=24, horizon_months=120, discount_rate=1.0),
        Scenario(**EDGE, adoption_months=0, horizon_months=12, discount_rate=0.0),
        Scenario(**{**EDGE, "users": 10}),  # never pays back
        Scenario(**{**EDGE, "build_cost": 0, "change_cost": 0}),  # nothing up front
        Scenario(**EDGE, horizon_months=1, phase_weeks={"rollout": 60}),  # live after it
        Scenario(**{**EDGE, "incremental_revenue": 250_000, "users": 0}),
        # A fifth of tasks handed back, 3 minutes of review each (issue 34's fallbacks).
        Scenario(**EDGE, fallback_rate=0.2, review_minutes_per_fallback=3),
        # Every task but a rounding error handed back: LibreOffice reads 1 - rate as 0,
        # so no minutes saved can break even (roi agreed on 1.6e17 minutes before).
        Scenario(**EDGE, fallback_rate=0.9999999999999999, review_minutes_per_fallback=9.5),
        # Issue 34's benefit kinds and unit economics, every one given.
        Scenario(
            **EDGE,
            capacity_realised=0.8,
            protected_revenue=100_000,
            protected_revenue_realised=0.5,
            reduced_cost=50_000,
            reduced_cost_realised=0.9,
            risk_probability=0.05,
            risk_loss_avoided=1_000_000,
            risk_realised=0.6,
            requests_per_task=2.5,
            input_tokens_per_request=1_500,
            output_tokens_per_request=300,
            price_per_million_input_tokens=2.5,
            price_per_million_output_tokens=10,
            serving_cost_per_1000_requests=0.4,
            fallback_rate=0.1,
            review_minutes_per_fallback=2,
        ),
    ]


def test_starters_and_edge_cases_recalculate_to_roi_numbers(tmp_path):
    scenarios = [load_scenario(p) for p in sorted(SCENARIOS.glob("*.yaml"))]
    scenarios += load_scenarios(SCENARIOS / "portfolio.csv") + edge_cases()
    paths = _write(tmp_path / "in", scenarios)
    values = recalculated(paths, tmp_path)
    for path, scenario in zip(paths, scenarios, strict=True):
        check_workbook(values[path], scenario)


# No shrinking: each example starts LibreOffice; the failing lists are printed whole.
@settings(
    max_examples=EXAMPLES, deadline=None, phases=(Phase.explicit, Phase.reuse, Phase.generate)
)
@given(
    fields=st.lists(
        st.tuples(scenario_fields(with_ranges=False), readiness_answers()),
        min_size=8,
        max_size=8,
    )
)
def test_drawn_scenarios_recalculate_to_roi_numbers(tmp_path_factory, fields):
    work = tmp_path_factory.mktemp("drawn")
    scenarios = [Scenario(**f, readiness=r) for f, r in fields]
    paths = _write(work / "in", scenarios)
    values = recalculated(paths, work)
    for path, scenario in zip(paths, scenarios, strict=True):
        check_workbook(values[path], scenario)


def plans() -> list[Scenario]:
    """The plan's cost and the priced items, in every governance mode and profile."""
    invoice = load_scenario(SCENARIOS / "invoice_triage.yaml")  # its notebook gap is open
    planned = invoice.evolve(build_cost="plan")
    return [
        planned,
        planned.evolve(governance="end"),
        planned.evolve(governance="sequential", plan_profile="well_scoped"),
        planned.evolve(
            rate_card={"ML engineer": 7_000, "Data engineer": 3_000},
            hidden_cost_share=0.35,
            phase_weeks={"data_pipeline": {"low": 2, "likely": 5, "high": 9}, "rollout": 0},
        ),
        invoice.evolve(governance="end"),  # typed build cost, the plan still priced
    ]


def test_the_plan_sheet_recalculates_to_roi_numbers(tmp_path):
    """The Plan sheet's schedule and cost, and the results they move (go-live, the
    one-time cost, NPV at the decision), recalculated, equal roi's likely figures."""
    scenarios = plans()
    paths = _write(tmp_path / "in", scenarios)
    values = recalculated(paths, tmp_path)
    for path, scenario in zip(paths, scenarios, strict=True):
        check_workbook(values[path], scenario)
    first = values[paths[0]]
    assert first["plan_build_cost"] == pytest.approx(474_240.0)  # tests/test_plan_cost.py
    assert first["one_time_cost"] == pytest.approx(524_240.0)


def test_closing_a_priced_item_in_the_plan_sheet_moves_go_live_and_cost(tmp_path):
    """The open notebook gap's 1 set to 0 in the Plan sheet, recalculated: every result
    is roi's for the scenario with that item done (19.5 weeks and $215,280 less)."""
    planned = load_scenario(SCENARIOS / "invoice_triage.yaml").evolve(build_cost="plan")
    (path,) = _write(tmp_path / "in", [planned])
    book = openpyxl.load_workbook(path)
    (row,) = [r for r in book["Plan"].iter_rows() if r[0].value == "gap_notebook_to_pipeline"]
    assert row[3].value == 1
    row[3].value = 0
    book.save(path)
    values = recalculated([path], tmp_path)[path]
    readiness = {**planned.to_dict()["readiness"], "gap_notebook_to_pipeline": "done"}
    closed = planned.evolve(readiness=readiness)
    check_workbook(values, closed)
    assert values["go_live_weeks"] == pytest.approx(16.0)
    assert values["plan_build_cost"] == pytest.approx(474_240.0 - 19.5 * 9_200 * 1.2)


def test_an_edited_input_moves_every_result(tmp_path):
    """Users 200 -> 300 in the Inputs sheet, recalculated: the results are roi's for 300."""
    example = load_scenario(SCENARIOS / "invoice_triage.yaml")
    (path,) = _write(tmp_path / "in", [example])
    book = openpyxl.load_workbook(path)
    inputs = book["Inputs"]
    (row,) = [r for r in inputs.iter_rows(min_row=2) if r[0].value == "users"]
    row[2].value = 300
    book.save(path)
    values = recalculated([path], tmp_path)[path]
    check_workbook(values, example.evolve(users=300))


def test_every_sheet_of_the_model_prints_one_page_wide_with_its_row_names(tmp_path):
    """Printed, each sheet is one page wide, repeats its header row and its first column
    (the input's or result's name) on every page and names itself at the top."""
    import io

    book = openpyxl.load_workbook(
        io.BytesIO(workbook_bytes(assess(load_scenario(SCENARIOS / "invoice_triage.yaml"))))
    )
    for sheet in book:
        assert sheet.sheet_properties.pageSetUpPr.fitToPage is True, sheet.title
        assert (sheet.page_setup.fitToWidth, sheet.page_setup.fitToHeight) == (1, 0)
        assert sheet.print_title_rows == "$1:$1" and sheet.print_title_cols == "$A:$A"
        assert sheet.oddHeader.center.text == f"roi model: {sheet.title}"


def test_cli_export_writes_a_workbook_and_keeps_an_edited_one(tmp_path, capsys):
    source = SCENARIOS / "invoice_triage.yaml"
    out = tmp_path / "model.xlsx"
    assert main(["export", str(source), "--xlsx", str(out)]) == EXIT_OK
    names = {n for n in openpyxl.load_workbook(out).defined_names}
    assert {"users", "plan_weeks", "npv_at_decision", "cost_of_delay_per_week"} <= names
    before = out.read_bytes()
    assert main(["export", str(source), "--xlsx", str(out)]) == EXIT_BAD_INPUT
    assert "already exists" in capsys.readouterr().err and out.read_bytes() == before
    assert main(["export", str(source), "--xlsx", str(out), "--force"]) == EXIT_OK
    folder = tmp_path / "many"
    assert main(["export", str(SCENARIOS / "portfolio.csv"), "--xlsx", str(folder)]) == 0
    assert len(list(folder.glob("*.xlsx"))) == len(load_scenarios(SCENARIOS / "portfolio.csv"))
    formulas = openpyxl.load_workbook(out)["Results"]
    assert all(str(r[2].value).startswith("=") for r in formulas.iter_rows(min_row=2))


def test_text_stays_text_and_holds_no_control_characters(tmp_path):
    """A name that looks like a formula is stored as text, never run by the reader's
    spreadsheet; control characters (no XLSX cell may hold them) become U+FFFD."""
    name = '=HYPERLINK("http://example.com","x")\x07'
    scenario = Scenario(**{**EDGE, "name": name}, notes={"users": "+cmd\x1f"})
    (path,) = _write(tmp_path / "in", [scenario])
    inputs = openpyxl.load_workbook(path)["Inputs"]
    cells = {row[0].value: row for row in inputs.iter_rows()}
    assert cells["Scenario"][1].value == '=HYPERLINK("http://example.com","x")\ufffd'
    assert cells["Scenario"][1].data_type == "s"
    assert cells["users"][4].value == "+cmd\ufffd" and cells["users"][4].data_type == "s"
    values = recalculated([path], tmp_path)[path]
    check_workbook(values, scenario)
