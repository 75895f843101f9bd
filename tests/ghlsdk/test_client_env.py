"""``GHLClient()`` / ``AsyncGHLClient()`` read ``GHL_TOKEN`` and ``GHL_LOCATION_ID`` when not
given, as ``NinoxClient()`` reads ``NINOX_API_KEY``; explicit arguments win."""

from __future__ import annotations

import httpx
import pytest

from ghlsdk import AsyncGHLClient, GHLClient
from ghlsdk._client import ENV_LOCATION_ID, ENV_TOKEN
from ninoxsdk import NinoxClient

ENV_PIT = "pit-env-0000000000001"
ARG_PIT = "pit-arg-0000000000002"


class _Seen:
    def __init__(self) -> None:
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return httpx.Response(200, json={"contact": {"id": "c1", "locationId": "loc_env"}})


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    monkeypatch.setenv(ENV_TOKEN, f"  {ENV_PIT}\n")  # surrounding blanks are ignored
    monkeypatch.setenv(ENV_LOCATION_ID, "loc_env")
    return monkeypatch


def test_the_names_match_the_documented_variables() -> None:
    assert (ENV_TOKEN, ENV_LOCATION_ID) == ("GHL_TOKEN", "GHL_LOCATION_ID")


def test_sync_client_reads_the_environment(env: pytest.MonkeyPatch) -> None:
    seen = _Seen()
    with GHLClient(http_client=httpx.Client(transport=httpx.MockTransport(seen))) as ghl:
        assert ghl.location_id == "loc_env"
        ghl.contacts.get("c1")
    assert seen.requests[0].headers["authorization"] == f"Bearer {ENV_PIT}"
    assert ENV_PIT not in repr(ghl)


async def test_async_client_reads_the_environment(env: pytest.MonkeyPatch) -> None:
    seen = _Seen()
    transport = httpx.MockTransport(seen)
    async with AsyncGHLClient(http_client=httpx.AsyncClient(transport=transport)) as ghl:
        assert ghl.location_id == "loc_env"
        await ghl.contacts.get("c1")
    assert seen.requests[0].headers["authorization"] == f"Bearer {ENV_PIT}"


def test_explicit_arguments_win(env: pytest.MonkeyPatch) -> None:
    seen = _Seen()
    client = httpx.Client(transport=httpx.MockTransport(seen))
    with GHLClient(token=ARG_PIT, location_id="loc_arg", http_client=client) as ghl:
        assert ghl.location_id == "loc_arg"
        ghl.contacts.get("c1")
    assert seen.requests[0].headers["authorization"] == f"Bearer {ARG_PIT}"


def test_explicit_auth_wins_over_the_environment_token(env: pytest.MonkeyPatch) -> None:
    class Auth:
        def headers(self) -> dict[str, str]:
            return {"Authorization": "Bearer from-auth-object-01"}

        def refresh(self, rejected: object) -> bool:
            return False

    seen = _Seen()
    client = httpx.Client(transport=httpx.MockTransport(seen))
    with GHLClient(auth=Auth(), http_client=client) as ghl:
        assert ghl.location_id == "loc_env"  # the location still defaults from the env
        ghl.contacts.get("c1")
    assert seen.requests[0].headers["authorization"] == "Bearer from-auth-object-01"


@pytest.mark.parametrize("client", [GHLClient, AsyncGHLClient])
def test_without_argument_or_variable_the_error_names_the_variable(
    monkeypatch: pytest.MonkeyPatch, client: type
) -> None:
    monkeypatch.delenv(ENV_TOKEN, raising=False)
    monkeypatch.setenv(ENV_LOCATION_ID, "   ")  # blank means unset
    with pytest.raises(ValueError, match="set GHL_TOKEN"):
        client()
    monkeypatch.setenv(ENV_TOKEN, "")
    with pytest.raises(ValueError, match="set GHL_TOKEN"):
        client()


def test_location_is_none_without_argument_or_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ENV_LOCATION_ID, raising=False)
    with GHLClient(token=ARG_PIT) as ghl:
        assert ghl.location_id is None


def test_same_rule_as_the_ninox_client(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NINOX_API_KEY", raising=False)
    monkeypatch.delenv(ENV_TOKEN, raising=False)
    for make in (NinoxClient, GHLClient):
        with pytest.raises(ValueError, match=r"NINOX_API_KEY|GHL_TOKEN"):
            make()
