"""Property: ``iter()`` never skips or repeats a record, even with writes between pages."""

from __future__ import annotations

import json
import random
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
from hypothesis import given, settings
from hypothesis import strategies as st

from ninoxsdk import AsyncNinoxClient, NinoxClient

TABLES = [
    {"id": "A", "name": "Contacts", "fields": [{"id": "A", "name": "Name", "type": "string"}]}
]


class Server:
    """Ninox-like records endpoint (id order, ``sinceId``, ``page``/``perPage``) that applies
    one random write (create, update or delete) before answering each page after the first."""

    def __init__(self, initial: int, seed: int, writes: int, ignore_since_id: bool = False) -> None:
        self.rows: dict[int, dict[str, Any]] = {}
        self.next_id = 1
        self.seq = 0
        self.rng = random.Random(seed)
        self.writes = writes
        self.ignore_since_id = ignore_since_id
        self.deleted: set[int] = set()
        self.ever: set[int] = set()
        self.record_requests = 0
        for _ in range(initial):
            self.create()
        self.initial = set(self.rows)

    def create(self) -> None:
        self.seq += 1
        rid = self.next_id
        self.next_id += 1
        self.rows[rid] = {"id": rid, "sequence": self.seq, "fields": {"Name": f"n{rid}"}}
        self.ever.add(rid)

    def mutate(self) -> None:
        action = self.rng.choice(["create", "update", "delete"])
        if action == "create" or not self.rows:
            self.create()
        elif action == "update":
            rid = self.rng.choice(sorted(self.rows))
            self.seq += 1
            self.rows[rid] = {**self.rows[rid], "sequence": self.seq}
        else:
            rid = self.rng.choice(sorted(self.rows))
            del self.rows[rid]
            self.deleted.add(rid)

    def __call__(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if path.endswith("/schema"):
            return httpx.Response(404, json={"message": "End-point not found"})
        if path.endswith("/tables"):
            return httpx.Response(200, json=TABLES)
        q = {k: v[0] for k, v in parse_qs(urlsplit(str(request.url)).query).items()}
        self.record_requests += 1
        if self.record_requests > 1 and self.writes > 0:
            self.writes -= 1
            self.mutate()
        per_page = int(q["perPage"])
        rows = [self.rows[i] for i in sorted(self.rows)]
        if "sinceId" in q and not self.ignore_since_id:
            rows = [r for r in rows if r["id"] > int(q["sinceId"])]
        page = int(q.get("page", "0"))
        return httpx.Response(
            200, content=json.dumps(rows[page * per_page : (page + 1) * per_page])
        )


def check(server: Server, ids: list[int]) -> None:
    assert len(ids) == len(set(ids)), "a record was repeated"
    survivors = server.initial - server.deleted
    missing = survivors - set(ids)
    assert not missing, f"records skipped: {sorted(missing)}"
    assert set(ids) <= server.ever


@settings(max_examples=150, deadline=None)
@given(
    initial=st.integers(min_value=0, max_value=40),
    per_page=st.integers(min_value=1, max_value=12),
    writes=st.integers(min_value=0, max_value=30),
    seed=st.integers(min_value=0, max_value=2**32),
    ignore_since_id=st.booleans(),
)
def test_iter_never_skips_or_repeats(
    initial: int, per_page: int, writes: int, seed: int, ignore_since_id: bool
) -> None:
    server = Server(initial, seed, writes, ignore_since_id=ignore_since_id and writes == 0)
    client = httpx.Client(transport=httpx.MockTransport(server))
    with NinoxClient(api_key="k-123456789", http_client=client, min_interval=0) as nx:
        ids = [r.id for r in nx.database("T", "D").table("Contacts").list(per_page=per_page)]
    check(server, ids)


async def test_async_iter_never_skips_or_repeats() -> None:
    for seed in range(30):
        server = Server(25, seed, writes=20)
        client = httpx.AsyncClient(transport=httpx.MockTransport(server))
        async with AsyncNinoxClient(
            api_key="k-123456789", http_client=client, min_interval=0
        ) as nx:
            t = nx.database("T", "D").table("Contacts")
            ids = [r.id async for r in t.list(per_page=1 + seed % 7)]
        await client.aclose()
        check(server, ids)


class ChangeServer(Server):
    """Adds ``updated=true`` (newest write first) and ``sinceSq`` to :class:`Server`; writes
    between pages are creates and updates only (a delete can shift offset pages)."""

    ignore_since_sq = False

    def mutate(self) -> None:
        if self.rng.random() < 0.4 or not self.rows:
            self.create()
        else:
            rid = self.rng.choice(sorted(self.rows))
            self.seq += 1
            self.rows[rid] = {**self.rows[rid], "sequence": self.seq}

    def __call__(self, request: httpx.Request) -> httpx.Response:
        q = {k: v[0] for k, v in parse_qs(urlsplit(str(request.url)).query).items()}
        if request.url.path.endswith("/records") and q.get("updated") == "true":
            self.record_requests += 1
            if self.record_requests > 1 and self.writes > 0:
                self.writes -= 1
                self.mutate()
            rows = sorted(self.rows.values(), key=lambda r: r["sequence"], reverse=True)
            if "sinceSq" in q and not self.ignore_since_sq:
                rows = [r for r in rows if r["sequence"] > int(q["sinceSq"])]
            per_page, page = int(q["perPage"]), int(q.get("page", "0"))
            return httpx.Response(200, json=rows[page * per_page : (page + 1) * per_page])
        return super().__call__(request)


@settings(max_examples=100, deadline=None)
@given(
    initial=st.integers(min_value=0, max_value=30),
    per_page=st.integers(min_value=1, max_value=8),
    writes=st.integers(min_value=0, max_value=25),
    seed=st.integers(min_value=0, max_value=2**32),
    ignore_since_sq=st.booleans(),
)
def test_change_polling_delivers_every_latest_write(
    initial: int, per_page: int, writes: int, seed: int, ignore_since_sq: bool
) -> None:
    server = ChangeServer(initial, seed, writes)
    server.ignore_since_sq = ignore_since_sq  # the reference's caveat: sinceSq may be ignored
    client = httpx.Client(transport=httpx.MockTransport(server))
    latest: dict[int, int] = {}
    with NinoxClient(api_key="k-123456789", http_client=client, min_interval=0) as nx:
        table = nx.database("T", "D").table("Contacts")
        cursor = 0
        for _ in range(100):  # poll until a poll brings nothing new
            changes = table.changes(cursor, per_page=per_page)
            got = list(changes)
            for r in got:
                assert r.sequence is not None
                assert r.sequence > cursor
                latest[r.id] = max(latest.get(r.id, 0), r.sequence)
            assert changes.cursor is not None
            assert changes.cursor >= cursor
            cursor = changes.cursor
            if not got and server.writes == 0:
                break
    assert latest == {rid: row["sequence"] for rid, row in server.rows.items()}
    assert cursor == server.seq
