"""Stage gates and readiness checklists as validated data, and where a scenario stands on them.

The gates (0 value hypothesis to 5 scale), the checklists a team answers to pass them
and the MLOps maturity levels ship in ``roi/data/gates.yaml``; the governance
checkpoints come from the timeline data, so owners and durations are written once.
A user's own YAML file extends or overrides them (`load_checklists(path)`).

A scenario answers items by id in its ``readiness`` section; `readiness_status` turns
the answers into counts per checklist, the open items with their owners, the MLOps
maturity level and the next gate to pass.

>>> status = readiness_status({"value_signal": "done", "decision_memo": "n/a"})
>>> poc = status.checklist("poc_exit")
>>> poc.done, poc.not_applicable, poc.open
(1, 1, 3)
>>> next_gate(status).gate.name
'Feasibility proof of concept'
"""

from __future__ import annotations

import datetime
import functools
import hashlib
import json
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, Literal, Protocol

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from roi.exceptions import ConfigError
from roi.exceptions import suggestion as _suggestion
from roi.safe_yaml import file_too_big, safe_yaml
from roi.timeline import CHECKPOINTS, PHASES

GOVERNANCE_CHECKLIST = "governance"
_ID_PATTERN = r"^[a-z][a-z0-9_]*$"


STATUSES: tuple[str, ...] = ("done", "open", "n/a")
_STATUS_ALIASES = {
    "done": "done",
    "open": "open",
    "n/a": "n/a",
    "na": "n/a",
    "not applicable": "n/a",
    "not done": "open",
    "todo": "open",
}


class ReadinessAnswer(BaseModel):
    """A team's answer to one checklist item: done, open or n/a, with a note and an owner."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    status: Literal["done", "open", "n/a"]
    note: str = ""
    owner: str = ""


def readiness_answer(value: Any) -> ReadinessAnswer:
    """An answer from its short form (`done`, true/false) or a mapping; ValueError if neither.

    >>> readiness_answer("done"), readiness_answer({"status": "open", "owner": "Ana"}).owner
    (ReadinessAnswer(status='done', note='', owner=''), 'Ana')
    """
    if isinstance(value, ReadinessAnswer):
        return value
    if isinstance(value, bool):
        return ReadinessAnswer(status="done" if value else "open")
    if isinstance(value, str):
        status = _STATUS_ALIASES.get(value.strip().lower())
        if status is None:
            raise ValueError(f"must be done, open or n/a, not {value!r}")
        return ReadinessAnswer(status=status)
    if not isinstance(value, Mapping):
        raise ValueError(
            f"must be done, open or n/a, or a mapping with status, note and owner: got {value!r}"
        )
    for key in value:
        if key not in ("status", "note", "owner"):
            raise ValueError(
                f"has an unknown key {key!r}"
                f"{_suggestion(str(key), ('status', 'note', 'owner'))}; "
                "an answer holds status, note and owner"
            )
    if "status" not in value or isinstance(value["status"], Mapping):
        raise ValueError("needs a status: done, open or n/a")
    return ReadinessAnswer(
        status=readiness_answer(value["status"]).status,
        note="" if value.get("note") is None else str(value["note"]),
        owner="" if value.get("owner") is None else str(value["owner"]),
    )


class GateAnswer(BaseModel):
    """An answer to one of the decision gate's questions: yes, no or n/a, with a note
    (the known data quality issues, say) and who answers for it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    answer: Literal["yes", "no", "n/a"]
    note: str = ""
    owner: str = ""


_ANSWERS = {"yes": "yes", "no": "no", "n/a": "n/a", "na": "n/a", "not applicable": "n/a"}


def gate_answer(value: Any) -> GateAnswer:
    """An answer from its short form (`yes`, `no`, `n/a`, true/false) or a mapping with
    answer, note and owner; ValueError if neither.

    >>> gate_answer("yes").answer, gate_answer(False).answer
    ('yes', 'no')
    >>> gate_answer({"answer": "yes", "note": "duplicates in 4% of rows"}).note
    'duplicates in 4% of rows'
    """
    if isinstance(value, GateAnswer):
        return value
    if isinstance(value, bool):
        return GateAnswer(answer="yes" if value else "no")
    if isinstance(value, str):
        answer = _ANSWERS.get(value.strip().lower())
        if answer is None:
            raise ValueError(f"must be yes, no or n/a, not {value!r}")
        return GateAnswer(answer=answer)
    if not isinstance(value, Mapping):
        raise ValueError(
            f"must be yes, no or n/a, or a mapping with answer, note and owner: got {value!r}"
        )
    for key in value:
        if key not in ("answer", "note", "owner"):
            raise ValueError(
                f"has an unknown key {key!r}"
                f"{_suggestion(str(key), ('answer', 'note', 'owner'))}; "
                "an answer holds answer, note and owner"
            )
    if "answer" not in value or isinstance(value["answer"], Mapping):
        raise ValueError("needs an answer: yes, no or n/a")
    return GateAnswer(
        answer=gate_answer(value["answer"]).answer,
        note="" if value.get("note") is None else str(value["note"]),
        owner="" if value.get("owner") is None else str(value["owner"]),
    )


class SignOff(BaseModel):
    """A sign-off of the production readiness review: who, in which role, on which day."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = Field(min_length=1)
    role: str = Field(min_length=1)
    date: datetime.date


class ProductionOwner(BaseModel):
    """Who runs the system once live, with the mandate and the budget to do it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = Field(min_length=1)
    team: str = ""
    mandate: str = ""  # what they may decide (retrain, roll back, change thresholds)
    budget: float | None = Field(default=None, ge=0)  # a year, to run and maintain it


def review_roles(
    sign_offs: Sequence[SignOff], checklists: str | None = None
) -> list[tuple[str, SignOff | None]]:
    """Each role the production readiness review needs (the checklists file's, else
    roi/data/gates.yaml's) with its sign-off, or None where it is missing; roles match
    whatever their case. No review defined: no roles."""
    review = load_checklists(checklists).review
    if review is None:
        return []
    signed = {s.role.strip().casefold(): s for s in sign_offs}
    return [(role, signed.get(role.casefold())) for role in review.roles]


def priced_open_items(answers: Answered) -> tuple[ChecklistItem, ...]:
    """The priced items a scenario answers open (an unanswered item is not priced: its
    readiness is not assessed), in the checklists' order."""
    checklists = load_checklists(answers.checklists)
    return tuple(
        item
        for checklist in checklists.checklists
        for item in checklist.items
        if item.price is not None
        and item.id in answers.readiness
        and answers.readiness[item.id].status == "open"
    )


class Answered(Protocol):
    """What readiness reads from a scenario: its answers and its checklists file."""

    @property
    def readiness(self) -> Mapping[str, ReadinessAnswer]: ...

    @property
    def checklists(self) -> str | None: ...


class ItemPrice(BaseModel):
    """What an open item costs the plan: the weeks it adds to a phase (a range, sampled
    as a PERT with its likely value midway)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    delay_weeks: tuple[float, float]
    phase: str = Field(min_length=1)

    @field_validator("delay_weeks")
    @classmethod
    def _ordered(cls, value: tuple[float, float]) -> tuple[float, float]:
        if not 0 <= value[0] <= value[1]:
            raise ValueError("must be [low, high] weeks with 0 <= low <= high")
        return value

    @property
    def three_point(self) -> tuple[float, float, float]:
        low, high = self.delay_weeks
        return low, (low + high) / 2, high


class ChecklistItem(BaseModel):
    """One thing a team confirms: what it is, and who usually owns it; what leaving it
    open costs the plan, where the articles say."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = Field(pattern=_ID_PATTERN)
    text: str = Field(min_length=1)
    owner: str = ""
    artifacts: tuple[str, ...] = ()
    criteria: str = ""
    duration: str = ""
    price: ItemPrice | None = None


class Checklist(BaseModel):
    """A named list of items, answered together."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = Field(pattern=_ID_PATTERN)
    name: str = Field(min_length=1)
    description: str = ""
    items: tuple[ChecklistItem, ...] = Field(min_length=1)

    @field_validator("description", mode="before")
    @classmethod
    def _text(cls, value: Any) -> Any:
        return "" if value is None else value


class Gate(BaseModel):
    """A stage gate: why it exists, what passing it means, what it leaves behind."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    number: int = Field(ge=0)
    name: str = Field(min_length=1)
    purpose: str = Field(min_length=1)
    exit_criteria: tuple[str, ...] = Field(min_length=1)
    artifacts: tuple[str, ...] = ()
    pitfall: str = ""
    timebox: str = ""
    checklists: tuple[str, ...] = ()


Outcome = Literal["pass", "conditional", "no-go"]


class GateQuestion(BaseModel):
    """A question the decision gate asks (yes, no or n/a), and what each answer means."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = Field(pattern=_ID_PATTERN)
    text: str = Field(min_length=1)
    if_yes: Outcome
    if_no: Outcome
    condition: str = ""  # what a conditional answer asks to be done

    def outcome(self, answer: str) -> Outcome:
        """What an answer (yes, no or n/a) means for the decision."""
        return {"yes": self.if_yes, "no": self.if_no}.get(answer, "pass")


class ReadinessReview(BaseModel):
    """The production readiness review: the phase it comes before and who signs it off."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    before_phase: str = Field(min_length=1)
    roles: tuple[str, ...] = Field(min_length=1)


class MaturityLevel(BaseModel):
    """An MLOps maturity level and the items that must be done to reach it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    level: int = Field(ge=1)
    name: str = Field(min_length=1)
    description: str = ""
    requires: tuple[str, ...] = ()


@dataclass(frozen=True)
class Checklists:
    """Every gate, checklist and maturity level in force, checked for consistency."""

    gates: tuple[Gate, ...]
    checklists: tuple[Checklist, ...]
    maturity: tuple[MaturityLevel, ...]
    source: str = "roi/data/gates.yaml"
    questions: tuple[GateQuestion, ...] = ()
    review: ReadinessReview | None = None

    def question(self, question_id: str) -> GateQuestion:
        for question in self.questions:
            if question.id == question_id:
                return question
        raise KeyError(f"no gate question {question_id!r}")

    def checklist(self, checklist_id: str) -> Checklist:
        for checklist in self.checklists:
            if checklist.id == checklist_id:
                return checklist
        raise KeyError(f"no checklist {checklist_id!r}")

    def gate(self, number: int) -> Gate:
        for gate in self.gates:
            if gate.number == number:
                return gate
        raise KeyError(f"no gate {number}")

    def gate_of(self, checklist_id: str) -> Gate | None:
        """The gate whose passing needs this checklist, if any."""
        return next((g for g in self.gates if checklist_id in g.checklists), None)

    @property
    def items(self) -> dict[str, tuple[Checklist, ChecklistItem]]:
        """Every item by id, with the checklist it belongs to."""
        return {item.id: (c, item) for c in self.checklists for item in c.items}

    @property
    def item_ids(self) -> tuple[str, ...]:
        return tuple(self.items)

    def to_dict(self) -> dict[str, Any]:
        """Plain data in the file's shape (the governance checklist included)."""
        return {
            "gates": [g.model_dump() for g in self.gates],
            "checklists": [c.model_dump() for c in self.checklists],
            "maturity": [m.model_dump() for m in self.maturity],
            "gate_questions": [q.model_dump() for q in self.questions],
            "readiness_review": None if self.review is None else self.review.model_dump(),
        }

    @functools.cached_property
    def fingerprint(self) -> str:
        """SHA-256 of the content (not of where it came from), for the memo's input hash."""
        text = json.dumps(self.to_dict(), sort_keys=True, ensure_ascii=False, default=list)
        return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _governance_checklist() -> dict[str, Any]:
    """The five governance checkpoints as a checklist, from the timeline's data."""
    return {
        "id": GOVERNANCE_CHECKLIST,
        "name": "Governance checkpoints",
        "description": "Each checkpoint has an owner, the evidence it needs and a pass rule; "
        "run side by side they add about a week to the plan.",
        "items": [
            {
                "id": c.id,
                "text": c.name,
                "owner": c.owner,
                "artifacts": list(c.artifacts),
                "criteria": c.pass_criteria,
                "duration": f"{c.min_days:g}-{c.max_days:g} business days",
            }
            for c in CHECKPOINTS
        ],
    }


CHECKLIST_SUFFIXES = (".yaml", ".yml")
MAX_CHECKLISTS_BYTES = 2**20
"""Largest checklists file read (1 MiB; the built-in one is about 20 kB)."""


def _read_yaml(path: Path) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{path}: checklists file does not exist") from None
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(f"{path}: cannot read checklists file ({error})") from None
    try:
        return safe_yaml(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(error, "problem", None) or (
            str(error) if type(error) is yaml.YAMLError else "invalid syntax"
        )
        raise ConfigError(f"{path}: not valid YAML{where}: {problem}") from None
    except (ValueError, TypeError, OverflowError, RecursionError) as error:
        reason = (str(error).splitlines() or [type(error).__name__])[0][:200]
        raise ConfigError(f"{path}: not valid YAML: {reason}") from None


_TOP_KEYS = ("gates", "checklists", "maturity", "gate_questions", "readiness_review")


def _entries(data: Mapping[str, Any], key: str, problems: list[str]) -> list:
    value = data.get(key) or []
    if not isinstance(value, list):
        problems.append(f"'{key}' must be a list, got {type(value).__name__}")
        return []
    good = []
    for index, entry in enumerate(value):
        if isinstance(entry, Mapping):
            good.append(dict(entry))
        else:
            problems.append(f"{key}[{index}] must be a mapping, got {entry!r}")
    return good


def _key(value: Any) -> Any:
    """A dict key for an entry's id or number; anything odd stays apart, for validation to name."""
    if isinstance(value, str | int) and not isinstance(value, bool):
        return value
    return object()


def _merge(base: dict[str, Any], extra: Any, source: str) -> dict[str, Any]:
    """The built-in data with a user's file laid over it (see the data file's header)."""
    problems: list[str] = []
    if extra is None:
        return base
    if not isinstance(extra, Mapping):
        raise ConfigError(f"{source}: must hold a mapping with gates, checklists or maturity")
    for key in extra:
        if key not in _TOP_KEYS:
            problems.append(
                f"unknown key {str(key)[:40]!r}{_suggestion(str(key), _TOP_KEYS)}; "
                f"allowed: {', '.join(_TOP_KEYS)}"
            )
    gates = {g["number"]: g for g in base["gates"]}
    for entry in _entries(extra, "gates", problems):
        number = _key(entry.get("number"))
        if number in gates:
            gates[number] = {**gates[number], **entry}
        else:
            gates[number] = entry
    checklists = {c["id"]: c for c in base["checklists"]}
    for entry in _entries(extra, "checklists", problems):
        checklist_id = _key(entry.get("id"))
        known = checklists.get(checklist_id)
        if known is None:
            checklists[checklist_id] = entry
            continue
        items = list(known["items"])
        positions = {item["id"]: index for index, item in enumerate(items)}
        new_items = entry.get("items") or []
        if not isinstance(new_items, list):
            problems.append(f"checklist {entry.get('id')!r}: 'items' must be a list")
            new_items = []
        for item in new_items:
            at = positions.get(_key(item.get("id"))) if isinstance(item, Mapping) else None
            if at is None:
                items.append(item)
            else:
                items[at] = {**items[at], **item}
        checklists[checklist_id] = {**known, **entry, "items": items}
    levels = {m["level"]: m for m in base["maturity"]}
    for entry in _entries(extra, "maturity", problems):
        level = _key(entry.get("level"))
        levels[level] = {**levels[level], **entry} if level in levels else entry
    questions = {q["id"]: q for q in base.get("gate_questions") or []}
    for entry in _entries(extra, "gate_questions", problems):
        question_id = _key(entry.get("id"))
        known = questions.get(question_id)
        questions[question_id] = {**known, **entry} if known else entry
    review = base.get("readiness_review")
    if extra.get("readiness_review") is not None:
        given = extra["readiness_review"]
        if isinstance(given, Mapping):
            review = {**(review or {}), **given}
        else:
            problems.append("'readiness_review' must be a mapping with before_phase and roles")
    if problems:
        raise ConfigError(_problems_text(source, problems))
    return {
        "gates": list(gates.values()),
        "checklists": list(checklists.values()),
        "maturity": list(levels.values()),
        "gate_questions": list(questions.values()),
        "readiness_review": review,
    }


def _problems_text(source: str, problems: list[str]) -> str:
    count = len(problems)
    head = f"{source}: {count} problem{'s' if count != 1 else ''} in the gates and checklists:"
    return "\n".join([head, *(f"  - {p}" for p in problems)])


def _validated(model: type[BaseModel], data: Any, where: str, problems: list[str]) -> Any:
    try:
        return model.model_validate(data)
    except ValidationError as error:
        for item in error.errors(include_url=False):
            loc = ".".join(str(part) for part in item["loc"])
            field = f" {loc}" if loc else ""
            value = item.get("input")
            shown = "" if item["type"] == "missing" else f": got {value!r}"[:80]
            problems.append(f"{where}{field}: {item['msg'].lower()}{shown}")
        return None


def parse_checklists(data: Mapping[str, Any], source: str = "checklists") -> Checklists:
    """Gates, checklists and maturity levels from plain data, checked as a whole.

    Raises ConfigError listing every problem: a missing or mistyped field, a duplicate
    id, a gate naming a checklist that does not exist, a maturity level needing an
    unknown item.
    """
    problems: list[str] = []
    gates = [_validated(Gate, g, f"gate {g.get('number', '?')}", problems) for g in data["gates"]]
    checklists = [
        _validated(Checklist, c, f"checklist {c.get('id', '?')!r}", problems)
        for c in data["checklists"]
    ]
    levels = [
        _validated(MaturityLevel, m, f"maturity level {m.get('level', '?')}", problems)
        for m in data["maturity"]
    ]
    questions = [
        _validated(GateQuestion, q, f"gate question {q.get('id', '?')!r}", problems)
        for q in data.get("gate_questions") or []
    ]
    review = (
        None
        if data.get("readiness_review") is None
        else _validated(ReadinessReview, data["readiness_review"], "readiness_review", problems)
    )
    if problems:
        raise ConfigError(_problems_text(source, problems))
    question_ids = [q.id for q in questions]
    if len(set(question_ids)) != len(question_ids):
        problems.append("gate question ids must be unique")
    phase_ids = [p.id for p in PHASES]
    for checklist in checklists:
        for item in checklist.items:
            if item.price is not None and item.price.phase not in phase_ids:
                problems.append(
                    f"item {item.id!r} is priced on unknown phase {item.price.phase!r}"
                    f"{_suggestion(item.price.phase, phase_ids)}"
                )
    if review is not None and review.before_phase not in phase_ids:
        problems.append(
            f"readiness_review comes before unknown phase {review.before_phase!r}"
            f"{_suggestion(review.before_phase, phase_ids)}"
        )
    for question in questions:
        if "conditional" in (question.if_yes, question.if_no) and not question.condition:
            problems.append(
                f"gate question {question.id!r}: a conditional answer needs a 'condition'"
            )
    seen: dict[str, str] = {}
    for checklist in checklists:
        for item in checklist.items:
            if item.id in seen:
                problems.append(
                    f"item id {item.id!r} is in both checklist {seen[item.id]!r} "
                    f"and {checklist.id!r}; item ids must be unique"
                )
            seen[item.id] = checklist.id
    checklist_ids = [c.id for c in checklists]
    if len(set(checklist_ids)) != len(checklist_ids):
        problems.append("checklist ids must be unique")
    for gate in gates:
        for name in gate.checklists:
            if name not in checklist_ids:
                problems.append(
                    f"gate {gate.number} needs unknown checklist {name!r}"
                    f"{_suggestion(name, checklist_ids)}"
                )
    for level in levels:
        for name in level.requires:
            if name not in seen:
                problems.append(
                    f"maturity level {level.level} requires unknown item {name!r}"
                    f"{_suggestion(name, list(seen))}"
                )
    numbers = sorted(g.number for g in gates)
    if numbers != list(range(len(numbers))):
        problems.append(f"gates must be numbered 0, 1, 2, ... without gaps: got {numbers}")
    levels_found = sorted(m.level for m in levels)
    if levels_found != list(range(1, len(levels_found) + 1)):
        problems.append(f"maturity levels must be 1, 2, 3, ... without gaps: got {levels_found}")
    if problems:
        raise ConfigError(_problems_text(source, problems))
    return Checklists(
        gates=tuple(sorted(gates, key=lambda g: g.number)),
        checklists=tuple(checklists),
        maturity=tuple(sorted(levels, key=lambda m: m.level)),
        source=source,
        questions=tuple(questions),
        review=review,
    )


def _builtin_data() -> dict[str, Any]:
    text = resources.files("roi").joinpath("data/gates.yaml").read_text(encoding="utf-8")
    data = yaml.safe_load(text)
    data["checklists"] = [*data["checklists"], _governance_checklist()]
    return data


@functools.lru_cache(maxsize=32)
def _load(path: str | None, mtime: float | None) -> Checklists:
    base = _builtin_data()
    if path is None:
        return parse_checklists(base, source="roi/data/gates.yaml")
    merged = _merge(base, _read_yaml(Path(path)), path)
    return parse_checklists(merged, source=path)


def load_checklists(path: str | os.PathLike[str] | None = None) -> Checklists:
    """The built-in gates and checklists, extended by a user's YAML file when given.

    In the user's file a gate with a known number replaces the fields it gives, a
    checklist with a known id gets its items added (a known item id is replaced), and
    new gates, checklists and maturity levels are added. The result is validated as a
    whole; problems raise ConfigError naming the file and every problem.

    >>> checklists = load_checklists()
    >>> [g.number for g in checklists.gates], len(checklists.checklist("governance").items)
    ([0, 1, 2, 3, 4, 5], 5)
    """
    if path is None:
        return _load(None, None)
    path = Path(path)
    if path.suffix.lower() not in CHECKLIST_SUFFIXES:
        raise ConfigError(f"{path}: a checklists file must be a .yaml or .yml file")
    try:
        mtime = path.stat().st_mtime
    except OSError:
        raise ConfigError(f"{path}: checklists file does not exist") from None
    if not path.is_file():  # a folder, a device (/dev/zero), a pipe: nothing roi reads
        raise ConfigError(f"{path}: a checklists file must be a regular file")
    too_big = file_too_big(path, MAX_CHECKLISTS_BYTES)
    if too_big:
        raise ConfigError(f"{path}: checklists file {too_big}")
    return _load(str(path), mtime)


# --- where a scenario stands -------------------------------------------------------------


@dataclass(frozen=True)
class ItemStatus:
    """One item with the team's answer; an unanswered item counts as open."""

    item: ChecklistItem
    checklist_id: str
    status: str  # done | open | n/a
    answered: bool
    note: str
    owner: str  # the answer's owner, else the item's usual owner

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.item.id,
            "text": self.item.text,
            "checklist": self.checklist_id,
            "status": self.status,
            "answered": self.answered,
            "note": self.note,
            "owner": self.owner,
        }


@dataclass(frozen=True)
class ChecklistStatus:
    """Counts and open items of one checklist."""

    checklist: Checklist
    gate: int | None
    items: tuple[ItemStatus, ...]

    def _count(self, status: str) -> int:
        return sum(1 for i in self.items if i.status == status)

    @property
    def done(self) -> int:
        return self._count("done")

    @property
    def open(self) -> int:
        return self._count("open")

    @property
    def not_applicable(self) -> int:
        return self._count("n/a")

    @property
    def unanswered(self) -> int:
        return sum(1 for i in self.items if not i.answered)

    @property
    def complete(self) -> bool:
        """True when nothing is open (every item done or not applicable)."""
        return self.open == 0

    @property
    def open_items(self) -> tuple[ItemStatus, ...]:
        return tuple(i for i in self.items if i.status == "open")

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.checklist.id,
            "name": self.checklist.name,
            "gate": self.gate,
            "done": self.done,
            "open": self.open,
            "n/a": self.not_applicable,
            "unanswered": self.unanswered,
            "complete": self.complete,
            "open_items": [i.to_dict() for i in self.open_items],
        }


@dataclass(frozen=True)
class Readiness:
    """Where a scenario stands on every checklist, with its MLOps maturity level."""

    checklists: tuple[ChecklistStatus, ...]
    definitions: Checklists
    answered: int  # how many items have an answer at all

    @property
    def assessed(self) -> bool:
        """False when the team gave no answers at all."""
        return self.answered > 0

    def checklist(self, checklist_id: str) -> ChecklistStatus:
        for status in self.checklists:
            if status.checklist.id == checklist_id:
                return status
        raise KeyError(f"no checklist {checklist_id!r}")

    def open_items(self, checklist_ids: tuple[str, ...] | None = None) -> tuple[ItemStatus, ...]:
        """Open items of the given checklists (all when None), in checklist order."""
        return tuple(
            item
            for status in self.checklists
            if checklist_ids is None or status.checklist.id in checklist_ids
            for item in status.open_items
        )

    def status(self, item_id: str) -> str:
        for checklist in self.checklists:
            for item in checklist.items:
                if item.item.id == item_id:
                    return item.status
        raise KeyError(f"no checklist item {item_id!r}")

    @property
    def maturity(self) -> int:
        return maturity_level(self)

    def to_dict(self) -> dict[str, Any]:
        return {
            "assessed": self.assessed,
            "maturity_level": self.maturity,
            "checklists": [c.to_dict() for c in self.checklists],
        }


def check_answers(
    answers: Mapping[str, Any], checklists: Checklists | None = None
) -> dict[str, ReadinessAnswer]:
    """Answers by item id, each validated; an unknown id raises ConfigError with a hint."""
    checklists = checklists or load_checklists()
    known = checklists.item_ids
    checked: dict[str, ReadinessAnswer] = {}
    problems = []
    for item_id, value in answers.items():
        if item_id not in known:
            problems.append(
                f"readiness names an unknown checklist item {item_id!r}"
                f"{_suggestion(str(item_id), known)}"
            )
            continue
        try:
            checked[item_id] = readiness_answer(value)
        except ValueError as error:
            problems.append(f"readiness item {item_id!r} {error}")
    if problems:
        raise ConfigError(_problems_text("readiness", problems))
    return checked


def readiness_status(
    answers: Answered | Mapping[str, Any] | None, checklists: Checklists | None = None
) -> Readiness:
    """Each checklist's answered state from a scenario (or a mapping of answers by item id).

    Statuses are done, open and n/a; an item without an answer is open. With a
    Scenario and no `checklists`, the scenario's own checklists file (if any) is used.
    """
    if answers is not None and not isinstance(answers, Mapping):
        if checklists is None:
            checklists = load_checklists(answers.checklists)
        answers = answers.readiness
    checklists = checklists or load_checklists()
    given = check_answers(answers or {}, checklists)
    statuses = []

    def gate_number(checklist: Checklist) -> float:
        gate = checklists.gate_of(checklist.id)
        return gate.number if gate else float("inf")

    for checklist in sorted(checklists.checklists, key=gate_number):
        gate = checklists.gate_of(checklist.id)
        items = []
        for item in checklist.items:
            answer = given.get(item.id)
            items.append(
                ItemStatus(
                    item=item,
                    checklist_id=checklist.id,
                    status=answer.status if answer else "open",
                    answered=answer is not None,
                    note=answer.note if answer else "",
                    owner=(answer.owner if answer and answer.owner else item.owner),
                )
            )
        statuses.append(ChecklistStatus(checklist, gate.number if gate else None, tuple(items)))
    return Readiness(tuple(statuses), checklists, answered=len(given))


def maturity_level(readiness: Readiness | Answered | Mapping[str, Any]) -> int:
    """MLOps maturity level (1, 2 or 3) reached by the answers.

    A level is reached when every item it requires is done or not applicable and the
    level below is reached: level 2 needs versioned, containerised artefacts and
    automated pipelines; level 3 adds continuous training, automated evaluation gates
    and canary releases.

    >>> maturity_level({"versioned_artifact": "done"})
    1
    >>> maturity_level({"versioned_artifact": "done", "automated_pipelines": "done"})
    2
    """
    if not isinstance(readiness, Readiness):
        readiness = readiness_status(readiness)
    reached = 1
    for level in readiness.definitions.maturity:
        if all(readiness.status(item) in ("done", "n/a") for item in level.requires):
            reached = level.level
        else:
            break
    return reached


@dataclass(frozen=True)
class NextGate:
    """The first gate not yet passed and what it needs; gate None when all are passed."""

    gate: Gate | None
    passed: tuple[int, ...]
    open_items: tuple[ItemStatus, ...]

    @property
    def needs(self) -> tuple[str, ...]:
        """The gate's exit criteria, then every open item with its owner."""
        if self.gate is None:
            return ()
        return (
            *self.gate.exit_criteria,
            *(f"{i.item.text} (owner: {i.owner or 'unassigned'})" for i in self.open_items),
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "gate": None if self.gate is None else self.gate.number,
            "name": None if self.gate is None else self.gate.name,
            "passed": list(self.passed),
            "needs": list(self.needs),
            "open_items": [i.to_dict() for i in self.open_items],
        }


def next_gate(readiness: Readiness | Answered | Mapping[str, Any]) -> NextGate:
    """The first gate, in order, whose checklists still have open items.

    A gate without checklists is passed as soon as the gates before it are; a gate
    with open items stops the walk, even if later gates have answers.
    """
    if not isinstance(readiness, Readiness):
        readiness = readiness_status(readiness)
    passed: list[int] = []
    for gate in readiness.definitions.gates:
        open_items = readiness.open_items(gate.checklists)
        if open_items:
            return NextGate(gate, tuple(passed), open_items)
        passed.append(gate.number)
    return NextGate(None, tuple(passed), ())


__all__ = [
    "STATUSES",
    "Checklist",
    "ChecklistItem",
    "ChecklistStatus",
    "Checklists",
    "Gate",
    "ItemStatus",
    "MaturityLevel",
    "NextGate",
    "Readiness",
    "check_answers",
    "load_checklists",
    "maturity_level",
    "next_gate",
    "parse_checklists",
    "readiness_status",
]
