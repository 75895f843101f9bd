"""Task and note routes of FakeGHL (under a contact), a contact's appointment list, and the
location-wide task search. A contact's children come from its child index, the task search
from the location's task index (filtered results cached per store generation)."""

from __future__ import annotations

import copy
import json
from collections.abc import Mapping
from typing import Any

from ghlsdk.testing._base import _ApiError, _check_iso, _Ctx, contact_time
from ghlsdk.testing._events import EventsMixin

__all__ = ["RecordRoutes"]


class RecordRoutes(EventsMixin):
    """Tasks, notes and appointments of a contact; ``POST /locations/{id}/tasks/search``."""

    def _task_for(self, ctx: _Ctx) -> dict[str, Any]:
        contact = self._contact_for(ctx)
        tid = ctx.params["taskId"]
        task = self._tasks.get(tid)
        if task is None or task["contactId"] != contact["id"]:
            raise self._not_found("Task", tid)
        return task

    def _list_tasks(self, ctx: _Ctx) -> tuple[int, Any]:
        tasks = self._children_of(self._contact_for(ctx)["id"], "tasks")
        return 200, {"tasks": copy.deepcopy(tasks)}

    def _get_task(self, ctx: _Ctx) -> tuple[int, Any]:
        return 200, {"task": copy.deepcopy(self._task_for(ctx))}

    def _create_task(self, ctx: _Ctx) -> tuple[int, Any]:
        cid = self._contact_for(ctx)["id"]
        body = self._body(ctx)
        _check_iso(body, "dueDate")
        task = {"id": self._new_id(), **copy.deepcopy(body), "contactId": cid}
        self._add_child("tasks", task)
        self._task_event("TaskCreate", ctx, task)
        if task.get("completed") is True:
            self._task_event("TaskComplete", ctx, task)
        return 201, {"task": copy.deepcopy(task)}

    def _task_event(self, kind: str, ctx: _Ctx, task: Mapping[str, Any]) -> None:
        self._record_event(kind, ctx.location_id, {**task, "dateAdded": self._now_iso()})

    def _set_task(self, ctx: _Ctx, task: dict[str, Any], changes: Mapping[str, Any]) -> None:
        was_done = task.get("completed") is True
        task.update(copy.deepcopy(changes))
        if task.get("completed") is True and not was_done:
            self._task_event("TaskComplete", ctx, task)

    def _update_task(self, ctx: _Ctx) -> tuple[int, Any]:
        task = self._task_for(ctx)
        body = self._body(ctx)
        _check_iso(body, "dueDate")
        self._set_task(ctx, task, body)
        return 200, {"task": copy.deepcopy(task)}

    def _complete_task(self, ctx: _Ctx) -> tuple[int, Any]:
        task = self._task_for(ctx)
        self._set_task(ctx, task, {"completed": self._body(ctx)["completed"]})
        return 200, {"task": copy.deepcopy(task)}

    def _delete_task(self, ctx: _Ctx) -> tuple[int, Any]:
        task = self._drop_child("tasks", self._task_for(ctx)["id"])
        self._task_event("TaskDelete", ctx, task)
        return 200, {"succeded": True}

    def _note_for(self, ctx: _Ctx) -> dict[str, Any]:
        contact = self._contact_for(ctx)
        nid = ctx.params["id"]
        note = self._notes.get(nid)
        if note is None or note["contactId"] != contact["id"]:
            raise self._not_found("Note", nid)
        return note

    def _list_notes(self, ctx: _Ctx) -> tuple[int, Any]:
        notes = self._children_of(self._contact_for(ctx)["id"], "notes")
        return 200, {"notes": copy.deepcopy(notes)}

    def _get_note(self, ctx: _Ctx) -> tuple[int, Any]:
        return 200, {"note": copy.deepcopy(self._note_for(ctx))}

    def _create_note(self, ctx: _Ctx) -> tuple[int, Any]:
        cid = self._contact_for(ctx)["id"]
        body = self._body(ctx)
        note = {
            "id": self._new_id(),
            **copy.deepcopy(body),
            "contactId": cid,
            "dateAdded": self._now_iso(),
        }
        self._add_child("notes", note)
        self._record_event("NoteCreate", ctx.location_id, note)
        return 201, {"note": copy.deepcopy(note)}

    def _update_note(self, ctx: _Ctx) -> tuple[int, Any]:
        note = self._note_for(ctx)
        note.update(copy.deepcopy(self._body(ctx)))
        self._record_event("NoteUpdate", ctx.location_id, note)
        return 200, {"note": copy.deepcopy(note)}

    def _delete_note(self, ctx: _Ctx) -> tuple[int, Any]:
        note = self._drop_child("notes", self._note_for(ctx)["id"])
        self._record_event("NoteDelete", ctx.location_id, note)
        return 200, {"succeded": True}

    def _list_appointments(self, ctx: _Ctx) -> tuple[int, Any]:
        events = self._children_of(self._contact_for(ctx)["id"], "appointments")
        return 200, {"events": [self._render_contact_appointment(a) for a in events]}

    def _render_contact_appointment(self, event: Mapping[str, Any]) -> dict[str, Any]:
        """The contacts API's shape: times as ``YYYY-MM-DD HH:MM:SS`` (UTC), as the spec shows."""
        out = copy.deepcopy(dict(event))
        for key in ("startTime", "endTime", "dateAdded", "dateUpdated"):
            if isinstance(out.get(key), str):
                out[key] = contact_time(out[key])
        return out

    # ------------------------------------------------------------------ task search

    def _search_tasks(self, ctx: _Ctx) -> tuple[int, Any]:
        location = self._check_location(ctx, ctx.params["locationId"])
        body = self._body(ctx)
        limit, skip = body.get("limit", 25), body.get("skip", 0)
        for name, value in (("limit", limit), ("skip", skip)):
            if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
                raise _ApiError(422, [f"{name} must not be less than 0"])
        shape = json.dumps({k: v for k, v in body.items() if k not in ("limit", "skip")})
        ids: list[str] = self._cached(
            ("tasks", location, shape), lambda: self._matching_tasks(location, body)
        )
        page = ids[int(skip) : int(skip) + int(limit)]
        return 200, {"tasks": [copy.deepcopy(self._tasks[i]) for i in page]}

    def _matching_tasks(self, location: str, body: Mapping[str, Any]) -> list[str]:
        if "contactId" in body:
            ids = [
                tid
                for cid in body["contactId"]
                if cid in self._contacts and self._contacts[cid]["locationId"] == location
                for tid in self._child_ids(cid, "tasks")
            ]
        else:
            ids = list(self._location_tasks.get(location, {}))
        completed = body.get("completed")
        assigned = set(body["assignedTo"]) if "assignedTo" in body else None
        query = str(body.get("query") or "").lower()
        business = body.get("businessId")
        out = []
        for tid in ids:
            task = self._tasks[tid]
            if completed is not None and bool(task.get("completed")) != completed:
                continue
            if assigned is not None and task.get("assignedTo") not in assigned:
                continue
            text = f"{task.get('title') or ''} {task.get('body') or ''}".lower()
            if query and query not in text:
                continue
            owner = self._contacts.get(task["contactId"], {})
            if business is not None and owner.get("businessId") != business:
                continue
            out.append(tid)
        return out
