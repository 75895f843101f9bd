"""Refreshes serialised across processes by the token store.

A session is single-flight within its process. Across processes (several workers and webhook
receivers of one location), a store that implements
[`LockingTokenStore`][ghlsdk.auth.LockingTokenStore] is asked for ``refresh_lock(key)`` around
the whole refresh: read the stored tokens, refresh if they are still due, save. The second
process to get the lock reads the pair the first one saved and uses it: one ``POST
/oauth/token`` per rotation, whatever the number of processes. Stores without the method
(memory, file) are used as before.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import Protocol, runtime_checkable

import anyio.to_thread

__all__ = ["LockingTokenStore", "arefresh_lock", "refresh_lock"]


@runtime_checkable
class LockingTokenStore(Protocol):
    """A token store that can hold other processes' refreshes of a key back."""

    def refresh_lock(self, key: str) -> contextlib.AbstractContextManager[None]:
        """Held around a refresh of ``key``: other processes' refreshes of it wait; the
        store's ``get``/``save`` of ``key`` work inside it (and ``save`` is durable before it
        returns, as always)."""
        ...


def refresh_lock(store: object, key: str) -> contextlib.AbstractContextManager[None]:
    """``store.refresh_lock(key)`` when the store has one, else nothing."""
    if isinstance(store, LockingTokenStore):
        return store.refresh_lock(key)
    return contextlib.nullcontext()


@contextlib.asynccontextmanager
async def arefresh_lock(store: object, key: str) -> AsyncIterator[None]:
    """`refresh_lock` for async sessions: the (blocking) lock is taken and given back in a
    worker thread."""
    lock = refresh_lock(store, key)
    await anyio.to_thread.run_sync(lock.__enter__)
    try:
        yield
    except BaseException as exc:
        await anyio.to_thread.run_sync(lock.__exit__, type(exc), exc, exc.__traceback__)
        raise
    await anyio.to_thread.run_sync(lock.__exit__, None, None, None)
