"""The `descentlab` command: `serve` the dashboard, or `run` a config file locally."""

from __future__ import annotations

import ipaddress
import threading
import webbrowser

import typer
from rich.console import Console

app = typer.Typer(add_completion=False, no_args_is_help=True,
                  help="DescentLab: gradient descent, made visible.")
console = Console(stderr=True)


@app.callback()
def _root() -> None:
    """DescentLab: gradient descent, made visible."""


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@app.command()
def serve(host: str = typer.Option("127.0.0.1", help="address to bind (loopback by default)"),
          port: int = typer.Option(8000, help="port"),
          open_browser: bool = typer.Option(False, "--open", help="open a browser tab")) -> None:
    """Start the dashboard and the REST API."""
    from app.server import serve as run_server

    if not _is_loopback(host):
        console.print(f"[bold yellow]warning:[/] binding to {host}: anyone who can reach this "
                      "address can launch runs. Use 127.0.0.1 unless you mean it.")
    url = f"http://{'127.0.0.1' if host in ('0.0.0.0', '::') else host}:{port}/"
    console.print(f"DescentLab is starting at [bold]{url}[/]  (Ctrl+C to stop)")
    if open_browser:
        threading.Timer(1.0, webbrowser.open, args=(url,)).start()
    run_server(host, port)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
