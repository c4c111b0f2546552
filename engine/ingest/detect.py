"""Which parser a file needs, from its content (the file name only appears in messages).

FIT: bytes 8-12 are ".FIT" (FIT file header, Garmin FIT SDK). GPX / TCX: the XML root element
`gpx` / `TrainingCenterDatabase` in the first 2 KB (not parsed further). CSV: the header line
(strength_format, or the fitness / wellness columns of engine.ingest.tables).
"""
from __future__ import annotations

import re

from engine.ingest.common import RejectedFile
from engine.ingest.strength import strength_format
from engine.ingest.tables import FITNESS_RANGES, WELLNESS_RANGES, header_fields

XML_ROOTS = {"gpx": "gpx", "trainingcenterdatabase": "tcx"}
_ROOT = re.compile(r"<(?![?!])(?:[\w.-]+:)?([\w.-]+)")  # first element that is not <?...?> or <!...>


def detect_kind(file_name: str, data: bytes) -> str:
    """One of fit, gpx, tcx, strong, hevy, native, fitness, wellness; else RejectedFile."""
    if not data.strip():
        raise RejectedFile("empty file")
    if data[8:12] == b".FIT":
        return "fit"
    head = data[:2048].decode("utf-8-sig", errors="ignore").lstrip()
    if head.startswith("<"):
        root = _ROOT.search(re.sub(r"<!--.*?-->", "", head, flags=re.S))
        kind = XML_ROOTS.get(root.group(1).lower()) if root else None
        if kind is None:
            raise RejectedFile(f"unrecognised file type: {file_name} is XML but not GPX or TCX")
        return kind
    line = data.lstrip(b"\r\n").split(b"\n", 1)[0]
    try:
        columns = header_fields(line.decode("utf-8-sig").strip())[1]
    except UnicodeDecodeError:
        columns = []
    cols = set(columns)
    kind = strength_format(columns)
    if kind is None and "date" in cols and set(FITNESS_RANGES) <= cols:
        kind = "fitness"
    elif kind is None and "date" in cols and cols & set(WELLNESS_RANGES):
        kind = "wellness"
    if kind is None:
        raise RejectedFile(f"unrecognised file type: {file_name} is not a FIT, GPX, TCX or known CSV file")
    return kind
