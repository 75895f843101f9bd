"""Durable sync state: links, cursors, the outbox, the webhook inbox, reviews and run history.

[`StateStore`][bridge.state.protocol.StateStore] is the interface the engine programs against;
[`SQLiteStateStore`][bridge.state.sqlite.SQLiteStateStore] (stdlib ``sqlite3``, WAL mode) is the
embedded default; [`PostgresStateStore`][bridge.state.PostgresStateStore] (the
``postgres`` extra) lets several processes share one state. [`open_store`][bridge.state.open_store]
picks the backend from a URL or a path.
"""

from bridge.state._open import open_store
from bridge.state.models import (
    OPEN_OP_STATES,
    Cursor,
    Event,
    HistoryAction,
    HistoryEntry,
    Link,
    LinkState,
    Op,
    OpKind,
    OpState,
    RecordError,
    ReviewItem,
    Run,
    Side,
    StateStoreError,
)
from bridge.state.postgres import (
    POSTGRES_SCHEMA_VERSION,
    STATE_PASSWORD_ENV,
    PostgresStateStore,
)
from bridge.state.protocol import StateStore
from bridge.state.sqlite import SCHEMA_VERSION, SQLiteStateStore

__all__ = [
    "OPEN_OP_STATES",
    "POSTGRES_SCHEMA_VERSION",
    "SCHEMA_VERSION",
    "STATE_PASSWORD_ENV",
    "Cursor",
    "Event",
    "HistoryAction",
    "HistoryEntry",
    "Link",
    "LinkState",
    "Op",
    "OpKind",
    "OpState",
    "PostgresStateStore",
    "RecordError",
    "ReviewItem",
    "Run",
    "SQLiteStateStore",
    "Side",
    "StateStore",
    "StateStoreError",
    "open_store",
]
