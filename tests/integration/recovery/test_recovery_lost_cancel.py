"""A cancel LEAN answered but never sent: the live process died in between (issue 9, item 1).

`ticket.cancel()` returns success and delivers CANCEL_PENDING at once; the request reaches the
brokerage later, from LEAN's transaction thread (BrokerageTransactionHandler.CancelOrder). A crash
in that gap (the double's `before_cancel` crash point) leaves the order working at the brokerage
while the stored group says "cancel requested". After the restart recovery must cancel it again:
the persisted flag is a hint, not a fact.
"""

from __future__ import annotations

import pytest
from recovery_kit import (
    EXECUTION_MODES,
    OPEN,
    SHORT_CALL,
    STRUCTURES,
    CrashAt,
    Outcome,
    Trial,
    describe,
    host,
    open_manual_positions,
    violations,
)

from executor_kit import EverySecondHost, newest_open_record
from leansim import FaultPlan, Match, NeverFill, SimulatedCrash, Simulator

HANGING_SHORT_CALL = NeverFill(Match(symbol=SHORT_CALL.value, tag_contains="/entry/"))


@pytest.mark.parametrize("dead_seconds", [0.0, 30.0], ids=lambda s: f"dead{s:g}s")
@pytest.mark.parametrize("mode", list(EXECUTION_MODES))
def test_a_cancel_lost_in_a_live_crash_is_sent_again_after_the_restart(mode: str, dead_seconds: float) -> None:
    """One entry hangs, the group times out, the rollback records "cancel requested" and calls
    cancel(); the process dies before LEAN sends it. After restart and recovery the hanging order
    is cancelled, every fill is reversed, nothing of the group is left working."""
    sim = Simulator(mode="live", start=OPEN, cash=1_000_000,
                    faults=FaultPlan((HANGING_SHORT_CALL, CrashAt("before_cancel"))))
    cls = host(**EXECUTION_MODES[mode])
    algo = sim.start(cls)
    open_manual_positions(sim, algo)
    result = algo.executor.execute_iron_condor_atomic(*algo.condor(), STRUCTURES)
    with pytest.raises(SimulatedCrash, match="before_cancel"):
        sim.advance(300)
    stored = newest_open_record(sim.stored, result.group_id)
    requested = [o for leg in stored["legs"] for o in leg["orders"] if o["state"] == "CANCEL_PENDING"]
    assert requested, "the rollback's cancel request should have been saved before cancel() was called"
    hanging = [o for o in sim.open_broker_orders if result.group_id in o.tag and "/entry/" in o.tag]
    assert hanging, "the crash should leave the hanging entry working at the brokerage"

    sim.advance(dead_seconds)
    restarted = sim.restart(cls)
    sim.advance(300)

    outcome = Outcome(Trial(mode, "never_fills", (CrashAt("before_cancel"),), dead_seconds), sim, restarted, {})
    problems = violations(outcome)
    assert not problems, f"{problems}\n{describe(outcome)}"
    assert [o.status.name for o in hanging] == ["CANCELED"] * len(hanging)
    assert restarted.executor.get_group(result.group_id).status.value == "ROLLED_BACK"  # type: ignore[union-attr]
    assert not restarted.executor.halted


@pytest.mark.parametrize("mode", ["parallel", "sequential"])
def test_a_lost_cancel_of_a_hanging_reversal_is_sent_again_and_the_rollback_completes(mode: str) -> None:
    """The rollback's first reversal hangs too; once stale it is cancelled, and that cancel is the
    one the crash loses. Recovery lets the rollback go on with its reversal, and the rollback,
    no longer believing a cancel is on its way, cancels it again and sends a new one. (Timeouts
    are checked every second, as main.py does live, so the rollback is not failed first.)"""
    hanging_reversal = NeverFill(Match(tag_contains="/rollback/"))
    sim = Simulator(mode="live", start=OPEN, cash=1_000_000,
                    faults=FaultPlan((HANGING_SHORT_CALL, hanging_reversal, CrashAt("before_cancel", 2))))
    cls = host(base=EverySecondHost, **EXECUTION_MODES[mode])
    algo = sim.start(cls)
    open_manual_positions(sim, algo)
    result = algo.executor.execute_iron_condor_atomic(*algo.condor(), STRUCTURES)
    with pytest.raises(SimulatedCrash, match="before_cancel #2"):
        sim.advance(300)
    [reversal] = [o for o in sim.open_broker_orders if result.group_id in o.tag and "/rollback/" in o.tag]

    restarted = sim.restart(cls)
    sim.advance(300)

    outcome = Outcome(Trial(mode, "never_fills", (CrashAt("before_cancel", 2),)), sim, restarted, {})
    problems = violations(outcome)
    assert not problems, f"{problems}\n{describe(outcome)}"
    assert reversal.status.name == "CANCELED"
    assert restarted.executor.get_group(result.group_id).status.value == "ROLLED_BACK"  # type: ignore[union-attr]
