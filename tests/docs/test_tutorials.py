"""The tutorials run as notebooks, and print what their text says they print.

Each ``docs/tutorials/*.py`` (jupytext percent format) is converted to a notebook and executed
in a fresh kernel, in an empty temporary working directory, on the small default data (the
digits or the synthetic images: ``LAYERWISE_TUTORIAL_FULL`` is unset). A tutorial passes when
every cell runs without an error or a warning, every cell ending in a ``plot_*`` call shows its
figure, nothing is written to the working directory, and the numbers it prints satisfy the
claims its markdown makes about them (listed in ``CLAIMS`` below).
"""

from __future__ import annotations

import ast
import re
import sys
from pathlib import Path

import pytest

jupytext = pytest.importorskip("jupytext", reason="the tutorials are jupytext scripts: pip install jupytext")
nbclient = pytest.importorskip("nbclient", reason="executing the tutorials needs nbclient: pip install nbclient")
nbformat = pytest.importorskip("nbformat", reason="nbclient's notebook format: pip install nbformat")
pytest.importorskip("ipykernel", reason="executing the tutorials needs a kernel: pip install ipykernel")
pytest.importorskip("matplotlib", reason="the tutorials draw plots: pip install matplotlib")

TUTORIALS = sorted((Path(__file__).resolve().parents[2] / "docs" / "tutorials").glob("*.py"))
NUM = r"([-+]?\d*\.?\d+(?:[eE][-+]?\d+)?)"

# name -> ({key: regex with one or more NUM groups}, [(claim, check(values))]). ``values[key]`` is the
# list of every match in the tutorial's printed output: floats for one group, tuples for several.
CLAIMS = {
    "two_layer_net": (
        {"layer": r"(?:affine d\w+|relu dx|softmax dscores): relative error " + NUM,
         "model": r"worst relative error \(floor 1e-3\): " + NUM,
         "initial loss": r"reg = 0\.0: loss " + NUM,
         "slow": r"lr=0\.01: best validation accuracy " + NUM,
         "tuned": r"lr=0\.3: best validation accuracy " + NUM},
        [("every layer's gradient agrees to 1e-7", lambda v: len(v["layer"]) == 5 and max(v["layer"]) < 1e-7),
         ("the model's gradients agree to 1e-6 with the floor", lambda v: v["model"][-1] < 1e-6),
         ("the initial loss is close to log 10", lambda v: abs(v["initial loss"][-1] - 2.3026) < 0.01),
         ("the too-small learning rate ends below 50%", lambda v: v["slow"][-1] < 0.5),
         ("the tuned net reaches about 97%", lambda v: v["tuned"][-1] > 0.94)],
    ),
    "fully_connected_nets": (
        {"model": r"worst relative error: " + NUM,
         "small init": r"weight_scale=0\.05: training accuracy " + NUM,
         "he init": r"weight_scale=he: training accuracy " + NUM,
         "formula": r"worst formula error: " + NUM,
         "rule": r"(sgd|sgd_momentum|rmsprop|adam)\s+final training loss \S+ best validation accuracy " + NUM},
        [("the model's gradients agree to 1e-6", lambda v: v["model"][-1] < 1e-6),
         ("He initialization memorizes the 50 examples", lambda v: v["he init"][-1] == 1.0),
         ("the small initialization barely learns", lambda v: v["small init"][-1] < 0.5),
         ("the rules compute their formulas", lambda v: v["formula"][-1] < 1e-12),
         ("sgd stays near chance, the others train",
          lambda v: _by_name(v["rule"])["sgd"] < 0.3
          and min(_by_name(v["rule"])[r] for r in ("sgd_momentum", "rmsprop", "adam")) > 0.85),
         ("rmsprop and adam end above 93%",
          lambda v: min(_by_name(v["rule"])[r] for r in ("rmsprop", "adam")) > 0.93)],
    ),
    "batch_normalization": (
        {"normalized": r"gamma=1, beta=0: mean \[([^\]]*)\]\s+std \[([^\]]*)\]",
         "layer": r"worst relative error: " + NUM,
         "graph vs closed": r"graph vs closed form, dx: " + NUM,
         "model": r"worst relative error over \d+ parameters: " + NUM,
         "baseline": r"baseline : best validation accuracy " + NUM,
         "batchnorm": r"batchnorm: best validation accuracy " + NUM,
         "scales": r"reaching 80% validation accuracy: baseline " + NUM + ", batchnorm " + NUM},
        [("train mode gives mean 0 and std 1",
          lambda v: _floats(v["normalized"][-1][0]) == [0, 0, 0] and _floats(v["normalized"][-1][1]) == [1, 1, 1]),
         ("both backward passes agree with the numbers", lambda v: v["layer"][-1] < 1e-8),
         ("the two backward passes agree with each other", lambda v: v["graph vs closed"][-1] < 1e-12),
         ("the batch-normalized net's gradients agree", lambda v: v["model"][-1] < 1e-6),
         ("batchnorm ends near 99%, the baseline near 40%",
          lambda v: v["batchnorm"][-1] > 0.95 and v["baseline"][-1] < 0.6),
         ("batchnorm trains at more weight scales", lambda v: v["scales"][-1][1] > v["scales"][-1][0] + 1)],
    ),
    "dropout": (
        {"zeros": r"zeros in train mode " + NUM + r" \(expected " + NUM + r"\), zeros in test mode " + NUM,
         "mean": r"input mean " + NUM + ", train-mode mean " + NUM,
         "layer": r"dropout dx: relative error " + NUM,
         "model": r"worst relative error: " + NUM,
         "train": r"keep \S+: final training accuracy " + NUM,
         "gain": r"gained by keeping half the units: " + NUM},
        [("about 1 - p of the units are dropped in train mode, none in test mode",
          lambda v: len(v["zeros"]) == 3 and all(abs(z - e) < 0.01 and t == 0 for z, e, t in v["zeros"])),
         ("the expected value is kept", lambda v: all(abs(a - b) < 0.05 for a, b in v["mean"])),
         ("the layer's gradient agrees", lambda v: v["layer"][-1] < 1e-8),
         ("the net's gradients agree with fixed masks", lambda v: v["model"][-1] < 1e-6),
         ("every run fits the training set", lambda v: len(v["train"]) == 3 and min(v["train"]) == 1.0),
         ("keeping half the units gains validation accuracy", lambda v: v["gain"][-1] > 0.03)],
    ),
    "convolutional_networks": (
        {"forward": r"forward: naive vs fast relative error " + NUM,
         "backward": r"backward: dx " + NUM + ", dw " + NUM + ", db " + NUM,
         "conv": r"conv (?:naive|fast): dx " + NUM + ", dw " + NUM + ", db " + NUM,
         "pool": r"max pool (?:naive|fast): dx relative error " + NUM,
         "spatial": r"spatial batchnorm: dx " + NUM + ", dgamma " + NUM + ", dbeta " + NUM,
         "model": r"worst relative error: " + NUM,
         "val": r"best validation accuracy: " + NUM},
        [("naive and fast agree", lambda v: v["forward"][-1] < 1e-12 and max(v["backward"][-1]) < 1e-12),
         ("both convolutions' gradients agree",
          lambda v: len(v["conv"]) == 2 and max(max(t) for t in v["conv"]) < 1e-7),
         ("both poolings' gradients agree", lambda v: len(v["pool"]) == 2 and max(v["pool"]) < 1e-8),
         ("spatial batchnorm's gradients agree", lambda v: max(v["spatial"][-1]) < 1e-6),
         ("the conv net's gradients agree", lambda v: v["model"][-1] < 1e-6),
         ("the conv net ends above 90%", lambda v: v["val"][-1] > 0.9)],
    ),
    "image_features": (
        {"pixels": r"SVM on grey pixels\s*: validation accuracy " + NUM,
         "hog": r"SVM on HOG\s*: validation accuracy " + NUM,
         "hue": r"SVM on hue histogram\s*: validation accuracy " + NUM,
         "both": r"SVM on HOG \+ hue\s*: validation accuracy " + NUM,
         "softmax": r"Softmax on HOG \+ hue: validation accuracy " + NUM,
         "net": r"two-layer net on HOG \+ hue: validation accuracy " + NUM},
        [("HOG beats raw pixels", lambda v: v["hog"][-1] > v["pixels"][-1] + 0.05),
         ("colour alone is better than chance but worse than HOG", lambda v: 0.2 < v["hue"][-1] < v["hog"][-1]),
         ("the combination beats either feature", lambda v: v["both"][-1] > max(v["hog"][-1], v["hue"][-1])),
         ("softmax reaches the SVM's accuracy", lambda v: abs(v["softmax"][-1] - v["both"][-1]) < 0.03),
         ("the net beats the best linear classifier", lambda v: v["net"][-1] > v["both"][-1])],
    ),
    "matrix_calculus": (
        {"each": r"(?m)^(?!one path).* relative error " + NUM + "$",
         "worst": r"worst relative error of the correct gradients: " + NUM,
         "wrong": r"relative error of the one-path mistake: " + NUM},
        [("four derivations are checked", lambda v: len(v["each"]) == 4),
         ("every correct gradient agrees to a few 1e-9", lambda v: v["worst"][-1] < 1e-8),
         ("the wrong gradient is caught", lambda v: v["wrong"][-1] > 0.1)],
    ),
}


def _by_name(matches):
    """[(name, value), ...] from a regex whose first group is a name (parsed as text, see _values)."""
    return {name: value for name, value in matches}


def _floats(text):
    return [float(t) for t in text.split()]


def _values(text, pattern):
    """Every match of ``pattern`` in ``text``: a float per match for one group, else a tuple (numbers as floats)."""
    def convert(group):
        try:
            return float(group)
        except ValueError:
            return group
    found = []
    for match in re.finditer(pattern, text):
        groups = [convert(g) for g in match.groups()]
        found.append(groups[0] if len(groups) == 1 else tuple(groups))
    return found


def _plot_cells(nb):
    """Indices of the code cells whose last statement is a call of a ``plot_*`` function (they show a figure)."""
    cells = []
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        body = ast.parse(cell.source).body
        last = body[-1] if body else None
        if (isinstance(last, ast.Expr) and isinstance(last.value, ast.Call)
                and isinstance(last.value.func, ast.Name) and last.value.func.id.startswith("plot_")):
            cells.append(i)
    return cells


@pytest.fixture(scope="module")
def kernel_env(tmp_path_factory):
    """The environment the notebooks' kernels start in.

    The kernelspec ``python3`` is pinned to this interpreter: ipykernel writes one (argv[0] =
    sys.executable) into a temporary prefix, and ``JUPYTER_PATH``, searched before every other
    location, points there, so a ``python3`` kernelspec of another Python (in the user's or the
    system's Jupyter folders) cannot shadow it.
    """
    from ipykernel.kernelspec import install
    from jupyter_client.kernelspec import KernelSpecManager

    prefix = tmp_path_factory.mktemp("jupyter")
    install(prefix=str(prefix), kernel_name="python3")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("JUPYTER_PATH", str(prefix / "share" / "jupyter"))
        mp.setenv("MPLBACKEND", "Agg")
        mp.setenv("IPYTHONDIR", str(tmp_path_factory.mktemp("ipython")))   # no history written to $HOME
        mp.delenv("LAYERWISE_TUTORIAL_FULL", raising=False)                # the small default data
        # The arrays are small: one BLAS thread per kernel beats several competing for shared cores.
        for name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
            mp.setenv(name, "1")
        spec = KernelSpecManager().get_kernel_spec("python3")
        assert Path(spec.argv[0]) == Path(sys.executable), spec.argv
        yield


def test_every_tutorial_has_claims():
    """A new tutorial must say here what it prints; a removed one must leave no stale entry."""
    assert TUTORIALS, "no tutorials found in docs/tutorials/"
    assert sorted(p.stem for p in TUTORIALS) == sorted(CLAIMS)


@pytest.mark.parametrize("path", TUTORIALS, ids=[p.stem for p in TUTORIALS])
def test_tutorial_runs_and_prints_what_it_claims(path, kernel_env, tmp_path):
    nb = jupytext.read(path)
    # One extra cell, dropped from the checks below: which interpreter ran the notebook.
    nb.cells.append(nbformat.v4.new_code_cell("import sys\nprint(sys.executable)"))
    nbclient.NotebookClient(nb, timeout=120, kernel_name="python3",
                            resources={"metadata": {"path": str(tmp_path)}}).execute()
    probe = nb.cells.pop()
    assert Path(probe.outputs[0]["text"].strip()) == Path(sys.executable)

    assert list(tmp_path.iterdir()) == [], "a tutorial wrote files into its working directory"
    streams = [out for cell in nb.cells if cell.cell_type == "code" for out in cell.outputs
               if out.output_type == "stream"]
    stderr = "".join(out.text for out in streams if out.name == "stderr")
    assert not stderr, f"{path.name} wrote to stderr (a warning?):\n{stderr}"
    for i in _plot_cells(nb):
        shown = [out for out in nb.cells[i].outputs if "image/png" in out.get("data", {})]
        assert shown, f"{path.name}: cell {i} ends with a plot call but shows no figure"

    stdout = "".join(out.text for out in streams if out.name == "stdout")
    patterns, claims = CLAIMS[path.stem]
    values = {key: _values(stdout, pattern) for key, pattern in patterns.items()}
    missing = [key for key, found in values.items() if not found]
    assert not missing, f"{path.name} no longer prints {missing}; its output was:\n{stdout}"
    failed = [claim for claim, check in claims if not check(values)]
    assert not failed, f"{path.name}: {failed} do not hold; it printed:\n{stdout}"
