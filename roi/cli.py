"""The `roi` command: parses arguments and calls the package; no logic of its own."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from typing import Any

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


MONTE_CARLO_JSON_KEYS = (
    "annual_impact_p10",
    "annual_impact_p50",
    "annual_impact_p90",
    "payback_months_p10",
    "payback_months_p50",
    "payback_months_p90",
    "prob_meets_threshold",
)
"""Keys `roi run --json` adds for a scenario with ranges (payback is null where never)."""


def monte_carlo_text(simulation: Any) -> str:
    """Two readable lines about a Monte Carlo run (roi.uncertainty.Simulation)."""
    s = simulation.summary()
    threshold = simulation.scenario.value("payback_threshold_months")
    impact = " / ".join(money(s[f"annual_impact_p{q}"]) for q in (10, 50, 90))
    payback = " / ".join(
        "never" if s[f"payback_months_p{q}"] is None else f"{s[f'payback_months_p{q}']:.1f}"
        for q in (10, 50, 90)
    )
    return "\n".join(
        [
            f"  Monte Carlo          {s['samples']:,} samples (seed {s['seed']}): payback within "
            f"{threshold:g} months in {s['prob_meets_threshold']:.1%}, never in "
            f"{s['prob_never_pays_back']:.1%}",
            f"  P10 / P50 / P90      annual impact {impact}; payback {payback} months",
        ]
    )


def _run(args: argparse.Namespace) -> int:
    scenarios = load_scenarios(args.file)
    for index, scenario in enumerate(scenarios):
        results = evaluate(scenario)
        simulation = None
        if scenario.is_uncertain:
            from roi.uncertainty import simulate

            simulation = simulate(scenario, samples=args.samples, seed=args.seed)
        if args.json:
            data = results.to_dict()
            if simulation is not None:
                summary = simulation.summary()
                data.update({key: summary[key] for key in MONTE_CARLO_JSON_KEYS})
            print(json.dumps(data, ensure_ascii=False, allow_nan=False))
        else:
            if index:
                print()
            print(summary_text(results))
            if simulation is not None:
                print(monte_carlo_text(simulation))
    return EXIT_OK


def _whole_number(minimum: int):
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            value = None
        if value is None or value < minimum:
            raise argparse.ArgumentTypeError(f"must be a whole number >= {minimum}: got {text!r}")
        return value

    return parse


def _memo(args: argparse.Namespace) -> int:
    from roi.decision import DecisionRule
    from roi.memo import MemoError, safe_stem, write_memos

    formats = list(dict.fromkeys(args.format or ["html"]))
    html_template = md_template = None
    if args.template:
        name = args.template.lower()
        if name.endswith((".md.j2", ".md")):
            md_template = args.template
        elif name.endswith((".html.j2", ".html", ".htm")):
            html_template = args.template
        else:
            raise MemoError(
                f"--template {args.template!r}: name it *.html.j2 (HTML and PDF) "
                "or *.md.j2 (Markdown) so roi knows which format it is for"
            )
        wanted = ("md",) if md_template else ("html", "pdf")
        if not set(formats) & set(wanted):
            raise MemoError(
                f"--template {args.template!r} is for {' or '.join(wanted)}, "
                f"but the formats asked for are {', '.join(formats)}"
            )
    scenarios = load_scenarios(args.file)
    rule = DecisionRule(confidence=args.confidence)
    used: set[str] = set()
    for scenario in scenarios:
        stem = base = safe_stem(scenario.name)
        count = 1
        while stem in used:  # two scenarios with one name must not overwrite each other
            count += 1
            stem = f"{base}-{count}"
        used.add(stem)
        paths = write_memos(
            scenario,
            args.out,
            formats=formats,
            samples=args.samples,
            seed=args.seed,
            paper=args.paper,
            rule=rule,
            date=args.date,
            template=html_template,
            md_template=md_template,
            md_images=args.md_images,
            stem=stem,
        )
        for path in paths:
            print(path)
    return EXIT_OK


def _batch(args: argparse.Namespace) -> int:
    from pathlib import Path

    from roi.batch import DEFAULT_NOTEBOOK, BatchOptions, default_out_dir, report_text, run_batch

    options = BatchOptions(
        out_dir=Path(args.out) if args.out else default_out_dir(args.scenarios),
        notebook=None if args.no_notebooks else Path(args.notebook or DEFAULT_NOTEBOOK),
        formats=tuple(f for f in args.formats.lower().replace(" ", "").split(",") if f),
        samples=args.samples,
        seed=args.seed,
        workers=args.workers,
        dask_address=args.dask,
        timeout=args.timeout,
        progress=not args.quiet,
    )
    try:
        report = run_batch(args.scenarios, options)
    except KeyboardInterrupt:
        print(
            "roi batch: interrupted; finished scenarios are kept, run the same command "
            "again to finish the rest",
            file=sys.stderr,
        )
        return 130
    print(report_text(report), file=sys.stderr)
    return report.exit_code


def _app(args: argparse.Namespace) -> int:
    import os

    from roi.app import WORKBOOK_NOTEBOOK, voila_command

    argv, env = voila_command(
        args.notebook or WORKBOOK_NOTEBOOK,
        port=args.port,
        ip=args.ip,
        token=args.token,
        preheat=args.preheat,
        cull_idle_seconds=args.cull_idle,
    )
    print(f"roi: serving on http://{args.ip}:{args.port}/ (Ctrl-C stops)", file=sys.stderr)
    os.execvpe(argv[0], argv, env)  # Voila takes over this process; nothing to clean up
    return EXIT_FAILED  # pragma: no cover - exec does not return


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
    run.add_argument(
        "--samples",
        type=_whole_number(1),
        default=20_000,
        help="Monte Carlo samples for a scenario with ranges (default: 20000)",
    )
    run.add_argument(
        "--seed", type=_whole_number(0), default=0, help="Monte Carlo random seed (default: 0)"
    )
    run.set_defaults(handler=_run)
    memo = commands.add_parser(
        "memo",
        help="write the decision memo of the scenario(s) in a file",
        description="Write one decision memo per scenario and format (HTML, Markdown, PDF) "
        "to a folder: decision, headline numbers with P10-P90 ranges, charts, assumptions, "
        "break-even, readiness, risks, next gate and kill criteria. Exit status as for run.",
    )
    memo.add_argument("file", help="scenario file (.yaml, .yml, .json, .csv, .xlsx)")
    memo.add_argument(
        "--format",
        action="append",
        choices=("html", "md", "pdf"),
        help="html, md or pdf; repeat for several (default: html)",
    )
    memo.add_argument("-o", "--out", default="outputs", help="output folder (default: outputs)")
    memo.add_argument(
        "--samples", type=int, default=20_000, help="Monte Carlo samples (default: 20000)"
    )
    memo.add_argument("--seed", type=int, default=0, help="random seed (default: 0)")
    memo.add_argument(
        "--template", help="your own Jinja2 template: *.html.j2 (HTML, PDF) or *.md.j2 (Markdown)"
    )
    memo.add_argument(
        "--paper", choices=("A4", "Letter"), default="A4", help="PDF paper size (default: A4)"
    )
    memo.add_argument(
        "--date",
        help="date shown in the memo, YYYY-MM-DD (default: "
        "SOURCE_DATE_EPOCH or today), so a rerun can reproduce a memo exactly",
    )
    memo.add_argument(
        "--md-images",
        choices=("embed", "files", "none"),
        default="embed",
        help="Markdown charts: embed as SVG data, write SVG files next to the "
        "memo (for code hosts), or none (default: embed)",
    )
    memo.add_argument(
        "--confidence",
        type=float,
        default=0.70,
        help="least probability of meeting the payback threshold for a Go (default: 0.70)",
    )
    memo.set_defaults(handler=_memo)
    batch = commands.add_parser(
        "batch",
        help="run many scenarios: notebook, memos and a row each, plus a portfolio report",
        description="Validate every scenario in SCENARIOS (a CSV/XLSX/YAML/JSON file or a "
        "folder of them), run the valid ones in parallel and write summary.csv/.xlsx, "
        "portfolio.html, failures.csv and manifest.json. A rerun skips unchanged, finished "
        "scenarios. Exit status: 0 all ran, 1 some failed, 2 invalid input.",
    )
    batch.add_argument("scenarios", help="scenario file or folder of scenario files")
    batch.add_argument("--out", help="output folder (default: outputs/<input name>-batch)")
    batch.add_argument(
        "--notebook", help="notebook to execute per scenario (default: notebooks/workbook.ipynb)"
    )
    batch.add_argument("--workers", type=int, default=1, help="parallel worker processes")
    batch.add_argument(
        "--no-notebooks",
        action="store_true",
        help="memos and summary straight from roi, no kernels (fast)",
    )
    batch.add_argument(
        "--formats",
        default="html",
        help="memo formats, comma-separated: html, md, pdf, or none (default: html)",
    )
    batch.add_argument(
        "--dask", metavar="ADDRESS", help="run on an existing Dask cluster (scheduler address)"
    )
    batch.add_argument(
        "--samples",
        type=int,
        default=None,
        help="Monte Carlo samples per scenario (default: roi's default)",
    )
    batch.add_argument("--seed", type=int, default=0, help="random seed (default: 0)")
    batch.add_argument(
        "--timeout",
        type=float,
        default=300.0,
        help="seconds a notebook cell may run before it fails (default: 300)",
    )
    batch.add_argument("--quiet", action="store_true", help="no progress bar")
    batch.set_defaults(handler=_batch)
    app = commands.add_parser(
        "app",
        help="serve the workbook as a web app (Voila)",
        description="Serve notebooks/workbook.ipynb (or another notebook, or a folder of "
        "them) with Voila: sliders, live KPIs, charts, decision and memo downloads. Sources "
        "stripped, tracebacks hidden, idle kernels shut down.",
    )
    app.add_argument("notebook", nargs="?", help="notebook or folder (default: the workbook)")
    app.add_argument("--port", type=int, default=8866, help="port (default: 8866)")
    app.add_argument(
        "--ip", default="127.0.0.1", help="address to listen on (default: 127.0.0.1 only)"
    )
    app.add_argument("--token", help="require ?token=TOKEN in the URL (for a shared server)")
    app.add_argument(
        "--preheat",
        type=_whole_number(0),
        default=0,
        help="kernels per notebook kept executed ahead of visitors (default: 0)",
    )
    app.add_argument(
        "--cull-idle",
        type=_whole_number(60),
        default=3600,
        help="seconds before an idle kernel is shut down (default: 3600)",
    )
    app.set_defaults(handler=_app)
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
