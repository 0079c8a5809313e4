"""Closing a filled group on the LEAN double: flat at the end, never a naked short on the way.

Every test runs in the three execution modes (legs in parallel, longs before shorts, one combo) and
in live and backtest. The host records the brokerage's positions after every order event
(`algo.trace`); the close must never hold more naked short contracts than the structure itself was
designed with (none for a condor or a spread, its two shorts for a strangle).
"""

from __future__ import annotations

from typing import Any

import pytest
from executor_kit import (
    EXECUTION_MODES,
    MODES,
    EverySecondHost,
    HostAlgorithm,
    flat_positions,
    group_orders,
    iron_condor,
    naked_shorts,
    namespace,
    positions,
    settle,
    start,
    store_keys,
)

from atomic.errors import InvalidGroupError
from atomic.executor import GroupResult
from atomic.model import GroupStatus
from atomic.tags import Role, parse_tag
from leansim import Match, NeverFill, PartialFill, Reject, Simulator

MODE_NAMES = tuple(EXECUTION_MODES)
EXIT = "/exit/"


def _opened(mode: str, execution: str, faults: tuple[Any, ...] = (), **overrides: Any) -> tuple[Simulator, HostAlgorithm]:
    """Live checks timeouts every second, as main.py schedules them (a stale exit order is cancelled
    and re-sent within the close's patience); a backtest checks on each minute's slice."""
    base = EverySecondHost if mode == "live" else HostAlgorithm
    sim, algo = start(mode, faults=faults, base=base, **{**EXECUTION_MODES[execution], **overrides})
    return sim, algo


def _naked_during_close(algo: HostAlgorithm, since: int) -> int:
    """The most naked short contracts the brokerage-side positions held after any event of the close."""
    return max((naked_shorts(algo, step) for step in algo.trace[since:]), default=0)


def _exit_orders(sim: Simulator, group_id: str) -> list[Any]:
    return group_orders(sim, group_id, role=Role.EXIT.value)


def _close(sim: Simulator, algo: HostAlgorithm, result: GroupResult, seconds: float = 300, **kwargs: Any) -> tuple[GroupResult, int]:
    since = len(algo.trace)
    closed = algo.executor.close_group(result.group_id, **kwargs)
    settle(sim, seconds)
    return closed, _naked_during_close(algo, since)


STRUCTURES = ("condor", "put_spread", "strangle")


def _open_structure(algo: HostAlgorithm, structure: str) -> tuple[GroupResult, int]:
    """The structure, 2 of it, and the naked shorts it holds by design."""
    executor = algo.executor
    if structure == "condor":
        return iron_condor(algo, 2), 0
    if structure == "put_spread":
        return executor.execute_put_spread_atomic(algo.short_put, algo.long_put, 2), 0
    return executor.execute_strangle_atomic(algo.short_call, algo.short_put, 2), 4


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("execution", MODE_NAMES)
@pytest.mark.parametrize("structure", STRUCTURES)
def test_a_filled_structure_closes_flat_with_no_naked_short_beyond_its_design(structure: str, execution: str, mode: str) -> None:
    sim, algo = _opened(mode, execution)
    opened, by_design = _open_structure(algo, structure)
    settle(sim, 10)
    assert opened.status is GroupStatus.FILLED

    closed, naked = _close(sim, algo, opened, reason="take profit")

    assert closed.status is GroupStatus.CLOSED, closed.view.log
    assert positions(sim, algo.condor()) == flat_positions(algo)
    assert naked <= by_design
    assert closed.view.close_reason == "take profit"
    assert any("take profit" in line.message for line in closed.view.log)
    exits = _exit_orders(sim, opened.group_id)
    assert exits and not [o for o in exits if o.is_open]
    tags = [parse_tag(o.tag) for o in exits]
    if execution == "combo":  # one combo order for the whole position
        assert all(t is not None and t.leg is None and t.attempt == 0 for t in tags)
    else:
        assert all(t is not None and t.leg is not None for t in tags)
    keys = store_keys(algo)
    assert not [k for k in keys if k.startswith(f"{namespace(mode)}/open/")]
    assert f"{namespace(mode)}/held/{opened.group_id}" not in keys
    assert not algo.executor.halted


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("execution", ("parallel", "sequential"))
def test_a_legged_close_buys_every_short_back_before_it_sells_a_long(execution: str, mode: str) -> None:
    sim, algo = _opened(mode, execution)
    opened = iron_condor(algo, 2)
    settle(sim, 10)

    _close(sim, algo, opened)

    exits = _exit_orders(sim, opened.group_id)
    buys = [i for i, o in enumerate(exits) if o.quantity > 0]
    sells = [i for i, o in enumerate(exits) if o.quantity < 0]
    assert len(buys) == 2 and len(sells) == 2 and max(buys) < min(sells)


# Faults on exit orders the close must work through: one refused exit order (sent again), and two
# exit orders half filled then never again (cancelled once stale, the rest sent again).
CLOSE_FAULTS = {
    "refused": Reject("no liquidity", Match(symbol="SPY", tag_contains=EXIT), times=1),
    "partial": PartialFill(filled=0.5, remainder="never", match=Match(tag_contains=EXIT), times=2),
}


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("execution", MODE_NAMES)
@pytest.mark.parametrize("fault", list(CLOSE_FAULTS))
def test_refused_or_partly_filled_exit_orders_are_sent_again_until_the_close_completes(fault: str, execution: str,
                                                                                     mode: str) -> None:
    sim, algo = _opened(mode, execution, (CLOSE_FAULTS[fault],))
    opened = iron_condor(algo, 2)
    settle(sim, 10)

    closed, naked = _close(sim, algo, opened)

    assert closed.status is GroupStatus.CLOSED, closed.view.log
    assert positions(sim, algo.condor()) == flat_positions(algo)
    assert naked == 0
    exits = [o for leg in _records(algo, opened.group_id) for o in leg if o.role is Role.EXIT]
    assert len(exits) > 4  # more than one order per leg (a combo is one record per leg)
    if fault == "refused":
        assert any("exit order" in line.message and "INVALID" in line.message for line in closed.view.log)


def _records(algo: HostAlgorithm, group_id: str) -> list[list[Any]]:
    """The group's order records per leg (read back from the archive: the group is settled)."""
    group = algo.executor.store.read_archived(group_id)
    assert group is not None
    return [leg.orders for leg in group.legs]


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("execution", MODE_NAMES)
def test_close_orders_that_never_fill_end_close_failed_halted_with_the_rest_covered(execution: str, mode: str) -> None:
    # The short put's buy-back never fills: its long protection must stay, whatever else closes.
    stuck = NeverFill(Match(symbol=str(_short_put_value()), tag_contains=EXIT), times=None)
    sim, algo = _opened(mode, execution, (stuck,))
    opened = iron_condor(algo, 2)
    settle(sim, 10)
    notified: list[GroupStatus] = []
    algo.executor.add_listener(lambda r: notified.append(r.status))

    closed, naked = _close(sim, algo, opened, seconds=600)

    assert closed.status is GroupStatus.CLOSE_FAILED, closed.view.log
    assert naked == 0
    held = positions(sim, algo.condor())
    assert held[str(algo.short_put)] == -2 and held[str(algo.long_put)] == 2  # still covered
    assert naked_shorts(algo, {s: int(sim.position(s)) for s in algo.condor()}) == 0
    assert "CLOSE_FAILED" in algo.executor.halted
    assert notified == [GroupStatus.CLOSE_FAILED]
    assert "close failed" in closed.view.close_reason
    assert not [o for o in sim.open_broker_orders if o.tag.startswith("atomic/")]
    # New groups are refused until the operator resumes.
    assert iron_condor(algo, 1).status is GroupStatus.REJECTED


def _short_put_value() -> str:
    from executor_kit import option

    return str(option("put", 460).value)


@pytest.mark.parametrize("mode", MODES)
def test_close_all_closes_the_filled_groups_of_one_strategy(mode: str) -> None:
    sim, algo = _opened(mode, "sequential", max_pending_groups=3)
    spread = algo.executor.execute_put_spread_atomic(algo.short_put, algo.long_put, 1, strategy="spreads")
    condor = iron_condor(algo, 1, strategy="condors")
    settle(sim, 10)
    assert spread.status is condor.status is GroupStatus.FILLED

    results = algo.executor.close_all(strategy="condors")
    settle(sim, 120)

    assert [r.group_id for r in results] == [condor.group_id]
    assert condor.status is GroupStatus.CLOSED and spread.status is GroupStatus.FILLED
    assert positions(sim, algo.condor()) == {**flat_positions(algo), str(algo.short_put): -1, str(algo.long_put): 1}

    rest = algo.executor.close_all()
    settle(sim, 120)
    assert [r.group_id for r in rest] == [spread.group_id] and spread.status is GroupStatus.CLOSED
    assert positions(sim, algo.condor()) == flat_positions(algo)
    assert algo.executor.close_all() == []


@pytest.mark.parametrize("mode", MODES)
def test_a_group_that_cannot_be_closed_raises_naming_it_and_nothing_is_sent_or_written(mode: str) -> None:
    sim, algo = _opened(mode, "sequential", (NeverFill(Match(tag_contains="/entry/"), times=None),))
    pending = iron_condor(algo, 1)
    orders, saves = len(sim.broker_orders), sim.store_stats.saves

    with pytest.raises(InvalidGroupError, match=f"{pending.group_id} is PENDING"):
        algo.executor.close_group(pending.group_id)
    with pytest.raises(InvalidGroupError, match="no group nope"):
        algo.executor.close_group("nope")
    with pytest.raises(InvalidGroupError, match="pricing"):
        algo.executor.close_group(pending.group_id, pricing="mid")

    assert (len(sim.broker_orders), sim.store_stats.saves) == (orders, saves)


def test_a_clean_group_saves_at_most_seven_times_and_its_close_is_archived_newest() -> None:
    sim, algo = start("live")
    opened = iron_condor(algo, 2)
    settle(sim, 10)
    saves_filled = sim.store_stats.saves
    assert saves_filled <= 7  # a clean group: write-ahead records, its held marker, its archive

    algo.executor.close_group(opened.group_id, reason="stop loss")
    settle(sim, 60)

    view = algo.executor.store.read_archived(opened.group_id)
    assert view is not None and view.status is GroupStatus.CLOSED and view.close_reason == "stop loss"
    assert positions(sim, algo.condor()) == flat_positions(algo)


def test_after_a_restart_a_group_only_the_archive_and_its_marker_know_is_closed() -> None:
    sim, algo = _opened("live", "sequential")
    opened = iron_condor(algo, 2, strategy="condors")
    settle(sim, 10)
    held_key = f"{namespace('live')}/held/{opened.group_id}"
    assert held_key in sim.stored  # on disk

    restarted = sim.restart(type(algo))
    assert restarted.executor.open_groups() == []
    assert restarted.executor.close_all(strategy="other") == []
    [closed] = restarted.executor.close_all(strategy="condors")
    settle(sim, 120)

    assert closed.group_id == opened.group_id and closed.status is GroupStatus.CLOSED, closed.view.log
    assert positions(sim, restarted.condor()) == flat_positions(restarted)
    assert held_key not in store_keys(restarted)
    assert not restarted.executor.halted


def test_a_held_group_whose_position_is_gone_at_restart_is_alerted_and_halts_not_dropped() -> None:
    sim, algo = _opened("live", "sequential")
    opened = algo.executor.execute_put_spread_atomic(algo.short_put, algo.long_put, 1)
    settle(sim, 10)
    algo.market_order(algo.short_put, 1, tag="closed by hand")
    algo.market_order(algo.long_put, -1, tag="closed by hand")
    settle(sim, 10)

    restarted = sim.restart(type(algo))

    assert any("Held group's position missing" in line and opened.group_id in line for line in sim.logs_at("ERROR"))
    assert f"{namespace('live')}/held/{opened.group_id}" in store_keys(restarted)
    assert restarted.executor.halted and "position missing" in restarted.executor.halted


def test_a_backtest_removes_an_earlier_runs_held_markers() -> None:
    sim, algo = _opened("backtest", "sequential")
    opened = iron_condor(algo, 1)
    settle(sim, 10)
    assert f"{namespace('backtest')}/held/{opened.group_id}" in store_keys(algo)

    restarted = sim.restart(type(algo))

    assert not [k for k in store_keys(restarted) if "/held/" in k]
    assert restarted.executor.close_all() == []
