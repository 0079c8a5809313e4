"""sequential_protective_legs: short legs go out only once every long leg has filled, so no step of
the group ever holds a naked short, whatever the brokerage does."""

from __future__ import annotations

from typing import Any

import pytest

from executor_kit import (
    MODES,
    condor_targets,
    flat_positions,
    iron_condor,
    naked_shorts,
    positions,
    settle,
    start,
)

from atomic import GroupStatus
from atomic.tags import parse_tag
from leansim import CancelLosesRace, DelayFill, Match, NeverFill, PartialFill, Reject

LONGS, SHORTS = (0, 1), (2, 3)


def _entry(leg: int) -> Match:
    return Match(tag_contains=f"/entry/{leg}/")


# Delays stay well inside ATOMIC_ORDER_TIMEOUT (5 s), which runs from the first entry order: in
# sequential mode the shorts must still fill within what the longs left of it. A backtest scans the
# brokerage once a time slice (BacktestingBrokerage.Scan), so a delayed fill comes a minute on: there
# the timeout is SLICE_TIMEOUT, long enough for a slow leg to complete.
SLICE_TIMEOUT = 90.0
FILLING: dict[str, list[Any]] = {
    "clean": [],
    "slow long put": [DelayFill(2, _entry(1))],
    "long call in two parts": [PartialFill(0.5, remainder=1, match=_entry(0))],
    "slow short": [DelayFill(2, _entry(3))],
}
FAILING: dict[str, list[Any]] = {
    "long refused": [Reject("refused", _entry(1))],
    "short refused": [Reject("refused", _entry(3))],
    "long never fills": [NeverFill(_entry(0))],
    "long partly fills": [PartialFill(0.5, match=_entry(1))],
    "short never fills, cancel loses": [DelayFill(90, _entry(2)), CancelLosesRace(_entry(2))],
    "short refused, rollback refused once": [Reject("refused", _entry(2)),
                                             Reject("no", Match(tag_contains="/rollback/"), times=1)],
}


def _assert_never_naked(algo: Any) -> None:
    assert algo.trace, "no order event was recorded"
    naked = [naked_shorts(algo, step) for step in algo.trace]
    assert max(naked) == 0, list(zip(naked, algo.trace))


def _assert_shorts_after_longs(sim: Any, group_id: str) -> None:
    """Every short entry order reached the brokerage after every long entry order had completely filled."""
    events = [(i, e, parse_tag(e.tag)) for i, e in enumerate(sim.events)]
    ours = [(i, e, t) for i, e, t in events if t is not None and t.group_id == group_id and t.role.value == "entry"]
    shorts = [i for i, _, t in ours if t.leg in SHORTS]
    if not shorts:
        return
    long_fills = [(i, e) for i, e, t in ours if t.leg in LONGS and e.fill_quantity]
    assert long_fills
    first_short = min(shorts)
    filled_before = {}
    for i, e in long_fills:
        if i < first_short:
            filled_before[e.order_id] = filled_before.get(e.order_id, 0) + e.fill_quantity
    assert sorted(filled_before.values()) == [2, 2], (filled_before, first_short)
    brokerage = [o for o in sim.broker_orders if (t := parse_tag(o.tag)) and t.group_id == group_id and t.role.value == "entry"]
    last_long_fill = max(f.utc_time for o in brokerage if parse_tag(o.tag).leg in LONGS for f in o.fills)  # type: ignore[union-attr]
    assert all(o.submitted_utc >= last_long_fill for o in brokerage if parse_tag(o.tag).leg in SHORTS)  # type: ignore[union-attr]


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("case", sorted(FILLING))
def test_sequential_group_fills_without_a_naked_short(mode: str, case: str) -> None:
    timeout = {"atomic_order_timeout": SLICE_TIMEOUT} if mode == "backtest" else {}
    sim, algo = start(mode, FILLING[case], sequential_protective_legs=True, **timeout)

    result = iron_condor(algo, 2)
    settle(sim, 60)

    assert result.status is GroupStatus.FILLED and bool(result)
    assert positions(sim, algo.condor()) == condor_targets(algo, 2)
    _assert_never_naked(algo)
    _assert_shorts_after_longs(sim, result.group_id)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("case", sorted(FAILING))
def test_sequential_group_rolls_back_without_a_naked_short(mode: str, case: str) -> None:
    sim, algo = start(mode, FAILING[case], sequential_protective_legs=True)

    result = iron_condor(algo, 2)
    settle(sim, 180)

    assert result.status is GroupStatus.ROLLED_BACK
    assert positions(sim, algo.condor()) == flat_positions(algo)
    _assert_never_naked(algo)
    _assert_shorts_after_longs(sim, result.group_id)


@pytest.mark.parametrize("mode", MODES)
def test_sequential_never_sends_a_short_while_a_long_is_unfilled(mode: str) -> None:
    sim, algo = start(mode, [NeverFill(_entry(0))], sequential_protective_legs=True)

    result = iron_condor(algo, 2)
    settle(sim, 3)

    assert result.status is GroupStatus.PENDING
    sent = {parse_tag(o.tag).leg for o in sim.broker_orders}  # type: ignore[union-attr]
    assert sent == {0, 1}
    assert positions(sim, [algo.short_call, algo.short_put]) == {str(algo.short_call): 0, str(algo.short_put): 0}
