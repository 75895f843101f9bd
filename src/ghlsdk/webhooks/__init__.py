"""HighLevel webhooks: typed events, signature verification, de-duplication.

>>> from ghlsdk import webhooks
>>> event = webhooks.verify(raw_body, request.headers)   # raises WebhookVerificationError
>>> if isinstance(event, webhooks.ContactCreateEvent): ...

[`parse_event`][ghlsdk.webhooks.parse_event] needs nothing extra; [`verify`][ghlsdk.webhooks.verify]
needs ``cryptography``
(``pip install 'ghl-ninox[webhooks]'``), imported only when used.
"""

from ghlsdk.webhooks._dedup import WebhookDeduplicator
from ghlsdk.webhooks._events import (
    EVENT_TYPES,
    AppointmentCreateEvent,
    AppointmentDeleteEvent,
    AppointmentEvent,
    AppointmentUpdateEvent,
    AppTrial,
    ContactCreateEvent,
    ContactDeleteEvent,
    ContactDndUpdateEvent,
    ContactEvent,
    ContactTagUpdateEvent,
    ContactUpdateEvent,
    DndChannelSetting,
    InstallEvent,
    NoteCreateEvent,
    NoteDeleteEvent,
    NoteEvent,
    NoteUpdateEvent,
    TaskCompleteEvent,
    TaskCreateEvent,
    TaskDeleteEvent,
    TaskEvent,
    UninstallEvent,
    UnknownEvent,
    WebhookAppointment,
    WebhookCustomField,
    WebhookEvent,
    WebhookPayloadError,
    WhitelabelDetails,
    parse_event,
)
from ghlsdk.webhooks._verify import (
    DEFAULT_TOLERANCE,
    ED25519_HEADER,
    RSA_HEADER,
    WebhookKeys,
    WebhookVerificationError,
    verify,
    verify_signature,
)

__all__ = [
    "DEFAULT_TOLERANCE",
    "ED25519_HEADER",
    "EVENT_TYPES",
    "RSA_HEADER",
    "AppTrial",
    "AppointmentCreateEvent",
    "AppointmentDeleteEvent",
    "AppointmentEvent",
    "AppointmentUpdateEvent",
    "ContactCreateEvent",
    "ContactDeleteEvent",
    "ContactDndUpdateEvent",
    "ContactEvent",
    "ContactTagUpdateEvent",
    "ContactUpdateEvent",
    "DndChannelSetting",
    "InstallEvent",
    "NoteCreateEvent",
    "NoteDeleteEvent",
    "NoteEvent",
    "NoteUpdateEvent",
    "TaskCompleteEvent",
    "TaskCreateEvent",
    "TaskDeleteEvent",
    "TaskEvent",
    "UninstallEvent",
    "UnknownEvent",
    "WebhookAppointment",
    "WebhookCustomField",
    "WebhookDeduplicator",
    "WebhookEvent",
    "WebhookKeys",
    "WebhookPayloadError",
    "WebhookVerificationError",
    "WhitelabelDetails",
    "parse_event",
    "verify",
    "verify_signature",
]
