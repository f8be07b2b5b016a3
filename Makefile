# Python and the Web: every task is one `make` target. The virtual environment is created and
# (re)installed whenever requirements.txt or pyproject.toml is newer than it.

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
NOTEBOOKS := $(sort $(wildcard notebooks/[0-9][0-9]_*.ipynb))
LAB_PORT ?= 8888
STUDENT_DIR ?= _student

.PHONY: lab test test-notebooks execute lint site student grade clean help

help:
	@echo "make lab             open the collection in JupyterLab (http://127.0.0.1:$(LAB_PORT))"
	@echo "make test            run every test, the notebooks included"
	@echo "make test-notebooks  validate only the notebooks (strict nbval)"
	@echo "make execute         re-run every notebook from a fresh kernel and save its outputs"
	@echo "make lint            ruff on helpers/, tests/ and the notebooks"
	@echo "make site            build the notebooks as a static website in _site/"
	@echo "make student         write the notebooks without solutions to $(STUDENT_DIR)/"
	@echo "make grade DIR=...   run a folder of completed notebooks and table their exercises"

$(STAMP): requirements.txt pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed; run: make PYTHON=python3.12 ...")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	@touch $(STAMP)

# JupyterLab asks nothing and reaches no host off this machine. LAB_FLAGS: no news feed and no
# update check on the server. In the browser, JupyterLab asks each new user in a toast whether to
# fetch Jupyter news, and no flag stops that: LAB_SETTINGS makes "never" the default for news and
# for the update check, written as the overrides.json of the venv's JupyterLab (a learner can
# still turn news on in Settings). tests/test_lab_smoke.py starts JupyterLab with both.
LAB_FLAGS := --LabApp.news_url=None --LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate
LAB_SETTINGS := {"@jupyterlab/apputils-extension:notification": {"fetchNews": "false", "checkForUpdates": false}}
LAB_OVERRIDES = $(VENV)/share/jupyter/lab/settings/overrides.json

# Jupyter refuses to run as root unless told to: containers and CI machines often are root.
lab: $(STAMP)
	@mkdir -p $(dir $(LAB_OVERRIDES)) && echo '$(LAB_SETTINGS)' > $(LAB_OVERRIDES)
	$(BIN)/jupyter lab $(LAB_FLAGS) --ServerApp.ip=127.0.0.1 --ServerApp.port=$(LAB_PORT) \
		--ServerApp.root_dir=$(CURDIR) $(if $(filter 0,$(shell id -u)),--ServerApp.allow_root=True) \
		notebooks/00_start_here.ipynb

# `make test` and `make test-notebooks` run in two phases. First everything else, spread over
# TEST_WORKERS processes by pytest-xdist ("auto": one per core); `--dist loadfile` keeps each file
# on one process, so a notebook's cells run in order in its one kernel, and a module's fixtures
# are built once. Files are handed out longest first (tests/plugins/schedule.py; xdist's own
# reordering, by number of tests, is turned off), so no long file runs alone at the end. Then,
# alone, what measures time or throughput and so must not share the cores: SERIAL_TESTS
# (notebook 04 times the GIL, 11 and 12 load-test the shortener, 13 measures latency; the load
# generator's latencies, the workloads' timings and the balancer's share of a slow backend). The
# benchmark's smoke test checks only that each setup answers, so it runs in the first phase. Both
# phases run; a failure in either fails the target; the last line adds the two up.
TEST_WORKERS ?= auto
SERIAL_TESTS := notebooks/04_gotchas.ipynb notebooks/11_scaling.ipynb \
	notebooks/12_many_machines.ipynb notebooks/13_monitoring.ipynb \
	tests/test_loadgen.py tests/test_workloads.py \
	tests/test_balancer.py::test_least_connections_sends_less_to_a_slow_backend
TEST_RESULTS := build/test-results

# $(call two_phases,PATHS,SERIAL): PATHS (pytest's testpaths if empty) less SERIAL in parallel,
# then SERIAL alone; each phase's JUnit XML feeds the totals.
define two_phases
	@mkdir -p $(TEST_RESULTS) && rm -f $(TEST_RESULTS)/parallel.xml $(TEST_RESULTS)/serial.xml
	@status=0; \
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadfile --no-loadscope-reorder \
		--junitxml=$(TEST_RESULTS)/parallel.xml $(addprefix --deselect=,$(2)) $(1) || status=$$?; \
	echo "== alone: what measures time or throughput =="; \
	$(BIN)/python -m pytest -n 0 --junitxml=$(TEST_RESULTS)/serial.xml $(2) \
		|| { code=$$?; [ $$status -ne 0 ] || status=$$code; }; \
	$(BIN)/python -c "$$TEST_TOTALS" $(TEST_RESULTS)/parallel.xml $(TEST_RESULTS)/serial.xml; \
	exit $$status
endef

# The closing line, in pytest's words, over both phases (errors count as failed).
define TEST_TOTALS
import sys, xml.etree.ElementTree as ET
keys = ("tests", "failures", "errors", "skipped")
total = dict.fromkeys(keys, 0)
for path in sys.argv[1:]:
    try:
        suite = ET.parse(path).getroot()
    except (OSError, ET.ParseError):
        print(f"{path}: no results (that phase did not finish)")
        continue
    suite = suite.find("testsuite") if suite.tag == "testsuites" else suite
    for key in keys:
        total[key] += int(suite.get(key, 0))
failed = total["failures"] + total["errors"]
passed = total["tests"] - failed - total["skipped"]
if total["errors"]:
    print(f"(of the failed, {total['errors']} are errors outside a test's own code)")
print(f"total: {passed} passed, {failed} failed, {total['skipped']} skipped")
endef
export TEST_TOTALS

test: $(STAMP)
	$(call two_phases,,$(SERIAL_TESTS))

test-notebooks: $(STAMP)
	$(call two_phases,notebooks,$(filter notebooks/%,$(SERIAL_TESTS)))

# Widget state is not stored: a page with it would load the widgets' renderer from a CDN (the
# site reaches nothing off the machine); a control draws once it is moved, in JupyterLab.
execute: $(STAMP)
	$(BIN)/jupyter nbconvert --to notebook --execute --inplace \
		--ExecutePreprocessor.kernel_name=python3 --ExecutePreprocessor.timeout=300 \
		--ExecutePreprocessor.record_timing=False --ExecutePreprocessor.store_widget_state=False \
		$(or $(NB),$(NOTEBOOKS))

lint: $(STAMP)
	$(BIN)/ruff check helpers tests notebooks
	$(BIN)/ruff format --check helpers tests
	$(BIN)/mypy helpers

# The first run fetches mermaid and MathJax once with npm (pinned and hash-checked, cached in
# build/site-assets/); the build itself uses no network, and neither do the pages.
site: $(STAMP)
	$(BIN)/python -m helpers.website fetch-assets
	rm -rf _site
	$(BIN)/python -m helpers.website build _site

student: $(STAMP)
	$(BIN)/python -m helpers.classroom student $(STUDENT_DIR)

grade: $(STAMP)
	$(if $(DIR),,$(error say which folder to grade: make grade DIR=path/to/notebooks))
	$(BIN)/python -m helpers.classroom grade $(DIR)

clean:
	rm -rf $(VENV) .venv-3.* build *.egg-info .pytest_cache
