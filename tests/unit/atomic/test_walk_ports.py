"""A walk on the fake ports: each step is written to the store before any order moves, legs are
priced from their own quotes (those of the step's time), and a step whose order already closed is
noted, not retried."""

from __future__ import annotations

import pytest

from builders import call
from fake_ports import FakeBrokerage, executor_on, order_of
from atomic import GroupStatus, Walk
from atomic.persistence import group_from_json
from atomic.pricing import Quote

LONG, SHORT = call(100), call(105)
WALK = Walk(step=0.10, every_seconds=30, max_concession=0.2)


def _brokerage() -> FakeBrokerage:
    brokerage = FakeBrokerage()
    brokerage.quotes = {LONG.key: Quote(2.00, 2.20, 0.05), SHORT.key: Quote(0.90, 1.00, 0.01)}
    return brokerage


@pytest.mark.parametrize("mode", ["combo", "legged"])
def test_every_step_is_written_ahead_of_the_orders_it_moves(mode: str) -> None:
    brokerage = _brokerage()
    executor = executor_on(brokerage, execution_mode=mode, sequential_protective_legs=False, atomic_order_timeout=600)

    result = executor.execute_atomic([(LONG, 1), (SHORT, -1)], pricing=WALK)
    # Net mid 2.10 - 0.95 = 1.15; legged, each leg at its mid (2.10 on 0.05 ticks, 0.95 on 0.01).
    assert brokerage.effects[-1] == ("combo " + f"{LONG.ticker} +1, {SHORT.ticker} -1 @ 1.15" if mode == "combo"
                                     else f"limit {SHORT.ticker} -1 @ 0.95")
    brokerage.effects.clear()
    brokerage.advance(30)
    executor.check_timeouts()

    # Step 1 concedes 0.10 of the 0.15 to the natural: 2/3 on the long (2.1667 -> 2.15), 1/3 on the short.
    moves = ["update 1 @ 1.25"] if mode == "combo" else ["update 1 @ 2.15", "update 2 @ 0.92"]
    assert brokerage.effects == ["persist", *moves]
    stored = [group_from_json(text) for key, text in brokerage.store.data.items() if "/open/" in key]
    assert max(group.walk_step for group in stored) == 1  # the step a crash would find
    assert result.view.entry_mid == pytest.approx(1.15)


def test_a_walk_gives_up_and_reverses_the_leg_that_filled() -> None:
    brokerage = _brokerage()
    executor = executor_on(brokerage, sequential_protective_legs=False, atomic_order_timeout=600)
    result = executor.execute_atomic([(LONG, 1), (SHORT, -1)], pricing=WALK)
    brokerage.fill(order_of(brokerage, LONG.ticker, 1), price=2.10)

    for _ in range(3):
        brokerage.advance(30)
        executor.check_timeouts()

    assert result.status is GroupStatus.ROLLING_BACK and "walk gave up" in result.reason
    assert brokerage.effects[-1] == "cancel 2"
    brokerage.cancelled(2)

    assert brokerage.effects[-1] == f"send {LONG.ticker} -1"  # a market reversal, once the short is cancelled
    brokerage.fill(order_of(brokerage, LONG.ticker, -1), price=2.00)
    assert result.status is GroupStatus.ROLLED_BACK


def test_each_step_is_priced_from_the_quotes_then_within_the_budget_from_the_first_mid() -> None:
    brokerage = _brokerage()
    executor = executor_on(brokerage, execution_mode="combo", atomic_order_timeout=600)
    result = executor.execute_atomic([(LONG, 1), (SHORT, -1)], pricing=WALK)  # net mid 1.15
    brokerage.effects.clear()

    brokerage.quotes[LONG.key] = Quote(2.00, 2.10, 0.05)  # the long's mid falls 0.05: net mid 1.10
    brokerage.advance(30)
    executor.check_timeouts()
    # Step 1 from the new mid: 1.10 + 0.10 (the old quotes would have asked 1.25).
    assert brokerage.effects == ["persist", "update 1 @ 1.2"]
    stored = [group_from_json(text) for key, text in brokerage.store.data.items() if "/open/" in key]
    assert [leg.quote for leg in max(stored, key=lambda g: g.walk_step).legs][0] == Quote(2.00, 2.10, 0.05)
    assert result.view.entry_mid == pytest.approx(1.15)  # concessions still count from the first mid

    brokerage.quotes[LONG.key] = Quote(2.20, 2.30, 0.05)  # net mid 1.30: step 2 from it would pay 1.46 (marketable)
    brokerage.advance(30)
    executor.check_timeouts()
    assert brokerage.effects[-1] == "update 1 @ 1.35"  # held at 1.15 + max_concession

    brokerage.advance(30)
    executor.check_timeouts()
    assert result.status is GroupStatus.ROLLING_BACK and "walk gave up" in result.reason  # step 3 concedes 0.30
