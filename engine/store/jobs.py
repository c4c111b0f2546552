"""Model training as jobs: the `jobs` table that pages queue into and the worker runs from
(engine.models.worker). A job trains a kind (task "train"), runs its full evaluation
("evaluate") or exports its latest version to ONNX ("export"); it is queued, then running, then
done, failed or cancelled; a kind has at most one job of a task queued or running, and a second
request joins it. Progress reports are single-statement updates that leave data_version alone, so
that the pages' cached reads stay valid while a model trains; queuing, starting and ending a job are transactions."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, fields

import duckdb

from engine import clock
from engine.store import access
from engine.store.db import Store, fetch_one, next_id

ACTIVE = ("queued", "running")
STATES = (*ACTIVE, "done", "failed", "cancelled")
TASKS = {"train": "training", "evaluate": "full evaluation", "export": "ONNX export"}   # task -> what a coach reads
ABANDONED = "the worker stopped during this job (killed, or the app was stopped): nothing was saved; retry it"


class JobCancelled(Exception):
    """Raised from a progress report of a job whose cancel was requested: the worker stops it."""


class NoSuchJob(LookupError):
    """No job with that id, or none that can still be cancelled."""


@dataclass(frozen=True)
class Job:
    """One row of `jobs` (see the migration for the columns)."""
    job_id: int
    kind: str
    quick: bool
    state: str
    step: int
    total: int
    message: str
    requested_by: str | None
    queued_at: dt.datetime
    started_at: dt.datetime | None
    ended_at: dt.datetime | None
    cancel_requested: bool
    task: str

    @property
    def active(self) -> bool:
        return self.state in ACTIVE

    @property
    def fraction(self) -> float:
        """Progress 0-1 (0 until the trainer has reported a total)."""
        return min(1.0, self.step / self.total) if self.total else 0.0

    def left_s(self, now: dt.datetime) -> float | None:
        """Seconds left at the pace so far (None before the first step)."""
        if self.state != "running" or not self.step or self.started_at is None:
            return None
        return (now - self.started_at).total_seconds() * (self.total - self.step) / self.step

    def status(self, now: dt.datetime) -> str:
        """Its state for a coach, e.g. "training, 40 %, about 2 min left", "failed (the reason)",
        "full evaluation queued"."""
        if self.state == "running":
            left = self.left_s(now)
            eta = "" if left is None else (f", about {left / 60:.0f} min left" if left >= 90 else
                                           f", about {max(left, 1):.0f} s left")
            return f"{TASKS[self.task]}, {100 * self.fraction:.0f} %{eta}"
        what = "" if self.task == "train" else f"{TASKS[self.task]} "
        return what + self.state + (f" ({self.message})" if self.message else "")

    def line(self, now: dt.datetime) -> str:
        """One line for a coach, e.g. "fitness: training, 40 %, about 2 min left"."""
        return f"{self.kind}: {self.status(now)}"


_COLUMNS = ", ".join(f.name for f in fields(Job))


def _jobs(store: Store, where: str = "TRUE", params: list | None = None) -> list[Job]:
    with store.cursor() as cur:
        rows = cur.execute(f"SELECT {_COLUMNS} FROM jobs WHERE {where} ORDER BY job_id", params or []).fetchall()
    return [Job(*row) for row in rows]


def get(store: Store, job_id: int) -> Job:
    found = _jobs(store, "job_id = ?", [int(job_id)])
    if not found:
        raise NoSuchJob(f"no job {job_id}")
    return found[0]


def recent(store: Store, limit: int = 20) -> list[Job]:
    """The latest `limit` jobs, newest first."""
    return _jobs(store, "job_id > (SELECT coalesce(max(job_id), 0) FROM jobs) - ?", [int(limit)])[::-1]


def active(store: Store) -> list[Job]:
    """The jobs queued or running, oldest first."""
    return _jobs(store, "list_contains(?, state)", [list(ACTIVE)])


def latest(store: Store, task: str = "train") -> dict[str, Job]:
    """The newest job of each kind for `task`."""
    return {job.kind: job for job in _jobs(store, "task = ?", [task])}


def queue(store: Store, kind: str, quick: bool = False, requested_by: str | None = None, task: str = "train") -> Job:
    """Queue `task` for `kind`, or return its job already queued or running. AdminOnly through a
    coach's scoped store (models are shared by every team)."""
    if task not in TASKS:
        raise ValueError(f"a job's task is one of {', '.join(TASKS)}, not {task!r}")
    access.require_whole(store, f"the {kind} model was not queued: models are shared by every team, so only an "
                                "admin of this dashboard trains them")
    with store.transaction() as cur:
        running = fetch_one(cur, "SELECT job_id FROM jobs WHERE kind = ? AND task = ? AND list_contains(?, state)",
                            [kind, task, list(ACTIVE)])
        if running is None:
            job_id = next_id(cur, "jobs", "job_id")
            cur.execute(f"INSERT INTO jobs ({_COLUMNS}) VALUES (?, ?, ?, 'queued', 0, 0, '', ?, ?, NULL, NULL, "
                        "false, ?)", [job_id, kind, bool(quick), requested_by, clock.now(), task])
        else:
            job_id = running[0]
    return get(store, job_id)


def claim(store: Store) -> Job | None:
    """The oldest queued job, now running; None when none is queued."""
    with store.transaction() as cur:
        row = fetch_one(cur, "SELECT min(job_id) FROM jobs WHERE state = 'queued'")
        if row[0] is None:
            return None
        cur.execute("UPDATE jobs SET state = 'running', started_at = ? WHERE job_id = ?", [clock.now(), row[0]])
    return get(store, row[0])


def report(store: Store, job_id: int, step: int, total: int) -> None:
    """Record progress (the worker, on the whole database); JobCancelled when a cancel of the job
    was requested."""
    access.require_whole(store, "only the worker reports a job's progress")
    try:
        with store.cursor() as cur:
            cancel = fetch_one(cur, "UPDATE jobs SET step = ?, total = ? WHERE job_id = ? RETURNING cancel_requested",
                               [int(step), int(total), int(job_id)])
    except duckdb.TransactionException:    # a cancel wrote the row at the same moment: the next report reads it
        return
    if cancel and cancel[0]:
        raise JobCancelled(f"job {job_id} was cancelled")


def finish(store: Store, job_id: int, state: str, message: str = "") -> Job:
    """End a running job as done, failed or cancelled, with its one-line outcome."""
    if state not in STATES[2:]:
        raise ValueError(f"a job ends as done, failed or cancelled, not {state!r}")
    with store.transaction() as cur:
        cur.execute("UPDATE jobs SET state = ?, message = ?, ended_at = ? WHERE job_id = ?",
                    [state, message.splitlines()[0] if message else "", clock.now(), int(job_id)])
    return get(store, job_id)


def cancel(store: Store, job_id: int) -> Job:
    """Cancel a queued job at once, or ask the worker to stop a running one (at its next progress
    report). NoSuchJob when it has ended; AdminOnly through a coach's scoped store."""
    access.require_whole(store, "only an admin of this dashboard cancels training")
    with store.transaction() as cur:
        row = fetch_one(cur, "SELECT state FROM jobs WHERE job_id = ?", [int(job_id)])
        if row is None or row[0] not in ACTIVE:
            raise NoSuchJob(f"job {job_id} is not queued or running")
        if row[0] == "queued":
            cur.execute("UPDATE jobs SET state = 'cancelled', message = 'cancelled before it started', ended_at = ? "
                        "WHERE job_id = ?", [clock.now(), int(job_id)])
        else:
            cur.execute("UPDATE jobs SET cancel_requested = true WHERE job_id = ?", [int(job_id)])
    return get(store, job_id)


def fail_abandoned(store: Store) -> list[Job]:
    """Mark failed every job left running by a worker that died (called when a worker starts: one
    process holds the database, so no other worker can be running one)."""
    with store.transaction() as cur:
        ids = [r[0] for r in cur.execute("UPDATE jobs SET state = 'failed', message = ?, ended_at = ? "
                                         "WHERE state = 'running' RETURNING job_id",
                                         [ABANDONED, clock.now()]).fetchall()]
    return [get(store, i) for i in ids]
