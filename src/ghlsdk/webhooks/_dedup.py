"""Remembering webhook ids for a while, to drop re-deliveries."""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable

from ghlsdk.webhooks._events import WebhookEvent

__all__ = ["WebhookDeduplicator"]

#: GHL re-sends a webhook up to 6 times about 10 minutes apart (~70 minutes worst case).
DEFAULT_TTL = 2 * 60 * 60.0


class WebhookDeduplicator:
    """Answers "have I seen this ``webhookId`` recently?", in bounded memory.

    ``seen(id)`` records the id and returns ``False`` the first time, ``True`` for repeats
    within ``ttl`` seconds. At most ``max_size`` ids are kept (oldest dropped first).
    Thread-safe. If handling an event fails and you want GHL's retry to be processed, call
    [`forget`][ghlsdk.webhooks.WebhookDeduplicator.forget]. This is per process: several workers
    need a shared store (e.g. a
    database unique key on the id) for the same guarantee.
    """

    def __init__(
        self,
        *,
        ttl: float = DEFAULT_TTL,
        max_size: int = 100_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if ttl <= 0:
            raise ValueError("ttl must be a positive number of seconds")
        if max_size < 1:
            raise ValueError("max_size must be at least 1")
        self.ttl = float(ttl)
        self.max_size = max_size
        self._clock = clock
        self._expiry: OrderedDict[str, float] = OrderedDict()
        self._lock = threading.Lock()

    @staticmethod
    def _id(item: str | WebhookEvent | None) -> str | None:
        if isinstance(item, WebhookEvent):
            return item.webhook_id
        if item is None or isinstance(item, str):
            return item or None
        raise TypeError(f"expected a webhook id or event, got {type(item).__name__}")

    def _purge(self, now: float) -> None:
        # Ids are inserted in time order with one ttl, so expired ones are at the front.
        while self._expiry:
            oldest, expires = next(iter(self._expiry.items()))
            if expires > now:
                break
            del self._expiry[oldest]

    def seen(self, item: str | WebhookEvent | None) -> bool:
        """Record the id; True when it was already recorded within ``ttl``.

        An event without a ``webhookId`` cannot be de-duplicated: always False.
        """
        webhook_id = self._id(item)
        if webhook_id is None:
            return False
        with self._lock:
            now = self._clock()
            self._purge(now)
            if webhook_id in self._expiry:
                return True
            self._expiry[webhook_id] = now + self.ttl
            while len(self._expiry) > self.max_size:
                self._expiry.popitem(last=False)
            return False

    def forget(self, item: str | WebhookEvent) -> None:
        """Drop an id, so its next delivery counts as new."""
        webhook_id = self._id(item)
        with self._lock:
            if webhook_id is not None:
                self._expiry.pop(webhook_id, None)

    def __contains__(self, item: object) -> bool:
        if not isinstance(item, (str, WebhookEvent)):
            return False
        webhook_id = self._id(item)
        with self._lock:
            self._purge(self._clock())
            return webhook_id in self._expiry

    def __len__(self) -> int:
        with self._lock:
            self._purge(self._clock())
            return len(self._expiry)
