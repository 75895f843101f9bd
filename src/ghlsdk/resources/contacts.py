"""Contacts: get, list, list_by_business, search, find_duplicate, create, update, upsert,
delete. Each operation is one pure builder (``get_contact`` ...) carrying the method's
signature and docstring; the twin classes [`Contacts`][ghlsdk.resources.Contacts] /
[`AsyncContacts`][ghlsdk.resources.AsyncContacts] are made from them (see ``_sdkcore.twins``)."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar

import attrs
import httpx
from typing_extensions import Unpack

from _sdkcore._http import Call, RequestOptions, RequestSpec
from _sdkcore.logging import get_logger
from _sdkcore.pagination import Page
from _sdkcore.parsing import json_body, structure
from _sdkcore.serde import UNSET, Unset, parse_datetime
from _sdkcore.twins import Paged, Prepared, op, pager
from ghlsdk.errors import APIResponseValidationError
from ghlsdk.models._converter import converter, to_wire
from ghlsdk.models.contacts import Contact, UpsertResult
from ghlsdk.models.requests import (
    ContactCreate,
    ContactCreateFields,
    ContactUpdate,
    ContactUpdateFields,
    ContactUpsert,
    ContactUpsertFields,
    RequestModel,
    required_text,
    text,
)
from ghlsdk.resources._base import (
    READ,
    WRITE,
    AsyncResource,
    Context,
    Operation,
    SyncResource,
    envelope,
    raw_list,
    success,
)
from ghlsdk.resources.custom_fields import resolve_by_key

__all__ = ["AsyncContacts", "Contacts"]

_log = get_logger("ghlsdk.contacts")
T = TypeVar("T")

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

MAX_LIST_LIMIT = 100
MAX_SEARCH_PAGE_LIMIT = 500
#: Records reachable with ``page``; beyond this the search switches to ``searchAfter``.
MAX_PAGED_RESULTS = 10_000


# ---------------------------------------------------------------- pure builders


def _parse_contact(response: httpx.Response) -> Contact:
    return envelope(response, "contact", Contact)


def get_contact(
    ctx: Context, contact_id: str, *, options: RequestOptions | None = None
) -> Call[Contact]:
    """Get one contact. Scope: ``contacts.readonly``."""
    spec = ctx.spec(GET, path_params={"contact_id": contact_id}, options=options)
    return Call(spec, _parse_contact)


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
    raw = raw_list(response, body, "contacts")
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
    query: str | None = None,
    limit: int = MAX_LIST_LIMIT,
    *,
    location_id: str | Unset = UNSET,
    options: RequestOptions | None = None,
) -> Paged[Contact]:
    """Iterate every contact of the location (``limit`` per page, at most 100), optionally
    matching ``query``. Uses the deprecated but working ``GET /contacts/``; prefer
    [`search`][ghlsdk.resources.Contacts.search] for filters. Scope: ``contacts.readonly``."""
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_LIST_LIMIT:
        raise ValueError(f"limit is the page size: an integer from 1 to {MAX_LIST_LIMIT}")
    text("query", query)
    location = ctx.location(LIST, location_id)
    params = {"locationId": location, "limit": limit, "query": query or None}
    spec = ctx.spec(LIST, params=params, location_id=location, options=options)
    return Paged(spec, parse_contacts_page)


def parse_business_page(spec: RequestSpec, response: httpx.Response) -> Page[Contact]:
    """One page of ``GET /contacts/business/{id}``: offset paging with ``skip``/``limit``."""
    body = json_body(response)
    raw = raw_list(response, body, "contacts")
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
) -> Paged[Contact]:
    """Iterate the contacts linked to a business (``page_size`` per page, fetched lazily
    like [`list`][ghlsdk.resources.Contacts.list]; ``.to_list()`` collects them).
    Scope: ``contacts.readonly``."""
    if isinstance(page_size, bool) or not isinstance(page_size, int) or page_size < 1:
        raise ValueError("page_size must be a positive integer")
    text("query", query)
    location = ctx.location(LIST_BY_BUSINESS, location_id)
    # The spec types skip and limit as strings.
    params = {"locationId": location, "limit": str(page_size), "skip": "0", "query": query or None}
    spec = ctx.spec(
        LIST_BY_BUSINESS,
        path_params={"business_id": business_id},
        params=params,
        location_id=location,
        options=options,
    )
    return Paged(spec, parse_business_page)


def parse_search_page(spec: RequestSpec, response: httpx.Response) -> Page[Contact]:
    """One page of ``POST /contacts/search``: ``page`` numbers up to 10,000 results, then the
    last contact's ``searchAfter`` cursor; stops on a short page or when ``total`` is reached."""
    body = json_body(response)
    raw = raw_list(response, body, "contacts")
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
    query: str | None = None,
    *,
    filters: Sequence[Mapping[str, Any]] | None = None,
    sort: Sequence[Mapping[str, Any]] | None = None,
    page_limit: int = 100,
    location_id: str | Unset = UNSET,
    options: RequestOptions | None = None,
) -> Paged[Contact]:
    """Iterate the contacts matching ``query``/``filters`` (``POST /contacts/search``):
    ``page``/``pageLimit`` first, then the ``searchAfter`` cursor past 10,000 results.
    Results lag writes by a few seconds. Scope: ``contacts.readonly``."""
    if (
        isinstance(page_limit, bool)
        or not isinstance(page_limit, int)
        or not 1 <= page_limit <= MAX_SEARCH_PAGE_LIMIT
    ):
        raise ValueError(f"page_limit must be an integer from 1 to {MAX_SEARCH_PAGE_LIMIT}")
    location = ctx.location(SEARCH, location_id)
    body: dict[str, Any] = {"locationId": location, "page": 1, "pageLimit": page_limit}
    if query:
        body["query"] = required_text("query", query)
    for name, value in (("filters", filters), ("sort", sort)):
        if value is None:
            continue
        if isinstance(value, (str, Mapping)) or not isinstance(value, Sequence):
            raise TypeError(f"{name} must be a list of objects (dicts)")
        if not all(isinstance(item, Mapping) for item in value):
            raise TypeError(f"every item of {name} must be an object (dict)")
        body[name] = [dict(item) for item in value]
    return Paged(
        ctx.spec(SEARCH, json=body, location_id=location, options=options), parse_search_page
    )


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
    """The contact the location's duplicate rules match for ``email``/``number``, or
    ``None`` (response shape UNCONFIRMED). Scope: ``contacts.readonly``."""
    if not email and not number:
        raise ValueError("find_duplicate needs email= or number= (a phone number)")
    text("email", email)
    text("number", number)
    location = ctx.location(FIND_DUPLICATE, location_id)
    params = {"locationId": location, "email": email or None, "number": number or None}
    spec = ctx.spec(FIND_DUPLICATE, params=params, location_id=location, options=options)
    return Call(spec, _parse_optional_contact)


def _write(
    ctx: Context,
    op: Operation,
    model: RequestModel,
    *,
    location: str | None,
    path_params: Mapping[str, str] | None = None,
    options: RequestOptions | None,
    parse: Callable[[httpx.Response], T],
) -> Prepared[T]:
    """The request of a contact write; custom fields given by key
    are resolved through the location's registry first (an unknown key raises before the
    write is sent)."""
    body = model.to_body()
    by_key = model.custom_fields_by_key
    if not body and by_key is None and op is UPDATE:
        raise ValueError("contacts.update() was given no field to change")
    if location is not None:
        body = {"locationId": location, **body}
    spec = ctx.spec(op, path_params=path_params, json=body, location_id=location, options=options)
    if by_key is not None:
        inputs = yield from resolve_by_key(ctx, location, by_key)
        spec = attrs.evolve(spec, json={**body, "customFields": [to_wire(i) for i in inputs]})
    return Call(spec, parse)


def create_contact(
    ctx: Context,
    /,
    contact: ContactCreate | None = None,
    *,
    location_id: str | Unset = UNSET,
    options: RequestOptions | None = None,
    **fields: Unpack[ContactCreateFields],
) -> Prepared[Contact]:
    """Create a contact from a [`ContactCreate`][ghlsdk.models.requests.ContactCreate] or
    its fields as keyword arguments; only the fields you set are sent (``None`` sends null).
    Raises [`DuplicateContactError`][ghlsdk.errors.DuplicateContactError] when the location
    forbids duplicates and one matches (consider
    [`upsert`][ghlsdk.resources.Contacts.upsert]). Scope: ``contacts.write``."""
    model = ContactCreate.of(contact, fields)
    location = ctx.location(CREATE, location_id)
    return _write(ctx, CREATE, model, location=location, options=options, parse=_parse_contact)


def update_contact(
    ctx: Context,
    /,
    contact_id: str,
    changes: ContactUpdate | None = None,
    *,
    options: RequestOptions | None = None,
    **fields: Unpack[ContactUpdateFields],
) -> Prepared[Contact]:
    """Change the fields set in a [`ContactUpdate`][ghlsdk.models.requests.ContactUpdate]
    (or given as keyword arguments): UNSET ones are not sent, ``None`` clears a field.
    ``tags`` replaces the whole list (see ``ghl.tags`` to add/remove);
    ``ContactUpdate.changes(before, after)`` sends only what differs between two reads.
    Scope: ``contacts.write``."""
    model = ContactUpdate.of(changes, fields)
    path = {"contact_id": contact_id}
    return _write(
        ctx, UPDATE, model, location=None, path_params=path, options=options, parse=_parse_contact
    )


def delete_contact(
    ctx: Context, contact_id: str, *, options: RequestOptions | None = None
) -> Call[None]:
    """Delete a contact. Scope: ``contacts.write``."""
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
    /,
    contact: ContactUpsert | None = None,
    *,
    location_id: str | Unset = UNSET,
    options: RequestOptions | None = None,
    **fields: Unpack[ContactUpsertFields],
) -> Prepared[UpsertResult]:
    """Create the contact, or update the one the location's duplicate rules match
    (email/phone), from a [`ContactUpsert`][ghlsdk.models.requests.ContactUpsert] or its
    fields as keyword arguments. Safe to retry. Scope: ``contacts.write``."""
    model = ContactUpsert.of(contact, fields)
    location = ctx.location(UPSERT, location_id)
    return _write(ctx, UPSERT, model, location=location, options=options, parse=_parse_upsert)


# ---------------------------------------------------------------- the twins


class _Contacts:
    """The methods of [`Contacts`][ghlsdk.resources.Contacts] and its async twin."""

    get = op(get_contact)
    list = pager(list_contacts)
    list_by_business = pager(list_by_business)
    search = pager(search_contacts)
    find_duplicate = op(find_duplicate)
    create = op(create_contact)
    update = op(update_contact)
    delete = op(delete_contact)
    upsert = op(upsert_contact)


class Contacts(_Contacts, SyncResource):
    """Contacts of a location (``ghl.contacts``)."""


class AsyncContacts(_Contacts, AsyncResource):
    """Contacts of a location (``ghl.contacts`` on the async client)."""
