"""Uvicorn with a graceful shutdown that ends open streams with a final event.

Uvicorn waits for open connections before it runs the app's lifespan shutdown, so a live
SSE stream would keep it waiting. On SIGINT/SIGTERM this server first tells the run manager,
which stops every active run and sends each open stream its final event; then uvicorn's own
shutdown proceeds with nothing left open.
"""

from __future__ import annotations

import sys

import uvicorn
from fastapi import FastAPI

from app.main import create_app
from app.settings import get_settings


class Server(uvicorn.Server):
    def __init__(
        self, app: FastAPI, host: str, port: int, log_level: str = "info", trusted_proxies: str = ""
    ):
        super().__init__(
            uvicorn.Config(
                app,
                host=host,
                port=port,
                log_level=log_level,
                timeout_graceful_shutdown=5,
                lifespan="on",
                # X-Forwarded-For only from configured proxies (uvicorn's default trusts it
                # from 127.0.0.1, so any local client could choose its own address)
                proxy_headers=bool(trusted_proxies.strip()),
                forwarded_allow_ips=trusted_proxies.strip() or None,
            )
        )
        self.fastapi_app = app

    def handle_exit(self, sig, frame) -> None:  # noqa: ANN001 - signal handler signature
        manager = getattr(self.fastapi_app.state, "manager", None)
        if manager is not None and not manager.shutting_down:
            manager.begin_shutdown()
        hub = getattr(self.fastapi_app.state, "sessions", None)
        if hub is not None:  # class sessions' streams close; the sessions go on after a restart
            hub.begin_shutdown()
        super().handle_exit(sig, frame)


def serve(host: str, port: int, log_level: str = "info") -> None:

    # Compute threads hold the GIL in 5 ms slices by default; shorter slices keep the event
    # loop (streams, /health) responsive while runs compute.
    sys.setswitchinterval(0.001)
    settings = get_settings().model_copy(update={"host": host, "port": port})
    Server(create_app(settings), host, port, log_level, settings.trusted_proxies).run()
    sys.exit(0)
