"""A refused refresh is remembered: one POST to /oauth/token, then a clear error for everyone
until new tokens are given; transient failures are not remembered. Sync and async."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import timedelta

import anyio
import httpx
import pytest

from _sdkcore import AsyncHTTP, HTTPConfig, RequestSpec, SyncHTTP
from _sdkcore.errors import APITimeoutError, AuthenticationError, InternalServerError
from ghlsdk.auth import (
    AsyncOAuth2,
    AsyncOAuthSession,
    MemoryTokenStore,
    OAuth2,
    OAuthSession,
    ReauthorizationRequiredError,
    TokenSet,
)

from .test_auth_support import BASE, CLIENT_ID, CLIENT_SECRET, T0, Clock, OAuthServer, tokens

KEY = "loc_1"
VALID = T0 + timedelta(hours=12)
EXPIRED = T0 - timedelta(minutes=5)
REVOKED_AT = "at_revoked_0000001"
REVOKED_RT = "rt_revoked_0000001"
GET = RequestSpec(method="GET", path="/contacts/c1")
CALLERS = 50


def token_posts(server: OAuthServer) -> int:
    return sum(1 for r in server.requests if r.url.path == "/oauth/token")


def revoked_store() -> MemoryTokenStore:
    """Both tokens revoked server-side; the access token still looks valid locally."""
    return MemoryTokenStore({KEY: tokens(REVOKED_AT, REVOKED_RT, expires_at=VALID)})


def fresh_tokens(server: OAuthServer, n: int = 1) -> TokenSet:
    """Tokens from a new authorization (what the install flow would give)."""
    access, refresh = f"at_reauth_{n:08d}", f"rt_reauth_{n:08d}"
    with server.lock:
        server.valid_access.add(access)
        server.valid_refresh.add(refresh)
    return tokens(access, refresh, expires_at=VALID)


def check_error(err: BaseException) -> None:
    assert isinstance(err, ReauthorizationRequiredError)
    assert isinstance(err, AuthenticationError)
    text = str(err)
    assert "invalid_grant" in text
    assert "Re-authorise this location" in text
    assert "OAuth install" in text
    for secret in (REVOKED_AT, REVOKED_RT, CLIENT_SECRET):
        assert secret not in text
        assert secret not in repr(err)


@pytest.fixture
def server() -> OAuthServer:
    srv = OAuthServer(refresh_token="rt_unrelated_000001")
    srv.gate = lambda: time.sleep(0.02)  # the refresh takes a while: some callers wait for it
    return srv


@pytest.fixture
def oauth(server: OAuthServer) -> Iterator[OAuth2]:
    with OAuth2(
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
        http_client=server.client(),
        clock=Clock(),
        max_retries=0,
    ) as helper:
        yield helper


@pytest.fixture
def aoauth(server: OAuthServer) -> AsyncOAuth2:
    return AsyncOAuth2(
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
        http_client=server.async_client(),
        clock=Clock(),
        max_retries=0,
    )


def sync_api(server: OAuthServer, session: OAuthSession) -> SyncHTTP:
    return SyncHTTP(HTTPConfig(base_url=BASE), auth=session, http_client=server.client())


def async_api(server: OAuthServer, session: AsyncOAuthSession) -> AsyncHTTP:
    return AsyncHTTP(HTTPConfig(base_url=BASE), auth=session, http_client=server.async_client())


# -- sync ------------------------------------------------------------------------------------


def staggered_sync(api: SyncHTTP) -> list[BaseException]:
    errors: list[BaseException] = []
    lock = threading.Lock()

    def caller(i: int) -> None:
        time.sleep(i * 0.002)  # the 401s arrive staggered over ~100 ms
        try:
            api.send(GET)
        except BaseException as exc:
            with lock:
                errors.append(exc)

    threads = [threading.Thread(target=caller, args=(i,)) for i in range(CALLERS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return errors


def test_staggered_callers_spend_one_refresh_then_nobody_posts_again(
    server: OAuthServer, oauth: OAuth2
) -> None:
    session = OAuthSession(oauth, revoked_store(), key=KEY)
    api = sync_api(server, session)
    errors = staggered_sync(api)
    assert len(errors) == CALLERS
    for err in errors:
        check_error(err)
    assert token_posts(server) == 1
    assert session.reauthorization_required

    for _ in range(10):
        with pytest.raises(ReauthorizationRequiredError) as info:
            api.send(GET)
        check_error(info.value)
    assert token_posts(server) == 1  # 10 later calls: 0 more POSTs
    with pytest.raises(ReauthorizationRequiredError):
        session.refresh({"Authorization": f"Bearer {REVOKED_AT}"})
    assert token_posts(server) == 1


def test_new_tokens_saved_to_the_store_revive_the_session(
    server: OAuthServer, oauth: OAuth2
) -> None:
    store = revoked_store()
    session = OAuthSession(oauth, store, key=KEY)
    api = sync_api(server, session)
    with pytest.raises(ReauthorizationRequiredError):
        api.send(GET)
    # e.g. the OAuth callback of another process saves the tokens of a new install
    store.save(KEY, fresh_tokens(server))
    assert api.send(GET).status_code == 200
    assert not session.reauthorization_required
    assert token_posts(server) == 1


def test_set_tokens_revives_the_session_and_saves_first(server: OAuthServer, oauth: OAuth2) -> None:
    store = revoked_store()
    session = OAuthSession(oauth, store, key=KEY)
    api = sync_api(server, session)
    with pytest.raises(ReauthorizationRequiredError):
        api.send(GET)
    new = fresh_tokens(server)
    session.set_tokens(new)
    assert store.get(KEY) == new
    assert api.send(GET).status_code == 200
    # the revived session refreshes normally once its token is due
    session.clock = Clock(VALID)
    assert api.send(GET).status_code == 200
    assert token_posts(server) == 2


def test_an_expired_token_with_a_dead_refresh_token_is_refused_once(
    server: OAuthServer, oauth: OAuth2
) -> None:
    store = MemoryTokenStore({KEY: tokens(REVOKED_AT, REVOKED_RT, expires_at=EXPIRED)})
    session = OAuthSession(oauth, store, key=KEY)
    for _ in range(5):
        with pytest.raises(ReauthorizationRequiredError) as info:
            session.headers()
        check_error(info.value)
    assert token_posts(server) == 1


def test_a_refused_refresh_with_a_401_from_the_token_endpoint_is_remembered(
    server: OAuthServer,
) -> None:
    with OAuth2(
        client_id=CLIENT_ID,
        client_secret="cs_wrong_secret_0001",
        http_client=server.client(),
        clock=Clock(),
        max_retries=0,
    ) as bad:
        session = OAuthSession(bad, revoked_store(), key=KEY)
        api = sync_api(server, session)
        for _ in range(3):
            with pytest.raises(ReauthorizationRequiredError) as info:
                api.send(GET)
        assert info.value.status_code == 401
        assert "client id or secret" in str(info.value)
    assert token_posts(server) == 1


def test_transient_refresh_failures_are_not_remembered(server: OAuthServer) -> None:
    store = MemoryTokenStore(
        {KEY: tokens("at_old_00000001", "rt_good_0000001", expires_at=EXPIRED)}
    )
    server.valid_refresh.add("rt_good_0000001")
    failures: list[object] = [503, httpx.ReadTimeout("the token endpoint is slow")]

    def flaky(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/oauth/token" and failures:
            server.requests.append(request)
            failure = failures.pop(0)
            if isinstance(failure, Exception):
                raise failure
            return httpx.Response(503, json={"message": "try again later"})
        return server.handle(request)

    with OAuth2(
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
        http_client=httpx.Client(transport=httpx.MockTransport(flaky)),
        clock=Clock(),
        max_retries=0,
    ) as helper:
        session = OAuthSession(helper, store, key=KEY)
        api = sync_api(server, session)
        with pytest.raises(InternalServerError):
            api.send(GET)
        assert not session.reauthorization_required
        with pytest.raises(APITimeoutError):
            api.send(GET)
        assert not session.reauthorization_required
        assert api.send(GET).status_code == 200  # the third attempt refreshes and succeeds
    assert token_posts(server) == 3


# -- async -----------------------------------------------------------------------------------


async def test_async_staggered_callers_spend_one_refresh_then_nobody_posts_again(
    server: OAuthServer, aoauth: AsyncOAuth2
) -> None:
    server.agate = lambda: anyio.sleep(0.02)
    session = AsyncOAuthSession(aoauth, revoked_store(), key=KEY)
    api = async_api(server, session)
    errors: list[BaseException] = []

    async def caller(i: int) -> None:
        await anyio.sleep(i * 0.002)
        try:
            await api.send(GET)
        except Exception as exc:
            errors.append(exc)

    async with anyio.create_task_group() as tg:
        for i in range(CALLERS):
            tg.start_soon(caller, i)
    assert len(errors) == CALLERS
    for err in errors:
        check_error(err)
    assert token_posts(server) == 1

    for _ in range(10):
        with pytest.raises(ReauthorizationRequiredError) as info:
            await api.send(GET)
        check_error(info.value)
    assert token_posts(server) == 1

    store = session.store
    assert isinstance(store, MemoryTokenStore)
    store.save(KEY, fresh_tokens(server))  # a new install saved by someone else
    assert (await api.send(GET)).status_code == 200
    assert token_posts(server) == 1


async def test_async_set_tokens_revives_the_session(
    server: OAuthServer, aoauth: AsyncOAuth2
) -> None:
    store = revoked_store()
    session = AsyncOAuthSession(aoauth, store, key=KEY)
    api = async_api(server, session)
    with pytest.raises(ReauthorizationRequiredError):
        await api.send(GET)
    with pytest.raises(ReauthorizationRequiredError):
        await session.arefresh({"Authorization": f"Bearer {REVOKED_AT}"})
    new = fresh_tokens(server)
    await session.aset_tokens(new)
    assert store.get(KEY) == new
    assert not session.reauthorization_required
    assert (await api.send(GET)).status_code == 200
    assert token_posts(server) == 1


class _StaleOnce(MemoryTokenStore):
    """A store shared by two 'processes'; the first read of one of them is from before the
    other's save (the cross-process race)."""

    def __init__(self, stale: TokenSet) -> None:
        super().__init__({KEY: stale})
        self.stale_reads = 0
        self._stale: TokenSet | None = stale

    def get(self, key: str) -> TokenSet | None:
        if self._stale is not None:
            stale, self._stale = self._stale, None
            self.stale_reads += 1
            return stale
        return super().get(key)


def test_losing_a_refresh_race_to_another_process_adopts_its_tokens(
    server: OAuthServer, oauth: OAuth2
) -> None:
    old = tokens("at_race_0000001", "rt_race_0000001", expires_at=EXPIRED)
    server.valid_refresh.add("rt_race_0000001")
    store = _StaleOnce(old)
    winner = OAuthSession(oauth, MemoryTokenStore({KEY: old}), key=KEY)
    won = winner.token()  # the other process spends rt_race_0000001 ...
    MemoryTokenStore.save(store, KEY, won)  # ... and saves its new pair to the shared store
    loser = OAuthSession(oauth, store, key=KEY)
    assert loser.token() == won  # refused, but the store holds the winner's pair
    assert store.stale_reads == 1
    assert not loser.reauthorization_required
    assert token_posts(server) == 2
