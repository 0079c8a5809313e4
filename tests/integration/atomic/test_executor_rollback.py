"""A leg that fails, a leg that never fills, a rollback the brokerage refuses, and a cancel that
loses its race: every way back to flat, and what happens when there is none."""

from __future__ import annotations

import json

import pytest

from executor_kit import (
    CONDOR_LEGS,
    MODES,
    EverySecondHost,
    flat_positions,
    group_orders,
    iron_condor,
    namespace,
    newest_open_record,
    positions,
    settle,
    start,
)

from atomic import GroupStatus
from atomic.tags import parse_tag
from config import ATOMIC_ORDER_TIMEOUT, MAX_ROLLBACK_ATTEMPTS
from leansim import CancelLosesRace, DelayFill, Match, NeverFill, Reject


def _leg_fails(leg: int, message: str = "no liquidity for this strike") -> Reject:
    return Reject(message, Match(tag_contains=f"/entry/{leg}/"))


# --- one leg refused ------------------------------------------------------------------------------


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("leg", range(4), ids=CONDOR_LEGS)
def test_one_refused_leg_rolls_the_group_back_to_flat(mode: str, leg: int) -> None:
    sim, algo = start(mode, [_leg_fails(leg)])

    result = iron_condor(algo, 2)
    settle(sim, 60)

    assert result.status is GroupStatus.ROLLED_BACK
    assert bool(result) is False
    assert positions(sim, algo.condor()) == flat_positions(algo)
    assert result.view.flat
    contract = getattr(algo, CONDOR_LEGS[leg])
    assert f"leg {leg}" in result.reason and str(contract) in result.reason
    assert "no liquidity for this strike" in result.reason  # LEAN's own message
    assert algo.executor.open_groups() == []
    assert algo.executor.halted == ""


@pytest.mark.parametrize("leg", range(4), ids=CONDOR_LEGS)
def test_backtest_places_no_entry_leg_after_the_refusal(leg: int) -> None:
    """In a backtest the refusal arrives inside market_order(): the legs after it are never sent."""
    sim, algo = start("backtest", [_leg_fails(leg)])

    result = iron_condor(algo, 2)

    entries = [parse_tag(o.tag) for o in group_orders(sim, result.group_id, "entry")]
    assert sorted(t.leg for t in entries if t is not None) == list(range(leg + 1))
    assert result.status is GroupStatus.ROLLED_BACK


@pytest.mark.parametrize("mode", MODES)
def test_rollback_buys_back_shorts_before_selling_the_longs_that_cover_them(mode: str) -> None:
    # Parallel legs: the short put is refused after the other three legs filled.
    sim, algo = start(mode, [_leg_fails(3)], sequential_protective_legs=False)

    result = iron_condor(algo, 2)
    settle(sim, 60)

    reversals = [parse_tag(o.tag) for o in group_orders(sim, result.group_id, "rollback")]
    legs = [t.leg for t in reversals if t is not None]
    assert legs and legs[0] == 2  # the short call is bought back first
    assert sorted(legs) == [0, 1, 2]
    assert result.status is GroupStatus.ROLLED_BACK


@pytest.mark.parametrize("mode", MODES)
def test_rolled_back_group_is_archived_with_its_reason(mode: str) -> None:
    sim, algo = start(mode, [_leg_fails(1)])

    result = iron_condor(algo, 2)
    settle(sim, 60)

    prefix = f"{namespace(mode)}/"
    assert not [k for k in sim.stored if k.startswith(prefix + "open/")]
    archived = [k for k in sim.stored if k.startswith(prefix + "archive/") and k.endswith(result.group_id)]
    assert len(archived) == 1
    record = json.loads(sim.stored[archived[0]])
    assert record["status"] == "ROLLED_BACK"
    assert "no liquidity" in record["status_reason"]
    assert all(leg["filled_quantity"] == 0 for leg in record["legs"])


# --- timeout ------------------------------------------------------------------------------------


@pytest.mark.parametrize("mode", MODES)
def test_a_leg_that_never_fills_is_rolled_back_after_the_timeout(mode: str) -> None:
    sim, algo = start(mode, [NeverFill(Match(tag_contains="/entry/2/"))])

    result = iron_condor(algo, 2)
    assert result.status is GroupStatus.PENDING
    settle(sim, ATOMIC_ORDER_TIMEOUT - 1)
    assert result.status is GroupStatus.PENDING  # not yet: the timeout is algorithm time

    settle(sim, 60)  # the host checks timeouts on each minute's on_data

    assert result.status is GroupStatus.ROLLED_BACK
    assert "timeout" in result.reason
    assert positions(sim, algo.condor()) == flat_positions(algo)
    never = [o for o in group_orders(sim, result.group_id, "entry") if parse_tag(o.tag).leg == 2]  # type: ignore[union-attr]
    assert len(never) == 1 and never[0].status.name == "CANCELED"
    # the cancel left LEAN's order tag alone: it still names the group and the leg
    lean_tags = {order.id: order.tag for _, order in sim.orders}
    assert all(parse_tag(tag) is not None and parse_tag(tag).group_id == result.group_id  # type: ignore[union-attr]
               for tag in lean_tags.values())


def test_live_timeout_fires_within_a_second_of_atomic_order_timeout_when_checked_every_second() -> None:
    """main.py schedules check_timeouts every second in live mode."""
    sim, algo = start("live", [NeverFill(Match(tag_contains="/entry/0/"))], base=EverySecondHost)

    result = iron_condor(algo, 1)
    settle(sim, ATOMIC_ORDER_TIMEOUT - 1)
    assert result.status is GroupStatus.PENDING
    settle(sim, 4)

    assert result.status is GroupStatus.ROLLED_BACK
    assert positions(sim, algo.condor()) == flat_positions(algo)


# --- the rollback itself refused ------------------------------------------------------------------


@pytest.mark.parametrize("mode", MODES)
def test_rollback_refused_every_time_ends_rollback_failed_halted_and_alerted(mode: str) -> None:
    # Parallel legs, so the short call has filled by the time the short put is refused.
    sim, algo = start(mode, [_leg_fails(3), Reject("rollback refused", Match(tag_contains="/rollback/"), times=None)],
                      alert_email="ops@example.com", sequential_protective_legs=False)
    executor = algo.executor

    result = iron_condor(algo, 2)
    settle(sim, 120)

    assert result.status is GroupStatus.ROLLBACK_FAILED
    assert bool(result) is False
    reversals = group_orders(sim, result.group_id, "rollback")
    assert len(reversals) == MAX_ROLLBACK_ATTEMPTS
    assert all(o.status.name == "INVALID" for o in reversals)
    # the short call could not be bought back, so its long wing was kept: nothing naked
    assert positions(sim, algo.condor()) == {str(algo.long_call): 2, str(algo.long_put): 2,
                                             str(algo.short_call): -2, str(algo.short_put): 0}
    alerts = [line for line in sim.logs_at("ERROR") if result.group_id in line and "FAILED" in line]
    assert alerts, sim.logs_at("ERROR")
    emails = [n for n in sim.notifications if n.kind == "email" and n.args[0] == "ops@example.com"]
    if mode == "live":
        assert emails and result.group_id in emails[0].args[2]
    else:
        assert emails == []  # LEAN sends nothing from a backtest
    assert executor.halted and result.group_id in executor.halted
    assert [g.group_id for g in executor.open_groups()] == [result.group_id]
    # the operator's evidence is on disk under the hot key
    record = newest_open_record(sim.stored, result.group_id, mode)
    assert record["status"] == "ROLLBACK_FAILED"

    orders_before = len(sim.broker_orders)
    refused = executor.execute_put_spread_atomic(algo.short_put, algo.long_put, 1)
    assert refused.status is GroupStatus.REJECTED
    assert "halted" in refused.reason
    assert len(sim.broker_orders) == orders_before

    executor.resume()
    assert executor.halted == ""
    allowed = executor.execute_put_spread_atomic(algo.short_put, algo.long_put, 1)
    settle(sim, 10)
    assert allowed.status is GroupStatus.FILLED


@pytest.mark.parametrize("mode", MODES)
def test_rollback_refused_twice_then_accepted_ends_rolled_back(mode: str) -> None:
    assert MAX_ROLLBACK_ATTEMPTS > 2
    sim, algo = start(mode, [_leg_fails(3), Reject("rollback refused", Match(tag_contains="/rollback/"), times=2)])

    result = iron_condor(algo, 2)
    settle(sim, 120)

    assert result.status is GroupStatus.ROLLED_BACK
    assert positions(sim, algo.condor()) == flat_positions(algo)
    assert algo.executor.halted == ""
    refused = [o for o in group_orders(sim, result.group_id, "rollback") if o.status.name == "INVALID"]
    assert len(refused) == 2


# --- cancel / fill race ---------------------------------------------------------------------------


def test_live_fill_that_wins_the_cancel_race_is_reversed_too() -> None:
    slow_leg = Match(tag_contains="/entry/0/")
    sim, algo = start("live", [DelayFill(30, slow_leg), CancelLosesRace(slow_leg), _leg_fails(3)])

    result = iron_condor(algo, 2)
    settle(sim, 120)

    slow = [o for o in group_orders(sim, result.group_id, "entry") if parse_tag(o.tag).leg == 0]  # type: ignore[union-attr]
    assert slow[0].status.name == "FILLED"  # the cancel lost: the long call was bought
    assert result.status is GroupStatus.ROLLED_BACK
    assert positions(sim, algo.condor()) == flat_positions(algo)
    assert result.view.flat


@pytest.mark.parametrize("mode", MODES)
def test_operator_rollback_of_a_pending_group_flattens_it(mode: str) -> None:
    sim, algo = start(mode, [NeverFill(Match(tag_contains="/entry/3/"))])

    result = iron_condor(algo, 2)
    settle(sim, 2)
    assert result.status is GroupStatus.PENDING
    algo.executor.rollback_group(result.group_id)
    settle(sim, 10)

    assert result.status is GroupStatus.ROLLED_BACK
    assert positions(sim, algo.condor()) == flat_positions(algo)



@pytest.mark.parametrize("late_leg", [NeverFill(Match(tag_contains="/entry/3/")),
                                      DelayFill(30, Match(tag_contains="/entry/3/"))], ids=["never_fills", "fills_after_30s"])
def test_live_cancel_refused_before_the_submit_confirmation_is_retried(late_leg: object) -> None:
    """Live: leg 2 is refused while leg 3's SUBMITTED event is still on its way, so LEAN refuses the
    rollback's cancel of leg 3 ("status NEW ... submit confirmation has not been received yet").
    The cancel must be sent again once the order is acknowledged; the rollback must not wait for an
    order that will never fill (or fill 30 s later) and then give up with the longs still held."""
    sim, algo = start("live", [_leg_fails(2), late_leg])

    result = iron_condor(algo, 1)
    settle(sim, 120)

    assert result.status is GroupStatus.ROLLED_BACK, [e.message for e in result.view.log][-6:]
    assert positions(sim, algo.condor()) == flat_positions(algo)
    assert algo.executor.halted == ""
    late = [o for o in group_orders(sim, result.group_id, "entry") if parse_tag(o.tag).leg == 3]  # type: ignore[union-attr]
    assert late[0].status.name == "CANCELED"
