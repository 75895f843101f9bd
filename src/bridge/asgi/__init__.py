"""An ASGI app that receives HighLevel webhooks and hands them to the sync engine.

>>> from bridge.asgi import create_app, serve
>>> app = create_app(handler=engine.handle_ghl_event, store=store, public_keys=keys)
>>> serve(app, host="0.0.0.0", port=8000)          # needs the 'server' extra (uvicorn)

HighLevel re-sends a delivery only when the receiver answers ``429``; any other answer is final.
So the app verifies, de-duplicates and queues each delivery, answers ``200`` at once, and a
background worker (started by the ASGI lifespan) calls the handler. With a state store, each
delivery is written to the store's webhook inbox before it is acknowledged, so a crash loses
nothing: rows still ``new`` are handled again at the next start.

Pure ASGI, no framework: the app is small and its behaviour is all here.
"""

# The modules, one job each: _receiver (the queue, the inbox and the workers that call the
# handler), _app (the ASGI app: HTTP, lifespan, verification; create_app), _server (uvicorn),
# _status (the health page at / and /status.json, and its resolve form), _html (the page's
# HTML), _wire (ASGI types, headers, bodies).

from __future__ import annotations

from bridge.asgi._app import WebhookApp, create_app
from bridge.asgi._html import ReviewForm, render_page
from bridge.asgi._receiver import Handler, event_key
from bridge.asgi._server import build_server, serve
from bridge.asgi._status import StatusPage, is_loopback

__all__ = [
    "Handler",
    "ReviewForm",
    "StatusPage",
    "WebhookApp",
    "build_server",
    "create_app",
    "event_key",
    "is_loopback",
    "render_page",
    "serve",
]
