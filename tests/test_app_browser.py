"""The workbook served by a real Voila and driven in real headless Chromium.

One Voila server and one page for the module (a kernel start costs seconds); the tests
run in file order and each starts from the Reset button. Expected values come from
roi's own functions on the notebook's parameters, never from the page.
"""

from __future__ import annotations

import ast
import json
import re
import shutil
import time
from pathlib import Path

import openpyxl
import pytest
from browser import chromium, voila_server

from roi.assess import assess
from roi.evaluate import evaluate
from roi.formatting import money
from roi.reports.notebook import scenario_from_parameters

ROOT = Path(__file__).resolve().parents[1]
WORKBOOK = ROOT / "notebooks" / "workbook.ipynb"
OUTPUTS = ROOT / "outputs"

pytestmark = [pytest.mark.slow, pytest.mark.browser]

KPI = ".roi-kpi-{key} .roi-kpi-value"
PAGE_TIMEOUT_MS = 180_000
"""A page's first paint: about 4 s alone, but CI runs this file beside the other half of
the suite (Dask clusters, LibreOffice, papermill kernels) on two cores."""
SERVER_LOG: list[Path] = []


def notebook_scenario():
    """The scenario the workbook's parameters cell describes (its literals, evaluated)."""
    notebook = json.loads(WORKBOOK.read_text())
    cell = next(c for c in notebook["cells"] if "parameters" in c["metadata"].get("tags", []))
    namespace: dict = {}
    for node in ast.parse("".join(cell["source"])).body:
        namespace[node.targets[0].id] = ast.literal_eval(node.value)
    return scenario_from_parameters(namespace)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    log = tmp_path_factory.mktemp("voila") / "voila.log"
    SERVER_LOG[:] = [log]
    with voila_server(WORKBOOK, log_path=log) as url:
        yield url


def _log_tail() -> str:
    """The end of the module's Voila log (for a message about a page that never came)."""
    return SERVER_LOG[0].read_text()[-3000:] if SERVER_LOG else ""


def goto(page, url: str) -> None:
    """Open the app: the first byte of the page is awaited, not its load event (which waits
    for every cell); callers then wait for what they need. A timeout says what Voila
    logged last."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    try:
        page.goto(url, timeout=PAGE_TIMEOUT_MS, wait_until="commit")
    except PlaywrightTimeout as error:
        tail = _log_tail()
        raise AssertionError(f"{url} did not answer; Voila's log ends:\n{tail}") from error


@pytest.fixture(scope="module")
def browser():
    with chromium() as launched:
        yield launched


@pytest.fixture(scope="module")
def app(server, browser):
    """The loaded workbook page, with every console error and off-host request recorded."""
    page = browser.new_page(viewport={"width": 1300, "height": 1600}, accept_downloads=True)
    page.console_errors = []
    page.outside_requests = []
    page.on("console", lambda m: m.type == "error" and page.console_errors.append(m.text))
    page.on("pageerror", lambda error: page.console_errors.append(str(error)))
    page.on(
        "request",
        lambda r: (
            r.url.startswith(("http://127.0.0.1", "data:", "blob:"))
            or page.outside_requests.append(r.url)
        ),
    )
    goto(page, server + "/")
    page.wait_for_selector(KPI.format(key="annual_impact"), timeout=PAGE_TIMEOUT_MS)
    yield page
    page.close()


def headline(scenario, key: str) -> str:
    """A KPI card's value as the app must show it: the assessment's headline, formatted."""
    return money(assess(scenario).headline(key).value)


def reset(page):
    page.click(".roi-reset")
    expected = headline(notebook_scenario(), "annual_impact")
    page.wait_for_function(
        "([sel, text]) => document.querySelector(sel).innerText === text",
        arg=[KPI.format(key="annual_impact"), expected],
        timeout=60_000,
    )


def type_into_slider(page, field: str, value: float | str) -> None:
    """Type a value into the box beside a slider and press Enter, as a user can."""
    box = page.locator(f".roi-typed-{field} input")
    box.click()
    page.keyboard.press("Control+A")
    page.keyboard.type(value if isinstance(value, str) else f"{value:g}")
    page.keyboard.press("Enter")


def kpi_text(page, key: str) -> str:
    return page.inner_text(KPI.format(key=key))


def wait_for_kpi(page, key: str, text: str) -> None:
    page.wait_for_function(
        "([sel, text]) => document.querySelector(sel).innerText === text",
        arg=[KPI.format(key=key), text],
        timeout=60_000,  # generous: a loaded CI machine, not the app, sets this
    )


def test_page_renders_roi_numbers_and_charts_with_no_console_errors(app):
    """First render: KPI cards show roi's numbers, charts draw, no console errors, no CDN."""
    scenario = notebook_scenario()
    assert kpi_text(app, "annual_impact") == headline(scenario, "annual_impact")
    assert kpi_text(app, "npv") == headline(scenario, "npv")
    basis = assess(scenario).basis
    assert app.inner_text(".roi-kpi-annual_impact .roi-kpi-label") == f"Annual impact ({basis})"
    app.wait_for_selector(".roi-chart-cash_flow .main-svg", timeout=30_000)
    # The charts arrive after the cards, each drawn as its widget comes in.
    app.wait_for_function(
        "() => document.querySelectorAll('.js-plotly-plot').length >= 2", timeout=30_000
    )
    assert "Traceback" not in app.inner_text("body")
    OUTPUTS.mkdir(exist_ok=True)
    app.screenshot(path=str(OUTPUTS / "app.png"), full_page=False)
    gantt = app.locator(".roi-chart-gantt")
    gantt.scroll_into_view_if_needed()
    app.wait_for_selector(".roi-chart-gantt .main-svg", timeout=30_000)
    gantt.screenshot(path=str(OUTPUTS / "app-gantt.png"))  # looked at by eye: title, legend
    title = gantt.locator(".roi-chart-title").bounding_box()
    legend = gantt.locator(".legend").bounding_box()
    assert title["y"] + title["height"] <= legend["y"], "the legend overlaps the title"
    assert app.console_errors == []
    assert app.outside_requests == []


def test_moving_a_slider_updates_kpis_and_chart_data_to_roi_values(app):
    """Users 200 → 300: the annual impact card and the cash-flow trace follow roi's numbers."""
    reset(app)
    moved = notebook_scenario().evolve(users=300)
    expected = evaluate(moved)
    type_into_slider(app, "users", 300)
    wait_for_kpi(app, "annual_impact", headline(moved, "annual_impact"))
    wait_for_kpi(app, "npv", headline(moved, "npv"))
    assert kpi_text(app, "monthly_net_impact") == money(expected.monthly_net_impact)
    from roi.reports.charts import cash_flow

    trace = next(t for t in cash_flow(expected).data if t.name == "Cumulative cash")
    app.wait_for_function(
        """([last]) => {
            const plot = document.querySelector('.roi-chart-cash_flow .js-plotly-plot');
            const line = (plot.data || []).find(t => t.name === 'Cumulative cash');
            return line && Math.abs(line.y[line.y.length - 1] - last) <= 1e-6 * Math.abs(last);
        }""",
        arg=[float(trace.y[-1])],
        timeout=60_000,
    )
    shown = app.evaluate(
        """() => Array.from(document.querySelector('.roi-chart-cash_flow .js-plotly-plot')
            .data.find(t => t.name === 'Cumulative cash').y)"""
    )
    assert shown == pytest.approx(list(trace.y), rel=1e-9)
    assert app.console_errors == []


def test_invalid_combination_shows_the_rule_next_to_the_control(app):
    """100 tasks x 20 minutes is over 24 hours a day: the message sits under the controls."""
    reset(app)
    before = kpi_text(app, "annual_impact")
    type_into_slider(app, "tasks_per_day", 100)
    wait_for_kpi(
        app,
        "annual_impact",
        headline(notebook_scenario().evolve(tasks_per_day=100), "annual_impact"),
    )
    type_into_slider(app, "minutes_saved_per_task", 20)
    message = app.wait_for_selector(".roi-error-minutes_saved_per_task:has-text('1440')")
    assert "100 x 20 = 2000 minutes" in message.inner_text()
    assert app.is_visible(".roi-error-tasks_per_day:has-text('1440')")
    assert "Traceback" not in app.inner_text("body")
    assert kpi_text(app, "annual_impact") != before  # still the last valid inputs (100 x 4)
    assert app.console_errors == []


def test_memo_download_carries_the_decision_shown_on_the_page(app, tmp_path):
    """Prepare downloads → the HTML memo file's decision equals the assessment's and the
    banner's: Conditional go for the example, whose readiness leaves a PoC exit item open."""
    reset(app)
    expected = assess(notebook_scenario()).outcome
    assert expected == "Conditional go"
    assert app.inner_text(".roi-decision .roi-outcome") == expected
    app.click(".roi-prepare-downloads")
    link = app.wait_for_selector("a.roi-download:has-text('Memo (HTML)')", timeout=120_000)
    with app.expect_download() as download:
        link.click()
    saved = tmp_path / download.value.suggested_filename
    download.value.save_as(saved)
    memo = saved.read_text(encoding="utf-8")
    found = re.search(r'id="decision">([^<]+)<', memo)
    assert found and found.group(1).strip() == expected
    with app.expect_download() as download:
        app.click("a.roi-download:has-text('Scenario (YAML)')")
    assert download.value.suggested_filename.endswith(".yaml")
    with app.expect_download() as download:
        app.click("a.roi-download:has-text('Excel model')")
    model = tmp_path / download.value.suggested_filename
    download.value.save_as(model)
    inputs = {
        r[0]: r[2] for r in openpyxl.load_workbook(model)["Inputs"].iter_rows(values_only=True)
    }
    assert inputs["users"] == notebook_scenario().value("users")
    OUTPUTS.mkdir(exist_ok=True)
    shutil.copy(saved, OUTPUTS / "app_memo.html")
    assert app.console_errors == []


def test_uploads_that_cannot_be_used_are_explained_under_the_control(app, tmp_path):
    """A visitor's upload: one naming a server file and one of 12 MiB (before: a file
    past 10 MiB closed the websocket and the page said nothing) each show a message in
    the file error line, and the page keeps working."""

    def upload(path) -> None:  # as a user does: click the button, pick the file
        with app.expect_file_chooser() as chooser:
            app.click("button.widget-upload, .widget-upload")
        chooser.value.set_files(str(path))

    leak = tmp_path / "leak.yaml"
    leak.write_text("name: x\nchecklists: /etc/shadow\n", encoding="utf-8")
    upload(leak)
    error = app.locator(".roi-error-file")
    error.filter(has_text="file on the server").wait_for(timeout=60_000)
    big = tmp_path / "big.csv"
    big.write_bytes(b"x" * (12 * 2**20))
    upload(big)
    error.filter(has_text="is 12.0 MiB; uploads may be 10 MiB").wait_for(timeout=120_000)
    # Past the websocket's 64 MiB message limit (before: the socket closed, nothing shown).
    huge = tmp_path / "huge.csv"
    with huge.open("wb") as handle:
        handle.truncate(100 * 2**20)
    upload(huge)
    error.filter(has_text="is 100.0 MiB; uploads may be 10 MiB").wait_for(timeout=60_000)
    reset(app)
    assert app.console_errors == []


def test_evidence_tab_edits_criteria_and_shows_the_measurement_plan(app):
    """Open the sales copilot, edit a criterion's measured range in the Evidence tab: the
    status, the decision banner, the plan sentence and the EVPPI chart follow roi's model.

    Last in the file: opening a starter makes it the Reset point for the page.
    """
    from roi.app.model import WorkbookModel
    from roi.files import load_scenario
    from roi.resources import SCENARIOS

    expected = WorkbookModel(load_scenario(SCENARIOS / "sales_copilot.yaml"))
    app.select_option(".roi-picker select", label="Sales copilot")
    wait_for_kpi(app, "annual_impact", money(expected.assessment.headline("annual_impact").value))
    app.click(".widget-tab .lm-TabBar-tab:has-text('Evidence'), .p-TabBar-tab:has-text('Evidence')")
    statuses = app.locator(".roi-criterion-status")
    statuses.first.wait_for(timeout=30_000)
    shown = [statuses.nth(i).get_attribute("data-status") for i in range(statuses.count())]
    assert shown == [c.status for c in expected.evidence.criteria] == ["close", "met"]
    # Nothing can change the choice yet: no EVPPI chart, the sentence says why.
    assert not app.is_visible(".roi-chart-evppi")
    assert app.inner_text(".roi-plan").endswith(expected.evidence.plan_sentence())

    # The PoC's hallucination reduction might be as low as 20%, past the 30% kill line.
    assert expected.set_criterion(0, "measured_low", 0.2)
    low = app.locator(".roi-criterion-measured_low input").first
    low.fill("0.2")
    low.press("Enter")
    plan = expected.evidence.plan_sentence()
    assert plan.startswith("Measure fewer hallucinations on safety-critical intents next")
    app.locator(".roi-plan", has_text=plan).wait_for(timeout=60_000)
    app.wait_for_selector(".roi-chart-evppi .main-svg", state="visible", timeout=30_000)
    banner = app.inner_text(".roi-decision")
    assert banner.startswith(expected.verdict.outcome)
    assert any("Fewer hallucinations" in line for line in banner.splitlines())

    app.click(".roi-criterion-add")
    app.locator(".roi-criterion").nth(2).wait_for(timeout=30_000)
    app.locator(".roi-criterion-status").nth(2).wait_for(timeout=60_000)
    assert app.locator(".roi-criterion-status").nth(2).get_attribute("data-status") == "close"
    evidence = app.locator(".roi-criteria").locator("xpath=../..")
    evidence.screenshot(path=str(OUTPUTS / "app-evidence.png"))  # looked at by eye
    assert app.console_errors == []


def test_a_readiness_edit_changes_the_decision(server, browser):
    """Reopening three done PoC exit items leaves four open, past the three bounded
    effort can close: the banner turns No-go, and the checklist's count says 1/5."""
    page = _open(browser, f"{server}/")
    try:
        page.wait_for_selector(KPI.format(key="annual_impact"), timeout=PAGE_TIMEOUT_MS)
        page.get_by_role("tab", name="Readiness").click()
        page.wait_for_selector(".roi-ready-value_signal select", timeout=60_000)
        for item in ("value_signal", "feasibility_baseline", "risks_documented"):
            page.select_option(f".roi-ready-{item} select", "open")
        page.locator(".roi-decision .roi-outcome", has_text="No-go").wait_for(timeout=60_000)
        assert "1/5 done" in page.inner_text(".roi-checklist-poc_exit")
        assert "decides a Go" in page.inner_text(".roi-checklist-poc_exit")
        assert page.console_errors == []
    finally:
        page.close()


def test_variants_compare_highlight_rename_delete_and_export(server, browser):
    """Two variants side by side (the changed row highlighted), renamed and exported as a
    CSV that roi reads back as the two scenarios; deleting one leaves the other."""
    import base64
    import csv
    import io

    page = _open(browser, f"{server}/")
    try:
        page.wait_for_selector(KPI.format(key="annual_impact"), timeout=PAGE_TIMEOUT_MS)

        def save(name):
            page.fill(".widget-text input[placeholder='Variant name']", name)
            page.click(".roi-save-variant")

        save("Base")
        page.locator(".roi-compare th", has_text="Base").wait_for(timeout=60_000)
        type_into_slider(page, "users", 300)
        wait_for_kpi(
            page, "annual_impact", headline(notebook_scenario().evolve(users=300), "annual_impact")
        )
        save("More users")
        page.locator(".roi-compare th", has_text="More users").wait_for(timeout=60_000)
        changed = page.locator(".roi-compare tr.roi-changed td:first-child").all_inner_texts()
        assert "Users" in changed and "Loaded hourly rate" not in changed
        page.select_option(".roi-variant-pick select", "More users")
        page.fill(".roi-variant-new-name input", "300 users")
        page.click(".roi-variant-rename")
        page.locator(".roi-compare th", has_text="300 users").wait_for(timeout=60_000)
        page.wait_for_function(
            "() => atob(document.querySelector('.roi-variant-export a').href.split(',')[1])"
            ".includes('300 users')",
            timeout=60_000,
        )
        href = page.get_attribute(".roi-variant-export a", "href")
        text = base64.b64decode(href.split(",", 1)[1]).decode("utf-8")
        rows = list(csv.DictReader(io.StringIO(text)))
        assert [(r["name"], r["users"]) for r in rows] == [("Base", "200"), ("300 users", "300")]
        page.select_option(".roi-variant-pick select", "Base")
        page.click(".roi-variant-delete")
        page.wait_for_function(
            "() => !Array.from(document.querySelectorAll('.roi-compare th'))"
            ".some(th => th.innerText === 'Base')",
            timeout=60_000,
        )
        assert page.console_errors == []
    finally:
        page.close()


@pytest.mark.parametrize("width", [1440, 1024, 390])
def test_layout_at_desk_laptop_and_phone_widths(server, browser, width):
    """The decision and KPI cards open in view; at 1440 px the inputs sit beside two
    charts a row; at 390 px nothing is wider than the screen. Sliders have accessible
    names and the tab names the initiative and its decision."""
    page = _open(browser, f"{server}/", width)
    try:
        page.wait_for_selector(KPI.format(key="annual_impact"), timeout=PAGE_TIMEOUT_MS)
        page.wait_for_selector(".roi-chart-gantt .main-svg", timeout=60_000)
        page.wait_for_timeout(500)  # the names are set on the next animation frame

        def box(selector):
            return page.locator(selector).first.bounding_box()

        assert box(".roi-banner")["y"] < 900
        assert box(".roi-kpi-annual_impact")["y"] + 40 < 900  # the first card opens in view
        if width == 1440:
            side, cash, gantt = (
                box(".roi-side"),
                box(".roi-chart-cash_flow"),
                box(".roi-chart-gantt"),
            )
            assert side["x"] + side["width"] <= cash["x"]  # inputs beside the charts
            assert cash["y"] == gantt["y"] and cash["x"] < gantt["x"]  # two a row
        for selector in (".roi-banner", ".roi-kpi", ".roi-side", ".roi-charts > .widget-box"):
            for element in page.locator(selector).all():
                found = element.bounding_box()
                if found:  # hidden ones have none
                    assert found["x"] >= 0 and found["x"] + found["width"] <= width + 1, selector
        users = page.get_by_role("slider", name="Users (people)")
        assert users.count() == 1
        assert page.get_by_role("slider", name="Loaded hourly rate ($/h)").count() == 1
        assert (
            page.title() == "Invoice triage assistant: Conditional go \u00b7 AI initiative workbook"
        )
        assert page.locator(".modebar").count() == 0  # no plotly toolbar
        OUTPUTS.mkdir(exist_ok=True)
        page.screenshot(path=str(OUTPUTS / f"app-{width}.png"))  # looked at by eye
        assert page.console_errors == []
    finally:
        page.close()


def test_typed_values_mean_what_they_look_like(server, browser):
    """1,500 users is 1,500 (the browser's own number box read 1); 12% and 12 as the
    discount rate are 12% (they read 50%, the slider's end); abc is a message and grey
    figures; 96% as a share criterion's measured value is 0.96 (it was 9600%)."""
    page = _open(browser, f"{server}/")
    try:
        page.wait_for_selector(KPI.format(key="annual_impact"), timeout=PAGE_TIMEOUT_MS)
        scenario = notebook_scenario()
        type_into_slider(page, "users", "1,500")
        moved = scenario.evolve(users=1500)
        wait_for_kpi(page, "annual_impact", headline(moved, "annual_impact"))
        assert page.input_value(".roi-typed-users input") == "1,500"
        page.get_by_role("tab", name="Costs").click()
        page.wait_for_selector(".roi-typed-discount_rate input", timeout=60_000)
        for typed in ("12%", "12"):
            type_into_slider(page, "discount_rate", typed)
            wait_for_kpi(page, "npv", headline(moved.evolve(discount_rate=0.12), "npv"))
            page.wait_for_function(
                "() => document.querySelector('.roi-typed-discount_rate input').value === '12%'"
            )
        page.get_by_role("tab", name="Impact").click()
        type_into_slider(page, "users", "abc")
        page.wait_for_selector(".roi-error-users:has-text('must be a number')")
        page.wait_for_selector(".roi-out-of-date", timeout=60_000)
        type_into_slider(page, "users", "1,500")
        page.wait_for_selector(".roi-out-of-date", state="detached", timeout=60_000)

        # The example's accuracy criterion is a share: target 0.95, measured 0.93 (close).
        page.get_by_role("tab", name="Evidence").click()
        measured = page.locator(".roi-criterion-measured input").first
        measured.wait_for(timeout=60_000)
        assert measured.input_value() == "93%"
        measured.fill("96%")
        measured.press("Enter")
        met = page.locator(".roi-criterion-status").first
        page.wait_for_function(
            "() => document.querySelector('.roi-criterion-status').dataset.status === 'met'",
            timeout=60_000,
        )
        assert "96%" in met.inner_text() and "9600" not in met.inner_text()
        assert page.console_errors == []
    finally:
        page.close()


def test_an_invalid_input_turns_the_figures_out_of_date(server, browser):
    page = _open(browser, f"{server}/")
    try:
        page.wait_for_selector(KPI.format(key="annual_impact"), timeout=PAGE_TIMEOUT_MS)
        type_into_slider(page, "tasks_per_day", 100)
        type_into_slider(page, "minutes_saved_per_task", 20)
        stale = page.wait_for_selector(".roi-stale:has-text('Out of date: fix 1 input')")
        assert "100 x 20 = 2000 minutes" in stale.inner_text()
        assert page.locator(".roi-out-of-date .roi-banner").count() == 1
        opacity = page.eval_on_selector(".roi-kpi", "e => getComputedStyle(e).opacity")
        assert float(opacity) < 0.6  # greyed
        type_into_slider(page, "minutes_saved_per_task", 4)
        page.wait_for_selector(".roi-out-of-date", state="detached", timeout=60_000)
        assert page.console_errors == []
    finally:
        page.close()


READY = f"{KPI.format(key='annual_impact')}, .roi-error"
"""A page is drawn: its first card, or its error message (a link that cannot be read)."""
FIRST_TRY_MS = 90_000


def _new_page(browser, url: str, width: int):
    page = browser.new_page(viewport={"width": width, "height": 900})
    page.console_errors = []
    page.on("console", lambda m: m.type == "error" and page.console_errors.append(m.text))
    page.on("pageerror", lambda error: page.console_errors.append(str(error)))
    goto(page, url)
    return page


def _open(browser, url: str, width: int = 1440):
    """A new page at `url`, drawn. A page that shows nothing within 90 s is opened once
    more (a kernel that never came up: on CI two pages in 1,400 tests did, beside Dask
    and LibreOffice on two cores); the first one's text and Voila's log are then printed
    with the test, and a second failure fails it with both."""
    page = _new_page(browser, url, width)
    try:
        page.wait_for_selector(READY, timeout=FIRST_TRY_MS)
        return page
    except Exception:  # playwright's TimeoutError
        shown = page.evaluate("() => document.body ? document.body.innerText.slice(0, 400) : ''")
        tail = _log_tail()
        print(f"{url}: nothing drawn in {FIRST_TRY_MS} ms; page: {shown!r}\nVoila log:\n{tail}")
        page.close()
    page = _new_page(browser, url, width)
    try:
        page.wait_for_selector(READY, timeout=PAGE_TIMEOUT_MS)
    except Exception as error:
        tail = _log_tail()
        page.close()
        raise AssertionError(f"{url} drew nothing twice; Voila's log ends:\n{tail}") from error
    return page


def test_a_link_opens_its_values_and_the_page_writes_one_that_round_trips(server, browser):
    """?scenario_file=…&users=…: the page opens those inputs (roi's numbers for them);
    its own "Link to these inputs" opens the same inputs again, ranges included."""
    from roi.app.link import query_parameters
    from roi.files import load_scenario
    from roi.resources import SCENARIOS

    query = "scenario_file=sales_copilot.yaml&users=300&users_low=250&users_high=320"
    expected = load_scenario(SCENARIOS / "sales_copilot.yaml").evolve(
        users={"low": 250, "likely": 300, "high": 320}
    )
    page = _open(browser, f"{server}/?{query}")
    try:
        page.wait_for_selector(KPI.format(key="annual_impact"), timeout=PAGE_TIMEOUT_MS)
        wait_for_kpi(page, "npv", headline(expected, "npv"))
        assert kpi_text(page, "annual_impact") == headline(expected, "annual_impact")
        href = page.get_attribute(".roi-share-link", "href")
        assert href.startswith("?scenario_file=sales_copilot.yaml")
        assert query_parameters(href)["users"] == {"low": "250", "likely": "300", "high": "320"}
        again = _open(browser, f"{server}/{href}")
        try:
            again.wait_for_selector(KPI.format(key="annual_impact"), timeout=PAGE_TIMEOUT_MS)
            wait_for_kpi(again, "npv", headline(expected, "npv"))
            assert again.console_errors == []
        finally:
            again.close()
        assert page.console_errors == []
    finally:
        page.close()


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("users=-5", "'users' must be a number >= 0: got '-5'"),
        ("scenario_file=/etc/passwd", "'scenario_file' must name a starter"),
        ("userz=3", "'userz' is not a scenario field"),
    ],
)
def test_a_link_with_a_bad_value_or_a_server_path_says_so(server, browser, query, message):
    page = _open(browser, f"{server}/?{query}")
    try:
        shown = page.wait_for_selector(".roi-error", timeout=PAGE_TIMEOUT_MS)
        assert message in shown.inner_text()
        assert "Traceback" not in page.inner_text("body")
    finally:
        page.close()


# WCAG 2.1 contrast of every visible text outside the charts: the text's colour (with
# its opacity) over the first opaque background behind it, composited over white.
CONTRAST_AUDIT = """() => {
  const parse = (c) => {
    const m = c.match(/rgba?\\(([^)]+)\\)/);
    if (!m) return null;
    const p = m[1].split(',').map(parseFloat);
    return {r: p[0], g: p[1], b: p[2], a: p.length > 3 ? p[3] : 1};
  };
  const over = (top, under) => ({
    r: top.r * top.a + under.r * (1 - top.a), g: top.g * top.a + under.g * (1 - top.a),
    b: top.b * top.a + under.b * (1 - top.a), a: 1});
  const channel = (v) => {
    v /= 255;
    return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
  };
  const luminance = (c) => 0.2126 * channel(c.r) + 0.7152 * channel(c.g) + 0.0722 * channel(c.b);
  const background = (el) => {
    const layers = [];
    for (let e = el; e; e = e.parentElement) {
      const c = parse(getComputedStyle(e).backgroundColor);
      if (c && c.a > 0) { layers.push(c); if (c.a >= 1) break; }
    }
    let out = {r: 255, g: 255, b: 255, a: 1};
    for (const c of layers.reverse()) out = over(c, out);
    return out;
  };
  const opacity = (el) => {
    let o = 1;
    for (let e = el; e; e = e.parentElement) o *= parseFloat(getComputedStyle(e).opacity);
    return o;
  };
  const found = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const text = walker.currentNode.textContent.trim();
    const el = walker.currentNode.parentElement;
    if (!text || !el || el.closest('svg, script, style, noscript')) continue;
    const style = getComputedStyle(el);
    const box = el.getBoundingClientRect();
    if (style.visibility === 'hidden' || box.width === 0 || box.height === 0) continue;
    const back = background(el);
    const fg = parse(style.color); fg.a *= opacity(el);
    const shown = over(fg, back);
    const [hi, lo] = [luminance(shown), luminance(back)].sort((x, y) => y - x);
    const ratio = (hi + 0.05) / (lo + 0.05);
    const size = parseFloat(style.fontSize);
    const large = size >= 24 || (parseInt(style.fontWeight) >= 700 && size >= 18.66);
    found.push({text: text.slice(0, 50), ratio: Math.round(ratio * 100) / 100, size,
                needed: large ? 3 : 4.5, color: style.color});
  }
  return found;
}"""


@pytest.mark.parametrize("width", [1440, 390])
def test_text_meets_wcag_aa_contrast_and_is_at_least_12_px(server, browser, width):
    """Every visible text (charts aside: plotly draws them) has a contrast ratio of at
    least 4.5:1 (3:1 when large) against what is behind it, and a size of 12 px or more
    as laid out (the phone layout is zoomed, so sizes are checked at the desk width); no
    input label is cut short."""
    page = _open(browser, server + "/", width)
    page.wait_for_selector(KPI.format(key="annual_impact"), timeout=PAGE_TIMEOUT_MS)
    page.wait_for_timeout(1_000)
    texts = page.evaluate(CONTRAST_AUDIT)
    cut = page.evaluate(
        """() => [...document.querySelectorAll('.widget-label')]
            .filter(l => l.offsetParent && l.scrollWidth > l.clientWidth + 1)
            .map(l => l.textContent)"""
    )
    page.close()
    assert not cut, cut  # long labels wrap instead of ending in "..."
    assert len(texts) > 50  # the audit saw the page
    faint = [t for t in texts if t["ratio"] < t["needed"]]
    assert not faint, faint[:10]
    if width == 1440:
        small = [t for t in texts if t["size"] < 12]
        assert not small, small[:10]


@pytest.mark.parametrize("width", [1440, 390])
def test_tab_names_and_range_readouts_show_whole(server, browser, width):
    """Sales copilot's ranges on the Uncertainty tab: every tab's name and every range's
    readout is shown whole inside the side panel (money as money, "$350k – $700k"),
    also on a phone, where the tab names wrap onto a second row."""
    page = _open(browser, server + "/?scenario_file=sales_copilot.yaml", width)
    page.wait_for_selector(KPI.format(key="annual_impact"), timeout=PAGE_TIMEOUT_MS)
    page.get_by_role("tab", name="Uncertainty").click()
    page.wait_for_selector(".roi-range-build_cost .widget-readout", timeout=PAGE_TIMEOUT_MS)
    found = page.evaluate(
        """() => {
          const whole = (el) => el.scrollWidth <= el.clientWidth + 1;
          const tabs = [...document.querySelectorAll('.roi-side .lm-TabBar-tabLabel')];
          const readouts = [...document.querySelectorAll('.roi-side .widget-readout')]
            .filter(r => r.offsetParent);
          const panel = document.querySelector('.roi-side .widget-tab').getBoundingClientRect();
          return {
            cut: [...tabs, ...readouts].filter(el => !whole(el)).map(el => el.textContent),
            outside: readouts.filter(r => r.getBoundingClientRect().right > panel.right)
              .map(r => r.textContent),
            build: document.querySelector('.roi-range-build_cost .widget-readout').textContent,
            count: readouts.length,
          };
        }"""
    )
    squeezed = {}
    for tab in ("Impact", "Costs", "Timeline", "Evidence", "Readiness"):
        page.get_by_role("tab", name=tab).click()
        page.wait_for_timeout(1_000)
        squeezed[tab] = page.evaluate(
            """() => {
              const panel = document.querySelector('.roi-side .widget-tab')
                .getBoundingClientRect();
              return [...document.querySelectorAll('.roi-side input, .roi-side select')]
                .filter(e => e.offsetParent && !['file', 'checkbox'].includes(e.type))
                .map(e => e.getBoundingClientRect())
                .filter(r => r.width < 40 || r.right > panel.right + 1).length;
            }"""
        )
    page.close()
    assert squeezed == dict.fromkeys(squeezed, 0)  # every box wide enough, in the panel
    assert found["count"] >= 10  # the uncertain inputs' sliders were seen
    assert found["cut"] == [] and found["outside"] == []
    assert found["build"] == "$350k – $700k"


FOCUSED = """() => {
  const e = document.activeElement;
  const r = e.getBoundingClientRect();
  const name = e.getAttribute('aria-label') || e.textContent || e.placeholder || '';
  return {tag: e.tagName, name: name.trim().slice(0, 40), x: r.left + scrollX, y: r.top + scrollY};
}"""


def test_tab_order_follows_the_layout_from_the_banner_to_the_inputs(server, browser):
    """Keyboard users meet the page as it is laid out: the banner's reasons, the action
    bar left to right, the link, the input tabs, then the first input; no chart takes a
    tab stop (the plotly modebar is off)."""
    page = _open(browser, server + "/")
    page.wait_for_selector(KPI.format(key="annual_impact"), timeout=PAGE_TIMEOUT_MS)
    page.mouse.click(5, 5)
    stops = []
    for _ in range(10):
        page.keyboard.press("Tab")
        stops.append(page.evaluate(FOCUSED))
    page.close()
    assert stops[0]["tag"] == "SUMMARY" and "reasons" in stops[0]["name"]
    bar = stops[1:7]
    assert [s["tag"] for s in bar] == ["SELECT", "BUTTON", "BUTTON", "BUTTON", "INPUT", "BUTTON"]
    assert [s["x"] for s in bar] == sorted(s["x"] for s in bar)  # left to right
    assert len({round(s["y"]) for s in bar}) == 1  # one row
    assert stops[7]["tag"] == "A" and "Link" in stops[7]["name"]
    assert stops[8]["name"] == "Impact" and stops[8]["y"] > bar[0]["y"]
    assert stops[9]["name"].startswith("Users")


def _kernel_of(page) -> str:
    found = re.search(r'"kernelId": ?"([0-9a-f-]{36})"', page.content())
    assert found, "the page names its kernel"
    return found.group(1)


def test_a_preheated_page_is_built_before_its_visitor_and_still_opens_their_link(browser, tmp_path):
    """`make app` keeps a kernel that has run the workbook before anyone asks: the first
    visitor gets that kernel (Voila's log says so) and the page's cards at once, with
    the charts after them; the next visitor, sent a link, sees the link's values, read
    after the page was built (a bad value is named under the toolbar: test_app.py)."""
    import time

    from roi.files import load_scenario
    from roi.resources import SCENARIOS

    log = tmp_path / "voila.log"
    expected = load_scenario(SCENARIOS / "sales_copilot.yaml").evolve(users=300)
    with voila_server(WORKBOOK, log_path=log, preheat=1) as url:

        def visit(query: str):
            deadline = time.monotonic() + 120
            used = log.read_text().count("Using pre-heated kernel")
            while log.read_text().count("Kernel pool of workbook.ipynb is filled") <= used:
                assert time.monotonic() < deadline, "the pool was never refilled"
                time.sleep(0.2)
            time.sleep(10)  # a pooled kernel runs the notebook once it has started
            page = _open(browser, f"{url}/{query}")
            page.wait_for_selector(KPI.format(key="annual_impact"), timeout=PAGE_TIMEOUT_MS)
            assert log.read_text().count("Using pre-heated kernel") == used + 1
            assert _kernel_of(page) in log.read_text().split("Using pre-heated kernel")[-1]
            return page

        page = visit("")
        try:
            assert kpi_text(page, "annual_impact") == headline(notebook_scenario(), "annual_impact")
            page.wait_for_selector(".roi-chart-cash_flow .main-svg", timeout=PAGE_TIMEOUT_MS)
            assert page.console_errors == []
        finally:
            page.close()
        page = visit("?scenario_file=sales_copilot.yaml&users=300")
        try:
            wait_for_kpi(page, "annual_impact", headline(expected, "annual_impact"))
            wait_for_kpi(page, "npv", headline(expected, "npv"))
            source = page.inner_text(".roi-source-label")
            assert "starter sales_copilot.yaml, 1 input changed" in source
            assert page.console_errors == []
        finally:
            page.close()


def test_the_app_saves_to_and_opens_from_the_register(browser, tmp_path, monkeypatch):
    """With ROI_DATABASE_URL set, the toolbar saves the inputs on screen to the register
    (their decision and figures as roi record stores them) and opens a recorded one."""
    from roi.files import load_scenario
    from roi.register import Register
    from roi.resources import SCENARIOS

    db = tmp_path / "register.sqlite3"
    monkeypatch.setenv("ROI_DATABASE_URL", str(db))
    other = load_scenario(SCENARIOS / "sales_copilot.yaml")
    with Register(db) as register:
        register.record(assess(other, samples=0), input_hash="h", samples=0, seed=0)
    with voila_server(WORKBOOK, log_path=tmp_path / "voila.log") as url:
        page = _open(browser, f"{url}/")
        try:
            page.wait_for_selector(KPI.format(key="annual_impact"), timeout=PAGE_TIMEOUT_MS)
            page.click(".roi-register-save")
            status = page.wait_for_selector(".roi-register-status:has-text('Recorded #2')")
            assert "Invoice triage assistant, Conditional go" in status.inner_text()
            with Register(db) as register:
                (entry,) = register.history("Invoice triage assistant")
            shown = assess(notebook_scenario()).headline("npv").value
            assert entry.headline["npv"]["value"] == pytest.approx(shown, rel=1e-12)
            page.select_option(".roi-register-open select", label="Sales copilot")
            wait_for_kpi(page, "annual_impact", headline(other, "annual_impact"))
            assert page.console_errors == []
        finally:
            page.close()


def test_edits_and_variants_survive_a_reload_and_a_closed_tab(server, browser):
    """Before: one F5 lost every edit and every saved variant. The address now follows the
    inputs and the browser keeps the variants: edit three inputs, save two variants (the
    second under a name that is taken, which is numbered, never overwritten), reload, and
    find both; close the tab, open the plain address in the same browser, and find them
    again; a deleted variant comes back with Undo."""
    context = browser.new_context(viewport={"width": 1440, "height": 900})
    page = context.new_page()
    page.console_errors = []
    page.on("pageerror", lambda error: page.console_errors.append(str(error)))
    expected = notebook_scenario().evolve(users=300, tasks_per_day=15, hourly_rate=70)
    try:
        goto(page, f"{server}/")
        page.wait_for_selector(KPI.format(key="annual_impact"), timeout=PAGE_TIMEOUT_MS)

        def save(name):
            page.fill(".widget-text input[placeholder='Variant name']", name)
            page.click(".roi-save-variant")

        save("Plan")
        page.locator(".roi-compare th", has_text="Plan").wait_for(timeout=60_000)
        for field, value in (("users", 300), ("tasks_per_day", 15), ("hourly_rate", 70)):
            type_into_slider(page, field, value)
        wait_for_kpi(page, "annual_impact", headline(expected, "annual_impact"))
        save("Plan")  # taken: saved as "Plan (2)"
        page.locator(".roi-compare th", has_text="Plan (2)").wait_for(timeout=60_000)
        # The notice follows the table (the model tells the view of the new variant,
        # then the view says what name it took): wait for it rather than read it at once.
        page.locator(".roi-notice", has_text='saved as "Plan (2)"').wait_for(timeout=30_000)
        page.wait_for_function("() => location.search.includes('users=300')", timeout=60_000)

        def find_work(page) -> None:
            page.wait_for_selector(KPI.format(key="annual_impact"), timeout=PAGE_TIMEOUT_MS)
            wait_for_kpi(page, "annual_impact", headline(expected, "annual_impact"))
            page.locator(".roi-compare th", has_text="Plan (2)").wait_for(timeout=60_000)
            heads = page.locator(".roi-compare th").all_inner_texts()
            assert [h for h in heads if h.startswith("Plan")] == ["Plan", "Plan (2)"]

        page.reload(timeout=PAGE_TIMEOUT_MS)
        find_work(page)
        page.close()
        page = context.new_page()  # the tab closed; the same browser opens the plain address
        page.console_errors = []
        goto(page, f"{server}/")
        find_work(page)
        page.locator(".roi-notice", has_text="last inputs in this browser are back").wait_for(
            timeout=60_000
        )
        page.select_option(".roi-variant-pick select", "Plan")
        page.click(".roi-variant-delete")
        page.locator(".roi-undo", has_text="Undo delete Plan").wait_for(timeout=60_000)
        page.click(".roi-undo")
        page.wait_for_function(
            "() => Array.from(document.querySelectorAll('.roi-compare th'))"
            ".some(th => th.innerText === 'Plan')",
            timeout=60_000,
        )
        assert page.console_errors == []
    finally:
        context.close()


AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
TABS = ("Impact", "Costs", "Timeline", "Uncertainty", "Evidence", "Readiness")


@pytest.mark.parametrize("width", [1440, 390])
def test_axe_finds_no_serious_or_critical_violation_on_the_page_and_each_tab(
    server, browser, width
):
    """axe-core (`make test` installs it from npm) on the first screen and on each tab of
    the side panel, with ranges on screen (the sales copilot starter)."""
    assert AXE.is_file(), "axe-core is missing: `make test` installs it (npm)"
    page = _open(browser, f"{server}/?scenario_file=sales_copilot.yaml", width)
    try:
        page.wait_for_selector(KPI.format(key="annual_impact"), timeout=PAGE_TIMEOUT_MS)
        page.wait_for_selector(".roi-chart-cash_flow .main-svg", timeout=PAGE_TIMEOUT_MS)
        page.add_script_tag(path=str(AXE))
        found = {}
        for tab in ("first screen", *TABS):
            if tab != "first screen":
                page.get_by_role("tab", name=tab).click()
                page.wait_for_timeout(1_000)
            found[tab] = page.evaluate(
                """async () => {
                  const result = await axe.run(document, { resultTypes: ['violations'] });
                  return result.violations
                    .filter(v => ['serious', 'critical'].includes(v.impact))
                    .map(v => v.id + ': ' + v.nodes.slice(0, 3)
                      .map(n => n.target.join(' ')).join(' | '));
                }"""
            )
        assert found == {tab: [] for tab in found}, found
    finally:
        page.close()


CLIPPED = """() => {
  // Elements that cut their own content (overflow hidden or clip, or an ellipsis) and
  // whose content is wider than they are; scrolling ones are fine (tables on a phone).
  const cut = [];
  for (const el of document.querySelectorAll('body *')) {
    if (!el.offsetParent || el.closest('.js-plotly-plot, svg, .roi-sr-label > .widget-label'))
      continue;
    const style = getComputedStyle(el);
    const hides = ['hidden', 'clip'].includes(style.overflowX) || style.textOverflow === 'ellipsis';
    if (!hides || el.clientWidth === 0) continue;
    // Text centred in its box spills out on both sides, and scrollWidth counts neither
    // (a slider's readout): the text itself is measured against the box.
    let spills = false;
    if (el.childElementCount === 0 && el.textContent.trim()) {
      const text = document.createRange();
      text.selectNodeContents(el);
      const inner = text.getBoundingClientRect(), outer = el.getBoundingClientRect();
      spills = inner.left < outer.left - 1 || inner.right > outer.right + 1;
    }
    if (spills || el.scrollWidth > el.clientWidth + 1) {
      const label = (el.className && el.className.baseVal === undefined ? el.className : '') ||
        el.tagName;
      cut.push(String(label).slice(0, 60) + ': ' + (el.innerText || el.value || '').slice(0, 40));
    }
  }
  const page = document.scrollingElement;
  if (page.scrollWidth > window.innerWidth + 1) cut.push('page: wider than the window');
  return cut;
}"""


@pytest.mark.parametrize("width", [1440, 1024, 390])
@pytest.mark.parametrize("starter", ["invoice_triage.yaml", "sales_copilot.yaml"])
def test_no_text_input_or_table_is_cut_on_any_tab(server, browser, width, starter):
    """Every tab at a desk, a laptop and a phone width, for a starter without ranges and
    one with: no element cuts its own text or value (scrollWidth past clientWidth under
    overflow hidden or clip, as inputs are), and the page is never wider than the window."""
    page = _open(browser, f"{server}/?scenario_file={starter}", width)
    try:
        page.wait_for_selector(KPI.format(key="annual_impact"), timeout=PAGE_TIMEOUT_MS)
        page.wait_for_selector(".roi-chart-cash_flow .main-svg", timeout=PAGE_TIMEOUT_MS)
        page.wait_for_timeout(1_000)
        found = {"first screen": page.evaluate(CLIPPED)}
        for tab in TABS:
            page.get_by_role("tab", name=tab).click()
            page.wait_for_timeout(1_000)
            found[tab] = page.evaluate(CLIPPED)
        assert found == {tab: [] for tab in found}, found
    finally:
        page.close()


# Every drawn chart: its box's width, its plot's width, and the boxes of its texts that
# must never cover one another (the page's title above it, the legend, the notes drawn
# in it and the axis titles).
CHART_FACTS = """() => [...document.querySelectorAll('.roi-charts > .widget-box')]
  .filter(box => box.clientWidth > 0 && box.querySelector('.main-svg'))
  .map(box => {
    const rect = (e) => { const r = e.getBoundingClientRect();
      return {x: r.x, y: r.y, w: r.width, h: r.height}; };
    const texts = [...box.querySelectorAll(
        '.roi-chart-title, .legendtext, .annotation-text, .xtitle, .ytitle')]
      .filter(e => e.getBoundingClientRect().width > 0)
      .map(e => ({what: e.className.baseVal ?? e.className, text: e.textContent.trim(),
                  ...rect(e)}));
    return {chart: box.className.match(/roi-chart-(\\w+)/)[1], box: box.clientWidth,
            plot: Number(box.querySelector('.main-svg').getAttribute('width')), texts};
  })"""


def _settled(page, script: str, timeout: float = 30.0):
    """What `script` finds once two reads 300 ms apart agree (a chart being fitted to a
    new width is redrawn in steps: its texts move after its width)."""
    deadline = time.monotonic() + timeout
    last = page.evaluate(script)
    while time.monotonic() < deadline:
        page.wait_for_timeout(300)
        now = page.evaluate(script)
        if now == last:
            return now
        last = now
    raise AssertionError(f"still changing after {timeout:g} s: {last}")


def _overlaps(texts: list[dict]) -> list[tuple[dict, dict]]:
    """Pairs of texts whose boxes cross by more than a pixel each way."""
    found = []
    for i, a in enumerate(texts):
        for b in texts[i + 1 :]:
            across = min(a["x"] + a["w"], b["x"] + b["w"]) - max(a["x"], b["x"])
            down = min(a["y"] + a["h"], b["y"] + b["h"]) - max(a["y"], b["y"])
            if across > 1 and down > 1:
                found.append((a, b))
    return found


def test_charts_fill_their_cell_and_follow_it_when_the_window_changes(server, browser):
    """The cells of the chart grid are as wide as the page allows (two a row at 1440 px,
    one at 1024 and 390), and each chart is drawn at its cell's width, again when the
    window changes width: before, every chart stayed 450 px wide, half a 1440 px page
    stayed empty and a phone showed them shrunk. At every width no title, legend, note
    or axis title of a chart covers another."""
    page = _open(browser, f"{server}/?scenario_file=sales_copilot.yaml", 1440)
    try:
        page.wait_for_selector(".roi-chart-tornado .main-svg", timeout=PAGE_TIMEOUT_MS)
        seen = {}
        for width in (1440, 1024, 390, 1440):
            page.set_viewport_size({"width": width, "height": 900})
            charts = _settled(page, CHART_FACTS)
            assert all(abs(c["box"] - c["plot"]) <= 1 for c in charts), (width, charts)
            assert len(charts) >= 5, charts  # all but the Evidence tab's
            main = page.locator(".roi-main").bounding_box()["width"]
            cells = {c["box"] for c in charts}
            assert len(cells) == 1, cells  # one grid: every cell the same width
            cell = cells.pop()
            columns = 2 if width == 1440 else 1
            assert abs(cell - (main - 8 * (columns - 1)) / columns) <= 2, (width, cell, main)
            seen[width] = cell
            for chart in charts:
                assert _overlaps(chart["texts"]) == [], (width, chart["chart"])
        assert seen[1440] > 450 and seen[1024] > seen[1440] > seen[390]
        # Back at 1440 px the charts are as wide as they were at first.
        page.set_viewport_size({"width": 1440, "height": 900})
        assert page.console_errors == []
    finally:
        page.close()


def test_range_readouts_read_as_the_ranges_they_show(server, browser):
    """The Uncertainty tab's readouts: money as money and trimmed ("$0 - $1.2M", not
    "$0.00 - $1.20M"), counts without decimals ("120 - 120", not "120.0 - 120.0"); each
    end, read back as a typed amount is, is the starter's low and high to the three
    significant figures shown."""
    from roi.files import load_scenarios
    from roi.formatting import parse_amount
    from roi.resources import SCENARIOS
    from roi.scenario import FIELD_SPECS, Range

    scenario = load_scenarios(SCENARIOS / "sales_copilot.yaml")[0]
    page = _open(browser, f"{server}/?scenario_file=sales_copilot.yaml", 1024)
    try:
        page.wait_for_selector(KPI.format(key="annual_impact"), timeout=PAGE_TIMEOUT_MS)
        page.get_by_role("tab", name="Uncertainty").click()
        page.wait_for_selector(".roi-range-users .widget-readout", timeout=30_000)
        readouts = page.evaluate(
            """() => Object.fromEntries([...document.querySelectorAll('[class*="roi-range-"]')]
                .filter(e => e.querySelector('.widget-readout'))
                .map(e => [e.className.match(/roi-range-(\\w+)/)[1],
                           e.querySelector('.widget-readout').textContent]))"""
        )
        assert len(readouts) >= 10, readouts
        for field, text in readouts.items():
            ends = text.split(" \u2013 ")
            assert len(ends) == 2, text
            assert not re.search(r"\.\d*0\b|\.\D|\.$", text), text  # no trailing zeros
            value = getattr(scenario, field)
            low, high = (value.low, value.high) if isinstance(value, Range) else (value, value)
            for shown, value in zip(ends, (low, high), strict=True):
                if FIELD_SPECS[field].unit.startswith("$"):
                    assert shown.startswith("$"), text
                assert parse_amount(shown) == pytest.approx(value, rel=5e-3, abs=1e-9), text
    finally:
        page.close()


def test_a_link_carries_readiness_owners_and_notes_typed_on_the_page(server, browser):
    """An owner and a note typed on the Readiness tab ride in "Link to these inputs"; a
    page opened from that link shows them in the same boxes (before, a link dropped them
    and the decision's conditions named another owner)."""
    from roi.app.link import query_parameters

    item = ".roi-ready-item:has(.roi-ready-risks_documented) textarea"
    page = _open(browser, f"{server}/?scenario_file=invoice_triage.yaml")
    try:
        page.wait_for_selector(KPI.format(key="annual_impact"), timeout=PAGE_TIMEOUT_MS)
        page.get_by_role("tab", name="Readiness").click()
        page.wait_for_selector(item, timeout=30_000)
        owner, note = page.locator(item).nth(0), page.locator(item).nth(1)
        owner.fill("Priya N. (risk office)")
        owner.press("Tab")
        note.fill("Signed off on 2026-11-30 & filed")
        note.press("Tab")
        page.wait_for_function(
            """() => (document.querySelector('.roi-share-link').getAttribute('href') || '')
                     .includes('risks_documented.note')""",
            timeout=30_000,
        )
        href = page.get_attribute(".roi-share-link", "href")
        answer = query_parameters(href)["readiness"]["risks_documented"]
        assert answer["owner"] == "Priya N. (risk office)", answer
        assert answer["note"] == "Signed off on 2026-11-30 & filed", answer
        again = _open(browser, f"{server}/{href}")
        try:
            again.wait_for_selector(KPI.format(key="annual_impact"), timeout=PAGE_TIMEOUT_MS)
            again.get_by_role("tab", name="Readiness").click()
            again.wait_for_selector(item, timeout=30_000)
            boxes = again.locator(item)
            assert boxes.nth(0).input_value() == "Priya N. (risk office)"
            assert boxes.nth(1).input_value() == "Signed off on 2026-11-30 & filed"
            assert again.console_errors == []
        finally:
            again.close()
        assert page.console_errors == []
    finally:
        page.close()


def test_the_costs_tab_takes_the_build_cost_from_the_plan(server, browser):
    """Ticked, the build cost is the plan's (the invoice starter's open notebook gap
    included: $474,240, tests/test_plan_cost.py) and the cards say so; a phase change
    then moves it; unticked, the amount stays, typed."""
    page = _open(browser, f"{server}/?scenario_file=invoice_triage.yaml", 1024)
    try:
        page.wait_for_selector(KPI.format(key="annual_impact"), timeout=PAGE_TIMEOUT_MS)
        page.get_by_role("tab", name="Costs").click()
        page.wait_for_selector(".roi-build-cost-from-plan input", timeout=60_000)
        assert page.input_value(".roi-input-build_cost input") == "$250,000"
        page.check(".roi-build-cost-from-plan input")
        page.wait_for_function(
            "() => document.querySelector('.roi-input-build_cost input').value === '$474,240'",
            timeout=60_000,
        )
        page.locator(".roi-kpi-monthly_net_impact", has_text="build from the plan").wait_for(
            timeout=60_000
        )
        assert "$524,240" in page.inner_text(".roi-kpi-monthly_net_impact")
        page.uncheck(".roi-build-cost-from-plan input")
        page.locator(".roi-kpi-monthly_net_impact", has_text="build from the plan").wait_for(
            state="detached", timeout=60_000
        )
        assert page.input_value(".roi-input-build_cost input") == "$474,240"
        assert page.console_errors == []
    finally:
        page.close()
