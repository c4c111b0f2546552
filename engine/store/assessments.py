"""Stored fitness assessments (BMI class, probabilities, SHAP, deficiencies per battery and model
version) and biweekly reassessments (tables of migration 6). Validation is the caller's
(engine.fitness.assess); these functions only read and write, each write one transaction."""
from __future__ import annotations

import pandas as pd

from engine import clock
from engine.store.db import Store, insert_frame

ASSESSMENT_COLUMNS = ["athlete_id", "test_date", "model_version", "cutoffs", "predicted_class", "probabilities",
                      "shap", "deficiencies"]


def assessments(store: Store, model_version: int, cutoffs: str, athlete_id: int | None = None) -> pd.DataFrame:
    """Assessments made by one model version under one set of cut-offs, by athlete and test date."""
    return store.query(
        f"""SELECT {', '.join(ASSESSMENT_COLUMNS)}, assessed_at FROM fitness_assessments
            WHERE model_version = ? AND cutoffs = ? AND (CAST(? AS INTEGER) IS NULL OR athlete_id = ?)
            ORDER BY athlete_id, test_date""",
        [model_version, cutoffs, athlete_id, athlete_id])


def latest_deficiencies(store: Store, athlete_id: int) -> tuple[object, list[str]] | None:
    """(test_date, deficiencies weakest first) of the athlete's latest assessed battery, or None."""
    with store.cursor() as cur:
        row = cur.execute("SELECT test_date, deficiencies FROM fitness_assessments WHERE athlete_id = ? "
                          "ORDER BY test_date DESC, assessed_at DESC LIMIT 1", [athlete_id]).fetchone()
    return None if row is None else (row[0], list(row[1]))


def save_assessments(store: Store, rows: pd.DataFrame) -> None:
    """Insert or replace assessments (ASSESSMENT_COLUMNS)."""
    if rows.empty:
        return
    with store.transaction() as cur:
        insert_frame(cur, "fitness_assessments",
                     rows[ASSESSMENT_COLUMNS].assign(assessed_at=pd.Timestamp(clock.now())),
                     on_conflict="ON CONFLICT (athlete_id, test_date, model_version, cutoffs) DO UPDATE SET "
                                 "predicted_class = excluded.predicted_class, probabilities = excluded.probabilities, "
                                 "shap = excluded.shap, deficiencies = excluded.deficiencies, "
                                 "assessed_at = excluded.assessed_at")


def reassessments(store: Store, athlete_id: int) -> pd.DataFrame:
    """The athlete's stored reassessments, by test date and test."""
    return store.query("SELECT * EXCLUDE (athlete_id) FROM fitness_reassessments WHERE athlete_id = ? "
                       "ORDER BY test_date, test", [athlete_id])


def replace_reassessments(store: Store, athlete_id: int, rows: pd.DataFrame) -> None:
    """The athlete's reassessments become `rows` (columns of fitness_reassessments but athlete_id)."""
    with store.transaction() as cur:
        cur.execute("DELETE FROM fitness_reassessments WHERE athlete_id = ?", [athlete_id])
        if not rows.empty:
            insert_frame(cur, "fitness_reassessments",
                         rows.assign(athlete_id=athlete_id, assessed_at=pd.Timestamp(clock.now())))
