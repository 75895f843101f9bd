"""Bridge between HighLevel (GHL) and Ninox: field mapping, conflict policies, sync state.

Built so far: declarative field mapping with canonical forms (:mod:`bridge.mapping`,
:mod:`bridge.mappers`), upsert helpers in both directions (:mod:`bridge.upsert`), conflict
policies and the three-way reconcile of one pair (:mod:`bridge.conflicts`), the durable sync
state (:mod:`bridge.state`) and a wired pair of fakes (:mod:`bridge.testing`). The two-way
sync engine, triggers and the demo are not built yet.
"""

from bridge.mappers import default_layout, default_mappings
from bridge.mapping import (
    EntityMapping,
    FieldMap,
    ItemError,
    MappingSet,
    SchemaMismatchError,
    validate,
)
from bridge.upsert import AsyncUpserter, ItemFailure, ReadOnlyTokenError, Upserter, UpsertReport

__all__ = [
    "AsyncUpserter",
    "EntityMapping",
    "FieldMap",
    "ItemError",
    "ItemFailure",
    "MappingSet",
    "ReadOnlyTokenError",
    "SchemaMismatchError",
    "UpsertReport",
    "Upserter",
    "default_layout",
    "default_mappings",
    "validate",
]
