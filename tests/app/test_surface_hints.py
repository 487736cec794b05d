"""The catalog's suggested learning rates, and formula checks that say where f overflows."""

from __future__ import annotations

import numpy as np
import pytest

from engine import registry


def test_the_catalog_suggests_rates_per_surface_and_optimizer_family(client):
    cat = client.get("/api/catalog").json()
    families = set(registry.names("optimizer")) | {"momentum"}
    for s in cat["surface"]:
        assert set(s["suggested_lr"]) == families, s["name"]
        assert all(isinstance(v, int | float) and v > 0 for v in s["suggested_lr"].values())
    rosen = next(s for s in cat["surface"] if s["name"] == "rosenbrock")
    assert rosen["suggested_lr"]["sgd"] < 0.005  # 0.005 diverges at step 5 there


def test_an_overflowing_formula_is_ok_with_a_warning_and_a_drawable_grid(client):
    body = client.post(
        "/api/formulas/check", json={"formula": "exp(exp(x*y))", "grid_n": 60}
    ).json()
    assert body["ok"] is True
    v = body["values"]
    assert 0.9 < v["finite"] < 1.0 and v["overflow"] == pytest.approx(1 - v["finite"])
    assert v["undefined"] == 0 and v["clipped"] >= v["overflow"]
    assert "overflows" in body["warning"] and f"{100 * v['finite']:.3g}%" in body["warning"]
    g = body["grid"]
    z = np.array(g["z"], dtype=float)
    assert np.all(np.isfinite(z))  # no null cells: overflow is drawn at the cap
    lo, hi = g["zclip"]
    assert lo is None and hi is not None and g["zmax"] == pytest.approx(hi)
    assert g["zmax"] / g["zmin"] < 1e12  # a range a colour scale can show
    assert g["clipped"] > 0 and g["finite_fraction"] < 1


def test_a_tame_formula_has_no_warning_and_an_unclipped_grid(client):
    body = client.post("/api/formulas/check", json={"formula": "x**2 + y**2", "grid_n": 20}).json()
    assert body["warning"] is None
    assert body["values"] == {"finite": 1.0, "overflow": 0.0, "undefined": 0.0, "clipped": 0.0}
    assert body["grid"]["zclip"] == [None, None] and body["grid"]["clipped"] == 0


def test_an_undefined_region_is_not_an_overflow(client):
    body = client.post("/api/formulas/check", json={"formula": "log(x)", "grid_n": 20}).json()
    assert body["warning"] is None and body["values"]["undefined"] == pytest.approx(0.5, abs=0.05)
    assert any(v is None for row in body["grid"]["z"] for v in row)  # NaN stays null


@pytest.mark.parametrize("name", registry.names("surface"))
def test_catalogue_grids_are_never_clipped(client, name):
    g = client.get(f"/api/surfaces/{name}/grid", params={"n": 60}).json()
    assert g["clipped"] == 0 and g["zclip"] == [None, None] and g["finite_fraction"] == 1.0
