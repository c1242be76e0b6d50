"""State and logic of the workbook app (inputs, validation, results, downloads), without widgets.

The view in `roi.app` binds widgets to a `WorkbookModel`; everything a user can do in the
browser is a method here, so it is tested without a browser. This module must not import
ipywidgets.
"""

from __future__ import annotations

import base64
import html
import math
import os
import tempfile
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, Literal, TypeGuard

import numpy as np
import pandas as pd

from roi import sensitivity
from roi.amounts import PERCENT_UNITS, SHARE_UNITS, read_metric, read_number
from roi.app.link import base_for, left_out, share_query, table_row
from roi.assess import HEADLINES, Assessment, assess, likely_headline
from roi.decision import OUTCOME_CSS, DecisionRule
from roi.evaluate import Results, evaluate
from roi.exceptions import MISSING, Problem, RoiError, ScenarioError
from roi.files import (
    load_scenarios,
    project_path,
    read_records,
    scenario_yaml,
    scenarios_from_records,
)
from roi.formatting import money, months, share, weeks
from roi.gates import load_checklists
from roi.presentation import (
    Figure,
    PointResults,
    benefit_figures,
    present,
    unit_cost_figure,
)
from roi.resources import SCENARIOS
from roi.safe_yaml import MAX_FILE_BYTES
from roi.scenario import (
    FIELD_SPECS,
    NUMERIC_FIELDS,
    PLAN_WORD,
    Scenario,
    plain_value,
    scenario_from_dict,
)
from roi.uncertainty import DEFAULT_SAMPLES

TEMPLATES_DIR = SCENARIOS
SCENARIO_SUFFIXES = (".yaml", ".yml", ".json", ".csv", ".xlsx")

GROUPS: tuple[str, ...] = ("Impact", "Costs", "Timeline", "Uncertainty", "Evidence", "Readiness")
# Where each FieldSpec group is shown: decision and finance inputs sit with the costs.
_APP_GROUP = {
    "Impact": "Impact",
    "Costs": "Costs",
    "Decision": "Costs",
    "Finance": "Costs",
    "Timeline": "Timeline",
    "Benefits": "Impact",
    "Unit economics": "Costs",
}

# Sensible slider bounds (minimum, maximum, step) in each field's unit; None: a number box.
# A scenario value above the maximum widens the slider (see `control_for`).
_SLIDERS: dict[str, tuple[float, float, float] | None] = {
    "users": (0, 5_000, 1),
    "tasks_per_day": (0, 100, 0.5),
    "minutes_saved_per_task": (0, 120, 0.5),
    "hourly_rate": (0, 300, 1),
    "workdays_per_year": (1, 366, 1),
    "incremental_revenue": None,
    "platform_cost_annual": None,
    "model_cost_annual": None,
    "support_cost_annual": None,
    "build_cost": None,
    "change_cost": None,
    "payback_threshold_months": (1, 60, 1),
    "adoption_months": (0, 36, 1),
    "discount_rate": (0, 0.5, 0.01),
    "horizon_months": (1, 120, 1),
    "fallback_rate": (0, 1, 0.01),
    "review_minutes_per_fallback": (0, 60, 0.5),
    "capacity_realised": (0, 1, 0.01),
    "protected_revenue": None,
    "protected_revenue_realised": (0, 1, 0.01),
    "reduced_cost": None,
    "reduced_cost_realised": (0, 1, 0.01),
    "risk_probability": (0, 1, 0.01),
    "risk_loss_avoided": None,
    "risk_realised": (0, 1, 0.01),
    "requests_per_task": (0, 20, 0.5),
    "input_tokens_per_request": (0, 20_000, 100),
    "output_tokens_per_request": (0, 5_000, 50),
    "price_per_million_input_tokens": (0, 20, 0.01),
    "price_per_million_output_tokens": (0, 80, 0.01),
    "serving_cost_per_1000_requests": (0, 10, 0.01),
}

# Inputs whose low-high range the Uncertainty group offers as a range slider.
UNCERTAIN_FIELDS: tuple[str, ...] = (
    "users",
    "tasks_per_day",
    "minutes_saved_per_task",
    "hourly_rate",
    "incremental_revenue",
    "platform_cost_annual",
    "model_cost_annual",
    "support_cost_annual",
    "build_cost",
    "change_cost",
    "adoption_months",
    "fallback_rate",
    "capacity_realised",
    "input_tokens_per_request",
    "output_tokens_per_request",
)

CHART_NAMES: tuple[str, ...] = ("cash_flow", "payback", "tornado", "gantt", "evppi", "importance")
EVIDENCE_CHARTS: tuple[str, ...] = ("evppi", "importance")
"""The charts the Evidence tab shows (the rest sit in the chart grid)."""

NEW_CRITERION: dict[str, Any] = {
    "name": "New criterion",
    "direction": "higher",
    "target": 0.9,
    "minimum": 0.8,
    "measured": 0.85,
    "unit": "share",
}
"""What 'Add criterion' starts from: a share between its kill line and target (close)."""

APP_SAMPLES = DEFAULT_SAMPLES
"""Monte Carlo samples per update; charts receive binned summaries, never raw samples."""


@dataclass(frozen=True)
class Control:
    """How the view shows one numeric input: widget kind, bounds, step, label and unit."""

    field: str
    label: str
    unit: str
    group: str
    help: str
    kind: Literal["slider", "number"]
    minimum: float
    maximum: float
    step: float
    whole: bool = False

    @property
    def description(self) -> str:
        return f"{self.label} ({'%' if self.unit == 'share' else self.unit})"


def _nice_ceiling(value: float) -> float:
    """The next 1-2-5 step at or above `value`.

    >>> _nice_ceiling(3_100), _nice_ceiling(7), _nice_ceiling(0)
    (5000.0, 10.0, 1.0)
    """
    if value <= 0:
        return 1.0
    power = 10 ** math.floor(math.log10(value))
    for factor in (1, 2, 5, 10):
        if factor * power >= value:
            return float(factor * power)
    return float(10 * power)  # pragma: no cover - the loop always returns


def control_for(field_name: str, scenario: Scenario | None = None) -> Control:
    """The control of a numeric field, widened so the scenario's values fit.

    >>> control_for("users").maximum, control_for("build_cost").kind
    (5000, 'number')
    """
    spec = FIELD_SPECS[field_name]
    bounds = _SLIDERS[field_name]
    group = _APP_GROUP[spec.group]
    whole = spec.whole or field_name == "users"
    if bounds is None:
        return Control(
            field_name,
            spec.label,
            spec.unit,
            group,
            spec.help,
            "number",
            spec.minimum,
            spec.maximum if spec.maximum is not None else 1e12,
            1_000,
            whole,
        )
    low, high, step = bounds
    if scenario is not None:
        value = getattr(scenario, field_name)
        top = value.high if hasattr(value, "high") else float(value)
        if top > high:
            high = _nice_ceiling(top * 1.5)
            if spec.maximum is not None:
                high = min(high, spec.maximum)
    return Control(
        field_name, spec.label, spec.unit, group, spec.help, "slider", low, high, step, whole
    )


def range_bounds(field_name: str, scenario: Scenario) -> tuple[float, float, float]:
    """(minimum, maximum, step) of the range slider for an uncertain input."""
    control = control_for(field_name, scenario)
    if control.kind == "slider":
        return control.minimum, control.maximum, control.step
    value = getattr(scenario, field_name)
    top = value.high if hasattr(value, "high") else float(value)
    maximum = _nice_ceiling(max(top, 1.0) * 3)
    return 0.0, maximum, max(maximum / 1_000, 1.0)


@dataclass(frozen=True)
class Kpi:
    """One KPI card: what it is, the headline value and a line of detail."""

    key: str
    label: str
    value: str
    detail: str = ""
    uses_simulation: bool = False  # shown only once the Monte Carlo has caught up


@dataclass(frozen=True)
class Download:
    """A file the page offers as a data-URI link."""

    label: str
    filename: str
    mimetype: str
    data: bytes

    @property
    def data_uri(self) -> str:
        return f"data:{self.mimetype};base64,{base64.b64encode(self.data).decode('ascii')}"

    def link_html(self) -> str:
        return (
            f'<a class="roi-download" download="{html.escape(self.filename)}" '
            f'href="{self.data_uri}">{html.escape(self.label)}</a>'
        )


@dataclass(frozen=True)
class Verdict:
    """The decision banner: outcome, reasons and conditions."""

    outcome: str
    reasons: tuple[str, ...] = ()
    conditions: tuple[str, ...] = ()

    @property
    def css_class(self) -> str:
        return OUTCOME_CSS.get(self.outcome, "no-go")


@dataclass(frozen=True)
class Variant:
    """A saved, named scenario with the assessment it had when saved."""

    name: str
    assessment: Assessment
    verdict: Verdict

    @property
    def scenario(self) -> Scenario:
        return self.assessment.scenario

    @property
    def results(self) -> Results:
        return self.assessment.results


def parse_range(text: str, unit: str | None = None) -> tuple[float, float] | None:
    """A range typed as '2 to 6' (or '2-6', '$100k to $300k'); '' is no range (None).
    Each end is read as `roi.amounts` reads a value of a field in `unit`.

    >>> parse_range("2 to 6"), parse_range("$100k to $300k"), parse_range(" ")
    ((2.0, 6.0), (100000.0, 300000.0), None)
    >>> parse_range("8 to 12", "per year")
    (0.08, 0.12)
    """
    cleaned = str(text).strip()
    if not cleaned:
        return None
    for separator in (" to ", "..", " - ", "–", "—"):
        if separator in cleaned:
            low, high = cleaned.split(separator, 1)
            break
    else:
        parts = cleaned.split("-")
        if len(parts) != 2 or not parts[0].strip():
            raise ValueError(f"{text!r} is not a range: write a low and a high, as 2 to 6")
        low, high = parts
    return read_number(low.strip(), unit), read_number(high.strip(), unit)


def metric_entry_text(value: float, unit: str) -> str:
    """A criterion's number as its box shows it: a share as a percent, else the number.

    >>> metric_entry_text(0.93, "share"), metric_entry_text(3200, "ms")
    ('93%', '3,200')
    """
    if unit.strip().lower() in SHARE_UNITS:
        return f"{value * 100:.6g}%"
    return f"{value:,.10g}"


def entry_text(field: str, value: float) -> str:
    """An input's value as its text box shows it: money as money, a rate as a percent.

    >>> entry_text("build_cost", 250000), entry_text("discount_rate", 0.1)
    ('$250,000', '10%')
    """
    unit = FIELD_SPECS[field].unit
    if unit in PERCENT_UNITS:  # a fraction typed and shown as a percent
        return f"{value * 100:.4g}%"
    if unit.startswith("$"):
        return money(value, 0 if float(value).is_integer() else 2)
    return f"{value:,.10g}"


def _field_names(problem: Problem) -> list[str]:
    """The input fields a problem is about ('tasks_per_day x minutes...' names two)."""
    names = [
        name
        for name in (
            *NUMERIC_FIELDS,
            "name",
            "start_date",
            "poc_weeks",
            "governance",
            "plan_profile",
            "phase_weeks",
            "success_criteria",
            "poc_budget",
            "poc_spent",
            "decider",
            "decide_by",
            "gate_questions",
            "min_maturity",
            "review_sign_offs",
            "production_owner",
        )
        if name == problem.field
        or problem.field.startswith(name + "[")
        or problem.field.startswith(name + ".")
        or f"{name} x " in problem.field
        or problem.field.endswith(f" x {name}")
    ]
    return names or ["scenario"]


RANGE_KEYS = ("low", "likely", "high")


def _is_number(value: Any) -> TypeGuard[int | float]:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _message(problem: Problem) -> str:
    """A problem in the words of the screen: the input's label, the value as it is shown.

    >>> _message(Problem("incremental_revenue", -5000.0, "must be a number >= 0"))
    'Incremental revenue must be a number >= 0: got -$5,000'
    >>> _message(Problem("build_cost", {"low": 1e3, "likely": -5e3, "high": 7e3}, "range ..."))
    'Build cost range ...: got low $1,000, likely -$5,000, high $7,000'
    """
    spec = FIELD_SPECS.get(problem.field)
    if spec is None:
        return str(Problem(problem.field, problem.value, problem.allowed))
    value = problem.value
    if _is_number(value):
        shown = entry_text(problem.field, float(value))
    elif isinstance(value, Mapping) and all(_is_number(value.get(k)) for k in RANGE_KEYS):
        shown = ", ".join(f"{k} {entry_text(problem.field, float(value[k]))}" for k in RANGE_KEYS)
    elif value is MISSING:
        shown = ""
    else:
        shown = repr(value)
    return f"{spec.label} {problem.allowed}" + (f": got {shown}" if shown else "")


UPLOAD_REFUSED_KEYS = {
    "checklists": "cannot be set in an uploaded scenario: it names a file on the server "
    "(remove it; the built-in checklists apply)",
}


def _uploaded_scenarios(path: str, filename: str) -> list[Scenario]:
    """The scenarios of an uploaded file (saved at `path`), problems named by `filename`."""

    def renamed(problems: Iterable[Problem]) -> ScenarioError:
        return ScenarioError(
            [
                Problem(
                    p.field,
                    p.value,
                    p.allowed.replace(path, filename).replace(os.path.dirname(path), "..."),
                    filename,
                    p.row,
                )
                for p in problems
            ]
        )

    try:
        records = read_records(path)
        problems: list[Problem] = []
        for _where, row, record in records:
            for key, why in UPLOAD_REFUSED_KEYS.items():
                if isinstance(record, Mapping) and record.get(key) not in (None, ""):
                    problems.append(Problem(key, str(record[key])[:80], why, filename, row))
        if problems:
            raise ScenarioError(problems)
        return scenarios_from_records(records)
    except ScenarioError as error:
        raise renamed(error.problems) from None
    except Exception as error:
        # The server's own paths (the upload's temporary file, its folder) stay on it.
        text = str(error).replace(path, filename).replace(os.path.dirname(path), "...")
        reason = f"cannot be read ({type(error).__name__}: {text[:120]})"
        raise ScenarioError([Problem("", MISSING, reason, filename)]) from None


def app_inputs(scenario: Scenario) -> dict[str, Any]:
    """The scenario as the page's inputs: every numeric field, each with a control (those a
    saved scenario leaves at their defaults too), and a named model's prices as the two
    numbers its controls move (`model` itself is dropped, or any move would be refused as
    differing from the list price; the figures are the same)."""
    data = scenario.to_dict()
    data.pop("model", None)
    data.pop("price_list", None)
    for field in NUMERIC_FIELDS:
        data.setdefault(field, plain_value(getattr(scenario, field)))
    return {"name": data.pop("name"), **{f: data.pop(f) for f in NUMERIC_FIELDS}, **data}


class WorkbookModel:
    """Everything the workbook page shows and does, driven by method calls.

    Inputs are kept as plain scenario data (what the controls show, valid or not). The
    last valid Scenario and its Results stay on screen while an input is invalid; the
    problem is listed under the field it concerns in `errors`.

    >>> model = WorkbookModel(load_scenarios(TEMPLATES_DIR / "invoice_triage.yaml")[0])
    >>> model.set_value("users", 100)
    True
    >>> model.results.annual_impact  # 100 x 12 x 4 / 60 x 55 x 230 - 136,000
    876000.0
    >>> model.set_value("tasks_per_day", 400)
    False
    >>> sorted(model.errors)
    ['minutes_saved_per_task', 'tasks_per_day']
    """

    def __init__(
        self,
        scenario: Scenario,
        *,
        samples: int = APP_SAMPLES,
        seed: int = 0,
        templates_dir: Path = TEMPLATES_DIR,
        base: tuple[str, Scenario] | None = None,
        rule: DecisionRule | None = None,
    ):
        self.initial = scenario
        self.rule = rule or DecisionRule()
        """The decision rule every assessment here uses (the notebook's `confidence`)."""
        self.base = base if base is not None else base_for(scenario)
        self.samples = samples
        self.seed = seed
        self.templates_dir = Path(templates_dir)
        self.variants: dict[str, Variant] = {}
        self.undo_label = ""
        """What `undo` would take back ("" when nothing): the last replacement of the inputs
        (another starter, an upload, a reset, a restored variant) or a deleted variant."""
        self._undo: Callable[[], None] | None = None
        self._gantt: tuple[Any, Any] | None = None
        self._listeners: list[Callable[[WorkbookModel], None]] = []
        self._load(scenario)

    # --- listening ----------------------------------------------------------------

    def observe(self, callback: Callable[[WorkbookModel], None]) -> None:
        """Call `callback(model)` after every change of results or errors."""
        self._listeners.append(callback)

    def _notify(self) -> None:
        for callback in self._listeners:
            callback(self)

    # --- state --------------------------------------------------------------------

    def _load(self, scenario: Scenario) -> None:
        self.inputs: dict[str, Any] = app_inputs(scenario)
        self.errors: dict[str, str] = {}
        self._recompute(scenario)

    def _recompute(self, scenario: Scenario) -> None:
        """Point results first (listeners are told, `simulating` is True), then the rest.

        The point results take a few milliseconds, the Monte Carlo tens: telling the view
        in between lets the cards that do not wait for the Monte Carlo move at once.
        The assessment (`roi.assess`) then makes the decision exactly as the CLI, the
        memo and the batch make it, from the same results.
        """
        self.scenario = scenario
        self.results = evaluate(scenario)
        self.simulating = True
        self._notify()
        assessment = assess(
            scenario, samples=self.samples, seed=self.seed, results=self.results, rule=self.rule
        )
        self.assessment = assessment
        self.simulation = assessment.simulation
        decision = assessment.decision
        self.verdict = Verdict(decision.outcome, decision.reasons, decision.conditions)
        self.evidence = assessment.evidence
        # One assignment, so a reader on another thread never mixes two scenarios.
        self.snapshot = (scenario, self.results, self.simulation, self.evidence)
        self.simulating = False
        self._notify()

    @property
    def valid(self) -> bool:
        return not self.errors

    def _apply(self, changes: Mapping[str, Any]) -> bool:
        candidate = {**self.inputs, **changes}
        self.inputs = candidate
        try:
            scenario = scenario_from_dict(candidate, source="")
        except ScenarioError as error:
            self.errors = {}
            for problem in error.problems:
                for name in _field_names(problem):
                    self.errors.setdefault(name, _message(problem))
            self._notify()
            return False
        self.errors = {}
        self._recompute(scenario)
        return True

    # --- what the controls do -----------------------------------------------------

    def value(self, field_name: str) -> float:
        """The likely value an input shows now (valid or not); a build cost from the plan
        shows what the plan costs (of the last valid inputs)."""
        value = self.inputs[field_name]
        if value == PLAN_WORD:
            return self.scenario.value(field_name)
        return float(value["likely"]) if isinstance(value, Mapping) else float(value)

    @property
    def build_cost_from_plan(self) -> bool:
        """Whether the build cost is the plan's (`build_cost: plan`), not typed."""
        return self.inputs.get("build_cost") == PLAN_WORD

    def set_build_cost_from_plan(self, on: bool) -> bool:
        """Take the build cost from the plan (roles x weeks x rates + hidden costs), or
        type it: the plan's present cost, which the box then holds."""
        if on == self.build_cost_from_plan:
            return True
        return self._apply({"build_cost": PLAN_WORD if on else self.value("build_cost")})

    def range(self, field_name: str) -> tuple[float, float]:
        """The (low, high) an input shows now; a point value gives (value, value)."""
        value = self.inputs[field_name]
        if value == PLAN_WORD:
            return self.value(field_name), self.value(field_name)
        if isinstance(value, Mapping):
            return float(value["low"]), float(value["high"])
        return float(value), float(value)

    def set_value(self, field_name: str, value: Any) -> bool:
        """Change an input's likely value; False (and `errors`) when that is not allowed."""
        current = self.inputs.get(field_name)
        if isinstance(current, Mapping):
            return self._apply({field_name: {**current, "likely": value}})
        return self._apply({field_name: value})

    def set_text(self, field_name: str, text: str) -> bool:
        """An input's likely value as typed in its box, read by `roi.amounts` as a file's
        value is (1,500, 2k, $70, 12%); text that cannot be read, or a value outside
        the field's rule, is an error under the box and the figures are out of date,
        never clamped or guessed."""
        try:
            value = read_number(text, FIELD_SPECS[field_name].unit)
        except ValueError as error:
            return self._unread(field_name, f"{FIELD_SPECS[field_name].label} {error}", text)
        return self.set_value(field_name, value)

    def _unread(self, key: str, message: str, text: str) -> bool:
        """Typed text that could not be read: its message under the box, the figures out
        of date (the last valid inputs stay)."""
        self.errors = {**self.errors, key: f"{message}: got {text!r}"}
        self._notify()
        return False

    def set_amount_text(self, key: str, label: str, text: str) -> bool:
        """A dollar amount that is not a model field (the PoC's budget and spend) as typed:
        read as a file's amount is ($40,000, 40k); blank is "not given"."""
        if not text.strip():
            return self._apply({key: None})
        try:
            value = read_number(text, "$")
        except ValueError as error:
            return self._unread(key, f"{label} {error}", text)
        return self._apply({key: value})

    def set_range_text(self, field_name: str, text: str) -> bool:
        """An input's range as typed ('2 to 6'; blank: a single value), as `set_text`."""
        try:
            found = parse_range(text, FIELD_SPECS[field_name].unit)
        except ValueError as error:
            return self._unread(field_name, f"{FIELD_SPECS[field_name].label} range: {error}", text)
        if found is None:
            likely = self.value(field_name)
            return self.set_range(field_name, likely, likely)
        return self.set_range(field_name, *found)

    def set_range(self, field_name: str, low: float, high: float) -> bool:
        """Make an input uncertain between low and high (low == high: a point value again)."""
        likely = self.value(field_name)
        if low == high == likely:
            return self._apply({field_name: likely})
        current = self.inputs.get(field_name)
        distribution = (
            current.get("distribution", "pert") if isinstance(current, Mapping) else "pert"
        )
        return self._apply(
            {field_name: {"low": low, "likely": likely, "high": high, "distribution": distribution}}
        )

    def set_option(self, key: str, value: Any) -> bool:
        """Change a non-numeric input: name, governance, plan_profile, start_date,
        poc_weeks, decider, decide_by (an empty text or no date: not given)."""
        if isinstance(value, date):
            value = value.isoformat()
        if key in ("decider", "decide_by") and value in ("", None):
            value = None
        return self._apply({key: value})

    def checklists(self) -> list[tuple[str, str, list[tuple[str, str, str]]]]:
        """(checklist id, name, [(item id, text, owner)]) for the Readiness toggles."""
        return [
            (c.id, c.name, [(i.id, i.text, i.owner) for i in c.items])
            for c in load_checklists(self.scenario.checklists).checklists
        ]

    def readiness_done(self, item: str) -> bool:
        """Whether a checklist item is ticked as done in the current inputs."""
        answer = (self.inputs.get("readiness") or {}).get(item)
        status = answer.get("status") if isinstance(answer, Mapping) else answer
        return status == "done"

    def readiness_answer(self, item: str) -> dict[str, str]:
        """{status, owner, note} of a checklist item in the current inputs; an item with
        no answer is open, with no owner or note of its own."""
        answer = (self.inputs.get("readiness") or {}).get(item)
        if isinstance(answer, Mapping):
            return {
                "status": str(answer.get("status") or "open"),
                "owner": str(answer.get("owner") or ""),
                "note": str(answer.get("note") or ""),
            }
        return {"status": str(answer or "open"), "owner": "", "note": ""}

    def set_readiness_answer(self, item: str, **changes: str) -> bool:
        """Set an item's status (done, open or n/a), owner or note; the decision follows.
        An empty owner or note is dropped (the checklist's default owner then applies)."""
        answers = dict(self.inputs.get("readiness") or {})
        answer = {**self.readiness_answer(item), **changes}
        extra = {k: v for k, v in answer.items() if k != "status" and v}
        answers[item] = {"status": answer["status"], **extra} if extra else answer["status"]
        return self._apply({"readiness": answers})

    def gate_questions(self) -> list[tuple[str, str]]:
        """(question id, text) of the decision gate's questions, for the Readiness tab."""
        return [(q.id, q.text) for q in load_checklists(self.scenario.checklists).questions]

    def gate_answer(self, question: str) -> dict[str, str]:
        """{answer, note, owner} of a gate question in the current inputs; an unanswered
        question is "" (not asked)."""
        answer = (self.inputs.get("gate_questions") or {}).get(question)
        if isinstance(answer, Mapping):
            return {
                "answer": str(answer.get("answer") or ""),
                "note": str(answer.get("note") or ""),
                "owner": str(answer.get("owner") or ""),
            }
        if isinstance(answer, bool):
            answer = "yes" if answer else "no"
        return {"answer": str(answer or ""), "note": "", "owner": ""}

    def set_gate_answer(self, question: str, **changes: str) -> bool:
        """Answer a gate question (yes, no, n/a; "" takes the answer back) or change its
        note or owner; the decision follows."""
        answers = dict(self.inputs.get("gate_questions") or {})
        answer = {**self.gate_answer(question), **changes}
        if not answer["answer"]:
            answers.pop(question, None)
        else:
            extra = {k: v for k, v in answer.items() if k != "answer" and v}
            answers[question] = {"answer": answer["answer"], **extra} if extra else answer["answer"]
        return self._apply({"gate_questions": answers or None})

    def checklist_counts(self) -> dict[str, tuple[int, int, bool]]:
        """Checklist id -> (done, items, decides): `decides` when the decision rule needs
        the list complete for a Go (the PoC exit criteria), from the last valid inputs."""
        required = self.assessment.decision.rule.required_checklists
        return {
            status.checklist.id: (
                status.done,
                len(status.items),
                status.checklist.id in required,
            )
            for status in self.assessment.readiness.checklists
        }

    def set_readiness(self, item: str, done: bool) -> bool:
        """Tick (done) or untick (open) a readiness checklist item; the decision follows."""
        answers = dict(self.inputs.get("readiness") or {})
        answer = answers.get(item)
        status = "done" if done else "open"
        answers[item] = {**answer, "status": status} if isinstance(answer, Mapping) else status
        return self._apply({"readiness": answers})

    # --- success criteria (the Evidence tab) ------------------------------------------

    def criteria(self) -> list[dict[str, Any]]:
        """The success criteria the Evidence tab shows now, as plain data (valid or not)."""
        return [dict(c) for c in self.inputs.get("success_criteria") or []]

    def set_criterion(self, index: int, key: str, value: Any) -> bool:
        """Change one key of criterion `index` (0-based): name, direction, target, minimum,
        measured, measured_low/measured_high (a range around measured), unit or source."""
        rows = self.criteria()
        row = rows[index]
        measured = row.get("measured")
        if key in ("measured", "measured_low", "measured_high"):
            low, centre, high = (
                (measured["low"], measured["likely"], measured["high"])
                if isinstance(measured, Mapping)
                else (measured, measured, measured)
            )
            if key == "measured":
                low, high = (value, value) if low == centre == high else (low, high)
                centre = value
            elif key == "measured_low":
                low = value
            else:
                high = value
            row["measured"] = (
                centre if low == centre == high else {"low": low, "likely": centre, "high": high}
            )
        else:
            if key in ("name", "source") and isinstance(value, str):
                # Typed in a box that wraps: a line break there is a space in the name.
                value = value.replace("\r\n", " ").replace("\n", " ")
            row[key] = value
        rows[index] = row
        return self._apply({"success_criteria": rows})

    def set_criterion_text(self, index: int, key: str, text: str) -> bool:
        """A criterion's number as typed (target, kill line, measured and its range), read
        in the criterion's unit (`roi.amounts.read_metric`: a share takes 0.93 or 93%);
        text that cannot be read is an error and the figures are out of date."""
        unit = str(self.criteria()[index].get("unit") or "")
        try:
            value = read_metric(text, unit)
        except ValueError as error:
            return self._unread("success_criteria", f"{key}: {error}", text)
        return self.set_criterion(index, key, value)

    def add_criterion(self) -> bool:
        """Append a criterion to edit (a unique name, between its kill line and target)."""
        rows = self.criteria()
        names = {str(r.get("name")) for r in rows}
        name, number = NEW_CRITERION["name"], 2
        while name in names:
            name, number = f"{NEW_CRITERION['name']} {number}", number + 1
        return self._apply({"success_criteria": [*rows, {**NEW_CRITERION, "name": name}]})

    def remove_criterion(self, index: int) -> bool:
        rows = self.criteria()
        del rows[index]
        return self._apply({"success_criteria": rows})

    def reset(self) -> None:
        """Back to the scenario the page opened with (undoable)."""
        self._keep_for_undo("reset")
        self._load(self.initial)

    def _keep_for_undo(self, what: str) -> None:
        """Remember the inputs as they are, so that replacing them can be taken back."""
        inputs, initial, base = dict(self.inputs), self.initial, self.base

        def back() -> None:
            self.initial, self.base = initial, base
            scenario = self._scenario_or_none(inputs)
            self._load(scenario if scenario is not None else initial)
            if scenario is None:
                self._apply(inputs)  # as typed, the invalid value named again

        self._undo, self.undo_label = back, what

    def undo(self) -> bool:
        """Take back the last replacement of the inputs or deletion of a variant."""
        if self._undo is None:
            return False
        action, self._undo, self.undo_label = self._undo, None, ""
        action()
        self._notify()
        return True

    def _scenario_or_none(self, data: dict[str, Any]) -> Scenario | None:
        try:
            return scenario_from_dict(data)
        except ScenarioError:
            return None

    # --- the register (when one is configured) -------------------------------------

    def save_to_register(self, db: str | None = None) -> int:
        """Record the current assessment in the register (`ROI_DATABASE_URL`, or `db`);
        returns its id. Refused while an input is invalid: what is saved is what is shown."""
        from roi.register import Register
        from roi.reports.memo import input_hash

        if self.errors:
            raise ScenarioError(
                [Problem("", MISSING, "cannot be saved while an input is not valid", "register")]
            )
        a = self.assessment
        digest = input_hash(a.scenario, self.samples, self.seed, a.checklists, a.rule)
        with Register(db) as register:
            return register.record(a, input_hash=digest, samples=self.samples, seed=self.seed)

    @staticmethod
    def register_names(db: str | None = None) -> list[str]:
        from roi.register import Register

        with Register(db) as register:
            return register.names()

    def open_from_register(self, name: str, db: str | None = None) -> None:
        """Open an initiative's latest recorded inputs (it becomes the reset point)."""
        from roi.register import Register

        with Register(db) as register:
            self.open(register.latest(name).scenario)

    def open(self, scenario: Scenario, base: tuple[str, Scenario] | None = None) -> None:
        """Start over from another scenario (picked, uploaded or from a link); it becomes
        the reset point. `base` is the starter a link's values lie over, if any."""
        self._keep_for_undo("open")
        self.initial = scenario
        self.base = base if base is not None else base_for(scenario)
        self._load(scenario)

    def share_query(self) -> str:
        """The query string of a link that opens the current (last valid) inputs."""
        return share_query(self.scenario, self.base)

    def link_leaves_out(self) -> list[str]:
        """What a link to the current inputs cannot carry (their notes, correlations...)."""
        return left_out(self.scenario, self.base)

    # --- scenario files -----------------------------------------------------------

    def templates(self) -> list[tuple[str, Scenario]]:
        """(label, scenario) for every scenario in the templates folder, in file order."""
        found: list[tuple[str, Scenario]] = []
        for path in sorted(self.templates_dir.iterdir()) if self.templates_dir.is_dir() else []:
            if path.suffix.lower() not in SCENARIO_SUFFIXES:
                continue
            try:
                scenarios = load_scenarios(path)
            except RoiError:
                continue  # a broken starter file must not break the page
            for scenario in scenarios:
                label = scenario.name if len(scenarios) == 1 else f"{scenario.name} ({path.name})"
                found.append((label, scenario))
        return found

    def open_upload(self, filename: str, content: bytes, size: int | None = None) -> list[Scenario]:
        """Scenarios in an uploaded file; the first is opened. Raises ScenarioError, for
        every fault (a file too big, one that names a server path, one that no reader
        takes), so the page can always say what went wrong.

        An upload comes from a visitor, not the server's owner: it may not name a
        checklists file (a path on the server), and it is held to `MAX_FILE_BYTES`: `size`
        is the file's size as the browser gives it (the page reads a file past the limit
        as empty, so that it never crosses the websocket).
        """
        suffix = Path(filename).suffix.lower()
        if suffix not in SCENARIO_SUFFIXES:
            raise ScenarioError(
                [
                    Problem(
                        "",
                        suffix or "(none)",
                        "must be a .yaml, .yml, .json, .csv or .xlsx file",
                        filename,
                    )
                ]
            )
        size = max(len(content), size if isinstance(size, int) else 0)
        if size > MAX_FILE_BYTES:
            too_big = f"is {size / 2**20:.1f} MiB; uploads may be {MAX_FILE_BYTES / 2**20:g} MiB"
            raise ScenarioError([Problem("", MISSING, too_big, filename)])
        handle, tmp = tempfile.mkstemp(suffix=suffix)
        try:
            with os.fdopen(handle, "wb") as out:
                out.write(content)
            scenarios = _uploaded_scenarios(tmp, filename)
        finally:
            Path(tmp).unlink(missing_ok=True)
        self.open(scenarios[0])
        return scenarios

    # --- what the page shows ------------------------------------------------------

    def payback_p10_p90(self) -> tuple[float, float] | None:
        """P10 and P90 of payback in months (inf: never pays back), when simulated."""
        if self.simulation is None:
            return None
        payback = self.assessment.headline("payback_months")
        return (
            math.inf if payback.p10 is None else payback.p10,
            math.inf if payback.p90 is None else payback.p90,
        )

    def probability_meets_threshold(self) -> float | None:
        if self.simulation is None:
            return None
        return float(self.simulation.prob_meets_threshold)

    def kpis(self) -> list[Kpi]:
        """The KPI cards, formatted as people read them.

        Annual impact, payback and NPV are on the assessment's basis and say so in their
        label: P50 of the Monte Carlo when the scenario has ranges (the likely value is
        the detail line), else the likely value. While the Monte Carlo runs those cards
        wait for it (`uses_simulation`) unless the scenario has no ranges.
        """
        r = self.results
        s = self.scenario
        t = r.timeline
        uncertain = s.is_uncertain and self.samples > 0
        if self.simulating and not uncertain:  # the point results are all they need
            headlines = tuple(likely_headline(s, r, key) for key, _, _ in HEADLINES)
        else:
            headlines = self.assessment.headlines()
        impact, payback, npv = headlines
        unit: Figure | None
        if self.simulating and not uncertain:  # this scenario's, not the last assessment's
            point = PointResults(s, r)
            benefits, unit = benefit_figures(point), unit_cost_figure(point)
        else:
            shown = present(self.assessment)  # the benefits by kind and the unit cost, once
            benefits, unit = shown.benefits, shown.unit_cost
        chance = self.probability_meets_threshold()
        threshold = s.value("payback_threshold_months")
        go_live = (
            r.go_live_date.isoformat() if r.go_live_date is not None else f"week {t.likely_weeks:g}"
        )
        go_live_detail = (
            f"{weeks(t.likely_weeks)} ({t.min_weeks:g}-{t.max_weeks:g})"
            if r.go_live_date is not None
            else "set a start date for a date"
        )
        if impact.basis == "P50":
            impact_detail = f"likely {money(impact.likely)}; P10-P90 {money(impact.p10)} to " + (
                money(impact.p90)
            )
            payback_detail = (
                f"likely {months(payback.likely)}; P10-P90 "
                f"{_short_months(payback.p10)} to {_short_months(payback.p90)}"
            )
            npv_detail = f"likely {money(npv.likely)}; {npv.definition}"
        else:
            made_of = " + ".join(f"{f.label.lower()} {f.text}" for f in benefits)
            impact_detail = f"{made_of} - running {money(r.running_costs)}"
            npv_detail = npv.definition
            payback_detail = payback.definition
        # The payback the decision tests is the card; the other formula is named beside it.
        if payback.source == "payback_months_cash_flow":
            payback_detail += f"; simple {months(r.payback_months)}"
        else:
            payback_detail += f"; on the cash flow {months(r.payback_months_cash_flow)}"
        return [
            Kpi(
                "annual_impact",
                f"Annual impact ({impact.basis})",
                money(impact.value),
                impact_detail,
                uses_simulation=uncertain,
            ),
            Kpi(
                "monthly_net_impact",
                "Monthly net (likely)",
                money(r.monthly_net_impact),
                f"one-time costs {money(r.one_time_cost)}"
                + (", build from the plan" if r.scenario.build_cost_from_plan else ""),
            ),
            Kpi(
                "payback_months",
                f"Payback ({payback.basis})",
                months(payback.value),
                payback_detail,
                uses_simulation=uncertain,
            ),
            Kpi(
                "prob_meets_threshold",
                "Chance of payback in time",
                share(chance),
                f"within {threshold:g} months" if chance is not None else "needs ranges",
                uses_simulation=uncertain,
            ),
            Kpi(
                "npv",
                f"{npv.label} ({npv.basis})",
                money(npv.value),
                npv_detail,
                uses_simulation=uncertain,
            ),
            Kpi("go_live", "Go-live", go_live, go_live_detail),
            Kpi(
                "cost_of_delay_per_week",
                "Cost of delay (likely)",
                f"{money(r.cost_of_delay_per_week)}/week",
                (
                    "a week of slip loses this much NPV"
                    if r.cost_of_delay_per_week >= 0
                    else "negative: each week running loses money"
                ),
            ),
            Kpi(
                "time_to_value_months",
                "Time to value (likely)",
                months(r.time_to_value_months),
                "from the decision to payback",
            ),
            self._unit_cost_kpi(unit, uncertain),
        ]

    @staticmethod
    def _unit_cost_kpi(unit: Figure | None, uncertain: bool) -> Kpi:
        """The model's cost per 1,000 inferences (likely), its P10-P90 once simulated."""
        assert unit is not None  # every presentation has one
        detail = f"P10-P90 {unit.spread_text}" if unit.spread_text else unit.definition
        return Kpi(
            "cost_per_1000_inferences",
            "Cost per 1,000 inferences (likely)",
            unit.text,
            detail,
            uses_simulation=uncertain,
        )

    def figure(self, name: str, snapshot: tuple | None = None) -> Any:
        """One chart (a name in CHART_NAMES, a plotly Figure from roi.reports.charts) from
        a snapshot (default: the latest), or None when it cannot be drawn (no Monte Carlo,
        no payback distribution). Safe to call from another thread: it reads one
        consistent snapshot; the payback histogram gets binned counts, never the raw
        samples."""
        from roi.reports import charts  # plotly: loaded once charts are asked for

        scenario, results, simulation, evidence = snapshot or self.snapshot
        if name == "evppi":
            return charts.value_of_information(evidence)
        if name == "importance":
            return charts.importance(evidence)
        if name == "cash_flow":
            return charts.cash_flow(results)
        if name == "payback":
            return None if simulation is None else charts.payback_histogram(simulation)
        if name == "tornado":
            return charts.tornado(sensitivity.tornado(scenario))
        if name == "gantt":
            cached = self._gantt  # the plan seldom changes with a slider: redraw it when it does
            if cached is None or cached[0] != results.timeline:
                cached = self._gantt = (results.timeline, charts.gantt(results.timeline))
            return cached[1]
        raise KeyError(f"no chart {name!r}; charts are {', '.join(CHART_NAMES)}")

    def results_payload(self) -> dict[str, Any]:
        """The JSON the workbook displays for tools: the assessment's `to_dict()`, as
        `roi run --json` prints it."""
        return jsonable(self.assessment.to_dict())

    # --- downloads and variants ---------------------------------------------------

    def _slug(self) -> str:
        slug = "".join(c if c.isalnum() else "_" for c in self.scenario.name.lower())
        return "_".join(part for part in slug.split("_") if part) or "scenario"

    def downloads(self, formats: tuple[str, ...] = ("html", "md", "pdf", "xlsx")) -> list[Download]:
        """The memo in each format, the live-formula Excel model (`xlsx`) and the scenario
        as YAML, for the current valid scenario."""
        from roi.reports import memo

        slug = self._slug()
        files = [
            Download(
                "Scenario (YAML)",
                f"{slug}.yaml",
                "application/x-yaml",
                scenario_yaml(self.scenario).encode("utf-8"),
            )
        ]
        html_text = None
        for fmt in formats:
            if fmt == "html":
                html_text = self.memo("html")
                files.append(
                    Download(
                        "Memo (HTML)", f"{slug}_memo.html", "text/html", html_text.encode("utf-8")
                    )
                )
            elif fmt == "md":
                files.append(
                    Download(
                        "Memo (Markdown)",
                        f"{slug}_memo.md",
                        "text/markdown",
                        self.memo("md", images="none").encode("utf-8"),
                    )
                )
            elif fmt == "pdf":
                pdf = memo.render_pdf(html_text if html_text is not None else self.memo("html"))
                files.append(Download("Memo (PDF)", f"{slug}_memo.pdf", "application/pdf", pdf))
            elif fmt == "xlsx":
                from roi.reports.excel import XLSX_MIMETYPE, workbook_bytes

                data = workbook_bytes(self.assessment)
                files.append(Download("Excel model", f"{slug}_model.xlsx", XLSX_MIMETYPE, data))
        return files

    def memo(self, fmt: Literal["html", "md"] = "html", **options: Any) -> str:
        """The decision memo (roi.reports.memo) for the current scenario, as HTML or Markdown.

        It is rendered from the page's own assessment, so memo and page show the same
        numbers and the same decision.
        """
        from roi.reports import memo

        return memo.render(self.assessment, fmt, **options)

    def unique_variant_name(self, name: str) -> str:
        """`name`, or `name (2)`, `name (3)`... when a variant has it: never overwritten.

        >>> model = WorkbookModel(load_scenarios(TEMPLATES_DIR / "invoice_triage.yaml")[0])
        >>> [model.save_variant("Lean").name for _ in range(3)]
        ['Lean', 'Lean (2)', 'Lean (3)']
        """
        name = name.strip() or f"Variant {len(self.variants) + 1}"
        if name not in self.variants:
            return name
        number = 2
        while f"{name} ({number})" in self.variants:
            number += 1
        return f"{name} ({number})"

    def save_variant(self, name: str) -> Variant:
        """Keep the current scenario under a name to compare side by side; a name that is
        taken gets a number (`unique_variant_name`)."""
        name = self.unique_variant_name(name)
        variant = Variant(name, self.assessment, self.verdict)
        self.variants = {**self.variants, name: variant}
        self._notify()
        return variant

    def add_variant(self, name: str, scenario: Scenario) -> Variant:
        """A variant of another scenario (one kept in the browser, restored on reload)."""
        assessment = assess(scenario, samples=self.samples, seed=self.seed, rule=self.rule)
        decision = assessment.decision
        name = self.unique_variant_name(name)
        verdict = Verdict(decision.outcome, decision.reasons, decision.conditions)
        variant = Variant(name, assessment, verdict)
        self.variants = {**self.variants, name: variant}
        self._notify()
        return variant

    def duplicate_variant(self, name: str) -> Variant | None:
        if name not in self.variants:
            return None
        old = self.variants[name]
        copy = Variant(self.unique_variant_name(name), old.assessment, old.verdict)
        self.variants = {**self.variants, copy.name: copy}
        self._notify()
        return copy

    def restore_variant(self, name: str) -> bool:
        """Put a saved variant's inputs on screen (undoable); the reset point stays."""
        if name not in self.variants:
            return False
        self._keep_for_undo(f"restore {name}")
        self._load(self.variants[name].scenario)
        return True

    def remove_variant(self, name: str) -> None:
        """Delete a saved variant (undoable, in its place)."""
        if name not in self.variants:
            return
        before = self.variants

        def back() -> None:
            self.variants = before

        self.variants = {k: v for k, v in self.variants.items() if k != name}
        self._undo, self.undo_label = back, f"delete {name}"
        self._notify()

    def variants_state(self) -> list[dict[str, Any]]:
        """The saved variants as plain data (name and scenario), what the browser keeps."""
        return [
            {"name": name, "scenario": v.scenario.to_dict()} for name, v in self.variants.items()
        ]

    def restore_variants(self, state: Any) -> list[str]:
        """Add the variants of `variants_state` data kept by the browser; the names of those
        that could not be read (their scenario no longer valid)."""
        failed: list[str] = []
        if not isinstance(state, list):
            return failed
        for item in state:
            if not isinstance(item, Mapping) or not isinstance(item.get("name"), str):
                continue
            data = item.get("scenario")
            # Kept by the browser, so the visitor's to edit: held to an upload's rules.
            scenario = (
                self._scenario_or_none(dict(data))
                if isinstance(data, Mapping) and not data.get("checklists")
                else None
            )
            if scenario is None:
                failed.append(item["name"])
            elif item["name"] not in self.variants:
                self.add_variant(item["name"], scenario)
        return failed

    def rename_variant(self, old: str, new: str) -> bool:
        """Give a saved variant another name; False when the name is blank or taken."""
        new = new.strip()
        if old not in self.variants or not new or (new in self.variants and new != old):
            return False
        self.variants = {
            (new if key == old else key): (
                Variant(new, value.assessment, value.verdict) if key == old else value
            )
            for key, value in self.variants.items()
        }
        self._notify()
        return True

    def variants_download(self) -> Download:
        """The saved variants as a scenario table (CSV) that `roi batch` runs: one row
        each, named as saved. Notes, correlations and the like do not fit a table."""
        from roi.files import csv_text

        rows = [{**table_row(v.scenario), "name": name} for name, v in self.variants.items()]
        frame = pd.DataFrame(rows).fillna("")
        columns = ["name", *[c for c in frame.columns if c != "name"]]
        return Download(
            "Variants (CSV)", "variants.csv", "text/csv", csv_text(frame[columns]).encode()
        )

    def comparison(self) -> list[tuple[str, list[str]]]:
        """Rows (label, one cell per variant) comparing the saved variants side by side."""
        rows: list[tuple[str, list[str]]] = []
        variants = list(self.variants.values())

        def row(label: str, cell: Callable[[Variant], str]) -> None:
            rows.append((label, [cell(v) for v in variants]))

        first = variants[0] if variants else None

        def headline(v: Variant, key: str) -> str:
            h = v.assessment.headline(key)
            text = money(h.value) if h.kind == "money" else months(h.value)
            text = f"{text} ({h.basis})"
            if first is None or v is first:
                return text
            base = first.assessment.headline(key)
            if h.value is None or base.value is None:
                return text
            delta = h.value - base.value
            if abs(delta) < 0.005:
                return text
            sign = "+" if delta > 0 else "-"
            shown = money(abs(delta)) if h.kind == "money" else months(abs(delta))
            return f"{text}, {sign}{shown} on {first.name}"

        def payback_range(v: Variant) -> str:
            h = v.assessment.headline("payback_months")
            if h.basis != "P50":
                return "n/a"
            return f"{_short_months(h.p10)} to {_short_months(h.p90)}"

        def field_cell(name: str) -> Callable[[Variant], str]:
            return lambda v: _input_value(name, getattr(v.scenario, name))

        row("Decision", lambda v: v.verdict.outcome)
        row("Annual impact", lambda v: headline(v, "annual_impact"))
        row("Monthly net (likely)", lambda v: money(v.results.monthly_net_impact))
        row("Payback", lambda v: headline(v, "payback_months"))
        row("Payback P10-P90", payback_range)
        row("NPV", lambda v: headline(v, "npv"))
        row("Time to value (likely)", lambda v: months(v.results.time_to_value_months))
        for name in NUMERIC_FIELDS:
            row(FIELD_SPECS[name].label, field_cell(name))
        return rows


def _short_months(value: float | None) -> str:
    return "never" if value is None or not math.isfinite(value) else f"{value:.1f}"


def _input_value(field: str, value: Any) -> str:
    """An input as a reader reads it: money as money, units named, a range low to high."""
    from roi.reports.memo import input_text

    if hasattr(value, "low"):
        return (
            f"{input_text(field, value.likely)} ({input_text(field, value.low)} to "
            f"{input_text(field, value.high)})"
        )
    return input_text(field, float(value))


def jsonable(value: Any) -> Any:
    """Plain JSON data (no numpy, inf as None) from a summary structure."""
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if isinstance(value, np.ndarray):
        return [jsonable(v) for v in value.tolist()]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


# --- the portfolio and timeline notebooks ------------------------------------------------

PORTFOLIO_FILE = TEMPLATES_DIR / "portfolio.csv"
PORTFOLIO_COLUMNS = (
    "rank",
    "name",
    "decision",
    "basis",
    "headline_annual_impact",
    "headline_payback_months",
    "headline_npv",
    "prob_meets_threshold",
    "roi_pct",
    "one_time_cost",
    "time_to_value_months",
)


def portfolio_frame(scenarios: list[Scenario], samples: int = APP_SAMPLES, seed: int = 0) -> Any:
    """Every scenario's results and decision, ranked as the batch report ranks them.

    Each row is `Assessment.summary_row()`, the batch summary's row, and the ranking is
    roi.reports.portfolio's: by decision, then by headline NPV.
    """
    from roi.reports.portfolio import summary_frame

    rows = [assess(scenario, samples=samples, seed=seed).summary_row() for scenario in scenarios]
    return summary_frame(rows)


def portfolio_table_rows(frame: Any) -> list[list[str]]:
    """The ranked table as people read it (roi.reports.portfolio's cells, in TABLE_HEAD order)."""
    from roi.reports.portfolio import TABLE_KEYS, row_cells

    return [[row_cells(record)[key] for key in TABLE_KEYS] for record in frame.to_dict("records")]


TIMELINE_OVERRIDES = ("governance", "plan_profile", "start_date", "poc_weeks", "phase_weeks")


def timeline_scenario(params: Mapping[str, Any]) -> Scenario:
    """The scenario the timeline notebook plans: its file (or the built-in example), with
    the notebook's governance, plan_profile, start_date, poc_weeks and phase_weeks laid
    over it when set.
    Validated like any scenario (unknown phases, bad durations raise ScenarioError)."""
    source = project_path(params.get("scenario_file") or TEMPLATES_DIR / "invoice_triage.yaml")
    scenario = load_scenarios(source)[0]
    changes = {key: params[key] for key in TIMELINE_OVERRIDES if params.get(key) is not None}
    return scenario.evolve(**changes) if changes else scenario


def timeline_comparison(scenario: Scenario) -> dict[str, Any]:
    """The plan with checkpoints in parallel and in sequence, side by side (roi.timeline)."""
    from roi.evaluate import timeline_for

    plans = {
        mode: timeline_for(scenario.evolve(governance=mode)) for mode in ("parallel", "sequential")
    }
    return {
        "governance": scenario.governance,
        "plans": {mode: plan.to_dict() for mode, plan in plans.items()},
        "extra_weeks_in_sequence": plans["sequential"].likely_weeks
        - plans["parallel"].likely_weeks,
    }


def phase_rows(timeline: Any) -> list[list[str]]:
    """The plan's phases as table cells: name, roles, weeks, likely start-finish, critical."""
    return [
        [
            phase.name,
            ", ".join(phase.roles),
            f"{phase.min_weeks:g}-{phase.max_weeks:g} (likely {phase.likely_weeks:g})",
            f"week {phase.start_week:g} to {phase.finish_week:g}",
            "yes" if phase.critical else "",
        ]
        for phase in timeline.phases
    ]


def checkpoint_rows(timeline: Any) -> list[list[str]]:
    """The governance checkpoints as table cells: name, owner, days, evidence, pass rule."""
    return [
        [
            c.name,
            c.owner,
            f"{c.min_days:g}-{c.max_days:g}",
            ", ".join(c.artifacts),
            c.pass_criteria,
        ]
        for c in timeline.checkpoints
    ]
