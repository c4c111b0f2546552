"""The app's one DuckDB connection seen through the session's scope, cached reads, and the view
state kept in the URL."""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pandas as pd
import streamlit as st

from engine.store import access
from engine.store.db import Store, db_path, open_store


@st.cache_resource
def _store(path: str) -> Store:
    return open_store(path)


def start_worker() -> None:
    """The training worker of this app process (engine.models.worker), started on the first script run."""
    from engine.models.worker import ensure_thread

    ensure_thread(_path())


def worker_runs() -> bool:
    """Whether this process runs a worker (else queued jobs wait for `python -m engine worker`)."""
    from engine.models.worker import thread_runs

    return thread_runs(_path())


def _path() -> str:
    return str(db_path().resolve())


def hosted() -> bool:
    """Hosted mode: .streamlit/secrets.toml has an [auth] section (README, "Hosted mode"); then
    nobody sees a page before logging in, and each coach sees their own teams only."""
    try:
        return "auth" in st.secrets
    except FileNotFoundError:      # no secrets file at all: local mode
        return False


def link_token() -> str | None:
    """The signed athlete link this session was opened with (?link=TOKEN), kept for the whole
    session and in every page's URL, so that moving between the link's pages keeps its scope."""
    token = st.query_params.get("link") or st.session_state.get("link_token")
    if token:
        st.session_state["link_token"] = token
        if st.query_params.get("link") != token:
            st.query_params["link"] = token
    return token


def link_secret() -> str:
    """The key athlete links are signed with: the [auth] cookie secret (links need hosted mode)."""
    return st.secrets["auth"].get("cookie_secret", "") if hosted() else ""


def scope() -> access.Scope:
    """Who this session is: a signed athlete link (?link=TOKEN, read-only, no login; LinkInvalid when
    it is not valid), else LOCAL without login, else the logged-in coach (AccessDenied before login,
    NotACoach for a login the coaches table does not list)."""
    if link_token():
        return access.link_scope(_store(_path()), link_secret(), link_token())
    if not hosted():
        return access.LOCAL
    if not logged_in():
        raise access.AccessDenied("log in first")
    return access.coach_scope(_store(_path()), st.user.get("email"))


def logged_in() -> bool:
    """Whether this session has logged in (st.login). Read as a mapping, so that a session without
    user info at all (a test harness, a proxy that drops the cookie) is logged out instead of raising."""
    return st.user.get("is_logged_in") is True


def read_only() -> bool:
    """Whether this session may change nothing (a signed athlete link): pages hide their edits."""
    return scope().read_only


def is_admin() -> bool:
    """Whether this session sees the whole database (local mode or an admin): it may train models
    and change app-wide settings (access.require_whole)."""
    return access.whole(store())


def store() -> Store | access.ScopedStore:
    """The database as this session may see it: one connection per process and file (the path from
    $COACH_DB, default data/coach.duckdb) through the session's scope (engine.store.access)."""
    return access.scoped(_store(_path()), scope())


@st.cache_data(show_spinner=False, max_entries=512)
def _cached(path: str, version: int, fn_name: str, who: access.Scope, _fn: Callable, args: tuple) -> pd.DataFrame:
    return _fn(access.scoped(_store(path), who), *args)


def read(fn: Callable[..., pd.DataFrame], *args) -> pd.DataFrame:
    """`fn(store, *args)` through st.cache_data, keyed on the data version (an import refreshes it)
    and on the scope (two coaches never share a cached result)."""
    s = store()
    who = getattr(s, "scope", access.LOCAL)      # the plain Store is the local scope
    return _cached(str(s.path), s.data_version(), f"{fn.__module__}.{fn.__qualname__}", who, fn, args)


# --- view state in the URL (st.query_params): opening a copied link shows the same view ---

def param(name: str, default: str | None = None) -> str | None:
    return st.query_params.get(name, default)


def set_param(name: str, value) -> None:
    """Keep one view setting in the URL (None removes it)."""
    if value is None:
        st.query_params.pop(name, None)
    elif st.query_params.get(name) != str(value):
        st.query_params[name] = str(value)


def numbers_param(name: str, count: int) -> list[float] | None:
    """`count` comma-separated numbers >= 0 from the URL (e.g. a plan's days), or None."""
    try:
        values = [float(x) for x in (param(name) or "").split(",")]
    except ValueError:
        return None
    return values if len(values) == count and all(0 <= v < 1e5 for v in values) else None


def date_param(name: str, default: dt.date) -> dt.date:
    try:
        return dt.date.fromisoformat(param(name) or "")
    except ValueError:
        return default


def remember_page(url_path: str) -> None:
    """The page this run draws (dashboard/app.py), for keys and share links that depend on it."""
    st.session_state["page_url_path"] = url_path


def page_path() -> str:
    """The url_path of the page this run draws ("" for the squad, the app's root)."""
    return st.session_state.get("page_url_path", "")


def seed(key: str, value) -> None:
    """Give the keyed widget `key` its first value (from the URL, when a shared link carries one).

    A widget that takes its default from the URL changes identity whenever the URL changes, and
    Streamlit then drops the click that changed it: every second click was lost. So each
    URL-backed widget has a fixed key and no default; its state is seeded here the first time a
    session renders it, and the page writes the widget's value back to the URL with set_param."""
    if key not in st.session_state:
        st.session_state[key] = value
