"""The exercise graph of the overload kind (research/anchors.md, "GNN workout optimiser", without
its seven flaws).

Nodes: one per athlete-exercise-session, with FEATURES. Targets are observed, never a rule: the
top-set weight, its reps and the mean rest of the athlete's next session of that exercise.
Edges, one set per relation (RELATIONS), as (2, E) arrays of source -> target node positions:
- "muscle": two exercises of one session that share a primary muscle, both directions;
- "order": consecutive exercises of one session (fatigue carries over), both directions;
- "next": an exercise's previous session -> this one. Forward only: the backward edge would send
  the next session's weight, the target, into the node (flaw 1 of the original).
So a node only hears from its own session and from the past.

Split per athlete by time: the last TEST_DAYS before the athlete's last session are the test
weeks, the VAL_DAYS before them the validation weeks (early stopping), the rest training. A
labelled node's next session must lie in its own part, so no label looks into a later part.
Training graphs are induced on the nodes before the test weeks: test nodes never pass a message
in training, and the scalers never see them.
"""
from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from engine.load.strength import exercise_sessions
from engine.store import queries
from engine.store.db import Store

RELATIONS = ["muscle", "order", "next"]
TEST_DAYS = 14   # each athlete's last 2 weeks are held out (issue #11)
VAL_DAYS = 14    # the 2 weeks before them stop the training early
FEATURES = ["sets", "top_reps", "top_weight_kg", "rest_s", "rpe", "intensity_pct", "days_since_last",
            "volume_kg", "session_load_au", "week_load_au", "monotony", "strain",
            "compound", "force_push", "force_pull", "force_static", "gap_days"]
FEATURE_UNITS = {"sets": "sets", "top_reps": "reps", "top_weight_kg": "kg", "rest_s": "s (mean between sets)",
                 "rpe": "RPE 0-10 (10 - RIR when only RIR is logged)",
                 "intensity_pct": "% of the best e1RM so far (Epley)", "days_since_last": "days",
                 "volume_kg": "kg (weight x reps)", "session_load_au": "a.u. (the day's load)",
                 "week_load_au": "a.u. (7 days to this one)", "monotony": "mean / SD of 7 daily loads",
                 "strain": "a.u. (weekly load x monotony)", "compound": "0/1", "force_push": "0/1",
                 "force_pull": "0/1", "force_static": "0/1", "gap_days": "days until the next session of it"}
FEATURE_LABELS = {"sets": "Sets", "top_reps": "Reps (top set)", "top_weight_kg": "Weight (top set)",
                  "rest_s": "Rest", "rpe": "RPE", "intensity_pct": "Intensity (% e1RM)",
                  "days_since_last": "Days since last", "volume_kg": "Volume", "session_load_au": "Day's load",
                  "week_load_au": "Weekly load", "monotony": "Monotony", "strain": "Strain",
                  "compound": "Compound", "force_push": "Push", "force_pull": "Pull", "force_static": "Static",
                  "gap_days": "Days of rest before next"}
LOAD_FEATURES = ["session_load_au", "week_load_au", "monotony", "strain"]  # the original's claimed top drivers
CURRENT = {"weight": "top_weight_kg", "reps": "top_reps", "rest": "rest_s"}   # target -> this session's value
TARGETS = {"weight": "next_weight_kg", "reps": "next_reps", "rest": "next_rest_s"}
ROLES = ("train", "val", "test")


@dataclass(frozen=True)
class Graph:
    """nodes: one row per node (position = node index): athlete_id, exercise_id, session_id, day,
    primary_muscles, FEATURES, TARGETS, next_day, part (train/val/test), labelled.
    edges: relation -> int64 (2, E) source and target positions."""
    nodes: pd.DataFrame
    edges: dict[str, np.ndarray]

    def subgraph(self, keep: np.ndarray) -> "Graph":
        """The graph induced on the nodes where `keep` (bool per node) is true, renumbered."""
        keep = np.asarray(keep, dtype=bool)
        new_index = np.full(len(keep), -1)
        new_index[keep] = np.arange(keep.sum())
        edges = {}
        for relation, e in self.edges.items():
            both = keep[e[0]] & keep[e[1]]
            edges[relation] = new_index[e[:, both]]
        return Graph(self.nodes[keep].reset_index(drop=True), edges)

    def mask(self, part: str) -> np.ndarray:
        """Labelled nodes of a part (train, val or test)."""
        return (self.nodes["part"] == part).to_numpy() & self.nodes["labelled"].to_numpy()

    def before_test(self) -> "Graph":
        """The training graph: every node before the test weeks."""
        return self.subgraph((self.nodes["part"] != "test").to_numpy())


def node_frame(sets: pd.DataFrame, catalog: pd.DataFrame, daily: pd.DataFrame) -> pd.DataFrame:
    """Nodes (without part/labelled) from working sets (queries.working_sets_by_session), the
    exercise catalog and daily load metrics (athlete_id, day, load_au, monotony, strain; one row
    per calendar day, rest days included, as engine.load.report.daily_metrics gives them).
    gap_days is the logged gap to the next session: at prescription time the planned one."""
    s = exercise_sessions(sets)
    s["day"] = s["start_time"].dt.normalize()
    by = s.groupby(["athlete_id", "exercise_id"], sort=False)
    nxt = by[["top_weight_kg", "top_reps", "rest_s", "day"]].shift(-1)
    s["next_weight_kg"], s["next_reps"], s["next_rest_s"], s["next_day"] = (
        nxt["top_weight_kg"], nxt["top_reps"], nxt["rest_s"], nxt["day"])
    s["rpe"] = s["rpe"].fillna(10 - s["rir"])
    best_e1rm = by["e1rm_kg"].cummax()
    s["intensity_pct"] = 100 * s["top_weight_kg"] / best_e1rm.where(best_e1rm > 0)
    s["days_since_last"] = (s["start_time"] - by["start_time"].shift(1)).dt.total_seconds() / 86_400
    s["gap_days"] = (s["next_day"] - s["day"]).dt.days.astype(float)
    load = daily.assign(day=pd.to_datetime(daily["day"])).sort_values(["athlete_id", "day"])
    load["week_load_au"] = load.groupby("athlete_id")["load_au"].transform(lambda x: x.rolling(7, min_periods=1).sum())
    load = load.rename(columns={"load_au": "session_load_au"})
    s = s.merge(load[["athlete_id", "day", "session_load_au", "week_load_au", "monotony", "strain"]],
                on=["athlete_id", "day"], how="left")
    s["compound"] = np.where(s["mechanic"].isna(), np.nan, (s["mechanic"] == "compound").astype(float))
    for force in ("push", "pull", "static"):
        s[f"force_{force}"] = (s["force"] == force).astype(float)
    muscles = catalog.set_index("exercise_id")["primary_muscles"]
    s["primary_muscles"] = s["exercise_id"].map(muscles).apply(  # an exercise missing from `catalog`: none
        lambda m: list(m) if isinstance(m, (list, np.ndarray)) else [])
    return s.sort_values(["athlete_id", "start_time", "entry_no"], ignore_index=True)


def edges(nodes: pd.DataFrame) -> dict[str, np.ndarray]:
    """The three relations over `nodes` (positions as in the frame); see the module docstring."""
    position = np.arange(len(nodes))
    frame = nodes[["session_id", "exercise_id", "athlete_id", "start_time", "entry_no"]].assign(pos=position)
    ordered = frame.sort_values(["session_id", "entry_no"])
    same = ordered["session_id"].to_numpy()
    pos = ordered["pos"].to_numpy()
    follows = same[1:] == same[:-1]
    order = np.stack([pos[:-1][follows], pos[1:][follows]])
    muscle_pairs = (frame[["session_id", "pos"]].assign(muscle=nodes["primary_muscles"]).explode("muscle")
                    .dropna(subset=["muscle"]))
    pairs = muscle_pairs.merge(muscle_pairs, on=["session_id", "muscle"])
    pairs = pairs[pairs["pos_x"] != pairs["pos_y"]][["pos_x", "pos_y"]].drop_duplicates()
    muscle = pairs.to_numpy().T.reshape(2, -1)
    timeline = frame.sort_values(["athlete_id", "exercise_id", "start_time"])
    same_exercise = ((timeline["athlete_id"].to_numpy()[1:] == timeline["athlete_id"].to_numpy()[:-1])
                     & (timeline["exercise_id"].to_numpy()[1:] == timeline["exercise_id"].to_numpy()[:-1]))
    tpos = timeline["pos"].to_numpy()
    succession = np.stack([tpos[:-1][same_exercise], tpos[1:][same_exercise]])
    return {"muscle": muscle.astype(np.int64),
            "order": np.concatenate([order, order[::-1]], axis=1).astype(np.int64),
            "next": succession.astype(np.int64)}


def assign_parts(nodes: pd.DataFrame) -> pd.DataFrame:
    """part (train/val/test) by each athlete's last session day, and labelled (a next session
    exists and lies in the node's own part)."""
    last = nodes.groupby("athlete_id")["day"].transform("max")
    test_start = last - pd.Timedelta(days=TEST_DAYS - 1)
    val_start = test_start - pd.Timedelta(days=VAL_DAYS)
    part = np.select([nodes["day"] >= test_start, nodes["day"] >= val_start], ["test", "val"], "train")
    part_end = np.select([part == "test", part == "val"], [pd.NaT, test_start], val_start)
    part_end = pd.to_datetime(pd.Series(part_end, index=nodes.index))
    labelled = nodes["next_weight_kg"].notna() & (part_end.isna() | (nodes["next_day"] < part_end))
    return nodes.assign(part=part, labelled=labelled.to_numpy())


def graph_from(sets: pd.DataFrame, catalog: pd.DataFrame, daily: pd.DataFrame) -> Graph:
    nodes = assign_parts(node_frame(sets, catalog, daily))
    return Graph(nodes, edges(nodes))


def build(store: Store, athlete_id: int | None = None) -> Graph:
    """The graph of every athlete (or one) in the store, split by time."""
    from engine.load.report import daily_metrics

    sets = queries.working_sets_by_session(store)
    if athlete_id is not None:
        sets = sets[sets["athlete_id"] == athlete_id]
    if sets.empty:
        return graph_from(sets.assign(start_time=pd.to_datetime(sets["start_time"])), queries.exercises(store),
                          pd.DataFrame(columns=["athlete_id", "day", "load_au", "monotony", "strain"]))
    daily = daily_metrics(store, sets["start_time"].max().date(), athlete_id)
    return graph_from(sets, queries.exercises(store), daily[["athlete_id", "day", "load_au", "monotony", "strain"]])


def with_changes(graph: Graph, rows: np.ndarray, **values: float) -> Graph:
    """The graph with FEATURES of the nodes at `rows` set to `values` (the page's what-if)."""
    nodes = graph.nodes.copy()
    for feature, value in values.items():
        if feature not in FEATURES:
            raise KeyError(feature)
        nodes.loc[nodes.index[rows], feature] = value
    return replace(graph, nodes=nodes)
