"""Client construction, hosts, auth, secrets, politeness (concurrency, gap, retries)."""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

import anyio
import httpx
import pytest
import respx

from ninoxsdk import (
    AsyncNinoxClient,
    AuthenticationError,
    InternalServerError,
    NinoxClient,
    RateLimiter,
    RateLimitError,
    RetryPolicy,
    Window,
)

KEY = "3a9d5c1e-aaaa-bbbb-cccc-ddddeeeeffff"
CLIENTS: list[type[Any]] = [NinoxClient, AsyncNinoxClient]


@pytest.mark.parametrize("cls", CLIENTS)
def test_hosts(cls: type[Any]) -> None:
    assert cls(api_key=KEY).base_url == "https://api.ninox.com/v1"
    assert cls.private_cloud("myteam", api_key=KEY).base_url == "https://myteam.ninoxdb.de/v1"
    assert (
        cls.private_cloud("my-team", api_key=KEY, domain="ninox.com").base_url
        == "https://my-team.ninox.com/v1"
    )
    assert cls.on_premise("https://ninox.example.com/", api_key=KEY).base_url == (
        "https://ninox.example.com/v1"
    )
    assert cls.on_premise("https://10.0.0.5:8443/v1", api_key=KEY).base_url == (
        "https://10.0.0.5:8443/v1"
    )
    assert cls(api_key=KEY, base_url="http://localhost:8080/v1").base_url == (
        "http://localhost:8080/v1"
    )


@pytest.mark.parametrize("cls", CLIENTS)
@pytest.mark.parametrize(
    ("factory", "match"),
    [
        (lambda c: c.private_cloud("evil.com/x", api_key=KEY), "host label"),
        (lambda c: c.private_cloud("team", api_key=KEY, domain="evil.com"), "domain"),
        (lambda c: c.on_premise("", api_key=KEY), "server URL"),
        (lambda c: c.on_premise("http://ninox.example.com", api_key=KEY), "https"),
        (lambda c: c(api_key=KEY, base_url="https://x.org/v1?x=1"), "query"),
        (lambda c: c(api_key=KEY, chunk_size=0), "chunk_size"),
        (lambda c: c(api_key=KEY, per_page=0), "per_page"),
        (lambda c: c(api_key=KEY, delete_many="sometimes"), "delete_many"),
        (lambda c: c(api_key=KEY, schema_source="x"), "schema_source"),
        (lambda c: c(api_key=KEY, min_interval=-1), "min_interval"),
        (lambda c: c(api_key=KEY, max_concurrency=0), "max_concurrency"),
    ],
)
def test_bad_configuration_is_rejected(cls: type[Any], factory: Any, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        factory(cls)


@pytest.mark.parametrize("cls", CLIENTS)
def test_api_key_from_environment_or_error(cls: type[Any], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NINOX_API_KEY", raising=False)
    with pytest.raises(ValueError, match="NINOX_API_KEY"):
        cls()
    monkeypatch.setenv("NINOX_API_KEY", KEY)
    assert cls()._api_key == KEY


@pytest.mark.parametrize("cls", CLIENTS)
def test_repr_hides_the_key(cls: type[Any]) -> None:
    nx = cls(api_key=KEY)
    assert KEY not in repr(nx)
    assert "api_key='***'" in repr(nx)
    assert KEY not in repr(nx._http.core.auth)


def test_polite_defaults() -> None:
    nx = NinoxClient(api_key=KEY)
    config = nx._http.core.config
    assert config.max_concurrency == 1
    assert config.limiter is not None
    assert config.limiter.windows == (Window(1, 0.25),)
    assert config.retry.retry_statuses == frozenset({429, 502, 503, 504})
    assert 500 not in config.retry.retry_statuses
    assert NinoxClient(api_key=KEY, min_interval=0)._http.core.config.limiter is None
    assert NinoxClient(api_key=KEY, max_retries=0)._http.core.config.retry.max_retries == 0


@respx.mock(base_url="https://api.ninox.com/v1", assert_all_called=False)
def test_min_interval_spaces_requests(respx_mock: respx.MockRouter) -> None:
    respx_mock.get("/teams").respond(json=[])
    now = [100.0]
    limiter = RateLimiter([Window(1, 0.5)], clock=lambda: now[0])
    nx = NinoxClient(api_key=KEY, rate_limiter=limiter)
    sleeps: list[float] = []
    nx._http._sleep = sleeps.append
    for _ in range(3):
        nx.teams.list()
    assert sleeps == [0.5, 1.0]  # the clock is frozen: each request waits one more gap


@respx.mock(base_url="https://api.ninox.com/v1", assert_all_called=False)
def test_one_request_in_flight_per_client(respx_mock: respx.MockRouter) -> None:
    in_flight = 0
    peak = 0
    lock = threading.Lock()

    def slow(request: httpx.Request) -> httpx.Response:
        nonlocal in_flight, peak
        with lock:
            in_flight += 1
            peak = max(peak, in_flight)
        time.sleep(0.02)
        with lock:
            in_flight -= 1
        return httpx.Response(200, json=[])

    respx_mock.get("/teams").mock(side_effect=slow)
    nx = NinoxClient(api_key=KEY, min_interval=0)
    threads = [threading.Thread(target=nx.teams.list) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert respx_mock.calls.call_count == 6
    assert peak == 1


async def test_async_one_request_in_flight(respx_mock: respx.MockRouter) -> None:
    in_flight = 0
    peak = 0

    async def slow(request: httpx.Request) -> httpx.Response:
        nonlocal in_flight, peak
        in_flight += 1
        peak = max(peak, in_flight)
        await anyio.sleep(0.01)
        in_flight -= 1
        return httpx.Response(200, json=[])

    respx_mock.get("https://api.ninox.com/v1/teams").mock(side_effect=slow)
    nx = AsyncNinoxClient(api_key=KEY, min_interval=0)
    async with anyio.create_task_group() as tg:
        for _ in range(5):
            tg.start_soon(nx.teams.list)
    assert peak == 1
    nx2 = AsyncNinoxClient(api_key=KEY, min_interval=0, max_concurrency=None)
    peak = 0
    async with anyio.create_task_group() as tg:
        for _ in range(5):
            tg.start_soon(nx2.teams.list)
    assert peak > 1


def _sync_no_sleep(**kwargs: Any) -> NinoxClient:
    nx = NinoxClient(api_key=KEY, min_interval=0, **kwargs)
    nx._http._sleep = lambda s: None
    return nx


@respx.mock(base_url="https://api.ninox.com/v1", assert_all_called=False)
def test_429_backs_off_and_honours_retry_after(respx_mock: respx.MockRouter) -> None:
    route = respx_mock.get("/teams").mock(
        side_effect=[
            httpx.Response(429, headers={"Retry-After": "2"}, json={"message": "Too many"}),
            httpx.Response(200, json=[{"id": "t", "name": "n"}]),
        ]
    )
    nx = _sync_no_sleep()
    waits: list[float] = []
    nx._http._sleep = waits.append
    assert nx.teams.list()[0].id == "t"
    assert route.call_count == 2
    assert waits == [2.0]


@pytest.mark.parametrize("status", [502, 503, 504])
@respx.mock(base_url="https://api.ninox.com/v1", assert_all_called=False)
def test_gateway_errors_are_retried_on_reads(respx_mock: respx.MockRouter, status: int) -> None:
    route = respx_mock.get("/teams").mock(
        side_effect=[httpx.Response(status), httpx.Response(200, json=[])]
    )
    assert _sync_no_sleep().teams.list() == []
    assert route.call_count == 2


@respx.mock(base_url="https://api.ninox.com/v1", assert_all_called=False)
def test_500_is_not_retried_even_on_reads(respx_mock: respx.MockRouter) -> None:
    route = respx_mock.get("/teams").respond(500, json={"message": "boom"})
    with pytest.raises(InternalServerError, match="boom"):
        _sync_no_sleep().teams.list()
    assert route.call_count == 1


@respx.mock(base_url="https://api.ninox.com/v1", assert_all_called=False)
def test_rate_limit_error_after_retries(respx_mock: respx.MockRouter) -> None:
    route = respx_mock.get("/teams").respond(429, json={"message": "Too many requests"})
    with pytest.raises(RateLimitError, match="max_concurrency"):
        _sync_no_sleep(max_retries=1).teams.list()
    assert route.call_count == 2


@respx.mock(base_url="https://api.ninox.com/v1", assert_all_called=False)
def test_auth_error_never_leaks_the_key(
    respx_mock: respx.MockRouter, caplog: pytest.LogCaptureFixture
) -> None:
    respx_mock.get("/teams").respond(401, text=f"bad key Bearer {KEY}")
    caplog.set_level(logging.DEBUG)
    with pytest.raises(AuthenticationError) as info:
        _sync_no_sleep().teams.list()
    assert KEY not in str(info.value)
    assert "Integrations" in str(info.value)
    assert KEY not in caplog.text
    assert respx_mock.calls[0].request.headers["authorization"] == f"Bearer {KEY}"


@respx.mock(base_url="https://api.ninox.com/v1", assert_all_called=False)
def test_with_options_shares_pool_and_schema_cache(respx_mock: respx.MockRouter) -> None:
    respx_mock.get("/teams").respond(json=[])
    nx = _sync_no_sleep()
    quick = nx.with_options(timeout=3.0, max_retries=0)
    assert quick._http._client is nx._http._client
    assert quick._ctx is nx._ctx  # the schema caches
    assert quick._http.core.config.retry.max_retries == 0
    assert quick._http.core.config.timeout == 3.0
    assert nx._http.core.config.retry.max_retries == 3
    quick.teams.list()
    assert respx_mock.calls[0].request.extensions["timeout"]["read"] == 3.0


def test_context_managers_close_only_owned_clients() -> None:
    own = httpx.Client()
    with NinoxClient(api_key=KEY, http_client=own):
        pass
    assert not own.is_closed
    own.close()
    with NinoxClient(api_key=KEY) as nx:
        inner = nx._http._client
    assert inner.is_closed


async def test_async_context_manager() -> None:
    async with AsyncNinoxClient(api_key=KEY) as nx:
        inner = nx._http._client
    assert inner.is_closed


def test_database_handles_share_schema_cache() -> None:
    nx = NinoxClient(api_key=KEY)
    a = nx.database("T1", "db1")
    b = nx.database("T1", "db1")
    assert a._ctx.cache is b._ctx.cache
    assert nx.database("T1", "db2")._ctx.cache is not a._ctx.cache
    assert repr(a) == "DatabaseHandle(team_id='T1', database_id='db1')"
    assert repr(a.table("Contacts")) == "TableHandle('Contacts', typed=True)"


def test_custom_retry_policy() -> None:
    policy = RetryPolicy(max_retries=5, retry_statuses=frozenset({429}))
    nx = NinoxClient(api_key=KEY, retry=policy, max_retries=1)
    assert nx._http.core.config.retry.max_retries == 1
    assert nx._http.core.config.retry.retry_statuses == frozenset({429})


async def test_async_with_options(respx_mock: respx.MockRouter) -> None:
    respx_mock.get("https://api.ninox.com/v1/teams").respond(json=[])
    async with AsyncNinoxClient(api_key=KEY, min_interval=0) as nx:
        quick = nx.with_options(timeout=2.0)
        assert quick._http._client is nx._http._client
        assert await quick.teams.list() == []
    assert respx_mock.calls[0].request.extensions["timeout"]["read"] == 2.0


async def test_async_with_options_shares_the_concurrency_cap(respx_mock: respx.MockRouter) -> None:
    in_flight = 0
    peak = 0

    async def slow(request: httpx.Request) -> httpx.Response:
        nonlocal in_flight, peak
        in_flight += 1
        peak = max(peak, in_flight)
        await anyio.sleep(0.01)
        in_flight -= 1
        return httpx.Response(200, json=[])

    respx_mock.get("https://api.ninox.com/v1/teams").mock(side_effect=slow)
    nx = AsyncNinoxClient(api_key=KEY, min_interval=0)
    other = nx.with_options(timeout=5.0)
    async with anyio.create_task_group() as tg:
        for client in (nx, other, nx, other):
            tg.start_soon(client.teams.list)
    assert peak == 1
