"""Uncertain inputs several initiatives share, declared once for a portfolio.

A portfolio file (YAML or JSON) may hold, beside its `scenarios`, a `shared` mapping of
drivers; each initiative lists the drivers it uses under `shared` (a table: a `shared`
column, names separated by spaces, commas or semicolons):

    shared:
      loaded_rate:   {field: hourly_rate, low: 45, likely: 55, high: 70}
      token_price:   {field: model_cost_annual, scale: true, low: 0.8, likely: 1, high: 1.6}
    scenarios:
      - name: Invoice triage
        shared: [loaded_rate, token_price]
        model_cost_annual: 36000
        ...

A driver without `scale` IS the field's value: the initiative gives no value of its own
and gets the driver's range. A `scale` driver multiplies the initiative's own point value
(36,000 x 0.8 to 1.6); a range cannot be multiplied into another three-point range, so
the initiative must give a point there. Each initiative alone is then assessed exactly as
if it had written that range itself (same memo, same decision); in the portfolio's Monte
Carlo the driver is drawn once per sample for all who share it (`roi.portfolio`), so
their totals move together.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from roi.exceptions import MISSING, Problem, ScenarioError
from roi.scenario import FIELD_SPECS, NUMERIC_FIELDS, to_number

SHARED_KEY = "shared"
DISTRIBUTIONS = ("pert", "triangular", "uniform")
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_KEYS = ("field", "low", "likely", "high", "distribution", "scale")


@dataclass(frozen=True)
class Driver:
    """One shared uncertain input: which field, its range, value or multiplier."""

    name: str
    field: str
    low: float
    likely: float
    high: float
    distribution: str = "pert"
    scale: bool = False

    def range_for(self, own: float | None = None) -> dict[str, Any]:
        """The three-point range an initiative gets: the driver's, or its own value scaled."""
        factor = 1.0 if own is None else own
        return {
            "low": self.low * factor,
            "likely": self.likely * factor,
            "high": self.high * factor,
            "distribution": self.distribution,
        }


def parse_drivers(data: Any, source: str = "") -> dict[str, Driver]:
    """Validated drivers from a `shared` mapping; every problem is listed at once."""
    if data is None:
        return {}
    if not isinstance(data, Mapping):
        raise ScenarioError(
            [Problem(SHARED_KEY, data, "must map driver names to their ranges", source)]
        )
    drivers, problems = {}, []
    for name, spec in data.items():
        where = f"{SHARED_KEY}.{name}"
        if not isinstance(name, str) or not _NAME.fullmatch(name):
            problems.append(
                Problem(SHARED_KEY, name, "names drivers with letters, digits and _", source)
            )
            continue
        if not isinstance(spec, Mapping):
            problems.append(Problem(where, spec, "must hold field, low, likely, high", source))
            continue
        unknown = [key for key in spec if key not in _KEYS]
        for key in unknown:
            problems.append(
                Problem(
                    f"{where}.{key}", spec[key], "is not a driver key: " + ", ".join(_KEYS), source
                )
            )
        field = spec.get("field", MISSING)
        if field not in NUMERIC_FIELDS:
            problems.append(
                Problem(
                    f"{where}.field",
                    field,
                    "must be a numeric scenario field, e.g. hourly_rate",
                    source,
                )
            )
        numbers = {}
        for key in ("low", "likely", "high"):
            try:
                numbers[key] = to_number(spec.get(key, MISSING))
            except (ValueError, TypeError):
                problems.append(
                    Problem(f"{where}.{key}", spec.get(key, MISSING), "must be a number", source)
                )
        distribution = spec.get("distribution", "pert")
        if distribution not in DISTRIBUTIONS:
            problems.append(
                Problem(
                    f"{where}.distribution",
                    distribution,
                    "must be one of: " + ", ".join(DISTRIBUTIONS),
                    source,
                )
            )
        scale = spec.get("scale", False)
        if not isinstance(scale, bool):
            problems.append(Problem(f"{where}.scale", scale, "must be true or false", source))
        if len(numbers) == 3 and not numbers["low"] <= numbers["likely"] <= numbers["high"]:
            problems.append(
                Problem(
                    where,
                    f"{numbers['low']:g} / {numbers['likely']:g} / {numbers['high']:g}",
                    "must have low <= likely <= high",
                    source,
                )
            )
        elif len(numbers) == 3 and scale is True and numbers["low"] < 0:
            problems.append(
                Problem(f"{where}.low", numbers["low"], "of a multiplier must be >= 0", source)
            )
        if not any(p.field.startswith(where) for p in problems) and field in NUMERIC_FIELDS:
            drivers[name] = Driver(
                name, str(field), distribution=str(distribution), scale=scale, **numbers
            )
    if problems:
        raise ScenarioError(problems)
    return drivers


def driver_names(value: Any) -> list[str]:
    """The drivers a record names: a list, or one text of names ('a b', 'a, b', 'a; b').

    >>> driver_names("loaded_rate; token_price"), driver_names(["x"])
    (['loaded_rate', 'token_price'], ['x'])
    """
    if isinstance(value, str):
        return [name for name in re.split(r"[\s,;]+", value) if name]
    if isinstance(value, list | tuple):
        return [str(name) for name in value]
    return [value]


def apply_drivers(
    record: Any, drivers: Mapping[str, Driver], source: str = "", row: int | None = None
) -> tuple[Any, dict[str, str]]:
    """The record with its shared fields filled in, and {field: driver name} it uses.

    A record that is not a mapping, or names no drivers, comes back as it was.
    """
    if not isinstance(record, Mapping) or SHARED_KEY not in record:
        return record, {}
    out = {key: value for key, value in record.items() if key != SHARED_KEY}
    names = driver_names(record[SHARED_KEY])
    problems: list[Problem] = []
    uses: dict[str, str] = {}
    for name in names:
        driver = drivers.get(name) if isinstance(name, str) else None
        if driver is None:
            known = ", ".join(drivers) if drivers else "none: the file has no `shared:` section"
            problems.append(
                Problem(SHARED_KEY, name, f"names no shared driver (defined: {known})", source, row)
            )
            continue
        if driver.field in uses:
            problems.append(
                Problem(
                    SHARED_KEY,
                    name,
                    f"shares {driver.field} twice (also {uses[driver.field]})",
                    source,
                    row,
                )
            )
            continue
        own = out.get(driver.field)
        if not driver.scale:
            if own is not None:
                problems.append(
                    Problem(
                        driver.field,
                        own,
                        f"is shared ({name}): leave it out, the driver gives it",
                        source,
                        row,
                    )
                )
                continue
            out[driver.field] = driver.range_for()
        elif own is None and FIELD_SPECS[driver.field].default is None:
            problems.append(
                Problem(
                    driver.field,
                    MISSING,
                    f"is scaled by shared driver {name}: give the initiative's own value",
                    source,
                    row,
                )
            )
            continue
        else:
            try:
                number = to_number(FIELD_SPECS[driver.field].default if own is None else own)
            except (ValueError, TypeError):
                problems.append(
                    Problem(
                        driver.field,
                        own,
                        f"is scaled by shared driver {name}: it must be one number, not a range",
                        source,
                        row,
                    )
                )
                continue
            if not math.isfinite(number):
                problems.append(Problem(driver.field, own, "must be a finite number", source, row))
                continue
            out[driver.field] = driver.range_for(number)
        uses[driver.field] = name
    for pair in out.get("correlations") or []:
        between = pair.get("between") if isinstance(pair, Mapping) else None
        for field in between or []:
            if field in uses:
                problems.append(
                    Problem(
                        "correlations",
                        field,
                        f"is shared ({uses[field]}) across the portfolio: it cannot also "
                        "be correlated inside one initiative",
                        source,
                        row,
                    )
                )
    if problems:
        raise ScenarioError(problems)
    return out, uses
