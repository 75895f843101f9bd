"""What a contact is linked to, in FakeGHL: tags (one contact, or many at once), followers,
campaigns and workflows."""

from __future__ import annotations

from typing import Any

from ghlsdk.testing._base import _ApiError, _check_iso, _Ctx, _unique
from ghlsdk.testing._events import EventsMixin

__all__ = ["AssociationRoutes"]

#: ``{type}`` values of the bulk tag path (undeclared in the spec; UNCONFIRMED).
BULK_TAG_TYPES = ("add", "remove")


class AssociationRoutes(EventsMixin):
    """Tags, bulk tags, followers, campaigns, workflows."""

    def _add_tags(self, ctx: _Ctx) -> tuple[int, Any]:
        rec = self._contact_for(ctx)
        tags = self._body(ctx)["tags"]
        self._set_tags(rec, _unique([*rec.get("tags", []), *tags]))
        return 201, {"tags": list(rec["tags"]) if self.tags_echo == "all" else list(tags)}

    def _remove_tags(self, ctx: _Ctx) -> tuple[int, Any]:
        rec = self._contact_for(ctx)
        tags = self._body(ctx)["tags"]
        drop = set(tags)
        self._set_tags(rec, [t for t in rec.get("tags", []) if t not in drop])
        return 200, {"tags": list(rec["tags"]) if self.tags_echo == "all" else list(tags)}

    def _set_tags(self, rec: dict[str, Any], tags: list[str]) -> None:
        if tags != rec.get("tags"):
            rec["tags"] = tags
            self._touch(rec)
            self._contact_event("ContactTagUpdate", rec)

    def _add_followers(self, ctx: _Ctx) -> tuple[int, Any]:
        rec = self._contact_for(ctx)
        current = list(rec.get("followers") or [])
        added = [f for f in _unique(self._body(ctx)["followers"]) if f not in current]
        rec["followers"] = current + added
        return 201, {"followers": list(rec["followers"]), "followersAdded": added}

    def _remove_followers(self, ctx: _Ctx) -> tuple[int, Any]:
        rec = self._contact_for(ctx)
        current = list(rec.get("followers") or [])
        wanted = set(self._body(ctx)["followers"])
        removed = [f for f in current if f in wanted]
        rec["followers"] = [f for f in current if f not in wanted]
        return 200, {"followers": list(rec["followers"]), "followersRemoved": removed}

    def _add_campaign(self, ctx: _Ctx) -> tuple[int, Any]:
        cid = self._contact_for(ctx)["id"]
        self._body(ctx)
        campaigns = self._campaigns.setdefault(cid, [])
        if ctx.params["campaignId"] not in campaigns:
            campaigns.append(ctx.params["campaignId"])
        return 201, {"succeded": True}

    def _remove_campaign(self, ctx: _Ctx) -> tuple[int, Any]:
        cid = self._contact_for(ctx)["id"]
        campaigns = self._campaigns.get(cid, [])
        if ctx.params["campaignId"] in campaigns:
            campaigns.remove(ctx.params["campaignId"])
        return 200, {"succeded": True}

    def _remove_all_campaigns(self, ctx: _Ctx) -> tuple[int, Any]:
        self._campaigns.pop(self._contact_for(ctx)["id"], None)
        return 200, {"succeded": True}

    def _add_workflow(self, ctx: _Ctx) -> tuple[int, Any]:
        cid = self._contact_for(ctx)["id"]
        body = self._body(ctx)
        _check_iso(body, "eventStartTime")
        self._workflows.setdefault(cid, {})[ctx.params["workflowId"]] = body.get("eventStartTime")
        return 200, {"succeded": True}

    def _remove_workflow(self, ctx: _Ctx) -> tuple[int, Any]:
        cid = self._contact_for(ctx)["id"]
        self._body(ctx)
        self._workflows.get(cid, {}).pop(ctx.params["workflowId"], None)
        return 200, {"succeded": True}

    def _bulk_tags(self, ctx: _Ctx) -> tuple[int, Any]:
        kind = ctx.params["type"]
        if kind not in BULK_TAG_TYPES:
            raise _ApiError(400, f"type must be one of {', '.join(BULK_TAG_TYPES)}")
        body = self._body(ctx)
        location = self._check_location(ctx, body["locationId"])
        remove_all = body.get("removeAllTags") is True
        if remove_all and kind != "remove":
            raise _ApiError(400, "removeAllTags can only be used with the remove type")
        tags = list(body["tags"])
        responses: list[dict[str, Any]] = []
        for cid in body["contacts"]:
            rec = self._contacts.get(cid)
            if rec is None:
                responses.append(
                    {"contactId": cid, "message": "contact not found", "type": "error"}
                )
                continue
            if rec["locationId"] != location:
                message = "contact does not belong to location"
                responses.append({"contactId": cid, "message": message, "type": "error"})
                continue
            old = list(rec.get("tags") or [])
            if kind == "add":
                new = _unique([*old, *tags])
            else:
                drop = set(old) if remove_all else set(tags)
                new = [t for t in old if t not in drop]
            self._set_tags(rec, new)
            responses.append(
                {
                    "contactId": cid,
                    "message": "Tags updated",
                    "type": "success",
                    "oldTags": old,
                    "tagsAdded": [t for t in new if t not in old],
                    "tagsRemoved": [t for t in old if t not in new],
                }
            )
        errors = sum(1 for r in responses if r["type"] == "error")
        return 201, {"succeded": True, "errorCount": errors, "responses": responses}
