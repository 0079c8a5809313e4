"""Structures declared by a spec, through the executor on the LEAN double: a 1-2-1 call butterfly and
a bull call debit spread fill whole, in parallel, sequential and combo modes, backtest and live;
a refused or partial entry returns to flat (or to whole structures) with no short left naked."""

from __future__ import annotations

from typing import Any

import pytest

from executor_kit import EXECUTION_MODES, MODES, HostAlgorithm, group_orders, naked_shorts, option, positions, settle, start

from AlgorithmImports import OrderEvent, OrderType, Symbol
from atomic import GroupStatus, InvalidGroupError
from atomic.executor import GroupResult
from atomic.structures import BULL_CALL_SPREAD, CALL_BUTTERFLY
from leansim import Match, PartialFill, Reject


class ButterflyHost(HostAlgorithm):
    """Also subscribes the 475 call: a 475/480/485 call butterfly; `trace` follows its three calls."""

    def initialize(self) -> None:
        super().initialize()
        self.lower_call = self.add_option_contract(option("call", 475)).symbol

    def butterfly(self) -> tuple[Symbol, Symbol, Symbol]:
        return self.lower_call, self.short_call, self.long_call

    def on_order_event(self, order_event: OrderEvent) -> None:
        self.order_events.append(order_event)
        self.executor.on_order_event(order_event)
        self.trace.append({s: int(self.portfolio[s].quantity) for s in self.butterfly()})


def _start(mode: str, execution: str, faults: Any = (), **overrides: Any) -> tuple[Any, ButterflyHost]:
    sim, algo = start(mode, faults, base=ButterflyHost, **EXECUTION_MODES[execution], **overrides)
    assert isinstance(algo, ButterflyHost)
    return sim, algo


def _butterfly(algo: ButterflyHost, structures: int) -> GroupResult:
    legs = CALL_BUTTERFLY.quantities(algo.butterfly(), structures)
    return algo.executor.execute_atomic(legs, "butterfly", structure=CALL_BUTTERFLY)


def _held(algo: ButterflyHost, structures: int) -> dict[str, int]:
    lower, middle, upper = algo.butterfly()
    return {str(lower): structures, str(middle): -2 * structures, str(upper): structures}


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("execution", sorted(EXECUTION_MODES))
def test_a_call_butterfly_fills_whole_and_never_naked(mode: str, execution: str) -> None:
    sim, algo = _start(mode, execution)

    result = _butterfly(algo, 3)
    settle(sim, 10)

    assert result.status is GroupStatus.FILLED and bool(result)
    assert positions(sim, algo.butterfly()) == _held(algo, 3)
    assert naked_shorts(algo, {s: q for s, q in zip(algo.butterfly(), (3, -6, 3))}) == 0
    if execution != "parallel" or mode == "backtest":  # parallel live legs may fill in any order
        assert max(naked_shorts(algo, step) for step in algo.trace) == 0
    assert result.view.structures == 3


def test_the_combo_carries_the_1_2_1_ratios() -> None:
    sim, algo = _start("backtest", "combo")

    result = _butterfly(algo, 2)

    orders = group_orders(sim, result.group_id)
    assert {o.order_type for o in orders} == {OrderType.COMBO_MARKET}
    assert sorted(int(o.quantity) for o in orders) == [-4, 2, 2]
    assert result.status is GroupStatus.FILLED


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("execution", ["parallel", "sequential"])
def test_a_refused_body_rolls_the_butterfly_back_to_flat(mode: str, execution: str) -> None:
    # Placed protective legs first: the wings are legs 0 and 1, the two short calls leg 2.
    sim, algo = _start(mode, execution, [Reject("no liquidity", Match(tag_contains="/entry/2/"))])

    result = _butterfly(algo, 2)
    settle(sim, 60)

    assert result.status is GroupStatus.ROLLED_BACK
    assert positions(sim, algo.butterfly()) == _held(algo, 0)
    assert max(naked_shorts(algo, step) for step in algo.trace) == 0


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(("policy", "kept"), [("flatten", 0), ("trim", 1)])
def test_a_partially_filled_butterfly_combo_keeps_whole_structures_only(mode: str, policy: str, kept: int) -> None:
    sim, algo = _start(mode, "combo", [PartialFill(1, remainder="never", match=Match(tag_contains="/combo/"))],
                       partial_fill_policy=policy)

    result = _butterfly(algo, 3)
    settle(sim, 120)

    assert result.status is (GroupStatus.ROLLED_BACK if kept == 0 else GroupStatus.FILLED)
    assert positions(sim, algo.butterfly()) == _held(algo, kept)
    assert max(naked_shorts(algo, step) for step in algo.trace) == 0


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("execution", sorted(EXECUTION_MODES))
def test_a_bull_call_spread_fills_and_a_refused_long_leaves_nothing(mode: str, execution: str) -> None:
    sim, algo = _start(mode, execution)
    spread = (algo.short_call, algo.long_call)  # long the 480 call, short the 485

    filled = algo.executor.execute_atomic(BULL_CALL_SPREAD.quantities(spread, 2), "bull", structure=BULL_CALL_SPREAD)
    settle(sim, 10)

    assert filled.status is GroupStatus.FILLED and bool(filled)
    assert positions(sim, spread) == {str(algo.short_call): 2, str(algo.long_call): -2}


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("execution", ["parallel", "sequential"])
def test_a_bull_call_spread_whose_long_is_refused_rolls_back(mode: str, execution: str) -> None:
    sim, algo = _start(mode, execution, [Reject("halted strike", Match(tag_contains="/entry/0/"))])
    spread = (algo.short_call, algo.long_call)

    result = algo.executor.execute_atomic(BULL_CALL_SPREAD.quantities(spread, 1), "bull", structure=BULL_CALL_SPREAD)
    settle(sim, 60)

    assert result.status is GroupStatus.ROLLED_BACK
    assert positions(sim, spread) == {str(s): 0 for s in spread}
    if execution == "sequential" or mode == "backtest":  # parallel live: the short is already out
        assert max(naked_shorts(algo, step) for step in algo.trace) == 0


def test_a_spec_refuses_a_wrong_shape_before_anything_is_placed() -> None:
    sim, algo = _start("backtest", "parallel")
    lower, middle, upper = algo.butterfly()

    with pytest.raises(InvalidGroupError, match=r"middle_call \(.*\) must be a call, got put"):
        algo.executor.execute_atomic([(lower, 1), (algo.far_put, -2), (upper, 1)], structure=CALL_BUTTERFLY)
    with pytest.raises(InvalidGroupError, match="middle_call .* quantity -1 is not -2 per structure"):
        algo.executor.execute_atomic([(lower, 1), (middle, -1), (upper, 1)], structure=CALL_BUTTERFLY)
    with pytest.raises(InvalidGroupError, match="long_call strike 485 must be below short_call strike 480"):
        algo.executor.execute_atomic([(upper, 1), (middle, -1)], structure=BULL_CALL_SPREAD)

    assert sim.broker_orders == [] and algo.executor.open_groups() == []
