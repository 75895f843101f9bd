"""The embedded [`StateStore`][bridge.state.protocol.StateStore]: SQLite in WAL mode (stdlib
``sqlite3``).

Why SQLite: link + outbox + cursor must change in one transaction, a crash must never leave a
half-written file, and the store must stay small (tombstones and finished ops are rows, not a
growing blob). Schema changes are versioned migrations (``PRAGMA user_version``). The queries
and transactions are the ones PostgreSQL runs (``bridge.state._store``); this module opens the
file, migrates it and runs one statement at a time.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Final

from bridge.state._dialect import SQLITE
from bridge.state._schema import MIGRATIONS
from bridge.state._store import SQLStateStore
from bridge.state.models import StateStoreError

__all__ = ["SCHEMA_VERSION", "SQLiteStateStore"]

#: The newest SQLite schema version this code writes (``PRAGMA user_version``).
SCHEMA_VERSION: Final = max(MIGRATIONS)


class SQLiteStateStore(SQLStateStore):
    """`StateStore` on SQLite (WAL mode). Thread-safe; one connection per store.

    ``path`` may be ``":memory:"`` for tests. Opening checks the file's integrity and schema
    version and refuses (``StateStoreError``) a corrupt file or one written by a newer version.
    """

    _dialect = SQLITE

    def __init__(self, path: str | Path = ":memory:") -> None:
        super().__init__()
        self.path = str(path)
        try:
            self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
            self._db.row_factory = sqlite3.Row
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.execute("PRAGMA foreign_keys=ON")
            self._db.execute("PRAGMA busy_timeout=5000")
            self._check_and_migrate()
        except sqlite3.DatabaseError as exc:
            raise StateStoreError(
                f"cannot open the sync state at {self.path}: {exc}. Restore it from a backup, "
                "or move it away and rebuild the links."
            ) from exc

    def _check_and_migrate(self) -> None:
        (status,) = self._db.execute("PRAGMA quick_check").fetchone()
        if status != "ok":
            raise StateStoreError(f"the sync state at {self.path} is corrupt: {status}")
        (version,) = self._db.execute("PRAGMA user_version").fetchone()
        if version > SCHEMA_VERSION:
            raise StateStoreError(
                f"the sync state at {self.path} has schema version {version}, newer than this "
                f"ghl-ninox understands ({SCHEMA_VERSION}); upgrade ghl-ninox"
            )
        for target in range(version + 1, SCHEMA_VERSION + 1):
            # executescript commits any open transaction, so each script carries its own: a
            # crash mid-migration leaves the file at the previous version, never half-changed.
            self._db.executescript(
                f"BEGIN;{MIGRATIONS[target]}PRAGMA user_version={target};COMMIT;"
            )

    def close(self) -> None:
        with self._lock:
            self._db.close()

    # -- one statement at a time (see SQLStateStore) ------------------------------------------

    def _run(self, sql: str, args: Sequence[Any] = ()) -> sqlite3.Cursor:
        with self._lock:
            return self._db.execute(sql, args)

    def _fetch(self, sql: str, args: Sequence[Any] = ()) -> list[Any]:
        with self._lock:
            return self._db.execute(sql, args).fetchall()

    def _run_many(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        with self._lock:
            self._db.executemany(sql, rows)

    def _insert_id(self, sql: str, args: Sequence[Any], key: str) -> int:
        row_id = self._run(sql, args).lastrowid
        assert row_id is not None  # an INSERT into a rowid table
        return row_id

    def _quietly(self, *statements: str) -> None:
        with self._lock, contextlib.suppress(sqlite3.Error):
            for statement in statements:
                self._db.execute(statement)

    def _commit(self) -> None:
        self._run("COMMIT")
