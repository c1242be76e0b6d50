"""Scenario files: YAML, JSON, CSV and XLSX in; YAML out; every bad file explained."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pandas as pd
import pytest
import yaml
from hypothesis import given
from strategies import FAST, scenarios

from roi.exceptions import ScenarioError
from roi.files import (
    load_scenario,
    load_scenarios,
    save_scenario,
    scenario_yaml,
    write_text_atomic,
)
from roi.scenario import Range, scenario_from_dict, scenarios_table

NUMBER_RULE = "must be a number (1500, 1,500, 2k, $70, 1.2M or 10%) or a range {low, likely, high}"
"""What a cell that is not a number is told (roi.amounts: every written form it reads)."""

HEADER = (
    "name,users,tasks_per_day,minutes_saved_per_task,hourly_rate,platform_cost_annual,"
    "model_cost_annual,support_cost_annual,build_cost,change_cost"
)
INVOICE_ROW = "Invoice triage,200,12,4,55,60000,36000,40000,250000,50000"


def error_of(path: Path) -> ScenarioError:
    with pytest.raises(ScenarioError) as caught:
        load_scenarios(path)
    return caught.value


def only_problem(path: Path) -> str:
    error = error_of(path)
    assert len(error.problems) == 1, str(error)
    return str(error.problems[0])


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


# --- reading good files ---------------------------------------------------------------


def test_the_built_in_example_loads(invoice_yaml):
    """templates/scenarios/invoice_triage.yaml holds the issue's example."""
    scenario = load_scenario(invoice_yaml)
    assert scenario.name == "Invoice triage assistant"
    assert (scenario.users, scenario.build_cost, scenario.change_cost) == (200, 250_000, 50_000)


def test_yaml_and_json_give_the_same_scenario(tmp_path, invoice_fields):
    """The same keys in YAML and JSON validate to equal scenarios."""
    from_yaml = load_scenario(write(tmp_path, "a.yaml", yaml.safe_dump(invoice_fields)))
    from_json = load_scenario(write(tmp_path, "a.json", json.dumps(invoice_fields)))
    assert from_yaml == from_json == scenario_from_dict(invoice_fields)


def test_yaml_list_and_scenarios_key_hold_several(tmp_path, invoice_fields):
    """A list of mappings, or {scenarios: [...]}, is one scenario per item."""
    second = {**invoice_fields, "name": "Second", "users": 10}
    listed = write(tmp_path, "many.yaml", yaml.safe_dump([invoice_fields, second]))
    keyed = write(tmp_path, "keyed.yml", yaml.safe_dump({"scenarios": [invoice_fields, second]}))
    for path in (listed, keyed):
        assert [s.name for s in load_scenarios(path)] == ["Invoice triage assistant", "Second"]
    with pytest.raises(ScenarioError, match="must hold exactly one scenario here, but holds 2"):
        load_scenario(listed)


def test_csv_rows_with_range_columns(tmp_path):
    """One scenario per row; users_low / users_high next to users make a range; a blank
    optional cell takes the default."""
    path = write(
        tmp_path,
        "plan.csv",
        f"{HEADER},users_low,users_high,workdays_per_year\n"
        f"{INVOICE_ROW},150,260,\n"
        "Second,10,1,1,1,1,1,1,1,1,,,200\n",
    )
    first, second = load_scenarios(path)
    assert first.users == Range(low=150, likely=200, high=260)
    assert first.workdays_per_year == 230
    assert second.users == 10 and second.workdays_per_year == 200


def test_csv_readiness_columns_are_the_rows_answers(tmp_path):
    """readiness.<item id> columns: a row's answers; a row with them all blank is not
    assessed, exactly as a YAML scenario without `readiness`."""
    path = write(
        tmp_path,
        "plan.csv",
        f"{HEADER},readiness.value_signal,readiness.owner_sponsor_committed\n"
        f"{INVOICE_ROW}, done ,open\n"
        f"{INVOICE_ROW.replace('Invoice', 'Other', 1)},,\n",
    )
    answered, unanswered = load_scenarios(path)
    assert {k: a.status for k, a in answered.readiness.items()} == {
        "value_signal": "done",
        "owner_sponsor_committed": "open",
    }
    assert unanswered.readiness == {}


def test_csv_readiness_column_with_an_unknown_item_suggests_one(tmp_path):
    path = write(tmp_path, "plan.csv", f"{HEADER},readiness.value_signl\n{INVOICE_ROW},done\n")
    problem = only_problem(path)
    assert "row 2" in problem and "'value_signl'" in problem
    assert "did you mean 'value_signal'" in problem


def test_csv_range_with_only_one_side(tmp_path):
    """users_low alone: high defaults to the likely value."""
    path = write(tmp_path, "plan.csv", f"{HEADER},users_low\n{INVOICE_ROW},150\n")
    assert load_scenario(path).users == Range(low=150, likely=200, high=200)


def test_xlsx_rows(tmp_path):
    """An XLSX sheet written by pandas/openpyxl loads like the CSV."""
    table = pd.DataFrame(
        [INVOICE_ROW.split(",")[:1] + [float(x) for x in INVOICE_ROW.split(",")[1:]]],
        columns=HEADER.split(","),
    )
    table["hourly_rate_high"] = 70
    path = tmp_path / "plan.xlsx"
    table.to_excel(path, index=False)
    (scenario,) = load_scenarios(path)
    assert scenario.name == "Invoice triage"
    assert scenario.hourly_rate == Range(low=55, likely=55, high=70)


# --- bad files ------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["", "   \n\n", "# only a comment\n"])
@pytest.mark.parametrize("suffix", [".yaml", ".json"])
def test_empty_file(tmp_path, text, suffix):
    """A file with nothing in it says so, naming the file."""
    if suffix == ".json" and text.startswith("#"):
        text = ""
    path = write(tmp_path, f"empty{suffix}", text)
    assert only_problem(path) == f"{path}: file is empty: it must hold a scenario"


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("42\n", "a number (42)"),
        ("just some words\n", "text ('just some words')"),
        ("true\n", "true/false"),
    ],
)
def test_yaml_that_is_not_a_mapping(tmp_path, text, kind):
    """A YAML scalar is not a scenario: the message says what the file holds."""
    path = write(tmp_path, "scalar.yaml", text)
    assert only_problem(path) == (
        f"{path}: file must hold a mapping of scenario fields, but it is {kind}"
    )


def test_yaml_list_of_scalars_names_each_item(tmp_path):
    """- 1 / - 2: each item is a row that is not a mapping."""
    path = write(tmp_path, "list.yaml", "- 1\n- two\n")
    error = error_of(path)
    assert [str(p) for p in error.problems] == [
        f"{path} row 1: file must hold a mapping of scenario fields, but it is a number (1)",
        f"{path} row 2: file must hold a mapping of scenario fields, but it is text ('two')",
    ]


def test_empty_list(tmp_path):
    """[] holds no scenario."""
    path = write(tmp_path, "none.json", "[]")
    assert only_problem(path) == f"{path}: file holds an empty list of scenarios"


def test_unparseable_yaml_names_the_line(tmp_path):
    """A YAML syntax error gives the file, line and column and the parser's reason."""
    path = write(tmp_path, "bad.yaml", "name: x\nusers: 200\n  tasks_per_day: 3\n")
    text = only_problem(path)
    assert text.startswith(f"{path}: file is not valid YAML at line 3, column")
    assert "mapping values are not allowed" in text  # libyaml: "in this context"


def test_unparseable_json_names_the_line(tmp_path):
    """A JSON syntax error gives the file, line and column."""
    path = write(tmp_path, "bad.json", '{"name": "x",\n "users": }\n')
    assert only_problem(path) == (
        f"{path}: file is not valid JSON at line 2, column 11: Expecting value"
    )


def test_bad_values_in_a_file_name_the_file(tmp_path, invoice_fields):
    """Rule violations inside a YAML file carry its path (no row for a single scenario)."""
    path = write(tmp_path, "s.yaml", yaml.safe_dump({**invoice_fields, "userz": 1}))
    assert only_problem(path) == (
        f"{path}: 'userz' is not a scenario field (did you mean 'users'?): got 1"
    )


def test_csv_bad_cells_name_the_spreadsheet_row(tmp_path):
    """Header is row 1, so the first scenario is row 2; every bad cell is listed."""
    path = write(
        tmp_path,
        "plan.csv",
        f"{HEADER}\n{INVOICE_ROW}\nB,lots,1,1,1,1,1,1,1,1\nC,1,1,-1,1,1,1,1,1,1\n",
    )
    error = error_of(path)
    assert [str(p) for p in error.problems] == [
        f"{path} row 3: 'users' {NUMBER_RULE}: got 'lots'",
        f"{path} row 4: 'minutes_saved_per_task' must be a number >= 0: got '-1'",
    ]


def test_csv_nan_and_inf_cells(tmp_path):
    """'nan' and 'inf' typed into cells are not numbers a scenario can use."""
    path = write(tmp_path, "plan.csv", f"{HEADER}\nA,nan,1,1,1,1,1,1,1,1\nB,1,inf,1,1,1,1,1,1,1\n")
    texts = [str(p) for p in error_of(path).problems]
    assert texts[0].startswith(f"{path} row 2: 'users' must be a finite number")
    assert texts[0].endswith("got 'nan'")
    assert texts[1].startswith(f"{path} row 3: 'tasks_per_day' must be a finite number")


def test_csv_unordered_range_columns(tmp_path):
    """users_low above users_high is a range out of order, on the row it is on."""
    path = write(tmp_path, "plan.csv", f"{HEADER},users_low,users_high\n{INVOICE_ROW},300,100\n")
    text = only_problem(path)
    assert text.startswith(f"{path} row 2: 'users' range must have low <= likely <= high")
    assert "'low': '300'" in text and "'high': '100'" in text


def test_csv_unknown_column_suggests_a_name(tmp_path):
    """A misspelled header names the column and the closest field."""
    path = write(tmp_path, "plan.csv", f"{HEADER},userz\n{INVOICE_ROW},3\n")
    assert only_problem(path) == (
        f"{path}: 'userz' is not a scenario column (did you mean 'users'?)"
    )


def test_csv_missing_required_column(tmp_path):
    """A required field with no column is reported on every row."""
    header = HEADER.replace(",build_cost", "")
    row = INVOICE_ROW.replace(",250000", "")
    path = write(tmp_path, "plan.csv", f"{header}\n{row}\n")
    assert only_problem(path) == f"{path} row 2: 'build_cost' is required"


def test_csv_empty_and_header_only(tmp_path):
    """An empty CSV and one with only a header both say what is missing."""
    empty = write(tmp_path, "empty.csv", "")
    assert only_problem(empty) == (
        f"{empty}: file is empty: it must hold a header row and one row per scenario"
    )
    header = write(tmp_path, "header.csv", HEADER + "\n")
    assert only_problem(header) == f"{header}: file has no scenario rows under its header"


def test_xlsx_bad_cell_names_the_row(tmp_path):
    """XLSX rows are numbered like the sheet: header row 1."""
    rows = [INVOICE_ROW.split(","), ["B", "many", 1, 1, 1, 1, 1, 1, 1, 1]]
    path = tmp_path / "plan.xlsx"
    pd.DataFrame(rows, columns=HEADER.split(",")).to_excel(path, index=False)
    assert only_problem(path) == (f"{path} row 3: 'users' {NUMBER_RULE}: got 'many'")


def test_file_that_is_not_really_xlsx(tmp_path):
    """A .xlsx that is not a workbook cannot be read; said so, no traceback."""
    path = write(tmp_path, "fake.xlsx", "not a workbook")
    assert only_problem(path).startswith(f"{path}: file cannot be read as XLSX")


def test_unknown_suffix_and_missing_file(tmp_path):
    """Only .yaml/.yml/.json/.csv/.xlsx are read; a missing file is named."""
    path = write(tmp_path, "notes.txt", "x")
    assert only_problem(path) == (
        f"{path}: file must be a .yaml, .yml, .json, .csv or .xlsx file: got '.txt'"
    )
    missing = tmp_path / "nope.yaml"
    assert only_problem(missing) == f"{missing}: file does not exist or is not a file"


def test_not_utf8(tmp_path):
    """Bytes that are not UTF-8 are reported, not decoded wrongly."""
    path = tmp_path / "latin.yaml"
    path.write_bytes("name: Caf\xe9\n".encode("latin-1"))
    assert only_problem(path) == f"{path}: file is not UTF-8 text"


# --- writing --------------------------------------------------------------------------


def test_save_then_load_gives_the_example_back(tmp_path, invoice_yaml):
    """The built-in example survives save_scenario -> load_scenario unchanged."""
    scenario = load_scenario(invoice_yaml)
    path = save_scenario(scenario, tmp_path / "sub" / "copy.yaml")
    assert load_scenario(path) == scenario
    # The saved file is a plain papermill parameters file: flat keys, numbers as numbers.
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert data["users"] == 200 and data["discount_rate"] == 0.1


@given(scenario=scenarios())
@FAST
def test_save_load_round_trip(tmp_path_factory, scenario):
    """Any valid scenario, ranges and Unicode names included, is saved and loaded equal."""
    path = tmp_path_factory.mktemp("round") / "s.yaml"
    save_scenario(scenario, path)
    assert load_scenario(path) == scenario
    assert scenario_yaml(load_scenario(path)) == path.read_text(encoding="utf-8")


def test_write_text_atomic_replaces_and_leaves_no_temp_files(tmp_path):
    """The new text replaces the old one; no temporary file is left beside it."""
    path = tmp_path / "out.txt"
    write_text_atomic(path, "old")
    write_text_atomic(path, "new ✓")
    assert path.read_text(encoding="utf-8") == "new ✓"
    assert [p.name for p in tmp_path.iterdir()] == ["out.txt"]


def test_write_text_atomic_gives_the_mode_a_plain_write_would(tmp_path):
    """Memos are shared with readers: not left private (0600) as a temporary file is."""
    plain = tmp_path / "plain.txt"
    plain.write_text("x")
    atomic = write_text_atomic(tmp_path / "atomic.txt", "x")
    assert atomic.stat().st_mode == plain.stat().st_mode


def test_scenarios_table_has_field_columns(invoice_yaml):
    """Likely values of many scenarios as one table, columns named like the fields."""
    table = scenarios_table([load_scenario(invoice_yaml)])
    assert table.loc[0, "name"] == "Invoice triage assistant"
    assert table.loc[0, "users"] == 200


@pytest.mark.parametrize("name", ["x\x85y", "a\u2028b", "tab\tand\r\nbreak", "null", "1e3"])
def test_awkward_names_survive_a_save(tmp_path, invoice_fields, name):
    """Line-break characters YAML folds (NEL), YAML keywords and number-like text come back
    as they were (PyYAML reads a raw NEL back as a space, so such text is escaped)."""
    scenario = scenario_from_dict({**invoice_fields, "name": name})
    assert load_scenario(save_scenario(scenario, tmp_path / "s.yaml")).name == name


def test_blank_rows_are_skipped_and_rows_keep_their_numbers(tmp_path):
    """A blank line (or a row of empty cells) between scenarios is not a scenario, and the
    row after it is numbered as the spreadsheet shows it: header 1, A 2, blank 3, B 4."""
    for blank in ("", ",,,,,,,,,"):
        path = write(
            tmp_path, "plan.csv", f"{HEADER}\n{INVOICE_ROW}\n{blank}\nB,-1,1,1,1,1,1,1,1,1\n"
        )
        assert only_problem(path) == f"{path} row 4: 'users' must be a number >= 0: got '-1'"


def test_xlsx_blank_row_is_skipped(tmp_path):
    """An empty spreadsheet row between two scenarios is skipped; numbering is kept."""
    rows = [INVOICE_ROW.split(","), [None] * 10, ["B", -1, 1, 1, 1, 1, 1, 1, 1, 1]]
    path = tmp_path / "plan.xlsx"
    pd.DataFrame(rows, columns=HEADER.split(",")).to_excel(path, index=False)
    assert only_problem(path) == f"{path} row 4: 'users' must be a number >= 0: got -1"


def test_header_and_only_blank_rows(tmp_path):
    """Blank rows under the header are no scenarios at all."""
    path = write(tmp_path, "plan.csv", f"{HEADER}\n\n,,,,,,,,,\n")
    assert only_problem(path) == f"{path}: file has no scenario rows under its header"


def test_duplicate_yaml_key_is_an_error_not_the_last_value(tmp_path, invoice_fields):
    """users: given twice would silently keep the second; it is reported with its line."""
    text = yaml.safe_dump(invoice_fields, sort_keys=False) + "users: 300\n"
    path = write(tmp_path, "dup.yaml", text)
    line = len(text.splitlines())
    assert only_problem(path) == (
        f"{path}: file is not valid YAML at line {line}, column 1: "
        "'users' is given twice (first at line 2)"
    )


def test_duplicate_json_key_is_an_error(tmp_path, invoice_fields):
    """The same key twice in a JSON object is reported, not silently overwritten."""
    text = json.dumps(invoice_fields)[:-1] + ', "users": 300}'
    path = write(tmp_path, "dup.json", text)
    assert only_problem(path) == f"{path}: file is not valid JSON: 'users' is given twice"


def test_csv_trailing_comma_column_is_ignored_but_headerless_values_are_not(tmp_path):
    """A trailing comma on every line (an empty column with no header) is harmless; values
    under a missing header are reported by column number, not as 'Unnamed: 10'."""
    path = write(tmp_path, "plan.csv", f"{HEADER},\n{INVOICE_ROW},\n")
    assert load_scenario(path).users == 200
    path = write(tmp_path, "plan.csv", f"{HEADER},\n{INVOICE_ROW},7\n")
    assert only_problem(path) == f"{path}: file has values in column 11, which has no header"


def test_unreadable_file_is_reported_not_raised(tmp_path, monkeypatch, invoice_fields):
    """A file the user may not read (simulated: tests run as root) gives the OS's reason."""
    path = write(tmp_path, "locked.yaml", yaml.safe_dump(invoice_fields))

    def refuse(self, *args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(Path, "read_text", refuse)
    assert only_problem(path) == f"{path}: file cannot be read: Permission denied"


def test_failed_write_keeps_the_old_file(tmp_path, monkeypatch):
    """If the final rename fails, the old content stays and no temporary file is left."""
    path = tmp_path / "scenario.yaml"
    write_text_atomic(path, "old")

    def fail(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("roi.files.os.replace", fail)
    with pytest.raises(OSError, match="No space left"):
        write_text_atomic(path, "new")
    assert path.read_text(encoding="utf-8") == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["scenario.yaml"]


@pytest.mark.parametrize("damage", ["truncated", "zip without a workbook"])
def test_damaged_xlsx_is_reported_not_raised(tmp_path, damage):
    """A truncated workbook or a zip holding no workbook: a problem, no traceback."""
    path = tmp_path / "plan.xlsx"
    if damage == "truncated":
        pd.DataFrame({"name": ["A"], "users": [1]}).to_excel(path, index=False)
        path.write_bytes(path.read_bytes()[:500])
    else:
        with zipfile.ZipFile(path, "w") as archive:
            archive.writestr("hello.txt", "hi")
    assert only_problem(path) == (
        f"{path}: file cannot be read as XLSX: it is not an Excel workbook (or it is damaged)"
    )


def test_csv_with_an_open_quote_is_reported(tmp_path):
    """A quote that never closes: pandas' reason, no traceback."""
    path = write(tmp_path, "plan.csv", 'name,users\n"A,1\n')
    assert only_problem(path).startswith(f"{path}: file cannot be read as CSV: Error tokenizing")


def test_xlsx_reads_text_as_written_and_skips_hidden_sheets(tmp_path, capsys):
    """'n/a' and 'NA' stay text in a workbook as in a CSV (a scenario named NA is a
    scenario, a criterion source 'n/a' is 'n/a'); a hidden sheet is not run, and roi says
    it skipped it."""
    import openpyxl

    from roi.cli import main

    header = HEADER.split(",")
    book = openpyxl.Workbook()
    shown = book.active
    shown.title = "plan"
    shown.append(header)
    shown.append(["NA", *INVOICE_ROW.split(",")[1:]])
    hidden = book.create_sheet("scratch")
    hidden.append(header)
    hidden.append(["Hidden draft", *INVOICE_ROW.split(",")[1:]])
    hidden.sheet_state = "hidden"
    path = tmp_path / "plan.xlsx"
    book.save(path)
    from roi.files import HiddenSheets

    with pytest.warns(HiddenSheets, match="skipped hidden sheet 'scratch'"):
        (scenario,) = load_scenarios(path)
    assert scenario.name == "NA"
    csv_path = tmp_path / "plan.csv"
    csv_path.write_text(",".join(header) + "\nNA," + INVOICE_ROW.split(",", 1)[1] + "\n")
    assert load_scenarios(csv_path) == [scenario]  # the same row, the same scenario
    assert main(["run", str(path), "--samples", "0"]) == 0
    captured = capsys.readouterr()
    assert "Hidden draft" not in captured.out
    assert "roi: note: " in captured.err and "skipped hidden sheet 'scratch'" in captured.err


@pytest.mark.parametrize(
    ("first", "second"),
    [("users", "users "), ("criterion.1.name", "criterion.01.name")],
)
def test_two_headers_that_read_as_one_are_refused_naming_both(tmp_path, first, second):
    """`users` and `users ` (or criterion.1 and criterion.01) kept the last value silently."""
    header = [*HEADER.split(","), first, second]
    row = [*INVOICE_ROW.split(","), "1", "2"]
    path = tmp_path / "plan.csv"
    path.write_text(",".join(header) + "\n" + ",".join(row) + "\n", encoding="utf-8")
    with pytest.raises(ScenarioError) as caught:
        load_scenarios(path)
    assert f"has two columns that read as one: {first!r} and {second!r}" in str(caught.value)


def test_a_criterion_may_not_take_an_inputs_name(invoice_fields):
    """A criterion called 'users' would overwrite the users input's value of information."""
    from roi.scenario import scenario_from_dict

    criterion = {"name": "users", "direction": "higher", "target": 2, "minimum": 1}
    with pytest.raises(ScenarioError, match="is the name of an input"):
        scenario_from_dict({**invoice_fields, "success_criteria": [{**criterion, "measured": 2}]})
