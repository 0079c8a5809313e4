"""What LEAN's expiry processing did to each group of the naive loop, which keeps no record of it.

The double's own: LEAN has no counterpart.

An exercise, assignment or worthless expiry is LEAN's own OptionExerciseOrder (untagged): its option
fill at 0 (with a cash settlement's cash), then for a physically settled contract in the money the
underlying at the strike (Common/Orders/OptionExercise/DefaultExerciseModel.cs). The naive loop then
sells or buys back what was delivered with an order of its own, for no group. `share_expiries` gives
each group its part of those fills, by what it held (atomic.decisions.share_out, as the atomic
executor shares them), so the report's P&L of a structure held to expiry is its true one. The atomic
executor records its groups' shares itself (GroupView.expiry_cash).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from atomic.decisions import share_out
from leansim.engine.brokerage import multiplier_of
from leansim.simulator import EventRecord


@dataclass
class ExpiryShare:
    """One group's part of the run's expiries: dollars received (> 0) or paid (< 0), fees of the
    flatten of what it was delivered, and how its position ended."""

    cash: float = 0.0
    fees: float = 0.0
    delivered: bool = False  # an exercise or assignment delivered it the underlying
    settled: bool = False  # a cash settlement paid or took cash
    expired: bool = False  # an exercise order took one of its positions


@dataclass
class _Delivery:
    """Underlying delivered to a group and not yet flattened."""

    group_id: str
    remaining: float


def share_expiries(
    held: Mapping[str, Mapping[str, int]], events: Iterable[EventRecord], exercises: frozenset[str], flatten_tag: str,
) -> dict[str, ExpiryShare]:
    """Each group's part of the exercise orders' fills (`exercises`: their broker ids) and of the
    flatten orders (tagged `flatten_tag`), in the order LEAN reported them.

    `held` is, per contract key, what each group held of it when it expired, oldest group first.
    An option fill goes to the groups holding the contract (the whole position at expiry, as LEAN
    closes it; oldest first before it); the underlying of the same order to those groups in
    proportion; a flatten's fills to the deliveries of its symbol, oldest first, each up to what it
    was delivered. What no group holds is no group's."""
    nets = {key: dict(groups) for key, groups in held.items()}
    shares: dict[str, ExpiryShare] = {}
    orders: dict[tuple[int, int], list[tuple[str, int]]] = {}  # (run, order) -> the option fill's shares
    deliveries: dict[str, list[_Delivery]] = {}
    for event in events:
        if not event.fill_quantity:
            continue
        key = str(event.symbol.id)
        if event.broker_ids and event.broker_ids[0] in exercises:
            if event.symbol.underlying is not None:
                split = _option_shares(nets.setdefault(key, {}), int(round(event.fill_quantity)))
                orders.setdefault((event.run, event.order_id), []).extend(split)
                for group_id, share in split:
                    part = shares.setdefault(group_id, ExpiryShare())
                    part.expired = True
                    part.settled = part.settled or bool(event.settled_cash)
                    part.cash += (event.settled_cash * share / event.fill_quantity
                                  - share * event.fill_price * multiplier_of(event.symbol))
            else:
                _deliver(orders.get((event.run, event.order_id), []), event, shares, deliveries.setdefault(key, []))
        elif event.tag == flatten_tag:
            _flatten(event, shares, deliveries.get(key, []))
    return shares


def _option_shares(nets: dict[str, int], quantity: int) -> list[tuple[str, int]]:
    """The groups' parts of one option fill; their nets move with it."""
    holders = [(group_id, net) for group_id, net in nets.items() if net]
    whole = quantity == -sum(net for _, net in holders)  # LEAN closes the account's whole position at expiry
    split = [(group_id, share) for (group_id, _), share in
             zip(holders, share_out(quantity, [net for _, net in holders], whole)) if share]
    for group_id, share in split:
        nets[group_id] += share
    return split


def _deliver(split: Sequence[tuple[str, int]], event: EventRecord, shares: dict[str, ExpiryShare],
             deliveries: list[_Delivery]) -> None:
    """The underlying an exercise order moved, to the groups of its option fill in proportion."""
    total = sum(share for _, share in split)
    for group_id, share in split:
        quantity = event.fill_quantity * share / total
        part = shares[group_id]
        part.delivered = True
        part.cash -= quantity * event.fill_price * multiplier_of(event.symbol)
        deliveries.append(_Delivery(group_id, quantity))


def _flatten(event: EventRecord, shares: dict[str, ExpiryShare], deliveries: list[_Delivery]) -> None:
    """A flatten order's fill, to the deliveries it reverses, oldest first; its fee in proportion."""
    left = event.fill_quantity
    for delivery in deliveries:
        if delivery.remaining * left >= 0:
            continue
        take = -delivery.remaining if abs(delivery.remaining) <= abs(left) else left
        delivery.remaining += take
        left -= take
        part = shares[delivery.group_id]
        part.cash -= take * event.fill_price * multiplier_of(event.symbol)
        part.fees += event.fee * take / event.fill_quantity
