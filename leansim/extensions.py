"""The `Extensions` helpers LEAN's Python algorithms call as static methods (Common/Extensions.cs)."""

from __future__ import annotations

from datetime import date, datetime, timezone
from typing import Any
from zoneinfo import ZoneInfo

from leansim.enums import OrderDirection, SecurityType

_OPTIONS = frozenset({SecurityType.OPTION, SecurityType.FUTURE_OPTION, SecurityType.INDEX_OPTION})


class RegressionTestException(Exception):
    """What LEAN's regression algorithms raise when a check fails (Common/RegressionTestException.cs)."""


class Extensions:
    @staticmethod
    def is_option(security_type: SecurityType) -> bool:
        """Equity, future and index options (Extensions.IsOption)."""
        return security_type in _OPTIONS

    @staticmethod
    def get_order_direction(quantity: float) -> OrderDirection:
        """Buy for a positive quantity, sell for a negative one, hold for zero (Extensions.GetOrderDirection)."""
        return OrderDirection.BUY if quantity > 0 else OrderDirection.SELL if quantity < 0 else OrderDirection.HOLD

    @staticmethod
    def convert_from_utc(time: datetime | date, to: Any, strict: bool = False) -> datetime:
        """A naive UTC time as a naive time of the zone `to` (an IANA name), as LEAN's DateTimes are."""
        utc = _as_datetime(time).replace(tzinfo=timezone.utc)
        return utc.astimezone(ZoneInfo(str(to))).replace(tzinfo=None)

    @staticmethod
    def convert_to_utc(time: datetime | date, _from: Any, strict: bool = False) -> datetime:
        """A naive time of the zone `_from` as a naive UTC time."""
        local = _as_datetime(time).replace(tzinfo=ZoneInfo(str(_from)))
        return local.astimezone(timezone.utc).replace(tzinfo=None)


def _as_datetime(value: datetime | date) -> datetime:
    if isinstance(value, datetime):
        return value.replace(tzinfo=None) if value.tzinfo is None else value.astimezone(timezone.utc).replace(tzinfo=None)
    return datetime(value.year, value.month, value.day)
