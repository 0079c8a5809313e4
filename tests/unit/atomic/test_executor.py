"""The executor's decisions and effects, through in-memory ports (fake_ports.py): no LEAN double.

Each test reads what the brokerage was asked to do (forced saves, sends, cancels, in order) and
what the group became. Scenarios with LEAN's own behaviour (fills inside market_order, combos,
restarts) stay in tests/integration, on the double.
"""

from __future__ import annotations

import pytest

from atomic import EnhancedAtomicOrderExecutor, GroupStatus, PersistenceError
from builders import LC, LP, SC, SP
from fake_ports import FakeBrokerage, executor_on, order_of


def test_the_intent_is_on_disk_before_each_send_and_shorts_wait_for_their_longs() -> None:
    brokerage = FakeBrokerage()
    executor = executor_on(brokerage)
    result = executor.execute_iron_condor_atomic(SC, LC, SP, LP, 2)
    assert brokerage.effects == ["persist", f"send {LC.ticker} +2", f"send {LP.ticker} +2"]
    brokerage.fill(order_of(brokerage, LC.ticker, 2))
    assert brokerage.effects[3:] == []  # one long filled: the shorts still wait
    brokerage.fill(order_of(brokerage, LP.ticker, 2))
    assert brokerage.effects[3:] == ["persist", f"send {SC.ticker} -2", f"send {SP.ticker} -2"]
    brokerage.fill(order_of(brokerage, SC.ticker, -2))
    brokerage.fill(order_of(brokerage, SP.ticker, -2))
    assert result.status is GroupStatus.FILLED and result
    assert brokerage.positions == {LC.key: 2, LP.key: 2, SC.key: -2, SP.key: -2}


def test_a_rejected_long_leg_reverses_the_long_that_filled_and_never_sends_a_short() -> None:
    brokerage = FakeBrokerage()
    executor = executor_on(brokerage)
    result = executor.execute_iron_condor_atomic(SC, LC, SP, LP, 1)
    brokerage.fill(order_of(brokerage, LC.ticker, 1))
    brokerage.reject(order_of(brokerage, LP.ticker, 1))
    assert brokerage.effects[3:] == ["persist", f"send {LC.ticker} -1"]
    assert result.status is GroupStatus.ROLLING_BACK
    brokerage.fill(order_of(brokerage, LC.ticker, -1))
    assert result.status is GroupStatus.ROLLED_BACK and not result
    assert brokerage.positions == {LC.key: 0}


def test_a_group_unfilled_past_its_timeout_has_its_orders_cancelled_then_is_rolled_back() -> None:
    brokerage = FakeBrokerage()
    executor = executor_on(brokerage, atomic_order_timeout=5)
    result = executor.execute_put_spread_atomic(SP, LP, 1)
    long_put = order_of(brokerage, LP.ticker, 1)
    brokerage.advance(4)
    executor.check_timeouts()
    assert brokerage.effects == ["persist", f"send {LP.ticker} +1"]
    brokerage.advance(2)
    executor.check_timeouts()
    assert [e for e in brokerage.effects[2:] if e != "persist"] == [f"cancel {long_put}"]
    assert result.status is GroupStatus.ROLLING_BACK
    brokerage.cancelled(long_put)
    assert result.status is GroupStatus.ROLLED_BACK
    assert brokerage.sent() == [(LP.ticker, 1)]


def test_a_rollback_is_decided_on_the_brokerage_records_so_lost_fills_are_reversed() -> None:
    brokerage = FakeBrokerage()
    executor = executor_on(brokerage, atomic_order_timeout=5)
    result = executor.execute_iron_condor_atomic(SC, LC, SP, LP, 1)
    brokerage.fill(order_of(brokerage, LC.ticker, 1), lost=True)
    brokerage.fill(order_of(brokerage, LP.ticker, 1), lost=True)
    brokerage.advance(6)
    executor.check_timeouts()
    assert result.status is GroupStatus.ROLLING_BACK
    assert sorted(brokerage.effects[3:]) == sorted(["persist", f"send {LC.ticker} -1", f"send {LP.ticker} -1"])


def test_a_combo_refused_as_a_whole_is_resent_as_legged_orders_longs_first() -> None:
    brokerage = FakeBrokerage()
    executor = executor_on(brokerage, execution_mode="combo")
    result = executor.execute_iron_condor_atomic(SC, LC, SP, LP, 1)
    persist, combo = brokerage.effects
    assert persist == "persist" and combo.startswith("combo ")
    assert sorted(combo.removeprefix("combo ").split(", ")) == sorted(
        [f"{SC.ticker} -1", f"{LC.ticker} +1", f"{SP.ticker} -1", f"{LP.ticker} +1"])
    for order_id in list(brokerage.orders):
        brokerage.reject(order_id, "no combos")
    assert brokerage.effects[2:] == ["persist", f"send {LC.ticker} +1", f"send {LP.ticker} +1"]
    assert result.status is GroupStatus.PENDING


def test_trim_keeps_the_complete_structures_and_buys_back_the_excess_short_before_selling_longs() -> None:
    brokerage = FakeBrokerage()
    executor = executor_on(brokerage, partial_fill_policy="trim", atomic_order_timeout=5)
    result = executor.execute_iron_condor_atomic(SC, LC, SP, LP, 2)
    for ticker, quantity in ((LC.ticker, 2), (LP.ticker, 2)):
        brokerage.fill(order_of(brokerage, ticker, quantity))
    brokerage.fill(order_of(brokerage, SC.ticker, -2))
    short_put = order_of(brokerage, SP.ticker, -2)
    brokerage.fill(short_put, -1)
    brokerage.advance(6)
    executor.check_timeouts()
    brokerage.cancelled(short_put)
    assert brokerage.effects[-1] == f"send {SC.ticker} +1"
    brokerage.fill(order_of(brokerage, SC.ticker, 1))
    assert brokerage.effects[-2:] == [f"send {LC.ticker} -1", f"send {LP.ticker} -1"]
    brokerage.fill(order_of(brokerage, LC.ticker, -1))
    brokerage.fill(order_of(brokerage, LP.ticker, -1))
    assert result.status is GroupStatus.FILLED and not result  # trimmed: filled, but not the whole group
    assert brokerage.positions == {LC.key: 1, LP.key: 1, SC.key: -1, SP.key: -1}


def test_a_fill_beyond_its_order_holds_the_group_alerts_and_refuses_new_groups() -> None:
    brokerage = FakeBrokerage()
    executor = executor_on(brokerage)
    result = executor.execute_put_spread_atomic(SP, LP, 1)
    brokerage.fill(order_of(brokerage, LP.ticker, 1))
    short_put = order_of(brokerage, SP.ticker, -1)
    brokerage.fill(short_put)
    assert result.status is GroupStatus.FILLED
    brokerage.fill(short_put, -1)  # the broker reports the same fill twice
    assert result.view.held and executor.halted
    assert [subject for subject, _ in brokerage.alerts][0] == "Unexpected fill: group held"
    assert executor.execute_put_spread_atomic(SP, LP, 1).status is GroupStatus.REJECTED


def test_a_closed_market_rejects_the_group_before_anything_is_written_or_sent() -> None:
    brokerage = FakeBrokerage()
    brokerage.closed_reason = "exchange closed for SPY"
    executor = executor_on(brokerage)
    result = executor.execute_put_spread_atomic(SP, LP, 1)
    assert result.status is GroupStatus.REJECTED
    assert "exchange closed for SPY" in result.reason
    assert brokerage.effects == [] and brokerage.orders == {}


def test_a_group_needing_more_margin_than_the_usable_share_is_rejected_unsent() -> None:
    brokerage = FakeBrokerage()
    brokerage.margin = 600.0  # 540 usable at the default 90% limit; a 5-wide credit spread needs ~500
    executor = executor_on(brokerage)
    assert executor.execute_put_spread_atomic(SP, LP, 1).status is GroupStatus.PENDING
    result = executor.execute_strangle_atomic(SC, SP, 1)
    assert result.status is GroupStatus.REJECTED and "insufficient buying power" in result.reason
    assert [e for e in brokerage.effects if e.startswith("send")] == [f"send {LP.ticker} +1"]


def test_a_refused_first_write_raises_and_nothing_is_sent() -> None:
    brokerage = FakeBrokerage()
    executor = executor_on(brokerage)
    brokerage.store.refuse_saves = True
    with pytest.raises(PersistenceError):
        executor.execute_put_spread_atomic(SP, LP, 1)
    assert brokerage.orders == {} and executor.open_groups() == []


def test_an_executor_needs_an_algorithm_or_its_ports() -> None:
    with pytest.raises(TypeError, match="QCAlgorithm or its ports"):
        EnhancedAtomicOrderExecutor(None)
