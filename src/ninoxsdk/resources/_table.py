"""``db.table("Contacts")``: the records of one table, and the change scans over them
(builders named once in a table both twins inherit; see ``_sdkcore.twins``)."""

from __future__ import annotations

import builtins
from collections.abc import Callable, Iterable, Mapping
from functools import partial
from typing import Any, TypeVar

import attrs

from _sdkcore._http import RequestOptions
from _sdkcore.programs import AsyncItems, Program, SyncItems, with_options
from _sdkcore.twins import (
    AsyncRunner,
    AsyncTwin,
    Listing,
    SyncRunner,
    SyncTwin,
    handle,
    items,
    program,
)
from ninoxsdk.fields import TableCodec
from ninoxsdk.models import Record, Table
from ninoxsdk.resources import _ops as ops
from ninoxsdk.resources import _programs as prog
from ninoxsdk.resources._files import AsyncRecordFiles, RecordFiles

__all__ = ["AsyncChanges", "AsyncTableHandle", "Changes", "TableHandle"]

T = TypeVar("T")


# ------------------------------------------------------------------------- change scans


@attrs.frozen
class ChangeScan(Listing[Record]):
    """A change scan, checked: how to run it and where it starts."""

    since_sq: int | None = None


class _Changes:
    """What both change scans share: the cursor, moved when an iteration completes."""

    since_sq: int | None
    cursor: int | None

    def _start(self, scan: ChangeScan) -> None:
        self.since_sq = scan.since_sq
        self.cursor = scan.since_sq

    def _finished(self, result: Any) -> None:
        self.cursor = result


class Changes(_Changes, SyncItems[Record]):
    """Records changed since a sequence, from ``t.changes(since_sq)``.

    Iterate it (``for record in changes``) for the changed records, fetched lazily;
    ``cursor`` is the sequence to pass next time. It moves forward only when an iteration
    completed, so a crash part-way re-reads the same changes rather than losing some. With
    ``since_sq=None`` nothing is yielded and ``cursor`` becomes the table's current high-water
    mark."""

    def __init__(self, run: SyncRunner, scan: ChangeScan) -> None:
        super().__init__(run.http, scan.program, scan.options)
        self._start(scan)


class AsyncChanges(_Changes, AsyncItems[Record]):
    """Records changed since a sequence, from ``t.changes(since_sq)`` on the async client:
    ``async for record in changes``, then read ``cursor`` (see
    [`Changes`][ninoxsdk.resources.Changes])."""

    def __init__(self, run: AsyncRunner, scan: ChangeScan) -> None:
        super().__init__(run.http, scan.program, scan.options)
        self._start(scan)


# ------------------------------------------------------------------------------ builders


def _from_schema(
    ctx: prog.TableCtx,
    options: RequestOptions | None,
    pick: Callable[[prog.Resolved], T | None],
) -> Program[T]:
    """What ``pick`` takes from the table's (cached) schema entry."""

    def steps() -> Program[T]:
        picked = pick((yield from prog.resolve(prog.TableCtx(ctx.db, ctx.key, typed=True))))
        assert picked is not None  # a typed resolve gives both the table and its codec
        return picked

    return with_options(steps(), options)


def table_info(ctx: prog.TableCtx, *, options: RequestOptions | None = None) -> Program[Table]:
    """The table's definition from the (cached) schema."""
    return _from_schema(ctx, options, lambda res: res.table)


def table_codec(
    ctx: prog.TableCtx, *, options: RequestOptions | None = None
) -> Program[TableCodec]:
    """The field codec built from the (cached) schema."""
    return _from_schema(ctx, options, lambda res: res.codec)


def list_records(
    ctx: prog.TableCtx,
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
) -> Listing[Record]:
    """Every record, fetched lazily page by page (``per_page`` records a request; the
    client's ``per_page`` by default), none skipped or repeated.

    Without ``order``/``new``/``updated``/``desc`` the walk is keyset paging by id, stable
    while records are created or deleted; with them it pages by index and drops repeats.
    ``filters`` is an equality filter keyed by field name or id (shape UNCONFIRMED). The
    arguments are checked now; nothing is sent until you iterate (``to_list()`` collects).
    One page is [`page`][ninoxsdk.resources.TableHandle.page]."""
    query = ops.record_params(per_page, order, desc, new, updated, since_id, since_sq, filters)
    return Listing(partial(prog.iterate, ctx, query), options)


def iter_records(ctx: prog.TableCtx, *args: Any, **kwargs: Any) -> Listing[Record]:
    """The former name of [`list`][ninoxsdk.resources.TableHandle.list] (same arguments),
    kept for existing code."""
    return list_records(ctx, *args, **kwargs)


def records_page(
    ctx: prog.TableCtx,
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
) -> Program[builtins.list[Record]]:
    """One page of records (``GET …/records``, one request; ``page`` is 0-based).
    ``filters`` is an equality filter keyed by field name or id (shape UNCONFIRMED; sent
    as ``{"fields": {...}}``)."""
    query = ops.record_params(
        per_page, order, desc, new, updated, since_id, since_sq, filters, page=page
    )
    return with_options(prog.list_records(ctx, query), options)


def get_record(
    ctx: prog.TableCtx, record_id: int, *, options: RequestOptions | None = None
) -> Program[Record]:
    """One record (``GET …/records/{rid}``)."""
    return with_options(prog.get_record(ctx, record_id), options)


def save_records(
    ctx: prog.TableCtx,
    records: Iterable[Any],
    chunk_size: int | None = None,
    continue_on_error: bool = False,
    *,
    options: RequestOptions | None = None,
) -> Program[builtins.list[Record]]:
    """Create and update records in chunks (``POST …/records``).

    Items: a mapping of fields (create), ``{"id": 7, "fields": {...}}`` (update;
    ``"_upsert": True`` creates it if missing), a [`RecordWrite`][ninoxsdk.models.RecordWrite]
    or a [`Record`][ninoxsdk.models.Record]. All values are checked before the first
    request. A failed chunk raises [`BatchWriteError`][ninoxsdk.errors.BatchWriteError]
    with ``saved``, ``failed`` and ``pending`` items; with ``continue_on_error`` the later
    chunks are still sent."""
    return with_options(prog.save_records(ctx, records, chunk_size, continue_on_error), options)


def update_record(
    ctx: prog.TableCtx,
    record_id: int,
    fields: Mapping[str, Any],
    *,
    options: RequestOptions | None = None,
) -> Program[Record]:
    """Change some fields of one record (``PUT …/records/{rid}``, merge)."""
    return with_options(prog.update_record(ctx, record_id, fields), options)


def delete_record(
    ctx: prog.TableCtx, record_id: int, *, options: RequestOptions | None = None
) -> Program[None]:
    """Delete one record (irreversible)."""
    return with_options(prog.delete_record(ctx, record_id), options)


def delete_records(
    ctx: prog.TableCtx,
    ids: Iterable[int],
    chunk_size: int | None = None,
    continue_on_error: bool = False,
    *,
    options: RequestOptions | None = None,
) -> Program[builtins.list[int]]:
    """Delete many records: ``DELETE …/records`` with an id array where the server takes
    it (UNCONFIRMED), else one request per id (client setting ``delete_many``). Returns
    the deleted ids; a failure raises [`BatchWriteError`][ninoxsdk.errors.BatchWriteError]."""
    return with_options(prog.delete_many(ctx, ids, chunk_size, continue_on_error), options)


def scan_changes(
    ctx: prog.TableCtx,
    since_sq: int | None,
    per_page: int | None = None,
    *,
    options: RequestOptions | None = None,
) -> ChangeScan:
    """Records changed after ``since_sq``; iterate it, then read ``.cursor``."""
    if since_sq is not None:
        ops.check_int(since_sq, "since_sq", 0)
    if per_page is not None:
        ops.check_int(per_page, "per_page", 1)
    return ChangeScan(partial(prog.changes, ctx, since_sq, per_page), options, since_sq)


def record_files(ctx: prog.TableCtx, record_id: int) -> prog.FilesCtx:
    """The attachments of record ``record_id``."""
    return prog.FilesCtx(ctx, ops.check_record_id(record_id))


def table_change_set(
    ctx: prog.TableCtx, since_sq: int, *, options: RequestOptions | None = None
) -> Program[dict[str, Any]]:
    """The raw ``…/tables/{tid}/changes?sinceSq=`` object (``updates``, ``removes``...;
    shape UNCONFIRMED), the only API view of deletions."""
    ops.get_changes(ctx.db.path, since_sq)  # checks since_sq before anything is sent

    def steps() -> Program[dict[str, Any]]:
        res = yield from prog.resolve(ctx)
        result: dict[str, Any] = yield ops.get_changes(ctx.db.path, since_sq, table_id=res.table_id)
        return result

    return with_options(steps(), options)


class _TableHandle:
    """The methods of [`TableHandle`][ninoxsdk.resources.TableHandle] and its async twin."""

    _ctx: prog.TableCtx

    @property
    def key(self) -> str:
        """The table name or id this handle was created with."""
        return self._ctx.key

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self._ctx.key!r}, typed={self._ctx.typed})"

    info = program(table_info)
    codec = program(table_codec)
    list = items(list_records)
    iter = items(iter_records)
    page = program(records_page)
    get = program(get_record)
    save = program(save_records)
    update = program(update_record)
    delete = program(delete_record)
    delete_many = program(delete_records)
    changes = handle(scan_changes, Changes, AsyncChanges)
    files = handle(record_files, RecordFiles, AsyncRecordFiles)
    change_set = program(table_change_set)


class TableHandle(_TableHandle, SyncTwin):
    """Records of one table, addressed by name or id (names resolved through the cached
    schema on first use). Obtain with ``db.table("Contacts")``."""


class AsyncTableHandle(_TableHandle, AsyncTwin):
    """Records of one table on the async client (``await t.get(7)``, ``async for record in
    t.list()``). Obtain with ``db.table("Contacts")``."""
