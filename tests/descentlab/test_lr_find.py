"""dl.lr_find and Client.lr_find: the range test here and through REST, the same document as
app.lr_finder.compute, its figure, InvalidRequest / ApiError naming the field."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
import pytest

import descentlab as dl
from app import lr_finder
from tests.app.conftest import make_settings
from tests.descentlab.conftest import values

MODEL = {"hidden": [16, 16]}


@pytest.fixture(scope="module")
def moons() -> dl.LrFindResult:
    return dl.lr_find("moons", "sgd", model=MODEL)


def test_lr_find_is_the_services_compute(moons, tmp_path):
    body = {"base": {"kind": "mlp", "dataset": {"name": "moons"}, "optimizers": [{"name": "sgd"}],
                     "model": MODEL, "seed": 0}}  # fmt: skip
    doc = lr_finder.compute(lr_finder.validate(body, make_settings(tmp_path)))
    np.testing.assert_array_equal(moons.lrs, doc["lrs"])
    np.testing.assert_array_equal(moons.losses, doc["losses"])
    np.testing.assert_array_equal(moons.smoothed, doc["smoothed"])
    assert moons.suggested_lr == doc["suggested_lr"]
    assert 1e-3 < moons.suggested_lr < 10
    assert moons.lrs[moons.suggested_index] == moons.suggested_lr
    assert moons.lrs[0] == pytest.approx(1e-7) and len(moons.lrs) == moons.iterations


def test_the_figure_is_loss_against_rate_on_a_log_axis_with_the_suggestion(moons):
    fig = moons.figure()
    assert isinstance(fig, go.Figure)
    assert fig.layout.xaxis.type == "log"
    names = [t.name for t in fig.data]
    assert "smoothed loss" in names and "minibatch loss" in names
    line = next(t for t in fig.data if t.name and t.name.startswith("suggested lr"))
    np.testing.assert_array_equal(values(line.x), [moons.suggested_lr] * 2)
    (note,) = fig.layout.annotations
    assert note.text == line.name == f"suggested lr = {moons.suggested_lr:.3g}"
    assert note.x == pytest.approx(np.log10(moons.suggested_lr))  # log axes take log10
    smoothed = next(t for t in fig.data if t.name == "smoothed loss")
    # torch-lr-finder's plot: the first 10 and the last 5 points left out
    np.testing.assert_array_equal(values(smoothed.x), moons.lrs[10:-5])
    assert len(values(moons.figure(skip=False).data[1].x)) == moons.iterations


def test_arrays_and_the_range_parameters():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(240, 3))
    y = (X[:, 0] + X[:, 1] > 0).astype(int)
    f = dl.lr_find(X=X, y=y, optimizer={"name": "adam"}, num_iter=60, step_mode="linear",
                   start_lr=1e-4, end_lr=1.0, smooth_f=0.1, diverge_th=3)  # fmt: skip
    assert f.optimizer == "adam" and 1 <= f.iterations <= 60
    np.testing.assert_allclose(np.diff(f.lrs), (1.0 - 1e-4) / 59, rtol=1e-9)
    assert f.base["dataset"]["name"] == "arrays"
    assert f.document["smooth_f"] == 0.1 and f.document["diverge_th"] == 3
    assert "suggested_lr=" in repr(f)


@pytest.mark.parametrize(
    ("kw", "field"),
    [
        ({"end_lr": 1e-9}, "end_lr"),
        ({"num_iter": 1}, "num_iter"),
        ({"step_mode": "cos"}, "step_mode"),
        ({"optimizer": ["sgd", "adam"]}, "base.optimizers"),
        ({"model": {"hidden": [8], "activation": "nope"}}, "base.model.activation"),
        ({"batch_size": 0}, "base.batch_size"),
    ],
)
def test_a_bad_argument_raises_invalid_request_naming_the_field(kw, field):
    with pytest.raises(dl.InvalidRequest) as e:
        dl.lr_find("moons", **{"optimizer": "sgd", **kw})
    assert e.value.field == field, str(e.value)


def test_the_client_gives_the_same_result_through_rest(base_url, moons):
    c = dl.Client(base_url)
    f = c.lr_find("moons", "sgd", model=MODEL)
    np.testing.assert_array_equal(f.losses, moons.losses)
    assert f.suggested_lr == moons.suggested_lr and f.stopped == moons.stopped
    assert isinstance(f.figure(), go.Figure)
    with pytest.raises(dl.ApiError) as e:
        c.lr_find("moons", ["sgd", "adam"])
    assert e.value.status == 422 and e.value.field == "base.optimizers"
