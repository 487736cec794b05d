"""Data: suggested learning rates per surface and optimizer family."""

# Suggested learning rates per surface and optimizer family ("momentum" is SGD with
# momentum 0.9, "sgd" also serves "gd"): from a 1-2-5 ladder, rates whose run from the
# surface's first start stays in the domain for 300 steps and does not diverge (nor does
# twice the rate, within 600); of those the smallest that converges within 200 steps, else
# the fastest to converge, else the lowest final loss. On the unbounded saddles: the largest
# rate that stays in the domain for 300 steps. Himmelblau keeps the opening race's rates.
# Rprop, L-BFGS and Newton's methods (whose rate is not a step length to tune): torch's
# default (or 1), else the largest rung below it that stays in the domain without diverging
# and ends lower (Newton's may end higher: it seeks any critical point). On the unbounded
# saddles Rprop always runs off (its steps grow 1.2× a step whatever the rate).
# bench/suggest_rates.py computes them; tests/engine/test_suggested_lr.py runs every one.

FAMILIES = (
    "sgd",
    "momentum",
    "adagrad",
    "rmsprop",
    "adadelta",
    "adam",
    "adamw",
    "nadam",
    "radam",
    "adamax",
    "asgd",
    "adafactor",
    "rprop",
    "lbfgs",
    "newton",
    "saddle_free_newton",
)
# fmt: off
_TABLE: dict[str, tuple[float, ...]] = {
    "rosenbrock":         (0.001, 0.001, 1, 0.1, 2, 1, 0.2, 0.2, 0.002, 1, 0.002, 0.5, 0.01, 1, 0.5, 0.5),
    "beale":              (0.01, 0.002, 2, 0.1, 2, 0.5, 0.5, 0.2, 0.01, 1, 0.02, 0.02, 0.01, 1, 1, 0.1),
    "himmelblau":         (0.005, 0.005, 0.2, 0.05, 0.2, 0.1, 0.05, 0.05, 0.1, 0.05, 0.005, 0.05, 0.01, 1, 1, 0.5),
    "booth":              (0.02, 0.002, 2, 0.1, 2, 0.2, 0.2, 0.2, 0.05, 0.5, 0.02, 0.02, 0.01, 1, 1, 1),
    "matyas":             (1, 0.1, 2, 0.2, 2, 0.2, 0.2, 0.2, 1, 1, 1, 0.1, 0.01, 1, 1, 1),
    "goldstein_price":    (1e-06, 1e-06, 0.01, 0.001, 0.1, 0.001, 0.001, 0.001, 1e-06, 0.001, 2e-06, 0.001, 1e-06, 1, 1, 1),
    "six_hump_camel":     (0.002, 0.0001, 0.1, 0.1, 2, 0.02, 0.02, 0.02, 0.005, 0.05, 0.002, 1, 0.01, 1, 1, 1),
    "three_hump_camel":   (0.02, 0.001, 0.2, 0.01, 2, 0.02, 0.05, 0.02, 0.01, 0.05, 0.02, 0.01, 0.01, 1, 1, 1),
    "styblinski_tang":    (0.005, 0.0005, 0.2, 0.01, 1, 0.02, 0.05, 0.02, 0.1, 0.02, 0.005, 0.02, 0.01, 1, 1, 0.5),
    "rastrigin":          (0.0001, 1e-05, 0.05, 0.005, 0.5, 0.005, 0.005, 0.005, 0.02, 0.005, 0.0001, 0.001, 0.01, 1, 1, 1),
    "ackley":             (0.001, 0.0001, 0.02, 0.002, 0.5, 0.002, 0.002, 0.002, 0.01, 0.005, 0.001, 0.001, 0.01, 0.5, 0.5, 1),
    "easom":              (0.02, 0.002, 0.1, 0.005, 1, 0.01, 0.01, 0.01, 0.05, 0.01, 0.02, 0.005, 0.01, 1, 1, 0.5),
    "levi13":             (0.0005, 0.0005, 0.02, 0.002, 0.5, 0.05, 0.05, 0.005, 0.02, 0.01, 0.0005, 0.001, 0.01, 1, 1, 1),
    "mccormick":          (0.05, 0.002, 0.1, 0.005, 0.5, 0.01, 0.01, 0.01, 0.05, 0.01, 0.05, 0.005, 0.01, 1, 1, 1),
    "saddle":             (0.01, 0.001, 0.02, 0.002, 0.02, 0.002, 0.002, 0.002, 0.01, 0.005, 0.002, 0.002, 1e-06, 2e-06, 1, 0.02),
    "monkey_saddle":      (0.01, 0.002, 0.02, 0.002, 0.01, 0.002, 0.002, 0.002, 0.01, 0.005, 0.002, 0.002, 1e-06, 1, 1, 0.02),
    "ill_conditioned":    (0.05, 0.005, 0.5, 0.02, 2, 0.05, 0.05, 0.05, 0.1, 0.05, 0.05, 0.5, 0.01, 1, 1, 1),
    "double_well":        (0.02, 0.005, 0.2, 0.02, 2, 0.02, 0.02, 0.05, 0.1, 0.05, 0.02, 0.05, 0.01, 1, 1, 1),
    "saddle_two_minima":  (0.05, 0.01, 0.2, 0.02, 2, 0.02, 0.02, 0.05, 0.1, 0.05, 0.05, 0.05, 0.01, 1, 1, 1),
    "distill_banana":     (0.001, 5e-05, 0.5, 0.05, 2, 0.05, 0.1, 0.2, 0.0005, 0.2, 0.001, 0.05, 0.01, 1, 0.005, 0.5),
    "tilted_double_well": (0.02, 0.001, 0.2, 0.01, 2, 0.02, 0.05, 0.02, 0.1, 0.05, 0.02, 0.02, 0.01, 1, 1, 1),
}
# fmt: on
SUGGESTED_LR: dict[str, dict[str, float]] = {
    name: dict(zip(FAMILIES, rates, strict=True)) for name, rates in _TABLE.items()
}
