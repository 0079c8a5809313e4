"""Recovery run: read the stored groups, reconcile each with the brokerage, make it safe, report.

Runs once per start from `on_warmup_finished`, when LEAN has loaded the brokerage's holdings and
open orders. Every conclusion is recorded and saved before it is acted on, and every action goes
through the executor's own machinery (cancels, reversals, retries, ROLLBACK_FAILED), so a recovery
that is interrupted and run again resumes instead of reversing twice.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import TYPE_CHECKING

from atomic.decisions import ChangeStatus
from atomic.model import Group, GroupStatus, HoldChanged, SessionEnded
from atomic.persistence import OpenRecord
from atomic.ports import BrokerOrder
from recovery.reconcile import Decision, decide, establish, orders_to_cancel, owners
from recovery.report import GroupRecovery, RecoveryReport

if TYPE_CHECKING:
    from atomic.executor import EnhancedAtomicOrderExecutor


def recover(executor: EnhancedAtomicOrderExecutor) -> RecoveryReport:
    broker = executor.broker
    report = RecoveryReport()
    groups = _load(executor, report)
    if not broker.live_mode:
        for group in groups:  # a backtest starts from a fresh account: these are not its positions
            executor.set_aside(group, "left by an earlier backtest run")
            report.set_aside.append(group.group_id)
        return report
    now = broker.now()
    open_orders = broker.open_orders()
    holdings = {leg.contract.key: broker.holdings(leg.contract.key) for g in groups for leg in g.legs}
    claimed: dict[str, int] = defaultdict(int)
    taken: set[int] = set()  # open orders already recognised as a newer group's
    owner = owners(groups, open_orders)
    # Newest first (see reconcile): a group's unexplained holdings exclude what every newer group,
    # still open or settled since, accounts for.
    # Only groups whose fills must be inferred need the others' claims: an old ROLLBACK_FAILED group
    # with every order closed must not make each restart read the whole archive.
    inferring = [g for g in groups if any(o.is_open for leg in g.legs for o in leg.orders)]
    settled, unreadable = executor.store.archived_since(min(g.created_at for g in inferring)) if inferring else ([], [])
    for key, why in unreadable:
        executor.broker.alert("Unreadable archive record", f"{key}: {why}; the positions of that settled group are "
                              "not counted when inferring other groups' fills")
    recovered = {id(g) for g in groups}
    for group in sorted(groups + settled, key=lambda g: g.created_at, reverse=True):
        if id(group) not in recovered:
            for leg in group.legs:
                claimed[leg.contract.key] += leg.net_filled
            continue
        entry = GroupRecovery(group.group_id, group.strategy, _describe(group))
        report.groups.append(entry)
        executor.adopt(group)
        executor.record(group, SessionEnded(now))
        available = [o for o in open_orders
                     if o.order_id not in taken and owner.get(o.order_id, group.group_id) == group.group_id]
        found = establish(group, available, holdings, claimed, now)
        taken |= found.matched
        executor.record(group, *found.events)
        for key, net in found.net.items():
            claimed[key] += net
        decision = decide(group, executor.config.emergency_flatten_mode, found.unknown)
        entry.decision = decision.value
        entry.found += "".join(f"; {note}" for note in found.notes)
        # Whatever the previous run asked, recovery leaves no order working behind a group it
        # settles, holds or unwinds (a rollback that goes on keeps its reversals).
        cancels = orders_to_cancel(group, found.matched, decision)
        if cancels:
            entry.found += f"; orders {cancels} still open at the brokerage: cancelled"
            executor.cancel_open(group, cancels)
        before = {id(o) for leg in group.legs for o in leg.orders}
        _carry_out(executor, group, decision, entry)
        entry.orders_placed = [f"{o.role.value} leg {leg.index} {o.quantity:+d} {leg.contract.ticker}"
                               for leg in group.legs for o in leg.orders if id(o) not in before]
        entry.final_status = group.status.value
    matched = {o.order_id for g in groups for leg in g.legs for o in leg.orders if o.order_id is not None}
    traces = _cancel_orphans(executor, {g.group_id for g in groups}, [o for o in open_orders if o.order_id not in matched],
                             report)
    _account_for_losses(executor, groups, report, traces)
    report.halted = executor.halted
    return report


def _load(executor: EnhancedAtomicOrderExecutor, report: RecoveryReport) -> list[Group]:
    """Every stored group, each from its newest readable version (a version torn by a crash falls
    back to the one before). A group with no readable version, or holding contracts the algorithm
    does not know, is quarantined, never deleted."""
    groups = []
    for record in executor.store.open_records():
        problem = _unusable(executor, record)
        if problem:
            where = ", ".join(executor.store.quarantine(record))
            report.quarantined.append((where, problem))
            executor.broker.alert("Unreadable group record quarantined",
                                  f"{', '.join(record.keys)} -> {where}: {problem}")
            continue
        assert record.stored is not None
        for key, why in record.unreadable:
            text = f"{key}: {why}; group {record.group_id} read from its previous version (#{record.stored.seq})"
            report.torn.append(text)
            executor.broker.log(f"torn group record {text}")
        groups.append(record.stored.group)
    return groups


def _unusable(executor: EnhancedAtomicOrderExecutor, record: OpenRecord) -> str:
    """Why recovery cannot take charge of a stored group ("" when it can)."""
    if record.stored is None:
        return "no readable version: " + "; ".join(f"{key}: {why}" for key, why in record.unreadable)
    unknown = [leg.contract.ticker for leg in record.stored.group.legs
               if (leg.net_filled or leg.open_orders) and not executor.broker.knows(leg.contract.key)]
    return f"holds contracts the algorithm does not know: {unknown}" if unknown else ""


def _account_for_losses(executor: EnhancedAtomicOrderExecutor, groups: list[Group], report: RecoveryReport,
                        option_orders: list[str]) -> None:
    """A group whose record is lost (quarantined, or deleted while its orders still work) leaves
    positions and orders that no record accounts for. Name them, and refuse new groups until the
    operator has dealt with them (resume()). The trace of a lost record: a quarantine, an orphan
    order of ours, or an untagged open order in an option contract (`option_orders`); an untagged
    order in anything else (a manual stock stop: every order loses its tag at a live restart) was
    alerted on its own and halts nothing. Positions are compared with the open groups' records
    only: settled groups' positions (in the archive) are listed too, since reading a large archive
    would cost seconds at every such restart, and listing too much is the safe side."""
    found = [f"{len(what)} {name}" for what, name in ((report.quarantined, "quarantined records"),
                                                      (report.orphan_orders, "orphan atomic orders"),
                                                      (option_orders, "open option orders no record accounts for"))
             if what]
    if not found:
        return
    explained: dict[str, int] = defaultdict(int)
    for group in groups:
        for leg in group.legs:
            explained[leg.contract.key] += leg.net_filled
    for contract, quantity in executor.broker.option_holdings():
        if quantity != explained[contract.key]:
            report.unaccounted_positions.append(
                f"{contract.ticker} {quantity:+d} held, open group records explain {explained[contract.key]:+d}")
    lost = [where for where, _ in report.quarantined]
    details = [f"{name} {what}" for name, what in (("quarantined records", lost),
                                                   ("open orders no record accounts for", report.orphan_orders + option_orders),
                                                   ("option positions no open record accounts for", report.unaccounted_positions))
               if what]
    executor.broker.alert(f"Group records lost ({', '.join(found)}): new groups halted",
                          f"{'; '.join(details)}; new groups are refused until resume()")
    executor.halt(f"group records lost at recovery: {', '.join(found)}")


def _carry_out(executor: EnhancedAtomicOrderExecutor, group: Group, decision: Decision, entry: GroupRecovery) -> None:
    def alert(subject: str, message: str) -> None:
        executor.broker.alert(subject, message)
        entry.alerts.append(f"{subject}: {message}")

    if group.held and group.anomalies:
        # Its books may hold a fill the broker never made (reported twice, booked once): only the
        # operator, having checked the brokerage's own holdings, unwinds it (rollback_group).
        alert("Group held for unexpected fills", f"{group.group_id}: {_positions(group)}; {group.anomalies}; "
              "still held for the operator (no automatic action): check the brokerage's own holdings "
              "before calling rollback_group()")
        return
    if group.held and decision in (Decision.MARK_FILLED, Decision.ROLL_BACK_NOTHING_FILLED, Decision.FLATTEN_PARTIAL):
        # An earlier recovery held it (partial fill, or fills unknown); this run decides afresh.
        executor.record(group, HoldChanged(False, f"recovery: {decision.value}", executor.broker.now()))
    if decision is Decision.MARK_FILLED:
        executor.act(group, ChangeStatus(GroupStatus.FILLED, "recovery: every leg had filled before the restart"))
    elif decision is Decision.ROLL_BACK_NOTHING_FILLED:
        executor.act(group, ChangeStatus(GroupStatus.ROLLING_BACK, "recovery: nothing filled, cancelling", 0))
    elif decision is Decision.FLATTEN_PARTIAL:
        alert("Partial fill recovered", f"{group.group_id}: {_positions(group)}; flattening")
        executor.act(group, ChangeStatus(GroupStatus.ROLLING_BACK, "recovery: partial fill, flattening", 0))
    elif decision is Decision.HOLD_PARTIAL:
        alert("Partial fill recovered", f"{group.group_id}: {_positions(group)}; held for the operator "
              "(EMERGENCY_FLATTEN_MODE is off)")
        executor.hold(group, "partial fill found at recovery")
    elif decision is Decision.HOLD_UNKNOWN:
        alert("Group with unknown fills", f"{group.group_id}: {entry.found}; held for the operator")
        executor.hold(group, "fills could not be established")
    elif decision is Decision.STILL_FAILED:
        alert("Atomic rollback FAILED (still)", f"{group.group_id}: {_positions(group)}")
        executor.halt(f"group {group.group_id} ROLLBACK_FAILED")
    else:
        executor.drive(group.group_id)


def _cancel_orphans(executor: EnhancedAtomicOrderExecutor, known: set[str], unmatched: Sequence[BrokerOrder],
                    report: RecoveryReport) -> list[str]:
    """Open orders no stored group claims. Ours by tag (same run) whose record is gone are
    cancelled; untagged ones (a live restart drops tags) may be manual: reported, never cancelled on
    a guess. Returns the untagged ones in option contracts (maybe a lost record's)."""
    options = []
    for order in unmatched:
        if order.tag is None:
            text = f"order {order.order_id} {order.contract_key} qty {order.quantity} broker {list(order.broker_ids)}"
            report.unrecognized_orders.append(text)
            if order.option:
                options.append(text)
            executor.broker.alert("Unrecognised open order at recovery", f"{text}: not matched to any stored group; "
                                  "check whether it is a manual order")
            continue
        if order.tag.group_id in known:
            continue
        error = executor.broker.cancel(order.order_id)
        text = f"order {order.order_id} {order.contract_key} qty {order.quantity} ({order.tag}): " + (
            f"cancel refused: {error}" if error else "cancelled")
        report.orphan_orders.append(text)
        executor.broker.alert("Orphan atomic order", f"{text}; no group record: check its fills by hand")
    return options


def _describe(group: Group) -> str:
    return f"{group.status.value}, {_positions(group)}"


def _positions(group: Group) -> str:
    return ", ".join(f"{leg.contract.ticker} {leg.net_filled:+d}/{leg.quantity:+d}" for leg in group.legs)
