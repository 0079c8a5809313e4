"""What recovery found and did, for the operator and for tests."""

from __future__ import annotations

from dataclasses import dataclass, field

from recovery.reconcile import Decision


@dataclass
class GroupRecovery:
    """One stored group: what was found, the decision, the orders placed, the alerts sent."""

    group_id: str
    strategy: str
    found: str
    decision: Decision | None = None
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
    torn: list[str] = field(default_factory=list)  # newest versions unreadable, the previous one used
    unaccounted_positions: list[str] = field(default_factory=list)  # when records were lost
    expired_while_down: list[str] = field(default_factory=list)  # held groups settled (or not) from holdings
    halted: str = ""

    @property
    def partials(self) -> list[GroupRecovery]:
        return [g for g in self.groups if g.decision in (Decision.FLATTEN_PARTIAL, Decision.HOLD_PARTIAL)]

    @property
    def clean(self) -> bool:
        """Every group was recovered from its record and nothing is left that no record accounts for."""
        return not (self.quarantined or self.orphan_orders or self.unrecognized_orders
                    or self.unaccounted_positions or self.halted)

    def __str__(self) -> str:
        lines = []
        if not self.clean:
            lines.append(f"recovery NOT CLEAN: {len(self.quarantined)} group records unreadable (quarantined), "
                         f"{len(self.orphan_orders) + len(self.unrecognized_orders)} open orders and "
                         f"{len(self.unaccounted_positions)} option positions no record accounts for"
                         + (f"; new groups halted until resume(): {self.halted}" if self.halted else ""))
        # A quarantined open record is an incomplete group too: its record is lost, not its position.
        lines.append(f"recovery: {len(self.groups) + len(self.quarantined)} incomplete groups, "
                     f"{len(self.quarantined)} quarantined, {len(self.orphan_orders)} orphan orders, "
                     f"{len(self.set_aside)} set aside")
        for g in self.groups:
            lines.append(f"  {g.group_id} ({g.strategy}): {g.found} -> {g.decision or ''} -> {g.final_status}; "
                         f"orders {g.orders_placed}")
        lines += [f"  quarantined {where}: {why}" for where, why in self.quarantined]
        lines += [f"  torn newest record {t}" for t in self.torn]
        lines += [f"  unaccounted position {p}" for p in self.unaccounted_positions]
        lines += [f"  orphan {o}" for o in self.orphan_orders]
        lines += [f"  expired while down: {e}" for e in self.expired_while_down]
        lines += [f"  unrecognised open order {o}" for o in self.unrecognized_orders]
        return "\n".join(lines)
