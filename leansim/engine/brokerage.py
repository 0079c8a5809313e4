"""The simulated brokerage: the account and resting orders that outlive any algorithm process.

Stands for Brokerages/Backtesting/BacktestingBrokerage.cs, and for a live brokerage whose account
outlives the algorithm.

It owns the truth a restarted algorithm reloads (cash, positions, open orders with their broker ids)
and applies faults to orders. It never talks to the algorithm directly: it emits BrokerEvents, which
the simulator delivers (synchronously in backtests, from a queue in live mode).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from leansim.engine.fault_state import Behaviour
from leansim.enums import CLOSED_STATUSES, OPTION_TYPES, OrderStatus, OrderType
from leansim.symbols import Symbol

# Order types that may fill in a scan at their own submission time: Brokerages/Backtesting/
# BacktestingBrokerage.cs, Scan, processes every other order "on the next bar" (order.Time == UtcTime).
_SAME_STEP_TYPES = frozenset({OrderType.MARKET, OrderType.COMBO_MARKET})


def multiplier_of(symbol: Symbol) -> float:
    """Contract multiplier: 100 for equity and index options, 1 otherwise."""
    return 100.0 if symbol.security_type in OPTION_TYPES else 1.0


@dataclass(frozen=True)
class FillRecord:
    """One fill at the brokerage."""

    utc_time: datetime
    quantity: float
    price: float


@dataclass
class VenueOrder:
    """An order as the brokerage knows it. `quantity` is signed and total (ratio x group for legs)."""

    broker_id: str
    symbol: Symbol
    order_type: OrderType
    quantity: float
    submitted_utc: datetime
    tag: str
    group_id: str | None = None
    ratio: float = 1.0
    group_quantity: float = 1.0
    limit_price: float | None = None
    status: OrderStatus = OrderStatus.SUBMITTED
    filled: float = 0.0
    fills: list[FillRecord] = field(default_factory=list)
    behaviour: Behaviour = field(default_factory=Behaviour)
    partial_utc: datetime | None = None

    @property
    def remaining(self) -> float:
        return self.quantity - self.filled

    @property
    def is_open(self) -> bool:
        return self.status not in CLOSED_STATUSES

    @property
    def average_fill_price(self) -> float:
        total = sum(fill.quantity for fill in self.fills)
        return sum(fill.quantity * fill.price for fill in self.fills) / total if total else 0.0


@dataclass(frozen=True)
class BrokerEvent:
    """A status change or fill the brokerage reports for one order."""

    seq: int
    broker_id: str
    status: OrderStatus
    utc_time: datetime
    fill_quantity: float = 0.0
    fill_price: float = 0.0
    message: str = ""
    symbol: Symbol | None = None  # the leg's symbol when it is not the order's (an exercise's underlying)
    is_assignment: bool = False
    settled_cash: float = 0.0  # cash paid by a cash-settled exercise with this fill
    is_in_the_money: bool = False  # an exercise's leg: the option was in the money (OrderEvent.IsInTheMoney)


@dataclass(frozen=True)
class ExerciseFill:
    """One fill of an option exercise order, as LEAN's option exercise model made it."""

    symbol: Symbol
    quantity: float
    price: float
    message: str
    is_assignment: bool
    settled_cash: float = 0.0
    is_in_the_money: bool = False


@dataclass
class Position:
    """Brokerage-side holding of one symbol."""

    quantity: float = 0.0
    average_price: float = 0.0


@dataclass(frozen=True)
class FillDecision:
    """What the fill model decided for one order in one scan."""

    broker_id: str
    status: OrderStatus
    fill_quantity: float = 0.0
    fill_price: float = 0.0
    message: str = ""


# Asks the fill models about a group of orders (one order or every leg of a combo) at a scan time.
Pricer = Callable[[list[VenueOrder], datetime], list[FillDecision]]
# Last-resort price of a symbol for a direction (used when a cancel loses its race).
Quoter = Callable[[Symbol, float], float]


class SimBrokerage:
    """Account, positions and resting orders; the same instance serves every run of a simulation."""

    def __init__(self, cash: float, emit: Callable[[BrokerEvent, Behaviour], None]) -> None:
        self.cash = float(cash)
        self.positions: dict[Symbol, Position] = {}
        self.orders: dict[str, VenueOrder] = {}
        self._maybe_open: dict[str, VenueOrder] = {}  # every open order, and some closed since (pruned)
        self._emit = emit
        self._ids = itertools.count(5001)
        self._event_seq = itertools.count(1)
        self._groups = itertools.count(1)
        self.fill_count = 0
        # Called after a fill changed positions, before its event is emitted (crash point).
        self.after_fill: Callable[[], None] = lambda: None

    # --- submission / cancel ----------------------------------------------------------------------

    def new_group_id(self) -> str:
        return f"G{next(self._groups)}"

    def place(self, orders: list[VenueOrder]) -> None:
        """Accept orders (one, or every leg of a combo): assign broker ids and report SUBMITTED."""
        for order in orders:
            self.orders[order.broker_id] = order
            self._maybe_open[order.broker_id] = order
        for order in orders:
            self._event(order, OrderStatus.SUBMITTED, order.submitted_utc)

    def reject(self, orders: list[VenueOrder], now: datetime, message: str) -> None:
        """Refuse orders outright: each gets an INVALID event carrying the rejection message."""
        for order in orders:
            order.status = OrderStatus.INVALID
            self.orders[order.broker_id] = order
            self._event(order, OrderStatus.INVALID, now, message=message)

    def next_broker_id(self) -> str:
        return str(next(self._ids))

    def cancel(self, broker_id: str, now: datetime, quoter: Quoter) -> bool:
        """Cancel an order and the rest of its combo. A CancelLosesRace order fills instead."""
        order = self.orders.get(broker_id)
        if order is None or not order.is_open:
            return False
        if order.behaviour.refuse_cancel:  # RefuseCancel: this time only
            order.behaviour.refuse_cancel = False
            return False
        group = self.group_of(order)
        if order.behaviour.cancel_loses_race:
            decisions = [
                FillDecision(leg.broker_id, OrderStatus.FILLED, leg.remaining, quoter(leg.symbol, leg.remaining))
                for leg in group
                if leg.is_open
            ]
            self._apply(group, decisions, now)
            return True
        for leg in group:
            if leg.is_open:
                leg.status = OrderStatus.CANCELED
                self._event(leg, OrderStatus.CANCELED, now)
        return True

    def update(self, broker_id: str, quantity: float, limit_price: float | None, now: datetime) -> bool:
        """Change an open order's quantity and limit (a combo limit's is every leg's) and report
        UPDATE_SUBMITTED, as BacktestingBrokerage.UpdateOrder; False when the order is no longer open."""
        order = self.orders.get(broker_id)
        if order is None or not order.is_open:
            return False
        order.quantity = quantity
        if order.group_id is not None and order.order_type == OrderType.COMBO_LIMIT:
            for leg in self.group_of(order):
                leg.limit_price = limit_price
        else:
            order.limit_price = limit_price
        self._event(order, OrderStatus.UPDATE_SUBMITTED, now)
        return True

    # --- scanning -----------------------------------------------------------------------------------

    def open_orders(self) -> list[VenueOrder]:
        """Orders still open, in submission order (without scanning every order ever placed)."""
        closed = [broker_id for broker_id, order in self._maybe_open.items() if not order.is_open]
        for broker_id in closed:
            del self._maybe_open[broker_id]
        return list(self._maybe_open.values())

    def open_groups(self) -> list[list[VenueOrder]]:
        """Open orders grouped by combo, in submission order."""
        groups: dict[str, list[VenueOrder]] = {}
        for order in self.open_orders():
            groups.setdefault(order.group_id or order.broker_id, []).append(order)
        return list(groups.values())

    def group_of(self, order: VenueOrder) -> list[VenueOrder]:
        if order.group_id is None:
            return [order]
        return [other for other in self.orders.values() if other.group_id == order.group_id]

    def scan(self, now: datetime, pricer: Pricer) -> None:
        """Try to fill every open order, honouring each order's fault behaviour."""
        for group in self.open_groups():
            if not all(order.is_open for order in group):
                continue  # closed meanwhile by a nested scan
            lead = group[0]
            if not self._may_fill(lead, now):
                continue
            decisions = pricer(group, now)
            decisions = self._shape(group, decisions, now)
            if decisions:
                self._apply(group, decisions, now)

    def _may_fill(self, lead: VenueOrder, now: datetime) -> bool:
        behaviour = lead.behaviour
        if behaviour.never:
            return False
        if lead.order_type not in _SAME_STEP_TYPES and now <= lead.submitted_utc:
            return False
        if behaviour.delay and now < lead.submitted_utc + timedelta(seconds=behaviour.delay):
            return False
        if lead.partial_utc is not None and behaviour.partial is not None:
            remainder = behaviour.partial.remainder
            if remainder == "never" or now < lead.partial_utc + timedelta(seconds=float(remainder)):
                return False
        return True

    def _shape(self, group: list[VenueOrder], decisions: list[FillDecision], now: datetime) -> list[FillDecision]:
        """Apply a PartialFill fault to the first fill of a group: k whole structures per leg."""
        lead = group[0]
        partial = lead.behaviour.partial
        fills = [d for d in decisions if d.fill_quantity and d.status in (OrderStatus.FILLED, OrderStatus.PARTIALLY_FILLED)]
        if partial is None or lead.partial_utc is not None or not fills:
            return decisions
        structures = abs(lead.group_quantity if lead.group_id else lead.quantity)
        if partial.filled >= 1:
            done = min(int(partial.filled), int(structures))
        else:
            done = max(1, int(structures * partial.filled))
        if done >= structures:
            return decisions
        shaped: list[FillDecision] = []
        by_id = {order.broker_id: order for order in group}
        for decision in decisions:
            order = by_id[decision.broker_id]
            per_structure = abs(order.ratio) if order.group_id else 1.0
            signed = done * per_structure * (1 if order.quantity > 0 else -1)
            shaped.append(FillDecision(decision.broker_id, OrderStatus.PARTIALLY_FILLED, signed, decision.fill_price))
        for order in group:
            order.partial_utc = now
        return shaped

    def _apply(self, group: list[VenueOrder], decisions: list[FillDecision], now: datetime) -> None:
        """Apply a group's decisions atomically to positions, then report each one."""
        by_id = {order.broker_id: order for order in group}
        reports: list[tuple[VenueOrder, OrderStatus, float, float, str]] = []
        for decision in decisions:
            order = by_id.get(decision.broker_id)
            if order is None or not order.is_open:
                continue
            if decision.status == OrderStatus.INVALID:
                order.status = OrderStatus.INVALID
                reports.append((order, OrderStatus.INVALID, 0.0, 0.0, decision.message))
                continue
            if decision.status == OrderStatus.CANCELED:
                order.status = OrderStatus.CANCELED
                reports.append((order, OrderStatus.CANCELED, 0.0, 0.0, decision.message))
                continue
            if decision.status not in (OrderStatus.FILLED, OrderStatus.PARTIALLY_FILLED) or not decision.fill_quantity:
                continue
            quantity = _clamp(decision.fill_quantity, order.remaining)
            if not quantity:
                continue
            order.filled += quantity
            order.fills.append(FillRecord(now, quantity, decision.fill_price))
            done = abs(order.remaining) < 1e-9
            status = OrderStatus.FILLED if done else OrderStatus.PARTIALLY_FILLED
            if decision.status == OrderStatus.FILLED and not done:
                status = OrderStatus.PARTIALLY_FILLED
            order.status = status
            self._position_change(order.symbol, quantity, decision.fill_price)
            reports.append((order, status, quantity, decision.fill_price, decision.message))
        for order, status, quantity, price, message in reports:
            if quantity:
                self.fill_count += 1
                self.after_fill()
            self._event(order, status, now, quantity, price, message)
            if quantity and status == OrderStatus.FILLED and order.behaviour.double_report:
                # DoubleReport: the completing fill is reported again, as a new report, and
                # booked again unless only the report was repeated (booked_once).
                if order.behaviour.double_booked:
                    order.filled += quantity
                    order.fills.append(FillRecord(now, quantity, price))
                    self._position_change(order.symbol, quantity, price)
                self.fill_count += 1
                self.after_fill()
                self._event(order, status, now, quantity, price, message)

    def _position_change(self, symbol: Symbol, quantity: float, price: float) -> None:
        position = self.positions.setdefault(symbol, Position())
        self.cash -= quantity * price * multiplier_of(symbol)
        new_quantity = position.quantity + quantity
        if position.quantity == 0 or (position.quantity > 0) != (new_quantity > 0) and new_quantity != 0:
            position.average_price = price
        elif abs(new_quantity) > abs(position.quantity):
            total = position.quantity * position.average_price + quantity * price
            position.average_price = total / new_quantity
        position.quantity = new_quantity
        if abs(position.quantity) < 1e-9:
            del self.positions[symbol]

    # --- expiry -----------------------------------------------------------------------------------

    def cancel_expired(self, symbol: Symbol, now: datetime) -> None:
        """Cancel the open orders of a contract that expired (with the rest of their combos)."""
        for order in self.open_orders():
            if order.is_open and order.symbol == symbol:
                for leg in self.group_of(order):
                    if leg.is_open:
                        leg.status = OrderStatus.CANCELED
                        self._event(leg, OrderStatus.CANCELED, now, message="Option expired")

    def exercise(self, order: VenueOrder, fills: list[ExerciseFill], now: datetime) -> None:
        """Book an option exercise, assignment or expiry (an OptionExerciseOrder filled by the option
        exercise model): every fill moves its position at its price, a cash settlement pays its cash,
        then each fill is reported FILLED on the one order."""
        self.orders[order.broker_id] = order
        order.status = OrderStatus.FILLED
        for fill in fills:
            if fill.symbol == order.symbol:
                order.filled += fill.quantity
                order.fills.append(FillRecord(now, fill.quantity, fill.price))
            self._position_change(fill.symbol, fill.quantity, fill.price)
            self.cash += fill.settled_cash
        for fill in fills:
            self.fill_count += 1
            self.after_fill()
            event = BrokerEvent(next(self._event_seq), order.broker_id, OrderStatus.FILLED, now, fill.quantity,
                                fill.price, fill.message, fill.symbol, fill.is_assignment, fill.settled_cash,
                                fill.is_in_the_money)
            self._emit(event, order.behaviour)

    def _event(
        self,
        order: VenueOrder,
        status: OrderStatus,
        now: datetime,
        fill_quantity: float = 0.0,
        fill_price: float = 0.0,
        message: str = "",
    ) -> None:
        event = BrokerEvent(next(self._event_seq), order.broker_id, status, now, fill_quantity, fill_price, message)
        self._emit(event, order.behaviour)


def _clamp(quantity: float, remaining: float) -> float:
    """Never fill more than remains, nor in the wrong direction."""
    if remaining == 0 or (quantity > 0) != (remaining > 0):
        return 0.0
    return quantity if abs(quantity) <= abs(remaining) else remaining
