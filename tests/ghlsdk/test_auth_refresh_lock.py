"""A store with ``refresh_lock`` (``LockingTokenStore``, as PostgresTokenStore) is held around
the whole refresh by sync and async sessions — read, POST, save — and only then; stores
without it are used as before. (The cross-process behaviour, one POST for two processes, is in
test_auth_postgres_store.py.)"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from datetime import timedelta

import pytest

from ghlsdk.auth import (
    AsyncOAuth2,
    AsyncOAuthSession,
    LockingTokenStore,
    MemoryTokenStore,
    OAuth2,
    OAuthSession,
    TokenSet,
)

from .test_auth_support import CLIENT_ID, CLIENT_SECRET, T0, Clock, OAuthServer, tokens

KEY = "loc_1"


class LockingStore(MemoryTokenStore):
    """Logs what happens under and outside the lock."""

    def __init__(self, server: OAuthServer) -> None:
        super().__init__({KEY: tokens("at_old", "rt_0000000001", expires_at=T0 - timedelta(1))})
        self.server = server
        self.log: list[str] = []
        self.held = False

    @contextlib.contextmanager
    def refresh_lock(self, key: str) -> Iterator[None]:
        self.log.append(f"lock {key}")
        self.held = True
        try:
            yield
        finally:
            self.held = False
            self.log.append(f"unlock {key}")

    def get(self, key: str) -> TokenSet | None:
        self.log.append(f"get{' (locked)' if self.held else ''}")
        return super().get(key)

    def save(self, key: str, tokens: TokenSet) -> None:
        self.log.append(
            f"save{' (locked)' if self.held else ''} after {self.server.refresh_calls} POST"
        )
        super().save(key, tokens)


def test_sync_session_refreshes_under_the_stores_lock() -> None:
    server = OAuthServer()
    store = LockingStore(server)
    assert isinstance(store, LockingTokenStore)
    assert not isinstance(MemoryTokenStore(), LockingTokenStore)
    with OAuth2(
        client_id=CLIENT_ID, client_secret=CLIENT_SECRET, http_client=server.client(), clock=Clock()
    ) as oauth:
        session = OAuthSession(oauth, store, key=KEY)
        assert session.token().access_token == "at_0000000001"
        session.token()  # fresh now: no lock, no refresh
    assert store.log == [
        "lock loc_1",
        "get (locked)",
        "save (locked) after 1 POST",
        "unlock loc_1",
    ]


async def test_async_session_refreshes_under_the_stores_lock() -> None:
    server = OAuthServer()
    store = LockingStore(server)
    oauth = AsyncOAuth2(
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
        http_client=server.async_client(),
        clock=Clock(),
    )
    session = AsyncOAuthSession(oauth, store, key=KEY)
    assert (await session.atoken()).access_token == "at_0000000001"
    assert store.log[0] == "lock loc_1"
    assert store.log[-1] == "unlock loc_1"
    assert "save (locked) after 1 POST" in store.log
    assert server.refresh_calls == 1


def test_postgres_store_never_shows_its_password() -> None:
    pytest.importorskip("psycopg")
    from ghlsdk.auth import PostgresTokenStore

    with pytest.raises(ConnectionError) as caught:
        PostgresTokenStore("postgresql://bridge:sekrit-pw-1@127.0.0.1:1/db", connect_timeout=1)
    assert "sekrit-pw-1" not in str(caught.value)
    assert "token store" in str(caught.value)
    with pytest.raises(ConnectionError) as caught:
        PostgresTokenStore("postgresql://bridge@127.0.0.1:1/db", password="sekrit-pw-2")
    assert "sekrit-pw-2" not in str(caught.value)
