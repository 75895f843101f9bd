"""Rows of the SQLite state as models, and the values stored in them."""

from __future__ import annotations

import json
import sqlite3
from datetime import datetime, timezone
from typing import Any

from bridge.state.models import Link, Op, ReviewItem

__all__ = ["dt", "dumps", "link_of", "now", "op_of", "review_of", "ts"]


def now() -> datetime:
    return datetime.now(timezone.utc)


def ts(value: datetime | None) -> str | None:
    return None if value is None else value.astimezone(timezone.utc).isoformat()


def dt(value: str | None) -> datetime | None:
    return None if value is None else datetime.fromisoformat(value)


def dumps(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), default=str)


def link_of(row: sqlite3.Row) -> Link:
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


def op_of(row: sqlite3.Row) -> Op:
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


def review_of(row: sqlite3.Row) -> ReviewItem:
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
