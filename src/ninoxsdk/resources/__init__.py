"""Resource classes of the Ninox client, in sync/async twins over pure operation builders."""

from ninoxsdk.resources.database import (
    AsyncDatabaseHandle,
    AsyncDatabases,
    AsyncTables,
    AsyncTeams,
    DatabaseHandle,
    Databases,
    Tables,
    Teams,
)
from ninoxsdk.resources.records import (
    AsyncChanges,
    AsyncRecordFiles,
    AsyncTableHandle,
    Changes,
    RecordFiles,
    TableHandle,
)

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
