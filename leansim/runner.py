"""The scenario runner: a LEAN algorithm file over many simulated days, with faults, measured.

Stands for Engine/Engine.cs as Launcher/Program.cs runs it, with the double's own faults and measures
around it.

`python -m leansim run main.py` (see leansim/__main__.py) builds a `Scenario`, and `run_scenario`
runs the algorithm on the LEAN double over a synthetic market (or a LEAN data folder) under a named
fault plan (leansim.scenario_faults), once with its own executor and, with `naive`, once more with
the seed's naive order loop (leansim.naive_executor) in the executor's place: same data, same
faults. The runner observes the algorithm through the library's public registries (atomic.registry,
strategies.base.decisions); the algorithm defines nothing for it. Each run yields a `RunResult`:
group outcomes, fills, rollback cost, naked-short exposure, store writes, equity over time, and
what LEAN leaves in a backtest's folder (leansim.backtest_results).

Time steps: one minute normally; one second while an order that may still fill rests at the
brokerage (a delayed fill, a partial fill's remainder), so exposure is measured to the second. An
order that can only change when the algorithm acts (a fill that never comes, until a cancel) does
not need one-second steps in a backtest: the algorithm acts on minute slices and scheduled events,
both of which are steps. Naked exposure is piecewise constant between steps and integrated exactly.
"""

from __future__ import annotations

import importlib.util
import inspect
import math
import re
import sys
import time
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo

import leansim

leansim.install()

from atomic.contract import Contract
from atomic.margin import naked_short_contracts
from leansim import algorithm_imports, backtest_results
from leansim.algorithm import QCAlgorithm
from leansim import process_state
from leansim.backtest_results import BacktestResults
from leansim.engine.brokerage import VenueOrder, multiplier_of
from leansim.engine.daily_sampler import DailySampler
from leansim.engine.market_view import BAR
from leansim.enums import OrderType, SecurityType
from leansim.expiry_shares import ExpiryShare
from leansim.faults import CrashAt, FaultPlan, SimulatedCrash
from leansim.lean_statistics import BacktestRecord, RiskFreeRates
from leansim.market.base import BarResolution, MarketData
from leansim.market.lean_folder import LeanDataFolder
from leansim.market.synthetic import SyntheticMarket
from leansim.naive_executor import NaiveExecutor
from leansim.observers import AtomicObserver, NaiveObserver, NoExecutorObserver, Observer
from leansim.scenario_faults import PLAN_NAMES, describe, fault_plan
from leansim.securities import BAR_RESOLUTIONS
from leansim.simulator import AlgorithmRuntimeError, Simulator

NEW_YORK = ZoneInfo("America/New_York")
UTC = timezone.utc
RunKind = Literal["atomic", "naive"]
EQUITY_SAMPLE_MINUTES = 5
LEAN_RESAMPLE_PERIOD = timedelta(minutes=4)  # BacktestingResultHandler's ResamplePeriod below 4000 samples
INTEREST_RATE_FILE = Path("alternative", "interest-rate", "usa", "interest-rate.csv")  # under a LEAN data folder
_EXECUTOR = "EnhancedAtomicOrderExecutor"  # the name the naive run replaces in the algorithm's code
_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday")


# --- what to run --------------------------------------------------------------------------------------------


class ScenarioError(ValueError):
    """A scenario that cannot run as asked (dates, cash, data folder, fault plan); the message says why."""


@dataclass(frozen=True)
class Scenario:
    """One scenario: the algorithm, the market, the faults, and what to compare.

    `days` and `start` shape the synthetic market (`start` may be a closed day); with `data_folder`
    the days are those of the folder holding `underlying`'s files between `start` and `end`. Without
    `start` and `end` the algorithm's own set_start_date / set_end_date choose them.
    `parameters` reach the algorithm's `get_parameter`; the runner adds start-date, end-date, cash,
    and underlying / entry-days when given.
    """

    algorithm_file: Path
    days: int = 60
    start: date | None = None
    end: date | None = None
    seed: int = 7
    faults: str = "mixed"
    data_folder: Path | None = None
    underlying: str | None = None
    entry_days: str | None = None
    parameters: tuple[tuple[str, str], ...] = ()
    naive: bool = True
    cash: float = 100_000
    algorithm_name: str | None = None
    progress: bool = False
    storage: Path | None = None  # the ObjectStore's folder (the first run's), kept across runs; None: in memory
    live: bool = False  # live mode: asynchronous events, and a crashed process restarts from `state_folder`
    crash_at: CrashAt | None = None  # the process dies there (the first run's); the naive run is left out
    state_folder: Path | None = None  # where the brokerage's state file is kept between processes (live)
    downtime: float = 60.0  # seconds between a crash and the restart, while the brokerage keeps working

    def __post_init__(self) -> None:
        if self.faults not in PLAN_NAMES:
            raise ScenarioError(f"unknown fault plan {self.faults!r}; expected one of {', '.join(PLAN_NAMES)}")
        if self.days < 1:
            raise ScenarioError("days must be at least 1")
        if self.start is not None and self.end is not None and self.end < self.start:
            raise ScenarioError(f"the end date {self.end} is before the start date {self.start}")
        if not self.cash >= 0:
            raise ScenarioError(f"the starting cash must not be negative, got {self.cash:g}")
        if self.downtime < 0:
            raise ScenarioError(f"the downtime must not be negative, got {self.downtime:g}")
        if self.data_folder is not None and not Path(self.data_folder).is_dir():
            what = "is not a folder" if Path(self.data_folder).exists() else "does not exist"
            raise ScenarioError(f"the data folder {self.data_folder} {what}")


# --- what a run measured ------------------------------------------------------------------------------------


@dataclass
class GroupRecord:
    """One group of one run, as the runner saw it."""

    group_id: str
    strategy: str
    created_at: datetime
    status: str = "PENDING"
    reason: str = ""
    settled_at: datetime | None = None
    complete: bool = False
    flat: bool = True
    naked_max: int = 0  # largest naked-short contracts at any moment
    naked_seconds: float = 0.0  # contracts x seconds naked (beyond the structure's design)
    rollback_cost: float = 0.0  # dollars: realised P&L of reversing orders against the entry fills
    entry_fills: int = 0
    rollback_fills: int = 0
    exit_fills: int = 0
    # The per-group table (report.py): legs per structure, pricing policy, prices per structure
    # (entry, and its net mid at submission: credit received > 0, debit < 0; exit: what the close, or
    # the expiry, paid), how the position ended (a close's reason, or "assigned: ..." / "expired: ..."),
    # and the dollars the group made less fees: its own fills and what expiry paid or took
    # (held: it still held legs at the end).
    structure: str = ""
    pricing: str = "Market()"  # the entry's
    entry_net: float | None = None
    entry_mid: float | None = None
    exit_reason: str = ""
    exit_net: float | None = None
    pnl: float = 0.0
    fees: float = 0.0
    expired: bool = False  # every position it held went at expiry (exercised, assigned, worthless)

    @property
    def unbalanced(self) -> bool:
        return not (self.complete or self.flat)


@dataclass
class RunResult:
    """Everything one run of the algorithm measured."""

    kind: RunKind
    executor: str  # a one-line description of the executor and its mode
    days: list[date]
    groups: list[GroupRecord]
    entries_sent: int
    skips: Counter[str]
    store_saves: int
    store_failed_saves: int
    store_bytes: int
    store_flushes: int
    start_equity: float
    end_equity: float
    equity: list[tuple[datetime, float]]
    naked_curve: list[tuple[datetime, float]]  # cumulative contract-seconds over time
    self_check: str  # the algorithm's own end-of-run check: "" when it passed
    entry_faults: dict[tuple[date, str], str]  # (day, contract) -> fault the brokerage applied to its entry order
    errors: list[str]
    seconds: float
    minute_steps: int
    second_steps: int
    outputs: BacktestResults  # what LEAN would leave in the backtest's folder
    crash: str = ""  # how the process died ("" when it ran to the end)
    restarted: str = ""  # the crash this process restarted after ("" for a first start)
    runtime_error: str = ""  # LEAN's "Runtime Error" that stopped the algorithm, if any

    @property
    def observed_executor(self) -> bool:
        return self.executor != NoExecutorObserver.DESCRIPTION

    # --- counts ---

    def count(self, *statuses: str) -> int:
        return sum(1 for g in self.groups if g.status in statuses)

    @property
    def attempted(self) -> int:
        return len(self.groups)

    @property
    def unbalanced(self) -> list[GroupRecord]:
        return [g for g in self.groups if g.unbalanced]

    @property
    def naked_total(self) -> float:
        return sum(g.naked_seconds for g in self.groups)

    @property
    def naked_max(self) -> int:
        return max((g.naked_max for g in self.groups), default=0)

    @property
    def worst_group(self) -> GroupRecord | None:
        exposed = [g for g in self.groups if g.naked_seconds > 0 or g.naked_max > 0]
        return max(exposed, key=lambda g: (g.naked_seconds, g.naked_max)) if exposed else None

    @property
    def rollback_cost(self) -> float:
        return sum(g.rollback_cost for g in self.groups)

    @property
    def entry_fills(self) -> int:
        return sum(g.entry_fills for g in self.groups)

    @property
    def rollback_fills(self) -> int:
        return sum(g.rollback_fills for g in self.groups)

    @property
    def exit_fills(self) -> int:
        return sum(g.exit_fills for g in self.groups)

    def reasons(self, *statuses: str) -> Counter[str]:
        """Why groups of these statuses ended so, with ids and numbers masked, counted."""
        return Counter(_generic_reason(g.reason) for g in self.groups if g.status in statuses and g.reason)


@dataclass
class ScenarioResult:
    """A scenario and its runs (atomic first, then naive when asked)."""

    scenario: Scenario
    market: str
    algorithm: str
    notes: list[str]
    runs: list[RunResult] = field(default_factory=list)

    def run(self, kind: RunKind) -> RunResult | None:
        return next((r for r in self.runs if r.kind == kind), None)


# --- loading the algorithm ------------------------------------------------------------------------------


def load_algorithm(path: Path, name: str | None = None) -> type[QCAlgorithm]:
    """The QCAlgorithm subclass defined in `path` (the one named `name` when there are several).

    The file's folder goes on sys.path first, as LEAN runs a project from its folder (main.py
    imports its siblings).
    """
    path = Path(path).resolve()
    if not path.is_file():
        raise FileNotFoundError(f"no algorithm file {path}")
    folder = str(path.parent)
    if folder not in sys.path:
        sys.path.insert(0, folder)
    module_name = f"leansim_algorithm_{path.stem}"
    spec = importlib.util.spec_from_file_location(module_name, path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot import {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    with algorithm_imports.lean_namespaces():
        spec.loader.exec_module(module)
    found = [
        member for _, member in inspect.getmembers(module, inspect.isclass)
        if issubclass(member, QCAlgorithm) and member is not QCAlgorithm and member.__module__ == module_name
    ]
    if name is not None:
        found = [member for member in found if member.__name__ == name]
    if len(found) != 1:
        names = sorted(member.__name__ for member in found)
        raise ValueError(f"{path.name}: expected one QCAlgorithm subclass{f' named {name}' if name else ''}, found {names}")
    return found[0]


# --- the scenario -------------------------------------------------------------------------------------------


def run_scenario(scenario: Scenario, algorithm: type[QCAlgorithm] | None = None) -> ScenarioResult:
    """Run `scenario`: the algorithm with its own executor, then (with `naive`) with the naive loop."""
    algorithm = algorithm or load_algorithm(scenario.algorithm_file, scenario.algorithm_name)
    notes: list[str] = []
    own = own_setup(algorithm, dict(scenario.parameters))
    market, underlying, days, market_text = _market(scenario, own, notes)
    start, end = _range(scenario, own)
    if not days and not _no_session(market, start, end):
        raise ScenarioError(f"no trading day with data for {underlying} in the chosen range")
    first, last = (days[0], days[-1]) if days else (start, end)
    assert first is not None and last is not None  # a range with no session has both ends
    # LEAN's clock starts at the start date's midnight: a weekend or holiday before the first session
    # counts (its midnights are sampled); a start the run does not begin at (no data there) does not.
    if start is None or (days and start < days[0] and not _no_session(market, start, days[0] - timedelta(days=1))):
        start = first
    parameters = dict(scenario.parameters)
    parameters.setdefault("start-date", first.isoformat())
    parameters.setdefault("end-date", last.isoformat())
    parameters.setdefault("cash", f"{scenario.cash:g}")
    parameters.setdefault("underlying", underlying)
    entry_days = scenario.entry_days
    if entry_days is None and "entry-days" not in parameters and scenario.data_folder is not None:
        present = sorted({day.weekday() for day in days})
        if present and 4 not in present:  # no Friday in the data: trade the days there are
            entry_days = ",".join(_WEEKDAYS[d] for d in present if d < 5)
            notes.append(f"no Friday in the data: entry-days set to {entry_days}")
    if entry_days is not None:
        parameters["entry-days"] = entry_days
    result = ScenarioResult(scenario, market_text, f"{scenario.algorithm_file.name} ({algorithm.__name__})", notes)
    kinds: list[RunKind] = ["atomic", "naive"] if scenario.naive and scenario.crash_at is None else ["atomic"]
    if scenario.naive and scenario.crash_at is not None:
        notes.append("no naive run: --crash-at stops the process, there is no run to compare")
    read: set[str] = set()
    for kind in kinds:
        if kind == "naive" and not result.runs[0].observed_executor:
            notes.append("no naive run: the algorithm created no atomic executor to compare with")
            break
        run = _Run(scenario, algorithm, kind, market, days, parameters, start)
        result.runs.append(run.execute())
        assert run.sim is not None
        read |= run.sim.parameters_read
        notes.extend(run.notes)
    for name in dict(scenario.parameters):
        if name not in read:
            notes.append(f"warning: parameter {name!r} was never read by the algorithm (no get_parameter asked for it)")
    return result


@dataclass(frozen=True)
class OwnSetup:
    """What the algorithm's `initialize` chooses: its dates (None where it sets none) and the
    tickers of the equities it adds, in order (the data folder's underlying when none is given), and
    the resolution of each subscription: (ticker, resolution, is an option chain)."""

    start: date | None = None
    end: date | None = None
    tickers: tuple[str, ...] = ()
    subscriptions: tuple[tuple[str, BarResolution, bool], ...] = ()


def own_setup(algorithm: type[QCAlgorithm], parameters: dict[str, str]) -> OwnSetup:
    """The algorithm's own set-up, read by running its initialize on a throwaway double. An
    initialize that fails there (it reads the chain the double lacks) still chose what it set
    before failing; the real run reports the error if it fails there too."""
    sim = Simulator(parameters=parameters)
    unset = sim.now.replace(tzinfo=None)
    try:
        sim.start(algorithm)
    except Exception:  # noqa: S110  # what it set before failing is still its choice
        pass
    algo = sim.algorithm
    if algo is None:
        return OwnSetup()
    start, end = algo.start_date, algo.end_date
    tickers = tuple(symbol.value for symbol in algo.securities.keys() if symbol.security_type == SecurityType.EQUITY)
    subscriptions = tuple((symbol.id.symbol if symbol.is_canonical() else symbol.value, BAR_RESOLUTIONS[security.resolution],
                           symbol.is_canonical()) for symbol, security in algo.securities.items()
                          if symbol.is_canonical() or symbol.security_type in (SecurityType.EQUITY, SecurityType.INDEX))
    return OwnSetup(None if start == unset else start.date(), None if end == unset + timedelta(days=1) else end.date(),
                    tickers, subscriptions)


def _range(scenario: Scenario, own: OwnSetup) -> tuple[date | None, date | None]:
    """The dates to run: an explicit start or end replaces the algorithm's own range."""
    return (scenario.start, scenario.end) if scenario.start or scenario.end else (own.start, own.end)


def _no_session(market: MarketData, first: date | None, last: date | None) -> bool:
    """Whether first..last is a range without one exchange session (a holiday, a weekend): LEAN runs
    `initialize` and ends there with no trading day (Engine/AlgorithmManager.cs, no time slice)."""
    if first is None or last is None or last < first:
        return False
    return all(market.calendar.session(first + timedelta(days=n)) is None for n in range((last - first).days + 1))


def _market(scenario: Scenario, own: OwnSetup, notes: list[str]) -> tuple[MarketData, str, list[date], str]:
    first, last = _range(scenario, own)  # the synthetic market's `days` bound it
    if scenario.data_folder is None:
        underlying = (scenario.underlying or dict(scenario.parameters).get("underlying") or "SPY").upper()
        start = first or date(2024, 1, 2)
        synthetic = SyntheticMarket(underlying, start=start, days=scenario.days, seed=scenario.seed)
        days = [d for d in synthetic.days() if last is None or d <= last]
        if not days and _no_session(synthetic, first, last):
            return synthetic, underlying, [], f"synthetic {underlying}, no trading day {first} .. {last}"
        if not days:
            raise ScenarioError(f"no trading day from {start} to {last}")
        text = f"synthetic {underlying}, {len(days)} trading days {days[0]} .. {days[-1]}, seed {scenario.seed}"
        return synthetic, underlying, days, text
    folder = LeanDataFolder(scenario.data_folder)
    tickers = folder.underlyings()
    underlying = (scenario.underlying or dict(scenario.parameters).get("underlying") or "").upper()
    if not underlying:
        held = [ticker for ticker in own.tickers if ticker in tickers]
        underlying = held[0] if held else "SPY" if "SPY" in tickers else (tickers[0] if tickers else "SPY")
    if underlying not in tickers:
        raise ScenarioError(f"{scenario.data_folder} holds no files for {underlying}; it has {', '.join(tickers) or 'none'}")
    for ticker, resolution, chain in own.subscriptions:  # the days are those of the data the algorithm reads
        if chain:
            folder.subscribe_options(ticker, resolution)
        else:
            folder.subscribe(ticker, resolution)
    every = [d for d in folder.days_of(underlying) if folder.calendar.session(d) is not None]
    days = [d for d in every if (first is None or d >= first) and (last is None or d <= last)]
    if not days and not (scenario.start or scenario.end) and (first, last) != (None, None) \
            and not _no_session(folder, first, last):
        notes.append(f"the algorithm's dates {first} .. {last} have no data in the folder: running over its days")
        days = every
    span = f"{days[0]} .. {days[-1]}" if days else "no days"
    return folder, underlying, days, f"LEAN data folder {scenario.data_folder} ({underlying}, {len(days)} days: {span})"


# --- one run --------------------------------------------------------------------------------------------------


class _Run:
    """One simulation of the algorithm with one executor."""

    def __init__(self, scenario: Scenario, algorithm: type[QCAlgorithm], kind: RunKind, market: MarketData,
                 days: list[date], parameters: dict[str, str], start_date: date) -> None:
        self.scenario = scenario
        self.kind = kind
        self.market = market
        self.days = days
        self.start_date = start_date
        self.parameters = parameters
        self.algorithm_class = algorithm
        self.observer: Observer | None = None
        self.entries_sent = 0
        self.skips: Counter[str] = Counter()
        self.sim: Simulator | None = None
        self.notes: list[str] = []

    @contextmanager
    def _observing(self) -> Iterator[None]:
        """Observe the algorithm through the library's public seams, with no hook in the algorithm:
        every executor it creates (atomic.registry.executors) gets the runner's observer, and every
        strategy decision (strategies.base.decisions) is counted. The naive run puts the naive loop
        where the algorithm's code constructs EnhancedAtomicOrderExecutor (the name in the globals of
        its classes' methods), so the same algorithm runs with the seed's order loop."""
        from atomic import registry
        from strategies.base import decisions

        def observe(executor: Any) -> None:
            self.observer = AtomicObserver(executor, self._now)

        def count(decision: Any) -> None:
            if decision.skip is not None:
                self.skips[str(decision.skip.reason)] += 1
            elif decision.sent:
                self.entries_sent += 1

        def naive_loop(algorithm: Any, *args: Any, **kwargs: Any) -> NaiveExecutor:
            executor = NaiveExecutor(algorithm)
            self.observer = NaiveObserver(executor, self._now)
            return executor

        patched: list[tuple[dict[str, Any], Any]] = []
        if self.kind == "naive":
            spaces = {id(f.__globals__): f.__globals__ for cls in self.algorithm_class.__mro__
                      for f in vars(cls).values() if inspect.isfunction(f)}
            patched = [(space, space[_EXECUTOR]) for space in spaces.values() if _EXECUTOR in space]
            for space, _ in patched:
                space[_EXECUTOR] = naive_loop
        unsubscribe = [registry.executors.subscribe(observe), decisions.subscribe(count)]
        try:
            yield
        finally:
            for stop in unsubscribe:
                stop()
            for space, original in patched:
                space[_EXECUTOR] = original

    def _now(self) -> datetime:
        assert self.sim is not None
        return self.sim.now

    # --- the clock ---

    def execute(self) -> RunResult:
        wall = time.perf_counter()
        calendar = self.market.calendar
        # With no trading day, LEAN's clock stays at the start date's midnight (AlgorithmManager.Run).
        first_open = (calendar.session(self.days[0])[0] if self.days  # type: ignore[index]
                      else datetime.combine(self.start_date, datetime.min.time(), NEW_YORK).astimezone(UTC)
                      + timedelta(minutes=1))
        scenario = self.scenario
        first = self.kind == "atomic"  # the storage, the crash and the state file are the first run's
        saved = self._crashed_live_process() if first else None
        plan = fault_plan(scenario.faults, scenario.seed)
        if scenario.crash_at is not None and first:
            plan = plan + FaultPlan((scenario.crash_at,))
        sim = Simulator(market=self.market, mode="live" if scenario.live else "backtest",
                        start=saved.utc_time if saved else first_open - timedelta(minutes=1), faults=plan,
                        cash=scenario.cash, parameters=self.parameters, store_folder=scenario.storage if first else None)
        self.sim = sim
        if saved is not None:
            # LEAN live: the account outlived the process; it kept filling while the process was down.
            process_state.restore(saved, sim)
            sim.advance(scenario.downtime)
            self.notes.append(f"restart after \"{saved.crash}\" at {saved.utc_time:%Y-%m-%d %H:%M:%S} UTC, "
                              f"{scenario.downtime:g} s down: the brokerage's account and open orders are reloaded")
        with self._observing():
            result = self._clock(sim, wall)
        result.restarted = saved.crash if saved else ""
        if result.crash:
            self.notes.append(f"the process died at {sim.now:%Y-%m-%d %H:%M:%S} UTC: {result.crash}")
        if first and scenario.state_folder is not None and (scenario.live or result.crash):
            process_state.save(sim, scenario.state_folder, "crashed" if result.crash else "ended", result.crash)
        return result

    def _crashed_live_process(self) -> process_state.SavedState | None:
        """The state a crashed live process left in the state folder, if this run restarts it: as in
        LEAN, only a live algorithm reconnects to its account; a backtest starts with a fresh one."""
        folder = self.scenario.state_folder
        saved = process_state.load(folder) if folder is not None else None
        if saved is None or saved.process != "crashed":
            return None
        if not (self.scenario.live and saved.mode == "live"):
            self.notes.append(f"{folder / process_state.STATE_FILE} is left alone: a {'live' if self.scenario.live else 'backtest'} "
                              f"run after a crashed {saved.mode} process starts with a fresh brokerage (only storage/ persists)")
            return None
        return saved

    def _clock(self, sim: Simulator, wall: float) -> RunResult:
        calendar = self.market.calendar
        crash = ""
        algorithm: QCAlgorithm | None = None
        try:
            algorithm = sim.start(self.algorithm_class)
        except SimulatedCrash as died:  # inside initialize or on_warmup_finished (a restart's recovery)
            crash = str(died)
        if self.observer is None:  # an algorithm without the atomic executor: nothing of groups to watch
            self.observer = NoExecutorObserver(self._now)
        probe = _Probe(self.observer, sim)
        watch = _OpenOrders(sim)
        start_equity = probe.equity()
        probe.sample(force_equity=True)
        minute_steps = second_steps = 0
        days = [day for day in self.days if (session := calendar.session(day)) is not None and session[1] > sim.now]
        sampler = DailySampler(lambda: sim.now, probe.portfolio_value,
                               lambda: algorithm.portfolio.total_sale_volume if algorithm is not None else 0.0)
        if algorithm is not None and days and not crash:
            sampler.start(self.start_date, NEW_YORK)
            algorithm.schedule.on("Daily Sampling", algorithm.date_rules.every_day(), algorithm.time_rules.midnight,
                                  sampler.sample)
        try:
            for day in _progress(days if not crash else [], self.kind, self.scenario.progress):
                if sim.stopped:
                    continue
                open_, close = calendar.session(day)  # type: ignore[misc]
                if sim.now < open_:
                    sim.advance_to(open_, step=(open_ - sim.now).total_seconds())
                    probe.sample()
                while sim.now < close and not sim.stopped:  # quit(): LEAN's engine leaves its loop
                    if watch.may_fill():
                        step = 1.0
                        second_steps += 1
                    else:
                        to_minute = 60.0 - (sim.now.second + sim.now.microsecond / 1e6)
                        step = min(to_minute, (close - sim.now).total_seconds())
                        minute_steps += 1
                    sim.advance(step, step=step)
                    probe.sample()
                probe.sample(force_equity=True)
        except SimulatedCrash as died:
            crash = str(died)
        except AlgorithmRuntimeError:  # logged as LEAN logs it; the run ends there, without on_end_of_algorithm
            pass
        end_equity = probe.equity()
        sampler.sample(_last_time_slice(sim, days))
        self_check = ""
        try:
            if not crash:
                sim.stop()
        except AlgorithmRuntimeError as error:
            if isinstance(error.error, AssertionError) and error.context == "OnEndOfAlgorithm":
                self_check = str(error.error)  # the algorithm's own end-of-run self-check failed
        probe.finish()
        orders = algorithm.transactions.get_orders() if algorithm is not None else []
        record = BacktestRecord(
            equity=probe.portfolio_curve + [(sample.utc_time, sample.portfolio_value) for sample in sampler.samples],
            daily=sampler.samples, transactions=list(algorithm.portfolio._transaction_records) if algorithm else [],
            start_equity=start_equity, total_fees=algorithm.portfolio.total_fees if algorithm else 0.0,
            total_orders=len(orders), risk_free=_risk_free_rates(self.scenario.data_folder))
        outputs = backtest_results.collect(sim.logs, sim.plots, sim.runtime_statistics, orders, sim.events, record)
        stats = sim.store_stats
        return RunResult(
            kind=self.kind,
            executor=self.observer.describe(),
            days=list(self.days),
            groups=probe.records(),
            entries_sent=self.entries_sent,
            skips=self.skips,
            store_saves=stats.saves,
            store_failed_saves=stats.failed_saves,
            store_bytes=stats.bytes_written,
            store_flushes=stats.flushes,
            start_equity=start_equity,
            end_equity=end_equity,
            equity=probe.equity_curve,
            naked_curve=probe.naked_curve,
            self_check=self_check,
            entry_faults=_entry_faults(sim),
            errors=sim.logs_at("ERROR"),
            seconds=time.perf_counter() - wall,
            minute_steps=minute_steps,
            second_steps=second_steps,
            outputs=outputs,
            crash=crash,
            runtime_error=str(algorithm._run.runtime_error or "") if algorithm is not None else "",
        )


def _last_time_slice(sim: Simulator, days: list[date]) -> datetime:
    """When LEAN takes its last sample: at the last time slice, the last close, or, for an algorithm
    with an option chain universe that ran to its end, the next midnight, where the last universe
    file's data ends (its EndTime). LEAN's BasicTemplateOptionsFilterUniverseAlgorithm and
    OptionExerciseAssignRegressionAlgorithm (12-24 to 12-28) compound their return over five days."""
    run = sim.algorithm._run if sim.algorithm is not None else None
    session = sim.market.calendar.session(days[-1]) if days else None
    if run is None or session is None or sim.now != session[1] or not run.chain_subscriptions:
        return sim.now
    midnight = datetime.combine(days[-1] + timedelta(days=1), datetime.min.time(), NEW_YORK)
    return midnight.astimezone(UTC)


def _risk_free_rates(data_folder: Path | None) -> RiskFreeRates:
    """LEAN's default risk-free rates: the data folder's rate file when it has one (InterestRateProvider)."""
    path = data_folder / INTEREST_RATE_FILE if data_folder is not None else None
    return RiskFreeRates.from_csv(path.read_text()) if path is not None and path.is_file() else RiskFreeRates()


def _progress(days: list[date], label: str, enabled: bool) -> Iterable[date]:
    if not enabled:
        return days
    from tqdm import tqdm

    bar: Iterable[date] = tqdm(days, desc=f"{label:>6}", unit="day", leave=False, dynamic_ncols=True)
    return bar


class _OpenOrders:
    """Whether an order that may still fill by itself rests at the brokerage (checked every step)."""

    def __init__(self, sim: Simulator) -> None:
        self._orders = sim.brokerage.orders
        self._seen = 0
        self._open: list[VenueOrder] = []

    def may_fill(self) -> bool:
        if len(self._orders) != self._seen:
            self._open.extend(list(self._orders.values())[self._seen:])
            self._seen = len(self._orders)
        self._open = [order for order in self._open if order.is_open]
        return any(_may_fill_later(order) for order in self._open)


def _may_fill_later(order: VenueOrder) -> bool:
    behaviour = order.behaviour
    if behaviour.never:
        return False  # until a cancel: the algorithm's act, which happens on a step anyway
    partial = behaviour.partial
    return not (partial is not None and order.partial_utc is not None and partial.remainder == "never")


# --- measuring --------------------------------------------------------------------------------------------------


@dataclass
class _Exposure:
    """What the probe tracks of one group between samples."""

    record: GroupRecord
    legs: list[tuple[Contract, int]]  # contract, target signed quantity
    design_per_structure: float  # naked contracts the structure holds by design (a strangle's shorts)
    structures: int
    naked_now: int = 0


class _Probe:
    """Samples a run after every step: naked exposure per group, equity, outcomes; what it knows of
    the groups comes from the executor's observer."""

    def __init__(self, observer: Observer, sim: Simulator) -> None:
        self.observer = observer
        self.sim = sim
        self.groups: dict[str, _Exposure] = {}
        self.equity_curve: list[tuple[datetime, float]] = []
        self.portfolio_curve: list[tuple[datetime, float]] = []  # LEAN's Strategy Equity series
        self._next_portfolio_sample = sim.now
        self.naked_curve: list[tuple[datetime, float]] = [(sim.now, 0.0)]
        self._last = sim.now
        self._naked_total = 0.0
        self._closes: dict[date, datetime] = {}
        self._last_equity_minute: datetime | None = None

    # --- per step ---

    def sample(self, force_equity: bool = False) -> None:
        now = self.sim.now
        elapsed = (now - self._last).total_seconds()
        if elapsed > 0:
            exposed = [g for g in self.groups.values() if g.naked_now]
            for group in exposed:
                group.record.naked_seconds += group.naked_now * elapsed
                self._naked_total += group.naked_now * elapsed
            if exposed:
                self.naked_curve.append((now, self._naked_total))
        self._last = now
        for exposure in self._live_groups():
            naked = self._naked(exposure, now)
            if naked != exposure.naked_now and not exposure.naked_now:
                self.naked_curve.append((now, self._naked_total))
            exposure.naked_now = naked
            exposure.record.naked_max = max(exposure.record.naked_max, naked)
        minute = now.replace(second=0, microsecond=0)
        if force_equity or (minute.minute % EQUITY_SAMPLE_MINUTES == 0 and minute != self._last_equity_minute
                            and now == minute):
            self._last_equity_minute = minute
            self.equity_curve.append((now, self.equity()))
        # BacktestingResultHandler.ProcessSynchronousEvents: on a time slice (a minute bar's end) more
        # than ResamplePeriod (4 minutes for a short backtest) after the last equity sample.
        if (self.sim.algorithm is not None and now > self._next_portfolio_sample and now == minute
                and self.sim.market.calendar.is_open(minute - BAR)):
            self._next_portfolio_sample = now + LEAN_RESAMPLE_PERIOD
            self.portfolio_curve.append((now, self.portfolio_value()))

    def equity(self) -> float:
        """Cash plus positions at the market's price, from the brokerage (the truth)."""
        brokerage = self.sim.brokerage
        value = brokerage.cash
        for symbol, position in brokerage.positions.items():
            value += position.quantity * self.sim.market.price(symbol) * multiplier_of(symbol)
        return value

    def portfolio_value(self) -> float:
        """The algorithm's total portfolio value, at its securities' last prices: what LEAN's results
        handler samples (BaseResultsHandler.UpdatePortfolioValues), where the brokerage's truth above
        prices a contract not yet quoted today at 0."""
        algorithm = self.sim.algorithm
        return algorithm.portfolio.total_portfolio_value if algorithm is not None else self.equity()

    def _live_groups(self) -> list[_Exposure]:
        """Groups whose fills may change now, and groups exposed a step ago (settled since: their
        exposure drops to 0), leaving out groups whose every contract has expired."""
        changing = [self._exposure_of(group_id) for group_id in self.observer.changing()]
        seen = {id(exposure) for exposure in changing}
        exposed = [exposure for exposure in self.groups.values() if exposure.naked_now and id(exposure) not in seen]
        return [exposure for exposure in changing + exposed if exposure.naked_now or not self._expired(exposure)]

    def _exposure_of(self, group_id: str) -> _Exposure:
        exposure = self.groups.get(group_id)
        if exposure is None:
            placed = self.observer.placed(group_id)
            exposure = self.groups[group_id] = _exposure(
                GroupRecord(placed.group_id, placed.strategy, placed.created_at, pricing=placed.pricing), placed.legs)
        return exposure

    def _naked(self, exposure: _Exposure, now: datetime) -> int:
        held = self.observer.filled(exposure.record.group_id)
        if held is None:
            return 0
        filled = [(contract, quantity) for (contract, _), quantity in zip(exposure.legs, held)]
        positions = [(contract, quantity) for contract, quantity in filled
                     if quantity and contract.expiry is not None and now < self._close_of(contract.expiry)]
        naked = naked_short_contracts(positions) if positions else 0
        if not naked or not exposure.design_per_structure:
            return naked
        by_design = exposure.design_per_structure * _structures_filled(exposure, filled)
        return max(0, naked - int(round(by_design)))

    def _expired(self, exposure: _Exposure) -> bool:
        return all(c.expiry is None or self.sim.now >= self._close_of(c.expiry) for c, _ in exposure.legs)

    def _close_of(self, expiry: date) -> datetime:
        close = self._closes.get(expiry)
        if close is None:
            session = self.sim.market.session(expiry)
            if session is not None:
                close = session[1]
            else:
                close = datetime.combine(expiry, datetime.min.time()).replace(hour=16, tzinfo=NEW_YORK).astimezone(UTC)
            self._closes[expiry] = close
        return close

    # --- the end ---

    def finish(self) -> None:
        """Final statuses, books and costs of every group."""
        self.sample()
        for group_id in self.observer.known(list(self.groups)):
            outcome = self.observer.outcome(group_id)
            if outcome is None:
                continue
            record = self._exposure_of(group_id).record
            record.status, record.reason = outcome.status, outcome.reason
            record.complete, record.flat = outcome.complete, outcome.flat
            record.settled_at = outcome.settled_at
            record.exit_reason = outcome.close_reason
            # The table's convention (a credit > 0) from GroupView's (positive pays).
            record.entry_mid = None if outcome.entry_mid is None else -outcome.entry_mid
        self._costs()
        self._ledger()

    def _costs(self) -> None:
        """Fills per group and the realised P&L of reversing orders, from the brokerage's orders."""
        entries: dict[tuple[str, int], list[tuple[float, float]]] = {}
        reversals: dict[tuple[str, int], list[tuple[float, float, float]]] = {}
        for order in self.sim.broker_orders:
            owner = self.observer.owner(order.tag)
            if owner is None or owner.group_id not in self.groups:
                continue
            exposure = self.groups[owner.group_id]
            key = (owner.group_id, _leg_index(owner.leg, order, exposure))
            if owner.exit:
                exposure.record.exit_fills += len(order.fills)
            elif owner.rollback:
                exposure.record.rollback_fills += len(order.fills)
                reversals.setdefault(key, []).extend((f.quantity, f.price, multiplier_of(order.symbol)) for f in order.fills)
            else:
                exposure.record.entry_fills += len(order.fills)
                entries.setdefault(key, []).extend((f.quantity, f.price) for f in order.fills)
        for (group_id, leg), fills in reversals.items():
            opened = entries.get((group_id, leg), [])
            quantity = sum(q for q, _ in opened)
            average = sum(q * p for q, p in opened) / quantity if quantity else 0.0
            cost = sum(-q * (price - average) * multiplier for q, price, multiplier in fills)
            self.groups[group_id].record.rollback_cost += cost

    def _ledger(self) -> None:
        """Each group's prices per structure, P&L and fees: the fill events of its own orders, and its
        part of LEAN's exercise orders at expiry (untagged, no group's order), which counts as its exit."""
        flows: dict[tuple[str, str], float] = {}
        for event in self.sim.events:
            owner = self.observer.owner(event.tag) if event.tag else None
            if owner is None or owner.group_id not in self.groups:
                continue
            record = self.groups[owner.group_id].record
            record.fees += event.fee
            kind = "exit" if owner.exit else "rollback" if owner.rollback else "entry"
            key = (owner.group_id, kind)
            flows[key] = flows.get(key, 0.0) - event.fill_quantity * event.fill_price * multiplier_of(event.symbol)
        exercises = frozenset(o.broker_id for o in self.sim.broker_orders if o.order_type is OrderType.OPTION_EXERCISE)
        for group_id, expiry in self.observer.expiries(list(self.groups), self.sim.events, exercises).items():
            if group_id not in self.groups:
                continue
            exposure = self.groups[group_id]
            record = exposure.record
            record.fees += expiry.fees
            flows[(group_id, "exit")] = flows.get((group_id, "exit"), 0.0) + expiry.cash
            record.exit_reason = _expiry_reason(expiry, record.exit_reason)
            record.expired = self._expired(exposure)
        for group_id, exposure in self.groups.items():
            record = exposure.record
            record.structure = _structure_text(exposure)
            entry, exit_ = flows.get((group_id, "entry")), flows.get((group_id, "exit"))
            per_structure = exposure.legs[0][0].multiplier * exposure.structures
            record.entry_net = None if entry is None else entry / per_structure
            record.exit_net = None if exit_ is None else -exit_ / per_structure
            record.pnl = sum(v for (g, _), v in flows.items() if g == group_id) - record.fees

    def records(self) -> list[GroupRecord]:
        return sorted((g.record for g in self.groups.values()), key=lambda r: r.created_at)


def _exposure(record: GroupRecord, legs: list[tuple[Contract, int]]) -> _Exposure:
    structures = max(math.gcd(*(abs(quantity) for _, quantity in legs)), 1)
    design = naked_short_contracts(legs) / structures
    return _Exposure(record, legs, design, structures)


def _expiry_reason(expiry: ExpiryShare, close_reason: str) -> str:
    """How a position held to expiry ended (its exit in the table: the text up to the colon), then
    the close that flattened what was delivered, if any."""
    if expiry.delivered:
        how = "assigned: the underlying delivered at the strike"
    elif expiry.settled:
        how = "expired: cash settled"
    else:
        how = "expired: worthless"
    return f"{how}; {close_reason}" if close_reason else how


def _structure_text(exposure: _Exposure) -> str:
    """The legs of one structure and the count ("-1 C480 +1 C485 -1 P460 +1 P455 x2")."""
    legs = [f"{quantity // exposure.structures:+d} "
            + (f"{contract.right[0].upper()}{contract.strike:g}" if contract.right and contract.strike else contract.ticker)
            for contract, quantity in exposure.legs]
    return f"{' '.join(legs)} x{exposure.structures}"


def _structures_filled(exposure: _Exposure, filled: Sequence[tuple[Contract, int]]) -> float:
    """How many structures the fills amount to, counting the most-filled leg (so the design's naked
    count is never scaled below what the fills could carry by design)."""
    ratios = [quantity / exposure.structures for _, quantity in exposure.legs]
    return max((abs(q) / abs(r) for (_, q), r in zip(filled, ratios) if r), default=0.0)


def _leg_index(leg: int | None, order: VenueOrder, exposure: _Exposure) -> int:
    if leg is not None:
        return leg
    key = order.symbol.value
    return next((i for i, (contract, _) in enumerate(exposure.legs) if contract.ticker == key), -1)


def _entry_faults(sim: Simulator) -> dict[tuple[date, str], str]:
    """What the brokerage did to each contract's first entry order of a day (reject, partial,
    delay, slow, never, race or none), by (New York day, contract)."""
    found: dict[tuple[date, str], str] = {}
    for order in sim.broker_orders:
        if not (order.tag.startswith("naive/") or "/entry/" in order.tag):
            continue
        key = (order.submitted_utc.astimezone(NEW_YORK).date(), order.symbol.value)
        found.setdefault(key, _fault_kind(order))
    return found


def _fault_kind(order: VenueOrder) -> str:
    behaviour = order.behaviour
    if behaviour.reject is not None:
        return "reject"
    if behaviour.never:
        return "race" if behaviour.cancel_loses_race else "never"
    if behaviour.partial is not None:
        return "partial"
    if behaviour.delay:
        return "slow" if behaviour.delay > 60 else "delay"
    return "none"


def _generic_reason(reason: str) -> str:
    """A reason with its group ids, tickers and numbers masked, so like reasons count together."""
    text = re.sub(r"\b[0-9a-f]{8}-[0-9a-f-]{27}\b", "<group>", reason)
    text = re.sub(r"\([A-Z]{1,6}\s+\d{6}[CP]\d{8}\)", "", text)
    text = re.sub(r"\bleg \d+\b", "leg", text)
    text = re.sub(r"[~$]?\d[\d,]*(\.\d+)?", "N", text)
    return re.sub(r"\s+", " ", text).strip()


__all__ = ["GroupRecord", "RunResult", "Scenario", "ScenarioError", "ScenarioResult", "load_algorithm", "run_scenario", "describe"]
