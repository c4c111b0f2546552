"""What the real-browser tests share: Debian's chromium through Playwright (never `playwright
install`), `streamlit run` on a database, and screenshots in tests/artifacts/."""
import os
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import pytest
from playwright import sync_api  # installed by `make test`

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "tests" / "artifacts"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]

if not os.path.exists(CHROMIUM):
    pytest.fail(f"{CHROMIUM} is missing: `make test` installs Debian's chromium", pytrace=False)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def serve(db: Path):
    """`streamlit run` on a free local port over the database `db`; yields the app's URL."""
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "dashboard/app.py", "--server.port", str(port),
         "--server.address", "127.0.0.1", "--server.headless", "true"],
        cwd=ROOT, env={**os.environ, "COACH_DB": str(db)}, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(120):
            try:
                if urllib.request.urlopen(f"{url}/_stcore/health", timeout=1).read() == b"ok":
                    break
            except OSError:
                time.sleep(0.5)
        else:
            pytest.fail("streamlit did not start within 60 s")
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=20)


@contextmanager
def chromium():
    """Debian's chromium, headless, with the flags this machine needs."""
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def shot(page, name: str, settle_ms: int = 500) -> None:
    """A full-page screenshot tests/artifacts/<name>.png, after `settle_ms` for the last redraw."""
    ARTIFACTS.mkdir(exist_ok=True)
    page.wait_for_timeout(settle_ms)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
