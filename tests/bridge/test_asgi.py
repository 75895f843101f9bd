"""bridge.asgi: the webhook receiver, through httpx's ASGI transport and over real HTTP."""

from __future__ import annotations

import base64
import collections
import json
import logging
import sqlite3
import sys
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterator, MutableMapping
from contextlib import asynccontextmanager
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import anyio
import anyio.lowlevel
import httpx
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519

from bridge.asgi import WebhookApp, build_server, create_app, event_key, serve
from bridge.state import Event, SQLiteStateStore
from ghlsdk.webhooks import (
    AppointmentCreateEvent,
    ContactCreateEvent,
    WebhookEvent,
    WebhookKeys,
    parse_event,
)

URL = "/webhooks/ghl"
WAIT = 10.0  # upper bound on any wait; tests never assert on wall time


# -- keys and deliveries -----------------------------------------------------------------------
@pytest.fixture(scope="module")
def ed_key() -> ed25519.Ed25519PrivateKey:
    return ed25519.Ed25519PrivateKey.generate()


@pytest.fixture(scope="module")
def keys(ed_key: ed25519.Ed25519PrivateKey) -> WebhookKeys:
    pem = ed_key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return WebhookKeys.from_pem(ed25519=[pem])


def body_of(**fields: Any) -> bytes:
    payload: dict[str, Any] = {
        "type": "ContactCreate",
        "locationId": "loc_1",
        "id": "c1",
        "appId": "66a0419a0dffa47fb5f8b22f",
        "webhookId": "wh_0001",
        "timestamp": datetime.now(timezone.utc).isoformat().replace("+00:00", "Z"),
        "email": "ada@example.com",
    }
    payload.update(fields)
    return json.dumps({k: v for k, v in payload.items() if v is not None}).encode()


def signed(key: ed25519.Ed25519PrivateKey, body: bytes) -> dict[str, str]:
    return {
        "x-ghl-signature": base64.b64encode(key.sign(body)).decode(),
        "content-type": "application/json",
    }


class Recorder:
    """An async handler that records events; ``gate`` (when set up) holds calls until opened."""

    def __init__(self, *, gated: bool = False, fail_on: str | None = None) -> None:
        self.events: list[WebhookEvent] = []
        self.gate: anyio.Event | None = anyio.Event() if gated else None
        self.fail_on = fail_on
        self.active = 0
        self.max_active = 0

    async def __call__(self, event: WebhookEvent) -> str:
        self.active += 1
        self.max_active = max(self.max_active, self.active)
        try:
            if self.gate is not None:
                await self.gate.wait()
            if self.fail_on is not None and event.webhook_id == self.fail_on:
                raise RuntimeError("engine broke; token=sekrit-value-123456 leaked in a message")
            self.events.append(event)
            return "report"
        finally:
            self.active -= 1


@asynccontextmanager
async def running(app: WebhookApp) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with app.running(), httpx.AsyncClient(transport=transport, base_url="http://t") as c:
        yield c


async def until(condition: Callable[[], bool]) -> None:
    with anyio.fail_after(WAIT):
        while not condition():  # noqa: ASYNC110 - polls state the code under test owns
            await anyio.sleep(0.005)


async def idle(app: WebhookApp) -> None:
    with anyio.fail_after(WAIT):
        await app.wait_idle()


def inbox(path: Path) -> dict[str, tuple[str, str, str | None, str]]:
    with sqlite3.connect(path) as db:
        rows = db.execute("SELECT event_key, state, entity, ghl_id, raw_body FROM events")
        return {r[0]: (r[1], r[2], r[3], r[4]) for r in rows}


@pytest.fixture
def store_path(tmp_path: Path) -> Path:
    return tmp_path / "state.sqlite3"


@pytest.fixture
def store(store_path: Path) -> Iterator[SQLiteStateStore]:
    with SQLiteStateStore(store_path) as s:
        yield s


# -- accepted, duplicates ----------------------------------------------------------------------
async def test_a_signed_delivery_is_accepted_and_handed_to_the_handler(
    ed_key: ed25519.Ed25519PrivateKey, keys: WebhookKeys
) -> None:
    handler = Recorder()
    app = create_app(handler=handler, public_keys=keys)
    body = body_of()
    async with running(app) as client:
        response = await client.post(URL, content=body, headers=signed(ed_key, body))
        assert response.status_code == 200
        assert response.json() == {"status": "accepted"}
        await idle(app)
    assert len(handler.events) == 1
    event = handler.events[0]
    assert isinstance(event, ContactCreateEvent)
    assert (event.id, event.email, event.webhook_id) == ("c1", "ada@example.com", "wh_0001")
    assert app.stats()["done"] == 1


async def test_the_same_delivery_three_times_is_handled_once(
    ed_key: ed25519.Ed25519PrivateKey, keys: WebhookKeys
) -> None:
    handler = Recorder()
    app = create_app(handler=handler, public_keys=keys)
    body = body_of()
    async with running(app) as client:
        answers = [
            (await client.post(URL, content=body, headers=signed(ed_key, body))).json()["status"]
            for _ in range(3)
        ]
        await idle(app)
    assert answers == ["accepted", "duplicate", "duplicate"]
    assert [e.webhook_id for e in handler.events] == ["wh_0001"]
    assert app.stats()["duplicates"] == 2


async def test_without_a_webhook_id_the_body_hash_deduplicates(
    ed_key: ed25519.Ed25519PrivateKey, keys: WebhookKeys
) -> None:
    handler = Recorder()
    app = create_app(handler=handler, public_keys=keys)
    first, second = body_of(webhookId=None), body_of(webhookId=None, id="c2")
    async with running(app) as client:
        statuses = []
        for body in (first, first, second):
            response = await client.post(URL, content=body, headers=signed(ed_key, body))
            statuses.append(response.json()["status"])
        await idle(app)
    assert statuses == ["accepted", "duplicate", "accepted"]
    assert [e.id for e in handler.events] == ["c1", "c2"]  # type: ignore[attr-defined]
    assert event_key(parse_event(first), first).startswith("sha256:")
    assert event_key(parse_event(first), first) != event_key(parse_event(second), second)


# -- rejections --------------------------------------------------------------------------------
async def test_rejections_answer_401_or_400_with_only_the_reason(
    ed_key: ed25519.Ed25519PrivateKey, keys: WebhookKeys, caplog: pytest.LogCaptureFixture
) -> None:
    handler = Recorder()
    app = create_app(handler=handler, public_keys=keys, app_id="66a0419a0dffa47fb5f8b22f-abc")
    other_key = ed25519.Ed25519PrivateKey.generate()
    good = body_of()
    old = (datetime.now(timezone.utc) - timedelta(hours=1)).isoformat()
    stale = body_of(timestamp=old)
    foreign = body_of(appId="someone-elses-app")
    not_an_object = b"[1, 2, 3]"
    cases = [
        (good, {}, 401, "unsigned"),
        (good, signed(other_key, good), 401, "bad_signature"),
        (good, {"x-ghl-signature": "not base64!"}, 401, "malformed_signature"),
        (good + b" ", signed(ed_key, good), 401, "bad_signature"),  # body changed after signing
        (stale, signed(ed_key, stale), 401, "stale"),
        (foreign, signed(ed_key, foreign), 401, "app_mismatch"),
        (not_an_object, signed(ed_key, not_an_object), 400, "malformed_body"),
    ]
    with caplog.at_level(logging.WARNING, logger="bridge.asgi"):
        async with running(app) as client:
            for body, headers, code, reason in cases:
                response = await client.post(URL, content=body, headers=headers)
                assert (response.status_code, response.json()) == (
                    code,
                    {"status": "rejected", "reason": reason},
                ), reason
            await idle(app)
    assert handler.events == []
    assert app.stats()["rejected"] == len(cases)
    assert "someone-elses-app" not in caplog.text  # only the reason is logged


async def test_the_tolerance_is_configurable(
    ed_key: ed25519.Ed25519PrivateKey, keys: WebhookKeys
) -> None:
    handler = Recorder()
    app = create_app(handler=handler, public_keys=keys, tolerance=None)
    old = body_of(timestamp="2020-01-01T00:00:00Z")
    async with running(app) as client:
        response = await client.post(URL, content=old, headers=signed(ed_key, old))
        await idle(app)
    assert response.json() == {"status": "accepted"}
    assert len(handler.events) == 1


async def test_verification_can_be_switched_off_for_local_tests() -> None:
    handler = Recorder()
    app = create_app(handler=handler, verify_signatures=False)
    async with running(app) as client:
        ok = await client.post(URL, content=body_of())
        bad = await client.post(URL, content=b"not json")
        await idle(app)
    assert ok.json() == {"status": "accepted"}
    assert (bad.status_code, bad.json()["reason"]) == (400, "malformed_body")
    assert len(handler.events) == 1


# -- routing -----------------------------------------------------------------------------------
async def test_routing_404_405_and_health(keys: WebhookKeys) -> None:
    app = create_app(handler=Recorder(), public_keys=keys)
    async with running(app) as client:
        get = await client.get(URL)
        assert (get.status_code, get.headers["allow"]) == (405, "POST")
        assert (await client.put(URL, content=b"{}")).status_code == 405
        assert (await client.post("/elsewhere", content=b"{}")).status_code == 404
        assert (await client.post("/webhooks/ghl/", content=b"{}")).status_code == 404
        health = await client.get("/healthz")
        assert health.status_code == 200
        assert health.json()["status"] == "ok"
        assert health.json()["queued"] == 0
        head = await client.head("/healthz")
        assert (head.status_code, head.content) == (200, b"")
        post = await client.post("/healthz")
        assert (post.status_code, post.headers["allow"]) == (405, "GET, HEAD")


async def test_without_the_lifespan_deliveries_get_503_not_a_silent_loss(
    ed_key: ed25519.Ed25519PrivateKey, keys: WebhookKeys
) -> None:
    handler = Recorder()
    app = create_app(handler=handler, public_keys=keys)
    body = body_of()
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        response = await client.post(URL, content=body, headers=signed(ed_key, body))
        health = await client.get("/healthz")
    assert (response.status_code, response.json()) == (503, {"status": "not_running"})
    assert (health.status_code, health.json()["status"]) == (503, "not_running")


# -- body size ---------------------------------------------------------------------------------
async def test_an_oversized_body_is_refused_by_its_length_before_it_is_read(
    keys: WebhookKeys,
) -> None:
    app = create_app(handler=Recorder(), public_keys=keys, max_body_bytes=100)
    sent: list[MutableMapping[str, Any]] = []

    async def receive() -> dict[str, Any]:
        raise AssertionError("the body must not be read")

    async def send(message: MutableMapping[str, Any]) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "method": "POST",
        "path": URL,
        "headers": [(b"content-length", b"101")],
    }
    async with app.running():
        await app(scope, receive, send)
    assert sent[0]["status"] == 413
    assert json.loads(sent[1]["body"]) == {"status": "rejected", "reason": "too_large"}


async def test_a_streamed_oversized_body_is_cut_off_once_over_the_limit(
    keys: WebhookKeys,
) -> None:
    handler = Recorder()
    app = create_app(handler=handler, public_keys=keys, max_body_bytes=100)
    chunks_read = 0

    async def receive() -> dict[str, Any]:
        nonlocal chunks_read
        chunks_read += 1
        return {"type": "http.request", "body": b"x" * 60, "more_body": True}  # endless

    sent: list[MutableMapping[str, Any]] = []

    async def send(message: MutableMapping[str, Any]) -> None:
        sent.append(message)

    scope = {"type": "http", "method": "POST", "path": URL, "headers": []}
    async with app.running():
        with anyio.fail_after(WAIT):
            await app(scope, receive, send)
    assert sent[0]["status"] == 413
    assert chunks_read == 2  # 120 bytes > 100: stopped right there
    assert handler.events == []


async def test_exactly_the_limit_is_accepted_and_a_bad_length_is_400(
    ed_key: ed25519.Ed25519PrivateKey, keys: WebhookKeys
) -> None:
    body = body_of()
    app = create_app(handler=Recorder(), public_keys=keys, max_body_bytes=len(body))
    async with running(app) as client:
        ok = await client.post(URL, content=body, headers=signed(ed_key, body))
        big = body_of(id="c1x")
        too_big = await client.post(URL, content=big, headers=signed(ed_key, big))
        bad_length = await client.post(
            URL, content=body, headers={**signed(ed_key, body), "content-length": "12abc"}
        )
    assert ok.json() == {"status": "accepted"}
    assert too_big.status_code == 413
    assert (bad_length.status_code, bad_length.json()["reason"]) == (400, "bad_content_length")


async def test_a_client_that_disconnects_mid_body_gets_no_answer(keys: WebhookKeys) -> None:
    handler = Recorder()
    app = create_app(handler=handler, public_keys=keys)
    messages: Iterator[dict[str, Any]] = iter(
        [
            {"type": "http.request", "body": b'{"type":', "more_body": True},
            {"type": "http.disconnect"},
        ]
    )

    async def receive() -> dict[str, Any]:
        return next(messages)

    sent: list[MutableMapping[str, Any]] = []

    async def send(message: MutableMapping[str, Any]) -> None:
        sent.append(message)

    async with app.running():
        await app({"type": "http", "method": "POST", "path": URL, "headers": []}, receive, send)
    assert sent == []
    assert handler.events == []


# -- the worker --------------------------------------------------------------------------------
async def test_a_handler_failure_is_logged_redacted_and_the_app_goes_on(
    ed_key: ed25519.Ed25519PrivateKey,
    keys: WebhookKeys,
    caplog: pytest.LogCaptureFixture,
    store: SQLiteStateStore,
    store_path: Path,
) -> None:
    handler = Recorder(fail_on="wh_bad")
    app = create_app(handler=handler, public_keys=keys, store=store)
    bad, good = body_of(webhookId="wh_bad"), body_of(webhookId="wh_good", id="c2")
    with caplog.at_level(logging.DEBUG, logger="bridge.asgi"):
        async with running(app) as client:
            first = await client.post(URL, content=bad, headers=signed(ed_key, bad))
            second = await client.post(URL, content=good, headers=signed(ed_key, good))
            await idle(app)
            health = (await client.get("/healthz")).json()
    assert first.json() == second.json() == {"status": "accepted"}
    assert [e.webhook_id for e in handler.events] == ["wh_good"]
    assert (health["done"], health["failed"]) == (1, 1)
    assert "RuntimeError" in caplog.text
    assert "wh_bad" in caplog.text
    assert "sekrit-value-123456" not in caplog.text
    rows = inbox(store_path)
    assert rows["wh_bad"][0] == "failed"
    assert rows["wh_good"][0] == "done"


async def test_a_sync_handler_runs_in_a_worker_thread(
    ed_key: ed25519.Ed25519PrivateKey, keys: WebhookKeys
) -> None:
    threads: list[int] = []

    def handler(event: WebhookEvent) -> None:
        threads.append(threading.get_ident())

    app = create_app(handler=handler, public_keys=keys)
    body = body_of()
    async with running(app) as client:
        await client.post(URL, content=body, headers=signed(ed_key, body))
        await idle(app)
    assert len(threads) == 1
    assert threads[0] != threading.get_ident()


async def test_a_sync_handler_returning_an_awaitable_is_awaited(
    ed_key: ed25519.Ed25519PrivateKey, keys: WebhookKeys
) -> None:
    recorder = Recorder()
    app = create_app(handler=lambda event: recorder(event), public_keys=keys)
    body = body_of()
    async with running(app) as client:
        await client.post(URL, content=body, headers=signed(ed_key, body))
        await idle(app)
    assert len(recorder.events) == 1
    assert app.stats()["done"] == 1


async def test_health_reports_queued_and_processing_events(
    ed_key: ed25519.Ed25519PrivateKey, keys: WebhookKeys
) -> None:
    handler = Recorder(gated=True)
    app = create_app(handler=handler, public_keys=keys)
    async with running(app) as client:
        for n in range(3):
            body = body_of(webhookId=f"wh_{n}", id=f"c{n}")
            response = await client.post(URL, content=body, headers=signed(ed_key, body))
            assert response.json() == {"status": "accepted"}  # answered while the handler waits
        await until(lambda: handler.active == 1)
        health = (await client.get("/healthz")).json()
        assert (health["status"], health["queued"], health["processing"]) == ("ok", 2, 1)
        assert handler.gate is not None
        handler.gate.set()
        await idle(app)
        assert (await client.get("/healthz")).json()["queued"] == 0
    assert [e.webhook_id for e in handler.events] == ["wh_0", "wh_1", "wh_2"]


async def test_a_full_queue_answers_429_so_ghl_retries(
    ed_key: ed25519.Ed25519PrivateKey, keys: WebhookKeys
) -> None:
    handler = Recorder(gated=True)
    app = create_app(handler=handler, public_keys=keys, max_queue=1)
    bodies = [body_of(webhookId=f"wh_{n}", id=f"c{n}") for n in range(3)]
    async with running(app) as client:
        await client.post(URL, content=bodies[0], headers=signed(ed_key, bodies[0]))
        await until(lambda: handler.active == 1)  # taken by the worker: no longer queued
        second = await client.post(URL, content=bodies[1], headers=signed(ed_key, bodies[1]))
        third = await client.post(URL, content=bodies[2], headers=signed(ed_key, bodies[2]))
        assert second.json() == {"status": "accepted"}
        assert (third.status_code, third.json()) == (429, {"status": "busy"})
        assert third.headers["retry-after"] == "60"
        assert handler.gate is not None
        handler.gate.set()
        await idle(app)
        # The refused delivery was not remembered: GHL's retry goes through.
        retry = await client.post(URL, content=bodies[2], headers=signed(ed_key, bodies[2]))
        assert retry.json() == {"status": "accepted"}
        await idle(app)
    assert [e.webhook_id for e in handler.events] == ["wh_0", "wh_1", "wh_2"]


async def test_events_about_one_record_never_run_concurrently(
    ed_key: ed25519.Ed25519PrivateKey, keys: WebhookKeys
) -> None:
    handler = Recorder(gated=True)
    app = create_app(handler=handler, public_keys=keys, concurrency=4)
    same = [body_of(webhookId=f"wh_same_{n}", id="c1") for n in range(3)]
    other = body_of(webhookId="wh_other", id="c9")
    async with running(app) as client:
        for body in [*same, other]:
            await client.post(URL, content=body, headers=signed(ed_key, body))
        # c1 and c9 in parallel; the other two c1 events wait for the first.
        await until(lambda: handler.active == 2)
        for _ in range(20):
            await anyio.lowlevel.checkpoint()
        assert handler.active == 2
        assert handler.gate is not None
        handler.gate.set()
        await idle(app)
    assert handler.max_active == 2
    same_order = [e.webhook_id for e in handler.events if e.webhook_id != "wh_other"]
    assert same_order == ["wh_same_0", "wh_same_1", "wh_same_2"]


async def test_a_handler_timeout_marks_the_event_failed(
    ed_key: ed25519.Ed25519PrivateKey, keys: WebhookKeys, caplog: pytest.LogCaptureFixture
) -> None:
    async def stuck(event: WebhookEvent) -> None:
        await anyio.sleep_forever()

    app = create_app(handler=stuck, public_keys=keys, handler_timeout=0.05)
    body = body_of()
    with caplog.at_level(logging.ERROR, logger="bridge.asgi"):
        async with running(app) as client:
            await client.post(URL, content=body, headers=signed(ed_key, body))
            await idle(app)
    assert app.stats()["failed"] == 1
    assert "TimeoutError" in caplog.text


# -- the inbox ---------------------------------------------------------------------------------
async def test_the_store_inbox_keeps_the_raw_body_and_dedupes_across_restarts(
    ed_key: ed25519.Ed25519PrivateKey,
    keys: WebhookKeys,
    store: SQLiteStateStore,
    store_path: Path,
) -> None:
    body = json.dumps(
        {
            "type": "AppointmentCreate",
            "locationId": "loc_1",
            "webhookId": "wh_appt",
            "appointment": {"id": "ap1", "contactId": "c1"},
        }
    ).encode()
    first, second = Recorder(), Recorder()
    for handler in (first, second):  # two processes sharing the state file
        app = create_app(handler=handler, public_keys=keys, store=store)
        async with running(app) as client:
            response = await client.post(URL, content=body, headers=signed(ed_key, body))
            await idle(app)
        assert response.status_code == 200
    assert len(first.events) == 1
    assert isinstance(first.events[0], AppointmentCreateEvent)
    assert second.events == []
    assert inbox(store_path) == {
        "wh_appt": ("done", "appointment", "ap1", body.decode()),
    }


async def test_rows_left_new_by_a_crash_are_replayed_at_startup(
    keys: WebhookKeys, store: SQLiteStateStore, store_path: Path
) -> None:
    raw = body_of(webhookId="wh_left").decode()
    store.add_event(
        Event(
            event_key="wh_left", entity="contact", ghl_id="c1", type="ContactCreate", raw_body=raw
        )
    )
    store.add_event(
        Event(event_key="wh_junk", entity="other", ghl_id=None, type="?", raw_body="not json")
    )
    handler = Recorder()
    app = create_app(handler=handler, public_keys=keys, store=store)
    async with app.running():
        await idle(app)
    assert [e.webhook_id for e in handler.events] == ["wh_left"]
    rows = inbox(store_path)
    assert (rows["wh_left"][0], rows["wh_junk"][0]) == ("done", "failed")

    again = Recorder()
    app = create_app(handler=again, public_keys=keys, store=store)
    async with app.running():
        await idle(app)
    assert again.events == []  # handled rows are not replayed twice


async def test_a_store_failure_answers_429_and_remembers_nothing(
    ed_key: ed25519.Ed25519PrivateKey, keys: WebhookKeys, store_path: Path
) -> None:
    store = SQLiteStateStore(store_path)
    handler = Recorder()
    app = create_app(handler=handler, public_keys=keys, store=store)
    body = body_of()
    async with running(app) as client:
        store.close()  # the disk went away
        response = await client.post(URL, content=body, headers=signed(ed_key, body))
    assert (response.status_code, response.json()) == (429, {"status": "busy"})
    assert handler.events == []


# -- lifespan ----------------------------------------------------------------------------------
async def test_lifespan_starts_the_worker_and_drains_the_queue_on_shutdown(
    ed_key: ed25519.Ed25519PrivateKey, keys: WebhookKeys
) -> None:
    handler = Recorder(gated=True)
    app = create_app(handler=handler, public_keys=keys)
    to_app, app_inbox = anyio.create_memory_object_stream[dict[str, Any]](10)
    from_app, replies = anyio.create_memory_object_stream[dict[str, Any]](10)

    async def send(message: Any) -> None:
        await from_app.send(message)

    async with to_app, app_inbox, from_app, replies, anyio.create_task_group() as tg:
        tg.start_soon(app, {"type": "lifespan"}, app_inbox.receive, send)
        with anyio.fail_after(WAIT):
            await to_app.send({"type": "lifespan.startup"})
            assert (await replies.receive())["type"] == "lifespan.startup.complete"
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
                for n in range(2):
                    body = body_of(webhookId=f"wh_{n}", id=f"c{n}")
                    await client.post(URL, content=body, headers=signed(ed_key, body))
            await to_app.send({"type": "lifespan.shutdown"})
            await until(lambda: handler.active == 1)
            assert app.is_running is False  # no new deliveries during the drain
            assert handler.gate is not None
            handler.gate.set()
            assert (await replies.receive())["type"] == "lifespan.shutdown.complete"
    assert [e.webhook_id for e in handler.events] == ["wh_0", "wh_1"]


async def test_shutdown_gives_up_after_the_timeout_and_keeps_the_row(
    ed_key: ed25519.Ed25519PrivateKey,
    keys: WebhookKeys,
    store: SQLiteStateStore,
    store_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    async def stuck(event: WebhookEvent) -> None:
        await anyio.sleep_forever()

    app = create_app(handler=stuck, public_keys=keys, store=store, shutdown_timeout=0.05)
    body = body_of()
    with caplog.at_level(logging.WARNING, logger="bridge.asgi"), anyio.fail_after(WAIT):
        async with running(app) as client:
            await client.post(URL, content=body, headers=signed(ed_key, body))
            await until(lambda: app.stats()["processing"] == 1)
    assert "not drained" in caplog.text
    assert inbox(store_path)["wh_0001"][0] == "new"  # replayed at the next start


async def test_a_stuck_sync_handler_does_not_block_shutdown(
    ed_key: ed25519.Ed25519PrivateKey, keys: WebhookKeys
) -> None:
    release = threading.Event()
    entered = threading.Event()

    def stuck(event: WebhookEvent) -> None:
        entered.set()
        release.wait(WAIT)

    app = create_app(handler=stuck, public_keys=keys, shutdown_timeout=0.05)
    body = body_of()
    try:
        with anyio.fail_after(WAIT):
            async with running(app) as client:
                await client.post(URL, content=body, headers=signed(ed_key, body))
                await until(entered.is_set)
    finally:
        release.set()
    assert app.stats()["done"] == 0


async def test_a_failing_startup_reports_lifespan_startup_failed(
    keys: WebhookKeys, store_path: Path
) -> None:
    store = SQLiteStateStore(store_path)
    store.close()  # the replay at startup cannot read it
    app = create_app(handler=Recorder(), public_keys=keys, store=store)
    messages = iter([{"type": "lifespan.startup"}])
    sent: list[MutableMapping[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return next(messages)

    async def send(message: MutableMapping[str, Any]) -> None:
        sent.append(message)

    with anyio.fail_after(WAIT):
        await app({"type": "lifespan"}, receive, send)
    assert sent[0]["type"] == "lifespan.startup.failed"
    assert "ProgrammingError" in sent[0]["message"]
    assert app.is_running is False


async def test_running_twice_is_refused(keys: WebhookKeys) -> None:
    app = create_app(handler=Recorder(), public_keys=keys)
    async with app.running():
        with pytest.raises(RuntimeError, match="already running"):
            async with app.running():
                pass  # pragma: no cover


async def test_an_error_inside_running_comes_out_as_itself(keys: WebhookKeys) -> None:
    app = create_app(handler=Recorder(), public_keys=keys)
    with pytest.raises(ValueError, match="boom"):
        async with app.running():
            raise ValueError("boom")
    assert app.is_running is False


async def test_websocket_connections_are_closed(keys: WebhookKeys) -> None:
    app = create_app(handler=Recorder(), public_keys=keys)
    sent: list[MutableMapping[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "websocket.connect"}

    async def send(message: MutableMapping[str, Any]) -> None:
        sent.append(message)

    await app({"type": "websocket", "path": URL}, receive, send)
    assert sent == [{"type": "websocket.close", "code": 1008}]


# -- configuration -----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("changes", "error", "match"),
    [
        ({"handler": "not callable"}, TypeError, "handler must be callable"),
        ({"path": "webhooks"}, ValueError, "path must be a string starting with '/'"),
        ({"path": "/healthz"}, ValueError, "must differ"),
        ({"max_body_bytes": 0}, ValueError, "max_body_bytes must be a positive integer"),
        ({"concurrency": True}, ValueError, "concurrency must be a positive integer"),
        ({"max_queue": 1.5}, ValueError, "max_queue must be a positive integer"),
        ({"shutdown_timeout": -1}, ValueError, "shutdown_timeout"),
        ({"handler_timeout": 0}, ValueError, "handler_timeout"),
        ({"store": ":memory:"}, TypeError, "store must be a StateStore"),
    ],
)
def test_bad_settings_fail_at_creation(
    keys: WebhookKeys, changes: dict[str, Any], error: type[Exception], match: str
) -> None:
    settings: dict[str, Any] = {"handler": Recorder(), "public_keys": keys, **changes}
    with pytest.raises(error, match=match):
        create_app(**settings)


def test_repr_shows_the_setup_not_the_keys(keys: WebhookKeys) -> None:
    text = repr(create_app(handler=Recorder(), public_keys=keys))
    assert text == (
        "WebhookApp(path='/webhooks/ghl', store=no, verify_signatures=True, running=False)"
    )


def test_without_uvicorn_serve_says_what_to_install(
    keys: WebhookKeys, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "uvicorn", None)
    app = create_app(handler=Recorder(), public_keys=keys)
    with pytest.raises(ImportError, match=r"pip install -e '\.\[server\]' from a clone"):
        serve(app)


# -- over real HTTP ----------------------------------------------------------------------------
class LiveServer:
    """``build_server`` on 127.0.0.1, an OS-chosen port, in a background thread."""

    def __init__(self, app: WebhookApp) -> None:
        self.server = build_server(app, "127.0.0.1", 0, log_level="warning")
        self.thread = threading.Thread(target=self.server.run, name="uvicorn-test", daemon=True)

    def __enter__(self) -> str:
        self.thread.start()
        deadline = time.monotonic() + WAIT
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.01)
        port = self.server.servers[0].sockets[0].getsockname()[1]
        return f"http://127.0.0.1:{port}"

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(WAIT)
        assert not self.thread.is_alive(), "uvicorn did not shut down"


def wait_for(condition: Callable[[], bool]) -> None:
    deadline = time.monotonic() + WAIT
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


def test_over_real_http_each_event_is_handled_exactly_once(
    ed_key: ed25519.Ed25519PrivateKey, keys: WebhookKeys, store: SQLiteStateStore, store_path: Path
) -> None:
    seen: list[str | None] = []
    lock = threading.Lock()

    def handler(event: WebhookEvent) -> None:  # sync, like SyncEngine.handle_ghl_event
        with lock:
            seen.append(event.webhook_id)

    app = create_app(handler=handler, public_keys=keys, store=store)
    bodies = [body_of(webhookId=f"wh_live_{n}", id=f"c{n}") for n in range(5)]
    with LiveServer(app) as base, httpx.Client(base_url=base, timeout=WAIT) as client:
        statuses: collections.Counter[str] = collections.Counter()
        for body in bodies:
            for _ in range(3):  # GHL re-delivers; every copy must be acknowledged
                response = client.post(URL, content=body, headers=signed(ed_key, body))
                assert response.status_code == 200
                statuses[response.json()["status"]] += 1
        unsigned = client.post(URL, content=bodies[0])
        too_big = client.post(URL, content=b"x" * 2_000_000, headers=signed(ed_key, b"x"))
        wait_for(lambda: client.get("/healthz").json()["done"] == len(bodies))
        health = client.get("/healthz").json()
    assert statuses == {"accepted": 5, "duplicate": 10}
    assert (unsigned.status_code, unsigned.json()["reason"]) == (401, "unsigned")
    assert too_big.status_code == 413
    assert (health["queued"], health["processing"], health["failed"]) == (0, 0, 0)
    assert collections.Counter(seen) == {f"wh_live_{n}": 1 for n in range(5)}
    assert {state for state, *_ in inbox(store_path).values()} == {"done"}
    assert app.is_running is False  # the lifespan shut the worker down


def test_over_real_http_concurrent_copies_of_one_delivery_are_handled_once(
    ed_key: ed25519.Ed25519PrivateKey, keys: WebhookKeys
) -> None:
    seen: list[str | None] = []

    async def handler(event: WebhookEvent) -> None:
        seen.append(event.webhook_id)

    app = create_app(handler=handler, public_keys=keys)
    body = body_of(webhookId="wh_race")
    answers: list[str] = []
    with LiveServer(app) as base:

        def post() -> None:
            with httpx.Client(base_url=base, timeout=WAIT) as client:
                answers.append(
                    client.post(URL, content=body, headers=signed(ed_key, body)).json()["status"]
                )

        threads = [threading.Thread(target=post) for _ in range(3)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(WAIT)
        with httpx.Client(base_url=base, timeout=WAIT) as client:
            wait_for(lambda: client.get("/healthz").json()["done"] == 1)
    assert sorted(answers) == ["accepted", "duplicate", "duplicate"]
    assert seen == ["wh_race"]
