"""Public registries: a host subscribes to what an algorithm builds, with no hook in the algorithm.

The local runner (leansim) subscribes to `executors` to observe every executor an algorithm creates
(and, through its `add_listener`, every group outcome); strategies announce their trade decisions
on a registry of their own. Subscribers are called on the announcing thread: keep them quick.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, Generic, TypeVar

T = TypeVar("T")


class Registry(Generic[T]):
    """Subscribers told of each item announced; `subscribe` returns the call that unsubscribes."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._subscribers: list[Callable[[T], None]] = []

    def subscribe(self, callback: Callable[[T], None]) -> Callable[[], None]:
        with self._lock:
            self._subscribers.append(callback)

        def unsubscribe() -> None:
            with self._lock:
                if callback in self._subscribers:
                    self._subscribers.remove(callback)

        return unsubscribe

    def announce(self, item: T) -> None:
        with self._lock:
            subscribers = list(self._subscribers)
        for callback in subscribers:
            callback(item)


executors: Registry[Any] = Registry()  # every EnhancedAtomicOrderExecutor, once constructed
