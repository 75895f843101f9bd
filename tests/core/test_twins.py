"""Twins written once (``_sdkcore.twins``): a table of builders gives a sync class plain
methods and an async class coroutines with the builder's signature and docstring; options
bound to a program reach every request it sends, including after a failure it recovers
from; arguments are checked before anything is sent."""

from __future__ import annotations

import inspect
from typing import Any

import attrs
import pytest
import respx

from _sdkcore import Call, NotFoundError, Program, RequestOptions, RequestSpec
from _sdkcore.parsing import json_body
from _sdkcore.programs import Emit, with_options
from _sdkcore.twins import (
    AsyncTwin,
    Listing,
    SyncTwin,
    async_runner,
    handle,
    items,
    op,
    program,
    resource,
    sync_runner,
)
from tests.core.conftest import BASE, AsyncSleeps, Sleeps, async_http, sync_http


def _get(path: str) -> Call[Any]:
    return Call(RequestSpec(method="GET", path=path), json_body)


@attrs.frozen
class Ctx:
    prefix: str


def read(ctx: Ctx, name: str, *, options: RequestOptions | None = None) -> Call[Any]:
    """One thing (one request)."""
    if not name:
        raise ValueError("name must not be empty")
    return with_options(_get(f"{ctx.prefix}/{name}"), options)


def read_or_fallback(ctx: Ctx, *, options: RequestOptions | None = None) -> Program[Any]:
    """The bulk read, else the single one (a program that recovers from a 404)."""

    def steps() -> Program[Any]:
        try:
            return (yield _get(f"{ctx.prefix}/bulk"))
        except NotFoundError:
            return (yield _get(f"{ctx.prefix}/one"))

    return with_options(steps(), options)


def every(ctx: Ctx, pages: int, *, options: RequestOptions | None = None) -> Listing[int]:
    """Every number, page by page."""

    def steps() -> Program[None]:
        for page in range(pages):
            body = yield _get(f"{ctx.prefix}/page/{page}")
            yield Emit(body["items"])

    return Listing(steps, options)


def child(ctx: Ctx, name: str) -> Ctx:
    """A child thing (no request)."""
    return Ctx(f"{ctx.prefix}/{name}")


class _Leaf:
    read = op(read)


class Leaf(_Leaf, SyncTwin):
    pass


class AsyncLeaf(_Leaf, AsyncTwin):
    pass


class _Things:
    read = op(read)
    read_or_fallback = program(read_or_fallback)
    every = items(every)
    child = handle(child, Leaf, AsyncLeaf)
    leaf = resource(Leaf, AsyncLeaf)


class Things(_Things, SyncTwin):
    pass


class AsyncThings(_Things, AsyncTwin):
    pass


def test_each_twin_gets_a_real_method_with_the_builders_signature_and_docstring() -> None:
    for name in ("read", "read_or_fallback", "every", "child"):
        sync, async_ = getattr(Things, name), getattr(AsyncThings, name)
        assert sync.__doc__ == async_.__doc__ == _Things.__dict__[name].build.__doc__
        assert next(iter(inspect.signature(sync).parameters)) == "self"
        assert inspect.signature(sync).parameters == inspect.signature(async_).parameters
        assert sync.__qualname__ == f"Things.{name}"
        assert not inspect.iscoroutinefunction(sync)
    assert inspect.iscoroutinefunction(AsyncThings.read)
    assert inspect.iscoroutinefunction(AsyncThings.read_or_fallback)
    assert not inspect.iscoroutinefunction(AsyncThings.every)  # iterated, not awaited
    assert not inspect.iscoroutinefunction(AsyncThings.child)
    assert str(inspect.signature(Things.every).return_annotation) == "SyncItems[int]"
    assert str(inspect.signature(AsyncThings.every).return_annotation) == "AsyncItems[int]"
    assert inspect.signature(AsyncThings.child).return_annotation == "AsyncLeaf"


def test_sync_twin_sends_with_per_call_options_on_every_request(sleeps: Sleeps) -> None:
    things = Things(sync_runner(sync_http(sleeps)), Ctx("/t"))
    options = RequestOptions(extra_query={"trace": "x"})
    with respx.mock(base_url=BASE) as mock:
        bulk = mock.get("/t/bulk").respond(404, json={"message": "none"})
        one = mock.get("/t/one").respond(json={"id": 1})
        assert things.read_or_fallback(options=options) == {"id": 1}
    # the program recovered from the 404: the options reached both of its requests
    assert bulk.calls.last.request.url.params["trace"] == "x"
    assert one.calls.last.request.url.params["trace"] == "x"


async def test_async_twin_gives_the_same_results(async_sleeps: AsyncSleeps) -> None:
    things = AsyncThings(async_runner(async_http(async_sleeps)), Ctx("/t"))
    with respx.mock(base_url=BASE) as mock:
        mock.get("/t/a").respond(json={"id": "a"})
        mock.get("/t/bulk").respond(json=[1, 2])
        mock.get("/t/page/0").respond(json={"items": [1, 2]})
        mock.get("/t/page/1").respond(json={"items": [3]})
        mock.get("/t/x/b").respond(json={"id": "b"})
        assert await things.read("a") == {"id": "a"}
        assert await things.read_or_fallback() == [1, 2]
        assert await things.every(2).to_list() == [1, 2, 3]
        assert await things.child("x").read("b") == {"id": "b"}


def test_bad_arguments_raise_before_anything_is_sent(sleeps: Sleeps) -> None:
    things = Things(sync_runner(sync_http(sleeps)), Ctx("/t"))
    with respx.mock(base_url=BASE) as mock:
        with pytest.raises(ValueError, match="name must not be empty"):
            things.read("")
        with pytest.raises(TypeError, match="options must be a RequestOptions"):
            things.read_or_fallback(options={"timeout": 1})  # type: ignore[arg-type]
    assert not mock.calls


def test_resources_and_handles_use_the_owners_runner_and_twin_class(sleeps: Sleeps) -> None:
    run = sync_runner(sync_http(sleeps))
    things = Things(run, Ctx("/t"))
    assert type(things.leaf) is Leaf
    assert things.leaf is things.leaf  # made once, then kept
    assert things.leaf._run is run
    assert things.leaf._ctx == Ctx("/t")
    leaf = things.child("x")
    assert type(leaf) is Leaf
    assert leaf._ctx == Ctx("/t/x")
    assert isinstance(Things.leaf, resource)
