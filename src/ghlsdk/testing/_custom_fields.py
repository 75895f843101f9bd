"""Custom field routes of FakeGHL (``/locations/{locationId}/customFields``, from
``apps/locations.json``): list, get (by id or field key), create, update, delete."""

from __future__ import annotations

import copy
import re
from typing import Any

from ghlsdk.testing._base import _ApiError, _Ctx
from ghlsdk.testing._events import EventsMixin

__all__ = ["CustomFieldRoutes"]

_MODELS = ("contact", "opportunity")


def field_key(model: str, name: str) -> str:
    """The key GHL derives from a new field's name: ``contact.<name in snake case>``."""
    slug = re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_") or "field"
    return f"{model}.{slug}"


class CustomFieldRoutes(EventsMixin):
    """Custom field definitions of a location."""

    def _field_for(self, ctx: _Ctx) -> dict[str, Any]:
        location = self._check_location(ctx, ctx.params["locationId"])
        ref = ctx.params["id"]
        fdef = self._custom_fields.get(ref)
        if fdef is None:  # GET also takes a field key ("contact.first_name")
            fdef = next(
                (
                    f
                    for f in self._custom_fields.values()
                    if f["fieldKey"] == ref and f["locationId"] == location
                ),
                None,
            )
        if fdef is None or fdef["locationId"] != location:
            raise self._not_found("Custom field", ref)
        return fdef

    def _list_fields(self, ctx: _Ctx) -> tuple[int, Any]:
        location = self._check_location(ctx, ctx.params["locationId"])
        q = self._query(ctx)
        model = q.get("model")
        if model is not None and model not in (*_MODELS, "all"):
            raise _ApiError(
                422, ["model must be one of the following values: contact, opportunity, all"]
            )
        fields = [
            copy.deepcopy(f)
            for f in self._custom_fields.values()
            if f["locationId"] == location and model in (None, "all", f["model"])
        ]
        return 200, {"customFields": fields}

    def _get_field(self, ctx: _Ctx) -> tuple[int, Any]:
        return 200, {"customField": copy.deepcopy(self._field_for(ctx))}

    def _check_field_body(self, body: dict[str, Any]) -> None:
        if "model" in body and body["model"] not in _MODELS:
            raise _ApiError(
                422, ["model must be one of the following values: contact, opportunity"]
            )
        if "name" in body and not str(body["name"]).strip():
            raise _ApiError(422, ["name should not be empty"])

    def _create_field(self, ctx: _Ctx) -> tuple[int, Any]:
        location = self._check_location(ctx, ctx.params["locationId"])
        body = self._body(ctx)
        self._check_field_body(body)
        model = body.get("model", "contact")
        key = field_key(model, body["name"])
        if any(
            f["fieldKey"] == key and f["locationId"] == location
            for f in self._custom_fields.values()
        ):
            raise _ApiError(400, f"Custom field with key {key} already exists")
        fid = self._new_id()
        fdef: dict[str, Any] = {
            "id": fid,
            "name": body["name"],
            "fieldKey": key,
            "placeholder": body.get("placeholder", ""),
            "dataType": body["dataType"],
            "position": body.get("position", 0),
            "locationId": location,
            "model": model,
        }
        options = body.get("textBoxListOptions")
        if options:
            fdef["picklistOptions"] = [o.get("label") for o in options if isinstance(o, dict)]
        self._custom_fields[fid] = fdef
        return 201, {"customField": copy.deepcopy(fdef)}

    def _update_field(self, ctx: _Ctx) -> tuple[int, Any]:
        fdef = self._field_for(ctx)
        body = self._body(ctx)
        self._check_field_body(body)
        # The key stays what it was: renaming a field does not change its key.
        for key in ("name", "placeholder", "position", "model"):
            if key in body:
                fdef[key] = body[key]
        if body.get("textBoxListOptions"):
            options = body["textBoxListOptions"]
            fdef["picklistOptions"] = [o.get("label") for o in options if isinstance(o, dict)]
        return 200, {"customField": copy.deepcopy(fdef)}

    def _delete_field(self, ctx: _Ctx) -> tuple[int, Any]:
        fdef = self._field_for(ctx)
        del self._custom_fields[fdef["id"]]
        for contact in self._location_contacts(fdef["locationId"]):
            values = contact.get("customFields") or []
            kept = [v for v in values if not (isinstance(v, dict) and v.get("id") == fdef["id"])]
            if len(kept) != len(values):
                contact["customFields"] = kept
        return 200, {"succeded": True}
