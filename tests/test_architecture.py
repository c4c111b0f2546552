"""Guard rails on the layout, from each module's syntax tree: engine/ never imports streamlit; the
pages and the dashboard hold no SQL and open no connection (dashboard/state.py opens the app's one
store through engine.store.db.open_store, and nothing else does); nothing catches a bare Exception."""
from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SQL = re.compile(r"\b(SELECT\s.+\sFROM|INSERT\s+INTO|UPDATE\s+\w+\s+SET|DELETE\s+FROM|CREATE\s+TABLE)\b",
                 re.IGNORECASE | re.DOTALL)
CONNECTING = {"connect", "cursor", "execute", "query", "transaction", "open_store", "Store"}
UI_FILES = sorted([*ROOT.glob("pages/*.py"), *ROOT.glob("dashboard/*.py")])


def _tree(path: Path) -> ast.AST:
    return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def _imports(tree: ast.AST) -> set[str]:
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("path", sorted(ROOT.glob("engine/**/*.py")), ids=lambda p: str(p.relative_to(ROOT)))
def test_engine_never_imports_streamlit(path):
    assert "streamlit" not in _imports(_tree(path))


@pytest.mark.parametrize("path", UI_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_pages_and_dashboard_hold_no_sql_and_open_no_connection(path):
    tree = _tree(path)
    sql = [n.value[:60] for n in ast.walk(tree) if isinstance(n, ast.Constant) and isinstance(n.value, str)
           and SQL.search(n.value)]
    assert not sql, f"SQL in {path.name}: {sql}"
    assert "duckdb" not in _imports(tree)
    calls = {n.func.attr if isinstance(n.func, ast.Attribute) else getattr(n.func, "id", "")
             for n in ast.walk(tree) if isinstance(n, ast.Call)}
    allowed = {"open_store"} if path == ROOT / "dashboard" / "state.py" else set()
    assert not (calls & CONNECTING) - allowed, f"{path.name} calls {sorted((calls & CONNECTING) - allowed)}"


# The one error boundary that may catch everything: one file of a batch import. It logs the bug as an
# internal error, and tests/conftest.py fails any test that meets one.
BOUNDARIES = {ROOT / "engine" / "store" / "imports.py": 2, ROOT / "engine" / "models" / "worker.py": 1}


@pytest.mark.parametrize("path", sorted([*ROOT.glob("engine/**/*.py"), *UI_FILES]),
                         ids=lambda p: str(p.relative_to(ROOT)))
def test_no_bare_exception_is_caught(path):
    """A bug must fail a test, not become a message: handlers name domain exceptions; one that
    cleans up and raises again (a rollback) may catch everything."""
    broad = [n.lineno for n in ast.walk(_tree(path)) if isinstance(n, ast.ExceptHandler)
             and (n.type is None or (isinstance(n.type, ast.Name) and n.type.id in ("Exception", "BaseException")))
             and not (isinstance(n.body[-1], ast.Raise) and n.body[-1].exc is None)]
    assert len(broad) == BOUNDARIES.get(path, 0), f"{path.name} catches everything at lines {broad}"


def test_the_walk_sees_every_layer():
    assert len(list(ROOT.glob("engine/**/*.py"))) > 50 and len(UI_FILES) > 15


# Reading the clock: engine.clock is the app's one clock, and tests read the date through the pinned
# `today` fixture (tests/conftest.py), so that the suite passes on any day and in any time zone.
CLOCK_READS = re.compile(r"\b(?:date|datetime|Timestamp)\.(?:today|now|utcnow)\(|\btime\.(?:time|localtime|gmtime)\("
                         r"|(?<![\w.])(?:now|today|current_date|current_timestamp|get_current_time)\(\)"
                         r"|\bcurrent_(?:date|timestamp)\b|Timestamp\([\"'](?:now|today)[\"']\)", re.IGNORECASE)
CLOCK_FILES = sorted(p for p in [*ROOT.glob("engine/**/*.py"), *UI_FILES, *ROOT.glob("bench/*.py"),
                                 *ROOT.glob("tests/*.py")]
                     if p not in (ROOT / "engine" / "clock.py", ROOT / "tests" / "conftest.py"))


@pytest.mark.parametrize("path", CLOCK_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_only_the_clock_module_reads_the_clock(path):
    source = path.read_text(encoding="utf-8")
    if path == ROOT / "tests" / "test_architecture.py":
        source = source[:source.index("# Reading the clock")]
    found = [m.group(0) for m in CLOCK_READS.finditer(source)]
    assert not found, f"{path.name} reads the clock directly: {found} (use engine.clock, or the `today` fixture)"
