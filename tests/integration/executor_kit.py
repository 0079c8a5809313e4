"""Test kit for the executor on the LEAN double: a host algorithm, its contracts, and invariants.

`HostAlgorithm` is wired the way main.py wires the executor (recovery from on_warmup_finished,
every order event forwarded, timeouts checked on each slice), so tests exercise the real path.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterable
from datetime import datetime, timedelta, timezone
from typing import Any

import leansim

leansim.install()

from AlgorithmImports import Market, OptionRight, OptionStyle, OrderEvent, QCAlgorithm, Symbol

from atomic import EnhancedAtomicOrderExecutor
from atomic.executor import GroupResult
from atomic.margin import naked_short_contracts
from atomic.tags import parse_tag
from config import STORE_NAMESPACE, AtomicConfig
from leansim import FaultPlan, Simulator, VenueOrder
from leansim.object_store import KEY_PATTERN as LEAN_KEY

__all__ = ["LEAN_KEY"]

# Tuesday 2024-01-02, 15:00 UTC = 10:00 in New York: the market is open for six hours.
OPEN = datetime(2024, 1, 2, 15, 0, tzinfo=timezone.utc)
EXPIRY = datetime(2024, 1, 5)
# The two run modes; each keeps its records under its own namespace (see `namespace`).
MODES = ("backtest", "live")


def namespace(mode: str = "live") -> str:
    """The executor's ObjectStore namespace in `mode`: the configured root, then the run mode."""
    return f"{STORE_NAMESPACE}/{mode}"


def option(right: str, strike: float, expiry: datetime = EXPIRY) -> Symbol:
    """The SPY option of `right` ("call"/"put"), `strike` and `expiry` (by default one the host
    subscribes), usable before the algorithm starts (fault matches name it by `str(option(...))`)."""
    lean_right = OptionRight.CALL if right == "call" else OptionRight.PUT
    return Symbol.create_option("SPY", Market.USA, OptionStyle.AMERICAN, lean_right, strike, expiry)


class HostAlgorithm(QCAlgorithm):
    """A minimal algorithm hosting the executor, with an iron condor's contracts subscribed.

    Class attribute `atomic_config` lets a test choose the executor's settings; `trace` records,
    after every order event, the brokerage-side position of each contract (for invariants that
    must hold at every intermediate step)."""

    atomic_config = AtomicConfig()

    def initialize(self) -> None:
        self.spy = self.add_equity("SPY").symbol
        self.short_call, self.long_call = self._contract("call", 480), self._contract("call", 485)
        self.short_put, self.long_put = self._contract("put", 460), self._contract("put", 455)
        self.far_put = self._contract("put", 450)
        self.executor = EnhancedAtomicOrderExecutor(self, self.atomic_config)
        self.trace: list[dict[Symbol, int]] = []
        self.recovery: Any = None
        # Every order event as delivered (for late re-delivery and threading tests).
        self.order_events: list[OrderEvent] = []

    def on_warmup_finished(self) -> None:
        self.recovery = self.executor.check_and_recover_incomplete_orders()

    def on_order_event(self, order_event: OrderEvent) -> None:
        self.order_events.append(order_event)
        self.executor.on_order_event(order_event)
        self.trace.append({s: int(self.portfolio[s].quantity) for s in self.condor()})

    def on_data(self, slice: Any) -> None:
        self.executor.check_timeouts()

    def condor(self) -> tuple[Symbol, Symbol, Symbol, Symbol]:
        return self.short_call, self.long_call, self.short_put, self.long_put

    def _contract(self, right: str, strike: float) -> Symbol:
        return self.add_option_contract(option(right, strike)).symbol


class NoRecoveryHost(HostAlgorithm):
    """A host that forgets to run recovery from on_warmup_finished: the executor must refuse groups."""

    def on_warmup_finished(self) -> None:
        pass


class EverySecondHost(HostAlgorithm):
    """Also checks timeouts from a scheduled event every second, as main.py does in live mode."""

    def initialize(self) -> None:
        super().initialize()
        self.schedule.on(self.date_rules.every_day(self.spy), self.time_rules.every(timedelta(seconds=1)),
                         self.executor.check_timeouts)


def host(config: AtomicConfig | None = None, base: type[HostAlgorithm] = HostAlgorithm,
         **overrides: Any) -> type[HostAlgorithm]:
    """A subclass of `base` running the executor with `config` and field overrides."""
    chosen = dataclasses.replace(config or AtomicConfig(), **overrides)
    return type("ConfiguredHost", (base,), {"atomic_config": chosen})


def start(mode: str = "backtest", faults: Iterable[Any] = (), config: AtomicConfig | None = None,
          cash: float = 1_000_000, at: datetime = OPEN, base: type[HostAlgorithm] = HostAlgorithm,
          **overrides: Any) -> tuple[Simulator, HostAlgorithm]:
    """A simulation started at `at` running a `base` host configured with `config` and overrides."""
    sim = Simulator(mode=mode, start=at, faults=FaultPlan(tuple(faults)), cash=cash)
    algo = sim.start(host(config, base, **overrides))
    assert isinstance(algo, HostAlgorithm)
    return sim, algo


def positions(sim: Simulator, symbols: Iterable[Symbol]) -> dict[str, int]:
    """The brokerage's position in each symbol (the truth, not the algorithm's view)."""
    return {str(s): int(sim.position(s)) for s in symbols}


def naked_shorts(algo: HostAlgorithm, holdings: dict[Symbol, int]) -> int:
    """Short option contracts in `holdings` that no long option there covers."""
    return naked_short_contracts([(algo.executor.ports.orders.describe(s), q) for s, q in holdings.items() if q])


def settle(sim: Simulator, seconds: float = 60) -> None:
    """Let simulated time pass (live events delivered, timeouts checked each slice)."""
    sim.advance(timedelta(seconds=seconds))


# --- helpers for the executor's integration suite ---------------------------------------------------

# Leg index -> HostAlgorithm attribute, in the order execute_iron_condor_atomic builds its legs.
CONDOR_LEGS = ("long_call", "long_put", "short_call", "short_put")


def iron_condor(algo: HostAlgorithm, quantity: int = 2, **kwargs: Any) -> GroupResult:
    """The host's iron condor through the executor."""
    return algo.executor.execute_iron_condor_atomic(
        algo.short_call, algo.long_call, algo.short_put, algo.long_put, quantity, **kwargs)


def condor_targets(algo: HostAlgorithm, structures: int) -> dict[str, int]:
    """Brokerage positions of `structures` iron condors (short the inner strikes, long the wings)."""
    return {str(algo.long_call): structures, str(algo.long_put): structures,
            str(algo.short_call): -structures, str(algo.short_put): -structures}


def flat_positions(algo: HostAlgorithm) -> dict[str, int]:
    return {str(s): 0 for s in algo.condor()}


def group_orders(sim: Simulator, group_id: str, role: str | None = None) -> list[VenueOrder]:
    """The brokerage's orders of one group (by the tag they were submitted with), in submission order."""
    result = []
    for order in sim.broker_orders:
        tag = parse_tag(order.tag)
        if tag is not None and tag.group_id == group_id and (role is None or tag.role.value == role):
            result.append(order)
    return result


def newest_open_key(stored: dict[str, str], group_id: str, mode: str = "live") -> str:
    """The key of the newest readable version among a group's two open slots in `stored` (e.g.
    `sim.stored`)."""
    versions = {}
    for key in (f"{namespace(mode)}/open/{group_id}", f"{namespace(mode)}/open/{group_id}.alt"):
        try:
            versions[key] = int(json.loads(stored[key]).get("seq", 0))
        except (KeyError, ValueError):
            continue
    return max(versions, key=versions.__getitem__)


def newest_open_record(stored: dict[str, str], group_id: str, mode: str = "live") -> dict[str, Any]:
    """The newest readable version of a group's open record in `stored`."""
    record: dict[str, Any] = json.loads(stored[newest_open_key(stored, group_id, mode)])
    return record


def store_keys(algo: HostAlgorithm) -> list[str]:
    """The algorithm's ObjectStore keys (memory, what the running process sees)."""
    return sorted(str(key) for key in algo.object_store.keys)


# Settings of each execution mode: legs in parallel, longs before shorts, one combo order.
EXECUTION_MODES: dict[str, dict[str, Any]] = {
    "parallel": {"sequential_protective_legs": False},
    "sequential": {"sequential_protective_legs": True},
    "combo": {"execution_mode": "combo"},
}


def portfolio(algo: HostAlgorithm) -> dict[str, int]:
    """LEAN's holdings of the condor's contracts (what the algorithm sees), keyed like `positions`."""
    return {str(s): int(algo.portfolio[s].quantity) for s in algo.condor()}
