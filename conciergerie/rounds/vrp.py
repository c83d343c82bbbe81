"""The vehicle-routing planner: VROOM (through pyvroom) lays out the day, we time it and check it.

The model given to VROOM:
- each availability window of a volunteer is a vehicle leaving the desk and coming back, at the
  volunteer's pace (one duration matrix per distinct speed, from the travel source's distances),
  with the volunteer's carrying limit;
- the items are shipments: desk → provider for a drop (picked up at the desk from the moment it is
  there, delivered at the provider while open and by its deadline), provider → desk for a
  collection (picked up while open once the work is finished, back at the desk by its deadline).
  Items of one provider, direction, ready time and deadline travel as one shipment;
- several trips per window: the desk is a stop like any other, so a vehicle's route may pass by
  the desk to leave what it collected and load the next drops. Each pass by the desk ends a round;
- the service time is VROOM's setup time at a provider: counted once per visit, however many
  items change hands there;
- VROOM first moves as many items as it can (a shipment's priority is its number of items, those
  due that day counting three times), then keeps the distance down.

VROOM's routes are then timed again by `_timed_round` with the rules the rest of the app reads
(a visit is wholly inside the opening hours, a drop reaches its provider by its deadline, a
collection is back at the desk by its own, drops leave with the round they are delivered in): a
stop that breaks one is left out, so every round returned keeps every rule by construction.

Fair shares: when the busiest volunteer works more than `fairness` × the mean working time of the
volunteers available that day, rounds (or a cut of one: its first or last stops, what of it is
ready early) are handed to a volunteer free then (`_hand_over`), and the busy ones get a cap on
their travel time and the day is solved again (`_plan`); of the plans moving as many items, a
fair one is kept, the shortest. A volunteer's own limit (`VolunteerInfo.max_minutes`) is a cap
too, and rounds beyond it are left out; it is exceeded only to move items due that day that
would otherwise stay behind, and the plan says so (`Note`).

Large days (more than MAX_LOADS shipments): VROOM takes the most urgent shipments, the greedy
planner the rest in the time left, or the greedy planner plans alone when it moves more; each
round of several stops is then given to VROOM alone to reorder (`_polished`) while the budget
lasts. VROOM answers within its timeout only once its first construction is done, so the search
depth goes down as the day grows (`_Day.exploration`).
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import timedelta

import vroom

from conciergerie.rounds.greedy import plan_day_greedy
from conciergerie.rounds.shapes import (
    DAY,
    Action,
    Item,
    Note,
    Place,
    Plan,
    ProviderInfo,
    Reason,
    Round,
    Unmet,
    Visit,
    VolunteerInfo,
    opening_at,
    why,
)
from conciergerie.rounds.travel import StraightLine, TravelMatrix, TravelSource

FAIRNESS = 1.5  # no one works more than this times the mean, when availability allows
FAIR_PASSES = 4  # solves again at most, to share the work
FAIR_STEP = 0.7  # each pass caps the busiest at this share of their time (at the lowest)
URGENT_WEIGHT = 3  # an item due that day counts as three in VROOM's priority
NO_LIMIT = 10 * DAY
THREADS = 2
MAX_LOADS = 250  # shipments: more, and VROOM takes minutes
BUCKETS = (1, 30, 60)  # minutes: widths to group times on a large day


def default_budget(n_items: int) -> float:
    """Seconds VROOM may search: a real day (tens of items) well under a second, a day of
    thousands of items a few seconds."""
    return 0.8 if n_items <= 200 else min(8.0, 0.8 + n_items / 400)


@dataclass(frozen=True)
class _Load:
    """One shipment: items of one provider, one direction, one ready time and deadline."""

    key: int  # VROOM's job id
    provider: ProviderInfo
    action: Action
    items: tuple[Item, ...]
    ready: int
    due: int

    @property
    def size(self) -> int:
        return sum(i.size for i in self.items)

    @property
    def weight(self) -> int:
        return sum(URGENT_WEIGHT if i.due < DAY else 1 for i in self.items)


@dataclass
class _Day:
    depot: Place
    volunteers: tuple[VolunteerInfo, ...]  # those with availability
    service: int
    roads: TravelMatrix
    deadline: float  # time.perf_counter() after which no new solve starts
    budget: float  # seconds, all solves together

    def exploration(self, n_loads: int) -> int:
        """VROOM's search depth (0–5): the deepest that answers within the budget. VROOM runs
        its first construction to the end whatever its timeout: a large day searches less."""
        if n_loads <= 30 or (n_loads <= 150 and self.budget >= 20):
            return 5
        if n_loads <= 80:
            return 3
        if n_loads <= 150 or self.budget >= 20:
            return 2
        return 0


@dataclass
class _Outcome:
    rounds: list[Round]
    planned: set[int]  # load keys
    weight: int = 0
    travel: dict[int, int] = field(default_factory=dict)  # volunteer id → minutes on the way

    def ratios(self) -> dict[int, float]:
        """Each volunteer's minutes on the way over their working minutes."""
        return {vid: t / self.minutes(vid) for vid, t in self.travel.items() if self.minutes(vid)}

    def minutes(self, volunteer_id: int) -> int:
        return sum(r.end - r.start for r in self.rounds if r.volunteer_id == volunteer_id)


def plan_day_vroom(
    depot: Place,
    providers: Sequence[ProviderInfo],
    volunteers: Sequence[VolunteerInfo],
    items: Iterable[Item],
    *,
    service_minutes: int = 5,
    travel: TravelSource | None = None,
    time_budget_s: float | None = None,
    fairness: float = FAIRNESS,
) -> Plan:
    items = list(items)
    by_id = {p.id: p for p in providers}
    roads = (travel or StraightLine()).matrix([depot, *(p.place for p in providers)])
    available = tuple(v for v in volunteers if v.windows)
    budget = default_budget(len(items)) if time_budget_s is None else time_budget_s
    day = _Day(depot, available, service_minutes, roads, time.perf_counter() + budget, budget)
    unmet, movable = _sort_out(items, by_id, available, day)
    loads = _group(movable, by_id, [v.capacity for v in available])
    loads.sort(key=lambda load: (load.due, load.key))
    rounds, notes = _laid_out(day, providers, loads, movable, fairness)
    rounds = _polished(day, rounds, {i.id: i for i in movable}, by_id)
    planned = {i for r in rounds for v in r.visits for i in v.drops + v.collects}
    for item in movable:  # (those the solver planned too: the greedy plan may have won)
        if item.id not in planned:
            reason = why(item, by_id[item.provider_id], available, depot, service_minutes, roads)
            unmet.append(Unmet(item.id, reason))
    rounds.sort(key=lambda r: (r.volunteer_id, r.start))
    return Plan(rounds, sorted(unmet, key=lambda u: u.item_id), roads.source, notes)


def _laid_out(
    day: _Day, providers, loads: list[_Load], movable: list[Item], fairness: float
) -> tuple[list[Round], list[Note]]:
    """The day's rounds before polishing: on a large day the solver takes the most urgent
    shipments (`loads` come sorted by deadline), the greedy planner the rest, or the greedy
    planner plans alone when it moves more."""
    outcome, notes = _plan(day, loads[:MAX_LOADS], fairness)
    left = [i for load in loads if load.key not in outcome.planned for i in load.items]
    rounds = outcome.rounds + _top_up(day, providers, left, outcome)
    if len(loads) > MAX_LOADS:
        alone = _top_up(day, providers, movable, _Outcome([], set()))
        if _weight(alone, movable) > _weight(rounds, movable):
            rounds, notes = alone, []
    return rounds, notes


def _polished(day: _Day, rounds: list[Round], items: dict[int, Item], by_id) -> list[Round]:
    """Each round of several stops given to the solver alone, in the time the volunteer has for
    it: the same items, in the shortest order that keeps every rule (the greedy planner's rounds
    of a large day, mostly). Longest rounds first, while the budget lasts."""
    volunteers = {v.id: v for v in day.volunteers}
    ordered = sorted(rounds, key=lambda r: (r.volunteer_id, r.start))
    limits = {}  # round index → the end of the time it may take
    for k, round_ in enumerate(ordered):
        windows = volunteers[round_.volunteer_id].windows
        end = next(e for s, e in windows if s <= round_.start and round_.end <= e)
        if k + 1 < len(ordered) and ordered[k + 1].volunteer_id == round_.volunteer_id:
            end = min(end, ordered[k + 1].start)
        limits[k] = end
    for k in sorted(limits, key=lambda k: -ordered[k].distance_m):
        round_ = ordered[k]
        if time.perf_counter() > day.deadline:
            break
        if len(round_.visits) < 2:
            continue
        volunteer = replace(volunteers[round_.volunteer_id], windows=((round_.start, limits[k]),))
        loads = _loads_of_round(round_, items, by_id)
        outcome = _solve(replace(day, volunteers=(volunteer,)), loads, {}, 1, {})
        if len(outcome.planned) == len(loads) and _distance(outcome) < round_.distance_m - 1:
            ordered[k] = outcome.rounds  # one round or more, inside the same time
    return [r for entry in ordered for r in (entry if isinstance(entry, list) else [entry])]


def _loads_of_round(round_: Round, items: dict[int, Item], by_id) -> list[_Load]:
    """The round's items as shipments: those dropped, those collected at each stop."""
    loads = []
    for visit in round_.visits:
        for action, ids in ((Action.DROP, visit.drops), (Action.COLLECT, visit.collects)):
            if ids:
                group = tuple(items[i] for i in ids)
                ready, due = max(i.ready for i in group), min(i.due for i in group)
                loads.append(
                    _Load(len(loads) + 1, by_id[visit.provider_id], action, group, ready, due)
                )
    return loads


def _weight(rounds: list[Round], items: list[Item]) -> tuple[int, float]:
    """What a plan moves (items due that day counting more), then its distance (less is more)."""
    planned = {i for r in rounds for v in r.visits for i in v.drops + v.collects}
    moved = sum(URGENT_WEIGHT if i.due < DAY else 1 for i in items if i.id in planned)
    return moved, -sum(r.distance_m for r in rounds)


@dataclass(frozen=True)
class _Known:
    """The day's travel matrix, handed to the greedy planner as a travel source."""

    roads: TravelMatrix

    def matrix(self, places: Sequence[Place]) -> TravelMatrix:
        return self.roads


def _top_up(day: _Day, providers, left: list[Item], outcome: _Outcome) -> list[Round]:
    """Rounds of the greedy planner for what the solver left, in the time the volunteers still
    have (their own limits kept)."""
    if not left:
        return []
    free = []
    for volunteer in day.volunteers:
        busy = sorted((r.start, r.end) for r in outcome.rounds if r.volunteer_id == volunteer.id)
        windows = _free_windows(volunteer.windows, busy)
        if volunteer.max_minutes is not None:
            windows = _at_most(windows, volunteer.max_minutes - outcome.minutes(volunteer.id))
        free.append(replace(volunteer, windows=windows))
    extra = plan_day_greedy(
        day.depot, providers, free, left, service_minutes=day.service, travel=_Known(day.roads)
    )
    return extra.rounds


def _free_windows(windows, busy) -> tuple[tuple[int, int], ...]:
    """`windows` less the `busy` intervals (sorted, inside the windows)."""
    free = []
    for start, end in windows:
        for b_start, b_end in busy:
            if b_end <= start or end <= b_start:
                continue
            if start < b_start:
                free.append((start, b_start))
            start = max(start, b_end)
        if start < end:
            free.append((start, end))
    return tuple(free)


def _at_most(windows, minutes: int) -> tuple[tuple[int, int], ...]:
    """The first `minutes` of the windows."""
    kept = []
    for start, end in windows:
        if minutes <= 0:
            break
        kept.append((start, min(end, start + minutes)))
        minutes -= end - start
    return tuple(kept)


def _sort_out(items, by_id, available, day: _Day) -> tuple[list[Unmet], list[Item]]:
    """The items no round can move (with the reason), and the others."""
    unmet, movable = [], []
    max_capacity = max((v.capacity for v in available), default=0)
    for item in items:
        provider = by_id.get(item.provider_id)
        if not available:
            unmet.append(Unmet(item.id, Reason.NO_VOLUNTEER))
        elif provider is None or not provider.opening:
            unmet.append(Unmet(item.id, Reason.PROVIDER_CLOSED))
        elif item.size > max_capacity:
            unmet.append(Unmet(item.id, Reason.OVER_CAPACITY))
        else:
            # Could a round of its own move it? If not, no plan will.
            reason = why(item, provider, available, day.depot, day.service, day.roads)
            if reason is Reason.NO_VOLUNTEER:
                movable.append(item)
            else:
                unmet.append(Unmet(item.id, reason))
    return unmet, movable


def _group(items: list[Item], by_id, capacities: list[int]) -> list[_Load]:
    """Items of one provider, direction, ready time and deadline as one shipment. On a large day
    (more than MAX_LOADS shipments) times are rounded into ever wider buckets (a shipment then
    takes the latest ready time and the earliest deadline of its items: a plan of it keeps every
    item's rules) so that the solver answers in seconds. A shipment is no bigger than the median
    carrying limit (an item bigger than it travels alone)."""
    limit = sorted(capacities)[len(capacities) // 2] if capacities else 0
    for width in BUCKETS:
        same: dict[tuple, list[Item]] = defaultdict(list)
        for item in sorted(items, key=lambda i: i.id):
            same[(item.provider_id, item.action, item.ready // width, item.due // width)].append(
                item
            )
        loads: list[_Load] = []
        for (provider_id, action, _, _), group in same.items():
            for chunk in _chunks(group, limit):
                ready, due = max(i.ready for i in chunk), min(i.due for i in chunk)
                loads.append(_Load(len(loads) + 1, by_id[provider_id], action, chunk, ready, due))
        if len(loads) <= MAX_LOADS:
            break
    return loads


def _chunks(group: list[Item], limit: int) -> list[tuple[Item, ...]]:
    chunks: list[list[Item]] = [[]]
    for item in group:
        if chunks[-1] and sum(i.size for i in chunks[-1]) + item.size > limit:
            chunks.append([])
        chunks[-1].append(item)
    return [tuple(chunk) for chunk in chunks]


# Solving, fairly ----------------------------------------------------------------------------------


def _plan(day: _Day, loads: list[_Load], fairness: float) -> tuple[_Outcome, list[Note]]:
    """Solve, share the work (`fairness`), keep the volunteers' own limits, and exceed those only
    for items due that day.

    Sharing: rounds are first handed over (`_settled`); while someone still works more than
    `fairness` × the mean, they are capped a step lower and the day solved again. The caps add up
    from pass to pass (so that the work does not all move to the next one); the fairest plan is
    kept. A pass that moves fewer items is tried once more with a smaller step, then ends the
    sharing: availability does not allow more."""
    limits = {v.id: v.max_minutes for v in day.volunteers if v.max_minutes is not None}
    caps: dict[int, int] = dict(limits)
    # The first plan searched deep on a real day (tens of shipments), then quicker passes.
    started = time.perf_counter()
    raw = _solve(day, loads, caps, FAIR_PASSES + 1, {}, level=5 if len(loads) <= 60 else None)
    took = time.perf_counter() - started  # a pass searches less: about half as long
    worked, ratios = _worked(day, raw), raw.ratios()
    best, best_caps, step = _settled(day, raw, loads, limits, fairness), caps, FAIR_STEP
    for done in range(FAIR_PASSES):
        # Capped on the solver's own plan (before rounds were handed over): a fair plan from
        # the solver is often shorter than one made fair by hand-overs.
        ceiling = fairness * sum(worked.values()) / max(len(worked), 1)
        over = {vid: minutes for vid, minutes in worked.items() if minutes > ceiling}
        if not over or time.perf_counter() + took / 2 > day.deadline:
            break
        tried = dict(caps)
        for vid, minutes in over.items():
            # A first cap no lower than the ceiling; a cap overrun (it is on travel only) lower.
            floor = 0 if vid in caps else ceiling
            tried[vid] = int(max(floor, min(caps.get(vid, minutes), minutes) * step))
        raw = _solve(day, loads, tried, FAIR_PASSES - done, ratios)
        attempt_worked, attempt_ratios = _worked(day, raw), raw.ratios()
        attempt = _settled(day, raw, loads, limits, fairness)
        if attempt.weight < best.weight:
            if step != FAIR_STEP:
                break
            step = (1 + FAIR_STEP) / 2  # too tight: once more, a smaller step
            continue
        caps, worked, ratios = tried, attempt_worked, attempt_ratios
        if _better(day, attempt, best, fairness):
            best, best_caps = attempt, caps
    return _beyond_limits(day, loads, best, best_caps, limits)


def _worked(day: _Day, outcome: _Outcome) -> dict[int, int]:
    return {v.id: outcome.minutes(v.id) for v in day.volunteers}


def _better(day: _Day, one: _Outcome, other: _Outcome, fairness: float) -> bool:
    """Of two plans moving as much: a fair one before an unfair one, then the shorter of two
    fair ones, the fairer of two unfair ones."""
    shares = _busiest(day, one), _busiest(day, other)
    if (shares[0] <= fairness) != (shares[1] <= fairness):
        return shares[0] <= fairness
    if shares[0] <= fairness:
        return _distance(one) < _distance(other)
    return shares[0] < shares[1]


def _distance(outcome: _Outcome) -> float:
    return sum(r.distance_m for r in outcome.rounds)


def _mean_minutes(day: _Day, outcome: _Outcome) -> float:
    return sum(outcome.minutes(v.id) for v in day.volunteers) / max(len(day.volunteers), 1)


def _busiest(day: _Day, outcome: _Outcome) -> float:
    """The busiest volunteer's working time over the mean (0 when nobody works)."""
    mean = _mean_minutes(day, outcome)
    return max((outcome.minutes(v.id) for v in day.volunteers), default=0) / mean if mean else 0


def _beyond_limits(day, loads, best: _Outcome, caps, limits) -> tuple[_Outcome, list[Note]]:
    """Items due that day left behind while a volunteer kept to their limit: solve once more with
    the limits lifted, for the items already planned and those; keep it if it moves them all and
    more, and say who works beyond their limit."""
    behind = [
        load
        for load in loads
        if load.key not in best.planned and any(i.due < DAY for i in load.items)
    ]
    if not limits or not behind:  # whatever the budget: items due that day come first
        return best, []
    wanted = [load for load in loads if load.key in best.planned] + behind
    lifted = {vid: cap for vid, cap in caps.items() if vid not in limits or cap < limits[vid]}
    attempt = _solve(day, wanted, lifted, 1, best.ratios())
    if not (best.planned < attempt.planned):
        return best, []
    moved = tuple(
        sorted(i.id for load in behind if load.key in attempt.planned for i in load.items)
    )
    notes = [
        Note(vid, attempt.minutes(vid), limit, moved)
        for vid, limit in sorted(limits.items())
        if attempt.minutes(vid) > limit
    ]
    return attempt, notes


def _settled(day: _Day, outcome: _Outcome, loads, limits, fairness: float) -> _Outcome:
    """The solver's plan with the work shared by handing whole rounds over, then the volunteers'
    own limits kept."""
    _hand_over(day, outcome, loads, limits, fairness)
    return _trimmed(outcome, limits, loads)


def _hand_over(day: _Day, outcome: _Outcome, loads, limits, fairness: float) -> None:
    """While someone works more than `fairness` × the mean (or their own limit), give one of
    their rounds, the same way, to a volunteer free then and less busy: the distance stays, the
    times are those of the new volunteer's pace (every rule checked again by `_time`)."""
    by_item = {i.id: load for load in loads for i in load.items}
    for _ in range(len(outcome.rounds)):
        ceiling = fairness * _mean_minutes(day, outcome)
        busy = sorted(day.volunteers, key=lambda v: -outcome.minutes(v.id))
        giver = busy[0]
        worked = outcome.minutes(giver.id)
        if worked <= min(ceiling, limits.get(giver.id, NO_LIMIT)) and all(
            outcome.minutes(v.id) <= limits.get(v.id, NO_LIMIT) for v in busy
        ):
            return
        if not any(
            _moved(day, outcome, r, by_item, worked, limits, fairness)
            for r in _rounds_of(outcome, giver)
        ):
            return


def _rounds_of(outcome: _Outcome, volunteer) -> list[Round]:
    mine = [r for r in outcome.rounds if r.volunteer_id == volunteer.id]
    return sorted(mine, key=lambda r: r.start - r.end)  # the longest first


def _moved(day: _Day, outcome: _Outcome, round_: Round, by_item, worked, limits, fairness) -> bool:
    """Hand `round_`, or its first or last stops, or what of it is ready early, to another
    volunteer free then who ends up working less than `worked`, when the busiest then works less
    over the mean: of the moves that make the day fair the shortest, else the most even."""
    giver = next(v for v in day.volunteers if v.id == round_.volunteer_id)
    stops = [
        (by_item[(v.drops + v.collects)[0]].provider, _loads_of(v, by_item)) for v in round_.visits
    ]
    # (stops handed over, stops kept): the whole round, a cut of it in two, or what is ready
    # early (for a volunteer free earlier).
    cuts = [(stops, [])]
    for j in range(1, len(stops)):
        cuts += [(stops[:j], stops[j:]), (stops[j:], stops[:j])]
    for ready in sorted({load.ready for _, loads in stops for load in loads})[:-1]:
        cuts.append(_split(stops, lambda load, ready=ready: load.ready <= ready))
    minutes = {v.id: outcome.minutes(v.id) for v in day.volunteers}
    best = None
    for given, kept in cuts:
        left = _time(day, giver, round_.start, round_.end, kept) if kept else None
        if kept and not isinstance(left, Round):
            continue
        giver_after = worked - (round_.end - round_.start) + (left.end - left.start if left else 0)
        for taker, timed in _takers(day, outcome, giver, given, limits):
            after = {**minutes, giver.id: giver_after}
            after[taker.id] += timed.end - timed.start
            share = max(after.values()) / (sum(after.values()) / len(after))
            if share >= _busiest(day, outcome) or after[taker.id] >= worked:
                continue
            added = timed.distance_m + (left.distance_m if left else 0) - round_.distance_m
            # A move that makes the day fair, the shortest; else the most even.
            key = (0, added) if share <= fairness else (1, share)
            if best is None or key < best[0]:
                best = (key, left, timed)
    if best is None:
        return False
    outcome.rounds.remove(round_)
    outcome.rounds += [r for r in best[1:] if r is not None]
    return True


def _split(stops, early) -> tuple[list, list]:
    """The stops cut by load: those `early` picks, the others (each in the round's order)."""
    picked = [(p, [ld for ld in loads if early(ld)]) for p, loads in stops]
    rest = [(p, [ld for ld in loads if not early(ld)]) for p, loads in stops]
    return [s for s in picked if s[1]], [s for s in rest if s[1]]


def _takers(day: _Day, outcome: _Outcome, giver, stops, limits):
    """(volunteer, the round of `stops` timed for them) for each other volunteer who can do it
    in their free time and within their own limit."""
    for taker in day.volunteers:
        if taker.id == giver.id:
            continue
        busy = sorted((r.start, r.end) for r in outcome.rounds if r.volunteer_id == taker.id)
        for start, end in _free_windows(taker.windows, busy):
            timed = _time(day, taker, start, end, stops)
            if not isinstance(timed, Round):
                continue
            if outcome.minutes(taker.id) + timed.end - timed.start <= limits.get(
                taker.id, NO_LIMIT
            ):
                yield taker, timed
                break


def _loads_of(visit: Visit, by_item) -> list[_Load]:
    return list({by_item[i].key: by_item[i] for i in visit.drops + visit.collects}.values())


def _trimmed(outcome: _Outcome, limits: dict[int, int], loads) -> _Outcome:
    """The volunteers' own limits kept: their last rounds beyond it are left out."""
    by_key = {load.key: load for load in loads}
    by_item = {i.id: load.key for load in loads for i in load.items}
    for vid, limit in limits.items():
        while outcome.minutes(vid) > limit:
            last = max((r for r in outcome.rounds if r.volunteer_id == vid), key=lambda r: r.start)
            outcome.rounds.remove(last)
            for visit in last.visits:
                for item_id in visit.drops + visit.collects:
                    outcome.planned.discard(by_item[item_id])
    outcome.weight = sum(by_key[k].weight for k in outcome.planned)
    return outcome


# One solve ----------------------------------------------------------------------------------------


def _solve(
    day: _Day, loads: list[_Load], caps, passes_left: int, ratios, level: int | None = None
) -> _Outcome:
    """VROOM's plan for `loads`, each volunteer's travel capped so that their working time stays
    under `caps` (minutes; `ratios`: the share of it on the way), timed again round by round."""
    if not loads or not day.volunteers:
        return _Outcome([], set())
    places = list(dict.fromkeys([day.depot, *(load.provider.place for load in loads)]))
    index = {p: i for i, p in enumerate(places)}
    problem = vroom.Input()
    for speed in {v.speed_kmh for v in day.volunteers}:
        problem.set_durations_matrix(
            _profile(speed), [[day.roads.minutes(a, b, speed) for b in places] for a in places]
        )
        problem.set_distances_matrix(
            _profile(speed), [[round(day.roads.distance_m(a, b)) for b in places] for a in places]
        )
    vehicles = _vehicles(day, caps, ratios)
    for key, (volunteer, window, cap) in vehicles.items():
        problem.add_vehicle(
            vroom.Vehicle(
                key,
                start=0,
                end=0,
                profile=_profile(volunteer.speed_kmh),
                capacity=vroom.Amount([volunteer.capacity]),
                time_window=window,
                costs=vroom.VehicleCosts(per_hour=3600, per_km=1000),  # metres, then minutes
                **({"max_travel_time": cap} if cap is not None else {}),
            )
        )
    for load in loads:
        _add_shipment(problem, load, index[load.provider.place], day.service)
    remaining = max(day.deadline - time.perf_counter(), 0.05)
    solution = problem.solve(
        exploration_level=day.exploration(len(loads)) if level is None else level,
        nb_threads=THREADS,
        timeout=timedelta(seconds=remaining / max(passes_left, 1)),
    )
    return _read(day, solution, vehicles, {load.key: load for load in loads})


def _profile(speed: float) -> str:
    return f"{speed:g} km/h"


def _vehicles(day: _Day, caps: dict[int, int], ratios: dict[int, float]) -> dict[int, tuple]:
    """One vehicle per availability window: key → (volunteer, window, travel cap or None).
    VROOM caps the time on the way: a cap on working time becomes one on travel at the share the
    volunteer spent on the way in the last plan (about two thirds at first), for each window
    (the whole day's cap is kept afterwards: `_trimmed`)."""
    vehicles = {}
    for volunteer in day.volunteers:
        cap = caps.get(volunteer.id)
        ratio = ratios.get(volunteer.id, 0.7)
        for start, end in volunteer.windows:
            share = None if cap is None else max(int(cap * ratio), 0)
            vehicles[len(vehicles) + 1] = (volunteer, (start, end), share)
    return vehicles


def _add_shipment(problem: vroom.Input, load: _Load, at: int, service: int) -> None:
    opening = load.provider.opening
    if load.action is Action.DROP:
        pickup = vroom.ShipmentStep(load.key, location=0, time_windows=[(load.ready, NO_LIMIT)])
        windows = [(o, min(c - service, load.due)) for o, c in opening]
        delivery = vroom.ShipmentStep(
            load.key, location=at, default_setup=service, time_windows=_kept(windows)
        )
    else:
        windows = [(max(o, load.ready), c - service) for o, c in opening]
        pickup = vroom.ShipmentStep(
            load.key, location=at, default_setup=service, time_windows=_kept(windows)
        )
        delivery = vroom.ShipmentStep(load.key, location=0, time_windows=[(0, load.due)])
    problem.add_shipment(
        pickup, delivery, amount=vroom.Amount([load.size]), priority=min(load.weight, 100)
    )


def _kept(windows: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The windows VROOM takes: possible ones only, sorted, those that overlap or touch merged
    (a provider's ranges may overlap: "00:00–23:59, 09:00–12:30"; VROOM refuses them)."""
    kept: list[tuple[int, int]] = []
    for start, end in sorted((a, b) for a, b in windows if a <= b):
        if kept and start <= kept[-1][1] + 1:
            kept[-1] = (kept[-1][0], max(kept[-1][1], end))
        else:
            kept.append((start, end))
    return kept or [(0, 0)]  # never: `why` left out the loads no visit can serve


# Reading VROOM's routes ---------------------------------------------------------------------------


def _read(day: _Day, solution, vehicles, by_key: dict[int, _Load]) -> _Outcome:
    """VROOM's routes cut into rounds at each pass by the desk, and timed again."""
    outcome = _Outcome([], set())
    routes: dict[int, list[tuple[str, int]]] = defaultdict(list)
    for step in solution.to_dict()["routes"]:
        routes[step["vehicle"]] = [
            (s["type"], s["id"]) for s in step["steps"] if s["type"] in ("pickup", "delivery")
        ]
    for key, steps in sorted(routes.items()):
        volunteer, (start, end), _ = vehicles[key]
        clock = start
        for stops in _trips(steps, by_key):
            round_, kept = _timed_round(day, volunteer, clock, end, stops)
            if round_ is None:
                continue
            outcome.rounds.append(round_)
            places = {p.id: p.place for p, _ in stops}
            way = [day.depot, *(places[v.provider_id] for v in round_.visits), day.depot]
            outcome.travel[volunteer.id] = outcome.travel.get(volunteer.id, 0) + sum(
                day.roads.minutes(a, b, volunteer.speed_kmh)
                for a, b in zip(way, way[1:], strict=False)
            )
            outcome.planned |= kept
            clock = round_.end
    outcome.weight = sum(by_key[k].weight for k in outcome.planned)
    return outcome


def _trips(steps, by_key) -> list[list[tuple[ProviderInfo, list[_Load]]]]:
    """The route as trips (cut at each pass by the desk), each a list of (provider, loads)."""
    trips: list[list[tuple[ProviderInfo, list[_Load]]]] = [[]]
    for kind, key in steps:
        load = by_key[key]
        at_desk = (load.action is Action.DROP) == (kind == "pickup")
        trip = trips[-1]
        if at_desk:
            if trip:
                trips.append([])
            continue
        if trip and trip[-1][0].id == load.provider.id:
            trip[-1][1].append(load)
        else:
            trip.append((load.provider, [load]))
    return [trip for trip in trips if trip]


def _timed_round(day: _Day, volunteer, not_before: int, window_end: int, stops):
    """The round of `stops` timed at the volunteer's pace from `not_before`, leaving out what
    breaks a rule; (round or None, keys of the loads it carries)."""
    stops = [(provider, list(loads)) for provider, loads in stops]
    while stops:
        timed = _time(day, volunteer, not_before, window_end, stops)
        if isinstance(timed, Round):
            return timed, {load.key for _, loads in stops for load in loads}
        stops = [(p, [ld for ld in loads if ld.key not in timed]) for p, loads in stops]
        stops = [(p, loads) for p, loads in stops if loads]
    return None, set()


def _time(day: _Day, volunteer, not_before, window_end, stops) -> Round | set[int]:
    """The round, or the keys of the loads to leave out because they break a rule."""
    roads, speed, service = day.roads, volunteer.speed_kmh, day.service
    drops = [ld for _, loads in stops for ld in loads if ld.action is Action.DROP]
    start = max([not_before, *(ld.ready for ld in drops)])
    for attempt in range(2):  # then once more, leaving later instead of waiting at the first stop
        clock, position, visits, load, peak = start, day.depot, [], 0, 0
        for provider, loads in stops:
            collects = [ld for ld in loads if ld.action is Action.COLLECT]
            there = clock + roads.minutes(position, provider.place, speed)
            arrive = opening_at(provider, max([there, *(ld.ready for ld in collects)]), service)
            if arrive is None:
                return {ld.key for ld in loads}
            late = {ld.key for ld in loads if ld.action is Action.DROP and ld.due < arrive}
            if late:
                return late
            if attempt == 0 and not visits and arrive > there:
                start += arrive - there  # no waiting at the door: leave the desk later
                break
            dropped = [i for ld in loads if ld.action is Action.DROP for i in ld.items]
            taken = [i for ld in collects for i in ld.items]
            load += sum(i.size for i in taken) - sum(i.size for i in dropped)
            peak = max(peak, load)
            visits.append(
                Visit(
                    provider.id,
                    arrive,
                    arrive + service,
                    [i.id for i in dropped],
                    [i.id for i in taken],
                )
            )
            clock, position = arrive + service, provider.place
        else:
            break
    end = clock + roads.minutes(position, day.depot, speed)
    if end > window_end:
        return {ld.key for ld in stops[-1][1]}
    late = {
        ld.key for _, loads in stops for ld in loads if ld.action is Action.COLLECT and ld.due < end
    }
    if late:
        return late
    at_start = sum(ld.size for ld in drops)
    if at_start + peak > volunteer.capacity:
        return {ld.key for ld in stops[-1][1]}
    places = [day.depot, *(p.place for p, _ in stops), day.depot]
    distance = sum(roads.distance_m(a, b) for a, b in zip(places, places[1:], strict=False))
    return Round(volunteer.id, start, end, visits, distance)
