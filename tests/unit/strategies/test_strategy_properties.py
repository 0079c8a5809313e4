"""Properties over random chains: whatever a strategy selects has the right shape, one expiry,
liquid legs, a positive credit and a positive risk; anything else is a typed skip.
"""

from __future__ import annotations

from datetime import timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from strategies import (
    ChainRow,
    IronCondorStrategy,
    PutSpreadStrategy,
    Selection,
    Skip,
    SkipReason,
    StrangleStrategy,
    StrategyParams,
)
from strategies.chain import Right, liquidity_problem
from strategies.sizing import structures_for_risk
from strategy_kit import TODAY, bachelier, symbol_for

# What can go wrong with one contract's data, weighted towards nothing.
DAMAGE = ["none"] * 20 + ["no_bid", "no_ask", "zero_bid", "crossed", "wide"]


@st.composite
def chains(draw: st.DrawFn) -> tuple[list[ChainRow], float]:
    """A chain around a random spot: one or two expiries (sometimes past, sometimes far), strikes on
    a grid with holes, model prices with random spreads and damage, and deltas that are all there,
    all missing, partly missing, or nonsense.
    """
    spot = draw(st.floats(20.0, 500.0, allow_nan=False))
    sigma = spot * draw(st.floats(0.002, 0.05))
    step = draw(st.sampled_from([0.5, 1.0, 2.5, 5.0]))
    centre = round(spot / step) * step
    below, above = draw(st.integers(0, 20)), draw(st.integers(0, 20))
    strikes = [centre + i * step for i in range(-below, above + 1) if centre + i * step > 0]
    offsets = draw(st.lists(st.sampled_from([0, 0, 0, 1, 3, -1, 10]), min_size=1, max_size=2, unique=True))
    delta_mode = draw(st.sampled_from(["model", "none", "partial", "random"]))
    damaged = draw(st.booleans())  # half the chains have clean quotes, so selections are common
    rows = []
    for offset in offsets:
        expiry = TODAY + timedelta(days=offset)
        for strike in strikes:
            for right in ("call", "put"):
                if draw(st.integers(0, 19)) == 0:
                    continue  # not listed
                price, model_delta = bachelier(right, strike, spot, sigma)
                half = draw(st.sampled_from([0.0, 0.01, 0.02, 0.05, 0.25]))
                bid: float | None = round(max(0.01, price - half), 2)
                ask: float | None = round(price + half + 0.01, 2)
                damage = draw(st.sampled_from(DAMAGE)) if damaged else "none"
                if damage == "no_bid":
                    bid = None
                elif damage == "no_ask":
                    ask = None
                elif damage == "zero_bid":
                    bid = 0.0
                elif damage == "crossed":
                    bid, ask = ask, bid
                elif damage == "wide":
                    ask = round((ask or 0) * 3 + 1, 2)
                delta: float | None = round(model_delta, 4)
                if delta_mode == "none" or (delta_mode == "partial" and draw(st.booleans())):
                    delta = None
                elif delta_mode == "random":
                    delta = draw(st.floats(-1.0, 1.0))
                rows.append(ChainRow(symbol_for(right, strike, expiry), right, strike, expiry, bid, ask, delta))
    return rows, spot


params = st.builds(
    StrategyParams,
    target_short_delta=st.floats(0.01, 0.45),
    short_strike_distance_pct=st.floats(0.0, 0.1),
    wing_width=st.sampled_from([1.0, 2.5, 5.0, 10.0]),
    max_spread_fraction=st.floats(0.05, 1.0),
    max_spread_dollars=st.floats(0.0, 1.0),
)


def _check_common(selection: Selection, p: StrategyParams, spot: float) -> None:
    assert len({leg.row.expiry for leg in selection.legs}) == 1
    assert TODAY <= selection.expiry <= TODAY + timedelta(days=p.max_days_to_expiry)
    assert all(liquidity_problem(leg.row, p.max_spread_dollars, p.max_spread_fraction) is None for leg in selection.legs)
    assert all(leg.row.is_otm(spot) for leg in selection.legs if leg.role.is_short)
    assert selection.max_loss > 0
    count = structures_for_risk(selection.max_loss, 100_000.0, p.risk_fraction, p.max_structures)
    assert count * selection.max_loss <= 100_000.0 * p.risk_fraction + 1e-6


def _right(selection: Selection, role: str, right: Right) -> float:
    row = selection.row(role)
    assert row.right == right
    return row.strike


@settings(max_examples=300, deadline=None)
@given(chains(), params)
def test_an_iron_condor_always_has_its_shape(chain: tuple[list[ChainRow], float], p: StrategyParams) -> None:
    rows, spot = chain
    selection = IronCondorStrategy(params=p).select(rows, spot, TODAY)
    if isinstance(selection, Skip):
        assert isinstance(selection.reason, SkipReason)
        return
    _check_common(selection, p, spot)
    long_put = _right(selection, "long_put", "put")
    short_put = _right(selection, "short_put", "put")
    short_call = _right(selection, "short_call", "call")
    long_call = _right(selection, "long_call", "call")
    assert long_put < short_put <= short_call < long_call
    assert selection.net_credit > 0
    wider = max(long_call - short_call, short_put - long_put)
    assert abs(selection.max_loss - (wider - selection.net_credit) * p.multiplier) < 1e-6


@settings(max_examples=200, deadline=None)
@given(chains(), params)
def test_a_put_spread_always_has_its_long_below_its_short(chain: tuple[list[ChainRow], float], p: StrategyParams) -> None:
    rows, spot = chain
    selection = PutSpreadStrategy(params=p).select(rows, spot, TODAY)
    if isinstance(selection, Skip):
        return
    _check_common(selection, p, spot)
    assert _right(selection, "long_put", "put") < _right(selection, "short_put", "put")
    assert selection.net_credit > 0


@settings(max_examples=200, deadline=None)
@given(chains(), params)
def test_a_strangle_always_has_its_put_at_or_below_its_call(chain: tuple[list[ChainRow], float], p: StrategyParams) -> None:
    rows, spot = chain
    selection = StrangleStrategy(params=p).select(rows, spot, TODAY)
    if isinstance(selection, Skip):
        return
    _check_common(selection, p, spot)
    assert _right(selection, "short_put", "put") <= _right(selection, "short_call", "call")
    assert selection.risk_basis == "margin_estimate"
