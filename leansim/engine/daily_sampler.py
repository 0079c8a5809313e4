"""The daily samples LEAN's statistics read, taken when LEAN's results handler takes them.

Engine/AlgorithmManager.cs schedules "Daily Sampling" at every midnight (algorithm time) once
`initialize` has run and takes a last sample after the loop, at the time of the last time slice;
Engine/Results/BaseResultsHandler.cs `Sample` records the portfolio's value and, for the turnover,
its total sale volume. LEAN's clock starts at the start date's midnight, the double's just before
the first session opens: the midnights in between, when nothing can trade, are sampled at the start
value. A run with no trading day has no time slice, hence only the final sample.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from leansim.lean_statistics import DailySample


class DailySampler:
    """Collects a run's daily samples; `value` and `volume` read the portfolio now."""

    def __init__(self, now: Callable[[], datetime], value: Callable[[], float], volume: Callable[[], float]) -> None:
        self._now = now
        self._value = value
        self._volume = volume
        self.samples: list[DailySample] = []

    def start(self, start_date: date, time_zone: ZoneInfo) -> None:
        """The midnights from the start date's to now, before anything traded (the first is LEAN's
        start sample, which has no turnover)."""
        midnight = datetime.combine(start_date, time(), time_zone)
        while midnight.astimezone(timezone.utc) < self._now():
            self.samples.append(DailySample(midnight.astimezone(timezone.utc), self._value(), 0.0,
                                            at_start=not self.samples))
            midnight = datetime.combine(midnight.date() + timedelta(days=1), time(), time_zone)

    def sample(self, at: datetime | None = None) -> None:
        """One sample now: the scheduled midnight one, or the last one after the loop (`at` the time
        of LEAN's last time slice, when the double's clock stopped before it)."""
        self.samples.append(DailySample(at or self._now(), self._value(), self._volume()))
