"""Test kit for main.py's end-to-end tests: the scenario runner's run of main.py, plus what the
runner's RunResult does not carry (the simulator's logs, plots, runtime statistics and brokerage
books, and the executor's group views).

`run_main(...)` runs main.py through `leansim.runner.run_scenario` (atomic run only) with an
observing subclass of main.py's algorithm, so nothing here drives the clock itself. Runs are cached:
several tests read the same run.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo

from runner_kit import EVERY_WEEKDAY, HOLD_TO_EXPIRY, MAIN, main_algorithm

from atomic import EnhancedAtomicOrderExecutor, GroupView, registry
from atomic.tags import parse_tag
from leansim import Simulator, VenueOrder
from leansim.algorithm import QCAlgorithm
from leansim.runner import RunResult, Scenario, run_scenario
from leansim.symbols import Symbol

NEW_YORK = ZoneInfo("America/New_York")
_GROUP_ID = re.compile(r"\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b")
CONDOR = "Friday_0DTE"  # the iron condor's strategy name (config.STRATEGY)
# The brokerage's positions are read at this New York time each day: after the 10:30 entries and
# their rollbacks, before the 16:00 close settles every 0DTE contract.
SNAPSHOT_HOUR, SNAPSHOT_MINUTE = 15, 50
Params = tuple[tuple[str, str], ...]

__all__ = ["CONDOR", "EVERY_WEEKDAY", "MAIN", "NEW_YORK", "MainRun", "chaos_parameters", "local_date", "run_main",
           "run_main_uncached"]


@dataclass
class MainRun:
    """One run of main.py: the runner's result and the objects behind it."""

    result: RunResult
    sim: Simulator
    algorithm: QCAlgorithm  # main.py's algorithm, after on_end_of_algorithm
    executor: EnhancedAtomicOrderExecutor
    # New York date -> the brokerage's position in each contract at SNAPSHOT time that day.
    positions: dict[date, dict[str, int]] = field(default_factory=dict)

    # --- groups ---

    @property
    def views(self) -> list[GroupView]:
        """Every group the executor created, oldest first."""
        found = [self.executor.get_group(g.group_id) for g in self.result.groups]
        return [view for view in found if view is not None]

    def views_on(self, day: date) -> list[GroupView]:
        return [view for view in self.views if local_date(view.created_at) == day]

    def statuses(self) -> Counter[str]:
        return Counter(g.status for g in self.result.groups)

    def orders_of(self, group_id: str) -> list[VenueOrder]:
        """The brokerage's orders tagged with the group (entries and reversals)."""
        return [o for o in self.sim.broker_orders if (tag := parse_tag(o.tag)) is not None and tag.group_id == group_id]

    def expiries_of(self, group_id: str) -> set[date]:
        """Expiry dates of the option contracts the group's orders traded (from LEAN's Symbol); the
        flatten of an assignment's shares trades the underlying."""
        return {order.symbol.id.date.date() for order in self.orders_of(group_id) if order.symbol.has_underlying}

    # --- the algorithm's own outputs ---

    def logs(self, prefix: str = "") -> list[tuple[datetime, str]]:
        """(UTC time, message) of the algorithm's LOG lines starting with `prefix`."""
        return [(r.utc_time, r.message) for r in self.sim.logs if r.level == "LOG" and r.message.startswith(prefix)]

    def signature(self) -> list[tuple[Any, ...]]:
        """What a reproducible run must repeat exactly: each group's outcome and legs, every
        brokerage order's fills. Group ids are random (uuid4), so they are masked."""
        groups = [(v.strategy, v.status.value, _GROUP_ID.sub("<group>", v.reason),
                   tuple((leg.symbol, leg.quantity, leg.filled) for leg in v.legs)) for v in self.views]
        fills = [(o.symbol.value, o.quantity, tuple(o.tag.split("/")[2:]),
                  tuple((f.quantity, f.price) for f in o.fills)) for o in self.sim.broker_orders]
        return groups + fills


def local_date(utc: datetime) -> date:
    return utc.astimezone(NEW_YORK).date()


def chaos_parameters(seed: int, reject: float = 0.3, partial: float = 0.3, delay: float = 0.2) -> Params:
    """main.py's own chaos parameters (chaos.py's models; the double's faults stay "none")."""
    return (("chaos", "true"), ("chaos-seed", str(seed)), ("chaos-reject", f"{reject:g}"),
            ("chaos-partial", f"{partial:g}"), ("chaos-delay", f"{delay:g}"))


def run_main_uncached(days: int, start: date = date(2024, 1, 2), faults: str = "none", seed: int = 7,
                      parameters: Params = (), entry_days: str | None = None) -> MainRun:
    """Run main.py over `days` synthetic trading days from `start` (the runner's atomic run only),
    holding to expiry unless `parameters` set the exit knobs."""
    observed: dict[str, Any] = {"positions": defaultdict(dict)}
    scenario = Scenario(MAIN, days=days, start=start, faults=faults, seed=seed, parameters=HOLD_TO_EXPIRY + parameters,
                        entry_days=entry_days, naive=False)
    result = run_scenario(scenario, _observing(observed)).run("atomic")
    assert result is not None
    return MainRun(result, observed["sim"], observed["algorithm"], observed["executor"], dict(observed["positions"]))


run_main = cache(run_main_uncached)


def _observing(observed: dict[str, Any]) -> type[QCAlgorithm]:
    """main.py's algorithm, unchanged, that hands its executor and simulator to the test and reads
    the brokerage's positions once a day before the close."""
    base = main_algorithm()

    class ObservingAlgorithm(base):  # type: ignore[misc, valid-type]
        def initialize(self) -> None:
            # The double keeps the simulator on the algorithm's process record: the one place the
            # kit reaches past LEAN's API, to read what LEAN itself would show (plots, statistics,
            # the brokerage's books).
            observed["sim"], observed["algorithm"] = self._run.sim, self
            unsubscribe = registry.executors.subscribe(lambda executor: observed.__setitem__("executor", executor))
            try:
                super().initialize()
            finally:
                unsubscribe()
            self.schedule.on(self.date_rules.every_day(), self.time_rules.at(SNAPSHOT_HOUR, SNAPSHOT_MINUTE),
                             self._snapshot_positions)

        def _snapshot_positions(self) -> None:
            sim: Simulator = observed["sim"]
            held: dict[Symbol, float] = sim.positions
            observed["positions"][self.time.date()] = {s.value: int(q) for s, q in held.items() if q}

    return ObservingAlgorithm
