"""Test kit for the functional core: contracts, groups and events with defaulted fields, an
in-memory ObjectStore, and a tiny "exchange" that turns actions into the events LEAN would send.

Nothing here imports LEAN or leansim: the modules under test are plain Python.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone

from atomic.contract import Contract
from atomic.model import (
    CancelRequested,
    Group,
    GroupStatus,
    Leg,
    OrderIdentified,
    OrderRecord,
    OrderSent,
    OrderState,
    OrderUpdate,
    StatusChanged,
)
from atomic.tags import OrderTag, Role
from config import AtomicConfig

T0 = datetime(2024, 6, 7, 14, 30, tzinfo=timezone.utc)  # a Friday, 10:30 New York
EXPIRY = date(2024, 6, 7)
UNDERLYING_PRICE = 100.0


def at(seconds: float) -> datetime:
    """T0 plus `seconds` of algorithm time."""
    return T0 + timedelta(seconds=seconds)


# --- Contracts -------------------------------------------------------------------------------------


def option(right: str, strike: float, *, expiry: date = EXPIRY, underlying: str = "SPY") -> Contract:
    """An option contract whose key looks like a LEAN SecurityIdentifier string."""
    letter = "C" if right == "call" else "P"
    key = f"{underlying} {expiry:%y%m%d}{letter}{int(strike * 1000):08d}"
    return Contract(key=key, ticker=key, underlying=underlying, right=right, strike=float(strike),  # type: ignore[arg-type]
                    expiry=expiry)


def equity(ticker: str = "SPY") -> Contract:
    return Contract(key=f"{ticker} R735QTJ8XC9X", ticker=ticker, underlying=ticker, multiplier=1)  # as LEAN's equities


def call(strike: float, **kw: object) -> Contract:
    return option("call", strike, **kw)  # type: ignore[arg-type]


def put(strike: float, **kw: object) -> Contract:
    return option("put", strike, **kw)  # type: ignore[arg-type]


# An iron condor around 100: long put 90 < short put 95 <= short call 105 < long call 110.
LP, SP, SC, LC = put(90), put(95), call(105), call(110)


# --- Groups ----------------------------------------------------------------------------------------


def group_of(
    legs: list[tuple[Contract, int]],
    *,
    group_id: str = "g1",
    strategy: str = "test",
    mode: str = "legged",
    holdings_before: int | None = 0,
    status: GroupStatus = GroupStatus.PENDING,
    created_at: datetime = T0,
    limit_price: float | None = None,
) -> Group:
    """A fresh group over (contract, signed quantity) pairs."""
    return Group(
        group_id=group_id,
        strategy=strategy,
        created_at=created_at,
        legs=[Leg(i, c, q, holdings_before) for i, (c, q) in enumerate(legs)],
        mode=mode,
        limit_price=limit_price,
        status=status,
    )


def condor(n: int = 1, **kw: object) -> Group:
    """An iron condor in the executor's leg order: long call, long put, short call, short put."""
    return group_of([(LC, n), (LP, n), (SC, -n), (SP, -n)], **kw)  # type: ignore[arg-type]


def put_spread(n: int = 1, **kw: object) -> Group:
    return group_of([(LP, n), (SP, -n)], **kw)  # type: ignore[arg-type]


def tag_of(group: Group, leg: int | None, role: Role = Role.ENTRY, attempt: int = 0) -> OrderTag:
    return OrderTag(group.group_id, role, leg, attempt)


# --- Events ----------------------------------------------------------------------------------------

_event_ids = itertools.count(1)


def update(
    order_id: int,
    state: OrderState | None,
    fill: int = 0,
    *,
    event_id: int | None = None,
    price: float = 1.0,
    time: datetime = T0,
    message: str = "",
    tag: OrderTag | None = None,
    contract_key: str = "",
    broker_ids: tuple[str, ...] = (),
) -> OrderUpdate:
    """An OrderUpdate with defaulted fields; event ids increase unless one is given."""
    return OrderUpdate(order_id, next(_event_ids) if event_id is None else event_id, state, fill, price, time,
                       message, tag, contract_key, broker_ids)


def send(group: Group, leg: int, *, quantity: int | None = None, role: Role = Role.ENTRY, attempt: int = 0,
         time: datetime = T0, order_id: int | None = None, broker_ids: tuple[str, ...] = ()) -> OrderRecord:
    """Record an order for `leg` (its whole target by default); bind `order_id` when given."""
    qty = group.legs[leg].quantity if quantity is None else quantity
    tag = str(OrderTag(group.group_id, role, leg, attempt))
    assert group.apply(OrderSent(leg, role, attempt, qty, tag, time))
    if order_id is not None:
        assert group.apply(OrderIdentified(leg, role, attempt, order_id, broker_ids, time))
    return group.legs[leg].orders[-1]


def filled_leg(group: Group, leg: int, order_id: int, quantity: int | None = None, *, time: datetime = T0) -> OrderRecord:
    """Send the leg's entry order and fill `quantity` of it (all by default)."""
    record = send(group, leg, order_id=order_id, time=time)
    qty = record.quantity if quantity is None else quantity
    state = OrderState.FILLED if qty == record.quantity else OrderState.PARTIALLY_FILLED
    group.apply(update(order_id, OrderState.SUBMITTED, time=time))
    if qty:
        group.apply(update(order_id, state, qty, time=time))
    return record


def begin_rollback(group: Group, target: int | None = 0, *, time: datetime = T0, reason: str = "test") -> None:
    group.apply(StatusChanged(GroupStatus.ROLLING_BACK, reason, time, target))


def cancel(group: Group, order_id: int, *, time: datetime = T0) -> None:
    group.apply(CancelRequested(order_id, time))
    group.apply(update(order_id, OrderState.CANCELED, time=time))


def config(**changes: object) -> AtomicConfig:
    return AtomicConfig(**changes)  # type: ignore[arg-type]


# --- An in-memory ObjectStore ----------------------------------------------------------------------


@dataclass
class MemoryStore:
    """The KeyValueStore slice of LEAN's ObjectStore, in memory. `refuse_saves` makes `save` return
    False, as LEAN's store does when it is full."""

    data: dict[str, str] = field(default_factory=dict)
    refuse_saves: bool = False
    persisted: list[str] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)
    reads: int = 0

    def save(self, key: str, text: str) -> bool:
        if self.refuse_saves:
            return False
        self.data[key] = text
        return True

    def read(self, key: str) -> str:
        self.reads += 1
        return self.data[key]

    def delete(self, key: str) -> bool:
        self.deleted.append(key)
        return self.data.pop(key, None) is not None

    def keys(self) -> list[str]:
        return list(self.data)

    def persist(self, key: str) -> None:
        self.persisted.append(key)
