"""Default mappings and the default Ninox layout for contacts, tasks, notes and appointments.

================  =============================================  ===========================
Ninox table       field: Ninox type                              GHL source
================  =============================================  ===========================
``Contacts``      ``GHL Id``: string (key)                       ``id``
                  ``First Name``: string                         ``firstName``
                  ``Last Name``: string                          ``lastName``
                  ``Email``: email                               ``email``
                  ``Phone``: phone                               ``phone`` (E.164)
``Tasks``         ``GHL Id``: string (key)                       ``id``
                  ``Title``: string                              ``title``
                  ``Due Date``: datetime                         ``dueDate``
                  ``Completed``: boolean                         ``completed``
                  ``Contact``: ref → Contacts                    ``contactId``
``Notes``         ``GHL Id``: string (key)                       ``id``
                  ``Body``: string                               ``body``
                  ``Contact``: ref → Contacts                    ``contactId``
``Appointments``  ``GHL Id``: string (key)                       ``id``
                  ``Title``: string                              ``title``
                  ``Start``: datetime                            ``startTime``
                  ``End``: datetime                              ``endTime``
                  ``Status``: string                             ``appointmentStatus``
                  ``Contact``: ref → Contacts                    ``contactId``
================  =============================================  ===========================

`default_layout` returns this as plain data; `default_mappings` the mappings.
(`bridge.mappers` is the old name of this module and still works.)
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timezone, tzinfo
from typing import Any

from bridge.canonical import DEFAULT_PHONE, PhoneNormalizer
from bridge.mapping.entity import EntityMapping
from bridge.mapping.fields import CustomField, Direction, FieldMap, FullName, KeyMap, RefMap
from bridge.mapping.kinds import (
    BOOL,
    EMAIL,
    JSON,
    NAME,
    TEXT,
    ChoiceKind,
    DateTimeKind,
    Kind,
    PhoneKind,
)
from bridge.mapping.set import MappingSet

__all__ = [
    "CONTACT_REF",
    "DEFAULT_KEY",
    "appointments_mapping",
    "contacts_mapping",
    "custom_field",
    "default_layout",
    "default_mappings",
    "full_name_field",
    "layout_types",
    "notes_mapping",
    "task_status_choice",
    "tasks_mapping",
]

#: The key every default table uses: GHL ``id`` stored in Ninox text field ``GHL Id``.
DEFAULT_KEY = KeyMap(ghl="id", ninox="GHL Id", ninox_type="string")

#: How tasks, notes and appointments point at their contact.
CONTACT_REF = RefMap(name="contact", ghl="contactId", ninox="Contact", table="Contacts")


def full_name_field(ninox: str = "Name", *, direction: Direction | str = "both") -> FieldMap:
    """One Ninox full-name field for GHL ``firstName`` + ``lastName``.

    GHL → Ninox joins the two ("Ada" + "Lovelace" → "Ada Lovelace"). Ninox → GHL keeps the
    contact's current split when it still composes to the same name, otherwise splits with
    [`split_full_name`][bridge.mapping.split_full_name] (first word = first name, rest = last name;
    ``"Lovelace, Ada"`` → first "Ada", last "Lovelace"). Compared on the canonical full name.
    """
    return FieldMap(name="name", ghl=FullName(), ninox=ninox, kind=NAME, direction=direction)


def task_status_choice(
    *, ninox: str = "Status", done: str = "Completed", open: str = "Open"
) -> FieldMap:
    """GHL task ``completed`` ↔ a Ninox choice field (``done`` / ``open`` captions)."""
    return FieldMap(
        name="completed",
        ghl="completed",
        ninox=ninox,
        kind=ChoiceKind({True: done, False: open}, base=BOOL),
        ninox_type="choice",
        choices=(open, done),
    )


def custom_field(
    field_id: str,
    ninox: str,
    *,
    name: str | None = None,
    kind: Kind = JSON,
    ninox_type: str = "string",
    direction: Direction | str = "both",
) -> FieldMap:
    """A GHL contact custom field (by id) ↔ a Ninox field.

    ``kind`` sets the canonical form (``JSON`` keeps any JSON value, trimmed; use ``TEXT``,
    ``NUMBER``, ``DATE``, ``BOOL`` ... when the custom field has that type). ``name`` defaults to
    ``"cf:<id>"``.
    """
    return FieldMap(
        name=name or f"cf:{field_id}",
        ghl=CustomField(field_id),
        ninox=ninox,
        kind=kind,
        ninox_type=ninox_type,
        direction=direction,
    )


def contacts_mapping(
    *,
    table: str = "Contacts",
    phone: PhoneNormalizer = DEFAULT_PHONE,
    full_name: str | None = None,
    ninox_id_field: str | None = None,
) -> EntityMapping:
    """GHL contacts ↔ Ninox ``Contacts``: id, first / last name, email, phone.

    ``full_name="Name"`` maps the name to one Ninox field instead of ``First Name`` and
    ``Last Name`` (see `full_name_field`). ``phone`` configures E.164 normalisation.
    ``ninox_id_field`` is the id of a GHL contact custom field that stores the Ninox record id
    (see [`KeyMap`][bridge.mapping.KeyMap]).
    """
    if full_name is not None:
        names = [full_name_field(full_name)]
    else:
        names = [
            FieldMap(name="first_name", ghl="firstName", ninox="First Name", kind=NAME),
            FieldMap(name="last_name", ghl="lastName", ninox="Last Name", kind=NAME),
        ]
    return EntityMapping(
        entity="contact",
        ninox_table=table,
        key=KeyMap(ghl="id", ninox="GHL Id", ghl_ninox_id=ninox_id_field),
        fields=[
            *names,
            FieldMap(name="email", ghl="email", ninox="Email", kind=EMAIL, ninox_type="email"),
            FieldMap(
                name="phone", ghl="phone", ninox="Phone", kind=PhoneKind(phone), ninox_type="phone"
            ),
        ],
    )


def _contact_ref(contacts_table: str) -> RefMap:
    return RefMap(name="contact", ghl="contactId", ninox="Contact", table=contacts_table)


def tasks_mapping(
    *,
    table: str = "Tasks",
    contacts_table: str = "Contacts",
    ninox_tz: tzinfo = timezone.utc,
    status: FieldMap | None = None,
) -> EntityMapping:
    """GHL tasks ↔ Ninox ``Tasks``: id, title, due date, completed, and the contact.

    ``status`` replaces the ``Completed`` boolean, e.g. with `task_status_choice`.
    ``ninox_tz`` is the zone Ninox date-times are in (UTC by default, UNCONFIRMED).
    """
    completed = status or FieldMap(
        name="completed", ghl="completed", ninox="Completed", kind=BOOL, ninox_type="boolean"
    )
    return EntityMapping(
        entity="task",
        ninox_table=table,
        key=DEFAULT_KEY,
        fields=[
            FieldMap(name="title", ghl="title", ninox="Title", kind=TEXT),
            FieldMap(
                name="due_date",
                ghl="dueDate",
                ninox="Due Date",
                kind=DateTimeKind(ninox_tz=ninox_tz),
                ninox_type="datetime",
            ),
            completed,
        ],
        refs=[_contact_ref(contacts_table)],
    )


def notes_mapping(*, table: str = "Notes", contacts_table: str = "Contacts") -> EntityMapping:
    """GHL notes ↔ Ninox ``Notes``: id, body, and the contact."""
    return EntityMapping(
        entity="note",
        ninox_table=table,
        key=DEFAULT_KEY,
        fields=[FieldMap(name="body", ghl="body", ninox="Body", kind=TEXT)],
        refs=[_contact_ref(contacts_table)],
    )


def appointments_mapping(
    *,
    table: str = "Appointments",
    contacts_table: str = "Contacts",
    ninox_tz: tzinfo = timezone.utc,
    ghl_naive_tz: tzinfo = timezone.utc,
) -> EntityMapping:
    """GHL appointments ↔ Ninox ``Appointments``: id, title, start, end, status, contact.

    Times are compared as UTC instants. ``ninox_tz``: zone of Ninox date-times;
    ``ghl_naive_tz``: zone of GHL times sent without an offset (``"2021-07-16 11:00:00"`` in
    the contact-appointments examples). Both default to UTC and are UNCONFIRMED: set them
    for your account. Status is text, so new GHL statuses never fail an item.
    """
    times = DateTimeKind(ninox_tz=ninox_tz, ghl_naive_tz=ghl_naive_tz)
    return EntityMapping(
        entity="appointment",
        ninox_table=table,
        key=DEFAULT_KEY,
        fields=[
            FieldMap(name="title", ghl="title", ninox="Title", kind=TEXT),
            FieldMap(
                name="start", ghl="startTime", ninox="Start", kind=times, ninox_type="datetime"
            ),
            FieldMap(name="end", ghl="endTime", ninox="End", kind=times, ninox_type="datetime"),
            FieldMap(name="status", ghl="appointmentStatus", ninox="Status", kind=TEXT),
        ],
        refs=[_contact_ref(contacts_table)],
    )


def default_mappings(
    *,
    ninox_tz: tzinfo = timezone.utc,
    ghl_naive_tz: tzinfo = timezone.utc,
    phone: PhoneNormalizer = DEFAULT_PHONE,
    full_name: str | None = None,
    task_status: FieldMap | None = None,
    ninox_id_field: str | None = None,
) -> MappingSet:
    """The default mappings of contacts, tasks, notes and appointments (in that order).

    Options: ``ninox_tz`` / ``ghl_naive_tz`` (zones of zone-less times, see
    [`DateTimeKind`][bridge.mapping.DateTimeKind]), ``phone`` (E.164 settings), ``full_name`` (one
    Ninox name field), ``task_status`` (e.g. `task_status_choice`), ``ninox_id_field`` (GHL
    custom field id that stores the Ninox record id of a contact).
    """
    return MappingSet(
        (
            contacts_mapping(phone=phone, full_name=full_name, ninox_id_field=ninox_id_field),
            tasks_mapping(ninox_tz=ninox_tz, status=task_status),
            notes_mapping(),
            appointments_mapping(ninox_tz=ninox_tz, ghl_naive_tz=ghl_naive_tz),
        )
    )


def default_layout(**options: Any) -> dict[str, dict[str, dict[str, Any]]]:
    """The default Ninox layout as plain data, tables in creation order (parents first)::

        {"Contacts": {"GHL Id": {"type": "string"}, "First Name": {"type": "string"}, ...},
         "Tasks": {..., "Contact": {"type": "ref", "ref": "Contacts"}}, ...}

    Types are Ninox ``/tables`` type names. ``options`` are those of `default_mappings`
    (e.g. ``full_name="Name"``). The result is itself a valid schema for ``validate``.
    """
    return default_mappings(**options).layout()


def layout_types(
    layout: Mapping[str, Mapping[str, Mapping[str, Any]]],
) -> dict[str, dict[str, str]]:
    """``{table: {field: type}}`` from a layout (drops reference targets and choices)."""
    return {
        table: {name: str(decl["type"]) for name, decl in fields.items()}
        for table, fields in layout.items()
    }
