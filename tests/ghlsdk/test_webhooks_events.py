"""parse_event: every official example parses into its typed event; unknowns are kept."""

from __future__ import annotations

import json
import logging
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import attrs
import pytest

from _sdkcore.serde import wire_name
from ghlsdk import webhooks
from ghlsdk.webhooks import (
    EVENT_TYPES,
    AppointmentCreateEvent,
    AppointmentDeleteEvent,
    AppointmentUpdateEvent,
    ContactCreateEvent,
    ContactDndUpdateEvent,
    InstallEvent,
    NoteCreateEvent,
    TaskCompleteEvent,
    TaskCreateEvent,
    UninstallEvent,
    UnknownEvent,
    WebhookEvent,
    WebhookPayloadError,
    parse_event,
)

# Official webhook examples and schemas, copied into the repository (tests/fixtures/README.md).
SPECS = Path(__file__).resolve().parents[1] / "fixtures" / "ghl" / "webhooks"

#: File stem -> event class. The docs' AppointmentUpdate/Delete examples carry
#: "type": "AppointmentCreate" (a documented docs error, REFERENCE §9.2): the body's type wins.
EXPECTED: dict[str, type[WebhookEvent]] = {
    "AppInstall": InstallEvent,
    "AppUninstall": UninstallEvent,
    "AppointmentCreate": AppointmentCreateEvent,
    "AppointmentUpdate": AppointmentCreateEvent,
    "AppointmentDelete": AppointmentCreateEvent,
    **{name: cls for name, cls in EVENT_TYPES.items() if not name.startswith(("App", "IN", "UN"))},
}


def examples() -> list[tuple[str, int, dict[str, Any]]]:
    out = []
    for path in sorted(SPECS.glob("*.example.json")):
        data = json.loads(path.read_text())
        for i, item in enumerate(data if isinstance(data, list) else [data]):
            out.append((path.name.removesuffix(".example.json"), i, item))
    return out


def test_the_examples_are_there() -> None:
    names = {name for name, _, _ in examples()}
    assert names == set(EXPECTED), "expected every documented webhook example"
    assert len(examples()) == 19  # 16 files, AppInstall has 3 variants and AppUninstall 2


@pytest.mark.parametrize(("name", "index", "payload"), examples(), ids=lambda v: str(v)[:20])
def test_every_example_parses_into_its_type(name: str, index: int, payload: dict[str, Any]) -> None:
    for body in (json.dumps(payload).encode(), json.dumps(payload), payload):
        event = parse_event(body, strict=True)
        assert type(event) is EXPECTED[name]
        assert event.type == payload["type"]
        assert event.extra == {}  # every documented field is modeled
        assert event.location_id == payload.get("locationId")


@pytest.mark.parametrize(
    ("name", "cls"),
    [("AppointmentUpdate", AppointmentUpdateEvent), ("AppointmentDelete", AppointmentDeleteEvent)],
)
def test_appointment_examples_with_their_real_type(name: str, cls: type[WebhookEvent]) -> None:
    payload = json.loads((SPECS / f"{name}.example.json").read_text())
    assert payload["type"] == "AppointmentCreate"  # the docs' mistake
    event = parse_event({**payload, "type": name}, strict=True)
    assert type(event) is cls


def _schema_properties(name: str) -> dict[str, Any]:
    schema: dict[str, Any] = json.loads((SPECS / f"{name}.schema.json").read_text())
    return dict(schema["properties"])


def _wire_names(cls: type[Any]) -> set[str]:
    return {wire_name(f) for f in attrs.fields(cls) if f.name != "extra"}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_models_cover_every_schema_property(name: str) -> None:
    cls = EVENT_TYPES[{"AppInstall": "INSTALL", "AppUninstall": "UNINSTALL"}.get(name, name)]
    props = _schema_properties(name)
    assert set(props) <= _wire_names(cls)
    if "appointment" in props:
        inner = set(props["appointment"]["properties"])
        assert inner <= _wire_names(webhooks.WebhookAppointment)


def test_contact_event_fields_are_typed() -> None:
    event = parse_event((SPECS / "ContactDndUpdate.example.json").read_bytes())
    assert isinstance(event, ContactDndUpdateEvent)
    assert event.id == "nmFmQEsNgz6AVpgLVUJ0"
    assert event.first_name == "John"
    assert event.date_added == datetime(2021, 11, 26, 12, 41, 2, 193000, tzinfo=timezone.utc)
    assert event.dnd is True
    assert event.tags == ("id magna sed Lorem", "Duis dolor commodo aliqua")
    assert event.custom_fields[0].id == "BcdmQEsNgz6AVpgLVUJ0"
    assert event.custom_fields[0].value == "XYZ Corp"
    assert event.dnd_settings is not None
    assert event.dnd_settings["Email"].status == "active"
    assert event.dnd_settings["SMS"].code == "101"


def test_install_event_fields_are_typed() -> None:
    payloads = json.loads((SPECS / "AppInstall.example.json").read_text())
    event = parse_event(payloads[0])
    assert isinstance(event, InstallEvent)
    assert event.app_id == "ve9EPM428h8vShlRW1KT"
    assert event.trial is not None
    assert event.trial.on_trial is True
    assert event.trial.trial_duration == 10
    assert event.trial.trial_start_date == datetime(2024, 7, 23, 23, 54, 51, 264000, timezone.utc)
    assert event.whitelabel_details is not None
    assert event.whitelabel_details.logo_url == "https://example.com/logo.png"
    agency_only = parse_event(payloads[2])
    assert isinstance(agency_only, InstallEvent)
    assert agency_only.location_id is None
    assert agency_only.company_id == "otg8dTQqGLh3Q6iQI55w"


def test_appointment_times_are_aware() -> None:
    event = parse_event((SPECS / "AppointmentCreate.example.json").read_bytes())
    assert isinstance(event, AppointmentCreateEvent)
    assert event.appointment is not None
    assert event.appointment.users == ("YlWd2wuCAZQzh2cH1fVZ", "9NkT25Vor1v4aQatFsv2")
    # 16:00 at +05:30 is 10:30 UTC
    assert event.appointment.start_time == datetime(2023, 9, 25, 10, 30, tzinfo=timezone.utc)


def test_delivery_fields_and_unknown_keys_are_kept() -> None:
    event = parse_event(
        {
            "type": "NoteCreate",
            "id": "n1",
            "body": "hi",
            "appId": "app_1",
            "versionId": "v1",
            "webhookId": "wh_123",
            "timestamp": "2026-11-28T12:00:00.000Z",
            "brandNewField": {"x": 1},
        }
    )
    assert isinstance(event, NoteCreateEvent)
    assert (event.app_id, event.version_id, event.webhook_id) == ("app_1", "v1", "wh_123")
    assert event.timestamp == datetime(2026, 11, 28, 12, tzinfo=timezone.utc)
    assert event.extra == {"brandNewField": {"x": 1}}


def test_real_task_create_without_contact_id_parses() -> None:
    event = parse_event({"type": "TaskCreate", "id": "t1", "title": "Call back", "dueDate": ""})
    assert isinstance(event, TaskCreateEvent)
    assert event.contact_id is None
    assert event.due_date is None  # "" read as missing


@pytest.mark.parametrize(
    "payload",
    [
        {"type": "OpportunityCreate", "id": "o1", "locationId": "loc_1", "webhookId": "w9"},
        {"id": "no-type"},
        {"type": 42},
    ],
)
def test_unknown_events_keep_the_raw_payload(payload: dict[str, Any]) -> None:
    event = parse_event(payload)
    assert isinstance(event, UnknownEvent)
    assert event.raw == payload
    assert event.parse_error is None
    assert event.type == (payload["type"] if isinstance(payload.get("type"), str) else "")
    if "webhookId" in payload:
        assert event.webhook_id == "w9"
        assert event.location_id == "loc_1"


def test_a_misshapen_known_event_is_kept_or_raised(caplog: pytest.LogCaptureFixture) -> None:
    payload = {"type": "TaskComplete", "id": "t1", "title": ["not", "a", "string"]}
    with caplog.at_level(logging.WARNING):
        event = parse_event(payload)
    assert isinstance(event, UnknownEvent)
    assert event.type == "TaskComplete"
    assert event.raw == payload
    assert event.parse_error is not None
    assert "title" in event.parse_error
    assert "did not fit its model" in caplog.text
    with pytest.raises(WebhookPayloadError, match="TaskComplete payload does not fit"):
        parse_event(payload, strict=True)
    assert isinstance(parse_event({"type": "TaskComplete", "id": "t1"}), TaskCompleteEvent)


@pytest.mark.parametrize(
    ("body", "error", "match"),
    [
        (b"{not json", WebhookPayloadError, "not valid JSON"),
        (b"[1, 2]", WebhookPayloadError, "must be a JSON object"),
        ("null", WebhookPayloadError, "must be a JSON object"),
        (42, TypeError, "bytes, str or a mapping"),
    ],
)
def test_bad_bodies(body: Any, error: type[Exception], match: str) -> None:
    with pytest.raises(error, match=match):
        parse_event(body)


def test_events_are_frozen() -> None:
    event = parse_event({"type": "ContactDelete", "id": "c1"})
    assert isinstance(event, ContactCreateEvent.__mro__[1])  # a ContactEvent
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        event.id = "other"  # type: ignore[attr-defined]
