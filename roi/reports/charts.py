"""Charts of the workbook as plotly Figures, in one print-friendly, colour-blind-safe theme.

Each function takes what roi computed (Results, a Simulation, a tornado or portfolio
frame, a Timeline) and returns a `plotly.graph_objects.Figure`; nothing is computed
here that roi does not already compute. Monte Carlo histograms send binned counts, not
the raw samples, so a figure stays small however many samples were drawn.
"""

from __future__ import annotations

import html
import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio

from roi.evaluate import Results
from roi.evidence import Evidence
from roi.exceptions import RoiError
from roi.formatting import money, months, share
from roi.sensitivity import required_annual_impact
from roi.timeline import GOVERNANCE, Timeline
from roi.uncertainty import Simulation

THEME = "roi"
"""Name of the plotly template every chart uses (registered when this module loads)."""

# Okabe & Ito's palette: distinguishable with every common colour-vision deficiency and
# in greyscale print.
BLUE = "#0072B2"
ORANGE = "#E69F00"
SKY = "#56B4E9"
GREEN = "#009E73"
YELLOW = "#F0E442"
VERMILLION = "#D55E00"
PURPLE = "#CC79A7"
BLACK = "#000000"
GREY = "#8C8C8C"
PALETTE = (BLUE, ORANGE, GREEN, VERMILLION, SKY, PURPLE, YELLOW, BLACK)

DECISION_COLOURS = {"Go": GREEN, "Conditional go": ORANGE, "No-go": VERMILLION}
DEFAULT_COLOUR = BLUE
FONT = "Arial, Helvetica, sans-serif"
HISTOGRAM_BINS = 40

METRIC_LABELS = {
    "annual_impact": "Annual net impact",
    "monthly_net_impact": "Monthly net impact",
    "payback_months": "Simple payback (months)",
    "payback_months_cash_flow": "Payback on the cash flow (months)",
    "npv": "NPV at go-live",
    "npv_at_decision": "NPV at the decision",
    "roi_pct": "ROI over horizon (%)",
    "payback_month_with_ramp": "Payback month with adoption ramp",
    "weeks_to_go_live": "Weeks to go-live",
    "time_to_value_months": "Months from decision to payback",
}
MONEY_METRICS = ("annual_impact", "monthly_net_impact", "npv", "npv_at_decision")


class ChartError(RoiError, ValueError):
    """A chart was given data it cannot draw (missing columns, unknown metric)."""


def plain_text(value: object) -> str:
    """A user's text as plotly shows it literally: plotly renders a subset of HTML in
    titles, labels and hover text (`<a href>` becomes a live link, `<span style>` restyles
    the chart) and decodes the entities &lt; &gt; &amp; (not &quot;, which it would show
    as typed), so those three are escaped.

    >>> plain_text('<a href="x">Ops</a> & co')
    '&lt;a href="x"&gt;Ops&lt;/a&gt; &amp; co'
    """
    return html.escape(str(value), quote=False)


def _theme() -> go.layout.Template:
    axis = {
        "showline": True,
        "linecolor": "#444444",
        "linewidth": 1,
        "ticks": "outside",
        "tickcolor": "#444444",
        "gridcolor": "#E6E6E6",
        "zeroline": False,
        "automargin": True,
        "title": {"standoff": 8},
    }
    return go.layout.Template(
        layout={
            "font": {"family": FONT, "size": 14, "color": "#222222"},
            "title": {"font": {"size": 18}, "x": 0, "xanchor": "left", "xref": "paper"},
            "paper_bgcolor": "white",
            "plot_bgcolor": "white",
            "colorway": list(PALETTE),
            "xaxis": axis,
            "yaxis": axis,
            "legend": {
                "orientation": "h",
                "yanchor": "bottom",
                "y": 1.02,
                "x": 0,
                "bgcolor": "rgba(255,255,255,0)",
            },
            "hoverlabel": {"font": {"family": FONT, "size": 13}},
            "margin": {"l": 70, "r": 30, "t": 80, "b": 60},
            "bargap": 0.15,
        }
    )


if THEME not in pio.templates:
    pio.templates[THEME] = _theme()


class _Chart:
    """A figure put together as plain data, then built and validated by plotly once.

    Adding traces, shapes and layout to a `go.Figure` piece by piece walks plotly's
    object tree on every call (8-20 ms a chart, most of a memo's time); the finished
    figure built in one call takes about 3 ms and is checked just the same.
    """

    def __init__(self, **layout: Any) -> None:
        self.layout: dict[str, Any] = {"template": THEME, **layout}
        self.traces: list[dict[str, Any]] = []
        self.shapes: list[dict[str, Any]] = []
        self.annotations: list[dict[str, Any]] = []

    def add(self, kind: str, **trace: Any) -> None:
        """A trace of plotly type `kind` ("bar", "scatter", ...)."""
        self.traces.append({"type": kind, **trace})

    def axis(self, name: str, **settings: Any) -> None:
        """Settings merged into an axis ("xaxis", "yaxis2", ...)."""
        self.layout[name] = {**self.layout.get(name, {}), **settings}

    def note(self, **annotation: Any) -> None:
        """A text annotation (plotly's `add_annotation` keys, `showarrow` off by default)."""
        self.annotations.append({"showarrow": False, **annotation})

    def vline(
        self,
        x: float,
        *,
        line: dict[str, Any],
        annotation: dict[str, Any] | None = None,
        annotation_position: str = "top right",
        xref: str = "x",
    ) -> None:
        """A vertical line across the plot at x, with an optional label beside its end."""
        yref = "y domain" if xref == "x" else f"y{xref[1:]} domain"
        self.shapes.append(
            {"type": "line", "xref": xref, "yref": yref, "x0": x, "x1": x, "y0": 0, "y1": 1}
            | {"line": line}
        )
        if annotation:
            y, xanchor, yanchor = _ANCHORS[annotation_position]
            self.note(
                x=x, y=y, xref=xref, yref=yref, xanchor=xanchor, yanchor=yanchor, **annotation
            )

    def hline(self, y: float, *, line: dict[str, Any]) -> None:
        """A horizontal line across the plot at y."""
        self.shapes.append(
            {"type": "line", "xref": "x domain", "yref": "y", "x0": 0, "x1": 1, "y0": y, "y1": y}
            | {"line": line}
        )

    def empty_note(self, text: str) -> None:
        """A chart with nothing to show: no axes, one line saying why."""
        self.note(
            text=text,
            xref="paper",
            yref="paper",
            x=0.5,
            y=0.5,
            font={"size": 14, "color": "#57606a"},
        )
        self.axis("xaxis", visible=False)
        self.axis("yaxis", visible=False)

    def figure(self, layout: Mapping[str, Any] | None = None) -> go.Figure:
        """The plotly Figure, with `layout` merged over the chart's own (see `Layout`)."""
        merged = dict(self.layout)
        for key, value in (layout or {}).items():
            axes = [k for k in merged if k.startswith(key)] if key in ("xaxis", "yaxis") else []
            for name in axes or [key]:
                merged[name] = _merge(merged.get(name), value)
        merged |= {"shapes": self.shapes, "annotations": self.annotations}
        return go.Figure(data=self.traces, layout=merged)


def _merge(base: Any, update: Any) -> Any:
    """`update` over `base`, dictionaries key by key (plotly's `update` rule)."""
    if isinstance(base, Mapping) and isinstance(update, Mapping):
        return {**base, **{k: _merge(base.get(k), v) for k, v in update.items()}}
    return update


Layout = Mapping[str, Any] | None
"""Layout settings a caller merges over a chart's own (e.g. a memo's smaller type):
dictionaries merge key by key, and `xaxis` / `yaxis` settings go into every x / y axis
of the chart, as plotly's `update_layout`, `update_xaxes` and `update_yaxes` would."""


# Anchors of a line's label, by where it sits.
_ANCHORS = {
    "top right": (1, "left", "top"),
    "top left": (1, "right", "top"),
    "bottom right": (0, "left", "bottom"),
    "bottom left": (0, "right", "bottom"),
}


def _money_axis() -> dict[str, Any]:
    return {"tickformat": "$.3~s"}


def _value_text(metric: str, value: float | None) -> str:
    if value is None or not math.isfinite(value):
        return "never" if metric.startswith(("payback", "time_to_value")) else "n/a"
    if metric in MONEY_METRICS:
        return money(value)
    return f"{value:,.1f}"


# --- point results -----------------------------------------------------------------------


def waterfall(results: Results, layout: Layout = None) -> go.Figure:
    """Annual value: time value + incremental revenue - running costs = net impact."""
    steps = [
        ("Time value", "relative", results.time_value),
        ("Incremental revenue", "relative", results.incremental_revenue),
        ("Running costs", "relative", -results.running_costs),
        ("Annual net impact", "total", results.annual_impact),
    ]
    chart = _Chart(
        title=f"Where the annual value comes from: {plain_text(results.scenario.name)}",
        yaxis={"title": {"text": "$ a year"}, **_money_axis()},
        showlegend=False,
    )
    chart.add(
        "waterfall",
        name="Annual value",
        x=[label for label, _, _ in steps],
        measure=[measure for _, measure, _ in steps],
        y=[value for _, _, value in steps],
        text=[money(value) for _, _, value in steps],
        textposition="outside",
        increasing={"marker": {"color": GREEN}},
        decreasing={"marker": {"color": VERMILLION}},
        totals={"marker": {"color": BLUE}},
        connector={"line": {"color": GREY, "width": 1}},
        cliponaxis=False,
    )
    return chart.figure(layout)


def cash_flow(results: Results, layout: Layout = None) -> go.Figure:
    """Cumulative cash month by month from go-live, with the payback month and threshold."""
    table = results.cash_flow
    threshold = results.scenario.value("payback_threshold_months")
    horizon = int(table["month"].iloc[-1])
    chart = _Chart(
        title=f"Cumulative cash from go-live: {plain_text(results.scenario.name)}",
        xaxis={
            "title": {"text": "Months after go-live"},
            "range": [0, max(horizon, threshold) + 0.5],
        },
        yaxis={"title": {"text": "Cumulative cash"}, **_money_axis()},
        hovermode="x unified",
    )
    chart.add(
        "bar",
        name="Net cash in the month",
        x=table["month"],
        y=table["net"],
        marker={"color": SKY},
        opacity=0.6,
        hovertemplate="%{y:$,.0f}<extra>net in the month</extra>",
    )
    chart.add(
        "scatter",
        name="Cumulative cash",
        x=table["month"],
        y=table["cumulative"],
        mode="lines+markers",
        line={"color": BLUE, "width": 3},
        marker={"size": 5},
        hovertemplate="%{y:$,.0f}<extra>cumulative</extra>",
    )
    chart.hline(0, line={"color": "#444444", "width": 1})
    chart.vline(
        threshold,
        line={"color": VERMILLION, "width": 2, "dash": "dash"},
        annotation={"text": f"Threshold: {threshold:g} months"},
        annotation_position="bottom right",
    )
    # Where the cumulative cash crosses zero: the payback on the cash flow, to a fraction
    # of a month, as every screen states it (not the whole month it falls in).
    crossing = results.payback_months_cash_flow
    if crossing is not None and crossing <= max(horizon, threshold):
        chart.vline(
            crossing,
            line={"color": GREEN, "width": 2},
            annotation={"text": f"Payback on the cash flow: {months(crossing)}"},
            annotation_position="top right",
        )
    else:
        text = (
            "Never pays back"
            if crossing is None
            else f"Pays back after {months(crossing)}, past the horizon"
        )
        chart.note(
            text=text,
            xref="paper",
            yref="paper",
            x=1,
            y=1,
            xanchor="right",
            font={"color": VERMILLION, "size": 15},
        )
    return chart.figure(layout)


# --- Monte Carlo -------------------------------------------------------------------------


def binned(
    values: np.ndarray, bins: int = HISTOGRAM_BINS, upper: float | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(left edges, widths, counts) of finite values; values above `upper` join the last bin.

    >>> left, width, counts = binned(np.array([0.0, 1, 1, 2, 10]), bins=2, upper=2)
    >>> left.tolist(), width.tolist(), counts.tolist()
    ([0.0, 1.0], [1.0, 1.0], [1, 4])
    """
    finite = values[np.isfinite(values)]
    if finite.size == 0:
        return np.array([]), np.array([]), np.array([], dtype=int)
    low = float(finite.min())
    high = float(finite.max()) if upper is None else min(float(upper), float(finite.max()))
    if high <= low:  # every sample the same: one bar around it
        half = max(abs(low) * 0.01, 0.5)
        low, high, bins = low - half, low + half, 1
    edges = np.linspace(low, high, bins + 1)
    counts, _ = np.histogram(np.clip(finite, low, high), bins=edges)
    return edges[:-1], np.diff(edges), counts


def _sample_bars(
    chart: _Chart,
    left: np.ndarray,
    width: np.ndarray,
    counts: np.ndarray,
    total: int,
    hover: list[str],
) -> None:
    """Binned samples as bars of their share in percent (counts kept for hover and tests)."""
    chart.add(
        "bar",
        name="Samples",
        x=left + width / 2,
        y=counts / total * 100,
        width=width,
        customdata=counts,
        hovertext=hover,
        hoverinfo="text",
        marker={"color": SKY},
    )


# Percentile lines closer than this share of the axis get one label: side by side,
# their labels (printed along the lines) would overlap.
LABEL_GAP = 0.1
_DASHES = {10: "dot", 50: "dash", 90: "dot"}


def _percentile_lines(chart: _Chart, simulation: Simulation, metric: str, span: float) -> list:
    """P10/P50/P90 as dotted lines, labelled along them; lines closer than LABEL_GAP of
    the axis' `span` share one label ("P10-P90: 1.9", "P10-P50: 1.8 to 1.9"). The
    percentiles that fall among never-pays-back are returned, not drawn."""
    never, drawn = [], []
    for q in (10, 50, 90):
        value = simulation.percentile(metric, q)
        if value is None:
            never.append(q)
        else:
            drawn.append((q, float(value)))
    groups: list[list[tuple[int, float]]] = []
    for q, value in drawn:
        if groups and value - groups[-1][-1][1] < LABEL_GAP * span:
            groups[-1].append((q, value))
        else:
            groups.append([(q, value)])
    for group in groups:
        (first, low), (last, high) = group[0], group[-1]
        low_text, high_text = _value_text(metric, low), _value_text(metric, high)
        if len(group) == 1:
            text = f"P{first}: {low_text}"
        elif low_text == high_text:
            text = f"P{first}-P{last}: {low_text}"
        else:
            text = f"P{first}-P{last}: {low_text} to {high_text}"
        for q, value in group:
            chart.vline(
                value,
                line={"color": BLACK, "width": 1.5, "dash": _DASHES[q]},
                # the group's label beside its last line
                annotation={"text": text, "textangle": -90, "font": {"size": 12}}
                if q == last
                else None,
                annotation_position="top right",
            )
    return never


def _axis_span(left: np.ndarray, width: np.ndarray, *lines: float) -> float:
    """How much of the x axis a histogram's bars and lines take (plotly's autorange)."""
    ends = [*left, *(left + width), *lines]
    return float(max(ends) - min(ends)) if len(ends) > 1 else 1.0


def payback_histogram(
    simulation: Simulation, bins: int = HISTOGRAM_BINS, layout: Layout = None
) -> go.Figure:
    """Monte Carlo payback: share of samples per payback bin, P10/P50/P90 and threshold.

    The payback drawn is the one the decision tests (`Simulation.payback_key`: the cash
    flow with its ramp unless the scenario asks for the simple formula), so the bars,
    the percentile lines and the title's probability describe one quantity.

    Samples that never pay back get their own labelled bar on the right, never dropped.
    The long tail is folded into the last bin (up to the 99th percentile or 1.5 x the
    threshold, whichever is larger) so the body of the distribution stays readable.
    """
    key = simulation.payback_key
    payback = np.asarray(simulation.outputs[key], float)
    total = payback.size
    threshold = simulation.scenario.value("payback_threshold_months")
    finite = payback[np.isfinite(payback)]
    upper = None
    if finite.size:
        upper = max(float(np.quantile(finite, 0.99)), 1.5 * threshold)
    left, width, counts = binned(payback, bins, upper)
    never = int(total - finite.size)
    # Two plots side by side on one y scale (what plotly's make_subplots(1, 2,
    # shared_yaxes=True, column_widths=[0.86, 0.14], horizontal_spacing=0.02) lays out).
    chart = _Chart(
        title=(
            f"Payback: {share(simulation.prob_meets_threshold)} of {total:,} samples within "
            f"{threshold:g} months"
        ),
        bargap=0.05,
        showlegend=True,
        xaxis={
            "anchor": "y",
            "domain": [0.0, 0.8428],
            "title": {"text": METRIC_LABELS[key].replace("(months)", "(months after go-live)")},
        },
        yaxis={"anchor": "x", "domain": [0.0, 1.0], "title": {"text": "Share of samples (%)"}},
        xaxis2={"anchor": "y2", "domain": [0.8628, 1.0], "type": "category"},
        yaxis2={"anchor": "x2", "domain": [0.0, 1.0], "matches": "y", "showticklabels": False},
    )
    last = len(counts) - 1
    hover = [
        f"{a:,.1f}-{a + w:,.1f}{' and more' if i == last and upper is not None else ''} "
        f"months: {c:,} samples"
        for i, (a, w, c) in enumerate(zip(left, width, counts, strict=True))
    ]
    _sample_bars(chart, left, width, counts, total, hover)
    chart.add(
        "bar",
        name="Never pays back",
        x=["Never pays back"],
        y=[never / total * 100],
        customdata=[never],
        text=[share(never / total)],
        textposition="outside",
        hovertext=[f"never pays back: {never:,} samples"],
        hoverinfo="text",
        marker={"color": VERMILLION},
        cliponaxis=False,
        xaxis="x2",
        yaxis="y2",
    )
    in_never = _percentile_lines(chart, simulation, key, _axis_span(left, width, threshold))
    if in_never:
        chart.note(
            text="<br>".join(f"P{q}" for q in in_never) + "<br>fall here",
            x="Never pays back",
            y=never / total * 100,
            yshift=40,
            xref="x2",
            yref="y2",
            font={"size": 12},
        )
    # Upright along its line from the bottom, like the percentiles' labels from the top:
    # written across the top, it was drawn over them.
    chart.vline(
        threshold,
        line={"color": VERMILLION, "width": 2},
        annotation={
            "text": f"Threshold: {threshold:g} months",
            "textangle": -90,
            "font": {"color": VERMILLION, "size": 12},
        },
        annotation_position="bottom left",
    )
    return chart.figure(layout)


def impact_histogram(
    simulation: Simulation,
    metric: str = "annual_impact",
    bins: int = HISTOGRAM_BINS,
    layout: Layout = None,
) -> go.Figure:
    """Monte Carlo distribution of annual impact (or NPV, monthly net) with P10/P50/P90.

    The threshold line is what the payback threshold asks for: the annual (or monthly)
    net impact at which payback equals it, at likely one-time costs; for NPV, zero.
    """
    if metric not in MONEY_METRICS:
        raise ChartError(f"metric must be one of: {', '.join(MONEY_METRICS)}: got {metric!r}")
    values = np.asarray(simulation.outputs[metric], float)
    total = values.size
    scenario = simulation.scenario
    months_threshold = scenario.value("payback_threshold_months")
    needed = float(
        required_annual_impact(
            scenario.value("build_cost") + scenario.value("change_cost"), months_threshold
        )
    )
    line, label = {
        "annual_impact": (needed, f"Needed for {months_threshold:g}-month payback at likely cost"),
        "monthly_net_impact": (
            needed / 12,
            f"Needed for {months_threshold:g}-month payback at likely cost",
        ),
        "npv": (0.0, "NPV = 0"),
    }[metric]
    above = float(np.mean(values >= line))
    left, width, counts = binned(values, bins)
    chart = _Chart(
        title=f"{METRIC_LABELS[metric]}: median {money(simulation.percentile(metric, 50))}; "
        f"{share(above)} of {total:,} samples at or above {money(line)}",
        xaxis={"title": {"text": METRIC_LABELS[metric]}, **_money_axis()},
        yaxis={"title": {"text": "Share of samples (%)"}},
        bargap=0.05,
    )
    hover = [
        f"{money(a)} to {money(a + w)}: {c:,} samples"
        for a, w, c in zip(left, width, counts, strict=True)
    ]
    _sample_bars(chart, left, width, counts, total, hover)
    _percentile_lines(chart, simulation, metric, _axis_span(left, width, line))
    chart.vline(
        line,
        line={"color": VERMILLION, "width": 2},
        annotation={
            "text": label if metric == "npv" else f"{label}: {money(line)}",
            "font": {"color": VERMILLION},
        },
        annotation_position="top left",
    )
    return chart.figure(layout)


# --- sensitivity ---------------------------------------------------------------------------


def _require(frame: pd.DataFrame, columns: tuple[str, ...], what: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ChartError(
            f"{what} needs the columns {', '.join(missing)}; it has: "
            f"{', '.join(map(str, frame.columns)) or 'none'}"
        )


def tornado(frame: pd.DataFrame, layout: Layout = None) -> go.Figure:
    """Horizontal bars from the likely result to the result at each input's low and high.

    Takes `roi.sensitivity.tornado`'s frame; the largest swing is on top. A result that
    never pays back is drawn to the edge of the chart and labelled "never".
    """
    _require(frame, ("label", "low", "high", "result_low", "result_high", "base"), "tornado")
    metric = frame.attrs.get("metric", "payback_months")
    base = float(frame["base"].iloc[0]) if len(frame) else float(frame.attrs.get("base", 0))
    results = np.concatenate(
        [frame["result_low"].to_numpy(float), frame["result_high"].to_numpy(float), [base]]
    )
    finite = results[np.isfinite(results)]
    spread = float(finite.max() - finite.min()) if finite.size else 1.0
    margin = max(spread * 0.25, abs(base) * 0.25 if math.isfinite(base) else 0.0, 1.0)
    cap_high = float(finite.max()) + margin if finite.size else 1.0
    cap_low = float(finite.min()) - margin if finite.size else -1.0

    def drawn(values: np.ndarray) -> np.ndarray:
        return np.where(
            np.isposinf(values), cap_high, np.where(np.isneginf(values), cap_low, values)
        )

    # A likely result that never pays back is drawn at the edge too, like the bars.
    origin = float(drawn(np.asarray(base)))

    money_metric = metric in MONEY_METRICS
    # Room beyond the longest bars for their values (printed outside the bars), so the
    # value at the left end never runs into the inputs' names.
    ends = drawn(results)
    ends = ends[np.isfinite(ends)]
    # Inputs that move nothing a reader could see (every end reads as the likely value)
    # get a sentence, not bars on an axis stretched over rounding noise.
    base_text = _value_text(metric, base)
    still = not frame.empty and all(
        _value_text(metric, v) == base_text for v in results if not math.isnan(v)
    )
    axis_range = {}
    if frame.size and ends.size and not still:
        pad = max(float(ends.max() - ends.min()), 1e-9) * 0.18
        axis_range = {"range": [float(ends.min()) - pad, float(ends.max()) + pad]}
    chart = _Chart(
        title=f"What moves {METRIC_LABELS.get(metric, metric).lower()} most "
        f"(likely: {_value_text(metric, base)})",
        barmode="overlay",
        xaxis={
            "title": {"text": METRIC_LABELS.get(metric, metric)},
            **(_money_axis() if money_metric else {}),
            **axis_range,
        },
        yaxis={"autorange": "reversed", "title": {"text": ""}},
        height=max(320, 110 + 42 * len(frame)),
    )
    for side, colour, name in (
        ("low", BLUE, "Input at its low"),
        ("high", ORANGE, "Input at its high"),
    ):
        if still:
            break
        values = frame[f"result_{side}"].to_numpy(float)
        inputs = frame[side].to_numpy(float)
        text = [_value_text(metric, v) for v in values]
        chart.add(
            "bar",
            name=name,
            orientation="h",
            y=frame["label"],
            base=np.full(len(frame), origin),
            x=drawn(values) - origin,
            marker={"color": colour},
            opacity=0.9,
            text=text,
            textposition="outside",
            cliponaxis=False,
            hovertext=[
                f"{label} at {value:,.4g}: {result}"
                for label, value, result in zip(frame["label"], inputs, text, strict=True)
            ],
            hoverinfo="text",
        )
    if not still:
        chart.vline(origin, line={"color": BLACK, "width": 1.5})
    if still:
        chart.empty_note(
            f"No input's range moves {METRIC_LABELS.get(metric, metric).lower()}:<br>"
            f"at each input's low and high it stays {base_text}."
        )
    elif frame.empty:
        chart.note(
            text="No input is a range yet: give one a low and a high value<br>"
            "to see which assumption moves the result most.",
            xref="paper",
            yref="paper",
            x=0.5,
            y=0.5,
            font={"size": 14, "color": "#57606a"},
        )
    return chart.figure(layout)


# --- evidence ------------------------------------------------------------------------------


def value_of_information(evidence: Evidence, layout: Layout = None) -> go.Figure:
    """What knowing each uncertain input or measured criterion is worth before deciding
    (EVPPI), largest on top, with everything together (EVPI) as a dashed line."""
    plan = [item for item in evidence.plan() if item.evppi > 0]
    chart = _Chart(
        title="What to measure next (EVPPI)",
        xaxis={"title": {"text": "Expected value of knowing it (EVPPI)"}, **_money_axis()},
        yaxis={"autorange": "reversed", "title": {"text": ""}},
        height=max(320, 110 + 42 * len(plan)),
        showlegend=False,
    )
    if not plan:
        chart.empty_note(evidence.plan_sentence().replace(": ", ":<br>", 1))
        return chart.figure(layout)
    chart.axis("xaxis", visible=True)  # explicit: a widget redrawn from an empty chart
    chart.axis("yaxis", visible=True)
    chart.add(
        "bar",
        orientation="h",
        y=[plain_text(item.label) for item in plan],
        x=[item.evppi for item in plan],
        marker={"color": BLUE},
        text=[money(item.evppi) for item in plan],
        textposition="outside",
        cliponaxis=False,
        hoverinfo="text",
        hovertext=[f"{plain_text(item.label)}: worth up to {money(item.evppi)}" for item in plan],
    )
    if evidence.evpi:
        chart.vline(evidence.evpi, line={"color": BLACK, "width": 1.5, "dash": "dash"})
        chart.note(
            x=evidence.evpi,
            y=1,
            yref="paper",
            text=f"Everything: {money(evidence.evpi)}",
            xanchor="right",
            yanchor="bottom",
        )
    return chart.figure(layout)


IMPORTANCE_METRICS = {"npv": "NPV", "payback_months": "Payback"}


def importance(evidence: Evidence, layout: Layout = None) -> go.Figure:
    """First-order variance shares per input, for NPV and payback: the share of each
    result's spread that knowing the input alone would explain (valid with correlations)."""
    shares = {m: evidence.importance.get(m, {}) for m in IMPORTANCE_METRICS}

    def largest(name: str) -> float:
        return max(shares[m].get(name, 0.0) for m in IMPORTANCE_METRICS)

    # Inputs that explain under half a percent of either result would be empty rows.
    names = sorted(
        (n for n in {n for values in shares.values() for n in values} if largest(n) >= 0.005),
        key=lambda name: (-largest(name), name),
    )
    chart = _Chart(
        title="Share of the spread each input explains",
        barmode="group",
        xaxis={"title": {"text": "Share of variance (first order)"}, "tickformat": ".0%"},
        yaxis={"autorange": "reversed", "title": {"text": ""}},
        height=max(320, 120 + 48 * len(names)),
        legend={"orientation": "h", "y": 1.0, "yanchor": "bottom", "x": 1, "xanchor": "right"},
    )
    if not names:
        chart.empty_note(
            "No input is a range yet: give the uncertain ones a range<br>"
            "to see which explains most of the spread."
        )
        return chart.figure(layout)
    chart.axis("xaxis", visible=True)  # explicit: a widget redrawn from an empty chart
    chart.axis("yaxis", visible=True)
    for (metric, label), colour in zip(IMPORTANCE_METRICS.items(), (BLUE, ORANGE), strict=True):
        values = [shares[metric].get(name, 0.0) for name in names]
        chart.add(
            "bar",
            name=label,
            orientation="h",
            y=[plain_text(evidence.labels.get(name, name)) for name in names],
            x=values,
            marker={"color": colour},
            text=[share(v) for v in values],
            textposition="outside",
            cliponaxis=False,
            hoverinfo="text",
            hovertext=[
                f"{plain_text(evidence.labels.get(n, n))}: {share(v)} of the {label.lower()} spread"
                for n, v in zip(names, values, strict=True)
            ],
        )
    return chart.figure(layout)


# --- timeline ------------------------------------------------------------------------------


def gantt(timeline: Timeline, layout: Layout = None) -> go.Figure:
    """The production plan: each phase at its likely start and duration, critical path
    highlighted, with the min-max range of each phase's finish and the go-live week."""
    rows = list(timeline.phases)
    names = [row.name for row in rows]
    checkpoints = "<br>".join(
        f"  {c.name} ({c.owner}): {c.min_days:g}-{c.max_days:g} days" for c in timeline.checkpoints
    )
    chart = _Chart(
        title={
            "text": (
                f"From PoC to production: {timeline.min_weeks:g}-{timeline.max_weeks:g} weeks,"
                f" likely {timeline.likely_weeks:.1f}"
            ),
            # At the top of the figure: the legend (three rows where the phase names
            # leave it little width) sits between the title and the plot.
            "yref": "container",
            "y": 0.99,
            "yanchor": "top",
        },
        margin={"t": 140},
        barmode="overlay",
        xaxis={
            "title": {"text": "Weeks from kickoff"},  # week 0: planning starts; fits a memo cell
            "range": [0, max(timeline.max_weeks, timeline.likely_weeks) * 1.05],
        },
        yaxis={
            "autorange": "reversed",
            "title": {"text": ""},
            "categoryorder": "array",
            "categoryarray": names,
        },
        height=max(420, 180 + 40 * len(rows)),
    )
    for critical, colour, label in (
        (True, VERMILLION, "Critical path"),
        (False, SKY, "Other work"),
    ):
        chosen = [row for row in rows if row.critical is critical]
        hover = []
        for row in chosen:
            extra = (
                f"<br>Checkpoints ({timeline.governance}):<br>{checkpoints}"
                if row.id == GOVERNANCE
                else ""
            )
            hover.append(
                f"<b>{row.name}</b><br>weeks {row.start_week:g}-{row.finish_week:g}"
                f" (likely {row.likely_weeks:g}, range {row.min_weeks:g}-{row.max_weeks:g})"
                f"<br>{', '.join(row.roles)}{extra}"
            )
        chart.add(
            "bar",
            name=label,
            orientation="h",
            y=[row.name for row in chosen],
            base=[row.start_week for row in chosen],
            x=[row.finish_week - row.start_week for row in chosen],
            marker={"color": colour, "line": {"color": "#333333", "width": 1}},
            hovertext=hover,
            hoverinfo="text",
        )
    chart.add(
        "scatter",
        name="Finish if the phase takes min to max weeks",
        mode="markers",
        y=names,
        x=[row.finish_week for row in rows],
        error_x={
            "type": "data",
            "symmetric": False,
            "array": [row.max_weeks - row.likely_weeks for row in rows],
            "arrayminus": [row.likely_weeks - row.min_weeks for row in rows],
            "color": BLACK,
            "thickness": 1.5,
            "width": 6,
        },
        marker={"color": BLACK, "size": 6, "symbol": "line-ns-open"},
        hoverinfo="skip",
    )
    go_live = f"Go-live: week {timeline.likely_weeks:.1f}"
    if timeline.go_live_date is not None:
        go_live += f" ({timeline.go_live_date.isoformat()})"
    # Named in the legend rather than beside the line: in a narrow chart a label there
    # ran over the phase names and the first bar.
    go_live_line = {"color": BLACK, "width": 2, "dash": "dash"}
    chart.vline(timeline.likely_weeks, line=go_live_line)
    chart.add(
        "scatter",
        name=go_live,
        mode="lines",
        x=[None],
        y=[None],
        line=go_live_line,
        showlegend=True,
        hoverinfo="skip",
    )
    return chart.figure(layout)


# --- portfolio -----------------------------------------------------------------------------


PORTFOLIO_HEIGHT = 520
PORTFOLIO_MARGIN = {"l": 80, "r": 40, "t": 90, "b": 100}
LABEL_WIDTH = 720
"""The narrowest width (px) the portfolio chart is laid out for: labels placed so they do
not overlap at this width do not overlap wider either (points only move apart)."""
LABEL_FONT = 11
CHAR_PX = 6.6  # an 11 px Arial character, rounded up


def _label_boxes(
    x: np.ndarray,
    y: np.ndarray,
    radius: np.ndarray,
    labels: Sequence[str],
    order: np.ndarray,
    x_range: tuple[float, float],
    y_range: tuple[float, float],
) -> list[str]:
    """Where each point's name goes ("top center", "top left", "top right"), or "" for
    none: taken in `order`, a name is placed above its marker (centred, else to one side)
    where its box, at LABEL_WIDTH, stays in the plot and overlaps no name placed before."""
    width = LABEL_WIDTH - PORTFOLIO_MARGIN["l"] - PORTFOLIO_MARGIN["r"]
    height = PORTFOLIO_HEIGHT - PORTFOLIO_MARGIN["t"] - PORTFOLIO_MARGIN["b"]
    px = (x - x_range[0]) / (x_range[1] - x_range[0]) * width
    py = (y_range[1] - y) / (y_range[1] - y_range[0]) * height  # from the top
    kept: list[tuple[float, float, float, float]] = []
    where = [""] * len(x)
    # Markers are obstacles too: a name is not written over another initiative's marker.
    marks = np.column_stack([px - radius, py - radius, px + radius, py + radius])
    for i in order:
        w = CHAR_PX * len(labels[i]) + 4
        top, bottom = py[i] - radius[i] - 17, py[i] - radius[i] - 1
        for position, left in (
            ("top center", px[i] - w / 2),
            ("top left", px[i] - w),
            ("top right", px[i]),
        ):
            box = (left, top, left + w, bottom)
            if box[0] < 0 or box[2] > width or box[1] < -PORTFOLIO_MARGIN["t"] + 40:
                continue
            if any(
                box[0] < k[2] and k[0] < box[2] and box[1] < k[3] and k[1] < box[3] for k in kept
            ):
                continue
            hits = (
                (box[0] < marks[:, 2])
                & (marks[:, 0] < box[2])
                & (box[1] < marks[:, 3])
                & (marks[:, 1] < box[3])
            )
            hits[i] = False
            if hits.any():
                continue
            kept.append(box)
            where[i] = position
            break
    return where


def portfolio_bubble(
    frame: pd.DataFrame, threshold: float | None = None, layout: Layout = None
) -> go.Figure:
    """Payback against annual impact, bubble area = one-time cost, colour = decision,
    readable at 40 and at 200 initiatives.

    `frame` has one row per initiative with `payback_months`, `annual_impact` and
    `one_time_cost` (as `roi.evaluate.evaluate_table` gives), optionally `name`,
    `decision` ("Go", "Conditional go", "No-go"; other values are grey) and
    `payback_threshold_months` (each initiative's own; else `threshold`). Each distinct
    threshold is a dashed line naming how many initiatives it applies to; a solid marker
    pays back within its own threshold, an open one does not. Paybacks far past the
    thresholds are clipped to the axis' edge as triangles (hover gives the value), so one
    outlier cannot squeeze the rest; those that never pay back sit in a column at the
    right. Names are shown only where they fit without overlapping (LABEL_WIDTH); every
    point names itself on hover.
    """
    _require(frame, ("payback_months", "annual_impact", "one_time_cost"), "portfolio_bubble")
    count = len(frame)
    payback = frame["payback_months"].to_numpy(float)
    impact = frame["annual_impact"].to_numpy(float)
    cost = np.clip(frame["one_time_cost"].to_numpy(float), 0, None)
    raw_names = [str(n) for n in (frame["name"] if "name" in frame.columns else frame.index)]
    names = np.asarray([plain_text(n) for n in raw_names], dtype=object)
    if "payback_threshold_months" in frame.columns:
        own = frame["payback_threshold_months"].to_numpy(float)
    else:
        own = np.full(count, np.nan)
    own = np.where(np.isfinite(own), own, threshold if threshold is not None else np.nan)
    finite = payback[np.isfinite(payback)]
    known = own[np.isfinite(own)]
    most = float(known.max()) if known.size else 0.0
    typical = float(np.percentile(finite, 90)) * 1.1 if finite.size else 0.0
    cap = max(1.5 * most, typical, 1.0)  # the axis ends here; a payback past it is clipped
    clipped = np.isfinite(payback) & (payback > cap)
    never_x = cap * 1.15
    x = np.where(np.isfinite(payback), np.minimum(payback, cap), never_x)
    meets = np.isfinite(payback) & (payback <= own * (1 + 1e-9))
    diameter = 60.0 if count <= 30 else max(18.0, 60.0 * math.sqrt(30 / count))
    sizeref = 2.0 * float(cost.max()) / diameter**2 if count and cost.max() > 0 else 1.0
    # Drawn radius in px (plotly.js scales an area-mode size to 0.8 x diameter x
    # sqrt(cost / largest), measured in Chromium), with the marker's 2 px outline.
    largest = float(cost.max()) if count and cost.max() > 0 else 1.0
    radius = np.maximum(0.4 * diameter * np.sqrt(cost / largest), 3.0) + 2.0
    x_range = (-0.04 * never_x, never_x * 1.08)
    low, high = (float(impact.min()), float(impact.max())) if count else (0.0, 1.0)
    low, high = min(low, 0.0), max(high, 0.0)
    span = (high - low) or max(abs(high), 1.0)
    y_range = (low - 0.08 * span, high + 0.18 * span)
    decisions = frame["decision"].astype(str).to_numpy() if "decision" in frame.columns else None
    # Labels: Go first, then the largest impacts; the rest show on hover.
    ranks = list(DECISION_COLOURS)
    rank = (
        np.array([ranks.index(d) if d in ranks else len(ranks) for d in decisions])
        if decisions is not None
        else np.zeros(count)
    )
    order = np.lexsort((-np.abs(impact), rank)) if count else np.zeros(0, int)
    placed = np.asarray(_label_boxes(x, impact, radius, raw_names, order, x_range, y_range))
    shown = placed != ""
    chart = _Chart(
        title="Portfolio: payback against annual impact (bubble area = one-time cost)",
        height=PORTFOLIO_HEIGHT,
        margin=PORTFOLIO_MARGIN,
        xaxis={"title": {"text": "Payback (months)"}, "range": list(x_range)},
        yaxis={"title": {"text": "Annual net impact"}, "range": list(y_range), **_money_axis()},
        legend={"orientation": "h", "yanchor": "top", "y": -0.16, "x": 0},
    )
    if decisions is None:
        groups = [("Initiatives", DEFAULT_COLOUR, np.ones(count, bool))]
    else:
        order_names = [*DECISION_COLOURS, *sorted(set(decisions) - set(DECISION_COLOURS))]
        groups = [
            (d, DECISION_COLOURS.get(d, GREY), decisions == d)
            for d in order_names
            if (decisions == d).any()
        ]
    for label, colour, mask in groups:
        hover = [
            f"<b>{n}</b><br>payback: {'never' if not math.isfinite(p) else f'{p:,.1f} months'}"
            + (f" (threshold {t:g})" if math.isfinite(t) else "")
            + f"<br>annual impact: {money(i)}<br>one-time cost: {money(c)}"
            for n, p, t, i, c in zip(
                names[mask], payback[mask], own[mask], impact[mask], cost[mask], strict=True
            )
        ]
        symbols = [
            ("triangle-right" if c else "circle") + ("" if m else "-open")
            for c, m in zip(clipped[mask], meets[mask], strict=True)
        ]
        chart.add(
            "scatter",
            name=label,
            mode="markers+text",
            x=x[mask],
            y=impact[mask],
            text=np.where(shown[mask], names[mask], ""),
            textposition=np.where(shown[mask], placed[mask], "top center"),
            textfont={"size": LABEL_FONT},
            cliponaxis=False,
            marker={
                "size": cost[mask],
                "sizemode": "area",
                "sizeref": sizeref,
                "sizemin": 6,
                "color": colour,
                "symbol": symbols,
                "opacity": 0.75,
                "line": {"color": colour, "width": 2},
            },
            hovertext=hover,
            hoverinfo="text",
        )
    # Each distinct threshold: a dashed line, named above the plot on one of three rows
    # (in turn), so neighbouring thresholds' names do not run into each other.
    for position, value in enumerate(sorted(set(known.tolist()))):
        applies = int(np.sum(own == value))
        chart.vline(value, line={"color": VERMILLION, "width": 1.5, "dash": "dash"})
        chart.note(
            text=f"{value:g} mo threshold ({applies})",
            x=value,
            xref="x",
            y=1,
            yref="paper",
            yanchor="bottom",
            yshift=2 + 15 * (position % 3),
            font={"size": 11, "color": VERMILLION},
        )
    chart.hline(0, line={"color": "#444444", "width": 1})
    if clipped.any():
        chart.note(
            text=f"&#9654; past {cap:,.0f} months ({int(clipped.sum())})",
            x=cap,
            xref="x",
            y=0,
            yref="paper",
            yanchor="bottom",
            xanchor="right",
            font={"size": 11, "color": "#57606a"},
        )
    if (~np.isfinite(payback)).any():
        chart.shapes.append(
            {
                "type": "rect",
                "xref": "x",
                "yref": "y domain",
                "x0": cap * 1.07,
                "x1": never_x * 1.08,
                "y0": 0,
                "y1": 1,
                "fillcolor": "#F2F2F2",
                "line": {"width": 0},
                "layer": "below",
            }
        )
        chart.note(
            text="Never<br>pays back",
            x=never_x,
            xref="x",
            y=1,
            yref="paper",
            yanchor="bottom",
            font={"color": VERMILLION},
        )
    return chart.figure(layout)
