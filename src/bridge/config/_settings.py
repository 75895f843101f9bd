"""The configuration model: the settings of each section of the file, the secrets from the
environment, and the [`Config`][bridge.config.Config] holding both."""

from __future__ import annotations

import os
from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path
from typing import Any, Final, Literal

import attrs

from bridge.config._fleet import FleetSettings
from bridge.config._policies import policy_object
from bridge.conflicts import Policy

__all__ = [
    "CONFIG_ENV",
    "DEFAULT_CONFIG_FILE",
    "GHL_DEFAULT_BASE_URL",
    "NINOX_PUBLIC_CLOUD_URL",
    "SECRET_ENV",
    "STATUS_TOKEN_ENV",
    "AlertSettings",
    "Config",
    "GHLSettings",
    "HistorySettings",
    "NinoxSettings",
    "Secrets",
    "ServerSettings",
    "StateSettings",
    "SyncSettings",
]

#: Environment variable naming the configuration file.
CONFIG_ENV: Final = "GHL_NINOX_CONFIG"
#: The file looked for in the current directory when neither ``--config`` nor the variable is set.
DEFAULT_CONFIG_FILE: Final = "ghl-ninox.toml"
#: The environment variables secrets come from (and only from).
SECRET_ENV: Final = {
    "ghl_token": "GHL_TOKEN",
    "ghl_client_id": "GHL_CLIENT_ID",
    "ghl_client_secret": "GHL_CLIENT_SECRET",
    "ninox_api_key": "NINOX_API_KEY",
    "ghl_webhook_public_key": "GHL_WEBHOOK_PUBLIC_KEY",
}

#: The token of the health page (``serve``); wins over ``[server] status_token``.
STATUS_TOKEN_ENV: Final = "GHL_NINOX_STATUS_TOKEN"  # noqa: S105 - a variable's name

GHL_DEFAULT_BASE_URL: Final = "https://services.leadconnectorhq.com"
NINOX_PUBLIC_CLOUD_URL: Final = "https://api.ninox.com/v1"


@attrs.frozen(kw_only=True)
class GHLSettings:
    """``[ghl]``: the location to sync and the API host. ``token_store`` is the JSON file of
    OAuth tokens, used when ``GHL_CLIENT_ID``/``GHL_CLIENT_SECRET`` are set instead of
    ``GHL_TOKEN``."""

    location_id: str
    base_url: str = GHL_DEFAULT_BASE_URL
    token_store: Path | None = None


@attrs.frozen(kw_only=True)
class NinoxSettings:
    """``[ninox]``: the database, and at most one host setting: ``base_url`` (any server),
    ``private_cloud`` (the team's sub-domain of ninoxdb.de) or ``on_premise`` (a server URL).
    Without any, the public cloud."""

    team_id: str
    database_id: str
    base_url: str | None = None
    private_cloud: str | None = None
    on_premise: str | None = None

    @property
    def host(self) -> str:
        """A readable description of the server used."""
        if self.private_cloud is not None:
            return f"private cloud {self.private_cloud}.ninoxdb.de"
        if self.on_premise is not None:
            return f"on-premise server {self.on_premise}"
        return self.base_url or NINOX_PUBLIC_CLOUD_URL


@attrs.frozen(kw_only=True)
class StateSettings:
    """``[state]``: where the sync state lives. ``url`` (``postgresql://user@host/db``) chooses
    PostgreSQL; without it, the SQLite file ``path``. The URL never holds the password: it
    comes from ``GHL_NINOX_STATE_PASSWORD`` (or libpq's ``PGPASSWORD``/``~/.pgpass``)."""

    path: Path
    url: str | None = None

    @property
    def backend(self) -> Literal["sqlite", "postgres"]:
        return "sqlite" if self.url is None else "postgres"

    @property
    def where(self) -> str:
        """The URL or the file, for messages."""
        return str(self.path) if self.url is None else self.url


@attrs.frozen(kw_only=True)
class SyncSettings:
    """``[sync]``: conflict policies, the GHL overlap window, deletes and batch size.

    ``policies`` maps ``"entity"`` (every field of it) or ``"entity.field"`` to a policy name
    ([`POLICY_NAMES`][bridge.config.POLICY_NAMES]); ``default_policy`` covers the rest
    (``None``: the engine's default, GHL wins). ``newest_tolerance_seconds`` is the clock-skew
    tolerance of ``newest``.
    Deletes: ``deletes`` soft/hard, the GHL tag and optional Ninox field that flag a soft
    delete, the mass-delete guard (more than ``mass_delete_min`` and ``mass_delete_fraction``
    in one pass goes to review), ``scan_deletes`` (compare every linked id on each run).
    ``chunk_size``: Ninox batch size (``None``: the client's).
    How GHL is read (see [`SyncConfig`][bridge.sync.SyncConfig]): ``children_of``,
    ``task_search``, ``calendar_events``, the appointments window in days
    (``appointments_past_days``, ``appointments_future_days``, ``appointments_span_days``)
    and ``note_backfill_calls``; ``appointment_calendar_id``: the GHL calendar appointments
    created in Ninox are booked on.
    """

    policies: Mapping[str, str] = attrs.field(factory=dict)
    default_policy: str | None = None
    newest_tolerance_seconds: float = 300.0
    overlap_minutes: float = 5.0
    deletes: Literal["soft", "hard"] = "soft"
    deleted_tag: str = "deleted in ninox"
    ninox_deleted_field: str | None = None
    mass_delete_min: int = 10
    mass_delete_fraction: float = 0.2
    scan_deletes: bool = False
    chunk_size: int | None = None
    children_of: Literal["changed_contacts", "every_contact_read"] = "changed_contacts"
    task_search: bool = True
    calendar_events: bool = True
    appointments_past_days: float = 365.0
    appointments_future_days: float = 365.0
    appointments_span_days: float | None = None
    note_backfill_calls: int | None = None
    appointment_calendar_id: str | None = None

    @property
    def overlap(self) -> timedelta:
        return timedelta(minutes=self.overlap_minutes)

    def policy(self, name: str) -> Policy:
        """The policy object for a policy name (``newest`` gets the configured tolerance)."""
        return policy_object(name, self.newest_tolerance_seconds)

    def policy_objects(self) -> dict[str, Policy]:
        """``policies`` with each name replaced by its policy object (keys unchanged)."""
        return {key: self.policy(name) for key, name in self.policies.items()}

    def policy_for(self, entity: str, field: str) -> Policy | None:
        """The policy that applies to one field: ``entity.field``, else ``entity``, else
        ``default_policy``; ``None`` when none is configured."""
        for key in (f"{entity}.{field}", entity):
            if key in self.policies:
                return self.policy(self.policies[key])
        return None if self.default_policy is None else self.policy(self.default_policy)


@attrs.frozen(kw_only=True)
class ServerSettings:
    """``[server]``: where ``ghl-ninox serve`` listens, the webhook path, and how often the
    Ninox poller runs a sync pass (seconds; 0 turns it off). ``status_token`` protects the
    health page (``/`` and ``/status.json``); ``GHL_NINOX_STATUS_TOKEN`` wins over it. Without
    a token the page is open on a loopback address and off on any other."""

    host: str = "127.0.0.1"
    port: int = 8080
    path: str = "/webhooks/ghl"
    poll_interval: float = 60.0
    status_token: str | None = attrs.field(default=None, repr=False)

    def page_token(self, environ: Mapping[str, str] | None = None) -> str | None:
        """The health page's token: ``GHL_NINOX_STATUS_TOKEN``, else ``status_token``."""
        env = os.environ if environ is None else environ
        return env.get(STATUS_TOKEN_ENV, "").strip() or self.status_token


@attrs.frozen(kw_only=True)
class HistorySettings:
    """``[history]``: how many days of per-record history the passes keep (``sync``, the poller
    of ``serve``, fleet workers; 0: forever)."""

    keep_days: int = 90


@attrs.frozen(kw_only=True)
class AlertSettings:
    """``[alerts]``: when a location pauses, and who hears about it.

    It pauses after ``auth_failures`` passes in a row failed to authenticate (0: never), or
    when over the last ``error_runs`` sync passes (0: never) more than ``error_rate`` of the
    records handled failed (a pass that failed as a whole counts as one failed record). One
    alert goes to ``webhook_url`` (a JSON POST) and/or ``command`` (the JSON on its stdin)
    when it pauses, one when it resumes. ``auto_resume_minutes`` > 0 lets a pass try again
    after that cool-down and resume when it succeeds (0: only ``ghl-ninox resume``)."""

    auth_failures: int = 3
    error_rate: float = 0.5
    error_runs: int = 5
    webhook_url: str | None = attrs.field(default=None, repr=False)
    command: tuple[str, ...] = ()
    auto_resume_minutes: float = 0.0


@attrs.frozen(kw_only=True, repr=False)
class Secrets:
    """Credentials from the environment. The repr and
    [`status`][bridge.config.Secrets.status] never show values."""

    ghl_token: str | None = None
    ghl_client_id: str | None = None
    ghl_client_secret: str | None = None
    ninox_api_key: str | None = None
    ghl_webhook_public_key: str | None = None

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Secrets:
        """Read every secret from ``environ`` (default ``os.environ``); blank means missing."""
        env = os.environ if environ is None else environ
        values: dict[str, str | None] = {}
        for attr, var in SECRET_ENV.items():
            value = env.get(var, "").strip()
            values[attr] = value or None
        return cls(**values)

    @property
    def ghl_oauth(self) -> bool:
        """True when OAuth app credentials are set (used when ``GHL_TOKEN`` is not)."""
        return self.ghl_client_id is not None and self.ghl_client_secret is not None

    def status(self) -> dict[str, str]:
        """``{"GHL_TOKEN": "set" | "missing", ...}`` for every variable."""
        return {
            var: "set" if getattr(self, attr) is not None else "missing"
            for attr, var in SECRET_ENV.items()
        }

    def __repr__(self) -> str:
        shown = ", ".join(f"{var}={state}" for var, state in self.status().items())
        return f"Secrets({shown})"


@attrs.frozen(kw_only=True)
class Config:
    """The whole configuration: the file's settings and the environment's secrets."""

    source: Path | None
    ghl: GHLSettings
    ninox: NinoxSettings
    state: StateSettings
    sync: SyncSettings = attrs.field(factory=SyncSettings)
    server: ServerSettings = attrs.field(factory=ServerSettings)
    history: HistorySettings = attrs.field(factory=HistorySettings)
    alerts: AlertSettings = attrs.field(factory=AlertSettings)
    secrets: Secrets = attrs.field(factory=Secrets)
    fleet: FleetSettings = attrs.field(factory=FleetSettings)

    def public_dict(self) -> dict[str, Any]:
        """The settings as JSON-able data, secrets shown only as ``set``/``missing``."""
        return {
            "source": None if self.source is None else str(self.source),
            "ghl": {
                "location_id": self.ghl.location_id,
                "base_url": self.ghl.base_url,
                "token_store": _opt_str(self.ghl.token_store),
            },
            "ninox": {
                "team_id": self.ninox.team_id,
                "database_id": self.ninox.database_id,
                "host": self.ninox.host,
            },
            "state": {"path": str(self.state.path), "url": self.state.url},
            "sync": {
                "policies": dict(self.sync.policies),
                "default_policy": self.sync.default_policy,
                "newest_tolerance_seconds": self.sync.newest_tolerance_seconds,
                "overlap_minutes": self.sync.overlap_minutes,
                "deletes": self.sync.deletes,
                "deleted_tag": self.sync.deleted_tag,
                "ninox_deleted_field": self.sync.ninox_deleted_field,
                "mass_delete_min": self.sync.mass_delete_min,
                "mass_delete_fraction": self.sync.mass_delete_fraction,
                "scan_deletes": self.sync.scan_deletes,
                "chunk_size": self.sync.chunk_size,
            },
            "server": {
                "host": self.server.host,
                "port": self.server.port,
                "path": self.server.path,
                "poll_interval": self.server.poll_interval,
                "status_token": "set" if self.server.status_token else "missing",
            },
            "history": {"keep_days": self.history.keep_days},
            "alerts": {
                "auth_failures": self.alerts.auth_failures,
                "error_rate": self.alerts.error_rate,
                "error_runs": self.alerts.error_runs,
                "webhook_url": "set" if self.alerts.webhook_url else "missing",
                "command": list(self.alerts.command),
                "auto_resume_minutes": self.alerts.auto_resume_minutes,
            },
            "secrets": self.secrets.status(),
        }


def _opt_str(value: Path | None) -> str | None:
    return None if value is None else str(value)
