"""Figure 9: a fault campaign over closes. An iron condor opens cleanly, then `close_group` closes it
while random brokerage faults hit the exit orders; and a crash at every effect of a close, restarted.

Played in the entry campaign's three modes (bench/campaign.py: sequential, combo, parallel legs),
live and backtest. From the moment the close starts, the brokerage's positions (the truth) are
scored after every order event with atomic.margin.naked_short_contracts, integrated over simulated
seconds: a close buys the shorts back before it sells a long in every mode, so the target is 0 in
all three. Each close must end CLOSED and flat, or CLOSE_FAILED only after its close orders were
refused or never filled MAX_ROLLBACK_ATTEMPTS times, with nothing naked. The crash trials (live,
where the brokerage goes on filling while the process is down) replay every crash point a clean
close passes, restart, and must end CLOSED and flat.
"""

from __future__ import annotations

import os
import random
from collections import Counter
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from typing import Any

from bench.campaign import FAULT_KINDS, MODES, Scenario, _fault_text, draw_fault
from bench.hosts import TimedHost, condor_symbols, iron_condor, settle_live, start
from bench.report import Figure, Section, Verdict
from atomic.margin import naked_short_contracts
from atomic.model import GroupStatus
from config import MAX_ROLLBACK_ATTEMPTS
from leansim import CrashAt, DuplicateEvents, Match, Reject, SimulatedCrash, Simulator
from leansim.faults import CRASH_POINTS
from leansim.simulator import LIVE_ONLY_FAULTS

EXIT = "/exit/"
MAX_SECONDS = 600  # longer than any close may take, even checked once a minute (backtest)
GRACE_SECONDS = 5  # kept running after the close is final, for late fills
CRASH_SETTLE = 120
FAILED = "close orders failed"  # the executor's reason when every attempt on a leg failed


def scenario(seed: int) -> Scenario:
    """0-3 faults on the close's orders: rejections, partial fills, delays, never-fill, lost cancel
    races, duplicated live events, and refusals of every attempt on one leg (the designed
    CLOSE_FAILED), aimed at one leg's exit orders or at any exit order."""
    rng = random.Random(seed)
    legs = [s.value for s in condor_symbols()]
    faults: list[Any] = []
    for _ in range(rng.choice((0, 1, 1, 2, 2, 3))):
        match = Match(symbol=rng.choice(legs), tag_contains=EXIT) if rng.random() < 0.6 else Match(tag_contains=EXIT)
        times = rng.choice((1, 1, 2))
        kind = rng.choice((*FAULT_KINDS, "duplicate", "refused"))
        if kind in FAULT_KINDS:
            faults.append(draw_fault(rng, kind, match, times, "simulated rejection of a close order"))
        elif kind == "duplicate":
            faults.append(DuplicateEvents(match, times))
        else:
            faults.append(Reject("close refused by the brokerage", match, None))  # every attempt
    return Scenario(seed, rng.randint(1, 4), tuple(faults))


@dataclass(frozen=True)
class CloseOutcome:
    """How one close ended in one mode and environment."""

    seed: int
    mode: str
    env: str
    status: str
    reason: str
    flat: bool  # the condor's contracts all back to 0 at the brokerage
    naked_at_end: int
    exposure: float  # naked short contracts x simulated seconds, from the close's start
    peak: int

    @property
    def acceptable(self) -> bool:
        """CLOSED and flat; or CLOSE_FAILED after refused close orders, with nothing naked."""
        if self.status == GroupStatus.CLOSED.value:
            return self.flat
        return self.status == GroupStatus.CLOSE_FAILED.value and FAILED in self.reason and self.naked_at_end == 0


def play(item: tuple[Scenario, str, str]) -> CloseOutcome:
    sc, mode, env = item
    # A backtest's brokerage delivers each event once, in the call: live-only faults are left out there.
    faults = [f for f in sc.faults if env == "live" or not isinstance(f, LIVE_ONLY_FAULTS)]
    sim, algo = start(env, TimedHost, faults=faults, **MODES[mode])
    opened = iron_condor(algo, sc.structures)
    settle_live(sim, opened)
    if opened.status is not GroupStatus.FILLED:
        raise RuntimeError(f"seed {sc.seed} {mode} {env}: the entry did not fill ({opened.status.value})")
    symbols = algo.condor()
    samples: list[tuple[float, int]] = []
    origin = sim.now

    def naked() -> int:
        return naked_short_contracts([(algo.executor.ports.orders.describe(s), int(sim.position(s)))
                                      for s in symbols if sim.position(s)])

    def sample() -> None:
        samples.append(((sim.now - origin).total_seconds(), naked()))

    algo.after_event = sample
    result = algo.executor.close_group(opened.group_id, reason="campaign")
    final = (GroupStatus.CLOSED, GroupStatus.CLOSE_FAILED)
    grace = GRACE_SECONDS
    for _ in range(MAX_SECONDS):
        sim.advance(1)
        if env == "live":
            algo.executor.check_timeouts()
        if result.status in final and not sim.open_broker_orders:
            grace -= 1
            if grace <= 0:
                break
    end = (sim.now - origin).total_seconds()
    exposure = sum(count * ((samples[i + 1][0] if i + 1 < len(samples) else end) - at)
                   for i, (at, count) in enumerate(samples))
    return CloseOutcome(sc.seed, mode, env, result.status.value, result.view.close_reason,
                        not any(sim.position(s) for s in symbols), naked(), exposure, max((n for _, n in samples), default=0))


def play_all(scenarios: Sequence[Scenario], modes: Sequence[str], envs: Sequence[str], workers: int) -> list[CloseOutcome]:
    items = [(sc, mode, env) for env in envs for sc in scenarios for mode in modes]
    if workers <= 1:
        return [play(item) for item in items]
    with ProcessPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(play, items, chunksize=max(1, len(items) // (workers * 8))))


# --- crashes mid-close ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CrashOutcome:
    mode: str
    point: str
    status: str
    flat: bool
    working: int  # orders of ours still working at the brokerage

    @property
    def resumed(self) -> bool:
        return self.status == GroupStatus.CLOSED.value and self.flat and not self.working


def _crash_run(mode: str, crash: CrashAt | None) -> tuple[CrashOutcome, Simulator, dict[str, int]]:
    """Open a condor (live), close it, crashing at `crash`; restart and let the close resume. A
    crash before the close's first write-ahead reached the disk leaves the group FILLED with nothing
    sent: the caller asks again."""
    sim, algo = start("live", TimedHost, faults=(crash,) if crash else (), **MODES[mode])
    cls = type(algo)
    opened = iron_condor(algo, 2)
    sim.advance(10)
    before = sim.counters
    try:
        algo.executor.close_group(opened.group_id, reason="crash campaign")
        sim.advance(CRASH_SETTLE)
    except SimulatedCrash:
        algo = sim.restart(cls)
        view = algo.executor.get_group(opened.group_id)
        if view is not None and view.status is GroupStatus.FILLED:
            algo.executor.close_group(opened.group_id, reason="asked again")
        sim.advance(CRASH_SETTLE)
    view = algo.executor.get_group(opened.group_id)
    point = f"{crash.point}#{crash.n}" if crash else "none"
    working = sum(1 for o in sim.open_broker_orders if o.tag.startswith("atomic/"))
    flat = not any(sim.position(s) for s in algo.condor())
    return CrashOutcome(mode, point, view.status.value if view else "unknown", flat, working), sim, before


def crash_points(mode: str) -> list[CrashAt]:
    """Every crash point a clean close passes in `mode`."""
    _, sim, before = _crash_run(mode, None)
    after = sim.counters
    return [CrashAt(point, n) for point in CRASH_POINTS for n in range(before[point] + 1, after[point] + 1)]


def play_crash(item: tuple[str, CrashAt]) -> CrashOutcome:
    return _crash_run(*item)[0]


def crash_all(modes: Sequence[str], workers: int, every: int = 1) -> list[CrashOutcome]:
    """Every `every`-th crash point of each mode's close, replayed."""
    items = [(mode, point) for mode in modes for point in crash_points(mode)[::every]]
    if workers <= 1:
        return [play_crash(item) for item in items]
    with ProcessPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(play_crash, items))


# --- figures -----------------------------------------------------------------------------------------------


def run(count: int, workers: int | None = None, seed: int = 2, envs: Sequence[str] = ("live", "backtest"),
        crash_every: int = 1) -> Section:
    workers = workers if workers is not None else min(2, os.cpu_count() or 1)
    section = Section("8", f"close campaign: {count:,} random fault plans on closes x {len(MODES)} modes x "
                           f"{'/'.join(envs)}, and a crash at every effect of a close")
    scenarios = [scenario(seed * 1_000_003 + i) for i in range(count)]
    outcomes = play_all(scenarios, list(MODES), envs, workers)
    by_seed = {sc.seed: sc for sc in scenarios}
    for env in envs:
        for mode in MODES:
            _close_figures(section, f"{mode}, {env}", [o for o in outcomes if o.mode == mode and o.env == env], by_seed)
    crashes = crash_all(list(MODES), workers, crash_every)
    for mode in MODES:
        mine = [c for c in crashes if c.mode == mode]
        resumed = sum(1 for c in mine if c.resumed)
        section.add(Figure("9", f"{mode}, live: crashes mid-close resumed to CLOSED and flat", resumed, f"of {len(mine)}",
                           f"all {len(mine)}", Verdict.PASS if resumed == len(mine) else Verdict.MISS))
        for c in [c for c in mine if not c.resumed][:2]:
            section.note(f"{mode} crash at {c.point}: {c.status}, flat {c.flat}, {c.working} order(s) working")
    section.note(f"{len(outcomes):,} closes; scenario seeds {scenarios[0].seed}..{scenarios[-1].seed}, the same plan in "
                 f"every mode; CLOSE_FAILED is expected only where a plan refused every one of a leg's "
                 f"{MAX_ROLLBACK_ATTEMPTS} close attempts. Crash points: every {'' if crash_every == 1 else f'{crash_every}th '}"
                 "effect (save, order, fill, cancel) of a clean close, restarted at once.")
    return section


def _close_figures(section: Section, name: str, mine: list[CloseOutcome], by_seed: dict[int, Scenario]) -> None:
    exposure = sum(o.exposure for o in mine)
    section.add(Figure("9", f"{name}: naked-short exposure during closes", exposure, "contract-s", "0",
                       Verdict.PASS if exposure == 0 else Verdict.MISS))
    counts = Counter(o.status for o in mine)
    section.add(Figure("9", f"{name}: outcomes", len(mine), "",
                       text=" / ".join(f"{status} {n}" for status, n in sorted(counts.items()))))
    good = sum(1 for o in mine if o.acceptable)
    section.add(Figure("9", f"{name}: CLOSED and flat, or CLOSE_FAILED after refused orders with nothing naked",
                       good, f"of {len(mine)}", f"all {len(mine)}", Verdict.PASS if good == len(mine) else Verdict.MISS))
    for o in [o for o in mine if not o.acceptable or o.peak][:2]:
        section.note(f"{name}: seed {o.seed} {o.status} ({o.reason[:80]}), peak naked {o.peak}; "
                     + "; ".join(_fault_text(f) for f in by_seed[o.seed].faults))
