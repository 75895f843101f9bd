"""Table handles (records, files, change polling), in sync/async twins.

Every method is a one-liner over a pure program or call (``_programs`` / ``_ops``); the twins
differ only by ``await`` / ``async for``.
"""

from __future__ import annotations

import builtins
from collections.abc import AsyncIterator, Callable, Iterable, Iterator, Mapping
from typing import IO, Any, TypeVar

from _sdkcore._http import AsyncHTTP, Call, RequestOptions, SyncHTTP
from _sdkcore.programs import Program, arun, astream, run, stream
from ninoxsdk.fields import TableCodec
from ninoxsdk.models import FileInfo, Record, Table
from ninoxsdk.resources import _ops as ops
from ninoxsdk.resources import _programs as prog

__all__ = [
    "AsyncChanges",
    "AsyncRecordFiles",
    "AsyncTableHandle",
    "Changes",
    "RecordFiles",
    "TableHandle",
]

T = TypeVar("T")


def _files_call(
    ctx: prog.TableCtx,
    record_id: int,
    build: Callable[..., Call[T]],
    *args: Any,
    **kwargs: Any,
) -> Program[T]:
    ops.check_record_id(record_id)
    res = yield from prog.resolve(ctx)
    result: T = yield build(ctx.db.path, res.table_id, record_id, *args, **kwargs)
    return result


def _check_iter(
    per_page: int | None,
    order: str | None,
    desc: bool,
    new: bool,
    updated: bool,
    since_id: int | None,
    since_sq: int | None,
) -> None:
    """Validate iteration arguments when iter() is called, not at the first next()."""
    ops.record_params(
        per_page=per_page,
        order=order,
        desc=desc,
        new=new,
        updated=updated,
        since_id=since_id,
        since_sq=since_sq,
    )


def _check_changes(since_sq: int | None, per_page: int | None) -> None:
    if since_sq is not None:
        ops.record_params(since_sq=since_sq)
    ops.record_params(per_page=per_page)


def _table_info(ctx: prog.TableCtx) -> Program[Table]:
    res = yield from prog.resolve(prog.TableCtx(ctx.db, ctx.key, typed=True))
    assert res.table is not None
    return res.table


def _codec(ctx: prog.TableCtx) -> Program[TableCodec]:
    res = yield from prog.resolve(prog.TableCtx(ctx.db, ctx.key, typed=True))
    assert res.codec is not None
    return res.codec


class RecordFiles:
    """Attachments of one record: ``list``, ``download``, ``upload``, ``delete``, ``metadata``."""

    def __init__(self, http: SyncHTTP, ctx: prog.TableCtx, record_id: int) -> None:
        self._http = http
        self._ctx = ctx
        self.record_id = ops.check_record_id(record_id)

    def list(self, *, options: RequestOptions | None = None) -> builtins.list[FileInfo]:
        """``GET …/records/{rid}/files``."""
        return run(self._http, options, _files_call(self._ctx, self.record_id, ops.list_files))

    def download(self, name: str, *, options: RequestOptions | None = None) -> bytes:
        """The file's raw bytes."""
        return run(
            self._http, options, _files_call(self._ctx, self.record_id, ops.download_file, name)
        )

    def metadata(self, name: str, *, options: RequestOptions | None = None) -> FileInfo:
        """``GET …/files/{name}/metadata`` (UNCONFIRMED endpoint)."""
        return run(
            self._http, options, _files_call(self._ctx, self.record_id, ops.file_metadata, name)
        )

    def upload(
        self,
        name: str,
        data: bytes | IO[bytes],
        field: str | None = None,
        *,
        content_type: str | None = None,
        options: RequestOptions | None = None,
    ) -> None:
        """Upload as multipart part ``file``; ``field`` (name or id) puts it into an image/file
        field (``fieldName`` part)."""
        run(
            self._http,
            options,
            _files_call(
                self._ctx,
                self.record_id,
                ops.upload_file,
                name,
                data,
                field=field,
                content_type=content_type,
            ),
        )

    def delete(self, name: str, *, options: RequestOptions | None = None) -> None:
        """``DELETE …/records/{rid}/files/{name}``."""
        run(self._http, options, _files_call(self._ctx, self.record_id, ops.delete_file, name))


class AsyncRecordFiles:
    """Attachments of one record: ``list``, ``download``, ``upload``, ``delete``, ``metadata``."""

    def __init__(self, http: AsyncHTTP, ctx: prog.TableCtx, record_id: int) -> None:
        self._http = http
        self._ctx = ctx
        self.record_id = ops.check_record_id(record_id)

    async def list(self, *, options: RequestOptions | None = None) -> builtins.list[FileInfo]:
        """``GET …/records/{rid}/files``."""
        return await arun(
            self._http, options, _files_call(self._ctx, self.record_id, ops.list_files)
        )

    async def download(self, name: str, *, options: RequestOptions | None = None) -> bytes:
        """The file's raw bytes."""
        return await arun(
            self._http, options, _files_call(self._ctx, self.record_id, ops.download_file, name)
        )

    async def metadata(self, name: str, *, options: RequestOptions | None = None) -> FileInfo:
        """``GET …/files/{name}/metadata`` (UNCONFIRMED endpoint)."""
        return await arun(
            self._http, options, _files_call(self._ctx, self.record_id, ops.file_metadata, name)
        )

    async def upload(
        self,
        name: str,
        data: bytes | IO[bytes],
        field: str | None = None,
        *,
        content_type: str | None = None,
        options: RequestOptions | None = None,
    ) -> None:
        """Upload as multipart part ``file``; ``field`` (name or id) puts it into an image/file
        field (``fieldName`` part)."""
        await arun(
            self._http,
            options,
            _files_call(
                self._ctx,
                self.record_id,
                ops.upload_file,
                name,
                data,
                field=field,
                content_type=content_type,
            ),
        )

    async def delete(self, name: str, *, options: RequestOptions | None = None) -> None:
        """``DELETE …/records/{rid}/files/{name}``."""
        await arun(
            self._http, options, _files_call(self._ctx, self.record_id, ops.delete_file, name)
        )


class Changes:
    """Records changed since a sequence, from ``t.changes(since_sq)``.

    Iterate it for the changed records; ``cursor`` is the sequence to pass next time. It moves
    forward only when the iteration completed, so a crash part-way re-reads the same changes
    rather than losing some. With ``since_sq=None`` nothing is yielded and ``cursor`` becomes
    the table's current high-water mark."""

    def __init__(
        self,
        http: SyncHTTP,
        ctx: prog.TableCtx,
        since_sq: int | None,
        per_page: int | None,
        options: RequestOptions | None = None,
    ) -> None:
        self._http = http
        self._ctx = ctx
        self.since_sq = since_sq
        self.cursor = since_sq
        self._per_page = per_page
        self._options = options

    def _done(self, cursor: int | None) -> None:
        self.cursor = cursor

    def __iter__(self) -> Iterator[Record]:
        return stream(
            self._http,
            self._options,
            prog.changes(self._ctx, self.since_sq, self._per_page),
            self._done,
        )

    def to_list(self) -> builtins.list[Record]:
        """All changed records (and the cursor advanced)."""
        return list(self)


class AsyncChanges:
    """Async twin of [`Changes`][ninoxsdk.resources.Changes]: ``async for record in changes``; then
    ``cursor``."""

    def __init__(
        self,
        http: AsyncHTTP,
        ctx: prog.TableCtx,
        since_sq: int | None,
        per_page: int | None,
        options: RequestOptions | None = None,
    ) -> None:
        self._http = http
        self._ctx = ctx
        self.since_sq = since_sq
        self.cursor = since_sq
        self._per_page = per_page
        self._options = options

    def _done(self, cursor: int | None) -> None:
        self.cursor = cursor

    def __aiter__(self) -> AsyncIterator[Record]:
        return astream(
            self._http,
            self._options,
            prog.changes(self._ctx, self.since_sq, self._per_page),
            self._done,
        )

    async def to_list(self) -> builtins.list[Record]:
        """All changed records (and the cursor advanced)."""
        return [r async for r in self]


class TableHandle:
    """Records of one table, addressed by name or id (names resolved through the cached
    schema on first use). Obtain with ``db.table("Contacts")``."""

    def __init__(self, http: SyncHTTP, ctx: prog.TableCtx) -> None:
        self._http = http
        self._ctx = ctx

    @property
    def key(self) -> str:
        """The table name or id this handle was created with."""
        return self._ctx.key

    def __repr__(self) -> str:
        return f"TableHandle({self._ctx.key!r}, typed={self._ctx.typed})"

    def info(self, *, options: RequestOptions | None = None) -> Table:
        """The table's definition from the (cached) schema."""
        return run(self._http, options, _table_info(self._ctx))

    def codec(self, *, options: RequestOptions | None = None) -> TableCodec:
        """The field codec built from the (cached) schema."""
        return run(self._http, options, _codec(self._ctx))

    def list(
        self,
        page: int = 0,
        per_page: int = 100,
        order: str | None = None,
        desc: bool = False,
        new: bool = False,
        updated: bool = False,
        since_id: int | None = None,
        since_sq: int | None = None,
        filters: Mapping[str, Any] | None = None,
        *,
        options: RequestOptions | None = None,
    ) -> builtins.list[Record]:
        """One page of records (``GET …/records``). ``filters`` is an equality filter keyed by
        field name or id (shape UNCONFIRMED; sent as ``{"fields": {...}}``)."""
        params = ops.record_params(
            page=page,
            per_page=per_page,
            order=order,
            desc=desc,
            new=new,
            updated=updated,
            since_id=since_id,
            since_sq=since_sq,
        )
        if filters is not None:
            params["filters"] = filters
        return run(self._http, options, prog.list_records(self._ctx, params))

    def iter(
        self,
        per_page: int | None = None,
        order: str | None = None,
        desc: bool = False,
        new: bool = False,
        updated: bool = False,
        since_id: int | None = None,
        since_sq: int | None = None,
        filters: Mapping[str, Any] | None = None,
        *,
        options: RequestOptions | None = None,
    ) -> Iterator[Record]:
        """Every record across pages, none skipped or repeated (keyset paging by id unless an
        order is given)."""
        _check_iter(per_page, order, desc, new, updated, since_id, since_sq)
        return stream(
            self._http,
            options,
            prog.iterate(
                self._ctx,
                per_page=per_page,
                order=order,
                desc=desc,
                new=new,
                updated=updated,
                since_id=since_id,
                since_sq=since_sq,
                filters=filters,
            ),
        )

    def get(self, record_id: int, *, options: RequestOptions | None = None) -> Record:
        """One record (``GET …/records/{rid}``)."""
        return run(self._http, options, prog.get_record(self._ctx, record_id))

    def save(
        self,
        records: Iterable[Any],
        chunk_size: int | None = None,
        continue_on_error: bool = False,
        *,
        options: RequestOptions | None = None,
    ) -> builtins.list[Record]:
        """Create and update records in chunks (``POST …/records``).

        Items: a mapping of fields (create), ``{"id": 7, "fields": {...}}`` (update;
        ``"_upsert": True`` creates it if missing), a [`RecordWrite`][ninoxsdk.models.RecordWrite]
        or a
        [`Record`][ninoxsdk.models.Record]. All values are checked before the first request. A
        failed chunk
        raises [`BatchWriteError`][ninoxsdk.errors.BatchWriteError] with ``saved``, ``failed`` and
        ``pending`` items;
        with ``continue_on_error`` the later chunks are still sent."""
        return run(
            self._http,
            options,
            prog.save_records(self._ctx, records, chunk_size, continue_on_error),
        )

    def update(
        self, record_id: int, fields: Mapping[str, Any], *, options: RequestOptions | None = None
    ) -> Record:
        """Change some fields of one record (``PUT …/records/{rid}``, merge)."""
        return run(self._http, options, prog.update_record(self._ctx, record_id, fields))

    def delete(self, record_id: int, *, options: RequestOptions | None = None) -> None:
        """Delete one record (irreversible)."""
        run(self._http, options, prog.delete_record(self._ctx, record_id))

    def delete_many(
        self,
        ids: Iterable[int],
        chunk_size: int | None = None,
        continue_on_error: bool = False,
        *,
        options: RequestOptions | None = None,
    ) -> builtins.list[int]:
        """Delete many records: ``DELETE …/records`` with an id array where the server takes
        it (UNCONFIRMED), else one request per id (client setting ``delete_many``). Returns
        the deleted ids; a failure raises [`BatchWriteError`][ninoxsdk.errors.BatchWriteError]."""
        return run(
            self._http, options, prog.delete_many(self._ctx, ids, chunk_size, continue_on_error)
        )

    def changes(
        self,
        since_sq: int | None,
        per_page: int | None = None,
        *,
        options: RequestOptions | None = None,
    ) -> Changes:
        """Records changed after ``since_sq``; iterate it, then read ``.cursor``."""
        _check_changes(since_sq, per_page)
        return Changes(self._http, self._ctx, since_sq, per_page, options)

    def files(self, record_id: int) -> RecordFiles:
        """The attachments of record ``record_id``."""
        return RecordFiles(self._http, self._ctx, record_id)

    def change_set(self, since_sq: int, *, options: RequestOptions | None = None) -> dict[str, Any]:
        """The raw ``…/tables/{tid}/changes?sinceSq=`` object (``updates``, ``removes``...;
        shape UNCONFIRMED), the only API view of deletions."""
        return run(self._http, options, _change_set(self._ctx, since_sq))


class AsyncTableHandle:
    """Async twin of [`TableHandle`][ninoxsdk.resources.TableHandle]."""

    def __init__(self, http: AsyncHTTP, ctx: prog.TableCtx) -> None:
        self._http = http
        self._ctx = ctx

    @property
    def key(self) -> str:
        """The table name or id this handle was created with."""
        return self._ctx.key

    def __repr__(self) -> str:
        return f"AsyncTableHandle({self._ctx.key!r}, typed={self._ctx.typed})"

    async def info(self, *, options: RequestOptions | None = None) -> Table:
        """The table's definition from the (cached) schema."""
        return await arun(self._http, options, _table_info(self._ctx))

    async def codec(self, *, options: RequestOptions | None = None) -> TableCodec:
        """The field codec built from the (cached) schema."""
        return await arun(self._http, options, _codec(self._ctx))

    async def list(
        self,
        page: int = 0,
        per_page: int = 100,
        order: str | None = None,
        desc: bool = False,
        new: bool = False,
        updated: bool = False,
        since_id: int | None = None,
        since_sq: int | None = None,
        filters: Mapping[str, Any] | None = None,
        *,
        options: RequestOptions | None = None,
    ) -> builtins.list[Record]:
        """One page of records (``GET …/records``)."""
        params = ops.record_params(
            page=page,
            per_page=per_page,
            order=order,
            desc=desc,
            new=new,
            updated=updated,
            since_id=since_id,
            since_sq=since_sq,
        )
        if filters is not None:
            params["filters"] = filters
        return await arun(self._http, options, prog.list_records(self._ctx, params))

    def iter(
        self,
        per_page: int | None = None,
        order: str | None = None,
        desc: bool = False,
        new: bool = False,
        updated: bool = False,
        since_id: int | None = None,
        since_sq: int | None = None,
        filters: Mapping[str, Any] | None = None,
        *,
        options: RequestOptions | None = None,
    ) -> AsyncIterator[Record]:
        """Every record across pages (``async for``), none skipped or repeated."""
        _check_iter(per_page, order, desc, new, updated, since_id, since_sq)
        return astream(
            self._http,
            options,
            prog.iterate(
                self._ctx,
                per_page=per_page,
                order=order,
                desc=desc,
                new=new,
                updated=updated,
                since_id=since_id,
                since_sq=since_sq,
                filters=filters,
            ),
        )

    async def get(self, record_id: int, *, options: RequestOptions | None = None) -> Record:
        """One record (``GET …/records/{rid}``)."""
        return await arun(self._http, options, prog.get_record(self._ctx, record_id))

    async def save(
        self,
        records: Iterable[Any],
        chunk_size: int | None = None,
        continue_on_error: bool = False,
        *,
        options: RequestOptions | None = None,
    ) -> builtins.list[Record]:
        """Create and update records in chunks (see
        [`TableHandle.save`][ninoxsdk.resources.TableHandle.save])."""
        return await arun(
            self._http,
            options,
            prog.save_records(self._ctx, records, chunk_size, continue_on_error),
        )

    async def update(
        self, record_id: int, fields: Mapping[str, Any], *, options: RequestOptions | None = None
    ) -> Record:
        """Change some fields of one record (``PUT …/records/{rid}``, merge)."""
        return await arun(self._http, options, prog.update_record(self._ctx, record_id, fields))

    async def delete(self, record_id: int, *, options: RequestOptions | None = None) -> None:
        """Delete one record (irreversible)."""
        await arun(self._http, options, prog.delete_record(self._ctx, record_id))

    async def delete_many(
        self,
        ids: Iterable[int],
        chunk_size: int | None = None,
        continue_on_error: bool = False,
        *,
        options: RequestOptions | None = None,
    ) -> builtins.list[int]:
        """Delete many records (see
        [`TableHandle.delete_many`][ninoxsdk.resources.TableHandle.delete_many])."""
        return await arun(
            self._http, options, prog.delete_many(self._ctx, ids, chunk_size, continue_on_error)
        )

    def changes(
        self,
        since_sq: int | None,
        per_page: int | None = None,
        *,
        options: RequestOptions | None = None,
    ) -> AsyncChanges:
        """Records changed after ``since_sq``; ``async for`` over it, then read ``.cursor``."""
        _check_changes(since_sq, per_page)
        return AsyncChanges(self._http, self._ctx, since_sq, per_page, options)

    def files(self, record_id: int) -> AsyncRecordFiles:
        """The attachments of record ``record_id``."""
        return AsyncRecordFiles(self._http, self._ctx, record_id)

    async def change_set(
        self, since_sq: int, *, options: RequestOptions | None = None
    ) -> dict[str, Any]:
        """The raw ``…/tables/{tid}/changes?sinceSq=`` object (shape UNCONFIRMED)."""
        return await arun(self._http, options, _change_set(self._ctx, since_sq))


def _change_set(ctx: prog.TableCtx, since_sq: int) -> Program[dict[str, Any]]:
    ops.get_changes(ctx.db.path, since_sq)  # validate before resolving
    res = yield from prog.resolve(ctx)
    result: dict[str, Any] = yield ops.get_changes(ctx.db.path, since_sq, table_id=res.table_id)
    return result
