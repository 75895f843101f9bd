"""Crash at every API call, random edits with random faults: the sync always converges."""

from __future__ import annotations

import contextlib
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from _sdkcore.errors import APIError
from bridge.mappers import default_mappings
from bridge.mapping import MappingSet
from bridge.state import SQLiteStateStore
from bridge.sync import SyncEngine
from bridge.testing import FakeWorld
from ghlsdk import GHLClient
from ninoxsdk import NinoxClient


class Crash(BaseException):
    """The process dies: not an Exception, so nothing in the library handles it."""


class Calls:
    """Counts requests across both fakes; fails the ``at``-th one."""

    def __init__(self, at: int | None, mode: str) -> None:
        self.at, self.mode, self.seen = at, mode, 0

    def wrap(self, inner: httpx.BaseTransport) -> httpx.BaseTransport:
        calls = self

        class Wrapped(httpx.BaseTransport):
            def handle_request(self, request: httpx.Request) -> httpx.Response:
                n, calls.seen = calls.seen, calls.seen + 1
                if n != calls.at:
                    return inner.handle_request(request)
                if calls.mode == "crash before":
                    raise Crash
                if calls.mode == "crash after":
                    inner.handle_request(request)
                    raise Crash
                if calls.mode == "timeout after":
                    inner.handle_request(request)
                    raise httpx.ReadTimeout("lost", request=request)
                return httpx.Response(503, json={"message": "injected"})

        return Wrapped()


def build(world: FakeWorld, store: SQLiteStateStore, calls: Calls, retries: int = 0) -> SyncEngine:
    ghl = GHLClient(
        token=world.ghl.token,
        location_id=world.ghl.location_id,
        rate_limiting=False,
        max_retries=retries,
        http_client=httpx.Client(transport=calls.wrap(world.ghl)),
    )
    ninox = NinoxClient(
        world.ninox_api_key,
        min_interval=0,
        max_retries=retries,
        http_client=httpx.Client(transport=calls.wrap(world.ninox)),
    )
    db = ninox.database(world.team_id, world.database_id)
    return SyncEngine(ghl, db, store, mappings=world.mappings)


CONTACTS_ONLY = MappingSet((default_mappings().entity("contact"),))


def seeded(contacts: int, tasks: int, ninox_only: int) -> FakeWorld:
    # Without children the pass makes no per-contact calls: the 200-record case stays quick.
    world = FakeWorld(ghl_options={"seed": 1}, mappings=None if tasks else CONTACTS_ONLY)
    world.seed_ghl(contacts, tasks=tasks, notes=0, appointments=0)
    for i in range(ninox_only):
        world.ninox.add_record(
            world.team_id,
            world.database_id,
            world.table_ids["Contacts"],
            {"First Name": f"N{i}", "Email": f"ninox{i}@example.com"},
        )
    return world


def assert_converged(world: FakeWorld, contacts: int, tasks: int) -> None:
    ninox = world.ninox_records("Contacts")
    ghl_ids = Counter(r["fields"].get("GHL Id") for r in ninox)
    assert None not in ghl_ids, "a Ninox contact never reached GHL"
    assert set(ghl_ids.values()) == {1}, "duplicate Ninox records"
    assert len(ninox) == contacts
    emails = Counter(c["email"] for c in world.ghl.contacts.values())
    assert set(emails.values()) == {1}, "duplicate GHL contacts"
    assert len(world.ghl.contacts) == contacts
    for record in ninox:
        assert world.ghl.contacts[record["fields"]["GHL Id"]]["email"] == record["fields"]["Email"]
    if not tasks:
        return
    task_ids = Counter(r["fields"].get("GHL Id") for r in world.ninox_records("Tasks"))
    assert len(task_ids) == tasks
    assert set(task_ids.values()) <= {1}


def run_until_quiet(engine: SyncEngine, passes: int = 4) -> None:
    for _ in range(passes):
        try:
            if engine.sync().writes == 0:
                return
        except APIError:
            continue


@pytest.mark.parametrize(
    ("contacts", "tasks", "ninox_only", "mode"),
    [
        (200, 0, 10, "crash before"),
        (200, 0, 10, "crash after"),
        (12, 1, 3, "crash after"),
        (12, 1, 3, "timeout after"),
    ],
)
def test_crash_at_every_api_call_then_rerun_converges(
    tmp_path: Path, contacts: int, tasks: int, ninox_only: int, mode: str
) -> None:
    probe = seeded(contacts, tasks, ninox_only)
    counter = Calls(None, mode)
    build(probe, SQLiteStateStore(tmp_path / "probe.sqlite3"), counter).sync()
    total = counter.seen
    assert total > 10
    for at in range(total):
        world = seeded(contacts, tasks, ninox_only)
        path = tmp_path / f"state-{mode}-{at}.sqlite3"
        with contextlib.suppress(Crash, APIError):
            build(world, SQLiteStateStore(path), Calls(at, mode)).sync()
        # restart: a new process opens the same state file and runs again
        run_until_quiet(build(world, SQLiteStateStore(path), Calls(None, mode)))
        assert_converged(world, contacts + ninox_only, contacts * tasks)
        world.close()


FIELDS = {
    "email": ("Email", "email"),
    "phone": ("Phone", "phone"),
    "first_name": ("First Name", "firstName"),
}
# Values are distinct per contact: two contacts with one email would (rightly) hit GHL's
# duplicate rule, which no sync can resolve.
POOL = {
    "email": lambda i, c: f"{'abc'[c]}{i}@example.com",
    "phone": lambda i, c: f"+1555000{i}{c}0{c}",
    "first_name": lambda i, c: ["Ann", "Bob", "Cy"][c],
}

edit = st.tuples(
    st.integers(0, 3),
    st.sampled_from(["ghl", "ninox"]),
    st.sampled_from(sorted(FIELDS)),
    st.integers(0, 2),
)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(edits=st.lists(edit, max_size=8), faults=st.sets(st.integers(0, 25), max_size=3))
def test_random_edits_and_faults_converge_to_the_policy_outcome(
    tmp_path: Path, edits: list[tuple[int, str, str, int]], faults: set[int]
) -> None:
    world = FakeWorld(ghl_options={"seed": 2}, mappings=CONTACTS_ONLY)
    ids = world.seed_ghl(4, tasks=0, notes=0, appointments=0)
    store = SQLiteStateStore()
    build(world, store, Calls(None, "")).sync()
    start = {cid: {name: _ghl_value(world, cid, name) for name in FIELDS} for cid in ids}
    last: dict[tuple[str, str, str], Any] = {}
    records = {r["fields"]["GHL Id"]: r["id"] for r in world.ninox_records("Contacts")}
    for index, side, name, choice in edits:
        cid, value = ids[index], POOL[name](index, choice)
        ninox_field, ghl_key = FIELDS[name]
        if side == "ghl":
            world.ghl.edit_contact(cid, **{ghl_key: value})
        else:
            world.ninox.update_record(
                world.team_id,
                world.database_id,
                world.table_ids["Contacts"],
                records[cid],
                {ninox_field: value},
            )
        last[(cid, side, name)] = value
    for at in sorted(faults):
        with contextlib.suppress(APIError):
            build(world, store, Calls(at, "503")).sync()
    run_until_quiet(build(world, store, Calls(None, "")), passes=5)
    for cid in ids:
        ninox = next(r for r in world.ninox_records("Contacts") if r["fields"]["GHL Id"] == cid)
        for name, (ninox_field, _key) in FIELDS.items():
            g, n = last.get((cid, "ghl", name)), last.get((cid, "ninox", name))
            changed_g = g is not None and g != start[cid][name]
            changed_n = n is not None and n != start[cid][name]
            if changed_g:
                expected = g  # GHL is the master for contacts: it wins any conflict
            elif changed_n:
                expected = n
            else:
                expected = start[cid][name]
            assert _ghl_value(world, cid, name) == expected, (cid, name, edits, faults)
            assert ninox["fields"][ninox_field] == expected, (cid, name, edits, faults)
    world.close()


def _ghl_value(world: FakeWorld, cid: str, name: str) -> Any:
    return world.ghl.contacts[cid][FIELDS[name][1]]
