"""The fleet's shared webhook inbox: any receiver accepts a delivery for any location; the
worker holding a partition drains that partition's rows.

A delivery is stored once per partition of its location (a location synced with two Ninox
databases is two partitions, and each must see the change), in one statement, so receivers
need no connection per partition and a duplicate delivery (same key) is stored once.
"""

from __future__ import annotations

import json
import logging

import attrs

from bridge.fleet._db import FleetDB
from bridge.state import Event

__all__ = ["FleetInbox", "InboxRow", "ReceiverInbox"]

_log = logging.getLogger("bridge.fleet")


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

    def forget(self, partition_key: str) -> int:
        """Delete every delivery of a partition (one being removed); how many were still
        waiting to be handled."""
        rows = self.db._query(
            "DELETE FROM fleet_events WHERE partition_key=%s RETURNING state", (partition_key,)
        )
        return sum(1 for row in rows if row["state"] == "new")

    def prune(self, *, older_than_days: float = 7.0) -> int:
        """Delete handled deliveries older than that; how many went."""
        cur = self.db._execute(
            "DELETE FROM fleet_events WHERE state <> 'new'"
            " AND received_at < clock_timestamp() - make_interval(secs => %s)",
            (older_than_days * 86_400.0,),
        )
        return cur.rowcount


class ReceiverInbox(FleetDB):
    """The state a ``serve`` process of a fleet hands the webhook app: deliveries go to the
    fleet inbox (`FleetInbox.add`, for every partition of the event's ``locationId``) and stay
    there for the workers. The receiver neither replays them nor marks them handled: only
    the worker that holds the partition does."""

    def __repr__(self) -> str:
        return f"ReceiverInbox({self.url!r})"

    def add_event(self, event: Event) -> bool:
        try:
            body = json.loads(event.raw_body)
        except ValueError:
            body = None
        location = body.get("locationId") if isinstance(body, dict) else None
        if not isinstance(location, str) or not location:
            _log.warning("webhook %s names no locationId; not stored", event.event_key)
            return False
        added = FleetInbox(self).add(
            event_key=event.event_key,
            location_id=location,
            type=event.type,
            raw_body=event.raw_body,
        )
        if not added and not self._query(
            "SELECT 1 FROM partitions WHERE location_id=%s LIMIT 1", (location,)
        ):
            _log.warning(
                "webhook %s is for location %s, which no partition syncs", event.event_key, location
            )
        return added > 0

    def new_events(self, limit: int = 100) -> list[Event]:
        return []  # the workers drain the inbox, per partition

    def set_event_state(self, event_key: str, state: str) -> None:
        return  # handled means handled by a worker, not received
