"""Learning from the organisation's own record: the odds of each gate, and whether ranges held.

Gate odds. Each gate after the PoC starts from roi's default chance of passing (0.81,
so 0.81^3 = 53% reach production, Gartner's figure) held as a Beta prior worth
`PRIOR_STRENGTH` initiatives' experience. Every recorded decision at that gate is one
more: a Go or a Conditional go passed it, a No-go stopped there. The posterior is
Beta(a + passed, b + stopped); its mean is the calibrated odds and its 5th-95th
percentiles the interval. A handful of decisions moves the odds a little, a few dozen
move them a lot.

Ranges. An input given as a range {low, likely, high} claims that what happens falls
between its P10 and P90 eight times in ten. `range_coverage` counts how often the
measured values did: far fewer than 80% means the organisation's ranges are too narrow.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from roi.evidence import DEFAULT_GATE_PROBABILITY, GATE_STAGES
from roi.scenario import Range
from roi.uncertainty import three_point_quantile

PRIOR_STRENGTH = 10.0
"""How many initiatives' worth of evidence the default odds count as."""

INTERVAL = (0.05, 0.95)
"""The reported interval of the calibrated odds (a 90% credible interval)."""


@dataclass(frozen=True)
class GateOdds:
    """The calibrated chance of passing one gate, with the record behind it."""

    gate: int
    name: str
    passed: int
    stopped: int
    probability: float
    low: float
    high: float

    def to_dict(self) -> dict[str, Any]:
        return {
            "gate": self.gate,
            "name": self.name,
            "passed": self.passed,
            "stopped": self.stopped,
            "probability": self.probability,
            "interval": [self.low, self.high],
        }


def posterior(
    passed: int,
    stopped: int,
    prior: float = DEFAULT_GATE_PROBABILITY,
    strength: float = PRIOR_STRENGTH,
) -> tuple[float, float, float]:
    """(mean, low, high) of the chance of passing after `passed` and `stopped` decisions.

    >>> [round(x, 3) for x in posterior(0, 0)]  # no record: the default, widely spread
    [0.81, 0.584, 0.964]
    >>> round(posterior(8, 12)[0], 3)  # (8.1 + 8) / (10 + 20)
    0.537
    """
    from scipy.stats import beta

    a = prior * strength + passed
    b = (1.0 - prior) * strength + stopped
    low, high = (float(x) for x in beta.ppf(INTERVAL, a, b))
    return a / (a + b), low, high


def calibrate_gates(record: Mapping[int, tuple[int, int]]) -> tuple[GateOdds, ...]:
    """Calibrated odds for every gate after the PoC from {gate: (passed, stopped)}."""
    out = []
    for stage in GATE_STAGES:
        passed, stopped = record.get(stage.number, (0, 0))
        mean, low, high = posterior(passed, stopped)
        out.append(GateOdds(stage.number, stage.name, passed, stopped, mean, low, high))
    return tuple(out)


def gate_probabilities(odds: Iterable[GateOdds]) -> dict[int, float]:
    """The calibrated odds as a scenario's `gate_probabilities`."""
    return {o.gate: o.probability for o in odds}


def range_coverage(pairs: Iterable[tuple[Range, float]]) -> dict[str, Any]:
    """How often measured values fell inside the P10-P90 of the range that was planned.

    >>> r = Range(low=0, likely=5, high=10, distribution="uniform")
    >>> range_coverage([(r, 5.0), (r, 0.5), (r, 9.5), (r, 3.0)])["inside"]
    2
    """
    inside = total = 0
    for planned, measured in pairs:
        if planned.is_point:
            continue
        p10, p90 = three_point_quantile(
            np.array([0.1, 0.9]), planned.low, planned.likely, planned.high, planned.distribution
        )
        total += 1
        inside += int(p10 <= measured <= p90)
    return {
        "measured": total,
        "inside": inside,
        "share_inside": inside / total if total else None,
        "expected": 0.8,
    }


__all__ = [
    "INTERVAL",
    "PRIOR_STRENGTH",
    "GateOdds",
    "calibrate_gates",
    "gate_probabilities",
    "posterior",
    "range_coverage",
]
