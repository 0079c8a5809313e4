"""QCAlgorithm: the base class of a LEAN algorithm, backed by the simulator.

Stands for Algorithm/QCAlgorithm.cs with Algorithm/QCAlgorithm.Trading.cs and
Algorithm/QCAlgorithm.Plotting.cs.

Do set-up in `initialize()` as in LEAN: the API is bound after construction, so `__init__` must not
use it. Every method here exists on LEAN's QCAlgorithm with the same snake_case name.
"""

from __future__ import annotations

import math
import re
from datetime import date, datetime
from functools import reduce
from typing import Any, Protocol

from leansim.brokerage_models import DefaultBrokerageModel, brokerage_model_for
from leansim.data import OptionChain, OptionChainProvider, OptionContract, Slice
from leansim.engine.market_view import SimulatorClock
from leansim.enums import OPTION_TYPES, AccountType, DataNormalizationMode, Market, OrderType, SecurityType
from leansim.index_option_symbol import map_to_underlying
from leansim.notify import NotificationManager
from leansim.object_store import ObjectStore
from leansim.option_strategies import OptionStrategy
from leansim.orders import Leg
from leansim.portfolio import SecurityPortfolioManager
from leansim.scheduling import DateRules, ScheduleManager, TimeRules
from leansim.securities import Equity, Index, IndexOption, Option, Security, SecurityManager
from leansim.symbols import Symbol
from leansim.tickets import OrderProcessor, OrderTicket, SubmitOrderRequest
from leansim.trade_builder import TradeBuilder
from leansim.transactions import SecurityTransactionManager


class Simulation(SimulatorClock, Protocol):
    """The simulator's clock, market, parameters and result records, as the algorithm reads them."""

    parameters: dict[str, str]
    parameters_read: set[str]
    runtime_statistics: dict[str, str]

    def _record_plot(self, chart: str, series: str, value: float) -> None: ...


class Engine(Protocol):
    """What QCAlgorithm is backed by: one algorithm process of the simulator (leansim.simulator.Run).
    LEAN's engine hands QCAlgorithm its pieces (Engine/Engine.cs: SetObjectStore, Transactions.
    SetOrderProcessor, SetLiveMode, ...) and QCAlgorithm never names the engine; neither does this module."""

    brokerage_model: DefaultBrokerageModel
    start_date: datetime
    end_date: datetime
    requested_cash: float | None
    benchmark: Any
    security_initializer: Any
    moo_warning_sent: bool
    quit_requested: bool
    trade_builder: TradeBuilder

    @property
    def sim(self) -> Simulation: ...

    @property
    def handler(self) -> OrderProcessor: ...

    @property
    def securities(self) -> SecurityManager: ...

    @property
    def portfolio(self) -> SecurityPortfolioManager: ...

    @property
    def transactions(self) -> SecurityTransactionManager: ...

    @property
    def object_store(self) -> ObjectStore: ...

    @property
    def schedule(self) -> ScheduleManager: ...

    @property
    def date_rules(self) -> DateRules: ...

    @property
    def time_rules(self) -> TimeRules: ...

    @property
    def notify(self) -> NotificationManager: ...

    @property
    def warming_up(self) -> bool: ...

    @property
    def current_slice(self) -> Slice | None: ...

    @property
    def chain_subscriptions(self) -> dict[Symbol, Option]: ...

    def ensure_security(self, symbol: Symbol) -> Security: ...

    def subscribe(self, security: Security, resolution: Any) -> None: ...

    def add_security(self, symbol: Symbol) -> Security: ...

    def universe_chain(self, symbol: Symbol) -> OptionChain | None: ...

    def universe_history(self, canonical: Symbol, periods: int) -> Any: ...

    def build_chain(self, symbol: Symbol, option: Option | None) -> OptionChain: ...

    def listed_contracts(self, underlying: Symbol, when: datetime) -> list[Symbol]: ...

    def log(self, level: str, message: str) -> None: ...


class QCAlgorithm:
    """Subclass it and override initialize/on_data/on_order_event/on_warmup_finished."""

    _run: Engine

    # --- event handlers (override) ------------------------------------------------------------------

    def initialize(self) -> None:
        """Set up subscriptions, schedules and state. Orders placed here are refused (warm-up)."""

    def post_initialize(self) -> None:
        """Called by LEAN after initialize; nothing to do in the double."""

    def on_warmup_finished(self) -> None:
        """Called once set-up is done (holdings and open orders loaded), even without warm-up."""

    def on_data(self, slice: Slice) -> None:
        """Called every minute the market is open."""

    def on_order_event(self, order_event: Any) -> None:
        """Called for every order event (from another thread in live mode)."""

    def on_assignment_order_event(self, assignment_event: Any) -> None:
        """Called after on_order_event for the fill of a short option assigned (its message ends with
        the exercise order's tag), as LEAN's OnAssignmentOrderEvent."""

    def on_end_of_algorithm(self) -> None:
        """Called when the run ends normally."""

    def on_brokerage_message(self, message_event: Any) -> None:
        """Messages from the brokerage."""

    def on_securities_changed(self, changes: Any) -> None:
        """Securities added or removed."""

    # --- LEAN properties ------------------------------------------------------------------------------

    @property
    def securities(self) -> SecurityManager:
        return self._run.securities

    @property
    def portfolio(self) -> SecurityPortfolioManager:
        return self._run.portfolio

    @property
    def transactions(self) -> SecurityTransactionManager:
        return self._run.transactions

    @property
    def trade_builder(self) -> TradeBuilder:
        return self._run.trade_builder

    @property
    def object_store(self) -> ObjectStore:
        return self._run.object_store

    @property
    def schedule(self) -> ScheduleManager:
        return self._run.schedule

    @property
    def date_rules(self) -> DateRules:
        return self._run.date_rules

    @property
    def time_rules(self) -> TimeRules:
        return self._run.time_rules

    @property
    def notify(self) -> NotificationManager:
        return self._run.notify

    @property
    def option_chain_provider(self) -> OptionChainProvider:
        return OptionChainProvider(self._run.listed_contracts)

    @property
    def brokerage_model(self) -> DefaultBrokerageModel:
        return self._run.brokerage_model

    @property
    def live_mode(self) -> bool:
        return self._run.sim.live

    @property
    def is_warming_up(self) -> bool:
        return self._run.warming_up

    @property
    def utc_time(self) -> datetime:
        return self._run.sim.now

    @property
    def time(self) -> datetime:
        """Naive New York time."""
        return self._run.sim.market.local(self._run.sim.now)

    @property
    def start_date(self) -> datetime:
        return self._run.start_date

    @property
    def end_date(self) -> datetime:
        return self._run.end_date

    @property
    def current_slice(self) -> Slice | None:
        return self._run.current_slice

    @property
    def name(self) -> str:
        return type(self).__name__

    # --- set-up -----------------------------------------------------------------------------------------

    def set_start_date(self, year: int | date | datetime, month: int | None = None, day: int | None = None) -> None:
        self._run.start_date = _as_datetime(year, month, day)

    def set_end_date(self, year: int | date | datetime, month: int | None = None, day: int | None = None) -> None:
        self._run.end_date = _as_datetime(year, month, day)

    def set_cash(self, starting_cash: float) -> None:
        """Starting cash of a backtest (a live or restarted run takes the brokerage's cash instead)."""
        self._run.requested_cash = float(starting_cash)
        self._run.portfolio._set_cash(float(starting_cash))

    def set_brokerage_model(self, model: Any, account_type: AccountType = AccountType.MARGIN) -> None:
        """A BrokerageName (with an AccountType) or a model instance."""
        if isinstance(model, DefaultBrokerageModel) or hasattr(model, "can_submit_order"):
            self._run.brokerage_model = model
        else:
            self._run.brokerage_model = brokerage_model_for(int(model), account_type)

    def set_benchmark(self, benchmark: Symbol | str | Any) -> None:
        """A Symbol, a ticker or a function of time; only during initialize (QCAlgorithm.cs, SetBenchmark).
        The double computes no benchmark statistics (alpha, beta), so it only keeps it."""
        if not self._run.warming_up:
            raise RuntimeError("Algorithm.SetBenchmark(): Cannot change Benchmark after algorithm initialized.")
        self._run.benchmark = benchmark

    def set_security_initializer(self, security_initializer: Any) -> None:
        """A callable or an object with initialize(security), applied to every security added after
        this call (as in LEAN: call it before adding securities)."""
        self._run.security_initializer = security_initializer

    def add_equity(self, ticker: str, resolution: Any = None, market: str | None = None, fill_forward: bool = True,
                   leverage: float = 0, extended_market_hours: bool = False, data_normalization_mode: Any = None) -> Equity:
        """Subscribe to an equity at `resolution` (minute by default) with its prices ADJUSTED unless
        `data_normalization_mode` says otherwise (LEAN's UniverseSettings defaults); an equity already
        added as an option's underlying stays RAW, as LEAN requires (Algorithm/QCAlgorithm.cs)."""
        symbol = Symbol.create(ticker, SecurityType.EQUITY, market or Market.USA)
        known = symbol in self.securities
        security = self._run.ensure_security(symbol)
        assert isinstance(security, Equity)
        self._run.subscribe(security, resolution)
        if not known or data_normalization_mode is not None:
            security.set_data_normalization_mode(DataNormalizationMode.ADJUSTED if data_normalization_mode is None
                                                 else data_normalization_mode)
        return security

    def add_option(self, underlying: str | Symbol, resolution: Any = None, market: str | None = None,
                   fill_forward: bool | None = None, leverage: float = 0) -> Option:
        """Subscribe to an option chain; the returned Option's symbol is canonical (`?SPY`)."""
        underlying_symbol = underlying if isinstance(underlying, Symbol) else Symbol.create(underlying, SecurityType.EQUITY, market or Market.USA)
        self._underlying_of_options(underlying_symbol, resolution)
        canonical = Symbol.create_canonical_option(underlying_symbol, market or Market.USA)
        security = self._run.ensure_security(canonical)
        assert isinstance(security, Option)
        self._run.subscribe(security, resolution)
        self._run.chain_subscriptions[canonical] = security
        return security

    def add_index(self, ticker: str, resolution: Any = None, market: str | None = None, fill_forward: bool = True) -> Index:
        """Subscribe to a cash index (SPX): priced, the underlying of index options, not tradable."""
        security = self._run.ensure_security(Symbol.create(ticker, SecurityType.INDEX, market or Market.USA))
        assert isinstance(security, Index)
        self._run.subscribe(security, resolution)
        return security

    def add_index_option(self, underlying: Symbol | str, *args: Any, **kwargs: Any) -> IndexOption:
        """Subscribe to an index option chain, as LEAN's four overloads (Algorithm/QCAlgorithm.cs,
        AddIndexOption): (index Symbol or ticker[, target_option][, resolution[, market]][, fill_forward]).

        `add_index_option(spx, "SPXW")` or `add_index_option("SPX", "SPXW")` gives the weeklies
        (`?SPXW`); `add_index_option("SPX")` the monthlies (`?SPX`). An option ticker given as the
        underlying (`add_index_option("SPXW")`) is mapped to its index with a warning, as LEAN does.
        """
        rest = list(args)
        target: str | None = rest.pop(0) if rest and isinstance(rest[0], str) else kwargs.get("target_option")
        market: str = kwargs.get("market") or (rest[1] if len(rest) > 1 and isinstance(rest[1], str) else Market.USA)
        if isinstance(underlying, str):
            index_ticker = map_to_underlying(underlying)
            if index_ticker != underlying.upper():
                self.debug(f"Warning: '{underlying}' is an index option ticker, using index '{index_ticker}' as the "
                           f"underlying and '{underlying}' as the target option.")
                target = underlying
            underlying = Symbol.create(index_ticker, SecurityType.INDEX, market)
        if underlying.security_type != SecurityType.INDEX:
            raise ValueError("Symbol provided must be of type SecurityType.Index")
        resolution = rest[0] if rest and not isinstance(rest[0], (str, bool)) else kwargs.get("resolution")
        self._underlying_of_options(underlying, resolution)
        canonical = Symbol.create_canonical_option(underlying, underlying.id.market, target_option=target)
        security = self._run.ensure_security(canonical)
        assert isinstance(security, IndexOption)
        self._run.subscribe(security, resolution)
        self._run.chain_subscriptions[canonical] = security
        return security

    def add_option_contract(self, symbol: Symbol | OptionContract, resolution: Any = None, fill_forward: bool = True,
                            leverage: float = 0, extended_market_hours: bool = False) -> Option:
        """One option contract (its underlying too), as LEAN's AddOptionContract: any option type
        with its underlying set, which a Symbol parsed from a stored key has."""
        symbol = _as_symbol(symbol)
        if symbol.security_type not in OPTION_TYPES or symbol.underlying is None:
            raise ValueError(f"Unexpected option symbol {symbol}. Please provide a valid option contract with it's "
                             "underlying symbol set.")
        if symbol.underlying not in self.securities:
            self._underlying_of_options(symbol.underlying, resolution)
        self.securities[symbol.underlying].set_data_normalization_mode(DataNormalizationMode.RAW)
        security = self._run.add_security(symbol)
        assert isinstance(security, Option)
        self._run.subscribe(security, resolution)
        return security

    def add_index_option_contract(self, symbol: Symbol, resolution: Any = None, fill_forward: bool = True) -> IndexOption:
        """One index option contract (SPXW), as LEAN's AddIndexOptionContract."""
        if symbol.security_type != SecurityType.INDEX_OPTION or symbol.is_canonical():
            raise ValueError("Symbol provided must be non-canonical and of type SecurityType.IndexOption")
        security = self.add_option_contract(symbol, resolution, fill_forward)
        assert isinstance(security, IndexOption)
        return security

    def _underlying_of_options(self, underlying: Symbol, resolution: Any) -> None:
        """An option's underlying, added at the option's resolution when new, and RAW: LEAN forces
        an option's underlying to raw prices (Algorithm/QCAlgorithm.cs, AddOptionContract)."""
        known = underlying in self.securities
        security = self._run.ensure_security(underlying)
        if not known:
            self._run.subscribe(security, resolution)
        if security.type == SecurityType.EQUITY:
            security.set_data_normalization_mode(DataNormalizationMode.RAW)

    def add_security(self, symbol: Symbol, resolution: Any = None, fill_forward: bool | None = None,
                     leverage: float = 0, extended_market_hours: bool | None = None) -> Security:
        """The security of `symbol` (the double's securities are equities, indexes and options)."""
        return self._run.ensure_security(symbol)

    def option_chain(self, symbol: Symbol, flatten: bool = False) -> OptionChain:
        """The chain of `symbol` (an underlying or canonical option) from the latest option universe
        file, as LEAN reads it (QCAlgorithm.OptionChain); a market without universe files lists
        every contract it quotes right now."""
        chain = self._run.universe_chain(symbol)
        return chain if chain is not None else self._run.build_chain(symbol, None)

    def history(self, symbol: Symbol, periods: int, resolution: Any = None, flatten: bool = False, **_: Any) -> Any:
        """History of an option universe: the last `periods` daily universe files as a pandas frame
        indexed by (time, symbol), time being each file's EndTime (QCAlgorithm.History of
        OptionUniverse, flattened). The double keeps no other history: anything else is refused."""
        is_option = symbol.security_type in (SecurityType.OPTION, SecurityType.INDEX_OPTION)
        if not (is_option and symbol.is_canonical() and flatten):
            raise NotImplementedError("leansim's history() serves flattened option universes only "
                                      f"(a canonical option and flatten=True), not {symbol}")
        return self._run.universe_history(symbol, periods)

    def is_market_open(self, symbol: Symbol) -> bool:
        return self._run.ensure_security(symbol).exchange.exchange_open

    # --- orders ----------------------------------------------------------------------------------------

    def market_order(self, symbol: Symbol | str, quantity: float, asynchronous: bool = False, tag: str = "",
                     order_properties: Any = None) -> OrderTicket:
        """A market order; while the exchange is closed LEAN turns it into a market-on-open order."""
        security = self._security_for_order(symbol)
        if not security.exchange.exchange_open:
            ticket = self.market_on_open_order(security.symbol, quantity, asynchronous, tag, order_properties)
            if not self._run.moo_warning_sent and ticket.submit_request.response.is_success:
                self.debug("Warning: market orders submitted while the market is closed are automatically converted into MarketOnOpen orders to fill at the next market open.")
                self._run.moo_warning_sent = True
            return ticket
        return self._submit(OrderType.MARKET, security, quantity, tag, asynchronous, order_properties)

    def market_on_open_order(self, symbol: Symbol | str, quantity: float, asynchronous: bool = False, tag: str = "",
                             order_properties: Any = None) -> OrderTicket:
        return self._submit(OrderType.MARKET_ON_OPEN, self._security_for_order(symbol), quantity, tag, asynchronous, order_properties)

    def market_on_close_order(self, symbol: Symbol | str, quantity: float, asynchronous: bool = False, tag: str = "",
                              order_properties: Any = None) -> OrderTicket:
        """Fills at the session close at the last bar's bid or ask (FillModel.MarketOnCloseFill)."""
        return self._submit(OrderType.MARKET_ON_CLOSE, self._security_for_order(symbol), quantity, tag, asynchronous, order_properties)

    def limit_order(self, symbol: Symbol | str, quantity: float, limit_price: float, asynchronous: bool = False,
                    tag: str = "", order_properties: Any = None) -> OrderTicket:
        return self._submit(OrderType.LIMIT, self._security_for_order(symbol), quantity, tag, asynchronous, order_properties, limit_price)

    def combo_market_order(self, legs: list[Leg], quantity: int, asynchronous: bool = False, tag: str = "",
                           order_properties: Any = None) -> list[OrderTicket]:
        """All legs as one combo; returns one ticket per leg."""
        return self._submit_combo(legs, quantity, 0.0, asynchronous, tag, order_properties)

    def combo_limit_order(self, legs: list[Leg], quantity: int, limit_price: float, asynchronous: bool = False,
                          tag: str = "", order_properties: Any = None) -> list[OrderTicket]:
        return self._submit_combo(legs, quantity, limit_price, asynchronous, tag, order_properties, OrderType.COMBO_LIMIT)

    def combo_leg_limit_order(self, legs: list[Leg], quantity: int, asynchronous: bool = False, tag: str = "",
                              order_properties: Any = None) -> list[OrderTicket]:
        return self._submit_combo(legs, quantity, 0.0, asynchronous, tag, order_properties)

    def order(self, symbol: Symbol | str | OptionStrategy, quantity: float, asynchronous: bool = False, tag: str = "",
              order_properties: Any = None) -> Any:
        """A market order of `quantity` (signed), or `quantity` units of an option strategy as one combo
        market order tagged "<Name> (<quantity>)" (QCAlgorithm.Trading.cs, GenerateOptionStrategyOrders)."""
        if isinstance(symbol, OptionStrategy):
            legs = symbol._legs()
            return self._submit_combo(legs, int(quantity), 0.0, asynchronous, tag or f"{symbol.name} ({int(quantity)})",
                                      order_properties)
        return self.market_order(symbol, quantity, asynchronous, tag, order_properties)

    def buy(self, symbol: Symbol | str | OptionStrategy, quantity: float, asynchronous: bool = False, tag: str = "",
            order_properties: Any = None) -> Any:
        """`order` of the absolute quantity (QCAlgorithm.Trading.cs, Buy)."""
        return self.order(symbol, abs(quantity), asynchronous, tag, order_properties)

    def sell(self, symbol: Symbol | str | OptionStrategy, quantity: float, asynchronous: bool = False, tag: str = "",
             order_properties: Any = None) -> Any:
        """`order` of the negated absolute quantity (QCAlgorithm.Trading.cs, Sell)."""
        return self.order(symbol, -abs(quantity), asynchronous, tag, order_properties)

    def liquidate(self, symbol: Symbol | str | list[Symbol] | None = None, asynchronous: bool = False,
                  tag: str | None = None, order_properties: Any = None) -> list[OrderTicket]:
        """Close the holdings of `symbol` (every security when None, by ticker order) with market orders,
        cancelling their open non-market orders; a pending market order that closes the holding already
        is left alone (QCAlgorithm.Trading.cs, Liquidate)."""
        tag = "Liquidated" if tag is None else tag
        if symbol is None:
            symbols = sorted(self.securities.keys(), key=lambda s: s.value)
        else:
            symbols = list(symbol) if isinstance(symbol, list) else [self.securities[symbol].symbol if isinstance(symbol, str) else symbol]
        tickets = []
        for each in symbols:
            if not self.securities.contains_key(each):
                continue
            orders = self.transactions.get_open_orders(each)
            holding = self.portfolio[each]
            quantity = holding.quantity if holding.invested else 0.0
            if (len(orders) == 1 and quantity and orders[0].quantity == -quantity
                    and orders[0].type == OrderType.MARKET):
                continue
            pending_market = 0.0
            for order in orders:
                if order.type == OrderType.MARKET:
                    ticket = self.transactions.get_order_ticket(order.id)
                    pending_market += ticket.quantity_remaining if ticket is not None else 0.0
                else:
                    self.transactions.cancel_order(order.id, tag)
            if quantity:
                tickets.append(self.market_order(each, -quantity - pending_market, asynchronous, tag, order_properties))
        return tickets

    def _security_for_order(self, symbol: Symbol | OptionContract | str) -> Security:
        if isinstance(symbol, str):
            return self.securities[symbol]
        return self._run.ensure_security(_as_symbol(symbol))

    def _submit(self, order_type: OrderType, security: Security, quantity: float, tag: str, asynchronous: bool,
                properties: Any, limit_price: float = 0.0) -> OrderTicket:
        request = SubmitOrderRequest(order_type, security.type, security.symbol, quantity, 0.0, limit_price,
                                     self.utc_time, tag, properties, None, asynchronous)
        return self._run.handler.submit([request])[0]

    def _submit_combo(self, legs: list[Leg], quantity: int, limit_price: float, asynchronous: bool, tag: str,
                      properties: Any, order_type: OrderType = OrderType.COMBO_MARKET) -> list[OrderTicket]:
        """Legs with an order price are combo leg limits; otherwise `order_type`, which is explicit since
        a combo limit at 0.00 (a structure priced at zero) is a limit all the same (QCAlgorithm.ComboLimitOrder)."""
        divisor = abs(reduce(math.gcd, (int(leg.quantity) for leg in legs), 0))
        if divisor != 1:
            raise ValueError(
                "The global combo quantity should be used to increase or reduce the size of the order, while the leg "
                f"quantities should be used to specify the ratio of the order. The combo order quantities should be "
                f"reduced from {quantity}x({', '.join(f'{leg.quantity} {leg.symbol}' for leg in legs)}) to "
                f"{quantity * divisor}x({', '.join(f'{leg.quantity // divisor} {leg.symbol}' for leg in legs)})."
            )
        manager = self._run.handler.new_group_manager(len(legs), quantity, limit_price)
        requests = []
        for leg in legs:
            security = self._security_for_order(leg.symbol)
            leg_type, leg_limit = order_type, limit_price
            if leg.order_price is not None:
                leg_type, leg_limit = OrderType.COMBO_LEG_LIMIT, float(leg.order_price)
            requests.append(SubmitOrderRequest(leg_type, security.type, security.symbol, leg.quantity * quantity, 0.0,
                                               leg_limit, self.utc_time, tag, properties, manager, asynchronous))
        return self._run.handler.submit(requests)

    # --- logging, alerts, charts, parameters -----------------------------------------------------------

    def debug(self, message: Any) -> None:
        self._run.log("DEBUG", str(message))

    def log(self, message: Any) -> None:
        self._run.log("LOG", str(message))

    def error(self, message: Any) -> None:
        self._run.log("ERROR", str(message))

    def quit(self, message: str = "") -> None:
        self._run.log("LOG", f"Quit: {message}")
        self._run.quit_requested = True

    def get_parameter(self, name: str, default_value: Any = None) -> Any:
        """LEAN's overloads (Algorithm/QCAlgorithm.cs, GetParameter): with no default or a text default,
        the raw text or the default; with an int or float default, the text parsed like .NET's
        `int.TryParse` / `double.TryParse`, and the default, silently, when it does not parse."""
        self._run.sim.parameters_read.add(name)
        text = self._run.sim.parameters.get(name)
        if default_value is None or isinstance(default_value, str):
            return default_value if text is None else text
        if isinstance(default_value, bool):  # pythonnet finds no bool overload
            raise TypeError(f"get_parameter({name!r}, {default_value!r}): LEAN has no bool overload")
        if isinstance(default_value, int):
            parsed: int | float | None = _dotnet_int(text)
        elif isinstance(default_value, float):
            parsed = _dotnet_double(text)
        else:
            raise TypeError(f"get_parameter({name!r}, {default_value!r}): LEAN takes a str, int or float default")
        return default_value if parsed is None else parsed

    def get_parameters(self) -> dict[str, str]:
        """Every parameter's name and raw text (LEAN's ReadOnlyExtendedDictionary)."""
        return dict(self._run.sim.parameters)

    def plot(self, chart: str, series: Any, value: Any = None) -> None:
        """plot(chart, series, value) or plot(series, value)."""
        if value is None:
            chart, series, value = chart, chart, series
        self._run.sim._record_plot(str(chart), str(series), float(value))

    def set_runtime_statistic(self, name: str, value: Any) -> None:
        self._run.sim.runtime_statistics[name] = str(value)


_DOTNET_INT = re.compile(r"^\s*[+-]?\d+\s*$")
# NumberStyles.Any with the invariant culture: signs, thousands separators, a decimal point, an exponent.
_DOTNET_DOUBLE = re.compile(r"^\s*[+-]?(\d[\d,]*\.?\d*|\.\d+)([eE][+-]?\d+)?\s*$")


def _dotnet_int(text: str | None) -> int | None:
    """`int.TryParse`: an optionally signed run of digits that fits 32 bits, else None."""
    if text is None or not _DOTNET_INT.match(text):
        return None
    value = int(text)
    return value if -2**31 <= value < 2**31 else None


def _dotnet_double(text: str | None) -> float | None:
    """`double.TryParse(text, NumberStyles.Any, CultureInfo.InvariantCulture)`, else None."""
    if text is None:
        return None
    if text.strip() in ("NaN", "Infinity", "-Infinity"):
        return float(text.strip())
    if not _DOTNET_DOUBLE.match(text):
        return None
    return float(text.replace(",", ""))


def _as_datetime(year: int | date | datetime, month: int | None, day: int | None) -> datetime:
    if isinstance(year, datetime):
        return year
    if isinstance(year, date):
        return datetime(year.year, year.month, year.day)
    assert month is not None and day is not None
    return datetime(year, month, day)


def _as_symbol(symbol: Symbol | OptionContract) -> Symbol:
    """A chain's contract stands for its Symbol wherever LEAN takes one (OptionContract.cs, the
    implicit operator Symbol)."""
    return symbol.symbol if isinstance(symbol, OptionContract) else symbol
