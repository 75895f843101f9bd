"""The PostgreSQL schema of the sync state, as versioned migrations.

The tables are the SQLite ones (both are ``bridge/state/_tables.py``) with PostgreSQL's types:
identity keys, ``timestamptz`` for instants, ``bigint`` for Ninox ids. JSON documents (a link's
base, an op's patch, a run's counts) are stored as ``text`` written by the same encoder as
SQLite's, so a value round-trips byte for byte on either backend.

The applied versions are rows of ``schema_version``. Each entry of `MIGRATIONS` takes the
database from version N-1 to N and runs in its own transaction under an advisory lock, so two
processes starting at once migrate once, and a crash mid-migration leaves the previous version.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from bridge.state import _tables as t
from bridge.state._dialect import POSTGRES

__all__ = ["MIGRATIONS", "MIGRATION_LOCK", "SCHEMA_VERSION"]

#: The advisory lock key held while migrating (any constant; ``hash("ghl-ninox state")``).
MIGRATION_LOCK: Final = 0x67686C6E696E6F78  # "ghlninox"

_V1: Final = POSTGRES.ddl(
    "\n"
    + t.LINKS
    + t.LINKS_LOOKUPS
    + t.CURSORS
    + t.table("ops", (*t.OPS_FIRST, *t.OPS_LATER))
    + t.OPS_OPEN
    + t.OPS_STATE
    + t.EVENTS
    + "{index} events_new ON events(received_at, event_key) WHERE state = 'new';\n"
    + t.REVIEW
    + t.RUNS
    + "{index} runs_started ON runs(started_at);\n"
    + t.table("record_errors", ("error_id {key}", *t.RECORD_ERRORS))
    + "{index} record_errors_run ON record_errors(run_id);\n"
    + t.LOCKS
)

#: Version 2: fleet partitions (a GHL location and a Ninox database each), leased by workers.
_V2: Final = """
CREATE TABLE partitions (
    partition_key TEXT PRIMARY KEY,
    location_id TEXT NOT NULL,
    team_id TEXT NOT NULL,
    database_id TEXT NOT NULL,
    paused BOOLEAN NOT NULL DEFAULT false,
    owner TEXT,
    lease_expires TIMESTAMPTZ,
    last_synced_at TIMESTAMPTZ,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX partitions_due ON partitions(last_synced_at NULLS FIRST, partition_key)
    WHERE NOT paused;
"""

#: Version 3: per-record history (SQLite's version 3).
_V3: Final = POSTGRES.ddl("\n" + t.HISTORY_AND_FLAGS)

#: Version 4: leaner links and history (SQLite's version 4).
_V4: Final = POSTGRES.ddl("\n" + t.LEANER_LINKS_AND_HISTORY)

#: Each migration takes the schema from version N-1 to N (version 1 matches SQLite's 2).
MIGRATIONS: Final[Mapping[int, str]] = {1: _V1, 2: _V2, 3: _V3, 4: _V4}

#: The newest schema version this code writes.
SCHEMA_VERSION: Final = max(MIGRATIONS)
