"""The model registry: every trained model kind saved as data/models/<kind>/v<N>/ plus a `models` row.

A version is never overwritten: each training adds one, and a version's directory appears whole
(written as .v<N>.partial, then renamed) before its row, so a killed training registers nothing.
The directory holds the kind's own files
(`save(dir)`), `card.json` (the ModelCard: inputs with units and scaling, outputs, the data
fingerprint, the metrics with their baselines, the parameters and the training time) and, once
`evaluate KIND --full` has run, `full.json` (its FullEvaluation), and once exported, `onnx/` (each
model's .onnx, .card.json and .parity.json, from the worker's export job). Artifacts
live beside the database file (`<db dir>/models`), so a scratch database has scratch models.
"""
from __future__ import annotations

import hashlib
import json
import shutil
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from pathlib import Path

import pandas as pd

from engine import clock
from engine.models.contract import FullEvaluation, ModelCard, Result, verdict
from engine.store import access
from engine.store.db import Store, fetch_one, next_id

__all__ = ["Export", "FullEvaluation", "ModelCard", "ModelNotTrained", "NotEnoughData", "Result", "add_export",
           "add_full", "card", "exports", "fingerprint", "latest", "load", "models_dir", "register", "registry",
           "summary"]
FULL_FILE = "full.json"     # the version's `evaluate --full` figures, written when that job ends
ONNX_DIR = "onnx"           # the version's ONNX export, written when that job ends


class ModelNotTrained(LookupError):
    """No registered model of a kind (or not that version); str(err) tells how to train it."""


class NotEnoughData(ValueError):
    """Too little data to train or evaluate a kind; str(err) says what is missing."""


def models_dir(store: Store) -> Path:
    return store.path.parent / "models"


def fingerprint(frame: pd.DataFrame) -> str:
    """sha256 (first 16 hex digits) of the training rows, values and column names."""
    digest = hashlib.sha256(pd.util.hash_pandas_object(frame, index=False).to_numpy().tobytes())
    digest.update("|".join(map(str, frame.columns)).encode())
    return digest.hexdigest()[:16]


def register(store: Store, fitted, model_card: ModelCard) -> ModelCard:
    """Save `fitted` (an object with save(dir)) as the next version of its kind with `model_card`
    (its version and trained_at are the registry's); returns the card as registered. AdminOnly,
    with nothing written, through a coach's scoped store."""
    kind = model_card.kind
    access.require_whole(store, f"the {kind} model was not saved: models are shared by every team, "
                                "so only an admin of this dashboard trains them")
    with store.cursor() as cur:
        version = fetch_one(cur, "SELECT coalesce(max(version), 0) + 1 FROM models WHERE kind = ?", [kind])[0]
    directory = _directory(store, kind, version)
    staged = directory.with_name(f".v{version}.partial")     # renamed into place once whole
    for leftover in (staged, directory):    # of a process killed before it registered: never a version
        shutil.rmtree(leftover, ignore_errors=True)
    staged.mkdir(parents=True)
    fitted.save(staged)
    trained_at = clock.now()
    model_card = replace(model_card, version=version, trained_at=trained_at.isoformat(), full=None)
    (staged / "card.json").write_text(json.dumps(model_card.to_json(), indent=2, default=float))
    staged.rename(directory)
    with store.transaction() as cur:
        cur.execute("INSERT INTO models VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    [next_id(cur, "models", "model_id"), kind, version, trained_at, model_card.data_fingerprint,
                     json.dumps(model_card.params, default=float),
                     json.dumps([asdict(r) for r in model_card.metrics], default=float), str(directory)])
    return _read(directory)       # as every reader sees it (JSON: tuples in details are lists)


def add_full(store: Store, model_card: ModelCard, full: FullEvaluation) -> ModelCard:
    """Add the full evaluation to a registered version (written whole, then renamed: a killed
    evaluation adds nothing; a later one replaces it). AdminOnly through a scoped store."""
    access.require_whole(store, f"the {model_card.kind} model's evaluation was not saved: only an admin "
                                "evaluates the shared models")
    directory = _directory(store, model_card.kind, model_card.version)
    staged = directory / f".{FULL_FILE}.partial"
    staged.write_text(json.dumps(asdict(full), indent=2, default=float))
    staged.rename(directory / FULL_FILE)
    return _read(directory)


@dataclass(frozen=True)
class Export:
    """One exported model of a version: its parity record (engine.models.onnx_export) and files."""
    model: str
    parity: dict
    onnx_path: Path


def add_export(store: Store, model_card: ModelCard, write: Callable[[Path], list[dict]]) -> list[Export]:
    """Export a registered version: `write(out)` writes out/<kind>/<model>.onnx, .card.json and
    .parity.json and returns the parity records; the directory appears whole (staged, then renamed:
    a killed export adds nothing; a later one replaces it). AdminOnly through a scoped store."""
    access.require_whole(store, f"the {model_card.kind} model was not exported: only an admin exports the shared "
                                "models")
    directory = _directory(store, model_card.kind, model_card.version)
    staged, final = directory / f".{ONNX_DIR}.partial", directory / ONNX_DIR
    shutil.rmtree(staged, ignore_errors=True)
    write(staged)
    shutil.rmtree(final, ignore_errors=True)
    staged.rename(final)
    return exports(store, model_card.kind, model_card.version)


def exports(store: Store, kind: str, version: int) -> list[Export]:
    """The ONNX export of a version, one Export per model ([] before its export job has run)."""
    out = _directory(store, kind, version) / ONNX_DIR / kind
    parities = {path.name.removesuffix(".parity.json"): path for path in sorted(out.glob("*.parity.json"))}
    return [Export(model, json.loads(path.read_text()), out / f"{model}.onnx") for model, path in parities.items()]


def _directory(store: Store, kind: str, version: int) -> Path:
    return models_dir(store) / kind / f"v{version}"


def _read(directory: Path) -> ModelCard:
    full = directory / FULL_FILE
    return ModelCard.from_json(json.loads((directory / "card.json").read_text()),
                               json.loads(full.read_text()) if full.is_file() else None)


def card(store: Store, kind: str, version: int | None = None) -> ModelCard:
    """The model card of the latest (or a pinned) version of `kind`; ModelNotTrained if none."""
    with store.cursor() as cur:
        row = fetch_one(cur, "SELECT artifact_path FROM models WHERE kind = ? AND (CAST(? AS INTEGER) IS NULL "
                             "OR version = ?) ORDER BY version DESC LIMIT 1", [kind, version, version])
    if row is None:
        which = f"version {version} of the {kind} model" if version else f"trained {kind} model"
        raise ModelNotTrained(f"no {which}: run `python -m engine train {kind}` or train it on the Models page")
    return _read(Path(row[0]))


def load(store: Store, kind: str, version: int | None, loader):
    """(fitted, card) of the latest or a pinned version; `loader(dir)` rebuilds the fitted object."""
    model_card = card(store, kind, version)
    return loader(_directory(store, kind, model_card.version)), model_card


_LOADED: dict = {}


def latest(store: Store, kind: str, loader):
    """(fitted, card) of the latest version of `kind`, loaded once per version and process (what
    the pages predict with); ModelNotTrained if none."""
    model_card = card(store, kind)
    key = (str(store.path), kind, model_card.version)
    if key not in _LOADED:
        _LOADED[key] = loader(_directory(store, kind, model_card.version))
    return _LOADED[key], model_card


def registry(store: Store) -> pd.DataFrame:
    """Every registered model, newest first: kind, version, trained_at, data_fingerprint, metrics."""
    return store.query("SELECT kind, version, trained_at, data_fingerprint, metrics, artifact_path FROM models "
                       "ORDER BY trained_at DESC, kind, version DESC")


def summary(store: Store) -> pd.DataFrame:
    """One row per registered version, newest first: kind, version, trained_at, data_fingerprint,
    headline_metric, best_model and its value and SD, best_baseline and its value and SD (on "db":
    the mean over the seeds once the full evaluation has run), n_runs, verdict (✓ ≈ ✗,
    contract.verdict) and full (its full evaluation has been added)."""
    rows = []
    for r in registry(store).itertuples():
        c = _read(Path(r.artifact_path))
        db = [m for m in c.results() if m.dataset == "db" and m.metric == c.headline_metric]
        best, base = _best(db, c.models, c.lower_is_better), _best(db, c.baselines, c.lower_is_better)
        rows.append({"kind": r.kind, "version": r.version, "trained_at": r.trained_at,
                     "data_fingerprint": r.data_fingerprint, "headline_metric": c.headline_metric,
                     "best_model": best.model, "model_value": best.value, "model_sd": best.sd,
                     "best_baseline": base.model, "baseline_value": base.value, "baseline_sd": base.sd,
                     "n_runs": min(best.n_runs, base.n_runs), "verdict": verdict(best, base, c.lower_is_better),
                     "full": c.full is not None})
    return pd.DataFrame(rows, columns=["kind", "version", "trained_at", "data_fingerprint", "headline_metric",
                                       "best_model", "model_value", "model_sd", "best_baseline", "baseline_value",
                                       "baseline_sd", "n_runs", "verdict", "full"])


def _best(rows: list[Result], names, lower_is_better: bool) -> Result:
    """The row of `names` with the best mean."""
    return (min if lower_is_better else max)((m for m in rows if m.model in names), key=lambda m: m.value)
