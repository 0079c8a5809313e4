"""EnhancedAtomicOrderExecutor: multi-leg groups that fill completely or return to flat.

The executor is event driven and never waits. For each group it writes the intent to the
ObjectStore (forced to disk) before the first order, then repeatedly asks `decisions.next_actions`
what to do, records the step on the group, saves the record, and only then calls LEAN (what must be
written when is the journal's, atomic/journal.py). Events come back through `on_order_event`;
timeouts through `check_timeouts`, called from a scheduled event. After a (re)start, recovery's plan
(recovery/plan.py, pure) is carried out by `check_and_recover_incomplete_orders`. A FILLED group is
closed on request (`close_group`, `close_all`) through the same machinery, as an unwind to flat.
Held to expiry, LEAN's own exercise orders are shared out to the groups holding the contracts, which
end EXPIRED or ASSIGNED; an assigned underlying is flattened at the next open as the group's exit.

One re-entrant lock guards all state: in live mode events arrive on LEAN's brokerage threads and
scheduled events on its real-time thread. In a backtest LEAN delivers an order's events *inside*
`market_order()`, on the same thread, before the ticket is returned: such nested events are
recorded at once (correlated by tag) and acted on when the outer call resumes.

A live event can also be lost on its way (a dropped connection, a failed handler): `check_timeouts`
compares open groups with LEAN's own order records and applies what was missed. A fill the group
could not have had (a broker's double report) is counted as it is, and holds the group for the
operator.

Lock order: the executor's lock, then LEAN's, never the other way. The executor holds its lock
while it calls into LEAN (orders, `ticket.cancel()`, ObjectStore). LEAN's HandleOrderEvents
(Engine/TransactionHandlers/BrokerageTransactionHandler.cs) updates orders, tickets and portfolio
under `_lockHandleOrderEvent`, releases it, and only then calls `on_order_event`, so a brokerage
thread waiting here for the executor's lock holds none of LEAN's, and the call it waits behind
never waits for that thread: orders are sent with `asynchronous=True`, and `cancel()` tells
CancelPending on the calling thread (a nested event, as above) and returns without waiting for the
brokerage. A synchronous market order would wait on the ticket's OrderClosed handle, set under
LEAN's lock before the callback (Common/Orders/OrderTicket.cs `AddOrderEvent`): not a deadlock, but
a brokerage thread stuck here on an earlier event could not report that fill, so the wait would run
to `market_order_fill_timeout` with this lock held. Callbacks (`on_complete`, listeners) run under
the lock: they must never wait for another thread (a synchronous order does).
"""

from __future__ import annotations

import dataclasses
import threading
import uuid
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import date, datetime
from typing import TYPE_CHECKING

from atomic import registry
from atomic.contract import Contract
from atomic.decisions import (
    Action,
    CancelOrder,
    ChangeStatus,
    ChooseTarget,
    MovePrice,
    PlaceCombo,
    PlaceOrder,
    closable,
    close_snapshot,
    flatten_due,
    leading_sends,
    missed_events,
    next_actions,
    reconcile_due,
    reconcile_first,
    refused_orders,
    netted_out,
    share_out,
    start_close,
    start_flatten,
    start_rollback,
    uncovered_close,
    walk_due,
)
from atomic.errors import ArchivePackError, InvalidGroupError, PersistenceError
from atomic.journal import Journal
from atomic.margin import estimated_margin
from atomic.model import (
    EXPIRABLE,
    SETTLED,
    TERMINAL,
    CancelRefused,
    CancelRequested,
    ExpiryFill,
    ExpiryKind,
    Group,
    GroupEvent,
    GroupStatus,
    HoldChanged,
    Leg,
    Note,
    OrderHeldBack,
    OrderIdentified,
    OrderRecord,
    OrderSent,
    OrderState,
    OrderUpdate,
    PriceMoved,
    PricingChosen,
    SessionEnded,
    StatusChanged,
    TargetChosen,
)
from atomic.persistence import GroupStore, HeldMarker, RecordError
from atomic.ports import Ports
from atomic.pricing import Limit, Market, Pricing, Quote, Walk, as_pricing
from atomic.tags import OrderTag, Role
from atomic.structures import IRON_CONDOR, PUT_SPREAD, STRANGLE, StructureSpec
from atomic.validation import validate_legs, validate_structure_quantity
from atomic.views import GroupView, view_of
from config import AtomicConfig
from recovery.plan import (
    BrokerageSnapshot,
    GroupStep,
    RecoveryPlan,
    audit_losses,
    claims_since,
    missing_held,
    orphan_text,
    plan_recovery,
    unrecognized_text,
)
from recovery.expiry import expired_while_down
from recovery.report import RecoveryReport

if TYPE_CHECKING:
    from AlgorithmImports import QCAlgorithm

Callback = Callable[["GroupResult"], None]
# Actions one drive may take before it stops and logs: every action records a change, so only a
# bug can loop; a guard keeps such a bug from hanging the algorithm thread.
_MAX_ACTIONS_PER_DRIVE = 200
# The event id of a netted leg's expiry record (no LEAN order or event exists for it: ids 0 and -1).
_NETTED_EVENT = -1


class GroupResult:
    """The caller's handle on a group. `status` follows the group as it changes.

    FILLED means the group is settled holding whole structures. Under the "trim" policy that can be
    fewer than asked (`trimmed`); `bool(result)` is True only for a group that holds all it asked.
    Trimming stays a FILLED status, not a state of its own: the state table and the stored records
    stay as they are, and callers who must tell the two apart ask `trimmed`."""

    def __init__(self, executor: EnhancedAtomicOrderExecutor, group_id: str) -> None:
        self._executor = executor
        self.group_id = group_id
        self._last: GroupView | None = None  # what it last was, once the executor forgets it

    @property
    def status(self) -> GroupStatus:
        return self.view.status

    @property
    def view(self) -> GroupView:
        view = self._executor.get_group(self.group_id) or self._last
        if view is None:
            raise KeyError(self.group_id)
        if view.status in TERMINAL:  # final: a rejected group is never archived, keep it here
            self._last = view
        return view

    @property
    def reason(self) -> str:
        return self.view.reason

    @property
    def trimmed(self) -> bool:
        """FILLED with fewer structures than asked: the excess of unequal fills was reversed."""
        view = self.view
        return view.status is GroupStatus.FILLED and not view.complete

    def __bool__(self) -> bool:
        """True only when every leg is completely filled (a trimmed group is FILLED but False)."""
        view = self.view
        return view.status is GroupStatus.FILLED and view.complete

    def __repr__(self) -> str:
        return f"GroupResult({self.group_id}, {self.status.value})"


class EnhancedAtomicOrderExecutor:
    """Places multi-leg groups all-or-nothing for a LEAN algorithm.

    Parameters
    ----------
    algorithm:
        The running QCAlgorithm. It must forward every order event to `on_order_event`, call
        `check_timeouts` periodically, and run `check_and_recover_incomplete_orders` once from
        `on_warmup_finished`: until then new groups are refused.
    config:
        Knobs (config.py); defaults when None.
    ports:
        The host, as narrow ports (atomic.ports); wired over `algorithm` by atomic.compose when
        None. Tests pass in-memory fakes, and then `algorithm` may be None.
    """

    def __init__(self, algorithm: QCAlgorithm | None, config: AtomicConfig | None = None, ports: Ports | None = None) -> None:
        self.config = config or AtomicConfig()
        if ports is None:
            if algorithm is None:
                raise TypeError("EnhancedAtomicOrderExecutor needs a QCAlgorithm or its ports")
            from atomic.compose import lean_ports  # the LEAN shell, imported only when LEAN is there

            ports = lean_ports(algorithm, self.config.alert_email)
        self.ports = ports
        # Backtests and live share the lean CLI's storage folder: keep their records apart, so a
        # backtest can never touch (or "recover") a live deployment's groups.
        namespace = f"{self.config.store_namespace}/{'live' if ports.live_mode else 'backtest'}"
        self.store = GroupStore(ports.store, namespace, self.config.archive_pack_size,
                                self.config.archive_pack_levels)
        self._journal = Journal(self.store)
        self._lock = threading.RLock()
        self._active: dict[str, Group] = {}
        self._history: OrderedDict[str, Group] = OrderedDict()
        self._orders: dict[int, str] = {}  # LEAN order id -> group id
        self._callbacks: dict[str, Callback] = {}
        self._listeners: list[Callback] = []
        self._touched: set[str] = set()  # groups to drive once the current call into LEAN returns
        self._depth = 0  # nesting of calls into LEAN (see _calling_lean)
        self._reconciled: dict[str, datetime] = {}  # group id -> when its orders were last compared with LEAN's
        self._halted = ""
        self._recovered = False
        # FILLED groups still holding their structures (the store's held markers): what close_all closes.
        self._holding: dict[str, HeldMarker] = {}
        self._unreadable: set[str] = set()  # held groups whose unreadable record was alerted at expiry
        self._netting_checked: date | None = None  # the algorithm date _settle_netted last looked at
        registry.executors.announce(self)  # a host (the local runner) may observe it

    # --- placing groups -----------------------------------------------------------------------

    def execute_atomic(
        self,
        legs: Sequence[tuple[object, int]],
        strategy: str = "",
        limit_price: float | None = None,
        on_complete: Callback | None = None,
        structure: StructureSpec | None = None,
        pricing: Pricing | None = None,
    ) -> GroupResult:
        """Place `legs` ((symbol, signed quantity) pairs) as one all-or-nothing group.

        With a `structure`, the legs are that structure's, in its legs' order, whole structures of
        its shape (atomic/structures.py); they are placed protective legs first. Raises
        InvalidGroupError on malformed legs before anything is placed or written. Runtime refusals
        (too many open groups, market closed, halted, buying power) return a REJECTED result with
        its reason. `pricing` is Market() (the default), Limit(net_price) or Walk(...) (atomic.pricing);
        the older `limit_price=x` still works and means Limit(x). Limit in legged mode and Walk need
        every leg's quote: a group without one is REJECTED.
        """
        with self._lock:
            contracts = []
            for index, leg in enumerate(legs):
                if not isinstance(leg, (tuple, list)) or len(leg) != 2:
                    raise InvalidGroupError(f"leg {index}: expected a (symbol, quantity) pair, got {leg!r}")
                contracts.append((self.ports.orders.describe(leg[0]), leg[1]))
            if structure is not None:
                contracts = structure.check_group(contracts)
            return self._start(contracts, strategy, as_pricing(pricing, limit_price), on_complete)

    def execute_iron_condor_atomic(
        self, short_call: object, long_call: object, short_put: object, long_put: object, quantity: int,
        strategy: str = "iron_condor", limit_price: float | None = None, on_complete: Callback | None = None,
        pricing: Pricing | None = None,
    ) -> GroupResult:
        """Sell the call and put spreads of an iron condor, `quantity` structures."""
        return self._execute_structure(IRON_CONDOR, (short_call, long_call, short_put, long_put), quantity,
                                       strategy, limit_price, on_complete, pricing)

    def execute_put_spread_atomic(
        self, short_put: object, long_put: object, quantity: int,
        strategy: str = "put_spread", limit_price: float | None = None, on_complete: Callback | None = None,
        pricing: Pricing | None = None,
    ) -> GroupResult:
        """Sell a put credit spread, `quantity` structures."""
        return self._execute_structure(PUT_SPREAD, (short_put, long_put), quantity, strategy, limit_price, on_complete,
                                       pricing)

    def execute_strangle_atomic(
        self, short_call: object, short_put: object, quantity: int,
        strategy: str = "strangle", limit_price: float | None = None, on_complete: Callback | None = None,
        pricing: Pricing | None = None,
    ) -> GroupResult:
        """Sell a strangle (naked by design), `quantity` structures."""
        return self._execute_structure(STRANGLE, (short_call, short_put), quantity, strategy, limit_price, on_complete,
                                       pricing)

    def _execute_structure(self, spec: StructureSpec, symbols: Sequence[object], quantity: int, strategy: str,
                           limit_price: float | None, on_complete: Callback | None, pricing: Pricing | None) -> GroupResult:
        count = validate_structure_quantity(quantity)
        return self.execute_atomic(spec.quantities(symbols, count), strategy, limit_price, on_complete, structure=spec,
                                   pricing=pricing)

    # --- events and time ----------------------------------------------------------------------

    def on_order_event(self, order_event: object) -> None:
        """Forward every LEAN order event here; events of other orders are ignored. LEAN's own
        exercise orders at expiry are shared out to the groups holding the contract (_on_expiry)."""
        update = self.ports.orders.translate(order_event)
        if isinstance(update, ExpiryFill):
            with self._lock:
                self._on_expiry(update)
            return
        with self._lock:
            group = self._group_for(update)
            if group is None:
                if update.tag is not None and update.fill_quantity:
                    self.ports.alerts.alert("Fill for an unknown atomic group", f"order {update.order_id} ({update.tag}) "
                                      f"filled {update.fill_quantity}: its group is no longer in memory")
                return
            self._orders.setdefault(update.order_id, group.group_id)
            if not self._apply(group, update):
                return
            if group.status in SETTLED and not self._settled_still(group):
                self._reopen(group, "fill after the group settled: " + (
                    "held for the operator" if group.held else "reversing it"))
            self._touched.add(group.group_id)
            if self._depth == 0:
                self._settle_touched()

    def check_timeouts(self) -> None:
        """Act on the algorithm clock: roll back groups past ATOMIC_ORDER_TIMEOUT, retry stale reversals.

        First, a quiet group due for it (once a minute) has its orders compared with LEAN's own
        records, and applies the events it missed (see also _drive)."""
        with self._lock:
            if self._depth:
                self._touched.update(self._active)
                return
            now = self.ports.market.now()
            for group in list(self._active.values()):
                if reconcile_due(group, now, self._reconciled.get(group.group_id)):
                    self._reconcile(group, now)
            self._settle_netted()
            self._touched.update(self._active)
            self._settle_touched(flush_lazy=True)
            self._start_flattens()

    # --- operator -----------------------------------------------------------------------------

    def rollback_group(self, group_id: str) -> GroupResult:
        """Unwind a group now (PENDING), retry a ROLLBACK_FAILED one after fixing its cause, or take
        back a held one (a held close starts its close again; a CLOSE_FAILED one is retried with
        close_group). A group with unexpected fills returns to flat: every fill is reversed as
        it really was, so holdings return to what they were before the group."""
        with self._lock:
            group = self._active.get(group_id)
            if group is None:
                raise KeyError(f"no open group {group_id}")
            reason = "operator requested rollback"
            if group.status in (GroupStatus.CLOSING, GroupStatus.CLOSE_FAILED):
                if group.held:  # a close stopped by an unexpected fill: its unwind to flat starts again
                    self._perform(group, start_close(f"{reason}: close restarted, fills reversed as filled"))
                    self._apply(group, HoldChanged(False, reason, self.ports.market.now()))
            elif group.status in (GroupStatus.PENDING, GroupStatus.ROLLBACK_FAILED) or group.held:
                action = start_rollback(group, reason, self.config)
                if group.anomalies:
                    action = ChangeStatus(GroupStatus.ROLLING_BACK, f"{reason}: unexpected fills reversed as filled", 0)
                self._perform(group, action)
                self._apply(group, HoldChanged(False, reason, self.ports.market.now()))
            self._touched.add(group_id)
            self._settle_touched()
            return GroupResult(self, group_id)

    def close_group(self, group_id: str, pricing: Pricing | None = None, reason: str = "") -> GroupResult:
        """Close the group's whole current position: every leg back to flat, through the same
        machinery as an entry (write-ahead, tags `atomic/<group>/exit/...`, retries, recovery).

        Short legs are bought back before any long is sold, so no state of the close holds a naked
        short the structure did not hold; in combo mode the close goes first as one combo order.
        `pricing` (default Market()) prices the first exit orders; its net price is what the close pays
        per structure (negative: receives). A walk that gives up, or a Limit not filled within
        UNWIND_ORDER_TIMEOUT, is cancelled and the rest of the close goes at market: a close must close.
        A FILLED group closes; a CLOSE_FAILED one is retried after its cause was fixed. The group
        may be one only the archive holds (after a restart). `reason` goes to the audit log. A halt
        does not refuse closes: a close opens nothing.

        Raises InvalidGroupError, with nothing sent or written, for a `pricing` that is no policy (or a
        priced close without the quotes it needs), an unknown group, a group held for the operator, a
        group in another status, a held group whose archived record does not read (alerted; the record
        is left as it is for the operator), or (live, alerted) a leg the brokerage holds less of than
        the group does, or holds the other way: closed by hand, or expired. A close must never open a
        reverse position."""
        policy = as_pricing(pricing)
        with self._lock:
            if not self._recovered:
                raise InvalidGroupError(f"close_group {group_id}: recovery has not run yet (call "
                                        "check_and_recover_incomplete_orders from on_warmup_finished)")
            group = self._active.get(group_id) or self._history.get(group_id)
            archived = group is None
            if archived:
                group, unreadable = self._archived(group_id)
                if unreadable:
                    self.ports.alerts.alert("Held group's record unreadable", f"{unreadable}; not closed")
                    raise InvalidGroupError(f"close_group: {unreadable}; nothing sent or written")
            if group is None:
                raise InvalidGroupError(f"close_group: no group {group_id}")
            problem = closable(group)
            if problem:
                raise InvalidGroupError(f"close_group: {problem}")
            quotes = self._quotes(group.legs[i].contract for i in range(len(group.legs)))
            problem = _unpriceable(policy, group.mode, quotes)
            if problem:
                raise InvalidGroupError(f"close_group {group_id}: {problem}")
            holdings = tuple(self.ports.account.holdings(leg.contract.key) for leg in group.legs)
            problem = uncovered_close(group, holdings) if self.ports.live_mode else ""
            if problem:
                self.ports.alerts.alert("Close refused", f"group {group_id} ({group.strategy}): {problem}; nothing sent")
                raise InvalidGroupError(f"close_group: {problem}")
            if archived:  # its LEAN order ids may be an earlier run's: a new exit order could reuse one
                self._apply(group, SessionEnded(self.ports.market.now()))
            self._history.pop(group_id, None)
            self._active[group_id] = group
            self._apply(group, PricingChosen(Role.EXIT, policy, quotes, self.ports.market.now()))
            self._perform(group, start_close(reason, close_snapshot(group, holdings)))
            self._touched.add(group_id)
            self._settle_touched()
            return GroupResult(self, group_id)

    def close_all(self, strategy: str | None = None) -> list[GroupResult]:
        """Close every FILLED group still holding its structures (of `strategy` only, when given).
        A group held for the operator is left alone (alerted): it needs a decision close_all cannot take.
        So is one whose archived record does not read, or that close_group refuses (alerted): the
        others are closed all the same."""
        with self._lock:
            if not self._recovered:
                raise InvalidGroupError("close_all: recovery has not run yet (call check_and_recover_incomplete_orders "
                                        "from on_warmup_finished)")
            results = []
            for group in self._filled_groups(strategy):
                if group.held:
                    self.ports.alerts.alert("Held group not closed", f"close_all: group {group.group_id} is held for "
                                            f"the operator ({group.anomalies}): not closed")
                    continue
                try:
                    results.append(self.close_group(group.group_id, reason=f"close_all({strategy or ''})"))
                except InvalidGroupError:
                    continue  # refused and alerted by close_group: the others still close
            return results

    def held_groups(self) -> list[GroupView]:
        """FILLED groups still holding their structures, the ones close_all would close (after a
        restart too: from the store's held markers), for exit rules to watch."""
        with self._lock:
            return [view_of(group) for group in self._filled_groups(None)]

    def _filled_groups(self, strategy: str | None) -> list[Group]:
        """FILLED groups, in memory or marked held in the store (of `strategy` only, when given); one
        whose archived record does not read is alerted and left out."""
        in_memory = [g for g in (*self._active.values(), *self._history.values()) if g.status is GroupStatus.FILLED]
        strategies = {**{m.group_id: m.strategy for m in self._holding.values()},
                      **{g.group_id: g.strategy for g in in_memory}}
        found = []
        for group_id, group_strategy in sorted(strategies.items()):
            if strategy is not None and group_strategy != strategy:
                continue
            group, unreadable = self._active.get(group_id) or self._history.get(group_id), ""
            if group is None:
                group, unreadable = self._archived(group_id)
            if group is None:
                self.ports.alerts.alert("Held group's record unreadable",
                                        f"{unreadable or f'group {group_id}: no archived record'}; not closed")
                continue
            if group.status is GroupStatus.FILLED:
                found.append(group)
        return found

    def _archived(self, group_id: str) -> tuple[Group | None, str]:
        """A group's archived record, or None and why it does not read ("" when nothing was ever
        archived under that id): torn by a crash, or altered (its checksum)."""
        try:
            group = self.store.read_archived(group_id)
        except RecordError as error:
            return None, f"group {group_id}'s archived record {self.store.archive_key(group_id)} does not read: {error}"
        key = self.store.archive_key(group_id)
        if group is None and key is not None:
            return None, f"group {group_id}'s archived record {key} does not read: no version in it reads"
        return group, ""

    def resume(self) -> None:
        """Clear a halt after a human has dealt with the ROLLBACK_FAILED, CLOSE_FAILED and held groups."""
        with self._lock:
            failed = [g.group_id for g in self._active.values()
                      if g.status in (GroupStatus.ROLLBACK_FAILED, GroupStatus.CLOSE_FAILED)]
            held = [g.group_id for g in self._active.values() if g.held]
            self.ports.alerts.log(f"executor resumed by operator (was halted: {self._halted}); still failed: {failed}; "
                            f"still held: {held}")
            self._halted = ""

    def add_listener(self, callback: Callback) -> None:
        """Call `callback(result)` whenever any group reaches a final status (for plots and reports).

        Callbacks (these and `on_complete`) run under the executor's lock, on whichever thread
        delivered the deciding event: keep them quick and never wait in them on another thread."""
        with self._lock:
            self._listeners.append(callback)

    @property
    def halted(self) -> str:
        """Why the executor refuses new groups ("" when it does not)."""
        return self._halted

    def get_group(self, group_id: str) -> GroupView | None:
        with self._lock:
            group = self._active.get(group_id) or self._history.get(group_id)
            if group is None:
                group = self.store.read_archived(group_id)
            return view_of(group) if group is not None else None

    def open_groups(self) -> list[GroupView]:
        """Groups that may still hold an unbalanced position (pending, rolling back, closing, failed)."""
        with self._lock:
            return [view_of(g) for g in self._active.values()]

    def check_and_recover_incomplete_orders(self) -> RecoveryReport:
        """Reconcile stored groups with the brokerage after a (re)start; run once from on_warmup_finished.

        Reads what the store holds and what the brokerage reports, asks recovery for a plan (pure),
        and carries it out through the executor's own machinery."""
        with self._lock:
            records = self.store.open_records()
            since = claims_since(records)
            settled, unreadable = self.store.archived_since(since) if since is not None else ([], [])
            for key, why in unreadable:
                self.ports.alerts.alert("Unreadable archive record", f"{key}: {why}; the positions of that settled group "
                                  "are not counted when inferring other groups' fills")
            keys = {leg.contract.key for r in records if r.stored is not None for leg in r.stored.group.legs}
            live = self.ports.live_mode
            markers = self._load_held(live)
            keys |= {key for marker in markers for key, _ in marker.positions}
            brokerage = BrokerageSnapshot(
                live=live,
                now=self.ports.market.now(),
                open_orders=self.ports.account.open_orders() if live else [],
                holdings={key: self.ports.account.holdings(key) for key in sorted(keys)} if live else {},
                resolvable=frozenset(key for key in keys if self.ports.orders.knows(key)),
            )
            open_ids = {r.group_id for r in records}
            held = [m for m in markers if m.group_id not in open_ids]
            expired = [m for m in held if m.expiry is not None and m.expiry < brokerage.now.date()]
            current = [m for m in held if m not in expired]
            report = self._carry_out(plan_recovery(records, settled, brokerage, self.config.emergency_flatten_mode))
            report.expired_while_down = self._settle_expired(expired, brokerage)
            # A position nobody accounts for halts: what is left of the group may be a naked short. An
            # early assignment while down is not inferred from the shares held: they may be the account's own.
            for text in missing_held(current, brokerage.holdings):
                self.ports.alerts.alert("Held group's position missing at the brokerage", f"{text}; the marker is "
                                        "kept and new groups are halted: check the brokerage's holdings (closed "
                                        "by hand? assigned early?), then resume()")
                self.halt(f"held group's position missing at the brokerage: {text}")
            report.halted = self._halted
            self._recovered = True
            return report

    def halt(self, reason: str) -> None:
        """Refuse new groups until resume() (the operator's, or the executor's own on a failure)."""
        with self._lock:
            self._halted = self._halted or reason

    # --- internals ----------------------------------------------------------------------------

    def _load_held(self, live: bool) -> list[HeldMarker]:
        """The held markers, indexed for close_all. A backtest starts from a fresh account: an
        earlier run's markers hold nothing, and are removed."""
        markers, unreadable = self.store.held_markers()
        for key, why in unreadable:
            self.ports.alerts.alert("Unreadable held marker", f"{key}: {why}; that group is not found by close_all")
        if not live:
            for marker in markers:
                self.store.release_held(marker.group_id)
            return []
        self._holding = {marker.group_id: marker for marker in markers}
        return markers

    def _settle_expired(self, markers: Sequence[HeldMarker], brokerage: BrokerageSnapshot) -> list[str]:
        """Held groups whose contracts expired while the algorithm was down: what the brokerage holds
        now (the options gone, the underlying) settles them EXPIRED or ASSIGNED (recovery/expiry.py);
        what it cannot explain, or a record that does not read, is alerted and halts new groups.
        Returns what was found."""
        groups = []
        for marker in markers:
            group, unreadable = self._archived(marker.group_id)
            if unreadable:
                self.ports.alerts.alert("Held group's record unreadable", f"{unreadable}; its contracts expired "
                                        "while the algorithm was down: outcome unknown, new groups refused until resume()")
                self.halt(f"held group {marker.group_id}'s record does not read after its expiry")
            if group is not None:
                groups.append(group)
        keys = sorted({leg.contract.key for g in groups for leg in g.legs if leg.contract.is_option})
        underlyings = {key: found for key in keys if (found := self.ports.account.underlying_of(key)) is not None}
        findings = expired_while_down(groups, brokerage.holdings, underlyings, brokerage.now)
        for group, events, text in findings.settled:
            self._take_charge(group)
            self._apply(group, Note(text, brokerage.now))
            for event in events:
                self._apply(group, event)
            self.ports.alerts.alert("Held group expired while the algorithm was down", text)
            self._touched.add(group.group_id)
        for text in findings.unresolved:
            self.ports.alerts.alert("Held group expired while the algorithm was down: outcome unknown",
                                    f"{text}; the marker is kept, new groups refused until resume()")
            self.halt("a held group expired while the algorithm was down, its outcome unknown")
        self._settle_touched()
        return [text for _, _, text in findings.settled] + findings.unresolved

    def _carry_out(self, plan: RecoveryPlan) -> RecoveryReport:
        """Carry out a recovery plan: every conclusion is recorded and saved before it is acted on."""
        report = plan.report
        for record, problem in plan.quarantine:
            where = ", ".join(self.store.quarantine(record))
            report.quarantined.append((where, problem))
            self.ports.alerts.alert("Unreadable group record quarantined", f"{', '.join(record.keys)} -> {where}: {problem}")
        for text in report.torn:
            self.ports.alerts.log(f"torn group record {text}")
        for group in plan.set_aside:
            self._apply(group, Note("set aside: left by an earlier backtest run", self.ports.market.now()))
            self.store.archive(group, self.ports.market.now())
        for step in plan.steps:
            self._recover_group(step)
        for order in plan.unrecognized:
            self.ports.alerts.alert("Unrecognised open order at recovery", f"{unrecognized_text(order)}: not matched to "
                              "any stored group; check whether it is a manual order")
        for order in plan.orphans:
            text = orphan_text(order, self.ports.orders.cancel(order.order_id))
            report.orphan_orders.append(text)
            self.ports.alerts.alert("Orphan atomic order", f"{text}; no group record: check its fills by hand")
        if plan.records_lost:
            subject, message, reason = audit_losses(plan, self.ports.account.option_holdings())
            self.ports.alerts.alert(subject, message)
            self.halt(reason)
        report.halted = self._halted
        return report

    def _recover_group(self, step: GroupStep) -> None:
        """Take charge of a stored group and do what recovery decided for it (see GroupStep). A group
        an unexpected fill held still refuses new groups, as it did before the restart."""
        group = step.group
        self._active[group.group_id] = group
        for event in step.events:
            self._apply(group, event)
            if isinstance(event, OrderIdentified):
                self._orders[event.order_id] = group.group_id
        self._journal.write(group)  # what recovery established is saved before anything acts on it
        if step.cancels:  # write-ahead, as any cancel
            self._send(group, [CancelOrder(order_id) for order_id in step.cancels])
        before = {id(o) for leg in group.legs for o in leg.orders}
        if step.release is not None:
            self._apply(group, step.release)
        for subject, message in step.alerts:
            self.ports.alerts.alert(subject, message)
        if step.status is not None:
            self._perform(group, step.status)
        if step.hold is not None:
            self._apply(group, step.hold)
            self._journal.write(group)
        if step.halt:
            self.halt(step.halt)
        if step.drives:
            self._touched.add(group.group_id)
            self._settle_touched()
        step.entry.orders_placed = [f"{o.role.value} leg {leg.index} {o.quantity:+d} {leg.contract.ticker}"
                                    for leg in group.legs for o in leg.orders if id(o) not in before]
        step.entry.final_status = group.status.value

    def _start(self, contracts: list[tuple[Contract, int]], strategy: str, pricing: Pricing,
               on_complete: Callback | None) -> GroupResult:
        validate_legs(contracts, self.config.max_atomic_group_size)
        now = self.ports.market.now()
        group = Group(
            group_id=str(uuid.uuid4()),
            strategy=strategy,
            created_at=now,
            legs=[Leg(i, c, q, self.ports.account.holdings(c.key)) for i, (c, q) in enumerate(contracts)],
            mode=self.config.execution_mode,
            limit_price=pricing.net_price if isinstance(pricing, Limit) else None,
        )
        # Quotes are read for every group, so a market entry's fills are measured against the mid too.
        quotes = self._quotes(c for c, _ in contracts)
        group.apply(PricingChosen(Role.ENTRY, pricing, quotes, now))
        result = GroupResult(self, group.group_id)
        refusal = self._refusal(contracts) or _unpriceable(pricing, group.mode, quotes)
        if refusal:
            group.apply(StatusChanged(GroupStatus.REJECTED, f"rejected: {refusal}", now))
            self.ports.alerts.log(f"group {group.group_id} ({strategy}) rejected: {refusal}")
            self._remember(group)
            self._notify(group, on_complete)
            return result
        if on_complete is not None:
            self._callbacks[group.group_id] = on_complete
        group.apply(Note(f"created: {strategy} {len(contracts)} legs x{group.structures}", now))
        self._active[group.group_id] = group
        self._journal.opened(group.group_id)
        self._touched.add(group.group_id)
        self._settle_touched()
        return result

    def _quotes(self, contracts: Iterable[Contract]) -> tuple[Quote | None, ...]:
        return tuple(self.ports.market.quote(c.key) for c in contracts)

    def _walk_quotes(self, group: Group, now: datetime) -> list[Quote] | None:
        """The legs' quotes now when a walk's step is due, which the step is priced from; None
        otherwise, or when a leg has no quote (the step is then priced from the last quotes)."""
        if not walk_due(group, now):
            return None
        quotes = self._quotes(leg.contract for leg in group.legs)
        return None if any(q is None for q in quotes) else [q for q in quotes if q is not None]

    def _refusal(self, contracts: list[tuple[Contract, int]]) -> str:
        if not self._recovered:
            return "recovery has not run yet (call check_and_recover_incomplete_orders from on_warmup_finished)"
        if self._halted:
            return f"executor halted: {self._halted}"
        in_flight = sum(1 for g in self._active.values() if g.status in (GroupStatus.PENDING, GroupStatus.ROLLING_BACK))
        if in_flight >= self.config.max_pending_groups:
            return f"{in_flight} groups already in flight (MAX_PENDING_GROUPS={self.config.max_pending_groups})"
        closed = self.ports.market.market_refusal([c.key for c, _ in contracts], self.config.market_close_buffer_minutes)
        if closed:
            return closed
        underlying = self.ports.market.underlying_price(contracts[0][0])
        if underlying is not None:
            needed = estimated_margin(contracts, underlying)
            available = self.ports.account.margin_remaining() * self.config.buying_power_usage_limit
            if needed > available:
                return f"insufficient buying power: needs ~{needed:,.0f}, {available:,.0f} usable"
        return ""

    def _group_for(self, update: OrderUpdate) -> Group | None:
        group_id = self._orders.get(update.order_id)
        if group_id is None and update.tag is not None:
            group_id = update.tag.group_id
        if group_id is None:
            return None
        return self._active.get(group_id) or self._history.get(group_id)

    def _apply(self, group: Group, event: GroupEvent) -> bool:
        known_ids, known_anomalies = _broker_id_count(group), len(group.anomalies)
        changed = group.apply(event)
        if changed:
            self._journal.changed(group.group_id, event, new_broker_ids=_broker_id_count(group) > known_ids,
                                  new_anomaly=len(group.anomalies) > known_anomalies)
        for anomaly in group.anomalies[known_anomalies:]:
            self.halt(f"group {group.group_id}: unexpected fill")
            self.ports.alerts.alert("Unexpected fill: group held", f"group {group.group_id} ({group.strategy}): {anomaly}; "
                              f"positions {[(leg.contract.ticker, leg.net_filled) for leg in group.legs]}; "
                              "no automatic action on it, new groups refused until resume(); "
                              "a broker may report a fill twice yet book it once: check the brokerage's own "
                              "holdings before calling rollback_group(), which reverses every fill LEAN counted")
        return changed

    # --- held to expiry ---------------------------------------------------------------------------

    def _on_expiry(self, fill: ExpiryFill) -> None:
        """Share one fill of LEAN's exercise order out to the groups it moved, by their net positions,
        oldest group first (deterministic, decisions.share_out); what no group accounts for is an
        anomaly. The option leg goes to the groups holding the contract (in memory, or held: read
        from the archive); the underlying delivery to the groups that await it from this order."""
        recorded = self._exercise_records(fill.order_id)
        if any(fill.event_id in o.event_ids for o in recorded):
            return  # a duplicate delivery
        shares = self._delivery_shares(fill) if fill.kind is ExpiryKind.DELIVERY else self._option_shares(fill)
        for group, share in shares:
            self._take_charge(group)
            self._apply(group, dataclasses.replace(fill, quantity=share))
            self._touched.add(group.group_id)
        left = fill.quantity - sum(share for _, share in shares)
        if left and (shares or recorded):  # some group's: its delivery is a group's too
            self.halt(f"expiry fill of order {fill.order_id} not accounted for")
            self.ports.alerts.alert("Unaccounted expiry fill", f"LEAN's exercise order {fill.order_id} moved "
                                    f"{fill.quantity:+d} {fill.contract.ticker} ({fill.message}); the atomic groups "
                                    f"holding it account for {fill.quantity - left:+d}, {left:+d} left over; "
                                    "new groups refused until resume()")
        elif left:
            self.ports.alerts.log(f"expiry: order {fill.order_id} {fill.quantity:+d} {fill.contract.ticker} "
                                  f"({fill.message}) is no atomic group's")
        self._settle_netted()
        if self._depth == 0:
            self._settle_touched()

    def _exercise_records(self, order_id: int) -> list[OrderRecord]:
        """What the groups in memory recorded of one LEAN exercise order."""
        return [o for group in self._in_memory() for leg in group.legs for o in leg.orders
                if o.role is Role.EXPIRY and o.order_id == order_id]

    def _in_memory(self) -> list[Group]:
        return [*self._active.values(), *self._history.values()]

    def _option_shares(self, fill: ExpiryFill) -> list[tuple[Group, int]]:
        key = fill.contract.key
        nets = [(g, sum(leg.net_filled for leg in g.legs if leg.contract.key == key))
                for g in self._expirable(lambda k: k == key)]
        nets = [(g, net) for g, net in nets if net]
        whole = fill.contract.expiry is not None and fill.time.date() > fill.contract.expiry
        shares = share_out(fill.quantity, [net for _, net in nets], whole)
        return [(g, share) for (g, _), share in zip(nets, shares) if share]

    def _expirable(self, wanted: Callable[[str], bool]) -> list[Group]:
        """The groups LEAN's expiry may still move (in memory, or held: read from the archive when a
        marker holds a `wanted` contract key), oldest first. A held record that does not read is left
        out, alerted once, and halts new groups: LEAN's expiry moves a position no record accounts for."""
        holders = {g.group_id: g for g in self._in_memory() if g.status in EXPIRABLE}
        for marker in self._holding.values():
            if marker.group_id not in holders and any(wanted(k) and n for k, n in marker.positions):
                archived, unreadable = self._archived(marker.group_id)
                if unreadable and marker.group_id not in self._unreadable:
                    self._unreadable.add(marker.group_id)
                    self.ports.alerts.alert("Held group's record unreadable", f"{unreadable}; its expiry cannot be "
                                            "recorded: new groups refused until resume()")
                    self.halt(f"held group {marker.group_id}'s record does not read at its expiry")
                if archived is not None and archived.status in EXPIRABLE:
                    holders[marker.group_id] = archived
        return sorted(holders.values(), key=lambda g: (g.created_at, g.group_id))

    def _settle_netted(self) -> None:
        """Once per algorithm date: the legs of expired contracts in which groups held opposite
        positions that cancelled out in the account get what LEAN never sends (decisions.netted_out):
        each goes to zero with the contract, nothing delivered, and its group settles as usual."""
        now = self.ports.market.now()
        if self._netting_checked == now.date():
            return
        self._netting_checked = now.date()
        account = self.ports.account
        groups = self._expirable(lambda key: account.holdings(key) == 0)
        legs = [(g, leg) for g in groups for leg in g.legs if leg.net_filled and not leg.is_delivery
                and leg.contract.expiry is not None and leg.contract.expiry < now.date()]
        for key in sorted({leg.contract.key for _, leg in legs}):
            holders = [(g, leg) for g, leg in legs if leg.contract.key == key]
            if not netted_out([leg.net_filled for _, leg in holders], account.holdings(key)):
                continue
            names = ", ".join(f"{g.group_id} {leg.net_filled:+d}" for g, leg in holders)
            message = f"netted out: groups {names}; the account held none, LEAN exercised nothing"
            for group, leg in holders:
                self._take_charge(group)
                self._apply(group, ExpiryFill(0, _NETTED_EVENT, ExpiryKind.NETTED, leg.contract, -leg.net_filled,
                                              0.0, now, message))
                self._touched.add(group.group_id)
            self.ports.alerts.log(f"expiry: {leg.contract.ticker} {message}")

    def _delivery_shares(self, fill: ExpiryFill) -> list[tuple[Group, int]]:
        """Every group awaiting a delivery of this exercise order takes what it awaits."""
        dues = [(g, sum(o.remaining for leg in g.legs if leg.is_delivery and leg.contract.key == fill.contract.key
                        for o in leg.orders if o.role is Role.EXPIRY and o.order_id == fill.order_id))
                for g in sorted(self._active.values(), key=lambda g: (g.created_at, g.group_id))]
        return [(g, due) for g, due in dues if due]

    def _take_charge(self, group: Group) -> None:
        """Make a held group (in memory or archived) active again, as close_group does."""
        if group.group_id in self._active:
            return
        if self._history.pop(group.group_id, None) is None:  # read from the archive: order ids of an earlier run
            self._apply(group, SessionEnded(self.ports.market.now()))
        self._active[group.group_id] = group

    def _start_flattens(self) -> None:
        """Start the flatten of every ASSIGNED group's delivered underlying whose exchange is open
        (a market order sent while it is closed would wait for the open, past any timeout)."""
        for group in [g for g in self._active.values() if flatten_due(g, self.config)]:
            keys = [leg.contract.key for leg in group.legs if leg.is_delivery and leg.net_filled]
            if self.ports.market.market_refusal(keys, 0) is None:
                self._perform(group, start_flatten(group))
                self._touched.add(group.group_id)
        self._settle_touched()

    def _reconcile(self, group: Group, now: datetime) -> None:
        """Apply the events LEAN recorded for the group's orders that never reached on_order_event."""
        self._reconciled[group.group_id] = now
        recorded = {}
        for leg in group.legs:
            for order in leg.orders:
                if order.order_id is not None:
                    recorded[order.order_id] = self.ports.orders.recorded_events(order.order_id) or []
        for event in missed_events(group, recorded):
            self._apply(group, Note(f"reconciliation: order {event.order_id} event {event.event_id} was never "
                                    "delivered; applied from LEAN's order record", now))
            self._apply(group, event)
        # A cancel LEAN accepted and the brokerage then refused leaves the order working with no
        # event saying so: the record stops waiting for it, and the rollback cancels again.
        for order in (o for leg in group.legs for o in leg.orders if o.state is OrderState.CANCEL_PENDING):
            if order.order_id is not None and (refusal := self.ports.orders.cancel_refused(order.order_id)):
                self._apply(group, CancelRefused(order.order_id, f"{refusal} (found by reconciliation)", now))

    def _settle_touched(self, flush_lazy: bool = False) -> None:
        """Drive every group that changed until each waits for events; then save what changed
        (`flush_lazy`: the changes that may wait, too)."""
        while self._touched:
            group_id = self._touched.pop()
            group = self._active.get(group_id)
            if group is not None:
                self._drive(group)
        for group_id, error in self._journal.flush(self._active, lazy=flush_lazy):
            self.ports.alerts.alert("ObjectStore write refused", f"group {group_id}: {error}")

    def _drive(self, group: Group) -> None:
        for _ in range(_MAX_ACTIONS_PER_DRIVE):
            now = self.ports.market.now()
            actions = next_actions(group, now, self.config, self._walk_quotes(group, now))
            if not actions:
                return
            if reconcile_first(actions) and self._reconciled.get(group.group_id) != now:
                self._reconcile(group, now)  # a lost event must not decide an unwind: ask again
                continue
            batch = leading_sends(actions)
            if batch:
                if not self._send(group, batch):
                    return
            else:
                self._perform(group, actions[0])
            if group.group_id not in self._active:
                return
        self.ports.alerts.alert("Atomic executor stuck", f"group {group.group_id}: no progress after {_MAX_ACTIONS_PER_DRIVE} actions")

    def _perform(self, group: Group, action: Action) -> None:
        if isinstance(action, (PlaceOrder, CancelOrder)):
            self._send(group, [action])
        elif isinstance(action, PlaceCombo):
            self._place_combo(group, action)
        elif isinstance(action, MovePrice):
            self._move_price(group, action)
        elif isinstance(action, ChooseTarget):
            self._apply(group, TargetChosen(action.structures, self.ports.market.now()))
        else:
            self._change_status(group, action)

    def _send(self, group: Group, batch: Sequence[PlaceOrder | CancelOrder]) -> bool:
        """Record the intent of every order or cancel in `batch`, save once, then send them.

        One write covers the batch (write-ahead). If LEAN refuses one of the group's orders while
        the batch goes out (in a backtest that happens inside market_order), the orders not yet
        sent are held back instead of being placed after a failure. False when the store refused
        the write: nothing was sent, and the group waits for the next check to try again."""
        now = self.ports.market.now()
        for action in batch:
            if isinstance(action, PlaceOrder):
                tag = OrderTag(group.group_id, action.role, action.leg, action.attempt)
                self._apply(group, OrderSent(action.leg, action.role, action.attempt, action.quantity, str(tag), now,
                                             action.limit_price))
            else:
                self._apply(group, CancelRequested(action.order_id, now))
        error = self._write_ahead(group)
        if error is not None:
            self._hold_back(group, batch, f"the ObjectStore refused the write-ahead record: {error}")
            self.ports.alerts.alert("ObjectStore write refused", f"group {group.group_id}: {error}; nothing sent, retrying")
            return False
        refused_before = refused_orders(group)
        for action in batch:
            if isinstance(action, CancelOrder):
                with self._calling_lean():
                    error_text = self.ports.orders.cancel(action.order_id)
                if error_text:
                    self._apply(group, CancelRefused(action.order_id, error_text, self.ports.market.now()))
                continue
            if refused_orders(group) > refused_before:
                self._hold_back(group, [action], "another order of the group was refused")
                continue
            tag = OrderTag(group.group_id, action.role, action.leg, action.attempt)
            key = group.legs[action.leg].contract.key
            try:
                with self._calling_lean():
                    if action.limit_price is None:
                        placed = self.ports.orders.place_market(key, action.quantity, str(tag))
                    else:
                        placed = self.ports.orders.place_limit(key, action.quantity, action.limit_price, str(tag))
            except Exception as error:  # LEAN refused the call itself: record it as a refused order
                self._apply(group, _closed(tag, key, OrderState.INVALID, f"submission failed: {error}", self.ports.market.now()))
                continue
            self._bind(group, action.leg, action.role, action.attempt, placed.order_id, placed.broker_ids)
        return True

    def _write_ahead(self, group: Group) -> PersistenceError | None:
        """Save the intents just recorded, forced to disk. If the group's very first write is
        refused, the group never started: it is dropped and the error raised. A later refusal is
        returned, for the caller to hold its orders back."""
        try:
            self._journal.write_ahead(group)
        except PersistenceError as error:
            if self._journal.never_written(group.group_id):
                self._forget(group)
                raise
            return error
        return None

    def _hold_back(self, group: Group, batch: Sequence[PlaceOrder | CancelOrder], reason: str) -> None:
        now = self.ports.market.now()
        for action in batch:
            if isinstance(action, PlaceOrder):
                self._apply(group, OrderHeldBack(action.leg, action.role, action.attempt, reason, now))
            else:
                self._apply(group, CancelRefused(action.order_id, reason, now))

    def _forget(self, group: Group) -> None:
        """Drop a group whose intent could not be saved (nothing was sent for it)."""
        self._journal.forget(group.group_id)
        self._touched.discard(group.group_id)
        self._active.pop(group.group_id, None)
        self._callbacks.pop(group.group_id, None)

    def _place_combo(self, group: Group, action: PlaceCombo) -> None:
        tag = OrderTag(group.group_id, action.role, None, action.attempt)
        now = self.ports.market.now()
        legs_sent = [PlaceOrder(leg.index, group.ratio(leg) * action.structures, action.role, action.attempt)
                     for leg in group.legs]
        for sent in legs_sent:
            self._apply(group, OrderSent(sent.leg, sent.role, sent.attempt, sent.quantity, str(tag), now, action.limit_price))
        error = self._write_ahead(group)  # an entry combo is the group's first order: a refusal raises
        if error is not None:  # a close's combo: held back, the close goes on legged
            self._hold_back(group, legs_sent, f"the ObjectStore refused the write-ahead record: {error}")
            self.ports.alerts.alert("ObjectStore write refused", f"group {group.group_id}: {error}; combo not sent")
            return
        # The legs that buy first (longs of an entry, shorts of a close): should the fills of one combo
        # be booked leg by leg, no moment shows a short without its protection.
        buying_first = sorted(group.legs, key=lambda leg: group.ratio(leg) * action.structures < 0)
        legs = [(leg.contract.key, group.ratio(leg)) for leg in buying_first]
        try:
            with self._calling_lean():
                placed = self.ports.orders.place_combo(legs, action.structures, action.limit_price, str(tag))
        except Exception as error:
            for leg in group.legs:
                self._apply(group, _closed(tag, leg.contract.key, OrderState.INVALID, f"combo submission failed: {error}", self.ports.market.now()))
            return
        by_key = {leg.contract.key: leg.index for leg in group.legs}
        for order in placed:
            self._bind(group, by_key[order.contract_key], action.role, action.attempt, order.order_id, order.broker_ids)

    def _move_price(self, group: Group, action: MovePrice) -> None:
        """A walk's step: recorded and written ahead, then each open priced order is moved
        (`ticket.update`). A move LEAN refuses (the order closed meanwhile, or a brokerage that
        updates no combo) leaves that order at its last price; the walk's end still bounds it."""
        now = self.ports.market.now()
        self._apply(group, PriceMoved(action.step, action.combo, action.orders, now, action.replacing, action.quotes))
        if action.replacing:  # cancelled now (written ahead, as any cancel), sent again once cancelled
            self._send(group, [CancelOrder(order_id) for order_id in action.replacing])
            return
        error = self._write_ahead(group)
        if error is not None:
            self.ports.alerts.alert("ObjectStore write refused", f"group {group.group_id}: {error}; prices not moved")
            return
        for order_id, price in action.orders:
            with self._calling_lean():
                refused = self.ports.orders.update_limit(order_id, price)
            if refused:
                self._apply(group, Note(f"walk step {action.step}: order {order_id} not moved to {price:g}: {refused}",
                                        self.ports.market.now()))
                self.ports.alerts.log(f"group {group.group_id}: order {order_id} not moved to {price:g}: {refused}")

    def _bind(self, group: Group, leg: int, role: Role, attempt: int, order_id: int, broker_ids: tuple[str, ...]) -> None:
        self._orders[order_id] = group.group_id
        self._apply(group, OrderIdentified(leg, role, attempt, order_id, broker_ids, self.ports.market.now()))

    def _change_status(self, group: Group, action: ChangeStatus) -> None:
        now = self.ports.market.now()
        self._apply(group, StatusChanged(action.status, action.reason, now, action.target_structures, action.holdings_before))
        if action.status is GroupStatus.ROLLING_BACK:
            self.ports.alerts.log(f"group {group.group_id} rolling back: {action.reason}")
        elif action.status is GroupStatus.CLOSING:
            self.ports.alerts.log(f"group {group.group_id} closing: {action.reason}")
        elif action.status in (GroupStatus.ROLLBACK_FAILED, GroupStatus.CLOSE_FAILED):
            try:
                self._journal.write(group, durable=True)  # forced to disk: the operator's evidence
            except PersistenceError as error:
                self.ports.alerts.alert("ObjectStore write refused", f"group {group.group_id}: {error}")
            what = "rollback" if action.status is GroupStatus.ROLLBACK_FAILED else "close"
            # Long options alone left (a wing nobody bids for that the brokerage will not take back):
            # at most their premium can be lost, and expiry settles them (the group then ends EXPIRED
            # or ASSIGNED). Not worth stopping the algorithm for; anything short, or delivered
            # underlying, is, until an operator has dealt with it.
            bounded = group.holds_only_longs
            if not bounded:
                self.halt(f"group {group.group_id} {action.status.value}")
            self.ports.alerts.alert(f"Atomic {what} FAILED", f"group {group.group_id} ({group.strategy}): {action.reason}; "
                              f"positions {[(leg.contract.ticker, leg.net_filled) for leg in group.legs]}; "
                              + ("long options only: held to expiry (loss bounded by the premium paid), new groups "
                                 "still accepted" if bounded else "new groups refused until resume()"))
            self._notify(group, self._callbacks.pop(group.group_id, None))
        elif action.status in (GroupStatus.EXPIRED, GroupStatus.ASSIGNED):
            self._expired(group)
        elif action.status in SETTLED:
            self._finish(group)

    def _expired(self, group: Group) -> None:
        """Report a group LEAN's expiry processing settled: a log line, an alert when delivered
        underlying is left held. One whose underlying is to be flattened stays open (saved, forced
        to disk) until its flatten is done."""
        text = f"group {group.group_id} ({group.strategy}) {group.status.value}: {group.log[-1].message}"
        if any(net for _, net in group.underlying_position) and not self.config.flatten_assigned:
            self.ports.alerts.alert("Atomic group assigned", f"{text}; left as it is (flatten_assigned is off)")
        else:
            self.ports.alerts.log(text + ("; flattened at the next open" if flatten_due(group, self.config) else ""))
        if not flatten_due(group, self.config):
            self._finish(group)
            return
        if self._holding.pop(group.group_id, None) is not None:
            self.store.release_held(group.group_id)
        try:
            self._journal.write(group, durable=True)
        except PersistenceError as error:
            self.ports.alerts.alert("ObjectStore write refused", f"group {group.group_id}: {error}")

    def _finish(self, group: Group) -> None:
        """Archive a settled group and drop it from the hot set. If the store refuses, the stale hot
        record stays: recovery would reconcile it with the brokerage and settle it again.

        A FILLED group is marked held before it leaves the hot set (a crash in between leaves both,
        and recovery settles it again); a CLOSED one loses its mark first (a crash in between leaves
        the CLOSING record, and recovery finishes the close)."""
        try:
            if group.status is GroupStatus.FILLED:
                self._holding[group.group_id] = self.store.mark_held(group)
            elif self._holding.pop(group.group_id, None) is not None:
                self.store.release_held(group.group_id)
        except PersistenceError as error:
            self.ports.alerts.alert("ObjectStore write refused", f"group {group.group_id}: held marker not saved, "
                                    f"close_all after a restart will not find it: {error}")
        try:
            self.store.archive(group, self.ports.market.now())
        except ArchivePackError as error:
            self.ports.alerts.alert("ObjectStore write refused", f"group {group.group_id} archived, its archive "
                                    f"not packed (tried again at the next archive): {error}")
        except PersistenceError as error:
            self.ports.alerts.alert("ObjectStore write refused", f"group {group.group_id} settled but not archived: {error}")
        self._journal.forget(group.group_id)
        self._reconciled.pop(group.group_id, None)
        del self._active[group.group_id]
        self._remember(group)
        self.ports.alerts.log(f"group {group.group_id} {group.status.value}")
        self._notify(group, self._callbacks.pop(group.group_id, None))

    @staticmethod
    def _goal(group: Group) -> int:
        """Structures a settled group holds: none when rolled back, the kept ones when trimmed."""
        if group.status in (GroupStatus.ROLLED_BACK, GroupStatus.CLOSED, GroupStatus.EXPIRED, GroupStatus.ASSIGNED):
            return 0
        return group.target_structures if group.target_structures is not None else group.structures

    def _settled_still(self, group: Group) -> bool:
        goal = self._goal(group)
        return all(leg.net_filled == group.ratio(leg) * goal for leg in group.legs if not leg.is_delivery)

    def _reopen(self, group: Group, reason: str) -> None:
        goal = self._goal(group)
        self._history.pop(group.group_id, None)
        self._active[group.group_id] = group
        # A closed (or expired) group is closed again; a filled or rolled-back one reverses the late fill.
        closed = (GroupStatus.CLOSED, GroupStatus.EXPIRED, GroupStatus.ASSIGNED)
        status = GroupStatus.CLOSING if group.status in closed else GroupStatus.ROLLING_BACK
        self._apply(group, StatusChanged(status, reason, self.ports.market.now(), goal))
        self.ports.alerts.alert("Late fill on a settled group", f"group {group.group_id}: {reason}")

    def _remember(self, group: Group) -> None:
        self._history[group.group_id] = group
        while len(self._history) > self.config.history_in_memory:
            _, old = self._history.popitem(last=False)
            for leg in old.legs:
                for order in leg.orders:
                    if order.order_id is not None:
                        self._orders.pop(order.order_id, None)

    def _notify(self, group: Group, callback: Callback | None) -> None:
        result = GroupResult(self, group.group_id)
        for listener in ([callback] if callback else []) + self._listeners:
            try:
                listener(result)
            except Exception as error:  # a user's callback must not corrupt the executor's state
                self.ports.alerts.alert("group callback failed", f"group {group.group_id}: {error!r}")

    @contextmanager
    def _calling_lean(self) -> Iterator[None]:
        """Mark a call into LEAN: events it delivers on this thread are recorded, acted on after."""
        self._depth += 1
        try:
            yield
        finally:
            self._depth -= 1


def _closed(tag: OrderTag, contract_key: str, state: OrderState, message: str, now: datetime) -> OrderUpdate:
    """An order that never reached LEAN (refused by the call itself, or held back), recorded as
    closed with nothing filled; it has no LEAN id."""
    return OrderUpdate(order_id=0, event_id=0, state=state, fill_quantity=0, fill_price=0.0,
                       time=now, message=message, tag=tag, contract_key=contract_key)


def _unpriceable(pricing: Pricing, mode: str, quotes: Sequence[Quote | None]) -> str:
    """Why `pricing` cannot price this group ("" when it can): a walk starts at the mid of every
    leg, and a legged Limit shares its net among the legs by their quotes."""
    if isinstance(pricing, Market) or (isinstance(pricing, Limit) and mode == "combo"):
        return ""
    missing = [i for i, quote in enumerate(quotes) if quote is None]
    if missing:
        need = "a walk starts at the net mid" if isinstance(pricing, Walk) else "a legged Limit shares its net by the legs' quotes"
        return f"no two-sided quote for leg(s) {missing}: {need}"
    return ""


def _broker_id_count(group: Group) -> int:
    return sum(len(o.broker_ids) for leg in group.legs for o in leg.orders)
