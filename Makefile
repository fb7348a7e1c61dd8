# Two commands do all the set-up on a fresh machine (Python 3.11+ and npm):
#   make serve   start the mock Dakkio with demo data on http://127.0.0.1:4010
#   make test    run the whole test suite (what CI runs)
VENV ?= .venv
PY := $(VENV)/bin/python
PYTHON ?= python3

.PHONY: setup serve test lint contract contract-thorough fuzz bench clean

setup: $(VENV)/.installed node_modules/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[test]'
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

serve: setup
	$(VENV)/bin/dakkio-mock $(ARGS)

test: setup
	$(PY) -m pytest $(ARGS)

lint: setup
	$(VENV)/bin/ruff check .
	REDOCLY_TELEMETRY=off node_modules/.bin/redocly lint openapi/dakkio.yaml openapi/mixpeek.yaml
	node_modules/.bin/spectral lint --fail-severity=warn openapi/dakkio.yaml openapi/mixpeek.yaml

contract: setup
	$(VENV)/bin/dakkio-contract --profile quick $(ARGS)

contract-thorough: setup
	$(VENV)/bin/dakkio-contract --profile thorough $(ARGS)

# A short fuzzing campaign against a mock it starts itself (or ARGS="--base-url URL -H 'X-API-Key: KEY'"):
# Schemathesis' engine, every phase, until FUZZ_DURATION is up; unique failures with reproducers in
# reports/fuzz/ (README, "Fuzzing campaigns"). Fails when it finds any.
FUZZ_DURATION ?= 2m
fuzz: setup
	$(VENV)/bin/dakkio-contract fuzz --duration $(FUZZ_DURATION) $(ARGS)

bench: setup
	bench/run

clean:
	rm -rf $(VENV) node_modules .pytest_cache reports
