"""One SDK shape: in both SDKs every sync class has an async twin whose public methods have
the same parameters (names, kinds, defaults, annotations), the same return type (up to the
``Async``/``Sync`` prefix of its twin types) and the same docstring. I/O methods are
coroutines in the async twin; methods that return a pager, an iterator or a handle are plain
``def`` in both. The twins are found, not listed: a new ``AsyncX`` is checked as soon as it
is exported next to its ``X``."""

from __future__ import annotations

import importlib
import inspect
import re
from collections.abc import Iterator
from typing import Any

import pytest

#: The modules whose exported classes are paired (``X`` with ``AsyncX``).
MODULES = ["ghlsdk", "ghlsdk.resources", "ninoxsdk", "ninoxsdk.resources"]
#: The GHL twins whose sync class is not named after the async one minus ``Async``.
EXTRA_PAIRS = [("ghlsdk", "GHLClient", "AsyncGHLClient")]
#: Annotations that differ between the twins by design: the auth protocol, the httpx client,
#: the sleep function, iterators.
_SAME = [
    (r"\bAsync(?=[A-Z])", ""),
    (r"\bSync(?=[A-Z])", ""),
    (r"Awaitable\[None\]", "None"),
    (r"AsyncIterator", "Iterator"),
]


def _normalise(text: object) -> str:
    out = str(text)
    for pattern, repl in _SAME:
        out = re.sub(pattern, repl, out)
    return out


def _pairs() -> Iterator[tuple[str, type, type]]:
    seen = set()
    for module_name in MODULES:
        module = importlib.import_module(module_name)
        for name in getattr(module, "__all__", ()):
            twin = getattr(module, "Async" + name, None)
            sync = getattr(module, name)
            if inspect.isclass(sync) and inspect.isclass(twin) and (sync, twin) not in seen:
                seen.add((sync, twin))
                yield module_name, sync, twin
    for module_name, sync_name, async_name in EXTRA_PAIRS:
        module = importlib.import_module(module_name)
        yield module_name, getattr(module, sync_name), getattr(module, async_name)


PAIRS = list(_pairs())


def _param(pair: tuple[str, type, type]) -> Any:
    module, sync, _ = pair
    return pytest.param(*pair, id=f"{module.split('.')[0]}.{sync.__name__}")


def _twin(async_methods: dict[str, Any], name: str) -> Any:
    """The async twin of method ``name``: the same name, or ``a`` + name (``aclose``,
    ``aheaders``: the httpx convention where both live on one protocol)."""
    return async_methods.get(name) or async_methods.get("a" + name)


def _methods(cls: type) -> dict[str, Any]:
    return {
        name: member
        for name, member in inspect.getmembers(cls)
        if not name.startswith("_") and (inspect.isfunction(member) or inspect.ismethod(member))
    }


def _shape(fn: Any) -> list[tuple[str, Any, Any, str]]:
    sig = inspect.signature(fn)
    return [(p.name, p.kind, p.default, _normalise(p.annotation)) for p in sig.parameters.values()]


def _doc(fn: Any) -> str:
    return _normalise(inspect.cleandoc(fn.__doc__ or ""))


def test_both_sdks_have_twins() -> None:
    sdks = {module.split(".")[0] for module, _, _ in PAIRS}
    assert sdks == {"ghlsdk", "ninoxsdk"}
    assert len(PAIRS) >= 20


@pytest.mark.parametrize(("module", "sync", "async_"), [_param(p) for p in PAIRS])
def test_twins_have_the_same_methods(module: str, sync: type, async_: type) -> None:
    s, a = _methods(sync), _methods(async_)
    twins = {name: _twin(a, name) for name in s}
    assert None not in twins.values(), f"{module}.{sync.__name__}: no twin for {twins}"
    assert {t.__name__ for t in twins.values()} == set(a), f"{module}.{async_.__name__}"
    for name, fn in s.items():
        twin = twins[name]
        where = f"{module}.{sync.__name__}.{name}"
        assert _shape(fn) == _shape(twin), where
        s_ret = _normalise(inspect.signature(fn).return_annotation)
        assert s_ret == _normalise(inspect.signature(twin).return_annotation), where
        assert not inspect.iscoroutinefunction(fn), where


@pytest.mark.parametrize(("module", "sync", "async_"), [_param(p) for p in PAIRS])
def test_twins_have_the_same_docstrings(module: str, sync: type, async_: type) -> None:
    a = _methods(async_)
    for name, fn in _methods(sync).items():
        twin = _twin(a, name)
        if twin is None:
            continue  # reported by test_twins_have_the_same_methods
        assert _doc(fn), f"{module}.{sync.__name__}.{name} has no docstring"
        assert _doc(fn) == _doc(twin), f"{module}.{sync.__name__}.{name}"


@pytest.mark.parametrize(("module", "sync", "async_"), [_param(p) for p in PAIRS])
def test_async_pagers_are_iterated_not_awaited(module: str, sync: type, async_: type) -> None:
    """A method returning a pager or an iterator is plain ``def`` in the async twin too
    (``async for item in aghl.contacts.list()``, no ``await``); ``close`` is awaited."""
    for name, fn in _methods(async_).items():
        returns = str(inspect.signature(fn).return_annotation)
        if re.search(r"(Pager|Iterator|Items)\b", returns):
            assert not inspect.iscoroutinefunction(fn), f"{module}.{async_.__name__}.{name}"
        if name == "aclose":
            assert inspect.iscoroutinefunction(fn), f"{module}.{async_.__name__}.{name}"
