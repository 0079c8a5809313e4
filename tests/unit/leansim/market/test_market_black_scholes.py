"""Black-Scholes: known values, parity, scalar/vector agreement, implied volatility round trips."""

from __future__ import annotations

import math

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from leansim.market import black_scholes as bs


def test_textbook_value() -> None:
    # Hull's example: S=42, K=40, r=10%, sigma=20%, T=0.5 -> call 4.76, put 0.81.
    assert math.isclose(bs.price(42, 40, 0.5, 0.2, True, 0.1), 4.759, abs_tol=1e-3)
    assert math.isclose(bs.price(42, 40, 0.5, 0.2, False, 0.1), 0.8086, abs_tol=1e-3)


def test_expired_is_intrinsic() -> None:
    assert bs.price(105, 100, 0.0, 0.2, True) == 5.0
    assert bs.price(105, 100, 0.0, 0.2, False) == 0.0
    assert bs.delta(105, 100, 0.0, 0.2, True) == 1.0
    assert bs.delta(105, 100, 0.0, 0.2, False) == 0.0
    assert bs.delta(95, 100, 0.0, 0.2, False) == -1.0


@settings(max_examples=200, deadline=None)
@given(
    spot=st.floats(50, 500),
    moneyness=st.floats(0.7, 1.3),
    t=st.floats(1e-5, 2.0),
    vol=st.floats(0.05, 1.5),
    rate=st.floats(0.0, 0.08),
    div=st.floats(0.0, 0.04),
)
def test_put_call_parity_and_delta_signs(
    spot: float, moneyness: float, t: float, vol: float, rate: float, div: float
) -> None:
    strike = spot * moneyness
    call = bs.price(spot, strike, t, vol, True, rate, div)
    put = bs.price(spot, strike, t, vol, False, rate, div)
    parity = spot * math.exp(-div * t) - strike * math.exp(-rate * t)
    assert math.isclose(call - put, parity, abs_tol=1e-9 * spot)
    call_delta = bs.delta(spot, strike, t, vol, True, rate, div)
    put_delta = bs.delta(spot, strike, t, vol, False, rate, div)
    assert 0.0 <= call_delta <= 1.0 and -1.0 <= put_delta <= 0.0
    assert math.isclose(call_delta - put_delta, math.exp(-div * t), abs_tol=1e-12)


def test_vector_matches_scalar() -> None:
    rng = np.random.default_rng(3)
    n = 500
    strike = rng.uniform(80, 120, n)
    t = rng.uniform(0, 0.3, n)
    t[:20] = 0.0
    vol = rng.uniform(0.05, 0.8, n)
    is_call = rng.random(n) < 0.5
    prices = bs.price_array(100.0, strike, t, vol, is_call, 0.03, 0.01)
    deltas = bs.delta_array(100.0, strike, t, vol, is_call, 0.03, 0.01)
    for j in range(n):
        args = (100.0, strike[j], t[j], vol[j], bool(is_call[j]), 0.03, 0.01)
        assert math.isclose(prices[j], bs.price(*args), rel_tol=1e-12, abs_tol=1e-12)
        assert math.isclose(deltas[j], bs.delta(*args), rel_tol=1e-12, abs_tol=1e-12)


def test_implied_vol_round_trip() -> None:
    strike = np.array([80.0, 95.0, 100.0, 105.0, 130.0])
    t = np.full(5, 0.1)
    vol = np.array([0.35, 0.25, 0.2, 0.18, 0.3])
    for is_call in (True, False):
        flags = np.full(5, is_call)
        value = bs.price_array(100.0, strike, t, vol, flags, 0.02)
        solved = bs.implied_vol_array(value, 100.0, strike, t, flags, 0.02)
        assert np.allclose(solved, vol, atol=1e-6)


def test_implied_vol_none_without_time_value_or_quote() -> None:
    assert bs.implied_vol(5.0, 105.0, 100.0, 0.01, True) is None  # exactly intrinsic
    assert bs.implied_vol(4.0, 105.0, 100.0, 0.01, True) is None  # below intrinsic
    assert bs.implied_vol(1.0, 100.0, 100.0, 0.0, True) is None  # expired
    assert bs.implied_vol(float("nan"), 100.0, 100.0, 0.1, True) is None
    assert bs.implied_vol(120.0, 100.0, 100.0, 0.1, True) is None  # above the spot
    assert bs.implied_vol(5.2, 105.0, 100.0, 0.01, True) is not None
