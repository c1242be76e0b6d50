"""The app's view: widgets bound to the model, checked without a browser."""

from __future__ import annotations

import html
import time

import ipywidgets as widgets
import pytest
from conftest import SCENARIOS_DIR

from roi.app import WorkbookApp, has_frontend, update_figure, voila_command
from roi.app.model import CHART_NAMES, GROUPS, WorkbookModel, entry_text, parse_range
from roi.evaluate import evaluate
from roi.files import load_scenario
from roi.formatting import money
from roi.reports.charts import cash_flow
from roi.scenario import FIELD_SPECS, NUMERIC_FIELDS


@pytest.fixture
def app(invoice_yaml):
    return WorkbookApp(WorkbookModel(load_scenario(invoice_yaml), samples=2_000))


def wait_for(condition, timeout: float = 20.0) -> None:
    """Wait for the chart painter thread (it redraws in the background)."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def test_every_numeric_field_has_a_labelled_control_with_its_unit(app):
    """One slider or amount box per numeric field, its description naming the unit; an
    amount box shows money as money and reads what people type."""
    from roi.amounts import read_number

    for field in NUMERIC_FIELDS:
        control = app.inputs[field]
        assert isinstance(control, widgets.FloatSlider | widgets.IntSlider | widgets.Text)
        assert control.description.endswith(")")
        unit = FIELD_SPECS[field].unit
        if isinstance(control, widgets.Text):
            shown = read_number(control.value, unit)
        else:  # a slider with no readout of its own, and a typed box beside it
            assert control.readout is False
            assert read_number(app.typed[field].value, unit) == pytest.approx(control.value)
            shown = control.value
        assert shown == pytest.approx(app.model.value(field))
    assert app.inputs["build_cost"].value == "$250,000"
    assert set(app.ranges) and all(
        isinstance(r, widgets.FloatRangeSlider) for r in app.ranges.values()
    )


def test_amounts_and_ranges_are_typed_as_people_write_them(app):
    """'$1.2M' sets the build cost and shows as $1,200,000; '-5k' revenue is refused with
    the rule (never clamped to 0); '150 to 260' makes users a range, '' a point again."""
    app.inputs["build_cost"].value = "$1.2M"
    assert app.model.value("build_cost") == 1_200_000
    assert app.inputs["build_cost"].value == "$1,200,000"
    app.inputs["incremental_revenue"].value = "-5k"
    shown = html.unescape(app.errors["incremental_revenue"].value)
    assert shown == "Incremental revenue must be a number >= 0: got -$5,000"
    assert app.model.scenario.value("incremental_revenue") == 0  # the last valid value
    app.inputs["incremental_revenue"].value = "abc"
    assert "must be a number (1500, 1,500, 2k" in app.errors["incremental_revenue"].value
    app.inputs["incremental_revenue"].value = "0"
    app.range_texts["users"].value = "150 to 260"
    assert app.model.range("users") == (150, 260)
    assert app.ranges["users"].value == (150, 260)  # the Uncertainty tab's slider follows
    app.range_texts["users"].value = ""
    assert app.model.range("users") == (200, 200)


TYPED = [
    # (field, typed, read as) -- the cases; None: refused with a message
    ("users", "1,500", 1500),
    ("users", "2k", 2000),
    ("users", "20000", 20000),  # past the slider's end: its track grows, nothing clamped
    ("hourly_rate", "$70", 70),
    ("discount_rate", "12%", 0.12),
    ("discount_rate", "12", 0.12),
    ("discount_rate", "0.12", 0.12),
    ("users", "-50", None),
    ("discount_rate", "1", None),  # 1% or 100%?
    ("users", "abc", None),
    ("users", "1,5k", None),  # a decimal comma: 1.5k or 15k?
]


@pytest.mark.parametrize(("field", "typed", "read_as"), TYPED)
def test_a_value_typed_beside_a_slider_means_what_it_looks_like(app, field, typed, read_as):
    """The box beside each slider reads what is typed as a file's value is read: the
    value set, its slider and box showing it; or a message under the box, the last valid
    value kept and every figure greyed as out of date (never clamped, never guessed)."""
    before = app.model.scenario.value(field)
    app.typed[field].value = typed
    if read_as is None:
        assert app.errors[field].value, typed
        assert app.model.scenario.value(field) == before  # the figures' last valid input
        assert "roi-out-of-date" in app.summary._dom_classes
        assert app.stale.value
    else:
        assert app.model.value(field) == pytest.approx(read_as)
        assert app.inputs[field].value == pytest.approx(read_as)
        assert app.inputs[field].max >= read_as
        assert app.errors[field].value == ""
        assert "roi-out-of-date" not in app.summary._dom_classes


def test_a_measured_share_typed_as_a_percent_is_a_share(app):
    """93% typed as a measured accuracy (unit share) is 0.93, not 9300%; 93 is refused
    with the hint, and the figures go grey until it is fixed."""
    rows = app.model.criteria()
    shares = [i for i, row in enumerate(rows) if str(row.get("unit")).lower() == "share"]
    if not shares:
        assert app.model.add_criterion()
        app.model.set_criterion(len(rows), "unit", "share")
        shares = [len(rows)]
    index = shares[0]
    assert app.model.set_criterion_text(index, "measured", "93%")
    assert app.model.criteria()[index]["measured"] == pytest.approx(0.93)
    assert not app.model.set_criterion_text(index, "measured", "93")
    assert "write 0.93 or 93%" in app.model.errors["success_criteria"]


def test_every_range_box_shows_an_example_it_accepts_in_the_inputs_unit(app):
    """The grey example in an empty range box reads as a range, and money as money."""
    assert app.range_texts  # the inputs that can be uncertain have a box
    for field, box in app.range_texts.items():
        example = box.placeholder.removeprefix("e.g. ")
        low, high = parse_range(example)
        assert low < high, field
        assert example.startswith("$") == FIELD_SPECS[field].unit.startswith("$"), field


def test_a_bad_likely_value_inside_a_range_is_named_in_the_screens_words():
    """Sales copilot's build cost is a $350k-$700k range: typing -5k as its likely value
    names each part as money, not as a Python dict."""
    model = WorkbookModel(load_scenario(SCENARIOS_DIR / "sales_copilot.yaml"), samples=0)
    assert model.set_value("build_cost", -5000.0) is False
    assert model.errors["build_cost"] == (
        "Build cost range must have low <= likely <= high: "
        "got low $350,000, likely -$5,000, high $700,000"
    )


def test_moving_a_slider_updates_model_kpi_card_and_chart(app):
    """Users slider to 300: the card reads roi's annual impact, the chart roi's cash flow."""
    app.inputs["users"].value = 300
    expected = evaluate(app.model.initial.evolve(users=300))
    assert money(expected.annual_impact) in app.kpis["annual_impact"].value
    line = next(t for t in cash_flow(expected).data if t.name == "Cumulative cash")

    def chart_line():
        return next(t for t in app.charts["cash_flow"].data if t.name == "Cumulative cash")

    wait_for(lambda: list(chart_line().y) == pytest.approx(list(line.y)))
    assert app.painter.failures == []


def test_invalid_value_shows_message_under_the_control_and_keeps_results(app):
    """120 minutes x 13 tasks = 1560 min/day: message under both controls, results kept."""
    before = app.kpis["annual_impact"].value
    app.inputs["minutes_saved_per_task"].value = 120
    app.inputs["tasks_per_day"].value = 13  # 13 x 120 = 1560 > 1440
    assert "1440" in app.errors["tasks_per_day"].value
    assert "1440" in app.errors["minutes_saved_per_task"].value
    assert "last valid inputs" in app.stale.value
    assert app.kpis["annual_impact"].value != before  # 12 x 120 was valid and shown
    app.inputs["tasks_per_day"].value = 12
    assert app.errors["tasks_per_day"].value == "" and app.stale.value == ""


def test_reset_puts_every_control_back(app):
    """Reset: the model's opened scenario, and the sliders showing it, without loops."""
    app.inputs["users"].value = 900
    app.ranges["hourly_rate"].value = (40, 70)
    app._reset()
    assert app.inputs["users"].value == 200
    assert app.ranges["hourly_rate"].value == (55, 55)
    assert app.model.scenario == app.model.initial


def test_update_figure_changes_data_in_place():
    """Same trace kinds: the widget keeps its traces and takes the new values."""
    import plotly.graph_objects as go

    widget = go.FigureWidget(go.Figure(go.Scatter(x=[0, 1], y=[1, 2], name="a")))
    trace = widget.data[0]
    update_figure(widget, go.Figure(go.Scatter(x=[0, 1], y=[5, 6], name="a")))
    assert widget.data[0] is trace and list(trace.y) == [5, 6]
    update_figure(widget, go.Figure([go.Bar(x=[0], y=[1]), go.Bar(x=[1], y=[2])]))
    assert [t.type for t in widget.data] == ["bar", "bar"]


def test_frontend_is_detected_from_the_kernel_environment(monkeypatch):
    """Voila and Jupyter Server set variables papermill does not; ROI_APP_FRONTEND overrides."""
    for name in ("VOILA_KERNEL_ID", "VOILA_PREHEAT", "JPY_SESSION_NAME", "ROI_APP_FRONTEND"):
        monkeypatch.delenv(name, raising=False)
    assert not has_frontend()
    monkeypatch.setenv("VOILA_KERNEL_ID", "abc")
    assert has_frontend()
    monkeypatch.setenv("ROI_APP_FRONTEND", "0")
    assert not has_frontend()


def test_voila_command_serves_safely():
    """Sources stripped, tracebacks hidden, loopback, culling on; token and preheat opt-in."""
    argv, env = voila_command(port=9999)
    assert "--strip_sources=True" in argv and "--show_tracebacks=False" in argv
    assert "--Voila.ip=127.0.0.1" in argv and "--port=9999" in argv
    assert any(a.startswith("--MappingKernelManager.cull_idle_timeout=") for a in argv)
    assert not any("token" in a or "preheat" in a for a in argv)
    argv, env = voila_command(token="s3cret", preheat=2)
    assert "--token=s3cret" in argv
    assert "--preheat_kernel=True" in argv and "--pool_size=2" in argv
    # A used kernel is replaced after the visitor's page is drawn, not during it.
    assert "--VoilaKernelManager.fill_delay=5" in argv
    assert "jupyter" in env["JUPYTER_PATH"]


def test_roi_app_command_line_parses_the_serving_options():
    """`roi app` takes a notebook or folder, port, address, token, preheat and cull time."""
    from roi.cli import build_parser

    args = build_parser().parse_args(["app", "notebooks", "--port", "9000", "--preheat", "2"])
    assert (args.notebook, args.port, args.ip, args.preheat) == ("notebooks", 9000, "127.0.0.1", 2)
    assert args.cull_idle == 3600 and args.token is None
    assert build_parser().parse_args(["app"]).preheat == 1  # `make app`: one kernel ready
    with pytest.raises(SystemExit):
        build_parser().parse_args(["app", "--cull-idle", "5"])  # would kill kernels in use


def test_plotly_bundle_is_shared_from_the_template_static_folder(tmp_path, monkeypatch):
    """The bundle is copied once under a versioned name; charts then load it by URL."""
    import plotly
    import plotly.graph_objects as go

    from roi.app import PLOTLY_ESM_VARIABLE, figure_widget, share_plotly_bundle

    name = share_plotly_bundle(tmp_path)
    assert name == f"plotly-widget-{plotly.__version__}.js"
    copied = tmp_path / "voila" / "templates" / "roi" / "static" / name
    assert copied.stat().st_size > 1_000_000 and not copied.is_symlink()
    monkeypatch.setenv(PLOTLY_ESM_VARIABLE, name)
    widget = figure_widget(go.Figure(), 300)
    assert name in widget._esm and "templates/roi/static/" in widget._esm
    assert len(widget._esm) < 5_000  # not the 5 MB bundle itself
    monkeypatch.delenv(PLOTLY_ESM_VARIABLE)
    assert len(figure_widget(go.Figure(), 300)._esm) > 1_000_000  # outside roi's Voila


def test_readiness_controls_appear_when_their_tab_opens_and_reach_the_model(app):
    """Opening the Readiness tab builds a status, owner and note per item; setting them
    stores them, and the checklist's count follows."""
    assert app.readiness == {}
    app.tabs.selected_index = app.tabs.children.index(app.tabs.children[-1])
    item, box = next((i, b) for i, b in app.readiness.items() if b.value != "done")
    box.value = "done"
    assert app.model.readiness_done(item)
    assert app.model.scenario.readiness[item].status == "done"
    owner, note = app.readiness_details[item]
    owner.value, note.value = "Head of data", "signed 3 May"
    answer = app.model.scenario.readiness[item]
    assert (answer.status, answer.owner, answer.note) == ("done", "Head of data", "signed 3 May")
    box.value = "n/a"
    assert app.model.scenario.readiness[item].status == "n/a"
    heads = {cid: head.value for cid, (head, _) in app.checklist_heads.items()}
    counts = app.model.checklist_counts()
    for checklist_id, text in heads.items():
        done, total, decides = counts[checklist_id]
        assert f"{done}/{total} done" in text
        assert ("decides a Go" in text) == decides
    assert counts["poc_exit"][2] and "decides a Go" in heads["poc_exit"]


def test_the_pages_upload_guard_uses_the_servers_file_limit():
    """The page reads a file past LIMIT as empty (so it never closes the websocket); that
    LIMIT must be the limit the app states, roi.safe_yaml.MAX_FILE_BYTES."""
    import re
    from importlib.resources import files

    from roi.safe_yaml import MAX_FILE_BYTES

    template = files("roi") / "data/jupyter/voila/templates/roi/index.html.j2"
    (limit,) = re.findall(r"var LIMIT = (\d+);", template.read_text(encoding="utf-8"))
    assert int(limit) == MAX_FILE_BYTES


def test_an_upload_past_the_limit_is_named_by_its_real_size(invoice_yaml):
    """The browser sends an oversized file empty with its real size: the message gives
    that size, not 0 MiB."""
    from roi.exceptions import ScenarioError

    model = WorkbookModel(load_scenario(invoice_yaml), samples=200)
    with pytest.raises(ScenarioError) as caught:
        model.open_upload("big.csv", b"", size=100 * 2**20)
    assert "is 100.0 MiB; uploads may be 10 MiB" in str(caught.value)


def test_the_toolbar_says_what_is_open_and_when_it_is_edited(app):
    """The label beside the picker names the source, and 'edited' once an input moves;
    opening a starter names it and is not edited."""
    assert "edited" not in app.source_label.value
    app.inputs["users"].value = 300
    assert "edited" in app.source_label.value
    labels = [label for label, _ in app.model.templates()]
    app.picker.value = labels.index("Sales copilot")
    assert "starter Sales copilot" in app.source_label.value
    assert "edited" not in app.source_label.value


def test_the_variant_export_says_what_a_table_leaves_out(app):
    """The example carries source notes, which a scenario CSV cannot hold: the export
    link says so."""
    app.model.save_variant("Base")
    assert "variants.csv" in app.variant_export.value
    assert "(a table leaves out notes)" in app.variant_export.value


def test_a_page_gets_its_charts_once_it_has_shown_the_cards(invoice_yaml):
    """For a page (defer_charts): no chart until the page's PageShown widget says the
    cards are drawn; then every chart the model can draw, in its box. A scenario with no
    range has no payback distribution: it appears once an input becomes a range (before,
    a page opened without ranges never showed one)."""
    app = WorkbookApp(WorkbookModel(load_scenario(invoice_yaml), samples=2_000), defer_charts=True)
    assert app.charts == {}
    for box in app.chart_boxes.values():
        assert [child.value for child in box.children] == [
            '<div class="roi-note">Drawing the chart...</div>'
        ]
    app._on_shown({"event": "other"})
    assert app.charts == {}
    app._on_shown({"event": "shown"})
    assert set(app.charts) == set(CHART_NAMES) - {"payback"}  # no range, no distribution
    for name, chart in app.charts.items():
        assert app.chart_boxes[name].children == (app.chart_titles[name], chart)
        # The title is the page's heading above the chart, not drawn inside it.
        assert chart.layout.title.text is None
    heading = '<h2 class="roi-chart-title">Cumulative cash flow</h2>'
    assert app.chart_titles["cash_flow"].value == heading
    assert "From PoC to production: " in app.chart_titles["gantt"].value
    app.range_texts["users"].value = "150 to 260"
    assert "payback" in app.charts and app.chart_boxes["payback"].children == (
        app.chart_titles["payback"],
        app.charts["payback"],
    )
    assert app.chart_boxes["payback"].layout.display is None  # shown: there is a range


def test_lazy_tabs_build_a_tab_from_the_model_when_it_is_first_opened(invoice_yaml):
    """Only the first input tab is built at first; a tab opened later shows the model's
    current values and what is wrong with them, and a reset or a picked starter reaches
    the controls that exist without failing on the ones that do not."""
    app = WorkbookApp(WorkbookModel(load_scenario(invoice_yaml), samples=2_000), lazy_tabs=True)
    assert app.built_tabs == {GROUPS[0]}
    assert "build_cost" not in app.inputs and app.ranges == {}
    app.model.set_value("support_cost_annual", -5)  # invalid: the Costs tab is not built
    app.tabs.selected_index = GROUPS.index("Costs")
    assert "Costs" in app.built_tabs
    assert "must be a number &gt;= 0: got -$5" in app.errors["support_cost_annual"].value
    app.model.set_value("support_cost_annual", 40_000)
    app.inputs["build_cost"].value = "$400k"
    assert app.model.value("build_cost") == 400_000
    app.picker.value = [label for label, _ in app.model.templates()].index("Sales copilot")
    assert app.inputs["build_cost"].value == entry_text("build_cost", app.model.value("build_cost"))
    app.tabs.selected_index = GROUPS.index("Uncertainty")
    low, high = app.model.range("users")
    assert app.ranges["users"].value == (low, high)


def test_a_link_opened_after_the_page_is_built_shows_its_values(invoice_yaml):
    """A preheated page is built from the notebook's parameters before its visitor comes;
    the visitor's link is then laid over them. Bad values are named under the toolbar,
    and the page stays as it was."""
    app = WorkbookApp(WorkbookModel(load_scenario(invoice_yaml), samples=2_000))
    app.parameters = {"scenario_file": "invoice_triage.yaml"}
    app.open_link("users=300&users_low=250&users_high=320")
    assert app.model.scenario.value("users") == 300 and app.model.range("users") == (250, 320)
    assert app.model.base[0] == "invoice_triage.yaml"
    assert app.inputs["users"].value == 300
    assert "starter invoice_triage.yaml, 1 input changed" in app.source_label.value
    assert "edited" not in app.source_label.value  # the link's values are the reset point
    assert "users=300" in app.model.share_query()
    app.open_link("users=-4")
    assert "This link's values cannot be used" in app.errors["file"].value
    assert "users" in app.errors["file"].value and app.model.scenario.value("users") == 300
    app.open_link("")  # no link: nothing changes
    assert app.model.scenario.value("users") == 300
