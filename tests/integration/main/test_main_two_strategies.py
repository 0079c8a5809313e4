"""main.py with a second strategy beside the condor, under the double's faults: both strategies
place a group every entry day, on contracts they partly share (the put spread is the condor's put
side; the strangle its two shorts). When one group is rolled back the other's positions are
untouched: each day before the close the brokerage holds, in every contract, exactly the sum of the
FILLED groups' legs (held to expiry, a group ends EXPIRED or ASSIGNED at the next midnight)."""

from __future__ import annotations

from collections import Counter
from datetime import date

import pytest

from main_kit import CONDOR, EVERY_WEEKDAY, MainRun, run_main

from atomic import GroupStatus, GroupView
from atomic.tags import Role, parse_tag

SECOND_STRATEGIES = {
    "put_spread": (),
    # A naked strangle's margin estimate (~$8.5k a structure) is over the default risk budget
    # (2% of $100k): with it, main.py would skip the strangle every day.
    "strangle": (("risk-fraction", "0.1"),),
}
HELD_TO_EXPIRY = {GroupStatus.EXPIRED, GroupStatus.ASSIGNED}
SETTLED = {GroupStatus.FILLED, GroupStatus.ROLLED_BACK, *HELD_TO_EXPIRY}


@pytest.fixture(params=sorted(SECOND_STRATEGIES))
def second(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def two_strategy_run(second: str) -> MainRun:
    """Ten sessions, every weekday an entry day, the double's "partials" plan: 12% of entry legs
    fill partially and the rest never comes, so groups roll back after real fills."""
    parameters = (("second-strategy", second), *SECOND_STRATEGIES[second])
    return run_main(days=10, faults="partials", seed=7, parameters=parameters, entry_days=EVERY_WEEKDAY)


def held_by_filled_groups(views: list[GroupView]) -> dict[str, int]:
    total: Counter[str] = Counter()
    for view in views:
        if view.status is GroupStatus.FILLED or view.status in HELD_TO_EXPIRY:
            for leg in view.legs:
                total[leg.symbol] += leg.filled - leg.expired  # what it held before the expiry
    return {symbol: quantity for symbol, quantity in total.items() if quantity}


def shared(a: GroupView, b: GroupView) -> set[str]:
    return {leg.symbol for leg in a.legs} & {leg.symbol for leg in b.legs}


def test_both_strategies_place_a_group_every_entry_day(second: str) -> None:
    run = two_strategy_run(second)
    for day in run.result.days:
        assert sorted(view.strategy for view in run.views_on(day)) == sorted([CONDOR, second]), day
    assert not run.result.skips


def test_every_group_ends_filled_or_rolled_back_and_the_self_check_passes(second: str) -> None:
    run = two_strategy_run(second)
    assert {view.status for view in run.views} <= SETTLED
    assert all(view.complete for view in run.views if view.status is GroupStatus.FILLED)
    assert all(view.flat for view in run.views if view.status is GroupStatus.ROLLED_BACK or view.status in HELD_TO_EXPIRY)
    assert run.result.self_check == ""


def test_brokerage_positions_are_exactly_the_filled_groups_legs_every_day(second: str) -> None:
    run = two_strategy_run(second)
    for day in run.result.days:
        views = run.views_on(day)
        assert shared(views[0], views[1]), f"{day}: the two structures share no contract"
        assert run.positions[day] == held_by_filled_groups(views), day


def test_a_rollback_beside_a_filled_group_on_shared_contracts_is_exercised(second: str) -> None:
    """The case the isolation matters for: one group reversed fills it had, in contracts the other
    group kept. Checked so the position test above is never vacuous."""
    run = two_strategy_run(second)
    isolated: list[date] = []
    for day in run.result.days:
        views = run.views_on(day)
        rolled = next((v for v in views if v.status is GroupStatus.ROLLED_BACK), None)
        filled = next((v for v in views if v.status is GroupStatus.FILLED or v.status in HELD_TO_EXPIRY), None)
        if rolled is None or filled is None:
            continue
        reversed_shared = {leg.symbol for leg in rolled.legs if leg.entry_filled} & shared(rolled, filled)
        if reversed_shared:
            isolated.append(day)
            assert all(leg.entry_filled == leg.filled - leg.expired == leg.quantity for leg in filled.legs)
            # Its option orders (an assigned group's flatten trades the underlying).
            tags = [parse_tag(order.tag) for order in run.orders_of(filled.group_id) if order.symbol.has_underlying]
            assert tags and all(tag is not None and tag.role is Role.ENTRY for tag in tags)  # nothing reversed it
    assert isolated, "no day where a rolled-back group had reversed fills in a contract the filled group holds"
