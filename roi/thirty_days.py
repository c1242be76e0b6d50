"""The 30-day plan: a scenario's open readiness items as the articles' four weeks.

Week 1 audits the five structural gaps; week 2 closes versioning and a fallback; week 3
observability and the day-one dashboard; week 4 is a governance sprint, with the
production readiness review and the production owner when a Go still needs them. Each
step has an owner (the answer's, else the checklist's) and the dates of its week. The
weeks and the items they close are in ``roi/data/thirty_days.yaml``.

`thirty_day_plan` is pure; `plan_csv` and `plan_ics` render it (`roi plan` writes them).
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
import hashlib
import io
from dataclasses import dataclass
from importlib import resources
from typing import Any

import yaml

from roi.gates import GOVERNANCE_CHECKLIST, load_checklists, readiness_status, review_roles
from roi.scenario import Scenario

PLAN_COLUMNS = ("week", "theme", "starts", "due", "step", "owner", "item")
"""The columns of plan.csv, in order."""


@dataclass(frozen=True)
class PlanWeek:
    week: int
    name: str
    does: str
    verb: str
    items: tuple[str, ...]  # item ids, or a checklist id for all its items


@dataclass(frozen=True)
class PlanStep:
    """One thing to do: in which week, from when to when, who owns it, which item."""

    week: int
    theme: str
    starts: dt.date
    due: dt.date
    step: str
    owner: str
    item: str  # the readiness item it closes ("" for the review and the owner)

    def row(self) -> dict[str, str]:
        return {
            "week": str(self.week),
            "theme": self.theme,
            "starts": self.starts.isoformat(),
            "due": self.due.isoformat(),
            "step": self.step,
            "owner": self.owner,
            "item": self.item,
        }


@dataclass(frozen=True)
class ThirtyDayPlan:
    scenario: str
    starts: dt.date
    weeks: tuple[PlanWeek, ...]
    steps: tuple[PlanStep, ...]

    @property
    def ends(self) -> dt.date:
        """The fourth week's Friday, when its last steps are due."""
        return self.starts + dt.timedelta(days=25)


@functools.cache
def plan_weeks() -> tuple[PlanWeek, ...]:
    """The four weeks, as `roi/data/thirty_days.yaml` gives them."""
    text = resources.files("roi").joinpath("data/thirty_days.yaml").read_text(encoding="utf-8")
    return tuple(
        PlanWeek(
            week=int(w["week"]),
            name=str(w["name"]),
            does=" ".join(str(w["does"]).split()),
            verb=str(w["verb"]),
            items=tuple(w["items"]),
        )
        for w in yaml.safe_load(text)["weeks"]
    )


def plan_start(scenario: Scenario, today: dt.date) -> dt.date:
    """The Monday the plan starts: the scenario's start date when it has one, else the
    Monday on or after `today`."""
    day = scenario.start_date or today
    return day + dt.timedelta(days=(7 - day.weekday()) % 7)


def thirty_day_plan(scenario: Scenario, starts: dt.date) -> ThirtyDayPlan:
    """The scenario's open items as the four weeks' steps, from `starts` (a Monday).

    Week k runs from `starts` + 7(k - 1) days to its Friday. An item named by two weeks
    is audited in week 1 and closed in the later week; a step's owner is the answer's,
    else the item's usual owner.

    >>> from roi.resources import EXAMPLE_SCENARIO
    >>> from roi.files import load_scenario
    >>> plan = thirty_day_plan(load_scenario(EXAMPLE_SCENARIO), dt.date(2027, 1, 4))
    >>> [s.week for s in plan.steps][:3], plan.steps[0].due.isoformat()
    ([1, 1, 1], '2027-01-08')
    """
    if starts.weekday() != 0:
        raise ValueError(f"a plan starts on a Monday: {starts.isoformat()} is not one")
    checklists = load_checklists(scenario.checklists)
    status = readiness_status(scenario)
    open_items = {
        item.item.id: item
        for checklist in status.checklists
        for item in checklist.items
        if item.status == "open"
    }
    steps: list[PlanStep] = []
    for week in plan_weeks():
        first = starts + dt.timedelta(days=7 * (week.week - 1))
        due = first + dt.timedelta(days=4)
        ids: list[str] = []
        for name in week.items:
            if any(c.id == name for c in checklists.checklists):
                ids += [i.id for i in checklists.checklist(name).items]
            else:
                ids.append(name)
        for item_id in dict.fromkeys(ids):
            answer = open_items.get(item_id)
            if answer is None:
                continue
            owner = answer.owner or answer.item.owner or "unassigned"
            what = (
                f"Run the governance checkpoint: {answer.item.text}"
                if answer.checklist_id == GOVERNANCE_CHECKLIST
                else f"{week.verb}: {answer.item.text}"
            )
            steps.append(PlanStep(week.week, week.name, first, due, what, owner, item_id))
        if week.week == 4:
            steps += _governance_steps(scenario, week, first, due)
    return ThirtyDayPlan(
        scenario=scenario.name, starts=starts, weeks=plan_weeks(), steps=tuple(steps)
    )


def _governance_steps(
    scenario: Scenario, week: PlanWeek, first: dt.date, due: dt.date
) -> list[PlanStep]:
    """The readiness review's missing sign-offs and a missing production owner: what a
    Go still needs, in the governance sprint."""
    steps = []
    roles = review_roles(scenario.review_sign_offs, scenario.checklists)
    missing = [role for role, signed in roles if signed is None]
    if missing:
        steps.append(
            PlanStep(
                week.week,
                week.name,
                first,
                due,
                "Hold the production readiness review; sign-offs still needed: "
                + ", ".join(role.lower() for role in missing),
                ", ".join(missing),
                "",
            )
        )
    if scenario.production_owner is None:
        steps.append(
            PlanStep(
                week.week,
                week.name,
                first,
                due,
                "Name the production owner, with the mandate and budget to run it",
                scenario.decider or "the decider",
                "",
            )
        )
    return steps


def plan_text(plan: ThirtyDayPlan) -> str:
    """The plan as `roi plan` prints it: each week with its dates, then its steps."""
    lines = [
        f"30-day plan for {plan.scenario}: {plan.starts:%a %d %b %Y} to {plan.ends:%a %d %b %Y}"
    ]
    for week in plan.weeks:
        first = plan.starts + dt.timedelta(days=7 * (week.week - 1))
        lines += [
            "",
            f"Week {week.week} ({first:%d %b} to {first + dt.timedelta(days=4):%d %b}): "
            f"{week.name}",
            f"  {week.does}",
        ]
        steps = [s for s in plan.steps if s.week == week.week]
        lines += [f"  - {s.step} (owner: {s.owner})" for s in steps] or ["  - Nothing open."]
    return "\n".join(lines) + "\n"


def plan_csv(plan: ThirtyDayPlan) -> str:
    """plan.csv: one row per step (`PLAN_COLUMNS`)."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=PLAN_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for step in plan.steps:
        writer.writerow(step.row())
    return out.getvalue()


def plan_ics(plan: ThirtyDayPlan) -> bytes:
    """plan.ics: an iCalendar file (RFC 5545) with one all-day event per step, over the
    working days of its week, for a leader to import. Reproducible: each event's UID is
    a digest of the scenario, the week and the step, and its stamp is the plan's start."""
    from icalendar import Calendar, Event

    calendar = Calendar()
    calendar.add("prodid", "-//roi//30-day plan//EN")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", f"30-day plan: {plan.scenario}")
    stamp = dt.datetime.combine(plan.starts, dt.time(0, 0), tzinfo=dt.UTC)
    for step in plan.steps:
        event = Event()
        digest = hashlib.sha256(
            f"{plan.scenario}\n{plan.starts}\n{step.week}\n{step.step}".encode()
        ).hexdigest()[:24]
        event.add("uid", f"{digest}@roi")
        event.add("dtstamp", stamp)
        event.add("summary", f"Week {step.week}: {step.step}")
        event.add("dtstart", step.starts)
        event.add("dtend", step.due + dt.timedelta(days=1))  # all-day: the end is exclusive
        event.add(
            "description",
            f"{step.theme}. Owner: {step.owner}" + (f". Item: {step.item}" if step.item else ""),
        )
        calendar.add_component(event)
    return calendar.to_ical()


def plan_json(plan: ThirtyDayPlan) -> dict[str, Any]:
    return {
        "scenario": plan.scenario,
        "starts": plan.starts.isoformat(),
        "ends": plan.ends.isoformat(),
        "steps": [s.row() for s in plan.steps],
    }
