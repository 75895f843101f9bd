"""The embedded [`StateStore`][bridge.state.protocol.StateStore]: SQLite in WAL mode (stdlib
``sqlite3``).

Why SQLite: link + outbox + cursor must change in one transaction, a crash must never leave a
half-written file, and the store must stay small (tombstones and finished ops are rows, not a
growing blob). Schema changes are versioned migrations (``PRAGMA user_version``).
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Collection, Mapping, Sequence
from datetime import datetime
from typing import Literal

import attrs

from bridge.state._rows import (
    cursor_of,
    dumps,
    error_of,
    event_of,
    history_of,
    link_of,
    now,
    op_of,
    review_of,
    run_of,
    ts,
)
from bridge.state.models import (
    OPEN_OP_STATES,
    Cursor,
    Event,
    HistoryEntry,
    Link,
    Op,
    OpState,
    RecordError,
    ReviewItem,
    Run,
    Side,
)
from bridge.state.sqlite_conn import SCHEMA_VERSION, SQLiteConnection

__all__ = ["SCHEMA_VERSION", "SQLiteStateStore"]


class SQLiteStateStore(SQLiteConnection):
    """`StateStore` on SQLite (WAL mode). Thread-safe; one connection per store.

    ``path`` may be ``":memory:"`` for tests. Opening checks the file's integrity and schema
    version and refuses (``StateStoreError``) a corrupt file or one written by a newer version.
    """

    def __enter__(self) -> SQLiteStateStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- links ------------------------------------------------------------------------------

    def save_link(self, link: Link) -> Link:
        """Insert ``link`` (no ``link_id``) or replace the row with its ``link_id``."""
        values = (
            link.entity,
            link.ghl_id,
            link.ninox_table,
            link.ninox_id,
            link.state,
            link.ghl_digest,
            link.ninox_digest,
            dumps(dict(link.base)),
            link.ghl_updated_raw,
            link.ninox_sq,
            link.last_origin,
            link.parent_link_id,
            link.version,
            ts(link.agreed_at),
            link.error_count,
            link.last_error,
        )
        with self.transaction():
            if link.link_id is None:
                cur = self._db.execute(
                    "INSERT INTO links (entity, ghl_id, ninox_table, ninox_id, state, ghl_digest,"
                    " ninox_digest, base, ghl_updated_raw, ninox_sq, last_origin, parent_link_id,"
                    " version, agreed_at, error_count, last_error)"
                    " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                    values,
                )
                return attrs.evolve(link, link_id=cur.lastrowid)
            updated = self._db.execute(
                "UPDATE links SET entity=?, ghl_id=?, ninox_table=?, ninox_id=?, state=?,"
                " ghl_digest=?, ninox_digest=?, base=?, ghl_updated_raw=?, ninox_sq=?,"
                " last_origin=?, parent_link_id=?, version=?, agreed_at=?, error_count=?,"
                " last_error=? WHERE link_id=?",
                (*values, link.link_id),
            )
            if updated.rowcount != 1:
                raise KeyError(f"no link with link_id {link.link_id}")
            return link

    def link_by_ghl(self, entity: str, ghl_id: str) -> Link | None:
        rows = self._query("SELECT * FROM links WHERE entity=? AND ghl_id=?", (entity, ghl_id))
        return link_of(rows[0]) if rows else None

    def link_by_ninox(self, entity: str, table: str, ninox_id: int) -> Link | None:
        rows = self._query(
            "SELECT * FROM links WHERE entity=? AND ninox_table=? AND ninox_id=?",
            (entity, table, ninox_id),
        )
        return link_of(rows[0]) if rows else None

    def links_by_ghl(self, entity: str, ghl_ids: Collection[str]) -> dict[str, Link]:
        out: dict[str, Link] = {}
        ids = list(dict.fromkeys(ghl_ids))
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            marks = ",".join("?" * len(chunk))
            rows = self._query(
                f"SELECT * FROM links WHERE entity=? AND ghl_id IN ({marks})",  # noqa: S608
                (entity, *chunk),
            )
            out.update((r["ghl_id"], link_of(r)) for r in rows)
        return out

    def links_by_ninox(
        self, entity: str, table: str, ninox_ids: Collection[int]
    ) -> dict[int, Link]:
        out: dict[int, Link] = {}
        ids = list(dict.fromkeys(ninox_ids))
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            marks = ",".join("?" * len(chunk))
            rows = self._query(
                f"SELECT * FROM links WHERE entity=? AND ninox_table=?"  # noqa: S608
                f" AND ninox_id IN ({marks})",
                (entity, table, *chunk),
            )
            out.update((r["ninox_id"], link_of(r)) for r in rows)
        return out

    def links_by_parent(self, entity: str, parent_link_ids: Collection[int]) -> list[Link]:
        out: list[Link] = []
        ids = sorted(set(parent_link_ids))
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            marks = ",".join("?" * len(chunk))
            rows = self._query(
                f"SELECT * FROM links WHERE entity=? AND state='active'"  # noqa: S608
                f" AND parent_link_id IN ({marks}) ORDER BY link_id",
                (entity, *chunk),
            )
            out.extend(link_of(r) for r in rows)
        return out

    def links_needing_check(self, entity: str) -> list[Link]:
        rows = self._query(
            "SELECT * FROM links WHERE entity=? AND error_count > 0 AND state='active'"
            " ORDER BY link_id",
            (entity,),
        )
        return [link_of(r) for r in rows]

    def link(self, link_id: int) -> Link | None:
        rows = self._query("SELECT * FROM links WHERE link_id=?", (link_id,))
        return link_of(rows[0]) if rows else None

    def links(self, entity: str | None = None) -> list[Link]:
        if entity is None:
            return [link_of(r) for r in self._query("SELECT * FROM links ORDER BY link_id")]
        rows = self._query("SELECT * FROM links WHERE entity=? ORDER BY link_id", (entity,))
        return [link_of(r) for r in rows]

    # -- cursors ----------------------------------------------------------------------------

    def get_cursor(self, source: Side, scope: str) -> Cursor | None:
        rows = self._query("SELECT * FROM cursors WHERE source=? AND scope=?", (source, scope))
        if not rows:
            return None
        row = rows[0]
        return cursor_of(row)

    def set_cursor(self, cursor: Cursor) -> None:
        with self.transaction():
            self._db.execute(
                "INSERT INTO cursors (source, scope, value, mode, updated_at) VALUES (?,?,?,?,?)"
                " ON CONFLICT(source, scope) DO UPDATE SET value=excluded.value,"
                " mode=excluded.mode, updated_at=excluded.updated_at",
                (cursor.source, cursor.scope, cursor.value, cursor.mode, ts(now())),
            )

    def cursors(self) -> dict[str, str]:
        """Every cursor as ``{"source:scope": value}`` (for run reports)."""
        return {
            f"{r['source']}:{r['scope']}": r["value"]
            for r in self._query("SELECT * FROM cursors ORDER BY source, scope")
        }

    # -- outbox -----------------------------------------------------------------------------

    def add_op(self, op: Op) -> bool:
        """Record an intended write. Returns False when an op with the same key exists (a
        replay): the caller must not send it again."""
        stamp = ts(now())
        with self.transaction():
            if self._db.execute("SELECT 1 FROM ops WHERE op_key=?", (op.op_key,)).fetchone():
                return False
            self._db.execute(
                "INSERT INTO ops (op_key, link_id, target, kind, patch, intended, state, attempts,"
                " last_error, run_id, created_at, updated_at, entity, ghl_id, ninox_id,"
                " parent_ghl_id, result_id) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                (
                    op.op_key,
                    op.link_id,
                    op.target,
                    op.kind,
                    dumps(dict(op.patch)),
                    dumps(dict(op.intended)),
                    op.state,
                    op.attempts + (1 if op.state == "sent" else 0),
                    op.last_error,
                    op.run_id,
                    stamp,
                    stamp,
                    op.entity,
                    op.ghl_id,
                    op.ninox_id,
                    op.parent_ghl_id,
                    op.result_id,
                ),
            )
            return True

    def set_op_state(
        self,
        op_key: str,
        state: OpState,
        *,
        error: str | None = None,
        result_id: str | None = None,
    ) -> None:
        """Move an op to ``state`` (``sent`` counts an attempt); ``result_id`` records the id
        a create was given."""
        bump = 1 if state == "sent" else 0
        with self.transaction():
            cur = self._db.execute(
                "UPDATE ops SET state=?, attempts=attempts+?, last_error=COALESCE(?, last_error),"
                " result_id=COALESCE(?, result_id), updated_at=? WHERE op_key=?",
                (state, bump, error, result_id, ts(now()), op_key),
            )
            if cur.rowcount != 1:
                raise KeyError(f"no op with key {op_key!r}")

    def op(self, op_key: str) -> Op | None:
        rows = self._query("SELECT * FROM ops WHERE op_key=?", (op_key,))
        return op_of(rows[0]) if rows else None

    def open_ops(self, link_id: int | None = None) -> list[Op]:
        """Ops whose outcome is unknown (pending, or sent without a recorded answer)."""
        marks = ",".join("?" * len(OPEN_OP_STATES))
        if link_id is None:
            rows = self._query(
                f"SELECT * FROM ops WHERE state IN ({marks})"  # noqa: S608
                " ORDER BY created_at, op_key",
                OPEN_OP_STATES,
            )
        else:
            rows = self._query(
                f"SELECT * FROM ops WHERE link_id=? AND state IN ({marks})"  # noqa: S608
                " ORDER BY created_at, op_key",
                (link_id, *OPEN_OP_STATES),
            )
        return [op_of(r) for r in rows]

    def prune_ops(self, *, keep_last: int = 0) -> int:
        """Delete finished ops but the newest ``keep_last``; open ops always stay."""
        marks = ",".join("?" * len(OPEN_OP_STATES))
        with self.transaction():
            cur = self._db.execute(
                f"DELETE FROM ops WHERE state NOT IN ({marks}) AND op_key NOT IN"  # noqa: S608
                " (SELECT op_key FROM ops ORDER BY updated_at DESC LIMIT ?)",
                (*OPEN_OP_STATES, keep_last),
            )
            return cur.rowcount

    # -- webhook inbox ----------------------------------------------------------------------

    def add_event(self, event: Event) -> bool:
        """Store a received webhook; False if its key was seen before (a duplicate delivery)."""
        with self.transaction():
            cur = self._db.execute(
                "INSERT OR IGNORE INTO events (event_key, entity, ghl_id, type, raw_body, state,"
                " attempts, received_at) VALUES (?,?,?,?,?,?,?,?)",
                (
                    event.event_key,
                    event.entity,
                    event.ghl_id,
                    event.type,
                    event.raw_body,
                    event.state,
                    event.attempts,
                    ts(event.received_at or now()),
                ),
            )
            return cur.rowcount == 1

    def new_events(self, limit: int = 100) -> list[Event]:
        rows = self._query(
            "SELECT * FROM events WHERE state='new' ORDER BY received_at, event_key LIMIT ?",
            (limit,),
        )
        return [event_of(r) for r in rows]

    def set_event_state(self, event_key: str, state: str) -> None:
        with self.transaction():
            self._db.execute(
                "UPDATE events SET state=?, attempts=attempts+1 WHERE event_key=?",
                (state, event_key),
            )

    # -- review queue -----------------------------------------------------------------------

    def add_review(self, item: ReviewItem) -> ReviewItem:
        detected = item.detected_at or now()
        with self.transaction():
            cur = self._db.execute(
                "INSERT INTO review (kind, link_id, source_ref, fields, ghl_values, ninox_values,"
                " base_values, status, resolution, detected_at, resolved_at)"
                " VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                (
                    item.kind,
                    item.link_id,
                    item.source_ref,
                    dumps(list(item.fields)),
                    dumps(dict(item.ghl_values)),
                    dumps(dict(item.ninox_values)),
                    dumps(dict(item.base_values)),
                    item.status,
                    item.resolution,
                    ts(detected),
                    ts(item.resolved_at),
                ),
            )
        return attrs.evolve(item, review_id=cur.lastrowid, detected_at=detected)

    def open_reviews(self) -> list[ReviewItem]:
        rows = self._query("SELECT * FROM review WHERE status='open' ORDER BY review_id")
        return [review_of(r) for r in rows]

    def resolve_review(self, review_id: int, resolution: str) -> None:
        with self.transaction():
            cur = self._db.execute(
                "UPDATE review SET status='resolved', resolution=?, resolved_at=?"
                " WHERE review_id=? AND status='open'",
                (resolution, ts(now()), review_id),
            )
            if cur.rowcount != 1:
                raise KeyError(f"no open review item {review_id}")

    def review(self, review_id: int) -> ReviewItem | None:
        rows = self._query("SELECT * FROM review WHERE review_id=?", (review_id,))
        return review_of(rows[0]) if rows else None

    def reviews(self, status: str | None = None, limit: int = 100) -> list[ReviewItem]:
        if status is None:
            rows = self._query("SELECT * FROM review ORDER BY review_id DESC LIMIT ?", (limit,))
        else:
            rows = self._query(
                "SELECT * FROM review WHERE status=? ORDER BY review_id DESC LIMIT ?",
                (status, limit),
            )
        return [review_of(r) for r in rows]

    def set_review_status(self, review_id: int, status: str) -> None:
        with self.transaction():
            cur = self._db.execute(
                "UPDATE review SET status=? WHERE review_id=?", (status, review_id)
            )
            if cur.rowcount != 1:
                raise KeyError(f"no review item {review_id}")

    # -- flags ------------------------------------------------------------------------------

    def get_flag(self, name: str) -> str | None:
        rows = self._query("SELECT value FROM flags WHERE name=?", (name,))
        return str(rows[0]["value"]) if rows else None

    def set_flag(self, name: str, value: str | None) -> None:
        with self.transaction():
            if value is None:
                self._db.execute("DELETE FROM flags WHERE name=?", (name,))
                return
            self._db.execute(
                "INSERT INTO flags (name, value, updated_at) VALUES (?,?,?) ON CONFLICT(name)"
                " DO UPDATE SET value=excluded.value, updated_at=excluded.updated_at",
                (name, value, ts(now())),
            )

    # -- runs -------------------------------------------------------------------------------

    def start_run(self, kind: str, cursors_before: Mapping[str, str]) -> Run:
        run = Run(
            run_id=uuid.uuid4().hex,
            kind=kind,
            status="running",
            started_at=now(),
            cursors_before=dict(cursors_before),
        )
        with self.transaction():
            self._db.execute(
                "INSERT INTO runs (run_id, kind, status, started_at, finished_at, cursors_before,"
                " cursors_after, counts) VALUES (?,?,?,?,?,?,?,?)",
                (
                    run.run_id,
                    kind,
                    run.status,
                    ts(run.started_at),
                    None,
                    dumps(dict(cursors_before)),
                    "{}",
                    "{}",
                ),
            )
        return run

    def finish_run(
        self,
        run: Run,
        *,
        status: Literal["ok", "failed", "interrupted"],
        counts: Mapping[str, int],
        cursors_after: Mapping[str, str],
    ) -> Run:
        done = attrs.evolve(
            run,
            status=status,
            finished_at=now(),
            counts=dict(counts),
            cursors_after=dict(cursors_after),
        )
        with self.transaction():
            self._db.execute(
                "UPDATE runs SET status=?, finished_at=?, counts=?, cursors_after=? WHERE run_id=?",
                (
                    status,
                    ts(done.finished_at),
                    dumps(done.counts),
                    dumps(done.cursors_after),
                    run.run_id,
                ),
            )
        return done

    def runs(self, limit: int = 20) -> list[Run]:
        """The most recent runs, newest first."""
        rows = self._query("SELECT * FROM runs ORDER BY started_at DESC LIMIT ?", (limit,))
        return [run_of(r) for r in rows]

    # -- per-record history -------------------------------------------------------------------

    def add_history(self, entries: Sequence[HistoryEntry]) -> None:
        rows = [
            (
                ts(e.at or now()),
                e.run_id,
                e.entity,
                e.action,
                e.side,
                e.ghl_id,
                e.ninox_id,
                e.link_id,
                dumps(dict(e.before)),
                dumps(dict(e.after)),
                e.op_key,
            )
            for e in entries
        ]
        if not rows:
            return
        with self.transaction():
            self._db.executemany(
                "INSERT INTO history (at, run_id, entity, action, side, ghl_id, ninox_id,"
                " link_id, before, after, op_key) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                rows,
            )

    def history(
        self,
        *,
        ghl_id: str | None = None,
        ninox_id: int | None = None,
        run_id: str | None = None,
        limit: int = 100,
    ) -> list[HistoryEntry]:
        if run_id is not None:
            rows = self._query(
                "SELECT * FROM history WHERE run_id=? ORDER BY entry_id DESC LIMIT ?",
                (run_id, limit),
            )
            return [history_of(r) for r in rows]
        links = self._query(
            "SELECT link_id FROM links WHERE ghl_id=? OR ninox_id=?", (ghl_id, ninox_id)
        )
        ids = [r["link_id"] for r in links] or [-1]
        marks = ",".join("?" * len(ids))
        rows = self._query(
            f"SELECT * FROM history WHERE ghl_id=? OR ninox_id=? OR link_id IN ({marks})"  # noqa: S608
            " ORDER BY entry_id DESC LIMIT ?",
            (ghl_id, ninox_id, *ids, limit),
        )
        return [history_of(r) for r in rows]

    def prune_history(self, *, before: datetime) -> int:
        with self.transaction():
            return self._db.execute("DELETE FROM history WHERE at < ?", (ts(before),)).rowcount

    def add_record_error(self, error: RecordError) -> None:
        with self.transaction():
            self._db.execute(
                "INSERT INTO record_errors (run_id, side, record_id, stage, error, message)"
                " VALUES (?,?,?,?,?,?)",
                (
                    error.run_id,
                    error.side,
                    error.record_id,
                    error.stage,
                    error.error,
                    error.message,
                ),
            )

    def record_errors(self, run_id: str) -> list[RecordError]:
        rows = self._query("SELECT * FROM record_errors WHERE run_id=? ORDER BY rowid", (run_id,))
        return [error_of(r) for r in rows]

    # -- run lock ---------------------------------------------------------------------------

    def acquire_lock(self, owner: str, *, ttl: float = 900.0, name: str = "sync") -> bool:
        """Take the named lock for ``ttl`` seconds; False if another live owner holds it.
        A lock whose owner died expires, so a crashed run never blocks the next forever."""
        clock = time.time()
        with self.transaction():
            row = self._db.execute(
                "SELECT owner, expires_at FROM locks WHERE name=?", (name,)
            ).fetchone()
            if row is not None and row["owner"] != owner and row["expires_at"] > clock:
                return False
            self._db.execute(
                "INSERT INTO locks (name, owner, expires_at) VALUES (?,?,?) ON CONFLICT(name)"
                " DO UPDATE SET owner=excluded.owner, expires_at=excluded.expires_at",
                (name, owner, clock + ttl),
            )
            return True

    def release_lock(self, owner: str, *, name: str = "sync") -> None:
        with self.transaction():
            self._db.execute("DELETE FROM locks WHERE name=? AND owner=?", (name, owner))
