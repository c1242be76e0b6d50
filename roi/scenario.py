"""The validated input of every calculation: one AI initiative's assumptions."""

from __future__ import annotations

import numbers
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, ClassVar, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from roi._types import FrozenDict, frozen, thawed
from roi.amounts import PERCENT_UNITS, read_metric, read_number
from roi.exceptions import MISSING, Problem, ScenarioError
from roi.exceptions import suggestion as _suggestion
from roi.gates import (
    ChecklistItem,
    GateAnswer,
    ProductionOwner,
    ReadinessAnswer,
    SignOff,
    gate_answer,
    load_checklists,
    priced_open_items,
    readiness_answer,
)
from roi.timeline import HIDDEN_COST_SHARE, RATE_CARD, phase_points, plan_cost

Distribution = Literal["pert", "triangular", "uniform"]
DISTRIBUTIONS: tuple[str, ...] = ("pert", "triangular", "uniform")


@dataclass(frozen=True)
class FieldSpec:
    """What one numeric input means, its unit, and the values it may take."""

    name: str
    label: str
    unit: str
    group: str
    help: str
    default: float | None = None  # None: required
    minimum: float = 0.0
    maximum: float | None = None
    exclusive_minimum: bool = False
    whole: bool = False

    @property
    def required(self) -> bool:
        return self.default is None

    @property
    def default_value(self) -> float:
        """The default of an optional field (a required field has none)."""
        if self.default is None:
            raise ValueError(f"{self.name} is required: it has no default")
        return float(self.default)

    def allowed(self) -> str:
        """The rule in words, e.g. 'must be a number >= 0'."""
        if self.unit in PERCENT_UNITS and self.maximum is not None:
            return (
                f"must be a percent from {_fmt(self.minimum * 100)}% to "
                f"{_fmt(self.maximum * 100)}% (12% or 12 is 12%, and so is 0.12)"
            )
        low = f"> {_fmt(self.minimum)}" if self.exclusive_minimum else f">= {_fmt(self.minimum)}"
        kind = "a whole number" if self.whole else "a number"
        if self.maximum is None:
            return f"must be {kind} {low}"
        if self.exclusive_minimum:
            return f"must be {kind} {low} and <= {_fmt(self.maximum)}"
        return f"must be {kind} from {_fmt(self.minimum)} to {_fmt(self.maximum)}"

    def check(self, value: float) -> bool:
        if self.exclusive_minimum and not value > self.minimum:
            return False
        if not self.exclusive_minimum and value < self.minimum:
            return False
        if self.maximum is not None and value > self.maximum:
            return False
        return not (self.whole and value != int(value))


def _fmt(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else str(x)


_SPECS = (
    FieldSpec("users", "Users", "people", "Impact", "People who will use the system."),
    FieldSpec(
        "tasks_per_day",
        "Tasks per user per day",
        "tasks",
        "Impact",
        "Tasks each user does on a workday that the system helps with.",
    ),
    FieldSpec(
        "minutes_saved_per_task",
        "Minutes saved per task",
        "min",
        "Impact",
        "Minutes the system saves on each task.",
    ),
    FieldSpec(
        "hourly_rate",
        "Loaded hourly rate",
        "$/h",
        "Impact",
        "Fully loaded cost of one hour of a user's time.",
    ),
    FieldSpec(
        "workdays_per_year",
        "Workdays per year",
        "days",
        "Impact",
        "Workdays in a year.",
        default=230,
        minimum=1,
        maximum=366,
    ),
    FieldSpec(
        "incremental_revenue",
        "Incremental revenue",
        "$/yr",
        "Impact",
        "Extra revenue a year that the system brings.",
        default=0,
    ),
    FieldSpec(
        "platform_cost_annual",
        "Platform cost",
        "$/yr",
        "Costs",
        "Hosting, infrastructure and licences a year.",
    ),
    FieldSpec(
        "model_cost_annual",
        "Model cost",
        "$/yr",
        "Costs",
        "Model inference or API usage a year. With per-request prices given, only what they "
        "leave out (reserved capacity, fine-tuning); 0 when left out.",
    ),
    FieldSpec(
        "support_cost_annual",
        "Support cost",
        "$/yr",
        "Costs",
        "Operations, monitoring and on-call a year.",
    ),
    FieldSpec("build_cost", "Build cost", "$", "Costs", "One-time cost of production engineering."),
    FieldSpec(
        "change_cost",
        "Change cost",
        "$",
        "Costs",
        "One-time cost of training, rollout and change management.",
    ),
    FieldSpec(
        "payback_threshold_months",
        "Payback threshold",
        "months",
        "Decision",
        "Payback must come within this many months, or the idea is killed.",
        default=12,
        exclusive_minimum=True,
    ),
    FieldSpec(
        "adoption_months",
        "Adoption ramp",
        "months",
        "Timeline",
        "Months from go-live until everyone uses it (linear ramp).",
        default=0,
    ),
    FieldSpec(
        "discount_rate",
        "Discount rate",
        "per year",
        "Finance",
        "Annual rate used to discount cash flows for NPV.",
        default=0.10,
        maximum=1,
    ),
    FieldSpec(
        "horizon_months",
        "Horizon",
        "months",
        "Finance",
        "Months of cash flow after go-live that NPV and ROI look at.",
        default=36,
        minimum=1,
        maximum=120,
        whole=True,
    ),
    FieldSpec(
        "fallback_rate",
        "Fallback rate",
        "share",
        "Impact",
        "Share of tasks the model does not serve (a cache, rules or a person handles them): "
        "time is saved only on the rest. Past 15-20% is the articles' alarm.",
        default=0,
        maximum=1,
    ),
    FieldSpec(
        "review_minutes_per_fallback",
        "Review minutes per fallback",
        "min",
        "Impact",
        "Minutes a person spends on each task the model hands back, on top of doing it.",
        default=0,
    ),
    FieldSpec(
        "capacity_realised",
        "Capacity realised",
        "share",
        "Benefits",
        "Share of the time saved that becomes value (work absorbed, overtime or hiring "
        "avoided); the rest is slack. 100% counts all of it.",
        default=1,
        maximum=1,
    ),
    FieldSpec(
        "protected_revenue",
        "Protected revenue",
        "$/yr",
        "Benefits",
        "Revenue a year the system keeps from being lost (churn, lapsed renewals, "
        "missed service levels).",
        default=0,
    ),
    FieldSpec(
        "protected_revenue_realised",
        "Protected revenue realised",
        "share",
        "Benefits",
        "Share of the protected revenue expected to be kept.",
        default=1,
        maximum=1,
    ),
    FieldSpec(
        "reduced_cost",
        "Reduced cost",
        "$/yr",
        "Benefits",
        "Spend a year the system displaces: vendors, outsourcing, licences.",
        default=0,
    ),
    FieldSpec(
        "reduced_cost_realised",
        "Reduced cost realised",
        "share",
        "Benefits",
        "Share of the reduced cost expected to be cut in fact.",
        default=1,
        maximum=1,
    ),
    FieldSpec(
        "risk_probability",
        "Risk: chance a year",
        "share",
        "Benefits",
        "Chance in a year of the loss the system helps avoid (a fine, a breach, an error).",
        default=0,
        maximum=1,
    ),
    FieldSpec(
        "risk_loss_avoided",
        "Risk: loss if it happens",
        "$",
        "Benefits",
        "Size of that loss.",
        default=0,
    ),
    FieldSpec(
        "risk_realised",
        "Risk mitigated",
        "share",
        "Benefits",
        "Share of the expected loss the system prevents.",
        default=1,
        maximum=1,
    ),
    FieldSpec(
        "requests_per_task",
        "Model requests per task",
        "requests",
        "Unit economics",
        "Model calls each task makes (an agent's chain makes several). Requests a year are "
        "users x tasks per day x this x workdays.",
        default=1,
    ),
    FieldSpec(
        "input_tokens_per_request",
        "Input tokens per request",
        "tokens",
        "Unit economics",
        "Tokens sent to the model on each request (prompt, context, retrieved text).",
        default=0,
    ),
    FieldSpec(
        "output_tokens_per_request",
        "Output tokens per request",
        "tokens",
        "Unit economics",
        "Tokens the model writes on each request.",
        default=0,
    ),
    FieldSpec(
        "price_per_million_input_tokens",
        "Price per million input tokens",
        "$/M tokens",
        "Unit economics",
        "What the model's provider charges per million input tokens (or `model:` looks it "
        "up in roi's dated price list).",
        default=0,
    ),
    FieldSpec(
        "price_per_million_output_tokens",
        "Price per million output tokens",
        "$/M tokens",
        "Unit economics",
        "What the provider charges per million output tokens.",
        default=0,
    ),
    FieldSpec(
        "serving_cost_per_1000_requests",
        "Serving cost per 1,000 requests",
        "$/1k requests",
        "Unit economics",
        "Retrieval, vector storage and serving per 1,000 requests.",
        default=0,
    ),
)

UNIT_ECONOMICS_FIELDS: tuple[str, ...] = tuple(
    spec.name for spec in _SPECS if spec.group == "Unit economics"
)
"""The inputs that price the model per request (its cost follows from them when given)."""
BENEFIT_FIELDS: tuple[str, ...] = tuple(spec.name for spec in _SPECS if spec.group == "Benefits")
"""The inputs of the benefits beyond the time saved (and the share of that realised)."""
EXTRA_FIELDS: tuple[str, ...] = (
    "fallback_rate",
    "review_minutes_per_fallback",
    *BENEFIT_FIELDS,
    *UNIT_ECONOMICS_FIELDS,
)
"""Optional inputs beyond the articles' formulas: a scenario that leaves them at their
defaults gives the figures it gave before they existed, and is saved without them."""

FIELD_SPECS: dict[str, FieldSpec] = {spec.name: spec for spec in _SPECS}
"""Every numeric Scenario field, in the order users see them."""

NUMERIC_FIELDS: tuple[str, ...] = tuple(FIELD_SPECS)
REQUIRED_FIELDS: tuple[str, ...] = ("name", *(s.name for s in _SPECS if s.required))
MINUTES_PER_DAY = 24 * 60

GOVERNANCE_MODES: tuple[str, ...] = ("parallel", "sequential", "end")


def to_number(value: Any, unit: str | None = None) -> float:
    """A finite float from a number or text as people write it (`roi.amounts`: 1,500,
    2k, $70, 1.2M, 10%), for a field in `unit`; raises ValueError with the rule otherwise.

    >>> to_number("12.5"), to_number(3), to_number("1,500", "people"), to_number("12", "per year")
    (12.5, 3.0, 1500.0, 0.12)
    """
    return read_number(value, unit)


class Range(BaseModel):
    """An uncertain input: low, most likely and high values, and how to sample between them."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    low: float
    likely: float
    high: float
    distribution: Distribution = "pert"

    @field_validator("low", "likely", "high", mode="before")
    @classmethod
    def _number(cls, value: Any) -> float:
        try:
            return to_number(value)
        except ValueError as error:
            raise PydanticCustomError("roi", str(error)) from None

    @model_validator(mode="after")
    def _ordered(self) -> Range:
        if not self.low <= self.likely <= self.high:
            raise PydanticCustomError(
                "roi",
                "must have low <= likely <= high: got low={low}, likely={likely}, high={high}",
                {"low": self.low, "likely": self.likely, "high": self.high},
            )
        return self

    @property
    def is_point(self) -> bool:
        return self.low == self.high


Uncertain = float | Range
"""A numeric input: a point value, or a Range whose `likely` is the point value."""


class Correlation(BaseModel):
    """Two uncertain inputs that move together when sampled (a Gaussian copula's rho).

    Only inputs given as ranges are sampled, so a correlation involving a point value
    has no effect.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    between: tuple[str, str]
    rho: float


def _check_correlations(value: Any) -> tuple[Correlation, ...]:
    """Correlations from a list of {between: [field, field], rho: number}, fully checked.

    Each names two different numeric fields once, with rho from -1 to 1, and together
    they must form a positive semi-definite correlation matrix (otherwise no joint
    distribution has them all).
    """
    if value is None:
        return ()
    if isinstance(value, str | bytes | Mapping) or not isinstance(value, list | tuple):
        raise PydanticCustomError(
            "roi",
            "must be a list of items, each with 'between' (two numeric fields) and "
            "'rho' (a number from -1 to 1)",
        )
    seen: set[frozenset[str]] = set()
    checked = [_correlation(item, entry, seen) for item, entry in enumerate(value, start=1)]
    _check_semi_definite(checked)
    return tuple(checked)


def _correlation(item: int, entry: Any, seen: set[frozenset[str]]) -> Correlation:
    """One correlation of the list (the `item`-th), checked; `seen` holds the pairs given
    before it (a pair given twice is refused) and gains this one."""
    if isinstance(entry, Correlation):
        entry = {"between": list(entry.between), "rho": entry.rho}
    if not isinstance(entry, Mapping):
        raise PydanticCustomError(
            "roi", "item {item} must be a mapping with 'between' and 'rho'", {"item": item}
        )
    unknown = [key for key in entry if key not in ("between", "rho")]
    if unknown:
        raise PydanticCustomError(
            "roi",
            "item {item} has an unknown key {key}{hint}; an item holds between and rho",
            {
                "item": item,
                "key": repr(unknown[0]),
                "hint": _suggestion(str(unknown[0]), ("between", "rho")),
            },
        )
    missing = [key for key in ("between", "rho") if key not in entry]
    if missing:
        raise PydanticCustomError(
            "roi",
            "item {item} needs between and rho; missing: {missing}",
            {"item": item, "missing": ", ".join(missing)},
        )
    pair = entry["between"]
    if (
        isinstance(pair, str | bytes)
        or not isinstance(pair, list | tuple)
        or len(pair) != 2
        or not all(isinstance(name, str) for name in pair)
    ):
        raise PydanticCustomError(
            "roi",
            "item {item}: between must list two numeric fields, e.g. "
            "[users, tasks_per_day] (it is {pair})",
            {"item": item, "pair": repr(pair)},
        )
    for name in pair:
        if name not in FIELD_SPECS:
            raise PydanticCustomError(
                "roi",
                "item {item}: {name} is not a numeric field{hint}",
                {
                    "item": item,
                    "name": repr(name),
                    "hint": _suggestion(name, list(FIELD_SPECS)),
                },
            )
    if pair[0] == pair[1]:
        raise PydanticCustomError(
            "roi",
            "item {item}: between must name two different fields, not {name} twice",
            {"item": item, "name": repr(pair[0])},
        )
    if frozenset(pair) in seen:
        raise PydanticCustomError(
            "roi",
            "item {item}: the pair {a} and {b} is given twice",
            {"item": item, "a": pair[0], "b": pair[1]},
        )
    seen.add(frozenset(pair))
    try:
        rho = to_number(entry["rho"])
    except ValueError as error:
        raise PydanticCustomError(
            "roi", "item {item}: rho {rule}", {"item": item, "rule": str(error)}
        ) from None
    if not -1 <= rho <= 1:
        raise PydanticCustomError(
            "roi",
            "item {item}: rho must be a number from -1 to 1 (it is {rho})",
            {"item": item, "rho": _fmt(rho)},
        )
    return Correlation.model_construct(between=(pair[0], pair[1]), rho=rho)


def _check_semi_definite(checked: Sequence[Correlation]) -> None:
    """Refuse correlations that no joint distribution has together: the matrix they
    form must be positive semi-definite."""
    import numpy as np  # only needed here; keeps importing roi.scenario light

    fields = list(dict.fromkeys(name for c in checked for name in c.between))
    matrix = np.eye(len(fields))
    for c in checked:
        i, j = fields.index(c.between[0]), fields.index(c.between[1])
        matrix[i, j] = matrix[j, i] = c.rho
    smallest = float(np.linalg.eigvalsh(matrix)[0]) if fields else 1.0
    if smallest < -1e-9:
        raise PydanticCustomError(
            "roi",
            "cannot all hold together: the correlation matrix they form is not "
            "positive semi-definite (smallest eigenvalue {eig}); weaken some of them",
            {"eig": f"{smallest:.3g}"},
        )


CRITERION_DIRECTIONS: tuple[str, ...] = ("higher", "lower")
CRITERION_KEYS: tuple[str, ...] = (
    "name",
    "direction",
    "target",
    "minimum",
    "measured",
    "unit",
    "source",
)
GATE_PROBABILITY_GATES: tuple[int, ...] = (2, 3, 4)
"""The stage gates between the PoC decision and go-live: proof of value, MVP, pilot."""


class Criterion(BaseModel):
    """A success criterion written down before the PoC: a metric, its target and kill line.

    `direction` says which way is better. `target` is what the PoC set out to show;
    `minimum` is the minimum viable value (the kill line), on the worse side of the
    target. `measured` is what the PoC measured: a number, or a Range sampled like any
    other uncertain input.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str
    direction: Literal["higher", "lower"]
    target: float
    minimum: float
    measured: Uncertain
    unit: str = ""
    source: str = ""

    @property
    def higher_is_better(self) -> bool:
        return self.direction == "higher"


def _item_error(field: str, value: Any, message: str) -> PydanticCustomError:
    """An error about one part of a list field, reported under its own field and value."""
    return PydanticCustomError(
        "roi_item", "{message}", {"message": message, "field": field, "value": value}
    )


def _check_criteria(value: Any) -> tuple[Criterion, ...]:
    """Success criteria from a list of mappings, every key checked, names unique."""
    if value is None:
        return ()
    if isinstance(value, str | bytes | Mapping) or not isinstance(value, list | tuple):
        raise PydanticCustomError(
            "roi",
            "must be a list of criteria, each with name, direction (higher or lower), "
            "target, minimum and measured",
        )
    checked: list[Criterion] = []
    for item, entry in enumerate(value, start=1):
        where = f"success_criteria[{item}]"
        if isinstance(entry, Criterion):
            entry = entry.model_dump()
        if not isinstance(entry, Mapping):
            raise _item_error(
                where,
                entry,
                "must be a mapping with name, direction, target, minimum and measured",
            )
        unknown = [key for key in entry if key not in CRITERION_KEYS]
        if unknown:
            raise _item_error(
                f"{where}.{unknown[0]}",
                entry[unknown[0]],
                "is not a criterion key"
                + _suggestion(str(unknown[0]), CRITERION_KEYS)
                + "; a criterion holds "
                + ", ".join(CRITERION_KEYS),
            )
        missing = [key for key in CRITERION_KEYS[:5] if _blank_value(entry.get(key))]
        if missing:
            raise _item_error(f"{where}.{missing[0]}", MISSING, "is required")
        name = entry["name"]
        if isinstance(name, numbers.Real) and not isinstance(name, bool):
            name = _fmt(float(name))
        if not isinstance(name, str) or not name.strip():
            raise _item_error(f"{where}.name", name, "must be non-empty text")
        name = name.strip()
        if name in FIELD_SPECS or name == "weeks_to_go_live":
            raise _item_error(
                f"{where}.name",
                name,
                "is the name of an input: a criterion needs its own name (its value of "
                "information and importance are listed beside the inputs')",
            )
        of = f"(criterion {name!r}) "
        direction = str(entry["direction"]).strip().lower()
        if direction not in CRITERION_DIRECTIONS:
            raise _item_error(
                f"{where}.direction",
                entry["direction"],
                of + "must be higher or lower (which way the metric is better)",
            )
        unit = "" if entry.get("unit") is None else str(entry.get("unit")).strip()
        numbers_: dict[str, float] = {}
        for key in ("target", "minimum"):
            try:
                numbers_[key] = read_metric(entry[key], unit)
            except ValueError as error:
                raise _item_error(f"{where}.{key}", entry[key], of + str(error)) from None
        target, minimum = numbers_["target"], numbers_["minimum"]
        if direction == "higher" and target < minimum:
            raise _item_error(
                f"{where}.target",
                entry["target"],
                of + f"must be at or above the minimum ({_fmt(minimum)}): higher is better, so "
                "the target cannot sit below the kill line",
            )
        if direction == "lower" and target > minimum:
            raise _item_error(
                f"{where}.target",
                entry["target"],
                of + f"must be at or below the minimum ({_fmt(minimum)}, the most that is still "
                "viable): lower is better, so the target cannot sit above the kill line",
            )
        try:
            measured = _metric_uncertain(entry["measured"], unit)
        except PydanticCustomError as error:
            raise _item_error(
                f"{where}.measured", entry["measured"], of + error.message()
            ) from None
        texts = {}
        for key in ("unit", "source"):
            text = entry.get(key)
            texts[key] = "" if text is None else str(text).strip()
        if any(c.name == name for c in checked):
            raise _item_error(
                f"{where}.name", name, "is given twice: criteria need their own names"
            )
        checked.append(
            Criterion.model_construct(
                name=name,
                direction="higher" if direction == "higher" else "lower",
                target=target,
                minimum=minimum,
                measured=measured,
                unit=texts["unit"],
                source=texts["source"],
            )
        )
    return tuple(checked)


def _metric_uncertain(value: Any, unit: str) -> Uncertain:
    """A criterion's measured value (a number or a range) read in the criterion's unit."""
    if isinstance(value, Range):
        value = value.model_dump()
    if isinstance(value, list | tuple) and len(value) == 3:
        value = dict(zip(("low", "likely", "high"), value, strict=True))
    try:
        if isinstance(value, Mapping):
            parts = {
                key: read_metric(value[key], unit) if key in value else value.get(key)
                for key in ("low", "likely", "high")
            }
            return _range_from_mapping(
                {**value, **{k: v for k, v in parts.items() if v is not None}}
            )
        return read_metric(value, unit)
    except ValueError as error:
        raise PydanticCustomError("roi", str(error) + " or a range {low, likely, high}") from None


def _blank_value(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _check_gate_probabilities(value: Any) -> dict[int, float]:
    """{gate number: probability of passing it} for the gates after the PoC."""
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise PydanticCustomError(
            "roi", "must be a mapping of gate number (2, 3 or 4) to a probability from 0 to 1"
        )
    checked: dict[int, float] = {}
    for key, probability in value.items():
        try:
            gate = int(to_number(key))
        except ValueError:
            gate = -1
        if str(key).strip() not in {str(g) for g in GATE_PROBABILITY_GATES} or gate not in (
            GATE_PROBABILITY_GATES
        ):
            raise _item_error(
                f"gate_probabilities.{key}",
                probability,
                "names no gate after the PoC: the gates are 2 (proof of value), 3 (MVP) and "
                "4 (controlled pilot)",
            )
        try:
            number = to_number(probability)
        except ValueError as error:
            raise _item_error(f"gate_probabilities.{gate}", probability, str(error)) from None
        if not 0 < number <= 1:
            raise _item_error(
                f"gate_probabilities.{gate}",
                probability,
                "must be a probability above 0 and at most 1 (e.g. 0.8)",
            )
        checked[gate] = number
    return dict(sorted(checked.items()))


def likely(value: Uncertain) -> float:
    """The point value of an input.

    >>> likely(3.0), likely(Range(low=1, likely=2, high=5))
    (3.0, 2.0)
    """
    return value.likely if isinstance(value, Range) else float(value)


def _coerce_uncertain(value: Any, unit: str | None = None) -> Uncertain:
    """A float or a Range from what a file or a caller gave, read for a field in `unit`."""
    if isinstance(value, Range):
        return value
    if isinstance(value, list | tuple) and len(value) == 3:
        value = dict(zip(("low", "likely", "high"), value, strict=True))
    if isinstance(value, Mapping):
        return _range_from_mapping(value, unit)
    try:
        return to_number(value, unit)
    except ValueError as error:
        raise PydanticCustomError("roi", str(error) + " or a range {low, likely, high}") from None


def _range_from_mapping(value: Mapping[str, Any], unit: str | None = None) -> Range:
    unknown = [key for key in value if key not in ("low", "likely", "high", "distribution")]
    if unknown:
        raise PydanticCustomError(
            "roi",
            "range has an unknown key {key}{hint}; a range holds low, likely, high "
            "and optionally distribution",
            {
                "key": repr(unknown[0]),
                "hint": _suggestion(str(unknown[0]), ("low", "likely", "high", "distribution")),
            },
        )
    missing = [key for key in ("low", "likely", "high") if key not in value]
    if missing:
        raise PydanticCustomError(
            "roi",
            "range needs low, likely and high; missing: {missing}",
            {"missing": ", ".join(missing)},
        )
    numbers_ = {}
    for key in ("low", "likely", "high"):
        try:
            numbers_[key] = to_number(value[key], unit)
        except ValueError as error:
            raise PydanticCustomError(
                "roi", "range {key} {rule}", {"key": key, "rule": str(error)}
            ) from None
    distribution = value.get("distribution", "pert")
    if distribution not in DISTRIBUTIONS:
        raise PydanticCustomError(
            "roi",
            "range distribution must be one of: {choices}",
            {"choices": ", ".join(DISTRIBUTIONS)},
        )
    if not numbers_["low"] <= numbers_["likely"] <= numbers_["high"]:
        raise PydanticCustomError("roi", "range must have low <= likely <= high")
    return Range.model_construct(
        low=numbers_["low"],
        likely=numbers_["likely"],
        high=numbers_["high"],
        distribution=distribution,
    )


def _check_bounds(spec: FieldSpec, value: Uncertain) -> Uncertain:
    parts = (
        {"low": value.low, "likely": value.likely, "high": value.high}
        if isinstance(value, Range)
        else {"": value}
    )
    for part, number in parts.items():
        if not spec.check(number):
            where = f" (its {part})" if part else ""
            raise PydanticCustomError("roi", spec.allowed() + where)
    return value


def _date_not_number(value: Any) -> Any:
    """Refuse a number where a date belongs: pydantic would read 0 (or "0", "20261102") as
    seconds since 1970, a date the user never meant.

    >>> _date_not_number("2026-11-02")
    '2026-11-02'
    """
    text = value.strip() if isinstance(value, str) else None
    number = isinstance(value, int | float) and not isinstance(value, bool)
    if number or (text is not None and text.lstrip("+-").replace(".", "", 1).isdigit()):
        raise PydanticCustomError("roi", "must be a date like 2026-01-31, not a number")
    return value


def _alternative_file(path: str | os.PathLike[str]) -> Any:
    """The mapping an `alternative:` file holds (a name and the fields that differ)."""
    import yaml

    from roi.safe_yaml import safe_yaml

    file = Path(path).expanduser()
    try:
        text = file.read_text(encoding="utf-8")
    except OSError as error:
        raise PydanticCustomError(
            "roi",
            "names a file that cannot be read: {file} ({why})",
            {"file": str(file), "why": error.strerror or "unreadable"},
        ) from None
    try:
        return safe_yaml(text)
    except yaml.YAMLError as error:  # the message says where
        raise PydanticCustomError(
            "roi",
            "names a file that is not valid YAML: {file}: {why}",
            {"file": str(file), "why": str(error).splitlines()[0]},
        ) from None


MODEL_PRICE_FIELDS = ("price_per_million_input_tokens", "price_per_million_output_tokens")
"""The prices a `model` name fills from the price list."""
PER_REQUEST_PRICES = (*MODEL_PRICE_FIELDS, "serving_cost_per_1000_requests")
"""The inputs that price each model request: any of them given prices the model so."""


def _priced(data: dict[str, Any]) -> dict[str, Any]:
    """The input with a named model's list prices filled in, and the model cost a year
    (then what is not priced per request) 0 when left out of a priced scenario.

    A model's price that is typed too must be its list price (a saved scenario says
    both); another value is refused, naming both, since one of them would be ignored.
    Problems are reported under `model` or `price_list` (ScenarioError).
    """
    model, source = data.get("model"), data.get("price_list")
    blank = (None, "")
    if isinstance(source, str) and not source.strip():
        source = None
    if model in blank or (isinstance(model, str) and not model.strip()):
        data = {k: v for k, v in data.items() if k != "model"}
        if source is not None:
            raise ScenarioError(
                [Problem("price_list", source, "is used only with `model:` (a model to look up)")]
            )
    else:
        from roi.exceptions import ConfigError
        from roi.prices import price_list

        if not isinstance(source, str | os.PathLike | None):
            raise ScenarioError([Problem("price_list", source, "must be the path of a YAML file")])
        try:
            prices = price_list(source)
        except ConfigError as error:
            raise ScenarioError([Problem("price_list", source, str(error))]) from None
        name = str(model).strip()
        if name not in prices:
            known = sorted(prices)
            raise ScenarioError(
                [
                    Problem(
                        "model",
                        model,
                        "is not in the price list"
                        + _suggestion(name, known)
                        + "; it has "
                        + ", ".join(known)
                        + " (or type price_per_million_input_tokens and "
                        "price_per_million_output_tokens instead)",
                    )
                ]
            )
        price = prices[name]
        listed = dict(zip(MODEL_PRICE_FIELDS, (price.input, price.output), strict=True))
        for field, value in listed.items():
            typed = data.get(field)
            if typed in blank:
                continue
            try:
                same = _coerce_uncertain(typed, "$") == value
            except PydanticCustomError:
                same = False
            if not same:
                raise ScenarioError(
                    [
                        Problem(
                            field,
                            typed,
                            f"differs from {name}'s list price (${_fmt(value)} a million, "
                            f"as of {price.as_of}): give the model or the prices, not both",
                        )
                    ]
                )
        data = {**data, **listed, "model": name}
        if source is not None:
            data["price_list"] = os.fspath(source)
    priced = model not in blank or any(
        data.get(f) not in (None, "", 0, 0.0) for f in PER_REQUEST_PRICES
    )
    if priced and data.get("model_cost_annual") in blank:
        data = {**data, "model_cost_annual": 0}
    return data


PLAN_WORD = "plan"
"""What `build_cost` says when the build cost is the plan's: roles x weeks x loaded weekly
rates, plus hidden costs (roi.timeline.plan_cost)."""


def _is_plan(value: Any) -> bool:
    return isinstance(value, str) and value.strip().lower() == PLAN_WORD


class Scenario(BaseModel):
    """One AI initiative's assumptions, validated and immutable.

    Numeric fields take a point value or a Range; calculations use the likely value and
    the uncertainty module samples the ranges. A changed scenario is a new one:
    ``scenario.evolve(users=300)``.

    >>> s = Scenario(name="Invoice triage", users=200, tasks_per_day=12,
    ...              minutes_saved_per_task=4, hourly_rate=55, platform_cost_annual=60_000,
    ...              model_cost_annual=36_000, support_cost_annual=40_000,
    ...              build_cost=250_000, change_cost=50_000)
    >>> s.workdays_per_year, s.payback_threshold_months
    (230.0, 12.0)
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = Field(min_length=1)
    users: Uncertain
    tasks_per_day: Uncertain
    minutes_saved_per_task: Uncertain
    hourly_rate: Uncertain
    workdays_per_year: Uncertain = 230.0
    incremental_revenue: Uncertain = 0.0
    platform_cost_annual: Uncertain
    model_cost_annual: Uncertain
    support_cost_annual: Uncertain
    build_cost: Uncertain
    change_cost: Uncertain
    payback_threshold_months: Uncertain = 12.0
    adoption_months: Uncertain = 0.0
    discount_rate: Uncertain = 0.10
    horizon_months: Uncertain = 36.0
    fallback_rate: Uncertain = 0.0
    review_minutes_per_fallback: Uncertain = 0.0
    capacity_realised: Uncertain = 1.0
    protected_revenue: Uncertain = 0.0
    protected_revenue_realised: Uncertain = 1.0
    reduced_cost: Uncertain = 0.0
    reduced_cost_realised: Uncertain = 1.0
    risk_probability: Uncertain = 0.0
    risk_loss_avoided: Uncertain = 0.0
    risk_realised: Uncertain = 1.0
    requests_per_task: Uncertain = 1.0
    input_tokens_per_request: Uncertain = 0.0
    output_tokens_per_request: Uncertain = 0.0
    price_per_million_input_tokens: Uncertain = 0.0
    price_per_million_output_tokens: Uncertain = 0.0
    serving_cost_per_1000_requests: Uncertain = 0.0

    # Optional sections beyond the flat contract fields.
    description: str = ""
    notes: dict[str, str] = Field(default_factory=FrozenDict)
    start_date: date | None = None
    # Public holidays that move go-live: a country's (ISO 3166 code, from the `holidays`
    # package) and/or dates of your own.
    country: str | None = None
    holidays: tuple[date, ...] = ()
    poc_weeks: Uncertain | None = None
    # The governance checkpoints: alongside the build, one after another, or left to the
    # end (then the compliance review adds 6-9 months: roi/data/timeline.yaml).
    governance: Literal["parallel", "sequential", "end"] = "parallel"
    # How long production engineering should take (roi/data/timeline.yaml's profiles):
    # the full seven phases (11-21 weeks, audited past 21) or a well-scoped feature
    # (6-10 weeks, audited past 16).
    plan_profile: Literal["full", "well_scoped"] = "full"
    # Which payback the decision's kill test uses: what the cash flow shows (with the
    # adoption ramp), or the simple one-time costs / monthly net.
    payback_basis: Literal["cash_flow", "simple"] = "cash_flow"
    phase_weeks: dict[str, Uncertain] = Field(default_factory=FrozenDict)
    correlations: tuple[Correlation, ...] = ()
    checklists: str | None = None  # a user's gates/checklists YAML (see roi.gates)
    readiness: dict[str, ReadinessAnswer] = Field(default_factory=FrozenDict)
    # The decision gate's questions, answered by id (roi/data/gates.yaml: yes, no or n/a
    # with a note and an owner); the production readiness review's sign-offs and the
    # production owner, both needed for a Go; the MLOps maturity level a Go needs.
    gate_questions: dict[str, GateAnswer] = Field(default_factory=FrozenDict)
    review_sign_offs: tuple[SignOff, ...] = ()
    production_owner: ProductionOwner | None = None
    min_maturity: Literal[1, 2, 3] | None = None
    # The PoC's evidence: success criteria written down before it started, what it cost
    # against its cap, and the chance of passing each gate still ahead (roi.evidence).
    success_criteria: tuple[Criterion, ...] = ()
    poc_budget: float | None = None
    poc_spent: float | None = None
    gate_probabilities: dict[int, float] = Field(default_factory=FrozenDict)
    # Who makes the go/no-go decision and by when: page 1 of the memo names them, and
    # says "to be named" when they are not given.
    decider: str | None = None
    decide_by: date | None = None
    # The base rate the gate odds start from (roi/data/priors.yaml; None: the default).
    priors: str | None = None
    # The plan without AI (a rules engine, plain software): its name and the numeric
    # fields that differ from this scenario's; the decision compares the two.
    alternative: dict[str, Any] | None = None
    # The model whose list prices (roi/data/model_prices.yaml, or the `price_list` file)
    # fill the two token prices; the prices themselves are then not typed.
    price_list: str | None = None
    model: str | None = None
    # The plan's cost (`build_cost: plan`): loaded weekly rates by role that replace
    # roi's (roi/data/timeline.yaml), and the hidden-cost share on top of the labour.
    rate_card: dict[str, float] = Field(default_factory=FrozenDict)
    hidden_cost_share: float | None = None
    _build_cost_from_plan: bool = PrivateAttr(default=False)

    OPTIONAL_SECTIONS: ClassVar[tuple[str, ...]] = (
        "description",
        "notes",
        "start_date",
        "country",
        "holidays",
        "poc_weeks",
        "governance",
        "plan_profile",
        "payback_basis",
        "phase_weeks",
        "correlations",
        "checklists",
        "readiness",
        "gate_questions",
        "review_sign_offs",
        "production_owner",
        "min_maturity",
        "success_criteria",
        "poc_budget",
        "poc_spent",
        "gate_probabilities",
        "decider",
        "decide_by",
        "priors",
        "alternative",
        "price_list",
        "model",
        "rate_card",
        "hidden_cost_share",
    )

    def __init__(self, **data: Any) -> None:
        from_plan = _is_plan(data.get("build_cost"))
        if from_plan:  # worked out from the validated plan, below
            data = {**data, "build_cost": 0.0}
        try:
            super().__init__(**_priced(data))
        except ValidationError as error:
            problems = problems_from_validation(error, data)
            # The day rule runs only once every field is valid; check it on the raw input
            # too, so it is listed with the other problems rather than after they are fixed.
            if not any(p.field == DAY_RULE_FIELD for p in problems):
                problems.extend(_day_problems(data))
            raise ScenarioError(problems) from None
        if from_plan:
            self._build_cost_from_plan = True
            object.__setattr__(self, "build_cost", float(self.plan_build_cost()))

    @field_validator("name", mode="before")
    @classmethod
    def _name(cls, value: Any) -> Any:
        if isinstance(value, numbers.Real) and not isinstance(value, bool):
            return str(value)
        if isinstance(value, str):
            value = value.strip()
            if not value:
                raise PydanticCustomError("roi", "must be non-empty text")
        return value

    @field_validator("description", mode="before")
    @classmethod
    def _description(cls, value: Any) -> Any:
        # Surrounding blanks are not part of it: a table cell or a link strips them too, so
        # " " is no description in every source alike.
        return value.strip() if isinstance(value, str) else value

    @field_validator(*NUMERIC_FIELDS, mode="before")
    @classmethod
    def _numeric(cls, value: Any, info: Any) -> Uncertain:
        spec = FIELD_SPECS[info.field_name]
        try:
            return _check_bounds(spec, _coerce_uncertain(value, spec.unit))
        except PydanticCustomError as error:
            if info.field_name != "build_cost" or not isinstance(value, str):
                raise
            raise PydanticCustomError(
                "roi", error.message() + ", or plan (the plan's cost: roles x weeks x rates)"
            ) from None

    @field_validator("start_date", "decide_by", mode="before")
    @classmethod
    def _start_date_given(cls, value: Any) -> Any:
        return _date_not_number(value)

    @field_validator(
        "notes",
        "phase_weeks",
        "readiness",
        "gate_questions",
        "gate_probabilities",
        "alternative",
        "rate_card",
        mode="after",
    )
    @classmethod
    def _frozen(cls, value: Any) -> Any:
        """A validated scenario's mappings cannot change: it is a value (hashable; a new
        one comes from `evolve`), so nothing cached on it goes stale."""
        return frozen(value)

    @field_validator("alternative", mode="before")
    @classmethod
    def _alternative(cls, value: Any) -> Any:
        if value is None:
            return None
        if isinstance(value, str | os.PathLike):
            value = _alternative_file(value)
        if not isinstance(value, Mapping):
            raise PydanticCustomError(
                "roi",
                "must be a mapping, or the name of a YAML file holding one: a name and the "
                "numeric fields that differ without AI, "
                "e.g. {name: Rules engine, minutes_saved_per_task: 1.5, model_cost_annual: 0}",
            )
        unknown = [str(k) for k in value if k != "name" and k not in FIELD_SPECS]
        if unknown:
            raise PydanticCustomError(
                "roi",
                "may hold a name and numeric fields only; not "
                + ", ".join(unknown)
                + _suggestion(unknown[0], [*FIELD_SPECS]),
            )
        name = value.get("name")
        if not isinstance(name, str) or not name.strip():
            raise PydanticCustomError("roi", "needs a name (what the plan without AI is)")
        checked: dict[str, Any] = {"name": name.strip()}
        for key, item in value.items():
            if key == "name":
                continue
            spec = FIELD_SPECS[str(key)]
            try:
                checked[str(key)] = _plain(_check_bounds(spec, _coerce_uncertain(item, spec.unit)))
            except PydanticCustomError as error:
                raise PydanticCustomError("roi", f"{key}: {error.message()}") from None
        return checked

    @field_validator("priors", mode="before")
    @classmethod
    def _priors(cls, value: Any) -> Any:
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        from roi.base_rates import priors  # the shipped base-rate sets

        known = list(priors())
        name = str(value).strip()
        if name not in known:
            raise PydanticCustomError(
                "roi", "must be one of " + ", ".join(known) + _suggestion(name, known)
            )
        return name

    @field_validator("decider", mode="before")
    @classmethod
    def _decider(cls, value: Any) -> Any:
        if isinstance(value, str):
            return value.strip() or None
        return value

    @field_validator("holidays", mode="before")
    @classmethod
    def _holidays_given(cls, value: Any) -> Any:
        if isinstance(value, list | tuple):
            return [_date_not_number(v) for v in value]
        return _date_not_number(value)

    @field_validator("start_date", "decide_by", mode="after")
    @classmethod
    def _start_date(cls, value: date | None) -> date | None:
        # Go-live dates lie up to 70 years later and Python dates end in 9999.
        if value is not None and not 1900 <= value.year <= 2999:
            raise PydanticCustomError("roi", "must be a date from 1900-01-01 to 2999-12-31")
        return value

    @field_validator("country", mode="before")
    @classmethod
    def _country(cls, value: Any) -> str | None:
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        from holidays import list_supported_countries

        code = str(value).strip().upper()
        known = list_supported_countries()
        if code not in known:
            raise PydanticCustomError(
                "roi",
                "must be a country code the holidays package knows (ISO 3166, e.g. US, GB, "
                "DE)" + _suggestion(code, list(known)),
            )
        return code

    @field_validator("holidays", mode="after")
    @classmethod
    def _holidays(cls, value: tuple[date, ...]) -> tuple[date, ...]:
        if any(not 1900 <= d.year <= 2999 for d in value):
            raise PydanticCustomError("roi", "must be dates from 1900-01-01 to 2999-12-31")
        return tuple(sorted(set(value)))

    @field_validator("poc_weeks", mode="before")
    @classmethod
    def _poc_weeks(cls, value: Any) -> Uncertain | None:
        if value is None:
            return None
        spec = FieldSpec(
            "poc_weeks", "PoC duration", "weeks", "Timeline", "", exclusive_minimum=True
        )
        return _check_bounds(spec, _coerce_uncertain(value))

    @field_validator("success_criteria", mode="before")
    @classmethod
    def _success_criteria(cls, value: Any) -> tuple[Criterion, ...]:
        return _check_criteria(value)

    @field_validator("gate_probabilities", mode="before")
    @classmethod
    def _gate_probabilities(cls, value: Any) -> dict[int, float]:
        return _check_gate_probabilities(value)

    @field_validator("poc_budget", "poc_spent", mode="before")
    @classmethod
    def _poc_money(cls, value: Any) -> float | None:
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        try:
            number = to_number(value, "$")
        except ValueError as error:
            raise PydanticCustomError("roi", str(error) + " (dollars)") from None
        if number < 0:
            raise PydanticCustomError("roi", "must be a number of dollars >= 0")
        return number

    @field_validator("phase_weeks", mode="before")
    @classmethod
    def _phase_weeks(cls, value: Any) -> Any:
        from roi.timeline import PHASES  # the timeline module owns the phase list

        if value is None:
            return {}
        if not isinstance(value, Mapping):
            raise PydanticCustomError("roi", "must be a mapping of phase id to weeks")
        # At most 10 years a phase: longer is a typo, and go-live dates would overflow.
        spec = FieldSpec("phase_weeks", "Phase duration", "weeks", "Timeline", "", maximum=520)
        known = [phase.id for phase in PHASES]
        checked = {}
        for key, weeks in value.items():
            if key not in known:
                raise PydanticCustomError(
                    "roi",
                    "has an unknown phase {key}{hint}; phases are: {known}",
                    {
                        "key": repr(key),
                        "hint": _suggestion(str(key), known),
                        "known": ", ".join(known),
                    },
                )
            checked[key] = _check_bounds(spec, _coerce_uncertain(weeks))
        return checked

    @field_validator("correlations", mode="before")
    @classmethod
    def _correlations(cls, value: Any) -> tuple[Correlation, ...]:
        return _check_correlations(value)

    @field_validator("checklists", mode="before")
    @classmethod
    def _checklists(cls, value: Any) -> Any:
        from roi.exceptions import ConfigError

        if value is None or value == "":
            return None
        if not isinstance(value, str | os.PathLike):
            raise PydanticCustomError("roi", "must be the path of a gates/checklists YAML file")
        try:
            load_checklists(value)
        except ConfigError as error:
            raise PydanticCustomError("roi", "{error}", {"error": str(error)}) from None
        return os.fspath(value)

    @field_validator("readiness", mode="before")
    @classmethod
    def _readiness(cls, value: Any, info: Any) -> Any:

        if value is None:
            return {}
        if not isinstance(value, Mapping):
            raise PydanticCustomError(
                "roi", "must be a mapping of checklist item id to done, open or n/a"
            )
        known = load_checklists(info.data.get("checklists")).item_ids
        answers = {}
        for key, answer in value.items():
            if key not in known:
                raise PydanticCustomError(
                    "roi",
                    "has an unknown checklist item {key}{hint}",
                    {"key": repr(key), "hint": _suggestion(str(key), known)},
                )
            try:
                answers[key] = readiness_answer(answer)
            except ValueError as error:
                raise PydanticCustomError(
                    "roi", "item {key} {error}", {"key": repr(key), "error": str(error)}
                ) from None
        return answers

    @field_validator("min_maturity", mode="before")
    @classmethod
    def _min_maturity(cls, value: Any) -> Any:
        """A level as typed in a link or a table cell ("2") is that level."""
        if isinstance(value, str) and value.strip() in ("1", "2", "3"):
            return int(value.strip())
        if isinstance(value, str) and not value.strip():
            return None
        return value

    @field_validator("gate_questions", mode="before")
    @classmethod
    def _gate_questions(cls, value: Any, info: Any) -> Any:
        if value is None:
            return {}
        if not isinstance(value, Mapping):
            raise PydanticCustomError(
                "roi", "must be a mapping of gate question id to yes, no or n/a"
            )
        known = [q.id for q in load_checklists(info.data.get("checklists")).questions]
        answers = {}
        for key, answer in value.items():
            if key not in known:
                raise PydanticCustomError(
                    "roi",
                    "has an unknown question {key}{hint}; known: {known}",
                    {
                        "key": repr(key),
                        "hint": _suggestion(str(key), known),
                        "known": ", ".join(known),
                    },
                )
            try:
                answers[key] = gate_answer(answer)
            except ValueError as error:
                raise PydanticCustomError(
                    "roi", "question {key} {error}", {"key": repr(key), "error": str(error)}
                ) from None
        return answers

    @field_validator("rate_card", mode="before")
    @classmethod
    def _rate_card(cls, value: Any) -> Any:
        if value is None:
            return {}
        if not isinstance(value, Mapping):
            raise PydanticCustomError(
                "roi", "must be a mapping of role to loaded weekly rate in dollars"
            )
        known = list(RATE_CARD)
        rates = {}
        for role, rate in value.items():
            if role not in RATE_CARD:
                raise PydanticCustomError(
                    "roi",
                    "has an unknown role {role}{hint}; roles: {known}",
                    {
                        "role": repr(role),
                        "hint": _suggestion(str(role), known),
                        "known": ", ".join(known),
                    },
                )
            try:
                number = to_number(rate, "$")
            except ValueError as error:
                raise PydanticCustomError(
                    "roi", "{role}: {error} (dollars a week)", {"role": role, "error": str(error)}
                ) from None
            if number < 0:
                raise PydanticCustomError(
                    "roi", "{role}: must be dollars a week >= 0", {"role": role}
                )
            rates[str(role)] = number
        return rates

    @field_validator("hidden_cost_share", mode="before")
    @classmethod
    def _hidden_cost_share(cls, value: Any) -> Any:
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        try:
            number = to_number(value, "share")
        except ValueError as error:
            raise PydanticCustomError("roi", str(error) + " (a share from 0 to 1)") from None
        if not 0 <= number <= 1:
            raise PydanticCustomError("roi", "must be a share from 0 to 1 (0% to 100%)")
        return number

    @field_validator("notes", mode="before")
    @classmethod
    def _notes(cls, value: Any) -> Any:
        if value is None:
            return {}
        if isinstance(value, Mapping):
            for key in value:
                if key not in FIELD_SPECS and key != "name":
                    raise PydanticCustomError(
                        "roi",
                        "has a note for an unknown field {key}{hint}",
                        {"key": repr(key), "hint": _suggestion(str(key), list(FIELD_SPECS))},
                    )
            return {k: "" if v is None else str(v) for k, v in value.items()}
        return value

    @model_validator(mode="after")
    def _possible_in_a_day(self) -> Scenario:
        broken = _day_rule(self.tasks_per_day, self.minutes_saved_per_task)
        if broken:
            raise PydanticCustomError("roi_day", broken)
        return self

    # --- reading the values ---------------------------------------------------------

    def value(self, field: str) -> float:
        """The point (likely) value of a numeric field."""
        return likely(getattr(self, field))

    def point_values(self) -> dict[str, float]:
        """Every numeric field at its likely value."""
        return {field: self.value(field) for field in NUMERIC_FIELDS}

    # --- the plan's cost ------------------------------------------------------------

    @property
    def build_cost_from_plan(self) -> bool:
        """Whether the build cost is the plan's (`build_cost: plan`), not typed."""
        return self._build_cost_from_plan

    def priced_open_items(self) -> tuple[ChecklistItem, ...]:
        """The priced readiness items this scenario answers open (roi/data/gates.yaml)."""
        return priced_open_items(self)

    def gap_weeks(self) -> dict[str, tuple[float, float, float]]:
        """(min, likely, max) weeks the priced items answered open add, by the phase they
        lengthen (notebook code not yet a service adds 3-6 months to refactoring)."""
        added: dict[str, tuple[float, float, float]] = {}
        for item in self.priced_open_items():
            assert item.price is not None
            before = added.get(item.price.phase, (0.0, 0.0, 0.0))
            added[item.price.phase] = tuple(  # type: ignore[assignment]
                a + b for a, b in zip(before, item.price.three_point, strict=True)
            )
        return added

    def likely_phase_weeks(self) -> dict[str, float]:
        """Each phase's likely weeks in this scenario's plan (its profile, overrides and
        the priced open items' weeks), as the timeline schedules them."""
        points = phase_points(self.phase_weeks, self.plan_profile, self.gap_weeks())
        return {pid: point[1] for pid, point in points.items()}

    def rates(self) -> dict[str, float]:
        """The loaded weekly rate of each role: the scenario's `rate_card`, else roi's."""
        return {**RATE_CARD, **self.rate_card}

    def hidden_share(self) -> float:
        """Hidden costs as a share of the plan's labour: the scenario's, else roi's."""
        return HIDDEN_COST_SHARE if self.hidden_cost_share is None else self.hidden_cost_share

    def plan_build_cost(self, phase_weeks: Mapping[str, Any] | None = None) -> Any:
        """What the plan costs to build (`roi.timeline.plan_cost`): at its likely weeks,
        or at `phase_weeks` (numbers or arrays of samples, e.g. a Monte Carlo's).

        >>> from roi.resources import SCENARIOS
        >>> from roi.files import load_scenario
        >>> s = load_scenario(SCENARIOS / "invoice_triage.yaml").evolve(build_cost="plan")
        >>> s.build_cost_from_plan, s.build_cost  # refactoring 22.5 weeks: the open gap's 19.5
        (True, 474240.0)
        >>> round(float(s.plan_build_cost({**s.likely_phase_weeks(), "refactoring": 3.0})))
        258960
        """
        weeks = self.likely_phase_weeks() if phase_weeks is None else phase_weeks
        return plan_cost(weeks, self.rates(), self.hidden_share())

    def ranges(self) -> dict[str, Range]:
        """The numeric fields given as ranges, in field order."""
        return {
            field: getattr(self, field)
            for field in NUMERIC_FIELDS
            if isinstance(getattr(self, field), Range)
        }

    @property
    def priced_per_request(self) -> bool:
        """Whether the model is priced per request (its tokens or serving cost), so the
        typed `model_cost_annual` is only its fixed part."""
        return any(self.value(f) > 0 for f in PER_REQUEST_PRICES)

    @property
    def is_uncertain(self) -> bool:
        """Whether anything is a range: a numeric field, a phase, a criterion's measurement."""
        return (
            bool(self.ranges())
            or any(isinstance(v, Range) for v in self.phase_weeks.values())
            or any(isinstance(c.measured, Range) for c in self.success_criteria)
        )

    # --- changing and saving --------------------------------------------------------

    def without_ai(self) -> Scenario | None:
        """The alternative plan as a scenario of its own: this one's fields with the
        alternative's laid over them (no readiness, criteria or PoC: it needs none; the
        model's prices as numbers, so the alternative may change them)."""
        if self.alternative is None:
            return None
        kept = (*FIELD_SPECS, "payback_basis", "start_date", "country", "holidays")
        kept += ("governance", "plan_profile", "phase_weeks")  # the same plan to production
        data = {k: v for k, v in self.to_dict().items() if k in kept}
        data.update({field: _plain(getattr(self, field)) for field in MODEL_PRICE_FIELDS})
        return scenario_from_dict({**data, **self.alternative})

    def evolve(self, **changes: Any) -> Scenario:
        """A new scenario with some fields changed, validated like a file's: a value
        means what it would mean there (a range as a Range or a {low, likely, high}
        mapping, money as a number or "$250k"), and a bad one raises ScenarioError
        naming the field. The scenario itself never changes (it is immutable).

        >>> from roi.resources import SCENARIOS
        >>> from roi.files import load_scenario
        >>> s = load_scenario(SCENARIOS / "invoice_triage.yaml")
        >>> s.evolve(users=300).users, s.users
        (300.0, 200.0)
        >>> s.evolve(users={"low": 150, "likely": 200, "high": 260}).users.high
        260.0
        >>> s.evolve(users=-5)
        Traceback (most recent call last):
        ...
        roi.exceptions.ScenarioError: 1 problem in the scenario input:
          - 'users' must be a number >= 0: got -5
        """
        return scenario_from_dict({**self.to_dict(), **changes})

    def model_copy(self, *, update: Mapping[str, Any] | None = None, deep: bool = False) -> Any:
        """pydantic's copy; with `update`, the changes are validated as `evolve` does
        (pydantic's own would take `users=-5` unchecked)."""
        if update:
            return self.evolve(**update)
        return super().model_copy(deep=deep)

    def to_dict(self) -> dict[str, Any]:
        """Plain data (YAML/JSON-ready) that `scenario_from_dict` turns back into this."""
        data: dict[str, Any] = {"name": self.name}
        for field in NUMERIC_FIELDS:
            if self.model is not None and field in MODEL_PRICE_FIELDS:
                continue  # the model's list prices: `model` says them
            if field in EXTRA_FIELDS and getattr(self, field) == FIELD_SPECS[field].default:
                continue  # left at its default, as a scenario without it reads
            if field == "build_cost" and self.build_cost_from_plan:
                data[field] = PLAN_WORD  # worked out again from the plan it says
                continue
            data[field] = _plain(getattr(self, field))
        if self.price_list is not None:
            data["price_list"] = self.price_list
        if self.model is not None:
            data["model"] = self.model
        if self.description:
            data["description"] = self.description
        if self.notes:
            data["notes"] = dict(self.notes)
        if self.start_date is not None:
            data["start_date"] = self.start_date.isoformat()
        if self.country is not None:
            data["country"] = self.country
        if self.holidays:
            data["holidays"] = [d.isoformat() for d in self.holidays]
        if self.poc_weeks is not None:
            data["poc_weeks"] = _plain(self.poc_weeks)
        if self.governance != "parallel":
            data["governance"] = self.governance
        if self.plan_profile != "full":
            data["plan_profile"] = self.plan_profile
        if self.payback_basis != "cash_flow":
            data["payback_basis"] = self.payback_basis
        if self.phase_weeks:
            data["phase_weeks"] = {k: _plain(v) for k, v in self.phase_weeks.items()}
        if self.correlations:
            data["correlations"] = [
                {"between": list(c.between), "rho": _num(c.rho)} for c in self.correlations
            ]
        if self.checklists is not None:
            data["checklists"] = self.checklists
        if self.gate_questions:
            data["gate_questions"] = {
                k: a.answer if not (a.note or a.owner) else a.model_dump(exclude_defaults=True)
                for k, a in self.gate_questions.items()
            }
        if self.review_sign_offs:
            data["review_sign_offs"] = [
                {"name": s.name, "role": s.role, "date": s.date.isoformat()}
                for s in self.review_sign_offs
            ]
        if self.production_owner is not None:
            data["production_owner"] = self.production_owner.model_dump(exclude_defaults=True)
        if self.min_maturity is not None:
            data["min_maturity"] = self.min_maturity
        if self.rate_card:
            data["rate_card"] = {role: _num(rate) for role, rate in self.rate_card.items()}
        if self.hidden_cost_share is not None:
            data["hidden_cost_share"] = _num(self.hidden_cost_share)
        if self.readiness:
            data["readiness"] = {
                k: a.status if not (a.note or a.owner) else a.model_dump(exclude_defaults=True)
                for k, a in self.readiness.items()
            }
        if self.success_criteria:
            data["success_criteria"] = [
                {
                    "name": c.name,
                    "direction": c.direction,
                    "target": _num(c.target),
                    "minimum": _num(c.minimum),
                    "measured": _plain(c.measured),
                    **({"unit": c.unit} if c.unit else {}),
                    **({"source": c.source} if c.source else {}),
                }
                for c in self.success_criteria
            ]
        for key in ("poc_budget", "poc_spent"):
            amount = getattr(self, key)
            if amount is not None:
                data[key] = _num(amount)
        if self.gate_probabilities:
            data["gate_probabilities"] = {g: _num(p) for g, p in self.gate_probabilities.items()}
        if self.decider is not None:
            data["decider"] = self.decider
        if self.decide_by is not None:
            data["decide_by"] = self.decide_by.isoformat()
        if self.priors is not None:
            data["priors"] = self.priors
        if self.alternative is not None:
            data["alternative"] = thawed(self.alternative)
        return data


def plain_value(value: Uncertain) -> Any:
    """An input as plain data, as `Scenario.to_dict` writes it (a number, or a range's
    low, likely, high and any distribution but the default).

    >>> plain_value(2.0), plain_value(Range(low=1, likely=2, high=4))
    (2, {'low': 1, 'likely': 2, 'high': 4})
    """
    return _plain(value)


def _plain(value: Uncertain) -> Any:
    if isinstance(value, Range):
        out: dict[str, Any] = {
            "low": _num(value.low),
            "likely": _num(value.likely),
            "high": _num(value.high),
        }
        if value.distribution != "pert":
            out["distribution"] = value.distribution
        return out
    return _num(value)


def _num(x: float) -> int | float:
    return int(x) if float(x).is_integer() and abs(x) < 2**53 else float(x)


SCENARIO_KEYS: tuple[str, ...] = tuple(Scenario.model_fields)
"""Every key a scenario file (and the workbook's parameters cell) may hold."""


DAY_RULE_FIELD = "tasks_per_day x minutes_saved_per_task"


def _day_rule(tasks: Uncertain, minutes: Uncertain) -> str | None:
    """What is wrong when the minutes saved in a day (at the highs) pass 24 hours, or None."""
    most_tasks = tasks.high if isinstance(tasks, Range) else tasks
    most_minutes = minutes.high if isinstance(minutes, Range) else minutes
    if most_tasks * most_minutes <= MINUTES_PER_DAY:
        return None
    return (
        f"must not exceed {MINUTES_PER_DAY} minutes (24 hours) saved per user per day: "
        f"got {_fmt(most_tasks)} x {_fmt(most_minutes)} = {_fmt(most_tasks * most_minutes)} "
        "minutes"
    )


def _day_problems(data: Mapping[str, Any]) -> list[Problem]:
    """The day rule on raw input; nothing when either value is missing or invalid itself."""
    try:
        tasks, minutes = (
            _check_bounds(
                FIELD_SPECS[field], _coerce_uncertain(data[field], FIELD_SPECS[field].unit)
            )
            for field in ("tasks_per_day", "minutes_saved_per_task")
        )
    except (KeyError, TypeError, PydanticCustomError):
        return []
    broken = _day_rule(tasks, minutes)
    return [Problem(DAY_RULE_FIELD, MISSING, broken)] if broken else []


def _kind_of(data: Any) -> str:
    """What a non-mapping value is, in words: 'a number', 'text', 'a list'."""
    if isinstance(data, bool):
        return "true/false"
    if isinstance(data, numbers.Real):
        return f"a number ({data!r})"
    if isinstance(data, str):
        return f"text ({data[:40]!r})"
    if isinstance(data, list | tuple):
        return "a list"
    return f"a {type(data).__name__}"


def scenario_from_dict(data: Any, *, source: str = "", row: int | None = None) -> Scenario:
    """Validate a mapping (from YAML, JSON, a table row or a caller) into a Scenario.

    Raises ScenarioError listing every problem, each naming the source, row, field,
    value and what is allowed; unknown keys suggest the closest known name.

    >>> scenario_from_dict({"name": "x", "userz": 3})
    Traceback (most recent call last):
    ...
    roi.exceptions.ScenarioError: 10 problems in the scenario input:
      - 'userz' is not a scenario field (did you mean 'users'?): got 3
      - 'users' is required
      - 'tasks_per_day' is required
      - 'minutes_saved_per_task' is required
      - 'hourly_rate' is required
      - 'platform_cost_annual' is required
      - 'model_cost_annual' is required
      - 'support_cost_annual' is required
      - 'build_cost' is required
      - 'change_cost' is required
    """
    if not isinstance(data, Mapping):
        kind = "empty" if data is None else _kind_of(data)
        raise ScenarioError(
            [
                Problem(
                    "",
                    MISSING,
                    f"must hold a mapping of scenario fields, but it is {kind}",
                    source,
                    row,
                )
            ]
        )
    problems = []
    known: dict[str, Any] = {}
    for key, value in data.items():
        if key in SCENARIO_KEYS:
            known[key] = value
        else:
            problems.append(
                Problem(
                    str(key),
                    value,
                    "is not a scenario field" + _suggestion(str(key), SCENARIO_KEYS),
                    source,
                    row,
                )
            )
    checklists = known.get("checklists")
    if isinstance(checklists, str) and checklists and source and Path(source).is_file():
        # A checklists path in a scenario file is relative to that file, not to the cwd.
        known["checklists"] = str(Path(source).parent / Path(checklists).expanduser())
    for key in ("alternative", "price_list"):  # so are these files
        named = known.get(key)
        if isinstance(named, str) and named.strip() and source and Path(source).is_file():
            known[key] = str(Path(source).parent / Path(named.strip()).expanduser())
    try:
        scenario = Scenario(**known)
    except ScenarioError as error:
        problems.extend(Problem(p.field, p.value, p.allowed, source, row) for p in error.problems)
    if problems:
        raise ScenarioError(problems)
    return scenario


_PYDANTIC_WORDING = {
    "missing": "is required",
    "string_type": "must be text",
    "dict_type": "must be a mapping",
    "date_from_datetime_parsing": "must be a date like 2026-01-31",
    "date_parsing": "must be a date like 2026-01-31",
    "date_type": "must be a date like 2026-01-31",
    "literal_error": None,  # pydantic's own text lists the choices
    "extra_forbidden": "is not allowed here",
    "string_too_short": "must be non-empty text",
    "bool_type": "must be true or false",
}


def problems_from_validation(error: ValidationError, data: Mapping[str, Any]) -> list[Problem]:
    """Our Problems, in our words, from a pydantic ValidationError."""
    problems = []
    for item in error.errors(include_url=False):
        loc = [
            str(part) for part in item["loc"] if not str(part).startswith(("function-", "float"))
        ]
        loc = [part for part in loc if part not in ("Range", "float", "union")]
        field = ".".join(loc)
        if item["type"] == "roi_day":
            field = DAY_RULE_FIELD
        top = loc[0] if loc else ""
        value = data.get(top, MISSING) if top in data else MISSING
        if item["type"] == "missing" and len(loc) > 1:
            value = MISSING
        wording = _PYDANTIC_WORDING.get(item["type"])
        message = item["msg"] if wording is None else wording
        if item["type"] == "literal_error":
            message = "must be one of: " + item["ctx"]["expected"].replace("'", "")
        if item["type"] == "roi_day":
            value = MISSING
        if item["type"] == "roi_item":  # one part of a list field, under its own name
            field, value = item["ctx"]["field"], item["ctx"]["value"]
        problems.append(Problem(field, value, message))
    return problems


def scenarios_table(scenarios: Iterable[Scenario]) -> Any:
    """Likely values of many scenarios as a pandas table whose columns are the field
    names (and `name`), one row a scenario: what `roi.evaluate.evaluate_table` reads."""
    import pandas as pd

    return pd.DataFrame([{"name": s.name, **s.point_values()} for s in scenarios])
