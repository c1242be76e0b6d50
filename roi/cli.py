"""The `roi` command: parses arguments and calls the package; no logic of its own."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence

from roi import __version__
from roi.evaluate import Results, evaluate
from roi.exceptions import RoiError
from roi.files import load_scenarios
from roi.formatting import money, months, percent, weeks

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_BAD_INPUT = 2


def summary_text(results: Results) -> str:
    """A short, readable summary of one scenario's results."""
    s = results.scenario
    t = results.timeline
    threshold = s.value("payback_threshold_months")
    verdict = "met" if results.meets_payback_threshold else "missed"
    ramp = (
        f"month {results.payback_month_with_ramp} after go-live"
        if results.payback_month_with_ramp is not None
        else "never"
    )
    lines = [
        s.name,
        f"  Annual impact        {money(results.annual_impact)}"
        f"  (time value {money(results.time_value)} + revenue "
        f"{money(results.incremental_revenue)} - running costs {money(results.running_costs)})",
        f"  Monthly net impact   {money(results.monthly_net_impact, 2)}",
        f"  One-time costs       {money(results.one_time_cost)}",
        f"  Payback              {months(results.payback_months)}"
        f"  (threshold {threshold:g} months: {verdict})",
        f"  Payback with ramp    {ramp}",
        f"  NPV                  {money(results.npv)}"
        f"  ({s.value('horizon_months'):g} months at {s.value('discount_rate'):.0%} a year)",
        f"  ROI over horizon     {percent(results.roi_pct)}",
        f"  Production timeline  {t.min_weeks:g}-{t.max_weeks:g} weeks, likely "
        f"{weeks(t.likely_weeks)} ({t.governance} governance checkpoints)",
        f"  Time to value        {months(results.time_to_value_months)} from the decision",
    ]
    if results.go_live_date:
        lines.append(f"  Go-live              {results.go_live_date.isoformat()}")
    lines.extend(f"  Warning: {warning}" for warning in t.warnings)
    return "\n".join(lines)


def _run(args: argparse.Namespace) -> int:
    scenarios = load_scenarios(args.file)
    for index, scenario in enumerate(scenarios):
        results = evaluate(scenario)
        if args.json:
            print(json.dumps(results.to_dict(), ensure_ascii=False, allow_nan=False))
        else:
            if index:
                print()
            print(summary_text(results))
    return EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="roi",
        description="Carry AI proofs of concept into production, or kill them early, with numbers.",
    )
    parser.add_argument("--version", action="version", version=f"roi {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    run = commands.add_parser(
        "run",
        help="evaluate the scenario(s) in a file",
        description="Evaluate every scenario in a YAML, JSON, CSV or "
        "XLSX file and print a summary (or JSON, one object per line).",
    )
    run.add_argument("file", help="scenario file (.yaml, .yml, .json, .csv, .xlsx)")
    run.add_argument(
        "--json",
        action="store_true",
        help="print one JSON object per scenario, one per line, and nothing else",
    )
    run.set_defaults(handler=_run)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `roi` console script; returns the exit code."""
    args = build_parser().parse_args(argv)
    try:
        return args.handler(args)
    except RoiError as error:
        print(f"roi: {error}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except BrokenPipeError:
        return EXIT_FAILED


if __name__ == "__main__":
    sys.exit(main())
