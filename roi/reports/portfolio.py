"""The portfolio view of a batch run: ranked summary tables, the failure list and the report.

Everything here reads rows that `Assessment.summary_row()` made; nothing is computed
twice. The rows are ranked by decision and then by headline NPV. The batch (roi.batch.run)
writes these for its runs; nothing here knows about batches.
"""

from __future__ import annotations

import io
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

import numpy as np
import pandas as pd

from roi.decision import CONDITIONAL, GO, NO_GO, OUTCOME_CSS
from roi.files import csv_text, write_text_atomic, xlsx_text
from roi.formatting import money, months, percent, share
from roi.reports.excel import print_setup
from roi.resources import TEMPLATES


@dataclass(frozen=True)
class RunFacts:
    """What the portfolio page says about the run that made it (a batch, by default)."""

    finished: str = ""
    executor: str = ""
    counts: Mapping[str, int] = field(default_factory=dict)  # BatchReport.counts(); {}: none
    plotly_js: str = ""  # a link to a shared plotly.min.js, or "" to load none
    rank_by: str = "npv"  # a key of RANKINGS: how summary_frame ordered the rows
    selection_html: str = ""  # what a budget funds (roi.reports.selection), when one is given


PORTFOLIO_TEMPLATE = "portfolio.html.j2"
DECISIONS: tuple[str, ...] = (GO, CONDITIONAL, NO_GO)


def decision_rank(outcome: str) -> int:
    """Go first, then conditional go, then no-go; anything else last.

    >>> [decision_rank(d) for d in ("No-go", "Go", "Conditional go", "?")]
    [2, 0, 1, 3]
    """
    return DECISIONS.index(outcome) if outcome in DECISIONS else len(DECISIONS)


BASIS_NOTE = (
    "Annual impact, payback and NPV are on each initiative's basis: P50 of its Monte Carlo "
    "when it has ranges, else its likely value. ROI, one-time cost and time to value are "
    "likely values."
)
"""What every portfolio table says about its numbers (HTML report and app alike)."""

TABLE_COLUMNS: tuple[tuple[str, str], ...] = (
    ("rank", "#"),
    ("name", "Initiative"),
    ("decision", "Decision"),
    ("basis", "Basis"),
    ("annual_impact", "Annual impact"),
    ("payback", "Payback"),
    ("npv", "NPV at the decision"),
    ("risk_adjusted_npv", "Risk-adjusted NPV"),
    ("criteria", "Success criteria"),
    ("probability", "Chance of payback in time"),
    ("roi", "ROI on the investment"),
    ("one_time_cost", "One-time cost"),
    ("time_to_value", "Time to value"),
)
"""The keys of `row_cells` with their column titles, in the order tables show them."""
TABLE_KEYS: tuple[str, ...] = tuple(key for key, _ in TABLE_COLUMNS)
TABLE_HEAD: tuple[str, ...] = tuple(title for _, title in TABLE_COLUMNS)

RANKINGS: dict[str, str] = {
    "npv": "headline NPV (at the decision)",
    "risk-adjusted": "risk-adjusted NPV",
}
"""How rows are ordered within a decision (Go first, then conditional go, then no-go):
`npv` by the headline NPV (the default), `risk-adjusted` by the risk-adjusted NPV, which
prices in the odds of passing the remaining gates (roi.evidence)."""


def criteria_text(record: Mapping[str, Any]) -> str:
    """The success criteria counts of a row, as '2 met, 1 close'; 'none' without criteria.

    >>> criteria_text({"criteria_met": 2, "criteria_close": 1, "criteria_missed": 0})
    '2 met, 1 close'
    >>> criteria_text({})
    'none'
    """
    parts = []
    for status in ("met", "close", "missed"):
        count = _number(record.get(f"criteria_{status}"))
        if count:
            parts.append(f"{int(count)} {status}")
    return ", ".join(parts) or "none"


def _headline(record: Mapping[str, Any], key: str) -> float | None:
    value = record.get(f"headline_{key}", record.get(key))
    return _number(value)


def row_cells(record: Mapping[str, Any]) -> dict[str, str]:
    """One ranked row (`summary_frame`) as people read it, headline numbers on its basis.

    >>> cells = row_cells({"rank": 1, "name": "A", "decision": "Go", "basis": "P50",
    ...     "headline_annual_impact": 2e6, "headline_payback_months": None,
    ...     "headline_npv": 1e6, "prob_meets_threshold": 0.004, "roi_pct": 50.0,
    ...     "one_time_cost": 3e5, "time_to_value_months": 7.0})
    >>> cells["payback"], cells["probability"], cells["basis"]
    ('never', '<1%', 'P50')
    """
    return {
        "rank": str(record["rank"]),
        "name": str(record["name"]),
        "decision": str(record["decision"]),
        "basis": str(record.get("basis") or "likely"),
        "annual_impact": money(_headline(record, "annual_impact")),
        "payback": months(_headline(record, "payback_months")),
        "npv": money(_headline(record, "npv")),
        "risk_adjusted_npv": money(_number(record.get("risk_adjusted_npv"))),
        "criteria": criteria_text(record),
        "probability": share(_number(record.get("prob_meets_threshold"))),
        "roi": percent(_number(record.get("roi_on_investment_pct", record.get("roi_pct")))),
        "one_time_cost": money(_number(record.get("one_time_cost"))),
        "time_to_value": months(_number(record.get("time_to_value_months"))),
    }


def headline_frame(summary: pd.DataFrame) -> pd.DataFrame:
    """The ranked frame with annual impact, payback and NPV replaced by the headline
    values (never-paying-back as inf), for charts that read those column names."""
    frame = summary.copy()
    for key in ("annual_impact", "payback_months", "npv"):
        column = f"headline_{key}"
        if column in frame.columns:
            frame[key] = pd.to_numeric(frame[column], errors="coerce")
    if "payback_months" in frame.columns:
        frame["payback_months"] = pd.to_numeric(frame["payback_months"], errors="coerce").fillna(
            math.inf
        )
    return frame


WHOLE_NUMBER_COLUMNS = ("samples", "seed", "payback_month_with_ramp", "source_row")
"""Counts that stay whole in summary.csv/.xlsx though some rows leave them blank."""


def summary_frame(rows: Sequence[Mapping[str, Any]], rank_by: str = "npv") -> pd.DataFrame:
    """One row per scenario, ranked: by decision, then by `rank_by` (RANKINGS), highest
    first: the headline NPV (the likely NPV for rows that carry no headline) or the
    risk-adjusted NPV. Ties keep name order. Rows without a decision (a batch's failed
    and invalid scenarios, with their `status` and `reason`) come last, unranked."""
    if rank_by not in RANKINGS:
        raise ValueError(f"rank_by must be one of {', '.join(RANKINGS)}, not {rank_by!r}")
    if not rows:
        return pd.DataFrame(columns=["rank", "name", "decision"])
    frame = pd.DataFrame(list(rows))
    if rank_by == "risk-adjusted" and "risk_adjusted_npv" in frame.columns:
        npv = frame["risk_adjusted_npv"]
    elif "headline_npv" in frame.columns:
        npv = frame["headline_npv"]
    elif "npv" in frame.columns:
        npv = frame["npv"]
    else:  # nothing was decided (every scenario failed or was invalid)
        npv = pd.Series(math.nan, index=frame.index)
    npv = pd.to_numeric(npv, errors="coerce").fillna(-math.inf)
    order = frame.assign(_decision=frame["decision"].map(decision_rank), _npv=-npv)
    frame = frame.loc[order.sort_values(["_decision", "_npv", "name"], kind="stable").index]
    # Only decided rows are ranked; a failed or invalid scenario is listed after them,
    # with its status and reason, so the summary accounts for every input.
    decided = frame["decision"].isin(DECISIONS).to_numpy()
    rank = pd.array([pd.NA] * len(frame), dtype="Int64")
    rank[decided] = range(1, int(decided.sum()) + 1)
    frame.insert(0, "rank", rank)
    if "status" in frame.columns:
        front = ["rank", "name", "decision", "status", "reason"]
        frame = frame[
            [c for c in front if c in frame.columns] + [c for c in frame if c not in front]
        ]
    for column in WHOLE_NUMBER_COLUMNS:
        if column in frame.columns:  # blank where missing, never "20000.0"
            frame[column] = pd.to_numeric(frame[column], errors="coerce").astype("Int64")
    return frame.reset_index(drop=True)


SPREADSHEET_COLUMNS: dict[str, tuple[str, str]] = {
    "rank": ("#", "count"),
    "name": ("Initiative", "text"),
    "decision": ("Decision", "decision"),
    "status": ("Status", "text"),
    "reason": ("Why it has no decision", "text"),
    "basis": ("Basis of the headline", "text"),
    "headline_annual_impact": ("Annual impact, headline ($/yr)", "money"),
    "headline_payback_months": ("Payback, headline: the decision's basis (months)", "months"),
    "headline_npv": ("NPV at the decision, headline ($)", "money"),
    "headline_annual_impact_p10": ("Annual impact, headline P10 ($/yr)", "money"),
    "headline_annual_impact_p90": ("Annual impact, headline P90 ($/yr)", "money"),
    "headline_payback_months_p10": ("Payback, headline P10 (months)", "months"),
    "headline_payback_months_p90": ("Payback, headline P90 (months)", "months"),
    "headline_npv_p10": ("NPV at the decision, headline P10 ($)", "money"),
    "headline_npv_p90": ("NPV at the decision, headline P90 ($)", "money"),
    "annual_impact": ("Annual impact, likely ($/yr)", "money"),
    "monthly_net_impact": ("Monthly net impact, likely ($/month)", "money"),
    "one_time_cost": ("One-time cost ($)", "money"),
    "payback_months": ("Simple payback, likely (months)", "months"),
    "meets_payback_threshold": ("Simple payback meets the threshold", "text"),
    "payback_months_cash_flow": ("Payback on the cash flow, likely (months)", "months"),
    "meets_payback_threshold_cash_flow": ("Cash-flow payback meets the threshold", "text"),
    "payback_basis": ("Payback the decision tests", "text"),
    "payback_threshold_months": ("Payback threshold (months)", "months"),
    "npv": ("NPV at go-live, likely ($)", "money"),
    "npv_at_decision": ("NPV at the decision, likely ($)", "money"),
    "roi_pct": ("Return on total cost over the horizon (%)", "pct"),
    "roi_on_investment_pct": ("ROI on the investment over the horizon (%)", "pct"),
    "time_value": ("Time value ($/yr)", "money"),
    "incremental_revenue": ("Incremental revenue ($/yr)", "money"),
    "running_costs": ("Running costs ($/yr)", "money"),
    "payback_month_with_ramp": ("Payback month with the ramp", "count"),
    "time_to_value_months": ("Time to value (months)", "months"),
    "cumulative_cash_at_horizon": ("Cumulative cash at the horizon ($)", "money"),
    "timeline_weeks_likely": ("Weeks to go-live, likely", "months"),
    "annual_impact_p10": ("Annual impact P10 ($/yr)", "money"),
    "annual_impact_p50": ("Annual impact P50 ($/yr)", "money"),
    "annual_impact_p90": ("Annual impact P90 ($/yr)", "money"),
    "payback_months_p10": ("Simple payback P10 (months)", "months"),
    "payback_months_p50": ("Simple payback P50 (months)", "months"),
    "payback_months_p90": ("Simple payback P90 (months)", "months"),
    "npv_p10": ("NPV at go-live P10 ($)", "money"),
    "npv_p50": ("NPV at go-live P50 ($)", "money"),
    "npv_p90": ("NPV at go-live P90 ($)", "money"),
    "prob_meets_threshold": ("Chance of payback in time", "share"),
    "prob_never_pays_back": ("Chance it never pays back", "share"),
    "samples": ("Monte Carlo samples", "count"),
    "seed": ("Seed", "count"),
    "criteria_met": ("Success criteria met", "count"),
    "criteria_close": ("Success criteria close", "count"),
    "criteria_missed": ("Success criteria missed", "count"),
    "risk_adjusted_npv": ("Risk-adjusted NPV ($)", "money"),
    "expected_commercial_value": ("Expected commercial value ($)", "money"),
    "evpi": ("Value of perfect information, EVPI ($)", "money"),
    "measure_next": ("Measure next", "text"),
    "measure_next_value": ("Worth knowing it, EVPPI ($)", "money"),
    "why": ("Why this decision", "text"),
    "decision_reasons": ("Every check behind the decision", "text"),
    "source": ("Source file", "text"),
    "source_row": ("Source row", "count"),
    "stem": ("Output folder", "text"),
    "memo_html": ("Memo (HTML)", "link"),
    "memo_md": ("Memo (Markdown)", "link"),
    "memo_pdf": ("Memo (PDF)", "link"),
    "notebook": ("Executed notebook", "link"),
    # failures.csv's columns
    "kind": ("Kind", "text"),
    "row": ("Row", "count"),
    "scenario": ("Scenario", "text"),
    "field": ("Field", "text"),
    "value": ("Value", "text"),
    "problem": ("Problem", "text"),
    "stage": ("Stage", "text"),
    "output": ("Partial output", "link"),
}
"""Column key -> (header a reader sees in summary.xlsx, kind of number). The CSV keeps
the keys; the workbook's 'columns' sheet maps one to the other."""

EXCEL_FORMATS = {
    "money": '"$"#,##0;-"$"#,##0',
    "months": "0.0",
    "share": "0%",
    "pct": '#,##0"%"',
    "count": "0",
}
"""Excel number formats by kind; values keep full precision, only the display rounds."""

DECISION_FILLS = {GO: "DAFBE1", CONDITIONAL: "FFF8C5", NO_GO: "FFEBE9"}

WRAP_AT = 48
"""Characters of text in a column (the widest is 50) before it wraps onto another line."""
LINE_POINTS = 15
"""Height of a line of 11-point text, in points."""

AT_A_GLANCE = (
    "rank",
    "name",
    "status",
    "decision",
    "basis",
    "headline_annual_impact",
    "headline_payback_months",
    "headline_npv",
    "one_time_cost",
    "payback_threshold_months",
    "prob_meets_threshold",
    "risk_adjusted_npv",
    "why",
    "reason",
    "memo_html",
)
"""summary.xlsx's columns shown and printed; the others sit in a collapsed column group
(Excel's and LibreOffice's outline: the "+" above the header opens it)."""


def spreadsheet_header(key: str) -> str:
    """The header summary.xlsx shows for a column key.

    >>> spreadsheet_header("headline_npv"), spreadsheet_header("my_extra_column")
    ('NPV at the decision, headline ($)', 'My extra column')
    """
    known = SPREADSHEET_COLUMNS.get(key)
    return known[0] if known else key.replace("_", " ").capitalize()


def _style_sheet(sheet: Any, keys: Sequence[str], frozen: str) -> None:
    """Readable headers, number formats, links, coloured decisions, widths, filter."""
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    header_fill = PatternFill("solid", fgColor="F0F4F8")
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.fill = header_fill
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    sheet.row_dimensions[1].height = 45
    sheet.freeze_panes = frozen
    if sheet.max_row >= 1 and keys:
        sheet.auto_filter.ref = f"A1:{get_column_letter(len(keys))}{max(sheet.max_row, 1)}"
    link_font = Font(color="0563C1", underline="single")
    lines: dict[int, int] = {}  # row -> lines its wrapped text takes
    portfolio = "name" in keys and "decision" in keys  # a portfolio table: details fold away
    folded = {key for key in keys if key not in AT_A_GLANCE} if portfolio else set()
    for index, key in enumerate(keys, start=1):
        kind = SPREADSHEET_COLUMNS.get(key, ("", "text"))[1]
        letter = get_column_letter(index)
        longest = len(spreadsheet_header(key)) / 2  # the header wraps onto two lines
        for (cell,) in sheet.iter_rows(min_row=2, min_col=index, max_col=index):
            if cell.value is None:
                continue
            if kind in EXCEL_FORMATS and isinstance(cell.value, int | float):
                cell.number_format = EXCEL_FORMATS[kind]
                shown = len(f"{cell.value:,.0f}") + 2
            elif kind == "link" and isinstance(cell.value, str) and cell.value:
                cell.hyperlink = quote(cell.value)  # relative to the workbook's folder
                cell.font = link_font
                shown = len(cell.value)
            else:
                shown = len(str(cell.value))
            if kind == "decision" and cell.value in DECISION_FILLS:
                cell.fill = PatternFill("solid", fgColor=DECISION_FILLS[cell.value])
                cell.font = Font(bold=True)
            if shown > WRAP_AT and key not in folded:  # wraps rather than run across others
                cell.alignment = Alignment(wrap_text=True, vertical="top")
                lines[cell.row] = max(lines.get(cell.row, 1), math.ceil(shown / WRAP_AT))
            longest = max(longest, shown)
        sheet.column_dimensions[letter].width = min(max(longest + 2, 8), 50)
    top = Alignment(vertical="top")
    for row, count in lines.items():  # a reader's program does not size rows on opening
        sheet.row_dimensions[row].height = LINE_POINTS * count
        for cell in sheet[row]:
            if not cell.alignment.wrap_text:
                cell.alignment = top
    if folded:
        for index, key in enumerate(keys, start=1):
            if key in folded:
                dimension = sheet.column_dimensions[get_column_letter(index)]
                dimension.outline_level, dimension.hidden = 1, True
    print_setup(sheet, keys, f"roi portfolio: {sheet.title}")


def yes_no(value: Any) -> Any:
    """A boolean as a reader says it; anything else as it is.

    >>> yes_no(True), yes_no(False), yes_no(1), yes_no(None)
    ('Yes', 'No', 1, None)
    """
    if isinstance(value, bool | np.bool_):
        return "Yes" if value else "No"
    return value


def _xlsx_bytes(sheets: Mapping[str, pd.DataFrame]) -> bytes:
    """An Excel workbook of the frames, made to be read: readable headers, Excel number
    formats, a bold frozen header with a filter, fitted widths, links to memos and
    notebooks, decisions coloured, and a 'columns' sheet naming each header's CSV column.

    Text stays text, even text that starts with '=': openpyxl stores such a string as a
    formula, so a scenario named `=HYPERLINK(...)` would run in the reader's Excel; its
    cells are typed as text.
    """
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        legend = []
        for name, frame in sheets.items():
            flags = frame.select_dtypes(include=["bool"]).columns
            frame = frame.assign(**{c: frame[c].map(yes_no) for c in flags})
            text = frame.select_dtypes(include=["object", "string"]).columns
            frame = frame.assign(**{c: frame[c].map(yes_no).map(xlsx_text) for c in text})
            keys = [str(c) for c in frame.columns]
            frame = frame.set_axis([spreadsheet_header(k) for k in keys], axis=1)
            frame.to_excel(writer, sheet_name=name, index=False)
            sheet = writer.sheets[name]
            for row in sheet.iter_rows():
                for cell in row:
                    if cell.data_type == "f":
                        cell.data_type = "s"
            _style_sheet(sheet, keys, "C2" if "name" in keys[:3] else "A2")
            legend += [(name, spreadsheet_header(k), k) for k in keys]
        columns = pd.DataFrame(legend, columns=["Sheet", "Header", "CSV column"])
        columns.to_excel(writer, sheet_name="columns", index=False)
        _style_sheet(writer.sheets["columns"], ["sheet", "header", "csv_column"], "A2")
    return buffer.getvalue()


def _link(path: Any) -> str | None:
    if not isinstance(path, str) or not path:
        return None
    return quote(path)


def _number(value: Any) -> float | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def portfolio_totals(summary: pd.DataFrame) -> list[dict[str, Any]]:
    """Money by decision, and in all: the one-time budget asked, the value at the decision
    (the sum of each initiative's headline NPV, on its own basis) and the risk-adjusted
    value; each a sum of the summary's column, so the page and summary.csv agree.

    >>> frame = pd.DataFrame({"decision": ["Go", "No-go", "Go"], "one_time_cost": [1, 2, 4],
    ...     "headline_npv": [10, -5, 20], "risk_adjusted_npv": [5, -1, 8]})
    >>> [(t["decision"], t["count"], t["budget"], t["npv"]) for t in portfolio_totals(frame)]
    [('Go', 2, 5.0, 30.0), ('No-go', 1, 2.0, -5.0), ('All', 3, 7.0, 25.0)]
    """
    decided = summary[summary["decision"].isin(DECISIONS)] if len(summary) else summary
    groups = [(d, decided[decided["decision"] == d]) for d in DECISIONS]
    groups = [(d, g) for d, g in groups if len(g)] + [("All", decided)]

    def total(part: pd.DataFrame, column: str) -> float | None:
        if column not in part.columns:
            return None
        return float(pd.to_numeric(part[column], errors="coerce").fillna(0).sum())

    rows = []
    for decision, part in groups:
        budget = total(part, "one_time_cost")
        npv = total(part, "headline_npv")
        risked = total(part, "risk_adjusted_npv")
        rows.append(
            {
                "decision": decision,
                "css": OUTCOME_CSS.get(decision, "all"),
                "count": len(part),
                "budget": budget,
                "budget_text": money(budget),
                "npv": npv,
                "npv_text": money(npv),
                "risk_adjusted_npv": risked,
                "risk_adjusted_npv_text": money(risked),
            }
        )
    return rows


def _sort_value(value: Any, missing: str = "") -> str:
    """A cell's value for the table's sorting: the number, or `missing` ("Infinity" for a
    payback that never comes, so it sorts after every month count)."""
    number = _number(value)
    return missing if number is None else repr(number)


def portfolio_context(
    summary: pd.DataFrame, failures: pd.DataFrame, run: RunFacts
) -> dict[str, Any]:
    """The plain data the portfolio page shows; the template only lays it out. Scenarios
    without a decision are in the failures table, not the ranking."""
    if len(summary):
        summary = summary[summary["decision"].isin(DECISIONS)]
    records = summary.to_dict("records") if len(summary) else []
    has_probability = "prob_meets_threshold" in summary.columns and bool(
        summary["prob_meets_threshold"].notna().any()
    )
    rows = []
    for record in records:
        rows.append(
            {
                **row_cells(record),
                "decision_class": OUTCOME_CSS.get(str(record["decision"]), "unknown"),
                "memo": _link(
                    record.get("memo_html") or record.get("memo_md") or record.get("memo_pdf")
                ),
                "memo_md": _link(record.get("memo_md")),
                "memo_pdf": _link(record.get("memo_pdf")),
                "notebook": _link(record.get("notebook")),
                "reasons": record.get("decision_reasons") or "",
                "why": record.get("why") or "",
                "sort": {
                    "rank": _sort_value(record.get("rank")),
                    "annual_impact": _sort_value(_headline(record, "annual_impact")),
                    "payback": _sort_value(_headline(record, "payback_months"), "Infinity"),
                    "npv": _sort_value(_headline(record, "npv")),
                    "risk_adjusted_npv": _sort_value(record.get("risk_adjusted_npv")),
                    "probability": _sort_value(record.get("prob_meets_threshold")),
                    "roi": _sort_value(record.get("roi_on_investment_pct", record.get("roi_pct"))),
                    "one_time_cost": _sort_value(record.get("one_time_cost")),
                    "threshold": _sort_value(record.get("payback_threshold_months")),
                },
                "threshold": months(_number(record.get("payback_threshold_months"))),
            }
        )
    decided = [str(d) for d in summary["decision"]] if len(summary) else []
    counts = [(d, decided.count(d)) for d in DECISIONS]
    counts += [(d, decided.count(d)) for d in sorted(set(decided) - set(DECISIONS))]
    failure_rows = [
        {key: ("" if pd.isna(value) else value) for key, value in record.items()}
        for record in failures.to_dict("records")
    ]
    for record in failure_rows:
        record["output_link"] = _link(record["output"])
    return {
        "title": "AI initiative portfolio",
        "finished": run.finished,
        "executor": run.executor,
        "counts": dict(run.counts),
        "decisions": counts,
        "rows": rows,
        "has_probability": has_probability,
        "basis_note": BASIS_NOTE,
        "ranking": RANKINGS.get(run.rank_by, RANKINGS["npv"]),
        "failures": failure_rows,
        "totals": portfolio_totals(summary),
        "selection_html": run.selection_html,
        "chart_html": _chart_html(summary),
        "plotly_js": run.plotly_js,
    }


def _chart_html(summary: pd.DataFrame) -> str:
    """The bubble chart as an HTML fragment (plotly.js is loaded once by the page)."""
    if not len(summary):
        return ""
    from roi.reports.charts import portfolio_bubble

    figure = portfolio_bubble(headline_frame(summary))
    figure.update_layout(title=None)  # the page's heading says what it is
    return figure.to_html(
        full_html=False, include_plotlyjs=False, config={"displaylogo": False, "responsive": True}
    )


def render_portfolio(context: Mapping[str, Any]) -> str:
    """portfolio.html from its context, with autoescaping on (names are user text)."""
    from roi.reports.memo import _jinja_environment

    environment = _jinja_environment(True, (str(TEMPLATES),))
    return environment.get_template(PORTFOLIO_TEMPLATE).render(**context)


def write_portfolio(
    out: Path, summary: pd.DataFrame, failures: pd.DataFrame, run: RunFacts
) -> list[Path]:
    """summary.csv, summary.xlsx, failures.csv and portfolio.html, each written atomically."""
    written = [
        write_text_atomic(out / "summary.csv", csv_text(summary)),
        write_text_atomic(out / "failures.csv", csv_text(failures)),
        write_text_atomic(
            out / "summary.xlsx", _xlsx_bytes({"summary": summary, "failures": failures})
        ),
    ]
    html = render_portfolio(portfolio_context(summary, failures, run))
    written.append(write_text_atomic(out / "portfolio.html", html))
    return written
