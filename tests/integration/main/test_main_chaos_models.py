"""chaos.py on its own: ChaosPlan's draws, and the two models installed through LEAN's extension
points (a brokerage model, a security's fill model) on the double, without main.py."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

import leansim

leansim.install()

from AlgorithmImports import (
    Leg,
    Market,
    OptionRight,
    OptionStyle,
    OrderStatus,
    QCAlgorithm,
    Symbol,
    TradierBrokerageModel,
)

from chaos import ChaosBrokerageModel, ChaosFillModel, ChaosPlan
from leansim import Simulator

OPEN = datetime(2024, 1, 2, 15, 0, tzinfo=timezone.utc)  # Tuesday, 10:00 in New York
EXPIRY = datetime(2024, 1, 5)
NORMAL = ChaosPlan(seed=1, reject_probability=0.0, partial_probability=0.0, delay_probability=0.0)


# --- ChaosPlan -----------------------------------------------------------------------------------


def test_an_outcome_depends_only_on_seed_and_order_id() -> None:
    plan = ChaosPlan(seed=11, reject_probability=0.2, partial_probability=0.2, delay_probability=0.2)
    twin = ChaosPlan(seed=11, reject_probability=0.2, partial_probability=0.2, delay_probability=0.2)
    ids = range(1, 500)
    forwards = [plan.outcome(i) for i in ids]
    assert [twin.outcome(i) for i in reversed(ids)] == forwards[::-1]  # no hidden state, any order
    assert [plan.outcome(i) for i in ids] == forwards  # asking again changes nothing
    other = ChaosPlan(seed=12, reject_probability=0.2, partial_probability=0.2, delay_probability=0.2)
    assert [other.outcome(i) for i in ids] != forwards


@pytest.mark.parametrize(
    ("reject", "partial", "delay"),
    [(-0.1, 0.0, 0.0), (0.0, -0.01, 0.5), (0.0, 0.0, -1.0), (0.5, 0.5, 0.01), (1.0, 0.1, 0.0), (0.4, 0.4, 0.4)],
)
def test_probabilities_must_be_non_negative_and_sum_to_at_most_one(reject: float, partial: float, delay: float) -> None:
    with pytest.raises(ValueError, match="chaos probabilities"):
        ChaosPlan(seed=1, reject_probability=reject, partial_probability=partial, delay_probability=delay)


def test_probabilities_summing_to_one_or_zero_are_accepted() -> None:
    everything = ChaosPlan(seed=3, reject_probability=0.5, partial_probability=0.25, delay_probability=0.25)
    assert "normal" not in {everything.outcome(i) for i in range(1, 2000)}
    assert {NORMAL.outcome(i) for i in range(1, 2000)} == {"normal"}


@pytest.mark.parametrize("seed", [1, 7, 2024])
def test_outcome_frequencies_match_the_probabilities(seed: int) -> None:
    plan = ChaosPlan(seed=seed, reject_probability=0.3, partial_probability=0.2, delay_probability=0.1)
    n = 20_000
    counted = Counter(plan.outcome(i) for i in range(1, n + 1))
    expected = {"reject": 0.3, "partial": 0.2, "delay": 0.1, "normal": 0.4}
    for outcome, chance in expected.items():
        assert abs(counted[outcome] / n - chance) < 0.015, (outcome, counted)


# --- the models on the double --------------------------------------------------------------------


def host(plan: ChaosPlan, inner: Any = None) -> type[QCAlgorithm]:
    """An algorithm with two option contracts whose fill model is chaos.py's, behind chaos.py's
    brokerage model (wrapping `inner`, when given)."""

    class ChaosHost(QCAlgorithm):
        def initialize(self) -> None:
            self.set_cash(100_000)
            self.set_brokerage_model(ChaosBrokerageModel(plan, inner))
            fill_model = ChaosFillModel(plan)
            self.call = self._contract(OptionRight.CALL, 100)
            self.put = self._contract(OptionRight.PUT, 95)
            for symbol in (self.call, self.put):
                self.securities[symbol].set_fill_model(fill_model)

        def _contract(self, right: Any, strike: float) -> Symbol:
            symbol = Symbol.create_option("SPY", Market.USA, OptionStyle.AMERICAN, right, strike, EXPIRY)
            return self.add_option_contract(symbol).symbol

    return ChaosHost


def start(plan: ChaosPlan, inner: Any = None) -> tuple[Simulator, Any]:
    sim = Simulator(start=OPEN)
    return sim, sim.start(host(plan, inner))


def only(outcome: str, delay_scans: int = 2) -> ChaosPlan:
    chances = {"reject": 0.0, "partial": 0.0, "delay": 0.0, outcome: 1.0}
    return ChaosPlan(seed=5, reject_probability=chances["reject"], partial_probability=chances["partial"],
                     delay_probability=chances["delay"], delay_scans=delay_scans)


def test_a_refusal_by_the_chaos_brokerage_model_marks_the_order_invalid() -> None:
    sim, algo = start(only("reject"))
    ticket = algo.market_order(algo.call, 2)
    assert ticket.status == OrderStatus.INVALID and ticket.quantity_filled == 0
    assert "ChaosReject" in str(sim.events[-1].message) and sim.events[-1].status == OrderStatus.INVALID
    assert sim.broker_orders == [] and sim.positions == {}  # refused before the brokerage saw it


def test_the_wrapped_brokerage_model_still_decides_when_chaos_does_not_refuse() -> None:
    sim, algo = start(NORMAL, TradierBrokerageModel())
    tickets = algo.combo_market_order([Leg.create(algo.call, 1), Leg.create(algo.put, -1)], 1)
    assert [t.status for t in tickets] == [OrderStatus.INVALID, OrderStatus.INVALID]
    assert "does not support COMBO_MARKET" in sim.events[-1].message
    assert algo.market_order(algo.call, 1).status == OrderStatus.FILLED


def test_a_normal_outcome_fills_at_once() -> None:
    sim, algo = start(NORMAL)
    assert algo.market_order(algo.call, 3).status == OrderStatus.FILLED
    assert sim.position(algo.call) == 3


def test_a_partial_fill_never_completes() -> None:
    sim, algo = start(only("partial"))
    ticket = algo.market_order(algo.call, 4)
    assert (ticket.status, ticket.quantity_filled) == (OrderStatus.PARTIALLY_FILLED, 2)
    sim.advance(timedelta(minutes=10), step=1.0)  # 600 more scans
    assert (ticket.status, ticket.quantity_filled) == (OrderStatus.PARTIALLY_FILLED, 2)
    assert sim.position(algo.call) == 2 and sim.open_broker_orders[0].remaining == 2


def test_a_one_lot_partial_fills_whole_there_being_no_smaller_part() -> None:
    sim, algo = start(only("partial"))
    assert algo.market_order(algo.put, -1).status == OrderStatus.FILLED
    assert sim.position(algo.put) == -1


@pytest.mark.parametrize("delay_scans", [1, 2, 5])
def test_a_delayed_order_fills_on_the_scan_after_its_delay(delay_scans: int) -> None:
    sim, algo = start(only("delay", delay_scans))
    ticket = algo.market_order(algo.call, 3)  # a backtest scans the brokerage once inside the call
    scans = 1
    while ticket.status != OrderStatus.FILLED:
        assert ticket.quantity_filled == 0 and scans <= delay_scans
        sim.advance(60.0, step=60.0)  # the next time slice: a backtest scans the brokerage once a slice
        scans += 1
    assert scans == delay_scans + 1 and ticket.quantity_filled == 3


def test_a_combo_partial_fills_whole_structures_on_every_leg_and_never_completes() -> None:
    sim, algo = start(only("partial"))
    tickets = algo.combo_market_order([Leg.create(algo.call, 1), Leg.create(algo.put, -2)], 4)
    assert [(t.status, t.quantity_filled) for t in tickets] == [
        (OrderStatus.PARTIALLY_FILLED, 2), (OrderStatus.PARTIALLY_FILLED, -4)]  # 2 of 4 structures
    sim.advance(timedelta(minutes=5), step=1.0)
    assert [t.quantity_filled for t in tickets] == [2, -4]
    assert (sim.position(algo.call), sim.position(algo.put)) == (2, -4)


def test_a_combo_fault_is_drawn_once_for_the_whole_combo() -> None:
    """The combo's outcome is the group's draw: a delayed combo fills every leg on the same scan."""
    sim, algo = start(only("delay", 2))
    tickets = algo.combo_market_order([Leg.create(algo.call, 1), Leg.create(algo.put, -1)], 3)
    sim.advance(60.0, step=60.0)  # one time slice: one scan
    assert [t.quantity_filled for t in tickets] == [0, 0]
    sim.advance(60.0, step=60.0)
    assert [(t.status, t.quantity_filled) for t in tickets] == [(OrderStatus.FILLED, 3), (OrderStatus.FILLED, -3)]
