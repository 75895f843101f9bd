"""The clients: construction, credentials and secrets, location and scope checks, Version
header, options, errors, retries, rate limits — sync and async."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import datetime
from typing import Any

import httpx
import pytest
import respx

from ghlsdk import (
    DEFAULT_WINDOWS,
    APIResponseValidationError,
    AsyncGHLClient,
    AuthenticationError,
    BadRequestError,
    DuplicateContactError,
    GHLClient,
    InternalServerError,
    MissingScopeError,
    NotFoundBadRequestError,
    NotFoundError,
    PermissionDeniedError,
    RateLimiter,
    RateLimitError,
    RateLimitInfo,
    RequestOptions,
    UnprocessableEntityError,
)
from tests.ghlsdk._client_helpers import (
    BASE,
    CONTACT_JSON,
    LOCATION,
    TOKEN,
    aghl,
    ghl,
    json_of,
    shared_ahttp,
    shared_http,
)

__all__ = ["aghl", "ghl", "shared_ahttp", "shared_http"]

OK_CONTACT = httpx.Response(200, json={"contact": CONTACT_JSON})


def make(shared_http: httpx.Client, **kwargs: Any) -> GHLClient:
    kwargs.setdefault("token", TOKEN)
    return GHLClient(http_client=shared_http, **kwargs)


class Sleeps(list[float]):
    def __call__(self, seconds: float) -> None:
        self.append(seconds)


class ASleeps(list[float]):
    async def __call__(self, seconds: float) -> None:
        self.append(seconds)


# ---------------------------------------------------------------- construction


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"token": None}, ValueError, "no credentials"),
        ({"auth": object()}, TypeError, "SyncAuth"),
        ({"token": ""}, ValueError, "non-empty"),
        ({"token": "abc def"}, ValueError, "whitespace"),
        ({"token": "abcdef\n"}, ValueError, "whitespace"),
        ({"location_id": " "}, ValueError, "location_id"),
        ({"max_retries": -1}, ValueError, "max_retries"),
        ({"base_url": "http://example.com"}, ValueError, "https"),
        ({"api_version": ""}, ValueError, "api_version"),
    ],
)
def test_bad_construction(
    shared_http: httpx.Client, kwargs: dict[str, Any], error: type, match: str
) -> None:
    kwargs.setdefault("token", TOKEN)
    if "auth" in kwargs:
        kwargs["token"] = None
    with pytest.raises(error, match=match):
        GHLClient(http_client=shared_http, **kwargs)


def test_token_and_auth_together_refused() -> None:
    class Auth:
        def headers(self) -> Mapping[str, str]:
            return {}

        def refresh(self, rejected: Mapping[str, str]) -> bool:
            return False

    with pytest.raises(ValueError, match="either"):
        GHLClient(token=TOKEN, auth=Auth())


def test_wrong_http_client_kind() -> None:
    with pytest.raises(TypeError, match=r"httpx\.Client"):
        GHLClient(token=TOKEN, http_client=httpx.AsyncClient())  # type: ignore[arg-type]


async def test_async_client_needs_async_auth() -> None:
    class SyncOnly:
        def headers(self) -> Mapping[str, str]:
            return {}

        def refresh(self, rejected: Mapping[str, str]) -> bool:
            return False

    with pytest.raises(TypeError, match="AsyncAuth"):
        AsyncGHLClient(auth=SyncOnly())  # type: ignore[arg-type]


def test_token_never_in_repr_or_logs(ghl: GHLClient, caplog: pytest.LogCaptureFixture) -> None:
    assert TOKEN not in repr(ghl)
    assert TOKEN not in repr(ghl._ctx)
    assert TOKEN not in repr(ghl._ctx.auth)
    body = {"statusCode": 401, "message": f"Invalid token: {TOKEN}"}
    with caplog.at_level(logging.DEBUG, logger="ghlsdk"), respx.mock() as mock:
        mock.get(BASE + "/contacts/c1").mock(return_value=httpx.Response(401, json=body))
        with pytest.raises(AuthenticationError) as info:
            ghl.contacts.get("c1")
    assert TOKEN not in str(info.value)
    assert TOKEN not in repr(info.value.messages)
    assert TOKEN not in caplog.text
    assert "GET /contacts/c1 -> 401" in caplog.text


def test_owned_pool_closed_and_borrowed_one_not() -> None:
    own = GHLClient(token=TOKEN)
    own.close()
    assert own._http._client.is_closed
    borrowed = httpx.Client()
    with GHLClient(token=TOKEN, http_client=borrowed):
        pass
    assert not borrowed.is_closed
    borrowed.close()


# ---------------------------------------------------------------- location, scopes, version


def test_missing_location_fails_before_request(shared_http: httpx.Client) -> None:
    ghl = make(shared_http)
    with respx.mock() as mock:
        mock.get(BASE + "/contacts/c1").mock(return_value=OK_CONTACT)
        for call in (
            lambda: ghl.contacts.create(email="a@b.c"),
            lambda: ghl.contacts.upsert(email="a@b.c"),
            lambda: ghl.contacts.list(),
            lambda: ghl.contacts.search("x"),
            lambda: ghl.contacts.list_by_business("b"),
            lambda: ghl.contacts.find_duplicate(email="a@b.c"),
        ):
            with pytest.raises(ValueError, match="location_id"):
                call()
        assert mock.calls.call_count == 0
        # calls that do not need a location work without one
        assert ghl.contacts.get("c1").id == CONTACT_JSON["id"]


@pytest.mark.parametrize("bad", ["", "a/b", "..", " c1"])
def test_bad_ids_fail_before_request(ghl: GHLClient, bad: str) -> None:
    with respx.mock() as mock, pytest.raises(ValueError, match="contact_id"):
        ghl.contacts.get(bad)
    assert mock.calls.call_count == 0


def test_bad_arguments_fail_before_request(ghl: GHLClient) -> None:
    with respx.mock() as mock:
        with pytest.raises(TypeError, match="wrap a single one"):
            ghl.tags.add("c1", "vip")
        with pytest.raises(ValueError, match="must not be empty"):
            ghl.tags.remove("c1", [])
        with pytest.raises(ValueError, match="timezone-aware"):
            ghl.tasks.create("c1", title="t", due_date=datetime(2024, 1, 1))
        with pytest.raises(ValueError, match="no field"):
            ghl.contacts.update("c1")
        with pytest.raises(ValueError, match="no field"):
            ghl.notes.update("c1", "n1")
        with pytest.raises(ValueError, match="title"):
            ghl.tasks.create("c1", title=" ", due_date="2024-01-01T00:00:00Z")
        with pytest.raises(TypeError, match="first_name"):
            ghl.contacts.update("c1", first_name=3)  # type: ignore[arg-type]
        with pytest.raises(ValueError, match="email= or number="):
            ghl.contacts.find_duplicate()
        with pytest.raises(TypeError, match="RequestOptions"):
            ghl.contacts.get("c1", options={"timeout": 1})  # type: ignore[arg-type]
    assert mock.calls.call_count == 0


def test_write_with_readonly_scope_raises_missing_scope(shared_http: httpx.Client) -> None:
    ghl = make(shared_http, location_id=LOCATION, scopes="contacts.readonly")
    with respx.mock() as mock:
        mock.get(BASE + "/contacts/c1").mock(return_value=OK_CONTACT)
        with pytest.raises(MissingScopeError, match=r"'contacts\.write'") as info:
            ghl.contacts.create(email="a@b.c")
        assert info.value.scope == "contacts.write"
        assert info.value.operation == "contacts.create"
        with pytest.raises(MissingScopeError, match=r"tags\.add"):
            ghl.tags.add("c1", ["x"])
        assert mock.calls.call_count == 0
        assert ghl.contacts.get("c1").id == CONTACT_JSON["id"]


def test_scopes_from_auth_are_read_at_call_time(shared_http: httpx.Client) -> None:
    class ScopedAuth:
        def __init__(self) -> None:
            self.scopes: Any = ["contacts.readonly"]

        def headers(self) -> Mapping[str, str]:
            return {"Authorization": "Bearer oauth-access-token"}

        def refresh(self, rejected: Mapping[str, str]) -> bool:
            return False

    auth = ScopedAuth()
    ghl = GHLClient(auth=auth, location_id=LOCATION, http_client=shared_http)
    with respx.mock() as mock:
        route = mock.post(BASE + "/contacts/c1/tags").mock(
            return_value=httpx.Response(201, json={"tags": ["x"]})
        )
        with pytest.raises(MissingScopeError):
            ghl.tags.add("c1", ["x"])
        auth.scopes = "contacts.readonly contacts.write"  # e.g. after re-authorization
        assert ghl.tags.add("c1", ["x"]) == ["x"]
    assert route.calls.last.request.headers["Authorization"] == "Bearer oauth-access-token"


def test_unknown_scopes_check_nothing_and_write_implies_read(shared_http: httpx.Client) -> None:
    ghl = make(shared_http, scopes=["contacts.write"])
    with respx.mock() as mock:
        mock.get(BASE + "/contacts/c1").mock(return_value=OK_CONTACT)
        assert ghl.contacts.get("c1").id == CONTACT_JSON["id"]
    none_known = make(shared_http)
    with respx.mock() as mock:
        mock.delete(BASE + "/contacts/c1").mock(
            return_value=httpx.Response(200, json={"succeded": True})
        )
        assert none_known.contacts.delete("c1") is None


def test_version_override_client_and_call(shared_http: httpx.Client) -> None:
    ghl = make(shared_http, api_version="2023-02-21")
    with respx.mock() as mock:
        route = mock.get(BASE + "/contacts/c1").mock(return_value=OK_CONTACT)
        ghl.contacts.get("c1")
        assert route.calls.last.request.headers["Version"] == "2023-02-21"
        ghl.contacts.get("c1", options=RequestOptions(extra_headers={"version": "v3"}))
        assert route.calls.last.request.headers.get_list("Version") == ["v3"]


def test_request_options_per_call(ghl: GHLClient) -> None:
    with respx.mock() as mock:
        route = mock.get(BASE + "/contacts/c1").mock(return_value=OK_CONTACT)
        ghl.contacts.get(
            "c1",
            options=RequestOptions(
                timeout=3.0, extra_headers={"X-Debug": "1"}, extra_query={"probe": "y"}
            ),
        )
    request = route.calls.last.request
    assert request.headers["X-Debug"] == "1"
    assert request.url.params["probe"] == "y"
    assert request.extensions["timeout"]["read"] == 3.0


def test_with_options_shares_pool_and_state(shared_http: httpx.Client) -> None:
    ghl = make(shared_http, location_id=LOCATION, max_retries=0)
    other = ghl.with_options(max_retries=3, timeout=7.0, location_id="loc2")
    assert other._http._client is ghl._http._client
    assert other.location_id == "loc2"
    assert ghl.location_id == LOCATION
    sleeps = Sleeps()
    other._http._sleep = sleeps
    with respx.mock() as mock:
        route = mock.get(BASE + "/contacts/c1").mock(
            side_effect=[httpx.Response(503), httpx.Response(503), OK_CONTACT]
        )
        other.contacts.create  # noqa: B018 - resources are rebound on the copy
        assert other.contacts.get("c1").id == CONTACT_JSON["id"]
    assert route.call_count == 3
    assert len(sleeps) == 2
    assert route.calls.last.request.extensions["timeout"]["read"] == 7.0
    other.close()  # does not close the shared pool
    assert not shared_http.is_closed


# ---------------------------------------------------------------- errors


@pytest.mark.parametrize(
    ("status", "body", "cls"),
    [
        (400, {"statusCode": 400, "message": "Invalid field contact_name"}, BadRequestError),
        (401, {"statusCode": 401, "message": "Invalid JWT"}, AuthenticationError),
        (
            403,
            {"statusCode": 403, "message": "The token does not have access"},
            PermissionDeniedError,
        ),
        (404, {"statusCode": 404, "message": "Not Found"}, NotFoundError),
        (
            422,
            {"statusCode": 422, "message": ["property x should not exist"], "error": "U"},
            UnprocessableEntityError,
        ),
        (429, {"message": "Too many"}, RateLimitError),
        (500, {"message": "boom"}, InternalServerError),
    ],
)
def test_error_mapping(ghl: GHLClient, status: int, body: Any, cls: type) -> None:
    with respx.mock() as mock:
        mock.get(BASE + "/contacts/c1").mock(
            return_value=httpx.Response(status, json={**body, "traceId": "tr-1"})
        )
        with pytest.raises(cls) as info:
            ghl.contacts.get("c1")
    err = info.value
    assert type(err) is cls
    assert err.status_code == status
    assert err.request_id == "tr-1"
    assert "tr-1" in str(err)
    assert "GET /contacts/c1" in str(err)


def test_duplicate_contact_error(ghl: GHLClient) -> None:
    body = {
        "statusCode": 400,
        "message": "This location does not allow duplicated contacts.",
        "meta": {"contactId": "dup1", "contactName": "Rosan", "matchingField": "email"},
    }
    with respx.mock() as mock:
        mock.post(BASE + "/contacts/").mock(return_value=httpx.Response(400, json=body))
        with pytest.raises(DuplicateContactError) as info:
            ghl.contacts.create(email="rosan@deos.com")
    err = info.value
    assert isinstance(err, BadRequestError)
    assert (err.contact_id, err.matching_field, err.contact_name) == ("dup1", "email", "Rosan")
    assert "upsert" in str(err)


def test_not_found_as_400(ghl: GHLClient) -> None:
    with respx.mock() as mock:
        mock.get(BASE + "/contacts/zz").mock(
            return_value=httpx.Response(400, json={"message": "Contact with id zz not found"})
        )
        with pytest.raises(NotFoundError) as info:
            ghl.contacts.get("zz")
    assert isinstance(info.value, NotFoundBadRequestError)
    assert isinstance(info.value, BadRequestError)


@pytest.mark.parametrize(
    "response",
    [
        httpx.Response(200, json={"contacts": []}),
        httpx.Response(200, text="<html>oops</html>"),
        httpx.Response(200, json={"contact": {"id": 5}}),
    ],
)
def test_bad_success_body_is_validation_error(ghl: GHLClient, response: httpx.Response) -> None:
    with respx.mock() as mock:
        mock.get(BASE + "/contacts/c1").mock(return_value=response)
        with pytest.raises(APIResponseValidationError):
            ghl.contacts.get("c1")


def test_delete_reporting_failure_raises(ghl: GHLClient) -> None:
    with respx.mock() as mock:
        mock.delete(BASE + "/contacts/c1").mock(
            return_value=httpx.Response(200, json={"succeded": False})
        )
        with pytest.raises(APIResponseValidationError, match="succeded=false"):
            ghl.contacts.delete("c1")


async def test_async_error_mapping(aghl: AsyncGHLClient) -> None:
    body = {"message": "dup", "meta": {"contactId": "d2", "matchingField": "phone"}}
    with respx.mock() as mock:
        mock.post(BASE + "/contacts/").mock(return_value=httpx.Response(400, json=body))
        with pytest.raises(DuplicateContactError) as info:
            await aghl.contacts.create(phone="+1555")
    assert info.value.matching_field == "phone"


# ---------------------------------------------------------------- retries and rate limits


def test_get_retried_on_5xx_post_not(shared_http: httpx.Client) -> None:
    ghl = make(shared_http, location_id=LOCATION, max_retries=2)
    sleeps = Sleeps()
    ghl._http._sleep = sleeps
    with respx.mock() as mock:
        get = mock.get(BASE + "/contacts/c1").mock(side_effect=[httpx.Response(502), OK_CONTACT])
        assert ghl.contacts.get("c1").id == CONTACT_JSON["id"]
        assert get.call_count == 2
        create = mock.post(BASE + "/contacts/").mock(return_value=httpx.Response(502))
        with pytest.raises(InternalServerError):
            ghl.contacts.create(email="a@b.c")
        assert create.call_count == 1  # a create may have happened: never resent
        upsert = mock.post(BASE + "/contacts/upsert").mock(
            side_effect=[
                httpx.Response(502),
                httpx.Response(200, json={"new": False, "contact": CONTACT_JSON}),
            ]
        )
        assert ghl.contacts.upsert(email="a@b.c").new is False
        assert upsert.call_count == 2  # upsert is declared idempotent
    assert len(sleeps) == 2


def _limited(status: int = 429, **headers: str) -> httpx.Response:
    return httpx.Response(status, json={"message": "Too Many Requests"}, headers=headers)


def test_429_without_retry_after_waits_for_the_limiter(shared_http: httpx.Client) -> None:
    # The 429 says the window is full; no slot of ours explains it, so the limiter counts the
    # window as used now and the retry waits for it (not a blind window on top of that).
    ghl = make(shared_http, max_retries=2)
    sleeps = Sleeps()
    ghl._http._sleep = sleeps
    with respx.mock() as mock:
        route = mock.post(BASE + "/contacts/c1/tags").mock(
            side_effect=[_limited(), httpx.Response(201, json={"tags": ["a"]})]
        )
        assert ghl.tags.add("c1", ["a"]) == ["a"]
    assert route.call_count == 2
    assert [s for s in sleeps if s > 0] == [pytest.approx(10.0, abs=0.5)]


def test_429_without_retry_after_or_limiter_waits_burst_window(
    shared_http: httpx.Client,
) -> None:
    ghl = make(shared_http, max_retries=2, rate_limiting=False)
    sleeps = Sleeps()
    ghl._http._sleep = sleeps
    with respx.mock() as mock:
        route = mock.post(BASE + "/contacts/c1/tags").mock(
            side_effect=[
                _limited(**{"X-RateLimit-Interval-Milliseconds": "8000"}),
                _limited(),
                httpx.Response(201, json={"tags": ["a"]}),
            ]
        )
        assert ghl.tags.add("c1", ["a"]) == ["a"]  # a POST is resent after 429: not processed
    assert route.call_count == 3
    assert sleeps == [8.0, 10.0]


def test_429_honours_retry_after(shared_http: httpx.Client) -> None:
    ghl = make(shared_http, max_retries=1)
    sleeps = Sleeps()
    ghl._http._sleep = sleeps
    with respx.mock() as mock:
        mock.get(BASE + "/contacts/c1").mock(
            side_effect=[_limited(**{"Retry-After": "2"}), OK_CONTACT]
        )
        ghl.contacts.get("c1")
    # Retry-After first; the limiter (on the real clock, which these recorded sleeps do not
    # move) then waits at most what is left of it.
    assert sleeps[0] == 2.0
    assert all(s <= 2.0 for s in sleeps[1:])


def test_429_with_daily_quota_exhausted_is_not_retried(shared_http: httpx.Client) -> None:
    ghl = make(shared_http, max_retries=3)
    sleeps = Sleeps()
    ghl._http._sleep = sleeps
    with respx.mock() as mock:
        route = mock.get(BASE + "/contacts/c1").mock(
            return_value=_limited(
                **{"X-RateLimit-Daily-Remaining": "0", "X-RateLimit-Limit-Daily": "200000"}
            )
        )
        with pytest.raises(RateLimitError, match="daily request quota") as info:
            ghl.contacts.get("c1")
    assert route.call_count == 1
    assert sleeps == []
    assert ghl.rate_limit is not None
    assert ghl.rate_limit.daily_remaining == 0
    assert info.value.status_code == 429


def test_rate_limit_info_from_headers(ghl: GHLClient) -> None:
    assert ghl.rate_limit is None
    headers = {
        "X-RateLimit-Limit-Daily": "200000",
        "X-RateLimit-Daily-Remaining": "199990",
        "X-RateLimit-Interval-Milliseconds": "10000",
        "X-RateLimit-Max": "100",
        "X-RateLimit-Remaining": "97",
    }
    with respx.mock() as mock:
        mock.get(BASE + "/contacts/c1").mock(
            return_value=httpx.Response(200, json={"contact": CONTACT_JSON}, headers=headers)
        )
        ghl.contacts.get("c1")
    info = ghl.rate_limit
    assert isinstance(info, RateLimitInfo)
    assert (info.burst_limit, info.burst_remaining, info.burst_interval) == (100, 97, 10.0)
    assert (info.daily_limit, info.daily_remaining) == (200000, 199990)
    assert ghl.with_options(timeout=1.0).rate_limit == info  # shared with copies


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_default_budget_100_per_10s_per_location(shared_http: httpx.Client) -> None:
    clock = FakeClock()
    limiter = RateLimiter(DEFAULT_WINDOWS, clock=clock)
    ghl = make(shared_http, location_id=LOCATION, rate_limiter=limiter)
    other_location = ghl.with_options(location_id="loc2")
    sleeps = Sleeps()
    ghl._http._sleep = sleeps
    other_location._http._sleep = sleeps
    with respx.mock() as mock:
        mock.get(BASE + "/contacts/c1").mock(return_value=OK_CONTACT)
        for _ in range(100):
            ghl.contacts.get("c1")
        assert sleeps == []
        other_location.contacts.get("c1")  # another location has its own budget
        assert sleeps == []
        ghl.contacts.get("c1")
    assert sleeps == [pytest.approx(10.0)]


def test_limiter_learns_from_headers(shared_http: httpx.Client) -> None:
    clock = FakeClock()
    limiter = RateLimiter(DEFAULT_WINDOWS, clock=clock)
    ghl = make(shared_http, location_id=LOCATION, rate_limiter=limiter)
    sleeps = Sleeps()
    ghl._http._sleep = sleeps
    spent = {"X-RateLimit-Remaining": "0", "X-RateLimit-Max": "100"}
    with respx.mock() as mock:
        mock.get(BASE + "/contacts/c1").mock(
            return_value=httpx.Response(200, json={"contact": CONTACT_JSON}, headers=spent)
        )
        ghl.contacts.get("c1")  # another process used the rest of the window
        assert sleeps == []
        ghl.contacts.get("c1")
    assert sleeps == [pytest.approx(10.0)]


def test_rate_limiting_can_be_disabled(shared_http: httpx.Client) -> None:
    ghl = make(shared_http, rate_limiting=False)
    assert ghl._http.core.config.limiter is None
    sleeps = Sleeps()
    ghl._http._sleep = sleeps
    with respx.mock() as mock:
        mock.get(BASE + "/contacts/c1").mock(return_value=OK_CONTACT)
        for _ in range(120):
            ghl.contacts.get("c1")
    assert sleeps == []


async def test_async_retry_and_rate_limit(shared_ahttp: httpx.AsyncClient) -> None:
    aghl = AsyncGHLClient(token=TOKEN, http_client=shared_ahttp, max_retries=2)
    sleeps = ASleeps()
    aghl._http._sleep = sleeps
    headers = {"X-RateLimit-Remaining": "50", "X-RateLimit-Max": "100"}
    with respx.mock() as mock:
        mock.get(BASE + "/contacts/c1").mock(
            side_effect=[
                _limited(),
                httpx.Response(200, json={"contact": CONTACT_JSON}, headers=headers),
            ]
        )
        contact = await aghl.contacts.get("c1")
    assert contact.id == CONTACT_JSON["id"]
    assert [s for s in sleeps if s > 0] == [pytest.approx(10.0, abs=0.5)]
    assert aghl.rate_limit is not None
    assert aghl.rate_limit.burst_remaining == 50


def test_401_refreshes_once_and_replays(shared_http: httpx.Client) -> None:
    class Rotating:
        def __init__(self) -> None:
            self.token = "old-access-token"
            self.refreshes = 0

        def headers(self) -> Mapping[str, str]:
            return {"Authorization": f"Bearer {self.token}"}

        def refresh(self, rejected: Mapping[str, str]) -> bool:
            self.refreshes += 1
            self.token = "new-access-token"
            return True

    auth = Rotating()
    ghl = GHLClient(auth=auth, http_client=shared_http)
    with respx.mock() as mock:
        route = mock.put(BASE + "/contacts/c1").mock(
            side_effect=[
                httpx.Response(401, json={"message": "Invalid JWT"}),
                httpx.Response(200, json={"succeded": True, "contact": CONTACT_JSON}),
            ]
        )
        ghl.contacts.update("c1", first_name="x")
    assert auth.refreshes == 1
    sent = [c.request.headers["Authorization"] for c in route.calls]
    assert sent == ["Bearer old-access-token", "Bearer new-access-token"]
    assert [json_of(c.request) for c in route.calls] == [{"firstName": "x"}] * 2
