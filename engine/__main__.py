"""The command line: python -m engine <import|demo|train|queue|worker|evaluate|export|backup|restore|coach> ..."""
from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
from pathlib import Path


def _cmd_import(args: argparse.Namespace) -> int:
    from engine.ingest.common import RejectedFile
    from engine.store.imports import ImportResult, import_files, read_upload, reject

    store = _open(args.db)
    paths = [Path(name) for name in args.paths]
    missing = [p for p in paths if not p.is_file()]
    for path in missing:
        print(ImportResult(path.name, "rejected", message="no such file").line())
    files, refused = [], []
    for path in (p for p in paths if p.is_file()):
        try:
            files.append((path.name, read_upload(path)))  # the size is checked before the file is read
        except RejectedFile as err:  # too large or unreadable: logged as rejected, never read
            refused.append(reject(store, path.name, str(err)))
            print(refused[-1].line(), flush=True)
    results = import_files(store, files, athlete=args.athlete, create=args.create, weight_unit=args.weight_unit,
                           workers=min(os.cpu_count() or 1, len(files), args.workers),
                           on_result=lambda _, result: print(result.line(), flush=True))
    return 1 if missing or refused or any(r.status == "rejected" for r in results) else 0


def _cmd_demo(args: argparse.Namespace) -> int:
    from engine.demo import DemoConfig, write_demo

    store = _open(args.db)
    cfg = DemoConfig(athletes=args.athletes, weeks=args.weeks, seed=args.seed, end_date=args.end_date)
    try:
        counts = write_demo(store, cfg)
    except ValueError as err:
        print(f"demo: {err}", file=sys.stderr)
        return 1
    print(f"demo squad written to {store.path}: " + ", ".join(f"{v} {k}" for k, v in counts.items()))
    return 0


class _Bar:
    """A tqdm bar shown from the first progress(step, total) call (none when work fails before)."""

    def __init__(self, desc: str):
        self.desc, self.bar = desc, None

    def __call__(self, step: int, total: int) -> None:
        if self.bar is None:
            from tqdm import tqdm

            self.bar = tqdm(desc=self.desc, unit="step", leave=False)
        self.bar.total = total
        self.bar.update(step - self.bar.n)

    def __enter__(self) -> _Bar:
        return self

    def __exit__(self, *exc) -> None:
        if self.bar is not None:
            self.bar.close()


def _cmd_train(args: argparse.Namespace) -> int:
    from engine.models import driver
    from engine.models.kinds import expand
    from engine.models.registry import NotEnoughData

    store = _open(args.db)
    rows, later = [], []
    for kind in expand(args.kind):
        try:
            with _Bar(f"train {kind}") as progress:
                card = driver.train(store, kind, quick=args.quick, progress=progress)
            if args.full:
                with _Bar(f"evaluate {kind} --full") as progress:
                    card = driver.evaluate_full(store, kind, card.version, progress)
        except NotEnoughData as err:
            print(f"train {kind}: {err}", file=sys.stderr)
            return 1
        if card.full is None:
            later.append(kind)
        rows += [(kind, card.version, r) for r in card.results() if r.metric == card.headline_metric]
    print(f"{'kind':<12} {'version':>7}  {'dataset':<14} {'model':<20} {'metric':<14} value")
    for kind, version, r in rows:
        spread = f" ± {r.sd:.3f} ({r.n_runs} runs)" if r.sd is not None else ""
        print(f"{kind:<12} {version:>7}  {r.dataset:<14} {r.model:<20} {r.metric:<14} {r.value:.3f}{spread}")
    if later:
        print(f"not yet evaluated in full (seeds, folds, other datasets): {', '.join(later)}; run "
              f"`python -m engine evaluate KIND --full`, or train with --full")
    return 0


def _cmd_queue(args: argparse.Namespace) -> int:
    from engine.models.worker import queue_all, submit

    store = _open(args.db)
    for job in queue_all(store, args.quick) if args.kind == "all" else [submit(store, args.kind, args.quick)]:
        print(f"job {job.job_id}: {job.line(job.queued_at)}")
    return 0


def _cmd_worker(args: argparse.Namespace) -> int:
    from engine import clock
    from engine.models.worker import lower_priority, work

    store = _open(args.db)
    print(f"worker on {store.path}", flush=True)
    lower_priority()
    ended = work(store, once=args.once,
                 on_progress=lambda job: print(f"job {job.job_id}: {job.line(clock.now())}", flush=True))
    for job in ended:
        print(f"job {job.job_id}: {job.line(clock.now())}", flush=True)
    return 1 if any(job.state == "failed" for job in ended) else 0


def _cmd_evaluate(args: argparse.Namespace) -> int:
    import json

    from engine.models import driver
    from engine.models.kinds import expand
    from engine.models.registry import ModelNotTrained, NotEnoughData

    store = _open(args.db)
    objects = []
    try:
        for kind in expand(args.kind):
            if args.full:
                with _Bar(f"evaluate {kind} --full") as progress:
                    driver.evaluate_full(store, kind, progress=progress)
            objects.append(driver.evaluate_json(store, kind))
    except (ModelNotTrained, NotEnoughData) as err:
        print(f"evaluate: {err}", file=sys.stderr)
        return 1
    out = objects[0] if args.kind != "all" else {"kinds": objects}
    print(json.dumps(out) if args.json else json.dumps(out, indent=2))
    return 0


def _cmd_export(args: argparse.Namespace) -> int:
    from engine.models import driver
    from engine.models.kinds import expand
    from engine.models.onnx_export import parity_text, passes
    from engine.models.registry import ModelNotTrained, NotEnoughData

    store = _open(args.db)
    failed = False
    for kind in expand(args.kind):
        try:
            records = driver.export(store, kind, Path(args.out))
        except (ModelNotTrained, NotEnoughData) as err:
            print(f"export: {err}", file=sys.stderr)
            return 1
        for r in records:
            failed |= not passes(r)
            print(f"{kind}/{r['model']}.onnx\t{parity_text(r)}")
    return 1 if failed else 0


def _cmd_backup(args: argparse.Namespace) -> int:
    from engine.store.backup import BackupError, backup_file
    from engine.store.db import db_path

    try:
        info = backup_file(args.db, args.out)
    except BackupError as err:
        print(f"backup: {err}", file=sys.stderr)
        return 1
    rows = sum(info.table_rows.values())
    print(f"backup of {db_path(args.db)} written to {info.path} ({info.size_bytes / 2**20:.1f} MB): schema version "
          f"{info.schema_version}, {len(info.table_rows)} tables ({rows} rows), {len(info.views)} views")
    return 0


def _cmd_restore(args: argparse.Namespace) -> int:
    from engine.store.backup import BackupError, restore

    try:
        info = restore(args.file, args.db, force=args.force)
    except BackupError as err:
        print(f"restore: {err}", file=sys.stderr)
        return 1
    upgraded = (f", migrated from schema version {info.backup_schema_version}"
                if info.backup_schema_version < info.schema_version else "")
    print(f"restored {args.file} into {info.path}: schema version {info.schema_version}{upgraded}, "
          f"{sum(info.table_rows.values())} rows in {len(info.table_rows)} tables")
    return 0


def _open(path):
    """The store, or SystemExit(2) with one line when another process holds the file."""
    import duckdb

    from engine.store.db import db_path, open_store

    try:
        return open_store(path)
    except duckdb.IOException as err:
        raise SystemExit(f"cannot open {db_path(path)}: {str(err).splitlines()[0]} "
                         "(is the app running on it? stop it, or pass --db)") from err


def _cmd_coach(args: argparse.Namespace) -> int:
    """Hosted mode's coaches: who may log in, and which teams each sees (README, "Hosted mode")."""
    from engine.store import access
    from engine.store.db import Store

    store = Store(args.db)
    try:
        if args.action == "add":
            teams = [t for t in (args.teams or "").split(",") if t.strip()]
            if not teams and not args.admin:
                print("coach: give --teams or --admin", file=sys.stderr)
                return 2
            access.add_coach(store, args.email, teams, admin=args.admin)
            print(f"{args.email.strip().lower()}: " + ("admin, every team" if args.admin else ", ".join(teams)))
        else:
            print(access.coaches(store).to_string(index=False))
        return 0
    except access.AccessDenied as err:
        print(f"coach: {err}", file=sys.stderr)
        return 1
    finally:
        store.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m engine", description="Coach dashboard engine")
    sub = parser.add_subparsers(dest="command", required=True)

    from engine.ingest.formats import FORMATS

    formats = "; ".join(f"{f.kind}: {f.label}" for f in FORMATS)
    imp = sub.add_parser("import", help="import activity, strength, fitness-test or wellness files",
                         description=f"Import files; the format is read from each file's content ({formats}).")
    imp.add_argument("paths", nargs="+", metavar="PATH")
    imp.add_argument("--athlete", help="athlete name (fitness/wellness files may name athletes themselves)")
    imp.add_argument("--create", action="store_true", help="create athletes that do not exist yet")
    imp.add_argument("--weight-unit", choices=["kg", "lb"], default="kg", help="unit of Strong exports (default kg)")
    imp.add_argument("--db", help="database file (default $COACH_DB or data/coach.duckdb)")
    imp.add_argument("--workers", type=int, default=2, help="processes that parse files in parallel (default 2)")
    imp.set_defaults(func=_cmd_import)

    demo = sub.add_parser("demo", help="build the demo squad into an empty database")
    demo.add_argument("--db", help="database file (default $COACH_DB or data/coach.duckdb)")
    demo.add_argument("--athletes", type=int, default=24)
    demo.add_argument("--weeks", type=int, default=16)
    demo.add_argument("--seed", type=int, default=7)
    demo.add_argument("--end-date", type=dt.date.fromisoformat, default=None,
                      help="last day of the demo data, YYYY-MM-DD (default yesterday)")
    demo.set_defaults(func=_cmd_demo)

    from engine.models.kinds import KINDS

    kinds = [*KINDS, "all"]
    train = sub.add_parser("train", help="train a model kind (or all), evaluate it on held-out data, register it")
    train.add_argument("kind", choices=kinds)
    train.add_argument("--db", help="database file (default $COACH_DB or data/coach.duckdb)")
    train.add_argument("--quick", action="store_true", help="fewer trees and epochs (for a smoke run)")
    train.add_argument("--full", action="store_true", help="then run the full evaluation (evaluate KIND --full)")
    train.set_defaults(func=_cmd_train)

    queue = sub.add_parser("queue", help="queue training a model kind (or all) for the worker")
    queue.add_argument("kind", choices=kinds)
    queue.add_argument("--db", help="database file (default $COACH_DB or data/coach.duckdb)")
    queue.add_argument("--quick", action="store_true", help="fewer trees and epochs (for a smoke run)")
    queue.set_defaults(func=_cmd_queue)

    worker = sub.add_parser("worker", help="run the queued training jobs (the app runs its own worker: use this "
                                           "where no app serves the database)")
    worker.add_argument("--db", help="database file (default $COACH_DB or data/coach.duckdb)")
    worker.add_argument("--once", action="store_true", help="stop when no job is queued")
    worker.set_defaults(func=_cmd_worker)

    evaluate = sub.add_parser("evaluate", help="evaluate the latest registered model against its baselines")
    evaluate.add_argument("kind", choices=kinds)
    evaluate.add_argument("--db", help="database file (default $COACH_DB or data/coach.duckdb)")
    evaluate.add_argument("--json", action="store_true", help="one JSON object on one line (DESIGN.md contract)")
    evaluate.add_argument("--full", action="store_true", help="first run the long evaluation (folds, ablations, "
                                                              "other datasets) and add it to the model card")
    evaluate.set_defaults(func=_cmd_evaluate)

    export = sub.add_parser("export", help="export the latest model of a kind to ONNX with a parity check")
    export.add_argument("kind", choices=kinds)
    export.add_argument("--out", required=True, help="directory: writes OUT/<kind>/<model>.onnx, .card.json, "
                                                     ".parity.json")
    export.add_argument("--db", help="database file (default $COACH_DB or data/coach.duckdb)")
    export.set_defaults(func=_cmd_export)

    backup = sub.add_parser("backup", help="back up the whole database into one .zip file",
                            description="Write the database (every table, the schema version and the views) "
                                        "into a new zip archive: DuckDB's EXPORT DATABASE as Parquet, with a "
                                        "manifest. The database must not be open in the app.")
    backup.add_argument("--out", required=True, metavar="FILE", help="the backup file to write (e.g. coach.zip); "
                                                                     "an existing file is never overwritten")
    backup.add_argument("--db", help="database file (default $COACH_DB or data/coach.duckdb)")
    backup.set_defaults(func=_cmd_backup)

    restore = sub.add_parser("restore", help="restore a backup into an empty database (or --force)",
                             description="Restore a file written by `backup` and migrate it to the current "
                                         "schema. A database that holds data is only replaced with --force.")
    restore.add_argument("file", metavar="FILE", help="the backup file")
    restore.add_argument("--db", help="database file (default $COACH_DB or data/coach.duckdb)")
    restore.add_argument("--force", action="store_true", help="replace a database that holds data")
    restore.set_defaults(func=_cmd_restore)

    coach = sub.add_parser("coach", help="hosted mode: add or list the coaches who may log in")
    coach.add_argument("action", choices=["add", "list"])
    coach.add_argument("email", nargs="?", help="the login's e-mail (add)")
    coach.add_argument("--teams", help="comma-separated teams this coach sees")
    coach.add_argument("--admin", action="store_true", help="sees and may change every team")
    coach.add_argument("--db", help="database file (default $COACH_DB or data/coach.duckdb)")
    coach.set_defaults(func=_cmd_coach)

    args = parser.parse_args(argv)
    if args.command == "coach" and args.action == "add" and not args.email:
        parser.error("coach add needs an e-mail")
    return args.func(args)


if __name__ == "__main__":
    code = main()
    from engine.store.db import close_shared

    close_shared()      # DuckDB's connection closed before the interpreter ends (no leak report)
    sys.exit(code)
