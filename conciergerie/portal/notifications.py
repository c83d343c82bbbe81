"""Mails from the providers' portal: a line the provider cannot do alerts the concierge; a price
proposed for a line on quote asks the customer for an answer."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from conciergerie.accounts.service import active_concierges
from conciergerie.mail import external_url, send_templated
from conciergerie.models import OrderLine
from conciergerie.payments.ledger import ledger


def notify_cannot_do(session: Session, line: OrderLine) -> None:
    """Tell every concierge, with the mark (same transaction), with the refund to propose."""
    code, provider = line.order.code, line.provider.name
    figures = ledger(line.order)
    for concierge in active_concierges(session):
        send_templated(
            concierge,
            "line_cannot_do",
            _l(
                "%(code)s : %(provider)s ne peut pas faire le travail",
                code=code,
                provider=provider,
            ),
            code=code,
            line_name=line.name,
            quantity=line.quantity,
            provider=provider,
            reason=line.cannot_do_reason,
            desk_refund_cents=figures.desk_refund_due_cents,
            online_refund_cents=figures.online_refund_due_cents,
            desk_url=external_url("desk.index", q=code),
        )


def notify_quote(session: Session, line: OrderLine) -> None:
    """Ask the customer, with the price (same transaction), to accept or decline it on their
    order."""
    order = line.order
    send_templated(
        order.customer,
        "quote_proposed",
        _l("%(code)s : un prix vous est proposé", code=order.code),
        code=order.code,
        line_name=line.name,
        quantity=line.quantity,
        unit=line.unit,
        provider=line.provider.name,
        note=line.quote_note,
        unit_price_cents=line.quoted_unit_price_cents,
        total_cents=(line.quoted_unit_price_cents or 0) * line.quantity,
        order_url=external_url("orders.detail", order_id=order.id),
    )
