import logging
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT.parent / "shared" / "samples"
sys.path.insert(0, str(ROOT))

from engine.store.db import Store  # noqa: E402
from playwright import sync_api  # noqa: E402

sync_api.expect.set_options(timeout=30_000)  # browser tests: a loaded 2-core CI machine is slow


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


def pytest_configure(config):
    config.addinivalue_line("markers", "internal_error_expected: the test provokes an import's internal error")


@pytest.fixture(autouse=True)
def _no_internal_import_errors(request, caplog):
    """An import turns a bug into "rejected: internal error" so that a batch goes on; here such a
    bug fails the test that met it."""
    caplog.set_level(logging.ERROR, logger="engine.store.imports")
    yield
    if request.node.get_closest_marker("internal_error_expected"):
        return
    errors = [r.getMessage() for r in caplog.get_records("call") if r.name == "engine.store.imports"]
    assert not errors, f"internal import error: {errors[0]}"
