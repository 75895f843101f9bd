"""Reading the TOML data of a file into a [`Config`][bridge.config.Config], section by
section, collecting every problem on the way."""

from __future__ import annotations

import difflib
import shlex
from collections.abc import Mapping
from typing import Any, Final

from bridge.config._checks import suggest
from bridge.config._errors import ConfigError
from bridge.config._fleet import read_fleet
from bridge.config._policies import PolicyChecks
from bridge.config._settings import (
    GHL_DEFAULT_BASE_URL,
    AlertSettings,
    Config,
    GHLSettings,
    HistorySettings,
    NinoxSettings,
    Secrets,
    ServerSettings,
    StateSettings,
    SyncSettings,
)
from bridge.state.postgres import STATE_PASSWORD_ENV, has_password, is_postgres_url

__all__ = ["KEYS", "Parser"]

# Keys that would hold a secret, wherever they appear in the file, and the variable to use.
_SECRET_KEYS: Final = {
    "token": "GHL_TOKEN",
    "access_token": "GHL_TOKEN",
    "refresh_token": "GHL_TOKEN (or OAuth: GHL_CLIENT_ID / GHL_CLIENT_SECRET)",
    "ghl_token": "GHL_TOKEN",
    "client_secret": "GHL_CLIENT_SECRET",
    "client_id": "GHL_CLIENT_ID",
    "api_key": "NINOX_API_KEY",
    "apikey": "NINOX_API_KEY",
    "ninox_api_key": "NINOX_API_KEY",
    "webhook_public_key": "GHL_WEBHOOK_PUBLIC_KEY",
    "public_key": "GHL_WEBHOOK_PUBLIC_KEY",
    "secret": "the matching environment variable",
    "password": "the matching environment variable",
}


_SECTIONS: Final = ("ghl", "ninox", "state", "sync", "server", "history", "alerts")
KEYS: Final = {
    "ghl": ("location_id", "base_url", "token_store"),
    "ninox": ("team_id", "database_id", "base_url", "private_cloud", "on_premise"),
    "state": ("path", "url"),
    "sync": (
        "policies",
        "default_policy",
        "newest_tolerance_seconds",
        "overlap_minutes",
        "deletes",
        "deleted_tag",
        "ninox_deleted_field",
        "mass_delete_min",
        "mass_delete_fraction",
        "scan_deletes",
        "chunk_size",
        "children_of",
        "task_search",
        "calendar_events",
        "appointments_past_days",
        "appointments_future_days",
        "appointments_span_days",
        "note_backfill_calls",
        "appointment_calendar_id",
    ),
    "server": ("host", "port", "path", "poll_interval", "status_token"),
    "history": ("keep_days",),
    "alerts": (
        "auth_failures",
        "error_rate",
        "error_runs",
        "webhook_url",
        "command",
        "auto_resume_minutes",
    ),
}


class Parser(PolicyChecks):
    """Reads the TOML data into a [`Config`][bridge.config.Config], collecting every problem on
    the way: each section's reader records its problems and goes on with placeholders, so one
    run of the checker reports every mistake in the file."""

    def config(self, data: Mapping[str, Any], secrets: Secrets) -> Config:
        self.refuse_secrets(data, "")
        for name, value in data.items():
            if name in _SECTIONS or name == "fleet" or str(name).lower() in _SECRET_KEYS:
                continue
            if not isinstance(value, Mapping):
                homes = [sec for sec, keys in KEYS.items() if name in keys]
                self.explained.update(f"{sec}.{name}" for sec in homes)
                self.report(
                    name,
                    "is outside any section: move it under "
                    + (" or ".join(f"[{h}]" for h in homes) if homes else "the right [section]"),
                )
            else:
                self.report(
                    f"[{name}]",
                    f"unknown section{suggest(name, _SECTIONS)}; sections are "
                    + ", ".join(f"[{s}]" for s in _SECTIONS),
                )
        sections = {name: self.section(data, name) for name in _SECTIONS}
        config = Config(
            source=self.path,
            ghl=self.ghl(sections["ghl"]),
            ninox=self.ninox(sections["ninox"]),
            state=self.state(sections["state"]),
            sync=self.sync(sections["sync"]),
            server=self.server(sections["server"]),
            history=self.history(sections["history"]),
            alerts=self.alerts(sections["alerts"]),
            fleet=read_fleet(self, data),
            secrets=secrets,
        )
        if self.errors:
            raise ConfigError.combine(self.errors, path=self.path)
        return config

    def refuse_secrets(self, data: Mapping[str, Any], prefix: str) -> None:
        for key, value in data.items():
            dotted = f"{prefix}{key}"
            if isinstance(value, Mapping):
                if prefix.startswith("sync.policies"):
                    continue  # field names there are mapping fields, not settings
                self.refuse_secrets(value, f"{dotted}.")
            elif str(key).lower() in _SECRET_KEYS:
                var = _SECRET_KEYS[str(key).lower()]
                self.report(
                    dotted,
                    f"secrets must not be stored in the configuration file; remove this key and "
                    f"set the environment variable {var} instead",
                )

    def section(self, data: Mapping[str, Any], name: str) -> dict[str, Any]:
        value = data.get(name, {})
        if not isinstance(value, Mapping):
            self.report(name, f"must be a table: write [{name}] on its own line")
            self.explained.update(f"{name}.{key}" for key in KEYS[name])
            return {}
        known: dict[str, Any] = {}
        for key, item in value.items():
            if key in KEYS[name]:
                known[key] = item
            elif str(key).lower() not in _SECRET_KEYS:  # those are reported already
                # A misspelt key explains why the key it stands for is missing.
                self.explained.update(
                    f"{name}.{close}" for close in difflib.get_close_matches(key, KEYS[name], n=1)
                )
                self.report(
                    f"{name}.{key}",
                    f"unknown key{suggest(key, KEYS[name])}; [{name}] takes "
                    + ", ".join(KEYS[name]),
                )
        return known

    # -- sections (each records its problems and goes on) ----------------------------------

    def ghl(self, section: Mapping[str, Any]) -> GHLSettings:
        store = self.attempt(lambda: self.text(section, "ghl", "token_store"), None)
        return GHLSettings(
            location_id=self.attempt(lambda: self.required_text(section, "ghl", "location_id"), ""),
            base_url=self.attempt(lambda: self.url(section, "ghl", "base_url"), None)
            or GHL_DEFAULT_BASE_URL,
            token_store=None if store is None else self.file_path(store),
        )

    def ninox(self, section: Mapping[str, Any]) -> NinoxSettings:
        hosts = [k for k in ("base_url", "private_cloud", "on_premise") if k in section]
        if len(hosts) > 1:
            self.report(
                f"ninox.{hosts[1]}",
                f"set only one of base_url, private_cloud, on_premise (found {', '.join(hosts)})",
            )
        private = self.attempt(lambda: self.text(section, "ninox", "private_cloud"), None)
        if private is not None and ("." in private or "/" in private):
            self.report(
                "ninox.private_cloud",
                "is the team's sub-domain only (e.g. 'acme' for https://acme.ninoxdb.de); "
                "for a full URL use base_url or on_premise",
            )
        return NinoxSettings(
            team_id=self.attempt(lambda: self.required_text(section, "ninox", "team_id"), ""),
            database_id=self.attempt(
                lambda: self.required_text(section, "ninox", "database_id"), ""
            ),
            base_url=self.attempt(lambda: self.url(section, "ninox", "base_url"), None),
            private_cloud=private,
            on_premise=self.attempt(lambda: self.url(section, "ninox", "on_premise"), None),
        )

    def state(self, section: Mapping[str, Any]) -> StateSettings:
        path = self.attempt(lambda: self.text(section, "state", "path"), None)
        url = self.attempt(lambda: self.state_url(section), None)
        if path is not None and is_postgres_url(path):
            self.report(
                "state.path",
                'is a PostgreSQL URL: write it as url = "postgresql://..." under [state] '
                "(path is the SQLite file)",
            )
            path = None
        elif path is not None and url is not None:
            self.report("state.url", "set only one of path (a SQLite file) and url (PostgreSQL)")
        return StateSettings(path=self.file_path(path or "ghl-ninox-state.sqlite3"), url=url)

    def state_url(self, section: Mapping[str, Any]) -> str | None:
        value = self.text(section, "state", "url")
        if value is None:
            return None
        if not is_postgres_url(value):
            raise self.error(
                "state.url",
                "must be a PostgreSQL URL, postgresql://user@host:5432/dbname "
                "(for a SQLite file use path)",
            )
        if has_password(value):
            raise self.error(
                "state.url",
                "holds a password: secrets must not be stored in the configuration file; "
                "remove it from the URL and set the environment variable "
                f"{STATE_PASSWORD_ENV} instead",
            )
        return value

    def sync(self, section: Mapping[str, Any]) -> SyncSettings:
        deletes = section.get("deletes", "soft")
        if deletes not in ("soft", "hard"):
            self.report(
                "sync.deletes",
                f'must be "soft" (flag the other side) or "hard" (remove it), got {deletes!r}',
            )
            deletes = "soft"
        default = section.get("default_policy")
        children_of = section.get("children_of", "changed_contacts")
        if children_of not in ("changed_contacts", "every_contact_read"):
            self.report(
                "sync.children_of",
                '"changed_contacts" (new or changed contacts) or "every_contact_read", '
                f"got {children_of!r}",
            )
            children_of = "changed_contacts"

        def number(key: str, fallback: float, **limits: Any) -> float:
            return self.attempt(
                lambda: self.number(section, "sync", key, fallback, **limits), fallback
            )

        return SyncSettings(
            policies=self.policies(section.get("policies", {})),
            default_policy=None
            if default is None
            else self.attempt(lambda: self.policy_name("sync.default_policy", default), None),
            newest_tolerance_seconds=number("newest_tolerance_seconds", 300.0, minimum=0),
            overlap_minutes=number("overlap_minutes", 5.0, minimum=0, maximum=24 * 60),
            deletes=deletes,
            deleted_tag=self.attempt(lambda: self.text(section, "sync", "deleted_tag"), None)
            or "deleted in ninox",
            ninox_deleted_field=self.attempt(
                lambda: self.text(section, "sync", "ninox_deleted_field"), None
            ),
            mass_delete_min=int(number("mass_delete_min", 10, minimum=0, integer=True)),
            mass_delete_fraction=number("mass_delete_fraction", 0.2, minimum=0, maximum=1),
            scan_deletes=self.attempt(lambda: self.flag(section, "sync", "scan_deletes"), False),
            chunk_size=None
            if "chunk_size" not in section
            else int(number("chunk_size", 100, minimum=1, maximum=1000, integer=True)),
            children_of=children_of,
            task_search=self.attempt(lambda: self.flag(section, "sync", "task_search"), True)
            if "task_search" in section
            else True,
            calendar_events=self.attempt(
                lambda: self.flag(section, "sync", "calendar_events"), True
            )
            if "calendar_events" in section
            else True,
            appointments_past_days=number("appointments_past_days", 365, minimum=0),
            appointments_future_days=number("appointments_future_days", 365, minimum=0),
            appointments_span_days=None
            if "appointments_span_days" not in section
            else number("appointments_span_days", 31, minimum=1),
            note_backfill_calls=None
            if "note_backfill_calls" not in section
            else int(number("note_backfill_calls", 1000, minimum=1, integer=True)),
            appointment_calendar_id=self.attempt(
                lambda: self.text(section, "sync", "appointment_calendar_id"), None
            ),
        )

    def server(self, section: Mapping[str, Any]) -> ServerSettings:
        path = self.attempt(lambda: self.text(section, "server", "path"), None) or "/webhooks/ghl"
        if not path.startswith("/"):
            self.report("server.path", f'must start with "/", e.g. "/{path}"')

        def number(key: str, fallback: float, **limits: Any) -> float:
            return self.attempt(
                lambda: self.number(section, "server", key, fallback, **limits), fallback
            )

        return ServerSettings(
            host=self.attempt(lambda: self.text(section, "server", "host"), None) or "127.0.0.1",
            port=int(number("port", 8080, minimum=1, maximum=65535, integer=True)),
            path=path,
            poll_interval=number("poll_interval", 60.0, minimum=0),
            status_token=self.attempt(lambda: self.text(section, "server", "status_token"), None),
        )

    def history(self, section: Mapping[str, Any]) -> HistorySettings:
        keep = self.attempt(
            lambda: self.number(section, "history", "keep_days", 90, minimum=0, integer=True),
            90.0,
        )
        return HistorySettings(keep_days=int(keep))

    def alerts(self, section: Mapping[str, Any]) -> AlertSettings:
        def number(key: str, fallback: float, **limits: Any) -> float:
            return self.attempt(
                lambda: self.number(section, "alerts", key, fallback, **limits), fallback
            )

        url = self.attempt(lambda: self.text(section, "alerts", "webhook_url"), None)
        if url is not None and not url.startswith(("http://", "https://")):
            self.report("alerts.webhook_url", "must be an http:// or https:// URL")
            url = None
        return AlertSettings(
            auth_failures=int(number("auth_failures", 3, minimum=0, integer=True)),
            error_rate=number("error_rate", 0.5, minimum=0, maximum=1),
            error_runs=int(number("error_runs", 5, minimum=0, maximum=1000, integer=True)),
            webhook_url=url,
            command=self.attempt(lambda: self.command(section), ()),
            auto_resume_minutes=number("auto_resume_minutes", 0.0, minimum=0),
        )

    def command(self, section: Mapping[str, Any]) -> tuple[str, ...]:
        value = section.get("command")
        if value is None:
            return ()
        if isinstance(value, str) and value.strip():
            return tuple(shlex.split(value))
        if isinstance(value, list) and value and all(isinstance(v, str) and v for v in value):
            return tuple(value)
        raise self.error(
            "alerts.command",
            'must be a command line, e.g. command = "notify-ops --channel sync" or a list '
            'of arguments, e.g. command = ["notify-ops", "--channel", "sync"]',
        )
