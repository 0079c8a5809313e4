"""Orders LEAN refuses in its own pre-checks, before an order exists: the ticket comes back INVALID
with no order id, and no order event ever follows. The executor must treat that leg as refused at
once, not wait for an event that will not come."""

from __future__ import annotations

import pytest

from atomic import GroupStatus
from executor_kit import positions, settle, start


@pytest.mark.parametrize("mode", ["legged", "combo"])
def test_a_leg_refused_by_leans_pre_checks_rolls_the_group_back_flat(mode: str) -> None:
    sim, algo = start("backtest", execution_mode=mode)
    sim.set_quote(algo.long_put, None, None)  # no price: LEAN refuses the order before it exists
    result = algo.executor.execute_iron_condor_atomic(*algo.condor(), 1)
    settle(sim, 120)
    assert result.status is GroupStatus.ROLLED_BACK, result.view.log
    assert "price is $0" in result.reason
    assert set(positions(sim, algo.condor()).values()) == {0}
    assert algo.executor.halted == ""
    # Protective order held: no short option was ever sold while the long put was missing.
    assert all(holdings[algo.short_put] == 0 and holdings[algo.short_call] == 0 for holdings in algo.trace)
