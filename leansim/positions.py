"""`portfolio.positions`: holdings grouped as LEAN groups them for margin.

Stands for Common/Securities/Positions/SecurityPositionGroupModel.cs, PositionGroup.cs and Position.cs. LEAN
resolves option holdings into strategy groups (OptionStrategyPositionGroupResolver matches them
against OptionStrategyDefinitions); the double keeps the outcome that LEAN's regressions observe:
the options of one underlying, with that underlying's shares when any option is held, form one group
whose buying-power model is OptionStrategyPositionGroupBuyingPowerModel; any other holding is a group
of its own with SecurityPositionGroupBuyingPowerModel. It does not split a book holding two unrelated
strategies on one underlying into two groups as LEAN's matcher would.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from leansim.enums import SecurityType
from leansim.securities import SecurityHolding
from leansim.symbols import Symbol


class SecurityPositionGroupBuyingPowerModel:
    """The buying-power model of a single security's group (Common/Securities/Positions)."""


class OptionStrategyPositionGroupBuyingPowerModel:
    """The buying-power model of an option strategy's group (Common/Securities/Option)."""


@dataclass(frozen=True)
class Position:
    """One security's quantity inside a group (Common/Securities/Positions/Position.cs)."""

    symbol: Symbol
    quantity: float
    unit_quantity: float = 1.0


class PositionGroup:
    """Positions held and margined together (Common/Securities/Positions/PositionGroup.cs)."""

    def __init__(self, positions: list[Position], buying_power_model: object) -> None:
        self._positions = positions
        self._buying_power_model = buying_power_model

    @property
    def positions(self) -> list[Position]:
        return list(self._positions)

    @property
    def count(self) -> int:
        return len(self._positions)

    @property
    def buying_power_model(self) -> object:
        return self._buying_power_model

    def __iter__(self) -> Iterator[Position]:
        return iter(self._positions)


IPositionGroup = PositionGroup  # the interface name LEAN's algorithms annotate with


class SecurityPositionGroupModel:
    """`portfolio.positions`: its `groups` are recomputed from the holdings each time they are read."""

    NULL: SecurityPositionGroupModel  # every holding a group of its own (set below)

    def __init__(self, holdings: Callable[[], list[SecurityHolding]], strategies: bool = True) -> None:
        self._holdings = holdings
        self._strategies = strategies

    @property
    def groups(self) -> list[PositionGroup]:
        invested = [holding for holding in self._holdings() if holding.invested]
        options: dict[Symbol, list[SecurityHolding]] = {}
        for holding in invested if self._strategies else []:
            if holding.symbol.security_type == SecurityType.OPTION and holding.symbol.underlying is not None:
                options.setdefault(holding.symbol.underlying, []).append(holding)
        groups = []
        for underlying, held in options.items():
            shares = [h for h in invested if h.symbol == underlying]
            positions = [Position(h.symbol, h.quantity) for h in shares + held]
            groups.append(PositionGroup(positions, OptionStrategyPositionGroupBuyingPowerModel()))
        grouped = {p.symbol for g in groups for p in g.positions}
        groups += [PositionGroup([Position(h.symbol, h.quantity)], SecurityPositionGroupBuyingPowerModel())
                   for h in invested if h.symbol not in grouped]
        return groups


SecurityPositionGroupModel.NULL = SecurityPositionGroupModel(lambda: [], strategies=False)
