"""Durable sync state: links, cursors, the outbox, the webhook inbox, reviews and run history.

[`StateStore`][bridge.state.protocol.StateStore] is the interface the engine programs against;
[`SQLiteStateStore`][bridge.state.sqlite.SQLiteStateStore] (stdlib ``sqlite3``, WAL mode) is the
embedded default.
"""

from bridge.state.models import (
    OPEN_OP_STATES,
    Cursor,
    Event,
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
from bridge.state.protocol import StateStore
from bridge.state.sqlite import SCHEMA_VERSION, SQLiteStateStore

__all__ = [
    "OPEN_OP_STATES",
    "SCHEMA_VERSION",
    "Cursor",
    "Event",
    "Link",
    "LinkState",
    "Op",
    "OpKind",
    "OpState",
    "RecordError",
    "ReviewItem",
    "Run",
    "SQLiteStateStore",
    "Side",
    "StateStore",
    "StateStoreError",
]
