"""atomic.brokerages: the one table of brokerage facts, looked up by the model's type."""

from __future__ import annotations

import pytest

from AlgorithmImports import BrokerageName, DefaultBrokerageModel, InteractiveBrokersBrokerageModel, TradierBrokerageModel

from atomic.brokerages import BROKERAGES, brokerage_named, combo_price_updates_for, execution_mode_for
from config import ConfigError, ExecutionMode


class HouseInteractiveBrokersModel(InteractiveBrokersBrokerageModel):
    """A firm's own IB model, as an algorithm may subclass LEAN's to change one rule."""


class HouseTradierModel(TradierBrokerageModel):
    pass


class CustomModel:
    """An IBrokerageModel the table knows nothing about."""


@pytest.mark.parametrize(("model", "mode"), [
    (InteractiveBrokersBrokerageModel(), ExecutionMode.COMBO),
    (HouseInteractiveBrokersModel(), ExecutionMode.COMBO),
    (TradierBrokerageModel(), ExecutionMode.LEGGED),
    (HouseTradierModel(), ExecutionMode.LEGGED),
    (DefaultBrokerageModel(), ExecutionMode.COMBO),
    (CustomModel(), ExecutionMode.LEGGED),
], ids=lambda value: type(value).__name__ if not isinstance(value, ExecutionMode) else value.value)
def test_auto_mode_follows_the_lean_model_the_brokerage_model_is_or_derives_from(model: object, mode: ExecutionMode) -> None:
    assert execution_mode_for(model) is mode


def test_a_subclassed_model_in_the_double_accepts_the_combos_of_the_model_it_derives_from() -> None:
    assert HouseInteractiveBrokersModel._supported == InteractiveBrokersBrokerageModel._supported


def test_a_requested_mode_is_kept_and_a_misspelt_one_refused() -> None:
    assert execution_mode_for(TradierBrokerageModel(), "combo") is ExecutionMode.COMBO
    with pytest.raises(ConfigError, match=r"execution mode must be 'auto', 'legged' or 'combo', got 'Combo'"):
        execution_mode_for(TradierBrokerageModel(), "Combo")


def test_every_row_names_a_lean_brokerage_and_the_parameters_are_the_offered_ones() -> None:
    for facts in BROKERAGES:
        getattr(BrokerageName, facts.brokerage_name)
    assert brokerage_named("interactive-brokers").model == "InteractiveBrokersBrokerageModel"
    with pytest.raises(ValueError, match=r"brokerage must be one of \['alpaca', 'default', .*\], got 'ib'"):
        brokerage_named("ib")


class PublicModel:
    """Named as LEAN's PublicBrokerageModel (the table matches models by class name)."""


PublicModel.__name__ = "PublicBrokerageModel"


@pytest.mark.parametrize(("model", "updates"), [
    (InteractiveBrokersBrokerageModel(), True),
    (HouseInteractiveBrokersModel(), True),
    (DefaultBrokerageModel(), True),
    (PublicModel(), False),  # PublicBrokerageModel.CanUpdateOrder refuses every combo update
    (CustomModel(), False),  # unknown: cancel and replace, which any brokerage accepts
])
def test_a_walk_updates_a_combo_only_where_the_model_lets_it(model: object, updates: bool) -> None:
    assert combo_price_updates_for(model) is updates
