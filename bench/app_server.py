"""`streamlit run` on loopback and Debian's chromium flags, shared by the browser tests
(tests/browser_support.py) and the load benchmark (bench/concurrency.py); no pytest here."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

from engine.models.worker import WORKER_VAR

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"   # Debian's: never `playwright install`
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


class AppDidNotStart(RuntimeError):
    """`streamlit run` did not answer its health check in time."""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def serve(db: Path, start_timeout_s: float = 60.0, secrets: Path | None = None, worker: bool = False):
    """The app as `make run` starts it (dashboard.serve) on a free loopback port over the database
    `db`, reading its secrets from the file `secrets` if given (hosted mode without a
    .streamlit/secrets.toml), with its training worker if `worker`; yields the app's URL."""
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "dashboard.serve", "--server.port", str(port),
         "--server.address", "127.0.0.1", "--server.headless", "true",
         "--server.fileWatcherType", "none",   # a served app never reloads on a file change
         *(["--secrets.files", str(secrets)] if secrets else [])],
        cwd=ROOT, env={**os.environ, "COACH_DB": str(db), WORKER_VAR: "on" if worker else "off"},
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + start_timeout_s
        while True:
            try:
                if urllib.request.urlopen(f"{url}/_stcore/health", timeout=1).read() == b"ok":
                    break
            except OSError:
                if time.monotonic() > deadline:
                    raise AppDidNotStart(f"streamlit did not start within {start_timeout_s:.0f} s") from None
                time.sleep(0.5)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=20)
