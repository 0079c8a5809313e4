"""Recovery reads the groups archived since the oldest group it must infer fills for (their
positions are not that group's). An archive record that no longer reads explains no position:
recovery says so, naming the key, instead of skipping it without a word."""

from __future__ import annotations

from recovery_kit import ARCHIVE_PREFIX, OPEN, SHORT_CALL, STRUCTURES, host

from atomic import GroupStatus
from leansim import FaultPlan, Match, NeverFill, Simulator


def test_an_unreadable_archive_record_read_at_recovery_is_alerted() -> None:
    sim = Simulator(mode="live", start=OPEN, cash=1_000_000,
                    faults=FaultPlan((NeverFill(Match(symbol=SHORT_CALL.value, tag_contains="/entry/")),)))
    cls = host(atomic_order_timeout=600)
    algo = sim.start(cls)
    hanging = algo.executor.execute_iron_condor_atomic(*algo.condor(), STRUCTURES)
    sim.advance(3)  # its short call rests at the brokerage
    settled = algo.executor.execute_iron_condor_atomic(*algo.condor(), STRUCTURES)
    sim.advance(5)
    assert (hanging.status, settled.status) == (GroupStatus.PENDING, GroupStatus.FILLED)
    [key] = [k for k in algo.object_store.keys if k.startswith(ARCHIVE_PREFIX) and settled.group_id in k]
    assert algo.object_store.save(key, "{torn")
    sim.advance(6)  # LEAN's timer persists it
    sim.crash()

    sim.restart(cls)

    alerts = [m for m in sim.logs_at("ERROR") if m.startswith("Unreadable archive record")]
    assert len(alerts) == 1 and key in alerts[0]
