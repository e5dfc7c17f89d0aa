# blogger-archive — every target that needs Python depends on the venv, so
# `make run` and `make test` work on a fresh clone with nothing installed.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
PORT   ?= 8001
DEMO_PORT ?= 8765

.PHONY: setup run serve demo test lint bench clean

setup: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev,bench]'
	touch $(STAMP)

run: setup            ## archive the blogs of config.yaml (incremental)
	$(BIN)/blogger-archive run

serve: setup          ## Datasette on http://127.0.0.1:$(PORT)/
	$(BIN)/blogger-archive serve --port $(PORT)

demo: setup           ## offline: mock blog → archive → Datasette
	$(BIN)/python -m mockblogger.demo --port $(DEMO_PORT) --serve-port $(PORT)

test: lint            ## the whole suite (browser tests included when chromium exists)
	$(BIN)/python -m pytest -q -p no:cacheprovider

lint: setup           ## ruff check + ruff format --check over every Python file
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

bench: setup          ## performance targets → bench/results.json, bench/RESULTS.md
	$(BIN)/python -m bench.run

clean:
	rm -rf $(VENV) .pytest_cache tests/artifacts/*.png
