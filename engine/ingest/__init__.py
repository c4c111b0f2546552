"""File parsers: bytes in, canonical frames and a report out; no database writes here.

engine.ingest.formats is the registry of formats (detection and parsing)."""
