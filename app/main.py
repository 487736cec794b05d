"""The FastAPI app: lifespan, routers, then the front end (static files and Plotly.js).

`create_app(settings)` builds one (tests build their own); the module-level `app` is what
`uvicorn app.main:app` and `fastapi run app/main.py` serve, with the settings of the
environment (DESCENTLAB_*). `descentlab serve` builds its own app and adds the graceful
shutdown of app/server.py. Behind uvicorn's CLI, pass `--no-proxy-headers` unless a proxy
is in front (uvicorn otherwise trusts X-Forwarded-For from 127.0.0.1: see README).
"""

from __future__ import annotations

from contextlib import asynccontextmanager
from pathlib import Path

import plotly
from fastapi import FastAPI, Request
from fastapi.responses import FileResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles

from app import __version__, errors, security, uploads
from app.clientid import ClientCookie
from app.formulas import Analyses
from app.jsonutil import ORJSONResponse
from app.routers import basins, catalog, code, datasets, health, lessons, runs, sessions, sweeps
from app.routers import lr_finder as lr_finder_router
from app.runs import RunManager
from app.sessions import Refused, SessionHub, model
from app.settings import Settings, get_settings
from app.store import Store
from app.sweeps.manager import SweepManager

STATIC = Path(__file__).resolve().parent.parent / "static"
PLOTLY_JS = Path(plotly.__file__).resolve().parent / "package_data" / "plotly.min.js"


class FontFiles(StaticFiles):
    """static/fonts: the bundled Hangul web font, cached a day like Plotly.js."""

    async def get_response(self, path: str, scope) -> Response:
        response = await super().get_response(path, scope)
        if response.status_code == 200 and path.endswith(".woff2"):
            response.headers["Cache-Control"] = "public, max-age=86400"
        return response


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        store = Store(settings.db)
        app.state.datasets = uploads.DatasetStore(store)
        uploads.serve(app.state.datasets)  # runs in this process find uploads here
        app.state.manager = RunManager(settings, store)
        # formula analyses in helper processes beside the compute workers (threads if none)
        app.state.analyses = Analyses(min(2, settings.workers), settings.formula_budget_s)
        await app.state.manager.start()
        app.state.sessions = SessionHub(settings, store, app.state.manager)
        await app.state.sessions.start()
        app.state.sweeps = SweepManager(settings, store)  # its worker pool: at the first sweep
        await app.state.sweeps.start()
        try:
            yield
        finally:
            await app.state.sweeps.close()
            await app.state.sessions.close()
            await app.state.manager.close()
            app.state.analyses.close()
            store.close()

    app = FastAPI(
        title="DescentLab",
        version=__version__,
        lifespan=lifespan,
        default_response_class=ORJSONResponse,
        description="Optimizer races on 2D surfaces and small MLPs, streamed live.",
    )
    app.state.settings = settings
    errors.install(app)
    app.add_exception_handler(Refused, sessions.refused)  # the class sessions' refusals
    _openapi_from_settings(app, settings)
    app.include_router(runs.router)
    app.include_router(code.router)
    app.include_router(datasets.router)
    app.include_router(datasets.examples)
    app.include_router(catalog.router)
    app.include_router(basins.router)
    app.include_router(lr_finder_router.router)
    app.include_router(lessons.router)
    app.include_router(sessions.router)
    app.include_router(sweeps.router)
    app.include_router(health.router)

    @app.get("/vendor/plotly.min.js", include_in_schema=False)
    async def plotly_js() -> FileResponse:
        return FileResponse(
            PLOTLY_JS,
            media_type="text/javascript",
            headers={"Cache-Control": "public, max-age=86400"},
        )

    @app.api_route("/", methods=["GET", "HEAD"], include_in_schema=False)
    @app.api_route("/index.html", methods=["GET", "HEAD"], include_in_schema=False)
    async def index(request: Request) -> Response:
        code = request.query_params.get("join")
        if code is not None:  # ?join=CODE: the student page
            norm = model.normal_code(code)
            return RedirectResponse(f"/join/{norm}" if norm else "/join", 307)
        return FileResponse(STATIC / "index.html", media_type="text/html")

    @app.api_route("/join", methods=["GET", "HEAD"], include_in_schema=False)
    @app.api_route("/join/{code}", methods=["GET", "HEAD"], include_in_schema=False)
    async def join_page() -> FileResponse:
        return FileResponse(STATIC / "join.html", media_type="text/html")

    # the front end's folders, each under its own prefix: a mount at "/" would answer every
    # path, so a wrong method on an API path would get the static files' 405 (Allow: GET)
    app.mount("/fonts", FontFiles(directory=STATIC / "fonts"), name="fonts")
    for folder in ("js", "css", "img"):
        app.mount(f"/{folder}", StaticFiles(directory=STATIC / folder), name=folder)
    app.add_middleware(ClientCookie, secret=settings.secret)
    # an uploaded CSV may be larger than a run request (its multipart envelope too)
    upload = (
        settings.max_dataset_bytes + 64_000,
        f"file: larger than {settings.max_dataset_bytes:,} bytes (this server's limit)",
    )
    app.add_middleware(
        errors.BodyLimit, limit=settings.max_body_bytes, paths={"/api/datasets": upload}
    )
    hosts = security.allowed_hosts(settings.allowed_hosts, settings.host)
    app.add_middleware(security.Guard, hosts=hosts, policy=security.csp(STATIC / "index.html"))
    return app


def _openapi_from_settings(app: FastAPI, settings: Settings) -> None:
    """The schema says what this server accepts: the request models carry the widest limits
    any server may set; here they are tightened to this one's settings (never widened), so
    a client or a schema-driven test reads the same limits the server enforces."""
    base = app.openapi

    def openapi() -> dict:
        if app.openapi_schema is not None:
            return app.openapi_schema
        spec = base()
        comps = spec.get("components", {}).get("schemas", {})

        def cap(model: str, path: tuple[str, ...], key: str, value: float) -> None:
            node = comps.get(model, {}).get("properties", {})
            for part in path:
                node = node.get(part, {}) if isinstance(node, dict) else {}
            if isinstance(node, dict) and key in node:
                node[key] = min(node[key], value)

        s = settings
        cap("SurfaceRun", ("steps",), "maximum", s.max_steps)
        cap("SurfaceRun", ("optimizers",), "maxItems", s.max_optimizers)
        cap("SurfaceRun", ("starts",), "maxItems", s.max_starts)
        cap("MlpRun", ("epochs",), "maximum", s.max_epochs)
        cap("MlpRun", ("optimizers",), "maxItems", s.max_optimizers)
        cap("MlpModelParams", ("hidden",), "maxItems", s.max_layers)
        cap("MlpModelParams", ("hidden", "items"), "maximum", s.max_width)
        cap("SurfaceByFormula", ("formula",), "maxLength", s.max_formula_length)
        cap("FormulaCheck", ("formula",), "maxLength", s.max_formula_length)
        cap("FormulaCheck", ("grid_n",), "maximum", s.max_grid_n)
        grid = spec.get("paths", {}).get("/api/surfaces/{name}/grid", {}).get("get", {})
        for param in grid.get("parameters", []):
            if param.get("name") == "n" and "maximum" in param.get("schema", {}):
                param["schema"]["maximum"] = min(param["schema"]["maximum"], s.max_grid_n)
        problem = {"application/json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
        for path in spec.get("paths", {}).values():  # what the middleware answers, anywhere
            for method, op in path.items():
                responses = op.setdefault("responses", {})
                responses.setdefault(
                    "400",
                    {"description": "a Host this server does not answer to", "content": problem},
                )
                if method in ("post", "put", "patch"):
                    responses.setdefault(
                        "413", {"description": "body too large", "content": problem}
                    )
        app.openapi_schema = spec
        return spec

    app.openapi = openapi  # type: ignore[method-assign]


app = create_app()  # for `uvicorn app.main:app` and `fastapi run app/main.py`
