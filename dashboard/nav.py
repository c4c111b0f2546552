"""The app's pages: one place that names them, for st.navigation and st.switch_page."""
from __future__ import annotations

from pathlib import Path

import streamlit as st

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


def page(stem: str, home: str = "squad") -> st.Page:
    """The st.Page for pages/<stem>.py (`home` is the page the app's root opens)."""
    for pages in SECTIONS.values():
        for name, title, icon in pages:
            if name == stem:
                return st.Page(PAGES_DIR / f"{name}.py", title=title, icon=icon, url_path=name,
                               default=name == home)
    raise KeyError(stem)


def navigation(read_only_link: bool = False) -> st.Page:
    """Every page; for a read-only athlete link, only that athlete's LINK_PAGES."""
    if read_only_link:
        return st.navigation([page(name, home=LINK_PAGES[0]) for name in LINK_PAGES])
    return st.navigation({section: [page(name) for name, _, _ in pages] for section, pages in SECTIONS.items()})
