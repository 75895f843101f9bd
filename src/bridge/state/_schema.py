"""The SQLite schema of the sync state, as versioned migrations (``PRAGMA user_version``).

Each entry of `MIGRATIONS` takes a file from version N-1 to N and runs in its own
transaction, so a crash mid-migration leaves the file at the previous version. The tables are
the ones PostgreSQL has (``bridge.state._tables``), in SQLite's types.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from bridge.state import _tables as t
from bridge.state._dialect import SQLITE

__all__ = ["MIGRATIONS", "SCHEMA_V1"]

SCHEMA_V1: Final = SQLITE.ddl(
    "\n"
    + t.LINKS
    + t.CURSORS
    + t.table("ops", t.OPS_FIRST)
    + t.OPS_OPEN
    + t.EVENTS
    + t.REVIEW
    + t.RUNS
    + t.table("record_errors", t.RECORD_ERRORS)
    + t.LOCKS
)

# Each migration takes the schema from version N-1 to N.
MIGRATIONS: Final[Mapping[int, str]] = {
    1: SCHEMA_V1,
    # what each op writes where, and the lookups of the links to recheck and of children
    2: SQLITE.ddl(
        "\n"
        + "".join(f"ALTER TABLE ops ADD COLUMN {column};\n" for column in t.OPS_LATER)
        + t.OPS_STATE
        + t.LINKS_LOOKUPS
    ),
    3: SQLITE.ddl("\n" + t.HISTORY_AND_FLAGS),
    4: SQLITE.ddl("\n" + t.LEANER_LINKS_AND_HISTORY),
}
