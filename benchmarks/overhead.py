"""Per-call cost of a GET + typed parse through the shared core, against raw httpx + json.

Both sides use the same in-memory ``httpx.MockTransport``, so the ratio isolates what the core
adds (request building, the retry loop, error checks, cattrs structuring). Goal: <= 1.3x.
Prints ratios; asserts nothing.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import attrs
import httpx
from _timing import acompare, compare

from _sdkcore import AsyncHTTP, Call, HTTPConfig, RequestSpec, StaticAuth, SyncHTTP
from _sdkcore.parsing import json_body, structure
from _sdkcore.serde import make_converter

BODY = json.dumps(
    {
        "contact": {
            "id": "ocQHyuzHvysMo5N5VsXc",
            "locationId": "loc123",
            "firstName": "Ada",
            "lastName": "Lovelace",
            "email": "ada@example.com",
            "phone": "+15550100",
            "tags": ["vip", "newsletter"],
            "dateAdded": "2024-05-01T10:00:00.000Z",
            "customFields": [{"id": "f1", "value": "x"}],
        }
    }
).encode()


@attrs.frozen(kw_only=True)
class Contact:
    id: str
    location_id: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    email: str | None = None
    phone: str | None = None
    tags: list[str] = attrs.field(factory=list)
    extra: dict[str, Any] = attrs.field(factory=dict)


CONVERTER = make_converter()


def handler(request: httpx.Request) -> httpx.Response:
    return httpx.Response(200, content=BODY, headers={"content-type": "application/json"})


def parse(response: httpx.Response) -> Contact:
    return structure(CONVERTER, json_body(response)["contact"], Contact, response)


def main(number: int = 200, rounds: int = 25) -> None:
    url = "https://bench.example.com/contacts/ocQHyuzHvysMo5N5VsXc"
    headers = {"Authorization": "Bearer bench-token", "Version": "2021-07-28"}
    config = HTTPConfig(base_url="https://bench.example.com", headers={"Version": "2021-07-28"})
    spec = RequestSpec(method="GET", path="/contacts/ocQHyuzHvysMo5N5VsXc")
    call = Call(spec, parse)

    raw_client = httpx.Client(transport=httpx.MockTransport(handler))
    http = SyncHTTP(
        config,
        auth=StaticAuth({"Authorization": "Bearer bench-token"}),
        http_client=httpx.Client(transport=httpx.MockTransport(handler)),
    )
    ours, raw = compare(
        lambda: http.execute(call),
        lambda: json.loads(raw_client.get(url, headers=headers).content),
        number,
        rounds,
    )
    print(
        f"sync : raw httpx+json {raw * 1e6:7.1f} us/call | core+typed parse "
        f"{ours * 1e6:7.1f} us/call | ratio {ours / raw:.2f}x (goal <= 1.3x)"
    )

    async def run_async() -> None:
        araw_client = httpx.AsyncClient(transport=httpx.MockTransport(handler))
        ahttp = AsyncHTTP(
            config,
            auth=StaticAuth({"Authorization": "Bearer bench-token"}),
            http_client=httpx.AsyncClient(transport=httpx.MockTransport(handler)),
        )

        async def raw_call() -> object:
            return json.loads((await araw_client.get(url, headers=headers)).content)

        aours, araw = await acompare(lambda: ahttp.execute(call), raw_call, number, rounds)
        print(
            f"async: raw httpx+json {araw * 1e6:7.1f} us/call | core+typed parse "
            f"{aours * 1e6:7.1f} us/call | ratio {aours / araw:.2f}x (goal <= 1.3x)"
        )

    asyncio.run(run_async())


if __name__ == "__main__":
    main()
