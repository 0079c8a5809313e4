"""Mapping between LEAN Symbols and the market layer's SecurityKey (double-internal)."""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache

from leansim.enums import Market, OptionRight, OptionStyle, SecurityType
from leansim.market.base import SecurityKey
from leansim.symbols import Symbol


def security_key(symbol: Symbol) -> SecurityKey:
    """The market-data identity of a tradable symbol (canonical options map to their underlying)."""
    if symbol.security_type == SecurityType.OPTION and not symbol.is_canonical():
        sid = symbol.id
        right = "call" if sid.option_right == OptionRight.CALL else "put"
        return SecurityKey(sid.symbol, right, sid.strike_price, sid.date.date())
    return SecurityKey(symbol.id.symbol)


@lru_cache(maxsize=65536)
def symbol_for(key: SecurityKey, market: str = Market.USA) -> Symbol:
    """The LEAN Symbol of a market key: an equity, or an American option contract (cached: Symbols
    are immutable values)."""
    if not key.is_option:
        return Symbol.create(key.underlying, SecurityType.EQUITY, market)
    assert key.strike is not None and key.expiry is not None
    right = OptionRight.CALL if key.right == "call" else OptionRight.PUT
    expiry = datetime(key.expiry.year, key.expiry.month, key.expiry.day)
    return Symbol.create_option(key.underlying, market, OptionStyle.AMERICAN, right, key.strike, expiry)
