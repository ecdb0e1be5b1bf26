# Everything installs from this repo's own files: uv (pinned) into .tools, then the locked environment.
UV_VERSION := 0.13.8
PYTHON ?= python3
TOOLS := .tools
UV := $(TOOLS)/bin/uv
RUN := $(UV) run --frozen

.PHONY: install run demo example screenshots test lint bench-console bench-extraction bench-dedup bench-crawl bench-ingest bench-footprint clean

$(UV):
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet --disable-pip-version-check "uv==$(UV_VERSION)"

.venv/.synced: $(UV) pyproject.toml uv.lock
	$(UV) sync --frozen --quiet
	touch $@

install: .venv/.synced

## The main job on the embedded default (SQLite under ./data, no servers): one crawl cycle of the
## configured sources, then a summary. Needs internet; `make demo` shows the same without it.
run: install
	$(RUN) fm6ss run

## Serve the local fixture news site on loopback and crawl it (no internet needed).
demo: install
	$(RUN) fm6ss demo

## Import the example articles (no network) and print the agreements as JSON lines.
example: install
	$(RUN) fm6ss import examples/articles.jsonl
	$(RUN) fm6ss export agreements --format jsonl

## The README's pictures of the console (the demo's data in headless Chromium): docs/console-*.png.
screenshots: install
	$(RUN) python -m tests.console_screenshots

## Lint, types, import contract, then every test (unit, integration on SQLite and PostgreSQL, e2e).
test: install lint
	$(RUN) pytest

lint: install
	$(RUN) ruff check services tests bench examples
	$(RUN) ruff format --check services tests bench examples
	$(RUN) mypy
	$(RUN) lint-imports

bench-extraction: install
	$(RUN) python bench/extraction.py

bench-dedup: install
	$(RUN) python bench/dedup.py

bench-crawl: install
	$(RUN) python -m bench.crawl

bench-ingest: install
	$(RUN) python -m bench.ingest

bench-console: install
	$(RUN) python -m bench.console

bench-footprint: install
	$(RUN) python -m bench.footprint

clean:
	rm -rf data .pytest_cache .mypy_cache .ruff_cache
