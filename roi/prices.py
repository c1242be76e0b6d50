"""Model list prices per million tokens (`roi/data/model_prices.yaml`, or a user's file
of the same layout), for a scenario that names its `model` instead of typing prices."""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from roi.exceptions import ConfigError
from roi.safe_yaml import safe_yaml

SHIPPED = "roi/data/model_prices.yaml"


@dataclass(frozen=True)
class ModelPrice:
    """One model's list prices in $ per million tokens, their date and source."""

    model: str
    input: float
    output: float
    as_of: str
    source: str


def _number(value: Any, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise ConfigError(f"{where} must be a price in $ per million tokens >= 0, not {value!r}")
    return float(value)


def _parse(data: Any, origin: str) -> dict[str, ModelPrice]:
    if not isinstance(data, dict) or not isinstance(data.get("models"), dict):
        raise ConfigError(f"{origin}: must hold `models:`, a mapping of model name to prices")
    as_of = str(data.get("as_of", "")).strip()
    if not as_of:
        raise ConfigError(f"{origin}: must say `as_of:` (the date its prices were read)")
    out: dict[str, ModelPrice] = {}
    for name, item in data["models"].items():
        where = f"{origin}: models.{name}"
        if not isinstance(item, dict) or "input" not in item or "output" not in item:
            raise ConfigError(f"{where} must hold input and output (dollars per million tokens)")
        out[str(name)] = ModelPrice(
            str(name),
            _number(item["input"], f"{where}.input"),
            _number(item["output"], f"{where}.output"),
            str(item.get("as_of", as_of)),
            str(item.get("source", "")),
        )
    return out


@cache
def _shipped() -> dict[str, ModelPrice]:
    text = resources.files("roi").joinpath("data/model_prices.yaml").read_text(encoding="utf-8")
    return _parse(safe_yaml(text), SHIPPED)


def price_list(path: str | os.PathLike[str] | None = None) -> dict[str, ModelPrice]:
    """The model prices by name: roi's shipped list, or the file at `path` instead.

    >>> price_list()["gpt-4o-mini"].input
    0.15
    """
    if path is None:
        return _shipped()
    file = Path(path)
    try:
        text = file.read_text(encoding="utf-8")
    except OSError as error:
        raise ConfigError(f"price list {file}: cannot be read ({error.strerror})") from None
    return _parse(safe_yaml(text), str(file))


__all__ = ["ModelPrice", "price_list"]
