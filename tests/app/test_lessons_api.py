"""Lessons over HTTP: the presets (27 concepts, English and Korean, valid runs) and the three
teaching views (training step, accuracy vs loss, gradient check), with 422s naming the field."""

from __future__ import annotations

import re
import urllib.parse

import numpy as np
import pytest
from pydantic import TypeAdapter

from app import lr_finder, presets
from app.kinds import kind_of
from app.lesson_models import REQUESTS
from app.main import create_app
from app.schemas import RunRequest
from app.sweeps import build_plan
from engine import claims
from tests.app.conftest import CheckedClient, make_settings

HANGUL = re.compile(r"[가-힣]")
SENTENCE = re.compile(r"[.!?](?=\s|$)")
# The Korean terms of CONCEPTS.md that each concept's presets must use.
TERMS = {
    1: ["순전파", "손실 계산", "역전파", "가중치 갱신"],
    2: ["경사 하강법", "학습률"],
    3: ["발산", "지역 최소값"],
    4: ["배치 경사 하강법", "확률적 경사 하강법(SGD)", "미니 배치 경사 하강법"],
    5: ["에포크", "배치 크기", "이터레이션"],
    6: ["지역 최소값", "전역 최소값"],
    7: ["안장점"],
    8: ["모멘텀"],
    9: ["아다그라드"],
    10: ["알엠에스프롭"],
    11: ["아담"],
    12: ["평균 제곱 오차", "평균 절대 오차", "오차제곱합"],
    13: ["이진 크로스 엔트로피", "카테고리칼 크로스 엔트로피", "희소 카테고리칼", "힌지"],
    14: ["정확도를 지표로 삼지 않는 이유"],
    15: ["수치 미분", "오차역전파법"],
    16: ["가중치 초기화", "자비에르 초기화", "He 초기화"],
    17: ["시그모이드", "렐루", "리키 렐루", "소프트맥스"],
    18: ["기울기 소실"],
    19: ["학습률 감쇠"],
    20: ["주기적 학습률"],
    21: ["웜업"],
    22: ["과소적합", "과대적합"],
    23: ["조기 종료"],
    24: ["규제"],
    25: ["드롭아웃"],
    26: ["배치 정규화"],
    27: ["깊은 신경망", "얕은 신경망"],
}
# The Keras names CONCEPTS.md gives, which the explanations must quote in both languages.
KERAS = {
    8: ["SGD(lr=0.01)", "momentum=0.9"],
    9: ["Adagrad(lr=0.01, epsilon=1e-6)"],
    10: ["RMSprop(rho=0.9, epsilon=1e-6)"],
    11: ["Adam(lr=0.001, beta_1=0.9, beta_2=0.999, amsgrad=False)"],
    23: ["EarlyStopping(monitor='val_loss', patience="],
}


@pytest.fixture(scope="module")
def catalog(tmp_path_factory):
    app = create_app(make_settings(tmp_path_factory.mktemp("lessons")))
    with CheckedClient(app) as c:
        r = c.get("/api/presets")
    assert r.status_code == 200
    return r.json()


PRESETS = presets.catalog()["presets"]
RUNS = [p for p in PRESETS if not p.get("lesson") and not p.get("sweep")]


def test_presets_cover_all_27_concepts_in_topics(catalog):
    presets = catalog["presets"]
    assert sorted({p["concept"] for p in presets}) == list(range(1, 28))
    ids = [p["id"] for p in presets]
    assert len(set(ids)) == len(ids)
    listed = [i for t in catalog["topics"] for i in t["presets"]]
    assert sorted(listed) == sorted(ids)
    for t in catalog["topics"]:
        for k, pid in enumerate(t["presets"], start=1):
            p = next(p for p in presets if p["id"] == pid)
            assert (p["topic"], p["index"]) == (t["id"], k)
        assert t["title"]["en"] and HANGUL.search(t["title"]["ko"])


def test_ids_are_url_safe_and_each_preset_has_its_url(catalog):
    for p in catalog["presets"]:
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", p["id"]) and len(p["id"]) <= 60
        assert urllib.parse.quote(p["id"]) == p["id"]
        assert p["url"] == f"/?preset={p['id']}"
        assert isinstance(p["version"], int) and p["version"] >= 1


def test_both_languages_are_complete(catalog):
    for p in catalog["presets"]:
        for field in ("title", "explanation", "watch"):
            en, ko = p[field]["en"].strip(), p[field]["ko"].strip()
            assert en and ko, (p["id"], field)
            assert not HANGUL.search(en), (p["id"], field)
            assert HANGUL.search(ko), (p["id"], field)
        for lang in ("en", "ko"):
            n = len(SENTENCE.findall(p["explanation"][lang]))
            assert 2 <= n <= 4, (p["id"], lang, n)
            assert "\n" not in p["watch"][lang] and len(p["watch"][lang]) <= 120


@pytest.mark.parametrize("concept", sorted(TERMS))
def test_korean_texts_use_the_course_terms(catalog, concept):
    ko = " ".join(
        p["title"]["ko"] + " " + p["explanation"]["ko"]
        for p in catalog["presets"]
        if p["concept"] == concept
    )
    assert [t for t in TERMS[concept] if t not in ko] == []


@pytest.mark.parametrize("concept", sorted(KERAS))
def test_keras_names_appear_in_both_languages(catalog, concept):
    for lang in ("en", "ko"):
        text = " ".join(
            p["explanation"][lang] for p in catalog["presets"] if p["concept"] == concept
        )
        assert [k for k in KERAS[concept] if k not in text] == [], lang


def test_every_run_validates_against_the_schema_and_the_default_limits(catalog, settings):
    adapter = TypeAdapter(RunRequest)
    for p in catalog["presets"]:
        if p.get("sweep"):
            assert "run" not in p and build_plan(p["sweep"], settings).n_cells <= 250
            continue
        config = adapter.validate_python(p["run"]).model_dump(mode="json")
        if p.get("lr_finder"):
            lr_finder.validate({**p["lr_finder"], "base": p["run"]}, settings)
        kind_of(config).check(config, settings)
        if p.get("lesson"):
            REQUESTS[p["lesson"]["endpoint"]].model_validate(p["lesson"]["body"])


def test_views_name_known_tabs_and_controls(catalog):
    tabs = {"race", "mlp", "basins", "loop", "accuracy", "gradcheck", "sweep"}
    for p in catalog["presets"]:
        assert p["view"]["tab"] in tabs
        assert set(p["view"]["hide"]) <= set(catalog["hideable"])
        lesson_tab = {"training-step": "loop", "accuracy-vs-loss": "accuracy"}
        lesson_tab["gradient-check"] = "gradcheck"
        if p.get("sweep"):
            assert p["view"]["tab"] == "sweep" and p["view"]["chart"] in ("curves", "heatmap")
            assert {p["view"]["x"], p["view"].get("color", p["view"]["x"])} <= set(
                p["sweep"]["axes"]
            )
        elif p.get("lr_finder"):
            assert (p["view"]["tab"], p["view"]["open"]) == ("mlp", "lr_finder")
        elif p.get("lesson"):
            assert p["view"]["tab"] == lesson_tab[p["lesson"]["endpoint"]]
        else:
            assert p["view"]["tab"] == ("race" if p["run"]["kind"] == "surface" else "mlp")
    assert {c["type"] for c in catalog["claim_types"]} == set(claims.CLAIM_TYPES)


def test_one_preset_by_id_and_an_unknown_one(client, catalog):
    first = catalog["presets"][0]
    assert client.get(f"/api/presets/{first['id']}").json() == first
    r = client.get("/api/presets/no-such-lesson")
    assert r.status_code == 404 and r.json()["message"].startswith("preset_id:")


# --------------------------------------------------------------------------- training step


def test_training_step_shows_each_stage_with_consistent_numbers(client):
    body = {
        "hidden": [3],
        "activation": "sigmoid",
        "optimizer": {"name": "gd", "params": {"lr": 0.5}},
    }
    r = client.post("/api/lessons/training-step", json=body)
    assert r.status_code == 200, r.text
    s = r.json()
    assert s["sizes"] == [2, 3, 1] and len(s["batch"]["X"]) == 4
    a = np.array(s["batch"]["X"])
    for layer in s["forward"]:
        z = a @ np.array(layer["W"]) + np.array(layer["b"])
        assert np.allclose(z, layer["z"], atol=1e-12)
        a = np.array(layer["a"])
    assert np.allclose(a, 1 / (1 + np.exp(-np.array(s["forward"][-1]["z"]))))  # sigmoid output
    for back, up in zip(s["backward"], s["update"], strict=True):
        assert np.allclose(up["W_change"], -0.5 * np.array(back["W_grad"]), atol=1e-15)
        assert np.allclose(up["b_change"], -0.5 * np.array(back["b_grad"]), atol=1e-15)
    assert s["new_loss"] < s["loss"]
    assert all(c["ok"] for c in s["checks"].values()) and len(s["checks"]) == 3


def test_training_step_takes_the_next_iteration(client):
    a = client.post("/api/lessons/training-step", json={"step": 0}).json()
    b = client.post("/api/lessons/training-step", json={"step": 1}).json()
    assert b["step"] == 1 and b["batch"]["index"] != a["batch"]["index"]
    for new, layer in zip(a["update"], b["forward"], strict=True):
        assert np.allclose(new["W_new"], layer["W"]) and np.allclose(new["b_new"], layer["b"])


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"hidden": [9]}, "hidden.0"),
        ({"hidden": [2, 2, 2]}, "hidden"),
        ({"batch_size": 17}, "batch_size"),
        ({"step": -1}, "step"),
        ({"loss": "binary_cross_entropy", "dataset": {"name": "spiral"}}, "loss"),
        ({"dataset": {"name": "moons", "n_samples": 3}}, "dataset.n_samples"),
        ({"hiden": [3]}, "hiden"),
    ],
)
def test_training_step_rejects_bad_input_naming_the_field(client, body, field):
    r = client.post("/api/lessons/training-step", json=body)
    assert r.status_code == 422
    assert r.json()["message"].startswith(f"{field}:"), r.json()["message"]


# --------------------------------------------------------------------------- accuracy vs loss


def test_accuracy_is_a_staircase_and_the_loss_is_smooth(client):
    body = {"preset": "accuracy-vs-loss", "ts": {"low": -1, "high": 1, "count": 201}}
    r = client.post("/api/lessons/accuracy-vs-loss", json=body)
    assert r.status_code == 200, r.text
    a = r.json()
    assert len(a["ts"]) == len(a["loss"]) == len(a["accuracy"]) == 201
    assert a["distinct_accuracy"] == len(set(a["accuracy"])) <= 30
    assert a["distinct_loss"] == len(set(a["loss"])) == 201
    acc = np.array(a["accuracy"])
    assert np.mean(acc[1:] == acc[:-1]) > 0.7  # flat between most neighbours
    assert set(np.round(acc * a["n_examples"], 9)) <= set(range(a["n_examples"] + 1))


def test_accuracy_vs_loss_of_a_given_run(client):
    run = {
        "kind": "mlp",
        "dataset": {"name": "circle", "n_samples": 100},
        "model": {"hidden": [6]},
        "loss": "binary_cross_entropy",
        "optimizers": [{"name": "adam", "params": {"lr": 0.05}}],
        "epochs": 5,
    }
    r = client.post("/api/lessons/accuracy-vs-loss", json={"run": run, "split": "train"})
    assert r.status_code == 200, r.text
    a = r.json()
    assert a["n_examples"] == 80 and a["epochs_trained"] == 5 and a["distinct_loss"] == 201


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"preset": "no-such-lesson"}, "preset"),
        ({"preset": "local-vs-global-minimum"}, "preset"),
        ({"preset": "accuracy-vs-loss", "lane": 1}, "lane"),
        ({"preset": "accuracy-vs-loss", "ts": {"low": 1, "high": -1}}, "ts"),
        ({"preset": "accuracy-vs-loss", "ts": {"count": 2}}, "ts.count"),
        (
            {
                "run": {
                    "kind": "mlp",
                    "dataset": {"name": "sine"},
                    "loss": "mse",
                    "optimizers": [{"name": "sgd"}],
                }
            },
            "run.dataset",
        ),  # fmt: skip
        (
            {
                "run": {
                    "kind": "mlp",
                    "dataset": {"name": "moons"},
                    "optimizers": [{"name": "sgd"}],
                    "epochs": 301,
                }
            },
            "run.epochs",
        ),  # fmt: skip
        (
            {
                "run": {
                    "kind": "mlp",
                    "dataset": {"name": "moons"},
                    "optimizers": [{"name": "sgd"}],
                    "model": {"hidden": [300]},
                }
            },
            "run.model.hidden",
        ),  # fmt: skip
    ],
)
def test_accuracy_vs_loss_rejects_bad_input_naming_the_field(client, body, field):
    r = client.post("/api/lessons/accuracy-vs-loss", json=body)
    assert r.status_code == 422
    assert r.json()["message"].startswith(f"{field}:"), r.json()["message"]


def test_accuracy_vs_loss_needs_exactly_one_source(client):
    for body in ({}, {"preset": "accuracy-vs-loss", "run": RUNS[-1]["run"]}):
        r = client.post("/api/lessons/accuracy-vs-loss", json=body)
        assert r.status_code == 422 and r.json()["message"].startswith("preset:")


# --------------------------------------------------------------------------- gradient check


def test_gradient_check_agrees_per_layer_and_times_both(client):
    r = client.post("/api/lessons/gradient-check", json={"hidden": [4, 3], "activation": "tanh"})
    assert r.status_code == 200, r.text
    g = r.json()
    assert [row["layer"] for row in g["layers"]] == [1, 2, 3]
    assert all(row["rel"] < 1e-6 for row in g["layers"]) and g["rel"] < 1e-6
    assert g["n_params"] == sum(row["n"] for row in g["layers"]) == 35
    assert g["forward_passes"] == {"backprop": 1, "numerical": 70}
    for row in g["layers"]:
        for key in row["params"]:
            bp, num = np.array(row["backprop"][key]), np.array(row["numerical"][key])
            assert bp.shape == num.shape and np.allclose(bp, num, atol=1e-8)
    assert g["time_backprop_s"] > 0 and g["time_numerical_s"] > g["time_backprop_s"]
    assert g["speedup"] == pytest.approx(g["time_numerical_s"] / g["time_backprop_s"])


def test_gradient_check_of_relu_stays_off_the_kink(client):
    """Biases used to start at 0, so a unit fed only by dead ReLUs sat exactly on the kink
    and the check failed its own claim; small random biases keep it trustworthy."""
    r = client.post("/api/lessons/gradient-check", json={"activation": "relu"})
    assert r.status_code == 200 and r.json()["rel"] < 1e-6


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"hidden": [17]}, "hidden.0"),
        ({"hidden": [2, 2, 2, 2]}, "hidden"),
        ({"n_examples": 65}, "n_examples"),
        ({"eps": 0}, "eps"),
        ({"loss": "hinge", "dataset": {"name": "gaussians"}}, "loss"),
        ({"activation": "softmax"}, "activation"),
    ],
)
def test_gradient_check_rejects_bad_input_naming_the_field(client, body, field):
    r = client.post("/api/lessons/gradient-check", json=body)
    assert r.status_code == 422
    assert r.json()["message"].startswith(f"{field}:"), r.json()["message"]


def test_the_teaching_views_are_documented_in_openapi(client):
    paths = client.get("/openapi.json").json()["paths"]
    for path in ("training-step", "accuracy-vs-loss", "gradient-check"):
        responses = paths[f"/api/lessons/{path}"]["post"]["responses"]
        assert {"200", "413", "422"} <= set(responses)
    assert "404" in paths["/api/presets/{preset_id}"]["get"]["responses"]
