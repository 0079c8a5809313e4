"""The LEAN edge: a LEAN `OptionChain` (from `slice.option_chains`) as `ChainRow`s.

Kept tiny so everything else stays pure. LEAN reports a missing quote side as 0 and, with no
option price model set, every greek as 0: both become None here.
"""

from __future__ import annotations

import math

from AlgorithmImports import OptionChain, OptionContract, OptionRight

from strategies.chain import ChainRow


def _price(value: float) -> float | None:
    """A quote side LEAN reports as 0 (or not a number) is missing."""
    return value if math.isfinite(value) and value > 0 else None


def _delta(contract: OptionContract, bid: float | None, ask: float | None) -> float | None:
    """The contract's delta, None when LEAN evidently did not compute it.

    A delta of exactly 0 is real only for a contract with no time value (deep out of the money, no
    bid); on a contract whose mid exceeds its intrinsic value it means "no price model".
    """
    delta = float(contract.greeks.delta)
    if not math.isfinite(delta):
        return None
    if delta == 0 and bid is not None and ask is not None:
        spot = float(contract.underlying_last_price)
        strike = float(contract.strike)
        intrinsic = max(0.0, spot - strike) if contract.right == OptionRight.CALL else max(0.0, strike - spot)
        if (bid + ask) / 2 > intrinsic:
            return None
    return delta


def row_from_contract(contract: OptionContract) -> ChainRow:
    """One LEAN contract as a `ChainRow` (expiry as a date, missing quotes and greeks as None)."""
    bid = _price(float(contract.bid_price))
    ask = _price(float(contract.ask_price))
    return ChainRow(
        symbol=contract.symbol,
        right="call" if contract.right == OptionRight.CALL else "put",
        strike=float(contract.strike),
        expiry=contract.expiry.date(),
        bid=bid,
        ask=ask,
        delta=_delta(contract, bid, ask),
    )


def chain_rows(chain: OptionChain) -> list[ChainRow]:
    """Every contract of `chain` as a `ChainRow`."""
    return [row_from_contract(contract) for contract in chain]


def quotes_by_key(chain: OptionChain) -> dict[str, tuple[float | None, float | None]]:
    """Each contract's (bid, ask), missing sides None, by LEAN SecurityIdentifier string (a group
    leg's `contract_key`)."""
    return {str(contract.symbol.id): (_price(float(contract.bid_price)), _price(float(contract.ask_price)))
            for contract in chain}


def underlying_price(chain: OptionChain) -> float | None:
    """The underlying's last price: the chain's underlying data, else the price its contracts carry;
    None when neither is known (the strategies then skip).
    """
    underlying = chain.underlying
    if underlying is not None:
        price = _price(float(underlying.price))
        if price is not None:
            return price
    for contract in chain:
        price = _price(float(contract.underlying_last_price))
        if price is not None:
            return price
    return None
