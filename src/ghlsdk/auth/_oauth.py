"""The OAuth 2.0 helper: authorization URL, code exchange, refresh, agency → location token.

Each token request is described once, as a pure `Call` built by
`_OAuthBase`; [`OAuth2`][ghlsdk.auth.OAuth2] and [`AsyncOAuth2`][ghlsdk.auth.AsyncOAuth2] only send
it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import datetime, timezone
from typing import Any, ClassVar, Final, Generic, TypeVar
from urllib.parse import quote, urlencode

import httpx

from _sdkcore._http import (
    DEFAULT_TIMEOUT,
    AsyncClosing,
    AsyncHTTP,
    Call,
    Closing,
    HTTPConfig,
    RequestSpec,
    SyncHTTP,
)
from _sdkcore.errors import APIResponseValidationError
from _sdkcore.logging import register_secret
from _sdkcore.parsing import json_body
from _sdkcore.paths import validate_base_url
from _sdkcore.retry import RetryPolicy
from ghlsdk.auth._tokens import TokenSet, UserType

__all__ = [
    "AUTHORIZE_URL",
    "DEFAULT_BASE_URL",
    "WHITELABEL_AUTHORIZE_URL",
    "AsyncOAuth2",
    "OAuth2",
]

DEFAULT_BASE_URL: Final = "https://services.leadconnectorhq.com"
#: Where the installing admin chooses a location (REFERENCE §2.2; ``/v2`` since 2026-05-27).
AUTHORIZE_URL: Final = "https://marketplace.gohighlevel.com/v2/oauth/chooselocation"
#: The same page on the white-label host.
WHITELABEL_AUTHORIZE_URL: Final = "https://marketplace.leadconnectorhq.com/v2/oauth/chooselocation"
TOKEN_PATH: Final = "/oauth/token"  # noqa: S105 - a path, not a password
LOCATION_TOKEN_PATH: Final = "/oauth/locationToken"  # noqa: S105 - a path
#: ``/oauth/locationToken`` requires this ``Version`` header; ``/oauth/token`` takes none.
LOCATION_TOKEN_VERSION: Final = "2021-07-28"  # noqa: S105 - an API version

Clock = Callable[[], datetime]
#: The httpx client a helper sends with (``httpx.Client`` / ``httpx.AsyncClient``).
C = TypeVar("C", httpx.Client, httpx.AsyncClient)
#: The send loop made from it (``SyncHTTP`` / ``AsyncHTTP``).
H = TypeVar("H", SyncHTTP, AsyncHTTP)


def utcnow() -> datetime:
    """The current time, timezone-aware (UTC)."""
    return datetime.now(timezone.utc)


def _require_text(value: object, name: str) -> str:
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a string, got {type(value).__name__}")
    if not value.strip():
        raise ValueError(f"{name} is empty; pass the value from your app settings or the flow")
    return value


def _user_type_value(user_type: str | UserType | None) -> str | None:
    if user_type is None:
        return None
    value = user_type.value if isinstance(user_type, UserType) else user_type
    if value not in (UserType.LOCATION.value, UserType.COMPANY.value):
        raise ValueError(f"user_type must be 'Location' or 'Company', got {value!r}")
    return value


def _token_parser(clock: Clock, **fill: Any) -> Callable[[httpx.Response], TokenSet]:
    def parse(response: httpx.Response) -> TokenSet:
        data = json_body(response)
        if not isinstance(data, Mapping):
            raise APIResponseValidationError(
                "the token endpoint answered with JSON that is not an object", response=response
            )
        try:
            return TokenSet.from_response(data, now=clock(), **fill)
        except (ValueError, TypeError) as exc:
            # body=None: the body holds credentials and must not travel with the error.
            raise APIResponseValidationError(
                f"could not read the token response: {exc}", response=response
            ) from exc

    return parse


def _error_note(spec: RequestSpec, response: httpx.Response) -> str:
    status = response.status_code
    if status not in (400, 401, 403, 422):
        return ""
    if spec.path == LOCATION_TOKEN_PATH:
        return (
            "Minting a location token needs an agency (Company) access token with the "
            "oauth.write scope, and the app installed on that location"
        )
    grant = (spec.data or {}).get("grant_type")
    if grant == "refresh_token":
        return (
            "The refresh token was rejected: refresh tokens work once (each refresh returns a "
            "new one), so it may be used up, revoked, or from another app; if it cannot be "
            "recovered, send the user through the authorization flow again"
        )
    if grant == "authorization_code":
        return (
            "Authorization codes work once and expire quickly; check client_id, client_secret "
            "and redirect_uri, then restart the authorization flow"
        )
    return ""


class _OAuthBase(Generic[C, H]):
    """Credentials, the pure builders of every token request, and the helper's one
    constructor (the twins differ only in the httpx client they send with)."""

    #: The httpx client class of this twin; another one is refused before anything is sent.
    _client_class: ClassVar[type[httpx.Client] | type[httpx.AsyncClient]]

    def __init__(
        self,
        *,
        client_id: str,
        client_secret: str,
        redirect_uri: str | None = None,
        base_url: str = DEFAULT_BASE_URL,
        authorize_url: str = AUTHORIZE_URL,
        http_client: C | None = None,
        timeout: float | httpx.Timeout | None = DEFAULT_TIMEOUT,
        max_retries: int = 2,
        clock: Clock = utcnow,
    ) -> None:
        self.client_id = _require_text(client_id, "client_id")
        self._client_secret = _require_text(client_secret, "client_secret")
        register_secret(self._client_secret, owner=self)
        if redirect_uri is not None:
            _require_text(redirect_uri, "redirect_uri")
        self.redirect_uri = redirect_uri
        validate_base_url(authorize_url)
        self.authorize_url = authorize_url
        self.clock = clock
        self._config = HTTPConfig(
            base_url=base_url,
            headers={"Accept": "application/json"},
            timeout=timeout,
            retry=RetryPolicy(max_retries=max_retries),
            logger_name="ghlsdk.oauth",
            error_note=_error_note,
        )
        if http_client is not None and not isinstance(http_client, self._client_class):
            raise TypeError(
                f"http_client must be an httpx.{self._client_class.__name__} for "
                f"{type(self).__name__}, got {type(http_client).__name__}"
            )
        self._http: H = self._sender(http_client)

    def _sender(self, http_client: C | None) -> H:
        """The send loop of this twin over ``http_client`` (or a client it makes and owns)."""
        raise NotImplementedError

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(client_id={self.client_id!r}, client_secret='***', "
            f"redirect_uri={self.redirect_uri!r})"
        )

    # -- pure ------------------------------------------------------------------------------
    def authorization_url(
        self,
        scopes: Iterable[str],
        *,
        state: str | None = None,
        extra_params: Mapping[str, str] | None = None,
    ) -> str:
        """The URL to send the installing admin to (the "choose location" page).

        ``scopes`` are joined with spaces. ``state`` is passed through to your redirect URI
        (accepted by GHL, though its docs do not mention it: check it on return anyway).
        ``extra_params`` adds query parameters such as ``{"loginWindowOpenMode": "self"}``.
        """
        if isinstance(scopes, str):
            raise TypeError("scopes must be a list of scope names, not one string")
        scope_list = [_require_text(s, "scope") for s in scopes]
        if not scope_list:
            raise ValueError("pass at least one scope, e.g. ['contacts.readonly']")
        if any(" " in s for s in scope_list):
            raise ValueError("a scope name cannot contain spaces; pass each scope separately")
        if self.redirect_uri is None:
            raise ValueError("authorization_url needs redirect_uri= on the OAuth2 helper")
        params: dict[str, str] = {
            "response_type": "code",
            "redirect_uri": self.redirect_uri,
            "client_id": self.client_id,
            "scope": " ".join(scope_list),
        }
        if state is not None:
            params["state"] = _require_text(state, "state")
        params.update(extra_params or {})
        return f"{self.authorize_url}?{urlencode(params, quote_via=quote)}"

    def _form(self, **fields: str | None) -> dict[str, str]:
        form = {"client_id": self.client_id, "client_secret": self._client_secret}
        form.update({k: v for k, v in fields.items() if v is not None})
        return form

    def exchange_code_call(
        self, code: str, *, user_type: str | UserType | None = None
    ) -> Call[TokenSet]:
        """The request that trades an authorization ``code`` for tokens."""
        _require_text(code, "code")
        form = self._form(
            grant_type="authorization_code",
            code=code,
            user_type=_user_type_value(user_type),
            redirect_uri=self.redirect_uri,
        )
        spec = RequestSpec(method="POST", path=TOKEN_PATH, data=form, auth=False)
        call = Call(spec, _token_parser(self.clock, user_type=user_type))
        register_secret(code, owner=call)  # redacted while the request that carries it lives
        return call

    def refresh_call(
        self, refresh_token: str, *, user_type: str | UserType | None = None
    ) -> Call[TokenSet]:
        """The request that trades a refresh token for a new token pair.

        Pass the ``user_type`` of the original exchange (``TokenSet.user_type``).
        """
        _require_text(refresh_token, "refresh_token")
        form = self._form(
            grant_type="refresh_token",
            refresh_token=refresh_token,
            user_type=_user_type_value(user_type),
        )
        spec = RequestSpec(method="POST", path=TOKEN_PATH, data=form, auth=False)
        call = Call(spec, _token_parser(self.clock, user_type=user_type))
        register_secret(refresh_token, owner=call)  # an echo in an error body is redacted
        return call

    def location_token_call(
        self,
        agency: TokenSet | str,
        *,
        location_id: str,
        company_id: str | None = None,
    ) -> Call[TokenSet]:
        """The request that mints a location token from an agency (Company) access token.

        ``company_id`` defaults to the agency token's ``company_id``.
        """
        if isinstance(agency, TokenSet):
            token = agency.access_token
            company_id = company_id or agency.company_id
        else:
            token = _require_text(agency, "agency token")
        _require_text(location_id, "location_id")
        if company_id is None:
            raise ValueError("company_id is required (the agency token does not carry one)")
        _require_text(company_id, "company_id")
        spec = RequestSpec(
            method="POST",
            path=LOCATION_TOKEN_PATH,
            data={"companyId": company_id, "locationId": location_id},
            headers={"Authorization": f"Bearer {token}", "Version": LOCATION_TOKEN_VERSION},
            auth=False,
        )
        parse = _token_parser(
            self.clock,
            user_type=UserType.LOCATION,
            location_id=location_id,
            company_id=company_id,
        )
        call = Call(spec, parse)
        register_secret(token, owner=call)
        return call


class OAuth2(_OAuthBase[httpx.Client, SyncHTTP], Closing):
    """GHL's OAuth 2.0 endpoints, sync.

    >>> oauth = OAuth2(client_id="...", client_secret="...", redirect_uri="https://app/cb")
    >>> url = oauth.authorization_url(["contacts.readonly", "contacts.write"], state="xyz")
    >>> tokens = oauth.exchange_code(code_from_redirect)

    ``http_client`` is an ``httpx.Client`` you own (closed by you); otherwise the helper
    makes one and [`close`][ghlsdk.auth.OAuth2.close] closes it.
    """

    _client_class = httpx.Client

    def _sender(self, http_client: httpx.Client | None) -> SyncHTTP:
        return SyncHTTP(self._config, auth=None, http_client=http_client)

    def exchange_code(self, code: str, *, user_type: str | UserType | None = None) -> TokenSet:
        """Trade the ``code`` from the redirect for tokens (``POST /oauth/token``)."""
        return self._http.execute(self.exchange_code_call(code, user_type=user_type))

    def refresh(self, refresh_token: str, *, user_type: str | UserType | None = None) -> TokenSet:
        """Trade a refresh token for a new pair. The old refresh token stops working: save
        the returned one before using the new access token."""
        return self._http.execute(self.refresh_call(refresh_token, user_type=user_type))

    def location_token(
        self, agency: TokenSet | str, *, location_id: str, company_id: str | None = None
    ) -> TokenSet:
        """Mint a location token from an agency token (``POST /oauth/locationToken``)."""
        call = self.location_token_call(agency, location_id=location_id, company_id=company_id)
        return self._http.execute(call)

    def close(self) -> None:
        """Close the HTTP client if this helper created it."""
        self._http.close()


class AsyncOAuth2(_OAuthBase[httpx.AsyncClient, AsyncHTTP], AsyncClosing):
    """The async twin of [`OAuth2`][ghlsdk.auth.OAuth2] (same methods, awaited);
    ``http_client`` is an ``httpx.AsyncClient``."""

    _client_class = httpx.AsyncClient

    def _sender(self, http_client: httpx.AsyncClient | None) -> AsyncHTTP:
        return AsyncHTTP(self._config, auth=None, http_client=http_client)

    async def exchange_code(
        self, code: str, *, user_type: str | UserType | None = None
    ) -> TokenSet:
        """Trade the ``code`` from the redirect for tokens (``POST /oauth/token``)."""
        return await self._http.execute(self.exchange_code_call(code, user_type=user_type))

    async def refresh(
        self, refresh_token: str, *, user_type: str | UserType | None = None
    ) -> TokenSet:
        """Trade a refresh token for a new pair. The old refresh token stops working: save
        the returned one before using the new access token."""
        return await self._http.execute(self.refresh_call(refresh_token, user_type=user_type))

    async def location_token(
        self, agency: TokenSet | str, *, location_id: str, company_id: str | None = None
    ) -> TokenSet:
        """Mint a location token from an agency token (``POST /oauth/locationToken``)."""
        call = self.location_token_call(agency, location_id=location_id, company_id=company_id)
        return await self._http.execute(call)

    async def aclose(self) -> None:
        """Close the HTTP client if this helper created it."""
        await self._http.aclose()
