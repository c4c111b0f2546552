"""What the Strength & overload page asks of the overload kind: one athlete's next-session
prescription per exercise (with what-ifs), how far each model can be trusted on this athlete's
held-out weeks, SHAP for one exercise, and the 4-week split. Raises ModelNotTrained without a
registered model."""
from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd

from engine.models.contract import VERDICT_WORDS, ModelCard, verdict
from engine.models.registry import latest
from engine.overload import split as splits
from engine.overload.dataset import TARGETS, Graph, build, with_changes
from engine.overload.evaluate import METRICS, errors
from engine.overload.explain import explain
from engine.overload.model import BASELINES, GRAPH_MODELS, LEARNT, OverloadModel
from engine.store import queries
from engine.store.db import Store

KIND = "overload"
MIN_OWN_TEST_NODES = 5   # fewer held-out nodes of the athlete: pick the model by the squad's errors
DEFAULT_GAP_DAYS = 7.0   # days of rest before an exercise's next session when it has no history of gaps
CURRENT_WEEKS = 8        # an exercise last done this long before the athlete's latest session is not current
REST_STEP_S = 5.0        # prescribed rest is rounded to 5 s; weight to the equipment's step, reps to whole reps
_CACHE: dict = {}


def model(store: Store) -> tuple[OverloadModel, ModelCard]:
    """(fitted, card) of the latest overload model, loaded once per version."""
    return latest(store, KIND, OverloadModel.load)


def _per_data_version(store: Store, name: str, make, *args):
    """make(store, *args), computed once per data version."""
    key = (name, str(store.path), store.data_version(), *args)
    if key not in _CACHE:
        _CACHE[key] = make(store, *args)
    return _CACHE[key]


def athlete_graph(store: Store, athlete_id: int) -> Graph:
    """The athlete's exercise graph, built once per data version."""
    return _per_data_version(store, "graph", build, athlete_id)


def _catalog(store: Store) -> pd.DataFrame:
    return _per_data_version(store, "catalog", queries.exercises)


def latest_nodes(graph: Graph) -> np.ndarray:
    """Positions of each exercise's latest session node."""
    nodes = graph.nodes.assign(position=np.arange(len(graph.nodes)))
    return nodes.sort_values("start_time").groupby("exercise_id")["position"].last().to_numpy()


def with_what_if(graph: Graph, rpe: float | None = None, rest_days: float | None = None) -> Graph:
    """The graph with every exercise's latest session at `rpe` and `rest_days` before the next
    one (None: as logged; the gap defaults to the exercise's median gap)."""
    latest = latest_nodes(graph)
    gaps = graph.nodes.groupby("exercise_id")["gap_days"].median()
    default_gap = graph.nodes["exercise_id"].iloc[latest].map(gaps).fillna(DEFAULT_GAP_DAYS).to_numpy()
    graph = with_changes(graph, latest, gap_days=default_gap if rest_days is None else float(rest_days))
    return graph if rpe is None else with_changes(graph, latest, rpe=float(rpe))


def trust(fitted: OverloadModel, model_card: ModelCard, graph: Graph) -> pd.DataFrame:
    """Per model: its errors on this athlete's held-out weeks (own_*, NaN when none) and on the
    squad's (db_*, from the card), n_own (held-out nodes of this athlete), learnt (bool)."""
    test = graph.mask("test")
    observed = graph.nodes.loc[test, list(TARGETS.values())].to_numpy(dtype=float)
    squad = pd.DataFrame([asdict(m) for m in model_card.metrics if m.dataset == "db"])
    rows = []
    for name in [*LEARNT, *BASELINES]:
        own = errors(fitted.predict(graph, name)[test], observed) if test.any() else {}
        db = squad[squad["model"] == name].set_index("metric")["value"]
        rows.append({"model": name, "learnt": name in LEARNT, "n_own": int(test.sum()),
                     **{f"own_{m}": own.get(m, np.nan) for m in METRICS.values()},
                     **{f"db_{m}": float(db.get(m, np.nan)) for m in METRICS.values()}})
    return pd.DataFrame(rows)


def _athlete_trust(store: Store, version: int, athlete_id: int) -> pd.DataFrame:
    """trust() of the latest model (`version`, part of the cache key) on the athlete's graph: the
    what-ifs do not change it, so it is computed once per data and model version."""
    fitted, model_card = model(store)
    return trust(fitted, model_card, athlete_graph(store, athlete_id))


def best_model(trust_table: pd.DataFrame) -> tuple[str, str]:
    """(model, why): the lowest weight error on this athlete's held-out weeks, or on the squad's
    when the athlete has fewer than MIN_OWN_TEST_NODES held-out nodes."""
    metric = METRICS["weight"]
    own = trust_table["n_own"].iloc[0] >= MIN_OWN_TEST_NODES and trust_table[f"own_{metric}"].notna().all()
    column = f"own_{metric}" if own else f"db_{metric}"
    best = trust_table.sort_values([column, "learnt"], ascending=[True, False]).iloc[0]
    where = (f"this athlete's last weeks ({best['n_own']} held-out sessions)" if own
             else "the squad's held-out weeks (this athlete has too few of their own)")
    return str(best["model"]), f"lowest weight error on {where}: {best[column]:.2f} kg"


def strong_sample_notes(store: Store) -> list[str]:
    """One line on how GraphSAGE did on the real Strong export against repeating the last session
    (the card's strong_sample rows); none when the card has no such rows."""
    _, model_card = model(store)
    rows = {m.model: m for m in model_card.results()
            if m.dataset == "strong_sample" and m.metric == METRICS["weight"]}
    if "graphsage" not in rows or "repeat_last" not in rows:
        return []
    n_test = model_card.full.details["strong_sample"]["n_test"]
    words = VERDICT_WORDS[verdict(rows["graphsage"], rows["repeat_last"], lower_is_better=True)]
    return [f"On a real Strong export (one lifter, {n_test} held-out sessions), GraphSAGE {words} repeating the "
            f"last session: {rows['graphsage'].value:.2f} kg against {rows['repeat_last'].value:.2f} kg weight error."]


@dataclass(frozen=True)
class Prescription:
    """table: per exercise (latest first) exercise_id, exercise, last_day, last_weight_kg, last_reps,
    last_rest_s, rpe, weight_kg, reps, rest_s (the chosen model, rounded to the equipment's weight
    step, whole reps and REST_STEP_S), rule_weight_kg, rule_reps,
    rule_rest_s, current (done in the CURRENT_WEEKS before the athlete's latest session), node (its
    position in `graph`). graph: the athlete's graph with the what-ifs."""
    table: pd.DataFrame
    model: str
    why: str
    trust: pd.DataFrame
    graph: Graph


def prescribe(store: Store, athlete_id: int, rpe: float | None = None, rest_days: float | None = None) -> Prescription:
    """The next session of every exercise the athlete has done, by the model that has done best on
    their held-out weeks, with the rule and the last session beside it."""
    fitted, model_card = model(store)
    graph = athlete_graph(store, athlete_id)
    table = _per_data_version(store, "trust", _athlete_trust, model_card.version, athlete_id)
    chosen, why = best_model(table)
    what_if = with_what_if(graph, rpe, rest_days)
    latest = latest_nodes(what_if)
    nodes = what_if.nodes.iloc[latest]
    predicted, ruled = fitted.predict(what_if, chosen)[latest], fitted.predict(what_if, "rule")[latest]
    catalog = _catalog(store).set_index("exercise_id")
    step_kg = nodes["exercise_id"].map(catalog["equipment"]).map(splits.rounding_step_kg).to_numpy()
    names = catalog["name"]
    out = pd.DataFrame({
        "exercise_id": nodes["exercise_id"].to_numpy(), "exercise": nodes["exercise_id"].map(names).to_numpy(),
        "last_day": nodes["day"].to_numpy(), "last_weight_kg": nodes["top_weight_kg"].to_numpy(),
        "last_reps": nodes["top_reps"].to_numpy(), "last_rest_s": nodes["rest_s"].to_numpy(),
        "rpe": nodes["rpe"].to_numpy(),
        "weight_kg": step_kg * np.round(predicted[:, 0] / step_kg), "reps": np.maximum(np.round(predicted[:, 1]), 1),
        "rest_s": REST_STEP_S * np.round(predicted[:, 2] / REST_STEP_S),
        "rule_weight_kg": ruled[:, 0], "rule_reps": ruled[:, 1], "rule_rest_s": ruled[:, 2], "node": latest,
    })
    out["rest_s"] = out["rest_s"].where(out["last_rest_s"].notna())  # no rest logged: none predicted
    out["current"] = out["last_day"] >= out["last_day"].max() - pd.Timedelta(weeks=CURRENT_WEEKS)
    out = out.sort_values(["last_day", "exercise"], ascending=[False, True], ignore_index=True)
    return Prescription(out, chosen, why, table, what_if)


def explain_exercise(store: Store, prescription: Prescription, exercise_id: str) -> tuple[pd.DataFrame, str]:
    """(SHAP of the predicted weight change for the exercise's latest session, the graph model it
    explains: the prescribing model when it is a graph model, else graphsage)."""
    fitted, _ = model(store)
    explained = prescription.model if prescription.model in GRAPH_MODELS else "graphsage"
    node = prescription.table.set_index("exercise_id").loc[exercise_id, "node"]
    return explain(fitted, prescription.graph, int(node), explained), explained


def split_plan(store: Store, prescription: Prescription, days_per_week: int, first_day: dt.date) -> pd.DataFrame:
    """The 4-week split (engine.overload.split) from the athlete's current exercises' history and
    this prescription."""
    current = prescription.table[prescription.table["current"]]
    history = prescription.graph.nodes[["exercise_id", "day", "sets", "top_weight_kg", "top_reps", "rest_s"]]
    history = history[history["exercise_id"].isin(current["exercise_id"])]
    return splits.generate_split(history, current[["exercise_id", "weight_kg", "reps", "rest_s"]],
                                 _catalog(store), days_per_week, first_day)
