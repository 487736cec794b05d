"""Typed formulas: one cache of their surfaces, and their analysis away from the event loop.

A formula's surface needs a critical-point search (Newton from 1,681 starts) and demo starts:
up to ~0.3 s of interpreted NumPy for the largest formula the grammar allows (300 parts).
In the server's own process that time holds the GIL, so a class typing formulas at once
slowed every request. `Analyses.prepare` computes it in helper processes (a forkserver
pool, nice 10, like the compute workers) within a time budget, then builds the surface
here from the plain data; with no helper processes (workers=0, the tests) a thread does it.

    surface(text, domain)             # cached; what jobs, validation and the catalog use
    await analyses.prepare(text, domain)   # warm the cache off the loop; 422 past the budget
"""

from __future__ import annotations

import asyncio
import multiprocessing as mp
import threading
from collections import OrderedDict
from concurrent.futures import BrokenExecutor, ProcessPoolExecutor
from typing import Any

from app.priority import lower_priority
from engine import formula, surfaces
from engine.surfaces import Surface

CACHE_SIZE = 128

Key = tuple[str, tuple | None]

_cache: OrderedDict[Key, Surface] = OrderedDict()
_lock = threading.Lock()


def _key(text: str, domain: Any) -> Key:
    return text, None if domain is None else tuple(map(tuple, domain))


def _remember(key: Key, surface: Surface) -> Surface:
    with _lock:
        _cache[key] = surface
        _cache.move_to_end(key)
        while len(_cache) > CACHE_SIZE:
            _cache.popitem(last=False)
    return surface


def cached(text: str, domain: Any = None) -> Surface | None:
    key = _key(text, domain)
    with _lock:
        hit = _cache.get(key)
        if hit is not None:
            _cache.move_to_end(key)
        return hit


def surface(text: str, domain: Any = None) -> Surface:
    """The formula's surface (raises engine.formula.FormulaError), computed once."""
    hit = cached(text, domain)
    if hit is not None:
        return hit
    key = _key(text, domain)
    return _remember(key, surfaces.from_formula(*key))


class AnalysisTooLong(Exception):
    """The formula's analysis ran past the server's budget."""


def _analyse(text: str, domain: tuple | None) -> dict[str, Any] | None:
    """In a helper process: plain data, or None for a formula that does not compile (the
    caller's own parse then raises the error with its column)."""
    try:
        return surfaces.formula_analysis(text, domain)
    except formula.FormulaError:
        return None


class Analyses:
    """Formula analyses within `budget_s`, in `processes` helper processes (0: threads)."""

    def __init__(self, processes: int, budget_s: float):
        self.processes = processes
        self.budget_s = budget_s
        self._pool: ProcessPoolExecutor | None = None
        self._inflight: dict[Key, asyncio.Future] = {}

    def _executor(self) -> ProcessPoolExecutor | None:
        if self.processes and self._pool is None:
            self._pool = ProcessPoolExecutor(
                self.processes, mp_context=mp.get_context("forkserver"), initializer=lower_priority
            )
        return self._pool

    async def prepare(self, text: str, domain: Any = None) -> None:
        """Have the formula's surface in the cache (or its parse error ready to raise).
        Concurrent asks for the same formula share one analysis."""
        key = _key(text, domain)
        if cached(*key) is not None:
            return
        shared = self._inflight.get(key)
        if shared is None:
            shared = asyncio.ensure_future(self._compute(key))
            self._inflight[key] = shared
            shared.add_done_callback(lambda _: self._inflight.pop(key, None))
        try:
            await asyncio.wait_for(asyncio.shield(shared), self.budget_s)
        except TimeoutError:
            raise AnalysisTooLong(
                f"its analysis (critical points, demo starts) took longer than "
                f"{self.budget_s:g} s on this server; try a simpler formula or domain"
            ) from None

    async def _compute(self, key: Key) -> None:
        loop = asyncio.get_running_loop()
        pool = self._executor()
        try:
            analysis = await loop.run_in_executor(pool, _analyse, *key)
        except BrokenExecutor:  # a helper died (killed, out of memory): start afresh
            self._pool = None
            analysis = await loop.run_in_executor(None, _analyse, *key)
        if analysis is not None:
            built = await asyncio.to_thread(surfaces.from_formula, *key, analysis)
            _remember(key, built)

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None
