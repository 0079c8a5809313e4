"""The simulated brokerage between two `python -m leansim run --live` processes: DIR/brokerage.json.

The double's own: LEAN has no counterpart (a live brokerage's account between processes).

A live LEAN algorithm that dies leaves its account at the brokerage: a second process started over
the same `--output DIR` reconnects to it. In-process, the `Simulator` keeps its brokerage across
`crash()` and `restart()`; across two commands this file carries it. Written when a run ends
(crashed or not), read by the next invocation, which restarts from it only if the process crashed.

    {
      "version": 1,
      "mode": "live" | "backtest",
      "process": "crashed" | "ended",
      "crash": "simulated crash at after_order #3",      # "" when the run ended normally
      "utc_time": "2024-01-05T15:31:00+00:00",            # when the process died or ended
      "cash": 99123.5,
      "positions": [{"symbol": SYMBOL, "quantity": -2.0, "average_price": 1.05}],
      "open_orders": [{"broker_id": "5012", "symbol": SYMBOL, "order_type": "LIMIT", "quantity": 2.0,
                       "filled": 0.0, "status": "SUBMITTED", "submitted_utc": "...", "tag": "<tag at
                       submission: the brokerage's copy; LEAN's reloaded order has none>",
                       "group_id": null, "ratio": 1.0, "group_quantity": 1.0, "limit_price": 1.1,
                       "fills": [["<utc>", 1.0, 1.05]], "partial_utc": null,
                       "behaviour": {<the brokerage faults decided for it at submission>}}],
      "next_broker_id": 5013, "next_group": 4, "fills": 17,   # brokerage counters
      "crash_points": {"before_order": 12, ...},              # counted over the whole simulation
      "fault_uses": {"3": 1}                                 # fault plan index -> uses so far
    }

SYMBOL is {"ticker": "SPY"} for an equity, with "right", "strike" and "expiry" for an option.
Only open orders are kept: closed ones are history, which the brokerage does not hand back to LEAN.
"""

from __future__ import annotations

import dataclasses
import itertools
import json
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any, Literal

from leansim.engine.brokerage import FillRecord, Position, VenueOrder
from leansim.engine.fault_state import Behaviour
from leansim.enums import OPTION_TYPES, Market, OptionRight, OptionStyle, OrderStatus, OrderType, SecurityType
from leansim.faults import PartialFill
from leansim.keys import security_key
from leansim.simulator import Simulator
from leansim.symbols import Symbol

STATE_FILE = "brokerage.json"
VERSION = 1
Process = Literal["crashed", "ended"]


class StateFileError(ValueError):
    """The state file cannot be read back (another version, or edited by hand); the message says which."""


@dataclass(frozen=True)
class SavedState:
    """A state file, read back."""

    mode: str
    process: Process
    crash: str
    utc_time: datetime
    data: dict[str, Any]


def save(sim: Simulator, folder: Path, process: Process, crash: str = "") -> Path:
    """Write the simulation's brokerage and fault counters to `folder`/brokerage.json."""
    brokerage = sim.brokerage
    every = list(brokerage.orders.values())
    groups = [int(order.group_id[1:]) for order in every if order.group_id and order.group_id[1:].isdigit()]
    state = {
        "version": VERSION,
        "mode": sim.mode,
        "process": process,
        "crash": crash,
        "utc_time": sim.now.isoformat(),
        "cash": brokerage.cash,
        "positions": [{"symbol": _symbol_json(symbol), "quantity": held.quantity, "average_price": held.average_price}
                      for symbol, held in brokerage.positions.items()],
        "open_orders": [_order_json(order) for order in brokerage.open_orders()],
        "next_broker_id": max((int(order.broker_id) for order in every), default=5000) + 1,
        "next_group": max(groups, default=0) + 1,
        "fills": brokerage.fill_count,
        "crash_points": dict(sim.faults.counters),
        "fault_uses": {str(index): uses for index, uses in sim.faults._uses.items()},
    }
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / STATE_FILE
    path.write_text(json.dumps(state, indent=2) + "\n")
    return path


def load(folder: Path) -> SavedState | None:
    """The state file in `folder`, or None when there is none."""
    path = folder / STATE_FILE
    if not path.is_file():
        return None
    try:
        data = json.loads(path.read_text())
        if data.get("version") != VERSION:
            raise StateFileError(f"{path}: version {data.get('version')!r}, expected {VERSION}")
        return SavedState(data["mode"], data["process"], data["crash"], datetime.fromisoformat(data["utc_time"]), data)
    except (KeyError, TypeError, json.JSONDecodeError) as error:
        raise StateFileError(f"{path} is not a leansim state file: {error}") from error


def restore(state: SavedState, sim: Simulator) -> None:
    """Put the saved brokerage and fault counters into a new simulator, before any process starts."""
    data = state.data
    brokerage = sim.brokerage
    try:
        brokerage.cash = float(data["cash"])
        brokerage.positions = {_symbol(item["symbol"]): Position(item["quantity"], item["average_price"])
                               for item in data["positions"]}
        for item in data["open_orders"]:
            order = _order(item)
            brokerage.orders[order.broker_id] = order
            brokerage._maybe_open[order.broker_id] = order
        brokerage._ids = itertools.count(int(data["next_broker_id"]))
        brokerage._groups = itertools.count(int(data["next_group"]))
        brokerage.fill_count = int(data["fills"])
        sim.faults.counters.update(data["crash_points"])
        sim.faults._uses.update({int(index): uses for index, uses in data["fault_uses"].items()})
    except (KeyError, TypeError, ValueError) as error:
        raise StateFileError(f"a {STATE_FILE} that cannot be restored: {error!r}") from error


# --- JSON of the brokerage's values ---------------------------------------------------------------------


def _symbol_json(symbol: Symbol) -> dict[str, Any]:
    """Enough to build the Symbol again: an option keeps its underlying's type, its style and its
    option ticker (SPXW on the SPX index), not only its market key."""
    if symbol.id.security_type not in OPTION_TYPES:
        return {"ticker": symbol.id.symbol, "type": symbol.id.security_type.name}
    key = security_key(symbol)
    assert key.expiry is not None and symbol.underlying is not None
    return {"ticker": key.underlying, "right": key.right, "strike": key.strike, "expiry": key.expiry.isoformat(),
            "style": symbol.id.option_style.name, "underlying": _symbol_json(symbol.underlying)}


def _symbol(item: dict[str, Any]) -> Symbol:
    if "right" not in item:
        return Symbol.create(item["ticker"], SecurityType[item.get("type", "EQUITY")], Market.USA)
    right = OptionRight.CALL if item["right"] == "call" else OptionRight.PUT
    return Symbol.create_option(_symbol(item["underlying"]), Market.USA, OptionStyle[item["style"]], right,
                                float(item["strike"]), date.fromisoformat(item["expiry"]), target_option=item["ticker"])


def _order_json(order: VenueOrder) -> dict[str, Any]:
    behaviour = dataclasses.asdict(order.behaviour)
    partial = order.behaviour.partial
    behaviour["partial"] = None if partial is None else {"filled": partial.filled, "remainder": partial.remainder}
    return {
        "broker_id": order.broker_id, "symbol": _symbol_json(order.symbol), "order_type": order.order_type.name,
        "quantity": order.quantity, "filled": order.filled, "status": order.status.name,
        "submitted_utc": order.submitted_utc.isoformat(), "tag": order.tag, "group_id": order.group_id,
        "ratio": order.ratio, "group_quantity": order.group_quantity, "limit_price": order.limit_price,
        "fills": [[fill.utc_time.isoformat(), fill.quantity, fill.price] for fill in order.fills],
        "partial_utc": order.partial_utc.isoformat() if order.partial_utc else None,
        "behaviour": behaviour,
    }


def _order(item: dict[str, Any]) -> VenueOrder:
    behaviour = dict(item["behaviour"])
    partial = behaviour.pop("partial")
    return VenueOrder(
        broker_id=item["broker_id"], symbol=_symbol(item["symbol"]), order_type=OrderType[item["order_type"]],
        quantity=item["quantity"], submitted_utc=datetime.fromisoformat(item["submitted_utc"]), tag=item["tag"],
        group_id=item["group_id"], ratio=item["ratio"], group_quantity=item["group_quantity"],
        limit_price=item["limit_price"], status=OrderStatus[item["status"]], filled=item["filled"],
        fills=[FillRecord(datetime.fromisoformat(at), quantity, price) for at, quantity, price in item["fills"]],
        behaviour=Behaviour(**behaviour, partial=None if partial is None else PartialFill(
            partial["filled"], partial["remainder"])),
        partial_utc=datetime.fromisoformat(item["partial_utc"]) if item["partial_utc"] else None,
    )
