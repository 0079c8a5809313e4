"""`algorithm.trade_builder`: round trips built from fills (Common/Statistics/TradeBuilder.cs, Trade.cs).

LEAN's default is the only grouping the double has: fill to fill, first in first out
(QCAlgorithm's constructor: `new TradeBuilder(FillGroupingMethod.FillToFill, FillMatchingMethod.FIFO)`).
An opening fill starts a trade; a fill the other way closes the oldest trades, splitting one when
it closes only part of it, and a fill larger than the position reverses it into a new trade. The
transaction handler passes every fill after the portfolio has applied it
(BrokerageTransactionHandler.HandleOrderEvents); the engine passes each slice's prices
(AlgorithmManager.cs, SetMarketPrice), from which MAE, MFE and the trade drawdown come.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import IntEnum
from typing import Any

from leansim.symbols import Symbol


class TradeDirection(IntEnum):
    """Common/Statistics/TradeEnums.cs, TradeDirection: a trade opened by a buy is long."""

    LONG = 0
    SHORT = 1


@dataclass
class Trade:
    """One closed round trip (Common/Statistics/Trade.cs)."""

    symbols: list[Symbol]
    entry_time: datetime
    entry_price: float
    direction: TradeDirection
    quantity: float
    total_fees: float
    order_ids: set[int]
    exit_time: datetime | None = None
    exit_price: float = 0.0
    profit_loss: float = 0.0
    mae: float = 0.0
    mfe: float = 0.0
    end_trade_drawdown: float = 0.0
    is_win: bool = False

    @property
    def symbol(self) -> Symbol:
        return self.symbols[0]

    @property
    def duration(self) -> Any:
        return self.exit_time - self.entry_time if self.exit_time is not None else None

    @property
    def _sign(self) -> int:
        return 1 if self.direction == TradeDirection.LONG else -1


@dataclass
class _Open:
    """A trade still open, with the best profit and the worst drawdown seen since its entry."""

    trade: Trade
    max_profit: float = 0.0
    max_drawdown: float = 0.0

    def see(self, price: float) -> None:
        profit = (price - self.trade.entry_price) * self.trade._sign
        if profit < self.max_profit:
            self.max_drawdown = max(self.max_drawdown, self.max_profit - profit)
        else:
            self.max_profit = profit


@dataclass
class _Position:
    trades: list[_Open] = field(default_factory=list)
    min_price: float = 0.0
    max_price: float = 0.0


class TradeBuilder:
    """Closed trades of the run, fill to fill, first in first out."""

    def __init__(self) -> None:
        self._closed: list[Trade] = []
        self._positions: dict[Symbol, _Position] = {}
        self._fees_assigned: set[int] = set()

    @property
    def closed_trades(self) -> list[Trade]:
        return list(self._closed)

    def has_open_position(self, symbol: Symbol) -> bool:
        position = self._positions.get(symbol)
        return position is not None and bool(position.trades)

    def _open_symbols(self) -> list[Symbol]:
        return list(self._positions)

    def set_market_price(self, symbol: Symbol, price: float) -> None:
        position = self._positions.get(symbol)
        if position is None:
            return
        if price > position.max_price:
            position.max_price = price
        elif price < position.min_price:
            position.min_price = price
        for state in position.trades:
            state.see(price)

    def process_fill(self, order_id: int, symbol: Symbol, utc_time: datetime, fill_quantity: float, fill_price: float,
                     fee: float, multiplier: float = 1.0) -> None:
        """One fill: an order's fee counts on its first fill only (ProcessFill)."""
        if order_id in self._fees_assigned:
            fee = 0.0
        self._fees_assigned.add(order_id)
        position = self._positions.get(symbol)
        if position is None or not position.trades:
            self._positions[symbol] = self._opened(order_id, symbol, utc_time, fill_quantity, fill_price, fee)
            return
        self.set_market_price(symbol, fill_price)
        if (fill_quantity > 0) == (position.trades[0].trade.direction == TradeDirection.LONG):
            position.trades.append(self._opened(order_id, symbol, utc_time, fill_quantity, fill_price, fee).trades[0])
            return
        remaining = abs(fill_quantity)
        fee_assigned = False
        while position.trades and remaining > 0:
            state = position.trades[0]
            trade = state.trade
            closed = min(remaining, trade.quantity)
            exit_trade = trade if closed == trade.quantity else replace(trade, quantity=closed, order_ids=set(trade.order_ids))
            exit_trade.order_ids.add(order_id)
            exit_trade.exit_time, exit_trade.exit_price = utc_time, fill_price
            exit_trade.profit_loss = round((fill_price - trade.entry_price) * closed * trade._sign * multiplier, 2)
            exit_trade.total_fees = trade.total_fees + (0.0 if fee_assigned else fee)
            worst, best = ((position.min_price, position.max_price) if trade.direction == TradeDirection.LONG
                           else (position.max_price, position.min_price))
            exit_trade.mae = round((worst - trade.entry_price) * trade._sign * closed * multiplier, 2)
            exit_trade.mfe = round((best - trade.entry_price) * trade._sign * closed * multiplier, 2)
            exit_trade.end_trade_drawdown = round(state.max_drawdown * closed * multiplier, 2)
            exit_trade.is_win = exit_trade.profit_loss > 0
            self._closed.append(exit_trade)
            if exit_trade is trade:
                position.trades.pop(0)
            else:  # the rest of the trade stays open; its fees went with the closed part
                trade.quantity -= closed
                trade.total_fees = 0.0
            remaining -= closed
            fee_assigned = True
        if remaining > 0:  # the fill reversed the position: the rest opens a trade the other way
            sign = 1 if fill_quantity > 0 else -1
            self._positions[symbol] = self._opened(order_id, symbol, utc_time, sign * remaining, fill_price, 0.0)
        elif not position.trades:
            del self._positions[symbol]

    @staticmethod
    def _opened(order_id: int, symbol: Symbol, utc_time: datetime, quantity: float, price: float,
                fee: float) -> _Position:
        direction = TradeDirection.LONG if quantity > 0 else TradeDirection.SHORT
        trade = Trade([symbol], utc_time, price, direction, abs(quantity), fee, {order_id})
        return _Position([_Open(trade)], price, price)
