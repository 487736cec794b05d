"""The JS unit tests' catalog fixtures are slices of the live catalog, not stale copies."""

from __future__ import annotations

import json
import pathlib

import pytest

FIXTURES = pathlib.Path(__file__).resolve().parents[1] / "static" / "fixtures"


@pytest.mark.parametrize("name", ["catalog.json", "mlp_catalog.json"])
def test_fixture_entries_equal_the_live_catalog(client, name):
    fixture = json.loads((FIXTURES / name).read_text(encoding="utf-8"))
    live = client.get("/api/catalog").json()
    for kind, entries in fixture.items():
        if kind == "version":
            assert entries == live["version"]
            continue
        by_name = {e["name"]: e for e in live[kind]}
        for entry in entries:
            assert entry == by_name[entry["name"]], f"{name}: {kind} {entry['name']} is stale"
