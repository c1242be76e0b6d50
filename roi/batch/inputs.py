"""Reading a batch's scenarios and naming their output folders safely."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

from roi.batch.tasks import SCENARIOS_DIR
from roi.exceptions import MISSING, Problem, ScenarioError
from roi.files import SUFFIXES, read_records
from roi.formatting import MAX_STEM, WINDOWS_RESERVED
from roi.scenario import Scenario, scenario_from_dict

# --- reading the scenarios -------------------------------------------------------------


@dataclass(frozen=True)
class BatchEntry:
    """One valid scenario and where it came from."""

    scenario: Scenario
    source: str
    row: int | None = None


def scenario_files(source: str | os.PathLike[str]) -> list[Path]:
    """The scenario files a batch reads: the file itself, or a folder's scenario files.

    Raises ScenarioError when the path does not exist or the folder holds none.
    """
    path = Path(source)
    if path.is_dir():
        files = sorted(
            p
            for p in path.iterdir()
            if p.is_file() and p.suffix.lower() in SUFFIXES and not p.name.startswith((".", "~$"))
        )
        if not files:
            raise ScenarioError(
                [
                    Problem(
                        "", MISSING, "holds no .yaml, .yml, .json, .csv or .xlsx files", str(path)
                    )
                ]
            )
        return files
    if not path.exists():
        raise ScenarioError([Problem("", MISSING, "does not exist", str(path))])
    return [path]


def load_batch(source: str | os.PathLike[str]) -> tuple[list[BatchEntry], list[Problem]]:
    """Every valid scenario in a file or folder, and every problem of the invalid ones.

    Unlike `roi.files.load_scenarios`, a problem does not stop the others: a bad row is
    reported (file, row, field, value, rule) and the rest are returned.
    """
    entries: list[BatchEntry] = []
    problems: list[Problem] = []
    for path in scenario_files(source):
        try:
            records = read_records(path)
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
