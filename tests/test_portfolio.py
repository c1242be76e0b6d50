"""Tests for roi.reports.portfolio: ranking, the cells people read, and the files written.

Rows are real assessments' summary rows (roi.assess), never hand-made results, except
where a test needs a value no scenario gives (a blank count).
"""

from __future__ import annotations

import csv
import html as html_lib
import re

import openpyxl
import pandas as pd
import pytest
from conftest import GO_READY

from roi.assess import assess
from roi.batch.tasks import BatchReport
from roi.files import load_scenario, neutralised
from roi.formatting import money, months, share
from roi.reports.portfolio import (
    AT_A_GLANCE,
    DECISION_FILLS,
    EXCEL_FORMATS,
    TABLE_HEAD,
    WHOLE_NUMBER_COLUMNS,
    RunFacts,
    row_cells,
    spreadsheet_header,
    summary_frame,
    write_portfolio,
)
from roi.resources import EXAMPLE_SCENARIO

POC_EXIT = (
    "value_signal",
    "feasibility_baseline",
    "risks_documented",
    "owner_sponsor_committed",
    "decision_memo",
)
"""The PoC exit checklist's items (roi/data/gates.yaml), all done: a Go on good numbers."""
COUNT_KEYS = ("scenarios", "ran", "skipped_unchanged", "failed", "invalid_inputs")
"""BatchReport.counts() keys, what the report says about a run."""
EMPTY_FAILURES = pd.DataFrame(columns=["name", "stage", "error"])


@pytest.fixture(scope="module")
def example():
    return load_scenario(EXAMPLE_SCENARIO)


def _row(scenario, samples=0, **changes):
    return assess(scenario.evolve(**changes), samples=samples, seed=1).summary_row()


def _all_met(scenario):
    """The example's success criteria, each measured exactly at its target: all met."""
    return tuple(
        criterion.model_copy(update={"measured": criterion.target})
        for criterion in scenario.success_criteria
    )


def test_ranked_by_decision_then_headline_npv(example):
    rows = [
        _row(example, name="Never", hourly_rate=0),  # never pays back: No-go
        _row(example, name="Small conditional", users=150),  # the example's one open item
        _row(
            example,
            name="Ready",
            users=120,
            readiness=dict.fromkeys(POC_EXIT, "done"),
            success_criteria=_all_met(example),
            **GO_READY,
        ),
        _row(example, name="Big conditional", users=400),
    ]
    frame = summary_frame(rows)
    assert list(frame["rank"]) == [1, 2, 3, 4]
    assert list(frame["decision"]) == ["Go", "Conditional go", "Conditional go", "No-go"]
    # Within a decision, the higher headline NPV first (400 users before 150).
    assert list(frame["name"]) == ["Ready", "Big conditional", "Small conditional", "Never"]
    conditional = frame[frame["decision"] == "Conditional go"]["headline_npv"]
    assert conditional.iloc[0] > conditional.iloc[1]


def test_whole_number_columns_stay_whole_where_some_rows_are_blank(example, tmp_path):
    rows = [_row(example, name="Ramp"), _row(example, name="Never", hourly_rate=0)]
    rows[0]["source_row"], rows[1]["source_row"] = 3, None
    frame = summary_frame(rows)
    for column in WHOLE_NUMBER_COLUMNS:
        if column in frame.columns:
            assert str(frame[column].dtype) == "Int64", column
    write_portfolio(tmp_path, frame, EMPTY_FAILURES, RunFacts())
    text = pd.read_csv(tmp_path / "summary.csv", dtype=str, keep_default_na=False)
    ramp, never = (text[text["name"] == name].iloc[0] for name in ("Ramp", "Never"))
    assert ramp["source_row"] == "3"  # not "3.0"
    assert never["source_row"] == "" and never["payback_month_with_ramp"] == ""
    assert ramp["payback_month_with_ramp"] == str(rows[0]["payback_month_with_ramp"])


def test_row_cells_show_the_headline_on_its_basis(example):
    ranged = example.evolve(users={"low": 150, "likely": 200, "high": 230})
    assessment = assess(ranged, samples=400, seed=2)
    record = {"rank": 1, **assessment.summary_row()}
    cells = row_cells(record)
    impact, payback, npv = assessment.headlines()
    assert cells["basis"] == "P50" == impact.basis
    assert cells["annual_impact"] == money(impact.value)
    assert cells["payback"] == months(payback.value)
    assert cells["npv"] == money(npv.value)
    assert cells["probability"] == share(assessment.prob_meets_threshold)
    assert len(cells) == len(TABLE_HEAD)


def test_a_rare_outcome_never_reads_as_zero_or_certain():
    base = {"rank": 1, "name": "A", "decision": "Go", "basis": "P50"}
    assert row_cells({**base, "prob_meets_threshold": 0.002})["probability"] == "<1%"
    assert row_cells({**base, "prob_meets_threshold": 0.998})["probability"] == ">99%"
    assert row_cells({**base, "headline_payback_months": None})["payback"] == "never"


def test_report_escapes_names_and_keeps_them_exact_in_csv(example, tmp_path):
    names = [
        "<script>alert(1)</script>",
        '=HYPERLINK("http://x")',
        "bell\x07 and unit\x1f sep",
        "carriage\rreturn",  # pandas' CSV left a bare CR unquoted: the row split in two
    ]
    rows = [_row(example, name=name) for name in names]
    write_portfolio(tmp_path, summary_frame(rows), EMPTY_FAILURES, RunFacts())
    page = (tmp_path / "portfolio.html").read_text(encoding="utf-8")
    assert "<script>alert(1)</script>" not in page
    assert html_lib.escape(names[0]) in page
    with (tmp_path / "summary.csv").open(newline="", encoding="utf-8") as handle:
        exact = [row["name"] for row in csv.DictReader(handle)]  # newline="": CR kept
    assert sorted(exact) == sorted(neutralised(n) for n in names)  # '=...' gets a leading '
    assert '\'=HYPERLINK("http://x")' in exact
    sheet = openpyxl.load_workbook(tmp_path / "summary.xlsx")["summary"]
    header = [c.value for c in sheet[1]]
    cells = [row[header.index("Initiative")] for row in sheet.iter_rows(min_row=2)]
    assert all(c.data_type == "s" for c in cells)  # text, never a formula
    shown = sorted(c.value for c in cells)
    # A control character cannot be in a worksheet cell: it becomes U+FFFD there.
    assert shown == sorted(
        [names[0], names[1], "bell\ufffd and unit\ufffd sep", "carriage\nreturn"]
    )


def test_an_empty_run_writes_an_empty_report(tmp_path):
    assert set(COUNT_KEYS) == set(BatchReport(tmp_path, [], []).counts())
    frame = summary_frame([])
    written = write_portfolio(
        tmp_path, frame, EMPTY_FAILURES, RunFacts(counts=dict.fromkeys(COUNT_KEYS, 0))
    )
    assert {p.name for p in written} == {
        "summary.csv",
        "summary.xlsx",
        "failures.csv",
        "portfolio.html",
    }
    assert pd.read_csv(tmp_path / "summary.csv").empty
    page = (tmp_path / "portfolio.html").read_text(encoding="utf-8")
    assert "0 scenarios: 0 run now" in page


def test_a_report_without_run_facts_leaves_the_run_line_out(example, tmp_path):
    write_portfolio(tmp_path, summary_frame([_row(example)]), EMPTY_FAILURES, RunFacts())
    page = (tmp_path / "portfolio.html").read_text(encoding="utf-8")
    assert "run now" not in page
    assert "<strong>1</strong>Conditional go</li>" in page


def test_ranking_by_risk_adjusted_npv_is_an_option(example):
    """Within a decision, --rank risk-adjusted orders by the gate-risked value, not NPV.

    A later gate with poor odds (0.3) cuts the bigger initiative's risk-adjusted NPV
    below the smaller one's, so the two orders differ and each follows its own column.
    """
    rows = [
        _row(example, name="Big, risky gates", users=400, gate_probabilities={2: 0.3, 3: 0.3}),
        _row(example, name="Small, sure gates", users=250, gate_probabilities={2: 1, 3: 1, 4: 1}),
    ]
    by_npv = summary_frame(rows)
    by_risk = summary_frame(rows, rank_by="risk-adjusted")
    assert set(by_npv["decision"]) == {"Conditional go"}
    assert list(by_npv["name"]) == ["Big, risky gates", "Small, sure gates"]
    assert list(by_risk["name"]) == ["Small, sure gates", "Big, risky gates"]
    assert by_risk["risk_adjusted_npv"].is_monotonic_decreasing
    assert by_npv["headline_npv"].is_monotonic_decreasing
    with pytest.raises(ValueError, match="rank_by must be one of npv, risk-adjusted"):
        summary_frame(rows, rank_by="irr")


def test_row_cells_show_criteria_counts_and_risk_adjusted_npv(example):
    record = {"rank": 1, **_row(example)}
    cells = row_cells(record)
    assert cells["risk_adjusted_npv"] == money(record["risk_adjusted_npv"])
    # The example's two criteria: latency met, accuracy 93% against 95% close.
    assert cells["criteria"] == "1 met, 1 close"


def test_summary_xlsx_is_formatted_for_reading(example, tmp_path):
    """Readable headers, Excel number formats, a bold frozen header with a filter, links
    to the memos, decisions coloured, widths that fit the names; values unrounded."""
    rows = [
        {
            **_row(example, name="A rather long initiative name to fit"),
            "memo_html": "a b/memo.html",
        },
        _row(example, name="Never", hourly_rate=0),
    ]
    frame = summary_frame(rows)
    write_portfolio(tmp_path, frame, EMPTY_FAILURES, RunFacts())
    book = openpyxl.load_workbook(tmp_path / "summary.xlsx")
    sheet = book["summary"]
    header = [c.value for c in sheet[1]]
    column = {key: header.index(spreadsheet_header(key)) + 1 for key in frame.columns}
    assert header[:3] == ["#", "Initiative", "Decision"]
    assert all(c.font.bold for c in sheet[1])
    assert sheet.freeze_panes == "C2"
    assert sheet.auto_filter.ref == f"A1:{sheet.cell(1, len(header)).column_letter}3"

    def cell(key, row=2):
        return sheet.cell(row, column[key])

    assert cell("headline_npv").number_format == EXCEL_FORMATS["money"]
    # Full precision kept (openpyxl writes 16 significant digits: not the display's 0).
    assert cell("headline_npv").value == pytest.approx(frame["headline_npv"][0], rel=1e-15)
    assert cell("headline_payback_months").number_format == "0.0"
    assert cell("roi_pct").number_format == EXCEL_FORMATS["pct"]
    assert cell("risk_adjusted_npv").number_format == EXCEL_FORMATS["money"]
    link = cell("memo_html")
    assert link.hyperlink.target == "a%20b/memo.html" and link.value == "a b/memo.html"
    assert cell("decision").fill.fgColor.rgb.endswith(DECISION_FILLS[frame["decision"][0]])
    assert cell("decision", 3).value == "No-go"
    assert cell("decision", 3).fill.fgColor.rgb.endswith(DECISION_FILLS["No-go"])
    name_width = sheet.column_dimensions[cell("name").column_letter].width
    assert name_width >= len("A rather long initiative name to fit")
    legend = {(r[0], r[2]): r[1] for r in book["columns"].iter_rows(min_row=2, values_only=True)}
    assert legend[("summary", "headline_npv")] == "NPV at the decision, headline ($)"
    assert all(("summary", key) in legend for key in frame.columns)


def _forty(example) -> pd.DataFrame:
    rows = [
        _row(example, name=f"Initiative {i:02d} of the forty", users=50 + 10 * i) for i in range(40)
    ]
    rows[0] = _row(example, name="Never", hourly_rate=0)  # a No-go: 'No' in its flags
    return summary_frame(rows)


def test_summary_xlsx_prints_one_page_wide_with_its_names_and_says_yes_or_no(example, tmp_path):
    """Printed, the summary is one page wide in landscape, repeats its header row and its
    columns up to the initiative's name, says what it is on each page; the detail columns
    sit in a collapsed group so the page holds what a reader decides on; True/False
    read Yes/No."""
    frame = _forty(example)
    write_portfolio(tmp_path, frame, EMPTY_FAILURES, RunFacts())
    sheet = openpyxl.load_workbook(tmp_path / "summary.xlsx")["summary"]
    assert sheet.sheet_properties.pageSetUpPr.fitToPage is True
    assert (sheet.page_setup.fitToWidth, sheet.page_setup.fitToHeight) == (1, 0)
    assert sheet.page_setup.orientation == "landscape"
    assert sheet.print_title_rows == "$1:$1" and sheet.print_title_cols == "$A:$B"
    assert sheet.oddHeader.center.text == "roi portfolio: summary"
    assert sheet.oddFooter.center.text == "Page &P of &N"
    header = [c.value for c in sheet[1]]
    for index, key in enumerate(frame.columns, start=1):
        dimension = sheet.column_dimensions[sheet.cell(1, index).column_letter]
        assert dimension.hidden is (key not in AT_A_GLANCE), key
    flags = header.index(spreadsheet_header("meets_payback_threshold")) + 1
    shown = [sheet.cell(row, flags).value for row in range(2, 42)]
    assert set(shown) == {"Yes", "No"}
    assert shown.count("No") == 1  # the No-go that never pays back
    csv_flags = pd.read_csv(tmp_path / "summary.csv")["meets_payback_threshold"]
    assert set(csv_flags) == {True, False}  # the CSV keeps the values a program reads


@pytest.mark.slow
def test_libreoffice_prints_forty_initiatives_on_at_most_three_pages(example, tmp_path):
    """LibreOffice's own PDF export of summary.xlsx: the summary sheet of 40 initiatives
    takes at most 3 pages (it took 28 unfitted), and every page names what it prints."""
    import subprocess

    from test_excel import soffice

    write_portfolio(tmp_path, _forty(example), EMPTY_FAILURES, RunFacts())
    profile = (tmp_path / "lo-profile").resolve().as_uri()
    convert = [soffice(), f"-env:UserInstallation={profile}", "--headless", "--calc"]
    convert += ["--convert-to", "pdf", "--outdir", str(tmp_path / "lo")]
    subprocess.run([*convert, str(tmp_path / "summary.xlsx")], check=True, timeout=300)
    pdf = tmp_path / "lo" / "summary.pdf"
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True).stdout
    count = int(re.search(r"Pages:\s+(\d+)", info).group(1))
    pages = [
        subprocess.run(
            ["pdftotext", "-f", str(page), "-l", str(page), str(pdf), "-"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for page in range(1, count + 1)
    ]
    summary = [text for text in pages if text.startswith("roi portfolio: summary")]
    assert 1 <= len(summary) <= 3
    assert all("Initiative" in text for text in summary)  # the header repeats
    printed = " ".join(summary)
    assert all(f"Initiative {i:02d} of the forty" in printed for i in range(1, 40))


@pytest.mark.slow
def test_libreoffice_shows_summary_xlsx_numbers_in_their_formats(example, tmp_path):
    """LibreOffice opens summary.xlsx and, saving it as CSV, writes each cell as it
    displays it: money as $ whole dollars, months with one decimal, shares as percent."""
    import subprocess

    from test_excel import soffice

    frame = summary_frame(
        [_row(example, samples=400, users={"low": 150, "likely": 200, "high": 230})]
    )
    write_portfolio(tmp_path, frame, EMPTY_FAILURES, RunFacts())
    profile = (tmp_path / "lo-profile").resolve().as_uri()
    convert = [soffice(), f"-env:UserInstallation={profile}", "--headless", "--calc"]
    # The CSV filter's 9th option: save cell contents as shown (formatted).
    as_shown = "csv:Text - txt - csv (StarCalc):44,34,76,1,,1033,false,true,true"
    convert += ["--convert-to", as_shown, "--outdir", str(tmp_path / "lo")]
    convert.append(str(tmp_path / "summary.xlsx"))
    subprocess.run(convert, check=True, capture_output=True, timeout=300)
    with (tmp_path / "lo" / "summary.csv").open(newline="", encoding="utf-8") as handle:
        header, shown = list(csv.reader(handle))[:2]
    cells = dict(zip(header, shown, strict=True))
    record = frame.iloc[0]
    assert cells["NPV at the decision, headline ($)"] == f"${record['headline_npv']:,.0f}"
    assert (
        cells["Payback, headline: the decision's basis (months)"]
        == f"{record['headline_payback_months']:.1f}"
    )
    assert cells["Chance of payback in time"] == f"{record['prob_meets_threshold']:.0%}"
    assert cells["Initiative"] == example.name
