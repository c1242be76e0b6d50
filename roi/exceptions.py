"""Errors raised by roi: one root, each refining the builtin it resembles."""

from __future__ import annotations

import difflib
from dataclasses import dataclass

EXIT_OK = 0
EXIT_FAILED = 1
"""A run failed part-way (a scenario of a batch, a broken pipe)."""
EXIT_BAD_INPUT = 2
"""Invalid input: the message names the field, the value and what is allowed."""
EXIT_KILL = 3
"""`roi track`: a kill criterion fired on what was measured (a scheduler can alert on it)."""
EXIT_INTERRUPTED = 130
"""Ctrl-C (128 + SIGINT), as shells report it."""


class RoiError(Exception):
    """Root of every error roi raises on purpose."""


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input: where, which field, what value, what is allowed."""

    field: str
    value: object
    allowed: str
    source: str = ""
    row: int | None = None
    subject: str = "file"  # what a problem without a field is about: the file, a folder

    def __str__(self) -> str:
        where = self.source
        if self.row is not None:
            where = f"{where} row {self.row}" if where else f"row {self.row}"
        prefix = f"{where}: " if where else ""
        field = f"'{self.field}'" if self.field else self.subject
        value = _short_repr(self.value)
        return f"{prefix}{field} {self.allowed}" + (f": got {value}" if value else "")


def _short_repr(value: object, limit: int = 60) -> str:
    if value is _MISSING:
        return ""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def value_text(value: object, limit: int = 120) -> str:
    """A problem's value as a table cell shows it: text as typed, a mapping or a list as
    its items, nothing for a value that was not given.

    >>> value_text({"low": -5, "likely": 2, "high": 3}), value_text("abc"), value_text(MISSING)
    ('low: -5, likely: 2, high: 3', 'abc', '')
    """
    if value is _MISSING or value is None:
        return ""
    if isinstance(value, dict):
        text = ", ".join(f"{k}: {value_text(v)}" for k, v in value.items())
    elif isinstance(value, list | tuple):
        text = ", ".join(value_text(v) for v in value)
    else:
        text = str(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


class _Missing:
    def __repr__(self) -> str:
        return "<missing>"


_MISSING = _Missing()
MISSING = _MISSING
"""Marker for a value that was not given at all (a missing required field)."""


class ScenarioError(RoiError, ValueError):
    """A scenario, or a file of scenarios, is not valid; lists every problem found."""

    def __init__(self, problems: list[Problem] | tuple[Problem, ...], hidden: int = 0):
        self.problems = tuple(problems)
        self.hidden = hidden  # problems found but not listed (a huge table)
        count = len(self.problems) + hidden
        head = f"{count} problem{'s' if count != 1 else ''} in the scenario input:"
        lines = [head, *(f"  - {p}" for p in self.problems)]
        if hidden:
            lines.append(f"  - ... and {hidden} more not listed")
        super().__init__("\n".join(lines))


class OutputError(RoiError, OSError):
    """A file or folder roi writes cannot be written (read-only, missing, full, a link):
    the command exits with status 1 (`EXIT_FAILED`), not 2, as the input was fine."""

    def __init__(self, path: object, error: OSError | str) -> None:
        reason = error if isinstance(error, str) else (error.strerror or type(error).__name__)
        super().__init__(f"cannot write {str(path)!r}: {reason}")


class ConfigError(RoiError, ValueError):
    """A data file shipped with roi or supplied by a user (phases, gates) is not valid."""


def suggestion(key: str, known: list[str] | tuple[str, ...]) -> str:
    """' (did you mean 'x'?)' for a misspelled key close to a known one, else ''.

    >>> suggestion("user", ["users", "hourly_rate"])
    " (did you mean 'users'?)"
    """
    close = difflib.get_close_matches(key.lower(), known, n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""


EXTRA_OF_MODULE = {
    "voila": "app",
    "ipywidgets": "app",
    "anywidget": "app",
    "jupyterlab": "app",
    "papermill": "batch",
    "nbformat": "batch",
    "ipykernel": "batch",
    "tqdm": "batch",
    "playwright": "pdf",
    "dask": "dask",
    "distributed": "dask",
    "sqlalchemy": "register",
    "alembic": "register",
    "psycopg": "register",
}
"""Which optional dependency set (`pip install 'roi[EXTRA]'`) brings each front-end module."""


class MissingExtra(RoiError, ImportError):
    """A front end's optional dependencies are not installed."""

    def __init__(self, extra: str, module: str) -> None:
        self.extra = extra
        self.module = module
        super().__init__(
            f"this needs roi's '{extra}' extra ({module} is not installed): "
            f"pip install 'roi[{extra}]' (or 'roi[all]')"
        )


def require_extra(extra: str, *modules: str) -> None:
    """Raise MissingExtra unless every module of an extra can be imported."""
    import importlib.util

    for module in modules:
        if importlib.util.find_spec(module) is None:
            raise MissingExtra(extra, module)
