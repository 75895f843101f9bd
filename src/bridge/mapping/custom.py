"""Hand-written mappers: the [`Mapper`][bridge.mapping.Mapper] protocol,
[`BaseMapper`][bridge.mapping.BaseMapper] and
[`mapper_from_functions`][bridge.mapping.mapper_from_functions].

A hand-written mapper works everywhere a declarative [`EntityMapping`][bridge.mapping.EntityMapping]
does: in upserts directly, and in the sync engine through
[`as_sync_mapper`][bridge.mapping.as_sync_mapper], which needs the mapper's
[`layout`][bridge.mapping.Mapper.layout].
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Protocol, runtime_checkable

from bridge.canonical import is_blank
from bridge.mapping.errors import FieldProblem, MissingKeyError
from bridge.mapping.fields import MISSING, RefResolver, _same_ninox_value

__all__ = ["BaseMapper", "Mapper", "mapper_from_functions"]


@runtime_checkable
class Mapper(Protocol):
    """What the upsert layer needs from a mapping for one entity.

    [`EntityMapping`][bridge.mapping.EntityMapping] implements it declaratively;
    [`BaseMapper`][bridge.mapping.BaseMapper] and
    [`mapper_from_functions`][bridge.mapping.mapper_from_functions] help write one by hand. The sync
    engine works with any mapper through [`as_sync_mapper`][bridge.mapping.as_sync_mapper].
    """

    @property
    def entity(self) -> str:
        """Entity name: ``"contact"``, ``"task"``, ``"note"``, ``"appointment"`` ..."""

    @property
    def ninox_table(self) -> str:
        """The Ninox table written to."""

    @property
    def ninox_key(self) -> str:
        """The Ninox field that stores the GHL id."""

    def ghl_id(self, ghl: Mapping[str, Any]) -> str:
        """The GHL id of a GHL object; [`MissingKeyError`][bridge.mapping.MissingKeyError] when it
        has none."""

    def to_ninox(
        self, ghl: Mapping[str, Any], *, refs: RefResolver | None = None
    ) -> dict[str, Any]:
        """Ninox fields for a GHL object (key field included)."""

    def to_ghl(
        self, ninox: Mapping[str, Any], *, current: Mapping[str, Any] | None = None
    ) -> dict[str, Any]:
        """GHL request body for Ninox fields."""

    def ninox_patch(
        self,
        ghl: Mapping[str, Any],
        current: Mapping[str, Any] | None,
        *,
        refs: RefResolver | None = None,
    ) -> dict[str, Any]:
        """Only the Ninox fields that differ from ``current`` (all of them when ``None``)."""

    def layout(self) -> dict[str, dict[str, dict[str, Any]]]:
        """The Ninox table(s) this mapper writes: ``{table: {field: {"type": ...}}}``."""


class BaseMapper:
    """Base for hand-written mappers: implement [`to_ninox`][bridge.mapping.BaseMapper.to_ninox]
    (and [`to_ghl`][bridge.mapping.BaseMapper.to_ghl] if you push to GHL);
    [`ninox_patch`][bridge.mapping.BaseMapper.ninox_patch] then compares the output with the current
    Ninox fields value by value (blank ≡ ``None``, text trimmed, ``1 == 1.0``).

    Override [`layout`][bridge.mapping.BaseMapper.layout] with the Ninox fields
    [`to_ninox`][bridge.mapping.BaseMapper.to_ninox] writes: ``validate`` checks them, and the sync
    engine compares and writes exactly those (see
    [`as_sync_mapper`][bridge.mapping.as_sync_mapper]). Bump ``version`` when you change what
    [`to_ninox`][bridge.mapping.BaseMapper.to_ninox] produces, so stored digests are recomputed.
    """

    entity: str = ""
    ninox_table: str = ""
    ninox_key: str = "GHL Id"
    ghl_key: str = "id"
    version: str = "1"

    @property
    def maps_to_ghl(self) -> bool:
        """True when this mapper writes GHL (its class overrides
        [`to_ghl`][bridge.mapping.BaseMapper.to_ghl])."""
        return type(self).to_ghl is not BaseMapper.to_ghl

    def ghl_id(self, ghl: Mapping[str, Any]) -> str:
        """``ghl[self.ghl_key]`` as text; [`MissingKeyError`][bridge.mapping.MissingKeyError] when
        blank."""
        value = ghl.get(self.ghl_key)
        if is_blank(value) or not isinstance(value, (str, int)):
            raise MissingKeyError(
                self.entity,
                None,
                "ghl",
                [FieldProblem(field="key", target=self.ghl_key, reason="missing id")],
            )
        return str(value).strip()

    def to_ninox(
        self, ghl: Mapping[str, Any], *, refs: RefResolver | None = None
    ) -> dict[str, Any]:
        """Override: the Ninox fields for ``ghl``."""
        raise NotImplementedError(f"{type(self).__name__} does not map GHL → Ninox")

    def to_ghl(
        self, ninox: Mapping[str, Any], *, current: Mapping[str, Any] | None = None
    ) -> dict[str, Any]:
        """Override: the GHL body for Ninox ``fields``."""
        raise NotImplementedError(f"{type(self).__name__} does not map Ninox → GHL")

    def ninox_patch(
        self,
        ghl: Mapping[str, Any],
        current: Mapping[str, Any] | None,
        *,
        refs: RefResolver | None = None,
    ) -> dict[str, Any]:
        """Fields of [`to_ninox`][bridge.mapping.BaseMapper.to_ninox] whose value differs from
        ``current``."""
        wanted = self.to_ninox(ghl, refs=refs)
        if current is None:
            return wanted
        return {
            k: v for k, v in wanted.items() if not _same_ninox_value(v, current.get(k, MISSING))
        }

    def layout(self) -> dict[str, dict[str, dict[str, Any]]]:
        """No declared layout by default (``validate`` then has nothing to check)."""
        return {}


class _FunctionMapper(BaseMapper):
    def __init__(
        self,
        *,
        entity: str,
        ninox_table: str,
        to_ninox: Callable[[Mapping[str, Any]], Mapping[str, Any]],
        to_ghl: Callable[[Mapping[str, Any]], Mapping[str, Any]] | None,
        ninox_key: str,
        ghl_key: str,
        layout: Mapping[str, Mapping[str, Any]] | None,
        version: str,
    ) -> None:
        self.entity = entity
        self.version = version
        self.ninox_table = ninox_table
        self.ninox_key = ninox_key
        self.ghl_key = ghl_key
        self._to_ninox = to_ninox
        self._to_ghl = to_ghl
        self._layout = {k: dict(v) for k, v in (layout or {}).items()}

    def to_ninox(
        self, ghl: Mapping[str, Any], *, refs: RefResolver | None = None
    ) -> dict[str, Any]:
        key = self.ghl_id(ghl)
        fields = dict(self._to_ninox(ghl))
        fields[self.ninox_key] = key
        return fields

    @property
    def maps_to_ghl(self) -> bool:
        return self._to_ghl is not None

    def to_ghl(
        self, ninox: Mapping[str, Any], *, current: Mapping[str, Any] | None = None
    ) -> dict[str, Any]:
        if self._to_ghl is None:
            return super().to_ghl(ninox, current=current)
        return dict(self._to_ghl(ninox))

    def layout(self) -> dict[str, dict[str, dict[str, Any]]]:
        if not self._layout:
            return {}
        fields = {self.ninox_key: {"type": "string"}, **self._layout}
        return {self.ninox_table: fields}


def mapper_from_functions(
    *,
    entity: str,
    ninox_table: str,
    to_ninox: Callable[[Mapping[str, Any]], Mapping[str, Any]],
    to_ghl: Callable[[Mapping[str, Any]], Mapping[str, Any]] | None = None,
    ninox_key: str = "GHL Id",
    ghl_key: str = "id",
    layout: Mapping[str, Mapping[str, Any]] | None = None,
    version: str = "1",
) -> Mapper:
    """A [`Mapper`][bridge.mapping.Mapper] from plain functions ``ghl_dict -> ninox_fields`` (and
    back).

    The key (``ghl[ghl_key]`` → ``ninox_key``) is added for you and checked (a GHL object
    without it raises [`MissingKeyError`][bridge.mapping.MissingKeyError]). ``layout``
    (``{field: {"type": ...}}``) declares the Ninox fields the function writes, so
    ``validate`` can check them and the sync engine can compare and write them (a mapper
    without a layout works in upserts only). Without ``to_ghl`` the mapper is one-way
    (GHL → Ninox). Bump ``version`` when a function's output changes.
    """
    return _FunctionMapper(
        entity=entity,
        ninox_table=ninox_table,
        to_ninox=to_ninox,
        to_ghl=to_ghl,
        ninox_key=ninox_key,
        ghl_key=ghl_key,
        layout=layout,
        version=version,
    )
