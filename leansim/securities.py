"""Securities: prices, exchange hours, contract properties, holdings and fill models per symbol.

Stands for Common/Securities/Security.cs, SecurityManager.cs, SecurityHolding.cs, SecurityExchange.cs,
SymbolProperties.cs, Common/Securities/Option/Option.cs, OptionFilterUniverse.cs,
Common/Securities/Equity/Equity.cs, Common/Securities/Index/Index.cs and
Common/Securities/IndexOption/IndexOption.cs.

A Security reads its quote from the simulator's market at the current time, so `price`,
`bid_price` and `exchange.exchange_open` are always current.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Iterable, Iterator
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any, Protocol

from leansim.pascal_case import PascalCaseAttributes
from leansim.buying_power import BuyingPowerModel
from leansim.data import BaseData, Greeks
from leansim.enums import DataNormalizationMode, OptionRight, OptionStyle, Resolution, SecurityType, SettlementType
from leansim.fees import FeeModel
from leansim.index_option_symbol import minimum_price_variation
from leansim.market.base import BarResolution, Normalization
from leansim.option_exercise import DefaultExerciseModel, DefaultOptionAssignmentModel, exercise_quantity, intrinsic_value
from leansim.orders import OrderEvent
from leansim.symbols import Symbol

if TYPE_CHECKING:
    from leansim.engine.market_view import MarketView


class FillModel(Protocol):
    """A security's fill model (Common/Orders/Fills/IFillModel.cs); leansim.fills has LEAN's. Its
    parameters (FillModelParameters) name the Security, so they are not named here: fills imports
    securities, never the reverse."""

    def fill(self, parameters: Any) -> Iterable[OrderEvent]: ...


class SymbolProperties:
    """Contract multiplier, tick and lot size, as the `usa,[*],<type>` rows of LEAN's
    Data/symbol-properties/symbol-properties-database.csv give them: 1 / 0.01 / 1 for equities and
    indexes, 100 / 0.01 / 1 for equity options, 100 / 0.05 / 1 for index options."""

    def __init__(self, contract_multiplier: float, minimum_price_variation: float = 0.01, lot_size: float = 1.0) -> None:
        self._contract_multiplier = contract_multiplier
        self._minimum_price_variation = minimum_price_variation
        self._lot_size = lot_size

    @property
    def contract_multiplier(self) -> float:
        return self._contract_multiplier

    @property
    def minimum_price_variation(self) -> float:
        return self._minimum_price_variation

    @property
    def lot_size(self) -> float:
        return self._lot_size

    @property
    def quote_currency(self) -> str:
        return "USD"


class IndexOptionSymbolProperties(SymbolProperties):
    """An index option's tick follows its last price: 0.05 below $3, 0.10 from $3 on
    (Common/Securities/IndexOption/IndexOptionSymbolProperties.cs)."""

    def __init__(self, option_ticker: str, last_price: Callable[[], float]) -> None:
        super().__init__(100.0, 0.05)
        self._option_ticker = option_ticker
        self._last_price = last_price

    @property
    def minimum_price_variation(self) -> float:
        price = self._last_price()
        return minimum_price_variation(self._option_ticker, price if price > 0 else None)


class SecurityExchangeHours:
    """Exchange sessions in exchange-local (New York) naive time."""

    def __init__(self, market: MarketView, symbol: Symbol) -> None:
        self._market = market
        self._symbol = symbol

    @property
    def time_zone(self) -> str:
        return "America/New_York"

    @property
    def is_market_always_open(self) -> bool:
        return False

    def is_open(self, local_date_time: datetime, extended_market_hours: bool = False) -> bool:
        return self._market.is_open(self._symbol, self._market.to_utc(local_date_time))

    def is_date_open(self, local_date_time: datetime, extended_market_hours: bool = False) -> bool:
        return self._market.session(local_date_time.date()) is not None

    def get_next_market_close(self, local_date_time: datetime, extended_market_hours: bool) -> datetime:
        """The next regular close strictly after `local_date_time` (local time)."""
        utc = self._market.next_session_close(self._market.to_utc(local_date_time))
        return self._market.local(utc)

    def get_next_market_open(self, local_date_time: datetime, extended_market_hours: bool) -> datetime:
        """The next regular open strictly after `local_date_time` (local time)."""
        utc = self._market.next_session_open(self._market.to_utc(local_date_time))
        return self._market.local(utc)


class SecurityExchange:
    """Whether the exchange is open now, and how soon it closes."""

    def __init__(self, market: MarketView, symbol: Symbol) -> None:
        self._market = market
        self._hours = SecurityExchangeHours(market, symbol)
        self._symbol = symbol

    @property
    def hours(self) -> SecurityExchangeHours:
        return self._hours

    @property
    def time_zone(self) -> str:
        return self._hours.time_zone

    @property
    def local_time(self) -> datetime:
        return self._market.local(self._market.now)

    @property
    def exchange_open(self) -> bool:
        return self._market.is_open(self._symbol)

    def is_closing_soon(self, minutes_to_close: int) -> bool:
        """LEAN: the exchange will not be open `minutes_to_close` minutes from now."""
        later = self._market.now + timedelta(minutes=minutes_to_close)
        return not self._market.is_open(self._symbol, later)


class SecurityHolding:
    """The algorithm's position in one security; changes only through fills (and expiry)."""

    def __init__(self, security: Security) -> None:
        self._security = security
        self._quantity = 0.0
        self._average_price = 0.0

    @property
    def symbol(self) -> Symbol:
        return self._security.symbol

    @property
    def type(self) -> SecurityType:
        return self._security.symbol.security_type

    @property
    def quantity(self) -> float:
        return self._quantity

    @property
    def absolute_quantity(self) -> float:
        return abs(self._quantity)

    @property
    def average_price(self) -> float:
        return self._average_price

    @property
    def price(self) -> float:
        return self._security.price

    @property
    def invested(self) -> bool:
        return self._quantity != 0

    @property
    def is_long(self) -> bool:
        return self._quantity > 0

    @property
    def is_short(self) -> bool:
        return self._quantity < 0

    @property
    def holdings_cost(self) -> float:
        return self._quantity * self._average_price * self._multiplier

    @property
    def holdings_value(self) -> float:
        return self._quantity * self._security.price * self._multiplier

    @property
    def absolute_holdings_value(self) -> float:
        return abs(self.holdings_value)

    @property
    def unrealized_profit(self) -> float:
        return (self._security.price - self._average_price) * self._quantity * self._multiplier

    @property
    def _multiplier(self) -> float:
        return self._security.symbol_properties.contract_multiplier

    def _apply_fill(self, quantity: float, price: float) -> None:
        new_quantity = self._quantity + quantity
        if self._quantity == 0 or ((self._quantity > 0) != (new_quantity > 0) and new_quantity != 0):
            self._average_price = price
        elif abs(new_quantity) > abs(self._quantity):
            self._average_price = (self._quantity * self._average_price + quantity * price) / new_quantity
        self._quantity = 0.0 if abs(new_quantity) < 1e-9 else new_quantity
        if self._quantity == 0:
            self._average_price = 0.0

    def _set(self, quantity: float, average_price: float) -> None:
        self._quantity = quantity
        self._average_price = average_price


# What the double reads: LEAN's data folders hold minute, hour and daily bars for these securities.
BAR_RESOLUTIONS: dict[Resolution, BarResolution] = {
    Resolution.MINUTE: "minute", Resolution.HOUR: "hour", Resolution.DAILY: "daily"}
_NORMALIZATIONS: dict[DataNormalizationMode, Normalization] = {
    DataNormalizationMode.RAW: "raw", DataNormalizationMode.ADJUSTED: "adjusted",
    DataNormalizationMode.SPLIT_ADJUSTED: "split_adjusted"}


class Security(PascalCaseAttributes):
    """A tradable with its live quote, exchange, properties, holdings and fill model."""

    def __init__(self, symbol: Symbol, market: MarketView, fill_model: FillModel,
                 properties: SymbolProperties | None = None) -> None:
        """`fill_model` is given, as LEAN's Security constructor is given its IFillModel (Common/Securities/
        Security.cs); the engine passes the ImmediateFillModel that LEAN defaults to."""
        self._symbol = symbol
        self._market = market
        self._exchange = SecurityExchange(market, symbol)
        self._properties = properties or SymbolProperties(1.0)
        self._holdings = SecurityHolding(self)
        self._fill_model = fill_model
        self._fee_model: FeeModel = FeeModel()
        self._normalization = DataNormalizationMode.RAW
        self._resolution = Resolution.MINUTE
        self._buying_power_model: BuyingPowerModel | None = None  # None: leansim.portfolio's margin rules
        self._added_at: datetime | None = None  # set when added during a slice: its data starts at the next one

    @property
    def symbol(self) -> Symbol:
        return self._symbol

    @property
    def type(self) -> SecurityType:
        return self._symbol.security_type

    @property
    def exchange(self) -> SecurityExchange:
        return self._exchange

    @property
    def symbol_properties(self) -> SymbolProperties:
        return self._properties

    @property
    def holdings(self) -> SecurityHolding:
        return self._holdings

    @property
    def invested(self) -> bool:
        return self._holdings.invested

    @property
    def local_time(self) -> datetime:
        return self._exchange.local_time

    @property
    def price(self) -> float:
        return self._market.price(self._symbol)

    @property
    def close(self) -> float:
        return self.price

    @property
    def bid_price(self) -> float:
        """The bid, else the price (Common/Securities/Security.cs: BidPrice falls back to Price)."""
        quote = self._market.quote(self._symbol)
        return float(quote.bid) if quote is not None and quote.bid else self.price

    @property
    def ask_price(self) -> float:
        """The ask, else the price (Security.AskPrice)."""
        quote = self._market.quote(self._symbol)
        return float(quote.ask) if quote is not None and quote.ask else self.price

    @property
    def has_data(self) -> bool:
        """Whether a data point has reached the security. One added while the algorithm handles a
        slice gets its first data at the next slice: its new subscription has not been read yet."""
        if self._added_at is not None and self._market.now <= self._added_at:
            return False
        return self._market.quote(self._symbol) is not None

    @property
    def is_tradable(self) -> bool:
        return not self._symbol.is_canonical()

    @property
    def fill_model(self) -> FillModel:
        return self._fill_model

    def set_fill_model(self, fill_model: FillModel) -> None:
        """Install a fill model; a Python subclass's overrides are what the engine calls."""
        self._fill_model = fill_model

    @property
    def fee_model(self) -> FeeModel:
        return self._fee_model

    def set_fee_model(self, fee_model: FeeModel) -> None:
        """Install a fee model (the brokerage model's is installed when the security is added)."""
        self._fee_model = fee_model

    @property
    def buying_power_model(self) -> BuyingPowerModel | None:
        return self._buying_power_model

    def set_buying_power_model(self, buying_power_model: BuyingPowerModel) -> None:
        """Margin this security by `buying_power_model` (leansim.buying_power) instead of the default."""
        self._buying_power_model = buying_power_model

    def set_margin_model(self, margin_model: BuyingPowerModel) -> None:
        """LEAN's older name for set_buying_power_model (Common/Securities/Security.cs, SetMarginModel)."""
        self._buying_power_model = margin_model

    @property
    def resolution(self) -> Resolution:
        """The resolution of the security's data subscription (minute unless added otherwise)."""
        return self._resolution

    @property
    def data_normalization_mode(self) -> DataNormalizationMode:
        return self._normalization

    def set_data_normalization_mode(self, mode: DataNormalizationMode) -> None:
        """How an equity's prices are scaled from now on (Common/Securities/Security.cs,
        SetDataNormalizationMode): ADJUSTED (LEAN's default for equities) multiplies them by the factor
        file's price and split factors, SPLIT_ADJUSTED by the split factor, RAW leaves them as written.
        Indexes and options are never scaled. The double reads no dividends, so it refuses the
        modes built on them (TOTAL_RETURN) and the futures ones."""
        mode = DataNormalizationMode(mode)
        if mode not in _NORMALIZATIONS:
            raise NotImplementedError(f"leansim reads prices RAW, ADJUSTED or SPLIT_ADJUSTED, not {mode.name}")
        self._normalization = mode
        if self.type == SecurityType.EQUITY:
            self._market.subscribe(self._symbol.value, normalization=_NORMALIZATIONS[mode])

    def _subscribe(self, resolution: Any) -> None:
        """Read this security's data at `resolution` (None: minute, LEAN's UniverseSettings default);
        an option subscribes its chain, by its option ticker (the double reads a chain at one resolution)."""
        chosen = Resolution.MINUTE if resolution is None else Resolution(resolution)
        if chosen not in BAR_RESOLUTIONS:
            raise NotImplementedError(f"leansim reads minute, hour and daily data, not Resolution.{chosen.name}")
        self._resolution = chosen
        if self._symbol.security_type in (SecurityType.EQUITY, SecurityType.INDEX):
            self._market.subscribe(self._symbol.value, BAR_RESOLUTIONS[chosen])
        else:
            self._market.subscribe(self._symbol.id.symbol, BAR_RESOLUTIONS[chosen], options=True)


class Equity(Security):
    """A stock or ETF."""


class Index(Security):
    """A cash index such as SPX: priced, an option underlying, never traded itself (LEAN's Index
    is not tradable, Common/Securities/Index/Index.cs)."""

    @property
    def is_tradable(self) -> bool:
        return False


_STANDARD, _WEEKLY = 1, 2  # ContractSecurityFilterUniverse's ContractExpirationType flags


def is_standard_expiry(expiry: date) -> bool:
    """A monthly expiry: in the week (Thursday to Saturday) of the month's third Friday; LEAN's rule
    (Common/Securities/Option/OptionSymbol.cs, IsStandard), which leaves Monday and Wednesday weeklys out."""
    first_weekday = (date(expiry.year, expiry.month, 1).weekday() + 1) % 7  # .NET: Sunday is 0
    first_friday = 7 if first_weekday == 6 else 6 - first_weekday
    return first_friday + 7 + 5 < expiry.day < first_friday + 2 * 7 + 2


class OptionSymbol:
    """Static helpers on option contract Symbols (Common/Securities/Option/OptionSymbol.cs)."""

    @staticmethod
    def is_standard(symbol: Symbol) -> bool:
        """A monthly (standard) expiry, as `is_standard_expiry`."""
        return is_standard_expiry(symbol.id.date.date())

    @staticmethod
    def is_weekly(symbol: Symbol) -> bool:
        """Any expiry that is not the standard monthly one (OptionSymbol.IsWeekly)."""
        return not OptionSymbol.is_standard(symbol)


class OptionUniverse(PascalCaseAttributes):
    """One contract as an option universe sees it: its Symbol, daily close, open interest, implied
    volatility and greeks (Common/Data/UniverseSelection/OptionUniverse.cs)."""

    def __init__(self, symbol: Symbol, underlying: BaseData, close: float = 0.0, open_interest: float = 0.0,
                 implied_volatility: float = 0.0, greeks: Greeks | None = None) -> None:
        self.symbol = symbol
        self.underlying = underlying
        self.close = close
        self.open_interest = open_interest
        self.implied_volatility = implied_volatility
        self.greeks = greeks or Greeks()

    @property
    def id(self) -> Any:
        return self.symbol.id

    @property
    def price(self) -> float:
        return self.close

    def __eq__(self, other: object) -> bool:
        """Equal to its Symbol, so a filter may return the items it iterated (WhereContains)."""
        if isinstance(other, OptionUniverse):
            return other.symbol == self.symbol
        if isinstance(other, Symbol):
            return other == self.symbol
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self.symbol)


class OptionFilterUniverse:
    """The contracts an option universe selects from, narrowed in place by each method, as LEAN's
    (Common/Securities/Option/OptionFilterUniverse.cs, ContractSecurityFilterUniverse.cs): iterating
    yields OptionUniverse items. The standard/weekly choice is applied last, after the user's filter
    (ApplyTypesFilter), so `strikes` counts the strikes of every expiry."""

    def __init__(self, data: list[OptionUniverse] | None = None, underlying: BaseData | None = None,
                 local_time: datetime | None = None) -> None:
        self._data = list(data or [])
        self._underlying = underlying
        self._local_time = local_time
        self._expiry_types = _STANDARD | _WEEKLY  # weeklys are included by default
        self._types_applied = False

    @property
    def underlying(self) -> BaseData | None:
        return self._underlying

    @property
    def local_time(self) -> datetime | None:
        return self._local_time

    @property
    def count(self) -> int:
        return len(self._data)

    def __iter__(self) -> Iterator[OptionUniverse]:
        return iter(list(self._data))

    def __len__(self) -> int:
        return len(self._data)

    def _where(self, keep: Callable[[OptionUniverse], bool]) -> OptionFilterUniverse:
        self._data = [item for item in self._data if keep(item)]
        return self

    def strikes(self, min_strike: int, max_strike: int) -> OptionFilterUniverse:
        """Keep strikes from `min_strike` to `max_strike` steps around the underlying's price: a binary
        search finds the price or the next strike above it; when the price is not a strike, a range
        around it drops one from the top (and a range above it shifts down by one)."""
        if self._underlying is None:
            return self
        strikes = sorted({item.symbol.id.strike_price for item in self._data})
        spot = self._underlying.price
        index = bisect.bisect_left(strikes, spot)
        if index == len(strikes):
            return self._where(lambda item: False)
        low, high = index + min_strike, index + max_strike
        if strikes[index] != spot:
            if min_strike < 0 < max_strike:
                high -= 1
            elif min_strike > 0:
                low, high = low - 1, high - 1
        if low >= len(strikes) or high < 0:
            return self._where(lambda item: False)
        lowest, highest = strikes[max(low, 0)], strikes[min(high, len(strikes) - 1)]
        return self._where(lambda item: lowest <= item.symbol.id.strike_price <= highest)

    def expiration(self, min_expiry: int | timedelta, max_expiry: int | timedelta) -> OptionFilterUniverse:
        """Keep expiries from `min_expiry` to `max_expiry` days after today (ints or timedeltas)."""
        if self._local_time is None:
            return self
        today = self._local_time.date()
        low = today + (min_expiry if isinstance(min_expiry, timedelta) else timedelta(days=int(min_expiry)))
        high = today + (max_expiry if isinstance(max_expiry, timedelta) else timedelta(days=int(max_expiry)))
        return self._where(lambda item: low <= item.symbol.id.date.date() <= high)

    def include_weeklys(self) -> OptionFilterUniverse:
        """Obsolete in LEAN: weeklys are included by default."""
        self._expiry_types |= _WEEKLY
        return self

    def standards_only(self) -> OptionFilterUniverse:
        self._expiry_types = _STANDARD
        return self

    def weeklys_only(self) -> OptionFilterUniverse:
        self._expiry_types = _WEEKLY
        return self

    def calls_only(self) -> OptionFilterUniverse:
        return self._where(lambda item: item.symbol.id.option_right == OptionRight.CALL)

    def puts_only(self) -> OptionFilterUniverse:
        return self._where(lambda item: item.symbol.id.option_right == OptionRight.PUT)

    def contracts(self, contracts: Any) -> OptionFilterUniverse:
        """Keep the given Symbols, or what a selector returns from the current items."""
        chosen = list(contracts(list(self._data)) if callable(contracts) else contracts)
        return self._where(lambda item: item in chosen)

    def delta(self, min: float, max: float) -> OptionFilterUniverse:  # noqa: A002 - LEAN's names
        return self._where(lambda item: min <= item.greeks.delta <= max)

    def gamma(self, min: float, max: float) -> OptionFilterUniverse:  # noqa: A002
        return self._where(lambda item: min <= item.greeks.gamma <= max)

    def vega(self, min: float, max: float) -> OptionFilterUniverse:  # noqa: A002
        return self._where(lambda item: min <= item.greeks.vega <= max)

    def theta(self, min: float, max: float) -> OptionFilterUniverse:  # noqa: A002
        return self._where(lambda item: min <= item.greeks.theta <= max)

    def rho(self, min: float, max: float) -> OptionFilterUniverse:  # noqa: A002
        return self._where(lambda item: min <= item.greeks.rho <= max)

    def implied_volatility(self, min: float, max: float) -> OptionFilterUniverse:  # noqa: A002
        return self._where(lambda item: min <= item.implied_volatility <= max)

    def open_interest(self, min: float, max: float) -> OptionFilterUniverse:  # noqa: A002
        return self._where(lambda item: min <= item.open_interest <= max)

    # LEAN's one-letter shortcuts (OptionFilterUniverse.D, G, V, T, R, IV, OI)
    d, g, v, t, r = delta, gamma, vega, theta, rho
    iv, oi = implied_volatility, open_interest

    def _apply_types_filter(self) -> OptionFilterUniverse:
        """Keep the standard or weekly expiries chosen (ContractSecurityFilterUniverse.ApplyTypesFilter)."""
        if not self._types_applied:
            self._types_applied = True
            types = self._expiry_types
            self._where(lambda item: bool(types & (_STANDARD if is_standard_expiry(item.symbol.id.date.date()) else _WEEKLY)))
        return self


class Option(Security):
    """An option contract, or (for add_option) the canonical chain subscription."""

    def __init__(self, symbol: Symbol, market: MarketView, fill_model: FillModel, underlying: Security | None = None,
                 properties: SymbolProperties | None = None) -> None:
        super().__init__(symbol, market, fill_model, properties or SymbolProperties(100.0))
        self._underlying = underlying
        self._filter: Callable[[OptionFilterUniverse], Any] | None = None
        # As Common/Securities/Option/Option.cs: equity options deliver, index options settle in cash.
        self.exercise_settlement = (SettlementType.CASH if symbol.security_type == SecurityType.INDEX_OPTION
                                    else SettlementType.PHYSICAL_DELIVERY)
        self._exercise_model: Any = DefaultExerciseModel()
        self._assignment_model: Any = DefaultOptionAssignmentModel()
        self._price_model: Any = None

    @property
    def option_exercise_model(self) -> Any:
        """Turns an OptionExerciseOrder into its fills (DefaultExerciseModel unless set)."""
        return self._exercise_model

    def set_option_exercise_model(self, option_exercise_model: Any) -> None:
        self._exercise_model = option_exercise_model

    @property
    def option_assignment_model(self) -> Any:
        """Decides early assignments of a short position in backtests (DefaultOptionAssignmentModel unless set)."""
        return self._assignment_model

    def set_option_assignment_model(self, option_assignment_model: Any) -> None:
        self._assignment_model = option_assignment_model

    @property
    def price_model(self) -> Any:
        """What prices the chain's contracts (`theoretical_price`); None until one is set."""
        return self._price_model

    def set_price_model(self, price_model: Any) -> None:
        self._price_model = price_model

    @property
    def scaled_strike_price(self) -> float:
        return self.strike_price

    def get_intrinsic_value(self, underlying_price: float) -> float:
        return intrinsic_value(self.right, self.strike_price, underlying_price)

    def is_auto_exercised(self, underlying_price: float) -> bool:
        """In the money by at least a cent: exercised or assigned at expiry (Option.IsAutoExercised)."""
        return self.get_intrinsic_value(underlying_price) >= 0.01 - 1e-9

    def get_exercise_quantity(self, exercise_order_quantity: float) -> float:
        return exercise_quantity(self.right, exercise_order_quantity, self.contract_unit_of_trade)

    @property
    def strike_price(self) -> float:
        return self._symbol.id.strike_price

    @property
    def expiry(self) -> datetime:
        return self._symbol.id.date

    @property
    def right(self) -> OptionRight:
        return self._symbol.id.option_right

    @property
    def style(self) -> OptionStyle:
        return self._symbol.id.option_style

    @property
    def contract_multiplier(self) -> int:
        return int(self._properties.contract_multiplier)

    @property
    def contract_unit_of_trade(self) -> int:
        return int(self._properties.contract_multiplier)

    @property
    def underlying(self) -> Security | None:
        return self._underlying

    def set_filter(self, *args: Any) -> None:
        """set_filter(universe_func), set_filter(min_strike, max_strike) or
        set_filter(min_strike, max_strike, min_expiry_days, max_expiry_days)."""
        if len(args) == 1 and callable(args[0]):
            self._filter = args[0]
        elif len(args) == 2:
            self._filter = lambda u: u.strikes(args[0], args[1])
        elif len(args) == 4:
            self._filter = lambda u: u.strikes(args[0], args[1]).expiration(args[2], args[3])
        else:
            raise TypeError("set_filter takes a function, (min_strike, max_strike) or four bounds")

    def _select(self, universe: OptionFilterUniverse) -> list[Symbol]:
        """The contracts the filter keeps (Option.SetFilter): it may narrow the universe in place and
        return None, return the universe, or return the contracts (Symbols or the items it iterated)."""
        result = self._filter(universe) if self._filter is not None else None
        if result is not None and not isinstance(result, OptionFilterUniverse):
            try:
                chosen = list(result)
            except TypeError:
                raise ValueError(f"set_filter: the filter function returned {type(result).__name__}; return an "
                                 "OptionFilterUniverse or a list of symbols") from None
            universe.contracts(chosen)
        return [item.symbol for item in universe._apply_types_filter()]


class IndexOption(Option):
    """An index option contract or chain (SPX, SPXW): European, cash-settled, 100 times the index,
    ticked at 0.05 / 0.10 (Common/Securities/IndexOption/IndexOption.cs)."""

    def __init__(self, symbol: Symbol, market: MarketView, fill_model: FillModel, underlying: Security | None = None) -> None:
        super().__init__(symbol, market, fill_model, underlying, IndexOptionSymbolProperties(symbol.id.symbol, lambda: self.price))


class SecurityManager:
    """`algorithm.securities`: Symbol (or ticker / symbol value) -> Security."""

    def __init__(self) -> None:
        self._items: dict[Symbol, Security] = {}

    def _resolve(self, key: Symbol | str) -> Symbol | None:
        if isinstance(key, Symbol):
            return key
        for symbol in self._items:
            if symbol.value == key or (symbol.security_type in (SecurityType.EQUITY, SecurityType.INDEX) and symbol.id.symbol == key):
                return symbol
        return None

    def __getitem__(self, key: Symbol | str) -> Security:
        symbol = self._resolve(key)
        if symbol is None or symbol not in self._items:
            raise KeyError(f"This asset symbol ({key}) was not found in your security list. Please add this security or check it exists before using it with 'self.securities.contains_key(\"{key}\")'")
        return self._items[symbol]

    def __contains__(self, key: object) -> bool:
        return isinstance(key, (Symbol, str)) and self.contains_key(key)

    def __len__(self) -> int:
        return len(self._items)

    def __iter__(self) -> Iterator[Symbol]:
        return iter(list(self._items))

    @property
    def count(self) -> int:
        return len(self._items)

    def contains_key(self, key: Symbol | str) -> bool:
        symbol = self._resolve(key)
        return symbol is not None and symbol in self._items

    def get(self, key: Symbol | str, default_value: Security | None = None) -> Security | None:
        return self[key] if self.contains_key(key) else default_value

    def keys(self) -> list[Symbol]:
        return list(self._items)

    def values(self) -> list[Security]:
        return list(self._items.values())

    def items(self) -> list[tuple[Symbol, Security]]:
        return list(self._items.items())

    def _add(self, security: Security) -> Security:
        return self._items.setdefault(security.symbol, security)
