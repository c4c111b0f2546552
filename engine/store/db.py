"""The DuckDB file: one connection per process, a cursor per use, ordered migrations."""
from __future__ import annotations

import os
import threading
import weakref
from contextlib import contextmanager
from pathlib import Path
from collections.abc import Collection, Iterator

import duckdb
import pandas as pd

from engine import clock
from engine.store.schema import MIGRATIONS

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_DB = REPO_ROOT / "data" / "coach.duckdb"


def db_path(path: str | os.PathLike | None = None) -> Path:
    """The database path: the argument, else $COACH_DB, else data/coach.duckdb."""
    return Path(path or os.environ.get("COACH_DB") or DEFAULT_DB)


def migrate(con: duckdb.DuckDBPyConnection, migrations: list[list] = MIGRATIONS) -> int:
    """Apply, in order and each in one transaction, the migrations the database lacks.

    A step is an SQL string or a callable taking the connection. Returns the new version.
    """
    con.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL, applied_at TIMESTAMP)")
    current = fetch_one(con, "SELECT coalesce(max(version), 0) FROM schema_version")[0]
    for version, statements in enumerate(migrations, start=1):
        if version <= current:
            continue
        con.execute("BEGIN")
        try:
            for step in statements:
                step(con) if callable(step) else con.execute(step)
            con.execute("INSERT INTO schema_version VALUES (?, ?)", [version, clock.now()])
            con.execute("COMMIT")
        except Exception:
            con.execute("ROLLBACK")
            raise
    return max(current, len(migrations))


def fetch_one(cur: duckdb.DuckDBPyConnection, sql: str, params: list | None = None) -> tuple | None:
    """The first row of a query, or None; the result is drained so the cursor is free again."""
    rows = cur.execute(sql, params or []).fetchall()
    return rows[0] if rows else None


def next_id(cur: duckdb.DuckDBPyConnection, table: str, column: str) -> int:
    """max(column) + 1; `table` and `column` are constants of our code (one writer per process)."""
    return fetch_one(cur, f"SELECT coalesce(max({column}), 0) + 1 FROM {table}")[0]


def insert_frame(cur: duckdb.DuckDBPyConnection, table: str, frame: pd.DataFrame, on_conflict: str = "") -> None:
    """Append a DataFrame whose columns are a subset of the table's, matched by name.

    `table` and `on_conflict` are constants of our code, never user input.
    """
    cur.register("incoming_frame", frame)
    try:
        cur.execute(f"INSERT INTO {table} BY NAME SELECT * FROM incoming_frame {on_conflict}")
    finally:
        cur.unregister("incoming_frame")


class Store:
    """One DuckDB connection; use `cursor()` for reads and `transaction()` for writes."""

    def __init__(self, path: str | os.PathLike | None = None):
        self.path = db_path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._con = duckdb.connect(str(self.path))
        _open.add(self)
        self._write_lock = threading.Lock()
        self.views: dict = {}   # what is built on this store and lives as long (access.scoped's views)
        try:
            self.schema_version = migrate(self._con)
        except BaseException:
            self.close()
            raise

    def cursor(self) -> duckdb.DuckDBPyConnection:
        if self._con is None:
            raise duckdb.ConnectionException(f"{self.path} was closed")
        return self._con.cursor()

    def query(self, sql: str, params: list | dict | None = None) -> pd.DataFrame:
        """Run one parameterised SELECT and return a DataFrame."""
        with self.cursor() as cur:
            return cur.execute(sql, params or []).df()

    @contextmanager
    def transaction(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """All statements on the yielded cursor commit together or not at all."""
        with self._write_lock, self.cursor() as cur:
            cur.execute("BEGIN")
            try:
                yield cur
                cur.execute("UPDATE data_version SET version = version + 1")
            except BaseException:
                cur.execute("ROLLBACK")
                raise
            cur.execute("COMMIT")

    def data_version(self) -> int:
        """Bumped by every committed write transaction: a cache key for readers."""
        with self.cursor() as cur:
            return fetch_one(cur, "SELECT version FROM data_version")[0]

    def close(self) -> None:
        """Close the connection; a closed process-wide Store is forgotten, so open_store opens anew."""
        con, self._con = self._con, None   # a closed Store holds no connection (nothing for exit to report)
        if con is not None:
            con.close()
        self.views.clear()
        _open.discard(self)
        with _stores_lock:
            if _stores.get(self.path.resolve()) is self:
                del _stores[self.path.resolve()]


_open: weakref.WeakSet[Store] = weakref.WeakSet()   # every Store not yet closed
_stores: dict[Path, Store] = {}
_stores_lock = threading.RLock()   # Store.close takes it too


def open_stores() -> list[Store]:
    """Every Store of this process not yet closed."""
    return list(_open)


def close_shared(keep: Collection[Store] = ()) -> None:
    """Close and forget the process-wide Stores of open_store, but those in `keep`."""
    with _stores_lock:
        closing = [s for s in _stores.values() if s not in keep]
    for store in closing:
        store.close()


def open_store(path: str | os.PathLike | None = None) -> Store:
    """The process-wide Store for a path (one connection per process and file)."""
    resolved = db_path(path).resolve()
    with _stores_lock:
        if resolved not in _stores:
            _stores[resolved] = Store(resolved)
        return _stores[resolved]
