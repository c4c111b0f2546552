"""Offline evaluation on the leave-last-sessions-out split (dataset.split), no constraints.

Every model ranks the catalog exercises the athlete had not done before the held-out sessions.
- hit_at_10: share of scored athletes with at least one positive in their top 10;
- ndcg_at_10: binary-relevance NDCG@10, averaged over scored athletes;
- coverage: share of the catalog in at least one top 10, over every athlete with a training log;
- diversity: intra-list diversity, the mean over pairs in a top 10 of 1 - cosine of their muscle
  vectors (model.muscle_vectors), averaged over the same lists.
"""
from __future__ import annotations

import itertools
import time
from dataclasses import replace

import numpy as np
import pandas as pd

from engine.models.registry import NotEnoughData, Result
from engine.recommend.dataset import Split, sessions_per_athlete, split
from engine.recommend.model import BASELINES, MODELS, TOP_K, Params, Recommender, fit

METRICS = ("hit_at_10", "ndcg_at_10", "coverage", "diversity")
BLEND_GRID = (0.0, 0.25, 0.5, 1.0)   # each hybrid weight's candidates (choose_blend)


def ndcg(ranked_ids: list[str], positives: frozenset[str], k: int = TOP_K) -> float:
    gains = [1.0 / np.log2(r + 2) for r, e in enumerate(ranked_ids[:k]) if e in positives]
    ideal = sum(1.0 / np.log2(r + 2) for r in range(min(k, len(positives))))
    return float(sum(gains) / ideal) if ideal else 0.0


def intra_list_diversity(muscles: np.ndarray, items: np.ndarray) -> float:
    if len(items) < 2:
        return 0.0
    sim = muscles[items] @ muscles[items].T
    upper = np.triu_indices(len(items), 1)
    return float(np.mean(1.0 - sim[upper]))


def top_lists(fitted: Recommender, train: pd.DataFrame, model: str) -> dict[int, np.ndarray]:
    """Each training athlete's top TOP_K item indices (exercises they have not done)."""
    sessions = sessions_per_athlete(train)
    out = {}
    for row, athlete_id in enumerate(fitted.athlete_ids):
        weights = fitted.athlete_weights[row]
        out[int(athlete_id)] = fitted.rank(model, weights, int(sessions.get(athlete_id, 0)), weights == 0)
    return out


def evaluate(fitted: Recommender, split: Split, dataset: str, scored: set[int] | None = None
             ) -> tuple[list[Result], dict]:
    """Rows for every model on `split` (fitted on split.train); `scored` limits the athletes scored
    (default: every athlete with a positive). Extra: counts and ms per athlete's hybrid list."""
    ids = fitted.catalog["exercise_id"].to_numpy()
    scored_ids = [a for a in split.positives if scored is None or a in scored]
    results, extra = [], {"n_athletes": len(fitted.athlete_ids), "n_scored": len(scored_ids),
                          "n_positives": int(sum(len(split.positives[a]) for a in scored_ids)),
                          "catalog_size": len(ids)}
    for model in [*MODELS, *BASELINES]:
        start = time.perf_counter()
        lists = top_lists(fitted, split.train, model)
        if model == "hybrid":
            extra["list_ms"] = 1000 * (time.perf_counter() - start) / max(len(lists), 1)
        hits = _hits(ids, lists, split.positives, scored_ids)
        gains = [ndcg(list(ids[lists[a]]), split.positives[a]) for a in scored_ids]
        values = {"hit_at_10": float(np.mean(hits)) if hits else 0.0,
                  "ndcg_at_10": float(np.mean(gains)) if gains else 0.0,
                  "coverage": len(set(np.concatenate(list(lists.values())))) / len(ids) if lists else 0.0,
                  "diversity": float(np.mean([intra_list_diversity(fitted.muscles, top) for top in lists.values()]))
                  if lists else 0.0}
        results += [Result(dataset, model, metric, values[metric]) for metric in METRICS]
    return results, extra


def _hits(ids: np.ndarray, lists: dict[int, np.ndarray], positives: dict[int, frozenset[str]],
          athletes) -> list[bool]:
    """Per athlete: does their top 10 hold one of their positives?"""
    return [bool(set(ids[lists[a]]) & positives[a]) for a in athletes]


def hit_rate(fitted: Recommender, parts: Split, model: str) -> float:
    """hit_at_10 of `model` on `parts`, every athlete with a positive scored (choose_blend's measure)."""
    ids = fitted.catalog["exercise_id"].to_numpy()
    return float(np.mean(_hits(ids, top_lists(fitted, parts.train, model), parts.positives, parts.positives)))


def choose_blend(log: pd.DataFrame, catalog: pd.DataFrame, params: Params) -> tuple[Params, dict]:
    """The hybrid's three weights (BLEND_GRID each, not all 0) with the best hit_at_10 on the
    leave-last-sessions-out split of `log` itself: only training data picks them. Ties keep
    `params`' own weights, then the first in grid order. Without enough data for that split,
    `params` as they are."""
    try:
        inner = split(log)
    except NotEnoughData as err:
        return params, {"chosen_on": f"defaults ({err})"}
    fitted = fit(inner.train, catalog, params)
    best, best_hit = params, hit_rate(fitted, inner, "hybrid")
    for c, f, p in itertools.product(BLEND_GRID, repeat=3):
        candidate = replace(params, content_weight=c, collaborative_weight=f, popularity_weight=p)
        if c == f == p == 0 or candidate == params:
            continue
        hit = hit_rate(replace(fitted, params=candidate), inner, "hybrid")
        if hit > best_hit:
            best, best_hit = candidate, hit
    return best, {"chosen_on": f"inner split: {len(inner.positives)} athletes", "inner_hit_at_10": best_hit,
                  "weights": {"content": best.content_weight, "collaborative": best.collaborative_weight,
                              "popularity": best.popularity_weight}}
