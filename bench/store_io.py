"""Figure 4: ObjectStore traffic per clean 4-leg group (saves, deletes, bytes, forced persists).

Counted by the double's store (every save and delete the algorithm makes), over a run of clean
1-structure condors after a warm-up group, for sequential and parallel legged and combo execution,
in backtest and live.
"""

from __future__ import annotations

from dataclasses import dataclass

from bench.hosts import TimedHost, iron_condor, settle_live, start
from bench.report import Figure, Section, at_most

LEGS = 4
MAX_SAVES = LEGS + 3  # target: intent, a few progress saves, the archive record


@dataclass(frozen=True)
class Traffic:
    """Store operations per group, averaged over `groups` groups."""

    mode: str
    execution: str
    groups: int
    saves: float
    deletes: float
    bytes_written: float
    flushes: float


def measure(mode: str, execution: str, groups: int) -> Traffic:
    overrides: dict[str, object] = {
        "sequential": {"sequential_protective_legs": True},  # the default
        "parallel": {"sequential_protective_legs": False},
        "combo": {"execution_mode": "combo"},
    }[execution]
    sim, algo = start(mode, TimedHost, **overrides)
    _one(sim, algo, mode)  # warm-up: first-use work stays out of the averages
    before = sim.store_stats
    for _ in range(groups):
        _one(sim, algo, mode)
    after = sim.store_stats
    return Traffic(mode, execution, groups, (after.saves - before.saves) / groups, (after.deletes - before.deletes) / groups,
                   (after.bytes_written - before.bytes_written) / groups, (after.flushes - before.flushes) / groups)


def _one(sim: object, algo: TimedHost, mode: str) -> None:
    result = iron_condor(algo, 1)
    if mode == "live":
        settle_live(sim, result)  # type: ignore[arg-type]
    if result.status.value != "FILLED":
        raise RuntimeError(f"a clean group ended {result.status.value}: {result.reason}")


def run(groups: int) -> Section:
    section = Section("4", "ObjectStore writes per clean 4-leg condor")
    results = [measure(mode, execution, groups) for mode in ("backtest", "live")
               for execution in ("sequential", "parallel", "combo")]
    for t in results:
        name = f"{t.execution}, {t.mode}"
        section.add(Figure("4", f"saves per group, {name}", t.saves, "saves", f"<= {MAX_SAVES} (legs + 3)",
                           at_most(t.saves, MAX_SAVES)))
        section.add(Figure("4", f"deletes per group, {name}", t.deletes, ""))
        section.add(Figure("4", f"bytes saved per group, {name}", t.bytes_written, "B"))
    for t in results:
        if t.mode == "live":
            section.add(Figure("4", f"store persists per group, {t.execution}, live", t.flushes, ""))
    section.note(f"{groups} clean 1-structure condors per line after one warm-up group; counted by the double's store.")
    section.note("sequential: legged, shorts after their longs filled (the default); parallel: every leg at once.")
    section.note("persists: the write before each batch of orders and the archive copy are forced to disk through "
                 "get_file_path, and LEAN's 5 s timer persists a dirty store (one group a second here); LEAN's "
                 "LocalObjectStore.PersistData (master of 2026-08-21) writes only the entries saved since the last persist.")
    return section
