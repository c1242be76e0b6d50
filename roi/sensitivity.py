"""Which assumption matters most: tornado swings, break-even distances, scenarios side by side.

Every number comes from `roi.evaluate.compute` (tornado, comparison) or
`roi.breakeven.break_even_table`; this module only arranges inputs and results.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from roi.breakeven import break_even_table
from roi.evaluate import compute, evaluate_table, payback_key, timeline_for, validate_table
from roi.exceptions import RoiError
from roi.impact import MONTHS_PER_YEAR
from roi.scenario import FIELD_SPECS, NUMERIC_FIELDS, Range, Scenario, scenarios_table

TORNADO_METRICS = (
    "annual_impact",
    "monthly_net_impact",
    "payback_months",
    "payback_months_cash_flow",
    "npv",
    "npv_at_decision",
    "roi_pct",
    "payback_month_with_ramp",
)
"""Results a tornado can show: the ones the numeric inputs move (not the timeline)."""

TORNADO_COLUMNS = (
    "field",
    "label",
    "unit",
    "low",
    "likely",
    "high",
    "result_low",
    "result_high",
    "base",
    "swing",
)

COMPARE_COLUMNS = (
    "annual_impact",
    "monthly_net_impact",
    "one_time_cost",
    "payback_months",
    "meets_payback_threshold",
    "npv",
    "roi_pct",
    "payback_month_with_ramp",
    "weeks_to_go_live",
    "time_to_value_months",
)
"""Results `compare` puts side by side (differences are added for the numeric ones)."""


class SensitivityError(RoiError, ValueError):
    """A sensitivity question that cannot be answered as asked (unknown metric, baseline)."""


def required_annual_impact(one_time_cost: Any, payback_threshold_months: Any) -> np.ndarray:
    """Annual net impact at which payback equals the threshold exactly.

    Notes
    -----
    Payback = one-time cost / (annual net / 12), so payback equals the threshold T when
    annual net = 12 * one-time cost / T.

    >>> float(required_annual_impact(300_000, 12))
    300000.0
    """
    needed: np.ndarray = (
        MONTHS_PER_YEAR * np.asarray(one_time_cost, float) / payback_threshold_months
    )
    return needed


# --- tornado ---------------------------------------------------------------------------


def _check_metric(metric: str) -> None:
    if metric not in TORNADO_METRICS:
        raise SensitivityError(
            f"metric must be one of: {', '.join(TORNADO_METRICS)}: got {metric!r}"
        )


def _swing(low: np.ndarray, high: np.ndarray) -> np.ndarray:
    """|high - low|, with 'never' at both ends counted as no swing, at one end as infinite."""
    with np.errstate(invalid="ignore"):
        swing = np.abs(high - low)
    return np.where(low == high, 0.0, swing)


def tornado(scenario: Scenario, metric: str | None = None) -> pd.DataFrame:
    """Each uncertain input at its low and at its high, the others at likely; by swing.

    `metric` defaults to the payback the decision tests (`payback_key`: on the cash flow,
    ramp included, unless the scenario asks for the simple formula). The plan is held at
    its likely length, so NPV at the decision moves with the inputs, not the timeline.

    One row per numeric field given as a range (with low < high): the result at its
    low (`result_low`), at its high (`result_high`), at every likely value (`base`), and
    the swing |result_high - result_low|, largest first. Payback results are inf where
    the initiative never pays back; an input that can make it never pay back has an
    infinite swing and comes first. All rows are one vectorized `compute` call.

    >>> s = Scenario(name="x", users={"low": 100, "likely": 200, "high": 250},
    ...     tasks_per_day=12, minutes_saved_per_task={"low": 3, "likely": 4, "high": 5},
    ...     hourly_rate=55, platform_cost_annual=60_000, model_cost_annual=36_000,
    ...     support_cost_annual=40_000, build_cost=250_000, change_cost=50_000)
    >>> tornado(s, "annual_impact")[["field", "result_low", "result_high"]]
                        field  result_low  result_high
    0                   users    876000.0    2394000.0
    1  minutes_saved_per_task   1382000.0    2394000.0
    """
    metric = payback_key(scenario) if metric is None else metric
    _check_metric(metric)
    fields = [name for name, value in scenario.ranges().items() if not value.is_point]
    likely = scenario.point_values()
    count = 2 * len(fields) + 1  # a low and a high row per field, then the base row
    values = {name: np.full(count, likely[name]) for name in NUMERIC_FIELDS}
    for index, name in enumerate(fields):
        value: Range = getattr(scenario, name)
        values[name][2 * index] = value.low
        values[name][2 * index + 1] = value.high
    weeks = timeline_for(scenario).likely_weeks
    result = np.broadcast_to(compute(values, weeks)[metric], (count,)).astype(float)
    low, high, base = result[0:-1:2], result[1:-1:2], result[-1]
    frame = pd.DataFrame(
        {
            "field": fields,
            "label": [FIELD_SPECS[name].label for name in fields],
            "unit": [FIELD_SPECS[name].unit for name in fields],
            "low": [getattr(scenario, name).low for name in fields],
            "likely": [likely[name] for name in fields],
            "high": [getattr(scenario, name).high for name in fields],
            "result_low": low,
            "result_high": high,
            "base": np.full(len(fields), base),
            "swing": _swing(low, high),
        },
        columns=list(TORNADO_COLUMNS),
    )
    frame = frame.sort_values("swing", ascending=False, kind="stable").reset_index(drop=True)
    frame.attrs.update({"metric": metric, "base": float(base), "scenario": scenario.name})
    return frame


# --- break-even ------------------------------------------------------------------------


def break_even_frame(scenario: Scenario) -> pd.DataFrame:
    """For every numeric input, the value at which the decision's payback (on the
    scenario's `payback_basis`) equals the threshold.

    `break_even` is the value or the text "none"; `reason` says why there is none (or
    whether the likely value meets the threshold); `distance_pct` is how far the
    break-even lies from the likely value, in percent of it (NaN where there is none or
    the likely value is 0). `break_even_value` holds the same as a number (NaN for none).
    """
    rows = []
    for row in break_even_table(scenario.point_values(), scenario.payback_basis):
        spec = FIELD_SPECS[row.field]
        rows.append(
            {
                "field": row.field,
                "label": row.label,
                "unit": spec.unit,
                "likely": row.likely,
                "break_even": "none" if row.value is None else row.value,
                "break_even_value": np.nan if row.value is None else row.value,
                "direction": row.direction,
                "distance_pct": np.nan if row.change_pct is None else row.change_pct,
                "within_allowed": row.within_allowed,
                "reason": row.note,
            }
        )
    frame = pd.DataFrame(rows)
    frame.attrs["scenario"] = scenario.name
    return frame


# --- comparing scenarios ---------------------------------------------------------------


def _scenarios(source: Any) -> list[Scenario] | pd.DataFrame:
    if isinstance(source, pd.DataFrame):
        return source
    if isinstance(source, str | os.PathLike):
        raise SensitivityError(
            f"compare takes scenarios or a table, not a file name ({os.fspath(source)!r}): "
            "read the file first, e.g. compare(roi.load_scenarios(path))"
        )
    if isinstance(source, Scenario):
        return [source]
    if isinstance(source, Iterable) and not isinstance(source, Mapping):
        items = list(source)
        wrong = [type(item).__name__ for item in items if not isinstance(item, Scenario)]
        if not wrong:
            return items
        raise SensitivityError(f"compare takes Scenario objects; got a {wrong[0]} among them")
    raise SensitivityError(
        "compare takes a DataFrame of scenarios, a list of Scenario objects or a scenario "
        f"file path: got a {type(source).__name__}"
    )


def _baseline_position(names: list[str], baseline: int | str) -> int:
    if isinstance(baseline, str):
        matches = [index for index, name in enumerate(names) if name == baseline]
        if not matches:
            raise SensitivityError(
                f"baseline {baseline!r} is not one of the scenarios: {', '.join(names)}"
            )
        return matches[0]
    if isinstance(baseline, bool) or not isinstance(baseline, int | np.integer):
        raise SensitivityError(
            f"baseline must be a row number or a scenario name: got {baseline!r}"
        )
    if not -len(names) <= baseline < len(names):
        raise SensitivityError(f"baseline row must be from 0 to {len(names) - 1}: got {baseline}")
    return int(baseline) % len(names)


def compare(scenarios_or_table: Any, baseline: int | str = 0) -> pd.DataFrame:
    """Many scenarios side by side, with each result's difference from a baseline.

    Takes a DataFrame whose columns are field names (one scenario per row, as
    `roi.evaluate.evaluate_table` reads it) or a list of Scenarios (`roi.load_scenarios`
    reads a file's).
    `baseline` is a row number or a scenario name. Columns: `name`, `baseline` (True on
    the baseline row), every result in COMPARE_COLUMNS, then `<result>_vs_baseline` for
    the numeric ones. A payback difference is inf where only one of the two never pays
    back and 0 where both never do. Scenarios keep their own timeline (phase overrides,
    governance); table rows use the standard plan.
    """
    source = _scenarios(scenarios_or_table)
    if isinstance(source, pd.DataFrame):
        if source.empty:
            raise SensitivityError("compare needs at least one scenario: the table is empty")
        results = evaluate_table(source.drop(columns=["name"], errors="ignore"))
        if "name" in source.columns:
            names = [str(name) for name in source["name"]]
        else:
            names = [str(label) for label in source.index]
    else:
        if not source:
            raise SensitivityError("compare needs at least one scenario: got none")
        table = scenarios_table(source)
        weeks = np.array([timeline_for(s).likely_weeks for s in source])
        columns = validate_table(table[list(NUMERIC_FIELDS)], source="scenarios")
        raw = compute(columns, weeks)
        results = pd.DataFrame(
            {name: np.broadcast_to(raw[name], (len(source),)) for name in COMPARE_COLUMNS}
        )
        names = [s.name for s in source]
    position = _baseline_position(names, baseline)
    frame = pd.DataFrame({"name": names, "baseline": np.arange(len(names)) == position})
    for column in COMPARE_COLUMNS:
        frame[column] = np.asarray(results[column])
    for column in COMPARE_COLUMNS:
        if column == "meets_payback_threshold":
            continue
        values = frame[column].to_numpy(dtype=float)
        reference = values[position]
        frame[f"{column}_vs_baseline"] = _difference(values, reference)
    frame.attrs["baseline"] = names[position]
    return frame


def _difference(values: np.ndarray, reference: float) -> np.ndarray:
    with np.errstate(invalid="ignore"):
        return np.where(values == reference, 0.0, values - reference)
