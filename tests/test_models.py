from datetime import UTC, datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from conciergerie.models import User


def test_datetimes_come_back_timezone_aware_in_utc(session, make_user):
    paris_morning = datetime(2026, 3, 29, 9, 0, tzinfo=timezone(timedelta(hours=2)))
    user = make_user(created_at=paris_morning)
    session.expire_all()
    loaded = session.get(User, user.id)
    assert loaded.created_at == paris_morning
    assert loaded.created_at.tzinfo is not None
    assert loaded.created_at.utcoffset() == timedelta(0)
    assert loaded.created_at == datetime(2026, 3, 29, 7, 0, tzinfo=UTC)


def test_naive_datetimes_are_refused(session, make_user):
    with pytest.raises(sa.exc.StatementError, match="naive datetime"):
        make_user(created_at=datetime(2026, 1, 1, 9, 0))
    session.rollback()
