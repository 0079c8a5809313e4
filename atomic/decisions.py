"""What a group should do next, decided from its state alone.

`next_actions` is pure: the executor asks it after every change, carries out the first action (or
the run of orders, or of cancels, at the head of the list, under one write: `leading_sends`),
records it on the group and asks again. Because each answer derives from recorded state, asking
twice never places an order twice, and a restart that rebuilds the group resumes where it stopped.

Protective ordering holds everywhere: long legs are bought before short legs are sold, and when a
group is unwound (rolled back, or closed) its shorts are bought back before any long is sold.

A close is an unwind to zero with its own role (EXIT), statuses (CLOSING, CLOSED, CLOSE_FAILED) and
the same machinery as a rollback: stale orders cancelled and re-sent, MAX_ROLLBACK_ATTEMPTS failed
orders per leg before it fails. In combo mode it goes first as one combo order; whatever that does not
close is closed legged, shorts first.

A priced group (atomic.pricing) places limit orders: the price due now is derived from the group's
policy, the quotes recorded when its phase began and the algorithm clock, so a walk's step is a
comparison like a timeout. At each step a walk re-prices from the legs' quotes then (the executor
passes them in; the step records them), as a trader re-anchors on the market, never past
max_concession from the mid its phase began at. A walk whose next step would concede past its
maximum gives up: an entry rolls back (reversals at market), a close cancels its priced exits and
goes on at market.

Held to expiry, LEAN's own exercise orders take the option legs to zero (ExpiryFill): once every one
is flat and no delivery is awaited, the group ends EXPIRED, or ASSIGNED when it holds delivered
underlying. A close the expiry caught (or a failed one, part closed) ends the same way. The delivered
underlying takes part in a close only once the group was ASSIGNED: that close is the flatten
(`flatten_due`), started by the executor when the underlying's exchange is open.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from atomic.model import UNWINDING, Group, GroupStatus, Leg, OrderRecord, OrderState, OrderUpdate
from atomic.pricing import Limit, Market, Prices, Quote, Walk, prices_for, walk_pays
from atomic.tags import Role
from config import AtomicConfig


@dataclass(frozen=True)
class PlaceOrder:
    """An order for one leg (an entry leg, a reversal or an exit): a market order, or a limit order
    at `limit_price` when the group is priced. Reversals are always market orders: a rollback must
    flatten for certain, and a limit that does not fill would leave the unbalanced leg open."""

    leg: int
    quantity: int
    role: Role
    attempt: int
    limit_price: float | None = None


@dataclass(frozen=True)
class PlaceCombo:
    """One combo order for every leg, `structures` times the leg ratios (negative: a close), a combo
    limit at `limit_price` (LEAN's sign: the structure's net) or a combo market order when None."""

    structures: int
    limit_price: float | None
    attempt: int
    role: Role = Role.ENTRY


@dataclass(frozen=True)
class CancelOrder:
    order_id: int


@dataclass(frozen=True)
class MovePrice:
    """A walk's next step: move each open priced order to its new limit ((LEAN id, limit) pairs; a
    combo moves through one leg's ticket, LEAN's ComboLimitOrder.ApplyUpdateOrderRequest setting the
    group's price)."""

    step: int
    combo: float | None
    orders: tuple[tuple[int, float], ...]
    replacing: tuple[int, ...] = ()  # a combo the brokerage cannot update: cancelled, then sent again
    quotes: tuple[Quote, ...] = ()  # the legs' quotes it was priced from (none: those recorded)


@dataclass(frozen=True)
class ChooseTarget:
    """Trim policy: fix how many whole structures the group keeps."""

    structures: int


@dataclass(frozen=True)
class ChangeStatus:
    status: GroupStatus
    reason: str
    target_structures: int | None = None
    holdings_before: tuple[int, ...] | None = None  # a close's re-taken snapshot (StatusChanged)


Action = PlaceOrder | PlaceCombo | CancelOrder | MovePrice | ChooseTarget | ChangeStatus

# A rollback may take this many order timeouts per allowed attempt before it is declared failed.
_ROLLBACK_PATIENCE = 2
_CANCEL_RETRY = timedelta(seconds=1)
# Entry orders of a combo are attempt 0; its legged stand-in, after a refusal, is attempt 1.
_LEGGED_FALLBACK_ATTEMPT = 1
# A quiet group's orders are compared with LEAN's own records at most this often.
RECONCILE_INTERVAL = timedelta(minutes=1)
# Decisions taken on LEAN's latest records (see reconcile_first).
_UNWIND_DECISIONS = frozenset({GroupStatus.ROLLING_BACK, GroupStatus.ROLLBACK_FAILED, GroupStatus.CLOSE_FAILED})


@dataclass(frozen=True)
class _Unwind:
    """What tells a rollback from a close: the role of its orders, how it ends, how it fails."""

    role: Role
    done: GroupStatus
    failed: GroupStatus
    name: str


_ROLLBACK = _Unwind(Role.ROLLBACK, GroupStatus.ROLLED_BACK, GroupStatus.ROLLBACK_FAILED, "rollback")
_CLOSE = _Unwind(Role.EXIT, GroupStatus.CLOSED, GroupStatus.CLOSE_FAILED, "close")


def next_actions(group: Group, now: datetime, config: AtomicConfig, quotes: Sequence[Quote] | None = None) -> list[Action]:
    """The actions due now, most urgent first (empty when the group waits for events). `quotes`: the
    legs' quotes now, which a walk's step due now is priced from (None: the quotes recorded)."""
    if group.held:
        return []
    if group.status is GroupStatus.PENDING:
        return _pending_actions(group, now, config, quotes)
    if group.status is GroupStatus.ROLLING_BACK:
        return _unwind_actions(group, now, config, _ROLLBACK)
    if group.status is GroupStatus.CLOSING:
        return _unwind_actions(group, now, config, _CLOSE, quotes)
    if group.status in (GroupStatus.FILLED, GroupStatus.CLOSE_FAILED, GroupStatus.ROLLBACK_FAILED) and group.expired_any:
        return [] if group.delivery_due or not group.options_flat else [_expired(group)]
    return []


def _expired(group: Group) -> ChangeStatus:
    """How a group whose option legs LEAN's expiry processing flattened ends."""
    held = [f"{net:+d} {ticker}" for ticker, net in group.underlying_position if net]
    if held or was_assigned(group):  # deliveries that cancel out leave nothing: EXPIRED
        return ChangeStatus(GroupStatus.ASSIGNED, "expiry: exercised or assigned, underlying position "
                            f"{', '.join(held) or 'flat'}")
    return ChangeStatus(GroupStatus.EXPIRED, "expiry: every option leg expired, exercised or assigned; "
                        "nothing delivered")


def share_out(quantity: int, nets: Sequence[int], whole: bool) -> list[int]:
    """How one option fill of LEAN's exercise order splits over the groups holding the contract (their
    nets, oldest group first); `quantity` less the shares' sum is what no group accounts for.

    At expiry (`whole`) LEAN closes the account's whole position in the contract
    (BrokerageTransactionHandler.HandleOptionNotification: an order for minus the holdings), in which
    opposite positions of two groups net out: each group goes to zero. Before it, an early assignment
    moves only part: it goes to the groups it reduces, oldest first, each up to its net."""
    if whole:
        return [-net for net in nets]
    shares, left = [], quantity
    for net in nets:
        share = (-net if abs(net) <= abs(left) else left) if net * left < 0 else 0
        shares.append(share)
        left -= share
    return shares


def netted_out(nets: Sequence[int], held: int) -> bool:
    """Whether groups' positions in an expired contract (`nets`) were opposite ones that cancel out in
    the account, which holds `held` of it. LEAN holds one net position per security, and its expiry
    processing has nothing to do for a contract it holds none of
    (Engine/TransactionHandlers/BrokerageTransactionHandler.cs, HandleOptionNotification: no exercise
    order when the quantity is 0): no event will ever move these legs, nor deliver anything."""
    return held == 0 and any(nets) and sum(nets) == 0


def was_assigned(group: Group) -> bool:
    """The group was ASSIGNED before (its log says so): a close now is the flatten of its underlying."""
    return any(entry.status is GroupStatus.ASSIGNED for entry in group.log)


def flatten_due(group: Group, config: AtomicConfig) -> bool:
    """An ASSIGNED group still holding delivered underlying, and the configuration flattens it."""
    return (config.flatten_assigned and group.status is GroupStatus.ASSIGNED and not group.held
            and any(leg.net_filled for leg in group.legs if leg.is_delivery))


def start_flatten(group: Group) -> ChangeStatus:
    """The close that flattens an ASSIGNED group's delivered underlying (an unwind to zero)."""
    held = ", ".join(f"{net:+d} {ticker}" for ticker, net in group.underlying_position if net)
    return ChangeStatus(GroupStatus.CLOSING, f"flatten the underlying delivered at expiry: {held}", 0)


def start_close(reason: str, holdings_before: tuple[int, ...] | None = None) -> ChangeStatus:
    """The status change that begins a close: an unwind to zero structures, with the legs' snapshot
    re-taken when the shell could take it (see StatusChanged)."""
    return ChangeStatus(GroupStatus.CLOSING, reason or "close requested", 0, holdings_before)


def closable(group: Group) -> str:
    """Why `group` cannot be closed now ("" when it can): only a FILLED group, or a CLOSE_FAILED one
    retried, that no unexpected fill holds for the operator."""
    if group.held:
        return f"group {group.group_id} ({group.status.value}) is held for the operator: {group.anomalies or 'see its log'}"
    if group.status not in (GroupStatus.FILLED, GroupStatus.CLOSE_FAILED):
        return f"group {group.group_id} is {group.status.value}: only a FILLED or CLOSE_FAILED group can be closed"
    return ""


def uncovered_close(group: Group, holdings: Sequence[int]) -> str:
    """Why closing `group` could open a reverse position ("" when it cannot): a leg whose position the
    brokerage (`holdings`, per leg) no longer shows, closed by hand or expired. Buying back a short
    that is gone opens a long; selling a long that is gone opens a naked short.

    Holdings are net of manual positions and other groups, so a leg's position counts as there when
    the holding covers it (same sign, as large), or its part beyond what the account held besides
    the group at the leg's snapshot does (a manual long +3 beside the group's short -2 shows +1)."""
    def covers(part: int, net: int) -> bool:
        return part * net > 0 and abs(part) >= abs(net)

    gone = [f"{leg.contract.ticker}: the group holds {leg.net_filled:+d}, the brokerage {held:+d}"
            for leg, held in zip(group.legs, holdings, strict=True)
            if leg.net_filled and not covers(held, leg.net_filled)
            and not (leg.holdings_before is not None and covers(held - leg.holdings_before, leg.net_filled))]
    return f"group {group.group_id}'s position is not at the brokerage ({'; '.join(gone)})" if gone else ""


def close_snapshot(group: Group, holdings: Sequence[int]) -> tuple[int, ...] | None:
    """Each leg's holdings besides the group's own as a close starts (see StatusChanged); None while
    an order of the group is open, when its own net is not yet certain (the older snapshot stands)."""
    if any(leg.open_orders for leg in group.legs):
        return None
    return tuple(held - leg.net_filled for leg, held in zip(group.legs, holdings, strict=True))


def start_rollback(group: Group, reason: str, config: AtomicConfig) -> ChangeStatus:
    """The status change that begins unwinding: flatten fixes the target at zero now, trim later."""
    target = 0 if config.partial_fill_policy == "flatten" else None
    return ChangeStatus(GroupStatus.ROLLING_BACK, reason, target)


def reconcile_due(group: Group, now: datetime, last: datetime | None) -> bool:
    """Whether a quiet group's orders are due for comparison with LEAN's records: once a minute,
    counted from `last` (or from its submission). See also `reconcile_first`."""
    if group.status is not GroupStatus.PENDING and group.status not in UNWINDING:
        return False
    if not any(o.order_id for leg in group.legs for o in leg.orders):
        return False
    return now - (last or group.submitted_at or group.created_at) >= RECONCILE_INTERVAL


def reconcile_first(actions: Sequence[Action]) -> bool:
    """Whether the decision unwinds the group (a rollback, a rollback or close declared failed): it is
    taken on LEAN's latest records, since a lost event must not decide it."""
    return bool(actions) and isinstance(actions[0], ChangeStatus) and actions[0].status in _UNWIND_DECISIONS


def leading_sends(actions: Sequence[Action]) -> list[PlaceOrder | CancelOrder]:
    """The run of orders (or of cancels) at the head of `actions`: their intents are recorded and
    written once, then they go out one by one. Empty when the first action is of another kind: it is
    carried out alone."""
    batch: list[PlaceOrder | CancelOrder] = []
    for action in actions:
        if not isinstance(action, (PlaceOrder, CancelOrder)) or (batch and type(action) is not type(batch[0])):
            break
        batch.append(action)
    return batch


def refused_orders(group: Group) -> int:
    """Orders of the group LEAN refused. One refused while a batch goes out (in a backtest, inside
    market_order) holds the rest of the batch back, rather than placing them after a failure."""
    return sum(1 for leg in group.legs for o in leg.orders if o.state is OrderState.INVALID)


def missed_events(group: Group, recorded: Mapping[int, Sequence[OrderUpdate]]) -> list[OrderUpdate]:
    """The events LEAN recorded for the group's orders (by order id) that the group never applied:
    a delivery lost to a disconnect or a failed handler. Each keeps its LEAN event id, so the late
    delivery of the same event is still a duplicate."""
    missed = []
    for leg in group.legs:
        for record in leg.orders:
            if record.order_id is None:
                continue
            missed += [event for event in recorded.get(record.order_id, ())
                       if event.state is not None and event.event_id and event.event_id not in record.event_ids]
    return missed


# --- PENDING ------------------------------------------------------------------------------------


def _pending_actions(group: Group, now: datetime, config: AtomicConfig, quotes: Sequence[Quote] | None) -> list[Action]:
    if group.complete:
        return [ChangeStatus(GroupStatus.FILLED, "all legs filled")]
    attempt = max((o.attempt for leg in group.legs for o in leg.orders if o.role is Role.ENTRY), default=0)
    timed_out = (group.submitted_at is not None and now - group.submitted_at >= timedelta(seconds=config.atomic_order_timeout)
                 and not _combo_fill_arriving(group, now))
    failed = _failed_entry(group, attempt)
    if failed is not None:
        refused = _combo_refusal(group, attempt) if config.combo_fallback_to_legged else None
        if refused is True and not timed_out:
            # The combo promised every leg at once: its legged stand-in sends no short before the
            # longs that cover it have filled.
            return _legged_entries(group, config, attempt=_LEGGED_FALLBACK_ATTEMPT, protective=True)
        if refused is None or timed_out:
            return [start_rollback(group, failed, config)]
        return []  # the other combo legs' INVALID events are on their way
    if timed_out:
        return [start_rollback(group, f"timeout: not filled {config.atomic_order_timeout:g}s after submission", config)]
    step = walk_step(group, now)
    if step is None:
        if _combo_fill_arriving(group, now):
            return []
        assert isinstance(group.pricing, Walk)
        return [start_rollback(group, f"walk gave up: the next step would concede more than "
                                      f"{group.pricing.max_concession:g} from the mid", config)]
    if step > group.walk_step and group.submitted_at is not None:
        return [_move_price(group, step, Role.ENTRY, side=1, replace=not config.combo_price_updates, quotes=quotes)]
    prices = phase_prices(group, step, side=1)
    if group.mode == "combo" and attempt != _LEGGED_FALLBACK_ATTEMPT:
        current = [o for leg in group.legs for o in leg.orders if o.role is Role.ENTRY and o.attempt == attempt]
        if current and (not all(o.replaced for o in current) or any(o.is_open for o in current)):
            return []  # the combo works, or its replacement waits for its cancel to be confirmed
        following = attempt + 1 if current else 0
        following += following == _LEGGED_FALLBACK_ATTEMPT  # attempt 1 is the legged fallback's
        return [PlaceCombo(group.structures, prices.combo if prices else None, attempt=following)]
    return _legged_entries(group, config, attempt, protective=group.mode == "combo", prices=prices)


def walk_step(group: Group, now: datetime) -> int | None:
    """The step of the group's walk due now (0 when it is not walked); None once the walk has given
    up: its next concession would exceed max_concession."""
    pricing = group.pricing
    if not isinstance(pricing, Walk) or group.priced_at is None:
        return 0
    step = pricing.step_at((now - group.priced_at).total_seconds())
    return None if step > pricing.last_step else step


def walk_due(group: Group, now: datetime) -> bool:
    """A walk's next step is due now: the executor reads the legs' quotes, which it is priced from."""
    pricing = group.pricing
    if not isinstance(pricing, Walk) or group.priced_at is None or group.held:
        return False
    walking = group.status is GroupStatus.CLOSING or (group.status is GroupStatus.PENDING and group.submitted_at is not None)
    return walking and pricing.step_at((now - group.priced_at).total_seconds()) > group.walk_step


def phase_prices(group: Group, step: int, side: int, quotes: Sequence[Quote] | None = None) -> Prices | None:
    """What the current phase's priced orders ask at `step` (None: market orders), from `quotes`
    (None: the quotes recorded). `side` is +1 for an entry (it buys the structure), -1 for a close.
    A Limit with no quotes prices a combo only (the executor refuses it in legged mode): its net is
    taken as given."""
    pricing = group.pricing
    if isinstance(pricing, Market):
        return None
    quotes = quotes if quotes is not None else group.quotes
    if quotes is None:
        if isinstance(pricing, Limit):
            return Prices(side * pricing.net_price, ())
        raise ValueError(f"group {group.group_id}: a walk needs every leg's quote")
    pays = (pricing.net_price if isinstance(pricing, Limit)
            else walk_pays(pricing, step, group.ratios, quotes, side, group.priced_mid))
    return prices_for(group.ratios, quotes, side, pays)


def _move_price(group: Group, step: int, role: Role, side: int, replace: bool = False,
                quotes: Sequence[Quote] | None = None) -> MovePrice:
    """The walk's step `step` for the open priced orders of `role`, priced from `quotes` (None: those
    recorded). An entry combo the brokerage cannot update (`replace`) is cancelled instead, and sent
    again at the new price once cancelled."""
    prices = phase_prices(group, step, side, quotes)
    assert prices is not None
    seen = tuple(quotes or ())
    priced = [(leg, o) for leg in group.legs for o in leg.orders
              if o.role is role and o.is_open and o.limit_price is not None and o.order_id is not None]
    if group.mode == "combo" and priced and all(_is_combo(group, o) for _, o in priced):
        if replace and role is Role.ENTRY:
            return MovePrice(step, prices.combo, (), tuple(o.order_id or 0 for _, o in priced), seen)
        return MovePrice(step, prices.combo, ((priced[0][1].order_id or 0, prices.combo),), quotes=seen)
    moves = tuple((o.order_id or 0, prices.legs[leg.index]) for leg, o in priced if prices.legs)
    return MovePrice(step, None, moves, quotes=seen)


def _is_combo(group: Group, order: OrderRecord) -> bool:
    """Whether an order of a combo-mode group is (a leg of) a combo: an entry's combos are every
    attempt but the legged fallback's, a close's its attempt 0."""
    if group.mode != "combo":
        return False
    return order.attempt == 0 or (order.role is Role.ENTRY and order.attempt != _LEGGED_FALLBACK_ATTEMPT)


def _combo_fill_arriving(group: Group, now: datetime, role: Role = Role.ENTRY) -> bool:
    """A leg of a `role` combo reported a fill at this very instant: LEAN fills every leg of a combo in
    one scan (Common/Orders/Fills/FillModel.cs, ComboMarketFill / ComboLimitFill) and then reports the
    legs one event at a time, so the other legs' fills are on their way. A timeout is not decided on
    such a half-told batch (it would cancel legs that already filled, and a close would then wait on
    refused cancels): it waits for the clock to move, or for the last leg's event."""
    combos = [o for leg in group.legs for o in leg.orders if o.role is role and _is_combo(group, o)]
    return (group.mode == "combo" and any(o.last_fill_at == now for o in combos)
            and any(o.is_open for o in combos))


def _legged_entries(group: Group, config: AtomicConfig, attempt: int, protective: bool = False,
                    prices: Prices | None = None) -> list[Action]:
    """Entry orders still to send for this attempt, longs first; shorts wait for the longs in
    sequential mode (and in a combo's legged fallback)."""
    unsent = [leg for leg in group.legs if not any(o.role is Role.ENTRY and o.attempt == attempt for o in leg.orders)]
    longs = [leg for leg in unsent if not leg.is_short]
    shorts = [leg for leg in unsent if leg.is_short]
    if (protective or config.sequential_protective_legs) and shorts:
        longs_done = all(leg.net_filled == leg.quantity for leg in group.legs if not leg.is_short)
        if not longs_done:
            shorts = []
    return [PlaceOrder(leg.index, leg.quantity, Role.ENTRY, attempt, _leg_price(prices, leg)) for leg in longs + shorts]


def _leg_price(prices: Prices | None, leg: Leg) -> float | None:
    return prices.legs[leg.index] if prices is not None and prices.legs else None


def _failed_entry(group: Group, attempt: int) -> str | None:
    """Why the group cannot complete: an entry order of this attempt closed short of its quantity."""
    for leg in group.legs:
        for order in leg.orders:
            if (order.role is Role.ENTRY and order.attempt == attempt and not (order.replaced and not order.filled)
                    and order.state in (OrderState.INVALID, OrderState.CANCELED) and order.filled != order.quantity):
                detail = f": {order.message}" if order.message else ""
                return f"leg {leg.index} ({leg.contract.ticker}) {order.state.value}{detail}"
    return None


def _combo_refusal(group: Group, attempt: int) -> bool | None:
    """For a first combo attempt that nothing filled: True when the brokerage refused every leg (fall
    back to legged orders), False while some legs' events are still due, None when it is no refusal."""
    if group.mode != "combo" or attempt != 0 or any(leg.net_filled for leg in group.legs):
        return None
    orders = [o for leg in group.legs for o in leg.orders if o.role is Role.ENTRY]
    if any(o.reported_state not in (OrderState.INVALID, OrderState.SUBMITTING, OrderState.SUBMITTED) for o in orders):
        return None
    return all(o.state is OrderState.INVALID for o in orders)


# --- ROLLING_BACK and CLOSING -------------------------------------------------------------------


def _unwind_actions(group: Group, now: datetime, config: AtomicConfig, unwind: _Unwind,
                    quotes: Sequence[Quote] | None = None) -> list[Action]:
    started = group.rollback_started_at or now
    failing = [leg for leg in group.legs if leg.unwind_failures(unwind.role, started) >= config.max_rollback_attempts]
    if failing:
        leg = failing[0]
        return [ChangeStatus(unwind.failed,
                             f"leg {leg.index} ({leg.contract.ticker}): {config.max_rollback_attempts} {unwind.name} orders failed")]
    if unwind is _CLOSE and _combo_fill_arriving(group, now, Role.EXIT):
        return []
    stale = timedelta(seconds=config.unwind_order_timeout)
    # A close's priced exits: walked until the walk gives up, a Limit until the timeout; then (and for
    # whatever a priced exit left open) the close goes on at market, since it must close.
    step = walk_step(group, now) if unwind is _CLOSE else None
    walked = isinstance(group.pricing, Walk)
    if step is not None and walked and step > group.walk_step:
        return [_move_price(group, step, Role.EXIT, side=-1, quotes=quotes)]
    actions: list[Action] = [
        CancelOrder(o.order_id)
        for leg in group.legs
        for o in leg.orders
        if o.order_id is not None and o.is_open and o.state is not OrderState.CANCEL_PENDING and _may_cancel(o, now)
        and o.role is not Role.EXPIRY
        and (o.role is Role.ENTRY
             or (step is None if o.limit_price is not None and walked else now - o.submitted_at >= stale))
    ]
    prices = phase_prices(group, step, side=-1) if step is not None and not _unpriced_exit(group) else None
    if unwind is _CLOSE and group.mode == "combo" and not _sent(group, Role.EXIT):
        structures = _whole_structures(group)
        if structures:  # the whole position as one combo: no leg ever alone
            return actions + [PlaceCombo(-structures, prices.combo if prices else None, attempt=0, role=Role.EXIT)]
    entries_open = any(o.is_open for leg in group.legs for o in leg.orders if o.role is Role.ENTRY)
    target = group.target_structures
    if target is None:
        if entries_open:
            return actions or _waiting(group, now, config, unwind)
        kept = min(abs(leg.entry_filled) // abs(group.ratio(leg)) for leg in group.legs)
        return actions + [ChooseTarget(kept)]
    # A combo (entry, or a close's) fills its legs in one LEAN batch, but their events arrive one
    # by one (and ours, such as a cancel, may interleave): nothing legged goes out while it is open,
    # and no protection is sold before the clock has moved past its latest fill, so every leg's part
    # of that fill is known.
    combos = [o for leg in group.legs for o in leg.orders
              if o.role in (Role.ENTRY, unwind.role) and _is_combo(group, o)]
    if any(o.is_open for o in combos if o.role is unwind.role):
        return actions or _waiting(group, now, config, unwind)
    # Delivered underlying is the flatten's alone (a close the expiry caught ends ASSIGNED first).
    unwound = [leg for leg in group.legs if not leg.is_delivery or (unwind is _CLOSE and was_assigned(group))]
    needs = {leg.index: _needed(group, leg, target, unwind.role) for leg in unwound}
    buys = [leg for leg in unwound if needs[leg.index] > 0]
    sells = [leg for leg in unwound if needs[leg.index] < 0]
    buying = any(o.is_open and o.quantity > 0 for leg in group.legs for o in leg.orders if o.role is unwind.role)
    actions += [PlaceOrder(leg.index, needs[leg.index], unwind.role, _next_attempt(leg, unwind.role), _leg_price(prices, leg))
                for leg in buys]
    last_fill = max((o.last_fill_at for o in combos if o.last_fill_at is not None), default=None)
    settled = last_fill is None or now > last_fill
    if not buys and not buying and not entries_open and settled:
        actions += [PlaceOrder(leg.index, needs[leg.index], unwind.role, _next_attempt(leg, unwind.role),
                               _leg_price(prices, leg)) for leg in sells]
    if actions:
        return actions
    if any(leg.open_orders for leg in group.legs) or any(needs.values()):
        return _waiting(group, now, config, unwind)
    if unwind is _CLOSE and group.expired_any:
        return [_expired(group)]
    if unwind is _CLOSE:
        return [ChangeStatus(GroupStatus.CLOSED, "group flat: position closed")]
    if target == 0:
        return [ChangeStatus(GroupStatus.ROLLED_BACK, "group flat: every fill reversed")]
    return [ChangeStatus(GroupStatus.FILLED, f"trimmed to {target} complete structures")]


def unwind_patience(config: AtomicConfig) -> timedelta:
    """How long an unwind waits since its last step before it fails: two order timeouts per allowed
    attempt, and at least two reconciliations (a cancel the brokerage refused without an event, live,
    is found by the first; the cancel asked again has until the second)."""
    return max(timedelta(seconds=config.unwind_order_timeout * config.max_rollback_attempts * _ROLLBACK_PATIENCE),
               2 * RECONCILE_INTERVAL)


def _waiting(group: Group, now: datetime, config: AtomicConfig, unwind: _Unwind) -> list[Action]:
    """Nothing can be done now: the unwind fails once it has waited past its patience since its
    last step (its start, the last order it sent, or its first cancel of a stale order). A stale
    order is seen, and cancelled, at the first check after it went stale: a second later live, up
    to a slice later in a backtest (once a minute on minute data). Measured from that cancel, the
    patience is whole on either clock; a cancel asked again after a refusal does not renew it."""
    if unwind is _CLOSE and isinstance(group.pricing, Walk) and walk_step(group, now) is not None:
        return []  # a walked close rests its limits between steps on purpose; its walk gives up by itself
    patience = unwind_patience(config)
    steps = [o.submitted_at for leg in group.legs for o in leg.orders if o.role is unwind.role]
    steps += [o.first_cancel_at for leg in group.legs for o in leg.orders if o.first_cancel_at is not None]
    last_step = max(steps + [group.rollback_started_at or now])
    if now - last_step > patience:
        return [ChangeStatus(unwind.failed, f"{unwind.name} waited more than {patience.total_seconds():g}s "
                             "for orders that did not close")]
    return []


def _may_cancel(order: OrderRecord, now: datetime) -> bool:
    """A refused cancel is asked again once the order has moved on (LEAN acknowledged it) or a
    second has passed: not again in the same instant, which would only be refused again."""
    if order.cancel_refused_at is None:
        return True
    return order.state is not order.cancel_refused_state or now - order.cancel_refused_at >= _CANCEL_RETRY


def _needed(group: Group, leg: Leg, target_structures: int, role: Role) -> int:
    """Signed quantity still to trade for the leg to reach its target, net of `role` orders in flight."""
    in_flight = sum(o.remaining for o in leg.orders if o.role is role)
    return group.ratio(leg) * target_structures - leg.net_filled - in_flight


def _next_attempt(leg: Leg, role: Role) -> int:
    return 1 + sum(1 for o in leg.orders if o.role is role)


def _unpriced_exit(group: Group) -> bool:
    """A priced exit order closed short of its quantity (cancelled at the walk's end or the timeout,
    or refused): what is left of the close goes at market."""
    return any(o.role is Role.EXIT and o.limit_price is not None and not o.is_open and o.filled != o.quantity
               for leg in group.legs for o in leg.orders)


def _sent(group: Group, role: Role) -> bool:
    return any(o.role is role for leg in group.legs for o in leg.orders)


def _whole_structures(group: Group) -> int:
    """Whole structures the group holds when every leg holds the same multiple of its ratio, else 0."""
    counts = {leg.net_filled // group.ratio(leg) if leg.net_filled % group.ratio(leg) == 0 else -1
              for leg in group.legs if not leg.is_delivery}
    return max(counts.pop(), 0) if len(counts) == 1 else 0
