"""leansim: a faithful LEAN double, to test LEAN algorithms without LEAN.

The double's own package face; each module names the LEAN file it stands for.

LEAN's API (QCAlgorithm, orders, tickets, events, ObjectStore, portfolio, securities, fill and
brokerage models) with LEAN's snake_case names, over a simulated clock, market, brokerage and store.
`install()` makes `from AlgorithmImports import *` resolve to it when real LEAN is absent.

Test-facing API
---------------
    sim = Simulator(market=None, mode="backtest" | "live", start=<tz-aware UTC datetime>,
                    faults=FaultPlan(...), cash=100_000, parameters={"name": "text"},
                    store_persistence_seconds=5.0, store_max_files=10_000, store_max_bytes=10 GiB)
    algo = sim.start(MyAlgorithm)        # initialize(), load brokerage state, on_warmup_finished()
    sim.now                              # simulated UTC time
    sim.advance(seconds | timedelta, step=1.0)   # run time steps (fills, events, schedule, on_data)
    sim.advance_to(utc)
    sim.deliver()                        # live: deliver queued events now, on this thread
    sim.deliver_in_thread()              # live: deliver them from another thread (joined)
    sim.work_brokerage()                 # the brokerage fills what it can now (live: events queued)
    sim.set_quote(symbol | SecurityKey | "SPY", bid, ask, last=None)
    sim.crash()                          # hard kill: unflushed store writes and queued events lost
    algo = sim.restart(MyAlgorithm)      # new process, same brokerage and persisted store
    sim.stop()                           # on_end_of_algorithm(), store flushed

Inspection: `sim.positions` (brokerage, Symbol -> quantity), `sim.position(symbol)`, `sim.cash`,
`sim.broker_orders` / `sim.open_broker_orders` (VenueOrder: broker_id, symbol, quantity, filled,
status, tag at submission, fills), `sim.orders` ((run, Order) of every run), `sim.events`
(EventRecord per order event delivered), `sim.logs` / `sim.logs_at("ERROR")`, `sim.notifications`,
`sim.plots`, `sim.runtime_statistics`, `sim.store_stats`, `sim.stored` (the store's disk),
`sim.counters` (crash points passed, orders, saves, fills), `sim.pending_events`.

As a pytest plugin (`pytest_plugins = ["leansim.pytest_plugin"]`), the same API comes as fixtures for
a user's own algorithm: leansim.pytest_plugin.

Semantics follow LEAN (see /work/shared/lean-semantics.md): in a backtest an order's SUBMITTED and
FILLED events reach on_order_event inside market_order(); in live mode submission returns at once
and events arrive on advance()/deliver(), which another thread may run meanwhile: as LEAN's
HandleOrderEvents, on_order_event is called only after the transaction handler's lock is released.
Faults are data (leansim.faults); a SimulatedCrash (BaseException) propagates out of whatever call
was running and marks the process dead.

Fees as LEAN's default brokerage model charges them (leansim.fees).
Fills follow LEAN's FillModel on minute bars with fill-forward (leansim.fills): market orders at the
last bar's ask or bid, limit orders against the bar's high and low from the next bar on. A backtest
delivers a time slice at the end of each minute bar of the session, 09:31 to 16:00 (the close, when
the exchange is already closed), and scans the brokerage once a slice and after each order request;
live mode scans every step on data that is always fresh.
Options held at expiry are exercised, assigned or expire worthless as in LEAN, through an
OptionExerciseOrder at the midnight after the expiry date (leansim.option_exercise); short
contracts deep in the money may be assigned early in backtests (DefaultOptionAssignmentModel).
Simplifications: a simple margin model (leansim.portfolio); a live cancel reaches the brokerage on
the next time step or deliver()
(LEAN's transaction thread), a backtest's at once.
"""

from leansim.algorithm_imports import install
from leansim.engine.brokerage import VenueOrder
from leansim.faults import (
    CancelLosesRace,
    CrashAt,
    DelayFill,
    DoubleReport,
    DuplicateEvents,
    FaultPlan,
    LostEvents,
    MarketClosed,
    Match,
    NeverFill,
    OrderCandidate,
    PartialFill,
    RefuseCancel,
    Reject,
    SimulatedCrash,
    StoreSaveFails,
)
from leansim.simulator import EventRecord, LogRecord, NotificationRecord, Simulator
from leansim.static_market import StaticMarket

__all__ = [
    "CancelLosesRace",
    "CrashAt",
    "DelayFill",
    "DoubleReport",
    "DuplicateEvents",
    "EventRecord",
    "FaultPlan",
    "LogRecord",
    "LostEvents",
    "MarketClosed",
    "Match",
    "NeverFill",
    "NotificationRecord",
    "OrderCandidate",
    "PartialFill",
    "RefuseCancel",
    "Reject",
    "SimulatedCrash",
    "Simulator",
    "StaticMarket",
    "StoreSaveFails",
    "VenueOrder",
    "install",
]
