"""The workbook app: a model without widgets, its view, the Voila server and the notebook pages."""

from __future__ import annotations

from roi._lazy import lazy_getattr

_EXPORTS = {
    "APP_SAMPLES": "model",
    "CHART_HEIGHT": "view",
    "CHART_NAMES": "model",
    "CHART_TITLES": "view",
    "CHART_WIDTH": "view",
    "CSS": "view",
    "CULL_IDLE_SECONDS": "server",
    "ChartPainter": "view",
    "Control": "model",
    "Download": "model",
    "FRONTEND_VARIABLES": "server",
    "GROUPS": "model",
    "Kpi": "model",
    "PLOTLY_ESM_SHIM": "server",
    "PLOTLY_ESM_VARIABLE": "server",
    "PORTFOLIO_COLUMNS": "model",
    "PORTFOLIO_FILE": "model",
    "SCENARIO_SUFFIXES": "model",
    "TEMPLATES_DIR": "model",
    "TIMELINE_OVERRIDES": "model",
    "UNCERTAIN_FIELDS": "model",
    "VOILA_DATA": "server",
    "VOILA_TEMPLATE": "server",
    "Variant": "model",
    "Verdict": "model",
    "WORKBOOK_NOTEBOOK": "server",
    "WorkbookApp": "view",
    "WorkbookModel": "model",
    "checkpoint_rows": "model",
    "control_for": "model",
    "figure_widget": "view",
    "has_frontend": "server",
    "jsonable": "model",
    "open_page_link": "entry",
    "phase_rows": "model",
    "portfolio": "pages",
    "portfolio_frame": "model",
    "portfolio_table_rows": "model",
    "range_bounds": "model",
    "send_now": "view",
    "share_plotly_bundle": "server",
    "shared_bundle_root": "server",
    "skip_slow_iri_checker": "server",
    "timeline": "pages",
    "timeline_comparison": "model",
    "timeline_scenario": "model",
    "update_figure": "view",
    "voila_command": "server",
    "workbook": "entry",
    "show_workbook": "view",
}

__all__ = sorted(_EXPORTS)


__getattr__ = lazy_getattr(__name__, _EXPORTS)
