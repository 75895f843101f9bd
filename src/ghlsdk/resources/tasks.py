"""Tasks of a contact (list, get, create, update, complete, delete) and the location-wide task
search (``POST /locations/{locationId}/tasks/search``)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import attrs
import httpx
from typing_extensions import Unpack

from _sdkcore._http import Call, RequestOptions, RequestSpec
from _sdkcore.pagination import Page
from _sdkcore.parsing import json_body, structure
from _sdkcore.serde import UNSET, Unset
from _sdkcore.twins import Paged, op, pager
from ghlsdk.models._converter import converter
from ghlsdk.models.records import Task
from ghlsdk.models.requests import (
    TaskCreate,
    TaskCreateFields,
    TaskUpdate,
    TaskUpdateFields,
    boolean,
    required_text,
    string_list,
)
from ghlsdk.resources._base import (
    READ,
    WRITE,
    AsyncResource,
    Context,
    Operation,
    SyncResource,
    envelope,
    envelope_list,
    raw_list,
    success,
)

__all__ = ["AsyncTasks", "Tasks"]

_BASE = "/contacts/{contact_id}/tasks"
LIST = Operation("tasks.list", "GET", _BASE, READ, "get-all-tasks")
GET = Operation("tasks.get", "GET", _BASE + "/{task_id}", READ, "get-task")
CREATE = Operation("tasks.create", "POST", _BASE, WRITE, "create-task")
UPDATE = Operation("tasks.update", "PUT", _BASE + "/{task_id}", WRITE, "update-task")
COMPLETE = Operation(
    "tasks.complete", "PUT", _BASE + "/{task_id}/completed", WRITE, "update-task-completed"
)
DELETE = Operation("tasks.delete", "DELETE", _BASE + "/{task_id}", WRITE, "delete-task")
SEARCH = Operation(
    # A search changes nothing: safe to retry although it is a POST.
    "tasks.search",
    "POST",
    "/locations/{location_id}/tasks/search",
    "locations/tasks.readonly",
    "task-search",
    idempotent=True,
)
OPERATIONS = (LIST, GET, CREATE, UPDATE, COMPLETE, DELETE)
#: Operations of ``apps/locations.json``.
LOCATION_OPERATIONS = (SEARCH,)

#: Default page size of ``tasks.search`` (the API's own default is 25; its maximum is
#: UNCONFIRMED, so any positive size up to ``MAX_SEARCH_LIMIT`` is sent as asked).
SEARCH_PAGE_SIZE = 100
MAX_SEARCH_LIMIT = 1000


def _parse_task(response: httpx.Response) -> Task:
    return envelope(response, "task", Task)


def _parse_tasks(response: httpx.Response) -> list[Task]:
    return envelope_list(response, "tasks", Task)


def list_tasks(
    ctx: Context, contact_id: str, *, options: RequestOptions | None = None
) -> Call[list[Task]]:
    """All tasks of a contact (one request: the API does not page).
    Scope: ``contacts.readonly``."""
    spec = ctx.spec(LIST, path_params={"contact_id": contact_id}, options=options)
    return Call(spec, _parse_tasks)


def get_task(
    ctx: Context, contact_id: str, task_id: str, *, options: RequestOptions | None = None
) -> Call[Task]:
    """One task. Scope: ``contacts.readonly``."""
    path = {"contact_id": contact_id, "task_id": task_id}
    return Call(ctx.spec(GET, path_params=path, options=options), _parse_task)


def create_task(
    ctx: Context,
    /,
    contact_id: str,
    task: TaskCreate | None = None,
    *,
    options: RequestOptions | None = None,
    **fields: Unpack[TaskCreateFields],
) -> Call[Task]:
    """Create a task from a [`TaskCreate`][ghlsdk.models.requests.TaskCreate] or its fields
    as keyword arguments (``title`` and ``due_date``, an aware datetime or an ISO 8601
    string, are required). Scope: ``contacts.write``."""
    payload = TaskCreate.of(task, fields).to_body()
    spec = ctx.spec(CREATE, path_params={"contact_id": contact_id}, json=payload, options=options)
    return Call(spec, _parse_task)


def update_task(
    ctx: Context,
    /,
    contact_id: str,
    task_id: str,
    changes: TaskUpdate | None = None,
    *,
    options: RequestOptions | None = None,
    **fields: Unpack[TaskUpdateFields],
) -> Call[Task]:
    """Change the fields set in a [`TaskUpdate`][ghlsdk.models.requests.TaskUpdate] (or
    given as keyword arguments; UNSET ones are not sent). Scope: ``contacts.write``."""
    payload = TaskUpdate.of(changes, fields).to_body()
    if not payload:
        raise ValueError("tasks.update() was given no field to change")
    path = {"contact_id": contact_id, "task_id": task_id}
    return Call(ctx.spec(UPDATE, path_params=path, json=payload, options=options), _parse_task)


def complete_task(
    ctx: Context,
    contact_id: str,
    task_id: str,
    completed: bool = True,
    *,
    options: RequestOptions | None = None,
) -> Call[Task]:
    """Mark a task completed (or not, with ``completed=False``). Scope: ``contacts.write``."""
    payload = {"completed": boolean("completed", completed)}
    path = {"contact_id": contact_id, "task_id": task_id}
    return Call(ctx.spec(COMPLETE, path_params=path, json=payload, options=options), _parse_task)


def delete_task(
    ctx: Context, contact_id: str, task_id: str, *, options: RequestOptions | None = None
) -> Call[None]:
    """Delete a task. Scope: ``contacts.write``."""
    path = {"contact_id": contact_id, "task_id": task_id}
    return Call(ctx.spec(DELETE, path_params=path, options=options), success)


def _search_items(response: httpx.Response) -> tuple[list[Any], Any]:
    body = json_body(response)
    raw = raw_list(response, body, "tasks")
    items: list[Any] = []
    # The spec types each item as an array (a spec defect, UNCONFIRMED): flatten one level.
    for item in raw:
        items.extend(item if isinstance(item, list) else [item])
    for i, item in enumerate(items):
        # Search results may name the id "_id" (Mongo style, UNCONFIRMED): keep both.
        if isinstance(item, Mapping) and "id" not in item and "_id" in item:
            items[i] = {**item, "id": item["_id"]}
    return items, body


def parse_search_page(spec: RequestSpec, response: httpx.Response) -> Page[Task]:
    """One page of the task search: ``skip`` advances by the items returned; stops on a short
    page (or when a ``total``/``count`` in the answer is reached)."""
    raw, body = _search_items(response)
    items = structure(converter, raw, list[Task], response)
    request = dict(spec.json)
    limit, skip = int(request["limit"]), int(request.get("skip") or 0)
    total = next(
        (body[k] for k in ("total", "count") if isinstance(body.get(k), (int, float))), None
    )
    done = len(raw) < limit or (total is not None and skip + len(raw) >= total)
    next_spec = None if done else attrs.evolve(spec, json={**request, "skip": skip + len(raw)})
    return Page(items, next_spec, response, cursor=("skip", skip + len(raw)))


def search_tasks(
    ctx: Context,
    *,
    contact_ids: Sequence[str] | None = None,
    completed: bool | None = None,
    assigned_to: Sequence[str] | None = None,
    query: str | None = None,
    business_id: str | None = None,
    page_size: int = SEARCH_PAGE_SIZE,
    location_id: str | Unset = UNSET,
    options: RequestOptions | None = None,
) -> Paged[Task]:
    """Iterate every task of the location matching the filters (``POST
    /locations/{locationId}/tasks/search``, ``limit``/``skip`` pages fetched lazily): the
    bulk read for all tasks of many contacts at once. ``contact_ids`` and ``assigned_to``
    match any of the ids given. Scope: ``locations/tasks.readonly``."""
    if (
        isinstance(page_size, bool)
        or not isinstance(page_size, int)
        or not 1 <= page_size <= MAX_SEARCH_LIMIT
    ):
        raise ValueError(f"page_size must be an integer from 1 to {MAX_SEARCH_LIMIT}")
    location = ctx.location(SEARCH, location_id)
    body: dict[str, Any] = {}
    if contact_ids is not None:
        body["contactId"] = string_list("contact_ids", contact_ids, allow_empty=False)
    if completed is not None:
        body["completed"] = boolean("completed", completed)
    if assigned_to is not None:
        body["assignedTo"] = string_list("assigned_to", assigned_to, allow_empty=False)
    if query:
        body["query"] = required_text("query", query)
    if business_id is not None:
        body["businessId"] = required_text("business_id", business_id)
    body["limit"] = page_size
    body["skip"] = 0
    spec = ctx.spec(
        SEARCH,
        path_params={"location_id": location},
        json=body,
        location_id=location,
        options=options,
    )
    return Paged(spec, parse_search_page)


class _Tasks:
    """The methods of [`Tasks`][ghlsdk.resources.Tasks] and its async twin."""

    list = op(list_tasks)
    get = op(get_task)
    create = op(create_task)
    update = op(update_task)
    complete = op(complete_task)
    delete = op(delete_task)
    search = pager(search_tasks)


class Tasks(_Tasks, SyncResource):
    """Tasks of a contact (``ghl.tasks``)."""


class AsyncTasks(_Tasks, AsyncResource):
    """Tasks of a contact (``ghl.tasks`` on the async client)."""
