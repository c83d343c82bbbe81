"""The replies to our texts, posted by the SMS provider (or the relay that receives them).

`POST /sms/entrant`, a JSON body `{"from": "+33612345678", "text": "STOP"}`, signed: the header
`X-Signature: sha256=<hex>` holds the HMAC-SHA256 of the raw body under SMS_WEBHOOK_SECRET.
403 for a missing or wrong signature (or no secret configured), 400 for a signed body that is
not such an object; 200 otherwise, whether the reply opted the number out or was ignored.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging

from flask import Blueprint, current_app, jsonify, request

from conciergerie.extensions import csrf, db
from conciergerie.models import utcnow
from conciergerie.texts import service

log = logging.getLogger(__name__)

bp = Blueprint("texts", __name__)

SIGNATURE_HEADER = "X-Signature"


def signature(body: bytes, secret: str) -> str:
    """The header's value for `body`: "sha256=" and the hex HMAC-SHA256 under `secret`."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def _signed(body: bytes) -> bool:
    secret = current_app.config.get("SMS_WEBHOOK_SECRET")
    given = request.headers.get(SIGNATURE_HEADER, "")
    if not secret or not given:
        return False
    if not given.startswith("sha256="):
        given = "sha256=" + given
    return hmac.compare_digest(given.encode(), signature(body, secret).encode())


def _reply(body: bytes) -> tuple[str, str] | None:
    """The sender and the words of a signed body, or None if it is not such an object."""
    try:
        data = json.loads(body)
    except (ValueError, RecursionError):  # not JSON, or nested deeper than Python parses
        return None
    if not isinstance(data, dict):
        return None
    sender, text = data.get("from"), data.get("text")
    if not isinstance(sender, str) or not isinstance(text, str) or len(sender) > 30:
        return None
    return sender, text[:1600]


@bp.post("/sms/entrant")
@csrf.exempt
def inbound():
    """A reply to a text. 403: unsigned or badly signed; 400: not a reply; 200: handled."""
    body = request.get_data(cache=False)
    if not _signed(body):
        log.warning("refused SMS webhook: missing or bad signature")
        return jsonify(error="invalid signature"), 403
    reply = _reply(body)
    if reply is None:
        return jsonify(error="malformed body"), 400
    status = service.handle_reply(db.session, *reply, now=utcnow())
    return jsonify(status=status), 200
