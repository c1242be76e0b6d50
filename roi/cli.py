"""The `roi` command: parses arguments and calls the package; no logic of its own."""

from __future__ import annotations

import argparse
import datetime as _dt
import json
import sys
import time
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

from roi._version import __version__
from roi.ask import decision_ask
from roi.assess import Assessment, assess
from roi.decision import DecisionRule
from roi.evidence import DEFAULT_CONFIDENCE, STATUSES
from roi.exceptions import (
    EXIT_BAD_INPUT,
    EXIT_FAILED,
    EXIT_INTERRUPTED,
    EXIT_KILL,
    EXIT_OK,
    EXTRA_OF_MODULE,
    MissingExtra,
    OutputError,
    RoiError,
    ScenarioError,
    require_extra,
)
from roi.files import InvalidRow, load_scenarios, read_scenarios, skipped_text
from roi.formatting import (
    TERMINAL_UNSAFE,
    money,
    months,
    parse_amount,
    share,
    terminal_safe,
    unique_stems,
    weeks,
)
from roi.presentation import present
from roi.priors import flip_share, robustness_sentence, under_priors
from roi.scenario import Scenario
from roi.uncertainty import DEFAULT_SAMPLES, MAX_SAMPLES, Simulation

# Characters that Python's str.splitlines (and some editors) treat as line breaks,
# though JSON lets them stand unescaped inside a string.
_LINE_BREAKS = {"\x85": "\\u0085", "\u2028": "\\u2028", "\u2029": "\\u2029"}


def json_line(data: dict) -> str:
    r"""One JSON object on exactly one line, whatever splits it: non-ASCII text stays
    readable, the Unicode line breaks a name may hold are escaped.

    >>> line = json_line({"name": "Cafétwo"})
    >>> len(line.splitlines()), "Café" in line, json.loads(line)["name"] == "Cafétwo"
    (1, True, True)
    """
    text = json.dumps(data, ensure_ascii=False, allow_nan=False)
    for char, escaped in _LINE_BREAKS.items():
        text = text.replace(char, escaped)
    # What a terminal would act on and JSON lets stand (DEL, C1 controls, bidi overrides;
    # json.dumps has escaped the rest) as \u escapes: valid JSON, safe on a terminal.
    return TERMINAL_UNSAFE.sub(lambda m: f"\\u{ord(m.group(0)):04x}", text)


def _row(label: str, text: str) -> str:
    """A label and its text, the text in one column; a label wider than the column keeps
    one space before its text."""
    return f"  {label:<27}{text}" if len(label) < 27 else f"  {label} {text}"


def summary_text(assessment: Assessment) -> str:
    """One scenario's decision first, its reasons, then its numbers, as plain text.

    Every figure comes from `roi.presentation.present`: the headline (annual impact,
    payback and NPV the decision rests on) on the assessment's basis, each line naming its
    basis and what it measures, then the named details and the reconciliation.
    """
    results = assessment.results
    s = assessment.scenario
    t = results.timeline
    decision = assessment.decision
    shown = present(assessment)
    lines = [s.name, _row("Decision", decision.summary)]
    lines.extend(f"    - {reason}" for reason in decision.reasons[1:])
    lines.extend(f"    Condition: {condition}" for condition in decision.conditions)
    # What the decision asks and what follows, as page 1 of the memo words it (roi.ask).
    ask = decision_ask(assessment, _dt.date.today())
    lines += [
        _row("Asked", f"{ask.title}. {ask.request}"),
        _row("Decides", f"{ask.decider}, by {ask.decide_by}"),
        _row("Next gate", ask.next_gate),
    ]
    for figure in shown.headline:
        extra = ""
        if figure.basis == "P50":
            extra = f" (likely {figure.likely_text}"
            extra += f"; P10-P90 {figure.spread_text})" if figure.spread_text else ")"
        lines.append(_row(f"{figure.label} ({figure.basis})", figure.text + extra))
        lines.append(_row("", f"  {figure.definition}"))
    made_of = " + ".join(f"{f.label.lower()} {f.text}" for f in shown.benefits)
    lines += [
        _row(
            "  impact made of",
            f"{made_of} - running costs {money(results.running_costs)} (likely)",
        ),
    ]
    lines.extend(
        _row(
            f"    {f.label.lower()}",
            f"{f.text}: {f.definition}" + (f" (P10-P90 {f.spread_text})" if f.spread_text else ""),
        )
        for f in shown.benefits
    )
    unit = shown.unit_cost
    if unit is not None:
        spread = f"; P10-P90 {unit.spread_text}" if unit.spread_text else ""
        lines.append(_row(unit.label, f"{unit.text} ({unit.basis}{spread}): {unit.definition}"))
    lines += [
        _row("Monthly net impact", money(results.monthly_net_impact, 2) + " (likely)"),
    ]
    one_time = shown.one_time
    if one_time is not None:
        lines.append(_row(one_time.label, f"{one_time.text} ({one_time.basis})"))
        lines.append(_row("", f"  {one_time.definition}"))
    lines.extend(_row(f.label, f"{f.text} ({f.basis}): {f.definition}") for f in shown.details)
    lines.extend(
        _row(f.label, f"{f.text} ({f.basis}): {f.definition}") for f in shown.reconciliation
    )
    lines += [
        _row(
            "Production timeline",
            f"{t.min_weeks:g}-{t.max_weeks:g} weeks, likely {weeks(t.likely_weeks)} "
            f"({t.governance} governance checkpoints; {t.plan_profile.name.lower()}, "
            f"audited past {t.audit_past_weeks:g} weeks)",
        ),
    ]
    if results.go_live_date:
        lines.append(_row("Go-live", results.go_live_date.isoformat()))
    lines.extend(f"  Warning: {warning}" for warning in t.warnings)
    if assessment.simulation is not None:
        lines.append(monte_carlo_text(assessment.simulation))
    lines.extend(evidence_lines(assessment))
    return "\n".join(lines)


def evidence_lines(assessment: Assessment) -> list[str]:
    """The PoC's evidence: criteria met, what to measure next, and the odds by gate."""
    e = assessment.evidence
    lines = []
    if e.criteria:
        counts = {status: sum(c.status == status for c in e.criteria) for status in STATUSES}
        lines.append(
            _row(
                "Success criteria",
                ", ".join(f"{n} {status}" for status, n in counts.items() if n)
                + f" (of {len(e.criteria)})",
            )
        )
    lines.append(_row("Measurement plan", e.plan_sentence()))
    if e.item_prices:
        lines.append(_row("Open items' price", e.item_prices_sentence()))
    lines.append(
        _row(
            "Odds by gate",
            "; ".join(
                f"gate {g.number} {g.name} {share(g.probability)} to pass"
                + ("" if g.kill_probability is None else f", kill {share(g.kill_probability)}")
                for g in e.gates
            ),
        )
    )
    lines.append(_row("Base rates", robustness_sentence(e)))
    return lines


def monte_carlo_text(simulation: Simulation) -> str:
    """Two readable lines about a Monte Carlo run (payback on the decision's basis)."""
    s = simulation.summary()
    threshold = simulation.scenario.value("payback_threshold_months")
    impact = " / ".join(money(s[f"annual_impact_p{q}"]) for q in (10, 50, 90))
    key = simulation.payback_key
    payback = " / ".join(
        "never" if s[f"{key}_p{q}"] is None else f"{s[f'{key}_p{q}']:.1f}" for q in (10, 50, 90)
    )
    return "\n".join(
        [
            _row(
                "Monte Carlo",
                f"{s['samples']:,} samples (seed {s['seed']}): payback within "
                f"{threshold:g} months in {share(s['prob_meets_threshold'])}, never in "
                f"{share(s['prob_never_pays_back'])}",
            ),
            _row(
                "P10 / P50 / P90",
                f"annual impact {impact}; payback {payback} months "
                + ("(simple)" if key == "payback_months" else "(on the cash flow)"),
            ),
        ]
    )


TABLE_COLUMNS = ("Scenario", "Decision", "Basis", "Annual impact", "Payback", "NPV", "P(meets)")


def table_text(assessments: Iterable[Assessment]) -> str:
    """A compact table of several scenarios: one row each, headline numbers on their basis."""
    rows = [TABLE_COLUMNS]
    for a in assessments:
        impact, payback, npv = a.headlines()
        rows.append(
            (
                a.scenario.name,
                a.outcome,
                a.basis,
                money(impact.value),
                months(payback.value),
                money(npv.value),
                share(a.prob_meets_threshold),
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(TABLE_COLUMNS))]
    right = {3, 4, 5, 6}
    lines = [
        "  ".join(
            cell.rjust(widths[i]) if i in right else cell.ljust(widths[i])
            for i, cell in enumerate(row)
        ).rstrip()
        for row in rows
    ]
    lines.insert(1, "  ".join("-" * w for w in widths))
    lines.append("")
    lines.append(
        "Basis: P50 of the Monte Carlo for a scenario with ranges, else its likely value. "
        "P(meets): the chance payback is within the threshold. --detail prints each in full."
    )
    return "\n".join(lines)


PROGRESS_SECONDS = 5.0
"""`roi run` says how far it is on stderr at most this often (only a long run says it)."""


def _assessed(
    scenarios: Sequence[Scenario], samples: int, seed: int, rule: DecisionRule
) -> Iterator[Assessment]:
    """Each scenario's assessment in turn, one held at a time (a file of 10,000 scenarios
    with ranges would need 90 GB at once), with progress on stderr every few seconds."""
    said = time.monotonic()
    for done, scenario in enumerate(scenarios):
        if time.monotonic() - said >= PROGRESS_SECONDS:
            print(f"roi: {done:,} of {len(scenarios):,} scenarios assessed", file=sys.stderr)
            said = time.monotonic()
        yield assess(scenario, samples=samples, seed=seed, rule=rule)


def _add_confidence(command: argparse.ArgumentParser) -> None:
    """The decision rule's options, the same in every command that decides."""
    command.add_argument(
        "--confidence",
        type=float,
        default=DEFAULT_CONFIDENCE,
        help="least probability of meeting the payback threshold for a Go "
        f"(default: {DEFAULT_CONFIDENCE:.2f})",
    )
    command.add_argument(
        "--min-maturity",
        type=int,
        choices=(1, 2, 3),
        default=None,
        metavar="LEVEL",
        help="MLOps maturity level (1-3) a Go needs; replaces a scenario's own "
        "`min_maturity` (default: the scenario's, else none)",
    )


def _rule(args: argparse.Namespace) -> DecisionRule:
    """The decision rule the command's options give."""
    return DecisionRule(confidence=args.confidence, min_maturity=args.min_maturity)


def _add_strict(command: argparse.ArgumentParser) -> None:
    command.add_argument(
        "--strict",
        action="store_true",
        help="refuse the whole input when any scenario in it is invalid (default: skip the "
        "invalid ones, list them on stderr and exit 2, as roi batch does)",
    )


def _skipped(invalid: Sequence[InvalidRow]) -> int:
    """Report skipped scenarios on stderr, as the batch does; exit 2 when there are any."""
    if not invalid:
        return EXIT_OK
    print(terminal_safe(skipped_text(invalid)), file=sys.stderr)
    return EXIT_BAD_INPUT


def _add_priors(command: argparse.ArgumentParser) -> None:
    from roi.base_rates import priors

    names = list(priors())
    command.add_argument(
        "--priors",
        choices=[*names, "all"],
        help="the base rate of reaching production the gate odds start from, for every "
        "scenario (default: each scenario's own, else gartner); 'all' keeps each scenario's "
        "and adds the risk-adjusted NPV under every set",
    )


def compare_text(a: Assessment, b: Assessment) -> str:
    """Two assessments side by side, each figure on its own basis (as `summary_text`)."""
    rows: list[tuple[str, str, str]] = [("", a.scenario.name, b.scenario.name)]
    rows.append(("Decision", a.outcome, b.outcome))
    pa, pb = present(a), present(b)
    for fa, fb in zip(pa.headline, pb.headline, strict=True):
        rows.append((fa.label, f"{fa.text} ({fa.basis})", f"{fb.text} ({fb.basis})"))
    for fa, fb in zip(pa.reconciliation[-2:-1], pb.reconciliation[-2:-1], strict=True):
        rows.append((fa.label, fa.text, fb.text))
    rows += [
        ("One-time costs", money(a.results.one_time_cost), money(b.results.one_time_cost)),
        ("Running costs a year", money(a.results.running_costs), money(b.results.running_costs)),
        (
            "Weeks to go-live",
            f"{a.results.timeline.likely_weeks:g}",
            f"{b.results.timeline.likely_weeks:g}",
        ),
    ]
    wide = [max(len(r[i]) for r in rows) for i in range(3)]
    return "\n".join(
        f"{r[0]:<{wide[0]}}  {r[1]:>{wide[1]}}  {r[2]:>{wide[2]}}".rstrip() for r in rows
    )


def _compare(args: argparse.Namespace) -> int:
    rule = _rule(args)
    pair = []
    for path in args.compare:
        scenarios = load_scenarios(path)
        if len(scenarios) != 1:
            raise RoiError(
                f"--compare takes two files of one scenario each; {path} has {len(scenarios)}"
            )
        pair.append(assess(scenarios[0], samples=args.samples, seed=args.seed, rule=rule))
    if args.json:
        for a in pair:
            print(json_line(a.to_dict()))
    else:
        print(terminal_safe(compare_text(*pair)))
    return EXIT_OK


def _run(args: argparse.Namespace) -> int:
    if args.compare:
        if args.file is not None:
            raise RoiError("roi run takes a FILE or --compare A B, not both")
        return _compare(args)
    if args.file is None:
        raise RoiError("roi run needs a FILE (or --compare A B)")
    loaded = read_scenarios(args.file)
    if args.strict or not loaded.entries:
        loaded.strict()  # every problem, exit 2 (and nothing valid to show anyway)
    scenarios = [entry.scenario for entry in loaded.entries]
    if args.priors not in (None, "all"):
        scenarios = [s.evolve(priors=args.priors) for s in scenarios]
    rule = _rule(args)
    assessments = _assessed(scenarios, args.samples, args.seed, rule)
    if args.json:
        for a in assessments:
            data = a.to_dict()
            if args.priors == "all":
                data["priors"] = [u.to_dict() for u in under_priors(a.evidence, a.outcome)]
                data["flip_share_reaching_production"] = flip_share(a.evidence)
            print(json_line(data))
    elif len(scenarios) > 1 and not args.detail:
        print(table_text(assessments))
    else:
        for index, a in enumerate(assessments):
            print(("\n" if index else "") + summary_text(a))
    return _skipped(loaded.invalid)


def _portfolio(args: argparse.Namespace) -> int:
    from roi.files import read_members
    from roi.portfolio import Constraints, json_ready, plan_portfolio

    capacity = dict(_capacity(text) for text in args.capacity)
    members, invalid = read_members(args.file, args.shared)
    if invalid and (args.strict or not members):
        raise ScenarioError([problem for bad in invalid for problem in bad.problems])
    executor = None
    if args.dask:
        require_extra("dask", "distributed")
        from roi.batch.executors import DaskExecutor

        executor = DaskExecutor(args.dask)
    try:
        result = plan_portfolio(
            members,
            Constraints(args.budget, capacity, args.max_count),
            objective=args.objective,
            samples=args.samples,
            seed=args.seed,
            engineer_weeks=args.engineer_weeks,
            running=args.running,
            engineers=args.engineers,
            map_ordered=executor.map_ordered if executor else None,
            rule=_rule(args),
        )
    finally:
        if executor is not None:
            executor.close()
    if args.report:
        from roi.reports.selection import write_selection_report

        print(write_selection_report(result, args.report, source=str(args.file)), file=sys.stderr)
    if args.json:
        print(json_line(json_ready(result)))
    else:
        print(portfolio_text(result, args.file))
    return _skipped(invalid)


def _capacity(text: str) -> tuple[str, float]:
    role, _, weeks = text.partition("=")
    try:
        value = float(weeks)
    except ValueError:
        value = float("nan")
    if not role.strip() or not value >= 0:
        raise RoiError(
            f"--capacity {text!r}: write ROLE=ENGINEER_WEEKS, e.g. ml_engineer=40 (weeks >= 0)"
        )
    return role.strip(), value


def _amount(text: str) -> float:
    try:
        value = parse_amount(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"{error}: got {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be an amount >= 0: got {text!r}")
    return value


def portfolio_text(result: dict, source: str) -> str:
    """`roi portfolio`'s report for people: the HTML report's words, as lines."""
    from roi.reports.selection import selection_context

    c = selection_context(result, source, standalone=False)
    lines = [
        f"Portfolio of {len(c['ranking'])} initiatives from {source}; objective: {c['objective']}",
        f"Fund {len(c['selected'])}: {', '.join(c['selected']) or '(none)'}",
        f"  {c['objective_title']} {c['total']} in total, one-time cost {c['spent']}",
    ]
    for limit in c["constraints"]:
        state = "binds" if limit["binds"] else "has room"
        lines.append(
            f"  {limit['label']}: {limit['used']}, {state}; {limit['step']} buys {limit['gain']}"
        )
    if c["excluded"]:
        lines.append("Left out:")
        lines += [f"  {e['name']} ({e['value']}): {e['why']}" for e in c["excluded"]]
    lines.append("By productivity index (value per dollar still to spend; * funded):")
    for r in c["ranking"]:
        mark = "*" if r["selected"] else " "
        lines.append(f" {mark} {r['pi']:>6}  {r['name']}  ({r['value']} for {r['cost']})")
    together = c["together"]
    if together:
        drawn = "shared drivers drawn once for all" if c["shared"] else "no shared drivers"
        lines.append(
            f"Together ({together['samples']} samples, {drawn}): total NPV P10 {together['p10']},"
            f" P50 {together['p50']}, P90 {together['p90']}; pays back together within "
            f"{together['threshold']} months: {together['pays_back']}"
        )
        if "independent" in together:
            lines.append(
                f"  drawn independently, P10-P90 would read {together['independent']}: narrower"
            )
    g = c["guidance"]
    lines.append(f"Operating model: {g['operating_model']} ({g['why']})")
    lines.append(f"MLOps: {g['mlops']}")
    return "\n".join(lines)


def _whole_number(minimum: int, maximum: int | None = None, why: str = " (memory grows with it)"):
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            value = None
        if value is None or value < minimum:
            raise argparse.ArgumentTypeError(f"must be a whole number >= {minimum}: got {text!r}")
        if maximum is not None and value > maximum:
            raise argparse.ArgumentTypeError(f"must be at most {maximum:,}{why}: got {text!r}")
        return value

    return parse


def _export(args: argparse.Namespace) -> int:
    from roi.files import write_text_atomic
    from roi.reports.excel import workbook_bytes

    scenarios = load_scenarios(args.file)
    out = Path(args.xlsx)
    single = len(scenarios) == 1 and out.suffix.lower() == ".xlsx"
    targets = (
        [out]
        if single
        else [out / f"{stem}.xlsx" for stem in unique_stems(s.name for s in scenarios)]
    )
    existing = [str(t) for t in targets if t.exists()]
    if existing and not args.force:
        raise RoiError(
            f"{', '.join(existing)} already exists (an edited workbook would be lost): "
            "choose another path, or pass --force to replace it"
        )
    for scenario, target in zip(scenarios, targets, strict=True):
        data = workbook_bytes(assess(scenario, samples=0))
        write_text_atomic(target, data)  # an OutputError names the target
        print(target)
    return EXIT_OK


def _memo(args: argparse.Namespace) -> int:
    from roi.reports.memo import MemoError, write_memos

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
    if "pdf" in formats:
        require_extra("pdf", "playwright")  # before any memo is written
    scenarios = load_scenarios(args.file)
    rule = _rule(args)
    # Two scenarios with one name must not overwrite each other's memos.
    for scenario, stem in zip(scenarios, unique_stems(s.name for s in scenarios), strict=True):
        assessment = assess(scenario, samples=args.samples, seed=args.seed, rule=rule)
        paths = write_memos(
            assessment,
            args.out,
            formats=formats,
            paper=args.paper,
            date=args.date,
            template=html_template,
            md_template=md_template,
            md_images=args.md_images,
            stem=stem,
        )
        for path in paths:
            print(path)
    return EXIT_OK


def _register(args: argparse.Namespace) -> Any:
    require_extra("register", "sqlalchemy", "alembic")
    from roi.register import Register

    return Register(args.db)


def _signoff(text: str) -> dict[str, str]:
    """--signoff 'NAME:ROLE[:YYYY-MM-DD]' as a sign-off record."""
    from datetime import date

    parts = [part.strip() for part in text.split(":")]
    if len(parts) not in (2, 3) or not all(parts):
        raise argparse.ArgumentTypeError(
            f"write NAME:ROLE or NAME:ROLE:YYYY-MM-DD, e.g. 'Ana Ruiz:CFO:2027-01-05': got {text!r}"
        )
    record = {"name": parts[0], "role": parts[1]}
    if len(parts) == 3:
        try:
            record["date"] = date.fromisoformat(parts[2]).isoformat()
        except ValueError:
            raise argparse.ArgumentTypeError(
                f"the sign-off's date must be YYYY-MM-DD: got {parts[2]!r}"
            ) from None
    return record


def _day(text: str) -> Any:
    from datetime import date

    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a date YYYY-MM-DD: got {text!r}") from None


def _record(args: argparse.Namespace) -> int:
    from roi.reports.memo import input_hash, render

    register = _register(args)
    rule = _rule(args)
    with register:
        for scenario in load_scenarios(args.file):
            assessment = assess(scenario, samples=args.samples, seed=args.seed, rule=rule)
            memo = render(assessment, "md", images="none") if args.memo else None
            digest = input_hash(scenario, args.samples, args.seed, assessment.checklists, rule)
            key = register.record(
                assessment,
                input_hash=digest,
                samples=args.samples,
                seed=args.seed,
                gate=args.gate,
                decider=args.decider,
                decided_on=args.decided_on,
                signoffs=args.signoff or (),
                memo_html=memo,
            )
            print(f"recorded #{key}: {scenario.name}: {assessment.outcome} ({register.url})")
    return EXIT_OK


def _history(args: argparse.Namespace) -> int:
    from roi.register.views import history_text

    with _register(args) as register:
        entries = register.history(args.name)
    if args.json:
        print(json_line({"name": args.name, "history": [e.to_dict() for e in entries]}))
    else:
        print(history_text(entries))
    return EXIT_OK


def _track(args: argparse.Namespace) -> int:
    from roi.files import read_actuals
    from roi.register.views import track_text
    from roi.tracking import Measurement, track

    measured = [Measurement(day, field, value) for day, field, value in read_actuals(args.actuals)]
    with _register(args) as register:
        entry = register.latest(args.name)
        register.add_actuals(args.name, measured, source=str(args.actuals))
        every = register.measurements(args.name)
    tracking = track(entry.scenario, every, samples=args.samples, seed=args.seed)
    if args.out:
        from roi.reports.memo import write_memos

        formats = list(dict.fromkeys(args.format or ["html"]))
        if "pdf" in formats:
            require_extra("pdf", "playwright")
        for path in write_memos(tracking.planned, args.out, formats, tracking=tracking):
            print(path, file=sys.stderr)
    if args.json:
        print(json_line(tracking.to_dict()))
    else:
        print(track_text(tracking))
    return EXIT_KILL if tracking.fired else EXIT_OK


def _calibrate(args: argparse.Namespace) -> int:
    from roi.calibration import calibrate_gates, gate_probabilities, range_coverage
    from roi.register.views import calibration_text
    from roi.scenario import Range

    with _register(args) as register:
        odds = calibrate_gates(register.gate_record())
        pairs = []
        for name in register.names():
            scenario = register.latest(name).scenario
            for m in register.measurements(name):
                planned = getattr(scenario, m.field, None)
                if isinstance(planned, Range):
                    pairs.append((planned, m.value))
    coverage = range_coverage(pairs)
    if args.write:
        from roi.files import write_text_atomic

        text = "# Gate odds calibrated from the register (roi calibrate)\ngate_probabilities:\n"
        text += "".join(f"  {g}: {p:.4f}\n" for g, p in gate_probabilities(odds).items())
        write_text_atomic(args.write, text)
    if args.json:
        print(json_line({"gates": [o.to_dict() for o in odds], "ranges": coverage}))
    else:
        print(calibration_text(odds, coverage))
    return EXIT_OK


def _batch(args: argparse.Namespace) -> int:
    require_extra("batch", "tqdm", *(() if args.no_notebooks else ("papermill", "nbformat")))
    if args.dask:
        require_extra("dask", "distributed")
    from roi.batch.run import default_out_dir, report_text, run_batch
    from roi.batch.tasks import BatchOptions
    from roi.resources import WORKBOOK_NOTEBOOK

    options = BatchOptions(
        out_dir=Path(args.out) if args.out else default_out_dir(args.scenarios),
        notebook=None if args.no_notebooks else Path(args.notebook or WORKBOOK_NOTEBOOK),
        formats=tuple(f for f in args.formats.lower().replace(" ", "").split(",") if f),
        samples=args.samples,
        seed=args.seed,
        workers=args.workers,
        dask_address=args.dask,
        timeout=args.timeout,
        progress=not args.quiet,
        rank_by=args.rank,
        budget=args.budget,
        priors=args.priors,
        confidence=args.confidence,
        min_maturity=args.min_maturity,
    )
    try:
        report = run_batch(args.scenarios, options)
    except KeyboardInterrupt:
        print(
            "roi batch: interrupted; finished scenarios are kept, run the same command "
            "again to finish the rest",
            file=sys.stderr,
        )
        return EXIT_INTERRUPTED
    print(terminal_safe(report_text(report)), file=sys.stderr)
    if args.record:
        recorded = _record_batch(args, options, report)
        print(f"roi batch: recorded {recorded} assessments in the register", file=sys.stderr)
    return report.exit_code


def _record_batch(args: argparse.Namespace, options: Any, report: Any) -> int:
    """Store each finished scenario of a batch in the register, under the batch's own input
    hash (on Dask as well: the results come back to this process, which writes them), as
    the batch assessed it (its base rates, maturity and confidence)."""
    from roi.batch.inputs import load_batch
    from roi.batch.run import batch_scenario

    entries, _ = load_batch(args.scenarios)
    by_stem = dict(zip(unique_stems(e.scenario.name for e in entries), entries, strict=True))
    count = 0
    with _register(args) as register:
        for outcome in report.outcomes:
            entry = by_stem.get(outcome.stem)
            if not outcome.ok or entry is None:
                continue
            assessment = assess(
                batch_scenario(entry.scenario, options),
                samples=args.samples,
                seed=args.seed,
                rule=options.rule,
            )
            register.record(
                assessment, input_hash=outcome.input_hash, samples=args.samples, seed=args.seed
            )
            count += 1
    return count


def _plan(args: argparse.Namespace) -> int:
    from roi.files import write_text_atomic
    from roi.thirty_days import plan_csv, plan_ics, plan_start, plan_text, thirty_day_plan

    scenarios = load_scenarios(args.file)
    if len(scenarios) != 1:
        raise RoiError(f"roi plan takes a file of one scenario; {args.file} has {len(scenarios)}")
    (scenario,) = scenarios
    starts = plan_start(
        scenario.evolve(start_date=args.start) if args.start else scenario, _dt.date.today()
    )
    plan = thirty_day_plan(scenario, starts)
    targets: dict[Path, bytes] = {}
    if args.output:
        folder = Path(args.output)
        targets = {
            folder / "plan.csv": plan_csv(plan).encode("utf-8"),
            folder / "plan.ics": plan_ics(plan),
        }
        existing = [str(t) for t in targets if t.exists()]
        if existing and not args.force:
            raise RoiError(
                f"{' and '.join(existing)} already {'exist' if len(existing) > 1 else 'exists'}"
                " (an edited plan would be lost): choose another folder, or pass --force to "
                "replace them"
            )
    print(terminal_safe(plan_text(plan)), end="")
    for target, data in targets.items():
        write_text_atomic(target, data)
        print(target)
    return EXIT_OK


def _init(args: argparse.Namespace) -> int:
    from roi.starters import copy_starters

    folder = Path(args.folder)
    copied = copy_starters(folder)
    for item in copied:
        state = "wrote" if item.written else "kept (already there)"
        print(f"{state:>20}  {item.path}")
    workbook = folder / "notebooks" / "workbook.ipynb"
    scenario = folder / "scenarios" / "invoice_triage.yaml"
    print(
        f"\nEdit {scenario}, then:\n"
        f"  roi run {scenario}\n"
        f"  roi memo {scenario} --format html --format md --format pdf\n"
        f"  roi batch {folder / 'scenarios' / 'portfolio.csv'} --out {folder / 'outputs'}\n"
        f"  roi app {workbook}",
        file=sys.stderr,
    )
    return EXIT_OK


def _app(args: argparse.Namespace) -> int:
    import os

    require_extra("app", "voila", "ipywidgets", "anywidget", "ipykernel")
    from roi.app.server import voila_command
    from roi.resources import WORKBOOK_NOTEBOOK

    notebook = Path(args.notebook or WORKBOOK_NOTEBOOK)
    if notebook.suffix.lower() != ".ipynb" or not notebook.is_file():
        # Checked here: Voila would print "serving on" and then a traceback.
        what = "is not a .ipynb notebook" if notebook.is_file() else "does not exist"
        raise RoiError(
            f"{notebook} {what}; give a notebook file, or none for the workbook "
            f"({WORKBOOK_NOTEBOOK})"
        )
    problem = _listen_problem(args.ip, args.port)
    if problem is not None:
        print(f"roi: {problem}", file=sys.stderr)
        return EXIT_FAILED
    argv, env = voila_command(
        notebook,
        port=args.port,
        ip=args.ip,
        token=args.token,
        preheat=args.preheat,
        cull_idle_seconds=args.cull_idle,
        max_kernels=args.max_kernels,
    )
    print(f"roi: serving on http://{args.ip}:{args.port}/ (Ctrl-C stops)", file=sys.stderr)
    os.execvpe(argv[0], argv, env)  # Voila takes over this process; nothing to clean up
    return EXIT_FAILED  # pragma: no cover - exec does not return


def _listen_problem(ip: str, port: int) -> str | None:
    """Why `roi app` cannot listen on ip:port (a bad address raises RoiError), or None.

    Checked before Voila starts, which would print a traceback for an address and, for a
    port in use, move to another port without saying so to the person who typed it.
    """
    import errno
    import socket

    try:
        family, kind, proto, _, address = socket.getaddrinfo(
            ip, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
        )[0]
    except (socket.gaierror, UnicodeError, ValueError):
        raise RoiError(
            f"--ip must be an address of this machine, such as 127.0.0.1 (this machine "
            f"only) or 0.0.0.0 (every network): got {ip!r}"
        ) from None
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as Tornado does
        try:
            probe.bind(address)
        except OSError as error:
            if error.errno == errno.EADDRNOTAVAIL:
                raise RoiError(
                    f"--ip must be an address of this machine: {ip!r} is not one"
                ) from None
            if error.errno == errno.EADDRINUSE:
                return f"port {port} on {ip} is in use (another roi app?): choose another --port"
            return f"cannot listen on {ip} port {port}: {error.strerror}"
    return None


def _examples(*commands: str) -> str:
    """The end of a command's --help: a few examples to copy."""
    return "examples:\n" + "".join(f"  {command}\n" for command in commands)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="roi",
        description="Carry AI proofs of concept into production, or kill them early, with numbers.",
        epilog="examples:\n  roi run templates/scenarios/invoice_triage.yaml\n"
        "  roi memo scenario.yaml --format pdf\n  roi batch portfolio.csv --workers 2\n"
        "  roi app\n\n'roi COMMAND --help' describes a command.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"roi {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    _run_command(commands)
    _memo_command(commands)
    _batch_command(commands)
    _portfolio_command(commands)
    _app_command(commands)
    _export_command(commands)
    _init_command(commands)
    _plan_command(commands)
    _register_commands(commands)
    return parser


def _run_command(commands: Any) -> None:
    """`roi run`."""
    run = commands.add_parser(
        "run",
        epilog=_examples(
            "roi run templates/scenarios/invoice_triage.yaml",
            "roi run portfolio.csv --samples 50000 --seed 7",
            "roi run scenario.yaml --json | jq .decision",
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
        help="evaluate the scenario(s) in a file",
        description="Evaluate every scenario in a YAML, JSON, CSV or "
        "XLSX file and print a summary (or JSON, one object per line).",
    )
    run.add_argument("file", nargs="?", help="scenario file (.yaml, .yml, .json, .csv, .xlsx)")
    run.add_argument(
        "--compare",
        nargs=2,
        metavar=("A", "B"),
        help="two scenario files (one scenario each) side by side, e.g. the AI plan and the "
        "plan without AI",
    )
    _add_confidence(run)
    _add_strict(run)
    _add_priors(run)
    run.add_argument(
        "--json",
        action="store_true",
        help="print one JSON object per scenario, one per line, and nothing else",
    )
    run.add_argument(
        "--detail",
        action="store_true",
        help="several scenarios: print each in full instead of one table row each",
    )
    run.add_argument(
        "--samples",
        type=_whole_number(0, MAX_SAMPLES),
        default=DEFAULT_SAMPLES,
        help=f"Monte Carlo samples; 0 decides on the likely values (default: {DEFAULT_SAMPLES})",
    )
    run.add_argument(
        "--seed", type=_whole_number(0), default=0, help="Monte Carlo random seed (default: 0)"
    )
    run.set_defaults(handler=_run)


def _memo_command(commands: Any) -> None:
    """`roi memo`."""
    memo = commands.add_parser(
        "memo",
        epilog=_examples(
            "roi memo scenario.yaml --format html --format pdf --out memos/",
            "roi memo scenario.yaml --format md --md-images files",
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
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
        "--samples",
        type=_whole_number(0, MAX_SAMPLES),
        default=DEFAULT_SAMPLES,
        help=f"Monte Carlo samples (default: {DEFAULT_SAMPLES})",
    )
    memo.add_argument("--seed", type=_whole_number(0), default=0, help="random seed (default: 0)")
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
        choices=("files", "embed", "none"),
        default="files",
        help="Markdown charts: SVG files in a folder beside the memo, which code hosts "
        "show (default), embedded as data URIs, which many strip, or none",
    )
    _add_confidence(memo)
    memo.set_defaults(handler=_memo)


def _batch_command(commands: Any) -> None:
    """`roi batch`."""
    batch = commands.add_parser(
        "batch",
        epilog=_examples(
            "roi batch templates/scenarios/portfolio.csv --workers 2",
            "roi batch portfolio.csv --no-notebooks --formats html,md --rank risk-adjusted",
            "roi batch scenarios/ --out outputs/q3 --samples 50000",
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
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
        type=_whole_number(0, MAX_SAMPLES),
        default=DEFAULT_SAMPLES,
        help=f"Monte Carlo samples per scenario (default: {DEFAULT_SAMPLES})",
    )
    batch.add_argument("--seed", type=_whole_number(0), default=0, help="random seed (default: 0)")
    batch.add_argument(
        "--timeout",
        type=float,
        default=300.0,
        help="seconds a notebook cell may run before it fails (default: 300)",
    )
    batch.add_argument(
        "--rank",
        choices=("npv", "risk-adjusted"),
        default="npv",
        help="order within each decision: by headline NPV (default) or by risk-adjusted NPV, "
        "which prices in the odds of passing the remaining gates",
    )
    batch.add_argument(
        "--budget",
        type=_amount,
        help="one-time budget: portfolio.html also shows the set it funds (as roi portfolio "
        "chooses it, by risk-adjusted NPV) beside the ranking",
    )
    _add_priors(batch)
    _add_confidence(batch)
    batch.add_argument("--quiet", action="store_true", help="no progress bar")
    batch.add_argument(
        "--record",
        action="store_true",
        help="store every finished scenario's assessment and decision in the register",
    )
    _db_option(batch)
    batch.set_defaults(handler=_batch)


def _portfolio_command(commands: Any) -> None:
    """`roi portfolio`."""
    portfolio = commands.add_parser(
        "portfolio",
        epilog=_examples(
            "roi portfolio templates/scenarios/portfolio.csv --budget 1.2M",
            "roi portfolio portfolio.csv --budget 1.2M --capacity ml_engineer=40 --objective npv",
            "roi portfolio portfolio.yaml --max-count 3 --json | jq .selected",
            "roi portfolio portfolio.csv --shared drivers.yaml --dask tcp://scheduler:8786",
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
        help="choose which initiatives to fund under a budget and team capacity",
        description="Choose the set of initiatives that maximises risk-adjusted NPV (or NPV) "
        "under a one-time budget, engineer-weeks per role and a count, exactly (an integer "
        "program); say what binds, what another $100k or engineer buys, what each left-out "
        "initiative falls short by; then run the funded set's Monte Carlo together, with "
        "shared drivers drawn once for all.",
    )
    portfolio.add_argument("file", help="portfolio: any file or folder `roi batch` reads")
    _add_strict(portfolio)
    portfolio.add_argument(
        "--budget", type=_amount, help="one-time budget: bounds the summed build + change costs"
    )
    portfolio.add_argument(
        "--capacity",
        action="append",
        default=[],
        metavar="ROLE=WEEKS",
        help="engineer-weeks a role can give, e.g. ml_engineer=40 (repeat per role; roles are "
        "the plan's, in snake case)",
    )
    portfolio.add_argument(
        "--max-count", type=_whole_number(0), help="at most this many initiatives at once"
    )
    portfolio.add_argument(
        "--objective",
        choices=("risk_adjusted", "npv"),
        default="risk_adjusted",
        help="what to maximise (default: risk_adjusted, NPV priced for the gates ahead)",
    )
    portfolio.add_argument(
        "--shared", metavar="FILE", help="YAML/JSON with a `shared:` mapping of drivers"
    )
    portfolio.add_argument(
        "--engineer-weeks",
        type=_whole_number(1),
        default=13,
        help="weeks 'another engineer' adds to a role's capacity (default: 13, a quarter)",
    )
    portfolio.add_argument(
        "--running",
        type=_whole_number(0),
        default=0,
        help="AI initiatives already in production, for the operating-model advice",
    )
    portfolio.add_argument(
        "--engineers", type=_whole_number(0), help="ML engineers in the organisation (advice)"
    )
    portfolio.add_argument(
        "--samples",
        type=_whole_number(0, MAX_SAMPLES),
        default=DEFAULT_SAMPLES,
        help=f"Monte Carlo samples per initiative (default: {DEFAULT_SAMPLES})",
    )
    portfolio.add_argument("--seed", type=_whole_number(0), default=0, help="random seed")
    portfolio.add_argument(
        "--dask", metavar="ADDRESS", help="run on an existing Dask cluster (scheduler address)"
    )
    portfolio.add_argument("--json", action="store_true", help="print one JSON object")
    portfolio.add_argument(
        "--report", metavar="HTML", help="also write the choice as an HTML report to this file"
    )
    _add_confidence(portfolio)
    portfolio.set_defaults(handler=_portfolio)


def _app_command(commands: Any) -> None:
    """`roi app`."""
    app = commands.add_parser(
        "app",
        epilog=_examples(
            "roi app",
            "roi app --port 8866 --ip 127.0.0.1 --cull-idle 3600",
            "roi app notebooks/portfolio.ipynb",
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
        help="serve the workbook as a web app (Voila)",
        description="Serve notebooks/workbook.ipynb (or another notebook, or a folder of "
        "them) with Voila: sliders, live KPIs, charts, decision and memo downloads. Sources "
        "stripped, tracebacks hidden, idle kernels shut down.",
    )
    app.add_argument("notebook", nargs="?", help="notebook or folder (default: the workbook)")
    app.add_argument(
        "--port",
        type=_whole_number(1, 65535, why=""),
        default=8866,
        help="port, 1 to 65535 (default: 8866)",
    )
    app.add_argument(
        "--ip", default="127.0.0.1", help="address to listen on (default: 127.0.0.1 only)"
    )
    app.add_argument("--token", help="require ?token=TOKEN in the URL (for a shared server)")
    app.add_argument(
        "--preheat",
        type=_whole_number(0),
        default=1,
        help="kernels per notebook kept executed ahead of visitors, so a visitor sees the "
        "page at once (default: 1; 0 starts a kernel per visitor)",
    )
    app.add_argument(
        "--cull-idle",
        type=_whole_number(60),
        default=3600,
        help="seconds before an idle kernel is shut down (default: 3600)",
    )
    app.add_argument(
        "--max-kernels",
        type=_whole_number(1),
        default=None,
        help="most kernels (one per open page, ~200 MB each) before visitors get a "
        "'busy' page (default: 20, or ROI_APP_MAX_KERNELS)",
    )
    app.set_defaults(handler=_app)


def _export_command(commands: Any) -> None:
    """`roi export`."""
    export = commands.add_parser(
        "export",
        epilog=_examples(
            "roi export scenario.yaml --xlsx model.xlsx",
            "roi export portfolio.csv --xlsx models/",
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
        help="write the scenario(s) as a live-formula Excel model",
        description="Write each scenario in FILE as an .xlsx a finance reviewer can audit: "
        "named input cells, a monthly cash flow, and results that are Excel formulas over "
        "the inputs (change an input and every result follows). Exit status as for run.",
    )
    export.add_argument("file", help="scenario file (.yaml, .yml, .json, .csv, .xlsx)")
    export.add_argument(
        "--xlsx",
        required=True,
        metavar="OUT",
        help="OUT.xlsx for one scenario, or a folder for one workbook per scenario",
    )
    export.add_argument("--force", action="store_true", help="replace workbooks that already exist")
    export.set_defaults(handler=_export)


def _init_command(commands: Any) -> None:
    """`roi init`."""
    init = commands.add_parser(
        "init",
        epilog=_examples(
            "roi init my-roi",
            "roi init .",
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
        help="copy the starter scenarios, memo templates and notebooks into a folder",
        description="Copy the starter scenarios, memo templates and notebooks into FOLDER "
        "(default: the current folder) for you to edit. Existing files are kept.",
    )
    init.add_argument("folder", nargs="?", default=".", help="where to copy them (default: .)")
    init.set_defaults(handler=_init)


def _plan_command(commands: Any) -> None:
    """`roi plan`."""
    plan = commands.add_parser(
        "plan",
        epilog=_examples(
            "roi plan templates/scenarios/invoice_triage.yaml",
            "roi plan scenario.yaml -o plan --start 2027-01-04",
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
        help="the 30-day plan: the open readiness items as four dated, owned weeks",
        description="Turn a scenario's open readiness items into the articles' four weeks "
        "(audit the gaps; versioning and a fallback; observability and the day-one "
        "dashboard; a governance sprint), with owners and dates. Printed; with -o DIR also "
        "written as DIR/plan.csv and DIR/plan.ics (an iCalendar file to import).",
    )
    plan.add_argument("file", help="a scenario file with one scenario")
    plan.add_argument("-o", "--output", metavar="DIR", help="write plan.csv and plan.ics here")
    plan.add_argument(
        "--start",
        type=_day,
        help="the day the plan starts (the Monday on or after it); default: the "
        "scenario's start_date, else the next Monday",
    )
    plan.add_argument(
        "--force", action="store_true", help="replace plan.csv and plan.ics if they exist"
    )
    plan.set_defaults(handler=_plan)


def _db_option(command: argparse.ArgumentParser) -> None:
    command.add_argument(
        "--db",
        help="the register: a SQLite file (created on first use) or a database URL such as "
        "postgresql://user@host/roi (default: $ROI_DATABASE_URL, else roi-register.sqlite3 "
        "in this folder)",
    )


def _register_commands(commands: Any) -> None:
    _record_command(commands)
    _history_command(commands)
    _track_command(commands)
    _calibrate_command(commands)


def _record_command(commands: Any) -> None:
    """`roi record`."""
    record = commands.add_parser(
        "record",
        help="store an assessment and its decision in the register",
        description="Assess every scenario in a file and store each assessment (inputs, "
        "their hash, roi version, decision, headline figures, optionally the memo) with the "
        "decision taken on it.",
        epilog=_examples(
            "roi record scenario.yaml --gate 2 --decider 'Ana Ruiz' --decided-on 2027-01-05",
            "roi record scenario.yaml --signoff 'Li Wei:Platform engineer:2027-01-04'",
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    record.add_argument("file", help="scenario file (.yaml, .yml, .json, .csv, .xlsx)")
    _db_option(record)
    record.add_argument("--gate", type=_whole_number(1, 5), help="the gate this decision is at")
    record.add_argument("--decider", help="who decided")
    record.add_argument("--decided-on", type=_day, help="when, YYYY-MM-DD")
    record.add_argument(
        "--signoff", type=_signoff, action="append", help="NAME:ROLE[:YYYY-MM-DD]; repeat"
    )
    record.add_argument("--memo", action="store_true", help="keep the memo (Markdown) with it")
    _add_confidence(record)
    record.add_argument("--samples", type=_whole_number(0, MAX_SAMPLES), default=DEFAULT_SAMPLES)
    record.add_argument("--seed", type=_whole_number(0), default=0)
    record.set_defaults(handler=_record)


def _history_command(commands: Any) -> None:
    """`roi history`."""
    history = commands.add_parser(
        "history",
        help="an initiative's recorded decisions and what changed between them",
        description="List every recorded assessment of an initiative, oldest first: the "
        "decision, who took it, the headline figures and what changed since the last one.",
    )
    history.add_argument("name", help="the initiative's name, as recorded")
    _db_option(history)
    history.add_argument("--json", action="store_true", help="one JSON object")
    history.set_defaults(handler=_history)


def _track_command(commands: Any) -> None:
    """`roi track`."""
    track = commands.add_parser(
        "track",
        help="the plan against dated actuals; exit 3 when a kill criterion fires",
        description="Store dated measurements (a CSV or XLSX with a date column, then any of "
        "the scenario's numeric fields) and report the plan against them: the headline "
        "figures re-forecast, each input against its plan and kill line. Exit status 3 "
        "when a kill criterion fired (each printed as 'kill criterion fired: ...').",
        epilog=_examples("roi track 'Invoice triage assistant' pilot.csv"),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    track.add_argument("name", help="the initiative's name, as recorded")
    track.add_argument("actuals", help="dated measurements (.csv, .xlsx)")
    _db_option(track)
    track.add_argument("--json", action="store_true", help="one JSON object")
    track.add_argument(
        "-o", "--out", help="also write the decision's memo with its plan-against-actual page here"
    )
    track.add_argument(
        "--format",
        action="append",
        choices=("html", "md", "pdf"),
        help="the memo's format with --out; repeat for several (default: html)",
    )
    track.add_argument("--samples", type=_whole_number(0, MAX_SAMPLES), default=0)
    track.add_argument("--seed", type=_whole_number(0), default=0)
    track.set_defaults(handler=_track)


def _calibrate_command(commands: Any) -> None:
    """`roi calibrate`."""
    calibrate = commands.add_parser(
        "calibrate",
        help="gate odds and range calibration learnt from the register",
        description="The odds of passing each gate updated from the register's recorded "
        "decisions (a Beta prior at roi's default, with its 90% interval), and how often "
        "measured inputs fell inside their planned P10-P90.",
    )
    _db_option(calibrate)
    calibrate.add_argument("--json", action="store_true", help="one JSON object")
    calibrate.add_argument(
        "--write", help="write the calibrated gate_probabilities as YAML to this file"
    )
    calibrate.set_defaults(handler=_calibrate)


class _TerminalSafe:
    """A stream whose text reaches the terminal as written (`terminal_safe`): a scenario
    named with escape codes cannot redraw 'No-go' as 'Go'."""

    def __init__(self, stream: Any) -> None:
        self._stream = stream

    def write(self, text: str) -> int:
        return self._stream.write(terminal_safe(text))

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `roi` console script; returns the exit code."""
    args = build_parser().parse_args(argv)
    # Standard output carries names and reasons; standard error carries messages (values
    # in them are already quoted) and the batch's progress bar, whose \r must stay.
    stdout, sys.stdout = sys.stdout, _TerminalSafe(sys.stdout)
    try:
        return _handle(args)
    finally:
        sys.stdout = stdout


def _handle(args: argparse.Namespace) -> int:
    import warnings

    from roi.files import HiddenSheets

    with warnings.catch_warnings(record=True) as notes:
        warnings.simplefilter("always", HiddenSheets)
        try:
            return _run_handler(args)
        finally:
            for note in notes:
                if issubclass(note.category, HiddenSheets):
                    print(f"roi: note: {terminal_safe(str(note.message))}", file=sys.stderr)


def _run_handler(args: argparse.Namespace) -> int:
    try:
        return args.handler(args)
    except (MissingExtra, OutputError) as error:  # the input was fine
        print(f"roi: {error}", file=sys.stderr)
        return EXIT_FAILED
    except RoiError as error:
        print(f"roi: {error}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except ModuleNotFoundError as error:  # a front end's optional dependency
        extra = EXTRA_OF_MODULE.get((error.name or "").split(".")[0])
        if extra is None:
            raise
        print(f"roi: {MissingExtra(extra, error.name or '')}", file=sys.stderr)
        return EXIT_FAILED
    except BrokenPipeError:
        return EXIT_FAILED


if __name__ == "__main__":
    sys.exit(main())
