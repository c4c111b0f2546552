"""Demo squad: generate (engine.demo.generator) and write it into a database."""
from __future__ import annotations

from engine.demo.generator import DemoConfig, DemoData, build_demo
from engine.store.db import Store, fetch_one, insert_frame
from engine.store.imports import log_import

__all__ = ["DemoConfig", "DemoData", "build_demo", "write_demo"]

_TABLES = ["athletes", "activities", "samples", "strength_sets", "fitness_tests", "wellness", "planned_days"]


def write_demo(store: Store, cfg: DemoConfig) -> dict[str, int]:
    """Build the demo squad and write it in one transaction; refuses a database with athletes."""
    with store.cursor() as cur:
        existing = fetch_one(cur, "SELECT count(*) FROM athletes")[0]
    if existing:
        raise ValueError(f"{store.path} already holds {existing} athletes: the demo needs an empty database")
    data = build_demo(cfg)
    with store.transaction() as cur:
        total = sum(len(getattr(data, t)) for t in _TABLES)
        import_id = log_import(cur, "demo squad", f"demo-seed-{cfg.seed}", "demo", "imported", total, total,
                               f"{cfg.athletes} athletes x {cfg.weeks} weeks, seed {cfg.seed}")
        frames = {t: getattr(data, t) for t in _TABLES} | {"fitness_cohort": data.cohort}
        for t in ["activities", "strength_sets", "fitness_tests", "wellness"]:
            frames[t] = frames[t].assign(import_id=import_id)
        for table, frame in frames.items():
            insert_frame(cur, table, frame)
    return {t: len(getattr(data, t)) for t in [*_TABLES, "cohort"]}
