"""The algorithms the benchmarks run, and how they build a long history of real groups.

The hosts are the integration kit's `HostAlgorithm` (the executor wired as main.py wires it:
recovery from on_warmup_finished, every order event forwarded, timeouts checked on each slice),
with a stopwatch around the executor call in `on_order_event` and nothing else inside it.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "integration"))

import executor_kit
from executor_kit import EXPIRY, OPEN, HostAlgorithm, iron_condor, option

from AlgorithmImports import Symbol
from atomic.executor import GroupResult
from atomic.model import GroupStatus
from atomic.tags import parse_tag
from leansim import Simulator

__all__ = ["EXPIRY", "OPEN", "HostAlgorithm", "iron_condor"]

# Enough cash that thousands of condors held at once never meet the buying-power pre-check.
CASH = 1e9


class TimedHost(HostAlgorithm):
    """HostAlgorithm whose on_order_event times the executor call alone (perf_counter around it).

    `event_seconds[i]` is the time the executor took on the i-th event, `event_store_seconds[i]` the
    part of it spent in ObjectStore calls (save, read, delete, get_file_path: the double's store,
    standing for LEAN's), `event_orders[i]` that event's LEAN order id; `save_seconds` the time of
    each ObjectStore save, `record_save_seconds` of each group record the executor saves (encoding
    and the ObjectStore save: `executor.store.save_open`), events or not. `after_event`, when set,
    runs after each event, outside the timing."""

    def initialize(self) -> None:
        super().initialize()
        self.event_seconds: list[float] = []
        self.event_store_seconds: list[float] = []
        self.event_orders: list[int] = []
        self.after_event: Callable[[], None] | None = None
        self.save_seconds: list[float] = []
        self.record_save_seconds: list[float] = []
        self.store_seconds = 0.0
        for name in ("save", "read", "delete", "get_file_path"):
            setattr(self.object_store, name, self._timed(getattr(self.object_store, name), name == "save"))
        self.executor.store.save_open = self._stopwatch(self.executor.store.save_open,  # type: ignore[method-assign]
                                                        self.record_save_seconds)

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
        self.save_seconds.clear()
        self.record_save_seconds.clear()

    @staticmethod
    def _stopwatch(call: Callable[..., Any], durations: list[float]) -> Callable[..., Any]:
        """`call`, appending the time of each call to `durations`."""

        def timed(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return call(*args, **kwargs)
            finally:
                durations.append(time.perf_counter() - started)

        return timed

    def _timed(self, call: Callable[..., Any], is_save: bool) -> Callable[..., Any]:
        """`call` (an ObjectStore method, as this instance's attribute) adding its time to store_seconds
        (and, for a save, to save_seconds)."""

        def timed(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return call(*args, **kwargs)
            finally:
                elapsed = time.perf_counter() - started
                self.store_seconds += elapsed
                if is_save:
                    self.save_seconds.append(elapsed)

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


# --- a long history, through the public API -------------------------------------------------------------

# Groups placed at once while building a history (max_pending_groups must allow them): a live
# batch fills within a couple of simulated seconds, so 100,000 groups take under 3 hours of session.
BATCH = 20


def finish_groups(sim: Simulator, algo: HostAlgorithm, count: int, batch: int = BATCH) -> list[GroupResult]:
    """Finish `count` real one-lot iron condors through `execute_iron_condor_atomic`, `batch` at a time
    (a live batch is settled by advancing the clock a second at a time). Raises if one does not fill."""
    results = []
    while len(results) < count:
        placed = [iron_condor(algo, 1) for _ in range(min(batch, count - len(results)))]
        for _ in range(30):
            if all(r.status is not GroupStatus.PENDING for r in placed):
                break
            sim.advance(1)
        unfilled = [r for r in placed if r.status is not GroupStatus.FILLED]
        if unfilled:
            raise RuntimeError(f"a history group did not fill: {unfilled[0]} {unfilled[0].reason}")
        results += placed
    return results
