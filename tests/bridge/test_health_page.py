"""The health page of ``serve``: its access rules over HTTP, and what a person sees in a real
browser (headless Chromium through chromedriver): the failing-record groups, and a review item
that disappears once it is resolved and a pass has run."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from bridge.asgi import StatusPage, build_server, create_app, is_loopback, render_page
from bridge.conflicts import MANUAL
from bridge.ops import Guard, collect_status
from bridge.state import SQLiteStateStore
from bridge.sync import SyncConfig, SyncEngine
from bridge.sync.review import resolve
from bridge.testing import FakeWorld
from tests.bridge.syncworld import edit_ninox
from tests.bridge.webdriver import browser, screenshot

pytest.importorskip("uvicorn")


class Server:
    """The webhook app with its health page, served by uvicorn on 127.0.0.1 in a thread."""

    def __init__(self, page: StatusPage) -> None:
        app = create_app(handler=lambda event: None, verify_signatures=False, status_page=page)
        self.server = build_server(app, "127.0.0.1", 0, log_level="warning")
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()
        for _ in range(400):
            if self.server.started:
                break
            time.sleep(0.025)
        assert self.server.started, "uvicorn did not start"
        [sock] = [s for server in self.server.servers for s in server.sockets]
        self.url = f"http://127.0.0.1:{sock.getsockname()[1]}"

    def close(self) -> None:
        self.server.should_exit = True
        self.thread.join(30)


@pytest.fixture
def scene(tmp_path: Path) -> Iterator[dict[str, Any]]:
    """Three synced contacts; one email conflict in review (MANUAL); two records whose GHL
    update fails (422) and stays unsettled."""
    world = FakeWorld()
    path = tmp_path / "state.sqlite3"
    store = SQLiteStateStore(path)
    engine = SyncEngine(
        world.ghl_client(),
        world.ninox_db(),
        store,
        config=SyncConfig(policies={"contact": {"email": MANUAL}}),
    )
    world.seed_ghl(3, tasks=0, notes=0, appointments=0)
    engine.sync()
    records = world.ninox_records("Contacts")
    gid = records[0]["fields"]["GHL Id"]
    world.ghl.edit_contact(gid, email="ghl.side@example.com")
    edit_ninox(world, "Contacts", records[0]["id"], {"Email": "ninox.side@example.com"})
    for record in records[1:]:
        edit_ninox(world, "Contacts", record["id"], {"First Name": "Changed"})
    world.ghl.fail_next(422, method="PUT", path="/contacts/*", times=None)
    engine.sync()
    yield {"world": world, "store": store, "engine": engine, "path": path, "gid": gid}
    store.close()
    world.close()


def _page(path: Path, **options: Any) -> tuple[StatusPage, SQLiteStateStore]:
    store = SQLiteStateStore(path)  # the server's own connection, as under `serve`
    options.setdefault("open_without_token", True)
    return StatusPage(store, location="loc-1", **options), store


# -- in a real browser -------------------------------------------------------------------------


def test_browser_sees_failing_groups_and_a_review_item_disappear_once_resolved(
    scene: dict[str, Any], chromium: tuple[str, str]
) -> None:
    page, page_store = _page(scene["path"])
    server = Server(page)
    try:
        with browser(*chromium) as b:
            b.get(server.url + "/")
            assert b.title == "ghl-ninox · loc-1"
            assert b.texts("h1") == ["ghl-ninox"]
            assert "Needs attention: 2 failing record(s), 1 item(s) in review." in b.texts(
                "#health"
            )
            [group] = b.texts("#failing tr.failing-group")
            assert group.startswith("UnprocessableEntityError 2 linked; re-read every pass")
            assert b.texts("#failing-count .n") == ["2"]
            [item] = b.texts("#reviews tr.review-item")
            assert item.startswith(f"#1 field_conflict {scene['gid']} email")
            assert '"ghl.side@example.com"' in item
            assert '"ninox.side@example.com"' in item
            assert b.texts("#review-count .n") == ["1"]

            shot = os.environ.get("GHL_NINOX_HEALTH_SCREENSHOT")
            if shot:  # regenerate docs/img/health.png
                screenshot(chromium[0], server.url + "/", Path(shot))

            resolve(scene["store"], 1, keep="ghl")
            scene["engine"].sync()
            b.refresh()
            assert b.find_all("#reviews tr.review-item") == []
            assert b.texts("#no-reviews") == ["Nothing waits for review."]
            assert b.texts("#review-count .n") == ["0"]
            [group] = b.texts("#failing tr.failing-group")  # still failing: still shown
            assert group.startswith("UnprocessableEntityError 2")

            Guard(scene["store"]).pause("auth", "3 passes in a row failed to authenticate")
            b.refresh()
            [banner] = b.texts("#paused")
            assert banner.startswith("Paused since")
            assert "3 passes in a row failed to authenticate" in banner
            assert b.texts("#paused-state .n") == ["yes"]
    finally:
        server.close()
        page_store.close()


# -- over HTTP ----------------------------------------------------------------------------------


def test_status_json_has_the_facts_of_status(scene: dict[str, Any]) -> None:
    page, page_store = _page(scene["path"])
    server = Server(page)
    try:
        doc = httpx.get(server.url + "/status.json").json()
        assert doc == {
            **collect_status(scene["store"], location="loc-1").to_dict(),
            "at": doc["at"],
            "freshness": doc["freshness"],
        }
        assert doc["failing"]["records"] == 2
        assert doc["in_review"] == 1
        assert httpx.get(server.url + "/healthz").json()["status"] == "ok"
        assert httpx.post(server.url + "/").status_code == 405
        assert httpx.head(server.url + "/").status_code == 200
    finally:
        server.close()
        page_store.close()


def test_a_token_protects_both_paths(scene: dict[str, Any]) -> None:
    token = "s3cret-status-token"
    page, page_store = _page(scene["path"], token=token)
    server = Server(page)
    try:
        with httpx.Client(base_url=server.url) as http:
            denied = http.get("/")
            assert denied.status_code == 401
            assert "Status token" in denied.text
            assert token not in denied.text
            assert http.get("/status.json").status_code == 401
            assert http.get("/?token=wrong").status_code == 401
            ok = http.get("/status.json", headers={"authorization": f"Bearer {token}"})
            assert ok.status_code == 200
            login = http.get(f"/?token={token}")
            assert login.status_code == 303
            assert login.headers["location"] == "/"
            assert "HttpOnly" in login.headers["set-cookie"]
            page_html = http.get("/")  # the cookie now
            assert page_html.status_code == 200
            assert token not in page_html.text
            assert http.get("/status.json").status_code == 200
    finally:
        server.close()
        page_store.close()


def test_beyond_loopback_without_a_token_the_page_is_off(tmp_path: Path) -> None:
    page, store = _page(tmp_path / "s.sqlite3", open_without_token=False)
    server = Server(page)
    try:
        response = httpx.get(server.url + "/")
        assert response.status_code == 403
        assert "GHL_NINOX_STATUS_TOKEN" in response.text
    finally:
        server.close()
        store.close()
    assert is_loopback("127.0.0.1")
    assert is_loopback("::1")
    assert is_loopback("localhost")
    assert not is_loopback("0.0.0.0")  # noqa: S104
    assert not is_loopback("192.168.1.5")


def test_the_page_escapes_what_it_shows() -> None:
    store = SQLiteStateStore(":memory:")
    Guard(store).pause("manual", "<script>alert(1)</script>")
    text = render_page(collect_status(store, location="<b>x</b>"))
    assert "<script>alert" not in text
    assert "&lt;script&gt;" in text
    assert "<b>x</b>" not in text
