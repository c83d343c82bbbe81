"""All models, importable from one place (and seen by Alembic through the metadata)."""

from conciergerie.models.accounts import CompanySubscription, MemberCompany, Role, User
from conciergerie.models.api import ApiToken
from conciergerie.models.audit import AuditEntry
from conciergerie.models.base import Base, UTCDateTime, utcnow
from conciergerie.models.catalogue import (
    CatalogueVersion,
    Category,
    Offer,
    OfferKind,
    Provider,
    ProviderClosure,
    ProviderOpeningRange,
)
from conciergerie.models.desk import DeskClosure, DeskOpeningRange, DeskSlot
from conciergerie.models.events import Event, EventStatus, Registration, RegistrationStatus
from conciergerie.models.invoices import Document, DocumentCounter, DocumentKind
from conciergerie.models.items import Item, ItemEvent, ItemStage
from conciergerie.models.mail import OutboxMail
from conciergerie.models.orders import (
    Order,
    OrderEvent,
    OrderLine,
    OrderOrigin,
    OrderStatus,
    PaymentMethod,
    QuoteState,
)
from conciergerie.models.payments import Discount, Payment, PaymentKind, Refund, StripeEvent
from conciergerie.models.payouts import ProviderPayout
from conciergerie.models.rooms import (
    BookerKind,
    Booking,
    BookingStatus,
    RoomQuota,
    Space,
    SpaceKind,
    SpacePhoto,
)
from conciergerie.models.rounds import (
    DayPlan,
    PickupRound,
    RoundAction,
    RoundItem,
    RoundStop,
    TransportMode,
    VolunteerAbsence,
    VolunteerAvailability,
    VolunteerProfile,
)
from conciergerie.models.scheduler import JobRun, SchedulerLease
from conciergerie.models.subscriptions import (
    BasketDelivery,
    BasketSubscription,
    DeliveryOutcome,
    SubscriptionStatus,
)
from conciergerie.models.texts import OutboxText, TextOptOut

__all__ = [
    "Item",
    "OutboxText",
    "TextOptOut",
    "ItemEvent",
    "ItemStage",
    "ApiToken",
    "AuditEntry",
    "BasketDelivery",
    "BasketSubscription",
    "DeliveryOutcome",
    "Base",
    "JobRun",
    "SchedulerLease",
    "CatalogueVersion",
    "CompanySubscription",
    "Category",
    "DeskClosure",
    "Discount",
    "Document",
    "DocumentCounter",
    "DocumentKind",
    "DeskOpeningRange",
    "DeskSlot",
    "Event",
    "EventStatus",
    "MemberCompany",
    "Offer",
    "OfferKind",
    "Order",
    "OrderEvent",
    "OrderLine",
    "OrderOrigin",
    "OrderStatus",
    "OutboxMail",
    "QuoteState",
    "Payment",
    "PaymentKind",
    "PaymentMethod",
    "Refund",
    "Registration",
    "RegistrationStatus",
    "StripeEvent",
    "SubscriptionStatus",
    "Provider",
    "ProviderClosure",
    "ProviderOpeningRange",
    "ProviderPayout",
    "DayPlan",
    "PickupRound",
    "RoundAction",
    "RoundItem",
    "RoundStop",
    "TransportMode",
    "VolunteerAbsence",
    "VolunteerAvailability",
    "VolunteerProfile",
    "Role",
    "UTCDateTime",
    "User",
    "utcnow",
    "Booking",
    "BookerKind",
    "BookingStatus",
    "RoomQuota",
    "Space",
    "SpaceKind",
    "SpacePhoto",
]
