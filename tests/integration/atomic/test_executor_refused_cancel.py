"""A cancel the brokerage refuses after LEAN answered it with success (live): LEAN restores the
order's status, logs an error and emits no order event (BrokerageTransactionHandler.
HandleCancelOrderRequest, CancelPendingOrders.RemoveAndFallback). The in-session reconciliation
finds the refusal in the ticket's cancel request and the rollback cancels again."""

from __future__ import annotations

import pytest
from executor_kit import EXECUTION_MODES, flat_positions, group_orders, iron_condor, positions, settle, start

from atomic import GroupStatus
from leansim import Match, NeverFill, RefuseCancel
from leansim.enums import OrderStatus

HANGING = Match(tag_contains="/entry/3/")


# Legged modes only: a combo's legs are cancelled together, so the cancel of any other leg takes
# the refused one with it.
@pytest.mark.parametrize("mode", ["parallel", "sequential"])
def test_a_cancel_refused_after_lean_answered_is_sent_again(mode: str) -> None:
    sim, algo = start("live", [NeverFill(HANGING), RefuseCancel(HANGING)], atomic_order_timeout=30,
                      **EXECUTION_MODES[mode])
    result = iron_condor(algo, 2)
    settle(sim, 65)  # timed out: the rollback cancels the hanging order, which the brokerage refuses
    [hanging] = group_orders(sim, result.group_id, "entry")[3:]
    assert any(m.startswith("Brokerage failed to cancel order") for m in sim.logs_at("ERROR"))

    settle(sim, 180)

    assert hanging.status == OrderStatus.CANCELED
    assert result.status is GroupStatus.ROLLED_BACK
    assert positions(sim, algo.condor()) == flat_positions(algo)
    assert any("cancel refused" in entry.message and "found by reconciliation" in entry.message
               for entry in result.view.log)
