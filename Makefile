# `make run` starts the app; `make test` runs ruff, the unit tests, the AppTests and the browser tests.
# Both create .venv when it is missing and reinstall only when a requirements file changes.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PORT ?= 8501
CHROMIUM ?= /usr/bin/chromium
IMAGE ?= linreg-dashboard
PYTEST_ARGS ?=
export CHROMIUM

.PHONY: run test lint bench chromium docker-build docker-run clean
# A recipe that fails leaves no stamp behind, so the next make tries again.
.DELETE_ON_ERROR:

# Debian's python3 without python3-venv fails half-way and leaves a venv without pip: remove it, say why.
$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null || { \
		echo "Python 3.11 or newer is needed: '$(PYTHON)' is missing or older. Use make PYTHON=/path/to/python3.11" >&2; \
		exit 1; }
	@$(PYTHON) -m venv $(VENV) || { \
		rm -rf $(VENV); \
		echo "Could not create $(VENV) with $(PYTHON)." >&2; \
		echo "On Debian or Ubuntu, install the venv module and try again: sudo apt-get install -y python3-venv" >&2; \
		exit 1; }
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.runtime-installed: requirements.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet -r requirements.txt
	@touch $@

$(VENV)/.dev-installed: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	@touch $@ $(VENV)/.runtime-installed

# MALLOC_ARENA_MAX=2: see the Dockerfile; it keeps the server's memory from fragmenting under load.
run: $(VENV)/.runtime-installed
	MALLOC_ARENA_MAX=2 $(BIN)/python -m streamlit run app.py --server.port $(PORT)

chromium:
	@sh scripts/ensure-chromium.sh

lint: $(VENV)/.dev-installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

test: lint chromium
	$(BIN)/python -m pytest $(PYTEST_ARGS)

bench: $(VENV)/.runtime-installed
	$(BIN)/python bench/bench_gd.py

docker-build:
	docker build -t $(IMAGE) .

docker-run: docker-build
	docker run --rm -p $(PORT):8501 $(IMAGE)

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis
