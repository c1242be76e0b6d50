"""What the workbook notebook calls: `workbook(globals())`, then `open_page_link(app)`.

Imports no widget library: run headless (papermill, `roi batch`, nbconvert) the
workbook needs only what the `batch` extra installs. The app's view (ipywidgets,
anywidget, plotly's FigureWidget) is imported when a frontend is there to show it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from IPython.display import HTML, display

from roi.app.model import WorkbookModel
from roi.app.server import has_frontend, preheated
from roi.reports.notebook import (
    RESULTS_MIMETYPE,
    chart_bundles,
    decision_html,
    decision_rule,
    monte_carlo_parameters,
    results_table,
    scenario_from_parameters,
)


def workbook(
    params: Mapping[str, Any], *, interactive: bool | None = None, fast_first_paint: bool = True
) -> Any:
    """What the workbook notebook calls with its parameters (usually `globals()`).

    Interactive: displays the app and returns the WorkbookApp (`roi.app.view`). Headless:
    displays the results table and, as application/json, the assessment's `to_dict()`
    (what `roi run --json` prints), returns the WorkbookModel; invalid parameters raise
    ScenarioError naming the field, value and rule. `samples` (None: roi's default) and
    `seed` set the Monte Carlo, `confidence` (None: roi's default) the decision rule.
    `fast_first_paint=False` builds every tab and chart before the page is sent (as roi
    did before; `make bench` compares the two).
    """
    if interactive is None:
        interactive = has_frontend()
    if interactive:
        from roi.app.view import show_workbook

        return show_workbook(params, fast_first_paint=fast_first_paint)
    samples, seed = monte_carlo_parameters(params)
    model = WorkbookModel(
        scenario_from_parameters(params), samples=samples, seed=seed, rule=decision_rule(params)
    )
    # Static outputs that an executed notebook keeps (nbconvert HTML, code hosts): the
    # decision with its reasons, the KPI table, the charts, then the JSON.
    display(HTML(decision_html(model.assessment)))
    display(results_table(model.assessment))
    for bundle in chart_bundles(model.assessment):
        display(bundle, raw=True)
    payload = model.results_payload()
    summary = f"roi results for {payload['name']}: as `roi run --json` prints them"
    display({RESULTS_MIMETYPE: payload, "text/plain": summary}, raw=True)
    return model


def open_page_link(app: Any) -> None:
    """What the workbook notebook calls after `workbook`: in a preheated kernel, wait for
    the visitor's request and open the link it carries (the page was built from the
    notebook's parameters before anyone asked for it). Elsewhere the link was read
    before the page was built, and there is nothing to do."""
    if app is None or isinstance(app, WorkbookModel) or not preheated():
        return
    from roi.app.view import page_query

    app.open_link(page_query())
