"""The one table of what the library knows about LEAN's brokerage models.

Each row: the name main.py's `brokerage` parameter uses, LEAN's `BrokerageName` member, the model
class `set_brokerage_model` installs for it, and the combo order types that model's CanSubmitOrder
accepts (Common/Brokerages/<Name>BrokerageModel.cs, `SupportedOrderTypes`; LEAN's default model
accepts every type). The LEAN double (leansim/brokerage_models.py) builds its models from this
table too. A brokerage that refuses combos would mark every leg INVALID; the executor would then
fall back to legged orders, but choosing legged up front saves the round trip.

Models are looked up by type, over the MRO, so a subclass of InteractiveBrokersBrokerageModel gets
IB's facts. The match is on class names: this module stays pure (no AlgorithmImports), and
pythonnet lists a LEAN model's C# base classes in its Python MRO under their own names.
"""

from __future__ import annotations

from dataclasses import dataclass

from config import ExecutionMode, parse_choice

_ALL_COMBOS = frozenset({"COMBO_MARKET", "COMBO_LIMIT", "COMBO_LEG_LIMIT"})


@dataclass(frozen=True)
class BrokerageFacts:
    """One LEAN brokerage model, as the library needs to know it."""

    parameter: str | None  # main.py's `brokerage` value; None when main.py does not offer it
    brokerage_name: str  # LEAN's BrokerageName member
    model: str  # the model class set_brokerage_model installs
    combo_order_types: frozenset[str]  # OrderType members, as LEAN's Python API spells them
    # Whether CanUpdateOrder lets a combo's limit move (PublicBrokerageModel refuses any update of a
    # combo order; the others accept a price update): where it does not, a walk cancels and replaces.
    updates_combo_prices: bool = True


BROKERAGES: tuple[BrokerageFacts, ...] = (
    BrokerageFacts("default", "DEFAULT", "DefaultBrokerageModel", _ALL_COMBOS),
    BrokerageFacts("interactive-brokers", "INTERACTIVE_BROKERS_BROKERAGE", "InteractiveBrokersBrokerageModel", _ALL_COMBOS),
    BrokerageFacts("schwab", "CHARLES_SCHWAB", "CharlesSchwabBrokerageModel", frozenset({"COMBO_MARKET", "COMBO_LIMIT"})),
    BrokerageFacts("tradestation", "TRADE_STATION", "TradeStationBrokerageModel", frozenset({"COMBO_MARKET", "COMBO_LIMIT"})),
    BrokerageFacts("tastytrade", "TASTYTRADE", "TastytradeBrokerageModel", frozenset({"COMBO_LIMIT"})),
    BrokerageFacts(None, "PUBLIC", "PublicBrokerageModel", frozenset({"COMBO_LIMIT"}), updates_combo_prices=False),
    BrokerageFacts("tradier", "TRADIER_BROKERAGE", "TradierBrokerageModel", frozenset()),
    BrokerageFacts("alpaca", "ALPACA", "AlpacaBrokerageModel", frozenset()),
)
_BY_MODEL = {facts.model: facts for facts in BROKERAGES}
_BY_PARAMETER = {facts.parameter: facts for facts in BROKERAGES if facts.parameter is not None}


def facts_for(model_type: type) -> BrokerageFacts | None:
    """The facts of `model_type` or of the nearest LEAN model it derives from; None for a model the
    table does not know (a wholly custom IBrokerageModel)."""
    return next((_BY_MODEL[cls.__name__] for cls in model_type.__mro__ if cls.__name__ in _BY_MODEL), None)


def brokerage_named(parameter: str) -> BrokerageFacts:
    """The row for a `brokerage` parameter value; ValueError naming the values offered."""
    if parameter not in _BY_PARAMETER:
        raise ValueError(f"brokerage must be one of {sorted(_BY_PARAMETER)}, got {parameter!r}")
    return _BY_PARAMETER[parameter]


def combo_price_updates_for(brokerage_model: object) -> bool:
    """Whether the model lets a combo limit order's price be updated (a model the table does not know:
    assumed not, so a walk cancels and replaces, which every brokerage accepts)."""
    facts = facts_for(type(brokerage_model))
    return facts is not None and facts.updates_combo_prices


def execution_mode_for(brokerage_model: object, requested: str = "auto") -> ExecutionMode:
    """The execution mode for the algorithm's brokerage model. `requested` is "auto" or a mode's
    text; "auto" picks combo only where combo market orders are accepted, since the executor's
    groups are market orders, and legged for a model the table does not know."""
    if requested != "auto":
        return parse_choice(ExecutionMode, "execution mode", requested, also="auto")
    facts = facts_for(type(brokerage_model))
    return ExecutionMode.COMBO if facts is not None and "COMBO_MARKET" in facts.combo_order_types else ExecutionMode.LEGGED
