"""Hostile files through the real import (issue #14): XML entity bombs, external entities (XXE)
and DTDs are refused before anything is expanded or fetched; a file over MAX_FILE_BYTES is
refused, from a path or a file object, before it is read; archives (zip, gzip) are never opened.
Each is rejected with a one-line reason, logged as such, and leaves no other row."""
from __future__ import annotations

import gzip
import io
import tracemalloc
import zipfile
from pathlib import Path

import pytest

from engine.__main__ import main
from engine.ingest import gpx, tcx
from engine.ingest.common import RejectedFile
from engine.store import queries
from engine.store.imports import import_file, import_source, read_upload

DATA_TABLES = ["athletes", "activities", "samples", "strength_sets", "fitness_tests", "wellness"]

GPX_BODY = (b'<gpx xmlns="http://www.topografix.com/GPX/1/1" version="1.1" creator="x"><trk><name>@</name><trkseg>'
            b'<trkpt lat="52.0" lon="4.0"><time>2024-05-01T07:00:00Z</time></trkpt>'
            b'<trkpt lat="52.001" lon="4.0"><time>2024-05-01T07:01:00Z</time></trkpt></trkseg></trk></gpx>')
TCX_BODY = (b'<TrainingCenterDatabase xmlns="http://www.garmin.com/xmlschemas/TrainingCenterDatabase/v2">'
            b'<Activities><Activity Sport="Running"><Id>2024-05-01T07:00:00Z</Id><Notes>@</Notes>'
            b'<Lap StartTime="2024-05-01T07:00:00Z"><Track>'
            b'<Trackpoint><Time>2024-05-01T07:00:00Z</Time><HeartRateBpm><Value>120</Value></HeartRateBpm></Trackpoint>'
            b'<Trackpoint><Time>2024-05-01T07:01:00Z</Time><HeartRateBpm><Value>130</Value></HeartRateBpm></Trackpoint>'
            b'</Track></Lap></Activity></Activities></TrainingCenterDatabase>')
BODIES = {"gpx": GPX_BODY, "tcx": TCX_BODY}


def billion_laughs(body: bytes) -> bytes:
    """10 levels of 10x entity expansion: 10^9 "lol"s (3 GB) if a parser expanded them."""
    levels = [b'<!ENTITY lol0 "lol">']
    levels += [b'<!ENTITY lol%d "%s">' % (i, b"&lol%d;" % (i - 1) * 10) for i in range(1, 10)]
    return b'<?xml version="1.0"?>\n<!DOCTYPE lolz [' + b"".join(levels) + b"]>\n" + body.replace(b"@", b"&lol9;")


def xxe(body: bytes) -> bytes:
    return (b'<?xml version="1.0"?>\n<!DOCTYPE r [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n'
            + body.replace(b"@", b"&xxe;"))


def parameter_entity(body: bytes) -> bytes:
    return (b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY % ext SYSTEM "http://127.0.0.1:9/evil.dtd"> %ext;]>'
            + body.replace(b"@", b"x"))


def external_dtd(body: bytes) -> bytes:
    return b'<?xml version="1.0"?><!DOCTYPE gpx SYSTEM "http://127.0.0.1:9/gpx.dtd">' + body.replace(b"@", b"x")


def plain_doctype(body: bytes) -> bytes:
    return b"<?xml version='1.0'?>\n<!-- exported -->\n<!DOCTYPE x>\n" + body.replace(b"@", b"x")


def utf16_bomb(body: bytes) -> bytes:
    return billion_laughs(body).replace(b'version="1.0"', b'version="1.0" encoding="UTF-16"').decode().encode("utf-16")


HOSTILE_XML = {"billion laughs": billion_laughs, "XXE file:///etc/passwd": xxe, "parameter entity": parameter_entity,
               "external DTD": external_dtd, "plain DOCTYPE": plain_doctype, "UTF-16 billion laughs": utf16_bomb}


def _rows(store) -> dict[str, int]:
    return {t: n for t, n in queries.counts(store).items() if t in DATA_TABLES}


def assert_rejected_cleanly(store, result, reason: str) -> None:
    assert result.status == "rejected", result.line()
    assert reason in result.message and "\n" not in result.message, result.message
    assert all(n == 0 for n in _rows(store).values())
    log = queries.imports(store).set_index("import_id").loc[result.import_id]  # the log's row of this file
    assert (log["status"], log["message"], log["rows_kept"]) == ("rejected", result.message, 0)


@pytest.mark.parametrize("fmt", ["gpx", "tcx"])
@pytest.mark.parametrize("attack", list(HOSTILE_XML))
def test_entities_and_dtds_are_refused_without_expansion(store, fmt, attack):
    data = HOSTILE_XML[attack](BODIES[fmt])
    result = import_file(store, f"hostile.{fmt}", data, athlete="Ada", create=True)     # speed: make bench
    assert_rejected_cleanly(store, result, "XML entity/DOCTYPE declarations are not allowed")
    assert "lol" not in result.message and "root:" not in result.message


@pytest.mark.parametrize("fmt, parse", [("gpx", gpx.parse_gpx), ("tcx", tcx.parse_tcx)])
@pytest.mark.parametrize("attack", ["billion laughs", "XXE file:///etc/passwd", "external DTD"])
def test_the_parser_refuses_them_even_without_the_prolog_scan(monkeypatch, fmt, parse, attack):
    """Defence in depth: with the prolog scan switched off, lxml (no DTD loading, no entity
    resolution, no network) still expands and fetches nothing, and the DOCTYPE is refused."""
    monkeypatch.setattr({"gpx": gpx, "tcx": tcx}[fmt], "refuse_dtd", lambda data: None)
    with pytest.raises(RejectedFile, match="not allowed|not valid XML") as err:
        parse(HOSTILE_XML[attack](BODIES[fmt]))
    assert "root:" not in str(err.value) and "\n" not in str(err.value)


@pytest.mark.parametrize("fmt", ["gpx", "tcx"])
def test_the_bodies_themselves_import(store, fmt):
    """The hostile files above differ from these only by their DOCTYPE."""
    result = import_file(store, f"fine.{fmt}", BODIES[fmt].replace(b"@", b"x"), athlete="Ada", create=True)
    assert result.status == "imported" and result.rows_kept == 2, result.message


@pytest.mark.parametrize("fmt", ["gpx", "tcx"])
def test_an_undeclared_entity_and_deep_nesting_are_rejected(store, fmt):
    undeclared = BODIES[fmt].replace(b"@", b"&xxe;")
    deep = BODIES[fmt].replace(b"@", b"<a>" * 100_000 + b"</a>" * 100_000)  # past libxml2's depth limit
    for i, data in enumerate([undeclared, deep]):
        result = import_file(store, f"odd{i}.{fmt}", data, athlete="Ada", create=True)
        assert_rejected_cleanly(store, result, "not valid XML")


# --- size -------------------------------------------------------------------------------------

class NeverRead(io.RawIOBase):
    """A seekable binary stream of `size` bytes whose content must never be read."""

    def __init__(self, size: int):
        self.size, self.pos = size, 0

    def seekable(self) -> bool:
        return True

    def readable(self) -> bool:
        return True

    def tell(self) -> int:
        return self.pos

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        self.pos = {io.SEEK_SET: 0, io.SEEK_CUR: self.pos, io.SEEK_END: self.size}[whence] + offset
        return self.pos

    def readinto(self, buffer) -> int:
        raise AssertionError("the file was read")


class Pipe(io.RawIOBase):
    """A stream that cannot seek (its size is unknown) and yields `size` bytes of spaces."""

    def __init__(self, size: int):
        self.left = size
        self.bytes_read = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        n = min(len(buffer), self.left)
        buffer[:n] = b" " * n
        self.left -= n
        self.bytes_read += n
        return n


def test_a_file_over_the_limit_is_rejected(store, monkeypatch):
    monkeypatch.setattr("engine.store.imports.MAX_FILE_BYTES", 100)
    result = import_file(store, "big.gpx", b"<gpx>" + b" " * 200 + b"</gpx>", athlete="Ada", create=True)
    assert_rejected_cleanly(store, result, "over the 0 MB limit")


def test_a_big_file_at_a_path_is_refused_before_it_is_read(store, tmp_path):
    from engine.ingest.common import MAX_FILE_BYTES

    big = tmp_path / "huge.gpx"
    with open(big, "wb") as f:  # sparse: 2 GB on paper, nothing on disk
        f.write(GPX_BODY)
        f.truncate(2 * 1024 ** 3)
    assert big.stat().st_size > MAX_FILE_BYTES
    tracemalloc.start()
    try:
        result = import_source(store, big, athlete="Ada", create=True)
        _, peak_bytes = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak_bytes < 5 * 1024 ** 2  # reading it would take 2 GB
    assert_rejected_cleanly(store, result, "file is 2048.0 MB, over the 50 MB limit")
    assert result.file_name == "huge.gpx"


def test_a_big_file_object_is_refused_before_it_is_read(store):
    result = import_source(store, NeverRead(51 * 1024 ** 2), file_name="upload.fit", athlete="Ada", create=True)
    assert_rejected_cleanly(store, result, "file is 51.0 MB, over the 50 MB limit")
    with pytest.raises(RejectedFile, match="over the 50 MB limit"):
        read_upload(NeverRead(50 * 1024 ** 2 + 1))


def test_a_stream_of_unknown_size_is_read_no_further_than_the_limit(monkeypatch):
    monkeypatch.setattr("engine.store.imports.MAX_FILE_BYTES", 1000)
    pipe = Pipe(10 ** 9)
    with pytest.raises(RejectedFile, match="^file is over the 0 MB limit$"):
        read_upload(io.BufferedReader(pipe, buffer_size=64))
    assert pipe.bytes_read <= 1001 + 64
    assert read_upload(io.BufferedReader(Pipe(1000))) == b" " * 1000  # the limit itself is fine


def test_import_source_reads_paths_and_file_objects(store, samples_dir):
    path = samples_dir / "gpx" / "garmin_connect.gpx"
    assert import_source(store, path, athlete="Ada", create=True).status == "imported"
    with open(samples_dir / "tcx" / "run_garmin.tcx", "rb") as f:
        result = import_source(store, f, athlete="Ada")
    assert result.status == "imported" and result.file_name == "run_garmin.tcx"
    unnamed = import_source(store, io.BytesIO((samples_dir / "fit" / "run.fit").read_bytes()), athlete="Ada")
    assert unnamed.status == "imported" and unnamed.file_name == "upload"
    missing = import_source(store, samples_dir / "nope.gpx", athlete="Ada")
    assert missing.status == "rejected" and missing.message == "cannot read the file: No such file or directory"


def test_the_cli_refuses_a_big_file_without_reading_it(tmp_path, samples_dir, capsys, monkeypatch):
    big = tmp_path / "huge.fit"
    with open(big, "wb") as f:
        f.truncate(3 * 1024 ** 3)

    read_bytes = Path.read_bytes

    def guarded(path: Path) -> bytes:
        assert path.name != "huge.fit", "the CLI read the whole file"
        return read_bytes(path)
    monkeypatch.setattr(Path, "read_bytes", guarded)
    db = str(tmp_path / "cli.duckdb")
    gpx_path = str(samples_dir / "gpx" / "garmin_connect.gpx")
    assert main(["import", gpx_path, str(big), "--athlete", "Ada", "--create", "--db", db, "--workers", "1"]) == 1
    lines = capsys.readouterr().out.strip().splitlines()
    assert sorted(line.split("\t")[0] for line in lines) == ["imported", "rejected"]
    assert any("huge.fit" in line and "3072.0 MB, over the 50 MB limit" in line for line in lines)


# --- archives ---------------------------------------------------------------------------------

def _zip(name: str, data: bytes, method: int) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=method) as z:
        z.writestr(name, data)
    return out.getvalue()


@pytest.mark.parametrize("file_name, make, what", [
    ("activities.zip", lambda d: _zip("run.gpx", d["gpx"], zipfile.ZIP_DEFLATED), "is a zip archive"),
    ("run.gpx", lambda d: _zip("run.gpx", d["gpx"], zipfile.ZIP_DEFLATED), "is a zip archive"),
    ("run.gpx", lambda d: _zip("run.gpx", d["gpx"], zipfile.ZIP_STORED), "is a zip archive"),  # readable XML inside
    ("strong.csv", lambda d: _zip("strong.csv", d["csv"], zipfile.ZIP_STORED), "is a zip archive"),
    ("run.fit", lambda d: _zip("run.fit", d["fit"], zipfile.ZIP_STORED), "is a zip archive"),
    ("run.gpx", lambda d: gzip.compress(d["gpx"]), "is gzip-compressed"),  # Strava's bulk export: .gpx.gz
])
def test_archives_are_rejected_as_unrecognised(store, samples_dir, file_name, make, what):
    samples = {"gpx": (samples_dir / "gpx" / "strava_export.gpx").read_bytes(),
               "csv": (samples_dir / "strength_csv" / "strong.csv").read_bytes(),
               "fit": (samples_dir / "fit" / "run.fit").read_bytes()}
    result = import_file(store, file_name, make(samples), athlete="Ada", create=True)
    assert_rejected_cleanly(store, result, f"unrecognised file type: {file_name} {what}")


def test_the_upload_widget_and_the_engine_refuse_sizes_at_the_same_limit():
    """.streamlit/config.toml cannot import Python: this keeps its maxUploadSize on MAX_FILE_BYTES."""
    import tomllib

    from engine.ingest.common import MAX_FILE_BYTES
    config = tomllib.loads((Path(__file__).resolve().parents[1] / ".streamlit" / "config.toml").read_text())
    assert config["server"]["maxUploadSize"] * 1024 * 1024 == MAX_FILE_BYTES
