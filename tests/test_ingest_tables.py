"""Strength / fitness / wellness CSV parsers, exercise-name matching and file-kind detection."""
import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from engine.ingest.common import FITNESS_COLUMNS, STRENGTH_COLUMNS, WELLNESS_COLUMNS, RejectedFile
from engine.ingest.formats import detect
from engine.ingest.exercise_names import (ALIASES, ExerciseMatcher, custom_exercise_id, load_catalog,
                                          normalise)
from engine.ingest.strength import LB_KG, parse_duration, parse_strength_csv
from engine.ingest.tables import parse_fitness_csv, parse_wellness_csv

SAMPLES = Path(__file__).resolve().parents[2] / "shared" / "samples"
STRONG = SAMPLES / "strength_csv" / "strong.csv"

STRONG_OLD = b"""Date,Workout Name,Exercise Name,Set Order,Weight,Reps,Distance,Seconds,Notes,Workout Notes
2019-03-01 18:00:00,"Push","Bench Press (Barbell)",W,40,10,0,0,"",""
2019-03-01 18:00:00,"Push","Bench Press (Barbell)",1,60,8,0,0,,
2019-03-01 18:00:00,"Push","Bench Press (Barbell)",Note,,,,,"felt slow",
2019-03-01 18:00:00,"Push","Bench Press (Barbell)",D,50,12,0,0,,
2019-03-01 18:00:00,"Push","Pull Up",F,0,9,0,0,,
2019-03-01 18:00:00,"Push","Pull Up",Rest Timer,0,0,0,120,,
"""
STRONG_SEMICOLON = (
    "Date;Workout Name;Exercise Name;Set Order;Weight;Weight Unit;Reps;RPE;Distance;Distance Unit;"
    "Seconds;Notes;Workout Notes;Workout Duration\n"
    '2023-07-30 16:49:28;"Arms";"Bench Press (Dumbbell)";1;14;kg;8;8;;;0;"";"";44m\n'
    '2023-07-30 16:49:28;"Arms";"Bench Press (Dumbbell)";2;30;lbs;8;;;;0;;;44m\n'
    '2023-07-30 16:49:28;"Arms";"Plank";1;;;;;;;60;;;44m\n'
    '2023-07-30 16:49:28;"Arms";"Running";1;;;;;2;mi.;900;;;44m\n'
    '2023-08-01 07:00:00;"Légs";"Squat (Barbell)";1;72,5;kg;5;9,5;;;0;;;1h 5m\n'
).encode()
STRONG_V3 = b'''"Workout #";"Date";"Workout Name";"Duration (sec)";"Exercise Name";"Set Order";"Weight (kg)";"Reps";"RPE";"Distance (meters)";"Seconds";"Notes";"Workout Notes"
"1";"2023-07-14 19:31:01";"Workout A";"82";"Squat (Barbell)";"W";"50.0";"5";"";"";"";"";""
"1";"2023-07-14 19:31:01";"Workout A";"82";"Squat (Barbell)";"1";"100.0";"5";"8";"";"";"";""
'''  # noqa: E501
HEVY_HEADER = ('"title","start_time","end_time","description","exercise_title","superset_id","exercise_notes",'
               '"set_index","set_type","weight_kg","reps","distance_km","duration_seconds","rpe"\n')
HEVY = (HEVY_HEADER +
        '"Push","15 Sep 2024, 18:02","15 Sep 2024, 19:10","","Bench Press (Barbell)",,"",0,"warmup",40,10,,,\n'
        '"Push","15 Sep 2024, 18:02","15 Sep 2024, 19:10","","Bench Press (Barbell)",,"",1,"normal",80,5,,,8\n'
        '"Push","15 Sep 2024, 18:02","15 Sep 2024, 19:10","","Bench Press (Barbell)",,"",2,"failure",80,4,,,10\n'
        '"Push","15 Sep 2024, 18:02","15 Sep 2024, 19:10","","Plank",,"",0,"normal",,,,60,\n'
        '"Legs","17 Sep 2024, 07:30","17 Sep 2024, 08:15","","Squat (Barbell)",,"",0,"dropset",100,5,,,\n'
        '"Legs","17 Sep 2024, 07:30","17 Sep 2024, 08:15","","Treadmill",,"",0,"normal",,,1.5,600,\n').encode()
HEVY_IMPERIAL = HEVY_HEADER.replace("weight_kg", "weight_lbs").replace("distance_km", "distance_miles").encode() + (
    b'"Run","2024-09-20T18:00:00","2024-09-20T19:10:00","","Deadlift (Barbell)",,"",0,"normal",225,5,,,\n'
    b'"Run","2024-09-20T18:00:00","2024-09-20T19:10:00","","Treadmill",,"",0,"normal",,,1,600,\n')
NATIVE = b"""date,exercise,set,weight_kg,reps,rpe,rir,rest_s,workout,duration_min,athlete
2024-05-01 18:30,Back Squat,W,60,5,,,90,Legs,55,Ana
2024-05-01 18:30,Back Squat,1,100,5,8,,180,Legs,55,Ana
2024-05-01 18:30,Back Squat,2,100,5,,1,180,Legs,55,Ana
2024-05-01 18:30,Pull Up,1,,8,,,120,Legs,55,Ana
2024-05-03,Bench Press (Barbell),1,80,6,7.5,,,,,
"""
LAPS = ",".join(f"lap_{i}" for i in range(1, 16))
FITNESS = (f"athlete,date,height_cm,mass_kg,{LAPS},pullups,situps_60s,shuttle_30x2_s\n"
           f"Ana,2024-03-01,168,60.5,{','.join(['50'] * 15)},8,40,14.2\n"
           f"Ben,2024-03-01,181,82,{','.join(['45.5'] * 15)},12,45,13.1\n"
           f"Cal,2024-03-01,175,70,{','.join(['50'] * 14)},250,10,40,14.0\n"   # lap 15 out of range
           f"Dan,2024-03-01,175,70,{','.join(['50'] * 15)},,40,14.0\n").encode()  # pull-ups missing
WELLNESS = b"""date,athlete,srpe,session_min,start_time,sleep_h,soreness,hr_rest_morning,hrv_ms
2024-05-01,Ana,7,60,18:30,7.5,3,52,65
2024-05-02,Ana,,,,8,12,50,70
2024-05-03,Ana,5,45,7:05,,,,
2024-13-40,Ana,5,45,,,,,
2024-05-04,,,,,,,,
"""


def detect_kind(file_name: str, data: bytes) -> str:
    return detect(file_name, data).kind


PARSERS = [parse_strength_csv, parse_fitness_csv, parse_wellness_csv]


def test_strong_sample():
    parsed = parse_strength_csv(STRONG.read_bytes())
    sets = parsed.sets
    assert parsed.source == "strong" and list(sets.columns) == STRENGTH_COLUMNS
    assert len(sets) == 2078 and sets["session_key"].nunique() == 129
    assert sets["exercise_name"].nunique() == 72
    assert (parsed.report.rows_in, parsed.report.rows_kept, parsed.report.warnings) == (2078, 2078, [])
    first = sets.iloc[0]
    assert (first.exercise_name, first.weight_kg, first.reps, first.set_order) == ("Bench Press (Barbell)", 75.0, 8, 1)
    assert first.session_start == pd.Timestamp("2021-02-10 16:46:13") and first.session_duration_s == 2 * 3600 + 18 * 60
    assert first.workout_name == "Mittwoch" and first.set_type == "normal"
    plank = sets[sets["exercise_name"] == "Plank"]
    assert len(plank) and (plank["reps"] == 0).all() and (plank["duration_s"] > 0).all()
    assert sets["set_order"].min() == 1 and set(sets["set_type"]) == {"normal"}
    assert sets["rpe"].isna().all() and sets["distance_m"].isna().all() and sets["rest_s"].isna().all()
    assert (sets.groupby(["session_key", "exercise_name"])["set_order"]
            .apply(lambda s: list(s) == list(range(1, len(s) + 1))).all())


def test_strong_sample_in_pounds():
    kg = parse_strength_csv(STRONG.read_bytes()).sets["weight_kg"]
    lb = parse_strength_csv(STRONG.read_bytes(), weight_unit="lb").sets["weight_kg"]
    assert np.allclose(lb, kg * 0.45359237) and lb.iloc[0] == pytest.approx(34.02, abs=0.01)
    with pytest.raises(ValueError):
        parse_strength_csv(STRONG.read_bytes(), weight_unit="stone")


def test_strong_sample_match_rate():
    matcher = ExerciseMatcher(load_catalog())
    names = parse_strength_csv(STRONG.read_bytes()).sets["exercise_name"].unique()
    matched = {n: matcher.match(n) for n in names}
    assert sum(v is not None for v in matched.values()) == 48  # of 72; the rest have no true equivalent
    assert all(ALIASES.get(n) == eid for n, eid in matched.items() if eid)  # every hit is curated
    assert matched["Bench Press (Barbell)"] == "Barbell_Bench_Press_-_Medium_Grip"
    assert matched["Squat (Barbell)"] == "Barbell_Squat"
    assert matched["Deadlift (Barbell)"] == "Barbell_Deadlift"
    assert matched["Pull Up"] == "Pullups"
    assert matched["Plank"] == "Plank"
    for custom in ("Leg Press Keller", "Back Deltoids", "Triceps Extension", "Lateral Raise (Machine)"):
        assert matched[custom] is None


def test_catalog_and_aliases():
    cat = load_catalog()
    assert len(cat) == 873 and cat["exercise_id"].is_unique
    assert list(cat.columns) == ["exercise_id", "name", "aliases", "primary_muscles", "secondary_muscles",
                                 "equipment", "level", "mechanic", "force", "category"]
    assert set(ALIASES.values()) <= set(cat["exercise_id"])
    bench = cat.set_index("exercise_id").loc["Barbell_Bench_Press_-_Medium_Grip"]
    assert "Bench Press (Barbell)" in bench["aliases"] and bench["primary_muscles"] == ["chest"]
    matcher = ExerciseMatcher(cat)
    assert all(matcher.match(n) == eid for n, eid in zip(cat["name"], cat["exercise_id"]))
    # a frame as read back from the database: aliases are arrays, and may be missing
    db_like = cat[["exercise_id", "name"]].assign(aliases=[np.array(a) if a else None for a in cat["aliases"]])
    assert ExerciseMatcher(db_like).match("Pull Up") == "Pullups"


def test_normalise_and_matching_rules():
    assert normalise("  Bench Press (Dumbbell) ") == "dumbbell bench press"
    assert normalise("Bench Press (Dumbbell)", reorder=False) == "bench press dumbbell"
    assert normalise("Crunches") == "crunch" and normalise("Pull-ups") == "pull up"
    assert normalise("Hyperextensions (Back Extensions)") == "hyperextension back extension"
    assert normalise("Préss  Cross") == "press cross" and normalise("Biceps") == "bicep"
    m = ExerciseMatcher(load_catalog())
    assert m.match("Shrug (Barbell)") == "Barbell_Shrug"          # reordering
    assert m.match("Skullcrusher (EZ Bar)") == "EZ-Bar_Skullcrusher"
    assert m.match("leg extensions") == "Leg_Extensions"            # normalised exact name
    assert m.match("Pull-ups") == "Pullups"                         # alias after normalising
    assert m.match("Back Squat") == "Barbell_Squat"
    assert m.match("Bench Press") is None and m.match("") is None   # no guessing
    assert custom_exercise_id("Leg Press Technogym (Gelb)") == "custom:leg-press-technogym-gelb"
    assert custom_exercise_id("Pendlay Row (Barbell)") == "custom:barbell-pendlay-row"


@pytest.mark.parametrize("text, seconds", [
    ("2h 18m", 8280), ("1h", 3600), ("58m", 3480), ("45s", 45), ("38min", 2280), ("82", 82), ("", None), ("soon", None),
])
def test_parse_duration(text, seconds):
    assert (np.isnan(parse_duration(text)) if seconds is None else parse_duration(text) == seconds)


def test_strong_old_layout_tags_and_pseudo_rows():
    parsed = parse_strength_csv(STRONG_OLD)
    s = parsed.sets
    assert list(s["set_type"]) == ["warmup", "normal", "dropset", "failure"]
    assert list(s["set_order"]) == [1, 2, 3, 1]
    assert s["session_duration_s"].isna().all() and s["rpe"].isna().all()
    assert s.loc[3, "weight_kg"] == 0 and s.loc[3, "reps"] == 9
    assert (parsed.report.rows_in, parsed.report.rows_kept) == (6, 4)
    assert "skipped 2 non-set rows" in parsed.report.warnings[0]


def test_strong_semicolon_with_units():
    parsed = parse_strength_csv(STRONG_SEMICOLON, weight_unit="lb")   # units in the file win
    s = parsed.sets
    assert s["session_key"].nunique() == 2 and s.loc[0, "session_duration_s"] == 44 * 60
    assert s.loc[0, "weight_kg"] == 14 and s.loc[1, "weight_kg"] == pytest.approx(30 * LB_KG)
    assert (s.loc[0, "rpe"], s.loc[0, "rir"]) == (8, 2)
    assert (s.loc[2, "reps"], s.loc[2, "duration_s"]) == (0, 60) and np.isnan(s.loc[2, "weight_kg"])
    assert s.loc[3, "distance_m"] == pytest.approx(2 * 1609.344) and s.loc[3, "duration_s"] == 900
    assert s.loc[4, "weight_kg"] == 72.5 and s.loc[4, "rpe"] == 9.5 and s.loc[4, "workout_name"] == "Légs"
    assert s.loc[4, "session_duration_s"] == 3900


def test_strong_distance_unit_defaults_to_weight_unit():
    csv = b"Date,Workout Name,Exercise Name,Set Order,Weight,Reps,Distance,Seconds,Notes,Workout Notes\n" \
          b"2019-03-01 18:00:00,Run,Running,1,0,0,5,1500,,\n"
    assert parse_strength_csv(csv).sets.loc[0, "distance_m"] == 5000
    assert parse_strength_csv(csv, "lb").sets.loc[0, "distance_m"] == pytest.approx(5 * 1609.344)


def test_strong_export_with_units_in_header():
    s = parse_strength_csv(STRONG_V3, weight_unit="lb").sets
    assert list(s["set_type"]) == ["warmup", "normal"] and list(s["weight_kg"]) == [50.0, 100.0]
    assert s.loc[0, "session_duration_s"] == 82 and s.loc[1, "rir"] == 2


STRONG_2016_KG = b"""Date,Workout Name,Exercise Name,Set Order,kg,Reps,km,Seconds,Notes
2016-04-02 09:12:00,"Legs","Squat (Barbell)",1,100,5,,,""
2016-04-02 09:12:00,"Legs","Squat (Barbell)",2,102.5,5,,,""
2016-04-02 09:12:00,"Legs","Running",1,,,2.5,900,""
"""
STRONG_2016_LBS = (STRONG_2016_KG.replace(b",kg,", b",lbs,").replace(b",km,", b",mi,")
                   .replace(b",100,", b",225,").replace(b",102.5,", b",230,"))


@pytest.mark.parametrize("unit_arg", ["kg", "lb"])
def test_strong_2016_header_units_in_column_names_win(unit_arg):
    for data in (STRONG_2016_KG, STRONG_2016_LBS):
        assert detect_kind("strong.csv", data) == "strong"
    kg = parse_strength_csv(STRONG_2016_KG, weight_unit=unit_arg)
    assert kg.source == "strong" and (kg.report.rows_in, kg.report.rows_kept) == (3, 3)
    assert kg.sets["weight_kg"].tolist()[:2] == [100.0, 102.5] and kg.sets["reps"].tolist()[:2] == [5, 5]
    assert kg.sets.loc[2, "distance_m"] == 2500.0 and kg.sets.loc[2, "duration_s"] == 900
    lbs = parse_strength_csv(STRONG_2016_LBS, weight_unit=unit_arg).sets
    assert lbs["weight_kg"].tolist()[:2] == pytest.approx([225 * LB_KG, 230 * LB_KG])
    assert lbs.loc[2, "distance_m"] == pytest.approx(2.5 * 1609.344)


def test_strong_weight_unit_column_wins_over_the_argument():
    csv = (b"Date,Workout Name,Exercise Name,Set Order,Weight,Weight Unit,Reps,Distance,Distance Unit,Seconds\n"
           b"2023-07-30 16:49:28,Arms,Curl (Dumbbell),1,14,kg,8,,,0\n"
           b"2023-07-30 16:49:28,Arms,Curl (Dumbbell),2,30,lbs,8,,,0\n"
           b"2023-07-30 16:49:28,Arms,Running,1,,,,3,km,900\n")
    for unit_arg in ("kg", "lb"):
        s = parse_strength_csv(csv, weight_unit=unit_arg).sets
        assert s.loc[0, "weight_kg"] == 14.0 and s.loc[1, "weight_kg"] == pytest.approx(30 * LB_KG)
        assert s.loc[2, "distance_m"] == 3000.0


def test_impossible_reps_and_weights_are_blanked_and_never_reach_the_e1rm():
    from engine.load.strength import e1rm_by_session
    csv = (b"date,exercise,weight_kg,reps\n"
           b"2024-05-01,Squat,100,5\n"
           b"2024-05-01,Squat,140,877777\n"    # reps impossible: NULL, not 0
           b"2024-05-01,Squat,600,3\n"         # weight impossible
           b"2024-05-01,Squat,100,101\n"
           b"2024-05-01,Squat,120,100\n")      # 100 reps: the limit itself is kept
    parsed = parse_strength_csv(csv)
    s = parsed.sets
    assert parsed.report.rows_kept == 5
    assert parsed.report.warnings == ["3 impossible values blanked: 2 reps over 100, 1 weights < 0 or > 500 kg"]
    assert str(s["reps"].dtype) == "Int64"
    assert s["reps"].isna().tolist() == [False, True, False, True, False] and s.loc[4, "reps"] == 100
    assert s.loc[1, "weight_kg"] == 140.0 and np.isnan(s.loc[2, "weight_kg"]) and s.loc[2, "reps"] == 3
    best = e1rm_by_session(s.assign(session_date=s["session_start"].dt.date, exercise_id="squat"))
    assert best["e1rm_epley_kg"].tolist() == [pytest.approx(100 * (1 + 5 / 30))]  # only the valid 5-rep set


def test_hevy_metric():
    parsed = parse_strength_csv(HEVY)
    s = parsed.sets
    assert parsed.source == "hevy" and list(s.columns) == STRENGTH_COLUMNS and len(s) == 6
    assert s["session_key"].nunique() == 2
    assert s.loc[0, "session_start"] == pd.Timestamp("2024-09-15 18:02")
    assert s.loc[0, "session_duration_s"] == 68 * 60
    assert list(s["set_type"]) == ["warmup", "normal", "failure", "normal", "dropset", "normal"]
    assert list(s["set_order"]) == [1, 2, 3, 1, 1, 1]
    assert (s.loc[1, "rpe"], s.loc[1, "rir"], s.loc[2, "rir"]) == (8, 2, 0)
    assert s.loc[3, "reps"] == 0 and s.loc[3, "duration_s"] == 60 and np.isnan(s.loc[3, "weight_kg"])
    assert s.loc[5, "distance_m"] == 1500


def test_hevy_imperial():
    s = parse_strength_csv(HEVY_IMPERIAL).sets
    assert s.loc[0, "weight_kg"] == pytest.approx(225 * LB_KG) and s.loc[1, "distance_m"] == pytest.approx(1609.344)
    assert s.loc[0, "session_start"] == pd.Timestamp("2024-09-20 18:00") and s.loc[0, "session_duration_s"] == 4200


def test_native():
    parsed = parse_strength_csv(NATIVE, weight_unit="lb")   # weight_kg is always kg
    s = parsed.sets
    assert parsed.source == "native" and len(s) == 5 and s["session_key"].nunique() == 2
    assert list(s["set_type"]) == ["warmup", "normal", "normal", "normal", "normal"]
    assert list(s["set_order"]) == [1, 2, 3, 1, 1]
    assert s.loc[0, "session_start"] == pd.Timestamp("2024-05-01 18:30") and s.loc[0, "session_duration_s"] == 3300
    assert (s.loc[1, "rpe"], s.loc[1, "rir"]) == (8, 2) and (s.loc[2, "rpe"], s.loc[2, "rir"]) == (9, 1)
    assert s.loc[1, "rest_s"] == 180 and np.isnan(s.loc[3, "weight_kg"]) and s.loc[1, "weight_kg"] == 100
    assert s.loc[4, "session_start"] == pd.Timestamp("2024-05-03") and s.loc[4, "workout_name"] is None
    assert np.isnan(s.loc[4, "session_duration_s"]) and s.loc[4, "rir"] == 2.5
    two = NATIVE.replace(b",,,\n", b",,,Ben\n")
    with pytest.raises(RejectedFile, match="2 athletes"):
        parse_strength_csv(two)


def test_unusable_strength_rows_are_dropped_with_a_count():
    csv = (b"date,exercise,weight_kg,reps\n2024-05-01,Squat,100,5\n2024-05-01,Squat,heavy,5\n"
           b"2024-05-32,Squat,100,5\n2024-05-01,,100,5\n2024-05-01,Squat,100,-1\n2024-05-01,Squat,1e999,5\n"
           b"2024-05-01,Squat,100,5,oops\n2024-05-01,Squat\n,,,\n\n2024-05-01,Squat,100,5,,\n")
    parsed = parse_strength_csv(csv)
    assert (parsed.report.rows_in, parsed.report.rows_kept) == (9, 2)
    warning = parsed.report.warnings[0]
    assert warning.startswith("dropped 7 of 9 rows") and "non-numeric weight_kg (2)" in warning
    assert "bad date (1)" in warning and "negative reps (1)" in warning and "no exercise name (1)" in warning
    assert "more fields than the header (1)" in warning and "no weight, reps, time or distance (1)" in warning
    with pytest.raises(RejectedFile, match="^no usable sets: dropped 1 of 1 rows: non-numeric weight_kg"):
        parse_strength_csv(b"date,exercise,weight_kg,reps\n2024-05-01,Squat,heavy,5\n")


def test_fitness():
    parsed = parse_fitness_csv(FITNESS)
    rows = parsed.rows
    assert parsed.kind == "fitness" and list(rows.columns) == FITNESS_COLUMNS
    assert list(rows["athlete"]) == ["Ana", "Ben"] and (parsed.report.rows_in, parsed.report.rows_kept) == (4, 2)
    assert rows.loc[0, "lap_200m_s"] == [50.0] * 15 and rows.loc[0, "run_3000m_s"] == 750
    assert rows.loc[1, "run_3000m_s"] == pytest.approx(15 * 45.5) and rows.loc[1, "pullups"] == 12
    assert rows.loc[0, "test_date"] == pd.Timestamp("2024-03-01") and rows["pullups"].dtype == np.int64
    assert "dropped 2 of 4 rows" in parsed.report.warnings[0] and "lap_15" in parsed.report.warnings[0]
    no_laps = FITNESS.replace(b",lap_7,", b",lap_seven,")
    with pytest.raises(RejectedFile, match="missing the column lap_7"):
        parse_fitness_csv(no_laps)
    with pytest.raises(RejectedFile, match="no valid fitness rows"):
        parse_fitness_csv(b"\n".join(FITNESS.splitlines()[0:1] + FITNESS.splitlines()[3:]))


def test_wellness():
    parsed = parse_wellness_csv(WELLNESS)
    rows = parsed.rows
    assert parsed.kind == "wellness" and list(rows.columns) == WELLNESS_COLUMNS
    assert (parsed.report.rows_in, parsed.report.rows_kept) == (5, 3)
    assert rows.loc[0, "start_time"] == dt.time(18, 30) and rows.loc[2, "start_time"] == dt.time(7, 5)
    assert rows.loc[1, "start_time"] is None and np.isnan(rows.loc[1, "soreness"])   # 12 is out of range
    assert rows.loc[0, "srpe"] * rows.loc[0, "session_min"] == 420 and rows.loc[0, "hrv_ms"] == 65
    assert rows.loc[0, "day"] == pd.Timestamp("2024-05-01")
    assert "soreness (1)" in parsed.report.warnings[0] and "bad date (1)" in parsed.report.warnings[1]
    minimal = parse_wellness_csv(b"date;sleep_h\n2024-05-01;7,5\n").rows
    assert minimal.loc[0, "athlete"] is None and minimal.loc[0, "sleep_h"] == 7.5 and np.isnan(minimal.loc[0, "srpe"])
    with pytest.raises(RejectedFile, match="no value column"):
        parse_wellness_csv(b"date,athlete,start_time\n2024-05-01,Ana,18:00\n")
    with pytest.raises(RejectedFile, match="missing the column date"):
        parse_wellness_csv(b"day,srpe\n2024-05-01,5\n")


@pytest.mark.parametrize("parser", PARSERS)
@pytest.mark.parametrize("data, reason", [
    (b"", "empty file"),
    (b"  \r\n", "empty file"),
    (b"\x00\x01\xff\xfe\x89PNG garbage \xc3\x28", "not a text CSV file"),
    (b"a,b\x00,c\n1,2,3\n", "not a text CSV file"),
    (b'date,srpe\n"2024-05-01,5\n', "malformed CSV at line 2"),
    (b"name,score\nAna,3\n", "unrecognised CSV header|missing the column"),
    (b"date,date,exercise,weight_kg,reps,srpe\n", "duplicate column names in the header: date"),
])
def test_hostile_files_are_rejected(parser, data, reason):
    with pytest.raises(RejectedFile, match=reason):
        parser(data)


def test_header_only_and_unknown_header():
    with pytest.raises(RejectedFile, match="header but no data rows"):
        parse_strength_csv(STRONG.read_bytes().splitlines(keepends=True)[0])
    with pytest.raises(RejectedFile, match="header but no data rows"):
        parse_fitness_csv(FITNESS.splitlines()[0])
    with pytest.raises(RejectedFile, match="header but no data rows"):
        parse_wellness_csv(b"date,srpe\n")
    with pytest.raises(RejectedFile, match="^unrecognised CSV header: expected a Strong, Hevy or native"):
        parse_strength_csv(FITNESS)


def test_bom_and_crlf():
    data = b"\xef\xbb\xbf" + STRONG.read_bytes().replace(b"\n", b"\r\n")
    assert len(parse_strength_csv(data).sets) == 2078
    assert detect_kind("strong.csv", data) == "strong"


@pytest.mark.parametrize("path", sorted(p for p in SAMPLES.rglob("*") if p.suffix in {".fit", ".gpx", ".tcx", ".csv"}),
                         ids=lambda p: p.name)
def test_detect_kind_on_samples(path):
    expected = {".fit": "fit", ".gpx": "gpx", ".tcx": "tcx"}.get(path.suffix, "strong")
    if path.name == "garmin-fenix-5-run-records.csv":  # fitparse's expected-values table, not an import format
        with pytest.raises(RejectedFile, match="unrecognised file type"):
            detect_kind(path.name, path.read_bytes())
    else:
        assert detect_kind(path.name.upper(), path.read_bytes()) == expected


@pytest.mark.parametrize("data, kind", [
    (STRONG_OLD, "strong"), (STRONG_SEMICOLON, "strong"), (STRONG_V3, "strong"), (HEVY, "hevy"),
    (HEVY_IMPERIAL, "hevy"), (NATIVE, "native"), (FITNESS, "fitness"), (WELLNESS, "wellness"),
    (b"\x0e\x10\x00\x00\x00\x00\x00\x00.FIT\x00\x00", "fit"),
    (b'<?xml version="1.0"?>\n<!-- a comment <x> -->\n<gpx version="1.1"></gpx>', "gpx"),
    (b"\xef\xbb\xbf<TrainingCenterDatabase xmlns='x'/>", "tcx"),
])
def test_detect_kind_on_test_csvs(data, kind):
    assert detect_kind("upload.bin", data) == kind


@pytest.mark.parametrize("data, reason", [
    (b"", "empty file"), (b"\n \n", "empty file"),
    (b"<?xml version='1.0'?><kml></kml>", "XML but not GPX or TCX"),
    (bytes(range(256)) * 4, "unrecognised file type"),
    (b"name,score\nAna,3\n", "unrecognised file type"),
])
def test_detect_kind_rejects(data, reason):
    with pytest.raises(RejectedFile, match=reason):
        detect_kind("x.csv", data)


def test_readme_lists_the_registry_formats():
    from engine.ingest.formats import markdown_table
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    assert markdown_table() in readme


def test_an_unknown_kind_raises_and_never_falls_through_to_a_parser():
    from engine.ingest.formats import UnknownFormat, format_for
    assert format_for("strong").kind == "strong"
    with pytest.raises(UnknownFormat, match="no file format 'xlsx'"):
        format_for("xlsx")
