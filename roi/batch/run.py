"""Many scenarios in one run: per scenario an executed notebook, memos and a results row.

`run_batch` validates every scenario first (invalid ones are reported and skipped),
runs the valid ones in parallel through an executor from `roi.batch.executors`, and writes
one output folder per run::

    OUT/
      summary.csv  summary.xlsx  portfolio.html  failures.csv  manifest.json
      plotly.min.js                      one copy shared by every memo and the report
      scenarios/<safe-name>/
        workbook.ipynb                   the executed notebook (partial if it failed)
        memo.html, memo.md, ...          from roi.reports.memo
        result.json                      status, input hash, inputs, results row, files

A rerun with the same inputs skips every scenario whose `result.json` says it finished
with the same input hash and whose files still exist, and runs the rest.

Scenario values reach the notebook only after three checks: each name is a Scenario
field that the notebook's `parameters` cell declares, each value is plain data, and the
cell papermill generates parses to nothing but `name = literal` assignments.
"""

from __future__ import annotations

import contextlib
import errno
import json
import math
import os
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import asdict, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from roi.assess import Assessment, assess
from roi.batch.inputs import load_batch, scenario_folder
from roi.batch.manifest import (
    SEAL_KEY,
    file_digest,
    file_sha256,
    input_hash,
    outcome_seal,
    previous_outcome,
    write_manifest,
)
from roi.batch.notebook import (
    declared_parameters,
    execute_notebook,
    notebook_mismatches,
    require_parameters,
)
from roi.batch.tasks import (
    MEMO_FORMATS,
    NOTEBOOK_FILE,
    PLOTLY_JS,
    RESULT_FILE,
    BatchOptions,
    BatchReport,
    NotebookFailed,
    ScenarioOutcome,
    ScenarioTask,
)
from roi.exceptions import OutputError, RoiError, value_text
from roi.files import InvalidRow, csv_text, skipped_text, write_text_atomic
from roi.formatting import safe_stem, unique_stems
from roi.scenario import Scenario


def results_row(task: ScenarioTask, assessment: Assessment) -> dict[str, Any]:
    """One summary row: the assessment's portfolio row and where the scenario came from."""
    row = assessment.summary_row()
    if task.priors_all:  # the value after the gates under every base rate (roi.priors)
        from roi.priors import flip_share, under_priors

        for under in under_priors(assessment.evidence, assessment.outcome):
            row[f"risk_adjusted_npv_{under.name}"] = under.risk_adjusted_npv
        row["flip_share_reaching_production"] = flip_share(assessment.evidence)
    row["source"] = task.source
    row["source_row"] = task.source_row
    row["stem"] = task.stem
    return row


def _memo_links(files: Sequence[str]) -> dict[str, str]:
    links: dict[str, str] = {}
    for name in files:
        suffix = Path(name).suffix.lstrip(".")
        if Path(name).stem.startswith("memo") or suffix in MEMO_FORMATS:
            links.setdefault(f"memo_{suffix}", name)
    return links


MEMO_STEM = "memo"


def write_memos(task: ScenarioTask, folder: Path, assessment: Assessment) -> list[Path]:
    """The scenario's memos in the batch's formats, from the batch's own assessment.

    One assessment makes the memo's numbers and decision the summary's by construction.
    HTML and PDF link the run's one plotly.min.js; Markdown memos link their charts as
    SVG files in `memo_charts/` beside them (drawn by matplotlib, no browser).
    """
    from roi.reports import memo

    plotly_js = os.path.relpath(Path(task.out_dir) / PLOTLY_JS, folder)
    written = []
    html = ""
    figures = memo.memo_figures(assessment)  # drawn once for every format
    if "html" in task.formats or "pdf" in task.formats:
        html = memo.render(assessment, "html", plotly_js=plotly_js, figures=figures)
    for fmt in task.formats:
        target = folder / f"{MEMO_STEM}.{fmt}"
        if fmt == "html":
            written.append(write_text_atomic(target, html))
        elif fmt == "pdf":
            written.append(write_text_atomic(target, memo.render_pdf(html, base_dir=folder)))
        else:
            charts = folder / f"{MEMO_STEM}_charts"
            links = {}
            for chart_id, svg in memo.svg_images(figures).items():
                written.append(write_text_atomic(charts / f"{chart_id}.svg", svg))
                links[chart_id] = f"{charts.name}/{chart_id}.svg"
            text = memo.render(assessment, "md", images=links, figures=figures)
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
        assessment = assess(task.scenario, samples=task.samples, seed=task.seed, rule=task.rule)
        row = results_row(task, assessment)

        if task.formats:
            stage = "memo"
            files.extend(write_memos(task, folder, assessment))
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
                    kernel_dir=task.kernel_dir,
                    confidence=task.confidence,
                )
            finally:
                if output.exists():
                    files.append(output)
            mismatch = notebook_mismatches(shown, assessment.to_dict())
            if mismatch:
                raise NotebookFailed(
                    "the notebook's numbers differ from roi's: " + "; ".join(mismatch[:5])
                )
        relative = [p.relative_to(out_dir).as_posix() for p in files]
        row.update(_memo_links(relative))
        if task.notebook:
            row["notebook"] = (folder / NOTEBOOK_FILE).relative_to(out_dir).as_posix()
        outcome.row, outcome.files, outcome.status = row, relative, "ok"
        outcome.digests = {name: file_digest(out_dir / name) for name in relative}
    except Exception as error:  # recorded per scenario; the batch carries on
        outcome.stage = stage
        outcome.error = (
            str(error) if isinstance(error, RoiError) else f"{type(error).__name__}: {error}"
        ).strip()
        outcome.files = [p.relative_to(out_dir).as_posix() for p in files if p.exists()]
    outcome.seconds = time.perf_counter() - started
    try:
        sealed = asdict(outcome)
        record = {
            **sealed,
            SEAL_KEY: outcome_seal(sealed),
            "scenario": task.scenario.to_dict(),
        }
        write_text_atomic(
            folder / RESULT_FILE, json.dumps(record, indent=1, default=str, allow_nan=False)
        )
    except (OSError, ValueError) as error:
        outcome.status, outcome.error = "failed", f"cannot record the result: {error}"
    return outcome


def run_scenarios(tasks: Sequence[ScenarioTask]) -> list[ScenarioOutcome]:
    """Several scenarios in one worker call (fewer round trips for the fast path)."""
    return [run_scenario(task) for task in tasks]


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


FAILURE_COLUMNS = (
    "kind",
    "source",
    "row",
    "scenario",
    "field",
    "value",
    "problem",
    "stage",
    "output",
)


def failures_frame(report: BatchReport) -> pd.DataFrame:
    """Invalid inputs (file, row, field, value, rule) and failed runs, one per line."""
    records = []
    for bad in report.invalid:
        for problem in bad.problems:
            records.append(
                {
                    "kind": "invalid input",
                    "source": problem.source or bad.source,
                    "row": problem.row if problem.row is not None else bad.row,
                    "scenario": bad.name,
                    "field": problem.field,
                    "value": value_text(problem.value),
                    "problem": problem.allowed,
                    "stage": "validate",
                    "output": "",
                }
            )
    for outcome in report.failed:
        partial = [f for f in outcome.files if f.endswith(NOTEBOOK_FILE)]
        records.append(
            {
                "kind": "failed run",
                "source": outcome.source,
                "row": outcome.source_row,
                "scenario": outcome.name,
                "field": "",
                "value": "",
                "problem": outcome.error,
                "stage": outcome.stage,
                "output": partial[0] if partial else "",
            }
        )
    frame = pd.DataFrame(records, columns=list(FAILURE_COLUMNS))
    frame["row"] = frame["row"].astype("Int64")
    return frame


def write_reports(report: BatchReport, rank_by: str = "npv") -> list[Path]:
    """The portfolio files of a run: summary.csv/.xlsx, failures.csv, portfolio.html."""
    from roi.reports.portfolio import RunFacts, summary_frame, write_portfolio

    run = RunFacts(
        finished=report.finished,
        executor=report.executor,
        counts=report.counts(),
        plotly_js=PLOTLY_JS if (report.out_dir / PLOTLY_JS).is_file() else "",
        rank_by=rank_by,
        selection_html=report.selection_html,
    )
    summary = summary_frame(summary_rows(report), rank_by=run.rank_by)
    return write_portfolio(report.out_dir, summary, failures_frame(report), run)


STATUS = {"ok": "ran", "skipped": "unchanged"}
"""A finished outcome's status as the summary words it (failed and invalid otherwise)."""


def summary_rows(report: BatchReport) -> list[dict[str, Any]]:
    """A row for every scenario of the input, in input order: the results of those that
    ran or were unchanged, and the name, status and reason of those that failed or were
    invalid, so the summary accounts for every row."""
    rows: list[dict[str, Any]] = []
    for outcome in report.outcomes:
        if outcome.ok and outcome.row is not None:
            rows.append({**outcome.row, "status": STATUS[outcome.status], "reason": ""})
        else:
            rows.append(
                {
                    "name": outcome.name,
                    "decision": "",
                    "status": "failed",
                    "reason": f"{outcome.stage}: {outcome.error}"
                    if outcome.stage
                    else outcome.error,
                    "source": outcome.source,
                    "source_row": outcome.source_row,
                }
            )
    for bad in report.invalid:
        rows.append(
            {
                "name": bad.name or f"({Path(bad.source).name})",  # a whole file: its name
                "decision": "",
                "status": "invalid",
                "reason": bad.reason,
                "source": bad.source,
                "source_row": bad.row,
            }
        )
    return rows


def batch_scenario(scenario: Scenario, options: BatchOptions) -> Scenario:
    """A scenario as the batch's options make it: one base-rate set (`--priors NAME`)
    and one MLOps maturity a Go needs (`--min-maturity`) for every scenario, as
    `roi run` takes them; anything else as the scenario says."""
    changes: dict[str, Any] = {}
    if options.priors not in (None, "all"):
        changes["priors"] = options.priors
    if options.min_maturity is not None:
        changes["min_maturity"] = options.min_maturity
    return scenario.evolve(**changes) if changes else scenario


def run_batch(source: str | os.PathLike[str], options: BatchOptions) -> BatchReport:
    """Run every valid scenario under `source` and write the run's output folder."""
    from tqdm import tqdm

    from roi.batch.executors import make_executor

    options = replace(options, formats=tuple(f for f in options.formats if f != "none"))
    options.check()
    started = datetime.now(UTC).isoformat(timespec="seconds")
    out_dir = Path(options.out_dir).resolve()
    entries, invalid = load_batch(source)
    entries = [replace(e, scenario=batch_scenario(e.scenario, options)) for e in entries]
    notebook = Path(options.notebook).resolve() if options.notebook else None
    notebook_sha = None
    if notebook is not None:
        # A bad notebook is bad input: stop before any work.
        require_parameters(notebook, declared_parameters(notebook))
        notebook_sha = file_sha256(notebook)
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise OutputError(out_dir, error) from None  # exit 1: the input was fine
    # Kernels' socket folders live in one temp folder per run, removed when the run ends,
    # interrupted or not (a terminated worker cleans nothing up itself).
    kernels = tempfile.TemporaryDirectory(prefix="roi-batch-", ignore_cleanup_errors=True)
    with output_lock(out_dir), kernels as kernel_dir:
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
                    priors_all=options.priors == "all",
                    confidence=options.confidence,
                ),
                out_dir=str(out_dir),
                notebook=str(notebook) if notebook else None,
                formats=formats,
                samples=options.samples,
                seed=options.seed,
                timeout=options.timeout,
                cwd=os.getcwd(),
                kernel_dir=kernel_dir,
                priors_all=options.priors == "all",
                confidence=options.confidence,
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
                last_summary = -math.inf  # the first finished scenario is written at once
                try:
                    for index, result in executor.run(run_scenarios, chunks):
                        done = (
                            result
                            if isinstance(result, list)
                            else [_failed_outcome(task, result) for task in chunks[index]]
                        )
                        for outcome in done:
                            outcomes[outcome.stem] = outcome
                        bar.update(len(chunks[index]))
                        if time.monotonic() - last_summary >= SUMMARY_EVERY_SECONDS:
                            # Even a run killed outright (kill -9, power cut) leaves a
                            # summary of what had finished a few seconds before.
                            _write_running_summary(out_dir, tasks, outcomes)
                            last_summary = time.monotonic()
                except KeyboardInterrupt:
                    # What finished is on disk: summarise it, so even an interrupted first
                    # run has a summary, then let the interrupt end the run.
                    partial = _report(
                        out_dir, tasks, outcomes, invalid, executor_description, started
                    )
                    _write_what_can_be_written(partial, source, options, notebook, notebook_sha)
                    raise
        report = _report(out_dir, tasks, outcomes, invalid, executor_description, started)
        if options.budget is not None:
            report.selection_html = _selection(tasks, outcomes, options, source)
        return _write_what_can_be_written(report, source, options, notebook, notebook_sha)


def _selection(
    tasks: Sequence[ScenarioTask],
    outcomes: dict[str, ScenarioOutcome],
    options: BatchOptions,
    source: str | os.PathLike[str],
) -> str:
    """What the budget funds among the scenarios that ran (`roi portfolio`'s choice and
    words), as an HTML fragment; a choice that cannot be made says why instead."""
    import html

    from roi.portfolio import Constraints, Member, plan_portfolio
    from roi.reports.selection import selection_fragment

    members = [
        Member(task.scenario) for task in tasks if task.stem in outcomes and outcomes[task.stem].ok
    ]
    if not members:
        return ""
    try:
        result = plan_portfolio(
            members,
            Constraints(options.budget, {}, None),
            samples=options.samples,
            seed=options.seed,
        )
    except RoiError as error:
        return f"<p>No set could be chosen: {html.escape(str(error))}</p>"
    return selection_fragment(result, str(source))


SUMMARY_EVERY_SECONDS = 2.0
"""How often a running batch rewrites summary.csv with what has finished so far."""


def _write_running_summary(
    out_dir: Path, tasks: Sequence[ScenarioTask], outcomes: dict[str, ScenarioOutcome]
) -> None:
    """summary.csv of the scenarios finished so far, in input order, written atomically
    (the final summary, xlsx and portfolio.html replace it when the run ends)."""
    from roi.reports.portfolio import summary_frame

    finished = (outcomes[task.stem] for task in tasks if task.stem in outcomes)
    rows = [o.row for o in finished if o.ok and o.row is not None]
    with contextlib.suppress(OSError):  # a full disk is reported when the run ends
        write_text_atomic(out_dir / "summary.csv", csv_text(summary_frame(rows)))


LOCK_FILE = ".roi-batch.lock"


@contextlib.contextmanager
def output_lock(out_dir: Path) -> Iterator[None]:
    """Hold `out_dir` for one batch: a second batch into the same folder is refused at
    once (it would run everything twice and write over the first one's files), and a
    folder that cannot be written is a message before any work.

    The lock is an flock on `out_dir/.roi-batch.lock`, released by the kernel when the
    process ends however it ends, so a killed run leaves no stale lock.
    """
    import fcntl

    path = out_dir / LOCK_FILE
    try:
        # Never through a link: a lock file planted as a symlink must not truncate or
        # write its target.
        descriptor = os.open(path, os.O_RDWR | os.O_CREAT | os.O_APPEND | os.O_NOFOLLOW, 0o644)
        handle = open(descriptor, "a+", encoding="utf-8")  # noqa: SIM115 - held for the run
    except OSError as error:
        if error.errno == errno.ELOOP:
            raise RoiError(
                f"{str(path)!r} is a symbolic link: roi does not write through links; "
                "remove it, or choose another --out"
            ) from None
        raise OutputError(out_dir, error) from None
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "another process"
            raise RoiError(
                f"another roi batch ({holder}) is writing to {str(out_dir)!r}: wait for it "
                "to finish, or choose another --out"
            ) from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"pid {os.getpid()}\n")
        handle.flush()
        yield
    finally:
        handle.close()


def _report(
    out_dir: Path,
    tasks: Sequence[ScenarioTask],
    outcomes: dict[str, ScenarioOutcome],
    invalid: list[InvalidRow],
    executor_description: str,
    started: str,
) -> BatchReport:
    return BatchReport(
        out_dir=out_dir,
        outcomes=[outcomes[task.stem] for task in tasks if task.stem in outcomes],
        input_problems=[problem for bad in invalid for problem in bad.problems],
        invalid=list(invalid),
        executor=executor_description,
        started=started,
        finished=datetime.now(UTC).isoformat(timespec="seconds"),
    )


def _write_what_can_be_written(
    report: BatchReport,
    source: str | os.PathLike[str],
    options: BatchOptions,
    notebook: Path | None,
    notebook_sha: str | None,
) -> BatchReport:
    """The portfolio files and manifest; a full or read-only disk is reported in the
    run's report (and its exit status), never a traceback that hides the failures."""
    try:
        write_reports(report, options.rank_by)
        write_manifest(report, source, options, notebook, notebook_sha)
    except OSError as error:
        report.write_error = (
            f"cannot write the portfolio files in {str(report.out_dir)!r}: "
            f"{error.strerror or type(error).__name__}"
        )
    return report


def _fast_chunk(count: int, options: BatchOptions) -> int:
    # A few chunks per worker keeps every worker busy to the end with few round trips.
    return max(1, min(50, count // (max(options.workers, 1) * 4) or 1))


def default_out_dir(source: str | os.PathLike[str]) -> Path:
    """outputs/<input name>-batch: the same command reruns into the same folder."""
    return Path("outputs") / f"{safe_stem(Path(source).stem or 'scenarios')}-batch"


def report_text(report: BatchReport) -> str:
    """What a person reads at the end of a run: problems, failures, counts, where to look."""
    lines = []
    if report.invalid:
        lines.append(skipped_text(report.invalid))
    for outcome in report.failed:
        where = f" (partial output: {', '.join(outcome.files)})" if outcome.files else ""
        lines.append(f"failed: {outcome.name} [{outcome.stage}]: {outcome.error}{where}")
    counts = report.counts()
    lines.append(
        f"{counts['scenarios']} scenarios: {counts['ran']} ran, {counts['skipped_unchanged']} "
        f"unchanged (skipped), {counts['failed']} failed; {counts['invalid_inputs']} invalid "
        "inputs skipped"
    )
    if report.write_error:
        lines.append(report.write_error)
    else:
        lines.append(f"portfolio: {report.out_dir / 'portfolio.html'}")
    return "\n".join(lines)
