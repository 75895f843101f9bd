"""The in-memory Ninox server behind [`FakeNinox`][ninoxsdk.testing.FakeNinox]: state, routing and
endpoint handlers.

Everything here speaks the classic wire format of the REFERENCE (``/v1/teams/...``); it does
not import the SDK client so the two stay independent.
"""

from __future__ import annotations

import email.parser
import email.policy
import json
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime, timezone
from typing import Any
from urllib.parse import unquote

import attrs
import httpx

from ninoxsdk.testing._schema import (
    FieldDecl,
    FieldSpec,
    FieldValueError,
    make_specs,
    sort_key,
    table_letters,
    to_storage,
    to_wire,
)

__all__ = ["FakeError", "NinoxServer", "ScriptDatabase", "ScriptError", "ScriptHandler"]

_META_KEYS = frozenset({"sequence", "createdAt", "createdBy", "modifiedAt", "modifiedBy"})
_TRUE = frozenset({"true", "1", "t", "yes"})


class FakeError(Exception):
    """An error answer: ``status`` and a ``{"message": ...}`` body."""

    def __init__(self, status: int, message: str, headers: Mapping[str, str] | None = None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = dict(headers or {})


class ScriptError(Exception):
    """Raise from a script handler to answer ``status`` with ``{"message": message}``."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


# ---------------------------------------------------------------------------------------------
# State


@attrs.define
class _File:
    name: str
    content: bytes
    content_type: str
    seq: int
    modified_ms: int
    modified_user: str

    def metadata(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "contentType": self.content_type,
            "size": len(self.content),
            "seq": self.seq,
            "modifiedDate": self.modified_ms,
            "modifiedUser": self.modified_user,
        }


@attrs.define
class _Record:
    id: int
    sequence: int
    created_at: datetime
    created_by: str
    modified_at: datetime
    modified_by: str
    values: dict[str, Any]  # field id -> stored value
    files: dict[str, _File] = attrs.Factory(dict)


@attrs.define
class _Table:
    id: str
    name: str
    fields: dict[str, FieldSpec]
    records: dict[int, _Record] = attrs.Factory(dict)
    next_id: int = 1

    def field(self, key: str) -> tuple[str, FieldSpec] | None:
        """Find a field by id first, then by name (both are accepted in writes)."""
        spec = self.fields.get(key)
        if spec is not None:
            return key, spec
        for fid, spec in self.fields.items():
            if spec.name == key:
                return fid, spec
        return None


@attrs.define
class _Database:
    id: str
    name: str
    team_id: str
    tables: dict[str, _Table] = attrs.Factory(dict)
    seq: int = 0
    removes: list[tuple[int, str, int]] = attrs.Factory(list)  # (seq, table id, record id)

    def table(self, key: str) -> _Table | None:
        """By id, else by name (name-in-path is tolerated per the REFERENCE)."""
        table = self.tables.get(key)
        if table is not None:
            return table
        for table in self.tables.values():
            if table.name == key:
                return table
        return None


@attrs.define
class _Team:
    id: str
    name: str
    databases: dict[str, _Database] = attrs.Factory(dict)


@attrs.frozen
class _Prepared:
    id: int | None
    upsert: bool
    values: dict[str, Any]  # field id -> stored value, None clears


@attrs.frozen
class Call:
    """One request as the handlers see it."""

    method: str
    path: dict[str, str]
    params: httpx.QueryParams
    headers: httpx.Headers
    body: bytes
    user_id: str


ScriptHandler = Callable[[str, "ScriptDatabase"], Any]
"""``handler(script, database) -> JSON value`` for the ``query`` and ``exec`` endpoints."""


def _fmt(value: datetime) -> str:
    return value.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S")


def _json_response(data: Any, status: int = 200) -> httpx.Response:
    return httpx.Response(
        status,
        content=json.dumps(data).encode(),
        headers={"content-type": "application/json; charset=utf-8"},
    )


def error_response(
    status: int, message: str, headers: Mapping[str, str] | None = None
) -> httpx.Response:
    """A Ninox classic error: ``{"message": ...}``."""
    response = _json_response({"message": message}, status)
    response.headers.update(headers or {})
    return response


def _empty() -> httpx.Response:
    return httpx.Response(200, content=b"")


def _parse_json(body: bytes) -> Any:
    if not body.strip():
        raise FakeError(400, "Request body must be JSON")
    try:
        return json.loads(body)
    except ValueError:
        raise FakeError(400, "Request body is not valid JSON") from None


def _int_param(params: httpx.QueryParams, name: str, default: int | None) -> int | None:
    raw = params.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise FakeError(400, f"Query parameter {name} must be an integer, got {raw!r}") from None


def _bool_param(params: httpx.QueryParams, name: str) -> bool:
    return str(params.get(name, "")).lower() in _TRUE


# The endpoint table: (method, template). Literal segments win over placeholders.
_T = "/teams/{team}"
_D = _T + "/databases/{db}"
_TB = _D + "/tables/{tid}"
_R = _TB + "/records/{rid}"
_F = _R + "/files/{file}"
ENDPOINTS: tuple[tuple[str, str, str], ...] = (
    ("GET", "/teams", "list_teams"),
    ("GET", _T, "get_team"),
    ("GET", _T + "/databases", "list_databases"),
    ("GET", _D, "get_database"),
    ("GET", _D + "/schema", "get_schema"),
    ("GET", _D + "/views", "list_views"),
    ("GET", _D + "/query", "query"),
    ("POST", _D + "/query", "query"),
    ("POST", _D + "/exec", "exec"),
    ("GET", _D + "/changes", "db_changes"),
    ("GET", _D + "/tables", "list_tables"),
    ("GET", _TB, "get_table"),
    ("GET", _TB + "/views", "list_views"),
    ("GET", _TB + "/changes", "table_changes"),
    ("POST", _TB + "/record", "find_record"),
    ("GET", _TB + "/records", "list_records"),
    ("POST", _TB + "/records", "save_records"),
    ("DELETE", _TB + "/records", "delete_records"),
    ("POST", _TB + "/records/delete", "delete_records_post"),
    ("GET", _R, "get_record"),
    ("PUT", _R, "update_record"),
    ("DELETE", _R, "delete_record"),
    ("GET", _R + "/changes", "record_changes"),
    ("GET", _R + "/files", "list_files"),
    ("POST", _R + "/files", "upload_file"),
    ("GET", _F, "download_file"),
    ("DELETE", _F, "delete_file"),
    ("GET", _F + "/metadata", "file_metadata"),
)
_SPLIT = tuple((m, t, tuple(t.strip("/").split("/")), h) for m, t, h in ENDPOINTS)


#: Query parameters that pick a page of a selection (not part of what is selected).
_PAGING = frozenset({"page", "perPage"})
#: Selections kept at most (the oldest query shapes are dropped all at once beyond it).
_MAX_SELECTIONS = 256


def match_route(method: str, segments: Sequence[str]) -> tuple[str, str, dict[str, str]] | None:
    """``(template, handler name, path params)`` for a request, or None (unknown endpoint)."""
    best: tuple[int, str, str, dict[str, str]] | None = None
    for m, template, parts, handler in _SPLIT:
        if m != method or len(parts) != len(segments):
            continue
        params: dict[str, str] = {}
        literal = 0
        for part, seg in zip(parts, segments, strict=True):
            if part.startswith("{"):
                params[part[1:-1]] = seg
            elif part == seg:
                literal += 1
            else:
                break
        else:
            if best is None or literal > best[0]:
                best = (literal, template, handler, params)
    if best is None:
        return None
    return best[1], best[2], best[3]


def split_path(raw_path: bytes) -> list[str] | None:
    """Segments after the ``v1`` that precedes ``teams``; any host and prefix are accepted."""
    path = raw_path.split(b"?", 1)[0].decode("ascii", "replace")
    segments = [unquote(s) for s in path.split("/") if s != ""]
    for i in range(len(segments) - 1):
        if segments[i] == "v1" and segments[i + 1] == "teams":
            return segments[i + 1 :]
    return None


def _parse_multipart(content_type: str, body: bytes) -> list[tuple[str, str | None, str, bytes]]:
    """``(name, filename, content type, data)`` per part of a multipart/form-data body."""
    if not content_type.lower().startswith("multipart/form-data"):
        raise FakeError(400, "Upload must be multipart/form-data")
    head = f"Content-Type: {content_type}\r\nMIME-Version: 1.0\r\n\r\n".encode()
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(head + body)
    if not message.is_multipart():
        raise FakeError(400, "Upload must be multipart/form-data")
    parts: list[tuple[str, str | None, str, bytes]] = []
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        payload = part.get_payload(decode=True)
        parts.append(
            (
                str(name or ""),
                part.get_filename(),
                part.get_content_type(),
                payload if isinstance(payload, bytes) else b"",
            )
        )
    return parts


# ---------------------------------------------------------------------------------------------
# The server


class NinoxServer:
    """State, seed API and endpoint handlers. [`FakeNinox`][ninoxsdk.testing.FakeNinox] adds the
    transport layer."""

    #: Seconds since the epoch (set by FakeNinox): record timestamps come from it.
    clock: Callable[[], float]

    def __init__(
        self,
        *,
        field_error_status: int = 500,
        validate_values: bool = True,
        batch_atomic: bool = True,
        supports_delete_many: bool = True,
        since_sq_requires_updated: bool = False,
        default_per_page: int = 100,
        max_per_page: int | None = None,
        scrambled_default_order: bool = False,
        script_handler: ScriptHandler | None = None,
        empty_script_result_as_empty_body: bool = True,
    ) -> None:
        self._lock = threading.RLock()
        self._teams: dict[str, _Team] = {}
        #: List queries' selections: (database, table, query) -> (state stamp, records).
        self._selections: dict[tuple[Any, ...], tuple[tuple[Any, ...], list[_Record]]] = {}
        self._ids = 0
        #: HTTP status for unknown fields, formula/read-only fields and bad values (REFERENCE
        #: observed 500; make it 400 to mimic a stricter server).
        self.field_error_status = field_error_status
        #: Check values against the field type (False: store what is sent, except choices).
        self.validate_values = validate_values
        #: True: a batch POST applies all items or none. False: items before the failing one
        #: stay written (the REFERENCE leaves atomicity UNCONFIRMED).
        self.batch_atomic = batch_atomic
        #: False: ``DELETE .../records`` answers 404 ``End-point not found`` (client fallback).
        self.supports_delete_many = supports_delete_many
        #: True: ``sinceSq`` is ignored unless ``updated=true`` (what one probe observed).
        self.since_sq_requires_updated = since_sq_requires_updated
        self.default_per_page = default_per_page
        #: Silently cap ``perPage`` (a short page then does not mean "last page").
        self.max_per_page = max_per_page
        #: Serve records without ``order``/``new``/``updated`` in a stable but non-id order.
        self.scrambled_default_order = scrambled_default_order
        #: ``handler(script, database) -> JSON`` for ``query``/``exec``; raise ScriptError.
        self.script_handler = script_handler
        #: A ``None`` script result answers an empty body (as n8n guards for), else ``null``.
        self.empty_script_result_as_empty_body = empty_script_result_as_empty_body

    # -- seed API (direct state access, no HTTP) ---------------------------------------------

    def _new_id(self, prefix: str, width: int) -> str:
        self._ids += 1
        return f"{prefix}{self._ids:0{width - len(prefix)}d}"

    def add_team(self, team_id: str | None = None, name: str = "Team") -> str:
        """Create a team (workspace); returns its id (generated when not given)."""
        with self._lock:
            tid = team_id or self._new_id("team", 17)
            if tid in self._teams:
                raise ValueError(f"team {tid!r} already exists")
            self._teams[tid] = _Team(id=tid, name=name)
            return tid

    def add_database(
        self, team_id: str, database_id: str | None = None, name: str = "Database"
    ) -> str:
        """Create a database in a team; returns its id (generated when not given)."""
        with self._lock:
            team = self._seed_team(team_id)
            did = database_id or self._new_id("db", 12)
            if did in team.databases:
                raise ValueError(f"database {did!r} already exists in team {team_id!r}")
            team.databases[did] = _Database(id=did, name=name, team_id=team_id)
            return did

    def add_table(
        self,
        team_id: str,
        database_id: str,
        table_id: str | None = None,
        name: str = "Table",
        fields: Mapping[str, FieldDecl] | Sequence[FieldDecl] | None = None,
    ) -> str:
        """Declare a table and its fields; returns the table id (next letter when not given).

        ``fields`` maps field ids to [`FieldSpec`][ninoxsdk.testing.FieldSpec], ``(name, type)`` or
        a bare name, or is
        a list of those (ids ``A``, ``B``, ... in order).
        """
        specs = make_specs(fields)
        with self._lock:
            db = self._seed_db(team_id, database_id)
            tid = table_id or next(
                table_letters(i)
                for i in range(len(db.tables) + 1)
                if table_letters(i) not in db.tables
            )
            if tid in db.tables:
                raise ValueError(f"table {tid!r} already exists in database {database_id!r}")
            db.tables[tid] = _Table(id=tid, name=name, fields=specs)
            return tid

    def rename_field(
        self, team_id: str, database_id: str, table: str, field: str, new_name: str
    ) -> None:
        """Rename a field (records are keyed by name, so reads change; ids stay)."""
        with self._lock:
            tbl = self._seed_table(team_id, database_id, table)
            found = tbl.field(field)
            if found is None:
                raise LookupError(f"no field {field!r} in table {tbl.name!r}")
            fid, spec = found
            tbl.fields[fid] = attrs.evolve(spec, name=new_name)

    def add_record(
        self,
        team_id: str,
        database_id: str,
        table: str,
        fields: Mapping[str, Any] | None = None,
        *,
        id: int | None = None,
        user_id: str = "root",
    ) -> dict[str, Any]:
        """Create a record as another user would (bumps the sequence); returns its wire form."""
        item: dict[str, Any] = {"fields": dict(fields or {})}
        if id is not None:
            if self.record(team_id, database_id, table, id) is not None:
                raise ValueError(f"record {id} already exists; use update_record()")
            item.update(id=id, _upsert=True)
        return self._seed_write(team_id, database_id, table, item, user_id)

    def update_record(
        self,
        team_id: str,
        database_id: str,
        table: str,
        record_id: int,
        fields: Mapping[str, Any],
        *,
        user_id: str = "root",
    ) -> dict[str, Any]:
        """Change a record as another user would (merge, bumps the sequence)."""
        item = {"id": record_id, "fields": dict(fields)}
        return self._seed_write(team_id, database_id, table, item, user_id)

    def delete_record(self, team_id: str, database_id: str, table: str, record_id: int) -> None:
        """Delete a record as another user would (recorded in ``/changes`` removes)."""
        with self._lock:
            db = self._seed_db(team_id, database_id)
            tbl = self._seed_table(team_id, database_id, table)
            if record_id not in tbl.records:
                raise LookupError(f"no record {record_id} in table {tbl.name!r}")
            self._delete(db, tbl, record_id)

    def records(self, team_id: str, database_id: str, table: str) -> list[dict[str, Any]]:
        """All records of a table in wire form (keyed by field name), sorted by id."""
        with self._lock:
            tbl = self._seed_table(team_id, database_id, table)
            return [self._render(tbl, r) for _id, r in sorted(tbl.records.items())]

    def record(
        self, team_id: str, database_id: str, table: str, record_id: int
    ) -> dict[str, Any] | None:
        """One record in wire form, or None."""
        with self._lock:
            tbl = self._seed_table(team_id, database_id, table)
            rec = tbl.records.get(record_id)
            return None if rec is None else self._render(tbl, rec)

    def add_file(
        self,
        team_id: str,
        database_id: str,
        table: str,
        record_id: int,
        name: str,
        data: bytes,
        content_type: str = "application/octet-stream",
        *,
        user_id: str = "root",
    ) -> None:
        """Attach a file to a record (bumps the sequence)."""
        with self._lock:
            db = self._seed_db(team_id, database_id)
            tbl = self._seed_table(team_id, database_id, table)
            rec = tbl.records.get(record_id)
            if rec is None:
                raise LookupError(f"no record {record_id} in table {tbl.name!r}")
            self._store_file(db, rec, name, data, content_type, user_id)

    def files(self, team_id: str, database_id: str, table: str, record_id: int) -> dict[str, bytes]:
        """File name -> content of one record's attachments."""
        with self._lock:
            tbl = self._seed_table(team_id, database_id, table)
            rec = tbl.records.get(record_id)
            if rec is None:
                raise LookupError(f"no record {record_id} in table {tbl.name!r}")
            return {n: f.content for n, f in sorted(rec.files.items())}

    def sequence(self, team_id: str, database_id: str) -> int:
        """The database-wide change sequence (last number handed out)."""
        with self._lock:
            return self._seed_db(team_id, database_id).seq

    def _seed_team(self, team_id: str) -> _Team:
        team = self._teams.get(team_id)
        if team is None:
            raise LookupError(f"unknown team {team_id!r}; call add_team() first")
        return team

    def _seed_db(self, team_id: str, database_id: str) -> _Database:
        db = self._seed_team(team_id).databases.get(database_id)
        if db is None:
            raise LookupError(f"unknown database {database_id!r}; call add_database() first")
        return db

    def _seed_table(self, team_id: str, database_id: str, table: str) -> _Table:
        tbl = self._seed_db(team_id, database_id).table(table)
        if tbl is None:
            raise LookupError(f"unknown table {table!r}; call add_table() first")
        return tbl

    def _seed_write(
        self, team_id: str, database_id: str, table: str, item: dict[str, Any], user_id: str
    ) -> dict[str, Any]:
        with self._lock:
            db = self._seed_db(team_id, database_id)
            tbl = self._seed_table(team_id, database_id, table)
            try:
                prepared = self._prepare(tbl, item)
            except FakeError as exc:
                raise ValueError(exc.message) from None
            return self._render(tbl, self._apply(db, tbl, prepared, user_id))

    # -- core operations (lock held) ---------------------------------------------------------

    def _now(self) -> datetime:
        return datetime.fromtimestamp(self.clock(), tz=timezone.utc)

    def _field_error(self, message: str) -> FakeError:
        return FakeError(self.field_error_status, message)

    def _prepare(self, tbl: _Table, item: Any) -> _Prepared:
        if not isinstance(item, dict):
            raise FakeError(400, f"Each record must be a JSON object, got {item!r}")
        unexpected = sorted(set(item) - {"id", "_upsert", "fields"} - _META_KEYS)
        if unexpected:
            raise FakeError(400, f"Unexpected keys {unexpected} in record; put values in 'fields'")
        rid = item.get("id")
        if rid is not None:
            if isinstance(rid, str) and rid.isdigit():
                rid = int(rid)
            if not isinstance(rid, int) or isinstance(rid, bool) or rid < 1:
                raise FakeError(400, f"Record id must be an integer >= 1, got {rid!r}")
        upsert = bool(item.get("_upsert", False))
        if rid is not None and not upsert and rid not in tbl.records:
            raise FakeError(404, f"Record Not Found: {rid} in table {tbl.name!r}")
        fields = item.get("fields", {})
        if not isinstance(fields, dict):
            raise FakeError(400, "'fields' must be a JSON object")
        return _Prepared(id=rid, upsert=upsert, values=self._values(tbl, fields))

    def _values(self, tbl: _Table, fields: Mapping[str, Any]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, value in fields.items():
            found = tbl.field(key)
            if found is None:
                raise self._field_error(f'Field not found: "{key}" in table "{tbl.name}"')
            fid, spec = found
            if not spec.writable:
                raise self._field_error(
                    f'Field is read-only: "{spec.name}" ({spec.type}) in table "{tbl.name}"'
                )
            if value is None:
                out[fid] = None
                continue
            try:
                out[fid] = to_storage(spec, value, validate=self.validate_values)
            except FieldValueError as exc:
                raise self._field_error(
                    f'Invalid value for field "{spec.name}" ({spec.type}) in table '
                    f'"{tbl.name}": {exc}'
                ) from None
        return out

    def _apply(self, db: _Database, tbl: _Table, prepared: _Prepared, user: str) -> _Record:
        db.seq += 1
        now = self._now()
        rec = tbl.records.get(prepared.id) if prepared.id is not None else None
        if rec is None:
            rid = prepared.id if prepared.id is not None else tbl.next_id
            tbl.next_id = max(tbl.next_id, rid + 1)
            values = {k: v for k, v in prepared.values.items() if v is not None}
            rec = _Record(
                id=rid,
                sequence=db.seq,
                created_at=now,
                created_by=user,
                modified_at=now,
                modified_by=user,
                values=values,
            )
            tbl.records[rid] = rec
            return rec
        for fid, value in prepared.values.items():
            if value is None:
                rec.values.pop(fid, None)
            else:
                rec.values[fid] = value
        self._touch(db, rec, user, now)
        return rec

    def _touch(self, db: _Database, rec: _Record, user: str, now: datetime) -> None:
        rec.sequence = db.seq
        rec.modified_at = now
        rec.modified_by = user

    def _delete(self, db: _Database, tbl: _Table, rid: int) -> None:
        del tbl.records[rid]
        db.seq += 1
        db.removes.append((db.seq, tbl.id, rid))

    def _store_file(
        self, db: _Database, rec: _Record, name: str, data: bytes, content_type: str, user: str
    ) -> _File:
        db.seq += 1
        now = self._now()
        stored = _File(
            name=name,
            content=bytes(data),
            content_type=content_type,
            seq=db.seq,
            modified_ms=int(now.timestamp() * 1000),
            modified_user=user,
        )
        rec.files[name] = stored
        self._touch(db, rec, user, now)
        return stored

    def _render(
        self, tbl: _Table, rec: _Record, *, by_id: bool = False, choice_ids: bool = False
    ) -> dict[str, Any]:
        fields: dict[str, Any] = {}
        for fid, spec in tbl.fields.items():
            if spec.is_formula or spec.type == "rev" or fid not in rec.values:
                continue
            fields[fid if by_id else spec.name] = to_wire(
                spec, rec.values[fid], choice_ids=choice_ids
            )
        return {
            "id": rec.id,
            "sequence": rec.sequence,
            "createdAt": _fmt(rec.created_at),
            "createdBy": rec.created_by,
            "modifiedAt": _fmt(rec.modified_at),
            "modifiedBy": rec.modified_by,
            "fields": fields,
        }

    # -- dispatch -----------------------------------------------------------------------------

    def _dispatch(self, handler: str, call: Call) -> httpx.Response:
        """Run one handler; FakeError becomes a ``{"message": ...}`` answer."""
        try:
            if handler in ("query", "exec"):
                return self._script(call, read_only=handler == "query")
            with self._lock:
                method: Callable[[Call], httpx.Response] = getattr(self, "_h_" + handler)
                return method(call)
        except FakeError as exc:
            return error_response(exc.status, exc.message, exc.headers)

    def _team(self, call: Call) -> _Team:
        team = self._teams.get(call.path["team"])
        if team is None:
            raise FakeError(404, "Team Not Found")
        return team

    def _db(self, call: Call) -> _Database:
        db = self._team(call).databases.get(call.path["db"])
        if db is None:
            raise FakeError(404, "Database Not Found")
        return db

    def _tbl(self, call: Call) -> tuple[_Database, _Table]:
        db = self._db(call)
        tbl = db.table(call.path["tid"])
        if tbl is None:
            raise FakeError(404, "Table Not Found")
        return db, tbl

    def _rec(self, call: Call) -> tuple[_Database, _Table, _Record]:
        db, tbl = self._tbl(call)
        raw = call.path["rid"]
        rec = tbl.records.get(int(raw)) if raw.isdigit() else None
        if rec is None:
            raise FakeError(404, "Record Not Found")
        return db, tbl, rec

    def _file(self, call: Call) -> tuple[_Database, _Record, _File]:
        db, _tbl, rec = self._rec(call)
        stored = rec.files.get(call.path["file"])
        if stored is None:
            raise FakeError(404, "File Not Found")
        return db, rec, stored

    # -- teams, databases, schema -------------------------------------------------------------

    def _h_list_teams(self, call: Call) -> httpx.Response:
        return _json_response([{"id": t.id, "name": t.name} for t in self._teams.values()])

    def _h_get_team(self, call: Call) -> httpx.Response:
        team = self._team(call)
        return _json_response({"id": team.id, "name": team.name})

    def _h_list_databases(self, call: Call) -> httpx.Response:
        dbs = self._team(call).databases.values()
        return _json_response([{"id": d.id, "name": d.name} for d in dbs])

    def _schema(self, db: _Database) -> dict[str, Any]:
        types: dict[str, Any] = {}
        for tbl in db.tables.values():
            fields: dict[str, Any] = {}
            for order, (fid, spec) in enumerate(tbl.fields.items()):
                entry: dict[str, Any] = {"base": spec.type, "caption": spec.name, "order": order}
                if spec.is_formula:
                    entry["base"] = "fn"
                    entry["fn"] = spec.fn or ""
                if spec.choices:
                    entry["values"] = {
                        cid: {"caption": cap, "order": i}
                        for i, (cid, cap) in enumerate(spec.choices)
                    }
                if spec.ref_table is not None:
                    entry["refTypeId"] = spec.ref_table
                if spec.reverse_field is not None:
                    entry["refFieldId"] = spec.reverse_field
                fields[fid] = entry
            types[tbl.id] = {"caption": tbl.name, "fields": fields}
        return {"seq": db.seq, "version": 3, "nextTypeId": len(db.tables) + 1, "types": types}

    def _h_get_database(self, call: Call) -> httpx.Response:
        db = self._db(call)
        settings = {"name": db.name, "icon": None, "color": None, "lock": False}
        return _json_response({"settings": settings, "schema": self._schema(db)})

    def _h_get_schema(self, call: Call) -> httpx.Response:
        return _json_response(self._schema(self._db(call)))

    def _h_list_views(self, call: Call) -> httpx.Response:
        if "tid" in call.path:
            self._tbl(call)
        else:
            self._db(call)
        return _json_response([])

    def _table_json(self, tbl: _Table) -> dict[str, Any]:
        fields: list[dict[str, Any]] = []
        for fid, spec in tbl.fields.items():
            if spec.is_formula:  # observed: /tables omits formula fields entirely
                continue
            entry: dict[str, Any] = {"id": fid, "name": spec.name, "type": spec.type}
            if spec.choices:
                entry["choices"] = [
                    {"id": cid, "caption": cap, "order": i}
                    for i, (cid, cap) in enumerate(spec.choices)
                ]
            if spec.ref_table is not None:
                entry["referenceToTable"] = spec.ref_table
            if spec.reverse_field is not None:
                entry["reverseField"] = spec.reverse_field
            fields.append(entry)
        return {"id": tbl.id, "name": tbl.name, "fields": fields}

    def _h_list_tables(self, call: Call) -> httpx.Response:
        return _json_response([self._table_json(t) for t in self._db(call).tables.values()])

    def _h_get_table(self, call: Call) -> httpx.Response:
        return _json_response(self._table_json(self._tbl(call)[1]))

    # -- records -------------------------------------------------------------------------------

    def _filters(self, tbl: _Table, raw: Any) -> list[tuple[str, Any]]:
        if isinstance(raw, (str, bytes)):
            try:
                raw = json.loads(raw)
            except ValueError:
                raise FakeError(400, "filters must be URL-encoded JSON") from None
        if raw is None:
            return []
        if not isinstance(raw, dict):
            raise FakeError(400, "filters must be a JSON object")
        # both {"fields": {...}} (clients) and the bare {...} (doc summary) are accepted
        nested = raw.get("fields")
        inner: dict[str, Any] = nested if isinstance(nested, dict) else raw
        out: list[tuple[str, Any]] = []
        for key, value in inner.items():
            found = tbl.field(key)
            if found is None:
                raise self._field_error(f'Field not found: "{key}" in table "{tbl.name}"')
            out.append((found[0], value))
        return out

    def _matches(self, tbl: _Table, rec: _Record, filters: list[tuple[str, Any]]) -> bool:
        for fid, wanted in filters:
            spec = tbl.fields[fid]
            have = rec.values.get(fid)
            if have is None:
                if wanted is not None:
                    return False
                continue
            shown = to_wire(spec, have, choice_ids=False)
            if shown != wanted and have != wanted and str(have) != str(wanted):
                return False
        return True

    def _select(self, db: _Database, tbl: _Table, params: httpx.QueryParams) -> list[_Record]:
        """The records a list query selects, in its order. Computed once per query and state
        of the database (any write takes a sequence number), so walking the pages of a query
        costs a slice per page, not a filter and sort of the table per page."""
        shape = tuple(sorted((k, v) for k, v in params.multi_items() if k not in _PAGING))
        key = (db.team_id, db.id, tbl.id, shape)
        stamp = (
            db.seq,
            tuple((fid, spec.name) for fid, spec in tbl.fields.items()),
            self.since_sq_requires_updated,
            self.scrambled_default_order,
        )
        cached = self._selections.get(key)
        if cached is not None and cached[0] == stamp:
            return cached[1]
        if len(self._selections) >= _MAX_SELECTIONS:
            self._selections.clear()
        recs = self._compute_select(tbl, params)
        self._selections[key] = (stamp, recs)
        return recs

    def _compute_select(self, tbl: _Table, params: httpx.QueryParams) -> list[_Record]:
        recs = list(tbl.records.values())
        filters = self._filters(tbl, params.get("filters"))
        if filters:
            recs = [r for r in recs if self._matches(tbl, r, filters)]
        since_id = _int_param(params, "sinceId", None)
        if since_id is not None:
            recs = [r for r in recs if r.id > since_id]
        new = _bool_param(params, "new")
        updated = _bool_param(params, "updated")
        since_sq = _int_param(params, "sinceSq", None)
        if since_sq is not None and (updated or not self.since_sq_requires_updated):
            recs = [r for r in recs if r.sequence > since_sq]
        order = params.get("order")
        desc = _bool_param(params, "desc")
        # new/updated win over order (the REFERENCE: "not combinable")
        if updated:
            recs.sort(key=lambda r: (r.sequence, r.id), reverse=True)
        elif new:
            recs.sort(key=lambda r: (r.created_at, r.id), reverse=True)
        elif order:
            recs.sort(key=self._order_key(tbl, order), reverse=desc)
        elif self.scrambled_default_order:
            recs.sort(key=lambda r: ((r.id * 2654435761) % 4294967291, r.id))
        else:
            recs.sort(key=lambda r: r.id)
        return recs

    def _order_key(self, tbl: _Table, order: str) -> Callable[[_Record], Any]:
        meta: dict[str, Callable[[_Record], Any]] = {
            "id": lambda r: r.id,
            "sequence": lambda r: (r.sequence, r.id),
            "createdAt": lambda r: (r.created_at, r.id),
            "modifiedAt": lambda r: (r.modified_at, r.id),
        }
        found = tbl.field(order)
        if found is None:
            if order in meta:
                return meta[order]
            raise self._field_error(f'Field not found: "{order}" in table "{tbl.name}"')
        fid, spec = found
        return lambda r: (sort_key(to_wire(spec, r.values.get(fid), choice_ids=False)), r.id)

    def _h_list_records(self, call: Call) -> httpx.Response:
        db, tbl = self._tbl(call)
        recs = self._select(db, tbl, call.params)
        page = _int_param(call.params, "page", 0)
        per_page = _int_param(call.params, "perPage", self.default_per_page)
        assert page is not None
        assert per_page is not None
        if page < 0 or per_page < 1:
            raise FakeError(400, "page must be >= 0 and perPage >= 1")
        if self.max_per_page is not None:
            per_page = min(per_page, self.max_per_page)
        chunk = recs[page * per_page : (page + 1) * per_page]
        by_id = _bool_param(call.params, "ids")
        choice_ids = call.params.get("choiceStyle", "").lower() in ("ids", "id")
        return _json_response(
            [self._render(tbl, r, by_id=by_id, choice_ids=choice_ids) for r in chunk]
        )

    def _h_find_record(self, call: Call) -> httpx.Response:
        _db, tbl = self._tbl(call)
        body = _parse_json(call.body) if call.body.strip() else {}
        filters = self._filters(tbl, body.get("filters") if isinstance(body, dict) else None)
        for rec in sorted(tbl.records.values(), key=lambda r: r.id):
            if self._matches(tbl, rec, filters):
                return _json_response(self._render(tbl, rec))
        raise FakeError(404, "Record Not Found")

    def _h_get_record(self, call: Call) -> httpx.Response:
        _db, tbl, rec = self._rec(call)
        choice_ids = call.params.get("choiceStyle", "").lower() in ("ids", "id")
        by_id = _bool_param(call.params, "ids")
        return _json_response(self._render(tbl, rec, by_id=by_id, choice_ids=choice_ids))

    def _h_save_records(self, call: Call) -> httpx.Response:
        db, tbl = self._tbl(call)
        body = _parse_json(call.body)
        single = isinstance(body, dict)
        items: list[Any] = [body] if single else body
        if not isinstance(items, list):
            raise FakeError(400, "Body must be a JSON array of records (or one record object)")
        saved: list[_Record] = []
        if self.batch_atomic:
            prepared = [self._prepare(tbl, item) for item in items]
            saved = [self._apply(db, tbl, p, call.user_id) for p in prepared]
        else:
            for item in items:
                saved.append(self._apply(db, tbl, self._prepare(tbl, item), call.user_id))
        rendered = [self._render(tbl, r) for r in saved]
        return _json_response(rendered[0] if single else rendered)

    def _h_update_record(self, call: Call) -> httpx.Response:
        db, tbl, rec = self._rec(call)
        body = _parse_json(call.body)
        if not isinstance(body, dict) or not isinstance(body.get("fields"), dict):
            raise FakeError(400, 'Body must be {"fields": {...}}')
        prepared = _Prepared(id=rec.id, upsert=False, values=self._values(tbl, body["fields"]))
        return _json_response(self._render(tbl, self._apply(db, tbl, prepared, call.user_id)))

    def _h_delete_record(self, call: Call) -> httpx.Response:
        db, tbl, rec = self._rec(call)
        self._delete(db, tbl, rec.id)
        return _empty()

    def _delete_many(self, call: Call) -> httpx.Response:
        db, tbl = self._tbl(call)
        body = _parse_json(call.body)
        if isinstance(body, dict):
            body = body.get("ids", body.get("records"))
        if not isinstance(body, list):
            raise FakeError(400, "Body must be a JSON array of record ids")
        ids: list[int] = []
        for raw in body:
            if isinstance(raw, str) and raw.isdigit():
                raw = int(raw)
            if not isinstance(raw, int) or isinstance(raw, bool):
                raise FakeError(400, f"Record ids must be integers, got {raw!r}")
            ids.append(raw)
        for rid in ids:
            if rid in tbl.records:  # already gone: skipped, so a retried delete is harmless
                self._delete(db, tbl, rid)
        return _empty()

    def _h_delete_records(self, call: Call) -> httpx.Response:
        if not self.supports_delete_many:
            raise FakeError(404, "End-point not found")
        return self._delete_many(call)

    def _h_delete_records_post(self, call: Call) -> httpx.Response:
        if not self.supports_delete_many:
            raise FakeError(404, "End-point not found")
        return self._delete_many(call)

    # -- changes ------------------------------------------------------------------------------

    def _changes(
        self, call: Call, db: _Database, tables: Iterable[_Table], rid: int | None = None
    ) -> httpx.Response:
        since = _int_param(call.params, "sinceSq", 0) or 0
        updates: dict[str, Any] = {}
        table_ids = set()
        for tbl in tables:
            table_ids.add(tbl.id)
            for rec in sorted(tbl.records.values(), key=lambda r: r.sequence):
                if rec.sequence > since and (rid is None or rec.id == rid):
                    updates[f"{tbl.id}{rec.id}"] = self._render(tbl, rec)
        removes = [
            f"{t}{r}"
            for seq, t, r in db.removes
            if seq > since and t in table_ids and (rid is None or r == rid)
        ]
        return _json_response(
            {
                "seq": db.seq,
                "updates": updates,
                "removes": removes,
                "files": [],
                "nextRids": {t.id: t.next_id for t in db.tables.values() if t.id in table_ids},
            }
        )

    def _h_db_changes(self, call: Call) -> httpx.Response:
        db = self._db(call)
        return self._changes(call, db, db.tables.values())

    def _h_table_changes(self, call: Call) -> httpx.Response:
        db, tbl = self._tbl(call)
        return self._changes(call, db, [tbl])

    def _h_record_changes(self, call: Call) -> httpx.Response:
        db, tbl = self._tbl(call)
        raw = call.path["rid"]
        if not raw.isdigit():
            raise FakeError(404, "Record Not Found")
        return self._changes(call, db, [tbl], int(raw))

    # -- files --------------------------------------------------------------------------------

    def _h_list_files(self, call: Call) -> httpx.Response:
        _db, _tbl, rec = self._rec(call)
        return _json_response([f.metadata() for _n, f in sorted(rec.files.items())])

    def _h_upload_file(self, call: Call) -> httpx.Response:
        db, tbl, rec = self._rec(call)
        parts = _parse_multipart(call.headers.get("content-type", ""), call.body)
        file_part = next((p for p in parts if p[0] == "file"), None)
        if file_part is None:
            raise FakeError(400, "Multipart part 'file' is missing")
        _name, filename, content_type, data = file_part
        if not filename:
            raise FakeError(400, "Multipart part 'file' needs a filename")
        field_part = next((p for p in parts if p[0] == "fieldName"), None)
        target: str | None = None
        if field_part is not None:
            key = field_part[3].decode()
            found = tbl.field(key)
            if found is None:
                raise self._field_error(f'Field not found: "{key}" in table "{tbl.name}"')
            target = found[0]
        stored = self._store_file(db, rec, filename, data, content_type, call.user_id)
        if target is not None:
            rec.values[target] = filename
        return _json_response(stored.metadata())

    def _h_download_file(self, call: Call) -> httpx.Response:
        _db, _rec, stored = self._file(call)
        return httpx.Response(
            200, content=stored.content, headers={"content-type": stored.content_type}
        )

    def _h_file_metadata(self, call: Call) -> httpx.Response:
        return _json_response(self._file(call)[2].metadata())

    def _h_delete_file(self, call: Call) -> httpx.Response:
        db, rec, stored = self._file(call)
        del rec.files[stored.name]
        for fid, value in list(rec.values.items()):
            if value == stored.name:  # the file was shown in an image/file field
                del rec.values[fid]
        db.seq += 1
        self._touch(db, rec, call.user_id, self._now())
        return _empty()

    # -- scripts ------------------------------------------------------------------------------

    def _script(self, call: Call, *, read_only: bool) -> httpx.Response:
        with self._lock:
            db = self._db(call)
        if call.method == "GET":
            script = call.params.get("query")
        else:
            body = _parse_json(call.body)
            script = body.get("query", body.get("script")) if isinstance(body, dict) else None
        if not isinstance(script, str) or not script:
            raise FakeError(400, 'Missing script: send {"query": "<script>"}')
        handler = self.script_handler
        if handler is None:
            raise FakeError(
                400, "FakeNinox has no script_handler; set fake.script_handler = fn(script, db)"
            )
        database = ScriptDatabase(self, db.team_id, db.id, db.name, read_only, call.user_id)
        try:
            result = handler(script, database)  # outside the lock: it may call back in
        except ScriptError as exc:
            raise FakeError(exc.status, exc.message) from None
        if result is None and self.empty_script_result_as_empty_body:
            return _empty()
        return _json_response(result)


class ScriptDatabase:
    """What a script handler sees: the database of the request and helpers on its tables.

    ``read_only`` is True for ``query`` (writes raise [`ScriptError`][ninoxsdk.testing.ScriptError])
    and False for
    ``exec``. Writes are attributed to the calling key's user and bump the sequence.
    """

    def __init__(
        self,
        server: NinoxServer,
        team_id: str,
        database_id: str,
        name: str,
        read_only: bool,
        user_id: str,
    ) -> None:
        self._server = server
        self.team_id = team_id
        self.database_id = database_id
        self.name = name
        self.read_only = read_only
        self.user_id = user_id

    def records(self, table: str) -> list[dict[str, Any]]:
        """All records of a table (by id or name), wire form."""
        return self._server.records(self.team_id, self.database_id, table)

    def record(self, table: str, record_id: int) -> dict[str, Any] | None:
        """One record or None."""
        return self._server.record(self.team_id, self.database_id, table, record_id)

    def _check_writable(self) -> None:
        if self.read_only:
            raise ScriptError("query is read-only; use exec to write", status=400)

    def save(
        self,
        table: str,
        fields: Mapping[str, Any],
        *,
        id: int | None = None,
    ) -> dict[str, Any]:
        """Create (no id) or update a record; raises ScriptError in a ``query``."""
        self._check_writable()
        try:
            if id is None:
                return self._server.add_record(
                    self.team_id, self.database_id, table, fields, user_id=self.user_id
                )
            return self._server.update_record(
                self.team_id, self.database_id, table, id, fields, user_id=self.user_id
            )
        except ValueError as exc:
            raise ScriptError(str(exc)) from None

    def delete(self, table: str, record_id: int) -> None:
        """Delete a record; raises ScriptError in a ``query``."""
        self._check_writable()
        try:
            self._server.delete_record(self.team_id, self.database_id, table, record_id)
        except LookupError as exc:
            raise ScriptError(str(exc), status=404) from None
