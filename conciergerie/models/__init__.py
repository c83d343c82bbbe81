"""All models, importable from one place (and seen by Alembic through the metadata)."""

from conciergerie.models.accounts import MemberCompany, Role, User
from conciergerie.models.base import Base, UTCDateTime, utcnow
from conciergerie.models.catalogue import Category, Offer, OfferKind, Provider
from conciergerie.models.desk import DeskOpeningRange

__all__ = [
    "Base",
    "Category",
    "DeskOpeningRange",
    "MemberCompany",
    "Offer",
    "OfferKind",
    "Provider",
    "Role",
    "UTCDateTime",
    "User",
    "utcnow",
]
