"""Hosted mode through the pages: login at the st.user seam (AppTest's user and secrets stand in
for the identity provider), and each coach sees their own teams only."""
import datetime as dt
import shutil

import pytest
from streamlit.testing.v1 import AppTest

from dashboard import nav
from engine.demo import DemoConfig, write_demo
from engine.store import access
from engine.store.db import Store

AUTH = {"auth": {"redirect_uri": "http://localhost:8501/oauth2callback", "cookie_secret": "test-cookie-secret",
                 "client_id": "coach-dashboard", "client_secret": "not-a-real-secret",
                 "server_metadata_url": "https://idp.example.org/.well-known/openid-configuration"}}


@pytest.fixture(scope="module")
def hosted_template(tmp_path_factory, today):
    """The demo squad and one coach of team A, built once; each test works on its own copy."""
    path = tmp_path_factory.mktemp("hosted") / "hosted.duckdb"
    store = Store(path)
    write_demo(store, DemoConfig(athletes=6, weeks=3, seed=4, end_date=today - dt.timedelta(days=1)))
    athletes = store.query("SELECT athlete_id, name, team FROM athletes ORDER BY athlete_id")
    team_a = athletes["team"].iloc[0]
    access.add_coach(store, "a@example.org", [team_a])
    store.close()
    return path, {"team_a": team_a, "mine": athletes[athletes["team"] == team_a],
                  "theirs": athletes[athletes["team"] != team_a]}


@pytest.fixture
def hosted_db(hosted_template, tmp_path, monkeypatch):
    template, squad = hosted_template
    path = tmp_path / "hosted.duckdb"
    shutil.copy(template, path)
    monkeypatch.setenv("COACH_DB", str(path))
    return squad


def _app(user: dict | None, page: str | None = None, secrets: dict | None = AUTH, **params) -> AppTest:
    at = AppTest.from_file("../dashboard/app.py", default_timeout=60)
    at.secrets.update(secrets or {})
    if user is not None:
        at.user = user
    at.run()
    if page:
        at.switch_page(f"../pages/{page}.py")
    for key, value in params.items():
        at.query_params[key] = value
    return at.run() if page or params else at


def test_nobody_sees_a_page_before_logging_in(hosted_db):
    at = _app({"is_logged_in": False})
    assert not at.exception
    assert at.title[0].value == "Coach dashboard" and [b.label for b in at.button] == ["Log in"]
    assert not at.dataframe


@pytest.mark.parametrize("page", [None, "athlete", "load"])
def test_a_session_without_user_info_meets_the_wall_not_an_exception(hosted_db, page):
    """AppTest's default has no user at all (st.user holds no is_logged_in): logged out, not a crash."""
    at = _app(None, page, athlete=str(int(hosted_db["mine"]["athlete_id"].iloc[0])))
    assert not at.exception
    assert at.title[0].value == "Coach dashboard" and [b.label for b in at.button] == ["Log in"]
    names = {*hosted_db["mine"]["name"], *hosted_db["theirs"]["name"]}
    shown = " ".join(e.value for kind in ("title", "header", "caption", "markdown", "error")
                     for e in getattr(at, kind))
    assert not at.dataframe and not any(name in shown for name in names)


def test_a_login_the_coaches_table_does_not_list_sees_nothing(hosted_db):
    at = _app({"is_logged_in": True, "email": "stranger@example.org"})
    assert not at.exception and "is not a coach of this dashboard" in at.error[0].value
    assert not at.dataframe


def test_a_coach_sees_their_teams_only(hosted_db):
    at = _app({"is_logged_in": True, "email": "a@example.org"})
    assert not at.exception
    shown = at.dataframe[0].value
    assert sorted(shown["name"]) == sorted(hosted_db["mine"]["name"])
    assert not set(shown["name"]) & set(hosted_db["theirs"]["name"])
    # a link to another team's athlete opens one of the coach's own instead
    other = int(hosted_db["theirs"]["athlete_id"].iloc[0])
    page = _app({"is_logged_in": True, "email": "a@example.org"}, "athlete", athlete=str(other))
    assert not page.exception
    assert page.title[0].value in set(hosted_db["mine"]["name"])


def test_local_mode_needs_no_login(hosted_db):
    at = _app(None, secrets={})
    assert not at.exception and at.title[0].value == "Squad"
    assert len(at.dataframe[0].value) == 6


def test_a_coach_shares_a_read_only_link_and_revokes_it(hosted_db):
    coach = {"is_logged_in": True, "email": "a@example.org"}
    mine = hosted_db["mine"].iloc[0]
    page = _app(coach, "athlete", athlete=str(int(mine.athlete_id)), view="Profile")
    next(b for b in page.button if b.label == "Create a link").click().run()
    assert not page.exception
    link = page.code[0].value
    token = link.split("link=")[1]
    assert link.endswith(nav.link_path(int(mine.athlete_id), token))   # opened in a browser by test_browser_hosted

    # no login: the athlete's pages, read-only (no profile, no RPE editor, no edit form)
    shared = _app({"is_logged_in": False}, "athlete", athlete=str(int(mine.athlete_id)), link=token)
    assert not shared.exception and shared.title[0].value == mine["name"]
    assert "Profile" not in shared.segmented_control(key="athlete_view").options
    assert not any("session RPE" in e.label for e in shared.expander)
    other = int(hosted_db["theirs"]["athlete_id"].iloc[0])
    elsewhere = _app({"is_logged_in": False}, "athlete", athlete=str(other), link=token)
    assert elsewhere.title[0].value == mine["name"]          # the link shows its athlete and nobody else

    tampered = _app({"is_logged_in": False}, "athlete", link=token[:-3] + "xyz")
    assert [e.value for e in tampered.error] == ["link invalid or expired"] and not tampered.dataframe

    page = _app(coach, "athlete", athlete=str(int(mine.athlete_id)), view="Profile")
    next(b for b in page.button if b.label == "Revoke").click().run()
    revoked = _app({"is_logged_in": False}, "athlete", link=token)
    assert [e.value for e in revoked.error] == ["link invalid or expired"]


def test_the_command_line_adds_and_lists_coaches(tmp_path):
    import subprocess
    import sys
    db = str(tmp_path / "c.duckdb")
    run = [sys.executable, "-m", "engine", "coach"]
    added = subprocess.run([*run, "add", "Coach@Example.org", "--teams", "Ironworks,Academy", "--db", db])
    assert added.returncode == 0
    bad = subprocess.run([*run, "add", "not-an-address", "--teams", "Ironworks", "--db", db], capture_output=True,
                         text=True)
    assert bad.returncode == 1 and "not an e-mail address" in bad.stderr
    store = Store(db)
    assert access.coach_scope(store, "coach@example.org").teams == frozenset({"Ironworks", "Academy"})
    with pytest.raises(access.NotACoach):
        access.coach_scope(store, "someone@example.org")


def test_a_coach_of_some_teams_cannot_train_the_shared_models(hosted_db):
    at = _app({"is_logged_in": True, "email": "a@example.org"}, "models")
    assert not at.exception
    assert not [b.label for b in at.button if b.label.startswith(("Train", "Retrain"))]
    assert any("an admin of this dashboard trains them" in c.value for c in at.caption)
    overload = _app({"is_logged_in": True, "email": "a@example.org"}, "overload")
    assert any("an admin of this dashboard trains the models" in i.value for i in overload.info)
    assert not [b.label for b in overload.button if b.label.startswith("Train")]


def test_a_coach_of_some_teams_sees_the_app_wide_settings_but_cannot_change_them(hosted_db):
    at = _app({"is_logged_in": True, "email": "a@example.org"}, "settings")
    assert not at.exception
    assert [r.disabled for r in at.radio] == [True, True]
    assert any("an admin of this dashboard sets them" in c.value for c in at.caption)
    assert [r.disabled for r in _app(None, "settings", secrets={}).radio] == [False, False]   # local mode


@pytest.mark.parametrize("page", [stem for entries in nav.SECTIONS.values() for stem, _, _ in entries])
def test_every_page_opens_for_a_coach_of_some_teams_without_naming_another_team(hosted_db, page):
    at = _app({"is_logged_in": True, "email": "a@example.org"}, page)
    assert not at.exception, (page, at.exception)
    shown = " ".join(str(e.value) for kind in ("title", "header", "subheader", "caption", "markdown", "info")
                     for e in getattr(at, kind)) + " ".join(d.value.to_string() for d in at.dataframe)
    shown += " ".join(str(option) for box in at.selectbox for option in box.options)     # athlete pickers
    assert not [name for name in hosted_db["theirs"]["name"] if name in shown], page
