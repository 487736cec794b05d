"""A rich progress bar over steps or epochs (rich draws it in a notebook too)."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator

Update = Callable[[int], None]


@contextlib.contextmanager
def bar(total: int, unit: str, enabled: bool = True) -> Iterator[Update]:
    """Yields `update(k)`: k of `total` steps (or epochs) done; nothing shown if disabled."""
    if not enabled:
        yield lambda k: None
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

    with Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    ) as progress:
        task = progress.add_task(unit, total=total)
        yield lambda k: progress.update(task, completed=k)
        progress.update(task, completed=total)
