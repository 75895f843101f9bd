"""A pass's view of a mapper: each record's canonical values and digest computed once.

A record is read once per pass but looked at by several stages (the children selection,
pairing, decide, apply); its canonical values are the same each time, and computing them is
most of the engine's CPU. [`PassMapper`][bridge.sync.memo.PassMapper] remembers them by the
identity of the object they were computed from, for one pass: the engine never changes a
record it has read (a write produces a new object), so the same object means the same values.
Callers must not change what it returns.

Its digests are the mapper's cut to `DIGEST_CHARS` characters: 128 bits of SHA-256 notice any
change as surely, and each link stores two of them (version 4 of the state's schema cut the
stored ones the same way).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from typing import Any, Final, TypeVar

from bridge.mapping import RefResolver, SyncMapper

__all__ = ["DIGEST_CHARS", "PassMapper"]

V = TypeVar("V")
#: The characters of a digest a link stores (the state's migration 4 cuts old ones alike).
DIGEST_CHARS: Final = 32


class _ByIdentity:
    """Values remembered by the identity of the object they were computed from (the object
    is kept too, so its id cannot be reused while it is remembered)."""

    def __init__(self) -> None:
        self._seen: dict[int, tuple[object, Any]] = {}

    def get(self, source: object, compute: Callable[[], V]) -> V:
        hit = self._seen.get(id(source))
        if hit is not None and hit[0] is source:
            return hit[1]  # type: ignore[no-any-return]
        value = compute()
        self._seen[id(source)] = (source, value)
        return value


class PassMapper:
    """``inner`` with its canonical values and digests computed once per object."""

    def __init__(self, inner: SyncMapper) -> None:
        self.inner = inner
        self._ghl = _ByIdentity()
        self._ninox = _ByIdentity()
        self._digests = _ByIdentity()

    @property
    def entity(self) -> str:
        return self.inner.entity

    @property
    def ninox_table(self) -> str:
        return self.inner.ninox_table

    @property
    def ninox_key(self) -> str:
        return self.inner.ninox_key

    @property
    def parent_field(self) -> str | None:
        return self.inner.parent_field

    def ghl_id(self, ghl: Mapping[str, Any]) -> str:
        return self.inner.ghl_id(ghl)

    def ninox_ghl_id(self, fields: Mapping[str, Any]) -> str | None:
        return self.inner.ninox_ghl_id(fields)

    def ghl_canonical(self, ghl: Mapping[str, Any]) -> dict[str, Any]:
        return self._ghl.get(ghl, lambda: self.inner.ghl_canonical(ghl))

    def ninox_canonical(self, fields: Mapping[str, Any]) -> dict[str, Any]:
        return self._ninox.get(fields, lambda: self.inner.ninox_canonical(fields))

    def directions(self) -> Mapping[str, str]:
        return self.inner.directions()

    def digest(self, canonical: Mapping[str, Any]) -> str:
        """The first `DIGEST_CHARS` of the mapper's digest: what a link stores."""
        return self._digests.get(canonical, lambda: self.inner.digest(canonical)[:DIGEST_CHARS])

    def ninox_write(
        self,
        ghl: Mapping[str, Any],
        names: Collection[str] | None,
        *,
        refs: RefResolver | None,
    ) -> dict[str, Any]:
        return self.inner.ninox_write(ghl, names, refs=refs)

    def ghl_write(
        self,
        ninox: Mapping[str, Any],
        names: Collection[str] | None,
        *,
        current: Mapping[str, Any] | None,
    ) -> dict[str, Any]:
        return self.inner.ghl_write(ninox, names, current=current)

    def ninox_values(self, canonical: Mapping[str, Any]) -> dict[str, Any]:
        return self.inner.ninox_values(canonical)
