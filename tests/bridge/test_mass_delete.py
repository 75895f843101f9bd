"""The mass-delete guard, made actionable: too many deletions in one pass open one review item
listing them; approved, the next pass applies exactly those (not newer ones), each once, even
across a crash; rejected, nothing is deleted and the links are tombstoned."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import httpx
import pytest

from bridge.state import ReviewItem, SQLiteStateStore
from bridge.sync import SyncConfig, resolve_review
from bridge.testing import FakeWorld
from tests.bridge.syncworld import Crash, Faults, engine, until_quiet

CONFIG = SyncConfig(deletes="hard")  # guard: more than max(10, 20% of the links)


def synced(tmp_path: Path, contacts: int = 60) -> tuple[FakeWorld, Path]:
    world = FakeWorld()
    world.seed_ghl(contacts, tasks=0, notes=0, appointments=0)
    path = tmp_path / "state.sqlite3"
    until_quiet(engine(world, path, Faults(), config=CONFIG))
    return world, path


def delete_in_ninox(world: FakeWorld, count: int) -> list[str]:
    """Delete ``count`` linked Ninox contacts; their GHL ids."""
    gone = []
    table = world.table_ids["Contacts"]
    for record in world.ninox_records("Contacts")[:count]:
        world.ninox.delete_record(world.team_id, world.database_id, table, record["id"])
        gone.append(str(record["fields"]["GHL Id"]))
    return gone


def mass_items(path: Path, status: str | None = None) -> list[ReviewItem]:
    store = SQLiteStateStore(path)
    try:
        return [i for i in store.reviews(status) if i.kind == "mass_delete"]
    finally:
        store.close()


def resolve(path: Path, review_id: int, **how: bool) -> ReviewItem:
    store = SQLiteStateStore(path)
    try:
        return resolve_review(store, review_id, **how)
    finally:
        store.close()


def tripped(tmp_path: Path, count: int = 30) -> tuple[FakeWorld, Path, list[str], int]:
    world, path = synced(tmp_path)
    gone = delete_in_ninox(world, count)
    report = engine(world, path, Faults(), config=CONFIG)("scan")
    assert "exceed the guard" in report.errors[0].message
    assert len(world.ghl.contacts) == 60  # nothing deleted
    (item,) = mass_items(path, "open")
    assert item.review_id is not None
    return world, path, gone, item.review_id


def test_the_item_lists_each_deletion_and_opens_once(tmp_path: Path) -> None:
    world, path, gone, review_id = tripped(tmp_path)
    engine(world, path, Faults(), config=CONFIG)("scan")  # the same deletions again
    (item,) = mass_items(path)
    assert item.review_id == review_id
    assert sorted(item.fields) == sorted(gone)
    assert {item.ghl_values[g] for g in gone} == {"present"}
    assert {item.ninox_values[g] for g in gone} == {"deleted"}
    assert len(world.ghl.contacts) == 60


def test_approved_the_next_pass_deletes_exactly_those_once(tmp_path: Path) -> None:
    world, path, gone, review_id = tripped(tmp_path)
    newer = delete_in_ninox(world, 15)  # after the item opened: not covered by the approval
    resolve(path, review_id, approve=True)
    faults = Faults()
    report = engine(world, path, faults, config=CONFIG)("scan")
    assert report.counts["contact"]["delete"] == 30
    assert sorted(c.item for c in report.changes if c.action == "delete") == sorted(gone)
    assert not set(gone) & set(world.ghl.contacts)
    assert set(newer) <= set(world.ghl.contacts)  # over the guard again: a new item
    by_id = [line for line in faults.log if re.match(r"GET .*/records/\d+$", line)]
    assert by_id == []  # 30 to check: one table scan, not a read per record
    deletes = Counter(line for line in faults.log if line.startswith("DELETE"))
    assert len(deletes) == 30
    assert set(deletes.values()) == {1}
    (applied,) = mass_items(path, "applied")
    assert applied.review_id == review_id
    (second,) = mass_items(path, "open")
    assert sorted(second.fields) == sorted(newer)
    again = engine(world, path, Faults(), config=CONFIG)("sync")
    assert "delete" not in again.counts.get("contact", {})


def test_a_crash_after_approval_loses_nothing_and_deletes_nothing_twice(
    tmp_path: Path,
) -> None:
    world, path, gone, review_id = tripped(tmp_path)
    resolve(path, review_id, approve=True)  # durable: the process may die right after
    seen: list[str] = []

    class CrashOnTenthDelete(Faults):
        def _fault(self, request: httpx.Request) -> str | None:
            fault = super()._fault(request)
            if request.method == "DELETE":
                seen.append(request.url.path)
                if len(seen) == 10:
                    return "crash after"  # GHL deleted it; the process died before knowing
            return fault

    with pytest.raises(Crash):
        engine(world, path, CrashOnTenthDelete(), config=CONFIG)("sync")
    assert len(world.ghl.contacts) == 50  # ten applied, the tenth just before the crash
    assert mass_items(path, "resolved")[0].review_id == review_id  # still to carry out
    rest = Faults()
    report = engine(world, path, rest, config=CONFIG)("sync")
    assert report.ok, report.errors
    assert not set(gone) & set(world.ghl.contacts)
    assert len(world.ghl.contacts) == 30
    done_now = [line for line in rest.log if line.startswith("DELETE")]
    assert len(done_now) == 20  # the rest; none of the ten resent
    assert not {p.rsplit("/", 1)[-1] for p in done_now} & {p.rsplit("/", 1)[-1] for p in seen}
    assert mass_items(path, "applied")[0].review_id == review_id
    store = SQLiteStateStore(path)
    try:
        deletes = [e for g in gone for e in store.history(ghl_id=g) if e.action == "delete"]
    finally:
        store.close()
    # one entry per record, the one the crash interrupted too (written by the outbox recheck)
    assert len(deletes) == 30
    assert len({e.ghl_id for e in deletes}) == len(deletes)


def test_a_failed_delete_keeps_the_item_until_it_is_done(tmp_path: Path) -> None:
    world, path, gone, review_id = tripped(tmp_path)
    resolve(path, review_id, approve=True)
    report = engine(
        world, path, Faults().on("DELETE", f"/contacts/{gone[0]}", "503", times=9), config=CONFIG
    )("sync")
    assert {e.item for e in report.errors} == {gone[0]}  # refused (each time it was tried)
    assert set(world.ghl.contacts) & set(gone) == {gone[0]}
    assert mass_items(path, "resolved")[0].review_id == review_id
    report = engine(world, path, Faults(), config=CONFIG)("sync")
    assert report.counts["contact"]["delete"] == 1
    assert gone[0] not in world.ghl.contacts
    assert mass_items(path, "applied")[0].review_id == review_id


def test_rejected_nothing_is_deleted_and_the_guard_stays_quiet(tmp_path: Path) -> None:
    world, path, gone, review_id = tripped(tmp_path)
    resolve(path, review_id, reject=True)
    report = engine(world, path, Faults(), config=CONFIG)("scan")
    assert report.ok
    assert report.writes == 0
    assert report.counts["contact"]["delete_rejected"] == 30
    assert set(gone) <= set(world.ghl.contacts)
    store = SQLiteStateStore(path)
    try:
        states = {store.link_by_ghl("contact", g).state for g in gone}  # type: ignore[union-attr]
    finally:
        store.close()
    assert states == {"tombstone_ninox"}
    assert mass_items(path, "applied")[0].review_id == review_id
    later = engine(world, path, Faults(), config=CONFIG)("scan")
    assert later.ok
    assert mass_items(path, "open") == []


def test_plan_shows_the_approved_deletes_and_writes_nothing(tmp_path: Path) -> None:
    world, path, _, review_id = tripped(tmp_path)
    resolve(path, review_id, approve=True)
    plan = engine(world, path, Faults(), config=CONFIG)("plan")
    assert plan.counts["contact"]["delete"] == 30
    assert len(world.ghl.contacts) == 60
    assert mass_items(path, "resolved")[0].review_id == review_id


def test_resolutions_that_do_not_fit_are_refused(tmp_path: Path) -> None:
    world, path, _, review_id = tripped(tmp_path)
    with pytest.raises(ValueError, match="approved, rejected or dismissed"):
        resolve_review(SQLiteStateStore(path), review_id, keep="ghl")
    with pytest.raises(ValueError, match="exactly one"):
        resolve(path, review_id, approve=True, reject=True)
    (item,) = mass_items(path, "open")
    assert item.resolution is None
    # a table that read empty (an outage?) lists nothing: it can only be dismissed
    store = SQLiteStateStore(path)
    empty = store.add_review(ReviewItem(kind="mass_delete", source_ref="contact:61"))
    store.close()
    assert empty.review_id is not None
    with pytest.raises(ValueError, match="only be dismissed"):
        resolve(path, empty.review_id, approve=True)
    assert resolve(path, empty.review_id, dismiss=True).status == "applied"
    assert len(world.ghl.contacts) == 60


def test_a_record_that_is_back_is_left_alone(tmp_path: Path) -> None:
    world, path = synced(tmp_path)
    removed = list(world.ghl.contacts)[:15]
    saved = {gid: dict(world.ghl.contacts[gid]) for gid in removed}
    for gid in removed:
        world.ghl.remove_contact(gid)
    engine(world, path, Faults(), config=CONFIG)("scan")
    (item,) = mass_items(path, "open")
    assert item.review_id is not None
    assert {item.ghl_values[g] for g in removed} == {"deleted"}
    back = removed[0]
    world.ghl.add_contact(**saved[back])  # restored in GHL before the approval is carried out
    resolve(path, item.review_id, approve=True)
    faults = Faults()
    report = engine(world, path, faults, config=CONFIG)("sync")
    assert report.counts["contact"]["delete"] == 14
    assert back not in {c.item for c in report.changes}
    reads = Counter(line for line in faults.log if line in {f"GET /contacts/{g}" for g in removed})
    assert len(reads) == 15  # 15 to check: each read by id, once
    assert set(reads.values()) == {1}
    ninox_ids = {r["fields"]["GHL Id"] for r in world.ninox_records("Contacts")}
    assert back in ninox_ids
    assert not set(removed[1:]) & ninox_ids
    store = SQLiteStateStore(path)
    try:
        link = store.link_by_ghl("contact", back)
    finally:
        store.close()
    assert link is not None
    assert link.state == "active"
    assert mass_items(path, "applied")[0].review_id == item.review_id
