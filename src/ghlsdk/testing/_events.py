"""Webhook-shaped events of FakeGHL: every write through the API (and the seeding edits)
records the event GHL would deliver; ``signed_events`` signs them like GHL."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Mapping
from typing import Any

from ghlsdk.testing._base import (
    _WEBHOOK_CONTACT_FIELDS,
    _WEBHOOK_NOTE_FIELDS,
    _WEBHOOK_TASK_FIELDS,
    FakeBase,
)
from ghlsdk.testing._webhooks import WebhookSigner

__all__ = ["EventsMixin"]


class EventsMixin(FakeBase):
    """Recording, listening to and signing webhook events."""

    @property
    def events(self) -> list[dict[str, Any]]:
        """Webhook-shaped events of the writes made through the API (and ``edit_contact`` /
        ``remove_contact``), oldest first: ``ContactCreate``, ``ContactUpdate``,
        ``ContactDelete``, ``ContactTagUpdate``, ``ContactDndUpdate``, ``TaskCreate``,
        ``TaskComplete``, ``TaskDelete``, ``NoteCreate``, ``NoteUpdate``, ``NoteDelete``,
        ``AppointmentCreate``, ``AppointmentUpdate``, ``AppointmentDelete``.
        Each is the webhook body: ``type``, ``locationId``, the event's fields, plus
        ``webhookId`` and ``timestamp`` as real deliveries carry."""
        with self._lock:
            return copy.deepcopy(self._events)

    @property
    def webhook_signer(self) -> WebhookSigner:
        """The fake's webhook key pair (the well-known test keys of
        [`WebhookSigner`][ghlsdk.testing.WebhookSigner]; needs ``cryptography``)."""
        with self._lock:
            if self._webhook_signer is None:
                self._webhook_signer = WebhookSigner()
            return self._webhook_signer

    @property
    def webhook_keys(self) -> dict[str, list[str]]:
        """The public keys (PEM) that verify
        [`signed_events`][ghlsdk.testing.FakeGHL.signed_events]:
        ``WebhookKeys.from_pem(**fake.webhook_keys)``."""
        return self.webhook_signer.public_pems

    def signed_events(self) -> list[tuple[bytes, dict[str, str]]]:
        """[`events`][ghlsdk.testing.FakeGHL.events] as deliveries: ``(body, headers)`` each, the
        body compact JSON and
        the headers signed as GHL signs them (``x-ghl-signature``, ``x-wh-signature``)."""
        signer = self.webhook_signer
        out = []
        for event in self.events:
            body = json.dumps(event, separators=(",", ":")).encode()
            out.append((body, signer.sign(body)))
        return out

    def on_event(self, callback: Callable[[dict[str, Any]], None]) -> Callable[[], None]:
        """Call ``callback(event)`` for every future event (see
        [`events`][ghlsdk.testing.FakeGHL.events]); returns a
        function that unsubscribes. Callbacks run in the thread that made the request, after
        the fake's lock is released, so they may call the fake again."""
        with self._lock:
            self._listeners.append(callback)

        def unsubscribe() -> None:
            with self._lock:
                if callback in self._listeners:
                    self._listeners.remove(callback)

        return unsubscribe

    def _emit(self, kind: str, location_id: str, fields: Mapping[str, Any]) -> None:
        event: dict[str, Any] = {"type": kind, "locationId": location_id}
        event.update((k, copy.deepcopy(v)) for k, v in fields.items() if v is not None)
        event["webhookId"] = self._trace_id()
        event["timestamp"] = self._now_iso()
        self._events.append(event)
        self._pending.append(event)

    def _contact_event(self, kind: str, rec: Mapping[str, Any]) -> None:
        fields = {"id": rec["id"], **{k: rec.get(k) for k in _WEBHOOK_CONTACT_FIELDS}}
        if kind == "ContactDndUpdate":
            fields["dndSettings"] = rec.get("dndSettings")
        self._emit(kind, rec["locationId"], fields)

    def _record_event(self, kind: str, location_id: str, rec: Mapping[str, Any]) -> None:
        names = _WEBHOOK_TASK_FIELDS if kind.startswith("Task") else _WEBHOOK_NOTE_FIELDS
        self._emit(kind, location_id, {"id": rec["id"], **{k: rec.get(k) for k in names}})

    def _dispatch(self, events: list[dict[str, Any]]) -> None:
        if not events:
            return
        with self._lock:
            listeners = list(self._listeners)
        for event in events:
            for listener in listeners:
                listener(copy.deepcopy(event))
