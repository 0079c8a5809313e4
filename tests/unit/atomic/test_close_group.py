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


# --- a close after the position changed at the brokerage ----------------------------------------------


def test_a_close_retakes_the_legs_snapshot_in_its_write_ahead_record() -> None:
    """Recovery explains a close's holdings from the close on: a snapshot taken at entry misses what
    other groups did since (an older group's close made an unfilled buy-back look filled)."""
    brokerage = FakeBrokerage()
    brokerage.positions = {SP.key: -5, LP.key: 1}  # other positions, before the spread
    executor = executor_on(brokerage)
    opened = filled_spread(brokerage, executor)
    brokerage.positions[SP.key] += 4  # since the entry, another trade changed the contract
    brokerage.advance(60)

    executor.close_group(opened.group_id)

    [record] = executor.store.open_records()
    assert record.stored is not None
    group = record.stored.group
    assert [leg.holdings_before for leg in group.legs] == [1, -1]  # holdings less the group's own +2 / -2
    assert group.holdings_taken_at == brokerage.now()
    assert group.created_at < group.holdings_taken_at


def test_live_a_close_of_a_position_the_brokerage_no_longer_holds_is_refused_alerted_and_nothing_sent() -> None:
    brokerage = FakeBrokerage()
    executor = executor_on(brokerage)
    opened = filled_spread(brokerage, executor)
    brokerage.positions = {SP.key: 0, LP.key: 1}  # closed by hand, most of the long too

    with pytest.raises(InvalidGroupError, match=f"{opened.group_id}'s position is not at the brokerage"):
        executor.close_group(opened.group_id)

    assert brokerage.effects == [] and opened.status is GroupStatus.FILLED
    [(subject, message)] = brokerage.alerts
    assert subject == "Close refused" and f"{SP.ticker}: the group holds -2, the brokerage +0" in message
    assert f"{LP.ticker}: the group holds +2, the brokerage +1" in message


def test_a_manual_position_beside_the_groups_is_no_reason_to_refuse_its_close() -> None:
    brokerage = FakeBrokerage()
    brokerage.positions = {SP.key: 3}  # held by hand before the group: the account shows +1 after its -2
    executor = executor_on(brokerage)
    opened = filled_spread(brokerage, executor)

    result = executor.close_group(opened.group_id)

    assert result.status is GroupStatus.CLOSING and brokerage.effects == ["persist", f"send {SP.ticker} +2"]


def test_close_all_alerts_on_a_held_group_whose_archive_does_not_read_and_closes_the_others() -> None:
    brokerage = FakeBrokerage()
    executor = executor_on(brokerage)
    torn = filled_spread(brokerage, executor)
    brokerage.advance(60)
    kept = executor.execute_put_spread_atomic(SP, LP, 2)
    while kept.status is not GroupStatus.FILLED:  # its orders: the latest sent, filled as they come
        brokerage.fill(max(brokerage.orders))
    single = next(k for k in brokerage.store.keys() if "/archive/" in k and torn.group_id in k)
    brokerage.store.save(single, brokerage.store.read(single)[:-20])  # torn by a crash
    executor = executor_on(brokerage)  # a restart: the groups are in the archive only
    brokerage.alerts.clear()

    results = executor.close_all()

    assert [r.group_id for r in results] == [kept.group_id]
    [(subject, message)] = brokerage.alerts
    assert subject == "Held group's record unreadable" and single in message and torn.group_id in message


@pytest.mark.parametrize("torn_by", ["cut", "altered"])
def test_closing_a_held_group_whose_archive_does_not_read_is_refused_alerted_and_loses_nothing(torn_by: str) -> None:
    brokerage = FakeBrokerage()
    executor = executor_on(brokerage)
    torn = filled_spread(brokerage, executor)
    single = next(k for k in brokerage.store.keys() if "/archive/" in k and torn.group_id in k)
    text = brokerage.store.read(single)
    brokerage.store.save(single, text[:-20] if torn_by == "cut" else text.replace('"FILLED"', '"CLOSED"', 1))
    executor = executor_on(brokerage)  # a restart: the group is in the archive only
    brokerage.alerts.clear()
    stored = {key: brokerage.store.read(key) for key in brokerage.store.keys()}

    with pytest.raises(InvalidGroupError, match=f"group {torn.group_id}.*{single}.*does not read"):
        executor.close_group(torn.group_id)

    [(subject, message)] = brokerage.alerts
    assert subject == "Held group's record unreadable" and single in message and torn.group_id in message
    assert brokerage.effects == [] and {key: brokerage.store.read(key) for key in brokerage.store.keys()} == stored


def test_close_all_leaves_a_group_whose_position_is_gone_alerted_and_opens_nothing() -> None:
    brokerage = FakeBrokerage()
    executor = executor_on(brokerage)
    filled_spread(brokerage, executor)
    brokerage.positions = {SP.key: 0, LP.key: 0}  # closed by hand, or expired worthless

    assert executor.close_all() == []

    assert brokerage.effects == [] and [subject for subject, _ in brokerage.alerts] == ["Close refused"]
