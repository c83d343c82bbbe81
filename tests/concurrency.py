"""Requests at the same instant, for the concurrency tests (PostgreSQL, real commits): each call
in a thread of its own, all released together by a barrier."""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from typing import Any, TypeVar

import sqlalchemy as sa

from conciergerie.models import DeskSlot
from conciergerie.slots.service import SlotFull

T = TypeVar("T")


def at_once(work: Callable[..., T], calls: Iterable[Sequence[Any]], *, timeout: float) -> list[T]:
    """`work(start, *call)` for each of `calls`, each in a thread of its own: `work` calls
    `start()` once ready (its client made, say), and from there all go on at the same instant.
    What they returned, in the order they finished (a thread that raised returns nothing).
    Each thread is waited for `timeout` seconds at the most."""
    calls = [tuple(call) for call in calls]
    barrier = threading.Barrier(len(calls))
    results: list[T] = []

    def run(*call: Any) -> None:
        results.append(work(barrier.wait, *call))

    threads = [threading.Thread(target=run, args=call) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=timeout)
    return results


def api_posts_at_once(
    app, posts: Iterable[tuple[str, dict | None, str]], *, timeout: float
) -> Counter[tuple[int, str | None]]:
    """Each (url, json body or None, API token) of `posts` posted to the API at the same
    instant, each from a test client of its own; the answers counted as (status, error code)."""

    def post(start: Callable[[], object], url: str, body: dict | None, token: str):
        client = app.test_client()
        start()
        response = client.post(url, json=body, headers={"Authorization": f"Bearer {token}"})
        answer = response.get_json(silent=True) or {}
        return response.status_code, answer.get("error", {}).get("code")

    return Counter(at_once(post, posts, timeout=timeout))


def unguarded_reserve(session, slot) -> None:
    """The classic bug, for the control runs (in place of `slots.service.reserve_place`): read
    the count, check it, write it back — no lock, no condition."""
    booked, capacity = session.execute(
        sa.select(DeskSlot.booked, DeskSlot.capacity).where(DeskSlot.id == slot.id)
    ).one()
    if booked >= capacity:
        raise SlotFull("complet")
    time.sleep(0.05)  # the time a busy server takes between the read and the write
    session.execute(sa.update(DeskSlot).where(DeskSlot.id == slot.id).values(booked=booked + 1))
