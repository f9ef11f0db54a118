# The two commands a newcomer needs: `make run` and `make test` (see README.md).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
FLASK  := $(BIN)/flask --app wsgi
STAMP  := $(VENV)/.installed

.PHONY: run serve test test-browser test-container install db demo bench mutate postgres-binaries chromium container-engine clean

run: demo ## Set everything up and serve the demo on http://127.0.0.1:5000
	$(FLASK) run --host 127.0.0.1 --port 5000

serve: install ## The production server (gunicorn, 0.0.0.0:8000); set KENNISBANK_* first (README: operations)
	$(FLASK) kb migrate
	$(FLASK) kb serve

test: install postgres-binaries chromium container-engine ## Set everything up and run the whole test suite (browser and container tests included)
	$(BIN)/python -m pytest

test-browser: install chromium ## Only the browser tests (flows, axe, CSP); screenshots in test-artifacts/
	$(BIN)/python -m pytest -m browser

install: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

db: install ## Create or migrate the database under instance/
	$(FLASK) db upgrade

demo: db ## Load the starting themes and the demo data set (idempotent)
	$(FLASK) kb load-content --demo

bench: install postgres-binaries ## Run the benchmarks under bench/ (prints figures; not part of CI; about 75 minutes)
	$(BIN)/python -m pip install --quiet -e '.[test,bench]'
	@for b in bench/bench_*.py; do echo "== $$b"; $(BIN)/python $$b || exit 1; done

mutate: install postgres-binaries ## Mutation testing of the rule modules: kill rate per module and the survivors (not in CI; two hours or more)
	$(BIN)/python -m pip install --quiet -e '.[test,mutate]'
	rm -rf mutants
	$(BIN)/mutmut run > mutmut-run.log 2>&1 || (tail -c 3000 mutmut-run.log; exit 1)
	$(BIN)/python bench/mutation_report.py

# The PostgreSQL tests start a throwaway server; install the server binaries when a machine lacks them.
postgres-binaries:
	@if command -v initdb >/dev/null 2>&1 || ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then :; \
	else echo "PostgreSQL server binaries missing: installing Debian package postgresql"; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq postgresql >/dev/null; fi

# The browser tests drive Debian's Chromium (Playwright cannot download its own browser here).
chromium:
	@if [ -x /usr/bin/chromium ] || [ -n "$$KENNISBANK_CHROMIUM" ]; then :; \
	else echo "Chromium missing: installing Debian package chromium"; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium >/dev/null; fi

test-container: install container-engine ## Only the container tests: build the image and run it as two hosts
	$(BIN)/python -m pytest -m container

# The container tests build and run the image with Debian's Docker engine; where it cannot be installed
# they skip and say why, so this step never fails the build.
container-engine:
	@if command -v dockerd >/dev/null 2>&1 && command -v debootstrap >/dev/null 2>&1 \
	    && command -v docker-compose >/dev/null 2>&1; then :; \
	else echo "Container engine missing: installing Debian packages docker.io, docker-compose, debootstrap"; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	  ($$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq \
	    docker.io docker-compose debootstrap >/dev/null) || echo "(not installed: the container tests will skip)"; fi

clean:
	rm -rf $(VENV) .pytest_cache
