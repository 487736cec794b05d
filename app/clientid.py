"""Who is asking: a per-browser client id in a signed cookie, not the network address.

A class behind one school NAT is one address but thirty browsers; the per-client caps and the
fair queue count browsers. The first response to a browser (or any client without a valid
cookie) sets `descentlab_client=<id>.<signature>`; the signature (HMAC-SHA256 with a server
secret, `DESCENTLAB_SECRET` or random per start) keeps ids from being chosen by hand. A
client that keeps no cookies gets a new id per request: the per-address flood guard
(`max_runs_per_address`) still bounds it.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from http.cookies import CookieError, SimpleCookie

from starlette.types import ASGIApp, Message, Receive, Scope, Send

COOKIE = "descentlab_client"
SCOPE_KEY = "descentlab.client"
MAX_AGE = 365 * 24 * 3600


class ClientCookie:
    """ASGI middleware: puts the client id in scope[SCOPE_KEY], issuing a cookie if needed."""

    def __init__(self, app: ASGIApp, secret: str | None = None):
        self.app = app
        self.key = (secret or secrets.token_hex(32)).encode()

    def sign(self, cid: str) -> str:
        return hmac.new(self.key, cid.encode(), hashlib.sha256).hexdigest()[:32]

    def verify(self, value: str) -> str | None:
        cid, _, sig = value.partition(".")
        if len(cid) == 16 and sig and hmac.compare_digest(sig, self.sign(cid)):
            return cid
        return None

    def _from_headers(self, scope: Scope) -> str | None:
        for name, raw in scope.get("headers") or []:
            if name == b"cookie":
                try:
                    jar = SimpleCookie(raw.decode("latin-1"))
                except CookieError:
                    continue
                if COOKIE in jar:
                    cid = self.verify(jar[COOKIE].value)
                    if cid is not None:
                        return cid
        return None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        cid = self._from_headers(scope)
        if cid is not None:
            scope[SCOPE_KEY] = cid
            await self.app(scope, receive, send)
            return
        cid = secrets.token_hex(8)
        scope[SCOPE_KEY] = cid
        cookie = (
            f"{COOKIE}={cid}.{self.sign(cid)}; Path=/; Max-Age={MAX_AGE}; HttpOnly; SameSite=Lax"
        ).encode()

        async def send_with_cookie(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [*message.get("headers", []), (b"set-cookie", cookie)]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_cookie)
