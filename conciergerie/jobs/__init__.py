"""The scheduler: one process runs the periodic sweeps (slots, reminders, unpaid orders).

The sweeps themselves live in each feature's jobs.py and call the same services as the views.
"""
