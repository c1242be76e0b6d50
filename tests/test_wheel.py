"""The installed roi, not the checkout: build the wheel, install it into a fresh venv and
run the main jobs from an empty folder outside the repository.

Slow (a venv and its dependencies, a Voila server, Chromium); CI runs it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from browser import free_port, stop, wait_until_ready

from roi.assess import assess
from roi.files import load_scenario

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "templates" / "scenarios" / "invoice_triage.yaml"

FORMATS = ("--format", "html", "--format", "md", "--format", "pdf")
BATCH_OPTIONS = ("--quiet", "--samples", "500", "--workers", "2")

pytestmark = pytest.mark.slow


def sh(argv, cwd: Path, timeout: float = 900, env=None) -> subprocess.CompletedProcess:
    done = subprocess.run(
        [str(a) for a in argv],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
    )
    assert done.returncode == 0, f"{argv}: exit {done.returncode}\n{done.stdout}\n{done.stderr}"
    return done


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    """roi's wheel, built from the checkout."""
    base = tmp_path_factory.mktemp("dist")
    sh([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", base, ROOT], cwd=base)
    (built,) = base.glob("roi-*.whl")
    return built


def install(wheel: Path, base: Path, extras: str) -> tuple[Path, Path]:
    """(the bin folder, an empty work folder) of a fresh venv with roi[extras] from the wheel."""
    venv = base / "venv"
    sh([sys.executable, "-m", "venv", venv], cwd=base)
    bin_dir = venv / "bin"
    sh([bin_dir / "python", "-m", "pip", "install", "-q", f"{wheel}[{extras}]"], cwd=base)
    work = base / "work"
    work.mkdir()
    return bin_dir, work


@pytest.fixture(scope="module")
def installed(wheel, tmp_path_factory) -> tuple[Path, Path]:
    """(the venv's bin folder, an empty work folder) with roi[app,batch,pdf] from the wheel."""
    return install(wheel, tmp_path_factory.mktemp("wheel"), "app,batch,pdf")


def clean_env(bin_dir: Path) -> dict[str, str]:
    """The environment without this checkout on any path, the venv's bin first."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env["PATH"] = os.pathsep.join([str(bin_dir), env.get("PATH", "")])
    return env


def batch_the_starters(roi: Path, work: Path, env: dict[str, str]) -> tuple[str, list[Path]]:
    """`roi batch` over the starters' portfolio (after `roi init`) into work/batch: its
    summary.csv text and the executed workbook notebooks."""
    sh(
        [roi, "batch", work / "scenarios" / "portfolio.csv", "--out", "batch", *BATCH_OPTIONS],
        cwd=work,
        env=env,
        timeout=600,
    )
    summary = (work / "batch" / "summary.csv").read_text(encoding="utf-8")
    return summary, list((work / "batch" / "scenarios").glob("*/workbook.ipynb"))


def test_the_installed_package_is_not_the_checkout(installed):
    bin_dir, work = installed
    done = sh(
        [bin_dir / "python", "-c", "import roi.resources as r; print(r.TEMPLATES)"],
        cwd=work,
        env=clean_env(bin_dir),
    )
    templates = Path(done.stdout.strip())
    assert ROOT not in templates.parents and "site-packages" in templates.parts


def test_init_run_memo_and_batch_from_an_empty_folder(installed):
    """roi init copies the starters; run, memo (html, md, pdf) and batch work on them and
    give the checkout's decision and numbers."""
    bin_dir, work = installed
    env = clean_env(bin_dir)
    roi = bin_dir / "roi"
    sh([roi, "init", "."], cwd=work, env=env)
    scenario = work / "scenarios" / "invoice_triage.yaml"
    assert scenario.read_bytes() == EXAMPLE.read_bytes()
    assert (work / "notebooks" / "workbook.ipynb").is_file()

    expected = assess(load_scenario(EXAMPLE))
    text = sh([roi, "run", scenario], cwd=work, env=env).stdout
    assert text.splitlines()[1].split(None, 1)[1] == expected.decision.summary  # decision first
    shown = json.loads(sh([roi, "run", scenario, "--json"], cwd=work, env=env).stdout)
    assert shown == json.loads(json.dumps(expected.to_dict()))

    memo = sh(
        [roi, "memo", scenario, "-o", "memos", "--date", "2026-01-05", *FORMATS],
        cwd=work,
        env=env,
        timeout=300,
    )
    written = [Path(line) for line in memo.stdout.split()]
    assert sorted(p.suffix for p in written) == [".html", ".md", ".pdf"]
    html = (work / next(p for p in written if p.suffix == ".html")).read_text(encoding="utf-8")
    assert expected.outcome in html
    assert (work / next(p for p in written if p.suffix == ".pdf")).read_bytes()[:5] == b"%PDF-"

    summary, notebooks = batch_the_starters(roi, work, env)
    assert summary.startswith("rank,name,decision")
    assert (work / "batch" / "portfolio.html").is_file()
    assert len(notebooks) == summary.count("\n") - 1


def test_a_missing_extra_is_named_with_the_pip_command(installed):
    """The wheel test's venv has no 'dask' extra: --dask says so and exits 1, and writes
    nothing."""
    bin_dir, work = installed
    env = clean_env(bin_dir)
    done = subprocess.run(
        [bin_dir / "roi", "batch", EXAMPLE, "--dask", "tcp://127.0.0.1:1", "--out", "dask-out"],
        cwd=work,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 1, done.stderr
    assert "pip install 'roi[dask]'" in done.stderr and "Traceback" not in done.stderr
    assert not (work / "dask-out").exists()


def test_roi_app_serves_the_copied_workbook(installed):
    """roi app on the copied workbook: the page shows the example's decision."""
    from roi.reports.chromium import chromium

    bin_dir, work = installed
    env = clean_env(bin_dir)
    sh([bin_dir / "roi", "init", "."], cwd=work, env=env)
    port = free_port()
    log = (work / "voila.log").open("w")
    process = subprocess.Popen(
        [bin_dir / "roi", "app", "notebooks/workbook.ipynb", "--port", str(port)],
        cwd=work,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_ready(url, process, timeout=120)
        expected = assess(load_scenario(EXAMPLE)).outcome
        with chromium() as browser:
            page = browser.new_page(viewport={"width": 1300, "height": 1000})
            page.goto(url + "/", timeout=180_000)
            outcome = page.wait_for_selector(".roi-decision .roi-outcome", timeout=180_000)
            assert outcome.inner_text() == expected
            assert "Traceback" not in page.inner_text("body")
    finally:
        stop(process)
        log.close()


def test_the_batch_extra_alone_runs_roi_batch_with_its_notebooks(wheel, tmp_path):
    """roi[batch] and nothing else (no widget library: the check below fails if one
    arrives with it): `roi batch` executes the workbook for every scenario. Before, each
    notebook failed at 'import roi.app' with "No module named 'anywidget'"."""
    bin_dir, work = install(wheel, tmp_path, "batch")
    env = clean_env(bin_dir)
    missing = subprocess.run(
        [bin_dir / "python", "-c", "import anywidget"], env=env, capture_output=True, timeout=60
    )
    assert missing.returncode != 0  # the venv really has no widget library
    roi = bin_dir / "roi"
    sh([roi, "init", "."], cwd=work, env=env)
    summary, notebooks = batch_the_starters(roi, work, env)
    rows = summary.count("\n") - 1
    failures = (work / "batch" / "failures.csv").read_text(encoding="utf-8").splitlines()
    assert rows >= 3 and failures[1:] == [], failures  # the header only
    assert len(notebooks) == rows
