"""Many scenarios in one run: per scenario an executed notebook, memos and a results row.

`run_batch` validates every scenario first (invalid ones are reported and skipped),
runs the valid ones in parallel through an executor from `roi.executors`, and writes
one output folder per run::

    OUT/
      summary.csv  summary.xlsx  portfolio.html  failures.csv  manifest.json
      plotly.min.js                      one copy shared by every memo and the report
      scenarios/<safe-name>/
        workbook.ipynb                   the executed notebook (partial if it failed)
        memo.html, memo.md, ...          from roi.memo
        result.json                      status, input hash, inputs, results row, files

A rerun with the same inputs skips every scenario whose `result.json` says it finished
with the same input hash and whose files still exist, and runs the rest.

Scenario values reach the notebook only after three checks: each name is a Scenario
field that the notebook's `parameters` cell declares, each value is plain data, and the
cell papermill generates parses to nothing but `name = literal` assignments.
"""

from __future__ import annotations

import ast
import hashlib
import json
import keyword
import math
import os
import platform
import re
import shutil
import sys
import time
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from roi import __version__
from roi.exceptions import MISSING, Problem, RoiError, ScenarioError
from roi.files import SUFFIXES, read_records, write_text_atomic
from roi.scenario import SCENARIO_KEYS, Scenario, scenario_from_dict

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_NOTEBOOK = ROOT / "notebooks" / "workbook.ipynb"
MEMO_FORMATS: tuple[str, ...] = ("html", "md", "pdf")
SCENARIOS_DIR = "scenarios"
RESULT_FILE = "result.json"
MANIFEST_FILE = "manifest.json"
PLOTLY_JS = "plotly.min.js"
NOTEBOOK_FILE = "workbook.ipynb"
DEFAULT_SEED = 0
DEFAULT_TIMEOUT = 300.0
RESULTS_FORMAT = 1  # bump when result.json or the input hash changes meaning

# Notebook parameters that are not Scenario fields. The batch pins scenario_file to None
# (so the injected fields are used) and passes its Monte Carlo settings to a notebook that
# declares them, so the notebook's simulation is the summary's.
NOTEBOOK_ONLY_PARAMETERS: tuple[str, ...] = ("scenario_file", "samples", "seed")

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_BAD_INPUT = 2


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
        for row, record in records:
            try:
                scenario = scenario_from_dict(record, source=str(path), row=row)
            except ScenarioError as error:
                problems.extend(error.problems)
            else:
                entries.append(BatchEntry(scenario, str(path), row))
    return entries, problems


# --- safe file names ---------------------------------------------------------------------

MAX_STEM = 60
_WINDOWS_RESERVED = frozenset(
    {"con", "prn", "aux", "nul", *(f"com{i}" for i in range(10)), *(f"lpt{i}" for i in range(10))}
)


def safe_stem(name: str) -> str:
    """A file-name stem from a scenario name: lower-case ASCII letters, digits and dashes.

    Nothing in it can name a parent folder, a hidden file, a device or a path separator.
    Letters with accents keep their base letter; a name with none left, or one cut to
    MAX_STEM characters, gets a short hash of the full name so distinct names stay
    distinct.

    >>> safe_stem("Invoice triage assistant")
    'invoice-triage-assistant'
    >>> safe_stem("../../etc/passwd"), safe_stem("CON"), safe_stem("Prüfung 2")
    ('etc-passwd', 'con-scenario', 'prufung-2')
    >>> safe_stem("請求書")
    'scenario-666097c3'
    """
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    stem = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")
    digest = hashlib.sha256(name.encode("utf-8")).hexdigest()[:8]
    if not stem:
        return f"scenario-{digest}"
    if len(stem) > MAX_STEM:
        return f"{stem[: MAX_STEM - 9].rstrip('-')}-{digest}"
    if stem in _WINDOWS_RESERVED:
        return f"{stem}-scenario"
    return stem


def unique_stems(names: Iterable[str]) -> list[str]:
    """Safe stems for names in order; a repeated stem gets -2, -3, ... (case-insensitive).

    >>> unique_stems(["Pilot", "pilot", "PILOT!", "pilot-2"])
    ['pilot', 'pilot-2', 'pilot-3', 'pilot-2-2']
    """
    taken: set[str] = set()
    stems = []
    for name in names:
        stem = candidate = safe_stem(name)
        number = 2
        while candidate in taken:
            candidate = f"{stem}-{number}"
            number += 1
        taken.add(candidate)
        stems.append(candidate)
    return stems


_SAFE_STEM = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")


def scenario_folder(out_dir: Path, stem: str) -> Path:
    """The scenario's output folder, refusing any stem that would leave `out_dir`."""
    if not _SAFE_STEM.fullmatch(stem) or stem in _WINDOWS_RESERVED or len(stem) > 2 * MAX_STEM:
        raise ValueError(f"not a safe file name: {stem!r}")
    base = (out_dir / SCENARIOS_DIR).resolve()
    folder = (base / stem).resolve()
    if folder.parent != base:
        raise ValueError(f"not a safe file name: {stem!r}")
    return folder


# --- notebook parameters ---------------------------------------------------------------


def notebook_parameters(
    scenario: Scenario, declared: Iterable[str], *, samples: int | None = None, seed: int = 0
) -> dict[str, Any]:
    """What papermill injects for a scenario: every field, as plain data.

    Optional sections left at their defaults are passed too when the notebook declares
    them, so a notebook default never overrides the scenario. A section with a value
    that the notebook does not declare is returned all the same; `check_parameters`
    then names it instead of papermill silently ignoring it.
    """
    declared = set(declared)
    given = scenario.to_dict()
    dumped = scenario.model_dump(mode="json")
    parameters: dict[str, Any] = {}
    for key in SCENARIO_KEYS:
        if key in given:
            parameters[key] = given[key]
        elif key in declared:
            parameters[key] = dumped[key]
    if "scenario_file" in declared:
        parameters["scenario_file"] = None
    for key, value in (("samples", samples), ("seed", seed)):
        if key in declared and value is not None:
            parameters[key] = value
    return parameters


def _plain_problem(value: Any, depth: int = 0) -> str | None:
    """Why a value is not plain data for a notebook cell, or None if it is."""
    if depth > 8:
        return "is nested too deeply"
    if value is None or isinstance(value, bool | str | int):
        return None
    if isinstance(value, float):
        return None if math.isfinite(value) else "must be a finite number"
    if isinstance(value, list | tuple):
        for item in value:
            why = _plain_problem(item, depth + 1)
            if why:
                return why
        return None
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str):
                return "must be a mapping with text keys"
            why = _plain_problem(item, depth + 1)
            if why:
                return why
        return None
    return (
        f"must be plain data (text, numbers, true/false, null, lists, mappings), not "
        f"{type(value).__name__}"
    )


def check_parameters(
    parameters: Mapping[Any, Any], declared: Iterable[str], *, source: str = "notebook"
) -> None:
    """Raise ScenarioError unless every parameter is safe to inject into the notebook.

    A name must be a Python identifier, a Scenario field (or a notebook-only parameter
    the batch sets itself) and declared in the notebook's `parameters` cell; a value must
    be plain data. Names such as ``__import__('os').system('x')`` fail the first rule.

    >>> check_parameters({"users": 3, "x; import os": 1}, ["users"])
    Traceback (most recent call last):
    ...
    roi.exceptions.ScenarioError: 1 problem in the scenario input:
      - notebook: 'x; import os' is not a valid parameter name (a scenario field name): got 1
    """
    declared = set(declared)
    allowed = set(SCENARIO_KEYS) | set(NOTEBOOK_ONLY_PARAMETERS)
    problems = []
    for key, value in parameters.items():
        if not isinstance(key, str) or not key.isidentifier() or keyword.iskeyword(key):
            problems.append(
                Problem(
                    str(key), value, "is not a valid parameter name (a scenario field name)", source
                )
            )
        elif key not in allowed:
            problems.append(Problem(key, value, "is not a scenario field", source))
        elif key not in declared:
            problems.append(
                Problem(
                    key,
                    value,
                    "is not a parameter of the notebook (its "
                    "'parameters' cell does not declare it)",
                    source,
                )
            )
        else:
            why = _plain_problem(value)
            if why:
                problems.append(Problem(key, value, why, source))
    if problems:
        raise ScenarioError(problems)


def check_injected_source(code: str, allowed: Iterable[str], *, source: str = "notebook") -> None:
    """Raise ScenarioError unless `code` only assigns literal values to allowed names.

    The last line of defence: it checks the very text papermill will run.

    >>> check_injected_source("users = 3\\nname = 'x'", ["users", "name"])
    >>> check_injected_source("users = __import__('os').getcwd()", ["users"])
    Traceback (most recent call last):
    ...
    roi.exceptions.ScenarioError: 1 problem in the scenario input:
      - notebook: 'users' must be assigned a literal value in the injected cell
    """
    allowed = set(allowed)
    try:
        tree = ast.parse(code)
    except SyntaxError as error:
        raise ScenarioError(
            [Problem("", MISSING, f"injected parameters do not parse: {error.msg}", source)]
        ) from None
    problems = []
    for statement in tree.body:
        targets = statement.targets if isinstance(statement, ast.Assign) else []
        if len(targets) != 1 or not isinstance(targets[0], ast.Name):
            problems.append(
                Problem(
                    "",
                    MISSING,
                    "the injected cell may only assign "
                    f"parameters, but holds: {ast.unparse(statement)[:60]}",
                    source,
                )
            )
            continue
        name = targets[0].id
        if name not in allowed:
            problems.append(Problem(name, MISSING, "is not an allowed parameter", source))
            continue
        try:
            ast.literal_eval(statement.value)
        except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
            problems.append(
                Problem(
                    name, MISSING, "must be assigned a literal value in the injected cell", source
                )
            )
    if problems:
        raise ScenarioError(problems)


def declared_parameters(notebook: str | os.PathLike[str]) -> dict[str, Any]:
    """The names the notebook's `parameters` cell declares (papermill's own inspection)."""
    import papermill

    path = Path(notebook)
    if not path.is_file():
        raise ScenarioError([Problem("", MISSING, "notebook does not exist", str(path))])
    try:
        declared = papermill.inspect_notebook(str(path))
    except Exception as error:  # nbformat and papermill raise many kinds
        raise ScenarioError(
            [Problem("", MISSING, f"cannot be read as a notebook: {error}", str(path))]
        ) from None
    if not declared:
        raise ScenarioError(
            [
                Problem(
                    "",
                    MISSING,
                    "has no cell tagged 'parameters' (or it declares nothing)",
                    str(path),
                )
            ]
        )
    return declared


def parameterized_notebook(
    notebook: Path, scenario: Scenario, *, samples: int | None = None, seed: int = 0
) -> Any:
    """The notebook with the scenario's parameters injected, every check passed."""
    from papermill.iorw import load_notebook_node
    from papermill.parameterize import parameterize_notebook

    declared = declared_parameters(notebook)
    parameters = notebook_parameters(scenario, declared, samples=samples, seed=seed)
    check_parameters(parameters, declared, source=str(notebook))
    node = load_notebook_node(str(notebook))  # papermill's reader adds the tag lists it needs
    node = parameterize_notebook(node, parameters)
    injected = [
        cell for cell in node.cells if "injected-parameters" in cell.metadata.get("tags", [])
    ]
    if len(injected) != 1:
        raise ScenarioError(
            [
                Problem(
                    "",
                    MISSING,
                    "papermill did not inject exactly one parameters cell",
                    str(notebook),
                )
            ]
        )
    check_injected_source(injected[0].source, parameters, source=str(notebook))
    return node


# --- running one scenario ----------------------------------------------------------------


class NotebookFailed(RoiError, RuntimeError):
    """A notebook stopped with an error, timed out or lost its kernel."""


@dataclass(frozen=True)
class ScenarioTask:
    """Everything a worker needs for one scenario: plain, picklable data."""

    scenario: Scenario
    stem: str
    source: str
    source_row: int | None
    input_hash: str
    out_dir: str
    notebook: str | None
    formats: tuple[str, ...]
    samples: int
    seed: int
    timeout: float
    cwd: str


@dataclass
class ScenarioOutcome:
    """How one scenario went: its results row, its files, or where and why it failed."""

    stem: str
    name: str
    source: str
    source_row: int | None
    input_hash: str
    status: str  # "ok", "failed" or "skipped" (done before with the same inputs)
    row: dict[str, Any] | None = None
    files: list[str] = field(default_factory=list)
    stage: str = ""
    error: str = ""
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return self.status in ("ok", "skipped")


def _kernel_manager_class(log_path: Path) -> type:
    """An AsyncKernelManager whose ZeroMQ sockets are files in a private temp folder.

    With TCP, jupyter_client picks ports by binding and releasing them, so kernels
    started at the same moment can pick the same port ('Address already in use', or
    messages reaching another run's notebook). IPC sockets in a folder of their own
    cannot collide; the default IPC paths (relative to the working folder) can.
    The kernel's own log goes to `log_path`, not into the batch's progress bar.
    """
    import subprocess
    import tempfile

    from jupyter_client.manager import AsyncKernelManager

    class IpcKernelManager(AsyncKernelManager):
        def __init__(self, **kwargs: Any) -> None:
            self._socket_dir = tempfile.mkdtemp(prefix="roi-kernel-")
            kwargs.setdefault("transport", "ipc")
            kwargs.setdefault("ip", os.path.join(self._socket_dir, "kernel"))
            kwargs.setdefault("connection_file", os.path.join(self._socket_dir, "kernel.json"))
            super().__init__(**kwargs)

        async def start_kernel(self, **kwargs: Any) -> None:
            with log_path.open("ab") as log:  # the kernel process keeps its own copy
                kwargs.setdefault("stdout", subprocess.DEVNULL)
                kwargs.setdefault("stderr", log)
                await super().start_kernel(**kwargs)

        async def _async_cleanup_resources(self, restart: bool = False) -> None:
            await super()._async_cleanup_resources(restart=restart)
            if not restart:
                shutil.rmtree(self._socket_dir, ignore_errors=True)

    return IpcKernelManager


def execute_notebook(
    notebook: Path,
    scenario: Scenario,
    output: Path,
    *,
    timeout: float,
    cwd: str,
    samples: int | None = None,
    seed: int = 0,
) -> dict[str, Any]:
    """Run the notebook for one scenario and return the results it displayed.

    The executed notebook is written to `output` atomically, also when a cell fails, a
    cell runs past `timeout` seconds or the kernel dies (then it holds the output up to
    that point, and NotebookFailed is raised).
    """
    import papermill

    node = parameterized_notebook(notebook, scenario, samples=samples, seed=seed)
    partial = output.with_name(f".{output.stem}.partial{output.suffix}")  # papermill wants .ipynb
    partial.unlink(missing_ok=True)
    kernel_log = output.with_name(".kernel.log")
    kernel_log.unlink(missing_ok=True)
    try:
        executed = papermill.execute_notebook(
            node,
            str(partial),
            kernel_name=node.metadata.get("kernelspec", {}).get("name"),
            progress_bar=False,
            cwd=cwd,
            execution_timeout=timeout,
            kernel_manager_class=_kernel_manager_class(kernel_log),
            store_widget_state=False,  # widget state is ~5 MB a notebook and not needed here
            shutdown_kernel="immediate",  # every output is in; a polite shutdown costs 0.3 s
        )
    except papermill.PapermillExecutionError as error:
        raise NotebookFailed(
            f"cell {error.exec_count or error.cell_index}: {error.ename}: {error.evalue}"
        ) from None
    except Exception as error:  # timeouts, a dead kernel, a kernel that never started
        message = f"{type(error).__name__}: {str(error).strip()[:500]}"
        raise NotebookFailed(message + _log_tail(kernel_log)) from None
    finally:
        if partial.exists():
            os.replace(partial, output)
        kernel_log.unlink(missing_ok=True)
    return notebook_results(executed)


def _log_tail(path: Path, lines: int = 5) -> str:
    """The last lines of a kernel's log, to explain a kernel that died or never started."""
    try:
        text = path.read_text(encoding="utf-8", errors="replace").strip()
    except OSError:
        return ""
    tail = [line for line in text.splitlines() if line.strip()][-lines:]
    return f" (kernel log: {' | '.join(tail)})" if tail else ""


def notebook_results(notebook: Any) -> dict[str, Any]:
    """The results dict an executed workbook displayed (mimetype application/json)."""
    from roi.notebook import RESULTS_MIMETYPE

    found = [
        output["data"][RESULTS_MIMETYPE]
        for cell in notebook["cells"]
        for output in cell.get("outputs", [])
        if isinstance(output.get("data", {}).get(RESULTS_MIMETYPE), dict)
        and "annual_impact" in output["data"][RESULTS_MIMETYPE]
    ]
    if not found:
        raise NotebookFailed(f"the notebook displayed no results ({RESULTS_MIMETYPE} output)")
    return dict(found[-1])


def differences(shown: Any, expected: Any, path: str = "") -> list[str]:
    """Where two results dicts differ (numbers compared to 1e-12 relative).

    >>> differences({"a": 1.0, "b": [1, 2]}, {"a": 1.0 + 1e-15, "b": [1, 3]})
    ['b[1]: 2 != 3']
    """
    if isinstance(expected, dict) and isinstance(shown, dict):
        found = []
        for key in sorted(set(shown) | set(expected), key=str):
            where = f"{path}.{key}" if path else str(key)
            if key not in shown or key not in expected:
                found.append(f"{where}: only in {'roi' if key in expected else 'the notebook'}")
            else:
                found.extend(differences(shown[key], expected[key], where))
        return found
    if isinstance(expected, list | tuple) and isinstance(shown, list | tuple):
        if len(shown) != len(expected):
            return [f"{path}: {len(shown)} items != {len(expected)}"]
        return [
            d
            for i, (a, b) in enumerate(zip(shown, expected, strict=True))
            for d in differences(a, b, f"{path}[{i}]")
        ]
    numbers = (int, float)
    if (
        isinstance(shown, numbers)
        and isinstance(expected, numbers)
        and not isinstance(shown, bool)
        and not isinstance(expected, bool)
    ):
        if math.isclose(shown, expected, rel_tol=1e-12, abs_tol=1e-9):
            return []
    elif shown == expected:
        return []
    return [f"{path}: {shown!r} != {expected!r}"]


ROW_RESULTS = (
    "annual_impact",
    "monthly_net_impact",
    "one_time_cost",
    "payback_months",
    "meets_payback_threshold",
    "payback_threshold_months",
    "npv",
    "roi_pct",
    "time_value",
    "incremental_revenue",
    "running_costs",
    "payback_month_with_ramp",
    "time_to_value_months",
    "cumulative_cash_at_horizon",
    "go_live_date",
)


def notebook_mismatches(
    shown: Mapping[str, Any],
    results: Mapping[str, Any],
    outcome: str,
    simulation_summary: Mapping[str, Any],
) -> list[str]:
    """Where the notebook's displayed results differ from roi's for the same scenario.

    Every point result must match. The notebook's Monte Carlo summary and decision are
    compared when it ran with the batch's samples and seed (its summary says which).
    """
    found = differences({key: shown[key] for key in results if key in shown}, results)
    found += [f"{key}: not shown by the notebook" for key in results if key not in shown]
    simulated = shown.get("simulation")
    if (
        isinstance(simulated, Mapping)
        and simulation_summary
        and simulated.get("samples") == simulation_summary.get("samples")
        and simulated.get("seed") == simulation_summary.get("seed")
    ):
        found += differences(
            {key: simulated[key] for key in simulation_summary if key in simulated},
            dict(simulation_summary),
            "simulation",
        )
        decided = shown.get("decision")
        if isinstance(decided, Mapping) and decided.get("outcome") != outcome:
            found.append(f"decision: {decided.get('outcome')!r} != {outcome!r}")
    return found


def decide_scenario(results: Any, simulation: Any) -> Any:
    """The decision the workbook app and the memo make: readiness counts once answered."""
    from roi.decision import decide
    from roi.gates import readiness_status

    return decide(results, simulation=simulation, readiness=readiness_status(results.scenario))


SPREAD_COLUMNS = (
    *(
        f"{metric}_p{q}"
        for metric in ("annual_impact", "payback_months", "npv")
        for q in (10, 50, 90)
    ),
    "prob_meets_threshold",
    "prob_never_pays_back",
    "samples",
    "seed",
)
"""The Monte Carlo numbers a summary row carries (the memo shows the rest)."""


def results_row(
    task: ScenarioTask,
    results: Mapping[str, Any],
    decision: Any,
    simulation_summary: Mapping[str, Any],
) -> dict[str, Any]:
    """One summary row: the scenario's own result keys, its decision and its spread."""
    row: dict[str, Any] = {"name": results["name"], "decision": decision.outcome}
    row.update({key: results[key] for key in ROW_RESULTS})
    row["timeline_weeks_likely"] = results["timeline_weeks"]["likely"]
    row.update({key: value for key, value in simulation_summary.items() if key in SPREAD_COLUMNS})
    row["decision_reasons"] = " ".join(str(reason) for reason in decision.reasons)
    row["source"] = task.source
    row["source_row"] = task.source_row
    row["stem"] = task.stem
    return row


def _memo_links(files: Sequence[str]) -> dict[str, str]:
    links = {}
    for name in files:
        suffix = Path(name).suffix.lstrip(".")
        if Path(name).stem.startswith("memo") or suffix in MEMO_FORMATS:
            links.setdefault(f"memo_{suffix}", name)
    return links


MEMO_STEM = "memo"


def write_memos(task: ScenarioTask, folder: Path, simulation: Any) -> list[Path]:
    """The scenario's memos in the batch's formats, from the batch's own simulation.

    Reusing the simulation makes the memo's numbers the summary's by construction and
    saves a second Monte Carlo run. HTML and PDF link the run's one plotly.min.js;
    Markdown memos leave the charts out (drawing them needs a browser per memo; the
    HTML memo has them).
    """
    from roi import memo

    plotly_js = os.path.relpath(Path(task.out_dir) / PLOTLY_JS, folder)
    common = {"samples": task.samples, "seed": task.seed, "simulation": simulation}
    written = []
    html = None
    if "html" in task.formats or "pdf" in task.formats:
        html = memo.render(task.scenario, "html", plotly_js=plotly_js, **common)
    for fmt in task.formats:
        target = folder / f"{MEMO_STEM}.{fmt}"
        if fmt == "html":
            written.append(write_text_atomic(target, html))
        elif fmt == "pdf":
            written.append(write_text_atomic(target, memo.render_pdf(html, base_dir=folder)))
        else:
            text = memo.render(task.scenario, "md", images="none", **common)
            written.append(write_text_atomic(target, text))
    return written


def run_scenario(task: ScenarioTask) -> ScenarioOutcome:
    """Evaluate one scenario, write its memos and run its notebook; never raises.

    Runs in a worker process (or a Dask worker). Writes `result.json` last, so a
    scenario counts as done only when every file it lists is in place.
    """
    started = time.perf_counter()
    out_dir = Path(task.out_dir)
    folder = scenario_folder(out_dir, task.stem)
    outcome = ScenarioOutcome(
        task.stem, task.scenario.name, task.source, task.source_row, task.input_hash, "failed"
    )
    files: list[Path] = []
    stage = "evaluate"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        from roi.evaluate import evaluate
        from roi.uncertainty import simulate

        point = evaluate(task.scenario)
        results = point.to_dict()
        simulation = simulate(task.scenario, task.samples, task.seed)
        decision = decide_scenario(point, simulation)
        summary = simulation.summary()
        row = results_row(task, results, decision, summary)

        if task.formats:
            stage = "memo"
            files.extend(write_memos(task, folder, simulation))
        if task.notebook:
            stage = "notebook"
            output = folder / NOTEBOOK_FILE
            try:
                shown = execute_notebook(
                    Path(task.notebook),
                    task.scenario,
                    output,
                    timeout=task.timeout,
                    cwd=task.cwd,
                    samples=task.samples,
                    seed=task.seed,
                )
            finally:
                if output.exists():
                    files.append(output)
            mismatch = notebook_mismatches(shown, results, decision.outcome, summary)
            if mismatch:
                raise NotebookFailed(
                    "the notebook's numbers differ from roi's: " + "; ".join(mismatch[:5])
                )
        relative = [p.relative_to(out_dir).as_posix() for p in files]
        row.update(_memo_links(relative))
        if task.notebook:
            row["notebook"] = (folder / NOTEBOOK_FILE).relative_to(out_dir).as_posix()
        outcome.row, outcome.files, outcome.status = row, relative, "ok"
    except Exception as error:  # recorded per scenario; the batch carries on
        outcome.stage = stage
        outcome.error = (
            str(error) if isinstance(error, RoiError) else f"{type(error).__name__}: {error}"
        ).strip()
        outcome.files = [p.relative_to(out_dir).as_posix() for p in files if p.exists()]
    outcome.seconds = time.perf_counter() - started
    try:
        record = {**asdict(outcome), "scenario": task.scenario.to_dict()}
        write_text_atomic(
            folder / RESULT_FILE, json.dumps(record, indent=1, default=str, allow_nan=False)
        )
    except (OSError, ValueError) as error:
        outcome.status, outcome.error = "failed", f"cannot record the result: {error}"
    return outcome


def run_scenarios(tasks: Sequence[ScenarioTask]) -> list[ScenarioOutcome]:
    """Several scenarios in one worker call (fewer round trips for the fast path)."""
    return [run_scenario(task) for task in tasks]


# --- resuming --------------------------------------------------------------------------


def input_hash(
    scenario: Scenario,
    *,
    notebook_sha256: str | None,
    formats: Sequence[str],
    samples: int,
    seed: int,
) -> str:
    """A fingerprint of everything that decides a scenario's outputs."""
    checklists = None
    if scenario.checklists:  # a user's checklists file enters by its content
        from roi.gates import load_checklists

        checklists = load_checklists(scenario.checklists).fingerprint
    payload = {
        "checklists": checklists,
        "format": RESULTS_FORMAT,
        "roi": __version__,
        "scenario": scenario.model_dump(mode="json"),
        "notebook": notebook_sha256,
        "formats": sorted(formats),
        "samples": samples,
        "seed": seed,
    }
    text = json.dumps(payload, sort_keys=True, ensure_ascii=True, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def previous_outcome(out_dir: Path, task: ScenarioTask) -> ScenarioOutcome | None:
    """The finished outcome of an earlier run with the same inputs, if its files exist."""
    path = scenario_folder(out_dir, task.stem) / RESULT_FILE
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        data.pop("scenario", None)  # the inputs, kept for people; the hash stands for them
        outcome = ScenarioOutcome(**data)
    except (OSError, ValueError, TypeError):
        return None
    if outcome.status != "ok" or outcome.input_hash != task.input_hash:
        return None
    if not all((out_dir / name).is_file() for name in outcome.files):
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


# --- the whole run -----------------------------------------------------------------------


@dataclass(frozen=True)
class BatchOptions:
    """How to run a batch. `notebook=None` is the fast path: memos and summary only."""

    out_dir: Path
    notebook: Path | None = DEFAULT_NOTEBOOK
    formats: tuple[str, ...] = ("html",)
    samples: int | None = None  # None: roi.uncertainty's default
    seed: int = DEFAULT_SEED
    workers: int = 1
    dask_address: str | None = None
    timeout: float = DEFAULT_TIMEOUT
    progress: bool = True
    chunk_size: int | None = None  # None: 1 with notebooks, larger without

    def check(self) -> None:
        problems = []
        unknown = [f for f in self.formats if f not in MEMO_FORMATS]
        if unknown:
            problems.append(
                Problem(
                    "formats",
                    ",".join(unknown),
                    f"must be among {', '.join(MEMO_FORMATS)}",
                    "batch",
                )
            )
        if self.workers < 1:
            problems.append(
                Problem("workers", self.workers, "must be a whole number >= 1", "batch")
            )
        if self.samples is not None and self.samples < 1:
            problems.append(
                Problem("samples", self.samples, "must be a whole number >= 1", "batch")
            )
        if not self.timeout > 0:
            problems.append(
                Problem("timeout", self.timeout, "must be a number of seconds > 0", "batch")
            )
        if problems:
            raise ScenarioError(problems)


@dataclass
class BatchReport:
    """What a batch run did: outcomes per scenario and the input problems it skipped."""

    out_dir: Path
    outcomes: list[ScenarioOutcome]
    input_problems: list[Problem]
    executor: str = ""
    started: str = ""
    finished: str = ""

    @property
    def failed(self) -> list[ScenarioOutcome]:
        return [o for o in self.outcomes if not o.ok]

    @property
    def rows(self) -> list[dict[str, Any]]:
        return [o.row for o in self.outcomes if o.ok and o.row is not None]

    @property
    def exit_code(self) -> int:
        """2 if any input was invalid (or none was valid), 1 if a scenario failed, else 0."""
        if self.input_problems or not self.outcomes:
            return EXIT_BAD_INPUT
        return EXIT_FAILED if self.failed else EXIT_OK

    def counts(self) -> dict[str, int]:
        return {
            "scenarios": len(self.outcomes),
            "ran": sum(o.status == "ok" for o in self.outcomes),
            "skipped_unchanged": sum(o.status == "skipped" for o in self.outcomes),
            "failed": len(self.failed),
            "invalid_inputs": len({(p.source, p.row) for p in self.input_problems}),
        }


def _chunks(tasks: list[ScenarioTask], size: int) -> list[list[ScenarioTask]]:
    return [tasks[start : start + size] for start in range(0, len(tasks), size)]


def _failed_outcome(task: ScenarioTask, error: BaseException) -> ScenarioOutcome:
    return ScenarioOutcome(
        task.stem,
        task.scenario.name,
        task.source,
        task.source_row,
        task.input_hash,
        "failed",
        stage="worker",
        error=f"{type(error).__name__}: {error}".strip(),
    )


def _write_plotly_js(out_dir: Path) -> None:
    from plotly.offline import get_plotlyjs

    target = out_dir / PLOTLY_JS
    script = get_plotlyjs()
    if not target.is_file() or target.stat().st_size != len(script.encode("utf-8")):
        write_text_atomic(target, script)


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


def run_batch(source: str | os.PathLike[str], options: BatchOptions) -> BatchReport:
    """Run every valid scenario under `source` and write the run's output folder."""
    from tqdm import tqdm

    from roi.executors import make_executor
    from roi.portfolio import write_reports

    options = replace(options, formats=tuple(f for f in options.formats if f != "none"))
    options.check()
    if options.samples is None:
        from roi.uncertainty import DEFAULT_SAMPLES

        options = replace(options, samples=DEFAULT_SAMPLES)
    started = datetime.now(UTC).isoformat(timespec="seconds")
    out_dir = Path(options.out_dir).resolve()
    entries, problems = load_batch(source)
    notebook = Path(options.notebook).resolve() if options.notebook else None
    notebook_sha = None
    if notebook is not None:
        declared_parameters(notebook)  # a bad notebook is bad input: stop before any work
        notebook_sha = file_sha256(notebook)
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise RoiError(
            f"cannot create the output folder {str(out_dir)!r}: {error.strerror}"
        ) from None
    formats = tuple(dict.fromkeys(options.formats))
    stems = unique_stems(entry.scenario.name for entry in entries)
    tasks = [
        ScenarioTask(
            scenario=entry.scenario,
            stem=stem,
            source=entry.source,
            source_row=entry.row,
            input_hash=input_hash(
                entry.scenario,
                notebook_sha256=notebook_sha,
                formats=formats,
                samples=options.samples,
                seed=options.seed,
            ),
            out_dir=str(out_dir),
            notebook=str(notebook) if notebook else None,
            formats=formats,
            samples=options.samples,
            seed=options.seed,
            timeout=options.timeout,
            cwd=os.getcwd(),
        )
        for entry, stem in zip(entries, stems, strict=True)
    ]
    outcomes: dict[str, ScenarioOutcome] = {}
    to_run = []
    for task in tasks:
        earlier = previous_outcome(out_dir, task)
        if earlier is not None:
            outcomes[task.stem] = earlier
        else:
            to_run.append(task)
    if any(f in ("html", "pdf") for f in formats):
        _write_plotly_js(out_dir)
    executor_description = "nothing to run"
    if to_run:
        size = options.chunk_size or (1 if notebook else _fast_chunk(len(to_run), options))
        chunks = _chunks(to_run, size)
        workers = min(options.workers, len(chunks))
        with (
            make_executor(workers, options.dask_address) as executor,
            tqdm(
                total=len(to_run),
                unit="scenario",
                disable=not options.progress,
                desc="roi batch",
                file=sys.stderr,
            ) as bar,
        ):
            executor_description = executor.description
            for index, result in executor.run(run_scenarios, chunks):
                done = (
                    result
                    if isinstance(result, list)
                    else [_failed_outcome(task, result) for task in chunks[index]]
                )
                for outcome in done:
                    outcomes[outcome.stem] = outcome
                bar.update(len(chunks[index]))
    report = BatchReport(
        out_dir=out_dir,
        outcomes=[outcomes[task.stem] for task in tasks],
        input_problems=problems,
        executor=executor_description,
        started=started,
        finished=datetime.now(UTC).isoformat(timespec="seconds"),
    )
    write_reports(report)
    write_manifest(report, source, options, notebook, notebook_sha)
    return report


def _fast_chunk(count: int, options: BatchOptions) -> int:
    # A few chunks per worker keeps every worker busy to the end with few round trips.
    return max(1, min(50, count // (max(options.workers, 1) * 4) or 1))


def write_manifest(
    report: BatchReport,
    source: str | os.PathLike[str],
    options: BatchOptions,
    notebook: Path | None,
    notebook_sha: str | None,
) -> Path:
    """manifest.json: the inputs with their hashes, versions, seeds and every outcome."""
    try:
        inputs = [{"path": str(p), "sha256": file_sha256(p)} for p in scenario_files(source)]
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


def default_out_dir(source: str | os.PathLike[str]) -> Path:
    """outputs/<input name>-batch: the same command reruns into the same folder."""
    return Path("outputs") / f"{safe_stem(Path(source).stem or 'scenarios')}-batch"


def report_text(report: BatchReport) -> str:
    """What a person reads at the end of a run: problems, failures, counts, where to look."""
    lines = []
    if report.input_problems:
        lines.append(
            f"{len(report.input_problems)} problems in the input (those scenarios were skipped):"
        )
        lines.extend(f"  - {problem}" for problem in report.input_problems)
    for outcome in report.failed:
        where = f" (partial output: {', '.join(outcome.files)})" if outcome.files else ""
        lines.append(f"failed: {outcome.name} [{outcome.stage}]: {outcome.error}{where}")
    counts = report.counts()
    lines.append(
        f"{counts['scenarios']} scenarios: {counts['ran']} ran, {counts['skipped_unchanged']} "
        f"unchanged (skipped), {counts['failed']} failed; {counts['invalid_inputs']} invalid "
        "inputs skipped"
    )
    lines.append(f"portfolio: {report.out_dir / 'portfolio.html'}")
    return "\n".join(lines)
