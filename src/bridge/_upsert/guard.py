"""The upsert guard: Ninox → GHL writes a person must decide before they are made.

A write is held, and (with a state store) an ``upsert_guard`` review item opened, when

- a new contact's **email matches one GHL contact and its phone another**: GHL's upsert
  would merge it into one of them (which one follows the location's duplicate rules) and
  the two people would be mixed up;
- a write would **drop a secondary email**: it sets ``additionalEmails`` without one the
  contact has, or it changes the primary email of a contact that has secondary emails (the
  API cannot write ``additionalEmails``, and what GHL does with them when the primary email
  changes is UNCONFIRMED, so a person looks first).

The item holds, per field the write would set (GHL's names: ``email``, ``phone`` …), GHL's
value (of the contact the email matches) and Ninox's; an upsert keeps no state, so there is
no base. ``--keep ninox`` writes it as it is, ``--keep ghl`` writes nothing, ``--set
FIELD=VALUE`` writes it with that value; the next upsert of the record carries it out and
marks the item applied. A record whose item is open is held until then; once decided to keep
GHL's values, the same Ninox values are not held again.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from typing import Any, Final, Literal

import attrs

from bridge.state import ReviewItem
from bridge.sync.effects import Program, state

__all__ = [
    "KIND",
    "Hold",
    "Verdict",
    "check_create",
    "check_update",
    "hold",
    "mark_applied",
    "verdicts",
]

KIND: Final = "upsert_guard"
_REF: Final = re.compile(r"^ninox:(\d+)\b")


@attrs.frozen
class Hold:
    """Why a write waits for a person, and each side's values of the fields it would set."""

    reason: str
    ghl: Mapping[str, Any]
    ninox: Mapping[str, Any]


@attrs.frozen
class Verdict:
    """The newest ``upsert_guard`` item of one Ninox record."""

    review_id: int
    status: str
    ninox: Mapping[str, Any]
    keep: Literal["ghl", "ninox"] | None = None
    values: Mapping[str, Any] | None = None

    def body(self, body: Mapping[str, Any]) -> dict[str, Any] | None:
        """What to write for a resolved item (``None``: nothing, GHL's values stay)."""
        if self.keep == "ghl":
            return None
        return {**body, **(self.values or {})}


def _email(value: Any) -> str:
    return value.strip().lower() if isinstance(value, str) else ""


def _phone(value: Any) -> str:
    return re.sub(r"\D", "", value) if isinstance(value, str) else ""


def _emails(values: Any) -> list[str]:
    out = []
    for value in values or ():
        text = _email(value.get("email") if isinstance(value, Mapping) else value)
        if text:
            out.append(text)
    return out


def _sides(body: Mapping[str, Any], contact: Mapping[str, Any]) -> tuple[dict[str, Any], ...]:
    return {k: contact.get(k) for k in body}, dict(body)


def check_create(body: Mapping[str, Any], contacts: Iterable[Mapping[str, Any]]) -> Hold | None:
    """A new contact sent through GHL's upsert: held when its email matches one contact and
    its phone another, or when the contact it matches would lose a secondary email."""
    email, phone = _email(body.get("email")), _phone(body.get("phone"))
    by_email = [c for c in contacts if email and _email(c.get("email")) == email]
    by_phone = [c for c in contacts if phone and _phone(c.get("phone")) == phone]
    if (
        by_email
        and by_phone
        and not {c.get("id") for c in by_email} & {c.get("id") for c in by_phone}
    ):
        first, second = by_email[0], by_phone[0]
        ghl, ninox = _sides(body, first)
        return Hold(
            f"its email matches GHL contact {first.get('id')} and its phone GHL contact "
            f"{second.get('id')}",
            ghl,
            ninox,
        )
    matched = by_email or by_phone
    return check_update(body, matched[0]) if matched else None


def check_update(body: Mapping[str, Any], contact: Mapping[str, Any]) -> Hold | None:
    """A write to ``contact``: held when it would drop one of its secondary emails."""
    secondary = _emails(contact.get("additionalEmails"))
    if not secondary:
        return None
    dropped = []
    if "additionalEmails" in body:
        kept = set(_emails(body.get("additionalEmails")))
        dropped = [e for e in secondary if e not in kept]
    new_primary = "email" in body and _email(body.get("email")) != _email(contact.get("email"))
    if not dropped and not new_primary:
        return None
    what = (
        f"drop its secondary email(s) {', '.join(dropped)}"
        if dropped
        else f"change its primary email while it has secondary email(s) {', '.join(secondary)}"
    )
    ghl, ninox = _sides(body, contact)
    return Hold(f"the write would {what} (GHL contact {contact.get('id')})", ghl, ninox)


def verdicts(use_store: bool) -> Program[dict[int, Verdict]]:
    """The newest ``upsert_guard`` item of each Ninox record (none without a store)."""
    if not use_store:
        return {}
    items = yield from state(lambda s: s.reviews(None, limit=10_000))
    found: dict[int, Verdict] = {}
    for item in items:  # newest first
        match = _REF.match(item.source_ref or "")
        if item.kind != KIND or item.review_id is None or match is None:
            continue
        found.setdefault(int(match.group(1)), _verdict(item, item.review_id))
    return found


def _verdict(item: ReviewItem, review_id: int) -> Verdict:
    try:
        resolution = json.loads(item.resolution or "{}")
    except ValueError:
        resolution = {}
    keep = resolution.get("keep") if resolution.get("keep") in ("ghl", "ninox") else None
    values = resolution.get("set") if isinstance(resolution.get("set"), dict) else None
    if resolution.get("dismiss"):
        keep = "ghl"  # dismissed: nothing written
    return Verdict(review_id, item.status, dict(item.ninox_values), keep, values)


def hold(record_id: int, found: Hold, use_store: bool) -> Program[str]:
    """Open the review item of a held write (with a store); the reason to report."""
    if not use_store:
        return f"{found.reason}; not written (give the Upserter a store= to queue it for review)"
    item = ReviewItem(
        kind="upsert_guard",
        source_ref=f"ninox:{record_id} {found.reason}",
        fields=tuple(found.ninox),
        ghl_values=dict(found.ghl),
        ninox_values=dict(found.ninox),
    )
    added = yield from state(lambda s: s.add_review(item))
    return f"{found.reason}; waits in review #{added.review_id}"


def mark_applied(review_id: int) -> Program[None]:
    yield from state(lambda s: s.set_review_status(review_id, "applied"))
