"""Dependencies as Annotated aliases, so tests override settings and the manager cleanly."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from app.clientid import SCOPE_KEY
from app.formulas import Analyses
from app.runs import RunManager
from app.settings import Settings
from app.sweeps.manager import SweepManager


async def get_settings(request: Request) -> Settings:  # async: no thread hop per request
    return request.app.state.settings


async def get_manager(request: Request) -> RunManager:
    return request.app.state.manager


async def get_analyses(request: Request) -> Analyses:
    return request.app.state.analyses


async def get_sweeps(request: Request) -> SweepManager:
    return request.app.state.sweeps


async def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


async def client_id(request: Request) -> str:
    """The browser's id from its cookie (app/clientid.py), else its address."""
    cid = request.scope.get(SCOPE_KEY)
    return f"c:{cid}" if cid else f"a:{await client_address(request)}"


SettingsDep = Annotated[Settings, Depends(get_settings)]
ManagerDep = Annotated[RunManager, Depends(get_manager)]
AnalysesDep = Annotated[Analyses, Depends(get_analyses)]
SweepsDep = Annotated[SweepManager, Depends(get_sweeps)]
ClientDep = Annotated[str, Depends(client_id)]
AddressDep = Annotated[str, Depends(client_address)]
