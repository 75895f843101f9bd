"""``NinoxClient`` and ``AsyncNinoxClient``: the async one is written in ``_async_client``, the
sync one generated from it (``_sync_client``); what both share is in ``_config``."""

from ninoxsdk._async_client import AsyncNinoxClient
from ninoxsdk._config import DEFAULT_RETRY, DEFAULT_TIMEOUT, PUBLIC_CLOUD_URL
from ninoxsdk._sync_client import NinoxClient

__all__ = [
    "DEFAULT_RETRY",
    "DEFAULT_TIMEOUT",
    "PUBLIC_CLOUD_URL",
    "AsyncNinoxClient",
    "NinoxClient",
]
