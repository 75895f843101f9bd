"""Tasks of a contact (list, get, create, update, complete, delete) and the location-wide task
search (``POST /locations/{locationId}/tasks/search``)."""

from __future__ import annotations

import builtins
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

import attrs
import httpx

from _sdkcore._http import Call, RequestOptions, RequestSpec
from _sdkcore.pagination import AsyncPager, Page, SyncPager
from _sdkcore.parsing import json_body, structure
from _sdkcore.serde import UNSET, Unset
from ghlsdk.errors import APIResponseValidationError
from ghlsdk.models._converter import converter
from ghlsdk.models.records import Task
from ghlsdk.resources import _inputs
from ghlsdk.resources._base import (
    READ,
    WRITE,
    AsyncResource,
    Context,
    Operation,
    SyncResource,
    envelope,
    envelope_list,
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
    spec = ctx.spec(LIST, path_params={"contact_id": contact_id}, options=options)
    return Call(spec, _parse_tasks)


def get_task(
    ctx: Context, contact_id: str, task_id: str, *, options: RequestOptions | None = None
) -> Call[Task]:
    path = {"contact_id": contact_id, "task_id": task_id}
    return Call(ctx.spec(GET, path_params=path, options=options), _parse_task)


def _task_body(
    *,
    title: str | Unset,
    body: str | Unset,
    due_date: datetime | str | Unset,
    completed: bool | Unset,
    assigned_to: str | Unset,
) -> dict[str, object]:
    out: dict[str, object] = {}
    if not isinstance(title, Unset):
        out["title"] = _inputs.text("title", title, nullable=False)
    if not isinstance(body, Unset):
        out["body"] = _inputs.text("body", body, nullable=False)
    if not isinstance(due_date, Unset):
        out["dueDate"] = _inputs.iso_datetime("due_date", due_date)
    if not isinstance(completed, Unset):
        out["completed"] = _inputs.boolean("completed", completed)
    if not isinstance(assigned_to, Unset):
        out["assignedTo"] = _inputs.text("assigned_to", assigned_to, nullable=False)
    return out


def create_task(
    ctx: Context,
    contact_id: str,
    *,
    title: str,
    due_date: datetime | str,
    completed: bool = False,
    body: str | Unset = UNSET,
    assigned_to: str | Unset = UNSET,
    options: RequestOptions | None = None,
) -> Call[Task]:
    if not isinstance(title, str) or not title.strip():
        raise ValueError("a task needs a non-empty title")
    payload = _task_body(
        title=title, body=body, due_date=due_date, completed=completed, assigned_to=assigned_to
    )
    spec = ctx.spec(CREATE, path_params={"contact_id": contact_id}, json=payload, options=options)
    return Call(spec, _parse_task)


def update_task(
    ctx: Context,
    contact_id: str,
    task_id: str,
    *,
    title: str | Unset = UNSET,
    body: str | Unset = UNSET,
    due_date: datetime | str | Unset = UNSET,
    completed: bool | Unset = UNSET,
    assigned_to: str | Unset = UNSET,
    options: RequestOptions | None = None,
) -> Call[Task]:
    payload = _task_body(
        title=title, body=body, due_date=due_date, completed=completed, assigned_to=assigned_to
    )
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
    payload = {"completed": _inputs.boolean("completed", completed)}
    path = {"contact_id": contact_id, "task_id": task_id}
    return Call(ctx.spec(COMPLETE, path_params=path, json=payload, options=options), _parse_task)


def delete_task(
    ctx: Context, contact_id: str, task_id: str, *, options: RequestOptions | None = None
) -> Call[None]:
    path = {"contact_id": contact_id, "task_id": task_id}
    return Call(ctx.spec(DELETE, path_params=path, options=options), success)


def _search_items(response: httpx.Response) -> tuple[list[Any], Any]:
    body = json_body(response)
    if not isinstance(body, Mapping):
        raise APIResponseValidationError(
            "expected a JSON object with a 'tasks' list", response=response, body=body
        )
    raw = body.get("tasks")
    if raw is None:
        return [], body
    if not isinstance(raw, list):
        raise APIResponseValidationError(
            "expected 'tasks' to be a list", response=response, body=body
        )
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
) -> RequestSpec:
    if (
        isinstance(page_size, bool)
        or not isinstance(page_size, int)
        or not 1 <= page_size <= MAX_SEARCH_LIMIT
    ):
        raise ValueError(f"page_size must be an integer from 1 to {MAX_SEARCH_LIMIT}")
    location = ctx.location(SEARCH, location_id)
    body: dict[str, Any] = {}
    if contact_ids is not None:
        body["contactId"] = _inputs.string_list("contact_ids", contact_ids, allow_empty=False)
    if completed is not None:
        body["completed"] = _inputs.boolean("completed", completed)
    if assigned_to is not None:
        body["assignedTo"] = _inputs.string_list("assigned_to", assigned_to, allow_empty=False)
    if query:
        body["query"] = _inputs.text("query", query, nullable=False)
    if business_id is not None:
        body["businessId"] = _inputs.text("business_id", business_id, nullable=False)
    body["limit"] = page_size
    body["skip"] = 0
    return ctx.spec(
        SEARCH,
        path_params={"location_id": location},
        json=body,
        location_id=location,
        options=options,
    )


class Tasks(SyncResource):
    """Tasks of a contact (``ghl.tasks``)."""

    def list(
        self, contact_id: str, *, options: RequestOptions | None = None
    ) -> builtins.list[Task]:
        """All tasks of a contact (one request; unpaginated). Scope: ``contacts.readonly``."""
        return self._run.execute(list_tasks(self._ctx, contact_id, options=options))

    def get(self, contact_id: str, task_id: str, *, options: RequestOptions | None = None) -> Task:
        """One task. Scope: ``contacts.readonly``."""
        return self._run.execute(get_task(self._ctx, contact_id, task_id, options=options))

    def create(
        self,
        contact_id: str,
        *,
        title: str,
        due_date: datetime | str,
        completed: bool = False,
        body: str | Unset = UNSET,
        assigned_to: str | Unset = UNSET,
        options: RequestOptions | None = None,
    ) -> Task:
        """Create a task; ``due_date`` is an aware datetime or an ISO 8601 string.
        Scope: ``contacts.write``."""
        return self._run.execute(
            create_task(
                self._ctx,
                contact_id,
                title=title,
                due_date=due_date,
                completed=completed,
                body=body,
                assigned_to=assigned_to,
                options=options,
            )
        )

    def update(
        self,
        contact_id: str,
        task_id: str,
        *,
        title: str | Unset = UNSET,
        body: str | Unset = UNSET,
        due_date: datetime | str | Unset = UNSET,
        completed: bool | Unset = UNSET,
        assigned_to: str | Unset = UNSET,
        options: RequestOptions | None = None,
    ) -> Task:
        """Change the given fields of a task (UNSET ones are not sent).
        Scope: ``contacts.write``."""
        return self._run.execute(
            update_task(
                self._ctx,
                contact_id,
                task_id,
                title=title,
                body=body,
                due_date=due_date,
                completed=completed,
                assigned_to=assigned_to,
                options=options,
            )
        )

    def complete(
        self,
        contact_id: str,
        task_id: str,
        completed: bool = True,
        *,
        options: RequestOptions | None = None,
    ) -> Task:
        """Mark a task completed (or not, with ``completed=False``). Scope: ``contacts.write``."""
        return self._run.execute(
            complete_task(self._ctx, contact_id, task_id, completed, options=options)
        )

    def delete(
        self, contact_id: str, task_id: str, *, options: RequestOptions | None = None
    ) -> None:
        """Delete a task. Scope: ``contacts.write``."""
        return self._run.execute(delete_task(self._ctx, contact_id, task_id, options=options))

    def search(
        self,
        *,
        contact_ids: Sequence[str] | None = None,
        completed: bool | None = None,
        assigned_to: Sequence[str] | None = None,
        query: str | None = None,
        business_id: str | None = None,
        page_size: int = SEARCH_PAGE_SIZE,
        location_id: str | Unset = UNSET,
        options: RequestOptions | None = None,
    ) -> SyncPager[Task]:
        """Iterate every task of the location matching the filters (``POST
        /locations/{locationId}/tasks/search``, ``limit``/``skip`` pages fetched lazily): the
        bulk read for all tasks of many contacts at once. ``contact_ids`` and ``assigned_to``
        match any of the ids given. Scope: ``locations/tasks.readonly``."""
        spec = search_tasks(
            self._ctx,
            contact_ids=contact_ids,
            completed=completed,
            assigned_to=assigned_to,
            query=query,
            business_id=business_id,
            page_size=page_size,
            location_id=location_id,
            options=options,
        )
        return self._run.pages(spec, parse_search_page)


class AsyncTasks(AsyncResource):
    """Tasks of a contact (``ghl.tasks`` on the async client)."""

    async def list(
        self, contact_id: str, *, options: RequestOptions | None = None
    ) -> builtins.list[Task]:
        """All tasks of a contact (one request; unpaginated). Scope: ``contacts.readonly``."""
        return await self._run.execute(list_tasks(self._ctx, contact_id, options=options))

    async def get(
        self, contact_id: str, task_id: str, *, options: RequestOptions | None = None
    ) -> Task:
        """One task. Scope: ``contacts.readonly``."""
        return await self._run.execute(get_task(self._ctx, contact_id, task_id, options=options))

    async def create(
        self,
        contact_id: str,
        *,
        title: str,
        due_date: datetime | str,
        completed: bool = False,
        body: str | Unset = UNSET,
        assigned_to: str | Unset = UNSET,
        options: RequestOptions | None = None,
    ) -> Task:
        """Create a task; ``due_date`` is an aware datetime or an ISO 8601 string.
        Scope: ``contacts.write``."""
        return await self._run.execute(
            create_task(
                self._ctx,
                contact_id,
                title=title,
                due_date=due_date,
                completed=completed,
                body=body,
                assigned_to=assigned_to,
                options=options,
            )
        )

    async def update(
        self,
        contact_id: str,
        task_id: str,
        *,
        title: str | Unset = UNSET,
        body: str | Unset = UNSET,
        due_date: datetime | str | Unset = UNSET,
        completed: bool | Unset = UNSET,
        assigned_to: str | Unset = UNSET,
        options: RequestOptions | None = None,
    ) -> Task:
        """Change the given fields of a task (UNSET ones are not sent).
        Scope: ``contacts.write``."""
        return await self._run.execute(
            update_task(
                self._ctx,
                contact_id,
                task_id,
                title=title,
                body=body,
                due_date=due_date,
                completed=completed,
                assigned_to=assigned_to,
                options=options,
            )
        )

    async def complete(
        self,
        contact_id: str,
        task_id: str,
        completed: bool = True,
        *,
        options: RequestOptions | None = None,
    ) -> Task:
        """Mark a task completed (or not, with ``completed=False``). Scope: ``contacts.write``."""
        return await self._run.execute(
            complete_task(self._ctx, contact_id, task_id, completed, options=options)
        )

    async def delete(
        self, contact_id: str, task_id: str, *, options: RequestOptions | None = None
    ) -> None:
        """Delete a task. Scope: ``contacts.write``."""
        return await self._run.execute(delete_task(self._ctx, contact_id, task_id, options=options))

    def search(
        self,
        *,
        contact_ids: Sequence[str] | None = None,
        completed: bool | None = None,
        assigned_to: Sequence[str] | None = None,
        query: str | None = None,
        business_id: str | None = None,
        page_size: int = SEARCH_PAGE_SIZE,
        location_id: str | Unset = UNSET,
        options: RequestOptions | None = None,
    ) -> AsyncPager[Task]:
        """Iterate every task of the location matching the filters (``POST
        /locations/{locationId}/tasks/search``, ``limit``/``skip`` pages fetched lazily): the
        bulk read for all tasks of many contacts at once. ``contact_ids`` and ``assigned_to``
        match any of the ids given. Scope: ``locations/tasks.readonly``."""
        spec = search_tasks(
            self._ctx,
            contact_ids=contact_ids,
            completed=completed,
            assigned_to=assigned_to,
            query=query,
            business_id=business_id,
            page_size=page_size,
            location_id=location_id,
            options=options,
        )
        return self._run.pages(spec, parse_search_page)
