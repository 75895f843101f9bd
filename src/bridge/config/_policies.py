"""Conflict policies in the configuration: the names a setting may use, the policy object
each name stands for, and the checks of ``[sync.policies]``."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import timedelta
from pathlib import Path
from typing import Any, Final

from bridge.config._checks import Checker, suggest
from bridge.conflicts import GHL_WINS, MANUAL, NINOX_WINS, PREFER_NON_EMPTY, Newest, Policy

__all__ = ["ENTITIES", "POLICY_NAMES", "PolicyChecks", "policy_object"]

ENTITIES: Final = ("contact", "task", "note", "appointment")
"""The entities ``[sync.policies]`` keys may name."""
POLICY_NAMES: Final = ("ghl_wins", "ninox_wins", "newest", "prefer_non_empty", "manual")
"""The conflict policies a setting may name."""


def policy_object(name: str, tolerance_seconds: float) -> Policy:
    fixed: dict[str, Policy] = {
        "ghl_wins": GHL_WINS,
        "ninox_wins": NINOX_WINS,
        "prefer_non_empty": PREFER_NON_EMPTY,
        "manual": MANUAL,
    }
    if name == "newest":
        return Newest(tolerance=timedelta(seconds=tolerance_seconds))
    if name not in fixed:
        raise ValueError(f"unknown conflict policy {name!r}; use one of {', '.join(POLICY_NAMES)}")
    return fixed[name]


class PolicyChecks(Checker):
    """The checks of policy settings. ``fields`` (entity → field names; default: the default
    mapping's) is what ``[sync.policies]`` keys may name."""

    def __init__(self, path: Path | None, fields: Mapping[str, Iterable[str]] | None) -> None:
        super().__init__(path)
        if fields is None:
            from bridge.mappers import default_mappings

            mappings = default_mappings()
            fields = {e: [f.name for f in mappings.entity(e).fields] for e in mappings.entities}
        self.fields = {entity: tuple(names) for entity, names in fields.items()}

    def policy_name(self, key: str, value: Any) -> str:
        if not isinstance(value, str) or value not in POLICY_NAMES:
            raise self.error(
                key,
                f"unknown conflict policy {value!r}{suggest(str(value), POLICY_NAMES)}; "
                f"use one of {', '.join(POLICY_NAMES)}",
            )
        return value

    def policies(self, raw: Any) -> dict[str, str]:
        if not isinstance(raw, Mapping):
            self.report(
                "sync.policies",
                'must be a table, e.g. [sync.policies] contact = "ghl_wins"',
            )
            return {}
        out: dict[str, str] = {}
        for key, value in raw.items():
            entity, _, field = str(key).partition(".")
            dotted = f"sync.policies.{key}"
            if entity not in ENTITIES:
                self.report(
                    dotted,
                    f"unknown entity {entity!r}{suggest(entity, ENTITIES)}; "
                    f"entities are {', '.join(ENTITIES)}",
                )
                continue
            if isinstance(value, Mapping):
                if field:
                    self.report(dotted, "a field's policy must be a string")
                    continue
                for sub, name in value.items():
                    target = entity if sub == "default" else f"{entity}.{sub}"
                    self.entry(
                        out,
                        target,
                        f"{dotted}.{sub}",
                        entity,
                        "" if sub == "default" else sub,
                        name,
                    )
                continue
            self.entry(out, str(key), dotted, entity, field, value)
        return out

    def entry(
        self, out: dict[str, str], target: str, dotted: str, entity: str, field: str, value: Any
    ) -> None:
        """One ``[sync.policies]`` entry into ``out``, or its problems into the report."""
        known = self.attempt(lambda: self.check_field(dotted, entity, field), False)
        name = self.attempt(lambda: self.policy_name(dotted, value), None)
        if known and name is not None:
            out[target] = name

    def check_field(self, dotted: str, entity: str, field: str) -> bool:
        """True when ``field`` is one of the entity's (or empty: the whole entity)."""
        known = self.fields.get(entity, ())
        if field and field not in known:
            raise self.error(
                dotted,
                f"{entity} has no field {field!r}{suggest(field, known)}; its fields are "
                + ", ".join(known),
            )
        return True
