"""A structure's shape rule applied to chosen chain rows, checked before anything is sent.

Selection builds the shapes by construction; the check still runs so that odd data (a chain with
mislabelled rights, two expiries, unequal wings) is skipped with a reason instead of sent. The rule
is the structure spec's own, the one the executor applies, so the two cannot drift apart.
"""

from __future__ import annotations

from collections.abc import Sequence

from atomic.contract import Contract
from atomic.errors import InvalidGroupError
from atomic.structures import StructureSpec
from strategies.chain import ChainRow
from strategies.selection import ChosenContract


def shape_problem(spec: StructureSpec, legs: Sequence[ChosenContract]) -> str | None:
    """Why `legs` do not make `spec`'s structure, or None when they do."""
    try:
        spec.validate({leg.role.name: _contract(leg.row) for leg in legs})
    except InvalidGroupError as error:
        return str(error)
    return None


def _contract(row: ChainRow) -> Contract:
    name = str(row.symbol)
    return Contract(key=name, ticker=name, underlying="", right=row.right, strike=row.strike, expiry=row.expiry)
