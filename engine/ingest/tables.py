"""Fitness-test and wellness CSVs, and the CSV reading shared by the strength parser.

Both files are UTF-8 (a BOM is fine; UTF-16 with a BOM too), `,` or `;` separated, one header
line, column names case-insensitive, decimal point or comma. Dates are `YYYY-MM-DD`; a date
before 1980 or in the future is a bad date (common.date_window). `athlete` is optional in both:
rows without it belong to the athlete chosen at upload. The valid ranges below are
common.FITNESS_RANGES and common.WELLNESS_RANGES (part of common.BOUNDS).

Fitness-test CSV, one row per athlete and test day (the paper's battery: 15 x 200 m laps of a
3000 m run, pull-ups, 60 s sit-ups, 30 m x 2 shuttle run). All columns are required except
`athlete`; a row with a missing or out-of-range value is dropped with a warning:

    athlete,date,height_cm,mass_kg,lap_1,...,lap_15,pullups,situps_60s,shuttle_30x2_s

| column | unit | valid range |
| --- | --- | --- |
| athlete | name | - |
| date | YYYY-MM-DD | - |
| height_cm | cm | 100-250 |
| mass_kg | kg | 20-300 |
| lap_1 ... lap_15 | s, each 200 m split of the 3000 m run | 20-200 |
| pullups | count, whole | 0-100 |
| situps_60s | count in 60 s, whole | 0-100 |
| shuttle_30x2_s | s, 30 m x 2 shuttle | 5-60 |

Output: FITNESS_COLUMNS with test_date (pd.Timestamp, midnight), lap_200m_s (list of 15 floats)
and run_3000m_s = their sum (s).

Wellness / session-RPE CSV, one row per day (or per session when sRPE is logged):

    date,athlete,srpe,session_min,start_time,sleep_h,soreness,hr_rest_morning,hrv_ms

| column | unit | valid range |
| --- | --- | --- |
| date | YYYY-MM-DD, required | - |
| athlete | name, optional | - |
| srpe | session RPE, Foster CR-10 | 0-10 |
| session_min | session duration, min (Foster load = srpe x min) | 0-1440 |
| start_time | HH:MM, picks which activity of that day the sRPE belongs to | 00:00-23:59 |
| sleep_h | hours slept the night before | 0-24 |
| soreness | 0 (none) - 10 (worst) | 0-10 |
| hr_rest_morning | morning resting heart rate, bpm | 20-150 |
| hrv_ms | morning HRV (e.g. RMSSD), ms | 1-500 |

Only `date` and at least one value column are required. An invalid value is blanked with a
warning (the rest of the row is kept); a row with a bad date or no value left is dropped.
Output: WELLNESS_COLUMNS with day (pd.Timestamp, midnight) and start_time (datetime.time or None).
"""
from __future__ import annotations

import csv
import datetime as dt
import io

import numpy as np
import pandas as pd

from engine.ingest.common import (FITNESS_COLUMNS, FITNESS_RANGES, LAPS, WELLNESS_COLUMNS, WELLNESS_RANGES,
                                  UTF16_BOMS, ParsedFitness, ParsedWellness, ParseReport, RejectedFile, date_window)


def decode_text(data: bytes) -> str:
    """The text of a file in UTF-8 (BOM dropped) or UTF-16 with a BOM; RejectedFile if empty,
    binary or in another encoding (e.g. Latin-1)."""
    if not data.strip():
        raise RejectedFile("empty file")
    encoding = "utf-16" if data[:2] in UTF16_BOMS else "utf-8-sig"
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as err:
        raise RejectedFile(f"not a text CSV file: byte 0x{data[err.start]:02x} at offset {err.start:,} is not "
                           f"{'UTF-16' if encoding == 'utf-16' else 'UTF-8'} (save the file as UTF-8)") from None
    if "\x00" in text:
        raise RejectedFile("not a text CSV file")
    return text


def header_fields(line: str) -> tuple[str, list[str]]:
    """Separator (`;` if it outnumbers `,`) and the lower-case, unquoted names of a header line
    (cut at its first line break, \\r included); no names when it is not one CSV record."""
    line = (line.splitlines() or [""])[0]
    sep = ";" if line.count(";") > line.count(",") else ","
    try:
        return sep, [f.strip().lower() for f in next(csv.reader([line], delimiter=sep), [])]
    except csv.Error:  # e.g. a quote left open
        return sep, []


def read_csv(data: bytes) -> tuple[pd.DataFrame, pd.Series]:
    """Cells as stripped strings ("" when empty) under lower-case column names, blank lines skipped,
    short rows padded; and the mask of rows with more (non-empty) fields than the header."""
    text = decode_text(data).lstrip("\r\n")
    sep, _ = header_fields(text.split("\n", 1)[0])
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=sep, strict=True)  # any line ending
    try:
        rows = [r for r in reader if "".join(r).strip()]
    except csv.Error as err:
        raise RejectedFile(f"malformed CSV at line {reader.line_num}: {err}") from None
    if not rows:
        raise RejectedFile("empty file")
    header = [h.strip().lower() for h in rows[0]]
    if len(set(header)) < len(header):
        dupes = sorted(h for h in set(header) if header.count(h) > 1)
        raise RejectedFile(f"duplicate column names in the header: {', '.join(dupes)}")
    n = len(header)
    misaligned = pd.Series([len(r) > n and bool("".join(r[n:]).strip()) for r in rows[1:]], dtype=bool)
    body = [r if len(r) == n else (r + [""] * n)[:n] for r in rows[1:]]
    df = pd.DataFrame(body, columns=header, dtype=str) if body else pd.DataFrame(columns=header, dtype=str)
    return df.apply(lambda col: col.str.strip()), misaligned


def numbers(col: pd.Series) -> tuple[pd.Series, pd.Series]:
    """(floats with NaN for empty cells, mask of non-empty cells that are not finite numbers)."""
    values = pd.to_numeric(col.str.replace(",", ".", regex=False), errors="coerce")
    values = values.where(np.isfinite(values))
    return values, (col != "") & values.isna()


def dates(col: pd.Series, formats: tuple[str, ...] = ("ISO8601",)) -> pd.Series:
    """Naive timestamps; the first format that parses wins; a trailing UTC offset is ignored
    (the wall-clock time is kept); NaT when nothing parses or the date is outside
    common.date_window() (before 1980, or in the future)."""
    col = col.str.replace(r"(Z|[+-]\d\d:?\d\d)$", "", regex=True)
    out = pd.to_datetime(col, format=formats[0], errors="coerce")
    for fmt in formats[1:]:
        out = out.fillna(pd.to_datetime(col, format=fmt, errors="coerce"))
    earliest, latest = date_window()
    return out.where((out >= earliest) & (out <= latest))


def drop_note(bad: dict[str, pd.Series], n: int) -> str | None:
    """A warning such as "dropped 2 of 10 rows: pullups (1), bad date (1)", or None."""
    any_bad = pd.concat(bad.values(), axis=1).any(axis=1) if bad else pd.Series(dtype=bool)
    if not any_bad.any():
        return None
    reasons = ", ".join(f"{k} ({int(m.sum())})" for k, m in bad.items() if m.any())
    return f"dropped {int(any_bad.sum())} of {n} rows: {reasons}"


def _athletes(df: pd.DataFrame) -> pd.Series:
    col = df["athlete"] if "athlete" in df else pd.Series("", index=df.index)
    return col.astype(object).where(col != "", None)


def _check(df: pd.DataFrame, kind: str, required: list[str]) -> None:
    missing = [c for c in required if c not in df.columns]
    if missing:
        plural = "s" if len(missing) > 1 else ""
        raise RejectedFile(f"{kind} CSV is missing the column{plural} {', '.join(missing)}")
    if df.empty:
        raise RejectedFile(f"{kind} CSV has a header but no data rows")


def parse_fitness_csv(data: bytes) -> ParsedFitness:
    """Fitness-test battery rows (format in the module docstring)."""
    df, misaligned = read_csv(data)
    _check(df, "fitness", ["date", *FITNESS_RANGES])
    day = dates(df["date"], ("%Y-%m-%d",))
    bad = {"more fields than the header": misaligned, "bad date": day.isna()}
    vals = {}
    for col, (lo, hi) in FITNESS_RANGES.items():
        vals[col] = numbers(df[col])[0]
        bad[f"{col} missing or outside {lo}-{hi}"] = ~vals[col].between(lo, hi)
    for col in ("pullups", "situps_60s"):
        bad[f"{col} not whole"] = vals[col].notna() & (vals[col] % 1 != 0)
    keep = ~pd.concat(bad.values(), axis=1).any(axis=1)
    laps = pd.DataFrame({lap: vals[lap] for lap in LAPS})[keep]
    rows = pd.DataFrame({
        "athlete": _athletes(df)[keep], "test_date": day[keep],
        "height_cm": vals["height_cm"][keep], "mass_kg": vals["mass_kg"][keep],
        "run_3000m_s": laps.sum(axis=1), "lap_200m_s": laps.values.tolist(),
        "pullups": vals["pullups"][keep].astype(int), "situps_60s": vals["situps_60s"][keep].astype(int),
        "shuttle_30x2_s": vals["shuttle_30x2_s"][keep],
    }, index=laps.index)[FITNESS_COLUMNS].reset_index(drop=True)
    note = drop_note(bad, len(df))
    report = ParseReport(rows_in=len(df), rows_kept=len(rows), warnings=[note] if note else [])
    if rows.empty:
        raise RejectedFile(f"no valid fitness rows: {report.warnings[0]}")
    return ParsedFitness("fitness", rows, report)


def _clock(text: str) -> dt.time | None:
    """"HH:MM" or "HH:MM:SS" -> time; None when empty or invalid."""
    for fmt in ("%H:%M", "%H:%M:%S"):
        try:
            return dt.datetime.strptime(text, fmt).time()
        except ValueError:
            pass
    return None


def parse_wellness_csv(data: bytes) -> ParsedWellness:
    """Daily wellness and session-RPE rows (format in the module docstring)."""
    df, misaligned = read_csv(data)
    _check(df, "wellness", ["date"])
    if not any(c in df.columns for c in WELLNESS_RANGES):
        raise RejectedFile("wellness CSV has no value column: expected one of " + ", ".join(WELLNESS_RANGES))
    rows = pd.DataFrame({"athlete": _athletes(df), "day": dates(df["date"], ("%Y-%m-%d",))})
    blanked = {}
    for col, (lo, hi) in WELLNESS_RANGES.items():
        raw = df[col] if col in df else pd.Series("", index=df.index)
        values = numbers(raw)[0]
        blanked[col] = (raw != "") & ~values.between(lo, hi)
        rows[col] = values.where(~blanked[col])
    start = df["start_time"] if "start_time" in df else pd.Series("", index=df.index)
    rows["start_time"] = start.map(_clock).astype(object)
    blanked["start_time"] = (start != "") & rows["start_time"].isna()
    dropped = {"more fields than the header": misaligned, "bad date": rows["day"].isna(),
               "no valid value": rows[list(WELLNESS_RANGES)].isna().all(axis=1)}
    blanked_note = ", ".join(f"{k} ({int(m.sum())})" for k, m in blanked.items() if m.any())
    warnings = [f"blanked invalid values: {blanked_note}"] if blanked_note else []
    warnings += [w for w in [drop_note(dropped, len(df))] if w]
    keep = ~pd.concat(dropped.values(), axis=1).any(axis=1)
    rows = rows[keep][WELLNESS_COLUMNS].reset_index(drop=True)
    if rows.empty:
        raise RejectedFile("no valid wellness rows: " + "; ".join(warnings))
    return ParsedWellness("wellness", rows, ParseReport(rows_in=len(df), rows_kept=len(rows), warnings=warnings))
