"""What differs between the SQL backends of the state store, as data: the store's queries
(``bridge.state._store``) are written once, in SQLite's form with ``?`` placeholders, and a
`Dialect` says how each backend runs them.

Both backends accept the same upserts (``INSERT … ON CONFLICT (key) DO NOTHING`` / ``DO UPDATE
… WHERE``), so those need no dialect. What does: the placeholder, how a time is stored (ISO text
in SQLite, ``timestamptz`` in PostgreSQL), a match against many values (chunked ``IN`` lists or
one array), the clock the run lock is measured on (unix seconds in SQLite's ``REAL`` column, the
server's ``clock_timestamp()`` in PostgreSQL), the column that orders rows by insertion, and
whether a failed statement aborts the whole transaction (PostgreSQL: the store then runs a
write that may be refused under a savepoint). The column types are in the schemas
(``bridge.state._schema``).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator, Sequence
from datetime import datetime
from typing import Any, Final

import attrs

from bridge.state._rows import ts

__all__ = ["POSTGRES", "SQLITE", "Dialect"]

#: SQLite's default limit on the parameters of one statement was 999 before 3.32.
_CHUNK: Final = 500


@functools.lru_cache(maxsize=512)
def _placed(sql: str, placeholder: str) -> str:
    # The store's SQL has no ``?`` or ``%`` of its own (no string literals with them).
    return sql.replace("?", placeholder)


def _same(value: datetime | None) -> datetime | None:
    return value


@attrs.frozen(kw_only=True)
class Dialect:
    """How one SQL backend runs the store's statements."""

    name: str
    #: The parameter placeholder: ``?`` (qmark) or ``%s`` (psycopg's format).
    placeholder: str
    #: How a time is stored: ``ts`` (ISO text) or the datetime itself.
    stamp: Callable[[datetime | None], Any]
    #: A match against many values is one array parameter (``= ANY(?::type[])``), not a
    #: chunked ``IN (?, ?, …)`` list.
    arrays: bool
    #: The lock's clock now, and that clock ``?`` seconds from now, as SQL.
    clock: str
    clock_plus: str
    #: The column that orders ``record_errors`` by insertion.
    error_order: str
    #: A failed statement aborts the whole transaction (so a refusable write needs a savepoint).
    failed_statement_aborts: bool
    #: The statement that opens a transaction.
    begin: str

    def sql(self, statement: str) -> str:
        """``statement`` (written with ``?``) with this backend's placeholders."""
        return statement if self.placeholder == "?" else _placed(statement, self.placeholder)

    def any_of(
        self, column: str, sqltype: str, values: Sequence[Any]
    ) -> Iterator[tuple[str, tuple[Any, ...]]]:
        """Conditions matching ``column`` against ``values`` and their parameters: one, or a
        chunk at a time where the backend limits the parameters of a statement."""
        if self.arrays:
            yield f"{column} = ANY(?::{sqltype}[])", (list(values),)
            return
        for start in range(0, len(values), _CHUNK):
            chunk = tuple(values[start : start + _CHUNK])
            yield f"{column} IN ({','.join('?' * len(chunk))})", chunk


SQLITE: Final = Dialect(
    name="sqlite",
    placeholder="?",
    stamp=ts,
    arrays=False,
    # unix seconds, as the REAL ``locks.expires_at`` has always held them
    clock="((julianday('now') - 2440587.5) * 86400.0)",
    clock_plus="((julianday('now') - 2440587.5) * 86400.0 + ?)",
    error_order="rowid",
    failed_statement_aborts=False,
    begin="BEGIN IMMEDIATE",
)

POSTGRES: Final = Dialect(
    name="postgresql",
    placeholder="%s",
    stamp=_same,
    arrays=True,
    clock="clock_timestamp()",
    clock_plus="(clock_timestamp() + make_interval(secs => ?))",
    error_order="error_id",
    failed_statement_aborts=True,
    begin="BEGIN",
)
