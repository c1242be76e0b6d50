"""Tests for roi.reports.static: the charts drawn without a browser hold roi's numbers.

Each check reads what matplotlib drew (bar heights and widths, line points, tick labels,
notes) back from the drawn figure and compares it with the plotly figure it came from,
which roi.reports.charts built from the assessment: the static chart shows the numbers
of the interactive one.
"""

from __future__ import annotations

import re

import matplotlib
import plotly.graph_objects as go
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from roi.assess import assess
from roi.evaluate import evaluate
from roi.files import load_scenario
from roi.reports import charts
from roi.reports.static import RC, draw, figure_svg
from roi.resources import EXAMPLE_SCENARIO, SCENARIOS
from roi.sensitivity import tornado


@pytest.fixture(scope="module")
def copilot():
    return assess(load_scenario(SCENARIOS / "sales_copilot.yaml"), samples=2_000, seed=3)


def drawn(figure, width=760):
    with matplotlib.rc_context(RC):
        return draw(figure, width)


def texts(mpl_figure) -> set[str]:
    found = {t.get_text() for t in mpl_figure.findobj(matplotlib.text.Text)}
    return {t for t in found if t}


def test_cash_flow_bars_and_line_are_the_results_months():
    results = evaluate(load_scenario(EXAMPLE_SCENARIO))
    figure = charts.cash_flow(results)
    mpl = drawn(figure)
    (ax,) = mpl.axes
    plotted = {t.name: t for t in figure.data}
    net = plotted["Net cash in the month"]
    heights = [p.get_height() + p.get_y() - 0 for p in ax.patches[: len(net.y)]]
    assert heights == pytest.approx(list(net.y))
    (line,) = [ln for ln in ax.lines if ln.get_label() == "Cumulative cash"]
    assert list(line.get_ydata()) == pytest.approx(list(plotted["Cumulative cash"].y))
    labels = texts(mpl)
    assert "Months after go-live" in labels and "Cumulative cash" in labels
    # The payback note and the money ticks ($ with a thousands/millions suffix).
    assert any(t.startswith("Payback on the cash flow: ") for t in labels)
    ticks = [t.get_text() for t in ax.get_yticklabels()]
    assert any(t.endswith("M") and t.startswith("$") for t in ticks), ticks


def test_tornado_bars_span_each_inputs_low_and_high_result(copilot):
    frame = tornado(copilot.scenario, "payback_months")
    figure = charts.tornado(frame)
    (ax,) = drawn(figure).axes
    low, high = figure.data
    patches = list(ax.patches)
    # Each trace: one bar per input, from the likely result (its base) by its length.
    for trace, chunk in ((low, patches[: len(low.x)]), (high, patches[len(low.x) :])):
        assert [p.get_x() for p in chunk] == pytest.approx(list(trace.base))
        assert [p.get_width() for p in chunk] == pytest.approx(list(trace.x))
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels == list(dict.fromkeys(low.y))  # top to bottom as in the app
    assert ax.yaxis_inverted()


def test_payback_histogram_keeps_the_never_column_on_its_own_axes(copilot):
    figure = charts.payback_histogram(copilot.simulation)
    mpl = drawn(figure)
    assert len(mpl.axes) == 2
    main, never = mpl.axes
    samples = next(t for t in figure.data if t.name == "Samples")
    heights = [p.get_height() for p in main.patches]
    assert heights == pytest.approx(list(samples.y))
    assert [t.get_text() for t in never.get_xticklabels()] == ["Never pays back"]
    named = {p for t in texts(mpl) for p in re.findall(r"P[159]0", t.split(":")[0])}
    assert named == {"P10", "P50", "P90"}  # alone ("P90: 4.7") or together ("P10-P50: ...")


def test_timeline_rows_are_the_plans_phases_in_order(copilot):
    timeline = copilot.results.timeline
    figure = charts.gantt(timeline)
    (ax,) = drawn(figure).axes
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels == list(figure.layout.yaxis.categoryarray)
    lengths = sorted(round(p.get_width(), 9) for p in ax.patches)
    expected = sorted(round(float(w), 9) for t in figure.data if t.type == "bar" for w in t.x)
    assert lengths == expected


def test_the_same_figure_gives_the_same_svg_bytes(copilot):
    figure = charts.importance(copilot.evidence)
    first, second = figure_svg(figure), figure_svg(figure)
    assert first == second
    assert "<svg" in first and "Minutes saved per task" in first  # text kept as text


@settings(max_examples=30, deadline=None)
@given(
    st.lists(st.floats(-1e7, 1e7, allow_nan=False), min_size=1, max_size=12),
    st.booleans(),
)
def test_any_bars_are_drawn_at_their_values(values, horizontal):
    names = [f"item {i}" for i in range(len(values))]
    trace = go.Bar(x=values, y=names, orientation="h") if horizontal else go.Bar(x=names, y=values)
    (ax,) = drawn(go.Figure(trace)).axes
    sizes = [p.get_width() if horizontal else p.get_height() for p in ax.patches]
    assert sizes == pytest.approx(values)
    ticks = ax.get_yticklabels() if horizontal else ax.get_xticklabels()
    assert [t.get_text() for t in ticks] == names


def test_percentile_notes_on_the_never_pays_back_bar_are_drawn_over_it(invoice_fields):
    """Almost no user base: nearly every sample never pays back, so P10-P90 fall on the
    'Never pays back' category. The note is placed on that bar (it once failed with
    matplotlib's 'Failed to convert value(s) to axis units'), above its own label."""
    from roi.scenario import scenario_from_dict

    few = scenario_from_dict({**invoice_fields, "users": {"low": 1, "likely": 4, "high": 16}})
    simulation = assess(few, samples=1_024, seed=1).simulation
    assert simulation.prob_never_pays_back > 0.9
    mpl = drawn(charts.payback_histogram(simulation))
    (note,) = [t for t in mpl.findobj(matplotlib.text.Annotation) if "fall here" in t.get_text()]
    never_ax = note.axes
    (bar,) = [p for p in never_ax.patches if p.get_height() > 0]
    assert note.xy[0] == pytest.approx(bar.get_x() + bar.get_width() / 2)
    assert note.xyann[1] > 0  # lifted above the bar's percentage, as plotly's yshift does
    assert "fall here" in figure_svg(charts.payback_histogram(simulation))
