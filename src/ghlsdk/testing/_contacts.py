"""Contact routes of FakeGHL: get, list (``GET /contacts/``), by business, create, update,
delete, upsert, duplicate lookup, bulk business links and search. Lists come from the
location's contact index; search results and filtered lists are cached per store generation,
so each further page costs a slice, not a pass over every contact."""

from __future__ import annotations

import bisect
import copy
import json
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode

from ghlsdk.testing import _search
from ghlsdk.testing._base import (
    _CONTACT_DEFAULTS,
    _DUPLICATE_MESSAGE,
    BASE_URL,
    _ApiError,
    _Ctx,
    _derive_names,
    _int_param,
    _text_filter,
    _unique,
)
from ghlsdk.testing._events import EventsMixin
from ghlsdk.testing._indexes import ListKey, list_key

__all__ = ["ContactRoutes"]


class ContactRoutes(EventsMixin):
    """The contacts endpoints of ``apps/contacts.json``."""

    def _apply_contact_fields(self, rec: dict[str, Any], body: Mapping[str, Any]) -> None:
        indexed = rec.get("id") in self._list_keys
        if indexed:  # the email/phone index follows the change
            self._identities.remove(rec["locationId"], rec)
        for key, value in body.items():
            if key in ("locationId", "createNewIfDuplicateAllowed"):
                continue
            if key == "customFields":
                rec["customFields"] = self._merge_custom_fields(rec.get("customFields"), value)
            elif key == "tags":
                rec["tags"] = _unique(value)
            else:
                rec[key] = copy.deepcopy(value)
        _derive_names(rec)
        if indexed:
            self._identities.add(rec["locationId"], rec)

    def _merge_custom_fields(self, current: Any, updates: list[dict[str, Any]]) -> list[Any]:
        merged: dict[str, Any] = {}
        for item in current or []:
            if isinstance(item, dict) and "id" in item:
                merged[item["id"]] = item.get("value")
        for item in updates:
            fid = item.get("id") or self._field_id_for(str(item.get("key")))
            merged[fid] = copy.deepcopy(item.get("field_value"))
        return [{"id": k, "value": v} for k, v in merged.items() if v is not None]

    def _find_duplicate(
        self, location: str, body: Mapping[str, Any], exclude: str | None = None
    ) -> tuple[dict[str, Any], str] | None:
        for fld in self.duplicate_priority:
            wanted = body.get(fld)
            if not wanted:
                continue
            ids = [i for i in self._identities.matching(location, fld, wanted) if i != exclude]
            if ids:  # the first in list order, as a scan of the list would find
                return self._contacts[min(ids, key=self._list_keys.__getitem__)], fld
        return None

    def _duplicate_error(self, match: tuple[dict[str, Any], str]) -> _ApiError:
        contact, fld = match
        meta: dict[str, Any] = {"contactId": contact["id"], "matchingField": fld}
        if contact.get("name"):
            meta["contactName"] = contact["name"]
        return _ApiError(400, _DUPLICATE_MESSAGE, extra={"meta": meta})

    def _get_contact(self, ctx: _Ctx) -> tuple[int, Any]:
        return 200, {"contact": self._render_contact(self._contact_for(ctx))}

    def _list_order(self, location: str, query: Any) -> list[ListKey]:
        """The location's list keys in ``GET /contacts/`` order, narrowed by ``query``."""
        keys: list[ListKey] = self._order.group(location)
        if not query:
            return keys
        contacts = self._contacts

        def compute() -> list[ListKey]:
            return [k for k in keys if _text_filter([contacts[k[1]]], query)]

        found: list[ListKey] = self._cached(("list", location, query), compute)
        return found

    def _list_contacts(self, ctx: _Ctx) -> tuple[int, Any]:
        q = self._query(ctx)
        location = self._check_location(ctx, q["locationId"])
        limit = _int_param(q.get("limit"), "limit", default=20, maximum=100)
        keys = self._list_order(location, q.get("query"))
        cursor: ListKey | None = None
        after_id = q.get("startAfterId")
        if after_id:
            cursor = self._list_keys.get(after_id)
        if cursor is None and q.get("startAfter"):
            ms = _int_param(q.get("startAfter"), "startAfter", default=0)
            cursor = (ms, after_id or "")
        elif cursor is None and after_id:
            raise _ApiError(400, f"Invalid startAfterId {after_id}")
        start = bisect.bisect_right(keys, cursor) if cursor is not None else 0
        page = [self._contacts[cid] for _, cid in keys[start : start + limit]]
        has_more = len(keys) > start + limit
        current = start // limit + 1
        last = page[-1] if page else None
        meta: dict[str, Any] = {
            "total": len(keys),
            "nextPageUrl": None,
            "startAfterId": last["id"] if last else None,
            "startAfter": list_key(last)[0] if last else None,
            "currentPage": current,
            "nextPage": current + 1 if has_more else None,
            "prevPage": current - 1 if current > 1 else None,
        }
        if has_more and last is not None:
            params = {"locationId": location, "startAfter": meta["startAfter"]}
            params["startAfterId"] = last["id"]
            if "limit" in q:
                params["limit"] = limit
            if q.get("query"):
                params["query"] = q["query"]
            meta["nextPageUrl"] = f"{BASE_URL}/contacts/?{urlencode(params)}"
        return 200, {"contacts": [self._render_contact(c) for c in page], "meta": meta}

    def _list_by_business(self, ctx: _Ctx) -> tuple[int, Any]:
        q = self._query(ctx)
        location = self._check_location(ctx, q["locationId"])
        limit = _int_param(q.get("limit"), "limit", default=25)
        skip = _int_param(q.get("skip"), "skip", default=0)
        business = ctx.params["businessId"]
        keys = self._list_order(location, q.get("query"))
        contacts = self._contacts

        def compute() -> list[str]:
            return [cid for _, cid in keys if contacts[cid].get("businessId") == business]

        ids: list[str] = self._cached(("business", location, business, q.get("query")), compute)
        page = [self._contacts[cid] for cid in ids[skip : skip + limit]]
        return 200, {"contacts": [self._render_contact(c) for c in page], "count": len(ids)}

    def _create_contact(self, ctx: _Ctx) -> tuple[int, Any]:
        body = self._body(ctx)
        location = self._check_location(ctx, body["locationId"])
        if not self.allow_duplicates:
            match = self._find_duplicate(location, body)
            if match is not None:
                raise self._duplicate_error(match)
        rec = self._new_contact(location, body)
        created = self._render_contact(rec)
        created.update(
            {
                "deleted": False,
                "bounceEmail": False,
                "unsubscribeEmail": False,
                "offers": [],
                "products": [],
            }
        )
        return 201, {"contact": created}

    def _new_contact(self, location: str, body: Mapping[str, Any]) -> dict[str, Any]:
        now = self._now_iso()
        rec: dict[str, Any] = {**_CONTACT_DEFAULTS, "tags": [], "customFields": []}
        rec.update({"id": self._new_id(), "locationId": location})
        self._apply_contact_fields(rec, body)
        rec.setdefault("source", "public api")
        rec["dateAdded"] = rec["dateUpdated"] = now
        self._contacts[rec["id"]] = rec
        self._index_contact(rec)
        self._contact_event("ContactCreate", rec)
        return rec

    def _change_contact(self, rec: dict[str, Any], body: Mapping[str, Any]) -> None:
        """Apply an update or an upsert match, bump dateUpdated, emit the events."""
        before = {k: copy.deepcopy(rec.get(k)) for k in ("tags", "dnd", "dndSettings")}
        self._apply_contact_fields(rec, body)
        self._touch(rec)
        self._contact_event("ContactUpdate", rec)
        if rec.get("tags") != before["tags"]:
            self._contact_event("ContactTagUpdate", rec)
        if rec.get("dnd") != before["dnd"] or rec.get("dndSettings") != before["dndSettings"]:
            self._contact_event("ContactDndUpdate", rec)

    def _drop_contact(self, rec: dict[str, Any]) -> None:
        cid = rec["id"]
        for kind in ("tasks", "notes", "appointments"):
            for child in list(self._child_ids(cid, kind)):
                self._drop_child(kind, child)
        self._children.pop(cid, None)
        self._unindex_contact(rec)
        del self._contacts[cid]
        self._campaigns.pop(cid, None)
        self._workflows.pop(cid, None)
        self._contact_event("ContactDelete", rec)

    def _update_contact(self, ctx: _Ctx) -> tuple[int, Any]:
        rec = self._contact_for(ctx)
        body = self._body(ctx)
        if not self.allow_duplicates:
            match = self._find_duplicate(ctx.location_id, body, exclude=rec["id"])
            if match is not None:
                raise self._duplicate_error(match)
        self._change_contact(rec, body)
        return 200, {"succeded": True, "contact": self._render_contact(rec)}

    def _delete_contact(self, ctx: _Ctx) -> tuple[int, Any]:
        self._drop_contact(self._contact_for(ctx))
        return 200, {"succeded": True}

    def _upsert_contact(self, ctx: _Ctx) -> tuple[int, Any]:
        body = self._body(ctx)
        location = self._check_location(ctx, body["locationId"])
        always_new = bool(body.get("createNewIfDuplicateAllowed")) and self.allow_duplicates
        match = None if always_new else self._find_duplicate(location, body)
        if match is None:
            rec = self._new_contact(location, body)
            new = True
        else:
            rec = match[0]
            self._change_contact(rec, body)
            new = False
        return 200, {
            "new": new,
            "contact": self._render_contact(rec),
            "traceId": self._trace_id(),
        }

    def _duplicate(self, ctx: _Ctx) -> tuple[int, Any]:
        q = self._query(ctx)
        location = self._check_location(ctx, q["locationId"])
        wanted = {"email": q.get("email"), "phone": q.get("number")}
        match = self._find_duplicate(location, wanted)
        return 200, {"contact": self._render_contact(match[0]) if match else None}

    def _bulk_business(self, ctx: _Ctx) -> tuple[int, Any]:
        body = self._body(ctx)
        location = self._check_location(ctx, body["locationId"])
        done: list[str] = []
        for cid in body["ids"]:
            rec = self._contacts.get(cid)
            if rec is not None and rec["locationId"] == location:
                rec["businessId"] = body["businessId"]
                self._touch(rec)
                self._contact_event("ContactUpdate", rec)
                done.append(cid)
        return 200, {"success": True, "ids": done}

    def _search(self, ctx: _Ctx) -> tuple[int, Any]:
        body = self._body(ctx, required_status=422)
        location = self._check_location(ctx, body["locationId"])
        page_limit = body["pageLimit"]
        if not isinstance(page_limit, int) or not 1 <= page_limit <= 500:
            raise _ApiError(422, ["pageLimit must not be greater than 500 nor less than 1"])
        try:
            predicate = _search.compile_filters(body.get("filters") or [])
            names, desc = _search.compile_sort(body.get("sort") or [])
        except _search.SearchError as exc:
            raise _ApiError(400, str(exc)) from None
        query = body.get("query")

        def compute() -> tuple[list[Any], list[Any]]:
            matches = [
                c for c in _text_filter(self._location_contacts(location), query) if predicate(c)
            ]
            ordered = _search.sorted_by(matches, names, desc)
            return ordered, [_search.SortKey(k, desc) for k, _ in ordered]

        shape = json.dumps([query, body.get("filters"), body.get("sort")], default=str)
        ordered, keys = self._cached(("search", location, shape), compute)
        after = body.get("searchAfter")
        if after is not None:
            if not isinstance(after, list) or len(after) != len(names):
                raise _ApiError(400, "searchAfter is invalid for this sort")
            start = bisect.bisect_right(keys, _search.SortKey(after, desc))
            window = ordered[start : start + page_limit]
        else:
            page = body.get("page", 1)
            if not isinstance(page, int) or isinstance(page, bool) or page < 1:
                raise _ApiError(422, ["page must not be less than 1"])
            if page * page_limit > self.max_search_window:
                raise _ApiError(
                    400,
                    f"page * pageLimit must not exceed {self.max_search_window}; "
                    "use searchAfter to read further",
                )
            window = ordered[(page - 1) * page_limit : page * page_limit]
        out = []
        for key, contact in window:
            item = self._render_contact(contact)
            item["searchAfter"] = copy.deepcopy(key)
            out.append(item)
        return 200, {"contacts": out, "total": len(ordered)}
