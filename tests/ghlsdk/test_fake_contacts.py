"""FakeGHL contact endpoints over raw HTTP (sync and async): envelopes, errors, pagination."""

from __future__ import annotations

from typing import Any

import pytest

from ghlsdk.testing import FakeClock, FakeGHL

from .test_fake_support import Api, api, clock, fake, new_contact

__all__ = ["api", "clock", "fake"]  # fixtures used by this module


# ---------------------------------------------------------------- get / create


async def test_get_contact_envelope(api: Api, fake: FakeGHL) -> None:
    seeded = fake.add_contact(firstName="Ada", lastName="Lovelace", email="Ada@Example.com")
    r = await api.get(f"/contacts/{seeded['id']}")
    assert r.status_code == 200
    contact = r.json()["contact"]
    assert contact["id"] == seeded["id"]
    assert contact["locationId"] == fake.location_id
    assert contact["name"] == "Ada Lovelace"
    assert contact["fullNameLowerCase"] == "ada lovelace"
    assert contact["emailLowerCase"] == "ada@example.com"
    assert contact["tags"] == []
    assert contact["customFields"] == []
    assert contact["dateAdded"] == "2024-01-01T00:00:00.000Z"
    assert contact["dateUpdated"] == contact["dateAdded"]


async def test_get_unknown_contact_is_404(api: Api) -> None:
    r = await api.get("/contacts/nope")
    assert r.status_code == 404
    body = r.json()
    assert body["statusCode"] == 404
    assert body["message"] == "Contact with id nope not found"
    assert body["error"] == "Not Found"


async def test_not_found_status_is_configurable(clock: FakeClock) -> None:
    fake = FakeGHL(clock=clock, not_found_status=400)
    client = Api(fake, "sync")
    r = await client.get("/contacts/nope")
    assert r.status_code == 400
    await client.close()


async def test_contact_of_another_location_is_not_visible(api: Api, fake: FakeGHL) -> None:
    other = fake.add_contact(locationId="otherLocation", email="x@y.z")
    r = await api.get(f"/contacts/{other['id']}")
    assert r.status_code == 404


async def test_create_contact(api: Api, fake: FakeGHL, clock: FakeClock) -> None:
    clock.advance(90.5)
    body = new_contact(
        fake,
        firstName="Grace",
        lastName="Hopper",
        email="grace@navy.mil",
        phone="+15550001111",
        tags=["vip", "vip", "navy"],
        dnd=False,
        dndSettings={"Email": {"status": "active", "message": "no mail"}},
        customFields=[
            {"id": "cf1", "field_value": "x"},
            {"key": "contact.rank", "field_value": ["admiral"]},
        ],
        companyName="US Navy",
    )
    r = await api.post("/contacts/", json=body)
    assert r.status_code == 201
    created = r.json()["contact"]
    assert created["firstName"] == "Grace"
    assert created["name"] == "Grace Hopper"
    assert created["tags"] == ["vip", "navy"]
    assert created["dateAdded"] == "2024-01-01T00:01:30.500Z"
    assert created["dateUpdated"] == created["dateAdded"]
    # CreatedContact carries these extra flags in the spec.
    assert created["deleted"] is False
    assert created["bounceEmail"] is False
    rank_id = fake.custom_field_id("contact.rank")
    assert created["customFields"] == [
        {"id": "cf1", "value": "x"},
        {"id": rank_id, "value": ["admiral"]},
    ]
    stored = fake.contacts[created["id"]]
    assert stored["email"] == "grace@navy.mil"
    assert stored["dndSettings"] == {"Email": {"status": "active", "message": "no mail"}}
    assert "deleted" not in stored


async def test_create_contact_without_trailing_slash(api: Api, fake: FakeGHL) -> None:
    r = await api.post("/contacts", json=new_contact(fake, firstName="A"))
    assert r.status_code == 201


async def test_create_duplicate_email_is_400_with_meta(api: Api, fake: FakeGHL) -> None:
    first = fake.add_contact(firstName="Ann", email="ann@example.com")
    r = await api.post("/contacts/", json=new_contact(fake, email="ANN@example.com"))
    assert r.status_code == 400
    body = r.json()
    assert body["message"] == "This location does not allow duplicated contacts."
    assert body["meta"] == {
        "contactId": first["id"],
        "matchingField": "email",
        "contactName": "Ann",
    }
    assert body["traceId"]
    assert len(fake.contacts) == 1


async def test_create_duplicate_phone_ignores_formatting(api: Api, fake: FakeGHL) -> None:
    first = fake.add_contact(phone="+1 555-000-1111")
    r = await api.post("/contacts/", json=new_contact(fake, phone="+15550001111"))
    assert r.status_code == 400
    assert r.json()["meta"]["contactId"] == first["id"]
    assert r.json()["meta"]["matchingField"] == "phone"


async def test_duplicate_in_another_location_is_not_a_duplicate(api: Api, fake: FakeGHL) -> None:
    fake.add_contact(locationId="elsewhere", email="ann@example.com")
    r = await api.post("/contacts/", json=new_contact(fake, email="ann@example.com"))
    assert r.status_code == 201


async def test_allow_duplicates_creates_a_second_contact(clock: FakeClock) -> None:
    fake = FakeGHL(clock=clock, allow_duplicates=True)
    client = Api(fake, "sync")
    for _ in range(2):
        r = await client.post("/contacts/", json=new_contact(fake, email="same@example.com"))
        assert r.status_code == 201
    assert len(fake.contacts) == 2
    await client.close()


async def test_create_without_location_is_400(api: Api) -> None:
    r = await api.post("/contacts/", json={"firstName": "A"})
    assert r.status_code == 400
    assert r.json()["message"] == "locationId should not be empty"


async def test_missing_field_status_422_uses_a_message_list(clock: FakeClock) -> None:
    fake = FakeGHL(clock=clock, missing_field_status=422)
    client = Api(fake, "async")
    r = await client.post("/contacts/", json={"firstName": "A"})
    assert r.status_code == 422
    assert r.json()["message"] == ["locationId should not be empty"]
    await client.close()


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({"additionalEmails": ["a@b.c"]}, "property additionalEmails should not exist"),
        ({"first_name": "A"}, "property first_name should not exist"),
        ({"tags": "vip"}, "tags must be an array"),
        ({"tags": [1]}, "each value in tags must be a string"),
        ({"dnd": "yes"}, "dnd must be a boolean value"),
        ({"firstName": 3}, "firstName must be a string"),
        (
            {"customFields": [{"id": "a", "value": "b"}]},
            "customFields.0.property value should not exist",
        ),
        (
            {"dndSettings": {"SMS": {"status": "active", "x": 1}}},
            "dndSettings.SMS.property x should not exist",
        ),
    ],
)
async def test_create_rejects_bad_bodies_with_422(
    api: Api, fake: FakeGHL, extra: dict[str, Any], message: str
) -> None:
    r = await api.post("/contacts/", json=new_contact(fake, **extra))
    assert r.status_code == 422
    body = r.json()
    assert body["error"] == "Unprocessable Entity"
    assert body["statusCode"] == 422
    assert message in body["message"]
    assert fake.contacts == {}


async def test_nulls_are_accepted_for_nullable_fields(api: Api, fake: FakeGHL) -> None:
    r = await api.post("/contacts/", json=new_contact(fake, firstName="A", email=None))
    assert r.status_code == 201
    assert "email" not in r.json()["contact"]


async def test_create_for_another_location_is_403(api: Api) -> None:
    r = await api.post("/contacts/", json={"locationId": "notMine", "firstName": "A"})
    assert r.status_code == 403
    assert r.json()["message"] == "The token does not have access to this location."


async def test_invalid_json_is_400(api: Api) -> None:
    r = await api.post(
        "/contacts/", content=b"{not json", headers={"Content-Type": "application/json"}
    )
    assert r.status_code == 400


# ---------------------------------------------------------------- update / delete


async def test_update_contact(api: Api, fake: FakeGHL, clock: FakeClock) -> None:
    c = fake.add_contact(
        firstName="Old",
        tags=["a", "b"],
        customFields=[{"id": "f1", "value": "1"}, {"id": "f2", "value": "2"}],
    )
    clock.advance(60)
    r = await api.put(
        f"/contacts/{c['id']}",
        json={
            "firstName": "New",
            "tags": ["c"],
            "customFields": [{"id": "f2", "field_value": "two"}, {"id": "f3", "field_value": 3}],
        },
    )
    assert r.status_code == 200
    body = r.json()
    assert body["succeded"] is True
    contact = body["contact"]
    assert contact["firstName"] == "New"
    assert contact["name"] == "New"
    assert contact["tags"] == ["c"]  # PUT replaces the tag list
    assert contact["customFields"] == [
        {"id": "f1", "value": "1"},
        {"id": "f2", "value": "two"},
        {"id": "f3", "value": 3},
    ]
    assert contact["dateAdded"] == "2024-01-01T00:00:00.000Z"
    assert contact["dateUpdated"] == "2024-01-01T00:01:00.000Z"
    assert fake.contacts[c["id"]]["firstName"] == "New"


async def test_update_rejects_fields_only_create_accepts(api: Api, fake: FakeGHL) -> None:
    c = fake.add_contact(firstName="A")
    for prop in ("companyName", "locationId", "gender"):
        r = await api.put(f"/contacts/{c['id']}", json={prop: "x"})
        assert r.status_code == 422
        assert r.json()["message"] == [f"property {prop} should not exist"]


async def test_update_to_a_taken_email_is_duplicate(api: Api, fake: FakeGHL) -> None:
    a = fake.add_contact(email="a@example.com")
    b = fake.add_contact(email="b@example.com")
    r = await api.put(f"/contacts/{b['id']}", json={"email": "a@example.com"})
    assert r.status_code == 400
    assert r.json()["meta"]["contactId"] == a["id"]
    # Re-saving its own email is not a duplicate.
    r = await api.put(f"/contacts/{a['id']}", json={"email": "a@example.com"})
    assert r.status_code == 200


async def test_update_unknown_contact_is_404(api: Api) -> None:
    r = await api.put("/contacts/nope", json={"firstName": "x"})
    assert r.status_code == 404


async def test_delete_contact_cascades(api: Api, fake: FakeGHL) -> None:
    c = fake.add_contact(firstName="A")
    keep = fake.add_contact(firstName="B")
    fake.add_task(c["id"], title="t")
    fake.add_note(c["id"], body="n")
    fake.add_appointment(c["id"])
    fake.add_task(keep["id"], title="kept")
    r = await api.delete(f"/contacts/{c['id']}")
    assert r.status_code == 200
    assert r.json() == {"succeded": True}
    assert list(fake.contacts) == [keep["id"]]
    assert [t["title"] for t in fake.tasks.values()] == ["kept"]
    assert fake.notes == {}
    assert fake.appointments == {}
    r = await api.delete(f"/contacts/{c['id']}")
    assert r.status_code == 404


# ---------------------------------------------------------------- upsert


async def test_upsert_creates_then_updates(api: Api, fake: FakeGHL, clock: FakeClock) -> None:
    r = await api.post(
        "/contacts/upsert", json=new_contact(fake, email="u@example.com", firstName="U")
    )
    assert r.status_code == 200
    first = r.json()
    assert first["new"] is True
    assert first["traceId"]
    cid = first["contact"]["id"]
    clock.advance(5)
    r = await api.post(
        "/contacts/upsert", json=new_contact(fake, email="U@EXAMPLE.COM", lastName="Two")
    )
    second = r.json()
    assert second["new"] is False
    assert second["contact"]["id"] == cid
    assert second["contact"]["name"] == "U Two"
    assert second["contact"]["dateUpdated"] == "2024-01-01T00:00:05.000Z"
    assert len(fake.contacts) == 1


async def test_upsert_matches_by_phone(api: Api, fake: FakeGHL) -> None:
    c = fake.add_contact(phone="+15551234567")
    r = await api.post("/contacts/upsert", json=new_contact(fake, phone="+1 (555) 123-4567"))
    assert r.json()["new"] is False
    assert r.json()["contact"]["id"] == c["id"]


async def test_upsert_create_new_if_duplicate_allowed(clock: FakeClock) -> None:
    fake = FakeGHL(clock=clock, allow_duplicates=True)
    client = Api(fake, "async")
    body = new_contact(fake, email="d@example.com", createNewIfDuplicateAllowed=True)
    for _ in range(2):
        r = await client.post("/contacts/upsert", json=body)
        assert r.json()["new"] is True
    assert len(fake.contacts) == 2
    await client.close()


async def test_upsert_validation(api: Api, fake: FakeGHL) -> None:
    r = await api.post("/contacts/upsert", json={"email": "x@y.z"})
    assert r.status_code == 400
    r = await api.post("/contacts/upsert", json=new_contact(fake, followers=["u"]))
    assert r.status_code == 422


# ---------------------------------------------------------------- GET /contacts/ pagination


def _seed_spread(fake: FakeGHL, clock: FakeClock, n: int, *, ties: bool) -> list[str]:
    """Seed n contacts; with ties several share a dateAdded (cursor must break ties by id)."""
    ids = []
    for i in range(n):
        if not ties or i % 3 == 0:
            clock.advance(1)
        ids.append(fake.add_contact(firstName=f"C{i}")["id"])
    return ids


async def _read_all_pages(api: Api, fake: FakeGHL, limit: int) -> tuple[list[str], int]:
    seen: list[str] = []
    params: dict[str, Any] = {"locationId": fake.location_id, "limit": limit}
    calls = 0
    while True:
        calls += 1
        r = await api.get("/contacts/", params=params)
        assert r.status_code == 200
        body = r.json()
        page = [c["id"] for c in body["contacts"]]
        seen.extend(page)
        meta = body["meta"]
        assert meta["total"] == len(fake.contacts)
        if len(page) < limit or not meta["startAfterId"]:
            assert meta["nextPage"] is None
            return seen, calls
        assert meta["startAfterId"] == page[-1]
        params = {**params, "startAfterId": meta["startAfterId"], "startAfter": meta["startAfter"]}
        assert calls < 200


@pytest.mark.parametrize("n", [0, 1, 19, 20, 21, 45])
@pytest.mark.parametrize("limit", [1, 7, 20])
@pytest.mark.parametrize("ties", [False, True])
async def test_list_pagination_is_exhaustive(
    api: Api, fake: FakeGHL, clock: FakeClock, n: int, limit: int, ties: bool
) -> None:
    ids = _seed_spread(fake, clock, n, ties=ties)
    seen, calls = await _read_all_pages(api, fake, limit)
    assert sorted(seen) == sorted(ids)
    assert len(seen) == len(set(seen)) == n
    assert calls == n // limit + 1


async def test_list_meta_and_default_limit(api: Api, fake: FakeGHL, clock: FakeClock) -> None:
    _seed_spread(fake, clock, 25, ties=False)
    r = await api.get("/contacts/", params={"locationId": fake.location_id})
    body = r.json()
    assert len(body["contacts"]) == 20
    meta = body["meta"]
    assert meta["currentPage"] == 1
    assert meta["nextPage"] == 2
    assert meta["prevPage"] is None
    assert meta["startAfter"] == 1704067200000 + 20_000
    assert meta["nextPageUrl"].startswith("https://services.leadconnectorhq.com/contacts/?")
    r = await api.get(
        "/contacts/",
        params={
            "locationId": fake.location_id,
            "startAfterId": meta["startAfterId"],
            "startAfter": meta["startAfter"],
        },
    )
    meta2 = r.json()["meta"]
    assert len(r.json()["contacts"]) == 5
    assert meta2["currentPage"] == 2
    assert meta2["prevPage"] == 1
    assert meta2["nextPage"] is None
    assert meta2["nextPageUrl"] is None


async def test_list_cursor_survives_deleted_anchor(
    api: Api, fake: FakeGHL, clock: FakeClock
) -> None:
    ids = _seed_spread(fake, clock, 6, ties=False)
    r = await api.get("/contacts/", params={"locationId": fake.location_id, "limit": 3})
    meta = r.json()["meta"]
    await api.delete(f"/contacts/{meta['startAfterId']}")
    r = await api.get(
        "/contacts/",
        params={
            "locationId": fake.location_id,
            "limit": 3,
            "startAfterId": meta["startAfterId"],
            "startAfter": meta["startAfter"],
        },
    )
    assert [c["id"] for c in r.json()["contacts"]] == ids[3:]
    # Without startAfter an unknown anchor cannot be placed: refused, not restarted.
    r = await api.get(
        "/contacts/", params={"locationId": fake.location_id, "startAfterId": meta["startAfterId"]}
    )
    assert r.status_code == 400


async def test_list_query_and_location(api: Api, fake: FakeGHL) -> None:
    fake.add_contact(firstName="Alice", email="alice@example.com")
    fake.add_contact(firstName="Bob", phone="+15550009999")
    fake.add_contact(locationId="other", firstName="Alice")
    r = await api.get("/contacts/", params={"locationId": fake.location_id, "query": "ALI"})
    assert [c["firstName"] for c in r.json()["contacts"]] == ["Alice"]
    r = await api.get("/contacts/", params={"locationId": fake.location_id, "query": "0009999"})
    assert [c["firstName"] for c in r.json()["contacts"]] == ["Bob"]


@pytest.mark.parametrize(
    ("params", "status"),
    [
        ({}, 400),
        ({"limit": "101"}, 422),
        ({"limit": "0"}, 422),
        ({"limit": "ten"}, 422),
        ({"page": "2"}, 422),
        ({"locationId": "someoneElse"}, 403),
    ],
)
async def test_list_errors(api: Api, fake: FakeGHL, params: dict[str, str], status: int) -> None:
    query = {"locationId": fake.location_id, **params} if params else {}
    r = await api.get("/contacts/", params=query)
    assert r.status_code == status


# ---------------------------------------------------------------- by business


async def test_list_by_business(api: Api, fake: FakeGHL, clock: FakeClock) -> None:
    wanted = []
    for i in range(7):
        clock.advance(1)
        wanted.append(fake.add_contact(firstName=f"B{i}", businessId="biz1")["id"])
    fake.add_contact(firstName="other", businessId="biz2")
    seen: list[str] = []
    skip = 0
    while True:
        r = await api.get(
            "/contacts/business/biz1",
            params={"locationId": fake.location_id, "limit": "3", "skip": str(skip)},
        )
        assert r.status_code == 200
        body = r.json()
        assert body["count"] == 7
        seen.extend(c["id"] for c in body["contacts"])
        if len(body["contacts"]) < 3:
            break
        skip += 3
    assert seen == wanted
    r = await api.get("/contacts/business/biz1", params={"locationId": fake.location_id})
    assert len(r.json()["contacts"]) == 7  # default limit 25
    r = await api.get("/contacts/business/biz1", params={})
    assert r.status_code == 400


async def test_bulk_business(api: Api, fake: FakeGHL) -> None:
    a = fake.add_contact(firstName="A")
    r = await api.post(
        "/contacts/bulk/business",
        json={"locationId": fake.location_id, "ids": [a["id"], "missing"], "businessId": "biz"},
    )
    assert r.json() == {"success": True, "ids": [a["id"]]}
    assert fake.contacts[a["id"]]["businessId"] == "biz"
    r = await api.post(
        "/contacts/bulk/business",
        json={"locationId": fake.location_id, "ids": [a["id"]], "businessId": None},
    )
    assert r.status_code == 200  # null detaches
    assert "businessId" not in fake.contacts[a["id"]]
    r = await api.post(
        "/contacts/bulk/business", json={"locationId": fake.location_id, "ids": [a["id"]]}
    )
    assert r.status_code == 400


async def test_duplicate_lookup(api: Api, fake: FakeGHL) -> None:
    c = fake.add_contact(email="dup@example.com", phone="+15550001234")
    r = await api.get(
        "/contacts/search/duplicate",
        params={"locationId": fake.location_id, "email": "DUP@example.com"},
    )
    assert r.json()["contact"]["id"] == c["id"]
    r = await api.get(
        "/contacts/search/duplicate",
        params={"locationId": fake.location_id, "number": "+15550001234"},
    )
    assert r.json()["contact"]["id"] == c["id"]
    r = await api.get(
        "/contacts/search/duplicate", params={"locationId": fake.location_id, "email": "no@x.y"}
    )
    assert r.json() == {"contact": None}


# ---------------------------------------------------------------- search


def _search_body(fake: FakeGHL, **kw: Any) -> dict[str, Any]:
    return {"locationId": fake.location_id, "pageLimit": 10, **kw}


async def test_search_pages_and_total(api: Api, fake: FakeGHL, clock: FakeClock) -> None:
    ids = _seed_spread(fake, clock, 23, ties=False)
    seen: list[str] = []
    for page in (1, 2, 3, 4):
        r = await api.post("/contacts/search", json=_search_body(fake, page=page))
        assert r.status_code == 200
        body = r.json()
        assert body["total"] == 23
        seen.extend(c["id"] for c in body["contacts"])
    assert seen == ids  # default order: dateAdded ascending


@pytest.mark.parametrize("direction", ["asc", "desc"])
@pytest.mark.parametrize("page_limit", [1, 4, 10, 500])
async def test_search_after_is_exhaustive(
    api: Api, fake: FakeGHL, clock: FakeClock, direction: str, page_limit: int
) -> None:
    ids = _seed_spread(fake, clock, 17, ties=True)
    body = _search_body(
        fake, pageLimit=page_limit, sort=[{"field": "dateAdded", "direction": direction}]
    )
    seen: list[str] = []
    r = await api.post("/contacts/search", json={**body, "page": 1})
    while True:
        assert r.status_code == 200
        contacts = r.json()["contacts"]
        seen.extend(c["id"] for c in contacts)
        if len(contacts) < page_limit:
            break
        r = await api.post(
            "/contacts/search", json={**body, "searchAfter": contacts[-1]["searchAfter"]}
        )
    assert sorted(seen) == sorted(ids)
    assert len(seen) == len(set(seen))
    added = [fake.contacts[i]["dateAdded"] for i in seen]
    assert added == sorted(added, reverse=direction == "desc")


async def test_search_window_then_search_after(clock: FakeClock) -> None:
    fake = FakeGHL(clock=clock, max_search_window=6)
    client = Api(fake, "sync")
    ids = _seed_spread(fake, clock, 10, ties=False)
    body = _search_body(fake, pageLimit=3)
    r1 = await client.post("/contacts/search", json={**body, "page": 1})
    r2 = await client.post("/contacts/search", json={**body, "page": 2})
    r3 = await client.post("/contacts/search", json={**body, "page": 3})
    assert r3.status_code == 400
    assert "searchAfter" in r3.json()["message"]
    seen = [c["id"] for c in r1.json()["contacts"] + r2.json()["contacts"]]
    cursor = r2.json()["contacts"][-1]["searchAfter"]
    while True:
        r = await client.post("/contacts/search", json={**body, "searchAfter": cursor})
        contacts = r.json()["contacts"]
        seen.extend(c["id"] for c in contacts)
        if len(contacts) < 3:
            break
        cursor = contacts[-1]["searchAfter"]
    assert seen == ids
    await client.close()


async def test_search_changed_since(api: Api, fake: FakeGHL, clock: FakeClock) -> None:
    a = fake.add_contact(firstName="A")
    b = fake.add_contact(firstName="B")
    c = fake.add_contact(firstName="C")
    clock.advance(3600)
    since = "2024-01-01T00:30:00.000Z"
    await api.put(f"/contacts/{c['id']}", json={"lastName": "x"})
    clock.advance(10)
    await api.post(f"/contacts/{a['id']}/tags", json={"tags": ["t"]})
    r = await api.post(
        "/contacts/search",
        json=_search_body(
            fake,
            filters=[{"field": "dateUpdated", "operator": "range", "value": {"gte": since}}],
            sort=[{"field": "dateUpdated", "direction": "asc"}],
        ),
    )
    body = r.json()
    assert [x["id"] for x in body["contacts"]] == [c["id"], a["id"]]
    assert body["total"] == 2
    assert b["id"] not in {x["id"] for x in body["contacts"]}
    # epoch-ms bounds work too
    r = await api.post(
        "/contacts/search",
        json=_search_body(
            fake,
            filters=[{"field": "dateUpdated", "operator": "range", "value": {"gt": 1704070800000}}],
        ),
    )
    assert [x["id"] for x in r.json()["contacts"]] == [a["id"]]


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ([{"field": "email", "operator": "eq", "value": "ANN@example.com"}], ["ann"]),
        ([{"field": "tags", "operator": "eq", "value": "vip"}], ["ann", "bob"]),
        ([{"field": "tags", "operator": "not_eq", "value": "vip"}], ["cy"]),
        ([{"field": "firstName", "operator": "contains", "value": "o"}], ["bob"]),
        ([{"field": "firstName", "operator": "not_contains", "value": "o"}], ["ann", "cy"]),
        ([{"field": "email", "operator": "exists"}], ["ann", "bob"]),
        ([{"field": "email", "operator": "not_exists"}], ["cy"]),
        ([{"field": "customFields.f1", "operator": "eq", "value": "gold"}], ["bob"]),
        ([{"field": "dnd", "operator": "eq", "value": True}], ["cy"]),
        (
            [
                {
                    "group": "OR",
                    "filters": [
                        {"field": "firstName", "operator": "eq", "value": "ann"},
                        {"field": "firstName", "operator": "eq", "value": "cy"},
                    ],
                }
            ],
            ["ann", "cy"],
        ),
        (
            [
                {"field": "tags", "operator": "eq", "value": "vip"},
                {"field": "tags", "operator": "eq", "value": "b2b"},
            ],
            ["bob"],
        ),
    ],
)
async def test_search_filters(
    api: Api, fake: FakeGHL, clock: FakeClock, filters: list[Any], expected: list[str]
) -> None:
    fake.add_contact(firstName="ann", email="ann@example.com", tags=["vip"])
    clock.advance(1)
    fake.add_contact(
        firstName="bob",
        email="bob@example.com",
        tags=["vip", "b2b"],
        customFields=[{"id": "f1", "value": "gold"}],
    )
    clock.advance(1)
    fake.add_contact(firstName="cy", tags=["new"], dnd=True)
    r = await api.post("/contacts/search", json=_search_body(fake, filters=filters))
    assert r.status_code == 200
    assert [c["firstName"] for c in r.json()["contacts"]] == expected
    assert r.json()["total"] == len(expected)


async def test_search_query_text(api: Api, fake: FakeGHL) -> None:
    fake.add_contact(firstName="Zed", companyName="Acme")
    fake.add_contact(firstName="Yan")
    r = await api.post("/contacts/search", json=_search_body(fake, query="acme"))
    assert [c["firstName"] for c in r.json()["contacts"]] == ["Zed"]


@pytest.mark.parametrize(
    ("patch", "status", "message"),
    [
        (
            {"filters": [{"field": "contact_name", "operator": "eq", "value": 1}]},
            400,
            "Invalid field contact_name",
        ),
        (
            {"filters": [{"field": "email", "operator": "like", "value": 1}]},
            400,
            "Invalid operator like",
        ),
        (
            {"filters": [{"field": "dateAdded", "operator": "range", "value": {"from": 1}}]},
            400,
            None,
        ),
        ({"sort": [{"field": "nope", "direction": "asc"}]}, 400, "Invalid field nope"),
        ({"sort": [{"field": "email", "direction": "up"}]}, 400, None),
        ({"searchAfter": [1]}, 400, None),
        ({"pageLimit": 501}, 422, None),
        ({"pageLimit": None}, 422, None),
        ({"page": 0}, 422, None),
        ({"unknownKey": 1}, 422, "property unknownKey should not exist"),
        ({"locationId": "other"}, 403, None),
    ],
)
async def test_search_errors(
    api: Api, fake: FakeGHL, patch: dict[str, Any], status: int, message: str | None
) -> None:
    body = _search_body(fake, **patch)
    body = {k: v for k, v in body.items() if v is not None}
    r = await api.post("/contacts/search", json=body)
    assert r.status_code == status
    if message is not None:
        got = r.json()["message"]
        assert message == got or message in got


async def test_search_missing_location_is_422(api: Api) -> None:
    r = await api.post("/contacts/search", json={"pageLimit": 5})
    assert r.status_code == 422
    assert r.json()["message"] == ["locationId should not be empty"]
