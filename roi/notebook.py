"""What the notebooks call: parameters in, validated scenario and result tables out."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from roi.evaluate import Results, evaluate
from roi.files import load_scenario
from roi.formatting import money, months, percent
from roi.scenario import SCENARIO_KEYS, Scenario, scenario_from_dict

RESULTS_MIMETYPE = "application/json"


def scenario_from_parameters(namespace: Mapping[str, Any]) -> Scenario:
    """The scenario a notebook's parameters describe.

    With `scenario_file` set, that file is the scenario and the other parameters are
    ignored; otherwise every Scenario key found in `namespace` (the notebook's globals
    after papermill injected its parameters) is validated into a Scenario.
    """
    scenario_file = namespace.get("scenario_file")
    if scenario_file:
        return load_scenario(scenario_file)
    return scenario_from_dict(
        {key: namespace[key] for key in SCENARIO_KEYS if key in namespace},
        source="notebook parameters",
    )


def results_table(results: Results) -> pd.DataFrame:
    """The headline results as a two-column table people can read."""
    t = results.timeline
    threshold = results.scenario.value("payback_threshold_months")
    rows = [
        ("Annual impact", money(results.annual_impact)),
        ("Time value", money(results.time_value)),
        ("Incremental revenue", money(results.incremental_revenue)),
        ("Running costs", money(results.running_costs)),
        ("Monthly net impact", money(results.monthly_net_impact, 2)),
        ("One-time costs", money(results.one_time_cost)),
        ("Payback", months(results.payback_months)),
        (
            "Meets payback threshold",
            f"{'yes' if results.meets_payback_threshold else 'no'} "
            f"(threshold {threshold:g} months)",
        ),
        (
            "Payback month with ramp",
            "never"
            if results.payback_month_with_ramp is None
            else str(results.payback_month_with_ramp),
        ),
        ("NPV", money(results.npv)),
        ("ROI over horizon", percent(results.roi_pct)),
        (
            "Timeline (weeks)",
            f"{t.min_weeks:g} / {t.likely_weeks:g} / {t.max_weeks:g} (min / likely / max)",
        ),
        ("Time to value", months(results.time_to_value_months)),
    ]
    return pd.DataFrame(rows, columns=["Result", "Value"]).set_index("Result")


def show_results(scenario: Scenario) -> Results:
    """Evaluate and display: a readable table, plus the raw results as JSON for tools."""
    from IPython.display import display

    results = evaluate(scenario)
    display(results_table(results))
    display({RESULTS_MIMETYPE: results.to_dict()}, raw=True)
    return results
