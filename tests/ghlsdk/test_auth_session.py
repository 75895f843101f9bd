"""OAuthSession / AsyncOAuthSession: single-flight refresh, store-first, 401, agency minting."""

from __future__ import annotations

import inspect
import logging
import threading
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import anyio
import httpx
import pytest

from _sdkcore import AsyncHTTP, HTTPConfig, RequestSpec, SyncHTTP
from _sdkcore.errors import AuthenticationError
from ghlsdk.auth import (
    AsyncOAuth2,
    AsyncOAuthSession,
    FileTokenStore,
    MemoryTokenStore,
    OAuth2,
    OAuthSession,
    ReauthorizationRequiredError,
    TokenSet,
    TokenUnavailableError,
    store_key,
)
from ghlsdk.auth._session import Plan, bearer_token, plan

from .test_auth_support import (
    BASE,
    CLIENT_ID,
    CLIENT_SECRET,
    T0,
    Clock,
    OAuthServer,
    async_gate,
    blocked_until,
    tokens,
)

KEY = "loc_1"
EXPIRED = T0 - timedelta(minutes=5)
VALID = T0 + timedelta(hours=12)


class RecordingStore(MemoryTokenStore):
    """A memory store that logs saves into the server's event list (to check ordering)."""

    def __init__(self, server: OAuthServer, session_ref: list[object]) -> None:
        super().__init__()
        self.server = server
        self.session_ref = session_ref
        self.fail_saves = 0
        self.in_use_at_save: list[str | None] = []

    def save(self, key: str, tokens: TokenSet) -> None:
        if self.session_ref:
            current = self.session_ref[0].tokens  # type: ignore[attr-defined]
            self.in_use_at_save.append(None if current is None else current.access_token)
        if self.fail_saves:
            self.fail_saves -= 1
            raise OSError("disk full")
        self.server.events.append(("save", tokens.refresh_token or ""))
        super().save(key, tokens)


@pytest.fixture
def server() -> OAuthServer:
    return OAuthServer()


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def oauth(server: OAuthServer, clock: Clock) -> Iterator[OAuth2]:
    with OAuth2(
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
        http_client=server.client(),
        clock=clock,
        max_retries=0,
    ) as helper:
        yield helper


@pytest.fixture
def aoauth(server: OAuthServer, clock: Clock) -> AsyncOAuth2:
    return AsyncOAuth2(
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
        http_client=server.async_client(),
        clock=clock,
        max_retries=0,
    )


def expired_store(access: str = "at_expired_00001") -> MemoryTokenStore:
    store = MemoryTokenStore()
    store.save(KEY, tokens(access, "rt_0000000001", expires_at=EXPIRED))
    return store


def api(server: OAuthServer, session: OAuthSession) -> SyncHTTP:
    return SyncHTTP(
        HTTPConfig(base_url=BASE, max_concurrency=None), auth=session, http_client=server.client()
    )


def aapi(server: OAuthServer, session: AsyncOAuthSession) -> AsyncHTTP:
    return AsyncHTTP(HTTPConfig(base_url=BASE), auth=session, http_client=server.async_client())


GET = RequestSpec(method="GET", path="/contacts/c1")


# -- pure decisions ----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("expires_in", "in_flight", "expected"),
    [
        (None, False, Plan.LEAD),  # nothing loaded yet
        (None, True, Plan.WAIT),
        (3600, False, Plan.USE),  # fresh
        (3600, True, Plan.USE),
        (30, False, Plan.LEAD),  # due (inside the 60 s skew): refresh ahead of expiry
        (30, True, Plan.USE),  # due, someone refreshes, still valid: keep using it
        (-1, False, Plan.LEAD),  # expired
        (-1, True, Plan.WAIT),  # expired while someone refreshes: wait for them
    ],
)
def test_plan_table(expires_in: float | None, in_flight: bool, expected: Plan) -> None:
    current = (
        None
        if expires_in is None
        else tokens("at_p_00000001", "rt_p_0000001", expires_at=T0 + timedelta(seconds=expires_in))
    )
    assert plan(current, in_flight=in_flight, now=T0, skew=60) is expected


def test_bearer_token_and_store_key() -> None:
    assert bearer_token({"authorization": "Bearer abc.def"}) == "abc.def"
    assert bearer_token({"X-Api-Key": "k"}) is None
    assert store_key(tokens("at_k_00000001", None, expires_at=T0)) == "loc_1"
    assert store_key(tokens("at_k_00000001", None, expires_at=T0, location_id=None)) == "comp_1"
    with pytest.raises(ValueError, match="pass key="):
        store_key(tokens("at_k_00000001", None, expires_at=T0, location_id=None, company_id=None))


# -- basic behaviour ---------------------------------------------------------------------------
def test_fresh_stored_token_is_used_without_refresh(server: OAuthServer, oauth: OAuth2) -> None:
    store = MemoryTokenStore({KEY: tokens("at_fresh_000001", "rt_0000000001", expires_at=VALID)})
    session = OAuthSession(oauth, store, key=KEY)
    assert session.headers() == {"Authorization": "Bearer at_fresh_000001"}
    assert server.refresh_calls == 0
    assert session.scopes == frozenset({"contacts.readonly", "contacts.write"})


def test_refreshes_ahead_of_expiry(server: OAuthServer, oauth: OAuth2, clock: Clock) -> None:
    store = MemoryTokenStore(
        {KEY: tokens("at_soon_000001", "rt_0000000001", expires_at=T0 + timedelta(seconds=30))}
    )
    session = OAuthSession(oauth, store, key=KEY, refresh_skew=60)
    assert session.headers()["Authorization"] == "Bearer at_0000000001"
    assert server.refresh_calls == 1
    assert server.form(0)["user_type"] == "Location"  # same user_type as the original grant
    saved = store.get(KEY)
    assert saved is not None
    assert saved.refresh_token == "rt_0000000002"
    assert saved.expires_at == T0 + timedelta(seconds=86399)
    # fresh now: later calls within its lifetime do not refresh
    clock.advance(3600)
    session.headers()
    assert server.refresh_calls == 1


def test_scopes_unknown_before_any_token(oauth: OAuth2) -> None:
    session = OAuthSession(oauth, MemoryTokenStore(), key=KEY)
    assert session.scopes is None
    assert session.tokens is None


def test_nothing_stored_and_no_way_to_get_a_token(server: OAuthServer, oauth: OAuth2) -> None:
    session = OAuthSession(oauth, MemoryTokenStore(), key=KEY)
    with pytest.raises(TokenUnavailableError, match="nothing is stored under key 'loc_1'"):
        session.headers()
    store = MemoryTokenStore({KEY: tokens("at_norefresh_01", None, expires_at=EXPIRED)})
    with pytest.raises(TokenUnavailableError, match="cannot be refreshed"):
        OAuthSession(oauth, store, key=KEY).headers()
    assert server.requests == []


def test_constructor_validates(oauth: OAuth2) -> None:
    with pytest.raises(ValueError, match="key must be"):
        OAuthSession(oauth, MemoryTokenStore(), key="")
    with pytest.raises(ValueError, match="refresh_skew"):
        OAuthSession(oauth, MemoryTokenStore(), key=KEY, refresh_skew=-1)


# -- single flight -----------------------------------------------------------------------------
def test_fifty_threads_on_an_expired_token_make_one_refresh(
    server: OAuthServer, oauth: OAuth2
) -> None:
    store = expired_store()
    session = OAuthSession(oauth, store, key=KEY)
    entered = 0
    lock = threading.Lock()
    server.gate = blocked_until(lambda: entered, 50)
    results: list[int] = []
    errors: list[BaseException] = []
    barrier = threading.Barrier(50)

    with api(server, session) as http:

        def worker() -> None:
            nonlocal entered
            barrier.wait()
            with lock:
                entered += 1
            try:
                results.append(http.send(GET).status_code)
            except BaseException as exc:  # pragma: no cover - reported below
                errors.append(exc)

        threads = [threading.Thread(target=worker) for _ in range(50)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()

    assert errors == []
    assert results == [200] * 50
    assert server.refresh_calls == 1
    assert {bearer for kind, bearer in server.events if kind == "request"} == {"at_0000000001"}
    saved = store.get(KEY)
    assert saved is not None
    assert saved.refresh_token == "rt_0000000002"


async def test_fifty_tasks_on_an_expired_token_make_one_refresh(
    server: OAuthServer, aoauth: AsyncOAuth2
) -> None:
    store = expired_store()
    session = AsyncOAuthSession(aoauth, store, key=KEY)
    entered = 0
    server.agate = async_gate(lambda: entered, 50)
    results: list[int] = []

    async with aapi(server, session) as http:

        async def worker() -> None:
            nonlocal entered
            entered += 1
            results.append((await http.send(GET)).status_code)

        async with anyio.create_task_group() as tg:
            for _ in range(50):
                tg.start_soon(worker)

    assert results == [200] * 50
    assert server.refresh_calls == 1
    assert {bearer for kind, bearer in server.events if kind == "request"} == {"at_0000000001"}
    saved = store.get(KEY)
    assert saved is not None
    assert saved.refresh_token == "rt_0000000002"


def test_waiters_share_the_leaders_error(server: OAuthServer, oauth: OAuth2) -> None:
    store = MemoryTokenStore({KEY: tokens("at_x_000000001", "rt_revoked_0001", expires_at=EXPIRED)})
    session = OAuthSession(oauth, store, key=KEY)
    entered = 0
    lock = threading.Lock()
    server.gate = blocked_until(lambda: entered, 10)
    errors: list[BaseException] = []

    def worker() -> None:
        nonlocal entered
        with lock:
            entered += 1
        try:
            session.headers()
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(10)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(errors) == 10
    assert all(isinstance(e, ReauthorizationRequiredError) for e in errors)
    # one attempt with the (spent) refresh token, not ten
    assert server.refresh_calls == 1
    assert "rt_revoked_0001" not in str(errors[0])


# -- store first -------------------------------------------------------------------------------
def test_rotated_refresh_token_is_saved_before_the_new_access_token_is_used(
    server: OAuthServer, oauth: OAuth2
) -> None:
    ref: list[object] = []
    store = RecordingStore(server, ref)
    MemoryTokenStore.save(store, KEY, tokens("at_old_0000001", "rt_0000000001", expires_at=EXPIRED))
    session = OAuthSession(oauth, store, key=KEY)
    ref.append(session)
    with api(server, session) as http:
        assert http.send(GET).status_code == 200
    assert server.events == [
        ("refresh", "rt_0000000001"),
        ("save", "rt_0000000002"),
        ("request", "at_0000000001"),
    ]
    # while saving, the session had not switched to the new token yet
    assert store.in_use_at_save == [None]


async def test_async_rotated_refresh_token_is_saved_first(
    server: OAuthServer, aoauth: AsyncOAuth2
) -> None:
    ref: list[object] = []
    store = RecordingStore(server, ref)
    MemoryTokenStore.save(store, KEY, tokens("at_old_0000001", "rt_0000000001", expires_at=EXPIRED))
    session = AsyncOAuthSession(aoauth, store, key=KEY)
    ref.append(session)

    # RecordingStore overrides only the sync save: make the async path use it too
    async def asave(key: str, tokens: TokenSet) -> None:
        await anyio.to_thread.run_sync(store.save, key, tokens)

    store.asave = asave  # type: ignore[method-assign]
    async with aapi(server, session) as http:
        assert (await http.send(GET)).status_code == 200
    assert server.events == [
        ("refresh", "rt_0000000001"),
        ("save", "rt_0000000002"),
        ("request", "at_0000000001"),
    ]


def test_failed_save_keeps_the_new_pair_and_retries_the_save(
    server: OAuthServer, oauth: OAuth2
) -> None:
    store = RecordingStore(server, [])
    MemoryTokenStore.save(store, KEY, tokens("at_old_0000001", "rt_0000000001", expires_at=EXPIRED))
    store.fail_saves = 1
    session = OAuthSession(oauth, store, key=KEY)
    with pytest.raises(OSError, match="disk full"):
        session.headers()
    assert session.tokens is None  # the unsaved token was not put in use
    assert server.refresh_calls == 1
    # next call saves the pair it already has instead of spending the refresh token again
    assert session.headers() == {"Authorization": "Bearer at_0000000001"}
    assert server.refresh_calls == 1
    saved = store.get(KEY)
    assert saved is not None
    assert saved.refresh_token == "rt_0000000002"


# -- 401 handling ------------------------------------------------------------------------------
def test_401_refreshes_once_and_replays(server: OAuthServer, oauth: OAuth2) -> None:
    store = MemoryTokenStore({KEY: tokens("at_revoked_0001", "rt_0000000001", expires_at=VALID)})
    session = OAuthSession(oauth, store, key=KEY)
    with api(server, session) as http:
        assert http.send(GET).status_code == 200
    assert server.refresh_calls == 1
    assert [e for e in server.events if e[0] == "request"] == [
        ("request", "at_revoked_0001"),
        ("request", "at_0000000001"),
    ]


def test_401_after_refresh_is_raised_not_looped(server: OAuthServer, oauth: OAuth2) -> None:
    store = MemoryTokenStore({KEY: tokens("at_revoked_0001", "rt_0000000001", expires_at=VALID)})
    session = OAuthSession(oauth, store, key=KEY)
    server.valid_access.clear()
    original = server._token

    def token_but_never_valid(request: httpx.Request) -> httpx.Response:
        response = original(request)
        server.valid_access.clear()
        return response

    server._token = token_but_never_valid  # type: ignore[method-assign]
    with api(server, session) as http, pytest.raises(AuthenticationError):
        http.send(GET)
    assert server.refresh_calls == 1
    assert len([e for e in server.events if e[0] == "request"]) == 2


def test_refresh_skips_when_the_rejected_token_is_no_longer_current(
    server: OAuthServer, oauth: OAuth2
) -> None:
    store = MemoryTokenStore({KEY: tokens("at_current_0001", "rt_0000000001", expires_at=VALID)})
    session = OAuthSession(oauth, store, key=KEY)
    session.headers()
    assert session.refresh({"Authorization": "Bearer at_older_00001"}) is True
    assert server.refresh_calls == 0
    assert session.refresh({"Authorization": "Bearer at_current_0001"}) is True
    assert server.refresh_calls == 1
    assert session.headers() == {"Authorization": "Bearer at_0000000001"}


def test_concurrent_401s_make_one_refresh(server: OAuthServer, oauth: OAuth2) -> None:
    store = MemoryTokenStore({KEY: tokens("at_revoked_0001", "rt_0000000001", expires_at=VALID)})
    session = OAuthSession(oauth, store, key=KEY)
    session.headers()
    entered = 0
    lock = threading.Lock()
    server.gate = blocked_until(lambda: entered, 20)
    outcomes: list[bool] = []

    def worker() -> None:
        nonlocal entered
        with lock:
            entered += 1
        outcomes.append(session.refresh({"Authorization": "Bearer at_revoked_0001"}))

    threads = [threading.Thread(target=worker) for _ in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert outcomes == [True] * 20
    assert server.refresh_calls == 1


def test_401_without_any_way_to_refresh_returns_false(server: OAuthServer, oauth: OAuth2) -> None:
    store = MemoryTokenStore({KEY: tokens("at_static_00001", None, expires_at=VALID)})
    session = OAuthSession(oauth, store, key=KEY)
    session.headers()
    assert session.refresh({"Authorization": "Bearer at_static_00001"}) is False
    assert server.requests == []


def test_401_adopts_a_token_another_process_saved(server: OAuthServer, oauth: OAuth2) -> None:
    store = MemoryTokenStore({KEY: tokens("at_mine_000001", "rt_0000000001", expires_at=VALID)})
    session = OAuthSession(oauth, store, key=KEY)
    session.headers()
    # another worker refreshed and saved a newer pair
    store.save(KEY, tokens("at_theirs_00001", "rt_theirs_0001", expires_at=VALID))
    assert session.refresh({"Authorization": "Bearer at_mine_000001"}) is True
    assert session.headers() == {"Authorization": "Bearer at_theirs_00001"}
    assert server.refresh_calls == 0


async def test_async_401_refreshes_once_and_replays(
    server: OAuthServer, aoauth: AsyncOAuth2
) -> None:
    store = MemoryTokenStore({KEY: tokens("at_revoked_0001", "rt_0000000001", expires_at=VALID)})
    session = AsyncOAuthSession(aoauth, store, key=KEY)
    async with aapi(server, session) as http:
        assert (await http.send(GET)).status_code == 200
    assert server.refresh_calls == 1
    assert await session.arefresh({"Authorization": "Bearer at_revoked_0001"}) is True
    assert server.refresh_calls == 1  # the rejected token is no longer current


async def test_async_concurrent_401s_make_one_refresh(
    server: OAuthServer, aoauth: AsyncOAuth2
) -> None:
    store = MemoryTokenStore({KEY: tokens("at_revoked_0001", "rt_0000000001", expires_at=VALID)})
    session = AsyncOAuthSession(aoauth, store, key=KEY)
    await session.aheaders()
    entered = 0
    server.agate = async_gate(lambda: entered, 20)
    outcomes: list[bool] = []

    async def worker() -> None:
        nonlocal entered
        entered += 1
        outcomes.append(await session.arefresh({"Authorization": "Bearer at_revoked_0001"}))

    async with anyio.create_task_group() as tg:
        for _ in range(20):
            tg.start_soon(worker)
    assert outcomes == [True] * 20
    assert server.refresh_calls == 1


async def test_async_cancelled_leader_still_finishes_and_saves_the_refresh(
    server: OAuthServer, aoauth: AsyncOAuth2
) -> None:
    store = expired_store()
    session = AsyncOAuthSession(aoauth, store, key=KEY)
    release = anyio.Event()

    async def gate() -> None:
        await release.wait()

    server.agate = gate
    got: list[str] = []
    scopes: list[anyio.CancelScope] = []

    async def leader() -> None:
        with anyio.CancelScope() as scope:
            scopes.append(scope)
            await session.aheaders()

    async def waiter() -> None:
        got.append((await session.aheaders())["Authorization"])

    async with anyio.create_task_group() as tg:
        tg.start_soon(leader)
        await anyio.wait_all_tasks_blocked()
        tg.start_soon(waiter)
        await anyio.wait_all_tasks_blocked()
        scopes[0].cancel()  # the caller gives up while the refresh is on the wire
        await anyio.wait_all_tasks_blocked()
        release.set()
    # the spent refresh token's successor was saved, and the waiter got the new token
    assert got == ["Bearer at_0000000001"]
    assert server.refresh_calls == 1
    saved = store.get(KEY)
    assert saved is not None
    assert saved.refresh_token == "rt_0000000002"


# -- agency → location -------------------------------------------------------------------------
def agency_setup(
    server: OAuthServer, oauth: OAuth2, store: MemoryTokenStore
) -> tuple[OAuthSession, OAuthSession]:
    store.save(
        "comp_1",
        tokens(
            "at_agency_00001",
            "rt_0000000001",
            expires_at=T0 + timedelta(days=3),
            user_type="Company",
            location_id=None,
        ),
    )
    server.agency_access.add("at_agency_00001")
    agency = OAuthSession(oauth, store, key="comp_1")
    location = OAuthSession(oauth, store, key="loc_9", agency=agency)
    return agency, location


def test_location_session_mints_from_the_agency_token(
    server: OAuthServer, oauth: OAuth2, clock: Clock
) -> None:
    store = MemoryTokenStore()
    _, location = agency_setup(server, oauth, store)
    assert location.headers() == {"Authorization": "Bearer lt_0000000001"}
    request = server.requests[0]
    assert request.url.path == "/oauth/locationToken"
    assert request.headers["authorization"] == "Bearer at_agency_00001"
    assert request.headers["version"] == "2021-07-28"
    assert server.form(0) == {"companyId": "comp_1", "locationId": "loc_9"}
    saved = store.get("loc_9")
    assert saved is not None
    assert saved.refresh_token is None
    assert saved.location_id == "loc_9"
    assert location.scopes == frozenset({"contacts.readonly"})
    # no refresh token: on expiry it mints again
    clock.advance(86399)
    assert location.headers() == {"Authorization": "Bearer lt_0000000002"}
    assert server.location_calls == 2
    assert server.refresh_calls == 0


def trust_refreshed_tokens_as_agency(server: OAuthServer) -> None:
    """Access tokens the server issues from now on may mint location tokens."""
    original = server._token

    def token_then_trust_as_agency(request: httpx.Request) -> httpx.Response:
        response = original(request)
        server.agency_access.add(response.json()["access_token"])
        return response

    server._token = token_then_trust_as_agency  # type: ignore[method-assign]


def test_minting_refreshes_a_rejected_agency_token_once(server: OAuthServer, oauth: OAuth2) -> None:
    store = MemoryTokenStore()
    agency, location = agency_setup(server, oauth, store)
    server.agency_access.clear()  # the agency token was revoked early
    trust_refreshed_tokens_as_agency(server)
    assert location.headers() == {"Authorization": "Bearer lt_0000000002"}
    assert server.refresh_calls == 1
    assert server.location_calls == 2
    assert agency.tokens is not None
    assert agency.tokens.access_token == "at_0000000001"
    saved = store.get("comp_1")
    assert saved is not None
    assert saved.refresh_token == "rt_0000000002"


async def test_async_location_session_mints_from_the_agency_token(
    server: OAuthServer, aoauth: AsyncOAuth2
) -> None:
    store = MemoryTokenStore()
    store.save(
        "comp_1",
        tokens("at_agency_00001", "rt_0000000001", expires_at=VALID, user_type="Company"),
    )
    server.agency_access.add("at_agency_00001")
    agency = AsyncOAuthSession(aoauth, store, key="comp_1")
    location = AsyncOAuthSession(aoauth, store, key="loc_9", agency=agency)
    assert await location.aheaders() == {"Authorization": "Bearer lt_0000000001"}
    assert server.form(0) == {"companyId": "comp_1", "locationId": "loc_9"}


async def test_async_minting_refreshes_a_rejected_agency_token_once(
    server: OAuthServer, aoauth: AsyncOAuth2
) -> None:
    store = MemoryTokenStore()
    store.save(
        "comp_1",
        tokens("at_agency_00001", "rt_0000000001", expires_at=VALID, user_type="Company"),
    )
    agency = AsyncOAuthSession(aoauth, store, key="comp_1")
    location = AsyncOAuthSession(aoauth, store, key="loc_9", agency=agency)
    trust_refreshed_tokens_as_agency(server)  # the stored agency token is not trusted
    assert await location.aheaders() == {"Authorization": "Bearer lt_0000000002"}
    assert (server.refresh_calls, server.location_calls) == (1, 2)
    saved = store.get("comp_1")
    assert saved is not None
    assert saved.refresh_token == "rt_0000000002"  # the agency's rotated pair was saved


# -- secrets and surfaces ----------------------------------------------------------------------
def test_session_repr_and_logs_hide_tokens(
    server: OAuthServer, oauth: OAuth2, caplog: pytest.LogCaptureFixture
) -> None:
    store = expired_store("at_expired_secret1")
    session = OAuthSession(oauth, store, key=KEY)
    with caplog.at_level(logging.DEBUG):
        session.headers()
    assert "refreshed tokens for 'loc_1'" in caplog.text
    texts = [repr(session), str(session), caplog.text, repr(store), repr(store.get(KEY))]
    for secret in ("at_0000000001", "rt_0000000002", "rt_0000000001", CLIENT_SECRET):
        for text in texts:
            assert secret not in text


def test_sync_and_async_sessions_have_the_same_surface() -> None:
    twins = {
        "token": "atoken",
        "headers": "aheaders",
        "refresh": "arefresh",
        "set_tokens": "aset_tokens",
    }

    def public(cls: type) -> set[str]:
        return {n for n in dir(cls) if not n.startswith("_")}

    assert {twins.get(n, n) for n in public(OAuthSession)} == public(AsyncOAuthSession)
    for sync_name, async_name in twins.items():
        sync_sig = inspect.signature(getattr(OAuthSession, sync_name))
        async_sig = inspect.signature(getattr(AsyncOAuthSession, async_name))
        assert sync_sig.parameters == async_sig.parameters
        assert inspect.iscoroutinefunction(getattr(AsyncOAuthSession, async_name))
    sync_init = inspect.signature(OAuthSession.__init__).parameters
    async_init = inspect.signature(AsyncOAuthSession.__init__).parameters
    assert list(sync_init) == list(async_init)


def test_sessions_satisfy_the_core_auth_protocols(oauth: OAuth2, aoauth: AsyncOAuth2) -> None:
    from _sdkcore import AsyncAuth, SyncAuth

    assert isinstance(OAuthSession(oauth, MemoryTokenStore(), key=KEY), SyncAuth)
    assert isinstance(AsyncOAuthSession(aoauth, MemoryTokenStore(), key=KEY), AsyncAuth)


# -- with the real clients ---------------------------------------------------------------------
def test_ghl_client_uses_the_session_and_its_scopes(server: OAuthServer, oauth: OAuth2) -> None:
    from ghlsdk import GHLClient
    from ghlsdk.errors import MissingScopeError

    server.scope = "contacts.readonly"
    session = OAuthSession(oauth, expired_store(), key=KEY)
    with GHLClient(auth=session, location_id=KEY, http_client=server.client()) as ghl:
        assert ghl.contacts.get("c1").id == "c1"
        sent = len(server.requests)
        with pytest.raises(MissingScopeError, match=r"contacts\.write"):
            ghl.contacts.delete("c1")
        assert len(server.requests) == sent  # refused before sending
    assert server.refresh_calls == 1
    assert [e for e in server.events if e[0] == "request"] == [("request", "at_0000000001")]


async def test_async_ghl_client_uses_the_session(server: OAuthServer, aoauth: AsyncOAuth2) -> None:
    from ghlsdk import AsyncGHLClient

    store = MemoryTokenStore({KEY: tokens("at_revoked_0001", "rt_0000000001", expires_at=VALID)})
    session = AsyncOAuthSession(aoauth, store, key=KEY)
    async with AsyncGHLClient(
        auth=session, location_id=KEY, http_client=server.async_client()
    ) as ghl:
        assert (await ghl.contacts.get("c1")).id == "c1"  # 401, refresh, replay
    assert server.refresh_calls == 1
    assert [e[1] for e in server.events if e[0] == "request"] == [
        "at_revoked_0001",
        "at_0000000001",
    ]


def test_file_store_keeps_the_rotated_pair_across_restarts(
    server: OAuthServer, oauth: OAuth2, tmp_path: Path
) -> None:
    path = tmp_path / "tokens.json"
    FileTokenStore(path).save(KEY, tokens("at_old_0000001", "rt_0000000001", expires_at=EXPIRED))
    assert OAuthSession(oauth, FileTokenStore(path), key=KEY).headers() == {
        "Authorization": "Bearer at_0000000001"
    }
    # a new process: the stored pair is fresh, nothing to refresh
    restarted = OAuthSession(oauth, FileTokenStore(path), key=KEY)
    assert restarted.headers() == {"Authorization": "Bearer at_0000000001"}
    assert server.refresh_calls == 1
    saved = FileTokenStore(path).get(KEY)
    assert saved is not None
    assert saved.refresh_token == "rt_0000000002"


async def test_async_session_with_a_sync_file_store(
    server: OAuthServer, aoauth: AsyncOAuth2, tmp_path: Path
) -> None:
    store = FileTokenStore(tmp_path / "tokens.json")
    store.save(KEY, tokens("at_old_0000001", "rt_0000000001", expires_at=EXPIRED))
    session = AsyncOAuthSession(aoauth, store, key=KEY)
    assert session.scopes == frozenset({"contacts.readonly", "contacts.write"})
    assert await session.aheaders() == {"Authorization": "Bearer at_0000000001"}
    saved = FileTokenStore(tmp_path / "tokens.json").get(KEY)
    assert saved is not None
    assert saved.refresh_token == "rt_0000000002"
