"""Notes of a contact: list, get, create, update, delete."""

from __future__ import annotations

import builtins

import httpx

from _sdkcore._http import Call, RequestOptions
from _sdkcore.serde import UNSET, Unset
from ghlsdk.models.records import Note
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

__all__ = ["AsyncNotes", "Notes"]

_BASE = "/contacts/{contact_id}/notes"
LIST = Operation("notes.list", "GET", _BASE, READ, "get-all-notes")
GET = Operation("notes.get", "GET", _BASE + "/{note_id}", READ, "get-note")
CREATE = Operation("notes.create", "POST", _BASE, WRITE, "create-note")
UPDATE = Operation("notes.update", "PUT", _BASE + "/{note_id}", WRITE, "update-note")
DELETE = Operation("notes.delete", "DELETE", _BASE + "/{note_id}", WRITE, "delete-note")
OPERATIONS = (LIST, GET, CREATE, UPDATE, DELETE)


def _parse_note(response: httpx.Response) -> Note:
    return envelope(response, "note", Note)


def _parse_notes(response: httpx.Response) -> list[Note]:
    return envelope_list(response, "notes", Note)


def list_notes(
    ctx: Context, contact_id: str, *, options: RequestOptions | None = None
) -> Call[list[Note]]:
    return Call(
        ctx.spec(LIST, path_params={"contact_id": contact_id}, options=options), _parse_notes
    )


def get_note(
    ctx: Context, contact_id: str, note_id: str, *, options: RequestOptions | None = None
) -> Call[Note]:
    path = {"contact_id": contact_id, "note_id": note_id}
    return Call(ctx.spec(GET, path_params=path, options=options), _parse_note)


def _note_body(
    *,
    body: str | Unset,
    user_id: str | Unset,
    title: str | Unset,
    color: str | Unset,
    pinned: bool | Unset,
) -> dict[str, object]:
    out: dict[str, object] = {}
    if not isinstance(body, Unset):
        out["body"] = _inputs.text("body", body, nullable=False)
    if not isinstance(user_id, Unset):
        out["userId"] = _inputs.text("user_id", user_id, nullable=False)
    if not isinstance(title, Unset):
        out["title"] = _inputs.text("title", title, nullable=False)
    if not isinstance(color, Unset):
        out["color"] = _inputs.text("color", color, nullable=False)
    if not isinstance(pinned, Unset):
        out["pinned"] = _inputs.boolean("pinned", pinned)
    return out


def create_note(
    ctx: Context,
    contact_id: str,
    *,
    body: str,
    user_id: str | Unset = UNSET,
    title: str | Unset = UNSET,
    color: str | Unset = UNSET,
    pinned: bool | Unset = UNSET,
    options: RequestOptions | None = None,
) -> Call[Note]:
    if not isinstance(body, str) or not body.strip():
        raise ValueError("a note needs a non-empty body")
    payload = _note_body(body=body, user_id=user_id, title=title, color=color, pinned=pinned)
    spec = ctx.spec(CREATE, path_params={"contact_id": contact_id}, json=payload, options=options)
    return Call(spec, _parse_note)


def update_note(
    ctx: Context,
    contact_id: str,
    note_id: str,
    *,
    body: str | Unset = UNSET,
    user_id: str | Unset = UNSET,
    title: str | Unset = UNSET,
    color: str | Unset = UNSET,
    pinned: bool | Unset = UNSET,
    options: RequestOptions | None = None,
) -> Call[Note]:
    payload = _note_body(body=body, user_id=user_id, title=title, color=color, pinned=pinned)
    if not payload:
        raise ValueError("notes.update() was given no field to change")
    path = {"contact_id": contact_id, "note_id": note_id}
    return Call(ctx.spec(UPDATE, path_params=path, json=payload, options=options), _parse_note)


def delete_note(
    ctx: Context, contact_id: str, note_id: str, *, options: RequestOptions | None = None
) -> Call[None]:
    path = {"contact_id": contact_id, "note_id": note_id}
    return Call(ctx.spec(DELETE, path_params=path, options=options), success)


class Notes(SyncResource):
    """Notes of a contact (``ghl.notes``)."""

    def list(
        self, contact_id: str, *, options: RequestOptions | None = None
    ) -> builtins.list[Note]:
        """All notes of a contact (unpaginated). Scope: ``contacts.readonly``."""
        return self._run.execute(list_notes(self._ctx, contact_id, options=options))

    def get(self, contact_id: str, note_id: str, *, options: RequestOptions | None = None) -> Note:
        """One note. Scope: ``contacts.readonly``."""
        return self._run.execute(get_note(self._ctx, contact_id, note_id, options=options))

    def create(
        self,
        contact_id: str,
        *,
        body: str,
        user_id: str | Unset = UNSET,
        title: str | Unset = UNSET,
        color: str | Unset = UNSET,
        pinned: bool | Unset = UNSET,
        options: RequestOptions | None = None,
    ) -> Note:
        """Add a note to a contact (``color`` is a hex string like ``"#FFAA00"``).
        Scope: ``contacts.write``."""
        return self._run.execute(
            create_note(
                self._ctx,
                contact_id,
                body=body,
                user_id=user_id,
                title=title,
                color=color,
                pinned=pinned,
                options=options,
            )
        )

    def update(
        self,
        contact_id: str,
        note_id: str,
        *,
        body: str | Unset = UNSET,
        user_id: str | Unset = UNSET,
        title: str | Unset = UNSET,
        color: str | Unset = UNSET,
        pinned: bool | Unset = UNSET,
        options: RequestOptions | None = None,
    ) -> Note:
        """Change the given fields of a note. Scope: ``contacts.write``."""
        return self._run.execute(
            update_note(
                self._ctx,
                contact_id,
                note_id,
                body=body,
                user_id=user_id,
                title=title,
                color=color,
                pinned=pinned,
                options=options,
            )
        )

    def delete(
        self, contact_id: str, note_id: str, *, options: RequestOptions | None = None
    ) -> None:
        """Delete a note. Scope: ``contacts.write``."""
        return self._run.execute(delete_note(self._ctx, contact_id, note_id, options=options))


class AsyncNotes(AsyncResource):
    """Notes of a contact (``ghl.notes`` on the async client)."""

    async def list(
        self, contact_id: str, *, options: RequestOptions | None = None
    ) -> builtins.list[Note]:
        """All notes of a contact (unpaginated). Scope: ``contacts.readonly``."""
        return await self._run.execute(list_notes(self._ctx, contact_id, options=options))

    async def get(
        self, contact_id: str, note_id: str, *, options: RequestOptions | None = None
    ) -> Note:
        """One note. Scope: ``contacts.readonly``."""
        return await self._run.execute(get_note(self._ctx, contact_id, note_id, options=options))

    async def create(
        self,
        contact_id: str,
        *,
        body: str,
        user_id: str | Unset = UNSET,
        title: str | Unset = UNSET,
        color: str | Unset = UNSET,
        pinned: bool | Unset = UNSET,
        options: RequestOptions | None = None,
    ) -> Note:
        """Add a note to a contact (``color`` is a hex string like ``"#FFAA00"``).
        Scope: ``contacts.write``."""
        return await self._run.execute(
            create_note(
                self._ctx,
                contact_id,
                body=body,
                user_id=user_id,
                title=title,
                color=color,
                pinned=pinned,
                options=options,
            )
        )

    async def update(
        self,
        contact_id: str,
        note_id: str,
        *,
        body: str | Unset = UNSET,
        user_id: str | Unset = UNSET,
        title: str | Unset = UNSET,
        color: str | Unset = UNSET,
        pinned: bool | Unset = UNSET,
        options: RequestOptions | None = None,
    ) -> Note:
        """Change the given fields of a note. Scope: ``contacts.write``."""
        return await self._run.execute(
            update_note(
                self._ctx,
                contact_id,
                note_id,
                body=body,
                user_id=user_id,
                title=title,
                color=color,
                pinned=pinned,
                options=options,
            )
        )

    async def delete(
        self, contact_id: str, note_id: str, *, options: RequestOptions | None = None
    ) -> None:
        """Delete a note. Scope: ``contacts.write``."""
        return await self._run.execute(delete_note(self._ctx, contact_id, note_id, options=options))
