"""The app's pages: one place that names them, for st.navigation and st.switch_page."""
from __future__ import annotations

from pathlib import Path

import streamlit as st

from dashboard.state import link_token

PAGES_DIR = Path(__file__).resolve().parents[1] / "pages"
# section -> (file stem, title, icon); only pages that work are listed
SECTIONS = {
    "Squad": [
        ("squad", "Squad", ":material/groups:"),
        ("athlete", "Athlete", ":material/person:"),
        ("session", "Session", ":material/directions_run:"),
        ("load", "Training load", ":material/monitoring:"),
        ("planner", "What-if planner", ":material/event_upcoming:"),
        ("routes", "Routes", ":material/route:"),
        ("overload", "Strength & overload", ":material/fitness_center:"),
        ("fitness", "Fitness tests", ":material/sprint:"),
        ("recommend", "Recommendations", ":material/recommend:"),
        ("upload", "Upload", ":material/upload_file:"),
        ("settings", "Settings", ":material/tune:"),
    ],
    "Models": [
        ("models", "Models", ":material/model_training:"),
    ],
}


LINK_PAGES = ("athlete", "session", "load")   # what a read-only athlete link shows; the first is its home


def link_path(athlete_id: int, token: str) -> str:
    """Where a read-only athlete link opens: the app's root, which serves the link's home page
    (Streamlit serves a default page at "/" only: "/athlete" would be "Page not found")."""
    return f"/?athlete={int(athlete_id)}&link={token}"


def shown(stem: str) -> bool:
    """Whether this session's navigation has the page (a read-only link has LINK_PAGES only)."""
    return not link_token() or stem in LINK_PAGES


def _home() -> str:
    """The page the app's root opens: the squad, or the athlete for a read-only link."""
    return LINK_PAGES[0] if link_token() else "squad"


def page(stem: str) -> st.Page:
    """The st.Page for pages/<stem>.py."""
    for pages in SECTIONS.values():
        for name, title, icon in pages:
            if name == stem:
                return st.Page(PAGES_DIR / f"{name}.py", title=title, icon=icon, url_path=name,
                               default=name == _home())
    raise KeyError(stem)


def navigation() -> st.Page:
    """Every page; for a read-only athlete link, only that athlete's LINK_PAGES."""
    if link_token():
        return st.navigation([page(name) for name in LINK_PAGES])
    return st.navigation({section: [page(name) for name, _, _ in pages] for section, pages in SECTIONS.items()})
