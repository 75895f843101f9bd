"""Whose tasks, notes and appointments a pass reads: contacts that are new or changed.

A contact's children are read when the contact is new, unsettled, or changed in GHL since it
last agreed with Ninox (``SyncConfig.children_of``). Those contacts are remembered in the
state before the contacts are settled, and forgotten only when a pass has read every child
entity: a pass that crashes or fails after linking a contact but before reading its
children leaves them to the next pass, which no longer sees the contact as changed.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from bridge._ghl import CHILD_ENTITIES
from bridge.mapping import MappingError, SyncMapper
from bridge.state import Link, StateStore
from bridge.sync.context import PassContext
from bridge.sync.effects import Program, state
from bridge.sync.pairing import Parents

__all__ = ["children_of", "every_contact", "forget_pending"]


def _flag(ctx: PassContext) -> str:
    return f"children-pending:{ctx.location}"


def every_contact(ctx: PassContext) -> bool:
    """Does this pass read the children of every contact it reads (no selection)?"""
    return (
        ctx.config.children_of == "every_contact_read"
        or ctx.scan_deletes
        or "contact" not in ctx.mappers
    )


def children_of(
    ctx: PassContext, contacts: Mapping[str, dict[str, Any]], parents: Parents
) -> Program[list[str]]:
    """The contacts whose children this pass reads, remembered until a pass reads them all;
    a ``scan_deletes`` pass reads those of every linked contact."""
    if ctx.scan_deletes:
        return sorted(set(contacts) | set(parents.by_ghl))
    if every_contact(ctx):
        return list(contacts)
    ids = list(contacts)
    flag = _flag(ctx)

    def load(s: StateStore) -> tuple[dict[str, Link], list[str]]:
        return s.links_by_ghl("contact", ids), json.loads(s.get_flag(flag) or "[]")

    links, pending = yield from state(load)
    mapper = ctx.mapper("contact")
    changed = [gid for gid, wire in contacts.items() if _changed(mapper, links.get(gid), wire)]
    selected = sorted(set(pending) | set(changed))
    if selected != sorted(pending) and not ctx.dry_run:
        value = json.dumps(selected)
        yield from state(lambda s: s.set_flag(flag, value))
    ctx.children_pending = bool(selected)
    return selected


def forget_pending(ctx: PassContext, s: StateStore) -> None:
    """At the end of a pass that read every child entity, inside its cursor transaction."""
    if ctx.children_pending and ctx.hold.isdisjoint(CHILD_ENTITIES):
        s.set_flag(_flag(ctx), None)


def _changed(mapper: SyncMapper, link: Link | None, wire: Mapping[str, Any]) -> bool:
    """New, unsettled, or changed in GHL since the contact last agreed with Ninox."""
    if link is None or link.error_count or link.state != "active":
        return True
    if wire.get("dateUpdated") != link.ghl_updated_raw:
        return True
    try:
        return mapper.digest(mapper.ghl_canonical(wire)) != link.ghl_digest
    except MappingError:
        return True
