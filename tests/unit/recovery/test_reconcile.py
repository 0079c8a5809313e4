"""recovery.reconcile: what really happened to a stored group's orders (establish) and what to do (decide)."""

from __future__ import annotations

import itertools
import json
from collections.abc import Mapping, Sequence

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from atomic.model import (
    GROUP_TRANSITIONS,
    CancelRequested,
    Group,
    GroupStatus,
    OrderIdentified,
    OrderState,
    OrderUpdate,
    SessionEnded,
    StatusChanged,
)
from atomic.persistence import group_from_json, group_to_dict
from atomic.ports import BrokerOrder
from atomic.tags import Role, parse_tag
from recovery.reconcile import Decision, Establishment, Others, changes_since, decide, establish, orders_to_cancel, owners

from builders import LC, LP, SC, SP, T0, at, condor, filled_leg, put_spread, send, update

NOW = at(3600)


def recover_one(group: Group, open_orders: Sequence[BrokerOrder] = (), holdings: Mapping[str, int] | None = None,
                claimed: Mapping[str, Others | None] | None = None) -> tuple[Group, Establishment]:
    """What recovery does for one group: read it back, void the old run's ids, establish, record the
    events. Returns the recovered copy and what was found."""
    group = _through_the_store(group)
    group.apply(SessionEnded(NOW))
    found = establish(group, open_orders, holdings or {}, claimed or {}, NOW)
    for event in found.events:
        group.apply(event)
    return group, found


def _through_the_store(group: Group) -> Group:
    """Recovery only ever sees groups read back from the store."""
    return group_from_json(json.dumps(group_to_dict(group)))


def sent_put_spread(n: int = 2, holdings_before: int | None = 0) -> Group:
    """A put spread whose two entry orders were acknowledged (ids 1, 2; broker ids IB1, IB2), nothing filled."""
    group = put_spread(n, holdings_before=holdings_before)
    for leg in group.legs:
        send(group, leg.index, order_id=leg.index + 1, broker_ids=(f"IB{leg.index + 1}",))
        group.apply(update(leg.index + 1, OrderState.SUBMITTED))
    return group


# --- Orders that closed while the algorithm was down -----------------------------------------------


def test_fills_while_down_are_inferred_from_holdings() -> None:
    group, found = recover_one(sent_put_spread(), holdings={LP.key: 2, SP.key: -2})
    assert [(leg.net_filled, leg.orders[0].state) for leg in group.legs] == [(2, OrderState.FILLED), (-2, OrderState.FILLED)]
    assert [leg.net_filled for leg in group.legs] == [2, -2]
    assert not found.unknown and found.notes == []
    assert all(isinstance(e, OrderUpdate) and "inferred" in e.message for e in found.events)
    assert decide(group, flatten=True, unknown=found.unknown) is Decision.MARK_FILLED


def test_orders_gone_without_holdings_are_closed_unfilled() -> None:
    group, found = recover_one(sent_put_spread(), holdings={})
    assert [leg.orders[0].state for leg in group.legs] == [OrderState.CANCELED, OrderState.CANCELED]
    assert group.flat
    assert decide(group, flatten=True, unknown=False) is Decision.ROLL_BACK_NOTHING_FILLED


@pytest.mark.parametrize("flatten, decision", [(True, Decision.FLATTEN_PARTIAL), (False, Decision.HOLD_PARTIAL)])
def test_partial_fill_while_down(flatten: bool, decision: Decision) -> None:
    group, found = recover_one(sent_put_spread(), holdings={LP.key: 2, SP.key: -1})
    short = group.legs[1].orders[0]
    assert (short.state, short.filled) == (OrderState.CANCELED, -1)
    assert [leg.net_filled for leg in group.legs] == [2, -1]
    assert decide(group, flatten=flatten, unknown=False) is decision


def test_a_manual_position_held_before_the_group_is_never_attributed() -> None:
    group, found = recover_one(sent_put_spread(holdings_before=5), holdings={LP.key: 5, SP.key: 5})
    assert group.flat
    group, found = recover_one(sent_put_spread(holdings_before=5), holdings={LP.key: 6, SP.key: 4})
    assert [leg.net_filled for leg in group.legs] == [1, -1]
    assert found.notes == []


@pytest.mark.parametrize("holding, extra", [(10, 2), (-3, 0)])
def test_inferred_fill_is_clamped_to_the_groups_own_room(holding: int, extra: int) -> None:
    group, found = recover_one(sent_put_spread(), holdings={LP.key: holding})
    assert group.legs[0].net_filled == extra
    assert any(note.startswith(f"leg 0 ({LP.ticker}): holdings differ by {holding}, the group's own orders explain "
                               f"{extra}") for note in found.notes)


def test_room_is_what_the_record_has_not_yet_filled() -> None:
    group = sent_put_spread(3)
    group.apply(update(1, OrderState.PARTIALLY_FILLED, 2))  # recorded before the crash
    group, found = recover_one(group, holdings={LP.key: 7})
    assert group.legs[0].net_filled == 3  # 2 recorded + at most 1 more
    assert group.legs[0].orders[0].state is OrderState.FILLED


def test_other_groups_changes_since_the_snapshot_are_subtracted() -> None:
    stored = sent_put_spread(3)
    group, _ = recover_one(stored, holdings={LP.key: 3}, claimed={LP.key: Others(change=1)})
    assert group.legs[0].net_filled == 2
    group, _ = recover_one(stored, holdings={LP.key: 3})  # without the claim, all three would be its own
    assert group.legs[0].net_filled == 3


def test_a_newer_groups_recorded_fill_is_its_own() -> None:
    older = sent_put_spread(3)
    newer = put_spread(1, group_id="g2", created_at=at(60))
    filled_leg(newer, 0, order_id=7, time=at(60))  # the newer group recorded its own fill of 1
    claimed = {LP.key: changes_since([newer], LP.key, older.holdings_taken_at, {})}
    assert claimed[LP.key] == Others(change=1)
    group, found = recover_one(older, holdings={LP.key: 3}, claimed=claimed)
    assert group.legs[0].net_filled == 2


def test_a_rollback_in_flight_at_the_crash_is_completed_from_holdings() -> None:
    group = put_spread(2)
    filled_leg(group, 0, order_id=1)
    filled_leg(group, 1, order_id=2)
    group.apply(StatusChanged(GroupStatus.ROLLING_BACK, "timeout", at(5), 0))
    send(group, 1, quantity=2, role=Role.ROLLBACK, attempt=1, order_id=3, time=at(6))
    send(group, 0, quantity=-2, role=Role.ROLLBACK, attempt=1, order_id=4, time=at(7))
    group, found = recover_one(group, holdings={LP.key: 1, SP.key: 0})
    assert [leg.net_filled for leg in group.legs] == [1, 0]
    assert [leg.orders[-1].state for leg in group.legs] == [OrderState.CANCELED, OrderState.FILLED]
    assert decide(group, flatten=False, unknown=False) is Decision.CONTINUE_ROLLBACK


def test_an_inferred_fill_is_spread_over_the_legs_uncertain_orders_in_order() -> None:
    group = put_spread(4)
    send(group, 0, quantity=3, order_id=1, time=T0)
    send(group, 0, quantity=1, attempt=1, order_id=2, time=T0)
    group, found = recover_one(group, holdings={LP.key: 4})
    orders = group.legs[0].orders
    assert [(o.filled, o.state) for o in orders] == [(3, OrderState.FILLED), (1, OrderState.FILLED)]
    assert group.legs[0].net_filled == 4


# --- Orders still open at the brokerage ------------------------------------------------------------


def test_open_order_is_matched_by_broker_id_after_a_restart() -> None:
    """LEAN gives reloaded open orders new ids and no tag; the broker id is what matches."""
    open_orders = [BrokerOrder(order_id=1, contract_key=SP.key, quantity=-2, broker_ids=("IB2",), tag=None)]
    group, found = recover_one(sent_put_spread(), open_orders, holdings={LP.key: 2, SP.key: -1})
    assert OrderIdentified(1, Role.ENTRY, 0, 1, ("IB2",), NOW) in found.events
    short = group.legs[1].orders[0]
    assert (short.order_id, short.filled, short.state, short.is_open) == (1, -1, OrderState.PARTIALLY_FILLED, True)
    assert group.order(1) == (group.legs[1], short)  # the new id now routes this order's future events
    long = group.legs[0].orders[0]
    assert (long.order_id, long.filled, long.state) == (None, 2, OrderState.FILLED)  # closed while down


def test_open_order_without_a_fill_is_only_identified() -> None:
    open_orders = [BrokerOrder(5, LP.key, 2, ("IB1",), None)]
    group, found = recover_one(sent_put_spread(), open_orders, holdings={})
    assert [type(e).__name__ for e in found.events] == ["OrderIdentified", "OrderUpdate"]
    assert (group.legs[0].orders[0].order_id, group.legs[0].orders[0].state) == (5, OrderState.SUBMITTED)
    assert group.legs[1].orders[0].state is OrderState.CANCELED


def test_open_order_is_matched_by_tag_in_the_same_run() -> None:
    group = sent_put_spread()
    tag = parse_tag(group.legs[0].orders[0].tag)
    open_orders = [BrokerOrder(8, LP.key, 2, (), tag)]
    group, found = recover_one(group, open_orders, holdings={})
    assert OrderIdentified(0, Role.ENTRY, 0, 8, (), NOW) in found.events


def test_every_entry_still_open_is_cancelled_whatever_the_record_says_was_asked() -> None:
    """A cancel requested before the restart may never have left LEAN: the order is cancelled again."""
    group = sent_put_spread()
    group.apply(StatusChanged(GroupStatus.ROLLING_BACK, "timeout", at(30), 0))
    group.apply(CancelRequested(2, at(30)))
    open_orders = [BrokerOrder(5, SP.key, -2, ("IB2",), None)]
    group, found = recover_one(group, open_orders, holdings={})
    decision = decide(group, flatten=True, unknown=False)
    assert decision is Decision.CONTINUE_ROLLBACK
    assert orders_to_cancel(group, found.matched, decision) == [5]


@pytest.mark.parametrize("decision", list(Decision))
def test_a_reversal_still_open_is_kept_only_by_a_rollback_that_goes_on(decision: Decision) -> None:
    group = put_spread(2)
    filled_leg(group, 1, order_id=2)
    group.apply(StatusChanged(GroupStatus.ROLLING_BACK, "timeout", at(30), 0))
    send(group, 1, quantity=2, role=Role.ROLLBACK, attempt=1, order_id=3, broker_ids=("IB3",), time=at(31))
    group, found = recover_one(group, [BrokerOrder(6, SP.key, 2, ("IB3",), None)], holdings={SP.key: -2})
    expected = [] if decision is Decision.CONTINUE_ROLLBACK else [6]
    assert orders_to_cancel(group, found.matched, decision) == expected


def test_an_order_another_group_names_by_broker_id_is_that_groups_alone() -> None:
    """The other group's record knows the order's broker id; this one's never learnt its own: the
    contract-and-quantity fallback must not take the other's order (recovery passes only orders
    `owners` leaves to the group)."""
    known, unbound = sent_put_spread(), put_spread(2, group_id="g2")
    send(unbound, 0)
    resting = [BrokerOrder(7, LP.key, 2, ("IB1",), None)]
    owner = owners([unbound, known], resting)
    assert owner == {7: known.group_id}
    _, taken = recover_one(unbound, resting, holdings={})
    assert taken.matched == {7}  # the fallback alone would take it
    _, found = recover_one(unbound, [o for o in resting if owner.get(o.order_id, "g2") == "g2"], holdings={})
    assert found.matched == set()


def test_a_record_with_broker_ids_none_open_is_closed_whatever_else_rests_in_the_contract() -> None:
    """Another order, untagged after a restart, rests in the leg's contract. The record's own broker
    id is not open, so its order closed: its fill is inferred, not held as unknown."""
    stranger = [BrokerOrder(9, LP.key, 2, ("IB9",), None)]
    group, found = recover_one(sent_put_spread(), stranger, holdings={LP.key: 2, SP.key: -2})
    assert not found.unknown and group.complete, found.notes


def test_an_order_on_another_contract_is_not_matched() -> None:
    open_orders = [BrokerOrder(5, SC.key, -2, ("IB2",), None)]  # same broker id, other symbol
    group, found = recover_one(sent_put_spread(), open_orders, holdings={})
    assert not any(isinstance(e, OrderIdentified) for e in found.events)


def test_closed_records_are_left_alone() -> None:
    group = put_spread(1)
    filled_leg(group, 0, order_id=1)
    filled_leg(group, 1, order_id=2)
    group, found = recover_one(group, [BrokerOrder(9, LP.key, 1, ("x",), parse_tag(group.legs[0].orders[0].tag))],
                        holdings={LP.key: 50})
    assert found.events == [] and found.notes == []
    assert [leg.net_filled for leg in group.legs] == [1, -1]
    assert decide(group, flatten=True, unknown=False) is Decision.MARK_FILLED


# --- Unknown fills ---------------------------------------------------------------------------------


def test_no_holdings_snapshot_with_an_uncertain_order_is_unknown() -> None:
    group, found = recover_one(sent_put_spread(holdings_before=None), holdings={LP.key: 2})
    assert found.unknown
    assert any("no holdings snapshot" in note for note in found.notes)
    assert all(not isinstance(e, OrderUpdate) for e in found.events)  # nothing is guessed
    assert decide(group, flatten=True, unknown=True) is Decision.HOLD_UNKNOWN


def _seed_record() -> Group:
    return group_from_json(json.dumps({
        "group_id": "seed-1", "strategy": "Friday_0DTE", "timestamp": "2024-06-07T10:30:00-04:00", "status": "PENDING",
        "legs": [{"symbol": LC.key, "quantity": 1, "status": "FILLED"}, {"symbol": LP.key, "quantity": 1, "status": "FILLED"},
                 {"symbol": SC.key, "quantity": -1, "status": "FILLED"}, {"symbol": SP.key, "quantity": -1, "status": "SUBMITTED"}],
    }))


def test_schema_1_record_without_holdings_snapshot_is_held() -> None:
    group = _seed_record()
    group, found = recover_one(group, holdings={LC.key: 1, LP.key: 1, SC.key: -1})
    assert found.unknown
    assert decide(group, flatten=True, unknown=found.unknown) is Decision.HOLD_UNKNOWN


def test_holdings_in_a_leg_the_group_never_ordered_are_not_attributed_to_it() -> None:
    """The executor forces every write that precedes an order to disk, so a leg without an order
    record never had one: a change in its holdings is someone else's (a manual trade)."""
    group = condor(1)  # the durable intent: snapshots taken, no order recorded yet
    group, found = recover_one(group, holdings={LC.key: 1, LP.key: 1, SC.key: -1})
    assert not found.unknown and group.flat
    assert decide(group, flatten=True, unknown=found.unknown) is Decision.ROLL_BACK_NOTHING_FILLED


# --- decide ----------------------------------------------------------------------------------------


def _shaped(shape: str, status: GroupStatus) -> Group:
    group = put_spread(2)
    if shape in ("complete", "partial"):
        filled_leg(group, 0, order_id=1)
    if shape == "complete":
        filled_leg(group, 1, order_id=2)
    group.status = status
    return group


SHAPES = ["complete", "flat", "partial"]


@pytest.mark.parametrize("status, flatten, unknown", list(itertools.product(
    [GroupStatus.PENDING, GroupStatus.ROLLING_BACK, GroupStatus.ROLLBACK_FAILED], [True, False], [True, False])))
def test_decide_a_group_held_for_an_unexpected_fill_stays_held(status: GroupStatus, flatten: bool, unknown: bool) -> None:
    """Its books may count a fill the broker never made (reported twice, booked once): whatever its
    shape, recovery takes no automatic action on it; the operator does."""
    group = _shaped("partial", status)
    assert group.apply(update(1, OrderState.FILLED, 2))  # a second report, with a fresh event id
    assert group.held and group.anomalies
    assert decide(group, flatten, unknown) is Decision.HOLD_ANOMALY


@pytest.mark.parametrize("shape, flatten, unknown", list(itertools.product(SHAPES, [True, False], [True, False])))
def test_decide_rollback_failed_stays_failed(shape: str, flatten: bool, unknown: bool) -> None:
    assert decide(_shaped(shape, GroupStatus.ROLLBACK_FAILED), flatten, unknown) is Decision.STILL_FAILED


@pytest.mark.parametrize("status, shape, flatten", list(itertools.product(
    [GroupStatus.PENDING, GroupStatus.ROLLING_BACK], SHAPES, [True, False])))
def test_decide_unknown_fills_are_held(status: GroupStatus, shape: str, flatten: bool) -> None:
    assert decide(_shaped(shape, status), flatten, unknown=True) is Decision.HOLD_UNKNOWN


@pytest.mark.parametrize("shape, flatten", list(itertools.product(SHAPES, [True, False])))
def test_decide_rolling_back_continues(shape: str, flatten: bool) -> None:
    assert decide(_shaped(shape, GroupStatus.ROLLING_BACK), flatten, unknown=False) is Decision.CONTINUE_ROLLBACK


@pytest.mark.parametrize("shape, flatten, decision", [
    ("complete", True, Decision.MARK_FILLED),
    ("complete", False, Decision.MARK_FILLED),
    ("flat", True, Decision.ROLL_BACK_NOTHING_FILLED),
    ("flat", False, Decision.ROLL_BACK_NOTHING_FILLED),
    ("partial", True, Decision.FLATTEN_PARTIAL),
    ("partial", False, Decision.HOLD_PARTIAL),
])
def test_decide_pending(shape: str, flatten: bool, decision: Decision) -> None:
    assert decide(_shaped(shape, GroupStatus.PENDING), flatten, unknown=False) is decision


# What recover() turns each decision into, for the groups that live under open keys.
_STATUS_CHANGE = {
    Decision.MARK_FILLED: GroupStatus.FILLED,
    Decision.ROLL_BACK_NOTHING_FILLED: GroupStatus.ROLLING_BACK,
    Decision.FLATTEN_PARTIAL: GroupStatus.ROLLING_BACK,
}


@pytest.mark.parametrize("status, shape, flatten, unknown", list(itertools.product(
    [GroupStatus.PENDING, GroupStatus.ROLLING_BACK, GroupStatus.ROLLBACK_FAILED], SHAPES, [True, False], [True, False])))
def test_decisions_for_unsettled_groups_are_legal_transitions(status: GroupStatus, shape: str, flatten: bool,
                                                              unknown: bool) -> None:
    decision = decide(_shaped(shape, status), flatten, unknown)
    target = _STATUS_CHANGE.get(decision)
    assert target is None or (status, target) in GROUP_TRANSITIONS


# --- Properties ------------------------------------------------------------------------------------

RECORD_STATES = [OrderState.SUBMITTING, OrderState.SUBMITTED, OrderState.PARTIALLY_FILLED, OrderState.FILLED,
                 OrderState.CANCELED, OrderState.INVALID]


@st.composite
def stored_groups(draw: st.DrawFn) -> tuple[Group, list[BrokerOrder]]:
    """A condor as a crash may have left it: each leg's entry (and maybe a reversal) in any state, some
    still open at the brokerage under a new id."""
    n = draw(st.integers(1, 3))
    group = condor(n, holdings_before=None)
    open_orders = []
    next_id = itertools.count(1)
    for leg in group.legs:
        leg.holdings_before = draw(st.none() | st.integers(-3, 3))
        kinds = [Role.ENTRY] + ([Role.ROLLBACK] if draw(st.booleans()) else [])
        for role in kinds:
            quantity = leg.quantity if role is Role.ENTRY else -leg.quantity
            order_id = next(next_id)
            record = send(group, leg.index, quantity=quantity, role=role, attempt=0 if role is Role.ENTRY else 1,
                          order_id=order_id, broker_ids=(f"IB{order_id}",))
            state = draw(st.sampled_from(RECORD_STATES))
            done = draw(st.integers(1, abs(quantity))) * (1 if quantity > 0 else -1)
            if state is OrderState.PARTIALLY_FILLED and abs(done) == abs(quantity):
                state = OrderState.FILLED
            if state is not OrderState.SUBMITTING:
                fill = done if state in (OrderState.PARTIALLY_FILLED, OrderState.FILLED) else 0
                group.apply(update(order_id, OrderState.SUBMITTED))
                group.apply(update(order_id, state, quantity if state is OrderState.FILLED else fill))
            if record.is_open and draw(st.booleans()):
                open_orders.append(BrokerOrder(100 + order_id, leg.contract.key, quantity, (f"IB{order_id}",), None))
    return group, open_orders


@settings(max_examples=200, deadline=None, database=None)
@given(stored=stored_groups(), data=st.data())
def test_establish_is_consistent_bounded_and_closes_what_is_gone(stored: tuple[Group, list[BrokerOrder]],
                                                                  data: st.DataObject) -> None:
    original, open_orders = stored
    keys = [leg.contract.key for leg in original.legs]
    holdings = {k: data.draw(st.integers(-8, 8), label=f"holding {k}") for k in keys}
    claimed = {k: Others(change=data.draw(st.integers(-2, 2), label=f"claim {k}")) for k in keys}
    group = _through_the_store(original)
    group.apply(SessionEnded(NOW))
    before = {leg.contract.key: leg.net_filled for leg in group.legs}
    found = establish(group, open_orders, holdings, claimed, NOW)
    for event in found.events:
        assert group.apply(event) is True, event  # every established event lands
    matched_ids = {e.order_id for e in found.events if isinstance(e, OrderIdentified)}
    working = {(e.leg, e.role, e.attempt) for e in found.events if isinstance(e, OrderIdentified)}
    assert matched_ids <= {o.order_id for o in open_orders}
    expect_unknown = False
    for leg in group.legs:
        key = leg.contract.key
        uncertain = [o for o in original.legs[leg.index].orders if o.is_open]
        # An order the brokerage still shows working has one unit at least left unfilled.
        rests = [o.quantity - o.filled - (0 if (leg.index, o.role, o.attempt) not in working else
                                          (1 if o.quantity - o.filled > 0 else -1 if o.quantity - o.filled < 0 else 0))
                 for o in uncertain]
        low, high = sum(min(0, r) for r in rests), sum(max(0, r) for r in rests)
        extra = leg.net_filled - before[key]
        if leg.holdings_before is None:
            expect_unknown = expect_unknown or bool(uncertain)
            assert extra == 0  # nothing is guessed without a snapshot
            continue
        assert low <= extra <= high
        unexplained = holdings[key] - leg.holdings_before - before[key] - claimed[key].change
        assert extra == max(low, min(high, unexplained))
        for record in leg.orders:
            assert not record.is_open or record.order_id in matched_ids  # gone at the broker means closed
    assert found.unknown is expect_unknown


# --- Other groups' trades in the same contract since the snapshot --------------------------------------


def _other(order_at: float, fill_at: float | None, state: OrderState = OrderState.FILLED) -> Group:
    """Another group whose long's entry (2) was sent at `order_at`, filled at `fill_at` (None: not)."""
    other = put_spread(2, group_id="other", created_at=at(order_at))
    send(other, 0, order_id=9, time=at(order_at))
    other.apply(update(9, OrderState.SUBMITTED, time=at(order_at)))
    if fill_at is not None:
        other.apply(update(9, state, 2 if state is OrderState.FILLED else 1, time=at(fill_at)))
    return other


@pytest.mark.parametrize("order_at, fill_at, state, expected", [
    (-20, -10, OrderState.FILLED, Others()),  # all before the snapshot: in it
    (10, 20, OrderState.FILLED, Others(change=2)),  # all after it
    (0, 20, OrderState.FILLED, Others(change=2)),  # sent in its instant: no fill comes back in the same instant
    (10, None, OrderState.SUBMITTED, Others(high=2)),  # working: may have filled 2 more, unrecorded
    (10, 20, OrderState.PARTIALLY_FILLED, Others(change=1, high=1)),
    (-10, 20, OrderState.FILLED, None),  # working across the snapshot: its fills are either side
    (-10, None, OrderState.SUBMITTED, None),  # a fill before it may be in it, yet in no record
    (-10, 0, OrderState.FILLED, None),  # filled in the snapshot's very instant
])
def test_what_another_group_did_since_the_snapshot(order_at: float, fill_at: float | None, state: OrderState,
                                                   expected: Others | None) -> None:
    assert changes_since([_other(order_at, fill_at, state)], LP.key, T0, {}) == expected


def test_an_order_the_brokerage_shows_working_has_a_unit_left() -> None:
    assert changes_since([_other(10, None)], LP.key, T0, {"other": {(0, 0)}}) == Others(high=1)


@pytest.mark.parametrize("holding, net, unknown", [(0, 0, False), (4, 2, False), (2, 0, True), (3, 0, True)])
def test_holdings_shared_with_another_groups_open_order_are_split_only_when_one_split_fits(
        holding: int, net: int, unknown: bool) -> None:
    """Both groups' long orders of 2 are open: 0 or 4 more held says what each did; 2 could be either."""
    group, found = recover_one(sent_put_spread(), holdings={LP.key: holding}, claimed={LP.key: Others(high=2)})
    assert found.unknown is unknown
    assert group.legs[0].net_filled == net
    if unknown:
        assert group.legs[0].orders[0].is_open  # nothing decided on a guess


def test_a_leg_whose_orders_the_brokerage_shows_working_filled_nothing_more_whatever_the_others_did() -> None:
    group = put_spread(1)
    send(group, 0, order_id=1, broker_ids=("IB1",))
    working = BrokerOrder(11, LP.key, 1, ("IB1",), None)
    group, found = recover_one(group, open_orders=[working], holdings={LP.key: 1}, claimed={LP.key: None})
    assert not found.unknown and group.legs[0].net_filled == 0
    group, found = recover_one(sent_put_spread(), holdings={LP.key: 1}, claimed={LP.key: None})
    assert found.unknown  # not working: its fills and the other group's cannot be told apart
