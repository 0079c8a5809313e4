"""Crash at every effect of a close, restart, and check the close resumes to CLOSED, flat.

A fault-free reference run of each execution mode opens an iron condor (live, beside manual
positions), then closes it; its counters enumerate every crash point the close passes. Each is
replayed with CrashAt(point, n), restarted at once or after 30 s dead (the brokerage keeps filling),
and left to settle. A crash before the close's first write-ahead reached the disk leaves the group
FILLED with no exit order sent: the caller asks again. Every trial must end with the group CLOSED,
the condor's contracts back to the manual positions, no order of ours working, and nothing halted.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import pytest
from recovery_kit import (
    CONDOR,
    EXECUTION_MODES,
    MANUAL,
    OPEN,
    STRUCTURES,
    CrashAt,
    HostAlgorithm,
    crash_points_between,
    host,
    open_manual_positions,
)

from atomic.model import GroupStatus
from leansim import FaultPlan, SimulatedCrash, Simulator
from leansim.faults import CRASH_POINTS

DOWNTIMES = (0.0, 30.0)
SETTLE = 120


@dataclass
class CloseRun:
    sim: Simulator
    algo: HostAlgorithm
    group_id: str
    before_close: dict[str, int]
    crashes: int = 0


def _run(mode: str, crash: CrashAt | None = None, dead_seconds: float = 0.0) -> CloseRun:
    sim = Simulator(mode="live", start=OPEN, cash=1_000_000, faults=FaultPlan((crash,) if crash else ()))
    cls = host(**EXECUTION_MODES[mode])
    algo = sim.start(cls)
    open_manual_positions(sim, algo)
    opened = algo.executor.execute_iron_condor_atomic(*algo.condor(), STRUCTURES)
    sim.advance(10)
    assert opened.status is GroupStatus.FILLED
    run = CloseRun(sim, algo, opened.group_id, sim.counters)
    try:
        algo.executor.close_group(opened.group_id, reason="crash test")
        sim.advance(SETTLE)
        return run
    except SimulatedCrash:
        run.crashes += 1
    sim.advance(dead_seconds)
    run.algo = sim.restart(cls)
    view = run.algo.executor.get_group(opened.group_id)
    assert view is not None
    if view.status is GroupStatus.FILLED:  # the close never reached the disk: nothing was sent
        assert not [o for o in sim.broker_orders if "/exit/" in o.tag], "exit orders sent but not recorded"
        run.algo.executor.close_group(opened.group_id, reason="asked again")
    sim.advance(SETTLE)
    return run


@cache
def _points(mode: str) -> tuple[CrashAt, ...]:
    reference = _run(mode)
    assert _problems(reference) == []
    return tuple(crash_points_between(reference.before_close, reference.sim.counters))


def _problems(run: CloseRun) -> list[str]:
    found = []
    view = run.algo.executor.get_group(run.group_id)
    if view is None or view.status is not GroupStatus.CLOSED:
        found.append(f"group ends {view.status.value if view else 'unknown'}, not CLOSED")
    held = {s.value: int(run.sim.position(s)) - MANUAL.get(s, 0) for s in CONDOR}
    if any(held.values()):
        found.append(f"condor contracts not flat (less manual): {held}")
    working = [o.tag for o in run.sim.open_broker_orders if o.tag.startswith("atomic/")]
    if working:
        found.append(f"orders of ours still working: {working}")
    if run.algo.executor.halted and not _torn_first_write(run):
        found.append(f"halted: {run.algo.executor.halted}")
    if run.algo.executor.open_groups():
        found.append(f"groups still open: {[v.status.value for v in run.algo.executor.open_groups()]}")
    return found


def _torn_first_write(run: CloseRun) -> bool:
    """The close's first write-ahead torn on disk (its only open version): recovery quarantines it and
    halts for the operator, as it does for an entry's first record; the archive still holds the
    group FILLED and nothing was sent, so the close asked again completes."""
    return run.algo.executor.halted.startswith("group records lost at recovery: 1 quarantined")


@pytest.mark.parametrize("dead_seconds", DOWNTIMES, ids=lambda s: f"dead{s:g}s")
@pytest.mark.parametrize("mode", list(EXECUTION_MODES))
def test_a_crash_at_every_effect_of_a_close_resumes_it_to_closed_and_flat(mode: str, dead_seconds: float) -> None:
    points = _points(mode)
    assert {p.point for p in points} >= {"before_save", "after_save", "before_order", "after_order", "after_fill"}
    failures = []
    for point in points:
        run = _run(mode, point, dead_seconds)
        assert run.crashes == 1, f"{point} did not fire"
        if problems := _problems(run):
            failures.append(f"{point.point}#{point.n}: {problems}")
    print(f"\n{mode} dead {dead_seconds:g}s: {len(points)} crash points of a close, {len(failures)} failing")
    assert not failures, "\n".join(failures)


def test_the_crash_points_cover_every_kind_of_effect() -> None:
    seen = {p.point for mode in EXECUTION_MODES for p in _points(mode)}
    assert seen >= set(CRASH_POINTS) - {"before_cancel"}, seen
