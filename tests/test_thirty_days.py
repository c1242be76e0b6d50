"""`roi plan`: the 30-day plan (issue 33), golden files per starter, and an .ics file
that the `icalendar` package reads back."""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
from pathlib import Path

import icalendar
import pytest
from conftest import GO_READY

from roi.cli import main
from roi.resources import SCENARIOS
from roi.scenario import scenario_from_dict
from roi.thirty_days import PLAN_COLUMNS, plan_csv, plan_ics, plan_start, thirty_day_plan

GOLDEN = Path(__file__).parent / "golden" / "plan"
STARTERS = sorted(SCENARIOS.glob("*.yaml"))
MONDAY = "2027-01-04"
UPDATE = os.environ.get("ROI_UPDATE_GOLDEN") == "1"  # rewrite the golden files, then review


def _golden(name: str, data: bytes) -> None:
    """Byte for byte (the .ics lines end in CRLF, as RFC 5545 has them)."""
    path = GOLDEN / name
    if UPDATE:
        path.write_bytes(data)
    assert path.read_bytes() == data, f"{name} differs (ROI_UPDATE_GOLDEN=1 rewrites it)"


@pytest.mark.parametrize("path", STARTERS, ids=[p.stem for p in STARTERS])
def test_roi_plan_of_each_starter_matches_its_golden_files(path, tmp_path, capsys):
    """The printed plan, plan.csv and plan.ics of every starter from Monday 4 January
    2027, as reviewed by hand and kept in tests/golden/plan/."""
    assert main(["plan", str(path), "-o", str(tmp_path), "--start", MONDAY]) == 0
    out = capsys.readouterr().out
    printed = out[: out.index(str(tmp_path))]
    _golden(f"{path.stem}.txt", printed.encode("utf-8"))
    _golden(f"{path.stem}.csv", (tmp_path / "plan.csv").read_bytes())
    _golden(f"{path.stem}.ics", (tmp_path / "plan.ics").read_bytes())


@pytest.mark.parametrize("path", STARTERS, ids=[p.stem for p in STARTERS])
def test_the_ics_file_parses_and_matches_the_csv(path, tmp_path):
    """icalendar reads plan.ics back: one all-day event per csv row, Monday to Friday of
    its week (the end exclusive, so Saturday), with the row's step and owner."""
    assert main(["plan", str(path), "-o", str(tmp_path), "--start", MONDAY]) == 0
    calendar = icalendar.Calendar.from_ical((tmp_path / "plan.ics").read_bytes())
    events = list(calendar.walk("VEVENT"))
    rows = list(csv.DictReader(io.StringIO((tmp_path / "plan.csv").read_text("utf-8"))))
    assert len(events) == len(rows) > 0
    assert len({str(e["uid"]) for e in events}) == len(events)
    for event, row in zip(events, rows, strict=True):
        start, end = event.decoded("dtstart"), event.decoded("dtend")
        assert start == dt.date.fromisoformat(row["starts"]) and start.weekday() == 0
        assert end == dt.date.fromisoformat(row["due"]) + dt.timedelta(days=1)
        assert end.weekday() == 5
        assert str(event["summary"]) == f"Week {row['week']}: {row['step']}"
        assert f"Owner: {row['owner']}" in str(event["description"])


def test_weeks_are_dated_from_the_monday_and_only_open_items_are_planned(invoice_fields):
    """Week k runs from the plan's Monday + 7(k - 1) days to its Friday (hand-worked from
    Monday 4 Jan 2027: week 3 is 18-22 Jan). A done or n/a item is not planned; an open
    structural gap is audited in week 1 and closed in its own week; a missing review and
    owner are week 4's last steps, gone once signed and named."""
    answers = {
        "gap_versioning": "done",
        "gap_fallback": "n/a",
        "gap_observability": {"status": "open", "owner": "Ines"},
    }
    scenario = scenario_from_dict({**invoice_fields, "readiness": answers})
    plan = thirty_day_plan(scenario, dt.date(2027, 1, 4))
    week3 = [s for s in plan.steps if s.week == 3]
    assert {(s.starts, s.due) for s in week3} == {(dt.date(2027, 1, 18), dt.date(2027, 1, 22))}
    items = [(s.week, s.item) for s in plan.steps]
    assert (1, "gap_versioning") not in items and (2, "gap_fallback") not in items
    assert (1, "gap_observability") in items and (3, "gap_observability") in items
    assert [s.owner for s in plan.steps if s.item == "gap_observability"] == ["Ines", "Ines"]
    assert [s.step.split(" ")[0] for s in plan.steps if s.week == 4][-2:] == ["Hold", "Name"]
    ready = thirty_day_plan(scenario.evolve(**GO_READY), dt.date(2027, 1, 4))
    assert [s for s in ready.steps if not s.item] == []
    assert plan.ends == dt.date(2027, 1, 29)
    with pytest.raises(ValueError, match="a plan starts on a Monday"):
        thirty_day_plan(scenario, dt.date(2027, 1, 5))
    assert plan_start(scenario, dt.date(2027, 1, 5)) == dt.date(2027, 1, 11)
    assert plan_start(scenario.evolve(start_date="2027-03-01"), dt.date(2027, 1, 5)) == (
        dt.date(2027, 3, 1)
    )
    header = plan_csv(plan).splitlines()[0]
    assert header == ",".join(PLAN_COLUMNS)
    assert plan_ics(plan) == plan_ics(plan)  # reproducible, stamp and UIDs included


def test_roi_plan_keeps_an_existing_plan_and_refuses_other_input(tmp_path, capsys):
    path = STARTERS[0]
    assert main(["plan", str(path), "-o", str(tmp_path), "--start", MONDAY]) == 0
    (tmp_path / "plan.csv").write_text("edited", encoding="utf-8")
    capsys.readouterr()
    assert main(["plan", str(path), "-o", str(tmp_path), "--start", MONDAY]) == 2
    captured = capsys.readouterr()
    assert "already exist" in captured.err and captured.out == ""
    assert (tmp_path / "plan.csv").read_text(encoding="utf-8") == "edited"
    assert main(["plan", str(path), "-o", str(tmp_path), "--start", MONDAY, "--force"]) == 0
    assert (tmp_path / "plan.csv").read_text(encoding="utf-8").startswith("week,")
    with pytest.raises(SystemExit) as refused:
        main(["plan", str(path), "--start", "2027-02-30"])
    assert refused.value.code == 2


def test_the_memo_lists_the_same_weeks_and_steps(tmp_path):
    """The memo's 30-day section (HTML, Markdown) is `roi plan`'s plan from the memo's
    date: the same steps per week, each with its owner."""
    from roi.assess import assess
    from roi.files import load_scenario
    from roi.reports.memo import memo_context, write_memos

    scenario = load_scenario(STARTERS[0])
    assessment = assess(scenario, samples=0)
    context = memo_context(assessment, date="2027-01-06")  # a Wednesday: from Monday 11th
    plan = thirty_day_plan(scenario, dt.date(2027, 1, 11))
    assert context["thirty_days"][0]["dates"] == "11 Jan to 15 Jan 2027"
    for week in context["thirty_days"]:
        steps = [f"{s.step} ({s.owner})" for s in plan.steps if s.week == week["week"]]
        assert week["steps"] == steps
    [html, md] = write_memos(assessment, tmp_path, ("html", "md"), date="2027-01-06")
    text = html.read_text(encoding="utf-8")
    assert text.count('<tr data-week="') == 4 and 'id="thirty-days-print"' in text
    assert "## The next 30 days" in md.read_text(encoding="utf-8")
