"""The market as the algorithm sees it at the simulator's current time.

Stands for Common/Securities/SecurityCache.cs as Engine/DataFeeds/TimeSliceFactory.cs fills it each time
step.

Wraps a MarketData with the clock, MarketClosed faults and test overrides of quotes, and caches
quotes per time step (the synthetic market prices options with Black-Scholes).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

from leansim.engine.fault_state import FaultState
from leansim.keys import security_key
from leansim.market.base import BarResolution, ChainQuotes, ColumnarChains, ContractQuote, MarketData, Normalization, Quote, SecurityKey, SubscribableMarket
from leansim.symbols import Symbol

NEW_YORK = ZoneInfo("America/New_York")
BAR = timedelta(minutes=1)  # the resolution of every leansim subscription


class MarketView:
    """Prices, chains and exchange state at `now()`."""

    def __init__(self, market: MarketData, now: Callable[[], datetime], faults: FaultState, streaming: bool = False) -> None:
        """`streaming`: live data, fresh at every moment (a live brokerage fills on the market as it
        is); otherwise minute bars as a backtest reads them."""
        self.market = market
        self.streaming = streaming
        self._now = now
        self._faults = faults
        self._overrides: dict[SecurityKey, Quote] = {}
        self._cache: dict[SecurityKey, Quote | None] = {}
        self._chain_cache: dict[str, list[ContractQuote]] = {}
        self._cache_time: datetime | None = None
        self._pinned: datetime | None = None
        self._prices_at: datetime | None = None

    @property
    def now(self) -> datetime:
        return self._pinned or self._now()

    @contextmanager
    def pinned(self, utc: datetime) -> Iterator[None]:
        """Answer as of `utc` inside the block (a lazy slice's chain read after the clock moved)."""
        previous = self._pinned
        self._pinned = utc
        try:
            yield
        finally:
            self._pinned = previous

    @contextmanager
    def last_prices(self, utc: datetime) -> Iterator[None]:
        """Quote as of `utc` inside the block while the clock stays where it is: LEAN's security
        cache keeps the last data seen, so an option delisted at midnight is exercised against its
        underlying's close (the double's markets have no quote before the next open)."""
        previous = self._prices_at
        self._prices_at = utc
        self._cache_time = None
        try:
            yield
        finally:
            self._prices_at = previous
            self._cache_time = None

    @property
    def calendar(self):  # type: ignore[no-untyped-def]
        return self.market.calendar

    def set_quote(self, key: SecurityKey, quote: Quote) -> None:
        """Override the market's quote for `key` from now on."""
        self._overrides[key] = quote
        self._cache.pop(key, None)

    def subscribe(self, ticker: str, resolution: BarResolution | None = None,
                  normalization: Normalization | None = None, options: bool = False) -> None:
        """Tell a market that reads files per subscription (a LEAN data folder) how `ticker` (an
        option ticker's chain with `options`) is subscribed; synthetic markets have nothing to read."""
        if not isinstance(self.market, SubscribableMarket):
            return
        if options:
            self.market.subscribe_options(ticker, resolution or "minute")
        else:
            self.market.subscribe(ticker, resolution, normalization)
        self._cache_time = None

    def quote(self, symbol: Symbol) -> Quote | None:
        key = security_key(symbol)
        self._refresh()
        if key in self._overrides:
            return self._overrides[key]
        if key not in self._cache:
            self._cache[key] = self.market.quote(key, self._prices_at or self.now)
        return self._cache[key]

    def chain(self, underlying: str) -> list[ContractQuote]:
        self._refresh()
        if underlying not in self._chain_cache:
            contracts = self.market.chain(underlying, self.now)
            self._chain_cache[underlying] = [
                ContractQuote(c.key, self._overrides[c.key], c.delta, c.implied_volatility, c.open_interest)
                if c.key in self._overrides
                else c
                for c in contracts
            ]
        return self._chain_cache[underlying]

    def chain_quotes(self, underlying: str, keys: Sequence[SecurityKey]) -> ChainQuotes:
        """The contracts among `keys` that `chain` lists now, with its figures, as columns (rows in
        the chain's order): what a slice's chain is built from each minute."""
        self._refresh()
        market = self.market
        if not isinstance(market, ColumnarChains):
            position = {key: n for n, key in enumerate(keys)}
            columns = ChainQuotes.empty()
            for contract in self.chain(underlying):
                n = position.get(contract.key)
                if n is not None:
                    columns.append(n, contract)
            return columns
        columns = market.chain_quotes(underlying, self.now, keys)
        if self._overrides:
            for row, n in enumerate(columns.index):
                override = self._overrides.get(keys[n])
                if override is not None:
                    columns.override(row, override)
        return columns

    def price(self, symbol: Symbol) -> float:
        """LEAN's Security.Price: the latest bar's close when the data has bars, else the last
        trade, else the quote's QuoteBar.Close (the mid, or the one side quoted), else 0.

        A one-sided quote is priced at its side as LEAN prices it (Common/Securities/SecurityCache.cs
        sets Price from the quote bar's Close): a long wing nobody bids for is priced at its ask, so
        LEAN accepts its sale (Algorithm/QCAlgorithm.Trading.cs, PreOrderChecks refuses only a price
        of 0)."""
        quote = self.quote(symbol)
        if quote is None:
            return 0.0
        if quote.price is not None:
            return quote.price
        if quote.last:
            return quote.last
        return quote.quote_bar_close or 0.0

    def fill_price(self, symbol: Symbol, quantity: float) -> float:
        """Where a market order trades: the ask to buy, the bid to sell, else the price (a sale with
        no bid at the ask: `quoteBar.Bid?.Close ?? quoteBar.Close`, Common/Orders/Fills/FillModel.cs)."""
        quote = self.quote(symbol)
        side = None if quote is None else (quote.ask if quantity > 0 else quote.bid)
        return side if side else self.price(symbol)

    def data_end_time(self) -> datetime | None:
        """UTC EndTime of a security's latest data, as LEAN's minute feed with fill-forward has it.

        Each minute of a session ends a bar (real or fill-forwarded, Engine/DataFeeds/Enumerators/
        FillForwardEnumerator.cs), so inside a session it is the last minute boundary, up to and
        including the close (the 15:59-16:00 bar ends at 16:00). Before the first bar of a session
        (09:30-09:31) and overnight, it is the previous session's close. None with no session in
        the last two weeks. Streaming (live) data always ends now.
        """
        now = self.now
        if self.streaming:
            return now
        minute = now.replace(second=0, microsecond=0)
        if self.market.calendar.is_open(minute - BAR):
            return minute
        day = self.local(now).date()
        for back in range(15):
            session = self.session(day - timedelta(days=back))
            if session is not None and session[1] <= now:
                return session[1]
        return None

    def is_open_during_last_bar(self, symbol: Symbol) -> bool:
        """True exactly at the end of a session's minute bar, the close included: LEAN's fill models
        treat the exchange as open while the time is within the current bar (FillModel.IsExchangeOpen),
        so the 16:00 slice still fills on the 15:59-16:00 bar. MarketClosed faults still close it."""
        now = self.now
        if self.streaming:
            return False
        end = self.data_end_time()
        return end == now and self.market.calendar.is_open(now - BAR) and not self._faults.market_closed(symbol, now)

    def is_open(self, symbol: Symbol, utc: datetime | None = None) -> bool:
        at = utc or self.now
        return self.market.calendar.is_open(at) and not self._faults.market_closed(symbol, at)

    def local(self, utc: datetime) -> datetime:
        """Naive New York time, as LEAN's algorithm.time."""
        return utc.astimezone(NEW_YORK).replace(tzinfo=None)

    def to_utc(self, local: datetime) -> datetime:
        return local.replace(tzinfo=NEW_YORK).astimezone(ZoneInfo("UTC"))

    def session(self, day: date) -> tuple[datetime, datetime] | None:
        return self.market.calendar.session(day)

    def next_session_close(self, utc: datetime) -> datetime:
        return self.market.calendar.next_close(utc)

    def next_session_open(self, utc: datetime) -> datetime:
        return self.market.calendar.next_open(utc)

    def sessions_from(self, day: date, days: int) -> list[tuple[datetime, datetime]]:
        found = []
        for offset in range(days):
            session = self.session(day + timedelta(days=offset))
            if session is not None:
                found.append(session)
        return found

    def _refresh(self) -> None:
        now = self._prices_at or self.now
        if self._cache_time != now:
            self._cache.clear()
            self._chain_cache.clear()
            self._cache_time = now


class SimulatorClock(Protocol):
    """The simulator's time, mode and market, as the algorithm and the transaction handler read them
    (each names the rest it needs of the simulator in a protocol of its own)."""

    @property
    def now(self) -> datetime: ...

    @property
    def live(self) -> bool: ...

    @property
    def market(self) -> MarketView: ...
