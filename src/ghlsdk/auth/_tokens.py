"""The token set an OAuth exchange returns, and its JSON form for token stores."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta, timezone
from typing import Any, Final

import attrs

from _sdkcore.logging import describe_secret, register_secret
from _sdkcore.serde import OpenEnum, parse_datetime

__all__ = ["TokenSet", "UserType", "parse_scopes"]


class UserType(OpenEnum):
    """Whom a token acts for: a sub-account (``Location``) or an agency (``Company``)."""

    LOCATION = "Location"
    COMPANY = "Company"


def parse_scopes(value: str | Iterable[str] | None) -> frozenset[str]:
    """Scopes as a set, from the token response's space-separated ``scope`` or any iterable."""
    if value is None:
        return frozenset()
    if isinstance(value, str):
        return frozenset(value.split())
    return frozenset(s.strip() for s in value if isinstance(s, str) and s.strip())


def _aware(value: datetime) -> datetime:
    if value.tzinfo is None:
        raise ValueError("expires_at must be timezone-aware (e.g. datetime.now(timezone.utc))")
    return value


def _user_type(value: object) -> UserType | None:
    if value is None or value == "":
        return None
    return value if isinstance(value, UserType) else UserType(str(value))


# Keys of the token response that become TokenSet fields; everything else lands in ``extra``.
_KNOWN_KEYS: Final = frozenset(
    {
        "access_token",
        "refresh_token",
        "expires_in",
        "expires_at",
        "scope",
        "token_type",
        "userType",
        "user_type",
        "locationId",
        "companyId",
        "userId",
    }
)


@attrs.frozen(kw_only=True)
class TokenSet:
    """An access token with what the server said about it.

    ``expires_at`` is an aware datetime computed when the response arrived
    (``now + expires_in``). ``refresh_token`` is ``None`` for tokens that cannot be refreshed
    (e.g. a location token minted from an agency token). ``scopes`` is the set of granted
    scopes. Other response fields (``approvedLocations``, ``planId``, ...) are kept in
    ``extra``. Token values never appear in ``repr`` and are registered for log redaction
    for as long as the token set is alive.
    """

    access_token: str = attrs.field(repr=describe_secret)
    expires_at: datetime = attrs.field(converter=_aware)
    refresh_token: str | None = attrs.field(default=None, repr=describe_secret)
    scopes: frozenset[str] = attrs.field(default=frozenset(), converter=parse_scopes)
    token_type: str = "Bearer"  # noqa: S105 - the scheme name
    user_type: UserType | None = attrs.field(default=None, converter=_user_type)
    location_id: str | None = None
    company_id: str | None = None
    user_id: str | None = None
    extra: Mapping[str, Any] = attrs.field(factory=dict, repr=False)

    def __attrs_post_init__(self) -> None:
        if not isinstance(self.access_token, str) or not self.access_token:
            raise ValueError("access_token must be a non-empty string")
        # Redacted while this token set (or another holding the same value) is alive.
        register_secret(self.access_token, owner=self)
        register_secret(self.refresh_token, owner=self)

    def __str__(self) -> str:
        return repr(self)

    # -- time ---------------------------------------------------------------------------
    def expires_in(self, now: datetime) -> float:
        """Seconds left before expiry at ``now`` (negative once expired)."""
        return (self.expires_at - now).total_seconds()

    def is_expired(self, now: datetime) -> bool:
        """True once ``now`` has reached ``expires_at``."""
        return now >= self.expires_at

    def is_due(self, now: datetime, skew: float) -> bool:
        """True within ``skew`` seconds of expiry: time to refresh ahead of it."""
        return now >= self.expires_at - timedelta(seconds=skew)

    @property
    def can_refresh(self) -> bool:
        """Whether this token set carries a refresh token."""
        return bool(self.refresh_token)

    # -- wire and storage ----------------------------------------------------------------
    @classmethod
    def from_response(
        cls,
        data: Mapping[str, Any],
        *,
        now: datetime,
        user_type: str | UserType | None = None,
        location_id: str | None = None,
        company_id: str | None = None,
    ) -> TokenSet:
        """Build from a ``/oauth/token`` or ``/oauth/locationToken`` JSON body.

        ``expires_at`` is ``now + expires_in``. ``user_type``, ``location_id`` and
        ``company_id`` fill in what the response leaves out (e.g. the location token response
        has no ``companyId``). Raises ``ValueError`` when ``access_token`` is missing.
        """
        access = data.get("access_token")
        if not isinstance(access, str) or not access:
            raise ValueError("the token response has no access_token")
        refresh = data.get("refresh_token") or data.get("refreshToken")
        expires_in = data.get("expires_in")
        if isinstance(expires_in, bool) or not isinstance(expires_in, (int, float, str)):
            raise ValueError("the token response has no numeric expires_in")
        seconds = float(expires_in)
        scope = data.get("scope")
        return cls(
            access_token=access,
            refresh_token=refresh if isinstance(refresh, str) and refresh else None,
            expires_at=now + timedelta(seconds=seconds),
            scopes=parse_scopes(scope if isinstance(scope, str) else None),
            token_type=str(data.get("token_type") or "Bearer"),
            user_type=_user_type(data.get("userType") or user_type),
            location_id=_opt_str(data.get("locationId")) or location_id,
            company_id=_opt_str(data.get("companyId")) or company_id,
            user_id=_opt_str(data.get("userId")),
            extra={k: v for k, v in data.items() if k not in _KNOWN_KEYS},
        )

    def to_dict(self) -> dict[str, Any]:
        """A JSON-safe dict for token stores (contains the secrets: store it safely)."""
        return {
            "access_token": self.access_token,
            "refresh_token": self.refresh_token,
            "expires_at": self.expires_at.astimezone(timezone.utc).isoformat(),
            "scope": " ".join(sorted(self.scopes)),
            "token_type": self.token_type,
            "user_type": None if self.user_type is None else self.user_type.value,
            "location_id": self.location_id,
            "company_id": self.company_id,
            "user_id": self.user_id,
            "extra": dict(self.extra),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> TokenSet:
        """Inverse of [`to_dict`][ghlsdk.auth.TokenSet.to_dict]."""
        extra = data.get("extra")
        return cls(
            access_token=data["access_token"],
            refresh_token=data.get("refresh_token"),
            expires_at=parse_datetime(data["expires_at"]),
            scopes=parse_scopes(data.get("scope")),
            token_type=data.get("token_type") or "Bearer",
            user_type=data.get("user_type"),
            location_id=data.get("location_id"),
            company_id=data.get("company_id"),
            user_id=data.get("user_id"),
            extra=dict(extra) if isinstance(extra, Mapping) else {},
        )


def _opt_str(value: object) -> str | None:
    return value if isinstance(value, str) and value else None
