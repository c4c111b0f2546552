"""Import files: detect, parse, write each file's rows in one transaction, log it in `imports`.

A file identical (sha256) to one already imported changes nothing. A rejected file gets one
`imports` row with status 'rejected' and a one-line reason, and no other row anywhere. A file
over MAX_FILE_BYTES is refused; `import_source` (a path or a file object) checks the size before
reading the file.
"""
from __future__ import annotations

import hashlib
import logging
import os
import traceback
from concurrent.futures import ProcessPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass
from itertools import repeat
from multiprocessing import get_context
from pathlib import Path
from collections.abc import Callable
from typing import BinaryIO

import duckdb
import pandas as pd

from engine import clock
from engine.ingest.common import (MAX_FILE_BYTES, ParsedActivity, ParsedFitness, ParsedStrength, ParsedWellness,
                                  RejectedFile)
from engine.ingest.formats import ParseOptions, ParsedRows, parse_file
from engine.ingest.exercise_names import ExerciseMatcher, custom_exercise_id
from engine.load.session import foster_load
from engine.store.db import Store, fetch_one, insert_frame, next_id


@dataclass
class ImportResult:
    file_name: str
    status: str  # imported | duplicate | rejected
    kind: str | None = None
    rows_in: int = 0
    rows_kept: int = 0
    message: str = ""
    import_id: int | None = None

    def line(self) -> str:
        """One line for the CLI and the upload table."""
        rows = f"{self.rows_kept} rows kept" if self.status == "imported" else ""
        return "\t".join(x for x in (self.status, self.file_name, self.kind or "-", rows, self.message) if x)


log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Parsed:
    """The outcome of parsing one file: a kind and parsed rows, or the reason it was rejected
    (with the traceback when the reason is an internal error)."""
    kind: str | None
    rows: ParsedRows | None
    reason: str | None = None
    traceback: str | None = None


def internal_error(err: BaseException) -> str:
    """The one-line reason a bug gives at an error boundary (a batch import, a training job)."""
    first_line = (str(err).splitlines() or [""])[0]
    return f"internal error: {type(err).__name__}: {first_line}".rstrip(": ")


def too_large(size_bytes: int | None) -> str:
    """The reason a file over MAX_FILE_BYTES is rejected; `size_bytes` None when only "more" is known."""
    limit = f"the {MAX_FILE_BYTES // 2**20} MB limit"
    return f"file is over {limit}" if size_bytes is None else f"file is {size_bytes / 2**20:.1f} MB, over {limit}"


def _remaining_bytes(stream: BinaryIO) -> int | None:
    """Bytes from a binary file object's position to its end (seeking there and back), or None
    when it cannot seek (a pipe, a socket)."""
    try:
        if not stream.seekable():
            return None
        here = stream.tell()
        end = stream.seek(0, os.SEEK_END)
        stream.seek(here)
    except (OSError, ValueError):  # io.UnsupportedOperation is both; a closed file raises ValueError
        return None
    return end - here


def read_upload(source: str | os.PathLike | BinaryIO) -> bytes:
    """The bytes of the file at a path, or of a binary file object from its position.

    RejectedFile (one line) when the file holds more than MAX_FILE_BYTES or cannot be read. The
    size is checked before anything is read (os.path.getsize, or seeking to the object's end),
    and at most MAX_FILE_BYTES + 1 bytes are ever read, so a file that grows meanwhile, or a
    pipe, is refused without being held in memory."""
    limit = MAX_FILE_BYTES
    try:
        if isinstance(source, (str, os.PathLike)):
            size = os.path.getsize(source)
            if size > limit:
                raise RejectedFile(too_large(size))
            with open(source, "rb") as stream:
                data = stream.read(limit + 1)
        else:
            size = _remaining_bytes(source)
            if size is not None and size > limit:
                raise RejectedFile(too_large(size))
            data = source.read(limit + 1)
    except OSError as err:
        raise RejectedFile(f"cannot read the file: {err.strerror or type(err).__name__}") from err
    if len(data) > limit:
        raise RejectedFile(too_large(None))
    return bytes(data)


def reject(store: Store, file_name: str, reason: str) -> ImportResult:
    """Log a file refused before it was read (too large, unreadable) as 'rejected' with `reason`;
    its sha256 in the log is that of no bytes (the file was never read)."""
    return import_file(store, file_name, b"", parsed=Parsed(None, None, reason))


def import_source(store: Store, source: str | os.PathLike | BinaryIO, file_name: str | None = None,
                  athlete: str | None = None, create: bool = False, weight_unit: str = "kg") -> ImportResult:
    """Import a file from a path or a binary file object, its size checked before it is read
    (read_upload). `file_name` defaults to the path's name, or the object's `name`, else "upload"."""
    if file_name is None:
        named = source if isinstance(source, (str, os.PathLike)) else getattr(source, "name", None)
        file_name = Path(os.fsdecode(named)).name if isinstance(named, (str, bytes, os.PathLike)) else "upload"
    try:
        data = read_upload(source)
    except RejectedFile as err:
        return reject(store, file_name, str(err))
    return import_file(store, file_name, data, athlete, create, weight_unit)


def log_import(cur: duckdb.DuckDBPyConnection, file_name: str, sha256: str, kind: str | None, status: str,
               rows_in: int, rows_kept: int, message: str) -> int:
    """One row of the imports log, in the caller's transaction; returns its import_id (the
    athlete is set once the rows are written, the sender by a scoped store)."""
    import_id = next_id(cur, "imports", "import_id")
    cur.execute("INSERT INTO imports (import_id, file_name, sha256, kind, status, rows_in, rows_kept, message, "
                "created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [import_id, file_name, sha256, kind, status, rows_in, rows_kept, message, clock.now()])
    return import_id


def _earlier_import(cur: duckdb.DuckDBPyConnection, sha256: str) -> str | None:
    """The name a file with these bytes was imported under, if it was."""
    row = fetch_one(cur, "SELECT file_name FROM imports WHERE sha256 = ? AND status = 'imported' LIMIT 1", [sha256])
    return row[0] if row else None


def parse_upload(file_name: str, data: bytes, weight_unit: str = "kg") -> Parsed:
    """Size check, detection and parsing; pure, so it can run in a worker process.

    A parser bug does not stop a batch: it becomes the reason "internal error: ..." and its
    traceback travels back to the importing process, which logs it."""
    kind = None
    try:
        if len(data) > MAX_FILE_BYTES:
            raise RejectedFile(too_large(len(data)))
        kind, rows = parse_file(file_name, data, ParseOptions(weight_unit))
        return Parsed(kind, rows)
    except RejectedFile as err:
        return Parsed(kind, None, str(err))
    except Exception as err:  # the error boundary of one file: see the docstring
        return Parsed(kind, None, internal_error(err), traceback.format_exc())


def import_file(store: Store, file_name: str, data: bytes, athlete: str | None = None,
                create: bool = False, weight_unit: str = "kg", parsed: Parsed | None = None) -> ImportResult:
    """Import the bytes of one file for `athlete` (a name; created if `create`).

    `parsed` is the file's `parse_upload` result when it was parsed elsewhere (a worker).
    """
    ParseOptions(weight_unit)  # a bad unit is the caller's bug: ValueError before anything happens
    file_name = Path(file_name).name
    sha = hashlib.sha256(data).hexdigest()
    with store.cursor() as cur:
        earlier = _earlier_import(cur, sha)
    if earlier:
        return ImportResult(file_name, "duplicate", message=f"already imported (as {earlier})")

    parsed = parsed or parse_upload(file_name, data, weight_unit)
    kind, rows, reason = parsed.kind, parsed.rows, parsed.reason
    if parsed.traceback:
        log.error("%s while parsing %s\n%s", reason, file_name, parsed.traceback)
    if reason is None:
        try:
            with store.transaction() as cur:
                # again under the write lock: two coaches uploading the same bytes at once both
                # passed the check above (found by the ten-coaches load test)
                again = _earlier_import(cur, sha)
                if again:
                    raise SameActivity(f"already imported (as {again})")
                import_id = log_import(cur, file_name, sha, kind, "imported", rows.report.rows_in,
                                       rows.report.rows_kept, "; ".join(rows.report.warnings))
                athlete_id, note = _write(cur, rows, import_id, athlete, create)
                cur.execute("UPDATE imports SET athlete_id = ?, message = concat_ws('; ', nullif(message, ''), ?) "
                            "WHERE import_id = ?", [athlete_id, note or None, import_id])
            message = "; ".join(x for x in [note, *rows.report.warnings] if x)
            return ImportResult(file_name, "imported", kind, rows.report.rows_in, rows.report.rows_kept,
                                message, import_id)
        except SameActivity as err:  # rolled back: nothing changed
            return ImportResult(file_name, "duplicate", kind, rows.report.rows_in, 0, str(err))
        except RejectedFile as err:
            reason = str(err)
        except (duckdb.Error, ValueError) as err:
            reason = f"could not store the file: {str(err).splitlines()[0]}"
        except Exception as err:  # the error boundary of one file: the batch goes on, the bug is logged
            reason = internal_error(err)
            log.exception("%s while storing %s", reason, file_name)
    rows_in = rows.report.rows_in if rows else 0
    with store.transaction() as cur:
        import_id = log_import(cur, file_name, sha, kind, "rejected", rows_in, 0, reason)
    return ImportResult(file_name, "rejected", kind, rows_in, 0, reason, import_id)


def import_files(store: Store, files: list[tuple[str, bytes]], athlete: str | None = None, create: bool = False,
                 weight_unit: str = "kg", workers: int = 1,
                 on_result: Callable[[int, ImportResult], None] | None = None) -> list[ImportResult]:
    """Import many files in order; with workers > 1 they are parsed in parallel processes.

    Writes stay in this process, one transaction per file. `on_result(i, result)` reports progress.
    """
    names = [name for name, _ in files]
    datas = [data for _, data in files]
    with ExitStack() as stack:
        if workers > 1 and len(files) > 1:
            # fork: workers start at once and never re-run the parent's __main__ (a Streamlit script
            # under AppTest); they only parse bytes and touch neither DuckDB nor Streamlit
            pool = stack.enter_context(ProcessPoolExecutor(workers, mp_context=get_context("fork")))
            parsed = pool.map(parse_upload, names, datas, repeat(weight_unit))
        else:
            parsed = map(parse_upload, names, datas, repeat(weight_unit))
        results = []
        for i, (name, data, p) in enumerate(zip(names, datas, parsed)):
            results.append(import_file(store, name, data, athlete, create, weight_unit, parsed=p))
            if on_result:
                on_result(i, results[-1])
    return results


def _athlete_id(cur: duckdb.DuckDBPyConnection, name: str | None, create: bool) -> int:
    """The id of the athlete called `name`; created (with no profile) when `create`."""
    if not name or not name.strip():
        raise RejectedFile("no athlete given: choose an athlete for this file")
    name = name.strip()
    row = fetch_one(cur, "SELECT athlete_id FROM athletes WHERE lower(name) = lower(?)", [name])
    if row:
        return row[0]
    if not create:
        raise RejectedFile(f"unknown athlete {name!r} (create it first, or use --create)")
    athlete_id = next_id(cur, "athletes", "athlete_id")
    cur.execute("INSERT INTO athletes (athlete_id, name) VALUES (?, ?)", [athlete_id, name])
    return athlete_id


def _write(cur, parsed: ParsedRows, import_id: int, athlete: str | None, create: bool) -> tuple[int | None, str]:
    """Write the parsed rows with the writer of their type; returns (athlete_id or None, a note)."""
    writer = WRITERS.get(type(parsed))
    if writer is None:
        raise TypeError(f"no writer for {type(parsed).__name__}")
    return writer(cur, parsed, import_id, athlete, create)


class SameActivity(Exception):
    """The athlete already has this activity, from another file (e.g. the GPX of a FIT)."""


SAME_START_S = 60  # one athlete's activities of one sport starting this close are one activity


def _write_activity(cur, parsed: ParsedActivity, import_id: int, athlete: str | None, create: bool):
    athlete_id = _athlete_id(cur, athlete, create)
    a = parsed.activity
    earlier = fetch_one(
        cur,
        """SELECT coalesce(i.file_name, 'an earlier import') FROM activities x LEFT JOIN imports i USING (import_id)
           WHERE x.athlete_id = ? AND x.sport = ? AND abs(epoch(x.start_time) - epoch(CAST(? AS TIMESTAMP))) <= ?
           LIMIT 1""",
        [athlete_id, a["sport"], a["start_time"].to_pydatetime(), SAME_START_S],
    )
    if earlier:
        raise SameActivity(f"same activity as {earlier[0]} (starts within {SAME_START_S} s): not imported again")
    activity_id = next_id(cur, "activities", "activity_id")
    cur.execute(
        """INSERT INTO activities (activity_id, athlete_id, sport, name, device, start_time, duration_s,
               moving_time_s, pause_count, distance_m, ascent_m, avg_hr, max_hr, import_id)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
        [activity_id, athlete_id, a["sport"], a["name"], a["device"], a["start_time"].to_pydatetime(),
         a["duration_s"], a["moving_time_s"], a["pause_count"], a["distance_m"], a["ascent_m"],
         a["avg_hr"], a["max_hr"], import_id],
    )
    insert_frame(cur, "samples", parsed.samples.assign(activity_id=activity_id))
    if len(parsed.laps):
        insert_frame(cur, "laps", parsed.laps.assign(activity_id=activity_id))
    return athlete_id, ""


def _write_strength(cur, parsed: ParsedStrength, import_id: int, athlete: str | None, create: bool):
    """Each workout becomes a 'strength' activity; its sets reference it as session_id."""
    athlete_id = _athlete_id(cur, athlete, create)
    sets = parsed.sets
    catalog = cur.execute("SELECT exercise_id, name, aliases FROM exercises WHERE NOT is_custom").df()
    matcher = ExerciseMatcher(catalog)
    names = pd.Series(sets["exercise_name"].unique())
    matched = {n: matcher.match(n) for n in names}
    custom = [n for n, eid in matched.items() if eid is None]
    for n in custom:
        eid = custom_exercise_id(n)
        matched[n] = eid
        cur.execute("INSERT INTO exercises (exercise_id, name, is_custom) VALUES (?, ?, true) "
                    "ON CONFLICT DO NOTHING", [eid, n])

    first_id = next_id(cur, "activities", "activity_id")
    sessions = (sets.groupby("session_key", sort=False)
                .agg(start_time=("session_start", "first"), name=("workout_name", "first"),
                     duration_s=("session_duration_s", "first"))
                .reset_index())
    sessions["activity_id"] = range(first_id, first_id + len(sessions))
    insert_frame(cur, "activities", sessions.drop(columns="session_key").assign(
        athlete_id=athlete_id, sport="strength", moving_time_s=sessions["duration_s"], import_id=import_id))
    # strength apps log the local wall-clock time: stored in UTC, read in the athlete's team time zone
    cur.execute("""UPDATE activities a SET start_time = timezone('UTC', timezone(z.time_zone, a.start_time))
                   FROM athlete_time_zones z WHERE z.athlete_id = a.athlete_id AND a.import_id = ?""", [import_id])

    rows = sets.merge(sessions[["session_key", "activity_id"]], on="session_key")
    rows = rows.assign(
        athlete_id=athlete_id, session_date=rows["session_start"].dt.date, session_id=rows["activity_id"],
        exercise_id=rows["exercise_name"].map(matched), import_id=import_id,
    ).drop(columns=["session_key", "session_start", "workout_name", "session_duration_s",
                    "exercise_name", "activity_id"])
    insert_frame(cur, "strength_sets", rows)
    return athlete_id, (f"{len(sessions)} workouts; {len(names) - len(custom)} of {len(names)} exercise names "
                        f"matched the catalog, {len(custom)} kept as custom exercises")


def _athlete_ids(cur, names: pd.Series, athlete: str | None, create: bool) -> pd.Series:
    """Athlete ids for a file's `athlete` column, falling back to the chosen athlete."""
    names = names.astype("string").str.strip().replace("", pd.NA)
    if athlete:
        names = names.fillna(athlete.strip())
    if names.isna().any():
        raise RejectedFile("some rows name no athlete: add an 'athlete' column or choose an athlete")
    ids = {n: _athlete_id(cur, n, create) for n in names.unique()}
    return names.map(ids).astype("int64")


def _write_fitness(cur, parsed: ParsedFitness, import_id: int, athlete: str | None, create: bool):
    rows = parsed.rows
    ids = _athlete_ids(cur, rows["athlete"], athlete, create)
    insert_frame(cur, "fitness_tests", rows.drop(columns="athlete").assign(athlete_id=ids, import_id=import_id))
    return (int(ids.iloc[0]) if ids.nunique() == 1 else None), f"{ids.nunique()} athletes"


def _write_wellness(cur, parsed: ParsedWellness, import_id: int, athlete: str | None, create: bool):
    """Morning wellness per day; an sRPE goes to that day's activity (Foster load = sRPE x min)."""
    rows = parsed.rows.assign(athlete_id=_athlete_ids(cur, parsed.rows["athlete"], athlete, create))
    rows["day"] = pd.to_datetime(rows["day"]).dt.date
    linked = 0
    srpe_load = []
    for r in rows.itertuples(index=False):
        minutes = r.session_min
        if pd.notna(r.srpe):
            act = fetch_one(
                cur,
                """SELECT activity_id, duration_s FROM activities_local   -- the wellness day is local
                   WHERE athlete_id = ? AND CAST(start_time AS DATE) = ?
                   ORDER BY CASE WHEN ? IS NULL THEN -duration_s
                            ELSE abs(epoch(CAST(start_time AS TIME)) - epoch(CAST(? AS TIME))) END
                   LIMIT 1""",
                [r.athlete_id, r.day, r.start_time, r.start_time],
            )
            if act:
                cur.execute("UPDATE activities SET srpe = ? WHERE activity_id = ?", [r.srpe, act[0]])
                linked += 1
                if pd.isna(minutes) and act[1] is not None:
                    minutes = act[1] / 60
        load_au = foster_load(r.srpe, (minutes if pd.notna(minutes) else float("nan")) * 60.0)
        srpe_load.append(None if pd.isna(load_au) else float(load_au))
    rows["srpe_load"] = srpe_load
    values = ["srpe_load", "sleep_h", "soreness", "hr_rest_morning", "hrv_ms"]
    per_day = rows.groupby(["athlete_id", "day"], as_index=False).agg(
        {"srpe_load": lambda x: x.sum(min_count=1), **{c: "last" for c in values[1:]}})
    # a later file fills in a day: values it has replace, values it lacks are kept; loads add up
    insert_frame(cur, "wellness", per_day.assign(import_id=import_id),
                 on_conflict="ON CONFLICT (athlete_id, day) DO UPDATE SET "
                 "srpe_load = CASE WHEN excluded.srpe_load IS NULL THEN wellness.srpe_load "
                 "ELSE coalesce(wellness.srpe_load, 0) + excluded.srpe_load END, "
                 + ", ".join(f"{c} = coalesce(excluded.{c}, wellness.{c})" for c in values[1:])
                 + ", import_id = excluded.import_id")
    n_ath = rows["athlete_id"].nunique()
    return (int(rows["athlete_id"].iloc[0]) if n_ath == 1 else None), f"sRPE linked to {linked} activities"


# one writer per parsed type: (cursor, parsed, import_id, athlete name, create) -> (athlete_id | None, note)
WRITERS = {ParsedActivity: _write_activity, ParsedStrength: _write_strength,
           ParsedFitness: _write_fitness, ParsedWellness: _write_wellness}
