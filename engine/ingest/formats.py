"""The format registry: every importable file format, in the order their sniffs are tried.

A format is a small object with a `kind`, a `label`, a `sniff(head_bytes) -> bool` that looks
only at the first HEAD_BYTES of a file, and a `parse(data, options) -> ParsedRows...`. The Upload
page, the CLI help and the README list the formats from FORMATS. Adding a format touches this
module (one entry) and its parser.

Recognition: FIT by bytes 8-12 ".FIT" (FIT file header, Garmin FIT SDK); GPX / TCX by the XML
root element `gpx` / `TrainingCenterDatabase`; CSV formats by their header line (UTF-8, or UTF-16
with a BOM). Archives (zip, gzip) are never opened: they are rejected as unrecognised, with a hint.
"""
from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from engine.ingest import fit, gpx, strength, tables, tcx
from engine.ingest.common import UTF16_BOMS, ParsedActivity, ParsedStrength, ParsedTable, RejectedFile

HEAD_BYTES = 4096  # what a sniff sees
# files the app never opens, by their first bytes (zip: PKWARE APPNOTE 4.3.7; gzip: RFC 1952)
ARCHIVES = {b"PK\x03\x04": "a zip archive", b"PK\x05\x06": "a zip archive", b"\x1f\x8b": "gzip-compressed"}
_ROOT = re.compile(r"<(?![?!])(?:[\w.-]+:)?([\w.-]+)")  # first element that is not <?...?> or <!...>


@dataclass(frozen=True)
class ParseOptions:
    """What the coach says about a file that the file itself may not: the weight unit of Strong
    exports without a unit column ("kg" | "lb")."""
    weight_unit: str = "kg"

    def __post_init__(self):
        if self.weight_unit not in ("kg", "lb"):
            raise ValueError(f"weight unit must be 'kg' or 'lb', not {self.weight_unit!r}")


ParsedRows = ParsedActivity | ParsedStrength | ParsedTable


@dataclass(frozen=True)
class Format:
    kind: str                         # stored in imports.kind
    label: str                        # shown to the coach
    extensions: tuple[str, ...]       # file-name endings the upload widget accepts
    recognised_by: str                # one line for the README and the CLI help
    sniff: Callable[[bytes], bool]
    parse: Callable[[bytes, ParseOptions], ParsedRows]


def head_text(head: bytes) -> str:
    """The text of a file's head: UTF-16 when it starts with a UTF-16 BOM, else UTF-8 (BOM dropped);
    undecodable bytes (a head cut inside a character, another encoding) are left out."""
    encoding = "utf-16" if head[:2] in UTF16_BOMS else "utf-8-sig"
    return head.decode(encoding, errors="ignore")


def xml_root_name(head: bytes) -> str | None:
    """Lower-case local name of the first XML element in `head`, or None if it is not XML."""
    text = head_text(head).lstrip()
    if not text.startswith("<"):
        return None
    root = _ROOT.search(re.sub(r"<!--.*?-->", "", text, flags=re.S))
    return root.group(1).lower() if root else None


def csv_header(head: bytes) -> list[str]:
    """Lower-case column names of the first line, or [] when it is not UTF-8 (or BOM-marked UTF-16) text."""
    if head[:2] in UTF16_BOMS:
        text = head_text(head)
    else:
        try:
            text = head.lstrip(b"\r\n").split(b"\n", 1)[0].decode("utf-8-sig")
        except UnicodeDecodeError:
            return []
    return tables.header_fields(text.lstrip("\r\n").split("\n", 1)[0].strip())[1]


def _is_strength(source: str) -> Callable[[bytes], bool]:
    return lambda head: strength.strength_format(csv_header(head)) == source


def _is_table(required: set[str], any_of: set[str]) -> Callable[[bytes], bool]:
    def sniff(head: bytes) -> bool:
        cols = set(csv_header(head))
        return required <= cols and bool(any_of & cols)
    return sniff


FORMATS: tuple[Format, ...] = (
    Format("fit", "FIT activity (Garmin, Coros, Suunto, Wahoo ... watches)", ("fit",),
           "`.FIT` signature in the header (parsed with fitdecode)",
           lambda head: head[8:12] == b".FIT", lambda data, _: fit.parse_fit(data)),
    Format("gpx", "GPX track", ("gpx",), "XML root `gpx` (streamed with lxml; DTDs and entities refused)",
           lambda head: xml_root_name(head) == "gpx", lambda data, _: gpx.parse_gpx(data)),
    Format("tcx", "TCX activity (Garmin Training Center)", ("tcx",),
           "XML root `TrainingCenterDatabase` (lxml; DTDs and entities refused)",
           lambda head: xml_root_name(head) == "trainingcenterdatabase", lambda data, _: tcx.parse_tcx(data)),
    Format("strong", "Strong app export (CSV)", ("csv",),
           "`Date,Workout Name,[Duration,]Exercise Name,Set Order,Weight,Reps,...` "
           "(`kg` for `Weight` in 2016 exports; `,` or `;`)",
           _is_strength("strong"), lambda data, o: strength.parse_strength_csv(data, o.weight_unit)),
    Format("hevy", "Hevy app export (CSV)", ("csv",),
           '`"title","start_time","end_time",...,"weight_kg"` or `"weight_lbs"`',
           _is_strength("hevy"), lambda data, o: strength.parse_strength_csv(data, o.weight_unit)),
    Format("native", "Native strength CSV", ("csv",), "`date,exercise,...,weight_kg,reps,...` (see below)",
           _is_strength("native"), lambda data, o: strength.parse_strength_csv(data, o.weight_unit)),
    Format("fitness", "Fitness-test battery CSV", ("csv",), "`date` and every battery column (see below)",
           _is_table({"date", *tables.FITNESS_RANGES}, {"date"}), lambda data, _: tables.parse_fitness_csv(data)),
    Format("wellness", "Wellness / session-RPE CSV", ("csv",), "`date` and at least one wellness column (see below)",
           _is_table({"date"}, set(tables.WELLNESS_RANGES)), lambda data, _: tables.parse_wellness_csv(data)),
)
BY_KIND = {f.kind: f for f in FORMATS}
EXTENSIONS = sorted({ext for f in FORMATS for ext in f.extensions})


class UnknownFormat(KeyError):
    """A kind that is not in the registry (a bug in the caller, never a coach's file)."""


def format_for(kind: str) -> Format:
    try:
        return BY_KIND[kind]
    except KeyError:
        raise UnknownFormat(f"no file format {kind!r}; known: {', '.join(BY_KIND)}") from None


def detect(file_name: str, data: bytes) -> Format:
    """The first format whose sniff accepts the file's head; RejectedFile if none does."""
    if not data.strip():
        raise RejectedFile("empty file")
    head = data[:HEAD_BYTES]
    for fmt in FORMATS:
        if fmt.sniff(head):
            return fmt
    archive = next((what for magic, what in ARCHIVES.items() if head.startswith(magic)), None)
    if archive:
        raise RejectedFile(f"unrecognised file type: {file_name} is {archive}; extract it and upload the files inside")
    if xml_root_name(head) is not None:
        raise RejectedFile(f"unrecognised file type: {file_name} is XML but not GPX or TCX")
    raise RejectedFile(f"unrecognised file type: {file_name} is not a FIT, GPX, TCX or known CSV file")


def parse_file(file_name: str, data: bytes, options: ParseOptions = ParseOptions()) -> tuple[str, ParsedRows]:
    """Detect the format of a file from its content and parse it; raises RejectedFile."""
    fmt = detect(file_name, data)
    return fmt.kind, fmt.parse(data, options)


def markdown_table() -> str:
    """The README's table of formats (a test keeps the README equal to it)."""
    rows = [f"| {f.kind} | {f.label} | {f.recognised_by} |" for f in FORMATS]
    return "\n".join(["| kind | format | how it is recognised |", "| --- | --- | --- |", *rows])
