"""The multi-request mechanism both SDKs share: programs run by the sync and async drivers.

The failure path is the point: an error half-way is thrown into the program (which may
recover or not), a consumer that stops early closes the program, and nothing more is sent.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest
import respx

from _sdkcore import (
    APIError,
    AsyncItems,
    Call,
    Emit,
    InternalServerError,
    NotFoundError,
    Program,
    RequestOptions,
    RequestSpec,
    SDKError,
    SyncItems,
    arun,
    astream,
    run,
    stream,
)
from _sdkcore.parsing import json_body
from tests.core.conftest import BASE, AsyncSleeps, Sleeps, async_http, sync_http


def _get(path: str) -> Call[Any]:
    return Call(RequestSpec(method="GET", path=path), json_body)


def bulk_then_single(log: list[str]) -> Program[list[int]]:
    """Try the bulk endpoint; on 404 fall back to one request per item."""
    try:
        got: list[int] = yield _get("/bulk")
        log.append("bulk")
        return got
    except NotFoundError:
        log.append("fallback")
    out = []
    for i in (1, 2):
        out.append((yield _get(f"/one/{i}"))["id"])
    return out


def numbers(pages: int) -> Program[str]:
    for page in range(pages):
        body = yield _get(f"/page/{page}")
        yield Emit(body["items"])
    return "finished"


def _pages_router(mock: respx.MockRouter) -> respx.Route:
    return mock.get(path__regex=r"/page/(?P<n>\d+)").mock(
        side_effect=lambda request, n: httpx.Response(
            200, json={"items": [int(n) * 10, int(n) * 10 + 1]}
        )
    )


def test_an_error_is_thrown_into_the_program_which_recovers(sleeps: Sleeps) -> None:
    log: list[str] = []
    with respx.mock(base_url=BASE) as mock:
        mock.get("/bulk").respond(404, json={"message": "no such endpoint"})
        mock.get("/one/1").respond(json={"id": 1})
        mock.get("/one/2").respond(json={"id": 2})
        assert run(sync_http(sleeps), None, bulk_then_single(log)) == [1, 2]
    assert log == ["fallback"]


async def test_async_driver_gives_the_same_result(async_sleeps: AsyncSleeps) -> None:
    log: list[str] = []
    with respx.mock(base_url=BASE) as mock:
        mock.get("/bulk").respond(404, json={"message": "no such endpoint"})
        mock.get("/one/1").respond(json={"id": 1})
        mock.get("/one/2").respond(json={"id": 2})
        assert await arun(async_http(async_sleeps), None, bulk_then_single(log)) == [1, 2]
    assert log == ["fallback"]


@pytest.mark.parametrize("mode", ["sync", "async"])
async def test_an_error_the_program_does_not_handle_stops_it_half_way(
    mode: str, sleeps: Sleeps, async_sleeps: AsyncSleeps
) -> None:
    with respx.mock(base_url=BASE, assert_all_called=False) as mock:
        mock.get("/bulk").respond(404)
        one = mock.get("/one/1").respond(500, json={"message": "boom"})
        two = mock.get("/one/2").respond(json={"id": 2})
        with pytest.raises(InternalServerError) as info:
            await _run_in(mode, bulk_then_single([]), sleeps, async_sleeps)
    assert isinstance(info.value, SDKError)
    assert one.call_count == 3  # the retries of the failing request, then nothing more
    assert two.call_count == 0


async def _run_in(
    mode: str, program: Program[Any], sleeps: Sleeps, async_sleeps: AsyncSleeps
) -> Any:
    if mode == "sync":
        return run(sync_http(sleeps), None, program)
    return await arun(async_http(async_sleeps), None, program)


def test_per_call_options_reach_every_request(sleeps: Sleeps) -> None:
    with respx.mock(base_url=BASE) as mock:
        route = _pages_router(mock)
        options = RequestOptions(extra_query={"trace": "x"})
        assert list(stream(sync_http(sleeps), options, numbers(2))) == [0, 1, 10, 11]
    assert [r.request.url.params["trace"] for r in route.calls] == ["x", "x"]


def test_stream_reports_the_return_value_only_when_it_completes(sleeps: Sleeps) -> None:
    done: list[str] = []
    with respx.mock(base_url=BASE) as mock:
        route = _pages_router(mock)
        iterator = stream(sync_http(sleeps), None, numbers(3), done.append)
        assert next(iterator) == 0
        iterator.close()  # the caller stops early: no more requests, no completion
        assert route.call_count == 1
        assert done == []
        assert list(stream(sync_http(sleeps), None, numbers(3), done.append)) == [
            0,
            1,
            10,
            11,
            20,
            21,
        ]
    assert done == ["finished"]


def test_a_failure_mid_stream_keeps_what_was_emitted_and_never_completes(sleeps: Sleeps) -> None:
    done: list[str] = []
    got: list[int] = []
    with respx.mock(base_url=BASE) as mock:
        mock.get("/page/0").respond(json={"items": [1, 2]})
        mock.get("/page/1").respond(404)
        items = stream(sync_http(sleeps), None, numbers(3), done.append)
        got.extend(next(items) for _ in range(2))
        with pytest.raises(NotFoundError):
            next(items)
    assert got == [1, 2]
    assert done == []


async def test_async_stream_stops_early_and_fails_like_the_sync_one(
    async_sleeps: AsyncSleeps,
) -> None:
    done: list[str] = []
    with respx.mock(base_url=BASE) as mock:
        mock.get("/page/0").respond(json={"items": [1, 2]})
        mock.get("/page/1").respond(404)
        got: list[int] = []
        items = astream(async_http(async_sleeps), None, numbers(3), done.append)
        got.extend([await anext(items), await anext(items)])
        with pytest.raises(NotFoundError):
            await anext(items)
    assert got == [1, 2]
    assert done == []


def test_run_refuses_a_streaming_program(sleeps: Sleeps) -> None:
    with respx.mock(base_url=BASE) as mock:
        _pages_router(mock)
        with pytest.raises(RuntimeError, match="use stream"):
            run(sync_http(sleeps), None, numbers(1))


def test_run_sends_a_single_call_as_is(sleeps: Sleeps) -> None:
    with respx.mock(base_url=BASE) as mock:
        mock.get("/one/1").respond(json={"id": 1})
        assert run(sync_http(sleeps), None, _get("/one/1")) == {"id": 1}
        with pytest.raises(TypeError, match="RequestOptions"):
            run(sync_http(sleeps), {"timeout": 1}, _get("/one/1"))  # type: ignore[arg-type]


class _Counted(SyncItems[int]):
    finished: list[Any]

    def _finished(self, result: Any) -> None:
        self.finished.append(result)


def test_items_are_lazy_and_re_iterable(sleeps: Sleeps) -> None:
    with respx.mock(base_url=BASE) as mock:
        route = _pages_router(mock)
        items = _Counted(sync_http(sleeps), lambda: numbers(3))
        items.finished = []
        assert route.call_count == 0  # nothing is sent until iteration
        assert items.to_list(limit=3) == [0, 1, 10]
        assert route.call_count == 2  # only the pages needed
        assert items.to_list(limit=0) == []
        assert route.call_count == 2
        assert items.finished == []
        assert list(items) == [0, 1, 10, 11, 20, 21]
        assert list(items) == [0, 1, 10, 11, 20, 21]  # each iteration starts afresh
        assert items.finished == ["finished", "finished"]


async def test_async_items_are_lazy(async_sleeps: AsyncSleeps) -> None:
    with respx.mock(base_url=BASE) as mock:
        route = _pages_router(mock)
        items: AsyncItems[int] = AsyncItems(async_http(async_sleeps), lambda: numbers(2))
        assert route.call_count == 0
        assert await items.to_list(limit=1) == [0]
        assert route.call_count == 1
        assert [i async for i in items] == [0, 1, 10, 11]


def test_every_error_of_either_sdk_has_one_root() -> None:
    import ghlsdk
    import ninoxsdk

    assert issubclass(APIError, SDKError)
    assert issubclass(ninoxsdk.NinoxError, SDKError)
    assert issubclass(ninoxsdk.BatchWriteError, SDKError)
    assert issubclass(ninoxsdk.FieldTypeError, ValueError)  # still what it was
    assert issubclass(ghlsdk.MissingScopeError, SDKError)
    assert ninoxsdk.SDKError is SDKError
    assert ninoxsdk.APIError is ghlsdk.APIError
