"""The JS unit tests' catalog fixtures are slices of the live catalog, not stale copies."""

from __future__ import annotations

import json
import pathlib
import shutil
import subprocess

import pytest

FIXTURES = pathlib.Path(__file__).resolve().parents[1] / "static" / "fixtures"


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")
@pytest.mark.parametrize("name", ["catalog.js", "mlp_catalog.js"])
def test_fixture_entries_equal_the_live_catalog(client, name):
    script = (
        f"import('{(FIXTURES / name).as_uri()}').then(m => "
        "process.stdout.write(JSON.stringify(m.default)))"
    )
    fixture = json.loads(
        subprocess.run(["node", "-e", script], capture_output=True, text=True, check=True).stdout
    )
    live = client.get("/api/catalog").json()
    for kind, entries in fixture.items():
        if kind == "version":
            assert entries == live["version"]
            continue
        by_name = {e["name"]: e for e in live[kind]}
        for entry in entries:
            assert entry == by_name[entry["name"]], f"{name}: {kind} {entry['name']} is stale"
