"""Reading a batch's scenarios and naming their output folders safely."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

from roi.batch.tasks import SCENARIOS_DIR
from roi.exceptions import Problem, ScenarioError
from roi.files import read_records, scenario_files
from roi.formatting import MAX_STEM, WINDOWS_RESERVED
from roi.scenario import Scenario, scenario_from_dict

# --- reading the scenarios -------------------------------------------------------------


@dataclass(frozen=True)
class BatchEntry:
    """One valid scenario and where it came from."""

    scenario: Scenario
    source: str
    row: int | None = None


def load_batch(source: str | os.PathLike[str]) -> tuple[list[BatchEntry], list[Problem]]:
    """Every valid scenario in a file or folder, and every problem of the invalid ones.

    Unlike `roi.files.load_scenarios`, a problem does not stop the others: a bad row is
    reported (file, row, field, value, rule) and the rest are returned.
    """
    entries: list[BatchEntry] = []
    problems: list[Problem] = []
    within = source if Path(source).is_dir() else None
    for path in scenario_files(source):
        try:
            records = read_records(path, within=within)
        except ScenarioError as error:
            problems.extend(error.problems)
            continue
        for where, row, record in records:
            try:
                scenario = scenario_from_dict(record, source=where, row=row)
            except ScenarioError as error:
                problems.extend(error.problems)
            else:
                entries.append(BatchEntry(scenario, str(path), row))
    return entries, problems


_SAFE_STEM = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")


def scenario_folder(out_dir: Path, stem: str) -> Path:
    """The scenario's output folder, refusing any stem that would leave `out_dir`."""
    if not _SAFE_STEM.fullmatch(stem) or stem in WINDOWS_RESERVED or len(stem) > 2 * MAX_STEM:
        raise ValueError(f"not a safe file name: {stem!r}")
    base = (out_dir / SCENARIOS_DIR).resolve()
    folder = (base / stem).resolve()
    if folder.parent != base:
        raise ValueError(f"not a safe file name: {stem!r}")
    return folder
