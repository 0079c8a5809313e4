"""`algorithm.notify`: alerts. Backtests send nothing (False); live mode records and returns True.

Stands for Common/Notifications/NotificationManager.cs.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


class NotificationManager:
    """Email/SMS/web/Telegram alerts, recorded by the simulator whatever the mode."""

    def __init__(self, live_mode: bool, record: Callable[[str, tuple[Any, ...], bool], None] | None = None) -> None:
        self._live_mode = live_mode
        self._record = record

    def email(self, address: str, subject: str, message: str, data: str = "", headers: Any = None) -> bool:
        return self._send("email", (address, subject, message, data))

    def sms(self, phone_number: str, message: str) -> bool:
        return self._send("sms", (phone_number, message))

    def web(self, address: str, data: Any = None, headers: Any = None) -> bool:
        return self._send("web", (address, data))

    def telegram(self, id: str, message: str, token: str | None = None) -> bool:
        return self._send("telegram", (id, message))

    def _send(self, kind: str, args: tuple[Any, ...]) -> bool:
        if self._record is not None:
            self._record(kind, args, self._live_mode)
        return self._live_mode
