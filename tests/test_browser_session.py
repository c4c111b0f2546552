"""The session view in a real browser: Debian's chromium driven by Playwright against `streamlit run`,
on a demo squad plus an athlete created by importing the sample GPX, FIT, TCX and Strong files."""
import datetime as dt

import pytest
from browser_support import chromium, serve, shot
from playwright import sync_api

from engine.demo import DemoConfig, write_demo
from engine.store import queries
from engine.store.db import Store
from engine.store.imports import import_files

pytestmark = pytest.mark.app_server   # a Streamlit server per module: scheduled first

FILES = [("gpx", "strava_export.gpx"), ("fit", "run.fit"), ("tcx", "run_garmin.tcx"), ("strength_csv", "strong.csv")]
TALL = {"width": 1400, "height": 2300}  # Streamlit scrolls inside the page: a tall window shows it all
SETTLE_MS = 700  # the map fits itself to its frame after the page has drawn


@pytest.fixture(scope="module")
def served(tmp_path_factory, samples_dir, today):
    """`streamlit run` on a free port; yields (url, ids): the new athlete's activity ids by file."""
    db = tmp_path_factory.mktemp("e2e_session") / "e2e.duckdb"
    store = Store(db)
    write_demo(store, DemoConfig(athletes=4, weeks=4, seed=11, end_date=today - dt.timedelta(days=1)))
    files = [(name, (samples_dir / folder / name).read_bytes()) for folder, name in FILES]
    results = import_files(store, files, athlete="New Runner", create=True)
    assert [r.status for r in results] == ["imported"] * len(FILES)
    by_file = store.query("""SELECT i.file_name, a.activity_id, a.athlete_id, a.sport, a.start_time
                             FROM activities a JOIN imports i USING (import_id) ORDER BY a.start_time DESC""")
    ids = {name: int(by_file[by_file["file_name"] == name]["activity_id"].iloc[0]) for _, name in FILES}
    ids["athlete"] = int(by_file[by_file["file_name"] == "run.fit"]["athlete_id"].iloc[0])
    demo = queries.activities(store, 1)
    ids["demo_day"] = demo["start_time"].iloc[0].date()
    ids["demo_day_sessions"] = int((demo["start_time"].dt.date == ids["demo_day"]).sum())
    store.close()
    with serve(db) as url:
        yield url, ids


@pytest.fixture
def browser():
    with chromium() as b:
        yield b


def _first_link_x(page, box, y: float) -> float:
    """The x of the first link in a grid row: the grid is a canvas, so move along the row until the
    cursor turns into a pointer (a link cell's text)."""
    pointer = ("() => [...document.querySelectorAll('[data-testid=stDataFrame] canvas, [data-testid=stDataFrame] div')]"
               ".some(e => getComputedStyle(e).cursor === 'pointer')")
    for x in range(int(box["x"]) + 40, int(box["x"] + box["width"]), 8):
        page.mouse.move(x, y)
        if page.evaluate(pointer):
            return x + 4
    pytest.fail("no link in the grid row")


MAP_IFRAME = 'iframe[title="streamlit_folium.st_folium"]'


def _map_frame(page):
    return page.frame_locator(MAP_IFRAME).last  # during a redraw the old and the new map frame coexist


def _run_drawn(page) -> None:
    """Wait until a run's session view has drawn: the track on the map, the splits and the curves."""
    sync_api.expect(page.locator('[data-testid="stStatusWidget"]')).to_be_hidden()  # the app's rerun is over
    sync_api.expect(page.locator(MAP_IFRAME)).to_have_count(1)  # a new colour replaces the map's frame
    sync_api.expect(_map_frame(page).locator(".leaflet-overlay-pane svg path").first).to_be_attached()
    sync_api.expect(page.locator('[data-testid="stDataFrame"] table').first).to_contain_text("Pace /km")
    sync_api.expect(page.locator('[data-testid="stPlotlyChart"]').filter(has_text="HR (bpm)")).to_have_count(1)
    page.wait_for_timeout(1000)  # the map's fit to its final size


@pytest.mark.parametrize("file_name, picture", [("strava_export.gpx", "session-1-gpx-run"),
                                             ("run.fit", "session-2-fit-run")])
def test_a_run_draws_its_map_offline_its_curves_and_splits(served, browser, file_name, picture):
    url, ids = served
    page = browser.new_page(viewport=TALL)
    page.set_default_timeout(30_000)
    requests = []
    page.on("request", lambda r: requests.append((r.url, r.frame.url)))
    page.goto(f"{url}/session?activity={ids[file_name]}")
    page.locator("h1").filter(has_text="Running").wait_for()
    _run_drawn(page)
    assert _map_frame(page).locator(".leaflet-overlay-pane svg path").count() >= 4  # casing, bins, start, finish
    assert _map_frame(page).locator(".km-label").count() >= 2  # a numbered dot per km
    curves = page.locator('[data-testid="stPlotlyChart"]').filter(has_text="distance (km)")
    sync_api.expect(curves).to_have_count(1)
    assert "HR (bpm)" in curves.text_content() and "pace (min/km)" in curves.text_content()
    shot(page, picture, SETTLE_MS)

    from_the_map = [u for u, frame in requests if "streamlit_folium" in frame]
    assert any(u.endswith("/app/static/leaflet/leaflet.js") for u, _ in requests)
    assert all(u.startswith(url) or u.startswith(("data:", "blob:")) for u in from_the_map), from_the_map
    cdn = ("jsdelivr", "cdnjs", "unpkg", "d3js", "jquery", "bootstrapcdn", "openstreetmap")
    assert not [u for u, _ in requests if any(host in u for host in cdn)]
    assert not [u for u, _ in requests if "marker-icon" in u]  # no image markers

    # colour by grade and against time: both kept in the URL
    page.locator('[data-testid="stButtonGroup"] button').filter(has_text="Grade").click()
    page.wait_for_url("**color=grade**")
    _run_drawn(page)  # a click while the app still reruns can be lost
    page.locator('[data-testid="stButtonGroup"] button').filter(has_text="Time (min)").click()
    page.wait_for_url("**x=time**")
    _run_drawn(page)
    curves = page.locator('[data-testid="stPlotlyChart"]').filter(has_text="elapsed time (min)")
    sync_api.expect(curves).to_have_count(1)
    shot(page, f"{picture}-grade-time", SETTLE_MS)


def test_a_strength_workout(served, browser):
    url, ids = served
    page = browser.new_page(viewport=TALL)
    page.set_default_timeout(30_000)
    page.goto(f"{url}/session?activity={ids['strong.csv']}")
    page.get_by_text("Volume and e1RM per exercise").wait_for()
    tables = page.locator('[data-testid="stDataFrame"] table')
    sync_api.expect(tables).to_have_count(2)
    sync_api.expect(tables.nth(1)).to_contain_text("WeightRepsRPERIRRest")  # the a11y mirror: raw values
    sync_api.expect(tables.nth(0)).to_contain_text("Previous best")
    shot(page, "session-3-strength", SETTLE_MS)


def test_sessions_open_from_the_athlete_table_the_calendar_and_the_squad(served, browser):
    url, ids = served
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(30_000)

    # the athlete's Activities table: select the first row -> its session
    page.goto(f"{url}/athlete?athlete={ids['athlete']}&from=2018-01-01&to=2021-01-31")
    grid = page.locator('[data-testid="stDataFrame"]').first
    sync_api.expect(page.locator('[data-testid="stDataFrame"] table').first).to_contain_text("running")
    box = grid.bounding_box()
    page.mouse.click(box["x"] + 16, box["y"] + 35 + 17)
    page.wait_for_url("**/session?**activity=*")
    page.locator("h1").filter(has_text="Running").wait_for()
    _run_drawn(page)
    shot(page, "session-4-from-the-activities-table", SETTLE_MS)

    # the calendar: click the last training day of a demo athlete -> its session (or the day's list)
    first = ids["demo_day"] - dt.timedelta(days=20)        # the calendar shows the chosen dates, day by day
    page.goto(f"{url}/athlete?athlete=1&view=Calendar&from={first}&to={ids['demo_day']}")
    points = page.locator('[data-testid="stPlotlyChart"] .scatterlayer .point')
    points.first.wait_for()
    sync_api.expect(points).to_have_count(21)
    point = points.nth((ids["demo_day"] - first).days).bounding_box()
    page.mouse.move(point["x"] + point["width"] / 2, point["y"] + point["height"] / 2)
    page.mouse.click(point["x"] + point["width"] / 2, point["y"] + point["height"] / 2)
    if ids["demo_day_sessions"] == 1:
        page.wait_for_url("**/session?**activity=*")
        page.locator("h1").filter(has_text="·").wait_for()
        if "Running" in page.locator("h1").first.text_content():
            _run_drawn(page)
    else:
        page.get_by_text(f"{ids['demo_day']:%a %d %b %Y}").wait_for()
    shot(page, "session-5-from-the-calendar", SETTLE_MS)

    # the squad: the Last activity cell opens that session (in a new tab); rows still open athletes
    page.goto(url)
    page.get_by_text("Click a row to open the athlete").wait_for()
    sync_api.expect(page.locator('[data-testid="stDataFrame"] table').first).to_contain_text("running")
    box = page.locator('[data-testid="stDataFrame"]').first.bounding_box()
    x, y = _first_link_x(page, box, box["y"] + 35 + 17), box["y"] + 35 + 17
    with context.expect_page() as opened:
        page.mouse.click(x, y)
    session = opened.value
    session.wait_for_url("**/session?**activity=*")
    session.locator("h1").filter(has_text="·").wait_for()
    if "Running" in session.locator("h1").first.text_content():
        _run_drawn(session)
    else:
        sync_api.expect(session.locator('[data-testid="stDataFrame"] table').first).to_contain_text("Previous best")
    assert "at=" not in session.url  # the label's time is dropped from the session's URL
    shot(session, "session-6-from-the-squad", SETTLE_MS)
    context.close()
