"""What a job's run did reads in the reader's language, its counts agreeing with their nouns."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask_babel import force_locale

from conciergerie.jobs import summaries
from conciergerie.jobs.registry import BY_ID, JOBS, said
from conciergerie.models import JobRun, Role
from tests.factories import NOW


@pytest.mark.parametrize(
    "say, figures, french, english",
    [
        (
            summaries.mails,
            {"sent": 0, "failed": 0, "given_up": 0},
            "0 e-mails envoyés, 0 en échec, 0 abandonnés",
            "0 e-mails sent, 0 failed, 0 given up",
        ),
        (
            summaries.mails,
            {"sent": 1, "failed": 2, "given_up": 1},
            "1 e-mail envoyé, 2 en échec, 1 abandonné",
            "1 e-mail sent, 2 failed, 1 given up",
        ),
        (
            summaries.plan,
            {"day": "2027-01-01", "rounds": 1, "items": 1, "kept": 2, "unmet": 0},
            "1er janvier : 1 tournée, 1 ligne, 2 gardées, 0 non tenues",
            "1 January: 1 round, 1 line, 2 kept, 0 not met",
        ),
        (
            summaries.slots,
            {"created": 1, "removed": 2, "kept": 1},
            "1 créneau créé, 2 retirés, 1 gardé pour ses réservations",
            "1 slot created, 2 removed, 1 kept for its bookings",
        ),
        (
            summaries.backup,
            {"file": "conciergerie-2026-11-25T014500.sqlite3", "bytes": 1536, "deleted": 1},
            "conciergerie-2026-11-25T014500.sqlite3, 1,5 ko ; 1 ancienne copie supprimée",
            "conciergerie-2026-11-25T014500.sqlite3, 1.5 kB; 1 old copy deleted",
        ),
        (summaries.cancelled, {"cancelled": 1}, "1 commande annulée", "1 order cancelled"),
    ],
)
def test_a_summary_in_french_and_in_english(app, say, figures, french, english):
    with app.test_request_context():
        with force_locale("fr"):
            assert say(figures) == french
        with force_locale("en_GB"):
            assert say(figures) == english


def test_every_job_says_its_figures(app):
    """Each job's words take the figures its sweep returns (no key missing)."""
    with app.test_request_context(), force_locale("en_GB"):
        for job in JOBS:
            assert job.say({}) and "%(" not in job.say({}), job.id


def test_the_jobs_page_reads_in_english_and_keeps_older_runs_as_they_were(
    client, session, login_as
):
    login_as(Role.CONCIERGE)
    session.add_all(
        [
            JobRun(
                job_id="send-mails",
                holder="me",
                started_at=NOW,
                finished_at=NOW,
                ok=True,
                summary="1 e-mail envoyé, 0 en échec, 0 abandonnés",
                figures={"sent": 1, "failed": 0, "given_up": 0},
            ),
            JobRun(  # written before the figures were kept
                job_id="expire-unpaid",
                holder="me",
                started_at=NOW - timedelta(hours=1),
                finished_at=NOW,
                ok=True,
                summary="3 commandes annulées",
            ),
        ]
    )
    session.commit()
    french = client.get("/comptoir/taches/").get_data(as_text=True)
    assert "1 e-mail envoyé, 0 en échec, 0 abandonnés" in french
    with client.session_transaction() as http_session:
        http_session["lang"] = "en"
    english = client.get("/comptoir/taches/").get_data(as_text=True)
    assert "1 e-mail sent, 0 failed, 0 given up" in english
    assert "envoyé" not in english
    assert "3 commandes annulées" in english  # an older run: its text as it was


def test_a_run_with_figures_its_job_cannot_read_shows_its_text(app):
    run = JobRun(job_id="send-mails", summary="texte", figures={"sent": "beaucoup"})
    with app.test_request_context():
        assert said(run) == "texte"
    assert BY_ID["send-mails"].say is summaries.mails
