"""Hypothesis strategies shared by the tests: valid inputs, point values and scenarios.

Bounds are realistic, not extreme, so properties test the formulas rather than float
overflow; every value drawn is allowed by the Scenario's rules (including the rule that
tasks_per_day x minutes_saved_per_task fits in a day).
"""

from __future__ import annotations

from datetime import date

from hypothesis import settings
from hypothesis import strategies as st

from roi.scenario import DISTRIBUTIONS, FIELD_SPECS, Range, Scenario
from roi.timeline import PHASES

FAST = settings(max_examples=40, deadline=None)
"""Settings for property tests: modest example counts keep the whole suite fast."""

# Upper bounds of the values drawn, per numeric field (lower bounds come from the rules).
# tasks_per_day x minutes_saved_per_task stays <= 100 x 14 = 1400 < 1440 minutes a day.
UPPER = {
    "users": 10_000.0,
    "tasks_per_day": 100.0,
    "minutes_saved_per_task": 14.0,
    "hourly_rate": 500.0,
    "workdays_per_year": 366.0,
    "incremental_revenue": 5_000_000.0,
    "platform_cost_annual": 1_000_000.0,
    "model_cost_annual": 1_000_000.0,
    "support_cost_annual": 1_000_000.0,
    "build_cost": 5_000_000.0,
    "change_cost": 1_000_000.0,
    "payback_threshold_months": 60.0,
    "adoption_months": 24.0,
    "discount_rate": 1.0,
    "horizon_months": 120.0,
    "fallback_rate": 1.0,
    "review_minutes_per_fallback": 30.0,
    "capacity_realised": 1.0,
    "protected_revenue": 5_000_000.0,
    "protected_revenue_realised": 1.0,
    "reduced_cost": 2_000_000.0,
    "reduced_cost_realised": 1.0,
    "risk_probability": 1.0,
    "risk_loss_avoided": 10_000_000.0,
    "risk_realised": 1.0,
    "requests_per_task": 20.0,
    "input_tokens_per_request": 50_000.0,
    "output_tokens_per_request": 5_000.0,
    "price_per_million_input_tokens": 20.0,
    "price_per_million_output_tokens": 80.0,
    "serving_cost_per_1000_requests": 10.0,
}
assert set(UPPER) == set(FIELD_SPECS)  # a new numeric field needs a bound here


def _floats(low: float, high: float) -> st.SearchStrategy[float]:
    """Floats in [low, high]; values within 0.001 of low snap to low, so no input is
    absurdly tiny (1e-300 users make float underflow, not the formulas, the subject)."""
    drawn = st.floats(low, high, allow_nan=False, allow_infinity=False, allow_subnormal=False)
    return drawn.map(lambda x: low if x - low < 1e-3 else x)


def field_values(field: str) -> st.SearchStrategy[float]:
    """Point values allowed for one numeric field."""
    spec = FIELD_SPECS[field]
    if spec.whole:
        return st.integers(int(spec.minimum), int(UPPER[field])).map(float)
    low = spec.minimum
    if spec.exclusive_minimum:
        low = max(low + 0.01, 0.01)
    return _floats(low, UPPER[field])


def point_values(**fixed: float) -> st.SearchStrategy[dict[str, float]]:
    """Every numeric field at a valid point value; `fixed` pins some of them."""
    return st.fixed_dictionaries(
        {f: st.just(float(fixed[f])) if f in fixed else field_values(f) for f in FIELD_SPECS}
    )


@st.composite
def ranges(draw: st.DrawFn, field: str) -> Range:
    """A valid range {low, likely, high} for one numeric field, any distribution."""
    low, likely, high = sorted(draw(field_values(field)) for _ in range(3))
    distribution = draw(st.sampled_from(DISTRIBUTIONS))
    return Range(low=low, likely=likely, high=high, distribution=distribution)


def uncertain_values(field: str) -> st.SearchStrategy[float | Range]:
    """A point value or a range for one numeric field."""
    return st.one_of(field_values(field), ranges(field))


_any_character = st.characters(exclude_categories=("Cs",))  # surrogates are not text
names = st.text(_any_character, min_size=1, max_size=40).filter(lambda text: text.strip())
"""Initiative names: any Unicode text (control characters too) that is not blank."""

_note_text = st.text(_any_character, max_size=60)


@st.composite
def scenario_fields(draw: st.DrawFn, *, with_ranges: bool = True) -> dict:
    """Keyword arguments for a valid Scenario: every numeric field, some optional sections."""
    values = uncertain_values if with_ranges else field_values
    fields: dict = {"name": draw(names)}
    fields.update({f: draw(values(f)) for f in FIELD_SPECS})
    if draw(st.booleans()):
        fields["description"] = draw(_note_text)
    if draw(st.booleans()):
        fields["notes"] = draw(
            st.dictionaries(st.sampled_from(list(FIELD_SPECS)), _note_text, max_size=3)
        )
    if draw(st.booleans()):
        fields["start_date"] = draw(st.dates(date(2020, 1, 1), date(2035, 12, 31)))
    if draw(st.booleans()):
        fields["poc_weeks"] = draw(_floats(0.5, 26.0))
    fields["governance"] = draw(st.sampled_from(["parallel", "sequential"]))
    fields["payback_basis"] = draw(st.sampled_from(["cash_flow", "simple"]))
    if draw(st.booleans()):
        fields["phase_weeks"] = draw(
            st.dictionaries(st.sampled_from([p.id for p in PHASES]), _floats(0.0, 12.0), max_size=3)
        )
    return fields


def scenarios(*, with_ranges: bool = True) -> st.SearchStrategy[Scenario]:
    """Valid Scenarios, with ranges and optional sections unless told otherwise."""
    return scenario_fields(with_ranges=with_ranges).map(lambda fields: Scenario(**fields))


@st.composite
def correlations(draw: st.DrawFn, fields: tuple[str, ...] = tuple(FIELD_SPECS)) -> list[dict]:
    """A scenario's `correlations`: disjoint pairs of fields, so any rho in [-1, 1] is valid."""
    chosen = draw(st.lists(st.sampled_from(fields), unique=True, max_size=6))
    pairs = zip(chosen[::2], chosen[1::2], strict=False)
    return [{"between": list(pair), "rho": draw(_floats(-1.0, 1.0))} for pair in pairs]


@st.composite
def readiness_answers(draw: st.DrawFn) -> dict[str, str]:
    """Answers to some of the shipped checklist items (the rest count as open)."""
    from roi.gates import load_checklists

    items = load_checklists().item_ids
    chosen = draw(st.lists(st.sampled_from(items), unique=True, max_size=len(items)))
    return {item: draw(st.sampled_from(["done", "open", "n/a"])) for item in chosen}
