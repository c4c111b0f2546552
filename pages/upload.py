"""Upload: import many files at once; the kind is detected from each file."""
import streamlit as st

from dashboard.state import read, store
from dashboard.widgets import athlete_picker, data_table, share_link
from engine.ingest.formats import EXTENSIONS, FORMATS
from engine.store import queries
from engine.store.imports import import_files

st.title("Upload")
st.write("The kind of each file is read from its content: " + "; ".join(f.label for f in FORMATS) + ". "
         "Fitness-test and wellness files may name their athletes in an `athlete` column.")
NEW = "new athlete"
mode = st.radio("Athlete", ["existing athlete", NEW], horizontal=True,
                index=1 if read(queries.athletes).empty else 0, label_visibility="collapsed")
athlete_id = athlete_picker("Athlete") if mode != NEW else None
new_name = st.text_input("Name of the new athlete").strip() if mode == NEW else ""
names = read(queries.athletes).set_index("athlete_id")["name"]
athlete = new_name or (names.get(athlete_id) if athlete_id is not None else None)
create = st.checkbox("Create athletes named in files that are not in the squad yet", value=mode == NEW)
unit = st.radio("Weight unit of Strong exports", ["kg", "lb"], horizontal=True,
                help="Strong's CSV does not say which unit it used")
files = st.file_uploader("Files", type=EXTENSIONS, accept_multiple_files=True)

if st.button("Import", type="primary", disabled=not files or (mode == NEW and not new_name),
             help="Choose files first; a new athlete needs a name"):
    bar = st.progress(0.0, text="Importing…")
    results = import_files(
        store(), [(f.name, f.getvalue()) for f in files], athlete=athlete, create=create or mode == NEW,
        weight_unit=unit, on_result=lambda i, r: bar.progress((i + 1) / len(files), text=f"{r.file_name}: {r.status}"))
    bar.empty()
    st.session_state["upload_results"] = [vars(r) for r in results]

if st.session_state.get("upload_results"):
    st.subheader("This upload")
    data_table(st.session_state["upload_results"],
               column_order=["file_name", "status", "kind", "rows_kept", "message"])

st.subheader("Import history")
data_table(read(queries.imports),
           column_order=["created_at", "file_name", "kind", "athlete", "status", "rows_in", "rows_kept", "message"],
           column_config={"created_at": st.column_config.DatetimeColumn("When", format="YYYY-MM-DD HH:mm")})
share_link()
