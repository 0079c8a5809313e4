"""Entry pricing: a walk's knobs are fractions of the selected structure's natural half-spread,
turned into dollars per structure from its legs' quotes when it is selected."""

from __future__ import annotations

import pytest

from atomic.pricing import Market, Walk
from config import ConfigError
from strategies import IronCondorStrategy, Selection
from strategies.entry_pricing import MIN_STEP, EntryPricing
from strategy_kit import SPOT, TODAY, FakeExecutor, model_chain, replace_row

PORTFOLIO = 100_000.0
WALK = EntryPricing("walk", step=0.2, every_seconds=60, max_concession=3)


def _selection(rows: list | None = None) -> Selection:  # type: ignore[type-arg]
    chosen = IronCondorStrategy().select(rows if rows is not None else model_chain(), SPOT, TODAY)
    assert isinstance(chosen, Selection)
    return chosen


def _natural_half_spread(selection: Selection) -> float:
    """Every leg's half-spread times its ratio, from the chain rows themselves."""
    total = 0.0
    for leg in selection.legs:
        assert leg.row.bid is not None and leg.row.ask is not None
        total += abs(leg.role.ratio) * (leg.row.ask - leg.row.bid) / 2
    return total


def test_market_entries_are_market_orders() -> None:
    assert EntryPricing("market").for_selection(_selection()) == Market()


def test_a_walk_is_sized_in_dollars_by_the_structures_natural_half_spread() -> None:
    selection = _selection()
    half_spread = _natural_half_spread(selection)
    assert half_spread > MIN_STEP
    walk = WALK.for_selection(selection)
    assert isinstance(walk, Walk)
    assert walk.step == pytest.approx(0.2 * half_spread, abs=1e-4)
    assert walk.max_concession == pytest.approx(3 * half_spread, abs=1e-4)
    assert walk.every_seconds == 60
    assert walk.last_step == 15  # 5 steps to the natural price, then 10 more intervals waiting there


def test_a_wider_market_walks_in_larger_steps() -> None:
    rows = model_chain()
    selection = _selection(rows)
    short_call = selection.row("short_call")
    assert short_call.bid is not None and short_call.ask is not None
    wider = _selection(replace_row(rows, "call", short_call.strike, bid=short_call.bid - 0.10, ask=short_call.ask + 0.10))
    narrow, wide = WALK.for_selection(selection), WALK.for_selection(wider)
    assert isinstance(narrow, Walk) and isinstance(wide, Walk)
    assert wide.step == pytest.approx(narrow.step + 0.2 * 0.10, abs=1e-4)


def test_a_locked_structure_walks_a_cent_and_gives_up_at_the_mid() -> None:
    rows = model_chain()
    for leg in _selection(rows).legs:
        mid = leg.row.mid
        assert mid is not None
        rows = replace_row(rows, leg.row.right, leg.row.strike, bid=mid, ask=mid)
    walk = WALK.for_selection(_selection(rows))
    assert isinstance(walk, Walk) and (walk.step, walk.max_concession, walk.last_step) == (MIN_STEP, 0.0, 0)


def test_the_strategy_hands_its_walk_to_the_executor() -> None:
    executor = FakeExecutor()
    IronCondorStrategy(pricing=WALK).trade(executor, model_chain(), SPOT, TODAY, PORTFOLIO)
    [call] = executor.calls
    assert call.pricing == WALK.for_selection(_selection())
    IronCondorStrategy().trade(executor, model_chain(), SPOT, TODAY, PORTFOLIO)
    assert executor.calls[-1].pricing == Market()  # config.py's default: market orders


@pytest.mark.parametrize(("knobs", "named"), [
    ({"policy": "limit"}, "entry_pricing"),
    ({"step": 0.0}, "walk_step"),
    ({"every_seconds": -1.0}, "walk_every_seconds"),
    ({"max_concession": float("nan")}, "walk_max_concession"),
])
def test_knobs_it_cannot_mean_are_refused_by_name(knobs: dict, named: str) -> None:  # type: ignore[type-arg]
    with pytest.raises(ConfigError, match=named):
        EntryPricing(**{"policy": "walk", **knobs})


def test_the_walks_length_bounds_every_walk_in_dollars_so_main_py_can_size_the_timeout() -> None:
    """main.py adds `walk_seconds` to the executor's timeout: no walk in dollars may last longer."""
    assert EntryPricing("market").walk_seconds == 0
    assert WALK.walk_seconds == 16 * 60  # 15 steps within 3 half-spreads, given up at the 16th minute
    rows = model_chain()
    base = _selection(rows).row("short_call")
    assert base.bid is not None and base.ask is not None
    for widen in (0.0, 0.003, 0.01, 0.037, 0.1, 0.17):
        selection = _selection(replace_row(rows, "call", base.strike, bid=base.bid - widen, ask=base.ask + widen))
        walk = WALK.for_selection(selection)
        assert isinstance(walk, Walk) and (walk.last_step + 1) * walk.every_seconds <= WALK.walk_seconds
