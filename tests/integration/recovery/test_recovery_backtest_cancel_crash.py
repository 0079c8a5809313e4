"""The cancel-in-flight crash point in backtests. A backtest's cancel reaches its brokerage inside
the call (no transaction thread), so `before_cancel` fires inside the rollback's cancel of the order
that never fills. The next backtest over the same storage folder starts from a fresh account: it
sets the unfinished group aside (never reconciles or trades it), is not halted, and trades."""

from __future__ import annotations

import pytest
from recovery_kit import BACKTEST, EXECUTION_MODES, OPEN, STRUCTURES, CrashAt, backtest_group, group_ids_traded, host

from leansim import Simulator


@pytest.mark.parametrize("mode", list(EXECUTION_MODES))
def test_backtest_crash_before_a_cancel_reaches_the_brokerage_is_set_aside_next_run(mode: str) -> None:
    reference, _ = backtest_group(mode, "never_fills", None)
    points = [CrashAt("before_cancel", n) for n in range(1, reference.counters["before_cancel"] + 1)]
    assert points, "the rollback cancelled nothing"
    for point in points:
        earlier, group_id = backtest_group(mode, "never_fills", point)
        assert not earlier.alive, f"{point} did not fire"
        sim = Simulator(mode="backtest", start=OPEN, cash=1_000_000)
        sim.store.load(dict(earlier.store.disk))
        algo = sim.start(host(**EXECUTION_MODES[mode]))

        report = algo.recovery
        assert report.set_aside == [group_id] and not report.quarantined, f"{point}: {report}"
        assert algo.executor.halted == "", f"{point}: {report}"
        assert not [k for k in algo.object_store.keys if k.startswith(BACKTEST + "open/")]
        assert not group_ids_traded(sim), f"{point}: the set-aside group traded"
        fresh = algo.executor.execute_iron_condor_atomic(*algo.condor(), STRUCTURES)
        assert fresh.status.value == "FILLED", f"{point}: {fresh.reason}"
