"""The custom field definitions a client has loaded, per location: the cache the client's
context holds (`ghlsdk.resources._base.Context`) and the registry
(`ghlsdk.resources.custom_fields`) fills. A module of its own so that the context does not
import the registry that imports it."""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping

import attrs

from ghlsdk.models.custom_fields import CustomFieldDefinition

__all__ = ["FieldCache", "FieldMap"]


@attrs.frozen
class FieldMap:
    """One location's fields by key and by id (immutable; replaced on reload)."""

    by_key: Mapping[str, CustomFieldDefinition]
    by_id: Mapping[str, CustomFieldDefinition]

    @classmethod
    def of(cls, fields: Iterable[CustomFieldDefinition]) -> FieldMap:
        items = list(fields)
        return cls(
            by_key={f.field_key: f for f in items if f.field_key and f.id},
            by_id={f.id: f for f in items if f.id},
        )

    def find(self, ref: str) -> CustomFieldDefinition | None:
        """By id, by key, or by a key without its ``contact.`` prefix."""
        found = self.by_id.get(ref) or self.by_key.get(ref)
        if found is None and "." not in ref:
            found = self.by_key.get("contact." + ref)
        return found


class FieldCache:
    """The field maps a client has loaded, per location (shared by ``with_options`` copies;
    thread-safe)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._maps: dict[str, FieldMap] = {}

    def get(self, location_id: str) -> FieldMap | None:
        with self._lock:
            return self._maps.get(location_id)

    def put(self, location_id: str, fields: Iterable[CustomFieldDefinition]) -> FieldMap:
        fmap = FieldMap.of(fields)
        with self._lock:
            self._maps[location_id] = fmap
        return fmap

    def drop(self, location_id: str) -> None:
        with self._lock:
            self._maps.pop(location_id, None)
