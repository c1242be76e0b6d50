"""portfolio.html as a CFO reads it: money by decision equal to the summary's sums, a
chart whose names never overlap at 40 or 200 initiatives (measured in Chromium), outliers
clipped and marked, each initiative's own threshold, a table that fits the page and
sorts."""

from __future__ import annotations

import math
import shutil
from pathlib import Path

import pandas as pd
import plotly
import pytest
from portfolios import portfolio_rows

from roi.formatting import money
from roi.reports import charts
from roi.reports.chromium import chromium
from roi.reports.portfolio import (
    RunFacts,
    headline_frame,
    portfolio_totals,
    summary_frame,
    write_portfolio,
)

EMPTY_FAILURES = pd.DataFrame(columns=["name", "stage", "error"])


def _page(tmp_path: Path, count: int) -> tuple[Path, pd.DataFrame]:
    rows = portfolio_rows(count)
    for i, row in enumerate(rows[::3]):  # some simulated: the table's widest form
        row.update(basis="P50", prob_meets_threshold=(i % 10) / 10)
    summary = summary_frame(rows)
    write_portfolio(tmp_path, summary, EMPTY_FAILURES, RunFacts(plotly_js="plotly.min.js"))
    bundle = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"
    shutil.copy(bundle, tmp_path / "plotly.min.js")
    return tmp_path / "portfolio.html", summary


def test_money_by_decision_is_the_summary_s_sums():
    summary = summary_frame(portfolio_rows(40))
    totals = {t["decision"]: t for t in portfolio_totals(summary)}
    assert set(totals) == {"Go", "Conditional go", "No-go", "All"}
    for decision, part in [*summary.groupby("decision"), ("All", summary)]:
        t = totals[decision]
        assert t["count"] == len(part)
        assert t["budget"] == pytest.approx(part["one_time_cost"].sum())
        assert t["npv"] == pytest.approx(part["headline_npv"].sum())
        assert t["risk_adjusted_npv"] == pytest.approx(part["risk_adjusted_npv"].sum())
    parts = [totals[d]["budget"] for d in ("Go", "Conditional go", "No-go")]
    assert sum(parts) == pytest.approx(totals["All"]["budget"])


def test_an_outlier_is_clipped_and_marked_and_each_threshold_is_drawn():
    """Row 2 pays back in about 300 months: it sits at the axis' end as a triangle, so
    the other 39 keep the width; each of the four thresholds is a line; a marker is solid
    only when the initiative pays back within its own threshold."""
    frame = headline_frame(summary_frame(portfolio_rows(40)))
    figure = charts.portfolio_bubble(frame)
    right = figure.layout.xaxis.range[1]
    points = [
        (t.name, x, symbol, text)
        for t in figure.data
        for x, symbol, text in zip(t.x, t.marker.symbol, t.hovertext, strict=True)
    ]
    assert all(x < right for _, x, _, _ in points)
    outlier = [p for p in points if "308.6 months" in p[3]]
    assert [p[2] for p in outlier] == ["triangle-right-open"]
    lines = sorted(s.x0 for s in figure.layout.shapes if s.type == "line" and s.x0 == s.x1)
    assert lines == [6, 12, 18, 24]
    notes = [a.text for a in figure.layout.annotations]
    assert any(n.startswith("&#9654; past") for n in notes)
    for name, _, symbol, hover in points:
        payback, threshold = _hover_numbers(hover)
        if payback is not None:
            assert symbol.endswith("-open") == (payback > threshold), (name, hover)


def _hover_numbers(hover: str) -> tuple[float | None, float]:
    import re

    threshold = float(re.search(r"threshold (\d+)", hover).group(1))
    found = re.search(r"payback: ([\d,.]+) months", hover)
    return (None if found is None else float(found.group(1).replace(",", ""))), threshold


LABELS = """() => Array.from(document.querySelectorAll('.chart .textpoint text'))
  .filter(e => e.textContent.trim())
  .map(e => { const r = e.getBoundingClientRect();
              return [e.textContent, r.left, r.top, r.right, r.bottom]; })"""
CHART = """() => { const r = document.querySelector('.chart .main-svg').getBoundingClientRect();
  return [r.left, r.top, r.right, r.bottom]; }"""


@pytest.mark.slow
@pytest.mark.browser
@pytest.mark.parametrize("count", [40, 200])
def test_the_page_reads_at_a_glance_at_40_and_200_initiatives(tmp_path, count):
    """In Chromium at 1440, 1280, 1024 and 390 px: no two names on the chart overlap and
    each stays inside the chart; the page never scrolls sideways (the table and the chart
    scroll in their own boxes on a phone); the totals shown are the summary's sums."""
    path, summary = _page(tmp_path, count)
    totals = {t["decision"]: t for t in portfolio_totals(summary)}
    with chromium() as browser:
        for width in (1440, 1280, 1024, 390):
            page = browser.new_page(viewport={"width": width, "height": 900})
            page.goto(path.as_uri())
            page.wait_for_selector(".chart .textpoint", state="attached")
            labels = page.evaluate(LABELS)
            assert len(labels) >= 5, labels
            left, _, right, _ = page.evaluate(CHART)
            for name, *box in labels:
                assert left <= box[0] and box[2] <= right, (width, name, box)
            for i, (a, *p) in enumerate(labels):
                for b, *q in labels[i + 1 :]:
                    overlap = p[0] < q[2] and q[0] < p[2] and p[1] < q[3] and q[1] < p[3]
                    assert not overlap, (width, a, b)
            assert page.evaluate("document.documentElement.scrollWidth") <= width
            if width >= 1024:  # the table fits the page; on a phone it scrolls in its box
                table, box = page.evaluate(
                    "() => { const t = document.getElementById('ranked');"
                    " return [t.scrollWidth, t.parentElement.clientWidth]; }"
                )
                assert table <= box, (width, table, box)
            cells = page.evaluate(
                "() => Array.from(document.querySelectorAll('#totals tbody tr')).map("
                "r => [r.dataset.decision, ...Array.from(r.cells).map(c => c.textContent)])"
            )
            for decision, _, count_text, budget, npv, risked in cells:
                t = totals[decision]
                assert int(count_text) == t["count"]
                assert budget == money(t["budget"]) and npv == money(t["npv"])
                assert risked == money(t["risk_adjusted_npv"])
            page.close()


ROWS = "() => Array.from(document.querySelectorAll('#ranked tbody tr')).map(r => r.dataset.KEY)"


@pytest.mark.slow
@pytest.mark.browser
def test_the_ranked_table_sorts_by_a_heading_and_back(tmp_path):
    path, summary = _page(tmp_path, 40)
    with chromium() as browser:
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.goto(path.as_uri())
        read = ROWS.replace("KEY", "payback")
        page.click("#ranked th[data-key=payback] button")
        shown = [math.inf if v == "Infinity" else float(v) for v in page.evaluate(read)]
        assert shown == sorted(shown) and shown[-1] == math.inf  # never pays back: last
        assert page.get_attribute("#ranked th[data-key=payback]", "aria-sort") == "ascending"
        page.click("#ranked th[data-key=payback] button")
        again = [math.inf if v == "Infinity" else float(v) for v in page.evaluate(read)]
        assert again == sorted(again, reverse=True)
        page.click("#ranked th[data-key=rank] button")  # back to the ranking
        ranks = [float(r) for r in page.evaluate(ROWS.replace("KEY", "rank"))]
        assert ranks == list(range(1, len(summary) + 1))
        page.close()
