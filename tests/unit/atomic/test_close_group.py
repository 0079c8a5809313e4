"""close_group through in-memory ports: what is written and sent, in order, and a late fill after the close."""

from __future__ import annotations

import pytest

from atomic import EnhancedAtomicOrderExecutor, GroupStatus, InvalidGroupError
from atomic.executor import GroupResult
from builders import LP, SP
from fake_ports import FakeBrokerage, executor_on, order_of


def filled_spread(brokerage: FakeBrokerage, executor: EnhancedAtomicOrderExecutor) -> GroupResult:
    result = executor.execute_put_spread_atomic(SP, LP, 2)
    brokerage.fill(order_of(brokerage, LP.ticker, 2))
    brokerage.fill(order_of(brokerage, SP.ticker, -2))
    assert result.status is GroupStatus.FILLED
    brokerage.effects.clear()
    return result


def test_a_close_writes_ahead_before_each_send_and_sells_the_long_only_after_the_short_is_bought_back() -> None:
    brokerage = FakeBrokerage()
    executor = executor_on(brokerage)
    opened = filled_spread(brokerage, executor)
    closed_events: list[GroupStatus] = []
    executor.add_listener(lambda r: closed_events.append(r.status))

    result = executor.close_group(opened.group_id, reason="take profit")

    assert brokerage.effects == ["persist", f"send {SP.ticker} +2"]
    assert result.status is GroupStatus.CLOSING and "take profit" in result.view.close_reason
    brokerage.fill(order_of(brokerage, SP.ticker, 2))
    assert brokerage.effects[2:] == ["persist", f"send {LP.ticker} -2"]
    brokerage.fill(order_of(brokerage, LP.ticker, -2))
    assert result.status is GroupStatus.CLOSED and closed_events == [GroupStatus.CLOSED]
    assert brokerage.positions == {LP.key: 0, SP.key: 0}
    assert not [k for k in brokerage.store.keys() if "/held/" in k or "/open/" in k]


def closing_spread() -> tuple[FakeBrokerage, EnhancedAtomicOrderExecutor, GroupResult, int]:
    """A filled put spread whose close has sent its buy-back (the last item: its order id)."""
    brokerage = FakeBrokerage()
    executor = executor_on(brokerage)
    result = executor.close_group(filled_spread(brokerage, executor).group_id)
    return brokerage, executor, result, order_of(brokerage, SP.ticker, 2)


def test_a_late_fill_on_a_closed_group_is_closed_again() -> None:
    brokerage, executor, result, first = closing_spread()
    brokerage.fill(first, 1)
    brokerage.advance(6)
    executor.check_timeouts()  # stale: cancelled, then the rest bought back
    brokerage.cancelled(first)
    brokerage.fill(order_of(brokerage, SP.ticker, 1))
    brokerage.fill(order_of(brokerage, LP.ticker, -2))
    assert result.status is GroupStatus.CLOSED

    brokerage.fill(first, 1)  # the cancelled buy-back filled after all: the account now holds +1 SP

    assert result.status is GroupStatus.CLOSING
    assert brokerage.sent()[-1] == (SP.ticker, -1)
    brokerage.fill(max(brokerage.orders))
    assert result.status is GroupStatus.CLOSED and brokerage.positions == {LP.key: 0, SP.key: 0}
    assert any("Late fill on a settled group" in line for line in brokerage.alerts)


def test_a_held_group_cannot_be_closed_and_nothing_is_sent_or_written() -> None:
    brokerage = FakeBrokerage()
    executor = executor_on(brokerage)
    opened = filled_spread(brokerage, executor)
    brokerage.fill(order_of(brokerage, LP.ticker, 2), 1)  # reported beyond its size: held
    brokerage.effects.clear()

    with pytest.raises(InvalidGroupError, match=f"{opened.group_id} .*held for the operator"):
        executor.close_group(opened.group_id)

    assert brokerage.effects == []


def test_a_close_held_for_an_unexpected_fill_is_restarted_by_the_operator_and_ends_flat() -> None:
    brokerage, executor, result, buy_back = closing_spread()
    brokerage.fill(buy_back, 3)  # a broker's report past the order's size: counted, the close held
    assert result.view.held and result.status is GroupStatus.CLOSING and executor.halted
    assert brokerage.sent()[-1] == (SP.ticker, 2)  # nothing more sent while held

    executor.rollback_group(result.group_id)
    brokerage.advance(6)
    executor.check_timeouts()  # the over-filled buy-back is cancelled, then what the group holds is sold
    brokerage.cancelled(buy_back)
    assert sorted(brokerage.sent()[-2:]) == sorted([(SP.ticker, -1), (LP.ticker, -2)])
    brokerage.fill(order_of(brokerage, SP.ticker, -1))
    brokerage.fill(order_of(brokerage, LP.ticker, -2))
    assert result.status is GroupStatus.CLOSED and brokerage.positions == {LP.key: 0, SP.key: 0}
