"""Entry point: `streamlit run dashboard/app.py` (or `make run`)."""
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # `streamlit run` puts only dashboard/ on the path
    sys.path.insert(0, str(ROOT))

import streamlit as st  # noqa: E402

from dashboard import nav  # noqa: E402
from dashboard.state import (hosted, link_token, logged_in, read, remember_page, scope, start_worker,  # noqa: E402
                             store)
from dashboard.widgets import job_progress  # noqa: E402
from engine.store import access, queries  # noqa: E402

st.set_page_config(page_title="Coach dashboard", page_icon=":material/monitor_heart:", layout="wide")
start_worker()   # trains the queued models in the background, whoever is logged in (README, "Models")
link = bool(link_token())
if link:       # a signed read-only link to one athlete: no login, that athlete's pages only
    try:
        scope()
    except access.AccessDenied as err:        # "link invalid or expired", and nothing else
        st.title("Coach dashboard")
        st.error(str(err))
        st.stop()
elif hosted():   # nobody sees a page before logging in, and only a coach the coaches table lists
    if not logged_in():
        st.title("Coach dashboard")
        st.write("Log in to see your squad.")
        st.button("Log in", type="primary", icon=":material/login:", on_click=st.login)
        st.stop()
    try:
        who = scope()
    except access.NotACoach as err:
        st.title("Coach dashboard")
        st.error(str(err))
        st.button("Log out", on_click=st.logout)
        st.stop()
    with st.sidebar:
        st.caption(f"Logged in as {who.who}")
        st.button("Log out", on_click=st.logout, icon=":material/logout:")
current = nav.navigation()
remember_page(current.url_path)
if not link:
    with st.sidebar:
        job_progress()

if read(queries.athletes).empty and current.url_path != "upload" and not hosted() and not link:
    st.title("Welcome to the coach dashboard")
    st.write("The database is empty. Load a demo squad to look around, or upload your athletes' files "
             "(FIT, GPX, TCX runs; Strong, Hevy or native strength CSVs; fitness tests; wellness).")
    left, right = st.columns(2)
    if left.button("Load demo squad", type="primary", icon=":material/group_add:",
                   help="24 simulated athletes over 16 weeks, built from published physiology"):
        from engine.demo import DemoConfig, write_demo  # only needed here: keeps the app's start light
        from engine.models.worker import queue_all

        with st.spinner("Building the demo squad (a few seconds)…"):
            write_demo(store(), DemoConfig())
        queue_all(store())   # every model, trained in the background
        st.rerun()
    if right.button("Upload files", icon=":material/upload_file:"):
        st.switch_page(nav.page("upload"))
else:
    current.run()
