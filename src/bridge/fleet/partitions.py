"""Partitions of a fleet: one (GHL location, Ninox database) pair each, with a sync state of its
own in a PostgreSQL schema of its own.

Why a schema per partition rather than a partition column on every table: the state store's
queries, unique indexes (a Ninox record id is unique only within its database) and migrations
stay exactly those of a single location, so nothing the engine reads can leak between
partitions; a partition can be dumped, moved or dropped as one schema; and the one-location
setup is the same code with the default schema. The cost is one set of tables per partition,
which PostgreSQL handles well into the thousands.

The fleet's shared tables (``partitions``, the budgets, the webhook inbox) stay in the schema
the state URL names.
"""

from __future__ import annotations

import hashlib
import re
from urllib.parse import parse_qsl, quote, urlencode, urlsplit, urlunsplit

import attrs

from bridge.fleet._db import FleetDB
from bridge.state import PostgresStateStore

__all__ = ["PartitionSpec", "open_partition_store", "partition_schema", "schema_url"]


@attrs.frozen(kw_only=True)
class PartitionSpec:
    """A partition as configured: a GHL location and the Ninox database it syncs with."""

    location_id: str
    team_id: str
    database_id: str
    key: str = attrs.field(default="")

    def __attrs_post_init__(self) -> None:
        for name in ("location_id", "team_id", "database_id"):
            if not getattr(self, name):
                raise ValueError(f"a fleet partition needs a {name}")
        if not self.key:
            object.__setattr__(self, "key", f"{self.location_id}/{self.team_id}/{self.database_id}")


def partition_schema(key: str) -> str:
    """The PostgreSQL schema of partition ``key``: readable, unique, a valid identifier."""
    readable = re.sub(r"[^a-z0-9]+", "_", key.lower()).strip("_")[:40]
    digest = hashlib.sha256(key.encode("utf-8")).hexdigest()[:10]
    return f"p_{readable}_{digest}"


def schema_url(url: str, schema: str) -> str:
    """``url`` with ``schema`` first on the search path (libpq ``options``; any options the
    URL had are kept, the later ``-c`` wins)."""
    parts = urlsplit(url.strip())
    query = parse_qsl(parts.query, keep_blank_values=True)
    options = " ".join(v for k, v in query if k == "options")
    options = f"{options} -csearch_path={schema}".strip()
    rest = [(k, v) for k, v in query if k != "options"]
    return urlunsplit(
        parts._replace(query=urlencode([*rest, ("options", options)], quote_via=quote))
    )


def open_partition_store(
    db: FleetDB, url: str, key: str, *, password: str | None = None
) -> PostgresStateStore:
    """The sync state of partition ``key`` (its schema is created on first use and migrated
    like any state)."""
    schema = partition_schema(key)
    db._execute(f'CREATE SCHEMA IF NOT EXISTS "{schema}"')
    return PostgresStateStore(schema_url(url, schema), password=password)
