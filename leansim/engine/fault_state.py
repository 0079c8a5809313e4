"""Turns a FaultPlan into decisions: which orders are faulted, when to crash, when a save fails.

The double's own: LEAN has no counterpart (faults are the double's own).

Holds the counters that survive restarts (orders sent, saves, crash points passed), so `nth`
criteria count over the whole simulation.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime

from leansim.faults import (
    CRASH_POINTS,
    CancelLosesRace,
    CrashAt,
    CrashPoint,
    DelayFill,
    DoubleReport,
    DuplicateEvents,
    FaultPlan,
    LostEvents,
    MarketClosed,
    Match,
    NeverFill,
    OrderCandidate,
    OrderFault,
    PartialFill,
    RefuseCancel,
    Reject,
    StoreSaveFails,
)
from leansim.symbols import Symbol


@dataclass
class Behaviour:
    """How the brokerage treats one order (or combo), decided once at submission."""

    reject: str | None = None
    partial: PartialFill | None = None
    delay: float = 0.0
    never: bool = False
    cancel_loses_race: bool = False
    refuse_cancel: bool = False  # the next cancel is refused (once)
    duplicate: bool = False
    double_report: bool = False
    double_booked: bool = False  # the repeated report is booked at the brokerage too
    lose_fills: bool = False


_ORDER_FAULTS = (Reject, PartialFill, DelayFill, NeverFill, CancelLosesRace, RefuseCancel, DuplicateEvents, DoubleReport,
                 LostEvents)
# Faults of a live brokerage only: a backtest's brokerage is LEAN's own, on the algorithm thread.
LIVE_ONLY_FAULTS = (RefuseCancel, DuplicateEvents, DoubleReport, LostEvents)


class FaultState:
    """The live state of a FaultPlan: remaining uses and counters."""

    def __init__(self, plan: FaultPlan) -> None:
        self.plan = plan
        self.counters: Counter[str] = Counter()
        self._uses: dict[int, int] = {}

    # --- crash points -------------------------------------------------------------------------

    def pass_point(self, point: CrashPoint) -> bool:
        """Count one passage of `point`; True when a CrashAt fires here."""
        self.counters[point] += 1
        count = self.counters[point]
        return any(
            isinstance(fault, CrashAt) and fault.point == point and fault.n == count for fault in self.plan.faults
        )

    def crash_points_passed(self) -> dict[str, int]:
        return {point: self.counters[point] for point in CRASH_POINTS}

    # --- store ----------------------------------------------------------------------------------

    def save_fails(self, nth_save: int) -> bool:
        return any(
            isinstance(fault, StoreSaveFails) and fault.nth <= nth_save < fault.nth + fault.times
            for fault in self.plan.faults
        )

    # --- market ---------------------------------------------------------------------------------

    def market_closed(self, symbol: Symbol, utc: datetime) -> bool:
        for fault in self.plan.faults:
            if not isinstance(fault, MarketClosed):
                continue
            if fault.start is not None and utc < fault.start:
                continue
            if fault.end is not None and utc >= fault.end:
                continue
            if not fault.symbols or _symbol_matches(symbol, fault.symbols):
                return True
        return False

    # --- orders ---------------------------------------------------------------------------------

    def behaviour_for(self, candidates: list[OrderCandidate]) -> Behaviour:
        """Decide the behaviour of one order or combo; consumes one use of each fault applied."""
        behaviour = Behaviour()
        applied: set[type] = set()
        for index, fault in enumerate(self.plan.faults):
            if not isinstance(fault, _ORDER_FAULTS) or type(fault) in applied:
                continue
            if not self._has_uses(index, fault):
                continue
            if not any(_matches(fault.match, candidate) for candidate in candidates):
                continue
            self._uses[index] = self._uses.get(index, 0) + 1
            applied.add(type(fault))
            _apply(behaviour, fault)
        return behaviour

    def _has_uses(self, index: int, fault: OrderFault) -> bool:
        return fault.times is None or self._uses.get(index, 0) < fault.times


def _apply(behaviour: Behaviour, fault: OrderFault) -> None:
    if isinstance(fault, Reject):
        behaviour.reject = fault.message
    elif isinstance(fault, PartialFill):
        behaviour.partial = fault
    elif isinstance(fault, DelayFill):
        behaviour.delay = fault.seconds
    elif isinstance(fault, NeverFill):
        behaviour.never = True
    elif isinstance(fault, CancelLosesRace):
        behaviour.cancel_loses_race = True
    elif isinstance(fault, RefuseCancel):
        behaviour.refuse_cancel = True
    elif isinstance(fault, DuplicateEvents):
        behaviour.duplicate = True
    elif isinstance(fault, DoubleReport):
        behaviour.double_report = True
        behaviour.double_booked = not fault.booked_once
    elif isinstance(fault, LostEvents):
        behaviour.lose_fills = True


def _matches(match: Match, candidate: OrderCandidate) -> bool:
    if match.symbol is not None and not _symbol_matches(candidate.symbol, (match.symbol,)):
        return False
    if match.tag_contains is not None and match.tag_contains not in candidate.tag:
        return False
    if match.nth is not None and match.nth != candidate.nth:
        return False
    if match.role is not None and match.role != candidate.role:
        return False
    return match.where is None or bool(match.where(candidate))


def _symbol_matches(symbol: Symbol, names: tuple[str, ...]) -> bool:
    return symbol.value in names or symbol.id.symbol in names
