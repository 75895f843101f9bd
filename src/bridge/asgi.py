"""An ASGI app that receives HighLevel webhooks and hands them to the sync engine.

>>> from bridge.asgi import create_app, serve
>>> app = create_app(handler=engine.handle_ghl_event, store=store, public_keys=keys)
>>> serve(app, host="0.0.0.0", port=8000)          # needs the 'server' extra (uvicorn)

HighLevel re-sends a delivery only when the receiver answers ``429``; any other answer is final.
So the app verifies, de-duplicates and queues each delivery, answers ``200`` at once, and a
background worker (started by the ASGI lifespan) calls the handler. With a state store, each
delivery is written to the store's webhook inbox before it is acknowledged, so a crash loses
nothing: rows still ``new`` are handled again at the next start.

Pure ASGI, no framework: the app is small and its behaviour is all here.
"""

from __future__ import annotations

import contextlib
import hashlib
import inspect
import json
import math
import traceback
from collections.abc import (
    AsyncIterator,
    Awaitable,
    Callable,
    Mapping,
    MutableMapping,
    Sequence,
)
from typing import TYPE_CHECKING, Any, Final

import anyio
import anyio.to_thread
from anyio.streams.memory import MemoryObjectReceiveStream, MemoryObjectSendStream

from bridge.state import Event, SQLiteStateStore
from ghlsdk import get_redacting_logger, redact_secrets
from ghlsdk.webhooks import (
    DEFAULT_TOLERANCE,
    AppointmentEvent,
    ContactEvent,
    InstallEvent,
    NoteEvent,
    TaskEvent,
    UninstallEvent,
    WebhookDeduplicator,
    WebhookEvent,
    WebhookKeys,
    WebhookPayloadError,
    WebhookVerificationError,
    parse_event,
    verify,
)

if TYPE_CHECKING:
    import uvicorn

__all__ = [
    "Handler",
    "WebhookApp",
    "build_server",
    "create_app",
    "event_key",
    "serve",
]

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

#: What the app calls for each accepted event; a coroutine function is awaited, a plain
#: function runs in a worker thread. The return value (e.g. a ``RunReport``) is ignored.
Handler = Callable[[WebhookEvent], Any]

_log = get_redacting_logger("bridge.asgi")

_SERVER_HINT: Final = "serving webhooks needs uvicorn: pip install 'ghl-ninox[server]'"
#: Verification failures that are about the body rather than who sent it.
_BAD_REQUEST_REASONS: Final = frozenset({"malformed_body"})
_JSON: Final = (b"content-type", b"application/json")


class _Disconnected(Exception):
    """The client went away before sending the whole body."""


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


class _Job:
    __slots__ = ("event", "key", "record")

    def __init__(self, event: WebhookEvent, key: str) -> None:
        self.event = event
        self.key = key
        entity, ghl_id = _subject(event)
        # Events about one record are handled one at a time, in arrival order.
        self.record = f"{entity}:{ghl_id}" if ghl_id else f"key:{key}"


class WebhookApp:
    """The ASGI application built by :func:`create_app` (see there for the behaviour).

    Run it under an ASGI server with the lifespan protocol on (uvicorn's default ``auto``
    works; :func:`serve` sets ``on``), or wrap direct calls in ``async with app.running():``.
    """

    def __init__(
        self,
        *,
        handler: Handler,
        store: SQLiteStateStore | None,
        public_keys: WebhookKeys | None,
        verify_signatures: bool,
        tolerance: float | None,
        require_timestamp: bool,
        rsa_fallback: bool,
        app_id: str | None,
        path: str,
        health_path: str,
        max_body_bytes: int,
        max_queue: int,
        concurrency: int,
        handler_timeout: float | None,
        shutdown_timeout: float,
        replay_pending: bool,
        deduplicator: WebhookDeduplicator | None,
    ) -> None:
        self.handler = handler
        self.store = store
        self.path = path
        self.health_path = health_path
        self.max_body_bytes = max_body_bytes
        self.max_queue = max_queue
        self.concurrency = concurrency
        self.handler_timeout = handler_timeout
        self.shutdown_timeout = shutdown_timeout
        self.replay_pending = replay_pending
        self._verify_signatures = verify_signatures
        self._public_keys = public_keys
        self._tolerance = tolerance
        self._require_timestamp = require_timestamp
        self._rsa_fallback = rsa_fallback
        self._app_id = app_id
        self._dedup = deduplicator if deduplicator is not None else WebhookDeduplicator()
        self._is_async = _is_async_callable(handler)
        self._send: MemoryObjectSendStream[_Job] | None = None
        self._queued = 0  # accepted, not yet taken by a worker
        self._processing = 0
        self._idle: anyio.Event | None = None  # created in the event loop, when first busy
        self._record_locks: dict[str, tuple[anyio.Lock, int]] = {}
        self._counts = {"accepted": 0, "duplicates": 0, "rejected": 0, "done": 0, "failed": 0}

    def __repr__(self) -> str:
        return (
            f"WebhookApp(path={self.path!r}, store={'yes' if self.store else 'no'}, "
            f"verify_signatures={self._verify_signatures}, running={self.is_running})"
        )

    # -- state ----------------------------------------------------------------------------------

    @property
    def is_running(self) -> bool:
        """True between lifespan startup and shutdown (while deliveries are accepted)."""
        return self._send is not None

    def stats(self) -> dict[str, int]:
        """Counters since start: ``queued``, ``processing``, ``accepted``, ``duplicates``,
        ``rejected``, ``done``, ``failed``."""
        return {"queued": self._queued, "processing": self._processing, **self._counts}

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
    async def running(self) -> AsyncIterator[WebhookApp]:
        """Start the background workers; on exit, stop accepting and drain the queue for up to
        ``shutdown_timeout`` seconds, then cancel what is left (inbox rows stay ``new``)."""
        if self._send is not None:
            raise RuntimeError("this WebhookApp is already running")
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
                try:
                    yield self
                finally:
                    self._send = None
                    send.close()
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
            # rows stay 'new').
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
                self._busy(delta_queued=-1, delta_processing=1)
                try:
                    async with self._record_lock(job.record):
                        await self._handle(job)
                finally:
                    self._busy(delta_processing=-1)

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

    # -- ASGI -----------------------------------------------------------------------------------

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        kind = scope["type"]
        if kind == "lifespan":
            await self._lifespan(receive, send)
        elif kind == "http":
            await self._http(scope, receive, send)
        elif kind == "websocket":
            await send({"type": "websocket.close", "code": 1008})
        else:
            raise RuntimeError(f"unsupported ASGI scope type {kind!r}")

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        message = await receive()
        if message["type"] != "lifespan.startup":
            return
        started = False
        try:
            async with self.running():
                started = True
                await send({"type": "lifespan.startup.complete"})
                while (await receive())["type"] != "lifespan.shutdown":
                    pass
        except Exception as exc:
            text = f"{type(exc).__name__}: {redact_secrets(str(exc))}"
            kind = "shutdown" if started else "startup"
            _log.error("webhook app %s failed: %s", kind, text)
            await send({"type": f"lifespan.{kind}.failed", "message": text})
            return
        await send({"type": "lifespan.shutdown.complete"})

    async def _http(self, scope: Scope, receive: Receive, send: Send) -> None:
        path, method = scope["path"], scope["method"]
        if path == self.health_path:
            if method not in ("GET", "HEAD"):
                await _respond(
                    send, 405, {"status": "method_not_allowed"}, headers={"allow": "GET, HEAD"}
                )
                return
            health = "ok" if self.is_running else "not_running"
            await _respond(
                send,
                200 if self.is_running else 503,
                {"status": health, **self.stats()},
                head=method == "HEAD",
            )
            return
        if path != self.path:
            await _respond(send, 404, {"status": "not_found"})
            return
        if method != "POST":
            await _respond(send, 405, {"status": "method_not_allowed"}, headers={"allow": "POST"})
            return
        try:
            status, payload = await self._receive_webhook(scope, receive)
        except _Disconnected:
            return
        extra = {"retry-after": "60"} if status == 429 else {}
        await _respond(send, status, payload, headers=extra)

    async def _receive_webhook(self, scope: Scope, receive: Receive) -> tuple[int, dict[str, str]]:
        headers = _headers(scope)
        length = headers.get("content-length")
        if length is not None:
            if not length.isdigit():
                return 400, {"status": "rejected", "reason": "bad_content_length"}
            if int(length) > self.max_body_bytes:
                return 413, {"status": "rejected", "reason": "too_large"}
        body = await _read_body(receive, self.max_body_bytes)
        if body is None:
            return 413, {"status": "rejected", "reason": "too_large"}
        if not self.is_running:
            # Misconfiguration (no lifespan): say so rather than accept and never handle.
            return 503, {"status": "not_running"}
        try:
            event = self._verify(body, headers)
        except WebhookVerificationError as exc:
            self._counts["rejected"] += 1
            _log.warning("webhook rejected: %s", exc.reason)
            code = 400 if exc.reason in _BAD_REQUEST_REASONS else 401
            return code, {"status": "rejected", "reason": exc.reason}
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

    def _verify(self, body: bytes, headers: dict[str, str]) -> WebhookEvent:
        if self._verify_signatures:
            return verify(
                body,
                headers,
                public_keys=self._public_keys,
                tolerance=self._tolerance,
                require_timestamp=self._require_timestamp,
                rsa_fallback=self._rsa_fallback,
                app_id=self._app_id,
            )
        try:
            return parse_event(body)
        except WebhookPayloadError as exc:
            raise WebhookVerificationError("malformed_body", str(exc)) from exc

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


def _headers(scope: Scope) -> dict[str, str]:
    headers: dict[str, str] = {}
    for name, value in scope.get("headers", ()):
        # The first value wins; signatures are single-valued.
        headers.setdefault(name.decode("latin-1").lower(), value.decode("latin-1"))
    return headers


async def _read_body(receive: Receive, limit: int) -> bytes | None:
    """The whole body, or None as soon as it exceeds ``limit`` bytes."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise _Disconnected
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)


async def _respond(
    send: Send,
    status: int,
    payload: dict[str, Any],
    *,
    head: bool = False,
    headers: Mapping[str, str] | None = None,
) -> None:
    body = json.dumps(payload, separators=(",", ":")).encode()
    raw_headers = [_JSON, (b"content-length", str(len(body)).encode())]
    raw_headers += [(k.encode(), v.encode()) for k, v in (headers or {}).items()]
    await send({"type": "http.response.start", "status": status, "headers": raw_headers})
    await send({"type": "http.response.body", "body": b"" if head else body})


def create_app(
    *,
    handler: Handler,
    store: SQLiteStateStore | None = None,
    public_keys: WebhookKeys | None = None,
    verify_signatures: bool = True,
    tolerance: float | None = DEFAULT_TOLERANCE,
    require_timestamp: bool = False,
    rsa_fallback: bool = False,
    app_id: str | None = None,
    path: str = "/webhooks/ghl",
    health_path: str = "/healthz",
    max_body_bytes: int = 1_000_000,
    max_queue: int = 10_000,
    concurrency: int = 1,
    handler_timeout: float | None = None,
    shutdown_timeout: float = 10.0,
    replay_pending: bool = True,
    deduplicator: WebhookDeduplicator | None = None,
) -> WebhookApp:
    """An ASGI app that receives GHL webhooks and hands each event to ``handler`` once.

    ``POST path``: the body (at most ``max_body_bytes``, else ``413``, refused by
    ``Content-Length`` before it is read) is verified with :func:`ghlsdk.webhooks.verify`
    (``public_keys``, ``tolerance``, ``require_timestamp``, ``rsa_fallback``, ``app_id``);
    a failure answers ``401`` (``400`` for a malformed body) with ``{"status": "rejected",
    "reason": ...}``. The delivery is de-duplicated by ``webhookId`` (or a hash of the body)
    through the ``store``'s webhook inbox, which saves the raw body first, or without a store
    an in-memory ``deduplicator``. A repeat answers ``200 {"status": "duplicate"}``; a new one
    ``200 {"status": "accepted"}`` at once, and a background worker calls ``handler(event)``
    (awaited if it is a coroutine function, else run in a worker thread) and marks the inbox
    row ``done`` or ``failed``. Handler errors are logged, redacted, and never reach the
    client. When more than ``max_queue`` events wait, deliveries get ``429`` (HighLevel's only
    retry signal). ``GET health_path`` answers ``{"status": "ok", "queued": n, ...}``.

    ``concurrency`` workers run in parallel, but events about the same record never do.
    ``handler_timeout`` bounds one call. On shutdown the queue is drained for up to
    ``shutdown_timeout`` seconds. With ``replay_pending``, inbox rows left ``new`` by a previous
    process are handled at startup. ``verify_signatures=False`` skips every check (local
    testing only; never expose it).
    """
    if not callable(handler):
        raise TypeError(f"handler must be callable, got {type(handler).__name__}")
    if store is not None and not isinstance(store, SQLiteStateStore):
        raise TypeError(f"store must be a SQLiteStateStore, got {type(store).__name__}")
    for name, value in (("path", path), ("health_path", health_path)):
        if not isinstance(value, str) or not value.startswith("/"):
            raise ValueError(f"{name} must be a string starting with '/', got {value!r}")
    if path == health_path:
        raise ValueError("path and health_path must differ")
    for name, number in (
        ("max_body_bytes", max_body_bytes),
        ("max_queue", max_queue),
        ("concurrency", concurrency),
    ):
        if isinstance(number, bool) or not isinstance(number, int) or number < 1:
            raise ValueError(f"{name} must be a positive integer, got {number!r}")
    if shutdown_timeout < 0:
        raise ValueError("shutdown_timeout must be >= 0 seconds")
    if handler_timeout is not None and handler_timeout <= 0:
        raise ValueError("handler_timeout must be a positive number of seconds, or None")
    if verify_signatures:
        # Load the keys now: a missing 'cryptography' or a bad key fails at startup, not
        # on the first delivery.
        public_keys = public_keys if public_keys is not None else WebhookKeys.bundled()
    else:
        _log.warning("webhook signature verification is OFF; use this for local tests only")
    return WebhookApp(
        handler=handler,
        store=store,
        public_keys=public_keys,
        verify_signatures=verify_signatures,
        tolerance=tolerance,
        require_timestamp=require_timestamp,
        rsa_fallback=rsa_fallback,
        app_id=app_id,
        path=path,
        health_path=health_path,
        max_body_bytes=max_body_bytes,
        max_queue=max_queue,
        concurrency=concurrency,
        handler_timeout=handler_timeout,
        shutdown_timeout=shutdown_timeout,
        replay_pending=replay_pending,
        deduplicator=deduplicator,
    )


def _uvicorn() -> Any:
    try:
        import uvicorn
    except ImportError as exc:
        raise ImportError(_SERVER_HINT) from exc
    return uvicorn


def build_server(
    app: WebhookApp,
    host: str = "127.0.0.1",
    port: int = 8000,
    *,
    log_level: str = "info",
    **options: Any,
) -> uvicorn.Server:
    """A uvicorn server for ``app`` with the lifespan on (the worker needs it); ``options``
    go to ``uvicorn.Config``. Call ``.run()``, or ``await .serve()``; set ``.should_exit``
    to stop it."""
    uv = _uvicorn()
    settings: dict[str, Any] = {"lifespan": "on", "log_level": log_level, "ws": "none"}
    settings.update(options)
    config = uv.Config(app, host=host, port=port, **settings)
    server: uvicorn.Server = uv.Server(config)
    return server


def serve(
    app: WebhookApp,
    host: str = "127.0.0.1",
    port: int = 8000,
    *,
    log_level: str = "info",
    **options: Any,
) -> None:
    """Run ``app`` with uvicorn until interrupted (``pip install 'ghl-ninox[server]'``)."""
    build_server(app, host, port, log_level=log_level, **options).run()
