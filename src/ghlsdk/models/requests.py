"""What the write methods send: one request model per body, each field declared once.

``contacts.create/update/upsert``, ``tasks.create/update``, ``notes.create/update``,
``appointments.create/update`` and ``custom_fields.create/update`` take one of these
models, or the same fields as keyword arguments (``ghl.contacts.update(cid, phone="+1555")`` is
``ghl.contacts.update(cid, ContactUpdate(phone="+1555"))``). A field left
[`UNSET`][ghlsdk.UNSET] is not sent; ``None`` is sent as ``null`` where the API allows it.

Every value is checked when the model is built, so an unknown field name, a wrong type or a
missing required field raises ``TypeError`` / ``ValueError`` before any request is sent.
[`changes`][ghlsdk.models.requests.RequestModel.changes] builds the update that turns one
read record into another (only the fields that differ).
"""

# ruff: noqa: RUF009 - opt() is attrs.field() with the wire key and check as metadata
from __future__ import annotations

import difflib
from collections.abc import Callable, Mapping, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any, ClassVar

import attrs
from typing_extensions import Self, TypedDict

from _sdkcore.serde import UNSET, Unset
from ghlsdk.models._converter import to_wire
from ghlsdk.models.common import CustomField, DndSetting, InboundDndSetting
from ghlsdk.models.contacts import CustomFieldInput
from ghlsdk.models.records import AppointmentStatus

__all__ = [
    "AppointmentCreate",
    "AppointmentCreateFields",
    "AppointmentUpdate",
    "AppointmentUpdateFields",
    "ContactCreate",
    "ContactCreateFields",
    "ContactUpdate",
    "ContactUpdateFields",
    "ContactUpsert",
    "ContactUpsertFields",
    "CustomFieldCreate",
    "CustomFieldCreateFields",
    "CustomFieldUpdate",
    "CustomFieldUpdateFields",
    "NoteCreate",
    "NoteCreateFields",
    "NoteUpdate",
    "NoteUpdateFields",
    "RequestModel",
    "TaskCreate",
    "TaskCreateFields",
    "TaskUpdate",
    "TaskUpdateFields",
]

Check = Callable[[str, Any], Any]

# ---------------------------------------------------------------- value checks (pure)


def text(name: str, value: Any) -> Any:
    """A string or ``None`` (sent as ``null``: clears the field)."""
    if value is None:
        return None
    return required_text(name, value)


def required_text(name: str, value: Any) -> str:
    """A string (``None`` is refused)."""
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a string, not {type(value).__name__}")
    return value


def boolean(name: str, value: Any) -> bool:
    """``True`` or ``False`` (not 0/1, not a string)."""
    if not isinstance(value, bool):
        raise TypeError(f"{name} must be True or False, not {value!r}")
    return value


def string_list(name: str, value: Any, *, allow_empty: bool = True) -> list[str]:
    """A list of non-empty strings; a bare string is refused (it would be split per letter)."""
    if isinstance(value, (str, bytes)) or not isinstance(value, Sequence):
        raise TypeError(
            f"{name} must be a list of strings, not {type(value).__name__}"
            + (f"; wrap a single one: [{value!r}]" if isinstance(value, str) else "")
        )
    out = []
    for item in value:
        if not isinstance(item, str) or not item.strip():
            raise ValueError(f"every item of {name} must be a non-empty string, got {item!r}")
        out.append(item)
    if not out and not allow_empty:
        raise ValueError(f"{name} must not be empty")
    return out


def iso_datetime(name: str, value: Any) -> str:
    """An aware datetime (sent as ISO 8601, ``Z`` for UTC) or an ISO string as given."""
    if isinstance(value, datetime):
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(
                f"{name} must be timezone-aware (e.g. datetime(..., tzinfo=timezone.utc)); "
                "a naive datetime is ambiguous"
            )
        return value.isoformat().replace("+00:00", "Z")
    if isinstance(value, str) and value.strip():
        return value
    raise TypeError(f"{name} must be an aware datetime or an ISO 8601 string, not {value!r}")


def date_of_birth(name: str, value: Any) -> Any:
    """A date, or a string like ``"1990-09-25"`` as given; ``None`` clears it."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, str) and value.strip():
        return value
    raise TypeError(f"{name} must be a date or a string like '1990-09-25', not {value!r}")


def _without_none(data: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in data.items() if v is not None}


def dnd_settings(name: str, value: Any) -> dict[str, Any]:
    """``{"Email": DndSetting(status="active")}`` → the wire object (a mapping is kept)."""
    if not isinstance(value, Mapping):
        raise TypeError(f"{name} must be a mapping of channel name to DndSetting")
    out: dict[str, Any] = {}
    for channel, setting in value.items():
        if not isinstance(channel, str):
            raise TypeError(f"{name} keys must be channel names, got {channel!r}")
        if isinstance(setting, DndSetting):
            out[channel] = _without_none(to_wire(setting))
        elif isinstance(setting, Mapping) and "status" in setting:
            out[channel] = dict(setting)
        else:
            raise TypeError(f"{name}[{channel!r}] must be a DndSetting, got {setting!r}")
    return out


def inbound_dnd(name: str, value: Any) -> dict[str, Any]:
    """``InboundDndSetting(status="active")`` → ``{"all": {"status": "active"}}``; the
    read form (``{"all": InboundDndSetting(...)}`` or the wire mapping) is taken too."""
    if isinstance(value, Mapping) and set(value) == {"all"}:
        value = value["all"]
        if isinstance(value, Mapping) and "status" in value:
            return {"all": dict(value)}
    if isinstance(value, InboundDndSetting):
        return {"all": _without_none(to_wire(value))}
    raise TypeError(f"{name} must be an InboundDndSetting")


def custom_fields(name: str, value: Any) -> Any:
    """Custom field inputs: a [`CustomField`][ghlsdk.models.CustomField] read from a contact
    is written back as ``{"id": ..., "field_value": value}``. A mapping names fields by key
    (``{"contact.company_size": 42}``); the resource resolves it to ids before sending."""
    if isinstance(value, Mapping):
        for ref in value:
            if not isinstance(ref, str) or not ref:
                raise TypeError(f"custom fields are named by key or id (a string), got {ref!r}")
        return dict(value)
    if isinstance(value, (str, bytes)) or not isinstance(value, Sequence):
        raise TypeError(
            f"{name} must be a list of CustomFieldInput (or CustomField), or a mapping of "
            "field key to value"
        )
    out: list[dict[str, Any]] = []
    for item in value:
        if isinstance(item, CustomFieldInput):
            out.append(to_wire(item))
        elif isinstance(item, CustomField):
            if not item.id:
                raise ValueError("a CustomField without an id cannot be written back")
            out.append({"id": item.id, "field_value": item.value})
        else:
            raise TypeError(f"{name} items must be CustomFieldInput or CustomField, got {item!r}")
    return out


def appointment_status(name: str, value: Any) -> str:
    """An [`AppointmentStatus`][ghlsdk.AppointmentStatus] or its string value."""
    if not isinstance(value, str):
        raise TypeError(f"{name} must be an AppointmentStatus or a string")
    return AppointmentStatus(value).value


# ---------------------------------------------------------------- fields and the base


def _validate(instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    if not isinstance(value, Unset):
        attribute.metadata["check"](attribute.name, value)


def _meta(wire: str, check: Check) -> dict[str, Any]:
    return {"wire": wire, "check": check}


def opt(wire: str, check: Check = text) -> Any:
    """An optional field: ``wire`` is its camelCase key, ``check`` validates and converts."""
    return attrs.field(default=UNSET, metadata=_meta(wire, check), validator=_validate)


@attrs.frozen(kw_only=True)
class RequestModel:
    """Base of the request models: the body they send, and how methods build them."""

    #: The method the model is for, named in error messages.
    method: ClassVar[str] = ""

    def to_body(self) -> dict[str, Any]:
        """The JSON body: UNSET fields left out, values converted to their wire form.
        Custom fields given by key (a mapping) are left out too: see ``custom_fields_by_key``."""
        body: dict[str, Any] = {}
        for field in attrs.fields(type(self)):
            value = getattr(self, field.name)
            if isinstance(value, Unset) or (
                field.name == "custom_fields" and isinstance(value, Mapping)
            ):
                continue
            body[field.metadata["wire"]] = field.metadata["check"](field.name, value)
        return body

    @property
    def custom_fields_by_key(self) -> Mapping[str, Any] | None:
        """Custom field values named by key or id (``{"contact.size": 42}``), if given so."""
        value = getattr(self, "custom_fields", UNSET)
        return value if isinstance(value, Mapping) else None

    @classmethod
    def field_names(cls) -> tuple[str, ...]:
        """The model's fields, in declaration order."""
        return tuple(f.name for f in attrs.fields(cls))

    @classmethod
    def of(cls, model: Self | None, fields: Mapping[str, Any]) -> Self:
        """The model a method was given: ``model``, the keyword ``fields``, or ``model`` with
        ``fields`` replaced. Unknown or missing fields raise ``TypeError`` naming them."""
        if model is not None and type(model) is not cls:
            raise TypeError(
                f"{cls.method}() takes a {cls.__name__} (or its fields as keyword arguments), "
                f"not {type(model).__name__}"
            )
        names = cls.field_names()
        for name in fields:
            if name not in names:
                close = difflib.get_close_matches(name, names, n=1)
                hint = f" (did you mean {close[0]!r}?)" if close else ""
                raise TypeError(
                    f"{cls.method}() got an unknown field {name!r}{hint}; "
                    f"its fields are: {', '.join(names)}"
                )
        if model is not None:
            return attrs.evolve(model, **fields) if fields else model
        missing = [
            f.name for f in attrs.fields(cls) if f.default is attrs.NOTHING and f.name not in fields
        ]
        if missing:
            raise TypeError(f"{cls.method}() needs {', '.join(missing)}")
        return cls(**fields)

    @classmethod
    def changes(cls, before: Any, after: Any) -> Self:
        """The update that turns record ``before`` into ``after`` (two reads of the same
        record, e.g. ``after = attrs.evolve(before, email=...)``): only the fields of this
        model whose values differ are set, so only they are sent."""
        changed = {
            name: getattr(after, name)
            for name in cls.field_names()
            if hasattr(before, name)
            and hasattr(after, name)
            and getattr(before, name) != getattr(after, name)
        }
        return cls.of(None, changed)


# ---------------------------------------------------------------- contacts


@attrs.frozen(kw_only=True)
class ContactUpdate(RequestModel):
    """The fields ``contacts.update`` sends (the spec's ``UpdateContactDto``: no ``gender``
    or ``company_name``). ``tags`` replaces the whole list (``ghl.tags`` adds/removes);
    ``custom_fields`` is a list of [`CustomFieldInput`][ghlsdk.CustomFieldInput] /
    [`CustomField`][ghlsdk.CustomField], or a mapping of field key (or id) to value."""

    method: ClassVar[str] = "contacts.update"

    first_name: str | Unset | None = opt("firstName")
    last_name: str | Unset | None = opt("lastName")
    name: str | Unset | None = opt("name")
    email: str | Unset | None = opt("email")
    phone: str | Unset | None = opt("phone")
    address1: str | Unset | None = opt("address1")
    city: str | Unset | None = opt("city")
    state: str | Unset | None = opt("state")
    postal_code: str | Unset | None = opt("postalCode")
    country: str | Unset | None = opt("country")
    website: str | Unset | None = opt("website")
    timezone: str | Unset | None = opt("timezone")
    source: str | Unset | None = opt("source")
    assigned_to: str | Unset | None = opt("assignedTo")
    date_of_birth: str | date | Unset | None = opt("dateOfBirth", date_of_birth)
    dnd: bool | Unset = opt("dnd", boolean)
    dnd_settings: Mapping[str, DndSetting] | Unset = opt("dndSettings", dnd_settings)
    inbound_dnd_settings: InboundDndSetting | Mapping[str, Any] | Unset = opt(
        "inboundDndSettings", inbound_dnd
    )
    tags: Sequence[str] | Unset = opt("tags", string_list)
    custom_fields: Sequence[CustomFieldInput | CustomField] | Mapping[str, Any] | Unset = opt(
        "customFields", custom_fields
    )


@attrs.frozen(kw_only=True)
class ContactCreate(ContactUpdate):
    """The fields ``contacts.create`` sends: those of
    [`ContactUpdate`][ghlsdk.models.requests.ContactUpdate], plus ``gender`` and
    ``company_name``."""

    method: ClassVar[str] = "contacts.create"

    gender: str | Unset | None = opt("gender")
    company_name: str | Unset | None = opt("companyName")


@attrs.frozen(kw_only=True)
class ContactUpsert(ContactCreate):
    """The fields ``contacts.upsert`` sends: those of
    [`ContactCreate`][ghlsdk.models.requests.ContactCreate], plus
    ``create_new_if_duplicate_allowed``."""

    method: ClassVar[str] = "contacts.upsert"

    create_new_if_duplicate_allowed: bool | Unset = opt("createNewIfDuplicateAllowed", boolean)


# ---------------------------------------------------------------- tasks and notes


@attrs.frozen(kw_only=True)
class TaskUpdate(RequestModel):
    """The fields ``tasks.update`` sends; ``due_date`` is an aware datetime or an ISO 8601
    string."""

    method: ClassVar[str] = "tasks.update"

    title: str | Unset = opt("title", required_text)
    body: str | Unset = opt("body", required_text)
    due_date: datetime | str | Unset = opt("dueDate", iso_datetime)
    completed: bool | Unset = opt("completed", boolean)
    assigned_to: str | Unset = opt("assignedTo", required_text)


def _non_blank(name: str, value: Any) -> str:
    if not required_text(name, value).strip():
        raise ValueError(f"{name} must not be blank")
    return str(value)


@attrs.frozen(kw_only=True)
class TaskCreate(TaskUpdate):
    """The fields ``tasks.create`` sends: ``title`` and ``due_date`` are required,
    ``completed`` is ``False`` unless given."""

    method: ClassVar[str] = "tasks.create"

    title: str = attrs.field(metadata=_meta("title", _non_blank), validator=_validate)
    due_date: datetime | str = attrs.field(
        metadata=_meta("dueDate", iso_datetime), validator=_validate
    )
    completed: bool | Unset = attrs.field(
        default=False, metadata=_meta("completed", boolean), validator=_validate
    )


@attrs.frozen(kw_only=True)
class NoteUpdate(RequestModel):
    """The fields ``notes.update`` sends (``color`` is a hex string like ``"#FFAA00"``)."""

    method: ClassVar[str] = "notes.update"

    body: str | Unset = opt("body", required_text)
    user_id: str | Unset = opt("userId", required_text)
    title: str | Unset = opt("title", required_text)
    color: str | Unset = opt("color", required_text)
    pinned: bool | Unset = opt("pinned", boolean)


@attrs.frozen(kw_only=True)
class NoteCreate(NoteUpdate):
    """The fields ``notes.create`` sends: ``body`` is required."""

    method: ClassVar[str] = "notes.create"

    body: str = attrs.field(metadata=_meta("body", _non_blank), validator=_validate)


# ---------------------------------------------------------------- appointments


@attrs.frozen(kw_only=True)
class _Appointment(RequestModel):
    end_time: datetime | str | Unset = opt("endTime", iso_datetime)
    title: str | Unset = opt("title", required_text)
    appointment_status: AppointmentStatus | str | Unset = opt(
        "appointmentStatus", appointment_status
    )
    assigned_user_id: str | Unset = opt("assignedUserId", required_text)
    address: str | Unset = opt("address", required_text)
    description: str | Unset = opt("description", required_text)
    meeting_location_type: str | Unset = opt("meetingLocationType", required_text)
    meeting_location_id: str | Unset = opt("meetingLocationId", required_text)
    override_location_config: bool | Unset = opt("overrideLocationConfig", boolean)
    ignore_date_range: bool | Unset = opt("ignoreDateRange", boolean)
    to_notify: bool | Unset = opt("toNotify", boolean)
    ignore_free_slot_validation: bool | Unset = opt("ignoreFreeSlotValidation", boolean)
    rrule: str | Unset = opt("rrule", required_text)


@attrs.frozen(kw_only=True)
class AppointmentUpdate(_Appointment):
    """The fields ``appointments.update`` sends; times are aware datetimes or ISO 8601
    strings."""

    method: ClassVar[str] = "appointments.update"

    calendar_id: str | Unset = opt("calendarId", required_text)
    start_time: datetime | str | Unset = opt("startTime", iso_datetime)


@attrs.frozen(kw_only=True)
class AppointmentCreate(_Appointment):
    """The fields ``appointments.create`` sends: ``calendar_id``, ``contact_id`` and
    ``start_time`` are required (the rest as in
    [`AppointmentUpdate`][ghlsdk.models.requests.AppointmentUpdate])."""

    method: ClassVar[str] = "appointments.create"

    calendar_id: str = attrs.field(metadata=_meta("calendarId", _non_blank), validator=_validate)
    contact_id: str = attrs.field(metadata=_meta("contactId", _non_blank), validator=_validate)
    start_time: datetime | str = attrs.field(
        metadata=_meta("startTime", iso_datetime), validator=_validate
    )


# ---------------------------------------------------------------- custom field definitions


def number(name: str, value: Any) -> float:
    """An int or a float (not a bool)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"{name} must be a number")
    return value


def field_model(name: str, value: Any) -> str:
    """What a custom field belongs to: ``"contact"`` or ``"opportunity"``."""
    if value not in ("contact", "opportunity"):
        raise ValueError(f"{name} must be 'contact' or 'opportunity'")
    return str(value)


def choices(name: str, value: Any) -> list[dict[str, Any]]:
    """The options of a list field, as the API's ``textBoxListOptions`` objects."""
    return [{"label": label, "prefillValue": ""} for label in string_list(name, value)]


@attrs.frozen(kw_only=True)
class CustomFieldUpdate(RequestModel):
    """The fields ``custom_fields.update`` sends (the API requires ``name`` on every
    update); ``choices`` are the options of a list field."""

    method: ClassVar[str] = "custom_fields.update"

    name: str = attrs.field(metadata=_meta("name", _non_blank), validator=_validate)
    placeholder: str | Unset = opt("placeholder", required_text)
    position: float | Unset = opt("position", number)
    model: str | Unset = opt("model", field_model)
    accepted_format: Sequence[str] | Unset = opt("acceptedFormat", string_list)
    is_multiple_file: bool | Unset = opt("isMultipleFile", boolean)
    max_number_of_files: int | Unset = opt("maxNumberOfFiles", number)
    choices: Sequence[str] | Unset = opt("textBoxListOptions", choices)


@attrs.frozen(kw_only=True)
class CustomFieldCreate(CustomFieldUpdate):
    """The fields ``custom_fields.create`` sends: those of
    [`CustomFieldUpdate`][ghlsdk.models.requests.CustomFieldUpdate] and ``data_type``
    (``TEXT``, ``NUMERICAL``, ``CHECKBOX``...)."""

    method: ClassVar[str] = "custom_fields.create"

    data_type: str = attrs.field(metadata=_meta("dataType", _non_blank), validator=_validate)


# ---------------------------------------------------------------- keyword forms

_BEGIN = "# BEGIN GENERATED: the keyword forms"
_END = "# END GENERATED"


def _keyword_form(model: type[RequestModel]) -> str:
    """The ``TypedDict`` of ``model``'s fields (the type of a method's ``**fields``)."""
    name = model.__name__.lstrip("_") + "Fields"
    base = model.__mro__[1]
    own = [f for f in attrs.fields(model) if not f.inherited]
    inherit = (
        base is not RequestModel and not {f.name for f in own} & attrs.fields_dict(base).keys()
    )
    parent = (base.__name__.lstrip("_") + "Fields") if inherit else "TypedDict"
    fields = own if inherit else list(attrs.fields(model))
    what = f"``{model.method}``" if model.method else "the methods below"
    lines = [
        f"class {name}({parent}, total=False):",
        f'    """The keyword arguments of {what}: the fields of ``{model.__name__}``."""',
        "",
        *(f"    {f.name}: {f.type}" for f in fields),
    ]
    return "\n".join(lines)


def keyword_forms() -> str:
    """The generated block at the end of this module, as it should read."""
    models: list[type[RequestModel]] = []
    pending = list(RequestModel.__subclasses__())
    while pending:
        model = pending.pop(0)
        if globals().get(model.__name__) is not model:
            continue  # a class attrs replaced (slots), not yet collected
        models.append(model)
        pending[:0] = model.__subclasses__()
    forms = "\n\n\n".join(_keyword_form(m) for m in models)
    header = (
        "# Made from the models above by ghlsdk.models.requests.regenerate(); a test fails\n"
        "# when they disagree (tests/ghlsdk/test_request_models.py). Do not edit by hand."
    )
    return f"{_BEGIN}\n{header}\n\n\n{forms}\n\n\n{_END}\n"


def regenerate(path: Path = Path(__file__)) -> bool:
    """Rewrite the generated block of this module from the models; ``True`` if it changed."""
    text = path.read_text(encoding="utf-8")
    marker = f"\n{_BEGIN}\n"
    head = text[: text.index(marker) + 1] if marker in text else text + "\n\n"
    new = head + keyword_forms()
    if new != text:
        path.write_text(new, encoding="utf-8")
    return new != text


# BEGIN GENERATED: the keyword forms
# Made from the models above by ghlsdk.models.requests.regenerate(); a test fails
# when they disagree (tests/ghlsdk/test_request_models.py). Do not edit by hand.


class ContactUpdateFields(TypedDict, total=False):
    """The keyword arguments of ``contacts.update``: the fields of ``ContactUpdate``."""

    first_name: str | Unset | None
    last_name: str | Unset | None
    name: str | Unset | None
    email: str | Unset | None
    phone: str | Unset | None
    address1: str | Unset | None
    city: str | Unset | None
    state: str | Unset | None
    postal_code: str | Unset | None
    country: str | Unset | None
    website: str | Unset | None
    timezone: str | Unset | None
    source: str | Unset | None
    assigned_to: str | Unset | None
    date_of_birth: str | date | Unset | None
    dnd: bool | Unset
    dnd_settings: Mapping[str, DndSetting] | Unset
    inbound_dnd_settings: InboundDndSetting | Mapping[str, Any] | Unset
    tags: Sequence[str] | Unset
    custom_fields: Sequence[CustomFieldInput | CustomField] | Mapping[str, Any] | Unset


class ContactCreateFields(ContactUpdateFields, total=False):
    """The keyword arguments of ``contacts.create``: the fields of ``ContactCreate``."""

    gender: str | Unset | None
    company_name: str | Unset | None


class ContactUpsertFields(ContactCreateFields, total=False):
    """The keyword arguments of ``contacts.upsert``: the fields of ``ContactUpsert``."""

    create_new_if_duplicate_allowed: bool | Unset


class TaskUpdateFields(TypedDict, total=False):
    """The keyword arguments of ``tasks.update``: the fields of ``TaskUpdate``."""

    title: str | Unset
    body: str | Unset
    due_date: datetime | str | Unset
    completed: bool | Unset
    assigned_to: str | Unset


class TaskCreateFields(TypedDict, total=False):
    """The keyword arguments of ``tasks.create``: the fields of ``TaskCreate``."""

    body: str | Unset
    assigned_to: str | Unset
    title: str
    due_date: datetime | str
    completed: bool | Unset


class NoteUpdateFields(TypedDict, total=False):
    """The keyword arguments of ``notes.update``: the fields of ``NoteUpdate``."""

    body: str | Unset
    user_id: str | Unset
    title: str | Unset
    color: str | Unset
    pinned: bool | Unset


class NoteCreateFields(TypedDict, total=False):
    """The keyword arguments of ``notes.create``: the fields of ``NoteCreate``."""

    user_id: str | Unset
    title: str | Unset
    color: str | Unset
    pinned: bool | Unset
    body: str


class AppointmentFields(TypedDict, total=False):
    """The keyword arguments of the methods below: the fields of ``_Appointment``."""

    end_time: datetime | str | Unset
    title: str | Unset
    appointment_status: AppointmentStatus | str | Unset
    assigned_user_id: str | Unset
    address: str | Unset
    description: str | Unset
    meeting_location_type: str | Unset
    meeting_location_id: str | Unset
    override_location_config: bool | Unset
    ignore_date_range: bool | Unset
    to_notify: bool | Unset
    ignore_free_slot_validation: bool | Unset
    rrule: str | Unset


class AppointmentUpdateFields(AppointmentFields, total=False):
    """The keyword arguments of ``appointments.update``: the fields of ``AppointmentUpdate``."""

    calendar_id: str | Unset
    start_time: datetime | str | Unset


class AppointmentCreateFields(AppointmentFields, total=False):
    """The keyword arguments of ``appointments.create``: the fields of ``AppointmentCreate``."""

    calendar_id: str
    contact_id: str
    start_time: datetime | str


class CustomFieldUpdateFields(TypedDict, total=False):
    """The keyword arguments of ``custom_fields.update``: the fields of ``CustomFieldUpdate``."""

    name: str
    placeholder: str | Unset
    position: float | Unset
    model: str | Unset
    accepted_format: Sequence[str] | Unset
    is_multiple_file: bool | Unset
    max_number_of_files: int | Unset
    choices: Sequence[str] | Unset


class CustomFieldCreateFields(CustomFieldUpdateFields, total=False):
    """The keyword arguments of ``custom_fields.create``: the fields of ``CustomFieldCreate``."""

    data_type: str


# END GENERATED
