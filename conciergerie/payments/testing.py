"""Signing webhook payloads exactly as Stripe does (for the test-only checkout page and tests)."""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets


def sign(body: bytes, *, secret: str, timestamp: int) -> str:
    """The Stripe-Signature header: t=…,v1=HMAC-SHA256 of "{t}.{body}" with the endpoint secret."""
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def signed_event(
    event_type: str, obj: dict, *, secret: str, timestamp: int, event_id: str | None = None
) -> tuple[bytes, str]:
    body = json.dumps(
        {
            "id": event_id or "evt_" + secrets.token_hex(12),
            "object": "event",
            "api_version": "2024-06-20",
            "created": timestamp,
            "type": event_type,
            "livemode": False,
            "pending_webhooks": 1,
            "data": {"object": obj},
        }
    ).encode()
    return body, sign(body, secret=secret, timestamp=timestamp)
