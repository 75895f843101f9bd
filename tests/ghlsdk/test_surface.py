"""The GHL clients' surfaces: the same resources on both clients, every method takes
keyword-only ``options`` last and names its scope. (Method by method, every sync/async twin
of both SDKs is compared in tests/test_sdk_shape.py.)"""

from __future__ import annotations

import inspect
import typing
from typing import Any

import httpx
import pytest
import respx

import ghlsdk
from _sdkcore._http import AsyncAuth, SyncAuth
from ghlsdk import AsyncGHLClient, GHLClient
from ghlsdk import resources as res

PAIRS = [
    (res.Contacts, res.AsyncContacts),
    (res.Tasks, res.AsyncTasks),
    (res.Notes, res.AsyncNotes),
    (res.Appointments, res.AsyncAppointments),
    (res.Tags, res.AsyncTags),
    (res.Followers, res.AsyncFollowers),
    (res.Campaigns, res.AsyncCampaigns),
    (res.Workflows, res.AsyncWorkflows),
    (res.Businesses, res.AsyncBusinesses),
    (res.Calendars, res.AsyncCalendars),
    (res.CustomFields, res.AsyncCustomFields),
]
RESOURCES = ["contacts", "tasks", "notes", "appointments", "tags", "followers"]
RESOURCES += ["campaigns", "workflows", "businesses", "calendars", "custom_fields"]


def _public_methods(cls: type) -> dict[str, Any]:
    return {
        name: fn
        for name, fn in inspect.getmembers(cls, inspect.isfunction)
        if not name.startswith("_")
    }


def _params(fn: Any) -> list[tuple[str, Any, Any, Any]]:
    sig = inspect.signature(fn)
    return [(p.name, p.kind, p.default, p.annotation) for p in sig.parameters.values()]


@pytest.mark.parametrize(("sync", "async_"), PAIRS, ids=[p[0].__name__ for p in PAIRS])
def test_every_method_takes_keyword_only_options_last(sync: type, async_: type) -> None:
    for cls in (sync, async_):
        for name, fn in _public_methods(cls).items():
            params = list(inspect.signature(fn).parameters.values())
            if params[-1].kind is inspect.Parameter.VAR_KEYWORD:
                # the write methods: a request model, or its fields as keyword arguments
                assert params[-1].name == "fields", f"{cls.__name__}.{name}"
                params.pop()
            last = params[-1]
            assert last.name == "options", f"{cls.__name__}.{name}"
            assert last.kind is inspect.Parameter.KEYWORD_ONLY
            assert last.default is None
            assert "Scope: ``" in (fn.__doc__ or ""), f"{cls.__name__}.{name}"


def test_clients_expose_the_same_resources_and_options() -> None:
    sync = GHLClient(token="tok-surface-1")
    asyn = AsyncGHLClient(token="tok-surface-1")
    for name, (s_cls, a_cls) in zip(RESOURCES, PAIRS, strict=True):
        assert type(getattr(sync, name)) is s_cls
        assert type(getattr(asyn, name)) is a_cls
        assert sorted(dir(getattr(sync.with_raw_response, name))) == sorted(
            dir(getattr(asyn.with_raw_response, name))
        )
    # one constructor: the twins differ only in its type arguments (the sync/async auth
    # protocol, httpx client type and sleep function)
    assert "__init__" not in vars(GHLClient)
    assert "__init__" not in vars(AsyncGHLClient)
    generic = {p[0]: p[3] for p in _params(GHLClient.__init__) if "T " in f"{p[3]} "}
    assert generic == {
        "auth": "AuthT | None",
        "http_client": "ClientT | None",
        "sleep": "SleepT | None",
    }
    s_args = typing.get_args(vars(GHLClient)["__orig_bases__"][0])
    a_args = typing.get_args(vars(AsyncGHLClient)["__orig_bases__"][0])
    assert s_args[:2] == (SyncAuth, httpx.Client)
    assert a_args[:2] == (AsyncAuth, httpx.AsyncClient)
    assert _params(GHLClient.with_options) == _params(AsyncGHLClient.with_options)
    public = {n for n in dir(GHLClient) if not n.startswith("_")}
    apublic = {n for n in dir(AsyncGHLClient) if not n.startswith("_")}
    assert public - {"close"} == apublic - {"aclose"}
    sync.close()


async def test_a_client_refuses_the_other_kind_of_httpx_client_before_any_request() -> None:
    async with httpx.AsyncClient() as async_client:
        with pytest.raises(TypeError, match=r"httpx\.Client \(use AsyncGHLClient"):
            GHLClient(token="tok-surface-3", http_client=async_client)  # type: ignore[arg-type]
    with httpx.Client() as client, pytest.raises(TypeError, match=r"\(use GHLClient"):
        AsyncGHLClient(token="tok-surface-3", http_client=client)  # type: ignore[arg-type]


def test_package_exports_resolve() -> None:
    for name in ghlsdk.__all__:
        assert getattr(ghlsdk, name) is not None


def test_resources_are_made_once_per_client_and_follow_with_options() -> None:
    ghl = GHLClient(token="tok-surface-2", location_id="loc1", max_retries=0)
    assert ghl.contacts is ghl.contacts  # made on first use, then kept
    other = ghl.with_options(location_id="loc2", max_retries=1)
    assert type(other) is GHLClient
    assert other.contacts is not ghl.contacts
    assert ghl.with_raw_response is ghl.with_raw_response
    assert repr(other) == (
        "GHLClient(location_id='loc2', base_url='https://services.leadconnectorhq.com', "
        "auth=StaticAuth)"
    )
    with respx.mock(assert_all_called=True) as mock:
        route = mock.get("https://services.leadconnectorhq.com/contacts/").mock(
            return_value=httpx.Response(200, json={"contacts": []})
        )
        assert other.contacts.list().to_list() == []
        assert ghl.contacts.list().to_list() == []
    assert [c.request.url.params["locationId"] for c in route.calls] == ["loc2", "loc1"]
    ghl.close()
