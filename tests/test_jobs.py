"""Training as jobs (issue #25): the jobs table, the worker that runs them one at a time, and a
worker killed mid-job (nothing registered, the job failed on the next start, a retry succeeds)."""
import datetime as dt
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from engine.demo import DemoConfig, write_demo
from engine.models import registry
from engine.models.worker import UnknownKind, queue_all, submit, work
from engine.store import access, jobs
from engine.store.db import Store

ROOT = Path(__file__).resolve().parents[1]
SQUAD = DemoConfig(athletes=4, weeks=8, seed=2, end_date=dt.date(2026, 6, 30))


@pytest.fixture(scope="module")
def squad_db(tmp_path_factory):
    """A small demo squad, written once; tests train on copies."""
    path = tmp_path_factory.mktemp("jobs") / "squad.duckdb"
    store = Store(path)
    write_demo(store, SQUAD)
    store.close()
    return path


@pytest.fixture
def squad(squad_db, tmp_path):
    shutil.copy(squad_db, tmp_path / "coach.duckdb")
    store = Store(tmp_path / "coach.duckdb")
    yield store
    store.close()


def test_a_second_request_joins_the_job_and_a_queued_job_cancels_at_once(store):
    first = submit(store, "fitness", requested_by="a@club.org")
    assert submit(store, "fitness", requested_by="b@club.org") == first         # joins, never twice
    assert (first.state, first.requested_by, first.line(first.queued_at)) == ("queued", "a@club.org", "fitness: queued")
    other = submit(store, "hr")
    ids = {j.kind: j.job_id - first.job_id for j in queue_all(store)}      # the two queued ones are joined
    assert ids == {"progression": 2, "hr": 1, "overload": 3, "fitness": 0, "recommend": 4}
    cancelled = jobs.cancel(store, other.job_id)
    assert (cancelled.state, cancelled.message) == ("cancelled", "cancelled before it started")
    with pytest.raises(jobs.NoSuchJob):
        jobs.cancel(store, other.job_id)
    assert submit(store, "hr").job_id > other.job_id                            # an ended job is not joined
    with pytest.raises(UnknownKind, match="unknown model kind 'nope'; known: progression, hr"):
        submit(store, "nope")


def test_progress_reads_as_a_line_and_a_running_job_stops_at_its_next_report(store):
    job = submit(store, "overload")
    running = jobs.claim(store)
    assert running.job_id == job.job_id and running.state == "running" and jobs.claim(store) is None
    jobs.report(store, job.job_id, 2, 5)
    now = jobs.get(store, job.job_id).started_at + dt.timedelta(seconds=120)
    assert jobs.get(store, job.job_id).line(now) == "overload: training, 40 %, about 3 min left"
    assert jobs.cancel(store, job.job_id).cancel_requested
    with pytest.raises(jobs.JobCancelled):
        jobs.report(store, job.job_id, 3, 5)


def test_progress_reports_do_not_change_the_data_version(store):
    job = submit(store, "hr")
    jobs.claim(store)
    before = store.data_version()
    for step in range(1, 6):
        jobs.report(store, job.job_id, step, 5)
    assert store.data_version() == before and jobs.get(store, job.job_id).fraction == 1.0


def test_a_coach_of_some_teams_cannot_queue_or_cancel(store):
    job = submit(store, "hr")
    coach = access.scoped(store, access.Scope("c@club.org", teams=frozenset({"A"})))
    with pytest.raises(access.AdminOnly, match="only an admin"):
        submit(coach, "fitness")
    with pytest.raises(access.AdminOnly):
        jobs.cancel(coach, job.job_id)
    assert [j.kind for j in jobs.recent(store)] == ["hr"]


def test_the_worker_trains_every_queued_job_and_records_why_one_failed(squad, tmp_path):
    progress = []
    submit(squad, "progression", quick=True)
    empty = Store(tmp_path / "empty.duckdb")
    submit(empty, "hr", quick=True)
    try:
        done, exported, evaluated = work(squad, once=True, on_progress=progress.append)  # then export, full evaluation
        [failed] = work(empty, once=True)
    finally:
        empty.close()
    assert (done.state, done.message) == ("done", "v1") and registry.card(squad, "progression").version == 1
    assert (exported.task, exported.state) == ("export", "done")
    files = registry.exports(squad, "progression", 1)
    assert exported.message == ", ".join(f"{e.model} (parity passed)" for e in files)
    assert [e.onnx_path.is_file() for e in files] == [True, True]
    assert (evaluated.task, evaluated.state, evaluated.message) == ("evaluate", "done", "added to v1")
    assert registry.card(squad, "progression").full is not None
    assert progress and all(p.state == "running" and 0 < p.fraction <= 1 for p in progress)
    assert failed.state == "failed" and failed.message.startswith("the HR model needs at least 5 runs")


def _worker(db: Path) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "engine", "worker", "--db", str(db), "--once"], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_a_worker_killed_mid_job_registers_nothing_and_the_retry_succeeds(squad):
    db = squad.path
    first = submit(squad, "progression", quick=True)
    squad.close()        # one process holds a DuckDB file: the worker's now
    proc = _worker(db)
    for line in proc.stdout:                 # the worker prints each progress report
        if f"job {first.job_id}: progression: training" in line:
            break
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=60)

    store = Store(db)
    try:
        assert jobs.get(store, first.job_id).state == "running"      # what the dead worker left
        assert store.query("SELECT count(*) AS n FROM models")["n"].iloc[0] == 0
        assert not any((db.parent / "models").glob("progression/*"))    # no version, not even a partial one
    finally:
        store.close()
    _worker(db).communicate(timeout=120)      # the next start marks it failed (nothing is queued)
    store = Store(db)
    try:
        abandoned = jobs.get(store, first.job_id)
        assert (abandoned.state, abandoned.message) == ("failed", jobs.ABANDONED)
        retry = submit(store, "progression", quick=True)
    finally:
        store.close()
    proc = _worker(db)
    out, err = proc.communicate(timeout=240)
    assert proc.returncode == 0, err
    assert f"job {retry.job_id}: progression: done (v1)" in out
    store = Store(db)
    try:
        assert registry.card(store, "progression").version == 1 and jobs.get(store, retry.job_id).state == "done"
    finally:
        store.close()
