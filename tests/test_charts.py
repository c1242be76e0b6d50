"""Tests for roi.reports.charts: what each figure holds (fig.data, fig.layout), not its pixels."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio
import pytest
from numpy.testing import assert_allclose

from roi.evaluate import evaluate, timeline_for
from roi.reports import charts
from roi.scenario import scenario_from_dict
from roi.sensitivity import compare, tornado
from roi.uncertainty import simulate


@pytest.fixture
def results(invoice_fields):
    invoice_fields["adoption_months"] = 3
    return evaluate(scenario_from_dict(invoice_fields))


@pytest.fixture
def risky(invoice_fields):
    """Users from 1 to 260: roughly 5% of samples never pay back."""
    invoice_fields["users"] = {"low": 1, "likely": 150, "high": 260}
    invoice_fields["build_cost"] = {"low": 200_000, "likely": 250_000, "high": 600_000}
    return scenario_from_dict(invoice_fields)


@pytest.fixture
def simulation(risky):
    return simulate(risky, samples=20_000, seed=1)


def _vlines(figure: go.Figure) -> list[float]:
    return [shape.x0 for shape in figure.layout.shapes if shape.x0 == shape.x1]


def test_theme_is_registered_once_and_used_by_every_chart(results, simulation, risky):
    """One print-friendly theme: white, readable font, the Okabe-Ito palette."""
    theme = pio.templates[charts.THEME]
    assert theme.layout.paper_bgcolor == theme.layout.plot_bgcolor == "white"
    assert theme.layout.font.size >= 12
    assert list(theme.layout.colorway) == list(charts.PALETTE)
    figures = [
        charts.waterfall(results),
        charts.cash_flow(results),
        charts.payback_histogram(simulation),
        charts.impact_histogram(simulation),
        charts.tornado(tornado(risky)),
        charts.gantt(results.timeline),
        charts.portfolio_bubble(compare([risky, results.scenario])),
    ]
    for figure in figures:
        assert isinstance(figure, go.Figure)
        assert figure.layout.template.layout.paper_bgcolor == "white"
        assert figure.layout.title.text


def test_waterfall_adds_up_to_the_annual_impact(results):
    """Time value + revenue - running costs, then the total: the results' own numbers."""
    (trace,) = charts.waterfall(results).data
    assert list(trace.measure) == ["relative", "relative", "relative", "total"]
    assert list(trace.y) == [2_024_000, 0, -136_000, 1_888_000]
    assert sum(trace.y[:3]) == trace.y[3] == results.annual_impact
    assert trace.text[-1] == "$1,888,000"


def test_cash_flow_marks_the_payback_month_and_the_threshold(results):
    """Cumulative cash is the results' table; lines where it crosses zero (3.5 months with
    the 3-month ramp, in month 4: the payback every screen states) and at 12 months."""
    figure = charts.cash_flow(results)
    line = next(t for t in figure.data if t.name == "Cumulative cash")
    assert_allclose(line.y, results.cash_flow["cumulative"])
    assert results.payback_month_with_ramp == 4
    assert sorted(_vlines(figure)) == [results.payback_months_cash_flow, 12]
    texts = [a.text for a in figure.layout.annotations]
    assert "Payback on the cash flow: 3.5 months" in texts and "Threshold: 12 months" in texts


def test_cash_flow_says_when_it_never_pays_back(invoice_fields):
    """No payback line, but a visible 'Never pays back' note."""
    invoice_fields["users"] = 1
    figure = charts.cash_flow(evaluate(scenario_from_dict(invoice_fields)))
    assert _vlines(figure) == [12]
    assert "Never pays back" in [a.text for a in figure.layout.annotations]


def test_payback_histogram_sends_bins_and_keeps_never_paying_back(simulation):
    """Counts, not samples: at most 40 bars plus a 'Never pays back' bar; together they
    hold every sample."""
    figure = charts.payback_histogram(simulation)
    bars, never = figure.data
    assert len(bars.x) <= charts.HISTOGRAM_BINS
    payback = simulation.outputs["payback_months"]
    assert list(never.x) == ["Never pays back"]
    assert never.customdata[0] == np.isinf(payback).sum() > 0
    assert sum(bars.customdata) + never.customdata[0] == simulation.samples
    assert sum(bars.y) + never.y[0] == pytest.approx(100)
    assert len(figure.to_json()) < 30_000  # small however many samples were drawn


def test_payback_histogram_marks_percentiles_and_threshold(simulation):
    """Lines at P10, P50, P90 (where finite) and at the threshold."""
    figure = charts.payback_histogram(simulation)
    expected = [simulation.percentile("payback_months", q) for q in (10, 50, 90)]
    assert all(v is not None for v in expected)
    assert_allclose(sorted(_vlines(figure)), sorted([*expected, 12.0]))
    texts = " ".join(a.text for a in figure.layout.annotations)
    assert "P10" in texts and "P90" in texts and "Threshold: 12 months" in texts


@pytest.mark.parametrize(
    ("users", "expected"),
    [
        # 195-205 users: payback 1.85-1.96 months on an axis to the 12-month threshold;
        # all three percentiles print as 1.9, so one label names them (issue 12).
        ({"low": 195, "likely": 200, "high": 205}, ["P10-P90: 1.9"]),
        # 20-100 users: P10 to P90 run from 6 to 17 months, one label each.
        ({"low": 20, "likely": 50, "high": 100}, ["P10:", "P50:", "P90:"]),
    ],
)
def test_percentile_labels_close_together_are_merged_not_overprinted(
    invoice_fields, users, expected
):
    """Labels along the percentile lines never sit closer than LABEL_GAP of the axis:
    lines that close share one label; every line is still drawn."""
    invoice_fields["users"] = users
    sim = simulate(scenario_from_dict(invoice_fields), 5_000, 3)
    figure = charts.payback_histogram(sim)
    labels = [a for a in figure.layout.annotations if a.text.startswith("P")]
    assert [a.text[: len(e)] for a, e in zip(labels, expected, strict=True)] == expected
    assert len(_vlines(figure)) == 4  # P10, P50, P90 and the threshold
    bars = figure.data[0]
    edges = [*(bars.x - bars.width / 2), *(bars.x + bars.width / 2), 12.0]
    span = max(edges) - min(edges)
    gaps = np.diff(sorted(a.x for a in labels))
    assert (gaps >= charts.LABEL_GAP * span).all()


def test_payback_histogram_labels_percentiles_that_never_pay_back(invoice_fields):
    """When P90 falls among never-pays-back samples it is named at that bar, not drawn."""
    invoice_fields["users"] = {"low": 0, "likely": 30, "high": 100, "distribution": "uniform"}
    sim = simulate(scenario_from_dict(invoice_fields), 5_000, 2)
    assert sim.percentile("payback_months", 90) is None
    figure = charts.payback_histogram(sim)
    assert len(_vlines(figure)) == 3  # P10, P50 and the threshold
    assert any("P90" in a.text and "fall here" in a.text for a in figure.layout.annotations)


def test_payback_histogram_folds_the_long_tail_into_the_last_bin(simulation):
    """The axis stops near the 99th percentile; samples beyond still count in the last bin."""
    bars = charts.payback_histogram(simulation).data[0]
    payback = simulation.outputs["payback_months"]
    finite = payback[np.isfinite(payback)]
    right_edge = bars.x[-1] + bars.width[-1] / 2
    assert right_edge < finite.max()
    assert bars.customdata[-1] >= np.sum(finite >= right_edge)


def test_impact_histogram_lines_and_counts(simulation, risky):
    """Impact bins hold every sample; the threshold line is 12 x one-time / threshold."""
    figure = charts.impact_histogram(simulation)
    (bars,) = figure.data
    assert sum(bars.customdata) == simulation.samples
    one_time = risky.value("build_cost") + risky.value("change_cost")
    expected = [simulation.percentile("annual_impact", q) for q in (10, 50, 90)]
    assert_allclose(sorted(_vlines(figure)), sorted([*expected, 12 * one_time / 12]))
    npv = charts.impact_histogram(simulation, "npv")
    assert 0.0 in _vlines(npv)
    with pytest.raises(charts.ChartError, match="metric must be one of"):
        charts.impact_histogram(simulation, "payback_months")


def test_binned_handles_constant_and_empty_samples():
    """A single repeated value gives one bar holding all; no finite values give none."""
    left, width, counts = charts.binned(np.full(10, 5.0))
    assert counts.tolist() == [10] and left[0] < 5 < left[0] + width[0]
    assert charts.binned(np.array([np.inf, np.inf]))[2].size == 0


def test_tornado_chart_bars_end_at_the_results(risky):
    """Each bar starts at the likely result and ends at the result at low or high;
    never-pays-back is drawn to the edge and labelled 'never'."""
    frame = tornado(risky, "payback_months")
    figure = charts.tornado(frame)
    low, high = figure.data
    assert list(low.y) == frame["label"].tolist()
    assert_allclose(np.asarray(low.base, float), frame["base"])
    finite = np.isfinite(frame["result_high"]).to_numpy()
    high_end = np.asarray(high.base, float) + np.asarray(high.x, float)
    assert_allclose(high_end[finite], frame["result_high"][finite])
    assert math.isinf(frame.loc[0, "result_low"])  # 1 user never pays back
    assert low.text[0] == "never" and np.isfinite(low.x[0])
    assert low.hovertext[0] == "Users at 1: never"
    assert figure.layout.yaxis.autorange == "reversed"  # biggest swing on top


def test_tornado_leaves_room_for_the_values_beyond_its_longest_bars(risky):
    """The values are printed outside the bars: the axis runs past both ends of the
    longest bars by 18% of their span, so the left one never runs into the names."""
    figure = charts.tornado(tornado(risky, "payback_months"))
    ends = np.concatenate(
        [np.asarray(bars.base, float) + np.asarray(bars.x, float) for bars in figure.data]
    )
    span = ends.max() - ends.min()
    left, right = figure.layout.xaxis.range
    assert_allclose([ends.min() - left, right - ends.max()], [0.18 * span, 0.18 * span])


def test_a_tornado_whose_ranges_move_nothing_says_so_instead_of_a_degenerate_axis(
    invoice_fields,
):
    """The horizon and the discount rate do not enter payback: their ranges leave it at
    its likely value, so the chart draws no bars on an axis of rounding noise (it read
    0.9999999999-1.0000000001) and says in a sentence that nothing moves it."""
    invoice_fields["horizon_months"] = {"low": 24, "likely": 36, "high": 60}
    invoice_fields["discount_rate"] = {"low": 0.05, "likely": 0.10, "high": 0.15}
    frame = tornado(scenario_from_dict(invoice_fields), "payback_months")
    assert len(frame) == 2 and (frame["result_low"] == frame["base"]).all()
    figure = charts.tornado(frame)
    assert figure.data == ()
    assert figure.layout.xaxis.range is None and figure.layout.xaxis.visible is False
    [note] = figure.layout.annotations
    assert note.text.startswith("No input's range moves simple payback")
    # 300,000 / (1,888,000 / 12) = 1.9 months (the invoice example's simple payback)
    assert note.text.endswith("it stays 1.9.")
    # One range that moves it brings the bars back.
    invoice_fields["users"] = {"low": 150, "likely": 200, "high": 220}
    moving = charts.tornado(tornado(scenario_from_dict(invoice_fields), "payback_months"))
    assert len(moving.data) == 2 and moving.layout.xaxis.range is not None


def test_tornado_of_a_likely_value_that_never_pays_back_stays_on_the_chart(invoice_fields):
    """Likely users 10 never pay back (monthly net < 0); the high end (600) does. The
    bars start at the chart's edge, not at infinity, and the title says 'never'."""
    invoice_fields["users"] = {"low": 5, "likely": 10, "high": 600}
    frame = tornado(scenario_from_dict(invoice_fields), "payback_months")
    assert math.isinf(frame.loc[0, "base"]) and math.isfinite(frame.loc[0, "result_high"])
    figure = charts.tornado(frame)
    low, high = figure.data
    for bars in (low, high):
        assert np.isfinite(np.asarray(bars.base, float)).all()
        assert np.isfinite(np.asarray(bars.x, float)).all()
    edge = float(np.asarray(high.base, float)[0])
    assert edge > frame.loc[0, "result_high"]  # the edge is past every finite result
    assert_allclose(edge + high.x[0], frame.loc[0, "result_high"])
    assert all(math.isfinite(x) for x in _vlines(figure))
    assert "likely: never" in figure.layout.title.text


def test_tornado_chart_refuses_a_frame_without_results():
    """A frame that is not a tornado frame gets a message naming the missing columns."""
    with pytest.raises(charts.ChartError, match="result_low"):
        charts.tornado(pd.DataFrame({"label": ["x"]}))


def test_gantt_shows_each_phase_and_highlights_the_critical_path(invoice_fields):
    """Bars at each phase's likely start and length; critical ones in their own trace;
    min-max spans around each finish; a go-live line at the likely total, named in the
    legend (a label beside it ran over the phase names in a phone-wide chart)."""
    timeline = timeline_for(scenario_from_dict(invoice_fields))
    figure = charts.gantt(timeline)
    critical, other, spans, go_live = figure.data
    assert go_live.name == f"Go-live: week {timeline.likely_weeks:.1f}"
    assert go_live.line.dash == "dash" and go_live.showlegend
    assert not figure.layout.annotations
    rows = {row.name: row for row in timeline.phases}
    assert set(critical.y) == {row.name for row in timeline.phases if row.critical}
    assert set(other.y) == {row.name for row in timeline.phases if not row.critical}
    assert set(critical.y) | set(other.y) == set(rows)
    for trace in (critical, other):
        for name, base, length in zip(trace.y, trace.base, trace.x, strict=True):
            assert (base, base + length) == (rows[name].start_week, rows[name].finish_week)
    for i, name in enumerate(spans.y):
        assert spans.error_x.array[i] == rows[name].max_weeks - rows[name].likely_weeks
        assert spans.error_x.arrayminus[i] == rows[name].likely_weeks - rows[name].min_weeks
    assert _vlines(figure) == [timeline.likely_weeks]
    assert "Governance checkpoints" in " ".join(critical.y) + " ".join(other.y)


def test_portfolio_bubble_colours_by_decision(invoice_values):
    """One trace per decision in the decision colours; bubble area = one-time cost."""
    table = pd.DataFrame(
        [invoice_values, {**invoice_values, "build_cost": 900_000}, {**invoice_values, "users": 1}]
    )
    table.insert(0, "name", ["A", "B", "C"])
    frame = compare(table)
    frame["decision"] = ["Go", "Conditional go", "No-go"]
    figure = charts.portfolio_bubble(frame, threshold=12)
    assert [t.name for t in figure.data] == ["Go", "Conditional go", "No-go"]
    assert [t.marker.color for t in figure.data] == [
        charts.DECISION_COLOURS[d] for d in ("Go", "Conditional go", "No-go")
    ]
    sizes = [t.marker.size[0] for t in figure.data]
    assert sizes == [300_000, 950_000, 300_000]
    never = figure.data[2]
    finite_x = [t.x[0] for t in figure.data[:2]]
    assert never.x[0] > max(finite_x) and "never" in never.hovertext[0]
    assert 12 in _vlines(figure)


def test_portfolio_bubble_without_decisions_uses_one_colour(invoice_values):
    """No decision column: every initiative in the default colour."""
    frame = compare(pd.DataFrame([invoice_values, {**invoice_values, "users": 400}]))
    (trace,) = charts.portfolio_bubble(frame).data
    assert trace.marker.color == charts.DEFAULT_COLOUR and len(trace.x) == 2
    with pytest.raises(charts.ChartError, match="one_time_cost"):
        charts.portfolio_bubble(frame.drop(columns="one_time_cost"))


def test_tornado_without_ranges_says_why_it_is_empty(invoice_fields):
    """A scenario with no range has nothing to swing: the chart says so, not a blank."""
    from roi.scenario import scenario_from_dict
    from roi.sensitivity import tornado as tornado_frame

    figure = charts.tornado(tornado_frame(scenario_from_dict(invoice_fields)))
    assert all(len(trace.y) == 0 for trace in figure.data)
    assert any("No input is a range" in a.text for a in figure.layout.annotations)


def test_a_callers_layout_merges_key_by_key_and_reaches_every_axis(results, simulation):
    """A memo's or page's settings go over the chart's own as plotly's update_layout and
    update_yaxes would: nested keys merge (the Gantt keeps its title's placement when the
    text goes), and `yaxis` settings reach both panels of the payback histogram."""
    layout = {"title": {"text": None}, "font": {"size": 10}, "yaxis": {"automargin": False}}
    payback = charts.payback_histogram(simulation, layout=layout)
    assert payback.layout.yaxis.automargin is False and payback.layout.yaxis2.automargin is False
    assert payback.layout.yaxis2.matches == "y" and payback.layout.font.size == 10
    assert payback.layout.yaxis.title.text == "Share of samples (%)"  # merged, not replaced
    gantt = charts.gantt(results.timeline, {"title": {"text": None}})
    assert gantt.layout.title.text is None and gantt.layout.title.yref == "container"
    plain = charts.gantt(results.timeline)
    assert plain.layout.title.text.startswith("From PoC to production")


def test_criterion_names_are_text_in_the_evidence_charts(invoice_fields):
    """A criterion named with plotly's HTML (a live link from a shared link) is shown as
    the text it is in 'What to measure next' and the importance chart."""
    from roi.assess import assess
    from roi.scenario import scenario_from_dict

    name = '<a href="https://example.invalid">Click</a>'
    criterion = {
        "name": name,
        "direction": "higher",
        "target": 0.95,
        "minimum": 0.8,
        "measured": {"low": 0.2, "likely": 0.85, "high": 0.99},
        "unit": "share",
    }
    # The only uncertain input, often past its kill line: the criterion is worth
    # measuring, so it is on the value-of-information chart.
    fields = {**invoice_fields, "users": 60}
    a = assess(scenario_from_dict({**fields, "success_criteria": [criterion]}), samples=4_000)
    shown = []
    for figure in (charts.value_of_information(a.evidence), charts.importance(a.evidence)):
        labels = [str(y) for trace in figure.data for y in (trace.y or ())]
        hovers = [str(h) for trace in figure.data for h in (trace.hovertext or ())]
        assert all("<a " not in text for text in labels + hovers)
        shown += labels
    assert any("&lt;a href" in text for text in shown)  # the criterion is there, as text
