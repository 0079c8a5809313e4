"""Figures 1, 2 and 6: the executor's time per order event and per group, and a naive order loop.

Backtest: LEAN delivers an order's events inside market_order(), so the executor only records them
there and acts when the call returns; a group is final when execute_iron_condor_atomic returns,
and its wall clock is the group's whole cost. Live: submission returns at once and every event
is handled on its own (deciding, saving, archiving), so a group's cost is the submission call plus
the executor's time on each of its events.
"""

from __future__ import annotations

import gc
import time
from collections import defaultdict
import dataclasses
from dataclasses import dataclass

from bench.hosts import NaiveHost, TimedHost, iron_condor, settle_live, start
from bench.report import MS, US, Figure, Section, at_most, median, p90, timing_figures

# The target for the executor's own work per order event (median, 2-core machine).
EVENT_TARGET_US = 25.0

LEGS = 4


@dataclass
class GroupTimes:
    """Per-event and per-group durations (seconds) of `groups` clean iron condors."""

    mode: str
    event_seconds: list[float]
    group_seconds: list[float]
    submit_seconds: list[float]
    settled: dict[str, int]


def backtest_groups(groups: int, **overrides: object) -> GroupTimes:
    sim, algo = start("backtest", TimedHost, **overrides)
    walls, statuses = [], defaultdict(int)
    gc.collect()
    for _ in range(groups):
        started = time.perf_counter()
        result = iron_condor(algo, 1)
        walls.append(time.perf_counter() - started)
        statuses[result.status.value] += 1
    return GroupTimes("backtest", list(algo.event_seconds), walls, walls, dict(statuses))


def live_groups(groups: int, **overrides: object) -> GroupTimes:
    sim, algo = start("live", TimedHost, **overrides)
    submits: dict[str, float] = {}
    statuses: dict[str, int] = defaultdict(int)
    gc.collect()
    for _ in range(groups):
        started = time.perf_counter()
        result = iron_condor(algo, 1)
        submits[result.group_id] = time.perf_counter() - started
        settle_live(sim, result)
        statuses[result.status.value] += 1
    on_events: dict[str, float] = defaultdict(float)
    for order_id, seconds in zip(algo.event_orders, algo.event_seconds):
        group_id = algo.group_of_order(order_id)
        if group_id is not None:
            on_events[group_id] += seconds
    return GroupTimes("live", list(algo.event_seconds), [on_events[g] for g in submits],
                      list(submits.values()), dict(statuses))


def naive_orders(groups: int) -> tuple[list[float], list[float]]:
    """Per-order and per-group seconds of plain market_order calls, one per leg, no executor."""
    sim, algo = start("backtest", NaiveHost)
    legs = [(algo.long_call, 1), (algo.long_put, 1), (algo.short_call, -1), (algo.short_put, -1)]
    per_order, per_group = [], []
    gc.collect()
    for _ in range(groups):
        total = 0.0
        for symbol, quantity in legs:
            started = time.perf_counter()
            algo.market_order(symbol, quantity, tag="naive")
            elapsed = time.perf_counter() - started
            per_order.append(elapsed)
            total += elapsed
        per_group.append(total)
    return per_order, per_group


def run(groups: int) -> Section:
    """Figures 1 (per event), 2 (per group) and 6 (naive baseline and ratio)."""
    section = Section("1-2,6", "executor time per order event and per group; naive market_order loop")
    backtest = backtest_groups(groups)
    live = live_groups(groups)
    per_order, naive_group = naive_orders(groups)

    for label, sample in (("backtest", backtest.event_seconds), ("live", live.event_seconds)):
        median_figure, p90_figure = timing_figures("1", f"per event in on_order_event, {label}", sample)
        section.add(dataclasses.replace(median_figure, target=f"<= {EVENT_TARGET_US:g} us",
                                        verdict=at_most(median_figure.value, EVENT_TARGET_US)))
        section.add(p90_figure)

    for figure in timing_figures("2", "per group, backtest: execute_iron_condor_atomic wall",
                                 backtest.group_seconds, MS, "ms"):
        section.add(figure)
    for figure in timing_figures("2", "per group, live: executor time summed over events",
                                 live.group_seconds, MS, "ms"):
        section.add(figure)
    section.add(Figure("2", "per group, live: submission call, median",
                       median(live.submit_seconds) * MS, "ms"))
    totals = [e + s for e, s in zip(live.group_seconds, live.submit_seconds)]
    section.add(Figure("2", "per group, live: submission + events, median", median(totals) * MS, "ms"))

    section.add(Figure("6", f"naive market_order, backtest: per order median (n={len(per_order)})",
                       median(per_order) * US, "us"))
    section.add(Figure("6", "naive market_order, backtest: per order p90", p90(per_order) * US, "us"))
    section.add(Figure("6", "naive loop per group (4 orders), median", median(naive_group) * MS, "ms"))
    ratio = median(backtest.group_seconds) / median(naive_group)
    section.add(Figure("6", "ratio executor/naive per group (backtest medians)", ratio, "x"))
    overhead = median(backtest.group_seconds) - median(naive_group)
    section.add(Figure("6", "executor's own cost per group (difference of medians)", overhead * MS, "ms"))

    section.note(f"{groups} clean 1-structure condors per run, each run in a fresh simulation at 10:00 New York; "
                 f"outcomes backtest {backtest.settled}, live {live.settled}.")
    section.note("live: a group's events arrive on the next one-second step; per-group time excludes the "
                 "double's own event delivery and the per-minute check_timeouts.")
    section.note("both the executor and the naive loop pay the double's brokerage scan, which walks every "
                 "order ever placed, so they are compared at equal order counts.")
    return section
