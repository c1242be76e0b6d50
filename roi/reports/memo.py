"""The decision memo: one scenario's numbers, decision and readiness as HTML, Markdown or PDF.

The memo is built from a plain dict (`memo_context`) that holds every number as a value
and as the text the reader sees, so a test can check one against the other. Templates
are Jinja2 files in ``templates/memo/`` (a user may pass their own): HTML is rendered
with autoescape on; Markdown escapes user text itself (`md_escape`). Charts come from
`roi.reports.charts`; HTML embeds plotly.js once and stays interactive and offline; Markdown
gets static SVG images drawn by the same plotly.js in headless Chromium; PDF is the HTML
printed by headless Chromium.

Reproducible: the footer's input hash covers the scenario, the checklists in force,
the decision rule, the sample count and the seed, not the date or the version; pass
`date=` (or set SOURCE_DATE_EPOCH) and the same inputs give a byte-identical memo.
"""

from __future__ import annotations

import base64
import contextlib
import datetime as _dt
import functools
import hashlib
import json
import math
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Literal

import jinja2
from markupsafe import Markup

from roi._version import __version__
from roi.amounts import PERCENT_UNITS
from roi.ask import decision_ask, glossary
from roi.assess import Assessment
from roi.decision import CONDITIONAL, NO_GO, OUTCOME_CSS, SEVERITY, Decision, DecisionRule
from roi.evaluate import Results
from roi.exceptions import OutputError
from roi.files import write_text_atomic
from roi.formatting import md_escape, money, months, number_text, percent, safe_stem, share
from roi.gates import Checklists, Readiness, next_gate
from roi.presentation import Figure, Presentation, one_time_figure, present
from roi.priors import robustness_sentence
from roi.reports import FORMATS
from roi.reports.chromium import BrowserError, browser_or_new, chromium
from roi.resources import TEMPLATES
from roi.scenario import EXTRA_FIELDS, FIELD_SPECS, NUMERIC_FIELDS, Range, Scenario
from roi.tracking import Tracking
from roi.uncertainty import Simulation, uncertain_fields

TEMPLATE_DIR = TEMPLATES / "memo"
PAPERS: dict[str, tuple[float, float]] = {"A4": (210.0, 297.0), "Letter": (215.9, 279.4)}
MARGIN_MM = 12.0
CHARTS_DRAWN = """(count) => Array.from(document.querySelectorAll('.plotly-graph-div'))
    .filter((div) => div.querySelector('.main-svg .trace')).length >= count"""
"""JavaScript: true once `count` plotly charts have drawn their plot area."""


class MemoError(BrowserError):
    """A memo could not be made: a template, an output folder or the browser failed."""


# --- text for readers ---------------------------------------------------------------------


def input_text(field: str, value: float) -> str:
    """An input value as the memo shows it: money, a percentage or a number with its unit.

    >>> input_text("hourly_rate", 55), input_text("discount_rate", 0.1), input_text("users", 200)
    ('$55/h', '10% a year', '200 people')
    """
    unit = FIELD_SPECS[field].unit
    if unit in PERCENT_UNITS:  # a fraction shown as a percent
        shown = percent(value * 100, 0 if round(value * 100, 6).is_integer() else 1)
        return shown + (" a year" if unit == "per year" else "")
    if unit.startswith("$"):
        return money(value, 0 if abs(value) >= 100 or float(value).is_integer() else 2) + unit[1:]
    return f"{number_text(value)} {unit}"


def _memo_date(date: _dt.date | str | None) -> _dt.date:
    """The date the memo shows: the one given, else SOURCE_DATE_EPOCH, else today (UTC)."""
    if isinstance(date, _dt.date):
        return date
    if isinstance(date, str):
        try:
            return _dt.date.fromisoformat(date)
        except ValueError:
            raise MemoError(f"date must look like 2026-01-31: got {date!r}") from None
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch:
        try:
            return _dt.datetime.fromtimestamp(int(epoch), _dt.UTC).date()
        except (ValueError, OverflowError, OSError):  # not a number, or past year 9999
            raise MemoError(
                f"SOURCE_DATE_EPOCH must be whole seconds since 1970 (before year 10000): "
                f"got {epoch!r}"
            ) from None
    return _dt.datetime.now(_dt.UTC).date()


def input_hash(
    scenario: Scenario, samples: int, seed: int, checklists: Checklists, rule: DecisionRule
) -> str:
    """SHA-256 over everything the memo's numbers and decision depend on.

    The checklists enter by content (not by file path), so the same files on another
    machine give the same hash; the date and the roi version are not inputs.
    """
    data = scenario.to_dict()
    data.pop("checklists", None)
    payload = {
        "scenario": data,
        "samples": int(samples),
        "seed": int(seed),
        "checklists": checklists.fingerprint,
        "rule": rule.to_dict(),
    }
    text = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


# --- the context ---------------------------------------------------------------------------


def _fmt(kind: str, value: float | None) -> str:
    return money(value) if kind == "money" else months(value)


def _headline(assessment: Assessment) -> list[dict[str, Any]]:
    """The headline numbers exactly as the assessment states them (Assessment.headlines)."""
    rows = []
    for h in (*assessment.headlines(), assessment.headline("time_to_value_months")):
        simulated = h.basis == "P50"
        p50 = h.value if simulated else None
        rows.append(
            {
                "key": h.key,
                "label": h.label,
                "definition": h.definition,
                "kind": h.kind,
                "basis": h.basis,
                "value": h.value,
                "value_text": _fmt(h.kind, h.value),
                "likely": h.likely,
                "likely_text": _fmt(h.kind, h.likely),
                "p10": h.p10,
                "p50": p50,
                "p90": h.p90,
                # No simulation, no percentiles: "n/a", never "never".
                "p10_text": _fmt(h.kind, h.p10) if simulated else "n/a",
                "p50_text": _fmt(h.kind, p50) if simulated else "n/a",
                "p90_text": _fmt(h.kind, h.p90) if simulated else "n/a",
                "simulated": simulated,
                # A range only where something is uncertain: P10 = P90 says nothing.
                "spread": simulated and _fmt(h.kind, h.p10) != _fmt(h.kind, h.p90),
            }
        )
    return rows


def _ask(assessment: Assessment, on: _dt.date) -> dict[str, Any]:
    """What the memo asks a leader for (roi.ask's decision record), with the one-time
    budget, the running cost and when the plan goes live."""
    results = assessment.results
    timeline = results.timeline
    record = decision_ask(assessment, on)
    weeks = f"{timeline.likely_weeks:.0f} weeks"
    spread = f"{timeline.min_weeks:.0f}-{timeline.max_weeks:.0f}"
    if timeline.go_live_date is not None:
        go_live = f"{timeline.go_live_date:%d %B %Y}, {weeks} after the start ({spread} weeks)"
    else:
        go_live = f"week {timeline.likely_weeks:.0f} after the decision ({spread} weeks)"
    ttv = results.time_to_value_months
    earned = (
        f"the one-time cost is earned back {months(ttv)} after the decision"
        if ttv is not None and math.isfinite(ttv)
        else "the one-time cost is not earned back within the horizon"
    )
    return {
        "title": record.title,
        "request": record.request,
        "heading": record.heading,
        "budget_label": record.budget_label,
        "plan_label": record.plan_label,
        "decider": record.decider,
        "decide_by": record.decide_by,
        "next_gate": record.next_gate,
        "alternatives": [
            {
                "name": alt.name,
                "value": alt.value,
                "value_text": alt.value_text,
                "detail": alt.detail,
                "chosen": alt.chosen,
            }
            for alt in record.alternatives
        ],
        "steps": [
            {
                "due": step.due.isoformat(),
                "due_text": step.due_text,
                "what": step.what,
                "owner": step.owner,
            }
            for step in record.steps
        ],
        "budget": results.one_time_cost,
        "budget_text": money(results.one_time_cost),
        "budget_detail": one_time_figure(assessment).definition,
        "running_text": money(results.running_costs),
        "team": [{"role": role, "weeks": w} for role, w in record.team],
        "team_text": record.team_text,
        "team_weeks_text": weeks,
        "sign_offs_text": ", ".join(record.sign_offs),
        "go_live_text": go_live,
        "earned_back_text": earned,
        "time_to_value_text": months(ttv),
    }


UNLESS_GIVEN = EXTRA_FIELDS
"""Inputs the assumptions table lists only when the scenario gives them (not at their
defaults): a scenario without fallbacks, benefit kinds or unit economics reads as it did
before they existed."""


def _assumptions(scenario: Scenario) -> list[dict[str, Any]]:
    rows = []
    for field in NUMERIC_FIELDS:
        spec = FIELD_SPECS[field]
        value = getattr(scenario, field)
        if field in UNLESS_GIVEN and value == spec.default:
            continue
        is_range = isinstance(value, Range) and not value.is_point
        likely = scenario.value(field)
        label = spec.label
        if field == "model_cost_annual" and scenario.priced_per_request:
            label += " (fixed part; requests priced below)"
        rows.append(
            {
                "field": field,
                "label": label,
                "group": spec.group,
                "likely": likely,
                "likely_text": input_text(field, likely),
                "low": value.low if is_range else None,
                "high": value.high if is_range else None,
                "range_text": (
                    f"{input_text(field, value.low)} to {input_text(field, value.high)}"
                    if is_range
                    else "fixed"
                ),
                "distribution": value.distribution if is_range else "",
                "note": scenario.notes.get(field, ""),
            }
        )
    return rows


def _with_break_even(
    assumptions: list[dict[str, Any]], break_even: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """Each assumption with its break-even row (None for an input that has none)."""
    by_field = {row["field"]: row for row in break_even}
    return [{**row, "break_even": by_field.get(row["field"])} for row in assumptions]


def _figure_row(f: Figure) -> dict[str, str]:
    """One figure of roi.presentation as a table row: its value, basis, P10-P90 and what
    it is."""
    return {
        "key": f.key,
        "label": f.label,
        "value": f.text,
        "basis": f.basis,
        "spread": f.spread_text,
        "definition": f.definition,
    }


def _figures(shown: Presentation) -> list[dict[str, str]]:
    """The named details: other paybacks, NPV at go-live, IRR, both ROIs, cost of delay,
    then the reconciliation to the risk-adjusted value."""
    return [_figure_row(f) for f in (*shown.details, *shown.reconciliation)]


def _value_by_kind(shown: Presentation) -> list[dict[str, str]]:
    """The year's benefits by kind, then the model's cost per 1,000 inferences, each with
    its P10-P90 where simulated."""
    unit = () if shown.unit_cost is None else (shown.unit_cost,)
    return [_figure_row(f) for f in (*shown.benefits, *unit)]


def _plan_settings(assessment: Assessment) -> list[dict[str, str]]:
    scenario, results = assessment.scenario, assessment.results
    t = results.timeline
    low, high = t.plan_profile.weeks
    rows = [
        {
            "label": "Plan profile",
            "value": f"{t.plan_profile.name} ({number_text(low, 1)}-"
            f"{number_text(high, 1)} weeks, audit past {number_text(t.audit_past_weeks, 1)})",
        },
        {"label": "Governance checkpoints", "value": t.governance},
        {
            "label": "Production plan",
            "value": f"{number_text(t.min_weeks, 1)} to "
            f"{number_text(t.max_weeks, 1)} weeks, likely {number_text(t.likely_weeks, 1)}",
        },
    ]
    if scenario.poc_weeks is not None:
        rows.append({"label": "PoC duration", "value": f"{number_text(t.poc_weeks, 1)} weeks"})
    if scenario.start_date is not None:
        rows.append({"label": "Start date", "value": scenario.start_date.isoformat()})
    if t.go_live_date is not None:
        rows.append({"label": "Likely go-live", "value": t.go_live_date.isoformat()})
    for phase, weeks in scenario.phase_weeks.items():
        shown = (
            f"{number_text(weeks.low, 1)} to {number_text(weeks.high, 1)} weeks"
            if isinstance(weeks, Range)
            else f"{number_text(weeks, 1)} weeks"
        )
        rows.append({"label": f"Phase {phase}", "value": shown})
    for c in getattr(scenario, "correlations", ()):
        rows.append(
            {"label": f"Correlation {c.between[0]} ~ {c.between[1]}", "value": number_text(c.rho)}
        )
    return rows


WHOLE_UNIT_FIELDS = ("users", "workdays_per_year")
"""Inputs counted in whole units (people, days): a break-even is shown rounded to the
whole unit on its safe side (at least 43.08 people is at least 44)."""


def shown_break_even(field: str, value: float, direction: str) -> float:
    """A break-even value as the memo states it: whole people and days rounded toward
    the safe side, other inputs as they are.

    >>> shown_break_even("users", 43.08, "at least"), shown_break_even("users", 43.9, "at most")
    (44, 43)
    >>> shown_break_even("hourly_rate", 11.85, "at least")
    11.85
    """
    if field not in WHOLE_UNIT_FIELDS:
        return value
    nearest = round(value)
    if abs(value - nearest) < 1e-9:
        return nearest
    return math.ceil(value) if direction == "at least" else math.floor(value)


def _break_even(results: Results) -> list[dict[str, Any]]:
    rows = []
    for row in results.break_even:
        shown = (
            None
            if row.value is None
            else shown_break_even(row.field, row.value, row.direction or "")
        )
        rows.append(
            {
                "field": row.field,
                "label": row.label,
                "likely": row.likely,
                "likely_text": input_text(row.field, row.likely),
                "break_even": row.value,
                "break_even_text": input_text(row.field, shown) if shown is not None else "none",
                "direction": row.direction,
                "change_pct": row.change_pct,
                # A change from a likely 0 has no percent: "n/a" beside a break-even.
                "change_text": (
                    f"{row.change_pct:+,.0f}%"
                    if row.change_pct is not None
                    else ("n/a" if row.value is not None else "")
                ),
                "note": row.note,
            }
        )
    return rows


def _readiness(readiness: Readiness, gate: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Checklist counts, and the open items of the checklists due by the next gate
    (`blocks_next`); later gates' open items are counted (`later_open`), not listed."""
    level = readiness.maturity
    due = None if gate is None else gate["number"]
    definition = readiness.definitions.maturity[level - 1]
    following = (
        readiness.definitions.maturity[level]
        if level < len(readiness.definitions.maturity)
        else None
    )
    out: dict[str, Any] = {
        "assessed": readiness.assessed,
        "maturity": {
            "level": level,
            "name": definition.name,
            "description": definition.description,
            "next": None
            if following is None
            else {
                "level": following.level,
                "name": following.name,
                "requires": [
                    readiness.definitions.items[i][1].text
                    for i in following.requires
                    if readiness.status(i) == "open"
                ],
            },
        },
        "checklists": [
            {
                "id": status.checklist.id,
                "name": status.checklist.name,
                "gate": status.gate,
                "total": len(status.items),
                "done": status.done,
                "open": status.open,
                "not_applicable": status.not_applicable,
                "unanswered": status.unanswered,
                "complete": status.complete,
                "open_items": [
                    {
                        "id": i.item.id,
                        "text": i.item.text,
                        "owner": i.owner or "unassigned",
                        "note": i.note,
                        "answered": i.answered,
                    }
                    for i in status.open_items
                ],
            }
            for status in readiness.checklists
        ],
    }
    for checklist in out["checklists"]:
        checklist["blocks_next"] = (
            due is None or checklist["gate"] is None or (checklist["gate"] <= due)
        )
    out["later_open"] = sum(len(c["open_items"]) for c in out["checklists"]) - (
        0 if gate is None else len(gate["open_items"])
    )
    return out


def _risks(
    scenario: Scenario,
    results: Results,
    simulation: Simulation | None,
    readiness: Readiness,
    decision: Decision,
) -> list[str]:
    risks = list(results.timeline.warnings)
    if simulation is not None:
        never = float(simulation.prob_never_pays_back)
        if never > 0:
            risks.append(f"{share(never)} of simulated outcomes never pay back.")
        miss = 1 - float(simulation.prob_meets_threshold)
        if miss > 0:
            threshold = scenario.value("payback_threshold_months")
            risks.append(
                f"{share(miss)} of simulated outcomes miss the {threshold:g}-month payback "
                "threshold."
            )
    unsourced = [
        FIELD_SPECS[f].label.lower() for f in scenario.ranges() if not scenario.notes.get(f)
    ]
    if unsourced:
        risks.append("Uncertain inputs without a source note: " + ", ".join(unsourced) + ".")
    gaps = (
        readiness.checklist("structural_gaps").open_items
        if any(s.checklist.id == "structural_gaps" for s in readiness.checklists)
        else ()
    )
    if gaps:  # one line: each gap is also an open item of its checklist
        texts = "; ".join(gap.item.text.rstrip(".") for gap in gaps)
        risks.append(f"Structural gaps open ({len(gaps)}): {texts}.")
    if not readiness.assessed:
        risks.append("Readiness has not been assessed: no checklist item is answered.")
    if results.roi_pct is not None and results.roi_pct < 0:
        risks.append(f"ROI over the horizon is {percent(results.roi_pct)}.")
    if decision.outcome == NO_GO and not risks:
        risks.append("The numbers do not support production as planned.")
    return risks


def _next_gate(readiness: Readiness) -> dict[str, Any] | None:
    found = next_gate(readiness)
    if found.gate is None:
        return None
    gate = found.gate
    return {
        "number": gate.number,
        "name": gate.name,
        "purpose": gate.purpose,
        "timebox": gate.timebox,
        "exit_criteria": list(gate.exit_criteria),
        "artifacts": list(gate.artifacts),
        "pitfall": gate.pitfall,
        "open_items": [
            {"text": i.item.text, "owner": i.owner or "unassigned", "note": i.note}
            for i in found.open_items
        ],
        "passed": list(found.passed),
    }


def _evidence(assessment: Assessment) -> dict[str, Any]:
    """Success criteria, the measurement plan and the odds by gate, as the memo shows them."""
    e = assessment.evidence

    def odds(p: float | None) -> str:
        return "" if p is None else share(p)

    return {
        "criteria": [
            {
                "name": c.name,
                "status": c.status,
                "direction": "higher is better"
                if c.criterion.higher_is_better
                else "lower is better",
                "measured_text": c.text(c.measured)
                + (
                    ""
                    if c.criterion_range is None
                    else f" ({c.text(c.criterion_range[0])} to {c.text(c.criterion_range[1])})"
                ),
                "target_text": c.text(c.criterion.target),
                "minimum_text": c.text(c.criterion.minimum),
                "prob_meets_text": odds(c.prob_meets_target),
                "prob_misses_text": odds(c.prob_misses_minimum),
                "source": c.criterion.source,
                "sentence": c.sentence,
            }
            for c in e.criteria
        ],
        "poc_flags": list(e.poc_flags),
        "plan_sentence": e.plan_sentence(),
        "item_prices_sentence": e.item_prices_sentence(),
        "robustness": robustness_sentence(e),
        "evpi_text": None if e.evpi is None else money(e.evpi),
        "plan": [
            {"label": item.label, "value_text": money(item.evppi)}
            for item in e.plan()[:6]
            if item.evppi > 0
        ],
        "gates": [
            {
                "number": g.number,
                "name": g.name,
                "probability_text": share(g.probability),
                "source": "this scenario" if g.source == "scenario" else "default",
                "reach_text": share(g.prob_reach),
                "spend_text": money(g.spend),
                "kill_text": odds(g.kill_probability),
                "checks": g.checks,
            }
            for g in e.gates
        ],
        "risk_adjusted_npv_text": money(e.risk_adjusted_npv),
        "expected_value_text": money(e.expected_value),
        "expected_commercial_value_text": money(e.expected_commercial_value),
    }


def tracking_context(tracking: Tracking) -> dict[str, Any]:
    """The plan against the actuals (roi.tracking) as the memo's page shows it."""
    headline = [
        {
            "label": row["label"],
            "planned_text": _fmt(row["kind"], row["planned"]),
            "reforecast_text": _fmt(row["kind"], row["reforecast"]),
        }
        for row in tracking.headline_rows()
    ]
    inputs = [
        {
            "field": i.field,
            "label": i.label,
            "planned_text": input_text(i.field, i.planned),
            "latest_text": input_text(i.field, i.latest),
            "measured_on": i.measured_on.isoformat(),
            "count": i.count,
            "change_text": "" if i.change_pct is None else f"{i.change_pct:+.0f}%",
            "kill_text": ""
            if i.kill_line is None
            else f"{i.direction} {input_text(i.field, i.kill_line)}",
            "fired": i.fired,
        }
        for i in tracking.inputs
    ]
    return {
        "decision_planned": tracking.planned.outcome,
        "decision_now": tracking.reforecast.outcome,
        "headline": headline,
        "inputs": inputs,
        "fired": list(tracking.fired),
    }


def _thirty_days(assessment: Assessment, today: _dt.date) -> list[dict[str, Any]]:
    """The 30-day plan (`roi plan`) as the memo lists it: each week with its dates and
    its steps, each with its owner (a week with nothing open says so)."""
    from roi.thirty_days import plan_start, thirty_day_plan

    plan = thirty_day_plan(assessment.scenario, plan_start(assessment.scenario, today))
    weeks = []
    for week in plan.weeks:
        first = plan.starts + _dt.timedelta(days=7 * (week.week - 1))
        weeks.append(
            {
                "week": week.week,
                "name": week.name,
                "dates": f"{first:%d %b} to {first + _dt.timedelta(days=4):%d %b %Y}",
                "steps": [f"{s.step} ({s.owner})" for s in plan.steps if s.week == week.week],
            }
        )
    return weeks


def memo_context(
    assessment: Assessment,
    *,
    date: _dt.date | str | None = None,
    tracking: Tracking | None = None,
) -> dict[str, Any]:
    """Everything the memo says about an assessment, as plain data: each number as a value
    and as text. The memo presents the assessment; it decides nothing itself. With
    `tracking` (roi.tracking) the memo gains a page: the plan against the actuals."""
    scenario = assessment.scenario
    results = assessment.results
    simulation = assessment.simulation
    status = assessment.readiness
    decision = assessment.decision
    shown = present(assessment)
    samples = 0 if simulation is None else int(simulation.samples)
    seed = 0 if simulation is None else int(simulation.seed)
    threshold = scenario.value("payback_threshold_months")
    probability = assessment.prob_meets_threshold
    gate = _next_gate(status)
    ask = _ask(assessment, _memo_date(date))
    evidence = _evidence(assessment)
    risks = _risks(scenario, results, simulation, status, decision)
    headline = _headline(assessment)
    # Page 1's words, so each term it uses is glossed there (roi.ask.GLOSSARY).
    page_one = " ".join(
        [
            decision.main_reason,
            ask["request"],
            ask["next_gate"],
            *(f"{alt['detail']} {alt['name']}" for alt in ask["alternatives"]),
            *(step["what"] for step in ask["steps"]),
            *(risks[:1] if decision.outcome != CONDITIONAL else []),
            "P50 P10-P90" if simulation is not None else "",
            *(h["label"] + " " + h["definition"] for h in headline),
            "kill line" if evidence["criteria"] else "",
            evidence["plan_sentence"],
            "risk-adjusted NPV",
        ]
    )
    return {
        "tracking": None if tracking is None else tracking_context(tracking),
        "initiative": {"name": scenario.name, "description": scenario.description},
        "decision": {
            "outcome": decision.outcome,
            "css": OUTCOME_CSS[decision.outcome],
            "reasons": list(decision.reasons),
            # Failures first, the order `Decision.reasons` uses.
            "checks": [
                {"name": c.name, "verdict": c.verdict, "reason": c.reason}
                for c in sorted(decision.checks, key=lambda c: -SEVERITY[c.verdict])
            ],
            "conditions": list(decision.conditions),
            "kill_criteria": list(decision.kill_criteria),
            "basis": decision.basis,
            "confidence": decision.rule.confidence,
            "confidence_text": share(decision.rule.confidence),
        },
        "headline": headline,
        "why": decision.main_reason,
        "ask": ask,
        "glossary": [{"term": t, "gloss": g} for t, g in glossary(page_one)],
        "probability": {
            "value": probability,
            "text": share(probability),
            "threshold_months": threshold,
            "threshold_text": f"{threshold:g} months",
        },
        "results": {
            "monthly_net_impact": results.monthly_net_impact,
            "monthly_net_impact_text": money(results.monthly_net_impact),
            "one_time_cost": results.one_time_cost,
            "one_time_cost_text": money(results.one_time_cost),
            "roi_pct": results.roi_pct,
            "roi_pct_text": percent(results.roi_pct),
            "payback_month_with_ramp": results.payback_month_with_ramp,
            "horizon_months": scenario.value("horizon_months"),
        },
        "evidence": evidence,
        "assumptions": _with_break_even(_assumptions(scenario), _break_even(results)),
        "uncertain_inputs": [FIELD_SPECS[f].label for f in uncertain_fields(scenario)],
        "plan": _plan_settings(assessment),
        "figures": _figures(shown),
        "value_by_kind": _value_by_kind(shown),
        "break_even": _break_even(results),
        "readiness": _readiness(status, gate),
        "risks": risks,
        "next_gate": gate,
        "thirty_days": _thirty_days(assessment, _memo_date(date)),
        "timeline": {
            "min_weeks": results.timeline.min_weeks,
            "likely_weeks": results.timeline.likely_weeks,
            "max_weeks": results.timeline.max_weeks,
            "audit_past_weeks": results.timeline.audit_past_weeks,
            "warnings": list(results.timeline.warnings),
        },
        "footer": {
            "version": __version__,
            "date": _memo_date(date).isoformat(),
            "seed": seed,
            "samples": samples,
            "samples_text": f"{samples:,}",
            "input_hash": input_hash(scenario, samples, seed, assessment.checklists, decision.rule),
        },
    }


# --- charts --------------------------------------------------------------------------------

CHARTS = (
    (
        "cash_flow",
        "Cash flow and payback",
        "Cumulative cash from go-live at the likely values; payback is where it crosses zero.",
    ),
    (
        "payback_distribution",
        "Payback distribution",
        "Payback months over the simulated outcomes, with the threshold.",
    ),
    (
        "tornado",
        "What moves payback most",
        "Each input from its low to its high value, the others at their likely values.",
    ),
    (
        "timeline",
        "Timeline to production",
        "Phases at likely durations from kickoff (week 0); governance checkpoints as planned.",
    ),
)


WIDE_CHARTS: tuple[str, ...] = ()
"""Charts that take the memo's full width; the rest go two a row (four on one page)."""
HALF_CHART_HEIGHT = 320


def memo_figures(assessment: Assessment) -> list[tuple]:
    """(id, title, caption, plotly Figure) for each chart of the memo, from roi.reports.charts."""
    scenario, results, simulation = assessment.scenario, assessment.results, assessment.simulation
    from roi import sensitivity
    from roi.reports import charts

    swings = sensitivity.tornado(scenario)
    # The memo titles each chart itself (the chart's own title repeats the name); half the
    # page wide, two a row: smaller type, the legend in a line on top.
    layout: dict[str, Any] = {
        "title": {"text": None},
        "height": HALF_CHART_HEIGHT,
        "font": {"size": 10},
        "margin": {"t": 50, "l": 10, "r": 10, "b": 40},
        "legend": {"orientation": "h", "x": 0, "y": 1.02, "yanchor": "bottom"},
        "yaxis": {"automargin": True},
    }
    figures = {
        "cash_flow": charts.cash_flow(results, layout),
        "payback_distribution": (
            None if simulation is None else charts.payback_histogram(simulation, layout=layout)
        ),
        # No range, no swing: an empty tornado says nothing (the memo says why instead).
        "tornado": charts.tornado(swings, layout) if len(swings) else None,
        "timeline": charts.gantt(results.timeline, layout),
    }
    return [
        (chart_id, title, caption, figures[chart_id])
        for chart_id, title, caption in CHARTS
        if figures[chart_id] is not None
    ]


def _plotly_script(plotly_js: str) -> bool | str:
    if plotly_js == "embed":
        return True
    if not plotly_js or plotly_js.strip() != plotly_js or any(c in plotly_js for c in "\"'<>"):
        raise MemoError(
            f"plotly_js must be 'embed' or a path or URL of plotly.min.js: got {plotly_js!r}"
        )
    if not plotly_js.endswith(".js"):
        raise MemoError(f"plotly_js must end in .js: got {plotly_js!r}")
    return plotly_js


def _html_charts(figures: list[tuple], plotly_js: str) -> list[dict[str, Any]]:
    include: bool | str = _plotly_script(plotly_js)
    out = []
    for chart_id, title, caption, figure in figures:
        html = figure.to_html(
            full_html=False,
            include_plotlyjs=include,
            div_id=f"chart-{chart_id}",
            config={"displaylogo": False, "responsive": True},
        )
        include = False  # the library goes with the first chart only
        out.append(
            {
                "id": chart_id,
                "title": title,
                "caption": caption,
                "html": Markup(html),
                "wide": chart_id in WIDE_CHARTS,
            }
        )
    return out


def _svg_data_uri(svg: str) -> str:
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")


def svg_images(figures: list[tuple], width: int = 760) -> dict[str, str]:
    """Each figure as SVG text, drawn by matplotlib from the same plotly Figure
    (roi.reports.static): no browser, about 0.1 s a chart."""
    from roi.reports.static import figure_svgs

    return figure_svgs(figures, width)


# --- rendering -----------------------------------------------------------------------------


@functools.lru_cache(maxsize=16)
def _jinja_environment(autoescape: bool, search: tuple[str, ...]) -> jinja2.Environment:
    """One environment per kind and search path: it keeps compiled templates (compiling
    took a third of a memo's time) and still reloads a template whose file changed."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(list(search)),
        # Explicit: select_autoescape() would not escape *.html.j2 files.
        autoescape=autoescape,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["md"] = md_escape
    env.filters["money"] = money
    env.filters["months"] = months
    return env


def _environment(fmt: str, template: str | os.PathLike[str] | None) -> jinja2.Template:
    search = [str(TEMPLATE_DIR)]
    name = f"memo.{fmt}.j2"
    if template is not None:
        path = Path(template)
        if not path.is_file():
            raise MemoError(f"template {str(path)!r} does not exist or is not a file")
        search.insert(0, str(path.resolve().parent))
        name = path.name
    env = _jinja_environment(fmt == "html", tuple(search))
    try:
        return env.get_template(name)
    except jinja2.TemplateSyntaxError as error:
        raise MemoError(
            f"template {error.filename or name} line {error.lineno}: {error.message}"
        ) from None
    except jinja2.TemplateNotFound:
        raise MemoError(f"template {name!r} not found in {search}") from None


def _render_template(template: jinja2.Template, context: Mapping[str, Any]) -> str:
    try:
        return template.render(**context)
    except jinja2.UndefinedError as error:
        raise MemoError(f"template {template.name}: {error.message}") from None


def render(
    assessment: Assessment,
    fmt: Literal["html", "md"] = "html",
    *,
    date: _dt.date | str | None = None,
    template: str | os.PathLike[str] | None = None,
    plotly_js: str = "embed",
    images: Literal["embed", "none"] | Mapping[str, str] = "embed",
    figures: list[tuple] | None = None,
    tracking: Tracking | None = None,
) -> str:
    """The memo of an assessment as HTML or Markdown text (with `tracking`, its plan
    against the actuals as well).

    HTML: `plotly_js="embed"` puts plotly.js inline once (with the first chart), so the
    file works offline; a relative path or URL of plotly.min.js links it instead.
    Markdown: `images="embed"` inlines each chart as an SVG data URI (drawn by
    matplotlib, roi.reports.static), "none" leaves charts out, and a mapping {chart id:
    link} links images written elsewhere (see `write_memos`). `figures` (from
    `memo_figures`) saves drawing them again when the caller already has them.
    """
    if fmt not in ("html", "md"):
        raise MemoError(f"format must be html or md here (PDF: render_pdf): got {fmt!r}")
    context = memo_context(assessment, date=date, tracking=tracking)
    return _render(context, assessment, fmt, template, plotly_js, images, figures)


def _render(
    context: dict[str, Any],
    assessment: Assessment,
    fmt: str,
    template: str | os.PathLike[str] | None,
    plotly_js: str,
    images: Any,
    figures: list[tuple] | None = None,
) -> str:
    compiled = _environment(fmt, template)
    if figures is None and (fmt == "html" or images != "none"):
        figures = memo_figures(assessment)
    figures = figures or []
    if fmt == "html":
        charts = _html_charts(figures, plotly_js)
    elif images == "none":
        charts = []
    else:
        if isinstance(images, Mapping):
            links = dict(images)
        elif images == "embed":
            links = {chart_id: _svg_data_uri(svg) for chart_id, svg in svg_images(figures).items()}
        else:
            raise MemoError(f"images must be 'embed', 'none' or a mapping: got {images!r}")
        charts = [
            {"id": chart_id, "title": title, "caption": caption, "src": links[chart_id]}
            for chart_id, title, caption, _ in figures
        ]
    return _render_template(compiled, {**context, "charts": charts})


def _paper(paper: str) -> tuple[float, float]:
    if paper not in PAPERS:
        raise MemoError(f"paper must be one of {', '.join(PAPERS)}: got {paper!r}")
    return PAPERS[paper]


PRINT_ORIGIN = "http://memo.roi.invalid/"
"""The address a memo is printed from: no such host exists (.invalid), and every request
is answered by roi (the page, and files from its own folder) or refused, so a template's
remote URL or file:///etc/passwd never reaches the PDF."""
_PRINT_PAGE = "memo.html"


def _print_route(route: Any, html: str, folder: Path | None) -> None:
    """Answer one request of the page being printed: the page itself, a file inside its
    folder (a shared plotly.min.js), or nothing (the request fails, as offline)."""
    from urllib.parse import unquote, urlsplit

    url = route.request.url
    if not url.startswith(PRINT_ORIGIN):
        route.abort("blockedbyclient")
        return
    name = unquote(urlsplit(url).path).lstrip("/")
    if name == _PRINT_PAGE:
        route.fulfill(status=200, content_type="text/html; charset=utf-8", body=html)
        return
    if folder is not None and name:
        target = (folder / name).resolve()
        if target.is_relative_to(folder.resolve()) and target.is_file():
            route.fulfill(path=str(target))
            return
    route.abort("blockedbyclient")


def render_pdf(
    html: str,
    paper: Literal["A4", "Letter"] = "A4",
    base_dir: str | os.PathLike | None = None,
    browser: Any = None,
) -> bytes:
    """Print memo HTML to PDF with headless Chromium, after every chart has drawn.

    The page is laid out at the paper's printable width so the charts fit it. Give
    `base_dir` when the HTML links files (a shared plotly.min.js) relative to it: only
    files inside it are served to the page, and nothing from the network or elsewhere on
    disk (a template is trusted code, but what it links is not fetched).
    """
    width_mm, _ = _paper(paper)
    width_px = round((width_mm - 2 * MARGIN_MM) / 25.4 * 96)
    charts = html.count('class="plotly-graph-div"')
    folder = Path(base_dir) if base_dir is not None else None
    with browser_or_new(browser) as running:
        context = running.new_context(
            viewport={"width": width_px, "height": 1200}, service_workers="block"
        )
        try:
            context.route("**/*", lambda route: _print_route(route, html, folder))
            context.route_web_socket("**/*", lambda ws: ws.close())
            page = context.new_page()
            page.goto(PRINT_ORIGIN + _PRINT_PAGE, wait_until="load")
            if charts:
                page.wait_for_function(CHARTS_DRAWN, arg=charts, timeout=30_000)
            page.emulate_media(media="print")
            margin = f"{MARGIN_MM:g}mm"
            return page.pdf(
                format=paper,
                print_background=True,
                margin={"top": margin, "bottom": margin, "left": margin, "right": margin},
            )
        finally:
            context.close()


def _target(out_dir: Path, stem: str, suffix: str) -> Path:
    target = (out_dir / f"{stem}.{suffix}").resolve()
    if target.parent != out_dir.resolve():
        raise MemoError(f"memo file name {stem!r} would leave {out_dir}")
    return target


def write_memos(
    assessment: Assessment,
    out_dir: str | os.PathLike[str],
    formats: Sequence[str] = ("html",),
    *,
    plotly_js: str = "embed",
    paper: Literal["A4", "Letter"] = "A4",
    date: _dt.date | str | None = None,
    template: str | os.PathLike[str] | None = None,
    md_template: str | os.PathLike[str] | None = None,
    md_images: Literal["embed", "files", "none"] = "files",
    stem: str | None = None,
    tracking: Tracking | None = None,
) -> list[Path]:
    """Write the memo in each format to out_dir, atomically; returns the paths written.

    One simulation serves every format. Names come from the scenario name (or `stem`)
    made safe: no name can leave out_dir. `template` is the HTML template (also used
    for the PDF), `md_template` the Markdown one. `md_images="files"` (the default) writes
    each chart as an SVG in `<stem>_charts/` and links it, which code hosts display (most
    strip data-URI images); "embed" inlines them as data URIs, "none" leaves them out.
    """
    unknown = [f for f in formats if f not in FORMATS]
    if unknown or not formats:
        raise MemoError(f"formats must be some of {', '.join(FORMATS)}: got {list(formats)}")
    if md_images not in ("embed", "files", "none"):
        raise MemoError(f"md_images must be embed, files or none: got {md_images!r}")
    if "pdf" in formats:
        _paper(paper)
    out = Path(out_dir)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise OutputError(out, error) from None
    stem = safe_stem(stem if stem is not None else assessment.scenario.name)
    context = memo_context(assessment, date=date, tracking=tracking)
    figures = memo_figures(assessment)
    written: list[Path] = []
    html = ""
    if "html" in formats or "pdf" in formats:
        html = _render(context, assessment, "html", template, plotly_js, "embed", figures)
    with contextlib.ExitStack() as stack:
        # Only the PDF needs Chromium; the Markdown charts are drawn by matplotlib.
        browser = stack.enter_context(chromium()) if "pdf" in formats else None
        for fmt in dict.fromkeys(formats):
            target = _target(out, stem, fmt)
            if fmt == "html":
                written.append(write_text_atomic(target, html))
            elif fmt == "pdf":
                pdf = render_pdf(html, paper, base_dir=out, browser=browser)
                written.append(write_text_atomic(target, pdf))
            else:
                images: Any = "none"
                if md_images != "none":
                    svgs = svg_images(figures)
                    images = {chart_id: _svg_data_uri(svg) for chart_id, svg in svgs.items()}
                if md_images == "files":
                    folder = _target(out, f"{stem}_charts", "d").with_suffix("")
                    for chart_id, svg in svgs.items():
                        write_text_atomic(folder / f"{chart_id}.svg", svg)
                        images[chart_id] = f"{folder.name}/{chart_id}.svg"
                text = _render(
                    context,
                    assessment,
                    "md",
                    md_template,
                    plotly_js,
                    images,
                    figures,
                )
                written.append(write_text_atomic(target, text))
    return written


def copy_plotly_js(out_dir: str | os.PathLike[str]) -> Path:
    """Write plotly.min.js once into out_dir (for memos made with plotly_js='plotly.min.js')."""
    from plotly.offline import get_plotlyjs

    target = Path(out_dir) / "plotly.min.js"
    if not target.is_file():
        write_text_atomic(target, get_plotlyjs())
    return target


__all__ = [
    "FORMATS",
    "MemoError",
    "chromium",
    "copy_plotly_js",
    "input_hash",
    "memo_context",
    "memo_figures",
    "render",
    "render_pdf",
    "write_memos",
]
