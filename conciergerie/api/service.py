"""API tokens: issued against a password, stored only as a hash, revocable."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session, joinedload

from conciergerie.models import ApiToken, User

PREFIX = "evg_"
# How fresh "last used" is kept: writing it on every request would make every request of one
# token wait on the same row lock (one client's concurrent calls would run one at a time).
LAST_USED_PRECISION = timedelta(minutes=1)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(session: Session, user: User, *, now: datetime) -> str:
    """A new bearer token for `user`; only its SHA-256 is kept, so it is shown once."""
    token = PREFIX + secrets.token_urlsafe(32)
    session.add(
        ApiToken(
            user=user,
            token_hash=_digest(token),
            session_version=user.session_version,
            created_at=now,
        )
    )
    session.flush()
    return token


def user_for_token(session: Session, token: str, *, now: datetime) -> tuple[User, ApiToken] | None:
    """The active user a valid, unrevoked token belongs to."""
    if not token.startswith(PREFIX) or len(token) > 200:
        return None
    found = session.scalar(
        sa.select(ApiToken)
        .where(ApiToken.token_hash == _digest(token), ApiToken.revoked_at.is_(None))
        .options(joinedload(ApiToken.user))  # one round trip for the token and its user
    )
    if found is None or not found.user.is_active_account:
        return None
    if found.session_version != found.user.session_version:  # password changed, signed out
        return None
    if found.last_used_at is None or now - found.last_used_at >= LAST_USED_PRECISION:
        found.last_used_at = now
    return found.user, found


def revoke(token: ApiToken, *, now: datetime) -> None:
    token.revoked_at = now
