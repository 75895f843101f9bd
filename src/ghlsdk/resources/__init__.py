"""Resource classes (sync and async twins) and the pure operation builders behind them."""

from ghlsdk.resources.appointments import Appointments, AsyncAppointments
from ghlsdk.resources.associations import (
    AsyncCampaigns,
    AsyncFollowers,
    AsyncTags,
    AsyncWorkflows,
    Campaigns,
    Followers,
    Tags,
    Workflows,
)
from ghlsdk.resources.bulk import AsyncBusinesses, Businesses
from ghlsdk.resources.calendars import AsyncCalendars, Calendars
from ghlsdk.resources.contacts import AsyncContacts, Contacts
from ghlsdk.resources.custom_fields import (
    AsyncCustomFieldRegistry,
    AsyncCustomFields,
    CustomFieldRegistry,
    CustomFields,
    UnknownCustomFieldError,
)
from ghlsdk.resources.notes import AsyncNotes, Notes
from ghlsdk.resources.tasks import AsyncTasks, Tasks

__all__ = [
    "Appointments",
    "AsyncAppointments",
    "AsyncBusinesses",
    "AsyncCalendars",
    "AsyncCampaigns",
    "AsyncContacts",
    "AsyncCustomFieldRegistry",
    "AsyncCustomFields",
    "AsyncFollowers",
    "AsyncNotes",
    "AsyncTags",
    "AsyncTasks",
    "AsyncWorkflows",
    "Businesses",
    "Calendars",
    "Campaigns",
    "Contacts",
    "CustomFieldRegistry",
    "CustomFields",
    "Followers",
    "Notes",
    "Tags",
    "Tasks",
    "UnknownCustomFieldError",
    "Workflows",
]
