# The README's commands. `make run` and `make test` work on a fresh clone.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STORE ?= data/store
SEED := $(wildcard data/*.csv)
# The store schema and derived tables come from these: rebuild when they change too.
STORE_SQL := $(wildcard shelfwatch/sql/*.sql) shelfwatch/vocab.py shelfwatch/store.py

.PHONY: run serve test check lint format bench store clean docs

$(VENV)/.runtime: requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $@

$(VENV)/.dev: requirements-dev.txt requirements.txt $(VENV)/.runtime
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

# Rebuild the seed store whenever a seed CSV changes.
$(STORE)/CURRENT: $(SEED) $(STORE_SQL) $(VENV)/.runtime
	$(PY) -m shelfwatch build --data data --store $(STORE)

store: $(STORE)/CURRENT

run: $(VENV)/.runtime $(STORE)/CURRENT
	$(PY) -m streamlit run shelfwatch/ui/server.py

# Many readers: REPLICAS app processes behind HAProxy on PORT (docs/scaling.md; needs haproxy).
REPLICAS ?= 2
PORT ?= 8501
serve: $(VENV)/.runtime $(STORE)/CURRENT
	$(PY) -m shelfwatch.serving --replicas $(REPLICAS) --port $(PORT) --store $(STORE)

test: $(VENV)/.dev
	$(PY) -m pytest

lint: $(VENV)/.dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy  # the core package (pyproject.toml's [tool.mypy])
	$(VENV)/bin/python -m pytest -q -p no:cacheprovider tests/test_layering.py  # the layering contracts

# The inner loop: lint, then every test but the browser's, on two workers.
check: lint
	$(PY) -m pytest -q -p no:cacheprovider -m "not browser" -n 2

format: $(VENV)/.dev
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

# docs/queries.md's catalog section from the SQL headers (a test checks they agree).
docs: $(VENV)/.runtime
	$(PY) -m shelfwatch.queries

# `make bench SCALES=1m,10m,100m` adds the opt-in 100M scale (build and AppTest; hours).
bench: $(VENV)/.dev
	$(PY) -m bench $(if $(SCALES),--scales $(SCALES))

clean:
	rm -rf $(STORE) .pytest_cache
