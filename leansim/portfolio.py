"""`algorithm.portfolio`: holdings per symbol, cash and a simple, documented margin model.

Stands for Common/Securities/SecurityPortfolioManager.cs.

Margin model (an approximation of LEAN's, enough to refuse absurd orders):
- equity: 50% of the position's absolute value (Reg T, leverage 2);
- long option: its premium (market value), i.e. long options cost their premium;
- short option covered by a long option of the same underlying, expiry and right (vertical spread):
  the strike width x multiplier per covered contract; for a put side and a call side of the same
  expiry (iron condor, strangle-like structures) only the larger of the two sides counts, as one
  side at most can finish in the money;
- naked short option: CBOE style max(20% of the underlying - out-of-the-money amount, 10% of the
  strike) x multiplier per contract.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime

from leansim.enums import OPTION_TYPES, OptionRight
from leansim.lean_statistics import TransactionRecord
from leansim.positions import SecurityPositionGroupModel
from leansim.securities import SecurityHolding, SecurityManager
from leansim.symbols import Symbol


class SecurityPortfolioManager:
    """Holdings of every security plus cash; read-only for the algorithm."""

    def __init__(self, securities: SecurityManager, cash: float, underlying_price: Callable[[Symbol], float]) -> None:
        self._securities = securities
        self._cash = float(cash)
        self._fees = 0.0
        self._sale_volume = 0.0
        self._transaction_records: list[TransactionRecord] = []
        self._underlying_price = underlying_price
        self._groups = SecurityPositionGroupModel(self.values)

    def __getitem__(self, symbol: Symbol | str) -> SecurityHolding:
        return self._securities[symbol].holdings

    def __contains__(self, symbol: object) -> bool:
        return symbol in self._securities

    def __len__(self) -> int:
        return len(self._securities)

    def __iter__(self) -> Iterator[Symbol]:
        return iter(self._securities.keys())

    @property
    def count(self) -> int:
        return len(self._securities)

    def contains_key(self, symbol: Symbol | str) -> bool:
        return self._securities.contains_key(symbol)

    def get(self, key: Symbol | str, default_value: SecurityHolding | None = None) -> SecurityHolding | None:
        return self[key] if self.contains_key(key) else default_value

    def keys(self) -> list[Symbol]:
        return self._securities.keys()

    def values(self) -> list[SecurityHolding]:
        return [security.holdings for security in self._securities.values()]

    def items(self) -> list[tuple[Symbol, SecurityHolding]]:
        return [(symbol, security.holdings) for symbol, security in self._securities.items()]

    @property
    def positions(self) -> SecurityPositionGroupModel:
        """The holdings grouped as LEAN margins them (leansim.positions)."""
        return self._groups

    @property
    def cash(self) -> float:
        return self._cash

    @property
    def invested(self) -> bool:
        return any(holding.invested for holding in self.values())

    @property
    def total_holdings_value(self) -> float:
        # Holdings of zero contribute nothing: skip them without pricing their security.
        return sum(holding.holdings_value for holding in self.values() if holding.invested)

    @property
    def total_unrealized_profit(self) -> float:
        return sum(holding.unrealized_profit for holding in self.values() if holding.invested)

    @property
    def total_portfolio_value(self) -> float:
        return self._cash + self.total_holdings_value

    @property
    def total_fees(self) -> float:
        return self._fees

    @property
    def total_sale_volume(self) -> float:
        """|quantity x price x multiplier| summed over every fill (SecurityPortfolioManager.TotalSaleVolume)."""
        return self._sale_volume

    @property
    def total_margin_used(self) -> float:
        return self._margin(self._positions(), self._price)

    def set_positions(self, position_group_model: SecurityPositionGroupModel) -> None:
        """Replace how holdings are grouped; SecurityPositionGroupModel.NULL keeps every holding a
        group of its own (Common/Securities/Positions/NullSecurityPositionGroupModel.cs)."""
        self._groups = SecurityPositionGroupModel(self.values, position_group_model._strategies)

    def _margin(self, positions: dict[Symbol, float], price: Callable[[Symbol], float]) -> float:
        """Holdings whose security has its own buying-power model are margined by it, per unit; the
        rest by the module's rules."""
        own = {s: q for s, q in positions.items()
               if self._securities.contains_key(s) and self._securities[s].buying_power_model is not None}
        rest = {s: q for s, q in positions.items() if s not in own}
        by_model = sum(abs(q) * self._securities[s].buying_power_model._margin_per_unit()  # type: ignore[union-attr]
                       for s, q in own.items())
        return by_model + margin_required(rest, self._underlying_price, price)

    @property
    def margin_remaining(self) -> float:
        return self.total_portfolio_value - self.total_margin_used

    def _positions(self) -> dict[Symbol, float]:
        return {holding.symbol: holding.quantity for holding in self.values() if holding.invested}

    def _price(self, symbol: Symbol) -> float:
        return self._securities[symbol].price if self._securities.contains_key(symbol) else 0.0

    def _would_have_margin(self, changes: dict[Symbol, float], prices: dict[Symbol, float]) -> tuple[bool, float, float]:
        """Whether the portfolio can take `changes` (quantities at `prices`): (ok, required, free).

        An order that lowers the margin in use is always allowed, as risk-reducing orders are.
        """
        before = self._positions()
        after = dict(before)
        cash_after = self._cash
        for symbol, quantity in changes.items():
            after[symbol] = after.get(symbol, 0.0) + quantity
            cash_after -= quantity * prices[symbol] * _multiplier(symbol)

        def price(symbol: Symbol) -> float:
            return prices.get(symbol, self._price(symbol))

        used_before = self._margin(before, price)
        used_after = self._margin(after, price)
        value_after = cash_after + sum(q * price(s) * _multiplier(s) for s, q in after.items())
        free = value_after - used_after
        return used_after <= used_before or free >= 0, used_after - used_before, self.margin_remaining

    def _apply_fill(self, symbol: Symbol, quantity: float, price: float, utc_time: datetime, fee: float = 0.0,
                    exercise: ExerciseLeg | None = None) -> None:
        """One fill, as SecurityPortfolioModel.ProcessFill takes it: its sale volume is added and, when it
        closes (part of) the position, the closed quantity's profit less twice the fill's fee is
        recorded as a transaction (SecurityTransactionManager.AddTransactionRecord, read by LEAN's
        win rate and average win and loss); `exercise` is an exercise order's option leg."""
        holding = self._securities[symbol].holdings
        multiplier = _multiplier(symbol)
        self._sale_volume += abs(quantity * price) * multiplier
        if holding.quantity and (holding.quantity > 0) != (quantity > 0):
            closed = min(abs(quantity), abs(holding.quantity)) * (1 if quantity < 0 else -1)
            profit = closed * (price - holding.average_price) * multiplier + (exercise.settled_cash if exercise else 0.0)
            profit_loss = profit - 2 * fee
            win = exercise.is_win(quantity, profit_loss) if exercise else profit_loss > 0
            self._transaction_records.append(TransactionRecord(utc_time, profit_loss, win))
        holding._apply_fill(quantity, price)
        self._cash -= quantity * price * multiplier

    def _charge_fee(self, fee: float) -> None:
        self._cash -= fee
        self._fees += fee

    def _set_cash(self, cash: float) -> None:
        self._cash = float(cash)


@dataclass(frozen=True)
class ExerciseLeg:
    """An option exercise order's fill of the option itself: whether the option was in the money,
    its in-the-money amount for the filled quantity (Extensions.InTheMoneyAmount, negative out of the
    money) and the cash a cash-settled exercise pays (OptionPortfolioModel.ProcessCloseTradeProfit)."""

    in_the_money: bool
    in_the_money_amount: float
    settled_cash: float = 0.0

    def is_win(self, quantity: float, profit_loss: float) -> bool:
        """Extensions.IsWin: the holder (the fill sells) wins only if in the money by more than it
        lost; the writer (the fill buys) wins if out of the money or if it earned more than it owes."""
        if quantity < 0:
            return self.in_the_money and abs(profit_loss) < self.in_the_money_amount
        return not self.in_the_money or abs(profit_loss) > self.in_the_money_amount


def _multiplier(symbol: Symbol) -> float:
    return 100.0 if symbol.security_type in OPTION_TYPES else 1.0


def margin_required(
    positions: dict[Symbol, float],
    underlying_price: Callable[[Symbol], float],
    price: Callable[[Symbol], float],
) -> float:
    """Margin of a set of positions under the module's model."""
    total = 0.0
    sides: dict[tuple[str, datetime], dict[OptionRight, float]] = {}
    for symbol, quantity in positions.items():
        if not quantity:
            continue
        if symbol.security_type not in OPTION_TYPES:
            total += 0.5 * abs(quantity * price(symbol))
            continue
        if quantity > 0:
            total += quantity * price(symbol) * 100.0
            continue
        key = (symbol.id.symbol, symbol.id.date)
        side = sides.setdefault(key, {OptionRight.CALL: 0.0, OptionRight.PUT: 0.0})
        side[symbol.id.option_right] += _short_side_margin(symbol, -quantity, positions, underlying_price)
    for side in sides.values():
        total += max(side.values())
    return total


def _short_side_margin(
    short: Symbol, contracts: float, positions: dict[Symbol, float], underlying_price: Callable[[Symbol], float]
) -> float:
    """Margin of `contracts` short contracts of `short`, covered by longs of the same side first."""
    sid = short.id
    longs = sorted(
        (
            (abs(s.id.strike_price - sid.strike_price), s.id.strike_price, q)
            for s, q in positions.items()
            if q > 0
            and s.security_type in OPTION_TYPES
            and s.id.symbol == sid.symbol
            and s.id.date == sid.date
            and s.id.option_right == sid.option_right
        ),
    )
    margin = 0.0
    remaining = contracts
    for _, strike, quantity in longs:
        if remaining <= 0:
            break
        covered = min(remaining, quantity)
        if sid.option_right == OptionRight.PUT:
            width = max(0.0, sid.strike_price - strike)
        else:
            width = max(0.0, strike - sid.strike_price)
        margin += covered * width * 100.0
        remaining -= covered
    if remaining > 0:
        spot = underlying_price(short)
        strike = sid.strike_price
        otm = max(0.0, spot - strike) if sid.option_right == OptionRight.PUT else max(0.0, strike - spot)
        margin += remaining * max(0.2 * spot - otm, 0.1 * strike) * 100.0
    return margin
