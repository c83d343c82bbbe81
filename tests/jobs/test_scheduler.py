from datetime import time, timedelta

import pytest
import sqlalchemy as sa

from conciergerie.jobs import lease, runner
from conciergerie.jobs.process import SchedulerProcess, build_scheduler
from conciergerie.jobs.registry import BY_ID, JOBS, ScheduledJob
from conciergerie.models import DeskOpeningRange, DeskSlot, JobRun, Role
from tests.factories import NOW

TTL = timedelta(seconds=60)


def test_only_one_holder_at_a_time(session):
    assert lease.acquire(session, "a", now=NOW, ttl=TTL)
    assert not lease.acquire(session, "b", now=NOW + timedelta(seconds=30), ttl=TTL)
    assert lease.acquire(session, "a", now=NOW + timedelta(seconds=30), ttl=TTL)  # renewed
    assert not lease.acquire(session, "b", now=NOW + timedelta(seconds=80), ttl=TTL)
    # "a" died: once its lease runs out, "b" takes over.
    assert lease.acquire(session, "b", now=NOW + timedelta(seconds=91), ttl=TTL)
    assert not lease.holds(session, "a", now=NOW + timedelta(seconds=91))
    assert lease.holds(session, "b", now=NOW + timedelta(seconds=91))


class FakeScheduler:
    def __init__(self, app):
        self.started = self.stopped = False

    def start(self):
        self.started = True

    def shutdown(self, wait=True):
        self.stopped = True


def test_a_second_scheduler_waits_and_takes_over_when_the_first_dies(app, session):
    first = SchedulerProcess(app, holder="first", ttl=TTL, scheduler_factory=FakeScheduler)
    second = SchedulerProcess(app, holder="second", ttl=TTL, scheduler_factory=FakeScheduler)
    assert first.tick(NOW) and first.running and first.scheduler.started
    assert not second.tick(NOW + timedelta(seconds=1)) and not second.running
    # The first one stops renewing (killed); within the lease's 60 s the second takes over.
    assert not second.tick(NOW + timedelta(seconds=59))
    assert second.tick(NOW + timedelta(seconds=61)) and second.running
    # If the first comes back, it finds the lease taken and stops its jobs.
    assert not first.tick(NOW + timedelta(seconds=62)) and not first.running


def test_jobs_only_run_while_holding_the_lease(app, session):
    session.add(
        DeskOpeningRange(
            weekday=0,
            opens_at=time(8),
            closes_at=time(9),
        )
    )
    session.flush()
    assert runner.run_job(app, "generate-slots", holder="nobody") is None
    assert session.scalar(sa.select(sa.func.count()).select_from(DeskSlot)) == 0
    lease.acquire(session, "me", now=NOW, ttl=timedelta(days=3650))
    run = runner.run_job(app, "generate-slots", holder="me")
    assert run.ok and "créés" in run.summary
    assert session.scalar(sa.select(sa.func.count()).select_from(DeskSlot)) > 0


def test_a_failing_job_is_logged_and_changes_nothing(app, session, monkeypatch):
    def broken(session_, now):
        session_.add(
            DeskOpeningRange(
                weekday=1,
                opens_at=time(8),
                closes_at=time(9),
            )
        )
        session_.flush()
        raise RuntimeError("boom")

    monkeypatch.setitem(
        BY_ID,
        "expire-unpaid",
        ScheduledJob("expire-unpaid", "x", "interval", {"minutes": 5}, 600, broken, str),
    )
    lease.acquire(session, "me", now=NOW, ttl=timedelta(days=3650))
    run = runner.run_job(app, "expire-unpaid", holder="me")
    assert not run.ok and "boom" in run.error
    assert session.scalar(sa.select(sa.func.count()).select_from(DeskOpeningRange)) == 0
    assert (
        session.scalar(sa.select(sa.func.count()).select_from(JobRun).where(JobRun.ok.is_(False)))
        == 1
    )


def test_the_real_scheduler_is_set_up_to_catch_up_once(app):
    scheduler = build_scheduler(app)
    jobs = {job.id: job for job in scheduler.get_jobs()}
    assert set(jobs) == {job.id for job in JOBS}
    for job in JOBS:
        assert jobs[job.id].coalesce is True and jobs[job.id].max_instances == 1
        assert jobs[job.id].misfire_grace_time >= 600  # APScheduler's default is 1 s
    assert str(scheduler.timezone) == "Europe/Paris"


def test_run_job_command_refuses_beside_a_live_scheduler(app, session):
    lease.acquire(
        session,
        "live",
        now=__import__("conciergerie.models", fromlist=["utcnow"]).utcnow(),
        ttl=TTL,
    )
    result = app.test_cli_runner().invoke(args=["run-job", "expire-unpaid"])
    assert result.exit_code != 0 and "déjà" in result.output


def test_run_job_command_runs_a_sweep(app, session):
    result = app.test_cli_runner().invoke(args=["run-job", "expire-unpaid"])
    assert result.exit_code == 0 and "ok" in result.output


@pytest.mark.parametrize("role", [Role.RESIDENT, Role.VOLUNTEER, Role.PROVIDER])
def test_jobs_page_is_for_the_concierge(client, login_as, role):
    login_as(role)
    assert client.get("/comptoir/taches/").status_code == 403


def test_jobs_page_lists_the_jobs_and_the_scheduler_state(client, login_as):
    login_as(Role.CONCIERGE)
    html = client.get("/comptoir/taches/").get_data(as_text=True)
    assert "generate-slots" in html and "send-reminders" in html and "expire-unpaid" in html
    assert "Aucun planificateur ne tourne" in html


def test_a_run_missed_while_down_is_kept_for_a_catch_up(app, session):
    from datetime import UTC, datetime

    from conciergerie.models.scheduler import apscheduler_jobs

    missed = datetime(2026, 11, 24, 17, 0, tzinfo=UTC)  # yesterday's 18:00 reminders
    session.execute(
        apscheduler_jobs.insert().values(
            id="send-reminders", next_run_time=missed.timestamp(), job_state=b"x"
        )
    )
    session.flush()
    jobs = {job.id: job for job in build_scheduler(app).get_jobs()}
    assert jobs["send-reminders"].next_run_time == missed  # runs once at start, then goes on
    assert jobs["send-reminders"].misfire_grace_time >= 3600


def test_a_scheduler_that_fails_to_start_is_not_counted_as_running(app, session):
    class Broken(FakeScheduler):
        def start(self):
            raise RuntimeError("database away")

    process = SchedulerProcess(app, holder="x", ttl=TTL, scheduler_factory=Broken)
    with pytest.raises(RuntimeError):
        process.tick(NOW)
    assert not process.running


# The mails' job ---------------------------------------------------------------------------------


def test_the_mail_job_runs_every_few_seconds_and_records_only_what_it_did(app, session, outbox):
    from conciergerie.mail import enqueue

    job = BY_ID["send-mails"]
    assert job.trigger == "interval" and job.trigger_args == {"seconds": 5}
    lease.acquire(session, "me", now=NOW, ttl=timedelta(days=3650))
    runs = sa.select(sa.func.count()).select_from(JobRun).where(JobRun.job_id == "send-mails")
    quiet = runner.run_job(app, "send-mails", holder="me")
    assert quiet.ok and session.scalar(runs) == 0  # nothing to send: no line in the history
    enqueue(session, "lea@example.org", "Bonjour", "texte", None)
    session.commit()
    run = runner.run_job(app, "send-mails", holder="me")
    assert run.summary == "1 e-mail envoyé, 0 en échec, 0 abandonnés" and session.scalar(runs) == 1
    assert run.figures == {"sent": 1, "failed": 0, "given_up": 0}
    assert [mail.to for mail in outbox] == [["lea@example.org"]]


def test_a_job_no_longer_in_the_registry_is_dropped_from_the_store(app, session):
    from conciergerie.models.scheduler import apscheduler_jobs

    session.execute(  # "retry-mails", stored by the version before the outbox
        apscheduler_jobs.insert().values(id="retry-mails", next_run_time=None, job_state=b"x")
    )
    session.flush()
    build_scheduler(app)
    assert (
        session.scalar(
            sa.select(apscheduler_jobs.c.id).where(apscheduler_jobs.c.id == "retry-mails")
        )
        is None
    )


def test_jobs_page_shows_the_mails_waiting_and_the_last_error(client, session, login_as):
    from conciergerie.mail import enqueue

    login_as(Role.CONCIERGE)
    assert "Aucun e-mail en attente" in client.get("/comptoir/taches/").get_data(as_text=True)
    enqueue(session, "a@example.org", "s", "t", None)
    failing = enqueue(session, "b@example.org", "s", "t", None)
    failing.attempts, failing.failed_at = 2, NOW
    failing.last_error = "SMTPRecipientsRefused: no such user"
    session.flush()
    html = client.get("/comptoir/taches/").get_data(as_text=True)
    assert "2 e-mails en attente" in html and "1 en échec" in html
    assert "SMTPRecipientsRefused: no such user" in html and "send-mails" in html
