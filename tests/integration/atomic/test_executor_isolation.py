"""Groups share contracts with other groups and with orders the executor did not place: a rollback
reverses only what its own group filled, and foreign orders are left alone."""

from __future__ import annotations


import pytest

from executor_kit import (
    MODES,
    condor_targets,
    group_orders,
    iron_condor,
    option,
    positions,
    settle,
    start,
    store_keys,
)

from atomic import GroupStatus
from leansim import Match, NeverFill, Reject


@pytest.mark.parametrize("mode", MODES)
def test_second_strategy_rolling_back_in_shared_contracts_leaves_the_first_untouched(mode: str) -> None:
    # B's short put (its leg 1) is refused; the condor's short put is its leg 3, so it is not matched
    refuse_b = Reject("short put refused", Match(symbol=str(option("put", 460)), tag_contains="/entry/1/"))
    sim, algo = start(mode, [refuse_b])
    executor = algo.executor
    condor = iron_condor(algo, 2)
    settle(sim, 5)
    assert condor.status is GroupStatus.FILLED

    spread = executor.execute_put_spread_atomic(algo.short_put, algo.long_put, 3)
    settle(sim, 60)

    assert spread.status is GroupStatus.ROLLED_BACK
    assert "short put refused" in spread.reason
    assert spread.view.flat
    assert positions(sim, algo.condor()) == condor_targets(algo, 2)
    assert condor.status is GroupStatus.FILLED and bool(condor)
    assert [leg.filled for leg in condor.view.legs] == [2, 2, -2, -2]
    assert group_orders(sim, condor.group_id, "rollback") == []


@pytest.mark.parametrize("mode", MODES)
def test_second_strategy_filling_in_shared_contracts_adds_to_the_first(mode: str) -> None:
    sim, algo = start(mode)
    condor = iron_condor(algo, 2)
    settle(sim, 5)
    spread = algo.executor.execute_put_spread_atomic(algo.short_put, algo.long_put, 3)
    settle(sim, 5)

    assert condor.status is GroupStatus.FILLED and spread.status is GroupStatus.FILLED
    assert positions(sim, algo.condor()) == {str(algo.long_call): 2, str(algo.long_put): 5,
                                             str(algo.short_call): -2, str(algo.short_put): -5}


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("manual", [-3, 2])
def test_manual_position_in_a_condor_contract_survives_the_rollback(mode: str, manual: int) -> None:
    sim, algo = start(mode, [Reject("refused", Match(tag_contains="/entry/3/"))])
    algo.market_order(algo.short_put, manual, tag="manual hedge")
    settle(sim, 2)
    assert positions(sim, [algo.short_put]) == {str(algo.short_put): manual}

    result = iron_condor(algo, 2)
    settle(sim, 60)

    assert result.status is GroupStatus.ROLLED_BACK
    assert positions(sim, algo.condor()) == {str(algo.long_call): 0, str(algo.long_put): 0,
                                             str(algo.short_call): 0, str(algo.short_put): manual}


@pytest.mark.parametrize("mode", MODES)
def test_manual_position_in_the_failing_contract_survives_a_partial_rollback(mode: str) -> None:
    """The refused leg's own contract already holds a manual position: the group must not 'flatten' it."""
    sim, algo = start(mode, [NeverFill(Match(tag_contains="/entry/2/"))])
    algo.market_order(algo.short_call, -1, tag="manual")
    settle(sim, 2)

    result = iron_condor(algo, 2)
    settle(sim, 120)

    assert result.status is GroupStatus.ROLLED_BACK
    assert positions(sim, algo.condor()) == {str(algo.long_call): 0, str(algo.long_put): 0,
                                             str(algo.short_call): -1, str(algo.short_put): 0}


@pytest.mark.parametrize("mode", MODES)
def test_events_of_orders_that_are_not_ours_are_ignored(mode: str) -> None:
    sim, algo = start(mode)
    saves = sim.store_stats.saves

    algo.market_order(algo.short_call, -1, tag="manual")
    algo.market_order(algo.long_put, 2)  # LEAN's default tag
    algo.market_order(algo.spy, 10, tag="atomic/not-a-real-tag")
    settle(sim, 10)

    assert len(algo.order_events) >= 6  # submitted and filled, each
    assert algo.executor.open_groups() == []
    assert sim.store_stats.saves == saves
    assert store_keys(algo) == []
    assert positions(sim, [algo.short_call, algo.long_put]) == {str(algo.short_call): -1, str(algo.long_put): 2}
    assert sim.logs_at("ERROR") == []
    assert algo.executor.halted == ""


@pytest.mark.parametrize("mode", MODES)
def test_manual_order_interleaved_with_a_live_group_does_not_disturb_it(mode: str) -> None:
    sim, algo = start(mode)
    result = iron_condor(algo, 2)
    algo.market_order(algo.short_put, 1, tag="manual")  # before the group's events arrive (live)
    settle(sim, 10)

    assert result.status is GroupStatus.FILLED and bool(result)
    assert positions(sim, algo.condor()) == {str(algo.long_call): 2, str(algo.long_put): 2,
                                             str(algo.short_call): -2, str(algo.short_put): -1}
    assert [leg.filled for leg in result.view.legs] == [2, 2, -2, -2]
