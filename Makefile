# The README's commands. Each sets up what it needs from nothing: virtualenv, packages, infra.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | sha1sum | cut -c1-12)

.PHONY: setup tools demo test check unit integration fuzz chaos bench bench-deadline soak dashboards clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

setup: $(STAMP)

demo: setup
	$(BIN)/caseflow demo

check: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports

unit: setup
	$(BIN)/pytest tests/unit -q

integration: setup
	$(BIN)/pytest tests/integration -q

# The full fuzz run (docs/reliability.md, "Fuzzing"): 100,000 generated inputs through the codec
# and 100,000 through a live POST /v1/events, plus the named hostile requests; ~15 minutes.
fuzz: setup
	$(BIN)/python -m tests.fuzz

# promtool, amtool and the Prometheus/Alertmanager binaries the rule and e2e tests run, the
# Pango libraries and fonts WeasyPrint draws the report's PDF with, and poppler-utils (pdftoppm,
# pdftotext) to read its pages back (Debian packages); installed only when missing, with one
# apt-get update. sudo only if not root.
tools:
	@if ! command -v promtool >/dev/null || ! command -v amtool >/dev/null \
	    || ! command -v prometheus >/dev/null || ! command -v pdftoppm >/dev/null \
	    || ! /sbin/ldconfig -p | grep -q libpangoft2-1.0; then \
	  SUDO=$$([ "$$(id -u)" = 0 ] || echo sudo); \
	  $$SUDO apt-get update \
	  && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y --no-install-recommends \
	       prometheus prometheus-alertmanager libpango-1.0-0 libpangoft2-1.0-0 \
	       fonts-dejavu-core poppler-utils; \
	fi

test: check tools
	$(BIN)/pytest -q -m "not slow" --timeout 600

# The full chaos run (tests/chaos): >= 100 SIGKILLs of random workers, two per service, one
# stopped for good midway; figures into docs/reliability.md, "Chaos". The 3-kill run is in `test`.
chaos: setup
	$(BIN)/pytest tests/chaos -m slow -s -q --timeout 3600

# Intake throughput against a raw passthrough on the same broker (bench/README.md).
bench: setup
	$(BIN)/python bench/intake_throughput.py

# The deadline service's three benchmarks (bench/README.md, "deadline_timers.py"): ~10 minutes.
bench-deadline: setup
	$(BIN)/python bench/deadline_timers.py startup --cases 1000000
	$(BIN)/python bench/deadline_timers.py burst --cases 100000
	$(BIN)/python bench/deadline_timers.py live --cases 2000 --rate 500

# 30 minutes of 500 partner events/s through every service on the live clock: RSS and CPU per
# process every minute, end-to-end latency, accounting after the drain (bench/README.md, "Soak").
soak: setup
	$(BIN)/python bench/soak.py --minutes 30 --rate 500

# The Grafana dashboards are generated (deploy/grafana/generate.py): edit the generator, run this,
# commit the JSON; tests/deploy fails while the committed JSON differs from what it writes.
dashboards: setup
	$(BIN)/python deploy/grafana/generate.py

clean:
	-$(BIN)/caseflow infra down
	rm -rf $(VENV) .caseflow
