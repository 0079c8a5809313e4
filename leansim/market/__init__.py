"""Market data behind the LEAN double: the protocol (`base`), exchange hours (`hours`), a synthetic
SPY-like market (`synthetic`) and a reader of LEAN's own data folder (`lean_folder`).

The double's own: LEAN has no counterpart, except `lean_folder`, which reads LEAN's Data/ folder.

Only `base` and `hours` are imported here; the data sources load numpy and pandas, so import them
from their modules.
"""

from leansim.market.base import ContractQuote, MarketData, Quote, SecurityKey, TradingCalendar
from leansim.market.hours import ExchangeCalendar

__all__ = [
    "ContractQuote",
    "ExchangeCalendar",
    "MarketData",
    "Quote",
    "SecurityKey",
    "TradingCalendar",
]
