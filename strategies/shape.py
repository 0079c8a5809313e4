"""The strike order each structure must have, checked before anything is sent.

Selection builds these shapes by construction; the check still runs so that odd data (a chain with
mislabelled rights, two expiries) is skipped with a reason instead of sent. The rules are the
executor's own (atomic.validation), applied to the chain rows, so the two cannot drift apart.
"""

from __future__ import annotations

from collections.abc import Callable

from atomic.contract import Contract
from atomic.errors import InvalidGroupError
from atomic.validation import validate_iron_condor, validate_put_spread, validate_strangle
from strategies.chain import ChainRow


def iron_condor_problem(long_put: ChainRow, short_put: ChainRow, short_call: ChainRow, long_call: ChainRow) -> str | None:
    """Why the legs are not an iron condor (long put < short put <= short call < long call, one
    expiry), or None when they are."""
    return _problem(validate_iron_condor, short_call, long_call, short_put, long_put)


def put_spread_problem(short_put: ChainRow, long_put: ChainRow) -> str | None:
    """Why the legs are not a short put spread (long strike below short, one expiry), or None."""
    return _problem(validate_put_spread, short_put, long_put)


def strangle_problem(short_call: ChainRow, short_put: ChainRow) -> str | None:
    """Why the legs are not a short strangle (put strike <= call strike, one expiry), or None."""
    return _problem(validate_strangle, short_call, short_put)


def _problem(rule: Callable[..., None], *rows: ChainRow) -> str | None:
    try:
        rule(*(_contract(row) for row in rows))
    except InvalidGroupError as error:
        return str(error)
    return None


def _contract(row: ChainRow) -> Contract:
    name = str(row.symbol)
    return Contract(key=name, ticker=name, underlying="", right=row.right, strike=row.strike, expiry=row.expiry)
