"""Decision memo: HTML render time and PDF time, against the Monte Carlo they are built on."""

from __future__ import annotations

import tempfile
from pathlib import Path

from benchmarks.run import timed, verdict
from roi.assess import assess
from roi.files import load_scenario
from roi.reports.chromium import chromium
from roi.reports.memo import memo_figures, render, render_pdf, write_memos
from roi.uncertainty import simulate

TITLE = "Decision memo: HTML render and PDF print"
SAMPLES = 20_000
EXAMPLE = Path(__file__).resolve().parents[1] / "templates" / "scenarios" / "invoice_triage.yaml"


def _scenario():
    # The built-in example with two ranges, so the charts and percentiles have spread.
    return load_scenario(EXAMPLE).evolve(
        users={"low": 150, "likely": 200, "high": 220},
        minutes_saved_per_task={"low": 2, "likely": 4, "high": 6},
    )


def _chromium_svgs(figures) -> dict[str, str]:
    """The earlier way to draw the Markdown memo's charts (the baseline): plotly.js's
    toImage in a headless Chromium started for the memo."""
    import json

    from plotly.offline import get_plotlyjs

    specs = {chart_id: json.loads(figure.to_json()) for chart_id, _, _, figure in figures}
    with tempfile.TemporaryDirectory() as folder, chromium() as browser:
        library = Path(folder) / "plotly.min.js"
        library.write_text(get_plotlyjs(), encoding="utf-8")
        page_file = Path(folder) / "draw.html"
        page_file.write_text(f'<script src="{library.as_uri()}"></script>', encoding="utf-8")
        page = browser.new_page()
        page.goto(page_file.as_uri(), wait_until="load")
        return page.evaluate(
            """async (specs) => {
                const out = {};
                for (const [id, fig] of Object.entries(specs)) {
                    out[id] = await Plotly.toImage({data: fig.data, layout: fig.layout},
                        {format: 'svg', width: 760, height: fig.layout.height || 340});
                }
                return out;
            }""",
            specs,
        )


def run() -> str:
    scenario = _scenario()
    date = "2026-01-05"
    simulation_s = timed(lambda: simulate(scenario, samples=SAMPLES, seed=0), repeat=3)

    def assessed():
        return assess(scenario, samples=SAMPLES, seed=0)

    html_s = timed(lambda: render(assessed(), "html", date=date), repeat=3)
    assessment = assessed()
    html = render(assessment, "html", date=date)
    linked = render(assessment, "html", date=date, plotly_js="plotly.min.js")

    def bare_browser() -> None:
        with chromium() as browser:
            browser.new_page().close()

    browser_s = timed(bare_browser, repeat=2)
    figures = memo_figures(assessment)
    before_s = timed(
        lambda: render(assessment, "md", date=date, images=_chromium_svgs(figures)), repeat=2
    )
    with tempfile.TemporaryDirectory() as folder:
        md_s = timed(lambda: write_memos(assessment, folder, ("md",), date=date), repeat=3)
    pdf_s = timed(lambda: render_pdf(html, "A4"), repeat=2)
    with tempfile.TemporaryDirectory() as folder:
        all_s = timed(
            lambda: write_memos(assessed(), folder, ("html", "md", "pdf"), date=date),
            repeat=1,
        )
    html_ratio = html_s / simulation_s
    pdf_ratio = pdf_s / browser_s
    return "\n".join(
        [
            f"The invoice-triage example with two ranges, {SAMPLES:,} samples, best of a few runs.",
            "",
            "| what | time | size |",
            "|---|---|---|",
            f"| Monte Carlo alone (`simulate`, the baseline) | {simulation_s:.2f} s | |",
            f"| HTML memo (`assess`, `render`: simulation, decision, 4 charts, template) "
            f"| {html_s:.2f} s "
            f"| {len(html.encode()) / 1e6:.1f} MB with plotly.js embedded, "
            f"{len(linked.encode()) / 1e3:.0f} kB linking a shared plotly.min.js |",
            f"| Headless Chromium started and closed with a blank page (baseline) "
            f"| {browser_s:.2f} s | |",
            "| Markdown memo, 4 SVG charts drawn by plotly.js in a headless Chromium per "
            f"memo (the earlier way, baseline) | {before_s:.2f} s | |",
            "| Markdown memo, 4 SVG chart files drawn by matplotlib (`write_memos`, now) "
            f"| {md_s:.2f} s | |",
            f"| PDF printed from the HTML by headless Chromium (`render_pdf`, A4) "
            f"| {pdf_s:.2f} s | |",
            f"| HTML + Markdown + PDF in one `write_memos` call | {all_s:.2f} s | |",
            "",
            f"The HTML memo takes **{html_ratio:.1f}x** the Monte Carlo it reports "
            f"(target: at most 20x: {verdict(html_ratio <= 20)}); the PDF takes "
            f"**{pdf_ratio:.1f}x** a bare Chromium start "
            f"(target: at most 5x: {verdict(pdf_ratio <= 5)}). A Markdown memo now takes "
            f"**{before_s / md_s:.1f}x** less time than with Chromium-drawn charts, and no "
            "browser: batch Markdown memos get their charts (the PDF alone needs Chromium).",
        ]
    )
