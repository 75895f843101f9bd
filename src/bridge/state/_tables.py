"""The state's tables, written once for both backends: each schema's migrations
(``bridge.state._schema`` for SQLite, ``bridge.state.postgres_schema``) are put together from
these, rendered with the backend's column types ([`Dialect.ddl`][bridge.state._dialect.Dialect]).

The placeholders: ``{create}``, ``{index}``, ``{unique}`` (SQLite's statements say ``IF NOT
EXISTS``), ``{key}`` (a generated integer key), ``{big}`` (an integer id), ``{time}`` (an
instant: ISO text in SQLite, ``timestamptz`` in PostgreSQL) and ``{clock}`` (the run lock's
expiry: unix seconds in SQLite, ``timestamptz`` in PostgreSQL). A migration that has shipped
never changes: tests/bridge/test_state.py pins the rendered text of every version.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

__all__ = [
    "CURSORS",
    "EVENTS",
    "HISTORY_AND_FLAGS",
    "LEANER_LINKS_AND_HISTORY",
    "LINKS",
    "LINKS_LOOKUPS",
    "LOCKS",
    "OPS_FIRST",
    "OPS_LATER",
    "OPS_OPEN",
    "OPS_STATE",
    "RECORD_ERRORS",
    "REVIEW",
    "RUNS",
    "table",
]


def table(name: str, columns: Sequence[str]) -> str:
    """``CREATE TABLE`` of ``columns``, one a line."""
    body = ",\n    ".join(columns)
    return f"{{create}} {name} (\n    {body}\n);\n"


LINKS: Final = (
    table(
        "links",
        (
            "link_id {key}",
            "entity TEXT NOT NULL",
            "ghl_id TEXT",
            "ninox_table TEXT NOT NULL",
            "ninox_id {big}",
            "state TEXT NOT NULL",
            "ghl_digest TEXT",
            "ninox_digest TEXT",
            "base TEXT NOT NULL",
            "ghl_updated_raw TEXT",
            "ninox_sq {big}",
            "last_origin TEXT",
            "parent_link_id {big} REFERENCES links(link_id)",
            "version {big} NOT NULL",
            "agreed_at {time}",
            "error_count INTEGER NOT NULL DEFAULT 0",
            "last_error TEXT",
        ),
    )
    + "{unique} links_ghl ON links(entity, ghl_id) WHERE ghl_id IS NOT NULL;\n"
    "{unique} links_ninox ON links(entity, ninox_table, ninox_id)\n"
    "    WHERE ninox_id IS NOT NULL;\n"
)
OPS_OPEN: Final = "{index} ops_open ON ops(link_id, target, state);\n"
OPS_STATE: Final = "{index} ops_state ON ops(state);\n"
#: The links to recheck and the children of a link (SQLite's version 2).
LINKS_LOOKUPS: Final = (
    "{index} links_check ON links(entity) WHERE error_count > 0;\n"
    "{index} links_parent ON links(parent_link_id);\n"
)
CURSORS: Final = table(
    "cursors",
    (
        "source TEXT NOT NULL",
        "scope TEXT NOT NULL",
        "value TEXT NOT NULL",
        "mode TEXT NOT NULL",
        "updated_at {time} NOT NULL",
        "PRIMARY KEY (source, scope)",
    ),
)
#: The outbox's first columns, and those SQLite's version 2 added (what was written where).
OPS_FIRST: Final = (
    "op_key TEXT PRIMARY KEY",
    "link_id {big} REFERENCES links(link_id)",
    "target TEXT NOT NULL",
    "kind TEXT NOT NULL",
    "patch TEXT NOT NULL",
    "intended TEXT NOT NULL",
    "state TEXT NOT NULL",
    "attempts INTEGER NOT NULL",
    "last_error TEXT",
    "run_id TEXT",
    "created_at {time} NOT NULL",
    "updated_at {time} NOT NULL",
)
OPS_LATER: Final = (
    "entity TEXT NOT NULL DEFAULT ''",
    "ghl_id TEXT",
    "ninox_id {big}",
    "parent_ghl_id TEXT",
    "result_id TEXT",
)
EVENTS: Final = table(
    "events",
    (
        "event_key TEXT PRIMARY KEY",
        "entity TEXT NOT NULL",
        "ghl_id TEXT",
        "type TEXT NOT NULL",
        "raw_body TEXT NOT NULL",
        "state TEXT NOT NULL",
        "attempts INTEGER NOT NULL",
        "received_at {time} NOT NULL",
    ),
)
REVIEW: Final = table(
    "review",
    (
        "review_id {key}",
        "kind TEXT NOT NULL",
        "link_id {big}",
        "source_ref TEXT",
        "fields TEXT NOT NULL",
        "ghl_values TEXT NOT NULL",
        "ninox_values TEXT NOT NULL",
        "base_values TEXT NOT NULL",
        "status TEXT NOT NULL",
        "resolution TEXT",
        "detected_at {time} NOT NULL",
        "resolved_at {time}",
    ),
)
RUNS: Final = table(
    "runs",
    (
        "run_id TEXT PRIMARY KEY",
        "kind TEXT NOT NULL",
        "status TEXT NOT NULL",
        "started_at {time} NOT NULL",
        "finished_at {time}",
        "cursors_before TEXT NOT NULL",
        "cursors_after TEXT NOT NULL",
        "counts TEXT NOT NULL",
    ),
)
RECORD_ERRORS: Final = (
    "run_id TEXT NOT NULL",
    "side TEXT NOT NULL",
    "record_id TEXT NOT NULL",
    "stage TEXT NOT NULL",
    "error TEXT NOT NULL",
    "message TEXT NOT NULL",
)
LOCKS: Final = table(
    "locks", ("name TEXT PRIMARY KEY", "owner TEXT NOT NULL", "expires_at {clock} NOT NULL")
)
#: Per-record history and flags (version 3 of both schemas).
HISTORY_AND_FLAGS: Final = (
    table(
        "history",
        (
            "entry_id {key}",
            "at {time} NOT NULL",
            "run_id TEXT",
            "entity TEXT NOT NULL",
            "action TEXT NOT NULL",
            "side TEXT NOT NULL",
            "ghl_id TEXT",
            "ninox_id {big}",
            "link_id {big}",
            "before TEXT NOT NULL",
            "after TEXT NOT NULL",
            "op_key TEXT",
        ),
    )
    + "{index} history_ghl ON history(ghl_id);\n"
    "{index} history_ninox ON history(entity, ninox_id);\n"
    "{index} history_link ON history(link_id);\n"
    "{index} history_run ON history(run_id);\n"
    "{index} history_at ON history(at);\n"
    + table("flags", ("name TEXT PRIMARY KEY", "value TEXT NOT NULL", "updated_at {time} NOT NULL"))
)
#: Version 4 of both schemas: a link's digests in 32 hex characters (128 bits of SHA-256 is
#: plenty to notice a change; what `bridge.sync.memo.PassMapper` computes), the Ninox one as
#: ``'='`` when it is the GHL one (``bridge.state._rows.SAME_DIGEST``); and the history looked
#: up through its link (``history_link``) and by time (``history_at``, which also bounds a
#: run's entries), not by three more indexes of its own.
LEANER_LINKS_AND_HISTORY: Final = (
    "UPDATE links SET\n"
    "    ninox_digest = CASE WHEN ninox_digest = ghl_digest THEN '='\n"
    "        ELSE substr(ninox_digest, 1, 32) END,\n"
    "    ghl_digest = substr(ghl_digest, 1, 32);\n"
    "DROP INDEX IF EXISTS history_ghl;\n"
    "DROP INDEX IF EXISTS history_ninox;\n"
    "DROP INDEX IF EXISTS history_run;\n"
)
