"""Every record operation, sync and async, against respx: exact method, path, query, body."""

from __future__ import annotations

import inspect
import json
from collections.abc import AsyncIterator, Iterator
from datetime import date, datetime, timezone
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
import respx

from ninoxsdk import (
    AsyncNinoxClient,
    BatchWriteError,
    ChoiceValue,
    FieldMappingError,
    FieldTypeError,
    NinoxClient,
    NotFoundError,
    Record,
    RecordWrite,
    RequestOptions,
    RetryPolicy,
    UnknownFieldError,
    UnknownTableError,
)

BASE = "https://api.ninox.com/v1"
DB = f"{BASE}/teams/T1/databases/db1"
KEY = "0f8c2a4e-1111-2222-3333-444455556666"
SCHEMA = {
    "seq": 18211,
    "version": 3,
    "types": {
        "A": {
            "caption": "Contacts",
            "fields": {
                "A": {"base": "string", "caption": "Name", "order": 1},
                "G": {"base": "email", "caption": "Email", "order": 2},
                "B": {
                    "base": "choice",
                    "caption": "Stage",
                    "order": 3,
                    "values": {
                        "1": {"caption": "Lead", "order": 0},
                        "2": {"caption": "Customer", "order": 1},
                    },
                },
                "C": {"base": "date", "caption": "Born", "order": 4},
                "E": {"base": "fn", "caption": "Full name", "fn": 'A + " "'},
            },
        },
        "B": {"caption": "Companies", "fields": {"A": {"base": "string", "caption": "Name"}}},
    },
}
TABLES = [
    {
        "id": "A",
        "name": "Contacts",
        "fields": [
            {"id": "A", "name": "Name", "type": "string"},
            {"id": "G", "name": "Email", "type": "email"},
            {
                "id": "B",
                "name": "Stage",
                "type": "choice",
                "choices": [
                    {"id": "1", "caption": "Lead", "order": 0},
                    {"id": "2", "caption": "Customer", "order": 1, "color": "red"},
                ],
            },
            {
                "id": "C",
                "name": "Company",
                "type": "ref",
                "referenceToTable": "B",
                "reverseField": "D",
            },
        ],
    }
]


def rec(rid: int, seq: int | None = None, **fields: Any) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": rid,
        "createdAt": "2025-03-02T09:14:05",
        "createdBy": "root",
        "modifiedAt": "2025-03-04T16:40:11",
        "modifiedBy": "u8f2k1",
        "fields": fields,
    }
    if seq is not None:
        out["sequence"] = seq
    return out


class Env:
    """One client (sync or async) and helpers that hide the difference."""

    def __init__(self, mode: str, **kwargs: Any) -> None:
        self.mode = mode
        options: dict[str, Any] = {
            "api_key": KEY,
            "min_interval": 0,
            "retry": RetryPolicy(
                max_retries=2, base_delay=0, retry_statuses=frozenset({429, 502, 503, 504})
            ),
        }
        options.update(kwargs)
        self.nx: Any = NinoxClient(**options) if mode == "sync" else AsyncNinoxClient(**options)
        self.db = self.nx.database("T1", "db1")
        self.t = self.db.table("Contacts")

    async def __call__(self, value: Any) -> Any:
        return await value if inspect.isawaitable(value) else value

    async def collect(self, iterable: Iterator[Any] | AsyncIterator[Any]) -> list[Any]:
        if hasattr(iterable, "__aiter__"):
            return [item async for item in iterable]
        return list(iterable)

    async def close(self) -> None:
        if self.mode == "sync":
            self.nx.close()
        else:
            await self.nx.aclose()


@pytest.fixture(params=["sync", "async"])
async def env(request: pytest.FixtureRequest) -> AsyncIterator[Env]:
    e = Env(request.param)
    yield e
    await e.close()


@pytest.fixture
def api() -> Iterator[respx.MockRouter]:
    with respx.mock(base_url=BASE, assert_all_called=False, assert_all_mocked=True) as router:
        router.get("/teams/T1/databases/db1/schema", name="schema").respond(json=SCHEMA)
        yield router


def query_of(request: httpx.Request) -> dict[str, list[str]]:
    return parse_qs(urlsplit(str(request.url)).query)


# --------------------------------------------------------------------------- teams


async def test_teams_and_databases(env: Env, api: respx.MockRouter) -> None:
    api.get("/teams").respond(json=[{"id": "Qw3r", "name": "Acme Sales", "plan": "x"}])
    api.get("/teams/Qw3r").respond(json={"id": "Qw3r", "name": "Acme Sales"})
    api.get("/teams/Qw3r/databases").respond(json=[{"id": "p4k8d2m9x1qz", "name": "CRM"}])
    teams = await env(env.nx.teams.list())
    assert [(t.id, t.name) for t in teams] == [("Qw3r", "Acme Sales")]
    assert teams[0].extra == {"plan": "x"}
    assert (await env(env.nx.teams.get("Qw3r"))).name == "Acme Sales"
    dbs = await env(env.nx.databases.list("Qw3r"))
    assert [(d.id, d.name) for d in dbs] == [("p4k8d2m9x1qz", "CRM")]
    request = api.calls[0].request
    assert request.method == "GET"
    assert request.headers["authorization"] == f"Bearer {KEY}"
    assert request.headers["accept"] == "application/json"


async def test_unknown_team_is_not_found_with_ninox_message(
    env: Env, api: respx.MockRouter
) -> None:
    api.get("/teams/nope/databases").respond(404, json={"message": "Team Not Found"})
    with pytest.raises(NotFoundError) as info:
        await env(env.nx.databases.list("nope"))
    assert info.value.message.startswith("Team Not Found")
    assert info.value.status_code == 404
    assert KEY not in str(info.value)


async def test_bad_ids_fail_before_any_request(env: Env, api: respx.MockRouter) -> None:
    with pytest.raises(ValueError, match="slash"):
        await env(env.nx.databases.list("a/b"))
    with pytest.raises(ValueError, match="empty"):
        env.nx.database("T1", "")
    with pytest.raises(ValueError, match="table"):
        env.db.table("")
    with pytest.raises(TypeError, match="int"):
        await env(env.t.get("abc"))
    assert not api.calls


# -------------------------------------------------------------------------- schema


async def test_schema_reads_full_schema_with_formula_fields(
    env: Env, api: respx.MockRouter
) -> None:
    schema = await env(env.db.schema())
    contacts = schema.table("Contacts")
    assert contacts is not None
    assert contacts.id == "A"
    assert [f.name for f in contacts.fields][:4] == ["Name", "Email", "Stage", "Born"]
    full = contacts.field("Full name")
    assert full is not None
    assert full.read_only
    assert full.formula == 'A + " "'
    stage = contacts.field("B")
    assert stage is not None
    assert [c.caption for c in stage.choices] == ["Lead", "Customer"]
    assert schema.seq == 18211
    assert schema.table("B") is not None


@pytest.mark.parametrize(
    "failure",
    [
        httpx.Response(404, json={"message": "End-point not found"}),
        httpx.Response(403, json={"message": "admin role required"}),
        httpx.Response(200, json="ZW5jcnlwdGVk"),  # an encrypted schema
    ],
)
async def test_schema_falls_back_to_tables(
    env: Env, api: respx.MockRouter, failure: httpx.Response
) -> None:
    api.routes["schema"].mock(return_value=failure)
    tables = api.get("/teams/T1/databases/db1/tables").respond(json=TABLES)
    schema = await env(env.db.schema())
    assert [t.name for t in schema.tables] == ["Contacts"]
    assert tables.call_count == 1


async def test_tables_list_and_get_by_name(env: Env, api: respx.MockRouter) -> None:
    api.get("/teams/T1/databases/db1/tables").respond(json=TABLES)
    one = api.get("/teams/T1/databases/db1/tables/A").respond(json=TABLES[0])
    listed = await env(env.db.tables.list())
    assert listed[0].fields[1].name == "Email"
    stage = listed[0].field("Stage")
    assert stage is not None
    assert [(c.id, c.caption, c.order) for c in stage.choices] == [
        ("1", "Lead", 0),
        ("2", "Customer", 1),
    ]
    assert stage.choices[1].extra == {"color": "red"}
    company = listed[0].field("C")
    assert company is not None
    assert (company.reference_to_table, company.reverse_field) == ("B", "D")
    table = await env(env.db.tables.get("Contacts"))
    assert table.id == "A"
    await env(env.db.tables.get("A"))
    assert one.call_count == 2
    assert api.routes["schema"].call_count == 1  # the name was resolved once, then cached


async def test_unknown_table_lists_tables(env: Env, api: respx.MockRouter) -> None:
    with pytest.raises(UnknownTableError, match=r"Contacts \(A\)"):
        await env(env.db.table("Contcts").page())


# ------------------------------------------------------------------------- records


async def test_list_sends_exact_query_and_decodes(env: Env, api: respx.MockRouter) -> None:
    route = api.get("/teams/T1/databases/db1/tables/A/records").respond(
        json=[rec(42, 18190, Name="Ada", Stage="Lead", Born="1815-12-10", Extra=1)]
    )
    records = await env(
        env.t.page(
            page=2, per_page=50, order="Name", desc=True, since_id=3, filters={"Email": "a@b.org"}
        )
    )
    q = query_of(route.calls[0].request)
    assert q == {
        "page": ["2"],
        "perPage": ["50"],
        "order": ["Name"],
        "desc": ["true"],
        "sinceId": ["3"],
        "filters": ['{"fields":{"Email":"a@b.org"}}'],
    }
    r = records[0]
    assert r.id == 42
    assert r.sequence == 18190
    assert r.created_at == datetime(2025, 3, 2, 9, 14, 5, tzinfo=timezone.utc)
    assert r.modified_by == "u8f2k1"
    assert r.created_by == "root"
    assert r.fields["Born"] == date(1815, 12, 10)
    assert isinstance(r.fields["Stage"], ChoiceValue)
    assert r.fields["Stage"].id == "1"
    assert r.fields["Extra"] == 1


async def test_list_default_query_and_flags(env: Env, api: respx.MockRouter) -> None:
    route = api.get("/teams/T1/databases/db1/tables/A/records").respond(json=[])
    assert await env(env.t.page()) == []
    assert query_of(route.calls[0].request) == {"page": ["0"], "perPage": ["100"]}
    await env(env.t.page(updated=True, since_sq=18000))
    assert query_of(route.calls[1].request) == {
        "page": ["0"],
        "perPage": ["100"],
        "updated": ["true"],
        "sinceSq": ["18000"],
    }
    await env(env.t.page(new=True))
    assert query_of(route.calls[2].request)["new"] == ["true"]


@pytest.mark.parametrize(
    "kwargs",
    [
        {"page": -1},
        {"per_page": 0},
        {"order": "Name", "new": True},
        {"new": True, "updated": True},
        {"since_id": -1},
        {"since_sq": "5"},
    ],
)
async def test_list_rejects_bad_arguments_before_requests(
    env: Env, api: respx.MockRouter, kwargs: dict[str, Any]
) -> None:
    with pytest.raises(ValueError, match=r"must|pass at most|cannot"):
        await env(env.t.page(**kwargs))
    assert not [c for c in api.calls if "/records" in c.request.url.path]


async def test_untyped_table_by_id_needs_no_schema(env: Env, api: respx.MockRouter) -> None:
    route = api.get("/teams/T1/databases/db1/tables/A/records/42").respond(
        json=rec(42, 1, Born="1815-12-10")
    )
    record = await env(env.db.table("A", typed=False).get(42))
    assert record.fields == {"Born": "1815-12-10"}
    assert route.call_count == 1
    assert api.routes["schema"].call_count == 0


async def test_get_record(env: Env, api: respx.MockRouter) -> None:
    api.get("/teams/T1/databases/db1/tables/A/records/42").respond(json=rec(42, 7, Name="Ada"))
    record = await env(env.t.get(42))
    assert record == Record(
        id=42,
        sequence=7,
        created_at=datetime(2025, 3, 2, 9, 14, 5, tzinfo=timezone.utc),
        created_by="root",
        modified_at=datetime(2025, 3, 4, 16, 40, 11, tzinfo=timezone.utc),
        modified_by="u8f2k1",
        fields={"Name": "Ada"},
    )


async def test_save_creates_and_updates_with_exact_body(env: Env, api: respx.MockRouter) -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        return httpx.Response(
            200,
            json=[rec(b.get("id", 100 + i), 500 + i, **b["fields"]) for i, b in enumerate(body)],
        )

    route = api.post("/teams/T1/databases/db1/tables/A/records").mock(side_effect=answer)
    saved = await env(
        env.t.save(
            [
                {"Name": "Grace", "Born": date(1906, 12, 9), "Stage": "Lead"},
                {"id": 42, "fields": {"Stage": "Customer"}},
                {"id": 900, "_upsert": True, "fields": {"Email": "l@x.org"}},
                RecordWrite(id=7, fields={"G": "z@x.org"}),
                Record(id=8, fields={"Name": "Old", "Full name": "ignored"}),
            ]
        )
    )
    assert json.loads(route.calls[0].request.content) == [
        {"fields": {"Name": "Grace", "Born": "1906-12-09", "Stage": "Lead"}},
        {"id": 42, "fields": {"Stage": "Customer"}},
        {"id": 900, "_upsert": True, "fields": {"Email": "l@x.org"}},
        {"id": 7, "fields": {"Email": "z@x.org"}},
        {"id": 8, "fields": {"Name": "Old"}},
    ]
    assert route.calls[0].request.headers["content-type"] == "application/json"
    assert [r.id for r in saved] == [100, 42, 900, 7, 8]
    assert saved[0].fields["Born"] == date(1906, 12, 9)


async def test_save_is_chunked(env: Env, api: respx.MockRouter) -> None:
    route = api.post("/teams/T1/databases/db1/tables/A/records").mock(
        side_effect=lambda r: httpx.Response(
            200, json=[rec(1, 1, **b["fields"]) for b in json.loads(r.content)]
        )
    )
    saved = await env(env.t.save([{"Name": str(i)} for i in range(250)], chunk_size=100))
    assert [len(json.loads(c.request.content)) for c in route.calls] == [100, 100, 50]
    assert [r.fields["Name"] for r in saved] == [str(i) for i in range(250)]


async def test_save_checks_every_item_before_writing(env: Env, api: respx.MockRouter) -> None:
    route = api.post("/teams/T1/databases/db1/tables/A/records").respond(json=[])
    with pytest.raises(UnknownFieldError, match="Emial"):
        await env(env.t.save([{"Name": "ok"}] * 150 + [{"Emial": "x"}], chunk_size=100))
    with pytest.raises(FieldTypeError, match=r"Contacts.Born \(date\) expects datetime.date"):
        await env(env.t.save([{"Born": "1906-12-09"}]))
    with pytest.raises(UnknownFieldError, match="To update a record"):
        await env(env.t.save([{"id": 4, "Name": "x"}]))
    with pytest.raises(TypeError, match="list"):
        await env(env.t.save({"Name": "x"}))
    with pytest.raises(ValueError, match="chunk_size"):
        await env(env.t.save([{"Name": "x"}], chunk_size=0))
    assert route.call_count == 0
    assert await env(env.t.save([])) == []


async def test_failed_chunk_reports_saved_failed_and_pending(
    env: Env, api: respx.MockRouter
) -> None:
    replies = iter(
        [
            httpx.Response(200, json=[rec(i + 1, 1, Name="a") for i in range(2)]),
            httpx.Response(500, json={"message": "Field not found: Nmae"}),
            httpx.Response(200, json=[rec(9, 1, Name="a")]),
        ]
    )
    route = api.post("/teams/T1/databases/db1/tables/A/records").mock(
        side_effect=lambda r: next(replies)
    )
    items = [{"Name": str(i)} for i in range(5)]
    with pytest.raises(BatchWriteError) as info:
        await env(env.t.save(items, chunk_size=2))
    err = info.value
    assert [r.id for r in err.saved] == [1, 2]
    assert err.failed_indexes == [2, 3]
    assert [f.item for f in err.failed] == items[2:4]
    assert err.pending_indexes == [4]
    assert isinstance(err.__cause__, FieldMappingError)
    assert "misspelled" in str(err.__cause__)
    assert "2 of 5 records saved" in str(err)
    assert route.call_count == 2  # the 500 was not retried, the rest was not sent


async def test_continue_on_error_sends_the_remaining_chunks(
    env: Env, api: respx.MockRouter
) -> None:
    replies = iter(
        [
            httpx.Response(503, json={"message": "busy"}),
            httpx.Response(200, json=[rec(5, 1, Name="b")]),
        ]
    )
    api.post("/teams/T1/databases/db1/tables/A/records").mock(side_effect=lambda r: next(replies))
    with pytest.raises(BatchWriteError) as info:
        await env(env.t.save([{"Name": "a"}, {"Name": "b"}], chunk_size=1, continue_on_error=True))
    assert info.value.failed_indexes == [0]
    assert [r.id for r in info.value.saved] == [5]
    assert info.value.pending == []


async def test_update_chunk_is_retried_but_create_is_not(env: Env, api: respx.MockRouter) -> None:
    replies = iter(
        [
            httpx.Response(503),
            httpx.Response(200, json=[rec(4, 2, Name="x")]),
            httpx.Response(503),
        ]
    )
    route = api.post("/teams/T1/databases/db1/tables/A/records").mock(
        side_effect=lambda r: next(replies)
    )
    saved = await env(env.t.save([{"id": 4, "fields": {"Name": "x"}}]))
    assert saved[0].id == 4
    assert route.call_count == 2
    with pytest.raises(BatchWriteError):
        await env(env.t.save([{"Name": "new"}]))
    assert route.call_count == 3


async def test_update_puts_fields(env: Env, api: respx.MockRouter) -> None:
    route = api.put("/teams/T1/databases/db1/tables/A/records/42").respond(
        json=rec(42, 9, Email="n@x.org")
    )
    record = await env(env.t.update(42, {"Email": "n@x.org", "Stage": None}))
    assert json.loads(route.calls[0].request.content) == {
        "fields": {"Email": "n@x.org", "Stage": None}
    }
    assert record.fields["Email"] == "n@x.org"


async def test_update_with_empty_answer_reads_back(env: Env, api: respx.MockRouter) -> None:
    api.put("/teams/T1/databases/db1/tables/A/records/42").respond(200, content=b"")
    get = api.get("/teams/T1/databases/db1/tables/A/records/42").respond(json=rec(42, 9))
    assert (await env(env.t.update(42, {"Name": "x"}))).id == 42
    assert get.call_count == 1


async def test_500_on_update_is_not_retried_and_refreshes_schema(
    env: Env, api: respx.MockRouter
) -> None:
    route = api.put("/teams/T1/databases/db1/tables/A/records/42").respond(
        500, json={"message": "Internal error"}
    )
    with pytest.raises(FieldMappingError) as info:
        await env(env.t.update(42, {"Name": "x"}))
    assert route.call_count == 1
    assert "formula" in str(info.value)
    assert info.value.status_code == 500
    api.get("/teams/T1/databases/db1/tables/A/records/1").respond(json=rec(1))
    await env(env.t.get(1))
    assert api.routes["schema"].call_count == 2  # the cached schema was dropped


async def test_delete_one(env: Env, api: respx.MockRouter) -> None:
    route = api.delete("/teams/T1/databases/db1/tables/A/records/42").respond(200)
    assert await env(env.t.delete(42)) is None
    assert route.call_count == 1


async def test_delete_many_uses_bulk_call(env: Env, api: respx.MockRouter) -> None:
    route = api.delete("/teams/T1/databases/db1/tables/A/records").respond(200)
    assert await env(env.t.delete_many([12, 13, 14], chunk_size=2)) == [12, 13, 14]
    assert [json.loads(c.request.content) for c in route.calls] == [[12, 13], [14]]


async def test_delete_many_falls_back_to_single_deletes(env: Env, api: respx.MockRouter) -> None:
    bulk = api.delete("/teams/T1/databases/db1/tables/A/records").respond(
        404, json={"message": "End-point not found"}
    )
    single = api.delete(url__regex=r"/tables/A/records/\d+$").respond(200)
    assert await env(env.t.delete_many([1, 2])) == [1, 2]
    assert [c.request.url.path.rsplit("/", 1)[1] for c in single.calls] == ["1", "2"]
    assert await env(env.t.delete_many([3])) == [3]
    assert bulk.call_count == 1  # learned: no second bulk attempt


async def test_per_call_options_survive_a_failure_half_way(env: Env, api: respx.MockRouter) -> None:
    """The bulk delete fails, the program falls back to single deletes: the per-call options
    reach every request, the schema read, the failed bulk call and each fallback."""
    bulk = api.delete("/teams/T1/databases/db1/tables/A/records").respond(
        405, json={"message": "Method not allowed"}
    )
    single = api.delete(url__regex=r"/tables/A/records/\d+$").respond(200)
    options = RequestOptions(extra_headers={"nx-trace": "t1"}, timeout=4.0)
    assert await env(env.t.delete_many([5, 6], options=options)) == [5, 6]
    requests = [api.routes["schema"].calls[0].request, bulk.calls[0].request]
    requests += [call.request for call in single.calls]
    assert len(requests) == 4
    for request in requests:
        assert request.headers["nx-trace"] == "t1"
        assert request.extensions["timeout"]["read"] == 4.0


async def test_delete_many_single_mode_reports_failures(api: respx.MockRouter) -> None:
    env = Env("sync", delete_many="single")
    replies = iter([httpx.Response(200), httpx.Response(404, json={"message": "nope"})])
    api.delete(url__regex=r"/tables/A/records/\d+$").mock(side_effect=lambda r: next(replies))
    with pytest.raises(BatchWriteError) as info:
        env.t.delete_many([1, 2, 3])
    assert info.value.saved == [1]
    assert [f.item for f in info.value.failed] == [2]
    assert info.value.pending == [(2, 3)]
    await env.close()


async def test_query_and_exec(env: Env, api: respx.MockRouter) -> None:
    q = api.post("/teams/T1/databases/db1/query").respond(json=[42])
    x = api.post("/teams/T1/databases/db1/exec").respond(json=58)
    g = api.get("/teams/T1/databases/db1/query").respond(content=b"")
    script = '(select Contacts where Email = "ada@example.org").Id'
    assert await env(env.db.query(script)) == [42]
    assert json.loads(q.calls[0].request.content) == {"query": script}
    assert await env(env.db.exec("let c := (create Contacts); number(c)")) == 58
    assert json.loads(x.calls[0].request.content) == {
        "query": "let c := (create Contacts); number(c)"
    }
    assert await env(env.db.query("1+1", method="GET")) is None
    assert query_of(g.calls[0].request) == {"query": ["1+1"]}
    with pytest.raises(ValueError, match="script"):
        await env(env.db.query("  "))


async def test_script_error_is_explained_and_exec_not_retried(
    env: Env, api: respx.MockRouter
) -> None:
    route = api.post("/teams/T1/databases/db1/exec").respond(500, json={"message": "Syntax error"})
    with pytest.raises(Exception, match="could not run the script") as info:
        await env(env.db.exec("let"))
    assert route.call_count == 1
    assert not isinstance(info.value, FieldMappingError)


async def test_files(env: Env, api: respx.MockRouter) -> None:
    files_path = "/teams/T1/databases/db1/tables/A/records/42/files"
    api.get(files_path).respond(
        json=[
            {
                "name": "contract.pdf",
                "contentType": "application/pdf",
                "size": 48213,
                "seq": 18220,
                "modifiedDate": 1741161600000,
                "modifiedUser": "u8f2k1",
            }
        ]
    )
    download = api.get(files_path + "/my%20file.pdf").respond(content=b"%PDF-1.4")
    meta = api.get(files_path + "/contract.pdf/metadata").respond(
        json={"name": "contract.pdf", "size": 3}
    )
    upload = api.post(files_path).respond(200, json={})
    delete = api.delete(files_path + "/contract.pdf").respond(200)
    files = env.t.files(42)
    listed = await env(files.list())
    assert listed[0].name == "contract.pdf"
    assert listed[0].size == 48213
    assert listed[0].modified_at == datetime(2025, 3, 5, 8, 0, tzinfo=timezone.utc)
    assert await env(files.download("my file.pdf")) == b"%PDF-1.4"
    assert download.call_count == 1
    assert (await env(files.metadata("contract.pdf"))).size == 3
    assert meta.call_count == 1
    await env(files.upload("photo.png", b"\x89PNG", field="Picture", content_type="image/png"))
    body = upload.calls[0].request.content
    assert upload.calls[0].request.headers["content-type"].startswith("multipart/form-data")
    assert b'name="file"; filename="photo.png"' in body
    assert b"\x89PNG" in body
    assert b'name="fieldName"' in body
    assert b"Picture" in body
    await env(files.delete("contract.pdf"))
    assert delete.call_count == 1
    with pytest.raises(ValueError, match="slash"):
        await env(files.download("../x"))


async def test_change_sets(env: Env, api: respx.MockRouter) -> None:
    db_changes = api.get("/teams/T1/databases/db1/changes").respond(
        json={"seq": 18230, "updates": {}, "removes": ["A17"]}
    )
    t_changes = api.get("/teams/T1/databases/db1/tables/A/changes").respond(json={"seq": 1})
    assert (await env(env.db.change_set(18000)))["removes"] == ["A17"]
    assert query_of(db_changes.calls[0].request) == {"sinceSq": ["18000"]}
    assert (await env(env.t.change_set(5))) == {"seq": 1}
    assert query_of(t_changes.calls[0].request) == {"sinceSq": ["5"]}


# ---------------------------------------------------------------------- iteration


class PagedServer:
    """A respx side effect serving records by sinceId / page like Ninox (id order)."""

    def __init__(self, ids: list[int]) -> None:
        self.rows = {i: rec(i, i) for i in ids}
        self.requests: list[dict[str, list[str]]] = []
        self.between: list[Any] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        q = query_of(request)
        self.requests.append(q)
        if self.between and len(self.requests) > 1:
            self.between.pop(0)(self)
        per_page = int(q["perPage"][0])
        rows = [self.rows[i] for i in sorted(self.rows)]
        if "sinceId" in q:
            rows = [r for r in rows if r["id"] > int(q["sinceId"][0])]
        page = int(q.get("page", ["0"])[0])
        return httpx.Response(200, json=rows[page * per_page : (page + 1) * per_page])


async def test_iter_keyset_pages_and_survives_writes(env: Env, api: respx.MockRouter) -> None:
    server = PagedServer(list(range(1, 8)))
    server.between = [
        lambda s: s.rows.pop(1),  # delete a record already read
        lambda s: s.rows.update({50: rec(50, 50)}),  # create one
    ]
    api.get("/teams/T1/databases/db1/tables/A/records").mock(side_effect=server)
    records = await env.collect(env.t.list(per_page=3))
    assert [r.id for r in records] == [1, 2, 3, 4, 5, 6, 7, 50]
    assert server.requests[0] == {"perPage": ["3"]}
    assert server.requests[1] == {"perPage": ["3"], "sinceId": ["3"]}
    assert [q.get("sinceId") for q in server.requests] == [None, ["3"], ["6"]]


async def test_iter_with_order_pages_by_index(env: Env, api: respx.MockRouter) -> None:
    server = PagedServer(list(range(1, 6)))
    api.get("/teams/T1/databases/db1/tables/A/records").mock(side_effect=server)
    records = await env.collect(env.t.list(per_page=2, order="Name"))
    assert [r.id for r in records] == [1, 2, 3, 4, 5]
    assert [q["page"] for q in server.requests] == [["0"], ["1"], ["2"]]
    assert all(q["order"] == ["Name"] for q in server.requests)


async def test_iter_falls_back_when_since_id_is_ignored(env: Env, api: respx.MockRouter) -> None:
    rows = [rec(i, i) for i in range(1, 6)]

    def ignore_since_id(request: httpx.Request) -> httpx.Response:
        q = query_of(request)
        page, per = int(q.get("page", ["0"])[0]), int(q["perPage"][0])
        return httpx.Response(200, json=rows[page * per : (page + 1) * per])

    api.get("/teams/T1/databases/db1/tables/A/records").mock(side_effect=ignore_since_id)
    records = await env.collect(env.t.list(per_page=2))
    assert [r.id for r in records] == [1, 2, 3, 4, 5]


async def test_iter_validates_when_called(env: Env, api: respx.MockRouter) -> None:
    with pytest.raises(ValueError, match="per_page"):
        env.t.list(per_page=0)


async def test_changes_polls_updated_since_sq(env: Env, api: respx.MockRouter) -> None:
    pages = {
        0: [rec(7, 120), rec(3, 110)],
        1: [rec(9, 105), rec(2, 90)],  # 90 is older than the cursor: ignored, stop
    }
    route = api.get("/teams/T1/databases/db1/tables/A/records").mock(
        side_effect=lambda r: httpx.Response(200, json=pages[int(query_of(r)["page"][0])])
    )
    changes = env.t.changes(100, per_page=2)
    assert changes.cursor == 100
    records = await env.collect(changes)
    assert [r.id for r in records] == [7, 3, 9]
    assert changes.cursor == 120
    assert query_of(route.calls[0].request) == {
        "perPage": ["2"],
        "updated": ["true"],
        "sinceSq": ["100"],
        "page": ["0"],
    }
    assert route.call_count == 2


async def test_changes_bootstrap_and_no_changes(env: Env, api: respx.MockRouter) -> None:
    route = api.get("/teams/T1/databases/db1/tables/A/records").mock(
        side_effect=lambda r: httpx.Response(
            200, json=[rec(4, 300)] if query_of(r)["perPage"] == ["1"] else []
        )
    )
    boot = env.t.changes(None)
    assert await env.collect(boot) == []
    assert boot.cursor == 300
    assert query_of(route.calls[0].request)["perPage"] == ["1"]
    idle = env.t.changes(300)
    assert await env.collect(idle) == []
    assert idle.cursor == 300


async def test_changes_cursor_moves_only_after_full_iteration(
    env: Env, api: respx.MockRouter
) -> None:
    api.get("/teams/T1/databases/db1/tables/A/records").respond(json=[rec(1, 10), rec(2, 9)])
    changes = env.t.changes(5)
    if env.mode == "sync":
        for _ in changes:
            break
    else:
        async for _ in changes:
            break
    assert changes.cursor == 5
    assert [r.id for r in await env(changes.to_list())] == [1, 2]
    assert changes.cursor == 10


async def test_per_call_options_apply_to_every_request(env: Env, api: respx.MockRouter) -> None:
    server = PagedServer([1, 2, 3])
    route = api.get("/teams/T1/databases/db1/tables/A/records").mock(side_effect=server)
    options = RequestOptions(
        extra_query={"choiceStyle": "ids"}, extra_headers={"nx-password": "pw"}, timeout=7.0
    )
    records = await env.collect(env.t.list(per_page=2, options=options))
    assert [r.id for r in records] == [1, 2, 3]
    assert route.call_count == 2
    for call in route.calls:
        assert query_of(call.request)["choiceStyle"] == ["ids"]
        assert call.request.headers["nx-password"] == "pw"
        assert call.request.extensions["timeout"]["read"] == 7.0
    schema_request = api.routes["schema"].calls[0].request
    assert schema_request.headers["nx-password"] == "pw"
    await env(env.t.page(options=RequestOptions(extra_query={"ids": True})))
    assert query_of(route.calls[-1].request)["ids"] == ["true"]
    with pytest.raises(TypeError, match="RequestOptions"):
        await env(env.nx.teams.list(options={"timeout": 1}))


async def test_per_call_max_retries(env: Env, api: respx.MockRouter) -> None:
    route = api.get("/teams").respond(503)
    with pytest.raises(Exception, match="503"):
        await env(env.nx.teams.list(options=RequestOptions(max_retries=0)))
    assert route.call_count == 1


async def test_missing_endpoint_is_explained(env: Env, api: respx.MockRouter) -> None:
    api.get("/teams/T1/databases/db1/changes").respond(404, json={"message": "End-point not found"})
    with pytest.raises(NotFoundError, match="does not offer this endpoint"):
        await env(env.db.change_set(1))


async def test_table_info_and_codec(env: Env, api: respx.MockRouter) -> None:
    info = await env(env.t.info())
    assert info.id == "A"
    assert info.name == "Contacts"
    codec = await env(env.t.codec())
    assert codec.encode({"Born": date(2000, 1, 2)}) == {"Born": "2000-01-02"}
    assert api.routes["schema"].call_count == 1


async def test_schema_source_tables_only(api: respx.MockRouter) -> None:
    tables = api.get("/teams/T1/databases/db1/tables").respond(json=TABLES)
    env = Env("async", schema_source="tables")
    assert (await env.t.info()).field("Email") is not None
    assert tables.call_count == 1
    assert api.routes["schema"].call_count == 0
    await env.close()
