"""`make bench`: time the foundation against its goals and print a table.

Figures are wall-clock seconds on this machine; goals come from the foundation issue. These are
measurements, not assertions: nothing here fails when a goal is missed.
"""
from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from bench.fixtures import one_hour_fit_files, one_hour_gpx_files
from engine.demo import DemoConfig, write_demo
from engine.load import report
from engine.store import queries
from engine.store.db import Store, insert_frame
from engine.store.imports import import_files


def _timed(fn) -> tuple[float, object]:
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def bench_demo(tmp: Path) -> tuple[float, str]:
    store = Store(tmp / "demo.duckdb")
    seconds, counts = _timed(lambda: write_demo(store, DemoConfig()))
    store.close()
    return seconds, f"{counts['activities']:,} activities, {counts['samples']:,} samples"


def bench_import(tmp: Path, n_files: int = 500) -> tuple[float, str]:
    files = one_hour_fit_files(n_files // 2) + one_hour_gpx_files(n_files - n_files // 2)
    store = Store(tmp / "import.duckdb")

    def run():
        return import_files(store, files, athlete="Bench", create=True, workers=2)

    seconds, results = _timed(run)
    rows = sum(r.rows_kept for r in results)
    statuses = pd.Series([r.status for r in results]).value_counts().to_dict()
    store.close()
    return seconds, f"{len(files)} files ({statuses}), {rows:,} samples"


def _squad_db(path: Path, athletes: int = 50, days: int = 730) -> tuple[Store, dt.date, dt.date, int]:
    """A squad of `athletes` with ~0.8 sessions a day over `days` days and fortnightly fitness tests,
    written directly as activity rows (no samples). Returns the store, first and last day, activities."""
    store = Store(path)
    rng = np.random.default_rng(7)
    end = dt.date.today()
    start = end - dt.timedelta(days=days - 1)
    athlete_ids = np.repeat(np.arange(1, athletes + 1), days)
    day_offsets = np.tile(np.arange(days), athletes)
    trained = rng.random(athletes * days) < 0.8
    n = int(trained.sum())
    acts = pd.DataFrame({
        "activity_id": np.arange(1, n + 1),
        "athlete_id": athlete_ids[trained],
        "sport": rng.choice(["running", "strength"], n),
        "start_time": pd.Timestamp(start) + pd.to_timedelta(day_offsets[trained], unit="D") + pd.Timedelta(hours=7),
        "duration_s": rng.uniform(1800, 5400, n),
        "srpe": rng.integers(2, 9, n).astype(float),
    })
    test_days = pd.date_range(start, end, freq="14D")
    tests = pd.DataFrame({"athlete_id": np.repeat(np.arange(1, athletes + 1), len(test_days)),
                          "test_date": np.tile(test_days, athletes), "run_3000m_s": 780.0})
    with store.transaction() as cur:
        insert_frame(cur, "athletes", pd.DataFrame({"athlete_id": np.arange(1, athletes + 1),
                                                    "name": [f"Athlete {i:02d}" for i in range(1, athletes + 1)],
                                                    "team": [f"Team {i % 3}" for i in range(athletes)]}))
        insert_frame(cur, "activities", acts)
        insert_frame(cur, "fitness_tests", tests)
    return store, start, end, n


def bench_daily_load(tmp: Path) -> tuple[float, str]:
    """Daily sRPE load per athlete over 2 years (median of 5 warm runs)."""
    store, start, end, n = _squad_db(tmp / "load.duckdb")
    queries.daily_srpe_load(store, start, end)  # warm-up
    runs = [_timed(lambda: queries.daily_srpe_load(store, start, end)) for _ in range(5)]
    seconds = float(np.median([r[0] for r in runs]))
    store.close()
    return seconds, f"{len(runs[0][1]):,} athlete-days from {n:,} activities (median of 5)"


def bench_load_metrics(tmp: Path) -> tuple[float, str]:
    """Every load metric (PMC, ACWR x3, monotony, strain, FRBI) for 50 athletes x 2 years, from the
    store: sessions read, daily matrix built, metrics computed (median of 5 warm runs)."""
    store, _, end, n = _squad_db(tmp / "metrics.duckdb")
    report.daily_metrics(store, end)  # warm-up
    runs = [_timed(lambda: report.daily_metrics(store, end)) for _ in range(5)]
    store.close()
    return float(np.median([r[0] for r in runs])), f"{len(runs[0][1]):,} athlete-days, {n:,} sessions (median of 5)"


_COLD_RENDER = """
import sys, time
from streamlit.testing.v1 import AppTest
at = AppTest.from_file(sys.argv[1], default_timeout=60)
start = time.perf_counter()
at.run()
seconds = time.perf_counter() - start
assert not at.exception, at.exception
print(seconds, len(at.dataframe[0].value))
"""


def _cold_render(path: Path) -> tuple[float, str]:
    """First render of the squad page in a fresh process (cold caches), median of 3 processes."""
    app = str(Path(__file__).resolve().parents[1] / "dashboard" / "app.py")
    runs = []
    for _ in range(3):
        out = subprocess.run([sys.executable, "-c", _COLD_RENDER, app], env={**os.environ, "COACH_DB": str(path)},
                             capture_output=True, text=True, check=True).stdout.split()
        runs.append(float(out[0]))
    return float(np.median(runs)), f"{out[1]} athletes"


def bench_squad_render(tmp: Path) -> tuple[float, str]:
    """Cold squad page on 50 athletes x 2 years of sessions (activity rows, no HR records)."""
    store, _, _, n = _squad_db(tmp / "squad.duckdb")
    store.close()
    seconds, detail = _cold_render(tmp / "squad.duckdb")
    return seconds, f"{detail}, {n:,} sessions without HR records (AppTest, median of 3 processes)"


def bench_squad_render_demo(tmp: Path) -> tuple[float, str]:
    """Cold squad page on the demo database built by the first benchmark (with HR records)."""
    seconds, detail = _cold_render(tmp / "demo.duckdb")
    return seconds, f"{detail}, 1.9 M HR records (AppTest, median of 3 processes)"


def main() -> None:
    rows = []
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        for label, goal_s, fn in [
            ("demo database (24 athletes x 16 weeks)", 60.0, bench_demo),
            ("import 500 one-hour activities (FIT + GPX, 2 workers)", 120.0, bench_import),
            ("daily load query, 50 athletes x 2 years", 0.150, bench_daily_load),
            ("every load metric, 50 athletes x 2 years", 0.150, bench_load_metrics),
            ("squad page cold first render, 50 athletes x 2 years", 1.5, bench_squad_render),
            ("squad page cold first render, demo squad", 1.5, bench_squad_render_demo),
        ]:
            seconds, detail = fn(tmp)
            rows.append((label, seconds, goal_s, "yes" if seconds <= goal_s else "NO", detail))
    table = pd.DataFrame(rows, columns=["benchmark", "seconds", "goal_s", "met", "detail"])
    print(table.to_string(index=False, formatters={"seconds": "{:.3f}".format, "goal_s": "{:.3f}".format}))


if __name__ == "__main__":
    main()
