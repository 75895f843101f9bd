"""Teams, databases, tables and scripts, in sync/async twins."""

from __future__ import annotations

import builtins
from typing import Any, Literal

from _sdkcore._http import AsyncHTTP, RequestOptions, SyncHTTP
from _sdkcore.programs import arun, run
from ninoxsdk.models import Database, Schema, Table, Team
from ninoxsdk.resources import _ops as ops
from ninoxsdk.resources import _programs as prog
from ninoxsdk.resources.records import AsyncTableHandle, TableHandle

__all__ = [
    "AsyncDatabaseHandle",
    "AsyncDatabases",
    "AsyncTables",
    "AsyncTeams",
    "DatabaseHandle",
    "Databases",
    "Tables",
    "Teams",
]


class Teams:
    """``nx.teams``: the teams (workspaces) the API key can see."""

    def __init__(self, http: SyncHTTP) -> None:
        self._http = http

    def list(self, *, options: RequestOptions | None = None) -> builtins.list[Team]:
        """``GET /teams``."""
        return run(self._http, options, ops.list_teams())

    def get(self, team_id: str, *, options: RequestOptions | None = None) -> Team:
        """``GET /teams/{team}``."""
        return run(self._http, options, ops.get_team(team_id))


class AsyncTeams:
    """``nx.teams``: the teams (workspaces) the API key can see."""

    def __init__(self, http: AsyncHTTP) -> None:
        self._http = http

    async def list(self, *, options: RequestOptions | None = None) -> builtins.list[Team]:
        """``GET /teams``."""
        return await arun(self._http, options, ops.list_teams())

    async def get(self, team_id: str, *, options: RequestOptions | None = None) -> Team:
        """``GET /teams/{team}``."""
        return await arun(self._http, options, ops.get_team(team_id))


class Databases:
    """``nx.databases``: the databases of a team."""

    def __init__(self, http: SyncHTTP) -> None:
        self._http = http

    def list(
        self, team_id: str, *, options: RequestOptions | None = None
    ) -> builtins.list[Database]:
        """``GET /teams/{team}/databases``."""
        return run(self._http, options, ops.list_databases(team_id))


class AsyncDatabases:
    """``nx.databases``: the databases of a team."""

    def __init__(self, http: AsyncHTTP) -> None:
        self._http = http

    async def list(
        self, team_id: str, *, options: RequestOptions | None = None
    ) -> builtins.list[Database]:
        """``GET /teams/{team}/databases``."""
        return await arun(self._http, options, ops.list_databases(team_id))


class Tables:
    """``db.tables``: table definitions (``GET …/tables``; Ninox omits formula fields)."""

    def __init__(self, http: SyncHTTP, db: prog.DbCtx) -> None:
        self._http = http
        self._db = db

    def list(self, *, options: RequestOptions | None = None) -> builtins.list[Table]:
        """``GET …/tables``."""
        return run(self._http, options, ops.list_tables(self._db.path))

    def get(self, table: str, *, options: RequestOptions | None = None) -> Table:
        """``GET …/tables/{tid}``; ``table`` is an id or a name (resolved via the schema)."""
        return run(self._http, options, prog.get_table(self._db, table))


class AsyncTables:
    """``db.tables``: table definitions (``GET …/tables``; Ninox omits formula fields)."""

    def __init__(self, http: AsyncHTTP, db: prog.DbCtx) -> None:
        self._http = http
        self._db = db

    async def list(self, *, options: RequestOptions | None = None) -> builtins.list[Table]:
        """``GET …/tables``."""
        return await arun(self._http, options, ops.list_tables(self._db.path))

    async def get(self, table: str, *, options: RequestOptions | None = None) -> Table:
        """``GET …/tables/{tid}``; ``table`` is an id or a name (resolved via the schema)."""
        return await arun(self._http, options, prog.get_table(self._db, table))


def _check_table_key(table: Any) -> str:
    if not isinstance(table, str) or not table.strip():
        raise ValueError(
            f"table must be a table name or id (e.g. 'Contacts' or 'A'), got {table!r}"
        )
    return table


class DatabaseHandle:
    """One database: ``schema()``, ``tables``, ``table(name_or_id)``, ``query``, ``exec``.

    Obtain with ``nx.database(team_id, database_id)``; no request is made until you call a
    method. The schema is cached per client and database; ``schema()`` re-reads it."""

    def __init__(self, http: SyncHTTP, db: prog.DbCtx) -> None:
        self._http = http
        self._db = db
        self.tables = Tables(http, db)

    @property
    def team_id(self) -> str:
        return self._db.team_id

    @property
    def database_id(self) -> str:
        return self._db.database_id

    def __repr__(self) -> str:
        return f"DatabaseHandle(team_id={self.team_id!r}, database_id={self.database_id!r})"

    def schema(self, *, options: RequestOptions | None = None) -> Schema:
        """Read the schema from Ninox (full ``/schema`` with formula fields, else ``/tables``)
        and refresh the cache the table handles use."""
        return run(self._http, options, prog.load_schema(self._db, force=True))

    def table(self, table: str, typed: bool = True) -> TableHandle:
        """A handle on a table by name (``"Contacts"``) or id (``"A"``). ``typed=False``
        skips the field codecs: values are the JSON Ninox sends and you write JSON."""
        return TableHandle(self._http, prog.TableCtx(self._db, _check_table_key(table), typed))

    def query(
        self,
        script: str,
        method: Literal["POST", "GET"] = "POST",
        *,
        options: RequestOptions | None = None,
    ) -> Any:
        """Run a read-only Ninox script; returns its JSON result (``None`` if empty)."""
        return run(self._http, options, ops.query(self._db.path, script, method=method))

    def exec(self, script: str, *, options: RequestOptions | None = None) -> Any:
        """Run a Ninox script that may write; returns its JSON result. Not retried on 5xx."""
        return run(self._http, options, ops.exec_script(self._db.path, script))

    def change_set(self, since_sq: int, *, options: RequestOptions | None = None) -> dict[str, Any]:
        """The raw database ``/changes?sinceSq=`` object (shape UNCONFIRMED)."""
        return run(self._http, options, ops.get_changes(self._db.path, since_sq))


class AsyncDatabaseHandle:
    """Async twin of [`DatabaseHandle`][ninoxsdk.resources.DatabaseHandle]."""

    def __init__(self, http: AsyncHTTP, db: prog.DbCtx) -> None:
        self._http = http
        self._db = db
        self.tables = AsyncTables(http, db)

    @property
    def team_id(self) -> str:
        return self._db.team_id

    @property
    def database_id(self) -> str:
        return self._db.database_id

    def __repr__(self) -> str:
        return f"AsyncDatabaseHandle(team_id={self.team_id!r}, database_id={self.database_id!r})"

    async def schema(self, *, options: RequestOptions | None = None) -> Schema:
        """Read the schema from Ninox and refresh the cache the table handles use."""
        return await arun(self._http, options, prog.load_schema(self._db, force=True))

    def table(self, table: str, typed: bool = True) -> AsyncTableHandle:
        """A handle on a table by name or id (no request until a method is awaited)."""
        return AsyncTableHandle(self._http, prog.TableCtx(self._db, _check_table_key(table), typed))

    async def query(
        self,
        script: str,
        method: Literal["POST", "GET"] = "POST",
        *,
        options: RequestOptions | None = None,
    ) -> Any:
        """Run a read-only Ninox script; returns its JSON result (``None`` if empty)."""
        return await arun(self._http, options, ops.query(self._db.path, script, method=method))

    async def exec(self, script: str, *, options: RequestOptions | None = None) -> Any:
        """Run a Ninox script that may write; returns its JSON result. Not retried on 5xx."""
        return await arun(self._http, options, ops.exec_script(self._db.path, script))

    async def change_set(
        self, since_sq: int, *, options: RequestOptions | None = None
    ) -> dict[str, Any]:
        """The raw database ``/changes?sinceSq=`` object (shape UNCONFIRMED)."""
        return await arun(self._http, options, ops.get_changes(self._db.path, since_sq))
