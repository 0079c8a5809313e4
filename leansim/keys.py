"""Mapping between LEAN Symbols and the market layer's SecurityKey (double-internal).

The double's own: LEAN has no counterpart (the market layer's keys are the double's own).

A key's `underlying` is the ticker the market files the security under: the equity's or index's
own, and for an option contract its option ticker (SPY, GOOG, or SPXW for the SPX weeklies).
"""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache

from leansim.enums import OPTION_TYPES, OptionRight
from leansim.market.base import Right, SecurityKey
from leansim.symbols import Symbol


def security_key(symbol: Symbol) -> SecurityKey:
    """The market-data identity of a tradable symbol (canonical options map to their option ticker)."""
    if symbol.security_type in OPTION_TYPES and not symbol.is_canonical():
        sid = symbol.id
        right: Right = "call" if sid.option_right == OptionRight.CALL else "put"
        return SecurityKey(sid.symbol, right, sid.strike_price, sid.date.date())
    return SecurityKey(symbol.id.symbol)


@lru_cache(maxsize=65536)
def contract_symbol(canonical: Symbol, key: SecurityKey) -> Symbol:
    """The LEAN Symbol of the option contract `key` of `canonical`'s chain: same underlying, option
    ticker, market and style (cached: Symbols are immutable values)."""
    assert key.right is not None and key.strike is not None and key.expiry is not None
    assert canonical.underlying is not None
    sid = canonical.id
    right = OptionRight.CALL if key.right == "call" else OptionRight.PUT
    expiry = datetime(key.expiry.year, key.expiry.month, key.expiry.day)
    return Symbol.create_option(canonical.underlying, sid.market, sid.option_style, right, key.strike, expiry,
                                target_option=sid.symbol)
