"""What the real-browser tests share: Debian's chromium through Playwright (never `playwright
install`), `streamlit run` on a database, and screenshots in tests/artifacts/."""
import os
from contextlib import contextmanager
from pathlib import Path

import pytest
from playwright import sync_api  # installed by `make test`

from bench import app_server
from bench.app_server import CHROMIUM, CHROMIUM_ARGS, ROOT

ARTIFACTS = ROOT / "tests" / "artifacts"

if not os.path.exists(CHROMIUM):
    pytest.fail(f"{CHROMIUM} is missing: `make test` installs Debian's chromium", pytrace=False)


@contextmanager
def serve(db: Path, secrets: Path | None = None, worker: bool = False):
    """bench.app_server.serve on the database `db`, failing the test when the app does not start."""
    try:
        with app_server.serve(db, secrets=secrets, worker=worker) as url:
            yield url
    except app_server.AppDidNotStart as err:
        pytest.fail(str(err))


@contextmanager
def chromium():
    """Debian's chromium, headless, with the flags this machine needs."""
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def shot(page, name: str, settle_ms: int = 300) -> None:
    """A full-page screenshot tests/artifacts/<name>.png, once every plotly chart has drawn its
    plot and `settle_ms` more for the last redraw."""
    ARTIFACTS.mkdir(exist_ok=True)
    page.wait_for_function("""() => [...document.querySelectorAll('[data-testid="stPlotlyChart"]')]
                                      .every(c => c.querySelector('.main-svg'))""")
    page.wait_for_timeout(settle_ms)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
