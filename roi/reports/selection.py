"""The funding choice as an HTML page: the chosen set, what binds, the frontier of value
against budget, the ranking by productivity index and the distribution of total value."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from roi.files import write_text_atomic
from roi.formatting import money, share
from roi.resources import TEMPLATES

if TYPE_CHECKING:
    import plotly.graph_objects as go

SELECTION_TEMPLATE = "selection.html.j2"
OBJECTIVE_WORDS = {"risk_adjusted": "risk-adjusted NPV", "npv": "NPV"}
_CONFIG = {"displaylogo": False, "responsive": False, "displayModeBar": False}
CHART_WIDTH = 540  # px: two side by side in the page, each fixed (no overflow)


def frontier_figure(result: Mapping[str, Any]) -> go.Figure:
    """Best value each budget buys (the other limits kept), the chosen budget marked."""
    import plotly.graph_objects as go

    points = result["frontier"]
    word = OBJECTIVE_WORDS[result["objective"]]
    figure = go.Figure(
        go.Scatter(
            x=[p["budget"] for p in points],
            y=[p["total"] for p in points],
            mode="lines+markers",
            line_shape="hv",
            name=word,
            hovertemplate="budget $%{x:,.0f}<br>" + word + " $%{y:,.0f}<extra></extra>",
        )
    )
    budget = result["limits"]["budget"]
    if budget is not None:
        figure.add_vline(x=budget, line_dash="dot", annotation_text="this budget")
    figure.update_layout(
        xaxis_title="one-time budget ($)",
        yaxis_title=f"best {word} ($)",
        height=380,
        width=CHART_WIDTH,
        margin={"l": 70, "r": 20, "t": 30, "b": 50},
        showlegend=False,
    )
    return figure


def total_value_figure(result: Mapping[str, Any]) -> go.Figure | None:
    """Histogram of the funded set's total NPV; beside it, when drivers are shared, what
    independent draws would have shown (narrower)."""
    together = result.get("total_npv_samples")
    if together is None:
        return None
    import plotly.graph_objects as go

    figure = go.Figure()
    alone = result.get("total_npv_samples_independent")
    if alone is not None:
        figure.add_histogram(
            x=np.asarray(alone), name="drawn independently", opacity=0.45, nbinsx=60
        )
    figure.add_histogram(
        x=np.asarray(together), name="shared drivers drawn once", opacity=0.75, nbinsx=60
    )
    figure.add_vline(x=0, line_color="#b42318")
    figure.update_layout(
        barmode="overlay",
        xaxis_title="total NPV of the funded set ($)",
        yaxis_title="samples",
        height=380,
        width=CHART_WIDTH,
        margin={"l": 70, "r": 20, "t": 30, "b": 50},
        legend={"orientation": "h", "y": 1.12},
    )
    return figure


def selection_context(
    result: Mapping[str, Any], source: str, *, standalone: bool = True
) -> dict[str, Any]:
    """The plain data the page shows; the template only lays it out. Not `standalone`:
    the page's body without its charts, for a notebook that draws them itself."""
    word = OBJECTIVE_WORDS[result["objective"]]
    constraints = []
    for c in result["constraints"]:
        if c["name"] == "budget":
            label, used = "One-time budget", f"{money(c['used'])} of {money(c['limit'])}"
            step = f"another {money(c['step'])}"
        elif c["name"] == "count":
            label, used = "Initiatives at once", f"{c['used']:g} of {c['limit']:g}"
            step = "one more initiative"
        else:
            label, used = c["name"], f"{c['used']:g} of {c['limit']:g} engineer-weeks"
            step = f"another engineer ({c['step']:g} weeks)"
        constraints.append(
            {
                "label": label,
                "used": used,
                "binds": c["binds"],
                "step": step,
                "gain": money(c["gain"]),
            }
        )
    excluded = []
    for e in result["excluded"]:
        if e.get("blocked"):
            why = f"{e['blocked']}: not fundable until it passes"
        elif e["value"] <= 0:
            why = "not worth funding (value not positive)"
        elif e["shortfall"] is None:
            why = "does not fit the limits even on its own"
        else:
            why = f"needs {money(e['shortfall'])} more value to be chosen"
        excluded.append({"name": e["name"], "value": money(e["value"]), "why": why})
    ranking = [
        {
            "name": r["name"],
            "selected": r["selected"],
            "value": money(r["value"]),
            "cost": money(r["one_time_cost"]),
            "pi": "-" if r["productivity_index"] is None else f"{r['productivity_index']:.2f}",
            "decision": result["decisions"].get(r["name"], ""),
        }
        for r in result["ranking"]
    ]
    sim = result.get("simulation")
    together = None
    if sim:
        together = {
            "samples": f"{sim['samples']:,}",
            "p10": money(sim["total_npv_p10"]),
            "p50": money(sim["total_npv_p50"]),
            "p90": money(sim["total_npv_p90"]),
            "pays_back": share(sim["prob_pays_back_together"]),
            "threshold": f"{sim['threshold_months']:g}",
            "positive": share(sim["prob_total_npv_positive"]),
        }
        alone = result.get("simulation_independent")
        if alone:
            together["independent"] = (
                f"{money(alone['total_npv_p10'])} to {money(alone['total_npv_p90'])}"
            )
    figures = [("Value against budget", frontier_figure(result))] if standalone else []
    total = total_value_figure(result) if standalone else None
    if total is not None:
        figures.append(("Total NPV of the funded set", total))
    charts = [
        (title, figure.to_html(full_html=False, include_plotlyjs=(i == 0), config=_CONFIG))
        for i, (title, figure) in enumerate(figures)
    ]
    return {
        "title": "Funding choice",
        "source": source,
        "objective": word,
        "objective_title": word[0].upper() + word[1:],
        "selected": result["selected"],
        "total": money(result["total"]),
        "spent": money(result["spent"]),
        "constraints": constraints,
        "excluded": excluded,
        "ranking": ranking,
        "together": together,
        "shared": result["shared"],
        "guidance": result["guidance"],
        "charts": charts,
        "standalone": standalone,
    }


def render_selection(context: Mapping[str, Any]) -> str:
    """The page from its context: the memo's cached environment, autoescaping on."""
    from roi.reports.memo import _jinja_environment

    environment = _jinja_environment(True, (str(TEMPLATES),))
    return environment.get_template(SELECTION_TEMPLATE).render(**context)


def write_selection_report(
    result: Mapping[str, Any], path: str | os.PathLike[str], *, source: str = ""
) -> Path:
    """The page for `plan_portfolio`'s answer, written atomically; returns its path."""
    return write_text_atomic(Path(path), render_selection(selection_context(result, source)))


def selection_fragment(result: Mapping[str, Any], source: str) -> str:
    """The report's text and tables as an HTML fragment (no charts, no page head)."""
    return render_selection(selection_context(result, source, standalone=False))
