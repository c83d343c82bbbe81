"""The scheduler: one process runs the periodic sweeps (slots, reminders, unpaid orders, mails).

The sweeps themselves live in each feature's jobs.py and call the same services as the views.
"""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """The jobs page shows the outboxes (templates/jobs/index.html calls `outbox_state()` and
    `texts_state()`) and
    each run's summary in the reader's language (`job_summary`)."""
    from conciergerie.extensions import db
    from conciergerie.jobs.registry import said
    from conciergerie.mail import outbox_state
    from conciergerie.texts.service import texts_state

    app.add_template_global(lambda: outbox_state(db.session), "outbox_state")
    app.add_template_global(lambda: texts_state(db.session), "texts_state")
    app.add_template_filter(said, "job_summary")  # a run's summary in the reader's language
