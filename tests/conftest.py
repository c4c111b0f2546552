import datetime as dt
import gc
import logging
import os
import sys
import time
from pathlib import Path

import duckdb
import pytest

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT.parent / "shared" / "samples"
sys.path.insert(0, str(ROOT))

import streamlit as st  # noqa: E402

from engine import clock  # noqa: E402
from engine.store import db  # noqa: E402
from engine.store.db import Store  # noqa: E402
from playwright import sync_api  # noqa: E402

sync_api.expect.set_options(timeout=30_000)  # browser tests: a loaded 2-core CI machine is slow


@pytest.fixture(autouse=True, scope="session")
def _no_store_outlives_the_suite():
    """What a module's fixtures open they close too: nothing is left for the interpreter's exit
    (where DuckDB reports each connection still alive as a leak)."""
    yield
    db.close_shared()
    st.cache_resource.clear()
    left = [str(s.path) for s in db.open_stores()]
    assert not left, f"{len(left)} store(s) left open at the end of the suite: {left}"
    gc.collect()
    alive = [o for o in gc.get_objects() if type(o) is duckdb.DuckDBPyConnection]
    holders = [type(r).__name__ for r in gc.get_referrers(*alive)][:5] if alive else []
    assert not alive, f"{len(alive)} DuckDB connection(s) still referenced, by {holders}"


@pytest.fixture(autouse=True)
def _every_store_closed():
    """A test closes every Store it opens; the app's process-wide ones (open_store, held by
    st.cache_resource) are closed for it. One left open fails the test that opened it."""
    before = set(db.open_stores())
    yield
    db.close_shared(keep=before)
    st.cache_resource.clear()
    left = [str(s.path.name) for s in db.open_stores() if s not in before]
    assert not left, f"the test left {len(left)} store(s) open: {left}"


@pytest.fixture
def store(tmp_path):
    """A fresh, real DuckDB file in a temporary directory."""
    s = Store(tmp_path / "coach.duckdb")
    yield s
    s.close()


@pytest.fixture(scope="session")
def samples_dir() -> Path:
    assert SAMPLES.is_dir(), f"sample files not found at {SAMPLES}"
    return SAMPLES


@pytest.fixture(autouse=True, scope="session")
def _never_the_real_database(tmp_path_factory):
    """Code that falls back to the default database path writes to a scratch file, not data/."""
    mp = pytest.MonkeyPatch()
    mp.setenv("COACH_DB", str(tmp_path_factory.mktemp("default") / "coach.duckdb"))
    yield
    mp.undo()


# The moment the suite runs at, whatever the real date: `pytest --now=2028-02-29T23:30` (or
# $COACH_TEST_NOW) runs it at another; `make test-calendar` runs it at every date the suite must pass on.
DEFAULT_NOW = "2027-06-16T12:00:00"


def pytest_addoption(parser):
    parser.addoption("--now", default=os.environ.get("COACH_TEST_NOW", DEFAULT_NOW),
                     help="local date and time (ISO) the app's clock reads during the suite")


def pytest_configure(config):
    config.addinivalue_line("markers", "internal_error_expected: the test provokes an import's internal error")
    config.addinivalue_line("markers", "app_server: the module serves the app (minutes); scheduled first")
    os.environ.setdefault("COACH_WORKER", "off")   # no app process trains in the background unless a test asks
    if not hasattr(config, "workerinput"):     # the controller pins the clock; xdist workers inherit it
        moment = dt.datetime.fromisoformat(config.getoption("--now"))
        os.environ[clock.SHIFT_VAR] = str(clock.shift_to(moment))


def pytest_collection_modifyitems(items):
    """The longest modules first, so that the two xdist workers end together."""
    items.sort(key=lambda item: item.get_closest_marker("app_server") is None)


def pytest_report_header(config):
    return f"clock pinned at {clock.now():%a %Y-%m-%d %H:%M} ({os.environ.get('TZ') or time.tzname[0]})"


@pytest.fixture(scope="session")
def today() -> dt.date:
    """The one way a test reads the date: the app's clock, pinned by the suite (never the machine's)."""
    return clock.today()


@pytest.fixture(autouse=True)
def _no_internal_import_errors(request, caplog):
    """An import turns a bug into "rejected: internal error" so that a batch goes on, and the worker
    a training bug into a failed job; here such a bug fails the test that met it."""
    boundaries = ("engine.store.imports", "engine.models.worker")
    for logger in boundaries:
        caplog.set_level(logging.ERROR, logger=logger)
    yield
    if request.node.get_closest_marker("internal_error_expected"):
        return
    errors = [r.getMessage() for r in caplog.get_records("call") if r.name in boundaries and r.levelno >= logging.ERROR]
    assert not errors, f"internal error: {errors[0]}"
