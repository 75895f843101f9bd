"""Typed sync and async client for the HighLevel (GHL / LeadConnector) API v2.

```python
from ghlsdk import GHLClient

with GHLClient(token="pit-...", location_id="ve9EPM428h8vShlRW1KT") as ghl:
    contact = ghl.contacts.get("seD4PfOuKoVMLkEZqohJ")
    for c in ghl.contacts.list(query="deo"):
        ...
```

Helpers shared with ``ninoxsdk`` and the bridge are exported here too, so nobody imports the
private core: ``parse_datetime`` / ``parse_date`` (the timestamp shapes these APIs send, as an
aware UTC ``datetime`` / a ``date``), ``get_redacting_logger`` (a logger whose records have
credentials removed) and ``redact_secrets`` (the same redaction applied to a string).
"""

from _sdkcore._http import RawResponse, RequestOptions
from _sdkcore.logging import get_logger as get_redacting_logger
from _sdkcore.logging import redact as redact_secrets
from _sdkcore.pagination import AsyncPager, Page, SyncPager
from _sdkcore.paths import validate_base_url
from _sdkcore.ratelimit import RateLimiter, Window
from _sdkcore.retry import RetryPolicy
from _sdkcore.serde import UNSET, Unset, parse_date, parse_datetime
from _sdkcore.version import installed_version as _installed_version
from ghlsdk._client import DEFAULT_BASE_URL, AsyncGHLClient, GHLClient
from ghlsdk._ratelimit import DEFAULT_WINDOWS, RateLimitInfo
from ghlsdk.auth import (
    AsyncOAuth2,
    AsyncOAuthSession,
    FileTokenStore,
    MemoryTokenStore,
    OAuth2,
    OAuthSession,
    ReauthorizationRequiredError,
    TokenSet,
    TokenStore,
    TokenStoreError,
)
from ghlsdk.errors import (
    APIConnectionError,
    APIError,
    APIResponseValidationError,
    APIStatusError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    ConflictError,
    DuplicateContactError,
    InternalServerError,
    MissingScopeError,
    NotFoundBadRequestError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    SDKError,
    UnprocessableEntityError,
)
from ghlsdk.models import (
    Appointment,
    AppointmentStatus,
    AttributionSource,
    Contact,
    ContactType,
    CustomField,
    CustomFieldInput,
    DndSetting,
    DndStatus,
    FollowersUpdate,
    InboundDndSetting,
    Note,
    Task,
    UpsertResult,
    to_wire,
)
from ghlsdk.models.bulk import BulkBusinessResult, BulkTagOutcome, BulkTagsResult
from ghlsdk.models.calendars import Calendar, CalendarEvent, EventCreator
from ghlsdk.models.custom_fields import CustomFieldDefinition
from ghlsdk.models.requests import (
    AppointmentCreate,
    AppointmentUpdate,
    ContactCreate,
    ContactUpdate,
    ContactUpsert,
    CustomFieldCreate,
    CustomFieldUpdate,
    NoteCreate,
    NoteUpdate,
    TaskCreate,
    TaskUpdate,
)
from ghlsdk.models.search import Filter, Sort
from ghlsdk.resources import UnknownCustomFieldError

__all__ = [
    "DEFAULT_BASE_URL",
    "DEFAULT_WINDOWS",
    "UNSET",
    "APIConnectionError",
    "APIError",
    "APIResponseValidationError",
    "APIStatusError",
    "APITimeoutError",
    "Appointment",
    "AppointmentCreate",
    "AppointmentStatus",
    "AppointmentUpdate",
    "AsyncGHLClient",
    "AsyncOAuth2",
    "AsyncOAuthSession",
    "AsyncPager",
    "AttributionSource",
    "AuthenticationError",
    "BadRequestError",
    "BulkBusinessResult",
    "BulkTagOutcome",
    "BulkTagsResult",
    "Calendar",
    "CalendarEvent",
    "ConflictError",
    "Contact",
    "ContactCreate",
    "ContactType",
    "ContactUpdate",
    "ContactUpsert",
    "CustomField",
    "CustomFieldCreate",
    "CustomFieldDefinition",
    "CustomFieldInput",
    "CustomFieldUpdate",
    "DndSetting",
    "DndStatus",
    "DuplicateContactError",
    "EventCreator",
    "FileTokenStore",
    "Filter",
    "FollowersUpdate",
    "GHLClient",
    "InboundDndSetting",
    "InternalServerError",
    "MemoryTokenStore",
    "MissingScopeError",
    "NotFoundBadRequestError",
    "NotFoundError",
    "Note",
    "NoteCreate",
    "NoteUpdate",
    "OAuth2",
    "OAuthSession",
    "Page",
    "PermissionDeniedError",
    "RateLimitError",
    "RateLimitInfo",
    "RateLimiter",
    "RawResponse",
    "ReauthorizationRequiredError",
    "RequestOptions",
    "RetryPolicy",
    "SDKError",
    "Sort",
    "SyncPager",
    "Task",
    "TaskCreate",
    "TaskUpdate",
    "TokenSet",
    "TokenStore",
    "TokenStoreError",
    "UnknownCustomFieldError",
    "UnprocessableEntityError",
    "Unset",
    "UpsertResult",
    "Window",
    "get_redacting_logger",
    "parse_date",
    "parse_datetime",
    "redact_secrets",
    "to_wire",
    "validate_base_url",
]


__version__: str = _installed_version()
