# GENERATED from ninoxsdk/resources/_async.py by _sdkcore._unasync: do not edit.
# Edit the async source, then run `python -m _sdkcore._unasync`.
"""The Ninox resource classes: teams, databases, tables, records, files and changes.

Every method is a one-liner over a pure program or call (``_programs``, ``_calls``, ``_ops``)
run by the core's driver. The async classes are the source; the sync ones are generated from
them by ``_sdkcore._unasync`` (see the generated module's header).
"""

from __future__ import annotations

import builtins
from collections.abc import Iterable, Mapping
from functools import partial
from typing import IO, Any, Literal

from _sdkcore import RequestOptions
from _sdkcore._http import SyncHTTP
from _sdkcore.programs import SyncItems, run
from ninoxsdk.fields import TableCodec
from ninoxsdk.models import Database, FileInfo, Record, Schema, Table, Team
from ninoxsdk.resources import _calls as calls
from ninoxsdk.resources import _ops as ops
from ninoxsdk.resources import _programs as prog

__all__ = [
    "Changes",
    "DatabaseHandle",
    "Databases",
    "RecordFiles",
    "TableHandle",
    "Tables",
    "Teams",
]


class Teams:
    """``nx.teams``: the teams (workspaces) the API key can see."""

    def __init__(self, http: SyncHTTP) -> None:
        self._http = http

    def list(self, *, options: RequestOptions | None = None) -> builtins.list[Team]:
        """Every team (``GET /teams``, one request)."""
        return run(self._http, options, ops.list_teams())

    def get(self, team_id: str, *, options: RequestOptions | None = None) -> Team:
        """``GET /teams/{team}``."""
        return run(self._http, options, ops.get_team(team_id))


class Databases:
    """``nx.databases``: the databases of a team."""

    def __init__(self, http: SyncHTTP) -> None:
        self._http = http

    def list(
        self, team_id: str, *, options: RequestOptions | None = None
    ) -> builtins.list[Database]:
        """Every database of the team (``GET /teams/{team}/databases``, one request)."""
        return run(self._http, options, ops.list_databases(team_id))


class Tables:
    """``db.tables``: table definitions (``GET …/tables``; Ninox omits formula fields)."""

    def __init__(self, http: SyncHTTP, db: prog.DbCtx) -> None:
        self._http = http
        self._db = db

    def list(self, *, options: RequestOptions | None = None) -> builtins.list[Table]:
        """Every table (``GET …/tables``, one request)."""
        return run(self._http, options, ops.list_tables(self._db.path))

    def get(self, table: str, *, options: RequestOptions | None = None) -> Table:
        """``GET …/tables/{tid}``; ``table`` is an id or a name (resolved via the schema)."""
        return run(self._http, options, prog.get_table(self._db, table))


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
        name = type(self).__name__
        return f"{name}(team_id={self.team_id!r}, database_id={self.database_id!r})"

    def schema(self, *, options: RequestOptions | None = None) -> Schema:
        """Read the schema from Ninox (full ``/schema`` with formula fields, else ``/tables``)
        and refresh the cache the table handles use."""
        return run(self._http, options, prog.load_schema(self._db, force=True))

    def table(self, table: str, typed: bool = True) -> TableHandle:
        """A handle on a table by name (``"Contacts"``) or id (``"A"``); no request is made.
        ``typed=False`` skips the field codecs: values are the JSON Ninox sends and you write
        JSON."""
        ctx = prog.TableCtx(self._db, calls.check_table_key(table), typed)
        return TableHandle(self._http, ctx)

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


class RecordFiles:
    """Attachments of one record: ``list``, ``download``, ``upload``, ``delete``, ``metadata``."""

    def __init__(self, http: SyncHTTP, ctx: prog.TableCtx, record_id: int) -> None:
        self._http = http
        self._ctx = ctx
        self.record_id = ops.check_record_id(record_id)

    def list(self, *, options: RequestOptions | None = None) -> builtins.list[FileInfo]:
        """Every file of the record (``GET …/records/{rid}/files``, one request)."""
        program = calls.files_call(self._ctx, self.record_id, ops.list_files)
        return run(self._http, options, program)

    def download(self, name: str, *, options: RequestOptions | None = None) -> bytes:
        """The file's raw bytes."""
        program = calls.files_call(self._ctx, self.record_id, ops.download_file, name)
        return run(self._http, options, program)

    def metadata(self, name: str, *, options: RequestOptions | None = None) -> FileInfo:
        """``GET …/files/{name}/metadata`` (UNCONFIRMED endpoint)."""
        program = calls.files_call(self._ctx, self.record_id, ops.file_metadata, name)
        return run(self._http, options, program)

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
        program = calls.files_call(
            self._ctx,
            self.record_id,
            ops.upload_file,
            name,
            data,
            field=field,
            content_type=content_type,
        )
        run(self._http, options, program)

    def delete(self, name: str, *, options: RequestOptions | None = None) -> None:
        """``DELETE …/records/{rid}/files/{name}``."""
        program = calls.files_call(self._ctx, self.record_id, ops.delete_file, name)
        run(self._http, options, program)


class Changes(SyncItems[Record]):
    """Records changed since a sequence, from ``t.changes(since_sq)``.

    Iterate it (``for record in changes``) for the changed records, fetched lazily;
    ``cursor`` is the sequence to pass next time. It moves forward only when an iteration
    completed, so a crash part-way re-reads the same changes rather than losing some. With
    ``since_sq=None`` nothing is yielded and ``cursor`` becomes the table's current high-water
    mark."""

    def __init__(
        self,
        http: SyncHTTP,
        ctx: prog.TableCtx,
        since_sq: int | None,
        per_page: int | None,
        options: RequestOptions | None = None,
    ) -> None:
        super().__init__(http, calls.changed_records(ctx, since_sq, per_page), options)
        self.since_sq = since_sq
        self.cursor = since_sq

    def _finished(self, result: Any) -> None:
        self.cursor = result


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
        return f"{type(self).__name__}({self._ctx.key!r}, typed={self._ctx.typed})"

    def info(self, *, options: RequestOptions | None = None) -> Table:
        """The table's definition from the (cached) schema."""
        return run(self._http, options, calls.table_info(self._ctx))

    def codec(self, *, options: RequestOptions | None = None) -> TableCodec:
        """The field codec built from the (cached) schema."""
        return run(self._http, options, calls.codec(self._ctx))

    def list(
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
    ) -> SyncItems[Record]:
        """Every record, fetched lazily page by page (``per_page`` records a request; the
        client's ``per_page`` by default), none skipped or repeated.

        Without ``order``/``new``/``updated``/``desc`` the walk is keyset paging by id, stable
        while records are created or deleted; with them it pages by index and drops repeats.
        ``filters`` is an equality filter keyed by field name or id (shape UNCONFIRMED). The
        arguments are checked now; nothing is sent until you iterate (``to_list()`` collects).
        One page is [`page`][ninoxsdk.resources.TableHandle.page]."""
        query = calls.record_query(per_page, order, desc, new, updated, since_id, since_sq, filters)
        return SyncItems(self._http, partial(prog.iterate, self._ctx, query), options)

    def iter(self, *args: Any, **kwargs: Any) -> SyncItems[Record]:
        """The former name of [`list`][ninoxsdk.resources.TableHandle.list] (same arguments),
        kept for existing code."""
        return self.list(*args, **kwargs)

    def page(
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
        """One page of records (``GET …/records``, one request; ``page`` is 0-based).
        ``filters`` is an equality filter keyed by field name or id (shape UNCONFIRMED; sent
        as ``{"fields": {...}}``)."""
        params = calls.record_query(
            per_page, order, desc, new, updated, since_id, since_sq, filters, page=page
        )
        return run(self._http, options, prog.list_records(self._ctx, params))

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
        or a [`Record`][ninoxsdk.models.Record]. All values are checked before the first
        request. A failed chunk raises [`BatchWriteError`][ninoxsdk.errors.BatchWriteError]
        with ``saved``, ``failed`` and ``pending`` items; with ``continue_on_error`` the later
        chunks are still sent."""
        program = prog.save_records(self._ctx, records, chunk_size, continue_on_error)
        return run(self._http, options, program)

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
        program = prog.delete_many(self._ctx, ids, chunk_size, continue_on_error)
        return run(self._http, options, program)

    def changes(
        self,
        since_sq: int | None,
        per_page: int | None = None,
        *,
        options: RequestOptions | None = None,
    ) -> Changes:
        """Records changed after ``since_sq``; iterate it, then read ``.cursor``."""
        return Changes(self._http, self._ctx, since_sq, per_page, options)

    def files(self, record_id: int) -> RecordFiles:
        """The attachments of record ``record_id``."""
        return RecordFiles(self._http, self._ctx, record_id)

    def change_set(self, since_sq: int, *, options: RequestOptions | None = None) -> dict[str, Any]:
        """The raw ``…/tables/{tid}/changes?sinceSq=`` object (``updates``, ``removes``...;
        shape UNCONFIRMED), the only API view of deletions."""
        return run(self._http, options, calls.change_set(self._ctx, since_sq))
