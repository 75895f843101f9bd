"""The connection under the PostgreSQL state store: connecting without ever showing the
password, reconnecting after the server dropped it, versioned migrations under an advisory
lock, and running the store's statements (``bridge.state._store``) one at a time."""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from bridge.state._dialect import POSTGRES
from bridge.state._store import SQLStateStore
from bridge.state.models import StateStoreError
from bridge.state.postgres_schema import MIGRATION_LOCK, MIGRATIONS, SCHEMA_VERSION
from bridge.state.postgres_url import (
    STATE_PASSWORD_ENV,
    _parts,
    _psycopg,
    is_postgres_url,
    redact_url,
)

if TYPE_CHECKING:
    import psycopg
    from psycopg.rows import DictRow

__all__ = ["PostgresConnection"]


class PostgresConnection(SQLStateStore):
    """One PostgreSQL connection shared by threads: connecting, reconnecting and migrating;
    the queries and transactions are the store's (``bridge.state._store``)."""

    _dialect = POSTGRES

    def __init__(
        self, url: str, *, password: str | None = None, connect_timeout: float = 10.0
    ) -> None:
        super().__init__()
        if not is_postgres_url(url):
            raise StateStoreError(
                f"not a PostgreSQL URL: {redact_url(url)} (postgresql://user@host/db)"
            )
        self._pg = _psycopg()
        self._secrets = [s for s in (password, _parts(url).get("password")) if s]
        self.url = redact_url(url)
        parts = _parts(url)
        self.database = parts.get("dbname") or parts.get("user") or "?"
        host = parts.get("host") or "localhost"
        self.host = host + (f":{parts['port']}" if parts.get("port") else "")
        self._connect_args: dict[str, Any] = {
            "autocommit": True,
            "connect_timeout": max(1, round(connect_timeout)),
            "application_name": "ghl-ninox",
        }
        if password is not None:
            self._connect_args["password"] = password
        self._conninfo = url
        self._closed = False
        self._conn: psycopg.Connection[DictRow] = self._connect()
        try:
            self._migrate()
        except BaseException:
            self._conn.close()
            raise

    @property
    def location(self) -> str:
        """Where the state lives, for messages: database and host, never the password."""
        return f"PostgreSQL database {self.database!r} on {self.host}"

    # -- connection and errors --------------------------------------------------------------

    def _scrub(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, "***")
        return text

    def _connect(self) -> psycopg.Connection[DictRow]:
        from psycopg.rows import dict_row

        try:
            conn: psycopg.Connection[DictRow] = self._pg.connect(
                self._conninfo, row_factory=dict_row, **self._connect_args
            )
        except self._pg.Error as exc:
            reason = self._scrub(str(exc).strip()).replace("\n", " ")
            raise StateStoreError(
                f"cannot connect to the sync state, the {self.location}: {reason}. Check that "
                f"the server runs and accepts this user (password from {STATE_PASSWORD_ENV} "
                "or PGPASSWORD), or change [state] url"
            ) from None
        conn.execute("SET TIME ZONE 'UTC'")
        return conn

    def _ensure(self) -> None:
        """Reconnect a connection the server dropped, between transactions only."""
        if self._closed:
            raise StateStoreError(f"the state store ({self.location}) is closed")
        if self._depth == 0 and (self._conn.closed or self._conn.broken):
            self._conn = self._connect()

    def _lost(self, exc: Exception) -> StateStoreError:
        reason = self._scrub(str(exc).strip()).replace("\n", " ")
        return StateStoreError(f"the sync state ({self.location}) failed: {reason}")

    def _execute(self, sql: str, args: Sequence[Any] | None = None) -> psycopg.Cursor[DictRow]:
        with self._lock:
            self._ensure()
            try:
                return self._conn.execute(sql, args)
            except self._pg.OperationalError as exc:
                raise self._lost(exc) from None

    def _query(self, sql: str, args: Sequence[Any] | None = None) -> list[DictRow]:
        with self._lock:
            return self._execute(sql, args).fetchall()

    # -- schema -----------------------------------------------------------------------------

    def _version(self) -> int:
        row = self._execute("SELECT COALESCE(MAX(version), 0) AS v FROM schema_version").fetchone()
        return 0 if row is None else int(row["v"])

    def _migrate(self) -> None:
        with self.transaction():
            self._execute("SELECT pg_advisory_xact_lock(%s)", (MIGRATION_LOCK,))
            self._execute(
                "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY,"
                " applied_at TIMESTAMPTZ NOT NULL DEFAULT now())"
            )
            version = self._version()
        if version > SCHEMA_VERSION:
            raise StateStoreError(
                f"the sync state in the {self.location} has schema version {version}, newer "
                f"than this ghl-ninox understands ({SCHEMA_VERSION}); upgrade ghl-ninox"
            )
        for target in range(version + 1, SCHEMA_VERSION + 1):
            # One transaction per step, under the lock: another process opening at the same
            # moment waits and finds the step done; a crash leaves the previous version.
            with self.transaction():
                self._execute("SELECT pg_advisory_xact_lock(%s)", (MIGRATION_LOCK,))
                if self._version() >= target:
                    continue
                self._execute(MIGRATIONS[target])
                self._execute("INSERT INTO schema_version (version) VALUES (%s)", (target,))

    @property
    def schema_version(self) -> int:
        """The schema version of the database."""
        return self._version()

    # -- lifecycle, and one statement at a time (see SQLStateStore) --------------------------

    def close(self) -> None:
        with self._lock:
            self._closed = True
            self._conn.close()

    def _run(self, sql: str, args: Sequence[Any] = ()) -> psycopg.Cursor[DictRow]:
        return self._execute(self._dialect.sql(sql), args or None)

    def _fetch(self, sql: str, args: Sequence[Any] = ()) -> list[Any]:
        return self._query(self._dialect.sql(sql), args or None)

    def _run_many(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        with self._lock:
            self._ensure()
            try:
                with self._conn.cursor() as cursor:
                    cursor.executemany(self._dialect.sql(sql), rows)
            except self._pg.OperationalError as exc:
                raise self._lost(exc) from None

    def _insert_id(self, sql: str, args: Sequence[Any], key: str) -> int:
        row = self._run(f"{sql} RETURNING {key}", args).fetchone()
        assert row is not None  # an INSERT without ON CONFLICT returns its row
        return int(row[key])

    def _quietly(self, *statements: str) -> None:
        with self._lock, contextlib.suppress(self._pg.Error):
            for statement in statements:
                self._conn.execute(statement)

    def _commit(self) -> None:
        status = self._execute("COMMIT").statusmessage
        if status != "COMMIT":  # PostgreSQL answers ROLLBACK to COMMIT after an error
            raise StateStoreError(
                f"the sync state ({self.location}) rolled back a transaction: a statement "
                "in it had failed"
            )
