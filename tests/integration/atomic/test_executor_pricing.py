"""Price control on the LEAN double: limit orders walked from the mid in every execution mode, live
and backtest; a walk that gives up, or fills only some legs, ends flat; closes walk too; a restart
mid-walk rolls the entry back.

The host's contracts all quote 0.95 / 1.05 (net mid 0.00 for the condor). LEAN fills a limit only
when the bar's low (a buy) or high (a sell) is strictly past it (Common/Orders/Fills/FillModel.cs),
so on that flat quote even the natural never fills: a walk fills there only at its marketable step,
one tick through every leg's natural. Tests move the quote to let an earlier step fill, or away from
the walk, which re-prices from the quotes at each step, never past max_concession from its starting
mid."""

from __future__ import annotations

from typing import Any

import pytest

from executor_kit import (
    EXECUTION_MODES,
    MODES,
    HostAlgorithm,
    condor_targets,
    flat_positions,
    group_orders,
    iron_condor,
    naked_shorts,
    positions,
    settle,
    start,
)

from AlgorithmImports import OrderType
from atomic import GroupStatus, InvalidGroupError, Limit, Walk
from leansim import CancelLosesRace, DelayFill, LostEvents, Match, PartialFill, Reject, Simulator

WALK = Walk(step=0.05, every_seconds=60, max_concession=0.5)
# Long enough for the walk's eleven minutes: a walk ends by its own give-up, not the timeout.
PATIENT = {"atomic_order_timeout": 1800}


def _meet_step_one(sim: Simulator, algo: HostAlgorithm, shorts: bool = True) -> None:
    """Quotes that a buy at mid + one step, and a sell at mid - one step, fill against (and the mid
    itself does not): longs ask 1.00, shorts bid 1.00. A walk re-prices from them at its next steps."""
    for symbol in (algo.long_call, algo.long_put):
        sim.set_quote(symbol, 0.97, 1.00)
    if shorts:
        for symbol in (algo.short_call, algo.short_put):
            sim.set_quote(symbol, 1.00, 1.03)


def _run_away(sim: Simulator, algo: HostAlgorithm, longs: bool = True) -> None:
    """Quotes further from the condor's starting mid (0.00) than WALK may concede (0.50): the shorts'
    bids fall to 0.50 (0.45 below their mid each) and, with `longs`, the longs' asks rise to 1.50.
    The walk holds its limits at 0.50 past its starting mid and never fills."""
    for symbol in (algo.short_call, algo.short_put):
        sim.set_quote(symbol, 0.50, 0.60)
    if longs:
        for symbol in (algo.long_call, algo.long_put):
            sim.set_quote(symbol, 1.40, 1.50)


def _start(mode: str, execution: str, **overrides: Any) -> tuple[Simulator, HostAlgorithm]:
    return start(mode, **{**EXECUTION_MODES[execution], **PATIENT, **overrides})


@pytest.mark.parametrize("execution", list(EXECUTION_MODES))
@pytest.mark.parametrize("mode", MODES)
def test_a_walk_fills_once_the_market_meets_its_step(mode: str, execution: str) -> None:
    sim, algo = _start(mode, execution)

    result = iron_condor(algo, 2, pricing=WALK)
    settle(sim, 30)
    assert result.status is GroupStatus.PENDING  # the mid is not met
    _meet_step_one(sim, algo)
    settle(sim, 240)

    assert result.status is GroupStatus.FILLED and bool(result)
    assert positions(sim, algo.condor()) == condor_targets(algo, 2)
    view = result.view
    assert view.entry_mid == pytest.approx(0.0) and view.pricing.startswith("Walk")
    assert view.entry_net_price is not None and view.entry_concession is not None
    assert any("walk step 1" in entry.message for entry in view.log)
    orders = group_orders(sim, result.group_id)
    expected = {OrderType.COMBO_LIMIT} if execution == "combo" else {OrderType.LIMIT}
    assert {o.order_type for o in orders} == expected
    assert max(naked_shorts(algo, dict(zip(algo.condor(), step.values()))) for step in algo.trace) == 0 \
        or execution == "parallel"


@pytest.mark.parametrize("execution", list(EXECUTION_MODES))
@pytest.mark.parametrize("mode", MODES)
def test_a_walk_that_never_fills_gives_up_at_max_concession_and_never_opens(mode: str, execution: str) -> None:
    sim, algo = _start(mode, execution)

    # Allowed no further than the natural (0.20: four legs of 0.05 half-spread), never marketable.
    result = iron_condor(algo, 2, pricing=Walk(step=0.05, every_seconds=60, max_concession=0.2))
    settle(sim, 60 * 7)

    assert result.status is GroupStatus.ROLLED_BACK
    assert "walk gave up" in result.reason
    assert positions(sim, algo.condor()) == flat_positions(algo)
    assert result.view.entry_net_price is None
    # Four steps fit in 0.20 by 0.05; the fifth would exceed it.
    assert any("walk step 4" in e.message for e in result.view.log)
    assert not any("walk step 5" in e.message for e in result.view.log)


@pytest.mark.parametrize("execution", list(EXECUTION_MODES))
@pytest.mark.parametrize("mode", MODES)
def test_a_walk_follows_the_market_and_holds_at_its_budget(mode: str, execution: str) -> None:
    sim, algo = _start(mode, execution)
    followed = iron_condor(algo, 1, pricing=WALK)
    settle(sim, 30)
    # The shorts' bids fall 0.10: the mid moves 0.20 away, which the walk re-prices from at its next
    # steps; its marketable limit (0.44 from the starting mid) fits in 0.50 and fills at the new natural.
    for symbol in (algo.short_call, algo.short_put):
        sim.set_quote(symbol, 0.85, 0.95)
    settle(sim, 60 * 7)

    assert followed.status is GroupStatus.FILLED
    assert any("from net mid 0.2" in e.message for e in followed.view.log)
    assert followed.view.entry_concession == pytest.approx(0.40)  # the new natural: drift 0.20 + half-spreads 0.20
    assert positions(sim, algo.condor()) == condor_targets(algo, 1)

    ran_away = iron_condor(algo, 1, pricing=WALK)
    settle(sim, 30)
    _run_away(sim, algo)
    settle(sim, 60 * 12)

    assert ran_away.status is GroupStatus.ROLLED_BACK and "walk gave up" in ran_away.reason
    steps = [e.message for e in ran_away.view.log if e.message.startswith("walk step")]
    assert len(steps) == 10  # held at 0.50 past its starting mid, it gives up by its steps, not sooner
    if execution == "combo":  # it started at the mid the first group left, 0.20
        assert all(" combo 0.7 " in message for message in steps)
    assert positions(sim, algo.condor()) == condor_targets(algo, 1)  # the first group's, untouched


@pytest.mark.parametrize("execution", ["parallel", "sequential"])
@pytest.mark.parametrize("mode", MODES)
def test_a_walk_that_fills_some_legs_ends_rolled_back_never_half_open(mode: str, execution: str) -> None:
    sim, algo = _start(mode, execution)

    result = iron_condor(algo, 2, pricing=WALK)
    for symbol in (algo.long_call, algo.long_put):  # the longs' asks fall under their resting limits
        sim.set_quote(symbol, 0.90, 0.95)
    settle(sim, 90)
    assert any(leg.filled for leg in result.view.legs)
    _run_away(sim, algo, longs=False)  # the shorts never fill: the walk gives up
    settle(sim, 60 * 11)

    assert result.status is GroupStatus.ROLLED_BACK and "walk gave up" in result.reason
    assert positions(sim, algo.condor()) == flat_positions(algo)
    rollbacks = group_orders(sim, result.group_id, "rollback")
    assert rollbacks and {o.order_type for o in rollbacks} == {OrderType.MARKET}  # a rollback must flatten
    if execution == "sequential":
        assert max(naked_shorts(algo, dict(zip(algo.condor(), step.values()))) for step in algo.trace) == 0


@pytest.mark.parametrize("execution", list(EXECUTION_MODES))
@pytest.mark.parametrize("mode", MODES)
def test_a_walk_fills_a_still_quote_at_its_marketable_step(mode: str, execution: str) -> None:
    sim, algo = _start(mode, execution)
    # The condor's natural is 0.20 from its mid, marketable at 0.24 (a 0.01 tick through each leg):
    # up to the natural nothing fills, the fifth step reaches the marketable price and fills.
    result = iron_condor(algo, 1, pricing=WALK)
    settle(sim, 60 * 4 + 30)
    assert result.status is GroupStatus.PENDING
    settle(sim, 60 * 2)

    assert result.status is GroupStatus.FILLED
    assert any("walk step 5" in e.message for e in result.view.log)
    # A still quote fills the marketable limit at the quotes: the natural, not the ticks past it.
    assert result.view.entry_concession == pytest.approx(0.20)
    assert positions(sim, algo.condor()) == condor_targets(algo, 1)


@pytest.mark.parametrize("execution", list(EXECUTION_MODES))
@pytest.mark.parametrize("mode", MODES)
def test_a_group_that_times_out_mid_walk_rolls_back(mode: str, execution: str) -> None:
    sim, algo = start(mode, **EXECUTION_MODES[execution], atomic_order_timeout=150)

    result = iron_condor(algo, 2, pricing=WALK)
    settle(sim, 400)

    assert result.status is GroupStatus.ROLLED_BACK and "timeout" in result.reason
    assert positions(sim, algo.condor()) == flat_positions(algo)


@pytest.mark.parametrize("execution", list(EXECUTION_MODES))
def test_a_limit_entry_rests_at_its_rounded_price_and_fills_when_met(execution: str) -> None:
    sim, algo = _start("live", execution)

    result = iron_condor(algo, 1, pricing=Limit(0.1))
    settle(sim, 30)
    orders = group_orders(sim, result.group_id)
    if execution == "combo":
        assert {o.order_type for o in orders} == {OrderType.COMBO_LIMIT}
    else:  # 0.10 shared by half-spreads: 0.025 a leg, rounded toward the mid on the 0.01 tick
        assert sorted(o.limit_price for o in orders) == ([0.98, 0.98, 1.02, 1.02] if execution == "parallel" else [1.02, 1.02])
    _meet_step_one(sim, algo)
    settle(sim, 240)

    assert result.status is GroupStatus.FILLED
    assert positions(sim, algo.condor()) == condor_targets(algo, 1)


@pytest.mark.parametrize("execution", list(EXECUTION_MODES))
@pytest.mark.parametrize("mode", MODES)
def test_a_close_walks_too_and_ends_flat(mode: str, execution: str) -> None:
    sim, algo = _start(mode, execution)
    entry = iron_condor(algo, 2)
    settle(sim, 60)
    assert entry.status is GroupStatus.FILLED

    # Buying back the shorts at mid + a step and selling the longs at mid - a step: the reverse quotes.
    closed = algo.executor.close_group(entry.group_id, pricing=WALK, reason="take profit")
    settle(sim, 30)
    for symbol in (algo.short_call, algo.short_put):
        sim.set_quote(symbol, 0.97, 1.00)
    for symbol in (algo.long_call, algo.long_put):
        sim.set_quote(symbol, 1.00, 1.03)
    settle(sim, 400)

    assert closed.status is GroupStatus.CLOSED
    assert positions(sim, algo.condor()) == flat_positions(algo)
    exits = group_orders(sim, entry.group_id, "exit")
    assert {o.order_type for o in exits} == ({OrderType.COMBO_LIMIT} if execution == "combo" else {OrderType.LIMIT})


@pytest.mark.parametrize("execution", list(EXECUTION_MODES))
def test_a_close_whose_walk_gives_up_goes_on_at_market(execution: str) -> None:
    sim, algo = _start("live", execution)
    entry = iron_condor(algo, 1)
    settle(sim, 60)

    closed = algo.executor.close_group(entry.group_id, pricing=Walk(0.05, 60, 0.1))
    settle(sim, 600)

    assert closed.status is GroupStatus.CLOSED
    assert positions(sim, algo.condor()) == flat_positions(algo)
    types = {o.order_type for o in group_orders(sim, entry.group_id, "exit")}
    assert OrderType.MARKET in types and (OrderType.LIMIT in types or OrderType.COMBO_LIMIT in types)


@pytest.mark.parametrize("execution", list(EXECUTION_MODES))
def test_a_restart_mid_walk_rolls_the_entry_back(execution: str) -> None:
    """Decided: no walk resumes after a restart. Its quotes are as old as the outage, and recovery
    never resumes an entry (recovery/reconcile.py): the walk's orders are cancelled and whatever
    filled is reversed. The walk's state was persisted, so the record shows where it stood."""
    sim, algo = _start("live", execution)
    result = iron_condor(algo, 2, pricing=WALK)
    _meet_step_one(sim, algo, shorts=False)
    settle(sim, 150)
    group_id = result.group_id
    sim.crash()

    restarted = sim.restart(type(algo))
    settle(sim, 120)

    view = restarted.executor.get_group(group_id)
    assert view is not None and view.status is GroupStatus.ROLLED_BACK
    assert view.pricing == WALK.describe() and view.entry_mid == pytest.approx(0.0)
    assert positions(sim, restarted.condor()) == flat_positions(restarted)
    assert not [o for o in sim.broker_orders if o.is_open]


def test_a_walk_without_quotes_is_rejected_and_bad_policies_raise() -> None:
    sim, algo = _start("live", "parallel")
    sim.set_quote(algo.long_put, None, None)
    sim.advance(1)

    result = iron_condor(algo, 1, pricing=WALK)

    assert result.status is GroupStatus.REJECTED and "quote" in result.reason
    with pytest.raises(InvalidGroupError, match="not both"):
        iron_condor(algo, 1, pricing=WALK, limit_price=0.5)
    with pytest.raises(InvalidGroupError, match="pricing must be"):
        iron_condor(algo, 1, pricing="mid")  # type: ignore[arg-type]
    with pytest.raises(InvalidGroupError, match="step"):
        Walk(0, 60, 1)


@pytest.mark.parametrize("mode", MODES)
def test_where_combos_cannot_be_updated_a_walk_cancels_and_replaces_its_combo(mode: str) -> None:
    sim, algo = _start(mode, "combo", combo_price_updates=False)

    result = iron_condor(algo, 2, pricing=WALK)
    settle(sim, 150)  # two steps: two combos cancelled and replaced
    _meet_step_one(sim, algo)
    settle(sim, 120)

    assert result.status is GroupStatus.FILLED and bool(result)
    assert positions(sim, algo.condor()) == condor_targets(algo, 2)
    orders = group_orders(sim, result.group_id)
    assert {o.order_type for o in orders} == {OrderType.COMBO_LIMIT}
    attempts = sorted({o.tag.rsplit("/", 1)[1] for o in orders})
    assert attempts[:2] == ["0", "2"] and "1" not in attempts  # attempt 1 stays the legged fallback's
    assert [o.status.name for o in orders].count("FILLED") == 4
    assert not sim.broker_orders[0].is_open and sim.broker_orders[0].status.name == "CANCELED"


@pytest.mark.parametrize("mode", MODES)
def test_a_replaced_walk_that_never_fills_ends_flat(mode: str) -> None:
    sim, algo = _start(mode, "combo", combo_price_updates=False)

    result = iron_condor(algo, 2, pricing=Walk(0.05, 60, 0.2))
    settle(sim, 60 * 7)

    assert result.status is GroupStatus.ROLLED_BACK and "walk gave up" in result.reason
    assert positions(sim, algo.condor()) == flat_positions(algo)
    assert not [o for o in sim.broker_orders if o.is_open]


# Fault plans against a walk: whatever the brokerage does, the group ends whole or flat.
SHORT_LEG = Match(where=lambda c: "/entry/" in c.tag and c.role == "opening" and "P00460000" in str(c.symbol))
FAULTS = {
    "short leg refused": [Reject("refused", SHORT_LEG)],
    "half the structures fill": [PartialFill(0.5, "never", Match(tag_contains="/entry/"))],
    "fill wins the cancel race": [CancelLosesRace(Match(tag_contains="/entry/"))],
    "events lost": [LostEvents(Match(tag_contains="/entry/"))],
    "entry delayed": [DelayFill(90, Match(tag_contains="/entry/"))],
}


@pytest.mark.parametrize("fault", sorted(FAULTS))
@pytest.mark.parametrize("execution", list(EXECUTION_MODES))
@pytest.mark.parametrize("mode", MODES)
def test_a_walk_under_faults_ends_whole_or_flat(mode: str, execution: str, fault: str) -> None:
    if mode == "backtest" and fault == "events lost":
        pytest.skip("a backtest loses no event (LostEvents models a live brokerage)")
    sim, algo = _start(mode, execution, faults=FAULTS[fault])

    result = iron_condor(algo, 2, pricing=WALK)
    _meet_step_one(sim, algo)
    settle(sim, 60 * 15)

    held = positions(sim, algo.condor())
    assert result.status in (GroupStatus.FILLED, GroupStatus.ROLLED_BACK), result.view.log[-3:]
    assert held == (condor_targets(algo, 2) if result.status is GroupStatus.FILLED else flat_positions(algo))
    assert not [o for o in sim.broker_orders if o.is_open]
