"""Fills the executor did not expect: a broker that reports a fill twice (each report with its own
LEAN event id, so LEAN applies both to the portfolio) over-fills an order. The group's books count
what really filled, the anomaly is recorded and alerted, the group is held and new groups are
refused until resume(); an operator's rollback_group reverses what really filled."""

from __future__ import annotations

from typing import Any

import pytest

from executor_kit import (
    EXECUTION_MODES,
    condor_targets,
    flat_positions,
    group_orders,
    iron_condor,
    portfolio,
    positions,
    settle,
    start,
)

from atomic import GroupStatus
from leansim import DoubleReport, LostEvents, Match, PartialFill, Reject

# Execution mode -> the entry orders the broker double-reports: the last short of a legged group
# (after which the group had settled FILLED), a long of a sequential group (the shorts must then
# never be sent), every leg of a combo.
DOUBLED = {"parallel": Match(tag_contains="/entry/3/"), "sequential": Match(tag_contains="/entry/0/"),
           "combo": Match(tag_contains="/combo/")}


def _double_reported_condor(mode: str) -> tuple[Any, Any, Any]:
    """A live condor of 2 whose `DOUBLED[mode]` fills the broker reported twice, after 2 minutes."""
    sim, algo = start("live", [DoubleReport(DOUBLED[mode])], **EXECUTION_MODES[mode])
    result = iron_condor(algo, 2)
    settle(sim, 120)
    return sim, algo, result


def _books(result: Any) -> dict[str, int]:
    return {leg.contract_key: leg.filled for leg in result.view.legs}


def _keys(algo: Any, positions_by_symbol: dict[str, int]) -> dict[str, int]:
    """Positions keyed like the group's legs (LEAN SecurityIdentifier strings)."""
    return {str(s.id): positions_by_symbol[str(s)] for s in algo.condor()}


def _assert_held_and_halted(sim: Any, algo: Any, result: Any) -> None:
    view = result.view
    assert [g.group_id for g in algo.executor.open_groups() if g.held] == [result.group_id]
    assert view.anomalies and any("UNEXPECTED FILL" in entry.message for entry in view.log)
    assert "unexpected fill" in algo.executor.halted
    assert any(m.startswith("Unexpected fill: group held") for m in sim.logs_at("ERROR"))
    refused = iron_condor(algo, 1)
    assert refused.status is GroupStatus.REJECTED and "halted" in refused.reason


@pytest.mark.parametrize("mode", EXECUTION_MODES)
def test_live_double_report_is_counted_recorded_alerted_and_holds_the_group(mode: str) -> None:
    sim, algo, result = _double_reported_condor(mode)

    brokerage = positions(sim, algo.condor())
    assert brokerage != condor_targets(algo, 2)  # the broker over-filled
    assert brokerage == portfolio(algo)  # and LEAN applied both reports
    assert _books(result) == _keys(algo, brokerage)  # the group counts what really filled
    _assert_held_and_halted(sim, algo, result)
    assert group_orders(sim, result.group_id, "rollback") == []  # held: no automatic action
    if mode == "sequential":  # the long over-filled: the shorts were never sold
        assert {q for s, q in brokerage.items() if q < 0} == set()


@pytest.mark.parametrize("mode", EXECUTION_MODES)
def test_operator_rollback_of_a_double_reported_group_reverses_what_really_filled(mode: str) -> None:
    sim, algo, result = _double_reported_condor(mode)

    algo.executor.rollback_group(result.group_id)
    settle(sim, 60)

    assert result.status is GroupStatus.ROLLED_BACK
    assert positions(sim, algo.condor()) == flat_positions(algo) == portfolio(algo)
    assert result.view.flat and not result.view.held
    assert "unexpected fill" in algo.executor.halted  # until the operator resumes
    algo.executor.resume()
    assert iron_condor(algo, 1).status is not GroupStatus.REJECTED


@pytest.mark.parametrize("mode", EXECUTION_MODES)
def test_double_reported_reversal_is_an_anomaly_and_the_operator_rollback_flattens(mode: str) -> None:
    failing = (PartialFill(0.5, remainder="never", match=Match(tag_contains="/combo/")) if mode == "combo"
               else Reject("refused", Match(tag_contains="/entry/3/")))
    sim, algo = start("live", [failing, DoubleReport(Match(tag_contains="/rollback/0/"))], **EXECUTION_MODES[mode])

    result = iron_condor(algo, 2)
    settle(sim, 120)

    brokerage = positions(sim, algo.condor())
    assert brokerage[str(algo.long_call)] < 0  # the reversal of the long call was booked twice
    assert _books(result) == _keys(algo, brokerage)
    _assert_held_and_halted(sim, algo, result)
    assert result.status is GroupStatus.ROLLING_BACK

    algo.executor.rollback_group(result.group_id)
    settle(sim, 60)

    assert result.status is GroupStatus.ROLLED_BACK
    assert positions(sim, algo.condor()) == flat_positions(algo) == portfolio(algo)


def test_an_over_fill_found_by_reconciliation_is_an_anomaly_too() -> None:
    """Both reports of the doubled fill were lost: LEAN's order record shows them, and the second
    takes the order past its size."""
    last = Match(tag_contains="/entry/3/")
    sim, algo = start("live", [DoubleReport(last), LostEvents(last)])

    result = iron_condor(algo, 2)
    settle(sim, 120)

    brokerage = positions(sim, algo.condor())
    assert brokerage[str(algo.short_put)] == -4 == result.view.legs[3].filled
    assert any("applied from LEAN's order record" in entry.message for entry in result.view.log)
    _assert_held_and_halted(sim, algo, result)
    assert group_orders(sim, result.group_id, "rollback") == []


@pytest.mark.parametrize("mode", EXECUTION_MODES)
def test_a_held_anomaly_still_halts_after_a_restart(mode: str) -> None:
    """Recovery decides nothing for a group an unexpected fill held (sequential: PENDING with the
    longs over-filled, which recovery would otherwise flatten): it stays held, and only the
    operator's rollback_group unwinds it."""
    sim, algo, result = _double_reported_condor(mode)
    orders = len(sim.broker_orders)

    algo = sim.restart(type(algo))
    settle(sim, 120)

    assert "unexpected fill" in algo.executor.halted
    assert [entry.decision for entry in algo.recovery.groups] == ["hold: unexpected fills"]
    [view] = algo.executor.open_groups()
    assert view.group_id == result.group_id and view.held
    assert len(sim.broker_orders) == orders  # still no automatic action
    assert not any("released" in entry.message for entry in view.log)
    algo.executor.rollback_group(result.group_id)
    settle(sim, 60)
    assert positions(sim, algo.condor()) == flat_positions(algo)
    assert any("released: operator requested rollback" in entry.message
               for entry in algo.executor.get_group(result.group_id).log)
