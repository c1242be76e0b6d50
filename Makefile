# The README's commands. Each sets up .venv (pip) on first use.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
AXE := node_modules/axe-core/axe.min.js
STAMP := $(VENV)/.installed-stamp
EXAMPLE ?= templates/scenarios/invoice_triage.yaml

.PHONY: run test test-slow lint format bench browser clean help app bytecode

help:
	@echo "make run    evaluate the built-in example scenario and print the summary"
	@echo "make app    serve the workbook app on http://127.0.0.1:8866 (Voila)"
	@echo "make test   lint (ruff, mypy, import contracts) + pytest (unit, property, doctests)"
	@echo "make test-slow  the end-to-end checks marked slow (papermill, browser, LibreOffice)"
	@echo "make bench  speed ratios, written to BENCHMARKS.md"

# Setup output (pip, setuptools' warnings) goes to a log; a failure prints its end.
SETUP_LOG := $(VENV)/setup.log
$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@echo "Setting up $(VENV) with pip (first run takes a few minutes; log: $(SETUP_LOG))" >&2
	@( $(BIN)/python -m pip install --upgrade pip \
	  && $(BIN)/python -m pip install -e '.[all,test,lint,bench]' \
	  && $(BIN)/python -m ipykernel install --sys-prefix --name python3 ) > $(SETUP_LOG) 2>&1 \
	  || (tail -n 40 $(SETUP_LOG) >&2; echo "Setup failed; the whole log is $(SETUP_LOG)" >&2; exit 1)
	@touch $(STAMP)

run: $(STAMP)
	@$(BIN)/roi run $(EXAMPLE)

# roi's bytecode, written ahead: every app kernel imports roi afresh, and where Python
# writes no bytecode itself (PYTHONDONTWRITEBYTECODE, as on some CI machines) it would
# compile roi's sources at each start (about 0.1 s of a page's first paint).
bytecode: $(STAMP)
	@$(BIN)/python -m compileall -q roi

# The workbook as a web app: Voila on 127.0.0.1:8866, sources stripped, tracebacks
# hidden, no file tree, idle kernels culled after an hour, one kernel kept preheated
# (see `roi app --help`).
app: $(STAMP) bytecode
	$(BIN)/roi app --port 8866 --ip 127.0.0.1 --cull-idle 3600

# Style, types (mypy, settings in pyproject.toml) and the import contracts that keep the
# core free of front ends (import-linter's `lint-imports`).
lint: $(STAMP)
	$(BIN)/ruff check roi tests benchmarks
	$(BIN)/ruff format --check roi tests benchmarks
	$(BIN)/mypy
	$(BIN)/lint-imports

format: $(STAMP)
	$(BIN)/ruff format roi tests benchmarks
	$(BIN)/ruff check --fix roi tests benchmarks

# Two processes, each taking a whole test file at a time (its servers and fixtures stay
# in one process); `.venv/bin/pytest tests/test_x.py` runs one file in this process.
# `make test` (a few minutes) leaves out the checks marked slow: the notebooks through
# papermill, the app in Chromium, PDFs, LibreOffice, PostgreSQL, the wheel. CI
# (.ci/run) runs both.
test: $(STAMP) lint bytecode
	$(BIN)/python -m pytest -n 2 --dist loadfile -m "not slow"

test-slow: $(STAMP) bytecode $(AXE)
	$(BIN)/python -m pytest -n 2 --dist loadfile -m slow

bench: $(STAMP) bytecode
	$(BIN)/python benchmarks/run.py

# What the tests drive outside Python: Debian's Chromium (browser tests, PDF export;
# Playwright cannot download its own browser here), poppler (PDF pages to text and PNG),
# LibreOffice (recalculates summary.xlsx) and PostgreSQL (the register's tests start a
# throw-away cluster). Needs root; CI runs it through .ci/run.
SYSTEM_PACKAGES := chromium poppler-utils libreoffice-calc-nogui postgresql npm
browser:
	command -v chromium > /dev/null && command -v pdftoppm > /dev/null && command -v soffice > /dev/null \
	  && command -v npm > /dev/null && ls /usr/lib/postgresql/*/bin/initdb > /dev/null 2>&1 \
	  || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(SYSTEM_PACKAGES) > /dev/null)

# axe-core, the accessibility checker the browser tests inject into the app's page
# (npm's registry; node_modules/ is git-ignored).
$(AXE):
	npm install --no-audit --no-fund --no-save --silent axe-core@4.10

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis node_modules
