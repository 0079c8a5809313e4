"""A brokerage that refused an order (INVALID) and then reports a fill for it: the fill is real
(LEAN's portfolio applies every fill event), so it is counted as an anomaly that holds the group
and halts new groups, never ignored as an event after the order closed."""

from __future__ import annotations

from executor_kit import iron_condor, settle, start

from AlgorithmImports import OrderEvent, OrderFee, OrderStatus
from atomic import GroupStatus
from leansim import Match, Reject


def test_a_fill_reported_after_the_order_was_refused_is_an_anomaly() -> None:
    sim, algo = start("live", [Reject("refused", Match(tag_contains="/entry/3/"))], sequential_protective_legs=False)
    result = iron_condor(algo, 2)
    settle(sim, 60)
    [refused] = [o for o in algo.transactions.get_orders() if "/entry/3/" in o.tag]
    assert refused.status == OrderStatus.INVALID

    late = OrderEvent(refused, algo.utc_time, OrderFee.ZERO)
    late.id, late.status, late.fill_quantity, late.fill_price = 10_000, OrderStatus.FILLED, refused.quantity, 1.0
    algo.executor.on_order_event(late)

    view = result.view
    assert view.held and len(view.anomalies) == 1 and "already invalid" in view.anomalies[0]
    assert view.legs[3].filled == refused.quantity
    assert "unexpected fill" in algo.executor.halted
    assert any(m.startswith("Unexpected fill: group held") for m in sim.logs_at("ERROR"))
    assert iron_condor(algo, 1).status is GroupStatus.REJECTED
