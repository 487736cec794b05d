"""dl.sweep here and Client.sweep on a real server: the same table, its figures, errors."""

from __future__ import annotations

import pytest

import descentlab as dl
from tests.descentlab.conftest import points

BASE = {"kind": "surface", "surface": {"name": "himmelblau"},
        "optimizers": [{"name": "sgd", "params": {"lr": 0.01}}], "starts": [[0.0, 0.0]],
        "steps": 150, "noise": {"sigma": 1.0}}  # fmt: skip
AXES = {"optimizers.0.name": ["sgd", "adam"],
        "optimizers.0.params.lr": {"log_range": [1e-3, 0.3, 6]}, "seed": [0, 1, 2]}  # fmt: skip


def test_a_local_sweep_and_its_figures():
    s = dl.sweep(BASE, AXES, workers=0)
    assert len(s.cells) == 36 and all(c["status"] == "done" for c in s.cells)
    assert s.rows[0]["optimizers.0.name"] == "sgd" and "final_loss" in s.rows[0]
    assert s.to_csv().splitlines()[0].startswith("index,optimizers.0.name")
    assert s.best()["final_loss"] == min(c["final_loss"] for c in s.cells if not c["diverged"])
    fig = s.figure()
    medians = [t for t in fig.data if t.mode == "lines+markers"]
    assert [t.name for t in medians] == ["sgd", "adam"]
    assert all(points(t.to_plotly_json()) > 0 for t in medians)
    assert fig.layout.xaxis.type == "log"
    bands = [t for t in fig.data if t.fill == "toself"]
    assert len(bands) == 2
    heat = s.figure("heatmap", x="optimizers.0.params.lr", y="seed")
    assert points(heat.data[0].to_plotly_json()) > 0


def test_a_bad_axis_raises_invalid_request_naming_it():
    with pytest.raises(dl.InvalidRequest) as e:
        dl.sweep(BASE, {"optimizers.0.params.nope": [1.0]})
    assert e.value.field == "axes.optimizers.0.params.nope"


def test_the_server_computes_the_same_table(base_url):
    c = dl.Client(base_url)
    sweep_id = c.sweep(BASE, AXES)
    remote = c.wait_sweep(sweep_id, progress=False)
    here = dl.sweep(BASE, AXES, workers=0)
    assert [x["final_loss"] for x in remote.cells] == [x["final_loss"] for x in here.cells]
    kinds = [ev.event for ev in c.sweep_events(sweep_id)]
    assert kinds[0] == "meta" and kinds[-1] == "done" and "progress" in kinds
    with pytest.raises(dl.ApiError) as e:
        c.sweep(BASE, {"seed": [0, 0]})
    assert e.value.status == 422 and e.value.field == "axes.seed"
