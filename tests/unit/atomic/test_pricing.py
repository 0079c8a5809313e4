"""Pricing policies and net-price arithmetic (atomic.pricing), and their round trip through the store."""

from __future__ import annotations

import pytest

from builders import at, call, put
from atomic.errors import InvalidGroupError
from atomic.model import Group, Leg, PricingChosen
from atomic.persistence import group_from_json, record_text
from atomic.pricing import (
    Limit,
    Market,
    Quote,
    Walk,
    as_pricing,
    marketable_concession,
    natural_concession,
    net_mid,
    prices_for,
    pricing_from_dict,
    pricing_to_dict,
    walk_pays,
)
from atomic.tags import Role

# A put credit spread: sell the 100 put (1.00 / 1.20), buy the 95 put (0.40 / 0.50).
RATIOS = (-1, 1)
QUOTES = (Quote(1.00, 1.20, 0.05), Quote(0.40, 0.50, 0.01))


def test_net_mid_and_natural_follow_lean_combo_sign() -> None:
    assert net_mid(RATIOS, QUOTES) == pytest.approx(-0.65)  # receives 0.65 at the mid
    assert natural_concession(RATIOS, QUOTES) == pytest.approx(0.15)  # natural: receives 0.50


def test_legs_share_the_concession_by_half_spread_and_round_toward_the_mid() -> None:
    prices = prices_for(RATIOS, QUOTES, side=1, pays=-0.55)  # concede 0.10 of the 0.15
    # The short put's half-spread is 0.10 of 0.15: it concedes 0.0667 (1.1 - 0.0667 = 1.0333, up to 1.05);
    # the long's 0.0333 (0.45 + 0.0333 = 0.4833, down to 0.48).
    assert prices.legs == (1.05, 0.48)
    assert prices.combo == -0.55


def test_a_close_prices_the_reverse_order() -> None:
    # Closing pays to buy the short back: side -1, LEAN's combo limit is the structure's net for a sell.
    prices = prices_for(RATIOS, QUOTES, side=-1, pays=0.75)  # 0.10 past the 0.65 mid
    assert prices.combo == pytest.approx(-0.75)
    assert prices.legs == (1.15, 0.42)  # buys the short above its mid, sells the long below, toward the mid


def test_marketable_is_one_tick_through_every_legs_natural() -> None:
    assert marketable_concession(RATIOS, QUOTES) == pytest.approx(0.15 + 0.05 + 0.01)
    assert marketable_concession((-2, 1), QUOTES) == pytest.approx(0.25 + 0.10 + 0.01)  # per contract of the ratio


def test_past_the_natural_each_leg_crosses_by_its_own_ticks() -> None:
    prices = prices_for(RATIOS, QUOTES, side=1, pays=-0.65 + 0.21)  # the marketable concession
    assert prices.legs == (0.95, 0.51)  # the short sells a 0.05 tick under its bid, the long buys 0.01 over its ask
    assert prices.combo == pytest.approx(-0.44)
    halfway = prices_for(RATIOS, QUOTES, side=1, pays=-0.65 + 0.18)  # 0.03 past: 0.025 and 0.005, toward the mid
    assert halfway.legs == (1.00, 0.50)


def test_walk_steps_go_marketable_past_the_natural_and_give_up_past_max_concession() -> None:
    walk = Walk(0.05, 30, 0.3)
    # 0.05 a step: the natural (0.15) at step 3, 0.20 at step 4, then it rests at the marketable 0.21.
    assert [walk_pays(walk, k, RATIOS, QUOTES, 1) for k in (0, 1, 3, 4, 5, 6)] == pytest.approx(
        [-0.65, -0.60, -0.50, -0.45, -0.44, -0.44])
    assert walk_pays(walk, 6, RATIOS, QUOTES, -1) == pytest.approx(0.65 + 0.21)  # a close: pays past the mid
    assert walk.last_step == 6 and walk.step_at(29.9) == 0 and walk.step_at(30) == 1
    assert Walk(0.1, 60, 0.3).last_step == 3  # float noise does not lose a step
    # Priced from quotes that moved 0.20 away (the short's bid and ask 0.20 lower): from their mid,
    # never more than max_concession past the mid the walk started from.
    moved = (Quote(0.80, 1.00, 0.05), QUOTES[1])
    assert walk_pays(walk, 1, RATIOS, moved, 1, start_mid=-0.65) == pytest.approx(-0.45 + 0.05)
    assert walk_pays(walk, 6, RATIOS, moved, 1, start_mid=-0.65) == pytest.approx(-0.65 + 0.3)  # not -0.45 + 0.21
    # A walk allowed no further than the natural gives up there: its limit is never marketable.
    natural_only = Walk(0.05, 30, 0.15)
    assert natural_only.last_step == 3 and walk_pays(natural_only, 3, RATIOS, QUOTES, 1) == pytest.approx(-0.50)


@pytest.mark.parametrize("bad", [
    lambda: Walk(0, 60, 1), lambda: Walk(0.05, -1, 1), lambda: Walk(0.05, 60, -0.1), lambda: Walk(0.05, 60, 1, start="natural"),
    lambda: Limit(float("nan")), lambda: as_pricing("mid"), lambda: as_pricing(Walk(0.05, 60, 1), 0.5),
])
def test_bad_policies_raise_before_anything_is_placed(bad: object) -> None:
    with pytest.raises(InvalidGroupError):
        bad()  # type: ignore[operator]


def test_limit_price_argument_means_limit() -> None:
    assert as_pricing(None, 0.4) == Limit(0.4) and as_pricing(None) == Market()


@pytest.mark.parametrize("policy", [Market(), Limit(-0.5), Walk(0.05, 60, 0.3)])
def test_policies_and_walk_state_survive_the_store(policy: Market | Limit | Walk) -> None:
    assert pricing_from_dict(pricing_to_dict(policy)) == policy
    group = Group("g", "s", at(0), [Leg(0, put(100), -1, 0), Leg(1, put(95), 1, 0)])
    group.apply(PricingChosen(Role.ENTRY, policy, QUOTES, at(0)))

    restored = group_from_json(record_text(group, 1))

    assert restored.pricing == policy and restored.priced_at == at(0)
    assert restored.entry_mid == restored.priced_mid == pytest.approx(-0.65) and [leg.quote for leg in restored.legs] == list(QUOTES)


def test_a_record_from_before_price_control_reads_as_its_limit() -> None:
    group = Group("g", "s", at(0), [Leg(0, call(100), 1, 0), Leg(1, call(105), -1, 0)], mode="combo", limit_price=1.2)
    assert group.pricing == Limit(1.2)
