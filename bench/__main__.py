"""`make bench`: time the foundation against its goals and print a table.

Figures are wall-clock seconds on this machine; goals come from the foundation issue. These are
measurements, not assertions: nothing here fails when a goal is missed.
"""
from __future__ import annotations

import datetime as dt
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from bench.fixtures import one_hour_fit_files, one_hour_gpx_files
from engine.demo import DemoConfig, write_demo
from engine.store import queries
from engine.store.db import Store, insert_frame
from engine.store.imports import import_files


def _timed(fn) -> tuple[float, object]:
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def bench_demo(tmp: Path) -> tuple[float, str]:
    store = Store(tmp / "demo.duckdb")
    seconds, counts = _timed(lambda: write_demo(store, DemoConfig(end_date=dt.date(2026, 11, 1))))
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


def bench_daily_load(tmp: Path, athletes: int = 50, days: int = 730) -> tuple[float, str]:
    """Daily sRPE load per athlete over 2 years, on activity rows written directly."""
    store = Store(tmp / "load.duckdb")
    rng = np.random.default_rng(7)
    start = dt.date(2024, 11, 1)
    athlete_ids = np.repeat(np.arange(1, athletes + 1), days)
    day_offsets = np.tile(np.arange(days), athletes)
    trained = rng.random(athletes * days) < 0.8
    n = int(trained.sum())
    acts = pd.DataFrame({
        "activity_id": np.arange(1, n + 1),
        "athlete_id": athlete_ids[trained],
        "sport": "running",
        "start_time": pd.Timestamp(start) + pd.to_timedelta(day_offsets[trained], unit="D") + pd.Timedelta(hours=7),
        "duration_s": rng.uniform(1800, 5400, n),
        "srpe": rng.integers(2, 9, n).astype(float),
    })
    with store.transaction() as cur:
        insert_frame(cur, "athletes", pd.DataFrame({"athlete_id": np.arange(1, athletes + 1),
                                                    "name": [f"Athlete {i}" for i in range(1, athletes + 1)]}))
        insert_frame(cur, "activities", acts)
    end = start + dt.timedelta(days=days - 1)
    queries.daily_srpe_load(store, start, end)  # warm-up
    runs = [_timed(lambda: queries.daily_srpe_load(store, start, end)) for _ in range(5)]
    seconds = float(np.median([r[0] for r in runs]))
    store.close()
    return seconds, f"{len(runs[0][1]):,} athlete-days from {n:,} activities (median of 5)"


def main() -> None:
    rows = []
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        for label, goal_s, fn in [
            ("demo database (24 athletes x 16 weeks)", 60.0, bench_demo),
            ("import 500 one-hour activities (FIT + GPX, 2 workers)", 120.0, bench_import),
            ("daily load query, 50 athletes x 2 years", 0.150, bench_daily_load),
        ]:
            seconds, detail = fn(tmp)
            rows.append((label, seconds, goal_s, "yes" if seconds <= goal_s else "NO", detail))
    table = pd.DataFrame(rows, columns=["benchmark", "seconds", "goal_s", "met", "detail"])
    print(table.to_string(index=False, formatters={"seconds": "{:.3f}".format, "goal_s": "{:.3f}".format}))


if __name__ == "__main__":
    main()
