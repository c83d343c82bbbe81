"""Benchmark of the round planners.

Run: .venv/bin/python bench/plan_rounds.py
Prints, in one run, two tables:
1. the greedy planner's time, distance and planned share on a day of N items, 60 providers and
   10 volunteers for N = 500 … 8,000, and how the time grows each time N doubles (n log n would
   be a ratio of about 2.2);
2. quality: on fixed days at the real scale (3 volunteers, 6–10 providers within 2.5 km, 20–60
   items) and on the large days of 2,000 and 8,000 items, the items planned, the distance, the
   busiest volunteer's working time over the mean of those available, and the time taken, for
   the greedy planner, the solver (its default budget) and the solver given a long budget (the
   reference, same fairness rule). Targets: as many items as the reference, distance within 3 %
   of it, busiest/mean ≤ 1.5; a real day in under 1 s, 2,000 items in under 10 s.
"""

from __future__ import annotations

import math
import os
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
        plan = plan_day(DESK, providers, volunteers, items, solver="greedy")
        times.append(time.perf_counter() - start)
    return statistics.median(times), plan.distance_m, n - len(plan.unmet)


def real_day(seed: int):
    """A day at the real scale: 3 volunteers, 6–10 providers within 2.5 km, 20–60 items."""
    rng = random.Random(seed)
    providers = []
    for pid in range(1, rng.randint(6, 10) + 1):
        distance, angle = rng.uniform(0.3, 2.5), rng.uniform(0, 2 * math.pi)
        place = Place(
            DESK.lat + distance * math.sin(angle) / 111,
            DESK.lon + distance * math.cos(angle) / 70.8,
        )
        providers.append(ProviderInfo(pid, place, ((9 * H, 12 * H + 30), (14 * H, 19 * H))))
    modes = [(4.5, 6), (13.0, 12), (11.0, 40)]  # on foot, by bike, by cargo bike
    volunteers = [
        VolunteerInfo(vid, windows, *rng.choice(modes))
        for vid, windows in enumerate(
            [
                ((9 * H, 12 * H),),
                ((14 * H, 17 * H + 30),),
                ((9 * H + 30, 12 * H + 30), (14 * H, 17 * H)),
            ],
            1,
        )
    ]
    items = []
    for i in range(rng.randint(20, 60)):
        action = rng.choice(list(Action))
        if action is Action.DROP:  # at the desk since the morning, or since a slot that day
            ready, due = rng.choice([0, 8 * H + 30, 12 * H]), rng.randint(12 * H, 24 * H + 12 * H)
        else:  # finished during the day, picked up by the customer at 18:00 or another day
            ready, due = rng.randint(8 * H, 15 * H), rng.choice([18 * H, 24 * H + 18 * H])
        items.append(
            Item(i, rng.randint(1, len(providers)), action, due, ready, rng.choice([1, 1, 2]))
        )
    return providers, volunteers, items


REFERENCE_BUDGET = float(os.environ.get("REFERENCE_BUDGET", 30))
PLANNERS = {  # name → keyword arguments of plan_day
    "greedy": {"solver": "greedy"},
    "solver": {},
    "reference": {"time_budget_s": REFERENCE_BUDGET},
}


def quality(name: str, day_of) -> list[tuple]:
    providers, volunteers, items = day_of
    rows = []
    for planner, options in PLANNERS.items():
        start = time.perf_counter()
        plan = plan_day(DESK, providers, volunteers, items, **options)
        seconds = time.perf_counter() - start
        available = [v for v in volunteers if v.windows]
        minutes = [plan.minutes_of(v.id) for v in available]
        mean = sum(minutes) / len(minutes)
        busiest = max(minutes) / mean if mean else 0.0
        planned = len(items) - len(plan.unmet)
        rows.append((name, len(items), planner, planned, plan.distance_m / 1000, busiest, seconds))
    return rows


def second_table() -> None:
    print()
    print(
        f"{'day':>10} {'items':>6} {'planner':>10} {'planned':>8} {'km':>8} "
        f"{'busiest/mean':>13} {'time (s)':>9}"
    )
    days = [(f"real #{seed}", real_day(seed)) for seed in range(1, 9)]
    days += [(f"large {n}", day(n)) for n in (2000, 8000)]
    real = {planner: [0, 0.0, 0.0] for planner in PLANNERS}  # planned, km, slowest (s)
    for name, day_of in days:
        rows = quality(name, day_of)
        if name.startswith("real"):
            for row in rows:
                total = real[row[2]]
                total[0], total[1], total[2] = (
                    total[0] + row[3],
                    total[1] + row[4],
                    max(total[2], row[6]),
                )
        for name_, n, planner, planned, km, busiest, seconds in rows:
            print(
                f"{name_:>10} {n:>6} {planner:>10} {planned:>8} {km:>8.1f} "
                f"{busiest:>13.2f} {seconds:>9.2f}"
            )
        solver, reference = rows[1], rows[2]
        verdict = [
            "planned ≥ ref" if solver[3] >= reference[3] else "planned < ref",
            f"distance {100 * (solver[4] / reference[4] - 1):+.1f} % of ref"
            if reference[4]
            else "",
            "fair" if solver[5] <= 1.5 else "busiest > 1.5 × mean",
        ]
        print(f"{'':>10} {'':>6} {'→':>10} " + " · ".join(v for v in verdict if v))
        if name == "real #8":
            for planner, (planned, km, slowest) in real.items():
                print(
                    f"{'real, all':>10} {'':>6} {planner:>10} {planned:>8} {km:>8.1f} "
                    f"{'':>13} {slowest:>9.2f} (slowest)"
                )


def main() -> None:
    print('Greedy planner (solver="greedy"): time as the day grows')
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
    second_table()


if __name__ == "__main__":
    main()
