"""What a batch run is made of: its options, one task and one outcome per scenario, the report."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from roi.decision import DecisionRule
from roi.evidence import DEFAULT_CONFIDENCE
from roi.exceptions import EXIT_BAD_INPUT, EXIT_FAILED, EXIT_OK, Problem, RoiError, ScenarioError
from roi.files import InvalidRow
from roi.reports import FORMATS as MEMO_FORMATS
from roi.reports.portfolio import RANKINGS
from roi.resources import WORKBOOK_NOTEBOOK
from roi.scenario import Scenario
from roi.uncertainty import DEFAULT_SAMPLES

DEFAULT_NOTEBOOK = WORKBOOK_NOTEBOOK
SCENARIOS_DIR = "scenarios"
RESULT_FILE = "result.json"
MANIFEST_FILE = "manifest.json"
PLOTLY_JS = "plotly.min.js"
NOTEBOOK_FILE = "workbook.ipynb"
DEFAULT_SEED = 0
DEFAULT_TIMEOUT = 300.0
RESULTS_FORMAT = 2  # bump when result.json or the input hash changes meaning

# Notebook parameters that are not Scenario fields. The batch pins scenario_file to None
# (so the injected fields are used) and passes its Monte Carlo settings to a notebook that
# declares them, so the notebook's simulation is the summary's; a confidence other than
# roi's default goes in too, so the notebook decides as the summary does.
NOTEBOOK_ONLY_PARAMETERS: tuple[str, ...] = ("scenario_file", "samples", "seed", "confidence")


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
    kernel_dir: str | None = None  # where kernels' socket folders go (removed by the run)
    priors_all: bool = False  # add the risk-adjusted NPV under every base rate to the row
    confidence: float = DEFAULT_CONFIDENCE  # the decision rule's (roi run --confidence)

    @property
    def rule(self) -> DecisionRule:
        """The decision rule the batch's options give (the same as `roi run`'s)."""
        return DecisionRule(confidence=self.confidence)


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
    digests: dict[str, str] = field(default_factory=dict)
    """{file: "<bytes>:<sha256>"} of a finished scenario's files: a rerun trusts a file
    only while it is exactly what this run wrote (a 0-byte or edited memo is made again)."""

    @property
    def ok(self) -> bool:
        return self.status in ("ok", "skipped")


# --- the whole run -----------------------------------------------------------------------


@dataclass(frozen=True)
class BatchOptions:
    """How to run a batch. `notebook=None` is the fast path: memos and summary only."""

    out_dir: Path
    notebook: Path | None = DEFAULT_NOTEBOOK
    formats: tuple[str, ...] = ("html",)
    samples: int = DEFAULT_SAMPLES  # 0: decide on the likely values, no Monte Carlo
    seed: int = DEFAULT_SEED
    workers: int = 1
    dask_address: str | None = None
    timeout: float = DEFAULT_TIMEOUT
    progress: bool = True
    chunk_size: int | None = None  # None: 1 with notebooks, larger without
    rank_by: str = "npv"  # roi.reports.portfolio.RANKINGS: npv or risk-adjusted
    budget: float | None = None  # one-time budget: the page shows the set it funds
    priors: str | None = None  # a base-rate set for every scenario, or "all" (roi.priors)
    confidence: float = DEFAULT_CONFIDENCE  # least P(payback in time) for a Go
    min_maturity: int | None = None  # the MLOps maturity a Go needs, for every scenario

    @property
    def rule(self) -> DecisionRule:
        """The decision rule the batch decides with (its maturity goes into each
        scenario instead, so that its notebooks decide alike: `batch_scenario`)."""
        return DecisionRule(confidence=self.confidence)

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
        if self.samples < 0:
            problems.append(
                Problem("samples", self.samples, "must be a whole number >= 0", "batch")
            )
        if self.rank_by not in RANKINGS:
            problems.append(
                Problem("rank", self.rank_by, f"must be one of {', '.join(RANKINGS)}", "batch")
            )
        if self.priors is not None:
            from roi.base_rates import priors

            if self.priors not in (*priors(), "all"):
                problems.append(
                    Problem(
                        "priors",
                        self.priors,
                        "must be one of " + ", ".join([*priors(), "all"]),
                        "batch",
                    )
                )
        if isinstance(self.confidence, bool) or not 0 < self.confidence <= 1:
            problems.append(
                Problem("confidence", self.confidence, "must be a number > 0 and <= 1", "batch")
            )
        if self.min_maturity not in (None, 1, 2, 3):
            problems.append(
                Problem("min-maturity", self.min_maturity, "must be 1, 2 or 3", "batch")
            )
        if self.budget is not None and not self.budget >= 0:
            problems.append(
                Problem("budget", self.budget, "must be a number of dollars >= 0", "batch")
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
    write_error: str = ""  # why the portfolio files could not be written, if they could not
    invalid: list[InvalidRow] = field(default_factory=list)  # the skipped scenarios
    selection_html: str = ""  # what the budget funds, when one was given

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
        return EXIT_FAILED if self.failed or self.write_error else EXIT_OK

    def counts(self) -> dict[str, int]:
        return {
            "scenarios": len(self.outcomes),
            "ran": sum(o.status == "ok" for o in self.outcomes),
            "skipped_unchanged": sum(o.status == "skipped" for o in self.outcomes),
            "failed": len(self.failed),
            "invalid_inputs": len(self.invalid)
            or len({(p.source, p.row) for p in self.input_problems}),
        }
