"""Serving the webhook app with uvicorn (the 'server' extra)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Final

from bridge.asgi._app import WebhookApp

if TYPE_CHECKING:
    import uvicorn

__all__ = ["build_server", "serve"]

_SERVER_HINT: Final = (
    "serving webhooks needs uvicorn, the 'server' extra: pip install -e '.[server]' from a "
    "clone, or the wheel with [server]"
)


def _uvicorn() -> Any:
    try:
        import uvicorn
    except ImportError as exc:
        raise ImportError(_SERVER_HINT) from exc
    return uvicorn


def build_server(
    app: WebhookApp,
    host: str = "127.0.0.1",
    port: int = 8000,
    *,
    log_level: str = "info",
    **options: Any,
) -> uvicorn.Server:
    """A uvicorn server for ``app`` with the lifespan on (the worker needs it); ``options``
    go to ``uvicorn.Config``. Call ``.run()``, or ``await .serve()``; set ``.should_exit``
    to stop it."""
    uv = _uvicorn()
    settings: dict[str, Any] = {"lifespan": "on", "log_level": log_level, "ws": "none"}
    settings.update(options)
    config = uv.Config(app, host=host, port=port, **settings)
    server: uvicorn.Server = uv.Server(config)
    return server


def serve(
    app: WebhookApp,
    host: str = "127.0.0.1",
    port: int = 8000,
    *,
    log_level: str = "info",
    **options: Any,
) -> None:
    """Run ``app`` with uvicorn until interrupted (needs the 'server' extra)."""
    build_server(app, host, port, log_level=log_level, **options).run()
