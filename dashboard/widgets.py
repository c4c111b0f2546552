"""Shared widgets: athlete picker, date range, share link, metric with help."""
from __future__ import annotations

import datetime as dt
import re
from urllib.parse import urlencode, urlsplit

import pandas as pd
import streamlit as st

from engine import clock
from dashboard.state import date_param, is_admin, page_path, param, read, read_only, seed, set_param
from engine.store import queries


def athlete_picker(label: str = "Athlete", container=st) -> int | None:
    """Pick an athlete; the choice lives in the URL (?athlete=ID) and follows the coach across pages."""
    athletes = read(queries.athletes)
    if athletes.empty:
        return None
    names = dict(zip(athletes["athlete_id"].astype(int), athletes["name"]))
    wanted = param("athlete") or st.session_state.get("athlete_id")
    ids = list(names)
    key = f"athlete_picker:{page_path()}"     # one per page: pages place it differently
    seed(key, int(wanted) if str(wanted or "").isdigit() and int(wanted) in names else ids[0])
    if st.session_state[key] not in names:                     # the athlete was deleted meanwhile
        st.session_state[key] = ids[0]
    athlete_id = container.selectbox(label, ids, format_func=names.get, key=key)
    st.session_state["athlete_id"] = athlete_id                # follows the coach to the next page
    set_param("athlete", athlete_id)
    return athlete_id


def athlete_or_stop(hint: str) -> int:
    """The sidebar's athlete picker; with no athlete at all, `hint` (what to upload) and st.stop()."""
    athlete_id = athlete_picker(container=st.sidebar)
    if athlete_id is None:
        st.info(f"No athletes yet: {hint} (Upload page) or build the demo squad.", icon=":material/upload_file:")
        st.stop()
    return athlete_id


EARLIEST = dt.date(2000, 1, 1)
RANGE_PRESETS = {"4 weeks": 28, "12 weeks": 84, "6 months": 182, "1 year": 365, "All": None}   # days


def date_range_picker(days: pd.Series, default_days: int = 84, container=st) -> tuple[dt.date, dt.date]:
    """A from-to range (URL ?from=&to=) over an athlete's data (`days`: the dates of their
    activities). By default it ends on their last session, not today, so an athlete whose data is
    old does not look empty; presets (RANGE_PRESETS) end there too. Under the picker, a note says how
    many sessions lie outside the range."""
    today = clock.today()
    first, last = (min(days), max(days)) if len(days) else (today, today)
    latest = max(last, today)                  # the latest day the picker offers
    start = max(EARLIEST, min(date_param("from", last - dt.timedelta(days=default_days - 1)), latest))
    end = min(latest, max(date_param("to", last), start))
    key = f"dates:{page_path()}:{last}"               # another athlete (another last day) starts from the URL again
    seed(key, (start, end))

    def apply_preset() -> None:
        span = RANGE_PRESETS.get(st.session_state[f"preset:{key}"])
        if st.session_state[f"preset:{key}"] is not None:
            st.session_state[key] = (first if span is None else max(EARLIEST, last - dt.timedelta(days=span - 1)), last)
        st.session_state[f"preset:{key}"] = None

    container.pills("Show", list(RANGE_PRESETS), key=f"preset:{key}", on_change=apply_preset,
                    help="Up to the athlete's last session")
    chosen = container.date_input("Dates", min_value=EARLIEST, max_value=latest, format="YYYY-MM-DD", key=key)
    if len(chosen) == 2:  # while the coach is still picking, the widget holds one date
        start, end = chosen
    set_param("from", start.isoformat())
    set_param("to", end.isoformat())
    before, after = sum(d < start for d in days), sum(d > end for d in days)
    if before or after:
        parts = [f"{before} before" if before else "", f"{after} after" if after else ""]
        container.caption(f"{before + after} session{'s' if before + after > 1 else ''} outside these dates "
                          f"({' and '.join(p for p in parts if p)}); data from {first:%d %b %Y} to {last:%d %b %Y}.")
    return start, end


def app_origin() -> str:
    """Where the app is served: the `[server] base_url` secret when set (behind a proxy), else the
    scheme and host of the address the browser used (st.context.url), never a guess such as
    localhost. Only the origin: st.context.url's path can be stale after moving between pages."""
    try:
        configured = st.secrets.get("server", {}).get("base_url", "")
    except FileNotFoundError:
        configured = ""
    if configured:
        return configured.rstrip("/")
    origin = urlsplit(st.context.url or "")
    return f"{origin.scheme}://{origin.netloc}" if origin.netloc else ""


def share_link() -> str:
    """The URL of this exact view (page and query parameters), shown with a copy button."""
    base = f"{app_origin()}/{page_path()}"
    query = urlencode(st.query_params.to_dict())
    link = f"{base}?{query}" if query else base
    with st.sidebar:
        st.caption("Share this view", help="Anyone who opens this link sees this page, athlete and dates.")
        st.code(link, language=None, wrap_lines=True)
    return link


EMPTY_CELL = "–"   # a missing value in every table
_MARKUP = re.compile(r"([\\`*_{}\[\]()#+\-.!|~<>:$&=])")   # what markdown, Streamlit's :directives: or HTML read


def plain(text) -> str:
    """A coach's or a file's text (athlete, activity or exercise name, note, team) to put in a
    title, caption, message or label, which Streamlit reads as markdown: every markup character is
    escaped, so it shows as typed and never becomes a link, formatting, a directive or HTML."""
    return _MARKUP.sub(r"\\\1", str(text))


def tinted(colour: str) -> str:
    """CSS of a table cell on a pale `colour` (hex; '' = none), with dark text in both themes."""
    return f"background-color: {colour}; color: #1b2631" if colour else ""


def data_table(data, **kwargs):
    """st.dataframe as every page shows a table: no index column, a dash for a missing value."""
    return st.dataframe(data, hide_index=True, placeholder=EMPTY_CELL, **kwargs)


def metric_row():
    """A row of metrics, each as wide as its value, that wraps on a narrow screen (st.columns would
    stack them one per line on a phone)."""
    return st.container(horizontal=True, gap="large")


def metric(label: str, value, unit: str = "", help: str = "", digits: int = 1, delta=None,
           delta_color: str = "normal") -> None:
    """st.metric with its unit in the value and a one-line explanation as tooltip, as wide as its value."""
    if value is None or (isinstance(value, float) and pd.isna(value)):
        shown = "–"
    elif isinstance(value, float):
        shown = f"{value:,.{digits}f} {unit}".strip()
    else:
        shown = f"{value} {unit}".strip()
    st.metric(label, shown, delta=delta, delta_color=delta_color, help=help or None, width="content")


def load_metric_row(values, settings) -> None:
    """One row of the load metrics of `values` (a mapping), each with its help under `settings`."""
    from engine.load.metric_table import METRIC_ROW, METRIC_TABLE

    with metric_row():
        for key in METRIC_ROW:
            m = METRIC_TABLE[key]
            metric(m.title, float(values[key]), help=m.help(settings), digits=m.digits)


HR_FIELDS = {"hr_rest": "resting HR", "hr_max": "max HR", "lthr": "LTHR"}


def hr_help(profile: dict, field: str) -> tuple[str, str | None]:
    """(tooltip, placeholder) of an HR profile field, from report.hr_profile: what the loads use
    while the field is empty."""
    value, source = profile[field], profile[f"{field}_source"]
    if source == "profile":
        return f"The {HR_FIELDS[field]} the loads use, bpm.", None
    if pd.isna(value):
        return f"Empty, and no {HR_FIELDS[field]} can be estimated from the data yet.", None
    return f"Empty: the loads use {value:.0f} bpm ({source}).", f"estimated {value:.0f}"


def hr_notes(profile: dict, only_estimates: bool = False) -> list[str]:
    """One note per HR value the loads use, e.g. "max HR 171 bpm (estimated: ...)" (only the
    estimated ones with only_estimates)."""
    return [f"{label} {profile[f]:.0f} bpm ({profile[f'{f}_source']})" for f, label in HR_FIELDS.items()
            if pd.notna(profile[f]) and not (only_estimates and profile[f"{f}_source"] == "profile")]


def train_prompt(kind: str, label: str, what: str, how_long: str) -> None:
    """No model of `kind` yet: say what it would show, and that it is being trained (progress in the
    sidebar), or why its last training failed; an admin may queue it (a session that may not train
    only says there is none)."""
    from dashboard.state import store
    from engine.store import jobs

    job = jobs.latest(store()).get(kind)
    if job is not None and job.active:
        st.info(f"The {label} model is being trained in the background ({job.status(clock.now())}). This page fills "
                "in when it is done; the sidebar shows the progress on every page.", icon=":material/model_training:")
        return
    if not is_admin():
        who = "your coach has not trained it" if read_only() else "an admin of this dashboard trains the models"
        st.info(f"No {label} model yet: {who}.", icon=":material/model_training:")
        return
    if job is not None and job.state == "failed":
        st.warning(f"The last training of the {label} model failed: {job.message}", icon=":material/error:")
    st.info(f"No {label} model yet. Train it to see {what}: {how_long}, in the background (you may leave this page). "
            "The Models page shows how it compares with its baselines.", icon=":material/model_training:")
    if st.button(f"Train the {label} models", icon=":material/model_training:", key=f"train_{kind}"):
        queue_training(kind)


def queue_training(kind: str, task: str = "train") -> None:
    """Queue training `kind` (or another task of engine.store.jobs.TASKS) for the worker, or join
    its job already on, then rerun: the job's progress shows in the sidebar of every page."""
    from dashboard.state import scope, store
    from engine.models.worker import submit

    submit(store(), kind, requested_by=scope().who, task=task)
    st.rerun()


JOB_POLL_S = 2.0   # how often the sidebar redraws a job's progress while one is queued or running


def job_progress() -> None:
    """The model jobs queued or running, in the sidebar of every page, redrawn every JOB_POLL_S
    while there is one (st.fragment); when one ends, the whole page reruns and fills in."""
    from dashboard.state import store
    from engine.store import jobs

    watched = tuple(j.job_id for j in jobs.active(store()))
    st.fragment(_draw_jobs, run_every=JOB_POLL_S if watched else None)(watched)


def _draw_jobs(watched: tuple[int, ...]) -> None:
    from dashboard.state import store, worker_runs
    from engine.store import jobs

    now = clock.now()
    active = jobs.active(store())
    for job in active:
        st.progress(job.fraction, text=job.line(now))
    if active and not worker_runs():
        st.caption("No worker runs in this app: start `python -m engine worker` (or the app with `make run`).")
    if tuple(j.job_id for j in active) != watched:     # a job ended or began: the page redraws
        st.rerun(scope="app")
