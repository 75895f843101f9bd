"""Configuration of the ``ghl-ninox`` command: a TOML file for settings, environment variables
for secrets.

The file (``--config PATH``, else ``$GHL_NINOX_CONFIG``, else ``ghl-ninox.toml`` in the current
directory) holds ids, hosts, paths and sync policies. Secrets never go in it: a key such as
``token`` or ``api_key`` found in the file is an error naming the environment variable to use.

>>> cfg = load_config("ghl-ninox.toml")            # doctest: +SKIP
>>> cfg.ninox.team_id, cfg.sync.deletes, cfg.secrets.status()   # doctest: +SKIP

A file with problems raises one [`ConfigError`][bridge.config.ConfigError] listing every problem,
each naming the
file, the key and what to write instead. ``ghl-ninox init`` writes a commented sample
([`sample_config`][bridge.config.sample_config]). Relative paths in the file (``[state] path``,
``[ghl] token_store``)
are relative to the file.
"""

from __future__ import annotations

import difflib
import importlib
import importlib.resources
import os
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import timedelta
from pathlib import Path
from typing import Any, Final, Literal, TypeVar

import attrs

from bridge.conflicts import GHL_WINS, MANUAL, NINOX_WINS, PREFER_NON_EMPTY, Newest, Policy
from ghlsdk import validate_base_url

_T = TypeVar("_T")


def _toml_module() -> Any:
    # tomllib is in the standard library from 3.11; on 3.10 the same parser is 'tomli'.
    name = "tomllib" if sys.version_info >= (3, 11) else "tomli"
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError:  # pragma: no cover - Python 3.10 without tomli
        return None


__all__ = [
    "CONFIG_ENV",
    "DEFAULT_CONFIG_FILE",
    "ENTITIES",
    "POLICY_NAMES",
    "SECRET_ENV",
    "Config",
    "ConfigError",
    "GHLSettings",
    "NinoxSettings",
    "Secrets",
    "ServerSettings",
    "StateSettings",
    "SyncSettings",
    "find_config",
    "load_config",
    "parse_config",
    "sample_config",
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
ENTITIES: Final = ("contact", "task", "note", "appointment")
"""The entities ``[sync.policies]`` keys may name."""
POLICY_NAMES: Final = ("ghl_wins", "ninox_wins", "newest", "prefer_non_empty", "manual")
"""The conflict policies a setting may name."""

GHL_DEFAULT_BASE_URL: Final = "https://services.leadconnectorhq.com"
NINOX_PUBLIC_CLOUD_URL: Final = "https://api.ninox.com/v1"

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


class ConfigError(ValueError):
    """The configuration cannot be used. ``path`` is the file (if any), ``key`` the dotted
    key at fault (if any); the message says what to fix. Never contains a secret value.

    The checker reports every problem of a file at once: ``errors`` holds one
    ``ConfigError`` per problem (just this one when there is one), and the message lists them
    all. ``key`` is then the first problem's key."""

    def __init__(
        self,
        message: str,
        *,
        path: Path | None = None,
        key: str | None = None,
        errors: Sequence[ConfigError] = (),
    ):
        self.path = path
        self.key = key
        self.problem = message
        self.errors: tuple[ConfigError, ...] = tuple(errors) or (self,)
        where = str(path) if path is not None else "configuration"
        if errors:
            super().__init__(f"{where}: {message}")
            return
        if key is not None:
            where += f": {key}"
        super().__init__(f"{where}: {message}")

    @classmethod
    def combine(cls, errors: Sequence[ConfigError], *, path: Path | None) -> ConfigError:
        """One error for several problems (the single problem itself when there is one)."""
        if len(errors) == 1:
            return errors[0]
        lines = [f"{len(errors)} problems:"]
        for e in errors:
            lines.append(f"  - {e.key}: {e.problem}" if e.key else f"  - {e.problem}")
        return cls("\n".join(lines), path=path, key=errors[0].key, errors=errors)


# ---------------------------------------------------------------------------------------------
# The settings


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
    """``[state]``: where the SQLite sync state lives."""

    path: Path


@attrs.frozen(kw_only=True)
class SyncSettings:
    """``[sync]``: conflict policies, the GHL overlap window, deletes and batch size.

    ``policies`` maps ``"entity"`` (every field of it) or ``"entity.field"`` to a policy name
    ([`POLICY_NAMES`][bridge.config.POLICY_NAMES]); ``default_policy`` covers the rest (``None``:
    the engine's default,
    GHL wins). ``newest_tolerance_seconds`` is the clock-skew tolerance of ``newest``.
    Deletes: ``deletes`` soft/hard, the GHL tag and optional Ninox field that flag a soft
    delete, the mass-delete guard (more than ``mass_delete_min`` and ``mass_delete_fraction``
    in one pass goes to review), ``scan_deletes`` (compare every linked id on each run).
    ``chunk_size``: Ninox batch size (``None``: the client's).
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

    @property
    def overlap(self) -> timedelta:
        return timedelta(minutes=self.overlap_minutes)

    def policy(self, name: str) -> Policy:
        """The policy object for a policy name (``newest`` gets the configured tolerance)."""
        return _policy_object(name, self.newest_tolerance_seconds)

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
    Ninox poller runs a sync pass (seconds; 0 turns it off)."""

    host: str = "127.0.0.1"
    port: int = 8080
    path: str = "/webhooks/ghl"
    poll_interval: float = 60.0


@attrs.frozen(kw_only=True, repr=False)
class Secrets:
    """Credentials from the environment. The repr and [`status`][bridge.config.Secrets.status] never
    show values."""

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
    secrets: Secrets = attrs.field(factory=Secrets)

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
            "state": {"path": str(self.state.path)},
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
            },
            "secrets": self.secrets.status(),
        }


def _opt_str(value: Path | None) -> str | None:
    return None if value is None else str(value)


def _policy_object(name: str, tolerance_seconds: float) -> Policy:
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


# ---------------------------------------------------------------------------------------------
# Loading


def find_config(
    path: str | os.PathLike[str] | None = None,
    *,
    environ: Mapping[str, str] | None = None,
    cwd: str | os.PathLike[str] | None = None,
) -> Path:
    """The configuration file to use: ``path``, else ``$GHL_NINOX_CONFIG``, else
    ``ghl-ninox.toml`` in ``cwd`` (default: the current directory). Raises
    [`ConfigError`][bridge.config.ConfigError] when that file does not exist."""
    env = os.environ if environ is None else environ
    base = Path(cwd) if cwd is not None else Path.cwd()
    if path is not None:
        chosen, how = Path(path), "given with --config"
    elif env.get(CONFIG_ENV, "").strip():
        chosen, how = Path(env[CONFIG_ENV].strip()), f"named by ${CONFIG_ENV}"
    else:
        chosen, how = Path(DEFAULT_CONFIG_FILE), "the default"
    if not chosen.is_absolute():
        chosen = base / chosen
    if not chosen.is_file():
        raise ConfigError(
            f"no such file ({how}). Create one with `ghl-ninox init` (a commented sample), "
            f"pass --config PATH, or set {CONFIG_ENV}.",
            path=chosen,
        )
    return chosen


def sample_config() -> str:
    """The commented sample configuration ``ghl-ninox init`` writes (shipped in the package
    as ``bridge/sample_config.toml``; it parses, with placeholder ids)."""
    return (
        importlib.resources.files("bridge")
        .joinpath("sample_config.toml")
        .read_text(encoding="utf-8")
    )


def load_config(
    path: str | os.PathLike[str] | None = None,
    *,
    environ: Mapping[str, str] | None = None,
    cwd: str | os.PathLike[str] | None = None,
    fields: Mapping[str, Iterable[str]] | None = None,
) -> Config:
    """Find (see [`find_config`][bridge.config.find_config]), read and check the configuration file;
    secrets come
    from ``environ`` (default ``os.environ``). ``fields`` (entity → field names; default:
    the default mapping's) is what ``[sync.policies]`` keys may name."""
    file = find_config(path, environ=environ, cwd=cwd)
    try:
        text = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read the file: {exc}", path=file) from exc
    return parse_config(text, path=file, environ=environ, fields=fields)


def parse_config(
    text: str,
    *,
    path: Path | None = None,
    environ: Mapping[str, str] | None = None,
    fields: Mapping[str, Iterable[str]] | None = None,
) -> Config:
    """Parse TOML ``text`` into a [`Config`][bridge.config.Config] (``path`` names the file in
    errors and
    anchors relative paths)."""
    tomllib = _toml_module()
    if tomllib is None:  # pragma: no cover - Python 3.10 without tomli
        raise ConfigError(
            "reading TOML on Python 3.10 needs the 'tomli' package: pip install tomli",
            path=path,
        )
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"not valid TOML: {exc}", path=path) from exc
    return _Parser(path, fields).config(data, Secrets.from_env(environ))


_SECTIONS: Final = ("ghl", "ninox", "state", "sync", "server")
_KEYS: Final = {
    "ghl": ("location_id", "base_url", "token_store"),
    "ninox": ("team_id", "database_id", "base_url", "private_cloud", "on_premise"),
    "state": ("path",),
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
    ),
    "server": ("host", "port", "path", "poll_interval"),
}


def _suggest(name: str, options: Iterable[str]) -> str:
    close = difflib.get_close_matches(name, list(options), n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


class _Parser:
    """Reads the TOML data into a [`Config`][bridge.config.Config], collecting every problem on the
    way.

    Each getter raises [`ConfigError`][bridge.config.ConfigError]; `attempt` records it and goes on
    with a
    placeholder, so one run of the checker reports every mistake in the file."""

    def __init__(self, path: Path | None, fields: Mapping[str, Iterable[str]] | None) -> None:
        self.path = path
        self.base = path.parent if path is not None else Path.cwd()
        if fields is None:
            from bridge.mappers import default_mappings

            mappings = default_mappings()
            fields = {e: [f.name for f in mappings.entity(e).fields] for e in mappings.entities}
        self.fields = {entity: tuple(names) for entity, names in fields.items()}
        self.errors: list[ConfigError] = []
        # Keys whose absence is already explained (a broken section, a key outside its
        # section): "is required" would only repeat the problem.
        self.explained: set[str] = set()

    def error(self, key: str | None, message: str) -> ConfigError:
        return ConfigError(message, path=self.path, key=key)

    def report(self, key: str | None, message: str) -> None:
        self.errors.append(self.error(key, message))

    def attempt(self, get: Callable[[], _T], placeholder: _T) -> _T:
        """``get()``, or ``placeholder`` after recording the problem it raised."""
        try:
            return get()
        except ConfigError as exc:
            self.errors.append(exc)
            return placeholder

    def config(self, data: Mapping[str, Any], secrets: Secrets) -> Config:
        self.refuse_secrets(data, "")
        for name, value in data.items():
            if name in _SECTIONS or str(name).lower() in _SECRET_KEYS:
                continue
            if not isinstance(value, Mapping):
                homes = [sec for sec, keys in _KEYS.items() if name in keys]
                self.explained.update(f"{sec}.{name}" for sec in homes)
                self.report(
                    name,
                    "is outside any section: move it under "
                    + (" or ".join(f"[{h}]" for h in homes) if homes else "the right [section]"),
                )
            else:
                self.report(
                    f"[{name}]",
                    f"unknown section{_suggest(name, _SECTIONS)}; sections are "
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
            self.explained.update(f"{name}.{key}" for key in _KEYS[name])
            return {}
        known: dict[str, Any] = {}
        for key, item in value.items():
            if key in _KEYS[name]:
                known[key] = item
            elif str(key).lower() not in _SECRET_KEYS:  # those are reported already
                # A misspelt key explains why the key it stands for is missing.
                self.explained.update(
                    f"{name}.{close}" for close in difflib.get_close_matches(key, _KEYS[name], n=1)
                )
                self.report(
                    f"{name}.{key}",
                    f"unknown key{_suggest(key, _KEYS[name])}; [{name}] takes "
                    + ", ".join(_KEYS[name]),
                )
        return known

    # -- typed getters (each raises ConfigError) ------------------------------------------

    def text(
        self, section: Mapping[str, Any], name: str, key: str, *, required: bool = False
    ) -> str | None:
        dotted = f"{name}.{key}"
        if key not in section:
            if required and dotted not in self.explained:
                raise self.error(dotted, f'is required: add {key} = "..." under [{name}]')
            return None
        value = section[key]
        if not isinstance(value, str) or not value.strip():
            raise self.error(dotted, f'must be a non-empty string in quotes, e.g. {key} = "..."')
        if value != value.strip():
            raise self.error(dotted, "has leading or trailing spaces; remove them")
        return value

    def required_text(self, section: Mapping[str, Any], name: str, key: str) -> str:
        # A placeholder when the problem is explained elsewhere (the config is refused anyway).
        return self.text(section, name, key, required=True) or ""

    def number(
        self,
        section: Mapping[str, Any],
        name: str,
        key: str,
        default: float,
        *,
        minimum: float,
        maximum: float | None = None,
        integer: bool = False,
    ) -> float:
        dotted = f"{name}.{key}"
        if key not in section:
            return default
        value = section[key]
        kind = (int,) if integer else (int, float)
        bounds = f"from {minimum:g}" + (f" to {maximum:g}" if maximum is not None else " up")
        what = "a whole number" if integer else "a number"
        if isinstance(value, bool) or not isinstance(value, kind):
            raise self.error(dotted, f"must be {what} {bounds} (got {value!r})")
        if value < minimum or (maximum is not None and value > maximum):
            raise self.error(dotted, f"must be {what} {bounds} (got {value!r})")
        return value

    def flag(self, section: Mapping[str, Any], name: str, key: str) -> bool:
        value = section.get(key, False)
        if not isinstance(value, bool):
            raise self.error(f"{name}.{key}", f"must be true or false (got {value!r})")
        return value

    def url(self, section: Mapping[str, Any], name: str, key: str) -> str | None:
        value = self.text(section, name, key)
        if value is None:
            return None
        try:
            validate_base_url(value)
        except ValueError as exc:
            raise self.error(f"{name}.{key}", str(exc)) from None
        return value

    def file_path(self, value: str) -> Path:
        expanded = Path(value).expanduser()
        return expanded if expanded.is_absolute() else self.base / expanded

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
        return StateSettings(path=self.file_path(path or "ghl-ninox-state.sqlite3"))

    def policy_name(self, key: str, value: Any) -> str:
        if not isinstance(value, str) or value not in POLICY_NAMES:
            raise self.error(
                key,
                f"unknown conflict policy {value!r}{_suggest(str(value), POLICY_NAMES)}; "
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
                    f"unknown entity {entity!r}{_suggest(entity, ENTITIES)}; "
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
                f"{entity} has no field {field!r}{_suggest(field, known)}; its fields are "
                + ", ".join(known),
            )
        return True

    def sync(self, section: Mapping[str, Any]) -> SyncSettings:
        deletes = section.get("deletes", "soft")
        if deletes not in ("soft", "hard"):
            self.report(
                "sync.deletes",
                f'must be "soft" (flag the other side) or "hard" (remove it), got {deletes!r}',
            )
            deletes = "soft"
        default = section.get("default_policy")

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
        )
