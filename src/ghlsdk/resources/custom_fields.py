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

import builtins
import threading
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import attrs
import httpx

from _sdkcore._http import Call, RequestOptions
from _sdkcore.serde import UNSET, Unset
from ghlsdk.models.contacts import Contact, CustomFieldInput
from ghlsdk.models.custom_fields import CustomFieldDefinition
from ghlsdk.resources import _inputs
from ghlsdk.resources._base import (
    AsyncResource,
    AsyncRunner,
    Context,
    Operation,
    SyncResource,
    SyncRunner,
    envelope,
    envelope_list,
    success,
)

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

_FIELD_ARGS = {
    "name": "name",
    "data_type": "dataType",
    "placeholder": "placeholder",
    "position": "position",
    "model": "model",
    "accepted_format": "acceptedFormat",
    "is_multiple_file": "isMultipleFile",
    "max_number_of_files": "maxNumberOfFiles",
    "choices": "textBoxListOptions",
}


class UnknownCustomFieldError(ValueError):
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
    location = ctx.location(GET, location_id)
    path = {"location_id": location, "field_id": field_id}
    return Call(
        ctx.spec(GET, path_params=path, location_id=location, options=options), _parse_field
    )


def field_body(fields: Mapping[str, Any]) -> dict[str, Any]:
    body: dict[str, Any] = {}
    for name, value in fields.items():
        if isinstance(value, Unset):
            continue
        key = _FIELD_ARGS[name]
        if name in ("position", "max_number_of_files"):
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise TypeError(f"{name} must be a number")
            body[key] = value
        elif name == "is_multiple_file":
            body[key] = _inputs.boolean(name, value)
        elif name == "accepted_format":
            body[key] = _inputs.string_list(name, value)
        elif name == "choices":
            body[key] = [_option(v) for v in _inputs.string_list(name, value)]
        elif name == "model":
            if value not in ("contact", "opportunity"):
                raise ValueError("model must be 'contact' or 'opportunity'")
            body[key] = value
        else:
            body[key] = _inputs.text(name, value, nullable=False)
    return body


def _option(label: str) -> dict[str, Any]:
    # textBoxListOptionsSchema: {label, prefillValue}
    return {"label": label, "prefillValue": ""}


def create_field(
    ctx: Context,
    fields: Mapping[str, Any],
    *,
    location_id: str | Unset = UNSET,
    options: RequestOptions | None = None,
) -> Call[CustomFieldDefinition]:
    location = ctx.location(CREATE, location_id)
    spec = ctx.spec(
        CREATE,
        path_params={"location_id": location},
        json=field_body(fields),
        location_id=location,
        options=options,
    )
    cache_of(ctx).drop(location)
    return Call(spec, _parse_field)


def update_field(
    ctx: Context,
    field_id: str,
    fields: Mapping[str, Any],
    *,
    location_id: str | Unset = UNSET,
    options: RequestOptions | None = None,
) -> Call[CustomFieldDefinition]:
    location = ctx.location(UPDATE, location_id)
    path = {"location_id": location, "field_id": field_id}
    spec = ctx.spec(
        UPDATE, path_params=path, json=field_body(fields), location_id=location, options=options
    )
    cache_of(ctx).drop(location)
    return Call(spec, _parse_field)


def delete_field(
    ctx: Context,
    field_id: str,
    *,
    location_id: str | Unset = UNSET,
    options: RequestOptions | None = None,
) -> Call[None]:
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


# ---------------------------------------------------------------- registries


class CustomFieldRegistry:
    """Custom fields of one location by key and id, loaded on first use and reloaded once
    when a name it does not know is asked for (``ghl.custom_fields.registry()``)."""

    def __init__(self, run: SyncRunner, ctx: Context, location_id: str) -> None:
        self._run, self._ctx, self.location_id = run, ctx, location_id

    def _load(self) -> FieldMap:
        call = list_fields(self._ctx, model="all", location_id=self.location_id)
        fields = self._run.http.execute(call)
        return cache_of(self._ctx).put(self.location_id, fields)

    def _map(self, refs: Iterable[str]) -> FieldMap:
        fmap = cache_of(self._ctx).get(self.location_id)
        if fmap is None or _missing(fmap, refs):
            fmap = self._load()
        return fmap

    def refresh(self) -> None:
        """Reload the location's fields now."""
        self._load()

    def definitions(self) -> list[CustomFieldDefinition]:
        """Every field of the location (loaded if needed)."""
        return list(self._map(()).by_id.values())

    def get(self, ref: str) -> CustomFieldDefinition:
        """The field named ``ref`` (a key such as ``contact.company_size``, or an id)."""
        fmap = self._map(_check_refs([ref]))
        found = fmap.find(ref)
        if found is None:
            raise UnknownCustomFieldError([ref], self.location_id, fmap.by_key)
        return found

    def id_for(self, key: str) -> str:
        """The id of the field with ``key``."""
        return self.get(key).id or ""

    def key_for(self, field_id: str) -> str | None:
        """The key of the field with id ``field_id`` (``None`` if it has none)."""
        return self.get(field_id).field_key

    def resolve(self, values: Mapping[str, Any]) -> list[CustomFieldInput]:
        """``{"contact.company_size": 42}`` (keys or ids) → inputs by id, for writing."""
        refs = _check_refs(values)
        fmap = self._map(refs)
        missing = _missing(fmap, refs)
        if missing:
            raise UnknownCustomFieldError(missing, self.location_id, fmap.by_key)
        return _inputs_for(fmap, values)

    def values_by_key(self, contact: Contact) -> dict[str, Any]:
        """The contact's custom field values keyed by field key (an id the location does not
        know, even after one reload, stays the key)."""
        fmap = self._map(())
        if _unknown_ids(fmap, contact):
            fmap = self._load()
        return _by_key(fmap, contact)


class AsyncCustomFieldRegistry:
    """The async twin of
    [`CustomFieldRegistry`][ghlsdk.resources.custom_fields.CustomFieldRegistry]."""

    def __init__(self, run: AsyncRunner, ctx: Context, location_id: str) -> None:
        self._run, self._ctx, self.location_id = run, ctx, location_id

    async def _load(self) -> FieldMap:
        call = list_fields(self._ctx, model="all", location_id=self.location_id)
        fields = await self._run.http.execute(call)
        return cache_of(self._ctx).put(self.location_id, fields)

    async def _map(self, refs: Iterable[str]) -> FieldMap:
        fmap = cache_of(self._ctx).get(self.location_id)
        if fmap is None or _missing(fmap, refs):
            fmap = await self._load()
        return fmap

    async def refresh(self) -> None:
        """Reload the location's fields now."""
        await self._load()

    async def definitions(self) -> list[CustomFieldDefinition]:
        """Every field of the location (loaded if needed)."""
        return list((await self._map(())).by_id.values())

    async def get(self, ref: str) -> CustomFieldDefinition:
        """The field named ``ref`` (a key such as ``contact.company_size``, or an id)."""
        fmap = await self._map(_check_refs([ref]))
        found = fmap.find(ref)
        if found is None:
            raise UnknownCustomFieldError([ref], self.location_id, fmap.by_key)
        return found

    async def id_for(self, key: str) -> str:
        """The id of the field with ``key``."""
        return (await self.get(key)).id or ""

    async def key_for(self, field_id: str) -> str | None:
        """The key of the field with id ``field_id`` (``None`` if it has none)."""
        return (await self.get(field_id)).field_key

    async def resolve(self, values: Mapping[str, Any]) -> list[CustomFieldInput]:
        """``{"contact.company_size": 42}`` (keys or ids) → inputs by id, for writing."""
        refs = _check_refs(values)
        fmap = await self._map(refs)
        missing = _missing(fmap, refs)
        if missing:
            raise UnknownCustomFieldError(missing, self.location_id, fmap.by_key)
        return _inputs_for(fmap, values)

    async def values_by_key(self, contact: Contact) -> dict[str, Any]:
        """The contact's custom field values keyed by field key (an id the location does not
        know, even after one reload, stays the key)."""
        fmap = await self._map(())
        if _unknown_ids(fmap, contact):
            fmap = await self._load()
        return _by_key(fmap, contact)


# ---------------------------------------------------------------- contacts by key


def custom_fields_by_key(
    run: SyncRunner, ctx: Context, fields: dict[str, Any], location_id: str | Unset
) -> dict[str, Any]:
    """``fields["custom_fields"]`` given as a mapping (keys or ids → values) becomes inputs by
    id, through the location's registry; other forms are left as they are."""
    value = fields.get("custom_fields")
    if not isinstance(value, Mapping):
        return fields
    location = ctx.location(LIST, location_id)
    return {**fields, "custom_fields": CustomFieldRegistry(run, ctx, location).resolve(value)}


async def acustom_fields_by_key(
    run: AsyncRunner, ctx: Context, fields: dict[str, Any], location_id: str | Unset
) -> dict[str, Any]:
    """The async twin of
    [`custom_fields_by_key`][ghlsdk.resources.custom_fields.custom_fields_by_key]."""
    value = fields.get("custom_fields")
    if not isinstance(value, Mapping):
        return fields
    location = ctx.location(LIST, location_id)
    registry = AsyncCustomFieldRegistry(run, ctx, location)
    return {**fields, "custom_fields": await registry.resolve(value)}


def _field_args(values: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in values.items() if k in _FIELD_ARGS}


class CustomFields(SyncResource):
    """Custom fields of a location (``ghl.custom_fields``): list, get, create, update, delete,
    and [`registry`][ghlsdk.resources.CustomFields.registry] to name fields by key."""

    def list(
        self,
        *,
        model: str | None = None,
        location_id: str | Unset = UNSET,
        options: RequestOptions | None = None,
    ) -> builtins.list[CustomFieldDefinition]:
        """Every custom field of the location (one request; the API does not page); ``model``
        is ``"contact"``, ``"opportunity"`` or ``"all"``.
        Scope: ``locations/customFields.readonly``."""
        call = list_fields(self._ctx, model=model, location_id=location_id, options=options)
        return self._run.execute(call)

    def get(
        self,
        field_id: str,
        *,
        location_id: str | Unset = UNSET,
        options: RequestOptions | None = None,
    ) -> CustomFieldDefinition:
        """One custom field by id (the API also takes a field key here).
        Scope: ``locations/customFields.readonly``."""
        call = get_field(self._ctx, field_id, location_id=location_id, options=options)
        return self._run.execute(call)

    def create(
        self,
        *,
        name: str,
        data_type: str,
        placeholder: str | Unset = UNSET,
        position: float | Unset = UNSET,
        model: str | Unset = UNSET,
        accepted_format: Sequence[str] | Unset = UNSET,
        is_multiple_file: bool | Unset = UNSET,
        max_number_of_files: int | Unset = UNSET,
        choices: Sequence[str] | Unset = UNSET,
        location_id: str | Unset = UNSET,
        options: RequestOptions | None = None,
    ) -> CustomFieldDefinition:
        """Create a custom field (``data_type`` such as ``TEXT``, ``NUMERICAL``,
        ``CHECKBOX``; ``choices`` the options of a list field). The server derives its key
        (``contact.<name in snake case>``). Scope: ``locations/customFields.write``."""
        fields = _field_args(locals())
        call = create_field(self._ctx, fields, location_id=location_id, options=options)
        return self._run.execute(call)

    def update(
        self,
        field_id: str,
        *,
        name: str,
        placeholder: str | Unset = UNSET,
        position: float | Unset = UNSET,
        model: str | Unset = UNSET,
        accepted_format: Sequence[str] | Unset = UNSET,
        is_multiple_file: bool | Unset = UNSET,
        max_number_of_files: int | Unset = UNSET,
        choices: Sequence[str] | Unset = UNSET,
        location_id: str | Unset = UNSET,
        options: RequestOptions | None = None,
    ) -> CustomFieldDefinition:
        """Change a custom field (the API requires ``name`` on every update; UNSET arguments
        are not sent). Scope: ``locations/customFields.write``."""
        fields = _field_args(locals())
        call = update_field(self._ctx, field_id, fields, location_id=location_id, options=options)
        return self._run.execute(call)

    def delete(
        self,
        field_id: str,
        *,
        location_id: str | Unset = UNSET,
        options: RequestOptions | None = None,
    ) -> None:
        """Delete a custom field (its values on contacts go with it).
        Scope: ``locations/customFields.write``."""
        call = delete_field(self._ctx, field_id, location_id=location_id, options=options)
        return self._run.execute(call)

    def registry(
        self, *, location_id: str | Unset = UNSET, options: RequestOptions | None = None
    ) -> CustomFieldRegistry:
        """The key ↔ id registry of the location's fields (cached per client; loaded on first
        use, reloaded once on an unknown name). Scope: ``locations/customFields.readonly``."""
        del options  # the registry's requests use the client's defaults
        return CustomFieldRegistry(self._run, self._ctx, self._ctx.location(LIST, location_id))


class AsyncCustomFields(AsyncResource):
    """Custom fields of a location (``ghl.custom_fields``): list, get, create, update, delete,
    and [`registry`][ghlsdk.resources.CustomFields.registry] to name fields by key."""

    async def list(
        self,
        *,
        model: str | None = None,
        location_id: str | Unset = UNSET,
        options: RequestOptions | None = None,
    ) -> builtins.list[CustomFieldDefinition]:
        """Every custom field of the location (one request; the API does not page); ``model``
        is ``"contact"``, ``"opportunity"`` or ``"all"``.
        Scope: ``locations/customFields.readonly``."""
        call = list_fields(self._ctx, model=model, location_id=location_id, options=options)
        return await self._run.execute(call)

    async def get(
        self,
        field_id: str,
        *,
        location_id: str | Unset = UNSET,
        options: RequestOptions | None = None,
    ) -> CustomFieldDefinition:
        """One custom field by id (the API also takes a field key here).
        Scope: ``locations/customFields.readonly``."""
        call = get_field(self._ctx, field_id, location_id=location_id, options=options)
        return await self._run.execute(call)

    async def create(
        self,
        *,
        name: str,
        data_type: str,
        placeholder: str | Unset = UNSET,
        position: float | Unset = UNSET,
        model: str | Unset = UNSET,
        accepted_format: Sequence[str] | Unset = UNSET,
        is_multiple_file: bool | Unset = UNSET,
        max_number_of_files: int | Unset = UNSET,
        choices: Sequence[str] | Unset = UNSET,
        location_id: str | Unset = UNSET,
        options: RequestOptions | None = None,
    ) -> CustomFieldDefinition:
        """Create a custom field (``data_type`` such as ``TEXT``, ``NUMERICAL``,
        ``CHECKBOX``; ``choices`` the options of a list field). The server derives its key
        (``contact.<name in snake case>``). Scope: ``locations/customFields.write``."""
        fields = _field_args(locals())
        call = create_field(self._ctx, fields, location_id=location_id, options=options)
        return await self._run.execute(call)

    async def update(
        self,
        field_id: str,
        *,
        name: str,
        placeholder: str | Unset = UNSET,
        position: float | Unset = UNSET,
        model: str | Unset = UNSET,
        accepted_format: Sequence[str] | Unset = UNSET,
        is_multiple_file: bool | Unset = UNSET,
        max_number_of_files: int | Unset = UNSET,
        choices: Sequence[str] | Unset = UNSET,
        location_id: str | Unset = UNSET,
        options: RequestOptions | None = None,
    ) -> CustomFieldDefinition:
        """Change a custom field (the API requires ``name`` on every update; UNSET arguments
        are not sent). Scope: ``locations/customFields.write``."""
        fields = _field_args(locals())
        call = update_field(self._ctx, field_id, fields, location_id=location_id, options=options)
        return await self._run.execute(call)

    async def delete(
        self,
        field_id: str,
        *,
        location_id: str | Unset = UNSET,
        options: RequestOptions | None = None,
    ) -> None:
        """Delete a custom field (its values on contacts go with it).
        Scope: ``locations/customFields.write``."""
        call = delete_field(self._ctx, field_id, location_id=location_id, options=options)
        return await self._run.execute(call)

    def registry(
        self, *, location_id: str | Unset = UNSET, options: RequestOptions | None = None
    ) -> AsyncCustomFieldRegistry:
        """The key ↔ id registry of the location's fields (cached per client; loaded on first
        use, reloaded once on an unknown name). Scope: ``locations/customFields.readonly``."""
        del options  # the registry's requests use the client's defaults
        return AsyncCustomFieldRegistry(self._run, self._ctx, self._ctx.location(LIST, location_id))
