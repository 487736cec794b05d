"""DescentLab for notebooks and scripts.

    import descentlab as dl

    r = dl.race("himmelblau", ["sgd", {"name": "adam", "params": {"lr": 0.05}}], starts=(-1, 1))
    r.figure()                       # the paths on the contour (a plotly Figure)
    r.paths, r.loss, r.final_loss    # NumPy

    t = dl.train("moons", ["sgd", "adam"], epochs=50)    # or dl.train(X=X, y=y, ...)
    t.figure(); t.figure("boundary")

    f = dl.lr_find("moons", "sgd")                     # the learning-rate range test
    f.suggested_lr, f.lrs, f.losses; f.figure()

    c = dl.Client("http://127.0.0.1:8000")               # the same over the REST API
    result = c.wait(c.race("himmelblau", "adam", (-1, 1)), progress=True)

    s = dl.sweep(base={...}, axes={"optimizers.0.name": ["sgd", "adam"],
                 "optimizers.0.params.lr": {"log_range": [1e-4, 1, 25]}, "seed": [0, 1, 2]})
    s.figure()                        # final loss vs learning rate, median and IQR band

help(dl.race), help(dl.train), help(dl.sweep), help(dl.lr_find) and help(dl.Client) list
the arguments.
"""

from __future__ import annotations

from descentlab.client import Client, Event
from descentlab.data import from_arrays
from descentlab.errors import ApiError, DescentLabError, InvalidRequest, RunFailed
from descentlab.local import race, run, train
from descentlab.lr_find import LrFindResult, lr_find
from descentlab.results import RaceResult, TrainResult
from descentlab.sweeps import SweepResult, sweep

__all__ = [
    "ApiError",
    "Client",
    "DescentLabError",
    "Event",
    "InvalidRequest",
    "LrFindResult",
    "RaceResult",
    "RunFailed",
    "SweepResult",
    "TrainResult",
    "from_arrays",
    "lr_find",
    "race",
    "run",
    "sweep",
    "train",
]
