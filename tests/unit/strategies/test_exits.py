"""strategies/exits.py: take profit and stop loss against the credit, marked to the natural price;
debit structures and unquoted legs are never closed on price; the time exit's same-day rule."""

from __future__ import annotations

from datetime import date

import pytest

from strategies.exits import (ExitRules, HeldLeg, cost_to_close, credit_received, exit_reason, expires_on, kind_of,
                              unquoted)

# A put credit spread, 2 structures: sold the 440 put at 1.50, bought the 435 at 0.50 (credit 1.00 each).
SPREAD = [HeldLeg("short", -2, 1.50), HeldLeg("long", 2, 0.50)]
RULES = ExitRules(take_profit=0.5, stop_loss=2.0)


def quotes(short: tuple[float | None, float | None], long: tuple[float | None, float | None]) -> dict[str, tuple[float | None, float | None]]:
    return {"short": short, "long": long}


def test_the_credit_is_what_the_entry_received() -> None:
    assert credit_received(SPREAD) == pytest.approx(2.0)


def test_the_cost_to_close_buys_shorts_at_the_ask_and_sells_longs_at_the_bid() -> None:
    # mid would be 0.95 - 0.25 = 0.70 a structure; the natural is 1.00 - 0.20 = 0.80
    assert cost_to_close(SPREAD, quotes((0.90, 1.00), (0.20, 0.30))) == pytest.approx(1.60)


@pytest.mark.parametrize(("short", "long", "kind"), [
    ((0.40, 0.50), (0.05, 0.10), "take profit"),  # 2 x (0.50 - 0.05) = 0.90 <= 0.5 x 2.00
    ((0.45, 0.55), (0.05, 0.10), "take profit"),  # 1.00: the target reached exactly
    ((0.50, 0.60), (0.05, 0.10), None),  # 1.10: not yet
    ((2.40, 2.60), (0.55, 0.60), "stop loss"),  # 2 x (2.60 - 0.55) = 4.10 >= 2 x 2.00
    ((2.30, 2.50), (0.55, 0.60), None),  # 3.90: between the two targets
])
def test_the_targets_compare_the_natural_cost_with_the_credit(short: tuple[float, float], long: tuple[float, float],
                                                               kind: str | None) -> None:
    reason = exit_reason(RULES, SPREAD, quotes(short, long))
    assert (kind_of(reason) if reason else None) == kind


def test_the_mid_reaching_the_target_is_not_enough() -> None:
    # at the mids, 2 x (0.45 - 0.075) = 0.75 would take profit; the close pays the natural,
    # 2 x (0.60 - 0.05) = 1.10, above the 1.00 target
    assert exit_reason(RULES, SPREAD, quotes((0.30, 0.60), (0.05, 0.10))) is None


def test_a_debit_structure_is_left_alone() -> None:
    debit = [HeldLeg("long", 1, 3.00), HeldLeg("short", -1, 1.00)]  # paid 2.00
    assert exit_reason(RULES, debit, {"long": (0.01, 0.05), "short": (0.01, 0.02)}) is None
    assert exit_reason(RULES, debit, {"long": (9.0, 9.5), "short": (5.0, 5.2)}) is None


def test_a_missing_closing_side_decides_nothing() -> None:
    no_ask = quotes((0.01, None), (0.01, 0.02))
    assert unquoted(SPREAD, no_ask) == ["short"] and cost_to_close(SPREAD, no_ask) is None
    assert exit_reason(RULES, SPREAD, no_ask) is None
    assert unquoted(SPREAD, quotes((0.4, 0.5), (None, 0.05))) == ["long"]
    assert unquoted(SPREAD, {}) == ["short", "long"]


def test_rules_at_zero_are_off() -> None:
    assert exit_reason(ExitRules(), SPREAD, quotes((0.0001, 0.01), (0.005, 0.01))) is None
    assert exit_reason(ExitRules(stop_loss=2.0), SPREAD, quotes((0.01, 0.02), (0.01, 0.02))) is None


@pytest.mark.parametrize(("knobs", "named"), [
    ({"take_profit": 1.0}, "take-profit"), ({"take_profit": -0.1}, "take-profit"),
    ({"stop_loss": 1.0}, "stop-loss"), ({"stop_loss": -2.0}, "stop-loss"),
    ({"time_exit_minutes": -1}, "time-exit-minutes"), ({"time_exit_minutes": 390}, "time-exit-minutes"),
])
def test_bad_knobs_are_refused_naming_the_parameter(knobs: dict[str, float], named: str) -> None:
    with pytest.raises(ValueError, match=named):
        ExitRules(**knobs)  # type: ignore[arg-type]


def test_the_time_exit_takes_structures_expiring_that_day() -> None:
    today = date(2024, 1, 5)
    assert expires_on([today, date(2024, 1, 12)], today)
    assert not expires_on([date(2024, 1, 12), None], today)
