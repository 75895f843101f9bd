"""``nx.teams`` and ``nx.databases``: the teams (workspaces) the API key can see and their
databases. Each method is a builder named once in a table both twins inherit (see
``_sdkcore.twins``)."""

from __future__ import annotations

import builtins

from _sdkcore._http import Call, RequestOptions
from _sdkcore.programs import with_options
from _sdkcore.twins import AsyncTwin, SyncTwin, op
from ninoxsdk.models import Database, Team
from ninoxsdk.resources import _ops as ops
from ninoxsdk.resources._programs import ClientCtx

__all__ = ["AsyncDatabases", "AsyncTeams", "Databases", "Teams"]


def list_teams(
    ctx: ClientCtx, *, options: RequestOptions | None = None
) -> Call[builtins.list[Team]]:
    """Every team (``GET /teams``, one request)."""
    return with_options(ops.list_teams(), options)


def get_team(ctx: ClientCtx, team_id: str, *, options: RequestOptions | None = None) -> Call[Team]:
    """``GET /teams/{team}``."""
    return with_options(ops.get_team(team_id), options)


def list_databases(
    ctx: ClientCtx, team_id: str, *, options: RequestOptions | None = None
) -> Call[builtins.list[Database]]:
    """Every database of the team (``GET /teams/{team}/databases``, one request)."""
    return with_options(ops.list_databases(team_id), options)


class _Teams:
    """The methods of [`Teams`][ninoxsdk.resources.Teams] and its async twin."""

    list = op(list_teams)
    get = op(get_team)


class Teams(_Teams, SyncTwin):
    """``nx.teams``: the teams (workspaces) the API key can see."""


class AsyncTeams(_Teams, AsyncTwin):
    """``nx.teams`` on the async client."""


class _Databases:
    """The methods of [`Databases`][ninoxsdk.resources.Databases] and its async twin."""

    list = op(list_databases)


class Databases(_Databases, SyncTwin):
    """``nx.databases``: the databases of a team."""


class AsyncDatabases(_Databases, AsyncTwin):
    """``nx.databases`` on the async client."""
