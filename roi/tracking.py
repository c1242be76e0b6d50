"""After the decision: the plan against what was measured, and the kill criteria checked again.

`track(scenario, measurements)` takes the scenario a decision rests on and dated
measurements of its inputs (a pilot's active users, tasks, minutes saved, costs) and
returns the plan against the actuals: every headline figure as planned and as
re-forecast from what was measured, each measured input against its plan, and every kill
criterion checked again on the decision's own basis.

How the measurements enter the re-forecast: the latest measurement of an input becomes
its likely value; with three or more measurements its range narrows to the lowest and
highest measured (what the pilot has actually seen), with fewer it is a point. A
measurement is evidence about this initiative, so it replaces the prior range rather
than being averaged with it; a few readings do not yet show how much it varies.

The kill lines are the decision's own: the break-even of each input on the scenario's
payback basis (ramp included), as stated when the decision was made. An input measured
past its line fires that criterion, and so do a re-forecast payback past the threshold
and a monthly net that is not positive.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from roi.assess import HEADLINES, Assessment, assess
from roi.decision import value_text
from roi.precision import at_least, at_most
from roi.scenario import FIELD_SPECS, NUMERIC_FIELDS, Range, Scenario

NARROW_AFTER = 3
"""Measurements of an input from which its range narrows to what was measured."""


@dataclass(frozen=True)
class Measurement:
    """One dated measurement of one input, in the input's own unit."""

    measured_on: date
    field: str
    value: float


@dataclass(frozen=True)
class InputActual:
    """One measured input against its plan and its kill line."""

    field: str
    label: str
    planned: float
    latest: float
    measured_on: date
    count: int
    kill_line: float | None  # the break-even on the decision's basis; None: none
    direction: str  # "at least" / "at most" (which side of the line is safe)
    fired: bool

    @property
    def change_pct(self) -> float | None:
        return None if self.planned == 0 else (self.latest - self.planned) / self.planned * 100

    def to_dict(self) -> dict[str, Any]:
        return {
            "field": self.field,
            "planned": self.planned,
            "latest": self.latest,
            "measured_on": self.measured_on.isoformat(),
            "measurements": self.count,
            "change_pct": self.change_pct,
            "kill_line": self.kill_line,
            "direction": self.direction,
            "fired": self.fired,
        }


@dataclass(frozen=True)
class Tracking:
    """The plan against the actuals for one initiative."""

    planned: Assessment
    reforecast: Assessment
    inputs: tuple[InputActual, ...]
    fired: tuple[str, ...]  # the kill criteria that fired, in words

    def headline_rows(self) -> list[dict[str, Any]]:
        """Each headline figure as planned and as re-forecast from the measurements."""
        rows = []
        for key, label, kind in HEADLINES:
            plan, now = self.planned.headline(key), self.reforecast.headline(key)
            rows.append(
                {
                    "key": key,
                    "label": label,
                    "kind": kind,
                    "planned": plan.value,
                    "reforecast": now.value,
                    "basis": now.basis,
                }
            )
        return rows

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.planned.scenario.name,
            "decision_planned": self.planned.outcome,
            "decision_now": self.reforecast.outcome,
            "headline": self.headline_rows(),
            "inputs": [i.to_dict() for i in self.inputs],
            "kill_criteria_fired": list(self.fired),
        }


def observed_scenario(scenario: Scenario, measurements: Iterable[Measurement]) -> Scenario:
    """The scenario with each measured input replaced by what was measured (see the
    module's notes): the latest value as likely, and from NARROW_AFTER measurements on
    the range from the lowest to the highest measured.

    >>> from roi.files import load_scenario
    >>> from roi.resources import EXAMPLE_SCENARIO
    >>> s = load_scenario(EXAMPLE_SCENARIO)
    >>> days = ((5, 90), (12, 120), (19, 110))
    >>> seen = [Measurement(date(2027, 1, d), "users", v) for d, v in days]
    >>> observed_scenario(s, seen).users
    Range(low=90.0, likely=110.0, high=120.0, distribution='pert')
    """
    by_field: dict[str, list[Measurement]] = {}
    for m in measurements:
        by_field.setdefault(m.field, []).append(m)
    changes: dict[str, Any] = {}
    for field, seen in by_field.items():
        seen = sorted(seen, key=lambda m: m.measured_on)
        latest = seen[-1].value
        if len(seen) >= NARROW_AFTER:
            values = [m.value for m in seen]
            low, high = min(values), max(values)
            changes[field] = latest if low == high else Range(low=low, likely=latest, high=high)
        else:
            changes[field] = latest
    return scenario.evolve(**changes) if changes else scenario


def _input_rows(planned: Assessment, measurements: Sequence[Measurement]) -> list[InputActual]:
    lines = {row.field: row for row in planned.results.break_even}
    rows = []
    for field in NUMERIC_FIELDS:
        seen = sorted((m for m in measurements if m.field == field), key=lambda m: m.measured_on)
        if not seen:
            continue
        latest = seen[-1]
        line = lines.get(field)
        kill = line.value if line is not None and line.value is not None else None
        direction = line.direction if line is not None else ""
        fired = False
        if kill is not None and direction:
            safe = at_least if direction == "at least" else at_most
            fired = not bool(safe(latest.value, kill))
        rows.append(
            InputActual(
                field,
                FIELD_SPECS[field].label,
                planned.scenario.value(field),
                latest.value,
                latest.measured_on,
                len(seen),
                kill,
                direction,
                fired,
            )
        )
    return rows


def track(
    scenario: Scenario,
    measurements: Sequence[Measurement],
    *,
    samples: int = 0,
    seed: int = 0,
    planned: Assessment | None = None,
) -> Tracking:
    """The plan against the actuals: headlines re-forecast, inputs against their plan and
    kill lines, and the kill criteria that fired (see the module's notes)."""
    planned = planned or assess(scenario, samples=samples, seed=seed)
    reforecast = assess(observed_scenario(scenario, measurements), samples=samples, seed=seed)
    rows = _input_rows(planned, measurements)
    fired = []
    for row in rows:
        if row.fired and row.kill_line is not None:
            side = "below" if row.direction == "at least" else "above"
            fired.append(
                f"{row.label.lower()} measured {value_text(row.field, row.latest)} on "
                f"{row.measured_on.isoformat()}, {side} its kill line of "
                f"{value_text(row.field, row.kill_line)} (the plan assumed "
                f"{value_text(row.field, row.planned)})"
            )
    threshold = scenario.value("payback_threshold_months")
    payback = reforecast.decision.payback_months
    if reforecast.results.monthly_net_impact <= 0:
        fired.append("the monthly net impact is not positive on what was measured")
    elif payback is None or not math.isfinite(payback) or not at_most(payback, threshold):
        shown = "never" if payback is None else f"{payback:.1f} months"
        fired.append(
            f"payback re-forecast from what was measured is {shown}, past the "
            f"{threshold:g}-month threshold"
        )
    return Tracking(planned, reforecast, tuple(rows), tuple(fired))


__all__ = ["NARROW_AFTER", "InputActual", "Measurement", "Tracking", "observed_scenario", "track"]
