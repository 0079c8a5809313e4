"""Read-only snapshots of groups for callers: they never alias the executor's live state."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from atomic.model import Group, GroupStatus, Leg, LogEntry
from atomic.tags import Role


@dataclass(frozen=True)
class LegView:
    index: int
    symbol: str  # readable ticker (LEAN symbol.value)
    contract_key: str  # LEAN SecurityIdentifier string
    quantity: int
    filled: int  # what the group holds now: entry fills less reversals
    entry_filled: int
    entry_price: float  # average fill price of the entry orders (0 when nothing filled)
    holdings_before: int | None
    open_orders: int
    expired: int = 0  # what LEAN's expiry processing took (exercised, assigned or worthless): filled - expired held before
    expiry: date | None = None  # the contract's expiry (None for a share leg)
    exit_price: float = 0.0  # average fill price of the close's orders (0 when nothing filled)


@dataclass(frozen=True)
class GroupView:
    group_id: str
    strategy: str
    status: GroupStatus
    mode: str
    created_at: datetime
    submitted_at: datetime | None
    reason: str  # why it was rejected or rolled back ("" otherwise)
    structures: int
    legs: tuple[LegView, ...]
    log: tuple[LogEntry, ...]
    held: bool = False  # left for the operator: no automatic action until rollback_group()
    anomalies: tuple[str, ...] = ()  # fills the group could not have had, counted as they were
    close_reason: str = ""  # why it was closed (and why the close failed), "" when never closed
    pricing: str = "Market()"  # the current phase's policy (the entry's, or a close's)
    entry_mid: float | None = None  # the structure's net mid when the entry was submitted (positive pays)
    entry_net_price: float | None = None  # the entry's average net fill per structure (positive paid)

    @property
    def entry_concession(self) -> float | None:
        """What the entry paid per structure beyond the mid at submission (negative: better than mid)."""
        if self.entry_mid is None or self.entry_net_price is None:
            return None
        return self.entry_net_price - self.entry_mid
    # Underlying an exercise or assignment at expiry delivered, per ticker: (ticker, delivered, held now).
    # An ASSIGNED group that was flattened holds 0 of what it was delivered. `legs` are the option legs.
    underlying: tuple[tuple[str, int, int], ...] = ()
    # Dollars expiry paid the group (> 0) or took (< 0), beyond its own orders' fills: the delivered
    # underlying at the strike, a cash settlement (Group.expiry_cash). Its P&L is its fills plus this.
    expiry_cash: float = 0.0

    @property
    def complete(self) -> bool:
        return all(leg.filled == leg.quantity for leg in self.legs)

    @property
    def flat(self) -> bool:
        return all(leg.filled == 0 for leg in self.legs)


def view_of(group: Group) -> GroupView:
    return GroupView(
        group_id=group.group_id,
        strategy=group.strategy,
        status=group.status,
        mode=group.mode,
        created_at=group.created_at,
        submitted_at=group.submitted_at,
        reason=group.status_reason,
        structures=group.structures,
        legs=tuple(
            LegView(leg.index, leg.contract.ticker, leg.contract.key, leg.quantity, leg.net_filled,
                    leg.entry_filled, _average_price(leg, Role.ENTRY), leg.holdings_before, len(leg.open_orders),
                    sum(o.filled for o in leg.orders if o.role is Role.EXPIRY), leg.contract.expiry,
                    _average_price(leg, Role.EXIT))
            for leg in group.legs if not leg.is_delivery
        ),
        log=tuple(group.log),
        held=group.held,
        anomalies=tuple(group.anomalies),
        close_reason=group.close_reason,
        pricing=group.pricing.describe(),
        entry_mid=group.entry_mid,
        entry_net_price=group.entry_net_price,
        underlying=tuple((leg.contract.ticker, leg.delivered, leg.net_filled) for leg in group.legs if leg.is_delivery),
        expiry_cash=group.expiry_cash,
    )


def _average_price(leg: Leg, role: Role) -> float:
    """Average fill price of the leg's orders of `role` (0 when none filled)."""
    orders = [o for o in leg.orders if o.role is role and o.filled]
    filled = sum(o.filled for o in orders)
    return sum(o.fill_value for o in orders) / filled if filled else 0.0
