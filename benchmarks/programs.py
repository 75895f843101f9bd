"""What the shared multi-request mechanism (``_sdkcore.programs``) costs over a hand loop.

Walks 20 pages of 10 items through an in-memory ``httpx.MockTransport``, three ways, sync and
async: the pager (a program run by the core's driver), a hand-written loop that calls
``http.execute`` page after page (what a resource would write without the mechanism), and
``run()`` of a two-call program against two ``http.execute`` calls. Prints ratios; asserts
nothing. Run: ``.venv/bin/python benchmarks/programs.py``.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx
from _timing import acompare, compare

from _sdkcore import (
    AsyncHTTP,
    AsyncPager,
    Call,
    HTTPConfig,
    Page,
    RequestSpec,
    StaticAuth,
    SyncHTTP,
    SyncPager,
    arun,
    run,
)
from _sdkcore.parsing import json_body

PAGES, PER_PAGE = 20, 10
BODIES = [
    json.dumps(
        {
            "items": list(range(n * PER_PAGE, (n + 1) * PER_PAGE)),
            "next": n + 1 if n + 1 < PAGES else None,
        }
    ).encode()
    for n in range(PAGES)
]
FIRST = RequestSpec(method="GET", path="/items")


def handler(request: httpx.Request) -> httpx.Response:
    page = int(request.url.params.get("page", "0"))
    return httpx.Response(200, content=BODIES[page], headers={"content-type": "application/json"})


def parse_page(spec: RequestSpec, response: httpx.Response) -> Page[int]:
    body = json_body(response)
    nxt = body["next"]
    return Page(items=body["items"], next=None if nxt is None else spec.with_params(page=nxt))


def page_call(spec: RequestSpec) -> Call[Page[int]]:
    return Call(spec, lambda response: parse_page(spec, response))


def hand_walk(http: SyncHTTP) -> list[int]:
    out: list[int] = []
    spec: RequestSpec | None = FIRST
    while spec is not None:
        page = http.execute(page_call(spec))
        out.extend(page.items)
        spec = page.next
    return out


async def ahand_walk(http: AsyncHTTP) -> list[int]:
    out: list[int] = []
    spec: RequestSpec | None = FIRST
    while spec is not None:
        page = await http.execute(page_call(spec))
        out.extend(page.items)
        spec = page.next
    return out


def two_calls() -> Any:
    first = yield page_call(FIRST)
    second = yield page_call(first.next)
    return second


def _config() -> HTTPConfig:
    return HTTPConfig(base_url="https://bench.example.com")


def _auth() -> StaticAuth:
    return StaticAuth({"Authorization": "Bearer bench-token"})


def _line(label: str, ours: float, hand: float) -> None:
    print(
        f"{label}: hand loop {hand * 1e6:8.1f} us | program + driver {ours * 1e6:8.1f} us"
        f" | ratio {ours / hand:.3f}x"
    )


def main(number: int = 20, rounds: int = 15) -> None:
    http = SyncHTTP(
        _config(), auth=_auth(), http_client=httpx.Client(transport=httpx.MockTransport(handler))
    )
    assert list(SyncPager(http, FIRST, parse_page)) == hand_walk(http)
    ours, hand = compare(
        lambda: list(SyncPager(http, FIRST, parse_page)), lambda: hand_walk(http), number, rounds
    )
    _line(f"sync  walk of {PAGES} pages", ours, hand)
    ours, hand = compare(
        lambda: run(http, None, two_calls()),
        lambda: http.execute(page_call(http.execute(page_call(FIRST)).next)),  # type: ignore[arg-type]
        number * 10,
        rounds,
    )
    _line("sync  run() of 2 calls ", ours, hand)

    async def run_async() -> None:
        ahttp = AsyncHTTP(
            _config(),
            auth=_auth(),
            http_client=httpx.AsyncClient(transport=httpx.MockTransport(handler)),
        )

        async def pager() -> list[int]:
            return [i async for i in AsyncPager(ahttp, FIRST, parse_page)]

        async def hand_two() -> Any:
            first = await ahttp.execute(page_call(FIRST))
            return await ahttp.execute(page_call(first.next))  # type: ignore[arg-type]

        aours, ahand = await acompare(pager, lambda: ahand_walk(ahttp), number, rounds)
        _line(f"async walk of {PAGES} pages", aours, ahand)
        aours, ahand = await acompare(
            lambda: arun(ahttp, None, two_calls()), hand_two, number * 10, rounds
        )
        _line("async run() of 2 calls ", aours, ahand)

    asyncio.run(run_async())


if __name__ == "__main__":
    main()
