"""The `descentlab` command: `serve` the dashboard, or `run` a config file locally.

Each command imports what it needs when it runs (the server, the engine, Plotly for the
report), so `descentlab --help` answers at once; nothing below imports this module.
"""

from __future__ import annotations

import ipaddress
import json
import threading
import webbrowser
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape

app = typer.Typer(
    add_completion=False, no_args_is_help=True, help="DescentLab: gradient descent, made visible."
)
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
def serve(
    host: str = typer.Option("127.0.0.1", help="address to bind (loopback by default)"),
    port: int = typer.Option(8000, help="port"),
    open_browser: bool = typer.Option(False, "--open", help="open a browser tab"),
) -> None:
    """Start the dashboard and the REST API."""
    from app.server import serve as run_server

    if not _is_loopback(host):
        console.print(
            f"[bold yellow]warning:[/] binding to {host}: anyone who can reach this "
            "address can launch runs. Use 127.0.0.1 unless you mean it. Set "
            "DESCENTLAB_ALLOWED_HOSTS to the names students type (e.g. 10.0.0.5,lab-pc) "
            "so that no other web page can reach this server through their browsers."
        )
    url = f"http://{'127.0.0.1' if host in ('0.0.0.0', '::') else host}:{port}/"
    console.print(f"DescentLab is starting at [bold]{url}[/]  (Ctrl+C to stop)")
    if open_browser:
        threading.Timer(1.0, webbrowser.open, args=(url,)).start()
    run_server(host, port)


@app.command()
def run(
    config: Annotated[
        Path,
        typer.Argument(
            help="a run request JSON file (the body of POST /api/runs)", show_default=False
        ),
    ],
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="write the whole result as JSON")
    ] = None,
    html: Annotated[
        Path | None, typer.Option("--html", help="write a standalone HTML report")
    ] = None,
    quiet: Annotated[
        bool, typer.Option("--quiet", "-q", help="no progress bar and no table")
    ] = False,
) -> None:
    """Run a surface race or an MLP training locally: progress bar, JSON result, HTML report."""
    from app import jsonutil, localrun
    from app.settings import get_settings

    for target in (out, html):
        if target is not None and not target.parent.is_dir():
            _fail(f"{target}: the folder {target.parent} does not exist")
    try:
        cfg = localrun.load_config(config, get_settings())
    except localrun.ConfigError as e:
        _fail(e.message, e.more)
    try:
        events = _compute(cfg, quiet)
        doc = localrun.result_document(cfg, events)
        if not quiet:
            mlp = cfg["kind"] == "mlp"
            console.print(_mlp_table(doc) if mlp else _summary_table(doc))
        if out is not None:
            _write(out, jsonutil.dumps(doc), quiet)
        if html is not None:
            from app.report import render_report

            _write(html, render_report(cfg, doc).encode("utf-8"), quiet)
    except KeyboardInterrupt:
        console.print(
            "[bold yellow]interrupted:[/] stopped before the end; no partial files were written."
        )
        raise typer.Exit(130) from None
    except typer.Exit:
        raise
    except Exception as e:  # noqa: BLE001 - a message, never a traceback
        console.print(
            f"[bold red]error:[/] the run failed: {type(e).__name__}: {escape(str(e))}",
            highlight=False,
        )
        raise typer.Exit(1) from None
    if out is None:
        labels = [lane["label"] for lane in doc["meta"].get("lanes", [])]
        brief = {
            "summary": [{"label": labels[s["lane"]], **s} for s in doc["summary"] or []],
            "diverged": doc["diverged"],
        }
        typer.echo(json.dumps(jsonutil.loads(jsonutil.dumps(brief)), indent=2, ensure_ascii=False))


@app.command()
def sweep(
    config: Annotated[
        Path,
        typer.Argument(help="a sweep JSON file (the body of POST /api/sweeps)", show_default=False),
    ],
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="write the table (.csv or .json)")
    ] = None,
    workers: Annotated[
        int | None,
        typer.Option(help="worker processes (default: one per core; 0: this process)"),
    ] = None,
    scheduler: Annotated[
        str | None,
        typer.Option(help="a Dask scheduler, tcp://host:8786 (default: DESCENTLAB_DASK_SCHEDULER)"),
    ] = None,
    quiet: Annotated[
        bool, typer.Option("--quiet", "-q", help="no progress bar and no table")
    ] = False,
) -> None:
    """Run a sweep here (a process pool, or a Dask cluster): progress bar, best cells, table."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

    from app import jsonutil, localrun, sweeps
    from app.settings import get_settings

    if out is not None and out.suffix not in (".csv", ".json"):
        _fail(f"{out}: the table is written as .csv or .json")
    if out is not None and not out.parent.is_dir():
        _fail(f"{out}: the folder {out.parent} does not exist")
    settings = get_settings()
    if scheduler:
        settings = settings.model_copy(update={"dask_scheduler": scheduler})
    try:
        plan = sweeps.plan_or_error(localrun.read_json(config), settings)
    except localrun.ConfigError as e:
        _fail(e.message, e.more)
    try:
        executor = sweeps.make_executor(settings, workers)
    except Exception as e:  # noqa: BLE001 - e.g. no scheduler at that address
        _fail(f"cannot start the sweep's workers: {type(e).__name__}: {e}")
    try:
        with Progress(
            "[progress.description]{task.description}", BarColumn(), MofNCompleteColumn(),
            TimeElapsedColumn(), console=console, disable=quiet,
        ) as bar:  # fmt: skip
            task = bar.add_task(f"cells ({executor.name})", total=plan.n_cells)
            doc = sweeps.run_local(
                plan, settings, executor, lambda k, n: bar.update(task, completed=k)
            )
    except KeyboardInterrupt:
        console.print("[bold yellow]interrupted:[/] stopped; no table was written.")
        raise typer.Exit(130) from None
    finally:
        executor.close()
    if not quiet:
        console.print(_sweep_table(doc))
    if out is not None:
        data = jsonutil.dumps(doc)
        if out.suffix == ".csv":
            data = "".join(sweeps.table.csv_text(doc)).encode("utf-8")
        _write(out, data, quiet)


def _sweep_table(doc: dict[str, Any]) -> Any:
    """The best cell for each value of the sweep's first non-numeric axis (or overall)."""
    from rich import box
    from rich.table import Table

    axes = doc["axes"]
    group = next((p for p, v in axes.items() if any(isinstance(x, str) for x in v)), None)
    sign = -1 if doc["higher_is_better"] else 1
    table = Table(title=f"{doc['n_cells']} cells: best {doc['metric']}", box=box.SIMPLE_HEAD)
    for col in ([group] if group else []) + ["best", "at", "diverged", "failed"]:
        table.add_column(col, overflow="fold")
    for value in axes[group] if group else [None]:
        cells = [c for c in doc["cells"] if group is None or c["point"][group] == value]
        ok = [c for c in cells if c["value"] is not None and not c["diverged"]]
        best = min(ok, key=lambda c: sign * c["value"]) if ok else None
        point = best["point"].items() if best else []
        at = ", ".join(f"{p}={_num(v, 3) if isinstance(v, float) else v}"
                       for p, v in point if p != group)  # fmt: skip
        table.add_row(
            *([str(value)] if group else []),
            _num(best["value"]) if best else "–",
            escape(at) or "–",
            str(sum(c["diverged"] for c in cells)),
            str(sum(c["status"] == "failed" for c in cells)),
        )
    return table


def _fail(message: str, more: list[str] | None = None) -> None:
    console.print(f"[bold red]error:[/] {escape(message)}", highlight=False, soft_wrap=True)
    for line in more or []:
        console.print(f"  also: {line}", markup=False, highlight=False, soft_wrap=True)
    raise typer.Exit(2)


def _compute(cfg: dict[str, Any], quiet: bool) -> list[dict[str, Any]]:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

    from app import localrun

    total, unit = localrun.total(cfg)
    with Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        disable=quiet,
        transient=False,
    ) as bar:
        task = bar.add_task(unit, total=total)
        events = localrun.run_config(cfg, lambda k: bar.update(task, completed=k))
        bar.update(task, completed=total)
    return events


def _summary_table(doc: dict[str, Any]) -> Any:
    from rich import box
    from rich.table import Table

    lanes = doc["meta"].get("lanes", [])
    table = Table(
        title=f"{doc['meta']['surface']['name']}: {doc['config']['steps']} steps",
        title_justify="left",
        box=box.SIMPLE_HEAD,
    )
    table.add_column("lane", no_wrap=True)
    table.add_column("final loss", justify="right", no_wrap=True)
    table.add_column("nearest", no_wrap=True)
    table.add_column("converged", justify="right")
    table.add_column("diverged", justify="right")
    for s in doc["summary"] or []:
        lane = lanes[s["lane"]]
        label = lane["label"] + (
            f" (start {s['start'] + 1})" if len(doc["config"]["starts"]) > 1 else ""
        )
        near = s.get("nearest")
        table.add_row(
            f"[{lane['color']}]■[/] {escape(label)}",
            _num(s["final_loss"]),
            f"{near['kind']} {_point(near['xy'])}" if near else "–",
            "–" if s["converged_at"] is None else str(s["converged_at"]),
            "–" if s["diverged_at"] is None else str(s["diverged_at"]),
        )
    return table


REASONS = {"max_epochs": "all epochs", "early_stop": "early stop", "diverged": "diverged"}


def _mlp_table(doc: dict[str, Any]) -> Any:
    """One row per optimizer: its best epoch (lowest monitored loss), where and why it stopped."""
    from rich import box
    from rich.table import Table

    meta, cfg = doc["meta"], doc["config"]
    lanes = meta.get("lanes", [])
    monitor = "val" if meta.get("monitor", "val_loss") == "val_loss" else "train"
    classify = meta.get("task") != "regression"
    summary = doc["summary"] or []
    restored = any(s["reason"] == "early_stop" and s.get("restored_best") for s in summary)
    table = Table(
        title=f"{escape(cfg['dataset']['name'])}: {_count(cfg['epochs'], 'epoch')} × "
        f"{_count(meta.get('iterations_per_epoch', 0), 'iteration')}; each lane at its best "
        f"epoch (lowest {monitor} loss)",
        title_justify="left",
        caption="* best weights restored" if restored else None,
        caption_justify="left",
        box=box.SIMPLE_HEAD,
    )
    table.add_column("lane", min_width=12)
    table.add_column("best epoch", justify="right", no_wrap=True)
    table.add_column(f"{monitor} loss", justify="right", no_wrap=True)
    if classify:
        table.add_column(f"{monitor} acc", justify="right", no_wrap=True)
    table.add_column("stopped", justify="right", no_wrap=True)
    table.add_column("reason", min_width=10)
    for s in summary:
        lane = lanes[s["lane"]] if s["lane"] < len(lanes) else {"color": "white"}
        acc = s.get("best_val_acc")
        reason = REASONS.get(s["reason"], s["reason"])
        if s["reason"] == "early_stop" and s.get("restored_best"):
            reason += " *"
        table.add_row(
            f"[{lane['color']}]■[/] {escape(s['label'])}",
            "–" if s.get("best_epoch") is None else str(s["best_epoch"]),
            _num(s.get("best_val_loss")),
            *([f"{acc:.1%}" if acc is not None and acc == acc else "–"] if classify else []),
            str(s["stopped_epoch"]),
            escape(reason),
        )
    return table


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


def _num(v: float | None, digits: int = 4) -> str:
    return "–" if v is None or v != v else f"{v:.{digits}g}"


def _point(xy: list[float]) -> str:
    return f"({_num(xy[0], 3)}, {_num(xy[1], 3)})"


def _write(path: Path, data: bytes, quiet: bool) -> None:
    part = path.with_name(path.name + ".part")
    try:
        part.write_bytes(data)
        part.replace(path)  # never a half-written file under the final name
    except OSError as e:
        part.unlink(missing_ok=True)
        console.print(
            f"[bold red]error:[/] cannot write {escape(str(path))}: {e.strerror}", highlight=False
        )
        raise typer.Exit(1) from None
    if not quiet:
        console.print(f"wrote {escape(str(path))} ({len(data) / 1024:,.0f} KiB)", highlight=False)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
