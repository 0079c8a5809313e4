"""Pure reconciliation: a stored group's truth from its record, open orders and holdings.

The record may be behind the brokerage: LEAN flushes ObjectStore writes on a timer, and an order
can fill while the algorithm is down. What the record cannot say is inferred from holdings: the
snapshot each leg took (before the group's first order, or when its latest close started), less
what the group recorded, less what other groups changed in the contract since that snapshot
(`changes_since`). Holdings are net across groups and manual trades, so an inferred fill is clamped
to what the group's own orders could have filled: recovery never attributes a whole holding to one
group, and never reverses more than the group could have done.

Other groups' records say what they traded since the snapshot, except where that is not certain:
an order working across the snapshot (its fills may be in it) makes the leg's fills unknown; their
orders still open at the restart share the unexplained holdings with the group's own, and a share
is inferred only when a single split fits (everyone filled nothing more, or everything). Otherwise
the group is held for the operator (alerted, new groups halted): guessing would decide orders on
a fill that may be another group's, and a close inferred filled sells the long wing of a short
that was never bought back.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum

from atomic.model import (
    ORDER_CLOSED,
    Group,
    GroupEvent,
    GroupStatus,
    Leg,
    OrderIdentified,
    OrderRecord,
    OrderState,
    OrderUpdate,
)
from atomic.ports import BrokerOrder
from atomic.tags import Role, parse_tag


class Decision(str, Enum):
    MARK_FILLED = "mark filled"
    ROLL_BACK_NOTHING_FILLED = "cancel, nothing filled"
    FLATTEN_PARTIAL = "flatten partial"
    HOLD_PARTIAL = "hold partial"
    CONTINUE_ROLLBACK = "continue rollback"
    HOLD_UNKNOWN = "hold: fills unknown"
    STILL_FAILED = "still rollback-failed"
    HOLD_ANOMALY = "hold: unexpected fills"
    CONTINUE_CLOSE = "continue close"
    STILL_CLOSE_FAILED = "still close-failed"
    # Settled, or being settled, by LEAN's expiry processing (an early assignment, the other legs still
    # to expire; or ASSIGNED, its delivered underlying still to flatten): kept as it is.
    KEEP_EXPIRY = "keep: expiry"

    def __str__(self) -> str:
        return self.value  # reports and logs print the words


@dataclass
class Establishment:
    """Events that bring the record up to date, and what the operator should know about them."""

    events: list[GroupEvent] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    matched: set[int] = field(default_factory=set)  # open orders recognised as this group's
    unknown: bool = False  # fills could not be established (no snapshot, or other groups' fills mixed in)


@dataclass(frozen=True)
class Others:
    """What other groups did in a contract since a group's snapshot: `change` from their records, and
    the bounds (`low`, `high`) of what their orders still open may have filled unrecorded."""

    change: int = 0
    low: int = 0
    high: int = 0


def room(record: OrderRecord, working: bool) -> int:
    """What an order may have filled beyond its record: the rest of it, less one unit while the
    brokerage still shows it working (a fully filled order is no longer open)."""
    rest = record.quantity - record.filled
    return rest - (rest > 0) + (rest < 0) if working else rest


def working(group: Group, open_orders: Sequence[BrokerOrder]) -> dict[tuple[int, int], BrokerOrder]:
    """The group's records the brokerage shows working, by (leg, position in leg.orders)."""
    return {(leg.index, position): broker for leg in group.legs for position, broker in _match_open(leg, open_orders).items()}


def changes_since(others: Sequence[Group], key: str, moment: datetime,
                  still_working: Mapping[str, Collection[tuple[int, int]]]) -> Others | None:
    """What the groups `others` did in contract `key` after `moment` (a group's snapshot), from their
    records (`still_working`: their records the brokerage shows working, by group); None when an order's fills may fall
    either side of `moment`: one working across it
    (a fill before it may be in the snapshot yet not in a record flushed later), or one that filled
    in the very instant (an order of the same instant is taken as sent after the snapshot: live, no
    fill comes back in the instant its order is sent)."""
    change = low = high = 0
    for group, leg, position, order in ((g, leg, p, o) for g in others for leg in g.legs if leg.contract.key == key
                                        for p, o in enumerate(leg.orders)):
        if order.submitted_at < moment:
            if order.is_open or (order.filled and (order.last_fill_at is None or order.last_fill_at >= moment)):
                return None  # working across the snapshot
            continue  # all before it: in the snapshot
        if order.filled and (order.last_fill_at is None or order.last_fill_at <= moment):
            return None  # filled in the snapshot's very instant: before it or after?
        change += order.filled
        rest = room(order, (leg.index, position) in still_working.get(group.group_id, ())) if order.is_open else 0
        low, high = low + min(0, rest), high + max(0, rest)
    return Others(change, low, high)


def establish(group: Group, open_orders: Sequence[BrokerOrder], holdings: Mapping[str, int],
              claimed: Mapping[str, Others | None], now: datetime) -> Establishment:
    """What really happened to `group`'s orders. `claimed` is what other groups did per contract since
    the group's snapshot (`changes_since`; None: the leg's fills cannot be told from theirs);
    `open_orders` are the open orders no newer group has matched (each order is one group's at most).

    With other groups' orders open in the same contract, holdings tell only the sum of everyone's
    unrecorded fills: a leg's share is inferred only when the sum allows one split (everyone filled
    nothing more, or everyone filled all), else its fills are unknown."""
    result = Establishment()
    for leg in group.legs:
        matched = _match_open(leg, open_orders)
        result.matched.update(b.order_id for b in matched.values())
        for position, broker in matched.items():
            record = leg.orders[position]
            result.events.append(OrderIdentified(leg.index, record.role, record.attempt, broker.order_id, broker.broker_ids, now))
        uncertain = [p for p, o in enumerate(leg.orders) if o.state not in ORDER_CLOSED]
        strangers = [b for b in open_orders if b.contract_key == leg.contract.key and b.tag is None
                     and b.order_id not in {m.order_id for m in matched.values()}]
        if strangers and any(p not in matched and not leg.orders[p].broker_ids for p in uncertain):
            # It may be this leg's order under a quantity we cannot recognise: do not call it closed.
            # (A record with broker ids is known: none of them is open, so it is closed.)
            result.unknown = True
            result.notes.append(f"leg {leg.index} ({leg.contract.ticker}): open orders of unknown origin "
                                f"{[b.order_id for b in strangers]} rest in this contract")
        if leg.holdings_before is None and not leg.orders:  # a schema-1 record: nothing to go on
            result.unknown = True
            result.notes.append(f"leg {leg.index} ({leg.contract.ticker}): no orders or holdings snapshot recorded")
        elif uncertain:
            rooms = [room(leg.orders[p], p in matched) for p in uncertain]
            low, high = sum(min(0, r) for r in rooms), sum(max(0, r) for r in rooms)
            others = claimed.get(leg.contract.key, Others())
            if leg.holdings_before is None:
                result.unknown = True
                result.notes.append(f"leg {leg.index} ({leg.contract.ticker}): no holdings snapshot, fills unknown")
                continue
            # Another group's order working across the snapshot: only orders of this leg that can have
            # filled nothing more (still working, one unit left) are certain.
            unexplained = 0 if others is None else (
                holdings.get(leg.contract.key, 0) - leg.holdings_before - leg.net_filled - others.change)
            share = (low if low == high else None) if others is None else _share(unexplained, low, high, others)
            if share is None:
                result.unknown = True
                result.notes.append(f"leg {leg.index} ({leg.contract.ticker}): " + (
                    "another group's order in this contract was working when the snapshot was taken"
                    if others is None else f"holdings differ by {unexplained}, which other groups' orders open in "
                    "this contract may share") + ": which fills are whose is unknown")
                continue
            if others is not None and share != unexplained:
                result.notes.append(f"leg {leg.index} ({leg.contract.ticker}): holdings differ by {unexplained}, "
                                    f"the group's own orders explain {share}: the rest is not the group's")
            result.events += _spread(leg, uncertain, rooms, matched, share, now)
    return result


def _share(unexplained: int, low: int, high: int, others: Others) -> int | None:
    """The leg's own unrecorded fill within its orders' bounds (`low`, `high`), from the holdings
    it does not explain; None when other groups' open orders could take another part of it."""
    if (others.low, others.high) == (0, 0) or low == high:
        return max(low, min(high, unexplained))  # the rest is manual trades: never the group's
    if unexplained <= low + others.low:
        return low
    if unexplained >= high + others.high:
        return high
    return None


def decide(group: Group, flatten: bool, unknown: bool) -> Decision:
    """What to do with a group whose record is now up to date."""
    if group.held and group.anomalies:  # its books may count a fill the broker never made: the operator's
        return Decision.HOLD_ANOMALY
    if group.status is GroupStatus.ROLLBACK_FAILED:
        return Decision.STILL_FAILED
    if group.status is GroupStatus.CLOSE_FAILED:
        return Decision.STILL_CLOSE_FAILED
    if unknown:
        return Decision.HOLD_UNKNOWN
    if group.status is GroupStatus.ROLLING_BACK:
        return Decision.CONTINUE_ROLLBACK
    if group.status is GroupStatus.CLOSING:
        return Decision.CONTINUE_CLOSE
    if group.status is GroupStatus.ASSIGNED or (group.status is GroupStatus.FILLED and group.expired_any):
        return Decision.KEEP_EXPIRY
    if group.complete:
        return Decision.MARK_FILLED
    if group.flat:
        return Decision.ROLL_BACK_NOTHING_FILLED
    return Decision.FLATTEN_PARTIAL if flatten else Decision.HOLD_PARTIAL


def orders_to_cancel(group: Group, still_open: set[int], decision: Decision) -> list[int]:
    """The group's orders (by LEAN id) that the brokerage still shows open and recovery cancels,
    whatever the record says was asked before the restart (a cancel LEAN answered may never have
    been sent). Every entry: no group resumes its entry after a restart. Every reversal (or exit) too,
    unless the rollback (close) goes on: then it is its own work (and a stale one is cancelled by it)."""
    kept = {Decision.CONTINUE_ROLLBACK: Role.ROLLBACK, Decision.CONTINUE_CLOSE: Role.EXIT}.get(decision)
    return sorted(o.order_id for leg in group.legs for o in leg.orders
                  if o.order_id is not None and o.order_id in still_open and o.role is not kept)


def owners(groups: Sequence[Group], open_orders: Sequence[BrokerOrder]) -> dict[int, str]:
    """Open orders (by LEAN id) that a stored group's record names for certain, by broker id or by
    its tag in the same run, with that group's id. Settled before any group is reconciled: groups
    created in the same instant have no newest, and one must never take the other's resting order
    for an order of unknown origin (and hold itself with fills unknown)."""
    return {broker.order_id: group.group_id for group in groups for leg in group.legs
            for broker in _identified(leg, open_orders).values()}


def _identified(leg: Leg, open_orders: Sequence[BrokerOrder]) -> dict[int, BrokerOrder]:
    """Open brokerage orders that are this leg's records by identity, keyed by the record's position
    in leg.orders: by broker id (tags do not survive a live restart), else by tag (same run)."""
    matched: dict[int, BrokerOrder] = {}
    for position, record in enumerate(leg.orders):
        if record.state in ORDER_CLOSED:
            continue
        own = parse_tag(record.tag)
        for broker in open_orders:
            if broker.contract_key == leg.contract.key and (
                    set(record.broker_ids) & set(broker.broker_ids) or (broker.tag is not None and broker.tag == own)):
                matched[position] = broker
                break
    return matched


def _match_open(leg: Leg, open_orders: Sequence[BrokerOrder]) -> dict[int, BrokerOrder]:
    """Open brokerage orders that are this leg's records: by identity (`_identified`), else, for a
    record whose broker id was never saved, an untagged order in the same contract and quantity."""
    matched = _identified(leg, open_orders)
    candidates = [b for b in open_orders if b.contract_key == leg.contract.key]
    used = {b.order_id for b in matched.values()}
    for position, record in enumerate(leg.orders):
        if record.state in ORDER_CLOSED or position in matched or record.broker_ids:
            continue
        for broker in candidates:
            if broker.tag is None and broker.order_id not in used and broker.quantity == record.quantity:
                matched[position] = broker
                used.add(broker.order_id)
                break
    return matched


def _spread(leg: Leg, uncertain: list[int], rooms: list[int], matched: Mapping[int, BrokerOrder], extra: int,
            now: datetime) -> list[GroupEvent]:
    """Assign the inferred extra fill to the leg's uncertain orders in order, each within its room;
    close the orders the brokerage no longer shows as open."""
    events: list[GroupEvent] = []
    for position, rest in zip(uncertain, rooms, strict=True):
        record = leg.orders[position]
        part = max(min(extra, rest), 0) if rest > 0 else min(max(extra, rest), 0)
        extra -= part
        broker = matched.get(position)
        tag = parse_tag(record.tag)
        if broker is not None:
            if part:
                events.append(OrderUpdate(broker.order_id, 0, OrderState.PARTIALLY_FILLED, part, 0.0, now,
                                          "fill inferred from holdings at recovery", tag, leg.contract.key,
                                          inferred=True))
            continue
        state = OrderState.FILLED if record.filled + part == record.quantity else OrderState.CANCELED
        events.append(OrderUpdate(0, 0, state, part, 0.0, now, "closed while the algorithm was down; fill inferred "
                                  "from holdings", tag, leg.contract.key, inferred=True))
    return events
