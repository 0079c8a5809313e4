"""atomic.decisions for closes: an unwind to zero with its own role (EXIT) and statuses."""

from __future__ import annotations

import pytest

from atomic.decisions import (CancelOrder, ChangeStatus, PlaceCombo, PlaceOrder, closable, next_actions, reconcile_first,
                              start_close, unwind_patience)
from atomic.margin import naked_short_contracts
from atomic.model import CancelRequested, Group, GroupStatus, HoldChanged, OrderState, StatusChanged
from atomic.tags import Role
from builders import LC, LP, SC, SP, T0, at, config, filled_leg, group_of, send, update

LEGGED = config()
COMBO = config(execution_mode="combo")
# Seconds an unwind waits, after its last step, for orders that do not close.
PATIENCE = unwind_patience(LEGGED).total_seconds()


def exit_order(index: int, quantity: int, attempt: int = 1) -> PlaceOrder:
    return PlaceOrder(index, quantity, Role.EXIT, attempt)


def filled(legs: list[tuple[object, int]], mode: str = "legged") -> Group:
    """A FILLED group over `legs` (listed shorts first, so ordering comes from the decisions)."""
    group = group_of(legs, mode=mode)  # type: ignore[arg-type]
    for leg in group.legs:
        filled_leg(group, leg.index, order_id=leg.index + 1)
    group.apply(StatusChanged(GroupStatus.FILLED, "all legs filled", T0))
    return group


def closing(legs: list[tuple[object, int]], mode: str = "legged", time: object = T0) -> Group:
    group = filled(legs, mode)
    action = start_close("take profit")
    group.apply(StatusChanged(action.status, action.reason, time, action.target_structures))  # type: ignore[arg-type]
    return group


CONDOR_SHORTS_FIRST = [(SC, -2), (SP, -2), (LC, 2), (LP, 2)]


def _fill(group: Group, order_id: int, quantity: int) -> None:
    group.apply(update(order_id, OrderState.FILLED, quantity))


def test_a_legged_close_buys_every_short_back_then_sells_the_longs() -> None:
    group = closing(CONDOR_SHORTS_FIRST)
    assert next_actions(group, at(1), LEGGED) == [exit_order(0, 2), exit_order(1, 2)]
    send(group, 0, quantity=2, role=Role.EXIT, attempt=1, order_id=10, time=at(1))
    send(group, 1, quantity=2, role=Role.EXIT, attempt=1, order_id=11, time=at(1))
    assert next_actions(group, at(1), LEGGED) == []  # buy-backs open: no long sold
    _fill(group, 10, 2)
    assert next_actions(group, at(2), LEGGED) == []  # one short still open
    _fill(group, 11, 2)
    assert next_actions(group, at(2), LEGGED) == [exit_order(2, -2), exit_order(3, -2)]
    send(group, 2, quantity=-2, role=Role.EXIT, attempt=1, order_id=12, time=at(2))
    send(group, 3, quantity=-2, role=Role.EXIT, attempt=1, order_id=13, time=at(2))
    _fill(group, 12, -2)
    _fill(group, 13, -2)
    assert next_actions(group, at(3), LEGGED) == [ChangeStatus(GroupStatus.CLOSED, "group flat: position closed")]


def test_every_state_a_close_passes_through_is_covered() -> None:
    """Whatever order the actions offered fill in (last first here), the position never holds a naked short."""
    group = closing(CONDOR_SHORTS_FIRST)
    order_id = 100
    for step in range(10):
        actions = next_actions(group, at(step + 1), LEGGED)
        if actions and isinstance(actions[0], ChangeStatus):
            break
        for action in reversed(actions):
            assert isinstance(action, PlaceOrder)
            order_id += 1
            send(group, action.leg, quantity=action.quantity, role=Role.EXIT, attempt=action.attempt, order_id=order_id,
                 time=at(step + 1))
            _fill(group, order_id, action.quantity)
            assert naked_short_contracts([(leg.contract, leg.net_filled) for leg in group.legs]) == 0
    assert group.flat


def test_a_combo_close_goes_first_as_one_combo_of_every_leg() -> None:
    group = closing(CONDOR_SHORTS_FIRST, mode="combo")
    assert next_actions(group, at(1), COMBO) == [PlaceCombo(-2, None, attempt=0, role=Role.EXIT)]


def test_a_refused_combo_close_is_closed_legged_shorts_first() -> None:
    group = closing(CONDOR_SHORTS_FIRST, mode="combo")
    for leg in group.legs:
        send(group, leg.index, quantity=-group.legs[leg.index].quantity, role=Role.EXIT, attempt=0, order_id=20 + leg.index,
             time=at(1))
    assert next_actions(group, at(1), COMBO) == []  # the combo is open
    for leg in group.legs:
        group.apply(update(20 + leg.index, OrderState.INVALID, message="combo refused"))
    assert next_actions(group, at(2), COMBO) == [exit_order(0, 2, 2), exit_order(1, 2, 2)]


def test_a_stale_combo_close_is_cancelled_then_the_rest_is_closed_legged() -> None:
    group = closing(CONDOR_SHORTS_FIRST, mode="combo")
    for leg in group.legs:
        send(group, leg.index, quantity=-leg.quantity, role=Role.EXIT, attempt=0, order_id=20 + leg.index, time=at(1))
    for leg in group.legs:  # one structure of two filled
        group.apply(update(20 + leg.index, OrderState.PARTIALLY_FILLED, -leg.quantity // 2, time=at(2)))
    stale = at(1 + COMBO.unwind_order_timeout)
    assert next_actions(group, stale, COMBO) == [CancelOrder(20), CancelOrder(21), CancelOrder(22), CancelOrder(23)]
    for leg in group.legs:
        group.apply(CancelRequested(20 + leg.index, stale))
        group.apply(update(20 + leg.index, OrderState.CANCELED, time=stale))
    assert next_actions(group, stale, COMBO) == [exit_order(0, 1, 2), exit_order(1, 1, 2)]


def test_failed_exit_orders_are_retried_then_the_close_fails_with_the_long_kept() -> None:
    group = closing([(SP, -1), (LP, 1)], time=at(1))
    for attempt in (1, 2, 3):
        assert next_actions(group, at(2), LEGGED) == [exit_order(0, 1, attempt)]
        send(group, 0, quantity=1, role=Role.EXIT, attempt=attempt, order_id=10 + attempt, time=at(2))
        group.apply(update(10 + attempt, OrderState.INVALID, message="no"))
    assert next_actions(group, at(2), LEGGED) == [
        ChangeStatus(GroupStatus.CLOSE_FAILED, f"leg 0 ({SP.ticker}): 3 close orders failed")]
    assert [leg.net_filled for leg in group.legs] == [-1, 1]  # the long was never sold: still covered


def test_a_close_that_outlives_its_patience_fails() -> None:
    group = closing([(SP, -1), (LP, 1)])
    send(group, 0, quantity=1, role=Role.EXIT, attempt=1, order_id=10, time=T0)
    stale = LEGGED.unwind_order_timeout
    assert next_actions(group, at(stale), LEGGED) == [CancelOrder(10)]
    group.apply(CancelRequested(10, at(stale)))  # ...and the cancel is never confirmed
    assert next_actions(group, at(stale + PATIENCE), LEGGED) == []
    [action] = next_actions(group, at(stale + PATIENCE + 1), LEGGED)
    assert isinstance(action, ChangeStatus) and action.status is GroupStatus.CLOSE_FAILED
    assert reconcile_first([action])  # taken on LEAN's latest records


def test_a_close_checked_once_a_minute_has_its_whole_patience_after_cancelling() -> None:
    # A backtest checks on each minute slice: the stale exit is first seen, and cancelled, a minute
    # after it was sent. Its patience runs from that cancel, not from the send it already outlived.
    group = closing([(SP, -1), (LP, 1)])
    send(group, 0, quantity=1, role=Role.EXIT, attempt=1, order_id=10, time=T0)
    assert next_actions(group, at(60), LEGGED) == [CancelOrder(10)]
    group.apply(CancelRequested(10, at(60)))
    assert next_actions(group, at(61), LEGGED) == []
    group.apply(CancelRequested(10, at(80)))  # asked again (after a refusal): the patience is not renewed
    [action] = next_actions(group, at(60 + PATIENCE + 1), LEGGED)
    assert isinstance(action, ChangeStatus) and action.status is GroupStatus.CLOSE_FAILED


def test_a_combo_close_filled_at_a_minute_slice_waits_for_the_rest_of_its_batch() -> None:
    # LEAN fills every leg of a combo in one scan, then reports the legs one at a time: at the first
    # leg's fill the others are filled already. Cancelling them (refused) or failing the close for
    # waiting would leave a flat group CLOSE_FAILED.
    group = closing(CONDOR_SHORTS_FIRST, mode="combo")
    for leg in group.legs:
        send(group, leg.index, quantity=-leg.quantity, role=Role.EXIT, attempt=0, order_id=20 + leg.index, time=T0)
    minute = at(60)
    first, *rest = group.legs
    group.apply(update(20, OrderState.FILLED, -first.quantity, time=minute))
    assert next_actions(group, minute, COMBO) == []
    for leg in rest:
        group.apply(update(20 + leg.index, OrderState.FILLED, -leg.quantity, time=minute))
    assert next_actions(group, minute, COMBO) == [ChangeStatus(GroupStatus.CLOSED, "group flat: position closed")]


def test_a_combo_close_half_filled_at_a_minute_slice_is_cancelled_once_the_clock_moves() -> None:
    group = closing(CONDOR_SHORTS_FIRST, mode="combo")
    for leg in group.legs:
        send(group, leg.index, quantity=-leg.quantity, role=Role.EXIT, attempt=0, order_id=20 + leg.index, time=T0)
    group.apply(update(20, OrderState.FILLED, -group.legs[0].quantity, time=at(60)))
    assert next_actions(group, at(61), COMBO) == [CancelOrder(21), CancelOrder(22), CancelOrder(23)]


@pytest.mark.parametrize(("role", "unwinding", "failed"), [
    (Role.ROLLBACK, GroupStatus.ROLLING_BACK, GroupStatus.ROLLBACK_FAILED),
    (Role.EXIT, GroupStatus.CLOSING, GroupStatus.CLOSE_FAILED),
], ids=["rollback", "close"])
def test_an_unwind_retried_after_it_failed_counts_only_its_own_failures(role: Role, unwinding: GroupStatus,
                                                                        failed: GroupStatus) -> None:
    group = closing([(SP, -1), (LP, 1)]) if role is Role.EXIT else group_of([(LP, 1), (SP, -1)])
    if role is Role.ROLLBACK:
        filled_leg(group, 1, order_id=1)
        group.apply(StatusChanged(unwinding, "leg 0 refused", at(1), 0))
    leg = 0 if role is Role.EXIT else 1
    for attempt in (1, 2, 3):
        send(group, leg, quantity=1, role=role, attempt=attempt, order_id=10 + attempt, time=at(2))
        group.apply(update(10 + attempt, OrderState.INVALID))
    group.apply(StatusChanged(failed, "failed", at(3)))
    group.apply(StatusChanged(unwinding, "operator retry", at(100), 0))
    assert next_actions(group, at(100), LEGGED) == [PlaceOrder(leg, 1, role, 4)]


@pytest.mark.parametrize("status", [GroupStatus.CLOSED, GroupStatus.CLOSE_FAILED])
def test_a_closed_or_failed_close_takes_no_action(status: GroupStatus) -> None:
    group = closing([(SP, -1), (LP, 1)])
    group.apply(StatusChanged(status, "done", at(1)))
    assert next_actions(group, at(100), LEGGED) == []


def test_closable_names_the_group_and_its_status() -> None:
    group = group_of([(SP, -1), (LP, 1)])
    assert "g1 is PENDING" in closable(group)
    assert closable(filled([(SP, -1), (LP, 1)])) == ""
    held = filled([(SP, -1), (LP, 1)])
    held.apply(HoldChanged(True, "unexpected fill", T0))
    assert "held for the operator" in closable(held)
    failed = closing([(SP, -1), (LP, 1)])
    failed.apply(StatusChanged(GroupStatus.CLOSE_FAILED, "x", at(1)))
    assert closable(failed) == ""
