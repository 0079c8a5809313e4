"""The group model: what a multi-leg group wants, what its orders did, and the only way to change it.

Every change goes through `Group.apply(event)`: it checks the transition, updates the fields, then
appends one line to the group's audit log. A group status change that is not in the table raises;
order events from the outside world that make no sense (a duplicate, a status after the order closed)
are ignored and logged instead, because brokers do send them. A fill is never ignored: LEAN applies
every fill event to the portfolio (each has a fresh id), so one that takes an order past its size or
the wrong way is counted as it is, recorded as an anomaly, and holds the group for the operator.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum
from math import gcd

from atomic.contract import Contract
from atomic.pricing import Limit, Market, Pricing, Quote, net_mid
from atomic.tags import OrderTag, Role


class GroupStatus(str, Enum):
    """Where a group stands. REJECTED groups were refused before any order was placed."""

    PENDING = "PENDING"
    FILLED = "FILLED"
    ROLLING_BACK = "ROLLING_BACK"
    ROLLED_BACK = "ROLLED_BACK"
    ROLLBACK_FAILED = "ROLLBACK_FAILED"
    REJECTED = "REJECTED"
    CLOSING = "CLOSING"
    CLOSED = "CLOSED"
    CLOSE_FAILED = "CLOSE_FAILED"
    # Held to expiry: LEAN's expiry processing took every option leg to zero. EXPIRED: nothing is
    # left (worthless, or cash-settled). ASSIGNED: an exercise or assignment delivered the underlying,
    # reported on the group (its delivery legs) and flattened at the next open when configured.
    EXPIRED = "EXPIRED"
    ASSIGNED = "ASSIGNED"


# The executor takes no further action by itself on these (a FILLED group is closed on request).
TERMINAL = frozenset({GroupStatus.FILLED, GroupStatus.ROLLED_BACK, GroupStatus.ROLLBACK_FAILED, GroupStatus.REJECTED,
                      GroupStatus.CLOSED, GroupStatus.CLOSE_FAILED, GroupStatus.EXPIRED, GroupStatus.ASSIGNED})
# These may hold an unbalanced position: they stay in the store's hot key set and recovery reads them.
# A close in progress (or failed) holds part of a structure: it is unsettled like a rollback.
UNSETTLED = frozenset({GroupStatus.PENDING, GroupStatus.ROLLING_BACK, GroupStatus.ROLLBACK_FAILED,
                       GroupStatus.CLOSING, GroupStatus.CLOSE_FAILED})
# Balanced for good (complete, or flat): archived, out of the hot key set. A CLOSED or EXPIRED group is
# flat; an ASSIGNED one holds only its delivered underlying (kept open while a flatten is due).
SETTLED = frozenset({GroupStatus.FILLED, GroupStatus.ROLLED_BACK, GroupStatus.CLOSED, GroupStatus.EXPIRED,
                     GroupStatus.ASSIGNED})
# Groups whose option legs LEAN's expiry processing may still move (held, part closed, or part
# rolled back: a long the brokerage would not take back is settled by expiry).
EXPIRABLE = frozenset({GroupStatus.FILLED, GroupStatus.CLOSING, GroupStatus.CLOSE_FAILED, GroupStatus.ROLLBACK_FAILED})
# Unwinding the group's position to a target: its reversals (ROLLBACK) or its close (EXIT).
UNWINDING = frozenset({GroupStatus.ROLLING_BACK, GroupStatus.CLOSING})

GROUP_TRANSITIONS = frozenset(
    {
        # Refused before any order was placed (see Group.apply: only a group with no orders).
        (GroupStatus.PENDING, GroupStatus.REJECTED),
        (GroupStatus.PENDING, GroupStatus.FILLED),
        (GroupStatus.PENDING, GroupStatus.ROLLING_BACK),
        (GroupStatus.ROLLING_BACK, GroupStatus.ROLLED_BACK),
        # Trim policy: the complete structures are kept once the excess has been reversed.
        (GroupStatus.ROLLING_BACK, GroupStatus.FILLED),
        (GroupStatus.ROLLING_BACK, GroupStatus.ROLLBACK_FAILED),
        # An operator retries the rollback after fixing its cause.
        (GroupStatus.ROLLBACK_FAILED, GroupStatus.ROLLING_BACK),
        # Real world: a fill reported after the group settled (a cancel that lost its race late).
        (GroupStatus.ROLLED_BACK, GroupStatus.ROLLING_BACK),
        (GroupStatus.FILLED, GroupStatus.ROLLING_BACK),
        # The operator restarts a held rollback (an unexpected fill stopped it): only a held group.
        (GroupStatus.ROLLING_BACK, GroupStatus.ROLLING_BACK),
        (GroupStatus.FILLED, GroupStatus.CLOSING),
        (GroupStatus.CLOSING, GroupStatus.CLOSED),
        (GroupStatus.CLOSING, GroupStatus.CLOSE_FAILED),
        # The operator retries the close (close_group) after fixing its cause.
        (GroupStatus.CLOSE_FAILED, GroupStatus.CLOSING),
        # Real world: a fill reported after the close settled (a cancel that lost its race late) is closed again.
        (GroupStatus.CLOSED, GroupStatus.CLOSING),
        # The operator restarts a held close (an unexpected fill stopped it): only a held group.
        (GroupStatus.CLOSING, GroupStatus.CLOSING),
        # Held to expiry, or expiry finished a close (part closed, or caught mid-close).
        (GroupStatus.FILLED, GroupStatus.EXPIRED),
        (GroupStatus.FILLED, GroupStatus.ASSIGNED),
        (GroupStatus.CLOSING, GroupStatus.EXPIRED),
        (GroupStatus.CLOSING, GroupStatus.ASSIGNED),
        (GroupStatus.CLOSE_FAILED, GroupStatus.EXPIRED),
        (GroupStatus.CLOSE_FAILED, GroupStatus.ASSIGNED),
        (GroupStatus.ROLLBACK_FAILED, GroupStatus.EXPIRED),
        (GroupStatus.ROLLBACK_FAILED, GroupStatus.ASSIGNED),
        # The delivered underlying is flattened at the next open as a close; flat, it ends ASSIGNED again.
        # Also, as after CLOSED: a late fill of an exit order is closed again.
        (GroupStatus.ASSIGNED, GroupStatus.CLOSING),
        (GroupStatus.EXPIRED, GroupStatus.CLOSING),
    }
)


class OrderState(str, Enum):
    """An order's life as the group records it (LEAN's OrderStatus, less the states we never act on)."""

    SUBMITTING = "SUBMITTING"  # asked of LEAN, no event seen yet
    SUBMITTED = "SUBMITTED"
    PARTIALLY_FILLED = "PARTIALLY_FILLED"
    # A cancel asked of LEAN and not answered yet: the order is still open and may still fill. LEAN
    # itself marks an order CancelPending when asked, and returns it to its previous status when
    # the brokerage refuses (Engine/TransactionHandlers/BrokerageTransactionHandler.cs, HandleCancelOrderRequest).
    CANCEL_PENDING = "CANCEL_PENDING"
    FILLED = "FILLED"
    CANCELED = "CANCELED"
    INVALID = "INVALID"


# The states LEAN's order events report. CANCEL_PENDING is our own request's (LEAN's echo of it changes nothing).
REPORTED_STATES = frozenset(state for state in OrderState if state is not OrderState.CANCEL_PENDING)
# LEAN's closed statuses: no further fill will come (but see the race edges below).
ORDER_CLOSED = frozenset({OrderState.FILLED, OrderState.CANCELED, OrderState.INVALID})

ORDER_TRANSITIONS = frozenset(
    {
        (OrderState.SUBMITTING, OrderState.SUBMITTED),
        (OrderState.SUBMITTING, OrderState.PARTIALLY_FILLED),
        (OrderState.SUBMITTING, OrderState.FILLED),
        (OrderState.SUBMITTING, OrderState.CANCELED),
        (OrderState.SUBMITTING, OrderState.INVALID),
        (OrderState.SUBMITTED, OrderState.PARTIALLY_FILLED),
        (OrderState.SUBMITTED, OrderState.FILLED),
        (OrderState.SUBMITTED, OrderState.CANCELED),
        # A brokerage may refuse an order it had acknowledged (live).
        (OrderState.SUBMITTED, OrderState.INVALID),
        (OrderState.PARTIALLY_FILLED, OrderState.PARTIALLY_FILLED),
        (OrderState.PARTIALLY_FILLED, OrderState.FILLED),
        (OrderState.PARTIALLY_FILLED, OrderState.CANCELED),
        # Real world: a fill reported after the cancel was confirmed. The fill stands.
        (OrderState.CANCELED, OrderState.PARTIALLY_FILLED),
        (OrderState.CANCELED, OrderState.FILLED),
        # Our cancel request (CancelRequested). LEAN's events meanwhile move the order on beneath it
        # (see OrderRecord.reported_state): an acknowledgement or a partial fill keeps it pending.
        (OrderState.SUBMITTING, OrderState.CANCEL_PENDING),
        (OrderState.SUBMITTED, OrderState.CANCEL_PENDING),
        (OrderState.PARTIALLY_FILLED, OrderState.CANCEL_PENDING),
        # The way back: LEAN refused the cancel (CancelRefused), or a restart voided it (SessionEnded).
        (OrderState.CANCEL_PENDING, OrderState.SUBMITTING),
        (OrderState.CANCEL_PENDING, OrderState.SUBMITTED),
        (OrderState.CANCEL_PENDING, OrderState.PARTIALLY_FILLED),
    }
)


@dataclass
class OrderRecord:
    """One order the group placed: an entry leg, a combo leg, or a rollback attempt."""

    role: Role
    attempt: int
    quantity: int
    tag: str
    submitted_at: datetime
    state: OrderState = OrderState.SUBMITTING
    order_id: int | None = None
    broker_ids: list[str] = field(default_factory=list)
    filled: int = 0
    fill_value: float = 0.0  # sum of price x signed quantity, for the average price
    event_ids: list[int] = field(default_factory=list)  # LEAN event ids already applied (dedupe)
    before_cancel: OrderState | None = None  # under CANCEL_PENDING: LEAN's state, the way back on a refusal
    cancel_refused_at: datetime | None = None  # LEAN refused our last cancel (e.g. not acknowledged yet)
    cancel_refused_state: OrderState | None = None
    # Our first cancel of the order: an unwind's patience runs from it (decisions._waiting), and a
    # cancel asked again after a refusal does not renew it.
    first_cancel_at: datetime | None = None
    last_fill_at: datetime | None = None
    held_back: bool = False  # recorded, then never sent (see OrderHeldBack)
    # Recovery counted this order's fills up to here from holdings: an event of an earlier fill,
    # still on its way then, must not count again.
    fills_known_until: datetime | None = None
    message: str = ""  # LEAN's reason when the order was refused or canceled
    limit_price: float | None = None  # a priced order's current limit (a combo leg's: the combo's net)
    replaced: bool = False  # cancelled by a walk's step, to be sent again at the new price

    @property
    def is_open(self) -> bool:
        return self.state not in ORDER_CLOSED

    @property
    def reported_state(self) -> OrderState:
        """The state LEAN last reported: under a pending cancel, the one the order returns to."""
        return self.before_cancel if self.state is OrderState.CANCEL_PENDING and self.before_cancel else self.state

    def _cancel_answered(self) -> None:
        """A pending cancel is over without closing the order (refused, or voided by a restart)."""
        back = self.reported_state
        if (self.state, back) not in ORDER_TRANSITIONS:
            raise TransitionError(f"order {self.order_id}: {self.state.value} -> {back.value} is not allowed")
        self.state, self.before_cancel = back, None

    @property
    def remaining(self) -> int:
        """Signed quantity that may still fill."""
        return self.quantity - self.filled if self.is_open else 0

    @property
    def average_price(self) -> float:
        return self.fill_value / self.filled if self.filled else 0.0

    def unexpected(self, fill: int) -> str:
        """Why `fill` is not a fill this order can have (beyond its size, or the wrong way), or ""."""
        if not fill:
            return ""
        if (fill > 0) != (self.quantity > 0):
            return f"fill {fill:+d} against an order of {self.quantity:+d}"
        if abs(self.filled + fill) > abs(self.quantity):
            return f"fill {fill:+d} takes the order to {self.filled + fill:+d} of {self.quantity:+d}"
        return ""

    def add_broker_ids(self, broker_ids: tuple[str, ...] | list[str]) -> bool:
        """Merge brokerage ids; True when one was new."""
        merged = sorted(set(self.broker_ids) | set(broker_ids))
        if merged == self.broker_ids:
            return False
        self.broker_ids = merged
        return True


@dataclass
class Leg:
    """One contract of the group, its signed target quantity and every order placed for it."""

    index: int
    contract: Contract
    quantity: int
    holdings_before: int | None
    orders: list[OrderRecord] = field(default_factory=list)
    quote: Quote | None = None  # bid/ask when the current priced phase (entry or close) began

    @property
    def entry_filled(self) -> int:
        return sum(o.filled for o in self.orders if o.role is Role.ENTRY)

    @property
    def net_filled(self) -> int:
        """What this group holds in the contract now: entry fills less reversals."""
        return sum(o.filled for o in self.orders)

    @property
    def open_orders(self) -> list[OrderRecord]:
        return [o for o in self.orders if o.is_open]

    @property
    def entry_order(self) -> OrderRecord | None:
        """The latest entry order (an earlier refused combo may precede it)."""
        entries = [o for o in self.orders if o.role is Role.ENTRY]
        return entries[-1] if entries else None

    @property
    def is_short(self) -> bool:
        return self.quantity < 0

    @property
    def is_delivery(self) -> bool:
        """A position the group never asked for: the underlying an exercise or assignment delivered
        (target 0; see ExpiryFill). Entry legs always ask for a quantity."""
        return self.quantity == 0

    @property
    def delivered(self) -> int:
        """What LEAN's expiry processing delivered into this leg (0 for an option leg)."""
        return sum(o.filled for o in self.orders if o.role is Role.EXPIRY) if self.is_delivery else 0

    def unwind_failures(self, role: Role, since: datetime) -> int:
        """Orders of `role` (ROLLBACK or EXIT) sent since `since` (the current unwind) that closed short
        of their quantity."""
        return sum(
            1 for o in self.orders
            if o.role is role and not o.is_open and o.filled != o.quantity and not o.held_back
            and o.submitted_at >= since
        )


@dataclass(frozen=True)
class LogEntry:
    """One line of a group's audit trail."""

    time: datetime
    status: GroupStatus
    message: str


# --- Events: the only inputs that change a group ---------------------------------------------------


@dataclass(frozen=True)
class OrderSent:
    """An order for `leg` was asked of LEAN; its id is not known yet."""

    leg: int
    role: Role
    attempt: int
    quantity: int
    tag: str
    time: datetime
    limit_price: float | None = None  # None: a market order


@dataclass(frozen=True)
class PricingChosen:
    """The entry (or a close) is priced by `pricing`, from these quotes (one per leg, None when the
    contract had none): the net mid at this moment is what its fills are measured against."""

    role: Role
    pricing: Pricing
    quotes: tuple[Quote | None, ...]
    time: datetime


@dataclass(frozen=True)
class PriceMoved:
    """A walk's step: the priced orders open now ask `orders` ((LEAN id, limit) pairs), the combo `combo`."""

    step: int
    combo: float | None
    orders: tuple[tuple[int, float], ...]
    time: datetime
    replacing: tuple[int, ...] = ()  # orders (LEAN ids) cancelled to be sent again at the new price
    quotes: tuple[Quote, ...] = ()  # the legs' quotes the step was priced from (none: those recorded)


@dataclass(frozen=True)
class OrderUpdate:
    """A LEAN order event, translated. `tag` and `contract_key` locate an order whose id is new."""

    order_id: int
    event_id: int
    state: OrderState | None  # None for statuses that change nothing (CANCEL_PENDING, UPDATE_SUBMITTED)
    fill_quantity: int
    fill_price: float
    time: datetime
    message: str = ""
    tag: OrderTag | None = None
    contract_key: str = ""
    broker_ids: tuple[str, ...] = ()
    inferred: bool = False  # recovery's reading of holdings, not a LEAN event


@dataclass(frozen=True)
class OrderIdentified:
    """LEAN returned the ticket, or a restart matched a broker id: bind the id to the record."""

    leg: int
    role: Role
    attempt: int
    order_id: int
    broker_ids: tuple[str, ...]
    time: datetime


@dataclass(frozen=True)
class CancelRequested:
    order_id: int
    time: datetime


@dataclass(frozen=True)
class OrderHeldBack:
    """An order recorded as about to be sent was not sent (the store refused the write-ahead
    record, or another order of the batch was refused): it is closed with nothing filled."""

    leg: int
    role: Role
    attempt: int
    reason: str
    time: datetime


@dataclass(frozen=True)
class CancelRefused:
    """LEAN refused the cancel (an order not acknowledged yet is NEW to it): ask again later."""

    order_id: int
    message: str
    time: datetime


@dataclass(frozen=True)
class StatusChanged:
    """`holdings_before`, given when a close starts, re-takes each leg's snapshot (what the account
    held in the contract besides the group, at `time`): recovery then explains holdings from the
    close on, not from an entry days old that other groups' trades have long overtaken."""

    status: GroupStatus
    reason: str
    time: datetime
    target_structures: int | None = None
    holdings_before: tuple[int, ...] | None = None


@dataclass(frozen=True)
class TargetChosen:
    """Trim policy: every entry order has closed, so the number of structures kept is fixed."""

    structures: int
    time: datetime


@dataclass(frozen=True)
class SessionEnded:
    """The algorithm restarted: LEAN order ids of the previous run are void (ids restart at 1, and
    a stale id could collide with a new order). Broker ids stay, for matching.

    So are its cancel requests: `ticket.cancel()` answers before LEAN's transaction thread sends the
    request to the brokerage, and a crash in between loses it. A recorded "cancel requested" is a
    hint, not a fact: recovery asks again for every order the brokerage still shows open."""

    time: datetime


@dataclass(frozen=True)
class HoldChanged:
    """The group is left to the operator (no automatic action on it), or the operator takes it back."""

    held: bool
    reason: str
    time: datetime


@dataclass(frozen=True)
class Note:
    """Something the operator should read in the audit trail; changes nothing else."""

    message: str
    time: datetime


class ExpiryKind(str, Enum):
    """What LEAN's expiry processing did to a position (read from the start of its fill message)."""

    OTM = "otm"  # expired worthless
    EXERCISED = "exercised"  # a long contract exercised ("Automatic Exercise")
    ASSIGNED = "assigned"  # a short contract assigned ("Assigned", early or at expiry)
    DELIVERY = "delivery"  # the underlying an exercise or assignment moved, at the strike
    # Opposite positions of groups that net to zero expired: LEAN held none, so it exercised none and
    # sent no event; the groups' legs end with the contract, nothing delivered (decisions.netted_out).
    NETTED = "netted"


@dataclass(frozen=True)
class ExpiryFill:
    """This group's share of a fill of LEAN's own option exercise order (OptionExerciseOrder: tag "",
    an id none of ours, one order for the option and its underlying). An exercised or assigned
    option leg with `underlying` (physically settled) makes the group await that delivery: an open
    EXPIRY record on a delivery leg, filled by the DELIVERY fill of the same order."""

    order_id: int
    event_id: int
    kind: ExpiryKind
    contract: Contract
    quantity: int
    price: float
    time: datetime
    message: str = ""
    underlying: Contract | None = None
    # A cash-settled exercise's value per unit of the underlying (the intrinsic value at its close; 0
    # otherwise): LEAN fills the option at 0 and pays -quantity x settlement x multiplier in cash with it
    # (Common/Securities/Option/OptionPortfolioModel.cs, ProcessCloseTradeProfit).
    settlement: float = 0.0


GroupEvent = (
    OrderSent | OrderUpdate | OrderIdentified | OrderHeldBack | CancelRequested | CancelRefused | StatusChanged
    | TargetChosen | SessionEnded | HoldChanged | Note | PricingChosen | PriceMoved | ExpiryFill
)


def delivery_of(contract: Contract, option_fill: int) -> int:
    """The underlying quantity an exercise order's option fill moves (LEAN's Option.GetExerciseQuantity):
    a long call exercised (fill -1) buys 100, a short put assigned (fill +1) buys 100."""
    sign = -1 if contract.right == "call" else 1
    return sign * option_fill * contract.multiplier


class TransitionError(RuntimeError):
    """A group status change that the transition table does not allow: a bug, never input."""


@dataclass
class Group:
    """A multi-leg transaction: all legs fill in ratio, or the group's own position returns to flat."""

    group_id: str
    strategy: str
    created_at: datetime
    legs: list[Leg]
    mode: str = "legged"
    limit_price: float | None = None  # the priced combo's current net limit (LEAN's sign for its quantity)
    pricing: Pricing = field(default_factory=Market)  # of the current phase: the entry's, or a close's
    priced_at: datetime | None = None  # when the current priced phase began (a walk counts its steps from it)
    walk_step: int = 0  # the walk's step the open priced orders ask
    priced_mid: float | None = None  # the net mid the current priced phase started from (a walk's budget counts from it)
    entry_mid: float | None = None  # the structure's net mid when the entry was submitted (None: no quotes)
    status: GroupStatus = GroupStatus.PENDING
    submitted_at: datetime | None = None
    status_reason: str = ""  # why it was rejected, or rolled back (and why the rollback failed)
    rollback_started_at: datetime | None = None  # when the current unwind (rollback or close) started
    target_structures: int | None = None  # set when a rollback starts: 0 flattens, k > 0 trims; a close: 0
    close_reason: str = ""  # why the group is being closed (and why the close failed)
    held: bool = False  # left for the operator (by recovery, or by an unexpected fill)
    snapshot_at: datetime | None = None  # when a close re-took the legs' holdings_before (None: at creation)
    anomalies: list[str] = field(default_factory=list)  # unexpected fills, counted as they were
    log: list[LogEntry] = field(default_factory=list)

    def __post_init__(self) -> None:
        if self.limit_price is not None and isinstance(self.pricing, Market):
            self.pricing = Limit(self.limit_price)  # a group (or record) from before price control

    @property
    def structures(self) -> int:
        """Number of whole structures requested: the gcd of the leg quantities."""
        result = 0
        for leg in self.legs:
            result = gcd(result, abs(leg.quantity))
        return result

    def ratio(self, leg: Leg) -> int:
        return leg.quantity // self.structures

    @property
    def ratios(self) -> list[int]:
        return [self.ratio(leg) for leg in self.legs]

    @property
    def quotes(self) -> list[Quote] | None:
        """Every leg's quote of the current priced phase, or None when one is missing."""
        quotes = [leg.quote for leg in self.legs]
        return None if any(q is None for q in quotes) else [q for q in quotes if q is not None]

    @property
    def entry_net_price(self) -> float | None:
        """The entry's average net fill price per structure (positive paid), once its entry fills hold
        whole structures in ratio (None before, or when they never did)."""
        legs = [leg for leg in self.legs if not leg.is_delivery]  # an expiry's delivery leg has no ratio
        filled = [sum(o.filled for o in leg.orders if o.role is Role.ENTRY) for leg in legs]
        counts = {f // self.ratio(leg) if f % self.ratio(leg) == 0 else -1 for f, leg in zip(filled, legs)}
        structures = counts.pop() if len(counts) == 1 else -1
        if structures <= 0:
            return None
        return sum(o.fill_value for leg in self.legs for o in leg.orders if o.role is Role.ENTRY) / structures

    @property
    def complete(self) -> bool:
        """Every leg filled exactly its target."""
        return all(leg.net_filled == leg.quantity for leg in self.legs)

    @property
    def flat(self) -> bool:
        return all(leg.net_filled == 0 for leg in self.legs)

    @property
    def holdings_taken_at(self) -> datetime:
        """When the legs' `holdings_before` were taken: at creation, or when the latest close started."""
        return self.snapshot_at or self.created_at

    def order(self, order_id: int) -> tuple[Leg, OrderRecord] | None:
        for leg in self.legs:
            for record in leg.orders:
                if record.order_id == order_id:
                    return leg, record
        return None

    def apply(self, event: GroupEvent) -> bool:
        """Apply one event; False when it changed nothing (a duplicate, late or unknown order event)."""
        if isinstance(event, StatusChanged):
            self._change_status(event)
            return True
        if isinstance(event, OrderSent):
            record = OrderRecord(event.role, event.attempt, event.quantity, event.tag, event.time,
                                 limit_price=event.limit_price)
            self.legs[event.leg].orders.append(record)
            if event.role is Role.ENTRY and self.submitted_at is None:
                self.submitted_at = event.time
            self._log(event.time, f"{event.role.value} order sent: leg {event.leg} qty {event.quantity} tag {event.tag}")
            return True
        if isinstance(event, OrderIdentified):
            return self._identify(event)
        if isinstance(event, CancelRequested):
            located = self.order(event.order_id)
            if located is None or (located[1].state, OrderState.CANCEL_PENDING) not in ORDER_TRANSITIONS:
                return False  # unknown, already pending, or closed
            located[1].before_cancel, located[1].state = located[1].state, OrderState.CANCEL_PENDING
            located[1].first_cancel_at = located[1].first_cancel_at or event.time
            self._log(event.time, f"cancel requested: leg {located[0].index} order {event.order_id}")
            return True
        if isinstance(event, OrderHeldBack):
            for record in self.legs[event.leg].orders:
                if record.role is event.role and record.attempt == event.attempt and record.state is OrderState.SUBMITTING:
                    record.state, record.held_back, record.message = OrderState.CANCELED, True, event.reason
                    self._log(event.time, f"leg {event.leg} {event.role.value} order not sent: {event.reason}")
                    return True
            return False
        if isinstance(event, CancelRefused):
            located = self.order(event.order_id)
            if located is None or located[1].state is not OrderState.CANCEL_PENDING:
                return False
            record = located[1]
            record._cancel_answered()
            record.cancel_refused_at, record.cancel_refused_state = event.time, record.state
            self._log(event.time, f"cancel refused: leg {located[0].index} order {event.order_id}: {event.message}")
            return True
        if isinstance(event, TargetChosen):
            self.target_structures = event.structures
            self._log(event.time, f"trim: keeping {event.structures} of {self.structures} structures")
            return True
        if isinstance(event, SessionEnded):
            return self._end_session(event)
        if isinstance(event, HoldChanged):
            if event.held == self.held:
                return False
            self.held = event.held
            self._log(event.time, f"held for the operator: {event.reason}" if event.held else f"released: {event.reason}")
            return True
        if isinstance(event, Note):
            self._log(event.time, event.message)
            return True
        if isinstance(event, PricingChosen):
            self._choose_pricing(event)
            return True
        if isinstance(event, PriceMoved):
            return self._move_price(event)
        if isinstance(event, ExpiryFill):
            return self._expire(event)
        return self._update_order(event)

    @property
    def holds_only_longs(self) -> bool:
        """What the group holds, and could still come to hold if its open orders fill, is long options
        alone: no short option, no delivered underlying. Such a residual can lose at most the premium
        paid for it, and expiry settles it. An open order that sells (a short's entry whose cancel was
        refused) or a delivery on its way may make it otherwise."""
        held = [leg for leg in self.legs if leg.net_filled]
        worst_stays_long = all(leg.net_filled + sum(o.remaining for o in leg.orders if o.remaining < 0) >= 0
                               for leg in self.legs)
        delivering = any(o.is_open for leg in self.legs if leg.is_delivery for o in leg.orders)
        return (bool(held) and worst_stays_long and not delivering
                and all(leg.contract.is_option and not leg.is_delivery and leg.net_filled > 0 for leg in held))

    @property
    def expired_any(self) -> bool:
        """LEAN's expiry processing moved some leg of the group."""
        return any(o.role is Role.EXPIRY for leg in self.legs for o in leg.orders)

    @property
    def expiry_cash(self) -> float:
        """Dollars LEAN's expiry processing paid the group (> 0) or took from it (< 0): the underlying an
        exercise or assignment delivered, at the strike, and a cash settlement. None of it is an order
        of the group's own, so its fills alone miss it; options expiring worthless leave at 0."""
        return -sum(o.fill_value * leg.contract.multiplier for leg in self.legs for o in leg.orders
                    if o.role is Role.EXPIRY)

    @property
    def options_flat(self) -> bool:
        """Every leg the group asked for is back to zero (delivery legs aside)."""
        return all(leg.net_filled == 0 for leg in self.legs if not leg.is_delivery)

    @property
    def delivery_due(self) -> bool:
        """An exercise or assignment whose underlying delivery has not been reported yet."""
        return any(o.is_open for leg in self.legs if leg.is_delivery for o in leg.orders if o.role is Role.EXPIRY)

    @property
    def underlying_position(self) -> list[tuple[str, int]]:
        """(ticker, net) of each underlying delivered to the group: what it holds after an assignment."""
        return [(leg.contract.ticker, leg.net_filled) for leg in self.legs if leg.is_delivery]

    # --- internals ------------------------------------------------------------------------------

    def _change_status(self, event: StatusChanged) -> None:
        if (self.status, event.status) not in GROUP_TRANSITIONS:
            raise TransitionError(f"group {self.group_id}: {self.status.value} -> {event.status.value} is not allowed")
        if event.status is GroupStatus.REJECTED and any(leg.orders for leg in self.legs):
            raise TransitionError(f"group {self.group_id}: a group that placed orders cannot be rejected")
        if event.status is self.status and not self.held:
            raise TransitionError(f"group {self.group_id}: only a held rollback or close can be started again")
        self.status = event.status
        if event.status in UNWINDING:
            self.rollback_started_at = event.time
            self.target_structures = event.target_structures
        if event.holdings_before is not None:
            for leg, holding in zip(self.legs, event.holdings_before, strict=True):
                leg.holdings_before = holding
            self.snapshot_at = event.time
        if event.status is GroupStatus.ROLLING_BACK:
            self.status_reason = event.reason
        elif event.status is GroupStatus.CLOSING:
            self.close_reason = event.reason
        elif event.status is GroupStatus.CLOSE_FAILED:
            self.close_reason = f"{self.close_reason}; close failed: {event.reason}"
        elif event.status is GroupStatus.REJECTED:
            self.status_reason = event.reason
        elif event.status is GroupStatus.ROLLBACK_FAILED:
            self.status_reason = f"{self.status_reason}; rollback failed: {event.reason}"
        self._log(event.time, event.reason)

    def _choose_pricing(self, event: PricingChosen) -> None:
        self.pricing, self.priced_at, self.walk_step = event.pricing, event.time, 0
        for leg, quote in zip(self.legs, event.quotes):
            leg.quote = quote
        quotes = self.quotes
        mid = net_mid(self.ratios, quotes) if quotes is not None else None
        self.priced_mid = mid
        if event.role is Role.ENTRY:
            self.entry_mid = mid
        shown = "n/a" if mid is None else f"{mid:g}"
        self._log(event.time, f"{event.role.value} priced {event.pricing.describe()}: net mid {shown}")

    def _move_price(self, event: PriceMoved) -> bool:
        if event.step <= self.walk_step:
            return False
        self.walk_step = event.step
        for leg, quote in zip(self.legs, event.quotes):
            leg.quote = quote
        if event.combo is not None:
            self.limit_price = event.combo
        for order_id, price in event.orders:
            located = self.order(order_id)
            if located is not None:
                located[1].limit_price = price
        for order_id in event.replacing:
            located = self.order(order_id)
            if located is not None:
                located[1].replaced = True
        combo = f" combo {event.combo:g}" if event.combo is not None else ""
        moved = f" orders {[(i, p) for i, p in event.orders]}" if event.orders else ""
        replaced = f" replacing {list(event.replacing)}" if event.replacing else ""
        quotes = self.quotes
        mid = f" from net mid {net_mid(self.ratios, quotes):g}" if event.quotes and quotes is not None else ""
        self._log(event.time, f"walk step {event.step}{mid}:{combo}{moved}{replaced}")
        return True

    def _end_session(self, event: SessionEnded) -> bool:
        records = [o for leg in self.legs for o in leg.orders]
        stale = [o.order_id for o in records if o.order_id is not None]
        unsent = [o.order_id for o in records if o.state is OrderState.CANCEL_PENDING]
        if not stale and not unsent and self.status not in UNWINDING:
            return False
        for record in records:
            record.order_id = None
            record.event_ids = []
            if record.state is OrderState.CANCEL_PENDING:
                record._cancel_answered()
            record.cancel_refused_at = record.cancel_refused_state = None
        if self.status in UNWINDING:
            self.rollback_started_at = event.time  # the time it was down is not the unwind's
        detail = f"; cancels of orders {unsent} may never have reached the brokerage" if unsent else ""
        self._log(event.time, f"restart: order ids {stale} of the previous run voided{detail}")
        return True

    def _identify(self, event: OrderIdentified) -> bool:
        for record in self.legs[event.leg].orders:
            if record.role is event.role and record.attempt == event.attempt and record.order_id in (None, event.order_id):
                if record.order_id == event.order_id and set(event.broker_ids) <= set(record.broker_ids):
                    return False
                if record.order_id != event.order_id:
                    record.event_ids = []  # ids of events restart with a new LEAN order id
                record.order_id = event.order_id
                record.add_broker_ids(event.broker_ids)
                self._log(event.time, f"leg {event.leg} {event.role.value} order id {event.order_id} broker {record.broker_ids}")
                return True
        return False

    def _locate(self, event: OrderUpdate) -> tuple[Leg, OrderRecord] | None:
        """The record an event is about: by LEAN id, else (an id not bound yet) by its tag. Only looks:
        `_update_order` binds the id once the event is applied."""
        located = self.order(event.order_id) if event.order_id else None
        if located is not None or event.tag is None:
            return located
        leg_index = event.tag.leg
        if leg_index is None:  # a combo leg: the symbol says which
            leg_index = next((leg.index for leg in self.legs if leg.contract.key == event.contract_key), None)
        if leg_index is None or not 0 <= leg_index < len(self.legs):
            return None
        leg = self.legs[leg_index]
        for record in leg.orders:
            if record.role is event.tag.role and record.attempt == event.tag.attempt and record.order_id is None:
                return leg, record
        return None

    def _update_order(self, event: OrderUpdate) -> bool:
        located = self._locate(event)
        if located is None:
            return False
        leg, record = located
        record.add_broker_ids(event.broker_ids)
        if event.event_id and event.event_id in record.event_ids:
            return False  # a duplicate delivery
        if event.event_id:
            record.event_ids.append(event.event_id)
        current = record.reported_state
        # None: a status that changes nothing; LEAN's own CancelPending is our CancelRequested's echo.
        if event.state in (None, OrderState.CANCEL_PENDING) or (event.state is current and not event.fill_quantity):
            return False
        fill = event.fill_quantity
        if not event.inferred and record.fills_known_until is not None and event.time <= record.fills_known_until:
            fill = 0  # already in the holdings recovery counted
        if event.inferred:
            record.fills_known_until = event.time
        state: OrderState
        assert event.state is not None
        closed = ""  # why a fill on this order cannot be legal at all
        if (current, event.state) not in ORDER_TRANSITIONS:
            if not fill:
                self._log(event.time, f"ignored {event.state.value} for order {event.order_id} already {current.value}")
                return False
            # An earlier partial fill delivered after a later event (events of one LEAN batch can
            # interleave with our own cancel's): the quantity is real, the later state stands.
            # On an order that never filled (INVALID) the fill is real too: an anomaly.
            state = current
            if current not in (OrderState.FILLED, OrderState.PARTIALLY_FILLED):
                closed = f"fill {fill:+d} on an order already {current.value.lower()}"
        elif current is OrderState.CANCELED:  # a fill after the cancel: it counts, the order stays closed
            state = OrderState.FILLED if record.filled + fill == record.quantity else OrderState.CANCELED
        else:
            state = event.state
        unexpected = closed or record.unexpected(fill)
        if record.order_id is None:  # located by its tag: the event binds LEAN's id (0: refused before it had one)
            record.order_id = event.order_id or None
        if record.state is OrderState.CANCEL_PENDING and state not in ORDER_CLOSED:
            record.before_cancel = state  # moved on beneath the pending cancel, which stands
        else:
            record.state, record.before_cancel = state, None
        if event.message and event.state in (OrderState.INVALID, OrderState.CANCELED):
            record.message = event.message
        if fill:
            record.filled += fill
            record.fill_value += fill * event.fill_price
            record.last_fill_at = event.time
        detail = f" fill {fill} @ {event.fill_price:g}" if fill else ""
        note = f" ({event.message})" if event.message else ""
        line = f"leg {leg.index} {record.role.value} order {event.order_id} {event.state.value}{detail}{note}"
        if unexpected:
            # Counted as it is: the portfolio holds it, so a reversal must reverse it too.
            anomaly = f"leg {leg.index} ({leg.contract.ticker}) {record.role.value} order {event.order_id}: {unexpected}"
            self.anomalies.append(anomaly)
            self.held = True
            line += f"; UNEXPECTED FILL: {unexpected}; group held for the operator"
        self._log(event.time, line)
        return True

    def _expire(self, event: ExpiryFill) -> bool:
        """Record LEAN's expiry fill as an EXPIRY order record of the leg it moved. Only a fill that
        brings the leg toward zero is expected; anything else is counted as it is, an anomaly."""
        leg = next((leg for leg in self.legs if leg.contract.key == event.contract.key), None)
        if leg is None and event.kind is ExpiryKind.DELIVERY:
            return False
        if leg is None:
            raise ValueError(f"group {self.group_id} has no leg in {event.contract.ticker}")
        records = [o for o in leg.orders if o.role is Role.EXPIRY and o.order_id == event.order_id]
        if any(event.event_id in o.event_ids for o in records):
            return False  # a duplicate delivery
        note = f" ({event.message})" if event.message else ""
        settled = f", cash settled at {event.settlement:g}" if event.settlement else ""
        line = (f"leg {leg.index} expiry {event.kind.value} order {event.order_id} fill {event.quantity:+d} @ {event.price:g}"
                f"{settled}{note}")
        awaited = next((o for o in records if o.is_open), None) if event.kind is ExpiryKind.DELIVERY else None
        if awaited is None and event.kind is ExpiryKind.DELIVERY:
            return False  # no delivery awaited from this order: the executor treats it as unallocated
        if awaited is None:
            awaited = OrderRecord(Role.EXPIRY, 0, event.quantity, "", event.time, OrderState.SUBMITTED, event.order_id)
            leg.orders.append(awaited)
        unexpected = awaited.unexpected(event.quantity)
        if not unexpected and event.kind is not ExpiryKind.DELIVERY and abs(leg.net_filled + event.quantity) > abs(leg.net_filled):
            unexpected = f"expiry fill {event.quantity:+d} on a position of {leg.net_filled:+d}"
        awaited.event_ids.append(event.event_id)
        awaited.filled += event.quantity
        awaited.fill_value += event.quantity * (event.price + event.settlement)  # cash-settled: left at its value
        awaited.last_fill_at = event.time
        awaited.message = event.message
        if awaited.filled == awaited.quantity:
            awaited.state = OrderState.FILLED
        if event.underlying is not None and event.kind in (ExpiryKind.EXERCISED, ExpiryKind.ASSIGNED):
            self._await_delivery(event)
        if unexpected:
            self.anomalies.append(f"leg {leg.index} ({leg.contract.ticker}) expiry order {event.order_id}: {unexpected}")
            self.held = True
            line += f"; UNEXPECTED FILL: {unexpected}; group held for the operator"
        self._log(event.time, line)
        return True

    def _await_delivery(self, event: ExpiryFill) -> None:
        assert event.underlying is not None
        leg = next((leg for leg in self.legs if leg.is_delivery and leg.contract.key == event.underlying.key), None)
        if leg is None:
            leg = Leg(len(self.legs), event.underlying, 0, None)
            self.legs.append(leg)
        due = delivery_of(event.contract, event.quantity)
        leg.orders.append(OrderRecord(Role.EXPIRY, 0, due, "", event.time, OrderState.SUBMITTED, event.order_id))
        self._log(event.time, f"leg {leg.index} awaits {due:+d} {event.underlying.ticker} from order {event.order_id}")

    def _log(self, time: datetime, message: str) -> None:
        self.log.append(LogEntry(time, self.status, message))
