"""Small models shared by several GHL resources."""

from __future__ import annotations

from typing import Any

import attrs

from _sdkcore.serde import OpenEnum

__all__ = [
    "AttributionSource",
    "CustomField",
    "DndSetting",
    "DndStatus",
    "FollowersUpdate",
    "InboundDndSetting",
]


class DndStatus(OpenEnum):
    """Do-not-disturb state of one channel (unknown values are kept, see ``is_known``)."""

    ACTIVE = "active"
    INACTIVE = "inactive"
    PERMANENT = "permanent"


@attrs.frozen(kw_only=True, slots=False)
class DndSetting:
    """DND state of one channel (``Call``, ``Email``, ``SMS``, ``WhatsApp``, ``GMB``, ``FB``,
    ``RCS``...). Also accepted as input by ``contacts.create/update/upsert``."""

    status: DndStatus
    message: str | None = None
    code: str | None = None
    extra: dict[str, Any] = attrs.field(factory=dict)


@attrs.frozen(kw_only=True, slots=False)
class InboundDndSetting:
    """Inbound DND for all channels (``inboundDndSettings.all``)."""

    status: DndStatus
    message: str | None = None
    extra: dict[str, Any] = attrs.field(factory=dict)


@attrs.frozen(kw_only=True, slots=False)
class CustomField:
    """A custom field value as read: ``value`` may be any JSON type (string, number, list,
    object), whatever the spec says. Pass it back to ``contacts.update(custom_fields=[...])``
    unchanged to write it."""

    id: str | None = None
    value: Any = None
    extra: dict[str, Any] = attrs.field(factory=dict)


@attrs.frozen(kw_only=True, slots=False)
class AttributionSource:
    """Where a contact came from (first or last touch)."""

    url: str | None = None
    campaign: str | None = None
    utm_source: str | None = None
    utm_medium: str | None = None
    utm_content: str | None = None
    referrer: str | None = None
    campaign_id: str | None = None
    fbclid: str | None = None
    gclid: str | None = None
    msclikid: str | None = None
    dclid: str | None = None
    fbc: str | None = None
    fbp: str | None = None
    fb_event_id: str | None = None
    user_agent: str | None = None
    ip: str | None = None
    medium: str | None = None
    medium_id: str | None = None
    extra: dict[str, Any] = attrs.field(factory=dict)


@attrs.frozen(kw_only=True, slots=False)
class FollowersUpdate:
    """Result of ``followers.add`` / ``followers.remove``: the contact's followers now, and
    which ones this call added (``followers_added``) or removed (``followers_removed``)."""

    followers: list[str] = attrs.field(factory=list)
    followers_added: list[str] | None = None
    followers_removed: list[str] | None = None
    extra: dict[str, Any] = attrs.field(factory=dict)
