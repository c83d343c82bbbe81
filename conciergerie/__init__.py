"""Et voilà Gambetta: the neighbourhood concierge of La Grappe, Lille."""

from __future__ import annotations

import os
from pathlib import Path

from flask import Flask

from conciergerie.config import CONFIGS, Config


def create_app(config: type[Config] | str | None = None, **overrides: object) -> Flask:
    """Build the application.

    `config` is a config class or its name; by default ``CONCIERGERIE_CONFIG`` (development when
    unset). `overrides` are applied last (tests use them to point at their own database).
    """
    if config is None or isinstance(config, str):
        name = config or os.environ.get("CONCIERGERIE_CONFIG", "development")
        try:
            config = CONFIGS[name]
        except KeyError:
            raise RuntimeError(
                f"Unknown configuration {name!r}; use one of {sorted(CONFIGS)}"
            ) from None
    check = getattr(config, "check", None)
    if check is not None:
        check()

    app = Flask(__name__, instance_relative_config=False)
    app.jinja_env.add_extension("jinja2.ext.do")
    app.config.from_object(config)
    app.config.update(overrides)
    if not app.config.get("UPLOAD_ROOT"):
        app.config["UPLOAD_ROOT"] = str(Path(app.instance_path) / "uploads")
    if not app.config.get("BACKUP_DIR"):
        app.config["BACKUP_DIR"] = str(Path(app.instance_path) / "backups")
    if not app.config.get("SQLALCHEMY_DATABASE_URI"):
        Path(app.instance_path).mkdir(parents=True, exist_ok=True)
        db_file = Path(app.instance_path) / "conciergerie.sqlite3"
        app.config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{db_file}"

    from conciergerie import assets, cli, errors, i18n, logs, security
    from conciergerie.accounts import init_app as init_accounts
    from conciergerie.catalogue import cache as catalogue_cache
    from conciergerie.database import init_app as init_database
    from conciergerie.database import init_unit_of_work
    from conciergerie.extensions import babel, csrf, db, limiter, mail, migrate
    from conciergerie.home import init_app as init_home
    from conciergerie.invoices import render as invoice_render
    from conciergerie.invoices import service as invoices
    from conciergerie.jobs import init_app as init_jobs
    from conciergerie.orders import filters as order_filters
    from conciergerie.orders import items as order_items
    from conciergerie.payments.gateway import init_app as init_gateway
    from conciergerie.payments.ledger import init_app as init_ledger

    logs.init_app(app)  # first: every later hook's log lines carry the request id
    init_database(app)  # the engine (db.init_app), or a clear error about DATABASE_URL
    init_ledger(app)  # every order's stored totals follow its ledger at each flush
    order_items.install()  # every new service line gets its items (one per thing carried)
    invoices.init_app(app)  # issued documents never change
    invoice_render.init_app(app)
    migrate.init_app(app, db, directory=str(Path(__file__).resolve().parent.parent / "migrations"))
    security.init_request_limits(app)  # before CSRF, which reads the body
    csrf.init_app(app)
    catalogue_cache.init_app(app)  # after CSRF: it wraps csrf_token() in templates
    mail.init_app(app)
    limiter.init_app(app)
    if app.config.get("PROXY_FIX_X_FOR"):
        from werkzeug.middleware.proxy_fix import ProxyFix

        hops = app.config["PROXY_FIX_X_FOR"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)
    babel.init_app(app, locale_selector=i18n.select_locale)
    i18n.init_app(app)
    order_filters.init_app(app)
    init_home(app)  # the header's links, the desk's contact in every page's and mail's footer
    init_accounts(app)
    init_jobs(app)
    init_gateway(app)
    errors.init_app(app)
    security.init_app(app)
    assets.init_app(app)
    cli.init_app(app)

    from conciergerie.accounts.views import bp as accounts_bp
    from conciergerie.api.contract import init_app as init_api
    from conciergerie.api.views import bp as api_bp
    from conciergerie.catalogue.views import bp as catalogue_bp
    from conciergerie.closures.views import bp as closures_bp
    from conciergerie.desk.views import bp as desk_bp
    from conciergerie.events.views import bp as events_bp
    from conciergerie.home.views import bp as home_bp
    from conciergerie.invoices.views import bp as invoices_bp
    from conciergerie.jobs.views import bp as jobs_bp
    from conciergerie.manage.views import bp as manage_bp
    from conciergerie.orders.views import bp as orders_bp
    from conciergerie.payments.views import bp as payments_bp
    from conciergerie.portal.views import bp as portal_bp
    from conciergerie.reports.views import bp as reports_bp
    from conciergerie.rooms.views import bp as rooms_bp
    from conciergerie.rounds.views import bp as rounds_bp
    from conciergerie.slots.views import bp as slots_bp
    from conciergerie.stock.views import bp as stock_bp
    from conciergerie.subscriptions.views import bp as subscriptions_bp
    from conciergerie.texts.views import bp as texts_bp
    from conciergerie.volunteers.views import bp as volunteers_bp

    app.register_blueprint(home_bp)
    app.register_blueprint(catalogue_bp)
    app.register_blueprint(accounts_bp)
    app.register_blueprint(orders_bp)
    app.register_blueprint(slots_bp)
    app.register_blueprint(desk_bp)
    init_api(app, api_bp)  # the API's blueprint, and its OpenAPI document
    app.register_blueprint(payments_bp)
    app.register_blueprint(texts_bp)
    app.register_blueprint(events_bp)
    app.register_blueprint(jobs_bp)
    app.register_blueprint(rounds_bp)
    app.register_blueprint(portal_bp)
    app.register_blueprint(reports_bp)
    app.register_blueprint(manage_bp)
    app.register_blueprint(volunteers_bp)
    app.register_blueprint(subscriptions_bp)
    app.register_blueprint(invoices_bp)
    app.register_blueprint(rooms_bp)
    app.register_blueprint(closures_bp)
    app.register_blueprint(stock_bp)
    from conciergerie import policy

    app.jinja_env.globals["policy"] = policy  # templates ask the same rules as the views
    init_unit_of_work(app)  # last: every view registered above commits once, or not at all
    return app
