"""Pause means pause for webhooks: while the location is paused, ``serve`` accepts and stores
every delivery but applies none; once the pause ends the held ones are handled, in order,
each once (also across a restart while paused)."""

from __future__ import annotations

import json
import logging
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import anyio
import httpx
import pytest

from bridge.asgi import WebhookApp, create_app
from bridge.ops import Guard
from bridge.state import SQLiteStateStore
from bridge.sync import SyncEngine
from bridge.testing import FakeWorld
from ghlsdk.webhooks import WebhookEvent

URL = "/webhooks/ghl"
WAIT = 10.0  # an upper bound on waits; nothing asserts on wall time
POLL = 0.01


def delivery(n: int) -> bytes:
    return json.dumps(
        {"type": "ContactUpdate", "locationId": "loc", "id": f"c{n}", "webhookId": f"wh_{n}"}
    ).encode()


class Recorder:
    def __init__(self) -> None:
        self.seen: list[str | None] = []

    async def __call__(self, event: WebhookEvent) -> None:
        self.seen.append(event.webhook_id)


@asynccontextmanager
async def running(app: WebhookApp) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with app.running(), httpx.AsyncClient(transport=transport, base_url="http://t") as c:
        yield c


async def until(condition: object) -> None:
    with anyio.fail_after(WAIT):
        while not condition():  # type: ignore[operator]  # noqa: ASYNC110
            await anyio.sleep(POLL)


def states(path: Path) -> dict[str, str]:
    with sqlite3.connect(path) as db:
        return dict(db.execute("SELECT event_key, state FROM events"))


def app_for(store: SQLiteStateStore, handler: object, **options: object) -> WebhookApp:
    return create_app(
        handler=handler,  # type: ignore[arg-type]
        store=store,
        verify_signatures=False,
        pause_poll=POLL,
        **options,  # type: ignore[arg-type]
    )


async def test_paused_deliveries_are_stored_not_applied_then_drained_in_order(
    tmp_path: Path,
) -> None:
    path = tmp_path / "state.sqlite3"
    store = SQLiteStateStore(path)
    guard = Guard(store, location="loc")
    guard.pause("manual", "maintenance")
    handler = Recorder()
    app = app_for(store, handler)
    async with running(app) as client:
        answers = [(await client.post(URL, content=delivery(n))).json() for n in range(3)]
        assert answers == [{"status": "accepted"}] * 3
        await until(lambda: app.stats()["held"] == 3)
        await anyio.sleep(POLL * 5)  # several pause checks pass: still nothing applied
        assert handler.seen == []
        assert set(states(path).values()) == {"new"}
        assert (await client.get("/healthz")).json()["held"] == 3
        guard.resume("maintenance done")
        await until(lambda: len(handler.seen) == 3)
        await app.wait_idle()
        assert handler.seen == ["wh_0", "wh_1", "wh_2"]
        assert app.stats()["held"] == 0
    assert states(path) == {"wh_0": "done", "wh_1": "done", "wh_2": "done"}
    store.close()


async def test_a_restart_while_paused_keeps_them_and_handles_each_once(tmp_path: Path) -> None:
    path = tmp_path / "state.sqlite3"
    store = SQLiteStateStore(path)
    guard = Guard(store, location="loc")
    guard.pause("auth", "the token was refused")
    first = Recorder()
    app = app_for(store, first)
    async with running(app) as client:
        for n in range(2):
            await client.post(URL, content=delivery(n))
        await until(lambda: app.stats()["held"] == 2)
    assert first.seen == []
    assert set(states(path).values()) == {"new"}  # the server stopped: nothing lost

    second = Recorder()
    app = app_for(store, second)
    async with running(app) as client:  # replayed from the inbox, held again
        await until(lambda: app.stats()["held"] == 2)
        assert second.seen == []
        guard.resume()
        await until(lambda: len(second.seen) == 2)
        await client.post(URL, content=delivery(0))  # a re-delivery of a handled one
        await app.wait_idle()
    assert second.seen == ["wh_0", "wh_1"]
    assert set(states(path).values()) == {"done"}
    store.close()


async def test_an_unreadable_pause_flag_holds_rather_than_applies(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    store = SQLiteStateStore(tmp_path / "state.sqlite3")
    broken = {"on": True}

    def paused() -> bool:
        if broken["on"]:
            raise RuntimeError("database is locked")
        return False

    handler = Recorder()
    app = app_for(store, handler, paused=paused)
    caplog.set_level(logging.ERROR, logger="bridge.asgi")
    async with running(app) as client:
        await client.post(URL, content=delivery(1))
        await until(lambda: app.stats()["held"] == 1)
        assert handler.seen == []
        assert "could not read the pause flag" in caplog.text
        broken["on"] = False
        await until(lambda: handler.seen == ["wh_1"])
    store.close()


async def test_the_pause_can_be_ignored_and_a_store_less_app_has_none(tmp_path: Path) -> None:
    store = SQLiteStateStore(tmp_path / "state.sqlite3")
    Guard(store, location="loc").pause("manual", "x")
    handler = Recorder()
    app = app_for(store, handler, paused=lambda: False)
    async with running(app) as client:
        await client.post(URL, content=delivery(1))
        await until(lambda: handler.seen == ["wh_1"])
    store.close()
    assert create_app(handler=handler, verify_signatures=False).paused is None
    with pytest.raises(ValueError, match="pause_poll"):
        create_app(handler=handler, verify_signatures=False, pause_poll=0)


async def test_the_engine_applies_nothing_while_paused_and_catches_up_on_resume(
    tmp_path: Path,
) -> None:
    world = FakeWorld()
    gid = world.ghl.add_contact(firstName="Ada", email="ada@example.com")["id"]
    store = SQLiteStateStore(tmp_path / "state.sqlite3")
    engine = SyncEngine(world.ghl_client(), world.ninox_db(), store)
    engine.sync()
    guard = Guard(store, location=world.ghl.location_id)
    guard.pause("manual", "maintenance")
    app = app_for(store, engine.handle_ghl_event)
    async with running(app) as client:
        world.ghl.edit_contact(gid, email="ada@lovelace.org")
        answer = await client.post(URL, json=world.ghl.events[-1])
        assert answer.json() == {"status": "accepted"}
        await until(lambda: app.stats()["held"] == 1)
        [record] = world.ninox_records("Contacts")
        assert record["fields"]["Email"] == "ada@example.com"  # paused: not applied
        guard.resume()
        await until(lambda: app.stats()["done"] == 1)
    [record] = world.ninox_records("Contacts")
    assert record["fields"]["Email"] == "ada@lovelace.org"
    store.close()
    world.close()
