# Everything a newcomer needs: `make demo`, `make test`. The virtual environment lives in .venv.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
DEMO_DB := demo.db

.PHONY: install demo test test-fast lint bench perf fuzz browser-deps clean-venv docs train train-deps
TRAIN_STAMP := $(VENV)/.train-stamp

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[test,dask]'
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	rm -f $(DEMO_DB) $(DEMO_DB)-wal $(DEMO_DB)-shm
	$(BIN)/cleaner archive $(DEMO_DB) samples/*.raw.*
	@echo
	@echo '$$ cleaner search $(DEMO_DB) Pashinyan'
	@$(BIN)/cleaner search $(DEMO_DB) Pashinyan --limit 3
	@echo
	@echo '$$ cat samples/004_ca4b3b679c3f7ead.raw.txt | cleaner clean --explain | head -8'
	@cat samples/004_ca4b3b679c3f7ead.raw.txt | $(BIN)/cleaner clean --explain | head -8

# Headless Chromium for the browser test (Debian packages), installed when missing.
browser-deps:
	@if ! command -v chromium >/dev/null 2>&1; then \
	  if command -v apt-get >/dev/null 2>&1 && [ "$$(id -u)" = 0 ]; then \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null) \
	      || echo "warning: could not install chromium; the browser test will be skipped"; \
	  else echo "warning: chromium missing and apt-get unavailable; the browser test will be skipped"; fi; \
	fi

test: $(STAMP) browser-deps
	$(BIN)/python -m pytest -q -p no:cacheprovider -n 2

test-fast: $(STAMP)
	$(BIN)/python -m pytest -q -x -m "not slow"

lint: $(STAMP)
	$(BIN)/ruff check cleaner archive tests scripts
	$(BIN)/ruff format --check cleaner archive tests scripts
	$(BIN)/python scripts/typecheck.py

# docs/cli.md and docs/rules.md, generated from --help and rules/*.toml (tests/test_docs.py checks).
docs: $(STAMP)
	$(BIN)/python scripts/gen_docs.py

$(TRAIN_STAMP): $(STAMP) pyproject.toml
	$(BIN)/python -m pip install -q -e '.[test,train]'
	touch $(TRAIN_STAMP)

train-deps: $(TRAIN_STAMP)

# Quality on the samples; with BENCH=path/to/bench also on the shared benchmark files: each
# corpus's tuning half (text and HTML, trafilatura alone beside it) and leave-one-corpus-out,
# then publication dates on $(BENCH)/dates (text and HTML right/wrong/missing, htmldate beside).
bench: $(STAMP)
	$(if $(BENCH),$(MAKE) train-deps,)
	OMP_NUM_THREADS=1 nice $(BIN)/python scripts/bench.py $(if $(BENCH),--data $(BENCH) --loco,)
	$(if $(BENCH),OMP_NUM_THREADS=1 nice $(BIN)/python scripts/bench_dates.py $(BENCH) --peer,)

# Rebuild cleaner/body_model.json from the benchmark's tuning halves: make train BENCH=path
train: $(TRAIN_STAMP)
	@test -n "$(BENCH)" || (echo "usage: make train BENCH=path/to/bench (holding aeb/ traf/ wce/)"; exit 2)
	OMP_NUM_THREADS=1 nice $(BIN)/python scripts/train_body.py $(BENCH)

perf: $(STAMP)
	$(BIN)/python scripts/perf.py $(if $(BENCH),--bench $(BENCH),) $(PERF_ARGS)

# The long profile: 100,000 inputs per property (FUZZ_EXAMPLES=N to change), and the
# archive state machine (archive / reclean / merge / kill interleavings) over 500 runs.
# About 2 CPU-hours: an hour on an idle two-core machine (docs/robustness.md, Fuzzing).
fuzz: $(STAMP)
	HYPOTHESIS_PROFILE=long $(BIN)/python -m pytest -q -p no:cacheprovider -n 2 \
	  tests/test_properties.py tests/archive/test_archive_hostile.py

clean-venv:
	rm -rf $(VENV)

# Archive speed: ingest docs/s, store overhead vs bare sqlite-utils + FTS5, search latency.
.PHONY: archive-bench
archive-bench: $(STAMP)
	$(BIN)/python scripts/archive_bench.py
