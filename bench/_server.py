"""Shared helpers of the service benchmarks: a real server subprocess, an SSE parser, percentiles.

    with ServerProcess.service({"DESCENTLAB_MAX_CONCURRENT_RUNS": "100"}) as server:
        httpx.get(server.url + "/health")

The server is `python -m app.cli serve` on a free loopback port, with DESCENTLAB_DB in a
temporary directory; it is stopped (SIGTERM, then SIGKILL) and the directory removed when the
block ends, also on error or Ctrl+C.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
HOST = "127.0.0.1"

# The optimizer lanes both service benchmarks race (the first n of them).
OPTIMIZERS = [
    {"name": "sgd", "params": {"lr": 0.01}},
    {"name": "sgd", "params": {"lr": 0.01, "momentum": 0.9}, "label": "momentum"},
    {"name": "adagrad", "params": {"lr": 0.5}},
    {"name": "rmsprop", "params": {"lr": 0.01}},
    {"name": "adam", "params": {"lr": 0.05}},
    {"name": "adamw", "params": {"lr": 0.05}},
    {"name": "nadam", "params": {"lr": 0.05}},
    {"name": "radam", "params": {"lr": 0.05}},
]


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


class ServerProcess:
    """A server subprocess on 127.0.0.1:port, ready (GET /health answered 200) on entry."""

    def __init__(
        self,
        args: list[str],
        port: int,
        env: dict[str, str] | None = None,
        name: str = "server",
        startup_timeout: float = 60.0,
    ):
        self.args = args
        self.port = port
        self.url = f"http://{HOST}:{port}"
        self.extra_env = dict(env or {})
        self.name = name
        self.startup_timeout = startup_timeout
        self.proc: subprocess.Popen | None = None
        self.tmp: tempfile.TemporaryDirectory | None = None
        self.log_path: Path | None = None

    @classmethod
    def service(cls, env: dict[str, str] | None = None) -> ServerProcess:
        """The DescentLab service (`python -m app.cli serve`) with a temporary database."""
        port = free_port()
        args = [sys.executable, "-m", "app.cli", "serve", "--host", HOST, "--port", str(port)]
        return cls(args, port, env, name="descentlab")

    def __enter__(self) -> ServerProcess:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def tmpdir(self) -> Path:
        assert self.tmp is not None
        return Path(self.tmp.name)

    def start(self) -> None:
        self.tmp = tempfile.TemporaryDirectory(prefix="descentlab-bench-")
        env = {**os.environ, "DESCENTLAB_DB": str(self.tmpdir / "runs.sqlite3"), **self.extra_env}
        self.log_path = self.tmpdir / "server.log"
        try:
            with open(self.log_path, "wb") as log:
                self.proc = subprocess.Popen(
                    self.args,
                    cwd=ROOT,
                    env=env,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    stdin=subprocess.DEVNULL,
                    start_new_session=True,
                )
            self._wait_ready()
        except BaseException:
            self.stop()
            raise

    def _wait_ready(self) -> None:
        assert self.proc is not None
        deadline = time.monotonic() + self.startup_timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(
                    f"{self.name} exited with {self.proc.returncode} on start-up:"
                    f"\n{self.log_tail()}"
                )
            try:
                if httpx.get(self.url + "/health", timeout=1.0).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        raise RuntimeError(
            f"{self.name} not ready after {self.startup_timeout:g} s:\n{self.log_tail()}"
        )

    def log_tail(self, lines: int = 20) -> str:
        try:
            text = self.log_path.read_text(errors="replace") if self.log_path else ""
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])

    def stop(self, timeout: float = 15.0) -> None:
        """SIGTERM (graceful shutdown), SIGKILL after `timeout` s; remove the temp dir."""
        proc, self.proc = self.proc, None
        if proc is not None and proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout)
            except subprocess.TimeoutExpired:
                print(f"[{self.name} did not stop within {timeout:g} s: killed]", file=sys.stderr)
                proc.kill()
                proc.wait()
        if self.tmp is not None:
            self.tmp.cleanup()
            self.tmp = None


# ------------------------------------------------------------------ Server-Sent Events


@dataclass
class Event:
    event: str
    data: bytes
    id: str | None


class SSEParser:
    """Incremental SSE parser: feed it raw bytes, get whole events (lines end in \\n or \\r\\n).

    A blank line ends an event; "data:" lines are joined with newlines; a line starting with
    ":" is a comment (counted); "retry:" is recorded; an event without data is not dispatched.
    """

    def __init__(self) -> None:
        self._buf = bytearray()
        self._data: list[bytes] = []
        self._event = b""
        self.last_id: str | None = None
        self.retry: int | None = None
        self.comments = 0

    def feed(self, chunk: bytes) -> list[Event]:
        buf = self._buf
        scan = len(buf)  # the leftover holds no newline: search only the new bytes
        buf += chunk
        out = []
        pos = 0
        nl = buf.find(b"\n", scan)
        while nl >= 0:
            event = self._line(bytes(buf[pos:nl]).removesuffix(b"\r"))
            if event is not None:
                out.append(event)
            pos = nl + 1
            nl = buf.find(b"\n", pos)
        if pos:
            del buf[:pos]
        return out

    def _line(self, line: bytes) -> Event | None:
        if not line:
            data, event = self._data, self._event
            self._data, self._event = [], b""
            if not data:
                return None
            return Event(event.decode() or "message", b"\n".join(data), self.last_id)
        if line.startswith(b":"):
            self.comments += 1
            return None
        name, _, value = line.partition(b":")
        if value.startswith(b" "):
            value = value[1:]
        if name == b"data":
            self._data.append(value)
        elif name == b"event":
            self._event = value
        elif name == b"id" and b"\0" not in value:
            self.last_id = value.decode()
        elif name == b"retry" and value.isdigit():
            self.retry = int(value)
        return None


# ------------------------------------------------------------------ figures


def percentile(values: list[float], p: float) -> float:
    """Linear interpolation between closest ranks (NumPy's default); NaN when empty."""
    if not values:
        return float("nan")
    s = sorted(values)
    k = (len(s) - 1) * p / 100
    lo = int(k)
    hi = min(lo + 1, len(s) - 1)
    return s[lo] + (s[hi] - s[lo]) * (k - lo)


class RawHTTP:
    """A minimal HTTP/1.1 client on one keep-alive asyncio connection: a fraction of httpx's
    CPU per request, so 100 simulated clients on the server's own two cores measure the
    server rather than the client. JSON bodies, Content-Length or chunked responses, and a
    cookie jar (Set-Cookie name=value, sent back as Cookie)."""

    def __init__(self, url: str):
        host_port = url.split("//", 1)[1].rstrip("/")
        self.host, _, port = host_port.partition(":")
        self.port = int(port or 80)
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None
        self.cookies: dict[str, str] = {}

    async def __aenter__(self) -> RawHTTP:
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self.writer is not None:
            self.writer.close()
            with contextlib.suppress(OSError):
                await self.writer.wait_closed()

    async def _send(self, method: str, path: str, body: bytes | None) -> None:
        if self.writer is None or self.writer.is_closing():
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        head = [f"{method} {path} HTTP/1.1", f"Host: {self.host}:{self.port}"]
        if self.cookies:
            head.append("Cookie: " + "; ".join(f"{k}={v}" for k, v in self.cookies.items()))
        if body is not None:
            head += ["Content-Type: application/json", f"Content-Length: {len(body)}"]
        self.writer.write(("\r\n".join(head) + "\r\n\r\n").encode() + (body or b""))

    async def _head(self) -> tuple[int, dict[str, str]]:
        assert self.reader is not None
        lines = (await self.reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ", 2)[1])
        headers: dict[str, str] = {}
        for line in lines[1:]:
            if ":" in line:
                key, _, value = line.partition(":")
                key, value = key.strip().lower(), value.strip()
                if key == "set-cookie":
                    name, _, rest = value.partition("=")
                    self.cookies[name] = rest.split(";", 1)[0]
                headers[key] = value
        return status, headers

    async def _chunks(self, headers: dict[str, str]):
        assert self.reader is not None
        if headers.get("transfer-encoding", "").lower() == "chunked":
            while True:
                size = int((await self.reader.readuntil(b"\r\n")).split(b";")[0], 16)
                data = await self.reader.readexactly(size + 2)
                if size == 0:
                    return
                yield data[:-2]
        else:
            n = int(headers.get("content-length", "0"))
            if n:
                yield await self.reader.readexactly(n)

    async def request(
        self, method: str, path: str, json_body: object = None
    ) -> tuple[int, dict[str, str], bytes]:
        body = None if json_body is None else json.dumps(json_body).encode()
        await self._send(method, path, body)
        status, headers = await self._head()
        data = b"".join([c async for c in self._chunks(headers)])
        if headers.get("connection", "").lower() == "close" and self.writer is not None:
            self.writer.close()
        return status, headers, data

    async def stream(self, path: str):
        """GET `path` and yield the body's bytes as they arrive (a stream ends the connection
        for this client's purposes: it is closed afterwards)."""
        await self._send("GET", path, None)
        status, headers = await self._head()
        if status != 200:
            raise RuntimeError(f"GET {path} answered {status}")
        async for chunk in self._chunks(headers):
            yield chunk
