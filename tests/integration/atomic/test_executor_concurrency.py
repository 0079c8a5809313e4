"""Threads that really overlap, in live mode: LEAN's brokerage thread delivers order events and its
real-time thread runs check_timeouts while another thread is inside one of the executor's own calls
into LEAN (market_order, combo_market_order, ticket.cancel).

The overlap is forced, not hoped for: when the chosen call is reached, the other threads are let go
and the caller waits, still inside LEAN, until each of them is blocked on the executor's lock (or has
finished, which only a missing lock allows). Every wait and join has a timeout, so a deadlock fails
the test instead of hanging it. Each seed picks an execution mode, which call, and what the brokerage
has done by then; the outcome must lose nothing and count nothing twice.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable
from typing import Any

import pytest

from executor_kit import EXECUTION_MODES, HostAlgorithm, iron_condor, naked_shorts, settle, start

from AlgorithmImports import OrderStatus

from atomic import GroupStatus
from atomic.executor import GroupResult
from leansim import CancelLosesRace, Match, NeverFill, Simulator

WAIT = 5.0  # seconds a thread waits for another before the test calls it stuck


class Overlap:
    """Where the caller thread stops inside LEAN, and what the other threads did meanwhile.

    The caller stops at its first order call, from the `at`-th on, when LEAN's other threads have work
    queued: events for the algorithm (`sim.pending_events`), or answered cancels for the brokerage
    (`sim.pending_cancels`); `on_reach` runs there first."""

    def __init__(self, sim: Simulator, caller: str, at: int, contenders: set[str], on_reach: Callable[[], None]) -> None:
        self.caller, self.at, self.contenders, self._on_reach = caller, at, contenders, on_reach
        self._sim = sim
        self.calls: list[str] = []
        self.stopped_in = ""
        self.go = threading.Event()  # lets the contenders start
        self.waited: set[str] = set()  # contenders found the executor's lock held and waited for it
        self.finished: set[str] = set()
        self.problems: list[str] = []
        self._change = threading.Condition()

    def reached(self, call: str, peek: Callable[[], object]) -> None:
        """Called on every thread inside a LEAN order call; the caller may stop here (see the class)."""
        if threading.current_thread().name != self.caller:
            return
        self.calls.append(call)
        if self.stopped_in or len(self.calls) < self.at or not (self._sim.pending_events or self._sim.pending_cancels):
            return
        self.stopped_in = call
        before = peek()
        self._on_reach()
        self.go.set()
        with self._change:
            settled = self._change.wait_for(lambda: self.contenders <= self.waited | self.finished, WAIT)
        if not settled:
            self.problems.append(f"inside {call}: {sorted(self.contenders - self.waited - self.finished)} never "
                                 "reached the executor's lock (blocked in LEAN?)")
        if self.finished & self.contenders:
            self.problems.append(f"inside {call}: {sorted(self.finished & self.contenders)} finished "
                                 "without ever waiting for the executor's lock")
        if peek() != before:
            self.problems.append(f"inside {call}: the executor's groups changed under the caller")

    def note(self, waited: bool = False, finished: bool = False) -> None:
        name = threading.current_thread().name
        with self._change:
            if waited:
                self.waited.add(name)
            if finished:
                self.finished.add(name)
            self._change.notify_all()


class WatchedLock:
    """The executor's own lock, telling the overlap which threads had to wait for it."""

    def __init__(self, inner: Any, overlap: Overlap) -> None:
        self._inner, self._overlap = inner, overlap

    def __enter__(self) -> bool:
        if not self._inner.acquire(blocking=False):
            self._overlap.note(waited=True)
            self._inner.acquire()
        return True

    def __exit__(self, *exc: object) -> None:
        self._inner.release()


class OverlapHost(HostAlgorithm):
    """Times out groups only when a test's real-time thread says so; reports every order call."""

    overlap: Overlap | None = None

    def on_data(self, slice: Any) -> None:
        pass

    def market_order(self, symbol: Any, quantity: Any, asynchronous: bool = False, tag: str = "",
                     order_properties: Any = None) -> Any:
        ticket = super().market_order(symbol, quantity, asynchronous, tag, order_properties)
        self._inside_lean(f"market_order {tag}")
        return ticket

    def combo_market_order(self, legs: Any, quantity: Any, asynchronous: bool = False, tag: str = "",
                           order_properties: Any = None) -> Any:
        tickets = super().combo_market_order(legs, quantity, asynchronous, tag, order_properties)
        self._inside_lean(f"combo_market_order {tag}")
        return tickets

    def on_order_event(self, order_event: Any) -> None:
        if order_event.status == OrderStatus.CANCEL_PENDING:  # told on the caller's thread, inside ticket.cancel()
            self._inside_lean(f"cancel {order_event.order_id}")
        super().on_order_event(order_event)

    def _inside_lean(self, call: str) -> None:
        if self.overlap is not None:
            self.overlap.reached(call, lambda: self.executor.open_groups())


def _live(mode: str, faults: tuple[Any, ...] = ()) -> tuple[Simulator, OverlapHost]:
    sim, algo = start("live", faults=faults, base=OverlapHost, atomic_order_timeout=5, **EXECUTION_MODES[mode])
    assert isinstance(algo, OverlapHost)
    return sim, algo


def _watch(algo: OverlapHost, overlap: Overlap) -> None:
    algo.overlap = overlap
    # The one place the test reaches inside the executor: to see who waits for its lock.
    algo.executor._lock = WatchedLock(algo.executor._lock, overlap)  # type: ignore[assignment]


def _run_threads(overlap: Overlap, caller: Callable[[], None], contenders: dict[str, Callable[[], None]]) -> None:
    """Run the caller and the contenders (which start when the caller is inside LEAN) on threads of
    their own; fail on a thread still running after WAIT seconds, or on an error in one."""
    errors: list[str] = []

    def guarded(body: Callable[[], None], waits: bool) -> Callable[[], None]:
        def run() -> None:
            try:
                if waits and not overlap.go.wait(WAIT):
                    errors.append(f"{threading.current_thread().name}: the caller never stopped (calls: {overlap.calls})")
                    return
                body()
            except BaseException as error:
                errors.append(f"{threading.current_thread().name}: {error!r}")
            finally:
                overlap.note(finished=True)
        return run

    threads = [threading.Thread(target=guarded(caller, False), name=overlap.caller, daemon=True)]
    threads += [threading.Thread(target=guarded(body, True), name=name, daemon=True) for name, body in contenders.items()]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + WAIT * 3
    for thread in threads:
        thread.join(max(0.0, deadline - time.monotonic()))
    stuck = [thread.name for thread in threads if thread.is_alive()]
    assert not stuck, f"deadlock: {stuck} still running (calls: {overlap.calls})"
    assert not errors, errors
    assert not overlap.problems, overlap.problems
    assert overlap.contenders <= overlap.waited, f"no overlap: only {overlap.waited} waited (calls: {overlap.calls})"


def _nothing_lost_or_doubled(sim: Simulator, algo: OverlapHost, results: list[GroupResult]) -> None:
    """The brokerage's positions are exactly what the groups' books hold, and each of the
    brokerage's fills reached on_order_event exactly once."""
    books: dict[str, int] = {}
    for result in results:
        for leg in result.view.legs:
            books[leg.symbol] = books.get(leg.symbol, 0) + leg.filled
    held = {str(symbol.value): int(quantity) for symbol, quantity in sim.positions.items() if quantity}
    assert held == {symbol: quantity for symbol, quantity in books.items() if quantity}
    fills = [(e.order_id, e.id) for e in algo.order_events if e.fill_quantity]
    assert len(fills) == len(set(fills)) == sum(len(order.fills) for order in sim.broker_orders)
    assert naked_shorts(algo, {s: int(q) for s, q in sim.positions.items()}) == 0
    # LEAN refusing a cancel the brokerage could not honour (a combo leg it already closed) is its
    # normal answer; anything else logged as an error is one of the executor's alerts.
    assert [e for e in sim.logs_at("ERROR") if not e.startswith("Brokerage failed to cancel")] == []


def _put_spread(algo: OverlapHost, quantity: int) -> GroupResult:
    return algo.executor.execute_put_spread_atomic(algo.short_put, algo.far_put, quantity)


def _first_batch_calls(mode: str) -> int:
    """LEAN order calls a put spread's first batch makes: both legs, the long alone, one combo."""
    return 2 if mode == "parallel" else 1


@pytest.mark.parametrize("seed", range(24))
def test_events_and_check_timeouts_wait_while_the_algorithm_thread_places_a_group(seed: int) -> None:
    """Group A's events (and, by the seed, fills of B's first legs) arrive on the brokerage thread,
    and the real-time thread checks timeouts, while the algorithm thread is inside B's order call."""
    rng = random.Random(seed)
    mode = rng.choice(sorted(EXECUTION_MODES))
    sim, algo = _live(mode)
    first = iron_condor(algo, rng.randint(1, 3))  # its events wait in the brokerage's queue
    if rng.random() < 0.5:
        sim.work_brokerage()  # ...and so do its fills
    fill_meanwhile = rng.random() < 0.5
    overlap = Overlap(sim, "algorithm", rng.randint(1, _first_batch_calls(mode)), {"brokerage", "realtime"},
                      sim.work_brokerage if fill_meanwhile else lambda: None)
    _watch(algo, overlap)
    results: list[GroupResult] = [first]

    _run_threads(overlap, lambda: results.append(_put_spread(algo, rng.randint(1, 3))),
                 {"brokerage": sim.deliver, "realtime": algo.executor.check_timeouts})
    settle(sim, 10)

    assert [r.status for r in results] == [GroupStatus.FILLED, GroupStatus.FILLED]
    assert all(bool(r) for r in results)
    _nothing_lost_or_doubled(sim, algo, results)


@pytest.mark.parametrize("seed", range(24))
def test_a_timeout_rollback_on_the_real_time_thread_overlaps_events_and_a_new_group(seed: int) -> None:
    """The real-time thread's check_timeouts rolls back a group whose leg hangs; inside its cancel
    or reversal order, the brokerage thread delivers what the brokerage did (by the seed, the hanging
    order filling instead of cancelling) and the algorithm thread places a new group."""
    rng = random.Random(seed)
    mode = rng.choice(sorted(EXECUTION_MODES))
    # In sequential mode a hanging long leaves the real-time thread a lone cancel, which the brokerage
    # has nothing to answer before it receives it: hang a short there.
    hanging = Match(nth=rng.randint(3 if mode == "sequential" else 1, 4))
    faults: tuple[Any, ...] = (NeverFill(hanging),)
    if rng.random() < 0.5:
        faults += (CancelLosesRace(hanging),)
    sim, algo = _live(mode, faults)
    first = iron_condor(algo, rng.randint(1, 3))
    settle(sim, 7)  # past the timeout; nothing checks it yet
    assert first.status is GroupStatus.PENDING
    fill_meanwhile = rng.random() < 0.5
    overlap = Overlap(sim, "realtime", 1, {"brokerage", "algorithm"},
                      sim.work_brokerage if fill_meanwhile else lambda: None)
    _watch(algo, overlap)
    results: list[GroupResult] = [first]

    _run_threads(overlap, algo.executor.check_timeouts,
                 {"brokerage": sim.deliver, "algorithm": lambda: results.append(_put_spread(algo, rng.randint(1, 3)))})
    for _ in range(3):  # the rollback's own patience runs on the real-time thread's checks
        settle(sim, 5)
        algo.executor.check_timeouts()
    settle(sim, 5)

    assert [r.status for r in results] == [GroupStatus.ROLLED_BACK, GroupStatus.FILLED]
    assert results[0].view.flat and bool(results[1])
    _nothing_lost_or_doubled(sim, algo, results)


@pytest.mark.parametrize("seed", range(16))
def test_an_operator_rollback_cancels_while_the_fills_it_races_arrive(seed: int) -> None:
    """The algorithm thread rolls a group back while the brokerage has filled its legs (all, or all
    but one that hangs) and the fills still wait in the queue: inside its ticket.cancel() the brokerage
    thread delivers them and the real-time thread checks timeouts. The fills stand; the rollback
    reverses them."""
    rng = random.Random(seed)
    mode = rng.choice(sorted(EXECUTION_MODES))
    faults: tuple[Any, ...] = (NeverFill(Match(nth=rng.randint(1, 4))),) if rng.random() < 0.5 else ()
    sim, algo = _live(mode, faults)
    first = iron_condor(algo, rng.randint(1, 3))
    sim.deliver()  # acknowledged (LEAN refuses to cancel an order still NEW)
    sim.work_brokerage()  # filled at the brokerage; the algorithm has not heard yet
    overlap = Overlap(sim, "algorithm", 1, {"brokerage", "realtime"}, lambda: None)
    _watch(algo, overlap)

    _run_threads(overlap, lambda: algo.executor.rollback_group(first.group_id),
                 {"brokerage": sim.deliver, "realtime": algo.executor.check_timeouts})
    for _ in range(3):
        settle(sim, 5)
        algo.executor.check_timeouts()

    assert first.status is GroupStatus.ROLLED_BACK and first.view.flat
    _nothing_lost_or_doubled(sim, algo, [first])
