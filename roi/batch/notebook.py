"""A scenario as checked notebook parameters: inject, run, and check what the notebook shows."""

from __future__ import annotations

import ast
import keyword
import math
import os
import shutil
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from roi.batch.tasks import NOTEBOOK_ONLY_PARAMETERS, NotebookFailed
from roi.evidence import DEFAULT_CONFIDENCE
from roi.exceptions import MISSING, Problem, ScenarioError
from roi.scenario import SCENARIO_KEYS, Scenario
from roi.uncertainty import DEFAULT_SAMPLES

# --- notebook parameters ---------------------------------------------------------------


def notebook_parameters(
    scenario: Scenario,
    declared: Iterable[str],
    *,
    samples: int = DEFAULT_SAMPLES,
    seed: int = 0,
    confidence: float = DEFAULT_CONFIDENCE,
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
            parameters[key] = _text_keys(given[key])
        elif key in declared:
            parameters[key] = dumped[key]
    if "scenario_file" in declared:
        parameters["scenario_file"] = None
    for key, value in (("samples", samples), ("seed", seed)):
        if key in declared and value is not None:
            parameters[key] = value
    if confidence != DEFAULT_CONFIDENCE:  # a notebook that cannot take it is named
        parameters["confidence"] = confidence
    return parameters


def _text_keys(value: Any) -> Any:
    """A value with every mapping's keys as text, as a JSON or YAML file writes them:
    gate odds keyed by gate number (`{2: 0.9}`) are injected as `{"2": 0.9}`, which a
    scenario reads back as the same gates.

    >>> _text_keys({2: 0.9, "x": [{3: 1}]})
    {'2': 0.9, 'x': [{'3': 1}]}
    """
    if isinstance(value, dict):
        return {str(k): _text_keys(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_text_keys(v) for v in value]
    return value


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
        if (
            not isinstance(statement, ast.Assign)
            or len(targets) != 1
            or not isinstance(targets[0], ast.Name)
        ):
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
    notebook: Path,
    scenario: Scenario,
    *,
    samples: int = DEFAULT_SAMPLES,
    seed: int = 0,
    confidence: float = DEFAULT_CONFIDENCE,
) -> Any:
    """The notebook with the scenario's parameters injected, every check passed."""
    from papermill.iorw import load_notebook_node
    from papermill.parameterize import parameterize_notebook

    declared = declared_parameters(notebook)
    parameters = notebook_parameters(
        scenario, declared, samples=samples, seed=seed, confidence=confidence
    )
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


def _kernel_manager_class(log_path: Path, socket_root: str | None = None) -> type:
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
            # Under the batch's own temp folder, which the batch removes when it ends
            # however its workers end (a terminated worker runs no cleanup).
            self._socket_dir = tempfile.mkdtemp(prefix="roi-kernel-", dir=socket_root)
            kwargs.setdefault("transport", "ipc")
            kwargs.setdefault("ip", os.path.join(self._socket_dir, "kernel"))
            kwargs.setdefault("connection_file", os.path.join(self._socket_dir, "kernel.json"))
            super().__init__(**kwargs)

        async def start_kernel(self, **kwargs: Any) -> None:  # type: ignore[override]
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
    samples: int = DEFAULT_SAMPLES,
    seed: int = 0,
    kernel_dir: str | None = None,
    confidence: float = DEFAULT_CONFIDENCE,
) -> dict[str, Any]:
    """Run the notebook for one scenario and return the results it displayed.

    The executed notebook is written to `output` atomically, also when a cell fails, a
    cell runs past `timeout` seconds or the kernel dies (then it holds the output up to
    that point, and NotebookFailed is raised).
    """
    import papermill

    node = parameterized_notebook(
        notebook, scenario, samples=samples, seed=seed, confidence=confidence
    )
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
            execution_timeout=math.ceil(timeout),  # nbclient takes whole seconds
            kernel_manager_class=_kernel_manager_class(kernel_log, kernel_dir),
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
    from roi.reports.notebook import RESULTS_MIMETYPE

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


def notebook_mismatches(shown: Mapping[str, Any], expected: Mapping[str, Any]) -> list[str]:
    """Where the notebook's displayed assessment differs from roi's for the same scenario.

    Both are `Assessment.to_dict()`: every key roi has must be shown, with the same
    value (numbers to 1e-12 relative), the Monte Carlo's and the decision's included.
    The batch runs the notebook with its own samples and seed (`require_parameters`
    makes sure it declares them), so nothing here is skipped.
    """
    return differences({key: shown[key] for key in expected if key in shown}, dict(expected)) + [
        f"{key}: not shown by the notebook" for key in expected if key not in shown
    ]


REQUIRED_PARAMETERS = ("samples", "seed")
"""What a batch notebook must declare, so its Monte Carlo is the batch's."""


def require_parameters(notebook: Path, declared: Iterable[str]) -> None:
    """Fail, naming the notebook, when it does not declare the batch's samples and seed."""
    missing = [name for name in REQUIRED_PARAMETERS if name not in set(declared)]
    if missing:
        raise ScenarioError(
            [
                Problem(
                    "parameters",
                    ", ".join(missing),
                    "the notebook's parameters cell must declare "
                    + " and ".join(f"`{m}`" for m in missing)
                    + " (e.g. samples = 20000, seed = 0) so the batch's Monte Carlo reaches it",
                    str(notebook),
                )
            ]
        )
