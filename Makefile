# qgis-stack. `make help` lists the targets. QGIS=3.22|3.40|3.44 picks the QGIS version
# for any target (default 3.40, or QGIS in .env).
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STACK := $(PY) -m stack $(if $(QGIS),--qgis $(QGIS))
PYTEST_ARGS ?=
export QGIS

CASE ?=

.PHONY: help repro up down reload logs ps integration-test fault-test unit-test plugin-test lint test bench bench-quick soak cache-clear clean

help: ## list the targets
	@awk 'BEGIN {FS = ":.*## "} /^[a-z-]+:.*## / {printf "  make %-18s %s\n", $$1, $$2}' $(MAKEFILE_LIST)
	@echo "  QGIS=3.22|3.40|3.44 chooses the QGIS version (default 3.40)"

$(VENV)/.installed: pyproject.toml
	@echo "stack: installing the CLI's and the harness's Python packages into $(VENV) (log: reports/venv.log)"
	@mkdir -p reports
	@{ $(PYTHON) -m venv $(VENV) && $(VENV)/bin/pip install --upgrade pip \
		&& $(VENV)/bin/pip install -e '.[dev]'; } >reports/venv.log 2>&1 \
		|| { tail -n 20 reports/venv.log; echo "stack: error: installing the Python packages failed; see reports/venv.log"; exit 1; }
	@touch $@

up: $(VENV)/.installed ## build what is missing, start, wait until healthy, print the URLs
	@$(STACK) up

down: $(VENV)/.installed ## stop the stack (VOLUMES=1 also deletes the PostGIS data)
	@$(STACK) down $(if $(VOLUMES),--volumes)

reload: $(VENV)/.installed ## apply changed plugins, projects, access rules, nginx config (no failed requests)
	$(STACK) reload

logs: $(VENV)/.installed ## show the containers' logs (SERVICE=nginx for one, FOLLOW=1 to follow)
	$(STACK) logs $(SERVICE) $(if $(FOLLOW),--follow)

ps: $(VENV)/.installed ## containers, their health, and /healthz
	$(STACK) ps

# The fault suite restarts containers under the other tests' feet: it runs on its own; the
# swarm tests need their simulated nodes (make swarm-test). A -m here replaces addopts' -m.
integration-test: $(VENV)/.installed ## the OWSLib/pytest suite through nginx (starts the stack if needed)
	mkdir -p reports
	$(PY) -m pytest tests -m "not faults and not swarm" --junitxml=reports/integration.xml $(PYTEST_ARGS)

fault-test: $(VENV)/.installed ## kill workers, restart containers, reload, slow PostGIS under load (3-7 min)
	mkdir -p reports
	$(PY) -m pytest tests -m "faults and not swarm" -s --junitxml=reports/faults.xml $(PYTEST_ARGS)

unit-test: $(VENV)/.installed ## pure-logic tests of stack/ (no Docker)
	$(PY) -m pytest tests/unit $(PYTEST_ARGS)

plugin-test: $(VENV)/.installed ## the plugins' in-process tests, inside the qgis-server image
	$(STACK) prepare
	$(STACK) build qgis-server
	QGIS_IMAGE="$$($(STACK) image qgis-server)" tests/inprocess/run.sh

lint: $(VENV)/.installed ## ruff (Python), shellcheck (shell), hadolint (Dockerfiles)
	$(VENV)/bin/ruff check stack tests plugins qgis-server cases examples
	$(VENV)/bin/ruff format --check stack tests plugins qgis-server cases examples
	git ls-files -z '*.sh' .ci/run | xargs -0 $(VENV)/bin/shellcheck -x
	git ls-files -z '*Dockerfile' | xargs -0 $(VENV)/bin/hadolint

# The plugins must work on every supported QGIS version.
PLUGIN_TEST_VERSIONS ?= 3.40 3.22 3.44

test: lint ## everything CI runs: lint, plugin tests on 3.40, 3.22 and 3.44, the integration and fault suites
	for version in $(PLUGIN_TEST_VERSIONS); do $(MAKE) --no-print-directory plugin-test QGIS=$$version || exit 1; done
	$(MAKE) --no-print-directory integration-test
	$(MAKE) --no-print-directory fault-test

bench: $(VENV)/.installed ## the stack against the in-process limit and its peers, side by side (BENCH_ARGS=…)
	$(PY) -m stack.bench $(if $(QGIS),--qgis $(QGIS)) $(BENCH_ARGS)

bench-quick: $(VENV)/.installed ## make bench in a few minutes: short windows, one repeat
	$(PY) -m stack.bench $(if $(QGIS),--qgis $(QGIS)) --quick $(BENCH_ARGS)

soak: $(VENV)/.installed ## SOAK=20000 requests through the stack, worker RSS over time
	$(PY) -m stack.bench $(if $(QGIS),--qgis $(QGIS)) --soak $(or $(SOAK),20000)

cache-clear: $(VENV)/.installed ## make every tile in nginx's tile cache stale now
	$(PY) -m stack.deploy.tile_cache $(if $(QGIS),--qgis $(QGIS))

repro: $(VENV)/.installed ## replay a case: CASE=cases/<name> [QGIS=3.22|3.40|3.44|all|"3.22 3.44"]
	@test -n "$(CASE)" || { echo "make repro: say which case: make repro CASE=cases/<name> [QGIS=…|all]" >&2; exit 2; }
	QGIS= $(PY) -m stack repro run "$(CASE)" --versions "$(QGIS)"

clean: ## remove the virtualenv and reports (not images or data)
	rm -rf $(VENV) reports .pytest_cache .ruff_cache

# --- Staging and production on Docker Swarm (README, "Staging and production") ----------
.PHONY: deploy undeploy deploy-status bundle load swarm-test

deploy: $(VENV)/.installed ## build, ship and deploy on Docker Swarm over HTTPS (.env.staging; BUILD=0 after make load)
	$(STACK) deploy $(if $(filter 0,$(BUILD)),--no-build) $(if $(FORCE),--force)

undeploy: $(VENV)/.installed ## remove the Swarm deployment (VOLUMES=1 also deletes its PostGIS data)
	$(STACK) undeploy $(if $(VOLUMES),--volumes)

deploy-status: $(VENV)/.installed ## services, tasks and /healthz of the Swarm deployment
	$(STACK) deploy-status

bundle: $(VENV)/.installed ## every image of one QGIS version in one file (dist/qgis-stack-<version>.tar.gz)
	$(STACK) bundle $(if $(BUNDLE),--output $(BUNDLE))

load: $(VENV)/.installed ## load a bundle into the Docker engine (BUNDLE=file; DOCKER_HOST or HOST=… for another)
	@test -n "$(BUNDLE)" || { echo "make load: set BUNDLE=<file written by make bundle>" >&2; exit 2; }
	$(STACK) load $(BUNDLE) $(if $(HOST),--host $(HOST))

swarm-test: $(VENV)/.installed ## two simulated Swarm nodes (docker-in-docker), deploy, and the swarm tests
	mkdir -p reports
	$(PY) -m pytest tests/swarm -m swarm --junitxml=reports/swarm.xml $(PYTEST_ARGS)
