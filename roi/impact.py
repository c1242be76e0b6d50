"""Annual impact of an AI initiative: its benefits, less running costs.

The benefits are the articles' four kinds (the business case "must articulate ...
protected revenue, reduced costs, unlocked capacity, and mitigated risks"), each counted
at the share of it the scenario expects to realise, plus any new revenue:

- unlocked capacity: the time saved, valued at the loaded hourly rate (the seeds'
  formula, net of fallbacks), times `capacity_realised`;
- incremental revenue, as typed;
- protected revenue x `protected_revenue_realised`;
- reduced cost (vendors, outsourcing, licences displaced) x `reduced_cost_realised`;
- mitigated risk: `risk_probability` x `risk_loss_avoided` x `risk_realised`.

The model's cost is `model_cost_annual` plus, when its unit economics are given, what
the year's requests cost: requests = users x tasks a day x requests per task x workdays,
each costing its input and output tokens at their prices per million plus the serving
cost (retrieval, storage, hosting) per 1,000 requests.

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
HOURS_PER_FTE_DAY = 8
"""Hours in a full-time workday, to state the capacity unlocked as full-time people."""


class AnnualImpact(NamedTuple):
    """The parts of annual impact, each in $ a year (requests: a year's model requests;
    hours: the time saved a year, as realised)."""

    time_value: np.ndarray
    incremental_revenue: np.ndarray
    running_costs: np.ndarray
    net: np.ndarray
    protected_revenue: np.ndarray
    reduced_cost: np.ndarray
    mitigated_risk: np.ndarray
    model_cost: np.ndarray
    requests: np.ndarray
    hours: np.ndarray  # the time saved a year, as realised

    @property
    def benefits(self) -> np.ndarray:
        """Every benefit a year: time value, revenue, protected revenue, reduced cost and
        mitigated risk, each as realised."""
        total: np.ndarray = (
            self.time_value
            + self.incremental_revenue
            + self.protected_revenue
            + self.reduced_cost
            + self.mitigated_risk
        )
        return total

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
    return _value_of_minutes(users, tasks_per_day, minutes, hourly_rate, workdays_per_year)


def _value_of_minutes(
    users: Numbers, tasks_per_day: Numbers, minutes: Numbers, hourly: Numbers, days: Numbers
) -> np.ndarray:
    """$ a year of `minutes` saved (net) on every task."""
    return np.asarray(users, float) * tasks_per_day * minutes / MINUTES_PER_HOUR * hourly * days


def running_costs(
    platform_cost_annual: Numbers, model_cost_annual: Numbers, support_cost_annual: Numbers
) -> np.ndarray:
    """Annual cost of running the system: platform + model + support.

    >>> float(running_costs(60_000, 36_000, 40_000))
    136000.0
    """
    return np.asarray(platform_cost_annual, float) + model_cost_annual + support_cost_annual


def hours_saved(
    users: Numbers,
    tasks_per_day: Numbers,
    net_minutes: Numbers,
    workdays_per_year: Numbers,
    capacity_realised: Numbers = 1,
) -> np.ndarray:
    """Hours a year the system gives back, as realised (the capacity it unlocks).

    >>> float(hours_saved(200, 12, 4, 230))  # 200 x 12 x 4 / 60 x 230
    36800.0
    """
    return (
        np.asarray(users, float)
        * tasks_per_day
        * net_minutes
        / MINUTES_PER_HOUR
        * workdays_per_year
        * capacity_realised
    )


def fte_released(hours: Numbers, workdays_per_year: Numbers) -> np.ndarray:
    """The hours a year as full-time people: hours / (workdays x 8 hours); NaN without
    workdays.

    >>> float(fte_released(36_800, 230))  # 36,800 / 1,840
    20.0
    """
    days = np.asarray(workdays_per_year, float)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.where(days > 0, np.asarray(hours, float) / (days * HOURS_PER_FTE_DAY), np.nan)
    return out[()] if out.ndim == 0 else out


def mitigated_risk(
    risk_probability: Numbers, risk_loss_avoided: Numbers, risk_realised: Numbers = 1
) -> np.ndarray:
    """Expected loss avoided a year: the loss's annual chance x its size x the share of it
    the system is expected to prevent.

    >>> float(mitigated_risk(0.05, 2_000_000, 0.5))  # 5% a year of a $2M fine, halved
    50000.0
    """
    return np.asarray(risk_probability, float) * risk_loss_avoided * risk_realised


def annual_requests(
    users: Numbers, tasks_per_day: Numbers, requests_per_task: Numbers, workdays_per_year: Numbers
) -> np.ndarray:
    """Model requests a year: every task goes to the model (fallbacks are decided on its
    answer), `requests_per_task` times (an agent's chain makes several).

    >>> float(annual_requests(200, 12, 1, 230))
    552000.0
    """
    return np.asarray(users, float) * tasks_per_day * requests_per_task * workdays_per_year


def cost_per_request(
    input_tokens_per_request: Numbers,
    output_tokens_per_request: Numbers,
    price_per_million_input_tokens: Numbers,
    price_per_million_output_tokens: Numbers,
    serving_cost_per_1000_requests: Numbers = 0,
) -> np.ndarray:
    """What one model request costs: its tokens at their prices, plus serving.

    Notes
    -----
    cost = input_tokens x input_price / 1e6 + output_tokens x output_price / 1e6
           + serving_cost_per_1000_requests / 1000

    >>> round(float(cost_per_request(1_500, 300, 0.15, 0.60, 0.40)), 6)  # 0.000225 + 0.00018
    0.000805
    """
    tokens = (
        np.asarray(input_tokens_per_request, float) * price_per_million_input_tokens
        + np.asarray(output_tokens_per_request, float) * price_per_million_output_tokens
    ) / 1e6
    return tokens + np.asarray(serving_cost_per_1000_requests, float) / 1000


def cost_per_1000_requests(model_cost: Numbers, requests: Numbers) -> np.ndarray:
    """The model's whole cost a year (fixed, tokens and serving) per 1,000 requests, the
    articles' "daily cost per 1,000 inferences"; NaN without requests.

    >>> float(cost_per_1000_requests(36_000, 552_000))  # 36,000 / 552 thousand
    65.21739130434783
    """
    requests = np.asarray(requests, float)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.where(requests > 0, np.asarray(model_cost, float) / (requests / 1000), np.nan)
    return out[()] if out.ndim == 0 else out


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
    capacity_realised: Numbers = 1,
    protected_revenue: Numbers = 0,
    protected_revenue_realised: Numbers = 1,
    reduced_cost: Numbers = 0,
    reduced_cost_realised: Numbers = 1,
    risk_probability: Numbers = 0,
    risk_loss_avoided: Numbers = 0,
    risk_realised: Numbers = 1,
    requests_per_task: Numbers = 1,
    input_tokens_per_request: Numbers = 0,
    output_tokens_per_request: Numbers = 0,
    price_per_million_input_tokens: Numbers = 0,
    price_per_million_output_tokens: Numbers = 0,
    serving_cost_per_1000_requests: Numbers = 0,
) -> AnnualImpact:
    """Annual net impact with its parts.

    Notes
    -----
    net = time_value x capacity_realised + incremental_revenue
          + protected_revenue x its realised share + reduced_cost x its realised share
          + risk_probability x risk_loss_avoided x risk_realised
          - (platform + model + support costs)

    with the time value net of fallbacks (see `time_value`) and the model cost
    model_cost_annual + annual_requests x cost_per_request (0 without unit economics).

    Examples
    --------
    The invoice-triage assistant: $2,024,000 of time saved, no new revenue, $136,000 a
    year to run, so $1,888,000 a year net, $157,333.33 a month:

    >>> impact = annual_impact(200, 12, 4, 55, 230, 0, 60_000, 36_000, 40_000)
    >>> float(impact.net), round(float(impact.monthly_net), 2)
    (1888000.0, 157333.33)

    Priced per request instead: 552,000 requests a year of 1,500 input and 300 output
    tokens at $0.15 and $0.60 a million, plus $0.40 per 1,000 to serve, cost
    552,000 x $0.000805 = $444.36 on top of the fixed $36,000:

    >>> priced = annual_impact(200, 12, 4, 55, 230, 0, 60_000, 36_000, 40_000,
    ...     input_tokens_per_request=1_500, output_tokens_per_request=300,
    ...     price_per_million_input_tokens=0.15, price_per_million_output_tokens=0.60,
    ...     serving_cost_per_1000_requests=0.40)
    >>> round(float(priced.model_cost), 2), round(float(priced.net), 2)
    (36444.36, 1887555.64)
    """
    minutes = net_minutes_per_task(
        minutes_saved_per_task, fallback_rate, review_minutes_per_fallback
    )
    value = _value_of_minutes(
        users, tasks_per_day, minutes, hourly_rate, workdays_per_year
    ) * np.asarray(capacity_realised, float)
    hours = hours_saved(users, tasks_per_day, minutes, workdays_per_year, capacity_realised)
    revenue = np.asarray(incremental_revenue, float) + np.zeros_like(value)
    protected = np.asarray(protected_revenue, float) * protected_revenue_realised
    reduced = np.asarray(reduced_cost, float) * reduced_cost_realised
    risk = mitigated_risk(risk_probability, risk_loss_avoided, risk_realised)
    requests = annual_requests(users, tasks_per_day, requests_per_task, workdays_per_year)
    model = np.asarray(model_cost_annual, float) + requests * cost_per_request(
        input_tokens_per_request,
        output_tokens_per_request,
        price_per_million_input_tokens,
        price_per_million_output_tokens,
        serving_cost_per_1000_requests,
    )
    costs = running_costs(platform_cost_annual, model, support_cost_annual)
    parts = (value, revenue, costs, protected, reduced, risk, model, requests, hours)
    shape = np.broadcast_shapes(*(np.shape(a) for a in parts))
    value, revenue, costs, protected, reduced, risk, model, requests, hours = (
        _full(np.asarray(a, float), shape) for a in parts
    )
    net = value + revenue + protected + reduced + risk - costs
    return AnnualImpact(
        value, revenue, costs, net, protected, reduced, risk, model, requests, hours
    )


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
