"""What on_data receives: a Slice with option chains built from the market at each minute.

Stands for Common/Data/Slice.cs, Common/Data/Market/OptionChain.cs, Common/Data/Market/OptionContract.cs
and Engine/DataFeeds/BacktestingOptionChainProvider.cs.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from datetime import datetime
from typing import Any, Generic, TypeVar

from leansim.pascal_case import PascalCaseAttributes
from leansim.enums import OptionRight, OptionStyle
from leansim.symbols import Symbol

K = TypeVar("K")
V = TypeVar("V")


class KeyValuePair(Generic[K, V]):
    """What iterating a LEAN dictionary yields in Python (`for kvp in slice.option_chains`)."""

    def __init__(self, key: K, value: V) -> None:
        self.key = key
        self.value = value


class BaseData(PascalCaseAttributes):
    """A price point (the chain's underlying)."""

    def __init__(self, symbol: Symbol, time: datetime, value: float) -> None:
        self._symbol = symbol
        self._time = time
        self._value = value

    @property
    def symbol(self) -> Symbol:
        return self._symbol

    @property
    def time(self) -> datetime:
        return self._time

    @property
    def end_time(self) -> datetime:
        return self._time

    @property
    def value(self) -> float:
        return self._value

    @property
    def price(self) -> float:
        return self._value


class Greeks(PascalCaseAttributes):
    """Option sensitivities, settable as LEAN's (Common/Data/Market/Greeks.cs); theta is per year."""

    def __init__(self, delta: float = 0.0, gamma: float = 0.0, vega: float = 0.0, theta: float = 0.0,
                 rho: float = 0.0, lambda_: float = 0.0) -> None:
        self.delta, self.gamma, self.vega, self.theta, self.rho, self.lambda_ = delta, gamma, vega, theta, rho, lambda_

    @property
    def theta_per_day(self) -> float:
        return self.theta / 365


class OptionContract(PascalCaseAttributes):
    """One contract of a chain with its quote at the slice's time."""

    def __init__(
        self,
        symbol: Symbol,
        time: datetime,
        bid_price: float,
        ask_price: float,
        last_price: float,
        underlying_last_price: float,
        greeks: Greeks,
        implied_volatility: float,
        open_interest: float,
        bid_size: float = 0.0,
        ask_size: float = 0.0,
        price_model: Callable[[OptionContract], Any] | None = None,
    ) -> None:
        self._price_model = price_model  # evaluates this contract with its option's price model
        self._model_result: Any = None
        self._symbol = symbol
        self._time = time
        self._bid_price, self._ask_price, self._last_price = bid_price, ask_price, last_price
        self._underlying_last_price = underlying_last_price
        self._greeks = greeks
        self._implied_volatility = implied_volatility
        self._open_interest = open_interest
        self._bid_size, self._ask_size = bid_size, ask_size

    @property
    def symbol(self) -> Symbol:
        return self._symbol

    @property
    def id(self) -> Any:
        """The contract's SecurityIdentifier (BaseContract.ID)."""
        return self._symbol.id

    @property
    def time(self) -> datetime:
        return self._time

    @property
    def strike(self) -> float:
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
    def bid_price(self) -> float:
        return self._bid_price

    @property
    def ask_price(self) -> float:
        return self._ask_price

    @property
    def last_price(self) -> float:
        return self._last_price

    @property
    def bid_size(self) -> float:
        return self._bid_size

    @property
    def ask_size(self) -> float:
        return self._ask_size

    @property
    def volume(self) -> int:
        return 0

    @property
    def underlying_last_price(self) -> float:
        return self._underlying_last_price

    @property
    def greeks(self) -> Greeks:
        return self._greeks

    @property
    def implied_volatility(self) -> float:
        return self._implied_volatility

    @property
    def theoretical_price(self) -> float:
        """The option's price model's price, evaluated on first read (OptionContract.TheoreticalPrice);
        0 without a model."""
        if self._price_model is None:
            return 0.0
        if self._model_result is None:
            self._model_result = self._price_model(self)
        return float(self._model_result.theoretical_price)

    @property
    def open_interest(self) -> float:
        return self._open_interest

    def __eq__(self, other: object) -> bool:
        """Equal to its own Symbol, which it converts to wherever LEAN takes one (the implicit
        operator Symbol of Common/Data/Market/OptionContract.cs), so `symbol == contract` holds."""
        if isinstance(other, OptionContract):
            return other._symbol == self._symbol
        if isinstance(other, Symbol):
            return other == self._symbol
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self._symbol)

    def __repr__(self) -> str:
        return f"<OptionContract {self._symbol.value} bid={self._bid_price} ask={self._ask_price}>"


# OptionChain.data_frame's columns, present even when the chain is empty (as LEAN's frame has them).
_FRAME_COLUMNS = ("expiry", "strike", "right", "style", "lastprice", "bidprice", "bidsize", "askprice", "asksize",
                  "volume", "openinterest", "impliedvolatility", "delta", "gamma", "vega", "theta", "rho",
                  "underlyingsymbol", "underlyinglastprice")


class _Contracts(dict[Symbol, "OptionContract"]):
    """OptionChain.contracts: a C# Dictionary, whose `keys()` pythonnet gives as an indexable list."""

    def keys(self) -> list[Symbol]:  # type: ignore[override]
        return list(super().keys())


class OptionChain(PascalCaseAttributes):
    """The contracts of one canonical option at one time; iterating yields OptionContracts."""

    def __init__(self, canonical_option_symbol: Symbol, time: datetime, underlying: BaseData, contracts: list[OptionContract]) -> None:
        self._symbol = canonical_option_symbol
        self._time = time
        self._underlying = underlying
        self._contracts = {contract.symbol: contract for contract in contracts}

    @property
    def underlying(self) -> BaseData:
        return self._underlying

    @property
    def contracts(self) -> dict[Symbol, OptionContract]:
        return _Contracts(self._contracts)

    @property
    def count(self) -> int:
        return len(self._contracts)

    def contains_key(self, key: Symbol) -> bool:
        return key in self._contracts

    def __contains__(self, key: object) -> bool:
        return key in self._contracts

    @property
    def data_frame(self) -> Any:
        """The contracts as a pandas DataFrame indexed by symbol, one column per contract property
        named as LEAN's PandasConverter names them: lower case without underscores, greeks flattened
        (Common/Data/Market/OptionChain.cs, DataFrame)."""
        import pandas

        rows = [{
            "expiry": c.expiry, "strike": c.strike, "right": c.right, "style": c.style,
            "lastprice": c.last_price, "bidprice": c.bid_price, "bidsize": c.bid_size, "askprice": c.ask_price,
            "asksize": c.ask_size, "volume": c.volume, "openinterest": c.open_interest,
            "impliedvolatility": c.implied_volatility, "delta": c.greeks.delta, "gamma": c.greeks.gamma,
            "vega": c.greeks.vega, "theta": c.greeks.theta, "rho": c.greeks.rho,
            "underlyingsymbol": self._underlying.symbol, "underlyinglastprice": c.underlying_last_price,
        } for c in self]
        return pandas.DataFrame(rows, index=pandas.Index([c.symbol for c in self], name="symbol"), columns=_FRAME_COLUMNS)

    def __iter__(self) -> Iterator[OptionContract]:
        return iter(list(self._contracts.values()))

    def __len__(self) -> int:
        return len(self._contracts)


class LazyChains(Mapping[Symbol, OptionChain]):
    """Canonical Symbol -> OptionChain whose chains are built on first access, then kept.

    The keys (the subscribed canonicals) are known up front; building a chain prices every
    contract of the universe, which the double skips for the many slices an algorithm never reads.
    """

    def __init__(self, builders: dict[Symbol, Callable[[], OptionChain]]) -> None:
        self._builders = builders
        self._built: dict[Symbol, OptionChain] = {}

    def __getitem__(self, key: Symbol) -> OptionChain:
        chain = self._built.get(key)
        if chain is None:
            chain = self._built[key] = self._builders[key]()
        return chain

    def __contains__(self, key: object) -> bool:
        return key in self._builders

    def __iter__(self) -> Iterator[Symbol]:
        return iter(self._builders)

    def __len__(self) -> int:
        return len(self._builders)


class OptionChains:
    """Canonical option Symbol -> OptionChain; iterating yields KeyValuePairs, as in LEAN."""

    def __init__(self, chains: Mapping[Symbol, OptionChain] | None = None) -> None:
        self._chains: Mapping[Symbol, OptionChain] = chains if isinstance(chains, LazyChains) else dict(chains or {})

    def __getitem__(self, symbol: Symbol) -> OptionChain:
        return self._chains[_canonical(symbol)]

    def __contains__(self, key: object) -> bool:
        return isinstance(key, Symbol) and _canonical(key) in self._chains

    def __len__(self) -> int:
        return len(self._chains)

    def __iter__(self) -> Iterator[KeyValuePair[Symbol, OptionChain]]:
        return iter([KeyValuePair(key, value) for key, value in self._chains.items()])

    @property
    def count(self) -> int:
        return len(self._chains)

    def contains_key(self, key: Symbol) -> bool:
        return key in self

    def get(self, key: Symbol, default_value: OptionChain | None = None) -> OptionChain | None:
        canonical = _canonical(key)
        return self._chains[canonical] if canonical in self._chains else default_value

    def keys(self) -> list[Symbol]:
        return list(self._chains)

    def values(self) -> list[OptionChain]:
        return list(self._chains.values())

    def items(self) -> list[tuple[Symbol, OptionChain]]:
        return list(self._chains.items())


class Slice(PascalCaseAttributes):
    """The data of one time step: underlying prices and option chains."""

    def __init__(self, time: datetime, prices: dict[Symbol, BaseData], option_chains: OptionChains, utc_time: datetime) -> None:
        self._time = time
        self._prices = prices
        self._option_chains = option_chains
        self._utc_time = utc_time

    @property
    def time(self) -> datetime:
        return self._time

    @property
    def utc_time(self) -> datetime:
        return self._utc_time

    @property
    def has_data(self) -> bool:
        return bool(self._prices) or len(self._option_chains) > 0

    @property
    def option_chains(self) -> OptionChains:
        return self._option_chains

    @property
    def count(self) -> int:
        return len(self._prices)

    def __getitem__(self, symbol: Symbol) -> BaseData:
        return self._prices[symbol]

    def __contains__(self, key: object) -> bool:
        return key in self._prices

    def __len__(self) -> int:
        return len(self._prices)

    def __iter__(self) -> Iterator[KeyValuePair[Symbol, BaseData]]:
        return iter([KeyValuePair(key, value) for key, value in self._prices.items()])

    def contains_key(self, key: Symbol) -> bool:
        return key in self._prices

    def get(self, key: Symbol, default_value: BaseData | None = None) -> BaseData | None:
        return self._prices.get(key, default_value)

    def keys(self) -> list[Symbol]:
        return list(self._prices)

    def values(self) -> list[BaseData]:
        return list(self._prices.values())


def _canonical(symbol: Symbol) -> Symbol:
    return symbol if symbol.is_canonical() or not symbol.has_underlying else symbol.canonical


class OptionChainProvider:
    """`algorithm.option_chain_provider` (Engine/DataFeeds/BacktestingOptionChainProvider.cs): the
    contracts of an underlying (or canonical option) listed on a date, as Symbols, with no prices.
    The double lists what its market lists at the current minute of that date."""

    def __init__(self, listed: Callable[[Symbol, datetime], list[Symbol]]) -> None:
        self._listed = listed

    def get_option_contract_list(self, symbol: Symbol, date: datetime) -> list[Symbol]:
        underlying = symbol.underlying if symbol.underlying is not None and symbol.is_canonical() else symbol
        return self._listed(underlying, date)
