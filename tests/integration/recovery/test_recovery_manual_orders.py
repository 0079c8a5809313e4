"""Every order loses its tag at a live restart, so an open order no record claims may be manual.
One in an option contract may be the trace of a deleted group record: it halts new groups. Any
other (a stock stop, say) is reported and alerted, and the executor goes on trading."""

from __future__ import annotations

from typing import Any

from recovery_kit import OPEN, STRUCTURES, host

from atomic import GroupStatus
from leansim import FaultPlan, Simulator


def _restart_with_a_resting_manual_order(option: bool) -> tuple[Simulator, Any]:
    sim = Simulator(mode="live", start=OPEN, cash=1_000_000, faults=FaultPlan(()))
    cls = host()
    algo = sim.start(cls)
    if option:
        algo.limit_order(algo.far_put, 1, 0.01, tag="manual")
    else:
        algo.limit_order(algo.spy, 10, 1.0, tag="manual")
    sim.advance(2)
    assert len(sim.open_broker_orders) == 1
    sim.crash()
    return sim, sim.restart(cls)


def test_an_untagged_stock_order_at_restart_is_reported_without_a_halt() -> None:
    sim, algo = _restart_with_a_resting_manual_order(option=False)

    report = algo.recovery
    assert len(report.unrecognized_orders) == 1 and "qty 10" in report.unrecognized_orders[0]
    assert any("Unrecognised open order" in e for e in sim.logs_at("ERROR"))
    assert not any("new groups halted" in e for e in sim.logs_at("ERROR"))
    assert algo.executor.halted == ""
    result = algo.executor.execute_iron_condor_atomic(*algo.condor(), STRUCTURES)
    sim.advance(10)
    assert result.status is GroupStatus.FILLED


def test_an_untagged_option_order_at_restart_halts_new_groups() -> None:
    sim, algo = _restart_with_a_resting_manual_order(option=True)

    assert "open option orders no record accounts for" in algo.executor.halted
    alert = next(e for e in sim.logs_at("ERROR") if "new groups halted" in e)
    assert "open option orders no record accounts for" in alert and "quarantined" not in alert
    result = algo.executor.execute_iron_condor_atomic(*algo.condor(), STRUCTURES)
    assert result.status is GroupStatus.REJECTED
