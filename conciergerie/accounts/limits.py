"""How often one may try a password or ask for a reset link, per address and per account.

Per account, only failures count, so that a person who signs in often is never locked out, while
someone guessing one account's password from many addresses is slowed down all the same.
"""

from __future__ import annotations

import hashlib

from flask import request

SIGN_IN_PER_ADDRESS = "30 per minute;300 per hour"
SIGN_IN_FAILURES_PER_ACCOUNT = "5 per 5 minutes;20 per day"
RESET_PER_ADDRESS = "10 per hour"
RESET_PER_ACCOUNT = "3 per hour"
SIGN_UP_PER_ADDRESS = "10 per hour"


def account_key() -> str:
    """The account a request is about, from its form or JSON e-mail (hashed: keys may be logged
    or stored in a shared cache)."""
    email = request.form.get("email")
    if email is None and request.is_json:
        body = request.get_json(silent=True)
        email = body.get("email") if isinstance(body, dict) else None
    normalised = (email if isinstance(email, str) else "").strip().lower()
    return "account:" + hashlib.sha256(normalised.encode()).hexdigest()[:32]


def failed(response) -> bool:
    """A sign-in that did not succeed (the form shown again, or the API's 401/422)."""
    return response.status_code >= 400


def pseudonym(email: str | None) -> str:
    """What the logs say of an e-mail address: never the address itself."""
    return hashlib.sha256((email or "").strip().lower().encode()).hexdigest()[:12]
