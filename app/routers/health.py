"""/health: liveness for scripts and the load benchmark."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from app import __version__
from app.deps import ManagerDep

router = APIRouter(tags=["health"])


@router.get("/health")
async def get_health(manager: ManagerDep) -> dict[str, Any]:
    """Service status and the number of active runs."""
    return {
        "status": "shutting_down" if manager.shutting_down else "ok",
        "version": __version__,
        "active_runs": manager.active_count(),
    }
