"""Crash points stop execution exactly there; a restart sees what LEAN live would see."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from leansim_kit import OPEN, Recorder

from leansim import CrashAt, FaultPlan, NeverFill, SimulatedCrash, Simulator
from leansim.enums import OrderStatus
from leansim.faults import CRASH_POINTS
from leansim.pytest_plugin import LeanSim, ManualClock

# The tests that take the leansim fixtures run a Recorder from the open (leansim.pytest_plugin).
pytestmark = pytest.mark.leansim(algorithm=Recorder, start=OPEN)


class SaveThenTrade(Recorder):
    """One unit of work: write intent, trade, write the outcome."""

    steps: list[str]

    def on_warmup_finished(self) -> None:
        self.steps = []

    def work(self) -> None:
        self.object_store.save("test/intent", "buy 5")
        self.steps.append("saved intent")
        self.market_order(self.spy, 5, tag="group-1/leg-0")
        self.steps.append("ordered")
        self.object_store.save("test/done", "yes")
        self.steps.append("saved outcome")


def _run_once(plan: FaultPlan) -> tuple[Simulator, SaveThenTrade]:
    sim = Simulator(start=OPEN, faults=plan)
    algo = sim.start(SaveThenTrade)
    algo.work()
    return sim, algo


def test_counters_enumerate_every_crash_point_and_each_one_stops_there() -> None:
    reference, _ = _run_once(FaultPlan())
    counts = reference.counters
    assert counts["before_save"] == 2 and counts["after_order"] == 1 and counts["after_fill"] == 1
    expected_steps = {
        ("before_save", 1): [],
        ("after_save", 1): [],
        ("before_order", 1): ["saved intent"],
        ("after_order", 1): ["saved intent"],
        ("after_fill", 1): ["saved intent"],
        ("before_save", 2): ["saved intent", "ordered"],
        ("after_save", 2): ["saved intent", "ordered"],
    }
    for point in CRASH_POINTS:
        for n in range(1, counts[point] + 1):
            sim = Simulator(start=OPEN, faults=FaultPlan((CrashAt(point, n),)))
            algo = sim.start(SaveThenTrade)
            with pytest.raises(SimulatedCrash):
                algo.work()
            assert algo.steps == expected_steps[(point, n)], (point, n)
            assert not sim.alive and sim.algorithm is None


def test_crash_before_order_means_the_brokerage_never_saw_it() -> None:
    sim = Simulator(start=OPEN, faults=FaultPlan((CrashAt("before_order"),)))
    algo = sim.start(SaveThenTrade)
    with pytest.raises(SimulatedCrash):
        algo.work()
    assert sim.broker_orders == [] and algo.statuses() == []


def test_crash_after_order_leaves_an_open_order_the_restart_reloads_and_fills() -> None:
    sim = Simulator(start=OPEN, faults=FaultPlan((CrashAt("after_order"),)))
    algo = sim.start(SaveThenTrade)
    with pytest.raises(SimulatedCrash):
        algo.work()
    assert algo.statuses() == []  # the SUBMITTED event never reached the algorithm
    assert [o.status for o in sim.open_broker_orders] == [OrderStatus.SUBMITTED]
    broker_id = sim.open_broker_orders[0].broker_id
    restarted = sim.restart(Recorder)
    [order] = restarted.transactions.get_open_orders()
    assert order.id == 1 and order.tag == "" and order.broker_id == [broker_id]
    assert [o.id for o in restarted.transactions.get_orders_by_brokerage_id(broker_id)] == [1]
    sim.advance(1)
    assert restarted.statuses() == ["FILLED"] and restarted.portfolio[restarted.spy].quantity == 5


def test_crash_after_fill_the_brokerage_holds_the_position_the_algorithm_never_saw() -> None:
    sim = Simulator(start=OPEN, faults=FaultPlan((CrashAt("after_fill"),)))
    algo = sim.start(SaveThenTrade)
    with pytest.raises(SimulatedCrash):
        algo.work()
    assert algo.statuses() == ["SUBMITTED"] and algo.portfolio[algo.spy].quantity == 0
    assert sim.position("SPY") == 5
    restarted = sim.restart(Recorder)
    assert restarted.portfolio[restarted.spy].quantity == 5
    assert restarted.portfolio[restarted.spy].average_price == 100.01
    assert restarted.transactions.get_open_orders() == []


def test_restart_sees_only_flushed_store_writes(leansim: LeanSim, leansim_algorithm: Recorder,
                                                leansim_clock: ManualClock) -> None:
    leansim_algorithm.object_store.save("test/early", "1")
    leansim_clock.advance(seconds=5)  # LEAN persists every 5 s
    leansim_algorithm.object_store.save("test/late", "2")
    leansim_clock.advance(seconds=2)
    assert leansim.sim.stored == {"test/early": "1"}
    restarted = leansim.restart()
    assert restarted.object_store.keys == ["test/early"]
    assert restarted.object_store.read("test/early") == "1"


def test_get_file_path_forces_a_flush(leansim_algorithm: Recorder, leansim_restart: Callable[[], Recorder]) -> None:
    leansim_algorithm.object_store.save("test/x", "1")
    leansim_algorithm.object_store.get_file_path("test/x")
    assert leansim_restart().object_store.read("test/x") == "1"


@pytest.mark.leansim(faults=[CrashAt("after_save", 2)])
def test_a_save_crash_loses_the_write_and_everything_unflushed(leansim_algorithm: Recorder,
                                                               leansim_restart: Callable[[], Recorder]) -> None:
    leansim_algorithm.object_store.save("test/a", "1")
    with pytest.raises(SimulatedCrash):
        leansim_algorithm.object_store.save("test/b", "2")
    restarted = leansim_restart()
    assert restarted.object_store.keys == []


def test_restart_keeps_open_orders_working_and_time_passes_while_dead() -> None:
    sim = Simulator(start=OPEN, faults=FaultPlan((NeverFill(),)))
    algo = sim.start(Recorder)
    algo.limit_order(algo.spy, 2, 99.0, tag="g2/leg-0")
    sim.crash()
    sim.set_quote("SPY", 98.0, 98.5)
    sim.advance(10)  # marketable now, but NeverFill keeps it resting at the brokerage
    restarted = sim.restart(Recorder)
    open_orders = restarted.transactions.get_open_orders()
    assert [(o.id, o.tag, o.quantity) for o in open_orders] == [(1, "", 2)]
    assert restarted.transactions.get_order_ticket(1).status == OrderStatus.SUBMITTED  # type: ignore[union-attr]


def test_fills_while_the_process_is_dead_show_up_as_holdings_on_restart(
        leansim: LeanSim, leansim_algorithm: Recorder, leansim_restart: Callable[[float], Recorder]) -> None:
    leansim_algorithm.limit_order(leansim_algorithm.spy, 2, 99.0)
    leansim.sim.set_quote("SPY", 98.0, 98.5)  # marketable while the process is dead
    restarted = leansim_restart(60)  # the next time slice: the ask bar's low 98.5 is below the limit
    assert restarted.portfolio[restarted.spy].quantity == 2
    assert restarted.transactions.get_open_orders() == []
    assert restarted.portfolio.cash == pytest.approx(100_000 - 2 * 98.5)


def test_a_dead_algorithm_cannot_write_to_the_store(leansim: LeanSim, leansim_algorithm: Recorder) -> None:
    leansim.sim.crash()
    with pytest.raises(RuntimeError):
        leansim_algorithm.object_store.save("test/zombie", "x")


def test_a_live_crash_before_the_cancel_is_sent_loses_it_and_the_restart_finds_the_order_open() -> None:
    sim = Simulator(start=OPEN, mode="live", faults=FaultPlan((NeverFill(), CrashAt("before_cancel"))))
    algo = sim.start(Recorder)
    ticket = algo.market_order(algo.spy, 2, tag="g/0")
    sim.advance(1)
    assert ticket.cancel().is_success  # answered, CANCEL_PENDING delivered: the algorithm believes it
    assert algo.statuses() == ["SUBMITTED", "CANCEL_PENDING"]
    with pytest.raises(SimulatedCrash, match="before_cancel"):
        sim.advance(1)  # LEAN's transaction thread would send it now
    [order] = sim.open_broker_orders
    assert order.status == OrderStatus.SUBMITTED
    restarted = sim.restart(Recorder)
    assert [(o.id, o.status) for o in restarted.transactions.get_open_orders()] == [(1, OrderStatus.SUBMITTED)]


def test_a_backtest_cancel_passes_the_same_point_inside_the_call() -> None:
    sim = Simulator(start=OPEN, faults=FaultPlan((NeverFill(), CrashAt("before_cancel"))))
    algo = sim.start(Recorder)
    ticket = algo.market_order(algo.spy, 2)
    with pytest.raises(SimulatedCrash, match="before_cancel"):
        ticket.cancel()
    assert algo.statuses() == ["SUBMITTED", "CANCEL_PENDING"] and len(sim.open_broker_orders) == 1
