"""What recovery found and did, for the operator and for tests."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class GroupRecovery:
    """One stored group: what was found, the decision, the orders placed, the alerts sent."""

    group_id: str
    strategy: str
    found: str
    decision: str = ""
    final_status: str = ""
    orders_placed: list[str] = field(default_factory=list)
    alerts: list[str] = field(default_factory=list)


@dataclass
class RecoveryReport:
    groups: list[GroupRecovery] = field(default_factory=list)
    quarantined: list[tuple[str, str]] = field(default_factory=list)  # (where it went, why)
    orphan_orders: list[str] = field(default_factory=list)
    unrecognized_orders: list[str] = field(default_factory=list)  # untagged, unmatched: maybe manual
    set_aside: list[str] = field(default_factory=list)  # earlier backtests' groups, not this account's
    halted: str = ""

    @property
    def partials(self) -> list[GroupRecovery]:
        return [g for g in self.groups if g.decision in ("flatten partial", "hold partial")]

    def __str__(self) -> str:
        lines = [f"recovery: {len(self.groups)} incomplete groups, {len(self.quarantined)} quarantined, "
                 f"{len(self.orphan_orders)} orphan orders, {len(self.set_aside)} set aside"]
        for g in self.groups:
            lines.append(f"  {g.group_id} ({g.strategy}): {g.found} -> {g.decision} -> {g.final_status}; "
                         f"orders {g.orders_placed}")
        lines += [f"  quarantined {where}: {why}" for where, why in self.quarantined]
        lines += [f"  orphan {o}" for o in self.orphan_orders]
        lines += [f"  unrecognised open order {o}" for o in self.unrecognized_orders]
        if self.halted:
            lines.append(f"  executor halted: {self.halted}")
        return "\n".join(lines)
