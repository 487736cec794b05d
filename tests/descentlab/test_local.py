"""dl.race and dl.train: the engine's runs, checked as the REST API checks them, with the
report's figures."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
import pytest

import descentlab as dl
from app.kinds import OKABE_ITO
from app.main import create_app
from engine import simulate, surfaces
from tests.app.conftest import CheckedClient, make_settings
from tests.descentlab.conftest import points, values

SGD = {"name": "sgd", "params": {"lr": 0.01, "momentum": 0.9}}
ADAM = {"name": "adam", "params": {"lr": 0.05}}


@pytest.fixture(scope="module")
def api(tmp_path_factory):
    """The service in-process, to compare with (the same default limits as here)."""
    with CheckedClient(
        create_app(make_settings(tmp_path_factory.mktemp("api"))),
        base_url="http://127.0.0.1:8000",
    ) as c:
        yield c


@pytest.fixture(scope="module")
def two_lanes() -> dl.RaceResult:
    return dl.race("himmelblau", [SGD, ADAM], starts=(-1, 1), steps=300)


def test_a_race_is_the_engines_race_bit_for_bit(two_lanes):
    direct = simulate.run(surfaces.get("himmelblau"), [SGD, ADAM], starts=[[-1, 1]], steps=300)
    np.testing.assert_array_equal(two_lanes.paths, direct.arrays["xy"])
    np.testing.assert_array_equal(two_lanes.loss, direct.arrays["loss"])
    assert two_lanes.paths.shape == (301, 2, 2)
    np.testing.assert_array_equal(two_lanes.final_loss, two_lanes.loss[-1])


def test_a_race_matches_the_rest_apis_answer(api, two_lanes):
    body = {"kind": "surface", "surface": {"name": "himmelblau"}, "optimizers": [SGD, ADAM],
            "starts": [[-1, 1]], "steps": 300}  # fmt: skip
    r = api.post("/api/runs?wait=true&persist=false", json=body)
    assert r.status_code == 201, r.text
    rest = r.json()["result"]
    np.testing.assert_array_equal(two_lanes.paths, np.asarray(rest["arrays"]["xy"], float))
    assert [s["final_loss"] for s in rest["summary"]] == list(two_lanes.final_loss)


def test_every_start_races_every_optimizer_and_the_table_says_so():
    r = dl.race("rosenbrock", ["sgd", "adam"], starts=[[-1.5, 2], [1.5, -0.5]], steps=50)
    assert r.paths.shape == (51, 4, 2)
    rows = r.table()
    assert [(row["optimizer"], row["start"]) for row in rows] == [
        ("sgd", [-1.5, 2.0]), ("sgd", [1.5, -0.5]), ("adam", [-1.5, 2.0]), ("adam", [1.5, -0.5]),
    ]  # fmt: skip
    assert [row["final_loss"] for row in rows] == list(r.final_loss)
    assert r._repr_html_().count("<tr>") == 1 + 4  # the header and a row per lane


def test_the_race_figure_is_the_contour_with_paths_starts_and_ends(two_lanes):
    fig = two_lanes.figure()
    assert isinstance(fig, go.Figure)
    data = [t.to_plotly_json() for t in fig.data]
    contour = data[0]
    assert contour["type"] == "contour" and values(contour["z"]).shape == (160, 160)
    paths = [t for t in data if t.get("mode") == "lines"]
    assert [t["line"]["color"] for t in paths] == list(OKABE_ITO[:2])
    for t, lane in zip(paths, range(2), strict=True):
        np.testing.assert_allclose(values(t["x"]), two_lanes.paths[:, lane, 0], rtol=1e-5)
    names = [t.get("name") for t in data]
    assert "start" in names and "min (critical point)" in names
    ends = [t for t in data if t.get("mode") == "markers" and t.get("showlegend") is False]
    assert len(ends) == 2 and all(len(values(t["x"])) == 1 for t in ends)


@pytest.mark.parametrize("which", dl.RaceResult.FIGURES)
def test_every_race_figure_holds_data(two_lanes, which):
    fig = two_lanes.figure(which)
    assert len(fig.data) >= 2 and all(points(t.to_plotly_json()) > 0 for t in fig.data[:2])


def test_an_unknown_figure_names_the_choices(two_lanes):
    with pytest.raises(ValueError, match="figure: expected one of"):
        two_lanes.figure("surface3d")


BAD_RACES = {
    "negative lr": {"optimizers": [{"name": "sgd", "params": {"lr": -1}}]},
    "unknown optimizer": {"optimizers": [{"name": "sgdx"}]},
    "unknown parameter": {"optimizers": [{"name": "adam", "params": {"momentum": 0.9}}]},
    "too many steps": {"steps": 200_000},
    "zero steps": {"steps": 0},
    "a start of one number": {"starts": [[0.0]]},
    "unknown surface": {"surface": {"name": "nope"}},
    "bad formula": {"surface": {"formula": "x +* y"}},
    "negative noise": {"noise": {"sigma": -1}},
    "NaN lr": {"optimizers": [{"name": "adam", "params": {"lr": float("nan")}}]},
}


@pytest.mark.parametrize("bad", BAD_RACES.values(), ids=BAD_RACES.keys())
def test_a_bad_race_names_the_field_the_rest_api_names(api, bad):
    args = {"surface": "himmelblau", "optimizers": ["sgd"], "starts": (0, 0), "steps": 100}
    with pytest.raises(dl.InvalidRequest) as e:
        dl.race(**{**args, **bad})
    assert e.value.status == 422 and e.value.field and e.value.message.startswith(e.value.field)
    body = dl.local.race_request(**{**args, **bad})
    if bad is not BAD_RACES["NaN lr"]:  # JSON has no NaN: the service refuses the body's text
        rest = api.post("/api/runs", json=body)
        assert rest.status_code == 422, rest.text
        assert e.value.field == rest.json()["message"].split(": ")[0]


@pytest.fixture(scope="module")
def moons() -> dl.TrainResult:
    return dl.train("moons", ["sgd", {"name": "adam", "params": {"lr": 0.01}}], epochs=30)


def test_training_matches_the_rest_apis_answer(api, moons):
    body = {"kind": "mlp", "dataset": {"name": "moons"}, "epochs": 30,
            "optimizers": [{"name": "sgd"}, {"name": "adam", "params": {"lr": 0.01}}]}  # fmt: skip
    r = api.post("/api/runs?wait=true&persist=false", json=body)
    assert r.status_code == 201, r.text
    rest = np.asarray(r.json()["result"]["arrays"]["train_loss"], float)
    np.testing.assert_array_equal(moons.loss, rest)
    assert moons.loss.shape == (31, 2) and list(moons.epochs) == list(range(31))
    np.testing.assert_array_equal(moons.final_loss, moons.loss[-1])


def test_the_training_figures_are_the_curves_and_the_boundaries(moons):
    curves = [t.to_plotly_json() for t in moons.figure().data]
    lines = [t for t in curves if t.get("mode") == "lines"]
    assert len(lines) == 4  # train and validation per lane
    assert {t["line"]["dash"] for t in lines} == {"solid", "dash"}
    assert all(points(t) == 31 for t in lines)
    boundary = [t.to_plotly_json() for t in moons.figure("boundary").data]
    heat = [t for t in boundary if t["type"] == "heatmap"]
    assert len(heat) == 2 and all(values(t["z"]).shape == (40, 40) for t in heat)
    assert sum(t["type"] == "contour" for t in boundary) == 2  # the p = 0.5 lines
    assert sum(points(t) for t in boundary if t["type"] == "scatter") > 0


@pytest.mark.parametrize("which", dl.TrainResult.FIGURES)
def test_every_training_figure_holds_data(moons, which):
    fig = moons.figure(which)
    assert any(points(t.to_plotly_json()) > 0 for t in fig.data)


def test_a_regression_dataset_trains_with_mse_unless_told():
    r = dl.train("plane", "adam", epochs=5)
    assert r.config["loss"] == "mse" and r.meta["task"] == "regression"
    with pytest.raises(dl.InvalidRequest, match="cross_entropy"):
        dl.train("plane", "adam", epochs=5, loss="cross_entropy")


def test_own_arrays_train_with_their_class_names_and_a_boundary(rng):
    X = rng.normal(size=(200, 2))
    y = np.where(X[:, 0] * X[:, 1] > 0, "same", "opposite")
    r = dl.train(X=X, y=y, optimizers="adam", epochs=10, feature_names=["a", "b"], seed=3)
    assert r.meta["class_names"] == ["opposite", "same"] and r.meta["feature_names"] == ["a", "b"]
    assert r.meta["n_train"] == 160 and r.meta["n_val"] == 40
    assert r.config["dataset"]["name"] == "arrays"
    heat = [t for t in r.figure("boundary").data if t.type == "heatmap"]
    assert len(heat) == 1 and np.isfinite(values(heat[0].to_plotly_json()["z"])).all()


def test_own_arrays_of_many_features_give_curves_and_say_there_is_no_boundary(rng):
    X = rng.normal(size=(120, 5))
    r = dl.train(X=X, y=X @ np.arange(5.0), epochs=4)
    assert r.meta["task"] == "regression" and r.config["loss"] == "mse"
    assert all(points(t.to_plotly_json()) == 5 for t in r.figure().data)
    with pytest.raises(ValueError, match="no decision-boundary grid"):
        r.figure("boundary")


@pytest.mark.parametrize(
    ("kw", "field"),
    [
        ({"y": np.zeros(3, int)}, "y"),
        ({"y": None}, "y"),
        ({"epochs": 0}, "epochs"),
        ({"epochs": 100_000}, "epochs"),
        ({"val_fraction": 0.95}, "val_fraction"),
        ({"optimizers": {"name": "newton"}}, "optimizers.0.name"),
        ({"model": {"hidden": [8], "activation": "nope"}}, "model.activation"),
        ({"dataset": {"name": "moons"}}, "dataset"),
    ],
    ids=[
        "short y",
        "no y",
        "no epochs",
        "too many epochs",
        "val_fraction",
        "race-only rule",
        "activation",
        "both data",
    ],  # fmt: skip
)
def test_bad_training_arguments_name_the_field(rng, kw, field):
    X = rng.normal(size=(40, 2))
    args = {"X": X, "y": (X[:, 0] > 0).astype(int), "optimizers": "adam", "epochs": 3, **kw}
    with pytest.raises(dl.InvalidRequest) as e:
        dl.train(**args)
    assert e.value.field == field, e.value.message


def test_help_documents_the_request_fields():
    for name in ("surface", "optimizers", "starts", "steps", "noise", "seed", "figure"):
        assert name in dl.race.__doc__
    for name in ("X", "y", "val_fraction", "model", "epochs", "boundary"):
        assert name in dl.train.__doc__
