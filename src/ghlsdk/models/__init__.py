"""Typed models for the GHL API: frozen attrs classes, snake_case in Python, camelCase on the
wire. Unknown keys are kept in ``extra`` so a record read and written back loses nothing, and
[`to_wire`][ghlsdk.models.to_wire] writes the keys the record had plus what was set since
(change fields with [`replace`][ghlsdk.models.replace] or ``attrs.evolve``)."""

from _sdkcore.serde import present_keys, replace
from ghlsdk.models._converter import converter, to_wire
from ghlsdk.models.common import (
    AttributionSource,
    CustomField,
    DndSetting,
    DndStatus,
    FollowersUpdate,
    InboundDndSetting,
)
from ghlsdk.models.contacts import Contact, ContactType, CustomFieldInput, UpsertResult
from ghlsdk.models.records import Appointment, AppointmentStatus, Note, Task

__all__ = [
    "Appointment",
    "AppointmentStatus",
    "AttributionSource",
    "Contact",
    "ContactType",
    "CustomField",
    "CustomFieldInput",
    "DndSetting",
    "DndStatus",
    "FollowersUpdate",
    "InboundDndSetting",
    "Note",
    "Task",
    "UpsertResult",
    "converter",
    "present_keys",
    "replace",
    "to_wire",
]
