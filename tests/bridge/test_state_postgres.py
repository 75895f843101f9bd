"""What only PostgreSQL has to prove: several connections and processes on one state (the lock,
the outbox key), migrations and schema versions, connection errors without the password, and a
dropped connection. The backend-neutral semantics are in test_state.py, run on both backends.
These tests need a server: tests/conftest.py starts a throwaway cluster, or skips them."""

from __future__ import annotations

import contextlib
import subprocess
import sys
import textwrap
import threading
from collections.abc import Iterator

import psycopg
import pytest

from bridge.state import (
    POSTGRES_SCHEMA_VERSION,
    Cursor,
    Link,
    Op,
    PostgresStateStore,
    StateStoreError,
    open_store,
)
from tests.conftest import PG_PASSWORD, PG_PASSWORD_ROLE

pytestmark = pytest.mark.postgres


@pytest.fixture
def url(postgres_schema_url: str) -> str:
    return postgres_schema_url


@pytest.fixture
def store(url: str) -> Iterator[PostgresStateStore]:
    with PostgresStateStore(url) as opened:
        yield opened


def _op(key: str) -> Op:
    return Op(op_key=key, link_id=None, target="ghl", kind="create", patch={"a": 1})


def _python(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_open_store_picks_postgres_by_url_and_the_state_persists(url: str) -> None:
    first = open_store(url)
    assert isinstance(first, PostgresStateStore)
    first.save_link(Link(entity="contact", ghl_id="g1", ninox_table="A", ninox_id=1))
    first.close()
    with open_store(url.replace("postgresql://", "postgres://", 1)) as second:
        assert isinstance(second, PostgresStateStore)
        assert second.link_by_ghl("contact", "g1") is not None
        assert second.schema_version == POSTGRES_SCHEMA_VERSION


def test_migrations_are_recorded_once_even_when_processes_open_at_once(url: str) -> None:
    errors: list[BaseException] = []
    barrier = threading.Barrier(4)

    def opener() -> None:
        try:
            barrier.wait()
            PostgresStateStore(url).close()
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=opener) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with psycopg.connect(url) as conn:
        rows = conn.execute("SELECT version FROM schema_version ORDER BY version").fetchall()
    assert [v for (v,) in rows] == list(range(1, POSTGRES_SCHEMA_VERSION + 1))


def test_a_newer_schema_is_refused(url: str) -> None:
    PostgresStateStore(url).close()
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("INSERT INTO schema_version (version) VALUES (99)")
    with pytest.raises(StateStoreError, match=r"schema version 99.*upgrade ghl-ninox"):
        PostgresStateStore(url)


def test_connection_failures_name_host_and_database_but_never_the_password(
    postgres_url: str,
) -> None:
    port = psycopg.conninfo.conninfo_to_dict(postgres_url)["port"]
    # a wrong password, in the URL and as an argument
    bad = f"postgresql://{PG_PASSWORD_ROLE}:not-{PG_PASSWORD}@127.0.0.1:{port}/postgres"
    with pytest.raises(StateStoreError) as caught:
        PostgresStateStore(bad)
    message = str(caught.value)
    assert "'postgres' on 127.0.0.1" in message
    assert "password authentication failed" in message
    assert PG_PASSWORD not in message
    assert caught.value.__cause__ is None
    good = f"postgresql://{PG_PASSWORD_ROLE}@127.0.0.1:{port}/postgres"
    with pytest.raises(StateStoreError) as caught:
        PostgresStateStore(good, password="wrong-" + PG_PASSWORD)
    assert PG_PASSWORD not in str(caught.value)
    # nobody listening
    with socket_closed_port() as closed:
        nowhere = f"postgresql://u:{PG_PASSWORD}@127.0.0.1:{closed}/statedb"
        with pytest.raises(StateStoreError, match=r"'statedb' on 127\.0\.0\.1") as caught:
            PostgresStateStore(nowhere, connect_timeout=2)
    assert PG_PASSWORD not in str(caught.value)
    # the right password, as an argument and in the URL; never in the repr
    with PostgresStateStore(good, password=PG_PASSWORD) as store:
        assert store.acquire_lock("me")
        assert PG_PASSWORD not in repr(store) + store.url + store.location
    inline = f"postgresql://{PG_PASSWORD_ROLE}:{PG_PASSWORD}@127.0.0.1:{port}/postgres"
    with PostgresStateStore(inline) as store:
        assert PG_PASSWORD not in repr(store)
        assert store.url == good
        assert not store.acquire_lock("someone else")  # the same state as above
        store.release_lock("me")


class socket_closed_port:
    """A 127.0.0.1 port that nothing listens on."""

    def __enter__(self) -> int:
        import socket

        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind(("127.0.0.1", 0))  # bound, never listening: connections are refused
        return int(self.sock.getsockname()[1])

    def __exit__(self, *exc: object) -> None:
        self.sock.close()


def test_the_run_lock_excludes_an_owner_in_another_process(url: str) -> None:
    holder = _python(f"""
        from bridge.state import PostgresStateStore
        store = PostgresStateStore({url!r})
        assert store.acquire_lock("worker-a", ttl=60)
        store.close()  # exits holding the lock, as a crashed run would
    """)
    assert holder.returncode == 0, holder.stderr
    with PostgresStateStore(url) as store:
        assert not store.acquire_lock("worker-b", ttl=60)
        with psycopg.connect(url, autocommit=True) as conn:  # the holder's lock runs out
            conn.execute("UPDATE locks SET expires_at = now() - interval '1 second'")
        assert store.acquire_lock("worker-b", ttl=60)
    second = _python(f"""
        from bridge.state import PostgresStateStore
        store = PostgresStateStore({url!r})
        print(store.acquire_lock("worker-a", ttl=60))
    """)
    assert second.stdout.strip() == "False", second.stderr


def test_two_connections_add_the_same_op_key_exactly_once(url: str) -> None:
    stores = [PostgresStateStore(url) for _ in range(6)]
    results: list[bool] = []
    barrier = threading.Barrier(len(stores))

    def add(store: PostgresStateStore) -> None:
        barrier.wait()
        results.append(store.add_op(_op("same-key")))

    threads = [threading.Thread(target=add, args=(s,)) for s in stores]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == [False] * 5 + [True]
    for s in stores:
        s.close()


@pytest.mark.parametrize(("outcome", "second_adds"), [("commit", False), ("rollback", True)])
def test_an_uncommitted_op_holds_its_key_until_it_commits_or_rolls_back(
    url: str, outcome: str, second_adds: bool
) -> None:
    answer: list[bool] = []
    with PostgresStateStore(url) as first, PostgresStateStore(url) as second:
        waiting = threading.Thread(target=lambda: answer.append(second.add_op(_op("k"))))

        def intend() -> None:
            with first.transaction():
                assert first.add_op(_op("k"))
                waiting.start()
                waiting.join(0.3)
                assert answer == []  # the other connection waits for this transaction
                if outcome == "rollback":
                    raise RuntimeError("rolled back")

        if outcome == "rollback":
            with pytest.raises(RuntimeError):
                intend()
        else:
            intend()
        waiting.join(10)
    assert answer == [second_adds]


def test_a_killed_process_leaves_no_half_written_state(url: str) -> None:
    result = _python(f"""
        import os
        from bridge.state import PostgresStateStore, Link, Cursor
        store = PostgresStateStore({url!r})
        store.save_link(Link(entity="contact", ghl_id="kept", ninox_table="A", ninox_id=1))
        with store.transaction():
            store.save_link(Link(entity="contact", ghl_id="lost", ninox_table="A", ninox_id=2))
            store.set_cursor(Cursor(source="ninox", scope="db:A", value="99"))
            os._exit(9)  # killed mid-transaction
    """)
    assert result.returncode == 9, result.stderr
    with PostgresStateStore(url) as store:
        assert [link.ghl_id for link in store.links()] == ["kept"]
        assert store.get_cursor("ninox", "db:A") is None


def test_a_dropped_connection_is_reopened_between_transactions(
    store: PostgresStateStore, postgres_url: str
) -> None:
    store.set_cursor(Cursor(source="ghl", scope="s", value="1"))
    pid = store._conn.info.backend_pid
    with psycopg.connect(postgres_url, autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", (pid,))
    with pytest.raises(StateStoreError, match="failed"):  # the statement that finds out
        store.cursors()
    assert store.cursors() == {"ghl:s": "1"}  # the next one reconnects
    store.close()
    with pytest.raises(StateStoreError, match="closed"):
        store.cursors()


def test_a_failed_statement_inside_a_transaction_never_commits_silently(
    store: PostgresStateStore,
) -> None:
    def swallow() -> None:
        with store.transaction():
            store.set_cursor(Cursor(source="ghl", scope="s", value="1"))
            with contextlib.suppress(psycopg.Error):  # outside any savepoint: aborts it
                store._execute("SELECT 1/0")

    with pytest.raises(StateStoreError, match="rolled back"):
        swallow()
    assert store.cursors() == {}
    assert store.acquire_lock("still usable")


def test_a_version_3_database_gets_its_digests_cut_and_stored_once(url: str) -> None:
    # Version 3 stored each side's digest whole (64 hex characters), twice when equal, and
    # indexed the history by GHL id, Ninox id and run; version 4 (as SQLite's) does not.
    with PostgresStateStore(url) as store:
        for n, (g, x) in enumerate((("a", "a"), ("b", "c")), start=1):
            store.save_link(
                Link(
                    entity="contact",
                    ghl_id=f"g{n}",
                    ninox_table="A",
                    ninox_id=n,
                    ghl_digest=g * 32,
                    ninox_digest=x * 32,
                )
            )
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(
            "UPDATE links SET ghl_digest = ghl_digest || repeat('f', 32), ninox_digest ="
            " CASE WHEN ninox_digest = '=' THEN ghl_digest ELSE ninox_digest END"
            " || repeat('f', 32)"
        )
        conn.execute("CREATE INDEX history_ghl ON history(ghl_id)")
        conn.execute("CREATE INDEX history_ninox ON history(entity, ninox_id)")
        conn.execute("CREATE INDEX history_run ON history(run_id)")
        conn.execute("DELETE FROM schema_version WHERE version = 4")
    with PostgresStateStore(url) as store:
        digests = [(link.ghl_digest, link.ninox_digest) for link in store.links("contact")]
        assert digests == [("a" * 32, "a" * 32), ("b" * 32, "c" * 32)]
        assert store.schema_version == POSTGRES_SCHEMA_VERSION
    with psycopg.connect(url) as conn:
        stored = conn.execute("SELECT ninox_digest FROM links ORDER BY link_id").fetchall()
        indexes = {
            name
            for (name,) in conn.execute(
                "SELECT indexname FROM pg_indexes WHERE schemaname = current_schema()"
            )
        }
    assert stored == [("=",), ("c" * 32,)]
    assert indexes.isdisjoint({"history_ghl", "history_ninox", "history_run"})
    assert {"history_at", "history_link"} <= indexes
