"""Resource classes of the Ninox client: each async class is written once (``_async``) and its
sync twin generated from it (``_sync``, by ``_sdkcore._unasync``)."""

from ninoxsdk.resources._async import (
    AsyncChanges,
    AsyncDatabaseHandle,
    AsyncDatabases,
    AsyncRecordFiles,
    AsyncTableHandle,
    AsyncTables,
    AsyncTeams,
)
from ninoxsdk.resources._sync import (
    Changes,
    DatabaseHandle,
    Databases,
    RecordFiles,
    TableHandle,
    Tables,
    Teams,
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
