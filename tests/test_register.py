"""The register: record, history, track and calibrate give the same answers on SQLite and on
a real PostgreSQL (a throw-away cluster these tests start); migrations upgrade an older
register; concurrent writers lose nothing; a file that is not a register is a message."""

from __future__ import annotations

import itertools
import json
import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import numpy as np
import pytest
import sqlalchemy as sa
from postgres import create_database, postgres_bin, postgres_cluster

from roi.assess import assess
from roi.calibration import calibrate_gates, posterior
from roi.cli import main
from roi.exceptions import EXIT_KILL, EXIT_OK
from roi.files import load_scenario
from roi.register import Register, RegisterError, database_url, migrate
from roi.register.views import KILL_FIRED
from roi.resources import EXAMPLE_SCENARIO, SCENARIOS
from roi.tracking import Measurement, track

_names = itertools.count()


@pytest.fixture(scope="session")
def postgres():
    """A PostgreSQL cluster for the session (its base URL); CI must have it installed."""
    if postgres_bin() is None:
        if os.environ.get("CI"):
            pytest.fail("PostgreSQL is not installed: `make browser` installs it")
        pytest.skip("PostgreSQL is not installed (Debian's postgresql package)")
    with postgres_cluster() as base:
        yield base


@pytest.fixture(params=["sqlite", "postgresql"])
def db(request, tmp_path) -> str:
    """A new, empty register location on each backend."""
    if request.param == "sqlite":
        return str(tmp_path / "register.sqlite3")
    base = request.getfixturevalue("postgres")
    return create_database(base, f"roi_{next(_names)}")


def _record(register: Register, scenario, **decision) -> int:
    a = assess(scenario, samples=0)
    return register.record(a, input_hash="h", samples=0, seed=0, **decision)


def _without_times(entries):
    return [{k: v for k, v in e.to_dict().items() if k not in ("recorded_at",)} for e in entries]


def _session(db: str) -> dict:
    """Record, history, track and calibrate, as one user would: everything comparable."""
    example = load_scenario(EXAMPLE_SCENARIO)
    with Register(db) as register:
        _record(register, example, gate=2, decider="Ana Ruiz", decided_on=date(2027, 1, 5))
        later = example.evolve(build_cost=400_000)
        _record(
            register,
            later,
            gate=3,
            signoffs=[{"name": "Li Wei", "role": "Platform engineer", "date": "2027-02-01"}],
        )
        _record(register, example.evolve(name="Other", users=10), gate=2)
        register.add_actuals(
            example.name,
            [
                Measurement(date(2027, 3, 1), "users", 120.0),
                Measurement(date(2027, 4, 1), "users", 90.0),
            ],
            source="pilot.csv",
        )
        history = _without_times(register.history(example.name))
        tracking = track(
            register.latest(example.name).scenario, register.measurements(example.name)
        )
        gates = [o.to_dict() for o in calibrate_gates(register.gate_record())]
        latest = register.latest_actuals()
    return {"history": history, "track": tracking.to_dict(), "gates": gates, "latest": latest}


def test_sqlite_and_postgresql_give_identical_answers(postgres, tmp_path):
    """The same session on both backends: history, plan against actual, calibrated odds
    and the portfolio's latest actuals are equal, value for value."""
    on_sqlite = _session(str(tmp_path / "r.sqlite3"))
    on_postgres = _session(create_database(postgres, "roi_same"))
    assert on_sqlite == on_postgres
    history = on_sqlite["history"]
    assert [h["outcome"] for h in history] == ["Conditional go", "Conditional go"]
    assert history[0]["decider"] == "Ana Ruiz" and history[0]["decided_on"] == "2027-01-05"
    assert history[1]["signoffs"][0]["role"] == "Platform engineer"
    # Gate 2: the example passed (a Conditional go), 'Other' (10 users) stopped (a No-go).
    assert (on_sqlite["gates"][0]["passed"], on_sqlite["gates"][0]["stopped"]) == (1, 1)
    assert [(r["name"], r["field"], r["value"]) for r in on_sqlite["latest"]] == [
        ("Invoice triage assistant", "users", 90.0)
    ]


def test_history_says_what_changed(db):
    """Build cost 250k -> 400k: one-time cost +50%; the NPV at the decision falls."""
    example = load_scenario(EXAMPLE_SCENARIO)
    with Register(db) as register:
        _record(register, example)
        _record(register, example.evolve(build_cost=400_000))
        first, second = register.history(example.name)
    from roi.register import changes

    moved = changes(first, second)
    assert "cost +50%" in moved
    assert any(m.startswith("value -") for m in moved)
    assert second.scenario == example.evolve(build_cost=400_000)  # the inputs come back


def test_an_unknown_name_is_a_message_with_a_suggestion(db):
    with Register(db) as register:
        _record(register, load_scenario(EXAMPLE_SCENARIO))
        with pytest.raises(RegisterError, match="did you mean 'Invoice triage assistant'"):
            register.history("Invoice triage")


def test_a_register_of_the_previous_schema_is_upgraded_with_its_data(db):
    """A register at revision 0001 (before actuals), with a decision in it, opens with the
    current roi: the schema is upgraded, the decision is still there, actuals can be added."""
    engine = sa.create_engine(database_url(db))
    with engine.begin() as connection:
        migrate(connection, "0001")
        connection.execute(
            sa.text("INSERT INTO initiatives (id, name, created_at) VALUES (1, 'Old', :t)"),
            {"t": "2026-06-01T00:00:00+00:00"},
        )
        inputs = json.dumps(load_scenario(EXAMPLE_SCENARIO).evolve(name="Old").to_dict())
        connection.execute(
            sa.text(
                "INSERT INTO assessments (id, initiative_id, recorded_at, roi_version, "
                "input_hash, inputs, samples, seed, outcome, headline) VALUES "
                "(1, 1, :t, '0.0.9', 'h', :inputs, 0, 0, 'Go', :headline)"
            ),
            {"t": "2026-06-01T00:00:00+00:00", "inputs": inputs, "headline": "{}"},
        )
        connection.execute(
            sa.text(
                "INSERT INTO decisions (assessment_id, gate, outcome, signoffs) "
                "VALUES (1, 2, 'Go', '[]')"
            )
        )
        assert "actuals" not in sa.inspect(connection).get_table_names()
    engine.dispose()
    with Register(db) as register:
        (entry,) = register.history("Old")
        assert (entry.outcome, entry.roi_version, entry.gate) == ("Go", "0.0.9", 2)
        assert register.add_actuals("Old", [Measurement(date(2027, 1, 1), "users", 5)], "x") == 1
        assert register.gate_record() == {2: (1, 0)}


def test_a_register_made_by_a_newer_roi_is_refused(db):
    Register(db).close()  # a current register
    engine = sa.create_engine(database_url(db))
    with engine.begin() as connection:
        connection.execute(sa.text("UPDATE alembic_version SET version_num = '9999'"))
    engine.dispose()
    with pytest.raises(RegisterError, match="made by a newer roi"):
        Register(db)


def test_a_database_with_other_tables_is_not_a_register(db):
    engine = sa.create_engine(database_url(db))
    with engine.begin() as connection:
        connection.execute(sa.text("CREATE TABLE customers (id INTEGER)"))
    engine.dispose()
    with pytest.raises(RegisterError, match=r"not a roi register: it holds other tables"):
        Register(db)


def test_a_file_that_is_not_a_database_is_a_message(tmp_path, capsys):
    path = tmp_path / "notes.sqlite3"
    path.write_text("my notes, not a database\n", encoding="utf-8")
    assert main(["history", "x", "--db", str(path)]) == 2
    assert "is not a roi register: it is not a SQLite database" in capsys.readouterr().err
    assert path.read_text(encoding="utf-8") == "my notes, not a database\n"  # untouched


_WRITER = """
import sys
from roi.assess import assess
from roi.files import load_scenario
from roi.register import Register
from roi.resources import EXAMPLE_SCENARIO
scenario = load_scenario(EXAMPLE_SCENARIO).evolve(name=sys.argv[2])
a = assess(scenario, samples=0)
with Register(sys.argv[1]) as register:
    for _ in range(int(sys.argv[3])):
        register.record(a, input_hash="h", samples=0, seed=0, gate=2)
"""


def test_two_processes_recording_into_one_sqlite_register_lose_nothing(tmp_path):
    """Two writers at once (the first also creates the register): all 2 x 15 rows land."""
    path = tmp_path / "shared.sqlite3"
    writers = [
        subprocess.Popen([sys.executable, "-c", _WRITER, str(path), name, "15"])
        for name in ("Writer A", "Writer B")
    ]
    assert [w.wait(timeout=300) for w in writers] == [0, 0]
    with Register(path) as register:
        assert len(register.history("Writer A")) == len(register.history("Writer B")) == 15
        assert register.gate_record() == {2: (30, 0)}


# --- roi track --------------------------------------------------------------------------------


def _recorded(tmp_path) -> str:
    db = str(tmp_path / "r.sqlite3")
    assert main(["record", str(EXAMPLE_SCENARIO), "--db", db, "--samples", "0"]) == 0
    return db


def test_track_fires_a_kill_criterion_below_the_decision_basis_break_even(tmp_path, capsys):
    """The invoice starter's users kill line is 49.2 on the decision's basis (cash flow
    with the 3-month ramp; 43.1 on the simple formula): 45 measured users fire it, and
    the re-forecast payback passes 12 months, so `roi track` exits 3."""
    db = _recorded(tmp_path)
    capsys.readouterr()
    actuals = tmp_path / "pilot.csv"
    actuals.write_text("date,users\n2027-02-01,60\n2027-03-01,45\n", encoding="utf-8")
    code = main(["track", "Invoice triage assistant", str(actuals), "--db", db])
    out = capsys.readouterr().out
    assert code == EXIT_KILL
    fired = [line for line in out.splitlines() if line.startswith(KILL_FIRED)]
    assert fired[0] == (
        KILL_FIRED + "users measured 45 people on 2027-03-01, below its kill line of "
        "49.2 people (the plan assumed 200 people)"
    )
    assert any("past the 12-month threshold" in line for line in fired)


def test_track_on_plan_exits_0(tmp_path, capsys):
    db = _recorded(tmp_path)
    actuals = tmp_path / "pilot.csv"
    actuals.write_text("date,users,minutes_saved_per_task\n2027-02-01,190,4.2\n", encoding="utf-8")
    assert main(["track", "Invoice triage assistant", str(actuals), "--db", db, "--json"]) == 0
    shown = json.loads(capsys.readouterr().out.splitlines()[-1])
    assert shown["kill_criteria_fired"] == []
    users = next(i for i in shown["inputs"] if i["field"] == "users")
    assert (users["planned"], users["latest"]) == (200, 190)


def test_track_reads_actuals_like_a_scenario_and_names_bad_cells(tmp_path, capsys):
    db = _recorded(tmp_path)
    actuals = tmp_path / "pilot.csv"
    actuals.write_text('date,userz,build_cost\nsoon,5,"1,5M"\n', encoding="utf-8")
    assert main(["track", "Invoice triage assistant", str(actuals), "--db", db]) == 2
    err = capsys.readouterr().err
    assert "'userz' is not a measurable input (did you mean 'users'?)" in err


def test_at_the_kill_line_the_reforecast_payback_is_the_threshold():
    """Measuring exactly the break-even (49.24 users) gives the threshold: 12 months."""
    scenario = load_scenario(EXAMPLE_SCENARIO)
    line = next(r for r in assess(scenario, samples=0).results.break_even if r.field == "users")
    result = track(scenario, [Measurement(date(2027, 1, 1), "users", line.value)])
    assert result.reforecast.decision.payback_months == pytest.approx(12.0, rel=1e-9)
    assert not any(f.startswith("users") for f in result.fired)


# --- calibration ------------------------------------------------------------------------------


def test_calibration_recovers_the_true_gate_odds_in_at_least_85_percent_of_seeds():
    """Histories of 400 decisions at a gate whose true odds lie anywhere in 0.3-0.95: the
    reported 90% interval holds the truth in about 90% of histories. Over 200 seeds the
    share found has a standard error of about 2 points, so 85% is the stated tolerance
    (three standard errors below 90%)."""
    rng = np.random.default_rng(2026)
    held = 0
    seeds = 200
    for _ in range(seeds):
        truth = rng.uniform(0.3, 0.95)
        passed = int(rng.binomial(400, truth))
        (odds, *_) = calibrate_gates({2: (passed, 400 - passed)})
        held += odds.low <= truth <= odds.high
    assert held / seeds >= 0.85


def test_no_record_leaves_the_default_odds():
    assert posterior(0, 0)[0] == pytest.approx(0.81)
    assert [o.probability for o in calibrate_gates({})] == pytest.approx([0.81] * 3)


def test_roi_calibrate_writes_gate_odds_a_scenario_can_use(tmp_path, capsys):
    """Two No-gos at gate 2 pull its odds down; --write gives a gate_probabilities file
    that a scenario file accepts as it is."""
    db = str(tmp_path / "r.sqlite3")
    never = SCENARIOS / "invoice_triage.yaml"
    for _ in range(2):
        assert main(["record", str(never), "--db", db, "--samples", "0", "--gate", "2"]) == 0
    with Register(db) as register:
        costly = load_scenario(never).evolve(name="Costly", build_cost=5_000_000)
        for _ in range(2):
            _record(register, costly, gate=2)
    out = tmp_path / "odds.yaml"
    assert main(["calibrate", "--db", db, "--write", str(out), "--json"]) == EXIT_OK
    shown = json.loads(capsys.readouterr().out.splitlines()[-1])
    gate2 = shown["gates"][0]
    assert (gate2["passed"], gate2["stopped"]) == (2, 2)
    assert gate2["probability"] == pytest.approx((8.1 + 2) / 14)
    import yaml

    odds = yaml.safe_load(out.read_text(encoding="utf-8"))["gate_probabilities"]
    assert odds[2] == pytest.approx(gate2["probability"], abs=1e-4)
    fields = {**load_scenario(never).to_dict(), "gate_probabilities": odds}
    from roi.scenario import scenario_from_dict

    assert scenario_from_dict(fields).gate_probabilities[2] == pytest.approx(odds[2])


def test_the_register_file_is_created_on_first_use_in_the_current_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("ROI_DATABASE_URL", raising=False)
    assert main(["record", str(EXAMPLE_SCENARIO), "--samples", "0"]) == 0
    assert (tmp_path / "roi-register.sqlite3").is_file()
    monkeypatch.setenv("ROI_DATABASE_URL", str(tmp_path / "other.sqlite3"))
    assert main(["record", str(EXAMPLE_SCENARIO), "--samples", "0"]) == 0
    assert Path(tmp_path / "other.sqlite3").is_file()


def test_a_batch_records_every_finished_scenario(tmp_path, capsys):
    """roi batch --record: each scenario that ran is in the register, with the batch's
    decision and headline NPV (the summary row's)."""
    import csv

    db = str(tmp_path / "r.sqlite3")
    out = tmp_path / "out"
    code = main(
        [
            "batch",
            str(SCENARIOS / "portfolio.csv"),
            *("--no-notebooks", "--formats", "none", "--samples", "0", "--quiet"),
            *("--out", str(out), "--record", "--db", db),
        ]
    )
    assert code == 0
    assert "recorded 6 assessments in the register" in capsys.readouterr().err
    with (out / "summary.csv").open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    with Register(db) as register:
        assert sorted(register.names()) == sorted(r["name"] for r in rows)
        for row in rows:
            (entry,) = register.history(row["name"])
            assert entry.outcome == row["decision"]
            assert entry.headline["npv"]["value"] == pytest.approx(float(row["headline_npv"]))


def test_tracking_the_same_file_again_counts_nothing_twice(db):
    """A measurement on a date already measured replaces it: a file tracked twice (or
    corrected) leaves one measurement per input and date."""
    with Register(db) as register:
        _record(register, load_scenario(EXAMPLE_SCENARIO))
        seen = [Measurement(date(2027, 2, 1), "users", 60.0)]
        register.add_actuals("Invoice triage assistant", seen, "a.csv")
        register.add_actuals("Invoice triage assistant", seen, "a.csv")
        fixed = [Measurement(date(2027, 2, 1), "users", 65.0)]
        register.add_actuals("Invoice triage assistant", fixed, "b.csv")
        assert register.measurements("Invoice triage assistant") == fixed


def test_the_memo_gains_a_plan_against_actual_page(tmp_path, capsys):
    """roi track ... -o DIR: the decision's memo with the plan against the actuals, the
    fired criteria first, the same figures the command printed."""
    db = _recorded(tmp_path)
    actuals = tmp_path / "pilot.csv"
    actuals.write_text("date,users\n2027-03-01,45\n", encoding="utf-8")
    out = tmp_path / "memo"
    args = ["track", "Invoice triage assistant", str(actuals), "--db", db, "-o", str(out)]
    assert main([*args, "--format", "html", "--format", "md"]) == EXIT_KILL
    printed = capsys.readouterr().out
    page = (out / "invoice-triage-assistant.html").read_text(encoding="utf-8")
    assert '<section class="tracking appendix" id="tracking">' in page
    assert 'id="tracking-outcome">No-go<' in page
    fired = [line.removeprefix(KILL_FIRED) for line in printed.splitlines() if KILL_FIRED in line]
    import html as html_lib

    for line in fired:
        assert html_lib.escape(line) in page
    markdown = (out / "invoice-triage-assistant.md").read_text(encoding="utf-8")
    assert "## Plan against actual" in markdown and "**Kill criterion fired:**" in markdown
