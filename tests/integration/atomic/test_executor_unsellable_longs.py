"""A long the brokerage will not take back (a wing nobody bids for: a real brokerage may refuse the
sale, or never fill it). What the group still holds is long options alone, whose loss is bounded by
the premium paid: the failed rollback is alerted but halts nothing, and expiry settles the longs.
Anything short left behind still halts (test_executor_rollback.py)."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from executor_kit import MODES, group_orders, iron_condor, positions, settle, start

from atomic import GroupStatus
from config import MAX_ROLLBACK_ATTEMPTS
from leansim import Match, Reject

AFTER_EXPIRY = datetime(2024, 1, 8, 15, 0, tzinfo=timezone.utc)  # the Monday after the Friday expiry, 10:00


@pytest.mark.parametrize("mode", MODES)
def test_a_rollback_left_holding_longs_alone_alerts_without_halting_and_expiry_settles_them(mode: str) -> None:
    # Protective order: both wings filled before the short call was refused; no bid for the wings now,
    # and the brokerage refuses every sale of them.
    sim, algo = start(mode, [Reject("no liquidity for this strike", Match(tag_contains="/entry/2/")),
                             Reject("no bid: order refused", Match(tag_contains="/rollback/"), times=None)],
                      alert_email="ops@example.com")
    executor = algo.executor

    result = iron_condor(algo, 2)
    for wing in (algo.long_call, algo.long_put):
        sim.set_quote(wing, None, 0.05)
    settle(sim, 120)

    assert result.status is GroupStatus.ROLLBACK_FAILED
    reversals = group_orders(sim, result.group_id, "rollback")
    assert len(reversals) >= MAX_ROLLBACK_ATTEMPTS and all(o.status.name == "INVALID" for o in reversals)
    assert positions(sim, algo.condor()) == {str(algo.long_call): 2, str(algo.long_put): 2,
                                             str(algo.short_call): 0, str(algo.short_put): 0}
    alerts = [line for line in sim.logs_at("ERROR") if result.group_id in line and "FAILED" in line]
    assert alerts and "held to expiry" in alerts[0], sim.logs_at("ERROR")
    assert executor.halted == ""
    spread = executor.execute_put_spread_atomic(algo.short_put, algo.long_put, 1)
    settle(sim, 10)
    assert spread.status is GroupStatus.FILLED  # new groups still accepted

    sim.advance_to(AFTER_EXPIRY, step=3600)
    settle(sim, 120)
    view = executor.get_group(result.group_id)
    assert view is not None and view.status in (GroupStatus.EXPIRED, GroupStatus.ASSIGNED)
    assert all(leg.filled == 0 for leg in view.legs)
    assert executor.halted == ""


@pytest.mark.parametrize("mode", MODES)
def test_a_failed_rollback_that_keeps_a_short_still_halts(mode: str) -> None:
    """Parallel legs: the short call filled before the short put was refused; it cannot be bought back."""
    sim, algo = start(mode, [Reject("no liquidity for this strike", Match(tag_contains="/entry/3/")),
                             Reject("refused", Match(tag_contains="/rollback/"), times=None)],
                      sequential_protective_legs=False)
    result = iron_condor(algo, 2)
    settle(sim, 120)
    assert result.status is GroupStatus.ROLLBACK_FAILED
    assert positions(sim, [algo.short_call])[str(algo.short_call)] == -2
    assert result.group_id in algo.executor.halted
