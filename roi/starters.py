"""`roi init`: copy the starter scenarios, memo templates and notebooks into a folder.

The copies are the user's to edit. The copied notebooks read the copied scenarios
(`scenarios/...`, relative to the folder, found from wherever the notebook runs:
`roi.files.project_path`), so an edit to `scenarios/invoice_triage.yaml` is what the
workbook opens on, in Voila (run in `notebooks/`) and under papermill run from the
folder or anywhere inside it. Files that
already exist are kept as they are: a second `roi init` never overwrites work.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

from roi.exceptions import RoiError
from roi.files import write_text_atomic
from roi.resources import NOTEBOOKS, SCENARIOS, TEMPLATES

# Parameter defaults rewritten in the copied notebooks: (notebook, name, new literal).
NOTEBOOK_DEFAULTS = (
    ("workbook.ipynb", "scenario_file", "scenarios/invoice_triage.yaml"),
    ("portfolio.ipynb", "scenarios_file", "scenarios/portfolio.csv"),
    ("timeline.ipynb", "scenario_file", "scenarios/invoice_triage.yaml"),
)


@dataclass(frozen=True)
class Copied:
    """One starter file: where it went and whether it was written or kept."""

    path: Path
    written: bool


def starter_files() -> list[tuple[Path, Path]]:
    """(source, path relative to the folder) of every file `roi init` copies."""
    pairs = [(p, Path("scenarios") / p.name) for p in sorted(SCENARIOS.iterdir()) if p.is_file()]
    pairs += [(p, Path("notebooks") / p.name) for p in sorted(NOTEBOOKS.glob("*.ipynb"))]
    pairs += [
        (p, Path("templates") / p.relative_to(TEMPLATES)) for p in sorted(TEMPLATES.rglob("*.j2"))
    ]
    return pairs


def _set_parameter(notebook_text: str, name: str, literal: str) -> str:
    """The notebook with `name = ...` in its parameters cell set to the string `literal`."""
    notebook = json.loads(notebook_text)
    for cell in notebook["cells"]:
        if "parameters" not in cell.get("metadata", {}).get("tags", []):
            continue
        source = cell["source"]
        lines = "".join(source).splitlines(keepends=True) if isinstance(source, list) else None
        lines = lines if lines is not None else source.splitlines(keepends=True)
        for i, line in enumerate(lines):
            if line.split("=")[0].strip() == name:
                ending = "\n" if line.endswith("\n") else ""
                lines[i] = f"{name} = {json.dumps(literal)}{ending}"
        cell["source"] = lines
    return json.dumps(notebook, indent=1, ensure_ascii=False) + "\n"


def copy_starters(folder: str | os.PathLike[str]) -> list[Copied]:
    """Copy the starters into `folder` (created if needed); existing files are kept."""
    root = Path(folder)
    if root.exists() and not root.is_dir():
        raise RoiError(f"cannot initialise {str(root)!r}: it is a file, not a folder")
    defaults = {(nb, name): value for nb, name, value in NOTEBOOK_DEFAULTS}
    copied = []
    for source, relative in starter_files():
        target = root / relative
        if target.exists():
            copied.append(Copied(target, written=False))
            continue
        if source.suffix == ".ipynb":
            text = source.read_text(encoding="utf-8")
            for (nb, name), value in defaults.items():
                if nb == source.name:
                    text = _set_parameter(text, name, value)
            data: str | bytes = text
        else:
            data = source.read_bytes()
        write_text_atomic(target, data)  # an OutputError names the target
        copied.append(Copied(target, written=True))
    return copied
