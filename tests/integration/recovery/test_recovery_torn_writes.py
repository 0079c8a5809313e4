"""Torn and lost group records: LEAN's LocalObjectStore persists with File.WriteAllBytes, which is not
atomic, so a crash while it writes leaves that file truncated (Engine/Storage/LocalObjectStore.cs,
PersistData). A torn newest version must fall back to the previous durable one; when no readable
version is left (or the record was deleted) recovery must halt new groups and name what nobody
accounts for, and never call that a clean recovery."""

from __future__ import annotations

import json

from recovery_kit import (
    MANUAL,
    OPEN,
    OPEN_PREFIX,
    SCENARIOS,
    SHORT_CALL,
    STRUCTURES,
    HostAlgorithm,
    Outcome,
    Trial,
    describe,
    host,
    open_manual_positions,
    violations,
)

from leansim import FaultPlan, Simulator


def _slots_on_disk(sim: Simulator, group_id: str) -> dict[str, dict[str, object]]:
    """The group's open records on disk (readable ones), by key."""
    found = {}
    for key, text in sim.stored.items():
        if key.startswith(OPEN_PREFIX + group_id):
            try:
                found[key] = json.loads(text)
            except ValueError:
                continue
    return found


def _newest_slot(sim: Simulator, group_id: str) -> str:
    slots = _slots_on_disk(sim, group_id)
    return max(slots, key=lambda key: int(slots[key].get("seq", 0)))  # type: ignore[call-overload]


def _tear(sim: Simulator, key: str) -> None:
    """What a crash inside File.WriteAllBytes leaves: the first half of the file."""
    data = sim.store.disk[key]
    sim.store.disk[key] = data[: len(data) // 2]


def _three_legs_filled(cls: type[HostAlgorithm]) -> tuple[Simulator, HostAlgorithm, str]:
    """The issue's scenario: a live condor whose short call never fills; the three other legs fill and
    LEAN's timer persists the record with their fills; the group is past its timeout when it dies."""
    sim = Simulator(mode="live", start=OPEN, cash=1_000_000, faults=FaultPlan(SCENARIOS["never_fills"]))
    algo = sim.start(cls)
    open_manual_positions(sim, algo)
    result = algo.executor.execute_iron_condor_atomic(*algo.condor(), STRUCTURES)
    sim.advance(3)
    algo.executor.check_timeouts()  # main.py's live schedule runs it every second: it writes the fills
    sim.advance(7)
    assert [leg.filled for leg in result.view.legs] == [2, 2, 0, -2]
    return sim, algo, result.group_id


def test_a_torn_newest_record_falls_back_to_the_previous_version_and_the_group_is_flattened() -> None:
    cls = host()
    sim, algo, group_id = _three_legs_filled(cls)
    _tear(sim, _newest_slot(sim, group_id))
    sim.crash()

    restarted = sim.restart(cls)
    report = restarted.recovery
    assert [g.group_id for g in report.groups] == [group_id], report
    assert report.quarantined == [] and report.groups[0].decision == "flatten partial", report
    sim.advance(300)
    assert restarted.executor.get_group(group_id).status.value == "ROLLED_BACK", report
    assert sim.open_broker_orders == []
    outcome = Outcome(Trial("legged", "never_fills"), sim, restarted, {})
    assert not violations(outcome), describe(outcome)
    assert {s: sim.position(s) for s in MANUAL} == MANUAL and sim.position(SHORT_CALL) == 0
