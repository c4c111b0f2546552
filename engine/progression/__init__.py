"""Next-session progression: what an athlete does the next time they do an exercise (increase
weight, increase reps, hold, decrease), learnt from their own logs (dataset.py, model.py)."""
