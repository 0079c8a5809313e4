"""Per-security buying-power models an algorithm may install instead of the double's default margin.

Stands for Common/Securities/ConstantBuyingPowerModel.cs, NullBuyingPowerModel.cs and
SecurityMarginModel.NULL. A security without one is margined by leansim.portfolio's model.
"""

from __future__ import annotations


class BuyingPowerModel:
    """Base of the installable models: margin per unit held (Common/Securities/BuyingPowerModel.cs)."""

    def _margin_per_unit(self) -> float:
        raise NotImplementedError


class ConstantBuyingPowerModel(BuyingPowerModel):
    """A fixed margin per unit, whatever the price: |quantity| x `margin_required_per_unit`."""

    def __init__(self, margin_required_per_unit_in_account_currency: float) -> None:
        self._per_unit = float(margin_required_per_unit_in_account_currency)

    def _margin_per_unit(self) -> float:
        return self._per_unit


class NullBuyingPowerModel(ConstantBuyingPowerModel):
    """No margin at all: every order has buying power (NullBuyingPowerModel.cs)."""

    def __init__(self) -> None:
        super().__init__(0.0)


class SecurityMarginModel(BuyingPowerModel):
    """LEAN's default margin model; only its NULL instance is offered here (the double's own margin
    rules stand for the default)."""

    NULL: NullBuyingPowerModel = NullBuyingPowerModel()
