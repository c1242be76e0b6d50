"""roi's plotly charts as static SVG, drawn by matplotlib: no browser, no JavaScript.

The Markdown memo's images and the executed notebook's static charts come from here, so
neither needs a headless Chromium per memo (Kaleido 1.x would, and is slow per image).
This is not a general plotly renderer: it draws what `roi.reports.charts` makes (bars,
horizontal or vertical, with a base and outside labels; lines and markers with
horizontal error bars; side-by-side subplots on shared y; category axes in a given
order; reference lines and notes placed in data or axis-fraction coordinates; money,
percent and plain tick formats; one legend row on top) from the same Figure objects the
HTML memo and the app show, so the numbers are the same ones.

The SVG is deterministic: the same figure gives the same bytes (no date, fixed ids).
"""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from typing import Any

import numpy as np
import plotly.graph_objects as go

PX_TO_PT = 0.75
"""plotly sizes fonts and lines in CSS pixels; matplotlib in points (1 px = 0.75 pt)."""

DASHES = {"dash": (0, (5, 3)), "dot": (0, (1, 2)), "dashdot": (0, (5, 2, 1, 2))}
_TAG = re.compile(r"<[^>]+>")


def _text(value: Any) -> str:
    """Plotly's text (a little HTML) as plain text with line breaks."""
    text = re.sub(r"<br\s*/?>", "\n", str(value or ""), flags=re.I)
    return _TAG.sub("", text)


def _axis_id(name: str) -> str:
    """'x2' -> 'xaxis2', 'x' -> 'xaxis'."""
    return name[0] + "axis" + name[1:]


def _money(value: float) -> str:
    sign = "-" if value < 0 else ""
    value = abs(value)
    for scale, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
        if value >= scale:
            return f"{sign}${value / scale:.3g}{suffix}"
    return f"{sign}${value:.3g}"


def _formatter(tickformat: str | None) -> Any:
    from matplotlib.ticker import FuncFormatter

    if not tickformat:
        return None
    if tickformat.startswith("$"):
        return FuncFormatter(lambda v, _pos: _money(v))
    if tickformat.endswith("%"):
        return FuncFormatter(lambda v, _pos: f"{v:.0%}")
    return None


def _categories(values: Sequence[Any], axis: Any) -> list[str]:
    order = list(axis.categoryarray or ()) if axis is not None else []
    for value in values:
        if str(value) not in order:
            order.append(str(value))
    return order


def _is_category(values: Any) -> bool:
    return values is not None and len(values) > 0 and isinstance(values[0], str)


def _array(values: Any) -> np.ndarray:
    return np.asarray(values if values is not None else (), dtype=float)


def _colour(trace: Any) -> Any:
    colour = trace.marker.color if trace.marker is not None else None
    if isinstance(colour, list | tuple):
        return list(colour)
    return colour


class _Canvas:
    """One matplotlib Figure laid out like the plotly figure's axes domains."""

    def __init__(self, figure: go.Figure, width: int, height: int):
        from matplotlib.figure import Figure

        self.figure = figure
        self.layout = figure.layout
        self.width, self.height = width, height
        font = self.layout.font.size if self.layout.font and self.layout.font.size else 14
        self.font = font * PX_TO_PT
        self.mpl = Figure(figsize=(width / 96, height / 96), dpi=96)
        self.axes: dict[tuple[str, str], Any] = {}
        self.categories: dict[str, list[str]] = {}

    def _margins(self) -> tuple[float, float, float, float]:
        """(left, bottom, right, top) as fractions of the figure."""
        labels = [
            str(v)
            for t in self.figure.data
            for v in (t.y if getattr(t, "orientation", None) == "h" and t.y is not None else ())
        ]
        longest = max((len(s) for s in labels), default=4)
        left_px = 14 + min(260, max(48, longest * self.font * 0.62)) + 18
        top_px = 14 + (24 if self._legend_entries() else 0)
        if self.layout.title and self.layout.title.text:
            top_px += 22
        bottom_px = 48
        return (
            left_px / self.width,
            bottom_px / self.height,
            12 / self.width,
            top_px / self.height,
        )

    def _legend_entries(self) -> list[Any]:
        return [t for t in self.figure.data if t.name and t.showlegend is not False]

    def axes_for(self, trace: Any) -> Any:
        xname = getattr(trace, "xaxis", None) or "x"
        yname = getattr(trace, "yaxis", None) or "y"
        key = (xname, yname)
        if key in self.axes:
            return self.axes[key]
        left, bottom, right, top = self._margins()
        x_axis = self.layout[_axis_id(xname)]
        y_axis = self.layout[_axis_id(yname)]
        x0, x1 = x_axis.domain or (0, 1)
        y0, y1 = y_axis.domain or (0, 1)
        width, height = 1 - left - right, 1 - bottom - top
        share = None
        if y_axis.matches:
            share = next((a for (_, y), a in self.axes.items() if y == y_axis.matches), None)
        ax = self.mpl.add_axes(
            (left + x0 * width, bottom + y0 * height, (x1 - x0) * width, (y1 - y0) * height),
            sharey=share,
        )
        ax.spines[["top", "right"]].set_visible(False)
        ax.tick_params(labelsize=self.font * 0.9, color="#444444")
        ax.set_axisbelow(True)
        self.axes[key] = ax
        return ax

    def positions(self, values: Any, axis_name: str) -> np.ndarray:
        """Numbers for plotting: category names mapped to 0, 1, 2... in the axis's order."""
        if not _is_category(values):
            return _array(values)
        order = self.categories.setdefault(
            axis_name, _categories([], self.layout[_axis_id(axis_name)])
        )
        for value in values:
            if str(value) not in order:
                order.append(str(value))
        return np.array([order.index(str(v)) for v in values], dtype=float)


def _bar(canvas: _Canvas, trace: Any, slot: tuple[int, int] = (0, 1)) -> None:
    """One bar trace; `slot` (k, n): the k-th of n traces side by side (barmode group)."""
    ax = canvas.axes_for(trace)
    horizontal = trace.orientation == "h"
    xname, yname = trace.xaxis or "x", trace.yaxis or "y"
    where = canvas.positions(trace.y if horizontal else trace.x, yname if horizontal else xname)
    length = _array(trace.x if horizontal else trace.y)
    if len(length) == 0:
        return
    base = _array(trace.base) if trace.base is not None else np.zeros(len(length))
    if base.shape == ():
        base = np.full(len(length), float(base))
    if trace.width is not None:
        size = np.broadcast_to(_array(trace.width), where.shape)
    elif _is_category(trace.y if horizontal else trace.x) or len(where) < 2:
        size = np.full(len(where), 0.7)
    else:
        size = np.full(len(where), float(np.min(np.diff(np.sort(where)))) * 0.85)
    k, n = slot
    if n > 1:
        where = where + (k - (n - 1) / 2) * size / n
        size = size / n
    colour = _colour(trace)
    edge = trace.marker.line.color if trace.marker and trace.marker.line else None
    options = dict(
        color=colour,
        alpha=trace.opacity if trace.opacity is not None else 1.0,
        edgecolor=edge,
        linewidth=0.6 if edge else 0,
        label=trace.name,
    )
    if horizontal:
        ax.barh(where, length, height=size, left=base, **options)
    else:
        ax.bar(where, length, width=size, bottom=base, **options)
    texts = trace.text
    if texts is None or isinstance(texts, str):
        return
    for position, start, extent, label in zip(where, base, length, texts, strict=False):
        end = start + extent
        ahead = extent >= 0
        ax.annotate(
            str(label),
            (end, position) if horizontal else (position, end),
            xytext=(3 if ahead else -3, 0) if horizontal else (0, 2 if ahead else -2),
            textcoords="offset points",
            ha=("left" if ahead else "right") if horizontal else "center",
            va="center" if horizontal else ("bottom" if ahead else "top"),
            fontsize=canvas.font * 0.85,
            annotation_clip=False,
        )


def _scatter(canvas: _Canvas, trace: Any) -> None:
    ax = canvas.axes_for(trace)
    x = canvas.positions(trace.x, trace.xaxis or "x")
    y = canvas.positions(trace.y, trace.yaxis or "y")
    mode = trace.mode or "lines"
    colour = (trace.line.color if trace.line else None) or _colour(trace) or "#0072B2"
    width = (trace.line.width if trace.line and trace.line.width else 2) * PX_TO_PT
    symbol = trace.marker.symbol if trace.marker else None
    size = (trace.marker.size if trace.marker and trace.marker.size else 6) * PX_TO_PT
    marker = "|" if symbol and str(symbol).startswith("line-ns") else "o"
    if trace.error_x is not None and trace.error_x.array is not None:
        plus = _array(trace.error_x.array)
        minus = _array(trace.error_x.arrayminus) if trace.error_x.arrayminus is not None else plus
        ax.errorbar(x, y, xerr=[minus, plus], fmt="none", ecolor=colour, elinewidth=1, capsize=3)
    ax.plot(
        x,
        y,
        color=colour,
        linewidth=width if "lines" in mode else 0,
        linestyle="-" if "lines" in mode else "none",
        marker=marker if "markers" in mode else None,
        markersize=size,
        label=trace.name,
    )


def _transform(canvas: _Canvas, ref: str, axis: str) -> tuple[Any, Any]:
    """The axes and the coordinate kind of an xref/yref: data, or a fraction of the axes."""
    name = ref.split(" ")[0] if ref and ref != "paper" else axis
    return name, "domain" if (ref or "").endswith("domain") or ref == "paper" else "data"


def _placed(canvas: _Canvas, item: Any) -> tuple[Any, Any] | None:
    from matplotlib.transforms import blended_transform_factory

    xname, xkind = _transform(canvas, item.xref, "x")
    yname, ykind = _transform(canvas, item.yref, "y")
    ax = next(
        (a for (xa, ya), a in canvas.axes.items() if xa == xname and ya == yname),
        next(iter(canvas.axes.values()), None),
    )
    if ax is None:
        return None
    transform = blended_transform_factory(
        ax.transData if xkind == "data" else ax.transAxes,
        ax.transData if ykind == "data" else ax.transAxes,
    )
    return ax, transform


def _shapes(canvas: _Canvas) -> None:
    for shape in canvas.layout.shapes or ():
        if shape.type != "line":
            continue
        placed = _placed(canvas, shape)
        if placed is None:
            continue
        ax, transform = placed
        line = shape.line
        ax.plot(
            [shape.x0, shape.x1],
            [shape.y0, shape.y1],
            transform=transform,
            color=line.color or "#444444",
            linewidth=(line.width or 1) * PX_TO_PT,
            linestyle=DASHES.get(line.dash or "", "-"),
            clip_on=False,
        )


def _annotations(canvas: _Canvas) -> None:
    for note in canvas.layout.annotations or ():
        placed = _placed(canvas, note)
        if placed is None:
            continue
        ax, transform = placed
        x, y = note.x, note.y
        # A note placed on a category ("Never pays back") sits where its bar was drawn.
        xname, xkind = _transform(canvas, note.xref, "x")
        yname, ykind = _transform(canvas, note.yref, "y")
        if isinstance(x, str) and xkind == "data":
            x = float(canvas.positions([x], xname)[0])
        if isinstance(y, str) and ykind == "data":
            y = float(canvas.positions([y], yname)[0])
        colour = note.font.color if note.font and note.font.color else "#222222"
        size = (note.font.size if note.font and note.font.size else None) or (
            canvas.font / PX_TO_PT
        )
        shift = ((note.xshift or 0) * PX_TO_PT, (note.yshift or 0) * PX_TO_PT)
        ax.annotate(
            _text(note.text),
            (x, y),
            xycoords=transform,
            xytext=shift,
            textcoords="offset points",
            ha={"left": "left", "right": "right"}.get(note.xanchor or "", "center"),
            va={"top": "top", "bottom": "bottom"}.get(note.yanchor or "", "center"),
            rotation=-(note.textangle or 0),
            color=colour,
            fontsize=size * PX_TO_PT * 0.9,
            annotation_clip=False,
        )


def _finish_axes(canvas: _Canvas) -> None:
    for (xname, yname), ax in canvas.axes.items():
        for name, axis_name, setter in (("x", xname, ax.xaxis), ("y", yname, ax.yaxis)):
            spec = canvas.layout[_axis_id(axis_name)]
            order = canvas.categories.get(axis_name)
            if order is not None:
                ticks = range(len(order))
                (ax.set_xticks if name == "x" else ax.set_yticks)(list(ticks))
                (ax.set_xticklabels if name == "x" else ax.set_yticklabels)(order)
            formatter = _formatter(spec.tickformat)
            if formatter is not None:
                setter.set_major_formatter(formatter)
            if spec.title and spec.title.text:
                (ax.set_xlabel if name == "x" else ax.set_ylabel)(
                    _text(spec.title.text), fontsize=canvas.font
                )
            if spec.range is not None and order is None:
                (ax.set_xlim if name == "x" else ax.set_ylim)(*spec.range)
            if spec.showticklabels is False:
                ax.tick_params(**{f"label{'bottom' if name == 'x' else 'left'}": False})
            if spec.autorange == "reversed":
                (ax.invert_xaxis if name == "x" else ax.invert_yaxis)()
        if yname in canvas.categories:
            ax.grid(axis="x", color="#E6E6E6", linewidth=0.6)
        else:
            ax.grid(axis="y", color="#E6E6E6", linewidth=0.6)


def _legend(canvas: _Canvas) -> None:
    entries = canvas._legend_entries()
    if not entries:
        return
    found: dict[str, Any] = {}
    for ax in canvas.axes.values():
        for handle, label in zip(*ax.get_legend_handles_labels(), strict=True):
            found.setdefault(label, handle)
    labels = [t.name for t in entries if t.name in found]  # the figure's trace order
    labels = list(dict.fromkeys(labels))
    handles = [found[label] for label in labels]
    title_px = 22 if canvas.layout.title and canvas.layout.title.text else 0
    canvas.mpl.legend(
        handles,
        labels,
        loc="upper left",
        bbox_to_anchor=(0.01, 1 - title_px / canvas.height),
        ncol=len(labels),
        frameon=False,
        fontsize=canvas.font * 0.9,
        handlelength=1.4,
        columnspacing=1.2,
    )


RC: Any = {  # a dict; Any: matplotlib types its keys as a Literal of every setting
    "svg.hashsalt": "roi",
    "svg.fonttype": "none",  # text stays text: smaller, searchable, selectable
    "font.family": "sans-serif",
    "font.sans-serif": ["DejaVu Sans"],  # ships with matplotlib: the same layout anywhere
    "axes.edgecolor": "#444444",
}
"""matplotlib settings for every static chart (fixed ids: the same figure, the same SVG)."""


def draw(figure: go.Figure, width: int = 760, height: int | None = None) -> Any:
    """The matplotlib Figure for `figure` (from roi.reports.charts), `width` x `height`
    CSS pixels (the figure's own height by default). Call inside `rc_context(RC)`."""
    height = int(height or figure.layout.height or 360)
    canvas = _Canvas(figure, width, height)
    bars = [t for t in figure.data if t.type == "bar"]
    grouped = figure.layout.barmode == "group"
    for trace in figure.data:
        if trace.type == "bar":
            _bar(canvas, trace, (bars.index(trace), len(bars)) if grouped else (0, 1))
        elif trace.type == "scatter":
            _scatter(canvas, trace)
    if not canvas.axes:  # an empty chart still has its notes
        canvas.axes[("x", "y")] = canvas.mpl.add_axes((0.1, 0.15, 0.85, 0.7))
        canvas.axes[("x", "y")].set_axis_off()
    _finish_axes(canvas)
    _shapes(canvas)
    _annotations(canvas)
    _legend(canvas)
    if canvas.layout.title and canvas.layout.title.text:
        canvas.mpl.text(
            0.01,
            0.99,
            _text(canvas.layout.title.text),
            ha="left",
            va="top",
            fontsize=canvas.font * 1.2,
        )
    return canvas.mpl


def figure_svg(figure: go.Figure, width: int = 760, height: int | None = None) -> str:
    """`figure` as SVG text (see `draw`); the same figure always gives the same text."""
    import matplotlib

    with matplotlib.rc_context(RC):
        drawn = draw(figure, width, height)
        buffer = io.StringIO()
        drawn.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None})
    return buffer.getvalue()


def figure_svgs(figures: Sequence[tuple], width: int = 760) -> dict[str, str]:
    """{chart id: SVG} for the memo's (id, title, caption, figure) tuples."""
    return {chart_id: figure_svg(figure, width) for chart_id, *_, figure in figures}


__all__ = ["figure_svg", "figure_svgs"]
