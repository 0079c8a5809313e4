"""A tiny, fully controllable market for unit tests: fixed quotes you set, regular US hours.

The double's own: LEAN has no counterpart.

Every weekday is a session from 09:30 to 16:00 America/New_York (no holidays, no early closes).
Unset quotes default to bid 99.99 / ask 100.01 for an equity and bid 0.95 / ask 1.05 for an option.
Option chains list strikes within 20 points of the underlying (step 1) and the next five Friday
expiries, with a crude linear delta so strategies can select by delta.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from leansim.market.base import ContractQuote, Quote, SecurityKey

NEW_YORK = ZoneInfo("America/New_York")
_OPEN = time(9, 30)
_CLOSE = time(16, 0)

DEFAULT_EQUITY_QUOTE = Quote(bid=99.99, ask=100.01, last=100.0, bid_size=100, ask_size=100)
DEFAULT_OPTION_QUOTE = Quote(bid=0.95, ask=1.05, last=1.0, bid_size=10, ask_size=10)


class UsEquityCalendar:
    """Regular US equity sessions on weekdays, computed with zoneinfo (DST handled)."""

    def session(self, day: date) -> tuple[datetime, datetime] | None:
        if day.weekday() >= 5:
            return None
        opens = datetime.combine(day, _OPEN, NEW_YORK).astimezone(timezone.utc)
        closes = datetime.combine(day, _CLOSE, NEW_YORK).astimezone(timezone.utc)
        return opens, closes

    def is_open(self, utc: datetime) -> bool:
        session = self.session(self.to_exchange_time(utc).date())
        return session is not None and session[0] <= utc < session[1]

    def next_close(self, utc: datetime) -> datetime:
        day = self.to_exchange_time(utc).date()
        for offset in range(15):
            session = self.session(day + timedelta(days=offset))
            if session is not None and session[1] > utc:
                return session[1]
        raise ValueError(f"no session close within two weeks of {utc}")

    def next_open(self, utc: datetime) -> datetime:
        day = self.to_exchange_time(utc).date()
        for offset in range(15):
            session = self.session(day + timedelta(days=offset))
            if session is not None and session[0] > utc:
                return session[0]
        raise ValueError(f"no session open within two weeks of {utc}")

    def to_exchange_time(self, utc: datetime) -> datetime:
        return utc.astimezone(NEW_YORK).replace(tzinfo=None)


class StaticMarket:
    """MarketData whose prices only change when a test says so (`set_quote`)."""

    def __init__(self, first_day: date = date(2015, 1, 1), last_day: date = date(2035, 12, 31)) -> None:
        self._calendar = UsEquityCalendar()
        self._first_day = first_day
        self._last_day = last_day
        self._quotes: dict[SecurityKey, Quote] = {}
        self._underlyings: list[str] = []

    @property
    def calendar(self) -> UsEquityCalendar:
        return self._calendar

    def set_quote(self, key: SecurityKey, quote: Quote) -> None:
        """Fix the quote of `key` from now on."""
        self._quotes[key] = quote
        if key.underlying not in self._underlyings:
            self._underlyings.append(key.underlying)

    def days(self) -> list[date]:
        span = (self._last_day - self._first_day).days + 1
        every_day = (self._first_day + timedelta(days=offset) for offset in range(span))
        return [day for day in every_day if day.weekday() < 5]

    def underlyings(self) -> list[str]:
        return list(self._underlyings)

    def quote(self, key: SecurityKey, utc: datetime) -> Quote | None:
        if key in self._quotes:
            return self._quotes[key]
        return DEFAULT_OPTION_QUOTE if key.is_option else DEFAULT_EQUITY_QUOTE

    def chain(self, underlying: str, utc: datetime) -> list[ContractQuote]:
        spot_quote = self.quote(SecurityKey(underlying), utc)
        spot = (spot_quote.mid if spot_quote is not None else None) or 100.0
        today = self._calendar.to_exchange_time(utc).date()
        first_friday = today + timedelta(days=(4 - today.weekday()) % 7)
        expiries = [first_friday + timedelta(weeks=week) for week in range(5)]
        centre = round(spot)
        contracts: list[ContractQuote] = []
        for expiry in expiries:
            for strike in range(centre - 20, centre + 21):
                call_delta = min(0.99, max(0.01, 0.5 - 0.05 * (strike - spot)))
                for right, delta in (("call", call_delta), ("put", call_delta - 1.0)):
                    key = SecurityKey(underlying, right, float(strike), expiry)  # type: ignore[arg-type]
                    quote = self.quote(key, utc) or DEFAULT_OPTION_QUOTE
                    contracts.append(ContractQuote(key, quote, delta=delta, implied_volatility=0.2))
        return contracts
