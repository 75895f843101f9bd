"""What a method written once (``_sdkcore.twins``) costs over calling the driver by hand.

A Ninox ``t.get(7)`` through the twin descriptor (builder, per-call options bound to the
program, the core's driver) against what the method did before it was a twin: the record
program run by ``run()`` / ``arun()`` directly. Both send the same request to an in-memory
``httpx.MockTransport``; with and without per-call options, sync and async. Prints ratios;
asserts nothing. Run: ``.venv/bin/python benchmarks/twins.py``.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx
from _timing import acompare, compare

from _sdkcore.programs import arun, run
from ninoxsdk import AsyncNinoxClient, NinoxClient, RequestOptions
from ninoxsdk.resources import _programs as prog

BODY = json.dumps({"id": 7, "sequence": 3, "fields": {"Name": "Ada"}}).encode()
OPTIONS = RequestOptions(extra_headers={"nx-trace": "bench"})


def handler(request: httpx.Request) -> httpx.Response:
    return httpx.Response(200, content=BODY, headers={"content-type": "application/json"})


def _line(label: str, twin: float, hand: float) -> None:
    print(
        f"{label}: hand run() {hand * 1e6:7.1f} us | twin method {twin * 1e6:7.1f} us"
        f" | ratio {twin / hand:.3f}x"
    )


def main(number: int = 200, rounds: int = 15) -> None:
    transport = httpx.MockTransport(handler)
    nx = NinoxClient(api_key="bench", min_interval=0, http_client=httpx.Client(transport=transport))
    table = nx.database("T1", "db1").table("A", typed=False)  # a table id: no schema read
    ctx: Any = table._ctx
    assert table.get(7, options=OPTIONS) == run(nx._http, OPTIONS, prog.get_record(ctx, 7))
    for label, options in (("no options  ", None), ("with options", OPTIONS)):
        twin, hand = compare(
            lambda options=options: table.get(7, options=options),
            lambda options=options: run(nx._http, options, prog.get_record(ctx, 7)),
            number,
            rounds,
        )
        _line(f"sync  get(), {label}", twin, hand)

    async def run_async() -> None:
        anx = AsyncNinoxClient(
            api_key="bench", min_interval=0, http_client=httpx.AsyncClient(transport=transport)
        )
        atable = anx.database("T1", "db1").table("A", typed=False)
        actx: Any = atable._ctx
        for label, options in (("no options  ", None), ("with options", OPTIONS)):
            twin, hand = await acompare(
                lambda options=options: atable.get(7, options=options),
                lambda options=options: arun(anx._http, options, prog.get_record(actx, 7)),
                number,
                rounds,
            )
            _line(f"async get(), {label}", twin, hand)

    asyncio.run(run_async())


if __name__ == "__main__":
    main()
