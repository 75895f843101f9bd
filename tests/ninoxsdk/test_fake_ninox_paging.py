"""FakeNinox: paging, sequence, change polling, change sets, files and scripts."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ninoxsdk.testing import ScriptDatabase, ScriptError
from tests.ninoxsdk.test_fake_ninox_support import (  # noqa: F401
    BASE_URL,
    CONTACTS,
    DB,
    DBP,
    KEY,
    RECORDS,
    TEAM,
    Api,
    api_fixture,
    fake_fixture,
    make_fake,
)


async def create(api: Api, n: int, url: str = RECORDS) -> list[dict[str, Any]]:
    # only Contacts has a Score field
    items = [{"fields": {"Score": i} if url == RECORDS else {}} for i in range(n)]
    result: list[dict[str, Any]] = await api.ok("POST", url, json=items)
    return result


async def page_ids(api: Api, **params: Any) -> list[int]:
    return [r["id"] for r in await api.ok("GET", RECORDS, params=params)]


# -- paging -------------------------------------------------------------------------------


async def test_a_walk_through_pages_selects_once_until_a_write(api: Api) -> None:
    await create(api, 1_000)
    selections = 0
    compute = api.fake._compute_select

    def counted(*args: Any) -> Any:
        nonlocal selections
        selections += 1
        return compute(*args)

    api.fake._compute_select = counted  # type: ignore[method-assign]
    walk = {"updated": "true", "sinceSq": "0", "perPage": "100"}
    first = [i for p in range(10) for i in await page_ids(api, **walk, page=p)]
    assert first == list(range(1_000, 0, -1))  # newest change first
    assert selections == 1  # one filter-and-sort for ten pages, not one per page
    await api.ok("PUT", f"{RECORDS}/5", json={"fields": {"Score": -1}})
    assert (await page_ids(api, **walk, page=0))[:2] == [5, 1_000]  # the write is seen
    assert await page_ids(api, order="Score", perPage=1) == [5]
    assert selections == 3
    api.fake.rename_field(TEAM, DB, "A", "Score", "Points")  # no sequence number, still seen
    with pytest.raises(AssertionError):
        await page_ids(api, order="Score", perPage=1)
    assert await page_ids(api, order="Points", perPage=1) == [5]


async def test_page_and_per_page(api: Api) -> None:
    await create(api, 250)
    assert await page_ids(api) == list(range(1, 101))  # default perPage 100, page 0
    assert await page_ids(api, page=2) == list(range(201, 251))
    assert await page_ids(api, page=1, perPage=30) == list(range(31, 61))
    assert await page_ids(api, page=9, perPage=30) == []
    assert await page_ids(api, perPage=1000) == list(range(1, 251))
    assert len(await page_ids(api, limit=5, pageSize=5)) == 100  # ignored, as observed
    for params in ({"page": -1}, {"perPage": 0}, {"perPage": "x"}):
        assert (await api.get(RECORDS, params=params)).status_code == 400


async def test_max_per_page_caps_silently() -> None:
    api = Api(make_fake(max_per_page=50), "sync")
    await create(api, 120)
    assert len(await page_ids(api, perPage=100)) == 50  # a short page that is not the last
    await api.aclose()


async def test_since_id_keyset_paging_with_writes_between_pages(api: Api) -> None:
    await create(api, 25)
    seen: list[int] = []
    last = 0
    while True:
        ids = await page_ids(api, sinceId=last, perPage=7, order="id")
        seen += ids
        if len(ids) < 7:
            break
        last = ids[-1]
        # another user changes and adds records while we page
        api.fake.update_record(TEAM, DB, "A", 1, {"Score": 100})
        api.fake.add_record(TEAM, DB, "A", {"Score": -1})
    assert len(seen) == len(set(seen))
    assert set(range(1, 26)) <= set(seen)
    assert seen == sorted(seen)


async def test_page_offset_by_id_survives_appends_between_pages(api: Api) -> None:
    await create(api, 20)
    seen: list[int] = []
    page = 0
    while True:
        ids = await page_ids(api, page=page, perPage=6, order="id")
        seen += ids
        if len(ids) < 6:
            break
        page += 1
        api.fake.add_record(TEAM, DB, "A", {})
    assert len(seen) == len(set(seen))
    assert set(range(1, 21)) <= set(seen)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    initial=st.integers(min_value=0, max_value=60),
    per_page=st.integers(min_value=1, max_value=15),
    writes=st.lists(
        st.tuples(st.sampled_from(["add", "update"]), st.integers(min_value=1, max_value=60)),
        max_size=12,
    ),
    scrambled=st.booleans(),
)
def test_keyset_paging_never_skips_or_repeats(
    initial: int, per_page: int, writes: list[tuple[str, int]], scrambled: bool
) -> None:
    # with a non-id default order the client must ask for order=id explicitly
    fake = make_fake(scrambled_default_order=scrambled)
    for i in range(initial):
        fake.add_record(TEAM, DB, "A", {"Score": i})
    params: dict[str, Any] = {"perPage": per_page, **({"order": "id"} if scrambled else {})}
    pending = list(writes)
    seen: list[int] = []
    last = 0
    headers = {"Authorization": f"Bearer {KEY}"}
    with httpx.Client(transport=fake, base_url=BASE_URL, headers=headers) as client:
        while True:
            page = client.get(RECORDS, params={**params, "sinceId": last}).json()
            seen += [r["id"] for r in page]
            if len(page) < per_page:
                break
            last = page[-1]["id"]
            if pending:
                kind, rid = pending.pop(0)
                if kind == "add":
                    fake.add_record(TEAM, DB, "A", {})
                elif fake.record(TEAM, DB, "A", rid) is not None:
                    fake.update_record(TEAM, DB, "A", rid, {"Score": -rid})
    assert len(seen) == len(set(seen))
    assert set(range(1, initial + 1)) <= set(seen)
    # everything that exists at the end and has an id beyond the start set was seen too
    assert {r["id"] for r in fake.records(TEAM, DB, "A")} == set(seen)


# -- sequence and change polling ----------------------------------------------------------


async def test_sequence_increases_on_every_write_database_wide(api: Api) -> None:
    sequences: list[int] = []
    sequences += [r["sequence"] for r in await create(api, 3)]
    sequences += [r["sequence"] for r in await create(api, 2, url=f"{DBP}/tables/B/records")]
    sequences.append(
        (await api.ok("PUT", f"{RECORDS}/2", json={"fields": {"Score": 7}}))["sequence"]
    )
    await api.delete(f"{RECORDS}/3")
    sequences.append(api.fake.sequence(TEAM, DB))
    upload = await api.post(f"{RECORDS}/1/files", files={"file": ("a.txt", b"x", "text/plain")})
    sequences.append(upload.json()["seq"])
    assert sequences == list(range(1, len(sequences) + 1))
    records = {r["id"]: r["sequence"] for r in api.fake.records(TEAM, DB, "A")}
    assert records == {1: 8, 2: 6}  # each record carries the sequence of its last change


async def test_change_polling_with_updated_and_since_sq(api: Api) -> None:
    await create(api, 5)
    bootstrap = await api.ok("GET", RECORDS, params={"updated": "true", "perPage": 1})
    high_water = bootstrap[0]["sequence"]
    assert high_water == 5
    assert await api.ok("GET", RECORDS, params={"updated": "true", "sinceSq": high_water}) == []
    api.fake.update_record(TEAM, DB, "A", 2, {"Score": 20})
    api.fake.add_record(TEAM, DB, "A", {"Score": 6})
    await api.ok("PUT", f"{RECORDS}/4", json={"fields": {"Score": 40}})
    changed = await api.ok("GET", RECORDS, params={"updated": "true", "sinceSq": high_water})
    assert [(r["id"], r["sequence"]) for r in changed] == [(4, 8), (6, 7), (2, 6)]
    first_page = await api.ok(
        "GET", RECORDS, params={"updated": "true", "sinceSq": high_water, "perPage": 2}
    )
    assert [r["id"] for r in first_page] == [4, 6]
    # without updated=true sinceSq filters too, unless configured like the observed probe
    assert await page_ids(api, sinceSq=7) == [4]


async def test_since_sq_can_require_updated_like_the_observed_probe() -> None:
    api = Api(make_fake(since_sq_requires_updated=True), "async")
    await create(api, 3)
    assert await page_ids(api, sinceSq=2) == [1, 2, 3]
    assert await page_ids(api, sinceSq=2, updated="true") == [3]
    await api.aclose()


async def test_change_sets_report_updates_removes_and_next_ids(api: Api) -> None:
    await create(api, 3)
    await create(api, 1, url=f"{DBP}/tables/B/records")
    await api.delete(f"{RECORDS}/2")
    await api.ok("PUT", f"{RECORDS}/3", json={"fields": {"Score": 33}})
    db_changes = await api.ok("GET", f"{DBP}/changes", params={"sinceSq": 3})
    assert db_changes["seq"] == 6
    assert set(db_changes["updates"]) == {"B1", "A3"}
    assert db_changes["updates"]["A3"]["fields"] == {"Score": 33}
    assert db_changes["removes"] == ["A2"]
    assert db_changes["nextRids"] == {"A": 4, "B": 2}
    table_changes = await api.ok("GET", f"{CONTACTS}/changes", params={"sinceSq": 3})
    assert set(table_changes["updates"]) == {"A3"}
    assert table_changes["removes"] == ["A2"]
    assert table_changes["nextRids"] == {"A": 4}
    record_changes = await api.ok("GET", f"{RECORDS}/2/changes", params={"sinceSq": 0})
    assert record_changes["updates"] == {}
    assert record_changes["removes"] == ["A2"]
    everything = await api.ok("GET", f"{DBP}/changes")
    assert set(everything["updates"]) == {"A1", "A3", "B1"}
    assert (await api.get(f"{RECORDS}/x/changes")).status_code == 404


# -- files --------------------------------------------------------------------------------

BLOB = bytes(range(256)) * 4 + b"\r\n--boundary\r\n"


async def test_files_upload_list_download_metadata_delete(api: Api) -> None:
    await create(api, 1)
    name = "Vertrag März 2025.pdf"
    uploaded = await api.ok(
        "POST", f"{RECORDS}/1/files", files={"file": (name, BLOB, "application/pdf")}
    )
    assert uploaded["name"] == name
    assert uploaded["size"] == len(BLOB)
    assert uploaded["contentType"] == "application/pdf"
    assert uploaded["modifiedUser"] == "u8f2k1"
    assert uploaded["modifiedDate"] == 1740906845000
    listed = await api.ok("GET", f"{RECORDS}/1/files")
    assert listed == [uploaded]
    file_url = f"{RECORDS}/1/files/{httpx.URL(name).raw_path.decode()}"
    download = await api.get(file_url)
    assert download.status_code == 200
    assert download.content == BLOB
    assert download.headers["content-type"] == "application/pdf"
    assert await api.ok("GET", f"{file_url}/metadata") == uploaded
    assert api.fake.files(TEAM, DB, "A", 1) == {name: BLOB}
    deleted = await api.delete(file_url)
    assert deleted.status_code == 200
    assert await api.ok("GET", f"{RECORDS}/1/files") == []
    assert (await api.get(file_url)).status_code == 404
    assert (await api.delete(file_url)).status_code == 404


async def test_upload_into_a_field_and_replace(api: Api) -> None:
    await create(api, 1)
    first = await api.post(
        f"{RECORDS}/1/files",
        files={"file": ("me.png", b"v1", "image/png")},
        data={"fieldName": "Photo"},
    )
    assert first.status_code == 200
    assert (await api.ok("GET", f"{RECORDS}/1"))["fields"]["Photo"] == "me.png"
    await api.ok("POST", f"{RECORDS}/1/files", files={"file": ("me.png", b"v2", "image/png")})
    assert api.fake.files(TEAM, DB, "A", 1) == {"me.png": b"v2"}
    await api.delete(f"{RECORDS}/1/files/me.png")
    assert "Photo" not in (await api.ok("GET", f"{RECORDS}/1"))["fields"]


async def test_upload_errors(api: Api) -> None:
    await create(api, 1)
    wrong_part = await api.post(f"{RECORDS}/1/files", files={"upload": ("a", b"x", "text/plain")})
    assert wrong_part.status_code == 400
    not_multipart = await api.post(f"{RECORDS}/1/files", content=b"x")
    assert not_multipart.status_code == 400
    bad_field = await api.post(
        f"{RECORDS}/1/files", files={"file": ("a", b"x", "text/plain")}, data={"fieldName": "Nope"}
    )
    assert bad_field.status_code == 500
    no_record = await api.post(f"{RECORDS}/9/files", files={"file": ("a", b"x", "text/plain")})
    assert no_record.status_code == 404
    assert api.fake.files(TEAM, DB, "A", 1) == {}


async def test_deleting_a_record_drops_its_files(api: Api) -> None:
    await create(api, 1)
    api.fake.add_file(TEAM, DB, "A", 1, "a.txt", b"hello", "text/plain")
    assert (await api.get(f"{RECORDS}/1/files/a.txt")).content == b"hello"
    await api.delete(f"{RECORDS}/1")
    assert (await api.get(f"{RECORDS}/1/files")).status_code == 404
    with pytest.raises(LookupError):
        api.fake.files(TEAM, DB, "A", 1)


# -- scripts ------------------------------------------------------------------------------


class Scripts:
    """A tiny script handler: 'count', 'create <name>', 'fail', 'nothing'."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, bool]] = []

    def __call__(self, script: str, db: ScriptDatabase) -> Any:
        self.calls.append((script, db.read_only))
        assert (db.team_id, db.database_id, db.name) == (TEAM, DB, "CRM")
        if script == "count":
            return len(db.records("Contacts"))
        if script.startswith("create "):
            record = db.save("Contacts", {"First name": script[7:]})
            return f"A{record['id']}"
        if script == "fail":
            raise ScriptError("Syntax error at 1:1", status=400)
        if script == "drop 1":
            db.delete("A", 1)
            return True
        if script == "nothing":
            return None
        return {"script": script, "first": db.record("A", 1)}


async def test_query_get_and_post_and_exec(api: Api) -> None:
    handler = Scripts()
    api.fake.script_handler = handler
    await create(api, 2)
    assert await api.ok("GET", f"{DBP}/query", params={"query": "count"}) == 2
    assert await api.ok("POST", f"{DBP}/query", json={"query": "count"}) == 2
    assert await api.ok("POST", f"{DBP}/exec", json={"query": "create Ada"}) == "A3"
    assert api.fake.records(TEAM, DB, "A")[-1]["modifiedBy"] == "u8f2k1"
    assert api.fake.sequence(TEAM, DB) == 3
    read_only = await api.post(f"{DBP}/query", json={"query": "create Bob"})
    assert read_only.status_code == 400
    assert "read-only" in read_only.json()["message"]
    assert handler.calls == [
        ("count", True),
        ("count", True),
        ("create Ada", False),
        ("create Bob", True),
    ]
    nested = await api.ok("POST", f"{DBP}/exec", json={"query": "other"})
    assert nested["first"]["id"] == 1
    assert await api.ok("POST", f"{DBP}/exec", json={"query": "drop 1"}) is True
    missing = await api.post(f"{DBP}/exec", json={"query": "drop 1"})
    assert missing.status_code == 404


async def test_script_errors_empty_results_and_missing_handler(api: Api) -> None:
    no_handler = await api.post(f"{DBP}/query", json={"query": "count"})
    assert no_handler.status_code == 400
    assert "script_handler" in no_handler.json()["message"]
    api.fake.script_handler = Scripts()
    failed = await api.post(f"{DBP}/exec", json={"query": "fail"})
    assert failed.status_code == 400
    assert failed.json() == {"message": "Syntax error at 1:1"}
    empty = await api.post(f"{DBP}/exec", json={"query": "nothing"})
    assert empty.status_code == 200
    assert empty.content == b""
    api.fake.empty_script_result_as_empty_body = False
    assert (await api.post(f"{DBP}/exec", json={"query": "nothing"})).content == b"null"
    assert (await api.post(f"{DBP}/query", json={})).status_code == 400
    assert (await api.get(f"{DBP}/query")).status_code == 400
    unknown_db = await api.post(f"/teams/{TEAM}/databases/nope/query", json={"query": "count"})
    assert unknown_db.status_code == 404
