"""Portfolios of many initiatives for the portfolio page's tests: drawn from the invoice
starter with a seed, with thresholds from 6 to 24 months, one far outlier and two that
never pay back (the shapes that made the old chart unreadable)."""

from __future__ import annotations

import numpy as np
from conftest import GO_READY

from roi.assess import assess
from roi.files import load_scenario
from roi.resources import EXAMPLE_SCENARIO

WORDS = (
    "Invoice triage",
    "Claims intake",
    "Contract review",
    "Sales copilot",
    "Ticket routing",
    "Fraud alerts",
    "Churn outreach",
    "Policy search",
    "Code review",
    "HR answers",
)


def portfolio_rows(count: int, seed: int = 0) -> list[dict]:
    """`count` summary rows (Assessment.summary_row, likely values) with distinct names."""
    rng = np.random.default_rng(seed)
    base = load_scenario(EXAMPLE_SCENARIO)
    data = base.to_dict()
    data["readiness"]["owner_sponsor_committed"] = "done"
    data["success_criteria"][0]["measured"] = 0.96
    ready = {
        "readiness": data["readiness"],
        "success_criteria": data["success_criteria"],
        **GO_READY,  # the readiness review signed off, the production owner named
    }
    rows = []
    for i in range(count):
        changes = {
            "name": f"{WORDS[i % len(WORDS)]} {i + 1:03d}",
            "users": int(rng.integers(20, 400)),
            "minutes_saved_per_task": float(rng.uniform(0.5, 6)),
            "build_cost": float(rng.uniform(80_000, 700_000)),
            "payback_threshold_months": float(rng.choice([6, 12, 18, 24])),
        }
        if i % 4 == 0:  # the PoC's evidence complete: a Go where the numbers hold
            changes.update(ready, poc_spent=39_000)
        if i == 1:  # far past every threshold: 750,000 / 2,500 a month = 300 months
            changes.update(users=100, minutes_saved_per_task=0.656, build_cost=700_000)
        if i in (2, 3):  # never pays back: running costs above the time saved
            changes.update(users=5, minutes_saved_per_task=0.5)
        rows.append(assess(base.evolve(**changes), samples=0).summary_row())
    return rows
