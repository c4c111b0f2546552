"""Training in the background, in a real browser (issue #25): a fresh demo database started as
`make run` starts it (the app with its worker), the fitness model queued; a coach opens the Fitness
page, goes elsewhere and comes back: the job went on, and the page fills in without a click."""
import datetime as dt
import re

import pytest
from browser_support import chromium, serve, shot
from playwright import sync_api

from engine.demo import DemoConfig, write_demo
from engine.models.worker import submit
from engine.store.db import Store

pytestmark = pytest.mark.app_server   # a Streamlit server per module: scheduled first


def test_the_fitness_model_trains_while_the_coach_moves_between_pages(tmp_path):
    db = tmp_path / "coach.duckdb"
    store = Store(db)
    write_demo(store, DemoConfig(athletes=3, weeks=8, seed=5, end_date=dt.date(2026, 6, 30)))
    submit(store, "fitness", quick=True)
    store.close()
    with serve(db, worker=True) as url, chromium() as browser:
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.set_default_timeout(60_000)
        page.goto(f"{url}/fitness?athlete=1")
        training = re.compile(r"The fitness model is being trained in the background \((queued|training)")
        sync_api.expect(page.get_by_text(training)).to_be_visible()
        sidebar = page.locator('[data-testid="stSidebar"]')
        sync_api.expect(sidebar.get_by_text(re.compile(r"fitness: (queued|training)"))).to_be_visible()
        shot(page, "jobs-1-fitness-training")

        page.get_by_role("link", name="Squad", exact=True).first.click()    # away: the job goes on
        page.get_by_text("Click a row to open the athlete").wait_for()
        sync_api.expect(sidebar.get_by_text(re.compile(r"fitness: training, \d+ %"))).to_be_visible()
        shot(page, "jobs-2-squad-while-training")

        page.get_by_role("link", name="Fitness tests", exact=True).first.click()
        page.get_by_text("Battery history").wait_for(timeout=300_000)       # filled in, no click
        sync_api.expect(page.get_by_text("is being trained")).to_have_count(0)
        sync_api.expect(sidebar.get_by_text(re.compile(r"fitness: (queued|training)"))).to_have_count(0)
        assert page.locator('[data-testid="stException"]').count() == 0
        shot(page, "jobs-3-fitness-filled-in")

        page.get_by_role("link", name="Models", exact=True).first.click()     # the job's outcome is kept
        page.get_by_text("Training jobs").wait_for()
        sync_api.expect(page.locator('[data-testid="stDataFrame"] table').last).to_contain_text("v1")
        shot(page, "jobs-4-models-page")
