"""Entry point: `streamlit run dashboard/app.py` (or `make run`)."""
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # `streamlit run` puts only dashboard/ on the path
    sys.path.insert(0, str(ROOT))

import streamlit as st  # noqa: E402

st.set_page_config(page_title="Coach dashboard", page_icon=":material/monitor_heart:", layout="wide")
st.navigation({
    "Squad": [st.Page(ROOT / "pages" / "squad.py", title="Squad", icon=":material/groups:", default=True)],
}).run()
