"""Recovery as a plan: what the store holds and the brokerage reports, turned into what to do.

`plan_recovery` is pure. It reads the stored records and what the brokerage reported once (holdings,
open orders, which stored contract keys name a security, the algorithm clock) and returns, per stored
group, the events that bring its record up to date and the decision taken on them (with the orders to
cancel again, the alerts, the hold or the halt), and beside them the records to quarantine or set
aside and the open orders no record claims. The executor carries the plan out through its own
machinery (write-ahead, cancels, reversals, ROLLBACK_FAILED), so a recovery that is interrupted and
run again resumes instead of reversing twice.

Runs once per start from `on_warmup_finished`, when LEAN has loaded the brokerage's holdings and
open orders.
"""

from __future__ import annotations

import copy
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from atomic.contract import Contract
from atomic.decisions import ChangeStatus
from atomic.model import Group, GroupEvent, GroupStatus, HoldChanged, SessionEnded
from atomic.persistence import HeldMarker, OpenRecord
from atomic.ports import BrokerOrder
from recovery.reconcile import Decision, Others, changes_since, decide, establish, orders_to_cancel, owners, working
from recovery.report import GroupRecovery, RecoveryReport


@dataclass(frozen=True)
class BrokerageSnapshot:
    """What the brokerage reports at recovery, read once by the shell."""

    live: bool
    now: datetime
    open_orders: Sequence[BrokerOrder]
    holdings: Mapping[str, int]  # contract key -> quantity, for every contract of a stored group
    # Contract keys of the stored groups that name a security (subscribed or not): the shell
    # resolves any well-formed key, so a key outside this set means the record itself is damaged.
    resolvable: frozenset[str]


@dataclass
class GroupStep:
    """One stored group: what recovery established and what it does, in the order it is done.

    The events are recorded and saved first; then `cancels` are asked again (write-ahead, as any
    cancel); then `release`, the alerts, and `status` (followed by driving the group) or `hold`
    (saved, and a halt) or `halt` alone."""

    group: Group
    entry: GroupRecovery
    events: list[GroupEvent]
    matched: set[int] = field(default_factory=set)  # open orders (by LEAN id) recognised as the group's
    cancels: list[int] = field(default_factory=list)
    release: HoldChanged | None = None  # an earlier run held it: this run decides afresh
    alerts: list[tuple[str, str]] = field(default_factory=list)
    status: ChangeStatus | None = None
    hold: HoldChanged | None = None
    halt: str = ""

    @property
    def drives(self) -> bool:
        """Whether the group takes the actions due once the step is done (a held one, or a failed one
        that halts, does not; a failed one holding long options alone waits for expiry to settle it)."""
        return self.hold is None and not self.halt


@dataclass
class RecoveryPlan:
    report: RecoveryReport
    steps: list[GroupStep] = field(default_factory=list)
    quarantine: list[tuple[OpenRecord, str]] = field(default_factory=list)  # (record, why it is unusable)
    set_aside: list[Group] = field(default_factory=list)  # an earlier backtest's groups: archived
    orphans: list[BrokerOrder] = field(default_factory=list)  # ours by tag, no record: cancelled
    unrecognized: list[BrokerOrder] = field(default_factory=list)  # untagged, unmatched: maybe manual
    # Live, positions and orders may be left that no record accounts for: see `audit_losses`. (A
    # backtest's fresh account holds nothing of a lost record.)
    records_lost: bool = False


def claims_since(records: Sequence[OpenRecord]) -> datetime | None:
    """From when settled groups' trades matter: the oldest snapshot of a stored group whose fills may
    have to be inferred (one with an open order); a group archived before it traded nothing after it.
    None when no group needs them: an old ROLLBACK_FAILED group with every order closed must not make
    each restart read the whole archive."""
    inferring = [r.stored.group for r in records if r.stored is not None
                 and any(o.is_open for leg in r.stored.group.legs for o in leg.orders)]
    return min((g.holdings_taken_at for g in inferring), default=None)


def plan_recovery(records: Sequence[OpenRecord], settled: Sequence[Group], brokerage: BrokerageSnapshot,
                  flatten: bool) -> RecoveryPlan:
    """The plan for the stored `records`, given the groups `settled` since `claims_since(records)`
    and the brokerage's report. `flatten` is EMERGENCY_FLATTEN_MODE: a partial fill is unwound, else held."""
    plan = RecoveryPlan(RecoveryReport())
    groups = _load(records, brokerage, plan)
    if not brokerage.live:
        plan.set_aside = groups  # a backtest starts from a fresh account: these are not its positions
        plan.report.set_aside = [g.group_id for g in groups]
        return plan
    taken: set[int] = set()  # open orders already recognised as a newer group's
    owner = owners(groups, brokerage.open_orders)
    # A group closing now was archived once FILLED: its open record alone counts (even quarantined:
    # its stale archive would count a position the close has changed).
    open_ids = {r.group_id for r in records}
    everyone = [*groups, *(g for g in settled if g.group_id not in open_ids)]
    # Newest snapshot first, for the untagged open orders matched by quantity alone. Matched before
    # any group is established: what the brokerage shows working bounds what others may have filled.
    ordered = sorted(groups, key=lambda g: g.holdings_taken_at, reverse=True)
    offered: dict[str, list[BrokerOrder]] = {}
    still_working: dict[str, set[tuple[int, int]]] = {}
    for group in ordered:
        offered[group.group_id] = [o for o in brokerage.open_orders
                                   if o.order_id not in taken and owner.get(o.order_id, group.group_id) == group.group_id]
        matched = working(group, offered[group.group_id])
        still_working[group.group_id] = set(matched)
        taken |= {broker.order_id for broker in matched.values()}
    for group in ordered:
        others = [g for g in everyone if g is not group]
        claimed = {leg.contract.key: changes_since(others, leg.contract.key, group.holdings_taken_at, still_working)
                   for leg in group.legs}
        step = _step(group, offered[group.group_id], brokerage, claimed, flatten)
        plan.steps.append(step)
        plan.report.groups.append(step.entry)
    # After the restart a group knows only the ids recovery matched (SessionEnded voids the others).
    named = {order_id for step in plan.steps for order_id in step.matched}
    known = {g.group_id for g in groups}
    for order in brokerage.open_orders:
        if order.order_id in named:
            continue
        if order.tag is None:
            plan.unrecognized.append(order)
        elif order.tag.group_id not in known:
            plan.orphans.append(order)
    plan.report.unrecognized_orders = [unrecognized_text(o) for o in plan.unrecognized]
    plan.records_lost = bool(plan.quarantine or plan.orphans or _traces(plan))
    return plan


def _traces(plan: RecoveryPlan) -> list[str]:
    """Untagged open orders in option contracts: maybe a lost record's. An untagged order in anything
    else (a manual stock stop: every order loses its tag at a live restart) is alerted on its own and
    halts nothing."""
    return [unrecognized_text(o) for o in plan.unrecognized if o.option]


def audit_losses(plan: RecoveryPlan, option_holdings: Sequence[tuple[Contract, int]]) -> tuple[str, str, str]:
    """When records were lost (a quarantine, an orphan order of ours, or an untagged open order in an
    option contract): the option positions no open record accounts for go into the report, and the
    alert (subject, message) and the halt reason that refuse new groups until the operator has dealt
    with them (resume()). Positions are compared with the open groups' records only: settled groups'
    positions (in the archive) are listed too, since reading a large archive would cost seconds at
    every such restart, and listing too much is the safe side."""
    report = plan.report
    option_orders = _traces(plan)
    explained: dict[str, int] = defaultdict(int)
    for step in plan.steps:
        for leg in step.group.legs:
            explained[leg.contract.key] += leg.net_filled
    for contract, quantity in option_holdings:
        if quantity != explained[contract.key]:
            report.unaccounted_positions.append(
                f"{contract.ticker} {quantity:+d} held, open group records explain {explained[contract.key]:+d}")
    lost = [where for where, _ in report.quarantined]
    found = [f"{len(what)} {name}" for what, name in ((report.quarantined, "quarantined records"),
                                                      (report.orphan_orders, "orphan atomic orders"),
                                                      (option_orders, "open option orders no record accounts for"))
             if what]
    details = [f"{name} {what}" for name, what in (("quarantined records", lost),
                                                   ("open orders no record accounts for", report.orphan_orders + option_orders),
                                                   ("option positions no open record accounts for", report.unaccounted_positions))
               if what]
    return (f"Group records lost ({', '.join(found)}): new groups halted",
            f"{'; '.join(details)}; new groups are refused until resume()",
            f"group records lost at recovery: {', '.join(found)}")


def missing_held(markers: Sequence[HeldMarker], holdings: Mapping[str, int]) -> list[str]:
    """Held groups (markers of groups with no open record) whose positions the brokerage no longer
    shows: a contract they account for that the brokerage holds none of. Holdings are net of manual
    trades and other groups, so a partial difference proves nothing; none at all is worth a look."""
    found = []
    for key in sorted({key for marker in markers for key, net in marker.positions if net}):
        if not holdings.get(key, 0):
            owners_of = [m.group_id for m in markers if any(k == key and n for k, n in m.positions)]
            found.append(f"{key}: held groups {owners_of} hold it, the brokerage holds none")
    return found


def unrecognized_text(order: BrokerOrder) -> str:
    return f"order {order.order_id} {order.contract_key} qty {order.quantity} broker {list(order.broker_ids)}"


def orphan_text(order: BrokerOrder, cancel_error: str | None) -> str:
    return f"order {order.order_id} {order.contract_key} qty {order.quantity} ({order.tag}): " + (
        f"cancel refused: {cancel_error}" if cancel_error else "cancelled")


def _load(records: Sequence[OpenRecord], brokerage: BrokerageSnapshot, plan: RecoveryPlan) -> list[Group]:
    """Every stored group, each from its newest readable version (a version torn by a crash falls
    back to the one before). A group with no readable version, or whose contract keys name no
    security, is to be quarantined, never deleted. A contract the algorithm has not subscribed (a leg
    that never reached the brokerage, before universe selection ran) is no reason: the shell resolves
    and subscribes it."""
    groups = []
    for record in records:
        problem = _unusable(record, brokerage.resolvable.__contains__)
        if problem:
            plan.quarantine.append((record, problem))
            continue
        assert record.stored is not None
        for key, why in record.unreadable:
            plan.report.torn.append(f"{key}: {why}; group {record.group_id} read from its previous version "
                                    f"(#{record.stored.seq})")
        groups.append(record.stored.group)
    return groups


def _unusable(record: OpenRecord, resolves: Callable[[str], bool]) -> str:
    """Why recovery cannot take charge of a stored group ("" when it can)."""
    if record.stored is None:
        return "no readable version: " + "; ".join(f"{key}: {why}" for key, why in record.unreadable)
    unknown = [leg.contract.ticker for leg in record.stored.group.legs
               if (leg.net_filled or leg.open_orders) and not resolves(leg.contract.key)]
    return f"contract keys that name no security: {unknown}" if unknown else ""


def _step(group: Group, available: Sequence[BrokerOrder], brokerage: BrokerageSnapshot,
          claimed: Mapping[str, Others | None], flatten: bool) -> GroupStep:
    """Establish one group's truth and decide what to do with it."""
    now = brokerage.now
    entry = GroupRecovery(group.group_id, group.strategy, _describe(group))
    # The plan works on a copy (its inputs stay as they were read); the executor records the same
    # events on the stored group itself.
    established = copy.deepcopy(group)
    established.apply(SessionEnded(now))
    found = establish(established, available, brokerage.holdings, claimed, now)
    for event in found.events:
        established.apply(event)
    step = GroupStep(group, entry, [SessionEnded(now), *found.events], found.matched)
    decision = decide(established, flatten, found.unknown)
    entry.decision = decision
    entry.found += "".join(f"; {note}" for note in found.notes)
    # Whatever the previous run asked, recovery leaves no order working behind a group it settles,
    # holds or unwinds (a rollback that goes on keeps its reversals).
    step.cancels = orders_to_cancel(established, found.matched, decision)
    if step.cancels:
        entry.found += f"; orders {step.cancels} still open at the brokerage: cancelled"
    if decision in (Decision.MARK_FILLED, Decision.ROLL_BACK_NOTHING_FILLED, Decision.FLATTEN_PARTIAL) and group.held:
        step.release = HoldChanged(False, "recovery decides afresh", now)
    if decision is Decision.MARK_FILLED:
        step.status = ChangeStatus(GroupStatus.FILLED, "recovery: every leg had filled before the restart")
    elif decision is Decision.ROLL_BACK_NOTHING_FILLED:
        step.status = ChangeStatus(GroupStatus.ROLLING_BACK, "recovery: nothing filled, cancelling", 0)
    elif decision is Decision.FLATTEN_PARTIAL:
        step.alerts.append(("Partial fill recovered", f"{group.group_id}: {_positions(established)}; flattening"))
        step.status = ChangeStatus(GroupStatus.ROLLING_BACK, "recovery: partial fill, flattening", 0)
    elif decision is Decision.HOLD_PARTIAL:
        step.alerts.append(("Partial fill recovered", f"{group.group_id}: {_positions(established)}; held for the "
                            "operator (EMERGENCY_FLATTEN_MODE is off)"))
        step.hold = HoldChanged(True, "partial fill found at recovery", now)
    elif decision is Decision.HOLD_UNKNOWN:
        step.alerts.append(("Group with unknown fills", f"{group.group_id}: {entry.found}; held for the operator"))
        step.hold = HoldChanged(True, "fills could not be established", now)
    elif decision is Decision.STILL_FAILED:
        step.alerts.append(("Atomic rollback FAILED (still)", f"{group.group_id}: {_positions(established)}"))
        if not established.holds_only_longs:  # long options alone: held to expiry, no halt (executor._change_status)
            step.halt = f"group {group.group_id} ROLLBACK_FAILED"
    elif decision is Decision.STILL_CLOSE_FAILED:
        # What remains is covered (closes buy shorts back first) but open: the operator retries close_group.
        step.alerts.append(("Atomic close FAILED (still)", f"{group.group_id}: {_positions(established)}"))
        if not established.holds_only_longs:
            step.halt = f"group {group.group_id} CLOSE_FAILED"
    elif decision is Decision.HOLD_ANOMALY:
        # Its books may hold a fill the broker never made (reported twice, booked once): only the
        # operator, having checked the brokerage's own holdings, unwinds it (rollback_group). It is
        # held already: it stays so, and keeps new groups refused.
        step.alerts.append(("Group held for unexpected fills", f"{group.group_id}: {_positions(established)}; "
                            f"{established.anomalies}; still held for the operator (no automatic action): "
                            "check the brokerage's own holdings before calling rollback_group()"))
        step.halt = f"group {group.group_id}: unexpected fill (held before the restart)"
    entry.alerts = [f"{subject}: {message}" for subject, message in step.alerts]
    if step.hold is not None:
        step.halt = f"group {group.group_id} held: {step.hold.reason}"
    return step


def _describe(group: Group) -> str:
    return f"{group.status.value}, {_positions(group)}"


def _positions(group: Group) -> str:
    return ", ".join(f"{leg.contract.ticker} {leg.net_filled:+d}/{leg.quantity:+d}" for leg in group.legs)
