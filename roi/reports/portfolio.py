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

import pandas as pd

from roi.decision import CONDITIONAL, GO, NO_GO, OUTCOME_CSS
from roi.files import csv_text, write_text_atomic, xlsx_text
from roi.formatting import money, months, percent, share
from roi.resources import TEMPLATES


@dataclass(frozen=True)
class RunFacts:
    """What the portfolio page says about the run that made it (a batch, by default)."""

    finished: str = ""
    executor: str = ""
    counts: Mapping[str, int] = field(default_factory=dict)  # BatchReport.counts(); {}: none
    plotly_js: str = ""  # a link to a shared plotly.min.js, or "" to load none
    rank_by: str = "npv"  # a key of RANKINGS: how summary_frame ordered the rows


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
    ("npv", "NPV"),
    ("risk_adjusted_npv", "Risk-adjusted NPV"),
    ("criteria", "Success criteria"),
    ("probability", "Chance of payback in time"),
    ("roi", "ROI"),
    ("one_time_cost", "One-time cost"),
    ("time_to_value", "Time to value"),
)
"""The keys of `row_cells` with their column titles, in the order tables show them."""
TABLE_KEYS: tuple[str, ...] = tuple(key for key, _ in TABLE_COLUMNS)
TABLE_HEAD: tuple[str, ...] = tuple(title for _, title in TABLE_COLUMNS)

RANKINGS: dict[str, str] = {
    "npv": "headline NPV",
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
        "roi": percent(_number(record.get("roi_pct"))),
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
    """One row per finished scenario, ranked: by decision, then by `rank_by` (RANKINGS),
    highest first: the headline NPV (the likely NPV for rows that carry no headline) or
    the risk-adjusted NPV. Ties keep name order."""
    if rank_by not in RANKINGS:
        raise ValueError(f"rank_by must be one of {', '.join(RANKINGS)}, not {rank_by!r}")
    if not rows:
        return pd.DataFrame(columns=["rank", "name", "decision"])
    frame = pd.DataFrame(list(rows))
    if rank_by == "risk-adjusted" and "risk_adjusted_npv" in frame.columns:
        npv = frame["risk_adjusted_npv"]
    elif "headline_npv" in frame.columns:
        npv = frame["headline_npv"]
    else:
        npv = frame["npv"]
    npv = pd.to_numeric(npv, errors="coerce").fillna(-math.inf)
    order = frame.assign(_decision=frame["decision"].map(decision_rank), _npv=-npv)
    frame = frame.loc[order.sort_values(["_decision", "_npv", "name"], kind="stable").index]
    frame.insert(0, "rank", range(1, len(frame) + 1))
    for column in WHOLE_NUMBER_COLUMNS:
        if column in frame.columns:  # blank where missing, never "20000.0"
            frame[column] = pd.to_numeric(frame[column], errors="coerce").astype("Int64")
    return frame.reset_index(drop=True)


def _xlsx_bytes(sheets: Mapping[str, pd.DataFrame]) -> bytes:
    """An Excel workbook of the frames; text stays text, even text that starts with '='.

    openpyxl stores such a string as a formula, so a scenario named
    `=HYPERLINK(...)` would run in the reader's Excel; its cells are typed as text.
    """
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        for name, frame in sheets.items():
            text = frame.select_dtypes(include=["object", "string"]).columns
            frame = frame.assign(**{c: frame[c].map(xlsx_text) for c in text})
            frame.to_excel(writer, sheet_name=name, index=False)
            for row in writer.sheets[name].iter_rows():
                for cell in row:
                    if cell.data_type == "f":
                        cell.data_type = "s"
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


def portfolio_context(
    summary: pd.DataFrame, failures: pd.DataFrame, run: RunFacts
) -> dict[str, Any]:
    """The plain data the portfolio page shows; the template only lays it out."""
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
    from jinja2 import Environment, FileSystemLoader, StrictUndefined

    environment = Environment(
        loader=FileSystemLoader(str(TEMPLATES)),
        autoescape=True,  # explicit: select_autoescape() would skip *.html.j2
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
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
