"""Bridge between HighLevel (GHL) and Ninox: field mapping, conflict policies, sync state.

Built so far: declarative field mapping with canonical forms (:mod:`bridge.mapping`,
:mod:`bridge.mappers`), conflict policies and the three-way reconcile of one pair
(:mod:`bridge.conflicts`), and the durable sync state (:mod:`bridge.state`). The upsert
helpers, the sync engine, triggers and the demo are not built yet.
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

__all__ = [
    "EntityMapping",
    "FieldMap",
    "ItemError",
    "MappingSet",
    "SchemaMismatchError",
    "default_layout",
    "default_mappings",
    "validate",
]
