"""LEAN's security initializers: what configures a security when it is added.

Stands for Common/Securities/BrokerageModelSecurityInitializer.cs.

LEAN's BrokerageModelSecurityInitializer applies the brokerage model's reality models and seeds
prices; of the reality models the double's brokerage models carry the fee model, and its market
prices every security already. It exists so algorithms can subclass it the
way LEAN's documentation shows (super().initialize(security), then their own models).
"""

from __future__ import annotations

from typing import Any


class _NullSeeder:
    def seed_security(self, security: Any) -> bool:
        return True


class SecuritySeeder:
    """LEAN's access to the no-op seeder."""

    NULL: Any = _NullSeeder()


class BrokerageModelSecurityInitializer:
    """Initializes a security from a brokerage model and a seeder (see the module docstring)."""

    def __init__(self, brokerage_model: Any = None, security_seeder: Any = None) -> None:
        self._brokerage_model = brokerage_model
        self._security_seeder = security_seeder or SecuritySeeder.NULL

    def initialize(self, security: Any) -> None:
        if self._brokerage_model is not None:
            security.set_fee_model(self._brokerage_model.get_fee_model(security))
        self._security_seeder.seed_security(security)
