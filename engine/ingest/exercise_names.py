"""Exercise catalog and name matching.

The catalog is free-exercise-db (yuhonas/free-exercise-db, Unlicense, 873 exercises), shipped in
data/catalog/exercises.json. App names (Strong, Hevy) are matched to catalog ids by exact
normalised name, then the curated ALIASES, then the "X (Equipment)" -> "equipment x" reordering.
There is no fuzzy matching: a name without a true equivalent stays unmatched and becomes a
custom exercise (`custom_exercise_id`).
"""
from __future__ import annotations

import json
import re
import unicodedata
from pathlib import Path

import numpy as np
import pandas as pd

CATALOG_PATH = Path(__file__).resolve().parents[2] / "data" / "catalog" / "exercises.json"

# App name (Strong / Hevy spelling) -> free-exercise-db id. Only true equivalents: the same
# movement on the same kind of equipment ("Leverage" = plate-loaded lever machine).
ALIASES: dict[str, str] = {
    # names in the shipped Strong sample (../shared/samples/strength_csv/strong.csv)
    "Bench Press (Barbell)": "Barbell_Bench_Press_-_Medium_Grip",
    "Bench Press - Close Grip (Barbell)": "Close-Grip_Barbell_Bench_Press",
    "Bent Over One Arm Row (Dumbbell)": "One-Arm_Dumbbell_Row",
    "Bent Over Row (Barbell)": "Bent_Over_Barbell_Row",
    "Bicep Curl (Barbell)": "Barbell_Curl",
    "Bicep Curl (Cable)": "Standing_Biceps_Cable_Curl",
    "Bicep Curl (Dumbbell)": "Dumbbell_Bicep_Curl",
    "Bicep Curl (Machine)": "Machine_Bicep_Curl",
    "Cable Crossover": "Cable_Crossover",
    "Calf Press on Seated Leg Press": "Calf_Press_On_The_Leg_Press_Machine",
    "Chest Press (Machine)": "Machine_Bench_Press",
    "Concentration Curl (Dumbbell)": "Concentration_Curls",
    "Crunch": "Crunches",
    "Deadlift (Barbell)": "Barbell_Deadlift",
    "Decline Bench Press (Barbell)": "Decline_Barbell_Bench_Press",
    "Dip Machine": "Dip_Machine",
    "Face Pull (Cable)": "Face_Pull",
    "Flat Leg Raise": "Flat_Bench_Lying_Leg_Raise",
    "Hammer Curl (Dumbbell)": "Hammer_Curls",
    "Hanging Leg Raise": "Hanging_Leg_Raise",
    "Hyperextensions": "Hyperextensions_Back_Extensions",
    "Incline Bench Press (Barbell)": "Barbell_Incline_Bench_Press_-_Medium_Grip",
    "Incline Bench Press (Dumbbell)": "Incline_Dumbbell_Press",
    "Incline Chest Press (Machine)": "Leverage_Incline_Chest_Press",
    "Inverted Row (Bodyweight)": "Inverted_Row",
    "Iso-Lateral Chest Press (Machine)": "Leverage_Chest_Press",
    "Iso-Lateral Row (Machine)": "Leverage_Iso_Row",
    "Lat Pulldown (Cable)": "Wide-Grip_Lat_Pulldown",
    "Lateral Raise (Dumbbell)": "Side_Lateral_Raise",
    "Leg Extension (Machine)": "Leg_Extensions",
    "Leg Press": "Leg_Press",
    "Lying Leg Curl (Machine)": "Lying_Leg_Curls",
    "Overhead Press (Barbell)": "Standing_Military_Press",
    "Overhead Press (Dumbbell)": "Standing_Dumbbell_Press",
    "Overhead Smith Seated": "Smith_Machine_Overhead_Shoulder_Press",
    "Plank": "Plank",
    "Pull Up": "Pullups",
    "Pull Up (Band)": "Band_Assisted_Pull-Up",
    "Russian Twist": "Russian_Twist",
    "Seated Calf Raise (Plate Loaded)": "Seated_Calf_Raise",
    "Seated Leg Curl (Machine)": "Seated_Leg_Curl",
    "Seated Overhead Press (Dumbbell)": "Seated_Dumbbell_Press",
    "Seated Row (Cable)": "Seated_Cable_Rows",
    "Shoulder Press (Plate Loaded)": "Leverage_Shoulder_Press",
    "Skullcrusher (Barbell)": "Lying_Triceps_Press",
    "Squat (Barbell)": "Barbell_Squat",
    "T Bar Row": "T-Bar_Row_with_Handle",
    "Triceps Pushdown (Cable - Straight Bar)": "Triceps_Pushdown",
    # other common Strong / Hevy names
    "Ab Wheel": "Ab_Roller",
    "Arnold Press (Dumbbell)": "Arnold_Dumbbell_Press",
    "Back Squat": "Barbell_Squat",
    "Barbell Bench Press": "Barbell_Bench_Press_-_Medium_Grip",
    "Bench Press (Dumbbell)": "Dumbbell_Bench_Press",
    "Bench Press (Smith Machine)": "Smith_Machine_Bench_Press",
    "Bent Over Row (Dumbbell)": "Bent_Over_Two-Dumbbell_Row",
    "Butterfly (Pec Deck)": "Butterfly",
    "Chest Dip": "Dips_-_Chest_Version",
    "Chest Fly (Dumbbell)": "Dumbbell_Flyes",
    "Chin Up": "Chin-Up",
    "Decline Bench Press (Dumbbell)": "Decline_Dumbbell_Bench_Press",
    "Dumbbell Row": "One-Arm_Dumbbell_Row",
    "Front Squat (Barbell)": "Front_Barbell_Squat",
    "Goblet Squat (Kettlebell)": "Goblet_Squat",
    "Good Morning (Barbell)": "Good_Morning",
    "Hack Squat (Machine)": "Hack_Squat",
    "Hammer Curl (Cable)": "Cable_Hammer_Curls_-_Rope_Attachment",
    "Hip Abductor (Machine)": "Thigh_Abductor",
    "Hip Adductor (Machine)": "Thigh_Adductor",
    "Hip Thrust (Barbell)": "Barbell_Hip_Thrust",
    "Incline Bench Press (Smith Machine)": "Smith_Machine_Incline_Bench_Press",
    "Incline Chest Fly (Dumbbell)": "Incline_Dumbbell_Flyes",
    "Jump Rope": "Rope_Jumping",
    "Lat Pulldown - Close Grip (Cable)": "Close-Grip_Front_Lat_Pulldown",
    "Leg Press (Machine)": "Leg_Press",
    "Lunge (Barbell)": "Barbell_Lunge",
    "Lunge (Dumbbell)": "Dumbbell_Lunges",
    "Pec Deck (Machine)": "Butterfly",
    "Preacher Curl (Barbell)": "Preacher_Curl",
    "Preacher Curl (Machine)": "Machine_Preacher_Curls",
    "Push Up": "Pushups",
    "Reverse Fly (Dumbbell)": "Reverse_Flyes",
    "Reverse Fly (Machine)": "Reverse_Machine_Flyes",
    "Romanian Deadlift (Barbell)": "Romanian_Deadlift",
    "Seated Calf Raise (Machine)": "Seated_Calf_Raise",
    "Shoulder Press (Dumbbell)": "Dumbbell_Shoulder_Press",
    "Shoulder Press (Machine)": "Machine_Shoulder_Military_Press",
    "Shrug (Barbell)": "Barbell_Shrug",
    "Shrug (Dumbbell)": "Dumbbell_Shrug",
    "Sit Up": "Sit-Up",
    "Skullcrusher (Dumbbell)": "Lying_Dumbbell_Tricep_Extension",
    "Squat (Bodyweight)": "Bodyweight_Squat",
    "Squat (Smith Machine)": "Smith_Machine_Squat",
    "Standing Calf Raise (Machine)": "Standing_Calf_Raises",
    "Straight Arm Pulldown (Cable)": "Straight-Arm_Pulldown",
    "Sumo Deadlift (Barbell)": "Sumo_Deadlift",
    "Triceps Dip": "Dips_-_Triceps_Version",
    "Triceps Pushdown": "Triceps_Pushdown",
    "Triceps Rope Pushdown": "Triceps_Pushdown_-_Rope_Attachment",
    "Upright Row (Barbell)": "Upright_Barbell_Row",
}

# Parenthesised suffixes that name equipment, as normalised ("Squat (Barbell)" -> "barbell squat").
EQUIPMENT = {
    "barbell", "dumbbell", "cable", "machine", "kettlebell", "band", "bodyweight", "smith machine",
    "plate loaded", "ez bar", "trap bar", "weighted", "assisted", "resistance band", "landmine",
}
_SUFFIX = re.compile(r"^(.*\S)\s*\(([^()]*)\)\s*$")


def _singular(word: str) -> str:
    """Drop a plural "s" (crunches -> crunch, pullups -> pullup); keep -ss/-us/-is words (press)."""
    if len(word) <= 2 or not word.endswith("s") or word.endswith(("ss", "us", "is")):
        return word
    return word[:-2] if word.endswith(("ches", "shes", "xes", "sses")) else word[:-1]


def normalise(name: str, reorder: bool = True) -> str:
    """Lower-case, no accents or punctuation, single spaces, singular words; with `reorder`,
    an app-style "X (Equipment)" becomes "equipment x"."""
    def clean(text: str) -> str:
        text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
        words = re.sub(r"[^a-z0-9]+", " ", text.replace("'", "")).split()
        return " ".join(_singular(w) for w in words)

    m = _SUFFIX.match(name.strip())
    if reorder and m and clean(m.group(2)) in EQUIPMENT:
        return f"{clean(m.group(2))} {clean(m.group(1))}"
    return clean(name)


def custom_exercise_id(name: str) -> str:
    """Id of a custom (non-catalog) exercise: "custom:" + slug of the normalised name."""
    return "custom:" + normalise(name).replace(" ", "-")


def load_catalog(path: Path | str = CATALOG_PATH) -> pd.DataFrame:
    """The catalog as one row per exercise; `aliases` are the ALIASES keys pointing at it."""
    raw = json.loads(Path(path).read_text(encoding="utf-8"))
    aliases: dict[str, list[str]] = {}
    for app_name, eid in sorted(ALIASES.items()):
        aliases.setdefault(eid, []).append(app_name)
    return pd.DataFrame({
        "exercise_id": [e["id"] for e in raw],
        "name": [e["name"] for e in raw],
        "aliases": [aliases.get(e["id"], []) for e in raw],
        "primary_muscles": [list(e.get("primaryMuscles") or []) for e in raw],
        "secondary_muscles": [list(e.get("secondaryMuscles") or []) for e in raw],
        **{c: [e.get(c) for e in raw] for c in ("equipment", "level", "mechanic", "force", "category")},
    })


class ExerciseMatcher:
    """Maps an exercise name to a catalog id, or None; built from a frame with exercise_id,
    name and aliases (load_catalog() or the `exercises` table)."""

    def __init__(self, catalog: pd.DataFrame):
        ids, names = catalog["exercise_id"], catalog["name"]
        self._exact = {n.strip().lower(): eid for eid, n in zip(ids, names)}
        self._names = {normalise(n, reorder=False): eid for eid, n in zip(ids, names)}
        self._aliases = {normalise(a): eid for eid, al in zip(ids, catalog["aliases"])
                         if isinstance(al, (list, tuple, np.ndarray)) for a in al}

    def match(self, name: str) -> str | None:
        """Exact (then normalised) name, then an alias, then "X (Equipment)" read as "Equipment X"."""
        if not isinstance(name, str) or not name.strip():
            return None
        return (self._exact.get(name.strip().lower()) or self._names.get(normalise(name, reorder=False))
                or self._aliases.get(normalise(name)) or self._names.get(normalise(name)))
