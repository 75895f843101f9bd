"""The engine's stages as data: decide is a pure function (a case table), and a pass is a
program whose effects a test can read."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

import pytest

from bridge.conflicts import MANUAL
from bridge.mapping.defaults import default_mappings
from bridge.state import Link, SQLiteStateStore
from bridge.sync import Decision, SyncConfig
from bridge.sync.context import GONE, Pair, PassContext
from bridge.sync.decide import decide
from bridge.sync.effects import (
    Clients,
    Effect,
    GhlAddTags,
    GhlCreate,
    GhlDelete,
    GhlSearchContacts,
    GhlUpdate,
    NinoxDelete,
    NinoxSave,
    Program,
    State,
)
from bridge.sync.interpret import Together
from bridge.sync.passes import sync_pass
from bridge.testing import FakeWorld
from ninoxsdk import Record

CONTACT = default_mappings()["contact"]
TASK = default_mappings()["task"]
GHL = {"id": "g1", "firstName": "Ada", "email": "ada@example.com"}
NINOX = {"GHL Id": "g1", "First Name": "Ada", "Email": "ada@example.com"}


def record(fields: dict[str, Any], rid: int = 7) -> Record:
    return Record(id=rid, fields=fields, modified_at=datetime(2026, 1, 1, tzinfo=timezone.utc))


def link(**changes: Any) -> Link:
    canon = CONTACT.ghl_canonical(GHL)
    values: dict[str, Any] = {
        "entity": "contact",
        "ghl_id": "g1",
        "ninox_table": "Contacts",
        "ninox_id": 7,
        "base": canon,
        "ghl_digest": CONTACT.digest(canon),
        "ninox_digest": CONTACT.digest(CONTACT.ninox_canonical(NINOX)),
        "link_id": 1,
    }
    values.update(changes)
    return Link(**values)


CASES: dict[str, tuple[Pair, dict[str, Any]]] = {
    "new in GHL": (Pair("contact", None, dict(GHL), None), {"action": "create_ninox"}),
    "new in Ninox": (
        Pair("contact", None, None, record({**NINOX, "GHL Id": None})),
        {"action": "create_ghl"},
    ),
    "a Ninox record naming an unreadable GHL record": (
        Pair("contact", None, None, record(NINOX)),
        {"action": "skip"},
    ),
    "unchanged": (Pair("contact", link(), dict(GHL), record(NINOX)), {"action": "noop"}),
    "edited in GHL": (
        Pair("contact", link(), {**GHL, "firstName": "Ann"}, record(NINOX)),
        {"action": "update", "to_ninox": {"first_name": "Ann"}, "to_ghl": {}},
    ),
    "edited in Ninox": (
        Pair("contact", link(), dict(GHL), record({**NINOX, "First Name": "Ann"})),
        {"action": "update", "to_ghl": {"first_name": "Ann"}, "to_ninox": {}},
    ),
    "edited on both sides (GHL wins contacts)": (
        Pair("contact", link(), {**GHL, "firstName": "G"}, record({**NINOX, "First Name": "N"})),
        {"action": "update", "to_ninox": {"first_name": "G"}, "settled": {"first_name": "ghl"}},
    ),
    "an unsettled link is compared field by field": (
        Pair("contact", link(error_count=1), dict(GHL), record(NINOX)),
        {"action": "update", "to_ghl": {}, "to_ninox": {}},
    ),
    "the GHL id missing from the Ninox record": (
        Pair("contact", link(), dict(GHL), record({**NINOX, "GHL Id": None})),
        {"action": "update", "key_write": True},
    ),
    "deleted in GHL": (Pair("contact", link(), GONE, None), {"action": "delete", "gone": "ghl"}),
    "deleted on both sides": (
        Pair("contact", link(), GONE, GONE),
        {"action": "delete", "gone": "both"},
    ),
    "deleted but never linked": (Pair("contact", None, GONE, None), {"action": "noop"}),
    "tombstoned": (
        Pair("contact", link(state="tombstone_ghl"), dict(GHL), record(NINOX)),
        {"action": "noop"},
    ),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_decide(name: str) -> None:
    pair, expected = CASES[name]
    decision = decide(CONTACT, pair, SyncConfig())
    assert isinstance(decision, Decision)
    for attribute, value in expected.items():
        assert getattr(decision, attribute) == value, (name, attribute, decision)


def test_every_action_has_a_case() -> None:
    actions = {CASES[name][1]["action"] for name in CASES}
    assert actions == {"create_ninox", "create_ghl", "skip", "noop", "update", "delete"}


def test_a_manual_conflict_goes_to_review_and_keeps_its_base() -> None:
    pair = Pair("contact", link(), {**GHL, "firstName": "G"}, record({**NINOX, "First Name": "N"}))
    config = SyncConfig(policies={"contact": {"first_name": MANUAL}})
    decision = decide(CONTACT, pair, config)
    assert set(decision.review) == {"first_name"}
    assert not decision.to_ghl
    assert not decision.to_ninox
    assert "first_name" not in decision.settles_now


def test_a_ninox_appointment_is_booked_only_on_a_configured_calendar() -> None:
    mapper = default_mappings()["appointment"]
    pair = Pair("appointment", None, None, record({"Title": "Demo", "Contact": 1}))
    decision = decide(mapper, pair, SyncConfig())
    assert decision.action == "skip"
    assert "appointment_calendar_id" in decision.reason
    booked = decide(mapper, pair, SyncConfig(appointment_calendar_id="cal1"))
    assert booked.action == "create_ghl"
    assert booked.to_ghl["title"] == "Demo"


def test_a_child_without_its_parent_is_still_decided_purely() -> None:
    pair = Pair("task", None, {"id": "t1", "title": "Call", "contactId": "c1"}, None)
    assert decide(TASK, pair, SyncConfig()).action == "create_ninox"


WRITES = (GhlCreate, GhlUpdate, GhlDelete, GhlAddTags, NinoxSave, NinoxDelete)


def run_recording(ctx: PassContext, clients: Clients) -> list[Effect[Any]]:
    """Interpret a pass by hand, recording every effect it yields (inside ``Together`` too)."""
    seen: list[Effect[Any]] = []
    interpret_recording(sync_pass(ctx), clients, seen)
    return seen


def interpret_recording(program: Program[Any], clients: Clients, seen: list[Effect[Any]]) -> Any:
    value: Any = None
    while True:
        try:
            effect = program.send(value)
        except StopIteration as stop:
            return stop.value
        if isinstance(effect, Together):
            value = (
                interpret_recording(effect.first, clients, seen),
                interpret_recording(effect.second, clients, seen),
            )
            continue
        seen.append(effect)
        value = effect.run(clients)


def test_a_pass_reads_state_first_and_plan_yields_no_write() -> None:
    world = FakeWorld()
    world.seed_ghl(2, tasks=1, notes=1, appointments=1)
    store = SQLiteStateStore()
    clients = Clients(ghl=world.ghl_client(), ninox=world.ninox_db(), store=store)
    views = {e: default_mappings()[e] for e in ("contact", "task", "note", "appointment")}

    plan = run_recording(
        PassContext(kind="plan", mappers=views, config=SyncConfig(), location="loc", dry_run=True),
        clients,
    )
    assert not [e for e in plan if isinstance(e, WRITES)]
    assert isinstance(plan[0], State)  # resolved review items, then the GHL cursor
    first_call = next(e for e in plan if not isinstance(e, State))
    assert isinstance(first_call, GhlSearchContacts)  # no cursor yet: every contact
    assert first_call.filters == []

    sync = run_recording(
        PassContext(kind="sync", mappers=views, config=SyncConfig(), location="loc"), clients
    )
    assert isinstance(sync[0], State)  # the recheck of open ops comes first
    saves = [e for e in sync if isinstance(e, NinoxSave)]
    assert [e.table for e in saves] == ["Contacts", "Tasks", "Appointments", "Notes"]  # notes last
    assert [len(e.writes) for e in saves] == [2, 2, 2, 2]  # one batch per table
