"""Tasks of a contact: list, get, create, update, complete, delete."""

from __future__ import annotations

import builtins
from datetime import datetime

import httpx

from _sdkcore._http import Call, RequestOptions
from _sdkcore.serde import UNSET, Unset
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
OPERATIONS = (LIST, GET, CREATE, UPDATE, COMPLETE, DELETE)


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
