"""Every fault, sync and async, every method: the right attempts and the right typed error."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from email.utils import format_datetime
from typing import Any

import httpx
import pytest
import respx

from _sdkcore import (
    APIConnectionError,
    APIResponseValidationError,
    APITimeoutError,
    Call,
    InternalServerError,
    RateLimitError,
    RequestSpec,
)
from _sdkcore.parsing import json_body
from _sdkcore.serde import UNSET

from .conftest import BASE, AsyncSleeps, BrokenStream, Sleeps, async_http, sync_http

METHODS = ["GET", "PUT", "DELETE", "POST"]
IDEMPOTENT = {"GET", "PUT", "DELETE"}


def _http_date(seconds_ahead: int) -> str:
    return format_datetime(
        datetime.now(timezone.utc) + timedelta(seconds=seconds_ahead), usegmt=True
    )


# name -> (respx side effect factory, error type, retried for non-idempotent POST?)
FAULTS: dict[str, tuple[Any, type[Exception], bool]] = {
    "429 retry-after seconds": (
        lambda: httpx.Response(429, headers={"Retry-After": "3"}, json={"message": "slow"}),
        RateLimitError,
        True,
    ),
    "429 retry-after http-date": (
        lambda: httpx.Response(429, headers={"Retry-After": _http_date(20)}),
        RateLimitError,
        True,
    ),
    "429 without retry-after": (lambda: httpx.Response(429), RateLimitError, True),
    "500": (lambda: httpx.Response(500, json={"message": "boom"}), InternalServerError, False),
    "502 html": (
        lambda: httpx.Response(
            502,
            text="<html><title>502 Bad Gateway</title><body>nginx</body></html>",
            headers={"content-type": "text/html"},
        ),
        InternalServerError,
        False,
    ),
    "503": (lambda: httpx.Response(503), InternalServerError, False),
    "504": (lambda: httpx.Response(504), InternalServerError, False),
    "connect error": (lambda: httpx.ConnectError("connection refused"), APIConnectionError, True),
    "read timeout": (lambda: httpx.ReadTimeout("timed out"), APITimeoutError, False),
    "dropped mid-body": (
        lambda: httpx.Response(200, stream=BrokenStream()),
        APIConnectionError,
        False,
    ),
}
# 2xx bodies that cannot be parsed: never retried, whatever the method
BAD_BODIES = {
    "200 invalid json": lambda: httpx.Response(200, content=b"{not json"),
    "200 empty body": lambda: httpx.Response(200, content=b""),
}


def _expected_attempts(method: str, retried_for_post: bool) -> int:
    return 3 if (method in IDEMPOTENT or retried_for_post) else 1


def _side_effect(factory: Any) -> Any:
    def effect(request: httpx.Request) -> httpx.Response:
        outcome = factory()
        if isinstance(outcome, Exception):
            raise outcome
        return outcome  # type: ignore[no-any-return]

    return effect


def _call(method: str) -> Call[Any]:
    return Call(
        RequestSpec(
            method=method, path="/things/1", json={"a": 1} if method in ("PUT", "POST") else UNSET
        ),
        json_body,
    )


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("fault", list(FAULTS))
def test_sync_fault(fault: str, method: str, sleeps: Sleeps) -> None:
    factory, error, retried_for_post = FAULTS[fault]
    with respx.mock(base_url=BASE) as mock:
        route = mock.route(method=method, url=f"{BASE}/things/1").mock(
            side_effect=_side_effect(factory)
        )
        http = sync_http(sleeps)
        with pytest.raises(error) as info:
            http.execute(_call(method))
    attempts = _expected_attempts(method, retried_for_post)
    assert route.call_count == attempts
    assert len(sleeps) == attempts - 1
    _check_error(fault, info.value, sleeps)


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("fault", list(FAULTS))
async def test_async_fault(fault: str, method: str, async_sleeps: AsyncSleeps) -> None:
    factory, error, retried_for_post = FAULTS[fault]
    with respx.mock(base_url=BASE) as mock:
        route = mock.route(method=method, url=f"{BASE}/things/1").mock(
            side_effect=_side_effect(factory)
        )
        http = async_http(async_sleeps)
        with pytest.raises(error) as info:
            await http.execute(_call(method))
    attempts = _expected_attempts(method, retried_for_post)
    assert route.call_count == attempts
    assert len(async_sleeps) == attempts - 1
    _check_error(fault, info.value, async_sleeps)


def _check_error(fault: str, exc: Exception, sleeps: list[float]) -> None:
    if fault == "429 retry-after seconds":
        assert sleeps == [3.0, 3.0]
        assert isinstance(exc, RateLimitError)
        assert exc.retry_after == 3.0
        assert exc.message == "slow"
    elif fault == "429 retry-after http-date":
        assert all(15.0 <= s <= 20.0 for s in sleeps)
    elif fault in ("429 without retry-after", "503") and sleeps:
        assert sleeps == [0.25, 0.5]  # full jitter with rand=0.5: 0.5*0.5, 0.5*1.0
    if fault == "502 html":
        assert isinstance(exc, InternalServerError)
        assert exc.status_code == 502
        assert "502 Bad Gateway" in str(exc)
        assert "<html>" not in str(exc)
    if fault == "500":
        assert isinstance(exc, InternalServerError)
        assert exc.body == {"message": "boom"}
        assert "boom" in str(exc)
        assert "Retry later" in str(exc)


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("fault", list(BAD_BODIES))
def test_sync_bad_body_is_not_retried(fault: str, method: str, sleeps: Sleeps) -> None:
    with respx.mock(base_url=BASE) as mock:
        route = mock.route(method=method, url=f"{BASE}/things/1").mock(
            side_effect=_side_effect(BAD_BODIES[fault])
        )
        with pytest.raises(APIResponseValidationError) as info:
            sync_http(sleeps).execute(_call(method))
    assert route.call_count == 1
    assert info.value.status_code == 200
    assert ("empty body" if "empty" in fault else "not valid JSON") in str(info.value)


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("fault", list(BAD_BODIES))
async def test_async_bad_body_is_not_retried(
    fault: str, method: str, async_sleeps: AsyncSleeps
) -> None:
    with respx.mock(base_url=BASE) as mock:
        route = mock.route(method=method, url=f"{BASE}/things/1").mock(
            side_effect=_side_effect(BAD_BODIES[fault])
        )
        with pytest.raises(APIResponseValidationError):
            await async_http(async_sleeps).execute(_call(method))
    assert route.call_count == 1


@pytest.mark.parametrize("method", METHODS)
def test_recovers_after_transient_faults(method: str, sleeps: Sleeps) -> None:
    responses = [httpx.Response(429), httpx.Response(200, json={"ok": True})]
    with respx.mock(base_url=BASE) as mock:
        route = mock.route(method=method, url=f"{BASE}/things/1").mock(side_effect=responses)
        assert sync_http(sleeps).execute(_call(method)) == {"ok": True}
    assert route.call_count == 2


def test_idempotent_post_is_retried_after_a_5xx(sleeps: Sleeps) -> None:
    with respx.mock(base_url=BASE) as mock:
        route = mock.post("/things/1").mock(
            side_effect=[httpx.Response(502), httpx.Response(200, json={"new": False})]
        )
        spec = RequestSpec(method="POST", path="/things/1", json={}, idempotent=True)
        assert sync_http(sleeps).execute(Call(spec, json_body)) == {"new": False}
    assert route.call_count == 2


def test_retry_after_beyond_the_cap_raises_at_once(sleeps: Sleeps) -> None:
    with respx.mock(base_url=BASE) as mock:
        route = mock.get("/things/1").mock(
            return_value=httpx.Response(429, headers={"Retry-After": "3600"})
        )
        with pytest.raises(RateLimitError) as info:
            sync_http(sleeps).execute(_call("GET"))
    assert route.call_count == 1
    assert info.value.retry_after == 3600.0
    assert sleeps == []
