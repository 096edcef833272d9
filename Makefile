# The two commands a newcomer needs: `make demo` and `make test`. Both install first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

export GX_ANALYTICS_ENABLED := false
export DBT_SEND_ANONYMOUS_USAGE_STATS := false

.PHONY: install test lint pytest demo app bench docs clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

## install: create .venv and install the pinned dependencies
install: $(STAMP)

## lint: ruff over the Python, sqlfluff (dbt templater, duckdb dialect) over models/
lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	LUI_WAREHOUSE="$$(mktemp -d)/lint.duckdb" DBT_TARGET_PATH="$$(mktemp -d)" $(BIN)/sqlfluff lint models

## pytest: every Python test (dbt builds, landing, generator, CLI, app, browser)
pytest: install
	$(BIN)/pytest

## test: lint, then every test
test: lint pytest

## demo: generate, land, build and publish the four demo waves
demo: install
	$(BIN)/lui demo

## app: serve the Streamlit app on the published marts
app: install
	$(BIN)/lui app

## bench: time generate, land, build, publish and app queries at 4k, 100k and 1M respondents
bench: install
	$(BIN)/python bench/run.py

## docs: dbt docs as one self-contained page: open warehouse/dbt/target/static_index.html
docs: install
	$(BIN)/python -c "import sys; from pathlib import Path; from lui.paths import warehouse_path; from lui.warehouse.dbt import dbt_environment, run_dbt; r = run_dbt(['docs', 'generate', '--static'], capture=False); page = Path(dbt_environment(warehouse_path())['DBT_TARGET_PATH']) / 'static_index.html'; print(f'dbt docs: open {page} in a browser (one file, no server needed)'); sys.exit(r.returncode)"

clean:
	rm -rf target logs warehouse/dbt .pytest_cache .ruff_cache
