"""`ghl-ninox plan` on empty state lists the creates it would make and exits 0 (the real
engine, on the fakes); `sync` then makes them."""

from __future__ import annotations

from pathlib import Path

from bridge.testing import FakeWorld
from tests.bridge.test_cli_ops import Harness


def test_plan_before_the_first_sync_lists_the_creates_and_exits_0(tmp_path: Path) -> None:
    world = FakeWorld()
    world.seed_ghl(2, tasks=1, notes=1, appointments=1)
    cli = Harness(tmp_path, world)
    code, doc = cli.json("plan")
    assert code == 0, doc
    assert doc["ok"] is True
    assert doc["errors"] == []
    assert doc["counts"]["contact"]["create_ninox"] == 2
    assert doc["counts"]["task"]["create_ninox"] == 2
    creates = [c for c in doc["changes"] if c["action"] == "create"]
    assert len(creates) == 8  # contacts, tasks, notes and appointments
    assert world.ninox_records("Contacts") == []  # nothing written
    code, out, _err = cli("plan")
    assert code == 0
    assert "would create contact" in out
    assert cli("sync", "-q")[0] == 0
    assert len(world.ninox_records("Tasks")) == 2
    world.close()


def test_undo_from_the_command_line(tmp_path: Path) -> None:
    world = FakeWorld()
    (gid,) = world.seed_ghl(1, tasks=0, notes=0, appointments=0)
    cli = Harness(tmp_path, world)
    assert cli("sync", "-q")[0] == 0
    before = world.ghl.contacts[gid]["firstName"]
    world.ghl.edit_contact(gid, firstName="Changed")
    code, doc = cli.json("sync")
    assert code == 0
    run_id = doc["run_id"]
    code, out, _ = cli("undo", run_id)
    assert code == 0, out
    rows = {r["fields"]["GHL Id"]: r["fields"] for r in world.ninox_records("Contacts")}
    assert rows[gid]["First Name"] == before
    assert world.ghl.contacts[gid]["firstName"] == before
    code, _out, err = cli("undo", "no-such-run")
    assert code != 0
    assert "no run 'no-such-run'" in err
    world.close()
