"""Ten coaches at once (issue #14), bounded for `make test`: 10 browser sessions against one
`streamlit run` on a small demo squad, 5 importing and 5 browsing, one round each. Asserts that no
page failed and that no import was lost or doubled; page times are measured by `make bench`
(ten_coaches), never asserted here."""
import datetime as dt
import shutil
from collections import Counter

import pytest
from browser_support import serve

from bench.concurrency import Upload, check_imports, run_sessions, sample_uploads
from engine.demo import DemoConfig, write_demo
from engine.store.db import Store
from engine.store.imports import import_file

pytestmark = pytest.mark.app_server   # a Streamlit server per module: scheduled first


def test_ten_coaches_at_once(tmp_path, samples_dir, today):
    db = tmp_path / "coaches.duckdb"
    store = Store(db)
    write_demo(store, DemoConfig(athletes=6, weeks=4, seed=11, end_date=today - dt.timedelta(days=1)))
    latest = store.query("SELECT athlete_id, max(activity_id) AS activity_id FROM activities "
                         "GROUP BY athlete_id ORDER BY athlete_id")
    store.close()
    shutil.copy(db, tmp_path / "before.duckdb")         # what check_imports replays the uploads on
    files = sample_uploads(samples_dir)

    # one page each for the browsing coaches (session, athlete, load, planner, squad); a wait of 120 s is a
    # hang, not slowness: the times are measured by `make bench`
    with serve(db) as url:
        result = run_sessions(url, 10, 1, files, pages_per_round=1, deadline_s=60, timeout_ms=120_000,
                              athletes=latest["athlete_id"].tolist(), activities=latest["activity_id"].tolist())

    assert result["error_count"] == 0, (result["errors"], result["failures"])
    assert {p["page"] for p in result["pages"]} == {"upload", "session", "athlete", "load", "planner", "squad"}
    assert Counter(u["status"] for u in result["imports"]) == {"imported": 3, "duplicate": 2}, result["imports"]
    assert check_imports(db, tmp_path / "before.duckdb", result, files) == []


def test_the_check_finds_lost_doubled_rejected_and_misdirected_imports(tmp_path, samples_dir, today):
    """check_imports without a browser, on a database where a file shown as imported never arrived,
    one import is logged twice and a file was rejected, and an upload's picker showed another athlete."""
    db = tmp_path / "coaches.duckdb"
    store = Store(db)
    write_demo(store, DemoConfig(athletes=2, weeks=2, seed=11, end_date=today - dt.timedelta(days=1)))
    store.close()
    shutil.copy(db, tmp_path / "before.duckdb")
    store = Store(db)
    athlete_1 = store.query("SELECT name FROM athletes WHERE athlete_id = 1")["name"].iloc[0]
    tcx = samples_dir / "tcx" / "test.tcx"
    assert import_file(store, tcx.name, tcx.read_bytes(), athlete="nobody").status == "rejected"
    with store.transaction() as cur:
        cur.execute("INSERT INTO imports SELECT * REPLACE (import_id + 100 AS import_id) FROM imports "
                    "WHERE file_name = 'demo squad'")
    store.close()
    files = [Upload(tcx, 1), Upload(samples_dir / "tcx" / "no_hr.tcx", 1)]      # the same run, twice
    shown = [{"session": i, "round": 1, "file": f.path.name, "athlete_id": 1, "picked": name, "status": "imported",
              "message": ""} for i, (f, name) in enumerate(zip(files, [athlete_1, "someone else"]))]

    problems = check_imports(db, tmp_path / "before.duckdb", {"imports": shown}, files)

    assert "test.tcx: rejected in the imports log (unknown athlete 'nobody' (create it first, or use --create))" \
        in problems
    assert "test.tcx for athlete 1: shown imported 1 times, in the imports log 0 times" in problems
    assert f"no_hr.tcx for athlete 1 ({athlete_1}): the picker showed 'someone else' at the click" in problems
    assert "the same bytes imported 2 times: ['demo squad', 'demo squad']" in problems
    assert "statuses {'imported': 2}, one at a time {'imported': 1, 'duplicate': 1}" in problems


def test_the_same_file_imported_twice_at_once_is_stored_once(tmp_path, samples_dir):
    """Two coaches upload the same bytes at the same moment: the duplicate check is repeated under
    the write lock, so one import wins and the other is a duplicate (the load test found both stored)."""
    import threading

    from engine.store.imports import parse_upload
    store = Store(tmp_path / "race.duckdb")
    csv = samples_dir / "strength_csv" / "strong.csv"
    data = csv.read_bytes()
    parsed = parse_upload(csv.name, data)                   # both threads go straight to the write
    start = threading.Barrier(2)
    results = []

    def coach():
        start.wait()
        results.append(import_file(store, csv.name, data, athlete="Ada", create=True, parsed=parsed).status)

    threads = [threading.Thread(target=coach) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == ["duplicate", "imported"]
    assert store.query("SELECT count(*) AS n FROM imports WHERE status = 'imported'")["n"].iloc[0] == 1
