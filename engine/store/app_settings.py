"""App-wide settings (not per team): a key, a JSON value, when it was changed (`app_settings` table)."""
from __future__ import annotations

import json

from engine import clock
from engine.fitness.battery import CUTOFF_LABELS, CUTOFFS
from engine.store import access
from engine.store.db import Store, fetch_one

DEFAULTS = {
    "map_tiles": "none",
    "bmi_cutoffs": "who",
}
CHOICES = {
    "map_tiles": ("none", "OpenStreetMap"),
    "bmi_cutoffs": tuple(CUTOFFS),
}
HELP = {
    "map_tiles": "Background of the session maps. none: a plain background, works without Internet; "
                 "OpenStreetMap: street-map tiles loaded from tile.openstreetmap.org (needs Internet).",
    "bmi_cutoffs": "BMI classes of the fitness classifier: " + "; ".join(CUTOFF_LABELS.values())
                   + ". A model is trained for one set of cut-offs: after a change, the fitness page asks for a "
                     "new training.",
}


def _check_key(key: str) -> None:
    if key not in DEFAULTS:
        raise ValueError(f"not an app setting: {key!r}")


def get(store: Store, key: str):
    """The saved value of `key`, else its default (also when the saved value is no longer a choice)."""
    _check_key(key)
    with store.cursor() as cur:
        row = fetch_one(cur, "SELECT value FROM app_settings WHERE key = ?", [key])
    if row is None:
        return DEFAULTS[key]
    value = json.loads(row[0])
    return value if key not in CHOICES or value in CHOICES[key] else DEFAULTS[key]


def set(store: Store, key: str, value) -> None:  # noqa: A001  (the module's verb: app_settings.set)
    """Validate and save one setting (ValueError, and nothing written, when it is not allowed)."""
    _check_key(key)
    access.require_whole(store, f"{key} was not saved: app-wide settings apply to every team, "
                                "so only an admin of this dashboard changes them")
    if key in CHOICES and value not in CHOICES[key]:
        raise ValueError(f"{key} must be one of {', '.join(CHOICES[key])}, not {value!r}")
    with store.transaction() as cur:
        cur.execute(
            """INSERT INTO app_settings (key, value, updated_at) VALUES (?, ?, ?)
               ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at""",
            [key, json.dumps(value), clock.now()],
        )
