"""Every bad input gets one clear line: a table of what users get wrong, each row with its exact message.

The command-line rows check the whole contract: exit status 2, exactly one line on
stderr (``layerwise CMD: error: MESSAGE``), nothing on stdout, no traceback, and no run
folder left behind.  The Python rows check the exception type and its one-line message.
A message ending in ``...`` is compared up to there (the rest lists every known key).
"""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from layerwise import layers, load_model, optim
from layerwise.classifiers.cnn import ThreeLayerConvNet
from layerwise.classifiers.fc_net import FullyConnectedNet, TwoLayerNet
from layerwise.cli import main
from layerwise.data import load_CIFAR10
from layerwise.solver import Solver

KNOWN_KEYS = ("known keys: dataset, model, hidden_dims, normalization, dropout_keep_ratio, weight_scale, reg, "
              "blocks, update_rule, learning_rate, lr_decay, lr_schedule, batch_size, num_epochs, num_iterations, "
              "augment, patience, num_training, seed, data_root, out_dir, name")
INT1 = "must be an integer >= 1"

# Files the rows refer to as {tmp}/NAME.
FILES = {
    "settings.ini": "[train]\nreg = 1\n",
    "twice.yaml": "reg: 0.1\nreg: 0.2\n",
    "twice.json": '{"reg": 0.1, "reg": 0.2}',
    "list.yaml": "- reg\n- 0.1\n",
    "broken.json": '{"reg": }',
    "broken.toml": "reg = \n",
    "typo.yaml": "learning_rat: 0.1\n",
    "wrong_type.toml": 'batch_size = "many"\n',
    "python_tag.yaml": "reg: !!python/object/apply:os.system ['touch {tmp}/ran']\n",
    "image.png": "not a picture",
}
SWEEP = "trials: 2\nsearch:\n  reg: {type: uniform, low: 0, high: 1}\n"
SWEEPS = {
    "trails.yaml": SWEEP.replace("trials", "trails"),
    "gaussian.yaml": SWEEP.replace("uniform", "gaussian"),
    "low_high.yaml": SWEEP.replace("low: 0, high: 1", "low: 1, high: 0"),
    "log_zero.yaml": SWEEP.replace("uniform", "loguniform"),
    "step.yaml": SWEEP.replace("high: 1", "high: 1, step: 2"),
    "search_typo.yaml": SWEEP.replace("reg:", "learnin_rate:"),
    "base_bad.yaml": "trials: 2\nbase:\n  batch_size: 0\n" + SWEEP[len("trials: 2\n"):],
    "base_typo.yaml": "trials: 2\nbase:\n  epochz: 3\n" + SWEEP[len("trials: 2\n"):],
    "base_name.yaml": "trials: 2\nbase:\n  name: x\n" + SWEEP[len("trials: 2\n"):],
    "no_values.yaml": "trials: 2\nsearch:\n  hidden_dims: {type: choice, values: []}\n",
    "no_search.yaml": "trials: 2\n",
    "bayes.yaml": "method: bayes\n" + SWEEP,
    "loss.yaml": "metric: loss\n" + SWEEP,
    "zero_trials.yaml": SWEEP.replace("trials: 2", "trials: 0"),
    "no_trials.yaml": SWEEP.replace("trials: 2\n", ""),
    "grid.yaml": "method: grid\n" + SWEEP.replace("trials: 2\n", ""),
    "int_float.yaml": "trials: 2\nsearch:\n  batch_size: {type: int, low: 1.5, high: 8}\n",
    "number.yaml": "trials: 2\nsearch:\n  reg: 3\n",
    "good.yaml": SWEEP,
}


def s(*pairs):
    """``train --set k=v ...``"""
    return ["train", *[arg for pair in pairs for arg in ("--set", pair)]]


TRAIN = [
    # counts
    (s("num_training=0"), f"num_training {INT1} or None, got 0"),
    (s("num_training=-5"), f"num_training {INT1} or None, got -5"),
    (s("num_training=2.5"), "config key 'num_training' expects int or null; got 2.5 (float)"),
    (s("num_training=true"), "config key 'num_training' expects int or null; got True (bool)"),
    (s("batch_size=0"), f"batch_size {INT1}, got 0"),
    (s("batch_size=-1"), f"batch_size {INT1}, got -1"),
    (s("batch_size=1.5"), "config key 'batch_size' expects int; got 1.5 (float)"),
    (s("batch_size=big"), "config key 'batch_size' expects int; got 'big' (str)"),
    (s("num_epochs=0"), f"num_epochs {INT1} or None, got 0"),
    (s("num_epochs=-3"), f"num_epochs {INT1} or None, got -3"),
    (s("num_epochs=2.0"), "config key 'num_epochs' expects int or null; got 2.0 (float)"),
    (s("num_iterations=0"), f"num_iterations {INT1} or None, got 0"),
    (s("num_epochs=2", "num_iterations=5"), "give num_epochs or num_iterations, not both"),
    (s("patience=0"), f"patience {INT1} or None, got 0"),
    (s("seed=-1"), "seed must be an integer >= 0, got -1"),
    (s("seed=1.5"), "config key 'seed' expects int; got 1.5 (float)"),
    # strengths and rates
    (s("reg=-1"), "reg must be a non-negative finite number; got -1.0"),
    (s("reg=nan"), "reg must be a non-negative finite number; got nan"),
    (s("reg=inf"), "reg must be a non-negative finite number; got inf"),
    (s("reg=abc"), "config key 'reg' expects float; got 'abc' (str)"),
    (s("weight_scale=-1"), "weight_scale must be a positive number, 'he' or 'xavier'; got -1.0"),
    (s("weight_scale=0"), "weight_scale must be a positive number, 'he' or 'xavier'; got 0.0"),
    (s("weight_scale=kaiming"), "weight_scale must be a positive number, 'he' or 'xavier'; got 'kaiming'"),
    (s("weight_scale=inf"), "weight_scale must be a positive number, 'he' or 'xavier'; got inf"),
    (s("learning_rate=0"), "learning_rate must be a positive finite number; got 0.0"),
    (s("learning_rate=-1e-3"), "learning_rate must be a positive finite number; got -0.001"),
    (s("learning_rate=nan"), "learning_rate must be a positive finite number; got nan"),
    (s("learning_rate=[1]"), "config key 'learning_rate' expects float; got [1] (list)"),
    (s("lr_decay=0"), "lr_decay must be a positive finite number; got 0.0"),
    (s("lr_decay=-0.5"), "lr_decay must be a positive finite number; got -0.5"),
    (s("lr_schedule=linear"), "lr_schedule must be one of step, step_iterations, cosine, warmup, triangular or null; got 'linear'"),
    (s("lr_schedule=cosine", "lr_decay=0.9"),
     "give lr_decay or lr_schedule, not both (a schedule sets the learning rate itself)"),
    (s("dropout_keep_ratio=0"), "dropout_keep_ratio (the probability of keeping a unit) must be in (0, 1]; got 0.0"),
    (s("dropout_keep_ratio=1.5"), "dropout_keep_ratio (the probability of keeping a unit) must be in (0, 1]; got 1.5"),
    (s("dropout_keep_ratio=-0.2"),
     "dropout_keep_ratio (the probability of keeping a unit) must be in (0, 1]; got -0.2"),
    # sizes
    (s("hidden_dims=[1.5]"), f"every entry of hidden_dims {INT1}, got 1.5"),
    (s("hidden_dims=[]"), "hidden_dims must list at least one layer size for model 'fc'; got []"),
    (s("hidden_dims=[0]"), f"every entry of hidden_dims {INT1}, got 0"),
    (s("hidden_dims=[-4]"), f"every entry of hidden_dims {INT1}, got -4"),
    (s("hidden_dims=[true]"), f"every entry of hidden_dims {INT1}, got True"),
    (s("hidden_dims=64"), "config key 'hidden_dims' expects list; got 64 (int)"),
    (s("hidden_dims=[1000000000]"), "the fc model with hidden_dims=[1000000000] has 75,000,000,010 parameters, "
                                    "about 1,118 GiB to train, but this machine has ..."),
    (["train", "--model", "two_layer", "--set", "hidden_dims=[]"],
     "hidden_dims must list at least one layer size for model 'two_layer'; got []"),
    (["train", "--model", "two_layer", "--set", "hidden_dims=[10,20]"],
     "model 'two_layer' has one hidden layer: hidden_dims takes one size, got [10, 20]"),
    # choices
    (s("normalization=groupnorm"), "normalization must be one of (None, 'batchnorm', 'layernorm'), got 'groupnorm'"),
    (s("update_rule=lbfgs"), "unknown update rule 'lbfgs'; expected one of sgd, sgd_momentum, sgd_nesterov_momentum, "
                             "adagrad, rmsprop, adam, adamw or a callable rule(w, dw, config) -> (next_w, config)"),
    (s("update_rule=3"), "config key 'update_rule' expects str; got 3 (int)"),
    (s("dataset=mnist"), "dataset must be one of digits, cifar10, cifar100; got 'mnist'"),
    (s("model=resnet"), "model must be one of fc, two_layer, cnn, three_layer_cnn; got 'resnet'"),
    (s("augment=maybe"), "config key 'augment' expects bool; got 'maybe' (str)"),
    # keys and the --set syntax
    (s("learnin_rate=1e-3"), f"unknown config key 'learnin_rate' (did you mean 'learning_rate'?); {KNOWN_KEYS}"),
    (s("lr=0.1"), f"unknown config key 'lr' (did you mean 'learning_rate'?); {KNOWN_KEYS}"),
    (s("given=1"), f"unknown config key 'given'; {KNOWN_KEYS}"),
    (s("num_training"), "--set expects key=value, got 'num_training'"),
    (s("=3"), "--set expects key=value, got '=3'"),
    (s("hidden_dims=[1, 2"), "could not parse the value '[1, 2': ..."),
    # names that would leave out_dir
    (["train", "--name", "../x"], "name must be a plain folder name inside out_dir (no '/' or '..'); got '../x'"),
    (["train", "--name", "a/b"], "name must be a plain folder name inside out_dir (no '/' or '..'); got 'a/b'"),
    (["train", "--name", ".."], "name must be a plain folder name inside out_dir (no '/' or '..'); got '..'"),
    (["train", "--name", ""], "name must be a plain folder name inside out_dir (no '/' or '..'); got ''"),
    # keys of another model, convolutional blocks
    (["train", "--model", "fc", "--set", "blocks=[32]"],
     "blocks does not apply to model 'fc' (it is used by cnn, three_layer_cnn); remove it or choose one of those "
     "models"),
    (["train", "--model", "two_layer", "--set", "normalization=layernorm"],
     "normalization does not apply to model 'two_layer' (it is used by fc, cnn); remove it or choose one of those "
     "models"),
    (["train", "--model", "cnn", "--set", "blocks=[]"], "blocks must list numbers of filters and 'pool'; got []"),
    (["train", "--model", "cnn", "--set", "blocks=[32, 'avg']"],
     f"every entry of blocks (a number of filters, or 'pool') {INT1}, got 'avg'"),
    (["train", "--model", "cnn", "--set", 'blocks=[0, "pool"]'],
     f"every entry of blocks (a number of filters, or 'pool') {INT1}, got 0"),
    (["train", "--model", "cnn", "--set", "blocks=[2.5]"],
     f"every entry of blocks (a number of filters, or 'pool') {INT1}, got 2.5"),
    (["train", "--model", "cnn", "--set", "blocks=32"], "config key 'blocks' expects list or null; got 32 (int)"),
    (["train", "--model", "cnn", "--set", "normalization=layernorm"],
     "normalization must be None or 'batchnorm', got 'layernorm'"),
    (["train", "--model", "three_layer_cnn", "--set", "blocks=[16, 32]"],
     "model 'three_layer_cnn' has one convolution: blocks takes one number of filters, e.g. [32]; got [16, 32]"),
    # data and config files
    (["train", "--dataset", "cifar10", "--data-root", "{tmp}/nowhere"],
     "CIFAR-10 not found. Data root {tmp}/nowhere comes from the root argument; looked for: {tmp}/nowhere (does "
     "not exist). Fix: set LAYERWISE_DATA to the folder holding cifar-10-python.tar.gz, pass root=..., or call "
     "layerwise.data.download_cifar10(root) to fetch it (163 MB)."),
    (["train", "--config", "{tmp}/missing.yaml"], "config file {tmp}/missing.yaml does not exist"),
    (["train", "--config", "{tmp}/settings.ini"], "config file {tmp}/settings.ini must end in .yaml, .yml, .toml or .json"),
    (["train", "--config", "{tmp}/twice.yaml"],
     "config file {tmp}/twice.yaml could not be parsed: key 'reg' is given twice (line 1)"),
    (["train", "--config", "{tmp}/twice.json"], "config file {tmp}/twice.json could not be parsed: key 'reg' is given twice"),
    (["train", "--config", "{tmp}/list.yaml"],
     "config file {tmp}/list.yaml must hold a mapping of keys to values, got list"),
    (["train", "--config", "{tmp}/broken.json"],
     "config file {tmp}/broken.json could not be parsed: Expecting value: line 1 column 9 (char 8)"),
    (["train", "--config", "{tmp}/broken.toml"],
     "config file {tmp}/broken.toml could not be parsed: Invalid value (at line 1, column 7)"),
    (["train", "--config", "{tmp}/typo.yaml"],
     f"unknown config key 'learning_rat' (did you mean 'learning_rate'?); {KNOWN_KEYS}"),
    (["train", "--config", "{tmp}/wrong_type.toml"], "config key 'batch_size' expects int; got 'many' (str)"),
    (["train", "--config", "{tmp}/python_tag.yaml"],
     "config file {tmp}/python_tag.yaml could not be parsed: could not determine a constructor for the tag "
     "'tag:yaml.org,2002:python/object/apply:os.system' ..."),
]

FOLDERS = [
    (["evaluate", "{tmp}/nowhere"], "{tmp}/nowhere is not a run directory: {tmp}/nowhere/config.json is missing"),
    (["evaluate", "{tmp}"], "{tmp} is not a run directory: {tmp}/config.json is missing"),
    (["evaluate", "{tmp}/settings.ini"],
     "{tmp}/settings.ini is not a run directory: {tmp}/settings.ini/config.json is missing"),
    (["resume", "{tmp}/nowhere"], "{tmp}/nowhere is not a run directory: {tmp}/nowhere/config.json is missing"),
    (["resume", "{tmp}"], "{tmp} is not a run directory: {tmp}/config.json is missing"),
    (["predict", "{tmp}/nowhere", "{tmp}/image.png"], "no such model file or run directory: {tmp}/nowhere"),
    (["predict", "{tmp}", "{tmp}/image.png"],
     "{tmp} holds no model.npz: a run directory has one once its run has finished (`layerwise resume {tmp}` "
     "finishes an interrupted run)"),
    (["predict", "{tmp}/image.png", "{tmp}/image.png"],
     "{tmp}/image.png is not a layerwise file or is corrupt or truncated (it is not an .npz archive)"),
]

SWEEP_ROWS = [
    (["sweep", "--config", "{tmp}/missing.yaml"], "sweep file {tmp}/missing.yaml does not exist"),
    (["sweep", "--config", "{tmp}/list.yaml"], "sweep file {tmp}/list.yaml must hold a mapping of keys to values, "
                                               "got list"),
    (["sweep", "--config", "{tmp}/trails.yaml"], "sweep file {tmp}/trails.yaml: unknown key 'trails' (did you mean "
     "'trials'?); known keys: name, out_dir, method, trials, metric, seed, base, search"),
    (["sweep", "--config", "{tmp}/gaussian.yaml"], "sweep file {tmp}/gaussian.yaml: search: reg: type must be one of "
     "loguniform, uniform, int, choice; got 'gaussian'"),
    (["sweep", "--config", "{tmp}/low_high.yaml"],
     "sweep file {tmp}/low_high.yaml: search: reg: uniform needs low < high, got low=1, high=0"),
    (["sweep", "--config", "{tmp}/log_zero.yaml"],
     "sweep file {tmp}/log_zero.yaml: search: reg: loguniform needs low > 0, got 0"),
    (["sweep", "--config", "{tmp}/step.yaml"],
     "sweep file {tmp}/step.yaml: search: reg: unknown option(s) 'step' for type uniform; it takes high, low, num"),
    (["sweep", "--config", "{tmp}/search_typo.yaml"], "sweep file {tmp}/search_typo.yaml: search: learnin_rate: "
     f"unknown config key 'learnin_rate' (did you mean 'learning_rate'?); {KNOWN_KEYS}"),
    (["sweep", "--config", "{tmp}/base_bad.yaml"],
     f"sweep file {{tmp}}/base_bad.yaml: base: batch_size {INT1}, got 0"),
    (["sweep", "--config", "{tmp}/base_typo.yaml"], "sweep file {tmp}/base_typo.yaml: base: unknown config key "
     f"'epochz' (did you mean 'num_epochs'?); {KNOWN_KEYS}"),
    (["sweep", "--config", "{tmp}/base_name.yaml"], "sweep file {tmp}/base_name.yaml: base: 'name' is set by the "
     "sweep (trials are OUT_DIR/NAME/trial-NNNN); set out_dir and name at the top level of the sweep file"),
    (["sweep", "--config", "{tmp}/no_values.yaml"],
     "sweep file {tmp}/no_values.yaml: search: hidden_dims: choice needs a non-empty list 'values', got []"),
    (["sweep", "--config", "{tmp}/no_search.yaml"], "sweep file {tmp}/no_search.yaml: search must be a non-empty "
     "mapping of TrainConfig keys to distributions, e.g. learning_rate: {type: loguniform, low: 1.0e-4, high: 1.0e-2}"),
    (["sweep", "--config", "{tmp}/bayes.yaml"],
     "sweep file {tmp}/bayes.yaml: method must be one of random, grid, tpe; got 'bayes'"),
    (["sweep", "--config", "{tmp}/loss.yaml"],
     "sweep file {tmp}/loss.yaml: metric must be one of best_val_acc (maximized); got 'loss'"),
    (["sweep", "--config", "{tmp}/zero_trials.yaml"],
     "sweep file {tmp}/zero_trials.yaml: trials must be a positive integer, got 0"),
    (["sweep", "--config", "{tmp}/no_trials.yaml"],
     "sweep file {tmp}/no_trials.yaml: trials is required for method tpe (how many trials to run in all)"),
    (["sweep", "--config", "{tmp}/grid.yaml"], "sweep file {tmp}/grid.yaml: search: reg: grid search needs a finite "
     "set of values: add 'num: K' (K points from low to high) or use type 'choice' with 'values'"),
    (["sweep", "--config", "{tmp}/int_float.yaml"],
     "sweep file {tmp}/int_float.yaml: search: batch_size: type int needs integers low <= high, got low=1.5, high=8"),
    (["sweep", "--config", "{tmp}/number.yaml"], "sweep file {tmp}/number.yaml: search: reg: expected a mapping such "
     "as {type: loguniform, low: 1.0e-4, high: 1.0e-2}, got 3"),
    (["sweep", "--config", "{tmp}/good.yaml", "--workers", "0"], "--workers must be a positive integer, got 0"),
    (["sweep", "--config", "{tmp}/good.yaml", "--trials", "0"], "--trials must be a positive integer, got 0"),
    (["sweep", "--config", "{tmp}/good.yaml", "--storage", "nosuch://x"],
     "cannot open the study storage nosuch://x: ..."),
    (["experiment", "nosuch"], None),     # argparse-style exit with the list of experiments (below)
]


def _id(argv):
    return " ".join(argv).replace("{tmp}/", "")[:70]


def _write_files(tmp):
    for name, text in {**FILES, **SWEEPS}.items():
        (tmp / name).write_text(text.replace("{tmp}", str(tmp)))


def _matches(line, expected):
    if expected.endswith("..."):
        return line.startswith(expected[:-3])
    return line == expected


@pytest.mark.parametrize("argv, message", [pytest.param(a, m, id=_id(a)) for a, m in TRAIN + FOLDERS + SWEEP_ROWS
                                           if m is not None])
def test_a_bad_command_line_gets_one_line_and_leaves_nothing(tmp_path, monkeypatch, capsys, argv, message):
    pytest.importorskip("yaml")
    monkeypatch.chdir(tmp_path)
    _write_files(tmp_path)
    argv = [a.replace("{tmp}", str(tmp_path)) for a in argv]
    out_dir = tmp_path / "out"
    if argv[0] == "train":
        argv += ["--quiet", "--out-dir", str(out_dir)]
    before = sorted(p.name for p in tmp_path.iterdir())

    assert main(argv) == 2
    captured = capsys.readouterr()
    lines = captured.err.splitlines()
    assert len(lines) == 1 and captured.out == "", captured
    prefix = f"layerwise {argv[0]}: error: "
    assert lines[0].startswith(prefix), lines[0]
    assert _matches(lines[0][len(prefix):], message.replace("{tmp}", str(tmp_path))), lines[0]
    assert sorted(p.name for p in tmp_path.iterdir()) == before       # no run folder, no sweep folder
    assert not (tmp_path / "ran").exists()


def test_an_unknown_experiment_is_named_with_the_available_ones(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["experiment", "nosuch"])
    assert str(exit_info.value.code).startswith("layerwise experiment: unknown experiment 'nosuch'; available: ")
    assert "two_layer_net" in str(exit_info.value.code)


@pytest.mark.parametrize("argv", [s("num_training=0"), ["evaluate", "nowhere"], s("hidden_dims=[1000000000]")],
                         ids=_id)
def test_a_real_process_prints_one_line_and_exits_2(tmp_path, argv):
    result = subprocess.run([sys.executable, "-m", "layerwise", *argv], cwd=tmp_path, capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 2, result
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr, result.stderr
    assert list(tmp_path.iterdir()) == []


# --------------------------------------------------------------------------- the Python API

RNG = np.random.default_rng(0)
X = RNG.standard_normal((20, 3, 8, 8))
Y = RNG.integers(0, 10, 20)
DATA = dict(X_train=X, y_train=Y, X_val=X[:5], y_val=Y[:5])


def _net():
    return FullyConnectedNet([10], input_dim=192, num_classes=10)


def _solver(data=None, **kwargs):
    return Solver(_net(), DATA if data is None else data, verbose=False, **kwargs)


def _conv(x, w, stride=1, pad=1):
    return layers.conv_forward_naive(np.zeros(x), np.zeros(w), np.zeros(w[0]), {"stride": stride, "pad": pad})


def _pool(x, stride=2):
    return layers.max_pool_forward_naive(np.zeros(x), {"pool_height": 2, "pool_width": 2, "stride": stride})


TILING = ("{f}: windows of height {k} with stride {s} do not tile an input of height {h} with pad 0: "
          "(height + 2*pad - window) = {r} is not a multiple of {s}; change the pad, stride or input size so that it is")

API = [
    # layers
    (lambda: layers.affine_forward(np.zeros((2, 5)), np.zeros((4, 3)), np.zeros(3)),
     "affine_forward: x (2, 5) flattens to 5 features per example but w expects D = 4 (w (4, 3))"),
    (lambda: layers.affine_forward(np.zeros((2, 4)), np.zeros((4, 3)), np.zeros(2)),
     "affine_forward: expected w (D, M) and b (M,), got w (4, 3) and b (2,)"),
    (lambda: layers.relu_backward(np.zeros((1, 3)), np.zeros((2, 3))),
     "relu_backward: dout has shape (1, 3) but the forward input had (2, 3)"),
    (lambda: layers.softmax_loss(np.zeros((2, 3)), np.array([0, 3])),
     "softmax_loss: labels must lie in [0, 2] for 3 classes, got values from 0 to 3"),
    (lambda: layers.softmax_loss(np.zeros((2, 3)), np.array([0.5, 1])),
     "softmax_loss: labels must be integers, got dtype float64"),
    (lambda: layers.softmax_loss(np.zeros((2, 3)), np.array([0, 1, 2])),
     "softmax_loss: labels must have shape (2,) to match scores (2, 3), got (3,)"),
    (lambda: layers.svm_loss(np.zeros((2, 3)), np.array([0, -1])),
     "svm_loss: labels must lie in [0, 2] for 3 classes, got values from -1 to 0"),
    (lambda: layers.dropout_forward(np.zeros((2, 3)), {"mode": "train", "p": 0}),
     "dropout_forward: p is the probability of keeping a unit and must be in (0, 1], got 0. Use p=1 for no dropout."),
    (lambda: layers.dropout_forward(np.zeros((2, 3)), {"mode": "train", "p": 1.5}),
     "dropout_forward: p is the probability of keeping a unit and must be in (0, 1], got 1.5. Use p=1 for no "
     "dropout."),
    (lambda: layers.dropout_forward(np.zeros((2, 3)), {"mode": "eval", "p": 0.5}),
     "dropout_forward: mode must be 'train' or 'test', got 'eval'"),
    (lambda: layers.batchnorm_forward(np.zeros((2, 3)), np.ones(3), np.zeros(3), {"mode": "test2"}),
     "batchnorm_forward: bn_param['mode'] must be 'train' or 'test', got 'test2'"),
    (lambda: layers.batchnorm_forward(np.zeros((2, 3)), np.ones(4), np.zeros(3), {"mode": "train"}),
     "batchnorm_forward: gamma and beta must have shape (3,), got (4,) and (3,)"),
    (lambda: _conv((1, 1, 4, 4), (1, 1, 3, 3), stride=0),
     "conv_forward_naive: conv_param['stride'] must be an integer >= 1, got 0"),
    (lambda: _conv((1, 1, 4, 4), (1, 1, 3, 3), pad=-1),
     "conv_forward_naive: conv_param['pad'] must be an integer >= 0, got -1"),
    (lambda: _conv((1, 2, 4, 4), (1, 1, 3, 3)),
     "conv_forward_naive: x has 2 channels (layout (N, C, H, W)) but w (1, 1, 3, 3) expects 1; w must have shape "
     "(F, C, HH, WW) with C the number of input channels"),
    (lambda: _conv((1, 1, 4, 4), (1, 1, 3, 3), stride=2, pad=0),
     TILING.format(f="conv_forward_naive", k=3, s=2, h=4, r=1)),
    (lambda: _conv((1, 4, 4), (1, 1, 3, 3)), "conv_forward_naive: x must be a 4-D array (N, C, H, W), got shape (1, 4, 4)"),
    (lambda: _pool((1, 1, 5, 5)), TILING.format(f="max_pool_forward_naive", k=2, s=2, h=5, r=3)),
    (lambda: _pool((1, 1, 4, 4), stride=0), "max_pool_forward_naive: pool_param['stride'] must be an integer >= 1, got 0"),
    # models
    (lambda: FullyConnectedNet([1.5]), f"FullyConnectedNet: every entry of hidden_dims {INT1}, got 1.5"),
    (lambda: FullyConnectedNet([0]), f"FullyConnectedNet: every entry of hidden_dims {INT1}, got 0"),
    (lambda: FullyConnectedNet([10], reg=-1), "FullyConnectedNet: reg must be a finite number >= 0, got -1"),
    (lambda: FullyConnectedNet([10], reg=float("nan")), "FullyConnectedNet: reg must be a finite number >= 0, got nan"),
    (lambda: FullyConnectedNet([10], weight_scale=-1), "weight_scale must be a positive number, 'he' or 'xavier'; got -1"),
    (lambda: FullyConnectedNet([10], weight_scale="kaiming"),
     "weight_scale must be a positive number, 'he' or 'xavier'; got 'kaiming'"),
    (lambda: FullyConnectedNet([10], dtype=np.int32),
     "FullyConnectedNet: dtype must be a floating-point type such as np.float32 or np.float64, got int32"),
    (lambda: FullyConnectedNet([10], num_classes=0), f"FullyConnectedNet: num_classes {INT1}, got 0"),
    (lambda: FullyConnectedNet([10], normalization="group"),
     "normalization must be one of (None, 'batchnorm', 'layernorm'), got 'group'"),
    (lambda: FullyConnectedNet([10], dropout_keep_ratio=0),
     "dropout_keep_ratio is the probability of keeping a unit and must be in (0, 1], got 0; use 1 for no dropout"),
    (lambda: _net().loss(np.zeros((2, 5))),
     "affine_forward: x (2, 5) flattens to 5 features per example but w expects D = 192 (w (192, 10))"),
    (lambda: _net().loss(np.zeros((2, 192)), np.array([0, 10])),
     "softmax_loss: labels must lie in [0, 9] for 10 classes, got values from 0 to 10"),
    (lambda: TwoLayerNet(reg=-1), "TwoLayerNet: reg must be a finite number >= 0, got -1"),
    (lambda: TwoLayerNet(hidden_dim=0), f"TwoLayerNet: every entry of hidden_dims {INT1}, got 0"),
    (lambda: ThreeLayerConvNet(reg=-1), "ConvNet: reg must be a finite number >= 0, got -1"),
    (lambda: ThreeLayerConvNet(dtype=np.int64),
     "ConvNet: dtype must be a floating-point type such as np.float32 or np.float64, got int64"),
    (lambda: ThreeLayerConvNet(num_filters=0), "blocks: numbers of filters must be positive, got 0"),
    (lambda: ThreeLayerConvNet(filter_size=4), "ConvNet: filter_size must be an odd integer >= 1 (the padding "
     "(filter_size - 1) // 2 keeps the height and width only for odd sizes), got 4"),
    (lambda: ThreeLayerConvNet(input_dim=(32, 32)), "input_dim must be (C, H, W), got (32, 32)"),
    (lambda: ThreeLayerConvNet(hidden_dim=1.5), f"ConvNet: every entry of hidden_dims {INT1}, got 1.5"),
    (lambda: ThreeLayerConvNet(num_classes=0), f"ConvNet: num_classes {INT1}, got 0"),
    # the Solver and its update rules
    (lambda: _solver(optim_config={"learning_rate": -1}), "sgd: learning_rate must be a finite number >= 0, got -1"),
    (lambda: _solver(optim_config={"learning_rate": "big"}),
     "sgd: learning_rate must be a finite number >= 0, got 'big'"),
    (lambda: _solver(update_rule="adam", optim_config={"beta1": 1.5}), "adam: beta1 must be a number in [0, 1), got 1.5"),
    (lambda: _solver(update_rule="adam", optim_config={"epsilon": 0}), "adam: epsilon must be a finite number > 0, got 0"),
    (lambda: _solver(update_rule="sgd_momentum", optim_config={"momentum": 1.0}),
     "sgd_momentum: momentum must be a number in [0, 1), got 1.0"),
    (lambda: _solver(update_rule="rmsprop", optim_config={"decay_rate": -0.1}),
     "rmsprop: decay_rate must be a number in [0, 1), got -0.1"),
    (lambda: _solver(update_rule="adamw", optim_config={"weight_decay": -1e-4}),
     "adamw: weight_decay must be a finite number >= 0, got -0.0001"),
    (lambda: _solver(optim_config={"learnin_rate": 1e-3}), "sgd: unknown config key 'learnin_rate' (did you mean "
     "'learning_rate'?); known keys: learning_rate (keys starting with '_' are scratch space)"),
    (lambda: _solver(update_rule="lbfgs"), "unknown update rule 'lbfgs'; expected one of sgd, sgd_momentum, "
     "sgd_nesterov_momentum, adagrad, rmsprop, adam, adamw or a callable rule(w, dw, config) -> (next_w, config)"),
    (lambda: _solver(batch_size=0), f"batch_size {INT1}, got 0"),
    (lambda: _solver(num_epochs=-1), "num_epochs must be an integer >= 0, got -1"),
    (lambda: _solver(print_every=0), f"print_every {INT1}, got 0"),
    (lambda: _solver(lr_decay=0), "lr_decay must be a positive number, got 0"),
    (lambda: _solver(learning_rate=1e-3), "Unrecognized arguments 'learning_rate' for Solver; accepted: ..."),
    (lambda: _solver(lr_schedule="linear"), "unknown learning-rate schedule 'linear'; expected one of step, "
     "step_iterations, cosine, warmup, triangular or a callable (iteration, epoch, base_lr) -> lr"),
    (lambda: _solver(on_divergence="ignore"), "on_divergence must be 'stop' or 'raise', got 'ignore'"),
    (lambda: _solver({k: v for k, v in DATA.items() if k != "X_val"}),
     "data is missing X_val; the Solver needs a dict with X_train, y_train, X_val, y_val (and optionally X_test, "
     "y_test)"),
    (lambda: _solver({**DATA, "y_val": Y[:5] + 10}), "y_val holds labels up to ..."),
    (lambda: _solver({**DATA, "y_train": Y - 5}), "y_train holds negative labels (min -5); class labels must be 0..C-1"),
    (lambda: _solver({**DATA, "y_train": Y[:3]}), "X_train has 20 examples (shape (20, 3, 8, 8)) but y_train has "
     "shape (3,); expected a 1-D label array with one label per example"),
    (lambda: _solver({**DATA, "X_train": X * np.nan}), "X_train contains NaN or inf values (20 examples, the first at "
     "index 0); remove or repair them before training"),
    (lambda: _solver({**DATA, "y_train": Y + 0.5}), "y_train must hold integer class labels, got dtype float64; "
     "convert with y_train.astype(np.int64)"),
    # files
    (lambda: load_model("/nonexistent/model.npz"), "no such model file or run directory: /nonexistent/model.npz"),
    (lambda: load_CIFAR10("/nonexistent"), "CIFAR-10 not found. Data root /nonexistent comes from the root "
     "argument; looked for: /nonexistent (does not exist). ..."),
]


@pytest.mark.parametrize("call, message", [pytest.param(c, m, id=m[:60]) for c, m in API])
def test_a_bad_argument_gets_one_line(call, message):
    with pytest.raises((ValueError, FileNotFoundError)) as info:
        call()
    text = str(info.value)
    assert "\n" not in text and _matches(text, message), text


def test_the_labels_of_the_validation_set_name_the_fix():
    with pytest.raises(ValueError) as info:
        _solver({**DATA, "y_val": Y[:5] + 10})
    top = int((Y[:5] + 10).max())
    assert str(info.value) == (f"y_val holds labels up to {top} but the model scores 10 classes (labels 0..9); "
                               f"build the model with num_classes={top + 1} or fix the labels")


def test_the_table_is_large():
    assert len(TRAIN) + len(FOLDERS) + len(SWEEP_ROWS) - 1 + len(API) >= 150


def test_functional_rules_trust_their_config_but_the_optimizer_checks_it():
    """The hot path stays unchecked (a rule runs for every parameter at every step); the check runs once."""
    w = np.ones(3)
    next_w, _ = optim.sgd(w.copy(), np.ones(3), {"learning_rate": -1.0})
    np.testing.assert_array_equal(next_w, 2 * w)
    with pytest.raises(ValueError, match=r"^sgd: learning_rate must be a finite number >= 0, got -1.0$"):
        optim.check_hyperparameters(optim.sgd, {"learning_rate": -1.0})
