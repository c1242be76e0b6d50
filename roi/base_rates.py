"""The shipped base rates of reaching production (`roi/data/priors.yaml`), as data.

`roi.priors` prices a verdict under them; this module only reads them, so the scenario
(which checks a `priors` name) and `roi.evidence` (which starts its gate odds from one)
can use them without depending on the pricing.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from roi.safe_yaml import safe_yaml

GATES_AHEAD = 3
"""Gates priced by a base rate: 2, 3 and 4, each with the same chance."""


def _data() -> Any:
    text = resources.files("roi").joinpath("data/priors.yaml").read_text(encoding="utf-8")
    return safe_yaml(text)


@dataclass(frozen=True)
class Prior:
    """One base rate: its name, each gate's chance of passing and what the article says."""

    name: str
    gate_probability: float
    says: str
    source: str

    @property
    def share(self) -> float:
        """The chance of reaching production it stands for: every gate passed."""
        return float(self.gate_probability**GATES_AHEAD)


@cache
def priors() -> dict[str, Prior]:
    """The shipped base-rate sets, by name, in the file's order."""
    data = _data()
    return {
        name: Prior(name, float(item["gate_probability"]), str(item["says"]), str(item["source"]))
        for name, item in data["priors"].items()
    }


def default_prior() -> str:
    """The set a scenario starts from unless it names another (Gartner's 53%)."""
    return str(_data()["default"])


__all__ = ["GATES_AHEAD", "Prior", "default_prior", "priors"]
