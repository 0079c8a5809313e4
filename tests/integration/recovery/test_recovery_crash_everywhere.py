"""Crash at every step of a live iron condor group, restart, and check all-or-nothing still holds.

For each execution mode and scenario a fault-free reference run tells, from `sim.counters`, how many
times each crash point is passed once the group starts; then every (point, n) is replayed with
CrashAt(point, n), restarted at once or after 30 s dead (the brokerage keeps filling meanwhile),
and given time for cancels, reversals and timeouts. The points include `before_cancel`: LEAN has
answered a cancel but its transaction thread has not sent it, so the crash loses it. The invariant
(recovery_kit.violations): the brokerage holds exactly the condor or nothing in its contracts, the
manual positions are intact, nothing was reversed twice, every group the store knows is FILLED and
complete or flat, and no order of ours is left working at the brokerage.
"""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from functools import cache

import pytest
from recovery_kit import (
    ARCHIVE_PREFIX,
    CRASH_POINTS,
    EXECUTION_MODES,
    OPEN,
    OPEN_PREFIX,
    SCENARIOS,
    SHORT_CALL,
    STRUCTURES,
    CrashAt,
    Outcome,
    Trial,
    crash_points_between,
    describe,
    host,
    open_manual_positions,
    run_trial,
    stored_records,
    violations,
)

from leansim import FaultPlan, Match, NeverFill, Simulator

DOWNTIMES = (0.0, 30.0)
# Without a crash: the clean group fills; a rejected leg and a leg that never fills roll back.
EXPECTED_STATUS = {"clean": "FILLED", "reject": "ROLLED_BACK", "never_fills": "ROLLED_BACK"}


@cache
def reference(mode: str, scenario: str) -> Outcome:
    """The fault-free run of a mode and scenario (its counters enumerate the crash points)."""
    outcome = run_trial(Trial(mode, scenario))
    problems = violations(outcome)
    assert not problems, f"reference run {mode}/{scenario} already breaks the invariant: {problems}"
    statuses = [r["status"] for r in stored_records(outcome.algo, ARCHIVE_PREFIX).values()]
    assert statuses == [EXPECTED_STATUS[scenario]], f"reference run {mode}/{scenario} ended {statuses}"
    return outcome


@cache
def crash_points(mode: str, scenario: str) -> tuple[CrashAt, ...]:
    ref = reference(mode, scenario)
    return tuple(crash_points_between(ref.baseline, ref.sim.counters))


def _failures(outcomes: list[Outcome]) -> list[str]:
    failed = [(o, problems) for o in outcomes if (problems := violations(o))]
    lines = [f"{len(failed)} of {len(outcomes)} crash trials break all-or-nothing:"]
    lines += [f"- {o.trial}: {problems}" for o, problems in failed[:25]]
    if len(failed) > 25:
        lines.append(f"- ... and {len(failed) - 25} more")
    lines += ["first failures in detail:"] + [describe(o) for o, _ in failed[:2]]
    return lines if failed else []


@pytest.mark.parametrize("dead_seconds", DOWNTIMES, ids=lambda s: f"dead{s:g}s")
@pytest.mark.parametrize("scenario", list(SCENARIOS))
@pytest.mark.parametrize("mode", list(EXECUTION_MODES))
def test_crash_at_every_step_leaves_the_condor_whole_or_flat(mode: str, scenario: str, dead_seconds: float) -> None:
    points = crash_points(mode, scenario)
    assert {p.point for p in points} >= {"before_save", "after_save", "before_order", "after_order"}, points
    outcomes = [run_trial(Trial(mode, scenario, (point,), dead_seconds)) for point in points]
    assert all(o.crashes for o in outcomes), "every CrashAt within the reference counters must fire"
    problems = _failures(outcomes)
    failed = sum(1 for o in outcomes if violations(o))
    print(f"\n{mode}/{scenario} dead {dead_seconds:g}s: {len(points)} crash points, {failed} failing")
    assert not problems, "\n".join(problems)


def test_crash_point_coverage_per_mode() -> None:
    """How many crash points the sweep covers, per mode (printed; pytest -s shows it)."""
    lines = []
    for mode in EXECUTION_MODES:
        per_point: Counter[str] = Counter()
        for scenario in SCENARIOS:
            per_point.update(p.point for p in crash_points(mode, scenario))
        total = sum(per_point.values())
        detail = ", ".join(f"{point} {per_point[point]}" for point in CRASH_POINTS)
        lines.append(f"{mode}: {total} crash points over {len(SCENARIOS)} scenarios ({detail}), "
                     f"x{len(DOWNTIMES)} downtimes = {total * len(DOWNTIMES)} trials")
        assert all(per_point[point] for point in CRASH_POINTS), f"{mode} never passes some crash point: {per_point}"
    print("\n" + "\n".join(lines))
    assert len(lines) == len(EXECUTION_MODES), "\n".join(lines)


# --- crashes during recovery itself -----------------------------------------------------------------


def _acting_recoveries(mode: str, scenario: str) -> list[Outcome]:
    """Single-crash trials (restarted at once) whose recovery placed orders or cancels: first, middle, last."""
    acting = []
    for point in crash_points(mode, scenario):
        outcome = run_trial(Trial(mode, scenario, (point,)))
        if any(g.orders_placed or g.decision != "mark filled" for r in outcome.reports for g in r.groups):
            acting.append(outcome)
    return [acting[i] for i in sorted({0, len(acting) // 2, len(acting) - 1})] if acting else []


@pytest.mark.parametrize("scenario", ["reject", "never_fills"])
@pytest.mark.parametrize("mode", list(EXECUTION_MODES))
def test_a_crash_during_recovery_then_another_restart_is_still_safe(mode: str, scenario: str) -> None:
    """First crash mid-group; after the restart, crash again at every point recovery and the run after it
    pass (recovery's own saves, cancels, reversals, fills), restart again: no double reversal."""
    firsts = _acting_recoveries(mode, scenario)
    assert firsts, f"no crash in {mode}/{scenario} leaves recovery anything to do"
    outcomes = []
    for first in firsts:
        first_crash = first.trial.crashes[0]
        for second in crash_points_between(first.crashes[0].counters, first.sim.counters):
            outcomes.append(run_trial(Trial(mode, scenario, (first_crash, second))))
    in_recovery = sum(o.crashed_in_recovery for o in outcomes)
    print(f"\n{mode}/{scenario}: {len(outcomes)} second crashes, {in_recovery} inside recovery")
    assert in_recovery, "no second crash hit recovery's own actions"
    assert all(len(o.crashes) == 2 for o in outcomes)
    problems = _failures(outcomes)
    assert not problems, "\n".join(problems)


# --- crashes between crash points -------------------------------------------------------------------


@pytest.mark.parametrize("mode", list(EXECUTION_MODES))
def test_a_group_that_settled_just_before_a_crash_keeps_its_record(mode: str) -> None:
    """LEAN persists saves every 5 s but deletes at once: a crash right after a group settles must not
    lose both its open record and its archive."""
    sim = Simulator(mode="live", start=OPEN, cash=1_000_000)
    cls = host(**EXECUTION_MODES[mode])
    algo = sim.start(cls)
    open_manual_positions(sim, algo)
    result = algo.executor.execute_iron_condor_atomic(*algo.condor(), STRUCTURES)
    for _ in range(30):
        if result.status.value != "PENDING":
            break
        sim.advance(1)
    assert result.status.value == "FILLED"
    sim.crash()  # within LEAN's 5 s persistence interval of the archive write
    restarted = sim.restart(cls)
    known = [r["group_id"] for r in stored_records(restarted, ARCHIVE_PREFIX).values()]
    known += [r["group_id"] for r in stored_records(restarted, OPEN_PREFIX).values()]
    assert result.group_id in known, (
        f"the FILLED group vanished from the store (disk keys {sorted(sim.stored)}); the brokerage holds its condor")
    outcome = Outcome(Trial(mode, "clean"), sim, restarted, {})
    assert not violations(outcome)


def test_a_rollback_interrupted_by_a_long_outage_is_resumed_not_declared_failed() -> None:
    """A rollback whose reversal hangs is interrupted; the process stays down 60 s (longer than the
    rollback's patience of timeout x attempts x 2 = 30 s). After the restart recovery must try the
    rollback again (fresh patience), not declare it failed without sending an order."""
    faults = (NeverFill(Match(symbol=SHORT_CALL.value, tag_contains="/entry/")), NeverFill(Match(tag_contains="/rollback/")))
    sim = Simulator(mode="live", start=OPEN, cash=1_000_000, faults=FaultPlan(faults))
    cls = host()
    algo = sim.start(cls)
    open_manual_positions(sim, algo)
    result = algo.executor.execute_iron_condor_atomic(*algo.condor(), STRUCTURES)
    sim.advance_to(OPEN + timedelta(minutes=1, seconds=12))  # timed out at 15:01, first reversal hangs
    assert result.status.value == "ROLLING_BACK"
    sim.crash()
    sim.advance(60)
    restarted = sim.restart(cls)
    sim.advance(300)
    outcome = Outcome(Trial("parallel", "never_fills"), sim, restarted, {})
    problems = violations(outcome)
    assert not problems and not restarted.executor.halted, f"{problems}\n{describe(outcome)}"
