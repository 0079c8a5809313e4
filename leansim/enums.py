"""LEAN's enumerations with LEAN's integer values (checked against quantconnect-stubs).

Stands for Common/Global.cs, Common/Orders/OrderTypes.cs and the other enumerations of Common/.

Code written against LEAN compares these by name (`OrderStatus.FILLED`) and sometimes persists the
integer, so both must match the real engine.
"""

from __future__ import annotations

from enum import IntEnum


class OrderStatus(IntEnum):
    """Lifecycle of an order (`Common/Orders/OrderTypes.cs`). 4 is unused in LEAN."""

    NEW = 0
    SUBMITTED = 1
    PARTIALLY_FILLED = 2
    FILLED = 3
    CANCELED = 5
    NONE = 6
    INVALID = 7
    CANCEL_PENDING = 8
    UPDATE_SUBMITTED = 9


# Statuses after which an order never changes again (LEAN's `OrderStatus.IsClosed()`).
CLOSED_STATUSES = frozenset({OrderStatus.FILLED, OrderStatus.CANCELED, OrderStatus.INVALID})


class OrderDirection(IntEnum):
    """Buy, sell, or hold (a zero quantity)."""

    BUY = 0
    SELL = 1
    HOLD = 2


class OrderType(IntEnum):
    """Order types LEAN knows; the double implements market, limit, market-on-open and the combos."""

    MARKET = 0
    LIMIT = 1
    STOP_MARKET = 2
    STOP_LIMIT = 3
    MARKET_ON_OPEN = 4
    MARKET_ON_CLOSE = 5
    OPTION_EXERCISE = 6
    LIMIT_IF_TOUCHED = 7
    COMBO_MARKET = 8
    COMBO_LIMIT = 9
    COMBO_LEG_LIMIT = 10
    TRAILING_STOP = 11


# Order types whose legs share a GroupOrderManager.
COMBO_TYPES = frozenset({OrderType.COMBO_MARKET, OrderType.COMBO_LIMIT, OrderType.COMBO_LEG_LIMIT})


class OrderField(IntEnum):
    LIMIT_PRICE = 0
    STOP_PRICE = 1
    TRIGGER_PRICE = 2
    TRAILING_AMOUNT = 3
    TRAILING_AS_PERCENTAGE = 4


class OrderRequestType(IntEnum):
    """Kind of request made on an order ticket."""

    SUBMIT = 0
    UPDATE = 1
    CANCEL = 2


class OrderRequestStatus(IntEnum):
    """Processing state of an order request."""

    UNPROCESSED = 0
    PROCESSING = 1
    PROCESSED = 2
    ERROR = 3


class OrderResponseErrorCode(IntEnum):
    """Why LEAN refused a request (the subset the double can produce, with LEAN's values)."""

    NONE = 0
    PROCESSING_ERROR = -1
    ORDER_ALREADY_EXISTS = -2
    INSUFFICIENT_BUYING_POWER = -3
    BROKERAGE_MODEL_REFUSED_TO_SUBMIT_ORDER = -4
    BROKERAGE_FAILED_TO_SUBMIT_ORDER = -5
    BROKERAGE_FAILED_TO_UPDATE_ORDER = -6
    BROKERAGE_HANDLER_REFUSED_TO_UPDATE_ORDER = -7
    BROKERAGE_FAILED_TO_CANCEL_ORDER = -8
    INVALID_ORDER_STATUS = -9
    UNABLE_TO_FIND_ORDER = -10
    ORDER_QUANTITY_ZERO = -11
    UNSUPPORTED_REQUEST_TYPE = -12
    PRE_ORDER_CHECKS_ERROR = -13
    MISSING_SECURITY = -14
    EXCHANGE_NOT_OPEN = -15
    SECURITY_PRICE_ZERO = -16
    SECURITY_HAS_NO_DATA = -19
    EXCEEDED_MAXIMUM_ORDERS = -20
    MARKET_ON_CLOSE_ORDER_TOO_LATE = -21
    INVALID_REQUEST = -22
    REQUEST_CANCELED = -23
    BROKERAGE_MODEL_REFUSED_TO_UPDATE_ORDER = -25
    ALGORITHM_WARMING_UP = -24
    INVALID_NEW_ORDER_STATUS = -32
    MARKET_ON_OPEN_NOT_ALLOWED_DURING_REGULAR_HOURS = -35


class SecurityType(IntEnum):
    """Asset classes (the double trades equities, equity options and index options)."""

    BASE = 0
    EQUITY = 1
    OPTION = 2
    COMMODITY = 3
    FOREX = 4
    FUTURE = 5
    CFD = 6
    CRYPTO = 7
    FUTURE_OPTION = 8
    INDEX = 9
    INDEX_OPTION = 10
    CRYPTO_FUTURE = 11


# Option security types (LEAN's `SecurityType.IsOption()` extension, Common/Extensions.cs).
OPTION_TYPES = frozenset({SecurityType.OPTION, SecurityType.FUTURE_OPTION, SecurityType.INDEX_OPTION})


class SettlementType(IntEnum):
    """How an exercised option settles: equity options deliver shares, index options pay cash
    (Common/Securities/Option/Option.cs, Common/Securities/IndexOption/IndexOption.cs)."""

    PHYSICAL_DELIVERY = 0
    CASH = 1


class OptionRight(IntEnum):
    """Call or put."""

    CALL = 0
    PUT = 1


class OptionStyle(IntEnum):
    """Exercise style."""

    AMERICAN = 0
    EUROPEAN = 1


class SettlementType(IntEnum):
    """How an exercised option settles (Common/Global.cs): equity options
    deliver the underlying, index options pay the intrinsic value in cash."""

    PHYSICAL_DELIVERY = 0
    CASH = 1


class Resolution(IntEnum):
    """Data resolution requested by add_equity/add_option (the double always steps per second)."""

    TICK = 0
    SECOND = 1
    MINUTE = 2
    HOUR = 3
    DAILY = 4


class DayOfWeek(IntEnum):
    """System.DayOfWeek: Sunday is 0, unlike Python's weekday()."""

    SUNDAY = 0
    MONDAY = 1
    TUESDAY = 2
    WEDNESDAY = 3
    THURSDAY = 4
    FRIDAY = 5
    SATURDAY = 6


class BrokerageName(IntEnum):
    """Brokerages LEAN can model (the subset with option support plus the default)."""

    DEFAULT = 0
    INTERACTIVE_BROKERS_BROKERAGE = 2
    TRADIER_BROKERAGE = 3
    ALPACA = 9
    TD_AMERITRADE = 21
    TRADE_STATION = 29
    CHARLES_SCHWAB = 31
    TASTYTRADE = 32
    WEBULL = 35
    PUBLIC = 36


class AccountType(IntEnum):
    """Margin or cash account."""

    MARGIN = 0
    CASH = 1


class BrokerageMessageType(IntEnum):
    """Severity of a brokerage message."""

    INFORMATION = 0
    WARNING = 1
    ERROR = 2
    RECONNECT = 3
    DISCONNECT = 4
    ACTION_REQUIRED = 5


class DataNormalizationMode(IntEnum):
    RAW = 0
    ADJUSTED = 1
    SPLIT_ADJUSTED = 2
    TOTAL_RETURN = 3
    FORWARD_PANAMA_CANAL = 4
    BACKWARDS_PANAMA_CANAL = 5
    SCALED_RAW = 6


class Market:
    """Market identifiers are plain lowercase strings in LEAN."""

    USA: str = "usa"
    CBOE: str = "cboe"
    INTERACTIVE_BROKERS: str = "interactivebrokers"
