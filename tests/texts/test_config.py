"""Production sends texts only with what they need: the provider's key and the STOP webhook's
secret."""

import pytest

from conciergerie import create_app
from tests.test_config import RealProd

BREVO = "https://api.brevo.com/v3/transactionalSMS/send"


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"SMS_GATEWAY_URL": BREVO, "SMS_WEBHOOK_SECRET": "s"}, "SMS_GATEWAY_TOKEN"),
        ({"SMS_GATEWAY_URL": BREVO, "SMS_GATEWAY_TOKEN": "k"}, "SMS_WEBHOOK_SECRET"),
    ],
)
def test_production_refuses_a_provider_half_configured(settings, message):
    prod = type("Prod", (RealProd,), {"SMS_GATEWAY_TOKEN": None, "SMS_WEBHOOK_SECRET": None})
    with pytest.raises(RuntimeError, match=message):
        create_app(type("Prod", (prod,), settings))


def test_production_starts_with_a_provider_or_without():
    full = {"SMS_GATEWAY_URL": BREVO, "SMS_GATEWAY_TOKEN": "k", "SMS_WEBHOOK_SECRET": "s"}
    assert create_app(type("Prod", (RealProd,), full)).config["SMS_GATEWAY_URL"] == BREVO
    assert create_app(type("Prod", (RealProd,), {"SMS_GATEWAY_URL": None}))


def test_production_offers_texts_only_with_a_gateway():
    from conciergerie.config import Config, ProductionConfig
    from conciergerie.texts.service import offered

    def settings(cls, **kw):
        return {**{k: getattr(cls, k) for k in dir(cls) if k.isupper()}, **kw}

    assert offered(settings(Config, SMS_GATEWAY_URL=None))  # development: to the log
    assert not offered(settings(ProductionConfig, SMS_GATEWAY_URL=None))
    assert offered(settings(ProductionConfig, SMS_GATEWAY_URL="https://api.brevo.com/v3"))
