"""The portfolio and timeline notebooks' pages: tables and charts over the app model."""

from __future__ import annotations

import html
from collections.abc import Mapping
from typing import Any

import ipywidgets as widgets
from IPython.display import display

from roi.app.model import (
    WorkbookModel,
)
from roi.app.server import has_frontend, prepare_frontend_kernel
from roi.app.view import CSS, WorkbookApp, figure_widget, update_figure
from roi.exceptions import ScenarioError
from roi.reports.notebook import RESULTS_MIMETYPE
from roi.timeline import CONFIG as TIMELINE_CONFIG
from roi.timeline import PLAN_PROFILES

# --- the portfolio and timeline notebooks ------------------------------------------------


def _table_html(head: list[str], rows: list[list[str]], css_class: str) -> str:
    header = "".join(f"<th>{html.escape(cell)}</th>" for cell in head)
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(cell)}</td>" for cell in row) + "</tr>" for row in rows
    )
    return f'<table class="{css_class}"><tr>{header}</tr>{body}</table>'


def portfolio(params: Mapping[str, Any], *, interactive: bool | None = None) -> Any:
    """What notebooks/portfolio.ipynb calls: a ranked table, a bubble chart, open one.

    `params` may hold `scenarios_file` (None: templates/scenarios/portfolio.csv) and
    `open_name` (an initiative to open in the workbook right away). Headless it displays
    the table and the ranked rows as application/json; returns the ranked frame.
    """
    interactive = has_frontend() if interactive is None else interactive
    if interactive:
        prepare_frontend_kernel()
    from roi.app.model import PORTFOLIO_FILE, portfolio_frame
    from roi.app.model import portfolio_table_rows as table_rows
    from roi.files import load_scenarios, project_path
    from roi.reports.charts import PORTFOLIO_HEIGHT, portfolio_bubble
    from roi.reports.portfolio import BASIS_NOTE, TABLE_HEAD, headline_frame

    scenarios = load_scenarios(project_path(params.get("scenarios_file") or PORTFOLIO_FILE))
    frame = portfolio_frame(scenarios)
    by_name = {s.name: s for s in scenarios}
    open_name = params.get("open_name")
    if open_name is not None and open_name not in by_name:
        raise ScenarioError(
            [
                _problem(
                    "open_name",
                    open_name,
                    "must name an initiative in the file: " + ", ".join(by_name),
                )
            ]
        )
    choice = _funding(params)
    if not interactive:
        from IPython.display import HTML

        # The table as the page shows it (money and months formatted), and its chart.
        display(
            HTML(
                CSS
                + _table_html(list(TABLE_HEAD), table_rows(frame), "roi-portfolio")
                + f'<p class="roi-kpi-detail">{html.escape(BASIS_NOTE)}</p>'
            )
        )
        portfolio_bubble(headline_frame(frame)).show()
        display({RESULTS_MIMETYPE: {"portfolio": _records(frame)}}, raw=True)
        if choice is not None:
            display(HTML(choice["html"]))
            for figure in choice["figures"]:
                figure.show()
            display({RESULTS_MIMETYPE: {"funding": choice["json"]}}, raw=True)
        return frame
    table = widgets.HTML(
        CSS
        + _table_html(list(TABLE_HEAD), table_rows(frame), "roi-portfolio")
        + f'<p class="roi-kpi-detail">{html.escape(BASIS_NOTE)}</p>'
    )
    table.add_class("roi-compare")
    chart = figure_widget(portfolio_bubble(headline_frame(frame)), PORTFOLIO_HEIGHT)
    picker = widgets.Dropdown(
        options=[("(choose an initiative)", "")] + [(n, n) for n in frame["name"]],
        description="Open",
        value=open_name or "",
    )
    picker.add_class("roi-portfolio-open")
    opened = widgets.VBox()

    def open_initiative(name: str) -> None:
        opened.children = [] if not name else [WorkbookApp(WorkbookModel(by_name[name])).widget]

    picker.observe(lambda change: open_initiative(change["new"]), "value")
    open_initiative(open_name or "")
    funding = []
    if choice is not None:
        funding = [widgets.HTML(CSS + choice["html"])] + [
            widgets.Box([figure_widget(figure, 380)]) for figure in choice["figures"]
        ]
    page = widgets.VBox([table, widgets.Box([chart]), *funding, picker, opened])
    display(page)
    return frame


def _funding(params: Mapping[str, Any]) -> dict[str, Any] | None:
    """The funding choice when the notebook sets `budget`, `capacity` or `max_count`:
    `plan_portfolio`'s answer as HTML, its two charts and its JSON."""
    budget, capacity = params.get("budget"), params.get("capacity") or {}
    max_count = params.get("max_count")
    if budget is None and not capacity and max_count is None:
        return None
    from roi.app.model import PORTFOLIO_FILE
    from roi.files import load_members, project_path
    from roi.formatting import parse_amount
    from roi.portfolio import Constraints, json_ready, plan_portfolio
    from roi.reports.selection import frontier_figure, selection_fragment, total_value_figure

    if isinstance(budget, str):
        try:
            budget = parse_amount(budget)
        except ValueError as error:
            raise ScenarioError([_problem("budget", budget, str(error))]) from None
    if budget is not None and not (isinstance(budget, int | float) and budget >= 0):
        raise ScenarioError([_problem("budget", budget, "must be an amount >= 0, e.g. 1.2M")])
    if not isinstance(capacity, Mapping) or not all(
        isinstance(w, int | float) and w >= 0 for w in capacity.values()
    ):
        raise ScenarioError(
            [
                _problem(
                    "capacity",
                    capacity,
                    "must map roles to engineer-weeks, e.g. {'ml_engineer': 40}",
                )
            ]
        )
    source = project_path(params.get("scenarios_file") or PORTFOLIO_FILE)
    result = plan_portfolio(
        load_members(source),
        Constraints(None if budget is None else float(budget), dict(capacity), max_count),
        objective=params.get("objective") or "risk_adjusted",
    )
    figures = [frontier_figure(result)]
    total = total_value_figure(result)
    if total is not None:
        figures.append(total)
    return {
        "html": selection_fragment(result, str(source)),
        "figures": figures,
        "json": json_ready(result),
    }


def timeline(params: Mapping[str, Any], *, interactive: bool | None = None) -> Any:
    """What notebooks/timeline.ipynb calls: phases, checkpoints in sequence vs parallel, Gantt.

    Headless it displays the tables and, as application/json, both plans (parallel and
    sequential) from roi.timeline; returns that dict.
    """
    interactive = has_frontend() if interactive is None else interactive
    if interactive:
        prepare_frontend_kernel()
    from roi.app.model import checkpoint_rows, phase_rows, timeline_comparison, timeline_scenario
    from roi.evaluate import timeline_for
    from roi.reports.charts import gantt

    scenario = timeline_scenario(params)
    plan = timeline_for(scenario)
    comparison = timeline_comparison(scenario)
    phases_head = ["Phase", "Roles", "Weeks", "Likely schedule", "Critical"]
    checkpoints_head = ["Checkpoint", "Owner", "Business days", "Evidence", "Passes when"]
    if not interactive:
        from IPython.display import HTML

        display(HTML(_table_html(phases_head, phase_rows(plan), "roi-phases")))
        display(HTML(_table_html(checkpoints_head, checkpoint_rows(plan), "roi-checkpoints")))
        display({RESULTS_MIMETYPE: {"name": scenario.name, "timeline": comparison}}, raw=True)
        return comparison
    state = {"scenario": scenario}
    summary = widgets.HTML()
    phases = widgets.HTML()
    phases.add_class("roi-compare")
    checkpoints = widgets.HTML(
        _table_html(checkpoints_head, checkpoint_rows(plan), "roi-checkpoints")
    )
    checkpoints.add_class("roi-compare")
    chart = figure_widget(gantt(plan), 420)
    error = widgets.HTML()
    error.add_class("roi-error")

    def show(changed) -> None:
        try:
            current = state["scenario"].evolve(**changed)
        except ScenarioError as problem:
            error.value = html.escape(str(problem)).replace("\n", "<br>")
            return
        error.value = ""
        state["scenario"] = current
        plan = timeline_for(current)
        both = timeline_comparison(current)["plans"]
        summary.value = CSS + (
            f"<b>{html.escape(current.name)}</b>: likely {plan.likely_weeks:g} weeks "
            f"({plan.min_weeks:g}-{plan.max_weeks:g}; {plan.plan_profile.name.lower()}, "
            f"audited past {plan.audit_past_weeks:g}); checkpoints in parallel "
            f"{both['parallel']['likely']:g} weeks, in sequence {both['sequential']['likely']:g}"
            + (f"; go-live {plan.go_live_date.isoformat()}" if plan.go_live_date else "")
            + "".join(f"<br>Warning: {html.escape(w)}" for w in plan.warnings)
        )
        phases.value = _table_html(phases_head, phase_rows(plan), "roi-phases")
        update_figure(chart, gantt(plan))

    governance = widgets.ToggleButtons(
        options=[("parallel", "parallel"), ("sequential", "sequential"), ("at the end", "end")],
        value=scenario.governance,
        description="Checkpoints",
    )
    governance.observe(lambda c: show({"governance": c["new"]}), "value")
    profile = widgets.ToggleButtons(
        options=[(TIMELINE_CONFIG.profiles[p].name, p) for p in PLAN_PROFILES],
        value=scenario.plan_profile,
        description="Plan",
    )
    profile.observe(lambda c: show({"plan_profile": c["new"]}), "value")
    start = widgets.DatePicker(value=scenario.start_date, description="Start date")
    start.observe(lambda c: show({"start_date": c["new"]}), "value")
    show({})
    display(
        widgets.VBox(
            [profile, governance, start, error, summary, widgets.Box([chart]), phases, checkpoints]
        )
    )
    return comparison


def _problem(field: str, value: Any, allowed: str) -> Any:
    from roi.exceptions import Problem

    return Problem(field, value, allowed, "notebook parameters")


def _records(frame: Any) -> list[dict[str, Any]]:
    from roi.app.model import jsonable

    return jsonable(frame.to_dict("records"))
