"""The workbook app's view: widgets bound to a WorkbookModel.

`roi.app.workbook(globals())` (`roi.app.entry`) is what `notebooks/workbook.ipynb` calls;
with a browser frontend (Voila or JupyterLab) it shows the app through `show_workbook`
here. Headless (papermill) it never imports this module or any widget library.
"""

from __future__ import annotations

import concurrent.futures
import functools
import html
import json
import math
import os
import sys
import threading
import urllib.parse
from collections.abc import Callable, Mapping
from datetime import date
from typing import Any

import anywidget
import ipywidgets as widgets
import plotly.graph_objects as go
import traitlets
from IPython.display import display

from roi.app.link import changed_from, query_parameters, starters, table_left_out
from roi.app.model import (
    CHART_NAMES,
    EVIDENCE_CHARTS,
    GROUPS,
    UNCERTAIN_FIELDS,
    Control,
    WorkbookModel,
    control_for,
    entry_text,
    metric_entry_text,
    range_bounds,
)
from roi.app.server import LOG, _shared_plotly_esm, preheated, prepare_frontend_kernel
from roi.exceptions import RoiError
from roi.formatting import money
from roi.reports.notebook import (
    decision_rule,
    monte_carlo_parameters,
    scenario_from_parameters,
)
from roi.resources import EXAMPLE_SCENARIO
from roi.scenario import FIELD_SPECS, NUMERIC_FIELDS, likely
from roi.timeline import CONFIG as TIMELINE_CONFIG
from roi.timeline import PLAN_PROFILES

CSS = """
<style>
.roi-app { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; max-width: 1440px; }
.roi-app h1 { font-size: 1.5em; margin: 0.2em 0 0.4em; }
.roi-kpis { display: flex; flex-wrap: wrap; gap: 8px; }
.roi-kpi { border: 1px solid #d0d7de; border-radius: 6px; padding: 6px 10px;
           min-width: 150px; background: #f6f8fa; }
.roi-kpi-label { font-size: max(12px, 0.85em); color: #57606a; }
.roi-kpi-value { font-size: 1.35em; font-weight: 600; color: #1f2328; }
.roi-kpi-detail { font-size: max(12px, 0.8em); color: #57606a; }
.roi-banner { border-radius: 6px; padding: 6px 12px; margin: 6px 0; }
.roi-banner.go { background: #dafbe1; border-left: 6px solid #1a7f37; }
.roi-banner.conditional { background: #fff8c5; border-left: 6px solid #9a6700; }
.roi-banner.no-go { background: #ffebe9; border-left: 6px solid #cf222e; }
.roi-banner .roi-outcome { font-size: 1.3em; font-weight: 700; }
.roi-banner ul { margin: 4px 0 0 0; padding-left: 20px; }
.roi-error { color: #cf222e; font-size: max(12px, 0.85em); line-height: 1.2; }
.roi-stale { color: #7a4d00; font-size: max(12px, 0.95em); background: #fff8c5;
             border: 1px solid #d4a72c;
             border-radius: 6px; padding: 6px 10px; margin: 6px 0; }
.roi-stale ul { margin: 2px 0 0 0; }
.roi-out-of-date .roi-banner, .roi-out-of-date .roi-kpi, .roi-out-of-date .js-plotly-plot {
  opacity: 0.45; filter: grayscale(1); }
.roi-why { font-weight: 600; margin: 2px 0 4px; }
.roi-compare tr.roi-changed td { background: #fff8c5; }
.roi-decides { background: #ddf4ff; border-radius: 8px; padding: 0 6px;
               font-size: max(12px, 0.85em); }
.roi-ready-item { border-bottom: 1px solid #eaeef2; padding: 2px 0 4px; }
.roi-ready-text { line-height: 1.3; margin: 2px 0; }
.roi-banner details summary { cursor: pointer; color: #57606a; font-size: max(12px, 0.9em); }
.roi-note { color: #57606a; padding: 8px 4px; }
.roi-side { flex: 0 1 440px; min-width: 0; max-width: 100%; }
.roi-side .widget-tab > .lm-TabBar .lm-TabBar-tab,
.roi-side .widget-tab > .p-TabBar .p-TabBar-tab {
  min-width: 0 !important; flex: 1 1 auto !important; padding: 0 6px !important; }
.roi-share-link, .roi-download, .roi-variant-export a { color: #0969da; text-decoration: underline;
  font-weight: 600; }
.roi-main { flex: 1 1 460px; min-width: 0; }
.roi-charts .roi-plot { min-width: 0; }
/* A range readout is as wide as its text: its last glyph was cut by a pixel. */
.roi-side .widget-readout { overflow: visible; padding-right: 2px; }
.roi-chart-title { font-size: 15px; font-weight: 400; margin: 6px 0 0 8px; color: #222222; }
@media (max-width: 520px) {
  /* A phone: charts of a fixed width are drawn smaller rather than cut off. */
  .roi-fixed-charts { grid-template-columns: 100% !important; }
  .roi-fixed-charts > .widget-box { zoom: 0.76; }
  .roi-kpi { min-width: 140px; flex: 1 1 140px; }
  /* Six tab names do not fit one row: they wrap onto two, whole. */
  .roi-side .widget-tab > .lm-TabBar { height: auto !important; min-height: 0 !important;
    max-height: none !important; overflow: visible !important; }
  .roi-side .widget-tab > .lm-TabBar .lm-TabBar-content { flex-wrap: wrap; }
  .roi-side .widget-tab > .lm-TabBar .lm-TabBar-tab { flex: 0 0 auto !important; }
  /* Shorter labels leave the sliders a track to drag. */
  .roi-side .widget-hslider > .widget-label { width: 120px !important; }
}
.roi-downloads a { margin-right: 14px; }
.roi-compare table { border-collapse: collapse; font-size: max(12px, 0.85em); }
.roi-compare td, .roi-compare th { border: 1px solid #d0d7de; padding: 2px 8px; text-align: right; }
.roi-compare th:first-child, .roi-compare td:first-child { text-align: left; }
.roi-criterion { border: 1px solid #d0d7de; border-radius: 6px; padding: 4px 8px; margin: 4px 0; }
.roi-evidence table { border-collapse: collapse; font-size: max(12px, 0.9em); margin: 4px 0 8px; }
/* Tables wider than their panel scroll sideways (every column reachable on a phone). */
.roi-evidence table, .roi-compare table { display: block; max-width: 100%; overflow-x: auto; }
.roi-evidence p, .roi-notice { overflow-wrap: anywhere; }
.roi-evidence td, .roi-evidence th { border-bottom: 1px solid #d0d7de; padding: 3px 8px;
                                     text-align: left; }
.roi-evidence td.num, .roi-evidence th.num { text-align: right; }
.roi-pill { border-radius: 10px; padding: 0 8px; font-size: max(12px, 0.85em);
            border: 1px solid #d0d7de; }
.roi-pill.met { background: #dafbe1; } .roi-pill.close { background: #fff8c5; }
.roi-pill.missed { background: #ffebe9; }
.roi-flag { border-left: 3px solid #9a6700; padding-left: 8px; margin: 4px 0; }
/* Long input labels wrap onto a second line instead of being cut ("Tasks per user..."). */
.widget-inline-hbox > .widget-label { white-space: normal !important; line-height: 1.2;
  height: auto !important; min-height: 28px; display: flex; align-items: center;
  justify-content: flex-end; text-align: right; }
/* Text boxes that grow with what is typed, wrapping it whole (owners, notes, sources). */
.roi-grow textarea { field-sizing: content; min-height: 28px; resize: none; font: inherit;
  overflow-wrap: anywhere; line-height: 1.3; padding-top: 4px; padding-bottom: 4px; }
/* A label for screen readers only (the text beside the control names it on screen). */
.roi-sr-label > .widget-label { position: absolute !important; width: 1px !important;
  height: 1px !important; min-height: 0 !important; overflow: hidden; clip: rect(0 0 0 0);
  white-space: nowrap !important; margin: -1px; padding: 0; }
/* A range's readout keeps its whole text ("$350k - $700k"); the track gives way. */
.widget-hslider .widget-readout { flex-shrink: 0; }
/* Unselected tabs: Jupyter's 54% black on grey is 4.4:1, under WCAG AA's 4.5:1. */
.widget-tab .lm-TabBar-tab, .widget-tab .lm-TabBar-tabLabel { color: #3d444d !important; }
.widget-tab .lm-TabBar-tab.lm-mod-current, .widget-tab .lm-mod-current .lm-TabBar-tabLabel {
  color: #000000 !important; }
</style>
"""

CHART_HEIGHT = 340
CHART_WIDTH = 450  # charts that cannot follow their cell (outside roi's Voila) keep this
CHART_MIN_WIDTH = 420  # a chart's cell is at least this wide (or the page's): two a row at 1440
CHART_TITLES = {
    "cash_flow": "Cumulative cash flow",
    "payback": "Payback distribution",
    "tornado": "What moves payback most",
    "evppi": "What to measure next",
    "importance": "Share of the spread each input explains",
}
# What a range box shows while empty (short enough to fit it): money is typed as money.
RANGE_EXAMPLES = {
    "$": "e.g. $100k to $300k",
    "$/yr": "e.g. $100k to $300k",
    "$/h": "e.g. $45 to $70",
    "share": "e.g. 10% to 25%",
    "per year": "e.g. 8% to 12%",
}
CRITERION_HELP = (
    "Success criteria, written down before the PoC. <b>Met</b>: at the target. "
    "<b>Close</b>: between the kill line and the target, a conditional go that names the "
    "gap. <b>Missed</b>: past the kill line, a no-go. Give the measured value a low and a "
    "high (different from it) when the PoC measured a range; the status then follows the "
    "chance of reaching the target."
)


def show_workbook(params: Mapping[str, Any], *, fast_first_paint: bool = True) -> Any:
    """The interactive workbook (`roi.app.workbook` with a frontend): displays the app
    and returns the WorkbookApp. `fast_first_paint=False` builds every tab and chart
    before the page is sent (as roi did before; `make bench` compares the two)."""
    prepare_frontend_kernel()
    notebook_parameters = params
    try:
        # A link's query string (Voila passes it to the kernel) lays its values over
        # the notebook's parameters, checked as a file's are. A preheated kernel builds
        # the page before any visitor asks for it: it reads the link afterwards
        # (`open_page_link`, the notebook's next call).
        if not preheated():
            params = {**params, **query_parameters(page_query())}
        scenario = scenario_from_parameters(params, default_file=EXAMPLE_SCENARIO.name)
        samples, seed = monte_carlo_parameters(params)
        rule = decision_rule(params)
    except RoiError as error:
        display(
            widgets.HTML(
                CSS + f'<div class="roi-banner no-go"><b>The parameters are not '
                f'valid</b><pre class="roi-error">{html.escape(str(error))}</pre>'
                "</div>"
            )
        )
        return None
    # The decision and KPI cards go out first; the inputs follow, and the charts once
    # the page shows the cards (plotly's bundle would hold them up by a second or two).
    app = WorkbookApp(
        WorkbookModel(scenario, samples=samples, seed=seed, base=starter_base(params), rule=rule),
        show_summary=display,
        defer_charts=fast_first_paint,
        lazy_tabs=fast_first_paint,
    )
    app.parameters = notebook_parameters
    display(app.details)
    if fast_first_paint:
        # While the browser loads the page, this kernel has nothing to do: load the charts
        # and plotly's widget classes then, not when the page asks for its charts (0.5 s).
        threading.Thread(target=_load_chart_modules, name="roi-warm-up", daemon=True).start()
    return app


def _load_chart_modules() -> None:
    import roi.reports.charts  # noqa: F401  (plotly's figures and roi's theme)

    go.FigureWidget  # noqa: B018  (plotly loads its widget classes on first use)


HIDDEN_LABEL = {"description_width": "0px"}
"""A control's description kept as its label for screen readers (axe: no control named by
its title alone) but given no room on screen, where the text beside it names it."""


def range_readout_format(field: str, step: float) -> str:
    """How an Uncertainty slider shows its two ends, in d3's format language: money as
    money, trimmed and short enough for both ends to fit ("$350k - $700k", "$0 - $1.2M",
    "$85 - $85"), counts and other whole steps without decimals ("120 - 300"), anything
    else with the decimals it has ("4.5 - 8"). No thousands separators: a typed
    "150 - 300" reads back as those numbers.

    >>> range_readout_format("build_cost", 1000), range_readout_format("users", 1)
    ('$.3~s', '.0f')
    >>> range_readout_format("adoption_months", 0.5)
    '.2~f'
    """
    spec = FIELD_SPECS[field]
    if spec.unit.startswith("$"):
        return "$.3~s"
    return ".0f" if spec.whole or float(step).is_integer() else ".2~f"


class RangeSlider(widgets.FloatRangeSlider):
    """A FloatRangeSlider whose readout may use d3's "~" (trim trailing zeros).

    ipywidgets checks readout formats against Python's format language, which has no
    "~", so "$0.00" and "120.0 - 120.0" were the closest it allowed; the browser's d3
    reads "~" as documented (d3-format: "~ trims insignificant trailing zeros"). The
    trait is redeclared without that check; roi sets it only from range_readout_format.
    """

    readout_format = traitlets.Unicode(".2f").tag(sync=True)


def starter_base(params: Mapping[str, Any]) -> tuple[str, Any] | None:
    """(file name, scenario) of the starter the parameters open, if they name one (the
    app opens the built-in example when they name none)."""
    name = str(params.get("scenario_file") or EXAMPLE_SCENARIO.name)
    return (name, starters()[name]) if name in starters() else None


def page_query() -> str:
    """The page's query string: Voila's helper waits for it in a preheated kernel (which
    starts before any request); elsewhere it is the QUERY_STRING Voila sets, or ''."""
    if preheated():
        from roi.app.server import preheated_query_string

        return preheated_query_string()
    return os.environ.get("QUERY_STRING", "")


def opened_from(model: WorkbookModel) -> str:
    """What the toolbar says the page opened: a starter (and how many of its inputs a
    link or the notebook's parameters changed), or the notebook's parameters.

    >>> from roi.app.link import starters
    >>> starter = starters()["invoice_triage.yaml"]
    >>> model = WorkbookModel(starter.evolve(users=300, build_cost=1), samples=0)
    >>> model.open(model.initial, base=("invoice_triage.yaml", starter))
    >>> opened_from(model)
    'starter invoice_triage.yaml, 2 inputs changed'
    """
    if model.base is None:
        return "the notebook's parameters"
    name, starter = model.base
    changed = len(changed_from(model.initial, starter))
    if not changed:
        return f"starter {name}"
    return f"starter {name}, {changed} input{'s' if changed > 1 else ''} changed"


def app_figure(name: str, figure: go.Figure) -> tuple[go.Figure, str]:
    """A chart as the app shows it, and its title: a short one (the page already names
    the initiative), shown above the chart by the page rather than drawn in it. A cell as
    narrow as a phone's wraps the legend onto more rows, and plotly makes room for those
    but draws its own title where it always does, under them."""
    title = CHART_TITLES.get(name) or figure.layout.title.text or ""
    # The legend hangs from the top of the figure, not from the plot: placed just above
    # the plot, it moved with the margin it pushes, and when a wider cell took a row
    # off it plotly drew it where the taller legend had been, over the plot's top.
    figure.update_layout(
        title_text=None, margin_t=24, legend={"yref": "container", "y": 1, "yanchor": "top"}
    )
    return figure, title


def chart_title_html(title: str) -> str:
    return f'<h2 class="roi-chart-title">{html.escape(title)}</h2>'


def banner_html(model: WorkbookModel) -> str:
    """The decision: the outcome, the reason that weighs most, the conditions in view, and
    every other reason folded under one line (the banner stays short)."""
    verdict = model.verdict
    main = model.assessment.decision.main_reason  # the memo's page 1 says the same
    rest = [r for r in verdict.reasons if r != main]
    conditions = "".join(f"<li>{html.escape(c)}</li>" for c in verdict.conditions)
    others = "".join(f"<li>{html.escape(r)}</li>" for r in rest)
    return (
        f'<div class="roi-banner {verdict.css_class}" role="status" '
        f'data-name="{html.escape(model.scenario.name)}"><span class="roi-outcome">'
        f"{html.escape(verdict.outcome)}</span> &mdash; {html.escape(model.scenario.name)}"
        f'<div class="roi-why">{html.escape(main)}</div>'
        + (f'<b>To go ahead</b><ul class="roi-conditions">{conditions}</ul>' if conditions else "")
        + (
            f"<details><summary>All {len(verdict.reasons)} reasons</summary><ul>{others}</ul>"
            "</details>"
            if others
            else ""
        )
        + "</div>"
    )


def share_html(model: WorkbookModel) -> str:
    """A link that opens the page with the current inputs (copy it, or open it)."""
    missing = model.link_leaves_out()
    note = (
        f' <span class="roi-kpi-detail">(leaves out {", ".join(missing)})</span>' if missing else ""
    )
    return (
        f'<a class="roi-share-link" href="?{html.escape(model.share_query())}" '
        'target="_blank" rel="noopener">Link to these inputs</a>' + note
    )


def stale_html(errors: Mapping[str, str]) -> str:
    """While an input is invalid: say the figures are out of date and what to fix."""
    if not errors:
        return ""
    messages = list(dict.fromkeys(errors.values()))  # one problem may name two fields
    count = len(messages)
    items = "".join(f"<li>{html.escape(m)}</li>" for m in messages)
    return (
        f'<div class="roi-stale" role="alert"><b>Out of date: fix {count} '
        f"input{'s' if count > 1 else ''}.</b> The decision, numbers and charts below are "
        f"for the last valid inputs.<ul>{items}</ul></div>"
    )


def _kpi_html(label: str, value: str, detail: str) -> str:
    return (
        f'<div class="roi-kpi-label">{html.escape(label)}</div>'
        f'<div class="roi-kpi-value">{html.escape(value)}</div>'
        f'<div class="roi-kpi-detail">{html.escape(detail)}</div>'
    )


def send_now() -> None:
    """Hand the widget updates made so far to the kernel's IOPub thread, and wait for it.

    That thread sends messages only when it gets the GIL, and a busy kernel thread (the
    Monte Carlo right after the KPI cards) keeps it waiting: the cards would reach the
    browser with everything else. ipykernel's stdout flush queues a marker behind the
    pending messages and waits for it, so once it returns they have been sent.
    """
    flush = getattr(sys.stdout, "flush", None)
    if flush is not None and hasattr(sys.stdout, "pub_thread"):
        flush()


CHART_CONFIG = {"displayModeBar": False, "displaylogo": False, "responsive": False}
"""No toolbar: 11 tab stops per chart and a plotly.com link in an offline app."""


def figure_widget(figure: go.Figure, height: int, width: int | None = None) -> go.FigureWidget:
    """A FigureWidget of `figure`, loading plotly's bundle once per page under roi's Voila.

    Size and font are set on the figure before the widget exists: the first state is the
    one the browser draws, and the widget keeps that width (plotly.py #5208)."""
    figure = go.Figure(figure)
    figure.update_layout(height=height, font_size=12, **({"width": width} if width else {}))
    widget = _figure_widget_type(_shared_plotly_esm())(figure)
    widget._config = dict(CHART_CONFIG)  # plotly's constructor resets it after opening
    return widget


@functools.cache
def _figure_widget_type(esm: str | None) -> type[go.FigureWidget]:
    """FigureWidget whose opening message already carries roi's config and, under roi's
    Voila, the small module that imports plotly's bundle by URL: a chart created while a
    page is open is sent without the 5 MB bundle and never drawn with a toolbar."""

    def config(_widget: Any) -> dict[str, Any]:
        return dict(CHART_CONFIG)

    namespace: dict[str, Any] = {
        "__module__": __name__,
        "_default_config": traitlets.default("_config")(config),
    }
    if esm is not None:
        namespace["_esm"] = esm
    return type("FigureWidget", (go.FigureWidget,), namespace)


def update_figure(widget: go.FigureWidget, figure: go.Figure) -> None:
    """Make a FigureWidget show `figure`, sending only what differs (no re-render).

    Traces of the same kinds are restyled in place in one batch; a different set of
    traces is swapped outside the batch (plotly does not add traces inside one).
    """
    same_shape = len(widget.data) == len(figure.data) and all(
        old.type == new.type for old, new in zip(widget.data, figure.data, strict=True)
    )
    if not same_shape:
        widget.data = ()
        widget.add_traces(list(figure.data))
    with widget.batch_update():
        if same_shape:
            for old, new in zip(widget.data, figure.data, strict=True):
                props = new.to_plotly_json()
                props.pop("type", None)
                props.pop("uid", None)
                old.update(props)
        layout = figure.layout.to_plotly_json()
        # update() merges: notes and lines of the last figure would stay on the new one
        # (an empty chart's "No input is a range yet" over real bars), so these two are
        # replaced whole, even when the new figure has none (and never also by path:
        # plotly refuses a parent and its child in one batch).
        annotations, shapes = layout.pop("annotations", ()), layout.pop("shapes", ())
        widget.layout.update(layout)
        widget.layout.annotations = annotations
        widget.layout.shapes = shapes


class PageShown(anywidget.AnyWidget):
    """An invisible widget that tells the kernel once a page has drawn it.

    Placed beside the decision and KPI cards: the charts (plotly's 5 MB widget bundle and
    six figures, a second or two in the browser) are sent once the cards are on screen,
    instead of holding up the page's first paint."""

    # Once its element is in the document and the page has stopped changing for a moment
    # (every widget it was sent is drawn), or after a few seconds at most, it sends one
    # message.
    _esm = traitlets.Unicode(
        """export default { render({ model, el }) {
  let quiet = null, sent = false;
  const send = () => { if (!sent) { sent = true; observer.disconnect();
                                    model.send({ event: "shown" }); } };
  const observer = new MutationObserver(() => {
    clearTimeout(quiet); quiet = setTimeout(send, 300); });
  const wait = () => {
    if (!el.isConnected) { requestAnimationFrame(wait); return; }
    observer.observe(document.body, { subtree: true, childList: true });
    quiet = setTimeout(send, 300);
    setTimeout(send, 4000);
  };
  wait();
} };"""
    ).tag(sync=True)


KEEP_KEY = "roi-workbook"
"""The browser storage key under which a page keeps its visitor's work."""
MAX_KEPT_BYTES = 1_000_000
"""The most kept work read back from the browser (it is the visitor's own, still bounded)."""


class BrowserKeep(anywidget.AnyWidget):
    """An invisible widget that keeps the visitor's work in their browser.

    - `query`: the link to the inputs on screen, which becomes the page's address as they
      change (`history.replaceState`, the server's own `token` and `voila*` names kept),
      so a reload, back or a bookmark opens the same screen;
    - `kept`: the saved variants and the last inputs, written to `localStorage` at each
      change, so they survive a reload and a closed tab;
    - `found`: what the browser held when the page opened, sent once to the kernel.
    """

    _esm = traitlets.Unicode(
        """export default { render({ model, el }) {
  const key = model.get("key");
  if (!model.get("loaded")) {
    let found = "";
    try { found = window.localStorage.getItem(key) || ""; } catch (e) {}
    model.set("address", window.location.search);
    model.set("found", found);
    model.set("loaded", true);
    model.save_changes();
  }
  const keep = () => {
    try { window.localStorage.setItem(key, model.get("kept")); } catch (e) {}
  };
  const address = () => {
    const query = model.get("query");
    if (!query) return;
    const kept = new URLSearchParams();
    for (const [k, v] of new URLSearchParams(window.location.search)) {
      if (k === "token" || k.startsWith("voila")) kept.append(k, v);
    }
    const next = [kept.toString(), query].filter(Boolean).join("&");
    const url = window.location.pathname + "?" + next + window.location.hash;
    if (url !== window.location.pathname + window.location.search + window.location.hash) {
      window.history.replaceState(window.history.state, "", url);
    }
  };
  model.on("change:kept", keep);
  model.on("change:query", address);
  if (model.get("kept")) keep();
  address();
} };"""
    ).tag(sync=True)
    key = traitlets.Unicode(KEEP_KEY).tag(sync=True)
    loaded = traitlets.Bool(False).tag(sync=True)
    found = traitlets.Unicode("").tag(sync=True)
    address = traitlets.Unicode("").tag(sync=True)
    kept = traitlets.Unicode("").tag(sync=True)
    query = traitlets.Unicode("").tag(sync=True)


class ChartPainter:
    """Redraws the charts on a worker thread, always from the model's latest state.

    Building plotly figures takes a few hundred milliseconds; on the kernel's thread it
    would hold up the next slider move. Here the sliders and KPI cards stay live, and a
    burst of moves costs one redraw: requests that arrive while a redraw is being
    built make it start over from the newest state instead of drawing a stale one.
    """

    def __init__(
        self,
        model: WorkbookModel,
        charts: Mapping[str, go.FigureWidget],
        titles: Mapping[str, widgets.HTML],
    ):
        self.model = model
        self.charts = charts
        self.titles = titles  # each chart's heading, redrawn with it
        self.failures: list[str] = []
        self._wanted = threading.Event()
        self._thread = threading.Thread(target=self._run, name="roi-charts", daemon=True)
        self._thread.start()

    def request(self) -> None:
        """Redraw soon, from whatever the model holds by then."""
        self._wanted.set()

    def _run(self) -> None:
        while True:
            self._wanted.wait()
            self._wanted.clear()
            try:
                snapshot = self.model.snapshot
                for name, chart in list(self.charts.items()):  # charts may be added
                    if self._wanted.is_set():
                        break  # newer inputs arrived: start over from those
                    figure = self.model.figure(name, snapshot)
                    if figure is None:
                        continue
                    figure, title = app_figure(name, figure)
                    if not self._wanted.is_set():
                        update_figure(chart, figure)
                        heading = self.titles.get(name)
                        if heading is not None:
                            heading.value = chart_title_html(title)
            except Exception as error:  # a chart must never kill the page
                self.failures.append(f"{type(error).__name__}: {error}")
                LOG.exception("drawing the charts failed")


class WorkbookApp:
    """The widgets of the workbook page, bound to a WorkbookModel."""

    def __init__(
        self,
        model: WorkbookModel,
        show_summary: Callable[[widgets.Widget], None] | None = None,
        *,
        defer_charts: bool = False,
        lazy_tabs: bool = False,
    ):
        """`show_summary`, when given, displays the decision and KPI cards as soon as they
        are filled in, before the inputs and charts are built (a faster first paint).
        `defer_charts` draws the charts only once a page has shown the cards (see
        `PageShown`); otherwise at once. `lazy_tabs` builds each input tab but the first
        when it is first opened (the Readiness tab always is): a page then starts with a
        third of the widgets to send and draw."""
        self.lazy_tabs = lazy_tabs
        self.model = model
        self.parameters: Mapping[str, Any] = {}  # the notebook's, under a link's values
        self._syncing = False
        self.inputs: dict[str, widgets.Widget] = {}
        self.ranges: dict[str, widgets.FloatRangeSlider] = {}
        self.errors: dict[str, widgets.HTML] = {}
        self.typed: dict[str, widgets.Text] = {}  # the box beside each slider
        self.readiness: dict[str, widgets.Dropdown] = {}  # item id -> its status
        self.readiness_details: dict[str, tuple[widgets.Text, widgets.Text]] = {}
        self.range_texts: dict[str, widgets.Text] = {}
        self.plan_toggle: widgets.Checkbox | None = None  # the build cost from the plan
        self._variants_shown: dict[str, Any] | None = None  # what the variant tools show
        self.criteria_box = widgets.VBox()
        self.criteria_box.add_class("roi-criteria")
        self.evidence_status = widgets.HTML()
        self.evidence_status.add_class("roi-evidence")
        self.evidence_charts: dict[str, widgets.Box] = {}
        self.kpis = {
            kpi.key: widgets.HTML(layout=widgets.Layout(width="auto")) for kpi in model.kpis()
        }
        for key, card in self.kpis.items():
            card.add_class("roi-kpi")
            card.add_class(f"roi-kpi-{key}")
        self.banner = widgets.HTML()
        self.banner.add_class("roi-decision")
        self.stale = widgets.HTML()
        self.charts: dict[str, go.FigureWidget] = {}
        self.chart_titles: dict[str, widgets.HTML] = {}
        self.downloads = widgets.HTML()
        self.downloads.add_class("roi-downloads")
        self.share = widgets.HTML()
        self.share.add_class("roi-share")
        self.source_label = widgets.HTML()
        self.source_label.add_class("roi-source-label")
        self.opened_from = opened_from(model)
        self.comparison = widgets.HTML()
        self.comparison.add_class("roi-compare")
        kpis = widgets.Box(list(self.kpis.values()))
        kpis.add_class("roi-kpis")
        self.summary = widgets.VBox([widgets.HTML(CSS), self.banner, kpis, self.stale])
        self.charts_on = False  # drawn: at once, or when the page shows the cards
        self.keep = BrowserKeep(layout=widgets.Layout(display="none"))
        self.keep.observe(self._on_found, "found")
        self._kept_variants: tuple[Any, list[dict[str, Any]]] = (None, [])
        self.notice = widgets.HTML()
        self.notice.add_class("roi-notice")
        self.summary.children = (*self.summary.children, self.keep)
        if defer_charts:
            shown = PageShown(layout=widgets.Layout(display="none"))
            shown.on_msg(lambda _widget, content, _buffers: self._on_shown(content))
            self.summary.children = (*self.summary.children, shown)
        if show_summary is not None:
            for kpi in model.kpis():
                self.kpis[kpi.key].value = _kpi_html(kpi.label, kpi.value, kpi.detail)
            self.banner.value = banner_html(model)
            show_summary(self.summary)
            send_now()
        self.widget = self._build()
        self.widget.add_class("roi-app")
        self.painter: ChartPainter | None = None
        model.observe(lambda _model: self.refresh())
        if not defer_charts:
            self.draw_charts()
        self.refresh()
        self.painter = ChartPainter(model, self.charts, self.chart_titles)

    # --- building -----------------------------------------------------------------

    def _error_label(self, key: str) -> widgets.HTML:
        label = self.errors.get(key)
        if label is None:  # a tab built late shows what is wrong already
            message = "" if key == "file" else self.model.errors.get(key.removesuffix("-range"))
            label = widgets.HTML(html.escape(message or ""))
            label.add_class("roi-error")
            label.add_class(f"roi-error-{key}")
            self.errors[key] = label
        return label

    def _numeric_input(self, control: Control) -> widgets.Widget:
        value = self.model.value(control.field)
        common = dict(
            description=control.description,
            continuous_update=False,
            style={"description_width": "170px"},
            layout=widgets.Layout(width="100%", max_width="400px"),
            tooltip=control.help,
        )
        if control.kind == "number":
            # Typed as people write money ($250k, 250,000, 1.2M); never clamped: a value
            # out of bounds gets the rule under the box, not a silent change.
            common.pop("tooltip")
            box = widgets.Text(value=entry_text(control.field, value), **common)
            box.add_class(f"roi-input-{control.field}")
            box.observe(lambda change, f=control.field: self._on_text(f, change["new"]), "value")
            self.inputs[control.field] = box
            return widgets.VBox(
                [
                    box,
                    *self._plan_toggle(control.field),
                    *self._range_entry(control.field),
                    self._error_label(control.field),
                ]
            )
        # The slider's own readout would read what is typed in the browser (1,500 as 1,
        # 20000 clamped to its end): it is off, and a box beside it takes typed values
        # as a file's are read (roi.amounts), with a message when they cannot be.
        common["readout"] = False
        common["layout"] = widgets.Layout(width="100%", max_width="300px")
        if control.whole:
            box = widgets.IntSlider(
                value=round(value),
                min=round(control.minimum),
                max=max(round(control.maximum), math.ceil(value)),
                step=round(control.step),
                **common,
            )
        else:
            box = widgets.FloatSlider(
                value=value,
                min=control.minimum,
                max=max(control.maximum, value),
                step=control.step,
                **common,
            )
        box.add_class(f"roi-input-{control.field}")
        box.observe(lambda change, f=control.field: self._on_slide(f, change["new"]), "value")
        self.inputs[control.field] = box
        typed = widgets.Text(
            value=entry_text(control.field, value),
            continuous_update=False,
            layout=widgets.Layout(width="96px"),
        )
        typed.add_class(f"roi-typed-{control.field}")
        typed.observe(lambda change, f=control.field: self._on_text(f, change["new"]), "value")
        self.typed[control.field] = typed
        return widgets.VBox(
            [
                widgets.HBox([box, typed], layout=widgets.Layout(align_items="center")),
                *self._range_entry(control.field),
                self._error_label(control.field),
            ]
        )

    def _plan_toggle(self, field: str) -> list[widgets.Widget]:
        """Beside the build cost: take it from the plan (roles x weeks x loaded rates plus
        hidden costs), so a slipping plan costs money; typing an amount types it again."""
        if field != "build_cost":
            return []
        toggle = widgets.Checkbox(
            value=self.model.build_cost_from_plan,
            description="From the plan: people x weeks x rates",
            tooltip="Each phase's weeks x its people's loaded weekly rates, plus hidden costs",
            indent=False,
            layout=widgets.Layout(width="100%", max_width="400px"),
        )
        toggle.add_class("roi-build-cost-from-plan")
        toggle.observe(lambda change: self._on_plan_toggle(change["new"]), "value")
        self.plan_toggle = toggle
        return [toggle]

    def _on_plan_toggle(self, on: bool) -> None:
        if self._syncing:
            return
        if self.model.set_build_cost_from_plan(on):
            self.sync_controls()

    def _range_entry(self, field: str) -> list[widgets.Widget]:
        """A box to type the input's range ('2 to 6'; empty: a single value), beside the
        Uncertainty tab's sliders, for inputs that can be uncertain."""
        if field not in UNCERTAIN_FIELDS:
            return []
        entry = widgets.Text(
            value=self._range_text(field),
            description="range",
            placeholder=RANGE_EXAMPLES.get(FIELD_SPECS[field].unit, "e.g. 2 to 6"),
            continuous_update=False,
            style={"description_width": "170px"},
            layout=widgets.Layout(width="100%", max_width="400px"),
        )
        entry.add_class(f"roi-range-text-{field}")
        entry.observe(lambda change, f=field: self._on_range_text(f, change["new"]), "value")
        self.range_texts[field] = entry
        return [entry]

    def _range_text(self, field: str) -> str:
        low, high = self.model.range(field)
        if low == high:
            return ""
        return f"{entry_text(field, low)} to {entry_text(field, high)}"

    def _on_text(self, field: str, text: str) -> None:
        if self._syncing:
            return
        if self.model.set_text(field, text):
            self._show_value(field)

    def _on_range_text(self, field: str, text: str) -> None:
        if self._syncing:
            return
        if self.model.set_range_text(field, text):
            self.sync_controls()

    def _show_value(self, field: str) -> None:
        """The slider and the typed box of an input show the model's likely value (a
        slider's track grows to a typed value past its end: nothing is clamped)."""
        value = self.model.value(field)
        self._syncing = True
        try:
            slider = self.inputs.get(field)
            if slider is not None and not isinstance(slider, widgets.Text):
                if value > slider.max:
                    whole = isinstance(slider, widgets.IntSlider)
                    slider.max = math.ceil(value) if whole else value
                slider.value = round(value) if isinstance(slider, widgets.IntSlider) else value
            typed = self.typed.get(field)
            if typed is not None:
                typed.value = entry_text(field, value)
        finally:
            self._syncing = False

    def _range_input(self, field: str) -> widgets.Widget:
        low, high = self.model.range(field)
        minimum, maximum, step = range_bounds(field, self.model.scenario)
        spec = FIELD_SPECS[field]
        slider = RangeSlider(
            value=(low, high),
            min=minimum,
            max=max(maximum, high),
            step=step,
            description=f"{spec.label} ({spec.unit})",
            continuous_update=False,
            style={"description_width": "170px"},
            layout=widgets.Layout(width="100%", max_width="400px"),
            readout_format=range_readout_format(field, step),
        )
        slider.add_class(f"roi-range-{field}")
        slider.observe(lambda change, f=field: self._on_range(f, *change["new"]), "value")
        self.ranges[field] = slider
        return widgets.VBox([slider, self._error_label(f"{field}-range")])

    def _timeline_inputs(self) -> list[widgets.Widget]:
        s = self.model.scenario
        governance = widgets.ToggleButtons(
            options=[("parallel", "parallel"), ("sequential", "sequential"), ("at the end", "end")],
            value=s.governance,
            description="Checkpoints",
            style={"description_width": "190px"},
        )
        governance.observe(lambda c: self._on_option("governance", c["new"]), "value")
        # The plan profile: the full seven phases, or a well-scoped feature's shorter plan
        # (each sets the phases' weeks and the line past which the plan is audited).
        profile = widgets.ToggleButtons(
            options=[(TIMELINE_CONFIG.profiles[p].name, p) for p in PLAN_PROFILES],
            value=s.plan_profile,
            description="Plan",
            style={"description_width": "190px"},
        )
        profile.add_class("roi-input-plan_profile")
        profile.observe(lambda c: self._on_option("plan_profile", c["new"]), "value")
        start = self._date_input("start_date", "Start date", s.start_date)
        poc = widgets.BoundedFloatText(
            value=0 if s.poc_weeks is None else likely(s.poc_weeks),
            min=0,
            max=104,
            step=1,
            description="PoC duration (weeks)",
            tooltip="Weeks the PoC ran; 0 when not given",
            style={"description_width": "190px"},
            layout=widgets.Layout(width="100%", max_width="300px"),
        )
        poc.observe(lambda c: self._on_option("poc_weeks", c["new"] or None), "value")
        # Who decides and by when: page 1 of the memo names them ("to be named" without).
        decider = widgets.Text(
            value=s.decider or "",
            description="Decided by",
            placeholder="to be named",
            continuous_update=False,
            style={"description_width": "190px"},
            layout=widgets.Layout(width="100%", max_width="360px"),
        )
        decider.add_class("roi-input-decider")
        decider.observe(lambda c: self._on_option("decider", c["new"]), "value")
        decide_by = self._date_input("decide_by", "Decide by", s.decide_by)
        self.inputs.update(
            governance=governance,
            plan_profile=profile,
            start_date=start,
            poc_weeks=poc,
            decider=decider,
            decide_by=decide_by,
        )
        return [
            profile,
            governance,
            start,
            self._error_label("start_date"),
            poc,
            self._error_label("poc_weeks"),
            decider,
            self._error_label("decider"),
            decide_by,
            self._error_label("decide_by"),
        ]

    def _date_input(self, key: str, label: str, value: date | None) -> widgets.DatePicker:
        """A date option of the scenario, stored as it changes."""
        picker = widgets.DatePicker(
            value=value,
            description=label,
            style={"description_width": "190px"},
            # The browser's date box needs about 150 px for dd/mm/yyyy and its button:
            # narrower, the year was cut to "yy".
            layout=widgets.Layout(width="100%", max_width="360px", min_width="330px"),
        )
        picker.add_class(f"roi-input-{key}")
        picker.observe(lambda c: self._on_option(key, c["new"]), "value")
        return picker

    def _gate_inputs(self) -> list[widgets.Widget]:
        """The decision gate's questions (answer and note each), and the MLOps maturity
        level a Go needs: the first rows of the Readiness tab."""
        rows: list[widgets.Widget] = [
            widgets.HTML('<div class="roi-checklist-head"><b>Decision gate questions</b></div>')
        ]
        self.gate_inputs = {}
        for question, text in self.model.gate_questions():
            answer = self.model.gate_answer(question)
            choice = widgets.Dropdown(
                options=[("not asked", ""), ("yes", "yes"), ("no", "no"), ("n/a", "n/a")],
                value=answer["answer"] if answer["answer"] in ("yes", "no", "n/a") else "",
                layout=widgets.Layout(width="100px"),
                description=f"Answer: {text}",
                style=HIDDEN_LABEL,
                tooltip=f"Answer: {text}",
            )
            choice.add_class(f"roi-question-{question}")
            note = widgets.Textarea(
                rows=1,
                value=answer["note"],
                placeholder="note (the issues found, who checked)",
                continuous_update=False,
                layout=widgets.Layout(flex="1 1 120px", min_width="0"),
                description=f"Note: {text}",
                style=HIDDEN_LABEL,
                tooltip=f"Note: {text}",
            )
            for labelled in (choice, note):
                labelled.add_class("roi-sr-label")
            note.add_class("roi-grow")
            for widget, key in ((choice, "answer"), (note, "note")):
                widget.observe(
                    lambda c, q=question, k=key: self._on_gate_answer(q, k, c["new"]), "value"
                )
            self.gate_inputs[question] = (choice, note)
            item = widgets.VBox(
                [
                    widgets.HTML(f'<div class="roi-ready-text">{html.escape(text)}</div>'),
                    widgets.HBox([choice, note], layout=widgets.Layout(width="100%")),
                ]
            )
            item.add_class("roi-ready-item")
            rows.append(item)
        maturity = widgets.Dropdown(
            # 0 stands for "not required": a Dropdown shows no choice at all for None.
            options=[("not required", 0), ("1", 1), ("2", 2), ("3", 3)],
            value=self.model.scenario.min_maturity or 0,
            description="MLOps maturity a Go needs",
            style={"description_width": "initial"},
            layout=widgets.Layout(width="100%", max_width="330px"),
        )
        maturity.add_class("roi-input-min_maturity")
        maturity.observe(lambda c: self._on_option("min_maturity", c["new"] or None), "value")
        self.inputs["min_maturity"] = maturity
        rows += [maturity, self._error_label("gate_questions"), self._error_label("min_maturity")]
        return rows

    def _on_gate_answer(self, question: str, key: str, value: str) -> None:
        if not self._syncing:
            self.model.set_gate_answer(question, **{key: value})

    def _readiness_inputs(self) -> list[widgets.Widget]:
        """The gate questions and the maturity a Go needs; then per checklist: a heading
        with its count (and whether it decides a Go), then per item its status (done,
        open, n/a), owner and note, each stored at once."""
        rows: list[widgets.Widget] = self._gate_inputs()
        self.checklist_heads = {}
        for checklist_id, name, items in self.model.checklists():
            head = widgets.HTML()
            head.add_class(f"roi-checklist-{checklist_id}")
            self.checklist_heads[checklist_id] = (head, name)
            rows.append(head)
            for item_id, text, default_owner in items:
                answer = self.model.readiness_answer(item_id)
                status = widgets.Dropdown(
                    options=[("done", "done"), ("open", "open"), ("n/a", "n/a")],
                    value=answer["status"]
                    if answer["status"] in ("done", "open", "n/a")
                    else "open",
                    layout=widgets.Layout(width="80px"),
                    description=f"Status: {text}",  # its accessible name, not shown
                    style=HIDDEN_LABEL,
                    tooltip=f"Status: {text}",
                )
                status.add_class(f"roi-ready-{item_id}")
                owner = widgets.Textarea(
                    rows=1,
                    value=answer["owner"],
                    placeholder=default_owner or "owner",
                    continuous_update=False,
                    layout=widgets.Layout(width="150px"),
                    description=f"Owner: {text}",
                    style=HIDDEN_LABEL,
                    tooltip=f"Owner: {text}",
                )
                note = widgets.Textarea(
                    rows=1,
                    value=answer["note"],
                    placeholder="note",
                    continuous_update=False,
                    layout=widgets.Layout(flex="1 1 120px", min_width="0"),
                    description=f"Note: {text}",
                    style=HIDDEN_LABEL,
                    tooltip=f"Note: {text}",
                )
                for labelled in (status, owner, note):
                    labelled.add_class("roi-sr-label")
                owner.add_class("roi-grow")
                note.add_class("roi-grow")
                for widget, key in ((status, "status"), (owner, "owner"), (note, "note")):
                    widget.observe(
                        lambda c, i=item_id, k=key: self._on_readiness_answer(i, k, c["new"]),
                        "value",
                    )
                self.readiness[item_id] = status
                self.readiness_details[item_id] = (owner, note)
                item = widgets.VBox(
                    [
                        widgets.HTML(f'<div class="roi-ready-text">{html.escape(text)}</div>'),
                        widgets.HBox([status, owner, note], layout=widgets.Layout(width="100%")),
                    ]
                )
                item.add_class("roi-ready-item")
                rows.append(item)
        if not self.checklist_heads:
            rows.append(widgets.HTML("No readiness checklists in this version of roi."))
        rows.append(self._error_label("readiness"))
        self._refresh_checklist_heads()
        return rows

    def _refresh_checklist_heads(self) -> None:
        counts = self.model.checklist_counts()
        for checklist_id, (head, name) in getattr(self, "checklist_heads", {}).items():
            done, total, decides = counts.get(checklist_id, (0, 0, False))
            mark = ' <span class="roi-decides">decides a Go</span>' if decides else ""
            head.value = f"<b>{html.escape(name)}</b> &middot; {done}/{total} done{mark}"

    def _criterion_row(self, index: int, row: Mapping[str, Any]) -> widgets.Widget:
        """One criterion's editors; each change goes to the model at once (and is checked)."""
        measured = row.get("measured", 0)
        centre = float(measured["likely"]) if isinstance(measured, Mapping) else float(measured)
        low = float(measured["low"]) if isinstance(measured, Mapping) else centre
        high = float(measured["high"]) if isinstance(measured, Mapping) else centre
        short = {"description_width": "initial"}

        def bind(widget: widgets.Widget, key: str, typed: bool = False) -> widgets.Widget:
            widget.add_class(f"roi-criterion-{key}")
            setter = self.model.set_criterion_text if typed else self.model.set_criterion
            widget.observe(
                lambda c, k=key: None if self._syncing else setter(index, k, c["new"]),
                "value",
            )
            return widget

        unit_text = str(row.get("unit") or "")

        def number(label: str, key: str, value: float) -> widgets.Widget:
            # Typed in the criterion's unit and read as files are (93% of a share is
            # 0.93); the browser's own number box would read 93% as 93.
            box = widgets.Text(
                value=metric_entry_text(value, unit_text),
                description=label,
                style=short,
                continuous_update=False,
                layout=widgets.Layout(width="150px"),
            )
            return bind(box, key, typed=True)

        def text(label: str, key: str, width: str, placeholder: str = "") -> widgets.Widget:
            # A text area that grows with its text (roi-grow): a long name or source wraps
            # inside it, whole, where a one-line box cut it ("...invoices from last qua").
            area = widgets.Textarea(
                value=str(row.get(key, "")),
                description=label,
                placeholder=placeholder,
                rows=1,
                style=short,
                continuous_update=False,
                layout=widgets.Layout(width=width, max_width="100%"),
            )
            area.add_class("roi-grow")
            return bind(area, key)

        name = text("Criterion", "name", "380px")
        direction = bind(
            widgets.Dropdown(
                options=[("higher is better", "higher"), ("lower is better", "lower")],
                value=row.get("direction", "higher")
                if row.get("direction") in ("higher", "lower")
                else "higher",
                # Named for screen readers by a label the options make plain to the eye.
                description="Direction",
                style=HIDDEN_LABEL,
                layout=widgets.Layout(width="150px"),
            ),
            "direction",
        )
        direction.add_class("roi-sr-label")
        unit = text("Unit", "unit", "130px")
        remove = widgets.Button(
            description="Remove",
            tooltip=f"Remove the criterion {row.get('name', '')}",
            layout=widgets.Layout(width="auto"),
        )
        remove.add_class("roi-criterion-remove")
        remove.on_click(lambda _b: self._remove_criterion(index))
        source = text("Source", "source", "95%", "How it was measured (data set, sample size)")
        card = widgets.VBox(
            [
                widgets.HBox(
                    [name, direction, unit, remove], layout=widgets.Layout(flex_flow="row wrap")
                ),
                widgets.HBox(
                    [
                        number("Target", "target", float(row.get("target", 0))),
                        number("Kill line", "minimum", float(row.get("minimum", 0))),
                        number("Measured", "measured", centre),
                        number("low", "measured_low", low),
                        number("high", "measured_high", high),
                    ],
                    layout=widgets.Layout(flex_flow="row wrap"),
                ),
                source,
            ]
        )
        card.add_class("roi-criterion")
        return card

    def _rebuild_criteria(self) -> None:
        self.criteria_box.children = [
            self._criterion_row(i, row) for i, row in enumerate(self.model.criteria())
        ]

    def _add_criterion(self) -> None:
        self.model.add_criterion()
        self._rebuild_criteria()

    def _remove_criterion(self, index: int) -> None:
        self.model.remove_criterion(index)
        self._rebuild_criteria()

    def _evidence_inputs(self) -> list[widgets.Widget]:
        self._rebuild_criteria()
        add = widgets.Button(description="Add criterion", icon="plus")
        add.add_class("roi-criterion-add")
        add.on_click(lambda _b: self._add_criterion())
        s = self.model.scenario
        money_boxes = []
        for key, label in (("poc_budget", "PoC budget ($)"), ("poc_spent", "PoC spent ($)")):
            amount = getattr(s, key)
            box = widgets.Text(
                value=money(amount) if amount else "",
                placeholder="not given",
                description=label,
                continuous_update=False,
                style={"description_width": "initial"},
                layout=widgets.Layout(width="240px"),
            )
            box.add_class(f"roi-input-{key}")
            box.observe(
                lambda c, k=key, name=label: (
                    None if self._syncing else self.model.set_amount_text(k, name, c["new"])
                ),
                "value",
            )
            self.inputs[key] = box
            money_boxes.append(box)
        return [
            widgets.HTML(CRITERION_HELP),
            self.criteria_box,
            add,
            self._error_label("success_criteria"),
            widgets.HBox(money_boxes, layout=widgets.Layout(flex_flow="row wrap")),
            self._error_label("poc_budget"),
            self._error_label("poc_spent"),
            self.evidence_status,
        ]

    def _group_children(self, group: str) -> list[widgets.Widget]:
        if group == "Uncertainty":
            note = widgets.HTML(
                "Drag both ends apart to make an input uncertain (low to "
                "high around its likely value); the payback P10-P90 and the "
                "chance of payback come from sampling these ranges."
            )
            return [note, *(self._range_input(f) for f in UNCERTAIN_FIELDS)]
        if group == "Evidence":
            return self._evidence_inputs()
        if group == "Readiness":
            return self._readiness_inputs()
        children = [
            self._numeric_input(control_for(f, self.model.scenario))
            for f in NUMERIC_FIELDS
            if control_for(f).group == group
        ]
        if group == "Timeline":
            children.extend(self._timeline_inputs())
        return children

    def _toolbar(self) -> widgets.Widget:
        self.picker = widgets.Dropdown(
            options=[("(choose a starter scenario)", -1)]
            + [(label, index) for index, (label, _) in enumerate(self.model.templates())],
            description="Open",
            style={"description_width": "initial"},  # "Open" takes its own width
            layout=widgets.Layout(width="300px"),
        )
        self.picker.add_class("roi-picker")
        self.picker.observe(self._on_pick, "value")
        self.upload = widgets.FileUpload(
            accept=",".join((".yaml", ".yml", ".json", ".csv", ".xlsx")),
            multiple=False,
            description="Upload scenario",
            layout=widgets.Layout(width="auto"),  # the whole label, not "Upload scenario ..."
        )
        self.upload.observe(self._on_upload, "value")
        reset = widgets.Button(
            description="Reset",
            tooltip="Back to the scenario as opened",
            layout=widgets.Layout(width="auto"),  # a short word: room for the source
        )
        reset.add_class("roi-reset")
        reset.on_click(lambda _b: self._reset())
        self.undo = widgets.Button(
            description="Undo",
            tooltip="Take back the last change of inputs or deleted variant",
            layout=widgets.Layout(width="auto", display="none"),
        )
        self.undo.add_class("roi-undo")
        self.undo.on_click(lambda _b: self._undo())
        bar = widgets.Box(
            [
                self.picker,
                self.source_label,
                self.upload,
                reset,
                self.undo,
                *self._actions(),
                self.share,
            ],
            layout=widgets.Layout(flex_flow="row wrap", align_items="center", grid_gap="4px"),
        )
        bar.add_class("roi-toolbar")
        return widgets.VBox(
            [
                bar,
                *self._register_tools(),
                self.notice,
                self._error_label("file"),
                self.downloads,
                self.comparison,
                self._variant_tools(),
            ]
        )

    def _register_tools(self) -> list[widgets.Widget]:
        """Save to and open from the register, when one is configured (ROI_DATABASE_URL
        and roi's register extra): what a portfolio lead keeps between sessions."""
        import importlib.util

        if not os.environ.get("ROI_DATABASE_URL") or importlib.util.find_spec("sqlalchemy") is None:
            return []
        try:
            names = self.model.register_names()
        except RoiError as error:
            return [widgets.HTML(f'<div class="roi-error">{html.escape(str(error))}</div>')]
        self.register_picker = widgets.Dropdown(
            options=[("(open a recorded initiative)", "")] + [(n, n) for n in names],
            description="Register",
            style={"description_width": "initial"},
            layout=widgets.Layout(width="320px"),
        )
        self.register_picker.add_class("roi-register-open")
        self.register_picker.observe(self._on_register_pick, "value")
        save = widgets.Button(
            description="Save to register",
            tooltip="Record these inputs, their decision and figures in the register",
            layout=widgets.Layout(width="auto"),
        )
        save.add_class("roi-register-save")
        save.on_click(lambda _b: self._save_to_register())
        self.register_status = widgets.HTML("")
        self.register_status.add_class("roi-register-status")
        box = widgets.Box(
            [self.register_picker, save, self.register_status],
            layout=widgets.Layout(flex_flow="row wrap", align_items="center", grid_gap="4px"),
        )
        box.add_class("roi-register")
        return [box]

    def _save_to_register(self) -> None:
        try:
            key = self.model.save_to_register()
            names = self.model.register_names()
        except RoiError as error:
            self.register_status.value = f'<span class="roi-error">{html.escape(str(error))}</span>'
            return
        name = self.model.scenario.name
        self.register_status.value = (
            f"Recorded #{key}: {html.escape(name)}, {html.escape(self.model.verdict.outcome)}"
        )
        self._syncing = True
        try:
            self.register_picker.options = [("(open a recorded initiative)", "")] + [
                (n, n) for n in names
            ]
            self.register_picker.value = ""
        finally:
            self._syncing = False

    def _on_register_pick(self, change: dict) -> None:
        if self._syncing or not change["new"]:
            return
        try:
            self.model.open_from_register(change["new"])
        except RoiError as error:
            self.register_status.value = f'<span class="roi-error">{html.escape(str(error))}</span>'
            return
        self.opened_from = f"register: {change['new']}"
        self.register_status.value = f"Opened {html.escape(change['new'])} from the register"
        self.sync_controls()

    def _actions(self) -> list[widgets.Widget]:
        prepare = widgets.Button(
            description="Prepare downloads",
            button_style="primary",
            tooltip="Memo (HTML, Markdown, PDF) and scenario YAML",
        )
        prepare.add_class("roi-prepare-downloads")
        prepare.on_click(lambda _b: self._prepare_downloads())
        self.variant_name = widgets.Text(
            placeholder="Variant name", layout=widgets.Layout(width="200px")
        )
        save = widgets.Button(
            description="Save variant",
            tooltip="Keep these inputs to compare side by side",
            layout=widgets.Layout(width="auto"),
        )
        save.add_class("roi-save-variant")
        save.on_click(lambda _b: self._save_variant())
        return [prepare, self.variant_name, save]

    def _build(self) -> widgets.Widget:
        # The Readiness tab (dozens of toggles the first view never shows) is built when
        # first opened; with lazy_tabs, every tab but the first is.
        self.built_tabs: set[str] = set()
        tabs = widgets.Tab(children=[widgets.VBox() for _ in GROUPS])
        for index, group in enumerate(GROUPS):
            tabs.set_title(index, group)
            if group != "Readiness" and (index == 0 or not self.lazy_tabs):
                self.open_tab(group, tabs)
        tabs.observe(lambda change: self.open_tab(GROUPS[change["new"]]), "selected_index")
        self.tabs = tabs
        # A box for every chart, holding a line until draw_charts puts the chart in it.
        self.chart_boxes: dict[str, widgets.Box] = {}
        for name in CHART_NAMES:
            waiting = widgets.HTML('<div class="roi-note">Drawing the chart...</div>')
            box = widgets.VBox(
                [waiting], layout=widgets.Layout(min_width="0", min_height=f"{CHART_HEIGHT}px")
            )
            box.add_class(f"roi-chart-{name}")
            self.chart_boxes[name] = box
            if name in EVIDENCE_CHARTS:
                self.evidence_charts[name] = box
        self.no_ranges = widgets.HTML(
            '<div class="roi-note">No input is a range yet, so there is no payback '
            "distribution and nothing to rank by how much it moves payback. Give the inputs "
            "you are unsure of a low and a high value (the Uncertainty tab) to see them.</div>"
        )
        self.no_ranges.add_class("roi-no-ranges")
        # Two a row where both have room (about 1,400 px with the inputs beside them),
        # else one; each chart fills its cell. Charts of a fixed width get cells that fit
        # them, and a phone draws them smaller.
        self.charts_fit = _shared_plotly_esm() is not None
        cell = f"min(100%, {CHART_MIN_WIDTH}px)" if self.charts_fit else f"{CHART_WIDTH + 8}px"
        charts = widgets.GridBox(
            list(self.chart_boxes.values()),
            layout=widgets.Layout(
                grid_template_columns=f"repeat(auto-fill, minmax({cell}, 1fr))",
                grid_gap="8px",
                width="100%",
            ),
        )
        charts.add_class("roi-charts")
        if not self.charts_fit:
            charts.add_class("roi-fixed-charts")
        side = widgets.VBox([tabs])
        side.add_class("roi-side")
        self.chart_area = widgets.VBox([self.no_ranges, charts])
        self.chart_area.add_class("roi-main")
        body = widgets.Box(
            [side, self.chart_area],
            layout=widgets.Layout(flex_flow="row wrap", align_items="flex-start", grid_gap="12px"),
        )
        body.add_class("roi-body")
        # Two parts, displayed one after the other: the browser shows the decision and
        # KPI cards without waiting for the controls and plotly's bundle to render. The
        # actions sit in a bar near the top, the inputs beside the charts.
        self.details = widgets.VBox([self._toolbar(), body])
        return widgets.VBox([self.summary, self.details])

    def open_tab(self, group: str, tabs: widgets.Tab | None = None) -> None:
        """Build an input tab's controls, from the model as it is, if not built yet."""
        if group in self.built_tabs:
            return
        self.built_tabs.add(group)
        box = (tabs or self.tabs).children[GROUPS.index(group)]
        box.children = self._group_children(group)

    def draw_charts(self) -> None:
        """Put a chart in every box whose chart can be drawn now and has none yet (the
        payback distribution appears once an input is a range); the painter redraws
        them from then on."""
        self.charts_on = True
        for name, box in self.chart_boxes.items():
            if name in self.charts:
                continue
            drawn = self.model.figure(name)
            if drawn is None:
                continue
            figure, title = app_figure(name, drawn)
            heading = widgets.HTML(chart_title_html(title))
            self.chart_titles[name] = heading
            # At least CHART_HEIGHT; the Gantt and tornado grow with their rows. No width:
            # under roi's Voila the browser fits each chart to its cell and again when the
            # cell changes (PLOTLY_ESM_SHIM); elsewhere plotly's FigureWidget keeps the
            # width it was first drawn at (plotly.py #5208), so it gets a fixed one. Built
            # whole before it joins its box: the view starts from the state it is built
            # with, and plotly's later edits are messages a view not yet made would miss.
            width = None if self.charts_fit else CHART_WIDTH
            chart = figure_widget(figure, max(CHART_HEIGHT, figure.layout.height or 0), width)
            self.charts[name] = chart
            box.children = (heading, chart)

    def _on_shown(self, content: Any) -> None:
        if isinstance(content, Mapping) and content.get("event") == "shown" and not self.charts_on:
            self.draw_charts()  # from the model as it is: the painter redraws only after a change

    def open_link(self, query: str) -> None:
        """Show a link's values (its query string) laid over the notebook's parameters,
        as a page opened with it would; bad values are named under the toolbar and the
        page stays as it was."""
        try:
            values = query_parameters(query)
            if not values:
                return
            params = {**self.parameters, **values}
            scenario = scenario_from_parameters(params, default_file=EXAMPLE_SCENARIO.name)
            samples, seed = monte_carlo_parameters(params)
        except RoiError as error:
            self.errors["file"].value = "This link's values cannot be used: " + html.escape(
                str(error)
            ).replace("\n", "<br>")
            return
        self.model.samples, self.model.seed = samples, seed
        self.model.open(scenario, base=starter_base(params))
        self.opened_from = opened_from(self.model)
        self.sync_controls()
        self.refresh()

    # --- reacting -----------------------------------------------------------------

    def _on_value(self, field: str, value: Any) -> None:
        if not self._syncing:
            self.model.set_value(field, value)

    def _on_slide(self, field: str, value: Any) -> None:
        if self._syncing:
            return
        # The figures first: the KPI cards are sent as soon as the point results are in,
        # and the typed box beside the slider (which the person is not reading while they
        # drag) follows them instead of going ahead of them.
        self.model.set_value(field, value)
        typed = self.typed.get(field)
        if typed is not None:
            self._syncing = True
            try:
                typed.value = entry_text(field, value)
            finally:
                self._syncing = False

    def _on_range(self, field: str, low: float, high: float) -> None:
        if not self._syncing:
            self.model.set_range(field, low, high)

    def _on_option(self, key: str, value: Any) -> None:
        if not self._syncing:
            if isinstance(value, date):
                value = value.isoformat()
            self.model.set_option(key, value)

    def _on_readiness_answer(self, item: str, key: str, value: str) -> None:
        if not self._syncing:
            self.model.set_readiness_answer(item, **{key: value})

    def _on_pick(self, change: dict) -> None:
        if change["new"] < 0 or self._syncing:
            return
        label, scenario = self.model.templates()[change["new"]]
        self.opened_from = f"starter {label}"
        self.model.open(scenario)
        self.sync_controls()

    def _on_upload(self, change: dict) -> None:
        files = change["new"]
        if not files:
            return
        upload = files[0]
        try:
            self.model.open_upload(
                upload["name"], bytes(upload["content"]), size=upload.get("size")
            )
        except RoiError as error:  # open_upload turns every fault into a ScenarioError
            self.errors["file"].value = html.escape(str(error)).replace("\n", "<br>")
            return
        self.errors["file"].value = ""
        self.opened_from = f"uploaded {upload['name']}"
        self._syncing = True
        try:
            self.picker.value = -1  # the picker no longer names what is on screen
        finally:
            self._syncing = False
        self.sync_controls()
        self.refresh()

    def _reset(self) -> None:
        self.model.reset()
        self.sync_controls()

    def _undo(self) -> None:
        if self.model.undo():
            self.notice.value = ""
            self.sync_controls()
            self.refresh()

    def _on_found(self, change: dict) -> None:
        """What the visitor's browser kept from their last visit: the saved variants come
        back, and their last inputs too unless the page was opened with a link."""
        text = change["new"] or ""
        if not text or len(text) > MAX_KEPT_BYTES:
            return
        try:
            kept = json.loads(text)
        except ValueError:
            return
        if not isinstance(kept, Mapping):
            return
        lost = self.model.restore_variants(kept.get("variants"))
        said = []
        if lost:
            said.append("Saved variants that could not be read again: " + ", ".join(lost) + ".")
        query = kept.get("query")
        link = {k for k, _ in urllib.parse.parse_qsl(self.keep.address.lstrip("?"))} - {"token"}
        if (
            isinstance(query, str)
            and query
            and not {k for k in link if not k.startswith("voila")}
            and query != self.model.share_query()
        ):
            self.open_link(query)
            if not self.errors["file"].value:
                said.append(
                    "Your last inputs in this browser are back (Undo returns to the starter)."
                )
        if self.model.variants:
            said.append(f"{len(self.model.variants)} saved variant(s) kept in this browser.")
        self.notice.value = html.escape(" ".join(said))
        self.refresh()

    def _keep(self) -> None:
        """Tell the browser what to keep and what the page's address is now."""
        model = self.model
        if model.errors:
            return  # the last valid inputs are kept, not a half-typed one
        if self._kept_variants[0] is not model.variants:
            self._kept_variants = (model.variants, model.variants_state())
        query = model.share_query()
        self.keep.query = query
        self.keep.kept = json.dumps(
            {"query": query, "variants": self._kept_variants[1]},
            separators=(",", ":"),
            default=str,
        )

    def _prepare_downloads(self) -> None:
        self.downloads.value = "Preparing..."
        try:
            # In a worker thread: the PDF is printed by Playwright's sync API, which
            # refuses to run on a thread with an asyncio loop (the kernel's).
            with concurrent.futures.ThreadPoolExecutor(1) as pool:
                files = pool.submit(self.model.downloads).result()
        except RoiError as error:
            self.downloads.value = f'<span class="roi-error">{html.escape(str(error))}</span>'
            return
        self.downloads.value = (
            f"For <b>{html.escape(self.model.scenario.name)}</b> "
            f"({html.escape(self.model.verdict.outcome)}): "
            + " ".join(f.link_html() for f in files)
        )

    def _save_variant(self) -> None:
        wanted = self.variant_name.value.strip()
        saved = self.model.save_variant(wanted)
        self.variant_name.value = ""
        self.notice.value = (
            html.escape(f'"{wanted}" was taken: saved as "{saved.name}".')
            if wanted and saved.name != wanted
            else ""
        )

    def sync_controls(self) -> None:
        """Make every control show the model's inputs (after reset, pick or upload)."""
        self._syncing = True
        try:
            for field in NUMERIC_FIELDS:
                box = self.inputs.get(field)
                if box is None:
                    continue  # its tab is not built yet: it will be from the model
                value = self.model.value(field)
                if hasattr(box, "max") and not isinstance(box, widgets.Text) and value > box.max:
                    box.max = control_for(field, self.model.scenario).maximum
                if isinstance(box, widgets.Text):
                    box.value = entry_text(field, value)
                else:
                    box.value = round(value) if isinstance(box, widgets.IntSlider) else value
                if field in self.typed:
                    self.typed[field].value = entry_text(field, value)
            for field, entry in self.range_texts.items():
                entry.value = self._range_text(field)
            if self.plan_toggle is not None:
                self.plan_toggle.value = self.model.build_cost_from_plan
            for field, slider in self.ranges.items():
                low, high = self.model.range(field)
                slider.max = max(range_bounds(field, self.model.scenario)[1], high)
                slider.value = (low, high)
            s = self.model.scenario
            if "Timeline" in self.built_tabs:
                self.inputs["governance"].value = s.governance
                self.inputs["plan_profile"].value = s.plan_profile
                self.inputs["start_date"].value = s.start_date
                self.inputs["poc_weeks"].value = 0 if s.poc_weeks is None else likely(s.poc_weeks)
                self.inputs["decider"].value = s.decider or ""
                self.inputs["decide_by"].value = s.decide_by
            for question, (choice, note) in getattr(self, "gate_inputs", {}).items():
                answer = self.model.gate_answer(question)
                choice.value = answer["answer"] if answer["answer"] in ("yes", "no", "n/a") else ""
                note.value = answer["note"]
            if "min_maturity" in self.inputs:
                self.inputs["min_maturity"].value = s.min_maturity or 0
            for item, box in self.readiness.items():
                answer = self.model.readiness_answer(item)
                box.value = (
                    answer["status"] if answer["status"] in ("done", "open", "n/a") else "open"
                )
                owner, note = self.readiness_details[item]
                owner.value, note.value = answer["owner"], answer["note"]
            if "Evidence" in self.built_tabs:
                self.inputs["poc_budget"].value = money(s.poc_budget) if s.poc_budget else ""
                self.inputs["poc_spent"].value = money(s.poc_spent) if s.poc_spent else ""
                self._rebuild_criteria()
        finally:
            self._syncing = False

    def refresh(self) -> None:
        """Show the model's current results, decision, errors and charts, in place."""
        model = self.model
        undo = model.undo_label
        self.undo.description = f"Undo {undo}" if undo else "Undo"
        self.undo.layout.display = "" if undo else "none"
        for kpi in model.kpis():  # the KPI cards first: they are what people watch
            if not (model.simulating and kpi.uses_simulation):
                self.kpis[kpi.key].value = _kpi_html(kpi.label, kpi.value, kpi.detail)
        if model.simulating:
            send_now()
            return  # the rest follows when the Monte Carlo is done
        self.banner.value = banner_html(model)
        for key, label in self.errors.items():
            if key == "file":
                continue
            base = key.removesuffix("-range")
            message = model.errors.get(base, "")
            label.value = html.escape(message)
        self.stale.value = stale_html(model.errors)
        self._keep()
        for part in (self.summary, self.chart_area):
            if model.errors:
                part.add_class("roi-out-of-date")
            else:
                part.remove_class("roi-out-of-date")
        if model.errors:
            return
        # No ranges: no distribution, no tornado; one line says how to get them.
        uncertain = model.scenario.is_uncertain
        for name in ("payback", "tornado", "importance"):
            box = self.chart_boxes.get(name)
            if box is not None:
                box.layout.display = None if uncertain else "none"
        self.no_ranges.layout.display = "none" if uncertain else None
        self.evidence_status.value = self._evidence_html()
        self._refresh_checklist_heads()
        self._syncing = True
        try:  # typed amounts shown as money again, ranges as the sliders left them
            for field, box in self.inputs.items():
                if field in FIELD_SPECS and isinstance(box, widgets.Text):
                    box.value = entry_text(field, model.value(field))
            for field, entry in self.range_texts.items():
                entry.value = self._range_text(field)
        finally:
            self._syncing = False
        # The plan sentence says it when nothing is worth measuring: no empty chart then.
        worth = any(v > 0 for v in model.evidence.evppi.values())
        if "evppi" in self.evidence_charts:
            self.evidence_charts["evppi"].layout.display = None if worth else "none"
        self.downloads.value = ""  # links for earlier inputs would be wrong now
        self.share.value = share_html(model)
        edited = model.scenario.to_dict() != model.initial.to_dict()
        self.source_label.value = (
            f'<span class="roi-source">{html.escape(self.opened_from)}'
            + (' &middot; <b class="roi-edited">edited</b>' if edited else "")
            + "</span>"
        )
        if self.charts_on:
            self.draw_charts()  # one that could not be drawn before (no range yet)
        if self.painter is not None:
            self.painter.request()
        self._refresh_variants()  # the export first: the table is what people wait on
        self.comparison.value = self._comparison_html()

    def _comparison_html(self) -> str:
        """Saved variants side by side; rows where they differ are highlighted."""
        rows = self.model.comparison()
        if not self.model.variants:
            return ""
        head = "".join(f"<th>{html.escape(name)}</th>" for name in self.model.variants)
        body = "".join(
            f"<tr{' class=roi-changed' if len(set(cells)) > 1 else ''}>"
            f"<td>{html.escape(label)}</td>"
            + "".join(f"<td>{html.escape(cell)}</td>" for cell in cells)
            + "</tr>"
            for label, cells in rows
        )
        return (
            "<b>Saved variants</b> <span class='roi-kpi-detail'>(highlighted: where they "
            f"differ)</span><table><tr><th></th>{head}</tr>{body}</table>"
        )

    def _variant_tools(self) -> widgets.Widget:
        """Pick a saved variant to rename or delete; export them all as a scenario table."""
        self.variant_pick = widgets.Dropdown(
            options=[], description="Variant", layout=widgets.Layout(width="240px")
        )
        self.variant_pick.add_class("roi-variant-pick")
        self.variant_rename = widgets.Text(
            placeholder="New name", layout=widgets.Layout(width="180px")
        )
        self.variant_rename.add_class("roi-variant-new-name")
        rename = widgets.Button(description="Rename", tooltip="Rename the chosen variant")
        rename.add_class("roi-variant-rename")
        rename.on_click(lambda _b: self._rename_variant())
        delete = widgets.Button(description="Delete", tooltip="Delete the chosen variant")
        delete.add_class("roi-variant-delete")
        delete.on_click(lambda _b: self._delete_variant())
        restore = widgets.Button(
            description="Restore", tooltip="Put the chosen variant's inputs on screen"
        )
        restore.add_class("roi-variant-restore")
        restore.on_click(lambda _b: self._restore_variant())
        duplicate = widgets.Button(description="Duplicate", tooltip="Copy the chosen variant")
        duplicate.add_class("roi-variant-duplicate")
        duplicate.on_click(lambda _b: self._duplicate_variant())
        self.variant_export = widgets.HTML()
        self.variant_export.add_class("roi-variant-export")
        tools = widgets.Box(
            [
                self.variant_pick,
                restore,
                duplicate,
                self.variant_rename,
                rename,
                delete,
                self.variant_export,
            ],
            layout=widgets.Layout(flex_flow="row wrap", align_items="center", display="none"),
        )
        tools.add_class("roi-variant-tools")
        self.variant_box = tools
        return tools

    def _refresh_variants(self) -> None:
        if self.model.variants is self._variants_shown:
            return  # unchanged (each change makes a new dict): no CSV on a slider move
        self._variants_shown = self.model.variants
        names = list(self.model.variants)
        self.variant_box.layout.display = "flex" if names else "none"
        self.variant_pick.options = names
        if names:
            missing = sorted(
                {key for v in self.model.variants.values() for key in table_left_out(v.scenario)}
            )
            note = (
                f' <span class="roi-kpi-detail">(a table leaves out {", ".join(missing)})</span>'
                if missing
                else ""
            )
            self.variant_export.value = self.model.variants_download().link_html() + note

    def _rename_variant(self) -> None:
        old, new = self.variant_pick.value, self.variant_rename.value
        if old and self.model.rename_variant(old, new):
            self.variant_rename.value = ""

    def _restore_variant(self) -> None:
        if self.variant_pick.value and self.model.restore_variant(self.variant_pick.value):
            self.sync_controls()
            self.refresh()

    def _duplicate_variant(self) -> None:
        if self.variant_pick.value:
            self.model.duplicate_variant(self.variant_pick.value)

    def _delete_variant(self) -> None:
        if self.variant_pick.value:
            self.model.remove_variant(self.variant_pick.value)

    def _evidence_html(self) -> str:
        """The criteria's status, the PoC's flags, the measurement plan and the gate odds."""
        from roi.formatting import money, share

        evidence = self.model.evidence
        rows = "".join(
            f'<tr class="roi-criterion-status" data-status="{c.status}">'
            f"<td>{html.escape(c.name)}</td>"
            f'<td><span class="roi-pill {c.status}">{c.status}</span></td>'
            f'<td class="num">{html.escape(c.text(c.measured))}</td>'
            f'<td class="num">{html.escape(c.text(c.criterion.target))}</td>'
            f'<td class="num">{html.escape(c.text(c.criterion.minimum))}</td>'
            f'<td class="num">{"" if c.prob_meets_target is None else share(c.prob_meets_target)}'
            "</td></tr>"
            for c in evidence.criteria
        )
        table = (
            "<table><tr><th>Criterion</th><th>Status</th><th class='num'>Measured</th>"
            "<th class='num'>Target</th><th class='num'>Kill line</th>"
            f"<th class='num'>P(target)</th></tr>{rows}</table>"
            if rows
            else "<p>No success criteria yet: add the one or two the PoC must prove.</p>"
        )
        flags = "".join(
            f'<p class="roi-flag">{html.escape(flag)}</p>' for flag in evidence.poc_flags
        )
        gates = ", ".join(
            f"gate {g.number} {share(g.probability)}"
            + (" (yours)" if g.source == "scenario" else "")
            for g in evidence.gates
        )
        return (
            f"<b>Status</b>{table}{flags}"
            f'<p class="roi-plan"><b>Measurement plan.</b> {html.escape(evidence.plan_sentence())}'
            "</p>"
            + (
                f'<p class="roi-item-prices"><b>What to close next.</b> '
                f"{html.escape(evidence.item_prices_sentence())}</p>"
                if evidence.item_prices
                else ""
            )
            + f'<p class="roi-risk-adjusted"><b>Risk-adjusted NPV '
            f"{html.escape(money(evidence.risk_adjusted_npv))}</b>: the expected NPV "
            f"({html.escape(money(evidence.expected_value))}) weighed by the odds of passing "
            f"the remaining gates ({html.escape(gates)}), less what a stop would have spent.</p>"
        )
