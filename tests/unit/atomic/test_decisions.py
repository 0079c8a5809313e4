"""atomic.decisions.next_actions: what a group does next, decided from its recorded state alone."""

from __future__ import annotations

import itertools
import subprocess
import sys
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from atomic.decisions import (
    unwind_patience,
    CancelOrder,
    ChangeStatus,
    ChooseTarget,
    PlaceCombo,
    PlaceOrder,
    leading_sends,
    missed_events,
    next_actions,
    reconcile_due,
    reconcile_first,
    refused_orders,
    start_rollback,
)
from atomic.margin import naked_short_contracts
from atomic.model import (
    CancelRequested,
    Group,
    GroupStatus,
    HoldChanged,
    OrderHeldBack,
    OrderIdentified,
    OrderSent,
    OrderState,
    StatusChanged,
    TargetChosen,
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
    call,
    cancel,
    condor,
    config,
    filled_leg,
    group_of,
    put_spread,
    send,
    update,
)

FLATTEN = config()
TRIM = config(partial_fill_policy="trim")
SEQUENTIAL = config(sequential_protective_legs=True)
PARALLEL = config(sequential_protective_legs=False)  # shorts sent with the longs, not after their fills
COMBO = config(execution_mode="combo")
NO_FALLBACK = config(execution_mode="combo", combo_fallback_to_legged=False)


def entry(index: int, quantity: int, attempt: int = 0) -> PlaceOrder:
    return PlaceOrder(index, quantity, Role.ENTRY, attempt)


def reversal(index: int, quantity: int, attempt: int = 1) -> PlaceOrder:
    return PlaceOrder(index, quantity, Role.ROLLBACK, attempt)


def shorts_first_condor(n: int = 1) -> Group:
    """A condor whose legs are listed shorts first, so ordering comes from next_actions, not the list."""
    return group_of([(SC, -n), (SP, -n), (LC, n), (LP, n)])


def test_the_functional_core_imports_nothing_from_lean() -> None:
    """The core must run without LEAN: importing it loads neither AlgorithmImports nor the LEAN shell.
    (quantconnect-stubs makes `import AlgorithmImports` succeed here, so an import would go unnoticed.)"""
    code = ("import sys, atomic.contract, atomic.tags, atomic.model, atomic.decisions, atomic.persistence, "
            "atomic.validation, atomic.margin, recovery.reconcile, config; "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in "
            "('AlgorithmImports', 'QuantConnect', 'leansim') or m == 'atomic.lean_broker'))")
    root = Path(__file__).resolve().parents[3]
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=root)
    assert result.stdout.strip() == "[]"


# --- PENDING: entries ------------------------------------------------------------------------------


def test_fresh_legged_group_places_long_legs_before_short_legs() -> None:
    assert next_actions(shorts_first_condor(2), T0, PARALLEL) == [entry(2, 2), entry(3, 2), entry(0, -2), entry(1, -2)]


def test_asking_twice_does_not_place_an_order_twice() -> None:
    group = shorts_first_condor()
    first = next_actions(group, T0, PARALLEL)
    assert next_actions(group, T0, PARALLEL) == first  # pure: asking changed nothing
    send(group, 2, order_id=1)
    assert next_actions(group, T0, PARALLEL) == [entry(3, 1), entry(0, -1), entry(1, -1)]


def test_sequential_mode_sends_shorts_only_once_every_long_has_filled() -> None:
    group = shorts_first_condor(2)
    assert next_actions(group, T0, SEQUENTIAL) == [entry(2, 2), entry(3, 2)]
    send(group, 2, order_id=1)
    send(group, 3, order_id=2)
    assert next_actions(group, T0, SEQUENTIAL) == []  # longs sent, not filled
    group.apply(update(1, OrderState.FILLED, 2))
    group.apply(update(2, OrderState.PARTIALLY_FILLED, 1))
    assert next_actions(group, T0, SEQUENTIAL) == []  # one long only half filled
    group.apply(update(2, OrderState.FILLED, 1))
    assert next_actions(group, T0, SEQUENTIAL) == [entry(0, -2), entry(1, -2)]


def test_without_sequential_mode_shorts_do_not_wait_for_fills() -> None:
    group = shorts_first_condor()
    send(group, 2, order_id=1)
    send(group, 3, order_id=2)
    assert next_actions(group, T0, PARALLEL) == [entry(0, -1), entry(1, -1)]


def test_combo_mode_places_one_combo_then_waits() -> None:
    group = condor(3, mode="combo", limit_price=1.25)
    assert next_actions(group, T0, COMBO) == [PlaceCombo(3, 1.25, attempt=0)]
    _send_combo(group)
    assert next_actions(group, at(1), COMBO) == []


def test_a_1_2_1_butterfly_is_one_combo_of_its_gcd_structures_at_its_ratios() -> None:
    lower, middle, upper = call(95), call(100), call(105)
    group = group_of([(lower, 3), (upper, 3), (middle, -6)], mode="combo")
    assert group.structures == 3
    assert [group.ratio(leg) for leg in group.legs] == [1, 1, -2]
    assert next_actions(group, T0, COMBO) == [PlaceCombo(3, None, attempt=0)]


def test_group_mode_not_config_mode_decides_combo() -> None:
    assert next_actions(condor(mode="combo"), T0, FLATTEN) == [PlaceCombo(1, None, 0)]
    assert isinstance(next_actions(condor(mode="legged"), T0, COMBO)[0], PlaceOrder)


def test_all_legs_filled_completes_the_group() -> None:
    group = condor(2)
    for leg in group.legs:
        filled_leg(group, leg.index, order_id=leg.index + 1)
    assert next_actions(group, T0, FLATTEN) == [ChangeStatus(GroupStatus.FILLED, "all legs filled")]


@pytest.mark.parametrize("policy, target", [(FLATTEN, 0), (TRIM, None)])
def test_an_invalid_leg_starts_a_rollback(policy: object, target: int | None) -> None:
    group = condor()
    filled_leg(group, 0, order_id=1)
    send(group, 1, order_id=2)
    group.apply(update(2, OrderState.INVALID, message="margin"))
    [action] = next_actions(group, T0, policy)  # type: ignore[arg-type]
    assert isinstance(action, ChangeStatus)
    assert (action.status, action.target_structures) == (GroupStatus.ROLLING_BACK, target)
    assert action.reason == f"leg 1 ({LP.ticker}) INVALID: margin"


def test_a_canceled_entry_that_filled_in_full_is_no_failure() -> None:
    group = put_spread()
    send(group, 0, order_id=1)
    group.apply(update(1, OrderState.CANCELED))
    group.apply(update(1, OrderState.FILLED, 1))  # the fill won the race
    assert next_actions(group, T0, FLATTEN) == [entry(1, -1)]


def test_timeout_is_measured_on_the_injected_clock() -> None:
    group = condor()
    for leg in group.legs:
        send(group, leg.index, order_id=leg.index + 1, time=T0)
    limit = timedelta(seconds=FLATTEN.atomic_order_timeout)
    assert next_actions(group, T0 + limit - timedelta(microseconds=1), FLATTEN) == []
    [action] = next_actions(group, T0 + limit, FLATTEN)
    assert isinstance(action, ChangeStatus) and action.status is GroupStatus.ROLLING_BACK
    assert action.reason.startswith("timeout") and action.target_structures == 0


def test_a_group_without_orders_never_times_out() -> None:
    assert next_actions(condor(), at(10_000), FLATTEN)[0] == entry(0, 1)


def test_start_rollback_target_follows_the_policy() -> None:
    assert start_rollback(condor(), "x", FLATTEN) == ChangeStatus(GroupStatus.ROLLING_BACK, "x", 0)
    assert start_rollback(condor(), "x", TRIM) == ChangeStatus(GroupStatus.ROLLING_BACK, "x", None)


@pytest.mark.parametrize("status", [GroupStatus.FILLED, GroupStatus.ROLLED_BACK, GroupStatus.ROLLBACK_FAILED,
                                    GroupStatus.REJECTED])
def test_settled_or_failed_groups_take_no_action(status: GroupStatus) -> None:
    group = condor(status=status)
    filled_leg(group, 2, order_id=1)  # even with a naked short
    assert next_actions(group, at(10_000), FLATTEN) == []


def test_a_held_group_takes_no_action() -> None:
    group = condor()
    group.apply(HoldChanged(True, "test", T0))
    assert next_actions(group, T0, FLATTEN) == []
    begin_rollback(group)
    filled_leg(group, 2, order_id=1)
    assert next_actions(group, T0, FLATTEN) == []


# --- In-session reconciliation --------------------------------------------------------------------


def test_a_quiet_group_is_reconciled_once_a_minute() -> None:
    group = put_spread()
    assert not reconcile_due(group, at(600), None)  # no order placed: nothing to compare
    send(group, 0, order_id=1, time=T0)
    assert not reconcile_due(group, at(59), None)
    assert reconcile_due(group, at(60), None)  # a minute after submission
    assert not reconcile_due(group, at(119), at(60))
    assert reconcile_due(group, at(120), at(60))
    begin_rollback(group)
    assert reconcile_due(group, at(120), at(60))


@pytest.mark.parametrize("status", [GroupStatus.FILLED, GroupStatus.ROLLED_BACK, GroupStatus.ROLLBACK_FAILED])
def test_groups_the_clock_no_longer_moves_are_not_reconciled(status: GroupStatus) -> None:
    group = put_spread(status=status)
    send(group, 0, order_id=1, time=T0)
    assert not reconcile_due(group, at(600), None)


def test_an_unwinding_decision_is_taken_on_fresh_records() -> None:
    group = put_spread()
    send(group, 0, order_id=1, time=T0)
    limit = FLATTEN.atomic_order_timeout
    assert not reconcile_first(next_actions(group, at(limit - 1), FLATTEN))
    assert reconcile_first(next_actions(group, at(limit), FLATTEN))  # a timeout rollback
    begin_rollback(group, time=at(limit))
    group.apply(CancelRequested(1, at(limit)))  # a cancel that never comes back
    assert not reconcile_first(next_actions(group, at(limit + 1), FLATTEN))
    assert reconcile_first(next_actions(group, at(10_000), FLATTEN))  # declaring the rollback failed
    filled = put_spread()
    filled_leg(filled, 0, order_id=1)
    filled_leg(filled, 1, order_id=2)
    assert not reconcile_first(next_actions(filled, T0, FLATTEN))  # completing is no unwind


def test_missed_events_are_the_recorded_ones_the_group_never_applied() -> None:
    group = put_spread(2)
    send(group, 0, order_id=1)
    send(group, 1, order_id=2)
    seen = update(1, OrderState.SUBMITTED, event_id=1)
    group.apply(seen)
    lost_fill = update(1, OrderState.FILLED, 2, event_id=2)
    cancel_pending = update(1, None, event_id=3)  # changes nothing: not reported as missed
    other = update(2, OrderState.SUBMITTED, event_id=1)
    recorded = {1: [seen, lost_fill, cancel_pending], 2: [other], 99: [update(99, OrderState.FILLED, 1, event_id=1)]}
    assert missed_events(group, recorded) == [lost_fill, other]
    group.apply(lost_fill)
    assert missed_events(group, recorded) == [other]


# --- Combo refusal ---------------------------------------------------------------------------------


def _send_combo(group: Group, attempt: int = 0) -> None:
    tag = str(OrderTag(group.group_id, Role.ENTRY, None, attempt))
    for leg in group.legs:
        group.apply(OrderSent(leg.index, Role.ENTRY, attempt, leg.quantity, tag, T0))
        group.apply(OrderIdentified(leg.index, Role.ENTRY, attempt, 100 + leg.index, (), T0))


def test_combo_refused_on_every_leg_falls_back_to_legged_orders() -> None:
    group = group_of([(SC, -1), (SP, -1), (LC, 1), (LP, 1)], mode="combo")
    _send_combo(group)
    for leg in group.legs[:3]:
        group.apply(update(100 + leg.index, OrderState.INVALID, message="combo not supported"))
    assert next_actions(group, at(1), COMBO) == []  # the fourth leg's INVALID is on its way
    group.apply(update(103, OrderState.INVALID))
    # The legged stand-in for a combo is protective: the longs first, the shorts once they filled.
    assert next_actions(group, at(1), COMBO) == [entry(2, 1, 1), entry(3, 1, 1)]
    for index, order_id in ((2, 202), (3, 203)):
        group.apply(OrderSent(index, Role.ENTRY, 1, 1, "t", T0))
        group.apply(OrderIdentified(index, Role.ENTRY, 1, order_id, (), T0))
        group.apply(update(order_id, OrderState.FILLED, 1))
    assert next_actions(group, at(1), COMBO) == [entry(0, -1, 1), entry(1, -1, 1)]


def test_combo_refusal_with_fallback_disabled_rolls_back() -> None:
    group = condor(mode="combo")
    _send_combo(group)
    for leg in group.legs:
        group.apply(update(100 + leg.index, OrderState.INVALID))
    [action] = next_actions(group, at(1), NO_FALLBACK)
    assert isinstance(action, ChangeStatus) and action.status is GroupStatus.ROLLING_BACK


def test_combo_refusal_waiting_for_the_other_legs_still_times_out() -> None:
    group = condor(mode="combo")
    _send_combo(group)
    group.apply(update(100, OrderState.INVALID))
    assert next_actions(group, at(1), COMBO) == []
    [action] = next_actions(group, at(COMBO.atomic_order_timeout), COMBO)
    assert isinstance(action, ChangeStatus) and action.status is GroupStatus.ROLLING_BACK


def test_a_combo_fill_reported_at_the_timeout_waits_for_the_rest_of_its_batch() -> None:
    # A combo filled in one LEAN scan a minute after submission (a backtest scans once per slice):
    # its first leg's event arrives past the timeout, the other legs' are on their way.
    group = condor(mode="combo")
    _send_combo(group)
    late = at(60)
    group.apply(update(100, OrderState.FILLED, group.legs[0].quantity, time=late))
    assert next_actions(group, late, COMBO) == []
    for leg in group.legs[1:]:
        group.apply(update(100 + leg.index, OrderState.FILLED, leg.quantity, time=late))
    [action] = next_actions(group, late, COMBO)
    assert isinstance(action, ChangeStatus) and action.status is GroupStatus.FILLED


def test_a_combo_half_filled_at_the_timeout_rolls_back_once_the_clock_moves() -> None:
    group = condor(mode="combo")
    _send_combo(group)
    group.apply(update(100, OrderState.FILLED, group.legs[0].quantity, time=at(60)))
    [action] = next_actions(group, at(61), COMBO)
    assert isinstance(action, ChangeStatus) and action.status is GroupStatus.ROLLING_BACK


def test_combo_with_a_fill_is_no_refusal() -> None:
    group = condor(mode="combo")
    _send_combo(group)
    group.apply(update(100, OrderState.FILLED, 1))
    for leg in group.legs[1:]:
        group.apply(update(100 + leg.index, OrderState.INVALID))
    [action] = next_actions(group, at(1), COMBO)
    assert isinstance(action, ChangeStatus) and action.status is GroupStatus.ROLLING_BACK


def test_a_refused_legged_fallback_does_not_fall_back_again() -> None:
    group = condor(mode="combo")
    _send_combo(group)
    for leg in group.legs:
        group.apply(update(100 + leg.index, OrderState.INVALID))
    send(group, 0, attempt=1, order_id=1)
    group.apply(update(1, OrderState.INVALID))
    [action] = next_actions(group, at(1), COMBO)
    assert isinstance(action, ChangeStatus) and action.status is GroupStatus.ROLLING_BACK


def test_a_late_combo_refusal_does_not_buy_a_leg_only_to_sell_it_back() -> None:
    group = condor(mode="combo")
    _send_combo(group)  # at T0
    for leg in group.legs:
        group.apply(update(100 + leg.index, OrderState.INVALID))
    late = at(COMBO.atomic_order_timeout + 1)
    first = next_actions(group, late, COMBO)[0]
    if isinstance(first, PlaceOrder):  # falling back is fine if the legged attempt gets its own time window
        send(group, first.leg, quantity=first.quantity, attempt=first.attempt, order_id=1, time=late)
        group.apply(update(1, OrderState.FILLED, first.quantity, time=late))
        assert next_actions(group, late, COMBO)[0] == entry(1, 1, 1)
    else:  # or not falling back once the group has timed out
        assert isinstance(first, ChangeStatus) and first.status is GroupStatus.ROLLING_BACK


def test_fallback_entries_complete_the_group() -> None:
    group = condor(mode="combo")
    _send_combo(group)
    for leg in group.legs:
        group.apply(update(100 + leg.index, OrderState.INVALID))
    for leg in group.legs:
        send(group, leg.index, attempt=1, order_id=leg.index + 1)
        group.apply(update(leg.index + 1, OrderState.FILLED, leg.quantity))
    assert next_actions(group, at(1), COMBO) == [ChangeStatus(GroupStatus.FILLED, "all legs filled")]


# --- ROLLING_BACK: flatten -------------------------------------------------------------------------


def _partly_filled_condor() -> Group:
    """Condor x2: long call filled 2, long put 1 of 2 (still open), short call -2, short put INVALID."""
    group = condor(2)
    filled_leg(group, 0, order_id=1)
    filled_leg(group, 1, order_id=2, quantity=1)
    filled_leg(group, 2, order_id=3)
    send(group, 3, order_id=4)
    group.apply(update(4, OrderState.INVALID))
    return group


def test_rollback_cancels_open_entries_and_buys_back_shorts_before_selling_longs() -> None:
    group = _partly_filled_condor()
    begin_rollback(group, 0)
    assert next_actions(group, at(1), FLATTEN) == [CancelOrder(2), reversal(2, 2)]
    group.apply(CancelRequested(2, at(1)))
    assert next_actions(group, at(1), FLATTEN) == [reversal(2, 2)]  # no second cancel
    send(group, 2, quantity=2, role=Role.ROLLBACK, attempt=1, order_id=10, time=at(1))
    assert next_actions(group, at(1), FLATTEN) == []  # buy-back open, entry still open: no sell yet
    group.apply(update(2, OrderState.CANCELED))
    assert next_actions(group, at(1), FLATTEN) == []  # buy-back still open
    group.apply(update(10, OrderState.FILLED, 2))
    actions = next_actions(group, at(2), FLATTEN)
    assert actions == [reversal(0, -2), reversal(1, -1)]
    assert {a.leg: a.quantity for a in actions} == {leg.index: -leg.net_filled for leg in group.legs if leg.net_filled}


def test_no_sell_while_any_entry_order_is_open() -> None:
    group = put_spread(2)
    filled_leg(group, 0, order_id=1)
    send(group, 1, order_id=2)  # short entry open, nothing filled
    begin_rollback(group, 0)
    assert next_actions(group, at(1), FLATTEN) == [CancelOrder(2)]
    group.apply(CancelRequested(2, at(1)))
    assert next_actions(group, at(1), FLATTEN) == []
    group.apply(update(2, OrderState.PARTIALLY_FILLED, -1))  # filled while the cancel travelled
    assert next_actions(group, at(1), FLATTEN) == [reversal(1, 1)]
    group.apply(update(2, OrderState.CANCELED))
    assert next_actions(group, at(1), FLATTEN) == [reversal(1, 1)]


def test_an_entry_without_an_id_is_waited_for_not_cancelled() -> None:
    group = put_spread()
    filled_leg(group, 0, order_id=1)
    send(group, 1)  # submitted, no ticket yet
    begin_rollback(group, 0)
    assert next_actions(group, at(1), FLATTEN) == []


def test_rollback_completes_when_every_fill_is_reversed() -> None:
    group = put_spread(3)
    filled_leg(group, 0, order_id=1)
    filled_leg(group, 1, order_id=2, quantity=-1)
    group.apply(update(2, OrderState.CANCELED))
    begin_rollback(group, 0)
    assert next_actions(group, at(1), FLATTEN) == [reversal(1, 1)]
    send(group, 1, quantity=1, role=Role.ROLLBACK, attempt=1, order_id=3)
    group.apply(update(3, OrderState.FILLED, 1))
    assert next_actions(group, at(1), FLATTEN) == [reversal(0, -3)]
    send(group, 0, quantity=-3, role=Role.ROLLBACK, attempt=1, order_id=4)
    group.apply(update(4, OrderState.PARTIALLY_FILLED, -2))
    assert next_actions(group, at(1), FLATTEN) == []  # in flight
    group.apply(update(4, OrderState.FILLED, -1))
    assert next_actions(group, at(1), FLATTEN) == [ChangeStatus(GroupStatus.ROLLED_BACK, "group flat: every fill reversed")]


def test_nothing_filled_rolls_back_at_once() -> None:
    group = condor()
    send(group, 0, order_id=1)
    group.apply(update(1, OrderState.INVALID))
    begin_rollback(group, 0)
    assert next_actions(group, at(1), FLATTEN) == [ChangeStatus(GroupStatus.ROLLED_BACK, "group flat: every fill reversed")]


def test_a_failed_reversal_is_retried_with_the_next_attempt_then_the_group_fails() -> None:
    group = put_spread()
    filled_leg(group, 1, order_id=1)
    begin_rollback(group, 0, time=at(1))
    for attempt in (1, 2, 3):
        assert next_actions(group, at(2), FLATTEN) == [reversal(1, 1, attempt)]
        send(group, 1, quantity=1, role=Role.ROLLBACK, attempt=attempt, order_id=10 + attempt, time=at(2))
        group.apply(update(10 + attempt, OrderState.INVALID, message="no"))
    [action] = next_actions(group, at(2), FLATTEN)
    assert action == ChangeStatus(GroupStatus.ROLLBACK_FAILED, f"leg 1 ({SP.ticker}): 3 rollback orders failed")


def test_a_rollback_that_outlives_its_patience_fails() -> None:
    group = put_spread()
    filled_leg(group, 1, order_id=1)
    begin_rollback(group, 0, time=T0)
    send(group, 1, quantity=1, role=Role.ROLLBACK, attempt=1, order_id=2, time=T0)
    patience = unwind_patience(FLATTEN).total_seconds()
    stale = FLATTEN.unwind_order_timeout
    assert next_actions(group, at(stale), FLATTEN) == [CancelOrder(2)]  # stale reversal first
    group.apply(CancelRequested(2, at(stale)))  # ...and the cancel is never confirmed
    assert next_actions(group, at(stale + patience), FLATTEN) == []  # the patience runs from the cancel
    [action] = next_actions(group, at(stale + patience + 1), FLATTEN)
    assert isinstance(action, ChangeStatus) and action.status is GroupStatus.ROLLBACK_FAILED


def test_the_patience_covers_two_order_timeouts_per_attempt_and_two_reconciliations() -> None:
    assert unwind_patience(config(unwind_order_timeout=30, max_rollback_attempts=3)) == timedelta(seconds=180)
    # 5 s x 3 x 2 is 30 s, but a cancel refused live is only found by the next minute's reconciliation.
    assert unwind_patience(config(unwind_order_timeout=5, max_rollback_attempts=3)) == timedelta(minutes=2)


def test_a_stale_reversal_is_cancelled_and_then_replaced() -> None:
    group = put_spread()
    filled_leg(group, 1, order_id=1)
    begin_rollback(group, 0, time=T0)
    send(group, 1, quantity=1, role=Role.ROLLBACK, attempt=1, order_id=2, time=T0)
    assert next_actions(group, at(FLATTEN.unwind_order_timeout - 1), FLATTEN) == []
    assert next_actions(group, at(FLATTEN.unwind_order_timeout), FLATTEN) == [CancelOrder(2)]
    cancel(group, 2, time=at(FLATTEN.unwind_order_timeout))
    assert next_actions(group, at(FLATTEN.unwind_order_timeout), FLATTEN) == [reversal(1, 1, 2)]


def test_an_entry_timeout_stretched_for_a_walk_leaves_reversals_quick() -> None:
    walked = config(atomic_order_timeout=965)  # main.py's entry bound with the demo's walk
    group = put_spread()
    filled_leg(group, 1, order_id=1)
    begin_rollback(group, 0, time=T0)
    send(group, 1, quantity=1, role=Role.ROLLBACK, attempt=1, order_id=2, time=T0)
    assert next_actions(group, at(walked.unwind_order_timeout), walked) == [CancelOrder(2)]
    group.apply(CancelRequested(2, at(walked.unwind_order_timeout)))
    patience = unwind_patience(walked).total_seconds()
    [action] = next_actions(group, at(walked.unwind_order_timeout + patience + 1), walked)
    assert isinstance(action, ChangeStatus) and action.status is GroupStatus.ROLLBACK_FAILED


def test_rollback_finishes_after_a_late_partial_fill_on_a_canceled_entry() -> None:
    group = put_spread(2)
    filled_leg(group, 1, order_id=1)
    send(group, 0, order_id=2)
    begin_rollback(group, 0)
    cancel(group, 2)
    group.apply(update(2, OrderState.PARTIALLY_FILLED, 1))  # lost the race: 1 of 2 filled, then nothing more
    send(group, 1, quantity=2, role=Role.ROLLBACK, attempt=1, order_id=3)
    group.apply(update(3, OrderState.FILLED, 2))
    assert next_actions(group, at(1), FLATTEN) == [reversal(0, -1)]


# --- ROLLING_BACK: trim ----------------------------------------------------------------------------


def test_trim_waits_for_entries_to_close_then_keeps_the_whole_structures() -> None:
    group = condor(3)
    filled_leg(group, 0, order_id=1)                 # long call +3
    filled_leg(group, 1, order_id=2, quantity=2)     # long put +2, open
    filled_leg(group, 2, order_id=3)                 # short call -3
    filled_leg(group, 3, order_id=4, quantity=-1)    # short put -1, open
    begin_rollback(group, None)
    assert next_actions(group, at(1), TRIM) == [CancelOrder(2), CancelOrder(4)]
    cancel(group, 2)
    group.apply(CancelRequested(4, T0))
    assert next_actions(group, at(1), TRIM) == []  # the target waits for the last entry to close
    group.apply(update(4, OrderState.CANCELED))
    assert next_actions(group, at(1), TRIM) == [ChooseTarget(1)]
    group.apply(TargetChosen(1, at(1)))
    # Only the excess is reversed, short call bought back first.
    assert next_actions(group, at(1), TRIM) == [reversal(2, 2)]
    send(group, 2, quantity=2, role=Role.ROLLBACK, attempt=1, order_id=5)
    group.apply(update(5, OrderState.FILLED, 2))
    assert next_actions(group, at(1), TRIM) == [reversal(0, -2), reversal(1, -1)]
    send(group, 0, quantity=-2, role=Role.ROLLBACK, attempt=1, order_id=6)
    send(group, 1, quantity=-1, role=Role.ROLLBACK, attempt=1, order_id=7)
    group.apply(update(6, OrderState.FILLED, -2))
    group.apply(update(7, OrderState.FILLED, -1))
    assert [leg.net_filled for leg in group.legs] == [1, 1, -1, -1]
    assert next_actions(group, at(1), TRIM) == [ChangeStatus(GroupStatus.FILLED, "trimmed to 1 complete structures")]


def test_trim_floors_by_leg_ratio() -> None:
    group = group_of([(LC, 2), (LP, 2), (SC, -4)])  # 2 structures of +1, +1, -2
    filled_leg(group, 0, order_id=1)
    filled_leg(group, 1, order_id=2, quantity=1)
    filled_leg(group, 2, order_id=3, quantity=-3)
    group.apply(update(2, OrderState.CANCELED))
    group.apply(update(3, OrderState.CANCELED))
    begin_rollback(group, None)
    assert next_actions(group, at(1), TRIM) == [ChooseTarget(1)]  # min(2/1, 1/1, 3/2) = 1
    group.apply(TargetChosen(1, at(1)))
    assert next_actions(group, at(1), TRIM) == [reversal(2, 1)]


def test_trim_to_zero_is_a_rollback() -> None:
    group = put_spread(2)
    filled_leg(group, 0, order_id=1, quantity=1)
    send(group, 1, order_id=2)
    group.apply(update(2, OrderState.INVALID))
    cancel(group, 1)
    begin_rollback(group, None)
    assert next_actions(group, at(1), TRIM) == [ChooseTarget(0)]
    group.apply(TargetChosen(0, at(1)))
    assert next_actions(group, at(1), TRIM) == [reversal(0, -1)]


# --- The executor's loop, simulated ---------------------------------------------------------------


@dataclass
class Venue:
    """Carries out next_actions the way the executor does (its batches from `leading_sends`) and
    answers like LEAN would, with outcomes drawn by hypothesis. Reversals always fill in the end."""

    group: Group
    cfg: object
    draw: st.DrawFn
    now: datetime = T0
    ids: itertools.count = field(default_factory=lambda: itertools.count(1))
    event_ids: dict[int, itertools.count] = field(default_factory=lambda: defaultdict(lambda: itertools.count(1)))
    combo_outcome: str = "filled"
    worst_naked: int = 0

    def emit(self, order_id: int, state: OrderState, quantity: int = 0, *, by_tag: OrderTag | None = None,
             key: str = "") -> None:
        event = update(order_id, state, quantity, event_id=next(self.event_ids[order_id]), time=self.now,
                       tag=by_tag, contract_key=key)
        self.group.apply(event)
        self.check()
        if self.draw(st.integers(0, 9)) == 0:  # the broker delivers it twice
            assert self.group.apply(event) is False

    def check(self) -> None:
        """After every event: no leg overfilled or flipped by a reversal; track naked shorts."""
        for leg in self.group.legs:
            assert leg.net_filled * leg.quantity >= 0 and abs(leg.net_filled) <= abs(leg.quantity), leg
        naked = naked_short_contracts([(leg.contract, leg.net_filled) for leg in self.group.legs])
        self.worst_naked = max(self.worst_naked, naked)

    def outcome(self, order_id: int, quantity: int, role: Role, by_tag: OrderTag | None, key: str) -> None:
        self.emit(order_id, OrderState.SUBMITTED, by_tag=by_tag, key=key)
        if role is Role.ROLLBACK:
            kind = self.draw(st.sampled_from(["filled", "in two"]))
        else:
            kind = self.draw(st.sampled_from(["filled", "filled", "invalid", "partial", "open"]))
        if kind == "filled":
            self.emit(order_id, OrderState.FILLED, quantity, by_tag=by_tag, key=key)
        elif kind == "in two" and abs(quantity) > 1:
            part = quantity // abs(quantity)
            self.emit(order_id, OrderState.PARTIALLY_FILLED, part, by_tag=by_tag, key=key)
            self.emit(order_id, OrderState.FILLED, quantity - part, by_tag=by_tag, key=key)
        elif kind == "in two":
            self.emit(order_id, OrderState.FILLED, quantity, by_tag=by_tag, key=key)
        elif kind == "invalid":
            self.emit(order_id, OrderState.INVALID, by_tag=by_tag, key=key)
        elif kind == "partial" and abs(quantity) > 1:
            k = self.draw(st.integers(1, abs(quantity) - 1))
            self.emit(order_id, OrderState.PARTIALLY_FILLED, k if quantity > 0 else -k, by_tag=by_tag, key=key)
        # else: left open, to time out

    def place(self, batch: Sequence[PlaceOrder]) -> None:
        """As the executor sends a batch: every intent recorded first, then the orders one by one;
        once one is refused, the rest are held back."""
        for action in batch:
            tag = OrderTag(self.group.group_id, action.role, action.leg, action.attempt)
            self.group.apply(OrderSent(action.leg, action.role, action.attempt, action.quantity, str(tag), self.now))
        refused = refused_orders(self.group)
        for action in batch:
            if refused_orders(self.group) > refused:
                self.group.apply(OrderHeldBack(action.leg, action.role, action.attempt, "another order was refused", self.now))
            else:
                self.send(action)

    def send(self, action: PlaceOrder) -> None:
        tag = OrderTag(self.group.group_id, action.role, action.leg, action.attempt)
        order_id = next(self.ids)
        identified = OrderIdentified(action.leg, action.role, action.attempt, order_id, (f"B{order_id}",), self.now)
        if self.draw(st.booleans()):  # backtest: the events arrive inside market_order(), before the ticket
            self.outcome(order_id, action.quantity, action.role, tag, "")
            self.group.apply(identified)
        else:  # live: the ticket first
            self.group.apply(identified)
            self.outcome(order_id, action.quantity, action.role, None, "")

    def place_combo(self, action: PlaceCombo) -> None:
        tag = OrderTag(self.group.group_id, Role.ENTRY, None, action.attempt)
        quantities = [self.group.ratio(leg) * action.structures for leg in self.group.legs]
        for leg, quantity in zip(self.group.legs, quantities):
            self.group.apply(OrderSent(leg.index, Role.ENTRY, action.attempt, quantity, str(tag), self.now))
        ids = [next(self.ids) for _ in self.group.legs]
        # A guaranteed combo fills whole structures on every leg, or is refused on every leg.
        kind = self.combo_outcome
        done = self.draw(st.integers(1, action.structures - 1)) if kind == "structures" and action.structures > 1 else 0
        for leg, quantity, order_id in zip(self.group.legs, quantities, ids):
            key = leg.contract.key
            self.emit(order_id, OrderState.SUBMITTED, by_tag=tag, key=key)
            if kind == "filled":
                self.emit(order_id, OrderState.FILLED, quantity, by_tag=tag, key=key)
            elif kind == "refused":
                self.emit(order_id, OrderState.INVALID, by_tag=tag, key=key)
            else:
                if done:
                    self.emit(order_id, OrderState.PARTIALLY_FILLED, self.group.ratio(leg) * done, by_tag=tag, key=key)
        for leg, order_id in zip(self.group.legs, ids):
            self.group.apply(OrderIdentified(leg.index, Role.ENTRY, action.attempt, order_id, (), self.now))

    def cancel(self, batch: Sequence[CancelOrder]) -> None:
        for action in batch:
            self.group.apply(CancelRequested(action.order_id, self.now))
        for action in batch:
            self.answer_cancel(action)

    def answer_cancel(self, action: CancelOrder) -> None:
        located = self.group.order(action.order_id)
        assert located is not None
        record = located[1]
        combo_leg = record.tag.split("/")[3] == "combo"  # a combo is cancelled as a whole
        race = "canceled" if combo_leg else self.draw(st.sampled_from(["canceled", "canceled", "fill wins", "late fill"]))
        if race == "fill wins":
            self.emit(action.order_id, OrderState.FILLED, record.quantity - record.filled)
        elif race == "late fill":
            self.emit(action.order_id, OrderState.CANCELED)
            self.emit(action.order_id, OrderState.FILLED, record.quantity - record.filled)
        else:
            self.emit(action.order_id, OrderState.CANCELED)

    def run(self) -> list[str]:
        trail = []
        for _ in range(300):
            actions = next_actions(self.group, self.now, self.cfg)  # type: ignore[arg-type]
            if not actions:
                if self.group.status in (GroupStatus.FILLED, GroupStatus.ROLLED_BACK, GroupStatus.ROLLBACK_FAILED):
                    return trail
                self.now += timedelta(seconds=self.cfg.atomic_order_timeout)  # type: ignore[attr-defined]
                trail.append("wait")
                continue
            batch = leading_sends(actions)  # the executor's own batching
            trail += [type(a).__name__ for a in batch or actions[:1]]
            action = actions[0]
            if isinstance(action, PlaceOrder):
                self.place([a for a in batch if isinstance(a, PlaceOrder)])
            elif isinstance(action, CancelOrder):
                self.cancel([a for a in batch if isinstance(a, CancelOrder)])
            elif isinstance(action, PlaceCombo):
                self.place_combo(action)
            elif isinstance(action, ChooseTarget):
                self.group.apply(TargetChosen(action.structures, self.now))
            else:
                self.group.apply(StatusChanged(action.status, action.reason, self.now, action.target_structures))
            self.check()
        raise AssertionError(f"no end after 300 steps: {trail[-20:]}")


GROUPS = {
    "condor": lambda n, mode: condor(n, mode=mode),
    "put_spread": lambda n, mode: put_spread(n, mode=mode),
    "ratio": lambda n, mode: group_of([(LC, n), (LP, 2 * n), (SC, -n), (SP, -2 * n)], mode=mode),
}


@settings(max_examples=500, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    data=st.data(),
    shape=st.sampled_from(sorted(GROUPS)),
    n=st.integers(1, 4),
    mode=st.sampled_from(["legged", "combo"]),
    policy=st.sampled_from(["flatten", "trim"]),
    sequential=st.booleans(),
    fallback=st.booleans(),
    combo_outcome=st.sampled_from(["refused", "filled", "structures", "open"]),
)
def test_simulated_executor_loop_ends_all_or_nothing(data: st.DataObject, shape: str, n: int, mode: str, policy: str,
                                                     sequential: bool, fallback: bool, combo_outcome: str) -> None:
    cfg = config(execution_mode=mode, partial_fill_policy=policy, sequential_protective_legs=sequential,
                 combo_fallback_to_legged=fallback)
    group = GROUPS[shape](n, mode)
    venue = Venue(group, cfg, data.draw, combo_outcome=combo_outcome)
    trail = venue.run()

    assert group.status in (GroupStatus.FILLED, GroupStatus.ROLLED_BACK), trail
    event(f"{group.status.value}{' trimmed' if group.target_structures else ''}")
    event("fell back to legged" if mode == "combo" and any(o.attempt == 1 for leg in group.legs for o in leg.orders
                                                           if o.role is Role.ENTRY) else "no fallback")
    event("some rollback" if "ChangeStatus" in trail and group.status_reason else "no rollback")
    assert not any(leg.open_orders for leg in group.legs)
    if group.status is GroupStatus.ROLLED_BACK:
        assert group.flat
    elif group.target_structures is None:
        assert group.complete
    else:  # trimmed: whole structures only, and as many as the entries filled
        assert policy == "trim"
        kept = min(abs(leg.entry_filled) // abs(group.ratio(leg)) for leg in group.legs)
        assert group.target_structures == kept > 0
        assert all(leg.net_filled == group.ratio(leg) * kept for leg in group.legs)
    if sequential:
        assert venue.worst_naked == 0, trail
