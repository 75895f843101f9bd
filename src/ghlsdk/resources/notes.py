"""Notes of a contact: list, get, create, update, delete."""

from __future__ import annotations

import httpx
from typing_extensions import Unpack

from _sdkcore._http import Call, RequestOptions
from _sdkcore.twins import op
from ghlsdk.models.records import Note
from ghlsdk.models.requests import NoteCreate, NoteCreateFields, NoteUpdate, NoteUpdateFields
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
    """All notes of a contact (one request: the API does not page).
    Scope: ``contacts.readonly``."""
    return Call(
        ctx.spec(LIST, path_params={"contact_id": contact_id}, options=options), _parse_notes
    )


def get_note(
    ctx: Context, contact_id: str, note_id: str, *, options: RequestOptions | None = None
) -> Call[Note]:
    """One note. Scope: ``contacts.readonly``."""
    path = {"contact_id": contact_id, "note_id": note_id}
    return Call(ctx.spec(GET, path_params=path, options=options), _parse_note)


def create_note(
    ctx: Context,
    /,
    contact_id: str,
    note: NoteCreate | None = None,
    *,
    options: RequestOptions | None = None,
    **fields: Unpack[NoteCreateFields],
) -> Call[Note]:
    """Add a note to a contact from a [`NoteCreate`][ghlsdk.models.requests.NoteCreate] or
    its fields as keyword arguments (``body`` is required; ``color`` is a hex string like
    ``"#FFAA00"``). Scope: ``contacts.write``."""
    payload = NoteCreate.of(note, fields).to_body()
    spec = ctx.spec(CREATE, path_params={"contact_id": contact_id}, json=payload, options=options)
    return Call(spec, _parse_note)


def update_note(
    ctx: Context,
    /,
    contact_id: str,
    note_id: str,
    changes: NoteUpdate | None = None,
    *,
    options: RequestOptions | None = None,
    **fields: Unpack[NoteUpdateFields],
) -> Call[Note]:
    """Change the fields set in a [`NoteUpdate`][ghlsdk.models.requests.NoteUpdate] (or
    given as keyword arguments). Scope: ``contacts.write``."""
    payload = NoteUpdate.of(changes, fields).to_body()
    if not payload:
        raise ValueError("notes.update() was given no field to change")
    path = {"contact_id": contact_id, "note_id": note_id}
    return Call(ctx.spec(UPDATE, path_params=path, json=payload, options=options), _parse_note)


def delete_note(
    ctx: Context, contact_id: str, note_id: str, *, options: RequestOptions | None = None
) -> Call[None]:
    """Delete a note. Scope: ``contacts.write``."""
    path = {"contact_id": contact_id, "note_id": note_id}
    return Call(ctx.spec(DELETE, path_params=path, options=options), success)


class _Notes:
    """The methods of [`Notes`][ghlsdk.resources.Notes] and its async twin."""

    list = op(list_notes)
    get = op(get_note)
    create = op(create_note)
    update = op(update_note)
    delete = op(delete_note)


class Notes(_Notes, SyncResource):
    """Notes of a contact (``ghl.notes``)."""


class AsyncNotes(_Notes, AsyncResource):
    """Notes of a contact (``ghl.notes`` on the async client)."""
