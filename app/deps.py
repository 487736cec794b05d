"""Dependencies as Annotated aliases, so tests override settings and the manager cleanly."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from app.runs import RunManager
from app.settings import Settings


async def get_settings(request: Request) -> Settings:  # async: no thread hop per request
    return request.app.state.settings


async def get_manager(request: Request) -> RunManager:
    return request.app.state.manager


async def client_id(request: Request) -> str:
    return request.client.host if request.client else "unknown"


SettingsDep = Annotated[Settings, Depends(get_settings)]
ManagerDep = Annotated[RunManager, Depends(get_manager)]
ClientDep = Annotated[str, Depends(client_id)]
