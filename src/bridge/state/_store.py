"""The [`StateStore`][bridge.state.protocol.StateStore] on SQL, written once for SQLite and
PostgreSQL: every query, and how transactions nest.

A backend (``bridge.state.sqlite``, ``bridge.state.postgres_conn``) opens and migrates its
database, names its [`Dialect`][bridge.state._dialect.Dialect] and runs one statement at a
time (`_run`, `_fetch`, `_run_many`, `_insert_id`, `_quietly`, `_commit`); everything else is
here. The statements are written in SQLite's form (``?`` placeholders); both backends accept the
same upserts, so only what the dialect names differs.

One connection per store, shared by threads under an ``RLock``; `transaction` nests (inner
blocks join the outer one). Every write method is one statement, atomic on its own, except
``add_history`` (one transaction). A write a constraint may refuse (a second link to one record)
leaves the caller's transaction usable on both backends: SQLite fails only the statement, and
PostgreSQL, where a failed statement aborts the transaction, runs it under a savepoint.
"""

from __future__ import annotations

import abc
import contextlib
import operator
import threading
import uuid
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from datetime import datetime, timedelta, timezone
from typing import Any, ClassVar, Final, Literal, Protocol, TypeVar

import attrs

from bridge.state._dialect import Dialect
from bridge.state._rows import (
    SAME_DIGEST,
    Row,
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

__all__ = ["SQLStateStore"]

T = TypeVar("T")
S = TypeVar("S", bound="SQLStateStore")


class Result(Protocol):
    """What the store reads from a statement's cursor on either backend."""

    @property
    def rowcount(self) -> int: ...


@attrs.frozen
class _Columns:
    """The columns a record is written to, named as the model's attributes, and a reader of
    those attributes."""

    names: tuple[str, ...]
    read: Callable[[Any], tuple[Any, ...]]


def _columns(names: str) -> _Columns:
    split = tuple(names.split())
    return _Columns(split, operator.attrgetter(*split))


def _insert(table: str, columns: _Columns, tail: str = "") -> str:
    names = ", ".join(columns.names)
    marks = ",".join("?" * len(columns.names))
    return f"INSERT INTO {table} ({names}) VALUES ({marks}){tail}"  # noqa: S608 - constants


_LINK: Final = _columns(
    "entity ghl_id ninox_table ninox_id state ghl_digest ninox_digest base ghl_updated_raw"
    " ninox_sq last_origin parent_link_id version agreed_at error_count last_error"
)
_OP: Final = _columns(
    "op_key link_id target kind patch intended state attempts last_error run_id created_at"
    " updated_at entity ghl_id ninox_id parent_ghl_id result_id"
)
_EVENT: Final = _columns("event_key entity ghl_id type raw_body state attempts received_at")
_REVIEW: Final = _columns(
    "kind link_id source_ref fields ghl_values ninox_values base_values status resolution"
    " detected_at resolved_at"
)
_RUN: Final = _columns(
    "run_id kind status started_at finished_at cursors_before cursors_after counts"
)
_HISTORY: Final = _columns(
    "at run_id entity action side ghl_id ninox_id link_id before after op_key"
)
_ERROR: Final = _columns("run_id side record_id stage error message")

_GHL_DIGEST, _NINOX_DIGEST = _LINK.names.index("ghl_digest"), _LINK.names.index("ninox_digest")
_INSERT_LINK: Final = _insert("links", _LINK)
_UPDATE_LINK: Final = f"UPDATE links SET {', '.join(f'{c}=?' for c in _LINK.names)} WHERE link_id=?"  # noqa: S608
_INSERT_OP: Final = _insert("ops", _OP, " ON CONFLICT (op_key) DO NOTHING")
_INSERT_EVENT: Final = _insert("events", _EVENT, " ON CONFLICT (event_key) DO NOTHING")
_INSERT_REVIEW: Final = _insert("review", _REVIEW)
_INSERT_RUN: Final = _insert("runs", _RUN)
_INSERT_HISTORY: Final = _insert("history", _HISTORY)
_INSERT_ERROR: Final = _insert("record_errors", _ERROR)
#: The open states as an SQL list (constants of the models, not input).
_OPEN: Final = "(" + ",".join(f"'{state}'" for state in OPEN_OP_STATES) + ")"
_SAVEPOINT: Final = "ghl_ninox_statement"
#: Values stored as they are (checked first: most are).
_PLAIN: Final = frozenset({str, int, float, bool})
_EPOCH: Final = datetime(1970, 1, 1, tzinfo=timezone.utc)
_CLOCK_MARGIN: Final = timedelta(hours=1)


class SQLStateStore(abc.ABC):
    """`StateStore` over one SQL connection; the backend supplies the connection and its
    `Dialect`. Thread-safe; `transaction` nests."""

    _dialect: ClassVar[Dialect]

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._depth = 0

    def __enter__(self: S) -> S:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- what a backend supplies ------------------------------------------------------------

    @abc.abstractmethod
    def close(self) -> None:
        """Release the connection."""

    @abc.abstractmethod
    def _run(self, sql: str, args: Sequence[Any] = ()) -> Result:
        """Run one statement (written with ``?``) under the lock."""

    @abc.abstractmethod
    def _fetch(self, sql: str, args: Sequence[Any] = ()) -> list[Row]:
        """Run one query (written with ``?``) under the lock; its rows."""

    @abc.abstractmethod
    def _run_many(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        """Run one statement once per row of parameters."""

    @abc.abstractmethod
    def _insert_id(self, sql: str, args: Sequence[Any], key: str) -> int:
        """Run one ``INSERT`` and return the generated ``key`` of its row."""

    @abc.abstractmethod
    def _quietly(self, *statements: str) -> None:
        """Run these statements until one fails, ignoring the backend's errors: undoing after
        a failure, whose own exception is the one to raise."""

    @abc.abstractmethod
    def _commit(self) -> None:
        """Commit the open transaction, or raise ``StateStoreError`` if it rolled back."""

    # -- transactions -----------------------------------------------------------------------

    @contextlib.contextmanager
    def transaction(self) -> Iterator[None]:
        """Group writes atomically; nests (inner blocks join the outer transaction)."""
        with self._lock:
            if self._depth:
                self._depth += 1
                try:
                    yield
                finally:
                    self._depth -= 1
                return
            self._run(self._dialect.begin)
            self._depth = 1
            try:
                yield
            except BaseException:
                self._depth = 0
                self._quietly("ROLLBACK")
                raise
            self._depth = 0
            self._commit()

    @contextlib.contextmanager
    def _refusable(self) -> Iterator[None]:
        """Around one statement a constraint may refuse: where a failed statement aborts the
        whole transaction, a caller's transaction keeps going under a savepoint."""
        with self._lock:
            if not (self._depth and self._dialect.failed_statement_aborts):
                yield
                return
            self._run(f"SAVEPOINT {_SAVEPOINT}")
            try:
                yield
            except BaseException:
                self._quietly(
                    f"ROLLBACK TO SAVEPOINT {_SAVEPOINT}", f"RELEASE SAVEPOINT {_SAVEPOINT}"
                )
                raise
            self._run(f"RELEASE SAVEPOINT {_SAVEPOINT}")

    # -- reading ----------------------------------------------------------------------------

    def _one(self, read: Callable[[Row], T], sql: str, args: Sequence[Any]) -> T | None:
        rows = self._fetch(sql, args)
        return read(rows[0]) if rows else None

    def _matching(
        self, sql: str, args: Sequence[Any], column: str, sqltype: str, values: Sequence[Any]
    ) -> list[Row]:
        """Rows of ``sql`` (with ``{}`` where the condition goes) whose ``column`` is one of
        ``values``, in as many statements as the backend needs."""
        rows: list[Row] = []
        if not values:
            return rows
        for condition, more in self._dialect.any_of(column, sqltype, values):
            rows += self._fetch(sql.format(condition), (*args, *more))
        return rows

    def _stamp(self, value: datetime | None) -> Any:
        return self._dialect.stamp(value)

    def _values(self, record: Any, columns: _Columns, **given: Any) -> list[Any]:
        """The stored values of ``record``'s attributes named ``columns`` (or of ``given``)."""
        values: Sequence[Any] = columns.read(record)
        if given:
            pairs = zip(columns.names, values, strict=True)
            values = [given.get(name, value) for name, value in pairs]
        return [v if v is None or type(v) in _PLAIN else self._encode(v) for v in values]

    def _encode(self, value: Any) -> Any:
        """Mappings and sequences as JSON text, times as the dialect stores them."""
        if isinstance(value, Mapping):
            return dumps(dict(value))
        if isinstance(value, (list, tuple)):
            return dumps(list(value))
        if isinstance(value, datetime):
            return self._dialect.stamp(value)
        return value

    # -- links ------------------------------------------------------------------------------

    def save_link(self, link: Link) -> Link:
        """Insert ``link`` (no ``link_id``) or replace the row with its ``link_id``."""
        values = self._values(link, _LINK)
        if values[_NINOX_DIGEST] is not None and values[_NINOX_DIGEST] == values[_GHL_DIGEST]:
            values[_NINOX_DIGEST] = SAME_DIGEST  # the digest both sides agree on, stored once
        with self._refusable():
            if link.link_id is None:
                return attrs.evolve(link, link_id=self._insert_id(_INSERT_LINK, values, "link_id"))
            if self._run(_UPDATE_LINK, (*values, link.link_id)).rowcount != 1:
                raise KeyError(f"no link with link_id {link.link_id}")
            return link

    def link(self, link_id: int) -> Link | None:
        return self._one(link_of, "SELECT * FROM links WHERE link_id=?", (link_id,))

    def link_by_ghl(self, entity: str, ghl_id: str) -> Link | None:
        return self._one(
            link_of, "SELECT * FROM links WHERE entity=? AND ghl_id=?", (entity, ghl_id)
        )

    def link_by_ninox(self, entity: str, table: str, ninox_id: int) -> Link | None:
        return self._one(
            link_of,
            "SELECT * FROM links WHERE entity=? AND ninox_table=? AND ninox_id=?",
            (entity, table, ninox_id),
        )

    def links(self, entity: str | None = None) -> list[Link]:
        if entity is None:
            return [link_of(r) for r in self._fetch("SELECT * FROM links ORDER BY link_id")]
        rows = self._fetch("SELECT * FROM links WHERE entity=? ORDER BY link_id", (entity,))
        return [link_of(r) for r in rows]

    def links_by_ghl(self, entity: str, ghl_ids: Collection[str]) -> dict[str, Link]:
        rows = self._matching(
            "SELECT * FROM links WHERE entity=? AND {}",
            (entity,),
            "ghl_id",
            "text",
            list(dict.fromkeys(ghl_ids)),
        )
        return {r["ghl_id"]: link_of(r) for r in rows}

    def links_by_ninox(
        self, entity: str, table: str, ninox_ids: Collection[int]
    ) -> dict[int, Link]:
        rows = self._matching(
            "SELECT * FROM links WHERE entity=? AND ninox_table=? AND {}",
            (entity, table),
            "ninox_id",
            "bigint",
            list(dict.fromkeys(ninox_ids)),
        )
        return {r["ninox_id"]: link_of(r) for r in rows}

    def links_by_parent(self, entity: str, parent_link_ids: Collection[int]) -> list[Link]:
        rows = self._matching(
            "SELECT * FROM links WHERE entity=? AND state='active' AND {}",
            (entity,),
            "parent_link_id",
            "bigint",
            sorted(set(parent_link_ids)),
        )
        return sorted((link_of(r) for r in rows), key=lambda link: link.link_id or 0)

    def links_needing_check(self, entity: str) -> list[Link]:
        rows = self._fetch(
            "SELECT * FROM links WHERE entity=? AND error_count > 0 AND state='active'"
            " ORDER BY link_id",
            (entity,),
        )
        return [link_of(r) for r in rows]

    # -- cursors ----------------------------------------------------------------------------

    def get_cursor(self, source: Side, scope: str) -> Cursor | None:
        return self._one(
            cursor_of, "SELECT * FROM cursors WHERE source=? AND scope=?", (source, scope)
        )

    def set_cursor(self, cursor: Cursor) -> None:
        self._run(
            "INSERT INTO cursors (source, scope, value, mode, updated_at) VALUES (?,?,?,?,?)"
            " ON CONFLICT (source, scope) DO UPDATE SET value=excluded.value,"
            " mode=excluded.mode, updated_at=excluded.updated_at",
            (cursor.source, cursor.scope, cursor.value, cursor.mode, self._stamp(now())),
        )

    def cursors(self) -> dict[str, str]:
        """Every cursor as ``{"source:scope": value}`` (for run reports)."""
        return {
            f"{r['source']}:{r['scope']}": r["value"]
            for r in self._fetch("SELECT * FROM cursors ORDER BY source, scope")
        }

    # -- outbox -----------------------------------------------------------------------------

    def add_op(self, op: Op) -> bool:
        """Record an intended write. Returns False when an op with the same key exists (a
        replay, from this process or another): the caller must not send it again. A key in
        another connection's uncommitted transaction waits for its outcome."""
        stamp = now()
        values = self._values(
            op,
            _OP,
            attempts=op.attempts + (1 if op.state == "sent" else 0),
            created_at=stamp,
            updated_at=stamp,
        )
        with self._refusable():
            cur = self._run(_INSERT_OP, values)
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
        cur = self._run(
            "UPDATE ops SET state=?, attempts=attempts+?, last_error=COALESCE(?, last_error),"
            " result_id=COALESCE(?, result_id), updated_at=? WHERE op_key=?",
            (state, bump, error, result_id, self._stamp(now()), op_key),
        )
        if cur.rowcount != 1:
            raise KeyError(f"no op with key {op_key!r}")

    def op(self, op_key: str) -> Op | None:
        return self._one(op_of, "SELECT * FROM ops WHERE op_key=?", (op_key,))

    def open_ops(self, link_id: int | None = None) -> list[Op]:
        """Ops whose outcome is unknown (pending, or sent without a recorded answer)."""
        if link_id is None:
            rows = self._fetch(
                f"SELECT * FROM ops WHERE state IN {_OPEN} ORDER BY created_at, op_key"  # noqa: S608
            )
        else:
            rows = self._fetch(
                f"SELECT * FROM ops WHERE link_id=? AND state IN {_OPEN}"  # noqa: S608
                " ORDER BY created_at, op_key",
                (link_id,),
            )
        return [op_of(r) for r in rows]

    def prune_ops(self, *, keep_last: int = 0) -> int:
        """Delete finished ops but the newest ``keep_last``; open ops always stay."""
        return self._run(
            f"DELETE FROM ops WHERE state NOT IN {_OPEN} AND op_key NOT IN"  # noqa: S608
            " (SELECT op_key FROM ops ORDER BY updated_at DESC LIMIT ?)",
            (keep_last,),
        ).rowcount

    # -- webhook inbox ----------------------------------------------------------------------

    def add_event(self, event: Event) -> bool:
        """Store a received webhook; False if its key was seen before (a duplicate delivery,
        to this process or another)."""
        received = event.received_at or now()
        cur = self._run(_INSERT_EVENT, self._values(event, _EVENT, received_at=received))
        return cur.rowcount == 1

    def new_events(self, limit: int = 100) -> list[Event]:
        rows = self._fetch(
            "SELECT * FROM events WHERE state='new' ORDER BY received_at, event_key LIMIT ?",
            (limit,),
        )
        return [event_of(r) for r in rows]

    def set_event_state(self, event_key: str, state: str) -> None:
        self._run(
            "UPDATE events SET state=?, attempts=attempts+1 WHERE event_key=?", (state, event_key)
        )

    # -- review queue -----------------------------------------------------------------------

    def add_review(self, item: ReviewItem) -> ReviewItem:
        detected = item.detected_at or now()
        values = self._values(item, _REVIEW, detected_at=detected)
        review_id = self._insert_id(_INSERT_REVIEW, values, "review_id")
        return attrs.evolve(item, review_id=review_id, detected_at=detected)

    def open_reviews(self) -> list[ReviewItem]:
        rows = self._fetch("SELECT * FROM review WHERE status='open' ORDER BY review_id")
        return [review_of(r) for r in rows]

    def resolve_review(self, review_id: int, resolution: str) -> None:
        cur = self._run(
            "UPDATE review SET status='resolved', resolution=?, resolved_at=?"
            " WHERE review_id=? AND status='open'",
            (resolution, self._stamp(now()), review_id),
        )
        if cur.rowcount != 1:
            raise KeyError(f"no open review item {review_id}")

    def review(self, review_id: int) -> ReviewItem | None:
        return self._one(review_of, "SELECT * FROM review WHERE review_id=?", (review_id,))

    def reviews(self, status: str | None = None, limit: int = 100) -> list[ReviewItem]:
        if status is None:
            rows = self._fetch("SELECT * FROM review ORDER BY review_id DESC LIMIT ?", (limit,))
        else:
            rows = self._fetch(
                "SELECT * FROM review WHERE status=? ORDER BY review_id DESC LIMIT ?",
                (status, limit),
            )
        return [review_of(r) for r in rows]

    def set_review_status(self, review_id: int, status: str) -> None:
        cur = self._run("UPDATE review SET status=? WHERE review_id=?", (status, review_id))
        if cur.rowcount != 1:
            raise KeyError(f"no review item {review_id}")

    # -- flags ------------------------------------------------------------------------------

    def get_flag(self, name: str) -> str | None:
        return self._one(
            lambda row: str(row["value"]), "SELECT value FROM flags WHERE name=?", (name,)
        )

    def set_flag(self, name: str, value: str | None) -> None:
        if value is None:
            self._run("DELETE FROM flags WHERE name=?", (name,))
            return
        self._run(
            "INSERT INTO flags (name, value, updated_at) VALUES (?,?,?) ON CONFLICT (name)"
            " DO UPDATE SET value=excluded.value, updated_at=excluded.updated_at",
            (name, value, self._stamp(now())),
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
        self._run(_INSERT_RUN, self._values(run, _RUN))
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
        self._run(
            "UPDATE runs SET status=?, finished_at=?, counts=?, cursors_after=? WHERE run_id=?",
            (
                status,
                self._stamp(done.finished_at),
                dumps(done.counts),
                dumps(done.cursors_after),
                run.run_id,
            ),
        )
        return done

    def runs(self, limit: int = 20) -> list[Run]:
        """The most recent runs, newest first."""
        rows = self._fetch("SELECT * FROM runs ORDER BY started_at DESC LIMIT ?", (limit,))
        return [run_of(r) for r in rows]

    def add_record_error(self, error: RecordError) -> None:
        self._run(_INSERT_ERROR, self._values(error, _ERROR))

    def record_errors(self, run_id: str) -> list[RecordError]:
        rows = self._fetch(
            "SELECT * FROM record_errors WHERE run_id=?"  # noqa: S608 - a column name
            f" ORDER BY {self._dialect.error_order}",
            (run_id,),
        )
        return [error_of(r) for r in rows]

    # -- per-record history -------------------------------------------------------------------

    def add_history(self, entries: Sequence[HistoryEntry]) -> None:
        rows = [self._values(e, _HISTORY, at=e.at or now()) for e in entries]
        if not rows:
            return
        with self.transaction():
            self._run_many(_INSERT_HISTORY, rows)

    def history(
        self,
        *,
        ghl_id: str | None = None,
        ninox_id: int | None = None,
        run_id: str | None = None,
        limit: int = 100,
    ) -> list[HistoryEntry]:
        if run_id is not None:
            # A run's entries are written after it started (a later run's recheck may still
            # add some, perhaps on another machine: an hour's margin for its clock): the time
            # index finds them.
            run = self._one(run_of, "SELECT * FROM runs WHERE run_id=?", (run_id,))
            since = run.started_at - _CLOCK_MARGIN if run else _EPOCH
            rows = self._fetch(
                "SELECT * FROM history WHERE at >= ? AND run_id=?"
                " ORDER BY at DESC, entry_id DESC LIMIT ?",
                (self._stamp(since), run_id, limit),
            )
        else:
            # Through the record's links (the link index), and the entries without a link.
            rows = self._fetch(
                "SELECT * FROM history WHERE link_id IN"
                " (SELECT link_id FROM links WHERE ghl_id=? OR ninox_id=?)"
                " OR (link_id IS NULL AND (ghl_id=? OR ninox_id=?))"
                " ORDER BY entry_id DESC LIMIT ?",
                (ghl_id, ninox_id, ghl_id, ninox_id, limit),
            )
        return [history_of(r) for r in rows]

    def prune_history(self, *, before: datetime) -> int:
        return self._run("DELETE FROM history WHERE at < ?", (self._stamp(before),)).rowcount

    # -- run lock ---------------------------------------------------------------------------

    def acquire_lock(self, owner: str, *, ttl: float = 900.0, name: str = "sync") -> bool:
        """Take the named lock for ``ttl`` seconds; False if another live owner holds it.
        One atomic statement on the database's clock, so processes (on several machines, with
        PostgreSQL) agree; a lock whose owner died expires, so a crashed run never blocks the
        next forever."""
        clock, clock_plus = self._dialect.clock, self._dialect.clock_plus
        cur = self._run(
            f"INSERT INTO locks (name, owner, expires_at) VALUES (?, ?, {clock_plus})"  # noqa: S608
            " ON CONFLICT (name) DO UPDATE SET owner=excluded.owner,"
            " expires_at=excluded.expires_at"
            f" WHERE locks.owner = excluded.owner OR locks.expires_at <= {clock}",
            (name, owner, float(ttl)),
        )
        return cur.rowcount == 1

    def release_lock(self, owner: str, *, name: str = "sync") -> None:
        self._run("DELETE FROM locks WHERE name=? AND owner=?", (name, owner))
