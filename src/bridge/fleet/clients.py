"""The clients a fleet process uses: one GHL client per location, all spending the location's
budget through one shared limiter, and one Ninox client whose handles point at each
partition's database."""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from bridge.state.postgres_fleet import Partition
from ghlsdk import DEFAULT_WINDOWS, GHLClient, RateLimiter, Window
from ghlsdk.auth import OAuthSession
from ninoxsdk import DatabaseHandle, NinoxClient

__all__ = ["FleetClients", "GHLCredentials"]

#: What authenticates a location: a static token (private integration) or an OAuth session
#: (for example minted from the agency install: ``OAuthSession(..., agency=...)``).
GHLCredentials = Callable[[str], "str | OAuthSession"]

_GHL_DEFAULT_BASE = "https://services.leadconnectorhq.com"


class FleetClients:
    """A [`ClientSource`][bridge.fleet.ClientSource]: GHL clients per location (credentials
    from ``credentials(location_id)``, built once and reused), each given ``limiter`` (a
    [`PostgresRateLimiter`][bridge.fleet.PostgresRateLimiter] across the fleet; ``None``: a
    limiter of their own with ``windows``); Ninox handles from ``ninox`` (one client for every
    database; closed with the source). ``ghl_options`` go to the GHL clients (timeouts...)."""

    def __init__(
        self,
        *,
        credentials: GHLCredentials,
        ninox: NinoxClient,
        limiter: RateLimiter | None,
        windows: Sequence[Window] = DEFAULT_WINDOWS,
        ghl_base_url: str = _GHL_DEFAULT_BASE,
        ghl_options: Mapping[str, Any] | None = None,
    ) -> None:
        self.credentials = credentials
        self.limiter = limiter
        self.windows = tuple(windows)
        self.ghl_base_url = ghl_base_url
        self._ghl_options = dict(ghl_options or {})
        self._ninox = ninox
        self._ghl: dict[str, GHLClient] = {}
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"FleetClients(ghl={self.ghl_base_url!r}, locations={sorted(self._ghl)!r})"

    def ghl(self, location_id: str) -> GHLClient:
        """The GHL client of ``location_id`` (built on first use)."""
        with self._lock:
            client = self._ghl.get(location_id)
            if client is None:
                given = self.credentials(location_id)
                auth: dict[str, Any] = (
                    {"token": given} if isinstance(given, str) else {"auth": given}
                )
                client = GHLClient(
                    location_id=location_id,
                    base_url=self.ghl_base_url,
                    rate_limiter=self.limiter,
                    rate_limit_windows=self.windows,
                    **auth,
                    **self._ghl_options,
                )
                self._ghl[location_id] = client
            return client

    def clients(self, partition: Partition) -> tuple[GHLClient, DatabaseHandle]:
        return (
            self.ghl(partition.location_id),
            self._ninox.database(partition.team_id, partition.database_id),
        )

    def close(self) -> None:
        with self._lock:
            for client in self._ghl.values():
                client.close()
            self._ghl.clear()
        self._ninox.close()
