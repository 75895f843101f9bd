"""The session's renewal program, stepped by hand: no HTTP, no store, no threads.

Both sessions run this one program (``OAuthSession`` in threads, ``AsyncOAuthSession`` in
tasks); here each step it asks for is answered (or failed) by a script, so the order of the
steps and what a failure half-way leaves behind are checked directly.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import httpx
import pytest

from _sdkcore._http import Call
from _sdkcore.errors import (
    AuthenticationError,
    BadRequestError,
    InternalServerError,
    SDKError,
)
from ghlsdk.auth import (
    AsyncOAuth2,
    AsyncOAuthSession,
    MemoryTokenStore,
    OAuth2,
    OAuthSession,
    ReauthorizationRequiredError,
    TokenSet,
    TokenUnavailableError,
)
from ghlsdk.auth._session import (
    _AgencyRefresh,
    _AgencyToken,
    _Load,
    _Renewal,
    _Save,
    _Step,
    _Stepper,
)

from .test_auth_support import CLIENT_ID, CLIENT_SECRET, T0, Clock, tokens

STALE = tokens("at_stale_000001", "rt_stale_000001", expires_at=T0 - timedelta(minutes=1))
FRESH = tokens("at_fresh_000001", None, expires_at=T0 + timedelta(hours=1), scopes="")
OTHERS = tokens("at_other_000001", "rt_other_000001", expires_at=T0 + timedelta(hours=1))
AGENCY = tokens("at_agency_00001", "rt_agency_00001", expires_at=T0 + timedelta(hours=1))
MINTED = tokens("lt_minted_00001", None, expires_at=T0 + timedelta(hours=1))

Answer = Callable[[_Step], Any]


def _no_network(request: httpx.Request) -> httpx.Response:
    raise AssertionError(f"the program must not send anything itself: {request.url}")


def oauth() -> OAuth2:
    return OAuth2(
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
        http_client=httpx.Client(transport=httpx.MockTransport(_no_network)),
        clock=Clock(),
    )


def session(*, agency: bool = False) -> OAuthSession:
    helper = oauth()
    store = MemoryTokenStore()
    boss = OAuthSession(helper, store, key="comp_1") if agency else None
    return OAuthSession(helper, store, key="loc_1", agency=boss)


def label(step: _Step) -> str:
    if isinstance(step, Call):
        grant = (step.spec.data or {}).get("grant_type", "mint")
        return f"{step.spec.method} {step.spec.path} {grant}"
    if isinstance(step, _Save):
        return f"save {step.tokens.access_token}"
    if isinstance(step, _AgencyRefresh):
        return f"agency refresh {step.rejected.access_token}"
    return {_Load: "load", _AgencyToken: "agency token"}[type(step)]


def drive(program: _Renewal, answer: Answer) -> tuple[list[str], TokenSet | None]:
    """Run ``program`` with the sessions' own stepper, ``answer`` standing in for I/O."""
    steps = _Stepper(program)
    seen: list[str] = []
    while (step := steps.next()) is not None:
        seen.append(label(step))
        try:
            steps.answer = answer(step)
        except Exception as exc:
            steps.error = exc
    return seen, steps.result


def script(**answers: Any) -> Answer:
    """Answers by step label prefix (``load``, ``POST``, ``save``, ``agency``); a list gives
    one answer per call, an exception is raised."""

    def answer(step: _Step) -> Any:
        name = label(step)
        for prefix, value in answers.items():
            if name.startswith(prefix.replace("_", " ")):
                if isinstance(value, list):
                    value = value.pop(0)
                if isinstance(value, Exception):
                    raise value
                return value
        raise AssertionError(f"unexpected step {name}")

    return answer


def status_error(cls: type[Any], status: int, body: Any) -> Any:
    request = httpx.Request("POST", "https://services.leadconnectorhq.com/oauth/token")
    return cls("refused", response=httpx.Response(status, json=body, request=request), body=body)


def test_a_refresh_is_saved_before_it_is_returned() -> None:
    s = session()
    seen, new = drive(s._renewal(STALE, forced=False), script(load=STALE, POST=FRESH, save=None))
    assert seen == ["load", "POST /oauth/token refresh_token", "save at_fresh_000001"]
    assert new is not None
    assert new.access_token == "at_fresh_000001"
    # what the refresh response left out comes from the old pair
    assert new.refresh_token == "rt_stale_000001"
    assert new.scopes == STALE.scopes


def test_a_failed_save_keeps_the_pair_and_the_next_renewal_only_saves() -> None:
    s = session()
    with pytest.raises(OSError, match="disk full"):
        drive(
            s._renewal(STALE, forced=False),
            script(load=STALE, POST=FRESH, save=OSError("disk full")),
        )
    # the refresh token is spent: the next renewal must not send it again
    seen, new = drive(s._renewal(STALE, forced=False), script(save=None))
    assert seen == ["save at_fresh_000001"]
    assert new is not None
    assert new.access_token == "at_fresh_000001"


def test_a_pair_saved_by_another_process_is_adopted_without_a_request() -> None:
    seen, new = drive(session()._renewal(STALE, forced=False), script(load=OTHERS))
    assert seen == ["load"]
    assert new == OTHERS


def test_a_refused_refresh_adopts_the_pair_another_process_just_saved() -> None:
    s = session()
    refusal = status_error(BadRequestError, 400, {"error": "invalid_grant"})
    seen, new = drive(
        s._renewal(STALE, forced=False), script(load=[STALE, OTHERS], POST=refusal, save=None)
    )
    assert seen == ["load", "POST /oauth/token refresh_token", "load", "save at_other_000001"]
    assert new == OTHERS
    assert not s.reauthorization_required


def test_a_refused_refresh_kills_the_session_and_names_the_cause() -> None:
    s = session()
    refusal = status_error(BadRequestError, 400, {"error": "invalid_grant"})
    with pytest.raises(ReauthorizationRequiredError) as caught:
        drive(s._renewal(STALE, forced=False), script(load=[STALE, STALE], POST=refusal))
    assert caught.value.__cause__ is refusal
    assert "invalid_grant" in str(caught.value)
    assert s.reauthorization_required


def test_a_transient_refresh_failure_is_raised_and_not_remembered() -> None:
    s = session()
    outage = status_error(InternalServerError, 503, {"message": "busy"})
    with pytest.raises(InternalServerError):
        drive(s._renewal(STALE, forced=False), script(load=STALE, POST=outage))
    assert not s.reauthorization_required
    seen, _ = drive(s._renewal(STALE, forced=False), script(load=STALE, POST=FRESH, save=None))
    assert seen[1] == "POST /oauth/token refresh_token"  # tried again, nothing was pending


def test_nothing_to_renew_with() -> None:
    with pytest.raises(TokenUnavailableError, match="nothing is stored") as caught:
        drive(session()._renewal(None, forced=False), script(load=None))
    assert isinstance(caught.value, SDKError)
    # a 401 we cannot act on: no error here, the caller raises the 401
    assert drive(session()._renewal(None, forced=True), script(load=None)) == (["load"], None)


def test_minting_retries_once_after_the_agency_renews_its_token() -> None:
    rejected = status_error(AuthenticationError, 401, {"message": "Invalid JWT"})
    seen, new = drive(
        session(agency=True)._renewal(None, forced=False),
        script(
            load=None,
            agency_token=[AGENCY, OTHERS],
            agency_refresh=True,
            POST=[rejected, MINTED],
            save=None,
        ),
    )
    assert seen == [
        "load",
        "agency token",
        "POST /oauth/locationToken mint",
        "agency refresh at_agency_00001",
        "agency token",
        "POST /oauth/locationToken mint",
        "save lt_minted_00001",
    ]
    assert new == MINTED


def test_minting_gives_the_401_back_when_the_agency_cannot_renew() -> None:
    rejected = status_error(AuthenticationError, 401, {"message": "Invalid JWT"})
    with pytest.raises(AuthenticationError) as caught:
        drive(
            session(agency=True)._renewal(None, forced=False),
            script(load=None, agency_token=AGENCY, agency_refresh=False, POST=rejected),
        )
    assert caught.value is rejected


def test_both_sessions_run_the_same_program() -> None:
    assert not {"_renewal", "_fetching"} & (vars(OAuthSession).keys() | vars(AsyncOAuthSession))
    helper = AsyncOAuth2(client_id=CLIENT_ID, client_secret=CLIENT_SECRET, clock=Clock())
    s = AsyncOAuthSession(helper, MemoryTokenStore(), key="loc_1")
    seen, _ = drive(s._renewal(STALE, forced=False), script(load=STALE, POST=FRESH, save=None))
    assert seen == ["load", "POST /oauth/token refresh_token", "save at_fresh_000001"]


class _Interrupted(BaseException):
    """Stands for KeyboardInterrupt or a cancellation: not an ``Exception``."""


class _InterruptOnce(MemoryTokenStore):
    def __init__(self) -> None:
        super().__init__()
        self.interrupt = True

    def get(self, key: str) -> TokenSet | None:
        if self.interrupt:
            self.interrupt = False
            raise _Interrupted
        return super().get(key)


def test_a_leader_interrupted_half_way_ends_its_flight() -> None:
    store = _InterruptOnce()
    store.save("loc_1", OTHERS)
    s = OAuthSession(oauth(), store, key="loc_1")
    with pytest.raises(_Interrupted):
        s.token()
    assert s._flight is None  # waiters woke; nobody waits for a leader that is gone
    assert s.token() == OTHERS  # the next caller leads afresh


async def test_an_async_leader_interrupted_half_way_ends_its_flight() -> None:
    store = _InterruptOnce()
    store.save("loc_1", OTHERS)
    helper = AsyncOAuth2(client_id=CLIENT_ID, client_secret=CLIENT_SECRET, clock=Clock())
    s = AsyncOAuthSession(helper, store, key="loc_1")
    with pytest.raises(_Interrupted):
        await s.atoken()
    assert s._flight is None
    assert await s.atoken() == OTHERS
