"""The happy path on the LEAN double: every leg fills, the group is FILLED, and its records move
from the hot key set to the archive with few writes."""

from __future__ import annotations

import json

import pytest

from executor_kit import (
    LEAN_KEY,
    MODES,
    condor_targets,
    group_orders,
    iron_condor,
    namespace,
    positions,
    settle,
    start,
    store_keys,
)

from atomic import GroupStatus
from atomic.tags import parse_tag


@pytest.mark.parametrize("mode", MODES)
def test_all_legs_fill_gives_filled_and_the_brokerage_holds_the_legs(mode: str) -> None:
    sim, algo = start(mode)

    result = iron_condor(algo, 3)
    settle(sim, 10)

    assert result.status is GroupStatus.FILLED
    assert bool(result) is True
    assert result.reason == ""
    assert positions(sim, algo.condor()) == condor_targets(algo, 3)
    view = result.view
    assert view.complete and [leg.filled for leg in view.legs] == [leg.quantity for leg in view.legs]
    assert all(leg.open_orders == 0 for leg in view.legs)
    assert algo.executor.open_groups() == []
    assert sim.logs_at("ERROR") == []


def test_backtest_group_is_filled_before_execute_returns() -> None:
    """In a backtest LEAN fills market orders inside market_order(): the result is final at once."""
    sim, algo = start("backtest")

    result = iron_condor(algo, 2)

    assert result.status is GroupStatus.FILLED and bool(result) and not result.trimmed
    assert positions(sim, algo.condor()) == condor_targets(algo, 2)


def test_live_group_is_pending_until_the_brokerage_reports_fills() -> None:
    sim, algo = start("live")

    result = iron_condor(algo, 2)

    assert result.status is GroupStatus.PENDING
    assert bool(result) is False
    settle(sim, 3)
    assert result.status is GroupStatus.FILLED and bool(result)


@pytest.mark.parametrize("mode", MODES)
def test_every_order_carries_a_parseable_tag_naming_its_group_leg_and_role(mode: str) -> None:
    sim, algo = start(mode)

    result = iron_condor(algo, 1)
    settle(sim, 5)

    orders = group_orders(sim, result.group_id)
    assert len(orders) == 4 == len(sim.broker_orders)
    tags = [parse_tag(o.tag) for o in orders]
    assert sorted(t.leg for t in tags if t is not None) == [0, 1, 2, 3]
    assert all(t is not None and t.role.value == "entry" for t in tags)
    # the tag LEAN's order carries now (not only at submission) still names the group
    assert all(parse_tag(order.tag) is not None and parse_tag(order.tag).group_id == result.group_id  # type: ignore[union-attr]
               for _, order in sim.orders)


@pytest.mark.parametrize("mode", MODES)
def test_clean_group_writes_little_and_ends_archived_under_namespaced_keys(mode: str) -> None:
    sim, algo = start(mode)

    result = iron_condor(algo, 2)
    settle(sim, 10)  # past the store's 5 s persistence timer

    assert result.status is GroupStatus.FILLED
    legs = 4
    assert sim.store_stats.saves <= legs + 3
    assert sim.store_stats.failed_saves == 0
    prefix = f"{namespace(mode)}/"
    hot = f"{prefix}open/{result.group_id}"
    for keys in (store_keys(algo), sorted(sim.stored)):
        assert hot not in keys
        archived = [k for k in keys if k.startswith(f"{prefix}archive/") and k.endswith(result.group_id)]
        assert len(archived) == 1, keys
        assert all(":" not in k and LEAN_KEY.match(k) for k in keys), keys
    record = json.loads(sim.stored[archived[0]])
    assert record["group_id"] == result.group_id
    assert record["status"] == "FILLED"
    assert [leg["filled_quantity"] for leg in record["legs"]] == [2, 2, -2, -2]


@pytest.mark.parametrize("mode", MODES)
def test_finished_groups_are_kept_for_good_in_few_keys_and_read_back(mode: str) -> None:
    """Nothing is deleted from the archive: 20 groups packed 2 by 2 (then 2 packs a volume) leave
    few keys, and the oldest, long out of memory, still reads back, as it was, on disk too."""
    sim, algo = start(mode, archive_pack_size=2, history_in_memory=1)
    results = []
    for _ in range(20):
        results.append(iron_condor(algo, 1))
        settle(sim, 2)

    archive = [k for k in store_keys(algo) if k.startswith(f"{namespace(mode)}/archive/")]
    assert len(archive) <= 6, archive
    for result in results:
        view = algo.executor.get_group(result.group_id)
        assert view is not None and view.status is GroupStatus.FILLED and view.complete
    settle(sim, 10)  # past the store's 5 s persistence timer
    assert sorted(sim.stored) == store_keys(algo)


@pytest.mark.parametrize("mode", MODES)
def test_the_intent_is_on_disk_before_the_first_order_reaches_the_brokerage(mode: str) -> None:
    """Write-ahead: a crash right after the first order must find the group's record on disk."""
    from leansim import CrashAt, SimulatedCrash

    sim, algo = start(mode, [CrashAt("before_order", n=1)])

    with pytest.raises(SimulatedCrash):
        iron_condor(algo, 2)

    hot = [k for k in sim.stored if k.startswith(f"{namespace(mode)}/open/")]
    assert len(hot) == 1
    record = json.loads(sim.stored[hot[0]])
    assert record["status"] == "PENDING"
    assert [leg["quantity"] for leg in record["legs"]] == [2, 2, -2, -2]


@pytest.mark.parametrize("mode", MODES)
def test_put_spread_and_strangle_fill(mode: str) -> None:
    sim, algo = start(mode)
    executor = algo.executor

    spread = executor.execute_put_spread_atomic(algo.short_put, algo.long_put, 2)
    settle(sim, 5)
    strangle = executor.execute_strangle_atomic(algo.short_call, algo.far_put, 1)
    settle(sim, 5)

    assert spread.status is GroupStatus.FILLED and bool(spread)
    assert strangle.status is GroupStatus.FILLED and bool(strangle)
    assert positions(sim, [algo.long_put, algo.short_put, algo.short_call, algo.far_put]) == {
        str(algo.long_put): 2, str(algo.short_put): -2, str(algo.short_call): -1, str(algo.far_put): -1}


@pytest.mark.parametrize("mode", MODES)
def test_on_complete_and_listeners_hear_the_final_status_once(mode: str) -> None:
    sim, algo = start(mode)
    heard: list[tuple[str, GroupStatus]] = []
    algo.executor.add_listener(lambda r: heard.append(("listener", r.status)))

    result = iron_condor(algo, 1, on_complete=lambda r: heard.append(("callback", r.status)))
    settle(sim, 60)

    assert result.status is GroupStatus.FILLED
    assert heard == [("callback", GroupStatus.FILLED), ("listener", GroupStatus.FILLED)]
