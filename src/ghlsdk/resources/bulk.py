"""Bulk contact operations: tags of many contacts at once (``POST
/contacts/bulk/tags/update/{type}``) and linking contacts to a business (``POST
/contacts/bulk/business``). The tag methods live on ``ghl.tags`` (``bulk_add`` /
``bulk_remove``), the business ones on ``ghl.businesses``."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import httpx

from _sdkcore._http import Call, RequestOptions
from _sdkcore.parsing import json_body, structure
from _sdkcore.serde import UNSET, Unset
from _sdkcore.twins import op
from ghlsdk.errors import APIResponseValidationError
from ghlsdk.models._converter import converter
from ghlsdk.models.bulk import BulkBusinessResult, BulkTagsResult
from ghlsdk.models.requests import string_list, text
from ghlsdk.resources._base import WRITE, AsyncResource, Context, Operation, SyncResource

__all__ = ["AsyncBusinesses", "Businesses"]

#: ``{type}`` of the bulk tag path: the spec does not declare it; ``add`` / ``remove`` are
#: what the docs' wording and third-party clients use (UNCONFIRMED).
BULK_TAG_ACTIONS = ("add", "remove")

BULK_TAGS = Operation(
    # Adding or removing the same tags twice has the effect of doing it once: safe to retry.
    # The spec declares no scope here (a gap); contacts.write is assumed (UNCONFIRMED).
    "tags.bulk_update",
    "POST",
    "/contacts/bulk/tags/update/{action}",
    WRITE,
    "create-association",
    idempotent=True,
)
BULK_BUSINESS = Operation(
    "businesses.update_contacts",
    "POST",
    "/contacts/bulk/business",
    WRITE,
    "add-remove-contact-from-business",
    idempotent=True,
)
OPERATIONS = (BULK_TAGS, BULK_BUSINESS)


def _object(response: httpx.Response) -> dict[str, Any]:
    body = json_body(response)
    if not isinstance(body, Mapping):
        raise APIResponseValidationError("expected a JSON object", response=response, body=body)
    return dict(body)


def _parse_bulk_tags(response: httpx.Response) -> BulkTagsResult:
    body = _object(response)
    raw = body.get("responses")
    if raw is None:
        raw = []
    if not isinstance(raw, list):
        raise APIResponseValidationError(
            "expected 'responses' to be a list", response=response, body=body
        )
    # The spec types each outcome as a string while its example shows objects: take both.
    body["responses"] = [r if isinstance(r, Mapping) else {"message": str(r)} for r in raw]
    return structure(converter, body, BulkTagsResult, response)


def _parse_bulk_business(response: httpx.Response) -> BulkBusinessResult:
    body = _object(response)
    result = structure(converter, body, BulkBusinessResult, response)
    if result.success is False:
        raise APIResponseValidationError(
            "the server answered 2xx but reported success=false", response=response, body=body
        )
    return result


def bulk_tags(
    ctx: Context,
    action: str,
    contact_ids: Sequence[str],
    tags: Sequence[str],
    *,
    remove_all_tags: bool = False,
    location_id: str | Unset = UNSET,
    options: RequestOptions | None = None,
) -> Call[BulkTagsResult]:
    if action not in BULK_TAG_ACTIONS:
        raise ValueError(f"action must be one of {BULK_TAG_ACTIONS}, not {action!r}")
    location = ctx.location(BULK_TAGS, location_id)
    body: dict[str, Any] = {
        "contacts": string_list("contact_ids", contact_ids, allow_empty=False),
        "tags": string_list("tags", tags, allow_empty=remove_all_tags),
        "locationId": location,
    }
    if remove_all_tags:
        if action != "remove":
            raise ValueError("remove_all_tags=True only goes with removing tags")
        body["removeAllTags"] = True
    elif not body["tags"]:
        raise ValueError("tags must not be empty")
    spec = ctx.spec(
        BULK_TAGS,
        path_params={"action": action},
        json=body,
        location_id=location,
        options=options,
    )
    return Call(spec, _parse_bulk_tags)


def bulk_business(
    ctx: Context,
    contact_ids: Sequence[str],
    business_id: str | None,
    *,
    location_id: str | Unset = UNSET,
    options: RequestOptions | None = None,
) -> Call[BulkBusinessResult]:
    location = ctx.location(BULK_BUSINESS, location_id)
    body = {
        "locationId": location,
        "ids": string_list("contact_ids", contact_ids, allow_empty=False),
        "businessId": text("business_id", business_id),
    }
    spec = ctx.spec(BULK_BUSINESS, json=body, location_id=location, options=options)
    return Call(spec, _parse_bulk_business)


def add_to_business(
    ctx: Context,
    business_id: str,
    contact_ids: Sequence[str],
    *,
    location_id: str | Unset = UNSET,
    options: RequestOptions | None = None,
) -> Call[BulkBusinessResult]:
    """Link the contacts to ``business_id`` (a contact has at most one business: this
    replaces any other). Scope: ``contacts.write`` (UNCONFIRMED: the spec names none)."""
    return bulk_business(ctx, contact_ids, business_id, location_id=location_id, options=options)


def remove_from_business(
    ctx: Context,
    contact_ids: Sequence[str],
    *,
    location_id: str | Unset = UNSET,
    options: RequestOptions | None = None,
) -> Call[BulkBusinessResult]:
    """Detach the contacts from their business (sends ``businessId: null``).
    Scope: ``contacts.write`` (UNCONFIRMED: the spec names none)."""
    return bulk_business(ctx, contact_ids, None, location_id=location_id, options=options)


class _Businesses:
    """The methods of [`Businesses`][ghlsdk.resources.Businesses] and its async twin."""

    add_contacts = op(add_to_business)
    remove_contacts = op(remove_from_business)


class Businesses(_Businesses, SyncResource):
    """Which business (company) contacts belong to, many at once (``ghl.businesses``); list a
    business's contacts with [`contacts.list_by_business`][ghlsdk.resources.Contacts]."""


class AsyncBusinesses(_Businesses, AsyncResource):
    """Which business (company) contacts belong to, many at once (``ghl.businesses`` on the
    async client)."""
