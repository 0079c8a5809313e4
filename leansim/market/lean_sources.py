"""Which LEAN files hold a ticker's rows on a day, at the resolution it is subscribed at, when each
row becomes known, and how its prices are scaled: the part of LEAN's data feed that turns a
subscription into file reads (Engine/DataFeeds/SubscriptionDataReader.cs with
Engine/DataFeeds/Enumerators/PriceScaleFactorEnumerator.cs).

A subscription is per ticker: its resolution (minute, hour, daily) and, for equities, its price
normalization; an option chain has its own resolution. The folder ticker of a day comes from the
map file (lean_corporate), so GOOG's rows before 2014-04-03 are read from `goocv`; an equity's
prices are scaled by the factor file for the day of each row. Indexes and options are never
scaled: LEAN keeps them raw, and an option's underlying is forced to raw (Algorithm/QCAlgorithm.cs,
AddOptionContract), which the algorithm layer asks for.

Timing: minute rows are stamped at their bar's start and become known `delay_ms` later, inside
the session bounds (the caller applies both, as before). Hour and daily rows are returned already
stamped with the moment they become known: an hour bar at its stamp + 1 hour when that is after
the open (the 09:00 bar covers 09:30-10:00), a daily bar at the session's close (LEAN's default
daily precise end time, Common/Util/LeanData.cs, SetStrictEndTimes); with bars read at their start
(`delay_ms` 0) at the later of stamp and open, and at the open.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np

from leansim.market import lean_bars as lb
from leansim.market import lean_corporate as lc
from leansim.market import lean_format as lf
from leansim.market.base import BarResolution, Normalization
from leansim.market.hours import ExchangeCalendar

FloatMatrix = lf.FloatMatrix
Bounds = tuple[int, int] | None
_DAY_FILE = re.compile(r"^(\d{8})_(quote|trade)")
# LEAN's market-hours database: Index-usa-[*] and Index-usa-SPX data are stamped in Chicago time.
INDEX_DATA_TIME_ZONE = ZoneInfo("America/Chicago")
_MINUTE_FOLDERS = ("equity", "option", "index", "indexoption")
_OPTION_FOLDERS = ("option", "indexoption")
_PRICED_KINDS: tuple[tuple[lf.Kind, int], ...] = (("quote", lf.QUOTE_COLUMNS), ("trade", lf.TRADE_COLUMNS))


@dataclass(frozen=True)
class Subscription:
    """How a ticker's own (equity or index) data is read."""

    resolution: BarResolution = "minute"
    normalization: Normalization = "raw"


@dataclass(frozen=True)
class Timing:
    """What the book builder still applies to rows: a delay to when they are known, and the session
    bounds their stamps must fall in (None: the rows are already stamped and filtered)."""

    delay_ms: int
    bounds: Bounds


READY = Timing(0, None)


class LeanFiles:
    """Rows of a LEAN data folder per (ticker, day), as the ticker's subscription reads them."""

    def __init__(self, root: Path, calendar: ExchangeCalendar, delay_ms: int) -> None:
        self.root = root
        self._calendar = calendar
        self._delay_ms = delay_ms
        self._subscriptions: dict[str, Subscription] = {}
        self._option_resolutions: dict[str, BarResolution] = {}
        self._minute_days = self._scan()
        self._maps: dict[str, lc.MapFile | None] = {}
        self._factors: dict[str, lc.FactorFile | None] = {}
        self._bar_files: dict[Path, FloatMatrix] = {}
        self._bar_members: dict[Path, tuple[list[lf.OptionMember], FloatMatrix]] = {}
        self._days: dict[str, frozenset[date]] = {}

    # --- subscriptions --------------------------------------------------------------------------------

    def subscription(self, ticker: str) -> Subscription:
        return self._subscriptions.get(ticker.upper(), Subscription())

    def subscribe(self, ticker: str, resolution: BarResolution | None = None,
                  normalization: Normalization | None = None) -> bool:
        """Read `ticker` at `resolution` / with `normalization` from now on (None keeps the current
        one); True when that changed what is read."""
        if resolution is not None and resolution not in lb.RESOLUTIONS:
            raise ValueError(f"unknown resolution {resolution!r}; expected one of {', '.join(lb.RESOLUTIONS)}")
        if normalization is not None and normalization not in lc.NORMALIZATIONS:
            raise ValueError(f"leansim reads prices {', '.join(lc.NORMALIZATIONS)}, not {normalization!r}")
        ticker = ticker.upper()
        old = self.subscription(ticker)
        new = Subscription(resolution or old.resolution, normalization or old.normalization)
        self._subscriptions[ticker] = new
        self._days.pop(ticker, None)
        return new != old

    def subscribe_options(self, ticker: str, resolution: BarResolution) -> bool:
        """Read `ticker`'s option chain at `resolution`; True when that changed what is read."""
        if resolution not in lb.RESOLUTIONS:
            raise ValueError(f"unknown resolution {resolution!r}; expected one of {', '.join(lb.RESOLUTIONS)}")
        ticker = ticker.upper()
        changed = self._option_resolutions.get(ticker, "minute") != resolution
        self._option_resolutions[ticker] = resolution
        self._days.pop(ticker, None)
        return changed

    # --- what exists ----------------------------------------------------------------------------------

    def tickers(self) -> list[str]:
        """Tickers with any minute file, hour/daily file or map file, upper-case."""
        found = {name.upper() for names in self._minute_days.values() for name in names}
        for folder in _MINUTE_FOLDERS:
            for resolution in ("hour", "daily"):
                zips = (self.root / folder / "usa" / resolution).glob("*.zip")
                option = folder in _OPTION_FOLDERS  # <ticker>_<year>_<kind>_<style>.zip, else <ticker>.zip
                found.update(f.name.split("_")[0].upper() if option else f.stem.upper() for f in zips)
        maps = self.root / "equity" / "usa" / "map_files"
        if maps.is_dir():
            found.update(f.stem.upper() for f in maps.glob("*.csv") if self.days(f.stem))
        return sorted(found)

    def days(self, ticker: str) -> frozenset[date]:
        """The days `ticker` (or its options) has rows on, at the resolutions it is subscribed at."""
        ticker = ticker.upper()
        known = self._days.get(ticker)
        if known is None:
            known = frozenset(self._own_days(ticker) | self._option_days(ticker))
            self._days[ticker] = known
        return known

    def folder_ticker(self, ticker: str, day: date) -> str | None:
        """The ticker `ticker`'s files carry on `day` (the map file's), None when it has no data then."""
        mapping = self._map(ticker)
        return ticker.lower() if mapping is None else mapping.ticker_on(day)

    # --- rows -----------------------------------------------------------------------------------------

    def option_rows(self, ticker: str, day: date, kind: lf.Kind, columns: int) -> tuple[list[lf.OptionMember], FloatMatrix, Timing]:
        """An option chain's `kind` rows of the day: contract index, ms, values (lean_format.read_members)."""
        name = self.folder_ticker(ticker, day)
        if name is None:
            return [], np.empty((0, columns + 1)), READY
        resolution = self._option_resolutions.get(ticker.upper(), "minute")
        if resolution == "minute":
            path = lf.option_zip(self.root, name, day, kind)
            if not path.exists():
                path = lf.index_option_zip(self.root, name, day, kind)
            return (*lf.read_members(path, columns), self._minute_timing(day))
        for folder in _OPTION_FOLDERS:
            path = lb.option_bar_zip(self.root, folder, name, day.year, resolution, kind)
            if path.exists():
                members, rows = self._members(path, columns)
                return members, self._known_rows(rows, 1, day, resolution, 0), READY
        return [], np.empty((0, columns + 1)), READY

    def underlying_rows(self, ticker: str, day: date) -> tuple[dict[lf.Kind, FloatMatrix], float, Timing]:
        """The quote and trade rows of an equity (quotes only at minute resolution), or the trades of
        an index with their stamps moved from Chicago to exchange time; and what the prices are
        divided by (10,000 times the day's factor for an equity; 1 for an index, written in dollars)."""
        subscription = self.subscription(ticker)
        name = self.folder_ticker(ticker, day)
        empty: dict[lf.Kind, FloatMatrix] = {"quote": np.empty((0, lf.QUOTE_COLUMNS)), "trade": np.empty((0, lf.TRADE_COLUMNS))}
        if name is None:
            return empty, float(lf.PRICE_SCALE), READY
        index_shift = self._index_shift(day)
        if subscription.resolution != "minute":
            index_file = lb.bar_zip(self.root, "index", name, subscription.resolution)
            folder, scale = ("index", 1.0) if index_file.exists() else ("equity", float(lf.PRICE_SCALE))
            trades = self._bar_file(lb.bar_zip(self.root, folder, name, subscription.resolution), lf.TRADE_COLUMNS)
            shift = index_shift if folder == "index" else 0
            rows = self._known_rows(trades, 0, day, subscription.resolution, shift)
            found: dict[lf.Kind, FloatMatrix] = {"quote": empty["quote"], "trade": rows}
            return *self._scaled(ticker, day, found, scale, folder), READY
        index = lf.index_zip(self.root, name, day)
        if index.exists():
            trades = lf.read_single(index, lf.TRADE_COLUMNS)
            trades[:, 0] += index_shift
            return {"quote": empty["quote"], "trade": trades}, 1.0, self._minute_timing(day)
        read = {kind: lf.read_single(lf.equity_zip(self.root, name, day, kind), columns) for kind, columns in _PRICED_KINDS}
        return *self._scaled(ticker, day, read, lf.PRICE_SCALE, "equity"), self._minute_timing(day)

    # --- helpers --------------------------------------------------------------------------------------

    def _scaled(self, ticker: str, day: date, rows: dict[lf.Kind, FloatMatrix], scale: float,
                folder: str) -> tuple[dict[lf.Kind, FloatMatrix], float]:
        """An equity's rows in its normalization: prices times the day's factor (returned as a smaller
        divisor), quote sizes divided by it and rounded (Common/Extensions.cs, Scale)."""
        normalization = self.subscription(ticker).normalization
        factors = self._factor(ticker) if folder == "equity" and normalization != "raw" else None
        factor = factors.price_scale(day, normalization) if factors is not None else 1.0
        if factor == 1.0:
            return rows, scale
        quotes = rows["quote"].copy()
        quotes[:, [5, 10]] = np.round(quotes[:, [5, 10]] / factor)
        return {"quote": quotes, "trade": rows["trade"]}, scale / factor

    def _known_rows(self, rows: FloatMatrix, leading: int, day: date, resolution: BarResolution,
                    shift_ms: int) -> FloatMatrix:
        """`day`'s rows of an hour/daily matrix (leading columns, yyyyMMdd, ms, values) in the minute
        layout (leading columns, ms, values), stamped when each becomes known; rows of a closed day
        or outside the session dropped."""
        session = self._session_ms(day)
        width = rows.shape[1] - 1
        if session is None or len(rows) == 0:
            return np.empty((0, width))
        open_ms, close_ms = session
        of_day = rows[rows[:, leading] == int(lf.ymd(day))]
        stamp = of_day[:, leading + 1] + shift_ms
        if resolution == "daily":
            known = np.full(len(of_day), close_ms if self._delay_ms else open_ms, dtype=np.float64)
            keep = np.ones(len(of_day), dtype=bool)
        else:
            end = stamp + lb.HOUR_MS
            known = end if self._delay_ms else np.maximum(stamp, open_ms)
            keep = (end > open_ms) & (stamp < close_ms)
        out: FloatMatrix = np.delete(of_day, leading, axis=1)[keep]
        out[:, leading] = known[keep]
        return out

    def _minute_timing(self, day: date) -> Timing:
        return Timing(self._delay_ms, self._session_ms(day))

    def _session_ms(self, day: date) -> Bounds:
        """`day`'s open and close in ms since its midnight, None on a closed day."""
        session = self._calendar.session(day)
        if session is None:
            return None
        midnight = datetime.combine(day, datetime.min.time(), tzinfo=self._calendar.time_zone)
        open_ms, close_ms = (int((t - midnight).total_seconds() * 1000) for t in session)
        return open_ms, close_ms

    def _index_shift(self, day: date) -> int:
        """Milliseconds from Chicago-stamped index rows to exchange time."""
        midnight = datetime.combine(day, datetime.min.time())
        shift: timedelta = midnight.replace(tzinfo=INDEX_DATA_TIME_ZONE) - midnight.replace(tzinfo=self._calendar.time_zone)
        return int(shift.total_seconds() * 1000)

    def _own_days(self, ticker: str) -> set[date]:
        resolution = self.subscription(ticker).resolution
        mapping = self._map(ticker)
        names = {ticker.lower()} if mapping is None else set(mapping.tickers)
        found: set[date] = set()
        for name in names:
            if resolution == "minute":
                days = self._minute_days["equity"].get(name, set()) | self._minute_days["index"].get(name, set())
            else:
                paths = [lb.bar_zip(self.root, folder, name, resolution) for folder in ("equity", "index")]
                rows = [self._bar_file(path, lf.TRADE_COLUMNS) for path in paths if path.exists()]
                days = {lf.parse_ymd(str(int(d))) for matrix in rows for d in np.unique(matrix[:, 0])}
            found.update(d for d in days if self.folder_ticker(ticker, d) == name)
        return found

    def _option_days(self, ticker: str) -> set[date]:
        resolution = self._option_resolutions.get(ticker.upper(), "minute")
        found: set[date] = set()
        if resolution == "minute":
            mapping = self._map(ticker)
            for name in {ticker.lower()} if mapping is None else set(mapping.tickers):
                days = self._minute_days["option"].get(name, set()) | self._minute_days["indexoption"].get(name, set())
                found.update(d for d in days if self.folder_ticker(ticker, d) == name)
            return found
        for folder in _OPTION_FOLDERS:
            for year in lb.option_bar_years(self.root, folder, ticker, resolution):
                for kind, columns in _PRICED_KINDS:
                    path = lb.option_bar_zip(self.root, folder, ticker, year, resolution, kind)
                    rows = self._members(path, columns)[1] if path.exists() else np.empty((0, 2))
                    found.update(lf.parse_ymd(str(int(d))) for d in np.unique(rows[:, 1]))
        return found

    def _bar_file(self, path: Path, columns: int) -> FloatMatrix:
        if path not in self._bar_files:
            self._bar_files[path] = lb.read_bar_file(path, columns)
        return self._bar_files[path]

    def _members(self, path: Path, columns: int) -> tuple[list[lf.OptionMember], FloatMatrix]:
        if path not in self._bar_members:
            self._bar_members[path] = lb.read_bar_members(path, columns)
        return self._bar_members[path]

    def _map(self, ticker: str) -> lc.MapFile | None:
        key = ticker.upper()
        if key not in self._maps:
            self._maps[key] = lc.read_map_file(self.root, key)
        return self._maps[key]

    def _factor(self, ticker: str) -> lc.FactorFile | None:
        key = ticker.upper()
        if key not in self._factors:
            self._factors[key] = lc.read_factor_file(self.root, key)
        return self._factors[key]

    def _scan(self) -> dict[str, dict[str, set[date]]]:
        """Per minute folder kind (equity, option, ...), the folder tickers (lower-case) and the days
        each has files for, from folder listings only."""
        found: dict[str, dict[str, set[date]]] = {kind: {} for kind in _MINUTE_FOLDERS}
        for kind in _MINUTE_FOLDERS:
            base = self.root / kind / "usa" / "minute"
            if not base.is_dir():
                continue
            for folder in base.iterdir():
                matches = (_DAY_FILE.match(f.name) for f in folder.iterdir())
                days = {lf.parse_ymd(m[1]) for m in matches if m}
                if days:
                    found[kind].setdefault(folder.name.lower(), set()).update(days)
        return found
