"""Configuration of the ``ghl-ninox`` command: a TOML file for settings, environment variables
for secrets.

The file (``--config PATH``, else ``$GHL_NINOX_CONFIG``, else ``ghl-ninox.toml`` in the current
directory) holds ids, hosts, paths and sync policies. Secrets never go in it: a key such as
``token`` or ``api_key`` found in the file is an error naming the environment variable to use.

>>> cfg = load_config("ghl-ninox.toml")            # doctest: +SKIP
>>> cfg.ninox.team_id, cfg.sync.deletes, cfg.secrets.status()   # doctest: +SKIP

A file with problems raises one [`ConfigError`][bridge.config.ConfigError] listing every
problem, each naming the file, the key and what to write instead. ``ghl-ninox init`` writes a
commented sample ([`sample_config`][bridge.config.sample_config]). Relative paths in the file
(``[state] path``, ``[ghl] token_store``) are relative to the file.
"""

# The modules, one job each: _settings (the Config model and the secrets), _errors
# (ConfigError), _checks (collecting every problem; typed getters), _policies (policy names and
# the [sync.policies] checks), _parser (the file's sections into a Config), _load (finding,
# reading, parsing; the shipped sample).

from __future__ import annotations

from bridge.config._errors import ConfigError
from bridge.config._fleet import FleetLocation, FleetSettings
from bridge.config._load import find_config, load_config, parse_config, sample_config
from bridge.config._parser import KEYS
from bridge.config._policies import ENTITIES, POLICY_NAMES
from bridge.config._settings import (
    CONFIG_ENV,
    DEFAULT_CONFIG_FILE,
    SECRET_ENV,
    STATUS_TOKEN_ENV,
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

__all__ = [
    "CONFIG_ENV",
    "DEFAULT_CONFIG_FILE",
    "ENTITIES",
    "POLICY_NAMES",
    "SECRET_ENV",
    "STATUS_TOKEN_ENV",
    "AlertSettings",
    "Config",
    "ConfigError",
    "FleetLocation",
    "FleetSettings",
    "GHLSettings",
    "HistorySettings",
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

# Not in __all__, importable as before: the keys each section takes, the default hosts.
from bridge.config._settings import GHL_DEFAULT_BASE_URL as GHL_DEFAULT_BASE_URL
from bridge.config._settings import NINOX_PUBLIC_CLOUD_URL as NINOX_PUBLIC_CLOUD_URL

_KEYS = KEYS
