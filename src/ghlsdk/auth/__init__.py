"""OAuth 2.0 for HighLevel: the token endpoints, token stores, sessions and scopes.

- [`OAuth2`][ghlsdk.auth.OAuth2] / [`AsyncOAuth2`][ghlsdk.auth.AsyncOAuth2]: authorization URL, code
exchange, refresh, and
  agency → location tokens (``/oauth/locationToken``), form-encoded as GHL specifies.
- [`TokenSet`][ghlsdk.auth.TokenSet]: what a token response says (secrets hidden from ``repr``).
- [`TokenStore`][ghlsdk.auth.TokenStore] (protocol),
[`MemoryTokenStore`][ghlsdk.auth.MemoryTokenStore], [`FileTokenStore`][ghlsdk.auth.FileTokenStore],
[`PostgresTokenStore`][ghlsdk.auth.PostgresTokenStore] (many locations, refreshes one at a time
across processes: [`LockingTokenStore`][ghlsdk.auth.LockingTokenStore]).
- [`OAuthSession`][ghlsdk.auth.OAuthSession] / [`AsyncOAuthSession`][ghlsdk.auth.AsyncOAuthSession]:
credentials for the clients, with
  single-flight refresh ahead of expiry, store-before-use of rotated refresh tokens, and
  the 401 → refresh → replay-once handshake; a refused refresh is remembered
  ([`ReauthorizationRequiredError`][ghlsdk.auth.ReauthorizationRequiredError]) until new
  tokens are given.
- [`Scope`][ghlsdk.auth.Scope], [`require_scope`][ghlsdk.auth.require_scope],
[`MissingScopeError`][ghlsdk.errors.MissingScopeError].
"""

from ghlsdk.auth._locking import LockingTokenStore
from ghlsdk.auth._oauth import (
    AUTHORIZE_URL,
    DEFAULT_BASE_URL,
    WHITELABEL_AUTHORIZE_URL,
    AsyncOAuth2,
    OAuth2,
)
from ghlsdk.auth._postgres import PostgresTokenStore
from ghlsdk.auth._scopes import MissingScopeError, Scope, has_scope, require_scope
from ghlsdk.auth._session import (
    DEFAULT_REFRESH_SKEW,
    AsyncOAuthSession,
    OAuthSession,
    ReauthorizationRequiredError,
    TokenUnavailableError,
    store_key,
)
from ghlsdk.auth._stores import (
    AsyncTokenStore,
    FileTokenStore,
    MemoryTokenStore,
    TokenStore,
    TokenStoreError,
)
from ghlsdk.auth._tokens import TokenSet, UserType, parse_scopes

__all__ = [
    "AUTHORIZE_URL",
    "DEFAULT_BASE_URL",
    "DEFAULT_REFRESH_SKEW",
    "WHITELABEL_AUTHORIZE_URL",
    "AsyncOAuth2",
    "AsyncOAuthSession",
    "AsyncTokenStore",
    "FileTokenStore",
    "LockingTokenStore",
    "MemoryTokenStore",
    "MissingScopeError",
    "OAuth2",
    "OAuthSession",
    "PostgresTokenStore",
    "ReauthorizationRequiredError",
    "Scope",
    "TokenSet",
    "TokenStore",
    "TokenStoreError",
    "TokenUnavailableError",
    "UserType",
    "has_scope",
    "parse_scopes",
    "require_scope",
    "store_key",
]
