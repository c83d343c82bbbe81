"""The round planner on hand-made days whose best answer is known, and on random days."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conciergerie.rounds.planner import (
    Action,
    Item,
    Place,
    ProviderInfo,
    Reason,
    VolunteerInfo,
    plan_day,
    street_m,
    travel_minutes,
)

DESK = Place(50.62735, 3.05295)
H = 60  # minutes in an hour


def east(km: float) -> Place:
    """A place `km` kilometres east of the desk (1° of longitude ≈ 70.8 km at Lille)."""
    return Place(DESK.lat, DESK.lon + km / 70.8)


def provider(pid, place, opening=((8 * H, 19 * H),)):
    return ProviderInfo(pid, place, tuple(opening))


@pytest.fixture(params=["vroom", "greedy"])
def solver(request):
    """Every rule holds for both planners: the solver of production and the greedy one."""
    return request.param


def volunteer(vid=1, windows=((9 * H, 12 * H),), speed=15.0, capacity=10):
    return VolunteerInfo(vid, tuple(windows), speed, capacity)


def test_one_drop_is_one_round_there_and_back(solver):
    cobbler = provider(1, east(1))
    plan = plan_day(
        DESK, [cobbler], [volunteer()], [Item(10, 1, Action.DROP, due=11 * H)], solver=solver
    )
    assert plan.unmet == []
    [round_] = plan.rounds
    assert [v.provider_id for v in round_.visits] == [1] and round_.visits[0].drops == [10]
    assert round_.distance_m == pytest.approx(2 * street_m(DESK, cobbler.place))
    assert (
        round_.start == 9 * H
        and round_.end == 9 * H + 2 * travel_minutes(DESK, cobbler.place, 15) + 5
    )


def test_opening_ranges_that_overlap_or_touch_are_one_time_of_opening(solver):
    # Opening hours typed twice over ("00:00–23:59" and "09:00–12:30") or end to end: the
    # solver takes them as one (VROOM refuses overlapping windows).
    for opening in (((0, 24 * H - 1), (9 * H, 12 * H + 30)), ((8 * H, 10 * H), (10 * H, 19 * H))):
        cobbler = provider(1, east(1), opening)
        items = [Item(10, 1, Action.DROP, due=11 * H), Item(11, 1, Action.COLLECT, due=12 * H)]
        plan = plan_day(DESK, [cobbler], [volunteer()], items, solver=solver)
        assert plan.unmet == []
        assert sorted(i for r in plan.rounds for v in r.visits for i in v.drops + v.collects) == [
            10,
            11,
        ]


def test_providers_on_one_street_are_visited_in_one_round_without_zigzag(solver):
    near, far = provider(1, east(1)), provider(2, east(2))
    items = [Item(20, 2, Action.DROP, due=12 * H), Item(10, 1, Action.DROP, due=12 * H)]
    [round_] = plan_day(DESK, [far, near], [volunteer()], items, solver=solver).rounds
    assert sorted(v.provider_id for v in round_.visits) == [1, 2]
    assert round_.distance_m == pytest.approx(2 * street_m(DESK, far.place), rel=1e-6)


def test_the_urgent_item_is_there_in_time(solver):
    near, far = provider(1, east(0.5)), provider(2, east(2))
    items = [Item(10, 1, Action.DROP, due=12 * H), Item(20, 2, Action.DROP, due=9 * H + 20)]
    plan = plan_day(DESK, [near, far], [volunteer()], items, solver=solver)
    assert plan.unmet == []
    [far_visit] = [v for r in plan.rounds for v in r.visits if v.provider_id == 2]
    assert far_visit.arrive <= 9 * H + 20
    if solver == "greedy":  # the most urgent provider first, the greedy planner's rule
        assert plan.rounds[0].visits[0].provider_id == 2


def test_closed_provider_is_reported(solver):
    closed = provider(1, east(1), opening=((14 * H, 18 * H),))  # afternoon only
    plan = plan_day(
        DESK,
        [closed],
        [volunteer(windows=((9 * H, 12 * H),))],
        [Item(10, 1, Action.DROP, due=18 * H)],
        solver=solver,
    )
    assert plan.rounds == [] and [(u.item_id, u.reason) for u in plan.unmet] == [
        (10, Reason.PROVIDER_CLOSED)
    ]


def test_no_volunteer_is_reported(solver):
    plan = plan_day(
        DESK, [provider(1, east(1))], [], [Item(10, 1, Action.DROP, due=18 * H)], solver=solver
    )
    assert [u.reason for u in plan.unmet] == [Reason.NO_VOLUNTEER]


def test_a_missed_deadline_is_reported_not_planned(solver):
    plan = plan_day(
        DESK,
        [provider(1, east(1))],
        [volunteer()],
        [Item(10, 1, Action.DROP, due=8 * H)],
        solver=solver,
    )
    assert [u.reason for u in plan.unmet] == [Reason.DEADLINE]


def test_carrying_limit_splits_the_load_into_rounds(solver):
    items = [Item(i, 1, Action.DROP, due=12 * H) for i in range(5)]
    plan = plan_day(DESK, [provider(1, east(1))], [volunteer(capacity=2)], items, solver=solver)
    assert plan.unmet == []
    assert sorted(len(r.visits[0].drops) for r in plan.rounds) == [1, 2, 2]
    assert all(a.end <= b.start for a, b in zip(plan.rounds, plan.rounds[1:], strict=False))


def test_collected_work_is_back_before_its_pickup(solver):
    items = [
        Item(1, 1, Action.COLLECT, due=10 * H, ready=8 * H),
        Item(2, 2, Action.COLLECT, due=12 * H),
    ]
    plan = plan_day(
        DESK, [provider(1, east(1)), provider(2, east(3))], [volunteer()], items, solver=solver
    )
    assert plan.unmet == []
    for round_ in plan.rounds:
        for visit in round_.visits:
            for item_id in visit.collects:
                assert round_.end <= {1: 10 * H, 2: 12 * H}[item_id]


def test_busy_volunteers_are_reported_as_no_volunteer_free(solver):
    # Capacity 1 and a one-hour window: only a few trips fit; the rest could each have been done.
    items = [Item(i, 1, Action.DROP, due=10 * H) for i in range(20)]
    plan = plan_day(
        DESK,
        [provider(1, east(2))],
        [volunteer(windows=((9 * H, 10 * H),), capacity=1)],
        items,
        solver=solver,
    )
    assert plan.rounds and plan.unmet
    assert {u.reason for u in plan.unmet} == {Reason.NO_VOLUNTEER}


# Properties on random days ------------------------------------------------------------------------

providers_st = st.lists(
    st.builds(
        lambda pid, dx, dy, opens, length: ProviderInfo(
            pid,
            Place(DESK.lat + dy / 111, DESK.lon + dx / 70.8),
            ((opens, min(opens + length, 22 * H)),),
        ),
        st.integers(1, 10**6),
        st.floats(-3, 3),
        st.floats(-3, 3),
        st.integers(7 * H, 15 * H),
        st.integers(30, 8 * H),
    ),
    min_size=1,
    max_size=8,
    unique_by=lambda p: p.id,
)
volunteers_st = st.lists(
    st.builds(
        lambda vid, start, length, speed, cap: VolunteerInfo(
            vid, ((start, start + length),), speed, cap
        ),
        st.integers(1, 1000),
        st.integers(7 * H, 16 * H),
        st.integers(30, 5 * H),
        st.sampled_from([5.0, 15.0, 20.0]),
        st.integers(1, 12),
    ),
    max_size=4,
    unique_by=lambda v: v.id,
)


@pytest.mark.parametrize("solver", ["vroom", "greedy"])
@settings(max_examples=150, deadline=None)
@given(providers_st, volunteers_st, st.data())
def test_every_plan_keeps_every_rule(solver, providers, volunteers, data):
    items = data.draw(
        st.lists(
            st.builds(
                Item,
                st.integers(1, 10**6),
                st.sampled_from([p.id for p in providers]),
                st.sampled_from(list(Action)),
                st.integers(8 * H, 20 * H),
                st.integers(0, 14 * H),
                st.integers(1, 4),
            ),
            max_size=40,
            unique_by=lambda i: i.id,
        )
    )
    plan = plan_day(DESK, providers, volunteers, items, solver=solver)
    _assert_keeps_every_rule(plan, providers, volunteers, items)


def test_a_large_day_keeps_every_rule_and_loses_no_item():
    """More shipments than VROOM takes (vrp.MAX_LOADS): the solver plans the most urgent, the
    greedy planner the rest, or alone when it moves more; an item is planned or said unmet.
    The day is one of the bench's large days (60 providers, 10 volunteers), smaller."""
    from bench.plan_rounds import DESK as BENCH_DESK
    from bench.plan_rounds import day

    providers, volunteers, items = day(900, seed=11)
    plan = plan_day(BENCH_DESK, providers, volunteers, items, solver="vroom")
    assert plan.rounds and plan.unmet  # more than ten volunteers can move in a day
    _assert_keeps_every_rule(plan, providers, volunteers, items)


def _assert_keeps_every_rule(plan, providers, volunteers, items) -> None:
    by_item = {i.id: i for i in items}
    by_provider = {p.id: p for p in providers}
    by_volunteer = {v.id: v for v in volunteers}

    planned = [i for r in plan.rounds for v in r.visits for i in v.drops + v.collects]
    assert len(planned) == len(set(planned))  # no item twice
    assert sorted(planned + [u.item_id for u in plan.unmet]) == sorted(by_item)  # none lost

    for round_ in plan.rounds:
        volunteer = by_volunteer[round_.volunteer_id]
        assert any(start <= round_.start and round_.end <= end for start, end in volunteer.windows)
        load = sum(by_item[i].size for v in round_.visits for i in v.drops)
        assert load <= volunteer.capacity
        for visit in round_.visits:
            opening = by_provider[visit.provider_id].opening
            assert any(opens <= visit.arrive and visit.leave <= closes for opens, closes in opening)
            for item_id in visit.drops:
                item = by_item[item_id]
                assert item.action is Action.DROP and visit.arrive <= item.due
                assert item.ready <= round_.start  # at the desk when the round leaves
            for item_id in visit.collects:
                item = by_item[item_id]
                assert (
                    item.action is Action.COLLECT
                    and item.ready <= visit.arrive
                    and round_.end <= item.due
                )
            load += sum(by_item[i].size for i in visit.collects) - sum(
                by_item[i].size for i in visit.drops
            )
            assert 0 <= load <= volunteer.capacity
    # Rounds of one volunteer never overlap.
    for vid in by_volunteer:
        mine = sorted((r for r in plan.rounds if r.volunteer_id == vid), key=lambda r: r.start)
        assert all(a.end <= b.start for a, b in zip(mine, mine[1:], strict=False))


def test_a_later_stop_never_delays_an_item_already_collected(solver):
    near, far = provider(1, east(1)), provider(2, east(3))
    first_back = 9 * H + 2 * travel_minutes(DESK, near.place, 15) + 5
    items = [Item(1, 1, Action.COLLECT, due=first_back), Item(2, 2, Action.COLLECT, due=12 * H)]
    plan = plan_day(DESK, [near, far], [volunteer()], items, solver=solver)
    assert plan.unmet == []
    assert [[v.provider_id for v in r.visits] for r in plan.rounds] == [[1], [2]]
    assert plan.rounds[0].end <= first_back


def test_an_item_too_big_for_every_volunteer_is_over_capacity(solver):
    items = [Item(1, 1, Action.DROP, due=12 * H, size=11), Item(2, 1, Action.DROP, due=12 * H)]
    plan = plan_day(DESK, [provider(1, east(1))], [volunteer(capacity=10)], items, solver=solver)
    assert [(u.item_id, u.reason) for u in plan.unmet] == [(1, Reason.OVER_CAPACITY)]
    assert plan.rounds[0].visits[0].drops == [2]


def test_sizes_count_against_the_carrying_limit(solver):
    items = [Item(i, 1, Action.DROP, due=12 * H, size=4) for i in range(3)]  # 12 things
    plan = plan_day(DESK, [provider(1, east(1))], [volunteer(capacity=10)], items, solver=solver)
    assert plan.unmet == []
    assert sorted(sum(len(v.drops) for v in r.visits) for r in plan.rounds) == [1, 2]


def test_an_item_dropped_off_later_waits_for_a_round_after_it(solver):
    """Dropped at the desk at 10:00: the 9:00 round cannot carry it; a round after 10:00 does."""
    items = [Item(1, 1, Action.DROP, due=12 * H, ready=10 * H)]
    plan = plan_day(DESK, [provider(1, east(1))], [volunteer()], items, solver=solver)
    assert plan.unmet == []
    [round_] = plan.rounds
    assert round_.start == 10 * H


# Fair shares and the volunteers' own limits (the solver) ------------------------------------------


def test_the_work_is_shared_when_everyone_is_free():
    """Three volunteers free all morning, loose deadlines: no one works more than 1.5 × the mean."""
    places = [
        Place(DESK.lat + dy / 111, DESK.lon + dx / 70.8)
        for dx, dy in [
            (1, 0),
            (-1, 0.5),
            (0, 1.5),
            (1.5, -1),
            (-1.2, -1),
            (0.3, 2),
            (2, 1),
            (-2, 0.2),
        ]
    ]
    providers = [provider(pid, place) for pid, place in enumerate(places, 1)]
    items = [
        Item(100 * pid + k, pid, Action.DROP if k % 2 else Action.COLLECT, due=13 * H)
        for pid in range(1, 9)
        for k in range(4)
    ]
    team = [volunteer(vid, windows=((9 * H, 13 * H),), capacity=6) for vid in (1, 2, 3)]
    plan = plan_day(DESK, providers, team, items)
    assert plan.unmet == []
    minutes = [plan.minutes_of(v.id) for v in team]
    assert max(minutes) <= 1.5 * sum(minutes) / len(minutes)


def _long_day(due):
    """One volunteer free all day, with a limit of 30 minutes; an hour of rounds to do."""
    providers = [provider(1, east(2)), provider(2, Place(DESK.lat + 2 / 111, DESK.lon))]
    items = [Item(i, 1 + i % 2, Action.DROP, due=due) for i in range(8)]
    slow = VolunteerInfo(7, ((9 * H, 18 * H),), 15.0, 2, max_minutes=30)
    return providers, slow, items


def test_a_volunteer_s_limit_is_kept_when_the_items_can_wait():
    providers, slow, items = _long_day(due=2 * 24 * H)  # due tomorrow
    plan = plan_day(DESK, providers, [slow], items)
    assert plan.rounds and plan.unmet
    assert plan.minutes_of(7) <= 30 and plan.notes == []


def test_a_volunteer_s_limit_is_exceeded_only_for_deadlines_and_said():
    providers, slow, items = _long_day(due=17 * H)  # due today
    plan = plan_day(DESK, providers, [slow], items)
    assert plan.unmet == []
    [note] = plan.notes
    assert note.volunteer_id == 7 and note.limit == 30
    assert note.minutes == plan.minutes_of(7) > 30
    assert note.items and set(note.items) <= {i.id for i in items}
