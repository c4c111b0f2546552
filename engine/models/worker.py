"""The worker: runs the queued training jobs (engine.store.jobs) one at a time, outside any browser
session, and registers each model only when its training ends well.

DuckDB lets one process open a database file for writing, so the worker lives in the process that
holds the file: the app starts it as a background thread (ensure_thread: dashboard.serve at
start-up, and the app's first script run; none when $COACH_WORKER is "off"), and
`python -m engine worker` runs it in the foreground where no app serves the file. Either way it
trains at a lower priority (nice 10) on all but one core, so the pages stay quick while it works."""
from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable

import duckdb

from engine.models import driver
from engine.models.kinds import KINDS
from engine.models.onnx_export import passes
from engine.models.registry import ModelNotTrained, NotEnoughData
from engine.store import jobs
from engine.store.db import Store, db_path, open_store
from engine.store.imports import internal_error

log = logging.getLogger(__name__)
WORKER_VAR = "COACH_WORKER"   # "off": the app starts no worker (the test suite, a read-only replica)
NICE = 10


class UnknownKind(KeyError):
    """A job for a model kind that KINDS does not list."""

    def __str__(self) -> str:
        return self.args[0]


def submit(store: Store, kind: str, quick: bool = False, requested_by: str | None = None,
           task: str = "train") -> jobs.Job:
    """Queue training `kind`, its full evaluation (task "evaluate") or its ONNX export ("export"),
    or join its job already queued or running; AdminOnly through a coach's scoped store."""
    if kind not in KINDS:
        raise UnknownKind(f"unknown model kind {kind!r}; known: {', '.join(KINDS)}")
    return jobs.queue(store, kind, quick, requested_by, task)


def queue_all(store: Store, quick: bool = False, requested_by: str | None = None) -> list[jobs.Job]:
    """Queue every kind of KINDS (a new database: `make run`, the demo button)."""
    return [submit(store, kind, quick, requested_by) for kind in KINDS]


def lower_priority() -> None:
    """Nice the calling thread (Linux schedules threads alone) and cap torch's threads at the
    cores but one: the worker must not starve the app's pages."""
    try:
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), NICE)
    except (AttributeError, OSError):   # not Linux, or not allowed: the cap below still holds
        pass
    import torch

    torch.set_num_threads(max(1, (os.cpu_count() or 1) - 1))


def run_job(store: Store, job: jobs.Job, on_progress: Callable[[jobs.Job], None] | None = None) -> jobs.Job:
    """Run the running `job` and end it: done ("v3"), failed (the one-line reason a kind gives
    when the data is missing, or "internal error: ..." for a bug, logged with its traceback) or
    cancelled. A training that ends well queues the new version's ONNX export, then its full
    evaluation (the seeds' spread, and the kind's folds and other datasets)."""
    def progress(step: int, total: int) -> None:
        jobs.report(store, job.job_id, step, total)
        if on_progress:
            on_progress(jobs.get(store, job.job_id))

    try:
        if job.task == "evaluate":
            card = driver.evaluate_full(store, job.kind, progress=progress)
            return jobs.finish(store, job.job_id, "done", f"added to v{card.version}")
        if job.task == "export":
            records = driver.export(store, job.kind)
            return jobs.finish(store, job.job_id, "done", ", ".join(
                f"{r['model']} (parity {'passed' if passes(r) else 'FAILED'})" for r in records))
        card = driver.train(store, job.kind, quick=job.quick, progress=progress)
    except jobs.JobCancelled:
        return jobs.finish(store, job.job_id, "cancelled", f"cancelled during {jobs.TASKS[job.task]}")
    except (NotEnoughData, ModelNotTrained) as err:
        return jobs.finish(store, job.job_id, "failed", str(err))
    except Exception as err:   # the worker's error boundary: a bug fails its job (logged), the next job runs
        log.exception("job %s (%s) failed with an internal error", job.job_id, job.kind)
        return jobs.finish(store, job.job_id, "failed", internal_error(err))
    jobs.queue(store, job.kind, job.quick, job.requested_by, "export")
    jobs.queue(store, job.kind, job.quick, job.requested_by, "evaluate")
    return jobs.finish(store, job.job_id, "done", f"v{card.version}")


def work(store: Store, stop: threading.Event | None = None, poll_s: float = 1.0, once: bool = False,
         on_progress: Callable[[jobs.Job], None] | None = None) -> list[jobs.Job]:
    """Run jobs until `stop` is set (or, with `once`, until none is queued); returns the jobs
    ended. Jobs a dead worker left running are marked failed first."""
    stop = stop or threading.Event()
    for job in jobs.fail_abandoned(store):
        log.warning("job %s (%s) failed: %s", job.job_id, job.kind, job.message)
    ended = []
    while not stop.is_set():
        job = jobs.claim(store)
        if job is None:
            if once:
                break
            stop.wait(poll_s)
            continue
        ended.append(run_job(store, job, on_progress))
        log.info("job %s (%s): %s", job.job_id, job.kind, ended[-1].message)
    return ended


_threads: dict[str, threading.Thread] = {}
_threads_lock = threading.Lock()


def ensure_thread(path: str | os.PathLike | None = None) -> threading.Thread | None:
    """The worker thread of this process for the database file `path` (default $COACH_DB), on the
    process-wide Store the app reads too; started on the first call (and again if it ended: its
    store was closed). None when $COACH_WORKER is "off"."""
    if os.environ.get(WORKER_VAR, "on") == "off":
        return None
    store = open_store(path)
    with _threads_lock:
        thread = _threads.get(str(store.path))
        if thread is None or not thread.is_alive():
            thread = _threads[str(store.path)] = threading.Thread(target=_loop, args=(store,), name="coach-worker",
                                                                  daemon=True)
            thread.start()
    return thread


def thread_runs(path: str | os.PathLike | None = None) -> bool:
    """Whether this process runs a worker for the database file `path`."""
    thread = _threads.get(str(db_path(path).resolve()))
    return thread is not None and thread.is_alive()


def _loop(store: Store) -> None:
    lower_priority()
    try:
        work(store)
    except duckdb.ConnectionException:   # the store was closed: the app is stopping
        pass
