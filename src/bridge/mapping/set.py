"""A set of mappers, one per synced entity: [`MappingSet`][bridge.mapping.MappingSet]."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

import attrs

from bridge.mapping.custom import Mapper
from bridge.mapping.entity import EntityMapping, ninox_inputs
from bridge.mapping.errors import SchemaMismatchError, SchemaProblem
from bridge.mapping.schema import check_layouts, normalize_schema
from bridge.mapping.sync_view import SyncMapper, as_sync_mapper

__all__ = ["MappingSet"]


def _mapper_tuple(value: Iterable[Any]) -> tuple[Mapper, ...]:
    items = tuple(value)
    for m in items:
        if not isinstance(m, Mapper):
            raise TypeError(f"{m!r} does not implement the Mapper protocol")
    entities = [m.entity for m in items]
    dupes = sorted({e for e in entities if entities.count(e) > 1})
    if dupes:
        raise ValueError(f"more than one mapper for {dupes}")
    return items


@attrs.frozen
class MappingSet:
    """The mappers of every synced entity, parents first (contacts before their children)."""

    mappers: tuple[Mapper, ...] = attrs.field(converter=_mapper_tuple)

    def __iter__(self) -> Iterator[Mapper]:
        return iter(self.mappers)

    def __len__(self) -> int:
        return len(self.mappers)

    def __getitem__(self, entity: str) -> Mapper:
        for m in self.mappers:
            if m.entity == entity:
                return m
        raise KeyError(f"no mapper for {entity!r}; have {[m.entity for m in self.mappers]}")

    @property
    def entities(self) -> tuple[str, ...]:
        """The entity names, in order."""
        return tuple(m.entity for m in self.mappers)

    def entity(self, name: str) -> EntityMapping:
        """The declarative [`EntityMapping`][bridge.mapping.EntityMapping] of ``name``, for its
        extras (``with_fields``, ``replace_field``, ``compare`` ...).

        A hand-written mapper is not an ``EntityMapping``: this raises ``TypeError`` for one.
        Use ``mappings[name]`` to get any mapper (the [`Mapper`][bridge.mapping.Mapper]
        protocol), or [`sync_mapper`][bridge.mapping.MappingSet.sync_mapper] for the sync engine's
        view of it.
        """
        mapper = self[name]
        if not isinstance(mapper, EntityMapping):
            raise TypeError(
                f"the {name!r} mapper is a {type(mapper).__name__}, not an EntityMapping "
                f"(a hand-written mapper): use mappings[{name!r}] to get it as a Mapper, "
                f"or mappings.sync_mapper({name!r}) for its sync view"
            )
        return mapper

    def sync_mapper(self, name: str) -> SyncMapper:
        """The sync engine's view of the mapper of ``name`` (see
        [`as_sync_mapper`][bridge.mapping.as_sync_mapper])."""
        return as_sync_mapper(self[name])

    def replace(self, mapper: Mapper) -> MappingSet:
        """A copy where the mapper of ``mapper.entity`` is replaced (or added at the end)."""
        if mapper.entity not in self.entities:
            return MappingSet((*self.mappers, mapper))
        return MappingSet(tuple(mapper if m.entity == mapper.entity else m for m in self.mappers))

    def layout(self) -> dict[str, dict[str, dict[str, Any]]]:
        """All Ninox tables these mappers need, in order (see
        [`layout`][bridge.mapping.EntityMapping.layout])."""
        out: dict[str, dict[str, dict[str, Any]]] = {}
        for m in self.mappers:
            for table, fields in m.layout().items():
                out.setdefault(table, {}).update(fields)
        return out

    def check(self, schema: Any) -> list[SchemaProblem]:
        """Every mismatch between these mappers and ``schema`` (see
        [`validate`][bridge.mapping.validate])."""
        return check_layouts(self.mappers, normalize_schema(schema), read_only=ninox_inputs)

    def validate(self, schema: Any) -> None:
        """Raise [`SchemaMismatchError`][bridge.mapping.SchemaMismatchError] listing every mismatch
        with ``schema``."""
        problems = self.check(schema)
        if problems:
            raise SchemaMismatchError(problems)
