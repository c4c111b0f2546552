"""One real-browser test: Debian's chromium driven by Playwright against `streamlit run`."""
import datetime as dt

import pytest
from browser_support import chromium, serve, shot
from playwright import sync_api

from engine.demo import DemoConfig, write_demo
from engine.store.db import Store

pytestmark = pytest.mark.app_server   # a Streamlit server per module: scheduled first


@pytest.fixture(scope="module")
def server(tmp_path_factory, today):
    """The app on a small demo squad in a temporary database, served once for this file's tests."""
    db = tmp_path_factory.mktemp("e2e") / "e2e.duckdb"
    store = Store(db)
    write_demo(store, DemoConfig(athletes=6, weeks=4, seed=11, end_date=today - dt.timedelta(days=1)))
    store.close()
    with serve(db) as url:
        yield url


def _grid_text(page, waiting_for: str) -> str:
    """Text of the data grids once one holds `waiting_for` (Streamlit mirrors each canvas grid in an
    accessible table, with unformatted values)."""
    sync_api.expect(page.locator('[data-testid="stDataFrame"] table').filter(has_text=waiting_for)).not_to_have_count(0)
    return " ".join(page.locator('[data-testid="stDataFrame"] table').all_text_contents())


def test_squad_athlete_upload_and_share_link(server, samples_dir):
    with chromium() as browser:
        page = browser.new_page(viewport={"width": 1400, "height": 900})
        page.set_default_timeout(30_000)

        # 1. the squad page lists the athletes
        page.goto(server)
        page.get_by_text("Click a row to open the athlete").wait_for()
        assert "6 athletes" in page.get_by_text("Click a row to open the athlete").text_content()
        grid = page.locator('[data-testid="stDataFrame"]').first
        squad_text = _grid_text(page, "running")
        shot(page, "1-squad")

        # 2. click the first athlete's name cell (anywhere on the row, not only its selection box) -> the athlete
        box = grid.bounding_box()
        page.mouse.click(box["x"] + 90, box["y"] + 35 + 17)
        page.wait_for_url("**/athlete?**athlete=*")
        athlete = page.locator("h1").first.text_content()
        assert athlete and athlete in squad_text
        shot(page, "2-athlete")

        # 3. upload the Strava GPX for this athlete
        page.get_by_role("link", name="Upload").click()
        page.get_by_text("Import history").wait_for()
        page.locator('input[type="file"]').set_input_files(str(samples_dir / "gpx" / "strava_export.gpx"))
        page.get_by_text("strava_export.gpx").first.wait_for()
        page.get_by_role("button", name="Import").click()
        page.get_by_text("This upload").wait_for()
        assert "1696" in _grid_text(page, "strava_export.gpximported")
        shot(page, "3-upload")

        # 4. the athlete's activity list shows the run (10 Jan 2021) with its average HR
        page.get_by_role("link", name="Athlete").click()
        page.get_by_text("Share this view").wait_for()
        for end, value in [("start", "2021-01-01"), ("end", "2021-01-31")]:  # January 2021
            for part, number in zip(["year", "month", "day"], value.split("-")):
                page.get_by_role("spinbutton", name=f"{part}, Dates {end} date").click()
                page.keyboard.type(number)
        page.keyboard.press("Escape")  # close the calendar; leaving the field commits the date
        page.locator("h1").first.click()
        text = _grid_text(page, "Ciclofaixa Recife Antigo")
        assert "2021-01-10 08:54:28" in text and "151.244" in text  # avg HR, bpm
        shot(page, "4-athlete-with-run")

        # 5. the share link opens the same view in a fresh browser context
        link = page.locator('[data-testid="stCode"]').first.text_content().strip()
        assert "athlete=" in link and "from=2021-01-01" in link and "to=2021-01-31" in link
        fresh = browser.new_context().new_page()
        fresh.goto(link)
        fresh.locator("h1").first.wait_for()
        assert fresh.locator("h1").first.text_content() == athlete
        assert "Ciclofaixa Recife Antigo" in _grid_text(fresh, "2021-01-10")
        shot(fresh, "5-shared-link")


def test_every_pages_share_link_opens_the_same_view_in_a_fresh_browser(server):
    """Each page reached through the sidebar: its share link is the address shown, and opening it
    in a new browser context shows the same page, without an error."""
    import re

    from dashboard.nav import SECTIONS

    pages = [(stem, title) for entries in SECTIONS.values() for stem, title, _ in entries]
    pages += [("upload", "Upload"), ("load", "Training load")]      # Upload -> Training load read /up/load once
    with chromium() as browser:
        page = browser.new_page(viewport={"width": 1400, "height": 900})
        page.set_default_timeout(60_000)
        page.goto(server)
        page.get_by_text("Click a row to open the athlete").wait_for()
        for stem, title in pages:
            page.get_by_role("link", name=title, exact=True).first.click()
            path = "" if stem == "squad" else stem             # the squad page is the app's root
            code = page.locator('[data-testid="stCode"]').first
            sync_api.expect(code).to_have_text(re.compile(rf"://[^/]+/{path}(\?|$)"))   # this page's link, not the last
            page.wait_for_selector('[data-testid="stStatusWidget"]', state="detached")
            link = code.text_content().strip()
            assert link.rstrip("/") == page.url.rstrip("/"), title
            heading = page.locator("h1").first.text_content()
            fresh = browser.new_context().new_page()
            fresh.goto(link)
            fresh.get_by_text("Share this view").wait_for()
            fresh.wait_for_selector('[data-testid="stStatusWidget"]', state="detached")
            assert fresh.locator("h1").first.text_content() == heading, title
            assert fresh.locator('[data-testid="stException"]').count() == 0, title
            fresh.context.close()


def _luminance(css_colour: str) -> float:
    """Relative brightness 0-1 of an `rgb(r, g, b)` CSS colour."""
    r, g, b = (int(x) for x in css_colour[css_colour.index("(") + 1:].rstrip(")").split(",")[:3])
    return (0.2126 * r + 0.7152 * g + 0.0722 * b) / 255


def _page_checks(page, stem: str, scheme: str, width: int) -> None:
    """No error, the background follows the scheme, the load metric row stays a row; a screenshot."""
    assert page.locator('[data-testid="stException"]').count() == 0, stem
    background = page.locator('[data-testid="stApp"]').evaluate("e => getComputedStyle(e).backgroundColor")
    assert (_luminance(background) < 0.3) == (scheme == "dark"), (stem, background)
    if stem == "load":            # seven metrics: side by side, wrapping on a phone, never one per line
        tops = [m.bounding_box()["y"] for m in page.locator('[data-testid="stMetric"]').all()[:7]]
        rows = len(set(round(t) for t in tops))
        assert rows == 1 if width > 1000 else rows <= 3, tops
    shot(page, f"theme-{scheme}-{width}-{stem}")


@pytest.mark.parametrize("scheme, widths", [("light", [1440]), ("dark", [1440, 390])])
def test_every_page_in_both_themes_and_on_a_phone(server, scheme, widths):
    """Every page with the browser's light or dark preference, on a desktop and (dark) narrowed to a
    390 px phone: the app follows the preference, nothing fails, the load metric row stays a row on
    the phone; screenshots in tests/artifacts/theme-<scheme>-<width>-<page>.png to look at."""
    from dashboard.nav import SECTIONS

    with chromium() as browser:
        context = browser.new_context(viewport={"width": widths[0], "height": 1000}, color_scheme=scheme)
        page = context.new_page()
        page.set_default_timeout(60_000)
        for stem, _, _ in [entry for entries in SECTIONS.values() for entry in entries]:
            query = "?activity=1" if stem == "session" else "?athlete=1"
            page.goto(f"{server}/{'' if stem == 'squad' else stem}{query}")
            for width in widths:       # one page load, laid out again at each width
                page.set_viewport_size({"width": width, "height": 1000})
                page.get_by_text("Share this view").wait_for(state="attached")
                page.wait_for_selector('[data-testid="stStatusWidget"]', state="detached")
                _page_checks(page, stem, scheme, width)
        context.close()


HOSTILE = "<script>alert(1)</script> **Bold** [x](javascript:alert(1)) :red[Red] O'Brien; DROP TABLE athletes;--"


def test_names_and_notes_with_markup_show_as_typed(tmp_path, samples_dir):
    """Text a coach or a file supplies (an athlete's name, a note) is shown as text: no HTML, no
    markdown link or bold, no Streamlit directive, no SQL, wherever it appears."""
    from engine.store.edits import update_session
    from engine.store.imports import import_file

    db = tmp_path / "hostile.duckdb"
    store = Store(db)
    gpx = samples_dir / "gpx" / "strava_export.gpx"
    assert import_file(store, gpx.name, gpx.read_bytes(), athlete=HOSTILE, create=True).status == "imported"
    athlete_id, activity_id = store.query("SELECT athlete_id, activity_id FROM activities").iloc[0]
    update_session(store, int(activity_id), note=HOSTILE)
    store.close()
    with serve(db) as url, chromium() as browser:
        page = browser.new_page(viewport={"width": 1400, "height": 900})
        page.set_default_timeout(60_000)
        for path in [f"/athlete?athlete={athlete_id}", f"/session?activity={activity_id}"]:
            page.goto(url + path)
            page.get_by_text("Share this view").wait_for()
            page.wait_for_selector('[data-testid="stStatusWidget"]', state="detached")
            assert HOSTILE in page.locator("body").inner_text(), path          # shown as typed
            injected = page.evaluate("""() => [
                [...document.querySelectorAll('strong, b')].some(e => e.textContent.includes('Bold')),
                [...document.querySelectorAll('a')].some(e => e.getAttribute('href')?.startsWith('javascript')),
                [...document.querySelectorAll('script')].some(e => e.textContent.includes('alert(1)')),
                [...document.querySelectorAll('span')].some(e => e.textContent === 'Red' && e.style.color)]""")
            assert injected == [False, False, False, False], (path, injected)
            shot(page, "hostile-text" + path.split("?")[0].replace("/", "-"))
    assert Store(db).query("SELECT count(*) AS n FROM athletes")["n"].iloc[0] == 1
