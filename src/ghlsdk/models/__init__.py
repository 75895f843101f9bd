"""Typed models for the GHL API: frozen attrs classes, snake_case in Python, camelCase on the
wire. Unknown keys are kept in ``extra`` so a record read and written back loses nothing."""

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
    "to_wire",
]
