"""OAuth tokens of many locations in PostgreSQL:
[`PostgresTokenStore`][ghlsdk.auth.PostgresTokenStore] (needs psycopg, the ``postgres`` extra).

One row per key. A refresh of a key holds that row's lock (``SELECT … FOR UPDATE``) from
reading the stored pair to saving the new one (see `ghlsdk.auth._locking`): a second process
wanting to refresh the same key waits, then reads the new pair and uses it instead of spending
the (rotated, now dead) refresh token. The new pair is committed by ``save`` before the
session uses it.
"""

from __future__ import annotations

import contextlib
import json
import re
import threading
from collections.abc import Iterator
from typing import Any

from _sdkcore.logging import redact
from ghlsdk.auth._tokens import TokenSet

__all__ = ["PostgresTokenStore"]

_TABLE = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


class PostgresTokenStore:
    """A [`TokenStore`][ghlsdk.auth.TokenStore] on PostgreSQL, safe across processes and
    machines, whose refreshes are one at a time per key across all of them
    ([`LockingTokenStore`][ghlsdk.auth.LockingTokenStore]).

    ``url`` is a libpq URL (``postgresql://user@host/db``); the password comes from
    ``password``, else libpq's ``PGPASSWORD`` / ``~/.pgpass``. ``table`` (created when
    missing) holds ``key``, the tokens as JSON, and when they were saved. Tokens are stored as
    they are: restrict the table to the role the bridge uses.
    """

    def __init__(
        self,
        url: str,
        *,
        table: str = "ghl_oauth_tokens",
        password: str | None = None,
        connect_timeout: float = 10.0,
    ) -> None:
        if not _TABLE.match(table):
            raise ValueError(f"table must be a plain lower-case SQL name, got {table!r}")
        try:
            import psycopg
        except ImportError as exc:
            raise ImportError(
                "PostgresTokenStore needs psycopg: install the 'postgres' extra"
            ) from exc
        self._pg: Any = psycopg
        self.table = table
        self._url = url
        from psycopg.conninfo import conninfo_to_dict

        try:
            in_url = conninfo_to_dict(url).get("password")
        except psycopg.Error:
            in_url = None
        self._secrets = [str(s) for s in (password, in_url) if s]
        self._kwargs: dict[str, Any] = {"connect_timeout": max(1, round(connect_timeout))}
        if password is not None:
            self._kwargs["password"] = password
        self._lock = threading.RLock()
        self._held: dict[str, Any] = {}  # key -> a connection holding its row lock
        self._conn = self._connect(autocommit=True)
        self._conn.execute(
            f"CREATE TABLE IF NOT EXISTS {table} (key TEXT PRIMARY KEY, tokens TEXT,"
            " updated_at TIMESTAMPTZ NOT NULL DEFAULT clock_timestamp())"
        )

    def __repr__(self) -> str:
        return f"PostgresTokenStore(table={self.table!r})"

    def _connect(self, *, autocommit: bool) -> Any:
        try:
            return self._pg.connect(self._url, autocommit=autocommit, **self._kwargs)
        except self._pg.Error as exc:
            reason = redact(str(exc).strip()).replace("\n", " ")
            for secret in self._secrets:
                reason = reason.replace(secret, "***")
            raise ConnectionError(
                f"cannot connect to the token store's database: {reason}"
            ) from None

    def _conn_for(self, key: str) -> Any:
        return self._held.get(key) or self._conn

    # -- the TokenStore protocol --------------------------------------------------------------

    def get(self, key: str) -> TokenSet | None:
        key = _check(key)
        with self._lock:
            row = (
                self._conn_for(key)
                .execute(f"SELECT tokens FROM {self.table} WHERE key=%s", (key,))  # noqa: S608
                .fetchone()
            )
        if row is None or row[0] is None:
            return None
        return TokenSet.from_dict(json.loads(row[0]))

    def save(self, key: str, tokens: TokenSet) -> None:
        """Save ``tokens``; committed when this returns (inside a refresh lock too)."""
        key = _check(key)
        if not isinstance(tokens, TokenSet):
            raise TypeError(f"expected a TokenSet, got {type(tokens).__name__}")
        text = json.dumps(tokens.to_dict(), sort_keys=True)
        with self._lock:
            conn = self._conn_for(key)
            conn.execute(
                f"INSERT INTO {self.table} (key, tokens) VALUES (%s, %s)"  # noqa: S608
                " ON CONFLICT (key) DO UPDATE SET tokens=excluded.tokens,"
                " updated_at=clock_timestamp()",
                (key, text),
            )
            if conn is not self._conn:
                conn.commit()  # durable before use; the row lock ends with it

    def delete(self, key: str) -> None:
        key = _check(key)
        with self._lock:
            conn = self._conn_for(key)
            conn.execute(f"DELETE FROM {self.table} WHERE key=%s", (key,))  # noqa: S608
            if conn is not self._conn:
                conn.commit()

    def keys(self) -> list[str]:
        """The keys with tokens stored."""
        with self._lock:
            rows = self._conn.execute(
                f"SELECT key FROM {self.table} WHERE tokens IS NOT NULL ORDER BY key"  # noqa: S608
            ).fetchall()
        return [r[0] for r in rows]

    # -- across processes ---------------------------------------------------------------------

    @contextlib.contextmanager
    def refresh_lock(self, key: str) -> Iterator[None]:
        """Hold ``key``'s row lock (other processes' refreshes of it wait) while the body
        reads, refreshes and saves."""
        key = _check(key)
        conn = self._connect(autocommit=False)
        try:
            conn.execute(
                f"INSERT INTO {self.table} (key) VALUES (%s) ON CONFLICT (key) DO NOTHING",  # noqa: S608
                (key,),
            )
            conn.execute(f"SELECT key FROM {self.table} WHERE key=%s FOR UPDATE", (key,))  # noqa: S608
            with self._lock:
                self._held[key] = conn
            try:
                yield
            finally:
                with self._lock:
                    self._held.pop(key, None)
            conn.commit()
        finally:
            conn.close()  # a transaction still open (the body failed) is rolled back

    def close(self) -> None:
        with self._lock:
            self._conn.close()


def _check(key: object) -> str:
    if not isinstance(key, str) or not key:
        raise ValueError(f"token store key must be a non-empty string, got {key!r}")
    return key
