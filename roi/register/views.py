"""The register's answers in words: an initiative's history, its plan against the actuals,
the calibrated odds (what `roi history`, `roi track` and `roi calibrate` print)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from roi.calibration import GateOdds
from roi.formatting import money, months, share
from roi.register.store import Entry, changes
from roi.tracking import Tracking

KILL_FIRED = "kill criterion fired: "
"""How `roi track` starts the line of each kill criterion that fired (a scheduler greps it)."""


def _figure(kind: str, value: float | None) -> str:
    return money(value) if kind == "money" else months(value)


def history_text(entries: Sequence[Entry]) -> str:
    """One line per recorded assessment, oldest first, and what changed since the last.

    >>> from datetime import date, datetime
    >>> h = {"npv": {"value": 1e6}, "payback_months": {"value": 3.5}, "one_time_cost": 3e5,
    ...      "plan_weeks": 16.0, "basis": "likely", "annual_impact": {"value": 2e6}}
    >>> e = Entry(1, "A", datetime(2027, 1, 5), "0.1.0", "ab", {}, 0, 0, "Go", h, 2, "CFO",
    ...           date(2027, 1, 6), [])
    >>> print(history_text([e]))
    A: 1 assessment recorded
      2027-01-05 #1  Go at gate 2 (decided by CFO on 2027-01-06); NPV $1,000,000, payback 3.5 months
    """
    name = entries[0].name if entries else ""
    count = len(entries)
    lines = [f"{name}: {count} assessment{'s' if count != 1 else ''} recorded"]
    previous = None
    for entry in entries:
        who = []
        if entry.decider:
            who.append(f"decided by {entry.decider}")
        if entry.decided_on:
            who.append(f"on {entry.decided_on.isoformat()}")
        gate = f" at gate {entry.gate}" if entry.gate is not None else ""
        said = f" ({' '.join(who)})" if who else ""
        npv = (entry.headline.get("npv") or {}).get("value")
        payback = (entry.headline.get("payback_months") or {}).get("value")
        line = (
            f"  {entry.recorded_at:%Y-%m-%d} #{entry.id}  {entry.outcome}{gate}{said}; "
            f"NPV {money(npv)}, payback {months(payback)}"
        )
        if entry.signoffs:
            line += "; signed off by " + ", ".join(
                f"{s.get('name')} ({s.get('role')})" for s in entry.signoffs
            )
        lines.append(line)
        if previous is not None:
            moved = changes(previous, entry)
            lines.append("    changed: " + (", ".join(moved) if moved else "nothing"))
        previous = entry
    return "\n".join(lines)


def track_text(tracking: Tracking) -> str:
    """The plan against the actuals, then every kill criterion that fired."""
    t = tracking
    lines = [
        f"{t.planned.scenario.name}: plan against actuals",
        f"  Decision: planned {t.planned.outcome}; on what was measured {t.reforecast.outcome}",
    ]
    for row in t.headline_rows():
        lines.append(
            f"  {row['label']:<22} planned {_figure(row['kind'], row['planned'])}, "
            f"re-forecast {_figure(row['kind'], row['reforecast'])}"
        )
    for actual in t.inputs:
        change = "" if actual.change_pct is None else f" ({actual.change_pct:+.0f}%)"
        line = (
            f"  {actual.label:<22} planned {actual.planned:,.4g}, measured {actual.latest:,.4g}"
            f"{change} on {actual.measured_on.isoformat()} ({actual.count} measurement"
            f"{'s' if actual.count != 1 else ''})"
        )
        if actual.kill_line is not None:
            line += f"; kill line {actual.direction} {actual.kill_line:,.4g}"
        lines.append(line)
    lines.extend(KILL_FIRED + fired for fired in t.fired)
    if not t.fired:
        lines.append("  No kill criterion fired.")
    return "\n".join(lines)


def calibration_text(odds: Sequence[GateOdds], coverage: dict[str, Any]) -> str:
    """The calibrated odds of each gate with their record, and how often ranges held."""
    lines = ["Gate odds from this register's record (default 81% each, worth 10 decisions):"]
    for o in odds:
        lines.append(
            f"  gate {o.gate} {o.name}: {share(o.probability)} to pass "
            f"(90% interval {share(o.low)} to {share(o.high)}; {o.passed} passed, "
            f"{o.stopped} stopped)"
        )
    if coverage["measured"]:
        lines.append(
            f"Ranges: {coverage['inside']} of {coverage['measured']} measured inputs fell inside "
            f"their planned P10-P90 ({share(coverage['share_inside'])}; 80% if the ranges are "
            "honest)"
        )
    else:
        lines.append("Ranges: no measured input had a planned range yet.")
    return "\n".join(lines)


__all__ = ["KILL_FIRED", "calibration_text", "history_text", "track_text"]
