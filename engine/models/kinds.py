"""Every model kind that follows the contract: name -> its trainer module (train, evaluate_json)."""
from __future__ import annotations

import importlib

KINDS = {"progression": "engine.progression.trainer", "hr": "engine.hr.trainer", "overload": "engine.overload.trainer",
         "fitness": "engine.fitness.trainer", "recommend": "engine.recommend.trainer"}


def trainer(kind: str):
    """The trainer module of a kind (imported on use: torch and LightGBM stay out of the app's start)."""
    if kind not in KINDS:
        raise KeyError(f"unknown model kind {kind!r}; known: {', '.join(KINDS)}")
    return importlib.import_module(KINDS[kind])


def expand(kind: str) -> list[str]:
    """`all` -> every kind, else [kind]."""
    return list(KINDS) if kind == "all" else [kind]
