"""The health page of ``ghl-ninox serve``: ``GET /`` (server-rendered HTML, no JavaScript)
and ``GET /status.json``, with the facts of ``ghl-ninox status``
(`bridge.ops.collect_status`), the GHL rate-limit budget, the recent runs and the review
items.

Access: with a token, a request needs it as ``Authorization: Bearer <token>``, or the cookie
the page sets after ``/?token=<token>`` (the browser is then redirected to the address
without it). Without a token the page is open only when the server listens on a loopback
address; on any other address it answers ``403``.
"""

from __future__ import annotations

import hmac
import html
import ipaddress
import json
import urllib.parse
from collections.abc import Awaitable, Callable, Iterable, Mapping, MutableMapping
from typing import Any, Final

import anyio.to_thread

from bridge.ops import StatusFacts, collect_status, describe_age
from bridge.state import ReviewItem, StateStore

__all__ = ["COOKIE", "StatusPage", "is_loopback", "render_page"]

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

#: The cookie that carries the token after ``/?token=...``.
COOKIE: Final = "ghl_ninox_status"


def is_loopback(host: str) -> bool:
    """Whether ``host`` (a listen address) is reachable from this machine only."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


class StatusPage:
    """The ASGI handler of ``/`` and ``/status.json`` (see the module)."""

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
    ) -> None:
        self.store = store
        self.location = location
        self._token = token or None
        self.open_without_token = open_without_token
        self._rate_limit = rate_limit
        self.runs = runs
        self.path = path
        self.json_path = json_path

    def __repr__(self) -> str:
        return f"StatusPage(token={'set' if self._token else 'none'}, open={self.is_open})"

    @property
    def is_open(self) -> bool:
        """Served without a token (no token, loopback address)."""
        return self._token is None and self.open_without_token

    def handles(self, path: str) -> bool:
        return path in (self.path, self.json_path)

    def facts(self) -> StatusFacts:
        budget = self._rate_limit() if self._rate_limit is not None else None
        return collect_status(self.store, location=self.location, rate_limit=budget, runs=self.runs)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        method = scope["method"]
        if method not in ("GET", "HEAD"):
            await _send(send, 405, b"method not allowed\n", "text/plain", {"allow": "GET, HEAD"})
            return
        head = method == "HEAD"
        denied = self._check(scope)
        if denied is not None:
            await denied(send, head)
            return
        facts = await anyio.to_thread.run_sync(self.facts)
        if scope["path"] == self.json_path:
            body = json.dumps(facts.to_dict(), indent=2, ensure_ascii=False).encode()
            await _send(send, 200, body, "application/json", head=head)
        else:
            page = render_page(facts, json_path=self.json_path).encode()
            await _send(send, 200, page, "text/html; charset=utf-8", head=head)

    def _check(self, scope: Scope) -> Callable[[Send, bool], Awaitable[None]] | None:
        """``None`` when the request may see the page, else how to answer it."""
        if self._token is None:
            if self.open_without_token:
                return None
            return _answer(
                403,
                _message_page(
                    "The health page is off",
                    "This server listens beyond loopback and no token is set. Set "
                    "GHL_NINOX_STATUS_TOKEN (or [server] status_token) and restart it.",
                ),
            )
        headers = _headers(scope)
        query = urllib.parse.parse_qs(scope.get("query_string", b"").decode("latin-1"))
        given = query.get("token", [None])[0]
        if given is not None:
            if not self._matches(given):
                return _answer(401, _login_page(self.path, wrong=True))
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
        return _answer(401, _login_page(self.path, wrong=False))

    def _matches(self, given: str) -> bool:
        assert self._token is not None
        return hmac.compare_digest(given.encode(), self._token.encode())


def _answer(
    status: int,
    body: bytes,
    headers: Mapping[str, str] | None = None,
    *,
    content_type: str = "text/html; charset=utf-8",
) -> Callable[[Send, bool], Awaitable[None]]:
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
        (b"content-security-policy", b"default-src 'none'; style-src 'unsafe-inline'"),
    ]
    raw += [(k.encode(), v.encode("latin-1")) for k, v in (headers or {}).items()]
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": b"" if head else body})


def _headers(scope: Scope) -> dict[str, str]:
    out: dict[str, str] = {}
    for name, value in scope.get("headers", ()):
        out.setdefault(name.decode("latin-1").lower(), value.decode("latin-1"))
    return out


def _cookies(header: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for part in header.split(";"):
        name, sep, value = part.strip().partition("=")
        if sep:
            out[name] = urllib.parse.unquote(value)
    return out


# ---------------------------------------------------------------------------------------------
# HTML

_CSS: Final = """
body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;
 color:#1d2330;background:#f4f5f7}
main{max-width:1100px;margin:0 auto;padding:20px 24px 40px}
header{display:flex;align-items:baseline;gap:16px;flex-wrap:wrap}
h1{font-size:22px;margin:0}h2{font-size:17px;margin:28px 0 8px}
.muted{color:#667085}
.banner{border-radius:8px;padding:12px 16px;margin:16px 0;font-weight:600}
.ok{background:#e6f4ea;color:#135c2b}.attention{background:#fff4e0;color:#7a4a00}
.paused{background:#fde8e8;color:#9b1c1c;border:2px solid #e02424}
.cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(125px,1fr));gap:12px}
.card{background:#fff;border-radius:8px;padding:12px 14px;box-shadow:0 1px 2px #0001}
.card .n{display:block;font-size:26px;font-weight:700}
.card.bad .n{color:#c81e1e}.card.warn .n{color:#b45309}
table{width:100%;border-collapse:collapse;background:#fff;border-radius:8px;overflow:hidden;
 box-shadow:0 1px 2px #0001}
th,td{text-align:left;padding:7px 10px;border-bottom:1px solid #eef0f3;vertical-align:top;
 overflow-wrap:break-word}
th{background:#f9fafb;font-weight:600;font-size:13px;color:#475467}
td.num{text-align:right;font-variant-numeric:tabular-nums}
code{font:13px ui-monospace,SFMono-Regular,Menlo,monospace;background:#eef0f3;
 padding:1px 4px;border-radius:4px}
.status-failed,.status-interrupted{color:#c81e1e;font-weight:600}
.status-ok{color:#135c2b}
footer{margin-top:28px}
"""


def render_page(facts: StatusFacts, *, json_path: str = "/status.json") -> str:
    """The health page for ``facts`` (every value escaped)."""
    parts = [
        "<!doctype html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        '<meta http-equiv="refresh" content="60">',
        f"<title>ghl-ninox · {_e(facts.location or 'status')}</title>",
        f"<style>{_CSS}</style></head><body><main>",
        "<header><h1>ghl-ninox</h1>",
        f'<span id="location">location <code>{_e(facts.location or "-")}</code></span>',
        f'<span class="muted">as of {_e(_when(facts.now))}</span></header>',
        _banner(facts),
        _cards(facts),
        _failing(facts),
        _reviews(facts.reviews),
        _runs(facts),
        _budget(facts.rate_limit),
        f'<footer class="muted">The same facts as <code>ghl-ninox status</code>; as JSON: '
        f'<a href="{_e(json_path)}">{_e(json_path)}</a>. The page reloads every minute.'
        "</footer>",
        "</main></body></html>",
    ]
    return "\n".join(parts)


def _banner(facts: StatusFacts) -> str:
    if facts.paused is not None:
        p = facts.paused
        return (
            f'<section id="paused" class="banner paused">Paused since {_e(_when(p.since))} '
            f"({_e(p.kind)}): {_e(p.reason)}. Sync passes are stopped; resume with "
            "<code>ghl-ninox resume</code>.</section>"
        )
    if facts.healthy:
        return '<section id="health" class="banner ok">Healthy: everything is in sync.</section>'
    return (
        '<section id="health" class="banner attention">Needs attention: '
        f"{facts.failing_records} failing record(s), {facts.in_review} item(s) in review."
        "</section>"
    )


def _cards(facts: StatusFacts) -> str:
    cards = [
        ("in-sync", str(facts.in_sync), "in sync", f"of {facts.links} links", ""),
        (
            "failing-count",
            str(facts.failing_records),
            "failing",
            "records",
            "bad" if facts.failing_records else "",
        ),
        ("review-count", str(facts.in_review), "in review", "", "warn" if facts.in_review else ""),
        (
            "paused-state",
            "yes" if facts.paused else "no",
            "paused",
            "",
            "bad" if facts.paused else "",
        ),
        ("last-sync", describe_age(facts.last_sync_age), "last sync", "successful pass", ""),
        ("last-full", describe_age(facts.last_full_age), "last full pass", "read everything", ""),
        ("open-ops", str(facts.open_ops), "open ops", "outcome unknown", ""),
    ]
    items = [
        f'<div class="card {cls}" id="{ident}"><span class="n">{_e(value)}</span>'
        f'{_e(label)} <small class="muted">{_e(note)}</small></div>'
        for ident, value, label, note, cls in cards
    ]
    return '<section class="cards">' + "".join(items) + "</section>"


def _failing(facts: StatusFacts) -> str:
    head = '<section id="failing"><h2>Failing records by reason</h2>'
    if not facts.failing:
        return head + "<p>No failing records.</p></section>"
    rows = [
        f'<tr class="failing-group"><td class="reason">{_e(g.reason)}</td>'
        f'<td class="num count">{g.count}</td>'
        f"<td>{'linked; re-read every pass' if g.source == 'link' else 'last sync pass'}</td>"
        f"<td>{_e(', '.join(g.records))}{' …' if len(g.records) < g.count else ''}</td></tr>"
        for g in facts.failing
    ]
    return (
        head
        + "<table><thead><tr><th>reason</th><th>records</th><th>where</th><th>examples</th>"
        + "</tr></thead><tbody>"
        + "".join(rows)
        + "</tbody></table></section>"
    )


def _reviews(items: Iterable[ReviewItem]) -> str:
    head = '<section id="reviews"><h2>Waiting for review</h2>'
    rows = []
    for item in items:
        fields = list(item.fields) or list(dict.fromkeys([*item.ghl_values, *item.ninox_values]))
        rows.append(
            f'<tr class="review-item" id="review-{item.review_id}">'
            f"<td>#{item.review_id}</td><td>{_e(item.kind)}</td>"
            f"<td>{_e(item.source_ref or '-')}</td><td>{_e(', '.join(fields))}</td>"
            f"<td>{_values(item.base_values, fields)}</td>"
            f"<td>{_values(item.ghl_values, fields)}</td>"
            f"<td>{_values(item.ninox_values, fields)}</td>"
            "</tr>"
        )
    if not rows:
        return head + '<p id="no-reviews">Nothing waits for review.</p></section>'
    return (
        head
        + "<table><thead><tr><th>id</th><th>kind</th><th>record</th><th>fields</th>"
        + "<th>base</th><th>GHL</th><th>Ninox</th></tr></thead><tbody>"
        + "".join(rows)
        + "</tbody></table><p class='muted'>Resolve with <code>ghl-ninox review resolve ID "
        + "--keep ghl|ninox</code>, <code>--set FIELD=VALUE</code> or <code>--dismiss</code>; "
        + "the next pass carries it out.</p></section>"
    )


def _values(values: Mapping[str, Any], fields: list[str]) -> str:
    shown = [json.dumps(values[f], ensure_ascii=False, default=str) for f in fields if f in values]
    return _e("; ".join(shown) or "-")


def _runs(facts: StatusFacts) -> str:
    head = '<section id="runs"><h2>Recent runs</h2>'
    if not facts.runs:
        return head + "<p>No runs yet.</p></section>"
    rows = [
        f'<tr class="run"><td>{_e(_when(r.started_at))}</td><td>{_e(r.kind)}</td>'
        f'<td class="status-{_e(r.status)}">{_e(r.status)}</td>'
        f'<td class="num">{r.writes}</td><td class="num">{r.errors}</td>'
        f"<td><code>{_e(r.run_id[:12])}</code></td></tr>"
        for r in facts.runs
    ]
    return (
        head
        + "<table><thead><tr><th>started</th><th>kind</th><th>status</th><th>writes</th>"
        + "<th>errors</th><th>run</th></tr></thead><tbody>"
        + "".join(rows)
        + "</tbody></table></section>"
    )


def _budget(budget: Mapping[str, Any] | None) -> str:
    head = '<section id="budget"><h2>GHL rate-limit budget</h2>'
    if budget is None:
        return head + "<p>Unknown until the server has answered a GHL request.</p></section>"
    burst = f"{budget.get('burst_remaining', '?')} of {budget.get('burst_limit', '?')}"
    interval = budget.get("burst_interval")
    daily = f"{budget.get('daily_remaining', '?')} of {budget.get('daily_limit', '?')}"
    return (
        head
        + f"<p>Burst: <strong>{_e(burst)}</strong> left"
        + (f" per {_e(f'{interval:g}')} s" if isinstance(interval, (int, float)) else "")
        + f" · daily: <strong>{_e(daily)}</strong> left"
        + (
            f" <span class='muted'>(as of {_e(budget['observed_at'])})</span>"
            if budget.get("observed_at")
            else ""
        )
        + "</p></section>"
    )


def _message_page(title: str, text: str) -> bytes:
    return (
        f"<!doctype html><html lang='en'><head><meta charset='utf-8'><title>{_e(title)}</title>"
        f"<style>{_CSS}</style></head><body><main><h1>{_e(title)}</h1><p>{_e(text)}</p>"
        "</main></body></html>"
    ).encode()


def _login_page(path: str, *, wrong: bool) -> bytes:
    note = "<p class='paused banner'>That token is not right.</p>" if wrong else ""
    return (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        f"<title>ghl-ninox: token needed</title><style>{_CSS}</style></head><body><main>"
        f"<h1>ghl-ninox</h1>{note}<form method='get' action='{_e(path)}'>"
        "<p><label>Status token <input type='password' name='token' autocomplete='off'>"
        "</label> <button type='submit'>Show the status</button></p></form>"
        "<p class='muted'>The token is GHL_NINOX_STATUS_TOKEN (or [server] status_token) of "
        "the server.</p></main></body></html>"
    ).encode()


def _when(at: Any) -> str:
    return "-" if at is None else f"{at:%Y-%m-%d %H:%M:%S}Z"


def _e(value: Any) -> str:
    return html.escape(str(value), quote=True)
