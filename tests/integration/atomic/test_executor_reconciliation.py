"""In-session reconciliation: events LEAN applied but never delivered to on_order_event (a dropped
connection, a failed handler) are found in LEAN's own order records at the check_timeouts cadence,
before the clock can roll back a group on their account."""

from __future__ import annotations

import pytest

from executor_kit import (
    EXECUTION_MODES,
    EverySecondHost,
    condor_targets,
    flat_positions,
    group_orders,
    iron_condor,
    portfolio,
    positions,
    settle,
    start,
)

from atomic import GroupStatus
from leansim import LostEvents, Match, PartialFill

# Execution mode -> the entry orders whose fill events are lost: the last leg sent (a combo's fault
# covers every leg).
LOST = {"parallel": Match(tag_contains="/entry/3/"), "sequential": Match(tag_contains="/entry/3/"),
        "combo": Match(tag_contains="/combo/")}


@pytest.mark.parametrize("mode", EXECUTION_MODES)
def test_live_lost_fill_event_is_found_in_leans_record_and_the_group_fills(mode: str) -> None:
    sim, algo = start("live", [LostEvents(LOST[mode])], **EXECUTION_MODES[mode])

    result = iron_condor(algo, 2)
    settle(sim, 70)

    assert result.status is GroupStatus.FILLED and bool(result)
    assert positions(sim, algo.condor()) == condor_targets(algo, 2) == portfolio(algo)
    assert group_orders(sim, result.group_id, "rollback") == []
    assert any("was never delivered; applied from LEAN's order record" in e.message for e in result.view.log)
    assert algo.executor.halted == ""


@pytest.mark.parametrize("mode", EXECUTION_MODES)
def test_live_lost_fill_is_found_before_the_timeout_checked_every_second_rolls_back(mode: str) -> None:
    """Checked each second, the group times out long before its minute's reconciliation: the
    rollback decision itself looks at LEAN's records first."""
    sim, algo = start("live", [LostEvents(LOST[mode])], base=EverySecondHost, **EXECUTION_MODES[mode])

    result = iron_condor(algo, 2)
    settle(sim, 10)

    assert result.status is GroupStatus.FILLED and bool(result)
    assert positions(sim, algo.condor()) == condor_targets(algo, 2) == portfolio(algo)
    assert group_orders(sim, result.group_id, "rollback") == []


def test_live_lost_long_fill_in_sequential_mode_is_known_before_the_timeout_rollback() -> None:
    """The shorts wait for a long whose FILLED event was lost: the group times out, but the rollback
    that follows reverses the long that really filled."""
    sim, algo = start("live", [LostEvents(Match(tag_contains="/entry/0/"))], sequential_protective_legs=True)

    result = iron_condor(algo, 2)
    settle(sim, 120)

    assert result.status is GroupStatus.ROLLED_BACK
    assert positions(sim, algo.condor()) == flat_positions(algo) == portfolio(algo)
    assert sorted(o.quantity for o in group_orders(sim, result.group_id, "rollback")) == [-2, -2]


@pytest.mark.parametrize("mode", EXECUTION_MODES)
def test_live_lost_partial_fill_then_timeout_rolls_back_the_real_quantity(mode: str) -> None:
    # Sequential: a long, so the shorts are never sent.
    lost = Match(tag_contains="/entry/0/") if mode == "sequential" else LOST[mode]
    faults = [LostEvents(lost), PartialFill(0.5, remainder="never", match=lost)]
    sim, algo = start("live", faults, **EXECUTION_MODES[mode])

    result = iron_condor(algo, 4)
    settle(sim, 180)

    assert result.status is GroupStatus.ROLLED_BACK
    assert positions(sim, algo.condor()) == flat_positions(algo) == portfolio(algo)
    assert result.view.flat
    entries, reversals = (group_orders(sim, result.group_id, role) for role in ("entry", "rollback"))
    assert sum(abs(o.filled) for o in reversals) == sum(abs(o.filled) for o in entries) > 0


def test_a_quiet_group_is_reconciled_within_a_minute_long_before_its_timeout() -> None:
    sim, algo = start("live", [LostEvents(LOST["parallel"])], base=EverySecondHost, atomic_order_timeout=600)

    result = iron_condor(algo, 2)
    settle(sim, 30)
    assert result.status is GroupStatus.PENDING  # the lost FILLED event is not known yet
    settle(sim, 31)

    assert result.status is GroupStatus.FILLED and bool(result)
    assert positions(sim, algo.condor()) == condor_targets(algo, 2)
