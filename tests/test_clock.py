"""The suite's clock (tests/conftest.py: `clock`): every test starts at the same moment."""

from datetime import UTC, datetime, timedelta

from conciergerie.models import utcnow
from tests.factories import NOW


def test_a_test_starts_at_the_suites_now_whatever_the_machines_date():
    # A test may take a while, the clock ticking on: a minute is plenty.
    assert NOW <= utcnow() < NOW + timedelta(minutes=1)
    assert NOW <= datetime.now(UTC) < NOW + timedelta(minutes=1)


def test_the_clock_can_be_moved_within_a_test(clock):
    clock.move_to(NOW + timedelta(days=400))
    assert utcnow().date() == (NOW + timedelta(days=400)).date()
