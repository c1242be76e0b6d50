"""Base rates of reaching production, and whether a verdict survives the pessimists' odds.

The articles give four base rates for AI proofs of concept reaching production
(`roi/data/priors.yaml`, each cited): Gartner's 53%, 33% (67% cannot operationalise),
15% (80-90% fail to deploy) and 13% (87% stall). Each prices the three gates after the
PoC with one chance of passing, its cube root. A scenario's `priors` picks the set its
gate odds start from (odds the scenario states, and caps from a gate's own kill criteria,
apply on top, as in `roi.evidence`).

`under_priors(evidence)` re-prices the risk-adjusted NPV under every set, and
`flip_share(evidence)` finds, by root-finding (scipy's brentq), the chance of reaching
production below which the risk-adjusted NPV turns negative. The decision itself rests
on the payback, the NPV, the evidence and the readiness, none of which a base rate moves;
what a pessimist's odds move is the value after the gates, so that is what holds or not.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from roi.base_rates import GATES_AHEAD, Prior, priors
from roi.evidence import STOPPING_KILL_GATES, Evidence, GateOdds, risk_adjusted_npv


def _odds(gates: Sequence[GateOdds], base: float) -> list[float]:
    """Each gate's chance under a base chance `base`: the scenario's own where it states
    one, else `base` capped by the gate's kill criteria (as `roi.evidence.gather` does)."""
    out = []
    for g in gates:
        if g.source == "scenario":
            out.append(g.probability)
            continue
        p = base
        if g.number in STOPPING_KILL_GATES and g.kill_probability is not None:
            p = min(p, 1.0 - g.kill_probability)
        out.append(p)
    return out


def risk_adjusted_at(evidence: Evidence, gate_probability: float) -> float:
    """Risk-adjusted NPV with every default gate at `gate_probability`.

    >>> from roi.files import load_scenario
    >>> from roi.resources import EXAMPLE_SCENARIO
    >>> from roi.assess import assess
    >>> e = assess(load_scenario(EXAMPLE_SCENARIO), samples=0).evidence
    >>> round(risk_adjusted_at(e, 0.81)) == round(e.risk_adjusted_npv)  # today's default
    True
    """
    gates = evidence.gates
    return risk_adjusted_npv(
        evidence.expected_value, _odds(gates, gate_probability), [g.spend for g in gates]
    )


@dataclass(frozen=True)
class UnderPrior:
    """The verdict and the value under one base rate."""

    name: str
    share: float
    says: str
    decision: str
    risk_adjusted_npv: float

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "share_reaching_production": self.share,
            "says": self.says,
            "decision": self.decision,
            "risk_adjusted_npv": self.risk_adjusted_npv,
        }


def under_priors(evidence: Evidence, decision: str) -> tuple[UnderPrior, ...]:
    """The risk-adjusted NPV under every shipped base rate (the decision is the same
    under each: no base rate moves what it rests on)."""
    return tuple(
        UnderPrior(
            p.name, p.share, p.says, decision, risk_adjusted_at(evidence, p.gate_probability)
        )
        for p in priors().values()
    )


def flip_share(evidence: Evidence) -> float | None:
    """The chance of reaching production (every default gate at its cube root) below which
    the risk-adjusted NPV is negative; 0.0 when it is not negative at any chance, None when
    it is negative even if every gate passes for sure.

    >>> from roi.files import load_scenario
    >>> from roi.resources import EXAMPLE_SCENARIO
    >>> from roi.assess import assess
    >>> e = assess(load_scenario(EXAMPLE_SCENARIO), samples=0).evidence
    >>> share = flip_share(e)
    >>> abs(risk_adjusted_at(e, share ** (1 / 3))) < 0.01  # at the flip, worth $0
    True
    """
    from scipy.optimize import brentq

    def value(p: float) -> float:
        return risk_adjusted_at(evidence, p)

    if value(1.0) < 0:
        return None
    if value(0.0) >= 0:
        return 0.0
    # Risk-adjusted NPV rises with the chance of passing: one root in (0, 1).
    p = float(brentq(value, 0.0, 1.0, xtol=1e-12))
    return p**GATES_AHEAD


def robustness_sentence(evidence: Evidence) -> str:
    """Page 1's line: whether the value after the gates stays positive under every base
    rate, and at what chance of reaching production it would turn.

    >>> from roi.files import load_scenario
    >>> from roi.resources import EXAMPLE_SCENARIO
    >>> from roi.assess import assess
    >>> e = assess(load_scenario(EXAMPLE_SCENARIO), samples=0).evidence
    >>> print(robustness_sentence(e))  # doctest: +NORMALIZE_WHITESPACE
    Risk-adjusted NPV stays positive under all four base rates, from 53% of PoCs
    reaching production down to 13%; it turns negative only when the chance of reaching
    production is below 2.1%.
    """
    from roi.formatting import money

    under = under_priors(evidence, "")  # the decision is not part of this sentence
    shares = [u.share for u in under]
    span = f"from {max(shares):.0%} of PoCs reaching production down to {min(shares):.0%}"
    flip = flip_share(evidence)
    where = (
        "it is negative even if every gate passes"
        if flip is None
        else "it stays positive at any chance"
        if flip == 0.0
        else "it turns negative only when the chance of reaching production is below "
        + _chance(flip)
    )
    losing = [u for u in under if u.risk_adjusted_npv < 0]
    if not losing:
        return (
            f"Risk-adjusted NPV stays positive under all {_count(under)} base rates, "
            f"{span}; {where}."
        )
    names = "; ".join(f"{u.says} ({money(u.risk_adjusted_npv)})" for u in losing)
    if flip is not None and flip > 0:
        where = f"it turns negative when the chance of reaching production is below {_chance(flip)}"
    return (
        f"Risk-adjusted NPV is negative under {_count(losing)} of the {_count(under)} base "
        f"rates: {names}; {where}."
    )


def _count(items: Sequence[Any]) -> str:
    words = {1: "one", 2: "two", 3: "three", 4: "four", 5: "five"}
    return words.get(len(items), str(len(items)))


def _chance(share: float) -> str:
    return f"{share:.1%}" if share < 0.1 else f"{share:.0%}"


__all__ = [
    "GATES_AHEAD",
    "Prior",
    "UnderPrior",
    "flip_share",
    "priors",
    "risk_adjusted_at",
    "robustness_sentence",
    "under_priors",
]
