"""How often one may try a password or ask for a reset link.

Sign-in: every attempt counts per address; failed ones also count per account *from that
address* (someone guessing from one place is slowed down at once) and, with a much higher
ceiling, per account alone (guessing from many places), so that a stranger cannot lock a
person out with a handful of wrong passwords. The web form and the API share these counters.
Only a wrong password counts as a failure: not a refused request, not the limiter's own 429.
"""

from __future__ import annotations

import hashlib
import hmac

from flask import current_app, g, request

from conciergerie.accounts.service import AccountError, normalise_email

SIGN_IN_PER_ADDRESS = "30 per minute;300 per hour"
FAILURES_PER_ACCOUNT_AND_ADDRESS = "5 per 5 minutes;20 per day"
FAILURES_PER_ACCOUNT = "50 per hour"
RESET_PER_ADDRESS = "10 per hour"
RESET_PER_ACCOUNT = "5 per hour"
SIGN_UP_PER_ADDRESS = "10 per hour"


def _email() -> str:
    """The e-mail a request is about, from its form or JSON body, in its one normal spelling
    (re-spelling an address, e.g. with full-width letters, must not give a fresh counter)."""
    email = request.form.get("email")
    if email is None and request.is_json:
        body = request.get_json(silent=True)
        email = body.get("email") if isinstance(body, dict) else None
    return email if isinstance(email, str) else ""


def _normal(email: str) -> str:
    try:
        return normalise_email(email)
    except AccountError:
        return email.strip().lower()


def pseudonym(email: str | None) -> str:
    """What logs and counters keep of an e-mail address: a keyed digest, never the address (and
    not a plain hash, which anyone could recompute from a guessed address)."""
    key = current_app.config["SECRET_KEY"].encode()
    # "surrogatepass": an address sent with a lone surrogate (refused afterwards) still counts.
    spelt = _normal(email or "").encode(errors="surrogatepass")
    return hmac.new(key, spelt, hashlib.sha256).hexdigest()[:16]


def account_key() -> str:
    return "account:" + pseudonym(_email())


def account_and_address_key() -> str:
    return f"account:{pseudonym(_email())}:{request.remote_addr}"


PASSWORD_CHECKS_PER_USER = "5 per 15 minutes;20 per day"


def signed_in_user_key() -> str:
    """Password re-checks of a signed-in person (erasing the account): per account, so that a
    stolen session cannot be used to guess the password."""
    from flask_login import current_user

    return f"user:{current_user.get_id().split('.')[0]}"


def wrong_password() -> None:
    """Called by the views when the credentials were wrong: only then do failures count."""
    g.wrong_password = True


def failed(_response) -> bool:
    return bool(g.get("wrong_password"))
