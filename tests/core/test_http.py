"""The send loops: auth refresh, options, limits, errors, pagination, secrets."""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping
from typing import Any

import anyio
import httpx
import pytest
import respx

from _sdkcore import (
    APIConnectionError,
    AsyncPager,
    AuthenticationError,
    BadRequestError,
    Call,
    HTTPConfig,
    NotFoundError,
    Page,
    RateLimiter,
    RequestOptions,
    RequestSpec,
    StaticAuth,
    SyncHTTP,
    SyncPager,
    UnprocessableEntityError,
    Window,
)
from _sdkcore.errors import APIStatusError
from _sdkcore.logging import register_secret
from _sdkcore.parsing import json_body

from .conftest import BASE, TOKEN, AsyncSleeps, Sleeps, async_http, make_config, sync_http


class RotatingAuth:
    """Hands out token-1, and token-2 after one refresh."""

    def __init__(self, can_refresh: bool = True) -> None:
        self.token = "token-1"
        self.refreshes = 0
        self.can_refresh = can_refresh

    def headers(self) -> Mapping[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def refresh(self, rejected: Mapping[str, str]) -> bool:
        self.refreshes += 1
        if not self.can_refresh:
            return False
        self.token = "token-2"
        return True

    async def aheaders(self) -> Mapping[str, str]:
        return self.headers()

    async def arefresh(self, rejected: Mapping[str, str]) -> bool:
        return self.refresh(rejected)


def _auth_checking_route(request: httpx.Request) -> httpx.Response:
    if request.headers["authorization"] == "Bearer token-2":
        return httpx.Response(200, json={"ok": True})
    return httpx.Response(401, json={"message": "Invalid JWT"})


def test_401_refreshes_once_and_replays_once(sleeps: Sleeps) -> None:
    auth = RotatingAuth()
    with respx.mock(base_url=BASE) as mock:
        route = mock.get("/me").mock(side_effect=_auth_checking_route)
        http = SyncHTTP(make_config(), auth=auth, sleep=sleeps)
        assert http.execute(Call(RequestSpec(method="GET", path="/me"), json_body)) == {"ok": True}
    assert auth.refreshes == 1
    assert route.call_count == 2
    assert sleeps == []  # the replay is outside the retry budget and immediate


async def test_async_401_that_persists_raises_after_one_replay(async_sleeps: AsyncSleeps) -> None:
    auth = RotatingAuth()
    with respx.mock(base_url=BASE) as mock:
        route = mock.get("/me").mock(return_value=httpx.Response(401, json={"message": "nope"}))
        http = async_http(async_sleeps)
        http = type(http)(make_config(), auth=auth, sleep=async_sleeps)
        with pytest.raises(AuthenticationError, match="nope"):
            await http.execute(Call(RequestSpec(method="GET", path="/me"), json_body))
    assert auth.refreshes == 1
    assert route.call_count == 2


def test_401_without_refresh_raises_at_once(sleeps: Sleeps) -> None:
    auth = RotatingAuth(can_refresh=False)
    with respx.mock(base_url=BASE) as mock:
        route = mock.get("/me").mock(side_effect=_auth_checking_route)
        with pytest.raises(AuthenticationError):
            SyncHTTP(make_config(), auth=auth, sleep=sleeps).send(
                RequestSpec(method="GET", path="/me")
            )
    assert route.call_count == 1


def test_request_building_and_per_call_options(sleeps: Sleeps) -> None:
    seen: list[httpx.Request] = []
    with respx.mock(base_url=BASE) as mock:
        mock.post("/items").mock(side_effect=lambda r: seen.append(r) or httpx.Response(201))
        http = sync_http(sleeps, headers={"Version": "2021-07-28"})
        spec = RequestSpec(
            method="POST",
            path="/items",
            params={"a": 1, "flag": True, "skip": None, "many": ["x", "y"]},
            json={"name": "Ada", "note": None},
            headers={"X-Op": "create"},
            options=RequestOptions(
                timeout=1.5, extra_headers={"X-Trace": "t1"}, extra_query={"debug": False}
            ),
        )
        response = http.send(spec)
    assert response.status_code == 201
    request = seen[0]
    assert request.url.params.multi_items() == [
        ("a", "1"),
        ("flag", "true"),
        ("many", "x"),
        ("many", "y"),
        ("debug", "false"),
    ]
    assert request.headers["version"] == "2021-07-28"
    assert request.headers["x-op"] == "create"
    assert request.headers["x-trace"] == "t1"
    assert request.headers["authorization"] == f"Bearer {TOKEN}"
    assert request.extensions["timeout"]["read"] == 1.5
    assert request.read() == b'{"name":"Ada","note":null}'


def test_per_call_max_retries_overrides_client(sleeps: Sleeps) -> None:
    with respx.mock(base_url=BASE) as mock:
        route = mock.get("/x").mock(return_value=httpx.Response(503))
        with pytest.raises(APIStatusError):
            sync_http(sleeps).send(
                RequestSpec(method="GET", path="/x", options=RequestOptions(max_retries=0))
            )
    assert route.call_count == 1


def test_with_config_shares_the_pool(sleeps: Sleeps) -> None:
    http = sync_http(sleeps)
    quick = http.with_config(timeout=2.0)
    assert quick._client is http._client
    assert quick.core.config.timeout == 2.0
    assert http.core.config.timeout != 2.0
    quick.close()
    assert not http._client.is_closed  # the copy does not own the pool
    http.close()
    assert http._client.is_closed


def test_injected_client_is_not_closed(sleeps: Sleeps) -> None:
    client = httpx.Client()
    with SyncHTTP(make_config(), http_client=client, sleep=sleeps):
        pass
    assert not client.is_closed
    client.close()


@pytest.mark.parametrize(
    ("status", "body", "cls", "message"),
    [
        (400, {"statusCode": 400, "message": "Bad email"}, BadRequestError, "Bad email"),
        (
            404,
            {"message": "Contact not found", "traceId": "tr-1"},
            NotFoundError,
            "Contact not found",
        ),
        (
            422,
            {
                "statusCode": 422,
                "message": ["property x should not exist", "email bad"],
                "error": "Unprocessable Entity",
            },
            UnprocessableEntityError,
            "property x should not exist; email bad",
        ),
        (418, {"error": {"message": "teapot", "code": "TEAPOT"}}, APIStatusError, "teapot"),
        (409, "plain text conflict", APIStatusError, "plain text conflict"),
    ],
)
def test_error_bodies_are_parsed(
    status: int, body: Any, cls: type[APIStatusError], message: str, sleeps: Sleeps
) -> None:
    with respx.mock(base_url=BASE) as mock:
        if isinstance(body, str):
            mock.get("/x").mock(
                return_value=httpx.Response(status, text=body, headers={"x-request-id": "rq-9"})
            )
        else:
            mock.get("/x").mock(return_value=httpx.Response(status, json=body))
        with pytest.raises(cls) as info:
            sync_http(sleeps).send(RequestSpec(method="GET", path="/x"))
    err = info.value
    assert err.status_code == status
    assert err.message == message
    assert message in str(err)
    assert "GET /v1/x" in str(err)
    if status == 404:
        assert err.request_id == "tr-1"
        assert "tr-1" in str(err)
    if status == 422:
        assert err.messages == ("property x should not exist", "email bad")
    if isinstance(body, str):
        assert err.request_id == "rq-9"


def test_error_factory_and_note_hooks(sleeps: Sleeps) -> None:
    class Duplicate(BadRequestError):
        pass

    def factory(
        response: httpx.Response, body: object, messages: tuple[str, ...], request_id: str | None
    ) -> APIStatusError | None:
        if isinstance(body, dict) and "meta" in body:
            return Duplicate("duplicate", response=response, body=body)
        return None

    with respx.mock(base_url=BASE) as mock:
        mock.post("/dup").mock(return_value=httpx.Response(400, json={"meta": {"id": 1}}))
        mock.post("/other").mock(return_value=httpx.Response(500, json={"message": "x"}))
        http = sync_http(
            sleeps, error_factory=factory, error_note=lambda spec, r: "often a misspelled field"
        )
        with pytest.raises(Duplicate):
            http.send(RequestSpec(method="POST", path="/dup"))
        with pytest.raises(APIStatusError, match="often a misspelled field"):
            http.send(RequestSpec(method="POST", path="/other"))


def test_observe_sees_every_response_and_limiter_waits(sleeps: Sleeps) -> None:
    observed: list[int] = []
    clock = [0.0]
    limiter = RateLimiter([Window(2, 10.0)], clock=lambda: clock[0])
    with respx.mock(base_url=BASE) as mock:
        mock.get("/x").mock(return_value=httpx.Response(200, json={}))
        http = sync_http(
            sleeps, limiter=limiter, observe=lambda spec, r: observed.append(r.status_code)
        )
        for _ in range(3):
            http.send(RequestSpec(method="GET", path="/x", rate_key="loc-1"))
    assert observed == [200, 200, 200]
    assert sleeps == [10.0]


def test_concurrency_cap_holds_across_threads(sleeps: Sleeps) -> None:
    in_flight = 0
    peak = 0
    lock = threading.Lock()
    gate = threading.Event()

    def slow(request: httpx.Request) -> httpx.Response:
        nonlocal in_flight, peak
        with lock:
            in_flight += 1
            peak = max(peak, in_flight)
        gate.wait(0.05)
        with lock:
            in_flight -= 1
        return httpx.Response(200)

    http = SyncHTTP(
        make_config(max_concurrency=2),
        http_client=httpx.Client(transport=httpx.MockTransport(slow)),
        sleep=sleeps,
    )
    threads = [
        threading.Thread(target=http.send, args=(RequestSpec(method="GET", path="/"),))
        for _ in range(8)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert peak == 2


async def test_async_concurrency_cap(async_sleeps: AsyncSleeps) -> None:
    in_flight = 0
    peak = 0

    async def slow(request: httpx.Request) -> httpx.Response:
        nonlocal in_flight, peak
        in_flight += 1
        peak = max(peak, in_flight)
        await anyio.sleep(0.01)
        in_flight -= 1
        return httpx.Response(200)

    http = type(async_http(async_sleeps))(
        make_config(max_concurrency=1),
        http_client=httpx.AsyncClient(transport=httpx.MockTransport(slow)),
        sleep=async_sleeps,
    )
    async with anyio.create_task_group() as tg:
        for _ in range(5):
            tg.start_soon(http.send, RequestSpec(method="GET", path="/"))
    assert peak == 1


# -- pagination ----------------------------------------------------------------------------


def _cursor_pages(request: httpx.Request) -> httpx.Response:
    after = int(request.url.params.get("after", "0"))
    items = list(range(after, min(after + 3, 8)))
    nxt = items[-1] + 1 if items and items[-1] + 1 < 8 else None
    return httpx.Response(200, json={"items": items, "next": nxt})


def _parse_page(spec: RequestSpec, response: httpx.Response) -> Page[int]:
    body = json_body(response)
    nxt = body["next"]
    return Page(
        items=body["items"],
        next=None if nxt is None else spec.with_params(after=nxt),
        response=response,
    )


def test_sync_pager_walks_every_page(sleeps: Sleeps) -> None:
    with respx.mock(base_url=BASE) as mock:
        route = mock.get("/items").mock(side_effect=_cursor_pages)
        pager = SyncPager(sync_http(sleeps), RequestSpec(method="GET", path="/items"), _parse_page)
        assert list(pager) == list(range(8))
        assert route.call_count == 3
        assert [len(p.items) for p in pager.iter_pages()] == [3, 3, 2]
        assert pager.to_list(limit=4) == [0, 1, 2, 3]
        assert pager.first_page().items == [0, 1, 2]


async def test_async_pager_walks_every_page(async_sleeps: AsyncSleeps) -> None:
    with respx.mock(base_url=BASE) as mock:
        mock.get("/items").mock(side_effect=_cursor_pages)
        pager = AsyncPager(
            async_http(async_sleeps), RequestSpec(method="GET", path="/items"), _parse_page
        )
        assert [i async for i in pager] == list(range(8))
        assert await pager.to_list(limit=2) == [0, 1]
        assert (await pager.first_page()).items == [0, 1, 2]


def test_pages_are_fetched_through_the_retry_path(sleeps: Sleeps) -> None:
    with respx.mock(base_url=BASE) as mock:
        route = mock.get("/items").mock(
            side_effect=[
                httpx.Response(200, json={"items": [1], "next": 5}),
                httpx.Response(503),
                httpx.Response(200, json={"items": [2], "next": None}),
            ]
        )
        pager = SyncPager(sync_http(sleeps), RequestSpec(method="GET", path="/items"), _parse_page)
        assert list(pager) == [1, 2]
    assert route.call_count == 3
    assert len(sleeps) == 1


def test_repeated_cursor_stops_instead_of_looping(
    sleeps: Sleeps, caplog: pytest.LogCaptureFixture
) -> None:
    with respx.mock(base_url=BASE) as mock:
        route = mock.get("/items").mock(
            return_value=httpx.Response(200, json={"items": [1], "next": 7})
        )
        pager = SyncPager(sync_http(sleeps), RequestSpec(method="GET", path="/items"), _parse_page)
        with caplog.at_level(logging.WARNING):
            assert list(pager) == [1, 1]
    assert route.call_count == 2
    assert "again" in caplog.text


# -- secrets -------------------------------------------------------------------------------


def test_token_never_in_errors_reprs_or_debug_logs(
    sleeps: Sleeps, caplog: pytest.LogCaptureFixture
) -> None:
    register_secret(TOKEN)
    echo = {"message": f"Invalid token: {TOKEN}", "access_token": TOKEN}
    with respx.mock(base_url=BASE) as mock:
        mock.get("/me").mock(return_value=httpx.Response(401, json=echo))
        mock.get("/down").mock(side_effect=httpx.ConnectError(f"refused Bearer {TOKEN}"))
        http = sync_http(sleeps)
        with caplog.at_level(logging.DEBUG):
            logging.getLogger("testsdk.http").debug("sending %s", {"Authorization": TOKEN})
            with pytest.raises(AuthenticationError) as auth_err:
                http.send(RequestSpec(method="GET", path="/me"))
            with pytest.raises(APIConnectionError) as conn_err:
                http.send(RequestSpec(method="GET", path="/down"))
    texts = [
        str(auth_err.value),
        repr(auth_err.value),
        auth_err.value.message,
        str(conn_err.value),
        repr(http),
        repr(http.core.auth),
        repr(StaticAuth({"Authorization": f"Bearer {TOKEN}"})),
        caplog.text,
        *(r.getMessage() for r in caplog.records),
    ]
    for text in texts:
        assert TOKEN not in text
    assert "[REDACTED]" in str(auth_err.value)


def test_config_is_validated_before_any_request() -> None:
    with pytest.raises(ValueError, match="plain http"):
        SyncHTTP(HTTPConfig(base_url="http://api.example.com"))


async def test_async_copies_share_the_concurrency_cap(async_sleeps: AsyncSleeps) -> None:
    in_flight = 0
    peak = 0

    async def slow(request: httpx.Request) -> httpx.Response:
        nonlocal in_flight, peak
        in_flight += 1
        peak = max(peak, in_flight)
        await anyio.sleep(0.01)
        in_flight -= 1
        return httpx.Response(200)

    http = type(async_http(async_sleeps))(
        make_config(max_concurrency=1),
        http_client=httpx.AsyncClient(transport=httpx.MockTransport(slow)),
        sleep=async_sleeps,
    )
    copy = http.with_config(timeout=2.0)  # made before the first request
    async with anyio.create_task_group() as tg:
        for client in (http, copy, http, copy):
            tg.start_soon(client.send, RequestSpec(method="GET", path="/"))
    assert peak == 1


@pytest.mark.parametrize(
    ("per_call", "expected"),
    [
        ({}, {"user-agent": "sdk/1", "accept": "application/json", "version": "v1"}),
        ({"VERSION": "v2"}, {"user-agent": "sdk/1", "accept": "application/json", "version": "v2"}),
        ({"accept": "text/csv"}, {"user-agent": "sdk/1", "accept": "text/csv", "version": "v1"}),
    ],
)
def test_static_headers_merge_with_per_call_overrides(
    per_call: dict[str, str], expected: dict[str, str], sleeps: Sleeps
) -> None:
    seen: list[httpx.Request] = []
    with respx.mock(base_url=BASE) as mock:
        mock.get("/h").mock(side_effect=lambda r: seen.append(r) or httpx.Response(204))
        http = sync_http(
            sleeps, headers={"User-Agent": "sdk/1", "Accept": "application/json", "Version": "v1"}
        )
        http.send(
            RequestSpec(method="GET", path="/h", options=RequestOptions(extra_headers=per_call))
        )
    headers = seen[0].headers
    for name, value in expected.items():
        assert headers.get_list(name) == [value]  # exactly one, the right one
    assert headers["authorization"] == f"Bearer {TOKEN}"
