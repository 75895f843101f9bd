"""A field conflict under MANUAL waits in the review queue until a person resolves it; the
next pass writes the chosen value to both sides and marks the item applied."""

from __future__ import annotations

import contextlib
from pathlib import Path

import pytest

from bridge.conflicts import MANUAL
from bridge.state import SQLiteStateStore
from bridge.sync import SyncConfig, resolve_review
from bridge.testing import FakeWorld
from ghlsdk import APIError
from tests.bridge.syncworld import Faults, by_ghl_id, edit_ninox, engine, until_quiet

CONFIG = SyncConfig(policies={"contact": {"email": MANUAL}})


def conflicted(tmp_path: Path) -> tuple[FakeWorld, Path, str, int]:
    world = FakeWorld()
    gid = world.ghl.add_contact(firstName="Ada", email="ada@example.com")["id"]
    path = tmp_path / "state.sqlite3"
    until_quiet(engine(world, path, Faults(), config=CONFIG))
    rid = world.ninox_records("Contacts")[0]["id"]
    world.ghl.edit_contact(gid, email="ghl@example.com")
    edit_ninox(world, "Contacts", rid, {"Email": "ninox@example.com"})
    report = engine(world, path, Faults(), config=CONFIG)("sync")
    assert [c.resolution for c in report.conflicts] == ["manual"]
    store = SQLiteStateStore(path)
    (item,) = store.open_reviews()
    assert item.review_id is not None
    store.close()
    return world, path, gid, item.review_id


@pytest.mark.parametrize(
    ("how", "expected"),
    [
        ({"keep": "ninox"}, "ninox@example.com"),
        ({"keep": "ghl"}, "ghl@example.com"),
        ({"values": {"email": "agreed@example.com"}}, "agreed@example.com"),
    ],
)
def test_a_resolution_is_carried_out_by_the_next_pass(
    tmp_path: Path, how: dict[str, object], expected: str
) -> None:
    world, path, gid, review_id = conflicted(tmp_path)
    store = SQLiteStateStore(path)
    resolve_review(store, review_id, **how)  # type: ignore[arg-type]
    store.close()
    report = until_quiet(engine(world, path, Faults(), config=CONFIG))
    assert report.ok
    assert world.ghl.contacts[gid]["email"] == expected
    assert by_ghl_id(world, "Contacts")[gid]["Email"] == expected
    store = SQLiteStateStore(path)
    item = store.review(review_id)
    assert item is not None
    assert item.status == "applied"
    assert store.open_reviews() == []
    store.close()


def test_a_resolution_whose_write_fails_is_carried_out_later(tmp_path: Path) -> None:
    world, path, gid, review_id = conflicted(tmp_path)
    store = SQLiteStateStore(path)
    resolve_review(store, review_id, keep="ninox")
    store.close()
    with contextlib.suppress(APIError):
        engine(world, path, Faults().on("PUT", f"/contacts/{gid}", "503"), config=CONFIG)("sync")
    store = SQLiteStateStore(path)
    item = store.review(review_id)
    assert item is not None
    assert item.status == "resolved"  # not carried out yet
    store.close()
    until_quiet(engine(world, path, Faults(), config=CONFIG))
    assert world.ghl.contacts[gid]["email"] == "ninox@example.com"
    store = SQLiteStateStore(path)
    item = store.review(review_id)
    assert item is not None
    assert item.status == "applied"
    store.close()


def test_bad_resolutions_are_refused_before_anything_is_written(tmp_path: Path) -> None:
    _world, path, _gid, review_id = conflicted(tmp_path)
    store = SQLiteStateStore(path)
    with pytest.raises(ValueError, match="exactly one"):
        resolve_review(store, review_id)
    with pytest.raises(ValueError, match="exactly one"):
        resolve_review(store, review_id, keep="ghl", dismiss=True)
    with pytest.raises(ValueError, match="cannot set"):
        resolve_review(store, review_id, values={"phone": "1"})
    with pytest.raises(ValueError, match="'ghl' or 'ninox'"):
        resolve_review(store, review_id, keep="both")  # type: ignore[arg-type]
    with pytest.raises(KeyError, match="no open review item 999"):
        resolve_review(store, 999, keep="ghl")
    assert [i.review_id for i in store.open_reviews()] == [review_id]
    dismissed = resolve_review(store, review_id, dismiss=True)
    assert dismissed.status == "applied"
    store.close()
