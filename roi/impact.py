"""Annual impact of an AI initiative: time value plus revenue, less running costs.

Every function takes numbers or numpy arrays (or pandas columns); inputs broadcast
together, so one call evaluates one scenario, 100k Monte Carlo samples, or a table of a
million scenarios. A scalar in gives a numpy scalar out.
"""

from __future__ import annotations

import inspect
from typing import NamedTuple

import numpy as np

from roi._types import Numbers

MONTHS_PER_YEAR = 12
MINUTES_PER_HOUR = 60


class AnnualImpact(NamedTuple):
    """The parts of annual impact, each in $ a year."""

    time_value: np.ndarray
    incremental_revenue: np.ndarray
    running_costs: np.ndarray
    net: np.ndarray

    @property
    def monthly_net(self) -> np.ndarray:
        return self.net / MONTHS_PER_YEAR


def net_minutes_per_task(
    minutes_saved_per_task: Numbers,
    fallback_rate: Numbers = 0,
    review_minutes_per_fallback: Numbers = 0,
) -> np.ndarray:
    """Minutes saved on an average task once fallbacks are counted: the share the model
    serves saves its minutes, each task it hands back costs a person's review minutes.

    Notes
    -----
    net = (1 - fallback_rate) * minutes_saved_per_task
          - fallback_rate * review_minutes_per_fallback

    >>> float(net_minutes_per_task(4, 0.2, 3))  # 0.8 x 4 - 0.2 x 3
    2.6
    """
    served = 1 - np.asarray(fallback_rate, float)
    return served * minutes_saved_per_task - fallback_rate * np.asarray(
        review_minutes_per_fallback, float
    )


def time_value(
    users: Numbers,
    tasks_per_day: Numbers,
    minutes_saved_per_task: Numbers,
    hourly_rate: Numbers,
    workdays_per_year: Numbers = 230,
    fallback_rate: Numbers = 0,
    review_minutes_per_fallback: Numbers = 0,
) -> np.ndarray:
    """Value of the time saved in a year, net of the review time fallbacks cost.

    Notes
    -----
    time_value = users * tasks_per_day * net_minutes_per_task / 60
                 * hourly_rate * workdays_per_year

    with net_minutes_per_task = (1 - fallback_rate) * minutes_saved_per_task
    - fallback_rate * review_minutes_per_fallback: time is saved only on the tasks the
    model serves, and each task it hands back to a person adds their review time.

    Examples
    --------
    200 analysts each triage 12 invoices a day, saving 4 minutes each, at $55 an hour
    over 230 workdays:

    >>> float(time_value(200, 12, 4, 55, 230))
    2024000.0

    With 20% of invoices escalated to a person who spends 3 minutes on each: 80% of the
    saving, less 200 x 12 x 0.2 x 3 / 60 x 55 x 230 = $303,600 of review:

    >>> float(time_value(200, 12, 4, 55, 230, 0.2, 3))  # 0.8 x 2,024,000 - 303,600
    1315600.0
    """
    minutes = net_minutes_per_task(
        minutes_saved_per_task, fallback_rate, review_minutes_per_fallback
    )
    return (
        np.asarray(users, float)
        * tasks_per_day
        * minutes
        / MINUTES_PER_HOUR
        * hourly_rate
        * workdays_per_year
    )


def running_costs(
    platform_cost_annual: Numbers, model_cost_annual: Numbers, support_cost_annual: Numbers
) -> np.ndarray:
    """Annual cost of running the system: platform + model + support.

    >>> float(running_costs(60_000, 36_000, 40_000))
    136000.0
    """
    return np.asarray(platform_cost_annual, float) + model_cost_annual + support_cost_annual


def annual_impact(
    users: Numbers,
    tasks_per_day: Numbers,
    minutes_saved_per_task: Numbers,
    hourly_rate: Numbers,
    workdays_per_year: Numbers = 230,
    incremental_revenue: Numbers = 0,
    platform_cost_annual: Numbers = 0,
    model_cost_annual: Numbers = 0,
    support_cost_annual: Numbers = 0,
    fallback_rate: Numbers = 0,
    review_minutes_per_fallback: Numbers = 0,
) -> AnnualImpact:
    """Annual net impact with its parts.

    Notes
    -----
    net = time_value + incremental_revenue - (platform + model + support costs), with
    the time value net of fallbacks (see `time_value`)

    Examples
    --------
    The invoice-triage assistant: $2,024,000 of time saved, no new revenue, $136,000 a
    year to run, so $1,888,000 a year net, $157,333.33 a month:

    >>> impact = annual_impact(200, 12, 4, 55, 230, 0, 60_000, 36_000, 40_000)
    >>> float(impact.net), round(float(impact.monthly_net), 2)
    (1888000.0, 157333.33)
    """
    value = time_value(
        users,
        tasks_per_day,
        minutes_saved_per_task,
        hourly_rate,
        workdays_per_year,
        fallback_rate,
        review_minutes_per_fallback,
    )
    revenue = np.asarray(incremental_revenue, float) + np.zeros_like(value)
    costs = running_costs(platform_cost_annual, model_cost_annual, support_cost_annual)
    shape = np.broadcast_shapes(value.shape, revenue.shape, costs.shape)
    value, revenue, costs = (_full(a, shape) for a in (value, revenue, costs))
    return AnnualImpact(value, revenue, costs, value + revenue - costs)


def _full(array: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """`array` in `shape`: itself when it has it (no view of it), else a copy spread."""
    if array.shape == shape:
        return array[()] if array.ndim == 0 else array
    return np.broadcast_to(array, shape).copy()


IMPACT_FIELDS: tuple[str, ...] = tuple(inspect.signature(annual_impact).parameters)
"""The Scenario fields annual impact depends on, named as `annual_impact` takes them."""


def monthly_net_impact(annual_net: Numbers) -> np.ndarray:
    """Monthly net impact: annual net / 12.

    >>> float(monthly_net_impact(1_200_000))
    100000.0
    """
    return np.asarray(annual_net, float) / MONTHS_PER_YEAR
