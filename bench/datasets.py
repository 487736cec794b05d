"""Upload and code-export benchmark (not a test): issue 13's two server-side costs.

    python bench/datasets.py [--repeat 5]

1. Parsing the largest CSV the limits allow (just under 1 MB: 20,000 rows, as many
   features as fit) with engine.tabular.from_csv, which checks every cell and names the row
   and column of a bad one, against NumPy's loadtxt of the same text (no checks, no
   messages): the best of --repeat runs each, and the ratio.
2. The whole POST /api/datasets of that file (multipart) on an in-process server, and
   generating the PyTorch and Keras scripts of a race and of an MLP run on the wine data
   (GET /api/runs/{id}/code), against one GET /api/runs/{id} of the same run: milliseconds,
   best of --repeat, and the ratio.
"""

from __future__ import annotations

import argparse
import io
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

ROOT = Path(__file__).resolve().parent.parent
LIMIT = 1_000_000


def big_csv() -> bytes:
    """20,000 rows of features with 4 decimals and a 3-class label, as wide as 1 MB allows."""
    rng = np.random.default_rng(0)
    n, out = 20_000, b""
    for k in range(1, 65):
        X = rng.normal(size=(n, k))
        y = rng.integers(0, 3, n)
        head = ",".join(f"f{i}" for i in range(k)) + ",label\n"
        rows = (",".join(f"{v:.4f}" for v in row) + f",{c}" for row, c in zip(X, y, strict=True))
        text = (head + "\n".join(rows) + "\n").encode()
        if len(text) > LIMIT:
            return out
        out = text
    return out


def best(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    from engine import tabular

    raw = big_csv()
    table = tabular.from_csv(raw)
    shape = f"{table.n_rows:,} rows × {len(table.features)} features, {len(raw):,} bytes"
    ours = best(lambda: tabular.from_csv(raw), args.repeat)
    numpy = best(
        lambda: np.loadtxt(io.StringIO(raw.decode()), delimiter=",", skiprows=1), args.repeat
    )
    print(f"CSV parse, {shape}")
    print(f"  engine.tabular.from_csv  {ours * 1000:8.1f} ms")
    print(f"  numpy.loadtxt (no checks){numpy * 1000:8.1f} ms")
    print(f"  ratio                    {ours / numpy:8.2f}×")

    os.environ["DESCENTLAB_DATA_DIR"] = tempfile.mkdtemp()
    from fastapi.testclient import TestClient

    from app.main import create_app

    with TestClient(create_app(), base_url="http://127.0.0.1:8000") as c:
        files = {"file": ("big.csv", raw, "text/csv")}
        up = best(lambda: c.post("/api/datasets", files=files).raise_for_status(), 1)
        wine = (ROOT / "app/example_data/wine.csv").read_bytes()
        ds = c.post("/api/datasets", content=wine, headers={"content-type": "text/csv"}).json()
        race = {"kind": "surface", "surface": {"name": "himmelblau"}, "starts": [[-1, 1]],
                "steps": 300,
                "optimizers": [{"name": "sgd", "params": {"lr": 0.01, "momentum": 0.9}},
                               {"name": "adam", "params": {"lr": 0.05}}]}  # fmt: skip
        mlp = {"kind": "mlp", "dataset": {"name": "uploaded", "id": ds["id"]},
               "model": {"hidden": [16, 16]}, "loss": "cross_entropy", "epochs": 50,
               "optimizers": [{"name": "sgd", "params": {"lr": 0.05}},
                              {"name": "adam", "params": {"lr": 0.01}}]}  # fmt: skip
        print(f"\nPOST /api/datasets of that file (multipart): {up * 1000:.1f} ms")
        print(
            "\nGET /api/runs/{id}/code, best of", args.repeat, "(ms; ratio to GET /api/runs/{id})"
        )
        for name, body in (("race", race), ("mlp (wine, 13 features)", mlp)):
            r = c.post("/api/runs?wait=true", json=body)
            if r.status_code != 201:
                raise SystemExit(f"{name}: {r.status_code} {r.text[:300]}")
            rid = r.json()["id"]
            get = best(lambda rid=rid: c.get(f"/api/runs/{rid}").raise_for_status(), args.repeat)
            for fw in ("pytorch", "keras"):
                url = f"/api/runs/{rid}/code?framework={fw}"
                t = best(lambda url=url: c.get(url).raise_for_status(), args.repeat)
                size = len(c.get(url).content)
                print(f"  {name:24s} {fw:8s} {t * 1000:7.1f} ms  ({size:,} bytes)"
                      f"  GET run {get * 1000:6.1f} ms  ratio {t / get:5.1f}×")  # fmt: skip


if __name__ == "__main__":
    main()
