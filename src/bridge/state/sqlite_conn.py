"""The connection under the SQLite state store: opening (integrity check, refusing a newer
schema), migrating one version per transaction, and nested transactions."""

from __future__ import annotations

import contextlib
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, Final

from bridge.state._schema import MIGRATIONS
from bridge.state.models import (
    StateStoreError,
)

__all__ = ["SQLiteConnection"]

SCHEMA_VERSION: Final = max(MIGRATIONS)


class SQLiteConnection:
    """One SQLite connection (WAL), thread-safe: opening with an integrity check, versioned
    migrations, and nested transactions."""

    def __init__(self, path: str | Path = ":memory:") -> None:
        self.path = str(path)
        self._lock = threading.RLock()
        self._depth = 0
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

    @contextlib.contextmanager
    def transaction(self) -> Iterator[None]:
        """Group writes atomically; nests (inner blocks join the outer transaction)."""
        with self._lock:
            outer = self._depth == 0
            if outer:
                self._db.execute("BEGIN IMMEDIATE")
            self._depth += 1
            try:
                yield
            except BaseException:
                self._depth -= 1
                if outer:
                    self._db.execute("ROLLBACK")
                raise
            self._depth -= 1
            if outer:
                self._db.execute("COMMIT")

    def _query(self, sql: str, args: Sequence[Any] = ()) -> list[sqlite3.Row]:
        with self._lock:
            return self._db.execute(sql, args).fetchall()
