"""Contacts: get, list, list_by_business, search, find_duplicate, create, update, upsert,
delete. Pure builders (``get_contact`` ...) return a ``Call``; the twin classes
[`Contacts`][ghlsdk.resources.Contacts] / [`AsyncContacts`][ghlsdk.resources.AsyncContacts] only
hand it to their runner."""

from __future__ import annotations

import builtins
import json
from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

import httpx

from _sdkcore._http import Call, RequestOptions, RequestSpec
from _sdkcore.logging import get_logger
from _sdkcore.pagination import AsyncPager, Page, SyncPager
from _sdkcore.parsing import json_body, structure
from _sdkcore.serde import UNSET, Unset, parse_datetime
from ghlsdk.errors import APIResponseValidationError
from ghlsdk.models._converter import converter
from ghlsdk.models.common import CustomField, DndSetting, InboundDndSetting
from ghlsdk.models.contacts import Contact, CustomFieldInput, UpsertResult
from ghlsdk.resources import _inputs
from ghlsdk.resources._base import (
    READ,
    WRITE,
    AsyncResource,
    Context,
    Operation,
    SyncResource,
    envelope,
    success,
)

__all__ = ["AsyncContacts", "Contacts"]

_log = get_logger("ghlsdk.contacts")

GET = Operation("contacts.get", "GET", "/contacts/{contact_id}", READ, "get-contact")
LIST = Operation("contacts.list", "GET", "/contacts/", READ, "get-contacts")
LIST_BY_BUSINESS = Operation(
    "contacts.list_by_business",
    "GET",
    "/contacts/business/{business_id}",
    READ,
    "get-contacts-by-businessId",
)
SEARCH = Operation(
    # A search does not change anything: safe to retry although it is a POST.
    "contacts.search",
    "POST",
    "/contacts/search",
    READ,
    "search-contacts-advanced",
    idempotent=True,
)
FIND_DUPLICATE = Operation(
    "contacts.find_duplicate", "GET", "/contacts/search/duplicate", READ, "get-duplicate-contact"
)
CREATE = Operation("contacts.create", "POST", "/contacts/", WRITE, "create-contact")
UPDATE = Operation("contacts.update", "PUT", "/contacts/{contact_id}", WRITE, "update-contact")
DELETE = Operation("contacts.delete", "DELETE", "/contacts/{contact_id}", WRITE, "delete-contact")
UPSERT = Operation(
    # Upsert matches on email/phone, so sending it twice has the effect of sending it once.
    "contacts.upsert",
    "POST",
    "/contacts/upsert",
    WRITE,
    "upsert-contact",
    idempotent=True,
)

OPERATIONS = (GET, LIST, LIST_BY_BUSINESS, SEARCH, FIND_DUPLICATE, CREATE, UPDATE, DELETE, UPSERT)

_COMMON = frozenset(
    {
        "first_name",
        "last_name",
        "name",
        "email",
        "phone",
        "address1",
        "city",
        "state",
        "postal_code",
        "country",
        "website",
        "timezone",
        "source",
        "assigned_to",
        "date_of_birth",
        "dnd",
        "dnd_settings",
        "inbound_dnd_settings",
        "tags",
        "custom_fields",
    }
)
CREATE_FIELDS = _COMMON | {"gender", "company_name"}
UPSERT_FIELDS = CREATE_FIELDS | {"create_new_if_duplicate_allowed"}
#: The spec's UpdateContactDto has no gender/companyName (sending them may be refused, 422).
UPDATE_FIELDS = _COMMON

MAX_LIST_LIMIT = 100
MAX_SEARCH_PAGE_LIMIT = 500
#: Records reachable with ``page``; beyond this the search switches to ``searchAfter``.
MAX_PAGED_RESULTS = 10_000


def _fields(values: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in values.items() if k not in ("self", "options", "location_id")}


# ---------------------------------------------------------------- pure builders


def _parse_contact(response: httpx.Response) -> Contact:
    return envelope(response, "contact", Contact)


def get_contact(
    ctx: Context, contact_id: str, *, options: RequestOptions | None = None
) -> Call[Contact]:
    spec = ctx.spec(GET, path_params={"contact_id": contact_id}, options=options)
    return Call(spec, _parse_contact)


def _contact_items(response: httpx.Response, body: Any, key: str = "contacts") -> list[Any]:
    if not isinstance(body, Mapping):
        raise APIResponseValidationError(
            f"expected a JSON object with a {key!r} list", response=response, body=body
        )
    items = body.get(key)
    if items is None:
        return []
    if not isinstance(items, list):
        raise APIResponseValidationError(
            f"expected {key!r} to be a list", response=response, body=body
        )
    return items


def _structure_contacts(raw: list[Any], response: httpx.Response) -> list[Contact]:
    return structure(converter, raw, list[Contact], response)


def _epoch_ms(value: Any) -> int | None:
    try:
        return int(parse_datetime(value).timestamp() * 1000)
    except (TypeError, ValueError, OverflowError):
        return None


def parse_contacts_page(spec: RequestSpec, response: httpx.Response) -> Page[Contact]:
    """One page of ``GET /contacts/``: continue from ``meta.startAfterId``/``startAfter``
    (or, without ``meta``, from the last contact) while full pages come back. ``nextPageUrl``
    is never followed (it may name an internal host)."""
    body = json_body(response)
    raw = _contact_items(response, body)
    items = _structure_contacts(raw, response)
    limit = int((spec.params or {}).get("limit") or MAX_LIST_LIMIT)
    next_spec = None
    if raw and len(raw) >= limit:
        meta = body.get("meta")
        after_id = meta.get("startAfterId") if isinstance(meta, Mapping) else None
        after = meta.get("startAfter") if isinstance(meta, Mapping) else None
        if not after_id:
            last = raw[-1] if isinstance(raw[-1], Mapping) else {}
            after_id = last.get("id")
            after = _epoch_ms(last.get("dateAdded")) if last.get("dateAdded") else None
        if after_id:
            next_spec = spec.with_params(startAfterId=after_id, startAfter=after)
    return Page(items, next_spec, response)


def list_contacts(
    ctx: Context,
    *,
    query: str | None = None,
    limit: int = MAX_LIST_LIMIT,
    location_id: str | Unset = UNSET,
    options: RequestOptions | None = None,
) -> RequestSpec:
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_LIST_LIMIT:
        raise ValueError(f"limit is the page size: an integer from 1 to {MAX_LIST_LIMIT}")
    _inputs.text("query", query)
    location = ctx.location(LIST, location_id)
    params = {"locationId": location, "limit": limit, "query": query or None}
    return ctx.spec(LIST, params=params, location_id=location, options=options)


def parse_business_page(spec: RequestSpec, response: httpx.Response) -> Page[Contact]:
    """One page of ``GET /contacts/business/{id}``: offset paging with ``skip``/``limit``."""
    body = json_body(response)
    raw = _contact_items(response, body)
    items = _structure_contacts(raw, response)
    params = spec.params or {}
    limit, skip = int(params["limit"]), int(params.get("skip") or 0)
    count = body.get("count")
    done = len(raw) < limit or (isinstance(count, (int, float)) and skip + len(raw) >= count)
    next_spec = None if done else spec.with_params(skip=str(skip + len(raw)))
    return Page(items, next_spec, response)


def list_by_business(
    ctx: Context,
    business_id: str,
    *,
    query: str | None = None,
    page_size: int = 100,
    location_id: str | Unset = UNSET,
    options: RequestOptions | None = None,
) -> RequestSpec:
    if isinstance(page_size, bool) or not isinstance(page_size, int) or page_size < 1:
        raise ValueError("page_size must be a positive integer")
    _inputs.text("query", query)
    location = ctx.location(LIST_BY_BUSINESS, location_id)
    # The spec types skip and limit as strings.
    params = {"locationId": location, "limit": str(page_size), "skip": "0", "query": query or None}
    return ctx.spec(
        LIST_BY_BUSINESS,
        path_params={"business_id": business_id},
        params=params,
        location_id=location,
        options=options,
    )


def parse_search_page(spec: RequestSpec, response: httpx.Response) -> Page[Contact]:
    """One page of ``POST /contacts/search``: ``page`` numbers up to 10,000 results, then the
    last contact's ``searchAfter`` cursor; stops on a short page or when ``total`` is reached."""
    body = json_body(response)
    raw = _contact_items(response, body)
    items = _structure_contacts(raw, response)
    request = dict(spec.json)
    page_limit = int(request["pageLimit"])
    page = request.get("page")
    total = body.get("total")
    next_body: dict[str, Any] | None = None
    cursor: Any = None
    if raw and len(raw) >= page_limit:
        if isinstance(page, int) and isinstance(total, (int, float)) and page * page_limit >= total:
            next_body = None
        elif isinstance(page, int) and (page + 1) * page_limit <= MAX_PAGED_RESULTS:
            next_body = {**request, "page": page + 1}
            cursor = ("page", page + 1)
        else:
            last = raw[-1] if isinstance(raw[-1], Mapping) else {}
            after = last.get("searchAfter")
            if isinstance(after, list) and after:
                next_body = {k: v for k, v in request.items() if k != "page"}
                next_body["searchAfter"] = after
                cursor = ("searchAfter", json.dumps(after, sort_keys=True, default=str))
            else:
                _log.warning(
                    "contacts.search: no searchAfter on the last contact; "
                    "stopping after %d results per page",
                    page_limit,
                )
    next_spec = None
    if next_body is not None:
        next_spec = RequestSpec(
            method=spec.method,
            path=spec.path,
            params=spec.params,
            json=next_body,
            headers=spec.headers,
            idempotent=spec.idempotent,
            rate_key=spec.rate_key,
            options=spec.options,
        )
    return Page(items, next_spec, response, cursor=cursor)


def search_contacts(
    ctx: Context,
    *,
    query: str | None = None,
    filters: Sequence[Mapping[str, Any]] | None = None,
    sort: Sequence[Mapping[str, Any]] | None = None,
    page_limit: int = 100,
    location_id: str | Unset = UNSET,
    options: RequestOptions | None = None,
) -> RequestSpec:
    if (
        isinstance(page_limit, bool)
        or not isinstance(page_limit, int)
        or not 1 <= page_limit <= MAX_SEARCH_PAGE_LIMIT
    ):
        raise ValueError(f"page_limit must be an integer from 1 to {MAX_SEARCH_PAGE_LIMIT}")
    location = ctx.location(SEARCH, location_id)
    body: dict[str, Any] = {"locationId": location, "page": 1, "pageLimit": page_limit}
    if query:
        body["query"] = _inputs.text("query", query, nullable=False)
    for name, value in (("filters", filters), ("sort", sort)):
        if value is None:
            continue
        if isinstance(value, (str, Mapping)) or not isinstance(value, Sequence):
            raise TypeError(f"{name} must be a list of objects (dicts)")
        if not all(isinstance(item, Mapping) for item in value):
            raise TypeError(f"every item of {name} must be an object (dict)")
        body[name] = [dict(item) for item in value]
    return ctx.spec(SEARCH, json=body, location_id=location, options=options)


def _parse_optional_contact(response: httpx.Response) -> Contact | None:
    body = json_body(response, allow_empty=True)
    raw = body.get("contact") if isinstance(body, Mapping) else None
    return None if raw is None else structure(converter, raw, Contact, response)


def find_duplicate(
    ctx: Context,
    *,
    email: str | None = None,
    number: str | None = None,
    location_id: str | Unset = UNSET,
    options: RequestOptions | None = None,
) -> Call[Contact | None]:
    if not email and not number:
        raise ValueError("find_duplicate needs email= or number= (a phone number)")
    _inputs.text("email", email)
    _inputs.text("number", number)
    location = ctx.location(FIND_DUPLICATE, location_id)
    params = {"locationId": location, "email": email or None, "number": number or None}
    spec = ctx.spec(FIND_DUPLICATE, params=params, location_id=location, options=options)
    return Call(spec, _parse_optional_contact)


def create_contact(
    ctx: Context,
    fields: Mapping[str, Any],
    *,
    location_id: str | Unset = UNSET,
    options: RequestOptions | None = None,
) -> Call[Contact]:
    location = ctx.location(CREATE, location_id)
    body = {"locationId": location, **_inputs.contact_body(fields, CREATE_FIELDS)}
    return Call(ctx.spec(CREATE, json=body, location_id=location, options=options), _parse_contact)


def update_contact(
    ctx: Context, contact_id: str, fields: Mapping[str, Any], *, options: RequestOptions | None
) -> Call[Contact]:
    body = _inputs.contact_body(fields, UPDATE_FIELDS)
    if not body:
        raise ValueError("contacts.update() was given no field to change")
    spec = ctx.spec(UPDATE, path_params={"contact_id": contact_id}, json=body, options=options)
    return Call(spec, _parse_contact)


def delete_contact(
    ctx: Context, contact_id: str, *, options: RequestOptions | None = None
) -> Call[None]:
    return Call(ctx.spec(DELETE, path_params={"contact_id": contact_id}, options=options), success)


def _parse_upsert(response: httpx.Response) -> UpsertResult:
    body = json_body(response)
    if not isinstance(body, Mapping) or not isinstance(body.get("contact"), Mapping):
        raise APIResponseValidationError(
            "expected an upsert result with a 'contact' object", response=response, body=body
        )
    if "new" not in body:
        body = {**body, "new": False}  # tolerate a missing flag rather than fail the write
    return structure(converter, body, UpsertResult, response)


def upsert_contact(
    ctx: Context,
    fields: Mapping[str, Any],
    *,
    location_id: str | Unset = UNSET,
    options: RequestOptions | None = None,
) -> Call[UpsertResult]:
    location = ctx.location(UPSERT, location_id)
    body = {"locationId": location, **_inputs.contact_body(fields, UPSERT_FIELDS)}
    return Call(ctx.spec(UPSERT, json=body, location_id=location, options=options), _parse_upsert)


# ---------------------------------------------------------------- twin resources


class Contacts(SyncResource):
    """Contacts of a location (``ghl.contacts``)."""

    def get(self, contact_id: str, *, options: RequestOptions | None = None) -> Contact:
        """Get one contact. Scope: ``contacts.readonly``."""
        return self._run.execute(get_contact(self._ctx, contact_id, options=options))

    def list(
        self,
        query: str | None = None,
        limit: int = MAX_LIST_LIMIT,
        *,
        location_id: str | Unset = UNSET,
        options: RequestOptions | None = None,
    ) -> SyncPager[Contact]:
        """Iterate every contact of the location (``limit`` per page, at most 100), optionally
        matching ``query``. Uses the deprecated but working ``GET /contacts/``; prefer
        [`search`][ghlsdk.resources.Contacts.search] for filters. Scope: ``contacts.readonly``."""
        spec = list_contacts(
            self._ctx, query=query, limit=limit, location_id=location_id, options=options
        )
        return self._run.pages(spec, parse_contacts_page)

    def list_by_business(
        self,
        business_id: str,
        *,
        query: str | None = None,
        page_size: int = 100,
        location_id: str | Unset = UNSET,
        options: RequestOptions | None = None,
    ) -> builtins.list[Contact]:
        """All contacts linked to a business (fetches every page). Scope: ``contacts.readonly``."""
        spec = list_by_business(
            self._ctx,
            business_id,
            query=query,
            page_size=page_size,
            location_id=location_id,
            options=options,
        )
        return self._run.collect(spec, parse_business_page)

    def search(
        self,
        query: str | None = None,
        *,
        filters: Sequence[Mapping[str, Any]] | None = None,
        sort: Sequence[Mapping[str, Any]] | None = None,
        page_limit: int = 100,
        location_id: str | Unset = UNSET,
        options: RequestOptions | None = None,
    ) -> SyncPager[Contact]:
        """Iterate the contacts matching ``query``/``filters`` (``POST /contacts/search``):
        ``page``/``pageLimit`` first, then the ``searchAfter`` cursor past 10,000 results.
        Results lag writes by a few seconds. Scope: ``contacts.readonly``."""
        spec = search_contacts(
            self._ctx,
            query=query,
            filters=filters,
            sort=sort,
            page_limit=page_limit,
            location_id=location_id,
            options=options,
        )
        return self._run.pages(spec, parse_search_page)

    def find_duplicate(
        self,
        *,
        email: str | None = None,
        number: str | None = None,
        location_id: str | Unset = UNSET,
        options: RequestOptions | None = None,
    ) -> Contact | None:
        """The contact the location's duplicate rules match for ``email``/``number``, or
        ``None`` (response shape UNCONFIRMED). Scope: ``contacts.readonly``."""
        return self._run.execute(
            find_duplicate(
                self._ctx, email=email, number=number, location_id=location_id, options=options
            )
        )

    def create(
        self,
        *,
        first_name: str | Unset | None = UNSET,
        last_name: str | Unset | None = UNSET,
        name: str | Unset | None = UNSET,
        email: str | Unset | None = UNSET,
        phone: str | Unset | None = UNSET,
        gender: str | Unset | None = UNSET,
        company_name: str | Unset | None = UNSET,
        address1: str | Unset | None = UNSET,
        city: str | Unset | None = UNSET,
        state: str | Unset | None = UNSET,
        postal_code: str | Unset | None = UNSET,
        country: str | Unset | None = UNSET,
        website: str | Unset | None = UNSET,
        timezone: str | Unset | None = UNSET,
        source: str | Unset | None = UNSET,
        assigned_to: str | Unset | None = UNSET,
        date_of_birth: str | date | Unset | None = UNSET,
        dnd: bool | Unset = UNSET,
        dnd_settings: Mapping[str, DndSetting] | Unset = UNSET,
        inbound_dnd_settings: InboundDndSetting | Unset = UNSET,
        tags: Sequence[str] | Unset = UNSET,
        custom_fields: Sequence[CustomFieldInput | CustomField] | Mapping[str, Any] | Unset = UNSET,
        location_id: str | Unset = UNSET,
        options: RequestOptions | None = None,
    ) -> Contact:
        """Create a contact; only the arguments you pass are sent (``None`` sends null).
        Raises [`DuplicateContactError`][ghlsdk.errors.DuplicateContactError] when the location
        forbids duplicates and one matches (consider
        [`upsert`][ghlsdk.resources.Contacts.upsert]). Scope: ``contacts.write``."""
        fields = self._with_field_ids(_fields(locals()), location_id)
        return self._run.execute(
            create_contact(self._ctx, fields, location_id=location_id, options=options)
        )

    def update(
        self,
        contact_id: str,
        *,
        first_name: str | Unset | None = UNSET,
        last_name: str | Unset | None = UNSET,
        name: str | Unset | None = UNSET,
        email: str | Unset | None = UNSET,
        phone: str | Unset | None = UNSET,
        address1: str | Unset | None = UNSET,
        city: str | Unset | None = UNSET,
        state: str | Unset | None = UNSET,
        postal_code: str | Unset | None = UNSET,
        country: str | Unset | None = UNSET,
        website: str | Unset | None = UNSET,
        timezone: str | Unset | None = UNSET,
        source: str | Unset | None = UNSET,
        assigned_to: str | Unset | None = UNSET,
        date_of_birth: str | date | Unset | None = UNSET,
        dnd: bool | Unset = UNSET,
        dnd_settings: Mapping[str, DndSetting] | Unset = UNSET,
        inbound_dnd_settings: InboundDndSetting | Unset = UNSET,
        tags: Sequence[str] | Unset = UNSET,
        custom_fields: Sequence[CustomFieldInput | CustomField] | Mapping[str, Any] | Unset = UNSET,
        options: RequestOptions | None = None,
    ) -> Contact:
        """Change the given fields of a contact; arguments left UNSET are not sent, ``None``
        clears a field. ``tags`` replaces the whole list (see ``ghl.tags`` to add/remove).
        Scope: ``contacts.write``."""
        fields = _fields(locals())
        del fields["contact_id"]
        fields = self._with_field_ids(fields)
        return self._run.execute(update_contact(self._ctx, contact_id, fields, options=options))

    def delete(self, contact_id: str, *, options: RequestOptions | None = None) -> None:
        """Delete a contact. Scope: ``contacts.write``."""
        return self._run.execute(delete_contact(self._ctx, contact_id, options=options))

    def upsert(
        self,
        *,
        first_name: str | Unset | None = UNSET,
        last_name: str | Unset | None = UNSET,
        name: str | Unset | None = UNSET,
        email: str | Unset | None = UNSET,
        phone: str | Unset | None = UNSET,
        gender: str | Unset | None = UNSET,
        company_name: str | Unset | None = UNSET,
        address1: str | Unset | None = UNSET,
        city: str | Unset | None = UNSET,
        state: str | Unset | None = UNSET,
        postal_code: str | Unset | None = UNSET,
        country: str | Unset | None = UNSET,
        website: str | Unset | None = UNSET,
        timezone: str | Unset | None = UNSET,
        source: str | Unset | None = UNSET,
        assigned_to: str | Unset | None = UNSET,
        date_of_birth: str | date | Unset | None = UNSET,
        dnd: bool | Unset = UNSET,
        dnd_settings: Mapping[str, DndSetting] | Unset = UNSET,
        inbound_dnd_settings: InboundDndSetting | Unset = UNSET,
        tags: Sequence[str] | Unset = UNSET,
        custom_fields: Sequence[CustomFieldInput | CustomField] | Mapping[str, Any] | Unset = UNSET,
        create_new_if_duplicate_allowed: bool | Unset = UNSET,
        location_id: str | Unset = UNSET,
        options: RequestOptions | None = None,
    ) -> UpsertResult:
        """Create the contact, or update the one the location's duplicate rules match
        (email/phone). Safe to retry. Scope: ``contacts.write``."""
        fields = self._with_field_ids(_fields(locals()), location_id)
        return self._run.execute(
            upsert_contact(self._ctx, fields, location_id=location_id, options=options)
        )


class AsyncContacts(AsyncResource):
    """Contacts of a location (``ghl.contacts`` on the async client)."""

    async def get(self, contact_id: str, *, options: RequestOptions | None = None) -> Contact:
        """Get one contact. Scope: ``contacts.readonly``."""
        return await self._run.execute(get_contact(self._ctx, contact_id, options=options))

    def list(
        self,
        query: str | None = None,
        limit: int = MAX_LIST_LIMIT,
        *,
        location_id: str | Unset = UNSET,
        options: RequestOptions | None = None,
    ) -> AsyncPager[Contact]:
        """Iterate every contact of the location (``limit`` per page, at most 100), optionally
        matching ``query``. Uses the deprecated but working ``GET /contacts/``; prefer
        [`search`][ghlsdk.resources.Contacts.search] for filters. Scope: ``contacts.readonly``."""
        spec = list_contacts(
            self._ctx, query=query, limit=limit, location_id=location_id, options=options
        )
        return self._run.pages(spec, parse_contacts_page)

    async def list_by_business(
        self,
        business_id: str,
        *,
        query: str | None = None,
        page_size: int = 100,
        location_id: str | Unset = UNSET,
        options: RequestOptions | None = None,
    ) -> builtins.list[Contact]:
        """All contacts linked to a business (fetches every page). Scope: ``contacts.readonly``."""
        spec = list_by_business(
            self._ctx,
            business_id,
            query=query,
            page_size=page_size,
            location_id=location_id,
            options=options,
        )
        return await self._run.collect(spec, parse_business_page)

    def search(
        self,
        query: str | None = None,
        *,
        filters: Sequence[Mapping[str, Any]] | None = None,
        sort: Sequence[Mapping[str, Any]] | None = None,
        page_limit: int = 100,
        location_id: str | Unset = UNSET,
        options: RequestOptions | None = None,
    ) -> AsyncPager[Contact]:
        """Iterate the contacts matching ``query``/``filters`` (``POST /contacts/search``):
        ``page``/``pageLimit`` first, then the ``searchAfter`` cursor past 10,000 results.
        Results lag writes by a few seconds. Scope: ``contacts.readonly``."""
        spec = search_contacts(
            self._ctx,
            query=query,
            filters=filters,
            sort=sort,
            page_limit=page_limit,
            location_id=location_id,
            options=options,
        )
        return self._run.pages(spec, parse_search_page)

    async def find_duplicate(
        self,
        *,
        email: str | None = None,
        number: str | None = None,
        location_id: str | Unset = UNSET,
        options: RequestOptions | None = None,
    ) -> Contact | None:
        """The contact the location's duplicate rules match for ``email``/``number``, or
        ``None`` (response shape UNCONFIRMED). Scope: ``contacts.readonly``."""
        return await self._run.execute(
            find_duplicate(
                self._ctx, email=email, number=number, location_id=location_id, options=options
            )
        )

    async def create(
        self,
        *,
        first_name: str | Unset | None = UNSET,
        last_name: str | Unset | None = UNSET,
        name: str | Unset | None = UNSET,
        email: str | Unset | None = UNSET,
        phone: str | Unset | None = UNSET,
        gender: str | Unset | None = UNSET,
        company_name: str | Unset | None = UNSET,
        address1: str | Unset | None = UNSET,
        city: str | Unset | None = UNSET,
        state: str | Unset | None = UNSET,
        postal_code: str | Unset | None = UNSET,
        country: str | Unset | None = UNSET,
        website: str | Unset | None = UNSET,
        timezone: str | Unset | None = UNSET,
        source: str | Unset | None = UNSET,
        assigned_to: str | Unset | None = UNSET,
        date_of_birth: str | date | Unset | None = UNSET,
        dnd: bool | Unset = UNSET,
        dnd_settings: Mapping[str, DndSetting] | Unset = UNSET,
        inbound_dnd_settings: InboundDndSetting | Unset = UNSET,
        tags: Sequence[str] | Unset = UNSET,
        custom_fields: Sequence[CustomFieldInput | CustomField] | Mapping[str, Any] | Unset = UNSET,
        location_id: str | Unset = UNSET,
        options: RequestOptions | None = None,
    ) -> Contact:
        """Create a contact; only the arguments you pass are sent (``None`` sends null).
        Raises [`DuplicateContactError`][ghlsdk.errors.DuplicateContactError] when the location
        forbids duplicates and one matches (consider
        [`upsert`][ghlsdk.resources.Contacts.upsert]). Scope: ``contacts.write``."""
        fields = await self._with_field_ids(_fields(locals()), location_id)
        return await self._run.execute(
            create_contact(self._ctx, fields, location_id=location_id, options=options)
        )

    async def update(
        self,
        contact_id: str,
        *,
        first_name: str | Unset | None = UNSET,
        last_name: str | Unset | None = UNSET,
        name: str | Unset | None = UNSET,
        email: str | Unset | None = UNSET,
        phone: str | Unset | None = UNSET,
        address1: str | Unset | None = UNSET,
        city: str | Unset | None = UNSET,
        state: str | Unset | None = UNSET,
        postal_code: str | Unset | None = UNSET,
        country: str | Unset | None = UNSET,
        website: str | Unset | None = UNSET,
        timezone: str | Unset | None = UNSET,
        source: str | Unset | None = UNSET,
        assigned_to: str | Unset | None = UNSET,
        date_of_birth: str | date | Unset | None = UNSET,
        dnd: bool | Unset = UNSET,
        dnd_settings: Mapping[str, DndSetting] | Unset = UNSET,
        inbound_dnd_settings: InboundDndSetting | Unset = UNSET,
        tags: Sequence[str] | Unset = UNSET,
        custom_fields: Sequence[CustomFieldInput | CustomField] | Mapping[str, Any] | Unset = UNSET,
        options: RequestOptions | None = None,
    ) -> Contact:
        """Change the given fields of a contact; arguments left UNSET are not sent, ``None``
        clears a field. ``tags`` replaces the whole list (see ``ghl.tags`` to add/remove).
        Scope: ``contacts.write``."""
        fields = _fields(locals())
        del fields["contact_id"]
        fields = await self._with_field_ids(fields)
        return await self._run.execute(
            update_contact(self._ctx, contact_id, fields, options=options)
        )

    async def delete(self, contact_id: str, *, options: RequestOptions | None = None) -> None:
        """Delete a contact. Scope: ``contacts.write``."""
        return await self._run.execute(delete_contact(self._ctx, contact_id, options=options))

    async def upsert(
        self,
        *,
        first_name: str | Unset | None = UNSET,
        last_name: str | Unset | None = UNSET,
        name: str | Unset | None = UNSET,
        email: str | Unset | None = UNSET,
        phone: str | Unset | None = UNSET,
        gender: str | Unset | None = UNSET,
        company_name: str | Unset | None = UNSET,
        address1: str | Unset | None = UNSET,
        city: str | Unset | None = UNSET,
        state: str | Unset | None = UNSET,
        postal_code: str | Unset | None = UNSET,
        country: str | Unset | None = UNSET,
        website: str | Unset | None = UNSET,
        timezone: str | Unset | None = UNSET,
        source: str | Unset | None = UNSET,
        assigned_to: str | Unset | None = UNSET,
        date_of_birth: str | date | Unset | None = UNSET,
        dnd: bool | Unset = UNSET,
        dnd_settings: Mapping[str, DndSetting] | Unset = UNSET,
        inbound_dnd_settings: InboundDndSetting | Unset = UNSET,
        tags: Sequence[str] | Unset = UNSET,
        custom_fields: Sequence[CustomFieldInput | CustomField] | Mapping[str, Any] | Unset = UNSET,
        create_new_if_duplicate_allowed: bool | Unset = UNSET,
        location_id: str | Unset = UNSET,
        options: RequestOptions | None = None,
    ) -> UpsertResult:
        """Create the contact, or update the one the location's duplicate rules match
        (email/phone). Safe to retry. Scope: ``contacts.write``."""
        fields = await self._with_field_ids(_fields(locals()), location_id)
        return await self._run.execute(
            upsert_contact(self._ctx, fields, location_id=location_id, options=options)
        )
