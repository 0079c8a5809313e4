"""trade(): select, size, call the matching executor verb, and report skips without calling it."""

from __future__ import annotations

from typing import Any

import pytest

from config import ConfigError
from strategies import (
    AtomicExecutor,
    ChainRow,
    IronCondorStrategy,
    StructureStrategy,
    PutSpreadStrategy,
    SkipReason,
    StrangleStrategy,
    StrategyParams,
)
from strategy_kit import SPOT, TODAY, ExplodingExecutor, FakeExecutor, days, model_chain, symbol_for

PORTFOLIO = 100_000.0


def test_the_fakes_satisfy_the_executor_protocol() -> None:
    # Checked by mypy (run it on this folder): a fake drifting from the Protocol fails the check.
    executors: list[AtomicExecutor] = [FakeExecutor(), ExplodingExecutor()]
    assert len(executors) == 2


def test_iron_condor_calls_the_executor_with_legs_in_its_order() -> None:
    executor = FakeExecutor()
    decision = IronCondorStrategy(name="friday_ic").trade(executor, model_chain(), SPOT, TODAY, PORTFOLIO)
    assert decision.sent and decision.filled
    assert decision.skip is None
    [call] = executor.calls
    assert call.method == "iron_condor"
    assert call.symbols == (
        symbol_for("call", 106, TODAY),
        symbol_for("call", 111, TODAY),
        symbol_for("put", 94, TODAY),
        symbol_for("put", 89, TODAY),
    )
    assert call.quantity == 4  # 2% of 100k = 2000; one condor risks 424
    assert call.strategy == "friday_ic"
    assert decision.quantity == 4
    assert decision.result is not None and decision.result.group_id == "g1"
    assert decision.describe().startswith("friday_ic sent 4 x friday_ic iron_condor")
    assert decision.describe().endswith("-> group g1 FILLED")


def test_put_spread_calls_its_verb() -> None:
    executor = FakeExecutor()
    decision = PutSpreadStrategy().trade(executor, model_chain(), SPOT, TODAY, PORTFOLIO)
    assert decision.filled
    [call] = executor.calls
    assert (call.method, call.symbols, call.strategy) == (
        "put_spread",
        (symbol_for("put", 94, TODAY), symbol_for("put", 89, TODAY)),
        "put_spread",
    )
    assert call.quantity == 4  # 2000 / 462


def test_strangle_calls_its_verb_sized_on_margin() -> None:
    executor = FakeExecutor()
    decision = StrangleStrategy().trade(executor, model_chain(), SPOT, TODAY, 500_000.0)
    [call] = executor.calls
    assert (call.method, call.symbols) == ("strangle", (symbol_for("call", 106, TODAY), symbol_for("put", 94, TODAY)))
    assert decision.selection is not None
    # (0.48 + 20% of 100 - 6 OTM) + 0.48 other premium = 14.96 a share; 2% of 500k = 10000.
    assert decision.selection.max_loss == pytest.approx(1496)
    assert call.quantity == 6


def test_the_cap_on_structures_holds() -> None:
    executor = FakeExecutor()
    strategy = IronCondorStrategy(params=StrategyParams(max_structures=2))
    strategy.trade(executor, model_chain(), SPOT, TODAY, 10_000_000.0)
    assert executor.calls[0].quantity == 2


@pytest.mark.parametrize(
    ("strategy", "rows", "reason"),
    [
        (IronCondorStrategy(), [], SkipReason.EMPTY_CHAIN),
        (PutSpreadStrategy(), model_chain(expiry=days(20)), SkipReason.NO_EXPIRY),
        (StrangleStrategy(), model_chain(rights=("call",)), SkipReason.NO_OTM_STRIKE),
    ],
)
def test_a_skip_never_reaches_the_executor(strategy: StructureStrategy, rows: list[ChainRow], reason: SkipReason) -> None:
    decision = strategy.trade(ExplodingExecutor(), rows, SPOT, TODAY, PORTFOLIO)
    assert not decision.sent and not decision.filled
    assert decision.skip is not None and decision.skip.reason is reason
    assert decision.selection is None
    assert decision.describe().startswith(f"{strategy.name} skipped: {reason}")


@pytest.mark.parametrize("portfolio", [10_000.0, 0.0, -1.0])
def test_an_account_too_small_for_one_structure_is_too_risky(portfolio: float) -> None:
    decision = IronCondorStrategy().trade(ExplodingExecutor(), model_chain(), SPOT, TODAY, portfolio)
    assert decision.skip is not None and decision.skip.reason is SkipReason.TOO_RISKY
    assert decision.selection is not None  # what it would have traded, for the report
    assert "424.00" in decision.skip.detail


def test_an_executor_refusal_is_reported_with_its_reason() -> None:
    executor = FakeExecutor(status="REJECTED", reason="market closes in 10 minutes")
    decision = IronCondorStrategy().trade(executor, model_chain(), SPOT, TODAY, PORTFOLIO)
    assert len(executor.calls) == 1
    assert decision.sent and not decision.filled
    assert decision.skip is None
    assert decision.describe().endswith("-> group g1 REJECTED (market closes in 10 minutes)")


def test_a_pending_group_is_sent_but_not_filled() -> None:
    decision = PutSpreadStrategy().trade(FakeExecutor(status="PENDING"), model_chain(), SPOT, TODAY, PORTFOLIO)
    assert decision.sent and not decision.filled
    assert decision.describe().endswith("PENDING")


def test_default_names_and_params() -> None:
    assert [s.name for s in (IronCondorStrategy(), PutSpreadStrategy(), StrangleStrategy())] == [
        "iron_condor",
        "put_spread",
        "strangle",
    ]
    assert IronCondorStrategy().params == StrategyParams()


@pytest.mark.parametrize(
    "changes",
    [
        {"target_short_delta": 0.0},
        {"target_short_delta": 0.5},
        {"short_strike_distance_pct": -0.01},
        {"wing_width": 0.0},
        {"max_spread_fraction": 0.0},
        {"max_spread_dollars": -0.1},
        {"risk_fraction": 0.0},
        {"risk_fraction": 1.5},
        {"max_structures": 0},
        {"max_days_to_expiry": -1},
        {"multiplier": 0.0},
    ],
)
def test_params_refuse_values_the_strategies_cannot_use(changes: dict[str, Any]) -> None:
    with pytest.raises(ConfigError):
        StrategyParams(**changes)
