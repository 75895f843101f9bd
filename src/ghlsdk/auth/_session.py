"""OAuth sessions: a token per key, refreshed ahead of expiry, single-flight, store-first.

The rules live once: the pure `plan` (use, wait or lead) and the *renewal*, a generator
program (`_SessionBase._renewal`) that decides every step of getting a new token and yields
what it needs done: read or save the store, send a token request, ask the agency session.
[`OAuthSession`][ghlsdk.auth.OAuthSession] (threads) and
[`AsyncOAuthSession`][ghlsdk.auth.AsyncOAuthSession] (anyio tasks) only wait for each other and
carry those steps out.

- **Ahead of expiry.** A token is *due* ``refresh_skew`` seconds before ``expires_at``. While
  someone refreshes a due-but-unexpired token, other callers keep using it; once it has
  expired they wait for that one refresh.
- **Single-flight.** At most one refresh per session runs at a time; concurrent callers
  share its result (or its error). No lock is held during the HTTP call.
- **Store first.** A new token pair is saved to the store before anyone uses the new access
  token (GHL refresh tokens work once). If saving fails, the new pair is kept aside and the
  next caller retries the save instead of spending another refresh.
- **401.** ``refresh(rejected)`` renews only when the rejected token is still the current one;
  otherwise another caller already did and the request is simply replayed.
- **Agency → location.** A location session given ``agency=`` mints location tokens from the
  agency session's token when it has no refresh token (or nothing stored yet).
- **A refused refresh is remembered.** When the token endpoint refuses the refresh token
  (``invalid_grant``, or its 400/401), the session is *dead*: the waiters and every later
  caller get [`ReauthorizationRequiredError`][ghlsdk.auth.ReauthorizationRequiredError]
  without another request, until new tokens are given (saved to the store by anyone, or
  passed to ``set_tokens``). Transient failures (5xx, timeouts) are not remembered.
"""

from __future__ import annotations

import contextlib
import enum
import threading
from collections.abc import Generator, Mapping
from datetime import datetime
from typing import Any, Generic, TypeVar

import anyio
import anyio.to_thread
import attrs
from typing_extensions import Self

from _sdkcore._http import Call
from _sdkcore.errors import APIStatusError, AuthenticationError, SDKError
from _sdkcore.logging import get_logger
from ghlsdk.auth._locking import arefresh_lock, refresh_lock
from ghlsdk.auth._oauth import AsyncOAuth2, Clock, OAuth2
from ghlsdk.auth._stores import AsyncTokenStore, TokenStore
from ghlsdk.auth._tokens import TokenSet

__all__ = [
    "AsyncOAuthSession",
    "OAuthSession",
    "Plan",
    "ReauthorizationRequiredError",
    "TokenUnavailableError",
    "bearer_token",
    "plan",
    "store_key",
]

_log = get_logger("ghlsdk.auth")

#: Default seconds before expiry at which a token is refreshed.
DEFAULT_REFRESH_SKEW = 60.0


class TokenUnavailableError(SDKError, RuntimeError):
    """A session has no usable token and nothing to get one with (no refresh token, no
    agency session). Run the authorization flow again and save the tokens."""


class ReauthorizationRequiredError(AuthenticationError):
    """The token endpoint refused this session's refresh token (OAuth ``invalid_grant``):
    the tokens are used up, revoked or from another app, and only a new authorization helps.

    Raised by the refresh that was refused, to every caller waiting for it, and to every later
    call of the session, which sends nothing meanwhile. Re-authorise the location (run the
    OAuth install flow again) and give the session the new tokens: save them to its store
    under its key, or call ``set_tokens`` (``aset_tokens``); the next call uses them.

    ``key`` is the session's key; ``status_code``, ``body`` and ``response`` are the token
    endpoint's answer (redacted).
    """

    def __init__(self, refused: APIStatusError, *, key: str) -> None:
        self.key = key
        self.hint = (
            f"Re-authorise this location: run the OAuth install (authorization) flow again and "
            f"give the new tokens (store.save({key!r}, tokens) or session.set_tokens(tokens)); "
            "the session resumes with them. If the app's client id or secret changed, fix "
            "those first."
        )
        super().__init__(
            f"the token endpoint refused the refresh token of {key!r} "
            f"({_refusal_reason(refused)}); it is used up, revoked or from another app, so no "
            "further refresh is attempted",
            response=refused.response,
            body=refused.body,
            messages=refused.messages,
            request_id=refused.request_id,
        )


def _refusal_reason(refused: APIStatusError) -> str:
    body = refused.body
    code = body.get("error") if isinstance(body, Mapping) else None
    code = code if isinstance(code, str) and code else "invalid_grant"
    detail = "; ".join(m for m in refused.messages if m != code)
    return f"{code}: {detail}" if detail else code


def _is_refusal(exc: Exception) -> bool:
    """Whether a failed refresh means the refresh token is dead (not worth sending again):
    ``invalid_grant`` in the body, or the token endpoint's 400/401."""
    if not isinstance(exc, APIStatusError):
        return False
    body = exc.body
    if isinstance(body, Mapping) and body.get("error") == "invalid_grant":
        return True
    return exc.status_code in (400, 401)


@attrs.frozen
class _Dead:
    """Why a session is dead: the token set whose refresh was refused, and the refusal."""

    tokens: TokenSet
    refusal: APIStatusError


class Plan(enum.Enum):
    """What a caller does with the session's current token."""

    USE = "use"  # the current token is good (or good enough while someone refreshes)
    WAIT = "wait"  # another caller is getting a token we need: wait for it
    LEAD = "lead"  # get a new token ourselves; others will wait for us


def plan(current: TokenSet | None, *, in_flight: bool, now: datetime, skew: float) -> Plan:
    """Decide, without I/O, what a caller needing a token does next."""
    if current is None:
        return Plan.WAIT if in_flight else Plan.LEAD
    if not current.is_due(now, skew):
        return Plan.USE
    if in_flight:
        return Plan.WAIT if current.is_expired(now) else Plan.USE
    return Plan.LEAD


def bearer_token(headers: Mapping[str, str]) -> str | None:
    """The token in an ``Authorization: Bearer ...`` header, if any."""
    for name, value in headers.items():
        if name.lower() == "authorization" and value[:7].lower() == "bearer ":
            return value[7:].strip()
    return None


def store_key(tokens: TokenSet) -> str:
    """The natural store key of a token set: its location id, else its company id."""
    key = tokens.location_id or tokens.company_id
    if not key:
        raise ValueError("these tokens carry neither a location id nor a company id; pass key=")
    return key


def merge(old: TokenSet | None, new: TokenSet) -> TokenSet:
    """``new`` with the context a refresh response may leave out taken from ``old``."""
    if old is None:
        return new
    return attrs.evolve(
        new,
        refresh_token=new.refresh_token or old.refresh_token,
        scopes=new.scopes or old.scopes,
        user_type=new.user_type or old.user_type,
        location_id=new.location_id or old.location_id,
        company_id=new.company_id or old.company_id,
        user_id=new.user_id or old.user_id,
    )


T = TypeVar("T")


class _Outcome(Generic[T]):
    """The shared result of one flight: a token, an error, or nothing (abandoned)."""

    def __init__(self) -> None:
        self.result: T | None = None
        self.error: Exception | None = None

    def value(self) -> T | None:
        if self.error is not None:
            raise self.error
        return self.result


class _SyncFlight(_Outcome[TokenSet]):
    def __init__(self) -> None:
        super().__init__()
        self.done = threading.Event()


class _AsyncFlight(_Outcome[TokenSet]):
    def __init__(self) -> None:
        super().__init__()
        self.done = anyio.Event()


@attrs.frozen
class _Load:
    """Read the tokens stored under the session's key (answer: ``TokenSet | None``)."""


@attrs.frozen
class _Save:
    """Save ``tokens`` under the session's key (durable before the answer, ``None``)."""

    tokens: TokenSet


@attrs.frozen
class _AgencyToken:
    """A valid token of the agency session (answer: ``TokenSet``)."""


@attrs.frozen
class _AgencyRefresh:
    """The agency session's ``rejected`` token got a 401: renew it (answer: replay or not)."""

    rejected: TokenSet


_LOAD = _Load()
_AGENCY_TOKEN = _AgencyToken()

#: What a renewal asks its driver to do; a ``Call`` is a token request to send.
_Step = Call[TokenSet] | _Load | _Save | _AgencyToken | _AgencyRefresh
#: A renewal program: yields steps, is sent each step's answer (or has its error thrown in),
#: returns the new tokens (``None``: a forced renewal found nothing to renew with).
_Renewal = Generator[_Step, Any, "TokenSet | None"]


class _Stepper:
    """The bookkeeping both drivers share: step the program with the last step's outcome."""

    def __init__(self, program: _Renewal) -> None:
        self.program = program
        self.answer: Any = None
        self.error: Exception | None = None
        self.result: TokenSet | None = None

    def next(self) -> _Step | None:
        """The next step to carry out; ``None`` once the program returned (``result``)."""
        answer, error = self.answer, self.error
        self.answer = self.error = None
        try:
            return self.program.throw(error) if error is not None else self.program.send(answer)
        except StopIteration as stop:
            self.result = stop.value
            return None


#: The OAuth helper a session sends with (``OAuth2`` / ``AsyncOAuth2``).
OAuthT = TypeVar("OAuthT", OAuth2, AsyncOAuth2)
#: The store it keeps its tokens in.
StoreT = TypeVar("StoreT", bound="TokenStore | AsyncTokenStore")


class _SessionBase(Generic[OAuthT, StoreT]):
    """State, decisions, the renewal program and the constructor shared by both sessions."""

    def __init__(
        self,
        oauth: OAuthT,
        store: StoreT,
        *,
        key: str,
        agency: Self | None = None,
        location_id: str | None = None,
        company_id: str | None = None,
        refresh_skew: float = DEFAULT_REFRESH_SKEW,
        clock: Clock | None = None,
    ) -> None:
        if not isinstance(key, str) or not key:
            raise ValueError("key must be a non-empty string (usually the location id)")
        if refresh_skew < 0:
            raise ValueError("refresh_skew must be >= 0 seconds")
        self.oauth: OAuthT = oauth
        self.store: StoreT = store
        self.agency = agency
        self.key = key
        self.location_id = location_id or (key if agency is not None else None)
        self.company_id = company_id
        self.refresh_skew = float(refresh_skew)
        self.clock = clock or oauth.clock
        self._current: TokenSet | None = None
        self._pending: TokenSet | None = None  # fetched but not yet saved
        self._dead: _Dead | None = None  # set when a refresh was refused
        self._lock = threading.Lock()  # guards the threaded session's state (unused by tasks)
        self._flight: Any = None  # the refresh in progress, if any

    @property
    def reauthorization_required(self) -> bool:
        """True once the token endpoint refused this session's refresh token, until new
        tokens are given (see
        [`ReauthorizationRequiredError`][ghlsdk.auth.ReauthorizationRequiredError])."""
        return self._dead is not None

    def _mark_dead(self, stale: TokenSet, exc: APIStatusError) -> ReauthorizationRequiredError:
        self._dead = _Dead(stale, exc)
        _log.warning(
            "the refresh token of %r was refused; the session needs new tokens (re-authorise)",
            self.key,
        )
        return ReauthorizationRequiredError(exc, key=self.key)

    def _dead_error(self, dead: _Dead) -> ReauthorizationRequiredError:
        return ReauthorizationRequiredError(dead.refusal, key=self.key)

    def _revived_by(self, stored: TokenSet | None) -> bool:
        """Whether ``stored`` holds new credentials for a dead session (anything but the
        refused pair); if so, the session uses them from now on."""
        dead = self._dead
        if dead is None:
            return True
        if stored is None or (
            stored.access_token == dead.tokens.access_token
            and stored.refresh_token == dead.tokens.refresh_token
        ):
            return False
        self._revive(stored)
        return True

    def _revive(self, tokens: TokenSet) -> None:
        self._current = tokens
        self._pending = None
        self._dead = None
        _log.info("new tokens for %r; the session is usable again", self.key)

    @property
    def tokens(self) -> TokenSet | None:
        """The token set in use (``None`` before the first call)."""
        return self._current

    def _plan(self, in_flight: bool) -> Plan:
        return plan(self._current, in_flight=in_flight, now=self.clock(), skew=self.refresh_skew)

    def _adoptable(self, stored: TokenSet | None, stale: TokenSet | None) -> bool:
        # Another session (or process) saved a different token: take it if still good.
        return (
            stored is not None
            and (stale is None or stored.access_token != stale.access_token)
            and not stored.is_due(self.clock(), self.refresh_skew)
        )

    def _unavailable(self, stale: TokenSet | None) -> TokenUnavailableError:
        if stale is None:
            why = f"nothing is stored under key {self.key!r}"
        else:
            why = f"the token stored under key {self.key!r} cannot be refreshed (no refresh token)"
        return TokenUnavailableError(
            f"no usable token: {why}, and no agency session was given to mint one. Run the "
            "authorization flow (OAuth2.exchange_code) and save the tokens under this key, or "
            "pass agency= to mint location tokens from an agency token."
        )

    def _log_renewed(self, new: TokenSet, how: str) -> None:
        _log.info("%s tokens for %r; valid until %s", how, self.key, new.expires_at.isoformat())

    @staticmethod
    def _auth_headers(tokens: TokenSet) -> dict[str, str]:
        return {"Authorization": f"Bearer {tokens.access_token}"}

    def _land(
        self,
        flight: _SyncFlight | _AsyncFlight,
        new: TokenSet | None,
        failure: BaseException | None = None,
    ) -> None:
        """The leader is done: its tokens become current, the flight ends and its waiters
        wake (sharing its error; with neither, e.g. cancelled, they plan again)."""
        with self._lock:  # no await inside: a task holds it for a moment only
            if new is not None:
                self._current = new
            self._flight = None
        if isinstance(failure, Exception):
            flight.error = failure
        flight.result = new
        flight.done.set()

    # -- the renewal, written once -----------------------------------------------------------
    def _renewal(self, stale: TokenSet | None, *, forced: bool) -> _Renewal:
        """Get new tokens and save them before anyone uses them (run under the refresh lock).

        A pair fetched but not saved (the save failed) is saved now instead of spending the
        refresh token again. Tokens another session or process saved meanwhile are adopted.
        """
        new = self._pending
        if new is None:
            stored: TokenSet | None = yield _LOAD
            if self._adoptable(stored, stale):
                return stored
            stale = stored or stale
            new = yield from self._fetching(stale)
            if new is None:
                if forced:
                    return None  # a 401 we cannot act on: the caller raises it
                raise self._unavailable(stale)
            self._pending = new
        yield _Save(new)  # before anyone uses the new access token
        self._pending = None
        return new

    def _fetching(self, stale: TokenSet | None) -> _Renewal:
        """Refresh ``stale``, else mint a location token from the agency session, else
        ``None``. A refused refresh kills the session unless another process just saved a
        newer pair (it spent the same refresh token a moment ago)."""
        if stale is not None and stale.refresh_token:
            call = self.oauth.refresh_call(stale.refresh_token, user_type=stale.user_type)
            try:
                refreshed: TokenSet = yield call
            except APIStatusError as exc:
                if not _is_refusal(exc):
                    raise
                stored: TokenSet | None = yield _LOAD
                if self._adoptable(stored, stale):
                    return stored
                raise self._mark_dead(stale, exc) from exc
            self._log_renewed(refreshed, "refreshed")
            return merge(stale, refreshed)
        if self.agency is None:
            return None
        assert self.location_id is not None
        agency: TokenSet = yield _AGENCY_TOKEN
        try:
            minted: TokenSet = yield self._mint_call(agency)
        except AuthenticationError:
            if not (yield _AgencyRefresh(agency)):
                raise
            minted = yield self._mint_call((yield _AGENCY_TOKEN))
        self._log_renewed(minted, "minted")
        return minted

    def _mint_call(self, agency: TokenSet) -> Call[TokenSet]:
        assert self.location_id is not None
        call: Call[TokenSet] = self.oauth.location_token_call(
            agency, location_id=self.location_id, company_id=self.company_id
        )
        return call

    def __repr__(self) -> str:
        return f"{type(self).__name__}(key={self.key!r}, tokens={self._current!r})"


class OAuthSession(_SessionBase[OAuth2, TokenStore]):
    """Credentials for [`GHLClient`][ghlsdk.GHLClient] from OAuth tokens kept in a store.

    >>> oauth = OAuth2(client_id="...", client_secret="...")
    >>> store = FileTokenStore("tokens.json")
    >>> session = OAuthSession(oauth, store, key="<location id>")
    >>> ghl = GHLClient(auth=session, location_id="<location id>")

    Implements the client's auth protocol: [`headers`][ghlsdk.auth.OAuthSession.headers] returns a
    valid bearer header
    (refreshing ahead of expiry, once for all threads),
    [`refresh`][ghlsdk.auth.OAuthSession.refresh] handles a 401.
    ``oauth`` is an [`OAuth2`][ghlsdk.auth.OAuth2] helper, ``store`` a
    [`TokenStore`][ghlsdk.auth.TokenStore]. ``scopes`` are those of the current token.
    ``agency`` (an ``OAuthSession`` for the agency/company key) lets a location session mint
    its token with ``/oauth/locationToken``.
    """

    _flight: _SyncFlight | None

    @property
    def scopes(self) -> frozenset[str] | None:
        """Scopes of the current (or stored) token; ``None`` when not known yet."""
        current = self._current
        if current is None:
            current = self.store.get(self.key)
            if current is not None:
                with self._lock:
                    if self._current is None and self._flight is None:
                        self._current = current
        return (current.scopes or None) if current is not None else None

    def token(self) -> TokenSet:
        """A token that is not due for refresh (refreshing or minting it if needed).

        Raises [`ReauthorizationRequiredError`][ghlsdk.auth.ReauthorizationRequiredError]
        while the session is dead (its refresh token was refused).
        """
        while True:
            if self._dead is not None:
                self._revive_or_raise()
            with self._lock:
                if self._dead is not None:
                    continue
                step = self._plan(self._flight is not None)
                if step is Plan.USE:
                    assert self._current is not None
                    return self._current
                if step is Plan.WAIT:
                    assert self._flight is not None
                    flight = self._flight
                else:
                    flight = self._flight = _SyncFlight()
                    stale = self._current
            if step is Plan.LEAD:
                new = self._lead(flight, stale, forced=False)
                assert new is not None
                return new
            flight.done.wait()
            if isinstance(flight.error, ReauthorizationRequiredError):
                continue  # raised afresh (or revived) at the top
            result = flight.value()
            if result is not None:
                return result

    def set_tokens(self, tokens: TokenSet) -> None:
        """Give the session new tokens (e.g. after re-authorising): saved to the store, then
        used. Revives a session whose refresh token was refused."""
        if not isinstance(tokens, TokenSet):
            raise TypeError(f"expected a TokenSet, got {type(tokens).__name__}")
        self.store.save(self.key, tokens)
        with self._lock:
            self._revive(tokens)

    def _revive_or_raise(self) -> None:
        stored = self.store.get(self.key)
        with self._lock:
            dead = self._dead
            if dead is None or self._revived_by(stored):
                return
        raise self._dead_error(dead)

    def headers(self) -> Mapping[str, str]:
        """``{"Authorization": "Bearer <access token>"}`` with a valid token."""
        return self._auth_headers(self.token())

    def refresh(self, rejected: Mapping[str, str]) -> bool:
        """The server answered 401 to ``rejected``: renew once unless already renewed.

        Returns True when the request should be replayed with fresh
        [`headers`][ghlsdk.auth.OAuthSession.headers].
        """
        sent = bearer_token(rejected)
        if self._dead is not None:
            self._revive_or_raise()
            return True  # new tokens were given: replay with them
        with self._lock:
            current = self._current
            if self._flight is not None:
                flight, lead = self._flight, False
            elif current is not None and sent is not None and sent != current.access_token:
                return True  # someone renewed since this request was sent
            else:
                flight, lead = _SyncFlight(), True
                self._flight = flight
        if lead:
            return self._lead(flight, current, forced=True) is not None
        flight.done.wait()
        if isinstance(flight.error, ReauthorizationRequiredError):
            self._revive_or_raise()
            return True
        flight.value()
        return True

    # -- the leader ------------------------------------------------------------------------
    def _lead(
        self, flight: _SyncFlight, stale: TokenSet | None, *, forced: bool
    ) -> TokenSet | None:
        try:
            with refresh_lock(self.store, self.key):  # other processes' refreshes wait
                new = self._run(self._renewal(stale, forced=forced))
        except BaseException as exc:
            self._land(flight, None, exc)
            raise
        self._land(flight, new)
        return new

    def _run(self, program: _Renewal) -> TokenSet | None:
        steps = _Stepper(program)
        with contextlib.closing(program):
            while (step := steps.next()) is not None:
                try:
                    steps.answer = self._carry_out(step)
                except Exception as exc:
                    steps.error = exc
        return steps.result

    def _carry_out(self, step: _Step) -> Any:
        if isinstance(step, Call):
            return self.oauth._http.execute(step)
        if isinstance(step, _Save):
            return self.store.save(self.key, step.tokens)
        if isinstance(step, _Load):
            return self.store.get(self.key)
        assert self.agency is not None
        if isinstance(step, _AgencyRefresh):
            return self.agency.refresh(self._auth_headers(step.rejected))
        return self.agency.token()


class AsyncOAuthSession(_SessionBase[AsyncOAuth2, TokenStore | AsyncTokenStore]):
    """The async twin of [`OAuthSession`][ghlsdk.auth.OAuthSession], for
    [`AsyncGHLClient`][ghlsdk.AsyncGHLClient]: ``oauth`` is an
    [`AsyncOAuth2`][ghlsdk.auth.AsyncOAuth2] helper, ``agency`` an ``AsyncOAuthSession``.

    Waiting callers are anyio tasks (asyncio or trio). The store's methods run in a worker
    thread unless it implements [`AsyncTokenStore`][ghlsdk.auth.AsyncTokenStore]
    (``aget``/``asave``/
    ``adelete``), as [`MemoryTokenStore`][ghlsdk.auth.MemoryTokenStore] does. Use one session per
    event
    loop.
    """

    _flight: _AsyncFlight | None

    @property
    def scopes(self) -> frozenset[str] | None:
        """Scopes of the current token; before the first call, of the stored token when the
        store has a sync ``get`` (a short blocking read), else ``None``."""
        current = self._current
        if current is None and isinstance(self.store, TokenStore):
            current = self.store.get(self.key)
            if current is not None and self._current is None and self._flight is None:
                self._current = current
        return (current.scopes or None) if current is not None else None

    async def atoken(self) -> TokenSet:
        """A token that is not due for refresh (refreshing or minting it if needed).

        Raises [`ReauthorizationRequiredError`][ghlsdk.auth.ReauthorizationRequiredError]
        while the session is dead (its refresh token was refused).
        """
        while True:
            if self._dead is not None:
                await self._arevive_or_raise()
            # No await between planning and claiming the flight: tasks cannot interleave.
            step = self._plan(self._flight is not None)
            if step is Plan.USE:
                assert self._current is not None
                return self._current
            if step is Plan.LEAD:
                flight = self._flight = _AsyncFlight()
                new = await self._alead(flight, self._current, forced=False)
                assert new is not None
                return new
            assert self._flight is not None
            waiting = self._flight
            await waiting.done.wait()
            if isinstance(waiting.error, ReauthorizationRequiredError):
                continue  # raised afresh (or revived) at the top
            result = waiting.value()
            if result is not None:
                return result

    async def aset_tokens(self, tokens: TokenSet) -> None:
        """Give the session new tokens (e.g. after re-authorising): saved to the store, then
        used. Revives a session whose refresh token was refused."""
        if not isinstance(tokens, TokenSet):
            raise TypeError(f"expected a TokenSet, got {type(tokens).__name__}")
        await self._asave(tokens)
        self._revive(tokens)

    async def _arevive_or_raise(self) -> None:
        stored = await self._aget()
        dead = self._dead
        if dead is None or self._revived_by(stored):
            return
        raise self._dead_error(dead)

    async def aheaders(self) -> Mapping[str, str]:
        """``{"Authorization": "Bearer <access token>"}`` with a valid token."""
        return self._auth_headers(await self.atoken())

    async def arefresh(self, rejected: Mapping[str, str]) -> bool:
        """The server answered 401 to ``rejected``: renew once unless already renewed.

        Returns True when the request should be replayed with fresh
        [`headers`][ghlsdk.auth.OAuthSession.headers].
        """
        sent = bearer_token(rejected)
        if self._dead is not None:
            await self._arevive_or_raise()
            return True  # new tokens were given: replay with them
        current = self._current
        if self._flight is not None:
            waiting = self._flight
            await waiting.done.wait()
            if isinstance(waiting.error, ReauthorizationRequiredError):
                await self._arevive_or_raise()
                return True
            waiting.value()
            return True
        if current is not None and sent is not None and sent != current.access_token:
            return True
        flight = self._flight = _AsyncFlight()
        return await self._alead(flight, current, forced=True) is not None

    # -- the leader ------------------------------------------------------------------------
    async def _alead(
        self, flight: _AsyncFlight, stale: TokenSet | None, *, forced: bool
    ) -> TokenSet | None:
        try:
            # Shielded: a refresh cancelled halfway may have spent the refresh token on the
            # server; finishing it (bounded by the HTTP timeout) and saving the new pair is
            # the only way not to lose the session. The cancellation lands right after.
            with anyio.CancelScope(shield=True):
                async with arefresh_lock(self.store, self.key):
                    new = await self._arun(self._renewal(stale, forced=forced))
        except BaseException as exc:
            self._land(flight, None, exc)
            raise
        self._land(flight, new)
        return new

    async def _arun(self, program: _Renewal) -> TokenSet | None:
        steps = _Stepper(program)
        with contextlib.closing(program):
            while (step := steps.next()) is not None:
                try:
                    steps.answer = await self._acarry_out(step)
                except Exception as exc:
                    steps.error = exc
        return steps.result

    async def _acarry_out(self, step: _Step) -> Any:
        if isinstance(step, Call):
            return await self.oauth._http.execute(step)
        if isinstance(step, _Save):
            return await self._asave(step.tokens)
        if isinstance(step, _Load):
            return await self._aget()
        assert self.agency is not None
        if isinstance(step, _AgencyRefresh):
            return await self.agency.arefresh(self._auth_headers(step.rejected))
        return await self.agency.atoken()

    async def _aget(self) -> TokenSet | None:
        store = self.store
        if isinstance(store, AsyncTokenStore):
            return await store.aget(self.key)
        return await anyio.to_thread.run_sync(store.get, self.key)

    async def _asave(self, tokens: TokenSet) -> None:
        store = self.store
        if isinstance(store, AsyncTokenStore):
            await store.asave(self.key, tokens)
        else:
            await anyio.to_thread.run_sync(store.save, self.key, tokens)
