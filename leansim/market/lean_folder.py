"""`MarketData` from a LEAN data folder: equity, index, equity-option and index-option files at minute
(see `lean_format`), hour or daily resolution (`lean_bars`), as each ticker is subscribed; which files
hold a ticker's day, when their rows are known and how an equity's prices are scaled by the map and
factor files is `lean_sources`' part.

An index option ticker (SPXW) names its own chain; its underlying is the index (SPX), whose prices
come from the index folder, stamped in Chicago time. Where an underlying has no file on a day
(LEAN's sample has SPX bars on 2021-01-04 and 01-14 only), its last price from an earlier day stands,
as LEAN's FillForwardEnumerator carries a subscription's last bar across missing files
(Engine/DataFeeds/Enumerators/FillForwardEnumerator.cs).

What LEAN's own data does not hold is derived: implied volatility by inverting Black-Scholes on the
two-sided mid (against the underlying's mid at the same minute, to the expiry's session close, on a
calendar-year clock), and delta from it. Files are read lazily, one (ticker, day) at a time, and
a few recent days stay in memory.

Timing follows LEAN: a minute bar stamped 09:30 covers 09:30-09:31 and is first seen at 09:31, so
`quote(key, 09:30:30)` is None and `quote(key, 09:31)` is that bar's close. Bars outside the regular
session (equity pre/post-market, SPY options' 16:00-16:15) are dropped, as LEAN does without
extended market hours. Pass `bars_available_at="start"` to read bars at their stamp instead.
"""

from __future__ import annotations

import math
from collections import OrderedDict
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Literal

import numpy as np
import numpy.typing as npt

from leansim.index_option_symbol import map_to_underlying
from leansim.market import black_scholes as bs
from leansim.market import lean_format as lf
from leansim.market import lean_universe as lu
from leansim.market.base import Bar, BarResolution, ContractQuote, Normalization, Quote, SecurityKey
from leansim.market.hours import ExchangeCalendar, to_utc
from leansim.market.lean_sources import LeanFiles, Timing

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

_MS_BITS = 27  # ms since midnight (< 2**27) packed under the contract index in one sort key
_YEAR_SECONDS = 365.0 * 86_400.0
_DAY_MS = 86_400_000
_ContractId = tuple[str, int, date]  # (right, strike * 10,000, expiry)


@dataclass(frozen=True)
class _Rows:
    """One kind of rows for one or many instruments: sorted search keys plus value columns."""

    keys: IntArray  # instrument index << _MS_BITS | ms at which the row becomes known
    values: FloatArray  # one row per key; columns depend on the kind

    def latest(self, index: int, ms: int) -> int:
        """Row of `index` known at `ms` (the latest one), -1 when none."""
        if len(self.keys) == 0:
            return -1
        at = int(np.searchsorted(self.keys, (index << _MS_BITS) | ms, side="right")) - 1
        return at if at >= 0 and int(self.keys[at]) >> _MS_BITS == index else -1

    def latest_all(self, count: int, ms: int) -> IntArray:
        """`latest` for instruments 0..count-1 at once."""
        if len(self.keys) == 0:
            return np.full(count, -1, dtype=np.int64)
        wanted = (np.arange(count, dtype=np.int64) << _MS_BITS) | ms
        at = np.searchsorted(self.keys, wanted, side="right") - 1
        ok = (at >= 0) & ((self.keys[np.maximum(at, 0)] >> _MS_BITS) == np.arange(count))
        return np.where(ok, at, -1)


@dataclass(frozen=True)
class _Book:
    """Each side of the book and the trades, kept apart: LEAN's security cache updates the bid
    only from bars that carry one (and the ask likewise), so a side stays at its last value
    while the other moves."""

    bids: _Rows  # close, size, open, high, low
    asks: _Rows  # close, size, open, high, low
    trades: _Rows  # close, open, high, low
    quotes_set_price: bool = True  # an option's quote bars set its price; an equity's do not

    def quote(self, index: int, ms: int) -> Quote | None:
        """What LEAN's cache would hold for `index` at `ms`, with each side's latest bar (a
        fill-forwarded bar keeps its OHLC); None when nothing is known yet."""
        b, a = self.bids.latest(index, ms), self.asks.latest(index, ms)
        t = self.trades.latest(index, ms)
        if b < 0 and a < 0 and t < 0:
            return None
        bid, bid_size, bid_bar = _side(self.bids, b)
        ask, ask_size, ask_bar = _side(self.asks, a)
        last, trade_bar = (float(self.trades.values[t, 0]), _bar(self.trades.values[t], 1)) if t >= 0 else (None, None)
        quote_close = self._quote_close(b, a, t, bid, ask)
        price = quote_close if self.quotes_set_price and quote_close is not None else last
        return Quote(bid, ask, last, bid_size, ask_size, bid_bar, ask_bar, trade_bar, price, quote_close)

    def _quote_close(self, b: int, a: int, t: int, bid: float | None, ask: float | None) -> float | None:
        """The latest quote bar's close, None when there is none or a trade bar is later.

        It is Security.Price as LEAN's SecurityCache sets it, a quote bar winning over a trade bar
        of the same minute (Common/Securities/SecurityCache.cs, ProcessDataPoint); a quote bar's
        close is the mid, or the close of its only side (Common/Data/Market/QuoteBar.cs, Close). An
        equity's quote bars are not its default data type (SubscriptionManager.IsDefaultDataType):
        its trades alone set its price, but an option chain carries its latest bar, a quote bar
        included (Engine/DataFeeds/TimeSliceFactory.cs, HandleOptionData)."""
        bid_ms, ask_ms = _ms_of(self.bids, b), _ms_of(self.asks, a)
        quote_ms = max(bid_ms, ask_ms)
        if quote_ms < 0 or _ms_of(self.trades, t) > quote_ms:
            return None
        sides = [side for side, at in ((bid, bid_ms), (ask, ask_ms)) if at == quote_ms and side is not None]
        return sum(sides) / len(sides) if sides else None


@dataclass(frozen=True)
class _Day:
    """Everything read for one ticker on one day. Index 0.. are option contracts; the equity is
    the single instrument of its own rows."""

    contracts: list[SecurityKey]
    index: dict[_ContractId, int]
    option_book: _Book
    open_interest: _Rows  # open interest
    equity_book: _Book


class LeanDataFolder:
    """Minute quotes, trades and open interest of US equities, indexes and their options from LEAN files."""

    def __init__(
        self,
        path: str | Path,
        calendar: ExchangeCalendar | None = None,
        *,
        risk_free_rate: float = 0.0,
        dividend_yield: float = 0.0,
        bars_available_at: Literal["end", "start"] = "end",
        max_cached_days: int = 4,
    ) -> None:
        """`calendar` defaults to the folder's market-hours database, else the NYSE rules."""
        self.root = Path(path)
        if calendar is None:
            hours_file = self.root / "market-hours" / "market-hours-database.json"
            if hours_file.exists():
                calendar = ExchangeCalendar.from_market_hours_database(hours_file, "usa", "Option")
            else:
                calendar = ExchangeCalendar()
        self._calendar = calendar
        self.risk_free_rate = risk_free_rate
        self.dividend_yield = dividend_yield
        self._max_cached = max_cached_days
        self._loaded: OrderedDict[tuple[str, date], _Day] = OrderedDict()
        self._chains: OrderedDict[tuple[str, date, int], list[ContractQuote]] = OrderedDict()
        self._sources = LeanFiles(self.root, calendar, lf.BAR_MS if bars_available_at == "end" else 0)

    # --- MarketData -------------------------------------------------------------------------------

    @property
    def calendar(self) -> ExchangeCalendar:
        return self._calendar

    def days(self) -> list[date]:
        """Days with any equity or option rows at the subscribed resolutions, in order."""
        return sorted({d for name in self._sources.tickers() for d in self._sources.days(name)})

    def underlyings(self) -> list[str]:
        """Tickers with any file, upper-case as LEAN writes symbols."""
        return self._sources.tickers()

    def days_of(self, ticker: str) -> list[date]:
        """Days with rows of `ticker` or of an option written on it (SPX: SPX and SPXW), at the
        resolutions they are subscribed at (minute unless `subscribe` said otherwise), in order."""
        ticker = ticker.upper()
        names = {ticker} | {name for name in self._sources.tickers() if map_to_underlying(name) == ticker}
        return sorted({d for name in names for d in self._sources.days(name)})

    def subscribe(self, ticker: str, resolution: BarResolution | None = None,
                  normalization: Normalization | None = None) -> None:
        """Read `ticker`'s own data (equity or index) at `resolution` and, for an equity, in
        `normalization` from now on (None keeps the current; minute and raw until asked)."""
        if self._sources.subscribe(ticker, resolution, normalization):
            self._forget(ticker)

    def subscribe_options(self, ticker: str, resolution: BarResolution) -> None:
        """Read the option chain of option ticker `ticker` at `resolution` from now on."""
        if self._sources.subscribe_options(ticker, resolution):
            self._forget(ticker)

    def quote(self, key: SecurityKey, utc: datetime) -> Quote | None:
        """The book LEAN would show at `utc`: each side's latest value that day, `last` from
        trades; None for an option past its expiry's close. Before a day's first bar, and on a day
        without files, the last book of an earlier day stands, as LEAN's security cache keeps the
        last data it saw (Common/Securities/SecurityCache.cs): a portfolio valued at midnight prices
        its contracts at their last close, not at 0.
        """
        moment = to_utc(utc)
        local = self._calendar.to_exchange_time(moment)
        if key.is_option and (key.expiry is None or key.strike is None or moment > self._expiry_close(key.expiry)):
            return None
        day_data = self._day(key.underlying, local.date())
        quote = self._day_book(day_data, key, _ms_since_midnight(local)) if day_data is not None else None
        return quote if quote is not None else self._filled_forward(key, local.date())

    @staticmethod
    def _day_book(day_data: _Day, key: SecurityKey, ms: int) -> Quote | None:
        if not key.is_option:
            return day_data.equity_book.quote(0, ms)
        index = day_data.index.get((str(key.right), round(key.strike * lf.PRICE_SCALE), key.expiry))  # type: ignore[operator]
        return None if index is None else day_data.option_book.quote(index, ms)

    def chain(self, underlying: str, utc: datetime) -> list[ContractQuote]:
        """Every contract in that day's files, with quotes, implied volatility, delta and OI.

        Empty before the session opens; contracts past their expiry's close are left out. A listed
        contract without a quote yet has bid and ask None. Sorted by expiry, right, strike.
        """
        moment = to_utc(utc)
        local = self._calendar.to_exchange_time(moment)
        session = self._calendar.session(local.date())
        if session is not None and moment < session[0]:
            return []
        ms = _ms_since_midnight(local)
        cache_key = (underlying.upper(), local.date(), ms)
        cached = self._chains.get(cache_key)
        if cached is None:
            cached = self._build_chain(underlying, local.date(), ms, moment)
            self._chains[cache_key] = cached
            while len(self._chains) > 8:
                self._chains.popitem(last=False)
        return list(cached)

    def universe_history(self, ticker: str, utc: datetime, periods: int) -> list[lu.UniverseDay]:
        """The universe files of the `periods` trading days before today, oldest first: what a daily
        history request of OptionUniverse returns at `utc` (a file is known from the midnight after it)."""
        day = self._calendar.to_exchange_time(to_utc(utc)).date()
        days: list[date] = []
        while len(days) < periods and day > date(1998, 1, 1):
            day -= timedelta(days=1)
            if self._calendar.session(day) is not None:
                days.append(day)
        found = (lu.read_universe(self.root, ticker, d) for d in reversed(days))
        return [universe for universe in found if universe is not None]

    def universe(self, ticker: str, utc: datetime) -> lu.UniverseDay | None:
        """The latest option universe file of `ticker` known at `utc` (dated before today), among
        the last `LOOKBACK_FILES` trading days; None when there is none (QCAlgorithm.GetChainsData)."""
        today = self._calendar.to_exchange_time(to_utc(utc)).date()
        earlier = [d for d in lu.universe_days(self.root, ticker) if d < today]
        if not earlier:
            return None
        sessions = 0
        day = today - timedelta(days=1)
        while sessions < lu.LOOKBACK_FILES and day >= earlier[-1]:
            if day == earlier[-1]:
                return lu.read_universe(self.root, ticker, day)
            sessions += self._calendar.session(day) is not None
            day -= timedelta(days=1)
        return None

    # --- chain ------------------------------------------------------------------------------------

    def _build_chain(
        self, underlying: str, day: date, ms: int, moment: datetime
    ) -> list[ContractQuote]:
        day_data = self._day(underlying, day)
        if day_data is None or not day_data.contracts:
            return []
        count = len(day_data.contracts)
        book = day_data.option_book
        bid, bid_size = _take(book.bids, count, ms, 2).T
        ask, ask_size = _take(book.asks, count, ms, 2).T
        last = _take(book.trades, count, ms, 1)[:, 0]
        oi = np.nan_to_num(_take(day_data.open_interest, count, ms, 1)[:, 0])
        iv, delta = self._greeks(underlying, day_data, bid, ask, moment)
        closes = {k.expiry: self._expiry_close(k.expiry) for k in day_data.contracts if k.expiry}
        columns = zip(
            day_data.contracts, bid.tolist(), ask.tolist(), last.tolist(), bid_size.tolist(),
            ask_size.tolist(), delta.tolist(), iv.tolist(), oi.tolist(), strict=True,
        )  # fmt: skip
        result = [
            ContractQuote(
                key,
                Quote(_opt(b), _opt(a), _opt(t), _size(bsz), _size(asz)),
                delta=_opt(d),
                implied_volatility=_opt(v),
                open_interest=o,
            )
            for key, b, a, t, bsz, asz, d, v, o in columns
            if key.expiry is not None and moment <= closes[key.expiry]
        ]
        result.sort(key=lambda c: (c.key.expiry, c.key.right, c.key.strike))
        return result

    def _greeks(
        self, underlying_ticker: str, day_data: _Day, bid: FloatArray, ask: FloatArray, moment: datetime
    ) -> tuple[FloatArray, FloatArray]:
        """Implied volatility from the two-sided mid, and delta from it; NaN where unsolvable."""
        underlying = self.quote(SecurityKey(map_to_underlying(underlying_ticker)), moment)
        spot = underlying.mid if underlying is not None else None
        count = len(day_data.contracts)
        if spot is None:
            return np.full(count, np.nan), np.full(count, np.nan)
        strike = np.array([k.strike for k in day_data.contracts], dtype=np.float64)
        is_call = np.array([k.right == "call" for k in day_data.contracts])
        years = {
            e: (self._expiry_close(e) - moment).total_seconds() / _YEAR_SECONDS
            for e in {k.expiry for k in day_data.contracts if k.expiry is not None}
        }
        t = np.array([years[k.expiry] if k.expiry else np.nan for k in day_data.contracts])
        with np.errstate(invalid="ignore"):
            two_sided = (bid > 0) & (ask >= bid)
        mid = np.where(two_sided, 0.5 * (bid + ask), np.nan)
        rate, div = self.risk_free_rate, self.dividend_yield
        iv = bs.implied_vol_array(mid, spot, strike, t, is_call, rate, div)
        delta = bs.delta_array(spot, strike, t, iv, is_call, rate, div)
        return iv, delta

    def _expiry_close(self, expiry: date) -> datetime:
        """The session close of the expiry day (16:00 New York if the calendar has none)."""
        session = self._calendar.session(expiry)
        if session is not None:
            return session[1]
        local = datetime.combine(expiry, datetime.min.time()) + timedelta(hours=16)
        return to_utc(local.replace(tzinfo=self._calendar.time_zone))

    # --- loading ----------------------------------------------------------------------------------

    def _filled_forward(self, key: SecurityKey, day: date) -> Quote | None:
        """`key`'s last book on the latest earlier day with its files; None when there is none."""
        earlier = [d for d in self._sources.days(key.underlying) if d < day]
        day_data = self._day(key.underlying, max(earlier)) if earlier else None
        return self._day_book(day_data, key, _DAY_MS) if day_data is not None else None

    def _forget(self, ticker: str) -> None:
        """Drop what was read of `ticker` under its previous subscription."""
        ticker = ticker.upper()
        for key in [key for key in self._loaded if key[0] == ticker]:
            del self._loaded[key]
        self._chains.clear()

    def _day(self, ticker: str, day: date) -> _Day | None:
        ticker = ticker.upper()
        if day not in self._sources.days(ticker):
            return None
        cached = self._loaded.get((ticker, day))
        if cached is not None:
            self._loaded.move_to_end((ticker, day))
            return cached
        loaded = self._load(ticker, day)
        self._loaded[(ticker, day)] = loaded
        while len(self._loaded) > self._max_cached:
            self._loaded.popitem(last=False)
        return loaded

    def _load(self, ticker: str, day: date) -> _Day:
        option_kinds: tuple[tuple[lf.Kind, int], ...] = (
            ("quote", lf.QUOTE_COLUMNS),
            ("trade", lf.TRADE_COLUMNS),
            ("openinterest", lf.OPEN_INTEREST_COLUMNS),
        )
        timed = {kind: self._sources.option_rows(ticker, day, kind, columns) for kind, columns in option_kinds}
        read = {kind: (members, rows) for kind, (members, rows, _) in timed.items()}
        ids: dict[_ContractId, int] = {}
        for members, _ in read.values():
            for m in members:
                ids.setdefault((m.right, m.strike_scaled, m.expiry), len(ids))
        contracts = [
            SecurityKey(ticker, "call" if right == "call" else "put", scaled / lf.PRICE_SCALE, exp)
            for right, scaled, exp in ids
        ]

        def owners(kind: lf.Kind) -> tuple[IntArray, FloatArray]:
            members, rows = read[kind]
            remap = np.array([ids[(m.right, m.strike_scaled, m.expiry)] for m in members], np.int64)
            owner = remap[rows[:, 0].astype(np.int64)] if len(rows) else np.empty(0, np.int64)
            return owner, rows[:, 1:]

        equity, price_scale, equity_timing = self._sources.underlying_rows(ticker, day)
        zeros = {kind: np.zeros(len(rows), np.int64) for kind, rows in equity.items()}
        oi_owner, oi_rows = owners("openinterest")
        return _Day(
            contracts=contracts,
            index=ids,
            option_book=self._book(owners("quote"), owners("trade"), timed["quote"][2]),
            open_interest=_rows(oi_owner, oi_rows[:, 0], oi_rows[:, [1]], 0, None, prices=()),
            equity_book=replace(self._book(
                (zeros["quote"], equity["quote"]), (zeros["trade"], equity["trade"]), equity_timing, price_scale
            ), quotes_set_price=False),
        )

    def _book(
        self,
        quotes: tuple[IntArray, FloatArray],
        trades: tuple[IntArray, FloatArray],
        timing: Timing,
        price_scale: float = lf.PRICE_SCALE,
    ) -> _Book:
        """Bid, ask and trade rows of quote/trade bar matrices (columns as in the files)."""
        (q_owner, q), (t_owner, t) = quotes, trades
        delay, bounds = timing.delay_ms, timing.bounds
        return _Book(
            bids=_rows(q_owner, q[:, 0], q[:, [4, 5, 1, 2, 3]], delay, bounds, (0, 2, 3, 4), price_scale),
            asks=_rows(q_owner, q[:, 0], q[:, [9, 10, 6, 7, 8]], delay, bounds, (0, 2, 3, 4), price_scale),
            trades=_rows(t_owner, t[:, 0], t[:, [4, 1, 2, 3]], delay, bounds, (0, 1, 2, 3), price_scale),
        )


# --- helpers --------------------------------------------------------------------------------------


def _rows(
    owner: IntArray,
    stamp_ms: FloatArray,
    values: FloatArray,
    delay_ms: int,
    bounds: tuple[int, int] | None,
    prices: tuple[int, ...] = (0,),
    price_scale: float = lf.PRICE_SCALE,
) -> _Rows:
    """Search keys for the rows whose first value is present and not zero (LEAN ignores others).

    Bars stamped outside the session `bounds` are dropped; a row is known `delay_ms` after its
    stamp. The `prices` columns hold prices written times `price_scale` (with prices, a zero first
    value is dropped).
    """
    stamp = stamp_ms.astype(np.int64)
    keep = np.isfinite(values[:, 0]) & (values[:, 0] != 0 if prices else True)
    if bounds is not None:
        keep &= (stamp >= bounds[0]) & (stamp < bounds[1])
    keys = (owner[keep] << _MS_BITS) | (stamp[keep] + delay_ms)
    order = np.argsort(keys, kind="stable")
    kept = values[keep][order].copy()
    if prices:
        kept[:, list(prices)] /= price_scale
    return _Rows(keys[order], kept)


def _ms_since_midnight(local: datetime) -> int:
    return ((local.hour * 60 + local.minute) * 60 + local.second) * 1000 + local.microsecond // 1000


def _take(rows: _Rows, count: int, ms: int, width: int) -> FloatArray:
    """Each instrument's latest row known at `ms`, NaN rows where there is none."""
    at = rows.latest_all(count, ms)
    if len(rows.values) == 0:
        return np.full((count, width), np.nan)
    taken = rows.values[np.maximum(at, 0), :width].copy()
    taken[at < 0] = np.nan
    return taken


def _side(rows: _Rows, at: int) -> tuple[float | None, float, Bar | None]:
    """Close, last size and bar of a quote side's row `at` (None, 0, None when there is none)."""
    if at < 0:
        return None, 0.0, None
    row = rows.values[at]
    return float(row[0]), _size(float(row[1])), _bar(row, 2)


def _bar(row: FloatArray, first: int) -> Bar | None:
    """The bar of a row whose open, high, low follow at `first` (the close is column 0); None
    when the file left them empty."""
    open_, high, low = (float(x) for x in row[first:first + 3])
    if math.isnan(open_) or math.isnan(high) or math.isnan(low):
        return None
    return Bar(open_, high, low, float(row[0]))


def _ms_of(rows: _Rows, at: int) -> int:
    """The ms since midnight at which row `at` became known, -1 for no row."""
    return int(rows.keys[at]) & ((1 << _MS_BITS) - 1) if at >= 0 else -1


def _opt(value: float) -> float | None:
    return None if math.isnan(value) else value


def _size(value: float) -> float:
    return 0.0 if math.isnan(value) else value
