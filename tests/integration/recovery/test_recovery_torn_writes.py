"""Torn and lost group records: LEAN's LocalObjectStore persists with File.WriteAllBytes, which is not
atomic, so a crash while it writes leaves that file truncated (Engine/Storage/LocalObjectStore.cs,
PersistData). A torn newest version must fall back to the previous durable one; when no readable
version is left (or the record was deleted) recovery must halt new groups and name what nobody
accounts for, and never call that a clean recovery."""

from __future__ import annotations

from functools import cache

import pytest
from recovery_kit import (
    ARCHIVE_PREFIX,
    BACKTEST,
    EXECUTION_MODES,
    LONG_CALL,
    LONG_PUT,
    MANUAL,
    OPEN,
    OPEN_PREFIX,
    QUARANTINE_PREFIX,
    SCENARIOS,
    SHORT_CALL,
    SHORT_PUT,
    STRUCTURES,
    CrashAt,
    HostAlgorithm,
    Outcome,
    Trial,
    backtest_group,
    crash_points_between,
    delete_open_record,
    describe,
    group_ids_traded,
    host,
    namespace,
    newest_open_key,
    open_manual_positions,
    run_trial,
    stored_records,
    violations,
)

from leansim import FaultPlan, Simulator
from leansim.enums import OrderStatus


def _tear(sim: Simulator, key: str) -> None:
    """What a crash inside File.WriteAllBytes leaves on disk: the first half of the file."""
    sim.store.tear(key, sim.store.disk[key])


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
    _tear(sim, newest_open_key(sim.stored, group_id))
    sim.crash()

    restarted = sim.restart(cls)
    report = restarted.recovery
    assert [g.group_id for g in report.groups] == [group_id], report
    assert report.quarantined == [] and report.groups[0].decision == "flatten partial", report
    sim.advance(300)
    assert restarted.executor.get_group(group_id).status.value == "ROLLED_BACK", report
    assert sim.open_broker_orders == []
    outcome = Outcome(Trial("parallel", "never_fills"), sim, restarted, {})
    assert not violations(outcome), describe(outcome)
    assert {s: sim.position(s) for s in MANUAL} == MANUAL and sim.position(SHORT_CALL) == 0


# --- no readable version left ----------------------------------------------------------------------


def _lost_and_restarted(lose: str) -> tuple[Simulator, HostAlgorithm, str]:
    """The issue's scenario, then every slot of the group's record torn ("torn") or deleted by hand
    ("deleted"), then a crash and a restart."""
    cls = host(alert_email="ops@example.com")
    sim, algo, group_id = _three_legs_filled(cls)
    if lose == "torn":
        for key in [k for k in sim.stored if k.startswith(OPEN_PREFIX + group_id)]:
            _tear(sim, key)
    else:
        delete_open_record(algo, group_id)
    sim.crash()
    return sim, sim.restart(cls), group_id


@pytest.mark.parametrize("lose", ["torn", "deleted"])
def test_a_lost_record_halts_new_groups_and_names_what_nobody_accounts_for(lose: str) -> None:
    sim, restarted, group_id = _lost_and_restarted(lose)
    report = restarted.recovery
    [resting] = sim.open_broker_orders  # the short call's entry order, still working
    executor = restarted.executor

    assert executor.halted, report
    assert not report.clean and str(report).startswith("recovery NOT CLEAN"), report
    assert len(report.unrecognized_orders) == 1 and resting.broker_id in report.unrecognized_orders[0]
    unaccounted = " ".join(report.unaccounted_positions)
    for symbol in (LONG_CALL, LONG_PUT, SHORT_PUT):  # the three legs that filled (the short put beside 3 manual)
        assert symbol.value in unaccounted, report
    [alert] = [e for e in sim.logs_at("ERROR") if e.startswith("Group records lost")]
    [email] = [n for n in sim.notifications if n.kind == "email" and n.args[1].startswith("Group records lost")]
    assert email.args[0] == "ops@example.com" and email.args[2] in alert
    assert resting.broker_id in alert and LONG_CALL.value in alert and LONG_PUT.value in alert
    if lose == "torn":
        where = [QUARANTINE_PREFIX + group_id, QUARANTINE_PREFIX + group_id + ".alt"]
        assert report.quarantined and report.quarantined[0][0] == ", ".join(where), report
        assert all(w in alert for w in where) and all(w in sim.stored for w in where)
        assert not [k for k in restarted.object_store.keys if k.startswith(OPEN_PREFIX)]

    refused = executor.execute_iron_condor_atomic(*restarted.condor(), STRUCTURES)
    assert refused.status.value == "REJECTED" and "halted" in refused.reason
    assert resting.status == OrderStatus.SUBMITTED  # not ours beyond doubt after a live restart: reported
    sim.advance(60)
    assert {s: sim.position(s) - MANUAL.get(s, 0) for s in restarted.condor()} == {
        SHORT_CALL: 0, LONG_CALL: 2, SHORT_PUT: -2, LONG_PUT: 2}  # nothing traded on a guess

    executor.resume()  # the operator has dealt with it
    assert executor.execute_put_spread_atomic(restarted.short_put, restarted.far_put, 1).status.value != "REJECTED"


def test_a_tagged_order_whose_record_is_gone_is_cancelled_and_halts_new_groups() -> None:
    """Recovery run again in the same run: the tag names the group, so the order is ours and is
    cancelled; the group's fills are still nobody's, so new groups are refused."""
    sim = Simulator(mode="live", start=OPEN, cash=1_000_000, faults=FaultPlan(SCENARIOS["never_fills"]))
    algo = sim.start(host())
    result = algo.executor.execute_iron_condor_atomic(*algo.condor(), STRUCTURES)
    sim.advance(2)
    delete_open_record(algo, result.group_id)
    report = algo.executor.check_and_recover_incomplete_orders()
    assert len(report.orphan_orders) == 1 and algo.executor.halted and not report.clean, report
    unaccounted = " ".join(report.unaccounted_positions)
    assert LONG_CALL.value in unaccounted and LONG_PUT.value in unaccounted, report


def test_a_clean_restart_is_reported_clean() -> None:
    cls = host()
    sim = Simulator(mode="live", start=OPEN, cash=1_000_000)
    algo = sim.start(cls)
    open_manual_positions(sim, algo)  # manual positions alone are nobody's business
    result = algo.executor.execute_iron_condor_atomic(*algo.condor(), STRUCTURES)
    sim.advance(10)
    assert result.status.value == "FILLED"
    sim.crash()
    report = sim.restart(cls).recovery
    assert report.clean and report.unaccounted_positions == [], report
    assert str(report).startswith("recovery: 0 incomplete groups, 0 quarantined")


# --- a torn write at every write of a group's life ---------------------------------------------------

SCENARIOS_TORN = ("clean", "never_fills")


@cache
def _torn_points(mode: str, scenario: str) -> tuple[CrashAt, ...]:
    """Every file the group's life writes to disk (each is a torn_write crash point): its intent,
    the versions LEAN's timer persists, the rollback's write-ahead records, its archive copy."""
    reference = run_trial(Trial(mode, scenario))
    assert not violations(reference), describe(reference)
    return tuple(p for p in crash_points_between(reference.baseline, reference.sim.counters) if p.point == "torn_write")


@pytest.mark.parametrize("scenario", SCENARIOS_TORN)
@pytest.mark.parametrize("mode", list(EXECUTION_MODES))
def test_live_a_torn_write_anywhere_in_a_groups_life_loses_nothing(mode: str, scenario: str) -> None:
    """Only the group's first version has nothing before it: tearing it quarantines the record and
    halts, and nothing had traded. Any later torn version falls back to the one before, and recovery
    takes the group to whole or flat."""
    points = _torn_points(mode, scenario)
    assert len(points) >= 3, points  # at least the intent, a version LEAN's timer persists, the archive copy
    quarantined = []
    for point in points:
        outcome = run_trial(Trial(mode, scenario, (point,)))
        [crash] = outcome.crashes
        assert not violations(outcome), describe(outcome)
        [report] = outcome.reports
        [group_id] = group_ids_traded(outcome.sim) or [None]
        if report.quarantined:
            quarantined.append(point)
            assert group_id is None, f"{point}: a group that traded was quarantined\n{describe(outcome)}"
            assert outcome.algo.executor.halted and not report.clean, describe(outcome)
            continue
        if "/open/" in crash.message:  # a torn open slot: the version before it was taken
            assert report.torn, describe(outcome)
        assert report.clean and not outcome.algo.executor.halted, describe(outcome)
        known = {g.group_id for g in report.groups} | {v.group_id for v in outcome.algo.executor.open_groups()}
        assert group_id is None or group_id in known | _archived_ids(outcome.algo), describe(outcome)
    assert quarantined == list(points[:1]), f"only the first version has none before it: {quarantined}"


def _archived_ids(algo: HostAlgorithm, prefix: str = ARCHIVE_PREFIX) -> set[str]:
    return {str(r["group_id"]) for r in stored_records(algo, prefix).values()}


@pytest.mark.parametrize("scenario", SCENARIOS_TORN)
@pytest.mark.parametrize("mode", list(EXECUTION_MODES))
def test_backtest_a_torn_write_anywhere_leaves_the_next_backtest_a_record_to_set_aside(mode: str, scenario: str) -> None:
    """A backtest killed while LEAN writes a file: the next backtest over the same storage folder sets
    the group's last readable version aside; with none left (its very first version torn) it
    quarantines the record and reports it, but does not halt: its fresh account holds nothing of it."""
    reference, _ = backtest_group(mode, scenario, None)
    points = [CrashAt("torn_write", n) for n in range(1, reference.counters["torn_write"] + 1)]
    assert len(points) >= 2, "the backtest wrote neither the intent nor the archive copy"
    quarantined = []
    for point in points:
        earlier, group_id = backtest_group(mode, scenario, point)
        assert not earlier.alive, f"{point} did not fire"
        traded = group_ids_traded(earlier)
        sim = Simulator(mode="backtest", start=OPEN, cash=1_000_000)
        sim.store.load(dict(earlier.store.disk))
        algo = sim.start(host(**EXECUTION_MODES[mode]))
        report = algo.recovery
        on_disk = {k for k in earlier.stored if group_id in k}
        if report.quarantined:
            quarantined.append(point)
            assert not traded and not report.clean, f"{point}: {report}"
            assert any("quarantined" in e and group_id in e for e in sim.logs_at("ERROR")), sim.logs_at("ERROR")
        elif any("/open/" in k for k in on_disk):
            assert report.set_aside == [group_id], f"{point}: {report}"
        else:  # settled and archived before the tear
            assert group_id in _archived_ids(algo, BACKTEST + "archive/"), f"{point}: {report}"
        assert algo.executor.halted == "", f"{point}: {report}"
        assert not [k for k in algo.object_store.keys if k.startswith(BACKTEST + "open/")]
        fresh = algo.executor.execute_iron_condor_atomic(*algo.condor(), STRUCTURES)
        assert fresh.status.value == "FILLED", f"{point}: {fresh.reason}"
    assert quarantined == points[:1], f"only the first version has none before it: {quarantined}"
