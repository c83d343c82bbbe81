"""The scheduled jobs: stable ids, when they run, and the sweep each one calls.

Every sweep is idempotent and works from the database's state, so a run missed while the
scheduler was down is simply caught up by the next one (coalesced into a single run).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from conciergerie.invoices.jobs import invoice_room_bookings, invoice_subscription_years
from conciergerie.jobs import summaries
from conciergerie.orders.jobs import send_reminders
from conciergerie.payments.jobs import expire_unpaid, give_back_refunds
from conciergerie.rounds.jobs import plan_today, plan_tomorrow, replan_stale
from conciergerie.slots.jobs import generate_ahead
from conciergerie.subscriptions.jobs import place_orders as place_subscription_orders

MAIL_EVERY_SECONDS = 5  # a mail leaves within about 10 s of its commit


Figures = Mapping[str, object]


@dataclass(frozen=True)
class ScheduledJob:
    id: str
    description: object  # a lazy string
    trigger: str  # "cron" or "interval"
    trigger_args: dict
    misfire_grace_seconds: int
    # Returns the run's figures for the jobs page, or None when it did nothing worth a line in
    # the history (a job running every few seconds would flood it).
    sweep: Callable[[Session, datetime], Figures | None]
    # Says the figures in the current language (jobs/summaries.py).
    say: Callable[[Figures], str]
    # Trigger arguments read from the app's config, over trigger_args (e.g. the backup's hour).
    configured: Callable[[Mapping], dict] | None = None
    # Called when a run fails, with the session that records the failure (e.g. to mail someone).
    on_failure: Callable[[Session, str, datetime], None] | None = None

    def trigger_for(self, config: Mapping) -> dict:
        return {**self.trigger_args, **(self.configured(config) if self.configured else {})}


def _slots(session: Session, now: datetime) -> Figures:
    report = generate_ahead(session, now=now)
    return {
        "created": report.created,
        "removed": report.removed,
        "kept": report.kept_with_bookings,
    }


def _reminders(session: Session, now: datetime) -> Figures:
    return {"reminders": send_reminders(session, now=now)}


def _unpaid(session: Session, now: datetime) -> Figures:
    return {"cancelled": expire_unpaid(session, now=now)}


def _refunds(session: Session, now: datetime) -> Figures | None:
    done = give_back_refunds(session, now=now)
    return {"refunded": done} if done else None  # nothing done: no line


def _uncollected(session: Session, now: datetime) -> Figures:
    from flask import current_app

    from conciergerie.orders.jobs import remind_uncollected

    days = current_app.config["UNCOLLECTED_REMINDER_DAYS"]
    return {"reminders": remind_uncollected(session, now=now, after_days=days)}


def _mark_uncollected(session: Session, now: datetime) -> Figures:
    from flask import current_app

    from conciergerie.orders.jobs import mark_uncollected

    days = current_app.config["UNCOLLECTED_AFTER_DAYS"]
    return {"orders": mark_uncollected(session, now=now, after_days=days)}


def _send_mails(session: Session, now: datetime) -> Figures | None:
    """The mails due, then the texts due (conciergerie.texts: the same outbox's rules)."""
    from conciergerie.mail import send_due
    from conciergerie.texts import service as texts
    from conciergerie.texts.gateway import current_gateway

    done = send_due(session, now=now)
    texted = texts.send_due(session, gateway=current_gateway(), now=now)
    if not (done or texted):
        return None  # a run with nothing to send is not recorded
    return texts.figures(done, texted)


def _anonymise_inactive(session: Session, now: datetime) -> Figures:
    from flask import current_app

    from conciergerie.accounts.privacy import anonymise_inactive

    days = current_app.config["INACTIVE_ACCOUNT_DAYS"]
    return {"accounts": anonymise_inactive(session, now=now, inactive_days=days)}


def _subscriptions(session: Session, now: datetime) -> Figures:
    return place_subscription_orders(session, now=now)


def _subscription_years(session: Session, now: datetime) -> Figures:
    return {"invoices": invoice_subscription_years(session, now=now)}


def _room_bookings(session: Session, now: datetime) -> Figures:
    return {"invoices": invoice_room_bookings(session, now=now)}


def _backup(session: Session, now: datetime) -> Figures:
    from conciergerie.backup import run_nightly

    return run_nightly(session, now=now)


def _backup_failed(session: Session, error: str, now: datetime) -> None:
    from conciergerie.backup import mail_failure

    mail_failure(session, error, now)


def _backup_time(config: Mapping) -> dict:
    return {"hour": config["BACKUP_HOUR"], "minute": config["BACKUP_MINUTE"]}


def _plan_tomorrow(session: Session, now: datetime) -> Figures:
    return plan_tomorrow(session, now=now).figures()


def _plan_today(session: Session, now: datetime) -> Figures:
    return plan_today(session, now=now).figures()


def _replan_changed(session: Session, now: datetime) -> Figures | None:
    reports = replan_stale(session, now=now)
    if not reports:
        return None  # every few minutes: only the runs that planned a day are noted
    figures = [report.figures() for report in reports]
    return {
        "days": len(reports),
        **{key: sum(int(f.get(key) or 0) for f in figures) for key in ("rounds", "items", "unmet")},
    }


JOBS: tuple[ScheduledJob, ...] = (
    ScheduledJob(
        "generate-slots",
        _l("Créer les créneaux du comptoir des semaines à venir"),
        "cron",
        {"hour": 2, "minute": 15},
        6 * 3600,
        _slots,
        summaries.slots,
    ),
    ScheduledJob(
        "send-reminders",
        _l("Rappeler la veille les créneaux du lendemain"),
        "cron",
        {"hour": 18, "minute": 0},
        4 * 3600,
        _reminders,
        summaries.reminders,
    ),
    ScheduledJob(
        "plan-rounds-tomorrow",
        _l("Planifier les tournées du lendemain et prévenir les volontaires"),
        "cron",
        {"hour": 19, "minute": 30},
        4 * 3600,
        _plan_tomorrow,
        summaries.plan,
    ),
    ScheduledJob(
        "plan-rounds-today",
        _l("Replanifier les tournées du jour à l'ouverture du comptoir"),
        "cron",
        {"hour": 7, "minute": 15},
        3 * 3600,
        _plan_today,
        summaries.plan,
    ),
    ScheduledJob(
        "replan-changed-days",
        _l(
            "Replanifier les jours dont une commande a changé de créneau ou a été annulée "
            "(toutes les 5 minutes ; seuls les passages qui replanifient sont notés)"
        ),
        "interval",
        {"minutes": 5},
        10 * 60,
        _replan_changed,
        summaries.replanned,
    ),
    ScheduledJob(
        "remind-uncollected",
        _l("Rappeler aux clients le travail qui les attend au comptoir"),
        "cron",
        {"hour": 10, "minute": 0},
        8 * 3600,
        _uncollected,
        summaries.reminders,
    ),
    ScheduledJob(
        "mark-uncollected",
        _l("Classer « non retirées » les commandes laissées trop longtemps au comptoir"),
        "cron",
        {"hour": 10, "minute": 5},
        8 * 3600,
        _mark_uncollected,
        summaries.uncollected,
    ),
    ScheduledJob(
        "invoice-subscription-years",
        _l("Facturer chaque nouvelle année des abonnements des entreprises"),
        "cron",
        {"hour": 6, "minute": 30},
        12 * 3600,
        _subscription_years,
        summaries.invoices,
    ),
    ScheduledJob(
        "invoice-room-bookings",
        _l("Facturer les réservations de salles passées"),
        "cron",
        {"minute": 15},
        3600,
        _room_bookings,
        summaries.room_invoices,
    ),
    ScheduledJob(
        "backup-database",
        _l(
            "Sauvegarder la base de données chaque nuit et ne garder que les dernières copies "
            "quotidiennes et mensuelles"
        ),
        "cron",
        {"hour": 1, "minute": 45},
        6 * 3600,
        _backup,
        summaries.backup,
        configured=_backup_time,
        on_failure=_backup_failed,
    ),
    ScheduledJob(
        "anonymise-inactive",
        _l("Anonymiser les comptes clients inactifs depuis longtemps (RGPD)"),
        "cron",
        {"hour": 3, "minute": 30},
        12 * 3600,
        _anonymise_inactive,
        summaries.anonymised,
    ),
    ScheduledJob(
        "send-mails",
        _l(
            "Envoyer les e-mails et les SMS en attente (toutes les 5 secondes ; seuls les "
            "passages qui envoient ou échouent sont notés)"
        ),
        "interval",
        {"seconds": MAIL_EVERY_SECONDS},
        10 * 60,
        _send_mails,
        summaries.mails,
    ),
    ScheduledJob(
        "expire-unpaid",
        _l("Annuler les commandes non payées à temps"),
        "interval",
        {"minutes": 5},
        10 * 60,
        _unpaid,
        summaries.cancelled,
    ),
    ScheduledJob(
        "give-back-refunds",
        _l(
            "Rembourser en ligne ce qui n'est pas réalisé ou a été annulé (chaque minute ; "
            "seuls les passages qui remboursent sont notés)"
        ),
        "interval",
        {"minutes": 1},
        10 * 60,
        _refunds,
        summaries.refunded,
    ),
    ScheduledJob(
        "place-subscription-orders",
        _l("Commander les paniers des abonnements avant leur date limite"),
        "interval",
        {"hours": 1},
        50 * 60,
        _subscriptions,
        summaries.baskets,
    ),
)

BY_ID = {job.id: job for job in JOBS}


def said(run: object) -> str:
    """A run's summary in the reader's language: from its figures when it has them and its
    job is known, else its French text as it was recorded."""
    job = BY_ID.get(run.job_id)
    if run.figures is not None and job is not None:
        try:
            return job.say(run.figures)
        except (TypeError, ValueError):
            pass
    return run.summary
