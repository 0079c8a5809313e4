"""Groups held to expiry on the LEAN double, which expires options as LEAN does (an untagged
OptionExerciseOrder per contract at the midnight after the expiry date, the underlying delivered at
the strike for an in-the-money equity option, cash for an index option).

The host's contracts expire Friday 2024-01-05: LEAN processes them at midnight in New York
(2024-01-06 05:00 UTC); the next open is Monday 2024-01-08 09:30 (14:30 UTC). Every test runs live
and in a backtest."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

import pytest
from executor_kit import EXPIRY, MODES, EverySecondHost, HostAlgorithm, iron_condor, positions, settle, start

from AlgorithmImports import Market, OptionRight, OptionStyle, Symbol
from atomic.executor import GroupResult
from atomic.model import GroupStatus
from atomic.tags import Role, parse_tag
from leansim import Simulator
from leansim.engine.brokerage import ExerciseFill, VenueOrder
from leansim.enums import OrderType

AFTER_EXPIRY = datetime(2024, 1, 6, 5, 1, tzinfo=timezone.utc)
MONDAY_OPEN = datetime(2024, 1, 8, 14, 40, tzinfo=timezone.utc)


def _started(mode: str, base: type[HostAlgorithm] = HostAlgorithm, **overrides: Any) -> tuple[Simulator, HostAlgorithm]:
    sim, algo = start(mode, base=EverySecondHost if mode == "live" and base is HostAlgorithm else base, **overrides)
    sim.set_quote("SPY", 469.99, 470.01)
    return sim, algo


def _expire_at(sim: Simulator, spot: float) -> None:
    """The underlying closes Friday at `spot`; run past LEAN's midnight expiry processing."""
    sim.set_quote("SPY", spot - 0.01, spot + 0.01)
    sim.advance_to(AFTER_EXPIRY, step=60)


def _filled(sim: Simulator, result: GroupResult) -> GroupResult:
    settle(sim, 120)
    assert result.status is GroupStatus.FILLED
    return result


def _held_markers(sim: Simulator) -> list[str]:
    return [key for key in sim.stored if "/held/" in key]


@pytest.mark.parametrize("mode", MODES)
def test_an_iron_condor_held_to_expiry_out_of_the_money_ends_expired(mode: str) -> None:
    sim, algo = _started(mode)
    result = _filled(sim, iron_condor(algo, 2))
    assert _held_markers(sim)
    _expire_at(sim, 470.0)
    assert result.status is GroupStatus.EXPIRED and result.view.flat and result.view.underlying == ()
    assert sim.positions == {} and not algo.executor.halted
    assert _held_markers(sim) == [] and algo.executor.open_groups() == []
    assert any(line.startswith(f"group {result.group_id} (iron_condor) EXPIRED") for line in sim.logs_at("LOG"))


@pytest.mark.parametrize("mode", MODES)
def test_a_put_spread_assigned_delivers_shares_flattened_at_the_next_open(mode: str) -> None:
    sim, algo = _started(mode)
    result = _filled(sim, algo.executor.execute_put_spread_atomic(algo.short_put, algo.long_put, 2))
    _expire_at(sim, 457.0)  # the short 460 put in the money, the long 455 put not
    assert result.status is GroupStatus.ASSIGNED and result.view.underlying == (("SPY", 200, 200),)
    assert positions(sim, [algo.spy]) == {str(algo.spy): 200}
    assert any("ASSIGNED" in line and "+200 SPY" in line for line in sim.logs_at("LOG"))
    sim.advance_to(MONDAY_OPEN, step=60)
    assert result.status is GroupStatus.ASSIGNED and result.view.underlying == (("SPY", 200, 0),)
    assert sim.positions == {} and algo.executor.open_groups() == [] and _held_markers(sim) == []
    (flatten,) = [o for o in sim.broker_orders if o.symbol == algo.spy]
    tag = parse_tag(flatten.tag)
    assert tag is not None and (tag.group_id, tag.role) == (result.group_id, Role.EXIT)
    assert flatten.submitted_utc >= datetime(2024, 1, 8, 14, 30, tzinfo=timezone.utc)  # at the open, not at midnight


@pytest.mark.parametrize("mode", MODES)
def test_with_flatten_assigned_off_the_delivered_shares_stay(mode: str) -> None:
    sim, algo = _started(mode, flatten_assigned=False)
    result = _filled(sim, algo.executor.execute_put_spread_atomic(algo.short_put, algo.long_put, 1))
    _expire_at(sim, 457.0)
    sim.advance_to(MONDAY_OPEN, step=60)
    assert result.status is GroupStatus.ASSIGNED and result.view.underlying == (("SPY", 100, 100),)
    assert positions(sim, [algo.spy]) == {str(algo.spy): 100} and algo.executor.open_groups() == []


@pytest.mark.parametrize("mode", MODES)
def test_two_held_groups_sharing_a_contract_share_its_assignment(mode: str) -> None:
    sim, algo = _started(mode)
    first = _filled(sim, algo.executor.execute_put_spread_atomic(algo.short_put, algo.long_put, 2))
    second = _filled(sim, algo.executor.execute_put_spread_atomic(algo.short_put, algo.far_put, 1))
    _expire_at(sim, 457.0)  # one exercise order assigns all three short 460 puts
    assert first.status is second.status is GroupStatus.ASSIGNED
    assert first.view.underlying == (("SPY", 200, 200),) and second.view.underlying == (("SPY", 100, 100),)
    assert not algo.executor.halted
    sim.advance_to(MONDAY_OPEN, step=60)
    assert sim.positions == {}


class IndexHost(HostAlgorithm):
    """Also holds SPXW contracts: European, cash-settled index options on SPX."""

    def initialize(self) -> None:
        super().initialize()
        self.spx = self.add_index("SPX").symbol
        self.spxw_short_put, self.spxw_long_put = (
            self.add_option_contract(Symbol.create_option(self.spx, Market.USA, OptionStyle.EUROPEAN, OptionRight.PUT,
                                                          strike, EXPIRY, target_option="SPXW")).symbol
            for strike in (4700, 4650))


@pytest.mark.parametrize("mode", MODES)
def test_an_index_option_spread_in_the_money_ends_expired_with_cash_and_no_underlying(mode: str) -> None:
    sim, algo = _started(mode, base=IndexHost)
    assert isinstance(algo, IndexHost)
    sim.set_quote("SPX", 4799.0, 4801.0)
    result = _filled(sim, algo.executor.execute_put_spread_atomic(algo.spxw_short_put, algo.spxw_long_put, 1))
    cash = sim.cash
    sim.set_quote("SPX", 4679.0, 4681.0)  # the short 4700 put 20 in the money
    sim.advance_to(AFTER_EXPIRY, step=60)
    assert result.status is GroupStatus.EXPIRED and result.view.underlying == ()
    assert sim.positions == {} and sim.cash == pytest.approx(cash - 20 * 100)
    assert not algo.executor.halted and algo.executor.open_groups() == []


# --- expired while the algorithm was down (live: a backtest starts from a fresh account) ---------------


def _down_over_expiry(spot: float, structure: str = "put_spread") -> tuple[Simulator, HostAlgorithm, GroupResult]:
    sim, algo = _started("live")
    if structure == "put_spread":
        result = _filled(sim, algo.executor.execute_put_spread_atomic(algo.short_put, algo.long_put, 1))
    else:
        result = _filled(sim, iron_condor(algo, 1))
    sim.set_quote("SPY", spot - 0.01, spot + 0.01)
    sim.crash()
    sim.advance_to(AFTER_EXPIRY, step=60)  # LEAN's expiry happens with nobody to see its events
    return sim, sim.restart(type(algo)), result


def test_a_held_condor_that_expired_while_down_is_settled_expired_at_restart() -> None:
    sim, algo, result = _down_over_expiry(470.0, "condor")
    view = algo.executor.get_group(result.group_id)
    assert view is not None and view.status is GroupStatus.EXPIRED and view.flat
    assert any(line.startswith("Held group expired while the algorithm was down") for line in sim.logs_at("ERROR"))
    assert _held_markers(sim) == [] and not algo.executor.halted
    assert algo.recovery.expired_while_down and "all out of the money" in algo.recovery.expired_while_down[0]


def test_a_held_spread_assigned_while_down_is_settled_assigned_and_flattened_at_the_open() -> None:
    sim, algo, result = _down_over_expiry(457.0)
    view = algo.executor.get_group(result.group_id)
    assert view is not None and view.status is GroupStatus.ASSIGNED and view.underlying == (("SPY", 100, 100),)
    assert "+100 SPY delivered (inferred)" in algo.recovery.expired_while_down[0]
    sim.advance_to(MONDAY_OPEN, step=60)
    view = algo.executor.get_group(result.group_id)
    assert view is not None and view.underlying == (("SPY", 100, 0),) and sim.positions == {}


def test_shares_no_outcome_explains_are_alerted_and_halt() -> None:
    sim, algo = _started("live")
    result = _filled(sim, algo.executor.execute_put_spread_atomic(algo.short_put, algo.long_put, 1))
    algo.market_order(algo.spy, 37)  # a manual position in the underlying
    settle(sim, 60)
    sim.crash()
    sim.advance_to(AFTER_EXPIRY, step=60)
    algo = sim.restart(type(algo))
    view = algo.executor.get_group(result.group_id)
    assert view is not None and view.status is GroupStatus.FILLED
    assert algo.executor.halted and _held_markers(sim)
    assert any("outcome unknown" in line and "+37 SPY" in line for line in sim.logs_at("ERROR"))


def _offsetting_spreads(algo: HostAlgorithm, sim: Simulator) -> tuple[GroupResult, GroupResult]:
    """A put credit spread (short 460, long 455) and a put debit spread (long 460, short 450): the
    460 puts offset exactly, so the account (LEAN nets per security) holds none of them."""
    credit = _filled(sim, algo.executor.execute_put_spread_atomic(algo.short_put, algo.long_put, 1))
    debit = _filled(sim, algo.executor.execute_atomic([(algo.short_put, 1), (algo.far_put, -1)], "debit"))
    assert positions(sim, [algo.short_put]) == {str(algo.short_put): 0}
    return credit, debit


@pytest.mark.parametrize("spot", [457.0, 470.0], ids=["460-in-the-money", "all-out-of-the-money"])
@pytest.mark.parametrize("mode", MODES)
def test_two_groups_offsetting_in_one_contract_end_expired_though_lean_exercises_nothing(mode: str, spot: float) -> None:
    # LEAN holds none of the 460 put, so its expiry sends no exercise order for it (no event at all):
    # each group's 460 leg ends with the contract, nothing delivered, as the brokerage shows.
    sim, algo = _started(mode)
    credit, debit = _offsetting_spreads(algo, sim)
    _expire_at(sim, spot)
    sim.advance_to(MONDAY_OPEN, step=60)
    assert credit.status is debit.status is GroupStatus.EXPIRED
    assert credit.view.flat and debit.view.flat and credit.view.underlying == debit.view.underlying == ()
    assert sim.positions == {} and not algo.executor.halted
    assert algo.executor.open_groups() == [] and _held_markers(sim) == []
    assert any("netted" in entry.message for entry in credit.view.log)


def test_two_groups_offsetting_in_one_contract_that_expired_while_down_end_expired_at_restart() -> None:
    sim, algo = _started("live")
    credit, debit = _offsetting_spreads(algo, sim)
    sim.set_quote("SPY", 456.99, 457.01)
    sim.crash()
    sim.advance_to(AFTER_EXPIRY, step=60)
    algo = sim.restart(type(algo))
    sim.advance_to(MONDAY_OPEN, step=60)
    for group_id in (credit.group_id, debit.group_id):
        view = algo.executor.get_group(group_id)
        assert view is not None and view.status is GroupStatus.EXPIRED and view.flat and view.underlying == ()
    assert sim.positions == {} and not algo.executor.halted and _held_markers(sim) == []


def _assigned_by_the_brokerage(sim: Simulator, short: Symbol, underlying: Symbol, strike: float) -> None:
    """A live brokerage assigns one short put early, on its own books (the double simulates early
    assignments in backtests only, as LEAN's BacktestingBrokerage does): the put bought back at 0,
    100 shares delivered at the strike, under one exercise order."""
    order = VenueOrder(sim.brokerage.next_broker_id(), short, OrderType.OPTION_EXERCISE, 1, sim.now, "")
    sim.brokerage.exercise(order, [ExerciseFill(short, 1, 0.0, "Assigned", True),
                                   ExerciseFill(underlying, 100, strike, "Option Assignment", True)], sim.now)


def test_a_held_spread_assigned_early_while_down_is_alerted_and_halts_not_inferred_from_the_shares() -> None:
    """The +100 SPY the account holds match the assignment exactly, but could as well be the
    operator's own with the short bought back by hand: nothing is guessed, nothing is sold."""
    sim, algo = _started("live")
    result = _filled(sim, algo.executor.execute_put_spread_atomic(algo.short_put, algo.long_put, 1))
    sim.set_quote("SPY", 456.99, 457.01)
    sim.crash()
    _assigned_by_the_brokerage(sim, algo.short_put, algo.spy, 460.0)  # its event dies with the process
    sim.advance(60)
    algo = sim.restart(type(algo))
    view = algo.executor.get_group(result.group_id)
    assert view is not None and view.status is GroupStatus.FILLED and [leg.filled for leg in view.legs] == [1, -1]
    assert any("position missing at the brokerage" in line for line in sim.logs_at("ERROR"))
    assert algo.executor.halted
    sim.advance_to(MONDAY_OPEN, step=60)
    assert int(sim.position(algo.spy)) == 100  # the shares are the operator's to decide on


def test_a_held_short_gone_without_the_shares_an_assignment_delivers_is_alerted_not_inferred() -> None:
    sim, algo = _started("live")
    result = _filled(sim, algo.executor.execute_put_spread_atomic(algo.short_put, algo.long_put, 1))
    algo.market_order(algo.spy, -40)  # a manual trade in the underlying
    settle(sim, 60)
    sim.crash()
    _assigned_by_the_brokerage(sim, algo.short_put, algo.spy, 460.0)  # +100: the account holds +60
    algo = sim.restart(type(algo))
    view = algo.executor.get_group(result.group_id)
    assert view is not None and view.status is GroupStatus.FILLED and [leg.filled for leg in view.legs] == [1, -1]
    assert any("position missing at the brokerage" in line for line in sim.logs_at("ERROR"))
    assert algo.executor.halted  # the long left alone may be all that is left, or a short may be
