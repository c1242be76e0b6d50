"""The workbook app in a real browser vs a bare Voila page whose slider echoes into a label.

Both pages are served the same way (roi's Voila settings) and driven by the same headless
Chromium. Latency is measured inside the page: from the key press that moves a slider
one step to the moment the watched text changes (a MutationObserver), so Playwright's
own round trips are not counted. The bare page is the floor: a widget message to the
kernel and one back.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_notebook

from benchmarks.run import verdict

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))  # the browser helpers the tests use

from browser import chromium, voila_server  # noqa: E402

TITLE = "Workbook app in Voila: slider-to-KPI latency and first render vs a bare page"
MOVES = 40  # slider steps timed per page (the issue asks for at least 30)
MOVE_ROUNDS = 4  # ... in this many rounds, a fresh page of each per round
LOADS = 5  # page loads timed per page, alternating (each starts a fresh kernel)
LATENCY_TARGET = 1.5  # issue 33: within 1.5x as the model grows (2x before)
FIRST_RENDER_TARGET = 1.5
PREHEATED_TARGET = 1.0
POOL_REFILL_SECONDS = 15  # a used preheated kernel is replaced: start it, run the notebook

BARE_SOURCE = """\
import ipywidgets as widgets
from IPython.display import display

slider = widgets.IntSlider(value=200, min=0, max=5000, continuous_update=False)
slider.add_class("roi-input-users")
echo = widgets.HTML("<div class='roi-kpi-value'>200</div>")
echo.add_class("roi-kpi-annual_impact")
slider.observe(lambda change: setattr(
    echo, "value", f"<div class='roi-kpi-value'>{change['new']}</div>"), "value")
display(widgets.VBox([slider, echo]))
"""

KPI = ".roi-kpi-annual_impact .roi-kpi-value"
KPI_WIDGET = ".roi-kpi-annual_impact"
BANNER = ".roi-decision"
CHART = ".roi-chart-cash_flow"

# Resolves with the milliseconds from the next key press to a change of `selector`'s text
# (a widget's own element: the HTML inside it is replaced on each update), or with -1
# after 30 s without a change.
WATCH = """([selector, anyChange]) => {
    const element = document.querySelector(selector);
    const before = element.innerText;
    let start = null;
    document.addEventListener("keydown", () => { start = performance.now(); },
                              {capture: true, once: true});
    window.__roiChange = new Promise(resolve => {
        setTimeout(() => resolve(-1), 30000);
        const observer = new MutationObserver(() => {
            if (start !== null && (anyChange || element.innerText !== before)) {
                observer.disconnect();
                resolve(performance.now() - start);
            }
        });
        observer.observe(element, {subtree: true, childList: true, characterData: true,
                                   attributes: anyChange});
    });
}"""


def bare_notebook(folder: Path) -> Path:
    notebook = new_notebook(
        cells=[new_code_cell(BARE_SOURCE)],
        metadata={
            "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"}
        },
    )
    path = folder / "bare.ipynb"
    nbformat.write(notebook, path)
    return path


def eager_notebook(folder: Path) -> Path:
    """The workbook as roi built it before: every tab and chart before the page is sent."""
    from roi.app import WORKBOOK_NOTEBOOK

    notebook = nbformat.read(WORKBOOK_NOTEBOOK, as_version=4)
    for cell in notebook.cells:
        cell.source = cell.source.replace(
            "roi.app.workbook(globals())", "roi.app.workbook(globals(), fast_first_paint=False)"
        )
    path = folder / "eager.ipynb"
    nbformat.write(notebook, path)
    return path


NAVIGATION = "() => performance.getEntriesByType('navigation')[0].responseEnd / 1000"


def first_render(browser, url: str, charts: bool = False) -> dict[str, float]:
    """Seconds from navigation to: the page's HTML complete (Voila runs the notebook
    before it ends the page), the KPI text on screen, and (`charts`) the first chart drawn."""
    page = browser.new_page(viewport={"width": 1300, "height": 1000})
    start = time.perf_counter()
    page.goto(url + "/", timeout=120_000)
    page.wait_for_selector(KPI, timeout=120_000)
    times = {"kpi": time.perf_counter() - start, "html": page.evaluate(NAVIGATION)}
    if charts:
        page.wait_for_selector(f"{CHART} .js-plotly-plot", timeout=120_000)
        times["chart"] = time.perf_counter() - start
    page.close()
    time.sleep(1)
    return times


def kernel_memory(
    browser, url: str, charts: bool, query: str = "", downloads: bool = False
) -> float:
    """Resident memory (MB) of the kernel serving one open page, once the page is drawn
    (charts too, when it has them) and has settled for a few seconds; `downloads`: after
    the visitor has also pressed "Prepare downloads" (which loads the memo's, the
    workbook's and the PDF's libraries and holds the files)."""
    import psutil

    port = int(url.rsplit(":", 1)[1])
    page = browser.new_page(viewport={"width": 1300, "height": 1000})
    try:
        page.goto(url + "/" + query, timeout=120_000)
        page.wait_for_selector(KPI, timeout=120_000)
        if charts:
            page.wait_for_selector(f"{CHART} .js-plotly-plot", timeout=120_000)
        if downloads:
            page.click(".roi-prepare-downloads")
            page.wait_for_selector("a.roi-download:has-text('Memo (HTML)')", timeout=300_000)
        time.sleep(5)
        server = next(
            psutil.Process(c.pid)
            for c in psutil.net_connections(kind="tcp")
            if c.status == psutil.CONN_LISTEN and c.laddr.port == port
        )
        kernels = [
            k for k in server.children(recursive=True) if "ipykernel" in " ".join(k.cmdline())
        ]
        newest = max(kernels, key=lambda k: k.create_time())
        return newest.memory_info().rss / 2**20
    finally:
        page.close()


def move_latencies(browser, url: str, app: bool, moves: int = MOVES) -> dict[str, list[float]]:
    """Milliseconds per slider step to the KPI change; for the app also to the decision
    banner (after the Monte Carlo) and the cash-flow chart (after the redraw). Each step
    starts once the previous one has finished everywhere."""
    page = browser.new_page(viewport={"width": 1300, "height": 1600})
    page.goto(url + "/", timeout=120_000)
    page.wait_for_selector(KPI, timeout=120_000)
    time.sleep(2)  # charts and widgets finish their first draw
    handle = page.locator(".roi-input-users .noUi-handle")
    handle.focus()
    watched = {"kpi": KPI_WIDGET}
    if app:
        watched.update(banner=BANNER, chart=CHART)
    times: dict[str, list[float]] = {name: [] for name in watched}
    for _ in range(moves):
        for name, selector in watched.items():
            # A redrawn chart changes SVG attributes, not necessarily its text; the banner's
            # visible text may not change either (the reasons that do are folded), but its
            # HTML is replaced with the new decision.
            page.evaluate(
                WATCH.replace("__roiChange", f"__roi_{name}"),
                [selector, name in ("chart", "banner")],
            )
        page.keyboard.press("ArrowRight")
        for name in watched:
            times[name].append(page.evaluate(f"() => window.__roi_{name}"))
        time.sleep(1.0)  # the other charts finish redrawing: the next step starts idle
    page.close()
    if any(-1 in values for values in times.values()):
        raise RuntimeError("a slider step changed nothing on the page within 30 s")
    return times


def _median(loads: list[dict[str, float]], key: str) -> float:
    return statistics.median(load[key] for load in loads)


def run() -> str:
    from roi.app import APP_SAMPLES, WORKBOOK_NOTEBOOK

    with tempfile.TemporaryDirectory() as folder, chromium() as browser:
        bare_path, eager_path = bare_notebook(Path(folder)), eager_notebook(Path(folder))
        with (
            voila_server(bare_path) as bare_url,
            voila_server(WORKBOOK_NOTEBOOK) as app_url,
            voila_server(eager_path) as eager_url,
        ):
            # Alternate the pages, so a busy moment on the machine hits all alike.
            bare, app, eager = [], [], []
            for _ in range(LOADS):
                bare.append(first_render(browser, bare_url))
                app.append(first_render(browser, app_url, charts=True))
                eager.append(first_render(browser, eager_url, charts=True))
            # Alternated too, a page each of the bare page and the app per round: a step
            # takes 10-40 ms on this machine, and a slower minute (another process, a
            # kernel shutting down) then weighs on both alike.
            bare_moves: dict[str, list[float]] = {}
            app_moves: dict[str, list[float]] = {}
            for _ in range(MOVE_ROUNDS):
                for moves, page_url, is_app in (
                    (bare_moves, bare_url, False),
                    (app_moves, app_url, True),
                ):
                    found = move_latencies(browser, page_url, is_app, MOVES // MOVE_ROUNDS)
                    for name, values in found.items():
                        moves.setdefault(name, []).extend(values)
            memory = {
                "bare": kernel_memory(browser, bare_url, charts=False),
                "app": kernel_memory(browser, app_url, charts=True),
                "eager": kernel_memory(browser, eager_url, charts=True),
                "ranges": kernel_memory(
                    browser, app_url, charts=True, query="?scenario_file=sales_copilot.yaml"
                ),
                "downloads": kernel_memory(browser, app_url, charts=True, downloads=True),
            }
        # `make app`: one kernel kept executed ahead of visitors. Each visitor comes once
        # the pool has refilled (a kernel started and the notebook run), as on a server
        # whose visitors do not all arrive in the same second.
        with voila_server(bare_path) as bare_url, voila_server(WORKBOOK_NOTEBOOK, preheat=1) as url:
            preheated, bare_again = [], []
            for _ in range(LOADS):
                time.sleep(POOL_REFILL_SECONDS)
                preheated.append(first_render(browser, url, charts=True))
                bare_again.append(first_render(browser, bare_url))
    bare_ms = statistics.median(bare_moves["kpi"])
    app_ms = statistics.median(app_moves["kpi"])
    banner_ms = statistics.median(app_moves["banner"])
    chart_ms = statistics.median(app_moves["chart"])
    latency_ratio = app_ms / bare_ms
    bare_s, app_s, eager_s = (_median(x, "kpi") for x in (bare, app, eager))
    first_ratio, eager_ratio = app_s / bare_s, eager_s / bare_s
    hot_s, bare2_s = _median(preheated, "kpi"), _median(bare_again, "kpi")
    hot_ratio = hot_s / bare2_s

    rows = "\n".join(
        f"| {what} | {base:.2f} s | {ours:.2f} s | {ours / base:.2f}x |"
        for what, base, ours in (
            (
                "navigation to first rendered KPI, a kernel started per visitor, median",
                bare_s,
                app_s,
            ),
            ("... before (every tab and chart built first)", bare_s, eager_s),
            ("... with a preheated kernel (`make app`, `roi app --preheat 1`)", bare2_s, hot_s),
        )
    )

    def spent(loads: list[dict[str, float]], label: str) -> str:
        html_s, kpi_s = _median(loads, "html"), _median(loads, "kpi")
        chart = f"{_median(loads, 'chart'):.2f} s" if "chart" in loads[0] else ""
        return f"| {label} | {html_s:.2f} s | {kpi_s - html_s:.2f} s | {kpi_s:.2f} s | {chart} |"

    return f"""\
Voila serves each page with `roi app`'s settings on a loopback port; headless Chromium
loads each page {LOADS} times, alternating between them (a fresh kernel each time), and
moves the users slider one step with the keyboard {MOVES} times per page (in {MOVE_ROUNDS}
rounds, a fresh page of each per round, alternating), each move once the page is idle
again (KPIs, banner and charts updated). Latency is timed in the page,
from the key press to the changed text. "Before" is the workbook built as roi built it
until now (`workbook(globals(), fast_first_paint=False)`: every tab and chart before the
page is sent), measured in the same run.

| what | bare page (slider echoes into a label) | workbook app | ratio |
|---|---|---|---|
| slider step to updated KPI, median | {bare_ms:.1f} ms | {app_ms:.1f} ms | {latency_ratio:.2f}x |
| slider step to updated banner (Monte Carlo, {APP_SAMPLES:,} samples) | | {banner_ms:.1f} ms | |
| slider step to redrawn cash-flow chart (worker thread) | | {chart_ms:.1f} ms | |
{rows}

Slider to KPI: **{latency_ratio:.2f}x** the bare page (target: within {LATENCY_TARGET:g}x:
{verdict(latency_ratio <= LATENCY_TARGET)}). First KPI with a kernel started per visitor:
**{first_ratio:.2f}x** (target: within {FIRST_RENDER_TARGET:g}x:
{verdict(first_ratio <= FIRST_RENDER_TARGET)}; before: {eager_ratio:.2f}x). With the
preheated kernel `make app` keeps: **{hot_ratio:.2f}x** (target: at most
{PREHEATED_TARGET:g}x: {verdict(hot_ratio <= PREHEATED_TARGET)}).

Memory of one kernel serving an open page (resident, once its page is drawn and has
settled):

| page | kernel memory |
|---|---|
| bare page | {memory["bare"]:.0f} MB |
| workbook, the built-in example (no input a range) | {memory["app"]:.0f} MB |
| ... every tab and chart built first | {memory["eager"]:.0f} MB |
| ... a starter with ranges (scipy's sampler, 32,768 samples) | {memory["ranges"]:.0f} MB |
| ... after "Prepare downloads" (their libraries, the files) | {memory["downloads"]:.0f} MB |

The last row is what every kernel would hold from the start if the downloads' libraries
were imported with the app: they load only for a visitor who asks for the files. Most of
the rest is libraries every page uses: pandas (about 90 MB with pyarrow, which pandas
loads when it is installed; `make` installs it for the tests' Parquet export), numpy,
plotly and ipywidgets. A page's kernel is shut down 10 s after its last connection
closes, so the server holds about one of these per open page.

What the first render spends its time on (medians): until the page's HTML is complete,
Voila starts a kernel and runs the notebook (imports, the assessment, the widgets); then
the browser loads Voila's scripts, fetches every widget's state from the kernel and
draws them.

| page | HTML complete | then to the KPI on screen | KPI | first chart drawn |
|---|---|---|---|---|
{spent(bare, "bare page")}
{spent(eager, "workbook, before: every tab and chart built first")}
{spent(app, "workbook: charts once the cards are drawn, tabs when opened")}
{spent(preheated, "workbook, preheated kernel")}

The decision and KPI cards no longer wait for the charts: plotly's 5 MB widget bundle
and six figures are sent once the page has drawn what it was sent first (the cards, the
toolbar, the first tab), and the input tabs but the first are built when first opened (a
third of the widgets to send and draw at first). A preheated kernel has run the notebook
before the visitor arrives, so the page's HTML is complete at once; the visitor's link
is read after it (Voila's `get_query_string`) and laid over the page. The KPI cards move
from the point results first; the Monte Carlo (decision banner, P10-P90) follows, and
the charts are redrawn on a worker thread from the newest inputs.
"""


if __name__ == "__main__":
    print(run())
