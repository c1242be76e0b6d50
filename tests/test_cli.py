"""`roi run FILE [--json]`: the summary, JSON lines with the contract keys, and bad files
exiting 2 with the ScenarioError text and no traceback."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from roi.cli import EXIT_BAD_INPUT, EXIT_OK, main
from roi.timeline import PHASES

ROOT = Path(__file__).resolve().parents[1]
ROI = ROOT / ".venv" / "bin" / "roi"
CONTRACT_KEYS = {
    "name",
    "annual_impact",
    "monthly_net_impact",
    "payback_months",
    "meets_payback_threshold",
    "npv",
    "roi_pct",
    "timeline_weeks",
}


def run_main(capsys, *argv: str) -> tuple[int, str, str]:
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def json_lines(stdout: str) -> list[dict]:
    """Every stdout line parsed as one JSON object (fails on anything else)."""
    lines = stdout.splitlines()
    assert lines, "no output"
    return [json.loads(line) for line in lines]


@pytest.fixture
def never_file(tmp_path, invoice_fields) -> Path:
    """A scenario that never pays back: 1 user saving 1 minute a day against 136,000."""
    path = tmp_path / "never.yaml"
    fields = {**invoice_fields, "name": "Never", "users": 1, "minutes_saved_per_task": 1}
    path.write_text(yaml.safe_dump(fields), encoding="utf-8")
    return path


def test_run_prints_the_decision_first_then_the_summary(capsys, invoice_yaml):
    """The README's `make run`: the decision on the line after the name, with its reasons,
    then the example's numbers (no ranges, so on the likely basis, labelled), exit 0.

    The example file marks 4 of its 5 PoC exit items done (owner_sponsor_committed is
    open), so the gate is a conditional go; 200 x 12 x 4 / 60 x 55 x 230 - 136,000 =
    1,888,000 a year; 300,000 / (1,888,000 / 12) = 1.9 months.
    """
    code, out, err = run_main(capsys, "run", invoice_yaml)
    assert code == EXIT_OK and err == ""
    lines = out.splitlines()
    assert lines[0] == "Invoice triage assistant"
    assert lines[1].split()[:3] == ["Decision", "Conditional", "go:"]
    assert "PoC exit criteria: 1 of 5 items open" in lines[1]
    assert "    Condition: Close: A product owner and a sponsor are committed" in out
    assert "  Annual impact (likely)     $1,888,000\n" in out
    assert "  Monthly net impact         $157,333.33 (likely)" in out
    # On the cash flow, with the 3-month ramp, cash is still negative at month 3, so
    # (300,000 + 168,666.67 x 3 / 2) / 157,333.33 = 3.5 months: the decision's basis and
    # the headline. Simple: 300,000 / 157,333.33 = 1.9 months, a named detail.
    assert "  Payback (likely)           3.5 months\n" in out
    assert "on the cash flow from go-live, the 3-month adoption ramp included" in out
    assert "  Simple payback             1.9 months (likely): one-time costs / monthly" in out
    # The starter answers the notebook-to-pipeline gap open: 3-6 months (13-26 weeks,
    # likely 19.5) more refactoring, on the critical path: 11 + 13 = 24, 16 + 19.5 = 35.5,
    # 21 + 26 = 47 weeks.
    assert "  Production timeline        24-47 weeks, likely 35.5 weeks" in out
    assert "Monte Carlo" not in out  # no ranges: nothing to simulate


def test_run_json_holds_only_json_with_the_contract_keys(capsys, invoice_yaml):
    """--json: stdout is one JSON object per line, with the issue's keys and values."""
    code, out, err = run_main(capsys, "run", invoice_yaml, "--json")
    assert code == EXIT_OK and err == ""
    (data,) = json_lines(out)
    assert set(data) >= CONTRACT_KEYS
    assert data["name"] == "Invoice triage assistant"
    assert data["annual_impact"] == pytest.approx(1_888_000)
    assert data["monthly_net_impact"] == pytest.approx(157_333.33, abs=0.005)
    assert data["payback_months"] == pytest.approx(1.907, abs=5e-4)
    assert data["meets_payback_threshold"] is True
    assert isinstance(data["npv"], float) and isinstance(data["roi_pct"], float)
    assert data["timeline_weeks"] == {"min": 24, "likely": 35.5, "max": 47}  # the open gap


def test_run_json_never_pays_back_is_null(capsys, never_file):
    """payback_months is null (not Infinity, which is not JSON) when it never pays back."""
    code, out, _ = run_main(capsys, "run", never_file, "--json")
    assert code == EXIT_OK
    (data,) = json_lines(out)
    assert data["payback_months"] is None
    assert data["meets_payback_threshold"] is False
    assert "Infinity" not in out and "NaN" not in out


def test_run_summary_says_never(capsys, never_file):
    """The readable summary says 'never', 'missed' and No-go first."""
    _, out, _ = run_main(capsys, "run", never_file)
    assert out.splitlines()[1].split()[:2] == ["Decision", "No-go:"]
    assert "  Payback (likely)           never\n" in out
    assert "  Simple payback             never (likely)" in out
    assert "  Discounted payback         never (likely)" in out


def test_run_json_has_the_decision(capsys, invoice_yaml, never_file):
    """--json adds decision (one of three names), reasons, conditions and kill criteria."""
    _, out, _ = run_main(capsys, "run", invoice_yaml, "--json")
    (data,) = json_lines(out)
    assert data["decision"] == "Conditional go"
    assert any("1 of 5 items open" in reason for reason in data["reasons"])
    # The example's open readiness item and its one success criterion short of target
    # (field accuracy 93% against 95%, above the 90% kill line) are the first conditions.
    assert data["conditions"][0] == (
        "Close: A product owner and a sponsor are committed to fund and adopt the MVP "
        "(owner: Head of finance operations)."
    )
    assert data["conditions"][1].startswith(
        "Close the gap on Field accuracy on realistic invoices: 93% measured against the "
        "target of 95% (2 percentage points to go)"
    )
    # Then what a Go needs before production (issue 33): the readiness review's sign-offs
    # and a named production owner, which the starter does not give.
    assert [c.split(" ")[0] for c in data["conditions"][2:]] == ["Hold", "Name"]
    assert any(k.startswith("Stop if users falls below") for k in data["kill_criteria"])
    assert data["basis"] == "likely" and data["readiness_assessed"] is True
    assert data["headline"]["annual_impact"]["value"] == data["annual_impact"]
    _, out, _ = run_main(capsys, "run", never_file, "--json")
    (never,) = json_lines(out)
    assert never["decision"] == "No-go" and never["headline"]["payback_months"]["value"] is None


def test_run_several_scenarios_prints_a_table(capsys, tmp_path, invoice_fields):
    """Several scenarios: one row each (name, decision, basis, impact, payback, NPV,
    P(meets)); --detail prints the full blocks instead. Row B: 1 x 1 x 1 / 60 x 55 x
    230 = 210.83 of time value against 136,000 of running costs: never pays back."""
    path = tmp_path / "two.yaml"
    ranged = {**invoice_fields, "name": "Ranged", "users": {"low": 150, "likely": 200, "high": 260}}
    never = {
        **invoice_fields,
        "name": "B",
        "users": 1,
        "tasks_per_day": 1,
        "minutes_saved_per_task": 1,
    }
    path.write_text(yaml.safe_dump({"scenarios": [ranged, never]}), encoding="utf-8")
    code, out, _ = run_main(capsys, "run", path, "--samples", "2000")
    assert code == EXIT_OK
    header, rule, first, second, *_ = out.splitlines()
    assert header.split() == [
        "Scenario",
        "Decision",
        "Basis",
        "Annual",
        "impact",
        "Payback",
        "NPV",
        "P(meets)",
    ]
    assert set(rule) == {"-", " "}
    # No readiness answers: the PoC exit criteria are unproven, so a conditional go.
    assert first.split()[:4] == ["Ranged", "Conditional", "go", "P50"] and first.endswith("100%")
    assert second.split()[:4] == ["B", "No-go", "likely", "-$135,789"]
    assert "never" in second and second.endswith("n/a")
    _, detail, _ = run_main(capsys, "run", path, "--samples", "2000", "--detail")
    assert detail.count("  Decision ") == 2 and "Annual impact (P50)" in detail


def test_run_csv_gives_one_json_line_per_row(capsys, tmp_path):
    """A table file: one JSON object per scenario row, in order."""
    path = tmp_path / "plan.csv"
    path.write_text(
        "name,users,tasks_per_day,minutes_saved_per_task,hourly_rate,platform_cost_annual,"
        "model_cost_annual,support_cost_annual,build_cost,change_cost\n"
        "A,200,12,4,55,60000,36000,40000,250000,50000\n"
        "B,1,1,1,55,60000,36000,40000,250000,50000\n",
        encoding="utf-8",
    )
    code, out, _ = run_main(capsys, "run", path, "--json")
    assert code == EXIT_OK
    rows = json_lines(out)
    assert [row["name"] for row in rows] == ["A", "B"]
    assert rows[1]["payback_months"] is None


def test_bad_file_exits_2_with_the_problems(capsys, tmp_path, invoice_fields):
    """A bad file: exit 2, every problem on stderr, nothing on stdout."""
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump({**invoice_fields, "userz": 3, "users": -1}), encoding="utf-8")
    code, out, err = run_main(capsys, "run", path, "--json")
    assert code == EXIT_BAD_INPUT and out == ""
    assert err == (
        "roi: 2 problems in the scenario input:\n"
        f"  - {path}: 'userz' is not a scenario field (did you mean 'users'?): got 3\n"
        f"  - {path}: 'users' must be a number >= 0: got -1\n"
    )


def test_missing_file_exits_2(capsys, tmp_path):
    """A path that does not exist is bad input too, not a crash."""
    code, _, err = run_main(capsys, "run", tmp_path / "nope.yaml")
    assert code == EXIT_BAD_INPUT
    assert "does not exist" in err and "Traceback" not in err


def cli(*argv: str) -> subprocess.CompletedProcess:
    command = [str(ROI)] if ROI.exists() else [sys.executable, "-m", "roi.cli"]
    return subprocess.run(
        [*command, *map(str, argv)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
        check=False,
    )


def test_console_script_run_and_json(invoice_yaml):
    """The installed .venv/bin/roi: summary and --json, exit 0."""
    summary = cli("run", invoice_yaml)
    assert summary.returncode == 0, summary.stderr
    assert "  Annual impact (likely)     $1,888,000" in summary.stdout
    as_json = cli("run", invoice_yaml, "--json")
    assert as_json.returncode == 0, as_json.stderr
    (data,) = json_lines(as_json.stdout)
    assert set(data) >= CONTRACT_KEYS


def test_console_script_bad_file_has_no_traceback(tmp_path):
    """Unparseable YAML through the real process: exit 2, the message, no traceback."""
    path = tmp_path / "broken.yaml"
    path.write_text("name: x\nusers: [1, 2\n", encoding="utf-8")
    result = cli("run", path, "--json")
    assert result.returncode == 2
    assert result.stdout == ""
    assert f"{path}: file is not valid YAML at line 3" in result.stderr
    assert "Traceback" not in result.stderr


def test_overflowing_inputs_exit_2_not_a_json_traceback(capsys, tmp_path, invoice_fields):
    """--json cannot print inf; such input is refused as bad input (exit 2)."""
    path = tmp_path / "huge.yaml"
    path.write_text(
        yaml.safe_dump({**invoice_fields, "build_cost": 1e308, "change_cost": 1e308}),
        encoding="utf-8",
    )
    code, out, err = run_main(capsys, "run", path, "--json")
    assert code == EXIT_BAD_INPUT and out == ""
    assert "'build_cost' is too large: the results cannot be computed" in err


def test_summary_shows_go_live_and_warnings(capsys, tmp_path, invoice_fields):
    """With a start date and sequential checkpoints: go-live 16.1 weeks (81 business days)
    after Monday 2026-01-05 is Tuesday 2026-04-28, within the full plan's 11-21 weeks; as a
    well-scoped feature (6-10 weeks) the same 16.1 weeks (every phase typed) is flagged."""
    path = tmp_path / "dated.yaml"
    fields = {**invoice_fields, "start_date": "2026-01-05", "governance": "sequential"}
    path.write_text(yaml.safe_dump(fields), encoding="utf-8")
    code, out, _ = run_main(capsys, "run", path)
    assert code == EXIT_OK
    assert "  Production timeline        11.4-21 weeks, likely 16.1 weeks (sequential" in out
    assert "  Go-live                    2026-04-28" in out
    assert "Warning" not in out
    typed = {p.id: {"low": p.min_weeks, "likely": p.likely, "high": p.max_weeks} for p in PHASES}
    path.write_text(
        yaml.safe_dump({**fields, "plan_profile": "well_scoped", "phase_weeks": typed}),
        encoding="utf-8",
    )
    code, out, _ = run_main(capsys, "run", path)
    assert code == EXIT_OK
    assert "  Production timeline        11.4-21 weeks, likely 16.1 weeks (sequential" in out
    assert (
        "  Warning: The likely plan takes 16.1 weeks, past the 6-10 weeks of a well-scoped" in out
    )


# --- a quiet, conventional CLI ---------------------------------------------------------------

ROOT = Path(__file__).resolve().parents[1]
COMMANDS = ("run", "memo", "batch", "app", "export", "init", "plan")


@pytest.mark.parametrize("command", [None, *COMMANDS])
def test_every_help_ends_with_examples_of_itself(capsys, command):
    with pytest.raises(SystemExit) as done:
        main([command, "--help"] if command else ["--help"])
    assert done.value.code == 0
    text = capsys.readouterr().out
    tail = text[text.rindex("examples:") :].splitlines()[1:]
    examples = [line.strip() for line in tail if line.startswith("  roi ")]
    assert len(examples) >= 2
    if command:
        assert all(line.startswith(f"roi {command}") for line in examples)


def test_version_prints_the_package_version(capsys):
    from roi import __version__

    with pytest.raises(SystemExit) as done:
        main(["--version"])
    assert done.value.code == 0
    assert capsys.readouterr().out.strip() == f"roi {__version__}"


@pytest.mark.parametrize("name", ["nope.ipynb", "README.md"])
def test_app_with_no_such_notebook_is_an_error_before_anything_is_served(capsys, name):
    code, _, err = run_main(capsys, "app", str(ROOT / name), "--port", "1")
    assert code == EXIT_BAD_INPUT
    assert "serving" not in err and "Traceback" not in err
    assert name in err
    assert ("does not exist" if name.endswith(".ipynb") else "is not a .ipynb notebook") in err


def test_run_reads_every_scenario_file_of_a_folder_and_says_when_there_is_none(
    capsys, tmp_path, invoice_yaml
):
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / "notes.txt").write_text("not a scenario", encoding="utf-8")
    code, _, err = run_main(capsys, "run", str(empty))
    assert code == EXIT_BAD_INPUT
    assert f"{empty}: folder holds no scenario files (.yaml, .yml, .json, .csv or .xlsx)" in err
    folder = tmp_path / "two"
    folder.mkdir()
    for stem, users in (("b", 150), ("a", 250)):
        data = yaml.safe_load(Path(invoice_yaml).read_text(encoding="utf-8"))
        (folder / f"{stem}.yaml").write_text(
            yaml.safe_dump({**data, "name": f"{stem} team", "users": users}), encoding="utf-8"
        )
    code, out, _ = run_main(capsys, "run", str(folder), "--json")
    assert code == EXIT_OK
    assert [d["name"] for d in json_lines(out)] == ["a team", "b team"]  # in name order


def test_make_run_prints_only_the_result():
    """Setup output goes to .venv/setup.log; `make run` shows the summary alone."""
    done = subprocess.run(
        ["make", "--no-print-directory", "run"], cwd=ROOT, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == "Invoice triage assistant"
    assert lines[1].split()[:2] == ["Decision", "Conditional"]
    # No tool's warnings (pip, the build); the plan's own warnings are part of the result
    # (the starter's open notebook-to-pipeline gap takes it past 21 weeks, 7.1x its PoC).
    others = [line for line in done.stdout.splitlines() if "warning" in line.lower()]
    assert others and all(line.startswith("  Warning: ") for line in others)
    assert not any(line.lstrip().lower().startswith(("pip", "[notice]")) for line in lines)


def test_escape_codes_in_a_name_cannot_redraw_the_decision(capsys, tmp_path, invoice_fields):
    """A name holding a carriage return and ANSI codes (which could make a terminal show
    'Decision Go' over a No-go) is printed with those characters as visible escapes."""
    fields = {**invoice_fields, "name": "X\rDecision  Go\x1b[2K\x1b[1A", "users": 1}
    path = tmp_path / "s.yaml"
    path.write_text(yaml.safe_dump(fields), encoding="utf-8")
    code, out, _ = run_main(capsys, "run", path)
    assert code == EXIT_OK
    assert "\x1b" not in out and "\r" not in out
    assert out.splitlines()[0] == "X\\rDecision  Go\\x1b[2K\\x1b[1A"
    assert out.splitlines()[1].split()[:2] == ["Decision", "No-go:"]


@pytest.mark.parametrize("confidence", [0.6, 0.7, 0.95])
def test_run_and_memo_take_the_same_confidence_and_decide_alike(capsys, tmp_path, confidence):
    """`--confidence` is one option in every command that decides: `roi run --json`
    gives what `assess` gives under that rule, and the memo written with it states the
    same decision (before, only `roi memo` took it, so with a rule other than the
    default the memo and `roi run` disagreed)."""
    from roi.assess import assess
    from roi.decision import DecisionRule
    from roi.files import load_scenario
    from roi.resources import SCENARIOS

    path = SCENARIOS / "sales_copilot.yaml"
    options = ("--samples", "2000", "--seed", "3", "--confidence", str(confidence))
    code, out, _ = run_main(capsys, "run", path, "--json", *options)
    assert code == EXIT_OK
    (shown,) = json_lines(out)
    rule = DecisionRule(confidence=confidence)
    expected = assess(load_scenario(path), samples=2000, seed=3, rule=rule)
    assert shown == json.loads(json.dumps(expected.to_dict()))
    assert shown["decision_rule"]["confidence"] == confidence
    code, out, _ = run_main(capsys, "memo", path, "-o", tmp_path, "--format", "html", *options)
    assert code == EXIT_OK
    memo = next(tmp_path.glob("*.html")).read_text(encoding="utf-8")
    assert f'id="decision">{expected.outcome}<' in memo


def test_a_confidence_outside_0_to_1_is_refused_naming_it(capsys):
    from roi.resources import EXAMPLE_SCENARIO

    code, out, err = run_main(capsys, "run", EXAMPLE_SCENARIO, "--confidence", "1.5")
    assert code == EXIT_BAD_INPUT and out == ""
    assert "confidence must be > 0 and <= 1: got 1.5" in err


def test_roi_run_compare_prints_two_plans_side_by_side(tmp_path, capsys):
    """`roi run --compare A B`: each plan's decision and headline figures as present()
    words them, in two columns; a FILE and --compare together are refused."""
    from roi.assess import assess
    from roi.files import load_scenario, save_scenario
    from roi.presentation import present
    from roi.resources import EXAMPLE_SCENARIO

    ai = load_scenario(EXAMPLE_SCENARIO)
    rules = ai.evolve(name="Rules engine", minutes_saved_per_task=3.8, model_cost_annual=0)
    a_path = save_scenario(ai, tmp_path / "ai.yaml")
    b_path = save_scenario(rules, tmp_path / "rules.yaml")
    code, out, _ = run_main(capsys, "run", "--compare", a_path, b_path, "--samples", "0")
    assert code == EXIT_OK
    lines = out.splitlines()
    assert lines[0].split("  ")[-1].strip() == "Rules engine"
    for a_fig, b_fig in zip(
        present(assess(ai, samples=0)).headline,
        present(assess(rules, samples=0)).headline,
        strict=True,
    ):
        [line] = [line for line in lines if line.startswith(a_fig.label + " ")]
        assert f"{a_fig.text} (likely)" in line and line.endswith(f"{b_fig.text} (likely)")
    code, _, err = run_main(capsys, "run", a_path, "--compare", a_path, b_path)
    assert code == 2 and "a FILE or --compare A B, not both" in err
