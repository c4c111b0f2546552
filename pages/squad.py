"""Squad: who is on the team and what the database holds."""
import streamlit as st

from dashboard.state import store
from engine.store import queries

st.title("Squad")
athletes = queries.athletes(store())
if athletes.empty:
    st.info("The database is empty. Build the demo squad with `python -m engine demo`, "
            "or import files with `python -m engine import PATH --athlete NAME --create`.")
else:
    st.dataframe(athletes[["name", "team", "sex", "birth_date", "mass_kg", "hr_rest", "hr_max", "lthr"]],
                 hide_index=True, use_container_width=True)
    st.caption(" · ".join(f"{v:,} {k.replace('_', ' ')}" for k, v in queries.counts(store()).items()))
