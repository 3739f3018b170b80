"""Tracking runs in MLflow: what the Solver and train_net log, read back with MLflow's own client."""
import shutil
import sys

import numpy as np
import pytest

from layerwise.classifiers import FullyConnectedNet
from layerwise.data import load_splits
from layerwise.solver import Solver
from layerwise.tracking import MLflowTracker, flatten_params

mlflow = pytest.importorskip("mlflow", reason="the mlflow extra is not installed")


@pytest.fixture(scope="session")
def empty_store(tmp_path_factory):
    """A migrated, empty MLflow database (creating one takes seconds: each test copies this one)."""
    folder = tmp_path_factory.mktemp("mlflow-template")
    mlflow.MlflowClient(f"sqlite:///{folder / 'mlflow.db'}").search_experiments()
    return folder / "mlflow.db"


@pytest.fixture
def store(tmp_path, empty_store):
    shutil.copy(empty_store, tmp_path / "mlflow.db")
    return f"sqlite:///{tmp_path / 'mlflow.db'}"


@pytest.fixture(scope="module")
def digits():
    return load_splits("digits")


def small_net(seed=0):
    return FullyConnectedNet([16], input_dim=64, num_classes=10, seed=seed, dtype=np.float64)


def metric_history(client, run_id, key):
    return [(m.step, m.value) for m in client.get_metric_history(run_id, key)]


def test_the_solver_logs_params_every_epoch_and_its_checkpoint(store, digits, tmp_path):
    tracker = MLflowTracker(experiment="digits", tracking_uri=store, run_name="first")
    solver = Solver(small_net(), digits, update_rule="adam", optim_config={"learning_rate": 2e-3}, num_epochs=3,
                    batch_size=100, verbose=False, seed=1, tracker=tracker, checkpoint_name=str(tmp_path / "ckpt"))
    solver.train()

    client = mlflow.MlflowClient(store)
    run = client.get_run(tracker.run_id)
    assert run.info.status == "FINISHED" and run.info.run_name == "first"
    params = run.data.params
    assert params["update_rule"] == "adam" and float(params["optim_config.learning_rate"]) == 2e-3
    assert params["model"] == "FullyConnectedNet" and int(params["num_train"]) == digits["X_train"].shape[0]
    assert int(params["num_parameters"]) == sum(v.size for v in solver.model.params.values())
    # One point per evaluation (after the first iteration and each epoch), stepped by iteration.
    steps, values = zip(*metric_history(client, tracker.run_id, "val_acc"))
    assert list(steps) == [h["iteration"] for h in solver.history] == [1, 11, 22, 33]
    assert list(values) == pytest.approx([h["val_acc"] for h in solver.history])
    assert run.data.metrics["best_val_acc"] == pytest.approx(solver.best_val_acc)
    assert run.data.metrics["test_acc"] == pytest.approx(solver.test_acc)
    logged = sorted(a.path for a in client.list_artifacts(tracker.run_id, "checkpoint"))
    assert logged[1] == "checkpoint/ckpt.json" and logged[0].startswith("checkpoint/ckpt.arrays-")
    experiment = client.get_experiment_by_name("digits")
    assert experiment.artifact_location.endswith("/mlartifacts")   # beside the database, not in the cwd


def test_a_run_the_caller_opened_stays_open_for_its_files(store, digits, tmp_path):
    with MLflowTracker(tracking_uri=store) as tracker:
        Solver(small_net(), digits, num_epochs=1, verbose=False, tracker=tracker).train()
        client = mlflow.MlflowClient(store)
        assert client.get_run(tracker.run_id).info.status == "RUNNING"
        assert "update_rule" not in client.get_run(tracker.run_id).data.params  # the owner logs its own
        (tmp_path / "notes.txt").write_text("seen")
        tracker.log_artifact(tmp_path / "notes.txt")
    run = client.get_run(tracker.run_id)
    assert run.info.status == "FINISHED" and "val_acc" in run.data.metrics
    assert [a.path for a in client.list_artifacts(tracker.run_id)] == ["notes.txt"]


def test_an_interrupted_run_ends_killed_and_a_diverged_one_failed(store, digits):
    def interrupt(solver):
        raise KeyboardInterrupt

    tracker = MLflowTracker(tracking_uri=store)
    with pytest.raises(KeyboardInterrupt):
        Solver(small_net(), digits, num_epochs=3, verbose=False, tracker=tracker, on_epoch_end=interrupt).train()
    client = mlflow.MlflowClient(store)
    assert client.get_run(tracker.run_id).info.status == "KILLED"
    assert len(metric_history(client, tracker.run_id, "val_acc")) == 2   # first iteration and epoch 1

    diverging = MLflowTracker(tracking_uri=store)
    solver = Solver(small_net(), digits, optim_config={"learning_rate": 1e6}, num_epochs=2, verbose=False,
                    divergence_factor=10, tracker=diverging)
    solver.train()
    assert solver.diverged and client.get_run(diverging.run_id).info.status == "FAILED"


def test_train_net_logs_its_model_loss_and_optimizer(store):
    from layerwise import nn

    data = load_splits("digits")
    data_dict = {"data_train": (data["X_train"].reshape(-1, 64), data["y_train"]),
                 "data_val": (data["X_val"].reshape(-1, 64), data["y_val"])}
    model = nn.sequential(nn.fc(64, 32, name="fc1"), nn.relu(), nn.fc(32, 10, name="fc2"))
    tracker = MLflowTracker(tracking_uri=store)
    _, _, train_acc, val_acc = nn.train_net(data_dict, model, nn.cross_entropy(), nn.SGD(model, 0.1),
                                            max_epochs=2, tracker=tracker)
    client = mlflow.MlflowClient(store)
    params = client.get_run(tracker.run_id).data.params
    assert params["model"] == "sequential" and params["loss_func"] == "cross_entropy"
    assert params["update_rule"] == "SGD" and float(params["optim_config.learning_rate"]) == 0.1
    epochs = [value for step, value in metric_history(client, tracker.run_id, "val_acc")][1:]
    assert epochs == pytest.approx(val_acc)


def test_a_tracker_without_the_protocol_is_refused(digits):
    with pytest.raises(TypeError, match="tracker must have the methods start, log_params, log_metrics, "
                                        "log_artifact, end .*; dict lacks start"):
        Solver(small_net(), digits, tracker={})


def test_params_are_flattened_to_strings():
    assert flatten_params({"a": 1, "b": None, "c": {"d": [1, 2], "e": {"f": True}}}) == \
        {"a": "1", "c.d": "[1, 2]", "c.e.f": "True"}
    assert len(flatten_params({"long": "x" * 10_000})["long"]) == 6000


def test_without_mlflow_the_extra_is_named(monkeypatch):
    monkeypatch.setitem(sys.modules, "mlflow.tracking", None)
    with pytest.raises(ImportError, match=r"tracking needs MLflow: pip install 'layerwise\[mlflow\]'"):
        MLflowTracker()
