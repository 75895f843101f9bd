"""What a contact is linked to: tags, followers, campaigns, workflows."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import httpx

from _sdkcore._http import Call, RequestOptions
from _sdkcore.parsing import json_body, structure
from _sdkcore.serde import UNSET, Unset
from _sdkcore.twins import op
from ghlsdk.errors import APIResponseValidationError
from ghlsdk.models._converter import converter
from ghlsdk.models.bulk import BulkTagsResult
from ghlsdk.models.common import FollowersUpdate
from ghlsdk.models.requests import iso_datetime, string_list
from ghlsdk.resources._base import (
    WRITE,
    AsyncResource,
    Context,
    Operation,
    SyncResource,
    success,
)
from ghlsdk.resources._base import string_list as parse_string_list
from ghlsdk.resources.bulk import bulk_tags

__all__ = [
    "AsyncCampaigns",
    "AsyncFollowers",
    "AsyncTags",
    "AsyncWorkflows",
    "Campaigns",
    "Followers",
    "Tags",
    "Workflows",
]

TAGS_ADD = Operation("tags.add", "POST", "/contacts/{contact_id}/tags", WRITE, "add-tags")
TAGS_REMOVE = Operation(
    "tags.remove", "DELETE", "/contacts/{contact_id}/tags", WRITE, "remove-tags"
)
FOLLOWERS_ADD = Operation(
    "followers.add", "POST", "/contacts/{contact_id}/followers", WRITE, "add-followers-contact"
)
FOLLOWERS_REMOVE = Operation(
    "followers.remove",
    "DELETE",
    "/contacts/{contact_id}/followers",
    WRITE,
    "remove-followers-contact",
)
CAMPAIGNS_ADD = Operation(
    "campaigns.add",
    "POST",
    "/contacts/{contact_id}/campaigns/{campaign_id}",
    WRITE,
    "add-contact-to-campaign",
)
CAMPAIGNS_REMOVE = Operation(
    "campaigns.remove",
    "DELETE",
    "/contacts/{contact_id}/campaigns/{campaign_id}",
    WRITE,
    "remove-contact-from-campaign",
)
CAMPAIGNS_REMOVE_ALL = Operation(
    "campaigns.remove_all",
    "DELETE",
    "/contacts/{contact_id}/campaigns/removeAll",
    WRITE,
    "remove-contact-from-every-campaign",
)
WORKFLOWS_ADD = Operation(
    "workflows.add",
    "POST",
    "/contacts/{contact_id}/workflow/{workflow_id}",
    WRITE,
    "add-contact-to-workflow",
)
WORKFLOWS_REMOVE = Operation(
    "workflows.remove",
    "DELETE",
    "/contacts/{contact_id}/workflow/{workflow_id}",
    WRITE,
    "delete-contact-from-workflow",
)
OPERATIONS = (
    TAGS_ADD,
    TAGS_REMOVE,
    FOLLOWERS_ADD,
    FOLLOWERS_REMOVE,
    CAMPAIGNS_ADD,
    CAMPAIGNS_REMOVE,
    CAMPAIGNS_REMOVE_ALL,
    WORKFLOWS_ADD,
    WORKFLOWS_REMOVE,
)


def _parse_tags(response: httpx.Response) -> list[str]:
    return parse_string_list(response, "tags")


def _parse_followers(response: httpx.Response) -> FollowersUpdate:
    body = json_body(response)
    if not isinstance(body, dict):
        raise APIResponseValidationError(
            "expected a JSON object with 'followers'", response=response, body=body
        )
    return structure(converter, body, FollowersUpdate, response)


def add_tags(
    ctx: Context, contact_id: str, tags: Sequence[str], *, options: RequestOptions | None = None
) -> Call[list[str]]:
    """Add tags to a contact; returns the server's tag list (whether it echoes the added
    tags or all tags is UNCONFIRMED). Scope: ``contacts.write``."""
    payload = {"tags": string_list("tags", tags, allow_empty=False)}
    spec = ctx.spec(TAGS_ADD, path_params={"contact_id": contact_id}, json=payload, options=options)
    return Call(spec, _parse_tags)


def remove_tags(
    ctx: Context, contact_id: str, tags: Sequence[str], *, options: RequestOptions | None = None
) -> Call[list[str]]:
    """Remove tags from a contact; returns the server's tag list.
    Scope: ``contacts.write``."""
    payload = {"tags": string_list("tags", tags, allow_empty=False)}
    spec = ctx.spec(
        TAGS_REMOVE, path_params={"contact_id": contact_id}, json=payload, options=options
    )
    return Call(spec, _parse_tags)


def add_followers(
    ctx: Context,
    contact_id: str,
    followers: Sequence[str],
    *,
    options: RequestOptions | None = None,
) -> Call[FollowersUpdate]:
    """Add users (by id) as followers. Scope: ``contacts.write``."""
    payload = {"followers": string_list("followers", followers, allow_empty=False)}
    spec = ctx.spec(
        FOLLOWERS_ADD, path_params={"contact_id": contact_id}, json=payload, options=options
    )
    return Call(spec, _parse_followers)


def remove_followers(
    ctx: Context,
    contact_id: str,
    followers: Sequence[str],
    *,
    options: RequestOptions | None = None,
) -> Call[FollowersUpdate]:
    """Remove followers (by user id). Scope: ``contacts.write``."""
    payload = {"followers": string_list("followers", followers, allow_empty=False)}
    spec = ctx.spec(
        FOLLOWERS_REMOVE, path_params={"contact_id": contact_id}, json=payload, options=options
    )
    return Call(spec, _parse_followers)


def add_to_campaign(
    ctx: Context, contact_id: str, campaign_id: str, *, options: RequestOptions | None = None
) -> Call[None]:
    """Add a contact to a campaign. Scope: ``contacts.write``."""
    path = {"contact_id": contact_id, "campaign_id": campaign_id}
    # The spec requires a body; an empty object is what it accepts.
    return Call(ctx.spec(CAMPAIGNS_ADD, path_params=path, json={}, options=options), success)


def remove_from_campaign(
    ctx: Context, contact_id: str, campaign_id: str, *, options: RequestOptions | None = None
) -> Call[None]:
    """Remove a contact from a campaign. Scope: ``contacts.write``."""
    path = {"contact_id": contact_id, "campaign_id": campaign_id}
    return Call(ctx.spec(CAMPAIGNS_REMOVE, path_params=path, options=options), success)


def remove_from_all_campaigns(
    ctx: Context, contact_id: str, *, options: RequestOptions | None = None
) -> Call[None]:
    """Remove a contact from every campaign. Scope: ``contacts.write``."""
    path = {"contact_id": contact_id}
    return Call(ctx.spec(CAMPAIGNS_REMOVE_ALL, path_params=path, options=options), success)


def add_to_workflow(
    ctx: Context,
    contact_id: str,
    workflow_id: str,
    *,
    event_start_time: datetime | str | Unset = UNSET,
    options: RequestOptions | None = None,
) -> Call[None]:
    """Enrol a contact in a workflow, optionally from ``event_start_time`` (aware
    datetime or ISO 8601 with offset). Scope: ``contacts.write``."""
    payload: dict[str, str] = {}
    if not isinstance(event_start_time, Unset):
        payload["eventStartTime"] = iso_datetime("event_start_time", event_start_time)
    path = {"contact_id": contact_id, "workflow_id": workflow_id}
    return Call(ctx.spec(WORKFLOWS_ADD, path_params=path, json=payload, options=options), success)


def remove_from_workflow(
    ctx: Context, contact_id: str, workflow_id: str, *, options: RequestOptions | None = None
) -> Call[None]:
    """Remove a contact from a workflow. Scope: ``contacts.write``."""
    path = {"contact_id": contact_id, "workflow_id": workflow_id}
    # The spec marks the body required; an empty object stands for "no eventStartTime".
    return Call(ctx.spec(WORKFLOWS_REMOVE, path_params=path, json={}, options=options), success)


def bulk_add_tags(
    ctx: Context,
    contact_ids: Sequence[str],
    tags: Sequence[str],
    *,
    location_id: str | Unset = UNSET,
    options: RequestOptions | None = None,
) -> Call[BulkTagsResult]:
    """Add ``tags`` to many contacts in one request; the result has one outcome per
    contact (check ``result.failed``). Scope: ``contacts.write`` (UNCONFIRMED: the spec
    names none)."""
    return bulk_tags(ctx, "add", contact_ids, tags, location_id=location_id, options=options)


def bulk_remove_tags(
    ctx: Context,
    contact_ids: Sequence[str],
    tags: Sequence[str],
    *,
    remove_all_tags: bool = False,
    location_id: str | Unset = UNSET,
    options: RequestOptions | None = None,
) -> Call[BulkTagsResult]:
    """Remove ``tags`` (or, with ``remove_all_tags=True``, every tag) from many contacts
    in one request. Scope: ``contacts.write`` (UNCONFIRMED: the spec names none)."""
    return bulk_tags(
        ctx,
        "remove",
        contact_ids,
        tags,
        remove_all_tags=remove_all_tags,
        location_id=location_id,
        options=options,
    )


class _Tags:
    """The methods of [`Tags`][ghlsdk.resources.Tags] and its async twin."""

    add = op(add_tags)
    remove = op(remove_tags)
    bulk_add = op(bulk_add_tags)
    bulk_remove = op(bulk_remove_tags)


class Tags(_Tags, SyncResource):
    """Tags of a contact (``ghl.tags``), and of many contacts at once."""


class AsyncTags(_Tags, AsyncResource):
    """Tags of a contact (``ghl.tags`` on the async client)."""


class _Followers:
    """The methods of [`Followers`][ghlsdk.resources.Followers] and its async twin."""

    add = op(add_followers)
    remove = op(remove_followers)


class Followers(_Followers, SyncResource):
    """Followers (users) of a contact (``ghl.followers``)."""


class AsyncFollowers(_Followers, AsyncResource):
    """Followers (users) of a contact (``ghl.followers`` on the async client)."""


class _Campaigns:
    """The methods of [`Campaigns`][ghlsdk.resources.Campaigns] and its async twin."""

    add = op(add_to_campaign)
    remove = op(remove_from_campaign)
    remove_all = op(remove_from_all_campaigns)


class Campaigns(_Campaigns, SyncResource):
    """Campaign membership of a contact (``ghl.campaigns``)."""


class AsyncCampaigns(_Campaigns, AsyncResource):
    """Campaign membership of a contact (``ghl.campaigns`` on the async client)."""


class _Workflows:
    """The methods of [`Workflows`][ghlsdk.resources.Workflows] and its async twin."""

    add = op(add_to_workflow)
    remove = op(remove_from_workflow)


class Workflows(_Workflows, SyncResource):
    """Workflow enrolment of a contact (``ghl.workflows``)."""


class AsyncWorkflows(_Workflows, AsyncResource):
    """Workflow enrolment of a contact (``ghl.workflows`` on the async client)."""
