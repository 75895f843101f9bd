"""The sync and async twins expose the same methods with the same signatures and docstrings
(each method is written once, in a table both twins inherit: ``_sdkcore.twins``); the async
one awaits exactly the methods that send requests."""

from __future__ import annotations

import inspect
import re
from typing import Any

import pytest

import ninoxsdk
from ninoxsdk import resources

PAIRS = [
    (ninoxsdk.NinoxClient, ninoxsdk.AsyncNinoxClient),
    (resources.Teams, resources.AsyncTeams),
    (resources.Databases, resources.AsyncDatabases),
    (resources.Tables, resources.AsyncTables),
    (resources.DatabaseHandle, resources.AsyncDatabaseHandle),
    (resources.TableHandle, resources.AsyncTableHandle),
    (resources.RecordFiles, resources.AsyncRecordFiles),
    (resources.Changes, resources.AsyncChanges),
]
#: Methods that return a handle or a lazy iterable: plain ``def`` in both twins (also any
#: method returning ``Items``).
NO_IO = {
    "changes",
    "files",
    "table",
    "database",
    "with_options",
    "private_cloud",
    "on_premise",
}
#: Lifecycle names that differ by convention.
RENAMED = {"close": "aclose"}


def public_methods(cls: type[Any]) -> dict[str, Any]:
    return {
        name: member
        for name, member in inspect.getmembers(cls)
        if not name.startswith("_") and callable(member)
    }


def normalise(annotation: Any) -> str:
    """An annotation or docstring with the twins' names made the same (``AsyncTableHandle``,
    ``SyncItems`` → ``TableHandle``, ``Items``)."""
    return re.sub(r"\b(Async|Sync)(?=[A-Z])", "", str(annotation))


@pytest.mark.parametrize(("sync_cls", "async_cls"), PAIRS, ids=lambda c: c.__name__)
def test_twins_have_the_same_surface(sync_cls: type[Any], async_cls: type[Any]) -> None:
    sync_methods = public_methods(sync_cls)
    async_methods = public_methods(async_cls)
    expected_async = {RENAMED.get(name, name) for name in sync_methods}
    assert set(async_methods) == expected_async
    for name, sync_method in sync_methods.items():
        async_method = async_methods[RENAMED.get(name, name)]
        s_sig = inspect.signature(sync_method)
        a_sig = inspect.signature(async_method)
        assert [
            (p.name, p.kind, p.default, normalise(p.annotation)) for p in s_sig.parameters.values()
        ] == [
            (p.name, p.kind, p.default, normalise(p.annotation)) for p in a_sig.parameters.values()
        ], f"{sync_cls.__name__}.{name}"
        assert normalise(s_sig.return_annotation) == normalise(a_sig.return_annotation), name
        assert (sync_method.__doc__ or "") == (async_method.__doc__ or ""), name
        lazy = name in NO_IO or "Items[" in str(s_sig.return_annotation)
        is_coroutine = inspect.iscoroutinefunction(async_method)
        assert is_coroutine == (not lazy), f"{async_cls.__name__}.{name}"
        assert not inspect.iscoroutinefunction(sync_method)
        assert (sync_method.__doc__ or "").strip(), f"{sync_cls.__name__}.{name} has no docstring"


@pytest.mark.parametrize(("sync_cls", "async_cls"), PAIRS, ids=lambda c: c.__name__)
def test_constructors_match(sync_cls: type[Any], async_cls: type[Any]) -> None:
    s = inspect.signature(sync_cls.__init__)
    a = inspect.signature(async_cls.__init__)
    assert [(p.name, p.kind, p.default) for p in s.parameters.values()] == [
        (p.name, p.kind, p.default) for p in a.parameters.values()
    ]


def test_public_names_are_exported_and_documented() -> None:
    for name in ninoxsdk.__all__:
        obj = getattr(ninoxsdk, name)
        if inspect.isclass(obj) or inspect.isfunction(obj):
            assert (obj.__doc__ or "").strip(), f"{name} has no docstring"
    assert "_sdkcore" not in " ".join(ninoxsdk.__all__)


def test_list_is_every_record_and_page_is_one() -> None:
    for cls in (resources.TableHandle, resources.AsyncTableHandle):
        assert "per_page" in inspect.signature(cls.list).parameters
        assert "page" not in inspect.signature(cls.list).parameters
        assert "page" in inspect.signature(cls.page).parameters
