"""The command line: python -m engine <import|demo> ..."""
from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path


def _cmd_import(args: argparse.Namespace) -> int:
    from engine.store.db import open_store
    from engine.store.imports import ImportResult, import_file

    store = open_store(args.db)
    rejected = 0
    for name in args.paths:
        path = Path(name)
        if not path.is_file():
            result = ImportResult(path.name, "rejected", message="no such file")
        else:
            result = import_file(store, path.name, path.read_bytes(), athlete=args.athlete,
                                 create=args.create, weight_unit=args.weight_unit)
        rejected += result.status == "rejected"
        print(result.line())
    return 1 if rejected else 0


def _cmd_demo(args: argparse.Namespace) -> int:
    from engine.demo import DemoConfig, write_demo
    from engine.store.db import open_store

    store = open_store(args.db)
    cfg = DemoConfig(athletes=args.athletes, weeks=args.weeks, seed=args.seed, end_date=args.end_date)
    try:
        counts = write_demo(store, cfg)
    except ValueError as err:
        print(f"demo: {err}", file=sys.stderr)
        return 1
    print(f"demo squad written to {store.path}: " + ", ".join(f"{v} {k}" for k, v in counts.items()))
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m engine", description="Coach dashboard engine")
    sub = parser.add_subparsers(dest="command", required=True)

    imp = sub.add_parser("import", help="import FIT/GPX/TCX runs and strength, fitness-test or wellness CSVs")
    imp.add_argument("paths", nargs="+", metavar="PATH")
    imp.add_argument("--athlete", help="athlete name (fitness/wellness files may name athletes themselves)")
    imp.add_argument("--create", action="store_true", help="create athletes that do not exist yet")
    imp.add_argument("--weight-unit", choices=["kg", "lb"], default="kg", help="unit of Strong exports (default kg)")
    imp.add_argument("--db", help="database file (default $COACH_DB or data/coach.duckdb)")
    imp.set_defaults(func=_cmd_import)

    demo = sub.add_parser("demo", help="build the demo squad into an empty database")
    demo.add_argument("--db", help="database file (default $COACH_DB or data/coach.duckdb)")
    demo.add_argument("--athletes", type=int, default=24)
    demo.add_argument("--weeks", type=int, default=16)
    demo.add_argument("--seed", type=int, default=7)
    demo.add_argument("--end-date", type=dt.date.fromisoformat, default=None,
                      help="last day of the demo data, YYYY-MM-DD (default yesterday)")
    demo.set_defaults(func=_cmd_demo)

    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
