"""``nx.database(team_id, database_id)``: one database, its tables and scripts (builders named
once in a table both twins inherit; see ``_sdkcore.twins``)."""

from __future__ import annotations

import builtins
from typing import Any, Literal

from _sdkcore._http import Call, RequestOptions
from _sdkcore.programs import Program, with_options
from _sdkcore.twins import AsyncTwin, SyncTwin, handle, op, program, resource
from ninoxsdk.models import Schema, Table
from ninoxsdk.resources import _ops as ops
from ninoxsdk.resources import _programs as prog
from ninoxsdk.resources._table import AsyncTableHandle, TableHandle

__all__ = ["AsyncDatabaseHandle", "AsyncTables", "DatabaseHandle", "Tables"]


def list_tables(
    db: prog.DbCtx, *, options: RequestOptions | None = None
) -> Call[builtins.list[Table]]:
    """Every table (``GET …/tables``, one request)."""
    return with_options(ops.list_tables(db.path), options)


def get_table(
    db: prog.DbCtx, table: str, *, options: RequestOptions | None = None
) -> Program[Table]:
    """``GET …/tables/{tid}``; ``table`` is an id or a name (resolved via the schema)."""
    return with_options(prog.get_table(db, table), options)


class _Tables:
    """The methods of [`Tables`][ninoxsdk.resources.Tables] and its async twin."""

    list = op(list_tables)
    get = program(get_table)


class Tables(_Tables, SyncTwin):
    """``db.tables``: table definitions (``GET …/tables``; Ninox omits formula fields)."""


class AsyncTables(_Tables, AsyncTwin):
    """``db.tables`` on the async client."""


def read_schema(db: prog.DbCtx, *, options: RequestOptions | None = None) -> Program[Schema]:
    """Read the schema from Ninox (full ``/schema`` with formula fields, else ``/tables``)
    and refresh the cache the table handles use."""
    return with_options(prog.load_schema(db, force=True), options)


def open_table(db: prog.DbCtx, table: str, typed: bool = True) -> prog.TableCtx:
    """A handle on a table by name (``"Contacts"``) or id (``"A"``); no request is made.
    ``typed=False`` skips the field codecs: values are the JSON Ninox sends and you write
    JSON."""
    if not isinstance(table, str) or not table.strip():
        raise ValueError(
            f"table must be a table name or id (e.g. 'Contacts' or 'A'), got {table!r}"
        )
    return prog.TableCtx(db, table, typed)


def run_query(
    db: prog.DbCtx,
    script: str,
    method: Literal["POST", "GET"] = "POST",
    *,
    options: RequestOptions | None = None,
) -> Call[Any]:
    """Run a read-only Ninox script; returns its JSON result (``None`` if empty)."""
    return with_options(ops.query(db.path, script, method=method), options)


def run_exec(db: prog.DbCtx, script: str, *, options: RequestOptions | None = None) -> Call[Any]:
    """Run a Ninox script that may write; returns its JSON result. Not retried on 5xx."""
    return with_options(ops.exec_script(db.path, script), options)


def database_change_set(
    db: prog.DbCtx, since_sq: int, *, options: RequestOptions | None = None
) -> Call[dict[str, Any]]:
    """The raw database ``/changes?sinceSq=`` object (shape UNCONFIRMED)."""
    return with_options(ops.get_changes(db.path, since_sq), options)


class _DatabaseHandle:
    """The methods of [`DatabaseHandle`][ninoxsdk.resources.DatabaseHandle] and its async
    twin."""

    _ctx: prog.DbCtx

    tables = resource(Tables, AsyncTables)
    """The table definitions: ``db.tables.list()``, ``db.tables.get("Contacts")``."""

    @property
    def team_id(self) -> str:
        """The team (workspace) of the database."""
        return self._ctx.team_id

    @property
    def database_id(self) -> str:
        """The database's id."""
        return self._ctx.database_id

    @property
    def chunk_size(self) -> int:
        """Records per batch write request (the client's ``chunk_size``): what ``save()``
        and ``delete_many()`` send at once unless told otherwise."""
        return self._ctx.settings.chunk_size

    def __repr__(self) -> str:
        name = type(self).__name__
        return f"{name}(team_id={self.team_id!r}, database_id={self.database_id!r})"

    schema = program(read_schema)
    table = handle(open_table, TableHandle, AsyncTableHandle)
    query = op(run_query)
    exec = op(run_exec)
    change_set = op(database_change_set)


class DatabaseHandle(_DatabaseHandle, SyncTwin):
    """One database: ``schema()``, ``tables``, ``table(name_or_id)``, ``query``, ``exec``.

    Obtain with ``nx.database(team_id, database_id)``; no request is made until you call a
    method. The schema is cached per client and database; ``schema()`` re-reads it."""


class AsyncDatabaseHandle(_DatabaseHandle, AsyncTwin):
    """One database on the async client (``await db.schema()``, ``await db.query(...)``).

    Obtain with ``nx.database(team_id, database_id)``; no request is made until you call a
    method. The schema is cached per client and database; ``schema()`` re-reads it."""
