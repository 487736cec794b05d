"""DescentLab's service: FastAPI routers over the engine, SQLite history, a CLI."""

__version__ = "0.1.0"
