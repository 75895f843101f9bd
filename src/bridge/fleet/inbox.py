"""The fleet's shared webhook inbox: any receiver accepts a delivery for any location; the
worker holding a partition drains that partition's rows.

A delivery is stored once per partition of its location (a location synced with two Ninox
databases is two partitions, and each must see the change), in one statement, so receivers
need no connection per partition and a duplicate delivery (same key) is stored once.
"""

from __future__ import annotations

import attrs

from bridge.fleet._db import FleetDB

__all__ = ["FleetInbox", "InboxRow"]


@attrs.frozen(kw_only=True)
class InboxRow:
    """A stored delivery waiting for its partition's worker."""

    partition_key: str
    event_key: str
    location_id: str
    type: str
    raw_body: str


class FleetInbox:
    """Add deliveries (receivers) and take them per partition (workers)."""

    def __init__(self, db: FleetDB) -> None:
        self.db = db

    def add(self, *, event_key: str, location_id: str, type: str, raw_body: str) -> int:
        """Store a delivery for every partition of ``location_id``; how many rows were new
        (0: a duplicate, or a location no partition syncs)."""
        cur = self.db._execute(
            "INSERT INTO fleet_events (partition_key, event_key, location_id, type, raw_body)"
            " SELECT partition_key, %s, %s, %s, %s FROM partitions WHERE location_id=%s"
            " ON CONFLICT (partition_key, event_key) DO NOTHING",
            (event_key, location_id, type, raw_body, location_id),
        )
        return cur.rowcount

    def pending(self, partition_key: str, limit: int = 500) -> list[InboxRow]:
        """The partition's deliveries not handled yet, oldest first."""
        rows = self.db._query(
            "SELECT * FROM fleet_events WHERE partition_key=%s AND state='new'"
            " ORDER BY received_at, event_key LIMIT %s",
            (partition_key, limit),
        )
        return [
            InboxRow(
                partition_key=r["partition_key"],
                event_key=r["event_key"],
                location_id=r["location_id"],
                type=r["type"],
                raw_body=r["raw_body"],
            )
            for r in rows
        ]

    def mark(self, partition_key: str, event_key: str, state: str) -> None:
        """Record how a delivery ended (``done`` or ``failed``)."""
        self.db._execute(
            "UPDATE fleet_events SET state=%s, attempts=attempts+1"
            " WHERE partition_key=%s AND event_key=%s",
            (state, partition_key, event_key),
        )

    def prune(self, *, older_than_days: float = 7.0) -> int:
        """Delete handled deliveries older than that; how many went."""
        cur = self.db._execute(
            "DELETE FROM fleet_events WHERE state <> 'new'"
            " AND received_at < clock_timestamp() - make_interval(secs => %s)",
            (older_than_days * 86_400.0,),
        )
        return cur.rowcount
