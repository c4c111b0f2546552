"""The app's one DuckDB connection (st.cache_resource) and cached reads."""
import streamlit as st

from engine.store.db import Store, db_path, open_store


@st.cache_resource
def _store(path: str) -> Store:
    return open_store(path)


def store() -> Store:
    """One connection per process and file; the path comes from $COACH_DB (default data/coach.duckdb)."""
    return _store(str(db_path().resolve()))
