"""Typed sync and async client for the Ninox classic REST API (``/v1/teams/...``).

```python
from ninoxsdk import NinoxClient

with NinoxClient(api_key="...") as nx:
    db = nx.database(team_id, database_id)
    contacts = db.table("Contacts")
    for record in contacts.list():          # every record, fetched page by page
        print(record.id, record.fields["Email"])
```

``AsyncNinoxClient`` is the same with ``await`` / ``async for``. A ``list()`` that walks pages
returns [`SyncItems`][_sdkcore.programs.SyncItems] (``AsyncItems``): iterate it, or call
``to_list()``.
"""

from _sdkcore import errors as _tree
from _sdkcore._http import RequestOptions
from _sdkcore.errors import *  # noqa: F403 - the shared error tree, re-exported whole
from _sdkcore.programs import AsyncItems, SyncItems
from _sdkcore.ratelimit import RateLimiter, Window
from _sdkcore.retry import RetryPolicy
from _sdkcore.serde import UNSET, Unset
from _sdkcore.version import installed_version as _installed_version
from ninoxsdk._client import PUBLIC_CLOUD_URL, AsyncNinoxClient, NinoxClient
from ninoxsdk.errors import (
    BatchWriteError,
    FailedItem,
    FieldError,
    FieldMappingError,
    FieldTypeError,
    NinoxError,
    ReadOnlyFieldError,
    UnknownFieldError,
    UnknownTableError,
)
from ninoxsdk.fields import Appointment, ChoiceValue, FieldCodec, Location, TableCodec, codec_for
from ninoxsdk.models import (
    Choice,
    Database,
    Field,
    FieldType,
    FileInfo,
    Record,
    RecordWrite,
    Schema,
    Table,
    Team,
)
from ninoxsdk.resources import (
    AsyncChanges,
    AsyncDatabaseHandle,
    AsyncRecordFiles,
    AsyncTableHandle,
    Changes,
    DatabaseHandle,
    RecordFiles,
    TableHandle,
)

__all__ = [
    "PUBLIC_CLOUD_URL",
    "UNSET",
    "Appointment",
    "AsyncChanges",
    "AsyncDatabaseHandle",
    "AsyncItems",
    "AsyncNinoxClient",
    "AsyncRecordFiles",
    "AsyncTableHandle",
    "BatchWriteError",
    "Changes",
    "Choice",
    "ChoiceValue",
    "Database",
    "DatabaseHandle",
    "FailedItem",
    "Field",
    "FieldCodec",
    "FieldError",
    "FieldMappingError",
    "FieldType",
    "FieldTypeError",
    "FileInfo",
    "Location",
    "NinoxClient",
    "NinoxError",
    "RateLimiter",
    "ReadOnlyFieldError",
    "Record",
    "RecordFiles",
    "RecordWrite",
    "RequestOptions",
    "RetryPolicy",
    "Schema",
    "SyncItems",
    "Table",
    "TableCodec",
    "TableHandle",
    "Team",
    "UnknownFieldError",
    "UnknownTableError",
    "Unset",
    "Window",
    "codec_for",
]
__all__ += _tree.__all__

__version__: str = _installed_version()
