"""Stable hashes of canonical values (one per record, or one per field)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any

from bridge.mapping.errors import _short

__all__ = ["digest", "field_digests"]


def _json_default(value: Any) -> Any:
    raise TypeError(
        f"canonical values must be JSON values; got {type(value).__name__} ({_short(value)}). "
        "Return str/int/float/bool/None/list/dict from custom kinds and transforms."
    )


def _stable_json(value: Any) -> str:
    return json.dumps(
        value,
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
        allow_nan=False,
        default=_json_default,
    )


def digest(canonical: Mapping[str, Any], *, salt: str = "") -> str:
    """SHA-256 (hex) of canonical values: sorted keys, explicit nulls, fixed JSON rendering.

    ``salt`` (e.g. a mapping fingerprint) makes digests change when the mapping changes.
    """
    payload = _stable_json({"salt": salt, "values": dict(canonical)})
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def field_digests(canonical: Mapping[str, Any], *, salt: str = "") -> dict[str, str]:
    """One SHA-256 (hex) per field of canonical values (same rendering as
    [`digest`][bridge.mapping.digest])."""
    out: dict[str, str] = {}
    for name, value in canonical.items():
        payload = _stable_json({"salt": salt, "field": name, "value": value})
        out[name] = hashlib.sha256(payload.encode("utf-8")).hexdigest()
    return out
