"""The recommender: popularity, content-based, collaborative (implicit ALS) and their hybrid.

- Interactions: an athlete's weight on an exercise is sum(working sets x e^(-age / RECENCY_TAU_D))
  over their sessions of it, age = days before their last logged session (recency and volume).
- Content: each exercise is a TF-IDF vector over its catalog attributes (primary muscles tf 1,
  secondary 0.5, equipment, level, mechanic, force, category; smooth idf, L2 rows). An athlete's
  profile is the interaction-weighted sum of their exercises' vectors; score = cosine.
- Collaborative: implicit ALS (Hu, Koren & Volinsky, ICDM 2008): preference 1 where weight > 0,
  confidence 1 + alpha x log(1 + weight); an athlete's factors are folded in from their log
  (one least-squares step against the item factors), so a new log needs no retraining.
- Hybrid: a weighted sum of the three models' percentile ranks over the catalog (Burke's weighted
  hybrid, UMUAI 2002); the collaborative weight shrinks by sessions / (sessions + cold_sessions),
  so a short history leans on content, and no history at all falls back to popularity. The three
  weights are picked on an inner split of the training log (evaluate.choose_blend). Then MMR
  (Carbonell & Goldstein, SIGIR 1998) re-ranks for variety across muscle groups (cosine of the
  muscle vectors).
- Popularity: how many athletes did the exercise (then their sets).
Candidates are the catalog exercises that meet the constraints and that the athlete has not done.
"""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from functools import cached_property
from pathlib import Path

import numpy as np
import pandas as pd

from engine.load.strength import SECONDARY_MUSCLE_SHARE
from engine.recommend import constraints as cons
from engine.recommend.dataset import CATALOG_COLUMNS

MODELS = ["hybrid", "content", "collaborative"]
BASELINES = ["popularity"]
TOP_K = 10
NEIGHBOURS = 5            # athletes "with logs like yours" named in a reason
MMR_POOL = 50             # candidates the MMR re-ranks
ATTRIBUTES = ("equipment", "level", "mechanic", "force", "category")


@dataclass(frozen=True)
class Params:
    recency_tau_d: float = 28.0   # d, interaction weight e^(-age / tau)
    factors: int = 8              # ALS latent factors
    reg: float = 0.1              # ALS L2
    alpha: float = 10.0           # ALS confidence scale
    iterations: int = 15
    cold_sessions: float = 10.0   # hybrid: collaborative weight x sessions / (sessions + this)
    content_weight: float = 0.5   # hybrid blend of percentile ranks (evaluate.choose_blend picks
    collaborative_weight: float = 0.5   # these three on an inner split of the training log)
    popularity_weight: float = 0.5
    mmr_lambda: float = 0.7       # MMR: relevance share (1 = no diversification)
    seed: int = 0


def interaction_weights(log: pd.DataFrame, tau_d: float) -> pd.DataFrame:
    """athlete_id, exercise_id, weight (module docstring) from LOG_COLUMNS rows."""
    last = pd.to_datetime(log.groupby("athlete_id")["session_date"].transform("max"))
    age_d = (last - pd.to_datetime(log["session_date"])).dt.days.to_numpy(dtype=float)
    weighted = log.assign(weight=log["sets"].to_numpy(dtype=float) * np.exp(-age_d / tau_d))
    return weighted.groupby(["athlete_id", "exercise_id"], as_index=False)["weight"].sum()


def _l2_rows(x: np.ndarray) -> np.ndarray:
    norm = np.linalg.norm(x, axis=1, keepdims=True)
    return np.divide(x, norm, out=np.zeros_like(x), where=norm > 0)


def _token_matrix(catalog: pd.DataFrame, muscles_only: bool) -> tuple[np.ndarray, list[str]]:
    """Term frequencies: muscles (primary 1, secondary SECONDARY_MUSCLE_SHARE) and, unless
    muscles_only, one token per attribute value."""
    rows = []
    for r in catalog.itertuples():
        tf = {f"muscle:{m}": SECONDARY_MUSCLE_SHARE for m in r.secondary_muscles}
        tf |= {f"muscle:{m}": 1.0 for m in r.primary_muscles}
        if not muscles_only:
            tf |= {f"{a}:{getattr(r, a)}": 1.0 for a in ATTRIBUTES if isinstance(getattr(r, a), str)}
        rows.append(tf)
    tokens = sorted({t for tf in rows for t in tf})
    index = {t: j for j, t in enumerate(tokens)}
    x = np.zeros((len(rows), len(tokens)))
    for i, tf in enumerate(rows):
        for t, v in tf.items():
            x[i, index[t]] = v
    return x, tokens


def item_vectors(catalog: pd.DataFrame) -> np.ndarray:
    """TF-IDF rows (smooth idf = ln((1 + n) / (1 + df)) + 1), L2-normalised."""
    tf, _ = _token_matrix(catalog, muscles_only=False)
    idf = np.log((1 + len(tf)) / (1 + (tf > 0).sum(axis=0))) + 1
    return _l2_rows(tf * idf)


def muscle_vectors(catalog: pd.DataFrame) -> np.ndarray:
    """Muscle rows (primary 1, secondary SECONDARY_MUSCLE_SHARE), L2-normalised: the similarity
    MMR and the diversity metric use."""
    return _l2_rows(_token_matrix(catalog, muscles_only=True)[0])


def _confidence(weights: np.ndarray, alpha: float) -> np.ndarray:
    return 1.0 + alpha * np.log1p(weights)


def _least_squares(fixed: np.ndarray, weights: np.ndarray, params: Params) -> np.ndarray:
    """One ALS half-step: each row of `weights` against the `fixed` factors (Hu et al. 2008, eq. 4)."""
    gram = fixed.T @ fixed
    eye = params.reg * np.eye(fixed.shape[1])
    out = np.empty((len(weights), fixed.shape[1]))
    for r, w in enumerate(weights):
        c = _confidence(w, params.alpha)
        out[r] = np.linalg.solve(gram + (fixed.T * (c - 1)) @ fixed + eye, (fixed.T * c) @ (w > 0))
    return out


def fit_als(weights: np.ndarray, params: Params) -> tuple[np.ndarray, np.ndarray]:
    """(user factors, item factors) of an athletes x items weight matrix; items nobody logged get 0."""
    rng = np.random.default_rng(params.seed)
    users = rng.normal(0, 0.1, (weights.shape[0], params.factors))
    items = rng.normal(0, 0.1, (weights.shape[1], params.factors))
    for _ in range(params.iterations):
        users = _least_squares(items, weights, params)
        items = _least_squares(users, weights.T, params)
    return users, items


def _minmax(x: np.ndarray) -> np.ndarray:
    span = x.max() - x.min() if len(x) else 0.0
    return (x - x.min()) / span if span > 0 else np.zeros_like(x)


def _percentile(x: np.ndarray) -> np.ndarray:
    """Rank / n in (0, 1], ties sharing their mean rank."""
    _, inverse, counts = np.unique(x, return_inverse=True, return_counts=True)
    last = np.cumsum(counts)
    return ((last - (counts - 1) / 2) / len(x))[inverse]


@dataclass(frozen=True)
class Recommendation:
    """One ranked exercise: its score under the model used and why it is there."""
    exercise_id: str
    name: str
    score: float
    reasons: tuple[str, ...]
    primary_muscles: tuple[str, ...]
    secondary_muscles: tuple[str, ...]
    equipment: str
    level: str
    category: str


@dataclass
class Recommender:
    """Fitted on a log: the catalog's item vectors, the ALS item factors, popularity, and the
    training athletes' weights and folded-in factors (for the "athletes like you" reason)."""
    params: Params
    catalog: pd.DataFrame            # CATALOG_COLUMNS, row i = item i
    items: np.ndarray                # TF-IDF rows
    muscles: np.ndarray              # muscle rows
    item_factors: np.ndarray
    popularity: np.ndarray           # athletes who did it
    popularity_sets: np.ndarray      # their working sets (tie-break)
    athlete_ids: np.ndarray
    athlete_weights: np.ndarray      # athletes x items
    athlete_factors: np.ndarray

    # ---- scoring ----
    def weights_of(self, log: pd.DataFrame) -> np.ndarray:
        """One athlete's log (LOG_COLUMNS) as an item weight vector."""
        w = np.zeros(len(self.catalog))
        if log.empty:
            return w
        per = interaction_weights(log, self.params.recency_tau_d)
        index = pd.Index(self.catalog["exercise_id"]).get_indexer(per["exercise_id"])
        np.add.at(w, index[index >= 0], per["weight"].to_numpy()[index >= 0])
        return w

    def fold_in(self, weights: np.ndarray) -> np.ndarray:
        return _least_squares(self.item_factors, weights[None, :], self.params)[0]

    @cached_property
    def _popularity_score(self) -> np.ndarray:
        """Athletes who did each item, their working sets breaking ties."""
        return self.popularity + self.popularity_sets / (1.0 + self.popularity_sets.max(initial=0.0))

    def scores(self, model: str, weights: np.ndarray, sessions: int, factor: np.ndarray | None = None
               ) -> np.ndarray:
        """Every catalog item's score under `model` for an athlete with these weights (before MMR);
        `factor`: their folded-in factors when already known. Without any history every model falls
        back to popularity."""
        popularity = self._popularity_score
        if model == "popularity" or not weights.any():
            return popularity
        content = self.items @ _l2_rows((weights @ self.items)[None, :])[0]
        if model == "content":
            return content
        collaborative = self.item_factors @ (self.fold_in(weights) if factor is None else factor)
        if model == "collaborative":
            return collaborative
        if model != "hybrid":
            raise KeyError(f"unknown recommender model {model!r}")
        p = self.params
        lean = sessions / (sessions + p.cold_sessions)
        return (p.content_weight * _percentile(content) + lean * p.collaborative_weight * _percentile(collaborative)
                + p.popularity_weight * _percentile(popularity))

    def rank(self, model: str, weights: np.ndarray, sessions: int, candidates: np.ndarray, k: int = TOP_K,
             score: np.ndarray | None = None) -> np.ndarray:
        """The top-k item indices among `candidates` (a boolean mask) by `score` (default: the model's
        scores); hybrid is MMR re-ranked. Ties break on popularity, then on the exercise id."""
        score = self.scores(model, weights, sessions) if score is None else score
        index = np.flatnonzero(candidates)
        order = index[np.lexsort((self.catalog["exercise_id"].to_numpy()[index], -self.popularity_sets[index],
                                  -score[index]))]
        if model != "hybrid":
            return order[:k]
        pool = order[:MMR_POOL]
        return self._mmr(pool, _minmax(score[pool]), k)

    def _mmr(self, pool: np.ndarray, relevance: np.ndarray, k: int) -> np.ndarray:
        lam = self.params.mmr_lambda
        chosen: list[int] = []
        left = list(range(len(pool)))
        while left and len(chosen) < k:
            if chosen:
                similar = (self.muscles[pool[left]] @ self.muscles[pool[chosen]].T).max(axis=1)
            else:
                similar = np.zeros(len(left))
            best = int(np.argmax(lam * relevance[left] - (1 - lam) * similar))
            chosen.append(left.pop(best))
        return pool[chosen]

    # ---- explaining ----
    def recommend(self, log: pd.DataFrame, c: cons.Constraints, model: str = "hybrid", k: int = TOP_K
                  ) -> list[Recommendation]:
        """One athlete's top k under the constraints among the exercises not in their log, each with
        its reasons (the page's list)."""
        weights = self.weights_of(log)
        sessions = int(log["session_id"].nunique()) if not log.empty else 0
        candidates = cons.allowed(self.catalog, c) & (weights == 0)
        factor = self.fold_in(weights) if weights.any() else None
        score = self.scores(model, weights, sessions, factor)
        top = self.rank(model, weights, sessions, candidates, k, score)
        athlete_id = int(log["athlete_id"].iloc[0]) if not log.empty else None
        return [self._recommendation(i, score[i], weights, factor, athlete_id, c) for i in top]

    @cached_property
    def labels(self) -> dict[str, list]:
        """Per item, as Python lists: name, equipment (NO_EQUIPMENT for none), level, category, muscles."""
        return {"name": self.catalog["name"].tolist(), "kit": cons.equipment_of(self.catalog).tolist(),
                "level": self.catalog["level"].tolist(), "category": self.catalog["category"].tolist(),
                "primary": [list(m) for m in self.catalog["primary_muscles"]],
                "secondary": [list(m) for m in self.catalog["secondary_muscles"]]}

    def _recommendation(self, i: int, score: float, weights: np.ndarray, factor: np.ndarray | None,
                        athlete_id: int | None, c: cons.Constraints) -> Recommendation:
        text = self.labels
        primary = text["primary"][i]
        reasons = []
        if c.target:
            reasons.append(f"targets {', '.join(sorted(set(primary) & c.target))}")
        done = np.flatnonzero(weights > 0)
        if len(done):
            similar = self.muscles[done] @ self.muscles[i]
            j = done[np.lexsort((-weights[done], -similar))[0]]
            shared = [m for m in primary if m in set(text["primary"][j]) | set(text["secondary"][j])]
            reasons.append(f"works {', '.join(shared)} like your {text['name'][j]}" if shared
                           else f"adds {', '.join(primary) or 'work'} that your log trains little")
            same_kit = sum(text["kit"][d] == text["kit"][i] for d in done)
            if c.equipment is None and same_kit:
                reasons.append(f"uses {text['kit'][i]}, like {same_kit} of your exercises")
        else:
            reasons.append(f"done by {int(self.popularity[i])} athletes in the squad" if self.popularity[i]
                           else "fits your constraints (no log yet)")
        if factor is not None and len(self.athlete_ids):
            near = self._neighbours(factor, athlete_id)
            n = int((self.athlete_weights[near, i] > 0).sum())
            if n:
                reasons.append(f"{n} of the {len(near)} athletes with logs most like yours do it")
        reasons += cons.describe(c)
        return Recommendation(self.catalog["exercise_id"].iat[i], text["name"][i], float(score), tuple(reasons),
                              tuple(primary), tuple(text["secondary"][i]), text["kit"][i], str(text["level"][i]),
                              str(text["category"][i]))

    def _neighbours(self, factor: np.ndarray, athlete_id: int | None) -> np.ndarray:
        """Up to NEIGHBOURS other training athletes, nearest by the cosine of their factors."""
        others = np.flatnonzero(self.athlete_ids != athlete_id)
        f = _l2_rows(self.athlete_factors[others]) @ (factor / (np.linalg.norm(factor) or 1.0))
        return others[np.argsort(-f, kind="stable")[:NEIGHBOURS]]

    # ---- persistence ----
    def save(self, directory: Path) -> None:
        directory = Path(directory)
        np.savez(directory / "recommender.npz", items=self.items, muscles=self.muscles, item_factors=self.item_factors,
                 popularity=self.popularity, popularity_sets=self.popularity_sets, athlete_ids=self.athlete_ids,
                 athlete_weights=self.athlete_weights, athlete_factors=self.athlete_factors)
        self.catalog.to_parquet(directory / "catalog.parquet", index=False)
        (directory / "params.json").write_text(json.dumps(asdict(self.params)))

    @classmethod
    def load(cls, directory: Path) -> Recommender:
        directory = Path(directory)
        arrays = np.load(directory / "recommender.npz")
        catalog = pd.read_parquet(directory / "catalog.parquet")
        for column in ("primary_muscles", "secondary_muscles"):
            catalog[column] = catalog[column].map(list)
        return cls(Params(**json.loads((directory / "params.json").read_text())), catalog,
                   **{name: arrays[name] for name in arrays.files})


def fit(log: pd.DataFrame, catalog: pd.DataFrame, params: Params = Params()) -> Recommender:
    """Every model on one log (LOG_COLUMNS) over the catalog (CATALOG_COLUMNS)."""
    catalog = catalog[CATALOG_COLUMNS].reset_index(drop=True)
    index = pd.Index(catalog["exercise_id"])
    per = interaction_weights(log, params.recency_tau_d)
    per = per[index.get_indexer(per["exercise_id"]) >= 0]
    athletes = np.sort(per["athlete_id"].unique())
    weights = np.zeros((len(athletes), len(catalog)))
    weights[np.searchsorted(athletes, per["athlete_id"]), index.get_indexer(per["exercise_id"])] = per["weight"]
    _, item_factors = fit_als(weights, params)
    known = index.get_indexer(log["exercise_id"])
    logged = known >= 0
    return Recommender(params, catalog, item_vectors(catalog), muscle_vectors(catalog), item_factors,
                       popularity=(weights > 0).sum(axis=0).astype(float),
                       popularity_sets=np.bincount(known[logged], weights=log["sets"].to_numpy(dtype=float)[logged],
                                                   minlength=len(catalog)),
                       athlete_ids=athletes, athlete_weights=weights,
                       athlete_factors=_least_squares(item_factors, weights, params))
