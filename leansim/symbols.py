"""Symbol and SecurityIdentifier: LEAN's identity of a tradable (Common/Symbol.cs, Common/SecurityIdentifier.cs).

Stands for Common/Symbol.cs and Common/SecurityIdentifier.cs.

Equality and hashing go through the identifier, as in LEAN, so a Symbol rebuilt after a restart
equals the one the previous run used. `value` follows LEAN's conventions: the ticker for an equity,
the OSI code (`SPY   240119C00450000`) for an option contract and `?SPY` for a canonical option.
As in LEAN, `str(sid)` reads back with `SecurityIdentifier.parse` and `Symbol(sid, ticker)` rebuilds
the Symbol (with its underlying and its option value) from the identifier alone: a stored key names a
contract whether or not the algorithm has subscribed it.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from leansim.pascal_case import PascalCaseAttributes
from leansim.enums import OPTION_TYPES, Market, OptionRight, OptionStyle, SecurityType

# LEAN's SecurityIdentifier.DefaultDate: the date of identifiers that carry none (equities, canonicals).
_DEFAULT_DATE = datetime(1998, 1, 2)


class SecurityIdentifier(PascalCaseAttributes):
    """The immutable parts that make a security unique. str() is unique and parses back, though it is
    readable text, not LEAN's base-36 code; like LEAN's it ends with `|` and the underlying's identifier
    (SecurityIdentifier.ToString: `{symbol} {properties}|{underlying}`)."""

    def __init__(
        self,
        symbol: str,
        market: str,
        security_type: SecurityType,
        date: datetime = _DEFAULT_DATE,
        strike_price: float = 0.0,
        option_right: OptionRight = OptionRight.CALL,
        option_style: OptionStyle = OptionStyle.AMERICAN,
        underlying: SecurityIdentifier | None = None,
    ) -> None:
        self._symbol = symbol.upper()
        self._market = market
        self._security_type = security_type
        self._date = date
        self._strike_price = float(strike_price)
        self._option_right = option_right
        self._option_style = option_style
        self._underlying = underlying
        if security_type in OPTION_TYPES:
            self._text = (
                f"{self._symbol} {security_type.name} {market} {date:%Y%m%d} "
                f"{option_right.name} {_strike_text(self._strike_price)} {option_style.name}"
            )
        else:
            self._text = f"{self._symbol} {security_type.name} {market}"
        if underlying is not None:
            self._text += f"|{underlying}"

    @staticmethod
    def parse(value: str) -> SecurityIdentifier:
        """The identifier `str(sid)` printed; ValueError naming the problem when `value` is not one
        (LEAN's Parse throws a FormatException)."""
        head, bar, rest = str(value).partition("|")
        underlying = SecurityIdentifier.parse(rest) if bar else None
        parts = head.split(" ")
        try:
            security_type = SecurityType[parts[1]] if len(parts) > 1 else None
        except KeyError:
            security_type = None
        if security_type is None or not parts[0] or not parts[2:]:
            raise ValueError(f"not a security identifier: {value!r}")
        if security_type not in OPTION_TYPES:
            if len(parts) != 3 or underlying is not None:
                raise ValueError(f"not a security identifier: {value!r}")
            return SecurityIdentifier(parts[0], parts[2], security_type)
        if len(parts) != 7 or underlying is None:
            raise ValueError(f"not an option identifier with its underlying: {value!r}")
        try:
            return SecurityIdentifier(parts[0], parts[2], security_type, datetime.strptime(parts[3], "%Y%m%d"),
                                      float(parts[5]), OptionRight[parts[4]], OptionStyle[parts[6]], underlying)
        except (KeyError, ValueError) as error:
            raise ValueError(f"not a security identifier: {value!r} ({error})") from error

    @staticmethod
    def try_parse(value: str, identifier: SecurityIdentifier | None = None) -> tuple[bool, SecurityIdentifier | None]:
        """LEAN's TryParse as Python sees it (the out parameter comes back in a tuple): (True, sid) or (False, None)."""
        try:
            return True, SecurityIdentifier.parse(value)
        except ValueError:
            return False, None

    @property
    def symbol(self) -> str:
        """The ticker (for options: the option's ticker, which is the underlying's except for
        options such as SPXW on the SPX index, as in LEAN)."""
        return self._symbol

    @property
    def market(self) -> str:
        return self._market

    @property
    def security_type(self) -> SecurityType:
        return self._security_type

    @property
    def date(self) -> datetime:
        """Expiry of an option contract; LEAN's default date otherwise."""
        return self._date

    @property
    def strike_price(self) -> float:
        return self._strike_price

    @property
    def option_right(self) -> OptionRight:
        return self._option_right

    @property
    def option_style(self) -> OptionStyle:
        return self._option_style

    @property
    def underlying(self) -> SecurityIdentifier | None:
        return self._underlying

    @property
    def has_underlying(self) -> bool:
        return self._underlying is not None

    def to_string(self) -> str:
        return self._text

    def __str__(self) -> str:
        return self._text

    def __repr__(self) -> str:
        return f"SecurityIdentifier({self._text!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, SecurityIdentifier) and other._text == self._text

    def __hash__(self) -> int:
        return hash(self._text)

    def __lt__(self, other: SecurityIdentifier) -> bool:
        return self._text < other._text


class Symbol(PascalCaseAttributes):
    """A security's identity plus its display value; equal when the identifiers are equal.

    `Symbol(sid, value)` is LEAN's public constructor: the underlying is rebuilt from the identifier
    and an option's value is its OSI code (or `?TICKER`) whatever `value` says (Symbol.GetAlias). The
    factories below pass their own `underlying` and value, as LEAN's private constructor does."""

    def __init__(self, sid: SecurityIdentifier, value: str, underlying: Symbol | None = None) -> None:
        self._id = sid
        if underlying is None:
            if sid.underlying is not None:
                underlying = Symbol(sid.underlying, sid.underlying.symbol)
            value = (_alias(sid, underlying) if underlying is not None else None) or value.upper()
        self._value = value
        self._underlying = underlying

    # --- factories (static, like LEAN's) ---------------------------------------------------------

    @staticmethod
    def create(ticker: str, security_type: SecurityType, market: str, alias: str | None = None) -> Symbol:
        """An equity-like symbol (the double supports equities and indexes here)."""
        sid = SecurityIdentifier(ticker, market, security_type)
        return Symbol(sid, alias or ticker.upper())

    @staticmethod
    def create_option(
        underlying_symbol: Symbol | str,
        market: str,
        style: OptionStyle,
        right: OptionRight,
        strike: float,
        expiry: datetime | date,
        alias: str | None = None,
        *,
        target_option: str | None = None,
    ) -> Symbol:
        """One option contract on `underlying_symbol` (a Symbol or an equity ticker); an index
        underlying makes an index option. `target_option` names an option ticker that differs from
        the underlying's (SPXW on SPX), as LEAN's overload taking it (Common/Symbol.cs)."""
        underlying = _as_underlying(underlying_symbol, market)
        expiry_dt = _as_datetime(expiry)
        ticker = (target_option or underlying.id.symbol).upper()
        sid = SecurityIdentifier(
            ticker, market, _option_type(underlying), expiry_dt, strike, right, style, underlying.id
        )
        return Symbol(sid, alias or _osi_value(_root(ticker, underlying), expiry_dt, right, float(strike)), underlying)

    @staticmethod
    def create_canonical_option(
        underlying_symbol: Symbol | str,
        market: str | None = None,
        alias: str | None = None,
        *,
        target_option: str | None = None,
    ) -> Symbol:
        """The chain-level symbol (`?SPY`, `?SPXW`) that add_option / add_index_option return and
        option_chains are keyed by; index options are European (LEAN's DefaultOptionStyle)."""
        underlying = _as_underlying(underlying_symbol, market or Market.USA)
        option_type = _option_type(underlying)
        style = OptionStyle.EUROPEAN if option_type == SecurityType.INDEX_OPTION else OptionStyle.AMERICAN
        ticker = (target_option or underlying.id.symbol).upper()
        sid = SecurityIdentifier(
            ticker, market or underlying.id.market, option_type, option_style=style, underlying=underlying.id
        )
        return Symbol(sid, alias or f"?{_root(ticker, underlying)}", underlying)

    # --- LEAN properties ---------------------------------------------------------------------------

    @property
    def id(self) -> SecurityIdentifier:
        return self._id

    @property
    def value(self) -> str:
        return self._value

    @property
    def security_type(self) -> SecurityType:
        return self._id.security_type

    @property
    def underlying(self) -> Symbol | None:
        return self._underlying

    @property
    def has_underlying(self) -> bool:
        return self._underlying is not None

    @property
    def canonical(self) -> Symbol:
        """The canonical option symbol of a contract; the symbol itself otherwise."""
        if self.security_type in OPTION_TYPES and self._underlying is not None and not self.is_canonical():
            return Symbol.create_canonical_option(self._underlying, self._id.market, target_option=self._id.symbol)
        return self

    def is_canonical(self) -> bool:
        return self.security_type in OPTION_TYPES and self._id.date == _DEFAULT_DATE

    def has_underlying_symbol(self, symbol: Symbol) -> bool:
        underlying = self._underlying
        while underlying is not None:
            if underlying == symbol:
                return True
            underlying = underlying.underlying
        return False

    def to_string(self) -> str:
        return self._value

    def __str__(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return f"Symbol({self._value!r})"

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Symbol):
            return other._id == self._id
        if isinstance(other, str):
            return other == self._value
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self._id)

    def __lt__(self, other: Symbol) -> bool:
        return self._value < other._value


def _as_underlying(underlying: Symbol | str, market: str) -> Symbol:
    if isinstance(underlying, Symbol):
        return underlying
    return Symbol.create(underlying, SecurityType.EQUITY, market)


def _option_type(underlying: Symbol) -> SecurityType:
    """LEAN's Symbol.GetOptionTypeFromUnderlying: options on an index are index options."""
    return SecurityType.INDEX_OPTION if underlying.security_type == SecurityType.INDEX else SecurityType.OPTION


def _root(ticker: str, underlying: Symbol) -> str:
    """The ticker a contract's value starts with: the option's own (SPXW) when it differs from the
    underlying's, else the underlying's value (Symbol.GetAlias)."""
    return ticker if ticker != underlying.id.symbol else underlying.value


def _alias(sid: SecurityIdentifier, underlying: Symbol) -> str | None:
    """An option's value from its identifier (Symbol.GetAlias): `?SPXW` for a canonical, else the OSI code."""
    if sid.security_type not in OPTION_TYPES:
        return None
    root = _root(sid.symbol, underlying)
    if sid.date == _DEFAULT_DATE:
        return f"?{root}"
    return _osi_value(root, sid.date, sid.option_right, sid.strike_price)


def _strike_text(strike: float) -> str:
    """A strike as the identifier prints it: exact, so that it parses back to the same float."""
    text = repr(strike)
    return text[:-2] if text.endswith(".0") else text


def _as_datetime(expiry: Any) -> datetime:
    if isinstance(expiry, datetime):
        return datetime(expiry.year, expiry.month, expiry.day)
    return datetime(expiry.year, expiry.month, expiry.day)


def _osi_value(ticker: str, expiry: datetime, right: OptionRight, strike: float) -> str:
    """OSI code as LEAN prints contract symbols: root padded to 6, yymmdd, C/P, strike x1000 in 8 digits."""
    letter = "C" if right == OptionRight.CALL else "P"
    return f"{ticker:<6}{expiry:%y%m%d}{letter}{round(strike * 1000):08d}"
