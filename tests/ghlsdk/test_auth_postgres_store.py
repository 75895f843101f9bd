"""PostgresTokenStore: tokens of many locations in PostgreSQL; two processes that need a
refresh of the same location at once send one POST /oauth/token between them, and the rotated
refresh token is the one stored (committed before use).

FakeGHL runs the OAuth endpoints (rotating single-use refresh tokens) over HTTP, so both
processes reach it; its token endpoint answers after 1.5 s so the two refreshes overlap."""

from __future__ import annotations

import multiprocessing
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from typing import Any

import attrs
import pytest

from ghlsdk.auth import LockingTokenStore, OAuth2, PostgresTokenStore, TokenStore
from ghlsdk.testing import FakeGHL
from tests.ghlsdk.postgres_refresh import refresh_in_process
from tests.served import TransportServer

pytestmark = pytest.mark.postgres


@pytest.fixture
def fake() -> Iterator[tuple[FakeGHL, TransportServer]]:
    ghl = FakeGHL(latency=lambda r: 1.5 if r.path == "/oauth/token" else 0.0)
    server = TransportServer(ghl)
    yield ghl, server
    server.close()


def oauth_args(ghl: FakeGHL, server: TransportServer) -> dict[str, Any]:
    return {
        "client_id": ghl.client_id,
        "client_secret": ghl.client_secret,
        "base_url": server.url,
    }


def expired_tokens_in(url: str, ghl: FakeGHL, server: TransportServer) -> str:
    """Install the app on the fake's location and store its tokens, already expired."""
    with OAuth2(**oauth_args(ghl, server)) as oauth:
        tokens = oauth.exchange_code(ghl.authorize(location_id=ghl.location_id))
    store = PostgresTokenStore(url)
    past = datetime.now(timezone.utc) - timedelta(minutes=5)
    store.save(ghl.location_id, attrs.evolve(tokens, expires_at=past))
    store.close()
    ghl.reset_counters()
    return ghl.location_id


def race(url: str, ghl: FakeGHL, server: TransportServer, *, locking: bool) -> list[str]:
    key = expired_tokens_in(url, ghl, server)
    spawn = multiprocessing.get_context("spawn")
    ready, go, out = spawn.Queue(), spawn.Event(), spawn.Queue()
    args = (url, oauth_args(ghl, server), key, locking, ready, go, out)
    procs = [spawn.Process(target=refresh_in_process, args=args) for _ in range(2)]
    for p in procs:
        p.start()
    for _ in procs:
        ready.get(timeout=60)
    go.set()
    got = [out.get(timeout=60) for _ in procs]
    for p in procs:
        p.join(10)
    return got


def test_two_processes_refreshing_one_location_send_one_refresh(
    postgres_schema_url: str, fake: tuple[FakeGHL, TransportServer]
) -> None:
    ghl, server = fake
    got = race(postgres_schema_url, ghl, server, locking=True)
    assert ghl.count("get-access-token") == 1
    assert got[0] == got[1]
    store = PostgresTokenStore(postgres_schema_url)
    stored = store.get(ghl.location_id)
    assert stored is not None
    assert stored.access_token == got[0]
    # the stored refresh token is the live one: it refreshes
    assert stored.refresh_token is not None
    with OAuth2(**oauth_args(ghl, server)) as oauth:
        assert oauth.refresh(stored.refresh_token).access_token
    store.close()


def test_without_the_row_lock_both_processes_spend_a_refresh(
    postgres_schema_url: str, fake: tuple[FakeGHL, TransportServer]
) -> None:
    """The control: the race is real, so the test above can fail."""
    ghl, server = fake
    race(postgres_schema_url, ghl, server, locking=False)
    assert ghl.count("get-access-token") == 2


def test_store_round_trips_keys_and_refuses_bad_input(postgres_schema_url: str) -> None:
    store = PostgresTokenStore(postgres_schema_url, table="tokens_test")
    assert isinstance(store, TokenStore)
    assert isinstance(store, LockingTokenStore)
    assert store.get("loc") is None
    with pytest.raises(ValueError, match="non-empty"):
        store.get("")
    with pytest.raises(TypeError):
        store.save("loc", "not tokens")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="plain lower-case"):
        PostgresTokenStore(postgres_schema_url, table="x; DROP TABLE y")
    assert "tokens_test" in repr(store)
    assert "postgres" not in repr(store).lower().split("(")[1]
    store.close()
