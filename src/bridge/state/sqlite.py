"""Durable sync state: links, cursors, the outbox, the webhook inbox, reviews and run history.

The default store is SQLite in WAL mode (stdlib ``sqlite3``); :class:`StateStore` is the
interface an engine programs against, so another backend can be dropped in. Every method that
writes commits before it returns, and :meth:`SQLiteStateStore.transaction` groups several
writes into one atomic unit: a link, its ops and a cursor change together or not at all.

Why SQLite: link + outbox + cursor must change in one transaction, a crash must never leave a
half-written file, and the store must stay small (tombstones and finished ops are rows, not a
growing blob).
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
import threading
import time
import uuid
from collections.abc import Iterator, Mapping, Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Final, Literal, Protocol

import attrs

__all__ = [
    "SCHEMA_VERSION",
    "Cursor",
    "Event",
    "Link",
    "Op",
    "RecordError",
    "ReviewItem",
    "Run",
    "SQLiteStateStore",
    "StateStore",
    "StateStoreError",
]

SCHEMA_VERSION: Final = 1

Side = Literal["ghl", "ninox"]
LinkState = Literal[
    "active",
    "creating_ghl",
    "creating_ninox",
    "tombstone_ghl",
    "tombstone_ninox",
    "tombstone_both",
    "conflict",
    "quarantined",
]
OpState = Literal["pending", "sent", "done", "failed", "dead", "superseded"]
_OPEN_OP_STATES: Final = ("pending", "sent", "failed")


class StateStoreError(RuntimeError):
    """The state store is unusable (corrupt, newer schema, locked by another run)."""


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _ts(value: datetime | None) -> str | None:
    return None if value is None else value.astimezone(timezone.utc).isoformat()


def _dt(value: str | None) -> datetime | None:
    return None if value is None else datetime.fromisoformat(value)


@attrs.frozen(kw_only=True)
class Link:
    """One linked pair of records: the heart of the sync state.

    ``base`` holds the canonical field values both sides last agreed on; ``ghl_digest`` and
    ``ninox_digest`` the digest of each side's canonical values at that moment.
    """

    entity: str
    ghl_id: str | None
    ninox_table: str
    ninox_id: int | None
    state: LinkState = "active"
    ghl_digest: str | None = None
    ninox_digest: str | None = None
    base: Mapping[str, Any] = attrs.field(factory=dict)
    ghl_updated_raw: str | None = None
    ninox_sq: int | None = None
    last_origin: str | None = None
    parent_link_id: int | None = None
    version: int = 0
    agreed_at: datetime | None = None
    error_count: int = 0
    last_error: str | None = None
    link_id: int | None = None


@attrs.frozen(kw_only=True)
class Cursor:
    """How far one source has been fully handled: ``value`` as received (e.g. a Ninox
    sequence or a GHL ``dateUpdated`` string)."""

    source: Side
    scope: str
    value: str
    mode: Literal["backfill", "incremental"] = "incremental"
    updated_at: datetime | None = None


@attrs.frozen(kw_only=True)
class Op:
    """An intended write (outbox row), recorded before the request is sent."""

    op_key: str
    link_id: int | None
    target: Side
    kind: Literal["create", "update", "soft_delete", "delete", "set_external_id"]
    patch: Mapping[str, Any]
    intended: Mapping[str, Any] = attrs.field(factory=dict)
    state: OpState = "pending"
    attempts: int = 0
    last_error: str | None = None
    run_id: str | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None


@attrs.frozen(kw_only=True)
class Event:
    """A received webhook, stored before it is handled so nothing is lost on a crash."""

    event_key: str
    entity: str
    ghl_id: str | None
    type: str
    raw_body: str
    state: Literal["new", "done", "ignored", "failed"] = "new"
    attempts: int = 0
    received_at: datetime | None = None


@attrs.frozen(kw_only=True)
class ReviewItem:
    """Something a person has to decide: a conflict, an ambiguous match, a mass delete."""

    kind: Literal["field_conflict", "ambiguous_match", "resurrection", "mass_delete", "flapping"]
    link_id: int | None = None
    source_ref: str | None = None
    fields: Sequence[str] = ()
    ghl_values: Mapping[str, Any] = attrs.field(factory=dict)
    ninox_values: Mapping[str, Any] = attrs.field(factory=dict)
    base_values: Mapping[str, Any] = attrs.field(factory=dict)
    status: Literal["open", "resolved"] = "open"
    resolution: str | None = None
    detected_at: datetime | None = None
    resolved_at: datetime | None = None
    review_id: int | None = None


@attrs.frozen(kw_only=True)
class RecordError:
    """One record that failed in a run; the run went on."""

    run_id: str
    side: Side
    record_id: str
    stage: Literal["read", "map", "plan", "write"]
    error: str
    message: str


@attrs.frozen(kw_only=True)
class Run:
    """One sync pass (or plan, or webhook batch) and its outcome."""

    run_id: str
    kind: str
    status: Literal["running", "ok", "failed"]
    started_at: datetime
    finished_at: datetime | None = None
    cursors_before: Mapping[str, str] = attrs.field(factory=dict)
    cursors_after: Mapping[str, str] = attrs.field(factory=dict)
    counts: Mapping[str, int] = attrs.field(factory=dict)


class StateStore(Protocol):
    """What the sync engine needs from durable state. :class:`SQLiteStateStore` implements it."""

    def transaction(self) -> contextlib.AbstractContextManager[None]: ...
    def save_link(self, link: Link) -> Link: ...
    def link_by_ghl(self, entity: str, ghl_id: str) -> Link | None: ...
    def link_by_ninox(self, entity: str, table: str, ninox_id: int) -> Link | None: ...
    def links(self, entity: str | None = None) -> list[Link]: ...
    def get_cursor(self, source: Side, scope: str) -> Cursor | None: ...
    def set_cursor(self, cursor: Cursor) -> None: ...
    def add_op(self, op: Op) -> bool: ...
    def set_op_state(self, op_key: str, state: OpState, *, error: str | None = None) -> None: ...
    def open_ops(self, link_id: int | None = None) -> list[Op]: ...
    def add_event(self, event: Event) -> bool: ...
    def add_review(self, item: ReviewItem) -> ReviewItem: ...
    def open_reviews(self) -> list[ReviewItem]: ...
    def start_run(self, kind: str, cursors_before: Mapping[str, str]) -> Run: ...
    def finish_run(
        self,
        run: Run,
        *,
        status: Literal["ok", "failed"],
        counts: Mapping[str, int],
        cursors_after: Mapping[str, str],
    ) -> Run: ...
    def add_record_error(self, error: RecordError) -> None: ...


_SCHEMA: Final = """
CREATE TABLE IF NOT EXISTS links (
    link_id INTEGER PRIMARY KEY,
    entity TEXT NOT NULL,
    ghl_id TEXT,
    ninox_table TEXT NOT NULL,
    ninox_id INTEGER,
    state TEXT NOT NULL,
    ghl_digest TEXT,
    ninox_digest TEXT,
    base TEXT NOT NULL,
    ghl_updated_raw TEXT,
    ninox_sq INTEGER,
    last_origin TEXT,
    parent_link_id INTEGER REFERENCES links(link_id),
    version INTEGER NOT NULL,
    agreed_at TEXT,
    error_count INTEGER NOT NULL DEFAULT 0,
    last_error TEXT
);
CREATE UNIQUE INDEX IF NOT EXISTS links_ghl ON links(entity, ghl_id) WHERE ghl_id IS NOT NULL;
CREATE UNIQUE INDEX IF NOT EXISTS links_ninox ON links(entity, ninox_table, ninox_id)
    WHERE ninox_id IS NOT NULL;
CREATE TABLE IF NOT EXISTS cursors (
    source TEXT NOT NULL,
    scope TEXT NOT NULL,
    value TEXT NOT NULL,
    mode TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (source, scope)
);
CREATE TABLE IF NOT EXISTS ops (
    op_key TEXT PRIMARY KEY,
    link_id INTEGER REFERENCES links(link_id),
    target TEXT NOT NULL,
    kind TEXT NOT NULL,
    patch TEXT NOT NULL,
    intended TEXT NOT NULL,
    state TEXT NOT NULL,
    attempts INTEGER NOT NULL,
    last_error TEXT,
    run_id TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS ops_open ON ops(link_id, target, state);
CREATE TABLE IF NOT EXISTS events (
    event_key TEXT PRIMARY KEY,
    entity TEXT NOT NULL,
    ghl_id TEXT,
    type TEXT NOT NULL,
    raw_body TEXT NOT NULL,
    state TEXT NOT NULL,
    attempts INTEGER NOT NULL,
    received_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS review (
    review_id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,
    link_id INTEGER,
    source_ref TEXT,
    fields TEXT NOT NULL,
    ghl_values TEXT NOT NULL,
    ninox_values TEXT NOT NULL,
    base_values TEXT NOT NULL,
    status TEXT NOT NULL,
    resolution TEXT,
    detected_at TEXT NOT NULL,
    resolved_at TEXT
);
CREATE TABLE IF NOT EXISTS runs (
    run_id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    status TEXT NOT NULL,
    started_at TEXT NOT NULL,
    finished_at TEXT,
    cursors_before TEXT NOT NULL,
    cursors_after TEXT NOT NULL,
    counts TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS record_errors (
    run_id TEXT NOT NULL,
    side TEXT NOT NULL,
    record_id TEXT NOT NULL,
    stage TEXT NOT NULL,
    error TEXT NOT NULL,
    message TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS locks (
    name TEXT PRIMARY KEY,
    owner TEXT NOT NULL,
    expires_at REAL NOT NULL
);
"""


def _dumps(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), default=str)


class SQLiteStateStore:
    """:class:`StateStore` on SQLite (WAL mode). Thread-safe; one connection per store.

    ``path`` may be ``":memory:"`` for tests. Opening checks the file's integrity and schema
    version and refuses (``StateStoreError``) a corrupt file or one written by a newer version.
    """

    def __init__(self, path: str | Path = ":memory:") -> None:
        self.path = str(path)
        self._lock = threading.RLock()
        self._depth = 0
        try:
            self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
            self._db.row_factory = sqlite3.Row
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.execute("PRAGMA foreign_keys=ON")
            self._db.execute("PRAGMA busy_timeout=5000")
            self._check_and_migrate()
        except sqlite3.DatabaseError as exc:
            raise StateStoreError(
                f"cannot open the sync state at {self.path}: {exc}. Restore it from a backup, "
                "or move it away and rebuild the links."
            ) from exc

    def _check_and_migrate(self) -> None:
        (status,) = self._db.execute("PRAGMA quick_check").fetchone()
        if status != "ok":
            raise StateStoreError(f"the sync state at {self.path} is corrupt: {status}")
        (version,) = self._db.execute("PRAGMA user_version").fetchone()
        if version > SCHEMA_VERSION:
            raise StateStoreError(
                f"the sync state at {self.path} has schema version {version}, newer than this "
                f"ghl-ninox understands ({SCHEMA_VERSION}); upgrade ghl-ninox"
            )
        if version == 0:
            # executescript commits any open transaction, so the script carries its own.
            self._db.executescript(f"BEGIN;{_SCHEMA}PRAGMA user_version={SCHEMA_VERSION};COMMIT;")

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def __enter__(self) -> SQLiteStateStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextlib.contextmanager
    def transaction(self) -> Iterator[None]:
        """Group writes atomically; nests (inner blocks join the outer transaction)."""
        with self._lock:
            outer = self._depth == 0
            if outer:
                self._db.execute("BEGIN IMMEDIATE")
            self._depth += 1
            try:
                yield
            except BaseException:
                self._depth -= 1
                if outer:
                    self._db.execute("ROLLBACK")
                raise
            self._depth -= 1
            if outer:
                self._db.execute("COMMIT")

    def _query(self, sql: str, args: Sequence[Any] = ()) -> list[sqlite3.Row]:
        with self._lock:
            return self._db.execute(sql, args).fetchall()

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
            _dumps(dict(link.base)),
            link.ghl_updated_raw,
            link.ninox_sq,
            link.last_origin,
            link.parent_link_id,
            link.version,
            _ts(link.agreed_at),
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
        return _link(rows[0]) if rows else None

    def link_by_ninox(self, entity: str, table: str, ninox_id: int) -> Link | None:
        rows = self._query(
            "SELECT * FROM links WHERE entity=? AND ninox_table=? AND ninox_id=?",
            (entity, table, ninox_id),
        )
        return _link(rows[0]) if rows else None

    def link(self, link_id: int) -> Link | None:
        rows = self._query("SELECT * FROM links WHERE link_id=?", (link_id,))
        return _link(rows[0]) if rows else None

    def links(self, entity: str | None = None) -> list[Link]:
        if entity is None:
            return [_link(r) for r in self._query("SELECT * FROM links ORDER BY link_id")]
        rows = self._query("SELECT * FROM links WHERE entity=? ORDER BY link_id", (entity,))
        return [_link(r) for r in rows]

    # -- cursors ----------------------------------------------------------------------------

    def get_cursor(self, source: Side, scope: str) -> Cursor | None:
        rows = self._query("SELECT * FROM cursors WHERE source=? AND scope=?", (source, scope))
        if not rows:
            return None
        row = rows[0]
        return Cursor(
            source=row["source"],
            scope=row["scope"],
            value=row["value"],
            mode=row["mode"],
            updated_at=_dt(row["updated_at"]),
        )

    def set_cursor(self, cursor: Cursor) -> None:
        with self.transaction():
            self._db.execute(
                "INSERT INTO cursors (source, scope, value, mode, updated_at) VALUES (?,?,?,?,?)"
                " ON CONFLICT(source, scope) DO UPDATE SET value=excluded.value,"
                " mode=excluded.mode, updated_at=excluded.updated_at",
                (cursor.source, cursor.scope, cursor.value, cursor.mode, _ts(_now())),
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
        replay): the caller must not send it again. Older open ops for the same link and
        target become ``superseded``."""
        now = _ts(_now())
        with self.transaction():
            if self._db.execute("SELECT 1 FROM ops WHERE op_key=?", (op.op_key,)).fetchone():
                return False
            if op.link_id is not None:
                self._db.execute(
                    "UPDATE ops SET state='superseded', updated_at=? WHERE link_id=? AND target=?"
                    " AND state IN ('pending', 'failed')",
                    (now, op.link_id, op.target),
                )
            self._db.execute(
                "INSERT INTO ops (op_key, link_id, target, kind, patch, intended, state, attempts,"
                " last_error, run_id, created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                (
                    op.op_key,
                    op.link_id,
                    op.target,
                    op.kind,
                    _dumps(dict(op.patch)),
                    _dumps(dict(op.intended)),
                    op.state,
                    op.attempts,
                    op.last_error,
                    op.run_id,
                    now,
                    now,
                ),
            )
            return True

    def set_op_state(self, op_key: str, state: OpState, *, error: str | None = None) -> None:
        """Move an op along ``pending → sent → done`` (or ``failed``/``dead``).
        ``sent`` and ``failed`` count an attempt."""
        bump = 1 if state in ("sent",) else 0
        with self.transaction():
            cur = self._db.execute(
                "UPDATE ops SET state=?, attempts=attempts+?, last_error=COALESCE(?, last_error),"
                " updated_at=? WHERE op_key=?",
                (state, bump, error, _ts(_now()), op_key),
            )
            if cur.rowcount != 1:
                raise KeyError(f"no op with key {op_key!r}")

    def op(self, op_key: str) -> Op | None:
        rows = self._query("SELECT * FROM ops WHERE op_key=?", (op_key,))
        return _op(rows[0]) if rows else None

    def open_ops(self, link_id: int | None = None) -> list[Op]:
        """Ops not yet finished (pending, sent with an unknown outcome, or failed)."""
        marks = ",".join("?" * len(_OPEN_OP_STATES))
        if link_id is None:
            rows = self._query(
                f"SELECT * FROM ops WHERE state IN ({marks}) ORDER BY created_at, op_key",  # noqa: S608
                _OPEN_OP_STATES,
            )
        else:
            rows = self._query(
                f"SELECT * FROM ops WHERE link_id=? AND state IN ({marks})"  # noqa: S608
                " ORDER BY created_at, op_key",
                (link_id, *_OPEN_OP_STATES),
            )
        return [_op(r) for r in rows]

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
                    _ts(event.received_at or _now()),
                ),
            )
            return cur.rowcount == 1

    def new_events(self, limit: int = 100) -> list[Event]:
        rows = self._query(
            "SELECT * FROM events WHERE state='new' ORDER BY received_at, event_key LIMIT ?",
            (limit,),
        )
        return [
            Event(
                event_key=r["event_key"],
                entity=r["entity"],
                ghl_id=r["ghl_id"],
                type=r["type"],
                raw_body=r["raw_body"],
                state=r["state"],
                attempts=r["attempts"],
                received_at=_dt(r["received_at"]),
            )
            for r in rows
        ]

    def set_event_state(self, event_key: str, state: str) -> None:
        with self.transaction():
            self._db.execute(
                "UPDATE events SET state=?, attempts=attempts+1 WHERE event_key=?",
                (state, event_key),
            )

    # -- review queue -----------------------------------------------------------------------

    def add_review(self, item: ReviewItem) -> ReviewItem:
        detected = item.detected_at or _now()
        with self.transaction():
            cur = self._db.execute(
                "INSERT INTO review (kind, link_id, source_ref, fields, ghl_values, ninox_values,"
                " base_values, status, resolution, detected_at, resolved_at)"
                " VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                (
                    item.kind,
                    item.link_id,
                    item.source_ref,
                    _dumps(list(item.fields)),
                    _dumps(dict(item.ghl_values)),
                    _dumps(dict(item.ninox_values)),
                    _dumps(dict(item.base_values)),
                    item.status,
                    item.resolution,
                    _ts(detected),
                    _ts(item.resolved_at),
                ),
            )
        return attrs.evolve(item, review_id=cur.lastrowid, detected_at=detected)

    def open_reviews(self) -> list[ReviewItem]:
        rows = self._query("SELECT * FROM review WHERE status='open' ORDER BY review_id")
        return [_review(r) for r in rows]

    def resolve_review(self, review_id: int, resolution: str) -> None:
        with self.transaction():
            cur = self._db.execute(
                "UPDATE review SET status='resolved', resolution=?, resolved_at=?"
                " WHERE review_id=? AND status='open'",
                (resolution, _ts(_now()), review_id),
            )
            if cur.rowcount != 1:
                raise KeyError(f"no open review item {review_id}")

    # -- runs -------------------------------------------------------------------------------

    def start_run(self, kind: str, cursors_before: Mapping[str, str]) -> Run:
        run = Run(
            run_id=uuid.uuid4().hex,
            kind=kind,
            status="running",
            started_at=_now(),
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
                    _ts(run.started_at),
                    None,
                    _dumps(dict(cursors_before)),
                    "{}",
                    "{}",
                ),
            )
        return run

    def finish_run(
        self,
        run: Run,
        *,
        status: Literal["ok", "failed"],
        counts: Mapping[str, int],
        cursors_after: Mapping[str, str],
    ) -> Run:
        done = attrs.evolve(
            run,
            status=status,
            finished_at=_now(),
            counts=dict(counts),
            cursors_after=dict(cursors_after),
        )
        with self.transaction():
            self._db.execute(
                "UPDATE runs SET status=?, finished_at=?, counts=?, cursors_after=? WHERE run_id=?",
                (
                    status,
                    _ts(done.finished_at),
                    _dumps(done.counts),
                    _dumps(done.cursors_after),
                    run.run_id,
                ),
            )
        return done

    def runs(self, limit: int = 20) -> list[Run]:
        """The most recent runs, newest first."""
        rows = self._query("SELECT * FROM runs ORDER BY started_at DESC LIMIT ?", (limit,))
        return [
            Run(
                run_id=r["run_id"],
                kind=r["kind"],
                status=r["status"],
                started_at=datetime.fromisoformat(r["started_at"]),
                finished_at=_dt(r["finished_at"]),
                cursors_before=json.loads(r["cursors_before"]),
                cursors_after=json.loads(r["cursors_after"]),
                counts=json.loads(r["counts"]),
            )
            for r in rows
        ]

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
        return [
            RecordError(
                run_id=r["run_id"],
                side=r["side"],
                record_id=r["record_id"],
                stage=r["stage"],
                error=r["error"],
                message=r["message"],
            )
            for r in rows
        ]

    # -- run lock ---------------------------------------------------------------------------

    def acquire_lock(self, owner: str, *, ttl: float = 900.0, name: str = "sync") -> bool:
        """Take the named lock for ``ttl`` seconds; False if another live owner holds it.
        A lock whose owner died expires, so a crashed run never blocks the next forever."""
        now = time.time()
        with self.transaction():
            row = self._db.execute(
                "SELECT owner, expires_at FROM locks WHERE name=?", (name,)
            ).fetchone()
            if row is not None and row["owner"] != owner and row["expires_at"] > now:
                return False
            self._db.execute(
                "INSERT INTO locks (name, owner, expires_at) VALUES (?,?,?) ON CONFLICT(name)"
                " DO UPDATE SET owner=excluded.owner, expires_at=excluded.expires_at",
                (name, owner, now + ttl),
            )
            return True

    def release_lock(self, owner: str, *, name: str = "sync") -> None:
        with self.transaction():
            self._db.execute("DELETE FROM locks WHERE name=? AND owner=?", (name, owner))


def _link(row: sqlite3.Row) -> Link:
    return Link(
        link_id=row["link_id"],
        entity=row["entity"],
        ghl_id=row["ghl_id"],
        ninox_table=row["ninox_table"],
        ninox_id=row["ninox_id"],
        state=row["state"],
        ghl_digest=row["ghl_digest"],
        ninox_digest=row["ninox_digest"],
        base=json.loads(row["base"]),
        ghl_updated_raw=row["ghl_updated_raw"],
        ninox_sq=row["ninox_sq"],
        last_origin=row["last_origin"],
        parent_link_id=row["parent_link_id"],
        version=row["version"],
        agreed_at=_dt(row["agreed_at"]),
        error_count=row["error_count"],
        last_error=row["last_error"],
    )


def _op(row: sqlite3.Row) -> Op:
    return Op(
        op_key=row["op_key"],
        link_id=row["link_id"],
        target=row["target"],
        kind=row["kind"],
        patch=json.loads(row["patch"]),
        intended=json.loads(row["intended"]),
        state=row["state"],
        attempts=row["attempts"],
        last_error=row["last_error"],
        run_id=row["run_id"],
        created_at=_dt(row["created_at"]),
        updated_at=_dt(row["updated_at"]),
    )


def _review(row: sqlite3.Row) -> ReviewItem:
    return ReviewItem(
        review_id=row["review_id"],
        kind=row["kind"],
        link_id=row["link_id"],
        source_ref=row["source_ref"],
        fields=tuple(json.loads(row["fields"])),
        ghl_values=json.loads(row["ghl_values"]),
        ninox_values=json.loads(row["ninox_values"]),
        base_values=json.loads(row["base_values"]),
        status=row["status"],
        resolution=row["resolution"],
        detected_at=_dt(row["detected_at"]),
        resolved_at=_dt(row["resolved_at"]),
    )
