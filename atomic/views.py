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
                    leg.contract.expiry, _average_price(leg, Role.EXIT))
            for leg in group.legs
        ),
        log=tuple(group.log),
        held=group.held,
        anomalies=tuple(group.anomalies),
        close_reason=group.close_reason,
    )


def _average_price(leg: Leg, role: Role) -> float:
    """Average fill price of the leg's orders of `role` (0 when none filled)."""
    orders = [o for o in leg.orders if o.role is role and o.filled]
    filled = sum(o.filled for o in orders)
    return sum(o.fill_value for o in orders) / filled if filled else 0.0
