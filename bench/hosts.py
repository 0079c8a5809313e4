"""The algorithms the benchmarks run, and the cheap way to give an executor a long history.

The hosts are the integration kit's `HostAlgorithm` (the executor wired as main.py wires it:
recovery from on_warmup_finished, every order event forwarded, timeouts checked on each slice),
with a stopwatch around the executor call in `on_order_event` and nothing else inside it.
"""

from __future__ import annotations

import dataclasses
import itertools
import sys
import time
import uuid
from collections.abc import Callable, Iterable
from datetime import timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "integration"))

import executor_kit
from executor_kit import EXPIRY, OPEN, HostAlgorithm, iron_condor, option

from AlgorithmImports import Symbol
from atomic.executor import EnhancedAtomicOrderExecutor, GroupResult
from atomic.model import Group, GroupStatus
from atomic.tags import parse_tag
from leansim import Simulator

__all__ = ["EXPIRY", "OPEN", "HostAlgorithm", "iron_condor"]

# Enough cash that thousands of condors held at once never meet the buying-power pre-check.
CASH = 1e9


class TimedHost(HostAlgorithm):
    """HostAlgorithm whose on_order_event times the executor call alone (perf_counter around it).

    `event_seconds[i]` is the time the executor took on the i-th event, `event_store_seconds[i]` the
    part of it spent in ObjectStore calls (save, read, delete, get_file_path: the double's store,
    standing for LEAN's), `event_orders[i]` that event's LEAN order id. `after_event`, when set,
    runs after each event, outside the timing."""

    def initialize(self) -> None:
        super().initialize()
        self.event_seconds: list[float] = []
        self.event_store_seconds: list[float] = []
        self.event_orders: list[int] = []
        self.after_event: Callable[[], None] | None = None
        self.store_seconds = 0.0
        for name in ("save", "read", "delete", "get_file_path"):
            setattr(self.object_store, name, self._timed(getattr(self.object_store, name)))

    def on_order_event(self, order_event: Any) -> None:
        store_before = self.store_seconds
        started = time.perf_counter()
        self.executor.on_order_event(order_event)
        self.event_seconds.append(time.perf_counter() - started)
        self.event_store_seconds.append(self.store_seconds - store_before)
        self.event_orders.append(int(order_event.order_id))
        if self.after_event is not None:
            self.after_event()

    def reset_timings(self) -> None:
        self.event_seconds.clear()
        self.event_store_seconds.clear()
        self.event_orders.clear()

    def _timed(self, call: Callable[..., Any]) -> Callable[..., Any]:
        """`call` (an ObjectStore method, as this instance's attribute) adding its time to store_seconds."""

        def timed(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return call(*args, **kwargs)
            finally:
                self.store_seconds += time.perf_counter() - started

        return timed

    def group_of_order(self, order_id: int) -> str | None:
        """The group an order belongs to, from the tag it was submitted with."""
        order = self.transactions.get_order_by_id(order_id)
        tag = parse_tag(order.tag) if order is not None else None
        return tag.group_id if tag is not None else None


class NaiveHost(HostAlgorithm):
    """The same algorithm and contracts with the executor left out of the order path: no event is
    forwarded and no timeout is checked (the executor object exists but is never called)."""

    def on_order_event(self, order_event: Any) -> None:
        pass

    def on_data(self, slice: Any) -> None:
        pass


def start(mode: str, base: type[HostAlgorithm] = TimedHost, faults: Iterable[Any] = (),
          **overrides: Any) -> tuple[Simulator, Any]:
    """A simulation at OPEN (Tuesday 10:00 New York) running `base` with config `overrides`."""
    return executor_kit.start(mode, faults=faults, cash=CASH, base=base, **overrides)


def condor_symbols() -> tuple[Symbol, Symbol, Symbol, Symbol]:
    """short call, long call, short put, long put: the Symbols HostAlgorithm subscribes (usable
    before a simulator exists, to aim faults at one leg)."""

    return option("call", 480), option("call", 485), option("put", 460), option("put", 455)


def settle_live(sim: Simulator, result: GroupResult, max_seconds: int = 30) -> None:
    """Advance a live simulation a second at a time until the group leaves PENDING."""
    for _ in range(max_seconds):
        if result.status is not GroupStatus.PENDING:
            return
        sim.advance(1)


# --- history without the double's cost -----------------------------------------------------------------

_CLONE_ORDER_IDS = itertools.count(1_000_000_000)


def archive_copies(executor: EnhancedAtomicOrderExecutor, template: Group, count: int,
                   remember: bool = True, spacing: timedelta | None = None) -> None:
    """Finish `count` copies of a real settled group the way the executor finishes one.

    Each copy gets a fresh group id (in its tags too) and fresh LEAN order ids, and goes through
    the executor's own end of life: `GroupStore.archive` (a JSON write, the open key's delete, the
    oldest archive dropped beyond ARCHIVE_MAX_GROUPS) and, with `remember`, the in-memory history
    (HISTORY_IN_MEMORY, order-id index pruned with it). What is skipped is the double's work and
    the orders themselves, whose cost grows with every order the double ever saw.

    Copies finish now or, with `spacing`, one every `spacing` in the past up to now: the archive
    key carries the finishing time, which recovery compares with its open groups' creation."""
    store = executor.store
    now = executor.broker.now()
    for index in range(count):
        group = _copy(template, str(uuid.uuid4()))
        store.archive(group, now - (count - index) * spacing if spacing else now)
        if remember:
            for leg in group.legs:
                for order in leg.orders:
                    if order.order_id is not None:
                        executor._orders[order.order_id] = group.group_id  # as _bind indexes it
            executor._remember(group)


def _copy(group: Group, group_id: str) -> Group:
    old = group.group_id
    legs = [
        dataclasses.replace(leg, orders=[
            dataclasses.replace(order, tag=order.tag.replace(old, group_id), broker_ids=list(order.broker_ids),
                                order_id=next(_CLONE_ORDER_IDS) if order.order_id is not None else None)
            for order in leg.orders])
        for leg in group.legs
    ]
    return dataclasses.replace(group, group_id=group_id, legs=legs, log=list(group.log))
