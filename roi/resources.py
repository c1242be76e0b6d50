"""Where the files roi ships beside its code are: notebooks, templates, starter scenarios.

In a source checkout they are the top-level `notebooks/` and `templates/` folders; a wheel
carries the same folders as `roi/shipped/notebooks` and `roi/shipped/templates` (mapped in
pyproject.toml), so an installed roi finds them without the checkout.
"""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent
_CHECKOUT = _PACKAGE.parent


def shipped(name: str) -> Path:
    """The folder `notebooks` or `templates`, from the checkout or the installed wheel.

    >>> shipped("templates").joinpath("scenarios", "invoice_triage.yaml").is_file()
    True
    """
    if name not in ("notebooks", "templates"):
        raise ValueError(f"roi ships notebooks and templates, not {name!r}")
    checkout = _CHECKOUT / name
    if (_CHECKOUT / "pyproject.toml").is_file() and checkout.is_dir():
        return checkout
    return _PACKAGE / "shipped" / name


NOTEBOOKS = shipped("notebooks")
TEMPLATES = shipped("templates")
SCENARIOS = TEMPLATES / "scenarios"
WORKBOOK_NOTEBOOK = NOTEBOOKS / "workbook.ipynb"
EXAMPLE_SCENARIO = SCENARIOS / "invoice_triage.yaml"
"""The built-in example: the workbook opens on it, `make run` evaluates it."""
