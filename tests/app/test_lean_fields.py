"""Lean interactive payloads: `fields` keeps only the arrays a client draws; the rest can be
fetched later from the same run."""

from __future__ import annotations

import numpy as np

from tests.app.conftest import race


def test_a_lean_rerun_holds_only_the_asked_arrays_and_the_rest_comes_later(client):
    lean = client.post(
        "/api/runs?wait=true&persist=false&fields=xy,loss,grad_norm,dist_min,lr", json=race()
    )
    assert lean.status_code == 201
    body = lean.json()
    assert set(body["result"]["arrays"]) == {"xy", "loss", "grad_norm", "dist_min", "lr"}
    assert body["result"]["summary"] and body["result"]["meta"]["lanes"]
    full = client.get(f"/api/runs/{body['id']}").json()["result"]
    more = client.get(f"/api/runs/{body['id']}?fields=grad,m,v").json()["result"]
    assert set(more["arrays"]) == {"grad", "m", "v"}
    assert more["arrays"]["grad"] == full["arrays"]["grad"]
    assert body["result"]["arrays"]["xy"] == full["arrays"]["xy"]
    # `update` is the difference of consecutive positions, so a client can derive it
    xy = np.array(full["arrays"]["xy"], dtype=float)
    upd = np.array(
        [
            [[np.nan if v is None else v for v in p] for p in row]
            for row in full["arrays"]["update"][1:]
        ],
        dtype=float,
    )
    np.testing.assert_array_equal(upd, xy[1:] - xy[:-1])
    assert len(lean.content) < 0.7 * len(client.get(f"/api/runs/{body['id']}").content)


def test_an_unknown_field_is_a_422_naming_fields_and_runs_nothing(client):
    before = client.get("/api/runs").json()["total"]
    r = client.post("/api/runs?wait=true&fields=xy,speed", json=race())
    assert r.status_code == 422
    message = r.json()["message"]
    assert message.startswith("fields:") and "speed" in message
    assert client.get("/api/runs").json()["total"] == before
    rid = client.post("/api/runs?wait=true", json=race()).json()["id"]
    assert client.get(f"/api/runs/{rid}?fields=").status_code == 422
