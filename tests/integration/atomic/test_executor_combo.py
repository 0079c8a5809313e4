"""Combo mode: one LEAN combo order for the whole group, legged orders when the brokerage refuses
combos, and the safety net when a combo fills only part of its structures."""

from __future__ import annotations


import pytest

from executor_kit import (
    MODES,
    HostAlgorithm,
    condor_targets,
    flat_positions,
    group_orders,
    iron_condor,
    positions,
    settle,
    start,
)

from AlgorithmImports import AccountType, BrokerageName, OrderType, TradierBrokerageModel
from atomic import GroupStatus
from atomic.tags import parse_tag
from leansim import CancelLosesRace, DelayFill, Match, PartialFill, Reject

COMBO = Match(tag_contains="/combo/")


class TradierHost(HostAlgorithm):
    """Tradier's brokerage model accepts no combo order type."""

    def initialize(self) -> None:
        super().initialize()
        self.set_brokerage_model(BrokerageName.TRADIER_BROKERAGE, AccountType.MARGIN)


class TradierInstanceHost(HostAlgorithm):
    def initialize(self) -> None:
        super().initialize()
        self.set_brokerage_model(TradierBrokerageModel(AccountType.MARGIN))


@pytest.mark.parametrize("mode", MODES)
def test_combo_group_fills_through_one_combo_order(mode: str) -> None:
    sim, algo = start(mode, execution_mode="combo")

    result = iron_condor(algo, 3)
    settle(sim, 10)

    assert result.status is GroupStatus.FILLED and bool(result)
    assert positions(sim, algo.condor()) == condor_targets(algo, 3)
    orders = group_orders(sim, result.group_id)
    assert len(orders) == 4 == len(sim.broker_orders)
    assert len({o.tag for o in orders}) == 1 and "combo" in orders[0].tag
    tag = parse_tag(orders[0].tag)
    assert tag is not None and tag.leg is None
    assert {o.order_type for o in orders} == {OrderType.COMBO_MARKET}
    assert len({o.group_id for o in orders}) == 1 and orders[0].group_id is not None
    assert result.view.mode == "combo"


@pytest.mark.parametrize("mode", MODES)
def test_combo_with_a_net_limit_price_fills_when_marketable(mode: str) -> None:
    sim, algo = start(mode, execution_mode="combo")

    result = iron_condor(algo, 2, limit_price=0.5)  # pays at most 0.50 net; the market is 0.20
    settle(sim, 10)

    assert result.status is GroupStatus.FILLED and bool(result)
    assert {o.order_type for o in sim.broker_orders} == {OrderType.COMBO_LIMIT}
    assert positions(sim, algo.condor()) == condor_targets(algo, 2)


@pytest.mark.parametrize("mode", MODES)
def test_combo_limit_that_never_fills_times_out_flat(mode: str) -> None:
    sim, algo = start(mode, execution_mode="combo")

    result = iron_condor(algo, 2, limit_price=-0.5)  # asks for a credit the market does not give
    settle(sim, 120)

    assert result.status is GroupStatus.ROLLED_BACK
    assert "timeout" in result.reason
    assert positions(sim, algo.condor()) == flat_positions(algo)
    assert all(o.status.name == "CANCELED" for o in sim.broker_orders)


@pytest.mark.parametrize("mode", MODES)
def test_combo_refused_by_the_brokerage_falls_back_to_legged_orders(mode: str) -> None:
    sim, algo = start(mode, [Reject("combo refused", COMBO)], execution_mode="combo")

    result = iron_condor(algo, 2)
    settle(sim, 10)

    assert result.status is GroupStatus.FILLED and bool(result)
    assert positions(sim, algo.condor()) == condor_targets(algo, 2)
    orders = group_orders(sim, result.group_id)
    combo = [o for o in orders if "combo" in o.tag]
    legged = [o for o in orders if "combo" not in o.tag]
    assert len(combo) == 4 and all(o.status.name == "INVALID" for o in combo)
    assert len(legged) == 4 and {o.order_type for o in legged} == {OrderType.MARKET}


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("base", [TradierHost, TradierInstanceHost], ids=["by_name", "instance"])
def test_brokerage_model_without_combos_falls_back_to_legged_orders(mode: str, base: type[HostAlgorithm]) -> None:
    sim, algo = start(mode, base=base, execution_mode="combo")

    result = iron_condor(algo, 2)
    settle(sim, 10)

    assert result.status is GroupStatus.FILLED and bool(result)
    assert positions(sim, algo.condor()) == condor_targets(algo, 2)
    assert {o.order_type for o in sim.broker_orders} == {OrderType.MARKET}


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("refusal", ["reject", "tradier"])
def test_no_fallback_means_the_refused_combo_rolls_back(mode: str, refusal: str) -> None:
    faults = [Reject("combo refused", COMBO)] if refusal == "reject" else []
    base = TradierHost if refusal == "tradier" else HostAlgorithm
    sim, algo = start(mode, faults, base=base, execution_mode="combo", combo_fallback_to_legged=False)

    result = iron_condor(algo, 2)
    settle(sim, 60)

    assert result.status is GroupStatus.ROLLED_BACK
    assert positions(sim, algo.condor()) == flat_positions(algo)
    assert all(o.order_type != OrderType.MARKET for o in sim.broker_orders)
    expected = "combo refused" if refusal == "reject" else "TradierBrokerageModel"
    assert expected in result.reason


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(("policy", "kept"), [("flatten", 0), ("trim", 1)])
def test_partially_filled_combo_times_out_to_the_policy(mode: str, policy: str, kept: int) -> None:
    sim, algo = start(mode, [PartialFill(1, remainder="never", match=COMBO)],
                      execution_mode="combo", partial_fill_policy=policy)

    result = iron_condor(algo, 2)
    assert result.status is GroupStatus.PENDING
    settle(sim, 120)

    assert result.status is (GroupStatus.ROLLED_BACK if kept == 0 else GroupStatus.FILLED)
    assert bool(result) is False
    assert positions(sim, algo.condor()) == condor_targets(algo, kept)
    assert [leg.filled for leg in result.view.legs] == [kept, kept, -kept, -kept]


@pytest.mark.parametrize("mode", MODES)
def test_sequential_combo_fallback_keeps_longs_first(mode: str) -> None:
    from executor_kit import naked_shorts

    sim, algo = start(mode, [Reject("combo refused", COMBO)], execution_mode="combo", sequential_protective_legs=True)

    result = iron_condor(algo, 2)
    settle(sim, 10)

    assert result.status is GroupStatus.FILLED and bool(result)
    assert max(naked_shorts(algo, step) for step in algo.trace) == 0


def test_backtest_combo_fill_reported_out_of_order_is_still_counted() -> None:
    """A combo delayed 30 s fills one structure of two at the next slice (past the timeout). The
    timeout waits for the rest of that batch (every leg's PARTIALLY_FILLED), then, at the slice after,
    the rollback's cancel loses the race and the brokerage fills the rest. Each fill is real: the
    group must count them all and end flat, as LEAN's own portfolio does."""
    sim, algo = start("backtest", [DelayFill(30, COMBO), CancelLosesRace(COMBO),
                                   PartialFill(0.5, remainder="never", match=COMBO)], execution_mode="combo")

    result = iron_condor(algo, 2)
    settle(sim, 240)  # a backtest scans once a minute

    brokerage = positions(sim, algo.condor())
    assert {str(s): int(algo.portfolio[s].quantity) for s in algo.condor()} == brokerage  # LEAN counted them
    assert {leg.symbol: leg.entry_filled for leg in result.view.legs} == {
        str(algo.long_call): 2, str(algo.long_put): 2, str(algo.short_call): -2, str(algo.short_put): -2}
    assert result.status is GroupStatus.ROLLED_BACK
    assert brokerage == flat_positions(algo)


@pytest.mark.parametrize("sequential", [True, False])
def test_backtest_partial_combo_rollback_never_sells_a_long_while_its_short_is_held(sequential: bool) -> None:
    """Same delivery order without the race: when leg 0's partial fill triggers the rollback, the short
    legs of the same combo fill are already at the brokerage but their events have not reached the
    executor. Selling the long call then leaves the short call naked until its event arrives."""
    from executor_kit import naked_shorts

    sim, algo = start("backtest", [DelayFill(30, COMBO), PartialFill(0.5, remainder="never", match=COMBO)],
                      execution_mode="combo", sequential_protective_legs=sequential)

    result = iron_condor(algo, 2)
    settle(sim, 120)

    assert result.status is GroupStatus.ROLLED_BACK
    assert positions(sim, algo.condor()) == flat_positions(algo)
    naked = [naked_shorts(algo, step) for step in algo.trace]
    assert max(naked) == 0, [{str(s)[-9:]: q for s, q in step.items()} for step in algo.trace]
