"""``ghl-ninox demo``: the whole two-way flow on in-memory fakes, no credentials needed.

Seeds a FakeGHL with contacts (each with a task, a note and an appointment), syncs them into an
empty FakeNinox database, edits records on both sides (including one real conflict and one
delete delivered as a GHL webhook), syncs again, and shows that a third run changes nothing.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TextIO

from bridge.state import SQLiteStateStore
from bridge.sync import RunReport, SyncEngine
from bridge.testing import FakeWorld
from ghlsdk.webhooks import parse_event

__all__ = ["run_demo"]

Progress = Callable[[int, int, str], None]


def run_demo(
    out: TextIO,
    *,
    progress: Progress | None = None,
    contacts: int = 500,
    state_dir: str | None = None,
) -> int:
    """Run the demo, writing to ``out``; returns the exit code (0 when every step agrees)."""
    world = FakeWorld()
    with tempfile.TemporaryDirectory(dir=state_dir) as tmp:
        store = SQLiteStateStore(Path(tmp) / "demo-state.sqlite3")
        try:
            return _run(world, store, out, progress, contacts)
        finally:
            store.close()
            world.close()


def _say(out: TextIO, text: str = "") -> None:
    out.write(text + "\n")
    out.flush()


def _run(
    world: FakeWorld, store: SQLiteStateStore, out: TextIO, progress: Progress | None, n: int
) -> int:
    ids = world.seed_ghl(n)
    _say(out, f"1. Seeded FakeGHL with {n} contacts, each with a task, a note and an appointment;")
    _say(out, "   FakeNinox has the default tables (Contacts, Tasks, Notes, Appointments), empty.")
    ghl = world.ghl_client(rate_limiting=False)
    db = world.ninox_db()
    engine = SyncEngine(ghl, db, store, progress=progress)

    started = time.perf_counter()
    first = engine.sync()
    _say(out, f"\n2. First sync ({time.perf_counter() - started:.1f} s):")
    _say(out, _indent(first))

    contacts = db.table("Contacts", typed=False)
    by_ghl = {r.fields["GHL Id"]: r for r in contacts.iter()}
    edited_in_ghl, edited_in_ninox, contested, deleted = ids[0], ids[1], ids[2], ids[3]
    world.ghl.edit_contact(edited_in_ghl, email="ada.new@example.com")
    contacts.update(by_ghl[edited_in_ninox].id, {"Phone": "+15550199999"})
    world.ghl.edit_contact(contested, firstName="Grace (GHL)")
    contacts.update(by_ghl[contested].id, {"First Name": "Grace (Ninox)", "Last Name": "Hopper-L"})
    _say(out, "\n3. Edits on both sides:")
    _say(out, f"   GHL   : {edited_in_ghl} email -> ada.new@example.com")
    _say(out, f"   Ninox : {edited_in_ninox} phone -> +15550199999")
    _say(out, f"   both  : {contested} first name (GHL 'Grace (GHL)', Ninox 'Grace (Ninox)'),")
    _say(out, "           last name changed in Ninox only")

    world.ghl.remove_contact(deleted)
    delete_event = parse_event(world.ghl.events[-1])
    handled = engine.handle_ghl_event(delete_event)
    _say(out, f"   GHL   : {deleted} deleted; the ContactDelete webhook is handled at once:")
    _say(out, _indent(handled, "           "))

    second = engine.sync()
    _say(out, "\n4. Second sync:")
    _say(out, _indent(second))
    if second.conflicts:
        _say(
            out,
            "   -> conflicts resolved by policy: contacts default to ghl_wins (GHL is the master)",
        )
    after = {r.fields["GHL Id"]: r.fields for r in contacts.iter()}
    ghl_now = world.ghl.contacts
    checks = {
        "GHL email edit reached Ninox": after[edited_in_ghl]["Email"] == "ada.new@example.com",
        "Ninox phone edit reached GHL": ghl_now[edited_in_ninox]["phone"] == "+15550199999",
        "conflict: GHL value on both sides": after[contested]["First Name"] == "Grace (GHL)"
        and ghl_now[contested]["firstName"] == "Grace (GHL)",
        "other field of the conflicted record kept": ghl_now[contested]["lastName"] == "Hopper-L",
        "delete: Ninox record kept (soft delete), link tombstoned": deleted in after
        and (link := store.link_by_ghl("contact", deleted)) is not None
        and link.state.startswith("tombstone"),
    }
    third = engine.sync()
    _say(out, "\n5. Third sync (nothing changed since):")
    _say(out, _indent(third))
    checks["third run writes nothing"] = third.writes == 0
    _say(out, "\nChecks:")
    for label, passed in checks.items():
        _say(out, f"   [{'ok' if passed else 'FAILED'}] {label}")
    good = all(checks.values()) and first.ok and third.ok
    _say(
        out, "\nDemo " + ("finished: both sides agree." if good else "found a problem (see above).")
    )
    return 0 if good else 1


def _indent(report: RunReport, prefix: str = "   ") -> str:
    return "\n".join(prefix + line for line in str(report).splitlines())
