"""The SQLite schema of the sync state, as versioned migrations (``PRAGMA user_version``).

Each entry of `MIGRATIONS` takes a file from version N-1 to N and runs in its own
transaction, so a crash mid-migration leaves the file at the previous version.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

__all__ = ["MIGRATIONS", "SCHEMA_V1"]

SCHEMA_V1: Final = """
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


# Each migration takes the schema from version N-1 to N.
MIGRATIONS: Final[Mapping[int, str]] = {
    1: SCHEMA_V1,
    2: """
ALTER TABLE ops ADD COLUMN entity TEXT NOT NULL DEFAULT '';
ALTER TABLE ops ADD COLUMN ghl_id TEXT;
ALTER TABLE ops ADD COLUMN ninox_id INTEGER;
ALTER TABLE ops ADD COLUMN parent_ghl_id TEXT;
ALTER TABLE ops ADD COLUMN result_id TEXT;
CREATE INDEX IF NOT EXISTS ops_state ON ops(state);
CREATE INDEX IF NOT EXISTS links_check ON links(entity) WHERE error_count > 0;
CREATE INDEX IF NOT EXISTS links_parent ON links(parent_link_id);
""",
    3: """
CREATE TABLE IF NOT EXISTS history (
    entry_id INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    run_id TEXT,
    entity TEXT NOT NULL,
    action TEXT NOT NULL,
    side TEXT NOT NULL,
    ghl_id TEXT,
    ninox_id INTEGER,
    link_id INTEGER,
    before TEXT NOT NULL,
    after TEXT NOT NULL,
    op_key TEXT
);
CREATE INDEX IF NOT EXISTS history_ghl ON history(ghl_id);
CREATE INDEX IF NOT EXISTS history_ninox ON history(entity, ninox_id);
CREATE INDEX IF NOT EXISTS history_link ON history(link_id);
CREATE INDEX IF NOT EXISTS history_run ON history(run_id);
CREATE INDEX IF NOT EXISTS history_at ON history(at);
CREATE TABLE IF NOT EXISTS flags (
    name TEXT PRIMARY KEY,
    value TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
""",
}
