"""The physical items of an order, one record each: a pair of shoes, a shirt on its hanger.

A service line of three shirts is three items (1/3, 2/3, 3/3), each with its own QR label and its
own history through the handovers: the desk, a round, the provider, a round back, the customer.
The line's stamps (`OrderLine.at_provider_at`…) and the order's state follow from its items
(orders/items.py).
"""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from conciergerie.models.accounts import User
from conciergerie.models.base import Base, UTCDateTime, enum_column, utcnow
from conciergerie.models.orders import OrderLine


class ItemStage(enum.StrEnum):
    """Where an item is, in the order it goes there."""

    EXPECTED = "expected"  # not handed in yet
    AT_DESK = "at_desk"  # handed in at the desk, waiting for its round
    AT_PROVIDER = "at_provider"  # dropped at the provider
    READY = "ready"  # the provider is done with it (work done, or not doable)
    BACK_AT_DESK = "back_at_desk"  # collected and back at the desk
    HANDED_OVER = "handed_over"  # the customer has it back

    @property
    def rank(self) -> int:
        return list(ItemStage).index(self)


class Item(Base):
    __tablename__ = "order_item"

    id: Mapped[int] = mapped_column(primary_key=True)
    line_id: Mapped[int] = mapped_column(
        sa.ForeignKey("order_line.id", ondelete="CASCADE"), index=True
    )
    number: Mapped[int]  # n of the line's N
    # On its label, as a QR code and in letters: the order's code and the item's rank in the
    # order (EVG-4K7QP-3). A scanner types it into the desk's search.
    code: Mapped[str] = mapped_column(sa.String(24), unique=True)
    stage: Mapped[ItemStage] = mapped_column(
        enum_column(ItemStage, "item_stage"), default=ItemStage.EXPECTED
    )

    line: Mapped[OrderLine] = relationship(back_populates="items")
    events: Mapped[list[ItemEvent]] = relationship(
        back_populates="item", cascade="all, delete-orphan", order_by="ItemEvent.id"
    )

    __table_args__ = (
        sa.UniqueConstraint("line_id", "number", name="uq_order_item_line_number"),
        sa.CheckConstraint("number >= 1", name="number_positive"),
    )

    def __repr__(self) -> str:
        return f"<Item {self.code} {self.stage.value}>"


class ItemEvent(Base):
    """One step of an item, or the undoing of one (`undoes_id`): both stay in the history."""

    __tablename__ = "order_item_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(
        sa.ForeignKey("order_item.id", ondelete="CASCADE"), index=True
    )
    from_stage: Mapped[ItemStage] = mapped_column(enum_column(ItemStage, "item_event_from"))
    to_stage: Mapped[ItemStage] = mapped_column(enum_column(ItemStage, "item_event_to"))
    actor_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="SET NULL")
    )  # None: the system
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    note: Mapped[str] = mapped_column(sa.String(300), default="")
    note_key: Mapped[str | None] = mapped_column(sa.String(40))  # as OrderEvent's
    note_args: Mapped[dict | None] = mapped_column(sa.JSON)
    # The tap of a round that moved it, so that undoing it reopens that tap.
    round_item_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("round_item.id", ondelete="SET NULL")
    )
    # Whether the step can be undone by the undo of items/undo: not a desk reception or a
    # hand-over (they go with the order's mails, payments and invoice), nor work the provider
    # said it cannot do (the line's charge follows it).
    undoable: Mapped[bool] = mapped_column(default=True)
    undoes_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("order_item_event.id", ondelete="SET NULL")
    )
    undone_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    item: Mapped[Item] = relationship(back_populates="events")
    actor: Mapped[User | None] = relationship()
