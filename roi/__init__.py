"""roi: carry AI proofs of concept into production, or kill them early, with numbers.

Entry points (each also in README's "From Python" and notebooks/tutorial.ipynb):

    load_scenario(path), load_scenarios(path)   a YAML/JSON file, or a CSV/XLSX table
    Scenario(**fields), scenario_from_dict(d)    validated, immutable; Range(low, likely, high)
    scenario.evolve(users=300)                   a changed copy, validated again
    assess(scenario, samples=10_000, seed=0)     everything roi says: figures, decision,
                                                 evidence (an Assessment)
    present(assessment)                          the figures each screen shows, labelled
    compute(values), evaluate_table(frame)      the formulas over numpy arrays (a mapping
                                                 of fields) or a DataFrame, in one call
    write_memos(assessment, out_dir, formats)    the decision memo (roi.reports.memo)

Modules, each importable after `import roi` (loaded on first use): impact, payback,
timeline, uncertainty, sensitivity, breakeven, evidence, decision, gates, ask, priors,
base_rates, prices, presentation, portfolio, tracking, calibration, thirty_days; front
ends: reports, batch, app, register, cli. Conventions (payback basis, NPV at the decision,
percentiles) are in README.md.
"""

from __future__ import annotations

import importlib
from typing import Any

from roi._version import __version__
from roi.assess import Assessment, assess
from roi.evaluate import Results, compute, evaluate, evaluate_table
from roi.exceptions import Problem, RoiError, ScenarioError
from roi.files import load_scenario, load_scenarios, save_scenario
from roi.scenario import FIELD_SPECS, Range, Scenario, scenario_from_dict

SUBMODULES = (
    "amounts",
    "app",
    "ask",
    "base_rates",
    "batch",
    "breakeven",
    "calibration",
    "cli",
    "decision",
    "evidence",
    "files",
    "formatting",
    "gates",
    "impact",
    "payback",
    "portfolio",
    "precision",
    "presentation",
    "prices",
    "priors",
    "register",
    "reports",
    "resources",
    "sensitivity",
    "starters",
    "thirty_days",
    "timeline",
    "tracking",
    "uncertainty",
)
"""Modules `roi.<name>` reaches after a plain `import roi` (PEP 562: loaded on first use,
so `import roi` stays light)."""


def __getattr__(name: str) -> Any:
    if name in SUBMODULES:
        return importlib.import_module(f"roi.{name}")
    if name in ("present", "write_memos"):
        module = "roi.presentation" if name == "present" else "roi.reports.memo"
        return getattr(importlib.import_module(module), name)
    raise AttributeError(f"module 'roi' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *SUBMODULES, "present", "write_memos"})


__all__ = [
    "FIELD_SPECS",
    "Assessment",
    "Problem",
    "Range",
    "Results",
    "RoiError",
    "Scenario",
    "ScenarioError",
    "__version__",
    "assess",
    "compute",
    "evaluate",
    "evaluate_table",
    "load_scenario",
    "load_scenarios",
    "present",
    "save_scenario",
    "scenario_from_dict",
    "write_memos",
]
