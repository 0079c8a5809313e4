"""Partial quantity fills (flatten, trim, a remainder that comes later) and events that arrive twice
or late."""

from __future__ import annotations


import pytest

from executor_kit import (
    MODES,
    condor_targets,
    flat_positions,
    group_orders,
    iron_condor,
    positions,
    settle,
    start,
    store_keys,
)

from atomic import GroupStatus
from leansim import DuplicateEvents, Match, PartialFill, Reject


def _partial(leg: int, filled: float = 0.5, remainder: float | str = "never") -> PartialFill:
    return PartialFill(filled, remainder=remainder, match=Match(tag_contains=f"/entry/{leg}/"))  # type: ignore[arg-type]


# --- partial fills ----------------------------------------------------------------------------------


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("leg", [0, 3], ids=["long_call", "short_put"])
def test_partial_leg_under_flatten_returns_to_flat(mode: str, leg: int) -> None:
    sim, algo = start(mode, [_partial(leg)], partial_fill_policy="flatten")

    result = iron_condor(algo, 4)
    settle(sim, 120)

    assert result.status is GroupStatus.ROLLED_BACK
    assert positions(sim, algo.condor()) == flat_positions(algo)
    assert result.view.flat


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(("filled", "kept"), [(0.5, 2), (1, 1), (3, 3)])
def test_partial_leg_under_trim_keeps_the_largest_whole_number_of_structures(mode: str, filled: float, kept: int) -> None:
    sim, algo = start(mode, [_partial(3, filled)], partial_fill_policy="trim")

    result = iron_condor(algo, 4)
    settle(sim, 120)

    assert result.status is GroupStatus.FILLED
    assert bool(result) is False and result.trimmed  # FILLED, but not every leg complete
    assert positions(sim, algo.condor()) == condor_targets(algo, kept)
    assert [leg.filled for leg in result.view.legs] == [kept, kept, -kept, -kept]
    assert algo.executor.open_groups() == []


@pytest.mark.parametrize("mode", MODES)
def test_trim_respects_leg_ratios(mode: str) -> None:
    """A 2:1 call ratio spread, 2 structures (4 long, 2 short): half the short leg fills -> 1 structure."""
    sim, algo = start(mode, [_partial(1, 0.5)], partial_fill_policy="trim")

    result = algo.executor.execute_atomic([(algo.long_call, 4), (algo.short_call, -2)], strategy="ratio")
    settle(sim, 120)

    assert result.status is GroupStatus.FILLED and not result and result.trimmed
    assert positions(sim, [algo.long_call, algo.short_call]) == {str(algo.long_call): 2, str(algo.short_call): -1}


@pytest.mark.parametrize("mode", MODES)
def test_partial_fill_whose_remainder_comes_later_completes_the_group(mode: str) -> None:
    sim, algo = start(mode, [_partial(3, remainder=2)])

    result = iron_condor(algo, 4)
    settle(sim, 60)  # in a backtest the remainder fills at the next time slice (one scan a slice)

    assert result.status is GroupStatus.FILLED and bool(result)
    assert positions(sim, algo.condor()) == condor_targets(algo, 4)
    assert group_orders(sim, result.group_id, "rollback") == []


# --- duplicate and late events -------------------------------------------------------------------------


def test_live_duplicate_events_are_counted_once() -> None:
    sim, algo = start("live", [DuplicateEvents(times=None)])

    result = iron_condor(algo, 2)
    settle(sim, 10)

    assert len(algo.order_events) > len(sim.events)  # the duplicates did arrive
    assert result.status is GroupStatus.FILLED and bool(result)
    brokerage = positions(sim, algo.condor())
    assert brokerage == condor_targets(algo, 2)
    assert {leg.symbol: leg.filled for leg in result.view.legs} == brokerage
    assert {str(s): int(algo.portfolio[s].quantity) for s in algo.condor()} == brokerage


def test_live_duplicate_partial_fills_are_counted_once() -> None:
    sim, algo = start("live", [DuplicateEvents(times=None), _partial(0, remainder=2)])

    result = iron_condor(algo, 4)
    settle(sim, 10)

    assert result.status is GroupStatus.FILLED and bool(result)
    assert positions(sim, algo.condor()) == condor_targets(algo, 4)
    assert [leg.entry_filled for leg in result.view.legs] == [4, 4, -4, -4]


def test_live_duplicate_events_during_a_rollback_reverse_each_fill_once() -> None:
    # Parallel legs: three legs fill (each reported twice) before the short put is refused.
    sim, algo = start("live", [DuplicateEvents(times=None), Reject("refused", Match(tag_contains="/entry/3/"))],
                      sequential_protective_legs=False)

    result = iron_condor(algo, 2)
    settle(sim, 60)

    assert result.status is GroupStatus.ROLLED_BACK
    assert positions(sim, algo.condor()) == flat_positions(algo)
    reversals = group_orders(sim, result.group_id, "rollback")
    assert sorted(abs(o.quantity) for o in reversals) == [2, 2, 2]


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("faults", [(), (Reject("refused", Match(tag_contains="/entry/2/")),)], ids=["filled", "rolled_back"])
def test_old_events_redelivered_after_the_group_finished_change_nothing(mode: str, faults: tuple[Reject, ...]) -> None:
    sim, algo = start(mode, list(faults))
    result = iron_condor(algo, 2)
    settle(sim, 60)
    final = result.view
    assert final.status in (GroupStatus.FILLED, GroupStatus.ROLLED_BACK)
    brokerage = positions(sim, algo.condor())
    orders, saves, keys = len(sim.broker_orders), sim.store_stats.saves, store_keys(algo)
    errors = list(sim.logs_at("ERROR"))

    old = list(algo.order_events)
    for event in old + old[::-1]:  # late, and out of order
        algo.executor.on_order_event(event)
    settle(sim, 60)

    after = result.view
    assert after.status is final.status
    assert after.legs == final.legs
    assert positions(sim, algo.condor()) == brokerage
    assert len(sim.broker_orders) == orders
    assert sim.store_stats.saves == saves
    assert store_keys(algo) == keys
    assert sim.logs_at("ERROR") == errors
    assert algo.executor.open_groups() == []
