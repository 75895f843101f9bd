"""The small programs and checks behind the handles' methods (beside the record programs of
``_programs``): pure, shared by the async source and its generated sync twin."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import partial
from typing import Any, TypeVar

from _sdkcore._http import Call
from _sdkcore.programs import Program
from ninoxsdk.fields import TableCodec
from ninoxsdk.models import Table
from ninoxsdk.resources import _ops as ops
from ninoxsdk.resources import _programs as prog

__all__ = [
    "change_set",
    "changed_records",
    "check_table_key",
    "codec",
    "files_call",
    "record_query",
    "table_info",
]

T = TypeVar("T")


def files_call(
    ctx: prog.TableCtx,
    record_id: int,
    build: Callable[..., Call[T]],
    *args: Any,
    **kwargs: Any,
) -> Program[T]:
    """Resolve the table, then send one call about a record's files."""
    ops.check_record_id(record_id)
    res = yield from prog.resolve(ctx)
    result: T = yield build(ctx.db.path, res.table_id, record_id, *args, **kwargs)
    return result


def table_info(ctx: prog.TableCtx) -> Program[Table]:
    res = yield from prog.resolve(prog.TableCtx(ctx.db, ctx.key, typed=True))
    assert res.table is not None
    return res.table


def codec(ctx: prog.TableCtx) -> Program[TableCodec]:
    res = yield from prog.resolve(prog.TableCtx(ctx.db, ctx.key, typed=True))
    assert res.codec is not None
    return res.codec


def change_set(ctx: prog.TableCtx, since_sq: int) -> Program[dict[str, Any]]:
    ops.get_changes(ctx.db.path, since_sq)  # validate before resolving
    res = yield from prog.resolve(ctx)
    result: dict[str, Any] = yield ops.get_changes(ctx.db.path, since_sq, table_id=res.table_id)
    return result


def record_query(
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
    """The query of ``GET …/records``, checked now, before anything is sent (``filters`` are
    encoded later, with the table's codec)."""
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
    return params


def changed_records(
    ctx: prog.TableCtx, since_sq: int | None, per_page: int | None
) -> Callable[[], Program[int | None]]:
    """Check the arguments now; return how to start a change scan."""
    if since_sq is not None:
        ops.record_params(since_sq=since_sq)
    ops.record_params(per_page=per_page)
    return partial(prog.changes, ctx, since_sq, per_page)


def check_table_key(table: Any) -> str:
    if not isinstance(table, str) or not table.strip():
        raise ValueError(
            f"table must be a table name or id (e.g. 'Contacts' or 'A'), got {table!r}"
        )
    return table
