"""The only module that talks to the SMS provider.

Two gateways with one method, `send(recipient, body, key) -> the provider's message id`:

- `LogGateway`, when SMS_GATEWAY_URL is unset (development, tests): the text is written to the
  log, as the console mail backend prints mails.
- `BrevoGateway`: Brevo's transactional SMS API (Brevo, formerly Sendinblue, a French provider):
  `POST https://api.brevo.com/v3/transactionalSMS/send` (SMS_GATEWAY_URL), the key in an
  `api-key` header (SMS_GATEWAY_TOKEN), a JSON body `{"sender", "recipient" (international,
  without "+"), "content", "type": "transactional", "tag", "unicodeEnabled"}`; it answers
  `{"messageId": …, "reference": …}`. The text's idempotency key goes as the `tag` and as an
  `Idempotency-Key` header: a text sent again after a crash carries the same key, which the
  provider's logs (and any relay that honours the header) see.

Plain urllib: no HTTP library is a dependency of the app.
"""

from __future__ import annotations

import json
import logging
import urllib.error
import urllib.request
from collections.abc import Mapping
from typing import Protocol

from flask import current_app

log = logging.getLogger(__name__)

DEFAULT_SENDER = "EtVoila"  # at most 11 letters and digits (an alphanumeric sender id)


class GatewayError(Exception):
    """The text was not sent; tried again later."""


class GatewayDown(GatewayError):
    """The provider could not be reached, or failed (5xx, 429): the run stops, every text
    would wait for it too."""


class TextRefused(GatewayError):
    """The provider refused this text (4xx: a number it cannot reach…): this text only."""


class Gateway(Protocol):
    def send(self, recipient: str, body: str, key: str) -> str: ...


class LogGateway:
    """No provider configured: the text goes to the log (the console in development)."""

    def send(self, recipient: str, body: str, key: str) -> str:
        # The number masked but for its last digits: logs are kept and read more widely.
        log.info("SMS to …%s [%s]: %s", recipient[-4:], key, body)
        return f"log-{key}"


class BrevoGateway:
    """Brevo's transactional SMS API (see the module's docstring)."""

    def __init__(self, url: str, token: str, sender: str, timeout: float = 10.0):
        self.url, self.token, self.sender, self.timeout = url, token, sender, timeout

    def send(self, recipient: str, body: str, key: str) -> str:
        payload = {
            "sender": self.sender,
            "recipient": recipient.lstrip("+"),
            "content": body,
            "type": "transactional",
            "tag": key,
            "unicodeEnabled": False,  # bodies are kept to the GSM alphabet (texts.service)
        }
        request = urllib.request.Request(
            self.url,
            data=json.dumps(payload).encode(),
            method="POST",
            headers={
                "api-key": self.token,
                "accept": "application/json",
                "content-type": "application/json",
                "Idempotency-Key": key,
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                answer = response.read()
        except urllib.error.HTTPError as error:
            detail = error.read()[:200].decode(errors="replace")
            if error.code >= 500 or error.code == 429:
                raise GatewayDown(f"HTTP {error.code}: {detail}") from error
            raise TextRefused(f"HTTP {error.code}: {detail}") from error
        except (OSError, ValueError) as error:  # refused, timed out, unreachable; a bad URL
            raise GatewayDown(f"{type(error).__name__}: {error}") from error
        return _message_id(answer)


def _message_id(answer: bytes) -> str:
    try:
        data = json.loads(answer or b"{}")
    except ValueError:
        data = {}
    if not isinstance(data, dict):
        data = {}
    return str(data.get("messageId") or data.get("reference") or "")[:100]


def gateway_for(config: Mapping) -> Gateway:
    """The provider of SMS_GATEWAY_URL, or the log without one."""
    url = config.get("SMS_GATEWAY_URL")
    if not url:
        return LogGateway()
    return BrevoGateway(
        url,
        config.get("SMS_GATEWAY_TOKEN") or "",
        config.get("SMS_SENDER") or DEFAULT_SENDER,
        timeout=float(config.get("SMS_GATEWAY_TIMEOUT", 10)),
    )


def current_gateway() -> Gateway:
    """The app's gateway (its configuration)."""
    return gateway_for(current_app.config)
