"""What the LEAN double needs to know about a market: prices, option chains and trading hours.

The double's own: LEAN has no counterpart.

Two implementations exist: synthetic data (Black-Scholes with a smile) and a reader of LEAN's own
data folder. The order engine and the fake algorithm only see this protocol.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Literal, Protocol, runtime_checkable

Right = Literal["call", "put"]
BarResolution = Literal["minute", "hour", "daily"]
Normalization = Literal["raw", "adjusted", "split_adjusted"]


@dataclass(frozen=True)
class SecurityKey:
    """Identity of a tradable: an equity (right is None) or one option contract on `underlying`."""

    underlying: str
    right: Right | None = None
    strike: float | None = None
    expiry: date | None = None

    @property
    def is_option(self) -> bool:
        return self.right is not None


@dataclass(frozen=True)
class Bar:
    """Open, high, low and close of one side over the latest minute bar (LEAN's `Bar`)."""

    open: float
    high: float
    low: float
    close: float


@dataclass(frozen=True)
class Quote:
    """Top of book at one moment. Any side may be missing, as in real data.

    The `*_bar` fields hold the latest minute bar of each side when the data has bars (a LEAN data
    folder); None means a point quote, whose bar is its close on every field. Limit fills compare
    against a bar's high and low (Common/Orders/Fills/FillModel.cs, GetPrices).
    """

    bid: float | None
    ask: float | None
    last: float | None = None
    bid_size: float = 0.0
    ask_size: float = 0.0
    bid_bar: Bar | None = None
    ask_bar: Bar | None = None
    trade_bar: Bar | None = None
    price: float | None = None  # LEAN's Security.Price from bars when the data has them (see LeanDataFolder)
    quote_close: float | None = None  # the latest quote bar's close when no trade bar is later

    @property
    def mid(self) -> float | None:
        """The two-sided mid, else the last trade: a spot estimate for the double's own models (an
        underlying's strikes, implied volatility). Not LEAN's price: see `quote_bar_close`."""
        if self.bid is not None and self.ask is not None and self.bid > 0 and self.ask > 0:
            return (self.bid + self.ask) / 2
        return self.last

    @property
    def quote_bar_close(self) -> float | None:
        """LEAN's QuoteBar.Close of this quote: the mid when both sides are quoted, else the close of
        the side that is (a worthless wing with no bid closes at its ask), None with neither
        (Common/Data/Market/QuoteBar.cs, Close)."""
        sides = [side for side in (self.bid, self.ask) if side is not None and side > 0]
        return sum(sides) / len(sides) if sides else None


@dataclass(frozen=True)
class ContractQuote:
    """One option contract of a chain with its quote and, when known, greeks."""

    key: SecurityKey
    quote: Quote
    delta: float | None = None
    implied_volatility: float | None = None
    open_interest: float = 0.0


@dataclass
class ChainQuotes:
    """Contracts of a chain as columns: `index[n]` is the position of row n's contract among the
    keys asked for. A chain read each minute then builds no object per contract (see
    `ColumnarChains`)."""

    index: list[int]
    bid: list[float | None]
    ask: list[float | None]
    last: list[float | None]
    bid_size: list[float]
    ask_size: list[float]
    delta: list[float | None]
    implied_volatility: list[float | None]
    open_interest: list[float]

    @staticmethod
    def empty() -> ChainQuotes:
        return ChainQuotes([], [], [], [], [], [], [], [], [])

    def append(self, index: int, contract: ContractQuote) -> None:
        quote = contract.quote
        self.index.append(index)
        self.bid.append(quote.bid)
        self.ask.append(quote.ask)
        self.last.append(quote.last)
        self.bid_size.append(quote.bid_size)
        self.ask_size.append(quote.ask_size)
        self.delta.append(contract.delta)
        self.implied_volatility.append(contract.implied_volatility)
        self.open_interest.append(contract.open_interest)

    def replace(self, row: int, contract: ContractQuote) -> None:
        """Row `row` holds `contract`'s figures."""
        self.override(row, contract.quote)
        self.delta[row], self.implied_volatility[row] = contract.delta, contract.implied_volatility
        self.open_interest[row] = contract.open_interest

    def override(self, row: int, quote: Quote) -> None:
        """Row `row` quoted at `quote` instead (a test's override; greeks stay the market's)."""
        self.bid[row], self.ask[row], self.last[row] = quote.bid, quote.ask, quote.last
        self.bid_size[row], self.ask_size[row] = quote.bid_size, quote.ask_size


class TradingCalendar(Protocol):
    """Exchange sessions in UTC (early closes and holidays included)."""

    def is_open(self, utc: datetime) -> bool: ...

    def next_close(self, utc: datetime) -> datetime:
        """The close of the current session, or of the next one when closed."""
        ...

    def next_open(self, utc: datetime) -> datetime: ...

    def session(self, day: date) -> tuple[datetime, datetime] | None:
        """(open, close) in UTC of `day`'s regular session, None on a closed day."""
        ...

    def to_exchange_time(self, utc: datetime) -> datetime:
        """Naive exchange-local time, as LEAN's `algorithm.time`."""
        ...


class MarketData(Protocol):
    """Prices and chains over a span of trading days."""

    @property
    def calendar(self) -> TradingCalendar: ...

    def days(self) -> list[date]:
        """The trading days this data covers, in order."""
        ...

    def underlyings(self) -> list[str]: ...

    def quote(self, key: SecurityKey, utc: datetime) -> Quote | None:
        """The latest quote at or before `utc` on that day, None when there is none."""
        ...

    def chain(self, underlying: str, utc: datetime) -> list[ContractQuote]:
        """Every listed contract of `underlying` at `utc` (empty when none is listed)."""
        ...


@runtime_checkable
class ColumnarChains(Protocol):
    """A market that quotes chosen contracts of a chain as columns (the synthetic market, which
    prices a minute's chain as arrays); the others are filtered from `chain`."""

    def chain_quotes(self, underlying: str, utc: datetime, keys: Sequence[SecurityKey]) -> ChainQuotes:
        """The contracts among `keys` that `chain` lists at `utc`, in `keys`' order, same figures."""
        ...


@runtime_checkable
class SubscribableMarket(Protocol):
    """A market whose data depends on how the algorithm subscribes (a LEAN data folder: which
    resolution's files it reads, how it scales an equity's prices); synthetic markets are not."""

    def subscribe(self, ticker: str, resolution: BarResolution | None = None,
                  normalization: Normalization | None = None) -> None: ...

    def subscribe_options(self, ticker: str, resolution: BarResolution) -> None: ...
