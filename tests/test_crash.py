"""SIGKILL in the middle of an import: the database then holds the whole file or none of it, and a
second import of the same file succeeds.

A child process imports a large file (a 200,000-point GPX, a 20,000-set Strong CSV) through
import_file; it prints a line at each step (parse start, transaction start, each table insert,
done), and the test kills it with SIGKILL a measured delay after one of them. Two kill points are
fault injection, to be sure to land on each side of the commit: the child sleeps inside the open
transaction after the rows are written ("paused"), or after the commit without closing the store
(so nothing but DuckDB's own commit has made the rows durable).
"""
import datetime as dt
import os
import shutil
import signal
import subprocess
import sys
import time
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest

from engine.store.db import Store
from engine.store.imports import import_file, parse_upload

ROOT = Path(__file__).resolve().parents[1]
ATHLETE = "Crash Tester"
GPX_POINTS = 200_000
STRONG_COPIES = 10  # the Strong sample (2,078 rows) ten times, each copy a year earlier

CHILD = r"""
import sys, time
sys.path.insert(0, sys.argv[1])
import engine.store.imports as imports
from engine.store.db import Store

db, path, pause = sys.argv[2], sys.argv[3], sys.argv[4]
start = time.monotonic()

def say(word):
    print(f"{word} {time.monotonic() - start:.4f}", flush=True)

real_next_id, real_insert = imports.next_id, imports.insert_frame

def next_id(cur, table, column):
    if table == "imports":
        say("begin")  # the first statement in the import's write transaction
    return real_next_id(cur, table, column)

def insert_frame(cur, table, frame, on_conflict=""):
    say(f"insert-{table}")
    real_insert(cur, table, frame, on_conflict)
    if pause == f"after-{table}":
        say("paused")  # fault injection: rows written, transaction still open
        time.sleep(120)

imports.next_id, imports.insert_frame = next_id, insert_frame
store = Store(db)
data = open(path, "rb").read()
say("parsing")
result = imports.import_file(store, path.rsplit("/", 1)[-1], data, athlete="Crash Tester", create=True)
say(f"done-{result.status}")
if pause == "committed":
    time.sleep(120)  # fault injection: committed, the store never closed
store.close()
"""


def _gpx(n_points: int) -> bytes:
    """A run of n_points trackpoints, one a second, with HR."""
    start = dt.datetime(2024, 3, 1, 6, 0, 0)
    head = ('<?xml version="1.0" encoding="UTF-8"?>\n<gpx creator="crash test" version="1.1" '
            'xmlns="http://www.topografix.com/GPX/1/1" '
            'xmlns:ns3="http://www.garmin.com/xmlschemas/TrackPointExtension/v1">'
            "<trk><name>Long run</name><type>running</type><trkseg>\n")
    points = "".join(
        f'<trkpt lat="{51 + i * 2e-6:.7f}" lon="{6.6 + i * 1e-6:.7f}"><ele>{20 + i % 50}</ele>'
        f'<time>{start + dt.timedelta(seconds=i):%Y-%m-%dT%H:%M:%SZ}</time><extensions><ns3:TrackPointExtension>'
        f"<ns3:hr>{130 + i % 40}</ns3:hr></ns3:TrackPointExtension></extensions></trkpt>\n"
        for i in range(n_points))
    return (head + points + "</trkseg></trk></gpx>\n").encode()


def _strong(samples_dir: Path) -> bytes:
    """The Strong sample STRONG_COPIES times, each copy shifted a year back (distinct workouts)."""
    src = pd.read_csv(samples_dir / "strength_csv" / "strong.csv")
    when = pd.to_datetime(src["Date"])
    copies = [src.assign(Date=(when - pd.DateOffset(years=i)).dt.strftime("%Y-%m-%d %H:%M:%S"))
              for i in range(STRONG_COPIES)]
    return pd.concat(copies).to_csv(index=False).encode()


@dataclass(frozen=True)
class Case:
    """One large file, its parse, its rows when whole, and its calibration run's step times, s."""
    path: Path
    data: bytes
    parsed: object
    whole: dict
    steps_s: dict


def _state(store: Store) -> dict:
    """What the database holds of the file: rows per table, the import log, custom exercises."""
    rows = store.query("""SELECT (SELECT count(*) FROM activities) AS activities, (SELECT count(*) FROM samples)
                                 AS samples, (SELECT count(*) FROM strength_sets) AS strength_sets,
                                 (SELECT count(*) FROM exercises WHERE is_custom) AS custom_exercises,
                                 (SELECT count(*) FROM imports WHERE status = 'imported') AS imported,
                                 (SELECT count(*) FROM imports WHERE status <> 'imported') AS other_imports,
                                 (SELECT count(*) FROM athletes) AS athletes""")
    return {k: int(v) for k, v in rows.iloc[0].items()}


def _run_child(db: Path, case_path: Path, pause: str = "-", kill_after: str | None = None,
               delay_s: float = 0.0) -> tuple[dict, bool]:
    """Run the child; with kill_after, SIGKILL it delay_s after it prints that step. Returns the
    step times it printed (s since its start) and whether it left a .wal file to replay."""
    proc = subprocess.Popen([sys.executable, "-c", CHILD, str(ROOT), str(db), str(case_path), pause],
                            stdout=subprocess.PIPE, text=True)
    steps = {}
    try:
        for line in proc.stdout:
            word, at_s = line.split()
            steps[word] = float(at_s)
            if word == kill_after:
                time.sleep(delay_s)
                os.kill(proc.pid, signal.SIGKILL)
                break
        proc.wait(timeout=60)
        wal = db.with_name(db.name + ".wal").exists()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        proc.stdout.close()
    if kill_after is not None:
        assert kill_after in steps, f"the child never printed {kill_after}: {steps}"
        # a kill timed at the calibrated commit can land after a loaded machine's child has finished
        # (exit 0): its import is then whole, which the caller checks against the allowed outcomes
        assert proc.returncode in (-signal.SIGKILL, 0)
    else:
        assert proc.returncode == 0, steps
    return steps, wal


@pytest.fixture(scope="module")
def empty_db(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("template") / "empty.duckdb"
    Store(path).close()
    return path


def _case(tmp: Path, name: str, data: bytes, empty_db: Path) -> Case:
    path = tmp / name
    path.write_bytes(data)
    db = tmp / f"calibrate-{name}.duckdb"
    shutil.copy(empty_db, db)
    steps, _ = _run_child(db, path)  # an import that is not killed: the step times and the whole file
    with closing(Store(db)) as store:
        whole = _state(store)
    return Case(path, data, parse_upload(name, data), whole, steps)


@pytest.fixture(scope="module")
def gpx_case(tmp_path_factory, empty_db) -> Case:
    return _case(tmp_path_factory.mktemp("gpx"), "long_run.gpx", _gpx(GPX_POINTS), empty_db)


@pytest.fixture(scope="module")
def strong_case(tmp_path_factory, samples_dir, empty_db) -> Case:
    return _case(tmp_path_factory.mktemp("strong"), "strong_10x.csv", _strong(samples_dir), empty_db)


def _kill_and_check(case: Case, empty_db: Path, tmp_path: Path, kill_after: str, delay_s: float,
                    pause: str = "-") -> str:
    db = tmp_path / "killed.duckdb"
    shutil.copy(empty_db, db)
    steps, wal = _run_child(db, case.path, pause, kill_after, delay_s)
    nothing = {k: 0 for k in case.whole}
    with closing(Store(db)) as store:
        state = _state(store)
        outcome = "whole" if state == case.whole else "none" if state == nothing else f"partial {state}"
        print(f"\n{case.path.name}: killed {delay_s * 1000:.0f} ms after {kill_after} (pause {pause}, "
              f".wal {'present' if wal else 'absent'}; steps {steps}): {outcome}")
        assert outcome in ("whole", "none"), outcome
        again = import_file(store, case.path.name, case.data, athlete=ATHLETE, create=True, parsed=case.parsed)
        assert again.status == ("imported" if outcome == "none" else "duplicate"), again.message
        assert _state(store) == case.whole
    return outcome


def test_the_files_are_large_and_a_full_import_takes_seconds(gpx_case, strong_case):
    assert gpx_case.whole["samples"] == GPX_POINTS and gpx_case.whole["activities"] == 1
    assert strong_case.whole["strength_sets"] > 10_000 and strong_case.whole["activities"] > 1_000
    assert gpx_case.steps_s["done-imported"] - gpx_case.steps_s["parsing"] > 1.0


@pytest.mark.parametrize("kill_after, fraction, pause, expect", [
    ("parsing", 0.5, "-", "none"),           # half-way through parsing the XML
    ("insert-samples", 0.0, "-", None),      # the 200,000 samples are being inserted
    ("begin", 0.5, "-", None),               # half the calibrated transaction time later
    ("begin", 1.0, "-", None),               # about when the calibrated transaction committed
    ("paused", 0.0, "after-samples", "none"),  # every row written, the transaction still open
    ("done-imported", 0.0, "committed", "whole"),  # committed, never checkpointed or closed
])
def test_a_gpx_import_killed_holds_all_or_nothing(gpx_case, empty_db, tmp_path, kill_after, fraction, pause, expect):
    steps = gpx_case.steps_s
    span_s = (steps["done-imported"] - steps["begin"]) if kill_after == "begin" else \
        (steps["begin"] - steps["parsing"]) if kill_after == "parsing" else 0.0
    outcome = _kill_and_check(gpx_case, empty_db, tmp_path, kill_after, fraction * span_s, pause)
    assert expect is None or outcome == expect


@pytest.mark.parametrize("kill_after, pause, expect", [
    ("insert-activities", "-", None),            # the workouts are being inserted
    ("paused", "after-activities", "none"),      # workouts written, time zones and sets not yet
    ("insert-strength_sets", "-", None),         # the sets are being inserted
    ("done-imported", "committed", "whole"),
])
def test_a_strong_import_killed_holds_all_or_nothing(strong_case, empty_db, tmp_path, kill_after, pause, expect):
    outcome = _kill_and_check(strong_case, empty_db, tmp_path, kill_after, 0.0, pause)
    assert expect is None or outcome == expect
