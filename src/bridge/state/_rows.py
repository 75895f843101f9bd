"""Rows of the state as models, and the values stored in them (shared by the SQLite and
PostgreSQL stores: a row is any mapping; ``when`` reads a stored time)."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from typing import Any, Protocol

from bridge.state.models import (
    Cursor,
    Event,
    HistoryEntry,
    Link,
    Op,
    RecordError,
    ReviewItem,
    Run,
)

__all__ = [
    "Row",
    "cursor_of",
    "dt",
    "dumps",
    "error_of",
    "event_of",
    "history_of",
    "link_of",
    "now",
    "op_of",
    "review_of",
    "run_of",
    "ts",
]


def now() -> datetime:
    return datetime.now(timezone.utc)


def ts(value: datetime | None) -> str | None:
    return None if value is None else value.astimezone(timezone.utc).isoformat()


def dt(value: Any) -> datetime | None:
    """A stored time: an ISO string (SQLite) or a datetime (PostgreSQL), in UTC."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.astimezone(timezone.utc)
    return datetime.fromisoformat(value)


class Row(Protocol):
    """A result row of either backend (``sqlite3.Row``, a psycopg dict row)."""

    def __getitem__(self, key: str, /) -> Any: ...


def dumps(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), default=str)


def link_of(row: Row) -> Link:
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
        agreed_at=dt(row["agreed_at"]),
        error_count=row["error_count"],
        last_error=row["last_error"],
    )


def op_of(row: Row) -> Op:
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
        entity=row["entity"],
        ghl_id=row["ghl_id"],
        ninox_id=row["ninox_id"],
        parent_ghl_id=row["parent_ghl_id"],
        result_id=row["result_id"],
        created_at=dt(row["created_at"]),
        updated_at=dt(row["updated_at"]),
    )


def review_of(row: Row) -> ReviewItem:
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
        detected_at=dt(row["detected_at"]),
        resolved_at=dt(row["resolved_at"]),
    )


def cursor_of(row: Row) -> Cursor:
    return Cursor(
        source=row["source"],
        scope=row["scope"],
        value=row["value"],
        mode=row["mode"],
        updated_at=dt(row["updated_at"]),
    )


def event_of(row: Row) -> Event:
    return Event(
        event_key=row["event_key"],
        entity=row["entity"],
        ghl_id=row["ghl_id"],
        type=row["type"],
        raw_body=row["raw_body"],
        state=row["state"],
        attempts=row["attempts"],
        received_at=dt(row["received_at"]),
    )


def run_of(row: Row) -> Run:
    started = dt(row["started_at"])
    assert started is not None  # NOT NULL in both schemas
    return Run(
        run_id=row["run_id"],
        kind=row["kind"],
        status=row["status"],
        started_at=started,
        finished_at=dt(row["finished_at"]),
        cursors_before=json.loads(row["cursors_before"]),
        cursors_after=json.loads(row["cursors_after"]),
        counts=json.loads(row["counts"]),
    )


def error_of(row: Row) -> RecordError:
    return RecordError(
        run_id=row["run_id"],
        side=row["side"],
        record_id=row["record_id"],
        stage=row["stage"],
        error=row["error"],
        message=row["message"],
    )


def history_of(row: Row) -> HistoryEntry:
    return HistoryEntry(
        entry_id=row["entry_id"],
        at=dt(row["at"]),
        run_id=row["run_id"],
        entity=row["entity"],
        action=row["action"],
        side=row["side"],
        ghl_id=row["ghl_id"],
        ninox_id=row["ninox_id"],
        link_id=row["link_id"],
        before=json.loads(row["before"]),
        after=json.loads(row["after"]),
        op_key=row["op_key"],
    )
