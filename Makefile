# Two commands on a fresh clone: `make run` and `make test` (see README.md).
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-$(shell cksum < requirements.txt | cut -d' ' -f1)
DB     := $(or $(COACH_DB),data/coach.duckdb)
PORT   ?= 8501
CHROMIUM := /usr/bin/chromium
SUDO   := $(shell [ "$$(id -u)" -eq 0 ] || echo sudo)

.PHONY: run test bench venv db fuzz

venv: $(STAMP)

$(STAMP): requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	rm -f $(VENV)/.installed-* && touch $@

$(DB): | $(STAMP)
	$(PY) -m engine demo --db $@

db: $(DB)

run: venv db
	COACH_DB=$(DB) $(PY) -m streamlit run dashboard/app.py --server.port $(PORT)

# the browser test drives Debian's chromium (never `playwright install`)
$(CHROMIUM):
	$(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq chromium

test: venv $(CHROMIUM)
	$(VENV)/bin/ruff check .
	$(PY) -m pytest -q

bench: venv
	$(PY) -m bench

# seeded fuzzing of the import path with 1,000 cases (`make test` runs the default 200)
fuzz: venv
	FUZZ_CASES=1000 $(PY) -m pytest -q tests/test_fuzz.py
