"""Shared fixtures: the issue's worked example (the invoice-triage assistant)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

# Every app server a test starts sees all its visitors arrive from 127.0.0.1: the limit
# per address (8 kernels) would make it the cap. The test of that limit sets its own.
os.environ.setdefault("ROI_APP_MAX_KERNELS_PER_ADDRESS", "100")
SCENARIOS_DIR = ROOT / "templates" / "scenarios"

# The example, all numeric fields at their point values. Adoption ramp 0 so the
# simple and ramp-aware paybacks can be worked by hand from the same numbers.
INVOICE_VALUES = {
    "users": 200,
    "tasks_per_day": 12,
    "minutes_saved_per_task": 4,
    "hourly_rate": 55,
    "workdays_per_year": 230,
    "incremental_revenue": 0,
    "platform_cost_annual": 60_000,
    "model_cost_annual": 36_000,
    "support_cost_annual": 40_000,
    "build_cost": 250_000,
    "change_cost": 50_000,
    "payback_threshold_months": 12,
    "adoption_months": 0,
    "discount_rate": 0.10,
    "horizon_months": 36,
}


# What a Go needs besides the numbers and the readiness answers (issue 33): the production
# readiness review signed off by its three roles, and a named production owner.
GO_READY = {
    "review_sign_offs": [
        {"name": "Ana Ruiz", "role": "Data science lead", "date": "2026-11-30"},
        {"name": "Ben Okafor", "role": "Platform engineer", "date": "2026-11-30"},
        {"name": "Chen Li", "role": "Business product owner", "date": "2026-12-01"},
    ],
    "production_owner": {"name": "Dana Park", "team": "Finance operations"},
}


@pytest.fixture
def invoice_values() -> dict[str, float]:
    """Every numeric field of the issue's example (a fresh copy per test)."""
    return dict(INVOICE_VALUES)


@pytest.fixture
def invoice_fields(invoice_values) -> dict:
    """The example as scenario file keys: the numbers plus a name."""
    return {"name": "Invoice triage assistant", **invoice_values}


@pytest.fixture
def invoice_yaml() -> Path:
    """The built-in example file that `make run` evaluates."""
    return SCENARIOS_DIR / "invoice_triage.yaml"
