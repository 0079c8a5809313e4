"""The two structures bought for a debit, each one spec plus a strike picker: a 1-2-1 call butterfly
and a bull call spread. Selected on a chain, sized by their debit (their worst loss), and handed to
the executor with their signed ratios; a credit where a debit is due is refused."""

from __future__ import annotations

import math

import pytest

from strategies import (
    STRATEGIES,
    BullCallSpreadStrategy,
    CallButterflyStrategy,
    Selection,
    Skip,
    SkipReason,
    StrategyParams,
)
from strategies.chain import ChainRow
from strategy_kit import SPOT, TODAY, FakeExecutor, model_chain, replace_row, row, symbol_for

PORTFOLIO = 100_000.0


def _quote(rows: list[ChainRow], strike: float) -> ChainRow:
    [found] = [r for r in rows if r.right == "call" and r.strike == strike]
    return found


def _select(strategy: CallButterflyStrategy | BullCallSpreadStrategy, rows: list[ChainRow]) -> Selection:
    selection = strategy.select(rows, SPOT, TODAY)
    assert isinstance(selection, Selection), selection
    return selection


def test_butterfly_body_at_the_money_equal_wings_for_its_debit() -> None:
    rows = model_chain()
    selection = _select(CallButterflyStrategy(), rows)

    assert [(leg.role.name, leg.row.strike, leg.role.ratio) for leg in selection.legs] == [
        ("lower_call", 95, 1), ("middle_call", 100, -2), ("upper_call", 105, 1)]
    lower, middle, upper = (_quote(rows, k) for k in (95, 100, 105))
    assert lower.ask is not None and upper.ask is not None and middle.bid is not None
    debit = lower.ask + upper.ask - 2 * middle.bid
    assert selection.net_credit == pytest.approx(-debit) and debit > 0
    assert selection.max_loss == pytest.approx(debit * 100) and selection.risk_basis == "max_loss"
    assert selection.structure == "call_butterfly"


def test_butterfly_wings_at_the_listed_width_nearest_the_target_present_on_both_sides() -> None:
    # 96 and 104 are missing: the 3-point wings are the nearest pair listed either side of 100.
    rows = [r for r in model_chain() if r.strike not in (96, 104)]
    selection = _select(CallButterflyStrategy(params=StrategyParams(wing_width=4)), rows)
    assert [leg.row.strike for leg in selection.legs] == [97, 100, 103]


def test_butterfly_with_no_equal_pair_of_wings_is_skipped() -> None:
    rows = [row("call", k) for k in (95, 100, 104)]
    skip = CallButterflyStrategy().select(rows, SPOT, TODAY)
    assert isinstance(skip, Skip) and skip.reason is SkipReason.NO_WING


def test_a_butterfly_quoted_for_a_credit_is_refused_as_inconsistent() -> None:
    rows = replace_row(model_chain(), "call", 100, bid=9.0, ask=9.1)
    skip = CallButterflyStrategy(params=StrategyParams(max_spread_dollars=1)).select(rows, SPOT, TODAY)
    assert isinstance(skip, Skip) and skip.reason is SkipReason.INCONSISTENT_PRICES


def test_butterfly_sized_by_its_debit_and_sent_with_its_1_2_1_ratios() -> None:
    executor = FakeExecutor()
    strategy = CallButterflyStrategy(name="fly")

    decision = strategy.trade(executor, model_chain(), SPOT, TODAY, PORTFOLIO)

    assert decision.selection is not None and decision.filled
    expected = min(math.floor(PORTFOLIO * 0.02 / decision.selection.max_loss), StrategyParams().max_structures)
    assert decision.quantity == expected > 0
    [call] = executor.calls
    assert call.method == "call_butterfly" and call.strategy == "fly"
    q = decision.quantity
    assert call.legs == ((symbol_for("call", 95, TODAY), q), (symbol_for("call", 100, TODAY), -2 * q),
                         (symbol_for("call", 105, TODAY), q))


def test_bull_call_spread_long_at_the_money_short_a_wing_above() -> None:
    rows = model_chain()
    selection = _select(BullCallSpreadStrategy(), rows)

    assert [(leg.role.name, leg.row.strike) for leg in selection.legs] == [("long_call", 100), ("short_call", 105)]
    long_call, short_call = _quote(rows, 100), _quote(rows, 105)
    assert long_call.ask is not None and short_call.bid is not None
    debit = long_call.ask - short_call.bid
    assert selection.net_credit == pytest.approx(-debit)
    assert selection.max_loss == pytest.approx(debit * 100)


def test_bull_call_spread_is_sent_long_then_short() -> None:
    executor = FakeExecutor()
    decision = BullCallSpreadStrategy().trade(executor, model_chain(), SPOT, TODAY, PORTFOLIO)
    [call] = executor.calls
    q = decision.quantity
    assert call.method == "bull_call_spread" and q > 0
    assert call.legs == ((symbol_for("call", 100, TODAY), q), (symbol_for("call", 105, TODAY), -q))


def test_a_bull_call_spread_above_its_width_is_inconsistent() -> None:
    rows = [row("call", 100, bid=1.0, ask=1.1), row("call", 105, bid=6.0, ask=6.1)]
    skip = BullCallSpreadStrategy(params=StrategyParams(max_spread_dollars=1)).select(rows, SPOT, TODAY)
    assert isinstance(skip, Skip) and skip.reason is SkipReason.INCONSISTENT_PRICES


def test_every_strategy_is_listed_by_its_structure_name() -> None:
    assert sorted(STRATEGIES) == ["bull_call_spread", "call_butterfly", "iron_condor", "put_spread", "strangle"]
    assert all(strategy.spec.name == name for name, strategy in STRATEGIES.items())
