"""What the command line builds from a configuration: the two clients and the sync engine.

``connect`` (config → [`Connections`][bridge.cli.Connections]) and ``engine_factory``
([`EngineParts`][bridge.cli.EngineParts] →
engine) are the replaceable parts of [`bridge.cli.main`][bridge.cli.main]; the defaults here build
the
real clients and [`SyncEngine`][bridge.sync.SyncEngine].
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import timedelta
from typing import Any, Protocol

import attrs
import httpx

from bridge.cli._output import CredentialsError
from bridge.config import Config, ConfigError
from bridge.mapping import validate
from bridge.state import StateStore

__all__ = [
    "Connect",
    "Connections",
    "Engine",
    "EngineFactory",
    "EngineParts",
    "Progressor",
    "RunReport",
    "build_ghl",
    "build_ninox",
    "build_sync_config",
    "connect_clients",
    "default_engine_factory",
]

Progressor = Callable[[int, int, str], None]


# ---------------------------------------------------------------------------------------------
# What the CLI needs from the engine (bridge.sync) and its reports


class RunReport(Protocol):
    """The part of [`bridge.sync.RunReport`][bridge.sync.RunReport] the CLI uses."""

    @property
    def ok(self) -> bool: ...
    @property
    def conflicts(self) -> Sequence[Any]: ...
    @property
    def errors(self) -> Sequence[Any]: ...
    def to_json(self) -> str: ...


class Engine(Protocol):
    """The part of [`bridge.sync.SyncEngine`][bridge.sync.SyncEngine] the CLI uses."""

    def sync(self, *, scan_deletes: bool = False) -> RunReport: ...
    def plan(self, *, scan_deletes: bool = False) -> RunReport: ...


@attrs.frozen(kw_only=True)
class EngineParts:
    """Everything an engine is built from: the configuration, the two clients, the open
    state store and the progress callback (``None`` when quiet)."""

    config: Config
    ghl: Any  # ghlsdk.GHLClient
    ninox: Any  # ninoxsdk.DatabaseHandle
    store: StateStore
    progress: Progressor | None


EngineFactory = Callable[[EngineParts], Engine]


# ---------------------------------------------------------------------------------------------
# Clients from the configuration


@attrs.define
class Connections:
    """The clients built from a [`Config`][bridge.config.Config]: ``ghl`` (GHLClient),
    ``ninox`` (NinoxClient) and ``db`` (its DatabaseHandle). Close with
    [`close`][bridge.cli.Connections.close]."""

    ghl: Any
    ninox: Any
    db: Any
    _closers: list[Any] = attrs.field(factory=list)

    def close(self) -> None:
        """Close every client built (the last first)."""
        for item in reversed(self._closers):
            item.close()
        self._closers.clear()


Connect = Callable[[Config], Connections]


def build_ghl(config: Config, *, transport: httpx.BaseTransport | None = None) -> Any:
    """A ``GHLClient`` from the config: ``GHL_TOKEN``, else OAuth (``GHL_CLIENT_ID`` and
    ``GHL_CLIENT_SECRET`` with ``[ghl] token_store``). ``transport`` is for tests/fakes."""
    from ghlsdk import GHLClient

    secrets, ghl = config.secrets, config.ghl
    http = httpx.Client(transport=transport) if transport is not None else None
    try:
        if secrets.ghl_token is not None:
            return GHLClient(
                token=secrets.ghl_token,
                location_id=ghl.location_id,
                base_url=ghl.base_url,
                http_client=http,
            )
        if secrets.ghl_oauth:
            return GHLClient(
                auth=_oauth_session(config, http),
                location_id=ghl.location_id,
                base_url=ghl.base_url,
                http_client=http,
            )
    except ConfigError:
        if http is not None:
            http.close()
        raise
    except ValueError as exc:
        if http is not None:
            http.close()
        raise CredentialsError(f"cannot use the GHL credentials: {exc}") from None
    if http is not None:
        http.close()
    raise CredentialsError(
        "no GHL credentials: set GHL_TOKEN (a Private Integration or access token), or "
        "GHL_CLIENT_ID and GHL_CLIENT_SECRET with [ghl] token_store for OAuth"
    )


def _oauth_session(config: Config, http: httpx.Client | None) -> Any:
    from ghlsdk import FileTokenStore, OAuthSession

    if config.ghl.token_store is None:
        raise ConfigError(
            "OAuth (GHL_CLIENT_ID/GHL_CLIENT_SECRET) needs a token store: add "
            'token_store = "ghl-tokens.json" under [ghl]',
            path=config.source,
            key="ghl.token_store",
        )
    return OAuthSession(
        build_oauth(config, http),
        FileTokenStore(config.ghl.token_store),
        key=config.ghl.location_id,
        location_id=config.ghl.location_id,
    )


def build_oauth(config: Config, http: httpx.Client | None = None) -> Any:
    """The ``OAuth2`` client of the configured app (``GHL_CLIENT_ID``/``GHL_CLIENT_SECRET``,
    checked present by the caller)."""
    from ghlsdk import OAuth2

    assert config.secrets.ghl_client_id is not None
    assert config.secrets.ghl_client_secret is not None
    return OAuth2(
        client_id=config.secrets.ghl_client_id,
        client_secret=config.secrets.ghl_client_secret,
        base_url=config.ghl.base_url,
        http_client=http,
    )


def build_ninox(
    config: Config, *, transport: httpx.BaseTransport | None = None, **options: Any
) -> Any:
    """A ``NinoxClient`` for the configured host with ``NINOX_API_KEY``. ``options`` go to
    the client (e.g. ``min_interval=0`` on fakes)."""
    from ninoxsdk import NinoxClient

    key = config.secrets.ninox_api_key
    if key is None:
        raise CredentialsError("no Ninox credentials: set NINOX_API_KEY (Ninox > Integrations)")
    if transport is not None:
        options["http_client"] = httpx.Client(transport=transport)
    nx = config.ninox
    try:
        if nx.private_cloud is not None:
            return NinoxClient.private_cloud(nx.private_cloud, key, **options)
        if nx.on_premise is not None:
            return NinoxClient.on_premise(nx.on_premise, key, **options)
        if nx.base_url is not None:
            return NinoxClient(key, base_url=nx.base_url, **options)
        return NinoxClient(key, **options)
    except ValueError as exc:
        if "http_client" in options:
            options["http_client"].close()
        raise CredentialsError(f"cannot use the Ninox settings: {exc}") from None


def connect_clients(
    config: Config,
    *,
    ghl_transport: httpx.BaseTransport | None = None,
    ninox_transport: httpx.BaseTransport | None = None,
    **ninox_options: Any,
) -> Connections:
    """Build both clients from ``config`` (the default ``connect`` of [`main`][bridge.cli.main]).
    The
    transports route requests elsewhere, e.g. to ``FakeGHL``/``FakeNinox`` in tests."""
    ghl = build_ghl(config, transport=ghl_transport)
    try:
        nx = build_ninox(config, transport=ninox_transport, **ninox_options)
    except BaseException:
        ghl.close()
        raise
    db = nx.database(config.ninox.team_id, config.ninox.database_id)
    return Connections(ghl=ghl, ninox=nx, db=db, closers=[ghl, nx])


def default_engine_factory(parts: EngineParts) -> Engine:
    """Build [`bridge.sync.SyncEngine`][bridge.sync.SyncEngine] from the parts and the ``[sync]``
    settings,
    after checking the Ninox layout against the mapping (``SchemaMismatchError``, exit 4,
    before anything is read or written)."""
    from bridge.sync import SyncEngine

    validate(parts.ninox.schema())
    engine: Engine = SyncEngine(
        parts.ghl,
        parts.ninox,
        parts.store,
        config=build_sync_config(parts.config),
        progress=parts.progress,
    )
    return engine


def build_sync_config(config: Config) -> Any:
    """The engine's [`bridge.sync.SyncConfig`][bridge.sync.SyncConfig] from ``[sync]``:
    ``"entity.field"``
    policies become per-field policies, ``"entity"`` policies the entity's default (contacts
    default to GHL wins), ``default_policy`` the fallback for every other entity."""
    from bridge.conflicts import GHL_WINS
    from bridge.sync import SyncConfig

    s = config.sync
    fields: dict[str, dict[str, Any]] = {}
    entity_defaults: dict[str, Any] = {"contact": GHL_WINS}
    for key, name in s.policies.items():
        entity, _, field = key.partition(".")
        if field:
            fields.setdefault(entity, {})[field] = s.policy(name)
        else:
            entity_defaults[entity] = s.policy(name)
    options: dict[str, Any] = {}
    if s.default_policy is not None:
        options["fallback_policy"] = s.policy(s.default_policy)
    return SyncConfig(
        policies=fields,
        default_policy=entity_defaults,
        overlap=s.overlap,
        deletes=s.deletes,
        deleted_tag=s.deleted_tag,
        ninox_deleted_field=s.ninox_deleted_field,
        mass_delete_min=s.mass_delete_min,
        mass_delete_fraction=s.mass_delete_fraction,
        chunk_size=s.chunk_size,
        children_of=s.children_of,
        task_search=s.task_search,
        calendar_events=s.calendar_events,
        appointments_past=timedelta(days=s.appointments_past_days),
        appointments_future=timedelta(days=s.appointments_future_days),
        appointments_span=None
        if s.appointments_span_days is None
        else timedelta(days=s.appointments_span_days),
        note_backfill_calls=s.note_backfill_calls,
        appointment_calendar_id=s.appointment_calendar_id,
        **options,
    )
