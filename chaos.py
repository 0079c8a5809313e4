"""Chaos mode: seeded rejections, partial fills and delays through LEAN's own extension points.

A LEAN backtest fills every market order at once and never partially fills a combo, so the
executor's rollback path never runs there. These models make it run, in `lean backtest` with
`--parameter chaos true`, and on the LEAN double in tests:

- `ChaosBrokerageModel.can_submit_order` refuses some orders (LEAN marks them INVALID);
- `ChaosFillModel.market_fill` / `combo_market_fill` fill some orders partially (the rest never
  comes, so the executor times out and rolls back) and hold others back for a few scans.

Every decision is a pure function of (seed, order id), so a run is reproducible.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from AlgorithmImports import (
    BrokerageMessageEvent,
    BrokerageMessageType,
    BrokerageModelSecurityInitializer,
    DefaultBrokerageModel,
    FillModelParameters,
    ImmediateFillModel,
    MarketOrder,
    Order,
    OrderEvent,
    OrderStatus,
    Security,
    SecuritySeeder,
)

from atomic.tags import Role, parse_tag

if TYPE_CHECKING:
    from AlgorithmImports import IBrokerageModel

Outcome = Literal["reject", "partial", "delay", "normal"]


@dataclass(frozen=True)
class ChaosPlan:
    """Which fault, if any, strikes an order: drawn from (seed, order id), never from a global RNG."""

    seed: int
    reject_probability: float
    partial_probability: float
    delay_probability: float
    delay_scans: int = 2
    # Orders that reverse a group's fills fill normally, so a chaos run shows rollbacks completing
    # rather than mostly ROLLBACK_FAILED halts (set False to fault them too).
    spare_rollbacks: bool = True

    def __post_init__(self) -> None:
        total = self.reject_probability + self.partial_probability + self.delay_probability
        if min(self.reject_probability, self.partial_probability, self.delay_probability) < 0 or total > 1:
            raise ValueError(f"chaos probabilities must be non-negative and sum to at most 1, got {total:g}")

    def outcome(self, order_id: int, tag: str = "") -> Outcome:
        parsed = parse_tag(tag)
        if self.spare_rollbacks and parsed is not None and parsed.role is Role.ROLLBACK:
            return "normal"
        draw = random.Random(self.seed * 1_000_003 + order_id).random()
        if draw < self.reject_probability:
            return "reject"
        draw -= self.reject_probability
        if draw < self.partial_probability:
            return "partial"
        draw -= self.partial_probability
        return "delay" if draw < self.delay_probability else "normal"


class ChaosBrokerageModel(DefaultBrokerageModel):
    """Refuses the orders the plan marks "reject"; otherwise defers to the wrapped model's rules
    (the brokerage the algorithm chose), so combo support and the like stay what they were."""

    def __init__(self, plan: ChaosPlan, inner: IBrokerageModel | None = None) -> None:
        super().__init__()
        self._plan = plan
        self._inner = inner

    def can_submit_order(
        self, security: Security, order: Order, message: BrokerageMessageEvent | None
    ) -> tuple[bool, BrokerageMessageEvent]:
        if self._plan.outcome(order.id, order.tag) == "reject":
            return False, BrokerageMessageEvent(BrokerageMessageType.WARNING, "ChaosReject", f"chaos: order {order.id} refused")
        if self._inner is not None:
            return self._inner.can_submit_order(security, order, message)
        return super().can_submit_order(security, order, message)


class ChaosFillModel(ImmediateFillModel):
    """Partial fills that never complete, and fills held back for a few scans."""

    def __init__(self, plan: ChaosPlan) -> None:
        super().__init__()
        self._plan = plan
        self._scans: dict[int, int] = {}

    def market_fill(self, asset: Security, order: MarketOrder) -> OrderEvent:
        fill = super().market_fill(asset, order)
        if fill.status != OrderStatus.FILLED:
            return fill
        keep = self._kept(order.id, order.tag, abs(int(order.quantity)), 1)
        return self._no_fill(fill) if keep == 0 else self._part(fill, keep)

    def combo_market_fill(self, order: Order, parameters: FillModelParameters) -> list[OrderEvent]:
        """A guaranteed combo fills whole structures: the fault is drawn once for the combo."""
        fills = list(super().combo_market_fill(order, parameters))
        group = order.group_order_manager
        if group is None or not fills or any(f.status != OrderStatus.FILLED for f in fills):
            return fills
        structures = abs(int(group.quantity))
        keep = self._kept(-group.id, order.tag, structures, structures)  # negative: not an order id
        if keep == 0:
            return [self._no_fill(f) for f in fills]
        return [self._part(f, abs(int(f.fill_quantity)) // structures * keep) for f in fills]

    def _kept(self, key: int, tag: str, quantity: int, structures: int) -> int:
        """How much of `quantity` fills on this scan (in structures for a combo); 0 for none."""
        outcome = self._plan.outcome(key, tag)
        scans = self._scans.get(key, 0) + 1
        self._scans[key] = scans
        if outcome == "delay" and scans <= self._plan.delay_scans:
            return 0
        if outcome == "partial":
            return max(1, structures // 2 if structures > 1 else quantity // 2) if scans == 1 else 0
        return quantity

    @staticmethod
    def _part(fill: OrderEvent, quantity: int) -> OrderEvent:
        if quantity < abs(int(fill.fill_quantity)):
            fill.fill_quantity = quantity if fill.fill_quantity > 0 else -quantity
            fill.status = OrderStatus.PARTIALLY_FILLED
        return fill

    @staticmethod
    def _no_fill(fill: OrderEvent) -> OrderEvent:
        fill.fill_quantity = 0
        fill.status = OrderStatus.NONE
        return fill


class ChaosSecurityInitializer(BrokerageModelSecurityInitializer):
    """LEAN's brokerage-model initializer (reality models, price seeding), then the chaos fill
    model: a bare set_security_initializer lambda would replace the brokerage's models."""

    def __init__(self, brokerage_model: IBrokerageModel, fill_model: ChaosFillModel) -> None:
        super().__init__(brokerage_model, SecuritySeeder.NULL)
        self._fill_model = fill_model

    def initialize(self, security: Security) -> None:
        super().initialize(security)
        security.set_fill_model(self._fill_model)
