"""Which LEAN brokerage models accept combo orders, and so which execution mode to use.

From each model's CanSubmitOrder in LEAN (see the fact sheet): a brokerage that refuses combos
would mark every leg INVALID; the executor would then fall back to legged orders, but choosing
legged up front saves the round trip.
"""

from __future__ import annotations

COMBO_ORDER_TYPES: dict[str, frozenset[str]] = {
    "InteractiveBrokersBrokerageModel": frozenset({"ComboMarket", "ComboLimit", "ComboLegLimit"}),
    "CharlesSchwabBrokerageModel": frozenset({"ComboMarket", "ComboLimit"}),
    "TradeStationBrokerageModel": frozenset({"ComboMarket", "ComboLimit"}),
    "TastytradeBrokerageModel": frozenset({"ComboLimit"}),
    "PublicBrokerageModel": frozenset({"ComboLimit"}),
    # LEAN's default (backtesting) model accepts every order type.
    "DefaultBrokerageModel": frozenset({"ComboMarket", "ComboLimit", "ComboLegLimit"}),
}


def execution_mode_for(brokerage_model: str, requested: str) -> str:
    """"legged" or "combo" for a brokerage model class name; `requested` "auto" picks combo only
    where combo market orders are accepted, since the executor's groups are market orders."""
    if requested not in ("auto", "legged", "combo"):
        raise ValueError(f"execution mode must be 'auto', 'legged' or 'combo', got {requested!r}")
    if requested != "auto":
        return requested
    return "combo" if "ComboMarket" in COMBO_ORDER_TYPES.get(brokerage_model, frozenset()) else "legged"
