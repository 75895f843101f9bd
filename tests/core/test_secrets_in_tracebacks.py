"""No raw credential in a raised error, its chain, its formatted traceback, its repr, the
request it keeps, or a log record with ``exc_info`` -- for real failures of both SDKs: 401,
timeout, connection error, token endpoint errors (GHL bearer token, OAuth client secret and
refresh token, Ninox API key)."""

from __future__ import annotations

import io
import logging
import traceback
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta, timezone

import anyio
import httpx
import pytest

from _sdkcore.errors import APIError, APIStatusError, RedactedError
from _sdkcore.logging import get_logger
from ghlsdk import AsyncGHLClient, GHLClient
from ghlsdk.auth import (
    MemoryTokenStore,
    OAuth2,
    OAuthSession,
    ReauthorizationRequiredError,
    TokenSet,
)
from ninoxsdk import NinoxClient

# Built at run time, so no source line shown in a traceback contains one of them.
GHL_PIT = "pit-" + "7c1e9a2b-44d0-4c55-9f0e-" + "5b1d2c3e4f50"
OAUTH_AT = "eyJhbGciOiJIUzI1NiJ9." + "eyJsb2MiOiJsb2NfMSJ9." + "c2lnbmF0dXJlLWF0"
OAUTH_RT = "eyJhbGciOiJIUzI1NiJ9." + "eyJyZWZyZXNoIjoxfQ." + "c2lnbmF0dXJlLXJ0"
CLIENT_SECRET = "cs-" + "0d9f8e7c-6b5a-4938-" + "2716-05f4e3d2c1b0"
NINOX_KEY = "nx-" + "a1b2c3d4-e5f6-4a7b-" + "8c9d-0e1f2a3b4c5d"
SECRETS = (GHL_PIT, OAUTH_AT, OAUTH_RT, CLIENT_SECRET, NINOX_KEY)

Handler = Callable[[httpx.Request], httpx.Response]


def _echo_401(request: httpx.Request) -> httpx.Response:
    # A server that echoes the credential it refused, in the body and a header.
    sent = request.headers.get("authorization", "")
    return httpx.Response(
        401,
        json={"message": f"Invalid JWT: {sent}", "token": sent[7:], "statusCode": 401},
        headers={"x-echo": sent},
    )


def _timeout(request: httpx.Request) -> httpx.Response:
    raise httpx.ReadTimeout(f"timed out; {request.headers['authorization']}", request=request)


def _refused(request: httpx.Request) -> httpx.Response:
    # httpx wraps the OS error; both texts (as some proxies and h11 do) name the header.
    try:
        raise OSError(111, f"Connection refused sending {request.headers['authorization']}")
    except OSError as exc:
        raise httpx.ConnectError(
            f"refused: Authorization: {request.headers['authorization']}", request=request
        ) from exc


def _bad_header(request: httpx.Request) -> httpx.Response:
    raise httpx.LocalProtocolError(f"Illegal header value b'{request.headers['authorization']}'")


FAILURES: dict[str, Handler] = {
    "401": _echo_401,
    "timeout": _timeout,
    "connection": _refused,
    "protocol": _bad_header,
}


def everything_about(err: BaseException) -> str:
    """Every text a user, a traceback or a logger could get out of ``err``."""
    texts = ["".join(traceback.format_exception(err)), repr(err), str(err)]
    seen: BaseException | None = err
    depth = 0
    while seen is not None and depth < 10:
        texts += [repr(seen), str(seen), repr(getattr(seen, "args", ()))]
        for attr in ("request", "response", "body", "message", "messages", "headers"):
            try:
                value = getattr(seen, attr, None)
            except RuntimeError:  # httpx: no request attached
                continue
            texts.append(repr(value))
            if isinstance(value, httpx.Request):
                texts += [str(value.url), repr(list(value.headers.raw)), value.content.decode()]
            if isinstance(value, httpx.Response):
                req = value.request
                texts += [repr(list(req.headers.raw)), req.content.decode(), str(req.url)]
        seen = seen.__cause__ or seen.__context__
        depth += 1
    # a plain stdlib logger, no SDK filter: the exception itself must be clean
    stream = io.StringIO()
    plain = logging.getLogger(f"test.plain.{id(err)}")
    handler = logging.StreamHandler(stream)
    plain.addHandler(handler)
    plain.propagate = False
    try:
        plain.error("call failed", exc_info=err)
    finally:
        plain.removeHandler(handler)
    texts.append(stream.getvalue())
    return "\n".join(texts)


def assert_clean(err: BaseException) -> None:
    text = everything_about(err)
    for secret in SECRETS:
        assert secret not in text
    # and the raw Authorization header is gone from the kept request
    if isinstance(err, APIError) and err.request is not None:
        assert err.request.headers.get("authorization", "[REDACTED]") == "[REDACTED]"


def raised(action: Callable[[], object]) -> BaseException:
    with pytest.raises(Exception) as info:  # noqa: PT011 - each case raises its own kind
        action()
    return info.value


# -- GHL, static token ------------------------------------------------------------------------


@pytest.mark.parametrize("failure", sorted(FAILURES))
def test_ghl_static_token_failures(failure: str) -> None:
    transport = httpx.MockTransport(FAILURES[failure])
    with GHLClient(
        token=GHL_PIT,
        location_id="loc_1",
        http_client=httpx.Client(transport=transport),
        max_retries=0,
    ) as ghl:
        err = raised(lambda: ghl.contacts.get("c1"))
    assert isinstance(err, APIError)
    assert_clean(err)
    if failure == "401":
        assert isinstance(err, APIStatusError)
        assert "[REDACTED]" in str(err)
        assert isinstance(err.body, dict)
        assert err.body["token"] == "[REDACTED]"
        assert err.body["statusCode"] == 401  # the rest of the body is kept
    if failure == "connection":
        cause = err.__cause__
        assert isinstance(cause, httpx.ConnectError)  # same type, redacted copy
        assert cause.request.headers["authorization"] == "[REDACTED]"
        assert isinstance(cause.__cause__, RedactedError)  # the OSError named the header
        assert "ConnectionRefusedError" in str(cause.__cause__)


@pytest.mark.parametrize("failure", sorted(FAILURES))
async def test_ghl_async_failures(failure: str) -> None:
    transport = httpx.MockTransport(FAILURES[failure])
    async with AsyncGHLClient(
        token=GHL_PIT,
        location_id="loc_1",
        http_client=httpx.AsyncClient(transport=transport),
        max_retries=0,
    ) as ghl:
        with pytest.raises(APIError) as info:
            await ghl.contacts.get("c1")
    assert_clean(info.value)


# -- Ninox -----------------------------------------------------------------------------------


@pytest.mark.parametrize("failure", sorted(FAILURES))
def test_ninox_api_key_failures(failure: str) -> None:
    transport = httpx.MockTransport(FAILURES[failure])
    with NinoxClient(
        api_key=NINOX_KEY,
        http_client=httpx.Client(transport=transport),
        max_retries=0,
        min_interval=0,
    ) as nx:
        err = raised(lambda: nx.teams.list())
    assert isinstance(err, APIError)
    assert_clean(err)


# -- OAuth: the token endpoint and the session ----------------------------------------------


def _live_tokens() -> TokenSet:
    return TokenSet(
        access_token=OAUTH_AT,
        refresh_token=OAUTH_RT,
        expires_at=datetime.now(timezone.utc) - timedelta(minutes=1),
        location_id="loc_1",
    )


def _token_endpoint(answer: Callable[[httpx.Request], httpx.Response]) -> Handler:
    def handle(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/oauth/token":
            return answer(request)
        return _echo_401(request)

    return handle


def _echo_form(status: int) -> Callable[[httpx.Request], httpx.Response]:
    def answer(request: httpx.Request) -> httpx.Response:
        form = request.content.decode()
        body = {"error": "invalid_grant", "message": f"bad grant in {form}", "refresh_token": "x"}
        return httpx.Response(status, json=body)

    return answer


def _token_timeout(request: httpx.Request) -> httpx.Response:
    raise httpx.ReadTimeout(f"timed out sending {request.content.decode()}", request=request)


@pytest.fixture
def oauth_for() -> Iterator[Callable[[Handler], OAuth2]]:
    helpers: list[OAuth2] = []

    def make(handler: Handler) -> OAuth2:
        helper = OAuth2(
            client_id="app_client_id",
            client_secret=CLIENT_SECRET,
            http_client=httpx.Client(transport=httpx.MockTransport(handler)),
            max_retries=0,
        )
        helpers.append(helper)
        return helper

    yield make
    for helper in helpers:
        helper.close()


@pytest.mark.parametrize(
    "answer",
    [_echo_form(400), _echo_form(401), _echo_form(500), _token_timeout],
    ids=["400", "401", "500", "timeout"],
)
def test_token_endpoint_failures(
    oauth_for: Callable[[Handler], OAuth2], answer: Callable[[httpx.Request], httpx.Response]
) -> None:
    oauth = oauth_for(_token_endpoint(answer))
    err = raised(lambda: oauth.refresh(OAUTH_RT))
    assert isinstance(err, APIError)
    assert_clean(err)
    assert err.request is not None
    assert b"client_secret=%5BREDACTED%5D" in err.request.content or (
        b"client_secret=[REDACTED]" in err.request.content
    )


@pytest.mark.parametrize(
    "answer", [_echo_form(400), _echo_form(500), _token_timeout], ids=["400", "500", "timeout"]
)
def test_session_failures_through_the_client(
    oauth_for: Callable[[Handler], OAuth2], answer: Callable[[httpx.Request], httpx.Response]
) -> None:
    handler = _token_endpoint(answer)
    oauth = oauth_for(handler)
    tokens = _live_tokens()
    session = OAuthSession(oauth, MemoryTokenStore({"loc_1": tokens}), key="loc_1")
    with GHLClient(
        auth=session,
        location_id="loc_1",
        http_client=httpx.Client(transport=httpx.MockTransport(handler)),
        max_retries=0,
    ) as ghl:
        err = raised(lambda: ghl.contacts.get("c1"))
        assert_clean(err)
        if answer is not _token_timeout and isinstance(err, ReauthorizationRequiredError):
            later = raised(lambda: ghl.contacts.get("c1"))
            assert isinstance(later, ReauthorizationRequiredError)
            assert_clean(later)


def test_sdk_loggers_redact_exc_info_tracebacks(caplog: pytest.LogCaptureFixture) -> None:
    log = get_logger("ghlsdk.test")
    try:
        raise RuntimeError(f"wrapped: Authorization: Bearer {OAUTH_AT} / {CLIENT_SECRET}")
    except RuntimeError:
        with caplog.at_level(logging.ERROR, logger="ghlsdk.test"):
            log.exception("failed")
    assert caplog.records
    record = caplog.records[-1]
    assert record.exc_text is not None
    formatted = logging.Formatter().format(record)
    assert OAUTH_AT not in formatted
    assert "RuntimeError" in formatted
    assert "[REDACTED]" in formatted


def test_async_token_endpoint_timeout_is_clean() -> None:
    from ghlsdk.auth import AsyncOAuth2

    async def main() -> BaseException:
        transport = httpx.MockTransport(_token_endpoint(_token_timeout))
        async with AsyncOAuth2(
            client_id="app_client_id",
            client_secret=CLIENT_SECRET,
            http_client=httpx.AsyncClient(transport=transport),
            max_retries=0,
        ) as oauth:
            with pytest.raises(APIError) as info:
                await oauth.refresh(OAUTH_RT)
        return info.value

    assert_clean(anyio.run(main))
