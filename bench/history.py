"""Figure 3: does the executor slow down as finished groups pile up?

One simulation per mode finishes real groups through the public API (`hosts.finish_groups`), and at
each history size N the executor's time per order event, and the time of each ObjectStore save, are
measured over a batch of new clean groups. Nothing is deleted any more: every finished group stays in
the archive, packed into few keys (config.ARCHIVE_PACK_SIZE), and the double's store charges LEAN's
walk over every stored file on each save (leansim/engine/store_backend.py within_limits), so a save
costs what the number of keys makes it cost.
"""

from __future__ import annotations

import gc
import time
from dataclasses import dataclass, field, replace

from bench.hosts import BATCH, TimedHost, finish_groups, start
from bench.report import US, Figure, Section, Verdict, at_most, median, p90
from config import AtomicConfig

RATIO_LIMIT = 1.2  # target: medians at the largest history within 1.2x of the smallest


@dataclass
class Level:
    """The timings measured with `history` finished groups."""

    mode: str
    history: int
    event_seconds: list[float] = field(default_factory=list)
    store_seconds: list[float] = field(default_factory=list)
    save_seconds: list[float] = field(default_factory=list)
    record_save_seconds: list[float] = field(default_factory=list)
    fill_seconds: float = 0.0  # building the history up to this level
    store_keys: int = 0

    @property
    def median(self) -> float:
        return median(self.event_seconds)

    @property
    def median_without_store(self) -> float:
        return median([total - store for total, store in zip(self.event_seconds, self.store_seconds)])


def measure(mode: str, levels: tuple[int, ...], measured_groups: int, config: AtomicConfig) -> list[Level]:
    """Finish groups up to each of `levels` in turn (ascending) in one simulation, timing
    `measured_groups` more at each; the measured groups join the history as they finish."""
    sim, algo = start(mode, TimedHost, config=replace(config, max_pending_groups=max(BATCH, config.max_pending_groups)))
    finished, results = 0, []
    for history in sorted(levels):
        level = Level(mode, history)
        started = time.perf_counter()
        finished += len(finish_groups(sim, algo, max(0, history - finished)))
        level.fill_seconds = time.perf_counter() - started
        algo.reset_timings()
        gc.collect()
        finished += len(finish_groups(sim, algo, measured_groups, batch=1))
        level.event_seconds, level.store_seconds = list(algo.event_seconds), list(algo.event_store_seconds)
        level.save_seconds, level.record_save_seconds = list(algo.save_seconds), list(algo.record_save_seconds)
        level.store_keys = len(algo.object_store.keys)
        results.append(level)
    return results


def run(levels: tuple[int, ...], measured_groups: int, modes: tuple[str, ...] = ("backtest", "live"),
        config: AtomicConfig | None = None) -> Section:
    config = config or AtomicConfig()
    section = Section("3", "per-event and per-save time against the number of finished groups in history")
    for mode in modes:
        results = measure(mode, levels, measured_groups, config)
        base = results[0]
        for level in results:
            _ratio_figure(section, f"per event, {mode}, {level.history:,} finished: median", level.median,
                          base.median, level is base, level is results[-1], base.history)
            section.add(Figure("3", f"per event, {mode}, {level.history:,} finished: p90",
                               p90(level.event_seconds) * US, "us"))
        for level in results:
            _ratio_figure(section, f"  group record save (encode + ObjectStore.save), {mode}, {level.history:,} "
                          "finished: median", median(level.record_save_seconds), median(base.record_save_seconds),
                          level is base, level is results[-1], base.history)
        for level in results:
            _ratio_figure(section, f"  ObjectStore.save alone, {mode}, {level.history:,} finished: median",
                          median(level.save_seconds), median(base.save_seconds), level is base,
                          level is results[-1], base.history)
        if mode == "live":
            for level in results:
                section.add(Figure("3", f"  same, ObjectStore calls left out, {level.history:,}: median",
                                   level.median_without_store * US, "us"))
        for level in results:
            section.note(f"{mode} {level.history:,}: real groups finished up to it in {level.fill_seconds:.1f} s, "
                         f"then {measured_groups} measured ({len(level.event_seconds)} events, "
                         f"{len(level.save_seconds)} saves); store keys at the end {level.store_keys:,}")
    section.note(f"ARCHIVE_PACK_SIZE={config.archive_pack_size:,}: every finished group is kept, packed; "
                 f"HISTORY_IN_MEMORY={config.history_in_memory:,}. Every group is real, placed through "
                 "execute_iron_condor_atomic; each save walks every stored file, as LEAN's IsWithinStorageLimit does.")
    section.note("backtest events arrive inside market_order, where the executor only records them; live events "
                 "include deciding, saving and archiving, so only live can show a store-size effect per event.")
    return section


def _ratio_figure(section: Section, label: str, value: float, base: float, is_base: bool, is_last: bool,
                  base_history: int) -> None:
    if is_base:
        section.add(Figure("3", label, value * US, "us"))
        return
    ratio = value / base
    section.add(Figure("3", label, value * US, "us", f"<= {RATIO_LIMIT:g}x of {base_history:,}",
                       at_most(ratio, RATIO_LIMIT) if is_last else Verdict.INFO, f"{value * US:.1f} us = {ratio:.2f}x"))
