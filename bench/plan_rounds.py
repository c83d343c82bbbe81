"""Benchmark of the round planner: a day of N items, 60 providers, 10 volunteers.

Run: .venv/bin/python bench/plan_rounds.py
Prints, in one run, the planning time, distance and planned share for N = 500 … 8,000, and how
the time grows each time N doubles (n log n would be a ratio of about 2.2).
"""

from __future__ import annotations

import math
import random
import statistics
import time

from conciergerie.rounds.planner import (
    Action,
    Item,
    Place,
    ProviderInfo,
    VolunteerInfo,
    plan_day,
    street_m,
)

H = 60
DESK = Place(50.62735, 3.05295)


def day(n_items: int, seed: int = 7):
    rng = random.Random(seed)
    providers = [
        ProviderInfo(
            pid,
            Place(DESK.lat + rng.uniform(-3, 3) / 111, DESK.lon + rng.uniform(-3, 3) / 70.8),
            ((8 * H, 12 * H + 30), (14 * H, 19 * H)),
        )
        for pid in range(1, 61)
    ]
    volunteers = [
        VolunteerInfo(
            vid,
            ((8 * H, 12 * H), (14 * H, 18 * H)),
            rng.choice([5.0, 15.0, 15.0, 20.0]),
            rng.choice([8, 12, 30]),
        )
        for vid in range(1, 11)
    ]
    items = [
        Item(
            i,
            rng.randint(1, 60),
            rng.choice(list(Action)),
            due=rng.randint(10 * H, 20 * H),
            ready=rng.randint(0, 12 * H),
        )
        for i in range(n_items)
    ]
    return providers, volunteers, items


def measure(n: int, repeat: int = 5) -> tuple[float, float, int]:
    providers, volunteers, items = day(n)
    times = []
    for _ in range(repeat):
        street_m.cache_clear()  # every run starts cold: no distance known in advance
        start = time.perf_counter()
        plan = plan_day(DESK, providers, volunteers, items)
        times.append(time.perf_counter() - start)
    return statistics.median(times), plan.distance_m, n - len(plan.unmet)


def main() -> None:
    sizes = [500, 1000, 2000, 4000, 8000]
    print(f"{'items':>6} {'time (s)':>9} {'×prev':>6} {'n log n ×':>10} {'km':>8} {'planned':>8}")
    previous = None
    for n in sizes:
        seconds, distance, planned = measure(n)
        growth = f"{seconds / previous[1]:.2f}" if previous else "—"
        expected = (
            f"{(n * math.log(n)) / (previous[0] * math.log(previous[0])):.2f}" if previous else "—"
        )
        print(
            f"{n:>6} {seconds:>9.3f} {growth:>6} {expected:>10} "
            f"{distance / 1000:>8.1f} {planned:>8}"
        )
        previous = (n, seconds)


if __name__ == "__main__":
    main()
