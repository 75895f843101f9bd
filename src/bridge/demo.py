"""``ghl-ninox demo``: the whole two-way flow on in-memory fakes, no credentials needed.

Seeds a FakeGHL with contacts (each with a task, a note and an appointment), syncs them into an
empty FakeNinox database, edits records on both sides (including one real conflict and one
delete delivered as a GHL webhook), syncs again, resolves a conflict left for review (emails
are ``manual``), and shows that a last run changes nothing.

The narration is text on ``out``; with ``json=True`` it is replaced by one JSON document (the
runs' summaries and the checks), like every other ``ghl-ninox --json`` command.
"""

from __future__ import annotations

import json as jsonlib
import tempfile
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, TextIO

import attrs

from bridge.conflicts import MANUAL
from bridge.ops import render_review
from bridge.state import SQLiteStateStore
from bridge.sync import RunReport, SyncConfig, SyncEngine
from bridge.sync.review import resolve
from bridge.testing import FakeWorld
from ghlsdk.webhooks import parse_event

__all__ = ["DemoResult", "run_demo"]

Progress = Callable[[int, int, str], None]
Say = Callable[[str], None]


@attrs.frozen(kw_only=True)
class DemoResult:
    """What the demo did: its runs (``first``, ``webhook``, ``second``, ``third``) and the
    named ``checks`` of the outcome, each true when the two sides agree as expected."""

    contacts: int
    first: RunReport
    webhook: RunReport
    second: RunReport
    third: RunReport
    checks: Mapping[str, bool]

    @property
    def ok(self) -> bool:
        return all(self.checks.values()) and self.first.ok and self.third.ok

    def to_dict(self) -> dict[str, Any]:
        """The JSON document of ``ghl-ninox demo --json`` (runs without their field-by-field
        changes, which the first sync has thousands of: ``changed_records`` counts them)."""
        runs = {}
        for name in ("first", "webhook", "second", "third"):
            report: dict[str, Any] = jsonlib.loads(getattr(self, name).to_json())
            report["changed_records"] = len(report.pop("changes", []))
            runs[name] = report
        return {
            "command": "demo",
            "ok": self.ok,
            "exit_code": 0 if self.ok else 1,
            "contacts": self.contacts,
            "runs": runs,
            "checks": [{"name": name, "ok": ok} for name, ok in self.checks.items()],
        }


def run_demo(
    out: TextIO,
    *,
    progress: Progress | None = None,
    contacts: int = 500,
    state_dir: str | None = None,
    json: bool = False,
) -> int:
    """Run the demo, writing the narration (or, with ``json``, one JSON document) to ``out``;
    returns the exit code (0 when every step agrees)."""

    def say(text: str) -> None:
        if not json:
            out.write(text + "\n")
            out.flush()

    result = demo(say, progress=progress, contacts=contacts, state_dir=state_dir)
    if json:
        out.write(jsonlib.dumps(result.to_dict(), indent=2, sort_keys=False) + "\n")
    return 0 if result.ok else 1


def demo(
    say: Say,
    *,
    progress: Progress | None = None,
    contacts: int = 500,
    state_dir: str | None = None,
) -> DemoResult:
    """Run the demo, narrating through ``say``; returns what happened."""
    world = FakeWorld()
    with tempfile.TemporaryDirectory(dir=state_dir) as tmp:
        store = SQLiteStateStore(Path(tmp) / "demo-state.sqlite3")
        try:
            return _run(world, store, say, progress, contacts)
        finally:
            store.close()
            world.close()


def _run(
    world: FakeWorld, store: SQLiteStateStore, say: Say, progress: Progress | None, n: int
) -> DemoResult:
    ids = world.seed_ghl(n)
    say(f"1. Seeded FakeGHL with {n} contacts, each with a task, a note and an appointment;")
    say("   FakeNinox has the default tables (Contacts, Tasks, Notes, Appointments), empty.")
    ghl = world.ghl_client(rate_limiting=False)
    db = world.ninox_db()
    # Emails are MANUAL: a conflicting email waits for a person (the review queue).
    config = SyncConfig(policies={"contact": {"email": MANUAL}})
    engine = SyncEngine(ghl, db, store, config=config, progress=progress)

    started = time.perf_counter()
    first = engine.sync()
    say(f"\n2. First sync ({time.perf_counter() - started:.1f} s):")
    say(_indent(first))

    contacts = db.table("Contacts", typed=False)
    by_ghl = {r.fields["GHL Id"]: r for r in contacts.list()}
    edited_in_ghl, edited_in_ninox, contested, deleted = ids[0], ids[1], ids[2], ids[3]
    world.ghl.edit_contact(edited_in_ghl, email="ada.new@example.com")
    contacts.update(by_ghl[edited_in_ninox].id, {"Phone": "+15550199999"})
    world.ghl.edit_contact(contested, firstName="Grace (GHL)")
    contacts.update(by_ghl[contested].id, {"First Name": "Grace (Ninox)", "Last Name": "Hopper-L"})
    say("\n3. Edits on both sides:")
    say(f"   GHL   : {edited_in_ghl} email -> ada.new@example.com")
    say(f"   Ninox : {edited_in_ninox} phone -> +15550199999")
    say(f"   both  : {contested} first name (GHL 'Grace (GHL)', Ninox 'Grace (Ninox)'),")
    say("           last name changed in Ninox only")

    world.ghl.remove_contact(deleted)
    delete_event = parse_event(world.ghl.events[-1])
    handled = engine.handle_ghl_event(delete_event)
    say(f"   GHL   : {deleted} deleted; the ContactDelete webhook is handled at once:")
    say(_indent(handled, "           "))

    second = engine.sync()
    say("\n4. Second sync:")
    say(_indent(second))
    if second.conflicts:
        say("   -> conflicts resolved by policy: contacts default to ghl_wins (GHL is the master)")
    after = {r.fields["GHL Id"]: r.fields for r in contacts.list()}
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
    checks.update(_review_step(world, store, engine, contacts, ids[4], say))
    third = engine.sync()
    say("\n6. Last sync (nothing changed since):")
    say(_indent(third))
    checks["last run writes nothing"] = third.writes == 0
    result = DemoResult(
        contacts=n, first=first, webhook=handled, second=second, third=third, checks=checks
    )
    say("\nChecks:")
    for label, passed in checks.items():
        say(f"   [{'ok' if passed else 'FAILED'}] {label}")
    say(
        "\nDemo " + ("finished: both sides agree." if result.ok else "found a problem (see above).")
    )
    return result


def _review_step(
    world: FakeWorld, store: SQLiteStateStore, engine: SyncEngine, contacts: Any, gid: str, say: Say
) -> dict[str, bool]:
    """An email changed on both sides goes to review; a person keeps Ninox's; a pass carries
    it out."""
    record = next(r for r in contacts.list() if r.fields["GHL Id"] == gid)
    world.ghl.edit_contact(gid, email="grace@ghl.example.com")
    contacts.update(record.id, {"Email": "grace@ninox.example.com"})
    waiting = engine.sync()
    say("\n5. Both sides change one email; emails are `manual`, so a person decides:")
    say(_indent(waiting))
    items = [i for i in store.open_reviews() if i.source_ref == gid]
    if not items:
        return {"conflicting email waits for review": False}
    item = items[0]
    say("   $ ghl-ninox review show " + str(item.review_id))
    say("\n".join("   " + line for line in render_review(item)[:-1]))
    assert item.review_id is not None
    resolve(store, item.review_id, keep="ninox")
    say(f"   $ ghl-ninox review resolve {item.review_id} --keep ninox")
    applied = engine.sync()
    say("   The next sync carries it out:")
    say(_indent(applied))
    done = store.review(item.review_id)
    ninox_email = next(r for r in contacts.list() if r.fields["GHL Id"] == gid).fields["Email"]
    return {
        "conflicting email waits for review": True,
        "resolved review applied on both sides": done is not None
        and done.status == "applied"
        and world.ghl.contacts[gid]["email"] == "grace@ninox.example.com"
        and ninox_email == "grace@ninox.example.com",
    }


def _indent(report: RunReport, prefix: str = "   ") -> str:
    return "\n".join(prefix + line for line in str(report).splitlines())
