"""Tests for roi.reports.memo: the context, every number in a memo, escaping, files, browser.

Numbers are checked by parsing the rendered memo and comparing each with what the
package computes for the same inputs, within the rounding the memo shows.
"""

from __future__ import annotations

import base64
import html as html_lib
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import GO_READY
from hypothesis import given, settings
from strategies import scenarios

from roi.amounts import PERCENT_UNITS
from roi.assess import assess, headline_source
from roi.cli import main
from roi.decision import DecisionRule
from roi.evaluate import evaluate
from roi.exceptions import RoiError
from roi.files import load_scenario
from roi.gates import load_checklists
from roi.reports.memo import (
    CHARTS_DRAWN,
    UNLESS_GIVEN,
    MemoError,
    chromium,
    copy_plotly_js,
    input_hash,
    memo_context,
    render,
    shown_break_even,
    write_memos,
)
from roi.resources import SCENARIOS
from roi.scenario import FIELD_SPECS, NUMERIC_FIELDS, Scenario
from roi.uncertainty import simulate

SAMPLES, SEED, DATE = 2_000, 7, "2026-03-02"


def A(scenario: Scenario, samples: int = SAMPLES, seed: int = SEED, **options):
    """The scenario's assessment: what every memo function takes."""
    return assess(scenario, samples=samples, seed=seed, **options)


HOSTILE = "<script>alert(1)</script> a|b `rm -rf` \n# not a heading"


@pytest.fixture(scope="module")
def scenario() -> Scenario:
    """The invoice example with two ranges, notes and readiness answers."""
    return Scenario(
        name="Invoice triage assistant",
        description="Routes invoice exceptions.",
        users={"low": 150, "likely": 200, "high": 220},
        tasks_per_day=12,
        minutes_saved_per_task={"low": 2, "likely": 4, "high": 6},
        hourly_rate=55,
        platform_cost_annual=60_000,
        model_cost_annual=36_000,
        support_cost_annual=40_000,
        build_cost=250_000,
        change_cost=50_000,
        adoption_months=3,
        notes={"users": "AP headcount", "minutes_saved_per_task": "PoC time study"},
        readiness={
            "value_signal": "done",
            "feasibility_baseline": "done",
            "risks_documented": "done",
            "decision_memo": "done",
            "owner_sponsor_committed": {"status": "open", "owner": "CFO"},
        },
        **GO_READY,  # the readiness review signed off, the production owner named
    )


@pytest.fixture(scope="module")
def hostile(scenario) -> Scenario:
    return scenario.evolve(
        name=HOSTILE,
        description='</p><img src=x onerror="alert(2)">',
        notes={"users": "a|b\nc <b>bold</b> `tick`", "hourly_rate": "| --- |"},
        readiness={
            "owner_sponsor_committed": {
                "status": "open",
                "owner": "`x`|<i>y</i>",
                "note": "<script>alert(3)</script>",
            }
        },
    )


@pytest.fixture(scope="module")
def simulation(scenario):
    return simulate(scenario, samples=SAMPLES, seed=SEED)


@pytest.fixture(scope="module")
def html(scenario) -> str:
    return render(A(scenario, SAMPLES, SEED), "html", date=DATE)


@pytest.fixture(scope="module")
def markdown(scenario) -> str:
    return render(A(scenario, SAMPLES, SEED), "md", date=DATE, images="none")


# --- parsing what the reader sees ----------------------------------------------------------

_NUMBER = re.compile(r"-?\$?-?[\d,]+(?:\.\d+)?")


def shown_number(text: str) -> tuple[float | None, float]:
    """(value, half the last shown digit) from memo text like '-$1,234', '1.9 months', '10%'."""
    text = text.replace("\\", "").strip()
    if text in ("never", "n/a", "none"):
        return None, 0.0
    match = _NUMBER.search(text)
    assert match, f"no number in {text!r}"
    raw = match.group(0)
    value = float(raw.replace("$", "").replace(",", "").replace("--", "-"))
    decimals = len(raw.split(".")[1]) if "." in raw else 0
    return value, 0.5 * 10**-decimals + 1e-9


def assert_shows(text: str, actual: float | None, scale: float = 1.0) -> None:
    """The memo text shows `actual` (times scale) to the precision it prints."""
    value, tolerance = shown_number(text)
    if actual is None:
        assert value is None, f"{text!r} should say never / n/a"
        return
    assert value is not None, f"{text!r} should show {actual}"
    assert abs(value - actual * scale) <= tolerance, (text, actual)


def md_cells(line: str) -> list[str]:
    """Cells of a Markdown table row, split on pipes that are not backslash-escaped."""
    return [c.strip() for c in re.split(r"(?<!\\)\|", line.strip())[1:-1]]


def md_table(markdown: str, header: str) -> list[list[str]]:
    lines = markdown.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(f"| {header} |"))
    rows = []
    for line in lines[start + 2 :]:
        if not line.startswith("|"):
            break
        rows.append(md_cells(line))
    return rows


# --- the context -----------------------------------------------------------------------------


def test_context_is_plain_json_ready_data(scenario, simulation):
    context = memo_context(A(scenario, SAMPLES, SEED, simulation=simulation), date=DATE)
    assert json.loads(json.dumps(context, allow_nan=False)) == context


def test_context_numbers_are_the_packages_results(scenario, simulation):
    context = memo_context(A(scenario, SAMPLES, SEED, simulation=simulation), date=DATE)
    results = evaluate(scenario)
    for row in context["headline"]:
        source = headline_source(scenario, row["key"])  # the decision's payback and NPV
        assert row["likely"] == getattr(results, source)
        for q in (10, 50, 90):
            assert row[f"p{q}"] == simulation.percentile(source, q)
    assert context["probability"]["value"] == simulation.prob_meets_threshold
    assert [r["break_even"] for r in context["break_even"]] == [r.value for r in results.break_even]
    assert context["footer"] == {
        "version": context["footer"]["version"],
        "date": DATE,
        "seed": SEED,
        "samples": SAMPLES,
        "samples_text": "2,000",
        "input_hash": input_hash(scenario, SAMPLES, SEED, load_checklists(), DecisionRule()),
    }


def test_context_decision_uses_the_scenarios_readiness(scenario):
    context = memo_context(A(scenario, SAMPLES, SEED), date=DATE)
    assert context["decision"]["outcome"] == "Conditional go"
    assert context["decision"]["conditions"] == [
        "Close: A product owner and a sponsor are committed to fund and adopt the MVP (owner: CFO)."
    ]
    # Answers passed in replace the scenario's own.
    done = {
        k: "done"
        for k in (
            "value_signal",
            "feasibility_baseline",
            "risks_documented",
            "decision_memo",
            "owner_sponsor_committed",
        )
    }
    assert memo_context(A(scenario, SAMPLES, SEED, readiness=done))["decision"]["outcome"] == "Go"


def test_assumptions_list_every_input_with_its_range_and_source_note(scenario):
    rows = {r["field"]: r for r in memo_context(A(scenario, SAMPLES, SEED))["assumptions"]}
    # Every input, but fallbacks only where given (this scenario has none).
    assert list(rows) == [f for f in NUMERIC_FIELDS if f not in UNLESS_GIVEN]
    given = scenario.evolve(fallback_rate=0.2, capacity_realised=0.8)
    rows_given = memo_context(A(given, 0))["assumptions"]
    assert [r["field"] for r in rows_given] == [
        f
        for f in NUMERIC_FIELDS
        if f not in UNLESS_GIVEN or f in ("fallback_rate", "capacity_realised")
    ]
    assert [r["likely_text"] for r in rows_given[-2:]] == ["20%", "80%"]
    assert (rows["users"]["low"], rows["users"]["high"]) == (150, 220)
    assert rows["users"]["note"] == "AP headcount"
    assert rows["hourly_rate"]["range_text"] == "fixed"


@pytest.mark.parametrize(
    ("change", "same"),
    [
        ({}, True),
        ({"date": "2030-01-01"}, True),
        ({"seed": SEED + 1}, False),
        ({"samples": SAMPLES + 1}, False),
        ({"users": 201}, False),
        ({"readiness": {"value_signal": "open"}}, False),
        ({"rule": DecisionRule(confidence=0.8)}, False),
    ],
)
def test_input_hash_covers_inputs_not_the_date(scenario, change, same):
    def footer_hash(**kw):
        seed, samples = kw.pop("seed", SEED), kw.pop("samples", 500)
        rule = kw.pop("rule", None)
        subject = scenario.evolve(**kw) if kw and "date" not in kw else scenario
        date = kw.get("date", DATE)
        return memo_context(A(subject, samples, seed, rule=rule), date=date)["footer"]["input_hash"]

    assert (footer_hash() == footer_hash(**change)) is same


def test_input_hash_takes_checklists_by_content_not_by_path(scenario, tmp_path):
    text = "gates:\n  - {number: 0, pitfall: Ours.}\n"
    first, second = tmp_path / "a.yaml", tmp_path / "b.yaml"
    first.write_text(text)
    second.write_text(text)
    hashes = {
        memo_context(A(scenario, 500, 1, checklists=path))["footer"]["input_hash"]
        for path in (first, second)
    }
    assert len(hashes) == 1
    assert hashes != {memo_context(A(scenario, 500, 1))["footer"]["input_hash"]}


# --- every number in the HTML memo -----------------------------------------------------------


def test_html_headline_numbers_equal_the_packages(html, scenario, simulation):
    results = evaluate(scenario)
    for key in ("annual_impact", "payback_months", "npv"):
        card = re.search(
            rf'data-metric="{key}">.*?<div class="value">([^<]*)</div>.*?'
            r'<span class="p10">([^<]*)</span>.*?<span class="p90">([^<]*)</span>.*?'
            r'<span class="likely-value">([^<]*)</span>',
            html,
            re.S,
        )
        assert card, key
        p50, p10, p90, likely = card.groups()
        source = headline_source(scenario, key)
        assert_shows(p50, simulation.percentile(source, 50))
        assert_shows(p10, simulation.percentile(source, 10))
        assert_shows(p90, simulation.percentile(source, 90))
        assert_shows(likely, getattr(results, source))
    # Time to value is part of the ask (likely values), beside the go-live week.
    go_live = re.search(r'id="ask-go-live">([^<]*)<', html).group(1)
    assert_shows(go_live.split("earned back")[1], results.time_to_value_months)
    assert_shows(go_live, results.timeline.likely_weeks)


def test_html_probability_decision_and_footer_equal_the_packages(html, scenario, simulation):
    shown = re.search(r'id="probability">.*?<strong>([^<]*)</strong>', html, re.S).group(1)
    assert_shows(shown, simulation.prob_meets_threshold, scale=100)
    assert re.search(r'id="decision">([^<]*)<', html).group(1) == "Conditional go"
    assert re.search(r'id="seed">(\d+)<', html).group(1) == str(SEED)
    assert re.search(r'id="samples">(\d+)<', html).group(1) == str(SAMPLES)
    expected = input_hash(scenario, SAMPLES, SEED, load_checklists(), DecisionRule())
    assert re.search(r'id="input-hash">([0-9a-f]{64})<', html).group(1) == expected
    assert re.search(r'id="date">([^<]*)<', html).group(1) == DATE


def test_html_assumption_and_break_even_tables_equal_the_packages(html, scenario):
    """One table: each input's likely value, and its break-even and change where it has one
    (whole people and days rounded to their safe side, as `shown_break_even` says)."""
    results = evaluate(scenario)
    for field in NUMERIC_FIELDS:
        row = re.search(rf'<tr data-field="{field}"><td>[^<]*</td><td class="num">([^<]*)<', html)
        if field in UNLESS_GIVEN and scenario.value(field) == FIELD_SPECS[field].default:
            assert row is None  # no fallbacks given: the table reads as it did before them
            continue
        scale = 100 if FIELD_SPECS[field].unit in PERCENT_UNITS else 1  # shown as a percent
        assert_shows(row.group(1), scenario.value(field), scale)
    table = re.search(r'<table id="assumptions">(.*?)</table>', html, re.S).group(1)
    for row in results.break_even:
        default = FIELD_SPECS[row.field].default
        if row.field in UNLESS_GIVEN and scenario.value(row.field) == default:
            continue
        cells = re.search(rf'data-field="{row.field}">(.*?)</tr>', table, re.S).group(1)
        shown = re.search(r'<td class="num break-even">([^<]*)</td>', cells).group(1)
        change = re.search(r'<td class="num change">([^<]*)</td>', cells).group(1)
        if row.value is None:
            assert shown.strip() == "none"
        else:
            stated = shown_break_even(row.field, row.value, row.direction)
            assert_shows(shown, stated, 100 if FIELD_SPECS[row.field].unit in PERCENT_UNITS else 1)
            assert shown.startswith(row.direction)
            assert_shows(change, row.change_pct)


def test_html_readiness_counts_equal_the_answers(html):
    row = re.search(r'data-checklist="poc_exit">(.*?)</tr>', html, re.S).group(1)
    assert re.findall(r'<td class="num">([^<]*)</td>', row) == ["1", "4", "1", "0"]


def test_same_inputs_give_a_byte_identical_memo(scenario, html):
    assert render(A(scenario, SAMPLES, SEED), "html", date=DATE) == html


def test_plotly_js_is_embedded_once_or_linked_once(scenario):
    from plotly.offline import get_plotlyjs

    library = get_plotlyjs()[:200]
    embedded = render(A(scenario, 500, 1), "html", date=DATE)
    assert embedded.count(library) == 1
    assert embedded.count('class="plotly-graph-div"') == 4
    linked = render(A(scenario, 500, 1), "html", date=DATE, plotly_js="lib/plotly.min.js")
    assert library not in linked
    assert linked.count('<script charset="utf-8" src="lib/plotly.min.js"></script>') == 1


@pytest.mark.parametrize("bad", ["", "x.css", 'a.js"><script>', "https://cdn/x.js onerror"])
def test_plotly_js_must_be_a_plain_js_path(scenario, bad):
    with pytest.raises(MemoError, match="plotly_js"):
        render(A(scenario, 200, 1), "html", plotly_js=bad)


# --- escaping ------------------------------------------------------------------------------


def test_html_escapes_hostile_user_text(hostile):
    page = render(A(hostile, 500, 1), "html", date=DATE)
    for raw in (
        "<script>alert(1)",
        "<img src=x",
        "<script>alert(3)",
        "<b>bold</b>",
        "<i>y</i>",
        "</script> a|b",
    ):
        assert raw not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt; a|b `rm -rf`" in page
    assert "&lt;img src=x onerror=&#34;alert(2)&#34;&gt;" in page


def test_markdown_escapes_hostile_user_text_and_keeps_tables_whole(hostile):
    text = render(A(hostile, 500, 1), "md", date=DATE, images="none")
    assert "<script>" not in text and "<img" not in text and "<b>" not in text
    assert text.splitlines()[0].startswith("# &lt;script&gt;alert(1)&lt;/script&gt; a\\|b")
    for line in text.splitlines():
        if line.startswith("|"):
            assert line.endswith("|"), line
        if line.startswith("#"):
            assert re.match(r"#{1,3} ", line), line
    for header, width in (("Input", 4), ("Item", 3), ("Headline", 5), ("Checklist", 5)):
        rows = md_table(text, header)
        assert rows and all(len(r) == width for r in rows), (header, rows)
    assumptions = {r[0]: r for r in md_table(text, "Input")}
    assert assumptions["Users"][3] == "a\\|b c &lt;b&gt;bold&lt;/b&gt; \\`tick\\`"


def test_markdown_numbers_equal_the_packages(markdown, scenario, simulation):
    results = evaluate(scenario)
    labels = {
        "Annual impact": "annual_impact",
        "Payback": "payback_months",
        "NPV at the decision": "npv",
        "Time to value": "time_to_value_months",
    }
    rows = md_table(markdown, "Headline")
    assert [r[0] for r in rows] == list(labels)
    for label, p50, p10, p90, likely in rows:
        key = headline_source(scenario, labels[label])
        assert_shows(p50, simulation.percentile(key, 50))
        assert_shows(p10, simulation.percentile(key, 10))
        assert_shows(p90, simulation.percentile(key, 90))
        assert_shows(likely, getattr(results, key))
    for label, likely, *_ in md_table(markdown, "Input"):
        field = next(f for f in NUMERIC_FIELDS if FIELD_SPECS[f].label == label)
        assert_shows(likely, scenario.value(field), 100 if field == "discount_rate" else 1)
    assert f"`{input_hash(scenario, SAMPLES, SEED, load_checklists(), DecisionRule())}`" in (
        markdown
    )
    assert "**Decision: Conditional go**" in markdown


# --- files, names, templates, CLI ------------------------------------------------------------


def test_write_memos_keeps_hostile_names_inside_out_dir(hostile, tmp_path):
    out = tmp_path / "out"
    paths = write_memos(
        A(hostile.evolve(name="../../escape"), 300, 1),
        out,
        ("html", "md"),
        md_images="none",
        date=DATE,
    )
    assert [p.name for p in paths] == ["escape.html", "escape.md"]
    assert sorted(p.name for p in out.iterdir()) == ["escape.html", "escape.md"]  # no temp files
    assert not (tmp_path / "escape.html").exists()


def test_write_memos_rejects_unknown_formats_and_papers(scenario, tmp_path):
    with pytest.raises(MemoError, match="formats"):
        write_memos(A(scenario), tmp_path, ("docx",))
    with pytest.raises(MemoError, match="paper"):
        write_memos(A(scenario), tmp_path, ("pdf",), paper="A3")


def test_a_users_template_gets_the_context_with_autoescape_on(hostile, tmp_path):
    template = tmp_path / "short.html.j2"
    template.write_text(
        "<h1>{{ initiative.name }}</h1><p>{{ decision.outcome }}</p>"
        "{% for c in charts %}{{ c.id }} {% endfor %}"
    )
    page = render(A(hostile, 300, 1), "html", template=template)
    assert page.startswith("<h1>&lt;script&gt;alert(1)&lt;/script&gt;")
    assert "cash_flow payback_distribution tornado timeline" in page


def test_an_edited_template_is_used_on_the_next_render(scenario, tmp_path):
    """Compiled templates are cached, but a user's edit between two memos still shows."""
    import os

    template = tmp_path / "mine.md.j2"
    template.write_text("first {{ decision.outcome }}")
    assert render(A(scenario, 300, 1), "md", template=template, images="none").startswith("first")
    template.write_text("second {{ decision.outcome }}")
    stat = template.stat()
    os.utime(template, (stat.st_atime, stat.st_mtime + 5))  # a later save, whatever the clock
    assert render(A(scenario, 300, 1), "md", template=template, images="none").startswith("second")


def test_a_broken_or_missing_template_is_a_clear_error(scenario, tmp_path):
    broken = tmp_path / "broken.html.j2"
    broken.write_text("{% for x in %}")
    with pytest.raises(MemoError, match=r"broken\.html\.j2 line 1"):
        render(A(scenario, 300, 1), "html", template=broken)
    unknown = tmp_path / "unknown.md.j2"
    unknown.write_text("{{ no_such_thing }}")
    with pytest.raises(MemoError, match="no_such_thing"):
        render(A(scenario, 300, 1), "md", template=unknown, images="none")
    with pytest.raises(MemoError, match="does not exist"):
        render(A(scenario, 300, 1), "html", template=tmp_path / "none.html.j2")


def test_cli_memo_writes_one_file_per_format(invoice_yaml, tmp_path, capsys):
    code = main(
        [
            "memo",
            str(invoice_yaml),
            "--format",
            "html",
            "--format",
            "md",
            "--md-images",
            "none",
            "-o",
            str(tmp_path),
            "--samples",
            "500",
            "--date",
            DATE,
        ]
    )
    assert code == 0
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == ["invoice-triage-assistant.html", "invoice-triage-assistant.md"]
    assert capsys.readouterr().out.split() == [str(tmp_path / n) for n in names]


@pytest.mark.parametrize(
    "args",
    [
        ["--confidence", "2"],
        ["--template", "memo.txt"],
        ["--date", "yesterday"],
    ],
)
def test_cli_memo_bad_input_exits_2_with_a_message(invoice_yaml, tmp_path, capsys, args):
    assert main(["memo", str(invoice_yaml), "-o", str(tmp_path), *args]) == 2
    assert capsys.readouterr().err.startswith("roi: ")
    assert not list(tmp_path.iterdir())


def test_cli_memo_refuses_negative_samples(invoice_yaml, tmp_path, capsys):
    """--samples -1 is refused by the parser (exit 2) with what is allowed; 0 is allowed
    and means no Monte Carlo."""
    with pytest.raises(SystemExit) as stopped:
        main(["memo", str(invoice_yaml), "-o", str(tmp_path), "--samples", "-1"])
    assert stopped.value.code == 2
    assert "must be a whole number >= 0: got '-1'" in capsys.readouterr().err
    assert not list(tmp_path.iterdir())


def test_memo_error_is_an_roi_error():
    assert issubclass(MemoError, RoiError)


# --- in the browser ----------------------------------------------------------------------------


def _load_in_chromium(path: Path) -> dict:
    """Open a memo file; record requests, console errors, page errors, dialogs, charts."""
    seen: dict = {"requests": [], "errors": [], "dialogs": []}
    with chromium() as browser:
        page = browser.new_page()
        page.on("request", lambda r: seen["requests"].append(r.url))
        page.on("console", lambda m: m.type == "error" and seen["errors"].append(m.text))
        page.on("pageerror", lambda e: seen["errors"].append(str(e)))
        page.on("dialog", lambda d: (seen["dialogs"].append(d.message), d.dismiss()))
        page.goto(path.resolve().as_uri(), wait_until="load")
        page.wait_for_function(CHARTS_DRAWN, arg=4, timeout=30_000)
        seen["charts"] = page.locator(".plotly-graph-div").count()
        seen["title"] = page.locator("#initiative").inner_text()
        seen["decision"] = page.locator("#decision").inner_text()
    return seen


@pytest.mark.slow
@pytest.mark.browser
def test_html_memo_renders_offline_with_no_errors_and_no_requests(hostile, tmp_path):
    [path] = write_memos(A(hostile, 1_000, 1), tmp_path, ("html",), date=DATE)
    seen = _load_in_chromium(path)
    assert seen["requests"] == [path.resolve().as_uri()]
    assert seen["errors"] == [] and seen["dialogs"] == []
    assert seen["charts"] == 4
    assert seen["title"] == " ".join(HOSTILE.split())  # shown as text, not run
    assert seen["decision"] in ("Go", "Conditional go", "No-go")


@pytest.mark.slow
@pytest.mark.browser
def test_memo_with_a_shared_local_plotly_js_loads_only_that_file(scenario, tmp_path):
    library = copy_plotly_js(tmp_path)
    [path] = write_memos(A(scenario, 500, 1), tmp_path, ("html",), plotly_js="plotly.min.js")
    seen = _load_in_chromium(path)
    assert sorted(seen["requests"]) == sorted([path.as_uri(), library.resolve().as_uri()])
    assert seen["errors"] == [] and seen["charts"] == 4


def _pdf_text(path: Path, page: int | None = None) -> str:
    pages = [] if page is None else ["-f", str(page), "-l", str(page)]
    text = subprocess.run(
        ["pdftotext", *pages, str(path), "-"], check=True, capture_output=True, text=True
    ).stdout
    return " ".join(text.split())  # a word wrapped in a narrow box is still the word


@pytest.mark.slow
@pytest.mark.browser
@pytest.mark.parametrize(("paper", "size"), [("A4", "(A4)"), ("Letter", "(letter)")])
def test_pdf_opens_and_holds_the_decision(scenario, tmp_path, paper, size):
    [path] = write_memos(A(scenario, 1_000, 1), tmp_path, ("pdf",), paper=paper, date=DATE)
    assert path.read_bytes().startswith(b"%PDF-")
    text = _pdf_text(path)
    assert "Invoice triage assistant" in text
    assert "Conditional go" in text
    assert "Kill criteria" in text
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True).stdout
    assert re.search(r"Page size: .* pts " + re.escape(size), info), info
    # Charts are drawn, not blank: their axis titles are text in the PDF.
    assert "Months after go-live" in text


@pytest.mark.slow
@pytest.mark.browser
@pytest.mark.parametrize(
    "starter", ["invoice_triage", "sales_copilot", "support_ticket_classifier"]
)
def test_a_starters_pdf_is_at_most_four_pages_and_page_one_stands_alone(starter, tmp_path):
    """Page 1 holds the decision, its why, the ask (budget, team, go-live) and the three
    headline numbers; the appendix follows, and the whole memo fits 4 A4 pages."""
    assessment = A(load_scenario(SCENARIOS / f"{starter}.yaml"), 4_000, SEED)
    [path] = write_memos(assessment, tmp_path, ("pdf",), date=DATE)
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True).stdout
    pages = int(re.search(r"Pages:\s+(\d+)", info).group(1))
    assert 2 <= pages <= 4, info
    first = _pdf_text(path, page=1)
    context = memo_context(assessment, date=DATE)
    assert context["decision"]["outcome"] in first
    assert " ".join(context["why"].split()) in first
    ask = context["ask"]
    for text in (ask["budget_text"], ask["running_text"], ask["team_text"], ask["go_live_text"]):
        assert " ".join(text.split()) in first, text
    for h in context["headline"][:3]:
        assert (h["p50_text"] if h["simulated"] else h["likely_text"]) in first, h["key"]
    assert "Appendix A" not in first  # the appendix starts on a page of its own
    assert "Appendix A" in _pdf_text(path, page=2)


CHART_IDS = ("cash_flow", "payback_distribution", "tornado", "timeline")


def test_markdown_charts_are_svg_files_beside_it_and_render_where_data_uris_are_stripped(
    scenario, tmp_path
):
    """By default the charts are SVG files linked from the memo; markdown-it (which, like
    GitHub, drops data: URIs that are not gif/png/jpeg/webp) shows them as images. With
    md_images="embed" the same renderer strips every one: why files are the default."""
    from markdown_it import MarkdownIt

    renderer = MarkdownIt("commonmark").enable("table")
    [linked] = write_memos(A(scenario, 500, 1), tmp_path / "b", ("md",), date=DATE)
    links = re.findall(r"\]\(([^)]+\.svg)\)", linked.read_text())
    assert links == [f"invoice-triage-assistant_charts/{c}.svg" for c in CHART_IDS]
    assert all("<svg" in (linked.parent / link).read_text() for link in links)
    page = renderer.render(linked.read_text())
    assert re.findall(r'<img src="([^"]+)"', page) == links
    [embedded] = write_memos(
        A(scenario, 500, 1), tmp_path / "a", ("md",), date=DATE, md_images="embed"
    )
    uris = re.findall(r"\]\(data:image/svg\+xml;base64,([A-Za-z0-9+/=]+)\)", embedded.read_text())
    assert len(uris) == 4
    assert all("<svg" in base64.b64decode(u).decode() for u in uris)
    assert 'src="data:' not in renderer.render(embedded.read_text())


def test_markdown_memo_needs_no_browser(scenario, tmp_path):
    """A Markdown memo with charts is written without starting Chromium or importing
    Playwright (a fresh interpreter, so nothing else has imported it first)."""
    code = (
        "import sys; from roi.assess import assess; from roi.reports.memo import write_memos\n"
        "from roi.files import load_scenario; from roi.resources import EXAMPLE_SCENARIO\n"
        "s = load_scenario(EXAMPLE_SCENARIO)\n"
        f"write_memos(assess(s, samples=300), {str(tmp_path)!r}, ('md',))\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'playwright'))\n"
    )
    env = {**os.environ, "ROI_CHROMIUM": "/nonexistent/chromium"}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
    assert len(list(tmp_path.glob("*_charts/*.svg"))) == 2  # cash flow, timeline


def test_without_ranges_the_memo_explains_the_missing_monte_carlo(invoice_fields):
    """No ranges: no simulation, so cash flow and timeline only, on the likely basis."""
    page = render(A(Scenario(**invoice_fields), 300, 1), "html", date=DATE)
    assert page.count('class="plotly-graph-div"') == 2
    assert 'id="chart-tornado"' not in page and 'id="figure-payback_distribution"' not in page
    assert 'id="no-ranges"' in page and 'id="probability"' not in page
    assert "(P50)" not in page


def test_a_simulation_passed_in_states_its_own_seed_and_sample_count(scenario, simulation):
    footer = memo_context(A(scenario, 999, 5, simulation=simulation))["footer"]
    assert (footer["seed"], footer["samples"]) == (SEED, SAMPLES)
    assert footer["input_hash"] == input_hash(
        scenario, SAMPLES, SEED, load_checklists(), DecisionRule()
    )


# --- properties ----------------------------------------------------------------------------


@settings(max_examples=15, deadline=None)
@given(scenarios())
def test_markdown_tables_keep_their_shape_for_any_scenario(any_scenario):
    text = render(A(any_scenario, 100, 1), "md", date=DATE, images="none")
    lines = text.splitlines()
    for index, line in enumerate(lines):
        if line.startswith("|---"):
            width = len(md_cells(lines[index - 1]))
            for row in lines[index + 1 :]:
                if not row.startswith("|"):
                    break
                assert len(md_cells(row)) == width, row


# --- evidence: success criteria, measurement plan, odds by gate ------------------------------


@pytest.fixture(scope="module")
def starter_assessment():
    """A starter with success criteria, one of them a measured range (sales copilot)."""
    return A(load_scenario(SCENARIOS / "sales_copilot.yaml"), 4_000, SEED)


def test_html_criteria_table_shows_each_criterions_status_and_odds(starter_assessment):
    page = render(starter_assessment, "html", date=DATE)
    table = re.search(r'<table id="success-criteria">(.*?)</table>', page, re.S).group(1)
    rows = re.findall(r'<tr data-status="(\w+)">(.*?)</tr>', table, re.S)
    criteria = starter_assessment.evidence.criteria
    assert [status for status, _ in rows] == [c.status for c in criteria]
    for (_, cells), c in zip(rows, criteria, strict=True):
        shown = re.findall(r'<td class="num">([^<]*)</td>', cells)
        assert c.name in cells
        if c.prob_meets_target is not None:
            assert_shows(shown[3], c.prob_meets_target, scale=100)


def test_html_gate_odds_and_risk_adjusted_npv_equal_the_evidence(starter_assessment):
    page = render(starter_assessment, "html", date=DATE)
    evidence = starter_assessment.evidence
    table = re.search(r'<table id="gate-odds">(.*?)</table>', page, re.S).group(1)
    rows = re.findall(r"<tr><td>(\d)\. (.*?)</tr>", table, re.S)
    assert [int(n) for n, _ in rows] == [g.number for g in evidence.gates]
    for (_, cells), gate in zip(rows, evidence.gates, strict=True):
        shown = re.findall(r'<td class="num">([^<]*)</td>', cells)
        assert_shows(shown[0], gate.probability, scale=100)
        assert_shows(shown[1], gate.prob_reach, scale=100)
    text = re.search(r'id="risk-adjusted">Risk-adjusted NPV <strong>([^<]*)<', page).group(1)
    assert_shows(text, evidence.risk_adjusted_npv)
    plan = re.search(r'id="measurement-plan"><strong>[^<]*</strong> ([^<]*)<', page).group(1)
    assert html_lib.unescape(plan) == evidence.plan_sentence()


def test_markdown_carries_the_same_criteria_and_gates(starter_assessment):
    text = render(starter_assessment, "md", date=DATE, images="none")
    evidence = starter_assessment.evidence
    assert "## Success criteria" in text and "## Odds across the gates" in text
    for c in evidence.criteria:
        assert any(
            c.status in line and c.name in line.replace("\\", "") for line in text.splitlines()
        )


@pytest.mark.browser
def test_a_templates_remote_and_local_file_links_are_not_fetched_when_printing(scenario, tmp_path):
    """Before: a --template's PDF fetched remote URLs and embedded file:///etc/passwd. The
    page is printed from an address roi answers itself: the page, files inside the memo's
    folder, nothing else (a local server stands in for the network and counts requests)."""
    import http.server
    import threading

    hits: list[str] = []

    class Recorder(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            hits.append(self.path)
            self.send_response(200)
            self.end_headers()
            self.wfile.write(b"REMOTE-CONTENT")

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Recorder)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    remote = f"http://127.0.0.1:{server.server_address[1]}"
    out = tmp_path / "out"
    out.mkdir()
    (out / "note.txt").write_text("OWN-FOLDER-FILE")
    (tmp_path / "outside.txt").write_text("OUTSIDE-FILE")
    template = tmp_path / "leaky.html.j2"
    template.write_text(
        "<h1>{{ initiative.name }}</h1>"
        f"<iframe src='file:///etc/passwd'></iframe><iframe src='{remote}/frame'></iframe>"
        "<iframe src='note.txt'></iframe><iframe src='../outside.txt'></iframe>"
        f"<img src='{remote}/img.png'><link rel=stylesheet href='{remote}/s.css'>"
        f"<script src='{remote}/s.js'></script>"
        f"<script>fetch('{remote}/fetch').catch(() => null);"
        f"new WebSocket('ws://127.0.0.1:{server.server_address[1]}/ws')</script>"
    )
    try:
        [pdf] = write_memos(A(scenario, 0, 1), out, ("pdf",), template=template, date=DATE)
    finally:
        server.shutdown()
    text = _pdf_text(pdf)
    assert scenario.name in text
    assert hits == []
    assert "root:" not in text and "REMOTE-CONTENT" not in text and "OUTSIDE-FILE" not in text
    assert "OWN-FOLDER-FILE" in text  # the memo's own folder is served
