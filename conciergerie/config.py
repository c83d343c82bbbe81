"""Configuration classes, read from the environment.

`create_app` picks one by name (``CONCIERGERIE_CONFIG``: development, testing, production)
or takes a class directly. Production refuses to start with the development secret key.
"""

from __future__ import annotations

import os

DEV_SECRET_KEY = "dev-only-secret-key-do-not-use-in-production"


def normalise_database_url(url: str) -> str:
    """Point plain PostgreSQL URLs at psycopg 3, the driver we install."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


class Config:
    SECRET_KEY = os.environ.get("SECRET_KEY", DEV_SECRET_KEY)
    # None means "a SQLite file in the instance folder", resolved by create_app.
    SQLALCHEMY_DATABASE_URI: str | None = (
        normalise_database_url(os.environ["DATABASE_URL"])
        if os.environ.get("DATABASE_URL")
        else None
    )
    # hide_parameters: an error's text (logged) never carries the values of the query (an
    # e-mail address, a token).
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True, "hide_parameters": True}

    # A request with a file (an event picture, 5 MB at most) is refused above this size with a
    # 413 page; text fields together are capped lower (MAX_FORM_MEMORY_SIZE).
    MAX_CONTENT_LENGTH = 6 * 1024 * 1024
    MAX_FORM_MEMORY_SIZE = 500_000
    # Every other request (no file in it) is refused above this size.
    REQUEST_SIZE_LIMIT = 1024 * 1024
    WTF_CSRF_TIME_LIMIT = 4 * 3600
    # Catalogue pages kept rendered for anonymous visitors, per process (catalogue.cache); 0 = off.
    PUBLIC_PAGE_CACHE_SIZE = int(os.environ.get("PUBLIC_PAGE_CACHE_SIZE", "256"))
    # On PostgreSQL, learn of catalogue changes by LISTEN/NOTIFY instead of a query per page.
    CATALOGUE_VERSION_LISTEN = True

    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_HTTPONLY = True

    BABEL_DEFAULT_LOCALE = "fr"
    BABEL_DEFAULT_TIMEZONE = "Europe/Paris"
    LANGUAGES = ("fr", "en")

    # Mail: printed to the console unless an SMTP server is configured.
    MAIL_SERVER = os.environ.get("MAIL_SERVER")
    MAIL_PORT = int(os.environ.get("MAIL_PORT", "587"))
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME")
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD")
    MAIL_USE_TLS = os.environ.get("MAIL_USE_TLS", "1") == "1"
    MAIL_USE_SSL = os.environ.get("MAIL_USE_SSL", "0") == "1"
    MAIL_DEFAULT_SENDER = os.environ.get(
        "MAIL_DEFAULT_SENDER", "Et voilà Gambetta <bonjour@etvoila-gambetta.fr>"
    )
    MAIL_BACKEND = "smtp" if os.environ.get("MAIL_SERVER") else "console"
    # Seconds before a silent mail server is given up (the mail is kept and sent again later).
    MAIL_TIMEOUT = int(os.environ.get("MAIL_TIMEOUT", "10"))

    # Texts (SMS, conciergerie.texts): Brevo's transactional SMS API when SMS_GATEWAY_URL is
    # set (https://api.brevo.com/v3/transactionalSMS/send), else written to the log.
    SMS_GATEWAY_URL = os.environ.get("SMS_GATEWAY_URL")
    SMS_GATEWAY_TOKEN = os.environ.get("SMS_GATEWAY_TOKEN")  # the provider's API key
    SMS_SENDER = os.environ.get("SMS_SENDER", "EtVoila")  # at most 11 letters and digits
    SMS_GATEWAY_TIMEOUT = float(os.environ.get("SMS_GATEWAY_TIMEOUT", "10"))
    # Signs the replies posted to /sms/entrant (HMAC-SHA256 of the body); unset: all refused.
    SMS_WEBHOOK_SECRET = os.environ.get("SMS_WEBHOOK_SECRET")
    # Without a gateway, texts are written to the log (development, the demo). Production
    # says no: there a text to the log would be a promise not kept, so none is offered.
    SMS_TO_LOG_WITHOUT_GATEWAY = True

    # Uploaded files (event pictures); None: the instance folder's "uploads". Shared storage
    # when several web servers run.
    UPLOAD_ROOT = os.environ.get("UPLOAD_ROOT")

    # Base of the links in mails sent by commands and jobs (no request to take it from).
    PUBLIC_URL = os.environ.get("PUBLIC_URL", "http://127.0.0.1:5000")

    PASSWORD_RESET_MAX_AGE = 3600
    # Behind a reverse proxy: how many proxies set X-Forwarded-For/-Proto (0: none), so that
    # the client's own address is the one counted and logged.
    PROXY_FIX_X_FOR = int(os.environ.get("PROXY_FIX_X_FOR", "0"))
    # Sign-in and reset attempts (Flask-Limiter). memory:// counts in each process (each
    # gunicorn worker has its own counters); production shares redis:// or memcached://.
    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "memory://")
    # The desk's commission on providers' sales when a provider has no rate of its own (basis
    # points: 1000 = 10 %; the cluster's levy runs 3 to 15 %), and what the salaried concierge's
    # post costs a month (employer's cost), for the monthly economics.
    COMMISSION_RATE_BP = int(os.environ.get("COMMISSION_RATE_BP", "1000"))
    DESK_MONTHLY_COST_CENTS = int(os.environ.get("DESK_MONTHLY_COST_CENTS", "260000"))
    # Days after its pickup day that a customer is reminded of work waiting at the desk.
    UNCOLLECTED_REMINDER_DAYS = int(os.environ.get("UNCOLLECTED_REMINDER_DAYS", "2"))
    # Days after its pickup day that work still waiting at the desk is marked uncollected (the
    # customer is told; the provider is paid all the same; the desk still hands it over).
    UNCOLLECTED_AFTER_DAYS = int(os.environ.get("UNCOLLECTED_AFTER_DAYS", "30"))
    # How long before a basket's order cut-off a subscription's order is placed (the customer
    # can skip that week until the cut-off).
    SUBSCRIPTION_LEAD_DAYS = int(os.environ.get("SUBSCRIPTION_LEAD_DAYS", "3"))
    # Customers with no sign-in and no order for this long are anonymised (RGPD; 3 years).
    INACTIVE_ACCOUNT_DAYS = int(os.environ.get("INACTIVE_ACCOUNT_DAYS", str(3 * 365)))
    # Where `flask backup` writes (default: instance/backups).
    BACKUP_DIR = os.environ.get("BACKUP_DIR")
    # The scheduler's nightly backup (job backup-database): when it runs (Paris time), and how
    # many copies it keeps: the newest of each of the last N days and of the last M months. It
    # deletes only the files it names itself (conciergerie-<date>.dump or .sqlite3).
    BACKUP_HOUR = int(os.environ.get("BACKUP_HOUR", "1"))
    BACKUP_MINUTE = int(os.environ.get("BACKUP_MINUTE", "45"))
    BACKUP_KEEP_DAILY = int(os.environ.get("BACKUP_KEEP_DAILY", "7"))
    BACKUP_KEEP_MONTHLY = int(os.environ.get("BACKUP_KEEP_MONTHLY", "12"))
    # Log lines: "text" or "json" (one JSON object per line, for the log collector); empty: left
    # to the host (the tests).
    LOG_FORMAT = os.environ.get("LOG_FORMAT", "text")
    LOG_LEVEL = os.environ.get("LOG_LEVEL", "INFO")
    # gunicorn's own variable for its number of workers (processes), read here to refuse
    # per-process limits in production when there are several.
    WEB_CONCURRENCY = int(os.environ.get("WEB_CONCURRENCY", "1"))
    RATELIMIT_HEADERS_ENABLED = True
    # The demo data has accounts with a public password: never loaded in production by mistake.
    DEMO_DATA_ALLOWED = False  # seconds a reset link stays valid

    # Desk slots: cut from the opening hours, this long, serving this many customers each,
    # generated this many weeks ahead.
    SLOT_MINUTES = int(os.environ.get("SLOT_MINUTES", "30"))
    SLOT_CAPACITY = int(os.environ.get("SLOT_CAPACITY", "4"))
    SLOT_WEEKS_AHEAD = int(os.environ.get("SLOT_WEEKS_AHEAD", "4"))
    # Working days the pickup rounds need to carry items to the provider and back.
    TRANSPORT_MARGIN_WORKING_DAYS = int(os.environ.get("TRANSPORT_MARGIN_WORKING_DAYS", "1"))
    # Service fee per order for residents (none for subscribers' employees or the tarif solidaire).
    RESIDENT_FEE_CENTS = int(os.environ.get("RESIDENT_FEE_CENTS", "150"))
    # A customer's own order (website or API) holds at most this many items, its lines' quantities
    # added up (a basket is one, a "lot de 5 chemises" one); the desk may take more at the counter.
    MAX_ITEMS_PER_ORDER = int(os.environ.get("MAX_ITEMS_PER_ORDER", "20"))
    # A customer holds at most this many orders of their own paid at the desk and not yet
    # dropped off (each holds slot places, unpaid); paid online, taken at the counter or placed
    # by a basket subscription, an order does not count.
    MAX_OPEN_DESK_ORDERS = int(os.environ.get("MAX_OPEN_DESK_ORDERS", "3"))

    # Stripe: no secret key, no online payment (paying at the desk always works).
    STRIPE_SECRET_KEY = os.environ.get("STRIPE_SECRET_KEY")
    STRIPE_WEBHOOK_SECRET = os.environ.get("STRIPE_WEBHOOK_SECRET")
    STRIPE_API_BASE = os.environ.get("STRIPE_API_BASE")  # e.g. a fake Stripe server in tests
    # How long an order waiting for its online payment holds its slot places.
    PAYMENT_HOLD_MINUTES = int(os.environ.get("PAYMENT_HOLD_MINUTES", "30"))
    # A confirmed booking of a room is cancelled free until this many hours before it starts;
    # later, its price stays owed.
    ROOM_FREE_CANCELLATION_HOURS = int(os.environ.get("ROOM_FREE_CANCELLATION_HOURS", "48"))

    # The desk, depot of the pickup rounds and origin of the "distance from the desk".
    DESK_NAME = "La Grappe"
    DESK_ADDRESS = "75 rue Gambetta, 59000 Lille"
    DESK_LATITUDE = 50.62735
    DESK_LONGITUDE = 3.05295
    # Street distances of the rounds (rounds/travel.py): "straight" (the crow-flies line × 1.3,
    # no server), "osrm" or "valhalla" (a routing server at TRAVEL_URL, with the profile or
    # costing TRAVEL_PROFILE); a server that fails answers with the straight line, said so.
    TRAVEL_SOURCE = os.environ.get("TRAVEL_SOURCE", "straight")
    TRAVEL_URL = os.environ.get("TRAVEL_URL", "")
    TRAVEL_PROFILE = os.environ.get("TRAVEL_PROFILE", "")
    TRAVEL_TIMEOUT = float(os.environ.get("TRAVEL_TIMEOUT", "3"))
    # The national address API (Base Adresse Nationale), e.g. https://api-adresse.data.gouv.fr:
    # a provider's address is located when the concierge saves it. Empty: positions are typed.
    GEOCODER_URL = os.environ.get("GEOCODER_URL", "")
    GEOCODER_TIMEOUT = float(os.environ.get("GEOCODER_TIMEOUT", "2"))
    # Map tiles under the rounds' maps, e.g. https://tile.openstreetmap.org/{z}/{x}/{y}.png, with
    # their attribution. Empty: the numbered stops on a plain background (no request elsewhere).
    MAP_TILES_URL = os.environ.get("MAP_TILES_URL", "")
    MAP_TILES_ATTRIBUTION = os.environ.get(
        "MAP_TILES_ATTRIBUTION", "© les contributeurs d'OpenStreetMap"
    )
    # How to reach the desk, in the footer of every page and every mail. The demo number is in
    # a range ARCEP keeps for fiction (03 53 01 xx xx): it rings nobody.
    DESK_EMAIL = os.environ.get("DESK_EMAIL", "bonjour@etvoila-gambetta.fr")
    DESK_PHONE = os.environ.get("DESK_PHONE", "03 53 01 00 59")

    # The association that runs the desk, as its invoices, receipts and credit notes name it
    # (the French mentions: the issuer's name, address and SIRET), and the VAT mention they
    # carry: an association under the franchise en base de TVA charges none.
    ASSOCIATION_NAME = os.environ.get("ASSOCIATION_NAME", "Association Et voilà Gambetta")
    ASSOCIATION_ADDRESS = os.environ.get(
        "ASSOCIATION_ADDRESS", "La Grappe, 75 rue Gambetta, 59000 Lille"
    )
    ASSOCIATION_SIRET = os.environ.get("ASSOCIATION_SIRET", "")
    # The legal notice (/mentions-legales, LCEN art. 6): the association's legal form, who is
    # responsible for what the site publishes, and who hosts it (name, address, phone). The
    # defaults are the demo's: set the real ones in production.
    ASSOCIATION_LEGAL_FORM = os.environ.get(
        "ASSOCIATION_LEGAL_FORM", "Association déclarée régie par la loi du 1er juillet 1901"
    )
    PUBLICATION_DIRECTOR = os.environ.get(
        "PUBLICATION_DIRECTOR", "Camille Roussel, présidente de l'association"
    )
    HOSTING_PROVIDER = os.environ.get("HOSTING_PROVIDER", "OVH SAS")
    HOSTING_ADDRESS = os.environ.get("HOSTING_ADDRESS", "2 rue Kellermann, 59100 Roubaix")
    HOSTING_PHONE = os.environ.get("HOSTING_PHONE", "09 72 10 10 07")
    # The consumer mediator the association has joined (Code de la consommation, L612-1), named
    # in the terms of sale; empty: the terms say to write to the desk first.
    CONSUMER_MEDIATOR = os.environ.get("CONSUMER_MEDIATOR", "")
    VAT_MENTION = os.environ.get("VAT_MENTION", "TVA non applicable, article 293 B du CGI")


class DevelopmentConfig(Config):
    DEBUG = True
    DEMO_DATA_ALLOWED = True


class TestingConfig(Config):
    TESTING = True
    DEMO_DATA_ALLOWED = True
    # Tests configure Stripe themselves (a fake server), never from the environment.
    STRIPE_SECRET_KEY = None
    STRIPE_WEBHOOK_SECRET = None
    STRIPE_API_BASE = None
    # Texts go to the log unless a test points them at its fake gateway.
    SMS_GATEWAY_URL = None
    SMS_GATEWAY_TOKEN = None
    SMS_WEBHOOK_SECRET = None
    SECRET_KEY = "testing-secret-key"
    MAIL_BACKEND = "locmem"
    SQLALCHEMY_ENGINE_OPTIONS: dict = {"hide_parameters": True}
    # Each test's changes stay in its own rolled-back transaction, which no listener sees: the
    # pages read the version in that transaction (tests/catalogue/test_versions.py tests NOTIFY).
    CATALOGUE_VERSION_LISTEN = False
    LOG_FORMAT = ""  # pytest's caplog collects the lines
    # No routing server, geocoder nor tile server from the environment: tests start fakes.
    TRAVEL_SOURCE = "straight"
    TRAVEL_URL = ""
    GEOCODER_URL = ""
    MAP_TILES_URL = ""


class ProductionConfig(Config):
    LOG_FORMAT = os.environ.get("LOG_FORMAT", "json")
    # One line per request in the same JSON stream (gunicorn's access log is left off).
    ACCESS_LOG = True
    # Static URLs change with their content (assets.py): browsers may keep them for a year.
    SEND_FILE_MAX_AGE_DEFAULT = 365 * 24 * 3600
    # Host names the site answers to (comma-separated), e.g. "etvoila-gambetta.fr".
    TRUSTED_HOSTS = [h for h in os.environ.get("TRUSTED_HOSTS", "").split(",") if h] or None
    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_SECURE = True
    # Browsers keep to https for a year once they have seen the site over it.
    HSTS_SECONDS = 365 * 24 * 3600
    SMS_TO_LOG_WITHOUT_GATEWAY = False  # no gateway: no texts offered nor written
    PREFERRED_URL_SCHEME = "https"

    @classmethod
    def check(cls) -> None:
        """Fail fast on settings that would be unsafe in production."""
        if not cls.SECRET_KEY or cls.SECRET_KEY == DEV_SECRET_KEY or len(cls.SECRET_KEY) < 32:
            raise RuntimeError(
                "SECRET_KEY must be set to a random value of at least 32 characters in production."
            )
        if not cls.SQLALCHEMY_DATABASE_URI:
            raise RuntimeError("DATABASE_URL must be set in production.")
        if not cls.PUBLIC_URL.startswith("https://"):
            raise RuntimeError("PUBLIC_URL must be the site's https:// address in production.")
        if cls.MAIL_BACKEND != "smtp":
            raise RuntimeError("MAIL_SERVER must be set in production (reset links are mailed).")
        if cls.SMS_GATEWAY_URL and not cls.SMS_GATEWAY_TOKEN:
            raise RuntimeError("SMS_GATEWAY_TOKEN must be set with SMS_GATEWAY_URL.")
        if cls.SMS_GATEWAY_URL and not cls.SMS_WEBHOOK_SECRET:
            # Every text says "STOP pour ne plus recevoir de SMS": the STOP must get through.
            raise RuntimeError("SMS_WEBHOOK_SECRET must be set with SMS_GATEWAY_URL (STOP).")
        if cls.RATELIMIT_STORAGE_URI.startswith("memory://") and cls.WEB_CONCURRENCY > 1:
            # Each worker would count apart: N workers would allow N times the attempts.
            raise RuntimeError(
                "RATELIMIT_STORAGE_URI must be a shared store (redis://host:6379 or "
                "memcached://host:11211) when WEB_CONCURRENCY runs several workers."
            )


CONFIGS: dict[str, type[Config]] = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}
