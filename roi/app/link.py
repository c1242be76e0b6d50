"""Links that carry a scenario: the page's query string in, a query string out.

A strategist sends a colleague exactly what they see: the app writes the current inputs
into a link (`share_query`), and a page opened with one reads them back
(`query_parameters`, then the notebook's own parameter rules). The query uses the
column names of a scenario table (CSV/XLSX): `users=300`, a range as `users_low=150` and
`users_high=250`, `readiness.<item id>=done`, `criterion.1.measured=0.93`,
`gate_probabilities.2=0.9`; `scenario_file` names a starter to start from. Readiness
owners and notes ride as `readiness.<item>.owner` / `.note`. What a table cannot hold
(source notes, correlations, holidays, phase overrides) rides compressed in one `more`
parameter (zlib, then URL-safe base64 of its JSON); only `checklists`, a file on the
server, is never carried, and `left_out` names it so the page can say so.
"""

from __future__ import annotations

import base64
import binascii
import json
import urllib.parse
import zlib
from typing import Any

import pandas as pd

from roi.amounts import PERCENT_UNITS
from roi.exceptions import Problem, ScenarioError
from roi.files import CRITERION_PREFIX, GATE_PREFIX, READINESS_PREFIX, records_from_table
from roi.scenario import FIELD_SPECS, NUMERIC_FIELDS, PLAN_WORD, SCENARIO_KEYS, Range, Scenario

SOURCE = "link"
MAX_QUERY = 16_000
"""The longest query string read (a full scenario takes about 1-2 kB)."""

SCALAR_KEYS = (
    "name",
    "description",
    "governance",
    "plan_profile",
    "start_date",
    "poc_weeks",
    "payback_basis",
    "country",
    "poc_budget",
    "poc_spent",
    "decider",
    "decide_by",
    "priors",
    "min_maturity",
    "hidden_cost_share",
)
"""Non-numeric-field scenario keys a link carries as they are."""

SERVER_KEYS = ("token",)
"""Query names that belong to the server (Voila, Jupyter), not to the scenario."""

LEFT_OUT = (
    "notes",
    "correlations",
    "holidays",
    "phase_weeks",
    "checklists",
    "alternative",
    "gate_questions",
    "review_sign_offs",
    "production_owner",
    "rate_card",
)
"""Scenario keys a table row cannot hold."""
PACKED = (
    "notes",
    "correlations",
    "holidays",
    "phase_weeks",
    "alternative",
    "gate_questions",
    "review_sign_offs",
    "production_owner",
    "rate_card",
)
"""Those a link carries all the same, compressed in its `more` parameter."""
MORE = "more"
MAX_MORE_BYTES = 64_000
"""The most a `more` parameter may unpack to (a decompression bomb is refused)."""


def starters() -> dict[str, Scenario]:
    """The starter files a link may name (one scenario each), by file name."""
    from roi.files import load_scenarios
    from roi.resources import SCENARIOS

    paths = sorted(p for p in SCENARIOS.glob("*") if p.suffix.lower() in (".yaml", ".yml", ".json"))
    key = tuple((p.name, p.stat().st_mtime_ns) for p in paths)
    if key in _STARTERS:
        return _STARTERS[key]
    found = {}
    for path in paths:
        try:
            scenarios = load_scenarios(path)
        except ScenarioError:
            continue
        if len(scenarios) == 1:
            found[path.name] = scenarios[0]
    _STARTERS.clear()  # only the files as they are now
    _STARTERS[key] = found
    return found


_STARTERS: dict[tuple, dict[str, Scenario]] = {}


def starter_name(name: str) -> str:
    """`name` if it is a starter's file name; a link may not name any other file (it
    comes from a visitor, and a path would reach into the server)."""
    names = starters()
    if name not in names:
        raise ScenarioError(
            [
                Problem(
                    "scenario_file",
                    name,
                    "must name a starter: " + ", ".join(names),
                    SOURCE,
                )
            ]
        )
    return name


def base_for(scenario: Scenario) -> tuple[str, Scenario] | None:
    """(file name, scenario) of the starter `scenario` is, exactly; else None."""
    for name, starter in starters().items():
        if starter == scenario:
            return name, starter
    return None


def _allowed(key: str) -> bool:
    base, _, part = key.rpartition("_")
    return (
        key in SCENARIO_KEYS
        or key in ("scenario_file", MORE)
        or (base in FIELD_SPECS and part in ("low", "high", "distribution"))
        or key.startswith((READINESS_PREFIX, CRITERION_PREFIX, GATE_PREFIX))
    )


def query_parameters(query: str | None) -> dict[str, Any]:
    """Notebook parameters from a page's query string; {} for none.

    Every name is checked (an unknown one is an error naming it, with what is allowed);
    values are checked with the scenario, as a file's are. Raises ScenarioError.

    >>> query_parameters("users=300&users_low=200&users_high=350")["users"]
    {'low': '200', 'likely': '300', 'high': '350'}
    >>> query_parameters("")
    {}
    """
    query = (query or "").lstrip("?")
    if not query:
        return {}
    if len(query) > MAX_QUERY:
        raise ScenarioError(
            [Problem("", f"{len(query):,} characters", f"must be at most {MAX_QUERY:,}", SOURCE)]
        )
    pairs = urllib.parse.parse_qsl(query, keep_blank_values=True)
    problems = []
    seen: dict[str, str] = {}
    for key, value in pairs:
        if key in SERVER_KEYS or key.startswith("voila"):
            continue  # the server's own (a shared server's ?token=...)
        if not _allowed(key):
            problems.append(
                Problem(
                    key,
                    value,
                    "is not a scenario field: a link holds field names (users, "
                    "users_low, users_high...), readiness.<item>, criterion.<n>.<key>, "
                    "gate_probabilities.<gate> and scenario_file",
                    SOURCE,
                )
            )
        elif key in seen:
            problems.append(Problem(key, value, "is given twice in the link", SOURCE))
        elif key in LEFT_OUT:
            problems.append(
                Problem(key, value, f"cannot be set by a link (its `{MORE}` carries it)", SOURCE)
            )
        seen[key] = value
    if problems:
        raise ScenarioError(problems)
    params: dict[str, Any] = {}
    if "scenario_file" in seen:
        params["scenario_file"] = starter_name(seen.pop("scenario_file"))
    if MORE in seen:
        params.update(unpack(seen.pop(MORE)))
    if seen:
        table = pd.DataFrame([seen], dtype=object)
        ((_, record),) = records_from_table(table, source=SOURCE)
        params.update(record)
    return params


def _text(value: float, unit: str | None = None) -> str:
    """A number as the shortest text that reads back as the same float (exact links). A
    percent field's 1 is written 100%: the text 1 reads as 1% or 100% (roi.amounts).

    >>> _text(0.1, "per year"), _text(1.0, "per year"), _text(1500.0, "people")
    ('0.1', '100%', '1500')
    """
    number = float(value)
    if unit in PERCENT_UNITS and number == 1:
        return "100%"
    return str(int(number)) if number.is_integer() and abs(number) < 1e15 else repr(number)


def _groups(scenario: Scenario) -> dict[str, dict[str, str]]:
    """The scenario as table cells, grouped by what a link must carry together: a field
    with its range, every readiness answer, every criterion, every gate probability."""
    groups: dict[str, dict[str, str]] = {}
    data = scenario.to_dict()
    for key in SCALAR_KEYS:
        value = data.get(key)
        groups[key] = {} if value in (None, "") else {key: str(value)}
    for field in NUMERIC_FIELDS:
        value = getattr(scenario, field)
        unit = FIELD_SPECS[field].unit
        if isinstance(value, Range):
            cells = {
                field: _text(value.likely, unit),
                f"{field}_low": _text(value.low, unit),
                f"{field}_high": _text(value.high, unit),
            }
            if value.distribution != "pert":
                cells[f"{field}_distribution"] = value.distribution
        elif field == "build_cost" and scenario.build_cost_from_plan:
            cells = {field: PLAN_WORD}  # the plan's cost, worked out again on opening
        else:
            cells = {field: _text(float(value), unit)}
        groups[field] = cells
    readiness: dict[str, str] = {}
    for item, answer in scenario.readiness.items():
        readiness[f"{READINESS_PREFIX}{item}"] = answer.status
        for part in ("owner", "note"):
            if getattr(answer, part):
                readiness[f"{READINESS_PREFIX}{item}.{part}"] = getattr(answer, part)
    groups["readiness"] = readiness
    criteria: dict[str, str] = {}
    for number, criterion in enumerate(scenario.success_criteria, start=1):
        prefix = f"{CRITERION_PREFIX}{number}."
        criteria[prefix + "name"] = criterion.name
        criteria[prefix + "direction"] = criterion.direction
        criteria[prefix + "target"] = _text(criterion.target)
        criteria[prefix + "minimum"] = _text(criterion.minimum)
        measured = criterion.measured
        if isinstance(measured, Range):
            criteria[prefix + "measured"] = _text(measured.likely)
            criteria[prefix + "measured_low"] = _text(measured.low)
            criteria[prefix + "measured_high"] = _text(measured.high)
        else:
            criteria[prefix + "measured"] = _text(float(measured))
        for key in ("unit", "source"):
            if getattr(criterion, key):
                criteria[prefix + key] = getattr(criterion, key)
    groups["success_criteria"] = criteria
    groups["gate_probabilities"] = {
        f"{GATE_PREFIX}{gate}": _text(p) for gate, p in scenario.gate_probabilities.items()
    }
    return groups


def share_query(scenario: Scenario, base: tuple[str, Scenario] | None = None) -> str:
    """The query string that opens `scenario` as it is; `query_parameters` reads it back.

    With `base` (a starter's file name and the scenario it holds), the link names that
    file and carries only what differs from it, so the starter's notes and owners come
    along; without, it carries every field a table can hold (see `left_out`).
    """
    groups = _groups(scenario)
    row: dict[str, str] = {}
    data, start = scenario.to_dict(), {}
    if base is not None:
        row["scenario_file"] = base[0]
        start = base[1].to_dict()
        for name in changed_from(scenario, base[1]):
            row.update(groups[name])
    else:
        for cells in groups.values():
            row.update(cells)
    packed = {k: data[k] for k in PACKED if data.get(k) and data.get(k) != start.get(k)}
    if packed:
        row[MORE] = pack(packed)
    return urllib.parse.urlencode(row)


def pack(data: dict[str, Any]) -> str:
    """JSON, zlib-compressed, as URL-safe base64 without padding.

    >>> unpack(pack({"notes": {"users": "HR list"}}))
    {'notes': {'users': 'HR list'}}
    """
    raw = json.dumps(data, separators=(",", ":"), sort_keys=True, default=str).encode()
    return base64.urlsafe_b64encode(zlib.compress(raw, 9)).decode().rstrip("=")


def unpack(text: str) -> dict[str, Any]:
    """What `pack` wrote, or ScenarioError: a mapping of PACKED keys, at most
    MAX_MORE_BYTES once unpacked."""

    def refused(why: str) -> ScenarioError:
        return ScenarioError([Problem(MORE, text[:40] + "...", why, SOURCE)])

    damaged = "is not what roi writes there (a copied link cut short?)"
    try:
        compressed = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
        inflater = zlib.decompressobj()
        raw = inflater.decompress(compressed, MAX_MORE_BYTES + 1)
    except (binascii.Error, zlib.error, ValueError):
        raise refused(damaged) from None
    if len(raw) > MAX_MORE_BYTES or inflater.unconsumed_tail:
        raise refused(f"unpacks to more than {MAX_MORE_BYTES:,} bytes")
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise refused(damaged) from None
    if not isinstance(data, dict) or not set(data) <= set(PACKED):
        raise refused("may hold only " + ", ".join(PACKED))
    return data


def changed_from(scenario: Scenario, starter: Scenario) -> list[str]:
    """What a link over `starter` must carry to open `scenario`: the fields (a value with
    its range counts once), readiness items, criteria and gates that differ."""
    groups, before = _groups(scenario), _groups(starter)
    return [
        name
        for name, cells in groups.items()
        if cells != before.get(name)
        # a link cannot blank a text field; the starter's stays
        and not (not cells and before.get(name) and name in SCALAR_KEYS)
    ]


def table_row(scenario: Scenario) -> dict[str, str]:
    """The scenario as one row of a scenario table (CSV/XLSX that `roi batch` reads),
    as text cells; what a table cannot hold is in `left_out`."""
    row: dict[str, str] = {}
    for cells in _groups(scenario).values():
        row.update(cells)
    return row


def left_out(scenario: Scenario, base: tuple[str, Scenario] | None = None) -> list[str]:
    """What a link to `scenario` would not carry: its checklists file, which names a file
    on the server (none when the starter in `base` already holds it unchanged)."""
    data = scenario.to_dict()
    start = {} if base is None else base[1].to_dict()
    return [
        key
        for key in LEFT_OUT
        if key not in PACKED and data.get(key) and data.get(key) != start.get(key)
    ]


def table_left_out(scenario: Scenario) -> list[str]:
    """What a row of a scenario table (the variants CSV) cannot hold."""
    data = scenario.to_dict()
    return [key for key in LEFT_OUT if data.get(key)]
