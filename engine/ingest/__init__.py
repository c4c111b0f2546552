"""File parsers: bytes in, canonical frames and a report out; no database writes here."""
from __future__ import annotations

from engine.ingest import fit, gpx, strength, tables, tcx
from engine.ingest.common import ParsedActivity, ParsedStrength, ParsedTable, RejectedFile
from engine.ingest.detect import detect_kind


def parse_file(file_name: str, data: bytes, weight_unit: str = "kg"
               ) -> tuple[str, ParsedActivity | ParsedStrength | ParsedTable]:
    """Detect the kind of a file from its content and parse it; raises RejectedFile."""
    if not data:
        raise RejectedFile("empty file")
    kind = detect_kind(file_name, data)
    parsers = {
        "fit": fit.parse_fit, "gpx": gpx.parse_gpx, "tcx": tcx.parse_tcx,
        "fitness": tables.parse_fitness_csv, "wellness": tables.parse_wellness_csv,
    }
    if kind in parsers:
        return kind, parsers[kind](data)
    return kind, strength.parse_strength_csv(data, weight_unit=weight_unit)
