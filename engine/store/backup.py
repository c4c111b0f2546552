"""Backups: the whole database in one .zip file, and restore into an empty (or forced) path.

A backup is DuckDB's EXPORT DATABASE (FORMAT parquet) in a zip archive made with the standard
library: schema.sql (tables, then views in an order that creates each view after the views it
reads), load.sql, one <table>.parquet per table (schema_version and data_version included) and
manifest.json (format, schema version, rows per table, view names). Parquet keeps every type
(lists, JSON, timestamps) and the archive does not depend on DuckDB's storage version. Unzipped,
the directory also loads with plain `IMPORT DATABASE 'dir'`.

Restore unpacks the archive, imports it into a new file next to the target, checks the row counts
against the manifest, migrates it to the current schema (a backup made by older code is upgraded),
checkpoints it and only then moves it over the target. A backup is trusted input: restore runs
the SQL it carries. Model artifacts (files under `models.artifact_path`) are not in the database
and not in the backup.
"""
from __future__ import annotations

import datetime as dt
import json
import os
import re
import shutil
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

import duckdb

from engine import clock
from engine.store.db import Store, db_path, fetch_one, migrate
from engine.store.schema import SCHEMA_VERSION

FORMAT_NAME = "coach-dashboard-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
# tables every database has rows in from its first open: they do not make a database "not empty"
BOOKKEEPING_TABLES = ("schema_version", "data_version")
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


class BackupError(ValueError):
    """A backup or restore that cannot go ahead; str(err) is the one-line reason."""


class NotABackup(BackupError):
    """The file is missing, not a zip archive, or not a backup this code can read."""


class BackupTooNew(BackupError):
    """The backup was made by newer code (a schema version this code does not know)."""


class BackupExists(BackupError):
    """The backup file exists already: a backup never overwrites one."""


class NoDatabase(BackupError):
    """There is no database file to back up."""


class TargetNotEmpty(BackupError):
    """Restore would overwrite a database that holds data (pass force=True / --force)."""


class DatabaseInUse(BackupError):
    """Another connection (the app, another process) holds the database file."""


@dataclass(frozen=True)
class BackupInfo:
    """What a backup holds: its path, schema version, rows per table, views, size in bytes."""
    path: Path
    schema_version: int
    table_rows: dict[str, int]
    views: tuple[str, ...]
    size_bytes: int


@dataclass(frozen=True)
class RestoreInfo:
    """A finished restore: the database path, the backup's schema version, the schema version
    after migrating, and rows per table as restored (before migrating)."""
    path: Path
    backup_schema_version: int
    schema_version: int
    table_rows: dict[str, int]


def _literal(path: Path) -> str:
    """A path as an SQL string literal (EXPORT / IMPORT DATABASE take no parameters)."""
    return "'" + str(path).replace("'", "''") + "'"


def _first_line(err: BaseException) -> str:
    return (str(err).splitlines() or [""])[0]


def _in_use(err: duckdb.Error) -> bool:
    """Whether an error opening a file says someone else has it open (this or another process)."""
    text = str(err).lower()
    return "lock" in text or "different configuration" in text


def _ordered_schema(schema_sql: str) -> tuple[str, tuple[str, ...], tuple[str, ...]]:
    """EXPORT DATABASE's schema.sql reordered so that it runs top to bottom, with its tables and views.

    EXPORT writes views in name order, so `activities_local` comes before the `athlete_time_zones`
    it reads and IMPORT DATABASE fails. Each statement is run on an empty in-memory database; one
    that names an object not created yet is retried after the others."""
    scratch = duckdb.connect()
    try:
        pending = [s.query.strip().rstrip(";").strip() for s in scratch.extract_statements(schema_sql)]
        done: list[str] = []
        while pending:
            failed, last_error = [], None
            for statement in pending:
                try:
                    scratch.execute(statement)
                    done.append(statement)
                except duckdb.CatalogException as err:
                    failed.append(statement)
                    last_error = err
            if len(failed) == len(pending):
                raise BackupError(f"the exported schema does not load: {_first_line(last_error)}")
            pending = failed
        tables = tuple(r[0] for r in scratch.execute(
            "SELECT table_name FROM duckdb_tables() WHERE NOT temporary ORDER BY table_name").fetchall())
        views = tuple(r[0] for r in scratch.execute(
            "SELECT view_name FROM duckdb_views() WHERE NOT internal AND NOT temporary ORDER BY view_name").fetchall())
    finally:
        scratch.close()
    return "".join(f"{s};\n" for s in done), tables, views


def write_backup(con: duckdb.DuckDBPyConnection, out: str | os.PathLike) -> BackupInfo:
    """Back up the database of `con` (a connection or cursor) into the new zip file `out`.

    The export is one statement, so it is one consistent snapshot even while the app writes.
    The archive is written under a temporary name and renamed when complete."""
    out = Path(out)
    if out.exists():
        raise BackupExists(f"{out} exists: choose another name (a backup never overwrites a file)")
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(out.name + ".partial")
    with tempfile.TemporaryDirectory(prefix="coach-backup-") as tmp:
        export = Path(tmp) / "export"
        try:
            con.execute(f"EXPORT DATABASE {_literal(export)} (FORMAT parquet, COMPRESSION zstd)")
        except duckdb.Error as err:
            raise BackupError(f"could not export the database: {_first_line(err)}") from err
        schema_sql, tables, views = _ordered_schema((export / "schema.sql").read_text(encoding="utf-8"))
        (export / "schema.sql").write_text(schema_sql, encoding="utf-8")
        rows = {t: fetch_one(con, "SELECT count(*) FROM read_parquet(?)", [str(export / f"{t}.parquet")])[0]
                for t in tables}
        version = (fetch_one(con, "SELECT max(version) FROM read_parquet(?)",
                             [str(export / "schema_version.parquet")])[0] if "schema_version" in tables else 0)
        manifest = {"format": FORMAT_NAME, "format_version": FORMAT_VERSION,
                    "created_at": clock.utc_now().replace(tzinfo=dt.timezone.utc).isoformat(timespec="seconds"),
                    "duckdb_version": duckdb.__version__, "schema_version": int(version or 0),
                    "tables": rows, "views": list(views)}
        try:
            with zipfile.ZipFile(partial, "w") as archive:
                archive.writestr(MANIFEST, json.dumps(manifest, indent=2), zipfile.ZIP_DEFLATED)
                for name in ("schema.sql", "load.sql"):
                    archive.write(export / name, name, zipfile.ZIP_DEFLATED)
                for t in tables:  # parquet is compressed already (zstd)
                    archive.write(export / f"{t}.parquet", f"{t}.parquet", zipfile.ZIP_STORED)
            os.replace(partial, out)
        finally:
            partial.unlink(missing_ok=True)
    return BackupInfo(out, manifest["schema_version"], rows, views, out.stat().st_size)


def backup_store(store: Store, out: str | os.PathLike) -> BackupInfo:
    """Back up an open Store (e.g. the app's) into the new zip file `out`. Only the whole database
    is backed up: a store seen through a coach's scope (engine.store.access) is refused."""
    if not isinstance(store, Store):
        raise BackupError("a backup holds every team: run it in local mode (python -m engine backup)")
    with store.cursor() as cur:
        return write_backup(cur, out)


def backup_file(db: str | os.PathLike | None, out: str | os.PathLike) -> BackupInfo:
    """Back up the database file `db` (default: $COACH_DB or data/coach.duckdb), opened read-only
    and not migrated, into the new zip file `out`. The file must not be open elsewhere."""
    path = db_path(db)
    if not path.is_file():
        raise NoDatabase(f"no database at {path}")
    try:
        con = duckdb.connect(str(path), read_only=True)
    except duckdb.Error as err:
        if _in_use(err):
            raise DatabaseInUse(f"{path} is open elsewhere (is the app running on it?): stop it first") from err
        raise NoDatabase(f"cannot read {path}: {_first_line(err)}") from err
    try:
        return write_backup(con, out)
    finally:
        con.close()


def read_manifest(backup: str | os.PathLike) -> dict:
    """The manifest of a backup file, checked: NotABackup or BackupTooNew when it cannot be restored."""
    backup = Path(backup)
    try:
        with zipfile.ZipFile(backup) as archive:
            return _checked_manifest(backup, archive)
    except FileNotFoundError:
        raise NotABackup(f"no backup at {backup}") from None
    except (zipfile.BadZipFile, IsADirectoryError) as err:
        raise NotABackup(f"{backup} is not a backup (not a zip archive: {_first_line(err)})") from None


def _checked_manifest(backup: Path, archive: zipfile.ZipFile) -> dict:
    names = set(archive.namelist())
    if MANIFEST not in names:
        raise NotABackup(f"{backup} is not a coach dashboard backup (no {MANIFEST})")
    try:
        manifest = json.loads(archive.read(MANIFEST))
        version, tables = int(manifest["schema_version"]), dict(manifest["tables"])
        format_version, views = int(manifest["format_version"]), list(manifest["views"])
        ok = manifest["format"] == FORMAT_NAME and all(_NAME.fullmatch(str(n)) for n in [*tables, *views])
    except (ValueError, KeyError, TypeError) as err:
        raise NotABackup(f"{backup} has an unreadable {MANIFEST}: {_first_line(err)}") from None
    if not ok:
        raise NotABackup(f"{backup} is not a coach dashboard backup (unknown format, table or view names)")
    if format_version > FORMAT_VERSION or version > SCHEMA_VERSION:
        raise BackupTooNew(f"{backup} has schema version {version}; this code knows up to {SCHEMA_VERSION}: "
                           "restore it with newer code")
    missing = sorted({"schema.sql", "load.sql", *(f"{t}.parquet" for t in tables)} - names)
    if missing:
        raise NotABackup(f"{backup} is incomplete: {missing[0]} is missing")
    return manifest


def _unpack(backup: Path, into: Path) -> dict:
    """Check the manifest and extract the files it names (and only those) into `into`."""
    manifest = read_manifest(backup)
    with zipfile.ZipFile(backup) as archive:
        for name in ["schema.sql", "load.sql", *(f"{t}.parquet" for t in manifest["tables"])]:
            with archive.open(name) as src, open(into / name, "wb") as dst:
                shutil.copyfileobj(src, dst)
    return manifest


def user_rows(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """Rows per table that a coach or an import put there: every table but BOOKKEEPING_TABLES, and
    of `exercises` only the custom ones (the shipped catalog is in every database)."""
    tables = [r[0] for r in con.execute("SELECT table_name FROM duckdb_tables() WHERE NOT temporary "
                                        "AND schema_name = 'main' ORDER BY table_name").fetchall()]
    rows = {}
    for t in tables:
        if t in BOOKKEEPING_TABLES:
            continue
        where = " WHERE is_custom" if t == "exercises" else ""
        quoted = '"' + t.replace('"', '""') + '"'  # a name from the catalog, quoted
        rows[t] = fetch_one(con, f"SELECT count(*) FROM {quoted}{where}")[0]
    return rows


def _check_target(target: Path, force: bool) -> None:
    """Refuse a target that holds data (unless `force`) or that someone has open (always)."""
    if not target.exists():
        return
    try:
        con = duckdb.connect(str(target), read_only=True)
    except duckdb.Error as err:
        if _in_use(err):
            raise DatabaseInUse(f"{target} is open elsewhere (is the app running on it?): stop it first") from err
        if force:
            return  # an unreadable file is overwritten when asked to
        raise TargetNotEmpty(f"{target} exists and cannot be read ({_first_line(err)}): "
                             "pass --force to overwrite it") from err
    try:
        held = {t: n for t, n in user_rows(con).items() if n}
    finally:
        con.close()
    if held and not force:
        what = ", ".join(f"{n} {t}" for t, n in sorted(held.items(), key=lambda kv: -kv[1])[:3])
        raise TargetNotEmpty(f"{target} is not empty ({what}{', ...' if len(held) > 3 else ''}): "
                             "pass --force to overwrite it")


def _remove_database(path: Path) -> None:
    path.unlink(missing_ok=True)
    path.with_name(path.name + ".wal").unlink(missing_ok=True)


def restore(backup: str | os.PathLike, db: str | os.PathLike | None = None, force: bool = False) -> RestoreInfo:
    """Restore a backup into `db` (default: $COACH_DB or data/coach.duckdb) and migrate it to the
    current schema. A database that holds data is only overwritten with `force`; the target must
    not be open anywhere (in this process either). The target is replaced in one rename, after the
    restored copy is complete and checkpointed: a failed restore leaves it as it was."""
    backup, target = Path(backup), db_path(db)
    with tempfile.TemporaryDirectory(prefix="coach-restore-") as tmp:
        manifest = _unpack(backup, Path(tmp))
        _check_target(target, force)
        target.parent.mkdir(parents=True, exist_ok=True)
        staging = target.with_name(f".{target.name}.restore-{os.getpid()}")
        _remove_database(staging)
        try:
            con = duckdb.connect(str(staging))
            try:
                try:
                    con.execute(f"IMPORT DATABASE {_literal(Path(tmp))}")
                except duckdb.Error as err:
                    raise NotABackup(f"{backup} does not load: {_first_line(err)}") from err
                restored = {t: fetch_one(con, f'SELECT count(*) FROM "{t}"')[0] for t in manifest["tables"]}
                if restored != manifest["tables"]:
                    wrong = next(t for t in restored if restored[t] != manifest["tables"][t])
                    raise NotABackup(f"{backup} is damaged: {wrong} restored {restored[wrong]} rows, "
                                     f"the manifest says {manifest['tables'][wrong]}")
                for view in manifest["views"]:  # names checked by read_manifest
                    con.execute(f'SELECT count(*) FROM "{view}"').fetchall()  # it exists and binds
                version = migrate(con)
                con.execute("CHECKPOINT")
            finally:
                con.close()
            staging.with_name(staging.name + ".wal").unlink(missing_ok=True)
            # the old file's WAL would be replayed onto the restored file: it goes first
            target.with_name(target.name + ".wal").unlink(missing_ok=True)
            os.replace(staging, target)
        except BaseException:
            _remove_database(staging)
            raise
    return RestoreInfo(target, int(manifest["schema_version"]), version, restored)
