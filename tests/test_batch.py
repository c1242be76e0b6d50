"""`roi batch`: invalid scenarios skipped and listed, the rest run, resumable, safe names.

The fast tests run the no-kernel path and the pure checks; the slow ones execute real
notebooks with papermill (the workbook, and a tiny test notebook that can hang, kill
its kernel or tamper with its numbers on request) and a Dask LocalCluster.
"""

from __future__ import annotations

import ast
import csv
import json
import math
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
from itertools import pairwise
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
import yaml

from roi.batch import (
    DEFAULT_NOTEBOOK,
    EXIT_BAD_INPUT,
    EXIT_FAILED,
    EXIT_OK,
    BatchOptions,
    check_injected_source,
    check_parameters,
    load_batch,
    notebook_parameters,
    notebook_results,
    parameterized_notebook,
    run_batch,
    scenario_folder,
)
from roi.batch.run import output_lock
from roi.cli import main
from roi.exceptions import RoiError, ScenarioError
from roi.files import load_scenarios, neutralised
from roi.formatting import money
from roi.scenario import SCENARIO_KEYS, scenario_from_dict
from roi.uncertainty import DEFAULT_SAMPLES

SAFE = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
RESERVED = {"con", "prn", "aux", "nul", "com1", "lpt1"}
BASE = {
    "users": 40,
    "tasks_per_day": 10,
    "minutes_saved_per_task": 3,
    "hourly_rate": 50,
    "platform_cost_annual": 12_000,
    "model_cost_annual": 8_000,
    "support_cost_annual": 10_000,
    "build_cost": 60_000,
    "change_cost": 10_000,
}
HOSTILE_NAMES = [
    "../../etc/passwd",
    "con",
    "Pilot",
    "pilot",  # the same file name as "Pilot": must not overwrite it
    "x" * 300,
    "請求書の自動仕分け",
    '<script>alert("memo")</script>',
    '=HYPERLINK("http://example.com","open me")',  # a formula, if a spreadsheet obeyed
]


def scenario_rows(names, **changes):
    return [{**BASE, "name": name, **changes} for name in names]


def write_yaml(path: Path, rows) -> Path:
    path.write_text(yaml.safe_dump({"scenarios": rows}, allow_unicode=True), encoding="utf-8")
    return path


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def roi_run_json(path: Path, capsys) -> dict[str, dict]:
    """`roi run FILE --json`, one results dict per scenario name."""
    assert main(["run", str(path), "--json"]) == 0
    lines = capsys.readouterr().out.splitlines()
    return {item["name"]: item for item in map(json.loads, lines)}


# --- safe names --------------------------------------------------------------------------


@pytest.mark.parametrize("stem", ["../x", "a/b", "", "con", "A", "x-", ".hidden"])
def test_scenario_folder_refuses_an_unsafe_stem(stem, tmp_path):
    """A stem that is not already safe is refused, never resolved outside the folder."""
    with pytest.raises(ValueError, match="not a safe file name"):
        scenario_folder(tmp_path, stem)


# --- parameters ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "key",
    [
        "__import__('os').system('x')",
        "x; import os",
        "users\nimport os",
        "import",
        "not_a_field",
        "__builtins__",
        1,
    ],
)
def test_hostile_parameter_names_are_rejected(key):
    """A parameter name must be an identifier and a Scenario field the notebook declares."""
    with pytest.raises(ScenarioError) as raised:
        check_parameters({key: 1}, [*SCENARIO_KEYS, "not_a_field"])
    assert raised.value.problems[0].field == str(key)


def test_undeclared_field_and_non_plain_values_are_rejected():
    """A field the notebook lacks, NaN and objects are named, never passed to papermill."""
    with pytest.raises(ScenarioError) as raised:
        check_parameters(
            {"users": float("nan"), "readiness": {}, "notes": {"users": object()}},
            ["users", "notes"],
        )
    problems = {p.field: p.allowed for p in raised.value.problems}
    assert problems["users"] == "must be a finite number"
    assert "does not declare it" in problems["readiness"]
    assert problems["notes"].startswith("must be plain data")


@pytest.mark.parametrize(
    "code",
    [
        "users = 1\nimport os",
        "users = __import__('os').getcwd()",
        "users = 1; exec('x')",
        "name = 'a' + 'b'",
        "users, name = 1, 'a'",
        "users = float('nan')",
    ],
)
def test_injected_source_must_be_literal_assignments(code):
    """The text papermill would run may only assign literals to allowed names."""
    with pytest.raises(ScenarioError):
        check_injected_source(code, ["users", "name"])


def test_hostile_values_round_trip_as_plain_text():
    """Quotes, backslashes, newlines and code in a name reach the notebook as the same text."""
    name = "x\"; import os; os.system('id'); \"\\\n'''"
    scenario = scenario_from_dict({**BASE, "name": name, "notes": {"users": 'a\\"b\n'}})
    node = parameterized_notebook(DEFAULT_NOTEBOOK, scenario)
    (cell,) = [c for c in node.cells if "injected-parameters" in c.metadata["tags"]]
    assigned = {
        statement.targets[0].id: ast.literal_eval(statement.value)
        for statement in ast.parse(cell.source).body
    }
    assert assigned["name"] == name
    assert assigned["notes"] == {"users": 'a\\"b\n'}
    assert assigned["users"] == 40
    assert assigned["scenario_file"] is None  # the injected fields win over a file
    assert set(assigned) <= {*SCENARIO_KEYS, "scenario_file", "samples", "seed"}


def test_monte_carlo_settings_go_only_to_a_notebook_that_declares_them():
    """samples and seed are injected where the parameters cell has them, never elsewhere."""
    scenario = scenario_from_dict({**BASE, "name": "x"})
    plain = notebook_parameters(scenario, SCENARIO_KEYS, samples=500, seed=3)
    assert "samples" not in plain and "seed" not in plain
    declared = [*SCENARIO_KEYS, "samples", "seed", "scenario_file"]
    full = notebook_parameters(scenario, declared, samples=500, seed=3)
    assert (full["samples"], full["seed"], full["scenario_file"]) == (500, 3, None)
    assert set(full) == set(declared)  # every field, defaults included


# --- the fast path, end to end ---------------------------------------------------------------


@pytest.fixture
def mixed_inputs(tmp_path) -> Path:
    """A folder: hostile but valid names (YAML), a CSV with one bad row, a broken file."""
    folder = tmp_path / "in"
    folder.mkdir()
    write_yaml(folder / "a.yaml", scenario_rows(HOSTILE_NAMES))
    table = pd.DataFrame(scenario_rows(["Table good", "Table bad"]))
    table.loc[1, "users"] = -5  # row 3 of the CSV (the header is row 1)
    table.to_csv(folder / "b.csv", index=False)
    (folder / "c.yaml").write_text("name: [unclosed\n", encoding="utf-8")
    return folder


def test_a_batch_with_a_budget_shows_the_set_it_funds_as_roi_portfolio_chooses(tmp_path, capsys):
    """--budget: portfolio.html shows the funding choice beside the ranking, the same set
    `roi portfolio --budget` chooses from the same file."""
    from roi.resources import SCENARIOS

    source = SCENARIOS / "portfolio.csv"
    assert main(["portfolio", str(source), "--budget", "600k", "--samples", "0", "--json"]) == 0
    chosen = json.loads(capsys.readouterr().out)["selected"]
    out = tmp_path / "out"
    args = ["batch", str(source), "--no-notebooks", "--out", str(out), "--samples", "0"]
    assert main([*args, "--budget", "600k", "--quiet", "--formats", "none"]) == 0
    capsys.readouterr()
    page = (out / "portfolio.html").read_text(encoding="utf-8")
    selection = page[page.index('id="selection"') : page.index("</section>")]
    text = " ".join(selection.split())
    funded = re.search(r"Fund <strong>\d+</strong>: ([^.]+)\.", text).group(1)
    assert funded.split(", ") == chosen
    with pytest.raises(SystemExit) as refused:  # argparse's exit 2, naming the option
        main([*args, "--budget=-5"])
    assert refused.value.code == EXIT_BAD_INPUT
    assert "--budget: must be an amount >= 0: got '-5'" in capsys.readouterr().err


def test_fast_batch_skips_invalid_rows_and_matches_roi_run(mixed_inputs, tmp_path, capsys):
    """--no-notebooks: invalid input listed (file, row, field, value, rule), rest summarised.

    The summary's numbers are the ones `roi run --json` prints for the same scenarios.
    """
    out = tmp_path / "out"
    args = ["batch", str(mixed_inputs), "--out", str(out), "--no-notebooks"]
    args += ["--workers", "2", "--samples", "500", "--seed", "7", "--formats", "html,md"]
    code = main([*args, "--quiet"])
    capsys.readouterr()
    assert code == EXIT_BAD_INPUT  # invalid input, although every valid scenario ran

    failures = read_csv(out / "failures.csv")
    bad_row = [f for f in failures if f["source"].endswith("b.csv")]
    assert [(f["row"], f["field"], f["value"], f["problem"]) for f in bad_row] == [
        ("3", "users", "-5", "must be a number >= 0")  # the value as typed, named
    ]
    assert [f["scenario"] for f in bad_row] == ["Table bad"]
    assert any(f["source"].endswith("c.yaml") and "YAML" in f["problem"] for f in failures)

    everything = read_csv(out / "summary.csv")
    # The summary accounts for every input: the invalid row and the unreadable file too,
    # unranked, after the ranked ones, each with its status and reason.
    summary = [r for r in everything if r["status"] == "ran"]
    invalid = [r for r in everything if r["status"] == "invalid"]
    assert everything[: len(summary)] == summary and len(everything) == len(summary) + 2
    assert [(r["name"], r["rank"], r["decision"]) for r in invalid] == [
        ("(c.yaml)", "", ""),  # a file that cannot be read: named by its file
        ("Table bad", "", ""),
    ]
    assert invalid[0]["source"].endswith("c.yaml") and "YAML" in invalid[0]["reason"]
    assert invalid[1]["reason"] == "'users' must be a number >= 0 (got -5)"
    # Names a spreadsheet would run as formulas carry a leading ' (OWASP); the rest as given.
    expected = [neutralised(n) for n in [*HOSTILE_NAMES, "Table good"]]
    assert sorted(r["name"] for r in summary) == sorted(expected)
    assert [int(r["rank"]) for r in summary] == list(range(1, len(summary) + 1))
    expected = {neutralised(k): v for k, v in roi_run_json(mixed_inputs / "a.yaml", capsys).items()}
    for row in summary:
        if row["name"] == "Table good":
            continue
        worked = expected[row["name"]]
        for key in ("annual_impact", "npv", "payback_months", "one_time_cost", "roi_pct"):
            assert float(row[key]) == worked[key], (row["name"], key)
        assert row["meets_payback_threshold"] == str(worked["meets_payback_threshold"])

    # Every scenario has its own folder and memos inside the output folder, and the
    # portfolio links them; user text is escaped there.
    stems = [r["stem"] for r in summary]
    assert len(set(stems)) == len(stems)
    html = (out / "portfolio.html").read_text(encoding="utf-8")
    assert '<script>alert("memo")</script>' not in html
    assert "&lt;script&gt;alert(&#34;memo&#34;)&lt;/script&gt;" in html
    for row in summary:
        for link in (row["memo_html"], row["memo_md"]):
            assert (out / link).resolve().is_relative_to(out.resolve())
            assert (out / link).is_file()
            assert f'href="{link}"' in html
    for decision in {r["decision"] for r in summary}:  # decisions counted
        count = sum(r["decision"] == decision for r in summary)
        assert f"<strong>{count}</strong>{decision}</li>" in html
    order = [("Go", "Conditional go", "No-go").index(r["decision"]) for r in summary]
    assert order == sorted(order)  # ranked by decision, then by NPV within one
    for before, after in pairwise(summary):
        if before["decision"] == after["decision"]:
            assert float(before["npv"]) >= float(after["npv"])
    assert '<script src="plotly.min.js"></script>' in html
    assert (out / "plotly.min.js").stat().st_size > 1_000_000
    memo = (out / summary[0]["memo_html"]).read_text(encoding="utf-8")
    assert 'src="../../plotly.min.js"' in memo  # one shared copy, not 4.8 MB per memo
    # Batch Markdown memos carry their charts too: SVG files beside each memo.
    for row in summary:
        markdown = out / row["memo_md"]
        links = re.findall(r"\]\((memo_charts/[^)]+\.svg)\)", markdown.read_text("utf-8"))
        assert len(links) >= 2, row["name"]  # cash flow and timeline at least
        assert all("<svg" in (markdown.parent / link).read_text("utf-8") for link in links)

    workbook = openpyxl.load_workbook(out / "summary.xlsx")
    assert not [
        c.coordinate for ws in workbook for row in ws.iter_rows() for c in row if c.data_type == "f"
    ], "names must stay text, never formulas"
    excel = pd.read_excel(out / "summary.xlsx", sheet_name=None)
    # The XLSX keeps the exact text (typed as text); the CSV neutralised it.
    names = excel["summary"]["Initiative"]  # readable headers; the CSV keeps the keys
    assert [neutralised(n) for n in names] == [r["name"] for r in everything]
    assert len(excel["failures"]) == len(failures)
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["seed"] == 7 and manifest["samples"] == 500
    assert {Path(i["path"]).name for i in manifest["inputs"]} == {"a.yaml", "b.csv", "c.yaml"}
    assert all(len(i["sha256"]) == 64 for i in manifest["inputs"])
    assert manifest["notebook"] is None


def test_a_rerun_skips_unchanged_scenarios_and_reruns_changed_ones(tmp_path):
    """Same inputs and finished outputs: skipped, files untouched; a changed one reruns."""
    source = write_yaml(tmp_path / "s.yaml", scenario_rows(["One", "Two"]))
    options = BatchOptions(out_dir=tmp_path / "out", notebook=None, samples=200, progress=False)
    first = run_batch(source, options)
    assert first.exit_code == EXIT_OK
    memo = tmp_path / "out" / "scenarios" / "one" / "memo.html"
    stamp = memo.stat().st_mtime_ns

    again = run_batch(source, options)
    assert [o.status for o in again.outcomes] == ["skipped", "skipped"]
    assert memo.stat().st_mtime_ns == stamp
    assert read_csv(tmp_path / "out" / "summary.csv")[0]["name"] in ("One", "Two")

    write_yaml(source, [*scenario_rows(["One"]), *scenario_rows(["Two"], users=41)])
    (tmp_path / "out" / "scenarios" / "one" / "memo.html").unlink()  # an output went missing
    third = run_batch(source, options)
    assert [o.status for o in third.outcomes] == ["ok", "ok"]
    assert memo.is_file()


def test_a_rerun_remakes_an_emptied_memo_and_distrusts_an_edited_result(tmp_path):
    """Before: a rerun kept a 0-byte memo (it only asked whether the file existed) and
    carried an edited result.json's row into the summary. Each file's size and SHA-256
    and a seal over the record are now checked."""
    source = write_yaml(tmp_path / "s.yaml", scenario_rows(["One", "Two"]))
    options = BatchOptions(out_dir=tmp_path / "out", notebook=None, samples=200, progress=False)
    assert run_batch(source, options).exit_code == EXIT_OK
    folder = tmp_path / "out" / "scenarios"
    memo = folder / "one" / "memo.html"
    written = memo.read_bytes()
    memo.write_bytes(b"")  # a disk that filled up, a sync tool that truncated it
    result = folder / "two" / "result.json"
    record = json.loads(result.read_text(encoding="utf-8"))
    assert record["row"]["decision"] != "Go"
    record["row"]["decision"] = "Go"  # a hand edit
    result.write_text(json.dumps(record), encoding="utf-8")

    again = run_batch(source, options)
    assert [o.status for o in again.outcomes] == ["ok", "ok"]
    assert memo.read_bytes() == written
    rows = {r["name"]: r for r in read_csv(tmp_path / "out" / "summary.csv")}
    assert rows["Two"]["decision"] != "Go"
    assert [o.status for o in run_batch(source, options).outcomes] == ["skipped", "skipped"]


def test_a_second_batch_into_the_same_folder_is_refused_at_once(tmp_path, capsys):
    """Before: two batches into one --out ran everything twice and wrote over each other."""
    source = write_yaml(tmp_path / "s.yaml", scenario_rows(["One"]))
    out = tmp_path / "out"
    out.mkdir()
    with output_lock(out):  # a first batch holds the folder
        code = main(["batch", str(source), "--no-notebooks", "--out", str(out), "--quiet"])
        err = capsys.readouterr().err
    assert code == EXIT_BAD_INPUT and f"(pid {os.getpid()}) is writing to" in err
    assert not (out / "summary.csv").exists()
    assert main(["batch", str(source), "--no-notebooks", "--out", str(out), "--quiet"]) == 0


def test_a_folder_the_reports_cannot_be_written_to_is_a_message_not_a_traceback(tmp_path, capsys):
    """summary.csv cannot be written (a folder is in its place, as a full or read-only
    disk would fail it): the run says so, keeps the scenarios' files and exits 1."""
    source = write_yaml(tmp_path / "s.yaml", scenario_rows(["One"]))
    out = tmp_path / "out"
    (out / "summary.csv").mkdir(parents=True)
    code = main(["batch", str(source), "--no-notebooks", "--out", str(out), "--quiet"])
    err = capsys.readouterr().err
    assert code == EXIT_FAILED and "Traceback" not in err
    assert "cannot write the portfolio files in" in err
    assert (out / "scenarios" / "one" / "memo.html").is_file()


def test_no_valid_scenario_is_bad_input(tmp_path):
    """A file whose only scenario is invalid: nothing runs, exit 2, the problem listed."""
    source = write_yaml(tmp_path / "s.yaml", scenario_rows(["Bad"], hourly_rate="lots"))
    report = run_batch(source, BatchOptions(out_dir=tmp_path / "out", notebook=None))
    assert report.exit_code == EXIT_BAD_INPUT
    assert [p.field for p in report.input_problems] == ["hourly_rate"]
    [row] = read_csv(tmp_path / "out" / "summary.csv")  # listed, not ranked
    assert (row["name"], row["rank"], row["status"]) == ("Bad", "", "invalid")
    assert row["reason"].startswith("'hourly_rate' must be")


def test_load_batch_keeps_valid_rows_of_a_file_with_bad_ones(tmp_path):
    """One bad row does not sink its file: the others load, the bad one is described."""
    source = write_yaml(tmp_path / "s.yaml", [*scenario_rows(["Ok"]), {"name": "Nope"}])
    entries, invalid = load_batch(source)
    assert [e.scenario.name for e in entries] == ["Ok"]
    assert [(bad.row, bad.name) for bad in invalid] == [(2, "Nope")]  # named, for the tables
    assert {p.field for p in invalid[0].problems} >= {"users", "build_cost"}


def test_a_name_given_twice_is_invalid_the_second_time_in_every_command(tmp_path, capsys):
    """A later scenario with a name already taken is skipped and named as such by the
    batch, `roi run` and `roi portfolio` alike (each ran or ranked it twice, or refused
    the file), and refused with the same words under --strict."""
    source = write_yaml(tmp_path / "s.yaml", scenario_rows(["Same", "Other", "Same"]))
    entries, invalid = load_batch(source)
    assert [e.scenario.name for e in entries] == ["Same", "Other"]
    [bad] = invalid
    assert (bad.row, bad.name) == (3, "Same")
    assert bad.reason.startswith(f"'name' is already the name of {source} row 1")
    for command in (["run"], ["portfolio"]):
        assert main([*command, str(source), "--samples", "0"]) == EXIT_BAD_INPUT
        out, err = capsys.readouterr()
        assert "Other" in out  # the valid ones still give their figures
        assert f"{source} row 3 (Same): 'name' is already the name of" in err
        assert main([*command, str(source), "--samples", "0", "--strict"]) == EXIT_BAD_INPUT
        out, err = capsys.readouterr()
        assert out == "" and "is already the name of" in err


# --- notebooks (slow: real kernels) ---------------------------------------------------------

TEST_CELL = """
import json, os, pathlib, signal, time
from ipykernel.connect import get_connection_info
print("transport:", get_connection_info(unpack=True)["transport"])
print("samples=" + str(samples), "seed=" + str(seed))
actions = pathlib.Path({flag!r})
action = json.loads(actions.read_text()).get(name) if actions.exists() else None
if action == "hang":
    time.sleep(600)
if action == "die":
    os.kill(os.getpid(), signal.SIGKILL)
"""

SHOW_CELL = """
from IPython.display import display
from roi.assess import assess
from roi.reports.notebook import RESULTS_MIMETYPE, monte_carlo_parameters, scenario_from_parameters
samples, seed = monte_carlo_parameters(globals())
shown = assess(scenario_from_parameters(globals()), samples=samples, seed=seed).to_dict()
if action == "tamper":
    shown["npv"] += 1.0
display({RESULTS_MIMETYPE: shown}, raw=True)
"""


@pytest.fixture
def test_notebook(tmp_path) -> tuple[Path, Path]:
    """A small notebook with the workbook's parameters cell and misbehaviour on request."""
    import nbformat

    workbook = nbformat.read(DEFAULT_NOTEBOOK, as_version=4)
    (parameters,) = [c for c in workbook.cells if "parameters" in c.metadata.get("tags", [])]
    flag = tmp_path / "actions.json"
    notebook = nbformat.v4.new_notebook(metadata=workbook.metadata)
    notebook.cells = [
        nbformat.v4.new_code_cell(parameters.source, metadata={"tags": ["parameters"]}),
        nbformat.v4.new_code_cell(TEST_CELL.format(flag=str(flag))),
        nbformat.v4.new_code_cell(SHOW_CELL),
    ]
    path = tmp_path / "test.ipynb"
    nbformat.write(notebook, path)
    return path, flag


def notebook_text_outputs(path: Path) -> str:
    notebook = json.loads(path.read_text(encoding="utf-8"))
    return "".join(
        "".join(output.get("text", ""))
        for cell in notebook["cells"]
        for output in cell.get("outputs", [])
    )


@pytest.mark.slow
def test_hung_killed_and_tampered_notebooks_are_recorded_and_a_rerun_completes_them(
    test_notebook, tmp_path
):
    """A cell past the timeout, a killed kernel and wrong numbers each fail only their
    scenario, keep the partial notebook and exit 1; the rerun finishes just those."""
    notebook, flag = test_notebook
    source = write_yaml(tmp_path / "s.yaml", scenario_rows(["Fine", "Hangs", "Dies", "Tampered"]))
    flag.write_text(json.dumps({"Hangs": "hang", "Dies": "die", "Tampered": "tamper"}))
    options = BatchOptions(
        out_dir=tmp_path / "out",
        notebook=notebook,
        formats=(),
        samples=200,
        workers=2,
        timeout=4,
        progress=False,
    )
    temp = Path(tempfile.gettempdir())
    before = set(temp.glob("roi-kernel-*")) | set(temp.glob("roi-batch-*"))
    first = run_batch(source, options)
    assert first.exit_code == EXIT_FAILED
    # The kernels' socket folders (one killed, one timed out) are gone with the run.
    assert set(temp.glob("roi-kernel-*")) | set(temp.glob("roi-batch-*")) <= before
    status = {o.name: o for o in first.outcomes}
    assert status["Fine"].status == "ok"
    assert "timed out" in status["Hangs"].error
    assert "DeadKernelError" in status["Dies"].error or "died" in status["Dies"].error
    assert "npv" in status["Tampered"].error and "differ" in status["Tampered"].error
    failures = {f["scenario"]: f for f in read_csv(tmp_path / "out" / "failures.csv")}
    assert set(failures) == {"Hangs", "Dies", "Tampered"}
    partial = tmp_path / "out" / failures["Hangs"]["output"]
    assert partial.name == "workbook.ipynb" and partial.is_file()
    # The partial notebook holds what ran before the hang, over a private IPC socket.
    assert "transport: ipc" in notebook_text_outputs(partial)
    # A notebook that declares samples and seed gets the batch's.
    fine = tmp_path / "out" / status["Fine"].row["notebook"]
    assert "samples=200 seed=0" in notebook_text_outputs(fine)
    assert not list((tmp_path / "out" / "scenarios").glob("*/.*.partial.ipynb"))

    flag.unlink()
    second = run_batch(source, options)
    assert second.exit_code == EXIT_OK
    assert {o.name: o.status for o in second.outcomes} == {
        "Fine": "skipped",
        "Hangs": "ok",
        "Dies": "ok",
        "Tampered": "ok",
    }
    assert read_csv(tmp_path / "out" / "failures.csv") == []


@pytest.mark.slow
def test_workbook_numbers_equal_the_summary_and_memo(tmp_path):
    """The real workbook, run per scenario: its displayed results are the summary's.
    Alpha sets gate odds as the README does (`gate_probabilities: {2: 0.9}`, integer
    keys): the notebook takes them (it failed every such scenario before)."""
    source = write_yaml(
        tmp_path / "s.yaml",
        [
            *scenario_rows(["Alpha"], gate_probabilities={2: 0.9}),
            *scenario_rows(["Beta"], users={"low": 20, "likely": 40, "high": 50}),
        ],
    )
    options = BatchOptions(out_dir=tmp_path / "out", workers=2, progress=False)
    report = run_batch(source, options)
    assert report.exit_code == EXIT_OK, [o.error for o in report.failed]
    for row in read_csv(tmp_path / "out" / "summary.csv"):
        executed = json.loads((tmp_path / "out" / row["notebook"]).read_text())
        shown = notebook_results(executed)
        for key in ("annual_impact", "payback_months", "npv", "roi_pct", "one_time_cost"):
            assert math.isclose(float(row[key]), shown[key], rel_tol=1e-12), key
        # The workbook's own Monte Carlo (same samples and seed) agrees with the row.
        assert shown["decision"] == row["decision"]
        assert shown["basis"] == row["basis"] == ("P50" if row["name"] == "Beta" else "likely")
        if row["name"] == "Beta":
            assert float(row["npv_p50"]) == shown["npv_p50"]
            assert int(row["samples"]) == shown["samples"] == DEFAULT_SAMPLES
        else:  # no ranges: no Monte Carlo anywhere
            assert row["npv_p50"] == "" and "npv_p50" not in shown
        assert float(row["headline_npv"]) == shown["headline"]["npv"]["value"]
        assert float(row["risk_adjusted_npv"]) == shown["risk_adjusted_npv"]
        if row["name"] == "Alpha":
            (gate2,) = [g for g in shown["gates"] if g["gate"] == 2]
            assert (gate2["probability"], gate2["source"]) == (0.9, "scenario")
        assert "widgets" not in executed["metadata"]  # no widget state stored
        memo = (tmp_path / "out" / row["memo_html"]).read_text(encoding="utf-8")
        assert row["decision"] in memo
        assert money(float(row["annual_impact"])) in memo  # the memo's headline number
        assert money(float(row["headline_npv"])) in memo  # from the same Monte Carlo run


@pytest.mark.slow
def test_the_same_tasks_run_on_a_dask_cluster(test_notebook, tmp_path):
    """--dask ADDRESS: the executor interface on a LocalCluster, notebooks and all."""
    distributed = pytest.importorskip("distributed")
    notebook, _ = test_notebook
    source = write_yaml(tmp_path / "s.yaml", scenario_rows(["On dask", "Also on dask"]))
    with distributed.LocalCluster(
        n_workers=1, threads_per_worker=2, processes=False, dashboard_address=None
    ) as cluster:
        options = BatchOptions(
            out_dir=tmp_path / "out",
            notebook=notebook,
            formats=("html",),
            samples=200,
            dask_address=cluster.scheduler_address,
            progress=False,
        )
        report = run_batch(source, options)
    assert report.exit_code == EXIT_OK, [o.error for o in report.failed]
    assert "Dask" in report.executor
    rows = read_csv(tmp_path / "out" / "summary.csv")
    assert {r["name"] for r in rows} == {"On dask", "Also on dask"}
    assert all((tmp_path / "out" / r["notebook"]).is_file() for r in rows)


@pytest.mark.slow
@pytest.mark.parametrize(("stop", "status"), [(signal.SIGINT, 130), (signal.SIGKILL, -9)])
def test_an_interrupted_first_run_keeps_the_summary_of_what_finished(
    stop, status, test_notebook, tmp_path
):
    """Ctrl-C, or kill -9 of the main process, while a scenario hangs: the one that
    finished is in summary.csv (before: a first run interrupted left no summary at all;
    killed outright, none even after SIGINT handling), and the exit status says how."""
    notebook, flag = test_notebook
    source = write_yaml(tmp_path / "s.yaml", scenario_rows(["Fine", "Hangs"]))
    flag.write_text(json.dumps({"Hangs": "hang"}))
    out = tmp_path / "out"
    argv = [
        str(Path(sys.executable).with_name("roi")),
        "batch",
        str(source),
        "--out",
        str(out),
        "--quiet",
    ]
    argv += ["--notebook", str(notebook), "--workers", "1", "--formats", "none"]
    argv += ["--samples", "200", "--timeout", "600"]
    batch = subprocess.Popen(argv, stderr=subprocess.PIPE, text=True)
    try:
        done = out / "scenarios" / "fine" / "result.json"
        deadline = time.monotonic() + 120
        while not done.exists() and time.monotonic() < deadline and batch.poll() is None:
            time.sleep(0.2)
        assert done.exists(), "the first scenario finished"
        time.sleep(1.0)  # the second one is running (and hangs)
        batch.send_signal(stop)
        _, err = batch.communicate(timeout=60)
    finally:
        if batch.poll() is None:
            batch.kill()
            batch.wait(10)
    assert batch.returncode == status, err
    assert [r["name"] for r in read_csv(out / "summary.csv")] == ["Fine"]


def test_batch_ranks_by_risk_adjusted_npv_and_carries_the_evidence(tmp_path, capsys):
    """--rank risk-adjusted: summary.csv/.xlsx keep every evidence column, rows are in
    decision order and then by risk-adjusted NPV, and the report and manifest say so."""
    from roi.assess import EVIDENCE_COLUMNS
    from roi.reports.portfolio import decision_rank
    from roi.resources import SCENARIOS

    out, source = tmp_path / "out", SCENARIOS / "portfolio.csv"
    args = ["batch", str(source), "--out", str(out), "--no-notebooks"]
    args += ["--samples", "400", "--formats", "none", "--rank", "risk-adjusted", "--quiet"]
    assert main(args) == 0
    capsys.readouterr()
    summary = pd.read_csv(out / "summary.csv")
    assert set(EVIDENCE_COLUMNS) <= set(summary.columns)
    legend = pd.read_excel(out / "summary.xlsx", sheet_name="columns")
    assert set(EVIDENCE_COLUMNS) <= set(legend[legend["Sheet"] == "summary"]["CSV column"])
    decisions = summary["decision"].map(decision_rank)
    keys = list(zip(decisions, -summary["risk_adjusted_npv"], strict=True))
    assert keys == sorted(keys)
    counted = summary[["criteria_met", "criteria_close", "criteria_missed"]].sum(axis=1)
    written = {s.name: len(s.success_criteria) for s in load_scenarios(source)}
    assert dict(zip(summary["name"], counted, strict=True)) == written
    assert sum(written.values()) >= 6  # the three starters' criteria are in the table
    page = (out / "portfolio.html").read_text(encoding="utf-8")
    assert "then by risk-adjusted NPV, highest first" in page
    assert json.loads((out / "manifest.json").read_text(encoding="utf-8"))["rank_by"] == (
        "risk-adjusted"
    )


def test_batch_refuses_an_unknown_ranking(tmp_path, capsys):
    from roi.resources import SCENARIOS

    with pytest.raises(SystemExit) as exit_:
        main(["batch", str(SCENARIOS / "portfolio.csv"), "--out", str(tmp_path), "--rank", "irr"])
    assert exit_.value.code == 2
    assert "--rank: invalid choice: 'irr' (choose from" in capsys.readouterr().err


def test_the_lock_file_is_never_written_through_a_symlink(tmp_path):
    """A .roi-batch.lock planted as a link to another file: refused, the target untouched."""
    from roi.batch.run import LOCK_FILE

    target = tmp_path / "precious.txt"
    target.write_text("keep me\n", encoding="utf-8")
    out = tmp_path / "out"
    out.mkdir()
    (out / LOCK_FILE).symlink_to(target)
    with pytest.raises(RoiError, match="is a symbolic link"), output_lock(out):
        pass
    assert target.read_text(encoding="utf-8") == "keep me\n"


def test_a_negative_number_in_a_csv_reads_back(tmp_path):
    """csv_text marks formulas as text, but -200 is a number: written as -200, not '-200,
    so a table roi wrote runs again."""
    import io

    from roi.files import csv_text

    text = csv_text(pd.DataFrame({"incremental_revenue": ["-200"], "name": ["=cmd()"]}))
    frame = pd.read_csv(io.StringIO(text), dtype=object)
    assert frame.loc[0, "incremental_revenue"] == "-200"
    assert frame.loc[0, "name"] == "'=cmd()"


def test_a_batch_with_priors_all_carries_each_base_rate_s_value_as_roi_run_does(tmp_path, capsys):
    """`roi batch --priors all`: each summary row has the risk-adjusted NPV under every set
    and the flip point, equal to `roi run --json --priors all`; `--priors stall` prices
    every scenario at that set, as `roi run --priors stall` does."""
    from roi.base_rates import priors
    from roi.resources import SCENARIOS

    source = SCENARIOS / "portfolio.csv"
    assert main(["run", str(source), "--json", "--samples", "0", "--priors", "all"]) in (0, 2)
    runs = {d["name"]: d for d in map(json.loads, capsys.readouterr().out.splitlines())}
    out = tmp_path / "all"
    args = ["batch", str(source), "--no-notebooks", "--samples", "0", "--formats", "none"]
    assert main([*args, "--out", str(out), "--priors", "all", "--quiet"]) == 0
    capsys.readouterr()
    for row in read_csv(out / "summary.csv"):
        by_set = {p["name"]: p["risk_adjusted_npv"] for p in runs[row["name"]]["priors"]}
        for name in priors():
            assert float(row[f"risk_adjusted_npv_{name}"]) == pytest.approx(by_set[name])
        flip = runs[row["name"]]["flip_share_reaching_production"]
        assert (row["flip_share_reaching_production"] == "") == (flip is None)
    stall = tmp_path / "stall"
    assert main([*args, "--out", str(stall), "--priors", "stall", "--quiet"]) == 0
    capsys.readouterr()
    assert main(["run", str(source), "--json", "--samples", "0", "--priors", "stall"]) in (0, 2)
    alone = {d["name"]: d for d in map(json.loads, capsys.readouterr().out.splitlines())}
    for row in read_csv(stall / "summary.csv"):
        assert float(row["risk_adjusted_npv"]) == pytest.approx(
            alone[row["name"]]["risk_adjusted_npv"]
        )


def _unsure_copilot(tmp_path: Path) -> Path:
    """The sales copilot with a build cost of 0.3-2.5M: it meets its payback line in
    about 85% of samples, so a 0.95 confidence changes its decision's reasons."""
    from roi.resources import SCENARIOS

    data = yaml.safe_load((SCENARIOS / "sales_copilot.yaml").read_text(encoding="utf-8"))
    data["build_cost"] = {"low": 300_000, "likely": 600_000, "high": 2_500_000}
    return write_yaml(tmp_path / "copilot.yaml", [data])


def test_batch_and_portfolio_take_the_decision_rule_options_as_roi_run_does(tmp_path, capsys):
    """Issue 29: only run, memo and record took --confidence and --min-maturity, so a
    batch decided with the default rule whatever the analyst chose. They now decide as
    `roi run` with the same options; a rerun with another rule redoes the scenario and
    one with the same rule skips it."""
    from roi.assess import assess
    from roi.decision import DecisionRule

    source = _unsure_copilot(tmp_path)
    scenario = load_scenarios(source)[0]
    base = ["--no-notebooks", "--samples", "2000", "--formats", "none", "--quiet"]

    def reasons(confidence: float, maturity: int | None = None) -> str:
        rule = DecisionRule(confidence=confidence, min_maturity=maturity)
        return assess(scenario, samples=2000, seed=0, rule=rule).summary_row()["decision_reasons"]

    assert reasons(0.95) != reasons(0.7)  # the option matters for this scenario
    out = tmp_path / "out"
    for options, confidence, maturity, status in (
        ([], 0.7, None, "ok"),
        (["--confidence", "0.95"], 0.95, None, "ok"),
        (["--confidence", "0.95"], 0.95, None, "skipped"),
        (["--confidence", "0.95", "--min-maturity", "3"], 0.95, 3, "ok"),
    ):
        assert main(["batch", str(source), *base, "--out", str(out), *options]) == 0
        capsys.readouterr()
        (row,) = read_csv(out / "summary.csv")
        assert row["decision_reasons"] == reasons(confidence, maturity), options
        (result,) = (out / "scenarios").glob("*/result.json")
        assert json.loads(result.read_text(encoding="utf-8"))["status"] in ("ok", status)
        manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
        assert [s["status"] for s in manifest["scenarios"]] == [status], options

    args = ["portfolio", str(source), "--budget", "5M", "--json", "--samples", "2000"]
    for confidence in ("0.7", "0.95"):
        assert main([*args, "--confidence", confidence]) == 0
        decisions = json.loads(capsys.readouterr().out)["decisions"]
        rule = DecisionRule(confidence=float(confidence))
        assert decisions == {scenario.name: assess(scenario, samples=2000, rule=rule).outcome}

    for bad in (["--confidence", "1.5"], ["--confidence", "0"], ["--min-maturity", "4"]):
        try:  # refused by the batch's checks (exit 2) or by argparse's choices
            code = main(["batch", str(source), *base, "--out", str(tmp_path / "bad"), *bad])
        except SystemExit as exit_:
            code = exit_.code
        assert code == 2, bad
        assert bad[0].strip("-").replace("-", "") in capsys.readouterr().err.replace("-", "")
    assert not (tmp_path / "bad").exists()


def test_a_notebook_is_given_the_batch_s_confidence_only_when_it_is_not_the_default():
    """The batch injects `confidence` only when it differs from roi's default, so a
    notebook of one's own without that parameter still runs a default batch; with
    another confidence such a notebook is refused, naming the parameter."""
    from roi.batch.notebook import check_parameters, notebook_parameters

    scenario = scenario_from_dict(scenario_rows(["One"])[0])
    declared = [*SCENARIO_KEYS, "samples", "seed"]
    assert "confidence" not in notebook_parameters(scenario, declared)
    given = notebook_parameters(scenario, declared, confidence=0.9)
    assert given["confidence"] == 0.9
    with pytest.raises(ScenarioError, match=r"'confidence'.*does not declare it"):
        check_parameters(given, declared)
    check_parameters(given, [*declared, "confidence"])


@pytest.mark.slow
def test_a_batch_notebook_decides_with_the_batch_s_confidence(tmp_path, capsys):
    """The workbook notebook takes `confidence`: run by the batch with 0.95 it shows the
    decision the summary has (the batch checks the notebook's numbers and decision)."""
    source = _unsure_copilot(tmp_path)
    out = tmp_path / "out"
    args = ["batch", str(source), "--out", str(out), "--samples", "2000", "--formats", "none"]
    assert main([*args, "--confidence", "0.95", "--quiet"]) == 0
    capsys.readouterr()
    (row,) = read_csv(out / "summary.csv")
    notebook = json.loads((out / row["notebook"]).read_text(encoding="utf-8"))
    shown = [
        output["data"]["application/json"]
        for cell in notebook["cells"]
        for output in cell.get("outputs", [])
        if "application/json" in output.get("data", {})
    ]
    assert shown[-1]["decision"] == row["decision"]
    assert shown[-1]["decision_rule"]["confidence"] == 0.95
    confidence = next(c for c in shown[-1]["checks"] if c["name"] == "confidence")
    assert confidence["verdict"] != "pass"  # about 85% of samples meet the line: short of 95%


@pytest.mark.parametrize("bad", [True, "high", 1.5, 0, -0.2, float("nan")])
def test_a_notebook_s_confidence_is_a_probability_or_refused_by_name(bad):
    """The workbook's `confidence` parameter: a number in (0, 1], or None for roi's
    default; anything else is refused naming the parameter, the value and what is allowed."""
    from roi.reports.notebook import decision_rule

    assert decision_rule({"confidence": None}).confidence == 0.7
    assert decision_rule({"confidence": 1}).confidence == 1.0
    with pytest.raises(ScenarioError, match=r"'confidence' must be a number > 0 and <= 1"):
        decision_rule({"confidence": bad})
