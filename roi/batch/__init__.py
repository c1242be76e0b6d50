"""Many scenarios in one run: inputs, notebook injection and checks, run, executors, manifest."""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "BatchEntry": "inputs",
    "BatchOptions": "tasks",
    "BatchReport": "tasks",
    "DEFAULT_NOTEBOOK": "tasks",
    "DEFAULT_SEED": "tasks",
    "DEFAULT_TIMEOUT": "tasks",
    "DaskExecutor": "executors",
    "EXIT_BAD_INPUT": "tasks",
    "EXIT_FAILED": "tasks",
    "EXIT_OK": "tasks",
    "Executor": "executors",
    "Item": "executors",
    "MANIFEST_FILE": "tasks",
    "MAX_STEM": "inputs",
    "MEMO_FORMATS": "tasks",
    "MEMO_STEM": "run",
    "NOTEBOOK_FILE": "tasks",
    "NOTEBOOK_ONLY_PARAMETERS": "tasks",
    "NotebookFailed": "tasks",
    "PLOTLY_JS": "tasks",
    "ProcessExecutor": "executors",
    "RESULTS_FORMAT": "tasks",
    "RESULT_FILE": "tasks",
    "ROW_RESULTS": "notebook",
    "Result": "executors",
    "SCENARIOS_DIR": "tasks",
    "SPREAD_COLUMNS": "run",
    "ScenarioOutcome": "tasks",
    "ScenarioTask": "tasks",
    "SerialExecutor": "executors",
    "check_injected_source": "notebook",
    "check_parameters": "notebook",
    "decide_scenario": "run",
    "declared_parameters": "notebook",
    "default_out_dir": "run",
    "differences": "notebook",
    "execute_notebook": "notebook",
    "file_sha256": "manifest",
    "input_hash": "manifest",
    "load_batch": "inputs",
    "make_executor": "executors",
    "notebook_mismatches": "notebook",
    "notebook_parameters": "notebook",
    "notebook_results": "notebook",
    "parameterized_notebook": "notebook",
    "previous_outcome": "manifest",
    "report_text": "run",
    "results_row": "run",
    "run_batch": "run",
    "run_scenario": "run",
    "run_scenarios": "run",
    "safe_stem": "inputs",
    "scenario_files": "inputs",
    "scenario_folder": "inputs",
    "unique_stems": "inputs",
    "write_manifest": "manifest",
    "write_memos": "run",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    # Loaded on first use, so importing one module (the CLI's server command, a worker's
    # executor) does not import them all.
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{module}"), name)
