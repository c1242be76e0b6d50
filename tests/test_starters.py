"""Tests for roi.starters (`roi init`): what it copies, where the copies point, and that
a second run keeps the user's edits. The installed-wheel run is in test_wheel.py."""

from __future__ import annotations

import json

import pytest

from roi.cli import main
from roi.exceptions import EXIT_BAD_INPUT, EXIT_FAILED, EXIT_OK, RoiError
from roi.files import load_scenario
from roi.reports.notebook import scenario_from_parameters
from roi.resources import NOTEBOOKS, SCENARIOS, TEMPLATES
from roi.starters import NOTEBOOK_DEFAULTS, copy_starters, starter_files


def _parameters(notebook_path) -> dict:
    """The notebook's parameters cell, executed."""
    notebook = json.loads(notebook_path.read_text(encoding="utf-8"))
    (cell,) = [c for c in notebook["cells"] if "parameters" in c["metadata"].get("tags", [])]
    namespace: dict = {}
    exec("".join(cell["source"]), namespace)  # the notebook's own literals only
    return namespace


def test_copies_every_starter_scenario_notebook_and_template(tmp_path):
    copied = copy_starters(tmp_path / "mine")
    assert all(c.written for c in copied)
    relative = {c.path.relative_to(tmp_path / "mine").as_posix() for c in copied}
    assert {f"scenarios/{p.name}" for p in SCENARIOS.iterdir() if p.is_file()} <= relative
    assert {f"notebooks/{p.name}" for p in NOTEBOOKS.glob("*.ipynb")} <= relative
    assert "templates/memo/memo.html.j2" in relative
    assert len(relative) == len(starter_files())
    for source, target in starter_files():
        if source.suffix != ".ipynb":
            assert (tmp_path / "mine" / target).read_bytes() == source.read_bytes()
    assert (TEMPLATES / "memo" / "memo.html.j2").is_file()


@pytest.mark.parametrize(("notebook", "name", "value"), NOTEBOOK_DEFAULTS)
def test_copied_notebooks_read_the_copied_scenarios(tmp_path, notebook, name, value):
    """The copy names the copied scenario, relative to the folder `roi init` filled."""
    copy_starters(tmp_path)
    params = _parameters(tmp_path / "notebooks" / notebook)
    assert params[name] == value
    original = _parameters(NOTEBOOKS / notebook)
    assert {k: v for k, v in params.items() if k != name} == {
        k: v for k, v in original.items() if k != name
    }
    copied_file = tmp_path / value  # relative to the folder roi init filled
    assert copied_file.is_file()


def test_the_copied_workbook_opens_an_edited_scenario(tmp_path, monkeypatch):
    copy_starters(tmp_path)
    scenario = tmp_path / "scenarios" / "invoice_triage.yaml"
    scenario.write_text(scenario.read_text(encoding="utf-8").replace("users: 200", "users: 321"))
    monkeypatch.chdir(tmp_path / "notebooks")
    opened = scenario_from_parameters(_parameters(tmp_path / "notebooks" / "workbook.ipynb"))
    assert opened.value("users") == 321
    assert opened == load_scenario(scenario)


@pytest.mark.slow
@pytest.mark.parametrize("where", [".", "notebooks", "scenarios/more"])
def test_a_copied_notebook_runs_under_papermill_from_the_folder_or_inside_it(tmp_path, where):
    """papermill runs a notebook in the folder it is started from: from the project's root
    (it failed there, looking for ../scenarios), from notebooks/ (as Voila runs it) and
    from deeper inside, the copied workbook opens the copied, edited scenario."""
    import papermill

    copy_starters(tmp_path)
    scenario = tmp_path / "scenarios" / "invoice_triage.yaml"
    scenario.write_text(scenario.read_text(encoding="utf-8").replace("users: 200", "users: 321"))
    cwd = tmp_path / where
    cwd.mkdir(parents=True, exist_ok=True)
    out = tmp_path / "out.ipynb"
    papermill.execute_notebook(
        str(tmp_path / "notebooks" / "workbook.ipynb"),
        str(out),
        parameters={"samples": 0},
        kernel_name="python3",
        progress_bar=False,
        cwd=str(cwd),
    )
    notebook = json.loads(out.read_text(encoding="utf-8"))
    [shown] = [
        o["data"]["application/json"]
        for c in notebook["cells"]
        for o in c.get("outputs", [])
        if "application/json" in o.get("data", {})
    ]
    # 321 users x 12 tasks x 4 min / 60 x $55 x 230 days - $136,000 running = $3,112,520
    assert shown["annual_impact"] == pytest.approx(3_112_520)


def test_a_second_init_keeps_every_existing_file(tmp_path):
    copy_starters(tmp_path)
    edited = tmp_path / "scenarios" / "invoice_triage.yaml"
    edited.write_text("name: mine\n", encoding="utf-8")
    (tmp_path / "notebooks" / "workbook.ipynb").unlink()
    again = copy_starters(tmp_path)
    written = [c.path.relative_to(tmp_path).as_posix() for c in again if c.written]
    assert written == ["notebooks/workbook.ipynb"]
    assert edited.read_text(encoding="utf-8") == "name: mine\n"


def test_cli_init_reports_what_it_did_and_refuses_a_file(tmp_path, capsys):
    assert main(["init", str(tmp_path / "new")]) == EXIT_OK
    out, err = capsys.readouterr()
    assert out.count("wrote") == len(starter_files())
    assert "roi run" in err and "invoice_triage.yaml" in err
    assert main(["init", str(tmp_path / "new")]) == EXIT_OK
    assert capsys.readouterr().out.count("kept (already there)") == len(starter_files())
    a_file = tmp_path / "a-file"
    a_file.write_text("x", encoding="utf-8")
    with pytest.raises(RoiError, match="it is a file, not a folder"):
        copy_starters(a_file)
    assert main(["init", str(a_file)]) == EXIT_BAD_INPUT
    assert "not a folder" in capsys.readouterr().err


def test_a_place_that_cannot_be_written_is_a_message(tmp_path, capsys):
    """`scenarios` is a file here, so nothing can go under it: a message, no traceback,
    and status 1 (the input was fine; the place is not), as for every output."""
    (tmp_path / "scenarios").write_text("not a folder", encoding="utf-8")
    with pytest.raises(RoiError, match=r"cannot write .*scenarios"):
        copy_starters(tmp_path)
    assert main(["init", str(tmp_path)]) == EXIT_FAILED
    assert "cannot write" in capsys.readouterr().err
