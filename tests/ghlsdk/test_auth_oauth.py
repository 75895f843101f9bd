"""OAuth2 / AsyncOAuth2: URLs, form bodies, parsing, errors; TokenSet; scopes."""

from __future__ import annotations

import inspect
import logging
from datetime import datetime, timedelta, timezone
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
import respx

from _sdkcore.errors import APIResponseValidationError, AuthenticationError, BadRequestError
from ghlsdk import errors as ghl_errors
from ghlsdk.auth import (
    AUTHORIZE_URL,
    AsyncOAuth2,
    MissingScopeError,
    OAuth2,
    Scope,
    TokenSet,
    UserType,
    has_scope,
    parse_scopes,
    require_scope,
)

from .test_auth_support import BASE, CLIENT_ID, CLIENT_SECRET, T0, Clock, token_json

TOKEN_URL = f"{BASE}/oauth/token"
LOCATION_URL = f"{BASE}/oauth/locationToken"


def form_of(request: httpx.Request) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(request.content.decode()).items()}


@pytest.fixture
def oauth() -> OAuth2:
    return OAuth2(
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
        redirect_uri="https://app.example.com/oauth/callback",
        clock=Clock(),
        max_retries=0,
    )


@pytest.fixture
def aoauth() -> AsyncOAuth2:
    return AsyncOAuth2(
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
        redirect_uri="https://app.example.com/oauth/callback",
        clock=Clock(),
        max_retries=0,
    )


# -- authorization URL -------------------------------------------------------------------------
def test_authorization_url_has_the_documented_parameters(oauth: OAuth2) -> None:
    url = oauth.authorization_url(
        [Scope.CONTACTS_READONLY, Scope.CONTACTS_WRITE],
        state="st-123",
        extra_params={"loginWindowOpenMode": "self"},
    )
    parts = urlsplit(url)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == AUTHORIZE_URL
    assert AUTHORIZE_URL == "https://marketplace.gohighlevel.com/v2/oauth/chooselocation"
    query = parse_qs(parts.query)
    assert query == {
        "response_type": ["code"],
        "redirect_uri": ["https://app.example.com/oauth/callback"],
        "client_id": [CLIENT_ID],
        "scope": ["contacts.readonly contacts.write"],
        "state": ["st-123"],
        "loginWindowOpenMode": ["self"],
    }
    assert "scope=contacts.readonly%20contacts.write" in parts.query  # space as %20, not +
    assert CLIENT_SECRET not in url


def test_authorization_url_host_is_configurable() -> None:
    helper = OAuth2(
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
        redirect_uri="https://app.example.com/cb",
        authorize_url="https://marketplace.leadconnectorhq.com/oauth/chooselocation",
    )
    assert helper.authorization_url(["contacts.readonly"]).startswith(
        "https://marketplace.leadconnectorhq.com/oauth/chooselocation?response_type=code"
    )


@pytest.mark.parametrize(
    ("scopes", "error", "match"),
    [
        ([], ValueError, "at least one scope"),
        ("contacts.readonly", TypeError, "list of scope names"),
        (["contacts.readonly contacts.write"], ValueError, "cannot contain spaces"),
        ([""], ValueError, "scope is empty"),
    ],
)
def test_authorization_url_rejects_bad_scopes(
    oauth: OAuth2, scopes: object, error: type[Exception], match: str
) -> None:
    with pytest.raises(error, match=match):
        oauth.authorization_url(scopes)  # type: ignore[arg-type]


def test_authorization_url_needs_a_redirect_uri() -> None:
    helper = OAuth2(client_id=CLIENT_ID, client_secret=CLIENT_SECRET)
    with pytest.raises(ValueError, match="redirect_uri"):
        helper.authorization_url(["contacts.readonly"])


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"client_id": "", "client_secret": CLIENT_SECRET}, ValueError, "client_id is empty"),
        ({"client_id": CLIENT_ID, "client_secret": "  "}, ValueError, "client_secret is empty"),
        ({"client_id": CLIENT_ID, "client_secret": 5}, TypeError, "client_secret must be"),
        (
            {"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET, "base_url": "http://x.io"},
            ValueError,
            "plain http",
        ),
    ],
)
def test_constructor_validates(
    kwargs: dict[str, object], error: type[Exception], match: str
) -> None:
    with pytest.raises(error, match=match):
        OAuth2(**kwargs)  # type: ignore[arg-type]


# -- token endpoint ----------------------------------------------------------------------------
@respx.mock
def test_exchange_code_posts_the_form_and_parses_tokens(oauth: OAuth2) -> None:
    route = respx.post(TOKEN_URL).mock(
        return_value=httpx.Response(
            200,
            json=token_json(
                "at_exchange_000001",
                "rt_exchange_000001",
                approvedLocations=["loc_1"],
                planId="plan_9",
            ),
        )
    )
    tokens = oauth.exchange_code("code_abc_123456", user_type="Location")
    request = route.calls.last.request
    assert request.headers["content-type"] == "application/x-www-form-urlencoded"
    assert "authorization" not in request.headers
    assert "version" not in request.headers  # /oauth/token declares no Version header
    assert form_of(request) == {
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
        "grant_type": "authorization_code",
        "code": "code_abc_123456",
        "user_type": "Location",
        "redirect_uri": "https://app.example.com/oauth/callback",
    }
    assert tokens.access_token == "at_exchange_000001"
    assert tokens.refresh_token == "rt_exchange_000001"
    assert tokens.expires_at == T0 + timedelta(seconds=86399)
    assert tokens.scopes == frozenset({"contacts.readonly", "contacts.write"})
    assert tokens.user_type is UserType.LOCATION
    assert (tokens.location_id, tokens.company_id, tokens.user_id) == ("loc_1", "comp_1", "user_1")
    assert tokens.extra == {"approvedLocations": ["loc_1"], "planId": "plan_9"}


@respx.mock
def test_refresh_sends_the_refresh_grant_with_user_type(oauth: OAuth2) -> None:
    route = respx.post(TOKEN_URL).mock(
        return_value=httpx.Response(200, json=token_json("at_new_00000001", "rt_new_00000001"))
    )
    tokens = oauth.refresh("rt_old_00000001", user_type=UserType.COMPANY)
    assert form_of(route.calls.last.request) == {
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
        "grant_type": "refresh_token",
        "refresh_token": "rt_old_00000001",
        "user_type": "Company",
    }
    assert tokens.refresh_token == "rt_new_00000001"


@respx.mock
def test_location_token_uses_the_agency_bearer_and_version(oauth: OAuth2) -> None:
    route = respx.post(LOCATION_URL).mock(
        return_value=httpx.Response(
            200,
            json={
                "access_token": "lt_minted_000001",
                "token_type": "Bearer",
                "expires_in": 86399,
                "scope": "contacts.readonly",
                "locationId": "loc_7",
                "userId": "user_1",
                "appId": "app_1",
            },
        )
    )
    agency = TokenSet(
        access_token="at_agency_0000001",
        expires_at=T0 + timedelta(hours=1),
        user_type="Company",
        company_id="comp_1",
    )
    minted = oauth.location_token(agency, location_id="loc_7")
    request = route.calls.last.request
    assert request.headers["authorization"] == "Bearer at_agency_0000001"
    assert request.headers["version"] == "2021-07-28"
    assert form_of(request) == {"companyId": "comp_1", "locationId": "loc_7"}
    assert minted.refresh_token is None  # optional in the v2 spec
    assert minted.user_type is UserType.LOCATION
    assert (minted.location_id, minted.company_id) == ("loc_7", "comp_1")
    assert minted.extra == {"appId": "app_1"}


def test_location_token_needs_a_company_id(oauth: OAuth2) -> None:
    with pytest.raises(ValueError, match="company_id is required"):
        oauth.location_token_call("at_agency_0000001", location_id="loc_7")


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda o: o.exchange_code_call(""), "code is empty"),
        (lambda o: o.refresh_call(""), "refresh_token is empty"),
        (lambda o: o.refresh_call("rt_x_000001", user_type="Agency"), "user_type must be"),
        (lambda o: o.location_token_call("at_x_000001", location_id=""), "location_id is empty"),
    ],
)
def test_bad_arguments_fail_before_any_request(oauth: OAuth2, call: object, match: str) -> None:
    with respx.mock(assert_all_called=False) as router:
        route = router.post(TOKEN_URL)
        with pytest.raises(ValueError, match=match):
            call(oauth)  # type: ignore[operator]
        assert not route.called


@respx.mock
def test_rejected_refresh_raises_a_typed_error_with_advice_and_no_secret(oauth: OAuth2) -> None:
    TokenSet(access_token="at_seen_0000001", refresh_token="rt_spent_000001", expires_at=T0)
    respx.post(TOKEN_URL).mock(
        return_value=httpx.Response(
            400, json={"error": "invalid_grant", "message": "Invalid token rt_spent_000001"}
        )
    )
    with pytest.raises(BadRequestError) as info:
        oauth.refresh("rt_spent_000001")
    text = str(info.value)
    assert "rt_spent_000001" not in text
    assert CLIENT_SECRET not in text
    assert "refresh tokens work once" in text


@respx.mock
def test_bad_client_credentials_raise_authentication_error(oauth: OAuth2) -> None:
    respx.post(TOKEN_URL).mock(return_value=httpx.Response(401, json={"message": "Unauthorized"}))
    with pytest.raises(AuthenticationError, match="Authorization codes work once"):
        oauth.exchange_code("code_abc_123456")


@pytest.mark.parametrize(
    "body",
    [
        {"token_type": "Bearer", "expires_in": 10},
        {"access_token": "at_x_00000001"},
        {"access_token": "at_x_00000001", "expires_in": True},
        ["not", "an", "object"],
    ],
)
@respx.mock
def test_malformed_token_responses_raise_validation_errors(oauth: OAuth2, body: object) -> None:
    respx.post(TOKEN_URL).mock(return_value=httpx.Response(200, json=body))
    with pytest.raises(APIResponseValidationError) as info:
        oauth.refresh("rt_old_00000001")
    assert info.value.body is None  # token bodies never travel with errors
    assert "at_x_00000001" not in str(info.value)


@respx.mock
def test_token_post_is_not_retried_after_a_server_error(oauth: OAuth2) -> None:
    helper = OAuth2(client_id=CLIENT_ID, client_secret=CLIENT_SECRET, max_retries=3)
    route = respx.post(TOKEN_URL).mock(return_value=httpx.Response(502, text="bad gateway"))
    with pytest.raises(Exception, match="502"):
        helper.refresh("rt_old_00000001")
    # a refresh may have been spent server-side: resending it could burn the new token
    assert route.call_count == 1


@respx.mock
def test_token_requests_are_logged_without_secrets(
    oauth: OAuth2, caplog: pytest.LogCaptureFixture
) -> None:
    respx.post(TOKEN_URL).mock(
        return_value=httpx.Response(200, json=token_json("at_logged_000001", "rt_logged_000001"))
    )
    with caplog.at_level(logging.DEBUG):
        tokens = oauth.refresh("rt_before_000001")
        logging.getLogger("ghlsdk.oauth.http").warning("got %s and %s", tokens, tokens.to_dict())
    text = caplog.text
    assert "POST /oauth/token" in text
    for secret in ("at_logged_000001", "rt_logged_000001", "rt_before_000001", CLIENT_SECRET):
        assert secret not in text


@respx.mock
async def test_async_twin_sends_the_same_requests(aoauth: AsyncOAuth2) -> None:
    route = respx.post(TOKEN_URL).mock(
        return_value=httpx.Response(200, json=token_json("at_async_000001", "rt_async_000001"))
    )
    loc = respx.post(LOCATION_URL).mock(
        return_value=httpx.Response(200, json={"access_token": "lt_async_00001", "expires_in": 60})
    )
    async with aoauth:
        first = await aoauth.exchange_code("code_abc_123456")
        second = await aoauth.refresh("rt_async_000001", user_type="Location")
        minted = await aoauth.location_token(first, location_id="loc_2")
    assert form_of(route.calls[0].request)["grant_type"] == "authorization_code"
    assert form_of(route.calls[1].request)["refresh_token"] == "rt_async_000001"
    assert second.access_token == "at_async_000001"
    assert loc.calls.last.request.headers["authorization"] == "Bearer at_async_000001"
    assert minted.location_id == "loc_2"
    assert minted.expires_at == T0 + timedelta(seconds=60)


def test_sync_and_async_helpers_have_the_same_surface() -> None:
    def surface(cls: type) -> dict[str, inspect.Signature]:
        return {
            name: inspect.signature(fn)
            for name, fn in inspect.getmembers(cls, inspect.isfunction)
            if not name.startswith("_") and name not in ("close", "aclose")
        }

    sync, async_ = surface(OAuth2), surface(AsyncOAuth2)
    assert sync.keys() == async_.keys()
    for name in sync:
        assert sync[name].parameters == async_[name].parameters, name
        assert inspect.iscoroutinefunction(getattr(AsyncOAuth2, name)) == (
            name in ("exchange_code", "refresh", "location_token")
        )
    init_sync = dict(inspect.signature(OAuth2.__init__).parameters)
    init_async = dict(inspect.signature(AsyncOAuth2.__init__).parameters)
    assert init_sync.keys() == init_async.keys()


def test_http_client_is_used_and_not_closed() -> None:
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.url.path)
        return httpx.Response(200, json=token_json("at_own_0000001", "rt_own_0000001"))

    client = httpx.Client(transport=httpx.MockTransport(handler))
    with OAuth2(client_id=CLIENT_ID, client_secret=CLIENT_SECRET, http_client=client) as helper:
        helper.refresh("rt_old_00000001")
    assert seen == ["/oauth/token"]
    assert not client.is_closed


async def test_helpers_close_the_client_they_made_and_refuse_the_other_kind() -> None:
    with OAuth2(client_id=CLIENT_ID, client_secret=CLIENT_SECRET) as helper:
        made = helper._http._client
    assert made.is_closed
    async with AsyncOAuth2(client_id=CLIENT_ID, client_secret=CLIENT_SECRET) as ahelper:
        amade = ahelper._http._client
    assert amade.is_closed
    async with httpx.AsyncClient() as async_client:
        with pytest.raises(TypeError, match=r"httpx\.Client for OAuth2, got AsyncClient"):
            OAuth2(client_id=CLIENT_ID, client_secret=CLIENT_SECRET, http_client=async_client)  # type: ignore[arg-type]
    with httpx.Client() as client, pytest.raises(TypeError, match=r"httpx\.AsyncClient"):
        AsyncOAuth2(client_id=CLIENT_ID, client_secret=CLIENT_SECRET, http_client=client)  # type: ignore[arg-type]


def test_repr_hides_the_client_secret(oauth: OAuth2) -> None:
    assert CLIENT_SECRET not in repr(oauth)
    assert "client_secret='***'" in repr(oauth)


# -- TokenSet ----------------------------------------------------------------------------------
def test_tokenset_repr_and_str_hide_secrets() -> None:
    tokens = TokenSet(
        access_token="at_hidden_00000001",
        refresh_token="rt_hidden_00000001",
        expires_at=T0,
        scopes="contacts.readonly",
    )
    for text in (repr(tokens), str(tokens), f"{tokens}"):
        assert "at_hidden_00000001" not in text
        assert "rt_hidden_00000001" not in text
        assert "access_token='***'" in text
    assert "refresh_token=None" in repr(TokenSet(access_token="at_x_0000001", expires_at=T0))


def test_tokenset_requires_aware_expiry_and_a_token() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        TokenSet(access_token="at_x_0000001", expires_at=datetime(2026, 1, 1))
    with pytest.raises(ValueError, match="non-empty"):
        TokenSet(access_token="", expires_at=T0)


def test_tokenset_expiry_helpers() -> None:
    tokens = TokenSet(access_token="at_x_0000001", expires_at=T0 + timedelta(seconds=100))
    assert tokens.expires_in(T0) == 100
    assert not tokens.is_due(T0, skew=60)
    assert tokens.is_due(T0 + timedelta(seconds=40), skew=60)
    assert not tokens.is_expired(T0 + timedelta(seconds=99))
    assert tokens.is_expired(T0 + timedelta(seconds=100))
    assert not tokens.can_refresh


def test_tokenset_dict_round_trip() -> None:
    original = TokenSet.from_response(
        token_json("at_rt_000000001", "rt_rt_000000001", planId="p1"),
        now=datetime(2026, 5, 1, 8, 30, tzinfo=timezone(timedelta(hours=2))),
    )
    again = TokenSet.from_dict(original.to_dict())
    assert again == original
    assert again.expires_at.tzinfo is not None


# -- scopes ------------------------------------------------------------------------------------
def test_parse_scopes() -> None:
    assert parse_scopes("a.readonly  b.write ") == frozenset({"a.readonly", "b.write"})
    assert parse_scopes(None) == frozenset()
    assert parse_scopes(["x", " ", "y"]) == frozenset({"x", "y"})


@pytest.mark.parametrize(
    ("granted", "needed", "ok"),
    [
        ({"contacts.readonly"}, "contacts.readonly", True),
        ({"contacts.readonly"}, "contacts.write", False),
        ({"contacts.write"}, "contacts.readonly", True),  # write implies read (tolerant)
        ({"calendars/events.write"}, "calendars/events.readonly", True),
        (set(), "contacts.readonly", False),
        (None, "contacts.write", True),  # scopes unknown: do not block
        ({"contacts.readonly"}, None, True),  # operation without a scope
    ],
)
def test_has_scope(granted: set[str] | None, needed: str | None, ok: bool) -> None:
    assert has_scope(granted, needed) is ok


def test_write_implies_read_can_be_turned_off() -> None:
    assert not has_scope({"contacts.write"}, "contacts.readonly", write_implies_read=False)


def test_require_scope_names_the_missing_scope() -> None:
    with pytest.raises(MissingScopeError) as info:
        require_scope(
            frozenset({"contacts.readonly"}), Scope.CONTACTS_WRITE, operation="POST /contacts/"
        )
    err = info.value
    assert isinstance(err, ghl_errors.MissingScopeError)  # the client's error, one class
    assert err.scope == "contacts.write"
    assert err.operation == "POST /contacts/"
    assert err.granted == frozenset({"contacts.readonly"})
    assert "POST /contacts/ needs the 'contacts.write' scope" in str(err)
    assert "contacts.readonly" in str(err)
    require_scope(frozenset({"contacts.write"}), Scope.CONTACTS_WRITE)  # no error
