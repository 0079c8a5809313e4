"""In-session reconciliation: events LEAN applied but never delivered to on_order_event (a dropped
connection, a failed handler) are found in LEAN's own order records at the check_timeouts cadence,
before the clock can roll back a group on their account."""

from __future__ import annotations

from typing import Any

import pytest

from executor_kit import condor_targets, flat_positions, group_orders, iron_condor, positions, settle, start

from atomic import GroupStatus
from leansim import LostEvents, Match, PartialFill

# Execution mode -> executor settings, and the entry orders whose fill events are lost: the last
# leg sent (a combo's fault covers every leg).
MODES: dict[str, tuple[dict[str, Any], Match]] = {
    "legged": ({}, Match(tag_contains="/entry/3/")),
    "sequential": ({"sequential_protective_legs": True}, Match(tag_contains="/entry/3/")),
    "combo": ({"execution_mode": "combo"}, Match(tag_contains="/combo/")),
}


def _portfolio(algo: Any) -> dict[str, int]:
    return {str(s): int(algo.portfolio[s].quantity) for s in algo.condor()}


@pytest.mark.parametrize("mode", MODES)
def test_live_lost_fill_event_is_found_in_leans_record_and_the_group_fills(mode: str) -> None:
    settings, lost = MODES[mode]
    sim, algo = start("live", [LostEvents(lost)], **settings)

    result = iron_condor(algo, 2)
    settle(sim, 70)

    assert result.status is GroupStatus.FILLED and bool(result)
    assert positions(sim, algo.condor()) == condor_targets(algo, 2) == _portfolio(algo)
    assert group_orders(sim, result.group_id, "rollback") == []
    assert any("was never delivered; applied from LEAN's order record" in e.message for e in result.view.log)
    assert algo.executor.halted == ""


def test_live_lost_long_fill_in_sequential_mode_is_known_before_the_timeout_rollback() -> None:
    """The shorts wait for a long whose FILLED event was lost: the group times out, but the rollback
    that follows reverses the long that really filled."""
    sim, algo = start("live", [LostEvents(Match(tag_contains="/entry/0/"))], sequential_protective_legs=True)

    result = iron_condor(algo, 2)
    settle(sim, 120)

    assert result.status is GroupStatus.ROLLED_BACK
    assert positions(sim, algo.condor()) == flat_positions(algo) == _portfolio(algo)
    assert sorted(o.quantity for o in group_orders(sim, result.group_id, "rollback")) == [-2, -2]


@pytest.mark.parametrize("mode", MODES)
def test_live_lost_partial_fill_then_timeout_rolls_back_the_real_quantity(mode: str) -> None:
    settings, lost = MODES[mode]
    if mode == "sequential":
        lost = Match(tag_contains="/entry/0/")  # a long: the shorts are never sent
    sim, algo = start("live", [LostEvents(lost), PartialFill(0.5, remainder="never", match=lost)], **settings)

    result = iron_condor(algo, 4)
    settle(sim, 180)

    assert result.status is GroupStatus.ROLLED_BACK
    assert positions(sim, algo.condor()) == flat_positions(algo) == _portfolio(algo)
    assert result.view.flat
    reversals = group_orders(sim, result.group_id, "rollback")
    assert sum(abs(o.filled) for o in reversals) == sum(abs(o.filled) for o in group_orders(sim, result.group_id, "entry"))
