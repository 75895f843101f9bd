"""The SQLite state store per operation, against the same statements run on bare ``sqlite3``
(no asserts; prints microseconds per operation and the store's ratio to bare ``sqlite3``).

    .venv/bin/python benchmarks/state_store.py [--links 1000] [--rounds 5]

Each round starts from an empty file in a temporary directory (WAL, synchronous=NORMAL, as the
store opens it) and times, in CPU time of this thread: ``save_link`` of ``--links`` new links
(each its own transaction), the same inside one transaction, ``links_by_ghl`` of all of them at
once, and ``add_op`` + ``set_op_state`` of one op per link. The best round of each counts.
"""

from __future__ import annotations

import argparse
import sqlite3
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from bridge.state import Link, Op, SQLiteStateStore

_clock = time.thread_time

_LINK_SQL = (
    "INSERT INTO links (entity, ghl_id, ninox_table, ninox_id, state, ghl_digest, ninox_digest,"
    " base, ghl_updated_raw, ninox_sq, last_origin, parent_link_id, version, agreed_at,"
    " error_count, last_error) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)"
)


def _link(i: int) -> Link:
    return Link(
        entity="contact",
        ghl_id=f"g{i}",
        ninox_table="A",
        ninox_id=i,
        base={"email": f"c{i}@example.com", "name": "Ada"},
    )


def _store_ops(store: SQLiteStateStore, n: int) -> dict[str, Callable[[], object]]:
    ids = [f"g{i}" for i in range(n)]

    def one_tx() -> None:
        with store.transaction():
            for i in range(n, 2 * n):
                store.save_link(_link(i))

    def ops() -> None:
        for i in range(n):
            store.add_op(Op(op_key=f"k{i}", link_id=None, target="ghl", kind="update", patch={}))
            store.set_op_state(f"k{i}", "done")

    return {
        "save_link": lambda: [store.save_link(_link(i)) for i in range(n)],
        "save_link in one transaction": one_tx,
        "links_by_ghl": lambda: store.links_by_ghl("contact", ids),
        "add_op + set_op_state": ops,
    }


def _bare_ops(db: sqlite3.Connection, n: int) -> dict[str, Callable[[], object]]:
    def row(i: int) -> tuple[object, ...]:
        base = f'{{"email":"c{i}@example.com","name":"Ada"}}'
        return ("contact", f"g{i}", "A", i, "active", None, None, base, None, None, None, None)

    def save(i: int) -> None:
        db.execute(_LINK_SQL, (*row(i), 0, None, 0, None))

    def one_tx() -> None:
        db.execute("BEGIN IMMEDIATE")
        for i in range(n, 2 * n):
            save(i)
        db.execute("COMMIT")

    def by_ghl() -> None:
        ids = [f"g{i}" for i in range(n)]
        for start in range(0, n, 500):
            chunk = ids[start : start + 500]
            marks = ",".join("?" * len(chunk))
            db.execute(
                f"SELECT * FROM links WHERE entity=? AND ghl_id IN ({marks})",  # noqa: S608
                ("contact", *chunk),
            ).fetchall()

    def ops() -> None:
        for i in range(n):
            db.execute(
                "INSERT INTO ops (op_key, link_id, target, kind, patch, intended, state,"
                " attempts, created_at, updated_at) VALUES (?,NULL,'ghl','update','{}','{}',"
                "'pending',0,'t','t') ON CONFLICT (op_key) DO NOTHING",
                (f"k{i}",),
            )
            db.execute("UPDATE ops SET state='done', updated_at='t' WHERE op_key=?", (f"k{i}",))

    return {
        "save_link": lambda: [save(i) for i in range(n)],
        "save_link in one transaction": one_tx,
        "links_by_ghl": by_ghl,
        "add_op + set_op_state": ops,
    }


def _round(n: int, folder: Path, k: int) -> tuple[dict[str, float], dict[str, float]]:
    store = SQLiteStateStore(folder / f"store{k}.sqlite3")
    SQLiteStateStore(folder / f"bare{k}.sqlite3").close()  # the same schema, then bare sqlite3
    db = sqlite3.connect(folder / f"bare{k}.sqlite3", isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=NORMAL")
    timings: list[dict[str, float]] = [{}, {}]
    for side, named in enumerate((_store_ops(store, n), _bare_ops(db, n))):
        for name, fn in named.items():
            start = _clock()
            fn()
            timings[side][name] = (_clock() - start) / n
    store.close()
    db.close()
    return timings[0], timings[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--links", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    best_store: dict[str, float] = {}
    best_bare: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for k in range(args.rounds):
            store, bare = _round(args.links, Path(tmp), k)
            for name in store:
                best_store[name] = min(best_store.get(name, float("inf")), store[name])
                best_bare[name] = min(best_bare.get(name, float("inf")), bare[name])
    print(f"SQLite state store, {args.links} links, best of {args.rounds} rounds (CPU time)")
    for name, seconds in best_store.items():
        bare = best_bare[name]
        print(
            f"  {name:30} {seconds * 1e6:8.1f} us/link   bare sqlite3 {bare * 1e6:8.1f} us"
            f"   ratio {seconds / bare:5.2f}x"
        )


if __name__ == "__main__":
    main()
