"""Groups held to expiry, in the pure core: LEAN's exercise-order fills (ExpiryFill) take the option
legs to zero, and the decisions end the group EXPIRED, or ASSIGNED holding the delivered underlying,
whose flatten is a close of that underlying alone."""

from __future__ import annotations

from datetime import datetime

from atomic.decisions import (ChangeStatus, PlaceOrder, flatten_due, netted_out, next_actions, share_out, start_close,
                              start_flatten)
from atomic.model import ExpiryFill, ExpiryKind, Group, GroupStatus, OrderState, StatusChanged, delivery_of
from atomic.persistence import group_from_json, record_text
from atomic.tags import Role
from atomic.views import view_of
from builders import LC, LP, SC, SP, T0, at, condor, config, equity, filled_leg, put, put_spread, send, update
from recovery.reconcile import Decision, decide

SPY = equity()
MIDNIGHT = at(14 * 3600)  # after the expiry date, when LEAN processes it


def _filled(group: Group) -> Group:
    for leg in group.legs:
        filled_leg(group, leg.index, order_id=100 + leg.index)
    group.apply(StatusChanged(GroupStatus.FILLED, "all legs filled", T0))
    return group


def _expire(group: Group, leg: int, kind: ExpiryKind, *, order_id: int, event_id: int = 1,
            quantity: int | None = None, underlying: bool = True, time: datetime = MIDNIGHT) -> bool:
    contract = group.legs[leg].contract
    fill = -group.legs[leg].net_filled if quantity is None else quantity
    physical = SPY if underlying and kind in (ExpiryKind.EXERCISED, ExpiryKind.ASSIGNED) else None
    return group.apply(ExpiryFill(order_id, event_id, kind, contract, fill, 0.0, time, f"{kind.value}", physical))


def _deliver(group: Group, order_id: int, shares: int, *, event_id: int = 2, price: float = 95.0) -> bool:
    return group.apply(ExpiryFill(order_id, event_id, ExpiryKind.DELIVERY, SPY, shares, price, MIDNIGHT, "Option Assignment"))


def _decide(group: Group, **changes: object) -> list[object]:
    return list(next_actions(group, MIDNIGHT, config(**changes)))


def test_a_condor_expiring_worthless_ends_expired_only_once_every_leg_expired() -> None:
    group = _filled(condor(2))
    for leg in range(3):
        assert _expire(group, leg, ExpiryKind.OTM, order_id=10 + leg)
        assert _decide(group) == []  # the other contracts' exercise orders are still to come
    _expire(group, 3, ExpiryKind.OTM, order_id=13)
    (action,) = _decide(group)
    assert isinstance(action, ChangeStatus) and action.status is GroupStatus.EXPIRED
    assert group.flat and group.underlying_position == []


def test_an_assigned_short_put_waits_for_its_delivery_then_ends_assigned_holding_the_shares() -> None:
    group = _filled(put_spread(2))  # long 90 put, short 95 put
    _expire(group, 0, ExpiryKind.OTM, order_id=20)
    _expire(group, 1, ExpiryKind.ASSIGNED, order_id=21)
    assert group.options_flat and group.delivery_due
    assert _decide(group) == []  # the shares of the same exercise order are on their way
    assert _deliver(group, 21, 200)
    (action,) = _decide(group)
    assert isinstance(action, ChangeStatus) and action.status is GroupStatus.ASSIGNED
    assert group.underlying_position == [("SPY", 200)] and group.legs[2].delivered == 200
    assert group.legs[2].orders[0].average_price == 95.0


def test_a_cash_settled_exercise_delivers_nothing_and_ends_expired() -> None:
    group = _filled(put_spread(1))
    _expire(group, 0, ExpiryKind.EXERCISED, order_id=30, underlying=False)
    _expire(group, 1, ExpiryKind.ASSIGNED, order_id=31, underlying=False)
    (action,) = _decide(group)
    assert isinstance(action, ChangeStatus) and action.status is GroupStatus.EXPIRED


def test_the_delivery_of_each_kind_of_exercise_is_leans() -> None:
    # Option.GetExerciseQuantity: a long call exercised buys, a long put sells, a short put assigned buys.
    assert delivery_of(LC, -1) == 100 and delivery_of(LP, -2) == -200
    assert delivery_of(SP, 1) == 100 and delivery_of(SC, 3) == -300


def test_a_duplicate_expiry_event_is_ignored() -> None:
    group = _filled(put_spread(1))
    assert _expire(group, 0, ExpiryKind.OTM, order_id=40, event_id=7)
    assert not _expire(group, 0, ExpiryKind.OTM, order_id=40, event_id=7, quantity=-1)
    assert group.legs[0].net_filled == 0 and not group.anomalies


def test_an_expiry_fill_that_grows_the_position_is_an_anomaly_that_holds_the_group() -> None:
    group = _filled(put_spread(1))
    _expire(group, 0, ExpiryKind.OTM, order_id=50, quantity=+1)
    assert group.held and group.legs[0].net_filled == 2 and "expiry fill +1 on a position of +1" in group.anomalies[0]


def test_a_delivery_nobody_awaits_is_not_taken() -> None:
    group = _filled(put_spread(1))
    assert not _deliver(group, 60, 100)
    _expire(group, 1, ExpiryKind.ASSIGNED, order_id=61)
    assert not _deliver(group, 60, 100)  # another order's
    assert _deliver(group, 61, 100) and not _deliver(group, 61, 100, event_id=3)  # a second one: awaited no more


def test_a_close_caught_by_expiry_is_completed_by_it() -> None:
    group = _filled(put_spread(1))
    group.apply(StatusChanged(GroupStatus.CLOSING, "close", T0, 0))
    exit_order = send(group, 1, quantity=1, role=Role.EXIT, attempt=1, order_id=70)
    group.apply(update(70, OrderState.FILLED, 1))  # the short bought back
    assert isinstance(_decide(group)[0], PlaceOrder)  # then the long is sold...
    _expire(group, 0, ExpiryKind.OTM, order_id=71)  # ... unless it expires first
    (action,) = _decide(group)
    assert exit_order.filled == 1 and isinstance(action, ChangeStatus) and action.status is GroupStatus.EXPIRED


def test_a_close_caught_by_an_assignment_ends_assigned_without_selling_the_shares() -> None:
    group = _filled(put_spread(1))
    group.apply(StatusChanged(GroupStatus.CLOSING, "close", T0, 0))
    send(group, 1, quantity=1, role=Role.EXIT, attempt=1, order_id=80)
    group.apply(update(80, OrderState.CANCELED))  # delisted before it filled
    _expire(group, 0, ExpiryKind.OTM, order_id=81)
    _expire(group, 1, ExpiryKind.ASSIGNED, order_id=82)
    _deliver(group, 82, 100)
    (action,) = _decide(group)
    assert isinstance(action, ChangeStatus) and action.status is GroupStatus.ASSIGNED


def test_a_part_closed_group_whose_close_failed_is_completed_by_expiry() -> None:
    group = _filled(put_spread(1))
    group.apply(StatusChanged(GroupStatus.CLOSING, "close", T0, 0))
    send(group, 1, quantity=1, role=Role.EXIT, attempt=1, order_id=90)
    group.apply(update(90, OrderState.FILLED, 1))
    group.apply(StatusChanged(GroupStatus.CLOSE_FAILED, "the long could not be sold", at(60)))
    assert _decide(group) == []
    _expire(group, 0, ExpiryKind.OTM, order_id=91)
    (action,) = _decide(group)
    assert isinstance(action, ChangeStatus) and action.status is GroupStatus.EXPIRED


def _assigned(shares: int = 100) -> Group:
    group = _filled(put_spread(1))
    _expire(group, 0, ExpiryKind.OTM, order_id=1)
    _expire(group, 1, ExpiryKind.ASSIGNED, order_id=2)
    _deliver(group, 2, shares)
    group.apply(StatusChanged(GroupStatus.ASSIGNED, "assigned", MIDNIGHT))
    return group


def test_the_flatten_is_a_close_of_the_delivered_shares_that_ends_assigned_again() -> None:
    group = _assigned()
    assert flatten_due(group, config()) and not flatten_due(group, config(flatten_assigned=False))
    assert _decide(group) == []  # the executor starts it when the exchange is open
    start = start_flatten(group)
    assert (start.status, start.target_structures) == (GroupStatus.CLOSING, 0) and "+100 SPY" in start.reason
    group.apply(StatusChanged(start.status, start.reason, at(20 * 3600), 0))
    (sell,) = next_actions(group, at(20 * 3600), config())
    assert sell == PlaceOrder(2, -100, Role.EXIT, 1)
    send(group, 2, quantity=-100, role=Role.EXIT, attempt=1, order_id=3, time=at(20 * 3600))
    group.apply(update(3, OrderState.FILLED, -100, time=at(20 * 3600)))
    (done,) = next_actions(group, at(20 * 3600), config())
    assert isinstance(done, ChangeStatus) and done.status is GroupStatus.ASSIGNED
    group.apply(StatusChanged(done.status, done.reason, at(20 * 3600)))
    assert group.flat and not flatten_due(group, config()) and group.legs[2].delivered == 100


def test_a_close_requested_of_a_filled_group_never_touches_shares_it_was_not_delivered() -> None:
    group = _filled(put_spread(1))
    close = start_close("operator")
    group.apply(StatusChanged(close.status, close.reason, T0, 0))
    assert {a.leg for a in next_actions(group, T0, config()) if isinstance(a, PlaceOrder)} == {1}


def test_a_group_with_delivered_shares_round_trips_through_its_record() -> None:
    group = _assigned()
    restored = group_from_json(record_text(group, seq=1))
    assert restored.underlying_position == [("SPY", 100)] and restored.status is GroupStatus.ASSIGNED
    assert [o.role for o in restored.legs[2].orders] == [Role.EXPIRY] and restored.legs[2].is_delivery
    assert flatten_due(restored, config())
    assert put(95).key == restored.legs[1].contract.key


def test_what_an_assignment_delivered_at_the_strike_is_the_groups_expiry_cash_in_its_view_and_record() -> None:
    group = _assigned(100)  # the short 95 put assigned: 100 shares bought at 95; the long 90 put worthless
    assert group.expiry_cash == -9_500.0
    assert view_of(group).expiry_cash == -9_500.0
    assert group_from_json(record_text(group, seq=1)).expiry_cash == -9_500.0


def test_a_cash_settlement_is_the_groups_expiry_cash_and_a_worthless_expiry_none() -> None:
    group = _filled(put_spread(2))  # long 90 put, short 95 put; the index settles at 88
    group.apply(ExpiryFill(40, 1, ExpiryKind.EXERCISED, LP, -2, 0.0, MIDNIGHT, "Automatic Exercise", settlement=2.0))
    group.apply(ExpiryFill(41, 1, ExpiryKind.ASSIGNED, SP, 2, 0.0, MIDNIGHT, "Assigned", settlement=7.0))
    assert group.expiry_cash == 2 * 100 * 2.0 - 2 * 100 * 7.0  # received the long's 2, paid the short's 7
    assert "cash settled at 7" in group.log[-1].message
    worthless = _filled(put_spread(1))
    _expire(worthless, 0, ExpiryKind.OTM, order_id=42)
    _expire(worthless, 1, ExpiryKind.OTM, order_id=43)
    assert worthless.expiry_cash == 0.0 and view_of(worthless).expiry_cash == 0.0


def test_an_early_assignment_leaves_the_group_filled_until_its_other_legs_expire_and_a_restart_keeps_it() -> None:
    group = _filled(put_spread(1))
    _expire(group, 1, ExpiryKind.ASSIGNED, order_id=5, time=T0)  # backtests: deep ITM, days before expiry
    _deliver(group, 5, 100)
    assert group.status is GroupStatus.FILLED and _decide(group) == []  # the long put still protects
    assert decide(group, flatten=True, unknown=False) is Decision.KEEP_EXPIRY  # not a partial fill to unwind
    close = start_close("operator")
    group.apply(StatusChanged(close.status, close.reason, T0, 0))
    (sell,) = next_actions(group, T0, config())
    assert sell == PlaceOrder(0, -1, Role.EXIT, 1)  # the long put is closed; the shares are the flatten's


def test_at_expiry_every_group_holding_the_contract_goes_to_zero_even_when_their_positions_net_out() -> None:
    # A butterfly long 8 and a condor short 4 of one call: the account holds +4, LEAN exercises -4.
    assert share_out(-4, [8, -4], whole=True) == [-8, 4]
    assert share_out(-5, [8, -4], whole=True) == [-8, 4]  # -1 left over: the caller's anomaly


def test_positions_that_cancel_out_in_an_account_holding_none_are_netted() -> None:
    assert netted_out([-1, 1], held=0)
    assert netted_out([-3, 1, 2], held=0)
    assert not netted_out([-2, 1], held=-1)  # the account holds -1: LEAN's exercise order moves it
    assert not netted_out([-2, 1], held=0)  # a position nobody accounts for is no netting
    assert not netted_out([0, 0], held=0)
    assert not netted_out([-1, 1], held=3)  # a manual position beside them: LEAN exercises it


def test_a_netted_leg_ends_the_group_expired_with_nothing_delivered() -> None:
    group = _filled(put_spread())
    _expire(group, 0, ExpiryKind.OTM, order_id=7)
    assert _decide(group) == []  # the short put's leg, netted against another group, has no event
    assert _expire(group, 1, ExpiryKind.NETTED, order_id=0, event_id=-1)
    [action] = _decide(group)
    assert isinstance(action, ChangeStatus) and action.status is GroupStatus.EXPIRED
    assert group.options_flat and not group.underlying_position


def test_an_early_assignment_goes_to_the_shorts_it_reduces_oldest_first() -> None:
    assert share_out(3, [-2, 5, -2], whole=False) == [2, 0, 1]
    assert share_out(6, [-2, -2], whole=False) == [2, 2]  # 2 left over
