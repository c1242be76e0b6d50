"""The register at scale: 10,000 initiatives with 100 actuals each (1,000,000 rows)."""

from __future__ import annotations

import json
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pandas as pd
import sqlalchemy as sa

from benchmarks.run import timed, verdict
from roi.assess import assess
from roi.files import load_scenario
from roi.register import Register, headline_record
from roi.register.store import actuals, assessments, decisions, initiatives
from roi.resources import EXAMPLE_SCENARIO

TITLE = "Register: 10,000 initiatives x 100 actuals, history and plan against actual"
INITIATIVES = 10_000
ACTUALS_EACH = 100
TARGET_SECONDS = 1.0


def _fill(register: Register) -> float:
    """Bulk-load the register (one assessment, one decision and 100 actuals each)."""
    a = assess(load_scenario(EXAMPLE_SCENARIO), samples=0)
    inputs = json.dumps(a.scenario.to_dict(), default=str)
    headline = json.dumps(headline_record(a))
    now = datetime.now(UTC)
    start = time.perf_counter()
    with register.engine.begin() as connection:
        connection.execute(
            initiatives.insert(),
            [
                {"id": i, "name": f"Initiative {i:05d}", "created_at": now}
                for i in range(INITIATIVES)
            ],
        )
        connection.execute(
            assessments.insert(),
            [
                {
                    "id": i,
                    "initiative_id": i,
                    "recorded_at": now,
                    "roi_version": "bench",
                    "input_hash": "h",
                    "inputs": inputs,
                    "samples": 0,
                    "seed": 0,
                    "outcome": a.outcome,
                    "headline": headline,
                    "memo_html": None,
                }
                for i in range(INITIATIVES)
            ],
        )
        connection.execute(
            decisions.insert(),
            [
                {"assessment_id": i, "gate": 2, "outcome": a.outcome, "signoffs": "[]"}
                for i in range(INITIATIVES)
            ],
        )
        first = date(2027, 1, 4)
        for block in range(0, INITIATIVES, 1_000):
            connection.execute(
                actuals.insert(),
                [
                    {
                        "initiative_id": i,
                        "measured_on": first + timedelta(weeks=k // 2),
                        "field": "users" if k % 2 == 0 else "minutes_saved_per_task",
                        "value": 150.0 + k if k % 2 == 0 else 4.0,
                        "source": "bench",
                        "recorded_at": now,
                    }
                    for i in range(block, block + 1_000)
                    for k in range(ACTUALS_EACH)
                ],
            )
    return time.perf_counter() - start


def _pandas_latest(register: Register) -> pd.DataFrame:
    """The baseline: read every actual and take each latest one in pandas."""
    with register.engine.connect() as connection:
        frame = pd.read_sql(
            sa.select(
                actuals.c.initiative_id, actuals.c.field, actuals.c.measured_on, actuals.c.value
            ),
            connection,
        )
    frame = frame.sort_values("measured_on")
    return frame.groupby(["initiative_id", "field"]).tail(1)


def run() -> str:
    with tempfile.TemporaryDirectory() as folder:
        register = Register(Path(folder) / "bench.sqlite3")
        try:
            load = _fill(register)
            name = f"Initiative {INITIATIVES // 2:05d}"
            history = timed(lambda: register.history(name), repeat=5)
            measured = timed(lambda: register.measurements(name), repeat=5)
            latest = timed(register.latest_actuals, repeat=3)
            baseline = timed(lambda: _pandas_latest(register), repeat=1)
            rows = len(register.latest_actuals())
        finally:
            register.close()
    worst = max(history, measured, latest)
    return "\n".join(
        [
            f"{INITIATIVES:,} initiatives x {ACTUALS_EACH} actuals "
            f"({INITIATIVES * ACTUALS_EACH:,} rows) in SQLite, loaded in {load:.1f} s.",
            "",
            "| Query | Time | Target |",
            "|---|---:|---|",
            f"| `roi history NAME` (one initiative's assessments) | {history * 1000:.1f} ms | "
            f"< {TARGET_SECONDS:g} s, {verdict(history < TARGET_SECONDS)} |",
            f"| One initiative's 100 actuals | {measured * 1000:.1f} ms | "
            f"< {TARGET_SECONDS:g} s, {verdict(measured < TARGET_SECONDS)} |",
            f"| Portfolio plan against actual (latest of each input, {rows:,} rows) | "
            f"{latest:.2f} s | < {TARGET_SECONDS:g} s, {verdict(latest < TARGET_SECONDS)} |",
            f"| Baseline: read all 1M actuals into pandas, latest per input | {baseline:.2f} s | "
            f"the query is {baseline / latest:.1f}x faster |",
            "",
            f"Slowest of the three: {worst:.2f} s.",
        ]
    )
