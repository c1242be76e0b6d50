"""What a run records: input hashes for resuming, result files, and manifest.json."""

from __future__ import annotations

import hashlib
import json
import os
import platform
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

from roi._version import __version__
from roi.batch.inputs import scenario_folder
from roi.batch.tasks import (
    MANIFEST_FILE,
    RESULT_FILE,
    RESULTS_FORMAT,
    BatchOptions,
    BatchReport,
    ScenarioOutcome,
    ScenarioTask,
)
from roi.evidence import DEFAULT_CONFIDENCE
from roi.exceptions import ScenarioError
from roi.files import scenario_files, write_text_atomic
from roi.scenario import Scenario

# --- resuming --------------------------------------------------------------------------


def input_hash(
    scenario: Scenario,
    *,
    notebook_sha256: str | None,
    formats: Sequence[str],
    samples: int,
    seed: int,
    priors_all: bool = False,
    confidence: float = DEFAULT_CONFIDENCE,
) -> str:
    """A fingerprint of everything that decides a scenario's outputs (a rerun with another
    confidence redoes the scenario; with roi's default, the fingerprint is as before)."""
    checklists = None
    if scenario.checklists:  # a user's checklists file enters by its content
        from roi.gates import load_checklists

        checklists = load_checklists(scenario.checklists).fingerprint
    payload: dict[str, Any] = {
        "checklists": checklists,
        "format": RESULTS_FORMAT,
        "roi": __version__,
        "scenario": scenario.model_dump(mode="json"),
        "notebook": notebook_sha256,
        "formats": sorted(formats),
        "samples": samples,
        "seed": seed,
    }
    if priors_all:  # the row carries the value under every base rate (roi.priors)
        payload["priors"] = "all"
    if confidence != DEFAULT_CONFIDENCE:  # another decision rule: another decision
        payload["confidence"] = confidence
    text = json.dumps(payload, sort_keys=True, ensure_ascii=True, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


SEAL_KEY = "seal"
"""result.json's SHA-256 of its own outcome: an edited result.json is not trusted."""


def outcome_seal(record: dict[str, Any]) -> str:
    """The seal of a result record (its outcome fields, without the scenario or the seal),
    the same for the record written and the record read back."""
    text = json.dumps(record, sort_keys=True, default=str, allow_nan=False, ensure_ascii=True)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def file_digest(path: Path) -> str:
    """ "<bytes>:<sha256>" of a file."""
    return f"{path.stat().st_size}:{file_sha256(path)}"


def previous_outcome(out_dir: Path, task: ScenarioTask) -> ScenarioOutcome | None:
    """The finished outcome of an earlier run with the same inputs, if its record is
    unedited (its seal) and every file it lists is still what that run wrote (size, then
    SHA-256); else None, and the scenario runs again."""
    path = scenario_folder(out_dir, task.stem) / RESULT_FILE
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        data.pop("scenario", None)  # the inputs, kept for people; the hash stands for them
        seal = data.pop(SEAL_KEY, None)
        if seal != outcome_seal(data):
            return None
        outcome = ScenarioOutcome(**data)
    except (OSError, ValueError, TypeError):
        return None
    if outcome.status != "ok" or outcome.input_hash != task.input_hash:
        return None
    if set(outcome.digests) != set(outcome.files):
        return None
    for name in outcome.files:
        file = out_dir / name
        try:
            if not file.is_file() or file.is_symlink():
                return None
            size = outcome.digests[name].partition(":")[0]
            if str(file.stat().st_size) != size or file_digest(file) != outcome.digests[name]:
                return None
        except OSError:
            return None
    outcome.status = "skipped"
    outcome.source, outcome.source_row = task.source, task.source_row
    if outcome.row is not None:
        outcome.row.update(source=task.source, source_row=task.source_row)
    return outcome


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _versions() -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    found = {"roi": __version__, "python": platform.python_version()}
    for package in (
        "papermill",
        "nbclient",
        "jupyter_client",
        "ipykernel",
        "plotly",
        "pandas",
        "numpy",
        "dask",
        "distributed",
    ):
        try:
            found[package] = version(package)
        except PackageNotFoundError:
            continue
    return found


def write_manifest(
    report: BatchReport,
    source: str | os.PathLike[str],
    options: BatchOptions,
    notebook: Path | None,
    notebook_sha: str | None,
) -> Path:
    """manifest.json: the inputs with their hashes, versions, seeds and every outcome."""
    try:
        inputs: list[dict[str, str | None]] = [
            {"path": str(p), "sha256": file_sha256(p)} for p in scenario_files(source)
        ]
    except ScenarioError:
        inputs = [{"path": str(source), "sha256": None}]
    manifest = {
        "roi_batch_format": RESULTS_FORMAT,
        "source": str(source),
        "out_dir": str(report.out_dir),
        "workers": options.workers,
        "dask": options.dask_address,
        "started": report.started,
        "finished": report.finished,
        "executor": report.executor,
        "inputs": inputs,
        "notebook": {"path": str(notebook), "sha256": notebook_sha} if notebook else None,
        "formats": list(options.formats),
        "samples": options.samples,
        "seed": options.seed,
        "timeout_seconds": options.timeout,
        "rank_by": options.rank_by,
        "versions": _versions(),
        "counts": report.counts(),
        "scenarios": [
            {key: value for key, value in asdict(o).items() if key != "row"}
            for o in report.outcomes
        ],
        "invalid_inputs": [
            {"source": p.source, "row": p.row, "field": p.field, "rule": p.allowed}
            for p in report.input_problems
        ],
    }
    text = json.dumps(manifest, indent=1, ensure_ascii=False, default=str)
    return write_text_atomic(report.out_dir / MANIFEST_FILE, text)
