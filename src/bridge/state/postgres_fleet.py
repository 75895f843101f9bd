"""Fleet partitions on a PostgreSQL state: which worker process syncs which (GHL location,
Ninox database) pair right now.

A partition is a row of ``partitions``. A worker *claims* partitions with a lease: one
statement picks the due ones (never synced or synced longest ago, not paused, not leased by a
live worker) with ``FOR UPDATE SKIP LOCKED``, so concurrent workers never wait on each other
and never get the same partition. A lease the worker does not renew expires on the server's
clock, and another worker takes the partition over: a dead worker's partitions are not lost.
The fleet's workers (``bridge.fleet``) claim through
[`claim`][bridge.state.postgres_fleet.PartitionLeases.claim] with ``due_after``: only the
partitions whose last pass is that old, or that have webhooks waiting in the fleet inbox.
"""

from __future__ import annotations

from datetime import datetime
from typing import Final

import attrs

from bridge.state._rows import dt, reader
from bridge.state.models import StateStoreError
from bridge.state.postgres import PostgresStateStore

__all__ = ["Partition", "PartitionHeldError", "PartitionLeases"]


class PartitionHeldError(StateStoreError):
    """A worker holds the partition right now."""


@attrs.frozen(kw_only=True)
class Partition:
    """One (GHL location, Ninox database) pair of the fleet, and who holds it."""

    key: str
    location_id: str
    team_id: str
    database_id: str
    paused: bool = False
    owner: str | None = None
    lease_expires: datetime | None = None
    last_synced_at: datetime | None = None


_partition: Final = reader(
    Partition, renamed={"key": "partition_key"}, lease_expires=dt, last_synced_at=dt
)


class PartitionLeases:
    """Register, pause, claim, renew and release partitions of one PostgreSQL state."""

    def __init__(self, store: PostgresStateStore) -> None:
        self.store = store

    def register(self, key: str, *, location_id: str, team_id: str, database_id: str) -> None:
        """Add a partition, or update its ids (its lease and pause state stay)."""
        self.store._execute(
            "INSERT INTO partitions (partition_key, location_id, team_id, database_id)"
            " VALUES (%s,%s,%s,%s) ON CONFLICT (partition_key) DO UPDATE SET"
            " location_id=excluded.location_id, team_id=excluded.team_id,"
            " database_id=excluded.database_id",
            (key, location_id, team_id, database_id),
        )

    def set_paused(self, key: str, paused: bool) -> None:
        """Pause (no worker claims it; a running pass finishes) or resume a partition."""
        cur = self.store._execute(
            "UPDATE partitions SET paused=%s WHERE partition_key=%s", (paused, key)
        )
        if cur.rowcount != 1:
            raise KeyError(f"no partition {key!r}")

    def claim(
        self,
        worker: str,
        *,
        limit: int = 1,
        ttl: float = 300.0,
        due_after: float | None = None,
        with_inbox: bool = False,
    ) -> list[Partition]:
        """Lease up to ``limit`` due partitions to ``worker`` for ``ttl`` seconds: free or
        expired ones, or its own, least recently synced first. Concurrent callers get disjoint
        sets and never wait on each other's rows.

        With ``due_after`` (seconds), only partitions never synced or synced at least that
        long ago are due; ``with_inbox`` adds those with a ``new`` row in ``fleet_events`` (the
        fleet's webhook inbox, ``bridge.fleet``)."""
        due = ""
        args: list[object] = [worker, float(ttl), worker]
        if due_after is not None:
            due = (
                " AND (last_synced_at IS NULL"
                " OR last_synced_at <= clock_timestamp() - make_interval(secs => %s)"
            )
            args.append(float(due_after))
            if with_inbox:
                due += (
                    " OR EXISTS (SELECT 1 FROM fleet_events e WHERE e.partition_key ="
                    " partitions.partition_key AND e.state = 'new')"
                )
            due += ")"
        rows = self.store._query(  # ``due`` is built from constants only
            "UPDATE partitions p SET owner=%s,"  # noqa: S608
            " lease_expires=clock_timestamp() + make_interval(secs => %s)"
            " FROM (SELECT partition_key FROM partitions WHERE NOT paused AND (owner IS NULL"
            " OR owner=%s OR lease_expires <= clock_timestamp())" + due + ""
            " ORDER BY last_synced_at NULLS FIRST, partition_key"
            " LIMIT %s FOR UPDATE SKIP LOCKED) due"
            " WHERE p.partition_key = due.partition_key RETURNING p.*",
            (*args, limit),
        )
        return sorted((_partition(r) for r in rows), key=lambda p: p.key)

    def renew(self, worker: str, key: str, *, ttl: float = 300.0) -> bool:
        """Extend ``worker``'s lease; False when it has lost the partition (expired and
        taken over): the worker must stop syncing it."""
        cur = self.store._execute(
            "UPDATE partitions SET lease_expires=clock_timestamp() + make_interval(secs => %s)"
            " WHERE partition_key=%s AND owner=%s AND lease_expires > clock_timestamp()",
            (float(ttl), key, worker),
        )
        return cur.rowcount == 1

    def release(self, worker: str, key: str, *, synced: bool = True) -> None:
        """Give a partition back; ``synced`` records the pass as done now (it becomes the
        least due)."""
        self.store._execute(
            "UPDATE partitions SET owner=NULL, lease_expires=NULL,"
            " last_synced_at=CASE WHEN %s THEN clock_timestamp() ELSE last_synced_at END"
            " WHERE partition_key=%s AND owner=%s",
            (synced, key, worker),
        )

    def since_synced(self, key: str) -> float | None:
        """Seconds since the partition's last pass ended (server clock); ``None``: never."""
        rows = self.store._query(
            "SELECT extract(epoch from clock_timestamp() - last_synced_at)::float8 AS age"
            " FROM partitions WHERE partition_key=%s",
            (key,),
        )
        if not rows or rows[0]["age"] is None:
            return None
        return float(rows[0]["age"])

    def forget(self, key: str) -> None:
        """Remove a partition from the fleet (its sync state schema is left in place).
        ``KeyError`` when there is none;
        [`PartitionHeldError`][bridge.state.postgres_fleet.PartitionHeldError] while a
        worker's lease on it is live (its pass would go on without it)."""
        cur = self.store._execute(
            "DELETE FROM partitions WHERE partition_key=%s"
            " AND (owner IS NULL OR lease_expires <= clock_timestamp())",
            (key,),
        )
        if cur.rowcount == 1:
            return
        held = [p for p in self.partitions() if p.key == key]
        if not held:
            raise KeyError(f"no partition {key!r}")
        raise PartitionHeldError(
            f"partition {key!r} is being synced by {held[0].owner}; pause it "
            "(ghl-ninox fleet pause) and try again once its pass is over"
        )

    def partitions(self) -> list[Partition]:
        """Every partition, by key."""
        rows = self.store._query("SELECT * FROM partitions ORDER BY partition_key")
        return [_partition(r) for r in rows]
