"""Pure operation builders: each returns a `Call` (request + parse), never does I/O.

Paths follow the classic API reference (``/teams/{team}/databases/{db}/...``). Parse
functions turn a 2xx response into typed models, decoding record fields with the table's
codec when one is given.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from typing import IO, Any, Literal, TypeVar

import httpx

from _sdkcore._http import Call, RequestSpec
from _sdkcore.errors import APIResponseValidationError
from _sdkcore.parsing import json_body
from _sdkcore.paths import build_path, path_param
from ninoxsdk.fields import TableCodec
from ninoxsdk.models import (
    Database,
    FileInfo,
    Record,
    Schema,
    Table,
    Team,
    file_from_json,
    record_from_json,
    schema_from_json,
    table_from_json,
)

__all__ = [
    "check_int",
    "delete_file",
    "delete_record",
    "delete_records",
    "download_file",
    "exec_script",
    "file_metadata",
    "get_changes",
    "get_record",
    "get_schema",
    "get_table",
    "get_team",
    "list_databases",
    "list_files",
    "list_records",
    "list_tables",
    "list_teams",
    "query",
    "record_params",
    "save_records",
    "update_record",
    "upload_file",
]

T = TypeVar("T")


def db_path(team_id: str, database_id: str) -> str:
    """``/teams/{team}/databases/{db}`` with validated, encoded segments."""
    return build_path(
        "/teams/{team_id}/databases/{database_id}", team_id=team_id, database_id=database_id
    )


def _table_path(db: str, table_id: str) -> str:
    return db + build_path("/tables/{table_id}", table_id=table_id)


def _record_path(db: str, table_id: str, record_id: int) -> str:
    return (
        _table_path(db, table_id)
        + "/records/"
        + path_param(check_record_id(record_id), name="record_id")
    )


def check_record_id(record_id: Any, name: str = "record_id") -> int:
    """A record id must be an int >= 1 (digit strings are accepted)."""
    if isinstance(record_id, str) and record_id.strip().isdigit():
        record_id = int(record_id)
    if isinstance(record_id, bool) or not isinstance(record_id, int):
        raise TypeError(f"{name} must be an int (Ninox record ids are integers), got {record_id!r}")
    if record_id < 1:
        raise ValueError(f"{name} must be >= 1, got {record_id}")
    return record_id


def _converted(response: httpx.Response, what: str, body: Any, convert: Callable[[Any], T]) -> T:
    """``convert(body)``; a body of another shape raises ``APIResponseValidationError``
    naming ``what`` the response should have been."""
    try:
        return convert(body)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise APIResponseValidationError(
            f"could not read the response as {what}: {type(exc).__name__}: {exc}",
            response=response,
            body=body,
        ) from exc


def _list_of(response: httpx.Response, what: str) -> list[Any]:
    body = json_body(response)
    if not isinstance(body, list):
        raise APIResponseValidationError(
            f"expected a JSON array of {what}, got {type(body).__name__}",
            response=response,
            body=body,
        )
    return body


# ----------------------------------------------------------------------------- teams


def _rest(data: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in data.items() if k not in ("id", "name")}


def _team(data: Any) -> Team:
    return Team(id=str(data["id"]), name=str(data.get("name", "")), extra=_rest(data))


def _database(data: Any) -> Database:
    return Database(id=str(data["id"]), name=str(data.get("name", "")), extra=_rest(data))


def _parse_teams(response: httpx.Response) -> list[Team]:
    return _converted(response, "teams", _list_of(response, "teams"), _each(_team))


def _each(convert: Callable[[Any], T]) -> Callable[[list[Any]], list[T]]:
    return lambda items: [convert(item) for item in items]


def list_teams() -> Call[list[Team]]:
    """``GET /teams``."""
    return Call(RequestSpec(method="GET", path="/teams"), _parse_teams)


def _parse_team(response: httpx.Response) -> Team:
    return _converted(response, "a team", json_body(response), _team)


def get_team(team_id: str) -> Call[Team]:
    """``GET /teams/{team}``."""
    return Call(
        RequestSpec(method="GET", path=build_path("/teams/{team_id}", team_id=team_id)), _parse_team
    )


def _parse_databases(response: httpx.Response) -> list[Database]:
    return _converted(response, "databases", _list_of(response, "databases"), _each(_database))


def list_databases(team_id: str) -> Call[list[Database]]:
    """``GET /teams/{team}/databases``."""
    path = build_path("/teams/{team_id}/databases", team_id=team_id)
    return Call(RequestSpec(method="GET", path=path), _parse_databases)


# ---------------------------------------------------------------------------- schema


def _parse_schema(response: httpx.Response) -> Schema:
    return _converted(response, "a schema", json_body(response), schema_from_json)


def get_schema(db: str) -> Call[Schema]:
    """``GET …/databases/{db}/schema`` (full schema, includes formula fields)."""
    return Call(RequestSpec(method="GET", path=db + "/schema"), _parse_schema)


def _parse_tables(response: httpx.Response) -> list[Table]:
    return _converted(response, "tables", _list_of(response, "tables"), _each(table_from_json))


def list_tables(db: str) -> Call[list[Table]]:
    """``GET …/tables`` (tables with fields; formula fields are omitted by Ninox)."""
    return Call(RequestSpec(method="GET", path=db + "/tables"), _parse_tables)


def _parse_table(response: httpx.Response) -> Table:
    return _converted(response, "a table", json_body(response), table_from_json)


def get_table(db: str, table_id: str) -> Call[Table]:
    """``GET …/tables/{tid}``."""
    return Call(RequestSpec(method="GET", path=_table_path(db, table_id)), _parse_table)


# --------------------------------------------------------------------------- records


def check_int(value: Any, name: str, minimum: int, note: str = "") -> int:
    """``value`` if it is an int >= ``minimum``, else ValueError (before any request)."""
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ValueError(f"{name} must be an int >= {minimum}{note}, got {value!r}")
    return value


def record_params(
    per_page: int | None,
    order: str | None,
    desc: bool,
    new: bool,
    updated: bool,
    since_id: int | None,
    since_sq: int | None,
    filters: Mapping[str, Any] | None,
    page: int | None = None,
) -> dict[str, Any]:
    """Query parameters of ``GET …/records``, validated (ValueError/TypeError before any
    request). ``filters`` stays a mapping here: it is encoded with the table's codec once
    the table is resolved (`encode_filters`)."""
    params: dict[str, Any] = {}
    if page is not None:
        params["page"] = check_int(page, "page", 0, " (0-based)")
    if per_page is not None:
        params["perPage"] = check_int(per_page, "per_page", 1)
    if order is not None:
        if not isinstance(order, str) or not order:
            raise ValueError(f"order must be a field name or id, got {order!r}")
        if new or updated:
            raise ValueError("order cannot be combined with new=True or updated=True")
        params["order"] = order
    if new and updated:
        raise ValueError("pass at most one of new=True and updated=True")
    for key, flag in (("desc", desc), ("new", new), ("updated", updated)):
        if flag:
            params[key] = True
    if since_id is not None:
        params["sinceId"] = check_int(since_id, "since_id", 0)
    if since_sq is not None:
        params["sinceSq"] = check_int(since_sq, "since_sq", 0)
    if filters is not None:
        params["filters"] = filters
    return params


def encode_filters(filters: Mapping[str, Any], codec: TableCodec | None) -> str:
    """The ``filters`` JSON text (shape UNCONFIRMED: ``{"fields": {...}}`` by default)."""
    if not isinstance(filters, Mapping):
        raise TypeError(
            f"filters must be a mapping of field name to value, got {type(filters).__name__}"
        )
    inner = filters
    wrapped = len(filters) == 1 and isinstance(filters.get("fields"), Mapping)
    if wrapped:
        inner = filters["fields"]
    if codec is not None:
        encoded = {}
        for key, value in inner.items():
            try:
                encoded[key] = codec.encode_value(key, value)
            except KeyError:
                encoded[key] = value  # an unknown key may be a valid id form; let Ninox judge
        inner = encoded
    return json.dumps({"fields": dict(inner)}, separators=(",", ":"))


def _record_parser(codec: TableCodec | None) -> Any:
    if codec is None:
        return record_from_json
    decode = codec.decode

    def parse(data: Any) -> Record:
        raw = data.get("fields") if isinstance(data, Mapping) else None
        return record_from_json(data, decode(raw) if isinstance(raw, Mapping) else {})

    return parse


def records_parser(codec: TableCodec | None) -> Any:
    """Parse a JSON array of records (decoding fields with ``codec``)."""
    one = _record_parser(codec)

    def parse(response: httpx.Response) -> list[Record]:
        body = json_body(response)
        if isinstance(body, Mapping):  # a single object answered for a one-element write
            body = [body]
        if not isinstance(body, list):
            raise APIResponseValidationError(
                f"expected a JSON array of records, got {type(body).__name__}",
                response=response,
                body=body,
            )
        return _converted(response, "records", body, _each(one))

    return parse


def record_parser(codec: TableCodec | None, *, allow_empty: bool = False) -> Any:
    """Parse one record object (``None`` for an empty body when ``allow_empty``)."""
    one = _record_parser(codec)

    def parse(response: httpx.Response) -> Record | None:
        body = json_body(response, allow_empty=allow_empty)
        if body is None and allow_empty:
            return None
        if isinstance(body, list) and len(body) == 1:
            body = body[0]
        if allow_empty and not isinstance(body, Mapping):
            return None
        return _converted(response, "a record", body, one)  # type: ignore[no-any-return]

    return parse


def list_records(
    db: str, table_id: str, params: Mapping[str, Any], codec: TableCodec | None
) -> Call[list[Record]]:
    """``GET …/tables/{tid}/records`` with ``params`` from `record_params`."""
    spec = RequestSpec(
        method="GET", path=_table_path(db, table_id) + "/records", params=dict(params)
    )
    return Call(spec, records_parser(codec))


def get_record(db: str, table_id: str, record_id: int, codec: TableCodec | None) -> Call[Record]:
    """``GET …/records/{rid}``."""
    return Call(
        RequestSpec(method="GET", path=_record_path(db, table_id, record_id)), record_parser(codec)
    )


def save_records(
    db: str,
    table_id: str,
    body: Sequence[Mapping[str, Any]],
    codec: TableCodec | None,
    *,
    idempotent: bool = False,
) -> Call[list[Record]]:
    """``POST …/tables/{tid}/records`` with a JSON array (create without id, update with id).

    ``idempotent`` marks a chunk of plain updates, which is safe to resend on 502/503/504."""
    spec = RequestSpec(
        method="POST",
        path=_table_path(db, table_id) + "/records",
        json=list(body),
        idempotent=True if idempotent else None,
    )
    return Call(spec, records_parser(codec))


def update_record(
    db: str, table_id: str, record_id: int, fields: Mapping[str, Any], codec: TableCodec | None
) -> Call[Record | None]:
    """``PUT …/records/{rid}`` with ``{"fields": {...}}`` (merge). The response body is
    UNCONFIRMED: ``None`` when it is empty or not a record."""
    spec = RequestSpec(
        method="PUT", path=_record_path(db, table_id, record_id), json={"fields": dict(fields)}
    )
    return Call(spec, record_parser(codec, allow_empty=True))


def _ignore(response: httpx.Response) -> None:
    return None


def delete_record(db: str, table_id: str, record_id: int) -> Call[None]:
    """``DELETE …/records/{rid}``."""
    return Call(RequestSpec(method="DELETE", path=_record_path(db, table_id, record_id)), _ignore)


def delete_records(db: str, table_id: str, ids: Sequence[int]) -> Call[None]:
    """``DELETE …/tables/{tid}/records`` with a JSON array of ids (UNCONFIRMED call)."""
    spec = RequestSpec(method="DELETE", path=_table_path(db, table_id) + "/records", json=list(ids))
    return Call(spec, _ignore)


# ----------------------------------------------------------------------------- files


def _files_path(db: str, table_id: str, record_id: int, name: str | None = None) -> str:
    path = _record_path(db, table_id, record_id) + "/files"
    if name is not None:
        path += "/" + path_param(name, name="file name")
    return path


def _parse_files(response: httpx.Response) -> list[FileInfo]:
    body = json_body(response, allow_empty=True)
    if body is None:
        return []
    if isinstance(body, Mapping):  # tolerate an envelope
        body = body.get("files", body.get("data", []))
    if not isinstance(body, list):
        raise APIResponseValidationError(
            "expected a JSON array of files", response=response, body=body
        )
    return _converted(response, "files", body, _each(file_from_json))


def list_files(db: str, table_id: str, record_id: int) -> Call[list[FileInfo]]:
    """``GET …/records/{rid}/files``."""
    return Call(RequestSpec(method="GET", path=_files_path(db, table_id, record_id)), _parse_files)


def _content(response: httpx.Response) -> bytes:
    return response.content


def download_file(db: str, table_id: str, record_id: int, name: str) -> Call[bytes]:
    """``GET …/records/{rid}/files/{name}`` → raw bytes."""
    spec = RequestSpec(
        method="GET", path=_files_path(db, table_id, record_id, name), headers={"Accept": "*/*"}
    )
    return Call(spec, _content)


def _parse_file(response: httpx.Response) -> FileInfo:
    return _converted(response, "file metadata", json_body(response), file_from_json)


def file_metadata(db: str, table_id: str, record_id: int, name: str) -> Call[FileInfo]:
    """``GET …/files/{name}/metadata`` (UNCONFIRMED shape)."""
    path = _files_path(db, table_id, record_id, name) + "/metadata"
    return Call(RequestSpec(method="GET", path=path), _parse_file)


def upload_file(
    db: str,
    table_id: str,
    record_id: int,
    name: str,
    data: bytes | IO[bytes],
    *,
    field: str | None = None,
    content_type: str | None = None,
) -> Call[None]:
    """``POST …/records/{rid}/files`` as multipart: part ``file`` (+ ``fieldName``)."""
    if not isinstance(name, str) or not name.strip():
        raise ValueError("upload needs a non-empty file name")
    if not isinstance(data, (bytes, bytearray)) and not hasattr(data, "read"):
        raise TypeError(f"data must be bytes or a binary file object, got {type(data).__name__}")
    payload = bytes(data) if isinstance(data, (bytes, bytearray)) else data
    file_part: tuple[Any, ...] = (name, payload, content_type) if content_type else (name, payload)
    spec = RequestSpec(
        method="POST",
        path=_files_path(db, table_id, record_id),
        files={"file": file_part},
        data={"fieldName": field} if field is not None else None,
    )
    return Call(spec, _ignore)


def delete_file(db: str, table_id: str, record_id: int, name: str) -> Call[None]:
    """``DELETE …/records/{rid}/files/{name}``."""
    return Call(
        RequestSpec(method="DELETE", path=_files_path(db, table_id, record_id, name)), _ignore
    )


# ---------------------------------------------------------------- scripts and changes


def _script_result(response: httpx.Response) -> Any:
    content = response.content
    if not content.strip():
        return None
    try:
        return json.loads(content)
    except ValueError:
        return response.text  # a bare string result


def _check_script(script: Any) -> str:
    if not isinstance(script, str) or not script.strip():
        raise ValueError("script must be a non-empty Ninox script string")
    return script


def query(db: str, script: str, *, method: Literal["POST", "GET"] = "POST") -> Call[Any]:
    """Read-only script: ``POST …/query`` ``{"query": script}`` (or ``GET …/query?query=``).

    Marked idempotent (it cannot write), so it is retried on 502/503/504."""
    _check_script(script)
    if method == "GET":
        spec = RequestSpec(method="GET", path=db + "/query", params={"query": script})
    elif method == "POST":
        spec = RequestSpec(
            method="POST", path=db + "/query", json={"query": script}, idempotent=True
        )
    else:
        raise ValueError(f"method must be 'POST' or 'GET', got {method!r}")
    return Call(spec, _script_result)


def exec_script(db: str, script: str) -> Call[Any]:
    """Script that may write: ``POST …/exec`` ``{"query": script}``; never retried blindly."""
    _check_script(script)
    return Call(
        RequestSpec(method="POST", path=db + "/exec", json={"query": script}), _script_result
    )


def _parse_change_set(response: httpx.Response) -> dict[str, Any]:
    body = json_body(response)
    if not isinstance(body, Mapping):
        raise APIResponseValidationError(
            "expected a change-set object", response=response, body=body
        )
    return dict(body)


def get_changes(
    db: str, since_sq: int, *, table_id: str | None = None, record_id: int | None = None
) -> Call[dict[str, Any]]:
    """``GET …/changes?sinceSq=N`` for the database, a table or a record (raw object; shape
    UNCONFIRMED: ``seq``, ``updates``, ``removes``...)."""
    check_int(since_sq, "since_sq", 0)
    path = db
    if table_id is not None:
        path = _table_path(db, table_id)
        if record_id is not None:
            path = _record_path(db, table_id, record_id)
    spec = RequestSpec(method="GET", path=path + "/changes", params={"sinceSq": since_sq})
    return Call(spec, _parse_change_set)
