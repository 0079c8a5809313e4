"""LEAN's own regression figures, reproduced by leansim on LEAN's GOOG sample (2015-12-24).

Each scenario here is our own code mirroring one of LEAN's Python regression algorithms (named in
its comment): the same trades on the same data, with the Total Orders, End Equity, Total Fees and
Net Profit that the algorithm's C# twin records in its ExpectedStatistics. tests/oracle/lean_oracle.py runs
LEAN's files themselves; these tests keep the facts in the project. Skipped where the sample folder
(not part of the project) is absent.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest

from runner_kit import LEAN_SAMPLE

from leansim.algorithm import QCAlgorithm
from leansim.buying_power import ConstantBuyingPowerModel, SecurityMarginModel
from leansim.data import OptionChain, OptionContract, Slice
from leansim.enums import OptionRight
from leansim.option_strategies import OptionStrategies, OptionStrategy
from leansim.positions import OptionStrategyPositionGroupBuyingPowerModel, SecurityPositionGroupModel
from leansim.runner import Scenario, run_scenario
from leansim.securities import OptionFilterUniverse
from leansim.symbols import Symbol
from leansim.trade_builder import TradeDirection

SAMPLE = Path(os.environ.get("LEANSIM_LEAN_SAMPLE", LEAN_SAMPLE))  # a worktree may point at ../shared elsewhere
pytestmark = pytest.mark.skipif(not (SAMPLE / "option" / "usa").is_dir(), reason=f"LEAN sample data not found at {SAMPLE}")

Builder = Callable[[Symbol, OptionChain], tuple[OptionStrategy, OptionStrategy] | None]


def _latest_nearest(chain: OptionChain) -> OptionContract:
    """The contract of the latest expiry whose strike is nearest the underlying's price."""
    spot = chain.underlying.price
    return min(chain, key=lambda c: (-c.expiry.toordinal(), abs(spot - c.strike)))


def _naked_call(canonical: Symbol, chain: OptionChain) -> tuple[OptionStrategy, OptionStrategy]:
    c = _latest_nearest(chain)
    strategy = OptionStrategies.naked_call(canonical, c.strike, c.expiry)
    return strategy, strategy  # closed by selling it


def _naked_put(canonical: Symbol, chain: OptionChain) -> tuple[OptionStrategy, OptionStrategy]:
    c = _latest_nearest(chain)
    strategy = OptionStrategies.naked_put(canonical, c.strike, c.expiry)
    return strategy, strategy


def _covered_call(canonical: Symbol, chain: OptionChain) -> tuple[OptionStrategy, OptionStrategy]:
    c = _latest_nearest(chain)
    return (OptionStrategies.covered_call(canonical, c.strike, c.expiry),
            OptionStrategies.protective_call(canonical, c.strike, c.expiry))


def _covered_put(canonical: Symbol, chain: OptionChain) -> tuple[OptionStrategy, OptionStrategy]:
    c = _latest_nearest(chain)
    return (OptionStrategies.covered_put(canonical, c.strike, c.expiry),
            OptionStrategies.protective_put(canonical, c.strike, c.expiry))


def _straddle(canonical: Symbol, chain: OptionChain) -> tuple[OptionStrategy, OptionStrategy] | None:
    spot = chain.underlying.price
    pairs = {(c.strike, c.expiry) for c in chain if c.right == OptionRight.CALL} & \
            {(c.strike, c.expiry) for c in chain if c.right == OptionRight.PUT}
    if not pairs:
        return None
    strike, expiry = min(pairs, key=lambda p: (-p[1].toordinal(), abs(spot - p[0])))
    return (OptionStrategies.straddle(canonical, strike, expiry), OptionStrategies.short_straddle(canonical, strike, expiry))


def _strangle(canonical: Symbol, chain: OptionChain) -> tuple[OptionStrategy, OptionStrategy] | None:
    """The widest strangle of the latest expiry that has one: highest call strike, lowest put strike."""
    for expiry in sorted({c.expiry for c in chain}, reverse=True):
        calls = [c.strike for c in chain if c.expiry == expiry and c.right == OptionRight.CALL]
        puts = [c.strike for c in chain if c.expiry == expiry and c.right == OptionRight.PUT]
        if calls and puts and max(calls) > min(puts):
            return (OptionStrategies.strangle(canonical, max(calls), min(puts), expiry),
                    OptionStrategies.short_strangle(canonical, max(calls), min(puts), expiry))
    return None


def _calendar(right: OptionRight) -> Builder:
    def build(canonical: Symbol, chain: OptionChain) -> tuple[OptionStrategy, OptionStrategy] | None:
        spot = chain.underlying.value
        for strike in sorted({c.strike for c in chain if c.right == right}, key=lambda s: abs(s - spot)):
            expiries = sorted(c.expiry for c in chain if c.right == right and c.strike == strike)
            if len(expiries) >= 2:
                near, far = expiries[0], expiries[1]
                if right == OptionRight.CALL:
                    return (OptionStrategies.call_calendar_spread(canonical, strike, near, far),
                            OptionStrategies.short_call_calendar_spread(canonical, strike, near, far))
                return (OptionStrategies.put_calendar_spread(canonical, strike, near, far),
                        OptionStrategies.short_put_calendar_spread(canonical, strike, near, far))
        return None

    return build


def _butterfly(right: OptionRight) -> Builder:
    """The first expiry (in chain order) with three contracts of `right`: the strike nearest the
    underlying in the middle, wings as far out as the chain allows on both sides."""
    def build(canonical: Symbol, chain: OptionChain) -> tuple[OptionStrategy, OptionStrategy] | None:
        spot = chain.underlying.price
        by_expiry: dict[object, list[float]] = {}
        for c in chain:
            if c.right == right:
                by_expiry.setdefault(c.expiry, []).append(c.strike)
        for expiry, strikes in by_expiry.items():
            if len(strikes) < 3:
                continue
            middle = min(sorted(strikes), key=lambda k: abs(k - spot))
            wing = min(middle - min(strikes), max(strikes) - middle)
            if middle - wing in strikes and middle + wing in strikes:
                high, low = middle + wing, middle - wing
                if right == OptionRight.CALL:
                    return (OptionStrategies.butterfly_call(canonical, high, middle, low, expiry),
                            OptionStrategies.short_butterfly_call(canonical, high, middle, low, expiry))
                return (OptionStrategies.butterfly_put(canonical, high, middle, low, expiry),
                        OptionStrategies.short_butterfly_put(canonical, high, middle, low, expiry))
        return None

    return build


def _iron_condor(canonical: Symbol, chain: OptionChain) -> tuple[OptionStrategy, OptionStrategy] | None:
    """The first expiry with the two lowest puts and the two next calls above the short put."""
    by_expiry: dict[object, list[OptionContract]] = {}
    for c in chain:
        by_expiry.setdefault(c.expiry, []).append(c)
    for expiry, contracts in by_expiry.items():
        puts = sorted(c.strike for c in contracts if c.right == OptionRight.PUT)
        if len(contracts) < 4 or len(puts) < 2:
            continue
        calls = sorted(c.strike for c in contracts if c.right == OptionRight.CALL and c.strike > puts[1])
        if len(calls) >= 2:
            strategy = OptionStrategies.iron_condor(canonical, puts[0], puts[1], calls[0], calls[1], expiry)
            return strategy, strategy  # closed by selling it
    return None


class StrategyRoundTrip(QCAlgorithm):
    """Buys two units of a strategy at the first chain of 2015-12-24, checks they are held as one
    option-strategy group, closes them at the next slice and quits."""

    build: Builder
    close_by_selling: bool
    group_size: int

    def initialize(self) -> None:
        self.set_start_date(2015, 12, 24)
        self.set_end_date(2015, 12, 24)
        self.set_cash(1000000)
        option = self.add_option("GOOG")
        self._canonical = option.symbol
        option.set_filter(lambda u: u.standards_only().strikes(-2, +2).expiration(0, 180))
        self.set_benchmark("GOOG")
        self.closing: OptionStrategy | None = None
        self.groups_seen: list[tuple[int, bool]] = []

    def on_data(self, slice: Slice) -> None:
        if not self.portfolio.invested:
            chain = slice.option_chains.get(self._canonical)
            built = type(self).build(self._canonical, chain) if chain is not None and len(chain) else None
            if built is not None:
                opening, self.closing = built
                self.buy(opening, 2)
            return
        [group] = self.portfolio.positions.groups
        self.groups_seen.append((len(group.positions),
                                 isinstance(group.buying_power_model, OptionStrategyPositionGroupBuyingPowerModel)))
        assert self.closing is not None
        if type(self).close_by_selling:
            self.sell(self.closing, 2)
        else:
            self.buy(self.closing, 2)
        self.quit()


@dataclass(frozen=True)
class Expected:
    """A LEAN regression's figures (its C# twin's ExpectedStatistics)."""

    total_orders: str
    end_equity: str
    total_fees: str
    net_profit: str = "0%"


# name of LEAN's algorithm -> (our builder, closed by selling, positions in the group, LEAN's figures)
STRATEGY_REGRESSIONS: dict[str, tuple[Builder, bool, int, Expected]] = {
    "NakedCallStrategyAlgorithm": (_naked_call, True, 1, Expected("2", "999657.4", "$2.60")),
    "NakedPutStrategyAlgorithm": (_naked_put, True, 1, Expected("2", "999377.4", "$2.60")),
    "CoveredAndProtectiveCallStrategiesAlgorithm": (_covered_call, False, 2, Expected("4", "999499.4", "$4.60")),
    "CoveredAndProtectivePutStrategiesAlgorithm": (_covered_put, False, 2, Expected("4", "999155.4", "$4.60")),
    "LongAndShortStraddleStrategiesAlgorithm": (_straddle, False, 2, Expected("4", "998974.8", "$5.20")),
    "LongAndShortStrangleStrategiesAlgorithm": (_strangle, False, 2, Expected("4", "999194.8", "$5.20")),
    "LongAndShortCallCalendarSpreadStrategiesAlgorithm": (_calendar(OptionRight.CALL), False, 2,
                                                          Expected("4", "999494.8", "$5.20")),
    "LongAndShortPutCalendarSpreadStrategiesAlgorithm": (_calendar(OptionRight.PUT), False, 2,
                                                         Expected("4", "999534.8", "$5.20")),
    # These three depend on LEAN's strike filter (OptionFilterUniverse.Strikes), the chain's underlying
    # at the quote mid, and option holdings valued at their latest quote bar's mid.
    "LongAndShortButterflyCallStrategiesAlgorithm": (_butterfly(OptionRight.CALL), False, 3,
                                                     Expected("6", "999229.6", "$10.40")),
    "LongAndShortButterflyPutStrategiesAlgorithm": (_butterfly(OptionRight.PUT), False, 3,
                                                    Expected("6", "999309.6", "$10.40")),
    "IronCondorStrategyAlgorithm": (_iron_condor, True, 4, Expected("8", "999149.6", "$10.40")),
}


def _statistics(algorithm: type[QCAlgorithm]) -> dict[str, str]:
    result = run_scenario(Scenario(Path(f"{algorithm.__name__}.py"), data_folder=SAMPLE, faults="none", naive=False),
                          algorithm)
    run = result.runs[0]
    assert run.runtime_error == "" and run.self_check == ""
    return run.outputs.statistics


def _figures(statistics: dict[str, str]) -> Expected:
    return Expected(statistics["Total Orders"], statistics["End Equity"], statistics["Total Fees"], statistics["Net Profit"])


@pytest.mark.parametrize("lean_algorithm", list(STRATEGY_REGRESSIONS))
def test_option_strategies_round_trip_as_lean_records_it(lean_algorithm: str) -> None:
    build, close_by_selling, group_size, expected = STRATEGY_REGRESSIONS[lean_algorithm]
    seen: list[list[tuple[int, bool]]] = []

    class Mirror(StrategyRoundTrip):
        def on_end_of_algorithm(self) -> None:
            seen.append(self.groups_seen)

    Mirror.build = staticmethod(build)  # type: ignore[assignment]
    Mirror.close_by_selling = close_by_selling
    statistics = _statistics(Mirror)
    assert _figures(statistics) == expected
    assert seen == [[(group_size, True)]]  # held as one option-strategy group, then closed once


class ProviderCoveredCall(QCAlgorithm):
    """Mirrors LEAN's OptionChainProviderAlgorithm: 100 GOOG shares, and one short call found through
    option_chain_provider: the out-of-the-money call 11 to 29 whole days out nearest the price, chosen
    again each minute until it is held (at 09:30 GOOG has no price yet, and LEAN picks a 300 strike).
    The contract added during the 09:31 slice has no data until 09:32: the sale sent at 09:31 is
    refused before it becomes an order, and the one sent at 09:32 fills at that minute's bid."""

    def initialize(self) -> None:
        self.set_start_date(2015, 12, 24)
        self.set_end_date(2015, 12, 24)
        self.set_cash(100000)
        self.goog = self.add_equity("GOOG").symbol
        self.contract: Symbol | None = None

    def on_data(self, slice: Slice) -> None:
        if not self.portfolio[self.goog].invested:
            self.market_order(self.goog, 100)
        if self.contract is None or not self.portfolio[self.contract].invested:  # chosen again until held
            price = self.securities[self.goog].price
            calls = [s for s in self.option_chain_provider.get_option_contract_list(self.goog, slice.time)
                     if s.id.option_right == OptionRight.CALL and s.id.strike_price > price
                     and 10 < (s.id.date - slice.time).days < 30]
            if calls:
                self.contract = min(calls, key=lambda s: (s.id.strike_price - price, s.id.date))
                self.add_option_contract(self.contract)
        if self.contract is not None and not self.portfolio[self.contract].invested:
            self.market_order(self.contract, -1)


def test_option_chain_provider_covered_call_as_lean_records_it() -> None:
    statistics = _statistics(ProviderCoveredCall)
    assert _figures(statistics) == Expected("2", "99890", "$2.00")  # OptionChainProviderAlgorithm


def test_an_exception_in_on_order_event_stops_the_algorithm_with_a_runtime_error() -> None:
    """LEAN's BrokerageTransactionHandler catches it and calls SetRuntimeError("Order Event Handler"):
    the order stands, the algorithm receives no more data, on_end_of_algorithm is not called."""
    calls: list[str] = []

    class Raising(QCAlgorithm):
        def initialize(self) -> None:
            self.set_start_date(2015, 12, 24)
            self.set_end_date(2015, 12, 24)
            self.goog = self.add_equity("GOOG").symbol

        def on_data(self, slice: Slice) -> None:
            calls.append("on_data")
            if not self.portfolio.invested:
                self.market_order(self.goog, 10)

        def on_order_event(self, order_event: object) -> None:
            calls.append("order event")
            raise ValueError("boom")

        def on_end_of_algorithm(self) -> None:
            calls.append("end")

    result = run_scenario(Scenario(Path("raising.py"), data_folder=SAMPLE, faults="none", naive=False), Raising)
    run = result.runs[0]
    assert run.runtime_error == "Runtime Error: boom in Order Event Handler"
    first = calls.index("order event")
    assert "on_data" not in calls[first:] and "end" not in calls  # no further slice, no on_end_of_algorithm
    assert run.outputs.statistics["Total Orders"] == "1"  # the order itself went through
    assert any("Runtime Error: boom" in line for line in run.outputs.log_lines)


class UnmarginedBullCallSpread(QCAlgorithm):
    """Mirrors LEAN's NullBuyingPowerOptionBullCallSpreadAlgorithm: with no margin model and no
    strategy grouping, 1000 bull call spreads on the nearest expiry's two lowest strikes go through
    on $200,000 and leave no margin in use."""

    def initialize(self) -> None:
        self.set_start_date(2015, 12, 24)
        self.set_end_date(2015, 12, 24)
        self.set_cash(200000)
        self.set_security_initializer(lambda security: security.set_margin_model(SecurityMarginModel.NULL))
        self.portfolio.set_positions(SecurityPositionGroupModel.NULL)
        option = self.add_option(self.add_equity("GOOG").symbol)
        option.set_filter(lambda u: u.standards_only().strikes(-2, +2).expiration(0, 180))
        self.canonical = option.symbol
        self.margin_in_use: list[float] = []

    def on_data(self, slice: Slice) -> None:
        chain = slice.option_chains.get(self.canonical)
        if self.portfolio.invested or not self.is_market_open(self.canonical) or not chain:
            return
        calls = [c for c in chain if c.right == OptionRight.CALL]
        nearest = min(c.expiry for c in calls)
        low, high = sorted((c for c in calls if c.expiry == nearest), key=lambda c: c.strike)[:2]
        tickets = [self.market_order(high.symbol, -1000), self.market_order(low.symbol, 1000)]
        assert all(ticket.status.name == "FILLED" for ticket in tickets)

    def on_end_of_algorithm(self) -> None:
        self.margin_in_use.append(self.portfolio.total_margin_used)


def test_null_buying_power_lets_a_large_spread_through_as_lean_records_it() -> None:
    statistics = _statistics(UnmarginedBullCallSpread)
    assert _figures(statistics) == Expected("2", "108700", "$1300.00")  # NullBuyingPowerOptionBullCallSpreadAlgorithm


class ShortItmPairFromTheChain(QCAlgorithm):
    """Mirrors LEAN's OptionAssignmentRegressionAlgorithm as LEAN writes it today: the two contracts
    come from `option_chain` in initialize (12-22's universe file, before any minute data), the
    nearest-expiry 800 put and 600 call, both deep in the money; each is sold again whenever
    assignments leave the portfolio flat, and at the end every closed round trip of the trade
    builder carries the profit its prices imply."""

    closed: list[tuple[str, float]] = []

    def initialize(self) -> None:
        self.set_start_date(2015, 12, 23)
        self.set_end_date(2015, 12, 28)
        self.set_cash(100000)
        self.goog = self.add_equity("GOOG")
        contracts = list(self.option_chain(self.goog.symbol))

        def nearest(right: OptionRight, strike: float) -> OptionContract:
            return min((c for c in contracts if c.id.option_right == right and c.id.strike_price == strike),
                       key=lambda c: c.id.date)

        self.put, self.call = nearest(OptionRight.PUT, 800), nearest(OptionRight.CALL, 600)
        self.options = [self.add_option_contract(self.put), self.add_option_contract(self.call)]

    def on_data(self, slice: Slice) -> None:
        if self.portfolio.invested or not self.goog.price or not all(option.price for option in self.options):
            return
        for contract in (self.put, self.call):
            if self.time < contract.id.date:
                self.market_order(contract, -1)  # a chain's contract stands for its Symbol

    def on_end_of_algorithm(self) -> None:
        for trade in self.trade_builder.closed_trades:
            sign = 1 if trade.direction == TradeDirection.LONG else -1
            multiplier = self.securities[trade.symbol].symbol_properties.contract_multiplier
            assert trade.profit_loss == round((trade.exit_price - trade.entry_price) * trade.quantity * sign * multiplier, 2)
            type(self).closed.append((trade.symbol.value, trade.profit_loss))


def test_contracts_chosen_from_the_universe_file_in_initialize_are_assigned_as_lean_records_it() -> None:
    statistics = _statistics(ShortItmPairFromTheChain)
    assert _figures(statistics) == Expected("32", "97114", "$16.00", "-2.886%")  # OptionAssignmentRegressionAlgorithm
    closed = ShortItmPairFromTheChain.closed
    # eight sales of each contract, each closed by an assignment (or the expiry), whose stock legs
    # (bought on the put, sold on the call) make eight round trips of GOOG
    assert Counter(symbol for symbol, _ in closed) == {"GOOG  151224P00800000": 8, "GOOG  151224C00600000": 8, "GOOG": 8}


class TenCallButterflies(QCAlgorithm):
    """Mirrors LEAN's BasicTemplateOptionEquityStrategyAlgorithm: ten call butterflies on the three
    lowest call strikes of the nearest standard expiry, held to the end of 12-24; the holdings are
    valued at their last quote bar's mid, not at their last (older) trades."""

    def initialize(self) -> None:
        self.set_start_date(2015, 12, 24)
        self.set_end_date(2015, 12, 24)
        self.add_equity("GOOG")
        option = self.add_option("GOOG")
        option.set_filter(lambda u: u.standards_only().strikes(-2, +2).expiration(0, 180))
        self.canonical = option.symbol

    def on_data(self, slice: Slice) -> None:
        chain = slice.option_chains.get(self.canonical)
        if self.portfolio.invested or not self.is_market_open(self.canonical) or not chain:
            return
        calls = [c for c in chain if c.right == OptionRight.CALL]
        nearest = min(c.expiry for c in calls)
        low, middle, high = sorted(c.strike for c in calls if c.expiry == nearest)[:3]
        self.order(OptionStrategies.butterfly_call(self.canonical, high, middle, low, nearest), 10)


def test_a_butterfly_held_to_the_end_is_valued_at_quote_mids_as_lean_records_it() -> None:
    statistics = _statistics(TenCallButterflies)
    assert _figures(statistics) == Expected("3", "98024", "$26.00")  # BasicTemplateOptionEquityStrategyAlgorithm


class ExpiringCallRoundTrip(QCAlgorithm):
    """Mirrors LEAN's OptionChainConsistencyRegressionAlgorithm: at the first chain, buy the third
    highest 0DTE call below the price and send a market-on-close sale of it; the sale fills at the
    12-24 close (the contract's expiry), as LEAN cancels open orders only at the delisting, at midnight."""

    def initialize(self) -> None:
        self.set_cash(10000)
        self.set_start_date(2015, 12, 24)
        self.set_end_date(2015, 12, 24)
        self.add_equity("GOOG")
        option = self.add_option("GOOG")
        option.set_filter(lambda u: u.strikes(-2, 2).expiration(timedelta(0), timedelta(10)))
        self.canonical = option.symbol

    def on_data(self, slice: Slice) -> None:
        chain = slice.option_chains.get(self.canonical)
        if self.portfolio.invested or chain is None:
            return
        calls = sorted((c for c in chain if c.expiry.date() == self.time.date() and c.right == OptionRight.CALL
                        and c.strike < chain.underlying.price), key=lambda c: -c.strike)
        if len(calls) > 2:
            self.market_order(calls[2].symbol, 1)
            self.market_on_close_order(calls[2].symbol, -1)


def test_a_market_on_close_sale_of_an_expiring_contract_fills_at_its_close_as_lean_records_it() -> None:
    statistics = _statistics(ExpiringCallRoundTrip)
    assert _figures(statistics) == Expected("2", "9613", "$2.00")  # OptionChainConsistencyRegressionAlgorithm


class NearTheMoneyZeroDayCalls(QCAlgorithm):
    """Mirrors LEAN's BasicTemplateOptionsFilterUniverseAlgorithm: a filter function that iterates the
    universe (weeklies expiring within a day) and returns the calls within $10 of the underlying as a
    list; one call below the price is bought, and exercised at the 12-24 expiry."""

    def initialize(self) -> None:
        self.set_start_date(2015, 12, 24)
        self.set_end_date(2015, 12, 28)
        self.set_cash(100000)
        self.add_equity("GOOG")
        option = self.add_option("GOOG")
        option.set_filter(self.near_the_money)
        self.canonical = option.symbol

    def near_the_money(self, universe: OptionFilterUniverse) -> list[object]:
        universe = universe.weeklys_only().expiration(0, 1)
        spot = universe.underlying.price
        return [item for item in universe if item.id.option_right == OptionRight.CALL and abs(spot - item.id.strike_price) < 10]

    def on_data(self, slice: Slice) -> None:
        chain = slice.option_chains.get(self.canonical)
        if self.portfolio.invested or chain is None:
            return
        below = [c for c in chain if c.expiry.date() == self.time.date() and c.strike < chain.underlying.price]
        if below:
            self.market_order(max(below, key=lambda c: c.strike).symbol, 1)


def test_a_filter_returning_contracts_it_iterated_selects_them_as_lean_records_it() -> None:
    statistics = _statistics(NearTheMoneyZeroDayCalls)
    assert _figures(statistics) == Expected("2", "101100", "$1.00", "1.100%")  # BasicTemplateOptionsFilterUniverseAlgorithm


class GreekBandChain(QCAlgorithm):
    """Mirrors LEAN's OptionUniverseFilterGreeksRegressionAlgorithm: a universe narrowed by the universe
    file's greeks, implied volatility and open interest (theta per year) keeps fewer contracts than
    it had and still delivers a chain."""

    sizes: list[tuple[int, int]] = []
    chains: list[int] = []

    def initialize(self) -> None:
        self.set_start_date(2015, 12, 24)
        self.set_end_date(2015, 12, 24)
        option = self.add_option("GOOG")
        option.set_filter(self.band)
        self.canonical = option.symbol

    def band(self, universe: OptionFilterUniverse) -> OptionFilterUniverse:
        before = len(list(universe))
        universe.delta(0.5, 1.5).gamma(0.0001, 0.0006).vega(0.01, 1.5).theta(-730, -182.5).rho(0.5, 3) \
            .implied_volatility(1, 3).open_interest(100, 500)
        type(self).sizes.append((before, len(list(universe))))
        return universe

    def on_data(self, slice: Slice) -> None:
        chain = slice.option_chains.get(self.canonical)
        if chain is not None and len(chain.contracts):
            type(self).chains.append(len(chain.contracts))


def test_a_universe_filtered_by_the_files_greeks_still_delivers_a_chain_as_lean_records_it() -> None:
    statistics = _statistics(GreekBandChain)
    assert _figures(statistics) == Expected("0", "100000", "$0.00")  # OptionUniverseFilterGreeksRegressionAlgorithm
    [(before, after)] = GreekBandChain.sizes
    assert 0 < after < before and GreekBandChain.chains


class ShortCallsOnStockWithOneToOneMargin(QCAlgorithm):
    """Mirrors LEAN's NullMarginMultipleOrdersRegressionAlgorithm: no strategy grouping, a constant 1:1
    buying power; at the first open slice buy 1000 GOOG and sell ten of the latest standard call of the
    lowest strike. Each order's margin stands alone: $1010 in use afterwards."""

    margin: list[float] = []

    def initialize(self) -> None:
        self.set_start_date(2015, 12, 24)
        self.set_end_date(2015, 12, 24)
        self.set_cash(10000)
        self.portfolio.set_positions(SecurityPositionGroupModel.NULL)
        self.set_security_initializer(lambda security: security.set_buying_power_model(ConstantBuyingPowerModel(1)))
        option = self.add_option(self.add_equity("GOOG", leverage=4).symbol)
        option.set_filter(lambda u: u.standards_only().strikes(-2, +2).expiration(0, 180))
        self.canonical = option.symbol

    def on_data(self, slice: Slice) -> None:
        chain = slice.option_chains.get(self.canonical)
        if self.portfolio.invested or not self.is_market_open(self.canonical) or not chain:
            return
        calls = [c for c in chain if c.right == OptionRight.CALL]
        latest = max(c.expiry for c in calls)
        call = min((c for c in calls if c.expiry == latest), key=lambda c: c.strike)
        self.market_order(call.symbol.underlying, 1000)
        self.market_order(call.symbol, -10)
        type(self).margin.append(self.portfolio.total_margin_used)


def test_orders_margined_one_by_one_with_constant_buying_power_as_lean_records_it() -> None:
    statistics = _statistics(ShortCallsOnStockWithOneToOneMargin)
    assert _figures(statistics) == Expected("2", "10658.5", "$11.50")  # NullMarginMultipleOrdersRegressionAlgorithm
    assert ShortCallsOnStockWithOneToOneMargin.margin == [1010]


class HighVolatilityCallEveryMinute(QCAlgorithm):
    """Mirrors LEAN's OptionChainFullDataRegressionAlgorithm: from the chain's data frame in initialize
    (12-23's universe file), the latest contract within ten days with implied volatility above 0.5 and
    delta below 0.5; bought at one slice, liquidated at the next, all day."""

    def initialize(self) -> None:
        self.set_start_date(2015, 12, 24)
        self.set_end_date(2015, 12, 24)
        self.set_cash(100000)
        frame = self.option_chain(self.add_equity("GOOG").symbol, flatten=True).data_frame
        wanted = frame[(frame.expiry <= self.time + timedelta(days=10)) & (frame.impliedvolatility > 0.5) & (frame.delta < 0.5)]
        self.contract = wanted.expiry.idxmax()
        self.add_option_contract(self.contract)

    def on_data(self, slice: Slice) -> None:
        if self.portfolio.invested:
            self.liquidate()
        else:
            self.market_order(self.contract, 1)


def test_a_contract_picked_from_the_universe_frame_trades_all_day_as_lean_records_it() -> None:
    statistics = _statistics(HighVolatilityCallEveryMinute)
    assert _figures(statistics) == Expected("210", "96041", "$209.00")  # OptionChainFullDataRegressionAlgorithm
