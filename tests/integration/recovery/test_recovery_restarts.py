"""Restarts without new activity, the gate on new groups, and backtests that meet earlier records."""

from __future__ import annotations

import json
import uuid
from typing import Any, Literal

import pytest

from recovery_kit import (
    ARCHIVE_PREFIX,
    CONDOR_QUANTITY,
    MANUAL,
    OPEN,
    OPEN_PREFIX,
    SHORT_CALL,
    STRUCTURES,
    CrashAt,
    HostAlgorithm,
    Outcome,
    Trial,
    describe,
    host,
    namespace,
    open_manual_positions,
    stored_records,
    violations,
)

from leansim import FaultPlan, Match, NeverFill, SimulatedCrash, Simulator

NEVER_SHORT_CALL = NeverFill(Match(symbol=SHORT_CALL.value, tag_contains="/entry/"))


def _partial_then_crash(mode: Literal["live", "backtest"] = "live", **overrides: Any) -> tuple[Simulator, type[HostAlgorithm], str]:
    """Manual positions, then a condor whose short call never fills (three legs filled), then a crash
    before the timeout: the stored group is a partial fill that recovery must deal with."""
    sim = Simulator(mode=mode, start=OPEN, cash=1_000_000, faults=FaultPlan((NEVER_SHORT_CALL,)))
    cls = host(**overrides)
    algo = sim.start(cls)
    open_manual_positions(sim, algo)
    result = algo.executor.execute_iron_condor_atomic(*algo.condor(), STRUCTURES)
    sim.advance(10)
    assert [leg.filled for leg in result.view.legs] == [2, 2, 0, -2], result.view
    sim.crash()
    return sim, cls, result.group_id


def _snapshot(sim: Simulator) -> tuple[dict[str, float], list[tuple[str, str, float]], list[str]]:
    """Positions, every brokerage order (id, status, filled) and the open/archive keys on disk."""
    orders = [(o.broker_id, o.status.name, o.filled) for o in sim.broker_orders]
    keys = sorted(k for k in sim.stored if k.startswith((OPEN_PREFIX, ARCHIVE_PREFIX)))
    return {s.value: q for s, q in sim.positions.items()}, orders, keys


# --- double restart -----------------------------------------------------------------------------------


def test_a_second_restart_after_recovery_settled_changes_nothing() -> None:
    sim, cls, group_id = _partial_then_crash()
    first = sim.restart(cls)
    sim.advance(300)
    assert [g.group_id for g in first.recovery.groups] == [group_id]
    assert first.executor.get_group(group_id).status.value == "ROLLED_BACK"
    before = _snapshot(sim)

    second = sim.restart(cls)  # no new activity since
    sim.advance(300)
    assert str(second.recovery).startswith("recovery: 0 incomplete groups, 0 quarantined, 0 orphan orders")
    assert _snapshot(sim) == before
    assert second.executor.halted == ""
    assert not violations(Outcome(Trial("legged", "never_fills"), sim, second, {}))


def test_restarting_again_while_recoverys_orders_are_in_flight_places_nothing_twice() -> None:
    """Restart, let recovery cancel and send its reversals, and restart again at once, before any of
    them fills: the second recovery finds them (by broker id) instead of sending them again."""
    sim, cls, group_id = _partial_then_crash()
    first = sim.restart(cls)
    placed_by_first = first.recovery.groups[0].orders_placed
    assert placed_by_first, first.recovery
    entries = [o.broker_id for o in sim.broker_orders if "/entry/" in o.tag]

    second = sim.restart(cls)  # same instant: recovery's orders are still open at the brokerage
    assert [g.group_id for g in second.recovery.groups] == [group_id], second.recovery
    assert second.recovery.groups[0].orders_placed == [], second.recovery
    sim.advance(300)
    # One reversal per filled leg (short first, then the longs it covered), none sent twice.
    reversals = sorted(o.tag.split("/", 2)[2] for o in sim.broker_orders if "/rollback/" in o.tag)
    assert reversals == ["rollback/0/1", "rollback/1/1", "rollback/3/1"], reversals
    assert [o.broker_id for o in sim.broker_orders if "/entry/" in o.tag] == entries
    outcome = Outcome(Trial("legged", "never_fills"), sim, second, {})
    assert not violations(outcome), describe(outcome)


# --- the gate on new groups ---------------------------------------------------------------------------


class _NoRecoveryYet(HostAlgorithm):
    """Leaves recovery to the test, to see the executor before it has run."""

    def on_warmup_finished(self) -> None:
        self.recovery = None


def test_new_groups_are_refused_until_recovery_has_run_then_accepted() -> None:
    sim = Simulator(mode="live", start=OPEN, cash=1_000_000)
    algo = sim.start(_NoRecoveryYet)
    refused = algo.executor.execute_iron_condor_atomic(*algo.condor(), STRUCTURES)
    assert refused.status.value == "REJECTED" and "recovery has not run" in refused.reason
    assert sim.broker_orders == [] and algo.object_store.keys == []

    algo.recovery = algo.executor.check_and_recover_incomplete_orders()
    accepted = algo.executor.execute_iron_condor_atomic(*algo.condor(), STRUCTURES)
    sim.advance(30)
    assert accepted.status.value == "FILLED" and bool(accepted)
    assert {s: sim.position(s) for s in algo.condor()} == CONDOR_QUANTITY


def test_after_a_restart_new_groups_wait_for_recovery_of_the_stored_one() -> None:
    sim, _, group_id = _partial_then_crash()
    positions = dict(sim.positions)
    algo = sim.restart(_NoRecoveryYet)
    refused = algo.executor.execute_iron_condor_atomic(*algo.condor(), STRUCTURES)
    assert refused.status.value == "REJECTED" and "recovery has not run" in refused.reason
    assert sim.positions == positions  # nothing traded, the stored partial untouched so far

    algo.recovery = algo.executor.check_and_recover_incomplete_orders()
    assert [g.group_id for g in algo.recovery.groups] == [group_id]
    sim.advance(120)
    assert algo.executor.get_group(group_id).status.value == "ROLLED_BACK"
    accepted = algo.executor.execute_iron_condor_atomic(*algo.condor(), STRUCTURES)
    sim.advance(30)
    assert accepted.status.value == "FILLED"
    assert {s: sim.position(s) - MANUAL.get(s, 0) for s in algo.condor()} == CONDOR_QUANTITY


# --- backtests ----------------------------------------------------------------------------------------


def test_a_backtest_sets_earlier_backtests_records_aside_without_trading() -> None:
    """A backtest starts from a fresh account: a group left open by an earlier backtest in the same
    storage folder is archived with a note, never reconciled or traded; live records are not touched."""
    earlier = Simulator(mode="backtest", start=OPEN, cash=1_000_000, faults=FaultPlan((NEVER_SHORT_CALL,)))
    algo = earlier.start(host())
    left_open = algo.executor.execute_iron_condor_atomic(*algo.condor(), STRUCTURES)
    assert left_open.status.value == "PENDING"
    live_record = json.dumps({"note": "a live deployment's record, unreadable on purpose"})
    algo.object_store.save(OPEN_PREFIX + "live-group", live_record)
    earlier.stop()
    storage = dict(earlier.store.disk)
    backtest_open = f"{namespace('backtest')}/open/{left_open.group_id}"
    assert backtest_open in storage

    sim = Simulator(mode="backtest", start=OPEN, cash=1_000_000)  # a new backtest, same storage folder
    sim.store.load(storage)
    algo = sim.start(host())
    report = algo.recovery
    assert report.set_aside == [left_open.group_id] and report.groups == [] and report.quarantined == []
    assert sim.broker_orders == [] and sim.positions == {}
    keys = algo.object_store.keys
    assert backtest_open not in keys
    [archived] = [k for k in keys if k.startswith(f"{namespace('backtest')}/archive/")]
    record = json.loads(algo.object_store.read(archived))
    assert record["group_id"] == left_open.group_id and record["status"] == "PENDING"
    assert any("set aside" in message for _, _, message in record["log"])
    assert algo.object_store.read(OPEN_PREFIX + "live-group") == live_record  # the live namespace is not ours
    assert algo.executor.halted == "" and sim.logs_at("ERROR") == []

    fresh = algo.executor.execute_iron_condor_atomic(*algo.condor(), STRUCTURES)
    assert fresh.status.value == "FILLED"
    assert stored_records(algo, ARCHIVE_PREFIX) == {}  # the backtest never writes the live namespace


# --- groups created in the same instant -----------------------------------------------------------


@pytest.mark.parametrize("first_id_sorts", ["first", "last"])
def test_two_groups_created_together_each_keep_their_own_orders(first_id_sorts: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Two condors placed in one instant, the process dies with the first one's longs filled and the
    second one's longs resting. Neither is newer, so whichever recovery takes first must not read the
    other's resting orders as orders of unknown origin and hold itself with its longs still on."""
    ids = [uuid.UUID(int=1), uuid.UUID(int=2)]
    if first_id_sorts == "last":
        ids.reverse()
    fresh = iter(ids)
    monkeypatch.setattr(uuid, "uuid4", lambda: next(fresh))
    sim = Simulator(mode="live", start=OPEN, cash=1_000_000, faults=FaultPlan((CrashAt("after_fill", 2),)))
    cls = host()  # the default: protective sequential legs, so the shorts wait for the longs
    algo = sim.start(cls)
    first = algo.executor.execute_iron_condor_atomic(*algo.condor(), 1)
    second = algo.executor.execute_iron_condor_atomic(*algo.condor(), 1)
    with pytest.raises(SimulatedCrash):
        sim.advance(1)
    restarted = sim.restart(cls)
    sim.advance(300)

    assert restarted.executor.halted == "", restarted.recovery
    decisions = {entry.group_id: entry.decision for entry in restarted.recovery.groups}
    assert "hold: fills unknown" not in decisions.values(), decisions
    for result in (first, second):
        view = restarted.executor.get_group(result.group_id)
        assert view is not None and (view.complete or view.flat), view
    assert {str(s): sim.position(s) for s in algo.condor()} == {str(s): 0 for s in algo.condor()}
    assert sim.open_broker_orders == []
