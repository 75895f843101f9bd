"""Checking mappings against a Ninox schema: [`validate`][bridge.mapping.validate].

It sits above `bridge.mapping.defaults` because it checks the default mappings when
given none; everything it uses comes from lower modules, so nothing imports lazily.
"""

from __future__ import annotations

from typing import Any

from bridge.mapping.custom import Mapper
from bridge.mapping.defaults import default_mappings
from bridge.mapping.set import MappingSet

__all__ = ["validate"]


def validate(schema: Any, mappings: MappingSet | Mapper | None = None) -> None:
    """Check ``mappings`` (default: `bridge.mapping.defaults.default_mappings`) against a
    Ninox schema and raise [`SchemaMismatchError`][bridge.mapping.SchemaMismatchError] listing
    **every** problem: missing tables, missing fields, type mismatches (compatible types pass: an
    email may go into an ``email`` or ``string`` field), computed fields mapped for writing,
    references to another table.

    ``schema`` is a mapping ``{table: {field: ninox type}}`` or an object with ``.tables``
    (see [`normalize_schema`][bridge.mapping.normalize_schema]).
    """
    if mappings is None:
        mappings = default_mappings()
    target = mappings if isinstance(mappings, MappingSet) else MappingSet((mappings,))
    target.validate(schema)
