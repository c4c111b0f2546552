"""Training-load science (numpy/pandas only): session.py (session loads), series.py (daily series
and flags), strength.py (strength load), planner.py (the what-if planner), settings.py; report.py
joins it to the store."""
