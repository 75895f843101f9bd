"""Fleet partitions leased to workers on a PostgreSQL state (the first part of issue 13's
fleet): disjoint claims under concurrency, takeover of a dead worker's partitions, pausing,
and the migration that adds them to an existing state."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import psycopg
import pytest

from bridge.state import PostgresStateStore
from bridge.state.postgres_fleet import Partition, PartitionLeases
from bridge.state.postgres_schema import MIGRATIONS

pytestmark = pytest.mark.postgres


@pytest.fixture
def leases(postgres_schema_url: str) -> Iterator[PartitionLeases]:
    with PostgresStateStore(postgres_schema_url) as store:
        fleet = PartitionLeases(store)
        for n in range(4):
            fleet.register(f"loc{n}", location_id=f"loc{n}", team_id="t", database_id=f"db{n}")
        yield fleet


def keys(partitions: list[Partition]) -> list[str]:
    return [p.key for p in partitions]


def test_workers_get_disjoint_partitions_until_none_is_free(leases: PartitionLeases) -> None:
    a = keys(leases.claim("worker-a", limit=2))
    b = keys(leases.claim("worker-b", limit=3))
    assert len(a) == 2
    assert len(b) == 2
    assert set(a).isdisjoint(b)
    assert leases.claim("worker-c") == []
    assert keys(leases.claim("worker-a", limit=2)) == a  # its own: renewed, not lost


def test_concurrent_claims_never_share_a_partition(postgres_schema_url: str) -> None:
    stores = [PostgresStateStore(postgres_schema_url) for _ in range(6)]
    fleet = PartitionLeases(stores[0])
    for n in range(4):
        fleet.register(f"loc{n}", location_id=f"loc{n}", team_id="t", database_id="d")
    got: dict[str, list[str]] = {}
    barrier = threading.Barrier(len(stores))

    def claim(i: int) -> None:
        barrier.wait()
        got[f"w{i}"] = keys(PartitionLeases(stores[i]).claim(f"w{i}", limit=1))

    threads = [threading.Thread(target=claim, args=(i,)) for i in range(len(stores))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    claimed = [k for ks in got.values() for k in ks]
    assert sorted(claimed) == ["loc0", "loc1", "loc2", "loc3"]  # each once; two got none
    for s in stores:
        s.close()


def test_a_dead_workers_partitions_are_taken_over(
    leases: PartitionLeases, postgres_schema_url: str
) -> None:
    mine = keys(leases.claim("worker-a", limit=4, ttl=60))
    assert leases.claim("worker-b") == []
    with psycopg.connect(postgres_schema_url, autocommit=True) as conn:  # worker-a dies
        conn.execute("UPDATE partitions SET lease_expires = now() - interval '1 second'")
    taken = keys(leases.claim("worker-b", limit=4))
    assert taken == mine
    assert not leases.renew("worker-a", "loc0")  # worker-a must stop
    assert leases.renew("worker-b", "loc0")


def test_released_partitions_become_least_due_and_paused_ones_are_left(
    leases: PartitionLeases,
) -> None:
    leases.set_paused("loc3", True)
    first = keys(leases.claim("w", limit=4))
    assert first == ["loc0", "loc1", "loc2"]
    leases.release("w", "loc0")
    leases.release("w", "loc1", synced=False)
    leases.release("w", "loc2")
    assert keys(leases.claim("w", limit=1)) == ["loc1"]  # never synced: due first
    assert keys(leases.claim("x", limit=1)) == ["loc0"]  # then the oldest pass
    leases.set_paused("loc3", False)
    assert keys(leases.claim("y", limit=1)) == ["loc3"]
    with pytest.raises(KeyError):
        leases.set_paused("nope", True)
    by_key = {p.key: p for p in leases.partitions()}
    assert by_key["loc0"].owner == "x"
    assert by_key["loc2"].owner is None
    assert by_key["loc2"].last_synced_at is not None


def test_a_version_1_state_gets_the_partitions_when_opened(postgres_schema_url: str) -> None:
    with psycopg.connect(postgres_schema_url, autocommit=True) as conn:
        conn.execute(
            "CREATE TABLE schema_version (version INTEGER PRIMARY KEY,"
            " applied_at TIMESTAMPTZ NOT NULL DEFAULT now())"
        )
        conn.execute(MIGRATIONS[1])
        conn.execute("INSERT INTO schema_version (version) VALUES (1)")
        conn.execute(
            "INSERT INTO cursors (source, scope, value, mode, updated_at)"
            " VALUES ('ghl', 's', 'v', 'incremental', now())"
        )
    with PostgresStateStore(postgres_schema_url) as store:
        assert store.schema_version == max(MIGRATIONS)
        assert store.cursors() == {"ghl:s": "v"}  # kept
        fleet = PartitionLeases(store)
        fleet.register("p", location_id="l", team_id="t", database_id="d")
        assert keys(fleet.claim("w")) == ["p"]
