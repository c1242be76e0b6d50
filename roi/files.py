"""Reading scenarios (and a portfolio's initiatives) from YAML, JSON, CSV and XLSX files, and
writing them, and a Monte Carlo's samples, back safely: roi's file I/O, which the
calculators never import (an import contract in `make lint`)."""

from __future__ import annotations

import csv
import io
import json
import os
import re
import tempfile
import warnings
import zipfile
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from roi.exceptions import (
    MISSING,
    OutputError,
    Problem,
    ScenarioError,
    suggestion,
    value_text,
)
from roi.safe_yaml import file_too_big, safe_yaml
from roi.scenario import (
    CRITERION_KEYS,
    FIELD_SPECS,
    SCENARIO_KEYS,
    Scenario,
    scenario_from_dict,
)
from roi.shared import SHARED_KEY, Driver, apply_drivers, parse_drivers

SUFFIXES = {".yaml": "yaml", ".yml": "yaml", ".json": "json", ".csv": "csv", ".xlsx": "xlsx"}
RANGE_PARTS = ("low", "high", "distribution")
MAX_SCENARIOS_PER_FILE = 10_000
"""Scenarios (list items, or table rows under the header) one file may hold: a file's cost
is bounded by what it means, not by its size (a 5 KB workbook can claim a million rows)."""
MAX_TABLE_COLUMNS = 1_000
"""Columns a CSV or a workbook's sheet may span (every field, range and criterion column of
a scenario is about 200)."""


def read_records(
    path: str | os.PathLike[str], *, within: str | os.PathLike[str] | None = None
) -> list[tuple[str, int | None, Any]]:
    """The raw scenario records of a file, each with its source (the file, and its sheet
    when a workbook has several) and row (None for a lone mapping).

    Problems with the file itself (missing, wrong kind, empty, unparseable, unknown
    columns) raise ScenarioError; the records are not validated yet, so a caller can
    validate them one by one and keep the good ones (the batch does).

    `within`: the folder `path` was listed from; a link in it to a file outside it is
    refused unread (a shared folder's link to /proc/self/environ, or to anyone's YAML,
    would otherwise put that file's values into messages and reports).
    """
    path = Path(path)
    return [
        (where, row, record) for where, row, record, _ in portfolio_records(path, within=within)
    ]


def portfolio_records(
    path: str | os.PathLike[str],
    shared: Mapping[str, Driver] | None = None,
    *,
    within: str | os.PathLike[str] | None = None,
) -> list[tuple[str, int | None, Any, dict[str, str]]]:
    """`read_records`, each record with the shared drivers it uses filled in, and
    {field: driver name} of those (`roi.shared`). A document's own `shared:` section and
    `shared` (given for a table, e.g. `roi portfolio --shared`) are both used."""
    path = Path(path)
    if within is not None and not path.resolve().is_relative_to(Path(within).resolve()):
        raise ScenarioError(
            [
                Problem(
                    "",
                    MISSING,
                    "is a link to a file outside the folder: roi reads only the folder's own "
                    "files (copy the file in instead)",
                    str(path),
                )
            ]
        )
    kind = SUFFIXES.get(path.suffix.lower())
    source = str(path)
    if kind is None:
        raise ScenarioError(
            [
                Problem(
                    "",
                    path.suffix or "(none)",
                    "must be a .yaml, .yml, .json, .csv or .xlsx file",
                    source,
                )
            ]
        )
    if not path.is_file():
        raise ScenarioError([Problem("", MISSING, "does not exist or is not a file", source)])
    too_big = file_too_big(path)
    if too_big:
        raise ScenarioError([Problem("", MISSING, too_big, source)])
    drivers = dict(shared or {})
    if kind in ("yaml", "json"):
        own, rows = _records_from_document(path, kind)
        clash = sorted(set(own) & set(drivers))
        if clash:
            raise ScenarioError(
                [Problem(SHARED_KEY, clash, "are defined both in the file and given", source)]
            )
        drivers.update(own)
        records = [(source, row, record) for row, record in rows]
    else:
        records = _records_from_table(path, kind)
    out: list[tuple[str, int | None, Any, dict[str, str]]] = []
    problems: list[Problem] = []
    for where, row, record in records:
        try:
            filled, uses = apply_drivers(record, drivers, where, row)
        except ScenarioError as error:
            problems.extend(error.problems)
        else:
            out.append((where, row, filled, uses))
    if problems:
        raise ScenarioError(problems)
    return out


def scenario_files(source: str | os.PathLike[str]) -> list[Path]:
    """The scenario files under `source`: the file itself, or a folder's scenario files
    (not hidden ones, nor Excel's `~$` lock files), sorted by name.

    Raises ScenarioError when the path does not exist or the folder holds none.
    """
    path = Path(source)
    if path.is_dir():
        files = sorted(
            p
            for p in path.iterdir()
            if p.is_file() and p.suffix.lower() in SUFFIXES and not p.name.startswith((".", "~$"))
        )
        if not files:
            raise ScenarioError(
                [
                    Problem(
                        "",
                        MISSING,
                        "holds no scenario files (.yaml, .yml, .json, .csv or .xlsx)",
                        str(path),
                        subject="folder",
                    )
                ]
            )
        return files
    if not path.exists():
        raise ScenarioError([Problem("", MISSING, "does not exist", str(path))])
    return [path]


def project_path(name: str | os.PathLike[str]) -> Path:
    """A notebook's data path as `roi init` writes it, relative to the project folder
    (`scenarios/invoice_triage.yaml`), found from wherever the notebook runs: as given when
    it exists from the working folder (or is absolute), else in the nearest folder above
    that holds it, so Voila (run in `notebooks/`) and papermill run from the project's
    root or any folder inside it open the same file. Not found anywhere: as given, and
    the reader's error names it.

    >>> import os, tempfile
    >>> root = Path(tempfile.mkdtemp()); (root / "scenarios").mkdir(); (root / "notebooks").mkdir()
    >>> _ = (root / "scenarios" / "a.yaml").write_text("name: a")
    >>> here = os.getcwd(); os.chdir(root / "notebooks")
    >>> project_path("scenarios/a.yaml") == root / "scenarios" / "a.yaml"
    True
    >>> os.chdir(here)
    """
    path = Path(name)
    if path.is_absolute() or path.exists() or len(path.parts) < 2 or ".." in path.parts:
        return path
    for folder in Path.cwd().parents:
        if (folder / path).exists():
            return folder / path
    return path


@dataclass(frozen=True)
class Entry:
    """One valid scenario and where it came from (`extra`: what a reader adds to it)."""

    scenario: Scenario
    source: str
    row: int | None = None
    extra: Any = None


@dataclass(frozen=True)
class InvalidRow:
    """A scenario (or a whole file, `row` None and no name) that was skipped, and why."""

    source: str
    row: int | None
    name: str
    problems: tuple[Problem, ...]

    @property
    def reason(self) -> str:
        """Its problems in words, without the file and row the table already shows."""
        return "; ".join(
            (f"'{p.field}' " if p.field else "")
            + p.allowed
            + (f" (got {value_text(p.value)})" if value_text(p.value) else "")
            for p in self.problems
        )


@dataclass(frozen=True)
class Loaded:
    """Scenarios read leniently: the valid ones, and every row that was skipped."""

    entries: tuple[Entry, ...]
    invalid: tuple[InvalidRow, ...]

    @property
    def problems(self) -> list[Problem]:
        return [p for row in self.invalid for p in row.problems]

    def strict(self) -> list[Scenario]:
        """The scenarios, or ScenarioError listing every problem when any row is bad."""
        if self.invalid:
            raise ScenarioError(self.problems)
        return [entry.scenario for entry in self.entries]


def _where(source: str, row: int | None) -> str:
    return f"{source} row {row}" if row is not None else source


def sort_records(items: Iterable[tuple[str, int | None, Any, Any]]) -> Loaded:
    """Validate (source, row, record, extra) items: each valid one is an Entry, each bad
    one an InvalidRow, and a name already taken by an earlier scenario makes the later
    one invalid (an initiative is known by its name in every report), the same in the
    batch, `roi run`, `roi portfolio` and the notebooks."""
    valid: list[Entry] = []
    invalid: list[InvalidRow] = []
    first: dict[str, tuple[str, int | None]] = {}
    for where, row, record, extra in items:
        given = record.get("name") if isinstance(record, Mapping) else None
        try:
            scenario = scenario_from_dict(record, source=where, row=row)
        except ScenarioError as error:
            name = str(given).strip() if isinstance(given, str | int | float) else ""
            invalid.append(InvalidRow(where, row, name, tuple(error.problems)))
            continue
        if scenario.name in first:
            taken = _where(*first[scenario.name])
            problem = Problem(
                "name",
                scenario.name,
                f"is already the name of {taken}: each initiative needs its own name (rename one)",
                where,
                row,
            )
            invalid.append(InvalidRow(where, row, scenario.name, (problem,)))
            continue
        first[scenario.name] = (where, row)
        valid.append(Entry(scenario, where, row, extra))
    return Loaded(tuple(valid), tuple(invalid))


def read_leniently(
    files: Iterable[Path],
    records_of: Callable[[Path], Iterable[tuple[str, int | None, Any, Any]]],
) -> Loaded:
    """`sort_records` over every file's (source, row, record, extra) items; a file that
    cannot be read at all is one InvalidRow (its problems), not the end of the others."""
    items: list[tuple[str, int | None, Any, Any]] = []
    unreadable: list[InvalidRow] = []
    for file in files:
        try:
            items.extend(records_of(file))
        except ScenarioError as error:
            unreadable.append(InvalidRow(str(file), None, "", tuple(error.problems)))
    loaded = sort_records(items)
    return Loaded(loaded.entries, (*unreadable, *loaded.invalid))


def read_scenarios(path: str | os.PathLike[str]) -> Loaded:
    """Every scenario in a file or a folder's scenario files, leniently: a bad row (or an
    unreadable file) is skipped and reported, the rest are read (see `sort_records`)."""
    within = path if Path(path).is_dir() else None
    files = scenario_files(path) if within is not None else [Path(path)]
    return read_leniently(
        files,
        lambda file: [(w, r, rec, None) for w, r, rec in read_records(file, within=within)],
    )


def skipped_text(invalid: Sequence[InvalidRow]) -> str:
    """What a person reads about skipped rows, the same in every command.

    >>> bad = InvalidRow("a.csv", 3, "X", (Problem("users", -5, "must be >= 0", "a.csv", 3),))
    >>> print(skipped_text([bad]))
    1 invalid scenario skipped (fix it and run again; --strict refuses the whole input):
      - a.csv row 3 (X): 'users' must be >= 0 (got -5)
    """
    if not invalid:
        return ""
    count = len(invalid)
    lines = [
        f"{count} invalid scenario{'s' if count != 1 else ''} skipped (fix "
        f"{'them' if count != 1 else 'it'} and run again; --strict refuses the whole input):"
    ]
    for bad in invalid:
        name = f" ({bad.name})" if bad.name else ""
        lines.append(f"  - {_where(bad.source, bad.row)}{name}: {bad.reason}")
    return "\n".join(lines)


def load_scenarios(path: str | os.PathLike[str]) -> list[Scenario]:
    """Every scenario in a file (a YAML/JSON mapping or list of mappings, or CSV/XLSX
    rows), or in every scenario file of a folder, in name order.

    Raises ScenarioError listing every problem in every scenario of the file(s), a name
    given twice included (`read_scenarios` skips the bad ones instead).
    """
    return read_scenarios(path).strict()


def scenarios_from_records(records: Iterable[tuple[str, int | None, Any]]) -> list[Scenario]:
    """Validate `read_records`' records; raises ScenarioError listing every problem."""
    scenarios: list[Scenario] = []
    problems: list[Problem] = []
    for where, row, record in records:
        try:
            scenarios.append(scenario_from_dict(record, source=where, row=row))
        except ScenarioError as error:
            problems.extend(error.problems)
    if problems:
        raise ScenarioError(problems)
    return scenarios


def load_scenario(path: str | os.PathLike[str]) -> Scenario:
    """The one scenario in a file; a file with several is an error naming how many."""
    scenarios = load_scenarios(path)
    if len(scenarios) != 1:
        raise ScenarioError(
            [
                Problem(
                    "",
                    MISSING,
                    f"must hold exactly one scenario here, but holds {len(scenarios)}",
                    str(path),
                )
            ]
        )
    return scenarios[0]


class _DuplicateKeyError(ValueError):
    def __init__(self, key: str):
        super().__init__(key)
        self.key = key


def _json_object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """A JSON object, refusing a key given twice (json keeps the last)."""
    data: dict[str, Any] = {}
    for key, value in pairs:
        if key in data:
            raise _DuplicateKeyError(key)
        data[key] = value
    return data


def _records_from_document(
    path: Path, kind: str
) -> tuple[dict[str, Driver], list[tuple[int | None, Any]]]:
    source = str(path)
    try:
        text = path.read_text(encoding="utf-8-sig")  # a byte-order mark is not text
    except UnicodeDecodeError:
        raise ScenarioError([Problem("", MISSING, "is not UTF-8 text", source)]) from None
    except OSError as error:  # no permission, a device, ...
        reason = error.strerror or type(error).__name__
        raise ScenarioError([Problem("", MISSING, f"cannot be read: {reason}", source)]) from None
    if not text.strip():
        raise ScenarioError([Problem("", MISSING, "is empty: it must hold a scenario", source)])
    try:
        if kind == "yaml":
            data = safe_yaml(text)  # a SafeLoader: no arbitrary objects
        else:
            data = json.loads(text, object_pairs_hook=_json_object)
    except RecursionError:
        raise ScenarioError(
            [Problem("", MISSING, f"is not a scenario file: it nests too deep ({kind})", source)]
        ) from None
    except _DuplicateKeyError as error:
        raise ScenarioError(
            [Problem("", MISSING, f"is not valid JSON: {error.key!r} is given twice", source)]
        ) from None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(error, "problem", None) or (
            str(error) if type(error) is yaml.YAMLError else "invalid syntax"
        )
        raise ScenarioError(
            [Problem("", MISSING, f"is not valid YAML{where}: {problem}", source)]
        ) from None
    except json.JSONDecodeError as error:
        raise ScenarioError(
            [
                Problem(
                    "",
                    MISSING,
                    f"is not valid JSON at line {error.lineno}, column {error.colno}: {error.msg}",
                    source,
                )
            ]
        ) from None
    except (ValueError, TypeError, OverflowError) as error:
        # A typed YAML value that is not one (`!!float abc`, `!!int 0x`, `!!timestamp
        # 2026-99-01`), or an integer of over 4,300 digits.
        reason = (str(error).splitlines() or [type(error).__name__])[0][:200]
        raise ScenarioError(
            [Problem("", MISSING, f"is not valid {kind.upper()}: {reason}", source)]
        ) from None
    drivers: dict[str, Driver] = {}
    if isinstance(data, Mapping) and "scenarios" in data and set(data) <= {"scenarios", SHARED_KEY}:
        drivers = parse_drivers(data.get(SHARED_KEY), source)
        data = data["scenarios"]
    if isinstance(data, list):
        if not data:
            raise ScenarioError([Problem("", MISSING, "holds an empty list of scenarios", source)])
        if len(data) > MAX_SCENARIOS_PER_FILE:
            raise ScenarioError([Problem("", MISSING, _too_many(len(data)), source)])
        return drivers, [(index + 1, item) for index, item in enumerate(data)]
    if data is None:
        raise ScenarioError([Problem("", MISSING, "is empty: it must hold a scenario", source)])
    return drivers, [(None, data)]


# What pandas, openpyxl and zipfile raise for a file that is not the table it claims to
# be (a truncated workbook, a zip without a workbook, a CSV with an open quote).
_UNREADABLE_TABLE = (
    ValueError,
    OSError,
    KeyError,
    EOFError,
    zipfile.BadZipFile,
    pd.errors.ParserError,
    OverflowError,  # a cell whose number reads back as infinity (pandas makes it an int)
)


def _too_many(count: int, what: str = "scenarios") -> str:
    return (
        f"holds {count:,} {what}; roi reads at most {MAX_SCENARIOS_PER_FILE:,} per file: "
        "split it into several files (a folder of them runs as one batch)"
    )


def _too_wide(count: int, where: str = "") -> str:
    return (
        f"spans {count:,} columns{where}; roi reads at most {MAX_TABLE_COLUMNS:,}: "
        "delete the empty columns past the table (or the far cells) and save it again"
    )


def _sheet_too_large(rows: int, columns: int) -> str:
    """
    >>> _sheet_too_large(1_048_576, 16_384)[:62]
    'spans A1:XFD1048576 (1,048,575 rows under its header, 16,384 c'
    """
    from openpyxl.utils import get_column_letter

    return (
        f"spans A1:{get_column_letter(columns)}{rows} ({rows - 1:,} rows under its header, "
        f"{columns:,} columns); roi reads at most {MAX_SCENARIOS_PER_FILE:,} rows and "
        f"{MAX_TABLE_COLUMNS:,} columns: delete the cells past the table (or split it into "
        "several files) and save it again"
    )


def _records_from_table(path: Path, kind: str) -> list[tuple[str, int | None, dict[str, Any]]]:
    source = str(path)
    if kind == "csv":
        overfull = _csv_shape_problem(path)
        if overfull:
            raise ScenarioError([Problem("", MISSING, overfull, source)])
    else:
        closed = _not_a_workbook(path)
        if closed:
            raise ScenarioError([Problem("", MISSING, closed, source)])
    try:
        if kind == "csv":
            # Blank lines are kept (and skipped later) so rows keep the spreadsheet's numbers.
            # index_col=False: a row with more values than the header is refused above,
            # never read with its first values as an index (every column shifted).
            with warnings.catch_warnings():  # the extra values were refused above; the
                warnings.simplefilter("ignore", pd.errors.ParserWarning)  # rest are blank
                table = pd.read_csv(
                    path,
                    dtype=object,
                    keep_default_na=False,
                    na_values=[""],
                    skipinitialspace=True,
                    skip_blank_lines=False,
                    index_col=False,
                )
        else:
            # Text is read as written ("n/a" and "NA" are text, as in a CSV), and only the
            # sheets a person sees: hidden ones are skipped, and said so.
            visible = _visible_sheets(path)
            sheets = pd.read_excel(
                path,
                dtype=object,
                sheet_name=visible,
                keep_default_na=False,
                na_values=[""],
                nrows=MAX_SCENARIOS_PER_FILE + 1,  # the sheets' extents were checked
            )
    except pd.errors.EmptyDataError:
        raise ScenarioError(
            [
                Problem(
                    "",
                    MISSING,
                    "is empty: it must hold a header row and one row per scenario",
                    source,
                )
            ]
        ) from None
    except ScenarioError:
        raise  # a message of roi's own (a sheet too large, only hidden sheets)
    except _UNREADABLE_TABLE as error:
        if isinstance(error, OverflowError):
            reason = "a cell holds a number too large to read (about 1.8e308 or more)"
        elif kind == "xlsx":  # pandas/openpyxl reasons ("specify an engine") do not help here
            reason = "it is not an Excel workbook (or it is damaged)"
        else:
            reason = (str(error).splitlines() or [type(error).__name__])[0]
        raise ScenarioError(
            [Problem("", MISSING, f"cannot be read as {kind.upper()}: {reason}", source)]
        ) from None
    # A formula without a saved value reads as a blank cell: look for formulas (a second
    # read of the workbook) only when a blank cell is there to explain.
    if kind == "xlsx" and any(frame.isna().to_numpy().any() for frame in sheets.values()):
        unsaved = _formulas_without_values(path)
        if unsaved:
            raise ScenarioError([Problem("", MISSING, unsaved, source)])
    if kind == "csv":
        records = [(source, row, r) for row, r in records_from_table(table, source=source)]
    else:  # every sheet holding a table, each named in its problems when there are several
        tables = {name: frame for name, frame in sheets.items() if len(frame.columns)}
        tall = [  # a sheet whose stated extent understated it: read up to the limit only
            Problem(
                "",
                MISSING,
                f"has more than {MAX_SCENARIOS_PER_FILE:,} rows under its header; roi reads "
                "at most that many per file: split it into several files",
                f"{source} [sheet {name!r}]",
            )
            for name, frame in tables.items()
            if len(frame) > MAX_SCENARIOS_PER_FILE
        ]
        if tall:
            raise ScenarioError(tall)
        records = []
        problems: list[Problem] = []
        for name, frame in tables.items():
            where = f"{source} [sheet {name!r}]" if len(tables) > 1 else source
            try:
                records += [(where, row, r) for row, r in records_from_table(frame, source=where)]
            except ScenarioError as error:
                problems += error.problems
        if problems:
            raise ScenarioError(problems)
    if not records:
        raise ScenarioError([Problem("", MISSING, "has no scenario rows under its header", source)])
    return records


class HiddenSheets(UserWarning):
    """A workbook's hidden sheets were skipped."""


def _visible_sheets(path: Path) -> list[str]:
    """The names of a workbook's sheets that are not hidden (a warning names the others)."""
    import openpyxl

    try:
        book = openpyxl.load_workbook(path, read_only=True)
    except Exception as error:
        raise ValueError(str(error) or type(error).__name__) from None
    try:
        states = {ws.title: ws.sheet_state for ws in book.worksheets}
        extents = {
            ws.title: (ws.max_row or 0, ws.max_column or 0)
            for ws in book.worksheets
            if ws.sheet_state == "visible"
        }
    finally:
        book.close()
    # A sheet's stated extent (its <dimension>, which Excel and LibreOffice write) bounds
    # what reading it costs: one cell at XFD1048576 would make 17 billion empty cells.
    problems = [
        Problem("", MISSING, _sheet_too_large(rows, columns), f"{path} [sheet {name!r}]")
        for name, (rows, columns) in extents.items()
        if rows - 1 > MAX_SCENARIOS_PER_FILE or columns > MAX_TABLE_COLUMNS
    ]
    if problems:
        raise ScenarioError(problems)
    hidden = [name for name, state in states.items() if state != "visible"]
    if hidden:
        warnings.warn(
            f"{path}: skipped hidden sheet{'s' if len(hidden) > 1 else ''} "
            + ", ".join(repr(name) for name in hidden),
            HiddenSheets,
            stacklevel=3,
        )
    visible = [name for name, state in states.items() if state == "visible"]
    if not visible:
        raise ScenarioError([Problem("", MISSING, "has only hidden sheets", str(path))])
    return visible


def _formulas_without_values(path: Path) -> str | None:
    """Which cells of a workbook hold a formula with no saved value, or None.

    A workbook written by a program (not saved by a spreadsheet) has formulas but no
    results; read as values they are blank, and a blank `users` would read as "missing".
    """
    import openpyxl

    try:
        formulas = openpyxl.load_workbook(path, read_only=True)
        values = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception:
        return None
    try:
        cells = [
            f"{sheet.title}!{cell.coordinate}"
            for sheet in formulas.worksheets
            for row, shown in zip(
                sheet.iter_rows(), values[sheet.title].iter_rows(values_only=True), strict=False
            )
            for cell, value in zip(row, shown, strict=False)
            if cell.data_type == "f" and value is None
        ]
    finally:
        formulas.close()
        values.close()
    if not cells:
        return None
    shown = ", ".join(cells[:5]) + (f" and {len(cells) - 5} more" if len(cells) > 5 else "")
    return (
        f"has formulas without a saved value in {shown}: open and save it in Excel or "
        "LibreOffice (which compute them), or paste the values"
    )


def _csv_shape_problem(path: Path) -> str | None:
    """What makes a CSV's shape unreadable, or None: more rows or columns than roi reads
    (found without reading the rest), or rows holding more values than the header has
    columns (trailing empty values, as some exports write, are fine)."""
    over: list[int] = []
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            rows = csv.reader(handle)
            header = next(rows, None)
            if header is None:
                return None
            width = len(header)
            if width > MAX_TABLE_COLUMNS:
                return _too_wide(width, " in its header")
            for index, row in enumerate(rows, start=2):
                if index - 1 > MAX_SCENARIOS_PER_FILE:
                    return _too_many(index - 1, "rows or more under its header")
                if len(row) > width and any(v.strip() for v in row[width:]):
                    if len(row) > MAX_TABLE_COLUMNS:
                        return _too_wide(len(row), f" in row {index}")
                    over.append(index)
    except (UnicodeDecodeError, csv.Error):
        return None  # pandas reports these with its own words
    if not over:
        return None
    shown = ", ".join(map(str, over[:5])) + (f" and {len(over) - 5} more" if len(over) > 5 else "")
    return (
        f"has more values than header columns ({width}) in row {shown}: "
        "add the missing header or remove the extra values"
    )


_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ENCRYPTED_MARK = "EncryptionInfo".encode("utf-16-le")


def _not_a_workbook(path: Path) -> str | None:
    """Why a .xlsx file is not one roi can open, in the user's terms, or None.

    A password-protected workbook and an Excel 97-2003 one are both OLE compound files, not
    zip archives; an encrypted one holds an "EncryptionInfo" stream.
    """
    try:
        with path.open("rb") as handle:
            head = handle.read(len(_OLE_MAGIC))
            if head != _OLE_MAGIC:
                return None
            body = handle.read(MAX_OLE_SCAN_BYTES)
    except OSError as error:
        return f"cannot be read: {error.strerror or type(error).__name__}"
    if _ENCRYPTED_MARK in body:
        return (
            "is password-protected (encrypted): open it in Excel or LibreOffice, remove the "
            "password and save it again"
        )
    return (
        "is an Excel 97-2003 workbook (.xls) named .xlsx: open it and save it as an Excel "
        "workbook (.xlsx)"
    )


MAX_OLE_SCAN_BYTES = 8 * 2**20


READINESS_PREFIX = "readiness."
"""Table columns `readiness.<item id>` hold a row's readiness answers (done, open, n/a),
and `readiness.<item id>.owner` / `.note` who owns the item and a note on it."""
READINESS_PARTS = ("owner", "note")
CRITERION_PREFIX = "criterion."
"""Table columns `criterion.<n>.<key>` hold a row's success criteria, numbered from 1:
`name`, `direction`, `target`, `minimum`, `measured` (with `measured_low` and
`measured_high` for a range), `unit`, `source`."""
CRITERION_COLUMN_KEYS = (*CRITERION_KEYS, "measured_low", "measured_high")
GATE_PREFIX = "gate_probabilities."
"""Table columns `gate_probabilities.<gate>` override the chance of passing gate 2, 3 or 4."""


def _criterion_column(column: str) -> tuple[int, str] | None:
    """(number, key) of a `criterion.<n>.<key>` column, or None when it is not one.

    >>> _criterion_column("criterion.2.measured_low"), _criterion_column("criterion.x.name")
    ((2, 'measured_low'), None)
    """
    if not column.startswith(CRITERION_PREFIX):
        return None
    number, _, key = column[len(CRITERION_PREFIX) :].partition(".")
    if not number.isdigit() or int(number) < 1 or key not in CRITERION_COLUMN_KEYS:
        return None
    return int(number), key


def _criteria_from_row(cells: dict[tuple[int, str], Any]) -> list[dict[str, Any]]:
    """Criteria mappings from a row's non-blank `criterion.<n>.<key>` cells, by number."""
    criteria = []
    for number in sorted({n for n, _ in cells}):
        own = {key: value for (n, key), value in cells.items() if n == number}
        low, high = own.pop("measured_low", None), own.pop("measured_high", None)
        if low is not None or high is not None:
            likely = own.get("measured", MISSING)
            measured = {
                "low": likely if low is None else low,
                "likely": likely,
                "high": likely if high is None else high,
            }
            own["measured"] = {k: v for k, v in measured.items() if v is not MISSING}
        criteria.append(own)
    return criteria


def records_from_table(
    table: pd.DataFrame, *, source: str = "table", first_row: int = 2
) -> list[tuple[int | None, dict[str, Any]]]:
    """Scenario mappings from table rows: `<field>_low` / `<field>_high` make ranges,
    `readiness.<item id>` columns the readiness answers (a row whose readiness cells are
    all blank is not assessed, like a scenario file without `readiness`).

    Row numbers are as a spreadsheet shows them (the header is row 1).

    >>> table = pd.DataFrame({"name": ["A", "B"], "readiness.value_signal": ["done", None]})
    >>> [record.get("readiness") for _, record in records_from_table(table)]
    [{'value_signal': 'done'}, None]
    """
    problems: list[Problem] = []
    columns = [str(c).strip() for c in table.columns]
    # Two headers that read as one (`users` and `users `, `criterion.01` and
    # `criterion.1`) would keep one value silently: refused, naming both.
    seen: dict[str, str] = {}
    for raw, column in zip(table.columns, columns, strict=True):
        key = _column_key(column)
        if key in seen:
            problems.append(
                Problem(
                    "",
                    MISSING,
                    f"has two columns that read as one: {seen[key]!r} and {str(raw)!r}",
                    source,
                )
            )
        seen.setdefault(key, str(raw))
    if problems:
        raise ScenarioError(problems)
    table = table.set_axis(columns, axis=1)
    # pandas names a column without a header "Unnamed: 3" (a trailing comma in a CSV
    # export): an empty one is dropped, one holding values is explained in sheet terms.
    unnamed = [c for c in columns if c.startswith("Unnamed: ")]
    empty = [c for c in unnamed if all(_blank(value) for value in table[c])]
    table = table.drop(columns=empty)  # at once: a column at a time is quadratic
    for column in unnamed:
        if column in empty:
            continue
        number = columns.index(column) + 1
        problems.append(
            Problem("", MISSING, f"has values in column {number}, which has no header", source)
        )
    for column in [c for c in columns if c not in unnamed]:
        base, _, part = column.rpartition("_")
        if column in SCENARIO_KEYS or column == SHARED_KEY:
            continue  # shared: the drivers a row uses, filled in by `portfolio_records`
        if part in RANGE_PARTS and base in FIELD_SPECS:
            continue
        if column.startswith(READINESS_PREFIX) and column != READINESS_PREFIX:
            continue  # the item id is checked with the scenario's other answers
        if column.startswith(GATE_PREFIX) and column != GATE_PREFIX:
            continue  # the gate number is checked with the scenario
        if column.startswith(CRITERION_PREFIX):
            if _criterion_column(column) is not None:
                continue
            problems.append(
                Problem(
                    column,
                    MISSING,
                    "is not a criterion column: write criterion.<number>.<key>, numbered from "
                    "1, with key one of " + ", ".join(CRITERION_COLUMN_KEYS),
                    source,
                )
            )
            continue
        problems.append(
            Problem(
                column,
                MISSING,
                "is not a scenario column" + suggestion(column, SCENARIO_KEYS),
                source,
            )
        )
    if problems:
        raise ScenarioError(problems)
    records: list[tuple[int | None, dict[str, Any]]] = []
    for offset, (_, row) in enumerate(table.iterrows()):
        if all(_blank(value) for value in row):
            continue  # an empty row between scenarios; the next keeps its row number
        record: dict[str, Any] = {}
        criteria: dict[tuple[int, str], Any] = {}
        for column, value in row.items():
            if _blank(value) or (
                column.rpartition("_")[2] in RANGE_PARTS
                and column.rpartition("_")[0] in FIELD_SPECS
            ):
                continue
            value = value.strip() if isinstance(value, str) else value
            criterion = _criterion_column(column)
            if column.startswith(READINESS_PREFIX):
                item, _, part = column[len(READINESS_PREFIX) :].partition(".")
                answers = record.setdefault("readiness", {})
                if part in READINESS_PARTS:
                    answer = answers.get(item)
                    answer = dict(answer) if isinstance(answer, dict) else {"status": answer}
                    answers[item] = {**answer, part: str(value)}
                elif isinstance(answers.get(item), dict):
                    answers[item] = {**answers[item], "status": value}
                else:
                    answers[item] = value
            elif column.startswith(GATE_PREFIX):
                record.setdefault("gate_probabilities", {})[column[len(GATE_PREFIX) :]] = value
            elif criterion is not None:
                criteria[criterion] = value
            else:
                record[column] = value
        for field in FIELD_SPECS:
            parts = {p: row.get(f"{field}_{p}") for p in RANGE_PARTS}
            if all(_blank(v) for v in parts.values()):
                continue
            likely = record.get(field, MISSING)
            record[field] = {
                "low": parts["low"] if not _blank(parts["low"]) else likely,
                "likely": likely,
                "high": parts["high"] if not _blank(parts["high"]) else likely,
            }
            if likely is MISSING:
                record[field] = {k: v for k, v in record[field].items() if v is not MISSING}
            if not _blank(parts["distribution"]):
                record[field]["distribution"] = str(parts["distribution"]).strip()
        if criteria:
            record["success_criteria"] = _criteria_from_row(criteria)
        records.append((first_row + offset, record))
    return records


def _column_key(column: str) -> str:
    """What a header means, for spotting two that mean the same: criterion numbers
    without leading zeros (criterion.01.name is criterion.1.name).

    >>> _column_key("criterion.01.name"), _column_key("users")
    ('criterion.1.name', 'users')
    """
    parsed = _criterion_column(column)
    if parsed is None:
        return column
    number, key = parsed
    return f"{CRITERION_PREFIX}{number}.{key}"


def _blank(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
"""What makes a spreadsheet read a CSV cell as a formula (OWASP, "CSV Injection")."""


def neutralised(value: Any) -> Any:
    r"""Text a spreadsheet would run as a formula, prefixed with a single quote so it
    shows as text (OWASP's advice); anything else unchanged.

    >>> neutralised("=HYPERLINK(1)"), neutralised("\t=1+1"), neutralised("Ops"), neutralised(-3)
    ("'=HYPERLINK(1)", "'\t=1+1", 'Ops', -3)
    >>> neutralised("-200"), neutralised("-1+1")
    ('-200', "'-1+1")
    """
    if (
        isinstance(value, str)
        and value.startswith(FORMULA_STARTS)
        and not _PLAIN_NUMBER.match(value)
    ):
        return "'" + value
    return value


# A negative number is not a formula: '-200 would not read back as a number.
_PLAIN_NUMBER = re.compile(r"^-\d[\d,]*(\.\d+)?$")


def csv_text(frame: pd.DataFrame, *, index: bool = False) -> str:
    r"""A frame as CSV text for people and spreadsheets: RFC 4180 line ends (CRLF), and
    text cells that a spreadsheet would run as a formula neutralised (`neutralised`).

    With pandas' default LF line end, Python's csv writer does not quote a field that
    holds a bare CR, and every reader then splits the row there; with CRLF it does.

    >>> text = csv_text(pd.DataFrame({"name": ["a\rb", "@SUM(A1)"], "x": [1, -2]}))
    >>> text
    'name,x\r\n"a\rb",1\r\n\'@SUM(A1),-2\r\n'
    >>> import io
    >>> pd.read_csv(io.StringIO(text)).to_dict("records")[0]
    {'name': 'a\rb', 'x': 1}
    """
    text = frame.select_dtypes(include=["object", "string"]).columns
    if len(text):
        frame = frame.assign(**{c: frame[c].map(neutralised) for c in text})
    return frame.to_csv(index=index, lineterminator="\r\n")


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_text_atomic(path: str | os.PathLike[str], text: str | bytes) -> Path:
    """Write a file so that readers see the old content or the new, never half of it.

    Raises OutputError (an OSError and a RoiError) naming `path`, not the temporary file,
    when the folder cannot be made or written (read-only, /proc, a full disk).
    """
    path = Path(path)
    data = text.encode("utf-8") if isinstance(text, str) else text
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as error:
        raise OutputError(path, error) from error
    try:
        # mkstemp makes the file private (0600); give it the mode a plain open() would.
        os.fchmod(fd, 0o666 & ~_umask())
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except OSError as error:
        Path(tmp).unlink(missing_ok=True)
        raise OutputError(path, error) from error
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def scenario_yaml(scenario: Scenario) -> str:
    """The scenario as YAML text, loadable by `load_scenario` and by papermill's -f."""
    data = scenario.to_dict()
    text = yaml.safe_dump(data, sort_keys=False, allow_unicode=True)
    # PyYAML writes a few characters raw (NEL, U+0085) that it reads back as a space;
    # then escape all non-ASCII text so the file loads back equal.
    if safe_yaml(text) != data:
        text = yaml.safe_dump(data, sort_keys=False, allow_unicode=False)
    return text


def save_scenario(scenario: Scenario, path: str | os.PathLike[str]) -> Path:
    """Save a scenario as YAML, atomically."""
    return write_text_atomic(path, scenario_yaml(scenario))


def xlsx_text(value: Any) -> Any:
    r"""Text as a worksheet cell can hold it: control characters (which no XLSX cell may
    contain; openpyxl raises on them) become U+FFFD, and a CR a line feed (XML reads a bare
    CR as a line end anyway: say so, rather than let the reader change it). CSV outputs
    keep the exact text.

    >>> xlsx_text("a\x07b\x1f") == "a\ufffdb\ufffd", xlsx_text("tab\tnewline\n"), xlsx_text(3.5)
    (True, 'tab\tnewline\n', 3.5)
    """
    if not isinstance(value, str):
        return value
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    return ILLEGAL_CHARACTERS_RE.sub("\ufffd", value.replace("\r\n", "\n").replace("\r", "\n"))


# --- actuals ---------------------------------------------------------------------------------

DATE_COLUMN = "date"
ACTUALS_LIMIT = 100_000
"""Most measurement rows one actuals file may hold."""


def _measured_on(cell: Any) -> Any:
    """A date cell as a date: an ISO text or a spreadsheet's date; ValueError otherwise."""
    from datetime import date, datetime

    if isinstance(cell, datetime | pd.Timestamp):
        return cell.date()
    if isinstance(cell, date):
        return cell
    return date.fromisoformat(str(cell).strip())


def read_actuals(path: str | os.PathLike[str]) -> list[tuple[Any, str, float]]:
    """Dated measurements from a CSV or XLSX file: a `date` column (YYYY-MM-DD), then any
    of the scenario's numeric fields by name (users, tasks_per_day, build_cost...), one
    row per date. Cells read as a scenario's do (1,500, $70, 12%), within each field's
    rule; blank cells are not measurements. Returns (date, field, value) triples.

    Raises ScenarioError naming the row, column, value and rule of every problem.
    """
    from roi.evaluate import column_numbers
    from roi.scenario import NUMERIC_FIELDS

    source = str(path)
    suffix = Path(path).suffix.lower()
    if suffix not in (".csv", ".xlsx"):
        raise ScenarioError(
            [Problem("", MISSING, "must be a .csv or .xlsx file of dated measurements", source)]
        )
    too_big = file_too_big(Path(path))
    if too_big:
        raise ScenarioError([Problem("", MISSING, too_big, source)])
    try:
        if suffix == ".csv":
            table = pd.read_csv(path, dtype=object, keep_default_na=False, na_values=[""])
        else:
            table = pd.read_excel(path, dtype=object)
    except (pd.errors.EmptyDataError, *_UNREADABLE_TABLE) as error:
        reason = (str(error).splitlines() or [type(error).__name__])[0]
        raise ScenarioError([Problem("", MISSING, f"cannot be read: {reason}", source)]) from None
    table.columns = [str(c).strip() for c in table.columns]
    problems: list[Problem] = []
    if DATE_COLUMN not in table.columns:
        problems.append(Problem(DATE_COLUMN, MISSING, "is required (a column of dates)", source))
    fields = [c for c in table.columns if c != DATE_COLUMN]
    for column in fields:
        if column not in NUMERIC_FIELDS:
            allowed = "is not a measurable input" + suggestion(column, list(NUMERIC_FIELDS))
            problems.append(Problem(column, MISSING, allowed, source))
    if len(table) > ACTUALS_LIMIT:
        problems.append(
            Problem("", MISSING, f"has {len(table):,} rows; at most {ACTUALS_LIMIT:,}", source)
        )
    if problems:
        raise ScenarioError(problems)
    dates = []
    for index, cell in enumerate(table[DATE_COLUMN]):
        try:
            dates.append(_measured_on(cell))
        except (TypeError, ValueError):
            dates.append(None)
            problems.append(
                Problem(DATE_COLUMN, cell, "must be a date YYYY-MM-DD", source, index + 2)
            )
    out: list[tuple[Any, str, float]] = []
    for column in fields:
        spec = FIELD_SPECS[column]
        raw = table[column]
        numbers, reasons = column_numbers(raw, spec.unit)
        blank = raw.isna().to_numpy() | (raw.astype(str).str.strip() == "").to_numpy()
        for index, value in enumerate(numbers):
            if blank[index]:
                continue
            cell = raw.iloc[index]
            if index in reasons or not spec.check(float(value)):
                why = reasons.get(index, spec.allowed())
                problems.append(Problem(column, cell, why, source, index + 2))
            elif dates[index] is not None:
                out.append((dates[index], column, float(value)))
    if problems:
        raise ScenarioError(problems)
    if not out:
        raise ScenarioError([Problem("", MISSING, "holds no measurement", source)])
    return out


# --- a Monte Carlo's samples, a portfolio's initiatives ---------------------------------


def export_samples(simulation: Any, path: str | os.PathLike[str]) -> Path:
    """Write every sample of a Monte Carlo run (`roi.uncertainty.Simulation`: every input,
    then every output, one row a sample) to CSV or Parquet, chosen by the suffix,
    atomically: the audit trail. Never-pays-back paybacks are written as inf. Parquet
    needs pyarrow (in roi's `test` extra)."""
    from roi.uncertainty import SimulationError

    path = Path(path)
    suffix = path.suffix.lower()
    frame = simulation.to_frame()
    if suffix == ".csv":
        return write_text_atomic(path, csv_text(frame, index=True))
    if suffix == ".parquet":
        try:
            import pyarrow  # noqa: F401
        except ImportError:
            raise SimulationError(
                f"writing {path.name} needs pyarrow for Parquet: pip install pyarrow, "
                "or export to a .csv path instead"
            ) from None
        buffer = io.BytesIO()
        frame.to_parquet(buffer)
        return write_text_atomic(path, buffer.getvalue())
    raise SimulationError(f"samples can be exported to .csv or .parquet: got {path.name!r}")


def read_members(
    source: str | os.PathLike[str], shared: str | os.PathLike[str] | None = None
) -> tuple[list[Any], list[InvalidRow]]:
    """Every initiative of a portfolio file or folder (`roi.portfolio.Member`s), with the
    shared drivers each uses, and every one skipped (a bad row, a name given twice, an
    unreadable file), as `read_scenarios` skips them.

    `shared` is a YAML/JSON file holding a `shared:` mapping (for a table's `shared`
    column); a bad one stops everything (it is not one initiative's problem).
    """
    from roi.portfolio import Member

    drivers = {}
    if shared is not None:
        drivers = parse_drivers(_shared_section(Path(shared)), str(shared))
    within = source if Path(source).is_dir() else None
    loaded = read_leniently(
        scenario_files(source), lambda path: portfolio_records(path, drivers, within=within)
    )
    members = [Member(entry.scenario, entry.extra) for entry in loaded.entries]
    return members, list(loaded.invalid)


def load_members(
    source: str | os.PathLike[str], shared: str | os.PathLike[str] | None = None
) -> list[Any]:
    """`read_members`, strictly: every problem of every row is reported at once (ScenarioError),
    two initiatives sharing a name included."""
    members, invalid = read_members(source, shared)
    if invalid:
        raise ScenarioError([problem for bad in invalid for problem in bad.problems])
    return members


def _shared_section(path: Path) -> Any:
    """The `shared:` mapping of a drivers file (YAML or JSON)."""
    if path.suffix.lower() not in (".yaml", ".yml", ".json") or not path.is_file():
        raise ScenarioError(
            [Problem("shared", str(path), "must be an existing .yaml, .yml or .json file")]
        )
    too_big = file_too_big(path)
    try:
        data = None if too_big else safe_yaml(path.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError, ValueError) as error:
        too_big = f"cannot be read: {str(error).splitlines()[0][:120]}"
    if too_big or not isinstance(data, Mapping) or "shared" not in data:
        reason = too_big or "must hold a `shared:` mapping of drivers"
        raise ScenarioError([Problem("", MISSING, reason, str(path))])
    return data["shared"]
