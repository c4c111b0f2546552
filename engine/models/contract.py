"""The model contract in types (DESIGN.md, "Model contract"): what a kind provides (Trainer), what one
evaluation gives (Evaluation), and what the registry keeps of a fitted version (ModelCard).

A kind is one package with a `trainer.py` module that satisfies Trainer, and one line in
engine/models/kinds.py; engine/models/driver.py fits, evaluates, registers and exports every kind
through it, and tests/test_model_contract.py runs every entry of KINDS through the driver.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from engine.store.db import Store

Progress = Callable[[int, int], None]     # (step, total)
N_SEEDS = 3          # `evaluate --full` trains every model and baseline with this many seeds (the served one first)
VERDICT_HELP = ("✓ when the best model's mean beats the best baseline's by more than their two SDs combined "
                "(over the seeds, once the full evaluation has run; one run has no spread), ≈ when the gap is within "
                "them, ✗ when the baseline is better by more")


@dataclass(frozen=True)
class Result:
    """One row of `evaluate --json`: a metric of a model on a dataset (the unit is in its name);
    `value` is the mean over `n_runs` trainings or folds and `sd` their SD (None for one run)."""
    dataset: str
    model: str
    metric: str
    value: float
    sd: float | None = None
    n_runs: int = 1


def verdict(model: Result, baseline: Result, lower_is_better: bool) -> str:
    """✓, ≈ or ✗ (VERDICT_HELP): the gap of the means against sd_model + sd_baseline (DESIGN.md,
    "Model contract": a model beats a baseline only when the gap exceeds the two SDs combined)."""
    gap = baseline.value - model.value if lower_is_better else model.value - baseline.value
    spread = (model.sd or 0.0) + (baseline.sd or 0.0)
    return "✓" if gap > spread else "≈" if gap >= -spread else "✗"


VERDICT_WORDS = {"✓": "beats", "≈": "is level (within the spread) with", "✗": "does not beat"}   # for a sentence


def key(r: Result) -> tuple[str, str, str]:
    return r.dataset, r.model, r.metric


def merged(rows, later) -> list[Result]:
    """`rows`, each replaced by the row of `later` with its (dataset, model, metric), then the rest
    of `later`: one row per key (a full evaluation's mean over seeds replaces a single run's)."""
    newer = {key(r): r for r in later}
    out = [newer.pop(key(r), r) for r in rows]
    return out + list(newer.values())


@dataclass(frozen=True)
class Input:
    """One input of a model: its name, unit, scaling and (sequence models) grid."""
    name: str
    unit: str
    scaling: str
    grid: str = ""


@dataclass(frozen=True)
class Evaluation:
    """What a kind's evaluate gives: the result rows, the sizes of the split, the batched predict
    time (ms per item) and the kind's own figures for its card and pages (JSON-able)."""
    results: tuple[Result, ...]
    n_train: int
    n_test: int
    predict_ms_per_item: float
    details: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Description:
    """How a kind describes a fitted model on its card."""
    inputs: tuple[Input, ...]
    outputs: Mapping[str, Any]
    description: str
    reading: str


@dataclass(frozen=True)
class FullEvaluation:
    """The long evaluation (`evaluate KIND --full`: folds, ablations, other datasets) of a version,
    added to its card when it ends: rows, the kind's figures, the data it ran on and its time."""
    results: tuple[Result, ...]
    details: Mapping[str, Any]
    data_fingerprint: str
    evaluated_at: str
    eval_s: float

    @classmethod
    def from_json(cls, raw: Mapping) -> FullEvaluation:
        return cls(**{**raw, "results": tuple(Result(**r) for r in raw["results"])})


@dataclass(frozen=True)
class ModelCard:
    """The registry's record of one version of a kind (card.json beside its weights)."""
    kind: str
    version: int
    trained_at: str                 # ISO 8601, the engine's clock
    data_fingerprint: str           # registry.fingerprint of the training rows
    params: Mapping[str, Any]
    quick: bool
    models: tuple[str, ...]
    baselines: tuple[str, ...]
    headline_metric: str
    lower_is_better: bool
    metrics: tuple[Result, ...]     # the served model and its baselines on the held-out split
    train_s: float
    predict_ms_per_item: float
    n_train: int
    n_test: int
    inputs: tuple[Input, ...]
    outputs: Mapping[str, Any]
    description: str
    reading: str
    details: Mapping[str, Any]      # the kind's own figures (confusion matrices, SHAP ranks, ...)
    full: FullEvaluation | None = None

    def results(self) -> list[Result]:
        """Every row: the held-out split's (as the mean over N_SEEDS seeds once the full evaluation has
        run), then the full evaluation's other datasets."""
        return merged(self.metrics, self.full.results if self.full else ())

    def to_json(self) -> dict:
        """The JSON form, without `full` (kept in its own file: it arrives later)."""
        out = asdict(self)
        del out["full"]
        return out

    @classmethod
    def from_json(cls, raw: Mapping, full: Mapping | None = None) -> ModelCard:
        return cls(**{**raw, "models": tuple(raw["models"]), "baselines": tuple(raw["baselines"]),
                      "metrics": tuple(Result(**r) for r in raw["metrics"]),
                      "inputs": tuple(Input(**i) for i in raw["inputs"]),
                      "full": FullEvaluation.from_json(full) if full else None})


@runtime_checkable
class Trainer(Protocol):
    """What a model kind provides: its science, without the registry's scaffolding.

    prepare raises NotEnoughData (one line: what is missing) when the store cannot train the kind.
    fit trains the served model, seeded by params.seed (params is a frozen dataclass with a `seed`;
    the fitted object keeps its params); evaluate scores it and its baselines on the held-out split
    ("db"). full is the kind's own long evaluation on the prepared data (folds, other datasets),
    for a kind whose FULL is True; the driver adds the spread over N_SEEDS seeds for every kind."""
    KIND: str
    HEADLINE: str               # the metric the Models page compares with the best baseline
    LOWER_IS_BETTER: bool
    MODELS: list[str]
    BASELINES: list[str]
    FULL: bool                  # whether the kind has a long evaluation of its own (full)

    def make_params(self, quick: bool) -> Any: ...

    def prepare(self, store: Store, quick: bool) -> Any: ...

    def fit(self, data: Any, params: Any, progress: Progress | None) -> Any: ...

    def evaluate(self, fitted: Any, data: Any) -> Evaluation: ...

    def describe(self, data: Any, evaluation: Evaluation, train_s: float) -> Description: ...

    def fingerprint(self, data: Any) -> str: ...

    def load(self, directory: Path) -> Any: ...

    def full(self, data: Any, card: ModelCard, progress: Progress | None) -> tuple[list[Result], dict]: ...

    def export(self, store: Store, out: Path, fitted: Any, card: ModelCard) -> list[dict]: ...


TRAINER_MEMBERS = tuple(sorted({*Trainer.__annotations__,
                                *(n for n, v in vars(Trainer).items() if callable(v) and not n.startswith("_"))}))
