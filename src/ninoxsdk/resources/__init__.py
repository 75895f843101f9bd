"""Resource classes of the Ninox client. Each method is written once, as a builder named in a
table that the sync class and its async twin both inherit (``_sdkcore.twins``)."""

from ninoxsdk.resources._database import (
    AsyncDatabaseHandle,
    AsyncTables,
    DatabaseHandle,
    Tables,
)
from ninoxsdk.resources._files import AsyncRecordFiles, RecordFiles
from ninoxsdk.resources._table import AsyncChanges, AsyncTableHandle, Changes, TableHandle
from ninoxsdk.resources._teams import AsyncDatabases, AsyncTeams, Databases, Teams

__all__ = [
    "AsyncChanges",
    "AsyncDatabaseHandle",
    "AsyncDatabases",
    "AsyncRecordFiles",
    "AsyncTableHandle",
    "AsyncTables",
    "AsyncTeams",
    "Changes",
    "DatabaseHandle",
    "Databases",
    "RecordFiles",
    "TableHandle",
    "Tables",
    "Teams",
]
