# Two commands on a fresh clone: `make run` and `make test` (see README.md).
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-$(shell cksum < requirements.txt | cut -d' ' -f1)
DB     := $(or $(COACH_DB),data/coach.duckdb)
PORT   ?= 8501
CHROMIUM := /usr/bin/chromium
SUDO   := $(shell [ "$$(id -u)" -eq 0 ] || echo sudo)

.PHONY: run test test-calendar bench venv db fuzz

venv: $(STAMP)

$(STAMP): requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	rm -f $(VENV)/.installed-* && touch $@

# a new database: the demo squad, and every model kind queued for the app's worker
$(DB): | $(STAMP)
	$(PY) -m engine demo --db $@.new && $(PY) -m engine queue all --db $@.new && mv $@.new $@

db: $(DB)

run: venv db
	COACH_DB=$(DB) $(PY) -m dashboard.serve --server.port $(PORT)   # the app and its training worker

# the browser test drives Debian's chromium (never `playwright install`)
$(CHROMIUM):
	$(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq chromium

test: venv $(CHROMIUM)
	$(VENV)/bin/ruff check .
	$(PY) -m pytest -q

# the suite at the dates and in the time zones it must pass on (tests/conftest.py pins the clock):
# a Monday, a Sunday, 29 February, the DST changes of Europe/London and America/New_York, 31 December,
# each in a zone where it matters, then the default date in UTC, Asia/Shanghai and America/Los_Angeles
CALENDAR := UTC@2027-01-04T09:00 Asia/Shanghai@2027-01-10T23:40 America/Los_Angeles@2028-02-29T00:05 \
	Europe/London@2027-03-28T12:00 Europe/London@2027-10-31T12:00 America/New_York@2027-03-14T12:00 \
	America/New_York@2027-11-07T12:00 UTC@2027-12-31T23:40 UTC@ Asia/Shanghai@ America/Los_Angeles@
test-calendar: venv $(CHROMIUM)
	@mkdir -p tests/artifacts; for run in $(CALENDAR); do tz=$${run%@*}; now=$${run#*@}; \
	  echo "== TZ=$$tz $${now:-default date}"; \
	  TZ=$$tz $(PY) -m pytest -q -p no:cacheprovider $${now:+--now=$$now} > tests/artifacts/calendar.log 2>&1 \
	    || { grep -E '^(FAILED|ERROR)' tests/artifacts/calendar.log; exit 1; }; tail -1 tests/artifacts/calendar.log; done

bench: venv
	$(PY) -m bench

# seeded fuzzing of the import path with 1,000 cases (`make test` runs the default 200)
fuzz: venv
	FUZZ_CASES=1000 $(PY) -m pytest -q tests/test_fuzz.py
