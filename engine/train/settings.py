"""The settings of an MLP run as data: registered (kind "mlp_setting") so that the service's
schema and the UI's forms come from one table, with their help in English and Korean."""

from __future__ import annotations

import numpy as np

from engine import activations, registry
from engine.registry import Param

Array = np.ndarray


# The settings of an MLP run, registered (kind "mlp_setting") so that the service's schema
# and the UI's forms come from one table. Rows: name, type, default, low, high, en, ko.
# fmt: off
_SETTINGS = {
    "model": (
        ("Network", "신경망 구조"),
        ("Hidden layers and their activation, initialization, dropout and batch normalization.",
         "은닉층과 활성화 함수, 가중치 초기화, 드롭아웃, 배치 정규화."),
        [
            ("hidden", "int_list", (16, 16), 1, 1024,
             "Widths of the hidden layers (none: a linear model; many: a deep network).",
             "은닉층의 뉴런 수 (없으면 선형 모델, 많으면 깊은 신경망)."),
            ("activation", "choice", "relu", None, None, "Activation of the hidden layers.",
             "은닉층의 활성화 함수."),
            ("init", "choice", "he_normal", None, None, "Weight initialization.",
             "가중치 초기화 방법."),
            ("dropout", "float", 0.0, 0.0, 0.9,
             "Dropout: share of hidden units switched off at random in each training "
             "iteration (all are used at evaluation).",
             "드롭아웃: 훈련 이터레이션마다 무작위로 끄는 은닉 뉴런의 비율 (평가할 때는 모두 "
             "사용)."),
            ("batch_norm", "bool", False, None, None,
             "Batch normalization before each hidden activation.",
             "각 은닉층의 활성화 함수 앞에 배치 정규화를 넣습니다."),
            ("bn_momentum", "float", 0.1, 0.0, 1.0,
             "Batch norm's momentum: running statistics ← (1 − m)·running + m·batch "
             "(torch's BatchNorm1d momentum; Keras' momentum is 1 − m).",
             "배치 정규화의 모멘텀: 이동 통계 ← (1 − m)·이동 통계 + m·배치 통계 "
             "(torch BatchNorm1d의 momentum; Keras의 momentum은 1 − m)."),
            ("bn_eps", "float", 1e-5, 1e-12, 0.1,
             "Batch norm's ε added to the variance (torch's eps; Keras' epsilon is 1e-3).",
             "배치 정규화에서 분산에 더하는 ε (torch의 eps; Keras의 epsilon은 1e-3)."),
        ],
    ),
    "training": (
        ("Training", "학습 설정"),
        ("Loss, batch size, epochs and the L1/L2 penalties.",
         "손실 함수, 배치 크기, 에포크, L1/L2 규제."),
        [
            ("loss", "choice", "cross_entropy", None, None, "Loss function.", "손실 함수."),
            ("batch_size", "int", 32, 1, 100_000,
             "Examples per update: 1 is stochastic gradient descent, the whole set is batch "
             "gradient descent.",
             "한 번 갱신에 쓰는 데이터 수: 1이면 확률적 경사 하강법(SGD), 전체면 배치 경사 "
             "하강법."),
            ("epochs", "int", 100, 1, 100_000,
             "Passes over the training set; iterations per epoch = ⌈samples / batch size⌉.",
             "훈련 데이터를 몇 번 반복할지 (에포크); 에포크당 이터레이션 수 = ⌈데이터 수 / "
             "배치 크기⌉."),
            ("l1", "float", 0.0, 0.0, 1.0, "L1 penalty l1·Σ|W| on the weights.",
             "가중치에 대한 L1 규제 l1·Σ|W|."),
            ("l2", "float", 0.0, 0.0, 1.0, "L2 penalty l2·ΣW² on the weights (Keras' l2).",
             "가중치에 대한 L2 규제 l2·ΣW² (Keras의 l2)."),
        ],
    ),
    "early_stopping": (
        ("Early stopping", "조기 종료"),
        ("Stop a lane when the validation loss has not improved for `patience` epochs "
         "(Keras EarlyStopping(monitor='val_loss')).",
         "검증 손실이 patience 에포크 동안 나아지지 않으면 그 학습을 멈춥니다 (Keras "
         "EarlyStopping(monitor='val_loss'))."),
        [
            ("patience", "int", 10, 0, 100_000, "Epochs without improvement before stopping.",
             "멈추기 전에 기다리는 에포크 수."),
            ("restore_best", "bool", True, None, None,
             "Go back to the weights of the best epoch.",
             "가장 좋았던 에포크의 가중치로 되돌립니다."),
            ("min_delta", "float", 0.0, 0.0, 10.0,
             "Smallest decrease that counts as an improvement.",
             "개선으로 인정하는 최소 감소량."),
        ],
    ),
    "reporting": (
        ("Reporting", "기록 설정"),
        ("How often the trainer reports decision boundaries, and how finely.",
         "결정 경계를 얼마나 자주, 얼마나 촘촘하게 보낼지."),
        [
            ("grid_every", "int", None, 0, 100_000,
             "Decision-boundary grid every k epochs (0: never; default: about 25 per run).",
             "k 에포크마다 결정 경계 격자 (0: 보내지 않음; 기본값: 한 번에 약 25개)."),
            ("grid_size", "int", 40, 2, 200, "Grid points per axis.", "축마다 격자점 수."),
            ("grid_features", "int_list", None, 0, 4095,
             "The two features (column numbers from 0) the boundary is drawn over when there "
             "are more than two; the others are held at their mean.",
             "특성이 셋 이상일 때 결정 경계를 그릴 두 특성 (0부터 센 열 번호); 나머지는 "
             "평균값으로 고정합니다."),
            ("hist_bins", "int", 20, 2, 200, "Bins of the weight histograms.",
             "가중치 히스토그램의 구간 수."),
            ("chunk_epochs", "int", None, 1, 100_000,
             "Epochs per chunk (default: enough for 32 iterations).",
             "한 묶음에 담는 에포크 수 (기본값: 이터레이션 32개 이상)."),
        ],
    ),
}


# fmt: on
_CHOICES = {
    "activation": activations.names(hidden_only=True),
    "init": registry.names("initializer"),
    "loss": registry.names("loss"),
}


for _name, ((_en, _ko), (_hen, _hko), _rows) in _SETTINGS.items():
    _params = tuple(
        Param(n, t, d, lo, hi, False, tuple(_CHOICES.get(n, ())), en, ko, nullable=d is None)
        for n, t, d, lo, hi, en, ko in _rows
    )
    registry.add("mlp_setting", _name, _en, _ko, _hen, _hko, _params)
