"""Safe by default: `AtomicConfig()`, as the README's snippet builds it, never holds a naked short.

A put spread whose long put never fills is rolled back; with the defaults its short put is never
sold while uncovered, so the brokerage never holds a naked short contract, for one second or more.
"""

from __future__ import annotations

import pytest

from AlgorithmImports import AccountType, BrokerageName

from atomic import GroupStatus
from atomic.brokerages import execution_mode_for
from config import AtomicConfig
from executor_kit import HostAlgorithm, group_orders, naked_shorts, option, settle, start
from leansim import Match, NeverFill, Simulator

NEVER_FILLS = NeverFill(Match(symbol=str(option("put", 455))), times=None)  # the long put


def _naked_contract_seconds(sim: Simulator, algo: HostAlgorithm, seconds: int = 180) -> int:
    """Naked short contracts held at the brokerage, sampled each simulated second (as the scenario
    runner integrates it)."""
    total = 0
    for _ in range(seconds):
        total += naked_shorts(algo, {s: int(sim.position(s)) for s in (algo.short_put, algo.long_put)})
        settle(sim, 1)
    return total


@pytest.mark.parametrize("mode", ["backtest", "live"])
def test_a_rolled_back_put_spread_from_the_readme_defaults_holds_no_naked_short(mode: str) -> None:
    sim, algo = start(mode, faults=[NEVER_FILLS], config=AtomicConfig())
    result = algo.executor.execute_put_spread_atomic(algo.short_put, algo.long_put, 1)
    assert _naked_contract_seconds(sim, algo) == 0
    assert result.status is GroupStatus.ROLLED_BACK, result.view.log
    assert {order.symbol for order in group_orders(sim, result.group_id)} == {algo.long_put}
    assert {order.symbol for order in group_orders(sim, result.group_id)} == {algo.long_put}


class AutoModeHost(HostAlgorithm):
    """Chooses the execution mode from its brokerage model, as the README's combo snippet does."""

    brokerage = BrokerageName.DEFAULT

    def initialize(self) -> None:
        self.set_brokerage_model(self.brokerage, AccountType.MARGIN)
        self.atomic_config = AtomicConfig(execution_mode=execution_mode_for(self.brokerage_model))
        super().initialize()


class TradierHost(AutoModeHost):
    brokerage = BrokerageName.TRADIER_BROKERAGE  # accepts no combo order: legged


@pytest.mark.parametrize("mode", ["backtest", "live"])
@pytest.mark.parametrize("base, execution", [(AutoModeHost, "combo"), (TradierHost, "legged")], ids=["default-model", "tradier"])
def test_the_readme_auto_mode_holds_no_naked_short_either(mode: str, base: type[HostAlgorithm], execution: str) -> None:
    sim, algo = start(mode, faults=[NEVER_FILLS], base=base)
    assert algo.executor.config.execution_mode == execution
    result = algo.executor.execute_put_spread_atomic(algo.short_put, algo.long_put, 1)
    assert _naked_contract_seconds(sim, algo) == 0
    assert result.status is GroupStatus.ROLLED_BACK, result.view.log
