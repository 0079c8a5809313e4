"""Facts about index option tickers, as LEAN's Common/Securities/IndexOption/IndexOptionSymbol.cs and
IndexOptionSymbolProperties.cs state them.

Some index options trade under their own ticker: SPXW (the weekly, PM-settled S&P 500 options, the
0DTE product) are options on the SPX index. LEAN names the data folder, the zip members and the
canonical symbol (`?SPXW`) after the option ticker, and the underlying after the index.
"""

from __future__ import annotations

# Option ticker -> index ticker, for the options whose ticker is not their index's (IndexOptionSymbol).
_NON_STANDARD_TO_INDEX = {"RUTW": "RUT", "SPXW": "SPX", "VIXW": "VIX", "NDXP": "NDX", "NQX": "NDX"}


def map_to_underlying(option_ticker: str) -> str:
    """The index an index option ticker is written on (SPXW -> SPX); the ticker itself otherwise."""
    return _NON_STANDARD_TO_INDEX.get(option_ticker.upper(), option_ticker.upper())


def minimum_price_variation(option_ticker: str, reference_price: float | None) -> float:
    """The tick of an index option priced `reference_price`: 0.05 below $3 and 0.10 from $3 on
    (VIX 0.01 / 0.05, VIXW 0.01), and 0.05 before any price is known (IndexOptionSymbolProperties.
    MinimumPriceVariationForPrice; the symbol properties database's `usa,[*],indexoption` row also
    says 0.05)."""
    below, above = 0.05, 0.10
    ticker = option_ticker.upper()
    if ticker == "VIXW":
        below = above = 0.01
    elif ticker == "VIX":
        below, above = 0.01, 0.05
    if reference_price is None:
        return 0.05
    return above if reference_price >= 3 else below
