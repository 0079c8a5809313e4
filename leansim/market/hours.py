"""Exchange sessions for US equities and equity options, in UTC, from LEAN's hours file or by rule.

Stands for Common/Securities/SecurityExchangeHours.cs and Common/Securities/MarketHoursDatabase.cs over
Data/market-hours/market-hours-database.json.

`ExchangeCalendar` implements `TradingCalendar`. It knows only the regular ("market") session:
extended hours do not matter to option structures, which trade 9:30-16:00 New York time. Sessions
are computed per day on demand and cached, so a calendar spans any range of years.

Times: every `utc` argument may be timezone-aware (any zone) or naive, in which case it is taken as
UTC, as LEAN's `utc_time`. Every datetime returned is aware, in UTC.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from leansim.market import nyse

UTC = timezone.utc
NEW_YORK = "America/New_York"
Segment = tuple[timedelta, timedelta]  # (start, end) since local midnight; end may be 24:00

_REGULAR: tuple[Segment, ...] = ((timedelta(hours=9, minutes=30), timedelta(hours=16)),)
# Monday..Friday 9:30-16:00, weekends closed.
NYSE_WEEK: Mapping[int, tuple[Segment, ...]] = {d: _REGULAR if d < 5 else () for d in range(7)}
_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
# Option entries with no holidays of their own inherit their underlying's (as LEAN does).
_UNDERLYING_TYPE = {"Option": "Equity", "IndexOption": "Index", "FutureOption": "Future"}
_MAX_CLOSED_RUN = 366  # days searched for the next session before giving up


def to_utc(moment: datetime) -> datetime:
    """`moment` as an aware UTC datetime; a naive one is taken to be UTC already."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


@dataclass(frozen=True)
class SpecialDays:
    """Holidays, early closes and late opens (local times) of one calendar year."""

    holidays: frozenset[date] = frozenset()
    early_closes: Mapping[date, timedelta] | None = None
    late_opens: Mapping[date, timedelta] | None = None


def nyse_special_days(year: int) -> SpecialDays:
    """NYSE closures and 13:00 early closes of `year`, computed by rule (see `nyse`)."""
    closes = {d: _since_midnight(t) for d, t in nyse.early_closes(year).items()}
    return SpecialDays(nyse.holidays(year), closes, {})


class ExchangeCalendar:
    """Regular sessions of one exchange: weekly hours minus holidays, with early closes/late opens.

    The default instance is the NYSE by rule (`nyse`), for synthetic data. Use
    `from_market_hours_database` to follow LEAN's own file, as a backtest on that data folder would.
    """

    def __init__(
        self,
        weekly: Mapping[int, Sequence[Segment]] = NYSE_WEEK,
        special_days: Callable[[int], SpecialDays] = nyse_special_days,
        time_zone: str = NEW_YORK,
    ) -> None:
        """`weekly` maps weekday (0 = Monday) to its market segments; `special_days` gives a year's
        exceptions (called once per year, then cached)."""
        self._weekly = {d: tuple(weekly.get(d, ())) for d in range(7)}
        self._special_days = special_days
        self._years: dict[int, SpecialDays] = {}
        self._sessions: dict[date, tuple[tuple[datetime, datetime], ...]] = {}
        self.time_zone = ZoneInfo(time_zone)

    # --- construction -------------------------------------------------------------------------

    @classmethod
    def from_market_hours_database(
        cls,
        path: str | Path,
        market: str = "usa",
        security_type: str = "Option",
        ticker: str = "[*]",
    ) -> ExchangeCalendar:
        """Read the entry `{security_type}-{market}-{ticker}` of LEAN's market-hours-database.json.

        Falls back to the `[*]` entry when the ticker has none. As LEAN does, an option entry
        with no holidays, early closes or late opens takes its underlying's (Option-usa-[*] lists
        none itself and inherits Equity-usa-[*]'s), and a ticker entry adds its market's.

        Raises:
            KeyError: no entry for that market and security type.
        """
        entries: dict[str, dict[str, Any]] = json.loads(Path(path).read_text())["entries"]
        entry = _find_entry(entries, security_type, market, ticker)
        holidays, early, late = _special_from_entry(entry)
        underlying_type = _UNDERLYING_TYPE.get(security_type)
        if underlying_type is not None:
            try:
                parent = _find_entry(entries, underlying_type, market, ticker)
            except KeyError:
                parent = None
            if parent is not None:
                p_holidays, p_early, p_late = _special_from_entry(parent)
                holidays = holidays or p_holidays
                early = early or p_early
                late = late or p_late
        common = entries.get(f"{security_type}-{market}-[*]")
        if ticker != "[*]" and common is not None and common is not entry:
            c_holidays, c_early, c_late = _special_from_entry(common)
            holidays = holidays | c_holidays
            early = {**c_early, **early}
            late = {**c_late, **late}
        weekly = {i: _market_segments(entry.get(name, [])) for i, name in enumerate(_WEEKDAYS)}
        tz = str(entry.get("exchangeTimeZone", NEW_YORK))
        return cls(weekly, _by_year(holidays, early, late), tz)

    # --- TradingCalendar --------------------------------------------------------------------------

    def session(self, day: date) -> tuple[datetime, datetime] | None:
        """(open, close) in UTC of `day`'s regular session, None on a closed day."""
        segments = self._segments(day)
        if not segments:
            return None
        return segments[0][0], segments[-1][1]

    def is_open(self, utc: datetime) -> bool:
        """Whether `utc` falls inside a session: open inclusive, close exclusive."""
        moment = to_utc(utc)
        day = moment.astimezone(self.time_zone).date()
        return any(start <= moment < end for start, end in self._segments(day))

    def next_close(self, utc: datetime) -> datetime:
        """The close of the current session, or of the next one when closed."""
        moment = to_utc(utc)
        for day in self._days_from(moment):
            session = self.session(day)
            if session is not None and moment < session[1]:
                return session[1]
        raise LookupError(f"no session within {_MAX_CLOSED_RUN} days of {moment}")

    def next_open(self, utc: datetime) -> datetime:
        """The first session open strictly after `utc` (the next day's when already open)."""
        moment = to_utc(utc)
        for day in self._days_from(moment):
            session = self.session(day)
            if session is not None and moment < session[0]:
                return session[0]
        raise LookupError(f"no session within {_MAX_CLOSED_RUN} days of {moment}")

    def to_exchange_time(self, utc: datetime) -> datetime:
        """Naive exchange-local time, as LEAN's `algorithm.time`."""
        return to_utc(utc).astimezone(self.time_zone).replace(tzinfo=None)

    # --- helpers for the double and the executor -----------------------------------------------

    def is_trading_day(self, day: date) -> bool:
        """Whether `day` has a session (a half day counts)."""
        return bool(self._segments(day))

    def trading_days(self, start: date, count: int) -> list[date]:
        """The first `count` trading days on or after `start`."""
        days: list[date] = []
        day = start
        while len(days) < count:
            if self.is_trading_day(day):
                days.append(day)
            day += timedelta(days=1)
        return days

    def trading_days_between(self, first: date, last: date) -> list[date]:
        """Trading days in [first, last], both inclusive."""
        span = (last - first).days + 1
        days = (first + timedelta(days=i) for i in range(span))
        return [d for d in days if self.is_trading_day(d)]

    def is_closing_soon(self, utc: datetime, minutes: float) -> bool:
        """True unless a session is open at `utc` with more than `minutes` left before its close.

        A closed market counts as closing soon, so a guard `if is_closing_soon(...): refuse`
        also refuses outside the session (where a market order would wait for the open).
        """
        moment = to_utc(utc)
        if not self.is_open(moment):
            return True
        return self.next_close(moment) - moment <= timedelta(minutes=minutes)

    def early_close(self, day: date) -> datetime | None:
        """The UTC close of `day` when it is earlier than the usual one, else None."""
        session = self.session(day)
        usual = self._weekly[day.weekday()]
        if session is None or not usual:
            return None
        usual_close = self._local_to_utc(day, usual[-1][1])
        return session[1] if session[1] < usual_close else None

    # --- internals --------------------------------------------------------------------------------

    def _days_from(self, moment: datetime) -> Iterable[date]:
        day = moment.astimezone(self.time_zone).date()
        return (day + timedelta(days=i) for i in range(_MAX_CLOSED_RUN))

    def _year(self, year: int) -> SpecialDays:
        special = self._years.get(year)
        if special is None:
            special = self._years[year] = self._special_days(year)
        return special

    def _segments(self, day: date) -> tuple[tuple[datetime, datetime], ...]:
        cached = self._sessions.get(day)
        if cached is not None:
            return cached
        special = self._year(day.year)
        local: Sequence[Segment] = self._weekly[day.weekday()]
        if day in special.holidays:
            local = ()
        late = (special.late_opens or {}).get(day)
        early = (special.early_closes or {}).get(day)
        cut = [(max(s, late) if late else s, min(e, early) if early else e) for s, e in local]
        result = tuple(
            (self._local_to_utc(day, s), self._local_to_utc(day, e)) for s, e in cut if s < e
        )
        self._sessions[day] = result
        return result

    def _local_to_utc(self, day: date, since_midnight: timedelta) -> datetime:
        # Wall-clock time on that date first, so the date's own UTC offset (DST) applies.
        wall = datetime.combine(day, time()) + since_midnight
        return wall.replace(tzinfo=self.time_zone).astimezone(UTC)


# --- market-hours-database.json parsing ----------------------------------------------------------


def _find_entry(
    entries: Mapping[str, Mapping[str, Any]], security_type: str, market: str, ticker: str
) -> Mapping[str, Any]:
    for key in (f"{security_type}-{market}-{ticker}", f"{security_type}-{market}-[*]"):
        if key in entries:
            return entries[key]
    raise KeyError(f"no market hours for {security_type}-{market}-{ticker}")


def _special_from_entry(
    entry: Mapping[str, Any],
) -> tuple[frozenset[date], dict[date, timedelta], dict[date, timedelta]]:
    holidays = frozenset(_parse_date(s) for s in entry.get("holidays") or [])
    early_raw: Mapping[str, str] = entry.get("earlyCloses") or {}
    early = {_parse_date(k): _parse_timespan(v) for k, v in early_raw.items()}
    late = {_parse_date(k): _parse_timespan(v) for k, v in (entry.get("lateOpens") or {}).items()}
    return holidays, early, late


def _market_segments(raw: Sequence[Mapping[str, str]]) -> tuple[Segment, ...]:
    """The regular-session segments of one weekday; pre- and post-market ones are left out."""
    segments = [s for s in raw if s.get("state") == "market"]
    return tuple((_parse_timespan(s["start"]), _parse_timespan(s["end"])) for s in segments)


def _by_year(
    holidays: frozenset[date], early: Mapping[date, timedelta], late: Mapping[date, timedelta]
) -> Callable[[int], SpecialDays]:
    def special_days(year: int) -> SpecialDays:
        return SpecialDays(
            frozenset(d for d in holidays if d.year == year),
            {d: t for d, t in early.items() if d.year == year},
            {d: t for d, t in late.items() if d.year == year},
        )

    return special_days


def _parse_date(text: str) -> date:
    """LEAN's M/d/yyyy."""
    month, day, year = (int(part) for part in text.split("/"))
    return date(year, month, day)


def _parse_timespan(text: str) -> timedelta:
    """A .NET TimeSpan: "HH:MM[:SS[.fff]]" or "d.HH:MM:SS" ("1.00:00:00" is midnight next day)."""
    days = 0
    head, _, rest = text.partition(":")
    if "." in head:
        day_text, head = head.split(".", 1)
        days = int(day_text)
    parts = [head, *rest.split(":")]
    hours, minutes = int(parts[0]), int(parts[1])
    seconds = float(parts[2]) if len(parts) > 2 else 0.0
    return timedelta(days=days, hours=hours, minutes=minutes, seconds=seconds)


def _since_midnight(moment: time) -> timedelta:
    return timedelta(hours=moment.hour, minutes=moment.minute, seconds=moment.second)
