"""The OAuth side of FakeGHL: locations and their tokens, the install (authorization code)
step, ``POST /oauth/token`` with single-use refresh tokens and ``POST /oauth/locationToken``."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ghlsdk.testing._base import FakeBase, _ApiError, _Ctx, _Grant, _Token

__all__ = ["DEFAULT_SCOPES", "OAuthRoutes"]

#: Scopes of tokens from [`FakeGHL.authorize`][ghlsdk.testing.FakeGHL.authorize] unless told
#: otherwise.
DEFAULT_SCOPES: tuple[str, ...] = (
    "contacts.readonly",
    "contacts.write",
    "oauth.readonly",
    "oauth.write",
)


class OAuthRoutes(FakeBase):
    """Tokens, locations and the OAuth token endpoints."""

    def add_location(
        self, location_id: str, *, token: str | None = None, scopes: Iterable[str] | None = None
    ) -> str:
        """Accept ``token`` (generated when omitted) for ``location_id``; return the token.

        With ``scopes`` (e.g. ``["contacts.readonly"]``) the token is refused (401 ``The
        token is not authorized for this scope.``) on operations needing another scope.
        """
        with self._lock:
            tok = token or f"fake-token-{self._new_id()}"
            self._tokens[tok] = _Token(location_id, frozenset(scopes) if scopes else None)
            return tok

    def revoke_token(self, token: str) -> None:
        """Make ``token`` invalid (401), e.g. to test refresh-on-401 flows. Works for access
        and refresh tokens."""
        with self._lock:
            self._tokens.pop(token, None)
            self._refresh_tokens.pop(token, None)

    def authorize(
        self,
        *,
        user_type: str = "Location",
        location_id: str | None = None,
        scopes: Iterable[str] = DEFAULT_SCOPES,
        user_id: str = "fakeUser000000000001",
    ) -> str:
        """Simulate an admin installing the app (the browser step of the OAuth flow); return
        the one-time authorization code to exchange at ``POST /oauth/token``.

        ``user_type="Location"`` grants a location token for ``location_id`` (default: the
        fake's); ``"Company"`` an agency token for `company_id`, which can mint
        location tokens at ``POST /oauth/locationToken``. Tokens carry ``scopes`` and are
        refused (401) on operations needing others.
        """
        if user_type not in ("Location", "Company"):
            raise ValueError("user_type must be 'Location' or 'Company'")
        with self._lock:
            code = f"fake-code-{self._new_id()}"
            location = None if user_type == "Company" else (location_id or self.location_id)
            self._codes[code] = _Grant(user_type, location, self.company_id, tuple(scopes), user_id)
            return code

    def _issue(self, grant: _Grant, *, refresh: bool = True) -> dict[str, Any]:
        access = f"fake-at-{self._new_id()}{self._new_id()}"
        self._tokens[access] = _Token(
            grant.location_id,
            frozenset(grant.scopes),
            user_type=grant.user_type,
            company_id=grant.company_id,
            expires_at=self.clock() + self.token_ttl,
        )
        out: dict[str, Any] = {
            "access_token": access,
            "token_type": "Bearer",
            "expires_in": self.token_ttl,
            "scope": " ".join(grant.scopes),
            "userType": grant.user_type,
            "companyId": grant.company_id,
            "userId": grant.user_id,
            "isBulkInstallation": False,
        }
        if grant.location_id is not None:
            out["locationId"] = grant.location_id
        else:
            out["approvedLocations"] = [self.location_id]
        if refresh:
            rt = f"fake-rt-{self._new_id()}{self._new_id()}"
            self._refresh_tokens[rt] = grant
            out["refresh_token"] = rt
        return out

    def _oauth_token(self, ctx: _Ctx) -> tuple[int, Any]:
        form = ctx.body
        if ctx.rec.form is None or not isinstance(form, dict):
            raise _ApiError(
                422, ["the body must be application/x-www-form-urlencoded (grant_type, ...)"]
            )
        allowed = {
            "client_id",
            "client_secret",
            "grant_type",
            "code",
            "refresh_token",
            "user_type",
            "redirect_uri",
        }
        problems = [f"property {k} should not exist" for k in form if k not in allowed]
        problems += [
            f"{k} should not be empty"
            for k in ("client_id", "client_secret", "grant_type")
            if not form.get(k)
        ]
        grant_type = form.get("grant_type")
        if grant_type and grant_type not in ("authorization_code", "refresh_token"):
            problems.append("grant_type must be a valid enum value")
        if form.get("user_type") not in (None, "Location", "Company"):
            problems.append("user_type must be a valid enum value")
        if problems:
            raise _ApiError(422, problems)
        if form["client_id"] != self.client_id or form["client_secret"] != self.client_secret:
            raise _ApiError(401, "Invalid client credentials")
        if grant_type == "authorization_code":
            grant = self._codes.pop(form.get("code") or "", None)
            if grant is None:
                raise _ApiError(400, "Invalid authorization code")
        else:
            grant = self._refresh_tokens.get(form.get("refresh_token") or "")
            if grant is None:
                raise _ApiError(400, "Invalid refresh token")
            # GHL refresh tokens are single-use: the answer carries the next one.
            del self._refresh_tokens[form["refresh_token"]]
        if form.get("user_type") and form["user_type"] != grant.user_type:
            raise _ApiError(400, f"user_type must be {grant.user_type} for this grant")
        return 200, self._issue(grant)

    def _location_token(self, ctx: _Ctx) -> tuple[int, Any]:
        form = ctx.body
        if ctx.rec.form is None or not isinstance(form, dict):
            raise _ApiError(422, ["the body must be application/x-www-form-urlencoded"])
        problems = [
            f"property {k} should not exist" for k in form if k not in ("companyId", "locationId")
        ]
        problems += [
            f"{k} should not be empty" for k in ("companyId", "locationId") if not form.get(k)
        ]
        if problems:
            raise _ApiError(422, problems)
        agency = ctx.token
        assert agency is not None
        if form["companyId"] != agency.company_id:
            raise _ApiError(400, "companyId does not match the token's company")
        scopes = tuple(sorted(agency.scopes)) if agency.scopes is not None else DEFAULT_SCOPES
        grant = _Grant("Location", form["locationId"], form["companyId"], scopes, "")
        out = self._issue(grant, refresh=self.location_token_refresh)
        for key in ("userType", "companyId", "isBulkInstallation"):
            out.pop(key, None)
        out["userId"] = "fakeUser000000000001"
        out["planId"] = "fakePlan000000000001"
        return 200, out
