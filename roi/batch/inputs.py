"""Reading a batch's scenarios and naming their output folders safely."""

from __future__ import annotations

import os
import re
from pathlib import Path

from roi.batch.tasks import SCENARIOS_DIR
from roi.files import Entry, InvalidRow, read_scenarios
from roi.formatting import MAX_STEM, WINDOWS_RESERVED

# --- reading the scenarios -------------------------------------------------------------


BatchEntry = Entry
"""One valid scenario of a batch and where it came from."""


def load_batch(source: str | os.PathLike[str]) -> tuple[list[Entry], list[InvalidRow]]:
    """Every valid scenario in a file or folder, and every invalid one with its problems.

    Unlike `roi.files.load_scenarios`, a problem does not stop the others: a bad row (or a
    name given twice) is reported (file, row, name, field, value, rule) and the rest are
    returned (`roi.files.read_scenarios`, which `roi run` and `roi portfolio` use too).
    """
    loaded = read_scenarios(source)
    return list(loaded.entries), list(loaded.invalid)


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
