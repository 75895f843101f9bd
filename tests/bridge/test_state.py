from __future__ import annotations

import contextlib
import sqlite3
import subprocess
import sys
import textwrap
import threading
from collections.abc import Iterator
from pathlib import Path

import attrs
import pytest

from bridge.state import (
    Cursor,
    Event,
    Link,
    Op,
    RecordError,
    ReviewItem,
    SQLiteStateStore,
    StateStore,
    StateStoreError,
    open_store,
)

#: What each backend raises for a second link to one record.
INTEGRITY_ERRORS: tuple[type[Exception], ...] = (sqlite3.IntegrityError,)
with contextlib.suppress(ImportError):
    import psycopg

    INTEGRITY_ERRORS += (psycopg.IntegrityError,)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[StateStore]:
    """The same tests on each backend: a SQLite file, and a fresh schema of the throwaway
    PostgreSQL cluster (tests/conftest.py; skipped, with one line saying why, without one)."""
    if request.param == "sqlite":
        opened = open_store(tmp_path / "state.sqlite3")
    else:
        opened = open_store(request.getfixturevalue("postgres_schema_url"))
    try:
        yield opened
    finally:
        opened.close()


def _link(**changes: object) -> Link:
    values: dict[str, object] = {
        "entity": "contact",
        "ghl_id": "g1",
        "ninox_table": "A",
        "ninox_id": 7,
        "base": {"email": "ada@example.com", "name": None},
        "ghl_digest": "dg",
        "ninox_digest": "dn",
    }
    values.update(changes)
    return Link(**values)  # type: ignore[arg-type]


def test_links_round_trip_and_are_found_by_either_id(store: StateStore) -> None:
    saved = store.save_link(_link())
    assert saved.link_id is not None
    assert store.link_by_ghl("contact", "g1") == saved
    assert store.link_by_ninox("contact", "A", 7) == saved
    assert store.link_by_ghl("task", "g1") is None
    moved = store.save_link(attrs.evolve(saved, ninox_sq=42, version=1))
    assert store.link(saved.link_id) == moved
    assert store.links("contact") == [moved]


def test_one_link_per_record_on_each_side(store: StateStore) -> None:
    store.save_link(_link())
    with pytest.raises(INTEGRITY_ERRORS):
        store.save_link(_link(ninox_id=8))  # same GHL id again
    with pytest.raises(INTEGRITY_ERRORS):
        store.save_link(_link(ghl_id="g2"))  # same Ninox record again
    # in-flight creates have no id yet on one side, and may coexist
    store.save_link(_link(ghl_id=None, ninox_id=9, state="creating_ghl"))
    store.save_link(_link(ghl_id=None, ninox_id=10, state="creating_ghl"))
    assert len(store.links()) == 3


def test_transaction_is_all_or_nothing(store: StateStore) -> None:
    def crash_midway() -> None:
        with store.transaction():
            link = store.save_link(_link())
            op = Op(op_key="k1", link_id=link.link_id, target="ninox", kind="update", patch={})
            store.add_op(op)
            store.set_cursor(Cursor(source="ninox", scope="db:A", value="10"))
            raise RuntimeError("crash")

    with pytest.raises(RuntimeError, match="crash"):
        crash_midway()
    assert store.links() == []
    assert store.open_ops() == []
    assert store.get_cursor("ninox", "db:A") is None


def test_cursors_upsert(store: StateStore) -> None:
    store.set_cursor(Cursor(source="ghl", scope="loc:contact", value="2024-05-01T10:00:00Z"))
    store.set_cursor(Cursor(source="ghl", scope="loc:contact", value="2024-05-02T10:00:00Z"))
    cursor = store.get_cursor("ghl", "loc:contact")
    assert cursor is not None
    assert cursor.value == "2024-05-02T10:00:00Z"
    assert store.cursors() == {"ghl:loc:contact": "2024-05-02T10:00:00Z"}


def test_ops_are_replay_safe_and_only_unknown_outcomes_stay_open(
    store: StateStore,
) -> None:
    link = store.save_link(_link())
    first = Op(
        op_key="k1",
        link_id=link.link_id,
        target="ghl",
        kind="update",
        patch={"a": 1},
        intended={"a": 1},
        entity="contact",
        ghl_id="g1",
        ninox_id=7,
    )
    assert store.add_op(first) is True
    assert store.add_op(first) is False  # same key: a replay, not a second write
    store.add_op(Op(op_key="k2", link_id=link.link_id, target="ghl", kind="update", patch={}))
    assert {op.op_key for op in store.open_ops(link.link_id)} == {"k1", "k2"}
    store.set_op_state("k2", "sent")
    store.set_op_state("k2", "failed", error="422")
    op2 = store.op("k2")
    assert op2 is not None
    assert (op2.state, op2.attempts, op2.last_error) == ("failed", 1, "422")
    store.set_op_state("k1", "done", result_id="r1")
    op1 = store.op("k1")
    assert op1 is not None
    assert (op1.entity, op1.ghl_id, op1.ninox_id, op1.result_id) == ("contact", "g1", 7, "r1")
    assert store.open_ops() == []
    assert store.prune_ops() == 2
    assert store.op("k1") is None
    with pytest.raises(KeyError):
        store.set_op_state("nope", "done")


def test_a_version_1_state_file_is_migrated(tmp_path: Path) -> None:
    import sqlite3

    from bridge.state._schema import SCHEMA_V1

    path = tmp_path / "v1.sqlite3"
    db = sqlite3.connect(path, isolation_level=None)
    db.executescript(f"BEGIN;{SCHEMA_V1}PRAGMA user_version=1;COMMIT;")
    db.execute(
        "INSERT INTO ops (op_key, link_id, target, kind, patch, intended, state, attempts,"
        " created_at, updated_at) VALUES ('old', NULL, 'ghl', 'update', '{}', '{}', 'sent', 1,"
        " '2026-01-01T00:00:00+00:00', '2026-01-01T00:00:00+00:00')"
    )
    db.close()
    store = SQLiteStateStore(path)
    (op,) = store.open_ops()
    assert (op.op_key, op.entity, op.result_id) == ("old", "", None)
    assert store.add_op(Op(op_key="new", link_id=None, target="ninox", kind="create", patch={}))
    store.close()


def test_each_store_implements_the_whole_protocol(store: StateStore) -> None:
    from bridge.state import StateStore

    assert isinstance(store, StateStore)
    checked: StateStore = store  # mypy checks the signatures
    assert checked is store


def test_sent_ops_survive_a_new_intent(store: StateStore) -> None:
    # an op whose outcome is unknown must be rechecked, never silently superseded
    link = store.save_link(_link())
    store.add_op(Op(op_key="k1", link_id=link.link_id, target="ninox", kind="create", patch={}))
    store.set_op_state("k1", "sent")
    store.add_op(Op(op_key="k2", link_id=link.link_id, target="ninox", kind="update", patch={}))
    assert [op.op_key for op in store.open_ops(link.link_id)] == ["k1", "k2"]


def test_events_are_deduplicated(store: StateStore) -> None:
    event = Event(
        event_key="wh-1",
        entity="contact",
        ghl_id="g1",
        type="ContactUpdate",
        raw_body='{"type": "ContactUpdate"}',
    )
    assert store.add_event(event) is True
    assert store.add_event(event) is False
    assert [e.event_key for e in store.new_events()] == ["wh-1"]
    store.set_event_state("wh-1", "done")
    assert store.new_events() == []


def test_review_queue(store: StateStore) -> None:
    item = store.add_review(
        ReviewItem(
            kind="field_conflict",
            link_id=None,
            fields=("email",),
            ghl_values={"email": "a@x"},
            ninox_values={"email": "b@x"},
        )
    )
    assert item.review_id is not None
    assert store.open_reviews() == [item]
    store.resolve_review(item.review_id, "ghl")
    assert store.open_reviews() == []
    with pytest.raises(KeyError):
        store.resolve_review(item.review_id, "ghl")


def test_runs_and_record_errors(store: StateStore) -> None:
    run = store.start_run("sync", {"ninox:db:A": "3"})
    store.add_record_error(
        RecordError(
            run_id=run.run_id,
            side="ninox",
            record_id="7",
            stage="map",
            error="ValueError",
            message="bad phone",
        )
    )
    done = store.finish_run(
        run, status="ok", counts={"created": 2}, cursors_after={"ninox:db:A": "9"}
    )
    assert store.runs() == [done]
    assert done.counts == {"created": 2}
    assert [e.message for e in store.record_errors(run.run_id)] == ["bad phone"]


def test_run_lock_excludes_a_second_owner_until_it_expires(store: StateStore) -> None:
    assert store.acquire_lock("run-1", ttl=60)
    assert not store.acquire_lock("run-2", ttl=60)
    assert store.acquire_lock("run-1", ttl=60)  # re-entrant for its owner
    store.release_lock("run-1")
    assert store.acquire_lock("run-2", ttl=-1)  # an expired lock is free for the taking
    assert store.acquire_lock("run-3", ttl=60)


def test_state_persists_across_reopen(tmp_path: Path) -> None:
    path = tmp_path / "s.sqlite3"
    with SQLiteStateStore(path) as first:
        first.save_link(_link())
    with SQLiteStateStore(path) as second:
        assert second.link_by_ghl("contact", "g1") is not None


def test_a_killed_process_leaves_no_half_written_state(tmp_path: Path) -> None:
    path = tmp_path / "s.sqlite3"
    SQLiteStateStore(path).close()
    script = textwrap.dedent(f"""
        import os
        from bridge.state import SQLiteStateStore, Link, Cursor
        store = SQLiteStateStore({str(path)!r})
        store.save_link(Link(entity="contact", ghl_id="kept", ninox_table="A", ninox_id=1))
        with store.transaction():
            store.save_link(Link(entity="contact", ghl_id="lost", ninox_table="A", ninox_id=2))
            store.set_cursor(Cursor(source="ninox", scope="db:A", value="99"))
            os._exit(9)  # killed mid-transaction
    """)
    result = subprocess.run([sys.executable, "-c", script], check=False, timeout=60)
    assert result.returncode == 9
    with SQLiteStateStore(path) as store:
        assert [link.ghl_id for link in store.links()] == ["kept"]
        assert store.get_cursor("ninox", "db:A") is None


def test_corrupt_or_newer_state_is_refused(tmp_path: Path) -> None:
    junk = tmp_path / "junk.sqlite3"
    junk.write_bytes(b"this is not a database" * 100)
    with pytest.raises(StateStoreError, match="cannot open the sync state"):
        SQLiteStateStore(junk)
    newer = tmp_path / "newer.sqlite3"
    db = sqlite3.connect(newer)
    db.execute("PRAGMA user_version=99")
    db.close()
    with pytest.raises(StateStoreError, match="upgrade ghl-ninox"):
        SQLiteStateStore(newer)


def test_threads_can_share_a_store(store: StateStore) -> None:
    def worker(n: int) -> None:
        for i in range(20):
            store.save_link(_link(ghl_id=f"g{n}-{i}", ninox_id=n * 100 + i))

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(store.links()) == 80


def test_a_refused_write_leaves_the_callers_transaction_usable(store: StateStore) -> None:
    # SQLite fails the one statement; PostgreSQL would abort the whole transaction, so its
    # store runs such a write under a savepoint: both keep what came before and after.
    store.save_link(_link())
    with store.transaction():
        kept = store.save_link(_link(ghl_id="g2", ninox_id=8))
        with pytest.raises(INTEGRITY_ERRORS):
            store.save_link(_link(ninox_id=9))  # g1 is linked already
        store.set_cursor(Cursor(source="ghl", scope="loc:contact", value="v"))
    assert store.link_by_ghl("contact", "g2") == kept
    assert store.cursors() == {"ghl:loc:contact": "v"}


def test_nested_transactions_join_the_outer_one(store: StateStore) -> None:
    def fail_after_inner() -> None:
        with store.transaction():
            with store.transaction():
                store.save_link(_link())
            assert store.link_by_ghl("contact", "g1") is not None  # visible inside
            raise RuntimeError("outer")

    with pytest.raises(RuntimeError, match="outer"):
        fail_after_inner()
    assert store.links() == []  # the inner block went with the outer one


def test_many_links_by_id_at_once(store: StateStore) -> None:
    with store.transaction():
        saved = [store.save_link(_link(ghl_id=f"g{i}", ninox_id=i)) for i in range(1, 1201)]
    assert len(store.links_by_ghl("contact", [f"g{i}" for i in range(1, 1201)])) == 1200
    found = store.links_by_ninox("contact", "A", [5, 5, 999, 1200, 4000])
    assert sorted(found) == [5, 999, 1200]
    assert store.links_by_ghl("contact", []) == {}
    assert store.links_by_ninox("contact", "A", []) == {}
    parent = saved[0].link_id
    assert parent is not None
    child = store.save_link(
        Link(entity="task", ghl_id="t1", ninox_table="T", ninox_id=1, parent_link_id=parent)
    )
    assert store.links_by_parent("task", [parent, 77777]) == [child]
    assert store.links_by_parent("task", []) == []


def test_links_needing_check_and_values_round_trip(store: StateStore) -> None:
    from datetime import datetime, timezone

    agreed = datetime(2026, 5, 1, 12, 30, 15, 123456, tzinfo=timezone.utc)
    odd = {"n": 1.5, "big": 2**62, "s": "zero\u0000width\u200b", "list": [None, True], "d": {}}
    link = store.save_link(_link(base=odd, agreed_at=agreed, error_count=2, last_error="boom"))
    store.save_link(_link(ghl_id="g2", ninox_id=8))
    assert store.links_needing_check("contact") == [link]
    again = store.link_by_ghl("contact", "g1")
    assert again is not None
    assert (dict(again.base), again.agreed_at) == (odd, agreed)


def test_prune_keeps_open_ops_and_the_newest_finished(store: StateStore) -> None:
    for i in range(5):
        store.add_op(Op(op_key=f"k{i}", link_id=None, target="ghl", kind="update", patch={}))
    for i in range(4):
        store.set_op_state(f"k{i}", "done")
    assert store.prune_ops(keep_last=2) == 2  # k4 is open; k2, k3 are the newest
    assert store.op("k0") is None
    assert store.op("k1") is None
    assert [op.op_key for op in store.open_ops()] == ["k4"]
    assert store.op("k3") is not None


def test_the_lock_is_per_name_and_release_needs_the_owner(store: StateStore) -> None:
    assert store.acquire_lock("a", ttl=60)
    assert store.acquire_lock("b", ttl=60, name="other")
    store.release_lock("b")  # not b's lock of that name: nothing happens
    assert not store.acquire_lock("b", ttl=60)
    store.release_lock("a")
    assert store.acquire_lock("b", ttl=60)


def test_history_is_found_by_either_id_or_run_and_pruned_by_age(store: StateStore) -> None:
    from datetime import datetime, timedelta, timezone

    from bridge.state import HistoryEntry

    link = store.save_link(_link())
    old = datetime(2026, 1, 1, tzinfo=timezone.utc)
    store.add_history(
        [
            HistoryEntry(
                entity="contact",
                action="update",
                side="ninox",
                ghl_id="g1",
                ninox_id=7,
                link_id=link.link_id,
                before={"email": "a@example.com"},
                after={"email": "b@example.com"},
                run_id="r1",
                at=old,
            ),
            HistoryEntry(
                entity="contact",
                action="update",
                side="ghl",
                ghl_id=None,
                ninox_id=None,
                link_id=link.link_id,
                after={"name": "Ann"},
                run_id="r2",
            ),
        ]
    )
    by_ghl = store.history(ghl_id="g1")
    assert [e.run_id for e in by_ghl] == ["r2", "r1"]  # newest first, the link's too
    assert [e.run_id for e in store.history(ninox_id=7)] == ["r2", "r1"]
    (first,) = store.history(run_id="r1")
    assert (first.before, first.after, first.side) == (
        {"email": "a@example.com"},
        {"email": "b@example.com"},
        "ninox",
    )
    assert store.prune_history(before=old + timedelta(days=1)) == 1
    assert [e.run_id for e in store.history(ghl_id="g1")] == ["r2"]


def test_a_digest_both_sides_agreed_on_is_stored_once_and_read_back_on_each_side(
    store: StateStore,
) -> None:
    same = store.save_link(_link(ghl_digest="d" * 32, ninox_digest="d" * 32))
    differ = store.save_link(_link(ghl_id="g2", ninox_id=8, ninox_digest="e" * 32))
    unknown = store.save_link(_link(ghl_id="g3", ninox_id=9, ghl_digest=None, ninox_digest=None))
    half = store.save_link(_link(ghl_id="g4", ninox_id=10, ghl_digest=None, ninox_digest="f"))
    assert store.links("contact") == [same, differ, unknown, half]
    assert store.link_by_ghl("contact", "g1") == same
    stored = store._fetch("SELECT ninox_digest FROM links ORDER BY link_id")  # type: ignore[attr-defined]
    assert [row["ninox_digest"] for row in stored] == ["=", "e" * 32, None, "f"]


def test_a_runs_history_is_found_from_its_start_and_by_either_id_without_a_link(
    store: StateStore,
) -> None:
    from datetime import timedelta

    from bridge.state import HistoryEntry

    def entry(run_id: str, **ids: object) -> HistoryEntry:
        values: dict[str, object] = {"ghl_id": None, "ninox_id": None, "link_id": None, **ids}
        return HistoryEntry(
            entity="contact",
            action="update",
            side="ninox",
            after={"n": len(store.history(run_id=run_id, limit=100))},
            run_id=run_id,
            **values,  # type: ignore[arg-type]
        )

    link = store.save_link(_link())
    first = store.start_run("sync", {})
    store.add_history([entry(first.run_id, link_id=link.link_id)])
    second = store.start_run("sync", {})
    # the second run's recheck confirms a write the first one sent: the first run's entry
    store.add_history([entry(second.run_id, ghl_id="lone"), entry(first.run_id, ninox_id=99)])
    assert [e.after for e in store.history(run_id=first.run_id)] == [{"n": 1}, {"n": 0}]
    assert [e.after for e in store.history(run_id=second.run_id)] == [{"n": 0}]
    # ... or another machine's recheck, its clock ten minutes behind: found all the same
    assert first.started_at is not None
    behind = attrs.evolve(entry(first.run_id), at=first.started_at - timedelta(minutes=10))
    store.add_history([behind])
    assert len(store.history(run_id=first.run_id)) == 3
    # by id: through the record's link, or the entry's own ids when it has no link
    assert [e.run_id for e in store.history(ghl_id="g1")] == [first.run_id]
    assert [e.run_id for e in store.history(ninox_id=7)] == [first.run_id]
    assert [e.run_id for e in store.history(ghl_id="lone")] == [second.run_id]
    assert [e.run_id for e in store.history(ninox_id=99)] == [first.run_id]


def test_history_lookups_use_an_index_on_sqlite(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    opened = SQLiteStateStore(tmp_path / "state.sqlite3")
    plans: list[str] = []
    fetch = SQLiteStateStore._fetch

    def explained(self: SQLiteStateStore, sql: str, args: tuple[object, ...] = ()) -> list[object]:
        if sql.startswith("SELECT * FROM history"):
            plans.append(
                " / ".join(row[3] for row in fetch(self, "EXPLAIN QUERY PLAN " + sql, args))
            )
        return fetch(self, sql, args)

    monkeypatch.setattr(SQLiteStateStore, "_fetch", explained)
    try:
        opened.history(run_id="r1")
        opened.history(ghl_id="g1")
    finally:
        opened.close()
    assert len(plans) == 2
    for plan in plans:
        assert "SCAN history" not in plan, plan
        assert "SEARCH history USING INDEX" in plan, plan


def test_a_version_3_file_is_migrated_without_a_write_to_either_side(tmp_path: Path) -> None:
    # Version 3 stored each side's digest whole (64 hex characters); version 4 cuts both to
    # the 32 the engine now computes and stores the Ninox one as '=' when the sides agree, so
    # an upgraded file sees every record as it left it: no write, no extra read.
    from bridge.sync import SyncEngine
    from bridge.testing import FakeWorld

    path = tmp_path / "state.sqlite3"
    world = FakeWorld()
    world.seed_ghl(5, tasks=1, notes=1)
    ghl, db = world.ghl_client(rate_limiting=False), world.ninox_db()
    store = SQLiteStateStore(path)
    SyncEngine(ghl, db, store).sync()
    SyncEngine(ghl, db, store).sync()
    store.close()
    old = sqlite3.connect(path, isolation_level=None)
    old.executescript(
        "BEGIN;"
        "UPDATE links SET ghl_digest = ghl_digest || 'ab12cd34ab12cd34ab12cd34ab12cd34',"
        " ninox_digest = ghl_digest || 'ab12cd34ab12cd34ab12cd34ab12cd34'"
        " WHERE ninox_digest = '=';"
        "CREATE INDEX history_ghl ON history(ghl_id);"
        "CREATE INDEX history_ninox ON history(entity, ninox_id);"
        "CREATE INDEX history_run ON history(run_id);"
        "PRAGMA user_version=3;COMMIT;"
    )
    assert old.execute("SELECT min(length(ninox_digest)) FROM links").fetchone() == (64,)
    old.close()
    world.ghl.reset_counters()
    world.ninox.reset_counters()
    store = SQLiteStateStore(path)
    report = SyncEngine(ghl, db, store).sync()
    store.close()
    assert (report.writes, report.errors) == (0, [])
    assert [r.method for r in world.ninox.requests if r.method != "GET"] == []
    assert len(world.ghl.requests) <= 3
    new = sqlite3.connect(path)
    assert new.execute("PRAGMA user_version").fetchone() == (4,)
    assert new.execute(
        "SELECT DISTINCT length(ghl_digest), ninox_digest FROM links"
    ).fetchall() == [(32, "=")]
    indexes = {r[0] for r in new.execute("SELECT name FROM sqlite_schema WHERE type='index'")}
    assert indexes.isdisjoint({"history_ghl", "history_ninox", "history_run"})
    assert {"history_at", "history_link"} <= indexes
    new.close()


def test_review_items_move_from_open_to_resolved_to_applied(store: StateStore) -> None:
    from bridge.state import ReviewItem

    item = store.add_review(ReviewItem(kind="field_conflict", source_ref="g1", fields=("email",)))
    assert item.review_id is not None
    store.resolve_review(item.review_id, '{"keep": "ghl"}')
    resolved = store.review(item.review_id)
    assert resolved is not None
    assert (resolved.status, resolved.resolution) == ("resolved", '{"keep": "ghl"}')
    assert [r.review_id for r in store.reviews("resolved")] == [item.review_id]
    store.set_review_status(item.review_id, "applied")
    assert store.reviews("resolved") == []
    assert [r.status for r in store.reviews()] == ["applied"]
    with pytest.raises(KeyError):
        store.resolve_review(item.review_id, "again")


def test_flags_are_set_read_and_removed(store: StateStore) -> None:
    assert store.get_flag("paused") is None
    store.set_flag("paused", "3 authentication failures")
    store.set_flag("paused", "4 authentication failures")
    assert store.get_flag("paused") == "4 authentication failures"
    store.set_flag("paused", None)
    assert store.get_flag("paused") is None


# -- one SQL store for both backends (bridge.state._store over bridge.state._dialect) ---------


def test_shipped_migrations_never_change() -> None:
    # Both schemas are put together from one set of tables (bridge.state._tables); the text of
    # every version that has shipped stays as it was, or existing files and databases would
    # differ from new ones. Hashes of the texts as shipped (before the tables were shared).
    import hashlib

    from bridge.state._schema import MIGRATIONS as SQLITE_MIGRATIONS
    from bridge.state.postgres_schema import MIGRATIONS as POSTGRES_MIGRATIONS

    def digests(migrations: dict[int, str]) -> dict[int, str]:
        return {v: hashlib.sha256(text.encode()).hexdigest()[:16] for v, text in migrations.items()}

    assert digests(dict(SQLITE_MIGRATIONS)) == {
        1: "45595124a9dbb021",
        2: "0ea84f9beac1f0a4",
        3: "12083380a5452973",
        4: "9f761196a5826a74",
    }
    assert digests(dict(POSTGRES_MIGRATIONS)) == {
        1: "d52db9f4042270f5",
        2: "b38a73dc53b6f794",
        3: "216a6fd939edeee8",
        4: "9f761196a5826a74",
    }


def test_a_refused_op_leaves_the_callers_transaction_usable(store: StateStore) -> None:
    # an op naming a link that does not exist breaks a foreign key: refused, the rest kept
    with store.transaction():
        assert store.add_op(Op(op_key="k1", link_id=None, target="ghl", kind="update", patch={}))
        with pytest.raises(INTEGRITY_ERRORS):
            store.add_op(Op(op_key="k2", link_id=424242, target="ghl", kind="update", patch={}))
        store.set_cursor(Cursor(source="ghl", scope="loc:contact", value="v"))
    assert [op.op_key for op in store.open_ops()] == ["k1"]
    assert store.op("k2") is None
    assert store.cursors() == {"ghl:loc:contact": "v"}


def test_history_that_fails_halfway_leaves_none_of_its_entries(store: StateStore) -> None:
    from bridge.state import HistoryEntry

    def entry(entity: object) -> HistoryEntry:
        return HistoryEntry(
            entity=entity,  # type: ignore[arg-type]
            action="update",
            side="ghl",
            ghl_id="g1",
            ninox_id=None,
            run_id="r1",
        )

    with pytest.raises(INTEGRITY_ERRORS):
        store.add_history([entry("contact"), entry(None), entry("contact")])  # NOT NULL
    assert store.history(run_id="r1") == []
    store.add_history([entry("contact")])  # the store goes on
    assert len(store.history(run_id="r1")) == 1


def test_children_of_many_parents_come_oldest_first(store: StateStore) -> None:
    # more parents than SQLite takes in one statement: the children still come in link order
    with store.transaction():
        parents = [store.save_link(_link(ghl_id=f"p{i}", ninox_id=i)) for i in range(600)]
        children = [
            store.save_link(
                Link(
                    entity="task",
                    ghl_id=f"t{p.link_id}",
                    ninox_table="T",
                    ninox_id=p.link_id,
                    parent_link_id=p.link_id,
                )
            )
            for p in reversed(parents)  # the last parent's child is the oldest
        ]
    found = store.links_by_parent("task", [p.link_id for p in parents if p.link_id])
    assert found == children


def test_the_run_lock_holds_across_two_stores_on_one_file(tmp_path: Path) -> None:
    path = tmp_path / "state.sqlite3"
    with SQLiteStateStore(path) as first, SQLiteStateStore(path) as second:
        assert first.acquire_lock("run-1", ttl=60)
        assert not second.acquire_lock("run-2", ttl=60)
        assert first.acquire_lock("run-1", ttl=-1)  # still its own; now expired
        assert second.acquire_lock("run-2", ttl=60)
        assert not first.acquire_lock("run-1", ttl=60)


def test_a_lock_written_by_an_earlier_version_is_read_on_the_same_clock(tmp_path: Path) -> None:
    # expires_at has always been unix seconds (REAL): a lock an older ghl-ninox took (its
    # clock: time.time()) still excludes, and expires when that time has passed
    import time

    path = tmp_path / "state.sqlite3"
    SQLiteStateStore(path).close()
    db = sqlite3.connect(path)
    with db:
        db.execute("INSERT INTO locks VALUES ('sync', 'old-run', ?)", (time.time() + 60,))
        db.execute("INSERT INTO locks VALUES ('other', 'old-run', ?)", (time.time() - 1,))
    db.close()
    with SQLiteStateStore(path) as store:
        assert not store.acquire_lock("new-run", ttl=60)
        assert store.acquire_lock("new-run", ttl=60, name="other")
