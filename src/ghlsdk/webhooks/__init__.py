"""HighLevel webhooks: typed events, signature verification, de-duplication.

>>> from ghlsdk import webhooks
>>> event = webhooks.verify(raw_body, request.headers)   # raises WebhookVerificationError
>>> if isinstance(event, webhooks.ContactCreateEvent): ...

[`parse_event`][ghlsdk.webhooks.parse_event] needs nothing extra; [`verify`][ghlsdk.webhooks.verify]
needs ``cryptography``
(``pip install 'ghl-ninox[webhooks]'``), imported only when used.
"""

from ghlsdk.webhooks import _dedup, _events, _verify
from ghlsdk.webhooks._dedup import *  # noqa: F403 - each module's __all__ is what it exports
from ghlsdk.webhooks._events import *  # noqa: F403
from ghlsdk.webhooks._verify import *  # noqa: F403

__all__ = [*_events.__all__, *_verify.__all__, *_dedup.__all__]
