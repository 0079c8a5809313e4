"""Black-Scholes prices, deltas and implied volatilities: scalar for one contract, numpy for chains.

The double's own: LEAN has no counterpart (the synthetic market's pricing).

European formulas on the forward, with a continuous dividend yield. Listed US equity options are
American, but synthetic prices and the greeks derived from real quotes both use these formulas, so
the two sources agree; early exercise is left to the order engine. `t` is in years and `vol`
annualised on the same clock, whatever clock the caller chooses (calendar or trading time).
The normal CDF is `math.erfc` in both forms so scalar and vector results match.
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

_SQRT2 = math.sqrt(2.0)
_erfc = np.frompyfunc(math.erfc, 1, 1)
IV_LOW, IV_HIGH = 1e-4, 5.0  # implied volatilities searched, annualised
_IV_ITERATIONS = 60  # at worst all bisections: the bracket shrinks below 1e-15
_PRICE_TOLERANCE = 1e-10  # dollars: far below a tick, so the volatility found is as good as any


def norm_cdf(x: float) -> float:
    """Standard normal CDF, accurate in both tails."""
    return 0.5 * math.erfc(-x / _SQRT2)


def norm_cdf_array(x: FloatArray) -> FloatArray:
    """`norm_cdf` elementwise (NaN stays NaN)."""
    return 0.5 * np.asarray(_erfc(-np.asarray(x, dtype=np.float64) / _SQRT2), dtype=np.float64)


def price(
    spot: float,
    strike: float,
    t: float,
    vol: float,
    is_call: bool,
    rate: float = 0.0,
    div: float = 0.0,
) -> float:
    """Option value; at t <= 0 or vol <= 0 the discounted intrinsic value on the forward."""
    df = math.exp(-rate * max(t, 0.0))
    fwd = spot * math.exp((rate - div) * max(t, 0.0))
    if t <= 0.0 or vol <= 0.0:
        return df * max(fwd - strike if is_call else strike - fwd, 0.0)
    sd = vol * math.sqrt(t)
    d1 = (math.log(fwd / strike) + 0.5 * sd * sd) / sd
    d2 = d1 - sd
    if is_call:
        return df * (fwd * norm_cdf(d1) - strike * norm_cdf(d2))
    return df * (strike * norm_cdf(-d2) - fwd * norm_cdf(-d1))


def delta(
    spot: float,
    strike: float,
    t: float,
    vol: float,
    is_call: bool,
    rate: float = 0.0,
    div: float = 0.0,
) -> float:
    """dV/dspot; at expiry 1/0 (call) or -1/0 (put), and +-0.5 exactly at the money."""
    if t <= 0.0 or vol <= 0.0:
        fwd = spot * math.exp((rate - div) * max(t, 0.0))
        itm = 1.0 if fwd > strike else 0.5 if fwd == strike else 0.0
        return itm if is_call else itm - 1.0
    sd = vol * math.sqrt(t)
    d1 = (math.log(spot / strike) + (rate - div) * t + 0.5 * sd * sd) / sd
    carry = math.exp(-div * t)
    return carry * norm_cdf(d1) if is_call else -carry * norm_cdf(-d1)


def price_array(
    spot: float | FloatArray,
    strike: FloatArray,
    t: FloatArray,
    vol: FloatArray,
    is_call: BoolArray,
    rate: float = 0.0,
    div: float = 0.0,
) -> FloatArray:
    """`price` elementwise; arrays broadcast together."""
    t_pos = np.maximum(t, 0.0)
    df = np.exp(-rate * t_pos)
    fwd = spot * np.exp((rate - div) * t_pos)
    live = (t > 0.0) & (vol > 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        sd = np.where(live, vol * np.sqrt(t_pos), 1.0)
        d1 = (np.log(fwd / strike) + 0.5 * sd * sd) / sd
        d2 = d1 - sd
    sign = np.where(is_call, 1.0, -1.0)
    value = df * sign * (fwd * norm_cdf_array(sign * d1) - strike * norm_cdf_array(sign * d2))
    intrinsic = df * np.maximum(sign * (fwd - strike), 0.0)
    return np.asarray(np.where(live, value, intrinsic), dtype=np.float64)


def delta_array(
    spot: float | FloatArray,
    strike: FloatArray,
    t: FloatArray,
    vol: FloatArray,
    is_call: BoolArray,
    rate: float = 0.0,
    div: float = 0.0,
) -> FloatArray:
    """`delta` elementwise; NaN where `vol` is NaN."""
    t_pos = np.maximum(t, 0.0)
    live = (t > 0.0) & (vol > 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        sd = np.where(live, vol * np.sqrt(t_pos), 1.0)
        d1 = (np.log(spot / strike) + (rate - div) * t_pos + 0.5 * sd * sd) / sd
    carry = np.exp(-div * t_pos)
    live_delta = np.where(is_call, carry * norm_cdf_array(d1), -carry * norm_cdf_array(-d1))
    fwd = spot * np.exp((rate - div) * t_pos)
    itm = np.where(fwd > strike, 1.0, np.where(fwd == strike, 0.5, 0.0))
    expired = np.where(is_call, itm, itm - 1.0)
    result = np.where(live, live_delta, expired)
    return np.asarray(np.where(np.isnan(vol), np.nan, result), dtype=np.float64)


def implied_vol_array(
    value: FloatArray,
    spot: float | FloatArray,
    strike: FloatArray,
    t: FloatArray,
    is_call: BoolArray,
    rate: float = 0.0,
    div: float = 0.0,
) -> FloatArray:
    """Volatility that reprices `value` within [IV_LOW, IV_HIGH]; NaN when none exists.

    None exists when the value is missing or not positive, when t <= 0, or when the value leaves
    no time value over the discounted intrinsic (or exceeds the no-arbitrage ceiling), which is
    common for deep in-the-money quotes and for 0DTE contracts late in the day.
    Safeguarded Newton: a Newton step on vega when it stays inside the bracket that the price's
    monotonicity in volatility maintains, a bisection otherwise, so it always converges and
    usually within a few steps (a whole chain is solved at once).
    """
    value = np.asarray(value, dtype=np.float64)
    strike = np.broadcast_to(np.asarray(strike, dtype=np.float64), value.shape)
    t = np.broadcast_to(np.asarray(t, dtype=np.float64), value.shape)
    is_call = np.broadcast_to(np.asarray(is_call, dtype=bool), value.shape)
    floor = price_array(spot, strike, t, np.zeros_like(value), is_call, rate, div)
    ceiling = price_array(spot, strike, t, np.full_like(value, IV_HIGH), is_call, rate, div)
    with np.errstate(invalid="ignore"):
        ok = np.isfinite(value) & (value > 0.0) & (t > 0.0) & (value > floor) & (value < ceiling)
    t_ok = np.where(ok, t, 1.0)
    low = np.full(value.shape, IV_LOW)
    high = np.full(value.shape, IV_HIGH)
    vol = np.full(value.shape, 0.3)
    scale = spot * np.exp(-div * t_ok) * np.sqrt(t_ok)  # vega = scale * pdf(d1)
    for _ in range(_IV_ITERATIONS):
        error = price_array(spot, strike, t_ok, vol, is_call, rate, div) - value
        low = np.where(error < 0, vol, low)
        high = np.where(error > 0, vol, high)
        sd = vol * np.sqrt(t_ok)
        d1 = (np.log(spot / strike) + (rate - div) * t_ok + 0.5 * sd * sd) / sd
        vega = scale * np.exp(-0.5 * d1 * d1) / math.sqrt(2 * math.pi)
        with np.errstate(all="ignore"):  # vega underflows far from the money: bisect there
            newton = vol - error / vega
        inside = np.isfinite(newton) & (newton > low) & (newton < high)
        next_vol = np.where(inside, newton, 0.5 * (low + high))
        converged = (np.abs(error) < _PRICE_TOLERANCE) | (np.abs(next_vol - vol) < 1e-12)
        vol = np.where(converged, vol, next_vol)
        if np.all(~ok | converged):
            break
    return np.asarray(np.where(ok, vol, np.nan), dtype=np.float64)


def implied_vol(
    value: float,
    spot: float,
    strike: float,
    t: float,
    is_call: bool,
    rate: float = 0.0,
    div: float = 0.0,
) -> float | None:
    """Scalar `implied_vol_array`: None when no volatility reprices `value`."""
    iv = implied_vol_array(
        np.array([value]), spot, np.array([strike]), np.array([t]), np.array([is_call]), rate, div
    )[0]
    return None if math.isnan(iv) else float(iv)
