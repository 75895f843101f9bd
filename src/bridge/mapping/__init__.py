"""Declarative field mapping between GHL wire objects and Ninox record fields.

A mapping works on plain dicts, so it does not depend on either SDK's model classes:

- the GHL side is the camelCase JSON object of a contact / task / note / appointment as the
  API returns it (``{"id": ..., "firstName": ..., "customFields": [{"id", "value"}]}``);
- the Ninox side is a record's ``fields`` dict keyed by field *name*
  (``{"GHL Id": ..., "First Name": ...}``).

The package is split by job; every public name is importable from ``bridge.mapping``:

- `errors`: [`ItemError`][bridge.mapping.ItemError] and friends (bad input, per item),
  [`SchemaMismatchError`][bridge.mapping.SchemaMismatchError];
- `kinds`: [`Kind`][bridge.mapping.Kind] and the canonical kinds (`TEXT`,
  `EMAIL`, `PHONE`, `DATETIME` ...);
- `fields`: GHL accessors, [`Direction`][bridge.mapping.Direction],
  [`FieldMap`][bridge.mapping.FieldMap], [`KeyMap`][bridge.mapping.KeyMap],
  [`RefMap`][bridge.mapping.RefMap];
- `entity`: [`EntityMapping`][bridge.mapping.EntityMapping], the declarative mapping of an entity;
- `custom`: hand-written mappers ([`Mapper`][bridge.mapping.Mapper],
  [`BaseMapper`][bridge.mapping.BaseMapper],
  [`mapper_from_functions`][bridge.mapping.mapper_from_functions]);
- `sync_view`: [`SyncMapper`][bridge.mapping.SyncMapper], the sync engine's view of any mapper,
  and [`as_sync_mapper`][bridge.mapping.as_sync_mapper];
- `schema` and `validation`: checking mappings
  against a Ninox schema ([`validate`][bridge.mapping.validate]);
- `set`: [`MappingSet`][bridge.mapping.MappingSet], one mapper per entity;
- `defaults`: the default mappings and layout (also importable as
  `bridge.mappers`).
"""

from bridge.mapping.custom import BaseMapper, Mapper, mapper_from_functions
from bridge.mapping.digests import digest, field_digests
from bridge.mapping.entity import EntityMapping
from bridge.mapping.errors import (
    FieldProblem,
    ItemError,
    MappingError,
    MappingWarning,
    MissingKeyError,
    SchemaMismatchError,
    SchemaProblem,
    UnresolvedReferenceError,
)
from bridge.mapping.fields import (
    MISSING,
    Converted,
    CustomField,
    Direction,
    FieldMap,
    FullName,
    GhlAccessor,
    GhlPath,
    KeyMap,
    RefMap,
    RefResolver,
    ReverseResolver,
    Transform,
    split_full_name,
)
from bridge.mapping.kinds import (
    BOOL,
    DATE,
    DATETIME,
    EMAIL,
    ID,
    JSON,
    NAME,
    NUMBER,
    PHONE,
    TEXT,
    ChoiceKind,
    DateTimeKind,
    Kind,
    PhoneKind,
)
from bridge.mapping.schema import compatible_types, normalize_schema
from bridge.mapping.set import MappingSet
from bridge.mapping.sync_view import SyncMapper, as_sync_mapper
from bridge.mapping.validation import validate

__all__ = [
    "BOOL",
    "DATE",
    "DATETIME",
    "EMAIL",
    "ID",
    "JSON",
    "MISSING",
    "NAME",
    "NUMBER",
    "PHONE",
    "TEXT",
    "BaseMapper",
    "ChoiceKind",
    "Converted",
    "CustomField",
    "DateTimeKind",
    "Direction",
    "EntityMapping",
    "FieldMap",
    "FieldProblem",
    "FullName",
    "GhlAccessor",
    "GhlPath",
    "ItemError",
    "KeyMap",
    "Kind",
    "Mapper",
    "MappingError",
    "MappingSet",
    "MappingWarning",
    "MissingKeyError",
    "PhoneKind",
    "RefMap",
    "RefResolver",
    "ReverseResolver",
    "SchemaMismatchError",
    "SchemaProblem",
    "SyncMapper",
    "Transform",
    "UnresolvedReferenceError",
    "as_sync_mapper",
    "compatible_types",
    "digest",
    "field_digests",
    "mapper_from_functions",
    "normalize_schema",
    "split_full_name",
    "validate",
]
