"""Ninox → GHL, contacts: one listing of the GHL contacts gives the current values; a contact
with a stored GHL id is updated with the changed fields only; one without is sent through the
GHL upsert endpoint (GHL's duplicate rules apply) and its new id is written back to Ninox in
one batch. A write the upsert guard holds (`bridge._upsert.guard`) waits for a person. A token
without ``contacts.write`` is refused before anything is read."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import attrs

from bridge._ghl import ghl_arguments
from bridge._upsert import guard
from bridge._upsert.report import ItemFailure, Tally, UpsertReport, reason
from bridge._upsert.to_ninox import save_isolating
from bridge.canonical import canonical_json
from bridge.mapping import EntityMapping, Mapper, MappingError, MappingSet
from bridge.sync.effects import (
    AsyncClients,
    Clients,
    Effect,
    GhlListContacts,
    GhlUpdate,
    NinoxAll,
    Program,
    perform,
)
from ghlsdk import APIError
from ghlsdk.models import UpsertResult
from ninoxsdk import Record, RecordWrite

__all__ = [
    "GhlUpsert",
    "ReadOnlyTokenError",
    "maps_contacts_to_ghl",
    "ninox_to_ghl",
    "require_write",
]


class ReadOnlyTokenError(PermissionError):
    """The GHL token cannot write contacts; Ninox → GHL refuses before doing anything."""


class _NotInGhl(Exception):
    """A Ninox record names a GHL contact that GHL does not have."""


@attrs.frozen
class GhlUpsert(Effect[tuple[str, bool]]):
    """Send a contact through GHL's upsert endpoint: its id, and whether it is new."""

    body: Mapping[str, Any]

    def run(self, c: Clients) -> tuple[str, bool]:
        return _upserted(c.ghl.contacts.upsert(**ghl_arguments(self.body)))

    async def arun(self, c: AsyncClients) -> tuple[str, bool]:
        return _upserted(await c.ghl.contacts.upsert(**ghl_arguments(self.body)))


def _upserted(result: UpsertResult) -> tuple[str, bool]:
    return str(result.contact.id), result.new


def _ghl_patch(
    mapper: Mapper, fields: Mapping[str, Any], current: Mapping[str, Any]
) -> dict[str, Any]:
    if isinstance(mapper, EntityMapping):
        return mapper.ghl_patch(fields, current)
    return _changed_entries(mapper.to_ghl(fields, current=current), current)


def _changed_entries(body: Mapping[str, Any], current: Mapping[str, Any]) -> dict[str, Any]:
    """The entries of a GHL request ``body`` whose value differs from ``current`` (the GHL
    object now), compared as canonical JSON (blank ≡ ``None``, text trimmed, ``1 == 1.0``).
    Custom fields (``[{"id", "field_value"}]``) are compared one by one, by id."""
    out: dict[str, Any] = {}
    for key, value in body.items():
        if key == "customFields" and isinstance(value, list):
            now = {
                item.get("id"): item.get("value", item.get("field_value"))
                for item in current.get("customFields") or ()
                if isinstance(item, Mapping)
            }
            changed = [
                item
                for item in value
                if not isinstance(item, Mapping)
                or not _same(item.get("field_value", item.get("value")), now.get(item.get("id")))
            ]
            if changed:
                out[key] = changed
        elif not _same(value, current.get(key)):
            out[key] = value
    return out


def _same(a: Any, b: Any) -> bool:
    try:
        return bool(canonical_json(a) == canonical_json(b))
    except TypeError:
        return bool(a == b)


def maps_contacts_to_ghl(mappings: MappingSet) -> None:
    mapper = mappings["contact"]
    if not getattr(mapper, "maps_to_ghl", True):
        raise MappingError(
            f"the contact mapper ({type(mapper).__name__}) does not map Ninox → GHL: give it "
            "a to_ghl (override BaseMapper.to_ghl, or mapper_from_functions(to_ghl=...))"
        )


def require_write(ghl: Any) -> None:
    scopes = getattr(ghl, "scopes", None)
    if scopes is not None and not ({"contacts.write"} & set(scopes)):
        raise ReadOnlyTokenError(
            "the GHL token cannot write contacts (it lacks the contacts.write scope); "
            "Ninox → GHL needs a token with contacts.write. Nothing was read or written."
        )


@attrs.frozen
class _Write:
    """One record's planned write: ``ghl_id`` for an update (``None``: the upsert endpoint)."""

    record: Record
    ghl_id: str | None
    body: Mapping[str, Any]
    held: guard.Hold | None


def ninox_to_ghl(
    mappings: MappingSet,
    records: Sequence[Record] | None,
    chunk_size: int | None,
    use_store: bool = False,
) -> Program[UpsertReport]:
    """Push Ninox contacts (all, or ``records``) to the GHL master records.

    An [`EntityMapping`][bridge.mapping.EntityMapping] sends only the fields whose canonical values
    differ (``ghl_patch``); a hand-written mapper's ``to_ghl`` body is compared key by key
    with the contact as GHL has it (`_changed_entries`). With ``use_store``, held writes open
    review items and resolved ones are carried out."""
    mapper = mappings["contact"]
    table, key = mapper.ninox_table, mapper.ninox_key
    tally = Tally()
    if records is None:
        records = yield from perform(NinoxAll(table))
    try:
        listing = yield from perform(GhlListContacts())
    except APIError as exc:
        for record in records:
            tally.fail(str(record.id), f"could not list the GHL contacts: {reason(exc)}")
        return tally.report("contact", "ninox_to_ghl")
    current = {str(wire["id"]): wire for wire in listing}
    decided = yield from guard.verdicts(use_store)
    write_back: list[RecordWrite] = []
    back_ids: list[str] = []
    for record in records:
        label = str(record.id)
        try:
            planned = _plan(mapper, record, current, key)
            if planned is None:
                tally.unchanged.append(label)
                continue
            body = yield from _decide(planned, decided.get(record.id), tally, use_store)
            if body is None:
                continue
            if planned.ghl_id is not None:
                yield from perform(GhlUpdate("contact", planned.ghl_id, body))
                tally.updated.append(label)
                yield from _settled(decided.get(record.id))
                continue
            new_id, new = yield from perform(GhlUpsert(body))
        except _NotInGhl as exc:
            tally.fail(label, str(exc))
            continue
        except (MappingError, TypeError, ValueError, KeyError, APIError) as exc:
            tally.fail(label, exc)
            continue
        yield from _settled(decided.get(record.id))
        (tally.created if new else tally.updated).append(label)
        write_back.append(RecordWrite(id=record.id, fields={key: new_id}))
        back_ids.append(label)
    if write_back:
        # The GHL side is done; a failed write-back is reported, and the next run's upsert
        # matches the same GHL contact again (by email/phone) instead of creating another.
        side = Tally()
        unknown = yield from save_isolating(table, write_back, back_ids, side, chunk_size)
        for label, _ in unknown:
            side.fail(label, "writing the new GHL id back to Ninox timed out")
        tally.failed.extend(
            ItemFailure(f.item, f"GHL id not stored in Ninox: {f.reason}", f.error)
            for f in side.failed
        )
    return tally.report("contact", "ninox_to_ghl")


def _plan(
    mapper: Mapper, record: Record, current: Mapping[str, Mapping[str, Any]], key: str
) -> _Write | None:
    """What ``record`` needs written (``None``: nothing), and whether the guard holds it.
    Raises `_NotInGhl` for a GHL id that GHL does not have."""
    ghl_id = record.fields.get(key)
    if ghl_id:
        wire = current.get(str(ghl_id))
        if wire is None:
            raise _NotInGhl(f"GHL contact {ghl_id!r} not found (deleted in GHL?)")
        patch = _ghl_patch(mapper, record.fields, wire)
        if not patch:
            return None
        return _Write(record, str(ghl_id), patch, guard.check_update(patch, wire))
    body = mapper.to_ghl(record.fields)
    return _Write(record, None, body, guard.check_create(body, current.values()))


def _decide(
    planned: _Write, verdict: guard.Verdict | None, tally: Tally, use_store: bool
) -> Program[Mapping[str, Any] | None]:
    """The body to write, or ``None`` (held, or a person kept GHL's values)."""
    label, held = str(planned.record.id), planned.held
    if verdict is not None and verdict.status == "resolved":
        body = verdict.body(planned.body)
        if body is None:  # GHL's values stay
            tally.unchanged.append(label)
            yield from guard.mark_applied(verdict.review_id)
        return body
    if held is None:
        return planned.body
    if verdict is not None and verdict.status == "open":
        tally.held.append(
            ItemFailure(label, f"{held.reason}; waits in review #{verdict.review_id}")
        )
        return None
    if verdict is not None and verdict.keep == "ghl" and dict(verdict.ninox) == dict(held.ninox):
        tally.unchanged.append(label)  # decided already: GHL's values stay
        return None
    tally.held.append(
        ItemFailure(label, (yield from guard.hold(planned.record.id, held, use_store)))
    )
    return None


def _settled(verdict: guard.Verdict | None) -> Program[None]:
    if verdict is not None and verdict.status == "resolved":
        yield from guard.mark_applied(verdict.review_id)
