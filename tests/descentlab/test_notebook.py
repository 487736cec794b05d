"""examples/quickstart.ipynb: committed without outputs, and it runs top to bottom (the
Client cell against a live server) with figures that hold data."""

from __future__ import annotations

from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")
pytest.importorskip("ipykernel")

from tests.descentlab.conftest import points  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOK = ROOT / "examples" / "quickstart.ipynb"
PLOTLY = "application/vnd.plotly.v1+json"


def test_the_committed_notebook_has_no_outputs():
    nb = nbformat.read(NOTEBOOK, as_version=4)
    nbformat.validate(nb)
    code = [cell for cell in nb.cells if cell.cell_type == "code"]
    assert code and all(not c.outputs and c.execution_count is None for c in code)


@pytest.fixture(scope="module")
def executed(base_url, tmp_path_factory):
    mp = pytest.MonkeyPatch()
    mp.setenv("DESCENTLAB_URL", base_url)  # the kernel inherits the environment
    try:
        nb = nbformat.read(NOTEBOOK, as_version=4)
        nbclient.NotebookClient(
            nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(ROOT)}}
        ).execute()  # raises CellExecutionError on a cell's error
    finally:
        mp.undo()
    nbformat.write(nb, tmp_path_factory.mktemp("nb") / "quickstart.executed.ipynb")
    return nb


def figures(nb) -> list[dict]:
    return [
        out["data"][PLOTLY]
        for cell in nb.cells
        if cell.cell_type == "code"
        for out in cell.outputs
        if PLOTLY in out.get("data", {})
    ]


def test_the_notebook_runs_without_errors(executed):
    outputs = [o for cell in executed.cells if cell.cell_type == "code" for o in cell.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    text = "".join(o.get("text", "") for o in outputs if o.output_type == "stream")
    assert "no server" not in text  # the Client cell ran against the live server
    assert "optimizers.0.params.lr" in text  # the refused request named its field


def test_every_figure_of_the_notebook_holds_data(executed):
    figs = figures(executed)
    assert len(figs) == 6  # race paths and loss, MLP loss and boundary, own data, remote
    for fig in figs:
        assert sum(points(t) for t in fig["data"]) > 0
    race, loss, mlp_loss, boundary, own, remote = figs
    assert race["data"][0]["type"] == "contour" and points(race["data"][0]) == 160 * 160
    paths = [t for t in race["data"] if t.get("mode") == "lines"]
    assert len(paths) == 2 and all(points(t) == 301 for t in paths)
    assert all(points(t) == 301 for t in loss["data"] if t.get("mode") == "lines")
    assert [t for t in mlp_loss["data"] if t.get("mode") == "lines"]
    for fig in (boundary, own):
        heat = [t for t in fig["data"] if t["type"] == "heatmap"]
        assert heat and all(points(t) == 40 * 40 for t in heat)
    assert remote["data"][0]["type"] == "contour"
    assert [t for t in remote["data"] if t.get("mode") == "lines" and points(t) == 401]
