"""The simulator: clock, brokerage, store and the algorithm processes that run over them.

Stands for Engine/Engine.cs and Engine/AlgorithmManager.cs: the engine that runs one algorithm process
after another over one brokerage.

See the package docstring (leansim/__init__.py) for the test-facing API.
"""

from __future__ import annotations

import itertools
import math
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Literal, TypeVar

from leansim.algorithm import QCAlgorithm
from leansim.brokerage_models import DefaultBrokerageModel
from leansim.data import BaseData, Greeks, LazyChains, OptionChain, OptionChains, OptionContract, Slice
from leansim.engine.brokerage import BrokerEvent, FillDecision, SimBrokerage, VenueOrder
from leansim.engine.fault_state import LIVE_ONLY_FAULTS, Behaviour, FaultState
from leansim.engine.market_view import BAR, MarketView
from leansim.engine.store_backend import StoreBackend, StoreStats
from leansim.engine.transaction_handler import TransactionHandler, exercise_fills
from leansim.enums import OPTION_TYPES, OrderStatus, OrderType, Resolution, SecurityType
from leansim.faults import FaultPlan, SimulatedCrash
from leansim.fills import FillModelParameters, ImmediateFillModel
from leansim.keys import contract_symbol, security_key
from leansim.market.base import ContractQuote, MarketData, Quote, SecurityKey
from leansim.market.lean_universe import UniverseDay
from leansim.notify import NotificationManager
from leansim.object_store import ObjectStore
from leansim.orders import (
    ComboLegLimitOrder,
    ComboLimitOrder,
    ComboMarketOrder,
    GroupOrderManager,
    LimitOrder,
    MarketOnCloseOrder,
    MarketOnOpenOrder,
    MarketOrder,
    OptionExerciseOrder,
    Order,
    OrderEvent,
)
from leansim.option_exercise import OptionAssignmentParameters
from leansim.option_pricing import OptionPriceModelParameters
from leansim.portfolio import SecurityPortfolioManager
from leansim.scheduling import DateRules, ScheduleManager, TimeRules
from leansim.securities import (
    Equity,
    FillModel,
    Index,
    IndexOption,
    Option,
    OptionFilterUniverse,
    OptionUniverse,
    Security,
    SecurityManager,
)
from leansim.static_market import StaticMarket
from leansim.symbols import Symbol
from leansim.trade_builder import TradeBuilder
from leansim.transactions import SecurityTransactionManager

A = TypeVar("A", bound=QCAlgorithm)
_PRICED_TYPES = frozenset({SecurityType.EQUITY, SecurityType.INDEX})  # a slice's bars (chains aside)
Mode = Literal["backtest", "live"]
DEFAULT_START = datetime(2024, 1, 2, 15, 0, tzinfo=timezone.utc)  # a Tuesday, 10:00 in New York


# --- records for tests and reports -----------------------------------------------------------------


@dataclass(frozen=True)
class LogRecord:
    """One debug/log/error line of an algorithm."""

    utc_time: datetime
    level: str
    message: str
    run: int


@dataclass(frozen=True)
class NotificationRecord:
    """One notify.* call; `sent` is False in backtests (LEAN sends nothing there)."""

    utc_time: datetime
    kind: str
    args: tuple[Any, ...]
    sent: bool
    run: int


@dataclass(frozen=True)
class EventRecord:
    """One order event as LEAN recorded it for the algorithm (LEAN ids of that run); a LostEvents
    fault's events are recorded but never delivered."""

    run: int
    order_id: int
    broker_ids: tuple[str, ...]
    symbol: Symbol
    status: OrderStatus
    fill_quantity: float
    fill_price: float
    message: str
    tag: str
    utc_time: datetime
    fee: float  # the order fee charged with this event (on the event that completes the order)
    # The cash a cash-settled exercise paid with this fill: LEAN's OptionPortfolioModel applies it with
    # the option's fill at 0 and puts it on no event (Common/Securities/Option/OptionPortfolioModel.cs).
    settled_cash: float = 0.0


@dataclass(frozen=True)
class PlotPoint:
    utc_time: datetime
    chart: str
    series: str
    value: float


class AlgorithmRuntimeError(Exception):
    """The algorithm raised in one of its handlers: LEAN stops it with a runtime error
    (Common/Extensions.cs, SetRuntimeError). Raised out of `advance` once the step is done, so a
    test never passes over an exception its algorithm raised."""

    def __init__(self, context: str, error: Exception) -> None:
        super().__init__(f"Runtime Error: {error} in {context}")
        self.context = context
        self.error = error


# --- one algorithm process ----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Universe:
    """An option universe's contracts selected on `day`, in the chain's order (a universe file's
    order for a data folder), by market key and by Symbol."""

    day: date
    keys: list[SecurityKey]
    symbols: list[Symbol]


class Run:
    """One algorithm process: its LEAN objects over the simulator's shared brokerage and store."""

    def __init__(self, sim: Simulator, algorithm: QCAlgorithm, index: int) -> None:
        self.sim = sim
        self.algorithm = algorithm
        self.index = index
        self.alive = True
        self.warming_up = True
        self.quit_requested = False
        self.runtime_error: AlgorithmRuntimeError | None = None
        self.runtime_error_raised = False
        self.moo_warning_sent = False
        self.requested_cash: float | None = None
        self.start_date = sim.now.replace(tzinfo=None)
        self.end_date = self.start_date + timedelta(days=1)
        self.securities = SecurityManager()
        self.portfolio = SecurityPortfolioManager(self.securities, sim.brokerage.cash, self._underlying_price)
        self.handler = TransactionHandler(self)
        self.transactions = SecurityTransactionManager(self.handler, sim.live, lambda: self.warming_up)
        self.trade_builder = TradeBuilder()
        self.object_store = ObjectStore(sim.store, sim)
        self.schedule = ScheduleManager(sim.market)
        self.date_rules = DateRules(sim.market)
        self.time_rules = TimeRules(sim.market)
        self.notify = NotificationManager(sim.live, self._record_notification)
        self.brokerage_model: DefaultBrokerageModel = DefaultBrokerageModel()
        self.security_initializer: Any = None
        self.benchmark: Any = None  # set_benchmark's argument (no benchmark statistics are computed)
        self.chain_subscriptions: dict[Symbol, Option] = {}
        self.current_slice: Slice | None = None
        self._universes: dict[Symbol, _Universe] = {}
        self._equities: tuple[int, list[tuple[Symbol, Security]]] = (-1, [])
        self.slice_resolution = Resolution.MINUTE  # the finest subscription's: when time slices happen

    def log(self, level: str, message: str) -> None:
        self.sim.logs.append(LogRecord(self.sim.now, level, message, self.index))

    @property
    def stopped(self) -> bool:
        """quit() was called or a handler raised: LEAN's engine leaves its loop (AlgorithmManager.cs)."""
        return self.quit_requested or self.runtime_error is not None

    def set_runtime_error(self, error: Exception, context: str) -> None:
        """Stop the algorithm as LEAN's SetRuntimeError does; the first error is the one reported."""
        if self.runtime_error is None:
            self.runtime_error = AlgorithmRuntimeError(context, error)
            self.log("ERROR", str(self.runtime_error))

    def ensure_security(self, symbol: Symbol) -> Security:
        """The security of `symbol`, added on first use (LEAN auto-adds securities it is asked to trade)."""
        existing = self.securities.get(symbol)
        if existing is not None:
            return existing
        security = self.sim._new_security(symbol, self)
        chain = self.chain_subscriptions.get(symbol.canonical) if symbol.security_type in OPTION_TYPES else None
        if chain is not None:  # a contract of a subscribed chain has the chain's resolution
            security._resolution = chain.resolution
        self.slice_resolution = min(self.slice_resolution, security.resolution) if self.securities else security.resolution
        security.set_fee_model(self.brokerage_model.get_fee_model(security))  # as LEAN's default initializer
        initializer = self.security_initializer
        if callable(initializer):
            initializer(security)
        elif initializer is not None:
            initializer.initialize(security)
        return self.securities._add(security)

    def subscribe(self, security: Security, resolution: Any) -> None:
        """Subscribe `security` at `resolution`; time slices follow the finest subscription."""
        security._subscribe(resolution)
        self.slice_resolution = min(s.resolution for s in self.securities.values())

    def add_security(self, symbol: Symbol) -> Security:
        """A security the algorithm adds itself: added after the first slice, it has no data until
        the next slice (QCAlgorithm.PreOrderChecks refuses its orders: SecurityHasNoData)."""
        known = symbol in self.securities
        security = self.ensure_security(symbol)
        if not known and self.current_slice is not None:
            security._added_at = self.sim.now
        return security

    def build_chain(self, symbol: Symbol, option: Option | None) -> OptionChain:
        """The chain of `symbol`'s underlying now, filtered by `option`'s universe when given.

        As in LEAN, an option universe is selected once per trading day (at the first chain of the
        day, against the spot then) and its contracts become securities; each minute's chain holds
        the universe's contracts the market lists at that minute.
        """
        market = self.sim.market
        is_option = symbol.security_type in OPTION_TYPES and symbol.underlying is not None
        canonical = symbol.canonical if is_option else Symbol.create_canonical_option(symbol)
        underlying = canonical.underlying
        assert underlying is not None
        spot = market.price(underlying)
        local = market.local(market.now)  # market.now: a lazy chain read late is pinned to its slice
        ticker = canonical.id.symbol  # the option ticker's chain (SPXW, not SPX)
        if option is not None:
            universe = self._selected(canonical, local.date())
            if universe is None:
                universe = self._universe(option, canonical, market.chain(ticker), spot, local.date())
            symbols = universe.symbols
            columns = market.chain_quotes(ticker, universe.keys)
        else:
            listed = market.chain(ticker)
            symbols = [contract_symbol(canonical, quoted.key) for quoted in listed]
            columns = market.chain_quotes(ticker, [quoted.key for quoted in listed])
        # The chain carries the underlying's latest bar: a quote bar's close when that is the latest
        # (Engine/DataFeeds/TimeSliceFactory.cs), though an equity's price comes from trades alone.
        underlying_quote = market.quote(underlying)
        if underlying_quote is not None and underlying_quote.quote_close is not None:
            spot = underlying_quote.quote_close
        model = option.price_model if option is not None else None
        evaluate = None
        if model is not None:  # each contract's security prices with its option's model (OptionChainUniverse)
            def evaluate(contract: OptionContract) -> Any:
                parameters = OptionPriceModelParameters(self.securities.get(contract.symbol), self.current_slice, contract)
                return model.evaluate(parameters)
        rows = zip(columns.index, columns.bid, columns.ask, columns.last, columns.delta, columns.implied_volatility,
                   columns.open_interest, columns.bid_size, columns.ask_size, strict=True)
        contracts = [
            OptionContract(symbols[n], local, bid or 0.0, ask or 0.0, last or 0.0, spot, Greeks(delta or 0.0), iv or 0.0,
                           open_interest, bid_size, ask_size, evaluate)
            for n, bid, ask, last, delta, iv, open_interest, bid_size, ask_size in rows
        ]
        return OptionChain(canonical, local, BaseData(underlying, local, spot), contracts)

    def universe_chain(self, symbol: Symbol) -> OptionChain | None:
        """`option_chain(symbol)` from the latest option universe file known now, as LEAN's
        QCAlgorithm.OptionChain reads it (a history request of OptionUniverse); None when the market
        has no universe files. Each contract's bid, ask and last are the file's daily close, time the
        file's EndTime, and contracts expired before today are left out (OptionContract.Create,
        OptionChain's OptionUniverse constructor). They come in Symbol order (by ticker), not in the
        file's calls-then-puts order: LEAN's OptionChainApisConsistencyRegressionAlgorithm finds
        the chain's keys in the order of the sorted provider list on 12-24's file."""
        if getattr(self.sim.market.market, "universe", None) is None:
            return None
        canonical = symbol.canonical if symbol.security_type in OPTION_TYPES and symbol.underlying else (
            Symbol.create_canonical_option(symbol))
        underlying = canonical.underlying
        assert underlying is not None
        local = self.sim.market.local(self.sim.now)
        universe = self._universe_file(canonical)
        if universe is None:
            return OptionChain(canonical, local, BaseData(underlying, local, 0.0), [])
        time = datetime.combine(universe.day + timedelta(days=1), datetime.min.time())
        spot = universe.underlying.close
        contracts = [
            OptionContract(
                contract_symbol(canonical, SecurityKey(canonical.id.symbol, c.right, c.strike, c.expiry)), time,
                c.bar.close, c.bar.close, c.bar.close, spot, Greeks(c.delta, c.gamma, c.vega, c.theta, c.rho),
                c.implied_volatility, c.open_interest,
            )
            for c in universe.contracts
            if c.expiry >= local.date()
        ]
        contracts.sort(key=lambda contract: contract.symbol.value.upper())  # Symbol.CompareTo
        return OptionChain(canonical, local, BaseData(underlying, time, spot), contracts)

    def universe_history(self, canonical: Symbol, periods: int) -> Any:
        """The last `periods` universe files of `canonical` as a frame indexed by (time, symbol)."""
        import pandas  # type: ignore[import-untyped]

        read = getattr(self.sim.market.market, "universe_history", None)
        files = read(canonical.id.symbol, self.sim.now, periods) if read is not None else []
        rows, index = [], []
        for file in files:
            time = datetime.combine(file.day + timedelta(days=1), datetime.min.time())
            for c in file.contracts:
                index.append((time, contract_symbol(canonical, SecurityKey(canonical.id.symbol, c.right, c.strike, c.expiry))))
                rows.append({"close": c.bar.close, "openinterest": c.open_interest, "impliedvolatility": c.implied_volatility,
                             "delta": c.delta, "gamma": c.gamma, "vega": c.vega, "theta": c.theta, "rho": c.rho})
        frame_index = pandas.MultiIndex.from_tuples(index, names=["time", "symbol"]) if index else None
        return pandas.DataFrame(rows, index=frame_index)

    def _universe_file(self, canonical: Symbol) -> UniverseDay | None:
        """The option universe file of `canonical` known now, None when the market has none."""
        read = getattr(self.sim.market.market, "universe", None)
        return read(canonical.id.symbol, self.sim.now) if read is not None else None

    def _selected(self, canonical: Symbol, today: date) -> _Universe | None:
        """`canonical`'s universe when it was selected today."""
        cached = self._universes.get(canonical)
        return cached if cached is not None and cached.day == today else None

    def _universe(self, option: Option, canonical: Symbol, listed: list[ContractQuote], spot: float,
                  today: date) -> _Universe:
        """The day's selected contracts, selected and subscribed once a day."""
        cached = self._selected(canonical, today)
        if cached is not None:
            return cached
        underlying = canonical.underlying
        assert underlying is not None
        local = self.sim.market.local(self.sim.now)
        file = self._universe_file(canonical)
        if file is not None:  # LEAN selects from the universe file, against its underlying's close
            spot = file.underlying.close
            base = BaseData(underlying, local, spot)
            data = [OptionUniverse(contract_symbol(canonical, SecurityKey(canonical.id.symbol, c.right, c.strike, c.expiry)),
                                   base, c.bar.close, c.open_interest, c.implied_volatility,
                                   Greeks(c.delta, c.gamma, c.vega, c.theta, c.rho)) for c in file.contracts]
        elif spot <= 0:  # no underlying price yet (a data folder's first bar arrives a minute in)
            return _Universe(today, [], [])
        else:  # a market without universe files: the contracts it quotes now
            base = BaseData(underlying, local, spot)
            data = [OptionUniverse(contract_symbol(canonical, c.key), base, c.quote.last or 0.0, c.open_interest,
                                   c.implied_volatility or 0.0, Greeks(c.delta or 0.0)) for c in listed]
        chosen = set(option._select(OptionFilterUniverse(data, base, local)))
        symbols = [item.symbol for item in data if item.symbol in chosen]
        universe = _Universe(today, [security_key(symbol) for symbol in symbols], symbols)
        for selected in symbols:
            self.ensure_security(selected)
        if data:  # before the open nothing is listed: select again once the market lists contracts
            self._universes[canonical] = universe
        return universe

    def listed_contracts(self, underlying: Symbol, when: datetime) -> list[Symbol]:
        """The contracts of `underlying` listed on `when` (option_chain_provider): those of the universe
        file known then that have not expired (BacktestingChainProvider.GetSymbols), else those the
        market quotes now."""
        canonical = underlying if underlying.is_canonical() else Symbol.create_canonical_option(underlying)
        read = getattr(self.sim.market.market, "universe", None)
        if read is None:
            return [contract_symbol(canonical, quoted.key) for quoted in self.sim.market.chain(canonical.id.symbol)]
        local = when.replace(tzinfo=None) if isinstance(when, datetime) else datetime.combine(when, datetime.min.time())
        file = read(canonical.id.symbol, self.sim.market.to_utc(local))
        keys = [SecurityKey(canonical.id.symbol, c.right, c.strike, c.expiry) for c in file.contracts
                if c.expiry >= local.date()] if file is not None and canonical.underlying is not None else []
        return [contract_symbol(canonical, key) for key in keys]

    def select_universes(self) -> None:
        """Select each subscribed option universe if today's selection has not run yet."""
        today = self.sim.market.local(self.sim.now).date()
        for canonical, option in self.chain_subscriptions.items():
            if self._selected(canonical, today) is None:
                underlying = canonical.underlying if canonical.underlying else canonical
                market = self.sim.market
                self._universe(option, canonical, market.chain(canonical.id.symbol), market.price(underlying), today)

    def chain_builder(self, canonical: Symbol, option: Option) -> Callable[[], OptionChain]:
        """Builds `canonical`'s chain as of now, whenever it is called (a lazy slice's chain)."""
        at = self.sim.now

        def build() -> OptionChain:
            with self.sim.market.pinned(at):
                return self.build_chain(canonical, option)

        return build

    def equities(self) -> list[tuple[Symbol, Security]]:
        """The equity and index securities (a slice's prices), re-listed only when securities were added."""
        count = len(self.securities)
        if self._equities[0] != count:
            found = [(s, sec) for s, sec in self.securities.items() if s.security_type in _PRICED_TYPES]
            self._equities = (count, found)
        return self._equities[1]

    def _underlying_price(self, symbol: Symbol) -> float:
        underlying = symbol.underlying if symbol.underlying is not None else symbol
        return self.sim.market.price(underlying)

    def _record_notification(self, kind: str, args: tuple[Any, ...], sent: bool) -> None:
        self.sim.notifications.append(NotificationRecord(self.sim.now, kind, args, sent, self.index))


# --- the simulator -----------------------------------------------------------------------------------------


class Simulator:
    """A LEAN stand-in: runs algorithms against a market, a faulty brokerage and an ObjectStore."""

    def __init__(
        self,
        market: MarketData | None = None,
        mode: Mode = "backtest",
        start: datetime | None = None,
        faults: FaultPlan | None = None,
        cash: float = 100_000,
        parameters: dict[str, str] | None = None,
        store_persistence_seconds: float = 5.0,
        store_max_files: int = 10_000,
        store_max_bytes: int = 10 * 1024**3,
        store_folder: Path | None = None,
    ) -> None:
        if mode not in ("backtest", "live"):
            raise ValueError(f"mode must be 'backtest' or 'live', not {mode!r}")
        start = start or DEFAULT_START
        if start.tzinfo is None:
            raise ValueError("start must be timezone-aware (UTC)")
        plan = faults or FaultPlan()
        for kind in LIVE_ONLY_FAULTS:
            if mode == "backtest" and plan.of_type(kind):
                raise ValueError(f"{kind.__name__} models a live brokerage; use mode='live'")
        self.mode: Mode = mode
        self.parameters: dict[str, str] = dict(parameters or {})
        self.parameters_read: set[str] = set()  # names any algorithm asked get_parameter for
        self._now = start.astimezone(timezone.utc)
        self.faults = FaultState(plan)
        self.market = MarketView(market or StaticMarket(), lambda: self._now, self.faults, streaming=mode == "live")
        self.store = StoreBackend(store_persistence_seconds, store_max_files, store_max_bytes, store_folder)
        self.store.writing_file = self._writing_file
        self.brokerage = SimBrokerage(cash, self._emit)
        self.brokerage.after_fill = lambda: self.pass_point("after_fill")
        self.logs: list[LogRecord] = []
        self.notifications: list[NotificationRecord] = []
        self.events: list[EventRecord] = []
        self.plots: list[PlotPoint] = []
        self.runtime_statistics: dict[str, str] = {}
        self._pending: deque[BrokerEvent] = deque()
        self._run: Run | None = None
        self._runs: list[Run] = []
        self._flush_due: datetime | None = None  # the persist timer, armed by the first save after a persist
        self._last_minute: datetime | None = None
        self._detached_ids = itertools.count(-1, -1)
        self._delisted: set[Symbol] = set()  # option contracts whose expiry was processed
        self._next_assignment_check = self._now

    # --- clock --------------------------------------------------------------------------------------------

    @property
    def now(self) -> datetime:
        """Current simulated UTC time."""
        return self._now

    @property
    def live(self) -> bool:
        return self.mode == "live"

    @property
    def algorithm(self) -> QCAlgorithm | None:
        """The running algorithm (None before start and after a crash)."""
        return self._run.algorithm if self._run is not None and self._run.alive else None

    @property
    def alive(self) -> bool:
        return self._run is not None and self._run.alive

    @property
    def stopped(self) -> bool:
        """The running algorithm called quit() or raised: no more data or scheduled events reach it."""
        return self._run is not None and self._run.stopped

    def advance(self, duration: float | timedelta, step: float | timedelta = 1.0) -> None:
        """Move the clock by `duration` in steps of `step` (seconds), running each step's work.

        Each step: persist the store every `store_persistence_seconds`, process option expiries
        and early assignments as LEAN does (see `_expire_options`), send the live cancels LEAN has
        answered (its transaction thread), scan open orders through the fill models (a backtest: only
        at a new time slice), deliver queued live events, run due scheduled events, and call on_data at
        each new time slice (the end of a session minute bar, 09:31 to 16:00). Time also passes while
        the process is dead (after a crash): the brokerage keeps filling.
        """
        total = duration.total_seconds() if isinstance(duration, timedelta) else float(duration)
        size = step.total_seconds() if isinstance(step, timedelta) else float(step)
        if size <= 0:
            raise ValueError("step must be positive")
        steps = max(1, math.ceil(total / size - 1e-9)) if total > 0 else 0
        end = self._now + timedelta(seconds=total)
        for index in range(steps):
            target = min(end, self._now + timedelta(seconds=size)) if index < steps - 1 else end
            self._run_scheduled_until(target)
            self._now = target
            self._step()

    def _run_scheduled_until(self, target: datetime) -> None:
        """Stop the clock at every scheduled time inside a step, so events fire on time."""
        while self.alive:
            assert self._run is not None
            dues = [due for due in (self._run.schedule._next_time(), self._next_delisting()) if due is not None and due > self._now]
            due = min(dues) if dues else None
            if due is None or due >= target:
                return
            self._now = due
            self._step()

    def advance_to(self, utc: datetime, step: float | timedelta = 1.0) -> None:
        """Advance until `utc`."""
        self.advance((utc - self._now).total_seconds(), step)

    def set_quote(self, symbol: Symbol | SecurityKey | str, bid: float | None, ask: float | None, last: float | None = None) -> None:
        """Fix the quote of a symbol (a Symbol, SecurityKey or equity ticker) from now on."""
        if isinstance(symbol, str):
            key = SecurityKey(symbol.upper())
        elif isinstance(symbol, Symbol):
            key = security_key(symbol)
        else:
            key = symbol
        mid = (bid + ask) / 2 if bid and ask else None
        self.market.set_quote(key, Quote(bid, ask, last if last is not None else mid))

    # --- processes ----------------------------------------------------------------------------------------

    def start(self, algorithm_class: type[A]) -> A:
        """Construct and set up an algorithm as LEAN does: initialize() (orders refused), then
        load the brokerage's cash, holdings and open orders (new ids, no tags, broker ids kept),
        then on_warmup_finished()."""
        if self.alive:
            raise RuntimeError("an algorithm is already running: use restart() or crash() first")
        algorithm = algorithm_class()
        run = Run(self, algorithm, len(self._runs) + 1)
        algorithm._run = run
        self._run = run
        self._runs.append(run)
        self._flush_due = None
        # The engine's first scan, at start, checked for assignments: the next check is the next hour.
        self._next_assignment_check = self._now.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
        algorithm.initialize()
        self._load_brokerage_state(run)
        run.warming_up = False
        algorithm.on_warmup_finished()
        return algorithm

    def crash(self) -> None:
        """Kill the process: unflushed store writes and undelivered events are lost."""
        if self._run is not None and self._run.alive:
            self._run.alive = False
            self.store.crash()
            self._pending.clear()

    def restart(self, algorithm_class: type[A]) -> A:
        """Start a new process over the same brokerage and persisted store. A process still alive
        is stopped cleanly first (its store is flushed, as LEAN persists on exit)."""
        if self._run is not None and self._run.alive:
            self.store.flush()
            self._run.alive = False
            self._pending.clear()
        return self.start(algorithm_class)

    def stop(self) -> None:
        """End the run: on_end_of_algorithm() (not after a runtime error: LEAN's AlgorithmManager
        returns before it), then persist the store. An exception there is a runtime error, raised
        as AlgorithmRuntimeError once the store is persisted."""
        run = self._run
        if run is None or not run.alive:
            return
        try:
            if run.runtime_error is None:
                run.algorithm.on_end_of_algorithm()
        except Exception as error:
            run.set_runtime_error(error, "OnEndOfAlgorithm")
        finally:
            self.store.flush()
            run.alive = False
        self._raise_runtime_error(run)

    # --- live delivery ------------------------------------------------------------------------------------

    @property
    def pending_events(self) -> int:
        """Brokerage events not yet delivered to the algorithm (live mode)."""
        return len(self._pending)

    @property
    def pending_cancels(self) -> int:
        """Cancels LEAN answered that its transaction thread has not sent to the brokerage yet (live)."""
        return self._run.handler.pending_cancels if self._run is not None else 0

    def deliver(self) -> None:
        """Let LEAN's threads catch up now, on the calling thread: the transaction thread sends the
        cancels already answered, then every queued event is delivered (including ones queued meanwhile)."""
        if self.alive:
            assert self._run is not None
            self._run.handler.send_cancels()
        guard = 0
        while self._pending and self.alive:
            event = self._pending.popleft()
            assert self._run is not None
            self._run.handler.on_broker_event(event)
            guard += 1
            if guard > 100_000:
                raise RuntimeError("event delivery does not terminate")

    def work_brokerage(self) -> None:
        """Let the brokerage fill what it can now, without moving the clock or running the algorithm;
        in live mode the events wait in the queue for `deliver()` (which another thread may run)."""
        self.brokerage.scan(self._now, self._price_group)

    def deliver_in_thread(self) -> None:
        """Deliver queued events from another real thread (joined before returning), as LEAN's
        brokerage threads do; an exception there is re-raised here."""
        failure: list[BaseException] = []

        def target() -> None:
            try:
                self.deliver()
            except BaseException as error:
                failure.append(error)

        thread = threading.Thread(target=target, name="leansim-brokerage")
        thread.start()
        thread.join()
        if failure:
            raise failure[0]

    # --- inspection ---------------------------------------------------------------------------------------

    @property
    def positions(self) -> dict[Symbol, float]:
        """The brokerage's positions (the truth, whatever the algorithm has seen)."""
        return {symbol: position.quantity for symbol, position in self.brokerage.positions.items()}

    def position(self, symbol: Symbol | str) -> float:
        for held, position in self.brokerage.positions.items():
            if held == symbol or held.value == symbol:
                return position.quantity
        return 0.0

    @property
    def cash(self) -> float:
        return self.brokerage.cash

    @property
    def broker_orders(self) -> list[VenueOrder]:
        """Every order the brokerage ever received, with its submission tag and fills."""
        return list(self.brokerage.orders.values())

    @property
    def open_broker_orders(self) -> list[VenueOrder]:
        return [order for order in self.brokerage.orders.values() if order.is_open]

    @property
    def orders(self) -> list[tuple[int, Order]]:
        """(run, order) for every LEAN order of every run (clones, current tags)."""
        return [(run.index, order.clone()) for run in self._runs for order in run.handler.orders.values()]

    @property
    def store_stats(self) -> StoreStats:
        return self.store.stats()

    @property
    def stored(self) -> dict[str, str]:
        """What is on "disk" now (what a restart would see)."""
        return {key: value.decode("utf-8", "replace") for key, value in self.store.disk.items()}

    @property
    def counters(self) -> dict[str, int]:
        """Crash points passed plus `orders` and `fills` at the brokerage, over the whole simulation."""
        passed = self.faults.crash_points_passed()
        return {**passed, "orders": passed["before_order"], "saves": passed["before_save"], "fills": self.brokerage.fill_count}

    def logs_at(self, level: str) -> list[str]:
        return [record.message for record in self.logs if record.level == level]

    # --- hooks used by the LEAN objects ---------------------------------------------------------------------

    def pass_point(self, point: str) -> None:
        """Count a crash point; crash the process here if the plan says so."""
        if self.faults.pass_point(point):  # type: ignore[arg-type]
            self._die(point)

    def _writing_file(self, key: str, contents: bytes) -> None:
        """Store hook before each file of a persist: the torn_write crash point tears that file."""
        if self.faults.pass_point("torn_write"):
            self.store.tear(key, contents)
            self._die("torn_write", f" tearing {key}")

    def _die(self, point: str, detail: str = "") -> None:
        self.crash()
        raise SimulatedCrash(f"simulated crash at {point} #{self.faults.counters[point]}{detail}")

    def before_save(self) -> bool:
        """ObjectStore hook: crash point, then whether this save fails (StoreSaveFails)."""
        if not self.alive:
            raise RuntimeError("this algorithm's process is dead; use the restarted algorithm")
        self.pass_point("before_save")
        return self.faults.save_fails(self.faults.counters["before_save"])

    def after_save(self) -> None:
        """ObjectStore hook: the first save after a persist arms the persist timer (LocalObjectStore's
        IsDirty setter in Engine/Storage/LocalObjectStore.cs), then the after_save crash point."""
        if self._flush_due is None and self.store.dirty:
            self._flush_due = self._now + timedelta(seconds=self.store.persistence_seconds)
        self.pass_point("after_save")

    def role_of(self, symbol: Symbol, quantity: float) -> Literal["opening", "closing"]:
        held = self.brokerage.positions.get(symbol)
        current = held.quantity if held is not None else 0.0
        return "opening" if abs(current + quantity) > abs(current) else "closing"

    def after_request(self) -> None:
        """After an order request: in a backtest LEAN delivers events and scans the brokerage at once."""
        if not self.live:
            self.deliver()
            self.brokerage.scan(self._now, self._price_group)
            self.deliver()

    def _emit(self, event: BrokerEvent, behaviour: Behaviour) -> None:
        self._pending.append(event)
        if self.live and behaviour.duplicate:
            self._pending.append(event)
        if not self.live and event.status not in (OrderStatus.SUBMITTED, OrderStatus.INVALID):
            # Fills and cancels of a backtest reach the algorithm as soon as the brokerage reports them
            # (submissions wait for the after_order crash point, then after_request delivers them).
            self.deliver()

    def _record_event(self, run_index: int, order: Order, event: OrderEvent, settled_cash: float = 0.0) -> None:
        assert event.symbol is not None and event.utc_time is not None
        self.events.append(
            EventRecord(run_index, order.id, tuple(order.broker_id), event.symbol, event.status, event.fill_quantity,
                        event.fill_price, event.message, order.tag, event.utc_time, event.order_fee.value.amount,
                        settled_cash)
        )

    def _record_plot(self, chart: str, series: str, value: float) -> None:
        self.plots.append(PlotPoint(self._now, chart, series, value))

    def _new_security(self, symbol: Symbol, run: Run | None) -> Security:
        """LEAN's SecurityService: a new security with the ImmediateFillModel its constructor defaults to
        (Common/Securities/Security.cs); the brokerage model's fee model is installed by the caller."""
        if symbol.security_type in OPTION_TYPES:
            underlying = None
            if run is not None and symbol.underlying is not None:
                underlying = run.ensure_security(symbol.underlying)
            if symbol.security_type == SecurityType.INDEX_OPTION:
                return IndexOption(symbol, self.market, ImmediateFillModel(), underlying)
            return Option(symbol, self.market, ImmediateFillModel(), underlying)
        if symbol.security_type == SecurityType.INDEX:
            return Index(symbol, self.market, ImmediateFillModel())
        return Equity(symbol, self.market, ImmediateFillModel())

    # --- start-up -------------------------------------------------------------------------------------------

    def _load_brokerage_state(self, run: Run) -> None:
        """LEAN's Engine/Setup/BrokerageSetupHandler.cs, LoadExistingHoldingsAndOrders: each open
        order's and each holding's security is added if the algorithm has not (GetOrAddUnrequestedSecurity,
        AddOptionContract for an option), then the order is loaded and the holding set. Nothing else
        is: a contract the algorithm traded before but neither holds nor has an order on is not a
        security until it is subscribed again."""
        brokerage = self.brokerage
        first = len(self._runs) == 1 and not brokerage.orders
        if first and not self.live and run.requested_cash is not None:
            brokerage.cash = run.requested_cash
        run.portfolio._set_cash(brokerage.cash)
        for symbol, position in brokerage.positions.items():
            run.ensure_security(symbol).holdings._set(position.quantity, position.average_price)
        managers: dict[str, GroupOrderManager] = {}
        for order in brokerage.orders.values():
            if order.is_open:
                run.ensure_security(order.symbol)
                run.handler.load_open_order(order, managers)

    # --- one time step ------------------------------------------------------------------------------------------

    def _step(self) -> None:
        run = self._run if self.alive else None
        if run is not None and self._flush_due is not None and self._now >= self._flush_due:
            self.store.flush()
            self._flush_due = None
        self._expire_options()
        slice_end = self._new_time_slice()
        if run is not None and not self.live and slice_end is not None:
            self._process_assignments(run)  # LEAN scans for assignments on its time slices
        if run is not None:
            run.handler.send_cancels()  # the transaction thread runs before the brokerage's next scan
        if self.live or slice_end is not None:
            self.brokerage.scan(self._now, self._price_group)
        self.deliver()
        if run is None or not run.alive or run.stopped:
            self._raise_runtime_error(run)
            return
        try:
            self._algorithm_step(run, slice_end)
        except Exception as error:  # AlgorithmManager.cs: SetRuntimeError(err, "OnData") and return
            run.set_runtime_error(error, "OnData")
        self._raise_runtime_error(run)

    def _algorithm_step(self, run: Run, slice_end: datetime | None) -> None:
        for event in run.schedule._due():
            event._fire_due(self._now)
            if not run.alive or run.stopped:
                return
        if slice_end is not None:
            for symbol in run.trade_builder._open_symbols():  # AlgorithmManager: TradeBuilder.SetMarketPrice
                run.trade_builder.set_market_price(symbol, run.securities[symbol].price)
            run.current_slice = self._slice(run)
            run.algorithm.on_data(run.current_slice)

    def _new_time_slice(self) -> datetime | None:
        """The end of the minute bars first reached at this step, None between time slices.

        LEAN's backtest emits a time slice for each minute bar of the session, stamped at the bar's
        end: 09:31 is the first, 16:00 (the 15:59 bar, when the exchange is already closed) the last
        (Engine/DataFeeds/SubscriptionSynchronizer.cs, TimeSliceFactory). The backtesting brokerage is
        scanned once per slice and after each order request (Engine/AlgorithmManager.cs,
        ProcessSynchronousEvents), not in between.
        """
        minute = self._now.replace(second=0, microsecond=0)
        if minute == self._last_minute or not self.market.calendar.is_open(minute - BAR):
            return None
        self._last_minute = minute
        resolution = self._run.slice_resolution if self._run is not None else Resolution.MINUTE
        return minute if self._ends_a_bar(resolution, minute) else None

    def _ends_a_bar(self, resolution: Resolution, minute: datetime) -> bool:
        """Whether a bar of `resolution` ends at `minute` (a session minute's end): every minute;
        each whole hour and the close (an hour bar stamped 09:00 ends at 10:00); the close alone for
        a daily bar, with LEAN's default daily precise end time (Common/Util/LeanData.cs, SetStrictEndTimes)."""
        if resolution == Resolution.MINUTE:
            return True
        if minute == self.market.calendar.next_close(minute - BAR):
            return True
        return resolution == Resolution.HOUR and self.market.local(minute).minute == 0

    def _raise_runtime_error(self, run: Run | None) -> None:
        """Raise a runtime error recorded during this step, once: the algorithm stays stopped."""
        if run is not None and run.runtime_error is not None and not run.runtime_error_raised:
            run.runtime_error_raised = True
            raise run.runtime_error from run.runtime_error.error

    def _slice(self, run: Run) -> Slice:
        local = self.market.local(self._now)
        prices = {symbol: BaseData(symbol, local, security.price) for symbol, security in run.equities()
                  if security.resolution == run.slice_resolution
                  or self._ends_a_bar(security.resolution, self._now.replace(second=0, microsecond=0))}
        run.select_universes()
        # Chains are built when the algorithm first reads them (most slices never are read).
        chains = OptionChains(LazyChains({canonical: run.chain_builder(canonical, option)
                                          for canonical, option in run.chain_subscriptions.items()}))
        return Slice(local, prices, chains, self._now)

    def _expiry_close(self, symbol: Symbol) -> datetime:
        expiry: date = symbol.id.date.date()
        session = self.market.session(expiry)
        return session[1] if session else self.market.next_session_close(
            datetime(expiry.year, expiry.month, expiry.day, tzinfo=timezone.utc))

    def _delisting_time(self, symbol: Symbol) -> datetime:
        """When LEAN processes an option's expiry: its Delisted event, stamped at midnight after the
        expiry date (Engine/DataFeeds/Enumerators/DelistingEventProvider.cs), handled by
        BacktestingBrokerage.ProcessDelistings."""
        midnight = datetime.combine(symbol.id.date.date() + timedelta(days=1), datetime.min.time())
        return self.market.to_utc(midnight)

    def _next_delisting(self) -> datetime | None:
        times = [self._delisting_time(symbol) for symbol in self.brokerage.positions
                 if symbol.security_type in OPTION_TYPES and symbol not in self._delisted]
        return min(times) if times else None

    def _expire_options(self) -> None:
        """Open orders on an expired contract are cancelled at its delisting, with or without a position,
        as LEAN's BacktestingBrokerage.ProcessDelistings does (live, it leaves them). A position still
        held at its delisting is exercised, assigned or expires worthless through LEAN's path: an
        option notification for position 0 (BacktestingBrokerage.ProcessDelistings ->
        BrokerageTransactionHandler.HandleOptionNotification), i.e. an OptionExerciseOrder filled by
        the option's exercise model. With no process alive the brokerage still does it, with LEAN's
        default model."""
        # One order whatever the fills' order (LEAN's follows its subscriptions): contracts by their code.
        for symbol in sorted(self.brokerage.positions, key=lambda held: held.value):
            if symbol.security_type not in OPTION_TYPES or symbol in self._delisted:
                continue
            if self._now < self._delisting_time(symbol):
                continue
            self._delisted.add(symbol)
            run = self._run if self.alive else None
            with self.market.last_prices(min(self._now, self._expiry_close(symbol))):
                if run is not None:
                    run.handler.option_notification(run.ensure_security(symbol))
                else:
                    self._exercise_detached(symbol)
        # Then its open orders are cancelled (ProcessDelistings: CancelOpenOrders after the notification),
        # so a market-on-close order still fills at the expiry's close.
        for order in [] if self.live else self.brokerage.open_orders():
            symbol = order.symbol
            if order.is_open and symbol.security_type in OPTION_TYPES and self._now >= self._delisting_time(symbol):
                self.brokerage.cancel_expired(symbol, self._now)

    def _exercise_detached(self, symbol: Symbol) -> None:
        """Expiry at the brokerage while no algorithm process runs: LEAN's default exercise model on
        the brokerage's position; a restarted algorithm finds the result in its holdings."""
        assert symbol.underlying is not None
        option = Option(symbol, self.market, ImmediateFillModel(), Equity(symbol.underlying, self.market, ImmediateFillModel()))
        position = self.brokerage.positions[symbol]
        option.holdings._set(position.quantity, position.average_price)
        order = OptionExerciseOrder(symbol, -position.quantity, self._now)
        broker_id = self.brokerage.next_broker_id()
        venue = VenueOrder(broker_id, symbol, OrderType.OPTION_EXERCISE, order.quantity, self._now, "")
        self.brokerage.exercise(venue, exercise_fills(option, order), self._now)

    def _process_assignments(self, run: Run) -> None:
        """Ask each short option's assignment model, once an hour, whether it is assigned early
        (BacktestingBrokerage.ProcessAssignmentOrders, backtests only); an assignment is an option
        notification for position 0 tagged with the model's tag."""
        if self._now < self._next_assignment_check:
            return
        self._next_assignment_check = self._now.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
        shorts = [security for security in run.securities.values()
                  if isinstance(security, Option) and security.holdings.is_short]
        for option in sorted(shorts, key=lambda security: security.symbol.id.symbol):
            result = option.option_assignment_model.get_assignment(OptionAssignmentParameters(option))
            if result is not None and result.quantity != 0:
                run.handler.option_notification(option, result.tag)
                if not run.alive:
                    return

    # --- fills -----------------------------------------------------------------------------------------------------

    def _price_group(self, group: list[VenueOrder], now: datetime) -> list[FillDecision]:
        """Ask the fill model of the lead leg's security, as LEAN's BacktestingBrokerage does, with
        the market as of the scan time `now`."""
        with self.market.pinned(now):
            return self._ask_fill_model(group)

    def _ask_fill_model(self, group: list[VenueOrder]) -> list[FillDecision]:
        run = self._run if self.alive else None
        views: dict[int, str] = {}
        securities: dict[Order, Security] = {}
        managers: dict[str, GroupOrderManager] = {}
        for broker_order in group:
            lean = run.handler.order_of_broker(broker_order.broker_id) if run is not None else None
            view = lean.clone() if lean is not None else self._detached_order(broker_order, managers)
            view._status = broker_order.status
            security = run.ensure_security(broker_order.symbol) if run is not None else self._new_security(broker_order.symbol, None)
            securities[view] = security
            views[view.id] = broker_order.broker_id
        lead, security = next(iter(securities.items()))
        model: FillModel = security.fill_model if run is not None else ImmediateFillModel()
        parameters = FillModelParameters(security, lead, None, timedelta(hours=1), securities)
        try:
            events = list(model.fill(parameters))
        except SimulatedCrash:
            raise
        except Exception as error:  # LEAN logs fill model errors and leaves the order open
            if run is not None:
                run.log("ERROR", f"Order Error: id: {lead.id}, Transaction model failed to fill for order type: {lead.type.name} with error: {error}")
            return []
        return [
            FillDecision(views[event.order_id], event.status, event.fill_quantity, event.fill_price, event.message)
            for event in events
            if event.order_id in views
        ]

    def _detached_order(self, broker_order: VenueOrder, managers: dict[str, GroupOrderManager]) -> Order:
        """A LEAN order object for a brokerage order no running process knows (process dead)."""
        now = broker_order.submitted_utc
        kind = broker_order.order_type
        order: Order
        if broker_order.group_id is not None:
            manager = managers.setdefault(
                broker_order.group_id,
                GroupOrderManager(0, len(self.brokerage.group_of(broker_order)), broker_order.group_quantity,
                                  broker_order.limit_price or 0.0),
            )
            if kind == OrderType.COMBO_LIMIT:
                order = ComboLimitOrder(broker_order.symbol, broker_order.ratio, manager.limit_price, now, manager)
            elif kind == OrderType.COMBO_LEG_LIMIT:
                order = ComboLegLimitOrder(broker_order.symbol, broker_order.ratio, broker_order.limit_price or 0.0, now, manager)
            else:
                order = ComboMarketOrder(broker_order.symbol, broker_order.ratio, now, manager)
        elif kind == OrderType.LIMIT:
            order = LimitOrder(broker_order.symbol, broker_order.quantity, broker_order.limit_price or 0.0, now)
        elif kind == OrderType.MARKET_ON_OPEN:
            order = MarketOnOpenOrder(broker_order.symbol, broker_order.quantity, now)
        elif kind == OrderType.MARKET_ON_CLOSE:
            order = MarketOnCloseOrder(broker_order.symbol, broker_order.quantity, now)
        else:
            order = MarketOrder(broker_order.symbol, broker_order.quantity, now)
        order._id = next(self._detached_ids)
        order._broker_id = [broker_order.broker_id]
        return order


