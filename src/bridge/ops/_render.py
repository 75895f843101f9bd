"""Review items as text, for people: ``ghl-ninox review show``, the demo and anything else
that prints one. Plain functions of a [`ReviewItem`][bridge.state.ReviewItem]; no I/O."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from bridge.state import ReviewItem

__all__ = ["fmt_value", "render_review", "review_fields", "when"]


def fmt_value(value: Any) -> str:
    """A value as people read it: JSON (strings quoted, ``null`` for nothing)."""
    return json.dumps(value, ensure_ascii=False, default=str)


def when(at: datetime | None) -> str:
    """A UTC time as ``2026-11-30 13:45:00Z`` (``-`` for none)."""
    return "-" if at is None else f"{at:%Y-%m-%d %H:%M:%S}Z"


def review_fields(item: ReviewItem) -> list[str]:
    """The fields (for a mass delete: the records) an item is about, in order."""
    return list(item.fields) or list(
        dict.fromkeys([*item.ghl_values, *item.ninox_values, *item.base_values])
    )


def render_review(item: ReviewItem) -> list[str]:
    """One review item as lines of text: what, where, each side's values, and (while it is
    open) how to resolve it."""
    lines = [
        f"review #{item.review_id}: {item.kind} ({item.status}), detected {when(item.detected_at)}",
        f"  record      {item.source_ref or '-'}"
        + (f" (link {item.link_id})" if item.link_id is not None else ""),
    ]
    names = review_fields(item)
    if item.kind == "mass_delete":
        lines += _deletions(item, names)
    elif names:
        width = max(len("field"), *(len(n) for n in names))
        lines.append(f"  {'field':<{width}}  base / GHL / Ninox")
        for name in names:
            lines.append(
                f"  {name:<{width}}  {_side(item.base_values, name)} / "
                f"{_side(item.ghl_values, name)} / {_side(item.ninox_values, name)}"
            )
    if item.resolution is not None:
        lines.append(f"  resolution  {item.resolution} ({when(item.resolved_at)})")
    if item.status == "open":
        lines.append(f"resolve: ghl-ninox review resolve {item.review_id} {_choices(item, names)}")
    return lines


def _deletions(item: ReviewItem, names: list[str]) -> list[str]:
    if not names:
        return ["  no record list: a table read empty (an outage or a wrong database?)"]
    width = max(len("record"), *(len(n) for n in names))
    lines = [f"  {'record':<{width}}  GHL / Ninox"]
    for name in names:
        lines.append(
            f"  {name:<{width}}  {item.ghl_values.get(name, '?')} / "
            f"{item.ninox_values.get(name, '?')}"
        )
    return lines


def _choices(item: ReviewItem, names: list[str]) -> str:
    if item.kind == "mass_delete":
        return "--approve | --reject | --dismiss" if names else "--dismiss"
    example = names[0] if names else "FIELD"
    return f"--keep ghl | --keep ninox | --set {example}=VALUE | --dismiss"


def _side(values: Mapping[str, Any], name: str) -> str:
    return fmt_value(values[name]) if name in values else "-"
