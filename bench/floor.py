"""The floor under an order: what the stack alone costs for the round trips an order makes.

bench/load.py serves this app with the same gunicorn settings as the real one. Each request makes
the sixteen statements an order through the API makes today (eleven reads by key, five inserts,
counted with an SQLAlchemy event on a real order) in one transaction, with nothing of the
concierge's rules around them: no sign-in, no checks, no mail, no middleware. Two ways:
- `/core`: SQLAlchemy Core statements on one pooled psycopg connection;
- `/orm`: the same through a Flask-SQLAlchemy session and typed models, as the app writes them.
What the real order costs beyond these floors is ours; what the floors cost is the stack's.

And the floor under a cached catalogue page (`/page`): a page of the catalogue's size, already
rendered, with the visitor's own CSRF token written in (Flask-WTF, in Flask's signed session
cookie), as `catalogue/cache.py` serves it, with none of the app's middleware.
"""

import os
import random
import secrets

import sqlalchemy as sa
from flask import Flask
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import generate_csrf
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

READS, INSERTS = 11, 5


class Base(DeclarativeBase):
    pass


class Offer(Base):
    """The benchmark database's offers, read by key (a few columns are enough)."""

    __tablename__ = "offer"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str]
    price_cents: Mapped[int]


class FloorRow(Base):
    """Where the inserts go: a table of this app's own, created when it starts."""

    __tablename__ = "bench_floor_row"
    id: Mapped[int] = mapped_column(primary_key=True)
    request: Mapped[int]
    payload: Mapped[str] = mapped_column(sa.String(200))


db = SQLAlchemy(model_class=Base)
app = Flask(__name__)
app.config["SQLALCHEMY_DATABASE_URI"] = os.environ["BENCH_DATABASE_URL_APP"]
app.config["SECRET_KEY"] = secrets.token_urlsafe(32)
db.init_app(app)
with app.app_context():
    FloorRow.__table__.create(db.engine, checkfirst=True)
    OFFER_IDS = db.session.scalars(sa.select(Offer.id)).all()
    db.session.remove()


def _ids() -> list[int]:
    return random.sample(OFFER_IDS, READS)  # distinct: no read served from the identity map


@app.post("/core")
def core() -> tuple[str, int]:
    offers, rows = Offer.__table__, FloorRow.__table__
    with db.engine.begin() as conn:
        for offer_id in _ids():
            conn.execute(sa.select(offers).where(offers.c.id == offer_id)).one()
        for n in range(INSERTS):
            conn.execute(sa.insert(rows).values(request=n, payload="x" * 80))
    return "", 201


@app.post("/orm")
def orm() -> tuple[str, int]:
    for offer_id in _ids():
        db.session.get(Offer, offer_id)
    for n in range(INSERTS):
        db.session.add(FloorRow(request=n, payload="x" * 80))
        db.session.flush()  # one statement each, as the order's rows are written
    db.session.commit()
    return "", 201


# The catalogue page's size with the bench's 200 providers (106 KB), cut where the token goes.
PAGE = [b"<p>" + b"x" * 53_000 + b"</p>", b"<p>" + b"y" * 53_000 + b"</p>"]


@app.get("/page")
def page():
    return app.response_class(generate_csrf().encode().join(PAGE), mimetype="text/html")
