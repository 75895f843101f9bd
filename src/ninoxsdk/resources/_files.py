"""``t.files(record_id)``: the attachments of one record (builders named once in a table both
twins inherit; see ``_sdkcore.twins``)."""

from __future__ import annotations

import builtins
from collections.abc import Callable
from typing import IO, Any, TypeVar

from _sdkcore._http import Call, RequestOptions
from _sdkcore.programs import Program, with_options
from _sdkcore.twins import AsyncTwin, SyncTwin, program
from ninoxsdk.models import FileInfo
from ninoxsdk.resources import _ops as ops
from ninoxsdk.resources import _programs as prog

__all__ = ["AsyncRecordFiles", "RecordFiles"]

T = TypeVar("T")


def _files_call(
    ctx: prog.FilesCtx,
    options: RequestOptions | None,
    build: Callable[..., Call[T]],
    *args: Any,
    **kwargs: Any,
) -> Program[T]:
    """Resolve the table, then send one call about the record's files."""

    def steps() -> Program[T]:
        res = yield from prog.resolve(ctx.table)
        result: T = yield build(ctx.table.db.path, res.table_id, ctx.record_id, *args, **kwargs)
        return result

    return with_options(steps(), options)


def list_files(
    ctx: prog.FilesCtx, *, options: RequestOptions | None = None
) -> Program[builtins.list[FileInfo]]:
    """Every file of the record (``GET …/records/{rid}/files``, one request)."""
    return _files_call(ctx, options, ops.list_files)


def download_file(
    ctx: prog.FilesCtx, name: str, *, options: RequestOptions | None = None
) -> Program[bytes]:
    """The file's raw bytes."""
    return _files_call(ctx, options, ops.download_file, name)


def file_metadata(
    ctx: prog.FilesCtx, name: str, *, options: RequestOptions | None = None
) -> Program[FileInfo]:
    """``GET …/files/{name}/metadata`` (UNCONFIRMED endpoint)."""
    return _files_call(ctx, options, ops.file_metadata, name)


def upload_file(
    ctx: prog.FilesCtx,
    name: str,
    data: bytes | IO[bytes],
    field: str | None = None,
    *,
    content_type: str | None = None,
    options: RequestOptions | None = None,
) -> Program[None]:
    """Upload as multipart part ``file``; ``field`` (name or id) puts it into an image/file
    field (``fieldName`` part)."""
    return _files_call(
        ctx, options, ops.upload_file, name, data, field=field, content_type=content_type
    )


def delete_file(
    ctx: prog.FilesCtx, name: str, *, options: RequestOptions | None = None
) -> Program[None]:
    """``DELETE …/records/{rid}/files/{name}``."""
    return _files_call(ctx, options, ops.delete_file, name)


class _RecordFiles:
    """The methods of [`RecordFiles`][ninoxsdk.resources.RecordFiles] and its async twin."""

    _ctx: prog.FilesCtx

    @property
    def record_id(self) -> int:
        """The record whose files these are."""
        return self._ctx.record_id

    list = program(list_files)
    download = program(download_file)
    metadata = program(file_metadata)
    upload = program(upload_file)
    delete = program(delete_file)


class RecordFiles(_RecordFiles, SyncTwin):
    """Attachments of one record: ``list``, ``download``, ``upload``, ``delete``, ``metadata``."""


class AsyncRecordFiles(_RecordFiles, AsyncTwin):
    """Attachments of one record, on the async client."""
