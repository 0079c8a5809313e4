"""What the executor refuses: malformed groups raise InvalidGroupError, runtime conditions give a
REJECTED result, a failed intent write raises PersistenceError; in every case no order is placed."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timezone
from typing import Any

import pytest

from executor_kit import (
    EXPIRY,
    MODES,
    HostAlgorithm,
    NoRecoveryHost,
    group_orders,
    iron_condor,
    option,
    positions,
    settle,
    start,
    store_keys,
)

from AlgorithmImports import Market, OptionRight, OptionStyle, Symbol
from atomic import GroupStatus, InvalidGroupError, Limit, PersistenceError
from config import MAX_ATOMIC_GROUP_SIZE, MAX_PENDING_GROUPS
from leansim import MarketClosed, Match, NeverFill, StoreSaveFails


def _qqq_call() -> Symbol:
    return Symbol.create_option("QQQ", Market.USA, OptionStyle.AMERICAN, OptionRight.CALL, 400, EXPIRY)


def _later(right: str, strike: float) -> Symbol:
    """A SPY option of a later expiry than the host's contracts."""
    return option(right, strike, datetime(2024, 1, 12))


def _calls(count: int) -> list[tuple[Symbol, int]]:
    return [(option("call", 470 + 5 * i), 1 if i % 2 else -1) for i in range(count)]


Call = Callable[[HostAlgorithm], Any]
INVALID: dict[str, Call] = {
    "one leg": lambda a: a.executor.execute_atomic([(a.long_call, 1)]),
    "no legs": lambda a: a.executor.execute_atomic([]),
    "too many legs": lambda a: a.executor.execute_atomic(_calls(MAX_ATOMIC_GROUP_SIZE + 1)),
    "zero quantity": lambda a: a.executor.execute_atomic([(a.long_call, 1), (a.short_call, 0)]),
    "float quantity": lambda a: a.executor.execute_atomic([(a.long_call, 1.5), (a.short_call, -1)]),
    "integral float quantity": lambda a: a.executor.execute_atomic([(a.long_call, 2.0), (a.short_call, -2)]),
    "bool quantity": lambda a: a.executor.execute_atomic([(a.long_call, True), (a.short_call, -1)]),
    "duplicate symbol": lambda a: a.executor.execute_atomic([(a.long_call, 1), (a.long_call, -1)]),
    "mixed underlyings": lambda a: a.executor.execute_atomic([(a.long_call, 1), (_qqq_call(), -1)]),
    "not a Symbol": lambda a: a.executor.execute_atomic([(str(a.long_call), 1), (a.short_call, -1)]),
    "condor with a string": lambda a: a.executor.execute_iron_condor_atomic(
        "SPY 480 C", a.long_call, a.short_put, a.long_put, 1),
    "condor long put above short put": lambda a: a.executor.execute_iron_condor_atomic(
        a.short_call, a.long_call, a.long_put, a.short_put, 1),
    "condor long call below short call": lambda a: a.executor.execute_iron_condor_atomic(
        a.long_call, a.short_call, a.short_put, a.long_put, 1),
    "condor short put above short call": lambda a: a.executor.execute_iron_condor_atomic(
        option("call", 450), option("call", 485), option("put", 460), option("put", 440), 1),
    "condor mixed expiries": lambda a: a.executor.execute_iron_condor_atomic(
        a.short_call, _later("call", 485), a.short_put, a.long_put, 1),
    "condor put as short call": lambda a: a.executor.execute_iron_condor_atomic(
        option("put", 480), a.long_call, a.short_put, a.long_put, 1),
    "condor call as long put": lambda a: a.executor.execute_iron_condor_atomic(
        a.short_call, a.long_call, a.short_put, option("call", 455), 1),
    "put spread long above short": lambda a: a.executor.execute_put_spread_atomic(a.long_put, a.short_put, 1),
    "put spread with a call": lambda a: a.executor.execute_put_spread_atomic(a.short_put, a.long_call, 1),
    "put spread mixed expiries": lambda a: a.executor.execute_put_spread_atomic(a.short_put, _later("put", 455), 1),
    "strangle put above call": lambda a: a.executor.execute_strangle_atomic(option("call", 450), a.short_put, 1),
    "strangle call and call": lambda a: a.executor.execute_strangle_atomic(a.short_call, a.long_call, 1),
    "zero structures": lambda a: a.executor.execute_iron_condor_atomic(a.short_call, a.long_call, a.short_put, a.long_put, 0),
    "negative structures": lambda a: a.executor.execute_put_spread_atomic(a.short_put, a.long_put, -1),
    "fractional structures": lambda a: a.executor.execute_strangle_atomic(a.short_call, a.short_put, 1.5),
    "bool structures": lambda a: a.executor.execute_put_spread_atomic(a.short_put, a.long_put, True),
    "pricing that is no policy": lambda a: a.executor.execute_iron_condor_atomic(
        a.short_call, a.long_call, a.short_put, a.long_put, 1, pricing=1.25),
    "both pricing and limit price": lambda a: a.executor.execute_atomic(
        [(a.long_call, 1), (a.short_call, -1)], limit_price=0.5, pricing=Limit(0.5)),
}


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("case", sorted(INVALID))
def test_invalid_group_raises_before_any_order_or_write(mode: str, case: str) -> None:
    sim, algo = start(mode)

    with pytest.raises(InvalidGroupError):
        INVALID[case](algo)
    settle(sim, 10)

    assert sim.broker_orders == []
    assert sim.store_stats.saves == 0
    assert store_keys(algo) == [] and sim.stored == {}
    assert algo.executor.open_groups() == []
    assert algo.executor.halted == ""


# --- runtime refusals -------------------------------------------------------------------------------


def _assert_refused(sim: Any, algo: HostAlgorithm, result: Any, words: str) -> None:
    assert result.status is GroupStatus.REJECTED
    assert bool(result) is False
    assert words in result.reason.lower(), result.reason
    assert group_orders(sim, result.group_id) == []
    assert not [k for k in store_keys(algo) if result.group_id in k]
    assert result.group_id not in [g.group_id for g in algo.executor.open_groups()]


def test_live_refuses_a_group_beyond_max_pending_groups() -> None:
    sim, algo = start("live", [NeverFill(Match(tag_contains="/entry/0/"), times=None)])
    in_flight = [iron_condor(algo, 1) for _ in range(MAX_PENDING_GROUPS)]
    settle(sim, 2)
    assert all(r.status is GroupStatus.PENDING for r in in_flight)
    orders = len(sim.broker_orders)

    refused = algo.executor.execute_put_spread_atomic(algo.short_put, algo.long_put, 1)

    _assert_refused(sim, algo, refused, "max_pending_groups")
    assert len(sim.broker_orders) == orders
    # once the others settle there is room again
    settle(sim, 120)
    assert all(r.status is GroupStatus.ROLLED_BACK for r in in_flight)
    assert algo.executor.execute_put_spread_atomic(algo.short_put, algo.long_put, 1).status is not GroupStatus.REJECTED


@pytest.mark.parametrize("mode", MODES)
def test_refuses_while_the_exchange_is_closed(mode: str) -> None:
    sim, algo = start(mode, [MarketClosed()])

    result = iron_condor(algo, 1)
    settle(sim, 10)

    _assert_refused(sim, algo, result, "closed")
    assert sim.broker_orders == []


@pytest.mark.parametrize("mode", MODES)
def test_refuses_when_the_exchange_closes_within_the_buffer(mode: str) -> None:
    # 20:50 UTC is 15:50 in New York in January: ten minutes before the close
    sim, algo = start(mode, at=datetime(2024, 1, 2, 20, 50, tzinfo=timezone.utc), market_close_buffer_minutes=15)

    result = iron_condor(algo, 1)

    _assert_refused(sim, algo, result, "closes within 15 minutes")
    assert sim.broker_orders == []


@pytest.mark.parametrize("mode", MODES)
def test_accepts_a_group_just_outside_the_close_buffer(mode: str) -> None:
    sim, algo = start(mode, at=datetime(2024, 1, 2, 20, 40, tzinfo=timezone.utc), market_close_buffer_minutes=15)

    result = iron_condor(algo, 1)
    settle(sim, 5)

    assert result.status is GroupStatus.FILLED


@pytest.mark.parametrize("mode", MODES)
def test_refuses_while_halted(mode: str) -> None:
    sim, algo = start(mode)
    algo.executor.halt("operator investigating")

    result = iron_condor(algo, 1)

    _assert_refused(sim, algo, result, "halted")
    assert "operator investigating" in result.reason
    assert sim.broker_orders == []


@pytest.mark.parametrize("mode", MODES)
def test_refuses_without_buying_power(mode: str) -> None:
    sim, algo = start(mode, cash=1_000)

    result = iron_condor(algo, 2)
    settle(sim, 10)

    _assert_refused(sim, algo, result, "buying power")
    assert sim.broker_orders == []


@pytest.mark.parametrize("mode", MODES)
def test_refuses_until_recovery_has_run(mode: str) -> None:
    sim, algo = start(mode, base=NoRecoveryHost)

    result = iron_condor(algo, 1)
    settle(sim, 10)

    _assert_refused(sim, algo, result, "recovery")
    assert sim.broker_orders == []

    algo.executor.check_and_recover_incomplete_orders()
    assert iron_condor(algo, 1).status is not GroupStatus.REJECTED


@pytest.mark.parametrize("mode", MODES)
def test_rejected_result_reaches_the_callback(mode: str) -> None:
    sim, algo = start(mode, [MarketClosed()])
    heard: list[GroupStatus] = []

    iron_condor(algo, 1, on_complete=lambda r: heard.append(r.status))

    assert heard == [GroupStatus.REJECTED]


# --- the intent cannot be written ------------------------------------------------------------------------


@pytest.mark.parametrize("mode", MODES)
def test_failed_intent_save_raises_and_places_nothing(mode: str) -> None:
    sim, algo = start(mode, [StoreSaveFails(nth=1)])

    with pytest.raises(PersistenceError):
        iron_condor(algo, 2)

    assert sim.broker_orders == []
    assert sim.store_stats.failed_saves == 1


@pytest.mark.parametrize("mode", MODES)
def test_failed_intent_save_leaves_no_group_behind(mode: str) -> None:
    """The caller was told the group failed (PersistenceError): the executor must not keep a phantom
    group that later times out, "fails" its rollback, halts the executor and alerts the operator."""
    sim, algo = start(mode, [StoreSaveFails(nth=1)])
    with pytest.raises(PersistenceError):
        iron_condor(algo, 2)

    settle(sim, 120)

    assert sim.broker_orders == []
    assert positions(sim, algo.condor()) == {str(s): 0 for s in algo.condor()}
    assert algo.executor.open_groups() == []
    assert algo.executor.halted == ""
    assert not [line for line in sim.logs_at("ERROR") if "FAILED" in line]
    assert not [k for k in sim.stored if "/open/" in k]
    # and the next group goes through
    assert iron_condor(algo, 1).status is not GroupStatus.REJECTED


def test_transient_store_failure_during_a_rollback_does_not_wedge_the_group() -> None:
    """One refused write while the rollback's orders are being recorded (backtest): the executor may
    report it, but the rollback must still complete on a later check instead of waiting forever for
    orders it never sent and then declaring ROLLBACK_FAILED with the longs still held."""
    from leansim import Reject

    sim, algo = start("backtest", [Reject("refused", Match(tag_contains="/entry/3/")), StoreSaveFails(nth=3)])
    try:
        iron_condor(algo, 2)
    except PersistenceError:
        pass  # surfacing the refused write is fine
    settle(sim, 120)

    assert sim.store_stats.failed_saves == 1
    assert positions(sim, algo.condor()) == {str(s): 0 for s in algo.condor()}
    assert algo.executor.open_groups() == []
    assert algo.executor.halted == ""


@pytest.mark.parametrize("leg", ["SPY", ("SPY",), (1, 2, 3)])
def test_a_leg_that_is_not_a_symbol_quantity_pair_is_named(leg: object) -> None:
    sim, algo = start("backtest")
    with pytest.raises(InvalidGroupError, match="leg 1: expected a \\(symbol, quantity\\) pair"):
        algo.executor.execute_atomic([(algo.long_call, 1), leg])
    assert sim.broker_orders == []
