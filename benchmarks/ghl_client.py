"""ghlsdk overhead, printed as ratios (no asserts; run: .venv/bin/python benchmarks/ghl_client.py).

1. ``contacts.get`` per call vs raw ``httpx`` get + ``json()`` on the same MockTransport
   (goal <= 1.3x), sync and async, with the client-side rate limiter off and on.
2. Parsing the spec's Contact example into ``Contact`` vs an equivalent pydantic v2 model
   (goal <= 1.0x): the median of the per-round ratios over many alternating rounds, so one
   slow round on a shared machine moves it little. ``Contact`` builds its attribution sources
   on first access (after checking at parse time that building them cannot fail); the second
   line therefore also times parse + reading every field on both sides.
"""

from __future__ import annotations

import asyncio
import json
import statistics
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
from _timing import acompare, compare
from pydantic import BaseModel, ConfigDict, Field

from ghlsdk import AsyncGHLClient, Contact, GHLClient, RateLimiter, Window
from ghlsdk.models import converter

# The official contacts.json, copied into the repository (tests/fixtures/README.md).
SPEC = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "ghl" / "apps"
BASE = "https://services.leadconnectorhq.com"


def spec_contact_example() -> dict[str, Any]:
    """The GET /contacts/{id} example assembled from the spec's property examples."""
    spec = json.loads((SPEC / "contacts.json").read_text())
    schemas = spec["components"]["schemas"]

    def build(schema: dict[str, Any]) -> Any:
        if "$ref" in schema:
            schema = schemas[schema["$ref"].rsplit("/", 1)[-1]]
        kind = schema.get("type", "object")
        if "example" in schema and kind != "object":
            return schema["example"]
        if kind == "array":
            return [build(schema.get("items", {}))]
        if "properties" in schema:
            return {k: build(v) for k, v in schema["properties"].items()}
        return {"string": "text", "number": 1, "boolean": True}.get(kind, {})

    contact: dict[str, Any] = build(schemas["GetContectByIdSchema"])
    # The spec gives no example for DND status; fill what real payloads carry.
    contact["dndSettings"] = {"Email": {"status": "active", "message": "", "code": ""}}
    return contact


# ---------------------------------------------------------------- pydantic twin of Contact


class PDnd(BaseModel):
    model_config = ConfigDict(extra="allow")
    status: str
    message: str | None = None
    code: str | None = None


class PCustomField(BaseModel):
    model_config = ConfigDict(extra="allow")
    id: str | None = None
    value: Any = None


class PAttribution(BaseModel):
    model_config = ConfigDict(extra="allow", populate_by_name=True)
    url: str | None = None
    campaign: str | None = None
    utm_source: str | None = Field(None, alias="utmSource")
    utm_medium: str | None = Field(None, alias="utmMedium")
    utm_content: str | None = Field(None, alias="utmContent")
    referrer: str | None = None
    campaign_id: str | None = Field(None, alias="campaignId")
    fbclid: str | None = None
    gclid: str | None = None
    msclikid: str | None = None
    dclid: str | None = None
    fbc: str | None = None
    fbp: str | None = None
    fb_event_id: str | None = Field(None, alias="fbEventId")
    user_agent: str | None = Field(None, alias="userAgent")
    ip: str | None = None
    medium: str | None = None
    medium_id: str | None = Field(None, alias="mediumId")


class PContact(BaseModel):
    model_config = ConfigDict(extra="allow", populate_by_name=True, frozen=True)
    id: str | None = None
    location_id: str | None = Field(None, alias="locationId")
    name: str | None = None
    first_name: str | None = Field(None, alias="firstName")
    last_name: str | None = Field(None, alias="lastName")
    email: str | None = None
    phone: str | None = None
    company_name: str | None = Field(None, alias="companyName")
    type: str | None = None
    source: str | None = None
    assigned_to: str | None = Field(None, alias="assignedTo")
    address1: str | None = None
    city: str | None = None
    state: str | None = None
    country: str | None = None
    postal_code: str | None = Field(None, alias="postalCode")
    website: str | None = None
    timezone: str | None = None
    dnd: bool | None = None
    dnd_settings: dict[str, PDnd] | None = Field(None, alias="dndSettings")
    inbound_dnd_settings: dict[str, PDnd] | None = Field(None, alias="inboundDndSettings")
    tags: list[str] | None = None
    custom_fields: list[PCustomField] | None = Field(None, alias="customFields")
    date_of_birth: str | None = Field(None, alias="dateOfBirth")
    date_added: datetime | None = Field(None, alias="dateAdded")
    date_updated: datetime | None = Field(None, alias="dateUpdated")
    last_activity: datetime | None = Field(None, alias="lastActivity")
    business_id: str | None = Field(None, alias="businessId")
    followers: list[str] | None = None
    additional_emails: list[Any] | None = Field(None, alias="additionalEmails")
    additional_phones: list[Any] | None = Field(None, alias="additionalPhones")
    attachments: Any = None
    attribution_source: PAttribution | None = Field(None, alias="attributionSource")
    last_attribution_source: PAttribution | None = Field(None, alias="lastAttributionSource")
    attributions: list[PAttribution] | None = None
    email_lower_case: str | None = Field(None, alias="emailLowerCase")
    first_name_lower_case: str | None = Field(None, alias="firstNameLowerCase")
    last_name_lower_case: str | None = Field(None, alias="lastNameLowerCase")
    full_name_lower_case: str | None = Field(None, alias="fullNameLowerCase")
    keyword: str | None = None
    ssn: str | None = None
    visitor_id: str | None = Field(None, alias="visitorId")


def median_ratio(
    ours: Callable[[], Any], theirs: Callable[[], Any], number: int, rounds: int
) -> tuple[float, float, float]:
    """Median seconds per call of each side and the median of the per-round ratios (each
    round times ``number`` calls of one side then of the other, in CPU time of this thread)."""
    ours(), theirs()
    a: list[float] = []
    b: list[float] = []
    for _ in range(rounds):
        for side, fn in ((a, ours), (b, theirs)):
            start = time.thread_time()
            for _ in range(number):
                fn()
            side.append((time.thread_time() - start) / number)
    ratio = statistics.median(x / y for x, y in zip(a, b, strict=True))
    return statistics.median(a), statistics.median(b), ratio


def touch_all(model: Any, names: tuple[str, ...]) -> Any:
    for name in names:
        getattr(model, name)
    return model


def main() -> None:
    contact = spec_contact_example()
    payload = json.dumps({"contact": contact}).encode()
    # Rate-limit headers as GHL sends them, so the cost of reading them is included.
    headers = {
        "content-type": "application/json",
        "x-ratelimit-max": "1000000",
        "x-ratelimit-remaining": "999000",
        "x-ratelimit-interval-milliseconds": "10000",
        "x-ratelimit-limit-daily": "200000",
        "x-ratelimit-daily-remaining": "199000",
    }

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=payload, headers=headers)

    transport = httpx.MockTransport(handler)
    number, rounds = 200, 25
    auth = {"Authorization": "Bearer bench-token-123456", "Version": "2021-07-28"}
    url = BASE + "/contacts/seD4PfOuKoVMLkEZqohJ"
    cid = "seD4PfOuKoVMLkEZqohJ"

    raw_client = httpx.Client(transport=transport)
    ghl = GHLClient(
        token="bench-token-123456",
        location_id="loc",
        http_client=httpx.Client(transport=transport),
        rate_limiting=False,
    )
    # A limiter with a budget the benchmark cannot exhaust: measures its bookkeeping cost.
    limited = GHLClient(
        token="bench-token-123456",
        location_id="loc",
        http_client=httpx.Client(transport=transport),
        rate_limiter=RateLimiter([Window(10**6, 10.0), Window(10**7, 86_400.0)]),
    )

    def raw_get() -> Any:
        return raw_client.get(url, headers=auth).json()["contact"]

    ours, raw = compare(lambda: ghl.contacts.get(cid), raw_get, number, rounds)
    ours_limited, raw2 = compare(lambda: limited.contacts.get(cid), raw_get, number, rounds)

    async def run_async() -> tuple[float, float]:
        araw_client = httpx.AsyncClient(transport=transport)
        aghl = AsyncGHLClient(
            token="bench-token-123456",
            location_id="loc",
            http_client=httpx.AsyncClient(transport=transport),
            rate_limiting=False,
        )

        async def araw_get() -> Any:
            return (await araw_client.get(url, headers=auth)).json()["contact"]

        return await acompare(lambda: aghl.contacts.get(cid), araw_get, number, rounds)

    aours, araw = asyncio.run(run_async())

    ours_parse, pyd_parse, parse_ratio = median_ratio(
        lambda: converter.structure(contact, Contact),
        lambda: PContact.model_validate(contact),
        500,
        61,
    )
    names = tuple(PContact.model_fields)  # the same snake_case names as Contact's fields
    ours_read, pyd_read, read_ratio = median_ratio(
        lambda: touch_all(converter.structure(contact, Contact), names),
        lambda: touch_all(PContact.model_validate(contact), names),
        500,
        21,
    )
    ours_model = converter.structure(contact, Contact)
    their_model = PContact.model_validate(contact)
    assert ours_model.first_name == their_model.first_name
    assert ours_model.attribution_source is not None
    assert their_model.attribution_source is not None
    assert ours_model.attribution_source.gclid == their_model.attribution_source.gclid

    us = 1e6
    print(
        f"contacts.get sync : raw httpx {raw * us:6.1f} us  ghlsdk {ours * us:6.1f} us  "
        f"ratio {ours / raw:.2f}x (goal <= 1.3x)"
    )
    print(
        f"  with limiter on : raw httpx {raw2 * us:6.1f} us  ghlsdk {ours_limited * us:6.1f} us  "
        f"ratio {ours_limited / raw2:.2f}x"
    )
    print(
        f"contacts.get async: raw httpx {araw * us:6.1f} us  ghlsdk {aours * us:6.1f} us  "
        f"ratio {aours / araw:.2f}x (goal <= 1.3x)"
    )
    print(
        f"Contact parse     : pydantic v2 {pyd_parse * us:5.2f} us  "
        f"ghlsdk {ours_parse * us:5.2f} us  ratio {parse_ratio:.2f}x (goal <= 1.0x; "
        "median of 61 rounds)"
    )
    print(
        f"  + read all      : pydantic v2 {pyd_read * us:5.2f} us  "
        f"ghlsdk {ours_read * us:5.2f} us  ratio {read_ratio:.2f}x (every field read once)"
    )


if __name__ == "__main__":
    main()
