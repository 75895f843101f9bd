"""The health page of ``ghl-ninox serve``: ``GET /`` (server-rendered HTML, no JavaScript)
and ``GET /status.json``, with the facts of ``ghl-ninox status``
(`bridge.ops.collect_status`), the GHL rate-limit budget, the recent runs and the review
items; and ``POST /review/resolve``, where each review item's buttons (keep GHL / keep
Ninox, approve / reject a mass delete, dismiss) record a person's decision
(`bridge.sync.review.resolve`; the next pass carries it out).

Access: with a token, a request needs it as ``Authorization: Bearer <token>``, or the cookie
the page sets after ``/?token=<token>`` (the browser is then redirected to the address
without it). Without a token the page is open only when the server listens on a loopback
address; on any other address it answers ``403``.

The buttons are a plain HTML form, and a form can be posted from any site a person visits
while they are signed in (or, with an open page, from any site at all). So a resolution is
accepted only by ``POST``, with the access rules above, and with the page's form token in a
hidden field: an HMAC of the access token (or, with an open page, of a secret made when the
server starts) that another site cannot read. The cookie is ``SameSite=Strict`` and a
cross-site ``Origin`` is refused as well.
"""

from __future__ import annotations

import hmac
import ipaddress
import json
import secrets
import urllib.parse
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, Final

import anyio.to_thread

from bridge.asgi._html import ReviewForm, login_page, message_page, render_page
from bridge.asgi._wire import Disconnected, Receive, Scope, Send, headers_of, read_body
from bridge.ops import StatusFacts, collect_status
from bridge.state import StateStore
from bridge.sync.review import resolve

__all__ = ["COOKIE", "StatusPage", "is_loopback"]

#: How to answer a request: ``answer(send, head)``.
_Answer = Callable[[Send, bool], Awaitable[None]]
#: The cookie that carries the token after ``/?token=...``.
COOKIE: Final = "ghl_ninox_status"
#: The largest resolution form accepted (it holds three short fields).
_FORM_LIMIT: Final = 4096
#: The form's ``action`` values and how each resolves an item.
_ACTIONS: Final[Mapping[str, Mapping[str, Any]]] = {
    "keep:ghl": {"keep": "ghl"},
    "keep:ninox": {"keep": "ninox"},
    "approve": {"approve": True},
    "reject": {"reject": True},
    "dismiss": {"dismiss": True},
}


def is_loopback(host: str) -> bool:
    """Whether ``host`` (a listen address) is reachable from this machine only."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


class StatusPage:
    """The ASGI handler of ``/``, ``/status.json`` and ``/review/resolve`` (see the module)."""

    def __init__(
        self,
        store: StateStore,
        *,
        location: str | None = None,
        token: str | None = None,
        open_without_token: bool = False,
        rate_limit: Callable[[], Any] | None = None,
        runs: int = 10,
        path: str = "/",
        json_path: str = "/status.json",
        resolve_path: str = "/review/resolve",
    ) -> None:
        self.store = store
        self.location = location
        self._token = token or None
        self.open_without_token = open_without_token
        self._rate_limit = rate_limit
        self.runs = runs
        self.path = path
        self.json_path = json_path
        self.resolve_path = resolve_path
        key = (self._token or secrets.token_urlsafe(32)).encode()
        self._form_token = hmac.new(key, b"ghl-ninox review form", "sha256").hexdigest()

    def __repr__(self) -> str:
        return f"StatusPage(token={'set' if self._token else 'none'}, open={self.is_open})"

    @property
    def is_open(self) -> bool:
        """Served without a token (no token, loopback address)."""
        return self._token is None and self.open_without_token

    def handles(self, path: str) -> bool:
        return path in (self.path, self.json_path, self.resolve_path)

    def facts(self) -> StatusFacts:
        budget = self._rate_limit() if self._rate_limit is not None else None
        return collect_status(self.store, location=self.location, rate_limit=budget, runs=self.runs)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        method, path = scope["method"], scope["path"]
        allowed = "POST" if path == self.resolve_path else "GET, HEAD"
        if method not in allowed.split(", "):
            await _send(send, 405, b"method not allowed\n", "text/plain", {"allow": allowed})
            return
        head = method == "HEAD"
        denied = self._check(scope)
        if denied is not None:
            await denied(send, head)
            return
        if path == self.resolve_path:
            try:
                answer = await self._resolve(scope, receive)
            except Disconnected:
                return
            await answer(send, False)
            return
        facts = await anyio.to_thread.run_sync(self.facts)
        if path == self.json_path:
            body = json.dumps(facts.to_dict(), indent=2, ensure_ascii=False).encode()
            await _send(send, 200, body, "application/json", head=head)
        else:
            form = ReviewForm(action=self.resolve_path, token=self._form_token)
            notice = _notice(scope)
            page = render_page(facts, json_path=self.json_path, form=form, notice=notice)
            await _send(send, 200, page.encode(), "text/html; charset=utf-8", head=head)

    def _check(self, scope: Scope) -> _Answer | None:
        """``None`` when the request may see the page, else how to answer it."""
        if self._token is None:
            if self.open_without_token:
                return None
            return _answer(
                403,
                message_page(
                    "The health page is off",
                    "This server listens beyond loopback and no token is set. Set "
                    "GHL_NINOX_STATUS_TOKEN (or [server] status_token) and restart it.",
                ),
            )
        headers = headers_of(scope)
        given = _query(scope).get("token") if scope["method"] != "POST" else None
        if given is not None:
            if not self._matches(given):
                return _answer(401, login_page(self.path, wrong=True))
            cookie = f"{COOKIE}={urllib.parse.quote(given)}; Path=/; HttpOnly; SameSite=Strict"
            return _answer(303, b"", {"location": scope["path"], "set-cookie": cookie})
        auth = headers.get("authorization", "")
        if auth.lower().startswith("bearer ") and self._matches(auth[7:].strip()):
            return None
        cookies = _cookies(headers.get("cookie", ""))
        if COOKIE in cookies and self._matches(cookies[COOKIE]):
            return None
        if scope["path"] == self.json_path:
            return _answer(
                401,
                b'{"status":"unauthorized","hint":"send Authorization: Bearer <token>"}',
                {"www-authenticate": "Bearer"},
                content_type="application/json",
            )
        return _answer(401, login_page(self.path, wrong=False))

    def _matches(self, given: str) -> bool:
        assert self._token is not None
        return hmac.compare_digest(given.encode(), self._token.encode())

    async def _resolve(self, scope: Scope, receive: Receive) -> _Answer:
        """A button's post: checked (origin, form token, the fields), then resolved; the
        browser is sent back to the page (a 303, so a reload does not post again)."""
        headers = headers_of(scope)
        origin = headers.get("origin")
        if origin is not None and urllib.parse.urlsplit(origin).netloc != headers.get("host"):
            return self._refused(403, "This form was posted from another site.")
        body = await read_body(receive, _FORM_LIMIT)
        if body is None:
            return self._refused(413, "The form is too large.")
        form = {k: v[0] for k, v in urllib.parse.parse_qs(body.decode("utf-8", "replace")).items()}
        if not hmac.compare_digest(form.get("form_token", "").encode(), self._form_token.encode()):
            return self._refused(
                403, "The form is stale or not from this page: reload the page and try again."
            )
        how = _ACTIONS.get(form.get("action", ""))
        raw_id = form.get("id", "")
        if how is None or not raw_id.isdigit():
            return self._refused(400, "The form names no review item or no decision.")
        try:
            await anyio.to_thread.run_sync(lambda: resolve(self.store, int(raw_id), **how))
        except KeyError:
            return self._refused(409, f"Review item {raw_id} is no longer open.")
        except ValueError as exc:
            return self._refused(409, str(exc))
        where = f"{self.path}?{urllib.parse.urlencode({'resolved': raw_id})}"
        return _answer(303, b"", {"location": where})

    def _refused(self, status: int, text: str) -> _Answer:
        return _answer(status, message_page("Not resolved", text, back=self.path))


def _query(scope: Scope) -> dict[str, str]:
    raw = urllib.parse.parse_qs(scope.get("query_string", b"").decode("latin-1"))
    return {k: v[0] for k, v in raw.items()}


def _notice(scope: Scope) -> str | None:
    resolved = _query(scope).get("resolved", "")
    if not resolved.isdigit():
        return None
    return f"Review item #{resolved} resolved; the next pass carries it out."


def _answer(
    status: int,
    body: bytes,
    headers: Mapping[str, str] | None = None,
    *,
    content_type: str = "text/html; charset=utf-8",
) -> _Answer:
    async def answer(send: Send, head: bool) -> None:
        await _send(send, status, body, content_type, headers, head=head)

    return answer


async def _send(
    send: Send,
    status: int,
    body: bytes,
    content_type: str,
    headers: Mapping[str, str] | None = None,
    *,
    head: bool = False,
) -> None:
    raw = [
        (b"content-type", content_type.encode()),
        (b"content-length", str(len(body)).encode()),
        (b"cache-control", b"no-store"),
        (b"x-content-type-options", b"nosniff"),
        (
            b"content-security-policy",
            b"default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; "
            b"frame-ancestors 'none'",
        ),
    ]
    raw += [(k.encode(), v.encode("latin-1")) for k, v in (headers or {}).items()]
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": b"" if head else body})


def _cookies(header: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for part in header.split(";"):
        name, sep, value = part.strip().partition("=")
        if sep:
            out[name] = urllib.parse.unquote(value)
    return out
