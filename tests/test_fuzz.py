"""Seeded fuzzing of the import path (issue #14, "Hostile and broken input").

Mutated copies of the shared sample files (../shared/samples: FIT, GPX, TCX, the Strong CSV and
fitparse's records CSV) and of small native, Hevy, fitness-test and wellness CSVs written here
go through the real import: engine.store.imports.import_file on a real DuckDB file, a fresh copy
of one template database per case. Mutation kinds:

- truncate: the file cut at a random byte;
- bitflip: 1-16 random bits flipped (FIT: the CRCs rewritten half the time, so the decoder
  reads the flipped values instead of refusing the file);
- encoding: the text re-encoded as Latin-1, cp1252, UTF-16 (with or without a BOM), or UTF-8 with a BOM;
- values: negative, huge, NaN, inf, HR 0 / 254 / 400 ... written into one numeric field
  (FIT fields are rewritten in place, found by walking the file's definition messages);
- dates: timestamps or CSV dates moved to 1900 or 2100 (FIT, whose clock starts in 1989: 2100,
  device-relative time, or random clocks);
- duplicates: duplicate timestamps, trackpoints or CSV rows;
- columns: CSV columns shuffled, dropped, renamed, duplicated or added, or the header shuffled
  alone; XML elements removed or renamed, the namespace dropped, lat/lon swapped.

Every case ends in exactly one of: imported, with every stored value inside
engine.ingest.common.BOUNDS (samples' speeds inside their sport's cap too), every date inside
common.date_window(), and a warning in the import's message when a value outside every bound
was injected; or rejected with a one-line reason, logged as 'rejected' with that reason, and no
row written to any other table. Nothing raises.

FUZZ_CASES cases (default 200; `make fuzz` runs 1,000). Case i is planned and mutated from
numpy's default_rng([SEED, i]), so it is the same in every run and for every FUZZ_CASES.
"""
from __future__ import annotations

import csv
import datetime as dt
import io
import os
import re
import shutil
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
from fitdecode.utils import compute_crc

from engine.ingest.common import BOUNDS, date_window, max_speed_mps
from engine.store.db import Store
from engine.store.imports import ImportResult, import_file

SEED = 14  # the number
N_CASES = int(os.environ.get("FUZZ_CASES", "200"))
DATA_TABLES = ["athletes", "activities", "samples", "laps", "strength_sets", "fitness_tests", "wellness", "exercises"]
OUTCOMES: Counter = Counter()  # (mutation kind, status) -> cases, printed after the run
TIMES_S: list[float] = []

# --- seeds -----------------------------------------------------------------------------------

SAMPLE_SEEDS = ["fit/garmin-fenix-5-run.fit", "fit/run.fit", "fit/activity-small-fenix2-run.fit",
                "gpx/garmin_connect.gpx", "gpx/nike_run.gpx", "gpx/strava_export.gpx",
                "tcx/run_garmin.tcx", "tcx/test.tcx", "tcx/no_hr.tcx",
                "strength_csv/strong.csv", "fit/garmin-fenix-5-run-records.csv"]
LAP_NAMES = ",".join(f"lap_{i}" for i in range(1, 16))
WRITTEN_SEEDS = {  # the CSV formats the shared samples lack (tests/test_ingest_tables.py has more)
    "native.csv": (
        "date,exercise,set,weight_kg,reps,rpe,rir,rest_s,duration_s,workout,duration_min\n"
        "2024-05-01 18:30,Back Squat,W,60,5,,,90,,Legs,55\n"
        "2024-05-01 18:30,Back Squat,1,100,5,8,,180,,Legs,55\n"
        "2024-05-01 18:30,Back Squat,2,102.5,5,,1,180,,Legs,55\n"
        "2024-05-01 18:30,Pull Up,1,,8,,,120,,Legs,55\n"
        "2024-05-01 18:30,Plank,1,,,,,60,90,Legs,55\n"
        "2024-05-03 07:15,Bench Press (Barbell),1,80,6,7.5,,150,,Push,40\n"
        "2024-05-03 07:15,Bench Press (Barbell),2,80,6,8,,150,,Push,40\n"),
    "hevy.csv": (
        '"title","start_time","end_time","description","exercise_title","superset_id","exercise_notes",'
        '"set_index","set_type","weight_kg","reps","distance_km","duration_seconds","rpe"\n'
        '"Push","15 Sep 2024, 18:02","15 Sep 2024, 19:10","","Bench Press (Barbell)",,"",0,"warmup",40,10,,,\n'
        '"Push","15 Sep 2024, 18:02","15 Sep 2024, 19:10","","Bench Press (Barbell)",,"",1,"normal",80,5,,,8\n'
        '"Push","15 Sep 2024, 18:02","15 Sep 2024, 19:10","","Plank",,"",0,"normal",,,,60,\n'
        '"Legs","17 Sep 2024, 07:30","17 Sep 2024, 08:15","","Squat (Barbell)",,"",0,"dropset",100,5,,,\n'
        '"Legs","17 Sep 2024, 07:30","17 Sep 2024, 08:15","","Treadmill",,"",0,"normal",,,1.5,600,\n'),
    "fitness.csv": (
        f"athlete,date,height_cm,mass_kg,{LAP_NAMES},pullups,situps_60s,shuttle_30x2_s\n"
        f"Ana,2024-03-01,168,60.5,{','.join(['50'] * 15)},8,40,14.2\n"
        f"Ben,2024-03-01,181,82,{','.join(['45.5'] * 15)},12,45,13.1\n"
        f"Ana,2024-03-15,168,60,{','.join(['49'] * 15)},9,42,14.0\n"),
    "wellness.csv": (
        "date,athlete,srpe,session_min,start_time,sleep_h,soreness,hr_rest_morning,hrv_ms\n"
        "2024-05-01,Ana,7,60,18:30,7.5,3,52,65\n"
        "2024-05-02,Ana,,,,8,2,50,70\n"
        "2024-05-03,Ana,5,45,07:05,6.5,4,55,58\n"
        "2024-05-04,Ben,6,90,17:00,7,1,48,80\n"),
}
SEEDS = SAMPLE_SEEDS + list(WRITTEN_SEEDS)


def seed_format(seed: str) -> str:
    return {".fit": "fit", ".gpx": "xml", ".tcx": "xml", ".csv": "csv"}[Path(seed).suffix]


KINDS = {"fit": ["truncate", "bitflip", "values", "dates", "duplicates"],
         "xml": ["truncate", "bitflip", "encoding", "values", "dates", "duplicates", "columns"],
         "csv": ["truncate", "bitflip", "encoding", "values", "dates", "duplicates", "columns"]}

# numbers outside every bound of common.BOUNDS, whatever field they land in: an import that keeps
# the file must say it blanked or dropped something
OUT_OF_EVERY_BOUND = ["-1e9", "1e9", "1e308", "-1e308", "inf", "-inf", "Infinity", "1e400", "-1e400"]
HOSTILE = OUT_OF_EVERY_BOUND + ["-1", "-0.5", "0", "400", "255", "NaN", "nan", "", " ", "abc", "1,5", "0x1F",
                                "1_000", "9" * 40, "\u0661\u0662\u0663", "12abc", "+-3"]
HR_VALUES = ["0", "400", "-5", "254", "1000"]  # for heart-rate fields, beside HOSTILE
CSV_DATES = ["1900-01-01 10:00:00", "2100-01-01 10:00:00", "1900-01-01", "2100-06-30", "0001-01-01",
             "9999-12-31 23:59:59", "2100-01-01T10:00:00Z", "1899-12-31"]
XML_DATES = ["1900-01-01T00:00:00Z", "2100-01-01T00:00:00Z", "1900-01-01T00:00:00", "2100-12-31T23:59:59+14:00",
             "0001-01-01T00:00:00Z", "9999-12-31T23:59:59Z"]


@dataclass(frozen=True)
class Case:
    index: int
    seed: str
    kind: str

    @property
    def id(self) -> str:
        return f"{self.index:04d}-{Path(self.seed).name}-{self.kind}"


def plan(n: int) -> list[Case]:
    cases = []
    for i in range(n):
        rng = np.random.default_rng([SEED, i])
        seed = SEEDS[rng.integers(len(SEEDS))]
        kinds = KINDS[seed_format(seed)]
        cases.append(Case(i, seed, kinds[rng.integers(len(kinds))]))
    return cases


CASES = plan(N_CASES)


# --- FIT: fields found by walking the definition messages (FIT SDK, "FIT File Structure") -----

FIT_EPOCH = dt.datetime(1989, 12, 31, tzinfo=dt.UTC)
FIT_TARGETS = {  # global message number -> field numbers worth corrupting (FIT profile)
    20: {253: "timestamp", 0: "position_lat", 1: "position_long", 2: "altitude", 3: "heart_rate", 4: "cadence",
         5: "distance", 6: "speed", 73: "enhanced_speed", 78: "enhanced_altitude"},  # record
    18: {2: "start_time", 7: "total_elapsed_time", 9: "total_distance", 16: "avg_heart_rate",
         17: "max_heart_rate", 22: "total_ascent"},  # session
    19: {2: "start_time", 7: "total_elapsed_time", 9: "total_distance", 15: "avg_heart_rate",
         16: "max_heart_rate"},  # lap
    0: {4: "time_created"},  # file_id
}
FIT_TIMES = {"timestamp", "start_time", "time_created"}
SIGNED_BASE_TYPES = {0x01, 0x03, 0x05, 0x0E}  # sint8, sint16, sint32, sint64 (base type & 0x1F)


@dataclass(frozen=True)
class FitField:
    """One field value in a FIT file: message and field number, byte offset and size, type."""
    message: int
    number: int
    offset: int
    size: int
    signed: bool
    little_endian: bool

    @property
    def name(self) -> str:
        return FIT_TARGETS.get(self.message, {}).get(self.number, "")


def fit_fields(data: bytes) -> list[FitField]:
    """Every field value of every data message in the file's (first) data section."""
    header = data[0]
    end = min(len(data), header + int.from_bytes(data[4:8], "little"))
    defs, out, pos = {}, [], header
    while pos < end:
        h = data[pos]
        pos += 1
        if h & 0x80:  # compressed-timestamp header: a data message of local type bits 5-6
            local = (h >> 5) & 0x3
        elif h & 0x40:  # a definition message
            little = data[pos + 1] == 0
            message = int.from_bytes(data[pos + 2:pos + 4], "little" if little else "big")
            n = data[pos + 4]
            pos += 5
            fields = [tuple(data[pos + 3 * i:pos + 3 * i + 3]) for i in range(n)]
            pos += 3 * n
            dev_size = 0
            if h & 0x20:  # developer fields
                n_dev = data[pos]
                dev_size = sum(data[pos + 1 + 3 * i + 1] for i in range(n_dev))
                pos += 1 + 3 * n_dev
            defs[h & 0x0F] = (message, little, fields, dev_size)
            continue
        else:
            local = h & 0x0F
        message, little, fields, dev_size = defs[local]
        for number, size, base in fields:
            out.append(FitField(message, number, pos, size, (base & 0x1F) in SIGNED_BASE_TYPES, little))
            pos += size
        pos += dev_size
    return out


def fix_fit_crcs(data: bytearray) -> bytes:
    """Rewrite the header CRC (14-byte headers) and the file CRC (the last two bytes)."""
    if data[0] == 14 and len(data) >= 14:
        data[12:14] = compute_crc(bytes(data[:12])).to_bytes(2, "little")
    data[-2:] = compute_crc(bytes(data[:-2])).to_bytes(2, "little")
    return bytes(data)


def put(data: bytearray, field: FitField, value: int) -> None:
    data[field.offset:field.offset + field.size] = value.to_bytes(
        field.size, "little" if field.little_endian else "big", signed=field.signed)


def fit_extreme(rng, field: FitField) -> int:
    """A raw value at or near the ends of the field's type (the top one is FIT's 'invalid')."""
    bits = 8 * field.size
    if field.signed:
        choices = [-(2 ** (bits - 1)) + 1, -1, 0, 2 ** (bits - 1) - 2, 2 ** (bits - 1) - 1]
    else:
        choices = [0, 1, 2 ** bits - 2, 2 ** bits - 1]
    return int(rng.choice(choices)) if rng.random() < 0.8 else int(rng.integers(choices[0], choices[-1] + 1))


def fit_time(when: dt.datetime) -> int:
    return int((when - FIT_EPOCH).total_seconds())


def subset(rng, n: int) -> np.ndarray:
    """Indices of one, some or all of n items."""
    mode = rng.integers(3)
    if n == 0:
        return np.array([], dtype=int)
    if mode == 0:
        return np.array([rng.integers(n)])
    if mode == 1:
        some = np.flatnonzero(rng.random(n) < 0.1)
        return some if len(some) else np.array([rng.integers(n)])
    return np.arange(n)


def mutate_fit(rng, data: bytes, kind: str) -> tuple[bytes, bool]:
    """(mutated bytes, whether a value outside every bound may have been written)."""
    out = bytearray(data)
    fields = [f for f in fit_fields(data) if f.name]
    if kind == "values":
        names = sorted({f.name for f in fields} - FIT_TIMES)
        name = names[rng.integers(len(names))]
        chosen = [f for f in fields if f.name == name]
        for i in subset(rng, len(chosen)):
            put(out, chosen[i], fit_extreme(rng, chosen[i]))
        return fix_fit_crcs(out), False  # a FIT field cannot hold every out-of-bound number
    if kind == "dates":
        times = [f for f in fields if f.name in FIT_TIMES and f.size == 4]
        mode = rng.integers(3)
        picked = [times[i] for i in subset(rng, len(times))]
        for k, f in enumerate(picked):
            if mode == 0:  # 2100 (FIT time cannot say 1900: its epoch is 1989-12-31)
                put(out, f, fit_time(dt.datetime(2100, 1, 1, tzinfo=dt.UTC)) + k)
            elif mode == 1:  # device-relative time (< 0x10000000 s), placed from time_created
                put(out, f, int(rng.integers(0, 1000)) + k)
            else:  # a random clock
                put(out, f, int(rng.integers(0, 2 ** 32 - 1)))
        return fix_fit_crcs(out), False
    if kind == "duplicates":
        stamps = [f for f in fields if f.name == "timestamp" and f.message == 20]
        for i in subset(rng, len(stamps) - 1):
            before, after = stamps[i], stamps[i + 1]
            out[after.offset:after.offset + 4] = out[before.offset:before.offset + 4]
        return fix_fit_crcs(out), False
    if kind == "bitflip":
        flip_bits(rng, out)
        return (fix_fit_crcs(out) if rng.random() < 0.5 else bytes(out)), False
    raise AssertionError(kind)


def flip_bits(rng, data: bytearray) -> None:
    for _ in range(int(rng.integers(1, 17))):
        pos = int(rng.integers(len(data)))
        data[pos] ^= 1 << int(rng.integers(8))


# --- XML (GPX, TCX) ------------------------------------------------------------------------

XML_NUMBERS = ["ele", "speed", "hr", "cad", "AltitudeMeters", "DistanceMeters", "LatitudeDegrees",
               "LongitudeDegrees", "Value", "Speed", "RunCadence", "Cadence", "TotalTimeSeconds"]
XML_HR = {"hr", "Value"}
XML_TIMES = ["time", "Time", "Id"]
XML_ELEMENTS = ["time", "ele", "trkseg", "trkpt", "extensions", "hr", "Time", "Position", "Track", "Trackpoint",
                "HeartRateBpm", "DistanceMeters", "Lap", "Id", "Activity", "Activities", "name", "type"]


def element(tag: str) -> re.Pattern:
    """<tag>text</tag> in any namespace prefix; groups: open, text, close."""
    return re.compile(rf"(<(?:[\w.-]+:)?{tag}(?:\s[^>]*)?>)([^<]*)(</(?:[\w.-]+:)?{tag}>)")


def attribute(name: str) -> re.Pattern:
    return re.compile(rf'(\s{name}=")([^"]*)(")')


def replace_some(rng, pattern: re.Pattern, text: str, values) -> str:
    """Replace the middle group of one, some or all matches of `pattern` with values(k)."""
    matches = list(pattern.finditer(text))
    chosen = set(subset(rng, len(matches)).tolist())
    pieces, last = [], 0
    for k, m in enumerate(matches):
        if k in chosen:
            pieces += [text[last:m.start(2)], values(k)]
            last = m.end(2)
    return "".join(pieces) + text[last:]


def mutate_xml(rng, data: bytes, kind: str) -> tuple[bytes, bool]:
    text = data.decode("utf-8")
    if kind == "values":
        present = [t for t in XML_NUMBERS if element(t).search(text)] + [
            a for a in ("lat", "lon") if attribute(a).search(text)]
        name = present[rng.integers(len(present))]
        pool = HOSTILE + (HR_VALUES if name in XML_HR else [])
        value = pool[rng.integers(len(pool))]
        pattern = attribute(name) if name in ("lat", "lon") else element(name)
        return replace_some(rng, pattern, text, lambda k: value).encode(), value in OUT_OF_EVERY_BOUND
    if kind == "dates":
        value = XML_DATES[rng.integers(len(XML_DATES))]
        stamp = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))

        def moved(k: int) -> str:  # one second apart, in the chosen year
            try:
                return (stamp + dt.timedelta(seconds=k)).isoformat().replace("+00:00", "Z")
            except OverflowError:
                return value
        for tag in XML_TIMES:
            text = replace_some(rng, element(tag), text, moved)
        text = replace_some(rng, attribute("StartTime"), text, moved)
        return text.encode(), False
    if kind == "duplicates":
        gpx = "<trkpt" in text
        mode = rng.integers(3)
        if mode == 0:  # a point's time copied to the next point
            stamps = [m.group(2) for m in element("time" if gpx else "Time").finditer(text)]
            return replace_some(rng, element("time" if gpx else "Time"), text,
                                lambda k: stamps[max(k - 1, 0)]).encode(), False
        if mode == 1:  # whole points repeated
            points = list(re.finditer(r"<trkpt\b.*?</trkpt>" if gpx else r"<Trackpoint>.*?</Trackpoint>", text, re.S))
            for m in sorted((points[i] for i in subset(rng, len(points))), key=lambda m: -m.start()):
                text = text[:m.end()] + m.group(0) + text[m.end():]
            return text.encode(), False
        first = next((m.group(2) for t in XML_TIMES for m in [element(t).search(text)] if m), "")
        for tag in XML_TIMES:  # every time the same
            text = element(tag).sub(lambda m: m.group(1) + first + m.group(3), text)
        return text.encode(), False
    if kind == "columns":
        mode = rng.integers(4)
        tag = XML_ELEMENTS[rng.integers(len(XML_ELEMENTS))]
        if mode == 0:  # an element removed everywhere (with its content)
            text = re.sub(rf"<((?:[\w.-]+:)?{tag})(?:\s[^>]*)?>.*?</\1>|<(?:[\w.-]+:)?{tag}(?:\s[^>]*)?/>", "",
                          text, flags=re.S)
        elif mode == 1:  # an element renamed
            text = re.sub(rf"(</?(?:[\w.-]+:)?){tag}\b", rf"\g<1>{tag}x", text)
        elif mode == 2:  # the default namespace dropped
            text = re.sub(r'\sxmlns="[^"]*"', "", text, count=1)
        else:  # lat and lon swapped
            text = re.sub(r'lat="([^"]*)" lon="([^"]*)"', r'lat="\2" lon="\1"', text)
            text = re.sub(r"(LatitudeDegrees>)([^<]*)(</[\w:]*LatitudeDegrees>\s*<[\w:]*LongitudeDegrees>)([^<]*)",
                          r"\g<1>\4\3\2", text)
        return text.encode(), False
    if kind == "encoding":
        return reencode(rng, text, xml=True), False
    if kind == "bitflip":
        out = bytearray(data)
        flip_bits(rng, out)
        return bytes(out), False
    raise AssertionError(kind)


def reencode(rng, text: str, xml: bool = False) -> bytes:
    """The text with a few non-ASCII letters, in another encoding (its XML declaration left, or
    made to match)."""
    text = re.sub(r"(<name>|<Notes>|Mittwoch|Back Squat|Ana)", lambda m: m.group(1) + "Ä-é-ß", text, count=3)
    encoding = ["latin-1", "cp1252", "utf-16", "utf-16-le", "utf-16-be", "utf-8-sig"][rng.integers(6)]
    if xml and rng.random() < 0.5:
        text = re.sub(r'encoding="[^"]*"', f'encoding="{encoding.removesuffix("-sig")}"', text, count=1)
    return text.encode(encoding, errors="replace")


# --- CSV -----------------------------------------------------------------------------------

def read_rows(data: bytes) -> list[list[str]]:
    return [row for row in csv.reader(io.StringIO(data.decode("utf-8-sig"))) if row]


def write_rows(rows: list[list[str]]) -> bytes:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    return out.getvalue().encode()


def numeric_columns(rows: list[list[str]]) -> list[int]:
    def number(cell: str) -> bool:
        try:
            float(cell.replace(",", "."))
            return True
        except ValueError:
            return False
    body = rows[1:]
    return [j for j in range(len(rows[0])) if any(number(r[j]) for r in body if j < len(r))]


def date_columns(rows: list[list[str]]) -> list[int]:
    names = [h.strip().lower() for h in rows[0]]
    return [j for j, h in enumerate(names) if h in ("date", "start_time", "end_time", "timestamp")]


def mutate_csv(rng, data: bytes, kind: str) -> tuple[bytes, bool]:
    rows = read_rows(data)
    header, body = rows[0], rows[1:]
    if kind == "values":
        cols = numeric_columns(rows) or list(range(len(header)))
        j = cols[rng.integers(len(cols))]
        value = HOSTILE[rng.integers(len(HOSTILE))]
        for i in subset(rng, len(body)):
            if j < len(body[i]):
                body[i][j] = value
        return write_rows([header, *body]), value in OUT_OF_EVERY_BOUND
    if kind == "dates":
        cols = date_columns(rows) or [0]
        j = cols[rng.integers(len(cols))]
        value = CSV_DATES[rng.integers(len(CSV_DATES))]
        for i in subset(rng, len(body)):
            if j < len(body[i]):
                body[i][j] = value
        return write_rows([header, *body]), False
    if kind == "duplicates":
        picked = subset(rng, len(body))
        out = []
        for i, row in enumerate(body):
            out += [row, row] if i in set(picked.tolist()) else [row]
        return write_rows([header, *out]), False
    if kind == "columns":
        n = len(header)
        mode = rng.integers(6)
        if mode == 0:  # columns shuffled, cells with them
            order = rng.permutation(n)
            rows = [[r[k] if k < len(r) else "" for k in order] for r in rows]
        elif mode == 1:  # the header shuffled alone: every value under the wrong name
            rows = [[header[k] for k in rng.permutation(n)], *body]
        elif mode == 2:  # a column dropped
            k = int(rng.integers(n))
            rows = [r[:k] + r[k + 1:] for r in rows]
        elif mode == 3:  # a column renamed
            k = int(rng.integers(n))
            rows = [[*header[:k], header[k] + "_x", *header[k + 1:]], *body]
        elif mode == 4:  # a column name duplicated
            k, m = (int(x) for x in rng.choice(n, 2, replace=False))
            rows = [[header[k] if i == m else h for i, h in enumerate(header)], *body]
        else:  # an extra column, or the header line gone
            rows = [[*r, "extra"] for r in rows] if rng.random() < 0.5 else body
        return write_rows(rows or [[""]]), False
    if kind == "encoding":
        return reencode(rng, data.decode("utf-8-sig")), False
    if kind == "bitflip":
        out = bytearray(data)
        flip_bits(rng, out)
        return bytes(out), False
    raise AssertionError(kind)


def mutate(case: Case, data: bytes) -> tuple[bytes, bool]:
    """The case's mutated file and whether a value outside every bound was written into it."""
    rng = np.random.default_rng([SEED, case.index, 1])
    if case.kind == "truncate":
        return data[:int(rng.integers(len(data)))], False
    return {"fit": mutate_fit, "xml": mutate_xml, "csv": mutate_csv}[seed_format(case.seed)](rng, data, case.kind)


# --- checks ----------------------------------------------------------------------------------

def counts(store: Store) -> dict[str, int]:
    sql = " UNION ALL ".join(f"SELECT '{t}', count(*) FROM {t}" for t in [*DATA_TABLES, "imports"])
    with store.cursor() as cur:
        return dict(cur.execute(sql).fetchall())


def stored_outside_bounds(store: Store) -> list[str]:
    """'table.column: n values outside [lo, hi]' for every stored value outside common.BOUNDS,
    speeds over their sport's cap, and dates outside common.date_window(); NaN counts as outside."""
    problems = []
    for table, columns in BOUNDS.items():
        for col, (lo, hi) in columns.items():
            value = f"unnest({col})" if col == "lap_200m_s" else col
            n = store.query(f"SELECT count(*) AS n FROM (SELECT {value} AS v FROM {table}) "
                            f"WHERE v IS NOT NULL AND NOT (v BETWEEN {lo} AND {hi})")["n"].iloc[0]
            if n:
                problems.append(f"{table}.{col}: {n} values outside [{lo}, {hi}]")
    speeds = store.query("SELECT a.sport, max(s.speed_mps) AS top FROM samples s JOIN activities a USING (activity_id) "
                         "GROUP BY a.sport")
    problems += [f"samples.speed_mps: {r.top} m/s over the {r.sport} cap" for r in speeds.itertuples()
                 if r.top is not None and not np.isnan(r.top) and r.top > max_speed_mps(r.sport)]
    earliest, latest = date_window()
    for table, col in [("activities", "start_time"), ("strength_sets", "session_date"),
                       ("fitness_tests", "test_date"), ("wellness", "day")]:
        n = store.query(f"SELECT count(*) AS n FROM {table} WHERE {col} IS NULL OR "
                        f"CAST({col} AS TIMESTAMP) NOT BETWEEN ? AND ?", [earliest, latest])["n"].iloc[0]
        if n:
            problems.append(f"{table}.{col}: {n} dates outside {earliest:%Y-%m-%d} .. {latest:%Y-%m-%d}")
    return problems


@pytest.fixture(scope="module")
def template_db(tmp_path_factory) -> Path:
    """A migrated database with the exercise catalog, copied for every case."""
    path = tmp_path_factory.mktemp("fuzz") / "template.duckdb"
    Store(path).close()
    return path


@pytest.fixture(scope="module")
def seed_bytes(samples_dir) -> dict[str, bytes]:
    return {**{seed: (samples_dir / seed).read_bytes() for seed in SAMPLE_SEEDS},
            **{name: text.encode() for name, text in WRITTEN_SEEDS.items()}}


@pytest.fixture(scope="module", autouse=True)
def _summary(request):
    """After the run: imported / rejected per mutation kind, and the time of the imports."""
    yield
    reporter = request.config.pluginmanager.get_plugin("terminalreporter")
    capture = request.config.pluginmanager.get_plugin("capturemanager")
    if reporter is None or capture is None or not OUTCOMES:
        return
    total = Counter()
    for (_, status), n in OUTCOMES.items():
        total[status] += n
    lines = [f"fuzz: {sum(OUTCOMES.values())} cases, {sum(TIMES_S):.1f} s in import_file "
             f"(slowest case {max(TIMES_S):.2f} s)"]
    lines += [f"  {kind:<11} imported {OUTCOMES[kind, 'imported']:>4}   rejected {OUTCOMES[kind, 'rejected']:>4}"
              for kind in sorted({kind for kind, _ in OUTCOMES})]
    lines.append(f"  {'total':<11} imported {total['imported']:>4}   rejected {total['rejected']:>4}")
    with capture.global_and_fixture_disabled():
        reporter.write_line("")
        for line in lines:
            reporter.write_line(line)


def test_the_plan_is_seeded_and_covers_every_kind():
    assert plan(min(20, N_CASES)) == CASES[:20]
    if N_CASES >= 100:
        assert {c.kind for c in CASES} == {k for kinds in KINDS.values() for k in kinds}
    assert len(CASES) == N_CASES


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_a_mutated_file_is_imported_within_bounds_or_rejected_cleanly(case, template_db, seed_bytes, tmp_path):
    data, out_of_every_bound = mutate(case, seed_bytes[case.seed])
    db = tmp_path / "x.duckdb"
    shutil.copyfile(template_db, db)
    store = Store(db)
    try:
        before = counts(store)
        started = time.perf_counter()
        result: ImportResult = import_file(store, Path(case.seed).name, data, athlete="Fuzz", create=True)
        TIMES_S.append(time.perf_counter() - started)
        OUTCOMES[case.kind, result.status] += 1
        after = counts(store)
        log = store.query("SELECT status, message, rows_kept FROM imports ORDER BY import_id")
        assert result.status in ("imported", "rejected"), result.line()
        assert len(log) == 1 and log["status"].iloc[0] == result.status
        if result.status == "rejected":
            reason = result.message
            assert reason and "\n" not in reason and reason == log["message"].iloc[0], repr(reason)
            assert not reason.startswith(("internal error", "could not store")), reason
            assert {t: n for t, n in after.items() if t != "imports"} == {
                t: n for t, n in before.items() if t != "imports"}, f"a rejected file left rows: {reason}"
            assert log["rows_kept"].iloc[0] == 0
        else:
            assert stored_outside_bounds(store) == [], result.message
            if out_of_every_bound:
                assert re.search(r"blanked|dropped|skipped", result.message), (
                    f"an out-of-bounds value was imported without a warning: {result.message!r}")
    finally:
        store.close()
