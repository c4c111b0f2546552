"""Hosted mode in a real browser: the login screen, and a signed read-only athlete link opened the
way a coach sends it (the identity provider itself is not reachable offline: test_hosted covers
the logged-in coach at the st.user seam)."""
import datetime as dt
import re

import pytest
from browser_support import chromium, serve, shot
from playwright import sync_api

from dashboard import nav
from engine.demo import DemoConfig, write_demo
from engine.store import access
from engine.store.db import Store

pytestmark = pytest.mark.app_server   # a Streamlit server per module: scheduled first

SECRET = "browser-test-cookie-secret"
SECRETS_TOML = f"""[auth]
redirect_uri = "http://127.0.0.1/oauth2callback"
cookie_secret = "{SECRET}"
client_id = "coach-dashboard"
client_secret = "not-a-real-secret"
server_metadata_url = "https://idp.example.org/.well-known/openid-configuration"
"""


def _settled(page) -> None:
    page.wait_for_selector('[data-testid="stStatusWidget"]', state="detached")
    page.wait_for_timeout(500)
    assert page.get_by_text("Page not found").count() == 0
    assert page.locator('[data-testid="stException"]').count() == 0


def test_login_screen_and_a_read_only_athlete_link(tmp_path, today):
    db = tmp_path / "hosted.duckdb"
    store = Store(db)
    write_demo(store, DemoConfig(athletes=4, weeks=3, seed=5, end_date=today - dt.timedelta(days=1)))
    athlete_id, name = store.query("SELECT athlete_id, name FROM athletes ORDER BY athlete_id LIMIT 1").iloc[0]
    token = access.create_link(store, SECRET, int(athlete_id), 7, "coach@example.org")
    store.close()
    secrets = tmp_path / "secrets.toml"
    secrets.write_text(SECRETS_TOML)

    with serve(db, secrets=secrets) as url, chromium() as browser:
        page = browser.new_page(viewport={"width": 1400, "height": 900})
        page.set_default_timeout(60_000)

        # without a login or a link: the login screen and nothing else
        page.goto(url)
        page.get_by_role("button", name="Log in").wait_for()
        assert page.locator('[data-testid="stDataFrame"]').count() == 0
        assert page.locator('[data-testid="stSidebarNav"]').count() == 0
        shot(page, "hosted-1-login")

        # the link as the athlete page hands it out: that athlete, three pages, no page-not-found
        page.goto(url + nav.link_path(int(athlete_id), token))
        sync_api.expect(page.locator("h1").first).to_have_text(name)
        _settled(page)
        links = page.locator('[data-testid="stSidebarNav"] a').all_text_contents()
        expected = ["Athlete", "Session", "Training load"]           # each after its icon's ligature name
        assert len(links) == len(expected) and all(text.endswith(t) for text, t in zip(links, expected)), links
        shot(page, "hosted-2-link-athlete")

        page.get_by_role("link", name="Session", exact=True).click()
        page.get_by_text(f"Latest sessions of {name}").wait_for()
        page.locator('[data-testid="stMain"] [data-testid="stPageLink"] a').filter(has_text="Running").first.click()
        page.wait_for_url("**/session?**activity=*")
        _settled(page)
        assert "link=" in page.url
        page.get_by_text("No HR model yet: your coach has not trained it.").wait_for()   # and no way to train it
        assert page.get_by_role("button", name=re.compile("Train")).count() == 0
        shot(page, "hosted-3-link-session")

        back = page.locator('[data-testid="stMain"] [data-testid="stPageLink"] a').filter(has_text=name).first
        assert back.get_attribute("href").startswith("?athlete="), "the link's home is the root"  # a new tab too
        back.click()
        sync_api.expect(page.locator("h1").first).to_have_text(name)
        _settled(page)

        page.get_by_role("link", name="Training load", exact=True).click()
        sync_api.expect(page.locator("h1").first).to_have_text("Training load")
        _settled(page)
        shot(page, "hosted-4-link-load")

        # a tampered token: the one message, no data
        page.goto(url + nav.link_path(int(athlete_id), token[:-3] + "xyz"))
        page.get_by_text("link invalid or expired").wait_for()
        assert page.locator('[data-testid="stDataFrame"]').count() == 0
        assert page.get_by_text(name).count() == 0
