"""The health page of ``serve``: its access rules over HTTP, and what a person sees in a real
browser (headless Chromium through chromedriver): the failing-record groups, and a review item
that disappears once a person resolves it with its button; and the resolve form's guards
(the access token, the form token, POST only, same origin)."""

from __future__ import annotations

import os
import re
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
from bridge.state import ReviewItem, SQLiteStateStore
from bridge.sync import SyncConfig, SyncEngine
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

            [keep_ghl] = b.find_all("#review-1 button.keep-ghl")
            assert b.texts("#review-1 button") == ["Keep GHL", "Keep Ninox"]
            b.click(keep_ghl)  # a plain form POST, then back to the page
            for _ in range(200):  # the click may return before the next page has loaded
                if b.find_all("#notice"):
                    break
                time.sleep(0.05)
            assert b.texts("#notice") == ["Review item #1 resolved; the next pass carries it out."]
            assert b.find_all("#reviews tr.review-item") == []
            assert b.texts("#no-reviews") == ["Nothing waits for review."]
            assert b.texts("#review-count .n") == ["0"]
            item = scene["store"].review(1)
            assert (item.status, item.resolution) == ("resolved", '{"keep": "ghl"}')
            scene["engine"].sync()  # carries it out: GHL's email on both sides
            [record] = [
                r
                for r in scene["world"].ninox_records("Contacts")
                if r["fields"]["GHL Id"] == scene["gid"]
            ]
            assert record["fields"]["Email"] == "ghl.side@example.com"
            b.refresh()
            assert b.find_all("#reviews tr.review-item") == []
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


def _form_token(page_html: str) -> str:
    [token] = re.findall(r'name="form_token" value="([0-9a-f]+)"', page_html)
    return token


def test_a_resolution_needs_the_access_token_and_the_form_token(scene: dict[str, Any]) -> None:
    token = "s3cret-status-token"
    page, page_store = _page(scene["path"], token=token)
    server = Server(page)
    try:
        with httpx.Client(base_url=server.url) as http:
            form = {"id": "1", "action": "keep:ninox"}
            # no access token: refused before the form is read
            assert http.post("/review/resolve", data=form).status_code == 401
            assert http.post(f"/review/resolve?token={token}", data=form).status_code == 401
            http.get(f"/?token={token}")  # signed in (the cookie)
            page_html = http.get("/").text
            good = _form_token(page_html)
            assert token not in page_html
            assert good != token
            # signed in, but without this page's form token: a post from another site
            assert http.post("/review/resolve", data=form).status_code == 403
            bad = {**form, "form_token": "0" * len(good)}
            assert http.post("/review/resolve", data=bad).status_code == 403
            other_site = http.post(
                "/review/resolve",
                data={**form, "form_token": good},
                headers={"origin": "https://evil.example"},
            )
            assert other_site.status_code == 403
            assert "another site" in other_site.text
            assert http.get("/review/resolve").status_code == 405
            unknown = http.post(
                "/review/resolve", data={**form, "action": "drop", "form_token": good}
            )
            assert unknown.status_code == 400
            item = scene["store"].review(1)
            assert (item.status, item.resolution) == ("open", None)  # nothing recorded yet

            done = http.post("/review/resolve", data={**form, "form_token": good})
            assert done.status_code == 303
            assert done.headers["location"] == "/?resolved=1"
            item = scene["store"].review(1)
            assert (item.status, item.resolution) == ("resolved", '{"keep": "ninox"}')
            again = http.post("/review/resolve", data={**form, "form_token": good})
            assert again.status_code == 409
            assert "no longer open" in again.text
    finally:
        server.close()
        page_store.close()


def test_an_open_page_still_needs_its_form_token(scene: dict[str, Any]) -> None:
    page, page_store = _page(scene["path"])
    server = Server(page)
    try:
        form = {"id": "1", "action": "keep:ghl"}
        assert httpx.post(server.url + "/review/resolve", data=form).status_code == 403
        good = _form_token(httpx.get(server.url + "/").text)
        mass = scene["store"].add_review(
            ReviewItem(
                kind="mass_delete",
                source_ref="contact:12",
                fields=("g1",),
                base_values={"g1": 1},
                ghl_values={"g1": "present"},
                ninox_values={"g1": "deleted"},
            )
        )
        page_html = httpx.get(server.url + "/").text
        assert 'value="approve" class="approve">Approve deletes</button>' in page_html
        answer = httpx.post(
            server.url + "/review/resolve",
            data={"id": str(mass.review_id), "action": "keep:ghl", "form_token": good},
        )
        assert answer.status_code == 409  # a mass delete is approved or rejected, not kept
        answer = httpx.post(
            server.url + "/review/resolve",
            data={"id": str(mass.review_id), "action": "approve", "form_token": good},
        )
        assert answer.status_code == 303
        assert scene["store"].review(mass.review_id).resolution == '{"approve": true}'
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
