"""The shipped sample files that model kinds evaluate on beside the database ("strong_sample")."""
from __future__ import annotations

import tempfile
from contextlib import contextmanager
from pathlib import Path

from engine.store.db import REPO_ROOT, Store
from engine.store.imports import import_file

STRONG_SAMPLE = REPO_ROOT.parent / "shared" / "samples" / "strength_csv" / "strong.csv"  # one lifter, 129 workouts


@contextmanager
def strong_sample_store():
    """A scratch store holding the Strong export as one athlete, "Strong sample"; None when
    ../shared/samples is not beside the repository."""
    if not STRONG_SAMPLE.is_file():
        yield None
        return
    with tempfile.TemporaryDirectory() as tmp:
        scratch = Store(Path(tmp) / "strong.duckdb")
        try:
            import_file(scratch, STRONG_SAMPLE.name, STRONG_SAMPLE.read_bytes(), athlete="Strong sample", create=True)
            yield scratch
        finally:
            scratch.close()
