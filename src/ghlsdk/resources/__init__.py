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
from ghlsdk.resources.contacts import AsyncContacts, Contacts
from ghlsdk.resources.notes import AsyncNotes, Notes
from ghlsdk.resources.tasks import AsyncTasks, Tasks

__all__ = [
    "Appointments",
    "AsyncAppointments",
    "AsyncCampaigns",
    "AsyncContacts",
    "AsyncFollowers",
    "AsyncNotes",
    "AsyncTags",
    "AsyncTasks",
    "AsyncWorkflows",
    "Campaigns",
    "Contacts",
    "Followers",
    "Notes",
    "Tags",
    "Tasks",
    "Workflows",
]
