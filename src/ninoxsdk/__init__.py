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

from _sdkcore._http import RequestOptions
from _sdkcore.programs import AsyncItems, SyncItems
from _sdkcore.ratelimit import RateLimiter, Window
from _sdkcore.retry import RetryPolicy
from _sdkcore.serde import UNSET, Unset
from _sdkcore.version import installed_version as _installed_version
from ninoxsdk._client import PUBLIC_CLOUD_URL, AsyncNinoxClient, NinoxClient
from ninoxsdk.errors import (
    APIConnectionError,
    APIError,
    APIResponseValidationError,
    APIStatusError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    BatchWriteError,
    ConflictError,
    FailedItem,
    FieldError,
    FieldMappingError,
    FieldTypeError,
    InternalServerError,
    NinoxError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    ReadOnlyFieldError,
    SDKError,
    UnknownFieldError,
    UnknownTableError,
    UnprocessableEntityError,
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
    "APIConnectionError",
    "APIError",
    "APIResponseValidationError",
    "APIStatusError",
    "APITimeoutError",
    "Appointment",
    "AsyncChanges",
    "AsyncDatabaseHandle",
    "AsyncItems",
    "AsyncNinoxClient",
    "AsyncRecordFiles",
    "AsyncTableHandle",
    "AuthenticationError",
    "BadRequestError",
    "BatchWriteError",
    "Changes",
    "Choice",
    "ChoiceValue",
    "ConflictError",
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
    "InternalServerError",
    "Location",
    "NinoxClient",
    "NinoxError",
    "NotFoundError",
    "PermissionDeniedError",
    "RateLimitError",
    "RateLimiter",
    "ReadOnlyFieldError",
    "Record",
    "RecordFiles",
    "RecordWrite",
    "RequestOptions",
    "RetryPolicy",
    "SDKError",
    "Schema",
    "SyncItems",
    "Table",
    "TableCodec",
    "TableHandle",
    "Team",
    "UnknownFieldError",
    "UnknownTableError",
    "UnprocessableEntityError",
    "Unset",
    "Window",
    "codec_for",
]


__version__: str = _installed_version()
