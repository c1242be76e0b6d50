"""The scenario as a live-formula Excel model a finance reviewer can audit.

`workbook_bytes(assessment)` writes five sheets:

- **Inputs**: one named cell per numeric field (its likely value), with its label, unit
  and source note (with `build_cost: plan`, the build cost is the Plan sheet's formula).
  Change any of them and every result follows.
- **Plan**: the production plan as formulas: each phase's likely weeks plus the weeks
  the priced readiness items answered open add (an item's 1 set to 0 closes it), the
  schedule through roi's phase graph, the governance checkpoints alongside the build or
  at the end, the plan's length (`plan_weeks`, which moves go-live and the NPV at the
  decision), and its cost: weeks x the people's loaded weekly rates, plus the
  hidden-cost share.
- **Cash flow**: month by month from go-live (adoption share, benefit, running cost,
  net, cumulative, discount factor) and the same operating months as of the decision
  (their time from the decision, the share inside the horizon, the discount factor),
  for the plan as it is and one week later (the cost of delay).
- **Results**: every figure as an Excel formula over the inputs and the cash flow:
  annual impact and its parts, monthly net, one-time costs, simple and cash-flow
  payback, the ramp payback month, NPV at go-live and at the decision, the cost of a
  week's delay, IRR, discounted payback, ROI, and the break-even of each input.
- **IRR**: the bisection that finds the IRR, step by step, in formulas (the flows fall
  at fractional months from the decision, which Excel's IRR() cannot take).

The formulas follow roi's conventions exactly (README, "Conventions"); the tests
recalculate the workbook in LibreOffice and compare every result with roi's own. The
workbook's month rows reach `CASH_FLOW_MONTHS` or the horizon, whichever is longer; a
Results cell says whether the rows cover the horizon after an edit.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from roi._version import __version__
from roi.assess import Assessment
from roi.breakeven import DIRECTION, ONE_TIME_FIELDS
from roi.files import xlsx_text
from roi.impact import HOURS_PER_FTE_DAY
from roi.payback import IRR_MAX_ANNUAL
from roi.precision import CENT, RELATIVE_TOLERANCE
from roi.scenario import FIELD_SPECS, NUMERIC_FIELDS

CASH_FLOW_MONTHS = 120
"""Month rows the Cash flow sheet holds at least (more if the horizon is longer)."""

XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PLAN_WEEKS = "plan_weeks"
NEVER = "never"
NONE = "none"

_FIRST_ROW = 2  # row 1 holds the headers


@dataclass(frozen=True)
class ResultRow:
    """One figure of the Results sheet: a defined name, its label, formula and unit."""

    key: str
    label: str
    formula: str
    unit: str


def _column(letter: str, rows: int) -> str:
    return f"'Cash flow'!${letter}${_FIRST_ROW}:${letter}${_FIRST_ROW + rows}"


def result_rows(months: int, basis: str = "cash_flow") -> list[ResultRow]:
    """The Results sheet's figures, as formulas over the Inputs' names and the Cash flow
    sheet's `months + 1` rows (month 0 to `months`); break-even on the payback `basis`."""
    return [
        *_value_rows(),
        *_plan_and_cash_rows(),
        *_money_rows(months),
        *_break_even_rows(basis),
    ]


def _value_rows() -> list[ResultRow]:
    """What the initiative is worth a year: the benefits by kind, the running costs, the
    unit economics and the annual impact."""
    return [
        ResultRow(
            "net_minutes_per_task",
            "Minutes saved on an average task, fallbacks counted",
            "=(1-fallback_rate)*minutes_saved_per_task-fallback_rate*review_minutes_per_fallback",
            "min",
        ),
        ResultRow(
            "value_per_task_minute",
            "Value a year of one minute saved on every task",
            "=users*tasks_per_day/60*hourly_rate*workdays_per_year",
            "$/yr",
        ),
        ResultRow(
            "time_value",
            "Unlocked capacity: time value, as realised",
            "=value_per_task_minute*net_minutes_per_task*capacity_realised",
            "$/yr",
        ),
        ResultRow(
            "hours_saved",
            "Hours saved a year, as realised",
            "=users*tasks_per_day*net_minutes_per_task/60*workdays_per_year*capacity_realised",
            "hours",
        ),
        ResultRow(
            "fte_released",
            f"Full-time people those hours make ({HOURS_PER_FTE_DAY}-hour workdays)",
            f"=hours_saved/(workdays_per_year*{HOURS_PER_FTE_DAY})",
            "people",
        ),
        ResultRow(
            "protected_revenue_value",
            "Protected revenue, as realised",
            "=protected_revenue*protected_revenue_realised",
            "$/yr",
        ),
        ResultRow(
            "reduced_cost_value",
            "Reduced cost, as realised",
            "=reduced_cost*reduced_cost_realised",
            "$/yr",
        ),
        ResultRow(
            "mitigated_risk_value",
            "Mitigated risk: chance a year x loss x share prevented",
            "=risk_probability*risk_loss_avoided*risk_realised",
            "$/yr",
        ),
        ResultRow(
            "benefits",
            "Benefits a year at full adoption",
            "=time_value+incremental_revenue+protected_revenue_value+reduced_cost_value"
            "+mitigated_risk_value",
            "$/yr",
        ),
        ResultRow(
            "requests_per_year",
            "Model requests a year",
            "=users*tasks_per_day*requests_per_task*workdays_per_year",
            "requests",
        ),
        ResultRow(
            "cost_per_request",
            "Cost of one request: tokens at their prices, plus serving",
            "=(input_tokens_per_request*price_per_million_input_tokens"
            "+output_tokens_per_request*price_per_million_output_tokens)/1000000"
            "+serving_cost_per_1000_requests/1000",
            "$",
        ),
        ResultRow(
            "model_cost",
            "Model cost a year: fixed plus requests",
            "=model_cost_annual+requests_per_year*cost_per_request",
            "$/yr",
        ),
        ResultRow(
            "cost_per_1000_inferences",
            "Cost per 1,000 inferences",
            f'=IF(requests_per_year>0,model_cost/(requests_per_year/1000),"{NONE}")',
            "$",
        ),
        ResultRow(
            "running_costs",
            "Running costs",
            "=platform_cost_annual+model_cost+support_cost_annual",
            "$/yr",
        ),
        ResultRow(
            "annual_impact",
            "Annual impact",
            "=benefits-running_costs",
            "$/yr",
        ),
    ]


def _plan_and_cash_rows() -> list[ResultRow]:
    """The monthly figures, the plan's cost and length, and the one-time costs."""
    return [
        ResultRow("monthly_net_impact", "Monthly net impact", "=annual_impact/12", "$/month"),
        ResultRow(
            "plan_person_weeks", "Person-weeks of the plan (Plan sheet)", "=person_weeks", "weeks"
        ),
        ResultRow(
            "plan_build_cost",
            "The plan's build cost: labour plus hidden costs (Plan sheet)",
            "=plan_labour*(1+hidden_cost_share)",
            "$",
        ),
        ResultRow("go_live_weeks", "Production plan, likely length", "=plan_weeks", "weeks"),
        ResultRow("one_time_cost", "One-time costs", "=build_cost+change_cost", "$"),
        ResultRow(
            "monthly_benefit",
            "Monthly benefit at full adoption",
            "=benefits/12",
            "$/month",
        ),
        ResultRow("monthly_running", "Monthly running costs", "=running_costs/12", "$/month"),
        ResultRow("horizon", "Horizon (whole months)", "=ROUND(horizon_months,0)", "months"),
    ]


def _money_rows(months: int) -> list[ResultRow]:
    """Payback, NPV, IRR and the rest, over the Cash flow sheet's `months + 1` rows."""
    c = {letter: _column(letter, months) for letter in "ABCDEFGHIJKLMNOPQR"}
    tol = f"(1+{RELATIVE_TOLERANCE!r})"
    return [
        ResultRow(
            "payback_months",
            "Payback, simple (one-time costs / monthly net)",
            f'=IF(monthly_net_impact>0,one_time_cost/monthly_net_impact,"{NEVER}")',
            "months",
        ),
        ResultRow(
            "meets_payback_threshold",
            "Simple payback within the threshold",
            f"=IF(ISNUMBER(payback_months),payback_months<=payback_threshold_months*{tol},FALSE())",
            "",
        ),
        ResultRow(
            "in_ramp_crossing",
            "Cash crosses 0 during the ramp at (if it does)",
            "=IF(AND(adoption_months>0,monthly_benefit>0),adoption_months*(monthly_running"
            "+SQRT(monthly_running^2+2*monthly_benefit*one_time_cost/adoption_months))"
            "/monthly_benefit,0)",
            "months",
        ),
        ResultRow(
            "payback_months_cash_flow",
            "Payback on the cash flow (adoption ramp included)",
            f'=IF(monthly_net_impact<=0,"{NEVER}",MAX(0,IF(AND(adoption_months>0,'
            "in_ramp_crossing<=adoption_months),in_ramp_crossing,"
            "(one_time_cost+monthly_benefit*adoption_months/2)/monthly_net_impact)))",
            "months",
        ),
        ResultRow(
            "meets_payback_threshold_cash_flow",
            "Cash-flow payback within the threshold",
            "=IF(ISNUMBER(payback_months_cash_flow),"
            f"payback_months_cash_flow<=payback_threshold_months*{tol},FALSE())",
            "",
        ),
        ResultRow(
            "payback_month_with_ramp",
            "Month after go-live when cumulative cash turns non-negative",
            "=IF(ISNUMBER(payback_months_cash_flow),"
            f'ROUNDUP(MAX(payback_months_cash_flow-1E-9,0),0),"{NEVER}")',
            "month",
        ),
        ResultRow(
            "npv",
            "NPV at go-live over the horizon of operation",
            f"=SUMPRODUCT({c['E']},{c['G']})",
            "$",
        ),
        ResultRow(
            "go_live_months", "Go-live, months after the decision", "=plan_weeks*12/52", "months"
        ),
        ResultRow(
            "npv_at_decision",
            "NPV at the decision over the horizon from the decision",
            f"=-one_time_cost+SUMPRODUCT({c['I']},{c['K']},{c['L']})",
            "$",
        ),
        ResultRow(
            "npv_one_week_later",
            "NPV at the decision with go-live a week later",
            f"=-one_time_cost+SUMPRODUCT({c['I']},{c['M']},{c['N']})",
            "$",
        ),
        ResultRow(
            "cost_of_delay_per_week",
            "Cost of delay (NPV lost per week of slip)",
            "=npv_at_decision-npv_one_week_later",
            "$/week",
        ),
        ResultRow(
            "irr",
            "IRR (annual) of the cash as of the decision",
            f'=IF(OR(COUNTIF({c["O"]},"<0")=0,COUNTIF({c["O"]},">0")=0,'
            f'IRR!$E${_FIRST_ROW}*IRR!$F${_FIRST_ROW}>0),"{NONE}",'
            f"EXP(12*(IRR!$B${_FIRST_ROW + IRR_STEPS}+IRR!$C${_FIRST_ROW + IRR_STEPS})/2)-1)",
            "per year",
        ),
        ResultRow(
            "discounted_before",
            "Last row where the discounted cumulative cash is short of zero (0: none)",
            f"=MAX({c['R']})",
            "row",
        ),
        ResultRow(
            "discounted_payback_months",
            "Discounted payback, months from the decision",
            f'=IF(OR(monthly_net_impact<=0,discounted_before>{months}),"{NONE}",'
            "IF(discounted_before=0,0,"
            f"INDEX({c['J']},discounted_before)+(INDEX({c['J']},discounted_before+1)"
            f"-INDEX({c['J']},discounted_before))*(-INDEX({c['Q']},discounted_before))"
            f"/(INDEX({c['Q']},discounted_before+1)-INDEX({c['Q']},discounted_before))))",
            "months",
        ),
        ResultRow(
            "roi_pct",
            "ROI over the horizon",
            "=IF(monthly_running*horizon+one_time_cost>0,"
            f"(monthly_benefit*{_adopted('horizon')}-monthly_running*horizon"
            "-one_time_cost)/(monthly_running*horizon+one_time_cost)*100,"
            f'IF(monthly_benefit*{_adopted("horizon")}>0,"inf",0))',
            "%",
        ),
        ResultRow(
            "rows_cover_horizon",
            "The Cash flow rows reach the horizon",
            f"=horizon<={months}",
            "",
        ),
    ]


def _adopted(t: str) -> str:
    """Months of full benefit delivered by month t under the linear ramp (an Excel term)."""
    return (
        f"IF(adoption_months=0,{t},IF({t}<=adoption_months,{t}^2/(2*adoption_months),"
        f"{t}-adoption_months/2))"
    )


def _break_even_rows(basis: str) -> list[ResultRow]:
    """The closed forms of `roi.breakeven.break_even_values` on the decision's payback
    basis: the benefit a month needed by the threshold, then each input's break-even."""
    ramp = "adoption_months" if basis == "cash_flow" else "0"
    rows = [
        ResultRow(
            "basis_ramp",
            "Adoption ramp the decision's payback counts (0 on the simple basis)",
            f"={ramp}",
            "months",
        ),
        ResultRow(
            "months_of_benefit_by_threshold",
            "Months of full benefit delivered by the payback threshold",
            "=IF(payback_threshold_months>=basis_ramp,payback_threshold_months-basis_ramp/2,"
            "payback_threshold_months^2/(2*basis_ramp))",
            "months",
        ),
        ResultRow(
            "owed_by_threshold",
            "One-time costs plus running costs up to the threshold",
            "=one_time_cost+monthly_running*payback_threshold_months",
            "$",
        ),
        ResultRow(
            "benefit_needed",
            "Monthly benefit at which payback equals the threshold",
            "=owed_by_threshold/months_of_benefit_by_threshold",
            "$/month",
        ),
        ResultRow(
            "cash_at_threshold",
            "Cumulative cash at the threshold (0 at every break-even)",
            "=monthly_benefit*months_of_benefit_by_threshold-owed_by_threshold",
            "$",
        ),
    ]
    return rows + [_break_even_row(name, basis) for name in NUMERIC_FIELDS if name in DIRECTION]


_SLOPES: dict[str, tuple[str, str]] = {
    # How much a year's benefit and running costs move per unit of each input (d/dx).
    "users": (
        "tasks_per_day/60*hourly_rate*workdays_per_year*net_minutes_per_task*capacity_realised",
        "tasks_per_day*requests_per_task*workdays_per_year*cost_per_request",
    ),
    "tasks_per_day": (
        "users/60*hourly_rate*workdays_per_year*net_minutes_per_task*capacity_realised",
        "users*requests_per_task*workdays_per_year*cost_per_request",
    ),
    "minutes_saved_per_task": ("value_per_task_minute*(1-fallback_rate)*capacity_realised", "0"),
    "hourly_rate": (
        "users*tasks_per_day/60*workdays_per_year*net_minutes_per_task*capacity_realised",
        "0",
    ),
    "workdays_per_year": (
        "users*tasks_per_day/60*hourly_rate*net_minutes_per_task*capacity_realised",
        "users*tasks_per_day*requests_per_task*cost_per_request",
    ),
    "fallback_rate": (
        "-value_per_task_minute*(minutes_saved_per_task+review_minutes_per_fallback)"
        "*capacity_realised",
        "0",
    ),
    "review_minutes_per_fallback": (
        "-value_per_task_minute*fallback_rate*capacity_realised",
        "0",
    ),
    "capacity_realised": ("value_per_task_minute*net_minutes_per_task", "0"),
    "incremental_revenue": ("1", "0"),
    "protected_revenue": ("protected_revenue_realised", "0"),
    "protected_revenue_realised": ("protected_revenue", "0"),
    "reduced_cost": ("reduced_cost_realised", "0"),
    "reduced_cost_realised": ("reduced_cost", "0"),
    "risk_probability": ("risk_loss_avoided*risk_realised", "0"),
    "risk_loss_avoided": ("risk_probability*risk_realised", "0"),
    "risk_realised": ("risk_probability*risk_loss_avoided", "0"),
    "platform_cost_annual": ("0", "1"),
    "model_cost_annual": ("0", "1"),
    "support_cost_annual": ("0", "1"),
    "requests_per_task": ("0", "users*tasks_per_day*workdays_per_year*cost_per_request"),
    "input_tokens_per_request": ("0", "requests_per_year*price_per_million_input_tokens/1000000"),
    "output_tokens_per_request": (
        "0",
        "requests_per_year*price_per_million_output_tokens/1000000",
    ),
    "price_per_million_input_tokens": ("0", "requests_per_year*input_tokens_per_request/1000000"),
    "price_per_million_output_tokens": (
        "0",
        "requests_per_year*output_tokens_per_request/1000000",
    ),
    "serving_cost_per_1000_requests": ("0", "requests_per_year/1000"),
}
"""d(benefit a year)/dx and d(running costs a year)/dx of each input the impact is
affine in, as Excel terms: its break-even is x - (cash at the threshold) / slope."""


def _break_even_row(name: str, basis: str) -> ResultRow:
    """The break-even of one input as `roi.breakeven.break_even_values` finds it."""
    t = "payback_threshold_months"
    earned = "monthly_benefit*months_of_benefit_by_threshold"
    if name in _SLOPES:
        benefit, running = _SLOPES[name]
        slope = f"(({benefit})*months_of_benefit_by_threshold-({running})*{t})/12"
        right_way = f"{slope}>0" if DIRECTION[name] == "at least" else f"{slope}<0"
        body = f"IF({right_way},{name}-cash_at_threshold/({slope}),-1)"
        if name == "minutes_saved_per_task":  # nothing served: no break-even
            body = f"IF(1-fallback_rate>{RELATIVE_TOLERANCE!r},{body},-1)"
    elif name in ONE_TIME_FIELDS:
        other = "change_cost" if name == "build_cost" else "build_cost"
        body = f"IF(annual_impact>0,{earned}-monthly_running*{t}-{other},-1)"
    elif name == "adoption_months":
        body = (
            f"IF(AND(monthly_benefit>0,owed_by_threshold<monthly_benefit*{t}),"
            f"IF(owed_by_threshold>=monthly_benefit*{t}/2,"
            f"2*({t}-owed_by_threshold/monthly_benefit),"
            f"monthly_benefit*{t}^2/(2*owed_by_threshold)),-1)"
        )
        if basis != "cash_flow":
            body = "-1"
    else:  # payback_threshold_months: the decision's payback itself
        payback = "payback_months_cash_flow" if basis == "cash_flow" else "payback_months"
        body = f"IF(ISNUMBER({payback}),{payback},-1)"
    guard = "one_time_cost>0" if name != "payback_threshold_months" else "TRUE()"
    formula = f'=IF({guard},IF({body}>=0,{body},"{NONE}"),"{NONE}")'
    spec = FIELD_SPECS[name]
    return ResultRow(f"break_even_{name}", f"Break-even: {spec.label}", formula, spec.unit)


def _cash_flow_rows(months: int) -> list[list[str | int]]:
    """The Cash flow sheet: month m in row m + 2, formulas in every other column."""
    out: list[list[str | int]] = []
    for m in range(months + 1):
        r = _FIRST_ROW + m
        share = "0" if m == 0 else f"{_adopted(f'A{r}')}-{_adopted(f'(A{r}-1)')}"
        out.append(
            [
                m,
                f"={share}",  # B adoption share of the month
                f"=IF(A{r}=0,0,monthly_benefit*B{r})",  # C benefit
                f"=IF(A{r}=0,0,monthly_running)",  # D running cost
                f"=IF(A{r}=0,-one_time_cost,IF(A{r}<=horizon,C{r}-D{r},0))",  # E net
                f"=SUM(E${_FIRST_ROW}:E{r})",  # F cumulative
                f"=(1+discount_rate)^(-A{r}/12)",  # G discount factor at go-live
                f"=E{r}*G{r}",  # H discounted
                f"=IF(A{r}=0,0,C{r}-D{r})",  # I operating month's net, uncut
                f"=IF(A{r}=0,0,go_live_months+A{r})",  # J months from the decision
                f"=IF(A{r}=0,0,MIN(1,MAX(0,MAX(horizon-go_live_months,0)-(A{r}-1))))",  # K
                f"=(1+discount_rate)^(-(go_live_months+A{r})/12)",  # L
                f"=IF(A{r}=0,0,MIN(1,MAX(0,MAX(horizon-go_live_months-12/52,0)-(A{r}-1))))",
                f"=(1+discount_rate)^(-(go_live_months+12/52+A{r})/12)",  # N
                f"=IF(A{r}=0,-one_time_cost,I{r}*K{r})",  # O cash as of the decision
                f"=O{r}*(1+discount_rate)^(-J{r}/12)",  # P discounted at the decision
                f"=SUM(P${_FIRST_ROW}:P{r})",  # Q cumulative discounted
                f"=IF(Q{r}<{-CENT / 2!r},A{r}+1,0)",  # R its row in the range, if short
            ]
        )
    return out


CASH_FLOW_HEADERS = (
    "Month after go-live",
    "Adoption share of the month",
    "Benefit",
    "Running cost",
    "Net cash (to the horizon)",
    "Cumulative cash",
    "Discount factor at go-live",
    "Discounted net",
    "Operating net (uncut)",
    "Months from the decision",
    "Share inside the horizon",
    "Discount factor at the decision",
    "Share inside the horizon, a week later",
    "Discount factor, a week later",
    "Cash as of the decision",
    "Discounted at the decision",
    "Cumulative discounted",
    "Short of zero: row in the range",
)

IRR_STEPS = 64
"""Bisection steps of the IRR sheet (the bracket shrinks below 1e-15 in about 50)."""

IRR_HEADERS = (
    "Step",
    "Low (log of 1 + monthly rate)",
    "High",
    "Middle",
    "Present value at low",
    "Present value at high",
    "Present value at the middle",
)


def _irr_rows(months: int) -> list[list[str | int]]:
    """The IRR sheet: bisection on g = ln(1 + monthly rate) of the present value
    sum(cash * EXP(-g * months from the decision)), as `roi.payback.irr_annual` does.
    The cash starts with the cost and turns positive once, so the present value falls as
    g rises and the root is unique. (Excel's IRR() needs evenly spaced flows; these fall
    at D + k months with D fractional.)"""
    cash, times = _column("O", months), _column("J", months)

    def value(cell: str) -> str:
        return f"SUMPRODUCT({cash},EXP(-{cell}*{times}))"

    rows: list[list[str | int]] = []
    for step in range(IRR_STEPS + 1):
        r = _FIRST_ROW + step
        if step == 0:
            low, high = "=LN(1-0.999)/12", f"=LN(1+{IRR_MAX_ANNUAL:g})/12"
        else:
            p = r - 1  # the step before: keep the half whose ends differ in sign
            low = f"=IF((G{p}>0)=(E{p}>0),D{p},B{p})"
            high = f"=IF((G{p}>0)=(E{p}>0),C{p},D{p})"
        rows.append(
            [
                step,
                low,
                high,
                f"=(B{r}+C{r})/2",
                f"={value(f'B{r}')}",
                f"={value(f'C{r}')}",
                f"={value(f'D{r}')}",
            ]
        )
    return rows


def workbook_bytes(assessment: Assessment) -> bytes:
    """The assessment's scenario at its likely values as an .xlsx whose results are live
    formulas (the Monte Carlo and the decision are the memo's; the workbook is the model)."""
    from openpyxl import Workbook
    from openpyxl.workbook.defined_name import DefinedName

    results = assessment.results
    scenario = results.scenario
    values = scenario.point_values()
    months = max(CASH_FLOW_MONTHS, round(values["horizon_months"]))
    book = Workbook()
    inputs = book.active
    inputs.title = "Inputs"
    inputs.append(["Field", "Label", "Value", "Unit", "Source note"])
    names: list[tuple[str, str]] = []
    for row, name in enumerate(NUMERIC_FIELDS, start=_FIRST_ROW):
        spec = FIELD_SPECS[name]
        note = xlsx_text(scenario.notes.get(name, ""))
        inputs.append([name, spec.label, values[name], spec.unit, note])
        names.append((name, f"Inputs!$C${row}"))
    inputs.append([])
    inputs.append(["Scenario", xlsx_text(scenario.name)])
    inputs.append(["Made by", f"roi {__version__}: change any value in column C"])
    if scenario.build_cost_from_plan:
        inputs.cell(
            _FIRST_ROW + NUMERIC_FIELDS.index("build_cost"), 5
        ).value = "build_cost: plan (the Plan sheet's cost, with its hidden costs)"
    _as_text(inputs)
    if scenario.build_cost_from_plan:  # a formula, set once the sheet's text is text
        inputs.cell(_FIRST_ROW + NUMERIC_FIELDS.index("build_cost"), 3).value = "=plan_build_cost"

    names += _plan_sheet(book.create_sheet("Plan"), scenario)

    flows = book.create_sheet("Cash flow")
    flows.append(list(CASH_FLOW_HEADERS))
    for line in _cash_flow_rows(months):
        flows.append(line)

    solver = book.create_sheet("IRR")
    solver.append(list(IRR_HEADERS))
    for line in _irr_rows(months):
        solver.append(line)

    sheet = book.create_sheet("Results")
    sheet.append(["Result", "Label", "Value", "Unit"])
    for row, item in enumerate(result_rows(months, scenario.payback_basis), start=_FIRST_ROW):
        sheet.append([item.key, item.label, item.formula, item.unit])
        names.append((item.key, f"Results!$C${row}"))
    for name, ref in names:
        book.defined_names[name] = DefinedName(name, attr_text=ref)
    plan = book["Plan"]
    for ws, widths in (
        (inputs, (28, 34, 14, 10, 60)),
        (sheet, (34, 58, 16, 10)),
        (plan, (28, 44, 14, 12, 12, 10, 10, 8, 12, 14)),
    ):
        for letter, width in zip("ABCDE", widths, strict=False):
            ws.column_dimensions[letter].width = width
        for row in ws.iter_rows(min_row=_FIRST_ROW, min_col=3, max_col=4):
            row[0].number_format = NUMBER_FORMATS.get(str(row[1].value), "General")
    for ws in book.worksheets:
        _header(ws)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


PLAN_HEADERS = (
    "Phase",
    "Name",
    "Likely weeks",
    "Added by open items",
    "Weeks",
    "Start",
    "Finish",
    "People",
    "Cost a week",
    "Cost",
)


def _plan_sheet(sheet: Any, scenario: Any) -> list[tuple[str, str]]:
    """The production plan as formulas: each phase's likely weeks plus what the priced
    items answered open add (flip an item's 1 to 0 to close it), the schedule through
    roi's phase graph (start = the latest finish of what a phase follows), the
    governance checkpoints in the build or at the end, the plan's length, and its cost
    (weeks x the people's weekly rates, plus the hidden-cost share). Returns the defined
    names it adds."""
    from roi.gates import load_checklists
    from roi.timeline import (
        CHECKPOINTS,
        CONFIG,
        DAYS_PER_WEEK,
        GOVERNANCE,
        PHASES,
        phase_people,
        phase_points,
    )

    phases = list(PHASES)
    first = _FIRST_ROW
    row_of = {phase.id: first + i for i, phase in enumerate(phases)}
    last_phase = first + len(phases) - 1
    gov_row, end_row = last_phase + 1, last_phase + 2
    row_of[GOVERNANCE] = gov_row
    # The blocks below the schedule: named values, rate card, checkpoints, priced items.
    values_row = end_row + 2
    value_names = (
        "governance_mode",
        "governance_weeks",
        "end_review_weeks",
        PLAN_WEEKS,
        "person_weeks",
        "plan_labour",
        "hidden_cost_share",
    )
    value_at = {name: values_row + 1 + i for i, name in enumerate(value_names)}
    rates = scenario.rates()
    rates_row = values_row + len(value_names) + 2
    rate_at = {role: rates_row + 1 + i for i, role in enumerate(rates)}
    checkpoints_row = rates_row + len(rates) + 2
    days = f"$C${checkpoints_row + 1}:$C${checkpoints_row + len(CHECKPOINTS)}"
    priced = [
        item
        for checklist in load_checklists(scenario.checklists).checklists
        for item in checklist.items
        if item.price is not None
    ]
    items_row = checkpoints_row + len(CHECKPOINTS) + 2
    span = max(len(priced), 1)
    item_phase = f"$C${items_row + 1}:$C${items_row + span}"
    item_open = f"$D${items_row + 1}:$D${items_row + span}"
    item_weeks = f"$E${items_row + 1}:$E${items_row + span}"

    base = phase_points(scenario.phase_weeks, scenario.plan_profile)
    cells: dict[tuple[int, int], Any] = {}

    def put(row: int, values: Sequence[Any]) -> None:
        for column, value in enumerate(values, start=1):
            cells[(row, column)] = value

    put(1, PLAN_HEADERS)
    for phase in phases:
        r = row_of[phase.id]
        people = phase_people(phase.roles)
        deps = [f"$G${row_of[d]}" for d in phase.after]
        week_cost = "+".join(f"$B${rate_at[role]}" for role in people) or "0"
        put(
            r,
            [
                phase.id,
                phase.name,
                base[phase.id][1],
                f'=SUMPRODUCT(({item_phase}="{phase.id}")*{item_open}*{item_weeks})',
                f"=C{r}+D{r}",
                f"=MAX(0,{','.join(deps)})" if deps else 0,
                f"=F{r}+E{r}",
                len(people),
                f"={week_cost}",
                f"=E{r}*I{r}",
            ],
        )
    after = f"$G${row_of[CONFIG.checkpoints_after]}"
    phase_finishes = f"$G${first}:$G${last_phase}"
    put(
        gov_row,
        [
            GOVERNANCE,
            "Governance checkpoints, alongside the build",
            '=IF(governance_mode="end",0,governance_weeks)',
            0,
            f"=C{gov_row}+D{gov_row}",
            f"={after}",
            f"=F{gov_row}+E{gov_row}",
        ],
    )
    put(
        end_row,
        [
            "governance_at_end",
            "Checkpoints and the compliance review, left to the end",
            '=IF(governance_mode="end",governance_weeks,0)',
            '=IF(governance_mode="end",end_review_weeks,0)',
            f"=C{end_row}+D{end_row}",
            f'=IF(governance_mode="end",MAX({phase_finishes}),0)',
            f"=F{end_row}+E{end_row}",
        ],
    )
    phase_weeks = f"$E${first}:$E${last_phase}"
    put(values_row, ["Value", "What it is", "Value"])
    value_rows = {
        "governance_mode": ("Governance: parallel, sequential or end", scenario.governance),
        "governance_weeks": (
            "Checkpoints' weeks: the longest (parallel) or all in a row",
            f'=IF(governance_mode="parallel",MAX({days}),SUM({days}))/{DAYS_PER_WEEK}',
        ),
        "end_review_weeks": (
            "Compliance review held only at the end, likely weeks",
            CONFIG.end_review[1],
        ),
        PLAN_WEEKS: ("Production plan, likely length in weeks", f"=MAX($G${first}:$G${end_row})"),
        "person_weeks": (
            "Person-weeks of the plan: weeks x people",
            f"=SUMPRODUCT({phase_weeks},$H${first}:$H${last_phase})",
        ),
        "plan_labour": ("Labour: weeks x cost a week", f"=SUM($J${first}:$J${last_phase})"),
        "hidden_cost_share": (
            "Hidden costs (meetings, context switching, split people), share of labour",
            scenario.hidden_share(),
        ),
    }
    for name, (label, value) in value_rows.items():
        put(value_at[name], [name, label, value])
    put(rates_row, ["Role", "Loaded weekly rate ($)"])
    for role, rate in rates.items():
        put(rate_at[role], [role, rate])
    put(checkpoints_row, ["Checkpoint", "Name", "Likely days"])
    for i, checkpoint in enumerate(CHECKPOINTS, start=1):
        put(checkpoints_row + i, [checkpoint.id, checkpoint.name, checkpoint.likely])
    put(items_row, ["Priced item", "What done means", "Phase", "Open (1/0)", "Likely weeks"])
    for i, item in enumerate(priced, start=1):
        assert item.price is not None
        answer = scenario.readiness.get(item.id)
        is_open = answer is not None and answer.status == "open"
        put(
            items_row + i,
            [item.id, item.text, item.price.phase, int(is_open), item.price.three_point[1]],
        )
    for (row, column), value in sorted(cells.items()):
        cell = sheet.cell(row, column)
        cell.value = (
            xlsx_text(value) if isinstance(value, str) and not value.startswith("=") else value
        )
        if isinstance(value, str) and not value.startswith("="):
            cell.data_type = "s"
    return [(name, f"Plan!$C${row}") for name, row in value_at.items()]


NUMBER_FORMATS = {
    "share": "0.00%",
    "$": "#,##0.00",
    "$/yr": "#,##0.00",
    "$/month": "#,##0.00",
    "$/week": "#,##0.00",
    "$/h": "#,##0.00",
    "months": "0.00",
    "per year": "0.00%",
    "%": "0.00",
    "people": "#,##0.00",
    "tasks": "0.00",
    "min": "0.00",
    "days": "0.00",
}
"""Excel number formats by unit (the value keeps full precision; only the display rounds)."""


def print_setup(sheet: Any, keys: Sequence[str], title: str) -> None:
    """Printed, a sheet is one page wide (landscape), its header row and its columns up
    to the initiative's name repeat on every page, and each page says what it is."""
    from openpyxl.utils import get_column_letter

    sheet.page_setup.orientation = "landscape"
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0  # as many pages tall as the rows need
    sheet.print_title_rows = "1:1"
    if "name" in keys:
        sheet.print_title_cols = f"A:{get_column_letter(list(keys).index('name') + 1)}"
    sheet.oddHeader.center.text = title.replace("&", "&&")
    sheet.oddFooter.center.text = "Page &P of &N"


def _header(sheet) -> None:
    """Bold, frozen header row with a filter; printed one page wide, the header row and
    the first column (each row's name) on every page."""
    from openpyxl.styles import Font

    for cell in sheet[1]:
        cell.font = Font(bold=True)
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = sheet.dimensions
    print_setup(sheet, [], f"roi model: {sheet.title}")
    sheet.print_title_cols = "A:A"


def _as_text(sheet) -> None:
    """Every string cell of `sheet` stays text: openpyxl would store a scenario named
    `=HYPERLINK(...)` as a formula, and no cell may hold a control character."""
    for row in sheet.iter_rows():
        for cell in row:
            if isinstance(cell.value, str):
                cell.value = xlsx_text(cell.value)
                cell.data_type = "s"


def result_keys() -> Sequence[str]:
    """The Results sheet's names that are also keys of `Results.to_dict()`."""
    own = {"time_value", "running_costs", "annual_impact", "monthly_net_impact"}
    own |= {"one_time_cost", "payback_months", "meets_payback_threshold"}
    own |= {"payback_months_cash_flow", "meets_payback_threshold_cash_flow"}
    own |= {"payback_month_with_ramp", "npv", "npv_at_decision", "cost_of_delay_per_week"}
    own |= {"irr", "discounted_payback_months", "roi_pct"}
    own |= {"model_cost", "requests_per_year", "cost_per_1000_inferences"}
    own |= {"hours_saved", "fte_released", "plan_build_cost", "plan_person_weeks"}
    return sorted(own)
