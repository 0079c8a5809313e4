# Two entry points, each self-contained on a fresh machine with Python 3.11:
#   make demo   the demo algorithm (main.py) on the local LEAN double, with its report and chart
#   make check  mypy against LEAN's official stubs, then the whole pytest suite
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.requirements-installed

.PHONY: demo check typecheck test bench clean

# requirements.txt is what LEAN's container gets (nothing); the tools are in requirements-dev.txt.
$(STAMP): requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	cp requirements-dev.txt $(STAMP)

# The demo walks its entries from the net mid (main.py's entry-pricing; config.json keeps market orders,
# LEAN's plain default). `make demo DEMO_PRICING=` runs it with market orders.
DEMO_PRICING ?= --parameter entry-pricing walk

demo: $(STAMP)
	$(BIN)/python -m leansim run main.py $(DEMO_PRICING) $(ARGS)

typecheck: $(STAMP)
	$(BIN)/mypy

test: $(STAMP)
	$(BIN)/python -m pytest

check: typecheck test

bench: $(STAMP)
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) .mypy_cache .pytest_cache .hypothesis out backtests
