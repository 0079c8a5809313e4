"""Recovery where two groups traded the same contract: one group's fills are never read as another's.

Holdings are net across groups. A group's unrecorded fills are inferred from the holdings its
snapshot does not explain; another group's trade since that snapshot must be accounted for from
that group's record, or, when it cannot be, the fills are unknown and the group is held.
"""

from __future__ import annotations

from atomic import EnhancedAtomicOrderExecutor, GroupStatus
from atomic.executor import GroupResult
from atomic.model import OrderState
from builders import LP, SP, config
from fake_ports import FakeBrokerage, executor_on


def newest(brokerage: FakeBrokerage, ticker: str, quantity: int) -> int:
    """The id of the latest order for `quantity` of `ticker`."""
    return max(o.order_id for o in brokerage.orders.values() if (o.contract.ticker, o.quantity) == (ticker, quantity))


def filled_spread(brokerage: FakeBrokerage, executor: EnhancedAtomicOrderExecutor) -> GroupResult:
    result = executor.execute_put_spread_atomic(SP, LP, 1)
    brokerage.fill(newest(brokerage, LP.ticker, 1))
    brokerage.fill(newest(brokerage, SP.ticker, -1))
    assert result.status is GroupStatus.FILLED
    return result


def restart(brokerage: FakeBrokerage) -> EnhancedAtomicOrderExecutor:
    restarted = EnhancedAtomicOrderExecutor(None, config(), brokerage.ports())
    brokerage.deliver = restarted.on_order_event
    return restarted


def settle(brokerage: FakeBrokerage, since: int) -> None:
    """The brokerage fills every order sent after order id `since`."""
    while open_ := [o for i, o in brokerage.orders.items() if i > since and o.state is not OrderState.FILLED]:
        brokerage.fill(open_[0].order_id)


def test_an_unfilled_buy_back_is_not_inferred_filled_after_an_older_group_closed_since_the_entry() -> None:
    """G1's entry snapshot holds G0's spread; G0 closes; G1's close sends its buy-back, the process
    dies, the brokerage cancels it unfilled. Against the entry snapshot the buy-back looked filled
    and recovery sold the long wing: a naked short. The close re-took the snapshot."""
    brokerage = FakeBrokerage()
    executor = executor_on(brokerage)
    older = filled_spread(brokerage, executor)
    brokerage.advance(60)
    newer = filled_spread(brokerage, executor)
    brokerage.advance(60)
    executor.close_group(older.group_id)
    brokerage.fill(newest(brokerage, SP.ticker, 1))
    brokerage.fill(newest(brokerage, LP.ticker, -1))
    assert older.status is GroupStatus.CLOSED and brokerage.positions == {SP.key: -1, LP.key: 1}
    brokerage.advance(60)
    executor.close_group(newer.group_id)
    buy_back = brokerage.orders[newest(brokerage, SP.ticker, 1)]
    brokerage.deliver = None  # the process dies; the brokerage cancels the buy-back, nothing filled
    buy_back.state = OrderState.CANCELED

    brokerage.advance(30)
    restarted = restart(brokerage)
    report = restarted.check_and_recover_incomplete_orders()
    [entry] = report.groups
    assert entry.decision == "continue close" and "inferred" not in entry.found
    restarted.check_timeouts()
    settle(brokerage, buy_back.order_id)

    assert brokerage.positions == {SP.key: 0, LP.key: 0}  # bought back first, then the long sold
    assert restarted.get_group(newer.group_id).status is GroupStatus.CLOSED  # type: ignore[union-attr]
    assert restarted.halted == ""


def test_a_group_opened_while_an_older_one_closes_is_held_when_holdings_cannot_tell_their_fills_apart() -> None:
    """G0's close has sold... nothing yet of its long; G1 (a spread in the same contracts) buys that
    long. Both orders fill while the process is down: holdings show +1, as if neither had. From
    holdings alone either split is possible: both groups are held, alerted, halted; nothing is sent."""
    brokerage = FakeBrokerage()
    executor = executor_on(brokerage)
    older = filled_spread(brokerage, executor)
    brokerage.advance(60)
    executor.close_group(older.group_id)
    brokerage.fill(newest(brokerage, SP.ticker, 1))
    sale = newest(brokerage, LP.ticker, -1)  # the close's long sale, working
    brokerage.advance(60)
    newer = executor.execute_put_spread_atomic(SP, LP, 1)
    purchase = newest(brokerage, LP.ticker, 1)  # the new spread's long, working
    assert newer.status is GroupStatus.PENDING and brokerage.positions == {SP.key: 0, LP.key: 1}
    brokerage.deliver = None  # the process dies; both orders fill
    brokerage.fill(sale)
    brokerage.fill(purchase)
    sent = len(brokerage.orders)

    brokerage.advance(30)
    restarted = restart(brokerage)
    report = restarted.check_and_recover_incomplete_orders()
    restarted.check_timeouts()

    assert {entry.group_id: entry.decision for entry in report.groups} == {
        older.group_id: "hold: fills unknown", newer.group_id: "hold: fills unknown"}
    assert [subject for subject, _ in brokerage.alerts].count("Group with unknown fills") == 2
    assert restarted.halted.endswith("held: fills could not be established")
    assert len(brokerage.orders) == sent and brokerage.positions == {SP.key: 0, LP.key: 1}
