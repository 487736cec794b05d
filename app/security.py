"""Who may talk to the server and what the page may load.

- Allowed hosts: a request whose `Host` is not one of the server's names gets 400, so a web
  page elsewhere cannot reach this local, unauthenticated API by DNS rebinding. By default
  the names of this machine's loopback and the bind address; `DESCENTLAB_ALLOWED_HOSTS`
  (comma-separated, `*` for any) adds a school server's LAN name or address.
- Headers: a Content-Security-Policy (scripts and everything else from this server only, no
  framing), X-Frame-Options, nosniff and a same-origin referrer on every response.
"""

from __future__ import annotations

import base64
import hashlib
import re
from pathlib import Path

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.errors import problem

LOOPBACK = ("localhost", "127.0.0.1", "::1")


def allowed_hosts(setting: str, bind: str) -> frozenset[str] | None:
    """The names to answer to (None: any), from the setting and the bind address."""
    names = {h.strip().lower().strip("[]") for h in setting.split(",") if h.strip()}
    if "*" in names or bind in ("0.0.0.0", "::") and not names:
        return None  # bound to every interface and told no names: any (a warning is printed)
    return frozenset(names | set(LOOPBACK) | {bind.lower().strip("[]")})


def _host_of(value: str) -> str:
    value = value.strip().lower()
    if value.startswith("["):  # [::1]:8000
        return value[1 : value.find("]")] if "]" in value else value
    return value.rsplit(":", 1)[0] if value.count(":") == 1 else value


def csp(index_html: Path) -> str:
    """The page's policy; the page's one inline script is allowed by its hash."""
    hashes = [
        "'sha256-" + base64.b64encode(hashlib.sha256(body.encode()).digest()).decode() + "'"
        for body in re.findall(r"<script>(.*?)</script>", index_html.read_text(), re.S)
    ]
    return "; ".join(
        [
            "default-src 'self'",
            "script-src 'self' " + " ".join(hashes),
            "style-src 'self' 'unsafe-inline'",  # Plotly styles its SVG inline
            "img-src 'self' data: blob:",
            "font-src 'self' data:",
            "connect-src 'self'",
            "object-src 'none'",
            "base-uri 'self'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        ]
    )


class Guard:
    """ASGI middleware: the Host check and the security headers."""

    def __init__(self, app: ASGIApp, hosts: frozenset[str] | None, policy: str):
        self.app = app
        self.hosts = hosts
        self.headers = [
            (b"content-security-policy", policy.encode()),
            (b"x-frame-options", b"DENY"),
            (b"x-content-type-options", b"nosniff"),
            (b"referrer-policy", b"same-origin"),
        ]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if self.hosts is not None:
            host = next((v.decode("latin-1") for k, v in scope["headers"] if k == b"host"), "")
            if _host_of(host) not in self.hosts:
                response = problem(
                    400,
                    f"Host: {host[:80]!r} is not a name this server answers to "
                    "(set DESCENTLAB_ALLOWED_HOSTS to add one)",
                )
                await response(scope, receive, send)
                return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message = {**message, "headers": [*message.get("headers", []), *self.headers]}
            await send(message)

        await self.app(scope, receive, send_with_headers)
