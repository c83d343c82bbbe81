"""Signed links (itsdangerous) whose time is the service's `now`, not the machine's clock: a link
is stamped with the time it was made at and judged against the time it is followed at, both
given by the caller, so a rule about its age is tested without moving the clock."""

from __future__ import annotations

from datetime import datetime, timedelta

from itsdangerous import BadSignature, TimestampSigner, URLSafeTimedSerializer


class _SignedAt(TimestampSigner):
    def __init__(self, *args: object, now: datetime, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self._now = now

    def get_timestamp(self) -> int:
        return int(self._now.timestamp())


def dumps(data: dict, *, secret_key: str, salt: str, now: datetime) -> str:
    """`data` signed for `salt` (what the link is for), stamped `now`."""
    serializer = URLSafeTimedSerializer(
        secret_key, salt=salt, signer=_SignedAt, signer_kwargs={"now": now}
    )
    return serializer.dumps(data)


def loads(
    token: str, *, secret_key: str, salt: str, now: datetime, max_age: timedelta
) -> dict | None:
    """What a link made by `dumps` for `salt` carries; None when it was altered, made for
    something else, is not a dict, or is older than `max_age` at `now`."""
    try:
        data, signed_at = URLSafeTimedSerializer(secret_key, salt=salt).loads(
            token, return_timestamp=True
        )
    except BadSignature:
        return None
    # (A link a moment from the future is another server's clock, a little ahead: accepted.)
    if now - signed_at > max_age or not isinstance(data, dict):
        return None
    return data
