"""Opening the state store a setting names: a PostgreSQL URL or a SQLite file."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from bridge.state.postgres import STATE_PASSWORD_ENV, PostgresStateStore, is_postgres_url
from bridge.state.protocol import StateStore
from bridge.state.sqlite import SQLiteStateStore

__all__ = ["open_store"]

#: The SQLite file used when nothing is named.
DEFAULT_STATE_FILE = "ghl-ninox-state.sqlite3"


def open_store(
    url_or_path: str | Path | None = None,
    *,
    password: str | None = None,
    environ: Mapping[str, str] | None = None,
) -> StateStore:
    """Open the state store ``url_or_path`` names, choosing the backend by its form.

    ``postgresql://…`` or ``postgres://…``: a
    [`PostgresStateStore`][bridge.state.PostgresStateStore]; its password is ``password``,
    else ``GHL_NINOX_STATE_PASSWORD`` from ``environ`` (default ``os.environ``), else libpq's
    own ``PGPASSWORD``/``~/.pgpass``. A path, ``":memory:"`` or nothing
    (``ghl-ninox-state.sqlite3`` in the current directory): a
    [`SQLiteStateStore`][bridge.state.sqlite.SQLiteStateStore]. Raises
    [`StateStoreError`][bridge.state.StateStoreError] when the store cannot be opened.
    """
    if is_postgres_url(url_or_path):
        env = os.environ if environ is None else environ
        secret = password or env.get(STATE_PASSWORD_ENV, "").strip() or None
        return PostgresStateStore(str(url_or_path).strip(), password=secret)
    return SQLiteStateStore(DEFAULT_STATE_FILE if url_or_path is None else url_or_path)
