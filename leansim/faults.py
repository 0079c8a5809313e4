"""Fault injection as data: what the simulated brokerage, market and process do wrong, and when.

The double's own: LEAN has no counterpart.

A `FaultPlan` is an immutable list of faults. Order faults carry a `Match` (which orders) and `times`
(how many matching orders, or combos, they affect; None = every one). A fault on a combo applies to
the whole combo: one matching leg selects every leg, and one combo consumes one of `times`.

    plan = FaultPlan((
        Reject("no liquidity", Match(tag_contains="/rollback/")),
        PartialFill(0.5, remainder="never", match=Match(nth=2)),
        CrashAt("after_fill", n=1),
    ))
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Literal, Union

if TYPE_CHECKING:
    from leansim.symbols import Symbol

CrashPoint = Literal["before_save", "after_save", "before_order", "after_order", "after_fill", "before_cancel",
                     "torn_write"]
CRASH_POINTS: tuple[CrashPoint, ...] = (
    "before_save", "after_save", "before_order", "after_order", "after_fill", "before_cancel", "torn_write",
)


@dataclass(frozen=True)
class OrderCandidate:
    """What a fault can match on for one order about to reach the brokerage (what `Match.where` sees)."""

    symbol: Symbol
    tag: str
    nth: int
    role: Literal["opening", "closing"]
    utc_time: datetime | None = None  # simulated time of the submission


@dataclass(frozen=True)
class Match:
    """Which orders a fault targets; every given criterion must hold (none given: every order).

    symbol: the Symbol value (`SPY   240119C00450000`) or the underlying ticker (`SPY`).
    tag_contains: a substring of the tag the order was submitted with.
    nth: the nth order sent to the brokerage, 1-based, counted over the whole simulation (restarts
        included; each combo leg counts as one order).
    role: "opening" if the order grows the absolute position it trades, "closing" if it shrinks it
        (judged from the brokerage's position when the order is submitted).
    where: a predicate over the `OrderCandidate` (symbol, tag, nth, role, utc_time). It lets a
        plan decide by what an order *is* (its contract, its day) rather than by its rank, so two
        simulations placing different orders meet the same faults (leansim.scenario_faults). It
        must be a pure function of its argument.
    """

    symbol: str | None = None
    tag_contains: str | None = None
    nth: int | None = None
    role: Literal["opening", "closing"] | None = None
    where: Callable[[OrderCandidate], bool] | None = None


@dataclass(frozen=True)
class Reject:
    """The brokerage refuses the order (every leg of a combo): an INVALID event carrying `message`."""

    message: str = "Simulated rejection"
    match: Match = field(default_factory=Match)
    times: int | None = 1


@dataclass(frozen=True)
class PartialFill:
    """The first fill is partial: `filled` contracts (structures for a combo) if >= 1, else a fraction
    of the quantity (rounded down, at least 1). The remainder fills `remainder` seconds after the
    partial fill (in a backtest, at the first time slice after that), or "never" (the order stays
    PARTIALLY_FILLED until cancelled)."""

    filled: float = 0.5
    remainder: float | Literal["never"] = "never"
    match: Match = field(default_factory=Match)
    times: int | None = 1


@dataclass(frozen=True)
class DelayFill:
    """The order rests at the brokerage for `seconds` of simulated time before it may fill (in a
    backtest the brokerage is scanned once per time slice, so it fills at the first slice after)."""

    seconds: float
    match: Match = field(default_factory=Match)
    times: int | None = 1


@dataclass(frozen=True)
class NeverFill:
    """The order is accepted (SUBMITTED) and never fills."""

    match: Match = field(default_factory=Match)
    times: int | None = 1


@dataclass(frozen=True)
class CancelLosesRace:
    """A cancel on the order is accepted (CANCEL_PENDING) but the order fills instead: no CANCELED."""

    match: Match = field(default_factory=Match)
    times: int | None = 1


@dataclass(frozen=True)
class RefuseCancel:
    """Live mode only: the brokerage refuses the first cancel of the order, after LEAN has answered
    `cancel()` with success (CANCEL_PENDING). LEAN's HandleCancelOrderRequest then restores the
    order's previous status (CancelPendingOrders.RemoveAndFallback), turns the cancel request's
    response into an error and calls algorithm.Error: no order event. The order keeps working."""

    match: Match = field(default_factory=Match)
    times: int | None = 1


@dataclass(frozen=True)
class DuplicateEvents:
    """Live mode only: every event of the order reaches the algorithm twice, the same event (same id)
    delivered again; LEAN applied it once."""

    match: Match = field(default_factory=Match)
    times: int | None = 1


@dataclass(frozen=True)
class DoubleReport:
    """Live mode only: the brokerage reports the fill that completes the order twice, and books it
    twice (an over-fill), or, with `booked_once`, books it once (only the report is repeated: the
    account holds the order's size). LEAN takes the second report as a new event with its own id
    (BrokerageTransactionHandler.HandleOrderEvents: `order.GetNewId()`) and applies it to the order,
    its ticket and the portfolio like any fill: either way LEAN's portfolio shows the doubled fill."""

    match: Match = field(default_factory=Match)
    times: int | None = 1
    booked_once: bool = False


@dataclass(frozen=True)
class LostEvents:
    """Live mode only: the order's fill events are applied by LEAN (order, ticket, portfolio) but never
    reach on_order_event, as with a dropped connection or a failed handler. LEAN's own record of the
    order (`transactions.get_order_ticket(id).order_events`, `quantity_filled`) still shows them."""

    match: Match = field(default_factory=Match)
    times: int | None = 1


@dataclass(frozen=True)
class MarketClosed:
    """The exchange reports closed between `start` and `end` (UTC; None = unbounded), for `symbols`
    (values or underlying tickers; empty = every security)."""

    start: datetime | None = None
    end: datetime | None = None
    symbols: tuple[str, ...] = ()


@dataclass(frozen=True)
class StoreSaveFails:
    """The nth ObjectStore save of the simulation (1-based, restarts included) returns False, and the
    `times - 1` saves after it too."""

    nth: int = 1
    times: int = 1


@dataclass(frozen=True)
class CrashAt:
    """The process dies (SimulatedCrash) the nth time execution passes `point` (1-based, counted
    over the whole simulation). Points:

    before_save: an ObjectStore save is called, before it writes.
    after_save: a save wrote to the store's memory (not yet flushed to disk).
    before_order: an order is about to reach the brokerage (each combo leg counts).
    after_order: the brokerage accepted the order; its events have not reached the algorithm.
    after_fill: a fill changed the brokerage's positions; its event has not reached the algorithm.
    before_cancel: ticket.cancel() has answered success and CANCEL_PENDING reached the algorithm,
        but the brokerage has not received the request (live: it waits for LEAN's transaction
        thread, sent on the next time step or deliver()); the cancel is lost.
    torn_write: LEAN is writing one file of a store persist (each file counts): the process dies
        inside File.WriteAllBytes, leaving that file truncated to half its new contents.
    """

    point: CrashPoint
    n: int = 1


OrderFault = Union[Reject, PartialFill, DelayFill, NeverFill, CancelLosesRace, RefuseCancel, DuplicateEvents, DoubleReport,
                   LostEvents]
Fault = Union[OrderFault, MarketClosed, StoreSaveFails, CrashAt]


@dataclass(frozen=True)
class FaultPlan:
    """Every fault of one simulation; the empty plan is a well-behaved world."""

    faults: tuple[Fault, ...] = ()

    def __post_init__(self) -> None:
        for fault in self.faults:
            if isinstance(fault, CrashAt) and fault.point not in CRASH_POINTS:
                raise ValueError(f"unknown crash point {fault.point!r}; expected one of {CRASH_POINTS}")
            if isinstance(fault, PartialFill) and fault.filled <= 0:
                raise ValueError("PartialFill.filled must be positive")

    def of_type(self, kind: type) -> list[Fault]:
        """The faults of one kind, in plan order."""
        return [fault for fault in self.faults if isinstance(fault, kind)]

    def __add__(self, other: FaultPlan) -> FaultPlan:
        return FaultPlan(self.faults + other.faults)


class SimulatedCrash(BaseException):
    """The simulated process died. A BaseException so `except Exception` cannot swallow it."""
