"""The multi-request record operations, written once as programs (see ``_sdkcore.programs``)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import timezone, tzinfo
from typing import Any, Literal

import attrs

from _sdkcore.errors import (
    APIError,
    APIResponseValidationError,
    APIStatusError,
    InternalServerError,
    NotFoundError,
    PermissionDeniedError,
)
from _sdkcore.logging import get_logger
from _sdkcore.programs import Emit, Program
from ninoxsdk.errors import BatchWriteError, FailedItem, UnknownTableError, field_names_hint
from ninoxsdk.fields import TableCodec
from ninoxsdk.models import Record, RecordWrite, Schema, Table
from ninoxsdk.resources import _ops as ops

_log = get_logger("ninoxsdk.records")

DeleteMany = Literal["auto", "bulk", "single"]
SchemaSource = Literal["auto", "schema", "tables"]

_TABLE_ID_RE = re.compile(r"^[A-Z]{1,3}$")
#: Statuses meaning "this server has no bulk delete" (rather than "these ids are wrong").
_NO_BULK_DELETE = frozenset({400, 404, 405, 415, 422, 500, 501})


@attrs.frozen(kw_only=True)
class RecordSettings:
    """Client-wide settings of the record operations (all configurable on the client)."""

    chunk_size: int = 100
    per_page: int = 500
    delete_many: DeleteMany = "auto"
    schema_source: SchemaSource = "auto"
    tz: tzinfo = timezone.utc


@attrs.define
class SchemaCache:
    """Per-database cache shared by every handle of one client: the schema, the codecs built
    from it, and whether the server accepted a bulk delete."""

    schema: Schema | None = None
    codecs: dict[str, TableCodec] = attrs.Factory(dict)
    bulk_delete: bool | None = None

    def clear(self) -> None:
        self.schema = None
        self.codecs.clear()


@attrs.frozen
class DbCtx:
    """Where a database lives and the shared state its handles use."""

    team_id: str
    database_id: str
    path: str
    settings: RecordSettings
    cache: SchemaCache


@attrs.frozen
class ClientCtx:
    """What every handle of one client shares: the record settings and a schema cache per
    database (copies made by ``with_options`` keep the same)."""

    settings: RecordSettings
    caches: dict[tuple[str, str], SchemaCache] = attrs.field(factory=dict, eq=False)

    def database(self, team_id: str, database_id: str) -> DbCtx:
        """The context of one database (both ids checked now)."""
        path = ops.db_path(team_id, database_id)
        cache = self.caches.setdefault((team_id, database_id), SchemaCache())
        return DbCtx(team_id, database_id, path, self.settings, cache)


@attrs.frozen
class TableCtx:
    """A table of a database, by name or id; ``typed`` decodes values with its codec."""

    db: DbCtx
    key: str
    typed: bool = True


@attrs.frozen
class FilesCtx:
    """The attachments of one record."""

    table: TableCtx
    record_id: int


@attrs.frozen
class Resolved:
    table_id: str
    codec: TableCodec | None
    table: Table | None
    name: str


# ---------------------------------------------------------------------------- schema


def load_schema(db: DbCtx, *, force: bool = False) -> Program[Schema]:
    """The database schema, from the cache unless ``force``; the full ``/schema`` first and
    ``/tables`` when the server has no ``/schema`` (``schema_source="auto"``)."""
    cache = db.cache
    if cache.schema is not None and not force:
        return cache.schema
    source = db.settings.schema_source
    schema: Schema
    if source == "tables":
        tables = yield ops.list_tables(db.path)
        schema = Schema(tables=tuple(tables))
    else:
        try:
            schema = yield ops.get_schema(db.path)
        except (NotFoundError, PermissionDeniedError, APIResponseValidationError):
            # No /schema endpoint, no admin role for it, or an unreadable (e.g. encrypted)
            # schema: /tables still describes every writable field.
            if source != "auto":
                raise
            tables = yield ops.list_tables(db.path)
            schema = Schema(tables=tuple(tables))
    cache.schema = schema
    cache.codecs.clear()
    return schema


def find_table(schema: Schema, key: str, db: DbCtx) -> Table:
    table = schema.table(key)
    if table is None:
        names = [f"{t.name} ({t.id})" for t in schema.tables]
        raise UnknownTableError(
            f"database {db.database_id} has no table {key!r}; tables: {field_names_hint(names)}"
        )
    return table


def resolve(ctx: TableCtx) -> Program[Resolved]:
    """The table id (and codec, when typed) for a table given by name or id."""
    if not ctx.typed and _TABLE_ID_RE.fullmatch(ctx.key):
        return Resolved(ctx.key, None, None, ctx.key)
    schema = yield from load_schema(ctx.db)
    table = find_table(schema, ctx.key, ctx.db)
    codec = None
    if ctx.typed:
        cache = ctx.db.cache
        codec = cache.codecs.get(table.id)
        if codec is None:
            codec = cache.codecs[table.id] = TableCodec(table, tz=ctx.db.settings.tz)
    return Resolved(table.id, codec, table, table.name)


def get_table(db: DbCtx, key: str) -> Program[Table]:
    """``GET …/tables/{tid}`` for a table given by id (or name, resolved via the schema)."""
    table_id = key
    if not _TABLE_ID_RE.fullmatch(key):
        schema = yield from load_schema(db)
        table_id = find_table(schema, key, db).id
    table: Table = yield ops.get_table(db.path, table_id)
    return table


# ------------------------------------------------------------------------- one record


def list_records(ctx: TableCtx, params: Mapping[str, Any]) -> Program[list[Record]]:
    res = yield from resolve(ctx)
    query = dict(params)
    if "filters" in query:
        query["filters"] = ops.encode_filters(query["filters"], res.codec)
    records: list[Record] = yield ops.list_records(ctx.db.path, res.table_id, query, res.codec)
    return records


def get_record(ctx: TableCtx, record_id: int) -> Program[Record]:
    ops.check_record_id(record_id)
    res = yield from resolve(ctx)
    record: Record = yield ops.get_record(ctx.db.path, res.table_id, record_id, res.codec)
    return record


def _encode(res: Resolved, fields: Any, *, skip_read_only: bool = False) -> dict[str, Any]:
    if not isinstance(fields, Mapping):
        raise TypeError(
            f"fields must be a mapping of field name to value, got {type(fields).__name__}"
        )
    if res.codec is None:
        return dict(fields)
    return res.codec.encode(fields, skip_read_only=skip_read_only)


def update_record(ctx: TableCtx, record_id: int, fields: Mapping[str, Any]) -> Program[Record]:
    ops.check_record_id(record_id)
    res = yield from resolve(ctx)
    body = _encode(res, fields)
    try:
        record: Record | None = yield ops.update_record(
            ctx.db.path, res.table_id, record_id, body, res.codec
        )
    except InternalServerError:
        ctx.db.cache.clear()  # a 500 on write usually means a stale or wrong field name
        raise
    if record is None:  # the server answered without the record: read it back
        record = yield ops.get_record(ctx.db.path, res.table_id, record_id, res.codec)
    return record


def delete_record(ctx: TableCtx, record_id: int) -> Program[None]:
    ops.check_record_id(record_id)
    res = yield from resolve(ctx)
    yield ops.delete_record(ctx.db.path, res.table_id, record_id)


# ------------------------------------------------------------------------ batch save


def _write_body(res: Resolved, item: Any, index: int) -> tuple[dict[str, Any], bool]:
    """(JSON element, is a plain update) for one input item of ``save``."""
    rid: Any = None
    upsert = False
    skip_read_only = False
    if isinstance(item, RecordWrite):
        rid, fields, upsert = item.id, item.fields, item.upsert
    elif isinstance(item, Record):
        rid, fields, skip_read_only = item.id, item.fields, True
    elif isinstance(item, Mapping):
        keys = set(item)
        if isinstance(item.get("fields"), Mapping) and keys <= {
            "id",
            "fields",
            "_upsert",
            "upsert",
        }:
            rid = item.get("id")
            fields = item["fields"]
            upsert = bool(item.get("_upsert", item.get("upsert", False)))
        else:
            fields = item
    else:
        raise TypeError(
            f"save() item {index} must be a mapping of fields, {{'id': ..., 'fields': {{...}}}}, "
            f"a RecordWrite or a Record; got {type(item).__name__}"
        )
    body: dict[str, Any] = {}
    if rid is not None:
        body["id"] = ops.check_record_id(rid, name=f"id of save() item {index}")
    if upsert:
        if rid is None:
            raise ValueError(f"save() item {index}: upsert needs an 'id'")
        body["_upsert"] = True
    body["fields"] = _encode(res, fields, skip_read_only=skip_read_only)
    return body, rid is not None and not upsert


def save_records(
    ctx: TableCtx, items: Iterable[Any], chunk_size: int | None, continue_on_error: bool
) -> Program[list[Record]]:
    """Create/update in chunks; every item is checked before the first write request."""
    if isinstance(items, (Mapping, str, bytes)) or not isinstance(items, Iterable):
        raise TypeError("save() takes a list of records (wrap a single record in a list)")
    size = ops.check_int(
        ctx.db.settings.chunk_size if chunk_size is None else chunk_size, "chunk_size", 1
    )
    given = list(items)
    if not given:
        return []
    res = yield from resolve(ctx)
    prepared = [_write_body(res, item, i) for i, item in enumerate(given)]
    saved: list[Record] = []
    failed: list[FailedItem] = []
    pending: list[tuple[int, Any]] = []
    for start in range(0, len(prepared), size):
        chunk = prepared[start : start + size]
        if failed and not continue_on_error:
            pending.extend((start + i, given[start + i]) for i in range(len(chunk)))
            continue
        try:
            records: list[Record] = yield ops.save_records(
                ctx.db.path,
                res.table_id,
                [body for body, _ in chunk],
                res.codec,
                idempotent=all(update for _, update in chunk),
            )
        except APIError as exc:
            if isinstance(exc, InternalServerError):
                ctx.db.cache.clear()
            failed.extend(
                FailedItem(index=start + i, item=given[start + i], error=exc)
                for i in range(len(chunk))
            )
            continue
        if len(records) != len(chunk):
            _log.warning(
                "save to %s: sent %d records, the server returned %d",
                res.name,
                len(chunk),
                len(records),
            )
        saved.extend(records)
    if failed:
        first = failed[0].error
        raise BatchWriteError(
            f"save to {res.name}: {len(saved)} of {len(given)} records saved; "
            f"{len(failed)} failed (items {_ranges([f.index for f in failed])}): {first}"
            + (
                f"; {len(pending)} not sent (items {_ranges([i for i, _ in pending])})"
                if pending
                else ""
            ),
            table=res.name,
            saved=saved,
            failed=failed,
            pending=pending,
        ) from first
    return saved


def _ranges(indexes: Sequence[int]) -> str:
    """``[0,1,2,5]`` → ``0-2, 5``."""
    parts: list[str] = []
    start = prev = None
    for i in indexes:
        if start is None:
            start = prev = i
        elif prev is not None and i == prev + 1:
            prev = i
        else:
            parts.append(f"{start}-{prev}" if start != prev else f"{start}")
            start = prev = i
    if start is not None:
        parts.append(f"{start}-{prev}" if start != prev else f"{start}")
    return ", ".join(parts)


# ----------------------------------------------------------------------- delete many


def delete_many(
    ctx: TableCtx, ids: Iterable[Any], chunk_size: int | None, continue_on_error: bool
) -> Program[list[int]]:
    """Delete ``ids``: the bulk call where the server takes it, else one request per id."""
    if isinstance(ids, (str, bytes)) or not isinstance(ids, Iterable):
        raise TypeError("delete_many() takes a list of record ids")
    wanted = [ops.check_record_id(i, name=f"id {i!r}") for i in ids]
    size = ops.check_int(
        ctx.db.settings.chunk_size if chunk_size is None else chunk_size, "chunk_size", 1
    )
    if not wanted:
        return []
    res = yield from resolve(ctx)
    mode = ctx.db.settings.delete_many
    cache = ctx.db.cache
    deleted: list[int] = []
    failed: list[FailedItem] = []
    start = 0
    if mode == "bulk" or (mode == "auto" and cache.bulk_delete is not False):
        while start < len(wanted):
            chunk = wanted[start : start + size]
            try:
                yield ops.delete_records(ctx.db.path, res.table_id, chunk)
            except APIError as exc:
                if (
                    mode == "auto"
                    and cache.bulk_delete is None
                    and isinstance(exc, APIStatusError)
                    and exc.status_code in _NO_BULK_DELETE
                ):
                    _log.info(
                        "bulk delete on %s answered %d; falling back to single deletes",
                        res.name,
                        exc.status_code,
                    )
                    cache.bulk_delete = False
                    break
                failed.extend(
                    FailedItem(index=start + i, item=rid, error=exc) for i, rid in enumerate(chunk)
                )
                start += len(chunk)
                if not continue_on_error:
                    break
                continue
            cache.bulk_delete = True
            deleted.extend(chunk)
            start += len(chunk)
        else:
            return deleted
        if failed:
            return _raise_delete(res, wanted, deleted, failed, start)
    while start < len(wanted):
        rid = wanted[start]
        try:
            yield ops.delete_record(ctx.db.path, res.table_id, rid)
        except APIError as exc:
            failed.append(FailedItem(index=start, item=rid, error=exc))
            if not continue_on_error:
                start += 1
                break
        else:
            deleted.append(rid)
        start += 1
    if failed:
        return _raise_delete(res, wanted, deleted, failed, start)
    return deleted


def _raise_delete(
    res: Resolved, wanted: list[int], deleted: list[int], failed: list[FailedItem], start: int
) -> list[int]:
    pending = [(i, wanted[i]) for i in range(start, len(wanted))]
    first = failed[0].error
    raise BatchWriteError(
        f"delete_many on {res.name}: {len(deleted)} of {len(wanted)} deleted; {len(failed)} failed "
        f"(ids {field_names_hint([f.item for f in failed])}): {first}"
        + (f"; {len(pending)} not sent" if pending else ""),
        table=res.name,
        saved=deleted,
        failed=failed,
        pending=pending,
    ) from first


# ------------------------------------------------------------------------- iteration


def iterate(ctx: TableCtx, query: Mapping[str, Any]) -> Program[None]:
    """Every record across pages, none skipped or repeated; ``query`` is the validated query
    of ``GET …/records`` without ``page`` (``filters`` not yet encoded).

    With no explicit ordering the scan is keyset paging by id (``sinceId`` = the largest id
    seen), which is stable while records are created or deleted between pages. With
    ``order``/``new``/``updated`` it pages by index and drops repeats by id (records moved by
    concurrent writes can then be missed, since Ninox offers no stable cursor there). If the
    server ignores ``sinceId`` the scan falls back to page indexes."""
    base = dict(query)
    size = base.setdefault("perPage", ctx.db.settings.per_page)
    since_id: int | None = base.get("sinceId")
    filters = base.pop("filters", None)
    res = yield from resolve(ctx)
    if filters is not None:
        base["filters"] = ops.encode_filters(filters, res.codec)
    seen: set[int] = set()
    keyset = not any(key in base for key in ("order", "new", "updated", "desc"))
    cursor = since_id
    page = 0
    last_ids: tuple[int, ...] = ()
    while True:
        params = dict(base)
        if keyset:
            if cursor is not None:
                params["sinceId"] = cursor
        else:
            params["page"] = page
        records: list[Record] = yield ops.list_records(ctx.db.path, res.table_id, params, res.codec)
        batch = sorted(records, key=lambda r: r.id) if keyset else records
        floor = cursor if keyset else since_id
        fresh = [r for r in batch if r.id not in seen and (floor is None or r.id > floor)]
        seen.update(r.id for r in fresh)
        if fresh:
            yield Emit(fresh)
        if len(records) < size:
            return
        page += 1
        if keyset:
            top = max(r.id for r in records)
            if cursor is not None and top <= cursor:
                _log.warning(
                    "%s: the server ignored sinceId=%s; continuing by page index", res.name, cursor
                )
                keyset = False
                page = 0  # start over by index; records already yielded are skipped by id
                continue
            cursor = top
        else:
            ids = tuple(r.id for r in records)
            if ids == last_ids:
                _log.warning("%s: page %d repeated the previous page; stopping", res.name, page - 1)
                return
            last_ids = ids


def changes(ctx: TableCtx, since_sq: int | None, per_page: int | None) -> Program[int | None]:
    """Records created or modified after sequence ``since_sq``; returns the new cursor.

    Asks ``updated=true&sinceSq=N`` page by page (newest first) and also filters on
    ``sequence > since_sq`` client-side, because one probe saw ``sinceSq`` ignored (the
    reference's caveat). ``since_sq=None`` bootstraps: it yields nothing and returns the
    current high-water mark."""
    size = ctx.db.settings.per_page if per_page is None else per_page
    if since_sq is not None:
        ops.check_int(since_sq, "since_sq", 0, " or None")
    base = {"perPage": ops.check_int(size, "per_page", 1), "updated": True}
    res = yield from resolve(ctx)
    if since_sq is None:
        first: list[Record] = yield ops.list_records(
            ctx.db.path, res.table_id, {**base, "perPage": 1, "page": 0}, res.codec
        )
        sequences = [r.sequence for r in first if r.sequence is not None]
        return max(sequences) if sequences else 0
    seen: set[int] = set()
    high = since_sq
    page = 0
    while True:
        params = {**base, "sinceSq": since_sq, "page": page}
        records: list[Record] = yield ops.list_records(ctx.db.path, res.table_id, params, res.codec)
        fresh = [
            r for r in records if r.id not in seen and (r.sequence is None or r.sequence > since_sq)
        ]
        seen.update(r.id for r in fresh)
        for r in fresh:
            if r.sequence is not None and r.sequence > high:
                high = r.sequence
        if fresh:
            yield Emit(fresh)
        if len(records) < size:
            return high
        if any(r.sequence is not None and r.sequence <= since_sq for r in records):
            return high  # newest first: the rest is older than the cursor
        page += 1
