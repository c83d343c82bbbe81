"""Planning a day of pickup rounds: a pure function, no database, no clock.

`plan_day` gives the day's rounds and what cannot move (with the reason). Two planners answer:
- "vroom" (the default, production): a vehicle-routing solver, VROOM through pyvroom, given the
  items as shipments with their time windows, the volunteers' windows, pace and carrying limit,
  several trips per window, and a fair share of the work (vrp.py);
- "greedy": the first planner, fast but short-sighted, kept to measure the solver against
  (greedy.py, bench/plan_rounds.py).

The shapes they share (times in minutes since local midnight) are in shapes.py.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from conciergerie.rounds.greedy import plan_day_greedy
from conciergerie.rounds.shapes import (
    DAY,
    Action,
    Item,
    Note,
    Plan,
    ProviderInfo,
    Reason,
    Round,
    Unmet,
    Visit,
    VolunteerInfo,
    street_m,
    travel_minutes,
)
from conciergerie.rounds.travel import Place, TravelSource
from conciergerie.rounds.vrp import FAIRNESS, plan_day_vroom

__all__ = [
    "DAY",
    "Action",
    "Item",
    "Note",
    "Place",
    "Plan",
    "ProviderInfo",
    "Reason",
    "Round",
    "Unmet",
    "Visit",
    "VolunteerInfo",
    "plan_day",
    "plan_day_greedy",
    "plan_day_vroom",
    "street_m",
    "travel_minutes",
]


def plan_day(
    depot: Place,
    providers: Sequence[ProviderInfo],
    volunteers: Sequence[VolunteerInfo],
    items: Iterable[Item],
    *,
    service_minutes: int = 5,
    travel: TravelSource | None = None,
    solver: str = "vroom",
    time_budget_s: float | None = None,
    fairness: float = FAIRNESS,
) -> Plan:
    """The day's rounds. `time_budget_s`: how long the solver may search (by default under a
    second for a real day); `fairness`: the busiest volunteer's most working time over the mean
    of those available, when availability allows. The greedy planner ignores both."""
    if solver == "greedy":
        return plan_day_greedy(
            depot, providers, volunteers, items, service_minutes=service_minutes, travel=travel
        )
    return plan_day_vroom(
        depot,
        providers,
        volunteers,
        items,
        service_minutes=service_minutes,
        travel=travel,
        time_budget_s=time_budget_s,
        fairness=fairness,
    )
