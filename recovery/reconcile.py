"""Pure reconciliation: a stored group's truth from its record, open orders and holdings.

The record may be behind the brokerage: LEAN flushes ObjectStore writes on a timer, and an order
can fill while the algorithm is down. What the record cannot say is inferred from holdings: the
snapshot each leg took before the group's first order, less what the group recorded, less what
newer groups in the same contract account for. Holdings are net across groups and manual trades,
so an inferred fill is clamped to what the group's own orders could have filled: recovery never
attributes a whole holding to one group, and never reverses more than the group could have done.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum

from atomic.model import ORDER_CLOSED, Group, GroupEvent, GroupStatus, Leg, OrderIdentified, OrderState, OrderUpdate
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
    net: dict[str, int] = field(default_factory=dict)  # contract key -> the group's net after the events
    matched: set[int] = field(default_factory=set)  # open orders recognised as this group's
    unknown: bool = False  # fills could not be established (no holdings snapshot)


def establish(group: Group, open_orders: Sequence[BrokerOrder], holdings: Mapping[str, int],
              claimed: Mapping[str, int], now: datetime) -> Establishment:
    """What really happened to `group`'s orders. `claimed` is what newer groups account for per
    contract; `open_orders` are the open orders no newer group has matched (each order is one
    group's at most)."""
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
        extra = 0
        if leg.holdings_before is None and not leg.orders:  # a schema-1 record: nothing to go on
            result.unknown = True
            result.notes.append(f"leg {leg.index} ({leg.contract.ticker}): no orders or holdings snapshot recorded")
        elif uncertain:
            if leg.holdings_before is None:
                result.unknown = True
                result.notes.append(f"leg {leg.index} ({leg.contract.ticker}): no holdings snapshot, fills unknown")
            else:
                unexplained = holdings.get(leg.contract.key, 0) - leg.holdings_before - leg.net_filled - claimed.get(leg.contract.key, 0)
                rooms = [leg.orders[p].quantity - leg.orders[p].filled for p in uncertain]
                low, high = sum(min(0, r) for r in rooms), sum(max(0, r) for r in rooms)
                extra = max(low, min(high, unexplained))
                if extra != unexplained:
                    result.notes.append(f"leg {leg.index} ({leg.contract.ticker}): holdings differ by {unexplained}, "
                                        f"the group's own orders explain {extra}: the rest is not the group's")
                result.events += _spread(leg, uncertain, matched, extra, now)
        result.net[leg.contract.key] = leg.net_filled + extra
    return result


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


def _spread(leg: Leg, uncertain: list[int], matched: Mapping[int, BrokerOrder], extra: int,
            now: datetime) -> list[GroupEvent]:
    """Assign the inferred extra fill to the leg's uncertain orders in order, each within its room;
    close the orders the brokerage no longer shows as open."""
    events: list[GroupEvent] = []
    for position in uncertain:
        record = leg.orders[position]
        room = record.quantity - record.filled
        part = max(min(extra, room), 0) if room > 0 else min(max(extra, room), 0)
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
