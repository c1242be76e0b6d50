"""Bad input as an adversary writes it (issue 11): every file here once gave a traceback,
a hang, a server file's contents or a silently wrong number. Now each is refused by
`roi run` with exit 2 and a message naming the file and what is wrong, at bounded cost
(the bombs and big files are refused before they are expanded or read).
"""

from __future__ import annotations

import io
import json
import math
import re
import subprocess
import sys
import warnings
import zipfile
from datetime import timedelta
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_excel import soffice

from roi.cli import main
from roi.exceptions import EXIT_BAD_INPUT, EXIT_OK, ScenarioError
from roi.files import MAX_SCENARIOS_PER_FILE, SUFFIXES, HiddenSheets, csv_text, load_scenarios
from roi.safe_yaml import MAX_FILE_BYTES

FIELDS = {
    "users": 200,
    "tasks_per_day": 12,
    "minutes_saved_per_task": 4,
    "hourly_rate": 55,
    "platform_cost_annual": 60000,
    "model_cost_annual": 36000,
    "support_cost_annual": 40000,
    "build_cost": 250000,
    "change_cost": 50000,
}
HEADER = ",".join(["name", *FIELDS])
ROW = ",".join(["Invoice triage", *map(str, FIELDS.values())])
YAML = "name: Invoice triage\n" + "".join(f"{k}: {v}\n" for k, v in FIELDS.items())


def refused(capsys, path: Path, *fragments: str) -> str:
    """`roi run path` exits 2 and its message holds the file and every fragment."""
    code = main(["run", str(path)])
    out, err = capsys.readouterr()
    assert code == EXIT_BAD_INPUT, (out, err)
    assert "Traceback" not in err
    for fragment in (path.name, *fragments):
        assert fragment in err, (fragment, err)
    return err


def write(tmp_path: Path, name: str, text: str | bytes) -> Path:
    path = tmp_path / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


# --- silently wrong numbers ----------------------------------------------------------


def test_a_csv_row_with_more_values_than_header_columns_is_refused(tmp_path, capsys):
    """Before: pandas took the first value as an index and shifted every column (name
    "200", annual impact $606,874,000 instead of $1,888,000)."""
    path = write(tmp_path, "shifted.csv", f"{HEADER}\n{ROW},7\n")
    refused(capsys, path, "more values than header columns", "row 2")


def test_trailing_commas_on_data_rows_are_no_extra_values(tmp_path):
    """A spreadsheet export that ends each data row with commas reads as the plain rows."""
    path = write(tmp_path, "trailing.csv", f"{HEADER}\n{ROW},,\n")
    (scenario,) = load_scenarios(path)
    assert (scenario.name, scenario.users, scenario.change_cost) == ("Invoice triage", 200, 50000)


@pytest.mark.parametrize(
    ("text", "means"),
    [("1:30", "90"), ("010", "8"), ("0200", "128"), ("0x10", "16"), ("0b11", "3")],
)
def test_yaml_1_1_numerals_that_mean_something_else_are_refused(tmp_path, capsys, text, means):
    """YAML 1.1 (PyYAML) reads `1:30` as 90 and `010` as 8: the message says so."""
    path = write(tmp_path, "numerals.yaml", YAML.replace("users: 200", f"users: {text}"))
    refused(capsys, path, f"'{text}' is ambiguous", f"reads it as {means}", "line 2")


def test_plain_decimals_and_quoted_text_still_read(tmp_path):
    path = write(
        tmp_path, "fine.yaml", YAML.replace("name: Invoice triage", "name: '010'") + "notes: {}\n"
    )
    (scenario,) = load_scenarios(path)
    assert scenario.name == "010" and scenario.users == 200


@pytest.mark.parametrize("value", ["0", "20261102", "1700000000"])
def test_a_number_is_no_date(tmp_path, capsys, value):
    """Before: `start_date: 0` became 1970-01-01 (pydantic reads numbers as Unix time)."""
    path = write(tmp_path, "date.yaml", YAML + f"start_date: {value}\n")
    refused(capsys, path, "start_date", "must be a date like 2026-01-31, not a number")


def test_every_sheet_of_a_workbook_is_read_and_named_in_problems(tmp_path, capsys):
    """Before: only the first sheet was read, silently."""
    book = openpyxl.Workbook()
    first = book.active
    first.title = "Q1"
    second = book.create_sheet("Q2")
    for sheet, users in ((first, 200), (second, -5)):
        sheet.append(["name", *FIELDS])
        sheet.append([f"Team {sheet.title}", users, *list(FIELDS.values())[1:]])
    path = tmp_path / "two_sheets.xlsx"
    book.save(path)
    refused(capsys, path, "[sheet 'Q2']", "'users'")
    second["B2"] = 100
    book.save(path)
    names = [s.name for s in load_scenarios(path)]
    assert names == ["Team Q1", "Team Q2"]


# --- tracebacks and hangs -----------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "fragment"),
    [
        ("start_date: 2026-13-45", "start_date"),
        ("start_date: 2026-02-30", "start_date"),
        ("users: !!float abc", "not valid YAML"),
        ("users: !!int 0x", "not valid YAML"),
        ("start_date: !!timestamp 2026-99-01", "not valid YAML"),
        ("users: " + "9" * 5000, "not valid YAML"),
    ],
)
def test_impossible_dates_and_typed_values_are_messages(tmp_path, capsys, line, fragment):
    key = line.split(":")[0]
    text = "".join(entry for entry in YAML.splitlines(keepends=True) if not entry.startswith(key))
    path = write(tmp_path, "typed.yaml", text + line + "\n")
    refused(capsys, path, fragment)


def test_deeply_nested_json_and_a_huge_integer_are_messages(tmp_path, capsys):
    refused(capsys, write(tmp_path, "deep.json", "[" * 100_000 + "]" * 100_000), "nests too deep")
    refused(capsys, write(tmp_path, "digits.json", '{"users": ' + "9" * 5000 + "}"), "JSON")


def test_a_yaml_alias_bomb_is_refused_before_it_expands(tmp_path, capsys):
    """Nine levels of nine aliases: 1 kB that expands to 9^9 (387 million) values."""
    lines = ['a0: &a0 ["lol"]']
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]" for i in range(1, 10)]
    path = write(tmp_path, "bomb.yaml", "\n".join(lines) + "\nusers: *a9\n")
    refused(capsys, path, "expands to more than 100,000 values")


def test_a_file_past_the_size_limit_is_refused_unread(tmp_path, capsys):
    path = tmp_path / "big.csv"
    with path.open("w") as handle:
        handle.write(HEADER + "\n")
        handle.seek(MAX_FILE_BYTES + 1)
        handle.write("\n")  # sparse: no 10 MiB written
    refused(capsys, path, "MiB; roi reads files of at most 10 MiB")


def test_too_many_samples_and_a_negative_seed_exit_2_before_running(tmp_path, capsys):
    path = write(tmp_path, "ok.yaml", YAML)
    for option, value in (("--samples", "100000000000"), ("--seed", "-1")):
        with pytest.raises(SystemExit) as stopped:
            main(["run", str(path), option, value])
        assert stopped.value.code == EXIT_BAD_INPUT
        assert option in capsys.readouterr().err


# --- server files -------------------------------------------------------------------


@pytest.mark.parametrize("target", ["/etc/passwd", "/dev/zero", "/proc/self/environ"])
def test_checklists_never_read_a_file_that_is_not_a_yaml_file(tmp_path, capsys, target):
    """Before: `checklists: /etc/shadow` printed the file's lines back as unknown keys,
    and /dev/zero read until memory ran out."""
    path = write(tmp_path, "leak.yaml", YAML + f"checklists: {target}\n")
    err = refused(capsys, path, "checklists", "must be a .yaml or .yml file")
    assert "root:" not in err


def test_a_checklists_device_with_a_yaml_name_is_not_read(tmp_path, capsys):
    link = tmp_path / "zero.yaml"
    link.symlink_to("/dev/zero")
    path = write(tmp_path, "leak.yaml", YAML + f"checklists: {link}\n")
    refused(capsys, path, "must be a regular file")


# --- outputs ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name", ['=HYPERLINK("http://x","y")', "+cmd|' /C calc'!A0", "@SUM(A1)", "-2+3", "\t=1+1"]
)
def test_csv_cells_a_spreadsheet_would_run_are_neutralised(name):
    text = csv_text(pd.DataFrame({"name": [name], "npv": [-1.5]}))
    row = pd.read_csv(io.StringIO(text), keep_default_na=False).iloc[0]
    assert row["name"] == "'" + name and row["npv"] == -1.5


def test_batch_summary_csv_neutralises_a_formula_name(tmp_path, capsys):
    path = write(tmp_path, "inject.json", json.dumps({**FIELDS, "name": "=1+1"}))
    assert main(["batch", str(path), "--no-notebooks", "--out", str(tmp_path / "out")]) == EXIT_OK
    capsys.readouterr()
    summary = (tmp_path / "out" / "summary.csv").read_text(encoding="utf-8")
    assert "'=1+1" in summary and ",=1+1" not in summary


def test_portfolio_chart_names_are_text_not_plotly_html():
    """Before: `<a href=...>` in a name became a live link in portfolio.html's chart."""
    from roi.reports.charts import portfolio_bubble

    name = '<a href="http://x">Ops</a><span style="font-size:200px">'
    frame = pd.DataFrame(
        {"name": [name], "payback_months": [3.0], "annual_impact": [1e6], "one_time_cost": [1e5]}
    )
    (trace,) = portfolio_bubble(frame).data
    assert list(trace.text) == [
        '&lt;a href="http://x"&gt;Ops&lt;/a&gt;&lt;span style="font-size:200px"&gt;'
    ]
    assert "<a href" not in trace.hovertext[0] and "<b>&lt;a href" in trace.hovertext[0]


def test_a_formula_without_a_saved_value_is_named_not_read_as_missing(tmp_path, capsys):
    """Before: a workbook written by a program (formulas, no results) said "'users' is
    required". The cell is named; once a spreadsheet has saved it, it reads."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Plan"
    sheet.append(["name", *FIELDS])
    sheet.append(["Formula users", "=100*2", *list(FIELDS.values())[1:]])
    path = tmp_path / "formulas.xlsx"
    book.save(path)
    refused(capsys, path, "formulas without a saved value in Plan!B2")
    saved = tmp_path / "saved"
    profile = (tmp_path / "lo-profile").resolve().as_uri()
    convert = [soffice(), f"-env:UserInstallation={profile}", "--headless", "--calc"]
    convert += ["--convert-to", "xlsx", "--outdir", str(saved), str(path)]
    subprocess.run(convert, check=True, capture_output=True, timeout=300)
    (scenario,) = load_scenarios(saved / path.name)
    assert scenario.users == 200


# --- a small file cannot exhaust memory or time ---------------------------------------


def _run_measured(path: Path) -> tuple[int, str, float]:
    """`roi run path` in a fresh interpreter: exit status, stderr and its peak memory in
    MB: VmHWM, the high-water mark of its own memory map (ru_maxrss would carry the
    forking test process's peak across fork and exec)."""
    code = (
        "import re, sys\n"
        "from roi.cli import main\n"
        "status = main(['run', sys.argv[1]])\n"
        "status_text = open('/proc/self/status').read()\n"
        "peak = int(re.search(r'VmHWM:\\s+(\\d+) kB', status_text).group(1)) / 1024\n"
        "print(f'PEAK {peak:.0f}', file=sys.stderr)\n"
        "sys.exit(status)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, str(path)], capture_output=True, text=True, timeout=120
    )
    *rest, peak = done.stderr.strip().splitlines()
    assert peak.startswith("PEAK "), done.stderr
    return done.returncode, "\n".join(rest), float(peak.split()[1])


def test_a_far_cell_workbook_is_refused_by_its_extent_not_read(tmp_path):
    """Before: one cell at XFD1048576 in a 5 KB workbook took `roi run` to 6.4 GB and a
    MemoryError traceback. Its stated extent is now checked before a cell is read."""
    book = openpyxl.Workbook()
    book.active.append(["name", *FIELDS])
    book.active.append(["Far", *FIELDS.values()])
    book.active["XFD1048576"] = 1
    path = tmp_path / "far.xlsx"
    book.save(path)
    status, err, peak = _run_measured(path)
    assert status == EXIT_BAD_INPUT, err
    assert "A1:XFD1048576" in err and "at most 10,000 rows and 1,000 columns" in err, err
    assert "Traceback" not in err
    assert peak < 200, peak


def test_a_csv_of_thousands_of_trailing_commas_is_refused_at_its_header(tmp_path):
    """Before: 4,000 trailing commas took 244 s (a column was dropped at a time)."""
    path = write(tmp_path, "wide.csv", f"{HEADER}{',' * 16000}\n{ROW}{',' * 16000}\n")
    status, err, peak = _run_measured(path)
    assert status == EXIT_BAD_INPUT, err
    assert "16,010 columns in its header" in err and "at most 1,000" in err, err
    assert peak < 200, peak


def test_a_few_hundred_trailing_commas_still_read_as_the_plain_rows(tmp_path):
    path = write(tmp_path, "export.csv", f"{HEADER}{',' * 900}\n{ROW}{',' * 900}\n")
    (scenario,) = load_scenarios(path)
    assert (scenario.name, scenario.users) == ("Invoice triage", 200)


def test_more_scenarios_than_a_file_may_hold_are_refused_with_the_count(tmp_path, capsys):
    """Before: 20,000 scenarios in one JSON file ran for hours."""
    record = {"name": "x", **FIELDS}
    path = write(tmp_path, "many.json", json.dumps([record] * (MAX_SCENARIOS_PER_FILE + 1)))
    refused(capsys, path, "holds 10,001 scenarios", "at most 10,000 per file")
    rows = "\n".join([ROW] * (MAX_SCENARIOS_PER_FILE + 1))
    path = write(tmp_path, "many.csv", f"{HEADER}\n{rows}\n")
    refused(capsys, path, "10,001 rows or more", "at most 10,000 per file")


def test_a_workbook_of_more_rows_than_roi_reads_is_refused_whatever_its_extent_says(
    tmp_path, capsys
):
    """A sheet's stated extent refuses a tall sheet unread; one whose <dimension> was
    edited to look small (or, as openpyxl's write-only mode writes, is missing) is read
    only up to the limit, then refused all the same."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["name", *FIELDS])
    for index in range(MAX_SCENARIOS_PER_FILE + 5):
        sheet.append([f"S{index}", *FIELDS.values()])
    path = tmp_path / "tall.xlsx"
    book.save(path)
    refused(capsys, path, "A1:J10006", "10,005 rows under its header")
    with zipfile.ZipFile(path) as source:
        parts = {name: source.read(name) for name in source.namelist()}
    sheet_xml = "xl/worksheets/sheet1.xml"
    assert b'<dimension ref="A1:J10006"' in parts[sheet_xml]
    parts[sheet_xml] = parts[sheet_xml].replace(b'ref="A1:J10006"', b'ref="A1:J2"')
    with zipfile.ZipFile(path, "w") as target:
        for name, data in parts.items():
            target.writestr(name, data)
    refused(capsys, path, "more than 10,000 rows under its header")
    parts[sheet_xml], removed = re.subn(rb"<dimension [^>]*>", b"", parts[sheet_xml])
    assert removed == 1
    with zipfile.ZipFile(path, "w") as target:
        for name, data in parts.items():
            target.writestr(name, data)
    refused(capsys, path, "more than 10,000 rows under its header")


OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        (OLE + bytes(504) + "EncryptionInfo".encode("utf-16-le"), "is password-protected"),
        (OLE + bytes(1024), "Excel 97-2003 workbook (.xls) named .xlsx"),
        (b"PK\x03\x04" + bytes(60), "not an Excel workbook (or it is damaged)"),
    ],
    ids=["encrypted", "old-format", "damaged"],
)
def test_encrypted_old_and_damaged_workbooks_are_named_as_such(tmp_path, capsys, body, fragment):
    refused(capsys, write(tmp_path, "book.xlsx", body), fragment)


def test_json_and_yaml_with_a_byte_order_mark_read_as_without(tmp_path):
    """Windows' Notepad saves UTF-8 with a BOM; before, JSON was refused at line 1."""
    record = {"name": "Invoice triage", **FIELDS}
    for name, text in (("bom.json", json.dumps(record)), ("bom.yaml", YAML)):
        path = write(tmp_path, name, "\ufeff".encode() + text.encode())
        (scenario,) = load_scenarios(path)
        assert (scenario.name, scenario.users) == ("Invoice triage", 200)


def test_roi_run_holds_one_assessment_at_a_time(tmp_path):
    """Before: 200 scenarios with ranges took `roi run` to 1.8 GB (every Monte Carlo kept
    until the table was printed); it now keeps one at a time."""
    record = {"name": "r", **FIELDS, "users": {"low": 150, "likely": 200, "high": 260}}
    records = [{**record, "name": f"r{i}"} for i in range(120)]  # names are unique
    path = write(tmp_path, "ranges.json", json.dumps(records))
    status, err, peak = _run_measured(path)
    assert status == EXIT_OK, err
    assert peak < 400, peak


# --- whatever the bytes: a message, never a traceback or a hang ------------------------

HANG = timedelta(seconds=20)  # a guard against hangs, not a speed target
CELLS = st.one_of(
    st.none(),
    st.integers(-(10**12), 10**12),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(st.characters(blacklist_categories=("Cs", "Cc")), max_size=12),
    st.sampled_from(["n/a", "NA", "None", "1,5M", "250.000", "=1+1", "users", "criterion.1.name"]),
)


def _read_or_refuse(path: Path) -> None:
    """The readers' whole contract: scenarios, or a ScenarioError with messages."""
    try:
        load_scenarios(path)
    except ScenarioError as error:
        assert error.problems and all(p.allowed for p in error.problems)


@settings(
    max_examples=80, deadline=HANG, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.binary(max_size=3000), suffix=st.sampled_from(sorted(SUFFIXES)))
def test_random_bytes_under_any_scenario_name_give_a_message(tmp_path, data, suffix):
    path = tmp_path / f"random{suffix}"
    path.write_bytes(data)
    _read_or_refuse(path)


@settings(
    max_examples=60, deadline=HANG, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    header=st.lists(
        st.sampled_from(["name", *FIELDS, "", " users", "users_low", "x"]), max_size=14
    ),
    rows=st.lists(st.lists(CELLS, max_size=16), max_size=6),
)
def test_random_csv_shapes_give_scenarios_or_a_message(tmp_path, header, rows):
    text = "\n".join(",".join("" if v is None else str(v) for v in row) for row in [header, *rows])
    path = tmp_path / "shape.csv"
    path.write_text(text, encoding="utf-8")
    _read_or_refuse(path)


@settings(
    max_examples=40, deadline=HANG, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    cells=st.lists(st.tuples(st.integers(1, 40), st.integers(1, 20), CELLS), max_size=30),
    header=st.booleans(),
    hidden=st.booleans(),
)
def test_random_workbook_sheets_give_scenarios_or_a_message(tmp_path, cells, header, hidden):
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    book = openpyxl.Workbook()
    sheet = book.active
    if header:
        sheet.append(["name", *FIELDS])
    for row, column, value in cells:
        if isinstance(value, str):
            value = ILLEGAL_CHARACTERS_RE.sub("", value)
        if isinstance(value, float) and not math.isfinite(value):
            value = str(value)
        sheet.cell(row=row + int(header), column=column, value=value)
    if hidden:
        book.create_sheet("scratch").sheet_state = "hidden"
    path = tmp_path / "random.xlsx"
    book.save(path)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", HiddenSheets)
        _read_or_refuse(path)


# --- every promised message is a message ----------------------------------------------


def _fails(capsys, argv: list[str], status: int, *fragments: str) -> str:
    code = main(argv)
    out, err = capsys.readouterr()
    assert code == status, (code, out, err)
    assert "Traceback" not in err and ".tmp" not in err, err
    for fragment in fragments:
        assert fragment in err, (fragment, err)
    return err


def test_outputs_that_cannot_be_written_are_a_message_and_status_1(tmp_path, capsys):
    """Before: a traceback naming roi's temporary file (`--report /proc/x.html`), or exit
    2 (bad input) for a folder that cannot be written, where the README promises 1. Tests
    run as root, which writes through permissions, so /proc and a path under a file stand
    in for a read-only folder."""
    scenario = write(tmp_path, "s.yaml", YAML)
    blocker = write(tmp_path, "a-file", "x")
    _fails(
        capsys, ["memo", str(scenario), "-o", "/proc/roi-memo"], 1, "cannot write '/proc/roi-memo'"
    )
    _fails(
        capsys,
        ["portfolio", str(scenario), "--report", "/proc/roi.html"],
        1,
        "cannot write '/proc/roi.html'",
    )
    _fails(capsys, ["batch", str(scenario), "--out", str(blocker / "out")], 1, "cannot write")
    _fails(capsys, ["memo", str(scenario), "-o", str(blocker / "memo")], 1, "Not a directory")


@pytest.mark.parametrize("epoch", ["1e20", "100000000000000000000", "-99999999999999"])
def test_a_source_date_epoch_past_any_calendar_is_a_message(tmp_path, capsys, monkeypatch, epoch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", epoch)
    scenario = write(tmp_path, "s.yaml", YAML)
    _fails(
        capsys, ["memo", str(scenario), "-o", str(tmp_path / "m")], 2, "SOURCE_DATE_EPOCH", epoch
    )


@pytest.mark.parametrize(
    ("ip", "fragment"),
    [("bad.invalid..", "--ip must be an address"), ("203.0.113.9", "is not one"), ("", "--ip")],
)
def test_roi_app_refuses_an_address_it_cannot_listen_on(capsys, ip, fragment):
    """Before: Voila printed "serving on" and then a traceback."""
    _fails(capsys, ["app", "--ip", ip], 2, fragment)


def test_roi_app_says_its_port_is_taken_rather_than_move(capsys):
    """Before: Voila moved to the next free port, while roi had printed the one asked for."""
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        _fails(capsys, ["app", "--port", str(port)], 1, f"port {port} on 127.0.0.1 is in use")


def test_a_link_in_a_scenario_folder_to_a_file_outside_it_is_refused_unread(tmp_path, capsys):
    """Before: a folder's link to /proc/self/environ or to anyone's YAML put that file's
    values into failures.csv and portfolio.html. A link within the folder still reads."""
    folder = tmp_path / "portfolio"
    folder.mkdir()
    write(folder, "a.yaml", YAML)
    secret = write(tmp_path, "elsewhere.yaml", YAML.replace("200", "SECRET-VALUE", 1))
    (folder / "b.yaml").symlink_to(secret)
    (folder / "c.yaml").symlink_to(folder / "a.yaml")
    for argv in (["run", str(folder)], ["portfolio", str(folder)]):
        err = _fails(capsys, argv, 2, "b.yaml", "is a link to a file outside the folder")
        assert "SECRET-VALUE" not in err and "elsewhere" not in err
    out = tmp_path / "out"
    code = main(["batch", str(folder), "--no-notebooks", "--out", str(out), "--quiet"])
    capsys.readouterr()
    assert code == EXIT_BAD_INPUT
    failures = (out / "failures.csv").read_text(encoding="utf-8")
    assert "outside the folder" in failures and "SECRET-VALUE" not in failures
    rows = {row["source"].rsplit("/", 1)[-1]: row for row in read_csv_rows(out / "summary.csv")}
    assert rows["a.yaml"]["status"] == "ran"  # the link inside the folder reads...
    assert rows["c.yaml"]["status"] == "invalid"  # ...and is the same initiative again
    assert "is already the name of" in rows["c.yaml"]["reason"]


def read_csv_rows(path: Path) -> list[dict[str, str]]:
    import csv

    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))
