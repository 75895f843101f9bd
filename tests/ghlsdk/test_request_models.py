"""Request models (``ghlsdk.models.requests``): each write's field list exists once; a model or
its fields as keyword arguments send the same body; bad fields fail before any request;
read → change one field → write sends only that field; custom fields by key still resolve,
and a registry that fails to load stops the write."""

from __future__ import annotations

import inspect
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any

import attrs
import httpx
import pytest
import respx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ghlsdk import AsyncGHLClient, Contact, DndSetting, GHLClient, InternalServerError, Note, Task
from ghlsdk import resources as res
from ghlsdk.models import requests
from ghlsdk.models.requests import (
    AppointmentCreate,
    AppointmentUpdate,
    ContactCreate,
    ContactUpdate,
    ContactUpsert,
    CustomFieldCreate,
    CustomFieldUpdate,
    NoteCreate,
    NoteUpdate,
    TaskCreate,
    TaskUpdate,
)
from ghlsdk.resources import UnknownCustomFieldError
from tests.ghlsdk._client_helpers import (
    BASE,
    CONTACT_JSON,
    LOCATION,
    NOTE_JSON,
    TASK_JSON,
    TOKEN,
    aghl,
    ghl,
    json_of,
    shared_ahttp,
    shared_http,
)

__all__ = ["aghl", "ghl", "shared_ahttp", "shared_http"]  # fixtures

CONTACT_ID = CONTACT_JSON["id"]
FIELDS_JSON = {
    "customFields": [
        {"id": "f-size", "name": "Size", "fieldKey": "contact.size", "dataType": "NUMERICAL"}
    ]
}


# ---------------------------------------------------------------- the models alone


def test_each_field_list_is_declared_once() -> None:
    update = set(ContactUpdate.field_names())
    assert set(ContactCreate.field_names()) == update | {"gender", "company_name"}
    assert set(ContactUpsert.field_names()) == update | {
        "gender",
        "company_name",
        "create_new_if_duplicate_allowed",
    }
    assert set(TaskCreate.field_names()) == set(TaskUpdate.field_names())
    assert set(NoteCreate.field_names()) == set(NoteUpdate.field_names())
    assert set(AppointmentCreate.field_names()) == set(AppointmentUpdate.field_names()) | {
        "contact_id"
    }
    assert set(CustomFieldCreate.field_names()) == set(CustomFieldUpdate.field_names()) | {
        "data_type"
    }


MODELS = [
    ContactCreate,
    ContactUpdate,
    ContactUpsert,
    TaskCreate,
    TaskUpdate,
    NoteCreate,
    NoteUpdate,
    AppointmentCreate,
    AppointmentUpdate,
    CustomFieldCreate,
    CustomFieldUpdate,
]


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_each_keyword_form_has_its_models_fields(model: type[requests.RequestModel]) -> None:
    form = getattr(requests, model.__name__ + "Fields")
    assert form.__required_keys__ == frozenset()  # a model may carry the required ones
    assert form.__optional_keys__ == frozenset(model.field_names())


def test_the_keyword_forms_are_generated_from_the_models(tmp_path: Path) -> None:
    copy = tmp_path / "requests.py"
    source = Path(requests.__file__).read_text(encoding="utf-8")
    copy.write_text(source, encoding="utf-8")
    assert not requests.regenerate(copy), (
        "the keyword forms drifted from the models: run ghlsdk.models.requests.regenerate()"
    )
    # The check can fail: a field missing from a form is put back.
    copy.write_text(
        source.replace("    postal_code: str | Unset | None\n", "", 1), encoding="utf-8"
    )
    assert requests.regenerate(copy)
    assert copy.read_text(encoding="utf-8") == source


def test_to_body_sends_set_fields_in_wire_form() -> None:
    model = ContactCreate(
        first_name="Ada",
        email=None,
        date_of_birth=date(1990, 9, 25),
        dnd_settings={"Email": DndSetting(status="active")},  # type: ignore[arg-type]
        company_name="Acme",
    )
    assert model.to_body() == {
        "firstName": "Ada",
        "email": None,
        "dateOfBirth": "1990-09-25",
        "dndSettings": {"Email": {"status": "active"}},
        "companyName": "Acme",
    }
    when = datetime(2030, 1, 2, 9, 30, tzinfo=timezone.utc)
    assert TaskCreate(title="Call", due_date=when).to_body() == {
        "title": "Call",
        "dueDate": "2030-01-02T09:30:00Z",
        "completed": False,
    }


@pytest.mark.parametrize(
    ("build", "error", "match"),
    [
        (
            lambda: ContactUpdate.of(None, {"frist_name": "A"}),
            TypeError,
            "did you mean 'first_name'",
        ),
        (lambda: ContactUpdate.of(None, {"gender": "f"}), TypeError, "unknown field 'gender'"),
        (lambda: ContactUpdate(first_name=3), TypeError, "first_name must be a string"),  # type: ignore[arg-type]
        (lambda: ContactUpdate(tags="vip"), TypeError, r"wrap a single one: \['vip'\]"),
        (lambda: ContactUpdate(dnd=1), TypeError, "dnd must be True or False"),  # type: ignore[arg-type]
        (lambda: TaskCreate.of(None, {"title": "T"}), TypeError, "tasks.create.. needs due_date"),
        (
            lambda: TaskCreate(title=" ", due_date="2030-01-01"),
            ValueError,
            "title must not be blank",
        ),
        (
            lambda: TaskUpdate(due_date=datetime(2030, 1, 1)),
            ValueError,
            "timezone-aware",
        ),
        (lambda: NoteCreate.of(None, {}), TypeError, "needs body"),
        (lambda: NoteUpdate.of(NoteCreate(body="b"), {}), TypeError, "takes a NoteUpdate"),
        (
            lambda: AppointmentCreate.of(None, {"calendar_id": "c", "start_time": "2030-01-01"}),
            TypeError,
            "needs contact_id",
        ),
        (lambda: AppointmentUpdate(appointment_status=3), TypeError, "appointment_status"),  # type: ignore[arg-type]
    ],
)
def test_bad_fields_are_refused_when_the_model_is_built(
    build: Any, error: type[Exception], match: str
) -> None:
    with pytest.raises(error, match=match):
        build()


def test_of_merges_keyword_fields_over_a_model() -> None:
    base = ContactUpdate(first_name="Ada", phone="+1555")
    merged = ContactUpdate.of(base, {"phone": None})
    assert merged.to_body() == {"firstName": "Ada", "phone": None}
    assert ContactUpdate.of(base, {}) is base


def test_changes_sets_only_what_differs() -> None:
    before = Contact(id="c1", first_name="Ada", email="a@x.io", tags=["a"])
    after = attrs.evolve(before, email="ada@x.io", tags=["a", "b"])
    assert ContactUpdate.changes(before, after).to_body() == {
        "email": "ada@x.io",
        "tags": ["a", "b"],
    }
    assert ContactUpdate.changes(before, before).to_body() == {}


# ---------------------------------------------------------------- through the client


def test_a_model_and_its_keyword_fields_send_the_same_body(ghl: GHLClient) -> None:
    with respx.mock(assert_all_called=True) as mock:
        route = mock.put(BASE + f"/contacts/{CONTACT_ID}").mock(
            return_value=httpx.Response(200, json={"contact": CONTACT_JSON})
        )
        ghl.contacts.update(CONTACT_ID, ContactUpdate(phone="+15550100", email=None))
        ghl.contacts.update(CONTACT_ID, phone="+15550100", email=None)
        ghl.contacts.update(CONTACT_ID, ContactUpdate(phone="+1"), email=None, phone="+15550100")
    bodies = [json_of(call.request) for call in route.calls]
    assert bodies == [{"phone": "+15550100", "email": None}] * 3


def test_every_write_takes_its_model(ghl: GHLClient) -> None:
    due = "2030-01-02T09:30:00Z"
    with respx.mock(assert_all_called=True) as mock:
        created = mock.post(BASE + "/contacts/").mock(
            return_value=httpx.Response(201, json={"contact": CONTACT_JSON})
        )
        upserted = mock.post(BASE + "/contacts/upsert").mock(
            return_value=httpx.Response(200, json={"new": True, "contact": CONTACT_JSON})
        )
        task = mock.post(BASE + "/contacts/c1/tasks").mock(
            return_value=httpx.Response(201, json={"task": TASK_JSON})
        )
        note = mock.put(BASE + "/contacts/c1/notes/n1").mock(
            return_value=httpx.Response(200, json={"note": NOTE_JSON})
        )
        booked = mock.post(BASE + "/calendars/events/appointments").mock(
            return_value=httpx.Response(201, json={"id": "ev1", "calendarId": "cal1"})
        )
        ghl.contacts.create(ContactCreate(first_name="Ada", company_name="Acme"))
        ghl.contacts.upsert(ContactUpsert(email="a@x.io", create_new_if_duplicate_allowed=False))
        ghl.tasks.create("c1", TaskCreate(title="Call", due_date=due))
        ghl.notes.update("c1", "n1", NoteUpdate(pinned=True))
        ghl.appointments.create(
            AppointmentCreate(calendar_id="cal1", contact_id="c1", start_time=due)
        )
    assert json_of(created.calls.last.request) == {
        "locationId": LOCATION,
        "firstName": "Ada",
        "companyName": "Acme",
    }
    assert json_of(upserted.calls.last.request) == {
        "locationId": LOCATION,
        "email": "a@x.io",
        "createNewIfDuplicateAllowed": False,
    }
    assert json_of(task.calls.last.request) == {"title": "Call", "dueDate": due, "completed": False}
    assert json_of(note.calls.last.request) == {"pinned": True}
    assert json_of(booked.calls.last.request) == {
        "calendarId": "cal1",
        "contactId": "c1",
        "startTime": due,
        "locationId": LOCATION,
    }


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda g: g.contacts.update("c1", frist_name="A"), "did you mean 'first_name'"),
        (lambda g: g.contacts.update("c1", gender="f"), "unknown field 'gender'"),
        (lambda g: g.contacts.create(ContactUpdate(first_name="A")), "takes a ContactCreate"),
        (lambda g: g.contacts.upsert(tags="vip"), "list of strings"),
        (lambda g: g.tasks.create("c1", title="T"), "needs due_date"),
        (lambda g: g.notes.create("c1", body=3), "body must be a string"),
        (lambda g: g.appointments.update("ev1", contact_id="c2"), "unknown field 'contact_id'"),
        (lambda g: g.custom_fields.create(name="Size", data_typ="TEXT"), "'data_type'"),
        (lambda g: g.custom_fields.update("f1", placeholder="x"), "needs name"),
    ],
)
def test_bad_fields_fail_before_any_request(ghl: GHLClient, call: Any, match: str) -> None:
    with respx.mock(assert_all_mocked=True) as mock, pytest.raises(TypeError, match=match):
        call(ghl)
    assert mock.calls.call_count == 0


async def test_bad_fields_fail_before_any_request_async(aghl: AsyncGHLClient) -> None:
    with respx.mock(assert_all_mocked=True) as mock:
        with pytest.raises(TypeError, match="did you mean 'email'"):
            await aghl.contacts.create(emial="a@x.io")
        with pytest.raises(ValueError, match="no field to change"):
            await aghl.tasks.update("c1", "t1")
    assert mock.calls.call_count == 0


# ---------------------------------------------------------------- read, change one, write

_TEXT = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=20)
_CONTACT_CHANGES = st.one_of(
    st.tuples(
        st.sampled_from(
            [
                ("first_name", "firstName"),
                ("last_name", "lastName"),
                ("email", "email"),
                ("phone", "phone"),
                ("city", "city"),
                ("postal_code", "postalCode"),
                ("website", "website"),
                ("assigned_to", "assignedTo"),
            ]
        ),
        st.one_of(st.none(), _TEXT),
    ),
    st.tuples(st.just(("dnd", "dnd")), st.booleans()),
    st.tuples(
        st.just(("tags", "tags")),
        st.lists(_TEXT.filter(lambda t: t.strip() != ""), max_size=3),
    ),
)


def _client(transport: httpx.MockTransport) -> GHLClient:
    return GHLClient(
        token=TOKEN,
        location_id=LOCATION,
        max_retries=0,
        rate_limiting=False,
        http_client=httpx.Client(transport=transport),
    )


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(change=_CONTACT_CHANGES)
def test_read_change_one_contact_field_write_sends_only_that_field(
    change: tuple[tuple[str, str], Any],
) -> None:
    (name, wire), value = change
    sent: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return httpx.Response(200, json={"contact": CONTACT_JSON})

    with _client(httpx.MockTransport(handler)) as ghl:
        before = ghl.contacts.get(CONTACT_ID)
        after = attrs.evolve(before, **{name: value})
        changes = ContactUpdate.changes(before, after)
        if getattr(before, name) == value:
            assert changes.to_body() == {}
            return
        ghl.contacts.update(CONTACT_ID, changes)
    assert [r.method for r in sent] == ["GET", "PUT"]
    assert json_of(sent[-1]) == {wire: value}


@settings(max_examples=40, deadline=None)
@given(
    field=st.sampled_from(["title", "body", "assigned_to", "completed", "due_date"]),
    data=st.data(),
)
def test_read_change_one_task_field_write_sends_only_that_field(field: str, data: Any) -> None:
    values = {
        "title": _TEXT.filter(str.strip),
        "body": _TEXT,
        "assigned_to": _TEXT,
        "completed": st.booleans(),
        "due_date": st.datetimes(timezones=st.just(timezone.utc)),
    }
    value = data.draw(values[field])
    before = Task(**{**{k: v for k, v in _task().items() if k != "extra"}})
    after = attrs.evolve(before, **{field: value})
    body = TaskUpdate.changes(before, after).to_body()
    if getattr(before, field) == value:
        assert body == {}
    else:
        wire = {"assigned_to": "assignedTo", "due_date": "dueDate"}.get(field, field)
        assert list(body) == [wire]


def _task() -> dict[str, Any]:
    return {
        "id": "task1",
        "title": "First Task",
        "body": "b",
        "assigned_to": "user1",
        "due_date": datetime(2021, 7, 8, 2, 30, tzinfo=timezone.utc),
        "completed": False,
    }


def test_read_change_one_note_field_write(ghl: GHLClient) -> None:
    with respx.mock(assert_all_called=True) as mock:
        mock.get(BASE + "/contacts/c1/notes/note1").mock(
            return_value=httpx.Response(200, json={"note": NOTE_JSON})
        )
        put = mock.put(BASE + "/contacts/c1/notes/note1").mock(
            return_value=httpx.Response(200, json={"note": NOTE_JSON})
        )
        before: Note = ghl.notes.get("c1", "note1")
        ghl.notes.update(
            "c1", "note1", NoteUpdate.changes(before, attrs.evolve(before, pinned=True))
        )
    assert json_of(put.calls.last.request) == {"pinned": True}


# ---------------------------------------------------------------- custom fields by key


def test_model_custom_fields_by_key_resolve_through_the_registry(ghl: GHLClient) -> None:
    with respx.mock(assert_all_called=True) as mock:
        fields = mock.get(BASE + f"/locations/{LOCATION}/customFields").mock(
            return_value=httpx.Response(200, json=FIELDS_JSON)
        )
        put = mock.put(BASE + "/contacts/c1").mock(
            return_value=httpx.Response(200, json={"contact": CONTACT_JSON})
        )
        ghl.contacts.update("c1", ContactUpdate(custom_fields={"contact.size": 4}, city="Oslo"))
        ghl.contacts.update("c1", custom_fields={"size": 5})  # cached: no second load
    assert fields.call_count == 1
    assert [json_of(c.request) for c in put.calls] == [
        {"city": "Oslo", "customFields": [{"id": "f-size", "field_value": 4}]},
        {"customFields": [{"id": "f-size", "field_value": 5}]},
    ]


def test_a_registry_that_fails_to_load_stops_the_write(ghl: GHLClient) -> None:
    with respx.mock(assert_all_called=True) as mock:
        fields = mock.get(BASE + f"/locations/{LOCATION}/customFields").mock(
            side_effect=[
                httpx.Response(500, json={"message": "down"}),
                httpx.Response(200, json=FIELDS_JSON),
            ]
        )
        post = mock.post(BASE + "/contacts/").mock(
            return_value=httpx.Response(201, json={"contact": CONTACT_JSON})
        )
        with pytest.raises(InternalServerError):
            ghl.contacts.create(first_name="Ada", custom_fields={"contact.size": 1})
        assert post.call_count == 0  # nothing half-written
        ghl.contacts.create(first_name="Ada", custom_fields={"contact.size": 1})  # recovers
    assert fields.call_count == 2
    assert json_of(post.calls.last.request)["customFields"] == [{"id": "f-size", "field_value": 1}]


async def test_unknown_key_fails_before_the_write_async(aghl: AsyncGHLClient) -> None:
    with respx.mock(assert_all_called=False) as mock:
        fields = mock.get(BASE + f"/locations/{LOCATION}/customFields").mock(
            return_value=httpx.Response(200, json=FIELDS_JSON)
        )
        post = mock.post(BASE + "/contacts/upsert")
        with pytest.raises(UnknownCustomFieldError, match=r"'nope'"):
            await aghl.contacts.upsert(ContactUpsert(email="a@x.io", custom_fields={"nope": 1}))
    assert post.call_count == 0
    assert fields.call_count == 1  # the first load is the reload: still unknown


def test_raw_mode_returns_the_write_after_resolving_keys(ghl: GHLClient) -> None:
    with respx.mock(assert_all_called=True) as mock:
        mock.get(BASE + f"/locations/{LOCATION}/customFields").mock(
            return_value=httpx.Response(200, json=FIELDS_JSON)
        )
        mock.post(BASE + "/contacts/").mock(
            return_value=httpx.Response(201, json={"contact": CONTACT_JSON})
        )
        raw = ghl.with_raw_response.contacts.create(custom_fields={"contact.size": 2})
    assert raw.status_code == 201
    assert raw.parse().id == CONTACT_ID


# ---------------------------------------------------------------- the twins are one method


def test_methods_are_named_and_documented_from_their_builder() -> None:
    for cls in (res.Contacts, res.AsyncContacts):
        update = cls.update
        assert update.__name__ == "update"
        assert update.__qualname__ == f"{cls.__name__}.update"
        assert update.__doc__ == res.contacts.update_contact.__doc__
        params = list(inspect.signature(update).parameters)
        assert params == ["self", "contact_id", "changes", "options", "fields"]
    assert inspect.signature(res.Contacts.list).return_annotation == "SyncPager[Contact]"
    assert inspect.signature(res.AsyncContacts.list).return_annotation == "AsyncPager[Contact]"
