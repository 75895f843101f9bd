"""The ASGI application: HTTP routing, the lifespan, reading and verifying a delivery, the
JSON answers; and [`create_app`][bridge.asgi.create_app], which checks the options and builds it.
The queue and the workers behind it are the receiver's (`bridge.asgi._receiver`)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, Final

from bridge.asgi._receiver import Handler, PauseCheck, Receiver, store_pause
from bridge.asgi._status import StatusPage
from bridge.asgi._wire import Disconnected, Receive, Scope, Send, headers_of, read_body
from bridge.state import StateStore
from ghlsdk import get_redacting_logger, redact_secrets
from ghlsdk.webhooks import (
    DEFAULT_TOLERANCE,
    WebhookDeduplicator,
    WebhookEvent,
    WebhookKeys,
    WebhookPayloadError,
    WebhookVerificationError,
    parse_event,
    verify,
)

__all__ = ["WebhookApp", "create_app"]

_log = get_redacting_logger("bridge.asgi")

#: Verification failures that are about the body rather than who sent it.
_BAD_REQUEST_REASONS: Final = frozenset({"malformed_body"})
_JSON: Final = (b"content-type", b"application/json")


class WebhookApp(Receiver):
    """The ASGI application built by [`create_app`][bridge.asgi.create_app] (see there for the
    behaviour).

    Run it under an ASGI server with the lifespan protocol on (uvicorn's default ``auto`` works;
    [`serve`][bridge.asgi.serve] sets ``on``), or wrap direct calls in
    ``async with app.running():``.
    """

    def __init__(
        self,
        *,
        handler: Handler,
        store: StateStore | None,
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
        status_page: StatusPage | None = None,
        paused: PauseCheck | None = None,
        pause_poll: float = 5.0,
    ) -> None:
        super().__init__(
            handler=handler,
            store=store,
            max_queue=max_queue,
            concurrency=concurrency,
            handler_timeout=handler_timeout,
            shutdown_timeout=shutdown_timeout,
            replay_pending=replay_pending,
            deduplicator=deduplicator,
            paused=paused,
            pause_poll=pause_poll,
        )
        self.path = path
        self.health_path = health_path
        self.max_body_bytes = max_body_bytes
        self._verify_signatures = verify_signatures
        self._public_keys = public_keys
        self._tolerance = tolerance
        self._require_timestamp = require_timestamp
        self._rsa_fallback = rsa_fallback
        self._app_id = app_id
        self.status_page = status_page

    def __repr__(self) -> str:
        return (
            f"WebhookApp(path={self.path!r}, store={'yes' if self.store else 'no'}, "
            f"verify_signatures={self._verify_signatures}, running={self.is_running})"
        )

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
        if self.status_page is not None and path != self.path and self.status_page.handles(path):
            await self.status_page(scope, receive, send)
            return
        if path != self.path:
            await _respond(send, 404, {"status": "not_found"})
            return
        if method != "POST":
            await _respond(send, 405, {"status": "method_not_allowed"}, headers={"allow": "POST"})
            return
        try:
            status, payload = await self._receive_webhook(scope, receive)
        except Disconnected:
            return
        extra = {"retry-after": "60"} if status == 429 else {}
        await _respond(send, status, payload, headers=extra)

    async def _receive_webhook(self, scope: Scope, receive: Receive) -> tuple[int, dict[str, str]]:
        headers = headers_of(scope)
        length = headers.get("content-length")
        if length is not None:
            if not length.isdigit():
                return 400, {"status": "rejected", "reason": "bad_content_length"}
            if int(length) > self.max_body_bytes:
                return 413, {"status": "rejected", "reason": "too_large"}
        body = await read_body(receive, self.max_body_bytes)
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
        return await self._accept(event, body)

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
    store: StateStore | None = None,
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
    status_page: StatusPage | None = None,
    paused: PauseCheck | None = None,
    pause_poll: float = 5.0,
) -> WebhookApp:
    """An ASGI app that receives GHL webhooks and hands each event to ``handler`` once.

    ``POST path``: the body (at most ``max_body_bytes``, else ``413``, refused by
    ``Content-Length`` before it is read) is verified with
    [`ghlsdk.webhooks.verify`][ghlsdk.webhooks.verify] (``public_keys``, ``tolerance``,
    ``require_timestamp``, ``rsa_fallback``, ``app_id``); a failure answers ``401`` (``400`` for a
    malformed body) with ``{"status": "rejected", "reason": ...}``. The delivery is de-duplicated by
    ``webhookId`` (or a hash of the body) through the ``store``'s webhook inbox, which saves the raw
    body first, or without a store an in-memory ``deduplicator``. A repeat answers ``200 {"status":
    "duplicate"}``; a new one ``200 {"status": "accepted"}`` at once, and a background worker calls
    ``handler(event)`` (awaited if it is a coroutine function, else run in a worker thread) and
    marks the inbox row ``done`` or ``failed``. Handler errors are logged, redacted, and never reach
    the client. When more than ``max_queue`` events wait, deliveries get ``429`` (HighLevel's only
    retry signal). ``GET health_path`` answers ``{"status": "ok", "queued": n, ...}``.

    ``concurrency`` workers run in parallel, but events about the same record never do.
    ``handler_timeout`` bounds one call. On shutdown the queue is drained for up to
    ``shutdown_timeout`` seconds. With ``replay_pending``, inbox rows left ``new`` by a previous
    process are handled at startup. ``verify_signatures=False`` skips every check (local
    testing only; never expose it). ``status_page`` adds the health page (``GET /`` and
    ``/status.json``, see `bridge.asgi.StatusPage`).

    While ``paused()`` is true (default with a ``store``: the location's pause flag, as
    ``ghl-ninox pause`` and the auto-pause set it) deliveries are still accepted and stored,
    but not handed to the handler; every ``pause_poll`` seconds the app checks whether the
    pause has ended and then handles them, in arrival order. ``paused=lambda: False``
    ignores the pause.
    """
    if not callable(handler):
        raise TypeError(f"handler must be callable, got {type(handler).__name__}")
    if store is not None and not isinstance(store, StateStore):
        raise TypeError(f"store must be a StateStore, got {type(store).__name__}")
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
    if not pause_poll > 0:
        raise ValueError(f"pause_poll must be a positive number of seconds, got {pause_poll!r}")
    if paused is not None and not callable(paused):
        raise TypeError(f"paused must be callable, got {type(paused).__name__}")
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
        status_page=status_page,
        paused=paused if paused is not None or store is None else store_pause(store),
        pause_poll=pause_poll,
    )
