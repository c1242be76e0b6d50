"""What every screen shows of one assessment: each figure once, with its label, basis and text.

`present(assessment)` is the one place that picks which figures a reader sees and words
them: the headline (annual impact, payback and NPV the decision rests on, time to value),
the named details (simple payback, NPV at go-live, IRR, discounted payback, both ROIs,
cost of delay) and the reconciliation from NPV at the decision to the risk-adjusted
value. The CLI, the memo, the app and the notebook render these; none picks its own.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from roi.assess import Assessment, Headline
from roi.formatting import money, months, percent
from roi.payback import IRR_MAX_ANNUAL

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


@dataclass(frozen=True)
class Presentation:
    """Every figure a screen shows for one assessment, in the order screens show them."""

    headline: tuple[Figure, ...]
    details: tuple[Figure, ...]
    reconciliation: tuple[Figure, ...]

    def figure(self, key: str) -> Figure:
        for f in (*self.headline, *self.details, *self.reconciliation):
            if f.key == key:
                return f
        raise KeyError(key)


def present(assessment: Assessment) -> Presentation:
    """The figures of one assessment, each once, labelled with its basis.

    >>> from roi.files import load_scenario
    >>> from roi.resources import SCENARIOS
    >>> from roi.assess import assess
    >>> p = present(assess(load_scenario(SCENARIOS / "invoice_triage.yaml"), samples=0))
    >>> [f.text for f in p.headline]
    ['$1,888,000', '3.5 months', '$3,793,678', '7.7 months']
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
    return Presentation(headline, details, reconciliation)


__all__ = [
    "BASIS_WORDS",
    "Figure",
    "Presentation",
    "cost_of_delay_text",
    "headline_figure",
    "irr_text",
    "present",
]
