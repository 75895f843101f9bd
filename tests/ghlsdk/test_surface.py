"""The sync and async surfaces cannot drift: same resources, same public methods, same
parameters (names, kinds, defaults, annotations); async methods are coroutines except the
ones returning pagers, whose return types are the pager twins."""

from __future__ import annotations

import inspect
from typing import Any

import pytest

import ghlsdk
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
def test_twins_have_identical_methods(sync: type, async_: type) -> None:
    s, a = _public_methods(sync), _public_methods(async_)
    assert sorted(s) == sorted(a)
    for name in s:
        assert _params(s[name]) == _params(a[name]), name
        s_ret = inspect.signature(s[name]).return_annotation
        a_ret = inspect.signature(a[name]).return_annotation
        if name == "registry":  # returns the sync/async registry twin, without awaiting
            assert a_ret == "Async" + s_ret, name
        elif "SyncPager" in s_ret:
            assert not inspect.iscoroutinefunction(a[name]), name
            assert a_ret == s_ret.replace("SyncPager", "AsyncPager"), name
        else:
            assert inspect.iscoroutinefunction(a[name]), name
            assert a_ret == s_ret, name
        assert s[name].__doc__ == a[name].__doc__, name
        assert not inspect.iscoroutinefunction(s[name]), name


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
    s_init = _params(GHLClient.__init__)
    a_init = _params(AsyncGHLClient.__init__)
    differing = {p[0] for p, q in zip(s_init, a_init, strict=True) if p != q}
    # the sync/async auth protocol, httpx client type and sleep function
    assert differing == {"auth", "http_client", "sleep"}
    assert _params(GHLClient.with_options) == _params(AsyncGHLClient.with_options)
    public = {n for n in dir(GHLClient) if not n.startswith("_")}
    apublic = {n for n in dir(AsyncGHLClient) if not n.startswith("_")}
    assert public - {"close"} == apublic - {"aclose"}
    sync.close()


def test_package_exports_resolve() -> None:
    for name in ghlsdk.__all__:
        assert getattr(ghlsdk, name) is not None
