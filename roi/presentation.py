"""What every screen shows of one assessment: each figure once, with its label, basis and text.

`present(assessment)` is the one place that picks which figures a reader sees and words
them: the headline (annual impact, payback and NPV the decision rests on, time to value),
the named details (simple payback, NPV at go-live, IRR, discounted payback, both ROIs,
cost of delay) and the reconciliation from NPV at the decision to the risk-adjusted
value. The CLI, the memo, the app and the notebook render these; none picks its own.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

from roi.assess import Assessment, Headline
from roi.evaluate import Results
from roi.formatting import money, months, number_text, percent
from roi.payback import IRR_MAX_ANNUAL
from roi.scenario import Scenario

BASIS_WORDS = {"P50": "P50 of the Monte Carlo", "likely": "likely values"}


@dataclass(frozen=True)
class Figure:
    """One figure as a reader sees it.

    `text` is the value formatted in its unit; `basis` is "P50" or "likely";
    `definition` says what it measures (the basis of a payback, when an NPV is valued);
    `likely_text` and `spread_text` are set for a simulated headline.
    """

    key: str
    label: str
    text: str
    basis: str
    definition: str
    value: float | None = None
    likely_text: str = ""
    spread_text: str = ""

    @property
    def basis_words(self) -> str:
        return BASIS_WORDS.get(self.basis, self.basis)


def _fmt(kind: str, value: float | None) -> str:
    return money(value) if kind == "money" else months(value)


def headline_figure(h: Headline) -> Figure:
    """A headline number with its likely value and P10-P90 when simulated."""
    likely = spread = ""
    if h.basis == "P50":
        likely = _fmt(h.kind, h.likely)
        if h.uncertain:
            spread = f"{_fmt(h.kind, h.p10)} to {_fmt(h.kind, h.p90)}"
    return Figure(
        h.key, h.label, _fmt(h.kind, h.value), h.basis, h.definition, h.value, likely, spread
    )


def irr_text(irr: float | None) -> str:
    """IRR a year, 'above X%' past the search range, 'none' where no rate exists.

    >>> irr_text(0.1), irr_text(math.inf), irr_text(None)
    ('10% a year', 'above 1,000,000% a year', 'none (the cash never changes sign)')
    """
    if irr is None:
        return "none (the cash never changes sign)"
    if math.isinf(irr):
        return f"above {IRR_MAX_ANNUAL * 100:,.0f}% a year"
    return percent(irr * 100) + " a year"


def cost_of_delay_text(per_week: float) -> str:
    """What a week of slip does to NPV at the decision, worded for its sign.

    >>> cost_of_delay_text(12_000)
    '$12,000 lost a week'
    >>> cost_of_delay_text(-3_000)
    '$3,000 gained a week: running loses money'
    """
    if per_week < 0:
        return f"{money(-per_week)} gained a week: running loses money"
    return f"{money(per_week)} lost a week"


BENEFIT_KINDS: tuple[tuple[str, str, str, str], ...] = (
    ("unlocked_capacity", "Unlocked capacity", "time saved x loaded rate", "time_value"),
    ("incremental_revenue", "New revenue", "as typed", "incremental_revenue_value"),
    ("protected_revenue", "Protected revenue", "kept from being lost", "protected_revenue_value"),
    (
        "reduced_cost",
        "Reduced cost",
        "vendors, outsourcing, licences displaced",
        "reduced_cost_value",
    ),
    ("mitigated_risk", "Mitigated risk", "chance a year x loss avoided", "mitigated_risk_value"),
)
"""(key, label, what it is, the simulation's output) of the benefits by kind, in the
articles' business-case order."""


@dataclass(frozen=True)
class PointResults:
    """A scenario's point results without a Monte Carlo: what the benefit and unit-cost
    figures need while the Monte Carlo has not run yet (the app's first cards)."""

    scenario: Scenario
    results: Results
    simulation: None = None


def _spread(
    assessment: Assessment | PointResults, metric: str, fmt: Callable[[float | None], str]
) -> str:
    """'P10 to P90' of a simulated metric that varies, else ''."""
    sim = assessment.simulation
    if sim is None or metric not in sim.outputs:
        return ""
    low, high = sim.percentile(metric, 10), sim.percentile(metric, 90)
    if low is None or high is None or not (math.isfinite(low) and math.isfinite(high)):
        return ""
    return "" if fmt(low) == fmt(high) else f"{fmt(low)} to {fmt(high)}"


def benefit_figures(assessment: Assessment | PointResults) -> tuple[Figure, ...]:
    """The year's benefits by kind, as realised, at the likely values: unlocked capacity
    always (with its hours and full-time people), the other kinds where not $0."""
    r = assessment.results
    values = r.benefits_by_kind()
    out = []
    for key, label, what, output in BENEFIT_KINDS:
        value = values[key]
        if key != "unlocked_capacity" and value == 0:
            continue
        definition = what
        if key == "unlocked_capacity":
            definition = (
                f"{number_text(r.hours_saved, 0)} hours a year "
                f"({number_text(r.fte_released, 1)} full-time people) x loaded rate"
            )
            realised = assessment.scenario.value("capacity_realised")
            if realised != 1:
                definition += f"; {percent(realised * 100)} of it realised"
        out.append(
            Figure(
                key,
                label,
                money(value),
                "likely",
                definition,
                value,
                spread_text=_spread(assessment, output, money),
            )
        )
    return tuple(out)


def _per_1000(value: float | None) -> str:
    return "none (no requests)" if value is None else money(value, 2)


def unit_cost_figure(assessment: Assessment | PointResults) -> Figure:
    """The model's cost per 1,000 inferences at the likely values, with its P10-P90."""
    r, s = assessment.results, assessment.scenario
    per_task = s.value("requests_per_task")
    requests = "one request a task" if per_task == 1 else f"{number_text(per_task)} a task"
    return Figure(
        "cost_per_1000_inferences",
        "Cost per 1,000 inferences",
        _per_1000(r.cost_per_1000_requests),
        "likely",
        f"model cost {money(r.model_cost)} a year / "
        f"{number_text(r.requests_per_year / 1000, 1)}k requests ({requests})",
        r.cost_per_1000_requests,
        spread_text=_spread(assessment, "cost_per_1000_requests", _per_1000),
    )


@dataclass(frozen=True)
class Presentation:
    """Every figure a screen shows for one assessment, in the order screens show them."""

    headline: tuple[Figure, ...]
    details: tuple[Figure, ...]
    reconciliation: tuple[Figure, ...]
    benefits: tuple[Figure, ...] = ()
    unit_cost: Figure | None = None
    one_time: Figure | None = None

    def figure(self, key: str) -> Figure:
        extra = (*self.benefits, *(f for f in (self.unit_cost, self.one_time) if f is not None))
        for f in (*self.headline, *self.details, *self.reconciliation, *extra):
            if f.key == key:
                return f
        raise KeyError(key)


def one_time_figure(assessment: Assessment) -> Figure:
    """The one-time costs and what they are made of: the build cost, typed or the plan's
    (person-weeks at the rate card plus hidden costs), and change management.

    >>> from roi.files import load_scenario
    >>> from roi.resources import SCENARIOS
    >>> from roi.assess import assess
    >>> s = load_scenario(SCENARIOS / "invoice_triage.yaml")
    >>> one_time_figure(assess(s, samples=0)).definition
    'build $250,000 as typed (the likely plan itself costs $474,240); change management $50,000'
    >>> print(one_time_figure(assess(s.evolve(build_cost="plan"), samples=0)).definition)
    build $474,240 from the plan: 86.5 person-weeks at roi's rate card plus 20% hidden costs; change management $50,000

    The plan's 86.5 person-weeks: 47.5 in the default plan and 19.5 weeks each for the ML
    and the software engineer re-engineering the notebook (the open gap); (215,800 +
    19.5 x 9,200) x 1.2 = 474,240.
    """  # noqa: E501
    r, s = assessment.results, assessment.scenario
    if s.build_cost_from_plan:
        card = "the scenario's rate card" if s.rate_card else "roi's rate card"
        build = (
            f"build {money(r.build_cost)} from the plan: {r.plan_person_weeks:,.4g} person-weeks "
            f"at {card} plus {percent(s.hidden_share() * 100)} hidden costs"
        )
    else:
        build = (
            f"build {money(r.build_cost)} as typed "
            f"(the likely plan itself costs {money(r.plan_build_cost)})"
        )
    return Figure(
        "one_time_cost",
        "One-time costs",
        money(r.one_time_cost),
        "likely",
        f"{build}; change management {money(s.value('change_cost'))}",
        r.one_time_cost,
    )


def present(assessment: Assessment) -> Presentation:
    """The figures of one assessment, each once, labelled with its basis.

    >>> from roi.files import load_scenario
    >>> from roi.resources import SCENARIOS
    >>> from roi.assess import assess
    >>> p = present(assess(load_scenario(SCENARIOS / "invoice_triage.yaml"), samples=0))
    >>> [f.text for f in p.headline]
    ['$1,888,000', '3.5 months', '$3,129,507', '12.2 months']
    >>> p.figure("payback_months").definition
    'on the cash flow from go-live, the 3-month adoption ramp included'
    >>> p.figure("simple_payback").text  # the headline is the cash flow's: this is the other
    '1.9 months'
    """
    a = assessment
    r, s = a.results, a.scenario
    horizon = f"{s.value('horizon_months'):g} months"
    rate = percent(s.value("discount_rate") * 100)
    headline = tuple(
        headline_figure(a.headline(key))
        for key in ("annual_impact", "payback_months", "npv", "time_to_value_months")
    )
    likely = "likely"
    details: tuple[Figure, ...] = (
        Figure(
            "simple_payback",
            "Simple payback",
            months(r.payback_months),
            likely,
            "one-time costs / monthly net impact; the ramp ignored",
            r.payback_months,
        ),
        Figure(
            "payback_cash_flow",
            "Payback on the cash flow",
            months(r.payback_months_cash_flow),
            likely,
            "cumulative cash from go-live reaches zero, the ramp included",
            r.payback_months_cash_flow,
        ),
        Figure(
            "npv_at_go_live",
            "NPV at go-live",
            money(r.npv),
            likely,
            f"one-time costs at go-live, {horizon} of operation at {rate}; blind to slips",
            r.npv,
        ),
        Figure("irr", "IRR", irr_text(r.irr), likely, "of the cash as of the decision", r.irr),
        Figure(
            "discounted_payback",
            "Discounted payback",
            months(r.discounted_payback_months),
            likely,
            f"from the decision, the cash discounted at {rate} a year",
            r.discounted_payback_months,
        ),
        Figure(
            "roi_on_investment",
            "ROI on the investment",
            percent(r.roi_on_investment_pct),
            likely,
            f"net gain over {horizon} / one-time costs",
            r.roi_on_investment_pct,
        ),
        Figure(
            "roi_total",
            "Return on total cost",
            percent(r.roi_pct),
            likely,
            f"net gain over {horizon} / every cost over the horizon",
            r.roi_pct,
        ),
        Figure(
            "cost_of_delay",
            "Cost of delay",
            cost_of_delay_text(r.cost_of_delay_per_week),
            likely,
            "NPV at the decision that a week of slip before go-live costs",
            r.cost_of_delay_per_week,
        ),
    )
    # The payback the headline already states (its likely value beside it) is not repeated.
    headline_payback = a.headline("payback_months").source
    repeated = {"payback_months": "simple_payback", "payback_months_cash_flow": "payback_cash_flow"}
    details = tuple(f for f in details if f.key != repeated[headline_payback])
    e = a.evidence
    npv = a.headline("npv")
    reconciliation = (
        Figure(
            "npv_at_decision",
            "NPV if every gate passes",
            money(npv.value),
            npv.basis,
            "the headline NPV at the decision: the reconciliation starts here",
            npv.value,
        ),
        Figure(
            "expected_npv",
            "Expected NPV",
            money(e.expected_value),
            "mean" if a.simulation is not None else likely,
            "the mean over every outcome, a failed PoC's loss included",
            e.expected_value,
        ),
        Figure(
            "risk_adjusted_npv",
            "Risk-adjusted NPV",
            money(e.risk_adjusted_npv),
            "mean" if a.simulation is not None else likely,
            "expected NPV x the odds of the gates ahead, less spend lost where one stops",
            e.risk_adjusted_npv,
        ),
        Figure(
            "expected_commercial_value",
            "Expected commercial value",
            money(e.expected_commercial_value),
            "mean" if a.simulation is not None else likely,
            "Stage-Gate's ECV with the same odds",
            e.expected_commercial_value,
        ),
    )
    return Presentation(
        headline,
        details,
        reconciliation,
        benefit_figures(a),
        unit_cost_figure(a),
        one_time_figure(a),
    )


__all__ = [
    "BASIS_WORDS",
    "BENEFIT_KINDS",
    "Figure",
    "PointResults",
    "Presentation",
    "benefit_figures",
    "cost_of_delay_text",
    "headline_figure",
    "irr_text",
    "one_time_figure",
    "present",
    "unit_cost_figure",
]
