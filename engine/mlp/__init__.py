"""A multi-layer perceptron as pure functions on a dict of arrays.

    params = mlp.init([2, 16, 16, 2], init="he_normal", rng=rng)      # W1, b1, ..., W3, b3
    loss, grads = mlp.loss_and_grad(params, X, y, activation="relu", loss="cross_entropy")

`Wi` is (fan_in, fan_out) (Keras' layout; torch's nn.Linear stores the transpose) and `bi`
is (fan_out,). Hidden layer i computes zᵢ = aᵢ₋₁Wᵢ + bᵢ, then (with batch normalization)
ẑᵢ = (zᵢ − μ)/√(σ² + ε), hᵢ = γᵢẑᵢ + βᵢ, then aᵢ = act(hᵢ), then (with dropout) aᵢ·maskᵢ.
The last layer is linear: the loss applies its own link (sigmoid, softmax).

Batch normalization adds `gammaI` (scale γ, starts at 1) and `betaI` (shift β, starts at 0)
for each hidden layer I. In "train" mode it normalizes with the batch's statistics; in
"eval" mode with running statistics {"meanI", "varI"} that `update_running` keeps like
torch's BatchNorm1d (momentum 0.1, unbiased variance for the running estimate, ε = 1e-5).
Dropout is inverted (kept units are scaled by 1/(1−p) in training, nothing changes at
evaluation) and its masks come from the Generator, one mask per example and unit, shared by
every lane. L1 and L2 penalties l1·Σ|W| + l2·ΣW² (Keras' kernel regularizers: weights only,
not biases) are added to the loss and to its gradient.

Every array may carry a leading lanes axis: `Wi` (lanes, fan_in, fan_out), `bi`
(lanes, fan_out), X (batch, in) shared or (lanes, batch, in); losses then come per lane.

The package: network.py (the network: init, forward, backward, loss and gradient, batch
norm and dropout), diagnostics.py (what the teaching views read: numerical gradients, a traced
forward pass, accuracy, loss along a direction).
"""

from __future__ import annotations

from engine.mlp.diagnostics import (
    accuracy,
    class_labels,
    forward_trace,
    gradient_check,
    loss_and_accuracy_along,
    numerical_grad,
    random_direction,
)
from engine.mlp.network import (
    BN_EPS,
    BN_MOMENTUM,
    Array,
    Params,
    Trace,
    backward_layers,
    dropout_masks,
    forward,
    forward_layers,
    init,
    init_running,
    layers,
    loss_and_grad,
    loss_value,
    n_layers,
    penalty,
    predict,
    sizes,
    update_running,
)

__all__ = [
    "BN_EPS",
    "BN_MOMENTUM",
    "Array",
    "Params",
    "Trace",
    "accuracy",
    "backward_layers",
    "class_labels",
    "dropout_masks",
    "forward",
    "forward_layers",
    "forward_trace",
    "gradient_check",
    "init",
    "init_running",
    "layers",
    "loss_and_accuracy_along",
    "loss_and_grad",
    "loss_value",
    "n_layers",
    "numerical_grad",
    "penalty",
    "predict",
    "random_direction",
    "sizes",
    "update_running",
]
