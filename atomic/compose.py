"""The composition root: the executor's ports, wired from a running QCAlgorithm.

The one place where LEAN's adapters (atomic.lean_broker) meet the core's ports (atomic.ports).
The executor calls `lean_ports` when it is given none; main.py calls it itself so the wiring is in
view, and tests pass their own `Ports` (tests/unit/atomic/fake_ports.py) the same way.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from atomic.lean_broker import LeanAccount, LeanAlerts, LeanMarketClock, LeanOrders, LeanSymbols, ObjectStoreAdapter
from atomic.ports import Ports

if TYPE_CHECKING:
    from AlgorithmImports import QCAlgorithm


def lean_ports(algorithm: QCAlgorithm, alert_email: str = "") -> Ports:
    """The ports over `algorithm`; alerts are also e-mailed to `alert_email` in live mode."""
    symbols = LeanSymbols(algorithm)  # shared: a Symbol one adapter met, the others can name
    return Ports(
        orders=LeanOrders(algorithm, symbols),
        account=LeanAccount(algorithm, symbols),
        market=LeanMarketClock(algorithm, symbols),
        store=ObjectStoreAdapter(algorithm.object_store),
        alerts=LeanAlerts(algorithm, alert_email),
        live_mode=bool(algorithm.live_mode),
    )
