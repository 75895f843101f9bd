"""FakeNinox: record endpoints -- get, batch save, update, delete, values, filters, order."""

from __future__ import annotations

import json
from typing import Any

import pytest

from ninoxsdk.testing import FakeClock
from tests.ninoxsdk.test_fake_ninox_support import (  # noqa: F401
    CONTACTS,
    DB,
    DBP,
    RECORDS,
    TEAM,
    Api,
    api_fixture,
    fake_fixture,
    make_fake,
)


async def save(api: Api, items: Any, url: str = RECORDS) -> Any:
    return await api.ok("POST", url, json=items)


async def test_batch_create_returns_saved_records_in_request_order(api: Api) -> None:
    saved = await save(
        api,
        [
            {"fields": {"First name": "Grace", "Email": "grace@example.org", "Stage": "Lead"}},
            {"fields": {"First name": "Linus"}},
        ],
    )
    assert saved == [
        {
            "id": 1,
            "sequence": 1,
            "createdAt": "2025-03-02T09:14:05",
            "createdBy": "u8f2k1",
            "modifiedAt": "2025-03-02T09:14:05",
            "modifiedBy": "u8f2k1",
            "fields": {"First name": "Grace", "Email": "grace@example.org", "Stage": "Lead"},
        },
        {
            "id": 2,
            "sequence": 2,
            "createdAt": "2025-03-02T09:14:05",
            "createdBy": "u8f2k1",
            "modifiedAt": "2025-03-02T09:14:05",
            "modifiedBy": "u8f2k1",
            "fields": {"First name": "Linus"},
        },
    ]
    assert api.fake.records(TEAM, DB, "A") == saved
    assert api.fake.records(TEAM, DB, "Contacts") == saved


async def test_ids_are_per_table_and_sequence_is_database_wide(api: Api) -> None:
    await save(api, [{"fields": {"First name": "Ada"}}])
    company = await save(api, [{"fields": {"Name": "Acme"}}], url=f"{DBP}/tables/B/records")
    contact = await save(api, [{"fields": {"First name": "Bob"}}])
    assert (company[0]["id"], company[0]["sequence"]) == (1, 2)
    assert (contact[0]["id"], contact[0]["sequence"]) == (2, 3)
    assert api.fake.sequence(TEAM, DB) == 3


async def test_single_object_body_is_accepted_and_answered_with_one_record(api: Api) -> None:
    saved = await save(api, {"fields": {"First name": "Ada"}})
    assert isinstance(saved, dict)
    assert saved["id"] == 1
    assert saved["fields"] == {"First name": "Ada"}


async def test_update_with_id_merges_and_bumps_sequence_and_modified_at(api: Api) -> None:
    clock = api.fake.clock
    assert isinstance(clock, FakeClock)
    await save(api, [{"fields": {"First name": "Ada", "Email": "ada@example.org"}}])
    clock.advance(61)
    updated = await save(api, [{"id": 1, "fields": {"Stage": "Customer"}}])
    assert updated[0]["fields"] == {
        "First name": "Ada",
        "Email": "ada@example.org",
        "Stage": "Customer",
    }
    assert updated[0]["sequence"] == 2
    assert updated[0]["createdAt"] == "2025-03-02T09:14:05"
    assert updated[0]["modifiedAt"] == "2025-03-02T09:15:06"
    cleared = await save(api, [{"id": "1", "fields": {"Email": None}}])
    assert cleared[0]["fields"] == {"First name": "Ada", "Stage": "Customer"}


async def test_upsert_creates_with_the_requested_id_and_later_ids_follow(api: Api) -> None:
    saved = await save(api, [{"id": 900, "_upsert": True, "fields": {"First name": "Linus"}}])
    assert saved[0]["id"] == 900
    again = await save(api, [{"id": 900, "_upsert": True, "fields": {"Stage": "Lead"}}])
    assert again[0]["fields"] == {"First name": "Linus", "Stage": "Lead"}
    assert (await save(api, [{"fields": {}}]))[0]["id"] == 901


async def test_unknown_id_without_upsert_is_404_and_batch_is_atomic(api: Api) -> None:
    await save(api, [{"fields": {"First name": "Ada"}}])
    before = api.fake.sequence(TEAM, DB)
    response = await api.post(
        RECORDS, json=[{"fields": {"First name": "Bob"}}, {"id": 77, "fields": {}}]
    )
    assert response.status_code == 404
    assert "77" in response.json()["message"]
    assert api.fake.sequence(TEAM, DB) == before
    assert len(api.fake.records(TEAM, DB, "A")) == 1


async def test_non_atomic_batches_keep_the_items_before_the_failure() -> None:
    api = Api(make_fake(batch_atomic=False), "sync")
    response = await api.post(
        RECORDS,
        json=[{"fields": {"First name": "Bob"}}, {"fields": {"Nope": 1}}, {"fields": {}}],
    )
    assert response.status_code == 500
    assert [r["fields"] for r in api.fake.records(TEAM, DB, "A")] == [{"First name": "Bob"}]
    await api.aclose()


@pytest.mark.parametrize(
    ("fields", "needle"),
    [
        ({"Emial": "x@example.org"}, 'Field not found: "Emial"'),
        ({"Full name": "Ada L"}, 'Field is read-only: "Full name"'),
        ({"E": "Ada L"}, 'Field is read-only: "Full name"'),
        ({"Score": "many"}, 'Invalid value for field "Score" (number)'),
        ({"VIP": "yes"}, '"VIP" (boolean)'),
        ({"Birthday": "23.01.2021"}, '"Birthday" (date)'),
        ({"Next call": "tomorrow"}, '"Next call" (datetime)'),
        ({"Stage": "Prospect"}, "unknown choice 'Prospect'"),
        ({"Tags": "vip"}, "expected a list of choices"),
        ({"Company": 0}, '"Company" (ref)'),
        ({"Meeting": "2021-01-23T12:30:00"}, '"Meeting" (appointment)'),
        ({"First name": 12}, "expected text"),
        ({"Call time": "noon"}, '"Call time" (time)'),
        ({"Duration": "long"}, '"Duration" (timeinterval)'),
    ],
)
async def test_bad_writes_get_500_with_a_message(
    api: Api, fields: dict[str, Any], needle: str
) -> None:
    response = await api.post(RECORDS, json=[{"fields": fields}])
    assert response.status_code == 500
    assert needle in response.json()["message"]
    assert api.fake.records(TEAM, DB, "A") == []


async def test_reverse_links_are_read_only(api: Api) -> None:
    response = await api.post(f"{DBP}/tables/B/records", json=[{"fields": {"Contacts": [1]}}])
    assert response.status_code == 500
    assert "read-only" in response.json()["message"]


async def test_field_error_status_is_configurable() -> None:
    api = Api(make_fake(field_error_status=400), "async")
    response = await api.post(RECORDS, json=[{"fields": {"Nope": 1}}])
    assert response.status_code == 400
    await api.aclose()


async def test_values_are_normalised_like_the_server_stores_them(api: Api) -> None:
    saved = await save(
        api,
        [
            {
                "fields": {
                    "G": "ada@example.org",  # by field id
                    "Score": "12",
                    "VIP": False,
                    "Birthday": "2021-01-23",
                    "Next call": "2025-03-10T14:00:00+01:00",
                    "Stage": "2",  # choice id
                    "Tags": ["vip", "t2"],
                    "Company": "7",
                    "Meeting": "2021-01-23T12:30:00Z - 2021-01-23T13:30:00Z",
                    "Call time": "12:30:00",
                    "Duration": "123:25:16.123",
                    "Photo": "me.png",
                }
            }
        ],
    )
    assert saved[0]["fields"] == {
        "Email": "ada@example.org",
        "Score": 12,
        "VIP": False,
        "Birthday": "2021-01-23",
        "Next call": "2025-03-10T13:00:00",
        "Stage": "Customer",
        "Tags": ["vip", "new"],
        "Company": 7,
        "Meeting": "2021-01-23T12:30:00 - 2021-01-23T13:30:00",
        "Call time": "12:30:00",
        "Duration": "123:25:16.123",
        "Photo": "me.png",
    }
    epoch = await save(api, [{"fields": {"Next call": 1741611600000, "Score": 1.5}}])
    assert epoch[0]["fields"] == {"Next call": "2025-03-10T13:00:00", "Score": 1.5}


async def test_validation_can_be_switched_off() -> None:
    api = Api(make_fake(validate_values=False), "sync")
    saved = await save(api, [{"fields": {"Score": "many", "VIP": "yes", "Stage": "Prospect"}}])
    assert saved[0]["fields"] == {"Score": "many", "VIP": "yes", "Stage": "Prospect"}
    known = await save(api, [{"fields": {"Stage": "Customer"}}])
    assert api.fake.records(TEAM, DB, "A")[1]["fields"] == known[0]["fields"]
    by_ids = await api.ok("GET", f"{RECORDS}/2", params={"choiceStyle": "ids"})
    assert by_ids["fields"] == {"Stage": "2"}  # still stored by id
    await api.aclose()


async def test_choice_style_ids_and_ids_keying(api: Api) -> None:
    await save(api, [{"fields": {"First name": "Ada", "Stage": "Customer", "Tags": ["new"]}}])
    by_ids = await api.ok("GET", f"{RECORDS}/1", params={"choiceStyle": "ids", "ids": "true"})
    assert by_ids["fields"] == {"A": "Ada", "B": "2", "L": ["t2"]}
    listed = await api.ok("GET", RECORDS, params={"choiceStyle": "ids"})
    assert listed[0]["fields"]["Stage"] == "2"


@pytest.mark.parametrize(
    ("body", "status"),
    [
        (b"not json", 400),
        (b"", 400),
        (b"42", 400),
        (b'[{"First name": "flat"}]', 400),
        (b'[{"fields": ["x"]}]', 400),
        (b'[{"id": -1, "fields": {}}]', 400),
        (b"[7]", 400),
    ],
)
async def test_malformed_batches_get_400(api: Api, body: bytes, status: int) -> None:
    response = await api.post(RECORDS, content=body, headers={"content-type": "application/json"})
    assert response.status_code == status
    assert response.json()["message"]


async def test_read_record_can_be_written_back_unchanged(api: Api) -> None:
    saved = await save(api, [{"fields": {"First name": "Ada"}}])
    again = await save(api, saved)
    assert again[0]["fields"] == saved[0]["fields"]
    assert again[0]["sequence"] == saved[0]["sequence"] + 1


async def test_get_record_and_404s(api: Api) -> None:
    await save(api, [{"fields": {"First name": "Ada"}}])
    record = await api.ok("GET", f"{RECORDS}/1")
    assert record["fields"] == {"First name": "Ada"}
    for url in (f"{RECORDS}/2", f"{RECORDS}/abc", f"{DBP}/tables/Q/records/1"):
        response = await api.get(url)
        assert response.status_code == 404
        assert response.json()["message"].endswith("Not Found")


async def test_put_updates_one_record(api: Api) -> None:
    await save(api, [{"fields": {"First name": "Ada", "Email": "a@example.org"}}])
    updated = await api.ok("PUT", f"{RECORDS}/1", json={"fields": {"Stage": "Lead", "Email": None}})
    assert updated["fields"] == {"First name": "Ada", "Stage": "Lead"}
    assert updated["sequence"] == 2
    assert (await api.put(f"{RECORDS}/9", json={"fields": {}})).status_code == 404
    assert (await api.put(f"{RECORDS}/1", json={"Stage": "Lead"})).status_code == 400
    bad = await api.put(f"{RECORDS}/1", json={"fields": {"Full name": "x"}})
    assert bad.status_code == 500


async def test_delete_one_record(api: Api) -> None:
    await save(api, [{"fields": {"First name": "Ada"}}, {"fields": {"First name": "Bob"}}])
    response = await api.delete(f"{RECORDS}/1")
    assert response.status_code == 200
    assert response.content == b""
    assert api.fake.sequence(TEAM, DB) == 3
    assert (await api.get(f"{RECORDS}/1")).status_code == 404
    assert (await api.delete(f"{RECORDS}/1")).status_code == 404
    assert [r["id"] for r in api.fake.records(TEAM, DB, "A")] == [2]


async def test_delete_many_with_the_array_body_skips_missing_ids(api: Api) -> None:
    await save(api, [{"fields": {}} for _ in range(4)])
    response = await api.request("DELETE", RECORDS, json=[1, 3, 99])
    assert response.status_code == 200
    assert [r["id"] for r in api.fake.records(TEAM, DB, "A")] == [2, 4]
    await api.ok("POST", f"{RECORDS}/delete", json=["2"])  # the PyPI client's variant
    assert [r["id"] for r in api.fake.records(TEAM, DB, "A")] == [4]
    bad = await api.request("DELETE", RECORDS, json={"nope": True})
    assert bad.status_code == 400
    assert (await api.request("DELETE", RECORDS, json=[True])).status_code == 400


async def test_delete_many_can_be_unsupported_to_exercise_fallbacks() -> None:
    api = Api(make_fake(supports_delete_many=False), "async")
    await save(api, [{"fields": {}}])
    response = await api.request("DELETE", RECORDS, json=[1])
    assert response.status_code == 404
    assert response.json() == {"message": "End-point not found"}
    assert (await api.post(f"{RECORDS}/delete", json=[1])).status_code == 404
    assert len(api.fake.records(TEAM, DB, "A")) == 1
    await api.aclose()


async def seed_people(api: Api) -> None:
    await save(
        api,
        [
            {"fields": {"First name": "Cleo", "Email": "c@example.org", "Score": 5}},
            {"fields": {"First name": "Ada", "Email": "a@example.org", "Stage": "Lead"}},
            {"fields": {"First name": "Bob", "Stage": "Customer", "Score": 9}},
            {"fields": {"First name": "Ada", "Stage": "Customer", "Score": 1}},
        ],
    )


@pytest.mark.parametrize(
    "filters",
    [
        {"fields": {"First name": "Ada"}},
        {"First name": "Ada"},
        {"fields": {"A": "Ada"}},
        {"A": "Ada"},
    ],
)
async def test_filters_accept_both_shapes_and_names_or_ids(
    api: Api, filters: dict[str, Any]
) -> None:
    await seed_people(api)
    found = await api.ok("GET", RECORDS, params={"filters": json.dumps(filters)})
    assert [r["id"] for r in found] == [2, 4]


async def test_filters_on_choice_captions_and_several_fields(api: Api) -> None:
    await seed_people(api)
    params = {"filters": json.dumps({"fields": {"Stage": "Customer", "First name": "Ada"}})}
    assert [r["id"] for r in await api.ok("GET", RECORDS, params=params)] == [4]
    params = {"filters": json.dumps({"fields": {"Score": 9}})}
    assert [r["id"] for r in await api.ok("GET", RECORDS, params=params)] == [3]
    bad_field = await api.get(RECORDS, params={"filters": '{"fields": {"Nope": 1}}'})
    assert bad_field.status_code == 500
    assert (await api.get(RECORDS, params={"filters": "{oops"})).status_code == 400
    assert (await api.get(RECORDS, params={"filters": "[1]"})).status_code == 400


async def test_find_one_record_with_post(api: Api) -> None:
    await seed_people(api)
    body = {"filters": {"fields": {"Email": "a@example.org"}}}
    found = await api.ok("POST", f"{CONTACTS}/record", json=body)
    assert found["id"] == 2
    missing = await api.post(f"{CONTACTS}/record", json={"filters": {"fields": {"Email": "x"}}})
    assert missing.status_code == 404


async def test_order_desc_new_updated_and_default(api: Api) -> None:
    await seed_people(api)
    await save(api, [{"id": 1, "fields": {"Score": 6}}])  # record 1 is now the newest change

    async def ids(**params: Any) -> list[int]:
        return [r["id"] for r in await api.ok("GET", RECORDS, params=params)]

    assert await ids() == [1, 2, 3, 4]
    assert await ids(order="First name") == [2, 4, 3, 1]
    assert await ids(order="A", desc="true") == [1, 3, 4, 2]
    assert await ids(order="Score") == [2, 4, 1, 3]  # missing first
    assert await ids(order="Stage") == [1, 3, 4, 2]  # by caption, missing first
    assert await ids(order="id", desc="true") == [4, 3, 2, 1]
    assert await ids(updated="true") == [1, 4, 3, 2]
    assert await ids(new="true") == [4, 3, 2, 1]
    assert await ids(new="true", order="First name") == [4, 3, 2, 1]  # new wins
    unknown = await api.get(RECORDS, params={"order": "Nope"})
    assert unknown.status_code == 500


async def test_scrambled_default_order_is_stable_but_not_by_id() -> None:
    api = Api(make_fake(scrambled_default_order=True), "sync")
    await save(api, [{"fields": {}} for _ in range(20)])
    first = [r["id"] for r in await api.ok("GET", RECORDS)]
    assert first == [r["id"] for r in await api.ok("GET", RECORDS)]
    assert sorted(first) == list(range(1, 21))
    assert first != sorted(first)
    ordered = [r["id"] for r in await api.ok("GET", RECORDS, params={"order": "id"})]
    assert ordered == sorted(first)
    await api.aclose()


async def test_seed_api_writes_as_another_user_and_validates() -> None:
    fake = make_fake()
    created = fake.add_record(TEAM, DB, "Contacts", {"First name": "Ada"})
    assert created["createdBy"] == "root"
    assert created["sequence"] == 1
    fake.add_record(TEAM, DB, "A", {"First name": "Bob"}, id=40, user_id="u2")
    updated = fake.update_record(TEAM, DB, "A", 40, {"Stage": "Lead"})
    assert updated["fields"] == {"First name": "Bob", "Stage": "Lead"}
    assert updated["createdBy"] == "u2"
    assert updated["modifiedBy"] == "root"
    assert fake.record(TEAM, DB, "A", 40) == updated
    assert fake.record(TEAM, DB, "A", 41) is None
    with pytest.raises(ValueError, match="already exists"):
        fake.add_record(TEAM, DB, "A", {}, id=40)
    with pytest.raises(ValueError, match='Field not found: "Nope"'):
        fake.add_record(TEAM, DB, "A", {"Nope": 1})
    with pytest.raises(ValueError, match="Record Not Found"):
        fake.update_record(TEAM, DB, "A", 99, {})
    fake.delete_record(TEAM, DB, "A", 1)
    with pytest.raises(LookupError):
        fake.delete_record(TEAM, DB, "A", 1)
    assert fake.sequence(TEAM, DB) == 4


async def test_any_epoch_seconds_callable_is_a_clock() -> None:
    fake = make_fake(clock=lambda: 1735787045.5)  # 2025-01-02T03:04:05.5Z
    record = fake.add_record(TEAM, DB, "A", {})
    assert record["createdAt"] == "2025-01-02T03:04:05"
