"""The receiver behind the webhook app: a queue of accepted deliveries, de-duplicated through
the state store's inbox (or in memory), and background workers that call the handler.

It knows nothing of HTTP: [`WebhookApp`][bridge.asgi.WebhookApp] verifies a delivery and hands
the event to `_accept`.

Pause means pause: while ``paused()`` says so (by default, with a store, the location's pause
flag, `bridge.ops.current_pause`), deliveries are still accepted and stored, but a worker
that takes one holds it instead of calling the handler (its inbox row stays ``new``). Every
``pause_poll`` seconds the held events are released into the queue once the pause has ended,
in the order they came; a restart while paused replays them from the inbox and holds them
again.
"""

from __future__ import annotations

import contextlib
import hashlib
import inspect
import math
import traceback
from collections.abc import AsyncIterator, Callable, Sequence
from typing import Any, TypeVar

import anyio
import anyio.to_thread
from anyio.streams.memory import MemoryObjectReceiveStream, MemoryObjectSendStream

from bridge.ops import current_pause
from bridge.state import Event, StateStore
from ghlsdk import get_redacting_logger, redact_secrets
from ghlsdk.webhooks import (
    AppointmentEvent,
    ContactEvent,
    InstallEvent,
    NoteEvent,
    TaskEvent,
    UninstallEvent,
    WebhookDeduplicator,
    WebhookEvent,
    WebhookPayloadError,
    parse_event,
)

__all__ = ["Handler", "PauseCheck", "Receiver", "event_key", "store_pause"]

#: What the app calls for each accepted event; a coroutine function is awaited, a plain
#: function runs in a worker thread. The return value (e.g. a ``RunReport``) is ignored.
Handler = Callable[[WebhookEvent], Any]
#: Whether events must wait (the location is paused); called in a worker thread.
PauseCheck = Callable[[], bool]

_log = get_redacting_logger("bridge.asgi")

_R = TypeVar("_R", bound="Receiver")


def event_key(event: WebhookEvent, body: bytes) -> str:
    """The de-duplication key of a delivery: its ``webhookId``, else a hash of the raw body.

    A re-delivery by HighLevel carries the same ``webhookId`` and the same body.
    """
    if event.webhook_id:
        return event.webhook_id
    return "sha256:" + hashlib.sha256(body).hexdigest()


def _subject(event: WebhookEvent) -> tuple[str, str | None]:
    """(entity, GHL id) of the record an event is about, for the inbox and per-record order."""
    if isinstance(event, ContactEvent):
        return "contact", event.id
    if isinstance(event, TaskEvent):
        return "task", event.id
    if isinstance(event, NoteEvent):
        return "note", event.id
    if isinstance(event, AppointmentEvent):
        return "appointment", event.appointment.id if event.appointment else None
    if isinstance(event, (InstallEvent, UninstallEvent)):
        return "app", event.location_id or event.company_id
    return "other", None


def store_pause(store: StateStore) -> PauseCheck:
    """The pause check of a store: its location's pause flag is set."""
    return lambda: current_pause(store) is not None


class _Job:
    __slots__ = ("event", "key", "record")

    def __init__(self, event: WebhookEvent, key: str) -> None:
        self.event = event
        self.key = key
        entity, ghl_id = _subject(event)
        # Events about one record are handled one at a time, in arrival order.
        self.record = f"{entity}:{ghl_id}" if ghl_id else f"key:{key}"


class Receiver:
    """Queues accepted events and hands each to ``handler`` in background workers (the
    queue-and-worker half of [`WebhookApp`][bridge.asgi.WebhookApp])."""

    def __init__(
        self,
        *,
        handler: Handler,
        store: StateStore | None,
        max_queue: int,
        concurrency: int,
        handler_timeout: float | None,
        shutdown_timeout: float,
        replay_pending: bool,
        deduplicator: WebhookDeduplicator | None,
        paused: PauseCheck | None = None,
        pause_poll: float = 5.0,
    ) -> None:
        self.handler = handler
        self.store = store
        self.max_queue = max_queue
        self.concurrency = concurrency
        self.handler_timeout = handler_timeout
        self.shutdown_timeout = shutdown_timeout
        self.replay_pending = replay_pending
        self._dedup = deduplicator if deduplicator is not None else WebhookDeduplicator()
        self._is_async = _is_async_callable(handler)
        self._send: MemoryObjectSendStream[_Job] | None = None
        self._queued = 0  # accepted, not yet taken by a worker
        self._processing = 0
        self._idle: anyio.Event | None = None  # created in the event loop, when first busy
        self._record_locks: dict[str, tuple[anyio.Lock, int]] = {}
        self._counts = {"accepted": 0, "duplicates": 0, "rejected": 0, "done": 0, "failed": 0}
        self.paused = paused
        self.pause_poll = pause_poll
        self._held: list[_Job] = []  # taken while paused, waiting for the pause to end
        self._watch: anyio.CancelScope | None = None

    # -- state ----------------------------------------------------------------------------------

    @property
    def is_running(self) -> bool:
        """True between lifespan startup and shutdown (while deliveries are accepted)."""
        return self._send is not None

    def stats(self) -> dict[str, int]:
        """Counters since start: ``queued``, ``processing``, ``held`` (waiting for a pause to
        end), ``accepted``, ``duplicates``, ``rejected``, ``done``, ``failed``."""
        return {
            "queued": self._queued,
            "processing": self._processing,
            "held": len(self._held),
            **self._counts,
        }

    async def wait_idle(self) -> None:
        """Wait until every accepted event has been handled (bound it with a timeout)."""
        while (self._queued or self._processing) and self._idle is not None:
            await self._idle.wait()

    def _busy(self, delta_queued: int = 0, delta_processing: int = 0) -> None:
        was_idle = not (self._queued or self._processing)
        self._queued += delta_queued
        self._processing += delta_processing
        idle = not (self._queued or self._processing)
        if was_idle and not idle:
            self._idle = anyio.Event()
        elif idle and not was_idle and self._idle is not None:
            self._idle.set()

    def _wake_idle(self) -> None:
        if self._idle is not None:
            self._idle.set()

    # -- worker ---------------------------------------------------------------------------------

    @contextlib.asynccontextmanager
    async def running(self: _R) -> AsyncIterator[_R]:
        """Start the background workers; on exit, stop accepting and drain the queue for up to
        ``shutdown_timeout`` seconds, then cancel what is left (inbox rows stay ``new``)."""
        if self._send is not None:
            raise RuntimeError(f"this {type(self).__name__} is already running")
        send, receive = anyio.create_memory_object_stream[_Job](math.inf)
        self._send = send
        try:
            if self.replay_pending and self.store is not None:
                await self._replay(send)
        except BaseException:
            self._send = None
            send.close()
            receive.close()
            self._queued = 0
            self._wake_idle()
            raise
        done = anyio.Event()
        try:
            async with anyio.create_task_group() as tg:
                tg.start_soon(self._workers, receive, done)
                if self.paused is not None:
                    self._watch = anyio.CancelScope()
                    tg.start_soon(self._watch_pause, self._watch)
                try:
                    yield self
                finally:
                    self._send = None
                    send.close()
                    if self._watch is not None:
                        self._watch.cancel()
                    with anyio.move_on_after(self.shutdown_timeout, shield=True) as scope:
                        await done.wait()
                    if scope.cancelled_caught:
                        _log.warning(
                            "webhook queue not drained within %.1f s: %d queued, %d in progress "
                            "cancelled (inbox rows stay 'new' and are replayed at the next start)",
                            self.shutdown_timeout,
                            self._queued,
                            self._processing,
                        )
                        tg.cancel_scope.cancel()
        except Exception as exc:
            # The task group wraps an error raised in the ``async with`` block in an
            # exception group; give the caller their own exception back.
            inner: Sequence[BaseException] = getattr(exc, "exceptions", ())
            if len(inner) == 1 and isinstance(inner[0], Exception):
                raise inner[0] from None
            raise
        finally:
            # Jobs cancelled at a timed-out shutdown are no longer queued here (their inbox
            # rows stay 'new', as do those of held jobs).
            if self._held:
                _log.warning(
                    "%d webhook(s) held while paused at shutdown%s",
                    len(self._held),
                    " (inbox rows stay 'new')" if self.store else "; without a store they are lost",
                )
            self._held = []
            self._watch = None
            self._queued = self._processing = 0
            self._wake_idle()

    async def _workers(self, receive: MemoryObjectReceiveStream[_Job], done: anyio.Event) -> None:
        try:
            async with receive, anyio.create_task_group() as tg:
                for _ in range(self.concurrency):
                    tg.start_soon(self._worker, receive.clone())
        finally:
            done.set()

    async def _worker(self, receive: MemoryObjectReceiveStream[_Job]) -> None:
        async with receive:
            async for job in receive:
                paused = await self._is_paused()
                if paused or self._held:  # behind the held ones, in arrival order
                    self._held.append(job)  # its inbox row stays 'new'
                    self._busy(delta_queued=-1)
                    if not paused:
                        self._release_held()
                    continue
                self._busy(delta_queued=-1, delta_processing=1)
                try:
                    async with self._record_lock(job.record):
                        await self._handle(job)
                finally:
                    self._busy(delta_processing=-1)

    async def _is_paused(self) -> bool:
        if self.paused is None:
            return False
        try:
            return bool(await anyio.to_thread.run_sync(self.paused))
        except Exception as exc:  # cannot tell: hold rather than apply during a pause
            _log.error(
                "could not read the pause flag, holding webhooks: %s: %s",
                type(exc).__name__,
                redact_secrets(str(exc)),
            )
            return True

    async def _watch_pause(self, scope: anyio.CancelScope) -> None:
        """Every ``pause_poll`` seconds: once the pause has ended, release the held events."""
        with scope:
            while True:
                await anyio.sleep(self.pause_poll)
                if self._held and not await self._is_paused():
                    self._release_held()

    def _release_held(self) -> None:
        send = self._send
        if send is None:
            return
        jobs, self._held = self._held, []
        _log.info("the pause ended: handling %d held webhook(s)", len(jobs))
        for job in jobs:
            self._busy(delta_queued=1)
            send.send_nowait(job)

    @contextlib.asynccontextmanager
    async def _record_lock(self, record: str) -> AsyncIterator[None]:
        lock, users = self._record_locks.get(record, (anyio.Lock(), 0))
        self._record_locks[record] = (lock, users + 1)
        try:
            async with lock:
                yield
        finally:
            lock, users = self._record_locks[record]
            if users == 1:
                del self._record_locks[record]
            else:
                self._record_locks[record] = (lock, users - 1)

    async def _handle(self, job: _Job) -> None:
        state = "done"
        try:
            with anyio.fail_after(self.handler_timeout):
                await self._call_handler(job.event)
        except Exception as exc:  # the app must outlive any handler failure
            state = "failed"
            _log.error(
                "webhook %s (%s) failed in the handler: %s: %s",
                job.key,
                job.event.type,
                type(exc).__name__,
                redact_secrets(str(exc)),
            )
            _log.debug(
                "handler traceback: %s", redact_secrets("".join(traceback.format_exception(exc)))
            )
        self._counts[state] += 1
        if self.store is not None:
            try:
                await anyio.to_thread.run_sync(self.store.set_event_state, job.key, state)
            except Exception as exc:
                _log.error(
                    "could not mark webhook %s %s in the inbox: %s: %s",
                    job.key,
                    state,
                    type(exc).__name__,
                    redact_secrets(str(exc)),
                )

    async def _call_handler(self, event: WebhookEvent) -> None:
        if self._is_async:
            result = self.handler(event)
        else:
            result = await anyio.to_thread.run_sync(self.handler, event, abandon_on_cancel=True)
        if inspect.isawaitable(result):
            await result

    async def _replay(self, send: MemoryObjectSendStream[_Job]) -> None:
        """Queue inbox rows left ``new`` by a previous process (verified when received)."""
        assert self.store is not None
        rows = await anyio.to_thread.run_sync(self.store.new_events, self.max_queue)
        for row in rows:
            try:
                event = parse_event(row.raw_body)
            except WebhookPayloadError as exc:
                _log.error("inbox row %s cannot be parsed, marked failed: %s", row.event_key, exc)
                await anyio.to_thread.run_sync(self.store.set_event_state, row.event_key, "failed")
                continue
            self._busy(delta_queued=1)
            send.send_nowait(_Job(event, row.event_key))
        if rows:
            _log.info("replaying %d webhook(s) left unhandled by a previous run", len(rows))

    # -- accepting ------------------------------------------------------------------------------

    async def _accept(self, event: WebhookEvent, body: bytes) -> tuple[int, dict[str, str]]:
        """Queue a verified delivery once: the HTTP status and JSON answer for it."""
        if self._queued >= self.max_queue:
            _log.warning("webhook queue full (%d); answering 429 so GHL retries", self._queued)
            return 429, {"status": "busy"}
        key = event_key(event, body)
        try:
            fresh = await self._remember(key, event, body)
        except Exception as exc:
            # Nothing stored: a 429 makes HighLevel send it again later.
            _log.error("could not store webhook %s: %s: %s", key, type(exc).__name__, exc)
            return 429, {"status": "busy"}
        if not fresh:
            self._counts["duplicates"] += 1
            return 200, {"status": "duplicate"}
        send = self._send
        if send is None:  # shut down while the inbox write ran; the row stays 'new'
            return 503, {"status": "not_running"}
        self._counts["accepted"] += 1
        self._busy(delta_queued=1)
        send.send_nowait(_Job(event, key))
        return 200, {"status": "accepted"}

    async def _remember(self, key: str, event: WebhookEvent, body: bytes) -> bool:
        """Record the key; False for a duplicate. With a store, the body is saved first."""
        if self.store is None:
            return not self._dedup.seen(key)
        entity, ghl_id = _subject(event)
        row = Event(
            event_key=key,
            entity=entity,
            ghl_id=ghl_id,
            type=event.type,
            raw_body=body.decode("utf-8", errors="replace"),
        )
        return await anyio.to_thread.run_sync(self.store.add_event, row)


def _is_async_callable(obj: object) -> bool:
    return inspect.iscoroutinefunction(obj) or inspect.iscoroutinefunction(
        getattr(obj, "__call__", None)  # noqa: B004 - a callable object's async __call__
    )
