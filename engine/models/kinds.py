"""Every model kind: name -> its trainer module, which satisfies engine.models.contract.Trainer.
Adding a kind is one package and one line here."""
from __future__ import annotations

import importlib

from engine.models.contract import TRAINER_MEMBERS, Trainer

KINDS = {"progression": "engine.progression.trainer", "hr": "engine.hr.trainer", "overload": "engine.overload.trainer",
         "fitness": "engine.fitness.trainer", "recommend": "engine.recommend.trainer"}


class NotATrainer(TypeError):
    """A module listed in KINDS misses members of the Trainer protocol."""


def trainer(kind: str) -> Trainer:
    """The trainer module of a kind (imported on use: torch and LightGBM stay out of the app's
    start); NotATrainer when it misses a member of the protocol."""
    if kind not in KINDS:
        raise KeyError(f"unknown model kind {kind!r}; known: {', '.join(KINDS)}")
    module = importlib.import_module(KINDS[kind])
    if not isinstance(module, Trainer):
        missing = [m for m in TRAINER_MEMBERS if not hasattr(module, m)]
        raise NotATrainer(f"{KINDS[kind]} is not a Trainer: it misses {', '.join(sorted(missing))}")
    return module


def expand(kind: str) -> list[str]:
    """`all` -> every kind, else [kind]."""
    return list(KINDS) if kind == "all" else [kind]
