"""The strike order each structure must have, checked before anything is sent.

Selection builds these shapes by construction; the check still runs so that odd data (a chain with
mislabelled rights, two expiries) is refused with a reason instead of traded. The executor checks
the same rules on its side.
"""

from __future__ import annotations

from strategies.chain import ChainRow


def _one_expiry(*rows: ChainRow) -> str | None:
    found = {row.expiry for row in rows}
    if len(found) != 1:
        return f"legs span {len(found)} expiries: {sorted(day.isoformat() for day in found)}"
    return None


def _rights(expected: str, *rows: ChainRow) -> str | None:
    wrong = [row.strike for row in rows if row.right != expected]
    if wrong:
        return f"expected {expected}s, got another right at strikes {wrong}"
    return None


def iron_condor_problem(long_put: ChainRow, short_put: ChainRow, short_call: ChainRow, long_call: ChainRow) -> str | None:
    """Why the legs are not an iron condor (long put < short put <= short call < long call, one
    expiry), or None when they are.
    """
    problem = _rights("put", long_put, short_put) or _rights("call", short_call, long_call)
    problem = problem or _one_expiry(long_put, short_put, short_call, long_call)
    if problem:
        return problem
    if not long_put.strike < short_put.strike <= short_call.strike < long_call.strike:
        return (
            "strikes out of order: need long put < short put <= short call < long call, got "
            f"{long_put.strike:g} / {short_put.strike:g} / {short_call.strike:g} / {long_call.strike:g}"
        )
    return None


def put_spread_problem(short_put: ChainRow, long_put: ChainRow) -> str | None:
    """Why the legs are not a short put spread (long strike below short, one expiry), or None."""
    problem = _rights("put", short_put, long_put) or _one_expiry(short_put, long_put)
    if problem:
        return problem
    if not long_put.strike < short_put.strike:
        return f"long put {long_put.strike:g} must be below short put {short_put.strike:g}"
    return None


def strangle_problem(short_call: ChainRow, short_put: ChainRow) -> str | None:
    """Why the legs are not a short strangle (put strike <= call strike, one expiry), or None."""
    problem = _rights("call", short_call) or _rights("put", short_put) or _one_expiry(short_call, short_put)
    if problem:
        return problem
    if not short_put.strike <= short_call.strike:
        return f"short put {short_put.strike:g} must not be above short call {short_call.strike:g}"
    return None
