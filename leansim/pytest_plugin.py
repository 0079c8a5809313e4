"""leansim as a pytest plugin: test your own LEAN algorithm on the LEAN double.

The double's own: LEAN has no counterpart.

Load it from the root `conftest.py` of the project that vendors or installs this library:

    pytest_plugins = ["leansim.pytest_plugin"]

(or `pytest -p leansim.pytest_plugin`). Loading it installs the `AlgorithmImports` stand-in (unless
real LEAN is present), so test modules can import algorithm files that start with
`from AlgorithmImports import *`.

Choose the world with the `leansim` marker (every argument optional):

    @pytest.mark.leansim(algorithm=MyAlgorithm, mode="live", faults=[CrashAt("after_order")],
                         start=datetime(..., tzinfo=timezone.utc), cash=100_000, parameters={"name": "text"},
                         synthetic=True | data_folder=Path("data"), underlying="SPY", days=5, seed=0)

Fixtures:
    leansim            a `LeanSim`: the simulator (`.sim`), `.start()`, `.restart()`, `.algorithm`, `.clock`
    leansim_algorithm  the algorithm, started (initialize, brokerage state loaded, on_warmup_finished)
    leansim_clock      the manual clock: `.advance(seconds=, minutes=, hours=)`, `.to(utc)`, `.now`
    leansim_faults     the FaultPlan (the marker's `faults`; override this fixture to compute one)
    leansim_restart    `leansim_restart(down_seconds=0)`: kill the process, let the brokerage work
                       while it is down, start a new one (new order ids, no tags, as LEAN) and return it
    leansim_algorithm_class  the algorithm class (the marker's `algorithm`; or override this fixture)

A planned crash (`CrashAt` in the faults) raises `leansim.SimulatedCrash` out of whatever call hit
it (a BaseException: `except Exception` in the algorithm cannot swallow it); `leansim_restart`
then starts the next process.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

import leansim
from leansim.algorithm import QCAlgorithm
from leansim.faults import Fault, FaultPlan
from leansim.market.base import MarketData
from leansim.market.lean_folder import LeanDataFolder
from leansim.market.synthetic import SyntheticMarket
from leansim.simulator import DEFAULT_START, Mode, Simulator

leansim.install()

MARKER = "leansim"
_OPTIONS = ("algorithm", "mode", "faults", "start", "cash", "parameters", "synthetic", "data_folder", "underlying",
            "days", "seed")


class ManualClock:
    """The simulated clock, moved only by the test: each step runs LEAN's work for that time (fills,
    live event delivery, scheduled events, on_data each minute while the market is open)."""

    def __init__(self, sim: Simulator) -> None:
        self._sim = sim

    @property
    def now(self) -> datetime:
        """The simulated UTC time."""
        return self._sim.now

    def advance(self, seconds: float = 0, minutes: float = 0, hours: float = 0, step: float = 1.0) -> datetime:
        """Move the clock forward in `step`-second steps; returns the new time."""
        duration = timedelta(seconds=seconds, minutes=minutes, hours=hours)
        if duration < timedelta(0):
            raise ValueError(f"the clock only moves forward; asked to move by {duration}")
        self._sim.advance(duration, step=step)
        return self._sim.now

    def to(self, utc: datetime, step: float = 1.0) -> datetime:
        """Move the clock to `utc` (timezone-aware, not before now); returns it."""
        if utc.tzinfo is None:
            raise ValueError(f"clock.to needs a timezone-aware time, got naive {utc}")
        if utc < self._sim.now:
            raise ValueError(f"the clock only moves forward: {utc} is before now ({self._sim.now})")
        self._sim.advance_to(utc, step=step)
        return self._sim.now


class LeanSim:
    """One simulation of an algorithm class: its processes over one brokerage and ObjectStore."""

    def __init__(self, sim: Simulator, algorithm_class: type[QCAlgorithm] | None) -> None:
        self.sim = sim
        self.clock = ManualClock(sim)
        self.algorithm_class = algorithm_class

    @property
    def algorithm(self) -> QCAlgorithm | None:
        """The running process's algorithm (None before start and after a crash)."""
        return self.sim.algorithm

    def start(self) -> QCAlgorithm:
        """Start the first process of the algorithm."""
        return self.sim.start(self._class())

    def restart(self, down_seconds: float = 0) -> QCAlgorithm:
        """Kill the process (if a crash has not already), keep the brokerage working for
        `down_seconds` of simulated time, then start a new process, which reloads the brokerage's
        cash, holdings and open orders (new order ids, tags dropped) as LEAN does on a live restart."""
        self.sim.crash()
        if down_seconds:
            self.sim.advance(down_seconds)
        return self.sim.start(self._class())

    def _class(self) -> type[QCAlgorithm]:
        if self.algorithm_class is None:
            raise pytest.UsageError(
                "leansim: which algorithm? Pass @pytest.mark.leansim(algorithm=MyAlgorithm) or define a "
                "leansim_algorithm_class fixture")
        return self.algorithm_class


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        f"{MARKER}(algorithm=None, mode='backtest', faults=(), start=None, cash=100000, parameters=None, "
        "synthetic=False, data_folder=None, underlying=None, days=5, seed=0): the LEAN double's world for "
        "the leansim fixtures")


def _options(request: pytest.FixtureRequest) -> dict[str, Any]:
    """The `leansim` marker's arguments (the closest marker wins, per argument)."""
    options: dict[str, Any] = {}
    for marker in reversed(list(request.node.iter_markers(MARKER))):
        if marker.args:
            raise pytest.UsageError(f"@pytest.mark.{MARKER} takes keyword arguments only, got {marker.args!r}")
        options.update(marker.kwargs)
    unknown = sorted(set(options) - set(_OPTIONS))
    if unknown:
        raise pytest.UsageError(f"@pytest.mark.{MARKER}: unknown argument(s) {unknown}; expected {list(_OPTIONS)}")
    return options


@pytest.fixture
def leansim_algorithm_class(request: pytest.FixtureRequest) -> type[QCAlgorithm] | None:
    """The algorithm under test: the marker's `algorithm`. Override to choose it another way."""
    chosen: type[QCAlgorithm] | None = _options(request).get("algorithm")
    return chosen


@pytest.fixture
def leansim_faults(request: pytest.FixtureRequest) -> FaultPlan:
    """The faults of the simulation: the marker's `faults` (a FaultPlan or faults), else none."""
    faults: FaultPlan | Iterable[Fault] = _options(request).get("faults", ())
    return faults if isinstance(faults, FaultPlan) else FaultPlan(tuple(faults))


@pytest.fixture
def leansim(request: pytest.FixtureRequest, leansim_faults: FaultPlan,
            leansim_algorithm_class: type[QCAlgorithm] | None) -> LeanSim:
    """A simulation of the algorithm, not started yet (`leansim_algorithm` starts it)."""
    options = _options(request)
    mode: Mode = options.get("mode", "backtest")
    market, first_open = _market(options)
    start: datetime | None = options.get("start") or first_open
    sim = Simulator(market=market, mode=mode, start=start, faults=leansim_faults, cash=options.get("cash", 100_000),
                    parameters=options.get("parameters"))
    return LeanSim(sim, leansim_algorithm_class)


@pytest.fixture
def leansim_algorithm(leansim: LeanSim) -> QCAlgorithm:
    """The algorithm, started on the double."""
    return leansim.start()


@pytest.fixture
def leansim_clock(leansim: LeanSim) -> ManualClock:
    """The manual clock of the simulation."""
    return leansim.clock


@pytest.fixture
def leansim_restart(leansim: LeanSim) -> Callable[..., QCAlgorithm]:
    """Crash the process and start the next one: `leansim_restart(down_seconds=0)`."""
    return leansim.restart


def _market(options: dict[str, Any]) -> tuple[MarketData | None, datetime | None]:
    """The market the marker asks for, and the open of its first session (None: the static market,
    whose default start is DEFAULT_START)."""
    folder = options.get("data_folder")
    if folder is not None and options.get("synthetic"):
        raise pytest.UsageError(f"@pytest.mark.{MARKER}: give data_folder or synthetic=True, not both")
    start: datetime | None = options.get("start")
    if folder is not None:
        if not Path(folder).is_dir():
            raise pytest.UsageError(f"@pytest.mark.{MARKER}: data_folder {folder} is not a folder")
        data = LeanDataFolder(folder)
        tickers = data.underlyings()
        underlying = (options.get("underlying") or (tickers[0] if tickers else "")).upper()
        days = data.days_of(underlying)
        if not days:
            raise pytest.UsageError(f"@pytest.mark.{MARKER}: {folder} holds no data for {underlying!r}")
        return data, _first_open(data, days)
    if options.get("synthetic"):
        first = start.date() if start is not None else DEFAULT_START.date()
        synthetic = SyntheticMarket(options.get("underlying") or "SPY", start=first, days=options.get("days", 5),
                                    seed=options.get("seed", 0))
        return synthetic, _first_open(synthetic, synthetic.days())
    return None, None


def _first_open(market: MarketData, days: list[date]) -> datetime:
    for day in days:
        session = market.calendar.session(day)
        if session is not None:
            return session[0]
    raise pytest.UsageError(f"@pytest.mark.{MARKER}: the market has no trading session")
