"""The [`StateStore`][bridge.state.protocol.StateStore] on PostgreSQL (psycopg 3, the
``postgres`` extra).

Same semantics as [`SQLiteStateStore`][bridge.state.sqlite.SQLiteStateStore], so the engine cannot
tell them apart: one connection per store, shared by threads under a lock; `transaction` nests
(inner blocks join the outer one); a method whose statement fails inside a caller's transaction
leaves that transaction usable (it runs under a savepoint), as a failed statement does in SQLite.
Several processes (and machines) may share one database: the outbox key, the inbox key and the
run lock are decided by the server, atomically.

Schema changes are versioned migrations (``bridge.state.postgres_schema``): the versions applied
are rows of ``schema_version``; a database written by a newer ghl-ninox is refused.
psycopg is imported when a store is opened, so this module imports without the extra.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection, Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Literal

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
from bridge.state.postgres_conn import PostgresConnection
from bridge.state.postgres_schema import SCHEMA_VERSION
from bridge.state.postgres_url import (
    STATE_PASSWORD_ENV,
    has_password,
    is_postgres_url,
    redact_url,
)

if TYPE_CHECKING:
    pass

__all__ = [
    "POSTGRES_SCHEMA_VERSION",
    "STATE_PASSWORD_ENV",
    "PostgresStateStore",
    "has_password",
    "is_postgres_url",
    "redact_url",
]

#: The newest PostgreSQL schema version this code writes (``schema_version`` table).
POSTGRES_SCHEMA_VERSION = SCHEMA_VERSION


class PostgresStateStore(PostgresConnection):
    """`StateStore` on PostgreSQL. Thread-safe; one connection per store.

    ``url`` is a libpq URL (``postgresql://user@host:5432/dbname?sslmode=require``). The
    password comes from ``password``, else from libpq's usual places (``PGPASSWORD``,
    ``~/.pgpass``, the URL itself); it never appears in a repr or an error. Opening connects,
    applies the pending migrations and refuses (`StateStoreError`) a database written by a
    newer version, or one that cannot be reached (the message names host and database).
    """

    def __repr__(self) -> str:
        return f"PostgresStateStore({self.url!r})"

    def __enter__(self) -> PostgresStateStore:
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
            link.agreed_at,
            link.error_count,
            link.last_error,
        )
        with self._statement():
            if link.link_id is None:
                row = self._execute(
                    "INSERT INTO links (entity, ghl_id, ninox_table, ninox_id, state, ghl_digest,"
                    " ninox_digest, base, ghl_updated_raw, ninox_sq, last_origin, parent_link_id,"
                    " version, agreed_at, error_count, last_error)"
                    " VALUES (%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s) RETURNING link_id",
                    values,
                ).fetchone()
                assert row is not None
                return attrs.evolve(link, link_id=row["link_id"])
            updated = self._execute(
                "UPDATE links SET entity=%s, ghl_id=%s, ninox_table=%s, ninox_id=%s, state=%s,"
                " ghl_digest=%s, ninox_digest=%s, base=%s, ghl_updated_raw=%s, ninox_sq=%s,"
                " last_origin=%s, parent_link_id=%s, version=%s, agreed_at=%s, error_count=%s,"
                " last_error=%s WHERE link_id=%s",
                (*values, link.link_id),
            )
            if updated.rowcount != 1:
                raise KeyError(f"no link with link_id {link.link_id}")
            return link

    def link(self, link_id: int) -> Link | None:
        rows = self._query("SELECT * FROM links WHERE link_id=%s", (link_id,))
        return link_of(rows[0]) if rows else None

    def link_by_ghl(self, entity: str, ghl_id: str) -> Link | None:
        rows = self._query("SELECT * FROM links WHERE entity=%s AND ghl_id=%s", (entity, ghl_id))
        return link_of(rows[0]) if rows else None

    def link_by_ninox(self, entity: str, table: str, ninox_id: int) -> Link | None:
        rows = self._query(
            "SELECT * FROM links WHERE entity=%s AND ninox_table=%s AND ninox_id=%s",
            (entity, table, ninox_id),
        )
        return link_of(rows[0]) if rows else None

    def links(self, entity: str | None = None) -> list[Link]:
        if entity is None:
            return [link_of(r) for r in self._query("SELECT * FROM links ORDER BY link_id")]
        rows = self._query("SELECT * FROM links WHERE entity=%s ORDER BY link_id", (entity,))
        return [link_of(r) for r in rows]

    def links_by_ghl(self, entity: str, ghl_ids: Collection[str]) -> dict[str, Link]:
        ids = list(dict.fromkeys(ghl_ids))
        if not ids:
            return {}
        rows = self._query(
            "SELECT * FROM links WHERE entity=%s AND ghl_id = ANY(%s::text[])", (entity, ids)
        )
        return {r["ghl_id"]: link_of(r) for r in rows}

    def links_by_ninox(
        self, entity: str, table: str, ninox_ids: Collection[int]
    ) -> dict[int, Link]:
        ids = list(dict.fromkeys(ninox_ids))
        if not ids:
            return {}
        rows = self._query(
            "SELECT * FROM links WHERE entity=%s AND ninox_table=%s"
            " AND ninox_id = ANY(%s::bigint[])",
            (entity, table, ids),
        )
        return {r["ninox_id"]: link_of(r) for r in rows}

    def links_by_parent(self, entity: str, parent_link_ids: Collection[int]) -> list[Link]:
        ids = sorted(set(parent_link_ids))
        if not ids:
            return []
        rows = self._query(
            "SELECT * FROM links WHERE entity=%s AND state='active'"
            " AND parent_link_id = ANY(%s::bigint[]) ORDER BY link_id",
            (entity, ids),
        )
        return [link_of(r) for r in rows]

    def links_needing_check(self, entity: str) -> list[Link]:
        rows = self._query(
            "SELECT * FROM links WHERE entity=%s AND error_count > 0 AND state='active'"
            " ORDER BY link_id",
            (entity,),
        )
        return [link_of(r) for r in rows]

    # -- cursors ----------------------------------------------------------------------------

    def get_cursor(self, source: Side, scope: str) -> Cursor | None:
        rows = self._query("SELECT * FROM cursors WHERE source=%s AND scope=%s", (source, scope))
        if not rows:
            return None
        row = rows[0]
        return cursor_of(row)

    def set_cursor(self, cursor: Cursor) -> None:
        self._execute(
            "INSERT INTO cursors (source, scope, value, mode, updated_at)"
            " VALUES (%s,%s,%s,%s,%s) ON CONFLICT (source, scope) DO UPDATE SET"
            " value=excluded.value, mode=excluded.mode, updated_at=excluded.updated_at",
            (cursor.source, cursor.scope, cursor.value, cursor.mode, now()),
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
        replay, from this process or another): the caller must not send it again."""
        stamp = now()
        with self._statement():
            cur = self._execute(
                "INSERT INTO ops (op_key, link_id, target, kind, patch, intended, state, attempts,"
                " last_error, run_id, created_at, updated_at, entity, ghl_id, ninox_id,"
                " parent_ghl_id, result_id)"
                " VALUES (%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s)"
                " ON CONFLICT (op_key) DO NOTHING",
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
            return cur.rowcount == 1

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
        cur = self._execute(
            "UPDATE ops SET state=%s, attempts=attempts+%s,"
            " last_error=COALESCE(%s, last_error), result_id=COALESCE(%s, result_id),"
            " updated_at=%s WHERE op_key=%s",
            (state, bump, error, result_id, now(), op_key),
        )
        if cur.rowcount != 1:
            raise KeyError(f"no op with key {op_key!r}")

    def op(self, op_key: str) -> Op | None:
        rows = self._query("SELECT * FROM ops WHERE op_key=%s", (op_key,))
        return op_of(rows[0]) if rows else None

    def open_ops(self, link_id: int | None = None) -> list[Op]:
        """Ops whose outcome is unknown (pending, or sent without a recorded answer)."""
        if link_id is None:
            rows = self._query(
                "SELECT * FROM ops WHERE state = ANY(%s::text[]) ORDER BY created_at, op_key",
                (list(OPEN_OP_STATES),),
            )
        else:
            rows = self._query(
                "SELECT * FROM ops WHERE link_id=%s AND state = ANY(%s::text[])"
                " ORDER BY created_at, op_key",
                (link_id, list(OPEN_OP_STATES)),
            )
        return [op_of(r) for r in rows]

    def prune_ops(self, *, keep_last: int = 0) -> int:
        """Delete finished ops but the newest ``keep_last``; open ops always stay."""
        cur = self._execute(
            "DELETE FROM ops WHERE NOT (state = ANY(%s::text[])) AND op_key NOT IN"
            " (SELECT op_key FROM ops ORDER BY updated_at DESC LIMIT %s)",
            (list(OPEN_OP_STATES), keep_last),
        )
        return cur.rowcount

    # -- webhook inbox ----------------------------------------------------------------------

    def add_event(self, event: Event) -> bool:
        """Store a received webhook; False if its key was seen before (a duplicate delivery,
        to this process or another)."""
        cur = self._execute(
            "INSERT INTO events (event_key, entity, ghl_id, type, raw_body, state, attempts,"
            " received_at) VALUES (%s,%s,%s,%s,%s,%s,%s,%s) ON CONFLICT (event_key) DO NOTHING",
            (
                event.event_key,
                event.entity,
                event.ghl_id,
                event.type,
                event.raw_body,
                event.state,
                event.attempts,
                event.received_at or now(),
            ),
        )
        return cur.rowcount == 1

    def new_events(self, limit: int = 100) -> list[Event]:
        rows = self._query(
            "SELECT * FROM events WHERE state='new' ORDER BY received_at, event_key LIMIT %s",
            (limit,),
        )
        return [event_of(r) for r in rows]

    def set_event_state(self, event_key: str, state: str) -> None:
        self._execute(
            "UPDATE events SET state=%s, attempts=attempts+1 WHERE event_key=%s",
            (state, event_key),
        )

    # -- review queue -----------------------------------------------------------------------

    def add_review(self, item: ReviewItem) -> ReviewItem:
        detected = item.detected_at or now()
        row = self._execute(
            "INSERT INTO review (kind, link_id, source_ref, fields, ghl_values, ninox_values,"
            " base_values, status, resolution, detected_at, resolved_at)"
            " VALUES (%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s) RETURNING review_id",
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
                detected,
                item.resolved_at,
            ),
        ).fetchone()
        assert row is not None
        return attrs.evolve(item, review_id=row["review_id"], detected_at=detected)

    def open_reviews(self) -> list[ReviewItem]:
        rows = self._query("SELECT * FROM review WHERE status='open' ORDER BY review_id")
        return [review_of(r) for r in rows]

    def resolve_review(self, review_id: int, resolution: str) -> None:
        cur = self._execute(
            "UPDATE review SET status='resolved', resolution=%s, resolved_at=%s"
            " WHERE review_id=%s AND status='open'",
            (resolution, now(), review_id),
        )
        if cur.rowcount != 1:
            raise KeyError(f"no open review item {review_id}")

    def review(self, review_id: int) -> ReviewItem | None:
        rows = self._query("SELECT * FROM review WHERE review_id=%s", (review_id,))
        return review_of(rows[0]) if rows else None

    def reviews(self, status: str | None = None, limit: int = 100) -> list[ReviewItem]:
        if status is None:
            rows = self._query("SELECT * FROM review ORDER BY review_id DESC LIMIT %s", (limit,))
        else:
            rows = self._query(
                "SELECT * FROM review WHERE status=%s ORDER BY review_id DESC LIMIT %s",
                (status, limit),
            )
        return [review_of(r) for r in rows]

    def set_review_status(self, review_id: int, status: str) -> None:
        cur = self._execute("UPDATE review SET status=%s WHERE review_id=%s", (status, review_id))
        if cur.rowcount != 1:
            raise KeyError(f"no review item {review_id}")

    # -- flags ------------------------------------------------------------------------------

    def get_flag(self, name: str) -> str | None:
        rows = self._query("SELECT value FROM flags WHERE name=%s", (name,))
        return str(rows[0]["value"]) if rows else None

    def set_flag(self, name: str, value: str | None) -> None:
        if value is None:
            self._execute("DELETE FROM flags WHERE name=%s", (name,))
            return
        self._execute(
            "INSERT INTO flags (name, value, updated_at) VALUES (%s,%s,%s) ON CONFLICT (name)"
            " DO UPDATE SET value=excluded.value, updated_at=excluded.updated_at",
            (name, value, now()),
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
        self._execute(
            "INSERT INTO runs (run_id, kind, status, started_at, finished_at, cursors_before,"
            " cursors_after, counts) VALUES (%s,%s,%s,%s,%s,%s,%s,%s)",
            (
                run.run_id,
                kind,
                run.status,
                run.started_at,
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
        self._execute(
            "UPDATE runs SET status=%s, finished_at=%s, counts=%s, cursors_after=%s"
            " WHERE run_id=%s",
            (status, done.finished_at, dumps(done.counts), dumps(done.cursors_after), run.run_id),
        )
        return done

    def runs(self, limit: int = 20) -> list[Run]:
        """The most recent runs, newest first."""
        rows = self._query("SELECT * FROM runs ORDER BY started_at DESC LIMIT %s", (limit,))
        return [run_of(r) for r in rows]

    # -- per-record history -------------------------------------------------------------------

    def add_history(self, entries: Sequence[HistoryEntry]) -> None:
        rows = [
            (
                e.at or now(),
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
            for row in rows:
                self._execute(
                    "INSERT INTO history (at, run_id, entity, action, side, ghl_id, ninox_id,"
                    " link_id, before, after, op_key) VALUES (%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s)",
                    row,
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
                "SELECT * FROM history WHERE run_id=%s ORDER BY entry_id DESC LIMIT %s",
                (run_id, limit),
            )
            return [history_of(r) for r in rows]
        rows = self._query(
            "SELECT * FROM history WHERE ghl_id=%s OR ninox_id=%s OR link_id IN"
            " (SELECT link_id FROM links WHERE ghl_id=%s OR ninox_id=%s)"
            " ORDER BY entry_id DESC LIMIT %s",
            (ghl_id, ninox_id, ghl_id, ninox_id, limit),
        )
        return [history_of(r) for r in rows]

    def prune_history(self, *, before: datetime) -> int:
        return self._execute("DELETE FROM history WHERE at < %s", (before,)).rowcount

    def add_record_error(self, error: RecordError) -> None:
        self._execute(
            "INSERT INTO record_errors (run_id, side, record_id, stage, error, message)"
            " VALUES (%s,%s,%s,%s,%s,%s)",
            (error.run_id, error.side, error.record_id, error.stage, error.error, error.message),
        )

    def record_errors(self, run_id: str) -> list[RecordError]:
        rows = self._query(
            "SELECT * FROM record_errors WHERE run_id=%s ORDER BY error_id", (run_id,)
        )
        return [error_of(r) for r in rows]

    # -- run lock ---------------------------------------------------------------------------

    def acquire_lock(self, owner: str, *, ttl: float = 900.0, name: str = "sync") -> bool:
        """Take the named lock for ``ttl`` seconds; False if another live owner holds it.
        One atomic statement on the server's clock, so processes on several machines agree;
        a lock whose owner died expires, so a crashed run never blocks the next forever."""
        row = self._execute(
            "INSERT INTO locks (name, owner, expires_at)"
            " VALUES (%s, %s, clock_timestamp() + make_interval(secs => %s))"
            " ON CONFLICT (name) DO UPDATE SET owner=excluded.owner,"
            " expires_at=excluded.expires_at"
            " WHERE locks.owner = excluded.owner OR locks.expires_at <= clock_timestamp()"
            " RETURNING owner",
            (name, owner, float(ttl)),
        ).fetchone()
        return row is not None

    def release_lock(self, owner: str, *, name: str = "sync") -> None:
        self._execute("DELETE FROM locks WHERE name=%s AND owner=%s", (name, owner))
