"""Custom fields of a location (``/locations/{locationId}/customFields``) and the registry that
turns field keys (``"contact.company_size"``) into the ids contacts carry.

The registry is per client and per location: loaded on first use (one ``GET``), kept, and
reloaded once when a key or id it does not know is asked for (a field created since).
``contacts.create/update/upsert(custom_fields={"contact.company_size": 42})`` resolve keys
through it, and an unknown key raises
[`UnknownCustomFieldError`][ghlsdk.resources.custom_fields.UnknownCustomFieldError] before the
write is sent.

(``apps/custom-fields.json`` describes a second API, ``/custom-fields/...``, which serves
custom objects and companies only; contact fields are the location API used here.)
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Generic, TypeVar

import attrs
import httpx
from typing_extensions import Unpack

from _sdkcore._http import Call, RequestOptions
from _sdkcore.errors import SDKError
from _sdkcore.programs import Program
from _sdkcore.serde import UNSET, Unset
from _sdkcore.twins import op, program
from ghlsdk.models.contacts import Contact, CustomFieldInput
from ghlsdk.models.custom_fields import CustomFieldDefinition
from ghlsdk.models.requests import (
    CustomFieldCreate,
    CustomFieldCreateFields,
    CustomFieldUpdate,
    CustomFieldUpdateFields,
)
from ghlsdk.resources._base import (
    AsyncResource,
    Context,
    Operation,
    SyncResource,
    envelope,
    envelope_list,
    success,
)
from ghlsdk.resources._field_cache import FieldCache, FieldMap

__all__ = [
    "AsyncCustomFieldRegistry",
    "AsyncCustomFields",
    "CustomFieldRegistry",
    "CustomFields",
    "FieldCache",
    "UnknownCustomFieldError",
]

READ = "locations/customFields.readonly"
WRITE = "locations/customFields.write"
_BASE = "/locations/{location_id}/customFields"

LIST = Operation("custom_fields.list", "GET", _BASE, READ, "get-custom-fields")
GET = Operation("custom_fields.get", "GET", _BASE + "/{field_id}", READ, "get-custom-field")
CREATE = Operation("custom_fields.create", "POST", _BASE, WRITE, "create-custom-field")
UPDATE = Operation(
    "custom_fields.update", "PUT", _BASE + "/{field_id}", WRITE, "update-custom-field"
)
DELETE = Operation(
    "custom_fields.delete", "DELETE", _BASE + "/{field_id}", WRITE, "delete-custom-field"
)
#: Operations of ``apps/locations.json`` (get/update/delete declare no scope there: a spec
#: gap; the list/create scopes are assumed).
OPERATIONS = (LIST, GET, CREATE, UPDATE, DELETE)

MODELS = ("contact", "opportunity", "all")


class UnknownCustomFieldError(SDKError, ValueError):
    """A custom field key (or id) the location does not have, even after reloading its
    fields. Raised before any write is sent. ``refs`` are the names not found, ``known`` the
    location's field keys."""

    def __init__(self, refs: Sequence[str], location_id: str, known: Iterable[str]) -> None:
        self.refs = list(refs)
        self.location_id = location_id
        self.known = sorted(known)
        sample = ", ".join(self.known[:10]) + (" ..." if len(self.known) > 10 else "")
        super().__init__(
            f"unknown custom field {', '.join(map(repr, self.refs))} in location "
            f"{location_id}: create it first (ghl.custom_fields.create) or check the key; "
            f"known keys: {sample or '(none)'}"
        )


# ---------------------------------------------------------------- the per-client cache


def cache_of(ctx: Context) -> FieldCache:
    """The client's cache (``with_options`` copies share it)."""
    cache = ctx.field_cache
    if not isinstance(cache, FieldCache):  # pragma: no cover - set by Context's factory
        raise TypeError("the client context has no custom field cache")
    return cache


# ---------------------------------------------------------------- pure builders


def _parse_fields(response: httpx.Response) -> list[CustomFieldDefinition]:
    return envelope_list(response, "customFields", CustomFieldDefinition)


def _parse_field(response: httpx.Response) -> CustomFieldDefinition:
    return envelope(response, "customField", CustomFieldDefinition)


def list_fields(
    ctx: Context,
    *,
    model: str | None = None,
    location_id: str | Unset = UNSET,
    options: RequestOptions | None = None,
) -> Call[list[CustomFieldDefinition]]:
    """Every custom field of the location (one request; the API does not page); ``model``
    is ``"contact"``, ``"opportunity"`` or ``"all"``.
    Scope: ``locations/customFields.readonly``."""
    if model is not None and model not in MODELS:
        raise ValueError(f"model must be one of {MODELS} (or None), not {model!r}")
    location = ctx.location(LIST, location_id)
    spec = ctx.spec(
        LIST,
        path_params={"location_id": location},
        params={"model": model},
        location_id=location,
        options=options,
    )
    return Call(spec, _parse_fields)


def get_field(
    ctx: Context,
    field_id: str,
    *,
    location_id: str | Unset = UNSET,
    options: RequestOptions | None = None,
) -> Call[CustomFieldDefinition]:
    """One custom field by id (the API also takes a field key here).
    Scope: ``locations/customFields.readonly``."""
    location = ctx.location(GET, location_id)
    path = {"location_id": location, "field_id": field_id}
    return Call(
        ctx.spec(GET, path_params=path, location_id=location, options=options), _parse_field
    )


def create_field(
    ctx: Context,
    /,
    field: CustomFieldCreate | None = None,
    *,
    location_id: str | Unset = UNSET,
    options: RequestOptions | None = None,
    **fields: Unpack[CustomFieldCreateFields],
) -> Call[CustomFieldDefinition]:
    """Create a custom field from a
    [`CustomFieldCreate`][ghlsdk.models.requests.CustomFieldCreate] or its fields as keyword
    arguments (``name`` and ``data_type`` such as ``TEXT``, ``NUMERICAL``, ``CHECKBOX``;
    ``choices`` the options of a list field). The server derives its key
    (``contact.<name in snake case>``). Scope: ``locations/customFields.write``."""
    body = CustomFieldCreate.of(field, fields).to_body()
    location = ctx.location(CREATE, location_id)
    path = {"location_id": location}
    spec = ctx.spec(CREATE, path_params=path, json=body, location_id=location, options=options)
    cache_of(ctx).drop(location)
    return Call(spec, _parse_field)


def update_field(
    ctx: Context,
    /,
    field_id: str,
    changes: CustomFieldUpdate | None = None,
    *,
    location_id: str | Unset = UNSET,
    options: RequestOptions | None = None,
    **fields: Unpack[CustomFieldUpdateFields],
) -> Call[CustomFieldDefinition]:
    """Change a custom field from a
    [`CustomFieldUpdate`][ghlsdk.models.requests.CustomFieldUpdate] or its fields as keyword
    arguments (the API requires ``name`` on every update; UNSET fields are not sent).
    Scope: ``locations/customFields.write``."""
    body = CustomFieldUpdate.of(changes, fields).to_body()
    location = ctx.location(UPDATE, location_id)
    path = {"location_id": location, "field_id": field_id}
    spec = ctx.spec(UPDATE, path_params=path, json=body, location_id=location, options=options)
    cache_of(ctx).drop(location)
    return Call(spec, _parse_field)


def delete_field(
    ctx: Context,
    field_id: str,
    *,
    location_id: str | Unset = UNSET,
    options: RequestOptions | None = None,
) -> Call[None]:
    """Delete a custom field (its values on contacts go with it).
    Scope: ``locations/customFields.write``."""
    location = ctx.location(DELETE, location_id)
    path = {"location_id": location, "field_id": field_id}
    spec = ctx.spec(DELETE, path_params=path, location_id=location, options=options)
    cache_of(ctx).drop(location)
    return Call(spec, success)


def _missing(fmap: FieldMap, refs: Iterable[str]) -> list[str]:
    return [r for r in refs if fmap.find(r) is None]


def _inputs_for(fmap: FieldMap, values: Mapping[str, Any]) -> list[CustomFieldInput]:
    out = []
    for ref, value in values.items():
        found = fmap.find(ref)
        if found is None or not found.id:  # pragma: no cover - _missing() was checked first
            raise UnknownCustomFieldError([ref], "?", fmap.by_key)
        out.append(CustomFieldInput(id=found.id, field_value=value))
    return out


def _check_refs(values: Iterable[Any]) -> list[str]:
    refs = list(values)
    for ref in refs:
        if not isinstance(ref, str) or not ref:
            raise TypeError(f"custom fields are named by key or id (a string), got {ref!r}")
    return refs


def _by_key(fmap: FieldMap, contact: Contact) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for item in contact.custom_fields or ():
        found = fmap.by_id.get(item.id or "")
        out[found.field_key if found and found.field_key else item.id or ""] = item.value
    return out


def _unknown_ids(fmap: FieldMap, contact: Contact) -> bool:
    return any(item.id and item.id not in fmap.by_id for item in contact.custom_fields or ())


# ---------------------------------------------------------------- the registry's programs


def _load(ctx: Context, location: str) -> Program[FieldMap]:
    fields = yield list_fields(ctx, model="all", location_id=location)
    return cache_of(ctx).put(location, fields)


def _field_map(ctx: Context, location: str, refs: Iterable[str] = ()) -> Program[FieldMap]:
    """The location's fields: cached, loaded on first use, reloaded once for unknown refs."""
    fmap = cache_of(ctx).get(location)
    if fmap is None or _missing(fmap, refs):
        fmap = yield from _load(ctx, location)
    return fmap


def _registry_location(ctx: Context) -> str:
    return ctx.location(LIST, UNSET)


def refresh(ctx: Context) -> Program[None]:
    """Reload the location's fields now."""
    yield from _load(ctx, _registry_location(ctx))


def definitions(ctx: Context) -> Program[list[CustomFieldDefinition]]:
    """Every field of the location (loaded if needed)."""
    fmap = yield from _field_map(ctx, _registry_location(ctx))
    return list(fmap.by_id.values())


def find(ctx: Context, ref: str) -> Program[CustomFieldDefinition]:
    """The field named ``ref`` (a key such as ``contact.company_size``, or an id)."""
    location = _registry_location(ctx)
    fmap = yield from _field_map(ctx, location, _check_refs([ref]))
    found = fmap.find(ref)
    if found is None:
        raise UnknownCustomFieldError([ref], location, fmap.by_key)
    return found


def id_for(ctx: Context, key: str) -> Program[str]:
    """The id of the field with ``key``."""
    found = yield from find(ctx, key)
    return found.id or ""


def key_for(ctx: Context, field_id: str) -> Program[str | None]:
    """The key of the field with id ``field_id`` (``None`` if it has none)."""
    found = yield from find(ctx, field_id)
    return found.field_key


def resolve_by_key(
    ctx: Context, location: str | None, values: Mapping[str, Any]
) -> Program[list[CustomFieldInput]]:
    """``{"contact.company_size": 42}`` (keys or ids) → inputs by id, through the registry
    of ``location`` (default: the client's); an unknown name raises before any write."""
    location = location or _registry_location(ctx)
    refs = _check_refs(values)
    fmap = yield from _field_map(ctx, location, refs)
    missing = _missing(fmap, refs)
    if missing:
        raise UnknownCustomFieldError(missing, location, fmap.by_key)
    return _inputs_for(fmap, values)


def resolve(ctx: Context, values: Mapping[str, Any]) -> Program[list[CustomFieldInput]]:
    """``{"contact.company_size": 42}`` (keys or ids) → inputs by id, for writing."""
    return resolve_by_key(ctx, None, values)


def values_by_key(ctx: Context, contact: Contact) -> Program[dict[str, Any]]:
    """The contact's custom field values keyed by field key (an id the location does not
    know, even after one reload, stays the key)."""
    location = _registry_location(ctx)
    fmap = yield from _field_map(ctx, location)
    if _unknown_ids(fmap, contact):
        fmap = yield from _load(ctx, location)
    return _by_key(fmap, contact)


# ---------------------------------------------------------------- the twins


class _Registry:
    """The methods of [`CustomFieldRegistry`][ghlsdk.resources.CustomFieldRegistry] and its
    async twin."""

    _ctx: Context

    @property
    def location_id(self) -> str:
        """The location whose fields these are."""
        return _registry_location(self._ctx)

    refresh = program(refresh)
    definitions = program(definitions)
    get = program(find)
    id_for = program(id_for)
    key_for = program(key_for)
    resolve = program(resolve)
    values_by_key = program(values_by_key)


class CustomFieldRegistry(_Registry, SyncResource):
    """Custom fields of one location by key and id, loaded on first use and reloaded once
    when a name it does not know is asked for (``ghl.custom_fields.registry()``)."""


class AsyncCustomFieldRegistry(_Registry, AsyncResource):
    """The async twin of
    [`CustomFieldRegistry`][ghlsdk.resources.custom_fields.CustomFieldRegistry]."""


R = TypeVar("R", CustomFieldRegistry, AsyncCustomFieldRegistry)


class _CustomFields(Generic[R]):
    """The methods of [`CustomFields`][ghlsdk.resources.CustomFields] and its async twin."""

    _registry: type[R]
    _run: Any
    _ctx: Context

    list = op(list_fields)
    get = op(get_field)
    create = op(create_field)
    update = op(update_field)
    delete = op(delete_field)

    def registry(
        self, *, location_id: str | Unset = UNSET, options: RequestOptions | None = None
    ) -> R:
        """The key ↔ id registry of the location's fields (cached per client; loaded on first
        use, reloaded once on an unknown name). Scope: ``locations/customFields.readonly``."""
        del options  # the registry's requests use the client's defaults
        ctx = attrs.evolve(self._ctx, location_id=self._ctx.location(LIST, location_id))
        return self._registry(self._run, ctx)


class CustomFields(_CustomFields[CustomFieldRegistry], SyncResource):
    """Custom fields of a location (``ghl.custom_fields``): list, get, create, update, delete,
    and [`registry`][ghlsdk.resources.CustomFields.registry] to name fields by key."""

    _registry = CustomFieldRegistry


class AsyncCustomFields(_CustomFields[AsyncCustomFieldRegistry], AsyncResource):
    """Custom fields of a location (``ghl.custom_fields`` on the async client)."""

    _registry = AsyncCustomFieldRegistry
