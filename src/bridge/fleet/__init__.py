"""A fleet of GHL locations on one PostgreSQL state, synced by several worker processes.

Each (GHL location, Ninox database) pair is a *partition* with its own sync state (a schema of
its own: `bridge.fleet.partitions`), cursors, pause state and lease. ``ghl-ninox worker``
processes ([`FleetWorker`][bridge.fleet.FleetWorker]) claim due partitions, drain their
webhooks from the shared inbox ([`FleetInbox`][bridge.fleet.FleetInbox]) and sync them; any
number of ``ghl-ninox serve`` processes accept webhooks for any location. Every process spends
a location's GHL budget through one
[`PostgresRateLimiter`][bridge.fleet.PostgresRateLimiter], so the budget holds across them.
See docs/bridge/deploy.md.
"""

from bridge.fleet._db import FLEET_SCHEMA_VERSION, FleetDB
from bridge.fleet.clients import FleetClients, GHLCredentials
from bridge.fleet.inbox import FleetInbox, InboxRow, ReceiverInbox
from bridge.fleet.limiter import PostgresRateLimiter
from bridge.fleet.partitions import (
    PartitionSpec,
    open_partition_store,
    partition_schema,
    schema_url,
)
from bridge.fleet.worker import ClientSource, FleetWorker, PartitionPass
from bridge.state.postgres_fleet import Partition, PartitionLeases

__all__ = [
    "FLEET_SCHEMA_VERSION",
    "ClientSource",
    "FleetClients",
    "FleetDB",
    "FleetInbox",
    "FleetWorker",
    "GHLCredentials",
    "InboxRow",
    "Partition",
    "PartitionLeases",
    "PartitionPass",
    "PartitionSpec",
    "PostgresRateLimiter",
    "ReceiverInbox",
    "open_partition_store",
    "partition_schema",
    "schema_url",
]
