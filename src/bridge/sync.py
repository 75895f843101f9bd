"""Two-way sync of GHL and Ninox with durable state, per-field conflict policies and tombstones.

One pass (:meth:`SyncEngine.sync`) reads what changed on each side since its cursor (GHL:
contacts by ``dateUpdated`` with an overlap window, and the tasks, notes and appointments of
those contacts; Ninox: ``updated`` + ``sinceSq`` per table), pairs each changed record with its
counterpart through the link table, compares both with the values they last agreed on
(:func:`bridge.conflicts.reconcile`), writes only the fields that changed, and moves cursors
only over outcomes that are saved. Our own writes coming back on the next poll match the
stored digests and are not echoed. :meth:`SyncEngine.plan` does the same reads and writes
nothing. Everything is one program run by the sync (:class:`SyncEngine`) or the async
(:class:`AsyncSyncEngine`) runner.

What v1 covers: contacts both ways (create, update, delete); tasks and notes both ways
(updates; creates GHL → Ninox, and Ninox → GHL under a linked contact); appointments GHL →
Ninox only (GHL appointments are written through the calendars API, which ghlsdk does not
cover). Deletes are detected from GHL delete webhooks, 404s on linked records, and an id scan
(``sync(scan_deletes=True)``), guarded against mass deletion.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timedelta, timezone
from typing import Any, Literal, cast

import anyio
import attrs

from _sdkcore.errors import APIError, NotFoundError
from _sdkcore.serde import parse_datetime
from bridge._ghl import CHILD_RESOURCES, as_wire, list_children
from bridge._program import Do, Program, Side, arun, run
from bridge.conflicts import GHL_WINS, Plan, Policy, PreferNonEmpty, reconcile
from bridge.mappers import default_mappings
from bridge.mapping import EntityMapping, MappingError, MappingSet
from bridge.state import Cursor, Link, Op, RecordError, ReviewItem, Run, SQLiteStateStore
from bridge.upsert import ghl_arguments
from ghlsdk import AsyncGHLClient, GHLClient
from ninoxsdk import AsyncDatabaseHandle, BatchWriteError, DatabaseHandle, Record, RecordWrite

__all__ = [
    "AsyncSyncEngine",
    "Change",
    "ConflictInfo",
    "ErrorInfo",
    "RunReport",
    "SyncConfig",
    "SyncEngine",
]

Progress = Callable[[int, int, str], None]
_GONE: Any = object()


@attrs.frozen(kw_only=True)
class SyncConfig:
    """How the engine resolves conflicts and handles deletes.

    - ``policies``: per entity, per canonical field name, a conflict policy
      (:mod:`bridge.conflicts`); ``default_policy`` per entity for the other fields (GHL is
      the master for contacts, as users expect).
    - ``overlap``: GHL contacts are re-read from ``cursor - overlap`` (GHL's search index lags
      writes; re-reads are cheap thanks to digests).
    - ``deletes``: ``"soft"`` (default: the link becomes a tombstone, GHL contacts get the
      ``deleted_tag`` tag and, if set, ``ninox_deleted_field`` is set on the Ninox record) or
      ``"hard"`` (the other side's record is deleted). ``mass_delete_min`` /
      ``mass_delete_fraction``: more deletions than both in one pass aborts the delete phase
      and opens a review item instead.
    - ``chunk_size``: Ninox batch size (default: the client's).
    """

    policies: Mapping[str, Mapping[str, Policy]] = attrs.field(factory=dict)
    default_policy: Mapping[str, Policy] = attrs.field(factory=lambda: {"contact": GHL_WINS})
    fallback_policy: Policy = GHL_WINS
    overlap: timedelta = timedelta(minutes=5)
    deletes: Literal["soft", "hard"] = "soft"
    deleted_tag: str = "deleted in ninox"
    ninox_deleted_field: str | None = None
    mass_delete_min: int = 10
    mass_delete_fraction: float = 0.2
    chunk_size: int | None = None
    initial_winner: Literal["ghl", "ninox"] = "ghl"

    def policy_for(self, entity: str) -> tuple[Mapping[str, Policy], Policy]:
        return self.policies.get(entity, {}), self.default_policy.get(entity, self.fallback_policy)


@attrs.frozen
class Change:
    """One write the pass made (or, in a plan, would make): ``fields`` maps each canonical
    field to ``(old, new)`` on the ``target`` side."""

    entity: str
    action: Literal["create", "update", "delete", "soft_delete"]
    target: Side
    item: str
    fields: Mapping[str, tuple[Any, Any]] = attrs.field(factory=dict)


@attrs.frozen
class ConflictInfo:
    """A field changed on both sides; ``resolution`` is the winner or ``"manual"``."""

    entity: str
    item: str
    field: str
    ghl: Any
    ninox: Any
    resolution: str


@attrs.frozen
class ErrorInfo:
    """A record that failed; it was parked and the run went on."""

    entity: str
    item: str
    side: str
    message: str


@attrs.define
class RunReport:
    """What a pass did: counts per entity and action, the changes field by field, the
    conflicts and how they were resolved, per-record errors, and the cursors before/after."""

    kind: str
    dry_run: bool = False
    counts: dict[str, dict[str, int]] = attrs.field(factory=dict)
    changes: list[Change] = attrs.field(factory=list)
    conflicts: list[ConflictInfo] = attrs.field(factory=list)
    errors: list[ErrorInfo] = attrs.field(factory=list)
    cursors_before: dict[str, str] = attrs.field(factory=dict)
    cursors_after: dict[str, str] = attrs.field(factory=dict)
    run_id: str | None = None

    @property
    def ok(self) -> bool:
        """No record errors and no conflict waiting for a person."""
        return not self.errors and all(c.resolution != "manual" for c in self.conflicts)

    @property
    def writes(self) -> int:
        return len(self.changes)

    def count(self, entity: str, action: str, n: int = 1) -> None:
        bucket = self.counts.setdefault(entity, {})
        bucket[action] = bucket.get(action, 0) + n

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "dry_run": self.dry_run,
            "ok": self.ok,
            "run_id": self.run_id,
            "counts": self.counts,
            "changes": [
                {
                    "entity": c.entity,
                    "action": c.action,
                    "target": c.target,
                    "item": c.item,
                    "fields": {k: [_jsonable(a), _jsonable(b)] for k, (a, b) in c.fields.items()},
                }
                for c in self.changes
            ],
            "conflicts": [
                attrs.asdict(c, value_serializer=lambda _i, _a, v: _jsonable(v))
                for c in self.conflicts
            ],
            "errors": [attrs.asdict(e) for e in self.errors],
            "cursors_before": self.cursors_before,
            "cursors_after": self.cursors_after,
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, sort_keys=True)

    def __str__(self) -> str:
        title = f"{'plan' if self.dry_run else self.kind}: " + ("ok" if self.ok else "attention")
        lines = [title]
        for entity, actions in self.counts.items():
            summary = ", ".join(f"{action} {n}" for action, n in sorted(actions.items()))
            lines.append(f"  {entity}: {summary}")
        for c in self.conflicts:
            lines.append(
                f"  conflict {c.entity} {c.item} {c.field}: GHL {c.ghl!r} vs Ninox "
                f"{c.ninox!r} -> {c.resolution}"
            )
        for e in self.errors:
            lines.append(f"  error {e.entity} {e.item} ({e.side}): {e.message}")
        if self.dry_run:
            for ch in self.changes:
                detail = ", ".join(f"{k}: {a!r} -> {b!r}" for k, (a, b) in ch.fields.items())
                lines.append(
                    f"  would {ch.action} {ch.entity} {ch.item} in {ch.target}"
                    + (f" ({detail})" if detail else "")
                )
        return "\n".join(lines)


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    return value


def _op_key(*parts: Any) -> str:
    blob = json.dumps(parts, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(blob.encode()).hexdigest()[:32]


@attrs.define
class _Pair:
    """One record and its counterpart: ``ghl``/``ninox`` hold the current state (a wire dict
    / a Record), ``None`` when not read, or ``_GONE`` when deleted."""

    link: Link | None
    ghl: Any = None
    ninox: Any = None
    write_failed: bool = False


@attrs.define
class _NinoxWrite:
    pair: _Pair
    write: RecordWrite
    base: dict[str, Any]
    op_key: str
    label: str
    change: Change


class _Pass:
    """One sync pass. Reads and writes are yielded as effects; state is written directly."""

    def __init__(
        self,
        *,
        kind: str,
        mappings: MappingSet,
        store: SQLiteStateStore,
        config: SyncConfig,
        location_id: str,
        dry_run: bool,
        scan_deletes: bool,
        progress: Progress | None,
    ) -> None:
        self.mappings = mappings
        self.store = store
        self.config = config
        self.location = location_id
        self.dry_run = dry_run
        self.scan_deletes = scan_deletes
        self.progress = progress
        self.report = RunReport(kind=kind, dry_run=dry_run)
        self.run: Run | None = None
        self.now = datetime.now(timezone.utc)
        # GHL contacts read in this pass, by id (children need their parent's id).
        self.ghl_contacts: dict[str, dict[str, Any]] = {}
        self.retry_later = False

    # -- the pass ------------------------------------------------------------------------------

    def sync(self) -> Program[RunReport]:
        self._start()
        try:
            changed_contacts = yield from self._ghl_changed_contacts()
            for entity in self._entities():
                ghl_items = (
                    changed_contacts
                    if entity == "contact"
                    else (yield from self._ghl_children(entity, list(changed_contacts)))
                )
                ninox_changed, ninox_cursor = yield from self._ninox_changed(entity)
                ok = yield from self._reconcile_entity(entity, ghl_items, ninox_changed)
                if ok:
                    self._set_cursor("ninox", self._ninox_scope(entity), ninox_cursor)
                else:
                    self.retry_later = True
                if self.scan_deletes:
                    yield from self._scan_deletes(entity)
            if not self.retry_later:
                # A transient failure anywhere keeps the GHL cursor where it was, so the
                # records involved are read again next pass.
                self._set_cursor("ghl", self._ghl_scope(), self._ghl_high_water())
        except BaseException:
            self._finish("failed")
            raise
        self._finish("ok")
        return self.report

    def event(
        self, entity: str, ghl_id: str, contact_id: str | None, deleted: bool
    ) -> Program[RunReport]:
        """Reconcile one GHL record right away (a webhook said it changed)."""
        self._start()
        try:
            if deleted:
                wire: Any = _GONE
            else:
                wire = yield from self._ghl_fetch(entity, ghl_id, contact_id)
            items = {ghl_id: wire}
            if entity == "contact" and isinstance(wire, dict):
                self.ghl_contacts[ghl_id] = wire
            yield from self._reconcile_entity(entity, items, {})
        except BaseException:
            self._finish("failed")
            raise
        self._finish("ok")
        return self.report

    def _entities(self) -> list[str]:
        return [e for e in self.mappings.entities if e in ("contact", *CHILD_RESOURCES)]

    def _mapper(self, entity: str) -> EntityMapping:
        mapper = self.mappings.entity(entity)
        if not isinstance(mapper, EntityMapping):
            raise TypeError(
                f"the sync engine needs declarative EntityMapping objects; the {entity} mapper "
                f"is a {type(mapper).__name__} (use it with bridge.upsert instead)"
            )
        return mapper

    def _start(self) -> None:
        self.report.cursors_before = self.store.cursors()
        if not self.dry_run:
            self.run = self.store.start_run(self.report.kind, self.report.cursors_before)
            self.report.run_id = self.run.run_id

    def _finish(self, status: Literal["ok", "failed"]) -> None:
        self.report.cursors_after = self.store.cursors()
        if self.run is not None:
            counts = {
                f"{e}.{a}": n for e, acts in self.report.counts.items() for a, n in acts.items()
            }
            self.store.finish_run(
                self.run, status=status, counts=counts, cursors_after=self.report.cursors_after
            )

    # -- cursors -------------------------------------------------------------------------------

    def _ghl_scope(self) -> str:
        return f"{self.location}:contact"

    def _ninox_scope(self, entity: str) -> str:
        return f"{self._mapper(entity).ninox_table}"

    def _set_cursor(self, source: Side, scope: str, value: str | None) -> None:
        if value is None or self.dry_run:
            return
        self.store.set_cursor(Cursor(source=source, scope=scope, value=value))

    def _ghl_high_water(self) -> str | None:
        """The new GHL cursor: the newest ``dateUpdated`` read, or, when that is older, the
        pass start minus the overlap (everything updated before then was visible to this
        pass's search). Either way never past our own clock: a peer clock running ahead must
        not blind us. Re-reads thus cover recent activity only, not the whole location."""
        stamps = [self.now - self.config.overlap]
        for wire in self.ghl_contacts.values():
            raw = wire.get("dateUpdated") or wire.get("dateAdded")
            if raw:
                try:
                    stamps.append(parse_datetime(raw))
                except (TypeError, ValueError):
                    continue
        return min(max(stamps), self.now).isoformat()

    # -- reading -------------------------------------------------------------------------------

    def _ghl_changed_contacts(self) -> Program[dict[str, Any]]:
        cursor = self.store.get_cursor("ghl", self._ghl_scope())
        if cursor is None:
            items = yield Do("ghl", lambda g: g.contacts.list(), collect=True)
        else:
            since = parse_datetime(cursor.value) - self.config.overlap
            filters = [
                {
                    "field": "dateUpdated",
                    "operator": "range",
                    "value": {"gte": since.isoformat().replace("+00:00", "Z")},
                }
            ]
            sort = [{"field": "dateUpdated", "direction": "asc"}]
            items = yield Do(
                "ghl", lambda g: g.contacts.search(filters=filters, sort=sort), collect=True
            )
        for item in items:
            wire = as_wire(item)
            self.ghl_contacts[wire["id"]] = wire
        return dict(self.ghl_contacts)

    def _ghl_children(self, entity: str, contact_ids: Sequence[str]) -> Program[dict[str, Any]]:
        resource = CHILD_RESOURCES[entity]
        found: dict[str, Any] = {}
        for n, contact_id in enumerate(contact_ids):
            try:
                children = yield list_children(resource, contact_id)
            except NotFoundError:
                continue  # the contact went away; its deletion is handled with contacts
            except APIError as exc:
                # One contact's unreadable children must not stop the others.
                self._park(entity, _Pair(None, {"id": f"{resource} of {contact_id}"}), "read", exc)
                continue
            for child in children:
                wire = as_wire(child)
                if not wire.get("contactId"):
                    wire["contactId"] = contact_id
                found[wire["id"]] = wire
            if self.progress is not None:
                self.progress(n + 1, len(contact_ids), f"reading GHL {resource}")
        return found

    def _ghl_fetch(self, entity: str, ghl_id: str, contact_id: str | None) -> Program[Any]:
        try:
            if entity == "contact":
                item = yield Do("ghl", lambda g: g.contacts.get(ghl_id))
            elif entity == "appointment" or contact_id is None:
                return None  # not fetchable one by one: leave it to the poller
            else:
                resource = CHILD_RESOURCES[entity]
                item = yield Do("ghl", lambda g: getattr(g, resource).get(contact_id, ghl_id))
        except NotFoundError:
            return _GONE
        wire = as_wire(item)
        if contact_id and not wire.get("contactId"):
            wire["contactId"] = contact_id
        return wire

    def _ninox_changed(self, entity: str) -> Program[tuple[dict[int, Record], str | None]]:
        table = self._mapper(entity).ninox_table
        cursor = self.store.get_cursor("ninox", self._ninox_scope(entity))
        since = int(cursor.value) if cursor is not None else 0
        records: list[Record] = yield Do(
            "ninox", lambda db: db.table(table, typed=False).changes(since), collect=True
        )
        high = max([since, *(r.sequence or 0 for r in records)])
        return {r.id: r for r in records}, str(high)

    def _ninox_get(self, table: str, record_id: int) -> Program[Any]:
        try:
            record = yield Do("ninox", lambda db: db.table(table, typed=False).get(record_id))
        except NotFoundError:
            return _GONE
        return record

    def _ninox_all(self, table: str) -> Program[list[Record]]:
        records: list[Record] = yield Do(
            "ninox", lambda db: db.table(table, typed=False).iter(), collect=True
        )
        return records

    def _identities(
        self, entity: str, mapper: EntityMapping, records: list[Record]
    ) -> dict[tuple[str, Any], list[Record]]:
        """Unlinked Ninox records without a GHL id, by canonical email and by phone."""
        out: dict[tuple[str, Any], list[Record]] = {}
        for record in records:
            if mapper.ninox_ghl_id(record.fields) is not None:
                continue
            if self.store.link_by_ninox(entity, mapper.ninox_table, record.id) is not None:
                continue
            try:
                canon = mapper.ninox_canonical(record.fields)
            except MappingError:
                continue
            for name in ("email", "phone"):
                if canon.get(name):
                    out.setdefault((name, canon[name]), []).append(record)
        return out

    def _match_identity(
        self,
        mapper: EntityMapping,
        wire: Mapping[str, Any],
        by_identity: dict[tuple[str, Any], list[Record]],
    ) -> Record | None:
        try:
            canon = mapper.ghl_canonical(wire)
        except MappingError:
            return None
        for name in ("email", "phone"):
            found = by_identity.get((name, canon.get(name)), []) if canon.get(name) else []
            if len(found) == 1:
                record = found[0]
                for group in by_identity.values():  # adopt it once only
                    if record in group:
                        group.remove(record)
                return record
        return None

    # -- pairing and reconciling ---------------------------------------------------------------

    def _reconcile_entity(
        self, entity: str, ghl_items: dict[str, Any], ninox_items: dict[int, Record]
    ) -> Program[bool]:
        """Pair, reconcile and apply one entity; False if a transient failure means the Ninox
        cursor must not move past this pass."""
        mapper = self._mapper(entity)
        table = mapper.ninox_table
        pairs: list[_Pair] = []
        unlinked_ghl: list[tuple[str, Any]] = []
        ninox_left = dict(ninox_items)
        for ghl_id, wire in ghl_items.items():
            link = self.store.link_by_ghl(entity, ghl_id)
            if link is None:
                unlinked_ghl.append((ghl_id, wire))
                continue
            record = ninox_left.pop(link.ninox_id, None) if link.ninox_id is not None else None
            if record is None and self._unchanged_in_ghl(mapper, link, wire):
                # Not in this pass's Ninox change feed and GHL as last agreed: nothing to do,
                # no need to fetch the Ninox record (re-reads from the overlap window stay free).
                self.report.count(entity, "unchanged")
                continue
            pairs.append(_Pair(link, wire, record))
        if unlinked_ghl:
            records = yield from self._ninox_all(table)
            by_key = {mapper.ninox_ghl_id(r.fields): r for r in records}
            by_identity = self._identities(entity, mapper, records) if entity == "contact" else {}
            for ghl_id, wire in unlinked_ghl:
                # Records created by an interrupted pass carry the GHL id: adopt them. Contacts
                # also match exactly one unlinked Ninox contact by email, then phone.
                record = by_key.get(ghl_id)
                if record is None and isinstance(wire, dict) and by_identity:
                    record = self._match_identity(mapper, wire, by_identity)
                if record is not None:
                    ninox_left.pop(record.id, None)
                pairs.append(_Pair(None, wire, record))
        for record in ninox_left.values():
            link = self.store.link_by_ninox(entity, table, record.id)
            if link is not None and link.ghl_id in ghl_items:
                continue
            pairs.append(_Pair(link, None, record))

        # Fill in the side we have not read yet.
        for pair in pairs:
            if pair.ninox is None and pair.link is not None and pair.link.ninox_id is not None:
                pair.ninox = yield from self._ninox_get(table, pair.link.ninox_id)
            if pair.ghl is None:
                known = pair.link.ghl_id if pair.link is not None else None
                if known is None and isinstance(pair.ninox, Record):
                    known = mapper.ninox_ghl_id(pair.ninox.fields)
                if known is not None:
                    contact_id = self._ghl_parent_id(entity, pair)
                    pair.ghl = yield from self._ghl_fetch(entity, known, contact_id)

        deletions = [
            p for p in pairs if p.link is not None and (p.ghl is _GONE or p.ninox is _GONE)
        ]
        if deletions and self._mass_delete(entity, len(deletions)):
            pairs = [p for p in pairs if p not in deletions]

        ninox_writes: list[_NinoxWrite] = []
        transient = False
        for pair in pairs:
            try:
                transient |= not (yield from self._handle_pair(entity, mapper, pair, ninox_writes))
            except (MappingError, TypeError, ValueError) as exc:
                self._park(entity, pair, "map", exc)
        if ninox_writes:
            transient |= not (yield from self._apply_ninox(entity, mapper, ninox_writes))
        return not transient

    @staticmethod
    def _unchanged_in_ghl(mapper: EntityMapping, link: Link, wire: Any) -> bool:
        if not isinstance(wire, dict) or link.state != "active" or link.ghl_digest is None:
            return False
        try:
            return mapper.digest(mapper.ghl_canonical(wire)) == link.ghl_digest
        except MappingError:
            return False

    def _ghl_parent_id(self, entity: str, pair: _Pair) -> str | None:
        if entity == "contact":
            return None
        if isinstance(pair.ghl, dict) and pair.ghl.get("contactId"):
            return str(pair.ghl["contactId"])
        if pair.link is not None and pair.link.parent_link_id is not None:
            parent = self.store.link(pair.link.parent_link_id)
            return parent.ghl_id if parent is not None else None
        if isinstance(pair.ninox, Record):
            mapper = self._mapper(entity)
            for ref in mapper.refs:
                value = pair.ninox.fields.get(ref.ninox)
                if isinstance(value, int):
                    parent = self.store.link_by_ninox("contact", ref.table, value)
                    if parent is not None:
                        return parent.ghl_id
        return None

    def _handle_pair(
        self, entity: str, mapper: EntityMapping, pair: _Pair, ninox_writes: list[_NinoxWrite]
    ) -> Program[bool]:
        """Decide and (for GHL) apply one pair. Returns False on a transient failure."""
        link, g, n = pair.link, pair.ghl, pair.ninox
        if g is _GONE or n is _GONE:
            return (yield from self._delete(entity, mapper, pair))
        if g is None and n is None:
            return True
        refs = self._ref_resolver(mapper)
        if n is None:  # new in GHL: create in Ninox
            fields = mapper.to_ninox(g, refs=refs)
            canon = mapper.ghl_canonical(g)
            label = mapper.ghl_id(g)
            change = Change(
                entity, "create", "ninox", label, {k: (None, v) for k, v in canon.items()}
            )
            ninox_writes.append(
                _NinoxWrite(
                    pair,
                    RecordWrite(fields=fields),
                    canon,
                    _op_key(entity, label, "ninox", "create"),
                    label,
                    change,
                )
            )
            return True
        if g is None:  # new in Ninox: create in GHL
            return (yield from self._create_in_ghl(entity, mapper, pair))
        cg, cn = mapper.ghl_canonical(g), mapper.ninox_canonical(n.fields)
        label = mapper.ghl_id(g)
        if (
            link is not None
            and link.ghl_digest == mapper.digest(cg)
            and link.ninox_digest == mapper.digest(cn)
        ):
            self.report.count(entity, "unchanged")
            return True
        policies, default = self.config.policy_for(entity)
        base = dict(link.base) if link is not None else {}
        if link is None:
            # Initial match: a blank never overwrites a value; otherwise initial_winner.
            default = PreferNonEmpty(tie_breaker=self.config.initial_winner)
        plan = reconcile(
            base,
            cg,
            cn,
            directions={f.name: f.direction.value for f in mapper.fields},
            policies=policies,
            default_policy=default,
            ghl_updated_at=_stamp(g.get("dateUpdated")),
            ninox_modified_at=n.modified_at,
        )
        self._record_conflicts(entity, label, plan, link, cg, cn)
        if mapper.ninox_ghl_id(n.fields) != label:
            # An adopted record without (or with another) GHL id: make it self-identifying.
            key_write = {mapper.ninox_key: label}
            change = Change(entity, "update", "ninox", label, {"(link)": (None, label)})
            ninox_writes.append(
                _NinoxWrite(
                    pair,
                    RecordWrite(id=n.id, fields=key_write),
                    dict(plan.base),
                    _op_key(entity, label, "ninox", "key"),
                    label,
                    change,
                )
            )
        if not plan.to_ghl and not plan.to_ninox:
            # Nothing to write (fields under review keep their old base and stay contested).
            self._save_agreed(entity, mapper, pair, plan.base, cg, cn, n)
            if plan.is_noop:
                self.report.count(entity, "unchanged")
            return True
        ok = True
        if plan.to_ghl:
            ok = yield from self._update_ghl(entity, mapper, pair, plan, cg)
            if pair.write_failed:
                # All or nothing per pair: writing only the Ninox half would store digests that
                # make the failed GHL half look done (a lost update). Both are retried.
                return ok
        if plan.to_ninox:
            subset = attrs.evolve(
                mapper, fields=tuple(f for f in mapper.fields if f.name in plan.to_ninox)
            )
            fields = {
                k: v for k, v in subset.to_ninox(g, refs=refs).items() if k != mapper.ninox_key
            }
            change = Change(
                entity,
                "update",
                "ninox",
                label,
                {k: (cn.get(k), v) for k, v in plan.to_ninox.items()},
            )
            ninox_writes.append(
                _NinoxWrite(
                    pair,
                    RecordWrite(id=n.id, fields=fields),
                    dict(plan.base),
                    _op_key(entity, label, "ninox", fields, link.version if link else 0),
                    label,
                    change,
                )
            )
        return ok

    def _ref_resolver(self, mapper: EntityMapping) -> Callable[[str, str], int | None] | None:
        if not mapper.refs:
            return None

        def resolve(table: str, ghl_id: str) -> int | None:
            link = self.store.link_by_ghl("contact", ghl_id)
            return link.ninox_id if link is not None else None

        return resolve

    def _record_conflicts(
        self,
        entity: str,
        label: str,
        plan: Plan,
        link: Link | None,
        cg: Mapping[str, Any],
        cn: Mapping[str, Any],
    ) -> None:
        for field, winner in plan.settled.items():
            info = ConflictInfo(entity, label, field, cg.get(field), cn.get(field), winner)
            self.report.conflicts.append(info)
            self.report.count(entity, "conflict")
        for field, conflict in plan.review.items():
            self.report.conflicts.append(
                ConflictInfo(entity, label, field, conflict.ghl, conflict.ninox, "manual")
            )
            self.report.count(entity, "review")
            if not self.dry_run:
                self.store.add_review(
                    ReviewItem(
                        kind="field_conflict",
                        link_id=link.link_id if link else None,
                        source_ref=label,
                        fields=(field,),
                        ghl_values={field: _jsonable(conflict.ghl)},
                        ninox_values={field: _jsonable(conflict.ninox)},
                        base_values={field: _jsonable(conflict.base)},
                    )
                )

    # -- writing -------------------------------------------------------------------------------

    def _update_ghl(
        self, entity: str, mapper: EntityMapping, pair: _Pair, plan: Plan, cg: Mapping[str, Any]
    ) -> Program[bool]:
        assert isinstance(pair.ninox, Record)
        assert isinstance(pair.ghl, dict)
        subset = attrs.evolve(
            mapper, fields=tuple(f for f in mapper.fields if f.name in plan.to_ghl)
        )
        body = subset.to_ghl(pair.ninox.fields, current=pair.ghl)
        label = mapper.ghl_id(pair.ghl)
        change = Change(
            entity, "update", "ghl", label, {k: (cg.get(k), v) for k, v in plan.to_ghl.items()}
        )
        if entity == "appointment":
            self._park(
                entity, pair, "write", ValueError("appointments are synced GHL -> Ninox only")
            )
            return True
        self.report.changes.append(change)
        self.report.count(entity, "update_ghl")
        if self.dry_run:
            return True
        contact_id = self._ghl_parent_id(entity, pair)
        key = _op_key(entity, label, "ghl", body, pair.link.version if pair.link else 0)
        op = Op(
            op_key=key,
            link_id=pair.link.link_id if pair.link else None,
            target="ghl",
            kind="update",
            patch=body,
            intended={k: _jsonable(v) for k, v in plan.to_ghl.items()},
            run_id=self.report.run_id,
        )
        self.store.add_op(op)
        self.store.set_op_state(key, "sent")
        try:
            updated = yield _ghl_update(entity, label, contact_id, body)
        except APIError as exc:
            self.store.set_op_state(key, "failed", error=str(exc))
            self._park(entity, pair, "write", exc)
            pair.write_failed = True
            return not _transient(exc)
        readback = as_wire(updated) if updated is not None else {}
        if readback:
            readback.setdefault("contactId", pair.ghl.get("contactId"))
            pair.ghl = {**pair.ghl, **readback}
        with self.store.transaction():
            self.store.set_op_state(key, "done")
            if not plan.to_ninox:
                self._save_agreed(
                    entity,
                    mapper,
                    pair,
                    plan.base,
                    mapper.ghl_canonical(pair.ghl),
                    mapper.ninox_canonical(pair.ninox.fields),
                    pair.ninox,
                )
        return True

    def _create_in_ghl(self, entity: str, mapper: EntityMapping, pair: _Pair) -> Program[bool]:
        record = pair.ninox
        assert isinstance(record, Record)
        if mapper.ninox_ghl_id(record.fields):
            return True  # it names a GHL record we could not read: not ours to re-create
        label = f"ninox:{record.id}"
        if entity not in ("contact", "task", "note"):
            self._park(entity, pair, "write", ValueError(f"{entity}s are synced GHL -> Ninox only"))
            return True
        contact_id = None
        if entity != "contact":
            contact_id = self._ghl_parent_id(entity, pair)
            if contact_id is None:
                self._park(entity, pair, "plan", ValueError("its contact is not linked to GHL yet"))
                return False
        body = mapper.to_ghl(record.fields)
        cn = mapper.ninox_canonical(record.fields)
        self.report.changes.append(
            Change(entity, "create", "ghl", label, {k: (None, v) for k, v in cn.items()})
        )
        self.report.count(entity, "create_ghl")
        if self.dry_run:
            return True
        key = _op_key(entity, label, "ghl", "create")
        self.store.add_op(
            Op(
                op_key=key,
                link_id=None,
                target="ghl",
                kind="create",
                patch=body,
                run_id=self.report.run_id,
            )
        )
        self.store.set_op_state(key, "sent")
        try:
            created = yield _ghl_create(entity, contact_id, body)
        except APIError as exc:
            self.store.set_op_state(key, "failed", error=str(exc))
            self._park(entity, pair, "write", exc)
            return not _transient(exc)
        wire = as_wire(created.contact if entity == "contact" else created)
        if contact_id and not wire.get("contactId"):
            wire["contactId"] = contact_id
        ghl_id = wire["id"]
        # Write the new id back to Ninox first: a crash after this leaves a self-identifying
        # record that the next pass adopts instead of creating another GHL record.
        try:
            yield Do(
                "ninox",
                lambda db: db.table(mapper.ninox_table, typed=False).update(
                    record.id, {mapper.ninox_key: ghl_id}
                ),
            )
        except APIError as exc:
            self.store.set_op_state(key, "failed", error=f"id write-back failed: {exc}")
            self._park(entity, pair, "write", exc)
            return False
        with self.store.transaction():
            self.store.set_op_state(key, "done")
            pair.ghl = wire
            self._save_agreed(entity, mapper, pair, cn, mapper.ghl_canonical(wire), cn, record)
        return True

    def _apply_ninox(
        self, entity: str, mapper: EntityMapping, writes: list[_NinoxWrite]
    ) -> Program[bool]:
        for w in writes:
            self.report.changes.append(w.change)
            self.report.count(entity, "create_ninox" if w.write.id is None else "update_ninox")
        if self.dry_run:
            return True
        with self.store.transaction():  # the intents are durable before the request
            for w in writes:
                self.store.add_op(
                    Op(
                        op_key=w.op_key,
                        link_id=w.pair.link.link_id if w.pair.link else None,
                        target="ninox",
                        kind="create" if w.write.id is None else "update",
                        patch=dict(w.write.fields),
                        run_id=self.report.run_id,
                    )
                )
                self.store.set_op_state(w.op_key, "sent")
        failed: dict[int, BaseException] = {}
        saved: list[Record] = []
        try:
            saved = yield Do(
                "ninox",
                lambda db: db.table(mapper.ninox_table, typed=False).save(
                    [w.write for w in writes],
                    chunk_size=self.config.chunk_size,
                    continue_on_error=True,
                ),
            )
        except BatchWriteError as exc:
            failed = {f.index: f.error for f in exc.failed}
            failed.update({i: exc for i, _ in exc.pending})
            saved = [r for r in exc.saved if isinstance(r, Record)]
        except APIError as exc:
            failed = dict.fromkeys(range(len(writes)), exc)
        with self.store.transaction():  # every outcome of the batch, recorded at once
            return self._record_ninox_outcomes(entity, mapper, writes, failed, saved)

    def _record_ninox_outcomes(
        self,
        entity: str,
        mapper: EntityMapping,
        writes: list[_NinoxWrite],
        failed: dict[int, BaseException],
        saved: list[Record],
    ) -> bool:
        ok = True
        saved_iter = iter(saved)
        for index, w in enumerate(writes):
            error = failed.get(index)
            if error is not None:
                self.store.set_op_state(w.op_key, "failed", error=str(error))
                self._park(entity, w.pair, "write", error)
                ok &= not _transient(error)
                continue
            record = next(saved_iter, None)
            assert isinstance(w.pair.ghl, dict)
            written = record if isinstance(record, Record) else w.pair.ninox
            try:
                cg = mapper.ghl_canonical(w.pair.ghl)
                cn = mapper.ninox_canonical(written.fields) if isinstance(written, Record) else cg
            except MappingError as exc:  # written, but unreadable back: compare again next pass
                self.store.set_op_state(w.op_key, "done")
                self._park(entity, w.pair, "read", exc)
                continue
            with self.store.transaction():
                self.store.set_op_state(w.op_key, "done")
                self._save_agreed(entity, mapper, w.pair, w.base, cg, cn, written)
        return ok

    def _save_agreed(
        self,
        entity: str,
        mapper: EntityMapping,
        pair: _Pair,
        base: Mapping[str, Any],
        cg: Mapping[str, Any],
        cn: Mapping[str, Any],
        record: Any,
    ) -> None:
        """Store the new agreement of a pair (base and one digest per side)."""
        if self.dry_run:
            return
        ghl = pair.ghl if isinstance(pair.ghl, dict) else {}
        base_json = {k: _jsonable(v) for k, v in base.items()}
        link = pair.link
        fields: dict[str, Any] = dict(
            ghl_id=ghl.get("id", link.ghl_id if link else None),
            ninox_id=record.id if isinstance(record, Record) else (link.ninox_id if link else None),
            state="active",
            ghl_digest=mapper.digest(cg),
            ninox_digest=mapper.digest(cn),
            base=base_json,
            ghl_updated_raw=ghl.get("dateUpdated"),
            ninox_sq=record.sequence if isinstance(record, Record) else None,
            agreed_at=self.now,
            error_count=0,
            last_error=None,
        )
        if link is None:
            parent = self._parent_link_id(entity, ghl)
            link = Link(
                entity=entity,
                ninox_table=mapper.ninox_table,
                parent_link_id=parent,
                last_origin="initial",
                **fields,
            )
        else:
            link = attrs.evolve(link, version=link.version + 1, **fields)
        pair.link = self.store.save_link(link)

    def _parent_link_id(self, entity: str, ghl: Mapping[str, Any]) -> int | None:
        if entity == "contact" or not ghl.get("contactId"):
            return None
        parent = self.store.link_by_ghl("contact", str(ghl["contactId"]))
        return parent.link_id if parent is not None else None

    # -- deletes -------------------------------------------------------------------------------

    def _mass_delete(self, entity: str, count: int) -> bool:
        links = len(self.store.links(entity))
        limit = max(self.config.mass_delete_min, int(links * self.config.mass_delete_fraction))
        if count <= limit:
            return False
        self.report.errors.append(
            ErrorInfo(
                entity,
                "*",
                "both",
                f"{count} deletions in one pass exceed the guard ({limit}); nothing was deleted, "
                "see the review queue",
            )
        )
        if not self.dry_run:
            self.store.add_review(ReviewItem(kind="mass_delete", source_ref=f"{entity}:{count}"))
        return True

    def _delete(self, entity: str, mapper: EntityMapping, pair: _Pair) -> Program[bool]:
        link = pair.link
        if link is None:
            return True  # never linked: nothing of ours to delete
        gone_in: Side = "ghl" if pair.ghl is _GONE else "ninox"
        if pair.ghl is _GONE and pair.ninox is _GONE:
            if not self.dry_run:
                self.store.save_link(attrs.evolve(link, state="tombstone_both"))
            return True
        if link.state.startswith("tombstone"):
            return True
        target: Side = "ninox" if gone_in == "ghl" else "ghl"
        label = link.ghl_id or f"ninox:{link.ninox_id}"
        hard = self.config.deletes == "hard"
        self.report.changes.append(
            Change(entity, "delete" if hard else "soft_delete", target, label)
        )
        self.report.count(entity, "delete" if hard else "soft_delete")
        if self.dry_run:
            return True
        try:
            if target == "ninox":
                if hard:
                    yield Do(
                        "ninox",
                        lambda db: db.table(mapper.ninox_table, typed=False).delete(link.ninox_id),
                    )
                elif self.config.ninox_deleted_field:
                    yield Do(
                        "ninox",
                        lambda db: db.table(mapper.ninox_table, typed=False).update(
                            link.ninox_id, {self.config.ninox_deleted_field: True}
                        ),
                    )
            elif entity == "contact":
                if hard:
                    yield Do("ghl", lambda g: g.contacts.delete(link.ghl_id))
                else:
                    yield Do("ghl", lambda g: g.tags.add(link.ghl_id, [self.config.deleted_tag]))
            elif hard and entity in ("task", "note"):
                contact_id = self._ghl_parent_id(entity, pair)
                resource = CHILD_RESOURCES[entity]
                yield Do("ghl", lambda g: getattr(g, resource).delete(contact_id, link.ghl_id))
        except NotFoundError:
            pass  # already gone on that side too
        except APIError as exc:
            self._park(entity, pair, "write", exc)
            return not _transient(exc)
        state = (
            "tombstone_both"
            if hard
            else ("tombstone_ghl" if gone_in == "ghl" else "tombstone_ninox")
        )
        self.store.save_link(attrs.evolve(link, state=cast(Any, state)))
        return True

    def _scan_deletes(self, entity: str) -> Program[None]:
        """Find deletions the change feeds cannot show: linked ids missing on either side."""
        mapper = self._mapper(entity)
        links = [lk for lk in self.store.links(entity) if lk.state == "active"]
        if not links:
            return
        records: list[Record] = yield Do(
            "ninox", lambda db: db.table(mapper.ninox_table, typed=False).iter(), collect=True
        )
        if not records:
            self._mass_delete(entity, len(links) + self.config.mass_delete_min + 1)
            return
        present = {r.id for r in records}
        ghl_present: set[str] | None = None
        if entity == "contact":
            contacts = yield Do("ghl", lambda g: g.contacts.list(), collect=True)
            ghl_present = {as_wire(c)["id"] for c in contacts}
            if not ghl_present:
                self._mass_delete(entity, len(links) + self.config.mass_delete_min + 1)
                return
        gone = [
            _Pair(
                lk,
                _GONE if ghl_present is not None and lk.ghl_id not in ghl_present else None,
                _GONE if lk.ninox_id not in present else None,
            )
            for lk in links
        ]
        gone = [p for p in gone if p.ghl is _GONE or p.ninox is _GONE]
        if not gone or self._mass_delete(entity, len(gone)):
            return
        for pair in gone:
            yield from self._delete(entity, mapper, pair)

    def _park(self, entity: str, pair: _Pair, stage: str, error: BaseException) -> None:
        label = (
            (pair.link.ghl_id if pair.link and pair.link.ghl_id else None)
            or (pair.ghl.get("id") if isinstance(pair.ghl, dict) else None)
            or (f"ninox:{pair.ninox.id}" if isinstance(pair.ninox, Record) else "?")
        )
        side: Side = "ghl" if stage == "write" and isinstance(pair.ninox, Record) else "ninox"
        message = f"{type(error).__name__}: {error}"
        self.report.errors.append(ErrorInfo(entity, str(label), side, message))
        self.report.count(entity, "error")
        if self.run is not None:
            self.store.add_record_error(
                RecordError(
                    run_id=self.run.run_id,
                    side=side,
                    record_id=str(label),
                    stage=cast(Any, stage),
                    error=type(error).__name__,
                    message=str(error),
                )
            )


def _transient(error: BaseException) -> bool:
    """A failure worth retrying on the next pass (the cursor must not move past it)."""
    from _sdkcore.errors import APIConnectionError, APIStatusError

    if isinstance(error, APIConnectionError):
        return True
    if isinstance(error, APIStatusError):
        return error.status_code == 429 or error.status_code >= 500
    return isinstance(error, BatchWriteError)


def _stamp(raw: Any) -> datetime | None:
    try:
        return parse_datetime(raw) if raw else None
    except (TypeError, ValueError):
        return None


def _ghl_update(entity: str, ghl_id: str, contact_id: str | None, body: Mapping[str, Any]) -> Do:
    kwargs = ghl_arguments(body)
    if entity == "contact":
        return Do("ghl", lambda g: g.contacts.update(ghl_id, **kwargs))
    resource = CHILD_RESOURCES[entity]
    return Do("ghl", lambda g: getattr(g, resource).update(contact_id, ghl_id, **kwargs))


def _ghl_create(entity: str, contact_id: str | None, body: Mapping[str, Any]) -> Do:
    kwargs = ghl_arguments(body)
    if entity == "contact":
        return Do("ghl", lambda g: g.contacts.upsert(**kwargs))
    resource = CHILD_RESOURCES[entity]
    return Do("ghl", lambda g: getattr(g, resource).create(contact_id, **kwargs))


# -- the twin engines ----------------------------------------------------------------------------


class _EngineBase:
    def _init(
        self,
        ghl: Any,
        ninox: Any,
        store: SQLiteStateStore,
        mappings: MappingSet | None,
        config: SyncConfig | None,
        progress: Progress | None,
    ) -> None:
        location = getattr(ghl, "location_id", None)
        if not location:
            raise ValueError("the sync engine needs a GHL client with a location_id")
        self._clients: dict[Side, Any] = {"ghl": ghl, "ninox": ninox}
        self.store = store
        self.mappings = mappings or default_mappings()
        self.config = config or SyncConfig()
        self.location_id: str = location
        self.progress = progress

    def _pass(self, kind: str, *, dry_run: bool = False, scan_deletes: bool = False) -> _Pass:
        return _Pass(
            kind=kind,
            mappings=self.mappings,
            store=self.store,
            config=self.config,
            location_id=self.location_id,
            dry_run=dry_run,
            scan_deletes=scan_deletes,
            progress=self.progress,
        )

    @staticmethod
    def _event_args(event: Any) -> tuple[str, str, str | None, bool] | None:
        kind = type(event).__name__
        for prefix, entity in (
            ("Contact", "contact"),
            ("Task", "task"),
            ("Note", "note"),
            ("Appointment", "appointment"),
        ):
            if kind.startswith(prefix):
                deleted = "Delete" in kind
                if entity == "appointment":
                    inner = getattr(event, "appointment", None)
                    ghl_id = getattr(inner, "id", None)
                    contact_id = getattr(inner, "contact_id", None)
                elif entity == "contact":
                    ghl_id, contact_id = getattr(event, "id", None), None
                else:
                    ghl_id = getattr(event, "id", None)
                    contact_id = getattr(event, "contact_id", None)
                return (entity, ghl_id, contact_id, deleted) if ghl_id else None
        return None


class SyncEngine(_EngineBase):
    """Two-way sync over a :class:`~ghlsdk.GHLClient` and a Ninox database handle.

    Passes, webhook events and pollers of one engine take turns (a lock): two passes working
    on one record at once could both create its counterpart. Across processes, use the state
    store's run lock (the CLI does).
    """

    def __init__(
        self,
        ghl: GHLClient,
        ninox: DatabaseHandle,
        store: SQLiteStateStore,
        *,
        mappings: MappingSet | None = None,
        config: SyncConfig | None = None,
        progress: Progress | None = None,
    ) -> None:
        self._init(ghl, ninox, store, mappings, config, progress)
        self._turn = threading.Lock()

    def sync(self, *, scan_deletes: bool = False) -> RunReport:
        """One pass both ways; ``scan_deletes`` also compares every linked id with both sides."""
        with self._turn:
            return run(self._pass("sync", scan_deletes=scan_deletes).sync(), self._clients)

    def plan(self, *, scan_deletes: bool = False) -> RunReport:
        """What :meth:`sync` would do, field by field; writes nothing (API or state)."""
        program = self._pass("plan", dry_run=True, scan_deletes=scan_deletes).sync()
        with self._turn:
            return run(program, self._clients)

    def handle_ghl_event(self, event: Any) -> RunReport:
        """Reconcile the record a verified GHL webhook event names, right away."""
        args = self._event_args(event)
        if args is None:
            return RunReport(kind="event")
        with self._turn:
            return run(self._pass("event").event(*args), self._clients)


class AsyncSyncEngine(_EngineBase):
    """The async twin of :class:`SyncEngine` (its turns are an ``anyio.Lock``)."""

    def __init__(
        self,
        ghl: AsyncGHLClient,
        ninox: AsyncDatabaseHandle,
        store: SQLiteStateStore,
        *,
        mappings: MappingSet | None = None,
        config: SyncConfig | None = None,
        progress: Progress | None = None,
    ) -> None:
        self._init(ghl, ninox, store, mappings, config, progress)
        self._turn = anyio.Lock()

    async def sync(self, *, scan_deletes: bool = False) -> RunReport:
        """One pass both ways; ``scan_deletes`` also compares every linked id with both sides."""
        program = self._pass("sync", scan_deletes=scan_deletes).sync()
        async with self._turn:
            return await arun(program, self._clients)

    async def plan(self, *, scan_deletes: bool = False) -> RunReport:
        """What :meth:`sync` would do, field by field; writes nothing (API or state)."""
        program = self._pass("plan", dry_run=True, scan_deletes=scan_deletes).sync()
        async with self._turn:
            return await arun(program, self._clients)

    async def handle_ghl_event(self, event: Any) -> RunReport:
        """Reconcile the record a verified GHL webhook event names, right away."""
        args = self._event_args(event)
        if args is None:
            return RunReport(kind="event")
        async with self._turn:
            return await arun(self._pass("event").event(*args), self._clients)
