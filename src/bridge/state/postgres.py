"""The [`StateStore`][bridge.state.protocol.StateStore] on PostgreSQL (psycopg 3, the
``postgres`` extra).

Same queries and semantics as [`SQLiteStateStore`][bridge.state.sqlite.SQLiteStateStore] (both
are ``bridge.state._store``), so the engine cannot tell them apart: one connection per store,
shared by threads under a lock; `transaction` nests (inner blocks join the outer one); a write
that fails inside a caller's transaction leaves that transaction usable (it runs under a
savepoint), as a failed statement does in SQLite. Several processes (and machines) may share one
database: the outbox key, the inbox key and the run lock are decided by the server, atomically.

Schema changes are versioned migrations (``bridge.state.postgres_schema``): the versions applied
are rows of ``schema_version``; a database written by a newer ghl-ninox is refused.
psycopg is imported when a store is opened, so this module imports without the extra.
"""

from __future__ import annotations

from bridge.state.postgres_conn import PostgresConnection
from bridge.state.postgres_schema import SCHEMA_VERSION
from bridge.state.postgres_url import (
    STATE_PASSWORD_ENV,
    has_password,
    is_postgres_url,
    redact_url,
)

__all__ = [
    "POSTGRES_SCHEMA_VERSION",
    "STATE_PASSWORD_ENV",
    "PostgresStateStore",
    "has_password",
    "is_postgres_url",
    "redact_url",
]

#: The newest PostgreSQL schema version this code writes (``schema_version`` table).
POSTGRES_SCHEMA_VERSION = SCHEMA_VERSION


class PostgresStateStore(PostgresConnection):
    """`StateStore` on PostgreSQL. Thread-safe; one connection per store.

    ``url`` is a libpq URL (``postgresql://user@host:5432/dbname?sslmode=require``). The
    password comes from ``password``, else from libpq's usual places (``PGPASSWORD``,
    ``~/.pgpass``, the URL itself); it never appears in a repr or an error. Opening connects,
    applies the pending migrations and refuses (`StateStoreError`) a database written by a
    newer version, or one that cannot be reached (the message names host and database).
    """

    def __repr__(self) -> str:
        return f"PostgresStateStore({self.url!r})"
