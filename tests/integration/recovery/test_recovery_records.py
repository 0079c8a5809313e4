"""Stored records recovery cannot trust: each corrupted kind is quarantined intact, with an alert, and
does not stop a valid incomplete group beside it from being recovered; seed (schema 1) records are
read but, lacking a holdings snapshot, held for the operator."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from recovery_kit import (
    ARCHIVE_PREFIX,
    LONG_CALL,
    MANUAL,
    OPEN,
    OPEN_PREFIX,
    QUARANTINE_PREFIX,
    SHORT_CALL,
    STRUCTURES,
    HostAlgorithm,
    Outcome,
    Trial,
    describe,
    host,
    newest_open_record,
    open_manual_positions,
    stored_records,
    violations,
)

from leansim import FaultPlan, Match, NeverFill, Simulator


def _unreadable(text: str) -> str:
    return text[: len(text) // 2]  # a torn write


def _mutated(change: Callable[[dict[str, Any]], None]) -> Callable[[str], str]:
    def corrupt(text: str) -> str:
        data = json.loads(text)
        del data["seq"], data["checksum"]  # as schema 2 wrote it: no checksum catches the change
        data["schema"] = 2
        change(data)
        return str(json.dumps(data))

    return corrupt


def _unknown_schema(data: dict[str, Any]) -> None:
    data["schema"] = 99


def _missing_fields(data: dict[str, Any]) -> None:
    del data["legs"][0]["quantity"]
    del data["timestamp"]


def _fractional_quantity(data: dict[str, Any]) -> None:
    data["legs"][0]["quantity"] = 2.5


def _garbled_contract_key(data: dict[str, Any]) -> None:
    """A key that is no security identifier (an option's without its underlying): not a contract
    the algorithm has yet to subscribe, which recovery resolves, but a record that does not read."""
    leg = data["legs"][0]  # the long call: filled 2, so it holds a position
    assert leg["filled_quantity"] == STRUCTURES
    leg["contract"].update(key="ZZZ OPTION usa 20240105 CALL 999 AMERICAN", ticker="ZZZ   240105C00999000",
                           underlying="ZZZ")
    leg["symbol"] = leg["contract"]["key"]


CORRUPTIONS: dict[str, Callable[[str], str]] = {
    "unreadable_json": _unreadable,
    "unknown_schema_version": _mutated(_unknown_schema),
    "missing_fields": _mutated(_missing_fields),
    "non_integer_quantity": _mutated(_fractional_quantity),
    "garbled_contract_key_holding_a_position": _mutated(_garbled_contract_key),
}


def _valid_partial(sim: Simulator, algo: HostAlgorithm) -> str:
    """A real group whose short call never fills: three legs filled, recovery must flatten it."""
    result = algo.executor.execute_iron_condor_atomic(*algo.condor(), STRUCTURES)
    sim.advance(3)
    algo.executor.check_timeouts()  # main.py's live schedule runs it every second: it writes the fills
    sim.advance(7)  # LEAN's timer has persisted them; the group is past its timeout when it dies
    assert [leg.filled for leg in result.view.legs] == [2, 2, 0, -2]
    return result.group_id


def _store_and_crash(sim: Simulator, algo: HostAlgorithm, records: dict[str, str]) -> None:
    """Write `records` through the algorithm's ObjectStore, let LEAN persist them, then kill it."""
    for key, text in records.items():
        assert algo.object_store.save(key, text)
    sim.advance(5)
    for key, text in records.items():
        assert sim.stored[key] == text
    sim.crash()


@pytest.mark.parametrize("kind", list(CORRUPTIONS))
def test_a_corrupted_record_is_quarantined_and_a_valid_group_beside_it_still_recovered(kind: str) -> None:
    never = NeverFill(Match(symbol=SHORT_CALL.value, tag_contains="/entry/"))
    sim = Simulator(mode="live", start=OPEN, cash=1_000_000, faults=FaultPlan((never,)))
    cls = host()
    algo = sim.start(cls)
    open_manual_positions(sim, algo)
    valid = _valid_partial(sim, algo)
    bad_id = f"corrupt-{kind.replace('_', '-')}"
    text = CORRUPTIONS[kind](json.dumps(newest_open_record(sim.stored, valid)))
    _store_and_crash(sim, algo, {OPEN_PREFIX + bad_id: text})

    restarted = sim.restart(cls)
    report = restarted.recovery
    where = QUARANTINE_PREFIX + bad_id
    assert [w for w, _ in report.quarantined] == [where], report
    assert restarted.object_store.read(where) == text  # moved aside intact
    assert OPEN_PREFIX + bad_id not in restarted.object_store.keys
    errors = sim.logs_at("ERROR")
    assert any("quarantined" in e and bad_id in e for e in errors), errors

    assert [g.group_id for g in report.groups] == [valid]
    assert report.groups[0].decision == "flatten partial"
    sim.advance(300)
    assert restarted.executor.get_group(valid).status.value == "ROLLED_BACK"
    assert sim.stored[where] == text  # persisted by LEAN's timer since
    outcome = Outcome(Trial("parallel", "never_fills"), sim, restarted, {})
    assert not violations(outcome), describe(outcome)


def test_a_quarantined_record_survives_a_crash_right_after_recovery() -> None:
    """Quarantine moves the text; the copy must reach the disk before the original is deleted, or a
    crash right after recovery loses the operator's only evidence."""
    sim = Simulator(mode="live", start=OPEN, cash=1_000_000)
    cls = host()
    algo = sim.start(cls)
    text = '{"schema": 2, "group_id": "torn'
    _store_and_crash(sim, algo, {OPEN_PREFIX + "torn": text})
    restarted = sim.restart(cls)
    assert [w for w, _ in restarted.recovery.quarantined] == [QUARANTINE_PREFIX + "torn"]
    sim.crash()  # before LEAN's 5 s timer persists the quarantine copy
    on_disk = sim.stored
    assert on_disk.get(QUARANTINE_PREFIX + "torn") == text or on_disk.get(OPEN_PREFIX + "torn") == text, (
        f"the corrupted record is gone from the store: {sorted(on_disk)}")


def test_a_seed_schema_record_is_read_and_held_for_the_operator() -> None:
    """Schema 1 (the seed's) recorded no fills, ids or holdings snapshot: recovery cannot tell the seed's
    fills from anyone else's, so it holds the group (executor halted) instead of guessing."""
    sim = Simulator(mode="live", start=OPEN, cash=1_000_000)
    cls = host()
    algo = sim.start(cls)
    open_manual_positions(sim, algo)
    for symbol, quantity in ((LONG_CALL, 2), (SHORT_CALL, -2)):  # what the seed had filled
        algo.market_order(symbol, quantity, tag="seed")
    sim.advance(2)
    seed = {
        "group_id": "seed-1", "strategy": "Friday_0DTE", "timestamp": "2024-01-02T10:00:00", "status": "PENDING",
        "legs": [{"symbol": str(LONG_CALL.id), "quantity": 2, "status": "FILLED"},
                 {"symbol": str(SHORT_CALL.id), "quantity": -2, "status": "FILLED"}],
    }
    _store_and_crash(sim, algo, {OPEN_PREFIX + "seed-1": json.dumps(seed)})
    positions = dict(sim.positions)

    restarted = sim.restart(cls)
    report = restarted.recovery
    assert report.quarantined == [], report
    [entry] = report.groups
    assert entry.group_id == "seed-1" and entry.decision == "hold: fills unknown", report
    assert restarted.executor.halted and "seed-1" in restarted.executor.halted
    assert any("seed-1" in e for e in sim.logs_at("ERROR"))
    sim.advance(120)
    assert sim.positions == positions and entry.orders_placed == []
    assert [v.group_id for v in restarted.executor.open_groups()] == ["seed-1"]
    assert OPEN_PREFIX + "seed-1" in restarted.object_store.keys and stored_records(restarted, ARCHIVE_PREFIX) == {}
    refused = restarted.executor.execute_iron_condor_atomic(*restarted.condor(), STRUCTURES)
    assert refused.status.value == "REJECTED" and "halted" in refused.reason
    assert {s: sim.position(s) for s in MANUAL} == MANUAL
