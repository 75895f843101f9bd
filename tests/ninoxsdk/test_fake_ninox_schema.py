"""FakeNinox: hosts, auth, teams, databases, schema and table endpoints (sync and async)."""

from __future__ import annotations

import httpx
import pytest

from ninoxsdk.testing import FakeNinox, FieldSpec
from tests.ninoxsdk.test_fake_ninox_support import (  # noqa: F401
    CONTACTS,
    DB,
    DBP,
    KEY,
    TEAM,
    Api,
    api_fixture,
    fake_fixture,
    make_fake,
)


@pytest.mark.parametrize(
    "base_url",
    [
        "https://api.ninox.com/v1",
        "https://api.ninoxdb.de/v1",
        "https://acme.ninoxdb.de/v1",
        "https://acme.ninox.com/v1",
        "https://10.0.0.5:8443/v1",
        "https://intranet.example.com/ninox/v1",
    ],
)
@pytest.mark.parametrize("mode", ["sync", "async"])
async def test_any_host_and_prefix_is_served(base_url: str, mode: str) -> None:
    api = Api(make_fake(), mode, base_url=base_url)
    try:
        assert await api.ok("GET", "/teams") == [{"id": TEAM, "name": "Acme Sales"}]
        assert await api.ok("GET", f"/teams/{TEAM}/databases") == [{"id": DB, "name": "CRM"}]
    finally:
        await api.aclose()


async def test_unknown_endpoints_answer_end_point_not_found(api: Api) -> None:
    for method, url in [
        ("GET", f"{CONTACTS}/fields"),  # observed: does not exist
        ("POST", "/teams"),
        ("PATCH", f"{CONTACTS}/records/1"),
    ]:
        response = await api.request(method, url)
        assert response.status_code == 404
        assert response.json() == {"message": "End-point not found"}
    outside = await api.get("https://api.ninox.com/v2/whatever")
    assert outside.status_code == 404
    assert api.fake.count("GET", "/v2/whatever") == 1
    assert api.fake.counters["unknown"] == 4  # no endpoint matched any of them
    assert api.fake.requests[-1].operation is None


async def test_missing_wrong_and_revoked_keys_get_401(api: Api) -> None:
    no_key = await api.get("/teams", headers={"Authorization": ""})
    wrong = await api.get("/teams", headers={"Authorization": "Bearer nope"})
    basic = await api.get("/teams", headers={"Authorization": f"Basic {KEY}"})
    for response in (no_key, wrong, basic):
        assert response.status_code == 401
        assert "message" in response.json()
        assert KEY not in response.text
    api.fake.revoke_api_key(KEY)
    assert (await api.get("/teams")).status_code == 401


async def test_second_key_writes_as_its_user(api: Api) -> None:
    api.fake.add_api_key("other-key", user_id="u-bridge")
    saved = await api.ok(
        "POST",
        f"{CONTACTS}/records",
        json=[{"fields": {"First name": "Ada"}}],
        headers={"Authorization": "Bearer other-key"},
    )
    assert saved[0]["createdBy"] == "u-bridge"
    assert saved[0]["modifiedBy"] == "u-bridge"


async def test_teams_and_databases(api: Api) -> None:
    other = api.fake.add_team(name="Acme Ops")
    assert len(other) == 17
    assert await api.ok("GET", "/teams") == [
        {"id": TEAM, "name": "Acme Sales"},
        {"id": other, "name": "Acme Ops"},
    ]
    assert await api.ok("GET", f"/teams/{TEAM}") == {"id": TEAM, "name": "Acme Sales"}
    assert await api.ok("GET", f"/teams/{other}/databases") == []
    missing = await api.get("/teams/nope/databases")
    assert missing.status_code == 404
    assert missing.json() == {"message": "Team Not Found"}
    assert (await api.get("/teams/nope")).status_code == 404
    no_db = await api.get(f"/teams/{TEAM}/databases/nope")
    assert no_db.status_code == 404
    assert no_db.json() == {"message": "Database Not Found"}


async def test_database_settings_and_schema(api: Api) -> None:
    body = await api.ok("GET", DBP)
    assert set(body) == {"settings", "schema"}
    assert body["settings"]["name"] == "CRM"
    schema = body["schema"]
    assert schema == await api.ok("GET", f"{DBP}/schema")
    contacts = schema["types"]["A"]
    assert contacts["caption"] == "Contacts"
    fields = contacts["fields"]
    assert fields["A"] == {"base": "string", "caption": "First name", "order": 0}
    assert fields["B"]["values"] == {
        "1": {"caption": "Lead", "order": 0},
        "2": {"caption": "Customer", "order": 1},
    }
    assert fields["C"]["refTypeId"] == "B"
    assert fields["C"]["refFieldId"] == "D"
    assert fields["E"]["base"] == "fn"
    assert fields["E"]["fn"] == 'A + " " + F'
    assert schema["types"]["B"]["caption"] == "Companies"
    await api.ok("POST", f"{CONTACTS}/records", json=[{"fields": {"First name": "Ada"}}])
    assert (await api.ok("GET", f"{DBP}/schema"))["seq"] == schema["seq"] + 1


async def test_tables_omit_formula_fields_and_use_tables_vocabulary(api: Api) -> None:
    tables = await api.ok("GET", f"{DBP}/tables")
    assert [t["id"] for t in tables] == ["A", "B"]
    contacts = tables[0]
    names = [f["name"] for f in contacts["fields"]]
    assert "Full name" not in names
    assert names[:3] == ["First name", "Email", "Stage"]
    stage = contacts["fields"][2]
    assert stage == {
        "id": "B",
        "name": "Stage",
        "type": "choice",
        "choices": [
            {"id": "1", "caption": "Lead", "order": 0},
            {"id": "2", "caption": "Customer", "order": 1},
        ],
    }
    company = contacts["fields"][3]
    assert company["referenceToTable"] == "B"
    assert company["reverseField"] == "D"
    assert await api.ok("GET", f"{DBP}/tables/A") == contacts
    assert await api.ok("GET", f"{DBP}/tables/Companies") == tables[1]  # name in path tolerated
    missing = await api.get(f"{DBP}/tables/ZZ")
    assert missing.status_code == 404
    assert missing.json() == {"message": "Table Not Found"}
    assert await api.ok("GET", f"{DBP}/views") == []
    assert await api.ok("GET", f"{CONTACTS}/views") == []


async def test_rename_field_changes_record_keys_not_ids(api: Api) -> None:
    await api.ok("POST", f"{CONTACTS}/records", json=[{"fields": {"First name": "Ada"}}])
    api.fake.rename_field(TEAM, DB, "A", "A", "Given name")
    record = await api.ok("GET", f"{CONTACTS}/records/1")
    assert record["fields"] == {"Given name": "Ada"}
    old = await api.post(f"{CONTACTS}/records", json=[{"fields": {"First name": "Bob"}}])
    assert old.status_code == 500
    by_id = await api.ok("POST", f"{CONTACTS}/records", json=[{"fields": {"A": "Bob"}}])
    assert by_id[0]["fields"] == {"Given name": "Bob"}


def test_declaration_forms() -> None:
    fake = FakeNinox()
    team = fake.add_team()
    db = fake.add_database(team)
    assert len(db) == 12
    first = fake.add_table(team, db, name="People", fields=["Name", ("Age", "number")])
    second = fake.add_table(
        team, db, name="Notes", fields={"X": FieldSpec("Body", "text"), "Y": ("F", "formula")}
    )
    assert (first, second) == ("A", "B")
    with httpx.Client(
        transport=fake,
        base_url="https://api.ninox.com/v1",
        headers={"Authorization": "Bearer test-api-key"},
    ) as client:
        tables = client.get(f"/teams/{team}/databases/{db}/tables").json()
    assert tables[0]["fields"] == [
        {"id": "A", "name": "Name", "type": "string"},
        {"id": "B", "name": "Age", "type": "number"},
    ]
    # "text" is served as "string", the formula is hidden
    assert tables[1]["fields"] == [{"id": "X", "name": "Body", "type": "string"}]


def test_declaration_errors_are_clear() -> None:
    fake = FakeNinox()
    team = fake.add_team("T")
    with pytest.raises(ValueError, match="already exists"):
        fake.add_team("T")
    with pytest.raises(LookupError, match="add_team"):
        fake.add_database("nope", "d")
    db = fake.add_database(team, "d")
    with pytest.raises(LookupError, match="add_database"):
        fake.add_table(team, "nope")
    with pytest.raises(ValueError, match="duplicate field names"):
        fake.add_table(team, db, fields={"A": "Name", "B": "Name"})
    with pytest.raises(TypeError, match="choices"):
        FieldSpec("Stage", "choice", choices="Lead")
    with pytest.raises(TypeError, match="FieldSpec"):
        fake.add_table(team, db, fields=[("a", "b", "c")])  # type: ignore[list-item]
    fake.add_table(team, db, "A")
    with pytest.raises(ValueError, match="already exists"):
        fake.add_table(team, db, "A")
    with pytest.raises(LookupError, match="add_table"):
        fake.records(team, db, "Z")


def test_repr_hides_the_key() -> None:
    fake = FakeNinox(api_key=KEY)
    assert KEY not in repr(fake)
    assert repr(fake) == "FakeNinox(teams=0, requests=0)"
