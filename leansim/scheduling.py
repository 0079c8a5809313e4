"""Scheduled events: `schedule.on(date_rules.X, time_rules.Y, callback)`.

Stands for Common/Scheduling/ScheduleManager.cs, DateRules.cs and TimeRules.cs.

Rules compute fire times in the algorithm's time zone (New York); the simulator runs due events at
each time step (LEAN's live real-time handler wakes once a second, the same granularity).
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Iterable
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any

from leansim.enums import DayOfWeek
from leansim.symbols import Symbol

if TYPE_CHECKING:
    from leansim.engine.market_view import MarketView


class _DateRule:
    """Which local dates an event fires on."""

    def __init__(self, name: str, accepts: Callable[[date], bool]) -> None:
        self._name = name
        self._accepts = accepts

    @property
    def name(self) -> str:
        return self._name


class _TimeRule:
    """Which UTC times, on an accepted date, an event fires at."""

    def __init__(self, name: str, times: Callable[[date], list[datetime]]) -> None:
        self._name = name
        self._times = times

    @property
    def name(self) -> str:
        return self._name


class DateRules:
    """Factories of date rules (`self.date_rules`)."""

    def __init__(self, market: MarketView) -> None:
        self._market = market

    def every_day(self, symbol: Symbol | None = None, extended_market_hours: bool = False) -> _DateRule:
        """Every day, or every trading day of `symbol`'s exchange."""
        if symbol is None:
            return _DateRule("EveryDay", lambda day: True)
        return _DateRule(f"{symbol}: EveryDay", lambda day: self._market.session(day) is not None)

    def every(self, *days: DayOfWeek | Iterable[DayOfWeek]) -> _DateRule:
        """Every given weekday; days may come one by one or as lists (LEAN accepts both)."""
        flat = [d for day in days for d in (day if isinstance(day, Iterable) else (day,))]
        wanted = {int(day) for day in flat}
        return _DateRule("Every " + ",".join(DayOfWeek(d).name for d in sorted(wanted)), lambda day: (day.weekday() + 1) % 7 in wanted)

    def on(self, year: int, month: int, day: int) -> _DateRule:
        target = date(year, month, day)
        return _DateRule(f"On {target}", lambda candidate: candidate == target)

    @property
    def today(self) -> _DateRule:
        target = self._market.local(self._market.now).date()
        return _DateRule("Today", lambda day: day == target)

    @property
    def tomorrow(self) -> _DateRule:
        target = self._market.local(self._market.now).date() + timedelta(days=1)
        return _DateRule("Tomorrow", lambda day: day == target)


class TimeRules:
    """Factories of time rules (`self.time_rules`)."""

    def __init__(self, market: MarketView) -> None:
        self._market = market

    def at(self, hour: int | timedelta, minute: int = 0, second: int = 0) -> _TimeRule:
        """At a local time of day: at(hour, minute, second=0) or at(timedelta)."""
        offset = hour if isinstance(hour, timedelta) else timedelta(hours=hour, minutes=minute, seconds=second)
        return _TimeRule(f"At {offset}", lambda day: [self._utc(day, offset)])

    def every(self, interval: timedelta) -> _TimeRule:
        """Every `interval` from local midnight, all day (as LEAN's TimeRules.Every)."""
        if interval <= timedelta(0):
            raise ValueError("interval must be positive")
        count = int(timedelta(days=1) / interval)
        return _TimeRule(
            f"Every {interval}", lambda day: [self._utc(day, interval * index) for index in range(count + 1) if interval * index < timedelta(days=1)]
        )

    def after_market_open(self, symbol: Symbol | None = None, minutes_after_open: float = 0, extended_market_open: bool = False) -> _TimeRule:
        def times(day: date) -> list[datetime]:
            session = self._market.session(day)
            return [session[0] + timedelta(minutes=minutes_after_open)] if session else []

        return _TimeRule(f"AfterMarketOpen {minutes_after_open}", times)

    def before_market_close(self, symbol: Symbol | None = None, minutes_before_close: float = 0, extended_market_close: bool = False) -> _TimeRule:
        def times(day: date) -> list[datetime]:
            session = self._market.session(day)
            return [session[1] - timedelta(minutes=minutes_before_close)] if session else []

        return _TimeRule(f"BeforeMarketClose {minutes_before_close}", times)

    @property
    def midnight(self) -> _TimeRule:
        return self.at(0, 0)

    @property
    def noon(self) -> _TimeRule:
        return self.at(12, 0)

    def _utc(self, day: date, offset: timedelta) -> datetime:
        return self._market.to_utc(datetime.combine(day, time()) + offset)


class ScheduledEvent:
    """One registered event and its next fire time."""

    def __init__(self, name: str, date_rule: _DateRule, time_rule: _TimeRule, callback: Callable[..., Any], after: datetime, market: MarketView) -> None:
        self._name = name
        self._date_rule = date_rule
        self._time_rule = time_rule
        self._callback = callback
        self._market = market
        self._enabled = True
        self._days: dict[date, list[datetime]] = {}
        self._next = self._after(after)

    @property
    def name(self) -> str:
        return self._name

    @property
    def enabled(self) -> bool:
        return self._enabled

    @enabled.setter
    def enabled(self, value: bool) -> None:
        self._enabled = value

    def _after(self, utc: datetime) -> datetime | None:
        """The first fire time strictly after `utc` (searching a year ahead)."""
        start = self._market.local(utc).date() - timedelta(days=1)
        for offset in range(370):
            day = start + timedelta(days=offset)
            times = self._times_on(day)
            index = bisect.bisect_right(times, utc)
            if index < len(times):
                return times[index]
        return None

    def _times_on(self, day: date) -> list[datetime]:
        if day not in self._days:
            if len(self._days) > 8:
                self._days.clear()
            self._days[day] = sorted(self._time_rule._times(day)) if self._date_rule._accepts(day) else []
        return self._days[day]

    def _fire_due(self, now: datetime) -> None:
        while self._next is not None and self._next <= now:
            due = self._next
            self._next = self._after(due)
            if self._enabled:
                self._callback()


class ScheduleManager:
    """`self.schedule`: registers events; the simulator fires them as time passes."""

    def __init__(self, market: MarketView) -> None:
        self._market = market
        self._events: list[ScheduledEvent] = []

    def on(self, *args: Any) -> ScheduledEvent:
        """on(date_rule, time_rule, callback) or on(name, date_rule, time_rule, callback)."""
        if len(args) == 4:
            name, date_rule, time_rule, callback = args
        elif len(args) == 3:
            date_rule, time_rule, callback = args
            name = f"{date_rule.name}: {time_rule.name}"
        else:
            raise TypeError("schedule.on takes (date_rule, time_rule, callback) or (name, date_rule, time_rule, callback)")
        event = ScheduledEvent(name, date_rule, time_rule, callback, self._market.now, self._market)
        self._events.append(event)
        return event

    def remove(self, scheduled_event: ScheduledEvent) -> None:
        if scheduled_event in self._events:
            self._events.remove(scheduled_event)

    def _next_time(self) -> datetime | None:
        """The earliest pending fire time of any event."""
        times = [event._next for event in self._events if event._next is not None]
        return min(times) if times else None

    def _due(self) -> list[ScheduledEvent]:
        now = self._market.now
        return sorted(
            (event for event in self._events if event._next is not None and event._next <= now),
            key=lambda event: event._next or now,
        )
