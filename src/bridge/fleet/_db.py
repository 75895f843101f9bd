"""The fleet's shared tables on the PostgreSQL state, and the connection that migrates them.

The fleet schema is the one the ``[state] url`` points at: it holds the ``partitions`` table of
the state's own migrations (``bridge.state.postgres_schema``, version 2) and the tables below,
versioned on their own (``fleet_schema_version``) so the state store's migrations stay as they
are. Each partition's sync state (links, cursors, outbox...) lives in a schema of its own
(`bridge.fleet.partitions`).

- ``rate_slots`` / ``rate_buckets``: the shared GHL budget of each location
  (`bridge.fleet.limiter`).
- ``fleet_events``: the shared webhook inbox, one row per (partition, delivery).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from bridge.state.models import StateStoreError
from bridge.state.postgres import PostgresStateStore

__all__ = ["FLEET_MIGRATIONS", "FLEET_SCHEMA_VERSION", "FleetDB"]

#: The advisory lock key held while migrating the fleet tables ("ghlfleet").
FLEET_MIGRATION_LOCK: Final = 0x67686C666C656574

_V1: Final = """
CREATE TABLE rate_slots (
    slot_id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    rate_key TEXT NOT NULL,
    period DOUBLE PRECISION NOT NULL,
    starts_at DOUBLE PRECISION NOT NULL,
    returns_at DOUBLE PRECISION NOT NULL,
    weight INTEGER NOT NULL DEFAULT 1,
    in_flight BOOLEAN NOT NULL DEFAULT false
);
CREATE INDEX rate_slots_key ON rate_slots(rate_key, period, returns_at);
CREATE TABLE rate_buckets (
    rate_key TEXT NOT NULL,
    period DOUBLE PRECISION NOT NULL,
    bucket DOUBLE PRECISION NOT NULL,
    used INTEGER NOT NULL,
    PRIMARY KEY (rate_key, period, bucket)
);
CREATE TABLE fleet_events (
    partition_key TEXT NOT NULL,
    event_key TEXT NOT NULL,
    location_id TEXT NOT NULL,
    type TEXT NOT NULL,
    raw_body TEXT NOT NULL,
    state TEXT NOT NULL DEFAULT 'new',
    attempts INTEGER NOT NULL DEFAULT 0,
    received_at TIMESTAMPTZ NOT NULL DEFAULT clock_timestamp(),
    PRIMARY KEY (partition_key, event_key)
);
CREATE INDEX fleet_events_new ON fleet_events(partition_key, received_at) WHERE state = 'new';
"""

#: Each entry takes the fleet tables from version N-1 to N.
FLEET_MIGRATIONS: Final[Mapping[int, str]] = {1: _V1}
FLEET_SCHEMA_VERSION: Final = max(FLEET_MIGRATIONS)


class FleetDB(PostgresStateStore):
    """A connection to the fleet schema: the state store's tables (``partitions`` among them)
    plus the fleet's own, migrated on open under an advisory lock (several workers and
    receivers may start at once)."""

    def __repr__(self) -> str:
        return f"FleetDB({self.url!r})"

    def __enter__(self) -> FleetDB:
        return self

    def _migrate(self) -> None:
        super()._migrate()
        with self.transaction():
            self._execute("SELECT pg_advisory_xact_lock(%s)", (FLEET_MIGRATION_LOCK,))
            self._execute(
                "CREATE TABLE IF NOT EXISTS fleet_schema_version (version INTEGER PRIMARY KEY,"
                " applied_at TIMESTAMPTZ NOT NULL DEFAULT now())"
            )
            row = self._execute(
                "SELECT COALESCE(MAX(version), 0) AS v FROM fleet_schema_version"
            ).fetchone()
            version = 0 if row is None else int(row["v"])
            if version > FLEET_SCHEMA_VERSION:
                raise StateStoreError(
                    f"the fleet tables in the {self.location} have version {version}, newer "
                    f"than this ghl-ninox understands ({FLEET_SCHEMA_VERSION}); upgrade ghl-ninox"
                )
            for target in range(version + 1, FLEET_SCHEMA_VERSION + 1):
                self._execute(FLEET_MIGRATIONS[target])
                self._execute("INSERT INTO fleet_schema_version (version) VALUES (%s)", (target,))
