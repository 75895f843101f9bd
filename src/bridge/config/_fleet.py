"""The ``[fleet]`` section: the locations a fleet of ``ghl-ninox worker`` processes syncs.

```toml
[state]
url = "postgresql://bridge@db.internal/ghl_ninox"   # a fleet needs PostgreSQL

[fleet]
interval_seconds = 300      # a partition is synced again once its last pass is this old
lease_seconds = 60          # a dead worker's partitions are taken over after this
agency_id = "..."           # optional: location tokens minted from the agency's OAuth install

[[fleet.locations]]
location_id = "ve9EPM428h8vShlRW1KT"
team_id = "t1"
database_id = "crm"
token_env = "GHL_TOKEN_ACME"   # optional: a private integration token for this location
paused = false
```

The ``[ghl]`` location and ``[ninox]`` database are a partition too (``include_default``,
default true), so a single-location configuration becomes a fleet by pointing ``[state]`` at
PostgreSQL and adding ``[fleet]``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Final

import attrs

from bridge.config._checks import Checker, suggest

__all__ = ["FLEET_KEYS", "LOCATION_KEYS", "FleetLocation", "FleetSettings", "read_fleet"]

FLEET_KEYS: Final = (
    "locations",
    "interval_seconds",
    "lease_seconds",
    "agency_id",
    "include_default",
)
LOCATION_KEYS: Final = ("location_id", "team_id", "database_id", "token_env", "paused", "key")
_ENV_NAME: Final = re.compile(r"^[A-Z_][A-Z0-9_]*$")


@attrs.frozen(kw_only=True)
class FleetLocation:
    """One partition: a GHL location and the Ninox database it syncs with."""

    location_id: str
    team_id: str
    database_id: str
    token_env: str | None = None
    paused: bool = False
    key: str | None = None


@attrs.frozen(kw_only=True)
class FleetSettings:
    """``[fleet]``; ``enabled`` when the section is present."""

    enabled: bool = False
    locations: tuple[FleetLocation, ...] = ()
    interval_seconds: float = 300.0
    lease_seconds: float = 60.0
    agency_id: str | None = None
    include_default: bool = True


def read_fleet(checker: Checker, data: Mapping[str, Any]) -> FleetSettings:
    """``[fleet]`` of the file's data, each problem recorded on ``checker``."""
    if "fleet" not in data:
        return FleetSettings()
    section = data["fleet"]
    if not isinstance(section, Mapping):
        checker.report("fleet", "must be a table: write [fleet] on its own line")
        return FleetSettings()
    for key in section:
        if key not in FLEET_KEYS:
            checker.report(
                f"fleet.{key}",
                f"unknown key{suggest(key, FLEET_KEYS)}; [fleet] takes " + ", ".join(FLEET_KEYS),
            )
    raw = section.get("locations", [])
    if not isinstance(raw, list) or not all(isinstance(r, Mapping) for r in raw):
        checker.report(
            "fleet.locations",
            "must be a list of tables: one [[fleet.locations]] block per location",
        )
        raw = []
    locations = tuple(_location(checker, n, item) for n, item in enumerate(raw, 1))
    seen: set[tuple[str, str, str]] = set()
    for n, loc in enumerate(locations, 1):
        pair = (loc.location_id, loc.team_id, loc.database_id)
        if pair in seen and all(pair):
            checker.report(
                f"fleet.locations[{n}]", "repeats a location and Ninox database listed above"
            )
        seen.add(pair)
    return FleetSettings(
        enabled=True,
        locations=locations,
        interval_seconds=checker.attempt(
            lambda: checker.number(section, "fleet", "interval_seconds", 300.0, minimum=0), 300.0
        ),
        lease_seconds=checker.attempt(
            lambda: checker.number(section, "fleet", "lease_seconds", 60.0, minimum=5), 60.0
        ),
        agency_id=checker.attempt(lambda: checker.text(section, "fleet", "agency_id"), None),
        include_default=checker.attempt(
            lambda: _flag(checker, section, "fleet", "include_default", default=True), True
        ),
    )


def _location(checker: Checker, n: int, item: Mapping[str, Any]) -> FleetLocation:
    name = f"fleet.locations[{n}]"
    for key in item:
        if key not in LOCATION_KEYS:
            checker.report(
                f"{name}.{key}",
                f"unknown key{suggest(key, LOCATION_KEYS)}; a location takes "
                + ", ".join(LOCATION_KEYS),
            )
    token_env = checker.attempt(lambda: checker.text(item, name, "token_env"), None)
    if token_env is not None and not _ENV_NAME.match(token_env):
        checker.report(
            f"{name}.token_env",
            "is the NAME of an environment variable holding the token (e.g. GHL_TOKEN_ACME), "
            "never the token itself",
        )
        token_env = None
    return FleetLocation(
        location_id=checker.attempt(lambda: checker.required_text(item, name, "location_id"), ""),
        team_id=checker.attempt(lambda: checker.required_text(item, name, "team_id"), ""),
        database_id=checker.attempt(lambda: checker.required_text(item, name, "database_id"), ""),
        token_env=token_env,
        paused=checker.attempt(lambda: checker.flag(item, name, "paused"), False),
        key=checker.attempt(lambda: checker.text(item, name, "key"), None),
    )


def _flag(
    checker: Checker, section: Mapping[str, Any], name: str, key: str, *, default: bool
) -> bool:
    return checker.flag(section, name, key) if key in section else default
