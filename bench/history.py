"""Figure 3: does the executor slow down as finished groups pile up?

For each history size N a fresh simulation finishes N groups, then the executor's time per order
event is measured over a batch of new clean groups. Everything the executor keeps grows only up to
its caps (HISTORY_IN_MEMORY groups in memory with their order ids, ARCHIVE_MAX_GROUPS archive keys),
so the first groups are run for real until both caps are full plus a margin; beyond that, copies of
a real finished group go through the executor's own end of life (`hosts.archive_copies`), which
leaves the executor and the store exactly as that many real groups would. The shortcut skips the
double, whose brokerage scan walks every order ever placed (quadratic over 100,000 groups).
"""

from __future__ import annotations

import gc
import time
from dataclasses import dataclass, field, replace

from bench.hosts import TimedHost, archive_copies, iron_condor, settle_live, start
from bench.report import US, Figure, Section, Verdict, at_most, median, p90
from config import AtomicConfig

RATIO_LIMIT = 1.2  # target: per-event median at the largest history within 1.2x of the smallest
SATURATION_MARGIN = 100  # real groups beyond both caps (less when the caps are tiny)


@dataclass
class Level:
    """The per-event timings measured with `history` finished groups, and how they were made."""

    mode: str
    history: int
    real: int = 0
    copies: int = 0
    runs: int = 0
    event_seconds: list[float] = field(default_factory=list)
    store_seconds: list[float] = field(default_factory=list)
    fill_seconds: float = 0.0
    store_keys: int = 0

    @property
    def median(self) -> float:
        return median(self.event_seconds)

    @property
    def median_without_store(self) -> float:
        return median([total - store for total, store in zip(self.event_seconds, self.store_seconds)])


def measure(mode: str, history: int, measured_groups: int, config: AtomicConfig) -> Level:
    """Finish `history` groups, then time the executor on `measured_groups` more.

    The measured groups join the history as they finish, so a small history is measured in several
    fresh simulations of a few groups each, keeping it within +50% of its nominal size."""
    batch = max(1, min(measured_groups, history // 2))
    level = Level(mode, history)
    while len(level.event_seconds) < measured_groups * 8 and level.runs * batch < measured_groups:
        _measure_once(level, batch, config)
    return level


def _measure_once(level: Level, batch: int, config: AtomicConfig) -> None:
    mode, history = level.mode, level.history
    fields = {f: getattr(config, f) for f in ("archive_max_groups", "history_in_memory")}
    sim, algo = start(mode, TimedHost, **fields)
    caps = config.archive_max_groups + config.history_in_memory
    real = min(history, caps + min(SATURATION_MARGIN, caps // 5))
    started = time.perf_counter()
    last = None
    for _ in range(real):
        last = iron_condor(algo, 1)
        if mode == "live":
            settle_live(sim, last)
    copies = history - real
    if copies:
        assert last is not None
        archive_copies(algo.executor, algo.executor._history[last.group_id], copies)
    level.fill_seconds += time.perf_counter() - started
    level.real, level.copies, level.runs = real, copies, level.runs + 1
    algo.reset_timings()
    gc.collect()
    for _ in range(batch):
        result = iron_condor(algo, 1)
        if mode == "live":
            settle_live(sim, result)
    level.event_seconds += algo.event_seconds
    level.store_seconds += algo.event_store_seconds
    level.store_keys = len(algo.object_store.keys)


def run(levels: tuple[int, ...], measured_groups: int, modes: tuple[str, ...] = ("backtest", "live"),
        config: AtomicConfig | None = None) -> Section:
    config = config or AtomicConfig()
    section = Section("3", "per-event time against the number of finished groups in history")
    for mode in modes:
        results = [measure(mode, n, measured_groups, config) for n in levels]
        base = results[0]
        for level in results:
            label = f"per event, {mode}, {level.history:,} finished: median"
            if level is base:
                section.add(Figure("3", label, level.median * US, "us"))
            else:
                ratio = level.median / base.median
                section.add(Figure("3", label, level.median * US, "us", f"<= {RATIO_LIMIT:g}x of {base.history:,}",
                                   at_most(ratio, RATIO_LIMIT) if level is results[-1] else Verdict.INFO,
                                   f"{level.median * US:.1f} us = {ratio:.2f}x"))
            section.add(Figure("3", f"per event, {mode}, {level.history:,} finished: p90",
                               p90(level.event_seconds) * US, "us"))
        if mode == "live":
            for level in results:
                section.add(Figure("3", f"  same, ObjectStore calls left out, {level.history:,}: median",
                                   level.median_without_store * US, "us"))
        for level in results:
            how = (f"{level.real:,} real groups" + (f" + {level.copies:,} copies archived through GroupStore"
                                                    if level.copies else ""))
            runs = f"{level.runs} fresh simulations, each " if level.runs > 1 else ""
            section.note(f"{mode} {level.history:,}: {runs}{how} ({level.fill_seconds:.1f} s), then "
                         f"{len(level.event_seconds) // 8} real groups measured ({len(level.event_seconds)} events); "
                         f"store keys at the end {level.store_keys:,}")
    section.note(f"caps: ARCHIVE_MAX_GROUPS={config.archive_max_groups:,}, HISTORY_IN_MEMORY={config.history_in_memory:,}; "
                 f"real groups run until both are full (+{SATURATION_MARGIN}), copies of a real finished group "
                 "finish the rest through GroupStore.archive and the executor's history (bench/hosts.py archive_copies).")
    section.note("backtest events arrive inside market_order, where the executor only records them; live events "
                 "include deciding, saving and archiving, so only live can show a store-size effect.")
    return section


def small_config(archive_max_groups: int, history_in_memory: int) -> AtomicConfig:
    """Caps small enough for a smoke run to reach the copying path."""
    return replace(AtomicConfig(), archive_max_groups=archive_max_groups, history_in_memory=history_in_memory)
