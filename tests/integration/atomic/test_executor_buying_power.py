"""The buying-power pre-check margins a group by atomic.margin's coverage rule: a debit spread ties up
no margin beyond its debit, so it is not refused as if its short leg were naked; a naked short still is.

The double's underlying is at 100, so the 455 put is deep in the money: naked, it needs 45.50 per
share (10% of the strike), $4,550 a contract, more than the account's $2,000.
"""

from __future__ import annotations

from atomic import GroupStatus
from executor_kit import positions, settle, start


def test_a_debit_put_spread_is_not_refused_as_a_naked_short() -> None:
    sim, algo = start("backtest", cash=2_000)
    legs = [(algo.short_put, 1), (algo.long_put, -1)]  # long the 460 put, short the 455 put
    result = algo.executor.execute_atomic(legs, "bear put spread")
    settle(sim)
    assert result.status is GroupStatus.FILLED, result.reason
    assert positions(sim, [algo.short_put, algo.long_put]) == {str(algo.short_put): 1, str(algo.long_put): -1}


def test_a_naked_short_strangle_is_still_refused() -> None:
    sim, algo = start("backtest", cash=2_000)
    result = algo.executor.execute_atomic([(algo.long_put, -1), (algo.long_call, -1)], "short strangle")
    assert result.status is GroupStatus.REJECTED
    assert "insufficient buying power" in result.reason
