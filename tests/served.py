"""An httpx transport (a fake service) served over HTTP on 127.0.0.1, so that other processes
reach the same fake (used by the fleet and PostgreSQL token store tests, and
benchmarks/fleet.py)."""

from __future__ import annotations

import http.server
import threading
from typing import Any

import httpx

__all__ = ["TransportServer"]

_HOP = {"host", "content-length", "connection", "transfer-encoding", "keep-alive"}


class TransportServer:
    """Serves an httpx transport (a fake) over HTTP/1.1 with keep-alive, one thread per
    connection."""

    def __init__(self, transport: httpx.BaseTransport) -> None:
        relay = transport

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # headers and body go out at once, no 40 ms stall

            def log_message(self, format: str, *args: Any) -> None:
                return

            def _relay(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                headers = [(k, v) for k, v in self.headers.items() if k.lower() not in _HOP]
                request = httpx.Request(
                    self.command, "http://fake" + self.path, headers=headers, content=body
                )
                response = relay.handle_request(request)
                content = response.read()
                self.send_response(response.status_code)
                for key, value in response.headers.multi_items():
                    if key.lower() not in _HOP and key.lower() != "content-encoding":
                        self.send_header(key, value)
                self.send_header("Content-Length", str(len(content)))
                self.end_headers()
                self.wfile.write(content)

            do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = _relay

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self._thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
