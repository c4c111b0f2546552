"""The command line: python -m engine <import|demo|train|evaluate|export> ..."""
from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
from pathlib import Path


def _cmd_import(args: argparse.Namespace) -> int:
    from engine.store.imports import ImportResult, import_files

    store = _open(args.db)
    paths = [Path(name) for name in args.paths]
    missing = [p for p in paths if not p.is_file()]
    for path in missing:
        print(ImportResult(path.name, "rejected", message="no such file").line())
    files = [(p.name, p.read_bytes()) for p in paths if p.is_file()]
    results = import_files(store, files, athlete=args.athlete, create=args.create, weight_unit=args.weight_unit,
                           workers=min(os.cpu_count() or 1, len(files), args.workers),
                           on_result=lambda _, result: print(result.line(), flush=True))
    return 1 if missing or any(r.status == "rejected" for r in results) else 0


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


def _cmd_train(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from engine.models.kinds import expand, trainer
    from engine.models.registry import NotEnoughData

    store = _open(args.db)
    rows = []
    for kind in expand(args.kind):
        with tqdm(desc=f"train {kind}", unit="epoch", leave=False) as bar:
            def progress(step: int, total: int) -> None:
                bar.total = total
                bar.update(step - bar.n)
            try:
                version, results = trainer(kind).train(store, quick=args.quick, progress=progress)
            except NotEnoughData as err:
                print(f"train {kind}: {err}", file=sys.stderr)
                return 1
        rows += [(kind, version, r.dataset, r.model, r.metric, r.value) for r in results
                 if r.metric == trainer(kind).HEADLINE]
    print(f"{'kind':<12} {'version':>7}  {'dataset':<14} {'model':<20} {'metric':<14} value")
    for kind, version, dataset, model, metric, value in rows:
        print(f"{kind:<12} {version:>7}  {dataset:<14} {model:<20} {metric:<14} {value:.3f}")
    return 0


def _cmd_evaluate(args: argparse.Namespace) -> int:
    import json

    from engine.models.kinds import expand, trainer
    from engine.models.registry import ModelNotTrained

    store = _open(args.db)
    try:
        objects = [trainer(kind).evaluate_json(store) for kind in expand(args.kind)]
    except ModelNotTrained as err:
        print(f"evaluate: {err}", file=sys.stderr)
        return 1
    out = objects[0] if args.kind != "all" else {"kinds": objects}
    print(json.dumps(out) if args.json else json.dumps(out, indent=2))
    return 0


def _cmd_export(args: argparse.Namespace) -> int:
    from engine.models.kinds import expand, trainer
    from engine.models.onnx_export import parity_text, passes
    from engine.models.registry import ModelNotTrained

    store = _open(args.db)
    failed = False
    for kind in expand(args.kind):
        try:
            records = trainer(kind).export(store, Path(args.out))
        except ModelNotTrained as err:
            print(f"export: {err}", file=sys.stderr)
            return 1
        for r in records:
            failed |= not passes(r)
            print(f"{kind}/{r['model']}.onnx\t{parity_text(r)}")
    return 1 if failed else 0


def _open(path):
    """The store, or SystemExit(2) with one line when another process holds the file."""
    import duckdb

    from engine.store.db import db_path, open_store

    try:
        return open_store(path)
    except duckdb.IOException as err:
        raise SystemExit(f"cannot open {db_path(path)}: {str(err).splitlines()[0]} "
                         "(is the app running on it? stop it, or pass --db)") from err


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
    train.set_defaults(func=_cmd_train)

    evaluate = sub.add_parser("evaluate", help="evaluate the latest registered model against its baselines")
    evaluate.add_argument("kind", choices=kinds)
    evaluate.add_argument("--db", help="database file (default $COACH_DB or data/coach.duckdb)")
    evaluate.add_argument("--json", action="store_true", help="one JSON object on one line (DESIGN.md contract)")
    evaluate.set_defaults(func=_cmd_evaluate)

    export = sub.add_parser("export", help="export the latest model of a kind to ONNX with a parity check")
    export.add_argument("kind", choices=kinds)
    export.add_argument("--out", required=True, help="directory: writes OUT/<kind>/<model>.onnx, .card.json, "
                                                     ".parity.json")
    export.add_argument("--db", help="database file (default $COACH_DB or data/coach.duckdb)")
    export.set_defaults(func=_cmd_export)

    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
