"""LEAN's expiry regressions mirrored on its GOOG 2015-12-23..28 sample: options held into the
12-24 expiry (a half day) are exercised and assigned at the midnight after it, and LEAN's recorded
statistics are reproduced. The algorithms here are the project's own, written to trade what LEAN's
regression algorithms trade. Skipped where the sample folder is absent."""

from __future__ import annotations

import os
from functools import cache
from datetime import datetime, timezone
from zoneinfo import ZoneInfo
from pathlib import Path
from typing import Any

import pytest

from runner_kit import LEAN_SAMPLE, MAIN

from leansim.algorithm import QCAlgorithm
from leansim.enums import Market, OptionRight, OptionStyle, OrderDirection, OrderStatus, OrderType
from leansim.option_exercise import (
    DefaultExerciseModel,
    DefaultOptionAssignmentModel,
    NullOptionAssignmentModel,
    OptionAssignmentResult,
)
from leansim.orders import OrderEvent, OrderFee
from leansim.symbols import Symbol
from leansim.runner import RunResult, Scenario, run_scenario

NEW_YORK = ZoneInfo("America/New_York")
SAMPLE = Path(os.environ.get("LEAN_SAMPLE_DATA", LEAN_SAMPLE))
pytestmark = pytest.mark.skipif(not (SAMPLE / "option").is_dir(), reason=f"LEAN sample data not found at {SAMPLE}")


class LongAndShortCallIntoExpiry(QCAlgorithm):
    """As OptionExerciseAssignRegressionAlgorithm: on 12-24, buy the 0DTE call of the highest strike
    under GOOG's price and sell the next one down, then hold both into expiry."""

    def initialize(self) -> None:
        self.set_start_date(2015, 12, 24)
        self.set_end_date(2015, 12, 28)
        self.set_cash(100_000)
        self.add_equity("GOOG")
        option = self.add_option("GOOG")
        option.set_filter(lambda universe: universe.include_weeklys().strikes(-2, 2).expiration(0, 10))
        self._canonical = option.symbol
        self.assignments: list[Any] = []

    def on_data(self, slice: Any) -> None:
        if self.portfolio.invested:
            return
        chain = slice.option_chains.get(self._canonical)
        if chain is None:
            return
        calls = sorted((c for c in chain if c.expiry.date() == self.time.date() and c.right == OptionRight.CALL
                        and c.strike < chain.underlying.price), key=lambda c: c.strike, reverse=True)[:2]
        if len(calls) == 2:
            self.market_order(calls[0].symbol, 1)
            self.market_order(calls[1].symbol, -1)

    def on_assignment_order_event(self, assignment_event: Any) -> None:
        self.assignments.append(assignment_event)


@cache
def run(algorithm: type[QCAlgorithm]) -> RunResult:
    scenario = Scenario(MAIN, data_folder=SAMPLE, underlying="GOOG", faults="none", naive=False)
    result = run_scenario(scenario, algorithm).run("atomic")
    assert result is not None
    return result


def test_long_and_short_itm_calls_are_exercised_and_assigned_as_lean_records() -> None:
    # OptionExerciseAssignRegressionAlgorithm.cs ExpectedStatistics: Total Orders 4 (two market
    # orders, two option exercise orders), Total Fees $2.00 (exercise is free), End Equity 99648.
    result = run(LongAndShortCallIntoExpiry)
    statistics = result.outputs.statistics
    assert (statistics["Total Orders"], statistics["Total Fees"], statistics["End Equity"]) == ("4", "$2.00", "99648")
    exercises = sorted((order for order in result.outputs.orders if order["type"] == OrderType.OPTION_EXERCISE.name),
                       key=lambda order: order["quantity"])
    long_call, short_call = exercises  # the long is exercised (quantity -1), the short assigned (+1)
    assert (long_call["quantity"], short_call["quantity"], long_call["tag"], short_call["tag"]) == (-1, 1, "", "")
    midnight = "2015-12-25T05:00:00+00:00"  # the Delisted event after the 12-24 expiry
    assert {e["time"] for e in long_call["events"] + short_call["events"]} == {midnight}
    strikes = [float(order["symbol"][-8:]) / 1000 for order in (long_call, short_call)]
    assert [(e["symbol"], e["fill_quantity"], e["fill_price"], e["message"].split(".")[0])
            for e in long_call["events"] + short_call["events"]] == [
        (long_call["symbol"], -1, 0.0, "Automatic Exercise"), ("GOOG", 100, strikes[0], "Option Exercise"),
        (short_call["symbol"], 1, 0.0, "Assigned"), ("GOOG", -100, strikes[1], "Option Assignment"),
    ]


class ShortDeepItmPutAndCall(QCAlgorithm):
    """As OptionAssignmentRegressionAlgorithm: sell GOOG's 12-24 800 put and 600 call, both deep in
    the money, and sell them again whenever assignments leave the portfolio flat, until their expiry
    date begins. `models` installs assignment / exercise models on both contracts, as the variants
    of that algorithm do through a security initializer."""

    models: dict[str, Any] = {}

    def initialize(self) -> None:
        self.set_start_date(2015, 12, 23)
        self.set_end_date(2015, 12, 28)
        self.set_cash(100_000)
        self._goog = self.add_equity("GOOG")
        expiry = datetime(2015, 12, 24)
        self._shorts = [self.add_option_contract(Symbol.create_option(self._goog.symbol, Market.USA, OptionStyle.AMERICAN,
                                                                      right, strike, expiry))
                        for right, strike in ((OptionRight.PUT, 800), (OptionRight.CALL, 600))]
        for option in self._shorts:
            if "assignment" in self.models:
                option.set_option_assignment_model(self.models["assignment"]())
            if "exercise" in self.models:
                option.set_option_exercise_model(self.models["exercise"]())

    def on_data(self, slice: Any) -> None:
        if self.portfolio.invested or not self._goog.price or not all(option.price for option in self._shorts):
            return
        for option in self._shorts:
            if self.time < option.symbol.id.date:
                self.market_order(option.symbol, -1)


class TaggedTenPercent(DefaultOptionAssignmentModel):
    """CustomOptionAssignmentRegressionAlgorithm's model: assigned only 10% in the money, own tag."""

    def __init__(self) -> None:
        super().__init__(0.1)

    def get_assignment(self, parameters: Any) -> OptionAssignmentResult:
        result = super().get_assignment(parameters)
        result.tag = "Custom Option Assignment"
        return result


class OptionLegOnly(DefaultExerciseModel):
    """CustomOptionExerciseModelRegressionAlgorithm's model: the option leg only, message "Tag"."""

    def option_exercise(self, option: Any, order: Any) -> list[OrderEvent]:
        event = OrderEvent(order.id, option.symbol, option.local_time.replace(tzinfo=NEW_YORK).astimezone(timezone.utc),
                           OrderStatus.FILLED, OrderDirection.BUY if order.quantity > 0 else OrderDirection.SELL, 0.0,
                           order.quantity, OrderFee.ZERO, "Tag")
        event.is_assignment = False
        return [event]


@cache
def variant(**models: Any) -> type[QCAlgorithm]:
    return type("Variant", (ShortDeepItmPutAndCall,), {"models": models})


# (its models, LEAN's Total Orders, Total Fees, End Equity) from the C# twins' ExpectedStatistics.
REGRESSIONS = {
    "OptionAssignmentRegression": ({}, "32", "$16.00", "97114"),
    "NullOptionAssignmentRegression": ({"assignment": NullOptionAssignmentModel}, "4", "$2.00", "99538"),
    "CustomOptionAssignmentRegression": ({"assignment": TaggedTenPercent}, "4", "$2.00", "99538"),
    "CustomOptionExerciseModelRegression": ({"exercise": OptionLegOnly}, "32", "$16.00", "257114"),
}
# The sale sent from 12-23's close slice becomes market-on-open, which LEAN fills at the 9:31 bar's
# bid Open (FillModel.MarketOnOpenFill: 148.7 + 49.4): End Equity depends on it.


@pytest.mark.parametrize("name", sorted(REGRESSIONS))
def test_assignment_regressions_orders_and_fees(name: str) -> None:
    models, orders, fees, _ = REGRESSIONS[name]
    statistics = run(variant(**models)).outputs.statistics
    assert (statistics["Total Orders"], statistics["Total Fees"]) == (orders, fees)


@pytest.mark.parametrize("name", [
    "NullOptionAssignmentRegression",
    "CustomOptionAssignmentRegression",
    "OptionAssignmentRegression",
    "CustomOptionExerciseModelRegression",
])
def test_assignment_regressions_end_equity(name: str) -> None:
    models, _, _, equity = REGRESSIONS[name]
    assert run(variant(**models)).outputs.statistics["End Equity"] == equity


# The C# twins' ExpectedStatistics beyond the orders and equity: the trade figures (from the
# transaction record), the daily-return ratios (Sharpe, Sortino, PSR, deviation, variance), the
# compounding return and the turnover. Not here: Drawdown (leansim's intraday valuations differ:
# README, "Where leansim differs from LEAN") and the benchmark-relative ratios (not written).
STATISTICS = {
    "OptionAssignmentRegression": (variant, {}, {
        "Average Win": "9.60%", "Average Loss": "-16.91%", "Compounding Annual Return": "-84.836%",
        "Expectancy": "-0.608", "Net Profit": "-2.886%", "Sharpe Ratio": "-7.473", "Sortino Ratio": "0",
        "Probabilistic Sharpe Ratio": "0.159%", "Loss Rate": "75%", "Win Rate": "25%", "Profit-Loss Ratio": "0.57",
        "Annual Standard Deviation": "0.014", "Annual Variance": "0", "Portfolio Turnover": "218.80%",
        "Drawdown Recovery": "0"}),
    "NullOptionAssignmentRegression": (variant, {"assignment": NullOptionAssignmentModel}, {
        "Average Win": "9.48%", "Average Loss": "-16.73%", "Compounding Annual Return": "-25.790%",
        "Expectancy": "-0.478", "Sharpe Ratio": "-6.902", "Probabilistic Sharpe Ratio": "24.882%",
        "Loss Rate": "67%", "Win Rate": "33%", "Profit-Loss Ratio": "0.57", "Annual Standard Deviation": "0.001",
        "Portfolio Turnover": "26.71%"}),
}


@pytest.mark.parametrize("name", sorted(STATISTICS))
def test_assignment_regressions_statistics_are_lean_s(name: str) -> None:
    make, models, expected = STATISTICS[name]
    statistics = run(make(**models)).outputs.statistics
    assert {key: statistics[key] for key in expected} == expected


def test_exercise_and_assignment_statistics_are_lean_s_with_the_universe_s_last_midnight() -> None:
    # OptionExerciseAssignRegressionAlgorithm.cs: both legs close on 12-24's expiry, so every daily
    # return kept is 0 (Sharpe 0); the exercise's win flags make both transactions losses (Expectancy
    # "-1"); the return compounds from 12-24 00:00 to the midnight after 12-28, the option universe's
    # last time slice.
    statistics = run(LongAndShortCallIntoExpiry).outputs.statistics
    expected = {"Average Win": "0.30%", "Average Loss": "-0.32%", "Compounding Annual Return": "-22.695%",
                "Drawdown": "0.400%", "Expectancy": "-1", "Sharpe Ratio": "0", "Probabilistic Sharpe Ratio": "0%",
                "Loss Rate": "100%", "Win Rate": "0%", "Profit-Loss Ratio": "0.92", "Portfolio Turnover": "30.10%"}
    assert {key: statistics[key] for key in expected} == expected
