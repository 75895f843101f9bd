"""Pagination: GET /contacts/ (startAfterId/startAfter), POST /contacts/search (page, then
searchAfter), GET /contacts/business/{id} (skip/limit) — sync and async."""

from __future__ import annotations

import json
import logging
from typing import Any

import httpx
import pytest
import respx

from ghlsdk import AsyncGHLClient, GHLClient, Page
from ghlsdk.resources.contacts import MAX_PAGED_RESULTS
from tests.ghlsdk._client_helpers import (
    BASE,
    LOCATION,
    TOKEN,
    aghl,
    contact,
    ghl,
    json_of,
    shared_ahttp,
    shared_http,
)

__all__ = ["aghl", "ghl", "shared_ahttp", "shared_http"]


def _list_handler(total: int, *, with_meta: bool = True) -> Any:
    """A server holding contacts c0..c{total-1}, answering GET /contacts/ by cursor."""
    ids = [f"c{i}" for i in range(total)]

    def handler(request: httpx.Request) -> httpx.Response:
        params = request.url.params
        limit = int(params["limit"])
        start = 0
        if "startAfterId" in params:
            start = ids.index(params["startAfterId"]) + 1
        chunk = ids[start : start + limit]
        items = [
            contact(id=i, dateAdded=f"2021-07-02T05:18:{n:02d}.000Z") for n, i in enumerate(chunk)
        ]
        body: dict[str, Any] = {"contacts": items}
        if with_meta:
            body["meta"] = {
                "total": total,
                "startAfterId": chunk[-1] if chunk else None,
                "startAfter": 1631087949919 + start if chunk else None,
                "nextPageUrl": "http://localhost:5058/contacts/?evil=1",
            }
        return httpx.Response(200, json=body)

    return handler


def test_list_walks_every_page(ghl: GHLClient) -> None:
    with respx.mock(assert_all_called=True) as mock:
        route = mock.get(BASE + "/contacts/").mock(side_effect=_list_handler(5))
        ids = [c.id for c in ghl.contacts.list(query="deo", limit=2)]
    assert ids == ["c0", "c1", "c2", "c3", "c4"]
    sent = [dict(call.request.url.params) for call in route.calls]
    assert sent == [
        {"locationId": LOCATION, "limit": "2", "query": "deo"},
        {
            "locationId": LOCATION,
            "limit": "2",
            "query": "deo",
            "startAfterId": "c1",
            "startAfter": "1631087949919",
        },
        {
            "locationId": LOCATION,
            "limit": "2",
            "query": "deo",
            "startAfterId": "c3",
            "startAfter": "1631087949921",
        },
    ]
    # nextPageUrl (an internal http:// host) is never followed
    assert all(call.request.url.host == "services.leadconnectorhq.com" for call in route.calls)
    for call in route.calls:
        assert call.request.method == "GET"
        assert call.request.headers["Version"] == "2021-07-28"
        assert call.request.headers["Authorization"] == f"Bearer {TOKEN}"
        assert call.request.content == b""


def test_list_stops_on_exact_multiple(ghl: GHLClient) -> None:
    with respx.mock() as mock:
        route = mock.get(BASE + "/contacts/").mock(side_effect=_list_handler(4))
        assert len(ghl.contacts.list(limit=2).to_list()) == 4
    # two full pages, then an empty one ends the walk
    assert route.call_count == 3


def test_list_without_meta_continues_from_last_contact(ghl: GHLClient) -> None:
    with respx.mock() as mock:
        route = mock.get(BASE + "/contacts/").mock(side_effect=_list_handler(3, with_meta=False))
        ids = [c.id for c in ghl.contacts.list(limit=2)]
    assert ids == ["c0", "c1", "c2"]
    second = route.calls[1].request.url.params
    assert second["startAfterId"] == "c1"
    assert second["startAfter"] == "1625203081000"  # c1 dateAdded 2021-07-02T05:18:01Z in ms


def test_list_to_list_fetches_only_needed_pages(ghl: GHLClient) -> None:
    with respx.mock() as mock:
        route = mock.get(BASE + "/contacts/").mock(side_effect=_list_handler(10))
        assert [c.id for c in ghl.contacts.list(limit=2).to_list(limit=3)] == ["c0", "c1", "c2"]
    assert route.call_count == 2


def test_list_repeated_cursor_stops(ghl: GHLClient, caplog: pytest.LogCaptureFixture) -> None:
    page = {"contacts": [contact(id="a"), contact(id="b")], "meta": {"startAfterId": "b"}}
    with respx.mock() as mock:
        route = mock.get(BASE + "/contacts/").mock(return_value=httpx.Response(200, json=page))
        with caplog.at_level(logging.WARNING):
            items = ghl.contacts.list(limit=2).to_list()
    assert len(items) == 4  # first page, then the repeated one, then the guard stops
    assert route.call_count == 2
    assert "again" in caplog.text


async def test_async_list_walks_every_page(aghl: AsyncGHLClient) -> None:
    with respx.mock() as mock:
        mock.get(BASE + "/contacts/").mock(side_effect=_list_handler(5))
        ids = [c.id async for c in aghl.contacts.list(limit=2)]
        pages = [p async for p in aghl.contacts.list(limit=2).iter_pages()]
    assert ids == ["c0", "c1", "c2", "c3", "c4"]
    assert [len(p.items) for p in pages] == [2, 2, 1]


@pytest.mark.parametrize("limit", [0, 101, True, "10"])
def test_list_rejects_bad_limit(ghl: GHLClient, limit: Any) -> None:
    with respx.mock() as mock, pytest.raises(ValueError, match="page size"):
        ghl.contacts.list(limit=limit)
    assert mock.calls.call_count == 0


# ---------------------------------------------------------------- search


def _search_handler(total: int) -> Any:
    ids = [f"s{i}" for i in range(total)]

    def handler(request: httpx.Request) -> httpx.Response:
        body = json_of(request)
        limit = body["pageLimit"]
        if "searchAfter" in body:
            start = int(body["searchAfter"][1]) + 1
        else:
            start = (body["page"] - 1) * limit
        chunk = ids[start : start + limit]
        items = [
            {"id": i, "searchAfter": [1700000000000, str(start + n)]} for n, i in enumerate(chunk)
        ]
        return httpx.Response(200, json={"contacts": items, "total": total})

    return handler


def test_search_pages_by_number_and_stops_at_total(ghl: GHLClient) -> None:
    filters = [{"field": "tags", "operator": "contains", "value": "vip"}]
    sort = [{"field": "dateAdded", "direction": "desc"}]
    with respx.mock() as mock:
        route = mock.post(BASE + "/contacts/search").mock(side_effect=_search_handler(5))
        ids = [c.id for c in ghl.contacts.search("deo", filters=filters, sort=sort, page_limit=2)]
    assert ids == ["s0", "s1", "s2", "s3", "s4"]
    bodies = [json_of(call.request) for call in route.calls]
    assert bodies[0] == {
        "locationId": LOCATION,
        "page": 1,
        "pageLimit": 2,
        "query": "deo",
        "filters": filters,
        "sort": sort,
    }
    assert [b["page"] for b in bodies] == [1, 2, 3]
    for call in route.calls:
        assert call.request.headers["Version"] == "2021-07-28"
        assert call.request.headers["Authorization"] == f"Bearer {TOKEN}"
        assert call.request.headers["Content-Type"] == "application/json"


def test_search_stops_when_total_reached_on_full_page(ghl: GHLClient) -> None:
    with respx.mock() as mock:
        route = mock.post(BASE + "/contacts/search").mock(side_effect=_search_handler(4))
        assert len(ghl.contacts.search(page_limit=2).to_list()) == 4
    assert route.call_count == 2  # total (4) reached: no empty third request


def test_search_switches_to_search_after_past_10000(ghl: GHLClient) -> None:
    page_limit = 500
    total = MAX_PAGED_RESULTS + 700
    with respx.mock() as mock:
        route = mock.post(BASE + "/contacts/search").mock(side_effect=_search_handler(total))
        count = sum(1 for _ in ghl.contacts.search(page_limit=page_limit))
    assert count == total
    bodies = [json_of(call.request) for call in route.calls]
    assert [b.get("page") for b in bodies[:20]] == list(range(1, 21))
    assert "page" not in bodies[20]
    assert bodies[20]["searchAfter"] == [1700000000000, str(MAX_PAGED_RESULTS - 1)]
    assert len(bodies) == 22


async def test_async_search(aghl: AsyncGHLClient) -> None:
    with respx.mock() as mock:
        mock.post(BASE + "/contacts/search").mock(side_effect=_search_handler(3))
        items = await aghl.contacts.search(page_limit=2).to_list()
        first = await aghl.contacts.search(page_limit=2).first_page()
    assert [c.id for c in items] == ["s0", "s1", "s2"]
    assert isinstance(first, Page)
    assert [c.id for c in first.items] == ["s0", "s1"]


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"page_limit": 0}, ValueError),
        ({"page_limit": 501}, ValueError),
        ({"filters": {"field": "x"}}, TypeError),
        ({"sort": ["dateAdded"]}, TypeError),
    ],
)
def test_search_rejects_bad_input(ghl: GHLClient, kwargs: dict[str, Any], error: type) -> None:
    with respx.mock() as mock, pytest.raises(error):
        ghl.contacts.search(**kwargs)
    assert mock.calls.call_count == 0


def test_search_raw_mode_returns_first_page(ghl: GHLClient) -> None:
    with respx.mock() as mock:
        mock.post(BASE + "/contacts/search").mock(side_effect=_search_handler(3))
        raw = ghl.with_raw_response.contacts.search(page_limit=2)
    assert raw.status_code == 200
    page = raw.parse()
    assert [c.id for c in page.items] == ["s0", "s1"]
    assert page.next is not None
    assert json.loads(json.dumps(page.next.json))["page"] == 2


# ---------------------------------------------------------------- business


def _business_handler(total: int) -> Any:
    ids = [f"b{i}" for i in range(total)]

    def handler(request: httpx.Request) -> httpx.Response:
        skip, limit = int(request.url.params["skip"]), int(request.url.params["limit"])
        chunk = ids[skip : skip + limit]
        return httpx.Response(
            200, json={"contacts": [contact(id=i) for i in chunk], "count": total}
        )

    return handler


def test_list_by_business_pages_lazily(ghl: GHLClient) -> None:
    with respx.mock() as mock:
        route = mock.get(BASE + "/contacts/business/biz").mock(side_effect=_business_handler(5))
        pager = ghl.contacts.list_by_business("biz", page_size=2)
        assert route.call_count == 0  # like list(): nothing is fetched before iterating
        items = list(pager)
    assert [c.id for c in items] == ["b0", "b1", "b2", "b3", "b4"]
    assert [call.request.url.params["skip"] for call in route.calls] == ["0", "2", "4"]


async def test_async_list_by_business(aghl: AsyncGHLClient) -> None:
    with respx.mock() as mock:
        route = mock.get(BASE + "/contacts/business/biz").mock(side_effect=_business_handler(4))
        items = [c async for c in aghl.contacts.list_by_business("biz", page_size=2)]
    assert [c.id for c in items] == ["b0", "b1", "b2", "b3"]
    assert route.call_count == 2  # count reached after two full pages
