"""`make run`: the app and its training worker in one process (DuckDB lets one process write the
database file), the worker started with the server rather than at the first page view.

    python -m dashboard.serve [streamlit run options]      # the database is $COACH_DB
"""
import sys
from pathlib import Path

from streamlit.web import cli

from engine.models.worker import ensure_thread

APP = Path(__file__).resolve().parent / "app.py"


def main(argv: list[str]) -> None:
    ensure_thread()      # on $COACH_DB's process-wide Store, which the app reads too: it finds this worker
    cli.main(["run", str(APP), *argv], prog_name="streamlit")


if __name__ == "__main__":
    main(sys.argv[1:])
