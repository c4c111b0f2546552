"""The science of one session: smoothed curves (HR, pace, altitude, grade), splits, strength summary.

Pure pandas/numpy on frames read by engine.store.sessions; never touches the database or Streamlit.
"""
