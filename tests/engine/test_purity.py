"""The engine's room: no web imports, no global random state, no I/O."""

from __future__ import annotations

import ast
import pathlib
import re
import subprocess
import sys

ENGINE = pathlib.Path(__file__).resolve().parents[2] / "engine"
WEB = ("fastapi", "pydantic", "pydantic_settings", "starlette", "uvicorn", "app", "orjson")


def test_importing_engine_imports_no_web_code():
    code = (
        "import sys, engine, engine.formula, engine.critical\n"
        f"bad = [m for m in sys.modules if m.split('.')[0] in {WEB!r}]\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert out == ""


def _sources():
    return {p.name: p.read_text() for p in ENGINE.rglob("*.py")}


def test_no_global_random_state():
    allowed = {"default_rng", "Generator", "SeedSequence"}
    for name, text in _sources().items():
        for call in re.findall(r"np\.random\.(\w+)", text):
            assert call in allowed, f"{name} uses np.random.{call}"
        assert "import random" not in text, name


def test_no_io_or_clock():
    io_modules = {
        "os",
        "io",
        "time",
        "datetime",
        "pathlib",
        "socket",
        "subprocess",
        "urllib",
        "shutil",
        "tempfile",
        "pickle",
        "sqlite3",
        "logging",
        "random",
    }
    for name, text in _sources().items():
        tree = ast.parse(text)
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                mods = [a.name.split(".")[0] for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                mods = [(node.module or "").split(".")[0]]
            elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
                assert node.func.id not in {"open", "print", "input"}, f"{name}: {node.func.id}"
                continue
            else:
                continue
            assert not set(mods) & io_modules, f"{name} imports {mods}"
