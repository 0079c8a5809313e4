"""A broker that reports a fill twice but books it once: LEAN's portfolio shows the doubled fill,
the real account does not. The executor cannot tell this from a fill booked twice, so it never
unwinds such a group on its own (not even after a restart), and its alert tells the operator to
check the brokerage's own holdings before calling rollback_group()."""

from __future__ import annotations

import pytest
from executor_kit import EXECUTION_MODES, iron_condor, portfolio, positions, settle, start
from test_executor_unexpected_fills import DOUBLED

from leansim import DoubleReport

CHECK = "check the brokerage's own holdings before calling rollback_group()"


@pytest.mark.parametrize("mode", EXECUTION_MODES)
def test_a_fill_reported_twice_and_booked_once_is_held_for_the_operator(mode: str) -> None:
    sim, algo = start("live", [DoubleReport(DOUBLED[mode], booked_once=True)], **EXECUTION_MODES[mode])
    result = iron_condor(algo, 2)
    settle(sim, 120)

    account, seen = positions(sim, algo.condor()), portfolio(algo)
    assert account != seen  # LEAN counts the second report; the account holds one fill
    assert sum(map(abs, seen.values())) > sum(map(abs, account.values()))
    assert result.view.held and result.view.anomalies
    alert = next(m for m in sim.logs_at("ERROR") if m.startswith("Unexpected fill: group held"))
    assert CHECK in alert
    orders = len(sim.broker_orders)

    algo = sim.restart(type(algo))
    settle(sim, 120)

    assert len(sim.broker_orders) == orders  # nothing unwound, before or after the restart
    assert positions(sim, algo.condor()) == account
    [view] = algo.executor.open_groups()
    assert view.held and "unexpected fill" in algo.executor.halted
    assert any(CHECK in m for m in sim.logs_at("ERROR"))
