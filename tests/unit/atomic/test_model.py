"""atomic.model: the transition tables, Group.apply and its idempotency rules."""

from __future__ import annotations

import itertools
from datetime import timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from atomic.model import (
    GROUP_TRANSITIONS,
    ORDER_CLOSED,
    ORDER_TRANSITIONS,
    REPORTED_STATES,
    SETTLED,
    TERMINAL,
    UNSETTLED,
    CancelRefused,
    CancelRequested,
    Group,
    GroupStatus,
    HoldChanged,
    Note,
    OrderIdentified,
    OrderSent,
    OrderState,
    SessionEnded,
    StatusChanged,
    TargetChosen,
    TransitionError,
)
from atomic.tags import OrderTag, Role
from builders import (
    LC,
    LP,
    SC,
    SP,
    T0,
    at,
    begin_rollback,
    cancel,
    condor,
    filled_leg,
    group_of,
    put_spread,
    send,
    tag_of,
    update,
)

# --- Group status table ----------------------------------------------------------------------------

S = GroupStatus
ALL_GROUP_PAIRS = list(itertools.product(GroupStatus, GroupStatus))
# Every status change the table must refuse, written out (not derived from the table, so a pair
# added to it by mistake fails below). Nothing returns to PENDING; only PENDING is rejected; a
# settled or failed group only ever rolls back again; REJECTED is a dead end.
FORBIDDEN_GROUP_PAIRS = [
    (S.PENDING, S.PENDING), (S.PENDING, S.ROLLED_BACK), (S.PENDING, S.ROLLBACK_FAILED),
    (S.FILLED, S.PENDING), (S.FILLED, S.FILLED), (S.FILLED, S.ROLLED_BACK), (S.FILLED, S.ROLLBACK_FAILED),
    (S.FILLED, S.REJECTED),
    (S.ROLLING_BACK, S.PENDING), (S.ROLLING_BACK, S.REJECTED),
    (S.ROLLED_BACK, S.PENDING), (S.ROLLED_BACK, S.FILLED), (S.ROLLED_BACK, S.ROLLED_BACK),
    (S.ROLLED_BACK, S.ROLLBACK_FAILED), (S.ROLLED_BACK, S.REJECTED),
    (S.ROLLBACK_FAILED, S.PENDING), (S.ROLLBACK_FAILED, S.FILLED), (S.ROLLBACK_FAILED, S.ROLLED_BACK),
    (S.ROLLBACK_FAILED, S.ROLLBACK_FAILED), (S.ROLLBACK_FAILED, S.REJECTED),
    *((S.REJECTED, after) for after in GroupStatus),
    # Only a FILLED group closes; a close ends CLOSED or CLOSE_FAILED and only ever closes again.
    (S.PENDING, S.CLOSING), (S.PENDING, S.CLOSED), (S.PENDING, S.CLOSE_FAILED),
    (S.FILLED, S.CLOSED), (S.FILLED, S.CLOSE_FAILED),
    (S.ROLLING_BACK, S.CLOSING), (S.ROLLING_BACK, S.CLOSED), (S.ROLLING_BACK, S.CLOSE_FAILED),
    (S.ROLLED_BACK, S.CLOSING), (S.ROLLED_BACK, S.CLOSED), (S.ROLLED_BACK, S.CLOSE_FAILED),
    (S.ROLLBACK_FAILED, S.CLOSING), (S.ROLLBACK_FAILED, S.CLOSED), (S.ROLLBACK_FAILED, S.CLOSE_FAILED),
    (S.CLOSING, S.PENDING), (S.CLOSING, S.FILLED), (S.CLOSING, S.ROLLING_BACK), (S.CLOSING, S.ROLLED_BACK),
    (S.CLOSING, S.ROLLBACK_FAILED), (S.CLOSING, S.REJECTED),
    (S.CLOSED, S.PENDING), (S.CLOSED, S.FILLED), (S.CLOSED, S.ROLLING_BACK), (S.CLOSED, S.ROLLED_BACK),
    (S.CLOSED, S.ROLLBACK_FAILED), (S.CLOSED, S.REJECTED), (S.CLOSED, S.CLOSED), (S.CLOSED, S.CLOSE_FAILED),
    (S.CLOSE_FAILED, S.PENDING), (S.CLOSE_FAILED, S.FILLED), (S.CLOSE_FAILED, S.ROLLING_BACK),
    (S.CLOSE_FAILED, S.ROLLED_BACK), (S.CLOSE_FAILED, S.ROLLBACK_FAILED), (S.CLOSE_FAILED, S.REJECTED),
    (S.CLOSE_FAILED, S.CLOSED), (S.CLOSE_FAILED, S.CLOSE_FAILED),
    # Only a group holding options (filled, closing, part closed or part rolled back) expires; an
    # expired or assigned one only closes again (the flatten of its delivered underlying, or a late exit fill).
    *((before, after) for before in (S.PENDING, S.ROLLING_BACK, S.ROLLED_BACK, S.CLOSED)
      for after in (S.EXPIRED, S.ASSIGNED)),
    *((before, after) for before in (S.EXPIRED, S.ASSIGNED) for after in GroupStatus if after is not S.CLOSING),
]


def _ids(pair: tuple[object, object]) -> str:
    a, b = pair
    return f"{a.value}->{b.value}"  # type: ignore[attr-defined]


def test_every_status_pair_is_in_exactly_one_of_the_two_tables() -> None:
    allowed, forbidden = set(GROUP_TRANSITIONS), set(FORBIDDEN_GROUP_PAIRS)
    assert not allowed & forbidden
    assert sorted(set(ALL_GROUP_PAIRS) - allowed - forbidden) == []


def test_a_group_that_placed_orders_cannot_be_rejected() -> None:
    group = condor()
    send(group, 0)
    with pytest.raises(TransitionError, match="cannot be rejected"):
        group.apply(StatusChanged(GroupStatus.REJECTED, "late refusal", at(1)))
    assert group.status is GroupStatus.PENDING


def test_named_status_sets_partition_the_statuses() -> None:
    """Every status is settled (archived), unsettled (kept hot, read by recovery) or REJECTED (never
    stored); a closed order changes only when a fill arrives after its cancel."""
    assert SETTLED | UNSETTLED | {S.REJECTED} == set(GroupStatus) and not SETTLED & UNSETTLED
    assert SETTLED < TERMINAL and S.PENDING not in TERMINAL and S.ROLLING_BACK not in TERMINAL
    leaving_closed = {(a, b) for a, b in ORDER_TRANSITIONS if a in ORDER_CLOSED}
    assert {a for a, _ in leaving_closed} == {OrderState.CANCELED}  # a fill after the cancel, only
    assert {b for _, b in leaving_closed} <= {OrderState.PARTIALLY_FILLED, OrderState.FILLED}


@pytest.mark.parametrize("pair", sorted(GROUP_TRANSITIONS), ids=_ids)
def test_allowed_group_transition_is_applied_and_logged(pair: tuple[GroupStatus, GroupStatus]) -> None:
    before, after = pair
    group = condor(status=before)
    group.apply(HoldChanged(before is after, "only a held rollback is started again", T0))
    lines = len(group.log)
    assert group.apply(StatusChanged(after, "why", at(3), target_structures=0)) is True
    assert group.status is after
    assert len(group.log) == lines + 1
    assert group.log[-1].status is after and group.log[-1].message == "why" and group.log[-1].time == at(3)
    if after is GroupStatus.ROLLING_BACK:
        assert (group.status_reason, group.rollback_started_at, group.target_structures) == ("why", at(3), 0)
    elif after is GroupStatus.CLOSING:  # the close's own reason; the unwind's start and target
        assert (group.close_reason, group.rollback_started_at, group.target_structures) == ("why", at(3), 0)
    elif after is GroupStatus.CLOSE_FAILED:
        assert (group.close_reason, group.rollback_started_at, group.target_structures) == (
            "; close failed: why", None, None)
    elif after is GroupStatus.REJECTED:
        assert (group.status_reason, group.rollback_started_at, group.target_structures) == ("why", None, None)
    elif after is GroupStatus.ROLLBACK_FAILED:  # the reason says why it started and why it failed
        assert (group.status_reason, group.rollback_started_at, group.target_structures) == (
            "; rollback failed: why", None, None)
    else:
        assert (group.status_reason, group.rollback_started_at, group.target_structures) == ("", None, None)


@pytest.mark.parametrize("pair", FORBIDDEN_GROUP_PAIRS, ids=_ids)
def test_forbidden_group_transition_raises_and_leaves_group_unchanged(pair: tuple[GroupStatus, GroupStatus]) -> None:
    before, after = pair
    group = condor(status=before)
    group.apply(Note("existing line", T0))
    with pytest.raises(TransitionError, match=f"{before.value} -> {after.value}"):
        group.apply(StatusChanged(after, "nope", at(3), target_structures=1))
    assert group.status is before
    assert len(group.log) == 1
    assert (group.status_reason, group.rollback_started_at, group.target_structures) == ("", None, None)


def test_rolling_back_again_resets_reason_start_and_target() -> None:
    group = condor()
    group.apply(StatusChanged(GroupStatus.ROLLING_BACK, "timeout", at(5), None))
    group.apply(StatusChanged(GroupStatus.ROLLBACK_FAILED, "gave up", at(40)))
    assert group.status_reason == "timeout; rollback failed: gave up"  # why it began, then why it failed
    group.apply(StatusChanged(GroupStatus.ROLLING_BACK, "operator retry", at(60), 0))
    assert (group.status_reason, group.rollback_started_at, group.target_structures) == ("operator retry", at(60), 0)


# --- Order state table -----------------------------------------------------------------------------

QTY = 4
ALL_ORDER_PAIRS = list(itertools.product(sorted(REPORTED_STATES), sorted(REPORTED_STATES)))


def _order_in(state: OrderState) -> tuple[Group, int]:
    """A one-order group whose entry order (id 1, quantity 4) is in `state`."""
    group = group_of([(LP, QTY), (SP, -QTY)])
    send(group, 0, order_id=1)
    paths = {
        OrderState.SUBMITTING: [],
        OrderState.SUBMITTED: [(OrderState.SUBMITTED, 0)],
        OrderState.PARTIALLY_FILLED: [(OrderState.PARTIALLY_FILLED, 1)],
        OrderState.FILLED: [(OrderState.FILLED, QTY)],
        OrderState.CANCELED: [(OrderState.SUBMITTED, 0), (OrderState.CANCELED, 0)],
        OrderState.INVALID: [(OrderState.INVALID, 0)],
    }
    for s, q in paths[state]:
        assert group.apply(update(1, s, q))
    assert group.legs[0].orders[0].state is state
    return group, len(group.log)


def _realistic_fill(target: OrderState, filled: int) -> int:
    """What LEAN's event would carry: one contract for a partial fill, the rest for FILLED, else 0."""
    if target is OrderState.PARTIALLY_FILLED:
        return 1
    if target is OrderState.FILLED:
        return QTY - filled
    return 0


@pytest.mark.parametrize("pair", ALL_ORDER_PAIRS, ids=_ids)
def test_order_state_pair(pair: tuple[OrderState, OrderState]) -> None:
    before, after = pair
    group, log_length = _order_in(before)
    record = group.legs[0].orders[0]
    filled_before = record.filled
    fill = _realistic_fill(after, filled_before)
    applied = group.apply(update(1, after, fill, message="broker says"))
    if pair in ORDER_TRANSITIONS:
        assert applied is True
        if before is OrderState.CANCELED:  # a fill after the cancel counts, and the order stays closed
            assert record.state is (OrderState.FILLED if record.filled == record.quantity else OrderState.CANCELED)
        else:
            assert record.state is after
        assert record.filled == filled_before + fill
        assert len(group.log) == log_length + 1
        assert after.value in group.log[-1].message
    elif fill and before in (OrderState.FILLED, OrderState.INVALID):
        # A fill past the order's size, or on an order refused: counted, and the group held.
        assert applied is True
        assert (record.state, record.filled, group.held) == (before, filled_before + fill, True)
        assert "UNEXPECTED FILL" in group.log[-1].message
    elif before is after:  # an unchanged status without a fill: idempotent, silently ignored
        assert applied is False
        assert (record.state, record.filled, len(group.log)) == (before, filled_before, log_length)
    else:
        assert applied is False
        assert (record.state, record.filled) == (before, filled_before)
        assert len(group.log) == log_length + 1
        assert group.log[-1].message.startswith(f"ignored {after.value}")
        assert record.message == ""  # an ignored event's text is not taken as the order's reason


def test_closed_orders_only_reopen_through_the_documented_cancel_race() -> None:
    outgoing = {(a, b) for a, b in ORDER_TRANSITIONS if a in ORDER_CLOSED}
    assert outgoing == {
        (OrderState.CANCELED, OrderState.PARTIALLY_FILLED),
        (OrderState.CANCELED, OrderState.FILLED),
    }
    # Nothing returns to SUBMITTING but a refused (or voided) cancel of an order LEAN never acknowledged.
    assert {a for a, b in ORDER_TRANSITIONS if b is OrderState.SUBMITTING} == {OrderState.CANCEL_PENDING}


@pytest.mark.parametrize("state", sorted(REPORTED_STATES))
def test_a_cancel_is_pending_only_on_an_open_order_and_refused_back_to_where_it_was(state: OrderState) -> None:
    group, log_length = _order_in(state)
    record = group.legs[0].orders[0]
    applied = group.apply(CancelRequested(1, at(1)))
    assert applied is ((state, OrderState.CANCEL_PENDING) in ORDER_TRANSITIONS) is record.is_open
    if not applied:
        assert (record.state, len(group.log)) == (state, log_length)
        return
    assert (record.state, record.reported_state) == (OrderState.CANCEL_PENDING, state)
    assert (OrderState.CANCEL_PENDING, state) in ORDER_TRANSITIONS
    assert group.apply(CancelRefused(1, "not acknowledged", at(2))) is True
    assert (record.state, record.before_cancel, record.cancel_refused_state) == (state, None, state)


@pytest.mark.parametrize("state", [OrderState.INVALID, OrderState.CANCELED, OrderState.SUBMITTED])
def test_fill_on_a_self_transition_outside_the_table_is_counted_as_an_anomaly(state: OrderState) -> None:
    """The portfolio holds every fill LEAN is told of: never dropped, held for the operator."""
    group, _ = _order_in(state)
    group.apply(update(1, state, 2))
    assert group.legs[0].orders[0].filled == 2
    assert group.held and len(group.anomalies) == 1


# --- Idempotency and fill bounds -------------------------------------------------------------------


def test_duplicate_event_id_is_ignored() -> None:
    group = put_spread(4)
    record = send(group, 0, order_id=1)
    event = update(1, OrderState.PARTIALLY_FILLED, 1, event_id=10)
    assert group.apply(event) is True
    log_length = len(group.log)
    assert group.apply(event) is False
    assert (record.filled, len(group.log), record.event_ids) == (1, log_length, [10])
    # An earlier event delivered late is not a duplicate: its fill is real.
    assert group.apply(update(1, OrderState.PARTIALLY_FILLED, 1, event_id=9)) is True
    assert group.apply(update(1, OrderState.PARTIALLY_FILLED, 1, event_id=9)) is False
    assert group.apply(update(1, OrderState.PARTIALLY_FILLED, 1, event_id=11)) is True
    assert (record.filled, record.event_ids) == (3, [10, 9, 11])


def test_event_without_state_changes_nothing_but_marks_the_event_seen() -> None:
    group = put_spread(4)
    record = send(group, 0, order_id=1)
    log_length = len(group.log)
    assert group.apply(update(1, None, event_id=5)) is False  # CANCEL_PENDING / UPDATE_SUBMITTED
    assert (record.state, len(group.log), record.event_ids) == (OrderState.SUBMITTING, log_length, [5])
    assert group.apply(update(1, OrderState.SUBMITTED, event_id=4)) is True  # an earlier event, late
    assert group.apply(update(1, OrderState.SUBMITTED, event_id=4)) is False


def test_a_rollback_is_started_again_only_when_held() -> None:
    group = condor(status=GroupStatus.ROLLING_BACK)
    with pytest.raises(TransitionError, match="only a held rollback"):
        group.apply(StatusChanged(GroupStatus.ROLLING_BACK, "again", at(3), target_structures=0))
    assert group.log == []


@pytest.mark.parametrize("quantity, fills, counted, unexpected", [
    (4, [3, 3], 6, "fill +3 takes the order to +6 of +4"),
    (4, [5], 5, "fill +5 takes the order to +5 of +4"),
    (-4, [-3, -3], -6, "fill -3 takes the order to -6 of -4"),
    (-4, [-9], -9, "fill -9 takes the order to -9 of -4"),
    (4, [-1], -1, "fill -1 against an order of +4"),
    (-4, [2], 2, "fill +2 against an order of -4"),
])
def test_an_unexpected_fill_is_counted_recorded_and_holds_the_group(quantity: int, fills: list[int], counted: int,
                                                                   unexpected: str) -> None:
    """LEAN applies every fill event to the portfolio: the books count what really filled."""
    group = group_of([(LP, quantity), (SP, -quantity)])
    record = send(group, 0, order_id=1)
    for q in fills:
        assert group.apply(update(1, OrderState.PARTIALLY_FILLED, q)) is True
    assert (record.filled, group.legs[0].net_filled) == (counted, counted)
    assert group.held is True
    assert group.anomalies == [f"leg 0 ({LP.ticker}) entry order 1: {unexpected}"]
    assert group.log[-1].message.endswith(f"UNEXPECTED FILL: {unexpected}; group held for the operator")


def test_a_second_fill_report_with_a_fresh_id_is_counted_but_a_redelivery_is_not() -> None:
    group = put_spread(2)
    record = send(group, 1, order_id=2)
    report = update(2, OrderState.FILLED, -2, event_id=7)
    assert group.apply(report) is True
    assert group.apply(report) is False  # the same event delivered again
    assert (record.filled, group.held, group.anomalies) == (-2, False, [])
    assert group.apply(update(2, OrderState.FILLED, -2, event_id=8)) is True  # the broker reported it twice
    assert (record.filled, record.state, group.held) == (-4, OrderState.FILLED, True)
    assert len(group.anomalies) == 1


def test_an_over_filled_reversal_is_an_anomaly_too() -> None:
    group = put_spread(2)
    filled_leg(group, 0, 1)
    begin_rollback(group)
    send(group, 0, quantity=-2, role=Role.ROLLBACK, attempt=1, order_id=3)
    group.apply(update(3, OrderState.FILLED, -2, event_id=1))
    group.apply(update(3, OrderState.FILLED, -2, event_id=2))
    assert group.legs[0].net_filled == -2  # short now: a reversal must buy it back
    assert group.held
    assert group.anomalies == [f"leg 0 ({LP.ticker}) rollback order 3: fill -2 takes the order to -4 of -2"]


def test_hold_changed_holds_and_releases_once() -> None:
    group = put_spread()
    assert group.apply(HoldChanged(True, "partial fill found at recovery", T0)) is True
    assert group.apply(HoldChanged(True, "again", T0)) is False
    assert group.held and group.log[-1].message == "held for the operator: partial fill found at recovery"
    assert group.apply(HoldChanged(False, "operator requested rollback", at(1))) is True
    assert not group.held and group.log[-1].message == "released: operator requested rollback"


def test_partial_fills_accumulate_with_an_average_price() -> None:
    group = put_spread(4)
    record = send(group, 1, order_id=2)  # the short leg: -4
    group.apply(update(2, OrderState.PARTIALLY_FILLED, -1, price=1.0))
    group.apply(update(2, OrderState.PARTIALLY_FILLED, -2, price=2.5))
    assert (record.filled, record.remaining, record.is_open) == (-3, -1, True)
    assert record.average_price == pytest.approx(2.0)
    group.apply(update(2, OrderState.FILLED, -1, price=3.0))
    assert (record.filled, record.remaining, record.is_open) == (-4, 0, False)
    assert record.average_price == pytest.approx(2.25)


def test_late_fill_after_cancel_is_counted() -> None:
    group = put_spread(4)
    record = send(group, 0, order_id=1)
    group.apply(update(1, OrderState.PARTIALLY_FILLED, 1))
    group.apply(CancelRequested(1, T0))
    group.apply(update(1, OrderState.CANCELED))
    assert record.remaining == 0
    assert group.apply(update(1, OrderState.FILLED, 3)) is True  # the fill won the race
    assert (record.filled, record.state) == (4, OrderState.FILLED)
    assert group.legs[0].net_filled == 4


def test_late_partial_fill_after_cancel_keeps_the_order_closed() -> None:
    group = put_spread(4)
    record = send(group, 0, order_id=1)
    group.apply(update(1, OrderState.SUBMITTED))
    group.apply(update(1, OrderState.CANCELED))
    assert group.apply(update(1, OrderState.PARTIALLY_FILLED, 1)) is True
    assert record.filled == 1  # counted ...
    assert not record.is_open  # ... but the broker has closed the order: nothing more will come
    assert record.remaining == 0


def test_message_is_kept_for_refusals_and_cancels() -> None:
    group = put_spread()
    record = send(group, 0, order_id=1)
    group.apply(update(1, OrderState.INVALID, message="insufficient buying power"))
    assert record.message == "insufficient buying power"
    assert "insufficient buying power" in group.log[-1].message


def test_unknown_order_is_ignored_without_a_log_line() -> None:
    group = put_spread()
    send(group, 0, order_id=1)
    log_length = len(group.log)
    assert group.apply(update(99, OrderState.FILLED, 1)) is False
    # A tag naming a record the group never sent (rollback attempt 3) locates nothing either.
    assert group.apply(update(98, OrderState.FILLED, -1, tag=tag_of(group, 0, Role.ROLLBACK, 3))) is False
    assert group.apply(update(97, OrderState.FILLED, 1, tag=tag_of(group, 5))) is False  # no leg 5
    assert len(group.log) == log_length
    assert group.legs[0].net_filled == 0


def test_event_before_the_ticket_is_located_by_tag_and_binds_the_id() -> None:
    """Backtest: SUBMITTED and FILLED arrive inside market_order(), before the id is known."""
    group = put_spread(2)
    record = send(group, 0)
    tag = tag_of(group, 0)
    assert group.apply(update(7, OrderState.SUBMITTED, tag=tag)) is True
    assert group.apply(update(7, OrderState.FILLED, 2, tag=tag)) is True
    assert (record.order_id, record.filled) == (7, 2)
    # Then the ticket comes back: the same id and no new broker id change nothing.
    assert group.apply(OrderIdentified(0, Role.ENTRY, 0, 7, (), at(1))) is False
    assert group.apply(OrderIdentified(0, Role.ENTRY, 0, 7, ("B-7",), at(1))) is True
    assert record.broker_ids == ["B-7"]


def test_an_event_located_by_tag_but_not_applied_binds_nothing() -> None:
    """Looking a record up has no side effect: only an event that is applied binds LEAN's id."""
    group = put_spread(2)
    record = send(group, 0)
    tag = tag_of(group, 0)
    assert group.apply(update(7, None, tag=tag)) is False  # CancelPending: changes nothing
    assert record.order_id is None
    assert group.apply(update(7, OrderState.SUBMITTED, tag=tag)) is True
    assert record.order_id == 7


def test_refused_order_without_an_id_is_recorded_invalid_by_tag() -> None:
    group = put_spread()
    record = send(group, 1)
    tag = tag_of(group, 1)
    assert group.apply(update(0, OrderState.INVALID, event_id=0, tag=tag, message="submission failed")) is True
    assert (record.state, record.order_id, record.message) == (OrderState.INVALID, None, "submission failed")


def test_combo_leg_event_is_located_by_contract_key() -> None:
    group = condor(mode="combo")
    tag = str(OrderTag(group.group_id, Role.ENTRY, None, 0))
    for leg in group.legs:
        group.apply(OrderSent(leg.index, Role.ENTRY, 0, leg.quantity, tag, T0))
    combo_tag = tag_of(group, None)
    assert group.apply(update(12, OrderState.FILLED, -1, tag=combo_tag, contract_key=SC.key)) is True
    assert [leg.net_filled for leg in group.legs] == [0, 0, -1, 0]
    assert group.legs[2].orders[0].order_id == 12
    assert group.apply(update(13, OrderState.FILLED, 1, tag=combo_tag, contract_key="not in the group")) is False


def test_broker_ids_from_events_are_merged() -> None:
    group = put_spread()
    record = send(group, 0, order_id=1, broker_ids=("A",))
    event = update(1, OrderState.SUBMITTED, broker_ids=("B",))
    group.apply(event)
    group.apply(update(1, OrderState.SUBMITTED, event_id=event.event_id, broker_ids=("C",)))  # duplicate
    assert record.broker_ids == ["A", "B", "C"]


# --- Restarts --------------------------------------------------------------------------------------


def test_session_ended_voids_ids_and_identified_rebinds_by_leg_role_attempt() -> None:
    group = put_spread(2)
    entry = send(group, 0, order_id=1, broker_ids=("IB-1",))
    group.apply(update(1, OrderState.PARTIALLY_FILLED, 1, event_id=40))
    reversal = send(group, 1, quantity=-2, order_id=2)
    assert group.apply(SessionEnded(at(100))) is True
    assert (entry.order_id, reversal.order_id, entry.event_ids) == (None, None, [])
    assert entry.broker_ids == ["IB-1"]  # kept for matching
    assert "[1, 2]" in group.log[-1].message
    # The previous run's id 1 now means nothing: LEAN restarts ids at 1 and could reuse it.
    assert group.apply(update(1, OrderState.FILLED, 1)) is False
    assert entry.filled == 1
    # The restart matched broker id IB-1 to a new LEAN order 3.
    assert group.apply(OrderIdentified(0, Role.ENTRY, 0, 3, ("IB-1", "IB-1b"), at(101))) is True
    assert (entry.order_id, entry.broker_ids) == (3, ["IB-1", "IB-1b"])
    # Event ids restart with the new order: a low id applies.
    assert group.apply(update(3, OrderState.FILLED, 1, event_id=1)) is True
    assert (entry.filled, entry.state) == (2, OrderState.FILLED)
    assert group.order(3) == (group.legs[0], entry)


def test_session_ended_without_ids_reports_no_change() -> None:
    group = put_spread()
    send(group, 0)
    assert group.apply(SessionEnded(at(1))) is False


def test_session_ended_forgets_cancels_the_previous_run_requested() -> None:
    """LEAN answers cancel() before its transaction thread sends the request: a crash in between
    loses it, so after a restart the flag is a hint and the order may be cancelled again."""
    group = put_spread(2)
    hanging = send(group, 1, order_id=2, broker_ids=("IB-2",))
    group.apply(StatusChanged(GroupStatus.ROLLING_BACK, "timeout", at(30), 0))
    assert group.apply(CancelRequested(2, at(30))) is True
    assert group.apply(SessionEnded(at(100))) is True
    assert hanging.state is OrderState.SUBMITTING  # back to what LEAN last reported
    assert "cancels of orders [2] may never have reached the brokerage" in group.log[-1].message
    assert group.apply(OrderIdentified(1, Role.ENTRY, 0, 7, ("IB-2",), at(101))) is True
    assert group.apply(CancelRequested(7, at(101))) is True  # asked again under the new id


def test_session_ended_clears_a_refused_cancel_of_the_previous_run() -> None:
    group = put_spread(2)
    record = send(group, 1, order_id=2)
    group.apply(CancelRequested(2, at(1)))
    group.apply(CancelRefused(2, "not acknowledged yet", at(1)))
    assert group.apply(SessionEnded(at(100))) is True
    assert (record.cancel_refused_at, record.cancel_refused_state) == (None, None)


def test_identified_does_not_steal_a_record_bound_to_another_id() -> None:
    group = put_spread()
    record = send(group, 0, order_id=1)
    assert group.apply(OrderIdentified(0, Role.ENTRY, 0, 5, (), at(1))) is False
    assert group.apply(OrderIdentified(0, Role.ROLLBACK, 1, 5, (), at(1))) is False  # no such record
    assert record.order_id == 1


# --- Other events and derived values ---------------------------------------------------------------


def test_order_sent_sets_submitted_at_for_the_first_entry_only() -> None:
    group = put_spread()
    send(group, 0, quantity=1, role=Role.ROLLBACK, attempt=1, time=at(1))
    assert group.submitted_at is None
    send(group, 0, time=at(2))
    send(group, 1, time=at(3))
    assert group.submitted_at == at(2)


def test_cancel_requested_once() -> None:
    group = put_spread()
    record = send(group, 0, order_id=1)
    assert group.apply(CancelRequested(1, T0)) is True
    assert record.state is OrderState.CANCEL_PENDING and record.is_open
    assert group.apply(CancelRequested(1, T0)) is False
    assert group.apply(CancelRequested(42, T0)) is False


def test_a_pending_cancel_stands_while_the_order_moves_on_beneath_it() -> None:
    """An acknowledgement or a partial fill under a pending cancel counts, and the cancel stays
    pending (it is not asked twice); LEAN's refusal takes the order back to where LEAN left it."""
    group = put_spread(4)
    record = send(group, 1, order_id=2)
    group.apply(CancelRequested(2, at(1)))
    assert group.apply(update(2, None)) is False  # LEAN's own CancelPending echo
    assert group.apply(update(2, OrderState.SUBMITTED)) is True
    assert group.apply(update(2, OrderState.PARTIALLY_FILLED, -1)) is True
    assert (record.state, record.reported_state, record.filled) == (
        OrderState.CANCEL_PENDING, OrderState.PARTIALLY_FILLED, -1)
    assert group.apply(CancelRefused(2, "not yet", at(2))) is True
    assert (record.state, record.cancel_refused_state) == (OrderState.PARTIALLY_FILLED, OrderState.PARTIALLY_FILLED)
    assert group.apply(CancelRefused(2, "again", at(2))) is False  # nothing pending
    group.apply(CancelRequested(2, at(3)))
    assert group.apply(update(2, OrderState.CANCELED)) is True
    assert (record.state, record.before_cancel, record.is_open) == (OrderState.CANCELED, None, False)


@pytest.mark.parametrize("state", [OrderState.FILLED, OrderState.CANCELED, OrderState.INVALID])
def test_a_closed_order_cannot_be_cancel_pending(state: OrderState) -> None:
    group = put_spread()
    record = send(group, 0, order_id=1)
    group.apply(update(1, state, 1 if state is OrderState.FILLED else 0))
    assert group.apply(CancelRequested(1, T0)) is False
    assert record.state is state


def test_target_chosen_and_note_are_logged() -> None:
    group = condor(3)
    assert group.apply(TargetChosen(2, at(1))) is True
    assert group.target_structures == 2
    assert "keeping 2 of 3" in group.log[-1].message
    assert group.apply(Note("hello operator", at(2))) is True
    assert group.log[-1].message == "hello operator"


def test_structures_ratio_complete_and_flat() -> None:
    group = group_of([(LC, 2), (LP, 4), (SC, -6)])
    assert group.structures == 2
    assert [group.ratio(leg) for leg in group.legs] == [1, 2, -3]
    assert group.flat and not group.complete
    send(group, 0, order_id=1)
    group.apply(update(1, OrderState.FILLED, 2))
    assert not group.flat and not group.complete
    send(group, 1, order_id=2)
    send(group, 2, order_id=3)
    group.apply(update(2, OrderState.FILLED, 4))
    group.apply(update(3, OrderState.FILLED, -6))
    assert group.complete


def test_leg_entry_and_net_fills_and_rollback_failures() -> None:
    group = put_spread(3)
    leg = group.legs[0]
    send(group, 0, order_id=1, time=at(0))
    group.apply(update(1, OrderState.FILLED, 3))
    send(group, 0, quantity=-3, role=Role.ROLLBACK, attempt=1, order_id=2, time=at(10))
    group.apply(update(2, OrderState.PARTIALLY_FILLED, -1))
    group.apply(update(2, OrderState.CANCELED))
    send(group, 0, quantity=-2, role=Role.ROLLBACK, attempt=2, order_id=3, time=at(20))
    assert (leg.entry_filled, leg.net_filled) == (3, 2)
    assert leg.entry_order is leg.orders[0]
    assert leg.open_orders == [leg.orders[2]]
    assert leg.unwind_failures(Role.ROLLBACK, at(10)) == 1
    assert leg.unwind_failures(Role.ROLLBACK, at(11)) == 0  # before the current rollback began: not counted
    group.apply(update(3, OrderState.INVALID))
    assert leg.unwind_failures(Role.ROLLBACK, at(10)) == 2


# --- Properties over random event sequences --------------------------------------------------------

STATES = [None, *OrderState]


Step = tuple[int, int, OrderState | None, int, bool, bool]


@st.composite
def order_events(draw: st.DrawFn) -> list[Step]:
    """(order id, event id, state, fill, replay-previous, carries-tag) steps for a 4-leg group's 8 orders."""
    return draw(st.lists(
        st.tuples(st.integers(1, 9), st.integers(0, 30), st.sampled_from(STATES), st.integers(-6, 6), st.booleans(),
                  st.booleans()),
        max_size=60,
    ))


def _four_leg_group_with_orders(n: int, *, all_bound: bool = False) -> Group:
    """Entry orders 1..4 and reversals 5..8; unless `all_bound`, the entries of legs 2 and 3 have no id
    yet (their ticket has not come back), so only a tagged event can find them. Id 9 belongs to nothing."""
    group = condor(n)
    for leg in group.legs:
        send(group, leg.index, order_id=leg.index + 1 if all_bound or leg.index < 2 else None)
    for leg in group.legs:
        send(group, leg.index, quantity=-leg.quantity, role=Role.ROLLBACK, attempt=1, order_id=leg.index + 5)
    return group


def _tag_for(group: Group, order_id: int) -> OrderTag:
    if order_id <= 4:
        return tag_of(group, order_id - 1)
    if order_id <= 8:
        return tag_of(group, order_id - 5, Role.ROLLBACK, 1)
    return tag_of(group, 0, Role.ROLLBACK, 7)


@settings(max_examples=300, deadline=None, database=None)
@given(n=st.integers(1, 3), events=order_events())
def test_random_order_events_count_every_fill_and_hold_on_the_unexpected(n: int, events: list[Step]) -> None:
    group = _four_leg_group_with_orders(n)
    seen = []
    for order_id, event_id, state, quantity, replay, tagged in events:
        tag = _tag_for(group, order_id) if tagged else None
        event = seen[-1] if replay and seen else update(order_id, state, quantity, event_id=event_id, tag=tag)
        seen.append(event)
        log_length = len(group.log)
        applied = group.apply(event)  # never raises for order events
        grew = len(group.log) - log_length
        if applied:
            assert grew == 1
        else:
            assert grew in (0, 1)
            if grew:
                assert group.log[-1].message.startswith("ignored")
        ids = [r.order_id for leg in group.legs for r in leg.orders if r.order_id is not None]
        assert len(ids) == len(set(ids))  # an id names one record at most
        beyond = [r for leg in group.legs for r in leg.orders
                  if abs(r.filled) > abs(r.quantity) or r.filled * r.quantity < 0]
        if beyond:  # a fill past an order's size or the wrong way is counted, recorded, and holds the group
            assert group.held and group.anomalies
        assert len(group.anomalies) == sum("UNEXPECTED FILL" in entry.message for entry in group.log)
    assert all(entry.status is GroupStatus.PENDING for entry in group.log)


@settings(max_examples=60, deadline=None, database=None)
@given(events=order_events())
def test_replaying_the_whole_sequence_changes_nothing(events: list[Step]) -> None:
    """Every event has a positive id and every order its id, so a second delivery of the same stream is a
    no-op. (An event that found no record the first time may find one once a later event bound the id.)"""
    group = _four_leg_group_with_orders(2, all_bound=True)
    stream = [update(o, s, q, event_id=e + 1, time=T0 + timedelta(seconds=i)) for i, (o, e, s, q, _, _) in enumerate(events)]
    for event in stream:
        group.apply(event)
    fills = [(r.filled, r.state) for leg in group.legs for r in leg.orders]
    log_length = len(group.log)
    for event in stream:
        assert group.apply(event) is False
    assert [(r.filled, r.state) for leg in group.legs for r in leg.orders] == fills
    assert len(group.log) == log_length


def test_long_options_alone_count_as_bounded_only_while_no_open_order_can_sell() -> None:
    group = put_spread()
    filled_leg(group, 0, order_id=1)          # the long put
    send(group, 1, order_id=2)                # the short put's entry, still working
    assert not group.holds_only_longs         # it may yet fill: a naked short, not a bounded long
    cancel(group, 2)
    assert group.holds_only_longs


def test_a_long_being_sold_stays_bounded_but_a_sale_past_it_does_not() -> None:
    group = put_spread()
    filled_leg(group, 0, order_id=1)
    send(group, 0, quantity=-1, role=Role.ROLLBACK, attempt=1, order_id=2)
    assert group.holds_only_longs             # at worst the long is sold: flat
    send(group, 0, quantity=-1, role=Role.ROLLBACK, attempt=2, order_id=3)
    assert not group.holds_only_longs         # both filling would leave the put short
