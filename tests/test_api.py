"""The Python API a newcomer meets: `help(roi)` names the entry points, and every public
module is reachable after a plain `import roi` (it raised AttributeError for
`roi.sensitivity`)."""

from __future__ import annotations

import subprocess
import sys
import types
from pathlib import Path

import roi

ROOT = Path(roi.__file__).resolve().parent


def test_every_public_module_is_reachable_after_import_roi():
    public = {p.stem for p in ROOT.glob("*.py") if not p.stem.startswith("_")} | {
        p.name for p in ROOT.iterdir() if (p / "__init__.py").is_file() and p.name != "data"
    }
    listed = set(roi.SUBMODULES)
    # Plumbing a user does not call: where files are, the YAML reader, the exceptions
    # (exported by name), numbers as people write them.
    plumbing = {
        "resources",
        "safe_yaml",
        "exceptions",
        "files",
        "scenario",
        "assess",
        "evaluate",
        "shared",
        "formatting",
        "amounts",
        "precision",
        "starters",
    }
    assert public - plumbing <= listed, public - plumbing - listed
    for name in listed:
        assert isinstance(getattr(roi, name), types.ModuleType), name
    assert "sensitivity" in dir(roi)


def test_help_names_the_entry_points_and_a_plain_import_stays_light():
    doc = roi.__doc__ or ""
    for name in ("load_scenario", "assess", "evolve", "present", "compute", "write_memos"):
        assert name in doc, name
        assert name == "evolve" or callable(getattr(roi, name)), name
    # `import roi` loads no front end (they load on first use).
    code = "import sys, roi; print(sorted(m for m in sys.modules if m.startswith('roi.')))"
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert loaded.returncode == 0, loaded.stderr
    for front_end in ("roi.app", "roi.batch", "roi.reports", "roi.register", "roi.cli"):
        assert f"'{front_end}'" not in loaded.stdout, front_end
