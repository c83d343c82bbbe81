"""The app as bench/load.py serves it: on the benchmark database, debug off, mails discarded."""

import os

from conciergerie import create_app

app = create_app(
    "development",
    SQLALCHEMY_DATABASE_URI=os.environ["BENCH_DATABASE_URL_APP"],
    DEBUG=False,
    MAIL_BACKEND="dummy",
    RATELIMIT_ENABLED=False,
    # Each of the run's customers places hundreds of orders: the limit of open orders paid at the
    # desk is still counted under its lock, but set out of reach.
    MAX_OPEN_DESK_ORDERS=10**9,
)
