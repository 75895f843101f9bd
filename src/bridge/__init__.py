"""Bridge between HighLevel (GHL) and Ninox: field mapping, conflict policies, sync state.

- [`bridge.mapping`][bridge.mapping]: declarative field mapping, hand-written mappers, canonical
  forms, the default mappings (`bridge.mapping.defaults`, also importable as `bridge.mappers`);
- [`bridge.upsert`][bridge.upsert]: upsert helpers in both directions (no state);
- [`bridge.sync`][bridge.sync]: two-way sync with conflict policies (`bridge.conflicts`), durable
  state ([`bridge.state`][bridge.state]) and webhook triggers (`bridge.asgi` serves them);
- [`bridge.cli`][bridge.cli]: ``ghl-ninox sync | plan | doctor | serve | demo``;
- `bridge.testing`: FakeGHL + FakeNinox wired for tests and the demo.
"""

from bridge.mapping import (
    BaseMapper,
    EntityMapping,
    FieldMap,
    ItemError,
    Mapper,
    MappingSet,
    SchemaMismatchError,
    SyncMapper,
    as_sync_mapper,
    mapper_from_functions,
    validate,
)
from bridge.mapping.defaults import default_layout, default_mappings
from bridge.upsert import AsyncUpserter, ItemFailure, ReadOnlyTokenError, Upserter, UpsertReport

__all__ = [
    "AsyncUpserter",
    "BaseMapper",
    "EntityMapping",
    "FieldMap",
    "ItemError",
    "ItemFailure",
    "Mapper",
    "MappingSet",
    "ReadOnlyTokenError",
    "SchemaMismatchError",
    "SyncMapper",
    "UpsertReport",
    "Upserter",
    "as_sync_mapper",
    "default_layout",
    "default_mappings",
    "mapper_from_functions",
    "validate",
]


def _installed_version() -> str:
    """The version of the installed ``ghl-ninox`` distribution (pyproject.toml is its one
    source); ``"0+unknown"`` when the sources are imported without being installed."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("ghl-ninox")
    except PackageNotFoundError:
        return "0+unknown"


__version__: str = _installed_version()
